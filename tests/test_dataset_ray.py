"""The Ray backend on a local Ray instance (skipped where ``phav[ray]`` is not installed)."""

from __future__ import annotations

import pytest

from phav.dataset import manifest_path, plan_dataset, read_manifest, run_dataset
from phav.sampling import SamplingConfig, SpecModel
from phav.spec import VideoSpec

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.gl, pytest.mark.slow]


def test_ray_backend_makes_the_planned_videos_with_the_same_manifest(tmp_path):
    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}), base=VideoSpec(frames=3, width=48, height=32))
    summary = run_dataset(tmp_path, model, 2, seed=9, backend="ray", workers=2, modalities=("img",), progress=False)
    assert (summary.done, summary.failed, summary.pending) == (2, 0, 0)
    rows = read_manifest(manifest_path(tmp_path))
    planned = {v.key: v.folders(tmp_path, 1)[0] for v in plan_dataset(model, 2, seed=9)}
    assert {k: tmp_path / r["path"] for k, r in rows.items()} == planned
    assert all(p.is_dir() and len(list(p.glob("img_*.jpg"))) == 3 for p in planned.values())
    rerun = run_dataset(tmp_path, model, 2, seed=9, backend="ray", workers=2, modalities=("img",), progress=False)
    assert (rerun.skipped, rerun.done) == (2, 0)


def test_tasks_asking_for_more_gpus_than_the_local_instance_has_are_refused_instead_of_waiting(tmp_path):
    from phav.errors import SpecError

    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}), base=VideoSpec(frames=3, width=48, height=32))
    with pytest.raises(SpecError, match=r"--gpus-per-task 1000 asks for GPUs the local Ray instance does not have "
                                        r"\(\d+ GPUs seen"):
        run_dataset(tmp_path, model, 1, seed=9, backend="ray", workers=1, modalities=("img",), progress=False,
                    num_gpus=1000)
    assert not ray.is_initialized()  # the instance it started is shut down again
    assert not [p for p in tmp_path.rglob("*") if p.is_dir()]  # no video begun


def test_tasks_that_ask_for_gpus_reuse_their_worker_processes_and_make_the_videos(tmp_path):
    """Ray's default for a task that asks for GPUs is a new process each (max_calls=1), which pays
    the imports, a GL context and the shaders' compilation again for every video: phav asks for
    reuse. Ray then sets CUDA_VISIBLE_DEVICES for each task (two GPUs declared to this CPU-only
    instance: EGL has no CUDA devices here, so every task renders on EGL device 0)."""
    from phav.dataset.ray_backend import remote_options

    assert remote_options(1.0, 0.5) == {"num_cpus": 1.0, "num_gpus": 0.5, "max_retries": 2, "max_calls": 0}
    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}), base=VideoSpec(frames=3, width=48, height=32))
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    try:
        summary = run_dataset(tmp_path, model, 3, seed=4, backend="ray", workers=2, modalities=("img",),
                              progress=False, num_gpus=0.5)
    finally:
        ray.shutdown()
    assert (summary.done, summary.failed, summary.pending) == (3, 0, 0)
