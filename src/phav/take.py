"""Take: what a simulation produced, as plain numpy data. The renderer reads only this.

A take holds ``T`` frames of ``P`` rigid parts. Each part draws one :class:`Mesh` (in the part's
local frame) at its per-frame world pose. Cameras, lighting, the instance table and per-actor
tracks (joints and muscle state) complete it. ``Take.save``/``Take.load`` round-trip through one
``.npz`` file without pickling.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from phav.errors import DataError

TAKE_FORMAT_VERSION = 1


@dataclasses.dataclass
class Mesh:
    """A triangle mesh in its part's local frame.

    Attributes:
        name: label for errors and debugging.
        positions: ``(N, 3) float32`` metres.
        normals: ``(N, 3) float32`` unit vectors.
        colors: ``(N, 3) float32`` linear albedo in ``[0, 1]``.
        semantic: ``(N,) uint8`` semantic id per vertex (``labels.SEMANTIC_CLASSES``); a triangle's
            label is that of its first vertex, so regions should not share vertices across labels.
        indices: ``(M, 3) uint32`` triangles, counter-clockwise seen from outside.
        material: optional ``(N, 2) float32`` (roughness, metalness) in ``[0, 1]``; ``None`` means
            rough dielectric (:data:`DEFAULT_MATERIAL`).
    """

    name: str
    positions: np.ndarray
    normals: np.ndarray
    colors: np.ndarray
    semantic: np.ndarray
    indices: np.ndarray
    material: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.positions = np.ascontiguousarray(self.positions, dtype=np.float32).reshape(-1, 3)
        self.normals = np.ascontiguousarray(self.normals, dtype=np.float32).reshape(-1, 3)
        self.colors = np.ascontiguousarray(self.colors, dtype=np.float32).reshape(-1, 3)
        self.semantic = np.ascontiguousarray(self.semantic, dtype=np.uint8).reshape(-1)
        self.indices = np.ascontiguousarray(self.indices, dtype=np.uint32).reshape(-1, 3)
        n = len(self.positions)
        if self.material is not None:
            self.material = np.ascontiguousarray(self.material, dtype=np.float32).reshape(-1, 2)
            if len(self.material) != n:
                raise ValueError(f"mesh {self.name!r}: material has {len(self.material)} rows, positions {n}")
        for field in ("normals", "colors", "semantic"):
            if len(getattr(self, field)) != n:
                raise ValueError(f"mesh {self.name!r}: {field} has {len(getattr(self, field))} rows, positions {n}")
        if self.indices.size and int(self.indices.max()) >= n:
            raise ValueError(f"mesh {self.name!r}: index {int(self.indices.max())} out of range for {n} vertices")


#: (roughness, metalness) of meshes without a material.
DEFAULT_MATERIAL = (0.8, 0.0)


@dataclasses.dataclass
class Skin:
    """A mesh deformed by linear blend skinning (DESIGN §4): each vertex follows up to 4 bones.

    The skinned position of vertex ``v`` at frame ``t`` is
    ``sum_k weights[v, k] * pose_t[bone_parts[bones[v, k]]] @ inverse_bind[bones[v, k]] @ p_bind``
    with ``pose_t`` the part's world pose (``part_pos``/``part_quat``) as a 4x4. The skin belongs to
    the instance of its first bone part.

    Attributes:
        mesh: the surface in bind pose, world frame (``material`` optional as for any mesh).
        bone_parts: ``(B,) int32`` part index of each bone.
        inverse_bind: ``(B, 4, 4) float64`` world -> bone frame at bind pose.
        bones: ``(N, 4) uint16`` per-vertex bone indices into ``bone_parts``.
        weights: ``(N, 4) float32`` per-vertex weights, non-negative, summing to 1.
        closed: the surface is closed and every triangle is wound counter-clockwise seen from
            outside, so its back faces lie behind its front faces and the renderer may skip them
            (``RenderSettings.cull_skin_back_faces``). :func:`phav.body.skin.build_skin` makes
            closed skins; ``False`` (the default, for a mesh made otherwise) draws both sides.
    """

    mesh: Mesh
    bone_parts: np.ndarray
    inverse_bind: np.ndarray
    bones: np.ndarray
    weights: np.ndarray
    closed: bool = False

    def __post_init__(self) -> None:
        self.bone_parts = np.ascontiguousarray(self.bone_parts, dtype=np.int32).reshape(-1)
        self.inverse_bind = np.ascontiguousarray(self.inverse_bind, dtype=np.float64).reshape(-1, 4, 4)
        self.bones = np.ascontiguousarray(self.bones, dtype=np.uint16).reshape(-1, 4)
        self.weights = np.ascontiguousarray(self.weights, dtype=np.float32).reshape(-1, 4)
        n, b = len(self.mesh.positions), len(self.bone_parts)
        if len(self.inverse_bind) != b:
            raise ValueError(f"skin {self.mesh.name!r}: {len(self.inverse_bind)} inverse bind matrices for {b} bones")
        if len(self.bones) != n or len(self.weights) != n:
            raise ValueError(f"skin {self.mesh.name!r}: bones/weights need {n} rows (one per vertex)")
        if n and int(self.bones.max()) >= b:
            raise ValueError(f"skin {self.mesh.name!r}: bone index {int(self.bones.max())} out of range for {b} bones")
        if n and (self.weights.min() < 0 or not np.allclose(self.weights.sum(axis=1), 1.0, atol=1e-3)):
            raise ValueError(f"skin {self.mesh.name!r}: weights must be non-negative and sum to 1 per vertex")


@dataclasses.dataclass
class Instance:
    """One row of the per-video instance table (id 0 is background and is not listed)."""

    id: int
    name: str
    semantic_class: int
    color: tuple[int, int, int]


@dataclasses.dataclass
class ActorTrack:
    """Per-frame annotation data of one person.

    Attributes:
        name: actor name (e.g. the preset, ``Model_Default``).
        instance_id: the person's instance id.
        joint_names: ``J`` names of annotated joints (``head``, ``neck``, ``left_knee``, ...).
        joints_3d: ``(T, J, 3) float64`` world positions, metres.
        muscle_joints: ``Jm`` names of actuated joints.
        muscle_target: ``(T, Jm, 4) float64`` target local rotation (quaternion xyzw).
        muscle_actual: ``(T, Jm, 4) float64`` actual local rotation (quaternion xyzw).
        muscle_torque: ``(T, Jm, 3) float64`` applied motor torque, N m, in the joint frame.
        muscle_strength: ``(T, Jm) float64`` maximum torque, N m.
        pin_weight: ``(T,) float64`` weight of the root pin in ``[0, 1]``.
        muscle_damping: ``(T, Jm) float64`` joint damping, N m s/rad (torque ``-d * qdot`` per
            degree of freedom); ``None`` in takes recorded before damping was.
    """

    name: str
    instance_id: int
    joint_names: list[str]
    joints_3d: np.ndarray
    muscle_joints: list[str]
    muscle_target: np.ndarray
    muscle_actual: np.ndarray
    muscle_torque: np.ndarray
    muscle_strength: np.ndarray
    pin_weight: np.ndarray
    muscle_damping: np.ndarray | None = None


@dataclasses.dataclass
class Atmosphere:
    """Weather effects of a take, per frame (``T`` frames). Clear weather: zero fog, no precipitation.

    Attributes:
        fog_color: ``(T, 3) float64`` linear RGB radiance of the fog.
        fog_density: ``(T,) float64`` extinction at ground level, 1/m (0 = no fog).
        fog_height_falloff: ``(T,) float64`` exponential decay of the density with height, 1/m.
        precipitation: ``"none"``, ``"rain"`` or ``"snow"`` (drawn in the RGB images only).
        precipitation_rate: ``(T,) float64`` visual density of the precipitation in ``[0, 1]``.
        wind: ``(T, 3) float64`` wind velocity that drifts particles, m/s (world frame).
        wetness: ``(T,) float64`` surface wetness in ``[0, 1]`` (darker, more reflective ground).
    """

    fog_color: np.ndarray
    fog_density: np.ndarray
    fog_height_falloff: np.ndarray
    precipitation: str
    precipitation_rate: np.ndarray
    wind: np.ndarray
    wetness: np.ndarray

    @classmethod
    def clear(cls, frames: int) -> "Atmosphere":
        """No fog, no precipitation, dry surfaces."""
        zeros = np.zeros(frames)
        return cls(np.zeros((frames, 3)), zeros, zeros.copy(), "none", zeros.copy(),
                   np.zeros((frames, 3)), zeros.copy())

    def record(self) -> dict[str, Any]:
        """The values as a JSON-able record (``meta["atmosphere"]``, written into ``params.json``):
        ``precipitation`` and each array under its name, one value (``fog_color`` and ``wind`` a
        list of 3) where it is the same in every frame, else one per frame. Units as the attributes'."""
        out: dict[str, Any] = {"precipitation": self.precipitation}
        for name in _ATMOSPHERE_ARRAYS:
            values = np.asarray(getattr(self, name), dtype=np.float64)
            same = len(values) > 0 and bool(np.all(values == values[0]))
            out[name] = (values[0] if same else values).tolist()
        return out


