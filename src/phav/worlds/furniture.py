"""Indoor props for the House: sofa, chair, table, bed, shelf, lamp, fireplace, curtain, screen,
fridge. Same conventions as :mod:`phav.worlds.props` (local frame on the floor, front faces +X)."""

from __future__ import annotations

import numpy as np

from phav.worlds.primitives import MeshBuilder
from phav.worlds.props import ROOM_LAMP_LIGHT, Prop

_FABRICS = ((0.35, 0.08, 0.06), (0.12, 0.2, 0.35), (0.4, 0.35, 0.25), (0.15, 0.25, 0.12), (0.3, 0.3, 0.32))
_WOODS = ((0.32, 0.19, 0.09), (0.5, 0.35, 0.2), (0.18, 0.1, 0.05), (0.6, 0.55, 0.45))


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def sofa(rng: np.random.Generator) -> Prop:
    """Seat, backrest behind (-X), two armrests; length along Y."""
    L, D = rng.uniform(1.8, 2.4), 0.9
    c = np.asarray(_pick(rng, _FABRICS))
    b = MeshBuilder()
    b.box((0, 0, 0.22), (D / 2, L / 2, 0.22), c, "Sofa")
    b.box((-D / 2 + 0.12, 0, 0.6), (0.12, L / 2, 0.38), c * 0.85, "Sofa")
    for s in (-1, 1):
        b.box((0, s * (L / 2 - 0.1), 0.5), (D / 2, 0.1, 0.12), c * 0.9, "Sofa")
    return Prop("Sofa", b.build("sofa"), np.array([D / 2, L / 2, 0.5]))


def chair(rng: np.random.Generator) -> Prop:
    """Four legs, a seat and a backrest behind (-X)."""
    w = np.asarray(_pick(rng, _WOODS))
    b = MeshBuilder()
    for x in (-0.2, 0.2):
        for y in (-0.2, 0.2):
            b.box((x, y, 0.22), (0.025, 0.025, 0.22), w, "Chair")
    b.box((0, 0, 0.46), (0.23, 0.23, 0.025), w, "Chair")
    b.box((-0.21, 0, 0.75), (0.02, 0.22, 0.27), w * 0.9, "Chair")
    return Prop("Chair", b.build("chair"), np.array([0.24, 0.24, 0.5]))


def table(rng: np.random.Generator) -> Prop:
    """A top on four legs."""
    L, W = rng.uniform(1.2, 1.8), rng.uniform(0.8, 1.0)
    w = np.asarray(_pick(rng, _WOODS))
    b = MeshBuilder()
    b.box((0, 0, 0.74), (L / 2, W / 2, 0.03), w, "Table")
    for x in (-L / 2 + 0.06, L / 2 - 0.06):
        for y in (-W / 2 + 0.06, W / 2 - 0.06):
            b.box((x, y, 0.36), (0.035, 0.035, 0.36), w * 0.8, "Table")
    return Prop("Table", b.build("table"), np.array([L / 2, W / 2, 0.385]))


def bed(rng: np.random.Generator) -> Prop:
    """Frame, mattress, pillow at the head (-X) and a headboard."""
    L, W = 2.1, rng.uniform(1.4, 1.8)
    b = MeshBuilder()
    b.box((0, 0, 0.18), (L / 2, W / 2, 0.18), np.asarray(_pick(rng, _WOODS)), "Bed")
    b.box((0, 0, 0.45), (L / 2 - 0.03, W / 2 - 0.03, 0.1), (0.8, 0.8, 0.78), "Bed")
    b.box((-L / 2 + 0.3, 0, 0.6), (0.2, W / 2 - 0.15, 0.06), (0.9, 0.9, 0.9), "Bed")
    b.box((-L / 2 - 0.03, 0, 0.55), (0.04, W / 2, 0.55), np.asarray(_pick(rng, _WOODS)) * 0.8, "Bed")
    return Prop("Bed", b.build("bed"), np.array([L / 2 + 0.05, W / 2, 0.55]))


def shelf(rng: np.random.Generator) -> Prop:
    """A bookcase against the wall behind it (-X): sides, boards and coloured books."""
    W, H, D = rng.uniform(0.8, 1.6), rng.uniform(1.6, 2.1), 0.35
    w = np.asarray(_pick(rng, _WOODS))
    b = MeshBuilder()
    b.box((-D / 2 + 0.01, 0, H / 2), (0.01, W / 2, H / 2), w * 0.7, "Shelf")
    for s in (-1, 1):
        b.box((0, s * (W / 2 - 0.015), H / 2), (D / 2, 0.015, H / 2), w, "Shelf")
    boards = np.linspace(0.02, H - 0.02, 5)
    for z in boards:
        b.box((0, 0, z), (D / 2, W / 2, 0.015), w, "Shelf")
    for z0 in boards[:-1]:
        y = -W / 2 + 0.05
        while y < W / 2 - 0.1:
            t = float(rng.uniform(0.03, 0.06))
            hb = float(rng.uniform(0.18, 0.3))
            b.box((0, y + t / 2, z0 + 0.015 + hb / 2), (D / 2 - 0.05, t / 2, hb / 2),
                  rng.uniform(0.05, 0.6, 3), "Shelf")
            y += t + 0.005
    return Prop("Shelf", b.build("shelf"), np.array([D / 2, W / 2, H / 2]))


