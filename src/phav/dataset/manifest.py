"""The dataset manifest: ``manifest.jsonl``, one JSON object per video.

Row fields: ``key`` (``<action>/<index:05d>``), ``action``, ``index``, ``status`` (``done``, ``failed``
or ``pending``), ``attempts``, ``path`` (the video folder relative to the dataset root, or ``null``),
``frames``, ``seconds`` (wall time of the successful attempt), ``bytes`` (size of the folder),
``reason`` (why it failed, or ``null``) and ``spec`` (the VideoSpec of the last attempt as a dict).
Rows of videos made by the run that wrote them add ``cpu_s``: CPU seconds by stage
(:attr:`phav.pipeline.VideoResult.cpu_s`); a resumed run's rows of videos it found made already
have none (their CPU time was an earlier run's).

While a run goes on, each finished video is appended as one line and flushed to disk, so a killed run
loses at most the line being written (a torn last line is ignored when read). At the end of a run the
file is rewritten atomically with exactly one row per planned video, in plan order.
A shard ``i/N`` with ``N > 1`` writes ``manifest-shard-<i>-of-<N>.jsonl`` instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from phav.io.atomic import replacing

STATUSES = ("done", "failed", "pending")


def manifest_path(out_root: str | Path, shard: tuple[int, int] = (0, 1)) -> Path:
    """Where the manifest of ``shard`` lives under ``out_root``."""
    i, n = shard
    name = "manifest.jsonl" if n == 1 else f"manifest-shard-{i}-of-{n}.jsonl"
    return Path(out_root) / name


def read_manifest(path: str | Path) -> dict[str, dict[str, Any]]:
    """Rows by key; for a key written several times the last row wins. A missing file gives ``{}``.

    Lines that are not complete JSON objects with a ``key`` (a torn last line after a crash) are skipped.
    """
    path = Path(path)
    rows: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return rows
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("key"), str) and row.get("status") in STATUSES:
                rows[row["key"]] = row
    return rows


class ManifestAppender:
    """Appends rows to a manifest, each flushed and fsynced before :meth:`append` returns."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh = open(self.path, "a", encoding="utf-8")
        if self._fh.tell() > 0:  # start on a fresh line after a torn one
            with open(self.path, "rb") as check:
                check.seek(-1, os.SEEK_END)
                if check.read(1) != b"\n":
                    self._fh.write("\n")

    def append(self, row: Mapping[str, Any]) -> None:
        self._fh.write(json.dumps(row, sort_keys=True) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "ManifestAppender":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_manifest(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace the manifest with ``rows`` atomically (temporary file, fsync, rename)."""
    with replacing(path) as temp, open(temp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def manifest_rows(out_root: str | Path) -> list[dict[str, Any]]:
    """Every row of every manifest in ``out_root`` (done, failed or pending; every shard's), sorted by key."""
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(out_root).glob("manifest*.jsonl")):
        rows.update(read_manifest(path))
    return [rows[k] for k in sorted(rows)]
