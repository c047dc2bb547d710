"""Asynchronous read-back through pixel buffer objects (phav.render.readback) and the renderer's use
of it: frames come out in order and byte-identical to synchronous read-back, the last frame is
flushed, an abandoned take leaves nothing behind, and close releases the buffers."""

from __future__ import annotations

import ctypes
import dataclasses

import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render.context import get_context
from phav.render.readback import PBO_USAGES, ReadbackRing, ReadbackSlot, pixel_pack_buffer
from phav.render.settings import READBACK_USAGES, RenderSettings, quality_settings

from render_scenes import assert_same_frames, person_take, render_frames

pytestmark = pytest.mark.gl

W, H = 64, 48


def test_slot_returns_what_the_textures_hold(gl_context):
    rng = np.random.default_rng(7)
    depth = rng.random((H, W), dtype=np.float32)
    labels = rng.integers(0, 2**16, (H, W), dtype=np.uint16)
    rgba = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    tex_depth = gl_context.texture((W, H), 1, depth.tobytes(), dtype="f4")
    tex_labels = gl_context.texture((W, H), 1, labels.tobytes(), dtype="u2")
    tex_rgba = gl_context.texture((W, H), 4, rgba.tobytes())
    fbo = gl_context.framebuffer([tex_rgba])
    ring = ReadbackRing(gl_context)
    try:
        first, second = ring.begin(), ring.begin()
        assert first is not second and ring.begin() is first  # two slots used in turn
        first.read("depth", tex_depth, (H, W), np.float32)
        first.read("labels", tex_labels, (H, W), np.uint16)
        first.read("rgb", fbo, (H, W, 3), np.uint8, components=3)
        with pytest.raises(ValueError, match="already queued"):
            first.read("depth", tex_depth, (H, W), np.float32)
        assert first.pending == ("depth", "labels", "rgb")
        # Overwrite the textures after queueing: the queued copies keep the old content.
        tex_depth.write(np.zeros_like(depth).tobytes())
        got = first.collect()
        assert first.pending == ()
        assert np.array_equal(got["depth"], depth)
        assert np.array_equal(got["labels"], labels)
        assert np.array_equal(got["rgb"], rgba[..., :3])
    finally:
        ring.release()
        for obj in (fbo, tex_rgba, tex_labels, tex_depth):
            obj.release()


def test_a_persistent_slot_returns_what_the_textures_held_when_the_frame_was_sealed(gl_context):
    """Persistent buffers (GL 4.4): the copies queued before the slot is sealed (the next frame's
    begin) are what collect returns, after its fence, though the textures change afterwards; the
    buffers are mapped once and reused, the slot refuses reads once sealed, and release unmaps
    and frees them."""
    if gl_context.version_code < 440:
        with pytest.raises(ValueError, match="need GL 4.4"):
            ReadbackRing(gl_context, usage="persistent")
        pytest.skip("persistent buffers need GL 4.4")
    rng = np.random.default_rng(9)
    depth = rng.random((H, W), dtype=np.float32)
    rgba = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    tex_depth = gl_context.texture((W, H), 1, depth.tobytes(), dtype="f4")
    tex_rgba = gl_context.texture((W, H), 4, rgba.tobytes())
    fbo = gl_context.framebuffer([tex_rgba])
    ring = ReadbackRing(gl_context, usage="persistent")
    try:
        first_buffers: dict[int, dict] = {}  # per slot, the buffers of its first frame
        previous, wanted = None, None
        for frame in range(5):
            slot = ring.begin()  # the two slots in turn; seals the previous frame's
            if previous is not None:
                assert previous._fence is not None
                with pytest.raises(RuntimeError, match="sealed"):
                    previous.read("other", tex_depth, (H, W), np.float32)
                tex_depth.write((depth + 1.0).tobytes())  # after the seal: not in that frame's copies
                got = previous.collect()
                assert previous.pending == () and previous._fence is None
                assert np.array_equal(got["depth"], wanted) and np.array_equal(got["rgb"], rgba[..., :3])
                assert got["depth"].flags.writeable and got["depth"].flags.owndata
                depth = depth + 1.0
            slot.read("depth", tex_depth, (H, W), np.float32)
            slot.read("rgb", fbo, (H, W, 3), np.uint8, components=3)
            buffers = first_buffers.setdefault(id(slot), dict(slot._buffers))
            assert all(slot._buffers[k] is b for k, b in buffers.items()), "mapped once, reused"
            previous, wanted = slot, depth
        got = previous.collect()  # the last frame: sealed by collect itself
        assert np.array_equal(got["depth"], wanted)
        with pytest.raises(ValueError, match="made by persistent_pack_buffer"):
            pixel_pack_buffer(gl_context, 16, "persistent")
        slot = ring.begin()
        slot.read("depth", tex_depth, (H, W), np.float32)
        slot.seal()
        slot.discard()  # an abandoned sealed frame: its fence goes too
        assert slot._fence is None and slot.pending == ()
        buffers = [b for s in ring._slots for b in s._buffers.values()]
    finally:
        ring.release()
        for obj in (fbo, tex_rgba, tex_depth):
            obj.release()
    assert buffers and all(type(b.mglo).__name__ == "InvalidObject" for b in buffers)
    assert gl_context.error == "GL_NO_ERROR"


def test_slot_reuses_its_buffers_and_releases_them(gl_context):
    tex = gl_context.texture((W, H), 1, dtype="f4")
    slot = ReadbackSlot(gl_context)
    try:
        slot.read("a", tex, (H, W), np.float32)
        slot.collect()
        buffer = slot._buffers["a"]
        slot.read("a", tex, (H, W), np.float32)
        assert slot._buffers["a"] is buffer  # same size: reused
        slot.discard()
        assert slot.pending == ()
    finally:
        slot.release()
        tex.release()
    assert slot._buffers == {}