def floor_lamp(rng: np.random.Generator) -> Prop:
    """A standing lamp: base, stem and a shade; its light sits inside the shade."""
    h = rng.uniform(1.4, 1.7)
    b = MeshBuilder()
    b.cylinder((0, 0, 0), 0.15, 0.03, (0.1, 0.1, 0.1), "Lamp", segments=8)
    b.cylinder((0, 0, 0.03), 0.015, h - 0.25, (0.2, 0.2, 0.2), "Lamp", segments=6)
    b.cylinder((0, 0, h - 0.3), 0.22, 0.3, (0.95, 0.85, 0.6), "Lamp", segments=10, top_radius=0.14)
    return Prop("Lamp", b.build("floor_lamp"), np.array([0.22, 0.22, h / 2]),
                [(np.array([0.0, 0.0, h - 0.15]), ROOM_LAMP_LIGHT, 6.0)])


def fireplace(rng: np.random.Generator) -> Prop:
    """A brick chimney breast with a dark firebox and a mantel, against the wall behind it (-X)."""
    W = rng.uniform(1.4, 1.9)
    brick = np.array([0.35, 0.12, 0.07]) * rng.uniform(0.8, 1.2)
    b = MeshBuilder()
    b.box((0, 0, 0.6), (0.25, W / 2, 0.6), brick, "Fireplace")
    b.box((0.251, 0, 0.4), (0.001, 0.35, 0.3), (0.02, 0.015, 0.01), "Fireplace")
    b.box((0.05, 0, 1.22), (0.32, W / 2 + 0.1, 0.04), np.asarray(_pick(rng, _WOODS)), "Fireplace")
    return Prop("Fireplace", b.build("fireplace"), np.array([0.37, W / 2 + 0.1, 0.63]))


def curtain(rng: np.random.Generator, width: float, height: float) -> Prop:
    """A pleated curtain hanging against the wall behind it (-X), made of alternating slats."""
    color = np.asarray(_pick(rng, _FABRICS)) * 1.3
    b = MeshBuilder()
    n = max(2, int(width / 0.12))
    for i in range(n):
        y = -width / 2 + (i + 0.5) * width / n
        b.box((0.04 + 0.03 * (i % 2), y, height / 2), (0.02, width / n / 2, height / 2),
              color * (0.85 + 0.15 * (i % 2)), "Curtain")
    return Prop("Curtain", b.build("curtain"), np.array([0.08, width / 2, height / 2]))


def screen(rng: np.random.Generator) -> Prop:
    """A flat television on a low cabinet; the screen faces +X."""
    w = rng.uniform(0.9, 1.4)
    b = MeshBuilder()
    b.box((0, 0, 0.25), (0.22, w / 2 + 0.2, 0.25), np.asarray(_pick(rng, _WOODS)), "Table")
    b.box((-0.05, 0, 0.55 + 0.3 * w), (0.03, w / 2, 0.28 * w), (0.02, 0.02, 0.025), "Screen")
    b.box((-0.015, 0, 0.55 + 0.3 * w), (0.001, w / 2 - 0.02, 0.28 * w - 0.02), (0.04, 0.06, 0.1), "Screen")
    return Prop("Screen", b.build("screen"), np.array([0.22, w / 2 + 0.2, 0.4 + 0.3 * w]))


def fridge(rng: np.random.Generator) -> Prop:
    """A tall fridge with a door line and a handle on its front (+X)."""
    h = rng.uniform(1.7, 1.9)
    c = (0.85, 0.85, 0.83) if rng.random() < 0.7 else (0.5, 0.5, 0.52)
    b = MeshBuilder()
    b.box((0, 0, h / 2), (0.33, 0.3, h / 2), c, "Fridge")
    b.box((0.335, 0, 0.62 * h), (0.005, 0.3, 0.005), (0.2, 0.2, 0.2), "Fridge")
    b.box((0.35, 0.22, 0.75 * h), (0.015, 0.015, 0.15), (0.3, 0.3, 0.3), "Fridge")
    return Prop("Fridge", b.build("fridge"), np.array([0.35, 0.3, h / 2]))
