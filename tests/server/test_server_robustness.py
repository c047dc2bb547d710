"""The server survives what happens to a long-running service: workers killed, Ctrl-C and SIGTERM,
transient failures, folders pruned by hand, huge bodies; and a request left to its defaults makes a
video long enough for its action."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from phav.actions import get_action  # noqa: E402
from phav.server.jobs import JobManager, process_pool  # noqa: E402
from phav.server.limits import Limits  # noqa: E402
from phav.server.render_job import DONE, FAILED, QUEUED, read_job_file  # noqa: E402
from phav.server.resolve import RequestError, Resolver  # noqa: E402
from server_helpers import AVAILABLE, LIMITS, StandIn, make_client, sleeping_job, wait_done  # noqa: E402
from test_server_jobs import finish, spec  # noqa: E402


class BreaksOnce(concurrent.futures.ThreadPoolExecutor):
    """A pool whose worker died while idle: its first submit raises BrokenProcessPool."""

    made = 0

    def __init__(self, n: int) -> None:
        super().__init__(n)
        BreaksOnce.made += 1
        self.broken = BreaksOnce.made == 1

    def submit(self, fn, /, *args, **kwargs):
        if self.broken:
            raise BrokenProcessPool("a child process terminated abruptly")
        return super().submit(fn, *args, **kwargs)


def test_a_pool_broken_while_idle_is_rebuilt_at_submit_and_leaves_no_phantom_job(tmp_path: Path) -> None:
    BreaksOnce.made = 0
    jobs = JobManager(tmp_path / "cache", max_queue=1, job_function=StandIn(), executor_factory=BreaksOnce)
    record, created = jobs.submit(spec(seed=1))
    assert created and BreaksOnce.made == 2
    finish(jobs, record["id"])
    assert jobs.get(record["id"])["status"] == DONE
    assert jobs.submit(spec(seed=2))[1]  # the queue is not held by a phantom job
    jobs.close()


def test_a_pool_that_cannot_be_started_leaves_no_record(tmp_path: Path) -> None:
    class AlwaysBroken(BreaksOnce):
        def __init__(self, n: int) -> None:
            super().__init__(n)
            self.broken = True

    jobs = JobManager(tmp_path / "cache", max_queue=1, job_function=StandIn(), executor_factory=AlwaysBroken)
    with pytest.raises(BrokenProcessPool):
        jobs.submit(spec(seed=1))
    assert jobs.active() == 0 and jobs.remembered() == 0


class Flaky(StandIn):
    """Fails transiently the first time (GL trouble), then works."""

    def __call__(self, spec_json: str, folder: str, quality: str) -> dict:
        if not self.calls:
            self.calls.append(spec_json)
            return {"status": FAILED, "error": "GLUnavailableError: no EGL device", "transient": True}
        return super().__call__(spec_json, folder, quality)


def test_a_transient_failure_is_retried_on_a_new_request_a_deterministic_one_is_not(tmp_path: Path) -> None:
    job = Flaky()
    with make_client(tmp_path, job) as client:
        first = client.post("/api/videos", json={"action": "Walk", "seed": 4}).json()
        assert wait_done(client, first["id"])["status"] == FAILED
        again = client.post("/api/videos", json={"action": "Walk", "seed": 4})
        assert again.status_code == 202 and wait_done(client, first["id"])["status"] == DONE
        wave = client.post("/api/videos", json={"action": "Wave", "seed": 4}).json()  # SimulationError: for good
        assert wait_done(client, wave["id"])["status"] == FAILED
        assert client.post("/api/videos", json={"action": "Wave", "seed": 4}).json()["status"] == FAILED
    assert len(job.calls) == 3


def test_a_worker_killed_mid_job_fails_that_job_and_resubmits_the_one_not_started(tmp_path: Path) -> None:
    jobs = JobManager(tmp_path / "cache", workers=1, max_queue=4, job_function=sleeping_job)
    try:
        running = jobs.submit(spec(seed=1))[0]["id"]
        waiting = jobs.submit(spec(seed=2))[0]["id"]
        deadline = time.monotonic() + 60
        while (read_job_file(jobs.folder(running)) or {}).get("status") != "running":
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)
        assert read_job_file(jobs.folder(waiting))["status"] == QUEUED
        pids = list(jobs._executor._processes)
        os.kill(pids[0], signal.SIGKILL)
        finish(jobs, running)
        record = jobs.get(running)
        assert record["status"] == FAILED and record["transient"] and "worker process died" in record["error"]
        assert not (jobs.folder(running) / "video").exists()  # no partial video
        assert read_job_file(jobs.folder(running))["status"] == FAILED
        deadline = time.monotonic() + 60
        while (read_job_file(jobs.folder(waiting)) or {}).get("status") != "running":
            assert time.monotonic() < deadline, "the waiting job was not submitted again"
            time.sleep(0.05)
        assert jobs.get(waiting)["status"] in (QUEUED, "running")
        # the server stops at once: the worker is ended, the job marked, no partial folder, no process left
        workers = [p for p in jobs._executor._processes.values()]
        start = time.monotonic()
        jobs.close()
        assert time.monotonic() - start < 20
        assert all(not p.is_alive() for p in workers)
        assert read_job_file(jobs.folder(waiting))["status"] == FAILED
        assert not (jobs.folder(waiting) / "video").exists()
    finally:
        jobs.close()


def test_pool_workers_ignore_ctrl_c(tmp_path: Path) -> None:
    pool = process_pool(1)
    try:
        assert pool.submit(os.getpid).result(60) > 0
        (worker,) = pool._processes.values()
        os.kill(worker.pid, signal.SIGINT)
        time.sleep(0.5)
        assert worker.is_alive() and pool.submit(int, "7").result(60) == 7
    finally:
        pool.shutdown()


def test_a_video_folder_deleted_by_hand_is_no_longer_done_and_is_made_again(tmp_path: Path) -> None:
    import shutil

    job = StandIn()
    with make_client(tmp_path, job) as client:
        video_id = client.post("/api/videos", json={"action": "Walk", "seed": 1}).json()["id"]
        assert wait_done(client, video_id)["status"] == DONE
        shutil.rmtree(tmp_path / "cache" / video_id)
        assert client.get(f"/api/videos/{video_id}").status_code == 404
        assert client.post("/api/videos", json={"action": "Walk", "seed": 1}).status_code == 202
        assert wait_done(client, video_id)["status"] == DONE
    assert len(job.calls) == 2


# ---- a request left to its defaults --------------------------------------------------------------
def test_frames_left_out_are_as_many_as_the_action_needs() -> None:
    resolver = Resolver(Limits(), AVAILABLE)
    wave = resolver.resolve({"action": "Wave"})
    assert wave.frames == get_action("Wave").frames_needed(30.0) > Limits().default_frames
    assert resolver.resolve({"action": "Wave", "fps": 20}).frames == get_action("Wave").frames_needed(20)
    assert resolver.resolve({"action": "Wave", "frames": 4}).frames == 4  # given: as given
    assert resolver.parameters()["variables"]["action"]["frames_needed"]["Wave"] == wave.frames


def test_an_action_longer_than_the_servers_frames_is_refused_with_advice_in_api_terms() -> None:
    resolver = Resolver(Limits(max_frames=40, default_frames=30), AVAILABLE)
    with pytest.raises(RequestError, match=r"Wave needs 78 frames at 30 fps .*most, 40; give fps 15.38 or lower"):
        resolver.resolve({"action": "Wave"})
    for seed in range(10):  # a drawn action always fits
        assert resolver.resolve({"seed": seed}).action == "Walk"


def test_errors_name_the_requests_fields_not_command_line_options() -> None:
    with pytest.raises(RequestError) as refused:
        Resolver(LIMITS, AVAILABLE).resolve({"camera": "Indoor", "environment": "Plain"})
    assert "--" not in str(refused.value) and 'set "environment" to House' in str(refused.value)


# ---- bodies, errors, schema ----------------------------------------------------------------------
def test_a_body_over_the_limit_gets_413_before_parsing_and_long_inputs_are_not_echoed(tmp_path: Path) -> None:
    with make_client(tmp_path, StandIn()) as client:
        huge = client.post("/api/videos", content=b'{"x": "' + b"a" * 100_000 + b'"}',
                           headers={"Content-Type": "application/json"})
        assert huge.status_code == 413 and "over 8192 bytes" in huge.json()["detail"]
        chunked = client.post("/api/videos", content=iter([b'{"x": "', b"a" * 9000, b'"}']),
                              headers={"Content-Type": "application/json"})
        assert chunked.status_code == 413
        long = client.post("/api/videos", json={"action": "a" * 5000})
        assert long.status_code == 422 and len(long.content) < 1000


def test_malformed_json_gets_400_with_one_line(tmp_path: Path) -> None:
    with make_client(tmp_path, StandIn()) as client:
        response = client.post("/api/videos", content=b'{"action":"Wave",',
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and response.json()["detail"].startswith("the body is not JSON")


def test_the_seed_bounds_are_integers_and_a_zip_is_named_after_its_video(tmp_path: Path) -> None:
    with make_client(tmp_path, StandIn()) as client:
        seed = client.get("/openapi.json").json()["components"]["schemas"]["VideoRequest"]["properties"]["seed"]
        assert (seed["minimum"], seed["maximum"]) == (0, 2**63 - 1)
        video_id = client.post("/api/videos", json={"action": "Walk", "seed": 2}).json()["id"]
        wait_done(client, video_id)
        assert 'filename="v.zip"' in client.get(f"/api/videos/{video_id}/video.zip").headers["content-disposition"]


# ---- the cache's size ----------------------------------------------------------------------------
def test_a_bounded_cache_deletes_the_least_recently_used_finished_videos(tmp_path: Path) -> None:
    job = StandIn()
    jobs = JobManager(tmp_path / "cache", max_queue=4, job_function=job, max_cache_bytes=1500,
                      executor_factory=lambda n: concurrent.futures.ThreadPoolExecutor(n))
    ids = []
    for seed in range(3):  # each stand-in video takes about 700 bytes: two fit
        ids.append(jobs.submit(spec(seed=seed))[0]["id"])
        finish(jobs, ids[-1])
        if seed == 1:
            jobs.get(ids[0])  # used again: now more recent than the second
    assert {p.name for p in (tmp_path / "cache").iterdir()} == {ids[0], ids[2]}
    assert sum(f.stat().st_size for f in (tmp_path / "cache").rglob("*") if f.is_file()) <= 1500
    gone = ids[1]
    assert jobs.get(gone) is None  # unknown again: made again on request
    record, created = jobs.submit(spec(seed=1))
    assert created and record["id"] == gone
    jobs.close()


def test_a_running_job_is_never_deleted_to_make_room(tmp_path: Path) -> None:
    gate = threading.Event()
    jobs = JobManager(tmp_path / "cache", max_queue=4, job_function=StandIn(gate), max_cache_bytes=1,
                      executor_factory=lambda n: concurrent.futures.ThreadPoolExecutor(n))
    running = jobs.submit(spec(seed=1))[0]["id"]
    assert jobs.prune() == [] and (tmp_path / "cache" / running).is_dir()
    gate.set()
    finish(jobs, running)
    assert jobs.get(running)["status"] == DONE  # the video just made stays, even over the bound
    jobs.close()


def test_serve_passes_max_cache_mb_to_the_job_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from click.testing import CliRunner

    from phav.cli import cli

    served = {}
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.update(app=server.config.app))
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--cache", str(tmp_path / "c"), "--max-cache-mb", "5"])
    assert result.exit_code == 0, result.output
    served["app"].state.jobs.close()
    assert served["app"].state.jobs.max_cache_bytes == 5 * 1024 * 1024
    bad = CliRunner().invoke(cli, ["serve", "--cache", str(tmp_path / "c"), "--max-cache-mb", "0"])
    assert bad.exit_code != 0 and "--max-cache-mb" in bad.output


def test_a_body_not_sent_as_json_gets_415_naming_the_content_type(tmp_path: Path) -> None:
    with make_client(tmp_path, StandIn()) as client:
        for headers, words in (({"Content-Type": "text/plain"}, "sent as text/plain"), ({}, "has no Content-Type")):
            response = client.post("/api/videos", content=b'{"action": "Walk"}', headers=headers)
            assert response.status_code == 415 and words in response.json()["detail"], response.text
            assert "Content-Type: application/json" in response.json()["detail"]
        assert client.post("/api/videos", json=["Walk"]).status_code == 422  # JSON, but not an object


def test_when_no_action_fits_the_advice_is_a_lower_frame_rate() -> None:
    resolver = Resolver(Limits(max_frames=20, default_frames=20), AVAILABLE)
    with pytest.raises(RequestError, match="no action fits 20 frames at 30 fps; give a lower fps, or give frames"):
        resolver.resolve({})
    assert resolver.resolve({"fps": 15}).action == "Walk"  # 15 frames at 15 fps: fits
