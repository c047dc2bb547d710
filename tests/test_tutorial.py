"""docs/tutorial.md's Python runs as written: sections 1-5 in order, in a fresh folder (the plugin
section's fragment excepted: examples/user_action.py is its runnable form)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import phav

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_tutorials_code_runs_and_writes_the_video_it_describes(tmp_path, monkeypatch):
    blocks = python_blocks(TUTORIAL.read_text(encoding="utf-8"))
    plugin = [i for i, b in enumerate(blocks) if "register_action" in b]
    assert plugin == [len(blocks) - 1], "the plugin fragment is expected last"
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # the tutorial names examples/data/... files
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile("\n".join(blocks[:-1]), str(TUTORIAL), "exec"), names)
    take, data = names["take"], names["data"]
    assert isinstance(take, phav.Take) and data.num_frames == take.num_frames == 45
    props = {name for name in take.part_names if name.startswith("prop/")}
    assert {"prop/crate", "prop/ball", "prop/chair"} <= props and any(p.startswith("prop/lamp/") for p in props)
    assert data.img.shape == (45, 240, 320, 3) and np.isfinite(data.depth).any()
    assert (tmp_path / "walk.npz").is_file() and (tmp_path / names["folder"]).parent.parent == tmp_path / "out"
