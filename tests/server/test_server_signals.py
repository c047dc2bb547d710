"""`phav-render serve` stops at once on Ctrl-C (SIGINT to the process group: exit 130) and on
SIGTERM (to the server or its group, as systemd sends it: exit 143), even while a video renders: the
workers abort their video (no partial folder is left), unfinished jobs are marked failed on disk (a
restarted server makes them again), and no process is left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

pytestmark = pytest.mark.gl


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, body: dict) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/videos", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize("signum, group, code", [(signal.SIGINT, True, 130), (signal.SIGTERM, True, 143),
                                                 (signal.SIGTERM, False, 143)])
def test_the_server_stops_at_once_during_a_render(tmp_path: Path, gl_session, signum, group, code) -> None:
    port, cache = free_port(), tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen([sys.executable, "-c", "from phav.cli import main; main()", "serve", "--port", str(port),
                               "--cache", str(cache), "--quality", "preview"], env=env, start_new_session=True,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/parameters", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        ids = [post(port, {"action": "Walk", "frames": 150, "width": 320, "height": 240, "seed": s})["id"]
               for s in (1, 2)]
        while json.loads((cache / ids[0] / "job.json").read_text())["status"] != "running":
            assert time.monotonic() < deadline, "the render did not start"
            time.sleep(0.05)
        workers = children(server.pid)
        time.sleep(1)  # into the render
        os.killpg(server.pid, signum) if group else server.send_signal(signum)
        start = time.monotonic()
        assert server.wait(30) == code, server.stderr.read()
        assert time.monotonic() - start < 15
        gone = time.monotonic() + 5  # no worker (nor resource tracker) left behind, once they are reaped
        while any(alive(pid) for pid in workers):
            assert time.monotonic() < gone, [pid for pid in workers if alive(pid)]
            time.sleep(0.1)
        for job_id in ids:
            record = json.loads((cache / job_id / "job.json").read_text())
            assert record["status"] in ("done", "failed"), record
            if record["status"] == "failed":
                assert not (cache / job_id / "video").exists()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.mark.parametrize("signals, code", [([signal.SIGINT], 130), ([signal.SIGTERM], 143),
                                           ([signal.SIGTERM, signal.SIGINT], 143), ([], 0)])
def test_the_server_ends_as_the_signal_that_stopped_uvicorn_asks_even_when_uvicorn_returns(signals, code) -> None:
    """uvicorn raises the signal again once shut down, but Python's asyncio runner may take that
    SIGINT as cancelling a main task that has finished already, and uvicorn then returns as if
    nothing had happened (the server exited 0 after Ctrl-C, now and then): the command ends as the
    first signal asks whatever uvicorn did with it."""
    from phav.cli import main

    def serve_until_stopped(self, sockets=None) -> None:  # uvicorn's run, stopped by `signals`, returning
        for signum in signals:
            self.handle_exit(signum, None)

    with pytest.MonkeyPatch.context() as patch:
        import uvicorn

        patch.setattr(uvicorn.Server, "run", serve_until_stopped)
        patch.setattr("phav.server.app.create_app", lambda *args, **kwargs: object())
        with pytest.raises(SystemExit) as ended:
            main(["serve", "--port", str(free_port()), "--cache", "/nonexistent-phav-cache"])
    assert ended.value.code == code
