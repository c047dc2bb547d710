"""The one place phav imports PyBullet, with its C-level chatter kept off standard output.

PyBullet's C code prints its build time on import (to file descriptor 2) and ``argv[0]=`` on every
DIRECT connection (to file descriptor 1). ``phav-render`` prints the video path on standard output,
which scripts parse, and reports errors in one line on standard error, so both are silenced here.
Python exceptions are raised as usual.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from typing import Iterator

_LIBC = ctypes.CDLL(None)


@contextlib.contextmanager
def quiet_fds(*fds: int) -> Iterator[None]:
    """Send what C code writes to the file descriptors ``fds`` to ``/dev/null`` while the block runs."""
    sys.stdout.flush()
    sys.stderr.flush()
    _LIBC.fflush(None)
    saved = [os.dup(fd) for fd in fds]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in fds:
            os.dup2(devnull, fd)
        yield
    finally:
        _LIBC.fflush(None)
        for fd, copy in zip(fds, saved):
            os.dup2(copy, fd)
            os.close(copy)
        os.close(devnull)


with quiet_fds(1, 2):
    import pybullet  # noqa: E402
    from pybullet_utils.bullet_client import BulletClient  # noqa: E402


def connect_direct() -> BulletClient:
    """A new PyBullet client in DIRECT mode (no GUI), without its ``argv[0]=`` line."""
    with quiet_fds(1):
        return BulletClient(connection_mode=pybullet.DIRECT)


__all__ = ["BulletClient", "connect_direct", "pybullet", "quiet_fds"]
