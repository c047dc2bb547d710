"""The shadow plan's per-take caches against per-frame definitions (plain numpy, no GL): every
frame's light cameras, fitted at once, equal a reference fit written out here from the definition
(the sphere around the frustum slab, the sun's axes, the texel lattice) and hold the slab they are
fitted to; the sun's shadow switch, the casters' boxes and the multi-camera culling equal their
one-frame, one-camera forms; the culling of many frames at once equals each frame's, written out
corner by corner; a frame's plan equals the plan written out with the reference light cameras and
the public culling functions; and the planner's blocks of frames plan as frame by frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.geometry import quat_from_axis_angle, quat_to_matrix
from phav.render.settings import RenderSettings
from phav.render import shadow_plan
from phav.render.shadow_plan import ShadowPlanner, plan_shadow_frame
from phav.render.shadows import (ShadowCasters, box_corners, mesh_bounds, meshes_bounds, outside_light_box,
                                 outside_light_corners, shadow_inside_near, skin_reach)
from phav.render.sun_camera import (CASTER_MARGIN, FAR_PADDING, FarCascade, SunFrames, camera_inverses,
                                    sun_casts_shadows, sun_shadow_fit, sun_shadow_fits)

from render_scenes import box_mesh, default_camera, make_take, one_frame, person_take, plane_mesh

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
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if a is None or b is None:
        return a is b
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()


@pytest.fixture(scope="module")
def take():
    return _moving_take()


# ---- reference light cameras, written out from their definition (no production fitting code) ----
#: The fitted half-side is the slab sphere's radius rounded up to this many metres.
RADIUS_STEP = 0.25


def _round_up(radius: float) -> float:
    return float(np.ceil(radius / RADIUS_STEP) * RADIUS_STEP)


def _to_sun(take, t: int) -> np.ndarray:
    sun = np.asarray(take.sun_direction[t], dtype=np.float64)
    return sun / np.linalg.norm(sun)


def _slab(take, t: int, near: float, distance: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Frame ``t``'s view frustum from ``near`` to ``distance`` metres (at least twice ``near``):
    its 8 world corners (the image's outer pixel edges), and the sphere around them (the centre of
    their box, the radius to the farthest)."""
    K = take.camera_K[t]
    corners = [((u - K[0, 2]) / K[0, 0] * z, (v - K[1, 2]) / K[1, 1] * z, z)
               for z in (near, max(distance, 2.0 * near)) for u in (-0.5, W - 0.5) for v in (-0.5, H - 0.5)]
    camera_to_world = np.linalg.inv(take.camera_world_to_camera[t])
    world = np.array(corners) @ camera_to_world[:3, :3].T + camera_to_world[:3, 3]
    centre = 0.5 * (world.min(axis=0) + world.max(axis=0))
    return world, centre, float(np.max(np.linalg.norm(world - centre, axis=1)))


def _light_axes(to_sun: np.ndarray) -> np.ndarray:
    """Rows x, y, z of the light frame: z at the sun, x horizontal (y when the sun is overhead)."""
    hint = np.array([0.0, 0.0, 1.0]) if abs(to_sun[2]) < 0.99 else np.array([0.0, 1.0, 0.0])
    x = np.cross(hint, to_sun)
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(to_sun, x), to_sun])


def _ortho(axes: np.ndarray, centre: np.ndarray, half: float) -> np.ndarray:
    """World -> light clip of the orthographic camera with light axes ``axes`` centred on the
    light-frame point ``centre``: x, y in [-half, half] -> [-1, 1]; light z from ``half`` +
    CASTER_MARGIN (towards the sun) to -``half`` -> clip z from -1 to 1."""
    view = np.eye(4)
    view[:3, :3], view[:3, 3] = axes, -centre
    z_near, z_far = half + CASTER_MARGIN, -half
    ortho = np.diag([1.0 / half, 1.0 / half, -2.0 / (z_near - z_far), 1.0])
    ortho[2, 3] = (z_near + z_far) / (z_near - z_far)
    return ortho @ view


def _reference_fit(take, t: int, near: float, distance: float, map_size: int) -> tuple[np.ndarray, float]:
    """Frame ``t``'s light camera covering the slab: world -> light clip and the texel size."""
    _, centre, radius = _slab(take, t, near, distance)
    half = _round_up(radius)
    axes = _light_axes(_to_sun(take, t))
    texel = 2.0 * half / map_size
    c = axes @ centre
    c[:2] = np.round(c[:2] / texel) * texel  # on the texel lattice
    return _ortho(axes, c, half), texel


