"""What Ray's worker reuse is worth to a dataset whose tasks ask for GPUs.

Ray starts a new worker process for every task that asks for GPUs unless told otherwise (its
``max_calls=1`` default for them); phav tells it to reuse them (``phav.dataset.ray_backend.MAX_CALLS``).
This runs the same small dataset both ways on a local Ray instance, in alternating runs, and prints
one JSON line a run and the median ratio of their wall times::

    python -m benchmarks.ray_reuse [--videos 8] [--frames 30] [--size 170x128] [--pairs 3] [--gpus 2]

Without a GPU, ``--gpus`` GPUs are declared to the local Ray instance (Ray then sets
``CUDA_VISIBLE_DEVICES`` for each task as on a GPU node) and every process renders with the
machine's EGL. Each task asks for half a GPU and one CPU; the instance has two CPUs. Needs
``phav[ray]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

#: ``max_calls`` of each variant: ``None`` is Ray's default (1 for tasks that ask for GPUs).
VARIANTS = {"reuse": 0, "new_process_each": None}


def run_once(max_calls: int | None, videos: int, frames: int, width: int, height: int, gpus: int) -> float:
    """Seconds the dataset run of ``videos`` Walk videos took, Ray's start and stop excluded."""
    import ray

    from phav.dataset import ray_backend, run_dataset
    from phav.sampling import SamplingConfig, SpecModel
    from phav.spec import VideoSpec

    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                      base=VideoSpec(frames=frames, width=width, height=height))
    out = Path(tempfile.mkdtemp(prefix="phav-ray-reuse-"))
    saved = ray_backend.MAX_CALLS
    ray_backend.MAX_CALLS = max_calls
    ray.init(num_cpus=2, num_gpus=gpus, include_dashboard=False, log_to_driver=False)
    try:
        start = time.perf_counter()
        summary = run_dataset(out, model, videos, seed=3, backend="ray", workers=2, modalities=("img",),
                              progress=False, num_gpus=0.5, quality="preview")
        seconds = time.perf_counter() - start
    finally:
        ray.shutdown()
        ray_backend.MAX_CALLS = saved
        shutil.rmtree(out, ignore_errors=True)
    if summary.done != videos:
        raise RuntimeError(f"{summary.done} of {videos} videos made ({summary.failed} failed)")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--size", default="170x128")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--gpus", type=int, default=2)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    ratios = []
    for pair in range(args.pairs):
        seconds = {}
        for name, max_calls in VARIANTS.items():
            seconds[name] = run_once(max_calls, args.videos, args.frames, width, height, args.gpus)
            print(json.dumps({"pair": pair + 1, "variant": name, "videos": args.videos, "frames": args.frames,
                              "size": args.size, "seconds": round(seconds[name], 2)}), flush=True)
        ratios.append(seconds["reuse"] / seconds["new_process_each"])
    print(json.dumps({"time_ratio_reuse_to_new_process_each": [round(r, 3) for r in ratios],
                      "median": round(statistics.median(ratios), 3)}))


if __name__ == "__main__":
    main()
