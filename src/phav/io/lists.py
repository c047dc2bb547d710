"""Lists for action-recognition tools: UCF101-style split files and mmaction2 annotation lists.

Entries are video folders relative to the dataset root (``<Action>/<folder name>``).

* ``classInd.txt``: ``<1-based label> <Action>`` per line.
* ``trainlist01.txt``, ``vallist01.txt`` (*ours*): ``<Action>/<folder> <1-based label>``;
  ``testlist01.txt``: ``<Action>/<folder>`` (UCF101's test lists carry no label).
* mmaction2 rawframes: ``<frame_dir> <total_frames> <0-based label>``; videos: ``<file> <0-based label>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

SPLITS = ("train", "val", "test")


def _write_lines(path: Path, lines: Iterable[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def write_class_index(path: str | Path, classes: Sequence[str]) -> Path:
    """``classInd.txt``: ``1 First``, ``2 Second``, ... in the order given."""
    return _write_lines(Path(path), (f"{i + 1} {name}" for i, name in enumerate(classes)))


def read_class_index(path: str | Path) -> list[str]:
    """Class names of a ``classInd.txt`` in label order (checks the labels count 1, 2, ...)."""
    names = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        label, _, name = line.strip().partition(" ")
        if int(label) != number:
            raise ValueError(f"{path}: line {number} has label {label}, expected {number}")
        names.append(name)
    return names


def write_ucf_list(path: str | Path, entries: Iterable[str], labels: Mapping[str, int] | None = None) -> Path:
    """A UCF101 list: ``entry label`` (1-based ``labels[action]``) or, without labels, ``entry``."""
    if labels is None:
        return _write_lines(Path(path), entries)
    return _write_lines(Path(path), (f"{e} {labels[e.split('/', 1)[0]] + 1}" for e in entries))


def write_mmaction_rawframes(path: str | Path, entries: Iterable[tuple[str, int]], labels: Mapping[str, int]) -> Path:
    """mmaction2 rawframe list: ``frame_dir total_frames label`` (0-based ``labels[action]``)."""
    return _write_lines(Path(path), (f"{d} {t} {labels[d.split('/', 1)[0]]}" for d, t in entries))


def write_mmaction_videos(path: str | Path, entries: Iterable[tuple[str, str]], labels: Mapping[str, int]) -> Path:
    """mmaction2 video list: ``file label`` for ``(file, action)`` pairs (0-based label)."""
    return _write_lines(Path(path), (f"{f} {labels[a]}" for f, a in entries))


def split_actors(actors: Sequence[str], counts: tuple[int, int, int], order: Sequence[int]) -> dict[str, str]:
    """Assign actor presets to splits: ``actors`` taken in ``order`` (a permutation), the first
    ``counts[0]`` to train, the next ``counts[1]`` to val, the next ``counts[2]`` to test.

    Raises:
        ValueError: the counts do not add up to the number of actors (the message gives both).
    """
    if sum(counts) != len(actors):
        raise ValueError(f"the split {','.join(map(str, counts))} covers {sum(counts)} actor presets but "
                         f"{len(actors)} are registered; give train,val,test counts that add up to {len(actors)}")
    if sorted(order) != list(range(len(actors))):
        raise ValueError("order must be a permutation of the actor indices")
    out = {}
    names = [actors[i] for i in order]
    bounds = [0, counts[0], counts[0] + counts[1], sum(counts)]
    for split, lo, hi in zip(SPLITS, bounds[:-1], bounds[1:]):
        for name in names[lo:hi]:
            out[name] = split
    return out
