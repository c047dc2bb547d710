"""Measure PNG encode time and size per zlib level and strategy on rendered 340x256 ground truth.

Not a test (no ``test_`` prefix): run ``python tests/io/measure_png_levels.py`` to reproduce the
table in ``phav.io.images``. It renders a Walk video in each of the Urban, Plain and Lake worlds
(``phav`` preset, a GL context is needed) and encodes each ground-truth file of every frame after
the first two with each (level, strategy) pair, on one thread; it prints the median CPU time and the
median size per file, then the sums over a frame's six PNG files.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import zlib

import numpy as np

from phav.frames import MODALITIES
from phav.io import depth, flow, images, segmentation
from phav.render.renderer import Renderer
from phav.scenario import Scenario
from phav.spec import VideoSpec

#: (level, strategy) pairs measured; zlib's RLE strategy ignores the level above 0.
CONFIGS = (
    (1, zlib.Z_DEFAULT_STRATEGY), (4, zlib.Z_DEFAULT_STRATEGY), (6, zlib.Z_DEFAULT_STRATEGY),
    (9, zlib.Z_DEFAULT_STRATEGY), (1, zlib.Z_FILTERED), (1, zlib.Z_HUFFMAN_ONLY), (1, zlib.Z_RLE),
)
STRATEGY_NAMES = {zlib.Z_DEFAULT_STRATEGY: "default", zlib.Z_FILTERED: "filtered",
                  zlib.Z_HUFFMAN_ONLY: "huffman", zlib.Z_RLE: "rle"}


def rendered_ground_truth(frames: int = 8) -> dict[str, list[tuple[object, np.ndarray]]]:
    """``{file: [(writer, encoded array), ...]}`` from Walk videos in three worlds."""
    files: dict[str, list[tuple[object, np.ndarray]]] = {}
    for environment in ("Urban", "Plain", "Lake"):
        spec = VideoSpec(action="Walk", frames=frames, width=340, height=256, seed=1,
                         environment=environment).validate()
        take = Scenario(spec).simulate()
        with Renderer(spec.width, spec.height) as renderer:
            rendered = list(renderer.render_take(take, MODALITIES))[2:]
        instances = list(take.instances)
        for f in rendered:
            fx, fy = flow.encode_flow(f.flow)
            for name, write, array in (
                ("depth (16-bit grey)", images.write_png16, depth.encode_depth(f.depth)),
                ("flow_x (16-bit grey)", images.write_png16, fx),
                ("flow_y (16-bit grey)", images.write_png16, fy),
                ("flow_valid (8-bit)", images.write_png8, flow.encode_flow_valid(f.flow_valid)),
                ("classgt (RGB)", images.write_png_rgb, segmentation.encode_semantic(f.semantic)),
                ("instancegt (RGB)", images.write_png_rgb, segmentation.encode_instance(f.instance, instances)),
            ):
                files.setdefault(name, []).append((write, array))
    return files


def main() -> None:
    files = rendered_ground_truth()
    header = "".join(f"{f'L{level} {STRATEGY_NAMES[s]}':>17}" for level, s in CONFIGS)
    print(f"{'file (ms / KiB)':<22}{header}")
    totals = {config: [0.0, 0.0] for config in CONFIGS}
    for name, items in files.items():
        row = f"{name:<22}"
        for level, strategy in CONFIGS:
            times, sizes = [], []
            for write, array in items:
                buf = io.BytesIO()
                t0 = time.thread_time()
                write(buf, array, compress_level=level, strategy=strategy)
                times.append(time.thread_time() - t0)
                sizes.append(buf.tell() / 1024)
            ms, kib = statistics.median(times) * 1e3, statistics.median(sizes)
            totals[(level, strategy)][0] += ms
            totals[(level, strategy)][1] += kib
            row += f"{ms:9.2f} /{kib:5.1f}"
        print(row)
    print(f"{'frame (6 files)':<22}" + "".join(f"{ms:9.2f} /{kib:5.1f}" for ms, kib in totals.values()))
    print(f"Pillow {images.Image.__version__}, zlib {zlib.ZLIB_RUNTIME_VERSION}, {sys.platform}")


if __name__ == "__main__":
    main()
