"""The REST API through FastAPI's test client, with jobs run by a stand-in on threads (fast).

The stand-in job function (``server_helpers.StandIn``) records each render and writes a finished job
like the real one; the real render is tested end to end in ``test_server_render.py``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from phav.server.limits import Limits  # noqa: E402
from phav.server.render_job import DONE, FAILED  # noqa: E402
from server_helpers import AVAILABLE, StandIn, make_client, wait_done  # noqa: E402


@pytest.fixture
def stand_in() -> StandIn:
    return StandIn()


@pytest.fixture
def client(tmp_path: Path, stand_in: StandIn):
    with make_client(tmp_path, stand_in) as c:
        yield c


def test_parameters_list_every_variable_and_range(client: TestClient) -> None:
    body = client.get("/api/parameters").json()
    assert body["variables"]["weather"]["values"] == ["Clear", "Rainy"]
    assert body["variables"]["clip"]["values_by_action"]["Walk"] == ["walk", "walk_slow"]
    assert body["variables"]["camera"]["parent"] == "environment"
    # the sampling model: Indoor exactly in House (PHAV)
    assert body["variables"]["camera"]["distribution_given"]["House"] == {"Indoor": 1.0}
    assert sum(body["variables"]["actor"]["distribution"].values()) == pytest.approx(1.0)
    assert body["numeric"]["frames"] == {"min": 1, "max": 100, "default": 5}
    assert body["numeric"]["width"]["max"] == 128


def test_openapi_schema_is_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/parameters", "/api/videos", "/api/videos/{video_id}"} <= set(schema["paths"])
    assert "429" in schema["paths"]["/api/videos"]["post"]["responses"]


def test_partial_spec_is_completed_from_the_seed(client: TestClient, stand_in: StandIn) -> None:
    response = client.post("/api/videos", json={"action": "Walk", "weather": "Rainy", "seed": 7})
    assert response.status_code == 202
    body = response.json()
    spec = body["spec"]
    assert (spec["action"], spec["weather"], spec["seed"]) == ("Walk", "Rainy", 7)
    assert spec["clip"] in AVAILABLE["clip"]["Walk"] and spec["actor"] in AVAILABLE["actor"]
    assert (spec["frames"], spec["width"], spec["height"]) == (30, 64, 48)  # as Walk needs; the default size
    assert len(body["id"]) == 32


def test_same_spec_and_seed_give_the_same_id_and_one_render(client: TestClient, stand_in: StandIn) -> None:
    request = {"action": "Walk", "seed": 3, "frames": 4}
    first = client.post("/api/videos", json=request).json()
    done = wait_done(client, first["id"])
    assert done["status"] == DONE
    again = client.post("/api/videos", json=request)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert len(stand_in.calls) == 1
    other = client.post("/api/videos", json=dict(request, seed=4)).json()
    assert other["id"] != first["id"]


def test_cached_video_survives_a_restart(tmp_path: Path) -> None:
    first_run = StandIn()
    with make_client(tmp_path, first_run) as client:
        video_id = client.post("/api/videos", json={"action": "Walk", "seed": 11}).json()["id"]
        wait_done(client, video_id)
    second_run = StandIn()
    with make_client(tmp_path, second_run) as client:
        response = client.post("/api/videos", json={"action": "Walk", "seed": 11})
        assert response.status_code == 200 and response.json()["id"] == video_id
        assert client.get(f"/api/videos/{video_id}/params.json").status_code == 200
    assert second_run.calls == []


def test_done_video_links_serve_its_files(client: TestClient) -> None:
    video_id = client.post("/api/videos", json={"action": "Walk", "seed": 1}).json()["id"]
    body = wait_done(client, video_id)
    links = body["links"]
    assert client.get(links["previews"]["img"]).content == b"mp4"
    assert client.get(links["zip"]).content == b"zip"
    assert client.get(links["params"]).json()["spec"]["action"] == "Walk"
    assert client.get(f"/api/videos/{video_id}/frames/img/1").content == b"jpeg"
    assert client.get(f"/api/videos/{video_id}/frames/img/2").status_code == 404  # 1 frame only
    assert client.get(f"/api/videos/{video_id}/preview/depth.mp4").status_code == 404  # not written


def test_failed_job_reports_why(client: TestClient) -> None:
    video_id = client.post("/api/videos", json={"action": "Wave", "seed": 1}).json()["id"]
    body = wait_done(client, video_id)
    assert body["status"] == FAILED
    assert body["error"] == "SimulationError: the body exploded at frame 3"
    assert client.get(f"/api/videos/{video_id}/video.zip").status_code == 409


@pytest.mark.parametrize("request_body, reason", [
    ({"weather": "Sunny"}, "weather 'Sunny' is not available"),
    ({"action": "Walk", "clip": "wave"}, "clip 'wave' is not a clip of Walk"),
    ({"frames": 101}, "frames must be in 1..100"),
    ({"width": 130}, "width must be in 8..128"),
    ({"height": 4}, "height must be in 8..96"),
    ({"environment": "House", "camera": "Kite"}, "House is filmed by camera Indoor"),
])
def test_invalid_values_get_422_with_the_reason(client: TestClient, request_body: dict, reason: str) -> None:
    response = client.post("/api/videos", json=request_body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


@pytest.mark.parametrize("request_body", [
    {"seed": -1}, {"seed": 2**63}, {"frames": "many"}, {"colour": "red"}, {"fps": 0}, {"action": "x" * 65},
])
def test_malformed_requests_get_422(client: TestClient, request_body: dict) -> None:
    assert client.post("/api/videos", json=request_body).status_code == 422


def test_a_given_camera_conditions_the_environment(client: TestClient) -> None:
    for seed in range(6):
        response = client.post("/api/videos", json={"camera": "Indoor", "seed": seed})
        assert response.status_code in (200, 202), response.text
        body = response.json()
        assert body["spec"]["environment"] == "House"
        wait_done(client, body["id"])  # the queue holds 2 jobs: let each finish before the next


@pytest.mark.parametrize("path", [
    "/api/videos/..%2F..%2Fetc%2Fpasswd",
    "/api/videos/../../etc/passwd",
    "/api/videos/%2e%2e/preview/img.mp4",
    "/api/videos/0123456789abcdef0123456789abcdeg",
    "/api/videos/0123456789abcdef0123456789abcdef/frames/..%2F..%2Fjob/1",
    "/api/videos/0123456789abcdef0123456789abcdef/..%2Fjob.json",
    "/static/..%2F..%2F__init__.py",
    "/static/../app.py",
])
def test_path_traversal_is_refused(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422)
    assert b"import" not in response.content and b"root:" not in response.content


def test_no_file_outside_the_video_is_served(client: TestClient, tmp_path: Path) -> None:
    video_id = client.post("/api/videos", json={"action": "Walk", "seed": 2}).json()["id"]
    wait_done(client, video_id)
    # job.json sits in the job folder but is not a file of the video
    # (names outside the schema's enums: 422, as the schema says; see the test below)
    assert client.get(f"/api/videos/{video_id}/job.json").status_code == 422
    assert client.get(f"/api/videos/{video_id}/frames/job/1").status_code == 422
    assert client.get(f"/api/videos/{video_id}/..%2Fjob.json").status_code in (404, 422)


@pytest.mark.parametrize("path, field, message", [
    ("frames/img/0", "number", "greater than or equal to 1"),
    ("frames/img/-1", "number", "greater than or equal to 1"),
    ("frames/job/1", "kind", "Input should be 'img'"),
    ("frames/flow/1", "kind", "Input should be 'img'"),  # flow is a preview, its frames are flow_x/flow_y
    ("preview/colour.mp4", "modality", "Input should be 'img'"),
    ("preview/flow_x.mp4", "modality", "Input should be 'img'"),
    ("job.json", "name", "Input should be 'params' or 'annotations'"),
])
def test_path_values_outside_the_schema_get_422_with_one_error(client: TestClient, path: str, field: str,
                                                              message: str) -> None:
    """The schema's enums and minimum are enforced as 422 (one field error, as for a malformed id)."""
    video_id = client.post("/api/videos", json={"action": "Walk", "seed": 4}).json()["id"]
    wait_done(client, video_id)
    response = client.get(f"/api/videos/{video_id}/{path}")
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["path", field] and message in error["msg"], error
    parameters = client.get("/openapi.json").json()["paths"]
    frame = parameters["/api/videos/{video_id}/frames/{kind}/{number}"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("minimum") for p in frame}["number"] == 1
    # values inside the schema for a frame or file this video lacks stay 404
    assert client.get(f"/api/videos/{video_id}/frames/img/2").status_code == 404
    assert client.get(f"/api/videos/{video_id}/frames/depth/1").status_code == 404
    assert client.get(f"/api/videos/{video_id}/preview/depth.mp4").status_code == 404


