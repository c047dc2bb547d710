"""Crash safety with real processes: ``kill -9`` of the main process, and of a pool worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gl, pytest.mark.slow]

FRAMES = 6
ARGS = ["dataset", "--classes", "Walk", "--videos-per-class", "3", "--frames", str(FRAMES), "--size", "48x32",
        "--modalities", "img,depth", "--no-progress", "--seed", "11"]


def launch(out: Path, *extra: str) -> subprocess.Popen:
    code = "from phav.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, *ARGS, "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def partials(out: Path) -> list[Path]:
    return [p for p in out.glob("*/.*.partial-*")]


def finals(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*/*") if p.is_dir() and not p.name.startswith("."))


def wait_for(condition, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for the run to reach the kill point")
        time.sleep(0.005)


def check_complete(out: Path, count: int) -> None:
    assert not partials(out), partials(out)
    folders = finals(out)
    assert len(folders) == count
    for folder in folders:  # every video whole: all frames and the per-video files
        assert len(list(folder.glob("img_*.jpg"))) == FRAMES and len(list(folder.glob("depth_*.png"))) == FRAMES
        assert (folder / "params.json").is_file() and (folder / "annotations.json").is_file()
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == count and len({r["key"] for r in rows}) == count
    assert {r["status"] for r in rows} == {"done"}
    assert sorted(out / r["path"] for r in rows) == folders


def test_kill_9_of_the_main_process_mid_video_then_rerun_finishes_without_duplicates(tmp_path):
    proc = launch(tmp_path)
    try:
        # kill while a video is half written, after at least one is finished
        wait_for(lambda: finals(tmp_path) and any(any(p.iterdir()) for p in partials(tmp_path)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert partials(tmp_path), "the kill should have left a half-written hidden folder"
    done_before = len(finals(tmp_path))
    assert 1 <= done_before < 3
    rerun = launch(tmp_path)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert f"{done_before} already done, {3 - done_before} made" in err.decode()
    check_complete(tmp_path, 3)


def _pool_workers(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    workers = []
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "resource_tracker" not in cmdline:
            workers.append(child)
    return workers


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_kill_9_of_a_pool_worker_is_survived_in_the_same_run(tmp_path):
    proc = launch(tmp_path, "--workers", "2")
    try:
        wait_for(lambda: any(any(p.iterdir()) for p in partials(tmp_path)) and _pool_workers(proc.pid))
        victim = _pool_workers(proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    check_complete(tmp_path, 3)
