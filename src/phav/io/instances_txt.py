"""``instances.txt``: the per-video instance colour table of ``instancegt_%05d.png``.

Format: one header line ``# name R G B``, then one line ``name R G B`` per instance in id order
(background, id 0 and black, is not listed). Names contain no whitespace; ``R G B`` are 0-255.
The numeric ids, semantic classes and colours are also in ``annotations.json`` (``instances``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from phav.take import Instance

#: The header line (without newline).
INSTANCES_HEADER: str = "# name R G B"


def format_instances(instances: Iterable[Instance]) -> str:
    """The text of ``instances.txt`` (``\\n`` line ends, trailing newline).

    Raises:
        ValueError: a name that is empty, contains whitespace or starts with ``#``; a colour outside 0-255.
    """
    lines = [INSTANCES_HEADER]
    for inst in sorted(instances, key=lambda i: int(i.id)):
        name = str(inst.name)
        if not name or any(ch.isspace() for ch in name) or name.startswith("#"):
            raise ValueError(
                f"instance {inst.id}: name {name!r} must be non-empty, without spaces, and not start with '#'"
            )
        rgb = [int(c) for c in inst.color]
        if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
            raise ValueError(f"instance {inst.id} ({name}): colour {inst.color!r} is not 8-bit RGB")
        lines.append(f"{name} {rgb[0]} {rgb[1]} {rgb[2]}")
    return "\n".join(lines) + "\n"


def write_instances(path: str | Path, instances: Iterable[Instance]) -> None:
    """Write ``instances.txt`` (see :func:`format_instances`)."""
    Path(path).write_text(format_instances(instances), encoding="utf-8", newline="\n")


def parse_instances(text: str) -> list[tuple[str, tuple[int, int, int]]]:
    """Parse ``instances.txt`` text into ``[(name, (R, G, B)), ...]`` in file order.

    Lines starting with ``#`` and blank lines are skipped. Raises ``ValueError`` naming the line
    number of a malformed line.
    """
    out: list[tuple[str, tuple[int, int, int]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        try:
            if len(fields) != 4:
                raise ValueError
            rgb = tuple(int(x) for x in fields[1:])
            if not all(0 <= c <= 255 for c in rgb):
                raise ValueError
        except ValueError:
            raise ValueError(f"instances.txt line {number}: expected 'name R G B' with 0-255 values, got {line!r}") from None
        out.append((fields[0], rgb))  # type: ignore[arg-type]
    return out


def read_instances(path: str | Path) -> list[tuple[str, tuple[int, int, int]]]:
    """Read ``instances.txt`` (see :func:`parse_instances`)."""
    return parse_instances(Path(path).read_text(encoding="utf-8"))
