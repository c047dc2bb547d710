"""Props of a custom scene: built-in objects, users' mesh files and URDF models, with physics.

A prop is one instance (one row of the instance table, one semantic class) made of one or more
rigid parts. :class:`MeshProp` is a single rigid body (built-in props, OBJ/glTF files);
:class:`UrdfProp` loads a URDF model into PyBullet (its links move as the model's joints let them)
and draws each link's ``<visual>`` geometry. Units: metres, kilograms, radians; quaternions xyzw.
"""

from __future__ import annotations

import dataclasses
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from phav.api.meshes import MeshFileError, load_mesh
from phav.body.shapes import rounded_box, sphere
from phav.errors import SpecError
from phav.labels import class_id
from phav.take import Mesh
from phav.worlds.primitives import MeshBuilder

if TYPE_CHECKING:
    from phav.physics.world import World

#: Collision shapes a mesh prop may use.
COLLISIONS = ("box", "convex", "none")


def _quat(yaw: float = 0.0, quat=None) -> np.ndarray:
    if quat is not None:
        q = np.asarray(quat, dtype=np.float64).reshape(4)
        return q / np.linalg.norm(q)
    return np.array([0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)])


def _shifted(mesh: Mesh, offset: np.ndarray) -> Mesh:
    return dataclasses.replace(mesh, positions=mesh.positions - offset.astype(np.float32))


@dataclasses.dataclass
class MeshProp:
    """A rigid prop drawn with one mesh.

    Attributes:
        name: instance name (unique in the scene).
        semantic: PHAV class name (checked: an unknown name raises ``ValueError`` listing the valid ones).
        mesh: the mesh in the prop's own frame.
        position: ``(3,)`` world position of the prop's frame at the start, metres.
        quat: ``(4,)`` its world orientation, xyzw.
        mass: kg; 0 makes a static prop (it never moves).
        collision: ``box`` (the mesh's bounding box), ``convex`` (its convex hull) or ``none``.
        friction, restitution: contact properties.
        velocity: ``(3,)`` initial linear velocity, m/s (a thrown object).
        lights: local lights ``(offset (3,) in the prop frame, linear RGB colour, radius m)``, always on.
    """

    name: str
    semantic: str
    mesh: Mesh
    position: np.ndarray
    quat: np.ndarray
    mass: float = 0.0
    collision: str = "box"
    friction: float = 0.7
    restitution: float = 0.2
    velocity: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(3))
    lights: list = dataclasses.field(default_factory=list)
    body: int = -1

    def __post_init__(self) -> None:
        class_id(self.semantic)
        if self.collision not in COLLISIONS:
            raise ValueError(f"prop {self.name!r}: collision {self.collision!r} unknown; use one of {', '.join(COLLISIONS)}")
        if not self.mass >= 0:
            raise ValueError(f"prop {self.name!r}: mass must be >= 0 kg (0 = static), got {self.mass}")
        if self.collision == "none" and self.mass > 0:
            raise ValueError(f"prop {self.name!r}: a prop without collision would fall through the ground; "
                             "give it mass 0 or a collision shape")
        self.position = np.asarray(self.position, dtype=np.float64).reshape(3)
        self.quat = np.asarray(self.quat, dtype=np.float64).reshape(4)
        self.velocity = np.asarray(self.velocity, dtype=np.float64).reshape(3)
        # The physics body frame sits at the mesh's bounding-box centre (its centre of mass).
        lo, hi = self.mesh.positions.min(axis=0), self.mesh.positions.max(axis=0)
        self._center = (0.5 * (lo + hi)).astype(np.float64)
        self._half = np.maximum(0.5 * (hi - lo), 1e-3).astype(np.float64)

    def part_meshes(self) -> list[tuple[str, Mesh]]:
        """``(part name, mesh in the part frame)`` for each part (one here)."""
        return [(f"prop/{self.name}", _shifted(self.mesh, self._center))]

    def create(self, world: "World") -> None:
        """Add the prop's body to ``world``."""
        from phav.geometry import quat_rotate
        from phav.physics.bullet import pybullet

        c = world.client
        shape = -1
        if self.collision == "box":
            shape = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=self._half.tolist())
        elif self.collision == "convex":
            shape = c.createCollisionShape(pybullet.GEOM_MESH, vertices=(self.mesh.positions - self._center).tolist())
        start = self.position + quat_rotate(self.quat, self._center)
        self.body = c.createMultiBody(baseMass=float(self.mass), baseCollisionShapeIndex=shape,
                                      basePosition=start.tolist(), baseOrientation=self.quat.tolist())
        c.changeDynamics(self.body, -1, lateralFriction=float(self.friction), restitution=float(self.restitution))
        if self.mass > 0 and np.any(self.velocity):
            c.resetBaseVelocity(self.body, self.velocity.tolist())

    def poses(self, world: "World") -> list[tuple[np.ndarray, np.ndarray]]:
        """World ``(position (3,), quat (4,))`` of each part now."""
        p, q = world.client.getBasePositionAndOrientation(self.body)
        return [(np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64))]

    def world_lights(self) -> list[tuple[np.ndarray, tuple[float, float, float], float]]:
        """The prop's lights in world coordinates at its start pose."""
        from phav.geometry import quat_rotate

        return [(self.position + quat_rotate(self.quat, np.asarray(off, dtype=np.float64)), tuple(col), float(r))
                for off, col, r in self.lights]


