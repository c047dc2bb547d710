"""The job table: which videos exist, wait, render or failed, and the worker pool that makes them.

:class:`JobManager` is framework-free: the web app calls :meth:`JobManager.submit` and
:meth:`JobManager.get`. Jobs render in a pool of *spawned* worker processes (GL contexts and
PyBullet clients must not be forked), so the server keeps answering while videos render. The
number of jobs waiting or rendering is bounded (:class:`QueueFull` beyond it), and so is the number
of finished jobs remembered in memory: beyond ``max_finished`` the least recently used are forgotten.
A forgotten video is still served: its ``job.json`` in the cache is read again when it is asked for
(a forgotten *failed* job is remade on the next request for it, as after a restart).

A failure that a retry may cure (``transient`` in the record: a worker killed or out of memory, the
server stopping, GL or disk trouble) is remade on the next request for the same video; a
deterministic one (the action not shown, an invalid spec) is returned as stored. If a worker process
dies, the pool is rebuilt: the job it was rendering fails (transient) and the jobs not yet started
are submitted again. Workers ignore SIGINT (Ctrl-C reaches the whole process group; the server
decides) and abort the video they write on SIGTERM (its partial folder is removed); :meth:`JobManager.close`
sends them SIGTERM, so a stopping server does not wait for renders.

With ``max_cache_bytes``, each video that finishes makes room: the folders of the least recently
used finished (or failed) jobs are deleted until the cache holds at most that many bytes; a queued
or running job's folder, and the video just made, are never deleted. A video whose folder is gone
(deleted here or by hand) is unknown again (404) and is made again on the next request for it.
"""

from __future__ import annotations

import collections
import concurrent.futures
import multiprocessing
import re
import shutil
import threading
import time
import warnings
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable

from phav.errors import PhavWarning
from phav.server.render_job import (DONE, FAILED, JOB_FILE, QUEUED, RUNNING, VIDEO_SUBDIR, read_job_file, render_job,
                                    write_job_file)
from phav.spec import VideoSpec

#: A job id: the spec's :meth:`~phav.spec.VideoSpec.video_id` (32 lowercase hex digits).
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class QueueFull(RuntimeError):
    """As many jobs wait or render as the server allows; the message says how many (HTTP 429)."""


#: How many times a job not yet started is submitted again after its pool broke (a worker died).
MAX_RESUBMITS = 2


def process_pool(workers: int) -> concurrent.futures.Executor:
    """A pool of ``workers`` spawned processes (the default executor), set up by :func:`init_worker`."""
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=init_worker)


def init_worker() -> None:
    """Pool initializer: SIGINT is ignored (Ctrl-C reaches the whole group; the server decides),
    SIGTERM and SIGHUP abort the video being written (:func:`run_in_worker`)."""
    from phav.dataset.local import handle_signals_as_pool_worker

    handle_signals_as_pool_worker()


def run_in_worker(function: Callable[[str, str, str], dict[str, Any]], *args: str) -> dict[str, Any]:
    """``function(*args)`` in a pool process; a SIGTERM there unwinds the video (its partial folder
    is removed) and ends the process, which the server sees as the job interrupted."""
    from phav.dataset.local import run_as_pool_worker

    return run_as_pool_worker(function, *args)


