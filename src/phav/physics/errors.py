"""Errors raised by the physics layer."""

from __future__ import annotations


class SimulationError(RuntimeError):
    """The simulation left its valid range (NaN, a body moving too fast, deep ground penetration).

    The message says what, where and when; a video that hits this must fail, not write garbage.
    """