# ---- built-in props ------------------------------------------------------------------------------
def _simple(kind: str, label: str, colour) -> Callable[[np.random.Generator, dict], tuple[str, Mesh, list]]:
    def build(rng: np.random.Generator, options: dict) -> tuple[str, Mesh, list]:
        size = options.get("size", (0.11,) if kind == "sphere" else (0.4, 0.4, 0.4))
        if kind == "sphere":
            p, n, t = sphere(float(size[0]))
            p = p + [0.0, 0.0, float(size[0])]  # stands on its lowest point
        else:
            p, n, t = rounded_box(size, 0.1 * min(size))
            p = p + [0.0, 0.0, 0.5 * float(size[2])]
        c = np.asarray(options.get("colour", colour), dtype=np.float32)
        mesh = Mesh(kind, p, n, np.tile(c, (len(p), 1)), np.full(len(p), class_id(label), np.uint8), t)
        return label, mesh, []
    return build


def _world_prop(factory: Callable) -> Callable[[np.random.Generator, dict], tuple[str, Mesh, list]]:
    def build(rng: np.random.Generator, options: dict) -> tuple[str, Mesh, list]:
        prop = factory(rng)
        return prop.label, prop.mesh, [(np.asarray(o), tuple(c), float(r)) for o, c, r in prop.lights]
    build.__doc__ = factory.__doc__
    return build


def _builtins() -> dict[str, Callable[[np.random.Generator, dict], tuple[str, Mesh, list]]]:
    from phav.worlds import furniture, props

    table = {"ball": _simple("sphere", "Ball", (0.8, 0.1, 0.05)), "box": _simple("box", "Misc", (0.45, 0.3, 0.15))}
    for module, names in ((props, ("car", "bus", "truck", "bench", "street_lamp", "traffic_light", "traffic_sign")),
                          (furniture, ("sofa", "chair", "table", "bed", "shelf", "floor_lamp", "fireplace", "screen",
                                       "fridge"))):
        for name in names:
            table[name] = _world_prop(getattr(module, name))
    return table


def builtin_prop_names() -> list[str]:
    """Names :func:`builtin_prop` accepts (``ball``, ``box``, vehicles, street furniture, furniture)."""
    return sorted(_builtins())


def builtin_prop(kind: str, rng: np.random.Generator, **options: Any) -> tuple[str, Mesh, list]:
    """A built-in prop's ``(semantic class, mesh standing on its origin facing +X, lights)``.

    ``ball`` and ``box`` accept ``size`` (``ball``: radius ``r`` or ``(r,)``; ``box``: full extents
    ``(3,)``; metres, each above 0) and ``colour`` (``(3,)`` linear RGB in ``[0, 1]``); the others
    draw their dimensions and colours from ``rng``.

    Raises:
        ValueError: unknown kind (the message lists the valid ones), or options the kind does not take.
        SpecError: a ``size`` that is not of that form (the message names the argument, its shape and unit).
    """
    return make_builtin_prop(kind, rng, options, caller="builtin_prop")


#: Form of ``size`` per built-in prop that takes one: (length, meaning with unit).
BUILTIN_SIZES = {"ball": (1, "the ball's radius (r,) in metres"), "box": (3, "the box's full extents (x, y, z) in metres")}


