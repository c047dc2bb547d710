"""The README's library snippet runs as written (at a quarter of its pixels), from the repository's
root as the README says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def library_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Library: custom scenes from Python"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.gl
def test_the_readme_library_snippet_runs_and_writes_the_video(tmp_path, monkeypatch):
    code = library_snippet()
    assert "size=(320, 240)" in code and "    ...\n" in code
    code = code.replace("size=(320, 240)", "size=(160, 120)").replace(
        "    ...\n", "    shapes.append((frame.img.shape, frame.depth.shape, frame.semantic.shape))\n")
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # "from the repository's root"
    monkeypatch.chdir(tmp_path)
    names: dict = {"shapes": []}
    exec(compile(code, "README.md", "exec"), names)
    assert names["shapes"] == [((120, 160, 3), (120, 160), (120, 160))] * 45
    (folder,) = (tmp_path / "out" / "Walk").iterdir()
    assert len(list(folder.glob("img_*.jpg"))) == 45 and (folder / "annotations.json").is_file()
    assert "prop/crate" in names["take"].part_names
