"""Property-based fuzz of the served OpenAPI schema (Schemathesis): no request makes a server error.

Every operation of ``/openapi.json`` is called in-process through the ASGI app (no network) with
requests generated from the schema, valid and schema-violating ones. Each response must not be a
5xx and must conform to the schema: a documented status code, content type and headers, a body
matching the declared model, and schema-violating requests refused (4xx).

Schemathesis' ``positive_data_acceptance`` check (every schema-valid request gets a 2xx) is left
out on purpose: this API has rules across fields that JSON Schema does not state (a clip belongs
to one action, the House is filmed by the Indoor camera only, each action declares its
variations), so a schema-valid request may rightly get 422 with the reason. (Numbers are strict
too: ``5.0`` is refused for an integer, ``"5"`` and ``true`` for any number.)

What is fuzzed and what is not: the request resolution (against the real registries and sampling
model), the job table, the queue bound and the file routes are the real ones; only the render is
replaced by :class:`server_helpers.StandIn`, which writes a finished job with placeholder files at
once (action ``Wave`` fails, to fuzz failed jobs too). So no example renders a video and the default
run takes a few seconds; the real render is tested in ``test_server_render.py`` and the browser test.
The stateful runs follow the schema's OpenAPI links from ``POST /api/videos`` to the status and file
routes of the video it made, so the routes of finished and failed videos are fuzzed as well. There
each job finishes inside its ``POST`` (:class:`server_helpers.InlineExecutor`): with a thread pool,
whether a repeated ``POST`` answered 200 (done) or 202 (still running) depended on thread timing,
and Hypothesis, which replays scenarios, failed the run as flaky under load. (The queue bound is
fuzzed by the stateless runs and tested in ``test_server_jobs.py``.)
"""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from phav.server.app import create_app  # noqa: E402
from phav.server.jobs import JobManager  # noqa: E402
from phav.server.limits import Limits  # noqa: E402
from phav.server.resolve import Resolver  # noqa: E402
from server_helpers import InlineExecutor, StandIn  # noqa: E402

#: The real defaults, with a small queue so that 429 is reachable.
LIMITS = Limits(max_queue=3)
#: Checks of every response: all of Schemathesis' but positive_data_acceptance (see the module doc).
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
FAST = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def build_app(cache: Path, executor_factory=lambda n: concurrent.futures.ThreadPoolExecutor(n)):
    jobs = JobManager(cache, max_queue=LIMITS.max_queue, job_function=StandIn(), executor_factory=executor_factory)
    return create_app(cache, limits=LIMITS, jobs=jobs, resolver=Resolver(LIMITS)), jobs


def fuzz_every_operation(cache: Path, mode: str, examples: settings) -> list[str]:
    """Call every operation of the served schema with ``mode`` (positive/negative) requests; returns
    the operations' labels."""
    app, jobs = build_app(cache)
    served = schemathesis.openapi.from_asgi("/openapi.json", app)
    labels = []
    try:
        for result in served.get_all_operations():
            operation = result.ok()
            labels.append(operation.label)
            if mode == "negative" and not (len(operation.path_parameters) or len(operation.body)):
                continue  # no input to get wrong

            @given(case=operation.as_strategy(GenerationMode(mode)))
            @examples
            def run(case) -> None:
                check(case)

            run()
    finally:
        jobs.close()
    return labels


def check(case) -> None:
    response = case.call()
    assert response.status_code < 500, f"{case.operation.label}: {response.status_code} {response.text}"
    case.validate_response(response, excluded_checks=EXCLUDED)


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_operation_makes_a_server_error(tmp_path: Path, mode: str) -> None:
    labels = fuzz_every_operation(tmp_path / "cache", mode, FAST)
    assert {"POST /api/videos", "GET /api/videos/{video_id}", "GET /api/parameters",
            "GET /api/videos/{video_id}/frames/{kind}/{number}"} <= set(labels)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_operation_makes_a_server_error_long_run(tmp_path: Path, mode: str) -> None:
    fuzz_every_operation(tmp_path / "cache", mode, SLOW)


class FreshServer:
    """An ASGI app that is a new server on an empty cache after each :meth:`reset`, so every stateful
    scenario starts from the same state (Hypothesis replays scenarios and needs them repeatable)."""

    def __init__(self, root: Path) -> None:
        self.root, self.count, self.jobs = root, 0, None
        self.reset()

    def reset(self) -> None:
        self.close()
        self.count += 1
        self.app, self.jobs = build_app(self.root / f"cache{self.count}", lambda n: InlineExecutor())

    def close(self) -> None:
        if self.jobs is not None:
            self.jobs.close()

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)


def run_workflow(root: Path, examples: settings) -> None:
    """Scenarios of linked calls (``POST /api/videos``, then its links) from the schema's links."""
    server = FreshServer(root)
    machine = schemathesis.openapi.from_asgi("/openapi.json", server).as_state_machine()

    class Workflow(machine):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            server.reset()

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            assert response.status_code < 500, f"{case.operation.label}: {response.status_code} {response.text}"
            case.validate_response(response, excluded_checks=EXCLUDED)

    try:
        Workflow.run(settings=examples)
    finally:
        server.close()


def test_linked_calls_on_made_videos_make_no_server_error(tmp_path: Path) -> None:
    run_workflow(tmp_path, settings(FAST, max_examples=8, stateful_step_count=6))


@pytest.mark.slow
def test_linked_calls_on_made_videos_make_no_server_error_long_run(tmp_path: Path) -> None:
    run_workflow(tmp_path, settings(SLOW, max_examples=150, stateful_step_count=10))
