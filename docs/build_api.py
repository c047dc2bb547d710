"""Build the API reference (HTML) from the docstrings with pdoc, offline.

    pip install -e ".[docs]"
    python docs/build_api.py --out build/api        # then open build/api/index.html

The modules listed are the public API (``phav`` re-exports the names users need) and the layers a
custom scene reaches into. pdoc documents only the names in a package's ``__all__`` and skips
submodules it does not list, so the submodules a custom scene imports (motion operations, BVH, IK,
retargeting, action signals, body presets and skins, muscles, the ``phav.api`` modules) are listed
here one by one; ``phav.worlds`` has no ``__all__``, so pdoc documents each of its submodules.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: Modules documented, in the order of the data flow (DESIGN §1); a package's submodules follow it
#: when pdoc would skip them (see above).
MODULES = ("phav",
           "phav.api", "phav.api.scene", "phav.api.cameras", "phav.api.props", "phav.api.meshes", "phav.api.output",
           "phav.api.simulate",
           "phav.plugins", "phav.spec", "phav.take", "phav.frames",
           "phav.actions", "phav.actions.registry", "phav.actions.signals",
           "phav.body", "phav.body.presets", "phav.body.skin",
           "phav.motion", "phav.motion.clip", "phav.motion.ops", "phav.motion.bvh", "phav.motion.ik",
           "phav.motion.retarget", "phav.motion.keyposes",
           "phav.worlds", "phav.physics", "phav.physics.muscles", "phav.render", "phav.io", "phav.pipeline",
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