def _size(kind: str, size: Any, caller: str) -> tuple[float, ...]:
    """``size`` of built-in ``kind`` as positive finite metres (a ball's radius may be a bare number);
    a :class:`SpecError` naming ``caller``'s argument, its form and unit otherwise."""
    n, meaning = BUILTIN_SIZES[kind]
    try:
        given = np.asarray((size,) if kind == "ball" and np.ndim(size) == 0 else size)
        a = given.astype(np.float64) if given.dtype.kind in "biuf" else np.zeros(0)  # not "1" (a string)
    except (TypeError, ValueError):
        a = np.zeros(0)
    if a.shape != (n,) or not np.all(np.isfinite(a)) or not np.all(a > 0):
        raise SpecError(f"{caller}: {kind} size must be {meaning}, shape ({n},), each above 0; got {size!r}")
    return tuple(float(v) for v in a)


def make_builtin_prop(kind: str, rng: np.random.Generator, options: dict[str, Any],
                      caller: str) -> tuple[str, Mesh, list]:
    """:func:`builtin_prop` with its errors naming ``caller`` (``builtin_prop``, ``add_prop``): every
    way to a built-in prop checks its options here."""
    table = _builtins()
    if kind not in table:
        raise ValueError(f"unknown built-in prop {kind!r}; valid: {', '.join(sorted(table))} "
                         "(or give a mesh file .obj/.gltf/.glb, or a .urdf)")
    unknown = set(options) - {"size", "colour"}
    if unknown or (options and kind not in BUILTIN_SIZES):
        raise ValueError(f"built-in prop {kind!r} takes no options {sorted(options)}; only ball and box take size, colour")
    if "size" in options:
        options = {**options, "size": _size(kind, options["size"], caller)}
    return table[kind](rng, options)


