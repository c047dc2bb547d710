"""What one server accepts: bounds on frames, size and queued jobs, and the defaults of a request.

These bound the work one anonymous request can cause. They are plain data so the command line,
the app and the tests share one definition.
"""

from __future__ import annotations

import dataclasses

from phav.render.settings import quality_settings


@dataclasses.dataclass(frozen=True)
class Limits:
    """Bounds of the videos a server makes.

    Attributes:
        max_frames: most frames per video.
        max_width, max_height: largest output size, pixels.
        min_size: smallest side, pixels (the spec's own lower bound).
        min_fps, max_fps: lowest and highest frame rate, frames per second (a video's simulated
            time is ``frames / fps``: a tiny rate would ask for an endless simulation).
        max_queue: most jobs waiting or rendering at once; more get HTTP 429.
        default_frames, default_width, default_height, default_fps: what a request that leaves
            them out gets.
        quality: render preset of every video (``preview``, ``phav``, ``high``).
    """

    max_frames: int = 150
    max_width: int = 640
    max_height: int = 480
    min_size: int = 8
    min_fps: float = 1.0
    max_fps: float = 60.0
    max_queue: int = 8
    default_frames: int = 30
    default_width: int = 160
    default_height: int = 120
    default_fps: float = 30.0
    quality: str = "phav"

    def __post_init__(self) -> None:
        quality_settings(self.quality)  # raises ValueError naming the presets
        for name in ("max_frames", "max_width", "max_height", "max_queue"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not (self.min_size <= self.default_width <= self.max_width
                and self.min_size <= self.default_height <= self.max_height
                and 1 <= self.default_frames <= self.max_frames
                and 0 < self.min_fps <= self.default_fps <= self.max_fps):
            raise ValueError("the default frames, size and fps must lie inside the limits (and min_fps > 0)")
