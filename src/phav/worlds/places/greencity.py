"""GreenCity: a city park: lawns crossed by gravel paths, many trees, shrubs and flower beds,
benches and lamps along the paths, low buildings around the park and a road on one side."""

from __future__ import annotations

import numpy as np

from phav.worlds.buildings import building
from phav.worlds.ground import ASPHALT, GRASS, GRAVEL, PAVEMENT, painted_ground
from phav.worlds.kit import SceneKit
from phav.worlds.places.common import scatter_bushes, scatter_trees
from phav.worlds.props import bench, car, street_lamp
from phav.worlds.scene import StaticScene

PATH_HALF = 1.5
FLOWERS = ((0.6, 0.05, 0.08), (0.7, 0.6, 0.05), (0.5, 0.2, 0.5), (0.8, 0.8, 0.8))


def build_greencity(rng: np.random.Generator) -> StaticScene:
    """The actor starts on the main path (along x at y = 0); a cross path runs along y at ``xp``."""
    park = float(rng.uniform(30.0, 40.0))  # half size of the park
    xp = float(rng.choice([-1, 1]) * rng.uniform(10.0, 20.0))
    heading = float(rng.choice([0.0, np.pi]) + rng.uniform(-0.06, 0.06))
    start = np.array([float(rng.uniform(-5.0, 5.0)), float(rng.uniform(-0.3, 0.3))])
    road_y = -(park + 5.0)
    kit = SceneKit(start, heading)

    def classify(x, y):
        kind = np.zeros_like(x, dtype=np.int64)
        kind[(np.abs(y) < PATH_HALF) | (np.abs(x - xp) < PATH_HALF)] = 1
        outside = (np.abs(x) > park) | (np.abs(y) > park)
        kind[outside] = 3
        kind[np.abs(y - road_y) < 4.0] = 2
        return kind

    kit.add_mesh("ground", painted_ground(rng, [GRASS, GRAVEL, ASPHALT, PAVEMENT], classify,
                                          half_extent=park + 25.0, tile=1.0, far_surface=3))
    spacing = float(rng.uniform(12.0, 18.0))
    for x in np.arange(-park, park, spacing) + rng.uniform(0, spacing):
        kit.prop(street_lamp(rng), (x, PATH_HALF + 0.4), -np.pi / 2)
        if rng.random() < 0.6:
            kit.prop(bench(rng), (x + spacing / 2, -PATH_HALF - 0.5), 0.0)
    for y in np.arange(-park, park, spacing) + rng.uniform(0, spacing):
        if abs(y) > 3.0 and rng.random() < 0.6:
            kit.prop(bench(rng), (xp + PATH_HALF + 0.5, y), np.pi / 2)

    def lawn():
        while True:
            p = rng.uniform(-park + 1.0, park - 1.0, 2)
            if abs(p[1]) > PATH_HALF + 1.5 and abs(p[0] - xp) > PATH_HALF + 1.5:
                return p

    for _ in range(int(rng.integers(2, 5))):  # flower beds: clusters of small coloured shrubs
        c = lawn()
        color = np.asarray(FLOWERS[int(rng.integers(len(FLOWERS)))])
        if kit.layout.place(c, (1.6, 1.6)):
            for p in c + rng.uniform(-1.3, 1.3, (8, 2)):
                kit.stuff.blob([*p, 0.15], 0.3, color * rng.uniform(0.8, 1.2), "Vegetation", squash=0.6)
    trees = scatter_trees(kit, rng, int(rng.integers(45, 70)), lawn)
    scatter_bushes(kit, rng, int(rng.integers(25, 45)), lawn)

    # low buildings around the park (not on the road side), and parked cars on the road
    ring = park + 10.0
    for t in np.arange(-park, park, 14.0) + 7.0:
        # north side faces -y, west side faces +x, east side faces -x (the door is on local +Y)
        for center, yaw in (((t, ring), np.pi), ((-ring, t), -np.pi / 2), ((ring, t), np.pi / 2)):
            h = float(rng.integers(2, 4) * 3.0)
            building(kit, rng, center, 6.3, 6.0, h, yaw=yaw, pitched=bool(rng.random() < 0.5))
    for x in np.arange(-park, park, 7.0):
        if rng.random() < 0.4:
            kit.prop(car(rng), (x, road_y - 2.0), 0.0)
    return kit.finish({"park_half_size": park, "cross_path_x": xp, "road_y": road_y, "trees": trees})
