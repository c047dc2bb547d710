"""Benchmark cases: simulation, writing, end to end, dataset generation, and PyBullet's camera for
comparison (render only per preset: :mod:`benchmarks.render_presets`).

Each case does its setup and warm-up outside the timed part and returns a JSON-able record with its
settings and the median rate over several runs. Rendering rates include the read-back of every
requested target, which waits for the GL to finish.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.timing import measure
from phav.frames import MODALITIES
from phav.io.video_folder import VideoFolderWriter
from phav.pipeline import generate_video
from phav.scenario import Scenario
from phav.spec import VideoSpec


def simulate_case(spec: VideoSpec, repeats: int) -> dict:
    """Physics only: build and simulate the spec's take (one humanoid, 240 Hz)."""
    def work() -> int:
        Scenario(spec).simulate()
        return spec.frames

    scenario = Scenario(spec)
    stats = measure(work, repeats)
    steps_per_s = stats["median_per_s"] * scenario.substeps
    return {
        "case": "simulate", "unit": "video frames/s", **stats,
        "physics_steps_per_s": steps_per_s,
        "real_time_factor": steps_per_s * scenario.timestep,
        "settings": {"frames": spec.frames, "substeps_per_frame": scenario.substeps, "timestep_s": scenario.timestep},
    }


def physics_case(humanoids: int, repeats: int, steps: int = 480, actor: str = "Model_Man01") -> dict:
    """Physics only: ``humanoids`` people tracking the walk side by side at 240 Hz (the clip as videos
    load it: retargeted, feet locked; ``control`` every step, which re-aims the motors once per video
    frame and the pins every step; the guard and a snapshot every 8 steps, as in a 30 FPS video).
    Setup (clip load, URDF) is outside the timed part."""
    from phav.body.presets import get_preset
    from phav.motion.library import load_clip
    from phav.physics import Humanoid, World

    skeleton = get_preset(actor).skeleton()
    clip = load_clip("walk", skeleton)
    world = World()
    people = [Humanoid(world, skeleton, clip, position=(0.0, 1.5 * i)) for i in range(humanoids)]
    clock = {"t": 0.0, "stepping_s": 0.0, "total_s": 0.0}

    def work() -> int:
        start = time.perf_counter()
        for step in range(steps):
            for person in people:
                person.control(clock["t"])
            t0 = time.perf_counter()
            world.step()
            clock["stepping_s"] += time.perf_counter() - t0
            clock["t"] += world.timestep
            if step % 8 == 7:
                for person in people:
                    person.check()
                    person.snapshot()
        clock["total_s"] += time.perf_counter() - start
        return steps

    try:
        stats = measure(work, repeats)
    finally:
        world.close()
    return {
        "case": f"physics_{humanoids}", "unit": "steps/s", **stats,
        "real_time_factor": stats["median_per_s"] * world.timestep,
        # share of the time inside PyBullet's stepSimulation (the rest: targets, guard, snapshots)
        "step_simulation_share": clock["stepping_s"] / clock["total_s"],
        "settings": {"humanoids": humanoids, "timestep_s": world.timestep, "steps": steps,
                     "solver_iterations": world.solver_iterations, "actor": actor},
    }


def write_case(spec: VideoSpec, take, frames: list, repeats: int) -> dict:
    """Encode and write already rendered frames of every modality (PNG, JPEG, JSON) to disk, handed
    over without a copy as :func:`phav.pipeline.generate_video` does (the frames are only read)."""
    root = Path(tempfile.mkdtemp(prefix="phav-bench-write-"))

    def work() -> int:
        with VideoFolderWriter(root, spec, take, overwrite=True) as writer:
            for frame in frames:
                writer.write_frame(frame, copy=False)
            writer.commit()
        return len(frames)

    try:
        stats = measure(work, repeats)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"case": "write", "unit": "frames/s", **stats,
            "settings": {"modalities": list(MODALITIES), "frames": len(frames), "bytes_per_video": size}}


def end_to_end_case(spec: VideoSpec, repeats: int) -> dict:
    """``generate_video``: simulate, render, encode and write one video (a new renderer each time)."""
    root = Path(tempfile.mkdtemp(prefix="phav-bench-e2e-"))

    def work() -> int:
        generate_video(spec, root, overwrite=True)
        return spec.frames

    try:
        stats = measure(work, repeats)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"case": "end_to_end", "unit": "frames/s", **stats,
            "settings": {"frames": spec.frames, "size": f"{spec.width}x{spec.height}", "modalities": list(MODALITIES)}}


