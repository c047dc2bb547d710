"""Shared options of the examples: ``--tiny`` (or ``PHAV_EXAMPLES_TINY=1``) runs them at a tiny size
with few frames and the preview quality, as the test suite does; ``--out`` picks the output folder."""

from __future__ import annotations

import argparse
import os


def options(description: str, frames: int = 45, size: tuple[int, int] = (320, 240)) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default="example_out", help="output folder (default: example_out)")
    parser.add_argument("--tiny", action="store_true", help="64x48, 4 frames, preview quality (smoke test)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.tiny = args.tiny or os.environ.get("PHAV_EXAMPLES_TINY") == "1"
    args.frames = 4 if args.tiny else frames
    args.size = (64, 48) if args.tiny else size
    args.quality = "preview" if args.tiny else "phav"
    return args
