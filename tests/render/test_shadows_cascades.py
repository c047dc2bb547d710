"""Sun shadow cascades: the near cascade keeps the single map's resolution, the far cascade lets a
caster far from the camera (beyond ``shadow_distance``) shadow the ground, against an analytic
oracle (ground points whose ray towards the sun hits the box)."""

from __future__ import annotations

import numpy as np
import pytest

from phav.camera import unproject
from phav.render.settings import RenderSettings
from phav.render.shadows import frustum_corners, sun_shadow_cascades, sun_shadow_fit

from render_scenes import (IDENTITY_QUAT, box_mesh, default_camera, interior_mask, make_take, pixel_grid, plane_mesh,
                           render_lit_depth_instance)

W, H = 120, 90
SUN = (0.3, 1.0, 0.9)  # behind the box: its shadow falls towards the camera
#: A building-sized box about 65 m from the camera, far beyond the near cascade's 30 m.
FAR_CENTRE = np.array([0.0, 70.0, 4.0])
FAR_HALF = np.array([3.0, 3.0, 4.0])
MAP_SIZE = 1024


def _far_take():
    K, w2c = default_camera(W, H, eye=(0.0, 20.0, 40.0), target=(0.0, 66.0, 0.0), fov=40.0)
    pos = np.array([[[0.0, 30.0, 0.0], FAR_CENTRE]])
    take = make_take([plane_mesh(400.0, semantic=6), box_mesh(tuple(FAR_HALF))], pos,
                     np.tile(IDENTITY_QUAT, (1, 2, 1)), w2c, K, W, H, instance_ids=[0, 1], sun_direction=SUN)
    return take


def _analytic_shadow(take, depth: np.ndarray) -> np.ndarray:
    """``(H, W) bool``: ground pixels whose ray towards the sun hits the far box (slab method)."""
    grid = pixel_grid(W, H).reshape(-1, 2)
    d = depth.reshape(-1).astype(np.float64)
    ok = np.isfinite(d)
    world = np.full((len(d), 3), np.nan)
    world[ok] = unproject(grid[ok], d[ok], take.camera_K[0], take.camera_world_to_camera[0])
    on_ground = ok & (np.abs(world[:, 2]) < 1e-2)
    sun = np.asarray(SUN) / np.linalg.norm(SUN)
    p = np.where(on_ground[:, None], world, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (FAR_CENTRE - FAR_HALF - p) / sun
        t2 = (FAR_CENTRE + FAR_HALF - p) / sun
    hit = np.max(np.minimum(t1, t2), axis=1) <= np.min(np.maximum(t1, t2), axis=1)
    return (on_ground & hit).reshape(H, W)


def test_near_cascade_is_the_single_map_and_far_cascade_covers_the_range_beyond():
    take = _far_take()
    s = RenderSettings()
    near, far = sun_shadow_cascades(take, 0, s.near, s.shadow_distance, s.shadow_far_distance, MAP_SIZE)
    single = sun_shadow_fit(take, 0, s.near, s.shadow_distance, MAP_SIZE)
    np.testing.assert_array_equal(near.camera_to_light_clip, single.camera_to_light_clip)
    assert near.texel_size == single.texel_size  # near shadows exactly as sharp as before
    corners = frustum_corners(take.camera_K[0], W, H, s.shadow_distance, s.shadow_far_distance)
    clip = np.c_[corners, np.ones(8)] @ far.camera_to_light_clip.T
    assert np.all(np.abs(clip[:, :3]) <= 1.0 + 1e-9)
    assert far.texel_size > near.texel_size
    assert len(sun_shadow_cascades(take, 0, s.near, s.shadow_distance, 0.0, MAP_SIZE)) == 1
    with pytest.raises(ValueError, match="shadow_far_distance"):
        RenderSettings(shadow_far_distance=-1.0)


def _render(take, **overrides):
    return render_lit_depth_instance(take, W, H, shadow_map_size=MAP_SIZE, **overrides)


@pytest.mark.gl
def test_a_far_caster_shadows_the_far_ground(gl_context):
    take = _far_take()
    lit, depth, instance = _render(take, shadows=True)
    flat, _, _ = _render(take, shadows=False)
    near_only, _, _ = _render(take, shadows=True, shadow_far_distance=0.0)
    shadow = _analytic_shadow(take, depth)
    inside = interior_mask(shadow, 2)
    assert inside.sum() > 20, "scene should show the far box's shadow"
    assert np.all(depth[inside] > 50.0)  # far beyond the near cascade's 30 m
    brightness = lit.sum(-1) / np.maximum(flat.sum(-1), 1)
    assert np.median(brightness[inside]) < 0.7, "the far shadow is missing"
    # Without the far cascade the same pixels were unshadowed (the map ended at 30 m).
    np.testing.assert_array_equal(near_only[inside], flat[inside])
    # Far ground the oracle calls lit, well away from the shadow's edge, stays lit.
    lit_far = interior_mask(~shadow & (instance == 0) & (depth > 40.0), 4)
    assert lit_far.sum() > 100
    assert np.median(brightness[lit_far]) > 0.97
