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


#: What a call through a released :class:`ClientHandle` raises (as ``pybullet.error``).
RELEASED_MESSAGE = ("Not connected to physics server: this client's World is closed (or the client was "
                    "disconnected); create a new World")


def _released_call(*args: object, **kwargs: object) -> None:
    raise pybullet.error(RELEASED_MESSAGE)


class ClientHandle(BulletClient):
    """One user's handle on a connection (a ``BulletClient``) that may outlive it.

    PyBullet functions called on the handle go to the connection (``physicsClientId`` injected, as
    ``BulletClient`` does) until :meth:`release`; from then on every PyBullet function called
    through it raises ``pybullet.error`` (:data:`RELEASED_MESSAGE`), as a disconnected client's
    calls do, while the connection itself may go on serving someone else. The handle never
    disconnects the connection when garbage collected (the connection does, when no longer
    referenced); :meth:`disconnect` on it disconnects the connection and releases the handle.
    """

    def __init__(self, connection: BulletClient) -> None:  # not BulletClient.__init__: that connects
        self._shapes: dict = {}
        self._pid = os.getpid()
        self._connection: BulletClient | None = connection
        self._client = connection._client

    def __del__(self) -> None:
        pass  # the connection is the owner

    def release(self) -> BulletClient | None:
        """Detach the handle: later calls through it raise. Returns the connection (``None`` where
        already released); the caller decides whether to keep or disconnect it."""
        connection, self._connection = self._connection, None
        self._client = -1
        # A released handle's class answers every call with the error, so a live handle's calls
        # cost what a BulletClient's do (no check per call).
        self.__class__ = _ReleasedClientHandle
        return connection

    def disconnect(self) -> None:
        """Disconnect the connection and release the handle (as ``BulletClient.disconnect``)."""
        connection = self.release()
        if connection is None:
            raise pybullet.error(RELEASED_MESSAGE)
        connection.disconnect()


class _ReleasedClientHandle(ClientHandle):
    """What a :class:`ClientHandle` becomes when released: PyBullet functions raise on call."""

    def __getattr__(self, name: str) -> object:
        attribute = getattr(pybullet, name)  # AttributeError as usual for names PyBullet lacks
        return _released_call if callable(attribute) else attribute


__all__ = ["BulletClient", "ClientHandle", "RELEASED_MESSAGE", "connect_direct", "pybullet", "quiet_fds"]
