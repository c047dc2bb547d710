"""Zero-copy read-back (phav.render.readback_blocks, readback_usage="persistent_views"): from a
slot's second frame on, a frame's arrays are views of one persistently mapped block, hold what the
textures held when the frame was sealed, and keep their block from reuse for as long as any of them
lives (the renderer closed or not); a full pool falls back to copies; "auto" picks the usage."""

from __future__ import annotations

import gc
import types

import numpy as np
import pytest

from phav.render import Renderer
from phav.render.readback import ReadbackRing
from phav.render.readback_blocks import _orphans, release_orphans
from phav.render.readback_gl import choose_readback_usage
from phav.render.settings import quality_settings

from render_scenes import assert_same_frames, person_take, render_frames

pytestmark = pytest.mark.gl

W, H = 64, 48


@pytest.fixture
def views_context(gl_context):
    if gl_context.version_code < 440:
        with pytest.raises(ValueError, match="need GL 4.4"):
            ReadbackRing(gl_context, usage="persistent_views")
        pytest.skip("persistent buffers need GL 4.4")
    return gl_context


def _textures(ctx, rng):
    depth = rng.random((H, W), dtype=np.float32)
    labels = rng.integers(0, 2**16, (H, W), dtype=np.uint16)
    return depth, labels, ctx.texture((W, H), 1, depth.tobytes(), dtype="f4"), ctx.texture((W, H), 1, labels.tobytes(), dtype="u2")


def _frame(ring, tex_depth, tex_labels):
    slot = ring.begin()
    slot.read("depth", tex_depth, (H, W), np.float32)
    slot.read("labels", tex_labels, (H, W), np.uint16)
    return slot


def test_frames_after_a_slots_first_are_views_of_a_block_kept_while_viewed(views_context):
    ctx, rng = views_context, np.random.default_rng(3)
    depth, labels, tex_depth, tex_labels = _textures(ctx, rng)
    ring = ReadbackRing(ctx, slots=1, usage="persistent_views")
    try:
        first = _frame(ring, tex_depth, tex_labels).collect()  # no size known yet: copied
        assert first["depth"].flags.owndata and ring._blocks.blocks == ()
        held = []
        for k in range(3):
            slot = _frame(ring, tex_depth, tex_labels)
            slot.seal()
            tex_depth.write((depth + 1.0).tobytes())  # after the seal: not in this frame
            got = slot.collect()
            assert np.array_equal(got["depth"], depth) and np.array_equal(got["labels"], labels)
            assert not got["depth"].flags.owndata and got["depth"].flags.c_contiguous
            assert got["depth"].shape == (H, W) and got["labels"].dtype == np.uint16
            assert slot._buffers == {}, "every read went into the block: the slot's own buffers are gone"
            held.append(got)
            depth = depth + 1.0
        blocks = ring._blocks.blocks
        assert len(blocks) == 3 and all(b.viewed for b in blocks), "a held frame's block is not reused"
        # Drop two frames but keep one array of the third: two blocks come back, the held one not.
        kept = held[2]["labels"]
        held.clear()
        gc.collect()
        assert [b.viewed for b in blocks] == [False, False, True]
        got = _frame(ring, tex_depth, tex_labels).collect()
        assert len(ring._blocks.blocks) == 3 and np.array_equal(got["depth"], depth)
        assert np.array_equal(kept, labels), "the held array still holds its frame"
        del got  # its block free again: released with the ring
    finally:
        ring.release()
        tex_depth.release()
        tex_labels.release()
    # Released with an array still viewing its block: the block stays mapped until the array goes.
    assert np.array_equal(kept, labels) and release_orphans(ctx) == 1
    del kept
    assert release_orphans(ctx) == 0 and not [e for e in _orphans if e[0] is ctx]
    assert ctx.error == "GL_NO_ERROR"


def test_a_full_pool_copies_and_an_abandoned_frame_frees_its_block(views_context):
    ctx, rng = views_context, np.random.default_rng(4)
    depth, labels, tex_depth, tex_labels = _textures(ctx, rng)
    ring = ReadbackRing(ctx, slots=1, usage="persistent_views")
    frame_bytes = 2 * 256 * -(-(H * W * 4) // 256)  # both reads, each rounded up to the alignment
    ring._blocks.max_bytes = frame_bytes  # room for one block
    try:
        _frame(ring, tex_depth, tex_labels).collect()
        viewed = _frame(ring, tex_depth, tex_labels).collect()
        assert not viewed["depth"].flags.owndata
        copied = _frame(ring, tex_depth, tex_labels).collect()  # the one block is viewed: copies
        assert copied["depth"].flags.owndata and np.array_equal(copied["labels"], labels)
        assert len(ring._blocks.blocks) == 1
        del viewed
        slot = _frame(ring, tex_depth, tex_labels)  # takes the block again ...
        assert slot._block is ring._blocks.blocks[0]
        slot.discard()  # ... and an abandoned frame gives it back
        assert ring._blocks.blocks[0].free
    finally:
        ring.release()
        tex_depth.release()
        tex_labels.release()
    assert ctx.error == "GL_NO_ERROR"


def test_views_outlive_their_renderer_and_equal_copied_frames(views_context):
    take = person_take(W, H, T=5, step=(0.1, 0.0, 0.0))
    settings = quality_settings("preview", readback_usage="persistent_views")
    with Renderer(W, H, settings) as renderer:
        assert renderer.readback_usage == "persistent_views"
        frames = list(renderer.render_take(take))
    assert any(not f.depth.flags.owndata for f in frames), "frames from a slot's second use are views"
    assert_same_frames(frames, render_frames(take, quality_settings("preview", readback_usage="dynamic_draw")))


def test_auto_picks_views_on_mesa_with_gl44_and_dynamic_draw_elsewhere(gl_context):
    def context(version: str, code: int):
        return types.SimpleNamespace(info={"GL_VERSION": version}, version_code=code)

    assert choose_readback_usage("auto", context("4.5 (Core Profile) Mesa 22.3.6", 450)) == "persistent_views"
    assert choose_readback_usage("auto", context("4.3 (Core Profile) Mesa 22.3.6", 430)) == "dynamic_draw"
    assert choose_readback_usage("auto", context("4.6.0 NVIDIA 580.159.04", 460)) == "dynamic_draw"
    assert choose_readback_usage("stream_read", context("4.6.0 NVIDIA 580.159.04", 460)) == "stream_read"
    with pytest.raises(ValueError, match="unknown pixel buffer usage 'static'"):
        choose_readback_usage("static", gl_context)
