"""House (the indoor environment): a living room with a kitchen corner and a staircase, and a
bedroom behind a partition with an open doorway; floor, walls (labelled ``Building``: PHAV has no
wall class), ceiling, windows with curtains, doors, ceiling lamps and furniture.

Everything is enclosed: no sky is visible, the sun does not reach inside (the renderer has no
shadows, so the scenario switches the sun off indoors) and the lamps are always on.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.worlds.buildings import facade_quad
from phav.worlds.furniture import bed, chair, curtain, fireplace, floor_lamp, fridge, screen, shelf, sofa, table
from phav.worlds.kit import SceneKit
from phav.worlds.places.common import rects
from phav.worlds.primitives import MeshBuilder
from phav.worlds.props import ROOM_LAMP_LIGHT, Prop
from phav.worlds.scene import Collider, SceneObject, StaticScene

WALL_T = 0.1  # half thickness of the walls, metres
#: How far the floor and the ceiling reach into the walls, metres (the walls are 2 * WALL_T thick).
SEAM_OVERLAP = 2 * WALL_T
FLOORS = ((0.35, 0.2, 0.1), (0.5, 0.38, 0.25), (0.25, 0.25, 0.27), (0.45, 0.3, 0.2))
WALLS = ((0.7, 0.68, 0.6), (0.55, 0.6, 0.55), (0.7, 0.6, 0.5), (0.6, 0.62, 0.68))
WINDOW_VIEW = (0.55, 0.65, 0.75)  # what the glass shows: bright daylight haze
STEP_RISE, STEP_RUN, STAIR_HALF_WIDTH = 0.18, 0.28, 0.5
#: Indoor camera anchors: this far below the ceiling and in from the walls, metres.
ANCHOR_DROP, ANCHOR_INSET = 0.35, 0.4


def _stairs(kit: SceneKit, x0: float, y: float, height: float, direction: int) -> None:
    """A solid staircase along x from ``x0`` (going ``direction`` = +-1) up to ``height``, centred at ``y``."""
    n = int(height // STEP_RISE)
    b = MeshBuilder()
    for i in range(n):
        h = (i + 1) * STEP_RISE
        x = direction * (i + 0.5) * STEP_RUN
        b.box((x, 0, h / 2), (STEP_RUN / 2, STAIR_HALF_WIDTH, h / 2), (0.4, 0.28, 0.15) if i % 2 else (0.45, 0.32, 0.18), "Stair")
        kit.colliders.append(_collider((x0 + x, y, h / 2), (STEP_RUN / 2, STAIR_HALF_WIDTH, h / 2)))
    length = n * STEP_RUN
    kit.layout.footprints.append((np.array([x0 + direction * length / 2, y]), np.array([length / 2, STAIR_HALF_WIDTH]), 0.0))
    prop = Prop("Stair", b.build("stairs"), np.zeros(3))
    kit.objects.append(_object("stair_0", prop, (x0, y, 0.0), 0.0))


def _collider(center, half) -> Collider:
    return Collider(tuple(float(c) for c in center), tuple(float(h) for h in half), 0.0)


def _object(name: str, prop: Prop, position, yaw: float) -> SceneObject:
    return SceneObject(name, prop.label, prop.mesh, np.asarray(position, dtype=np.float64), float(yaw))


def _try(kit: SceneKit, rng: np.random.Generator, prop: Prop, spots: list[tuple[float, float, float]]) -> bool:
    """Place ``prop`` at the first free of ``spots`` (x, y, yaw), tried in random order."""
    for i in rng.permutation(len(spots)):
        x, y, yaw = spots[i]
        if kit.prop(prop, (x, y), yaw, gap=0.15):
            return True
    return False


def build_house(rng: np.random.Generator) -> StaticScene:
    """Living room ``[-lx, lx] x [-ly, ly]``; the bedroom beyond the partition at ``y = ly``.

    The actor starts 1.5 m from one end wall of the living room, walking along x to the other.
    """
    lx, ly = float(rng.uniform(4.6, 5.6)), float(rng.uniform(2.9, 3.5))
    bd = float(rng.uniform(3.6, 4.4))  # bedroom depth
    H = float(rng.uniform(2.6, 3.0))
    direction = int(rng.choice([-1, 1]))
    start = np.array([-direction * (lx - 1.5), float(rng.uniform(-0.4, 0.4))])
    kit = SceneKit(start, 0.0 if direction > 0 else np.pi)
    b = kit.stuff
    floor_c = np.asarray(FLOORS[int(rng.integers(len(FLOORS)))]) * rng.uniform(0.9, 1.1)
    wall_c = np.asarray(WALLS[int(rng.integers(len(WALLS)))]) * rng.uniform(0.9, 1.1)
    y1 = ly + 2 * WALL_T + 2 * bd  # far wall of the bedroom

    # floor tiles (boards) and ceiling, both reaching under and over the walls (SEAM_OVERLAP): a
    # surface that only meets a wall along a line leaves cracks of background between their
    # triangles that a narrow view shows (sky labels indoors)
    x = np.arange(-lx, lx, 0.5)
    x0, x1 = x.copy(), x + 0.5
    x0[0], x1[-1] = -lx - SEAM_OVERLAP, max(x1[-1], lx) + SEAM_OVERLAP
    y_lo, y_hi = -ly - SEAM_OVERLAP, y1 + SEAM_OVERLAP
    rects(b, x0, x1, y_lo, y_hi, floor_c * rng.uniform(0.9, 1.1, len(x))[:, None], "Floor")
    c = lx + SEAM_OVERLAP
    b.quad(np.array([[-c, y_lo, H], [-c, y_hi, H], [c, y_hi, H], [c, y_lo, H]]), (0.85, 0.85, 0.82), "Ceiling")

    # walls: boxes around both rooms, and the partition with a doorway
    def wall(c, half):  # collision only: furniture is placed against walls, so no layout footprint
        b.box(c, half, wall_c, "Building")
        kit.colliders.append(_collider(c, half))

    ym = (y1 - ly) / 2
    span = (y1 + ly) / 2
    for s in (-1, 1):
        wall((s * (lx + WALL_T), ym, H / 2), (WALL_T, span + 2 * WALL_T, H / 2))
    wall((0, -ly - WALL_T, H / 2), (lx, WALL_T, H / 2))
    wall((0, y1 + WALL_T, H / 2), (lx, WALL_T, H / 2))
    door_x = float(rng.uniform(-lx + 1.5, lx - 1.5))
    yp = ly + WALL_T
    left, right = door_x - 0.5, door_x + 0.5
    wall(((-lx + left) / 2, yp, H / 2), ((left + lx) / 2, WALL_T, H / 2))
    wall(((right + lx) / 2, yp, H / 2), ((lx - right) / 2, WALL_T, H / 2))
    b.box((door_x, yp, (H + 2.1) / 2), (0.5, WALL_T, (H - 2.1) / 2), wall_c, "Building")

    # windows with curtains on the long outer walls, a front door on an end wall
    for y_wall, n in ((-ly, (0.0, 1.0)), (y1, (0.0, -1.0))):
        for x in rng.uniform(-lx + 1.2, lx - 1.2, 2) if rng.random() < 0.7 else [float(rng.uniform(-lx + 1.2, lx - 1.2))]:
            facade_quad(b, (x, y_wall + n[1] * 0.005, 1.5), (*n, 0.0), 0.6, 0.6, WINDOW_VIEW, "Window")
            for s in (-1, 1):
                kit.prop(curtain(rng, 0.5, 2.2), (x + s * 0.85, y_wall + n[1] * 0.02), np.arctan2(n[1], n[0]), gap=0.0)
    end = direction * lx  # the end wall the actor walks towards keeps its door off the walking line
    facade_quad(b, (-end + direction * 0.005, ly - 0.8, 1.05), (direction, 0.0, 0.0), 0.5, 1.05,
                (0.3, 0.18, 0.08), "Door")
    kit.layout.footprints.append((np.array([-end, ly - 0.8]), np.array([0.6, 0.7]), 0.0))  # keep it clear
    facade_quad(b, (door_x + 0.75, y1 - 0.005, 1.05), (0.0, -1.0, 0.0), 0.45, 1.05, (0.6, 0.6, 0.58), "Door")

    # staircase along the front wall, climbing towards the end the actor walks to
    # (a full flight from the start wall, or a short flight to a landing from mid-room)
    stair_y = -ly + STAIR_HALF_WIDTH + 0.05
    if rng.random() < 0.5:
        _stairs(kit, -direction * (lx - 0.3), stair_y, H - 0.1, direction)
    else:
        _stairs(kit, direction * 0.4, stair_y, 0.6 * H, direction)

    # living room furniture along the walls; the corridor (the actor's path) is kept free
    inner_y = ly - 0.55
    _try(kit, rng, sofa(rng), [(x, inner_y - 0.1, -np.pi / 2) for x in np.linspace(-lx + 1.5, lx - 1.5, 5)])
    _try(kit, rng, screen(rng), [(s * (lx - 0.25), y, np.pi if s > 0 else 0.0) for s in (-1, 1) for y in (-1.5, 1.5, 0.0)])
    _try(kit, rng, fireplace(rng), [(s * (lx - 0.4), y, np.pi if s > 0 else 0.0) for s in (-1, 1) for y in (1.8, -1.8)])
    _try(kit, rng, shelf(rng), [(x, ly - 0.2, -np.pi / 2) for x in np.linspace(-lx + 0.8, lx - 0.8, 7)]
         + [(x, -ly + 0.2, np.pi / 2) for x in np.linspace(-lx + 0.8, lx - 0.8, 7)])
    _try(kit, rng, fridge(rng), [(sx * (lx - 0.4), sy * (ly - 0.35), np.pi if sx > 0 else 0.0)
                                 for sx in (-1, 1) for sy in (-1, 1)])
    _try(kit, rng, floor_lamp(rng), [(sx * (lx - 0.35), sy * (ly - 0.35), 0.0) for sx in (-1, 1) for sy in (-1, 1)])
    t = table(rng)
    spots = [(x, y, 0.0) for x in np.linspace(-lx + 1.5, lx - 1.5, 5) for y in (-ly + 0.9, ly - 0.9)]
    for i in rng.permutation(len(spots)):
        x, y, _ = spots[i]
        if kit.prop(t, (x, y), 0.0, gap=0.15):  # chairs at both ends, where they fit
            for dx, yaw in ((-t.half[0] - 0.3, 0.0), (t.half[0] + 0.3, np.pi)):
                if rng.random() < 0.85:
                    kit.prop(chair(rng), (x + dx, y), yaw, gap=0.02)
            break

    # bedroom: bed against the far wall, a shelf or lamp
    yb = ly + 2 * WALL_T
    _try(kit, rng, bed(rng), [(x, y1 - 1.1, -np.pi / 2) for x in np.linspace(-lx + 1.2, lx - 1.2, 5)])
    _try(kit, rng, floor_lamp(rng), [(sx * (lx - 0.35), yb + 0.35, 0.0) for sx in (-1, 1)])

    # ceiling lamps (always on): fixtures with their light just below
    lamp = MeshBuilder().cylinder((0, 0, -0.12), 0.25, 0.12, (0.95, 0.92, 0.8), "Lamp", segments=10,
                                  top_radius=0.12).build("ceiling_lamp")
    for i, (x, y) in enumerate([(-lx / 2, 0.0), (lx / 2, 0.0), (0.0, yb + bd)]):
        kit.objects.append(_object(f"lamp_ceiling_{i}", Prop("Lamp", lamp, np.zeros(3)), (x, y, H), 0.0))
        kit.light((x, y, H - 0.3), ROOM_LAMP_LIGHT, 8.0, when="always")
    kit.lights = [dataclasses.replace(light, when="always") for light in kit.lights]

    anchors = np.array([[sx * (lx - ANCHOR_INSET), sy * (ly - ANCHOR_INSET), H - ANCHOR_DROP]
                        for sx in (-1, 1) for sy in (-1, 1)])
    return kit.finish({"room_half_x": lx, "room_half_y": ly, "bedroom_depth": bd, "ceiling_height": H,
                       "doorway_x": door_x}, indoor=True, camera_anchors=anchors)
