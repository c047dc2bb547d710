"""docs/build_api.py documents the modules a custom-scene user imports (the tutorial, the examples,
the README), not only the names the packages re-export."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What a custom scene, action or environment reaches into (README, docs/tutorial.md, examples/).
CUSTOM_SCENE_MODULES = (
    "phav.api.scene", "phav.api.cameras", "phav.api.props", "phav.api.meshes", "phav.api.output",
    "phav.motion.ops", "phav.motion.bvh", "phav.motion.ik", "phav.motion.retarget",
    "phav.actions.signals", "phav.body.presets", "phav.body.skin", "phav.physics.muscles",
    "phav.worlds.scene", "phav.worlds.primitives", "phav.worlds.ground",
)


def build_api():
    spec = importlib.util.spec_from_file_location("build_api", ROOT / "docs" / "build_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documented(name: str, listed: tuple[str, ...]) -> bool:
    """Whether pdoc documents module ``name`` given ``listed``: it is listed, or a listed package
    above it has no ``__all__`` (pdoc then walks all its submodules)."""
    if name in listed:
        return True
    parts = name.split(".")
    return any(".".join(parts[:k]) in listed and not hasattr(importlib.import_module(".".join(parts[:k])), "__all__")
               for k in range(1, len(parts)))


def test_every_listed_module_imports():
    for name in build_api().MODULES:
        importlib.import_module(name)


@pytest.mark.parametrize("name", CUSTOM_SCENE_MODULES)
def test_the_reference_documents_each_module_a_custom_scene_uses(name):
    assert documented(name, build_api().MODULES), f"{name} is missing from docs/build_api.py MODULES"


def test_the_built_reference_has_a_page_for_each_of_them(tmp_path):
    pytest.importorskip("pdoc")
    assert build_api().main(["--out", str(tmp_path)]) == 0
    missing = [n for n in CUSTOM_SCENE_MODULES if not (tmp_path / (n.replace(".", "/") + ".html")).is_file()]
    assert not missing, f"no page for {missing}"
