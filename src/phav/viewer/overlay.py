"""Draw a person's 2D joints and box from ``annotations.json`` content into an RGB frame (CPU)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from phav.body.skeleton import FACE_POINTS

JOINT_COLOUR = (255, 230, 0)
HIDDEN_JOINT_COLOUR = (255, 80, 0)
BOX_COLOUR = (0, 255, 90)


def draw_box(image: np.ndarray, box: tuple[float, float, float, float], colour: tuple[int, int, int]) -> None:
    """Outline box ``(x0, y0, x1, y1)`` (pixels, centres at integers) one pixel wide, in place."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(round(c)) for c in box)
    x0, x1 = max(min(x0, x1), 0), min(max(x0, x1), w - 1)
    y0, y1 = max(min(y0, y1), 0), min(max(y0, y1), h - 1)
    if x0 > x1 or y0 > y1:
        return
    image[y0, x0:x1 + 1] = colour
    image[y1, x0:x1 + 1] = colour
    image[y0:y1 + 1, x0] = colour
    image[y0:y1 + 1, x1] = colour


def draw_point(image: np.ndarray, u: float, v: float, colour: tuple[int, int, int], radius: int = 1) -> None:
    """A ``(2 radius + 1)``-pixel square centred on pixel ``(u, v)``, clipped to the image, in place."""
    h, w = image.shape[:2]
    x, y = int(np.floor(u + 0.5)), int(np.floor(v + 0.5))
    image[max(y - radius, 0):max(min(y + radius + 1, h), 0), max(x - radius, 0):max(min(x + radius + 1, w), 0)] = colour


def draw_annotations(image: np.ndarray, frame: Mapping[str, Any]) -> np.ndarray:
    """A copy of ``(H, W, 3) uint8`` ``image`` with every person's box and joints of one
    ``annotations.json`` frame entry drawn on it (hidden joints in another colour; the face points,
    close together, one pixel each)."""
    out = np.array(image, dtype=np.uint8, copy=True)
    for person in frame.get("persons", []):
        if person.get("bbox_2d"):
            draw_box(out, tuple(person["bbox_2d"]), BOX_COLOUR)
        visible = person.get("visible", {})
        for name, uv in person.get("joints_2d", {}).items():
            if uv is not None:
                draw_point(out, uv[0], uv[1], JOINT_COLOUR if visible.get(name, True) else HIDDEN_JOINT_COLOUR,
                           radius=0 if name in FACE_POINTS else 1)
    return out
