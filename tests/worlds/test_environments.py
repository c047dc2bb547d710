"""Environments: labelled, seeded, collidable, with a free walking corridor at the start."""

import collections

import numpy as np
import pytest

from phav.labels import NUM_CLASSES, STUFF_CLASSES, class_id
from phav.physics import World
from phav.spec import Environment
from phav.worlds.environments import build_environment
from phav.worlds.primitives import MeshBuilder
from phav.worlds.scene import CORRIDOR_AHEAD, CORRIDOR_HALF_WIDTH, Collider, rects_overlap

PLACES = [e for e in Environment if e != Environment.PLAIN]
#: What each place must show (PHAV.md §4 class names), checked on the union over a few seeds.
EXPECTED = {
    Environment.STADIUM: {"Terrain", "Building", "Pole", "Lamp"},
    Environment.LAKE: {"Terrain", "Tree", "Vegetation", "Bench", "Pole", "Lamp"},
    Environment.URBAN: {"Road", "Building", "Window", "Door", "Pole", "TrafficSign", "TrafficLight", "Car",
                        "Truck", "Bus"},
    Environment.GREEN_CITY: {"Terrain", "Tree", "Vegetation", "Building", "Window", "Bench", "Pole"},
    Environment.MIDDLE: {"Road", "Building", "Window", "Door", "Misc", "Bench", "Pole", "Car"},
    Environment.HOUSE: {"Floor", "Ceiling", "Building", "Window", "Door", "Stair", "Sofa", "Chair", "Table", "Bed",
                        "Shelf", "Lamp", "Fireplace", "Curtain", "Screen", "Fridge"},
}


def scene_labels(scene):
    ids = set()
    for _, mesh in scene.meshes:
        ids |= set(np.unique(mesh.semantic).tolist())
    for obj in scene.objects:
        ids |= set(np.unique(obj.mesh.semantic).tolist())
    return ids


@pytest.mark.parametrize("env", PLACES, ids=lambda e: e.value)
def test_every_surface_is_labelled_with_the_places_classes(env):
    union = set()
    for seed in range(3):
        scene = build_environment(env, np.random.default_rng(seed))
        ids = scene_labels(scene)
        assert all(0 <= i < NUM_CLASSES and i != class_id("Sky") for i in ids)
        assert not any(36 <= i for i in ids), "no body-part classes in a world"
        union |= ids
        for obj in scene.objects:  # objects are things with instances, not stuff
            assert obj.label not in STUFF_CLASSES
            assert class_id(obj.label) in set(obj.mesh.semantic.tolist())
        assert len({o.name for o in scene.objects}) == len(scene.objects)
        assert scene.num_triangles < 200_000
    assert {class_id(n) for n in EXPECTED[env]} <= union


@pytest.mark.parametrize("env", list(Environment), ids=lambda e: e.value)
def test_same_seed_same_world_and_other_seeds_other_layouts(env):
    def signature(scene):  # the surfaces (positions, colours, labels), the objects, the start
        return (np.concatenate([np.concatenate([m.positions.ravel(), m.colors.ravel(), m.semantic]) for _, m in scene.meshes]),
                [(o.name, tuple(o.position)) for o in scene.objects], tuple(scene.start_position))

    a, b = (build_environment(env, np.random.default_rng(7)) for _ in range(2))
    sa, sb = signature(a), signature(b)
    np.testing.assert_array_equal(sa[0], sb[0])
    assert sa[1:] == sb[1:]
    others = [signature(build_environment(env, np.random.default_rng(s))) for s in (8, 9)]
    for so in others:
        assert so[2] != sa[2] or so[1] != sa[1]
        # (the Plain's tiles stay where they are: their colours differ, and the road's rows)
        assert len(so[0]) != len(sa[0]) or not np.array_equal(so[0], sa[0])


def corridor(scene):
    d = np.array([np.cos(scene.start_heading), np.sin(scene.start_heading)])
    return (scene.start_position + d * CORRIDOR_AHEAD / 2, np.array([CORRIDOR_AHEAD / 2, CORRIDOR_HALF_WIDTH]),
            scene.start_heading)


@pytest.mark.parametrize("env", list(Environment), ids=lambda e: e.value)
def test_the_actor_starts_on_free_ground_with_room_to_walk(env):
    for seed in range(6):
        scene = build_environment(env, np.random.default_rng(100 + seed))
        path = corridor(scene)
        for c in scene.colliders:
            if c.center[2] - c.half[2] < 2.0:  # anything a walking person could touch
                assert not rects_overlap(path, (np.array(c.center[:2]), np.array(c.half[:2]), c.yaw)), (seed, c)
        if env == Environment.LAKE:  # not in the water
            p = scene.params
            for s in np.linspace(0.0, CORRIDOR_AHEAD, 7):
                x, y = scene.start_position + s * np.array([np.cos(scene.start_heading), np.sin(scene.start_heading)])
                assert ((x - p["lake_center_x"]) / p["lake_semi_x"]) ** 2 + \
                       ((y - p["lake_center_y"]) / p["lake_semi_y"]) ** 2 > 1.0


