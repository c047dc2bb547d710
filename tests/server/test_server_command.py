"""`phav-render serve`'s options: the bounds it advertises are the ones it renders, and an address
it cannot listen on is one line naming the option to change, before anything is served."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from phav.cli import main  # noqa: E402


def serve(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Run `phav-render serve` in-process with the server's loop replaced; returns (exit code,
    stderr lines, the app it would have served or None)."""
    served = {}

    def run(server, sockets=None):
        served.update(app=server.config.app, port=sockets[0].getsockname()[1])
        server.config.app.state.jobs.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--cache", str(tmp_path / "cache"), *args])
    return exit_info.value.code, capsys.readouterr().err.strip().splitlines(), served


@pytest.mark.parametrize("size, words", [
    ("10", "Invalid value for --max-size: '10' is malformed; use WxH"),
    ("0x0", "Invalid value for --max-size: '0x0' is not a size phav renders; each side must be in 8..8192"),
    ("100000x100000", "Invalid value for --max-size: '100000x100000' is not a size phav renders; each side must be in 8..8192"),
    ("8193x128", "each side must be in 8..8192"),
])
def test_max_size_outside_what_phav_renders_is_refused_naming_the_option(tmp_path, capsys, monkeypatch, size, words):
    """Above 8192 the schema would advertise sizes every request for which is refused."""
    code, lines, served = serve(["--port", "0", "--max-size", size], tmp_path, capsys, monkeypatch)
    assert code == 2 and len(lines) == 1 and words in lines[0], lines
    assert not served


def test_the_largest_max_size_is_served(tmp_path, capsys, monkeypatch):
    code, lines, served = serve(["--port", "0", "--max-size", "8192x8192"], tmp_path, capsys, monkeypatch)
    assert code == 0, lines
    assert lines == [f"phav-render: serving http://127.0.0.1:{served['port']}/ (cache {tmp_path / 'cache'}, 1 worker(s))"]


def test_a_port_in_use_is_one_line_and_nothing_is_served(tmp_path, capsys, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, lines, served = serve(["--port", str(port)], tmp_path, capsys, monkeypatch)
    assert code == 1 and not served
    assert lines == [f"phav-render: error: port {port} on 127.0.0.1 is in use (another server?); choose another "
                     "--port, or stop the program that holds it"]  # no "serving ..." line before it


@pytest.mark.parametrize("host", ["999.1.1.1", "no-such-host.invalid"])
def test_a_host_that_is_not_this_machine_is_one_line(tmp_path, capsys, monkeypatch, host):
    code, lines, served = serve(["--port", "0", "--host", host], tmp_path, capsys, monkeypatch)
    assert code == 2 and not served and len(lines) == 1, lines
    assert lines[0].startswith(f"phav-render: error: Invalid value for --host: {host!r} is not an address of this "
                               "machine"), lines
