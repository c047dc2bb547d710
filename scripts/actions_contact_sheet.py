"""Contact sheet of the action classes: one characteristic frame per registered class, one PNG.

Each cell is a real video of the class (Scenario -> Take -> Renderer) at its recipe's duration,
rendered at 170x128, Plain environment, Tripod camera (static, framing the whole action), Day,
Clear; the frame shown is the one where the people's joints are furthest from their first pose,
which tends to be the action's most characteristic moment.

    python scripts/actions_contact_sheet.py [--out docs/images/actions.png] [--quality preview]
        [--seed 0] [--actor Model_Woman01] [--columns 8]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from phav.actions import action_names, get_action
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec

W, H, LABEL_H = 170, 128, 12


def characteristic_frame(take) -> int:
    """Index of the frame whose joints moved furthest (summed over people) from frame 0."""
    moved = sum(np.linalg.norm(a.joints_3d - a.joints_3d[:1], axis=2).sum(axis=1) for a in take.actors)
    return int(np.argmax(moved))


def render_class(action: str, actor: str, seed: int, quality: str) -> np.ndarray:
    recipe = get_action(action)
    frames = max(2, recipe.frames_needed(30.0))
    spec = VideoSpec(action=action, actor=actor, camera="Tripod", frames=frames, width=W, height=H,
                     seed=seed).validate()
    take = Scenario(spec).simulate(check_signature=False)
    index = characteristic_frame(take)
    with Renderer(W, H, quality_settings(quality)) as renderer:
        for frame in renderer.render_take(take, ("img",)):
            if frame.index == index:
                return frame.img
    raise RuntimeError(f"{action}: frame {index} was not rendered")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images/actions.png"))
    parser.add_argument("--quality", default="preview")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--actor", default="Model_Woman01")
    parser.add_argument("--columns", type=int, default=8)
    args = parser.parse_args(argv)
    names = action_names()
    rows = -(-len(names) // args.columns)
    sheet = Image.new("RGB", (args.columns * W, rows * (H + LABEL_H)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, name in enumerate(names):
        x, y = (i % args.columns) * W, (i // args.columns) * (H + LABEL_H)
        sheet.paste(Image.fromarray(render_class(name, args.actor, args.seed, args.quality)), (x, y + LABEL_H))
        draw.text((x + 2, y), name.replace("Synthetic", "S."), fill="black")
        print(f"{i + 1}/{len(names)} {name}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
