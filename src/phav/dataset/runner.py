"""``run_dataset``: plan, resume, generate on a backend, record the manifest, report progress.

Crash safety: a video is written into a hidden ``.<name>.partial-<pid>`` folder and renamed into
place only when complete (:class:`~phav.io.video_folder.VideoFolderWriter`). A rerun of the same
command plans the same videos, counts every video whose final folder exists as done (whatever the
manifest says: the run may have been killed between the rename and the manifest line), removes
the partial folders of its own videos left by dead processes, and makes only the rest. A lock file
keeps two runs of the same shard from writing at once.
"""

from __future__ import annotations

import collections
import dataclasses
import errno
import fcntl
import os
import re
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence

from phav.dataset.classes import CLASSES_FILE, record_classes
from phav.dataset.manifest import ManifestAppender, check_row_paths, manifest_path, read_manifest, write_manifest
from phav.dataset.options import RunOptions, check_video_options
from phav.dataset.plan import PlannedVideo, plan_dataset
from phav.dataset.worker import Task, folder_bytes
from phav.io.atomic import unwritable
from phav.errors import OutputError, PhavWarning, SpecError
from phav.frames import MODALITIES
from phav.render.settings import QUALITIES
from phav.sampling import SpecModel

BACKENDS = ("local", "ray")
#: Default attempts per video (the first plus retries with new derived seeds).
DEFAULT_ATTEMPTS = 3


@dataclasses.dataclass
class Summary:
    """What a run did. ``done``/``failed`` count this run's videos; ``skipped`` those already finished,
    ``kept_failed`` of them the ones an earlier run recorded as failed (``retry_failed`` makes them again)."""

    planned: int
    skipped: int
    done: int
    failed: int
    pending: int
    frames: int
    seconds: float
    manifest: Path
    failures: dict[str, int]
    #: per failure kind, the first such video's class and first attempt's reason
    failure_examples: dict[str, str] = dataclasses.field(default_factory=dict)
    kept_failed: int = 0

    @property
    def failed_in_all(self) -> int:
        """Planned videos the dataset ends with as failed: this run's and the kept ones of earlier runs."""
        return self.failed + self.kept_failed

    @property
    def videos_per_s(self) -> float:
        return (self.done + self.failed) / self.seconds if self.seconds > 0 else 0.0

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def text(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"{self.planned} videos planned: {self.skipped - self.kept_failed} already done, "
            + (f"{self.kept_failed} failed in an earlier run (kept: --retry-failed makes them again), "
               if self.kept_failed else "")
            + f"{self.done} made, {self.failed} failed, {self.pending} left",
            f"{self.frames} frames in {self.seconds:.1f} s: {self.videos_per_s:.2f} videos/s, "
            f"{self.frames_per_s:.1f} frames/s",
        ]
        if self.failures:
            lines.append("failures: " + ", ".join(f"{k} x{v}" for k, v in sorted(self.failures.items())))
            lines += [f"  {kind}, e.g. {self.failure_examples[kind]}" for kind in sorted(self.failures)
                      if kind in self.failure_examples]
        lines.append(f"manifest: {self.manifest}")
        return "\n".join(lines)


def _first_reason(row: dict[str, Any]) -> str:
    """``"<class>: <its first attempt's reason>"`` of a failed video's manifest row (a reason lists
    every attempt: ``attempt 1 (seed s): Kind: message; attempt 2 ...``)."""
    first = str(row.get("reason") or "no reason recorded").split("; attempt ")[0]
    return f"{row['action']}: {re.sub(r'^attempt 1 [(]seed [0-9]+[)]: ', '', first)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_partials(out_root: Path, videos: Sequence[PlannedVideo], attempts: int) -> list[Path]:
    """Remove the ``.<name>.partial-<pid>`` folders of ``videos`` whose process is gone; returns them."""
    names: dict[str, set[str]] = collections.defaultdict(set)
    for video in videos:
        for folder in video.folders(out_root, attempts):
            names[video.action].add(folder.name)
    removed = []
    for action, wanted in names.items():
        folder = out_root / action
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            name, sep, pid = entry.name.rpartition(".partial-")
            if not (sep and name.startswith(".") and pid.isdigit() and name[1:] in wanted):
                continue
            if int(pid) == os.getpid() or not _pid_alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    return removed


def check_root(out_root: Path) -> None:
    """Raise :class:`OutputError` when ``out_root`` is not a writable folder and cannot be made one (a
    file, or an unwritable folder, where it or a parent would go), without creating anything: the
    dry run refuses as the run does."""
    found = unwritable(out_root)
    if found is None:
        return
    probe, why = found
    if probe == out_root:
        raise OutputError(f"dataset folder {out_root} is not a writable folder; choose another --out")
    raise OutputError(f"cannot create the dataset folder {out_root}: {why}; choose another --out")


def _prepare_root(out_root: Path) -> None:
    check_root(out_root)
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the dataset folder {out_root}: {exc.strerror or exc}; choose another --out") from None


