"""Find the project's data folders (``shaders/``, ``motions/``) in a wheel or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``"shaders"`` or ``"motions"``).

    An installed wheel carries it inside the package (``phav/<name>``); a checkout or an editable
    install has it at the repository root (``<root>/<name>``).

    Raises:
        FileNotFoundError: neither exists; reinstall the package.
    """
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"phav data folder {name!r} not found next to {_PACKAGE_DIR}; reinstall phav (pip install .)"
    )
