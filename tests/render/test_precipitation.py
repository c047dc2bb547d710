"""Rain and snow: drawn into the RGB images only, deterministic per take, anchored in the world and
moving with time (fall and wind), smeared by motion blur along their own velocity, hidden behind
near surfaces; snow whitens upward-facing ground."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render.precipitation import (FALL_SPEED, lattice_offsets, precipitation_frame, precipitation_seed,
                                       snow_cover)
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
    np.testing.assert_allclose(p.camera_position, (0.0, -6.0, 2.0), atol=1e-12)
    assert snow_cover(_take("snow", rate=0.5), 0) > 0.0 == snow_cover(_take("rain"), 0)


def test_particles_move_with_fall_and_wind_whatever_the_camera():
    """The lattice's displacement is the integral of wind plus fall from frame 0 (zero there),
    one frame extrapolated at each end; it does not depend on the camera."""
    take = _take("rain", wind=(3.0, 1.0, 0.0))
    p = precipitation_frame(take, 1)
    v = np.array([3.0, 1.0, -FALL_SPEED["rain"]])
    np.testing.assert_allclose(p.velocity, v)
    np.testing.assert_allclose(p.offsets, np.outer([0.0, 1.0, 2.0], v) / 30.0, atol=1e-12)
    np.testing.assert_allclose(lattice_offsets(take)[0], -v / 30.0, atol=1e-12)
    moved = _take("rain", wind=(3.0, 1.0, 0.0))
    moved.camera_world_to_camera = moved.camera_world_to_camera.copy()
    moved.camera_world_to_camera[:, :3, 3] += (1.0, 0.0, 0.0)
    np.testing.assert_allclose(precipitation_frame(moved, 1).offsets, p.offsets)
    # The clip matrices project the camera's own look-at target to the image centre region.
    clip = p.world_to_clip[1] @ np.array([0.0, 0.0, 0.8, 1.0])
    assert clip[3] > 0 and np.all(np.abs(clip[:2] / clip[3]) < 0.2)


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


def _moved(take, dx: float):
    """The take with its camera moved ``dx`` metres along the world x axis (same orientation)."""
    take.camera_world_to_camera = take.camera_world_to_camera.copy()
    take.camera_world_to_camera[:, :3, 3] -= take.camera_world_to_camera[:, :3, :3] @ np.array([dx, 0.0, 0.0])
    return take


@pytest.mark.gl
def test_particles_are_anchored_in_the_world_not_to_the_camera(gl_context):
    """Moving the camera sideways by 1 m shows other particles (a field carried with the camera
    would show the same pattern over the same sky and ground)."""
    masks = []
    for dx in (0.0, 1.0):
        dry = _render(_moved(_take("none"), dx))[0].raw
        wet = _render(_moved(_take("rain"), dx))[0].raw
        masks.append(np.any(wet != dry, axis=-1))
    a, b = masks
    assert a.mean() > 0.02 and b.mean() > 0.02
    assert (a & b).sum() / (a | b).sum() < 0.5


@pytest.mark.gl
@pytest.mark.parametrize("kind", ["rain", "snow"])
def test_motion_blur_smears_the_particles_along_their_own_velocity(gl_context, kind):
    """Static scene, static camera: the surfaces have zero velocity, so motion blur changes nothing
    when it is dry; falling particles carry their own velocity, so it smears them (and only pixels
    next to particles change)."""
    def img(take, post):
        return _render(take, "preview", post=post)[0].img

    np.testing.assert_array_equal(img(_take("none"), ("motion_blur",)), img(_take("none"), ()))
    sharp, blurred = img(_take(kind), ()), img(_take(kind), ("motion_blur",))
    changed = np.any(sharp != blurred, axis=-1)
    assert changed.mean() > 0.005
    particles = np.any(sharp != img(_take("none"), ()), axis=-1)
    near = particles.copy()  # particles dilated by the blur's reach (a few pixels)
    for _ in range(8):
        near[1:] |= near[:-1]; near[:-1] |= near[1:]; near[:, 1:] |= near[:, :-1]; near[:, :-1] |= near[:, 1:]
    assert not np.any(changed & ~near)
