"""Lake: an elliptical lake with a sandy shore, a gravel path along it with benches and lamp posts,
trees and shrubs on the grass, hills on the horizon.

The water surface is labelled ``Terrain`` (PHAV has no water class; it is part of the landscape)
and lies 3 cm below the grass. The physics ground plane at z = 0 carries it, so a body that ends up
there stands on the surface; the actor's corridor never reaches the water.
"""

from __future__ import annotations

import numpy as np

from phav.worlds.ground import GRASS, GRAVEL, SAND, painted_ground
from phav.worlds.kit import SceneKit
from phav.worlds.places.common import distant_hills, scatter_bushes, scatter_trees
from phav.worlds.primitives import MeshBuilder
from phav.worlds.props import bench, street_lamp
from phav.worlds.scene import StaticScene

WATER = (0.02, 0.05, 0.07)
WATER_LEVEL = -0.03
PATH_HALF = 1.4
SHORE = 2.5


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

    def classify(x, y):
        kind = np.zeros_like(x, dtype=np.int64)  # grass
        kind[np.abs(y) < PATH_HALF] = 2
        kind[ellipse(x, y, SHORE) < 1.0] = 1
        kind[ellipse(x, y) < 1.0] = -1
        return kind

    kit.add_mesh("ground", painted_ground(rng, [GRASS, SAND, GRAVEL], classify, half_extent=45.0, tile=0.75))
    water = MeshBuilder()
    t = 2 * np.pi * np.arange(48) / 48
    outline = np.column_stack([(a + 1.0) * np.cos(t), (bb + 1.0) * np.sin(t)])
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
