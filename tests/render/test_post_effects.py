"""Property tests of each post effect, one effect switched on at a time against the same scene with
no post pass (``img`` then equals the resolved lit image, ``raw``).

Scenes: a box standing on a large ground plane, seen from above and in front, sun from the upper
right. Sizes are tiny (96x72); SSAO, SSR and bloom are also checked at 2x SSAA, where they compute
their term per output pixel and upsample it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.render import Renderer
from phav.render.settings import RenderSettings

from render_scenes import IDENTITY_QUAT, box_mesh, default_camera, interior_mask, make_take, plane_mesh

pytestmark = pytest.mark.gl

W, H = 96, 72
MODS = ("img", "raw", "depth", "instancegt")


def _scene(box_color=(0.7, 0.7, 0.7), ground_color=(0.4, 0.4, 0.4), ground_roughness=0.8,
           box_roughness=0.8, box_motion=(0.0, 0.0, 0.0), T: int = 1, sun_color=None):
    box = box_mesh((0.4, 0.4, 0.4), color=box_color, semantic=30)
    box = dataclasses.replace(box, material=np.tile((box_roughness, 0.0), (len(box.positions), 1)))
    ground = plane_mesh(30.0, color=ground_color, semantic=6)
    ground = dataclasses.replace(ground, material=np.tile((ground_roughness, 0.0), (4, 1)))
    pos = np.zeros((T, 2, 3))
    for t in range(T):
        pos[t, 1] = (0.0, 0.0, 0.4) + np.asarray(box_motion) * t
    quat = np.tile(IDENTITY_QUAT, (T, 2, 1))
    K, w2c = default_camera(W, H, eye=(0.0, -3.5, 1.8), target=(0.0, 0.0, 0.3))
    take = make_take([ground, box], pos, quat, w2c, K, W, H, instance_ids=[0, 1])
    if sun_color is not None:
        take.sun_color[:] = sun_color
    return take


def _render(take, **settings):
    settings.setdefault("shadows", False)  # each effect on its own: no sun shadow map in these scenes
    with Renderer(W, H, RenderSettings(**settings)) as r:
        return list(r.render_take(take, MODS))


def _pair(take, effect: str, **settings):
    """(frames without any post pass, frames with only ``effect``)."""
    return _render(take, post=(), **settings), _render(take, post=(effect,), **settings)


def _diff(a, b) -> np.ndarray:
    return b.img.astype(int) - a.img.astype(int)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    return ~interior_mask(~mask, r)


@pytest.mark.parametrize("ssaa", [1, 2])
def test_bloom_spreads_light_from_bright_pixels_only(ssaa):
    take = _scene(box_color=(1.0, 1.0, 1.0), ground_color=(0.05, 0.05, 0.05), sun_color=(6.0, 6.0, 6.0))
    radius = 6
    plain, bloom = _pair(take, "bloom", ssaa=ssaa, bloom_threshold=2.0, bloom_radius=radius, bloom_intensity=1.0)
    f0, f1 = plain[0], bloom[0]
    d = _diff(f0, f1)
    assert d.min() >= 0, "bloom only adds light"
    box = f0.instance == 1
    near = _dilate(box, 3) & ~box
    far = ~_dilate(box, radius + 2)
    assert d[near].mean() > 2.0, "light spreads from the bright box onto its surroundings"
    assert np.abs(d[far]).max() == 0, "nothing changes out of reach of a bright pixel"
    # With the threshold above every pixel's luminance nothing blooms.
    _, none = _pair(take, "bloom", ssaa=ssaa, bloom_threshold=1e4)
    assert np.array_equal(none[0].img, f0.img)


def test_vignette_darkens_corners_not_the_centre():
    take = _scene()
    plain, vig = _pair(take, "vignette", vignette=0.5)
    d = _diff(plain[0], vig[0])
    assert d.max() <= 0
    centre = d[H // 2 - 3:H // 2 + 3, W // 2 - 3:W // 2 + 3]
    assert np.abs(centre).max() <= 1
    for corner in (d[:4, :4], d[:4, -4:], d[-4:, :4], d[-4:, -4:]):
        assert corner.mean() < -5


def test_motion_blur_changes_pixels_only_where_velocity_is_non_zero():
    take = _scene(box_color=(0.9, 0.2, 0.1), box_motion=(0.15, 0.0, 0.0), T=3)
    plain, blur = _pair(take, "motion_blur", shutter_angle=360.0, motion_blur_samples=16)
    f0, f1 = plain[1], blur[1]  # the middle frame has t-1 and t+1
    changed = np.abs(_diff(f0, f1)).max(axis=2) > 0
    moving = f0.instance == 1  # the only moving part; camera and ground are still
    assert changed.any()
    # The G-buffer and ground-truth programs may rasterise a silhouette pixel differently (their
    # vertex shaders round differently), hence the 1-pixel rim.
    assert not (changed & ~_dilate(moving, 1)).any(), "a pixel with zero velocity changed"
    # A still scene: nothing changes at all.
    still = _scene(T=3)
    p, b = _pair(still, "motion_blur", shutter_angle=360.0)
    assert np.array_equal(p[1].img, b[1].img)


@pytest.mark.parametrize("ssaa", [1, 2])
def test_ssao_darkens_the_crease_not_open_floor(ssaa):
    take = _scene()
    plain, ao = _pair(take, "ssao", ssaa=ssaa, ssao_strength=1.0, ssao_radius=0.5, ssao_samples=16)
    f0, f1 = plain[0], ao[0]
    d = _diff(f0, f1).mean(axis=2)
    assert d.max() <= 0, "ambient occlusion only darkens"
    box = f0.instance == 1
    ground = (f0.instance == 0) & np.isfinite(f0.depth)
    crease = ground & _dilate(box, 2) & ~box
    open_floor = ground & ~_dilate(box, 12)
    assert open_floor.sum() > 200 and crease.sum() > 10
    assert d[crease].mean() < -3.0
    assert np.abs(d[open_floor]).mean() < 0.2


@pytest.mark.parametrize("ssaa", [1, 2])
def test_ssr_reflects_only_on_reflective_surfaces(ssaa):
    bright_box = dict(box_color=(1.0, 0.9, 0.2), ground_color=(0.05, 0.05, 0.05), box_roughness=0.9)
    mirror = _scene(ground_roughness=0.05, **bright_box)
    plain, ssr = _pair(mirror, "ssr", ssaa=ssaa, ssr_max_roughness=0.35)
    f0, f1 = plain[0], ssr[0]
    d = _diff(f0, f1).sum(axis=2)
    ground = (f0.instance == 0) & np.isfinite(f0.depth)
    sky = ~np.isfinite(f0.depth)
    box = interior_mask(f0.instance == 1, 1 + ssaa)
    under_box = ground & (np.cumsum(f0.instance == 1, axis=0) > 0)  # the box is above in the image
    assert d[under_box].max() > 10, "the smooth ground reflects the box"
    assert np.abs(d[box]).max() == 0, "the rough box reflects nothing"
    assert np.abs(d[sky]).max() == 0
    rough = _scene(ground_roughness=0.8, **bright_box)
    p, r = _pair(rough, "ssr", ssaa=ssaa, ssr_max_roughness=0.35)
    assert np.array_equal(p[0].img, r[0].img), "rough surfaces reflect nothing"


def test_grading_moves_the_histogram_as_configured():
    take = _scene()
    plain = _render(take, post=())[0].img.astype(float)
    warm = _render(take, post=("grade",), grade_gain=(1.2, 1.0, 0.8), grade_contrast=1.0)[0].img.astype(float)
    assert warm[..., 0].mean() > plain[..., 0].mean() + 3
    assert abs(warm[..., 1].mean() - plain[..., 1].mean()) < 1
    assert warm[..., 2].mean() < plain[..., 2].mean() - 3
    lifted = _render(take, post=("grade",), grade_lift=(0.2, 0.2, 0.2), grade_contrast=1.0)[0].img
    assert lifted.min() > plain.min() + 20
    flat = _render(take, post=("grade",), grade_contrast=0.5)[0].img.astype(float)
    assert flat.std() < 0.75 * plain.std()
    grey = _render(take, post=("grade",), grade_saturation=0.0, grade_contrast=1.0)[0].img.astype(int)
    assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 1


def test_grading_contrast_keeps_the_darks():
    """Contrast about mid grey in log space: a dark scene the tone curve leaves above black keeps
    every such pixel above black (about 0.5 in linear light, a contrast of 1.05 clipped everything
    below sRGB 43/255 to black: night frames came out black), a little darker than without it."""
    take = _scene()
    toned = _render(take, post=("tonemap",), exposure=0.05)[0].img.astype(int)
    graded = _render(take, post=("tonemap", "grade"), exposure=0.05, grade_contrast=1.05)[0].img.astype(int)
    lit = toned.max(axis=2) > 2
    assert lit.mean() > 0.5 and toned.max() < 80  # a dark image, most of it above black
    assert (graded.max(axis=2)[lit] > 0).all()
    assert graded.mean() <= toned.mean() and abs(graded.mean() - toned.mean()) < 3
