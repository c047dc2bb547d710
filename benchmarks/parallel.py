"""Render only in several processes at once: the aggregate frames/s of one machine.

``render_parallel_<N>``: ``N`` worker processes (spawned), each with its own GL context, render the
same saved take with the same preset and modalities; every target is read back. After a warm-up
render, the workers wait on a barrier and render ``repeats`` times; each repeat's figure is all
workers' frames divided by the wall time from the first worker's start to the last worker's end
(``time.perf_counter`` is the system's monotonic clock, the same in every process). The record
holds the median over repeats, so one figure says what a machine sustains when its cores share
the GPU, as the dataset's render workers do. On a 2-core machine with a software rasterizer the
workers compete with the rasterizer's own threads, so expect little gain there; on a GPU machine
the per-process figure is bounded by its CPU time per frame (``thread_cpu_ms_per_item`` of the
``render`` cases) and the aggregate by the GPU.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time

from phav.frames import MODALITIES
from phav.take import Take

def _worker(take: Take, quality: str, modalities: tuple[str, ...], repeats: int,
            barrier, results) -> None:
    """One process: warm up, then per repeat wait on ``barrier`` and render ``take`` once; put
    ``(repeat, start, end, frames, gl_renderer)`` per repeat on ``results``, or an error string."""
    try:
        from phav.render.renderer import Renderer
        from phav.render.settings import quality_settings

        with Renderer(take.width, take.height, quality_settings(quality)) as renderer:
            sum(1 for _ in renderer.render_take(take, modalities))
            for repeat in range(repeats):
                barrier.wait(timeout=600)
                start = time.perf_counter()
                frames = sum(1 for _ in renderer.render_take(take, modalities))
                results.put((repeat, start, time.perf_counter(), frames, renderer.gl_renderer))
    except BaseException as exc:  # reported to the parent, which fails the case with it
        barrier.abort()
        results.put(f"{type(exc).__name__}: {exc}")


def render_parallel_case(take: Take, processes: int, repeats: int, quality: str = "phav",
                         modalities: tuple[str, ...] = MODALITIES) -> dict:
    """Aggregate render-only frames/s of ``processes`` workers rendering ``take`` (see the module
    docstring). Raises ``RuntimeError`` with the worker's message if a worker fails."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(take, quality, modalities, repeats, barrier, results), daemon=True)
               for _ in range(processes)]
    for w in workers:
        w.start()
    try:
        runs: dict[int, list[tuple[float, float, int]]] = {}
        gl_renderer = ""
        for _ in range(processes * repeats):
            item = results.get(timeout=900)
            if isinstance(item, str):
                raise RuntimeError(f"render_parallel_{processes}: a worker failed: {item}")
            repeat, start, end, frames, gl_renderer = item
            runs.setdefault(repeat, []).append((start, end, frames))
    finally:
        for w in workers:
            w.join(timeout=60)
            if w.is_alive():
                w.kill()
    rates, seconds = [], []
    for spans in runs.values():
        wall = max(e for _, e, _ in spans) - min(s for s, _, _ in spans)
        seconds.append(wall)
        rates.append(sum(f for _, _, f in spans) / wall)
    return {
        "case": f"render_parallel_{processes}", "unit": "frames/s", "same_scene_as_pybullet": False,
        "median_per_s": statistics.median(rates), "min_per_s": min(rates), "max_per_s": max(rates),
        "median_s": statistics.median(seconds), "repeats": repeats,
        "settings": {"mode": "render only", "processes": processes, "quality": quality,
                     "size": f"{take.width}x{take.height}", "modalities": list(modalities),
                     "frames": take.num_frames, "gl_renderer": gl_renderer,
                     "note": f"{processes} processes, {quality}, aggregate"},
    }
