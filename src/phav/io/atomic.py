"""Whole files or nothing: write under a temporary sibling name, rename into place when complete.

Readers never see a torn file, and a writer that fails (an encoder error, a full disk, Ctrl-C)
leaves neither the torn file nor its temporary behind: the old file, if any, stays as it was.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator


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
