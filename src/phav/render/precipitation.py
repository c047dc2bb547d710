"""Rain and snow: the uniforms of ``shaders/precipitation.frag`` from a take's atmosphere (numpy only).

Precipitation is drawn into the lit HDR image right after the lighting pass, so it is part of the
scene as the camera sees it: it appears in ``raw`` (the lit image before post effects) as well as in
``img`` (where the post chain then treats it like any other radiance), and never in ground truth
(depth, flow, semantic and instance images do not see it). Snow also whitens upward-facing
surfaces a little (the G-buffer pass, :func:`snow_cover`).

The particles are anchored in the world: they sit in a lattice that moves only with the fall and
the wind (:func:`lattice_offsets`), whatever the camera does, and each carries its true screen
velocity into the motion-blur pass (:mod:`phav.render.precipitation_pass` draws them).

The particle field is procedural and seeded per video by :func:`precipitation_seed`: two 32-bit
words from :func:`phav.seeding.video_rng` of ``take.meta["seed"]`` when the take records one, else
of a digest of the take's atmosphere (itself drawn from the video's seed by ``phav.worlds.weather``),
so two renders of the same take give identical bytes and no global random state is read.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from phav.camera import gl_projection
from phav.seeding import video_rng
from phav.take import Take

#: ``take.atmosphere.precipitation`` -> the shader's ``u_kind``.
PRECIPITATION_KINDS: dict[str, int] = {"rain": 0, "snow": 1}
#: Falling speed, m/s: about 2 mm raindrops and snowflakes.
FALL_SPEED: dict[str, float] = {"rain": 9.0, "snow": 1.0}
#: Whitening of upward-facing surfaces at precipitation rate 1 of snow.
SNOW_COVER_AT_FULL_RATE = 0.5


@dataclasses.dataclass(frozen=True)
class PrecipitationFrame:
    """Uniform values of one frame. Index ``k`` of the ``(3, ...)`` fields is frame ``t - 1 + k``
    (clamped to the take; the frame block's flags say which neighbours exist).

    Attributes:
        kind: 0 rain, 1 snow.
        rate: visual density in ``[0, 1]``.
        velocity: ``(3,)`` world velocity of the particles at ``t`` (wind plus fall), m/s.
        offsets: ``(3, 3)`` world displacement of the particle lattice since frame 0, metres: the
            particles are anchored in the world and move only with the fall and the wind.
        times: ``(3,)`` seconds since frame 0.
        frame_time: seconds per frame.
        camera_to_world: ``(3, 3)`` rotation of frame ``t``'s camera.
        camera_position: ``(3,)`` frame ``t``'s camera centre in the world, metres.
        world_to_clip: ``(3, 4, 4)`` world -> GL clip matrices (only x, y, w are used: pixel
            positions for the particles' screen velocity).
    """

    kind: int
    rate: float
    velocity: np.ndarray
    offsets: np.ndarray
    times: np.ndarray
    frame_time: float
    camera_to_world: np.ndarray
    camera_position: np.ndarray
    world_to_clip: np.ndarray

    @property
    def time(self) -> float:
        """Seconds since frame 0 at frame ``t``."""
        return float(self.times[1])


def lattice_offsets(take: Take) -> np.ndarray:
    """``(T + 2, 3)`` world displacement (m) of the particle lattice at frames ``-1 .. T``: the
    per-frame velocity (wind plus fall) integrated from frame 0 (zero there), extrapolated one
    frame at each end."""
    a = take.atmosphere
    dt = 1.0 / float(take.fps)
    velocity = np.asarray(a.wind, dtype=np.float64).reshape(-1, 3).copy()
    velocity[:, 2] -= FALL_SPEED[a.precipitation]
    # Steps frame -1 -> 0 (backwards), k -> k + 1 for every frame, and T - 1 -> T again at the end.
    steps = np.concatenate([-velocity[:1], velocity, velocity[-1:]]) * dt
    return np.cumsum(steps, axis=0)


def precipitation_seed(take: Take) -> tuple[int, int]:
    """Two 32-bit words seeding the take's particle field (see the module docstring)."""
    seed = take.meta.get("seed") if isinstance(take.meta, dict) else None
    if seed is None:
        a = take.atmosphere
        digest = hashlib.sha256()
        if a is not None:
            digest.update(a.precipitation.encode())
            for arr in (a.precipitation_rate, a.wind):
                digest.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        seed = int.from_bytes(digest.digest()[:8], "little")
    words = video_rng(int(seed), "precipitation").integers(0, 2**32, size=2, dtype=np.uint64)
    return int(words[0]), int(words[1])


def precipitation_frame(take: Take, t: int) -> PrecipitationFrame | None:
    """The precipitation of frame ``t``, or ``None`` when nothing falls (no atmosphere,
    ``"none"``, or a zero rate)."""
    a = take.atmosphere
    if a is None or a.precipitation not in PRECIPITATION_KINDS:
        return None
    rate = float(np.clip(a.precipitation_rate[t], 0.0, 1.0))
    if rate <= 0.0:
        return None
    T = take.num_frames
    frames = [max(t - 1, 0), t, min(t + 1, T - 1)]
    c2w = np.linalg.inv(np.asarray(take.camera_world_to_camera[t], dtype=np.float64))
    clip = np.stack([gl_projection(take.camera_K[k], take.width, take.height, 0.05, 1000.0)
                     @ np.asarray(take.camera_world_to_camera[k], dtype=np.float64) for k in frames])
    velocity = np.asarray(a.wind[t], dtype=np.float64) - (0.0, 0.0, FALL_SPEED[a.precipitation])
    fps = float(take.fps)
    return PrecipitationFrame(
        kind=PRECIPITATION_KINDS[a.precipitation], rate=rate, velocity=velocity,
        offsets=lattice_offsets(take)[t:t + 3], times=np.arange(t - 1, t + 2) / fps, frame_time=1.0 / fps,
        camera_to_world=c2w[:3, :3], camera_position=c2w[:3, 3], world_to_clip=clip)


def snow_cover(take: Take, t: int) -> float:
    """Whitening of upward-facing surfaces in frame ``t``, in ``[0, SNOW_COVER_AT_FULL_RATE]``."""
    a = take.atmosphere
    if a is None or a.precipitation != "snow":
        return 0.0
    return SNOW_COVER_AT_FULL_RATE * float(np.clip(a.precipitation_rate[t], 0.0, 1.0))
