"""Errors raised by the physics layer."""

from __future__ import annotations

from phav.errors import PhavError


class SimulationError(PhavError, RuntimeError):
    """The simulation left its valid range (NaN, a body moving too fast, deep ground penetration).

    The message says what, where and when; a video that hits this must fail, not write garbage.
    A user-facing error (:class:`~phav.errors.PhavError`): ``phav-render`` prints its message on
    one line; the dataset runner retries the video with another seed.
    """
