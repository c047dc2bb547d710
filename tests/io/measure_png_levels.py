"""Measure PNG encode time and size per row filter and zlib strategy on rendered 340x256 ground truth.

Not a test (no ``test_`` prefix): run ``python tests/io/measure_png_levels.py`` to reproduce the
table in ``phav.io.images``. It renders a Walk video in each of the Urban, Plain and Lake worlds
(``phav`` preset, a GL context is needed) and encodes each ground-truth file of every frame after
the first two with each (row filter, zlib strategy) pair of :func:`phav.io.png.encode_png` at zlib
level 1, with each file's own pair (``images.PNG_SETTINGS``), and with Pillow's encoder (adaptive row
filters, zlib level 1, run-length strategy: what phav used before) as the reference, on one thread;
it prints the median CPU time and the median size per file, then the sums over a frame's six PNG
files.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import zlib

import numpy as np
from PIL import Image

from phav.frames import MODALITIES
from phav.io import depth, flow, images, segmentation
from phav.io.png import encode_png
from phav.render.renderer import Renderer
from phav.scenario import Scenario
from phav.spec import VideoSpec

#: (row filter, zlib strategy) pairs measured, at zlib level 1.
CONFIGS = (("none", zlib.Z_DEFAULT_STRATEGY), ("sub", zlib.Z_DEFAULT_STRATEGY), ("sub", zlib.Z_RLE),
           ("up", zlib.Z_DEFAULT_STRATEGY), ("up", zlib.Z_RLE))
STRATEGY_NAMES = {zlib.Z_DEFAULT_STRATEGY: "default", zlib.Z_RLE: "RLE"}
#: File kind (``images.PNG_SETTINGS``) of each measured file.
KINDS = {"depth (16-bit grey)": "depth", "flow_x (16-bit grey)": "flow_x", "flow_y (16-bit grey)": "flow_y",
         "flow_valid (8-bit)": "flow_valid", "classgt (RGB)": "classgt", "instancegt (RGB)": "instancegt"}


def rendered_ground_truth(frames: int = 8) -> dict[str, list[np.ndarray]]:
    """``{file: [encoded array, ...]}`` from Walk videos in three worlds."""
    files: dict[str, list[np.ndarray]] = {}
    for environment in ("Urban", "Plain", "Lake"):
        spec = VideoSpec(action="Walk", frames=frames, width=340, height=256, seed=1,
                         environment=environment).validate()
        take = Scenario(spec).simulate()
        with Renderer(spec.width, spec.height) as renderer:
            rendered = list(renderer.render_take(take, MODALITIES))[2:]
        instances = list(take.instances)
        for f in rendered:
            fx, fy = flow.encode_flow(f.flow)
            for name, array in (
                ("depth (16-bit grey)", depth.encode_depth(f.depth)),
                ("flow_x (16-bit grey)", fx),
                ("flow_y (16-bit grey)", fy),
                ("flow_valid (8-bit)", flow.encode_flow_valid(f.flow_valid)),
                ("classgt (RGB)", segmentation.encode_semantic(f.semantic)),
                ("instancegt (RGB)", segmentation.encode_instance(f.instance, instances)),
            ):
                files.setdefault(name, []).append(array)
    return files


def pillow_png(array: np.ndarray) -> bytes:
    """Pillow's PNG of ``array`` (adaptive row filters, zlib level 1, ``Z_RLE``)."""
    if array.dtype == np.uint16:
        h, w = array.shape
        im = Image.frombuffer("I;16", (w, h), array.astype("<u2"), "raw", "I;16", 0, 1)
    else:
        im = Image.fromarray(array)
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return buf.getvalue()


def main() -> None:
    files = rendered_ground_truth()
    encoders = [("Pillow RLE", pillow_png)] + [
        (f"{f} {STRATEGY_NAMES[strategy]}", lambda a, f=f, strategy=strategy: encode_png(a, row_filter=f, strategy=strategy))
        for f, strategy in CONFIGS
    ] + [("each file's", None)]
    print(f"{'file (ms / KiB)':<22}" + "".join(f"{name:>15}" for name, _ in encoders))
    totals = {name: [0.0, 0.0] for name, _ in encoders}
    for name, arrays in files.items():
        row = f"{name:<22}"
        row_filter, own_strategy = images.PNG_SETTINGS[KINDS[name]]
        for encoder_name, encode in encoders:
            if encode is None:
                encode = lambda a: encode_png(a, row_filter=row_filter, strategy=own_strategy)  # noqa: E731
            times, sizes = [], []
            for array in arrays:
                t0 = time.thread_time()
                data = encode(array)
                times.append(time.thread_time() - t0)
                sizes.append(len(data) / 1024)
            ms, kib = statistics.median(times) * 1e3, statistics.median(sizes)
            totals[encoder_name][0] += ms
            totals[encoder_name][1] += kib
            row += f"{ms:8.2f} /{kib:5.1f}"
        print(row)
    print(f"{'frame (6 files)':<22}" + "".join(f"{ms:8.2f} /{kib:5.1f}" for ms, kib in totals.values()))
    print(f"Pillow {Image.__version__}, zlib {zlib.ZLIB_RUNTIME_VERSION}, {sys.platform}")


if __name__ == "__main__":
    main()
