"""Renderer speed: skin build time, render-only frames/s per quality preset, and per-pass times.

    python -m benchmarks.render_presets [--quick] [--size 340x256] [--frames 20] [--repeats 5]
        [--qualities preview,phav,high] [--comparisons-only] [--no-pybullet] [--out FILE.json]

Cases (each the median of ``repeats`` runs after a warm-up, read-backs included, so the GL has
finished before the clock stops):

* ``skin_build`` and ``skin_build_coarse``: :func:`phav.body.skin.build_skin` of the spec's person
  at the presets' grid (:data:`~phav.body.skin.DEFAULT_RESOLUTION`) and at the opt-in coarse one
  (:data:`~phav.body.skin.PREVIEW_RESOLUTION`), cache cleared each run.
* ``render_<quality>_img`` and ``render_<quality>_all``: one take (simulated with the preset's
  skin resolution, as ``generate_video`` does) rendered with the preset,
  ``img`` only and every modality.
* ``passes_<quality>``: one further run with GL timer queries around every pass (mean GPU and wall
  milliseconds per frame; the queries make each pass wait, so these frames are slower).
* ``readback_<quality>``: every modality with asynchronous read-back (pixel buffers mapped one
  frame later, the default) and with synchronous read-back, runs alternating so that machine load
  hits both alike; median frames/s of each and their ratio.
* ``fused_<quality>`` (presets without SSAA): every modality with the ground truth written by the
  G-buffer draws (the default there) and with the separate ground-truth pass, alternating likewise.
* ``ablation_<quality>``: every modality with the preset, without sun shadows, with a shadow map
  half as wide, without SSAA and without the post chain (one change at a time, those the preset
  has), then all of them off (``bare``), alternating likewise: frames/s of each, its ratio to the
  preset, and the process's CPU milliseconds per frame (well below the wall milliseconds: the GPU
  bounds the rate).
* ``pybullet_tiny``: PyBullet's TinyRenderer on the same scene and size, for the ratio.

The JSON is the main suite's report (:mod:`benchmarks.report`, rewritten after every step, with
``complete``, ``not_reached``, ``failed``; ratios by :func:`benchmarks.derived.derive`): the
frames/s records under ``results``, the others (skin build seconds, per-pass milliseconds, the
read-back and fused ratios) under ``render_passes``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from benchmarks.derived import derive
from benchmarks.options import parse_size
from benchmarks.report import Interrupted, Report, Step, header, run_steps
from benchmarks.timing import measure
from phav.frames import MODALITIES
from phav.render.context import gl_info
from phav.render.renderer import Renderer
from phav.render.settings import QUALITIES, quality_settings
from phav.spec import VideoSpec


def preset_takes(spec: VideoSpec, qualities, known: dict | None = None) -> dict:
    """Quality -> the spec's take simulated with that preset's skin resolution (as
    ``generate_video`` does; the physics does not depend on the skin). Presets with the same
    resolution share one take; ``known`` maps resolutions to takes already simulated."""
    from phav.scenario import Scenario

    by_resolution = dict(known or {})
    out = {}
    for quality in qualities:
        res = quality_settings(quality).skin_resolution
        if res not in by_resolution:
            by_resolution[res] = Scenario(spec).simulate(skin_resolution=res)
        out[quality] = by_resolution[res]
    return out


def skin_build_cases(scenario, repeats: int) -> list[dict]:
    """``skin_build`` (the presets' grid) and ``skin_build_coarse`` (the opt-in coarse grid)."""
    from phav.body.skin import DEFAULT_RESOLUTION, PREVIEW_RESOLUTION

    return [skin_build_case(scenario, repeats, DEFAULT_RESOLUTION, "skin_build"),
            skin_build_case(scenario, repeats, PREVIEW_RESOLUTION, "skin_build_coarse")]


def skin_build_case(scenario, repeats: int, resolution: float, name: str) -> dict:
    """Seconds to build the scenario's skin from scratch at ``resolution`` metres (median of
    ``repeats``), reported as case ``name``."""
    from phav.body.clothing import outfit_from_appearance
    from phav.body.skin import build_skin

    outfit = outfit_from_appearance(scenario.appearance, getattr(scenario.body_shape, "female", 0.0))
    seconds, skin = [], None
    for _ in range(repeats):
        build_skin.cache_clear()
        start = time.perf_counter()
        skin = build_skin(scenario.skeleton, outfit, resolution)
        seconds.append(time.perf_counter() - start)
    return {"case": name, "unit": "s", "median_s": statistics.median(seconds), "min_s": min(seconds),
            "max_s": max(seconds), "repeats": repeats,
            "settings": {"resolution_m": resolution, "triangles": int(len(skin.mesh.indices)),
                         "vertices": int(len(skin.mesh.positions))}}


def render_cases(take, quality: str, repeats: int, label: str | None = None) -> list[dict]:
    """Render-only rates of one preset (img only, every modality) and its per-pass profile; the cases
    are named after ``label`` (default: the preset), e.g. ``render_<label>_all`` and ``passes_<label>``."""
    label = label or quality
    out = []
    with Renderer(take.width, take.height, quality_settings(quality)) as renderer:
        for name, mods in (("img", ("img",)), ("all", MODALITIES)):
            def work(mods=mods) -> int:
                return sum(1 for _ in renderer.render_take(take, mods))

            stats = measure(work, repeats)
            out.append({"case": f"render_{label}_{name}", "unit": "frames/s", **stats,
                        "settings": {"quality": quality, "size": f"{take.width}x{take.height}",
                                     "modalities": list(mods), "frames": take.num_frames}})
        timer = renderer.enable_profiling()
        for _ in renderer.render_take(take, MODALITIES):
            pass
        passes = timer.summary()
        out.append({"case": f"passes_{label}", "unit": "ms/frame", "passes": passes,
                    "gpu_ms_total": sum(p["gpu_ms"] * p["count"] for p in passes.values()
                                        if p["gpu_ms"] is not None) / take.num_frames,
                    "gpu_untimed": [name for name, p in passes.items() if p["gpu_ms"] is None],
                    "wall_ms_total": sum(p["wall_ms"] * p["count"] for p in passes.values()) / take.num_frames,
                    "settings": {"quality": quality, "modalities": list(MODALITIES), "gl_renderer": renderer.gl_renderer,
                                 "post_backend": renderer.post.backend}})
    return out


def alternating_runs(take, quality: str, repeats: int, modes: dict[str, dict]) -> dict[str, list[tuple[float, float]]]:
    """Render-only runs with every modality for each mode (``name -> settings overrides`` of the
    preset): a warm-up each, then ``repeats`` alternating runs each, so that machine load hits every
    mode alike. Returns ``name -> [(frames/s, CPU ms per frame), ...]``: the CPU time is this
    process's, all its threads (the GL driver's included), so a run whose CPU milliseconds per frame
    fall well short of its wall milliseconds per frame waited for the GPU (with the driver sleeping
    while it waits, phav's default ``__GL_YIELD=USLEEP`` on NVIDIA)."""
    renderers = {m: Renderer(take.width, take.height, quality_settings(quality, **o)) for m, o in modes.items()}
    try:
        def run(mode: str) -> tuple[float, float]:
            start, cpu = time.perf_counter(), time.process_time()
            n = sum(1 for _ in renderers[mode].render_take(take, MODALITIES))
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            return n / wall, 1e3 * cpu / n

        for mode in modes:
            run(mode)
        runs: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
        for _ in range(repeats):
            for mode in modes:
                runs[mode].append(run(mode))
    finally:
        for renderer in renderers.values():
            renderer.close()
    return runs


def alternating_rates(take, quality: str, repeats: int, modes: dict[str, dict]) -> dict[str, list[float]]:
    """Frames/s of :func:`alternating_runs`: ``name -> rates``."""
    return {m: [rate for rate, _ in r] for m, r in alternating_runs(take, quality, repeats, modes).items()}


def readback_case(take, quality: str, repeats: int) -> dict:
    """Render-only frames/s with every modality, asynchronous vs synchronous read-back (the
    ``async_readback`` setting), alternating runs."""
    rates = alternating_rates(take, quality, repeats, {"async": {"async_readback": True}, "sync": {"async_readback": False}})
    median = {m: statistics.median(r) for m, r in rates.items()}
    return {"case": f"readback_{quality}", "unit": "async/sync", "ratio": median["async"] / median["sync"],
            "async_per_s": median["async"], "sync_per_s": median["sync"], "runs": rates,
            "settings": {"quality": quality, "size": f"{take.width}x{take.height}", "modalities": list(MODALITIES),
                         "frames": take.num_frames}}


def fused_case(take, quality: str, repeats: int) -> dict:
    """Render-only frames/s with every modality, ground truth fused into the G-buffer pass vs the
    separate ground-truth pass (the ``fuse_ground_truth`` setting; same bytes), alternating runs.
    Only for presets without SSAA, where fusing applies."""
    rates = alternating_rates(take, quality, repeats, {"fused": {"fuse_ground_truth": True},
                                                       "separate": {"fuse_ground_truth": False}})
    median = {m: statistics.median(r) for m, r in rates.items()}
    return {"case": f"fused_{quality}", "unit": "fused/separate", "ratio": median["fused"] / median["separate"],
            "fused_per_s": median["fused"], "separate_per_s": median["separate"], "runs": rates,
            "settings": {"quality": quality, "size": f"{take.width}x{take.height}", "modalities": list(MODALITIES),
                         "frames": take.num_frames}}


def ablation_modes(quality: str) -> dict[str, dict]:
    """The preset and, one at a time, each costly part of it switched off or made smaller
    (``name -> settings overrides``); parts the preset does not have are left out. ``bare``: all of
    them off at once (what is left: the G-buffer, lighting, ground truth and read-back)."""
    base = quality_settings(quality)
    modes: dict[str, dict] = {"preset": {}}
    if base.shadows:
        modes["no_shadows"] = {"shadows": False}
        modes[f"shadow_map_{base.shadow_map_size // 2}"] = {"shadow_map_size": base.shadow_map_size // 2}
    if base.ssaa > 1:
        modes["no_ssaa"] = {"ssaa": 1}
    if base.post:
        modes["no_post"] = {"post": ()}
    if len(modes) > 2:
        modes["bare"] = {"shadows": False, "ssaa": 1, "post": ()}
    return modes


def ablation_case(take, quality: str, repeats: int) -> dict:
    """Render-only frames/s and CPU milliseconds per frame with every modality for the preset and
    for each of :func:`ablation_modes`, alternating runs: which part of a frame the time goes to on
    this GL (on a GPU with few raster units, such as an H100 or H200, the raster passes may bound
    the rate where a CPU-bound run would show no change; CPU milliseconds well below the wall
    milliseconds per frame say the same)."""
    modes = ablation_modes(quality)
    runs = alternating_runs(take, quality, repeats, modes)
    median = {m: statistics.median(rate for rate, _ in r) for m, r in runs.items()}
    cpu_ms = {m: statistics.median(ms for _, ms in r) for m, r in runs.items()}
    return {"case": f"ablation_{quality}", "unit": "frames/s by setting", "per_s": median,
            "cpu_ms_per_frame": cpu_ms, "wall_ms_per_frame": {m: 1e3 / v for m, v in median.items()},
            "ratio_to_preset": {m: v / median["preset"] for m, v in median.items()}, "overrides": modes,
            "runs": {m: [rate for rate, _ in r] for m, r in runs.items()},
            "settings": {"quality": quality, "size": f"{take.width}x{take.height}",
                         "modalities": list(MODALITIES), "frames": take.num_frames}}


def print_results(results: list[dict]) -> None:
    """The skin build, frames/s and per-pass records as a table."""
    for r in results:
        if r["unit"] == "s":
            print(f"{r['case']:<24}{r['median_s'] * 1e3:>10.0f} ms   {r['settings']}")
        elif r["unit"] == "frames/s":
            ratio = f"{r['ratio_to_pybullet_tiny']:.2f}x tiny" if "ratio_to_pybullet_tiny" in r else ""
            print(f"{r['case']:<24}{r['median_per_s']:>10.1f} fps  {ratio}")
        elif r["unit"] == "async/sync":
            print(f"{r['case']:<24}{r['ratio']:>10.2f} x    async {r['async_per_s']:.1f} fps / sync {r['sync_per_s']:.1f} fps")
        elif r["unit"] == "fused/separate":
            print(f"{r['case']:<24}{r['ratio']:>10.2f} x    fused {r['fused_per_s']:.1f} fps / separate {r['separate_per_s']:.1f} fps")
        elif r["unit"] == "frames/s by setting":
            print(f"{r['case']:<24}" + " / ".join(f"{m} {v:.1f} fps ({r['ratio_to_preset'][m]:.2f}x, "
                                                  f"CPU {r['cpu_ms_per_frame'][m]:.2f} ms/frame)"
                                                  for m, v in r["per_s"].items()))
        else:
            untimed = f" (the GL gave no GPU time for {', '.join(r['gpu_untimed'])})" if r.get("gpu_untimed") else ""
            print(f"{r['case']:<24}{r['gpu_ms_total']:>10.1f} ms GPU / {r['wall_ms_total']:.1f} ms wall per frame{untimed}")
            for name, p in r["passes"].items():
                gpu = "     n/a" if p["gpu_ms"] is None else f"{p['gpu_ms']:>8.2f}"
                print(f"    {name:<20}{gpu} ms GPU {p['wall_ms']:>8.2f} ms wall  x{p['count']}")


def build_steps(spec: VideoSpec, qualities: list[str], repeats: int, comparisons_only: bool,
                pybullet: bool) -> list[Step]:
    """The tool's steps: the skin build, then per preset its render-only rates and pass profile
    (``presets_<quality>``, as in ``python -m benchmarks``), ``readback_<quality>``,
    ``fused_<quality>`` and ``ablation_<quality>``, then PyBullet's TinyRenderer.
    ``comparisons_only``: the read-back, fused and ablation comparisons only."""
    from phav.scenario import Scenario

    shared: dict = {}

    def takes() -> dict:  # simulated on first use, so that --list and a stopped run cost nothing
        if not shared:  # published only when complete: a failure is raised again by every later step
            scenario = Scenario(spec)
            take = scenario.simulate()
            made = {"scenario": scenario, "take": take}
            made.update(preset_takes(spec, qualities, {quality_settings("phav").skin_resolution: take}))
            shared.update(made)
        return shared

    steps = []
    if not comparisons_only:
        steps.append(Step("skin_build", lambda: skin_build_cases(takes()["scenario"], repeats), renders=False))
    for q in qualities:
        if not comparisons_only:
            steps.append(Step(f"presets_{q}", lambda q=q: render_cases(takes()[q], q, repeats)))
        steps.append(Step(f"readback_{q}", lambda q=q: [readback_case(takes()[q], q, repeats)]))
        if quality_settings(q).ssaa == 1:
            steps.append(Step(f"fused_{q}", lambda q=q: [fused_case(takes()[q], q, repeats)]))
        if len(ablation_modes(q)) > 1:
            steps.append(Step(f"ablation_{q}", lambda q=q: [ablation_case(takes()[q], q, repeats)]))
    if pybullet:
        from benchmarks.cases import pybullet_camera_case

        steps.append(Step("pybullet_tiny", lambda: [pybullet_camera_case(spec, takes()["take"], "tiny", repeats)],
                          renders=False))
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render_presets", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and repeats")
    parser.add_argument("--size", type=parse_size, default=(340, 256), help="output size WxH (default 340x256)")
    parser.add_argument("--frames", type=int, default=None, help="frames (default 30, quick 12)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per case (default 5, quick 3)")
    parser.add_argument("--qualities", type=_qualities, default=list(QUALITIES),
                        help=f"comma-separated presets (default {','.join(QUALITIES)})")
    parser.add_argument("--no-pybullet", action="store_true", help="skip PyBullet's TinyRenderer")
    parser.add_argument("--comparisons-only", action="store_true",
                        help="only the readback_*, fused_* and ablation_* comparisons (python -m benchmarks has the rest)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON to this file (rewritten after every step)")
    args = parser.parse_args(argv)
    width, height = args.size
    frames = args.frames or (12 if args.quick else 30)
    repeats = args.repeats or (3 if args.quick else 5)
    spec = VideoSpec(action="Walk", frames=frames, width=width, height=height, seed=0).validate()
    steps = build_steps(spec, args.qualities, repeats, args.comparisons_only, not args.no_pybullet)

    gl_renderer = gl_info().renderer
    report = Report(args.out, header("python -m benchmarks.render_presets", argv, gl_renderer, spec=spec.to_dict()),
                    [s.name for s in steps], derive=derive)
    report.write()
    try:
        ok = run_steps(steps, report, lambda: gl_renderer, print_results)
    except Interrupted as exc:
        print(f"interrupted ({exc}); {args.out or 'no --out'} holds the steps done so far", file=sys.stderr)
        return 130 if str(exc) == "SIGINT" else 143
    if report.data["results"]:  # with the ratios to PyBullet's TinyRenderer, once it has run
        print_results(report.data["results"])
    for failure in report.data["failed"]:
        print(f"FAILED {failure['step']}: {failure['error']}")
    if args.out:
        print(f"wrote {args.out}")
    return 0 if ok else 1


def _qualities(text: str) -> list[str]:
    names = [q.strip() for q in text.split(",") if q.strip()]
    unknown = [q for q in names if q not in QUALITIES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"{text!r}: choose comma-separated presets from {', '.join(QUALITIES)}")
    return names


if __name__ == "__main__":
    sys.exit(main())
