"""What a dataset run would do, without doing it (``phav-render dataset --dry-run``).

:func:`plan_status` plans the videos exactly as :func:`~phav.dataset.run_dataset` would, scans the
folder for what is finished as a run's resume does (a rerun with other options is refused the same
way), and reports the counts, the frames, the classes a run would add to ``classes.txt`` and, from
the finished videos' recorded sizes and times, the disk and the time the rest would take. It
writes nothing and creates no folder.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

from phav.dataset.classes import dataset_classes, with_planned
from phav.dataset.manifest import check_row_paths, manifest_path, read_manifest
from phav.dataset.options import RunOptions
from phav.dataset.plan import plan_dataset
from phav.dataset.runner import DEFAULT_ATTEMPTS, check_root, check_run_arguments, scan_plan, warn_unplanned
from phav.frames import MODALITIES
from phav.sampling import SpecModel


@dataclasses.dataclass(frozen=True)
class PlanStatus:
    """A plan against a dataset folder.

    Attributes:
        planned, classes, planned_frames: the shard's videos, the whole plan's classes, the shard's frames.
        done: planned videos finished already; ``kept_failed``: those an earlier run recorded as
            failed, which a run keeps so (not counted in ``to_make``).
        to_make, frames_to_make: what a run would make.
        done_bytes, done_frames: bytes and frames of the finished videos whose size is recorded.
        timed_seconds, timed_frames: wall seconds (on their worker) and frames of the finished
            videos whose time is recorded (rows rebuilt from folders have none).
        new_classes: classes a run would append to ``classes.txt``, with their labels (from 0).
        shard: ``(i, N)``.
    """

    planned: int
    classes: int
    planned_frames: int
    done: int
    kept_failed: int
    to_make: int
    frames_to_make: int
    done_bytes: int
    done_frames: int
    timed_seconds: float
    timed_frames: int
    new_classes: dict[str, int]
    shard: tuple[int, int]

    @property
    def bytes_per_frame(self) -> float | None:
        """Mean bytes per frame of the finished videos (``None`` before any is finished)."""
        return self.done_bytes / self.done_frames if self.done_frames else None

    @property
    def seconds_per_frame(self) -> float | None:
        """Mean wall seconds per frame of the finished videos on their worker (``None`` before any
        is timed)."""
        return self.timed_seconds / self.timed_frames if self.timed_frames else None

    def text(self, workers: int = 1) -> str:
        """A few lines for the terminal; ``workers``: the run's, for the time the rest takes."""
        i, n = self.shard
        where = f" (shard {i}/{n})" if n > 1 else ""
        lines = [
            "dry run: nothing was made or written",
            f"{self.planned} videos planned{where} in {self.classes} class{'' if self.classes == 1 else 'es'}, "
            f"{self.planned_frames} frames: "
            f"{self.done} done, "
            + (f"{self.kept_failed} failed in an earlier run (kept: --retry-failed makes them again), "
               if self.kept_failed else "")
            + f"{self.to_make} to make ({self.frames_to_make} frames)",
        ]
        per_frame = self.bytes_per_frame
        if per_frame is None:
            lines.append("disk: no finished video to estimate from")
        else:
            lines.append(f"disk: {_size(self.done_bytes)} in finished videos, {_size(per_frame)} a frame: about "
                         f"{_size(per_frame * self.frames_to_make)} more for the rest")
        pace = self.seconds_per_frame
        if pace is None:
            lines.append("time: no timed finished video to estimate from")
        else:
            seconds = pace * self.frames_to_make
            lines.append(f"time: the finished videos took {pace:.3f} s a frame on their worker: the rest is about "
                         f"{_duration(seconds)} of one worker" + (f", {_duration(seconds / workers)} on {workers} "
                                                                  "workers at that pace" if workers > 1 else ""))
        if self.new_classes and min(self.new_classes.values()) == 0:
            lines.append(f"classes.txt: a new list, labels 0-{len(self.new_classes) - 1} in name order")
        elif self.new_classes:
            lines.append("classes.txt would gain: " + ", ".join(f"{name} (label {label})"
                                                                for name, label in self.new_classes.items()))
        return "\n".join(lines)


def plan_status(
    out_root: str | Path,
    model: SpecModel,
    videos_per_class: int,
    *,
    seed: int = 0,
    classes: Sequence[str] | None = None,
    shard: tuple[int, int] = (0, 1),
    modalities: Sequence[str] = MODALITIES,
    max_attempts: int = DEFAULT_ATTEMPTS,
    retry_failed: bool = False,
    quality: str = "phav",
) -> PlanStatus:
    """What ``run_dataset`` with these arguments would do in ``out_root`` (which need not exist).

    Raises:
        SpecError: bad arguments, or a finished video was made with other options (as a run would).
        OutputError: ``out_root`` is not a writable folder and cannot be created (as a run would say).
        DataError: what a finished video was made with cannot be read, ``classes.txt`` is broken, or
            the manifest has a line that is no row or a row whose path leads out of ``out_root``.
    """
    check_run_arguments("local", 1, max_attempts, quality)
    out_root = Path(out_root)
    videos = plan_dataset(model, videos_per_class, seed, classes, shard)
    names = model.classes(classes)
    check_root(out_root)
    if out_root.is_dir():
        previous = read_manifest(manifest_path(out_root, shard))
        check_row_paths(out_root, previous.values())
        rows, to_make = scan_plan(out_root, videos, previous, RunOptions.of(tuple(modalities), quality), max_attempts,
                                  retry_failed)
        warn_unplanned(out_root, videos, previous)
        known = dataset_classes(out_root)
    else:
        rows, to_make, known = {}, list(videos), []
    finished = [row for row in rows.values() if row["status"] == "done"]
    sized = [row for row in finished if row.get("bytes") is not None and row.get("frames")]
    timed = [row for row in finished if row.get("seconds") is not None and row.get("frames")]
    return PlanStatus(
        planned=len(videos), classes=len(names), planned_frames=sum(v.spec.frames for v in videos),
        done=len(finished), kept_failed=len(rows) - len(finished), to_make=len(to_make),
        frames_to_make=sum(v.spec.frames for v in to_make),
        done_bytes=sum(int(row["bytes"]) for row in sized), done_frames=sum(int(row["frames"]) for row in sized),
        timed_seconds=sum(float(row["seconds"]) for row in timed), timed_frames=sum(int(row["frames"]) for row in timed),
        new_classes={name: label for label, name in enumerate(with_planned(known, names)) if name not in known},
        shard=shard)


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
