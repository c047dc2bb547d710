"""Cameras of a custom scene: the built-in rigs or explicit poses per frame, and re-viewing a take.

Anything with ``track(subject, fps, width, height, scene=None) -> CameraTrack`` is a camera: the
rigs of :mod:`phav.worlds.cameras` (``KiteRig``, ``TripodRig``, ...) and :class:`CameraPoses`.
:func:`view` gives a take seen through another camera, so one simulation renders from many.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from phav.camera import intrinsics, look_at, look_at_many
from phav.errors import SpecError
from phav.take import Take
from phav.worlds.cameras import CameraTrack

#: Field of view of explicit cameras when none is given, degrees (vertical).
DEFAULT_FOV_DEG = 50.0


@dataclasses.dataclass(frozen=True)
class CameraPoses:
    """A camera given explicitly, per frame or fixed.

    Attributes:
        world_to_camera: ``(4, 4)`` (fixed) or ``(T, 4, 4)`` float64, OpenCV camera frame (x right,
            y down, z forward), metres.
        K: ``(3, 3)`` or ``(T, 3, 3)`` pixel intrinsics for the output size; ``None`` derives them
            from ``vertical_fov_deg`` (square pixels, centred principal point).
        vertical_fov_deg: used when ``K`` is ``None``.
    """

    world_to_camera: np.ndarray
    K: np.ndarray | None = None
    vertical_fov_deg: float = DEFAULT_FOV_DEG

    def __post_init__(self) -> None:
        w2c = np.asarray(self.world_to_camera, dtype=np.float64)
        if w2c.shape[-2:] != (4, 4) or w2c.ndim not in (2, 3):
            raise ValueError(f"world_to_camera must be (4, 4) or (T, 4, 4), got {w2c.shape}")
        if not np.all(np.isfinite(w2c)):
            raise ValueError("world_to_camera has non-finite values")
        object.__setattr__(self, "world_to_camera", w2c)
        if self.K is not None:
            K = np.asarray(self.K, dtype=np.float64)
            if K.shape[-2:] != (3, 3) or K.ndim not in (2, 3):
                raise ValueError(f"K must be (3, 3) or (T, 3, 3), got {K.shape}")
            object.__setattr__(self, "K", K)
        if not 1.0 <= self.vertical_fov_deg <= 179.0:
            raise ValueError(f"vertical_fov_deg must be in [1, 179], got {self.vertical_fov_deg}")

    @classmethod
    def look_at(cls, eye: Sequence[float] | np.ndarray, target: Sequence[float] | np.ndarray,
                vertical_fov_deg: float = DEFAULT_FOV_DEG,
                up: Sequence[float] | np.ndarray = (0.0, 0.0, 1.0)) -> "CameraPoses":
        """A camera at ``eye`` looking at ``target`` (world points in metres, each ``(3,)`` for a
        fixed camera or ``(T, 3)`` per frame; one may be fixed while the other moves), with the world
        direction ``up`` (``(3,)`` or ``(T, 3)``, Z by default) up in the image; a camera looking
        straight down needs another, e.g. ``(0, 1, 0)``.

        Raises:
            SpecError: ``eye``, ``target`` or ``up`` is not ``(3,)`` or ``(T, 3)`` (the message names
                it), their frame counts differ, or an eye is on its target or looks along ``up``.
        """
        eye, target = _points("eye", eye), _points("target", target)
        up = _points("up", up, "a world direction (x, y, z)")
        try:
            if eye.ndim == 1 and target.ndim == 1:
                return cls(look_at(eye, target, up), vertical_fov_deg=vertical_fov_deg)
            return cls(look_at_many(eye, target, up), vertical_fov_deg=vertical_fov_deg)
        except SpecError:
            raise
        except ValueError as exc:
            raise SpecError(f"CameraPoses.look_at: {exc}") from None

    def track(self, subject: np.ndarray, fps: float, width: int, height: int, scene: Any = None) -> CameraTrack:
        """The poses for ``len(subject)`` frames (``subject`` is unused: the poses are explicit).

        Raises:
            ValueError: per-frame poses whose count is not the take's frame count.
        """
        T = len(subject)
        def per_frame(a: np.ndarray, what: str) -> np.ndarray:
            if a.ndim == 2:
                return np.repeat(a[None], T, axis=0)
            if len(a) != T:
                raise ValueError(f"camera {what} has {len(a)} frames but the take has {T}; give one per frame or one for all")
            return a.copy()
        K = self.K if self.K is not None else intrinsics(width, height, self.vertical_fov_deg)
        fixed = self.world_to_camera.ndim == 2
        params = {"kind": "CameraPoses", "fixed": fixed, "vertical_fov_deg": float(self.vertical_fov_deg)}
        if fixed:
            params["world_to_camera"] = self.world_to_camera.tolist()
        return CameraTrack(K=per_frame(K, "K"), world_to_camera=per_frame(self.world_to_camera, "world_to_camera"),
                           params=params)


def _points(what: str, value: Any, meaning: str = "(x, y, z) in metres") -> np.ndarray:
    """``value`` as ``(3,)`` or ``(T, 3)`` finite float64 world coordinates; a :class:`SpecError`
    naming ``what`` and its ``meaning`` otherwise."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        a = np.zeros(0)
    if a.ndim not in (1, 2) or a.shape[-1] != 3 or a.size == 0 or not np.all(np.isfinite(a)):
        raise SpecError(f"CameraPoses.look_at: {what} must be {meaning}, shape (3,) (fixed) or (T, 3) (per frame); "
                        f"got {value!r}")
    return a


def camera_kind_name(camera: Any) -> str:
    """``CameraPoses`` or the camera kind of a rig (``Kite``, ``Tripod``, ...)."""
    from phav.worlds.cameras import RIGS

    for kind, rig in RIGS.items():
        if type(camera) is rig:
            return kind.value
    return type(camera).__name__


def view(take: Take, camera: Any, *, actor: int = 0, width: int | None = None, height: int | None = None,
         scene: Any = None) -> Take:
    """``take`` seen through ``camera`` (a rig or :class:`CameraPoses`), optionally at another size.

    Following rigs track the pelvis of actor ``actor``; ``scene`` (a
    :class:`~phav.worlds.scene.StaticScene`) lets them keep out of geometry (a loaded take has
    none: cameras may then pass through walls). The take's arrays are shared, not copied.

    Raises:
        TypeError: ``camera`` has no ``track(...)`` (a kind name such as ``"Orbital"``: the message
            says how to make its rig).
        ValueError: no such actor, or a camera that does not fit the take (frame count).
    """
    if not callable(getattr(camera, "track", None)):
        raise TypeError(f"phav.view: camera must be a rig or CameraPoses (an object with track(...)), got "
                        f"{type(camera).__name__} {camera!r}; for a kind name draw its rig with "
                        "phav.worlds.cameras.sample_rig(phav.CameraKind.parse(name), rng), or add it with "
                        "Scene.add_camera(name) and use Scene.views(take)")
    if not 0 <= actor < len(take.actors):
        raise ValueError(f"take has {len(take.actors)} actors; actor {actor} does not exist")
    track = take.actors[actor]
    subject = track.joints_3d[:, list(track.joint_names).index("pelvis")]
    w, h = width or take.width, height or take.height
    cam = camera.track(subject, take.fps, w, h, scene)
    meta = dict(take.meta, camera=dict(cam.params, kind=camera_kind_name(camera)))
    return dataclasses.replace(take, width=w, height=h, camera_K=cam.K, camera_world_to_camera=cam.world_to_camera,
                               meta=meta).validate()
