"""Golden images: a skinned, clothed person rendered with each quality preset at 96x72 on the
software rasterizer (Mesa llvmpipe), compared with a tolerance; see ``scripts/regenerate_goldens.py``.

Shared by the test (tests/render/test_golden.py) and the script so both render the same thing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phav.render import Renderer
from phav.render.settings import QUALITIES, quality_settings

from render_scenes import person_take

GOLDEN_DIR = Path(__file__).parent / "golden"
W, H = 96, 72
#: Tolerances: mean absolute difference (8-bit levels) over the image, and the share of pixels
#: allowed to differ by more than ``PIXEL_LEVELS`` (llvmpipe versions and CPU vector widths round
#: differently; a real change of the picture moves far more).
MEAN_LEVELS, PIXEL_LEVELS, PIXEL_SHARE = 1.5, 24, 0.01


def golden_path(quality: str) -> Path:
    return GOLDEN_DIR / f"person_{quality}.png"


def render_golden(quality: str) -> np.ndarray:
    """``(H, W, 3) uint8``: the middle frame of :func:`person_take` with ``quality`` (its skin at
    the preset's ``skin_resolution``, as a video of that quality)."""
    settings = quality_settings(quality)
    take = person_take(W, H, skin_resolution=settings.skin_resolution)
    with Renderer(W, H, settings) as renderer:
        frames = list(renderer.render_take(take, ("img",)))
    return frames[1].img


def compare(got: np.ndarray, want: np.ndarray) -> tuple[bool, str, np.ndarray]:
    """(within tolerance, a one-line summary, ``(H, W, 3) uint8`` amplified difference image)."""
    d = np.abs(got.astype(int) - want.astype(int))
    mean = float(d.mean())
    share = float((d.max(axis=2) > PIXEL_LEVELS).mean())
    ok = mean <= MEAN_LEVELS and share <= PIXEL_SHARE
    diff = np.clip(d * 4, 0, 255).astype(np.uint8)
    return ok, f"mean |diff| {mean:.2f} levels (max {MEAN_LEVELS}), {share:.2%} pixels over {PIXEL_LEVELS} (max {PIXEL_SHARE:.0%})", diff


__all__ = ["GOLDEN_DIR", "QUALITIES", "compare", "golden_path", "render_golden"]
