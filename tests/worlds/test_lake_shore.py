"""The Lake's shore wall: a physical water edge people cannot walk through, which cameras see over."""

import numpy as np
import pytest

from phav.labels import class_id
from phav.physics import World
from phav.physics.bullet import pybullet
from phav.spec import Environment
from phav.worlds.cameras import CloseUpRig, HandheldRig, KiteRig, OrbitalRig, TripodRig
from phav.worlds.environments import build_environment
from phav.worlds.places.lake import WALL_HEIGHT, WALL_THICKNESS, WATER_LEVEL
from phav.worlds.primitives import yaw_matrix


def lake(seed: int):
    return build_environment(Environment.LAKE, np.random.default_rng(seed))


def ellipse_points(p, grow: float = 0.0, n: int = 720, z: float = 0.3) -> np.ndarray:
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([p["lake_center_x"] + (p["lake_semi_x"] + grow) * np.cos(t),
                            p["lake_center_y"] + (p["lake_semi_y"] + grow) * np.sin(t), np.full(n, z)])


def inside_any(boxes, points, margin: float = 0.0) -> np.ndarray:
    out = np.zeros(len(points), dtype=bool)
    for b in boxes:
        out |= b.contains(points, margin)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_wall_closes_round_the_water_and_matches_what_is_drawn(seed):
    scene = lake(seed)
    p = scene.params
    assert scene.barriers and not (set(scene.barriers) & set(scene.colliders + scene.camera_blockers))
    # every point of the water's edge, at every height of the wall, is inside the wall (no gaps)
    for z in (0.05, WALL_HEIGHT / 2, WALL_HEIGHT - 0.05):
        assert inside_any(scene.barriers, ellipse_points(p, z=z)).all()
    # the wall's outer face: a person at the shore is outside it, one just inside the water is inside the ring
    assert not inside_any(scene.barriers, ellipse_points(p, grow=WALL_THICKNESS, z=0.3)).any()
    assert not inside_any(scene.barriers, ellipse_points(p, z=WALL_HEIGHT + 0.05)).any()
    # the water's edge lies under the wall, and the water below the wall's top
    water = dict(scene.meshes)["water"]
    rim = water.positions[water.positions[:, 2] == water.positions[:, 2].max()]
    rim = rim[np.linalg.norm(rim[:, :2] - [p["lake_center_x"], p["lake_center_y"]], axis=1) > 1.0]
    assert np.isclose(rim[:, 2], WATER_LEVEL).all() and WATER_LEVEL < WALL_HEIGHT
    assert inside_any(scene.barriers, rim).all()
    # no gap shows: just inside the wall's inner face is water, just outside its outer face ground
    poly = np.unique(rim[:, :2], axis=0)
    poly = poly[np.argsort(np.arctan2(poly[:, 1] - p["lake_center_y"], poly[:, 0] - p["lake_center_x"]))]
    edges = np.roll(poly, -1, axis=0) - poly
    inside = ellipse_points(p, grow=-WALL_THICKNESS / 2 - 0.01)[:, :2]
    cross = edges[None, :, 0] * (inside[:, None, 1] - poly[None, :, 1]) - \
        edges[None, :, 1] * (inside[:, None, 0] - poly[None, :, 0])
    assert np.all(cross > 0), "a point just inside the wall is not over the water"
    ground = dict(scene.meshes)["ground"].positions[:-16].reshape(-1, 4, 3)  # tiles, then the far field
    tile = ground[0, 1, 0] - ground[0, 0, 0]
    kept = {(int(k[0]), int(k[1])) for k in np.round(ground[:, 0, :2] / tile)}
    outside = ellipse_points(p, grow=WALL_THICKNESS / 2 + 0.01)[:, :2]
    assert all((int(k[0]), int(k[1])) in kept for k in np.floor(outside / tile + 1e-9)), "a hole beside the wall"
    # the drawn wall (Misc in the structures mesh) is the barriers' boxes: same vertices, one box each
    structures = dict(scene.meshes)["structures"]
    wall = structures.positions[structures.semantic == class_id("Misc")]
    assert len(wall) == 20 * len(scene.barriers)  # five faces of four vertices per box
    assert inside_any(scene.barriers, wall, margin=1e-4).all()  # float32 vertices
    corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
    for b in scene.barriers[:: len(scene.barriers) // 8]:
        top = (corners * b.half) @ yaw_matrix(b.yaw).T + b.center
        top = top[top[:, 2] > 0.01]
        assert all(np.min(np.linalg.norm(wall - c, axis=1)) < 1e-4 for c in top)


def test_cameras_see_over_the_wall_but_never_stand_in_it():
    scene = lake(3)
    p = scene.params
    centre = np.array([p["lake_center_x"], p["lake_center_y"]])
    shore = ellipse_points(p, grow=1.0, n=8)  # just outside the wall, all round
    for z, crosses in ((0.3, True), (1.0, False)):  # a line at knee height meets the wall, one at eye height not
        ends = np.column_stack([np.tile(centre, (8, 1)), np.full(8, z)])
        starts = shore * [1, 1, 0] + [0, 0, z]
        hits = np.min([b.ray_entry(starts, ends) for b in scene.barriers], axis=0)
        assert np.isfinite(hits).all() == crosses and (np.isinf(hits).all() != crosses)
        # camera line-of-sight queries ignore barriers: nothing else stands between shore and water
        assert np.isinf(scene.first_hit(starts, ends)).all()
    # ... while containment does not: no camera may stand inside the wall
    assert scene.blocked(np.array(scene.barriers[0].center)[None]).all()
    # every outdoor rig samples its camera above the wall
    rng = np.random.default_rng(0)
    for rig in (KiteRig, CloseUpRig, OrbitalRig, HandheldRig, TripodRig):
        heights = [rig.sample(rng).height for _ in range(200)]
        assert min(heights) > WALL_HEIGHT + 0.25, rig.__name__


def drive_towards_the_lake(scene, radius: float = 0.22, height: float = 1.2, speed: float = 1.6,
                           seconds: float = 9.0) -> tuple[np.ndarray, np.ndarray]:
    """A person-sized capsule (70 kg) pushed at walking speed from the actor's start straight at the
    lake (along -y) by a horizontal force of up to 400 N, kept upright, sliding on a frictionless ground;
    returns its path ``(T, 3)`` and the unit direction it was driven in ``(3,)``."""
    p = scene.params
    with World(ground_friction=0.0) as world:  # it is pushed along the ground, it does not step
        scene.add_to_world(world)
        c = world.client
        start = np.array([*scene.start_position, radius + height / 2 + 0.01])
        target = np.array([scene.start_position[0], p["lake_center_y"], start[2]])
        direction = (target - start) / np.linalg.norm(target - start)
        shape = c.createCollisionShape(pybullet.GEOM_CAPSULE, radius=radius, height=height)
        body = c.createMultiBody(baseMass=70.0, baseCollisionShapeIndex=shape, basePosition=start.tolist())
        c.changeDynamics(body, -1, lateralFriction=1.0)  # against the wall's stone
        path = []
        for _ in range(int(seconds / world.timestep)):
            v = np.array(c.getBaseVelocity(body)[0])
            force = np.clip(70.0 * 8.0 * (speed - v @ direction), 0.0, 400.0) * direction
            c.applyExternalForce(body, -1, force.tolist(), c.getBasePositionAndOrientation(body)[0],
                                 pybullet.WORLD_FRAME)
            world.step()
            pos, _ = c.getBasePositionAndOrientation(body)
            v = c.getBaseVelocity(body)[0]
            c.resetBasePositionAndOrientation(body, pos, [0, 0, 0, 1])  # upright: it walks, it does not roll
            c.resetBaseVelocity(body, v, [0, 0, 0])
            path.append(pos)
    return np.array(path), direction


def distance_to_boxes(boxes, point) -> float:
    return min(float(np.linalg.norm(np.maximum(np.abs((point - b.center) @ yaw_matrix(b.yaw)) - b.half, 0.0)))
               for b in boxes)


@pytest.mark.parametrize("seed", [0, 5])
def test_a_person_driven_into_the_lake_is_stopped_at_the_waters_edge(seed):
    scene = lake(seed)
    p = scene.params
    # the start lies over the lake's middle part, so the drive meets the wall nearly head on
    assert abs(scene.start_position[0] - p["lake_center_x"]) < 0.6 * p["lake_semi_x"]
    path, _ = drive_towards_the_lake(scene)

    def ellipse(xy):
        return ((xy[:, 0] - p["lake_center_x"]) / p["lake_semi_x"]) ** 2 + \
               ((xy[:, 1] - p["lake_center_y"]) / p["lake_semi_y"]) ** 2

    assert np.all(ellipse(path[:, :2]) > 1.0), "the capsule got into the water"
    assert np.all(path[:, 2] < path[0, 2] + 0.05), "it climbed the wall"
    # it reached the wall and rests against it: over the last second it touches the wall's face
    tail = path[-240:]
    gaps = [distance_to_boxes(scene.barriers, q * [1, 1, 0] + [0, 0, WALL_HEIGHT / 2]) for q in tail[::24]]
    assert np.allclose(gaps, 0.22, atol=0.03), gaps
    assert np.ptp(tail[:, :2], axis=0).max() < 0.02
    # without the wall the same push carries it out over the water
    bare = lake(seed)
    bare.barriers = []
    free_path, _ = drive_towards_the_lake(bare)
    assert ellipse(free_path[-1:, :2])[0] < 1.0


def test_the_actor_starts_on_free_ground_clear_of_the_wall():
    for seed in range(10):
        scene = lake(100 + seed)
        start = np.array([*scene.start_position, 0.5])
        assert not inside_any(scene.colliders + scene.barriers, start[None], margin=1.0).any()
        d = np.array([np.cos(scene.start_heading), np.sin(scene.start_heading), 0.0])
        walk = start + np.linspace(0.0, 6.0, 25)[:, None] * d
        assert not inside_any(scene.barriers, walk, margin=1.0).any()


def test_a_humanoid_walking_at_the_lake_stops_at_the_wall():
    """The real thing: a simulated person walking (4 s) straight at the water from 2 m before the wall
    reaches it, and nothing of the body below the wall's top ever gets past its inner face (hands and
    head above the 0.6 m parapet may lean out over the water, as a person's would)."""
    from phav.api import Scene
    from phav.seeding import video_rng

    seed = 0
    p = build_environment(Environment.LAKE, video_rng(seed, "world")).params  # the scene's own lake
    cx, cy, a, b = p["lake_center_x"], p["lake_center_y"], p["lake_semi_x"], p["lake_semi_y"]
    scene = Scene("Lake", frames=120, size=(64, 48), seed=seed)
    scene.add_person("Walk", position=(cx, cy + b + WALL_THICKNESS / 2 + 2.0), heading=-np.pi / 2,
                     check_signature=False)
    track = scene.simulate().actors[0]
    joints = track.joints_3d  # (T, J, 3)
    inner = ((joints[..., 0] - cx) / (a - WALL_THICKNESS / 2)) ** 2 + \
            ((joints[..., 1] - cy) / (b - WALL_THICKNESS / 2)) ** 2
    below_top = joints[..., 2] < WALL_HEIGHT
    assert below_top.any(axis=0).sum() >= 4, "the legs should be below the wall's top"
    assert inner[below_top].min() > 1.0, "a part of the body below the wall's top got over the water"
    pelvis = joints[:, list(track.joint_names).index("pelvis")]
    outer_face = cy + b + WALL_THICKNESS / 2
    # leaning on the wall the hips may be above it (they are higher), never beyond it
    assert pelvis[:, 1].min() > outer_face - WALL_THICKNESS, "the pelvis passed the wall"
    assert pelvis[:, 1].min() - outer_face < 0.5, "the person never reached the wall"
