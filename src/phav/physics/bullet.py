"""The one place phav imports PyBullet, with its C-level chatter kept off standard output.

PyBullet's C code prints its build time on import and ``argv[0]=`` on every DIRECT connection,
straight to file descriptor 1. ``phav-render`` prints the video path on standard output, and
scripts parse it, so both are silenced here (errors still go to standard error).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from typing import Iterator

_LIBC = ctypes.CDLL(None)


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send what C code writes to file descriptor 1 to ``/dev/null`` while the block runs."""
    sys.stdout.flush()
    _LIBC.fflush(None)
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        _LIBC.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


with quiet_stdout():
    import pybullet  # noqa: E402
    from pybullet_utils.bullet_client import BulletClient  # noqa: E402


def connect_direct() -> BulletClient:
    """A new PyBullet client in DIRECT mode (no GUI), without its ``argv[0]=`` line."""
    with quiet_stdout():
        return BulletClient(connection_mode=pybullet.DIRECT)


__all__ = ["BulletClient", "connect_direct", "pybullet", "quiet_stdout"]
