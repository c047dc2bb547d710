"""Shaped props of the action recipes: held tools (bat, golf club, gun, hair brush) and placed
fixtures (chair, bench, sofa, pull-up bar), each a rigid body made of boxes with its own render mesh.

A :class:`ShapedProp` is a :class:`phav.physics.variations.Prop` whose collision shape is a compound
of boxes and whose mesh (``mesh``, in the body frame) the scenario records instead of the plain
sphere/box mesh. Held tools have their body frame at the grip, their length along local +x.
Fixtures have their body frame on the floor (z = 0) and face +x, like :mod:`phav.worlds.props`.
All sizes are metres; ``scale`` shrinks furniture for children.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.physics.bullet import pybullet
from phav.physics.variations import Prop
from phav.physics.world import World
from phav.take import Mesh
from phav.worlds.furniture import chair, sofa
from phav.worlds.primitives import MeshBuilder
from phav.worlds.props import bench

#: A box of a shaped prop: centre ``(3,)``, half extents ``(3,)``, linear RGB colour.
Part = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]


@dataclasses.dataclass
class ShapedProp(Prop):
    """A prop made of boxes (``parts``), collision and mesh alike, unless ``mesh`` is given (then
    ``parts`` are only its collision boxes). ``kind`` is ``compound`` and ``size`` its bounding extents."""

    parts: list = dataclasses.field(default_factory=list)
    mesh: Mesh | None = None

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError(f"shaped prop {self.name!r} needs at least one box part")
        if self.mesh is None:
            b = MeshBuilder()
            for centre, half, colour in self.parts:
                b.box(centre, half, colour, self.semantic, bottom=True)
            self.mesh = b.build(self.name)

    def create(self, world: World, position: np.ndarray, velocity: np.ndarray | None = None) -> int:
        c = world.client
        shape = c.createCollisionShapeArray([pybullet.GEOM_BOX] * len(self.parts),
                                            halfExtents=[list(h) for _, h, _ in self.parts],
                                            collisionFramePositions=[list(p) for p, _, _ in self.parts])
        self.body = c.createMultiBody(baseMass=self.mass, baseCollisionShapeIndex=shape,
                                      basePosition=np.asarray(position, dtype=float).tolist())
        c.changeDynamics(self.body, -1, lateralFriction=0.8, restitution=0.1)
        if velocity is not None:
            c.resetBaseVelocity(self.body, np.asarray(velocity, dtype=float).tolist())
        return self.body


def _shaped(name: str, semantic: str, parts: list[Part], mass: float, colour, mesh: Mesh | None = None) -> ShapedProp:
    lo = np.min([np.subtract(p, h) for p, h, _ in parts], axis=0)
    hi = np.max([np.add(p, h) for p, h, _ in parts], axis=0)
    return ShapedProp(name, semantic, "compound", tuple(float(x) for x in hi - lo), tuple(colour), mass,
                      parts=parts, mesh=mesh)


# ---- held tools (grip at the origin, length along +x) -------------------------------------------
def baseball_bat(rng: np.random.Generator, scale: float = 1.0) -> ShapedProp:
    """A bat of 0.75-0.85 m (times ``scale``): a thin handle, then a thicker barrel."""
    length = float(rng.uniform(0.75, 0.85)) * scale
    wood = tuple(float(x) for x in rng.uniform([0.45, 0.28, 0.12], [0.7, 0.5, 0.3]))
    parts = [((0.2 * length, 0.0, 0.0), (0.3 * length, 0.016, 0.016), wood),
             ((0.75 * length, 0.0, 0.0), (0.25 * length, 0.032, 0.032), wood)]
    return _shaped("bat", "BaseballBat", parts, 0.9 * scale, wood)


def golf_club(rng: np.random.Generator, scale: float = 1.0) -> ShapedProp:
    """A club of 0.9-1.05 m (times ``scale``): grip, steel shaft, a head at the far end."""
    length = float(rng.uniform(0.9, 1.05)) * scale
    grip, steel, head = (0.05, 0.05, 0.05), (0.6, 0.6, 0.62), (0.25, 0.25, 0.28)
    parts = [((0.07 * length, 0.0, 0.0), (0.1 * length, 0.013, 0.013), grip),
             ((0.55 * length, 0.0, 0.0), (0.4 * length, 0.006, 0.006), steel),
             ((length, 0.03, 0.0), (0.025, 0.05, 0.02), head)]
    return _shaped("club", "GolfClub", parts, 0.35, steel)


def gun(rng: np.random.Generator) -> ShapedProp:
    """A pistol held in the fist: the grip along local x, the barrel along local -z (the forearm's
    direction, so it points where the straight arm points) just above the fist."""
    metal = tuple(float(x) for x in rng.uniform(0.03, 0.12, 3))
    barrel = float(rng.uniform(0.14, 0.2))
    parts = [((0.0, 0.0, 0.0), (0.05, 0.016, 0.02), metal),
             ((0.04, 0.0, -0.02 - barrel / 2), (0.018, 0.014, barrel / 2 + 0.02), metal)]
    return _shaped("gun", "Gun", parts, 0.8, metal)


def hair_brush(rng: np.random.Generator) -> ShapedProp:
    """A brush: a handle along +x and a wider head with bristles on its -z side."""
    colour = tuple(float(x) for x in rng.uniform(0.1, 0.9, 3))
    parts = [((0.05, 0.0, 0.0), (0.06, 0.012, 0.008), colour),
             ((0.16, 0.0, 0.0), (0.05, 0.03, 0.012), colour),
             ((0.16, 0.0, -0.02), (0.045, 0.026, 0.01), (0.05, 0.05, 0.05))]
    return _shaped("brush", "HairBrush", parts, 0.12, colour)


# ---- fixtures (on the floor, facing +x) ---------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Seat:
    """A seat fixture: the prop, the height of its sitting surface and how far its front edge lies
    ahead of the prop's origin (metres, already scaled)."""

    prop: ShapedProp
    top: float
    front: float


