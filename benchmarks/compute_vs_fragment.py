"""The renderer's full-screen passes as fragment shaders vs compute shaders (GL 4.3), on this GL.

    python -m benchmarks.compute_vs_fragment [--sizes 340x256,680x512] [--quality phav]
        [--frames 10] [--repeats 3] [--out FILE.json]

For each output size, one saved Walk take is rendered by the real renderer with
``post_backend="fragment"`` and ``"compute"`` (every other setting of the quality preset equal):

* ``fps``: render-only frames/s, ``img`` only (median of ``repeats`` runs after a warm-up,
  read-backs included, so the GL has finished before the clock stops; the backends' runs
  alternate, so a change of machine load hits both alike);
* ``passes``: ``repeats`` further runs with a GL timer query around every pass; for each full-screen pass
  (lighting, the post chain, the SSAA resolve) the mean GPU milliseconds (timer query) and wall
  milliseconds (GL finished at the end of the pass) per frame. On software rasterizers the wall
  figure is the honest one (llvmpipe runs compute dispatches outside what its timer queries see).

The figures decide ``post_backend="auto"`` (:func:`phav.render.post.choose_post_backend`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from benchmarks.options import parse_size
from benchmarks.report import header, write_json
from phav.render.context import get_context
from phav.render.renderer import Renderer
from phav.render.post import plan_kernels
from phav.render.settings import quality_settings
from phav.spec import VideoSpec

BACKENDS = ("fragment", "compute")


def full_screen_passes(quality: str) -> tuple[str, ...]:
    """The full-screen passes compared, as the compute backend's kernels name their timer sections
    (``ssao+ssr``: a pass with its prologue, ``motion_blur+tonemap+grade+vignette``: with its
    epilogue, :func:`plan_kernels`)."""
    return ("lighting", *("+".join(k) for k in plan_kernels(quality_settings(quality).post, True)), "resolve_img")


def pass_times(summary: dict[str, dict[str, float]], names: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """GPU and wall milliseconds per name of ``names`` from a :class:`~phav.render.profiling.PassTimer`
    summary; a joined name the backend ran as separate passes gets their sum (GPU ``None`` when the
    GL gave no time for one of them)."""
    out = {}
    for name in names:
        members = [name] if name in summary else name.split("+")
        if all(m in summary for m in members):
            out[name] = {key: _sum_or_none(summary[m][key] for m in members) for key in ("gpu_ms", "wall_ms")}
    return out


def _sum_or_none(values) -> float | None:
    """The sum of ``values``, or ``None`` when one of them is."""
    values = list(values)
    return None if any(v is None for v in values) else sum(values)


def size_case(take, quality: str, repeats: int) -> dict[str, dict]:
    """Render-only frames/s and per-pass milliseconds of ``take`` per backend. The two backends'
    runs alternate (so a change of machine load hits both alike): a warm-up each, then
    ``repeats`` timed runs each (median frames/s), then ``repeats`` profiled runs each (mean
    milliseconds per pass and frame)."""
    renderers = {b: Renderer(take.width, take.height, quality_settings(quality, post_backend=b)) for b in BACKENDS}
    try:
        def run(backend: str) -> float:
            start = time.perf_counter()
            n = sum(1 for _ in renderers[backend].render_take(take, ("img",)))
            return n / (time.perf_counter() - start)

        for backend in BACKENDS:
            run(backend)  # warm-up: shader compilation, first-use allocations
        rates: dict[str, list[float]] = {b: [] for b in BACKENDS}
        for _ in range(repeats):
            for backend in BACKENDS:
                rates[backend].append(run(backend))
        timers = {b: renderers[b].enable_profiling() for b in BACKENDS}
        for _ in range(repeats):
            for backend in BACKENDS:
                run(backend)
        out = {}
        for backend in BACKENDS:
            passes = pass_times(timers[backend].summary(), full_screen_passes(quality))
            out[backend] = {"fps": statistics.median(rates[backend]), "fps_runs": rates[backend], "passes": passes,
                            "full_screen_wall_ms": sum(p["wall_ms"] for p in passes.values()),
                            "full_screen_gpu_ms": _sum_or_none(p["gpu_ms"] for p in passes.values())}
        return out
    finally:
        for renderer in renderers.values():
            renderer.close()


def print_size(size: str, result: dict) -> None:
    frag, comp = result["fragment"], result["compute"]
    print(f"{size}: render-only img {frag['fps']:.1f} frames/s fragment, {comp['fps']:.1f} compute "
          f"({comp['fps'] / frag['fps']:.2f}x)")
    print(f"    {'pass':<34}{'fragment wall':>14}{'compute wall':>14}{'ratio':>8}{'frag GPU':>10}{'comp GPU':>10}  (ms/frame)")
    for name in frag["passes"]:
        f, c = frag["passes"][name], comp["passes"][name]
        gpu = "".join("       n/a" if p["gpu_ms"] is None else f"{p['gpu_ms']:>10.2f}" for p in (f, c))
        print(f"    {name:<34}{f['wall_ms']:>14.2f}{c['wall_ms']:>14.2f}{c['wall_ms'] / max(f['wall_ms'], 1e-9):>8.2f}{gpu}")
    print(f"    {'all':<34}{frag['full_screen_wall_ms']:>14.2f}{comp['full_screen_wall_ms']:>14.2f}"
          f"{comp['full_screen_wall_ms'] / max(frag['full_screen_wall_ms'], 1e-9):>8.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compute_vs_fragment", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda text: [parse_size(v) for v in text.split(",")],
                        default=[(340, 256), (680, 512)], help="comma-separated sizes WxH (default 340x256,680x512)")
    parser.add_argument("--quality", default="phav")
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    ctx = get_context()
    if ctx.version_code < 430:
        print(f"GL {ctx.version_code}: no compute shaders; nothing to compare")
        return 0
    from phav.scenario import Scenario

    results = {}
    # complete: every size measured (the file is rewritten after each, so a stopped run keeps the sizes done)
    report = header("python -m benchmarks.compute_vs_fragment", argv, ctx.info["GL_RENDERER"], quality=args.quality,
                    frames=args.frames, repeats=args.repeats, complete=False, results=results)
    for width, height in args.sizes:
        size = f"{width}x{height}"
        spec = VideoSpec(action="Walk", frames=args.frames, width=width, height=height, seed=0).validate()
        take = Scenario(spec).simulate()
        results[size] = size_case(take, args.quality, args.repeats)
        print_size(size, results[size])
        report["complete"] = len(results) == len(args.sizes)
        if args.out:  # after each size, so a run stopped by a time limit keeps the sizes done
            write_json(args.out, report)
    if args.out:
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
