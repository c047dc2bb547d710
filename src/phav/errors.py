"""Errors that reach users: each carries a one-line message saying what was wrong and how to fix it."""

from __future__ import annotations


class PhavError(Exception):
    """Base class of phav's user-facing errors."""


class SpecError(PhavError, ValueError):
    """A video spec or option that cannot be rendered (unknown action, impossible size, ...)."""


class OutputError(PhavError, OSError):
    """The output cannot be written (folder exists, not writable, disk full)."""


class SignatureError(PhavError):
    """The simulated take does not show its action (the action's signature check failed)."""


class DataError(PhavError, ValueError):
    """A file phav reads back is not as phav writes it (truncated, corrupt, or another program's)."""


class PhavWarning(UserWarning):
    """Something a user should know that does not stop the work; ``phav-render`` prints it as one
    ``warning:`` line."""
