"""Is a video folder complete? A cheap check of every file, for datasets copied or synced elsewhere.

:func:`video_problems` reads ``params.json`` and ``annotations.json`` whole, and of every frame
file of every written modality only its first and last bytes: a PNG must start with PNG's
signature and end with its ``IEND`` chunk, a JPEG start with SOI and end with EOI, so a missing,
empty or cut-short file (a copy interrupted, a disk that filled) is found without decoding the
images. ``instances.txt`` must exist where ``instancegt`` was written.
"""

from __future__ import annotations

import os
from pathlib import Path

from phav.errors import DataError
from phav.io import layout
from phav.io.jsonutil import read_json
from phav.io.params import read_params

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The last 12 bytes of every PNG: the empty IEND chunk (length 0, type, CRC).
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"


def file_problem(path: Path) -> str | None:
    """Why the image file ``path`` is not complete (missing, empty, cut short), or ``None``."""
    png = path.suffix == ".png"
    head_want, tail_want = (PNG_SIGNATURE, PNG_END) if png else (JPEG_START, JPEG_END)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return f"{path.name} is empty"
            head = fh.read(len(head_want))
            fh.seek(max(0, size - len(tail_want)))
            tail = fh.read(len(tail_want))
    except FileNotFoundError:
        return f"{path.name} is missing"
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})"
    if head != head_want:
        return f"{path.name} is not a {'PNG' if png else 'JPEG'} file"
    if tail != tail_want:
        return f"{path.name} is cut short (no {'IEND chunk' if png else 'end of image marker'})"
    return None


def video_problems(folder: str | Path) -> list[str]:
    """What is wrong with the video folder ``folder`` (empty: nothing); each item names a file."""
    folder = Path(folder)
    try:
        params = read_params(folder / layout.PARAMS_FILE)
        annotations = read_json(folder / layout.ANNOTATIONS_FILE)
        frames = int(annotations["num_frames"])
    except FileNotFoundError as exc:
        return [f"{Path(exc.filename or '').name or 'a metadata file'} is missing"]
    except OSError as exc:
        return [f"{Path(exc.filename or '').name or 'a metadata file'} cannot be read ({exc.strerror or exc})"]
    except (DataError, KeyError, TypeError, ValueError) as exc:
        return [str(exc)]
    problems = []
    modalities = list(params.get("modalities") or [])
    for modality in modalities:
        for kind in layout.MODALITY_FILES.get(modality, ()):
            for number in range(1, frames + 1):
                problem = file_problem(folder / layout.frame_file(kind, number))
                if problem is not None:
                    problems.append(problem)
    if "instancegt" in modalities and not (folder / layout.INSTANCES_FILE).is_file():
        problems.append(f"{layout.INSTANCES_FILE} is missing")
    return problems
