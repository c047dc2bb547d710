"""Contact sheet of one frame in every modality: img (post-processed RGB), raw (lit, before the post
chain), depth, forward optical flow (with its validity), semantic classes (PHAV's 63 classes incl.
the 27 body parts) and instances. One PNG, rendered through the library (Scenario -> Take ->
Renderer) at 340x256.

    python scripts/modalities_contact_sheet.py [--out docs/images/modalities.png] [--actor Model_Woman01]
        [--action Walk] [--frame 12] [--quality phav] [--seed 0]

Visualisation: depth as log-scaled grey (near bright, sky black); flow in the usual colour wheel
(hue = direction, saturation = magnitude relative to the frame's 99th percentile; invalid pixels
grey); semantic ids with phav.labels.colorize_semantic; instances with phav.labels.instance_colors.
"""

from __future__ import annotations

import argparse
import colorsys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from phav.frames import MODALITIES
from phav.labels import colorize_semantic, instance_colors
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec

W, H = 340, 256
LABEL_H = 16


def depth_image(depth: np.ndarray) -> np.ndarray:
    """``(H, W) float32`` metres (``inf`` sky) -> ``(H, W, 3) uint8``: log depth, near bright."""
    finite = np.isfinite(depth)
    out = np.zeros(depth.shape, dtype=np.float64)
    if finite.any():
        d = np.log(depth[finite])
        out[finite] = 1.0 - (d - d.min()) / max(float(np.ptp(d)), 1e-6) * 0.85
    return np.repeat((out * 255).astype(np.uint8)[..., None], 3, axis=2)


def flow_image(flow: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(H, W, 2)`` pixels -> ``(H, W, 3) uint8`` colour wheel; invalid pixels mid grey."""
    mag = np.hypot(flow[..., 0], flow[..., 1])
    scale = max(float(np.percentile(mag[valid], 99)) if valid.any() else 1.0, 1e-3)
    hue = (np.arctan2(flow[..., 1], flow[..., 0]) / (2 * np.pi)) % 1.0
    sat = np.clip(mag / scale, 0.0, 1.0)
    rgb = np.vectorize(colorsys.hsv_to_rgb, otypes=[float, float, float])(hue, sat, np.ones_like(sat))
    out = (np.stack(rgb, axis=-1) * 255).astype(np.uint8)
    out[~valid] = 128
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images/modalities.png"))
    parser.add_argument("--actor", default="Model_Woman01")
    parser.add_argument("--action", default="Walk")
    parser.add_argument("--frame", type=int, default=12)
    parser.add_argument("--quality", default="phav")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    spec = VideoSpec(action=args.action, actor=args.actor, frames=args.frame + 2, width=W, height=H,
                     seed=args.seed).validate()
    take = Scenario(spec).simulate()
    with Renderer(W, H, quality_settings(args.quality)) as renderer:
        f = list(renderer.render_take(take, MODALITIES))[args.frame]
    colours = instance_colors(max(int(f.instance.max()), 1))
    cells = [("img", f.img), ("raw", f.raw), ("depth", depth_image(f.depth)),
             ("flow", flow_image(f.flow, f.flow_valid)), ("classgt", colorize_semantic(f.semantic)),
             ("instancegt", colours[f.instance].astype(np.uint8))]
    cols = 3
    sheet = Image.new("RGB", (cols * W, 2 * (H + LABEL_H)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, (name, image) in enumerate(cells):
        x, y = (i % cols) * W, (i // cols) * (H + LABEL_H)
        sheet.paste(Image.fromarray(np.ascontiguousarray(image)), (x, y + LABEL_H))
        draw.text((x + 4, y + 2), name, fill=(0, 0, 0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