class _ReferenceFarCascade:
    """The far cascade's light camera: fitted like the near one with the slab sphere's radius
    padded by FAR_PADDING (centre on the texel lattice in x, y and z), then kept while the sun
    stays, the slab's sphere stays inside its box, and the camera has not zoomed in past the padding
    twice over."""

    def __init__(self, map_size: int):
        self.map_size, self.sun = map_size, None

    def update(self, take, t: int, distance: float, far_distance: float) -> tuple[np.ndarray, float, bool]:
        _, centre, radius = _slab(take, t, distance, far_distance)
        sun = _to_sun(take, t)
        refit = (self.sun is None or not np.array_equal(sun, self.sun)
                 or np.any(np.abs(self.axes @ centre - self.centre) + radius > self.half)
                 or self.half > _round_up(radius * (1.0 + FAR_PADDING) ** 2))
        if refit:
            self.sun, self.axes, self.half = sun, _light_axes(sun), _round_up(radius * (1.0 + FAR_PADDING))
            self.texel = 2.0 * self.half / self.map_size
            self.centre = np.round(self.axes @ centre / self.texel) * self.texel
        return _ortho(self.axes, self.centre, self.half), self.texel, refit


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to float64 rounding (the reference multiplies in another order)."""
    return np.allclose(a, b, rtol=1e-12, atol=1e-12)


def _clip(world_to_clip: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ world_to_clip[:3, :3].T + world_to_clip[:3, 3]


# ---- the light cameras --------------------------------------------------------------------------
@pytest.mark.parametrize("near, distance", [(0.1, 30.0), (30.0, 150.0)])
def test_every_frames_fit_equals_the_reference_fit_and_holds_its_slab(take, near, distance):
    frames = SunFrames(take)
    fits = sun_shadow_fits(take, near, distance, MAP, frames)
    assert len(fits) == T
    for t, fit in enumerate(fits):
        want, texel = _reference_fit(take, t, near, distance, MAP)
        assert _close(fit.world_to_light_clip, want) and np.isclose(fit.texel_size, texel, rtol=1e-15), t
        assert _close(fit.camera_to_light_clip, want @ np.linalg.inv(take.camera_world_to_camera[t])), t
        # Analytic properties of the fit: the slab's corners lie inside the light camera's box...
        corners, centre, radius = _slab(take, t, near, distance)
        clip = _clip(fit.world_to_light_clip, corners)
        assert np.all(np.abs(clip) <= 1.0), t
        # ... tightly: the half-side is the slab sphere's radius rounded up by under one step, the
        # sphere's centre maps within half a texel of the map's centre, and the world origin onto
        # the texel lattice (a static shadow keeps its texels when the camera moves).
        half = fit.texel_size * MAP / 2.0
        assert radius <= half < radius + RADIUS_STEP, t
        assert np.all(np.abs(_clip(fit.world_to_light_clip, centre[None])[0, :2]) <= (1.0 + 1e-9) / MAP), t
        lattice = _clip(fit.world_to_light_clip, np.zeros((1, 3)))[0, :2] * MAP / 2.0
        assert np.allclose(lattice, np.round(lattice), atol=1e-6), t
        # Clip z falls towards the sun over a depth range of the sphere plus the caster margin.
        step = _clip(fit.world_to_light_clip, np.array([centre + _to_sun(take, t), centre]))
        assert np.isclose(step[0, 2] - step[1, 2], -2.0 / fit.depth_range) and \
            np.isclose(fit.depth_range, 2.0 * half + CASTER_MARGIN), t
        assert np.allclose(step[0, :2], step[1, :2]), t  # light travels along clip z
        # The whole take's vectorised fit keeps frames apart: the frame alone fits the same.
        assert _same(fit, sun_shadow_fits(one_frame(take, t), near, distance, MAP)[0]), t
        assert _same(frames.to_sun(t), _to_sun(take, t)), t
        assert frames.casts_shadows(t) == sun_casts_shadows(take, t), t
    assert not frames.casts_shadows(T - 1) and frames.casts_shadows(0)  # the sun dims on the last frame


def test_sun_frames_take_the_camera_inverses_given(take):
    inverses = camera_inverses(take)
    assert np.allclose(inverses @ take.camera_world_to_camera, np.eye(4), atol=1e-12)
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


def test_drawable_casters_are_those_with_a_box_that_are_not_the_floor(take):
    """The planner culls only these: the floor and the skeleton's parts (no triangles: the skin
    draws them) can never be drawn, so leaving them out changes no plan (the plan tests)."""
    casters = ShadowCasters(take)
    P = take.num_parts
    ever = [any(not casters.boxes(t)[1][c] for t in range(T)) for c in range(P + len(take.skins))]
    want = [e and not (c < P and casters.floor[c]) for c, e in enumerate(ever)]
    assert casters.drawable.tolist() == want
    assert casters.floor.any() and not all(ever), "the fixture has a floor and empty parts"
    assert casters.drawable[:P].any() and casters.drawable[P:].all()
    frames, some = np.array([4, 1]), np.flatnonzero(casters.drawable)
    boxes, empty, lowest = casters.boxes_of(frames, some)
    for i, t in enumerate(frames):
        b, e, low = casters.boxes(t)
        assert _same(boxes[i], b[some]) and empty[i].tolist() == e[some].tolist() and lowest[i] == low


def test_casters_boxes_are_handed_out_read_only(take):
    """A frame's boxes are views of every frame's cache: writing through them would change the
    plans of later calls, so it raises."""
    casters = ShadowCasters(take)
    parts, skins = casters.bounds(2)
    boxes, empty, _ = casters.boxes(2)
    for array in (parts, skins, boxes, empty):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]
    assert _same(casters.bounds(2)[0], ShadowCasters(take).bounds(2)[0])


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


def _outside_by_definition(camera: np.ndarray, box: np.ndarray) -> bool:
    """A box is culled when it is empty or all 8 corners lie beyond the same clip plane."""
    if np.isnan(box).any():
        return True
    clip = np.array([_clip(camera, np.array([[x, y, z]]))[0]
                     for x in box[:, 0] for y in box[:, 1] for z in box[:, 2]])
    return bool(np.any(np.all(clip > 1.0, axis=0) | np.all(clip < -1.0, axis=0)))


def _inside_near_by_definition(camera, box, to_sun, floor_z: float, margin: float) -> bool:
    """Every corner of the grown box, and its shadow on the plane ``floor_z - margin``, lies
    inside the light camera's box."""
    if np.isnan(box).any():
        return False
    grown = np.stack([box[0] - margin, box[1] + margin])
    corners = [np.array([x, y, z]) for x in grown[:, 0] for y in grown[:, 1] for z in grown[:, 2]]
    shadows = [c - (c[2] - (floor_z - margin)) / to_sun[2] * to_sun for c in corners]
    return bool(np.all(np.abs(_clip(camera, np.array(corners + shadows))) <= 1.0))


