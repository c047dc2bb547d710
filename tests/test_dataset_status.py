"""``phav-render dataset --dry-run`` (:func:`phav.dataset.status.plan_status`): what a run would make,
told without writing anything, and told the same way a run would then do it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phav.dataset import manifest_path, read_manifest, run_dataset
from phav.dataset.status import plan_status
from phav.errors import SpecError
from phav.sampling import SamplingConfig, SpecModel
from phav.spec import VideoSpec

pytestmark = pytest.mark.gl

MODS = ("img", "depth")


def _model(frames: int = 3) -> SpecModel:
    return SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                     base=VideoSpec(frames=frames, width=48, height=32))


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and modification time."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def test_a_dry_run_of_a_new_dataset_counts_the_plan_and_creates_nothing(tmp_path):
    out = tmp_path / "ds"
    status = plan_status(out, _model(), 3, seed=1, shard=(1, 2), modalities=MODS)
    assert (status.planned, status.classes, status.planned_frames) == (1, 1, 3)  # videos 0 and 2 are shard 0's
    assert (status.done, status.kept_failed, status.to_make, status.frames_to_make) == (0, 0, 1, 3)
    assert status.bytes_per_frame is None and status.new_classes == {"Walk": 0}
    assert status.text().splitlines() == [
        "dry run: nothing was made or written",
        "1 videos planned (shard 1/2) in 1 class, 3 frames: 0 done, 1 to make (3 frames)",
        "disk: no finished video to estimate from",
        "time: no timed finished video to estimate from",
        "classes.txt: a new list, labels 0-0 in name order"]
    assert not out.exists()


def test_a_dry_run_of_a_partly_made_dataset_says_what_the_run_then_makes(tmp_path):
    run_dataset(tmp_path, _model(), 1, seed=1, modalities=MODS, progress=False)
    before = _tree(tmp_path)
    status = plan_status(tmp_path, _model(), 3, seed=1, modalities=MODS)
    assert _tree(tmp_path) == before  # nothing written, not even a lock or classes.txt
    (row,) = read_manifest(manifest_path(tmp_path)).values()
    assert (status.planned, status.done, status.to_make, status.frames_to_make) == (3, 1, 2, 6)
    assert status.bytes_per_frame == pytest.approx(row["bytes"] / 3) and status.new_classes == {}
    assert f"about {row['bytes'] * 2 / 1000:.1f} kB more for the rest" in status.text()
    assert status.seconds_per_frame == pytest.approx(row["seconds"] / 3)
    seconds = row["seconds"] / 3 * 6  # a few seconds for these tiny videos
    assert f"the rest is about {seconds:.0f} s of one worker, {seconds / 4:.0f} s on 4 workers at that pace" in status.text(4)
    assert status.text().endswith(f"the rest is about {seconds:.0f} s of one worker")
    summary = run_dataset(tmp_path, _model(), 3, seed=1, modalities=MODS, progress=False)
    assert (summary.skipped, summary.done, summary.frames) == (status.done, status.to_make, status.frames_to_make)


def test_a_dry_run_refuses_other_options_as_the_run_would(tmp_path):
    run_dataset(tmp_path, _model(), 1, seed=1, modalities=MODS, progress=False)
    with pytest.raises(SpecError, match=r"made with quality phav and modalities img,depth; this run asks for quality "
                                        r"preview"):
        plan_status(tmp_path, _model(), 1, seed=1, modalities=MODS, quality="preview")
    with pytest.raises(SpecError, match="attempts must be at least 1"):
        plan_status(tmp_path, _model(), 1, max_attempts=0)


def test_cli_dry_run_prints_the_status_and_exits_without_a_folder(tmp_path, capsys):
    from phav.cli import main

    out = tmp_path / "ds"
    with pytest.raises(SystemExit) as info:
        main(["dataset", "--out", str(out), "--videos-per-class", "2", "--classes", "Walk", "--frames", "40",
              "--size", "48x32", "--dry-run", "--export", "lists"])
    assert info.value.code == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1] == "2 videos planned in 1 class, 80 frames: 0 done, 2 to make (80 frames)"
    assert printed[-1] == "exports after a finished run: lists"
    assert not out.exists() and os.listdir(tmp_path) == []
