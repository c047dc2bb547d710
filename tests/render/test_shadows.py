"""The sun shadow map: the light camera's fit (numpy) and shadows in the image against an analytic
oracle (a box on the ground; ground points whose ray towards the sun hits the box are in shadow)."""

from __future__ import annotations

import numpy as np
import pytest

from phav.camera import unproject
from phav.render.settings import RenderSettings, quality_settings
from phav.render.shadows import frustum_corners, sun_casts_shadows, sun_shadow_fit

from render_scenes import (IDENTITY_QUAT, box_mesh, default_camera, interior_mask, make_take, pixel_grid, plane_mesh,
                           render_lit_depth_instance)

W, H = 120, 90
HALF = np.array([0.4, 0.4, 0.5])
SUN = (1.0, 0.3, 0.8)


def _take(sun=SUN, sun_color=None):
    K, w2c = default_camera(W, H, eye=(0.0, -6.0, 3.0), target=(0.0, 0.0, 0.3))
    pos = np.array([[[0.0, 0.0, 0.0], [0.0, 0.0, HALF[2]]]])
    quat = np.tile(IDENTITY_QUAT, (1, 2, 1))
    take = make_take([plane_mesh(30.0, semantic=6), box_mesh(tuple(HALF))], pos, quat, w2c, K, W, H,
                     instance_ids=[0, 1], sun_direction=sun)
    if sun_color is not None:
        take.sun_color[:] = sun_color
    return take


def test_fit_covers_the_near_frustum_and_looks_along_the_sun():
    take = _take()
    fit = sun_shadow_fit(take, 0, 0.05, 30.0, 1024)
    corners = frustum_corners(take.camera_K[0], W, H, 0.05, 30.0)
    clip = np.c_[corners, np.ones(8)] @ fit.camera_to_light_clip.T
    assert np.all(np.abs(clip[:, :3]) <= 1.0 + 1e-9)
    np.testing.assert_allclose(clip[:, 3], 1.0)  # orthographic
    # A point moved towards the sun gets a smaller light depth.
    w2c = take.camera_world_to_camera[0]
    sun_cam = w2c[:3, :3] @ (np.asarray(SUN) / np.linalg.norm(SUN))
    p = corners[0] * 0.5 + corners[7] * 0.5
    z0 = (fit.camera_to_light_clip @ np.r_[p, 1.0])[2]
    z1 = (fit.camera_to_light_clip @ np.r_[p + sun_cam, 1.0])[2]
    np.testing.assert_allclose(z0 - z1, 2.0 / fit.depth_range, rtol=1e-9)
    # Clip x is light-x / radius, and the map's 1024 texels span 2 radii.
    radius = 1.0 / np.linalg.norm(fit.camera_to_light_clip[0, :3])
    assert fit.texel_size == pytest.approx(2.0 * radius / 1024)


def test_no_shadow_caster_below_the_horizon_or_without_sun():
    assert sun_casts_shadows(_take(), 0)
    assert not sun_casts_shadows(_take(sun=(1.0, 0.0, -0.2)), 0)          # night
    assert not sun_casts_shadows(_take(sun_color=(0.0, 0.0, 0.0)), 0)     # indoors: sun switched off


def test_settings_reject_bad_shadow_parameters():
    with pytest.raises(ValueError, match="shadow_map_size"):
        RenderSettings(shadow_map_size=3)
    with pytest.raises(ValueError, match="shadow_taps"):
        RenderSettings(shadow_taps=0)
    assert not quality_settings("phav", shadows=False).shadows


def _analytic_shadow(take, depth: np.ndarray, reach: float = 0.0) -> np.ndarray:
    """``(H, W) bool``: ground pixels whose ray towards the sun hits the box (slab method), from the
    point itself or from any of the four points ``reach`` metres away along x and y."""
    grid = pixel_grid(W, H).reshape(-1, 2)
    d = depth.reshape(-1).astype(np.float64)
    ok = np.isfinite(d)
    world = np.full((len(d), 3), np.nan)
    world[ok] = unproject(grid[ok], d[ok], take.camera_K[0], take.camera_world_to_camera[0])
    on_ground = ok & (np.abs(world[:, 2]) < 1e-3)
    sun = np.asarray(SUN) / np.linalg.norm(SUN)
    centre = np.array([0.0, 0.0, HALF[2]])
    hit = np.zeros(len(d), dtype=bool)
    offsets = [(0.0, 0.0)] + ([(reach, 0.0), (-reach, 0.0), (0.0, reach), (0.0, -reach)] if reach else [])
    for dx, dy in offsets:
        p = np.where(on_ground[:, None], world + (dx, dy, 0.0), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (centre - HALF - p) / sun
            t2 = (centre + HALF - p) / sun
        hit |= np.max(np.minimum(t1, t2), axis=1) <= np.min(np.maximum(t1, t2), axis=1)
    return (on_ground & hit).reshape(H, W)


MAP_SIZE = 1024


def _render(take, shadows: bool):
    return render_lit_depth_instance(take, W, H, shadows=shadows, shadow_map_size=MAP_SIZE)


@pytest.mark.gl
def test_box_shadows_the_ground_away_from_the_sun_and_leaves_lit_pixels_alone(gl_context):
    take = _take()
    lit, depth, instance = _render(take, shadows=True)
    flat, depth_off, instance_off = _render(take, shadows=False)
    np.testing.assert_array_equal(depth, depth_off)
    np.testing.assert_array_equal(instance, instance_off)
    shadow = _analytic_shadow(take, depth)
    assert shadow.sum() > 100, "scene should show a sizeable shadow"
    inside = interior_mask(shadow, 2)
    # Lit for sure: no ray towards the sun from within the soft-shadow kernel's reach hits the box.
    s = RenderSettings()
    texel = sun_shadow_fit(take, 0, s.near, s.shadow_distance, MAP_SIZE).texel_size
    reach = texel * (s.shadow_softness + 1.0 + s.shadow_normal_offset)
    outside = interior_mask(~_analytic_shadow(take, depth, reach), 1)
    brightness = lit.sum(-1) / np.maximum(flat.sum(-1), 1)
    assert np.median(brightness[inside]) < 0.7, "the shadow is not darker"
    assert np.all(brightness[inside] < 0.9)
    # The shadow falls on the side away from the sun (-x of the box here).
    v, u = np.nonzero(inside)
    box_u = np.nonzero(instance == 1)[1]
    assert np.median(u) < np.median(box_u)
    # Everything the oracle calls lit, box included, is byte-identical (no acne, no leaks).
    np.testing.assert_array_equal(lit[outside], flat[outside])


@pytest.mark.gl
@pytest.mark.parametrize("sun,sun_color", [((1.0, 0.3, -0.3), None), (SUN, (0.0, 0.0, 0.0))],
                         ids=["night", "indoors"])
def test_no_shadows_without_the_sun(gl_context, sun, sun_color):
    take = _take(sun=sun, sun_color=sun_color)
    np.testing.assert_array_equal(_render(take, True)[0], _render(take, False)[0])
