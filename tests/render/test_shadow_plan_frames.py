"""The shadow plan's per-take caches give the per-frame definitions bit for bit (plain numpy, no GL):
every frame's light cameras fitted at once equal those of the frame alone (a one-frame take), the
sun's shadow switch, the casters' boxes and the multi-camera culling equal their one-frame,
one-camera forms, and a frame's plan equals the plan written out with the public per-frame
functions."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.geometry import quat_from_axis_angle, quat_to_matrix
from phav.render.settings import RenderSettings
from phav.render.shadow_plan import plan_shadow_frame
from phav.render.shadows import (ShadowCasters, box_corners, mesh_bounds, meshes_bounds, outside_light_box,
                                 outside_light_corners, shadow_inside_near, skin_reach)
from phav.render.sun_camera import (FarCascade, SunFrames, camera_inverses, sun_casts_shadows, sun_shadow_fit,
                                    sun_shadow_fits, sun_unit_direction)

from render_scenes import box_mesh, default_camera, make_take, person_take, plane_mesh

W, H, T = 96, 72, 9
MAP = 512


def _moving_take():
    """A ground plane, a static box, a spinning box and a person (skin) seen by a camera that
    dollies, turns and zooms; the sun swings round, then sets and dims (so some frames cast no
    shadows and the light axes change)."""
    rng = np.random.default_rng(11)
    person = person_take(W, H, T=T, step=(0.3, 0.05, 0.0))
    meshes = [plane_mesh(80.0, semantic=6), box_mesh((1.0, 2.0, 3.0)), box_mesh((0.4, 0.3, 0.2), semantic=31)]
    Ks, w2cs = [], []
    for t in range(T):
        K, w2c = default_camera(W, H, eye=(2.0 * t, -12.0 + t, 4.0), target=(1.5 * t, 8.0, 0.5 * t), fov=40.0 + 3 * t)
        Ks.append(K)
        w2cs.append(w2c)
    pos = np.array([[[0.0, 0.0, 0.0], [6.0, 30.0, 3.0], [0.5 * t, 3.0, 1.0 + 0.1 * t]] for t in range(T)])
    spin = [quat_from_axis_angle(np.array([0.0, 0.6, 0.8]), np.array(0.4 * t)) for t in range(T)]
    quats = np.array([[[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0], q] for q in spin])
    take = make_take(meshes, pos, quats, np.array(w2cs), np.array(Ks), W, H, instance_ids=[0, 1, 2])
    suns = [(np.cos(0.3 * t), np.sin(0.3 * t), 0.9 - 0.12 * t) for t in range(T)]
    take.sun_direction = np.array(suns)
    take.sun_color = np.array([[1.0, 1.0, 1.0]] * (T - 1) + [[0.0, 0.0, 0.0]])
    # Add the person: its bone parts and skin after the three rigid parts.
    P0 = take.num_parts
    skins = [dataclasses.replace(skin, bone_parts=skin.bone_parts + P0) for skin in person.skins]
    person_pos = person.part_pos[:T] + rng.normal(0.0, 0.01, person.part_pos[:T].shape)
    take = dataclasses.replace(
        take, meshes=take.meshes + person.meshes,
        part_names=take.part_names + person.part_names,
        part_mesh=np.concatenate([take.part_mesh, person.part_mesh + len(take.meshes)]),
        part_instance=np.concatenate([take.part_instance, person.part_instance]),
        part_pos=np.concatenate([take.part_pos, person_pos], axis=1),
        part_quat=np.concatenate([take.part_quat, person.part_quat[:T]], axis=1),
        instances=take.instances + [i for i in person.instances if i.id not in {j.id for j in take.instances}],
        skins=skins)
    return take.validate()


def _same(a, b) -> bool:
    """Bit-for-bit equality of floats, arrays (dtype too) and dataclasses of them."""
    if dataclasses.is_dataclass(a):
        return all(_same(x, y) for x, y in zip(dataclasses.astuple(a), dataclasses.astuple(b)))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()


@pytest.fixture(scope="module")
def take():
    return _moving_take()


def _frame_of(take, t: int):
    """Frame ``t`` of ``take`` alone: a one-frame take."""
    one = slice(t, t + 1)
    return dataclasses.replace(
        take, part_pos=take.part_pos[one], part_quat=take.part_quat[one], camera_K=take.camera_K[one],
        camera_world_to_camera=take.camera_world_to_camera[one], sun_direction=take.sun_direction[one],
        sun_color=take.sun_color[one], sky_zenith=take.sky_zenith[one], sky_horizon=take.sky_horizon[one],
        ambient=take.ambient[one])


def test_every_frames_fit_at_once_equals_the_fit_of_the_frame_alone(take):
    frames = SunFrames(take)
    for near, distance in ((0.1, 30.0), (30.0, 150.0)):
        fits = sun_shadow_fits(take, near, distance, MAP, frames)
        for t in range(T):
            alone = _frame_of(take, t).validate()
            assert _same(fits[t], sun_shadow_fits(alone, near, distance, MAP)[0]), t
            assert _same(sun_shadow_fit(take, t, near, distance, MAP), fits[t]), t
            assert _same(sun_shadow_fit(take, t, near, distance, MAP, frames), fits[t]), t
            assert _same(frames.to_sun(t), sun_unit_direction(take, t))
            assert frames.casts_shadows(t) == sun_casts_shadows(take, t), t
    assert not frames.casts_shadows(T - 1) and frames.casts_shadows(0)  # the sun dims on the last frame


def test_sun_frames_take_the_camera_inverses_given(take):
    inverses = camera_inverses(take)
    assert _same(inverses, np.linalg.inv(take.camera_world_to_camera))
    given = SunFrames(take, inverses)
    assert given.camera_to_world is inverses
    for a, b in zip(sun_shadow_fits(take, 0.1, 30.0, MAP, given), sun_shadow_fits(take, 0.1, 30.0, MAP), strict=True):
        assert _same(a, b)


def test_casters_boxes_equal_the_per_frame_formula(take):
    casters = ShadowCasters(take)
    local = np.stack([mesh_bounds(take.meshes[int(m)]) for m in take.part_mesh])
    for t in range(T):
        parts, skins = casters.bounds(t)
        rot = quat_to_matrix(np.asarray(take.part_quat[t], dtype=np.float64))
        centre, half = 0.5 * (local[:, 0] + local[:, 1]), 0.5 * (local[:, 1] - local[:, 0])
        world_centre = np.einsum("pij,pj->pi", rot, centre) + take.part_pos[t]
        world_half = np.einsum("pij,pj->pi", np.abs(rot), half)
        assert _same(parts, np.stack([world_centre - world_half, world_centre + world_half], axis=1)), t
        boxes, empty, lowest = casters.boxes(t)
        assert _same(boxes, np.concatenate([parts, skins]))
        assert empty.tolist() == np.any(np.isnan(boxes), axis=(1, 2)).tolist()
        assert lowest == float(np.nanmin(boxes[:, 0, 2]))
    assert casters.moving.tolist() == [not s for s in casters.static] + [True] * len(take.skins)


def test_mesh_boxes_and_skin_reach_equal_their_definitions(take):
    """Every mesh's box at once equals each mesh's min and max corner (NaN without triangles);
    a skin's reach is the farthest weighed vertex from its bone, bone by bone."""
    boxes = meshes_bounds(take.meshes)
    for mesh, box in zip(take.meshes, boxes, strict=True):
        p = np.asarray(mesh.positions, dtype=np.float64)
        want = np.stack([p.min(axis=0), p.max(axis=0)]) if len(mesh.indices) else np.full((2, 3), np.nan)
        assert _same(box, want) and _same(mesh_bounds(mesh), want), mesh.name
    assert np.isnan(boxes).any() and not np.isnan(boxes).all()  # the person's bone parts have no mesh
    (skin,) = take.skins
    p = np.c_[np.asarray(skin.mesh.positions, dtype=np.float64), np.ones(len(skin.mesh.positions))]
    want = 0.0
    for b in range(len(skin.bone_parts)):
        used = np.any((skin.bones == b) & (skin.weights > 0.0), axis=1)
        if used.any():
            want = max(want, float(np.max(np.linalg.norm((p[used] @ skin.inverse_bind[b].T)[:, :3], axis=1))))
    assert want > 0.0 and _same(skin_reach(skin), want)


