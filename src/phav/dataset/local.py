"""The local backend: videos made in this process (one worker) or in a pool of spawned processes.

Each pool process holds one GL context. Processes are started with the ``spawn`` method: GL
contexts and PyBullet clients must never be forked. With ``PHAV_EGL_DEVICE`` a list of EGL device
indices (``0,1,2,3``: a machine with several GPUs), the processes take them in turn as they start:
the k-th process started renders on the (k mod n)-th device, processes started after a worker died
included. If a worker process dies (killed, out of memory)
the pool is rebuilt and the videos it had not reported are submitted again, a bounded number of times.

A run stopped early (SIGTERM, Ctrl-C, a fatal error) stops its pool processes too: the parent sends
each SIGTERM and waits for it; a pool process aborts the video it is writing (its hidden partial
folder is removed, as a one-process run does) and exits. Pool processes ignore SIGINT: Ctrl-C
reaches the whole process group, and the parent decides.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Sequence

from phav.dataset.worker import Task, release_renderer, run_task
from phav.errors import OutputError
from phav.render.context import egl_devices_from_env

#: Signals that end a pool process's video as SIGTERM does (SIGHUP: the session closed); the CLI's
#: process treats them alike (:data:`phav.cli.ENDING_SIGNALS`).
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
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
        pool = None
        broken = False
        try:
            with signals_deferred():  # a process interrupted while it is given its start-up data prints a traceback
                pool = spawn_pool(min(workers, len(remaining)), started, devices)
                futures = {pool.submit(run_pooled, task): key for key, task in remaining.items()}
            for future in concurrent.futures.as_completed(futures):
                try:
                    row = future.result()
                except BrokenProcessPool:
                    broken = True
                    break
                remaining.pop(futures[future], None)
                yield row
        except BaseException:  # stopped early (closed, interrupted): the processes abort their videos
            if pool is not None:
                stop_processes(pool_processes(pool))
            raise
        finally:
            if pool is not None:
                pool.shutdown(wait=not broken, cancel_futures=True)
        if broken:
            restarts += 1
            if restarts > MAX_POOL_RESTARTS:
                raise OutputError(
                    f"worker processes died {restarts} times (killed or out of memory); "
                    f"{len(remaining)} videos are left; rerun to continue")


@contextlib.contextmanager
def signals_deferred(signums: tuple[int, ...] = (signal.SIGINT, *ENDING_SIGNALS)) -> Iterator[None]:
    """In the main thread, hold back ``signums`` while the block runs, then act on the first that came
    as its handler would have (outside the main thread, where no handler runs, the block just runs)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    handlers = {signum: signal.getsignal(signum) for signum in signums}
    for signum in signums:
        signal.signal(signum, lambda number, frame: came.append(number))
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    if came:
        handler = handlers[came[0]]
        if callable(handler):
            handler(came[0], None)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(came[0])


#: Seconds a pool process has to abort its video after SIGTERM before it is killed (its partial folder
#: is then removed by the runner, the process being gone).
STOP_GRACE_S = 30.0


def pool_processes(pool: concurrent.futures.Executor) -> list[Any]:
    """The processes of a process pool (``multiprocessing`` processes; none for another executor).
    Take them before ``shutdown``, which forgets them."""
    return list((getattr(pool, "_processes", None) or {}).values())


def stop_processes(processes: Sequence[Any]) -> None:
    """Send SIGTERM to pool ``processes`` (:func:`pool_processes`) and wait for them: each aborts
    the video it is writing (:class:`WorkerTerminated`) and exits; one that does not within
    :data:`STOP_GRACE_S` is killed."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(STOP_GRACE_S)
        if process.is_alive():
            process.kill()
            process.join()


class WorkerTerminated(SystemExit):
    """SIGTERM in a pool process: unwinds the video being written (its partial folder is removed)."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _raise_terminated(signum: int, frame: object) -> None:
    for ending in ENDING_SIGNALS:  # a second signal (the group's, then the parent's) must not
        signal.signal(ending, signal.SIG_IGN)  # interrupt the removal of the partial folder
    raise WorkerTerminated()


def handle_signals_as_pool_worker() -> None:
    """In a pool process (the dataset's, the server's): SIGTERM and SIGHUP abort the video being
    written (:func:`run_as_pool_worker`), SIGINT is ignored (Ctrl-C reaches the whole process
    group, and the parent decides)."""
    for ending in ENDING_SIGNALS:
        signal.signal(ending, _raise_terminated)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_as_pool_worker(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a pool process; a SIGTERM or SIGHUP there unwinds the video being
    written (its partial folder is removed) and ends the process, which the pool sees die."""
    try:
        return function(*args)
    except WorkerTerminated:
        os._exit(128 + signal.SIGTERM)


def run_pooled(task: Task) -> dict[str, Any]:
    """:func:`run_task` in a pool process (:func:`run_as_pool_worker`): a run going on submits the
    video of a process that died again."""
    return run_as_pool_worker(run_task, task)


def spawn_pool(workers: int, started: Any, devices: list[int]) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes, each rendering on the next of ``devices`` (EGL
    indices) in turn: ``started`` (a shared ``SPAWN.Value("i")``) counts the processes started."""
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=SPAWN, initializer=init_process,
                                                  initargs=(started, devices))


def init_process(started: Any, devices: list[int]) -> None:
    """Pool initializer: SIGTERM and SIGHUP abort the video being written (:func:`run_pooled`),
    SIGINT is left to the parent, and the process takes its EGL device (:func:`take_device`)."""
    handle_signals_as_pool_worker()
    try:
        take_device(started, devices)
    except WorkerTerminated:  # stopped while starting: nothing to abort, and no traceback
        os._exit(128 + signal.SIGTERM)


def take_device(started: Any, devices: list[int]) -> None:
    """Pool initializer: this process renders on ``devices[k mod n]``, k the number of processes
    ``started`` before it (``PHAV_EGL_DEVICE`` set to that one index, before any GL context)."""
    with started.get_lock():
        k = started.value
        started.value += 1
    os.environ["PHAV_EGL_DEVICE"] = str(devices[k % len(devices)])
