"""Camera rigs: per-frame intrinsics and extrinsics computed from the simulated subject's track.

Every rig is a frozen dataclass of sampled parameters (``Rig.sample(rng)``) with
``track(subject, fps, width, height, scene=None) -> CameraTrack``. ``subject`` is the actor's
pelvis path ``(T, 3)``, metres. With a scene, following rigs pull the camera in along the line to
the subject wherever that line enters a collider (a "camera boom"), so a camera never sits inside
geometry and nothing solid stands between it and the actor; static rigs pick their spot once.

Rigs are drawn for adults; the Kite, CloseUp, Handheld and Orbital rigs of a video whose tallest
person is shorter than :data:`CAMERA_SIZE_REFERENCE_M` (children) are moved nearer and lower by
:func:`fitted` once the people are known, so a child fills about as much of the frame.

PHAV's rule: the Indoor rig is used exactly when the environment is House (:func:`check_camera`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Iterable, Union

import numpy as np
from scipy.ndimage import maximum_filter1d

from phav.camera import intrinsics, look_at_many
from phav.errors import SETTING, Setting, SpecError
from phav.spec import CameraKind, Environment

if TYPE_CHECKING:
    from phav.worlds.scene import StaticScene

#: Cameras keep this far from colliders, and at least this high above the ground, metres.
CAMERA_CLEARANCE = 0.25
MIN_CAMERA_HEIGHT = 0.3


@dataclasses.dataclass(frozen=True)
class CameraTrack:
    """Per-frame camera: ``K (T, 3, 3)`` and ``world_to_camera (T, 4, 4)``, float64; ``params``: the
    rig's sampled values and what the track derived from them (JSON-able)."""

    K: np.ndarray
    world_to_camera: np.ndarray
    params: dict[str, float]


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


#: Time constant of the aim (a camera pans much faster than it moves), seconds.
AIM_LAG = 0.06
#: The camera's trailing position never lags the subject by more than this fraction of its distance.
MAX_TRAIL_FRACTION = 0.35


def follow(subject: np.ndarray, fps: float, lag: float, max_trail: float) -> tuple[np.ndarray, np.ndarray]:
    """The trailing anchor of a following camera and its aim point, both ``(T, 3)``.

    The anchor is the subject smoothed with time constant ``lag`` and held within ``max_trail``
    metres of the subject (a string of that length); the aim follows with :data:`AIM_LAG`.
    """
    subject = np.asarray(subject, dtype=np.float64)
    smooth = critically_damped(subject, 1.0 / fps, lag)
    trail = smooth - subject
    norm = np.linalg.norm(trail, axis=1, keepdims=True)
    smooth = subject + trail * np.minimum(1.0, max_trail / np.maximum(norm, 1e-12))
    return smooth, critically_damped(subject, 1.0 / fps, min(lag, AIM_LAG))


def boom(eyes: np.ndarray, aims: np.ndarray, scene: "StaticScene | None") -> np.ndarray:
    """Pull each eye ``(T, 3)`` towards its aim ``(T, 3)`` to just before the first collider on the
    line aim -> eye, and lift it to :data:`MIN_CAMERA_HEIGHT`."""
    eyes = np.array(eyes, dtype=np.float64)
    eyes[:, 2] = np.maximum(eyes[:, 2], MIN_CAMERA_HEIGHT)
    if scene is None or not scene.colliders:
        return eyes
    hit = scene.first_hit(aims, eyes, CAMERA_CLEARANCE)
    frac = np.where(np.isfinite(hit), np.clip(hit - 0.02, 0.05, 1.0), 1.0)
    out = aims + (eyes - aims) * frac[:, None]
    out[:, 2] = np.maximum(out[:, 2], MIN_CAMERA_HEIGHT)
    return out


