"""End to end in headless Chromium: a person picks parameters on the page, generates a tiny video
and watches it play, then switches the modality.

The real server (uvicorn, real job manager, spawned render worker) runs on a free localhost port in a
thread; the system's Chromium (Debian's ``chromium`` package, which ``.ci/run`` installs) is driven
through Playwright with ``executable_path``, so no browser is downloaded. "Plays" means: the
``<video>`` has no media error, its playback position advances, and a frame drawn from it onto a
canvas holds the decoded picture (an RGB frame with varied colours; the depth preview grey).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("av")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from phav.server.app import create_app  # noqa: E402
from phav.server.limits import Limits  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.gl, pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")]

#: Tiny videos only: the page's form gets these bounds from GET /api/parameters.
LIMITS = Limits(max_frames=8, max_width=64, max_height=48, default_frames=6, default_width=64, default_height=48,
                quality="preview")

#: Mean and spread of the picture the <video> shows now, drawn onto a canvas (same origin: readable).
SAMPLE = """() => {
  const v = document.getElementById("player");
  const c = document.createElement("canvas");
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext("2d");
  g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0, sum = [0, 0, 0], sq = 0, chroma = 0;
  for (let i = 0; i < d.length; i += 4) {
    n++; for (let k = 0; k < 3; k++) sum[k] += d[i + k];
    const y = (d[i] + d[i + 1] + d[i + 2]) / 3; sq += y * y;
    chroma += Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]);
  }
  const mean = sum.map((s) => s / n), y = (mean[0] + mean[1] + mean[2]) / 3;
  return {width: c.width, height: c.height, mean, std: Math.sqrt(Math.max(sq / n - y * y, 0)), chroma: chroma / n};
}"""

#: The <video> is playing: no error, data decoded, not paused, the position has moved.
PLAYING = """(src) => {
  const v = document.getElementById("player");
  return v.error === null && v.currentSrc.endsWith(src) && v.readyState >= 2 && !v.paused
         && v.played.length > 0 && v.played.end(v.played.length - 1) > 0.05;
}"""


class Server:
    """uvicorn serving ``app`` on a free localhost port in a thread."""

    def __init__(self, app) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(60)
        self.socket.close()


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


def test_pick_parameters_generate_and_watch_it_play(tmp_path: Path, browser) -> None:
    app = create_app(tmp_path / "cache", workers=1, limits=LIMITS)
    with Server(app) as server:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_function("document.getElementById('status').textContent === 'ready'", timeout=30_000)
        # choose from the lists the page built from GET /api/parameters
        page.select_option("#var-action", "Walk")
        clips = page.eval_on_selector_all("#var-clip option", "os => os.map(o => o.value).filter(v => v)")
        assert clips, "the clip list follows the chosen action"
        page.select_option("#var-clip", clips[0])
        page.select_option("#var-environment", "Plain")
        page.select_option("#var-day_phase", "Day")
        # frames left empty: as long as the action needs (the server decides)
        assert page.input_value("#frames") == "" and page.get_attribute("#frames", "max") == "8"
        page.fill("#frames", "5")
        page.fill("#seed", "3")
        page.click("#generate")
        page.wait_for_selector("#result:not([hidden])", timeout=240_000)
        status = page.text_content("#status")
        assert "done, 5 frames" in status, status

        page.wait_for_function(PLAYING, arg="/preview/img.mp4", timeout=30_000)
        rgb = page.evaluate(SAMPLE)
        assert (rgb["width"], rgb["height"]) == (64, 48)
        assert rgb["std"] > 5 and rgb["chroma"] > 5, rgb  # a decoded scene, not a blank frame
        rows = "rs => rs.map(r => [...r.cells].map(c => c.textContent))"
        resolved = dict(page.eval_on_selector_all("#resolved tr", rows))
        assert (resolved["action"], resolved["clip"], resolved["frames"]) == ("Walk", clips[0], "5")

        page.click("#modalities button[data-modality='depth']")
        page.wait_for_function(PLAYING, arg="/preview/depth.mp4", timeout=30_000)
        depth = page.evaluate(SAMPLE)
        assert depth["std"] > 5 and depth["chroma"] < 6, depth  # inverse depth as grey
        assert page.get_attribute("#preview-link", "href").endswith("/preview/depth.mp4")
        assert errors == []


def test_an_error_answer_that_is_not_json_shows_its_status_not_a_syntax_error(tmp_path: Path, browser) -> None:
    """A proxy's or a crashed server's plain-text 5xx is said as such on the page."""
    app = create_app(tmp_path / "cache", workers=1, limits=LIMITS)
    with Server(app) as server:
        page = browser.new_page()
        page.route("**/api/videos", lambda route: route.fulfill(status=502, content_type="text/plain",
                                                                body="upstream went away"))
        page.goto(server.url + "/")
        page.wait_for_function("document.getElementById('status').textContent === 'ready'", timeout=30_000)
        page.click("#generate")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('error')", timeout=30_000)
        status = page.text_content("#status")
        assert status.startswith("error 502: ") and "upstream went away" in status, status
        assert "SyntaxError" not in status


def test_a_seed_that_is_not_a_whole_number_in_range_is_refused_not_sent_as_another(tmp_path: Path, browser) -> None:
    """``1e20`` or 2^63 in the seed field: a message on the page and no request (parseInt sent 1 and
    9223372036854775808 was rounded); a whole number is sent exactly as typed, even 2^63 - 1. (``1.5``,
    ``-3`` or ``12e`` the browser's own form validation stops: nothing is sent either.)"""
    app = create_app(tmp_path / "cache", workers=1, limits=LIMITS)
    with Server(app) as server:
        page = browser.new_page()
        sent: list[str] = []

        def capture(route) -> None:
            sent.append(route.request.post_data)
            route.fulfill(status=422, content_type="application/json", body='{"detail": "stopped by the test"}')

        page.route("**/api/videos", capture)
        page.goto(server.url + "/")
        page.wait_for_function("document.getElementById('status').textContent === 'ready'", timeout=30_000)
        refused = "seed must be a whole number in 0..9223372036854775807, not "
        for typed in ["1e20", "9223372036854775808", "99999999999999999999", "1e3"]:
            page.evaluate("document.getElementById('status').className = ''")
            page.fill("#seed", typed)
            page.click("#generate")
            page.wait_for_function("document.getElementById('status').className === 'error'", timeout=10_000)
            status = page.text_content("#status")
            assert status.startswith(refused) and typed in status, (typed, status)
            assert sent == [], (typed, sent)
        for typed in ["1.5", "-3", "12e"]:
            page.fill("#seed", "")
            page.locator("#seed").press_sequentially(typed)  # as typed: "12e" is no number (badInput)
            page.click("#generate")
            page.wait_for_timeout(300)
            assert sent == [], (typed, sent)
        for typed, seed in [("9223372036854775807", "9223372036854775807"), ("0042", "42")]:
            page.evaluate("document.getElementById('status').textContent = ''")
            page.fill("#seed", typed)
            page.click("#generate")
            page.wait_for_function("document.getElementById('status').textContent.includes('stopped')",
                                   timeout=10_000)
            assert sent and f'"seed":{seed}}}' in sent[-1], sent
        assert len(sent) == 2
