"""Rain and snow: drawn into the RGB images only, deterministic per take, moving with time, hidden
behind near surfaces; snow whitens upward-facing ground."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render.precipitation import precipitation_frame, precipitation_seed, snow_cover
from phav.render.settings import quality_settings
from phav.take import Atmosphere

from render_scenes import IDENTITY_QUAT, box_mesh, default_camera, make_take, plane_mesh

W, H = 96, 72
T = 2
GT_FIELDS = ("depth", "flow", "flow_valid", "semantic", "instance")


def _take(kind: str = "none", rate: float = 0.9, wind=(3.0, 1.0, 0.0), near_box: bool = False):
    K, w2c = default_camera(W, H, eye=(0.0, -6.0, 2.0), target=(0.0, 0.0, 0.8))
    meshes = [plane_mesh(30.0, semantic=6), box_mesh((0.4, 0.4, 0.5))]
    pos = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.5]]
    if near_box:  # a wall 0.8 m in front of the camera covering the left part of the image
        meshes.append(box_mesh((0.5, 0.05, 1.0), semantic=30, name="wall"))
        pos.append([-0.55, -5.2, 2.0])
    pos = np.tile(np.array(pos)[None], (T, 1, 1))
    take = make_take(meshes, pos, np.tile(IDENTITY_QUAT, (T, len(meshes), 1)), w2c, K, W, H,
                     instance_ids=list(range(len(meshes))))
    take.atmosphere = dataclasses.replace(Atmosphere.clear(T), precipitation=kind,
                                          precipitation_rate=np.full(T, rate), wind=np.tile(wind, (T, 1)))
    return take


def _render(take, quality: str = "preview", **overrides):
    with Renderer(W, H, quality_settings(quality, **overrides)) as renderer:
        return list(renderer.render_take(take, MODALITIES))


def test_frame_parameters():
    assert precipitation_frame(_take("none"), 0) is None
    assert precipitation_frame(_take("rain", rate=0.0), 0) is None
    p = precipitation_frame(_take("snow", rate=0.5), 1)
    assert p.kind == 1 and p.rate == 0.5 and p.time == pytest.approx(1 / 30) and p.frame_time == pytest.approx(1 / 30)
    np.testing.assert_allclose(p.camera_to_world @ p.camera_to_world.T, np.eye(3), atol=1e-12)
    assert p.camera_height == pytest.approx(2.0)
    assert snow_cover(_take("snow", rate=0.5), 0) > 0.0 == snow_cover(_take("rain"), 0)


def test_seed_is_per_video_and_reproducible():
    assert precipitation_seed(_take("rain")) == precipitation_seed(_take("rain"))
    assert precipitation_seed(_take("rain")) != precipitation_seed(_take("rain", wind=(1.0, 2.0, 0.0)))
    take = _take("rain")
    take.meta["seed"] = 7
    other = _take("rain", wind=(1.0, 2.0, 0.0))
    other.meta["seed"] = 7
    assert precipitation_seed(take) == precipitation_seed(other)


@pytest.mark.gl
@pytest.mark.parametrize("kind", ["rain", "snow"])
def test_precipitation_changes_rgb_only(gl_context, kind):
    dry = _render(_take("none"))
    wet = _render(_take(kind))
    for a, b in zip(dry, wet):
        for field in GT_FIELDS:
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
        for field in ("img", "raw"):
            changed = np.any(getattr(a, field) != getattr(b, field), axis=-1).mean()
            assert changed > 0.02, f"{kind} changed only {changed:.1%} of {field}"
    if kind == "snow":  # upward-facing ground gets whiter
        ground = dry[0].semantic == 6
        assert wet[0].raw[ground].mean() > dry[0].raw[ground].mean() + 10


@pytest.mark.gl
def test_same_take_renders_identical_bytes_and_particles_move(gl_context):
    first = _render(_take("rain"), "phav")
    second = _render(_take("rain"), "phav")
    for a, b in zip(first, second):
        assert a.img.tobytes() == b.img.tobytes() and a.raw.tobytes() == b.raw.tobytes()
    # The scene is static: only the falling rain makes frame 1 differ from frame 0.
    assert np.any(first[0].raw != first[1].raw)
    dry = _render(_take("none"), "phav")
    np.testing.assert_array_equal(dry[0].raw, dry[1].raw)


@pytest.mark.gl
def test_near_surfaces_hide_the_particles_and_the_switch_turns_them_off(gl_context):
    dry = _render(_take("none", near_box=True))[0]
    wet = _render(_take("rain", near_box=True))[0]
    wall = dry.instance == 2
    assert wall.mean() > 0.1 and np.all(dry.depth[wall] < 1.2)  # closer than the first rain layer
    np.testing.assert_array_equal(wet.raw[wall], dry.raw[wall])
    assert np.any(wet.raw[~wall] != dry.raw[~wall])
    off = _render(_take("rain", near_box=True), precipitation=False)[0]
    np.testing.assert_array_equal(off.raw, dry.raw)
