"""Regenerate the golden images of tests/render/test_golden.py (one PNG per quality preset).

    python scripts/regenerate_goldens.py [--check]

Run it on the software rasterizer (Mesa llvmpipe, the CI renderer) after an intended change of the
picture, look at the PNGs under tests/render/golden/, and commit them. ``--check`` only compares.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "render"))

from golden_images import GOLDEN_DIR, QUALITIES, compare, golden_path, render_golden  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored goldens, write nothing")
    args = parser.parse_args(argv)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    failed = 0
    for quality in QUALITIES:
        img = render_golden(quality)
        path = golden_path(quality)
        if args.check:
            ok, summary, _ = compare(img, np.asarray(Image.open(path).convert("RGB")))
            failed += not ok
            print(f"{quality}: {'ok' if ok else 'DIFFERS'} ({summary})")
        else:
            Image.fromarray(img).save(path)
            print(f"wrote {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