def pybullet_camera_case(spec: VideoSpec, take, renderer_name: str, repeats: int) -> dict:
    """PyBullet's ``getCameraImage`` on the same humanoid, ground, camera and size (RGB, depth, mask)."""
    from benchmarks.pybullet_camera import PyBulletCamera
    from phav.motion.library import load_clip
    from phav.physics import Humanoid, World

    scenario = Scenario(spec)
    clip = load_clip(scenario.clip_name, scenario.skeleton)
    with World(timestep=scenario.timestep, camera_images=True) as world:
        Humanoid(world, scenario.skeleton, clip, position=tuple(scenario.static.start_position),
                 heading=scenario.static.start_heading)
        camera = PyBulletCamera(world.client, renderer_name)
        try:
            def work() -> int:
                for t in range(take.num_frames):
                    camera.draw(take, t)
                return take.num_frames

            stats = measure(work, repeats)
        finally:
            camera.close()
    note = "TinyRenderer (CPU)" if renderer_name == "tiny" else (
        "EGL plugin; draws visual shapes only, so the collision-only humanoid is not drawn")
    return {"case": f"pybullet_{renderer_name}", "unit": "frames/s", **stats,
            "settings": {"size": f"{take.width}x{take.height}", "frames": take.num_frames, "note": note}}


def dataset_case(spec: VideoSpec, videos: int, workers: int, classes: tuple[str, ...] | None = None) -> dict:
    """``run_dataset``: one video of each of ``videos`` classes spread over the registry (more
    videos than classes: every class, ``ceil(videos / classes)`` videos each), or with ``classes``
    given, ``ceil(videos / len(classes))`` videos of each of those; each as long as its action
    needs (at least the spec's frames), at the spec's size, on ``workers`` local processes; every
    other variable sampled as in a real dataset.

    Timed once per worker count (a dataset run is itself many videos); includes the pool's start-up
    (spawned processes import phav and create their GL context), planning and the manifest.
    ``cpu_ms_per_frame``: CPU time of this process and every worker process (all their threads;
    ``getrusage``), milliseconds per frame made, so ``cores = rate x cpu_ms_per_frame / 1000``
    cores keep ``rate`` frames/s busy; ``stages_cpu_ms_per_frame`` splits it by stage, summed from
    what every worker wrote into the manifest (:mod:`benchmarks.stages`; the stages add up to it).
    ``settings.gl_renderer``: the ``GL_RENDERER`` strings the workers wrote into the videos'
    ``params.json``.
    """
    import json
    import resource

    from benchmarks.stages import stage_cpu
    from phav.dataset import run_dataset
    from phav.dataset.manifest import manifest_path, read_manifest
    from phav.io.layout import PARAMS_FILE
    from phav.sampling import LengthConfig, SamplingConfig, SpecModel

    def cpu_s() -> float:
        return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                     resource.getrusage(resource.RUSAGE_CHILDREN)))

    root = Path(tempfile.mkdtemp(prefix="phav-bench-dataset-"))
    model = SpecModel(SamplingConfig(length=LengthConfig(distribution="action")), base=spec)
    if classes:
        classes, per_class = list(classes), -(-videos // len(classes))
    else:
        every = model.classes()
        per_class = -(-videos // len(every))  # more videos than classes: classes several times each
        n = -(-videos // per_class)  # classes, spread over the list: videos, or fewer than per_class more
        classes = [every[round(i * len(every) / n)] for i in range(n)]
    try:
        start_cpu, start = cpu_s(), time.perf_counter()
        summary = run_dataset(root, model, per_class, seed=0, classes=classes, workers=workers, progress=False)
        seconds, cpu = time.perf_counter() - start, cpu_s() - start_cpu
        rows = list(read_manifest(manifest_path(root)).values())
        stages = stage_cpu(rows, cpu)
        renderers = sorted({json.loads(p.read_text()).get("gl_renderer") or "unknown" for p in root.rglob(PARAMS_FILE)})
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if summary.done == 0:  # a broken run (no GL, a shader the driver refuses) is no figure
        reasons = [str(row.get("reason")) for row in rows if row.get("status") == "failed"]
        why = f"{reasons[0].splitlines()[0]} (and {len(reasons) - 1} more)" if reasons else "nothing ran"
        raise RuntimeError(f"dataset_{workers}w: none of {summary.failed} videos was made: {why}")
    made, frames = summary.done + summary.failed, max(summary.frames, 1)
    # Videos made per second; failed videos (rejected by their action's check) cost time but count not.
    record = {"case": f"dataset_{workers}w", "unit": "videos/s", "median_per_s": summary.done / seconds,
              "frames_per_s": summary.frames / seconds, "seconds": seconds, "runs": 1,
              "frames": summary.frames, "cpu_s": cpu, "cpu_ms_per_frame": 1e3 * cpu / frames,
              "cores_busy": cpu / seconds,
              "settings": {"workers": workers, "videos": made, "failed": summary.failed,
                           "failures": dict(summary.failures), "classes": classes,
                           "min_frames": spec.frames, "length": "each class's own duration",
                           "size": f"{spec.width}x{spec.height}", "modalities": list(MODALITIES),
                           "gl_renderer": ", ".join(renderers),
                           "note": f"{made} videos, {summary.frames / seconds:.1f} frames/s, all modalities"}}
    if stages:
        record["stages_cpu_ms_per_frame"] = {k: 1e3 * v / frames for k, v in stages.items()}
    return record
