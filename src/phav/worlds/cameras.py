"""Camera rigs: per-frame intrinsics and extrinsics computed from the simulated subject's track."""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.camera import intrinsics, look_at
from phav.spec import CameraKind


@dataclasses.dataclass(frozen=True)
class CameraTrack:
    """Per-frame camera: ``K (T, 3, 3)`` and ``world_to_camera (T, 4, 4)``, float64."""

    K: np.ndarray
    world_to_camera: np.ndarray
    params: dict[str, float]


@dataclasses.dataclass(frozen=True)
class KiteRig:
    """Follows the subject from a sampled distance, height and azimuth with a smoothed lag.

    The camera position is the subject's smoothed position plus a fixed world offset; it looks at
    the smoothed position raised by ``aim_height``. Smoothing is a critically damped spring with time
    constant ``lag`` seconds, started at rest on the subject, so the camera trails the subject a
    little when it speeds up, as a kite on a string would.
    """

    distance: float
    height: float
    azimuth: float
    vertical_fov_deg: float
    lag: float
    aim_height: float

    @classmethod
    def sample(cls, rng: np.random.Generator) -> "KiteRig":
        """Distance 3.5-6 m, height 1.0-2.4 m, any azimuth, vertical FOV 40-55 degrees."""
        return cls(
            distance=float(rng.uniform(3.5, 6.0)),
            height=float(rng.uniform(1.0, 2.4)),
            azimuth=float(rng.uniform(-np.pi, np.pi)),
            vertical_fov_deg=float(rng.uniform(40.0, 55.0)),
            lag=float(rng.uniform(0.3, 0.8)),
            aim_height=float(rng.uniform(-0.1, 0.2)),
        )

    def track(self, subject: np.ndarray, fps: float, width: int, height: int) -> CameraTrack:
        """Camera per frame for a subject path ``(T, 3)`` (e.g. the pelvis), metres."""
        subject = np.asarray(subject, dtype=np.float64)
        smooth = critically_damped(subject, 1.0 / fps, self.lag)
        offset = np.array(
            [self.distance * np.cos(self.azimuth), self.distance * np.sin(self.azimuth), 0.0]
        )
        K = intrinsics(width, height, self.vertical_fov_deg)
        w2c = np.empty((len(subject), 4, 4))
        for t, target in enumerate(smooth):
            eye = target + offset
            eye[2] = max(self.height, 0.3)
            aim = target + np.array([0.0, 0.0, self.aim_height])
            w2c[t] = look_at(eye, aim)
        return CameraTrack(
            K=np.repeat(K[None], len(subject), axis=0),
            world_to_camera=w2c,
            params={f.name: getattr(self, f.name) for f in dataclasses.fields(self)},
        )


def critically_damped(path: np.ndarray, dt: float, time_constant: float) -> np.ndarray:
    """Follow ``path (T, D)`` with a critically damped spring of the given time constant (s).

    Integrated exactly per step for a piecewise-constant target, so the result does not depend on
    the frame rate beyond the sampling of ``path``.
    """
    omega = 1.0 / max(time_constant, 1e-6)
    out = np.empty_like(path)
    pos = path[0].copy()
    vel = np.zeros_like(pos)
    decay = np.exp(-omega * dt)
    for t, target in enumerate(path):
        if t:
            x0 = pos - target
            temp = (vel + omega * x0) * dt
            vel = (vel - omega * temp) * decay
            pos = target + (x0 + temp) * decay
        out[t] = pos
    return out


#: Rigs implemented so far, by camera kind.
RIGS = {CameraKind.KITE: KiteRig}


def sample_rig(kind: CameraKind, rng: np.random.Generator) -> KiteRig:
    """A rig of ``kind`` with sampled parameters.

    Raises:
        ValueError: the kind has no rig yet; the message lists those that do.
    """
    try:
        return RIGS[kind].sample(rng)
    except KeyError:
        valid = ", ".join(k.value for k in RIGS)
        raise ValueError(f"camera {kind.value!r} is not available yet; available cameras: {valid}") from None