def trailing(subject: np.ndarray, fps: float, lag: float, distance: float, azimuth: float, height: float,
             aim_height: float, shake: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Eyes and aim points ``(T, 3)`` of a camera trailing the subject ``(T, 3)`` (metres) at a fixed
    world offset: ``distance`` metres away towards ``azimuth`` (radians), ``height`` metres above the
    ground, aimed ``aim_height`` metres above the subject, both smoothed by :func:`follow` (lag
    ``lag`` seconds). ``shake (T, 6)``, metres, adds its first three columns to the eyes and twice
    its last three to the aims."""
    smooth, aim = follow(subject, fps, lag, MAX_TRAIL_FRACTION * distance)
    eyes = smooth + np.array([distance * np.cos(azimuth), distance * np.sin(azimuth), 0.0])
    eyes[:, 2] = height
    aims = aim + [0.0, 0.0, aim_height]
    if shake is not None:
        eyes += shake[:, :3]
        aims += 2.0 * shake[:, 3:]
    return eyes, aims


def _track(eyes: np.ndarray, aims: np.ndarray, width: int, height: int, fov: float, params: dict) -> CameraTrack:
    K = intrinsics(width, height, fov)
    w2c = look_at_many(eyes, aims)
    return CameraTrack(K=np.repeat(K[None], len(eyes), axis=0), world_to_camera=w2c, params=params)


def _fields(rig: object) -> dict:
    """The rig's fields as a record, leaving out those at ``None`` (options not in use)."""
    return {f.name: getattr(rig, f.name) for f in dataclasses.fields(rig) if getattr(rig, f.name) is not None}


def _uniform(rng: np.random.Generator, **ranges: tuple[float, float]) -> dict[str, float]:
    """``{name: float(rng.uniform(low, high))}`` for each keyword ``name=(low, high)``, drawn in the
    order given (a rig's sampled fields)."""
    return {name: float(rng.uniform(low, high)) for name, (low, high) in ranges.items()}


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
        """Distance 3.5-6 m, height 1.0-2.4 m, any azimuth, vertical FOV 40-55 degrees (for adults;
        :func:`scaled` for shorter people)."""
        return cls(**_uniform(rng, distance=(3.5, 6.0), height=(1.0, 2.4), azimuth=(-np.pi, np.pi),
                              vertical_fov_deg=(40.0, 55.0), lag=(0.3, 0.8), aim_height=(-0.1, 0.2)))

    def track(self, subject: np.ndarray, fps: float, width: int, height: int,
              scene: "StaticScene | None" = None) -> CameraTrack:
        """Camera per frame for a subject path ``(T, 3)`` (e.g. the pelvis), metres."""
        eyes, aims = trailing(subject, fps, self.lag, self.distance, self.azimuth, self.height, self.aim_height)
        return _track(boom(eyes, aims, scene), aims, width, height, self.vertical_fov_deg, _fields(self))


@dataclasses.dataclass(frozen=True)
class CloseUpRig(KiteRig):
    """A Kite rig close to the subject with a narrow field of view, aimed at the chest and head."""

    @classmethod
    def sample(cls, rng: np.random.Generator) -> "CloseUpRig":
        """Distance 2.2-3.2 m, height 1.2-1.7 m, any azimuth, vertical FOV 36-45 degrees, aim 0.25-0.4 m
        above the pelvis (the upper body fills the frame; the legs may leave it)."""
        return cls(**_uniform(rng, distance=(2.2, 3.2), height=(1.2, 1.7), azimuth=(-np.pi, np.pi),
                              vertical_fov_deg=(36.0, 45.0), lag=(0.2, 0.45), aim_height=(0.25, 0.4)))


@dataclasses.dataclass(frozen=True)
class OrbitalRig:
    """Circles the subject's smoothed position at a fixed radius and height and constant angular speed."""

    radius: float
    height: float
    start_azimuth: float
    angular_speed: float
    vertical_fov_deg: float
    lag: float

    @classmethod
    def sample(cls, rng: np.random.Generator) -> "OrbitalRig":
        """Radius 3.5-6 m, height 1.2-2.6 m, 0.15-0.5 rad/s either way round, FOV 40-55 degrees."""
        return cls(
            radius=float(rng.uniform(3.5, 6.0)),
            height=float(rng.uniform(1.2, 2.6)),
            start_azimuth=float(rng.uniform(-np.pi, np.pi)),
            angular_speed=float(rng.choice([-1.0, 1.0]) * rng.uniform(0.15, 0.5)),
            vertical_fov_deg=float(rng.uniform(40.0, 55.0)),
            lag=float(rng.uniform(0.3, 0.6)),
        )

    def track(self, subject: np.ndarray, fps: float, width: int, height: int,
              scene: "StaticScene | None" = None) -> CameraTrack:
        smooth, aim = follow(subject, fps, self.lag, MAX_TRAIL_FRACTION * self.radius)
        angle = self.start_azimuth + self.angular_speed * np.arange(len(smooth)) / fps
        eyes = smooth + self.radius * np.column_stack([np.cos(angle), np.sin(angle), np.zeros_like(angle)])
        eyes[:, 2] = self.height
        return _track(boom(eyes, aim, scene), aim, width, height, self.vertical_fov_deg, _fields(self))


@dataclasses.dataclass(frozen=True)
class HandheldRig:
    """A following camera held by a walking operator: Kite-like placement plus a small natural
    shake (three sinusoids per axis at 0.3-2 Hz on both the position and the aim point)."""

    distance: float
    height: float
    azimuth: float
    vertical_fov_deg: float
    lag: float
    shake_amplitude: float
    shake_seed: int

    @classmethod
    def sample(cls, rng: np.random.Generator) -> "HandheldRig":
        """Distance 2.5-4.5 m, height 1.4-1.8 m (eye level), FOV 45-60 degrees, shake 1.5-4 cm."""
        drawn = _uniform(rng, distance=(2.5, 4.5), height=(1.4, 1.8), azimuth=(-np.pi, np.pi),
                         vertical_fov_deg=(45.0, 60.0), lag=(0.4, 0.9), shake_amplitude=(0.015, 0.04))
        return cls(**drawn, shake_seed=int(rng.integers(2**31)))

    def shake(self, frames: int, fps: float) -> np.ndarray:
        """``(frames, 6)`` offsets (eye xyz, aim xyz), metres, from the rig's own seed."""
        rng = np.random.default_rng(self.shake_seed)
        freq = rng.uniform(0.3, 2.0, (3, 6))
        phase = rng.uniform(0, 2 * np.pi, (3, 6))
        weight = np.array([1.0, 0.5, 0.25])[:, None]
        t = np.arange(frames)[:, None, None] / fps
        wave = (weight * np.sin(2 * np.pi * freq * t + phase)).sum(axis=1) / weight.sum()
        return self.shake_amplitude * wave

    def track(self, subject: np.ndarray, fps: float, width: int, height: int,
              scene: "StaticScene | None" = None) -> CameraTrack:
        eyes, aims = trailing(subject, fps, self.lag, self.distance, self.azimuth, self.height, 0.1,
                              self.shake(len(subject), fps))
        return _track(boom(eyes, aims, scene), aims, width, height, self.vertical_fov_deg, _fields(self))


#: Tripod spots tried after the sampled side angle and its mirror, where geometry is in the way
#: (angles off the direction of travel on the sampled side, radians).
TRIPOD_FALLBACK_ANGLES = (0.35, np.pi - 0.35, 0.0, np.pi, 0.7, np.pi - 0.7)


def in_sectors(angle: float, sectors: "Iterable[tuple[float, float]]", tolerance: float = 1e-6) -> bool:
    """Whether ``angle`` (degrees, any turn) lies in one of ``sectors`` (``(low, high)`` degrees),
    ``tolerance`` degrees to spare (:mod:`phav.worlds.views`)."""
    return any((angle - lo + tolerance) % 360.0 <= hi - lo + 2 * tolerance for lo, hi in sectors)


@dataclasses.dataclass(frozen=True)
class TripodRig:
    """A static camera framing the whole action: placed at a sampled side angle to the subject's
    path, far enough that the path (plus a margin) fits the horizontal field of view.

    ``side_angle`` (radians, counter-clockwise seen from above) is measured from the direction of
    travel (world +x for a subject that moves less than 0.1 m), or from ``facing`` (a world
    azimuth, radians: the person's start heading) when that is set, as for an action seen from a
    declared side (:func:`phav.worlds.views.in_view`). Where geometry is in the way of the sampled
    spot, the spots within ``view_deg`` (that action's sectors, degrees from ``facing``) are tried
    before the others, among them each sector's middle and ends (10 degrees in).
    """

    side_angle: float
    height: float
    min_distance: float
    vertical_fov_deg: float
    facing: float | None = None
    view_deg: tuple[tuple[float, float], ...] | None = None

    @classmethod
    def sample(cls, rng: np.random.Generator) -> "TripodRig":
        """Side angle 30-150 degrees off the direction of travel (either side), height 1.2-2.0 m,
        at least 4-7 m away, FOV 40-55 degrees."""
        return cls(
            side_angle=float(rng.choice([-1.0, 1.0]) * np.radians(rng.uniform(30.0, 150.0))),
            height=float(rng.uniform(1.2, 2.0)),
            min_distance=float(rng.uniform(4.0, 7.0)),
            vertical_fov_deg=float(rng.uniform(40.0, 55.0)),
        )

    def _spots(self, side: float) -> list[float]:
        """The side angles (radians) tried in order: the sampled one, its mirror, then
        :data:`TRIPOD_FALLBACK_ANGLES` on the sampled side; with ``view_deg``, those within its
        sectors first, then each sector's middle and ends (10 degrees in), then the rest."""
        spots = [self.side_angle, -self.side_angle] + [side * o for o in TRIPOD_FALLBACK_ANGLES]
        if self.view_deg is None:
            return spots
        inside = [in_sectors(np.degrees(a), self.view_deg) for a in spots]
        extra = [np.radians(d) for lo, hi in self.view_deg for d in ((lo + hi) / 2, lo + 10.0, hi - 10.0)]
        return [a for a, i in zip(spots, inside) if i] + extra + [a for a, i in zip(spots, inside) if not i]

    def track(self, subject: np.ndarray, fps: float, width: int, height: int,
              scene: "StaticScene | None" = None) -> CameraTrack:
        subject = np.asarray(subject, dtype=np.float64)
        lo, hi = subject.min(axis=0), subject.max(axis=0)
        center = (lo + hi) / 2
        travel = subject[-1, :2] - subject[0, :2]
        if self.facing is not None:
            direction = self.facing
        else:
            direction = np.arctan2(travel[1], travel[0]) if np.linalg.norm(travel) > 0.1 else 0.0
        reach = float(np.max(np.linalg.norm(subject[:, :2] - center[:2], axis=1))) + 1.0
        half_h = np.arctan(np.tan(np.radians(self.vertical_fov_deg) / 2) * width / height)
        distance = max(self.min_distance, 1.15 * reach / np.tan(half_h) + reach)
        aim = center + [0.0, 0.0, 0.1]
        # the sampled angle first; where geometry is in the way, the mirrored side, then angles
        # nearer the line of travel (looking along a street), keeping the spot that stays farthest
        best = None
        side = np.sign(self.side_angle)
        for off in self._spots(side):
            a = direction + off
            eye = center + [distance * np.cos(a), distance * np.sin(a), 0.0]
            eye[2] = self.height
            eye = boom(eye[None], aim[None], scene)[0]
            reached = float(np.linalg.norm(eye[:2] - aim[:2]))
            if best is None or reached > best[0] + 1e-6:
                best = (reached, eye, a)
            if reached >= distance - 1e-6:
                break
        _, eye, angle = best
        T = len(subject)
        params = dict(_fields(self), distance=float(distance), eye=eye.tolist(), angle=float(angle))
        return _track(np.repeat(eye[None], T, axis=0), np.repeat(aim[None], T, axis=0), width, height,
                      self.vertical_fov_deg, params)


@dataclasses.dataclass(frozen=True)
class IndoorRig:
    """A camera fixed in a room corner (one of the scene's ``camera_anchors``, the one farthest from
    the action so it frames it widest) that pans to follow the subject with a smoothed lag and
    zooms so that the subject is about as large in the image as a Kite camera shows it
    (:meth:`zoom_fov_deg`).

    ``vertical_fov_deg`` is the widest the lens opens; ``fill`` the fraction of the image height
    the subject's body box (:data:`INDOOR_BODY_BOX`) takes, unless keeping the box inside the
    image, the pan's lag included, needs a wider view.
    """

    vertical_fov_deg: float
    lag: float
    fill: float = 0.45

    @classmethod
    def sample(cls, rng: np.random.Generator) -> "IndoorRig":
        """Widest vertical FOV 55-70 degrees, pan and zoom lag 0.4-0.9 s, fill 0.35-0.55."""
        return cls(**_uniform(rng, vertical_fov_deg=(55.0, 70.0), lag=(0.4, 0.9), fill=(0.35, 0.55)))

    def track(self, subject: np.ndarray, fps: float, width: int, height: int,
              scene: "StaticScene | None" = None) -> CameraTrack:
        """Raises ``ValueError`` when the scene has no camera anchors (not a House)."""
        if scene is None or len(scene.camera_anchors) == 0:
            raise ValueError("camera Indoor needs an environment with rooms (House); use another camera outdoors")
        subject = np.asarray(subject, dtype=np.float64)
        smooth = critically_damped(subject, 1.0 / fps, self.lag)
        center = smooth.mean(axis=0)
        anchors = np.asarray(scene.camera_anchors)
        index = int(np.argmax(np.linalg.norm(anchors[:, :2] - center[:2], axis=1)))
        eyes = np.repeat(anchors[index][None], len(smooth), axis=0)
        world_to_camera = look_at_many(eyes, smooth)
        fov = self.zoom_fov_deg(world_to_camera, subject, fps, width, height)
        params = dict(_fields(self), anchor=index, eye=anchors[index].tolist(),
                      zoom_fov_deg=[float(fov.min()), float(fov.max())])
        K = np.stack([intrinsics(width, height, f) for f in fov])
        return CameraTrack(K=K, world_to_camera=world_to_camera, params=params)

    def zoom_fov_deg(self, world_to_camera: np.ndarray, subject: np.ndarray, fps: float, width: int,
                     height: int) -> np.ndarray:
        """The vertical field of view of every frame, ``(T,)`` degrees.

        Per frame, the wider of (a) the view in which the body box (:data:`INDOOR_BODY_BOX` about
        ``subject``, ``(T, 3)`` metres) takes ``fill`` of the image height and (b) the view that
        keeps the box inside the image of ``world_to_camera`` ``(T, 4, 4)`` with
        :data:`INDOOR_ZOOM_MARGIN` to spare; that is widened ahead of time (the most over the
        ``lag`` seconds around each frame) and smoothed like the pan (a critically damped spring of
        time constant ``lag``), then widened again where the smoothing left less than
        :data:`INDOOR_ZOOM_MIN_MARGIN` to spare, and kept within :data:`INDOOR_MIN_FOV_DEG` and
        ``vertical_fov_deg`` (the widest in any frame where the box reaches behind the camera).
        """
        corners = subject[:, None, :] + INDOOR_BODY_BOX[None]  # (T, 8, 3)
        cam = np.einsum("tij,tbj->tbi", world_to_camera[:, :3, :3], corners) + world_to_camera[:, None, :3, 3]
        z = cam[..., 2]
        behind = (z <= INDOOR_MIN_DEPTH_M).any(axis=1)
        z = np.maximum(z, INDOOR_MIN_DEPTH_M)
        # tan(fov / 2) that holds each frame's corners: |y| / z down, |x| / z * H / W across (square pixels)
        needed = np.maximum(np.abs(cam[..., 1] / z).max(axis=1), np.abs(cam[..., 0] / z).max(axis=1) * height / width)
        filled = float(np.ptp(INDOOR_BODY_BOX[:, 2])) / self.fill / 2.0 / z.mean(axis=1)
        wanted = maximum_filter1d(np.maximum(needed * INDOOR_ZOOM_MARGIN, filled), 2 * int(self.lag * fps) + 1)
        tan_half = critically_damped(wanted[:, None], 1.0 / fps, self.lag)[:, 0]
        tan_half = np.maximum(tan_half, needed * INDOOR_ZOOM_MIN_MARGIN)
        fov = np.clip(np.degrees(2.0 * np.arctan(tan_half)), INDOOR_MIN_FOV_DEG, self.vertical_fov_deg)
        fov[behind] = self.vertical_fov_deg
        return fov


#: The Indoor camera's zoom: the corners of the box about the subject point (the pelvis) that it
#: keeps in view, metres (feet 1 m below the pelvis, raised hands 1.2 m above it, 0.7 m to each side).
INDOOR_BODY_BOX = np.array([[x, y, z] for x in (-0.7, 0.7) for y in (-0.7, 0.7) for z in (-1.0, 1.2)])
#: How much wider than the box's extent the Indoor zoom aims to keep the view (1.15: 15 % to spare).
INDOOR_ZOOM_MARGIN = 1.15
#: How much wider than the box's extent the Indoor zoom keeps the view in every frame.
INDOOR_ZOOM_MIN_MARGIN = 1.05
#: The Indoor zoom's narrowest vertical field of view, degrees.
INDOOR_MIN_FOV_DEG = 15.0
#: Nearest camera depth of a box corner at which the Indoor camera still zooms, metres.
INDOOR_MIN_DEPTH_M = 0.3


Rig = Union[KiteRig, CloseUpRig, OrbitalRig, HandheldRig, TripodRig, IndoorRig]


def view_azimuth(rig: object, heading: float, time_s: float) -> float | None:
    """World azimuth (radians, from +x towards +y) of the direction from the subject to ``rig``'s
    camera at ``time_s`` seconds, for a subject heading ``heading`` (radians) at the time; known
    before the simulation for every rig but the Indoor one (``None``: it depends on the room).

    Following rigs (Kite, CloseUp, Handheld) keep a fixed world offset; the Orbital rig turns at
    its angular speed; the Tripod rig stands at its side angle off the subject's direction of travel
    (the sampled side; where geometry is in the way it moves, which this does not know), or off
    its ``facing`` where that is set."""
    if isinstance(rig, (KiteRig, HandheldRig)):  # CloseUpRig is a KiteRig
        return float(rig.azimuth)
    if isinstance(rig, OrbitalRig):
        return float(rig.start_azimuth + rig.angular_speed * time_s)
    if isinstance(rig, TripodRig):
        return float((heading if rig.facing is None else rig.facing) + rig.side_angle)
    return None


#: An action's record (``meta["action"]``) may hold this key: radians by which the video's camera
#: rig is turned about the subject before its track is made (:func:`turned`).
CAMERA_TURN_KEY = "camera_turn_rad"


def turned(rig: object, angle: float) -> object:
    """``rig`` with the camera moved ``angle`` radians (counter-clockwise seen from above) about the
    subject: :func:`view_azimuth` of the result is that of ``rig`` plus ``angle`` at every time. An
    Indoor rig (or any other object), or an angle of 0, returns ``rig`` itself."""
    if angle == 0.0:
        return rig
    if isinstance(rig, (KiteRig, HandheldRig)):
        return dataclasses.replace(rig, azimuth=float(np.angle(np.exp(1j * (rig.azimuth + angle)))))
    if isinstance(rig, OrbitalRig):
        return dataclasses.replace(rig, start_azimuth=float(np.angle(np.exp(1j * (rig.start_azimuth + angle)))))
    if isinstance(rig, TripodRig):
        return dataclasses.replace(rig, side_angle=float(np.angle(np.exp(1j * (rig.side_angle + angle)))))
    return rig


#: The people's height (m) the following rigs' distances and heights are drawn for: every adult
#: preset is at least this tall, so only a video of shorter people (children) has its camera scaled.
CAMERA_SIZE_REFERENCE_M = 1.5
#: The least :func:`size_factor` (a person 1.05 m tall or shorter).
MIN_CAMERA_SIZE_FACTOR = 0.7
#: ``meta["camera"]`` holds this key where the rig was scaled to the filmed people (:func:`scaled`):
#: the factor, below 1; absent, the rig is as drawn (factor 1).
CAMERA_SIZE_KEY = "size_factor"


def size_factor(heights: "Iterable[float]") -> float:
    """The factor by which a drawn rig is scaled (:func:`scaled`) for people of standing ``heights``
    (metres): the tallest over :data:`CAMERA_SIZE_REFERENCE_M`, kept within
    :data:`MIN_CAMERA_SIZE_FACTOR` and 1 (the tallest, so that a child with an adult keeps the
    adult's head in view); 1 without heights."""
    tallest = max(heights, default=CAMERA_SIZE_REFERENCE_M)
    return float(np.clip(tallest / CAMERA_SIZE_REFERENCE_M, MIN_CAMERA_SIZE_FACTOR, 1.0))


def scaled(rig: object, factor: float) -> object:
    """``rig`` moved ``factor`` times as far from the subject and as high, so that people
    ``factor`` times as tall fill the image as the drawn rig shows people of
    :data:`CAMERA_SIZE_REFERENCE_M` (:func:`size_factor`): the Kite and CloseUp rigs' ``distance``,
    ``height`` and ``aim_height``, the Handheld rig's ``distance`` and ``height``, the Orbital rig's
    ``radius`` and ``height`` (metres), each times ``factor``; the azimuth (:func:`view_azimuth`),
    field of view and lag are kept. The Tripod rig (which stands back to fit the whole path) and
    the Indoor rig (which zooms), any other object, and a factor of 1 return ``rig`` itself."""
    if factor == 1.0:
        return rig
    if isinstance(rig, KiteRig):  # CloseUpRig is a KiteRig
        return dataclasses.replace(rig, distance=rig.distance * factor, height=rig.height * factor,
                                   aim_height=rig.aim_height * factor)
    if isinstance(rig, HandheldRig):
        return dataclasses.replace(rig, distance=rig.distance * factor, height=rig.height * factor)
    if isinstance(rig, OrbitalRig):
        return dataclasses.replace(rig, radius=rig.radius * factor, height=rig.height * factor)
    return rig


def fitted(rig: object, heights: "Iterable[float]") -> tuple[object, float]:
    """``rig`` scaled (:func:`scaled`) for people of standing ``heights`` (metres, every person in
    the video) by :func:`size_factor`, and the factor applied: 1 where the rig is left as it is
    (the people at least :data:`CAMERA_SIZE_REFERENCE_M` tall, or a rig :func:`scaled` leaves)."""
    factor = size_factor(heights)
    out = scaled(rig, factor)
    return out, (factor if out is not rig else 1.0)


def record_size_factor(meta: dict, factor: float) -> None:
    """Record ``factor`` (from :func:`fitted`) in ``meta["camera"]`` as :data:`CAMERA_SIZE_KEY`,
    unless it is 1."""
    if factor != 1.0:
        meta["camera"][CAMERA_SIZE_KEY] = float(factor)


#: Every camera kind's rig.
RIGS: dict[CameraKind, type] = {
    CameraKind.KITE: KiteRig,
    CameraKind.CLOSE_UP: CloseUpRig,
    CameraKind.INDOOR: IndoorRig,
    CameraKind.TRIPOD: TripodRig,
    CameraKind.ORBITAL: OrbitalRig,
    CameraKind.HANDHELD: HandheldRig,
}


def default_camera(environment: Environment) -> CameraKind:
    """The camera a video gets when none is asked for: Indoor in the House, Kite elsewhere."""
    return CameraKind.INDOOR if environment == Environment.HOUSE else CameraKind.KITE


def check_camera(environment: Environment, camera: CameraKind) -> None:
    """PHAV's rule: camera Indoor is used exactly when the environment is House.

    Raises:
        SpecError: the pair breaks the rule (a ``ValueError``); the message says which camera (or
            environment) to use, kept as its ``setting`` for each front end to word
            (``use camera='Indoor'``, ``use --camera Indoor``).
    """
    if environment == Environment.HOUSE and camera != CameraKind.INDOOR:
        raise SpecError(f"environment House is filmed by camera Indoor (PHAV), not {camera.value}; "
                        f"{SETTING} or another environment", setting=Setting("camera", CameraKind.INDOOR.value))
    if environment != Environment.HOUSE and camera == CameraKind.INDOOR:
        raise SpecError(f"camera Indoor is used only in environment House, not {environment.value}; "
                        f"{SETTING} or another camera", setting=Setting("environment", Environment.HOUSE.value))


def sample_rig(kind: CameraKind, rng: np.random.Generator) -> Rig:
    """A rig of ``kind`` with sampled parameters.

    Raises:
        ValueError: the kind has no rig; the message lists those that do.
    """
    try:
        return RIGS[kind].sample(rng)
    except KeyError:
        valid = ", ".join(k.value for k in RIGS)
        raise ValueError(f"camera {kind.value!r} is not available; available cameras: {valid}") from None