class _Lock:
    """An exclusive ``flock`` on a file in the dataset folder, released when the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = open(path, "a")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise OutputError(f"another run is writing this dataset shard (lock {path}); wait for it or stop it") from None
            raise

    def release(self) -> None:
        if not self._fh.closed:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()


def _existing_row(video: PlannedVideo, out_root: Path, attempts: int, row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The done row of ``video`` if one of its attempts' folders exists (rebuilt if the manifest lacks it).

    A row carried over from an earlier run loses its ``cpu_s``: that was the earlier run's CPU time.
    """
    for attempt, folder in enumerate(video.folders(out_root, attempts)):
        if folder.is_dir():
            rel = str(folder.relative_to(out_root))
            if row and row.get("status") == "done" and row.get("path") == rel:
                return {k: v for k, v in row.items() if k != "cpu_s"}
            spec = video.attempt_spec(attempt)
            return {"key": video.key, "action": video.action, "index": video.index, "status": "done",
                    "attempts": attempt + 1, "path": rel, "frames": spec.frames, "seconds": None,
                    "bytes": folder_bytes(folder), "reason": None, "error": None, "spec": spec.to_dict()}
    return None


def warn_unplanned(out_root: Path, videos: Sequence[PlannedVideo], previous: dict[str, dict[str, Any]]) -> None:
    """Warn (:class:`~phav.errors.PhavWarning`) when ``out_root`` holds videos of an earlier, larger
    plan that this one leaves out (fewer videos per class or classes): their folders stay, but the
    manifest this run writes, and so the exports, no longer list them."""
    planned = {v.key for v in videos}
    left = sorted(key for key, row in previous.items() if key not in planned and row.get("status") == "done"
                  and row.get("path") and (out_root / row["path"]).is_dir())
    if left:
        noun = "video" if len(left) == 1 else "videos"
        warnings.warn(f"{out_root} holds {len(left)} {noun} an earlier run planned and this one does not (e.g. "
                      f"{left[0]}): they stay in the folder but leave the manifest and the exports; rerun with the "
                      "earlier --videos-per-class and --classes to keep them listed", PhavWarning, stacklevel=3)


def _failed_as_planned(row: dict[str, Any] | None, video: PlannedVideo, attempts: int) -> bool:
    """Whether ``row`` records ``video`` as failed with one of the specs this plan would try (a row
    from a run with other options, e.g. another --frames, is another video: it is made anew)."""
    if row is None or row.get("status") != "failed":
        return False
    tried = max(int(row.get("attempts") or 0), attempts)
    return any(row.get("spec") == video.attempt_spec(a).to_dict() for a in range(tried))


def scan_plan(out_root: Path, videos: Sequence[PlannedVideo], previous: dict[str, dict[str, Any]], options: RunOptions,
              max_attempts: int, retry_failed: bool) -> tuple[dict[str, dict[str, Any]], list[PlannedVideo]]:
    """What of ``videos`` is in ``out_root`` already: the rows of the finished ones (and of those an
    earlier run recorded as failed, unless ``retry_failed``), by key, and the videos left to make.
    ``previous``: the shard's manifest rows by key. Reads only.

    Raises:
        SpecError: a finished video was made with other options (:func:`check_video_options`; nothing
            is to be made before every planned video has passed that check).
        DataError: what a finished video was made with cannot be read.
    """
    rows: dict[str, dict[str, Any]] = {}
    to_make: list[PlannedVideo] = []
    for video in videos:
        old = previous.get(video.key)
        row = _existing_row(video, out_root, max_attempts, old)
        check_video_options(out_root, video, row, old, options)
        if row is not None:  # made with these options (a row rebuilt from its folder now says so)
            row = {**row, **options.row_fields()}
        elif _failed_as_planned(old, video, max_attempts) and not retry_failed:
            row = old
        if row is not None:
            rows[video.key] = row
        else:
            to_make.append(video)
    return rows, to_make


def _pending_row(video: PlannedVideo) -> dict[str, Any]:
    return {"key": video.key, "action": video.action, "index": video.index, "status": "pending", "attempts": 0,
            "path": None, "frames": None, "seconds": None, "bytes": None, "reason": None,
            "error": None, "spec": video.spec.to_dict()}


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="video", file=sys.stderr, disable=not enabled, dynamic_ncols=True,
                smoothing=0.1, desc="videos")


def _results(backend: str, tasks: Sequence[Task], workers: int, num_gpus: float) -> Iterator[dict[str, Any]]:
    if backend == "ray":
        from phav.dataset.ray_backend import run_ray

        return run_ray(tasks, workers, num_gpus=num_gpus)
    from phav.dataset.local import run_in_process, run_pool

    return run_in_process(tasks) if workers == 1 else run_pool(tasks, workers)


def check_run_arguments(backend: str, workers: int, max_attempts: int, quality: str) -> None:
    """Raises SpecError for an unknown backend or quality, or fewer than one worker or attempt."""
    if backend not in BACKENDS:
        raise SpecError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if workers < 1:
        raise SpecError(f"workers must be at least 1, got {workers}")
    if max_attempts < 1:
        raise SpecError(f"attempts must be at least 1, got {max_attempts}")
    if quality not in QUALITIES:
        raise SpecError(f"unknown quality {quality!r}; choose one of {', '.join(QUALITIES)}")


