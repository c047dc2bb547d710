"""Rain and snow: the uniforms of ``shaders/precipitation.frag`` from a take's atmosphere (numpy only).

Precipitation is drawn into the lit HDR image right after the lighting pass, so it is part of the
scene as the camera sees it: it appears in ``raw`` (the lit image before post effects) as well as in
``img`` (where the post chain then treats it like any other radiance), and never in ground truth
(depth, flow, semantic and instance images do not see it). Snow also whitens upward-facing
surfaces a little (the G-buffer pass, :func:`snow_cover`).

The particle field is procedural and seeded per video by :func:`precipitation_seed`: two 32-bit
words from :func:`phav.seeding.video_rng` of ``take.meta["seed"]`` when the take records one, else
of a digest of the take's atmosphere (itself drawn from the video's seed by ``phav.worlds.weather``),
so two renders of the same take give identical bytes and no global random state is read.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from phav.seeding import video_rng
from phav.take import Take

#: ``take.atmosphere.precipitation`` -> the shader's ``u_kind``.
PRECIPITATION_KINDS: dict[str, int] = {"rain": 0, "snow": 1}
#: Whitening of upward-facing surfaces at precipitation rate 1 of snow.
SNOW_COVER_AT_FULL_RATE = 0.5


@dataclasses.dataclass(frozen=True)
class PrecipitationFrame:
    """Uniform values of one frame.

    Attributes:
        kind: 0 rain, 1 snow.
        rate: visual density in ``[0, 1]``.
        wind: ``(3,)`` world wind velocity, m/s.
        time: seconds since the take's first frame.
        frame_time: seconds per frame.
        camera_to_world: ``(3, 3)`` rotation of frame ``t``'s camera.
        camera_height: camera's world z, metres.
    """

    kind: int
    rate: float
    wind: tuple[float, float, float]
    time: float
    frame_time: float
    camera_to_world: np.ndarray
    camera_height: float


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
    c2w = np.linalg.inv(np.asarray(take.camera_world_to_camera[t], dtype=np.float64))
    return PrecipitationFrame(
        kind=PRECIPITATION_KINDS[a.precipitation], rate=rate,
        wind=tuple(float(x) for x in a.wind[t]), time=t / float(take.fps), frame_time=1.0 / float(take.fps),
        camera_to_world=c2w[:3, :3], camera_height=float(c2w[2, 3]))


def snow_cover(take: Take, t: int) -> float:
    """Whitening of upward-facing surfaces in frame ``t``, in ``[0, SNOW_COVER_AT_FULL_RATE]``."""
    a = take.atmosphere
    if a is None or a.precipitation != "snow":
        return 0.0
    return SNOW_COVER_AT_FULL_RATE * float(np.clip(a.precipitation_rate[t], 0.0, 1.0))
