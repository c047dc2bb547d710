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


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("signum, whom, code, line", [
    (signal.SIGTERM, "parent", 143, "phav-render: terminated (SIGTERM)"),  # kill PID
    (signal.SIGTERM, "group", 143, "phav-render: terminated (SIGTERM)"),   # timeout, a scheduler: every process
    (signal.SIGTERM, "workers first", 143, "phav-render: terminated (SIGTERM)"),  # the pool's a moment before
    (signal.SIGINT, "group", 130, "phav-render: aborted"),                 # Ctrl-C in a terminal
])
def test_a_signalled_run_of_two_workers_leaves_no_half_written_video(tmp_path, signum, whom, code, line):
    """The pool's processes abort the videos they are writing (their hidden partial folders go), whichever
    process the signal reaches first; every video folder left is whole and the manifest lists no other."""
    frames = 90
    proc = subprocess.Popen([sys.executable, "-c", "from phav.cli import main; main()", *ARGS, "--out", str(tmp_path),
                             "--workers", "2", "--frames", str(frames), "--classes", "Walk,Run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for(lambda: len([p for p in partials(tmp_path) if any(p.glob("img_*.jpg"))]) == 2)  # both mid-video
        if whom == "parent":
            proc.send_signal(signum)
        elif whom == "group":
            os.killpg(proc.pid, signum)
        else:  # each pool process aborts its own video at once, before the parent knows
            workers = _pool_workers(proc.pid)
            for worker in workers:
                os.kill(worker, signum)
            wait_for(lambda: not any(Path(f"/proc/{worker}").exists() for worker in workers))  # gone and reaped
            assert not [p for p in partials(tmp_path) if int(p.name.rpartition("-")[2]) in workers]
            proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == code and err.decode().strip().splitlines()[-1] == line, err.decode()
    assert not partials(tmp_path), partials(tmp_path)
    for folder in finals(tmp_path):
        assert len(list(folder.glob("img_*.jpg"))) == frames and (folder / "annotations.json").is_file()
    rows = [json.loads(row) for row in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and {r["status"] for r in rows} <= {"done", "pending"}
    assert {tmp_path / r["path"] for r in rows if r["status"] == "done"} <= set(finals(tmp_path))
