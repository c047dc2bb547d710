"""``phav-render serve``: run the online generator. Registered into the ``phav-render`` group when
:mod:`phav.cli` imports this module; the web framework is imported only when the command runs."""

from __future__ import annotations

import errno
import signal
import socket
from pathlib import Path
from typing import Any

import click

from phav.cli import Terminated, cli, parse_size
from phav.server.limits import Limits
from phav.spec import MAX_SIZE, MIN_SIZE

_WEB_HINT = 'the server needs the web extra: pip install "phav[web]"'


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default serves this machine only (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--cache", type=click.Path(path_type=Path, file_okay=False), default=Path("phav-cache"),
              show_default=True, help="Folder of the rendered videos (reused across restarts).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes rendering videos in parallel.")
@click.option("--max-queue", type=click.IntRange(1, 10_000), default=Limits.max_queue, show_default=True,
              help="Most videos queued or rendering at once (more get HTTP 429).")
@click.option("--max-frames", type=click.IntRange(1, 100_000), default=Limits.max_frames, show_default=True)
@click.option("--max-size", default=f"{Limits.max_width}x{Limits.max_height}", show_default=True,
              help=f"Largest video size WxH (each side {MIN_SIZE}..{MAX_SIZE}).")
@click.option("--quality", type=click.Choice(["preview", "phav", "high"]), default="phav", show_default=True,
              help="Render preset of every video.")
@click.option("--max-finished", type=click.IntRange(1, 1_000_000), default=512, show_default=True,
              help="Finished jobs kept in memory; older ones are read back from the cache when asked for.")
@click.option("--max-cache-mb", type=click.IntRange(1, None), default=None,
              help="Most megabytes in the cache: least recently used finished videos are deleted to stay under it "
                   "(default: unbounded).")
def serve(host: str, port: int, cache: Path, workers: int, max_queue: int, max_frames: int, max_size: str,
          quality: str, max_finished: int, max_cache_mb: int | None) -> None:
    """Serve the web page and the REST API (OpenAPI schema at /openapi.json, docs at /docs)."""
    try:
        import uvicorn

        from phav.server.app import create_app
    except ImportError:
        raise click.ClickException(_WEB_HINT) from None
    max_width, max_height = parse_size(max_size, param_hint="--max-size")
    if not (MIN_SIZE <= max_width <= MAX_SIZE and MIN_SIZE <= max_height <= MAX_SIZE):
        raise click.BadParameter(f"{max_size!r} is not a size phav renders; each side must be in "
                                 f"{MIN_SIZE}..{MAX_SIZE}", param_hint="--max-size")
    try:
        limits = Limits(max_frames=max_frames, max_width=max_width, max_height=max_height, max_queue=max_queue,
                        default_frames=min(Limits.default_frames, max_frames),
                        default_width=min(Limits.default_width, max_width),
                        default_height=min(Limits.default_height, max_height), quality=quality)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    sock = _listen(host, port)  # before anything starts: a port in use is one line, not uvicorn's log
    try:
        app = create_app(cache, workers=workers, limits=limits, max_finished=max_finished, max_cache_mb=max_cache_mb)
        where = f"[{host}]" if ":" in host else host
        click.echo(f"phav-render: serving http://{where}:{sock.getsockname()[1]}/ (cache {cache.resolve()}, "
                   f"{workers} worker(s))", err=True)
        server = _recording_server(uvicorn, uvicorn.Config(app, log_level="warning"))
        server.run(sockets=[sock])
    finally:
        sock.close()
    end_as_signalled(server.stopped_by)


def _recording_server(uvicorn: Any, config: Any) -> Any:
    """uvicorn's server, which also keeps the signals that stopped it in ``stopped_by``."""

    class RecordingServer(uvicorn.Server):
        def __init__(self, config: Any) -> None:
            super().__init__(config)
            self.stopped_by: list[int] = []

        def handle_exit(self, sig: int, frame: Any) -> None:
            self.stopped_by.append(sig)
            super().handle_exit(sig, frame)

    return RecordingServer(config)


def end_as_signalled(signals: list[int]) -> None:
    """End ``serve`` as the first of ``signals`` (those that stopped uvicorn) asks: Ctrl-C as
    ``KeyboardInterrupt`` (exit 130), SIGTERM as :class:`~phav.cli.Terminated` (143); nothing for
    none. uvicorn shuts down on SIGINT or SIGTERM and then raises the signal again, but Python's
    asyncio runner takes that SIGINT as cancelling its main task, which has often finished by then:
    the server returned as if nothing had happened and exited 0 instead of 130."""
    if not signals:
        return
    if signals[0] == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signals[0])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` as uvicorn binds it (IPv6 for a host with ``:``, address
    reuse on), or a one-line click error saying what to change."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            raise click.BadParameter(f"{host!r} is not an address of this machine ({exc.strerror}); use 127.0.0.1 "
                                     "(this machine only), 0.0.0.0 (every interface) or one of its addresses",
                                     param_hint="--host") from None
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} on {host} is in use (another server?); choose another --port, "
                                       "or stop the program that holds it") from None
        if exc.errno == errno.EACCES:
            raise click.ClickException(f"port {port} needs administrator rights; choose a --port above 1023") from None
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    sock.set_inheritable(True)
    return sock
