"""Where a rendering process's CPU time goes: a Python profile of render-only frames.

    python -m benchmarks.render_profile [--quality phav] [--size 340x256] [--frames 60]
        [--repeats 3] [--modalities all|img] [--top 40] [--out FILE.txt]

Simulates the benchmarks' Walk take, renders it once to warm up, then ``repeats`` times under
:mod:`cProfile`, and prints (and writes to ``--out``) the wall and CPU milliseconds per frame of the
profiled runs, then the functions with the most own time (``tottime``): GL calls show up as
moderngl's methods, whose own time includes the driver's work in the calling thread. The profiler
slows Python down, so use the rates of ``python -m benchmarks`` for speed, and this for the split.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

from benchmarks.options import parse_size
from phav.frames import MODALITIES
from phav.render.context import gl_info
from phav.render.renderer import Renderer
from phav.render.settings import QUALITIES, quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec


def profile_render(quality: str, size: tuple[int, int], frames: int, repeats: int,
                   modalities: tuple[str, ...], top: int) -> str:
    """The report: GL renderer, wall and CPU milliseconds per profiled frame, and the ``top``
    functions by own time."""
    width, height = size
    spec = VideoSpec(action="Walk", frames=frames, width=width, height=height, seed=0).validate()
    settings = quality_settings(quality)
    take = Scenario(spec).simulate(skin_resolution=settings.skin_resolution)
    profiler = cProfile.Profile()
    with Renderer(width, height, settings) as renderer:
        for _ in renderer.render_take(take, modalities):  # warm-up: shaders, buffers, first upload
            pass
        wall, cpu = time.perf_counter(), time.process_time()
        profiler.enable()
        for _ in range(repeats):
            for _ in renderer.render_take(take, modalities):
                pass
        profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        gl_renderer = renderer.gl_renderer
    n = repeats * take.num_frames
    text = io.StringIO()
    text.write(f"GL_RENDERER: {gl_renderer}\nquality {quality}, {width}x{height}, modalities {','.join(modalities)}, "
               f"{n} frames profiled\nwall {1e3 * wall / n:.3f} ms/frame, CPU {1e3 * cpu / n:.3f} ms/frame "
               f"(profiled; the profiler adds to both)\n\n")
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render_profile", description=__doc__.splitlines()[0])
    parser.add_argument("--quality", choices=QUALITIES, default="phav", help="preset (default phav)")
    parser.add_argument("--size", type=parse_size, default=(340, 256), help="output size WxH (default 340x256)")
    parser.add_argument("--frames", type=int, default=60, help="frames in the take (default 60)")
    parser.add_argument("--repeats", type=int, default=3, help="profiled renders of the take (default 3)")
    parser.add_argument("--modalities", choices=("all", "img"), default="all", help="every target, or img only")
    parser.add_argument("--top", type=int, default=40, help="functions listed (default 40)")
    parser.add_argument("--out", type=Path, default=None, help="also write the report to this file")
    args = parser.parse_args(argv)
    modalities = MODALITIES if args.modalities == "all" else ("img",)
    print(f"GL: {gl_info().renderer}", file=sys.stderr)
    report = profile_render(args.quality, args.size, args.frames, args.repeats, modalities, args.top)
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
