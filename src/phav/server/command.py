"""``phav-render serve``: run the online generator. Registered into the ``phav-render`` group when
:mod:`phav.cli` imports this module; the web framework is imported only when the command runs."""

from __future__ import annotations

from pathlib import Path

import click

from phav.cli import cli, parse_size
from phav.server.limits import Limits

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
              help="Largest video size WxH.")
@click.option("--quality", type=click.Choice(["preview", "phav", "high"]), default="phav", show_default=True,
              help="Render preset of every video.")
@click.option("--max-finished", type=click.IntRange(1, 1_000_000), default=512, show_default=True,
              help="Finished jobs kept in memory; older ones are read back from the cache when asked for.")
def serve(host: str, port: int, cache: Path, workers: int, max_queue: int, max_frames: int, max_size: str,
          quality: str, max_finished: int) -> None:
    """Serve the web page and the REST API (OpenAPI schema at /openapi.json, docs at /docs)."""
    try:
        import uvicorn

        from phav.server.app import create_app
    except ImportError:
        raise click.ClickException(_WEB_HINT) from None
    max_width, max_height = parse_size(max_size)
    try:
        limits = Limits(max_frames=max_frames, max_width=max_width, max_height=max_height, max_queue=max_queue,
                        default_frames=min(Limits.default_frames, max_frames),
                        default_width=min(Limits.default_width, max_width),
                        default_height=min(Limits.default_height, max_height), quality=quality)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    app = create_app(cache, workers=workers, limits=limits, max_finished=max_finished)
    click.echo(f"phav-render: serving http://{host}:{port}/ (cache {cache.resolve()}, {workers} worker(s))", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
