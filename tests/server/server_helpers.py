"""Shared by the server tests: a stand-in job function, a small variable table and limits, a client.

The stand-in writes a finished job (tiny placeholder files) instantly instead of rendering, so the
HTTP layer is tested fast; ``test_server_render.py`` and ``test_server_browser.py`` render for real.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from phav.server.app import create_app
from phav.server.jobs import JobManager
from phav.server.limits import Limits
from phav.server.render_job import DONE, FAILED, write_job_file
from phav.server.resolve import Resolver

AVAILABLE = {
    "action": ["Walk", "Wave"],
    "clip": {"Walk": ["walk", "walk_slow"], "Wave": ["wave"]},
    "actor": ["Model_Default", "Model_Girl"],
    "environment": ["Plain", "House"],
    "camera": ["Kite", "Indoor", "Tripod"],
    "day_phase": ["Day", "Night"],
    "weather": ["Clear", "Rainy"],
    "variation": ["n", "w"],
}
LIMITS = Limits(max_frames=100, max_width=128, max_height=96, max_queue=2, default_frames=5,
                default_width=64, default_height=48)


class InlineExecutor(concurrent.futures.Executor):
    """Runs each job inside ``submit``: the job has finished when ``submit`` returns, so what a
    request sees never depends on thread timing (Hypothesis replays stateful scenarios and needs
    every replay to get the same answers)."""

    def submit(self, fn, /, *args, **kwargs) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the future carries it, as a pool's would
            future.set_exception(exc)
        return future


class StandIn:
    """A job function that blocks until released (when ``gate`` is given) and writes a done job with
    a params.json, or fails for action Wave (to test failure reports)."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.calls: list[str] = []

    def __call__(self, spec_json: str, folder: str, quality: str) -> dict:
        import json

        self.calls.append(spec_json)
        if self.gate is not None:
            assert self.gate.wait(10)
        spec = json.loads(spec_json)
        job = Path(folder)
        if spec["action"] == "Wave":
            return {"status": FAILED, "error": "SimulationError: the body exploded at frame 3"}
        video = job / "video" / spec["action"] / "v"
        video.mkdir(parents=True)
        (video / "params.json").write_text(json.dumps({"spec": spec}))
        (video / "annotations.json").write_text("{}")
        (video / "img_00001.jpg").write_bytes(b"jpeg")
        (job / "preview_img.mp4").write_bytes(b"mp4")
        (job / "video.zip").write_bytes(b"zip")
        record = {"id": job.name, "spec": spec, "status": DONE, "error": None, "frames": 1,
                  "video_folder": "video/" + spec["action"] + "/v", "previews": ["img"]}
        write_job_file(job, record)
        return record


def make_client(tmp_path: Path, job: StandIn, max_finished: int = 512) -> TestClient:
    jobs = JobManager(tmp_path / "cache", max_queue=LIMITS.max_queue, max_finished=max_finished, job_function=job,
                      executor_factory=lambda n: concurrent.futures.ThreadPoolExecutor(n))
    app = create_app(tmp_path / "cache", limits=LIMITS, jobs=jobs, resolver=Resolver(LIMITS, AVAILABLE))
    return TestClient(app)


def wait_done(client: TestClient, video_id: str) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = client.get(f"/api/videos/{video_id}").json()
        if body["status"] in (DONE, FAILED):
            return body
        time.sleep(0.01)
    raise AssertionError(f"video {video_id} did not finish")




def sleeping_job(spec_json: str, folder: str, quality: str) -> dict:
    """A job function for real worker processes: says it is running, then sleeps a minute."""
    job = Path(folder)
    write_job_file(job, {"id": job.name, "status": "running", "started": time.time()})
    (job / "video").mkdir(exist_ok=True)
    time.sleep(60)
    return {"status": DONE}
