"""Lake: an elliptical lake with a sandy shore, a gravel path along it with benches and lamp posts,
trees and shrubs on the grass, hills on the horizon.

The water surface is labelled ``Terrain`` (PHAV has no water class; it is part of the landscape).
A low stone wall (``Misc``, :data:`WALL_HEIGHT` high) runs round the water's edge and holds it: the
physics ground plane at z = 0 runs on under the water, so without the wall a person pushed or walking
towards the lake would stand on its surface. The wall's boxes are physics colliders in
:attr:`~phav.worlds.scene.StaticScene.barriers`, which cameras see over (they are lower than any rig's
camera) but never stand in. The water fills the wall's ring 2 cm above the grass, so the sand tiles
along the jagged edge of the ground's hole lie under it; its own edge lies under the wall. The actor's
corridor never reaches the wall.
"""

from __future__ import annotations

import numpy as np

from phav.worlds.ground import GRASS, GRAVEL, SAND, painted_ground
from phav.worlds.kit import SceneKit
from phav.worlds.places.common import distant_hills, scatter_bushes, scatter_trees
from phav.worlds.primitives import MeshBuilder
from phav.worlds.props import bench, street_lamp
from phav.worlds.scene import Collider, StaticScene

WATER = (0.02, 0.05, 0.07)
#: Height of the water surface above the grass, metres (the wall holds it).
WATER_LEVEL = 0.02
PATH_HALF = 1.4
SHORE = 2.5
#: The shore wall: height above the grass and thickness (metres), and the number of straight segments
#: round the lake (enough that each segment's chord stays within about a centimetre of the ellipse).
WALL_HEIGHT = 0.6
WALL_THICKNESS = 0.35
WALL_SEGMENTS = 96
WALL_STONE = (0.33, 0.31, 0.28)


def shore_wall(center, semi) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The segments of a wall whose centre line runs along the ellipse ``center (2,)``, ``semi (2,)``.

    Each segment is the chord between neighbouring points of the ellipse (evenly spaced in its
    parameter), lengthened at both ends so the outer corners between segments close.

    Returns:
        ``centers (N, 3)``, ``halves (N, 3)`` (length, thickness, height halves) and ``yaws (N,)`` of the
        segments' boxes (world frame), and ``outline (N, 2)``: the water's edge relative to ``center``,
        the ellipse shrunk by a quarter of the wall's thickness (inside the wall, so it never shows).
    """
    t = 2 * np.pi * np.arange(WALL_SEGMENTS) / WALL_SEGMENTS
    ring = np.column_stack([semi[0] * np.cos(t), semi[1] * np.sin(t)]) + center
    edge = np.roll(ring, -1, axis=0) - ring
    length = np.linalg.norm(edge, axis=1)
    mid = (ring + np.roll(ring, -1, axis=0)) / 2
    centers = np.column_stack([mid, np.full(len(mid), WALL_HEIGHT / 2)])
    halves = np.column_stack([length / 2 + WALL_THICKNESS / 2, np.full(len(mid), WALL_THICKNESS / 2),
                              np.full(len(mid), WALL_HEIGHT / 2)])
    yaws = np.arctan2(edge[:, 1], edge[:, 0])
    inset = WALL_THICKNESS / 4
    outline = np.column_stack([(semi[0] - inset) * np.cos(t), (semi[1] - inset) * np.sin(t)])
    return centers, halves, yaws, outline


def build_lake(rng: np.random.Generator) -> StaticScene:
    """The path runs along x at y = 0; the lake lies on its -y side, its near shore 2-4 m away."""
    a, bb = float(rng.uniform(14.0, 24.0)), float(rng.uniform(8.0, 13.0))
    gap = float(rng.uniform(2.0, 4.0))
    cx, cy = float(rng.uniform(-8.0, 8.0)), -(PATH_HALF + gap + SHORE + bb)
    heading = float(rng.choice([0.0, np.pi]) + rng.uniform(-0.08, 0.08))
    start = np.array([float(rng.uniform(-6.0, 6.0)), float(rng.uniform(-0.3, 0.3))])
    kit = SceneKit(start, heading)

    def ellipse(x, y, grow=0.0):
        return ((x - cx) / (a + grow)) ** 2 + ((y - cy) / (bb + grow)) ** 2

    tile = 0.75
    # tiles wholly inside the wall's inner face are left out (the water covers the rest of the edge)
    hole = WALL_THICKNESS / 2 + tile / np.sqrt(2) + 0.05

    def classify(x, y):
        kind = np.zeros_like(x, dtype=np.int64)  # grass
        kind[np.abs(y) < PATH_HALF] = 2
        kind[ellipse(x, y, SHORE) < 1.0] = 1
        kind[ellipse(x, y, -hole) < 1.0] = -1
        return kind

    kit.add_mesh("ground", painted_ground(rng, [GRASS, SAND, GRAVEL], classify, half_extent=45.0, tile=tile))
    centers, halves, yaws, outline = shore_wall((cx, cy), (a, bb))
    for c, h, yaw in zip(centers, halves, yaws):
        kit.stuff.box(c, h, WALL_STONE, "Misc", yaw=float(yaw))
        kit.barriers.append(Collider(tuple(map(float, c)), tuple(map(float, h)), float(yaw)))
    water = MeshBuilder()
    water.prism(outline, WATER_LEVEL - 0.01, WATER_LEVEL, WATER, "Terrain", offset=(cx, cy))
    kit.add_mesh("water", water.build("water"))
    # the lake and its shore are not for placing things
    kit.layout.footprints.append((np.array([cx, cy]), np.array([a + 0.5, bb + 0.5]), 0.0))

    for x in np.arange(-40.0, 40.0, float(rng.uniform(9.0, 14.0))) + rng.uniform(0, 5):
        if rng.random() < 0.7:
            kit.prop(bench(rng), (x, -PATH_HALF - 0.6), np.pi)  # facing the lake
    spacing = float(rng.uniform(14.0, 20.0))
    for x in np.arange(-40.0, 40.0, spacing) + rng.uniform(0, spacing):
        kit.prop(street_lamp(rng), (x, PATH_HALF + 0.5), -np.pi / 2)

    def land():
        while True:
            p = rng.uniform(-42.0, 42.0, 2)
            if ellipse(p[0], p[1], SHORE + 1.0) > 1.0 and abs(p[1]) > PATH_HALF + 1.0:
                return p

    trees = scatter_trees(kit, rng, int(rng.integers(30, 50)), land)
    scatter_bushes(kit, rng, int(rng.integers(15, 30)), land)
    distant_hills(kit.stuff, rng)
    return kit.finish({"lake_center_x": cx, "lake_center_y": cy, "lake_semi_x": a, "lake_semi_y": bb,
                       "trees": trees})
