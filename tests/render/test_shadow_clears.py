"""The shadow atlas is cleared only where the previous frame's casters may have drawn
(:meth:`phav.render.shadows.ShadowMap.prepare`): every texel a frame writes lies inside the
rectangles its plan names (:func:`phav.render.shadows.touched_texels`), and the atlas and the images
are byte for byte those of a whole clear every frame."""

from __future__ import annotations

import numpy as np
import pytest

from phav.render import shadows
from phav.render.shadows import touched_texels

from render_scenes import IDENTITY_QUAT, box_mesh, default_camera, make_take, person_take, plane_mesh

W, H = 96, 72
MAP_SIZE = 512


def _bounds(boxes: list[tuple[tuple, tuple]]) -> tuple[np.ndarray, np.ndarray]:
    """``(1, N, 1, 3)`` low and high extents of boxes given directly in light clip space."""
    low = np.array([[b[0]] for b in boxes], dtype=float)[None]
    high = np.array([[b[1]] for b in boxes], dtype=float)[None]
    return low, high


def test_touched_texels_cover_the_drawn_boxes_with_a_texel_to_spare_clipped_to_the_map():
    low, high = _bounds([((-0.5, -0.5, 0.0), (0.0, 0.25, 0.1)),  # texels x 2..4, y 2..5 of 8
                         ((0.5, 0.5, 0.0), (0.75, 0.75, 0.1)),  # texels x, y 6..7
                         ((-3.0, -0.1, 0.0), (-0.9, 0.1, 0.1))])  # reaches past the left edge
    only_first = np.array([[[True, False, False]]])
    assert touched_texels(low, high, only_first, 8).tolist() == [[[1, 1, 5, 6]]]
    assert touched_texels(low, high, np.array([[[True, True, False]]]), 8).tolist() == [[[1, 1, 8, 8]]]
    assert touched_texels(low, high, np.array([[[False, False, True]]]), 8).tolist() == [[[0, 2, 2, 6]]]
    assert touched_texels(low, high, np.zeros((1, 1, 3), bool), 8).tolist() == [[[0, 0, 0, 0]]]


def test_touched_texels_are_per_frame_and_per_cascade():
    low = np.array([[[[-0.5, -0.5, 0.0], [-1.0, -1.0, 0.0]]], [[[0.0, 0.0, 0.0], [0.5, 0.5, 0.0]]]])  # (F=2, N=1, C=2, 3)
    high = low + 0.25
    drawn = np.array([[[True], [False]], [[True], [True]]])  # (F, C, N)
    rects = touched_texels(low, high, drawn, 16)
    assert rects.shape == (2, 2, 4)
    assert rects[0].tolist() == [[3, 3, 7, 7], [0, 0, 0, 0]]
    assert rects[1].tolist() == [[7, 7, 11, 11], [11, 11, 15, 15]]


def _moving_boxes_take():
    """A box walking across the near range and a building-sized box sliding through the far range
    (beyond the near cascade's 30 m), so that both cascades of the atlas are drawn every frame."""
    T = 5
    K, w2c = default_camera(W, H, eye=(0.0, -8.0, 6.0), target=(0.0, 30.0, 0.0), fov=60.0)
    pos = np.array([[[0.0, 0.0, 0.0], [-3.0 + 1.5 * t, 2.0, 0.5], [-20.0 + 8.0 * t, 70.0, 4.0]] for t in range(T)])
    return make_take([plane_mesh(400.0, semantic=6), box_mesh((0.5, 0.5, 0.5)), box_mesh((3.0, 3.0, 4.0))], pos,
                     np.tile(IDENTITY_QUAT, (T, 3, 1)), w2c, K, W, H, instance_ids=[0, 1, 2],
                     sun_direction=(0.3, 1.0, 0.9))


