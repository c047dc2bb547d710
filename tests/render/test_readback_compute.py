"""Read-backs written by compute shaders (phav.render.readback_compute): every texture format the
renderer reads arrives as the same array the driver's copy gives, for sizes whose arrays are not
whole 4-byte words too, and texels written after the read was queued stay out of it."""

from __future__ import annotations

import numpy as np
import pytest

from phav.render.readback import ReadbackRing
from phav.render.readback_compute import ComputeReadback, source_format
from phav.render.targets import GLObjects

pytestmark = pytest.mark.gl


def _textures(gl: GLObjects, ctx, width: int, height: int, rng: np.random.Generator) -> dict:
    """Key -> (texture, the array it holds, shape, dtype) for each format the renderer reads."""
    depth = rng.random((height, width), dtype=np.float32)
    depth[0, 0] = np.inf  # sky
    flow_bits = rng.integers(0, 2**32, (height, width, 2), dtype=np.uint32)
    instance = rng.integers(0, 2**16, (height, width), dtype=np.uint16)
    semantic = rng.integers(0, 256, (height, width), dtype=np.uint8)
    rgba = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    size = (width, height)
    return {
        "depth": (gl.add(ctx.texture(size, 1, depth.tobytes(), dtype="f4")), depth, depth.shape, np.float32),
        "flow": (gl.add(ctx.texture(size, 2, flow_bits.tobytes(), dtype="u4")), flow_bits, flow_bits.shape, np.uint32),
        "instance": (gl.add(ctx.texture(size, 1, instance.tobytes(), dtype="u2")), instance, instance.shape, np.uint16),
        "semantic": (gl.add(ctx.texture(size, 1, semantic.tobytes(), dtype="u1")), semantic, semantic.shape, np.uint8),
        "img": (gl.add(ctx.texture(size, 4, rgba.tobytes())), rgba[..., :3], (height, width, 3), np.uint8),
    }


@pytest.mark.parametrize("staged", [True, False])
@pytest.mark.parametrize("width, height", [(64, 48), (7, 5), (3, 1), (1, 1)])
def test_compute_written_buffers_hold_each_formats_array(gl_context, width, height, staged, monkeypatch):
    from phav.render import readback

    monkeypatch.setattr(readback, "STAGE_COMPUTE_WRITES", staged)
    gl = GLObjects()
    ring = ReadbackRing(gl_context, compute=ComputeReadback(gl, gl_context))
    plain = ReadbackRing(gl_context)
    try:
        textures = _textures(gl, gl_context, width, height, np.random.default_rng(width * height))
        slot, plain_slot = ring.begin(), plain.begin()
        for key, (texture, _, shape, dtype) in textures.items():
            assert source_format(texture, shape, dtype) is not None, key
            slot.read(key, texture, shape, dtype)
            if key != "img":  # the plain path reads RGBA8 textures as RGBA; the renderer reads a framebuffer there
                plain_slot.read(key, texture, shape, dtype)
        slot.finish()  # the frame's reads are queued (staged: the copies into the mapped buffers)
        for texture, *_ in textures.values():  # later writes must not reach the queued read-backs
            texel_bytes = texture.components * int(texture.dtype[1])
            texture.write(bytes(texture.width * texture.height * texel_bytes))
        got, expected = slot.collect(), plain_slot.collect()
        for key, (_, array, shape, dtype) in textures.items():
            assert got[key].shape == shape and got[key].dtype == dtype, key
            assert np.array_equal(got[key].view(np.uint8), np.ascontiguousarray(array).view(np.uint8)), key
            if key in expected:
                assert np.array_equal(got[key], expected[key]), key
    finally:
        ring.release()
        plain.release()
        gl.release()


def test_formats_the_kernel_does_not_know_are_left_to_the_driver(gl_context):
    gl = GLObjects()
    try:
        rgba16f = gl.add(gl_context.texture((4, 3), 4, dtype="f2"))
        depth = gl.add(gl_context.texture((4, 3), 1, dtype="f4"))
        assert source_format(rgba16f, (3, 4, 4), np.float16) is None
        assert source_format(depth, (4, 3), np.float32) is None  # rows and columns swapped
        assert source_format(depth, (3, 4), np.uint32) is None  # another dtype
        assert source_format(depth, (3, 4), np.float32) == "R32F"
    finally:
        gl.release()


def test_the_compute_backend_reads_every_target_through_compute_shaders(monkeypatch):
    import dataclasses

    import moderngl

    from phav.frames import MODALITIES
    from phav.render import Renderer
    from phav.render.readback_compute import ComputeReadback
    from phav.render.settings import quality_settings

    from render_scenes import person_take

    width, height = 60, 44
    take = person_take(width, height, T=3, step=(0.2, 0.0, 0.0))
    frames = {}
    for backend in ("fragment", "compute"):
        copies, writes = [], []
        monkeypatch.setattr(moderngl.Texture, "read_into", lambda self, *a, **k: copies.append(self))
        original = ComputeReadback.write
        monkeypatch.setattr(ComputeReadback, "write", lambda self, *a, **k: (writes.append(a[0]), original(self, *a, **k)))
        if backend == "fragment":
            monkeypatch.undo()  # the driver's copies stay as they are
        with Renderer(width, height, dataclasses.replace(quality_settings("phav"), post_backend=backend)) as r:
            frames[backend] = list(r.render_take(take, MODALITIES))
        if backend == "compute":
            assert copies == []  # no texture went through the driver's pixel transfer
            assert sorted(set(writes)) == ["R16UI", "R32F", "R8UI", "RG32UI", "RGB8"]
    for a, b in zip(frames["compute"], frames["fragment"]):
        for name in ("depth", "flow", "flow_valid", "semantic", "instance"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), (a.index, name)
        for name in ("img", "raw"):
            assert getattr(a, name).shape == (height, width, 3)
            assert np.abs(getattr(a, name).astype(int) - getattr(b, name).astype(int)).max() <= 1, (a.index, name)
