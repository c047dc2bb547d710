"""Deterministic, compact JSON for metadata files.

Floats are rounded to a fixed number of decimals (default 6: micrometres, micro-radians), ``-0.0``
becomes ``0.0``, non-finite floats become ``null``, numpy arrays and scalars become lists and
numbers, and keys are sorted, so the same content always gives the same bytes.
"""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from phav.errors import DataError

#: Decimals kept for floats in metadata files.
FLOAT_DECIMALS: int = 6


def _round_float(x: float, ndigits: int) -> float | None:
    if not math.isfinite(x):
        return None
    return round(x, ndigits) + 0.0  # + 0.0 turns -0.0 into 0.0


def to_jsonable(obj: Any, ndigits: int = FLOAT_DECIMALS) -> Any:
    """Convert ``obj`` (dicts, lists, tuples, numpy arrays/scalars, enums, paths) to plain JSON data."""
    kind = type(obj)  # exact types first: metadata is mostly plain floats, lists and dicts
    if kind is float:
        return _round_float(obj, ndigits)
    if kind is str or kind is int or kind is bool or obj is None:
        return obj
    if kind is dict:
        return {k if type(k) is str else str(k): to_jsonable(v, ndigits) for k, v in obj.items()}
    if kind is list or kind is tuple:
        return [to_jsonable(v, ndigits) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, ndigits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, ndigits) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            a = np.round(obj.astype(np.float64), ndigits) + 0.0
            if not np.isfinite(a).all():
                return to_jsonable(a.tolist(), ndigits)
            return a.tolist()
        if obj.dtype.kind == "b":
            return obj.tolist()
        if obj.dtype.kind in "iu":
            return obj.tolist()
        return [to_jsonable(v, ndigits) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _round_float(float(obj), ndigits)
    if isinstance(obj, enum.Enum):
        return to_jsonable(obj.value, ndigits)
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def dumps(obj: Any, *, indent: int | None = None, ndigits: int = FLOAT_DECIMALS, converted: bool = False) -> str:
    """Deterministic JSON text (sorted keys, rounded floats, trailing newline).

    ``indent=None`` gives the compact form (no spaces), for large files. ``converted=True``: ``obj``
    is :func:`to_jsonable`'s result already (with these ``ndigits``), so it is not converted again
    (converting twice gives the same data: rounding a rounded float changes nothing).
    """
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(
        obj if converted else to_jsonable(obj, ndigits), sort_keys=True, indent=indent, separators=separators,
        ensure_ascii=False, allow_nan=False,
    ) + "\n"


def write_json(path: str | Path, obj: Any, *, indent: int | None = None, ndigits: int = FLOAT_DECIMALS) -> None:
    """Write :func:`dumps` of ``obj`` to ``path`` as UTF-8."""
    Path(path).write_text(dumps(obj, indent=indent, ndigits=ndigits), encoding="utf-8", newline="\n")


def read_json(path: str | Path) -> Any:
    """The JSON value in the UTF-8 file ``path``.

    Raises:
        DataError: the file is not valid JSON (the message names it and where the text breaks off).
        OSError: the file cannot be read (missing, no permission).
    """
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Invalid control character at": json's message ends with "at"
        raise DataError(f"{path} is not valid JSON ({what} at line {exc.lineno}, column {exc.colno}); "
                        "a write was cut short or another program changed it: make the video again") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}): make the video again") from None
