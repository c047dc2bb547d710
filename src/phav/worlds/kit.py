"""SceneKit: the workbench environment builders assemble a :class:`StaticScene` with.

It holds the stuff meshes (ground, buildings, trees: instance 0), the placed props (instances),
colliders, lights and the 2D layout that keeps the actor's corridor free.
"""

from __future__ import annotations

import numpy as np

from phav.take import Mesh
from phav.worlds.primitives import MeshBuilder, yaw_matrix
from phav.worlds.props import Prop
from phav.worlds.scene import Collider, Layout, SceneLight, SceneObject, StaticScene


class SceneKit:
    """Accumulates a scene around an actor start ``(2,)`` and heading (radians)."""

    def __init__(self, start, heading: float) -> None:
        self.start = np.asarray(start, dtype=np.float64)
        self.heading = float(heading)
        self.layout = Layout(self.start, self.heading)
        self.stuff = MeshBuilder()
        self.meshes: list[tuple[str, Mesh]] = []
        self.objects: list[SceneObject] = []
        self.colliders: list[Collider] = []
        self.lights: list[SceneLight] = []
        self.camera_blockers: list[Collider] = []
        self.barriers: list[Collider] = []
        self._counts: dict[str, int] = {}

    def solid(self, center, half, yaw: float = 0.0, gap: float = 0.1, force: bool = False) -> bool:
        """Claim a footprint and add a collision box (``center, half (3,)``); returns whether placed.

        With ``force`` the footprint is claimed without checking it (walls, fixed structures).
        """
        center, half = np.asarray(center, dtype=np.float64), np.asarray(half, dtype=np.float64)
        if force:
            self.layout.footprints.append((center[:2].copy(), half[:2].copy(), float(yaw)))
        elif not self.layout.place(center, half, yaw, gap):
            return False
        self.colliders.append(Collider(tuple(center), tuple(half), float(yaw)))
        return True

    def prop(self, prop: Prop, position, yaw: float = 0.0, gap: float = 0.1, force: bool = False) -> bool:
        """Place ``prop`` with its origin at ``position`` (2 or 3 values) turned by ``yaw``.

        Skipped (returns False) when its footprint overlaps something placed or the corridor.
        """
        pos = np.zeros(3)
        pos[: len(position)] = position
        if not self.solid(pos + [0, 0, prop.half[2]], prop.half, yaw, gap, force):
            return False
        n = self._counts.get(prop.label, 0)
        self._counts[prop.label] = n + 1
        self.objects.append(SceneObject(f"{prop.label.lower()}_{n}", prop.label, prop.mesh, pos, float(yaw)))
        rot = yaw_matrix(yaw)
        for offset, color, radius in prop.lights:
            self.light(pos + rot @ offset, color, radius)
        return True

    def light(self, position, color, radius: float, when: str = "dark") -> None:
        self.lights.append(SceneLight(tuple(float(v) for v in position), tuple(float(c) for c in color),
                                      float(radius), when))

    def add_mesh(self, name: str, mesh: Mesh) -> None:
        self.meshes.append((name, mesh))

    def finish(self, params: dict, indoor: bool = False, camera_anchors: np.ndarray | None = None) -> StaticScene:
        """The scene: stuff meshes (the builder's content as ``"structures"``), objects and the rest."""
        meshes = list(self.meshes)
        if not self.stuff.empty:
            meshes.append(("structures", self.stuff.build("structures")))
        return StaticScene(
            meshes=meshes, start_position=self.start.copy(), start_heading=self.heading, params=params,
            objects=self.objects, colliders=self.colliders, lights=self.lights, indoor=indoor,
            camera_anchors=np.zeros((0, 3)) if camera_anchors is None else np.asarray(camera_anchors, float),
            camera_blockers=self.camera_blockers, barriers=self.barriers,
        )