# ---- URDF ----------------------------------------------------------------------------------------
def _origin(element: ET.Element | None) -> tuple[np.ndarray, np.ndarray]:
    """``(xyz (3,), rotation matrix (3, 3))`` of a URDF ``<origin>`` (fixed-axis roll, pitch, yaw)."""
    if element is None:
        return np.zeros(3), np.eye(3)
    xyz = np.array([float(v) for v in element.get("xyz", "0 0 0").split()])
    r, p, y = (float(v) for v in element.get("rpy", "0 0 0").split())
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    rot = np.array([[cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
                    [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
                    [-sp, cp * sr, cp * cr]])
    return xyz, rot


def _visual_mesh(path: Path, link: str, visual: ET.Element, semantic: str, colour, scale: float) -> Mesh | None:
    geometry = visual.find("geometry")
    if geometry is None or len(geometry) == 0:
        raise MeshFileError(f"{path}: link {link!r} has a <visual> without <geometry>")
    rgba = visual.find("material/color")
    c = tuple(float(v) for v in rgba.get("rgba").split()[:3]) if rgba is not None else colour
    shape = geometry[0]
    b = MeshBuilder()
    try:
        if shape.tag == "box":
            size = np.array([float(v) for v in shape.get("size").split()]) * scale
            b.box((0.0, 0.0, 0.0), size / 2, c, semantic, bottom=True)
            mesh = b.build(link)
        elif shape.tag == "sphere":
            p, n, t = sphere(float(shape.get("radius")) * scale)
            mesh = Mesh(link, p, n, np.tile(c, (len(p), 1)), np.full(len(p), class_id(semantic), np.uint8), t)
        elif shape.tag == "cylinder":
            length = float(shape.get("length")) * scale
            b.cylinder((0.0, 0.0, -length / 2), float(shape.get("radius")) * scale, length, c, semantic, segments=16)
            mesh = b.build(link)
        elif shape.tag == "mesh":
            s = np.array([float(v) for v in shape.get("scale", "1 1 1").split()]) * scale
            file = (path.parent / shape.get("filename", "").replace("package://", "")).resolve()
            mesh = load_mesh(file, semantic, colour=c, up="z")
            mesh = dataclasses.replace(mesh, positions=mesh.positions * s.astype(np.float32))
        else:
            raise MeshFileError(f"{path}: link {link!r}: unsupported visual geometry <{shape.tag}>; "
                                "use box, sphere, cylinder or mesh")
    except (TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, MeshFileError):
            raise
        raise MeshFileError(f"{path}: link {link!r}: malformed <{shape.tag}> geometry ({exc})") from None
    xyz, rot = _origin(visual.find("origin"))
    return dataclasses.replace(mesh, positions=mesh.positions @ rot.T + xyz * scale, normals=mesh.normals @ rot.T)


@dataclasses.dataclass
class UrdfProp:
    """A URDF model as a prop: PyBullet loads its links, joints, masses and collision shapes; each
    link with ``<visual>`` geometry (box, sphere, cylinder, OBJ mesh) is drawn as one part.

    ``fixed`` pins the base in place (``useFixedBase``); ``scale`` is PyBullet's ``globalScaling``.
    """

    name: str
    semantic: str
    path: Path
    position: np.ndarray
    quat: np.ndarray
    fixed: bool = False
    scale: float = 1.0
    colour: tuple[float, float, float] = (0.5, 0.5, 0.5)
    lights: list = dataclasses.field(default_factory=list)
    body: int = -1

    def __post_init__(self) -> None:
        class_id(self.semantic)
        self.path = Path(self.path)
        self.position = np.asarray(self.position, dtype=np.float64).reshape(3)
        self.quat = np.asarray(self.quat, dtype=np.float64).reshape(4)
        if not self.path.is_file():
            raise MeshFileError(f"URDF file {self.path} does not exist")
        try:
            root = ET.parse(self.path).getroot()
        except ET.ParseError as exc:
            line = exc.position[0] if exc.position else "?"
            raise MeshFileError(f"{self.path}:{line}: not valid XML ({exc.msg if hasattr(exc, 'msg') else exc})") from None
        if root.tag != "robot":
            raise MeshFileError(f"{self.path}: not a URDF (root element <{root.tag}>, expected <robot>)")
        self._links: dict[str, Mesh] = {}
        for link in root.findall("link"):
            name = link.get("name", "")
            visuals = [_visual_mesh(self.path, name, v, self.semantic, self.colour, self.scale)
                       for v in link.findall("visual")]
            if visuals:
                self._links[name] = _merge(name, visuals)
        if not self._links:
            raise MeshFileError(f"{self.path}: no link has <visual> geometry; nothing to draw")
        self._order: list[tuple[str, int]] = []  # (link name, PyBullet link index; -1 = base)

    def part_meshes(self) -> list[tuple[str, Mesh]]:
        return [(f"prop/{self.name}/{link}", mesh) for link, mesh in self._links.items()]

    def create(self, world: "World") -> None:
        c = world.client
        try:
            self.body = c.loadURDF(str(self.path), basePosition=self.position.tolist(),
                                   baseOrientation=self.quat.tolist(), useFixedBase=bool(self.fixed),
                                   globalScaling=float(self.scale))
        except Exception as exc:  # pybullet.error: the message says little; name the file
            raise MeshFileError(f"{self.path}: PyBullet could not load this URDF ({exc})") from None
        index = {c.getBodyInfo(self.body)[0].decode(): -1}
        for j in range(c.getNumJoints(self.body)):
            index[c.getJointInfo(self.body, j)[12].decode()] = j
        self._order = [(link, index[link]) for link in self._links]

    def poses(self, world: "World") -> list[tuple[np.ndarray, np.ndarray]]:
        """World pose of each drawn link's URDF frame."""
        from phav.geometry import quat_multiply, quat_rotate

        c = world.client
        out = []
        for _, k in self._order:
            if k >= 0:
                state = c.getLinkState(self.body, k, computeForwardKinematics=1)
                out.append((np.asarray(state[4], dtype=np.float64), np.asarray(state[5], dtype=np.float64)))
                continue
            # the base pose PyBullet reports is its inertial frame: go back to the URDF link frame
            p, q = (np.asarray(v, dtype=np.float64) for v in c.getBasePositionAndOrientation(self.body))
            ip, iq = (np.asarray(v, dtype=np.float64) for v in c.getDynamicsInfo(self.body, -1)[3:5])
            inv = np.array([-iq[0], -iq[1], -iq[2], iq[3]])
            q_link = quat_multiply(q, inv)
            out.append((p - quat_rotate(q_link, ip), q_link))
        return out

    def world_lights(self) -> list:
        return []


def _merge(name: str, meshes: list[Mesh]) -> Mesh:
    offsets = np.cumsum([0] + [len(m.positions) for m in meshes[:-1]])
    return Mesh(name, np.concatenate([m.positions for m in meshes]), np.concatenate([m.normals for m in meshes]),
                np.concatenate([m.colors for m in meshes]), np.concatenate([m.semantic for m in meshes]),
                np.concatenate([m.indices + o for m, o in zip(meshes, offsets)]))
