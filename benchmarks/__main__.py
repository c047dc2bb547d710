"""Run the benchmark suite and write JSON plus a printed table.

    python -m benchmarks [--quick] [--out FILE.json] [--size WxH] [--frames N] [--pybullet-egl]
        [--scaling-frames N] [--dataset-videos N] [--processes 1,2,4]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

from benchmarks import cases, scaling
from benchmarks.cpu_ceiling import cpu_ceiling_cases
from benchmarks.parallel import render_parallel_case
from benchmarks.physics_reference import pybullet_humanoid_case
from benchmarks.timing import machine
from phav.frames import MODALITIES
from phav.render.renderer import Renderer
from phav.spec import VideoSpec


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and repeats (under two minutes here)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON to this file")
    parser.add_argument("--size", default="340x256", help="output size WxH (default 340x256)")
    parser.add_argument("--frames", type=int, default=None, help="frames per video (default 60, quick 20)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per case (default 5, quick 3)")
    parser.add_argument("--pybullet-egl", action="store_true", help="also time PyBullet's EGL renderer plugin")
    parser.add_argument("--dataset-videos", type=int, default=None,
                        help="videos per dataset-throughput case, at least one per worker (default 6, quick 2; 0 skips)")
    parser.add_argument("--scaling-frames", type=int, default=None,
                        help="frames per take of the resolution and people scaling cases (default 10, quick 2; 0 skips)")
    parser.add_argument("--processes", type=_counts, default=None,
                        help="process counts of the parallel render and dataset cases, e.g. 1,2,4,8,16 "
                             "(default: 1, 2, 4, ... up to this machine's cores)")
    return parser.parse_args(argv)


def _counts(text: str) -> tuple[int, ...]:
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    frames = args.frames or (20 if args.quick else 60)
    repeats = args.repeats or (3 if args.quick else 5)
    spec = VideoSpec(action="Walk", frames=frames, width=width, height=height, seed=0).validate()

    from phav.scenario import Scenario

    take = Scenario(spec).simulate()
    results = [cases.simulate_case(spec, repeats)]
    results += [cases.physics_case(n, repeats) for n in (1, 2, 4, 8)]
    reference = pybullet_humanoid_case(repeats)
    for r in results[-4:]:  # steps/s per humanoid against PyBullet's humanoid alone
        r["ratio_to_pybullet_humanoid"] = r["median_per_s"] * r["settings"]["humanoids"] / reference["median_per_s"]
    results.append(reference)
    with Renderer(width, height) as renderer:
        gl_renderer = renderer.gl_renderer
        results.append(cases.render_case(take, MODALITIES, repeats, renderer))
        results.append(cases.render_case(take, ("img",), repeats, renderer))
        frames_all = list(renderer.render_take(take, MODALITIES))
    # Render only per quality preset (img, all modalities) with per-pass GL timer-query figures,
    # and the skin build time: benchmarks/render_presets.py.
    from benchmarks.render_presets import preset_takes, print_results, render_cases, skin_build_cases
    from phav.render.settings import QUALITIES, quality_settings

    qualities = QUALITIES if not args.quick else ("preview", "phav")  # high: ~1 frame/s here
    takes = preset_takes(spec, qualities, {quality_settings("phav").skin_resolution: take})
    presets = skin_build_cases(Scenario(spec), repeats)
    for quality in qualities:
        presets += render_cases(takes[quality], quality, repeats)
    results += [r for r in presets if r["unit"] == "frames/s"]
    # Render only against output size (170x128 .. 1360x1024) and people (1 .. 8): benchmarks/scaling.py.
    scaling_frames = args.scaling_frames if args.scaling_frames is not None else (2 if args.quick else 10)
    if scaling_frames > 0:
        results += scaling.resolution_cases(spec, scaling_frames, repeats)
        results += scaling.people_cases(width, height, scaling_frames, repeats)
    # CPU per frame with a GL driver that draws nothing (Mesa only): the one-process ceiling.
    skipped = []
    for quality in ("preview", "phav"):
        ceiling, why = cpu_ceiling_cases(take, quality, repeats)
        results += ceiling
        if why:
            skipped.append(f"cpu_ceiling_{quality}: {why}")
    processes = args.processes or default_counts(os.cpu_count())
    results += [render_parallel_case(take, n, 1 if args.quick else repeats - 1) for n in processes]
    results.append(cases.write_case(spec, take, frames_all, repeats))
    results.append(cases.end_to_end_case(spec, max(1, repeats - 2)))
    results.append(cases.pybullet_camera_case(spec, take, "tiny", repeats))
    dataset_videos = args.dataset_videos if args.dataset_videos is not None else (2 if args.quick else 6)
    if dataset_videos > 0:
        datasets = [cases.dataset_case(spec, max(dataset_videos, workers), workers) for workers in processes]
        for r in datasets[1:]:
            r["frames_per_s_vs_1_worker"] = r["frames_per_s"] / datasets[0]["frames_per_s"]
        results += datasets
    if args.pybullet_egl:
        results.append(cases.pybullet_camera_case(spec, take, "egl", repeats))

    tiny = next(r for r in results if r["case"] == "pybullet_tiny")["median_per_s"]
    for r in results:
        if r["unit"] == "frames/s" and r.get("same_scene_as_pybullet", True):
            r["ratio_to_pybullet_tiny"] = r["median_per_s"] / tiny
    report = {
        "date": datetime.date.today().isoformat(),
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
        "gl_renderer": gl_renderer,
        "machine": machine(),
        "spec": spec.to_dict(),
        "results": results,
        "render_passes": [r for r in presets if r["unit"] != "frames/s"],
        "skipped": skipped,
    }
    print(f"GL_RENDERER: {gl_renderer}\nCPU: {report['machine']['cpu']} x{report['machine']['cores']}")
    print(f"{'case':<26}{'settings':<34}{'median':>12}{'unit':>16}{'vs tiny':>10}{'cpu ms/item':>13}")
    for r in results:
        setting = r["settings"].get("note", r["settings"].get("modalities", ""))
        if isinstance(setting, list):
            setting = ",".join(setting) if len(setting) < len(MODALITIES) else "all modalities"
        ratio = f"{r['ratio_to_pybullet_tiny']:.2f}x" if "ratio_to_pybullet_tiny" in r else ""
        cpu = f"{r['thread_cpu_ms_per_item']:.3f}" if "thread_cpu_ms_per_item" in r else ""
        print(f"{r['case']:<26}{str(setting)[:32]:<34}{r['median_per_s']:>12.1f}{r['unit']:>16}{ratio:>10}{cpu:>13}")
    for line in skipped:
        print(f"skipped {line}")
    print_results(report["render_passes"])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