def _usage_hint(ctx, buffer) -> int:
    """``GL_BUFFER_USAGE`` of ``buffer``, asked of the GL."""
    load = ctx.mglo._context.load_opengl_function
    bind = ctypes.CFUNCTYPE(None, ctypes.c_uint, ctypes.c_uint)(load("glBindBuffer"))
    get = ctypes.CFUNCTYPE(None, ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_int))(load("glGetBufferParameteriv"))
    value = ctypes.c_int()
    bind(0x8F37, buffer.glo)  # GL_COPY_WRITE_BUFFER
    get(0x8F37, 0x8765, ctypes.byref(value))  # GL_BUFFER_USAGE
    bind(0x8F37, 0)
    return value.value


def test_pixel_buffers_get_the_usage_hint_asked_for(gl_context):
    assert READBACK_USAGES == ("auto", *PBO_USAGES)
    dynamic, stream = pixel_pack_buffer(gl_context, 1000), pixel_pack_buffer(gl_context, 1000, "stream_read")
    try:
        assert _usage_hint(gl_context, dynamic) == 0x88E8  # GL_DYNAMIC_DRAW, moderngl's
        assert _usage_hint(gl_context, stream) == 0x88E1  # GL_STREAM_READ
        assert stream.size == dynamic.size == 1000
    finally:
        dynamic.release()
        stream.release()
    with pytest.raises(ValueError, match="unknown pixel buffer usage 'static'"):
        pixel_pack_buffer(gl_context, 1000, "static")
    with pytest.raises(ValueError, match="unknown readback_usage"):
        RenderSettings(readback_usage="static")


@pytest.mark.parametrize("T", [1, 2, 4])
@pytest.mark.parametrize("mods", [MODALITIES, ("img",), ("depth", "classgt"), ("flow",)])
def test_async_frames_equal_synchronous_frames(T, mods):
    take = person_take(W, H, T=T, step=(0.1, 0.0, 0.0))
    settings = quality_settings("preview")
    got = render_frames(take, settings, mods)
    assert [f.index for f in got] == list(range(T)), "every frame, in order, the last one flushed"
    assert_same_frames(got, render_frames(take, dataclasses.replace(settings, async_readback=False), mods))
    for lag in (2, 3):  # mapped later, the GL given more frames of work: the same frames
        assert_same_frames(got, render_frames(take, dataclasses.replace(settings, readback_lag=lag), mods))
    if T == 4 and mods == MODALITIES:  # the other pixel buffer kinds read the same frames
        for usage in READBACK_USAGES[1:]:
            if usage.startswith("persistent") and get_context().version_code < 440:
                continue
            assert_same_frames(got, render_frames(take, dataclasses.replace(settings, readback_usage=usage), mods))
            assert_same_frames(got, render_frames(take, dataclasses.replace(settings, readback_usage=usage, readback_lag=2), mods))
    for f in got:
        assert ("img" in mods) == (f.img is not None) and ("depth" in mods) == (f.depth is not None)
        assert ("flow" in mods) == (f.flow is not None)


@pytest.mark.parametrize("usage, lag", [("dynamic_draw", 1), ("dynamic_draw", 2), ("persistent", 1), ("persistent_views", 2)])
def test_an_abandoned_take_leaves_nothing_behind(usage, lag):
    if usage.startswith("persistent") and get_context().version_code < 440:
        pytest.skip("persistent buffers need GL 4.4")
    take = person_take(W, H, T=3)
    settings = dataclasses.replace(quality_settings("preview"), readback_lag=lag, readback_usage=usage)
    with Renderer(W, H, settings) as r:
        frames = r.render_take(take, MODALITIES)
        next(frames)  # frames 0..2 issued, later read-backs still queued
        again = list(r.render_take(take, MODALITIES))
        with pytest.raises(RuntimeError, match="no longer valid"):
            next(frames)
    assert_same_frames(again, render_frames(take, settings))


@pytest.mark.parametrize("lag", [1, 2, 4])
def test_a_read_back_lag_keeps_that_many_frames_in_flight(lag):
    """Frame t is mapped once frame t + lag's commands are issued: one slot per frame in flight,
    and with 6 frames every slot is used."""
    take = person_take(W, H, T=6)
    with Renderer(W, H, dataclasses.replace(quality_settings("preview"), readback_lag=lag)) as r:
        frames = r.render_take(take, ("img",))
        first = next(frames)
        slots = r._readback._slots
        assert first.index == 0 and len(slots) == lag + 1
        assert sum(bool(slot.pending) for slot in slots) == lag, "frames 1..lag issued, not yet mapped"
        assert [f.index for f in frames] == list(range(1, 6))
    for bad in (0, 5, 1.0):
        with pytest.raises(ValueError, match="readback_lag must be an integer in 1..4"):
            RenderSettings(readback_lag=bad)


def test_close_releases_the_pixel_buffers():
    take = person_take(W, H, T=2)
    r = Renderer(W, H, quality_settings("preview"))
    list(r.render_take(take, MODALITIES))
    slots = r._readback._slots
    buffers = [b for slot in slots for b in slot._buffers.values()]
    assert buffers, "the read-backs went through pixel buffers"
    r.close()
    assert all(slot._buffers == {} for slot in slots)
    assert all(type(b.mglo).__name__ == "InvalidObject" for b in buffers), "every pixel buffer released"
