"""Errors that reach users: each carries a one-line message saying what was wrong and how to fix it.

Advice that asks to set a spec field (a video of 84 frames, camera Indoor) is kept as a fact, a
:class:`Setting`, which each front end words in its own terms: the library as the keyword argument
(``use frames=84``, ``str(error)``), ``phav-render`` as its option (``use --frames 84``), the web
server as its JSON field (``set "frames" to 84``); see :meth:`PhavError.worded`.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable

#: Where a message template puts the worded :class:`Setting`.
SETTING = "{setting}"


@dataclasses.dataclass(frozen=True)
class Setting:
    """A value an error's advice asks for: ``field`` is a :class:`~phav.spec.VideoSpec` field (the
    keyword of ``VideoSpec`` and ``phav.Scene``, the CLI's ``--<field>`` option, the web API's JSON
    field), ``value`` the value to give it (a number, a name or an enumeration member)."""

    field: str
    value: Any

    @property
    def plain_value(self) -> Any:
        """:attr:`value`, an enumeration member as its value (``CameraKind.INDOOR`` -> ``"Indoor"``)."""
        return self.value.value if isinstance(self.value, enum.Enum) else self.value


#: How a front end words a :class:`Setting` (a verb and the setting: ``use frames=84``).
Wording = Callable[[Setting], str]


def library_wording(setting: Setting) -> str:
    """``use frames=84``, ``use camera='Indoor'``: the keyword argument as Python code gives it."""
    return f"use {setting.field}={setting.plain_value!r}"


class PhavError(Exception):
    """Base class of phav's user-facing errors.

    Args:
        message: the one-line message; with ``setting``, a template with :data:`SETTING` where the
            advice goes (``"... it needs about 2.8 s: {setting} or more"``).
        setting: the value the advice asks for, or ``None``; kept as :attr:`setting`.
    """

    def __init__(self, *args: Any, setting: Setting | None = None) -> None:
        super().__init__(*args)
        self.setting = setting

    def worded(self, wording: Wording = library_wording) -> str:
        """The message with its advice (if it has a :attr:`setting`) worded by ``wording``."""
        text = super().__str__()
        return text if self.setting is None else text.replace(SETTING, wording(self.setting))

    def __str__(self) -> str:
        return self.worded(library_wording)

    def __repr__(self) -> str:
        return super().__repr__() if self.setting is None else f"{type(self).__name__}({str(self)!r})"


def worded(error: BaseException, wording: Wording) -> str:
    """``error``'s message with its advice worded by ``wording`` (a :class:`PhavError`'s setting);
    any other error's message as it is."""
    return error.worded(wording) if isinstance(error, PhavError) else str(error)


class SpecError(PhavError, ValueError):
    """A video spec or option that cannot be rendered (unknown action, impossible size, ...)."""


class OutputError(PhavError, OSError):
    """The output cannot be written (folder exists, not writable, disk full)."""


class SignatureError(PhavError):
    """The simulated take does not show its action (the action's signature check failed).

    When the video was shorter than its action needs, :attr:`setting` is ``Setting("frames", N)``:
    a video of at least ``N`` frames."""


class DataError(PhavError, ValueError):
    """A file phav reads back is not as phav writes it (truncated, corrupt, or another program's)."""


class PhavWarning(UserWarning):
    """Something a user should know that does not stop the work; ``phav-render`` prints it as one
    ``warning:`` line."""