@pytest.mark.parametrize("path, media_type", [
    ("video.zip", "application/zip"), ("preview/img.mp4", "video/mp4"), ("params.json", "application/json"),
    ("annotations.json", "application/json"), ("frames/img/1", "image/jpeg"),
])
def test_head_on_file_routes_answers_like_get_without_a_body(client: TestClient, path: str, media_type: str) -> None:
    video_id = client.post("/api/videos", json={"action": "Walk", "seed": 5}).json()["id"]
    wait_done(client, video_id)
    url = f"/api/videos/{video_id}/{path}"
    got, head = client.get(url), client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith(media_type)
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
    assert head.headers["accept-ranges"] == "bytes" and head.headers["etag"] == got.headers["etag"]
    ranged = client.head(url, headers={"Range": "bytes=0-1"})
    assert ranged.status_code == 206 and ranged.content == b""
    assert ranged.headers["content-range"] == f"bytes 0-1/{len(got.content)}"
    assert ranged.headers["content-length"] == "2"
    # errors as for GET
    assert client.head(f"/api/videos/{'0' * 32}/video.zip").status_code == 404
    assert client.head(f"/api/videos/{video_id}/frames/img/0").status_code == 422


def test_head_stays_out_of_the_schema(client: TestClient) -> None:
    """HEAD is answered but not listed: each GET operation keeps its one operationId."""
    paths = client.get("/openapi.json").json()["paths"]
    assert all(set(operations) <= {"get", "post"} for operations in paths.values()), paths
    ids = [op["operationId"] for operations in paths.values() for op in operations.values()]
    assert len(ids) == len(set(ids))


