"""The local backend: videos made in this process (one worker) or in a pool of spawned processes.

Each pool process holds one GL context. Processes are started with the ``spawn`` method: GL
contexts and PyBullet clients must never be forked. With ``PHAV_EGL_DEVICE`` a list of EGL device
indices (``0,1,2,3``: a machine with several GPUs), the processes take them in turn as they start:
the k-th process started renders on the (k mod n)-th device, processes started after a worker died
included. If a worker process dies (killed, out of memory)
the pool is rebuilt and the videos it had not reported are submitted again, a bounded number of times.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterator, Sequence

from phav.dataset.worker import Task, release_renderer, run_task
from phav.errors import OutputError
from phav.render.context import egl_devices_from_env

#: Pool processes are spawned, never forked.
SPAWN = multiprocessing.get_context("spawn")
#: How many times a broken pool (a worker process died) is rebuilt before the run stops.
MAX_POOL_RESTARTS = 3


def run_in_process(tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    """Rows of ``tasks`` made one after the other in this process (its renderer closed at the end)."""
    try:
        for task in tasks:
            yield run_task(task)
    finally:
        release_renderer()


def run_pool(tasks: Sequence[Task], workers: int) -> Iterator[dict[str, Any]]:
    """Rows of ``tasks`` as they complete on ``workers`` spawned processes.

    Raises:
        OutputError: worker processes kept dying (more than :data:`MAX_POOL_RESTARTS` rebuilds).
    """
    remaining = {task.video.key: task for task in tasks}
    devices = egl_devices_from_env()
    started = SPAWN.Value("i", 0)  # processes started so far, across pool rebuilds
    restarts = 0
    while remaining:
        pool = spawn_pool(min(workers, len(remaining)), started, devices)
        broken = False
        try:
            futures = {pool.submit(run_task, task): key for key, task in remaining.items()}
            for future in concurrent.futures.as_completed(futures):
                try:
                    row = future.result()
                except BrokenProcessPool:
                    broken = True
                    break
                remaining.pop(futures[future], None)
                yield row
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)
        if broken:
            restarts += 1
            if restarts > MAX_POOL_RESTARTS:
                raise OutputError(
                    f"worker processes died {restarts} times (killed or out of memory); "
                    f"{len(remaining)} videos are left; rerun to continue")


def spawn_pool(workers: int, started: Any, devices: list[int]) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes, each rendering on the next of ``devices`` (EGL
    indices) in turn: ``started`` (a shared ``SPAWN.Value("i")``) counts the processes started."""
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=SPAWN, initializer=take_device,
                                                  initargs=(started, devices))


def take_device(started: Any, devices: list[int]) -> None:
    """Pool initializer: this process renders on ``devices[k mod n]``, k the number of processes
    ``started`` before it (``PHAV_EGL_DEVICE`` set to that one index, before any GL context)."""
    with started.get_lock():
        k = started.value
        started.value += 1
    os.environ["PHAV_EGL_DEVICE"] = str(devices[k % len(devices)])
