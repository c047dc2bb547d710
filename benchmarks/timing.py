"""Timing helpers: medians of repeated runs after a warm-up, with the machine's facts."""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Callable


def measure(work: Callable[[], int], repeats: int, warmup: int = 1) -> dict[str, float]:
    """Run ``work`` (which returns how many items it processed) ``warmup + repeats`` times.

    ``work`` must finish its GPU work before returning (read-backs do). Returns the median and
    spread of items per second over the timed repeats, the median seconds per run, and
    ``thread_cpu_ms_per_item``: the median CPU time of the calling thread per item, milliseconds
    (Python, numpy and the GL driver's work in this thread; not the driver's or a software
    rasterizer's worker threads, nor worker processes). On a GPU it bounds the rate one process
    can reach however fast the GPU is: ``1000 / thread_cpu_ms_per_item`` items per second.
    ``process_cpu_ms_per_item``: the same for every thread of this process (encoder threads, and a
    software rasterizer's threads where there is one), milliseconds per item.
    """
    for _ in range(warmup):
        work()
    rates, seconds, cpu_per_item, process_per_item = [], [], [], []
    for _ in range(repeats):
        start, start_cpu, start_process = time.perf_counter(), time.thread_time(), time.process_time()
        items = work()
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - start_cpu
        process = time.process_time() - start_process
        seconds.append(elapsed)
        rates.append(items / elapsed)
        cpu_per_item.append(1e3 * cpu / max(items, 1))
        process_per_item.append(1e3 * process / max(items, 1))
    return {
        "median_per_s": statistics.median(rates),
        "min_per_s": min(rates),
        "max_per_s": max(rates),
        "median_s": statistics.median(seconds),
        "thread_cpu_ms_per_item": statistics.median(cpu_per_item),
        "process_cpu_ms_per_item": statistics.median(process_per_item),
        "repeats": repeats,
    }


def machine() -> dict[str, object]:
    """CPU model, core count and Python version of this machine."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