class JobManager:
    """Jobs keyed by video id, their folders under ``cache``, rendered by an executor.

    Args:
        cache: the cache folder (created); job ``id`` lives in ``cache/<id>/``.
        workers: worker processes.
        max_queue: most jobs queued or running at once.
        max_finished: most finished (done or failed) jobs remembered in memory; older ones are
            forgotten, least recently used first (done ones are read back from the cache when asked for).
        quality: render preset passed to every job.
        executor_factory: makes the executor from ``workers`` (default :func:`process_pool`; tests
            pass a thread pool).
        job_function: the function run per job, ``(spec_json, folder, quality) -> record``
            (default :func:`~phav.server.render_job.render_job`; it must be picklable for processes).
        max_cache_bytes: most bytes in the cache (``None``: unbounded); see :meth:`prune`.
    """

    def __init__(self, cache: str | Path, *, workers: int = 1, max_queue: int = 8, max_finished: int = 512,
                 quality: str = "phav",
                 executor_factory: Callable[[int], concurrent.futures.Executor] = process_pool,
                 job_function: Callable[[str, str, str], dict[str, Any]] = render_job,
                 max_cache_bytes: int | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if max_finished < 0:
            raise ValueError(f"max_finished must be at least 0, got {max_finished}")
        self.cache = Path(cache).resolve()
        self.cache.mkdir(parents=True, exist_ok=True)
        self.workers, self.max_queue, self.max_finished, self.quality = workers, max_queue, max_finished, quality
        if max_cache_bytes is not None and max_cache_bytes < 1:
            raise ValueError(f"max_cache_bytes must be at least 1, got {max_cache_bytes}")
        self.max_cache_bytes = max_cache_bytes
        self._used: dict[str, float] = {}  # job id -> when it was last asked for (the cache's LRU order)
        self._sizes: dict[str, int] = {}  # job id -> bytes of its finished folder
        self._factory, self._function = executor_factory, job_function
        self._executor: concurrent.futures.Executor | None = None
        self._jobs: collections.OrderedDict[str, dict[str, Any]] = collections.OrderedDict()  # least recent first
        self._lock = threading.RLock()
        self._closing = False
        self.renders_started = 0

    # ---- queries ----------------------------------------------------------------------------
    def folder(self, job_id: str) -> Path:
        """``cache/<id>``; ``ValueError`` for anything that is not a job id (no path can escape)."""
        if not JOB_ID.match(job_id):
            raise ValueError(f"{job_id!r} is not a video id (32 hex digits)")
        return self.cache / job_id

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's record (a copy), from memory or from a finished job's ``job.json``; ``None`` if unknown."""
        folder = self.folder(job_id)
        with self._lock:
            self._used[job_id] = time.time()
            job = self._jobs.get(job_id)
            if job is not None and job["status"] == DONE and not (folder / JOB_FILE).is_file():
                del self._jobs[job_id]  # its folder was deleted (pruned by hand): the video is gone
                job = None
            if job is not None:
                self._jobs.move_to_end(job_id)
                return dict(job)
        record = read_job_file(folder)
        if record is not None and record.get("status") == DONE:
            with self._lock:
                record = self._jobs.setdefault(job_id, record)
                self._jobs.move_to_end(job_id)
                self._forget_old()
            return dict(record)
        return None

    def remembered(self) -> int:
        """Jobs held in memory (queued, running, and up to ``max_finished`` finished ones)."""
        with self._lock:
            return len(self._jobs)

    def _forget_old(self) -> None:
        """Drop the least recently used finished jobs beyond ``max_finished`` (call with the lock held)."""
        finished = [i for i, j in self._jobs.items() if j["status"] in (DONE, FAILED)]
        for job_id in finished[:max(len(finished) - self.max_finished, 0)]:
            del self._jobs[job_id]

    def active(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j["status"] in (QUEUED, RUNNING))

    # ---- submitting -------------------------------------------------------------------------
    def submit(self, spec: VideoSpec) -> tuple[dict[str, Any], bool]:
        """Queue ``spec`` unless its video exists, waits or renders; returns ``(record, created)``.

        A job that failed for good (the same spec fails the same way) is returned as it is; one whose
        failure was ``transient`` is made again.

        Raises:
            QueueFull: ``max_queue`` jobs are already queued or running.
            RuntimeError: the server is shutting down, or the worker pool cannot be started.
        """
        job_id = spec.video_id()
        existing = self.get(job_id)
        if existing is not None and not existing.get("transient"):
            return existing, False
        with self._lock:
            if self._closing:
                raise RuntimeError("the server is shutting down; retry when it is back")
            known = self._jobs.get(job_id)
            if known is not None and not known.get("transient"):  # submitted meanwhile by another request
                return dict(known), False
            active = sum(1 for j in self._jobs.values() if j["status"] in (QUEUED, RUNNING))
            if active >= self.max_queue:
                raise QueueFull(f"{active} videos are queued or rendering (the limit is {self.max_queue}); "
                                "retry when one has finished")
            record = {"id": job_id, "spec": spec.to_dict(), "status": QUEUED, "error": None,
                      "submitted": time.time()}
            self._sizes.pop(job_id, None)
            self._jobs[job_id] = record
            folder = self.folder(job_id)
            try:
                write_job_file(folder, record)
                future = self._start(job_id, spec.to_json())
            except BaseException:
                del self._jobs[job_id]  # never a record that nothing will finish
                raise
            self.renders_started += 1
            snapshot = dict(record)  # as submitted: the job may finish before this returns
        future.add_done_callback(lambda f, job_id=job_id: self._finished(job_id, f))
        return snapshot, True

    def _start(self, job_id: str, spec_json: str) -> concurrent.futures.Future:
        """Submit job ``job_id`` to the pool (call with the lock held); a pool broken while idle (a
        worker killed or out of memory) is replaced once."""
        job = (run_in_worker, self._function, spec_json, str(self.folder(job_id)), self.quality)
        try:
            return self._pool().submit(*job)
        except BrokenProcessPool:
            self._drop_pool()
        try:
            return self._pool().submit(*job)
        except BrokenProcessPool:
            self._drop_pool()
            raise

    def _pool(self) -> concurrent.futures.Executor:
        """The worker pool, made when there is none (call with the lock held)."""
        if self._executor is None:
            self._executor = self._factory(self.workers)
        return self._executor

    def _drop_pool(self) -> None:
        """Let go of a broken pool (call with the lock held): the next job gets a new one."""
        broken, self._executor = self._executor, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)

    def _finished(self, job_id: str, future: concurrent.futures.Future) -> None:
        folder = self.folder(job_id)
        try:
            result = future.result()
        except BrokenProcessPool:
            with self._lock:  # the pool is unusable: the next job gets a fresh one (unless one was made already)
                broken = self._executor if getattr(self._executor, "_broken", False) else None
                if broken is not None:
                    self._executor = None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            if self._resubmit(job_id):
                return
            result = self._interrupted("the worker process died (killed or out of memory)")
        except concurrent.futures.CancelledError:
            result = self._interrupted("cancelled: the server is shutting down")
        except BaseException as exc:  # the job function itself raised (KeyboardInterrupt included)
            result = {"status": FAILED, "error": f"{type(exc).__name__}: {exc}", "transient": True}
        if result.get("transient") and "started" not in result:  # the worker did not write its ending
            self._abandon(folder, result)
        with self._lock:
            record = self._jobs.setdefault(job_id, {"id": job_id})
            record.update(result)
            if record.get("status") not in (DONE, FAILED):
                record["status"] = FAILED
                record["error"] = record.get("error") or "the job ended without a result"
            self._jobs.move_to_end(job_id)
            self._forget_old()
            done = record["status"] == DONE
        if done:
            self.prune(keep=job_id)

    def prune(self, keep: str | None = None) -> list[str]:
        """Delete the folders of the least recently used jobs that are neither queued nor running
        (nor ``keep``) until the cache holds at most ``max_cache_bytes``; returns their ids."""
        if self.max_cache_bytes is None:
            return []
        folders, total = [], 0
        for folder in self.cache.iterdir():
            if JOB_ID.match(folder.name) and folder.is_dir():
                size = self._sizes.get(folder.name)
                if size is None:  # a finished job's folder does not change: measured once
                    try:
                        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
                    except FileNotFoundError:  # being deleted (by hand) meanwhile: not there to make room
                        continue
                    with self._lock:
                        job = self._jobs.get(folder.name)
                        if job is None or job["status"] not in (QUEUED, RUNNING):
                            self._sizes[folder.name] = size
                total += size
                try:
                    used = self._used.get(folder.name) or (folder / JOB_FILE).stat().st_mtime
                except OSError:
                    used = 0.0
                folders.append((used, folder, size))
        removed = []
        for _, folder, size in sorted(folders, key=lambda f: f[0]):
            if total <= self.max_cache_bytes:
                break
            with self._lock:  # a request cannot submit or start this job while its folder goes
                job = self._jobs.get(folder.name)
                if folder.name == keep or (job is not None and job["status"] in (QUEUED, RUNNING)):
                    continue
                self._jobs.pop(folder.name, None)
                self._used.pop(folder.name, None)
                self._sizes.pop(folder.name, None)
                shutil.rmtree(folder, ignore_errors=True)
            total -= size
            removed.append(folder.name)
        return removed

    def _interrupted(self, error: str) -> dict[str, Any]:
        if self._closing:
            error = "interrupted: the server stopped before the video was made"
        return {"status": FAILED, "error": error, "transient": True}

    def _resubmit(self, job_id: str) -> bool:
        """Submit again a job whose pool broke before a worker started it (its ``job.json`` still
        says queued); ``False`` when it had started, the server is stopping or it was tried enough."""
        on_disk = read_job_file(self.folder(job_id)) or {}
        with self._lock:
            record = self._jobs.get(job_id)
            if (self._closing or record is None or on_disk.get("status") != QUEUED
                    or record.get("resubmits", 0) >= MAX_RESUBMITS):
                return False
            record["resubmits"] = record.get("resubmits", 0) + 1
            try:
                future = self._start(job_id, VideoSpec.from_dict(record["spec"]).to_json())
            except (BrokenProcessPool, RuntimeError, OSError):
                return False
        future.add_done_callback(lambda f: self._finished(job_id, f))
        return True

    @staticmethod
    def _abandon(folder: Path, result: dict[str, Any]) -> None:
        """A job that ended without its worker finishing it: no partial video is left, and its
        ``job.json`` says it failed (a restarted server makes it again)."""
        shutil.rmtree(folder / VIDEO_SUBDIR, ignore_errors=True)
        on_disk = read_job_file(folder) or {}
        try:
            write_job_file(folder, {**on_disk, **result})
        except OSError as exc:  # the cache is gone or read-only: the record in memory still says failed
            warnings.warn(f"cannot mark job {folder.name} failed in {folder}: {exc}", PhavWarning, stacklevel=2)

    def refresh(self, job_id: str) -> dict[str, Any] | None:
        """:meth:`get`, with a queued job's state updated from its ``job.json`` (``running`` once a
        worker has started it)."""
        record = self.get(job_id)
        if record is not None and record["status"] == QUEUED:
            on_disk = read_job_file(self.folder(job_id))
            if on_disk is not None and on_disk.get("status") == RUNNING:
                with self._lock:
                    job = self._jobs.get(job_id)
                    if job is not None and job["status"] == QUEUED:
                        job.update(status=RUNNING, started=on_disk.get("started"))
                        record = dict(job)
        return record

    def close(self) -> None:
        """Stop now: queued jobs are cancelled, the workers are sent SIGTERM (each aborts the video it
        writes, its partial folder removed), and unfinished jobs are marked failed (idempotent)."""
        with self._lock:
            self._closing = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        from phav.dataset.local import STOP_GRACE_S, pool_processes, stop_processes

        processes = pool_processes(executor)  # shutdown forgets them,
        manager = getattr(executor, "_executor_manager_thread", None)  # and the thread that ends their jobs
        executor.shutdown(wait=False, cancel_futures=True)
        stop_processes(processes)
        executor.shutdown(wait=True)
        if manager is not None:
            manager.join(STOP_GRACE_S)  # the jobs the workers left are marked failed
