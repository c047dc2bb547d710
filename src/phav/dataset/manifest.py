"""The dataset manifest: ``manifest.jsonl``, one JSON object per video.

Row fields: ``key`` (``<action>/<index:05d>``), ``action``, ``index``, ``status`` (``done``, ``failed``
or ``pending``), ``attempts``, ``path`` (the video folder relative to the dataset root, or ``null``),
``frames``, ``seconds`` (wall time of the successful attempt), ``bytes`` (size of the folder),
``reason`` (why it failed, or ``null``) and ``spec`` (the VideoSpec of the last attempt as a dict).
Rows of videos made by the run that wrote them add ``cpu_s``: CPU seconds by stage
(:attr:`phav.pipeline.VideoResult.cpu_s`); a resumed run's rows of videos it found made already
have none (their CPU time was an earlier run's).

While a run goes on, each finished video is appended as one line and flushed to disk, so a killed run
loses at most the line being written (a torn last line is ignored when read, and cut off before the
next run appends). Any other line that is not a row is a :class:`~phav.errors.DataError` naming the
file and line. At the end of a run the file is rewritten atomically with exactly one row per planned
video, in plan order.

A row's ``path`` is only ever ``<Action>/<video folder>`` inside the dataset folder; every reader that
turns it into a folder goes through :func:`row_folder`, which refuses any other (``../x``, an absolute
path, a symlink leading out), so that no command reads, exports or removes a folder outside the dataset.
A shard ``i/N`` with ``N > 1`` writes ``manifest-shard-<i>-of-<N>.jsonl`` instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

from phav.errors import DataError
from phav.io.atomic import replacing

STATUSES = ("done", "failed", "pending")


def manifest_path(out_root: str | Path, shard: tuple[int, int] = (0, 1)) -> Path:
    """Where the manifest of ``shard`` lives under ``out_root``."""
    i, n = shard
    name = "manifest.jsonl" if n == 1 else f"manifest-shard-{i}-of-{n}.jsonl"
    return Path(out_root) / name


def read_manifest(path: str | Path) -> dict[str, dict[str, Any]]:
    """Rows by key; for a key written several times the last row wins. A missing file gives ``{}``.

    A last line that is not complete JSON (torn by a crash) is skipped. Rows are ASCII (JSON's escapes).

    Raises:
        DataError: a line other than the last is not a row, or the last is JSON but not a row (the
            message names the file and line).
    """
    path = Path(path)
    rows: dict[str, dict[str, Any]] = {}
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return rows
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    lines = data.split(b"\n")
    last = max((n for n, line in enumerate(lines) if line.strip()), default=-1)
    for n, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problem = "is not UTF-8 text"
        except json.JSONDecodeError as exc:
            if n == last:  # torn by a crash mid-write
                continue
            problem = f"is not valid JSON ({exc.msg})"
        else:
            if isinstance(row, dict) and isinstance(row.get("key"), str) and row.get("status") in STATUSES:
                rows[row["key"]] = row
                continue
            problem = "is not a manifest row (a JSON object with a key and a status of " + ", ".join(STATUSES) + ")"
        raise DataError(f"{path}: line {n + 1} {problem}; phav-render dataset did not write it: mend or delete that "
                        "line (a rerun of the dataset command finds the videos of deleted rows in their folders)")
    return rows


def path_problem(out_root: str | Path, row: Mapping[str, Any]) -> str | None:
    """What is wrong with ``row``'s ``path`` as a video folder of the dataset in ``out_root``, or
    ``None``: it must be ``<Action>/<video folder>`` with ``row``'s action, relative, and inside
    ``out_root`` once symlinks and ``..`` are resolved."""
    path = row.get("path")
    if not isinstance(path, str) or not path:
        return f"its path {path!r} is no folder"
    pure = PurePosixPath(path)
    if pure.is_absolute():
        return f"its path {path!r} is absolute"
    parts = pure.parts
    if len(parts) != 2 or any(part in ("", ".", "..") or part.startswith(".") for part in parts) \
            or parts[0] != row.get("action"):
        return f"its path {path!r} is not {row.get('action')}/<video folder>"
    root = Path(out_root).resolve()
    if not (root / path).resolve().is_relative_to(root):
        return f"its path {path!r} leads outside the dataset (a symlink)"
    return None


def row_folder(out_root: str | Path, row: Mapping[str, Any]) -> Path:
    """The video folder ``out_root/<path>`` of manifest row ``row``, checked (:func:`path_problem`).

    Raises:
        DataError: the path is not ``<Action>/<video folder>`` inside ``out_root``.
    """
    problem = path_problem(out_root, row)
    if problem:
        raise DataError(bad_row_text(out_root, row, problem))
    return Path(out_root) / str(row["path"])


def bad_row_text(out_root: str | Path, row: Mapping[str, Any], problem: str) -> str:
    """The one-line message of a manifest row whose path :func:`path_problem` refuses."""
    return (f"{out_root}: the manifest row of {row.get('key')} is refused: {problem}, and phav-render dataset only "
            "writes <Action>/<video folder> inside the dataset; mend or delete that row (no folder it names is "
            "read or removed)")


def check_row_paths(out_root: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Raise :class:`DataError` (:func:`row_folder`) for the first of ``rows`` with a path that is
    not a video folder of the dataset in ``out_root`` (rows without a path are fine)."""
    for row in rows:
        if row.get("path") is not None:
            row_folder(out_root, row)


class ManifestAppender:
    """Appends rows to a manifest, each flushed and fsynced before :meth:`append` returns."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        _cut_torn_line(self.path)
        self._fh = open(self.path, "a", encoding="utf-8")

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


def _cut_torn_line(path: Path) -> None:
    """Cut a torn last line (no newline: a crash mid-write) off the file, so that the rows appended
    next start on a fresh line and a torn line never stands between rows."""
    try:
        with open(path, "r+b") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            fh.seek(max(0, size - (1 << 20)))
            tail = fh.read()
            keep = size - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else size - len(tail)
            fh.truncate(keep)
    except FileNotFoundError:
        return


def write_manifest(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace the manifest with ``rows`` atomically (temporary file, fsync, rename)."""
    with replacing(path) as temp, open(temp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def manifest_rows(out_root: str | Path) -> list[dict[str, Any]]:
    """Every row of every manifest in ``out_root`` (done, failed or pending; every shard's), sorted by key.

    Raises:
        DataError: a manifest line is not a row (:func:`read_manifest`).
    """
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(out_root).glob("manifest*.jsonl")):
        rows.update(read_manifest(path))
    return [rows[k] for k in sorted(rows)]


def dataset_rows(out_root: str | Path) -> list[dict[str, Any]]:
    """:func:`manifest_rows` of a made dataset, which has at least one.

    Raises:
        DataError: ``out_root`` does not exist, is not a folder, has no ``manifest*.jsonl``, or its
            manifests list no video; or a manifest line is not a row.
    """
    root = Path(out_root)
    if not root.exists():
        raise DataError(f"{root} does not exist; give the folder phav-render dataset --out made")
    if not root.is_dir():
        raise DataError(f"{root} is not a folder; give the folder phav-render dataset --out made")
    names = sorted(p.name for p in root.glob("manifest*.jsonl"))
    if not names:
        raise DataError(f"{root} has no manifest*.jsonl, so phav-render dataset did not make it; give the folder "
                        "phav-render dataset --out made")
    rows = manifest_rows(root)
    if not rows:
        where = f"{root / names[0]}" + (f" (and {len(names) - 1} more)" if len(names) > 1 else "")
        torn = any((root / name).read_bytes().strip() for name in names)
        raise DataError(f"{where} " + ("holds no complete row (a run killed while writing its first leaves that)"
                                       if torn else "lists no video")
                        + "; rerun the phav-render dataset command that made it to list its videos")
    return rows
