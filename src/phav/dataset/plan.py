"""Deterministic dataset plans: which videos a dataset holds, each keyed by (class, index).

A plan depends only on the model (config and fixed options), the classes, the number of videos per
class and the global seed: the same command plans the same videos. Video ``index`` of class ``action``
is drawn from a generator derived by hashing ``(seed, action, index)``, so adding classes or videos
never changes the videos already planned. Videos are ordered index-major (every class's video 0, then
every class's video 1, ...) so that a partial run stays balanced, and a shard ``i/N`` takes every
N-th video of that order.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Sequence

from phav.errors import SpecError
from phav.io.layout import video_dir
from phav.sampling import SpecModel, video_seed
from phav.spec import VideoSpec

#: Most videos per class a plan holds: an index has five digits in a key (``Walk/00042``), and a plan
#: is held in memory whole (a dry run of 100000 videos of each of 43 classes takes about half a minute).
MAX_VIDEOS_PER_CLASS = 100_000

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclasses.dataclass(frozen=True)
class PlannedVideo:
    """One video of a plan: its key, its spec, and the seeds of its retries.

    Attributes:
        action, index: the key (``index`` counts from 0 within the class).
        spec: the spec of the first attempt; retry ``a`` replaces only the seed.
        position: the video's place in the whole (unsharded) plan.
    """

    action: str
    index: int
    spec: VideoSpec
    position: int
    global_seed: int

    @property
    def key(self) -> str:
        """``"<action>/<index:05d>"``: the manifest's key."""
        return f"{self.action}/{self.index:05d}"

    def attempt_spec(self, attempt: int) -> VideoSpec:
        """The spec of attempt ``attempt`` (0 = the planned one; later ones get new derived seeds)."""
        if attempt == 0:
            return self.spec
        return self.spec.replace(seed=video_seed(self.global_seed, self.action, self.index, attempt))

    def folders(self, out_root: str | Path, attempts: int) -> list[Path]:
        """The final folder of each of the first ``attempts`` attempts."""
        return [video_dir(out_root, self.action, self.attempt_spec(a).folder_name()) for a in range(attempts)]


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"i/N"`` (0-based ``i``) -> ``(i, N)``; ``None`` -> ``(0, 1)``.

    Raises:
        SpecError: malformed, or ``i`` outside ``0..N-1``.
    """
    if text is None:
        return 0, 1
    match = _SHARD.match(text)
    if not match:
        raise SpecError(f"shard {text!r} is malformed; use i/N with 0 <= i < N, e.g. 0/4")
    i, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 0 <= i < n:
        raise SpecError(f"shard {text!r} is out of range; use i/N with 0 <= i < N (shards count from 0)")
    return i, n


def plan_dataset(
    model: SpecModel,
    videos_per_class: int,
    seed: int,
    classes: Sequence[str] | None = None,
    shard: tuple[int, int] = (0, 1),
) -> list[PlannedVideo]:
    """The videos of shard ``shard = (i, N)`` of the dataset, in plan order.

    Raises:
        SpecError: ``videos_per_class`` outside 1..:data:`MAX_VIDEOS_PER_CLASS`, a negative seed, or an
            unknown class (lists the valid ones).
    """
    if not 1 <= videos_per_class <= MAX_VIDEOS_PER_CLASS:
        raise SpecError(f"videos per class must be in 1..{MAX_VIDEOS_PER_CLASS} (a key numbers them with five "
                        f"digits), got {videos_per_class}; give at most {MAX_VIDEOS_PER_CLASS}")
    if seed < 0:
        raise SpecError(f"seed must be >= 0, got {seed}")
    names = model.classes(classes)
    i, n = shard
    out = []
    position = 0
    for index in range(videos_per_class):
        for action in names:
            if position % n == i:
                spec = model.planned(seed, action, index).validate()
                out.append(PlannedVideo(action, index, spec, position, seed))
            position += 1
    return out
