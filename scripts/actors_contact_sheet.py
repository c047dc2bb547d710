"""Contact sheet of the actor presets: one PNG, one cell per preset (body/presets.py registry
order), each a real frame of a simulated Walk rendered at 340x256 (Scenario -> Take -> Renderer,
``phav`` quality) and cropped around the person with the instance mask, at the dataset's pixel
size (no upscaling beyond ``--zoom``).

    python scripts/actors_contact_sheet.py [--out docs/images/actors.png] [--quality phav]
        [--frame 10] [--zoom 2] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from phav.body.presets import preset_names
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec

W, H = 340, 256
CELL_W, CELL_H, LABEL_H = 90, 150, 14


def person_crop(img: np.ndarray, instance: np.ndarray, person: int = 1) -> np.ndarray:
    """``img`` cropped to a CELL_W:CELL_H window centred on the person's pixels (whole image if the
    person is not visible), clipped at the image border."""
    ys, xs = np.nonzero(instance == person)
    if len(ys) == 0:
        return img
    cy, cx = (ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2
    h = max(int((ys.max() - ys.min()) * 1.15), 24)
    w = h * CELL_W // CELL_H
    y0, x0 = max(0, cy - h // 2), max(0, cx - w // 2)
    return img[y0:min(H, y0 + h), x0:min(W, x0 + w)]


def render_actor(name: str, quality: str, frame: int, seed: int) -> np.ndarray:
    spec = VideoSpec(action="Walk", actor=name, frames=frame + 2, width=W, height=H, seed=seed).validate()
    take = Scenario(spec).simulate()
    with Renderer(W, H, quality_settings(quality)) as renderer:
        frames = list(renderer.render_take(take, ("img", "instancegt")))
    f = frames[frame]
    return person_crop(f.img, f.instance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images/actors.png"))
    parser.add_argument("--quality", default="phav")
    parser.add_argument("--frame", type=int, default=10)
    parser.add_argument("--zoom", type=int, default=2, help="nearest-neighbour magnification of each cell")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--columns", type=int, default=10)
    args = parser.parse_args(argv)
    names = preset_names()
    cw, ch = CELL_W * args.zoom, CELL_H * args.zoom
    rows = -(-len(names) // args.columns)
    sheet = Image.new("RGB", (args.columns * cw, rows * (ch + LABEL_H)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, name in enumerate(names):
        crop = Image.fromarray(render_actor(name, args.quality, args.frame, args.seed))
        scale = min(cw / crop.width, ch / crop.height)
        crop = crop.resize((max(1, int(crop.width * scale)), max(1, int(crop.height * scale))), Image.NEAREST)
        x, y = (i % args.columns) * cw, (i // args.columns) * (ch + LABEL_H)
        sheet.paste(crop, (x + (cw - crop.width) // 2, y + LABEL_H))
        draw.text((x + 3, y + 1), name.replace("Model_", ""), fill=(0, 0, 0))
        print(f"{i + 1}/{len(names)} {name}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
