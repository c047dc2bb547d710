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
    spread of items per second over the timed repeats, and the median seconds per run.
    """
    for _ in range(warmup):
        work()
    rates, seconds = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        items = work()
        elapsed = time.perf_counter() - start
        seconds.append(elapsed)
        rates.append(items / elapsed)
    return {
        "median_per_s": statistics.median(rates),
        "min_per_s": min(rates),
        "max_per_s": max(rates),
        "median_s": statistics.median(seconds),
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
