"""Middle: a small-town square: a cobbled plaza with a fountain, trees and benches, a ring road
with parked cars, and gabled town houses (windows, doors) facing the square on all sides."""

from __future__ import annotations

import numpy as np

from phav.worlds.buildings import building
from phav.worlds.ground import ASPHALT, COBBLES, PAVEMENT, painted_ground
from phav.worlds.kit import SceneKit
from phav.worlds.places.common import scatter_trees
from phav.worlds.props import bench, car, street_lamp
from phav.worlds.scene import StaticScene

STONE = (0.45, 0.43, 0.4)
WATER = (0.03, 0.07, 0.1)


def build_middle(rng: np.random.Generator) -> StaticScene:
    """The actor starts inside the square facing any direction; the fountain is placed clear of its path."""
    half = float(rng.uniform(14.0, 19.0))  # half size of the plaza
    road = 6.0
    start = rng.uniform(-half + 7.0, half - 7.0, 2)
    kit = SceneKit(start, float(rng.uniform(-np.pi, np.pi)))

    def classify(x, y):
        m = np.maximum(np.abs(x), np.abs(y))
        return np.where(m < half, 0, np.where(m < half + road, 1, 2))

    kit.add_mesh("ground", painted_ground(rng, [COBBLES, ASPHALT, PAVEMENT], classify, half_extent=half + 30.0,
                                          tile=1.0, far_surface=2))
    b = kit.stuff
    r = float(rng.uniform(2.0, 3.2))
    for _ in range(20):  # the fountain: basin, water, column and bowl
        c = rng.uniform(-half + r + 1.0, half - r - 1.0, 2)
        if kit.solid([*c, 0.3], [r, r, 0.3], yaw=0.0, gap=0.5):
            b.cylinder([*c, 0.0], r, 0.6, STONE, "Misc", segments=16)
            b.cylinder([*c, 0.0], r - 0.25, 0.55, WATER, "Misc", segments=16)
            b.cylinder([*c, 0.55], 0.3, 1.6, STONE, "Misc", segments=8)
            b.cylinder([*c, 2.0], 1.0, 0.25, STONE, "Misc", segments=12, top_radius=1.2)
            break
    for _ in range(int(rng.integers(4, 8))):
        side, t = int(rng.integers(4)), float(rng.uniform(-half + 2, half - 2))
        pos = [(t, -half + 1.0), (t, half - 1.0), (-half + 1.0, t), (half - 1.0, t)][side]
        kit.prop(bench(rng), pos, [0.0, np.pi, -np.pi / 2, np.pi / 2][side])
    for cx in (-half + 0.6, half - 0.6):
        for t in np.linspace(-half + 3, half - 3, 3):
            kit.prop(street_lamp(rng), (cx, t), 0.0 if cx < 0 else np.pi)
    scatter_trees(kit, rng, int(rng.integers(4, 9)), lambda: rng.uniform(-half + 2, half - 2, 2))

    ring = half + road
    for t in np.arange(-ring, ring, 9.0) + 4.5:  # town houses on four sides; doors face the square
        for center, yaw in (((t, -ring - 6.5), 0.0), ((t, ring + 6.5), np.pi),
                            ((-ring - 6.5, t), -np.pi / 2), ((ring + 6.5, t), np.pi / 2)):
            if rng.random() < 0.85:
                h = float(rng.integers(2, 5) * 3.0)
                building(kit, rng, center, 4.3, 5.5, h, yaw=yaw, pitched=bool(rng.random() < 0.8))
    for t in np.arange(-half, half, 6.0):  # parked cars along the square's kerb
        for pos, yaw in (((t, -half - 1.3), 0.0), ((t, half + 1.3), np.pi)):
            if rng.random() < 0.35:
                kit.prop(car(rng), pos, yaw)
    return kit.finish({"square_half_size": half, "fountain_radius": r})
