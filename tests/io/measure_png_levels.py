"""Measure PNG encode time and size per row filter, zlib strategy and level on rendered 340x256 ground truth.

Not a test (no ``test_`` prefix): run ``python tests/io/measure_png_levels.py`` to reproduce the
table in ``phav.io.images``. It renders a Walk video in each of the Urban, Plain and Lake worlds
(``phav`` preset, a GL context is needed) and encodes each ground-truth file of every frame after
the first two, on one thread: with the standard library's zlib at level 1 and the (row filter,
strategy) pair each file had before zlib-ng (``ZLIB_SETTINGS``, the reference), with zlib-ng
(:func:`phav.io.png.encode_png`) for each (row filter, strategy, level) of ``CONFIGS``, and with each
file's own settings (``images.PNG_SETTINGS``); it prints the median CPU time and the median size per
file, then the sums over a frame's six PNG files.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
import zlib

import numpy as np
from zlib_ng import zlib_ng

from phav.frames import MODALITIES
from phav.io import depth, flow, images, png, segmentation
from phav.io.png import encode_png
from phav.render.renderer import Renderer
from phav.scenario import Scenario
from phav.spec import VideoSpec

#: (row filter, zlib strategy, level) of zlib-ng measured.
CONFIGS = tuple((f, strategy, level) for level in (1, 2) for f in ("sub", "up")
                for strategy in (zlib.Z_DEFAULT_STRATEGY, zlib.Z_RLE))
#: The (row filter, strategy) of each file kind with the standard library's zlib at level 1, before
#: zlib-ng: the reference column.
ZLIB_SETTINGS = {"depth": ("up", zlib.Z_DEFAULT_STRATEGY), "flow_x": ("up", zlib.Z_RLE),
                 "flow_y": ("sub", zlib.Z_DEFAULT_STRATEGY), "flow_valid": ("up", zlib.Z_RLE),
                 "classgt": ("up", zlib.Z_RLE), "instancegt": ("up", zlib.Z_RLE)}
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


@contextlib.contextmanager
def standard_zlib():
    """:func:`encode_png` compressing with the standard library's zlib (same interface as
    zlib-ng's), as it did before zlib-ng."""
    png.zlib_ng = zlib
    try:
        yield
    finally:
        png.zlib_ng = zlib_ng


def main() -> None:
    files = rendered_ground_truth()
    names = {zlib.Z_DEFAULT_STRATEGY: "default", zlib.Z_RLE: "RLE"}
    encoders = [("zlib 1 before", lambda a, kind: encode_png(a, row_filter=ZLIB_SETTINGS[kind][0],
                                                              strategy=ZLIB_SETTINGS[kind][1], level=1))] + [
        (f"{f} {names[strategy]} {level}",
         lambda a, kind, f=f, strategy=strategy, level=level: encode_png(a, row_filter=f, strategy=strategy, level=level))
        for f, strategy, level in CONFIGS
    ] + [("each file's", lambda a, kind: encode_png(a, **images.png_settings(kind)))]
    print(f"{'file (ms / KiB)':<22}" + "".join(f"{name:>15}" for name, _ in encoders))
    totals = {name: [0.0, 0.0] for name, _ in encoders}
    for name, arrays in files.items():
        row = f"{name:<22}"
        kind = KINDS[name]
        for encoder_name, encode in encoders:
            times, sizes = [], []
            with standard_zlib() if encoder_name == "zlib 1 before" else contextlib.nullcontext():
                for array in arrays:
                    t0 = time.thread_time()
                    data = encode(array, kind)
                    times.append(time.thread_time() - t0)
                    sizes.append(len(data) / 1024)
            ms, kib = statistics.median(times) * 1e3, statistics.median(sizes)
            totals[encoder_name][0] += ms
            totals[encoder_name][1] += kib
            row += f"{ms:8.2f} /{kib:5.1f}"
        print(row)
    print(f"{'frame (6 files)':<22}" + "".join(f"{ms:8.2f} /{kib:5.1f}" for ms, kib in totals.values()))
    print(f"zlib {zlib.ZLIB_RUNTIME_VERSION}, zlib-ng {zlib_ng.ZLIBNG_VERSION}, {sys.platform}")


if __name__ == "__main__":
    main()