def run_dataset(
    out_root: str | Path,
    model: SpecModel,
    videos_per_class: int,
    *,
    seed: int = 0,
    classes: Sequence[str] | None = None,
    shard: tuple[int, int] = (0, 1),
    workers: int = 1,
    backend: str = "local",
    modalities: Sequence[str] = MODALITIES,
    max_attempts: int = DEFAULT_ATTEMPTS,
    retry_failed: bool = False,
    save_take: bool = False,
    progress: bool = True,
    num_gpus: float = 0.0,
    quality: str = "phav",
) -> Summary:
    """Make (or finish) a dataset in ``out_root``; returns what was done.

    Args:
        model: the sampling model (its base spec fixes size, fps, frames, batch).
        videos_per_class: videos planned per class; ``classes``: the classes (default: all available).
        seed: the global seed the plan derives every video's seed from.
        shard: ``(i, N)``: make only every N-th planned video starting at ``i``.
        workers: processes (local) or CPUs of a local Ray instance.
        backend: ``"local"`` or ``"ray"``.
        max_attempts: attempts per video before it is recorded as failed.
        retry_failed: make again the videos an earlier run recorded as failed.
        num_gpus: GPUs each Ray task declares.
        quality: render preset of every video (``preview``, ``phav``, ``high``).

    Raises:
        SpecError: bad arguments (unknown class, backend, ...).
        DataError: the shard's manifest has a line that is no row, or a row whose path is not
            ``<Action>/<video folder>`` inside ``out_root`` (:func:`~phav.dataset.manifest.row_folder`).
        OutputError: the folder is unusable, or an output error (disk full) stopped the run; videos
            finished before it are kept and recorded, and a rerun continues.
    """
    check_run_arguments(backend, workers, max_attempts, quality)
    out_root = Path(out_root)
    videos = plan_dataset(model, videos_per_class, seed, classes, shard)
    _prepare_root(out_root)
    i, n = shard
    lock = _Lock(out_root / (".phav-dataset.lock" if n == 1 else f".phav-dataset-shard-{i}-of-{n}.lock"))
    try:
        return _run(out_root, videos, model.classes(classes), shard, workers, backend, tuple(modalities),
                    max_attempts, retry_failed, save_take, progress, num_gpus, quality)
    finally:
        lock.release()


def _run(out_root: Path, videos: list[PlannedVideo], planned_classes: list[str], shard: tuple[int, int],
         workers: int, backend: str,
         modalities: tuple[str, ...], max_attempts: int, retry_failed: bool, save_take: bool,
         progress: bool, num_gpus: float, quality: str) -> Summary:
    clean_stale_partials(out_root, videos, max_attempts)
    path = manifest_path(out_root, shard)
    previous = read_manifest(path)
    check_row_paths(out_root, previous.values())
    rows, to_make = scan_plan(out_root, videos, previous, RunOptions.of(modalities, quality), max_attempts,
                              retry_failed)
    todo = [Task(video, str(out_root), modalities, max_attempts, save_take, quality) for video in to_make]
    warn_unplanned(out_root, videos, previous)
    try:
        record_classes(out_root, planned_classes)  # the labels, before any video of a new class exists
    except OSError as exc:
        raise OutputError(f"cannot write {out_root / CLASSES_FILE}: {exc.strerror or exc}; free space or fix the "
                          "folder's permissions and rerun") from None
    skipped = len(rows)
    kept_failed = sum(1 for row in rows.values() if row["status"] == "failed")
    done = failed = frames = 0
    failures: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    fatal: str | None = None
    start = time.perf_counter()
    bar = _progress(len(todo), progress)
    results = _results(backend, todo, workers, num_gpus)
    try:
        with ManifestAppender(path) as manifest:
            for row in results:
                fatal = row.pop("fatal", None)
                if fatal:
                    break
                manifest.append(row)
                rows[row["key"]] = row
                if row["status"] == "done":
                    done += 1
                    frames += int(row["frames"] or 0)
                else:
                    failed += 1
                    kind = row.get("error") or "error"
                    failures[kind] += 1
                    examples.setdefault(kind, _first_reason(row))
                bar.update(1)
                bar.set_postfix(failed=failed, refresh=False)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
        clean_stale_partials(out_root, videos, max_attempts)  # left by workers that died during the run
        bar.close()
        seconds = time.perf_counter() - start
        write_manifest(path, [rows.get(v.key) or _pending_row(v) for v in videos])
    pending = len(videos) - len(rows)
    summary = Summary(len(videos), skipped, done, failed, pending, frames, seconds, path, dict(failures), examples,
                      kept_failed)
    if fatal:
        raise OutputError(f"{fatal}; stopped: {done + skipped} finished videos are kept, {pending} left; "
                          "fix that and rerun the same command to continue")
    return summary
