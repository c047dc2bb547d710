"""Many videos: deterministic planning, sharding, resume, the local process pool and the Ray backend.

Quick start::

    from phav.dataset import run_dataset
    from phav.sampling import SpecModel
    summary = run_dataset("out", SpecModel(base=VideoSpec(frames=30)), videos_per_class=10, workers=2)
    print(summary.text())

Modules: :mod:`~phav.dataset.plan` (which videos), :mod:`~phav.dataset.manifest` (``manifest.jsonl``),
:mod:`~phav.dataset.worker` (one video with retries), :mod:`~phav.dataset.local` and
:mod:`~phav.dataset.ray_backend` (where they run), :mod:`~phav.dataset.runner` (all of it),
:mod:`~phav.dataset.package` (lists, splits and exports for downstream tools),
:mod:`~phav.dataset.index` (a made dataset's videos with their labels and splits, for loaders),
:mod:`~phav.dataset.classes` (``classes.txt``: the labels), :mod:`~phav.dataset.status` (a run's
dry run), :mod:`~phav.dataset.check` (are the finished videos complete on disk).
"""

from phav.dataset.index import DatasetVideo, open_dataset
from phav.dataset.manifest import manifest_path, read_manifest
from phav.dataset.plan import PlannedVideo, parse_shard, plan_dataset
from phav.dataset.runner import BACKENDS, DEFAULT_ATTEMPTS, Summary, run_dataset

__all__ = [
    "BACKENDS",
    "DEFAULT_ATTEMPTS",
    "DatasetVideo",
    "PlannedVideo",
    "Summary",
    "manifest_path",
    "open_dataset",
    "parse_shard",
    "plan_dataset",
    "read_manifest",
    "run_dataset",
]