@pytest.mark.parametrize("env", [Environment.URBAN, Environment.HOUSE], ids=lambda e: e.value)
def test_colliders_are_in_the_physics_world_and_the_path_ahead_is_clear(env):
    scene = build_environment(env, np.random.default_rng(1))
    with World() as world:
        ids = scene.add_to_world(world)
        assert len(ids) == len(scene.colliders) > 0
        c = world.client
        start = np.array([*scene.start_position, 1.0])
        ahead = start + 4.0 * np.array([np.cos(scene.start_heading), np.sin(scene.start_heading), 0.0])
        assert c.rayTest(start.tolist(), ahead.tolist())[0][0] == -1
        # a ray into the first collider hits it
        box = scene.colliders[0]
        top = np.array(box.center) + [0, 0, box.half[2] + 1.0]
        hit = c.rayTest(top.tolist(), np.array(box.center).tolist())[0]
        assert hit[0] in ids


def test_house_is_indoor_with_camera_anchors_inside_its_rooms():
    for seed in range(5):
        scene = build_environment(Environment.HOUSE, np.random.default_rng(seed))
        assert scene.indoor and len(scene.camera_anchors) == 4
        assert not scene.blocked(scene.camera_anchors, margin=0.1).any()
        H = scene.params["ceiling_height"]
        assert np.all(scene.camera_anchors[:, 2] < H)
        assert all(light.when == "always" for light in scene.lights) and scene.lights
    for env in (Environment.PLAIN, Environment.URBAN):
        assert not build_environment(env, np.random.default_rng(0)).indoor


def test_collider_containment_and_ray_entry_match_geometry():
    box = Collider((1.0, 0.0, 1.0), (0.5, 0.25, 1.0), yaw=np.pi / 2)  # turned: 0.25 along x, 0.5 along y
    assert box.contains([[1.2, 0.4, 1.0]]).all() and not box.contains([[1.4, 0.0, 1.0]]).any()
    t = box.ray_entry(np.array([[-1.0, 0.0, 1.0]]), np.array([[3.0, 0.0, 1.0]]))
    assert t[0] == pytest.approx((0.75 - -1.0) / 4.0)
    assert np.isinf(box.ray_entry(np.array([[-1.0, 2.0, 1.0]]), np.array([[3.0, 2.0, 1.0]]))[0])
    # segments parallel to the box's faces (zero direction components) miss it when outside its slabs
    level = Collider((0.0, 5.0, 1.0), (0.1, 0.1, 1.0))
    assert np.isinf(level.ray_entry(np.array([[-5.0, 0.0, 0.3]]), np.array([[5.0, 0.0, 0.3]]))).all()
    assert level.ray_entry(np.array([[0.0, 0.0, 0.3]]), np.array([[0.0, 10.0, 0.3]]))[0] == pytest.approx(0.49)


def test_primitive_faces_point_outwards():
    b = MeshBuilder().box((0, 0, 0), (1, 2, 3), (1, 1, 1), "Misc", bottom=True)
    b.cylinder((0, 0, 0), 1.0, 2.0, (1, 1, 1), "Pole", segments=7).blob((0, 0, 0), 1.0, (1, 1, 1), "Tree")
    b.prism(np.array([[0, 0], [1, 0], [1, 1], [0, 1]]) - 0.5, 0.0, 1.0, (1, 1, 1), "Building")
    mesh = b.build("probe")
    tri = mesh.positions[mesh.indices]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    center = tri.mean(axis=1)
    # every primitive here is convex around a point on the z axis at the face's height or the origin
    outward = center - np.where(np.abs(n[:, 2:3]) > 0.9 * np.linalg.norm(n, axis=1, keepdims=True), 0.0,
                                np.column_stack([np.zeros((len(n), 2)), center[:, 2]]))
    assert np.all(np.einsum("ij,ij->i", n, outward) > 0)
    np.testing.assert_allclose(np.einsum("ij,ij->i", n / np.linalg.norm(n, axis=1, keepdims=True),
                                         mesh.normals[mesh.indices[:, 0]]), 1.0, atol=1e-5)


