"""Command-line values shared by the benchmark entry points."""

from __future__ import annotations

import argparse


def parse_size(text: str) -> tuple[int, int]:
    """``"340x256"`` -> ``(340, 256)``; an ``argparse`` type (its error names the bad value)."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size WxH, e.g. 340x256") from None
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size WxH of positive integers, e.g. 340x256")
    return width, height


def parse_counts(text: str) -> tuple[int, ...]:
    """``"1,2,4"`` -> ``(1, 2, 4)``, positive integers; an ``argparse`` type."""
    try:
        counts = tuple(int(v) for v in text.split(","))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of positive integers, e.g. 1,2,4")
    return counts


def default_counts(cores: int | None) -> tuple[int, ...]:
    """1, 2, 4, ... up to ``cores`` (and ``cores`` itself when it is not a power of two)."""
    cores = max(1, cores or 1)
    counts = [1 << k for k in range(cores.bit_length()) if 1 << k <= cores]
    return tuple(counts + ([cores] if counts[-1] != cores else []))