def test_full_queue_gets_429_and_the_server_keeps_answering(tmp_path: Path) -> None:
    gate = threading.Event()
    with make_client(tmp_path, StandIn(gate)) as client:
        ids = [client.post("/api/videos", json={"action": "Walk", "seed": s}).json()["id"] for s in range(2)]
        full = client.post("/api/videos", json={"action": "Walk", "seed": 2})
        assert full.status_code == 429
        assert "limit is 2" in full.json()["detail"] and full.headers["retry-after"]
        # known jobs are still answered (and a known one is not refused) while the queue is full
        assert client.post("/api/videos", json={"action": "Walk", "seed": 0}).json()["id"] == ids[0]
        assert client.get("/api/parameters").status_code == 200
        assert client.get(f"/api/videos/{ids[1]}").json()["status"] in ("queued", "running")
        gate.set()
        for video_id in ids:
            assert wait_done(client, video_id)["status"] == DONE
        assert client.post("/api/videos", json={"action": "Walk", "seed": 2}).status_code == 202


def test_unknown_video_is_404(client: TestClient) -> None:
    assert client.get("/api/videos/" + "0" * 32).status_code == 404


def test_the_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "/api/parameters" in client.get("/static/app.js").text


def test_a_variation_the_action_does_not_declare_is_refused_with_a_reason() -> None:
    from phav.actions import get_action
    from phav.server.resolve import RequestError, Resolver

    assert "b" not in get_action("Pour").variations
    with pytest.raises(RequestError, match="variation"):
        Resolver(Limits()).resolve({"action": "Pour", "variation": "b", "seed": 1})


@pytest.mark.parametrize("body, reason", [
    ('{"fps": NaN}', "finite number"), ('{"fps": Infinity}', "finite number"), ('{"frames": NaN}', "integer"),
])
def test_non_finite_numbers_get_422_not_a_server_error(client: TestClient, body: str, reason: str) -> None:
    # Python's JSON parser accepts these literals; the error answer must still be valid JSON
    response = client.post("/api/videos", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert reason in response.json()["detail"][0]["msg"]


def test_a_tiny_frame_rate_is_refused_before_it_asks_for_an_endless_simulation(client: TestClient) -> None:
    # frames / fps seconds of simulation: 1e-300 fps would never finish
    response = client.post("/api/videos", json={"fps": 1e-300})
    assert response.status_code == 422 and "fps must be in 1..60" in response.json()["detail"]


def test_numbers_must_be_json_numbers_not_strings_or_booleans(client: TestClient) -> None:
    for body in ({"seed": True}, {"frames": "5"}, {"seed": 1.5}):
        assert client.post("/api/videos", json=body).status_code == 422, body


def test_the_schema_states_this_servers_values_and_bounds(client: TestClient) -> None:
    request = client.get("/openapi.json").json()["components"]["schemas"]["VideoRequest"]["properties"]
    assert request["weather"]["enum"] == ["Clear", "Rainy", None]
    assert request["clip"]["enum"] == ["walk", "walk_slow", "wave", None]
    frames = next(s for s in request["frames"]["anyOf"] if s["type"] == "integer")
    assert (frames["minimum"], frames["maximum"]) == (1, 100)


def test_videos_forgotten_from_memory_are_still_served_by_id(tmp_path: Path) -> None:
    with make_client(tmp_path, StandIn(), max_finished=1) as client:
        ids = [client.post("/api/videos", json={"action": "Walk", "seed": s}).json()["id"] for s in range(2)]
        for video_id in ids:
            wait_done(client, video_id)
        assert client.app.state.jobs.remembered() == 1
        for video_id in ids:
            assert client.get(f"/api/videos/{video_id}").json()["status"] == DONE
            assert client.get(f"/api/videos/{video_id}/params.json").json()["spec"]["seed"] == ids.index(video_id)


def test_serve_passes_max_finished_to_the_job_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`phav-render serve --max-finished N` bounds the in-memory job table at N."""
    import uvicorn
    from click.testing import CliRunner

    from phav.cli import cli

    served = {}
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.update(app=server.config.app))
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--cache", str(tmp_path / "cache"), "--max-finished", "3"])
    assert result.exit_code == 0, result.output
    jobs = served["app"].state.jobs
    try:
        assert jobs.max_finished == 3
    finally:
        jobs.close()
    bad = CliRunner().invoke(cli, ["serve", "--cache", str(tmp_path / "cache"), "--max-finished", "0"])
    assert bad.exit_code != 0 and "--max-finished" in bad.output
