"""The job table's memory is bounded: finished jobs beyond ``max_finished`` are forgotten, least
recently used first, and a forgotten video is still served from its folder in the cache."""

from __future__ import annotations

import concurrent.futures
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from phav.server.jobs import JobManager  # noqa: E402
from phav.server.render_job import DONE, FAILED, QUEUED  # noqa: E402
from phav.server.resolve import Resolver  # noqa: E402
from server_helpers import AVAILABLE, LIMITS, StandIn  # noqa: E402

RESOLVER = Resolver(LIMITS, AVAILABLE)


def spec(action: str = "Walk", seed: int = 0):
    return RESOLVER.resolve({"action": action, "seed": seed})


def manager(tmp_path: Path, job: StandIn, max_finished: int) -> JobManager:
    return JobManager(tmp_path / "cache", max_queue=4, max_finished=max_finished, job_function=job,
                      executor_factory=lambda n: concurrent.futures.ThreadPoolExecutor(n))


def finish(jobs: JobManager, job_id: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with jobs._lock:  # the record is final once the worker's callback has stored it
            record = jobs._jobs.get(job_id)
            if record is None or record["status"] in (DONE, FAILED):
                return
        time.sleep(0.005)
    raise AssertionError(f"job {job_id} did not finish")


def test_finished_jobs_beyond_the_limit_are_forgotten_oldest_first(tmp_path: Path) -> None:
    jobs = manager(tmp_path, StandIn(), max_finished=2)
    ids = []
    for seed in range(5):
        record, created = jobs.submit(spec(seed=seed))
        assert created
        ids.append(record["id"])
        finish(jobs, record["id"])
    assert jobs.remembered() == 2
    assert list(jobs._jobs) == ids[-2:]
    jobs.close()


def test_a_forgotten_video_is_still_served_from_the_cache_and_memory_stays_bounded(tmp_path: Path) -> None:
    job = StandIn()
    jobs = manager(tmp_path, job, max_finished=2)
    ids = [jobs.submit(spec(seed=s))[0]["id"] for s in range(4)]
    for job_id in ids:
        finish(jobs, job_id)
    for job_id in ids:  # each read brings one back from job.json and forgets another
        record = jobs.get(job_id)
        assert record is not None and record["status"] == DONE and record["id"] == job_id
        assert jobs.remembered() <= 2
    # asking again for a forgotten video reuses its files: no new render
    record, created = jobs.submit(spec(seed=0))
    assert (record["status"], created, len(job.calls)) == (DONE, False, 4)
    jobs.close()


def test_using_a_job_keeps_it_remembered(tmp_path: Path) -> None:
    jobs = manager(tmp_path, StandIn(), max_finished=2)
    first, second = (jobs.submit(spec(seed=s))[0]["id"] for s in range(2))
    finish(jobs, first)
    finish(jobs, second)
    jobs.get(first)  # now the most recently used
    third = jobs.submit(spec(seed=2))[0]["id"]
    finish(jobs, third)
    assert set(jobs._jobs) == {first, third}
    jobs.close()


def test_waiting_and_running_jobs_are_never_forgotten(tmp_path: Path) -> None:
    gate = threading.Event()
    jobs = manager(tmp_path, StandIn(gate), max_finished=0)
    ids = [jobs.submit(spec(seed=s))[0]["id"] for s in range(3)]
    assert jobs.remembered() == 3 and jobs.get(ids[2])["status"] == QUEUED
    gate.set()
    for job_id in ids:
        finish(jobs, job_id)
    assert jobs.remembered() == 0
    assert all(jobs.get(i)["status"] == DONE for i in ids)  # read back from the cache
    jobs.close()


def test_a_forgotten_failed_job_is_made_again_as_after_a_restart(tmp_path: Path) -> None:
    job = StandIn()
    jobs = manager(tmp_path, job, max_finished=0)
    failed = jobs.submit(spec("Wave", seed=1))[0]["id"]
    finish(jobs, failed)
    assert jobs.get(failed) is None  # forgotten; its failure is not a video to serve
    record, created = jobs.submit(spec("Wave", seed=1))
    assert created and record["id"] == failed
    finish(jobs, failed)
    assert len(job.calls) == 2
    jobs.close()


def test_max_finished_must_not_be_negative(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_finished must be at least 0"):
        JobManager(tmp_path, max_finished=-1)
