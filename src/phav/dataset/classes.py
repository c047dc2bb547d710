"""A dataset's class labels, kept in ``classes.txt`` so that no later run renumbers them.

``classes.txt`` in the dataset folder holds one class name per line; a class's label is its line
number from 0 (the mmaction2 lists, ``posec3d.pkl`` and :func:`phav.dataset.open_dataset`), and
``classInd.txt`` numbers the same order from 1. A new dataset's first run writes its planned classes
sorted; a later run that plans new classes appends them (sorted among themselves) and never moves a
listed one, and a run that plans fewer classes keeps every line, so a class keeps its label when the
dataset grows, shrinks, is retried or is made in shards. A dataset made before this file existed is
given one from its manifests' classes, sorted: the labels its exports gave them.

Every run of a dataset (each shard included) records its whole plan's classes under an exclusive
lock on ``.phav-classes.lock``, so shards starting together write one list.
"""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path
from typing import Any, Iterator, Sequence

from phav.dataset.manifest import manifest_rows
from phav.errors import DataError
from phav.io.atomic import replacing

#: The file of a dataset's classes in label order, one name per line.
CLASSES_FILE = "classes.txt"
_LOCK_FILE = ".phav-classes.lock"


def read_classes(out_root: str | Path) -> list[str] | None:
    """The classes in ``out_root/classes.txt`` in label order; ``None`` if the file does not exist.

    Raises:
        DataError: an empty line, a line that is not one name, or a repeated class.
    """
    path = Path(out_root) / CLASSES_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}; remove it to number the classes afresh from the manifests") from None
    names: list[str] = []
    for number, line in enumerate(lines, start=1):
        name = line.strip()
        if not name:
            problem = "is empty"
        elif len(name.split()) != 1:
            problem = f"({line!r}) is not a class name"
        elif name in names:
            problem = f"repeats {name}"
        else:
            names.append(name)
            continue
        raise DataError(f"{path}: line {number} {problem}; mend the file (one class per line, in label order) or "
                        "remove it to number the classes afresh from the manifests")
    return names


def dataset_classes(out_root: str | Path, rows: Sequence[dict[str, Any]] | None = None) -> list[str]:
    """The classes of the dataset in ``out_root`` in label order: ``classes.txt``, or for a dataset
    made before it existed every class its manifests list (any status), sorted. ``rows``: its
    :func:`~phav.dataset.manifest.manifest_rows` where the caller has them read already.

    Raises:
        DataError: ``out_root`` is not a folder (no dataset there), ``classes.txt`` is broken
            (:func:`read_classes`) or lacks a class the manifests list.
    """
    if not Path(out_root).is_dir():
        raise DataError(f"{out_root} is not a folder: no dataset is there (give the folder phav-render dataset "
                        "--out wrote)")
    if rows is None:
        rows = manifest_rows(out_root)
    in_manifests = sorted({row["action"] for row in rows})
    kept = read_classes(out_root)
    if kept is None:
        return in_manifests
    missing = [name for name in in_manifests if name not in kept]
    if missing:
        raise DataError(f"{Path(out_root) / CLASSES_FILE} lacks {', '.join(missing)}, which the manifests list; add "
                        f"{'it' if len(missing) == 1 else 'them'} to the end of the file (one class per line: a line's "
                        "number is the label), or remove the file to number the classes afresh (sorted)")
    return kept


def with_planned(classes: Sequence[str], planned: Sequence[str]) -> list[str]:
    """The dataset's classes in label order once a run planning ``planned`` has recorded them:
    ``classes``, then the planned classes they lack, sorted."""
    return list(classes) + sorted(set(planned) - set(classes))


def record_classes(out_root: str | Path, planned: Sequence[str]) -> list[str]:
    """Append the classes of ``planned`` (a run's whole plan) that ``classes.txt`` lacks, sorted, and
    return the dataset's classes in label order (creates the file for a new or older dataset).

    Raises:
        DataError: as :func:`dataset_classes`.
        OSError: the file cannot be written (the old one stays as it was).
    """
    root = Path(out_root)
    with _locked(root / _LOCK_FILE):
        had_file = (root / CLASSES_FILE).exists()
        known = dataset_classes(root)
        classes = with_planned(known, planned)
        if classes != known or not had_file:
            with replacing(root / CLASSES_FILE) as temp:
                temp.write_text("".join(f"{name}\n" for name in classes), encoding="utf-8")
    return classes


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
