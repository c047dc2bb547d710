"""Contact sheet: one PNG of environments (rows) x weathers (columns), each cell a real rendered
frame of a simulated Walk (through the library: Scenario -> Take -> Renderer).

Usage:
    python scripts/contact_sheet.py --out docs/contact_sheet.png [--size 200x150] [--seed 0]
        [--day-phase Day] [--frames 24] [--semantic]

Every cell uses the same seed, so a row shows one layout under every weather; ``--semantic`` puts
the semantic-class image beside each RGB frame instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from phav.labels import colorize_semantic
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import DayPhase, Environment, VideoSpec, Weather
from phav.worlds.cameras import default_camera

ENVIRONMENTS = [e for e in Environment if e != Environment.PLAIN]
LABEL_H = 14


def render_cell(renderer: Renderer, environment: Environment, weather: Weather, day_phase: DayPhase,
                frames: int, seed: int, width: int, height: int, semantic: bool) -> np.ndarray:
    """The last frame of a short Walk video as ``(H, W, 3) uint8`` (``(H, 2W, 3)`` with semantic)."""
    spec = VideoSpec(action="Walk", environment=environment, day_phase=day_phase, weather=weather,
                     camera=default_camera(environment), frames=frames, width=width, height=height, seed=seed)
    take = Scenario(spec).simulate()
    last = None
    for frame in renderer.render_take(take, ("img", "classgt") if semantic else ("img",)):
        last = frame
    if semantic:
        return np.concatenate([last.img, colorize_semantic(last.semantic)], axis=1)
    return last.img


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--size", default="200x150", help="cell size WxH in pixels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=24, help="frames simulated per cell (the last is shown)")
    parser.add_argument("--day-phase", default="Day", choices=[d.value for d in DayPhase])
    parser.add_argument("--weathers", default=",".join(w.value for w in Weather),
                        help="comma-separated weathers (columns)")
    parser.add_argument("--environments", default=",".join(e.value for e in ENVIRONMENTS),
                        help="comma-separated environments (rows)")
    parser.add_argument("--semantic", action="store_true", help="show the semantic image beside each frame")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    weathers = [Weather.parse(w) for w in args.weathers.split(",")]
    environments = [Environment.parse(e) for e in args.environments.split(",")]
    day_phase = DayPhase.parse(args.day_phase)
    cell_w = width * (2 if args.semantic else 1)
    sheet = Image.new("RGB", (cell_w * len(weathers), (height + LABEL_H) * len(environments)), "white")
    draw = ImageDraw.Draw(sheet)
    with Renderer(width, height, quality_settings("phav")) as renderer:
        for r, env in enumerate(environments):
            for c, weather in enumerate(weathers):
                img = render_cell(renderer, env, weather, day_phase, args.frames, args.seed, width, height,
                                  args.semantic)
                x, y = c * cell_w, r * (height + LABEL_H)
                sheet.paste(Image.fromarray(img), (x, y + LABEL_H))
                draw.text((x + 3, y + 1), f"{env.value} / {weather.value}", fill="black")
                print(f"{env.value:10s} {weather.value:9s} done", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