def test_culling_several_light_cameras_at_once_equals_one_at_a_time(take):
    boxes, empty, _ = ShadowCasters(take).boxes(3)
    cameras = np.stack([sun_shadow_fit(take, 3, 0.1, d, MAP).world_to_light_clip for d in (5.0, 30.0, 150.0)])
    together = outside_light_corners(cameras, box_corners(boxes), empty)
    assert together.shape == (3, len(boxes))
    for camera, row in zip(cameras, together):
        assert row.tolist() == outside_light_box(camera, boxes).tolist()
        assert outside_light_corners(camera, box_corners(boxes), empty).tolist() == row.tolist()
    assert together[0].any() and not together[0].all(), "a 5 m cascade culls some casters, not all"


def _plan_by_definition(take, t, s, casters, far_cascade):
    """The plan with the public per-frame functions and no caches."""
    part_boxes, skin_boxes = casters.bounds(t)
    distance = min(s.shadow_distance, s.far)
    near = sun_shadow_fit(take, t, s.near, distance, s.shadow_map_size)
    near_parts = ~outside_light_box(near.world_to_light_clip, part_boxes) & ~casters.floor
    near_skins = ~outside_light_box(near.world_to_light_clip, skin_boxes)
    far, refit = far_cascade.update(SunFrames(take), t, distance, min(s.shadow_far_distance, s.far))
    parts_in = ~outside_light_box(far.world_to_light_clip, part_boxes)
    skins_in = ~outside_light_box(far.world_to_light_clip, skin_boxes)
    boxes = np.concatenate([part_boxes, skin_boxes])
    floor_z = float(np.nanmin(boxes[:, 0, 2]))
    reach = (s.shadow_softness + 1.0 + s.shadow_normal_offset) * far.texel_size + s.shadow_normal_offset * near.texel_size
    inside = shadow_inside_near(near.world_to_light_clip, boxes, sun_unit_direction(take, t), floor_z, reach)
    P = len(part_boxes)
    return dict(near=near, near_parts=near_parts, near_skins=near_skins, far=far,
                static_parts=(parts_in & casters.static & ~casters.floor) if refit else None,
                moving_parts=parts_in & ~casters.static & ~inside[:P], moving_skins=skins_in & ~inside[P:])


@pytest.mark.parametrize("distance", [8.0, 30.0])
def test_a_frames_plan_equals_its_definition(take, distance):
    s = RenderSettings(shadow_map_size=MAP, shadow_distance=distance, shadow_far_distance=120.0)
    casters = ShadowCasters(take)
    cached, plain = FarCascade(MAP), FarCascade(MAP)
    drawn = 0
    for t in range(T):
        plan = plan_shadow_frame(take, t, s, casters, cached)
        want = _plan_by_definition(take, t, s, casters, plain)
        for name, value in want.items():
            got = getattr(plan, name)
            assert (got is None) == (value is None), (t, name)
            if value is not None:
                assert _same(got, value), (t, name)
        drawn += int(plan.near_parts.sum() + plan.near_skins.sum() + plan.moving_parts.sum())
    assert drawn > 0