def test_culling_many_frames_at_once_equals_each_frames_culling(take):
    """Every frame's boxes against its own light cameras, culled in one go, give each frame's
    culling box by box, written out corner by corner."""
    casters = ShadowCasters(take)
    boxes, empty, floor_z = casters.boxes_of(np.arange(T))
    cameras = np.stack([[sun_shadow_fit(take, t, 0.1, d, MAP).world_to_light_clip for d in (5.0, 60.0)]
                        for t in range(T)])
    outside = outside_light_corners(cameras, box_corners(boxes), empty)
    to_sun = np.stack([_to_sun(take, t) for t in range(T)])
    margin = np.linspace(0.05, 0.5, T)
    inside = shadow_inside_near(cameras[:, 1], boxes, to_sun, floor_z, margin)
    assert outside.shape == (T, 2, boxes.shape[1]) and inside.shape == (T, boxes.shape[1])
    for t in range(T):
        b, e, lowest = casters.boxes(t)
        assert _same(boxes[t], b) and e.tolist() == empty[t].tolist() and lowest == floor_z[t], t
        for c in range(2):
            assert outside[t, c].tolist() == [_outside_by_definition(cameras[t, c], box) for box in b], (t, c)
        if casters.frames.casts_shadows(t):  # the sun is above the horizon (shadows fall downwards)
            assert inside[t].tolist() == [_inside_near_by_definition(cameras[t, 1], box, to_sun[t], lowest,
                                                                     margin[t]) for box in b], t
    assert outside[:, 0].any() and not outside[:, 0].all(), "the 5 m cascade culls some casters, not all"
    assert inside.any() and not inside.all(), "some shadows stay inside the 60 m box, not all"


