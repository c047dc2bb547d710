"""CPU time per stage of the video path in this process: simulate, render, write, the rest.

:func:`stage_cpu` wraps, for the duration of a ``with`` block and in this process only, the three
calls :func:`phav.pipeline.generate_video` makes per video: ``Scenario.simulate`` (physics, skin
build and the take), ``Renderer.render_take`` (every ``next()`` of its frame iterator: drawing and
read-back) and ``VideoFolderWriter.write_frame`` / ``commit`` (the calling thread's share of the
encoding and writing: handing frames to the encoder threads, annotations, the video files). Each is
timed with the calling thread's CPU clock (``time.thread_time``), so machine load barely moves it.
The block as a whole is timed with the thread's and the process's CPU clocks, which gives two more
figures: ``setup`` (the calling thread's CPU outside those calls: scenario building, renderer and
context creation, planning, manifests) and ``other_threads`` (every other thread of the process:
the writer's encoder threads, and a software rasterizer's threads where the GL driver has them).

Worker processes of a pool are not instrumented: use it where the videos are made in this process
(``run_dataset(..., workers=1)``).
"""

from __future__ import annotations

import contextlib
import functools
import time
from typing import Any, Callable, Iterator

#: Stage names, in the order of the video path.
STAGES: tuple[str, ...] = ("simulate", "render", "write", "setup", "other_threads")


def _timed(fn: Callable, totals: dict[str, float], key: str) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] += time.thread_time() - start
    return wrapper


def _timed_iterator(fn: Callable, totals: dict[str, float], key: str) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator:
        start = time.thread_time()
        try:
            iterator = iter(fn(*args, **kwargs))
        finally:
            totals[key] += time.thread_time() - start
        while True:
            start = time.thread_time()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                totals[key] += time.thread_time() - start
            yield item
    return wrapper


@contextlib.contextmanager
def stage_cpu() -> Iterator[dict[str, float]]:
    """Time the stages of every video made in this process inside the block.

    Yields a dict that, when the block ends, holds CPU seconds per stage (:data:`STAGES`) plus
    ``thread`` (the calling thread's CPU in the block) and ``process`` (every thread's). The wrapped
    methods are restored when the block ends, also on errors.
    """
    from phav.io.video_folder import VideoFolderWriter
    from phav.render.renderer import Renderer
    from phav.scenario import Scenario

    totals = {"simulate": 0.0, "render": 0.0, "write": 0.0}
    patched = [(Scenario, "simulate", _timed, "simulate"), (Renderer, "render_take", _timed_iterator, "render"),
               (VideoFolderWriter, "write_frame", _timed, "write"), (VideoFolderWriter, "commit", _timed, "write")]
    originals = [(cls, name, cls.__dict__[name]) for cls, name, _, _ in patched]
    out: dict[str, float] = {}
    start_thread, start_process = time.thread_time(), time.process_time()
    try:
        for cls, name, wrap, key in patched:
            setattr(cls, name, wrap(cls.__dict__[name], totals, key))
        yield out
    finally:
        thread, process = time.thread_time() - start_thread, time.process_time() - start_process
        for cls, name, original in originals:
            setattr(cls, name, original)
        out.update(totals)
        out["setup"] = max(0.0, thread - sum(totals.values()))
        out["other_threads"] = max(0.0, process - thread)
        out["thread"], out["process"] = thread, process
