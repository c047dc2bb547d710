"""Props: objects with instance ids (vehicles, street furniture, furniture), built in a local frame.

Every prop stands on its local origin (z = 0 is the ground), faces +X (its length along X) and
comes with the half extents of the collision box that encloses it and, for lamps, its light.
Colours are linear albedo; dimensions are sampled from the generator in plausible ranges (metres).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.take import Mesh
from phav.worlds.primitives import MeshBuilder

#: Light intensities (linear RGB irradiance at 1 m) of the lamp kinds, scaled to the sun's ~1.5.
STREET_LAMP_LIGHT = (11.0, 8.5, 5.5)
FLOODLIGHT_LIGHT = (900.0, 880.0, 820.0)
ROOM_LAMP_LIGHT = (3.2, 2.6, 1.8)

_GLASS = (0.05, 0.07, 0.09)
_TYRE = (0.03, 0.03, 0.03)
_METAL = (0.25, 0.25, 0.27)
_WOOD = (0.30, 0.18, 0.09)

#: Vehicle paint colours (linear albedo).
CAR_PAINTS = ((0.6, 0.05, 0.04), (0.05, 0.12, 0.45), (0.7, 0.7, 0.7), (0.04, 0.04, 0.04),
              (0.75, 0.55, 0.08), (0.15, 0.3, 0.15), (0.35, 0.35, 0.38))


@dataclasses.dataclass
class Prop:
    """A built prop: class name, local mesh, collision half extents ``(3,)`` (box on the ground,
    centred on the origin in x/y) and local lights ``(offset (3,), colour, radius)``."""

    label: str
    mesh: Mesh
    half: np.ndarray
    lights: list[tuple[np.ndarray, tuple[float, float, float], float]] = dataclasses.field(default_factory=list)


def _wheels(b: MeshBuilder, length: float, width: float, radius: float, label: str, axles=(0.32, -0.32)) -> None:
    for ax in axles:
        for side in (-1, 1):
            b.box((ax * length, side * (width / 2 - 0.12), radius), (radius, 0.12, radius), _TYRE, label)


def car(rng: np.random.Generator) -> Prop:
    """A saloon: body, cabin with glass, four wheels."""
    L, W = rng.uniform(3.8, 4.7), rng.uniform(1.7, 1.9)
    paint = CAR_PAINTS[int(rng.integers(len(CAR_PAINTS)))]
    b = MeshBuilder()
    b.box((0, 0, 0.6), (L / 2, W / 2, 0.3), paint, "Car")
    b.box((-0.05 * L, 0, 1.12), (0.28 * L, W / 2 - 0.08, 0.24), _GLASS, "Car")
    b.box((-0.05 * L, 0, 1.37), (0.26 * L, W / 2 - 0.1, 0.02), paint, "Car")
    _wheels(b, L, W, 0.32, "Car")
    return Prop("Car", b.build("car"), np.array([L / 2, W / 2, 0.7]))


def bus(rng: np.random.Generator) -> Prop:
    """A city bus: long body with a window band."""
    L, W, H = rng.uniform(10.0, 12.0), 2.5, 3.0
    paint = ((0.7, 0.1, 0.05), (0.1, 0.3, 0.6), (0.8, 0.6, 0.05))[int(rng.integers(3))]
    b = MeshBuilder()
    b.box((0, 0, 0.35 + (H - 0.35) / 2), (L / 2, W / 2, (H - 0.35) / 2), paint, "Bus")
    b.box((0, 0, 2.0), (L / 2 + 0.01, W / 2 + 0.01, 0.45), _GLASS, "Bus")
    _wheels(b, L, W, 0.5, "Bus", axles=(0.33, -0.3))
    return Prop("Bus", b.build("bus"), np.array([L / 2, W / 2, H / 2]))


def truck(rng: np.random.Generator) -> Prop:
    """A box truck: cab with windscreen and a cargo box."""
    L, W = rng.uniform(6.5, 8.5), 2.4
    cab = ((0.8, 0.8, 0.8), (0.1, 0.2, 0.5), (0.6, 0.1, 0.05))[int(rng.integers(3))]
    b = MeshBuilder()
    b.box((L / 2 - 1.0, 0, 1.35), (1.0, W / 2, 1.0), cab, "Truck")
    b.box((L / 2 - 0.05, 0, 1.8), (0.06, W / 2 - 0.15, 0.35), _GLASS, "Truck")
    b.box((-1.0, 0, 1.95), (L / 2 - 1.0, W / 2, 1.35), (0.75, 0.75, 0.72), "Truck")
    _wheels(b, L, W, 0.45, "Truck", axles=(0.35, -0.3))
    return Prop("Truck", b.build("truck"), np.array([L / 2, W / 2, 1.65]))


def bench(rng: np.random.Generator) -> Prop:
    """A park bench along X: seat, backrest and two legs; one sits facing +Y."""
    L = rng.uniform(1.5, 2.0)
    b = MeshBuilder()
    b.box((0, 0, 0.45), (L / 2, 0.22, 0.03), _WOOD, "Bench")
    b.box((0, -0.2, 0.75), (L / 2, 0.03, 0.2), _WOOD, "Bench")
    for x in (-0.4 * L, 0.4 * L):
        b.box((x, 0, 0.21), (0.04, 0.2, 0.21), _METAL, "Bench")
    return Prop("Bench", b.build("bench"), np.array([L / 2, 0.25, 0.48]))


def street_lamp(rng: np.random.Generator) -> Prop:
    """A lamp post with an arm over +X and a lamp head; its light hangs under the head."""
    h = rng.uniform(4.5, 6.0)
    b = MeshBuilder()
    b.cylinder((0, 0, 0), 0.08, h, _METAL, "Pole", segments=6)
    b.box((0.5, 0, h), (0.55, 0.05, 0.05), _METAL, "Pole")
    b.box((1.0, 0, h - 0.08), (0.25, 0.15, 0.08), (0.9, 0.85, 0.7), "Lamp")
    return Prop("Pole", b.build("street_lamp"), np.array([0.1, 0.1, h / 2]),
                [(np.array([1.0, 0.0, h - 0.3]), STREET_LAMP_LIGHT, 16.0)])


def floodlight(rng: np.random.Generator, height: float) -> Prop:
    """A stadium floodlight mast: a tall pole and a lamp bank facing +X (tilted to the pitch)."""
    b = MeshBuilder()
    b.cylinder((0, 0, 0), 0.35, height, (0.5, 0.5, 0.52), "Pole", segments=8, top_radius=0.2)
    b.box((0.4, 0, height + 1.2), (0.2, 2.5, 1.5), (0.95, 0.95, 0.9), "Lamp")
    return Prop("Pole", b.build("floodlight"), np.array([0.4, 0.4, height / 2]),
                [(np.array([2.0, 0.0, height]), FLOODLIGHT_LIGHT, 120.0)])


def traffic_light(rng: np.random.Generator) -> Prop:
    """A pole with a housing of three lamps facing +X."""
    b = MeshBuilder()
    b.cylinder((0, 0, 0), 0.07, 3.0, _METAL, "Pole", segments=6)
    b.box((0.1, 0, 3.35), (0.12, 0.17, 0.45), (0.05, 0.05, 0.05), "TrafficLight")
    for z, c in ((3.65, (0.9, 0.05, 0.02)), (3.35, (0.9, 0.6, 0.0)), (3.05, (0.05, 0.8, 0.1))):
        b.box((0.23, 0, z), (0.01, 0.1, 0.1), c, "TrafficLight")
    return Prop("TrafficLight", b.build("traffic_light"), np.array([0.15, 0.2, 1.9]))


def traffic_sign(rng: np.random.Generator) -> Prop:
    """A pole with a sign plate facing +X (round, square or triangular outline as a flat prism)."""
    b = MeshBuilder()
    b.cylinder((0, 0, 0), 0.04, 2.3, _METAL, "Pole", segments=6)
    kind = int(rng.integers(3))
    color = ((0.8, 0.05, 0.03), (0.05, 0.15, 0.6), (0.9, 0.8, 0.1))[kind]
    n = (12, 4, 3)[kind]
    a = np.pi / 2 + 2 * np.pi * np.arange(n) / n + (np.pi / 4 if n == 4 else 0.0)
    outline = 0.35 * np.column_stack([np.cos(a), np.sin(a)])
    # the plate is a prism in the local YZ plane: build flat along Z, then swap axes
    plate = MeshBuilder().prism(outline, 0.05, 0.08, color, "TrafficSign").build("plate")
    swap = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=np.float64)  # (x, y, z) -> (z, x, y)
    b.add(plate.positions @ swap.T + [0, 0, 2.3], plate.normals @ swap.T, plate.indices, plate.colors,
          "TrafficSign")
    return Prop("TrafficSign", b.build("traffic_sign"), np.array([0.1, 0.36, 1.3]))
