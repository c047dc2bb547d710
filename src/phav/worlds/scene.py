"""StaticScene: what an environment contributes to a video (meshes, objects, collision, lights).

Also the 2D layout helper environments use to keep the actor's walking corridor free, and the
geometric queries camera rigs use to stay out of geometry. Units: metres, radians, Z up.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from phav.take import Mesh
from phav.worlds.primitives import yaw_matrix

if TYPE_CHECKING:  # worlds -> physics is allowed; imported lazily so building a scene needs no PyBullet
    from phav.physics import World

#: The actor's corridor: free ground this far ahead of the start (the actions walk forward), metres.
CORRIDOR_AHEAD = 6.0
#: ... and this far behind and to each side of the walking line, metres.
CORRIDOR_BEHIND = 1.0
CORRIDOR_HALF_WIDTH = 1.0


def yaw_quat(yaw: float) -> np.ndarray:
    """``(4,)`` xyzw quaternion turning by ``yaw`` radians about +Z."""
    return np.array([0.0, 0.0, np.sin(yaw / 2), np.cos(yaw / 2)])


@dataclasses.dataclass(frozen=True)
class Collider:
    """A static collision box: centre ``(3,)``, half extents ``(3,)``, turned by ``yaw`` about +Z."""

    center: tuple[float, float, float]
    half: tuple[float, float, float]
    yaw: float = 0.0

    def contains(self, points: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """``(N,) bool``: which of ``points (N, 3)`` lie inside the box grown by ``margin``."""
        local = (np.asarray(points, dtype=np.float64).reshape(-1, 3) - self.center) @ yaw_matrix(self.yaw)
        return np.all(np.abs(local) <= np.asarray(self.half) + margin, axis=1)

    def ray_entry(self, origins: np.ndarray, ends: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """For segments ``origins -> ends`` (``(N, 3)`` each), the fraction in ``[0, 1]`` where each
        first enters the box grown by ``margin``; ``inf`` where it does not (or starts inside)."""
        rot = yaw_matrix(self.yaw)
        o = (np.asarray(origins, dtype=np.float64) - self.center) @ rot
        d = (np.asarray(ends, dtype=np.float64) - self.center) @ rot - o
        half = np.asarray(self.half) + margin
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (-half - o) / d
            t2 = (half - o) / d
        # a segment parallel to a slab: unconstrained by it inside, never entering it outside
        t1 = np.where(d == 0, np.where(np.abs(o) <= half, -np.inf, np.inf), t1)
        t2 = np.where(d == 0, np.where(np.abs(o) <= half, np.inf, np.inf), t2)
        near = np.max(np.minimum(t1, t2), axis=1)
        far = np.min(np.maximum(t1, t2), axis=1)
        hit = (near <= far) & (near > 0.0) & (near <= 1.0)
        return np.where(hit, near, np.inf)


@dataclasses.dataclass
class SceneObject:
    """A static object with its own instance id (car, bench, sofa, ...).

    Attributes:
        name: unique name within the scene (``car_3``); the instance table's name.
        label: PHAV class name of the object (its instance's semantic class).
        mesh: the object's mesh in its local frame (origin on the ground, facing +X).
        position: ``(3,)`` world position of the local origin, metres.
        yaw: rotation about +Z, radians.
    """

    name: str
    label: str
    mesh: Mesh
    position: np.ndarray
    yaw: float

    @property
    def quat(self) -> np.ndarray:
        """``(4,)`` xyzw orientation."""
        return yaw_quat(self.yaw)


@dataclasses.dataclass(frozen=True)
class SceneLight:
    """A local point light. ``when`` is ``"dark"`` (on at dusk and night) or ``"always"`` (indoors).

    ``color`` is linear RGB intensity (irradiance at 1 m), ``radius`` the cut-off distance, metres.
    """

    position: tuple[float, float, float]
    color: tuple[float, float, float]
    radius: float
    when: str = "dark"


@dataclasses.dataclass
class StaticScene:
    """What an environment contributes to a video.

    Attributes:
        meshes: ``(name, mesh)`` pairs drawn at the identity pose (stuff: no instance id).
        start_position: ``(2,)`` free, walkable ground where the actor starts, metres.
        start_heading: the actor's initial heading, radians about +Z from +X.
        params: the sampled values, for ``params.json``.
        objects: static objects that get instance ids.
        colliders: static collision boxes (added to the physics world; cameras keep out of them).
        lights: local lights (street lamps, floodlights, room lamps).
        indoor: True when the scene is enclosed (no sky, no sun, no weather inside).
        camera_anchors: ``(K, 3)`` fixed camera positions (room corners) for the Indoor rig.
        camera_blockers: boxes cameras keep out of that have no collision (tree crowns).
        barriers: low collision boxes cameras see over (the lake's shore wall): in the physics world
            and in :meth:`blocked` (no camera stands inside one), not in :meth:`first_hit` (they never
            hide the actor or pull a camera in). Every rig's camera is higher than these.
    """

    meshes: list[tuple[str, Mesh]]
    start_position: np.ndarray
    start_heading: float
    params: dict[str, float]
    objects: list[SceneObject] = dataclasses.field(default_factory=list)
    colliders: list[Collider] = dataclasses.field(default_factory=list)
    lights: list[SceneLight] = dataclasses.field(default_factory=list)
    indoor: bool = False
    camera_anchors: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 3)))
    camera_blockers: list[Collider] = dataclasses.field(default_factory=list)
    barriers: list[Collider] = dataclasses.field(default_factory=list)

    @property
    def num_triangles(self) -> int:
        return sum(len(m.indices) for _, m in self.meshes) + sum(len(o.mesh.indices) for o in self.objects)

    def blocked(self, points: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """``(N,) bool``: points inside any collider, camera blocker or barrier grown by ``margin`` (or
        below the ground)."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        out = points[:, 2] < margin
        for c in self.colliders + self.camera_blockers + self.barriers:
            out |= c.contains(points, margin)
        return out

    def first_hit(self, origins: np.ndarray, ends: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """``(N,)`` fraction along each segment where it first enters a collider (``inf``: none)."""
        out = np.full(len(origins), np.inf)
        for c in self.colliders + self.camera_blockers:
            out = np.minimum(out, c.ray_entry(origins, ends, margin))
        return out

    def add_to_world(self, world: "World", friction: float = 0.9) -> list[int]:
        """Add every collider and barrier to ``world`` as a static PyBullet box; returns the body ids
        (colliders first, then barriers)."""
        from phav.physics.bullet import pybullet

        client = world.client
        ids = []
        for c in self.colliders + self.barriers:
            shape = client.createCollisionShape(pybullet.GEOM_BOX, halfExtents=list(c.half))
            body = client.createMultiBody(
                baseMass=0.0, baseCollisionShapeIndex=shape, basePosition=list(c.center),
                baseOrientation=yaw_quat(c.yaw).tolist(),
            )
            client.changeDynamics(body, -1, lateralFriction=friction, restitution=0.0)
            ids.append(body)
        return ids


def _rect_corners(center: np.ndarray, half: np.ndarray, yaw: float) -> np.ndarray:
    rot = yaw_matrix(yaw)[:2, :2]
    unit = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
    return (unit * half) @ rot.T + center


def rects_overlap(a: tuple[np.ndarray, np.ndarray, float], b: tuple[np.ndarray, np.ndarray, float]) -> bool:
    """Separating-axis test of two oriented rectangles ``(center (2,), half (2,), yaw)``."""
    ca, cb = _rect_corners(*a), _rect_corners(*b)
    for yaw in (a[2], b[2]):
        for axis in yaw_matrix(yaw)[:2, :2].T:
            pa, pb = ca @ axis, cb @ axis
            if pa.max() < pb.min() or pb.max() < pa.min():
                return False
    return True


class Layout:
    """2D footprints placed so far, and the actor's reserved corridor; placement rejects overlaps.

    The corridor runs from ``CORRIDOR_BEHIND`` behind the start to ``CORRIDOR_AHEAD`` ahead of it,
    ``CORRIDOR_HALF_WIDTH`` to each side of the walking line.
    """

    def __init__(self, start: np.ndarray, heading: float) -> None:
        self.start = np.asarray(start, dtype=np.float64)
        self.heading = float(heading)
        forward = np.array([np.cos(heading), np.sin(heading)])
        mid = self.start + forward * (CORRIDOR_AHEAD - CORRIDOR_BEHIND) / 2
        half = np.array([(CORRIDOR_AHEAD + CORRIDOR_BEHIND) / 2, CORRIDOR_HALF_WIDTH])
        self.corridor = (mid, half, self.heading)
        self.footprints: list[tuple[np.ndarray, np.ndarray, float]] = [self.corridor]

    def free(self, center, half, yaw: float = 0.0, gap: float = 0.1) -> bool:
        """True when a rectangle (grown by ``gap``) overlaps nothing placed so far."""
        rect = (np.asarray(center, dtype=np.float64)[:2], np.asarray(half, dtype=np.float64)[:2] + gap, yaw)
        centers = np.array([f[0] for f in self.footprints])
        halves = np.array([f[1] for f in self.footprints])
        radii = np.hypot(halves[:, 0], halves[:, 1])
        near = np.linalg.norm(centers - rect[0], axis=1) <= radii + np.hypot(*rect[1])  # bounding circles
        return not any(rects_overlap(rect, self.footprints[i]) for i in np.flatnonzero(near))

    def place(self, center, half, yaw: float = 0.0, gap: float = 0.1) -> bool:
        """Claim the rectangle if :meth:`free`; returns whether it was placed."""
        if not self.free(center, half, yaw, gap):
            return False
        self.footprints.append((np.asarray(center, dtype=np.float64)[:2].copy(),
                                np.asarray(half, dtype=np.float64)[:2].copy(), float(yaw)))
        return True

    def in_corridor(self, center, half, yaw: float = 0.0) -> bool:
        """True when a rectangle touches the actor's corridor."""
        return rects_overlap((np.asarray(center, dtype=np.float64)[:2], np.asarray(half)[:2], yaw), self.corridor)
