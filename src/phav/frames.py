"""Frames: the renderer's output for one video frame, arrays with documented shape, dtype and units."""

from __future__ import annotations

import dataclasses
from typing import Iterable

import numpy as np

#: Image modalities a user can ask for (``--modalities``), in file-writing order.
MODALITIES: tuple[str, ...] = ("img", "raw", "depth", "flow", "classgt", "instancegt")


def parse_modalities(text: str | None) -> tuple[str, ...]:
    """Parse a comma-separated subset of :data:`MODALITIES` (``None`` or ``"all"``: all of them).

    Raises:
        ValueError: empty or unknown names; the message lists the valid ones.
    """
    if text is None or text.strip().lower() == "all":
        return MODALITIES
    names = [n.strip() for n in text.split(",") if n.strip()]
    return check_modalities(names or [text])


def check_modalities(names: str | Iterable[str]) -> tuple[str, ...]:
    """``names`` (any order, repeats allowed) as a subset of :data:`MODALITIES`, in its order: names,
    or one string of comma-separated names (``"img,depth"``; ``"img"`` is one name).

    Raises:
        ValueError: unknown names; the message lists the valid ones.
    """
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()] or [names]
    names = list(names)
    unknown = [n for n in names if n not in MODALITIES]
    if unknown:
        raise ValueError(f"unknown modalities {unknown}; choose a comma-separated subset of {','.join(MODALITIES)} "
                         "(or a list of those names)")
    return tuple(m for m in MODALITIES if m in names)


@dataclasses.dataclass
class Frame:
    """One rendered frame at output size ``H x W``. A field is ``None`` when it was not requested.

    Attributes:
        index: 0-based frame index in the take (files are numbered ``index + 1``).
        img: ``(H, W, 3) uint8`` post-processed sRGB image.
        raw: ``(H, W, 3) uint8`` the lit sRGB image before post effects.
        depth: ``(H, W) float32`` z-depth along the camera axis, metres; sky is ``+inf``.
        flow: ``(H, W, 2) float32`` forward flow (t to t+1), pixels, u right, v down.
        flow_valid: ``(H, W) bool`` false where the surface is occluded or outside the image at t+1,
            and everywhere on the last frame.
        semantic: ``(H, W) uint8`` semantic id (``labels.SEMANTIC_CLASSES``).
        instance: ``(H, W) uint16`` instance id, 0 = the scenery (see the README's Conventions).
    """

    index: int
    img: np.ndarray | None = None
    raw: np.ndarray | None = None
    depth: np.ndarray | None = None
    flow: np.ndarray | None = None
    flow_valid: np.ndarray | None = None
    semantic: np.ndarray | None = None
    instance: np.ndarray | None = None

    def arrays(self) -> dict[str, np.ndarray]:
        """The frame's arrays that are not ``None``, by field name (``img``, ..., ``instance``)."""
        return {f.name: value for f in dataclasses.fields(self)
                if f.name != "index" and (value := getattr(self, f.name)) is not None}