_ATMOSPHERE_ARRAYS = ("fog_color", "fog_density", "fog_height_falloff", "precipitation_rate", "wind", "wetness")


@dataclasses.dataclass
class LocalLights:
    """Point lights (street lamps, room lamps, floodlights) of a take: ``N`` lights over ``T`` frames.

    Attributes:
        position: ``(T, N, 3) float64`` world positions, metres.
        color: ``(T, N, 3) float64`` linear RGB intensity (irradiance at 1 m, before falloff).
        radius: ``(N,) float64`` distance beyond which a light contributes nothing, metres.
    """

    position: np.ndarray
    color: np.ndarray
    radius: np.ndarray


_LIGHT_ARRAYS = ("position", "color", "radius")

_ACTOR_ARRAYS = ("joints_3d", "muscle_target", "muscle_actual", "muscle_torque", "muscle_strength", "pin_weight")
_MESH_ARRAYS = ("positions", "normals", "colors", "semantic", "indices")
_SKIN_ARRAYS = ("bone_parts", "inverse_bind", "bones", "weights")


@dataclasses.dataclass
class Take:
    """The simulated video, ready to render.

    Attributes:
        fps: frames per second.
        width, height: output size in pixels the cameras' ``K`` refers to.
        meshes: the meshes parts refer to.
        part_names: ``P`` part names.
        part_mesh: ``(P,) int32`` index into ``meshes``.
        part_instance: ``(P,) uint16`` instance id of each part (0 for stuff such as ground).
        part_pos: ``(T, P, 3) float64`` world position of each part frame, metres.
        part_quat: ``(T, P, 4) float64`` world orientation of each part frame, xyzw.
        camera_K: ``(T, 3, 3) float64`` OpenCV intrinsics per frame.
        camera_world_to_camera: ``(T, 4, 4) float64`` per frame.
        sun_direction: ``(T, 3) float64`` unit vector from the scene towards the sun.
        sun_color: ``(T, 3) float64`` linear RGB irradiance of the sun.
        sky_zenith, sky_horizon: ``(T, 3) float64`` linear RGB sky radiance at zenith and horizon.
        ambient: ``(T, 3) float64`` linear RGB ambient light.
        instances: the instance table.
        actors: one track per person.
        meta: JSON-able record (spec, clip, simulation settings, ...).
        atmosphere: fog, precipitation and wetness; ``None`` means clear weather.
        lights: local point lights; ``None`` means none.
        skins: skinned meshes (people) driven by the parts' poses; drawn in addition to the parts.
    """

    fps: float
    width: int
    height: int
    meshes: list[Mesh]
    part_names: list[str]
    part_mesh: np.ndarray
    part_instance: np.ndarray
    part_pos: np.ndarray
    part_quat: np.ndarray
    camera_K: np.ndarray
    camera_world_to_camera: np.ndarray
    sun_direction: np.ndarray
    sun_color: np.ndarray
    sky_zenith: np.ndarray
    sky_horizon: np.ndarray
    ambient: np.ndarray
    instances: list[Instance]
    actors: list[ActorTrack]
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    atmosphere: Atmosphere | None = None
    lights: LocalLights | None = None
    skins: list[Skin] = dataclasses.field(default_factory=list)

    @property
    def num_frames(self) -> int:
        """``T``: video frames in the take (the first axis of every per-frame array)."""
        return int(self.part_pos.shape[0])

    @property
    def num_parts(self) -> int:
        """``P``: rigid parts drawn (the second axis of ``part_pos``/``part_quat``; ``len(part_names)``)."""
        return len(self.part_names)

    def validate(self) -> "Take":
        """Check shapes and references; returns ``self``. Raises ``ValueError`` naming the field."""
        T, P = self.num_frames, self.num_parts
        expect = {
            "part_mesh": (P,),
            "part_instance": (P,),
            "part_pos": (T, P, 3),
            "part_quat": (T, P, 4),
            "camera_K": (T, 3, 3),
            "camera_world_to_camera": (T, 4, 4),
            "sun_direction": (T, 3),
            "sun_color": (T, 3),
            "sky_zenith": (T, 3),
            "sky_horizon": (T, 3),
            "ambient": (T, 3),
        }
        for name, shape in expect.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"take.{name} has shape {got}, expected {shape}")
        if self.atmosphere is not None:
            a = self.atmosphere
            for name, shape in (("fog_color", (T, 3)), ("fog_density", (T,)), ("fog_height_falloff", (T,)),
                                ("precipitation_rate", (T,)), ("wind", (T, 3)), ("wetness", (T,))):
                if np.shape(getattr(a, name)) != shape:
                    raise ValueError(f"take.atmosphere.{name} has shape {np.shape(getattr(a, name))}, expected {shape}")
            if a.precipitation not in ("none", "rain", "snow"):
                raise ValueError(f"take.atmosphere.precipitation is {a.precipitation!r}; use none, rain or snow")
        if self.lights is not None:
            n = len(self.lights.radius)
            for name in ("position", "color"):
                if np.shape(getattr(self.lights, name)) != (T, n, 3):
                    raise ValueError(f"take.lights.{name} has shape {np.shape(getattr(self.lights, name))}, expected {(T, n, 3)}")
        for skin in self.skins:
            if len(skin.bone_parts) and (skin.bone_parts.min() < 0 or skin.bone_parts.max() >= P):
                raise ValueError(f"take skin {skin.mesh.name!r} refers to a part that does not exist")
        if P and (self.part_mesh.min() < 0 or self.part_mesh.max() >= len(self.meshes)):
            raise ValueError("take.part_mesh refers to a mesh that does not exist")
        if not np.all(np.isfinite(self.part_pos)) or not np.all(np.isfinite(self.part_quat)):
            raise ValueError("take has non-finite part poses")
        self._check_rigid_cameras()
        ids = {inst.id for inst in self.instances}
        missing = set(int(i) for i in self.part_instance) - ids - {0}
        if missing:
            raise ValueError(f"take parts refer to instance ids {sorted(missing)} missing from the table")
        return self

    def _check_rigid_cameras(self, tolerance: float = 1e-6) -> None:
        """Every ``camera_world_to_camera`` is a rotation and a translation, with the bottom row
        (0, 0, 0, 1): the renderer builds model-views from the top three rows and adds that row back."""
        w2c = np.asarray(self.camera_world_to_camera, dtype=np.float64)
        if not np.all(np.isfinite(w2c)):
            raise ValueError("take.camera_world_to_camera has non-finite values")
        if len(w2c) == 0:
            return
        bottom = np.abs(w2c[:, 3] - np.array([0.0, 0.0, 0.0, 1.0])).max(axis=1)
        rot = w2c[:, :3, :3]
        skew = np.abs(rot @ rot.transpose(0, 2, 1) - np.eye(3)).max(axis=(1, 2))
        bad = np.flatnonzero((bottom > tolerance) | (skew > tolerance) | (np.linalg.det(rot) < 0))
        if len(bad):
            raise ValueError(
                f"take.camera_world_to_camera[{int(bad[0])}] is not rigid (a rotation, a translation and the "
                f"bottom row 0 0 0 1); build it with phav.camera.look_at or from a rotation and a position")

    # ---- .npz ---------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the take to one ``.npz`` file (no pickles)."""
        arrays: dict[str, np.ndarray] = {}
        for name in ("part_mesh", "part_instance", "part_pos", "part_quat", "camera_K",
                     "camera_world_to_camera", "sun_direction", "sun_color", "sky_zenith",
                     "sky_horizon", "ambient"):
            arrays[name] = np.asarray(getattr(self, name))
        for i, mesh in enumerate(self.meshes):
            for field in _MESH_ARRAYS:
                arrays[f"mesh{i}_{field}"] = getattr(mesh, field)
            if mesh.material is not None:
                arrays[f"mesh{i}_material"] = mesh.material
        for i, skin in enumerate(self.skins):
            for field in _MESH_ARRAYS:
                arrays[f"skin{i}_{field}"] = getattr(skin.mesh, field)
            if skin.mesh.material is not None:
                arrays[f"skin{i}_material"] = skin.mesh.material
            for field in _SKIN_ARRAYS:
                arrays[f"skin{i}_{field}"] = getattr(skin, field)
        for i, actor in enumerate(self.actors):
            for field in _ACTOR_ARRAYS:
                arrays[f"actor{i}_{field}"] = np.asarray(getattr(actor, field))
            if actor.muscle_damping is not None:
                arrays[f"actor{i}_muscle_damping"] = np.asarray(actor.muscle_damping)
        if self.atmosphere is not None:
            for field in _ATMOSPHERE_ARRAYS:
                arrays[f"atmosphere_{field}"] = np.asarray(getattr(self.atmosphere, field))
        if self.lights is not None:
            for field in _LIGHT_ARRAYS:
                arrays[f"lights_{field}"] = np.asarray(getattr(self.lights, field))
        header = {
            "format": TAKE_FORMAT_VERSION,
            "precipitation": None if self.atmosphere is None else self.atmosphere.precipitation,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "mesh_names": [m.name for m in self.meshes],
            "skin_names": [s.mesh.name for s in self.skins],
            "skin_closed": [bool(s.closed) for s in self.skins],
            "part_names": list(self.part_names),
            "instances": [dataclasses.asdict(inst) for inst in self.instances],
            "actors": [
                {"name": a.name, "instance_id": a.instance_id, "joint_names": list(a.joint_names),
                 "muscle_joints": list(a.muscle_joints)}
                for a in self.actors
            ],
            "meta": self.meta,
        }
        arrays["header"] = np.array(json.dumps(header, sort_keys=True))
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> "Take":
        """Read a take written by :meth:`save`.

        Raises:
            DataError (a ``ValueError``): the file is not a complete take of this format version
                (another file, a truncated or corrupt one); the message names it.
            OSError: the file cannot be read.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls._from_arrays(path, data)
        except DataError:
            raise
        except (zipfile.BadZipFile, EOFError, zlib.error, KeyError, ValueError) as exc:
            # numpy takes any file that is not an .npz or .npy for a pickle, which a take never is:
            # its advice to load it unsafely (allow_pickle) does not apply
            why = ("not an .npz archive" if "allow_pickle" in str(exc)
                   else f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
            raise DataError(f"{path} is not a complete phav take ({why}); it may be truncated or another kind of "
                            "file: save the take again") from None

    @classmethod
    def _from_arrays(cls, path: str | Path, data: Any) -> "Take":
        """The take in ``data`` (the arrays of an open ``.npz``, by name) read from ``path``."""
        if "header" not in data:
            raise DataError(f"{path}: not a phav take (no header)")
        header = json.loads(str(data["header"]))
        if header.get("format") != TAKE_FORMAT_VERSION:
            raise DataError(f"{path}: take format {header.get('format')}, expected {TAKE_FORMAT_VERSION}")

        def optional(key: str) -> np.ndarray | None:
            return data[key] if key in data else None

        meshes = [
            Mesh(name, *(data[f"mesh{i}_{f}"] for f in _MESH_ARRAYS), material=optional(f"mesh{i}_material"))
            for i, name in enumerate(header["mesh_names"])
        ]
        names = header.get("skin_names", [])  # takes written before skins existed have none
        closed = header.get("skin_closed", [False] * len(names))  # ... or no closed marks: both sides drawn
        skins = [
            Skin(Mesh(name, *(data[f"skin{i}_{f}"] for f in _MESH_ARRAYS), material=optional(f"skin{i}_material")),
                 **{f: data[f"skin{i}_{f}"] for f in _SKIN_ARRAYS}, closed=bool(closed[i]))
            for i, name in enumerate(names)
        ]
        actors = [
            ActorTrack(
                name=a["name"], instance_id=a["instance_id"], joint_names=a["joint_names"],
                muscle_joints=a["muscle_joints"],
                **{f: data[f"actor{i}_{f}"] for f in _ACTOR_ARRAYS},
                muscle_damping=optional(f"actor{i}_muscle_damping"),
            )
            for i, a in enumerate(header["actors"])
        ]
        instances = [
            Instance(d["id"], d["name"], d["semantic_class"], tuple(d["color"]))
            for d in header["instances"]
        ]
        atmosphere = None
        if header.get("precipitation") is not None:
            atmosphere = Atmosphere(
                precipitation=header["precipitation"],
                **{f: data[f"atmosphere_{f}"] for f in _ATMOSPHERE_ARRAYS},
            )
        lights = None
        if "lights_radius" in data:
            lights = LocalLights(**{f: data[f"lights_{f}"] for f in _LIGHT_ARRAYS})
        return cls(
            fps=header["fps"], width=header["width"], height=header["height"], meshes=meshes,
            part_names=header["part_names"], part_mesh=data["part_mesh"],
            part_instance=data["part_instance"], part_pos=data["part_pos"],
            part_quat=data["part_quat"], camera_K=data["camera_K"],
            camera_world_to_camera=data["camera_world_to_camera"],
            sun_direction=data["sun_direction"], sun_color=data["sun_color"],
            sky_zenith=data["sky_zenith"], sky_horizon=data["sky_horizon"],
            ambient=data["ambient"], instances=instances, actors=actors, meta=header["meta"],
            atmosphere=atmosphere, lights=lights, skins=skins,
        )
