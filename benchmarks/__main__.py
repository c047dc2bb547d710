"""Run the benchmark suite and write JSON plus a printed table.

    python -m benchmarks [--quick] [--out FILE.json] [--size WxH] [--frames N] [--pybullet-egl]
        [--scaling-frames N] [--dataset-videos N] [--videos-per-worker K] [--processes 1,2,4]
        [--only PATTERNS] [--skip PATTERNS] [--list]

The steps run in the order of :func:`build_steps` (the GPU targets' figures first) and the JSON is
rewritten after each one (:mod:`benchmarks.report`), so a run stopped by a time limit keeps every
figure measured before it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks import cases, scaling
from benchmarks.derived import derive
from benchmarks.options import default_counts, parse_counts, parse_size
from benchmarks.report import Interrupted, Report, SkipCase, Step, header, run_steps, select
from phav.frames import MODALITIES
from phav.spec import VideoSpec


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and repeats (under two minutes here)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the results as JSON to this file (rewritten after every step)")
    parser.add_argument("--size", type=parse_size, default=(340, 256), help="output size WxH (default 340x256)")
    parser.add_argument("--frames", type=int, default=None, help="frames per video (default 60, quick 10)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per case (default 5, quick 3)")
    parser.add_argument("--pybullet-egl", action="store_true",
                        help="also time PyBullet's EGL renderer plugin (pybullet_egl, after render_parallel_*)")
    parser.add_argument("--dataset-videos", type=int, default=None,
                        help="videos per dataset case, at least one per worker (default 6, quick 1; 0 skips)")
    parser.add_argument("--videos-per-worker", type=int, default=1,
                        help="at least this many videos per worker in the dataset cases (default 1)")
    parser.add_argument("--scaling-frames", type=int, default=None,
                        help="frames per take of the resolution and people scaling cases (default 10, quick 2; 0 skips)")
    parser.add_argument("--processes", type=parse_counts, default=None,
                        help="process counts of the parallel render and dataset cases, e.g. 1,2,4,8,16 "
                             "(default: 1, 2, 4, ... up to this machine's cores)")
    parser.add_argument("--only", default=None,
                        help="run only the steps matching these comma-separated patterns, e.g. 'presets_*,render_parallel_*'")
    parser.add_argument("--skip", default=None, help="leave out the steps matching these comma-separated patterns")
    parser.add_argument("--list", action="store_true", help="print the steps that would run, and exit")
    return parser.parse_args(argv)


#: Physics steps per timed run of the ``physics_*`` cases (2 s at 240 Hz; ``--quick``: 1 s).
PHYSICS_STEPS, QUICK_PHYSICS_STEPS = 480, 240
#: Frames of the take the ``cpu_ceiling_*`` cases render at least (the default run's length).
CEILING_MIN_FRAMES = 60


class Inputs:
    """What several steps share, made on first use: the suite's take, this process's renderer and
    its frames of every modality, the presets' takes."""

    def __init__(self, spec: VideoSpec) -> None:
        self.spec = spec
        self._take = self._renderer = self._frames = self._urban_take = self._ceiling_take = None
        self._preset_takes: dict = {}

    @property
    def take(self):
        if self._take is None:
            from phav.scenario import Scenario

            self._take = Scenario(self.spec).simulate()
        return self._take

    @property
    def ceiling_take(self):
        """The suite's take, or where it is shorter than :data:`CEILING_MIN_FRAMES` (``--quick``), the
        same spec simulated that long: a take's preparation is shared by its frames, and on a short
        take it would weigh on the CPU per frame that the ``cpu_ceiling_*`` cases report."""
        if self.spec.frames >= CEILING_MIN_FRAMES:
            return self.take
        if self._ceiling_take is None:
            from phav.scenario import Scenario

            self._ceiling_take = Scenario(self.spec.replace(frames=CEILING_MIN_FRAMES).validate()).simulate()
        return self._ceiling_take

    @property
    def renderer(self):
        if self._renderer is None:
            from phav.render.renderer import Renderer

            self._renderer = Renderer(self.spec.width, self.spec.height)
        return self._renderer

    @property
    def frames(self) -> list:
        if self._frames is None:
            self._frames = list(self.renderer.render_take(self.take, MODALITIES))
        return self._frames

    @property
    def urban_take(self):
        """The suite's spec in the Urban world, with the ``phav`` preset's skin."""
        if self._urban_take is None:
            from phav.scenario import Scenario
            from phav.render.settings import quality_settings

            spec = self.spec.replace(environment="Urban").validate()
            self._urban_take = Scenario(spec).simulate(skin_resolution=quality_settings("phav").skin_resolution)
        return self._urban_take

    def preset_take(self, quality: str):
        from benchmarks.render_presets import preset_takes
        from phav.render.settings import quality_settings

        if quality not in self._preset_takes:
            known = {quality_settings("phav").skin_resolution: self.take}
            known.update({quality_settings(q).skin_resolution: t for q, t in self._preset_takes.items()})
            self._preset_takes.update(preset_takes(self.spec, (quality,), known))
        return self._preset_takes[quality]

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


