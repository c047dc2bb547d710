"""Urban: a street along x crossed by a side street, pavements, lines of buildings with windows and
doors, street lamps, traffic lights at the crossing, signs, and parked cars, trucks and buses.

Pavements are labelled ``Road`` (paved ground; PHAV has no sidewalk class).
"""

from __future__ import annotations

import numpy as np

from phav.worlds.buildings import building
from phav.worlds.ground import ASPHALT, PAVEMENT, painted_ground
from phav.worlds.kit import SceneKit
from phav.worlds.places.common import rects
from phav.worlds.props import bus, car, street_lamp, traffic_light, traffic_sign, truck
from phav.worlds.scene import StaticScene

MARKING = (0.75, 0.75, 0.7)
#: Street extent along x, metres.
STREET_HALF_LENGTH = 70.0


def build_urban(rng: np.random.Generator) -> StaticScene:
    """The actor starts on a pavement walking along the street (either direction)."""
    rw, pw = float(rng.uniform(3.5, 5.0)), float(rng.uniform(4.5, 6.5))
    side = int(rng.choice([-1, 1]))
    heading = float(rng.choice([0.0, np.pi]) + rng.uniform(-0.05, 0.05))
    start = np.array([float(rng.uniform(-8.0, 8.0)), side * (rw + pw / 2) + float(rng.uniform(-0.3, 0.3))])
    xc = float(rng.choice([-1, 1]) * rng.uniform(16.0, 26.0))  # the side street's centre
    kit = SceneKit(start, heading)

    def classify(x, y):
        road = (np.abs(y) < rw) | (np.abs(x - xc) < rw)
        return np.where(road, 0, 1)

    kit.add_mesh("ground", painted_ground(rng, [ASPHALT, PAVEMENT], classify, half_extent=60.0, tile=1.0,
                                          far_surface=1))
    b = kit.stuff
    x = np.arange(-STREET_HALF_LENGTH, STREET_HALF_LENGTH, 6.0)  # dashed centre line, clear of the junction
    x = x[np.abs(x + 1.5 - xc) > rw + 5.5]
    rects(b, x, x + 3.0, -0.08, 0.08, MARKING, "Road", z=0.01)
    y = np.arange(-rw + 0.3, rw - 0.5, 1.0)  # zebra crossings over the main street on both sides of the junction
    for t in (-1, 1):
        x0 = xc + t * (rw + 2.5)
        rects(b, x0 - 1.5, x0 + 1.5, y, y + 0.5, MARKING, "Road", z=0.01)

    # buildings in a row on both sides, broken by the side street
    line = rw + pw
    for s in (-1, 1):
        x = -STREET_HALF_LENGTH
        while x < STREET_HALF_LENGTH:
            w = float(rng.uniform(8.0, 20.0))
            if abs(x + w / 2 - xc) < rw + pw + w / 2:
                x = xc + rw + pw + 0.5 if x < xc else x + w
                continue
            d = float(rng.uniform(10.0, 16.0))
            h = float(rng.choice([2, 3, 4, 5, 6, 8, 10]) * 3.0 + rng.uniform(0.0, 1.0))
            building(kit, rng, (x + w / 2, s * (line + d / 2)), w / 2 - 0.2, d / 2, h,
                     yaw=0.0 if s < 0 else np.pi)
            x += w
    # the side street's own buildings beyond the main rows
    for s in (-1, 1):
        for t in (-1, 1):
            building(kit, rng, (xc + s * (rw + pw + 7.0), t * (line + 30.0)), 6.5, 6.0, float(rng.uniform(9, 25)),
                     yaw=np.pi / 2 * (-s))

    # lamps and signs at the kerb, traffic lights at the junction corners
    spacing = float(rng.uniform(12.0, 18.0))
    for s in (-1, 1):
        for x in np.arange(-60.0, 60.0, spacing) + rng.uniform(0, spacing):
            if abs(x - xc) > rw + 2.0:
                kit.prop(street_lamp(rng), (x, s * (rw + 0.5)), -s * np.pi / 2)
        for x in rng.uniform(-50.0, 50.0, int(rng.integers(2, 5))):
            if abs(x - xc) > rw + 2.0:
                kit.prop(traffic_sign(rng), (x, s * (rw + 0.4)), 0.0 if rng.random() < 0.5 else np.pi)
        for t in (-1, 1):
            kit.prop(traffic_light(rng), (xc + t * (rw + 0.6), s * (rw + 0.6)), np.pi if t < 0 else 0.0)

    # parked vehicles along both kerbs
    makers = [car] * 6 + [truck, bus]
    for s in (-1, 1):
        x = -60.0 + float(rng.uniform(0, 6))
        while x < 60.0:
            prop = makers[int(rng.integers(len(makers)))](rng)
            length = 2 * prop.half[0]
            cx = x + length / 2
            if abs(cx - xc) > rw + length / 2 + 2.0 and rng.random() < 0.65:
                kit.prop(prop, (cx, s * (rw - prop.half[1] - 0.3)), 0.0 if s < 0 else np.pi)
            x += length + float(rng.uniform(1.0, 6.0))
    return kit.finish({"road_half_width": rw, "pavement_width": pw, "side_street_x": xc, "start_side": side})
