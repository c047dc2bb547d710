"""Whole files or nothing (phav.io.atomic): every writer of a finished file goes through it."""

from __future__ import annotations

import pytest

from phav.io.atomic import replacing, temporary_sibling


def test_a_completed_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("old")
    with replacing(path) as temp:
        assert temp == temporary_sibling(path) and temp.parent == path.parent and temp.name.startswith(".")
        temp.write_text("new")
        assert path.read_text() == "old"  # readers see the old file until the write completes
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["list.txt"]


@pytest.mark.parametrize("error", [ValueError("encoder failed"), KeyboardInterrupt(), OSError(28, "No space left")])
def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(tmp_path, error):
    path = tmp_path / "video.mp4"
    path.write_text("old")
    with pytest.raises(type(error)):
        with replacing(path) as temp:
            temp.write_text("half")
            raise error
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["video.mp4"]


def test_a_write_that_failed_before_creating_its_temporary_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with replacing(tmp_path / "new.txt"):
            raise RuntimeError("nothing written")
    assert list(tmp_path.iterdir()) == []