def build_steps(args: argparse.Namespace, inputs: Inputs, repeats: int) -> list[Step]:
    """Every step of a run, most important first: render only per preset (with read-back and per-pass
    GPU times), PyBullet's TinyRenderer (the ratios), render in 1..N processes, PyBullet's EGL plugin
    (with ``--pybullet-egl``), dataset generation on 1..N workers, then the rest."""
    from benchmarks.cpu_ceiling import cpu_ceiling_cases, noop_driver_unavailable
    from benchmarks.dataset_ceiling import dataset_ceiling_case
    from benchmarks.parallel import render_parallel_case
    from benchmarks.physics_reference import pybullet_humanoid_case
    from benchmarks.render_presets import render_cases, skin_build_cases
    from phav.render.settings import QUALITIES

    spec = inputs.spec
    processes = args.processes or default_counts(os.cpu_count())
    qualities = QUALITIES if not args.quick else ("preview", "phav")  # high: ~1 frame/s here
    dataset_videos = args.dataset_videos if args.dataset_videos is not None else (1 if args.quick else 6)
    scaling_frames = args.scaling_frames if args.scaling_frames is not None else (2 if args.quick else 10)
    steps = [Step(f"presets_{q}", lambda q=q: render_cases(inputs.preset_take(q), q, repeats)) for q in qualities]
    # The suite's Walk is on the Plain (a handful of parts); the Urban is the world with the most
    # parts to draw (streets, buildings, cars): the same preset there.
    steps.insert(qualities.index("phav") + 1, Step(
        "presets_phav_urban", lambda: render_cases(inputs.urban_take, "phav", repeats, label="phav_urban")))
    steps.append(Step("pybullet_tiny", lambda: [cases.pybullet_camera_case(spec, inputs.take, "tiny", repeats)],
                      renders=False))  # PyBullet's CPU renderer: no GL
    steps += [Step(f"render_parallel_{n}", lambda n=n: [render_parallel_case(inputs.take, n, 1 if args.quick else max(1, repeats - 1))])
              for n in processes]
    if args.pybullet_egl:  # last of the render steps: PyBullet's native EGL plugin in a process holding
        # our GL context is the step most likely to crash the process, so it cannot cost the others
        steps.append(Step("pybullet_egl", lambda: [cases.pybullet_camera_case(spec, inputs.take, "egl", repeats)]))

    def videos(workers: int) -> int:
        return max(dataset_videos, workers * args.videos_per_worker, workers)

    if dataset_videos > 0:
        # --quick: videos of the suite's own action, as long as each other, so that every worker has
        # the same work (one video each) and the run stays short; otherwise classes across the registry
        dataset_classes = (spec.action,) if args.quick else None
        steps += [Step(f"dataset_{n}w", lambda n=n: [cases.dataset_case(spec, videos(n), n, dataset_classes)])
                  for n in processes]

        def ceiling(workers: int) -> list[dict]:
            record, why = dataset_ceiling_case(spec, videos(workers), workers, dataset_classes)  # why: decided once, cheaply
            if why:
                raise SkipCase(why)
            return [record]

        steps += [Step(f"dataset_cpu_{n}w", lambda n=n: ceiling(n)) for n in processes]
    steps.append(Step("write", lambda: [cases.write_case(spec, inputs.take, inputs.frames, repeats)]))
    steps.append(Step("end_to_end", lambda: [cases.end_to_end_case(spec, max(1, repeats - 2))]))
    steps.append(Step("simulate", lambda: [cases.simulate_case(spec, repeats)], renders=False))
    physics_steps = QUICK_PHYSICS_STEPS if args.quick else PHYSICS_STEPS
    steps += [Step(f"physics_{n}", lambda n=n: [cases.physics_case(n, repeats, steps=physics_steps)], renders=False)
              for n in (1, 2, 4, 8)]
    steps.append(Step("physics_pybullet_humanoid", lambda: [pybullet_humanoid_case(repeats)], renders=False))

    def skin_build() -> list[dict]:
        from phav.scenario import Scenario

        return skin_build_cases(Scenario(spec), repeats)

    steps.append(Step("skin_build", skin_build, renders=False))
    if scaling_frames > 0:
        steps.append(Step("scale", lambda: scaling.resolution_cases(spec, scaling_frames, repeats)))
        steps.append(Step("people", lambda: scaling.people_cases(spec.width, spec.height, scaling_frames, repeats)))

    def cpu_ceiling(quality: str) -> list[dict]:
        why = noop_driver_unavailable()  # before the take: --quick simulates one of its own for these
        if why:
            raise SkipCase(why)
        records, why = cpu_ceiling_cases(inputs.ceiling_take, quality, repeats)
        if why:
            raise SkipCase(why)
        return records

    steps += [Step(f"cpu_ceiling_{q}", lambda q=q: cpu_ceiling(q)) for q in ("preview", "phav")]
    return steps


