"""File names of the PHAV video folder layout (PHAV.md §3), numbered from 1.

``<out_root>/<action>/<folder_name>/`` holds, per frame ``n = index + 1``:
``img_%05d.jpg``, ``raw_%05d.jpg``, ``depth_%05d.png``, ``flow_x_%05d.png``, ``flow_y_%05d.png``,
``flow_valid_%05d.png``, ``classgt_%05d.png``, ``instancegt_%05d.png``; and per video
``instances.txt`` (with instancegt), ``annotations.json`` and ``params.json``.
"""

from __future__ import annotations

from pathlib import Path

#: Per-frame file patterns, by file kind.
FRAME_PATTERNS: dict[str, str] = {
    "img": "img_{:05d}.jpg",
    "raw": "raw_{:05d}.jpg",
    "depth": "depth_{:05d}.png",
    "flow_x": "flow_x_{:05d}.png",
    "flow_y": "flow_y_{:05d}.png",
    "flow_valid": "flow_valid_{:05d}.png",
    "classgt": "classgt_{:05d}.png",
    "instancegt": "instancegt_{:05d}.png",
}

#: The file kinds each modality (``frames.MODALITIES``) writes.
MODALITY_FILES: dict[str, tuple[str, ...]] = {
    "img": ("img",),
    "raw": ("raw",),
    "depth": ("depth",),
    "flow": ("flow_x", "flow_y", "flow_valid"),
    "classgt": ("classgt",),
    "instancegt": ("instancegt",),
}

INSTANCES_FILE = "instances.txt"
ANNOTATIONS_FILE = "annotations.json"
PARAMS_FILE = "params.json"


def frame_file(kind: str, number: int) -> str:
    """File name of ``kind`` (a key of :data:`FRAME_PATTERNS`) for 1-based frame ``number``."""
    if number < 1:
        raise ValueError(f"frame files are numbered from 1, got {number}")
    try:
        return FRAME_PATTERNS[kind].format(number)
    except KeyError:
        raise ValueError(f"unknown frame file kind {kind!r}; valid kinds: {', '.join(FRAME_PATTERNS)}") from None


def video_dir(out_root: str | Path, action: str, folder_name: str) -> Path:
    """``<out_root>/<action>/<folder_name>``."""
    return Path(out_root) / action / folder_name