def test_house_floor_and_ceiling_reach_into_the_walls():
    """A floor or ceiling that only meets a wall along a line leaves cracks between their triangles
    (background: sky labels indoors, seen once the Indoor camera zooms in); both reach into the walls."""
    from phav.worlds.places.house import WALL_T

    for seed in range(3):
        scene = build_environment(Environment.HOUSE, np.random.default_rng(seed))
        p = scene.params
        lx, ly, bd = p["room_half_x"], p["room_half_y"], p["bedroom_depth"]
        y1 = ly + 2 * WALL_T + 2 * bd
        for label in ("Floor", "Ceiling"):
            corners = np.concatenate([mesh.positions[mesh.semantic == class_id(label)] for _, mesh in scene.meshes])
            lo, hi = corners[:, :2].min(axis=0), corners[:, :2].max(axis=0)
            # the walls' inner faces are at x = +-lx, y = -ly and y = y1; their middles WALL_T beyond
            assert lo[0] <= -lx - WALL_T and hi[0] >= lx + WALL_T, (seed, label, lo, hi)
            assert lo[1] <= -ly - WALL_T and hi[1] >= y1 + WALL_T, (seed, label, lo, hi)


def _quad_edges(mesh) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Every edge of a flat quad mesh (4 vertices a quad, as ``phav.worlds.ground`` builds them), as
    a sorted pair of (x, y) endpoints with the stored float32 values."""
    corners = mesh.positions[:, :2].reshape(-1, 4, 2)
    edges = []
    for quad in corners:
        for k in range(4):
            a, b = tuple(map(float, quad[k])), tuple(map(float, quad[(k + 1) % 4]))
            edges.append((min(a, b), max(a, b)))
    return edges


def assert_watertight(mesh, far: float) -> None:
    """Every edge of the flat quad ``mesh`` is shared by exactly two quads, but those along its
    outer border (a square ``2 far`` metres a side), which belong to one."""
    counts = collections.Counter(_quad_edges(mesh))
    (x_lo, y_lo), (x_hi, y_hi) = mesh.positions[:, :2].min(axis=0), mesh.positions[:, :2].max(axis=0)

    def on_border(edge) -> bool:  # along the outer rectangle at +-far
        (xa, ya), (xb, yb) = edge
        return (xa == xb and xa in (x_lo, x_hi)) or (ya == yb and ya in (y_lo, y_hi))

    border = {e: n for e, n in counts.items() if on_border(e)}
    inner = {e: n for e, n in counts.items() if not on_border(e)}
    assert x_hi - x_lo == pytest.approx(2 * far) and y_hi - y_lo == pytest.approx(2 * far)
    assert inner and all(n == 2 for n in inner.values()), [e for e, n in inner.items() if n != 2][:5]
    assert border and all(n == 1 for n in border.values())


@pytest.mark.parametrize("build", ["tiled", "painted"])
def test_ground_is_watertight_no_edge_ends_inside_another(build):
    """Quads meeting along a line must share that line's two vertices (no T-junctions): a long far
    field edge beside many tile edges leaves pixels that neither rasterises, and the sky (depth
    infinite, class Sky) shows through the ground. Every edge of the tiled square and its far field
    is shared by exactly two quads, except the outer border at +-far."""
    from phav.worlds.ground import GRASS, SAND, painted_ground, tiled_ground

    rng = np.random.default_rng(3)
    if build == "tiled":
        mesh, far = tiled_ground(rng, half_extent=6.0, road_center_y=0.4, far_extent=50.0), 50.0
    else:
        mesh = painted_ground(rng, [GRASS, SAND], lambda x, y: (x > y).astype(int), half_extent=5.0, tile=0.5,
                              far_extent=40.0, center=(0.3, -1.1))
        far = 40.0
    assert_watertight(mesh, far)


def test_ground_frames_are_watertight_around_what_they_ring():
    """The stadium's ground: pitch stripes, the track ring around them, the concourse ring around
    that (phav.worlds.places.common.frame): no edge ends inside another."""
    from phav.worlds.places.common import frame, rects

    b = MeshBuilder()
    inner, outer = (53.5, 35.25), (61.5, 43.25)
    edges = np.linspace(-inner[0], inner[0], 13)
    rects(b, edges[:-1], edges[1:], -inner[1], inner[1], (0.1, 0.3, 0.1), "Terrain")
    xs, ys = frame(b, inner, outer, (0.4, 0.1, 0.1), "Terrain", xs=edges)
    frame(b, outer, (600.0, 600.0), (0.3, 0.3, 0.3), "Road", xs=xs, ys=ys)
    assert_watertight(b.build("ground"), 600.0)