def _setting(r: dict) -> str:
    setting = r["settings"].get("note", r["settings"].get("modalities", ""))
    if isinstance(setting, list):
        setting = ",".join(setting) if len(setting) < len(MODALITIES) else "all modalities"
    return str(setting)


def _cpu(r: dict) -> str:
    value = r.get("cpu_ms_per_frame", r.get("thread_cpu_ms_per_item"))
    return f"{value:.3f}" if value is not None else ""


def print_table(results: list[dict]) -> None:
    print(f"{'case':<26}{'settings':<34}{'median':>12}{'unit':>16}{'vs tiny':>10}{'cpu ms/item':>13}")
    for r in results:
        ratio = f"{r['ratio_to_pybullet_tiny']:.2f}x" if "ratio_to_pybullet_tiny" in r else ""
        print(f"{r['case']:<26}{_setting(r)[:32]:<34}{r['median_per_s']:>12.1f}{r['unit']:>16}{ratio:>10}{_cpu(r):>13}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    width, height = args.size
    frames = args.frames or (10 if args.quick else 60)
    repeats = args.repeats or (3 if args.quick else 5)
    spec = VideoSpec(action="Walk", frames=frames, width=width, height=height, seed=0).validate()
    inputs = Inputs(spec)
    try:
        steps = select(build_steps(args, inputs, repeats), args.only, args.skip)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(s.name for s in steps))
        return 0

    from phav.render.context import gl_info

    gl_renderer = gl_info().renderer
    facts = header("python -m benchmarks", argv, gl_renderer, spec=spec.to_dict())
    report = Report(args.out, facts, [s.name for s in steps], derive=derive)
    report.write()
    print(f"GL_RENDERER: {gl_renderer}\nCPU: {facts['machine']['cpu']} x{facts['machine']['cores']}", flush=True)
    started = time.perf_counter()

    def progress(records: list[dict]) -> None:
        for r in records:
            rate = f"{r['median_per_s']:.1f} {r['unit']}" if "median_per_s" in r else r["unit"]
            print(f"[{time.perf_counter() - started:6.0f} s] {r['case']:<26}{rate:>22}  cpu {_cpu(r) or '-'} ms  "
                  f"{_setting(r)[:40]}", flush=True)

    try:
        ok = run_steps(steps, report, lambda: gl_renderer, progress)
    except Interrupted as exc:
        print(f"interrupted ({exc}); {args.out or 'no --out'} holds the steps done so far", file=sys.stderr)
        return 130 if str(exc) == "SIGINT" else 143
    finally:
        inputs.close()
    data = report.data
    print_table(data["results"])
    for line in data["skipped"]:
        print(f"skipped {line}")
    for failure in data["failed"]:
        print(f"FAILED {failure['step']}: {failure['error']}")
    from benchmarks.render_presets import print_results

    print_results(data["render_passes"])
    if args.out:
        print(f"wrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
