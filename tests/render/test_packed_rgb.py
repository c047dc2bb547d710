"""RGB packed on the GPU (phav.render.packed_rgb) reads the bytes a GL_RGB read gives, alone, fused
with the SSAA resolve and for two images in one dispatch, and the renderer's frames are the same
with and without it."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest

from phav.render import Renderer
from phav.render.context import default_framebuffer
from phav.render.packed_rgb import PackedRGB
from phav.render.post import FullScreenKernel
from phav.render.readback import ReadbackRing
from phav.render.settings import quality_settings
from phav.render.targets import GLObjects

from render_scenes import assert_same_frames, person_take

pytestmark = pytest.mark.gl

W, H = 64, 48


@pytest.mark.parametrize("backend", ["fragment", "compute"])
def test_packed_rgb_reads_the_bytes_a_gl_rgb_read_gives(gl_context, backend):
    """Every byte value, an odd width (3W bytes per row, not a multiple of 4) and both backends: the
    packed read equals the driver's GL_RGB read and the texture's first three channels."""
    if backend == "compute" and gl_context.version_code < 430:
        pytest.skip("compute shaders need GL 4.3")
    w, h = 37, 23
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    rgba.reshape(-1)[:256 * 4] = np.repeat(np.arange(256, dtype=np.uint8), 4)  # every value in every channel
    gl = GLObjects()
    ring = ReadbackRing(gl_context)
    try:
        packer = PackedRGB(gl, gl_context, w, h, backend, ("a", "b"))
        tex = gl.add(gl_context.texture((w, h), 4, rgba.tobytes()))
        fbo = gl.add(gl_context.framebuffer([tex]))
        slot = ring.begin()
        slot.read("driver", fbo, (h, w, 3), np.uint8, components=3)
        packer.read(slot, "a", tex)
        packer.read(slot, "b", tex)
        got = slot.collect()
        for key in ("a", "b"):
            assert got[key].shape == (h, w, 3) and got[key].dtype == np.uint8
            assert got[key].flags.c_contiguous and got[key].flags.writeable
            assert np.array_equal(got[key], rgba[..., :3]), key
        assert np.array_equal(got["a"], got["driver"])
    finally:
        default_framebuffer(gl_context).use()  # the fragment pass bound its target: unbind before release
        ring.release()
        gl.release()


@pytest.mark.parametrize("ssaa", [1, 2, 3])
def test_fused_resolve_and_packing_give_the_bytes_of_the_resolve_then_a_gl_rgb_read(gl_context, ssaa):
    """shaders/resolve_packed.comp against resolve.comp and a GL_RGB read of its RGBA8 target:
    HDR values below 0, above 1 and on every byte's rounding edge, an odd width."""
    if gl_context.version_code < 430:
        pytest.skip("compute shaders need GL 4.3")
    w, h = 37, 23
    rng = np.random.default_rng(ssaa)
    srgb_edges = ((np.arange(h * w * 4) % 256 + 0.5) / 255.0).reshape(h, w, 4)  # between two bytes
    low = np.where(srgb_edges <= 0.04045, srgb_edges / 12.92, ((srgb_edges + 0.055) / 1.055) ** 2.4)  # linear
    low[h // 2:] = rng.uniform(-0.2, 1.3, low[h // 2:].shape)  # and out of range
    hdr = np.repeat(np.repeat(low, ssaa, axis=0), ssaa, axis=1)
    hdr[h * ssaa // 2:] += rng.normal(0.0, 0.05, hdr[h * ssaa // 2:].shape)  # samples of a pixel differ
    hdr = hdr.astype(np.float16)  # as the RGBA16F chain holds it
    gl = GLObjects()
    ring = ReadbackRing(gl_context)
    try:
        source = gl.add(gl_context.texture((w * ssaa, h * ssaa), 4, hdr.tobytes(), dtype="f2"))
        source.filter = (moderngl.NEAREST, moderngl.NEAREST)
        resolve = FullScreenKernel(gl, gl_context, "resolve", "compute", {"SSAA_FACTOR": ssaa})
        resolve.set("u_source", PackedRGB.SOURCE_UNIT)
        separate, fused = (gl.add(gl_context.texture((w, h), 4)) for _ in range(2))
        separate_fbo = gl.add(gl_context.framebuffer([separate]))
        packer = PackedRGB(gl, gl_context, w, h, "compute", ("img",), ssaa=ssaa)
        assert packer.resolves and not PackedRGB(gl, gl_context, w, h, "fragment", ("img",), ssaa=ssaa).resolves
        source.use(location=PackedRGB.SOURCE_UNIT)
        resolve.draw(separate, separate_fbo)
        slot = ring.begin()
        slot.read("separate", separate_fbo, (h, w, 3), np.uint8, components=3)
        packer.resolve_and_read(slot, "img", source, fused)
        got = slot.collect()
        assert np.array_equal(got["img"], got["separate"])
        assert len(np.unique(got["img"])) > 200  # the values cover the byte range
        assert np.array_equal(fused.read(), separate.read())  # the RGBA8 target holds the resolve too
    finally:
        default_framebuffer(gl_context).use()
        ring.release()
        gl.release()


@pytest.mark.parametrize("ssaa", [1, 2])
def test_a_paired_resolve_gives_the_bytes_of_two_single_ones(gl_context, ssaa):
    """resolve_pair_and_read (the raw and the post-processed image in one dispatch) against
    resolve_and_read of each source: the same packed bytes and RGBA8 targets, read back in order."""
    if gl_context.version_code < 430:
        pytest.skip("compute shaders need GL 4.3")
    w, h = 37, 23
    rng = np.random.default_rng(20 + ssaa)
    gl = GLObjects()
    ring = ReadbackRing(gl_context)
    try:
        sources = []
        for _ in range(2):
            hdr = rng.uniform(-0.2, 1.3, (h * ssaa, w * ssaa, 4)).astype(np.float16)
            sources.append(gl.add(gl_context.texture((w * ssaa, h * ssaa), 4, hdr.tobytes(), dtype="f2")))
        single, paired = (tuple(gl.add(gl_context.texture((w, h), 4)) for _ in range(2)) for _ in range(2))
        packer = PackedRGB(gl, gl_context, w, h, "compute", ("raw", "img"), ssaa=ssaa)
        assert packer.resolves_pairs and not PackedRGB(gl, gl_context, w, h, "compute", ("img",), ssaa=ssaa).resolves_pairs
        slot = ring.begin()
        packer.resolve_and_read(slot, "raw", sources[0], single[0])
        packer.resolve_and_read(slot, "img", sources[1], single[1])
        want = slot.collect()
        slot = ring.begin()
        packer.resolve_pair_and_read(slot, ("raw", sources[0], paired[0]), ("img", sources[1], paired[1]))
        assert slot.pending == ("raw", "img")
        got = slot.collect()
        for key in ("raw", "img"):
            assert np.array_equal(got[key], want[key]), key
        assert not np.array_equal(got["raw"], got["img"])
        for a, b in zip(single, paired):
            assert np.array_equal(a.read(), b.read())
        with pytest.raises(RuntimeError, match="no paired resolve"):
            PackedRGB(gl, gl_context, w, h, "compute", ("img",), ssaa=ssaa).resolve_pair_and_read(
                slot, ("img", sources[0], paired[0]), ("img", sources[1], paired[1]))
    finally:
        default_framebuffer(gl_context).use()
        ring.release()
        gl.release()


def test_packed_rgb_refuses_a_width_whose_bytes_exceed_the_texture_limit(gl_context):
    too_wide = int(gl_context.info["GL_MAX_TEXTURE_SIZE"]) // 3 + 1
    assert not PackedRGB.fits(gl_context, too_wide) and PackedRGB.fits(gl_context, too_wide - 1)
    gl = GLObjects()
    with pytest.raises(ValueError, match="too wide to pack"):
        PackedRGB(gl, gl_context, too_wide, 4, "fragment", ("img",))
    assert len(gl) == 0


@pytest.mark.parametrize("backend", ["fragment", "compute"])
@pytest.mark.parametrize("quality", ["preview", "phav"])
def test_renderer_frames_equal_with_and_without_gpu_packed_rgb(gl_context, monkeypatch, quality, backend):
    """RGB packed on the GPU (hardware GL; on the compute backend in the resolve's dispatch) or read
    with GL_RGB (software rasterizers, widths too large to pack): the same bytes."""
    if backend == "compute" and gl_context.version_code < 430:
        pytest.skip("compute shaders need GL 4.3")
    take = person_take(W, H, T=2)
    frames = {}
    for packing in (True, False):
        monkeypatch.setattr(PackedRGB, "wanted", staticmethod(lambda ctx, width, packing=packing: packing))
        with Renderer(W, H, quality_settings(quality, post_backend=backend)) as r:
            assert (r._rgb is not None) == packing
            assert not packing or r._rgb.resolves == r._rgb.resolves_pairs == (backend == "compute")
            frames[packing] = list(r.render_take(take, ("img", "raw")))
            if packing:  # img alone, and raw alone: the single resolves
                frames["img"] = list(r.render_take(take, ("img",)))
                frames["raw"] = list(r.render_take(take, ("raw",)))
    assert_same_frames(frames[True], frames[False])
    for got, want in zip(frames["img"] + frames["raw"], frames[False] * 2):
        for name in ("img", "raw"):
            value = getattr(got, name)
            assert value is None or value.tobytes() == getattr(want, name).tobytes(), (got.index, name)


def test_packing_is_wanted_on_hardware_gl_only(gl_context):
    software = any(name in gl_context.info["GL_RENDERER"].lower() for name in ("llvmpipe", "softpipe", "swrast"))
    assert PackedRGB.wanted(gl_context, W) == (not software)
    assert not PackedRGB.wanted(gl_context, int(gl_context.info["GL_MAX_TEXTURE_SIZE"]))