def _plan_by_definition(take, t, s, casters, far_cascade: _ReferenceFarCascade):
    """The plan written out with the reference light cameras, the public per-frame culling
    functions and no caches."""
    part_boxes, skin_boxes = casters.bounds(t)
    distance = min(s.shadow_distance, s.far)
    near, near_texel = _reference_fit(take, t, s.near, distance, s.shadow_map_size)
    near_parts = ~outside_light_box(near, part_boxes) & ~casters.floor
    near_skins = ~outside_light_box(near, skin_boxes)
    far, far_texel, refit = far_cascade.update(take, t, distance, min(s.shadow_far_distance, s.far))
    parts_in = ~outside_light_box(far, part_boxes)
    skins_in = ~outside_light_box(far, skin_boxes)
    boxes = np.concatenate([part_boxes, skin_boxes])
    floor_z = float(np.nanmin(boxes[:, 0, 2]))
    reach = (s.shadow_softness + 1.0 + s.shadow_normal_offset) * far_texel + s.shadow_normal_offset * near_texel
    inside = shadow_inside_near(near, boxes, _to_sun(take, t), floor_z, reach)
    P = len(part_boxes)
    return dict(near=near, near_parts=near_parts, near_skins=near_skins, far=far,
                static_parts=(parts_in & casters.static & ~casters.floor) if refit else None,
                moving_parts=parts_in & ~casters.static & ~inside[:P], moving_skins=skins_in & ~inside[P:])


@pytest.mark.parametrize("distance", [8.0, 30.0])
@pytest.mark.parametrize("sun", ["swinging", "still"])
def test_a_frames_plan_equals_its_definition(take, distance, sun):
    """With the sun swinging the far cascade is re-fitted every frame; with it still, the camera's
    dolly keeps it for some frames and re-fits it for others."""
    if sun == "still":
        take = dataclasses.replace(take, sun_direction=np.tile(take.sun_direction[0], (T, 1)))
    s = RenderSettings(shadow_map_size=MAP, shadow_distance=distance, shadow_far_distance=120.0)
    casters = ShadowCasters(take)
    cached, plain = FarCascade(MAP), _ReferenceFarCascade(MAP)
    drawn, refits = 0, 0
    for t in range(T):
        plan = plan_shadow_frame(take, t, s, casters, cached)
        want = _plan_by_definition(take, t, s, casters, plain)
        for name, value in want.items():
            got = getattr(plan, name)
            assert (got is None) == (value is None), (t, name)
            if name in ("near", "far"):
                assert _close(got.world_to_light_clip, value), (t, name)
            elif value is not None:
                assert _same(got, value), (t, name)
        drawn += int(plan.near_parts.sum() + plan.near_skins.sum() + plan.moving_parts.sum())
        refits += plan.static_parts is not None
    assert drawn > 0
    assert refits == T if sun == "swinging" else 1 < refits < T


@pytest.mark.parametrize("block_boxes", [1, 40, 4096])  # a frame at a time, a few frames, the whole take
@pytest.mark.parametrize("sun", ["swinging", "still", "still, dark midway"])
def test_the_planners_blocks_plan_as_frame_by_frame(take, monkeypatch, block_boxes, sun):
    """The planner, asked for the frames whose sun casts shadows in order (as the renderer asks),
    gives each frame the plan of planning frame by frame: the far cascade is updated at the same
    frames in the same order, whatever the block (a frame without shadows midway updates nothing)."""
    if sun != "swinging":
        take = dataclasses.replace(take, sun_direction=np.tile(take.sun_direction[0], (T, 1)))
    if sun == "still, dark midway":
        take = dataclasses.replace(take, sun_color=np.where(np.arange(T)[:, None] == 3, 0.0, take.sun_color))
    monkeypatch.setattr(shadow_plan, "PLAN_BOXES", block_boxes)
    s = RenderSettings(shadow_map_size=MAP, shadow_distance=8.0, shadow_far_distance=120.0)
    casters = ShadowCasters(take)
    planner, cascade = ShadowPlanner(take, s, casters, FarCascade(MAP)), FarCascade(MAP)
    shadowed = [t for t in range(T) if casters.frames.casts_shadows(t)]
    assert 0 < len(shadowed) < T
    refits = 0
    for t in shadowed:
        want = plan_shadow_frame(take, t, s, casters, cascade)
        assert _same(planner.plan(t), want), t
        refits += want.static_parts is not None
    assert refits == len(shadowed) if sun == "swinging" else 1 < refits < len(shadowed)
    single = ShadowPlanner(take, dataclasses.replace(s, shadow_far_distance=8.0), casters, None)
    for t in shadowed:
        assert _same(single.plan(t), plan_shadow_frame(take, t, dataclasses.replace(s, shadow_far_distance=8.0),
                                                      casters, None)), t