def _frames(take, fraction: float, monkeypatch) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per frame: the lit ``raw`` image, the shadow atlas ``(size, cascades * size)`` float32 right
    after the frame was drawn, and its plan's touched rectangles; the atlas cleared whole when the
    previous frame's rectangles exceed ``fraction`` of it."""
    from phav.render import Renderer
    from phav.render.settings import quality_settings

    monkeypatch.setattr(shadows, "FULL_CLEAR_FRACTION", fraction)
    settings = quality_settings("preview", post=(), shadows=True, shadow_map_size=MAP_SIZE, async_readback=False)
    out = []
    with Renderer(W, H, settings) as renderer:
        for frame in renderer.render_take(take, ("raw",)):  # synchronous: the atlas is this frame's
            atlas = renderer._shadow_map
            depth = np.frombuffer(atlas.depth.read(), dtype=np.float32).reshape(MAP_SIZE, atlas.cascades * MAP_SIZE)
            plan = renderer._take.shadow_planner(settings).plan(frame.index)
            out.append((frame.raw.copy(), depth.copy(), np.array(plan.touched)))
    return out


@pytest.mark.gl
@pytest.mark.parametrize("scene", ["person", "boxes"])
def test_every_texel_a_frame_draws_lies_in_the_rectangles_its_plan_names(gl_context, monkeypatch, scene):
    take = person_take(W, H, T=4, step=(0.3, 0.0, 0.0)) if scene == "person" else _moving_boxes_take()
    frames = _frames(take, -1.0, monkeypatch)  # whole clears: nothing left over from earlier frames
    drawn_cascades = set()
    for t, (_, depth, touched) in enumerate(frames):
        for c, (x0, y0, x1, y1) in enumerate(touched.tolist()):
            square = depth[:, c * MAP_SIZE:(c + 1) * MAP_SIZE]
            written = square < 1.0
            inside = np.zeros_like(written)
            inside[y0:y1, x0:x1] = True
            assert not np.any(written & ~inside), f"frame {t}, cascade {c}: texels drawn outside {touched[c]}"
            if written.any():
                drawn_cascades.add(c)
                assert (x1 - x0) * (y1 - y0) < 0.5 * MAP_SIZE ** 2, "premise: the rectangle is not the whole map"
    expected = {0} if scene == "person" else {0, 1}
    assert drawn_cascades == expected, f"premise: casters drawn into cascades {expected}, got {drawn_cascades}"


@pytest.mark.gl
@pytest.mark.parametrize("scene", ["person", "boxes"])
def test_clearing_only_what_the_last_frame_drew_leaves_what_a_whole_clear_leaves(gl_context, monkeypatch, scene):
    take = person_take(W, H, T=4, step=(0.3, 0.0, 0.0)) if scene == "person" else _moving_boxes_take()
    whole = _frames(take, -1.0, monkeypatch)
    scissored = _frames(take, np.inf, monkeypatch)
    for t, ((raw_a, depth_a, _), (raw_b, depth_b, _)) in enumerate(zip(whole, scissored)):
        assert np.array_equal(depth_a, depth_b), f"frame {t}: the shadow atlases differ"
        assert np.array_equal(raw_a, raw_b), f"frame {t}: the images differ"
    moved = [np.any(a[2] != b[2]) for a, b in zip(whole[:-1], whole[1:])]
    assert all(moved), "premise: the casters' rectangles move every frame"


@pytest.mark.gl
def test_prepare_rejects_rectangles_outside_the_cascades(gl_context):
    from phav.render.context import default_framebuffer

    atlas = shadows.ShadowMap(gl_context, 64, cascades=2)
    try:
        atlas.prepare(np.array([[0, 0, 64, 64], [0, 0, 0, 0]]))
        with pytest.raises(ValueError, match="outside the 64-texel cascades"):
            atlas.prepare(np.array([[0, 0, 65, 10], [0, 0, 0, 0]]))
    finally:
        default_framebuffer(gl_context).use()  # never release a bound framebuffer
        atlas.release()
