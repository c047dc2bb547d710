"""The job table: which videos exist, wait, render or failed, and the worker pool that makes them.

:class:`JobManager` is framework-free: the web app calls :meth:`JobManager.submit` and
:meth:`JobManager.get`. Jobs render in a pool of *spawned* worker processes (GL contexts and
PyBullet clients must not be forked), so the server keeps answering while videos render. The
number of jobs waiting or rendering is bounded (:class:`QueueFull` beyond it), and so is the number
of finished jobs remembered in memory: beyond ``max_finished`` the least recently used are forgotten.
A forgotten video is still served: its ``job.json`` in the cache is read again when it is asked for
(a forgotten *failed* job is remade on the next request for it, as after a restart).
"""

from __future__ import annotations

import collections
import concurrent.futures
import multiprocessing
import re
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable

from phav.server.render_job import DONE, FAILED, QUEUED, RUNNING, read_job_file, render_job, write_job_file
from phav.spec import VideoSpec

#: A job id: the spec's :meth:`~phav.spec.VideoSpec.video_id` (32 lowercase hex digits).
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class QueueFull(RuntimeError):
    """As many jobs wait or render as the server allows; the message says how many (HTTP 429)."""


def process_pool(workers: int) -> concurrent.futures.Executor:
    """A pool of ``workers`` spawned processes (the default executor)."""
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


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
    """

    def __init__(self, cache: str | Path, *, workers: int = 1, max_queue: int = 8, max_finished: int = 512,
                 quality: str = "phav",
                 executor_factory: Callable[[int], concurrent.futures.Executor] = process_pool,
                 job_function: Callable[[str, str, str], dict[str, Any]] = render_job) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if max_finished < 0:
            raise ValueError(f"max_finished must be at least 0, got {max_finished}")
        self.cache = Path(cache).resolve()
        self.cache.mkdir(parents=True, exist_ok=True)
        self.workers, self.max_queue, self.max_finished, self.quality = workers, max_queue, max_finished, quality
        self._factory, self._function = executor_factory, job_function
        self._executor: concurrent.futures.Executor | None = None
        self._jobs: collections.OrderedDict[str, dict[str, Any]] = collections.OrderedDict()  # least recent first
        self._lock = threading.Lock()
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
            job = self._jobs.get(job_id)
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

        A failed job is kept (the same spec fails the same way) and returned as it is.

        Raises:
            QueueFull: ``max_queue`` jobs are already queued or running.
        """
        job_id = spec.video_id()
        existing = self.get(job_id)
        if existing is not None:
            return existing, False
        with self._lock:
            if job_id in self._jobs:  # submitted meanwhile by another request
                return dict(self._jobs[job_id]), False
            active = sum(1 for j in self._jobs.values() if j["status"] in (QUEUED, RUNNING))
            if active >= self.max_queue:
                raise QueueFull(f"{active} videos are queued or rendering (the limit is {self.max_queue}); "
                                "retry when one has finished")
            record = {"id": job_id, "spec": spec.to_dict(), "status": QUEUED, "error": None,
                      "submitted": time.time()}
            self._jobs[job_id] = record
            folder = self.folder(job_id)
            write_job_file(folder, record)
            if self._executor is None:
                self._executor = self._factory(self.workers)
            self.renders_started += 1
            snapshot = dict(record)  # as submitted: the job may finish before this returns
            future = self._executor.submit(self._function, spec.to_json(), str(folder), self.quality)
        future.add_done_callback(lambda f, job_id=job_id: self._finished(job_id, f))
        return snapshot, True

    def _finished(self, job_id: str, future: concurrent.futures.Future) -> None:
        try:
            result = future.result()
        except BrokenProcessPool:
            result = {"status": FAILED, "error": "the worker process died (killed or out of memory)"}
            with self._lock:  # the pool is unusable: the next job gets a fresh one
                broken, self._executor = self._executor, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
        except concurrent.futures.CancelledError:
            result = {"status": FAILED, "error": "cancelled: the server is shutting down"}
        except Exception as exc:  # the job function itself raised
            result = {"status": FAILED, "error": f"{type(exc).__name__}: {exc}"}
        with self._lock:
            record = self._jobs.setdefault(job_id, {"id": job_id})
            record.update(result)
            if record.get("status") not in (DONE, FAILED):
                record["status"] = FAILED
                record["error"] = record.get("error") or "the job ended without a result"
            self._jobs.move_to_end(job_id)
            self._forget_old()

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
        """Stop the workers; queued jobs are cancelled (idempotent)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
