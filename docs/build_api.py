"""Build the API reference (HTML) from the docstrings with pdoc, offline.

    pip install -e ".[docs]"
    python docs/build_api.py --out build/api        # then open build/api/index.html

The modules listed are the public API (``phav`` re-exports the names users need) and the layers a
custom scene reaches into; pdoc documents their submodules too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: Modules documented, in the order of the data flow (DESIGN §1).
MODULES = ("phav", "phav.api", "phav.plugins", "phav.spec", "phav.take", "phav.frames", "phav.actions",
           "phav.body", "phav.motion", "phav.worlds", "phav.physics", "phav.render", "phav.io", "phav.pipeline",
           "phav.sampling", "phav.scenario", "phav.assembly", "phav.camera", "phav.labels", "phav.errors")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/api"), help="output folder (default build/api)")
    args = parser.parse_args(argv)
    try:
        import pdoc
        import pdoc.render
    except ImportError:
        print("build_api: pdoc is missing; pip install -e \".[docs]\"", file=sys.stderr)
        return 1
    pdoc.render.configure(docformat="google", footer_text="phav API reference", show_source=False)
    pdoc.pdoc(*MODULES, output_directory=args.out)
    pages = sorted(args.out.rglob("*.html"))
    print(f"build_api: {len(pages)} pages in {args.out}")
    return 0 if (args.out / "phav" / "api.html").is_file() else 1


if __name__ == "__main__":
    sys.exit(main())
