"""End to end: the real app renders a tiny video in a spawned worker process; polled to completion."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("av")

from fastapi.testclient import TestClient  # noqa: E402

from phav.io.mp4 import read_mp4  # noqa: E402
from phav.server.app import create_app  # noqa: E402
from phav.server.limits import Limits  # noqa: E402

pytestmark = pytest.mark.gl


def test_tiny_video_renders_in_a_worker_and_every_file_is_served(tmp_path: Path, gl_session) -> None:
    app = create_app(tmp_path / "cache", workers=1, limits=Limits(quality="preview"))
    with TestClient(app) as client:
        request = {"action": "Walk", "environment": "Plain", "seed": 5, "width": 48, "height": 32, "frames": 3}
        created = client.post("/api/videos", json=request)
        assert created.status_code == 202
        video_id = created.json()["id"]
        deadline = time.monotonic() + 120
        while True:
            # the server answers while the worker renders
            body = client.get(f"/api/videos/{video_id}").json()
            if body["status"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert body["status"] == "done", body["error"]
        assert body["frames"] == 3
        links = body["links"]
        assert sorted(links["previews"]) == sorted(["img", "raw", "depth", "flow", "classgt", "instancegt"])
        for modality, link in links["previews"].items():
            response = client.get(link)
            assert response.headers["content-type"] == "video/mp4"
            path = tmp_path / f"{modality}.mp4"
            path.write_bytes(response.content)
            frames, fps, codec, _ = read_mp4(path)
            assert frames.shape == (3, 32, 48, 3) and fps == pytest.approx(30.0) and codec == "h264"
        archive = zipfile.ZipFile(io.BytesIO(client.get(links["zip"]).content))
        names = {Path(n).name for n in archive.namelist()}
        assert {"params.json", "annotations.json", "img_00003.jpg", "depth_00001.png", "flow_x_00002.png",
                "classgt_00001.png", "instancegt_00003.png"} <= names
        params = client.get(links["params"]).json()
        assert params["spec"] == body["spec"]
        annotations = client.get(links["annotations"]).json()
        assert annotations["num_frames"] == 3
        assert client.get(f"/api/videos/{video_id}/frames/raw/3").headers["content-type"] == "image/jpeg"
        # the same request again: the same id, served from the cache
        again = client.post("/api/videos", json=request)
        assert again.status_code == 200 and again.json()["id"] == video_id
        job = json.loads((tmp_path / "cache" / video_id / "job.json").read_text())
        assert job["status"] == "done"
