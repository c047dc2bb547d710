"""Whole files or nothing: write under a temporary sibling name, rename into place when complete.

Readers never see a torn file, and a writer that fails (an encoder error, a full disk, Ctrl-C)
leaves neither the torn file nor its temporary behind: the old file, if any, stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import Iterator


def unwritable(path: str | os.PathLike[str]) -> tuple[Path, str] | None:
    """What stops writing into ``path`` or creating it (a folder, with its missing parents): the
    nearest of it and its parents that exists, and why (``os.strerror``: not a directory, permission
    denied); ``None`` when nothing does. Creates nothing."""
    probe = Path(path)
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return probe, os.strerror(errno.ENOTDIR)
    if not os.access(probe, os.W_OK | os.X_OK):
        return probe, os.strerror(errno.EACCES)
    return None


def temporary_sibling(path: str | os.PathLike[str]) -> Path:
    """The hidden temporary name :func:`replacing` writes ``path`` under: ``.<name>.tmp-<pid>`` in
    the same folder (the same file system, so the rename is atomic; one per process)."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the temporary path to write ``path``'s new content to; when the block ends normally it
    is renamed over ``path``, when it raises the temporary is removed and the exception goes on.

    >>> with replacing(folder / "list.txt") as temp:  # doctest: +SKIP
    ...     temp.write_text("...")
    """
    temp = temporary_sibling(path)
    try:
        yield temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