def _scaled_mesh(mesh: Mesh, scale: float, yaw: float = 0.0) -> Mesh:
    c, s = np.cos(yaw), np.sin(yaw)
    r = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    return dataclasses.replace(mesh, positions=(np.asarray(mesh.positions) * scale) @ r.T,
                               normals=np.asarray(mesh.normals) @ r.T)


def seat(kind: str, rng: np.random.Generator, scale: float = 1.0) -> Seat:
    """A chair, bench or sofa from :mod:`phav.worlds` (its mesh), scaled by ``scale``, with box
    colliders for the seat block and the backrest (the legs' gaps are filled: nothing passes under).

    Raises:
        ValueError: unknown kind (valid: chair, bench, sofa).
    """
    k = scale
    if kind == "chair":
        built, top, front = chair(rng), 0.485 * k, 0.23 * k
        parts = [((0.0, 0.0, 0.2425 * k), (0.23 * k, 0.23 * k, 0.2425 * k), (0, 0, 0)),
                 ((-0.21 * k, 0.0, 0.75 * k), (0.02 * k, 0.22 * k, 0.27 * k), (0, 0, 0))]
        mesh = _scaled_mesh(built.mesh, k)
    elif kind == "bench":  # a park bench is built facing +y: turn it to face +x
        built, top, front = bench(rng), 0.48 * k, 0.22 * k
        half_len = float(built.half[0]) * k
        parts = [((0.0, 0.0, 0.24 * k), (0.22 * k, half_len, 0.24 * k), (0, 0, 0)),
                 ((-0.2 * k, 0.0, 0.75 * k), (0.03 * k, half_len, 0.2 * k), (0, 0, 0))]
        mesh = _scaled_mesh(built.mesh, k, yaw=-np.pi / 2)
    elif kind == "sofa":
        built, top, front = sofa(rng), 0.44 * k, 0.45 * k
        half_len = float(built.half[1]) * k
        parts = [((0.0, 0.0, 0.22 * k), (0.45 * k, half_len, 0.22 * k), (0, 0, 0)),
                 ((-0.33 * k, 0.0, 0.6 * k), (0.12 * k, half_len, 0.38 * k), (0, 0, 0))]
        mesh = _scaled_mesh(built.mesh, k)
    else:
        raise ValueError(f"unknown seat kind {kind!r}; valid: chair, bench, sofa")
    label = built.label
    return Seat(_shaped(kind, label, parts, 0.0, (0.3, 0.2, 0.1), mesh=mesh), top, front)


def pull_up_bar(height: float, width: float, rng: np.random.Generator) -> ShapedProp:
    """A horizontal bar at ``height`` (its top, metres) along y between two posts, origin on the floor."""
    metal = tuple(float(x) for x in rng.uniform(0.2, 0.5, 3))
    r = 0.02
    parts = [((0.0, 0.0, height - r), (r, width / 2, r), metal)]
    parts += [((0.0, s * (width / 2 + 0.03), (height + 0.1) / 2), (0.03, 0.03, (height + 0.1) / 2), metal)
              for s in (-1.0, 1.0)]
    return _shaped("bar", "Misc", parts, 0.0, metal)
