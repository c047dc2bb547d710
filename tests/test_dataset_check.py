"""``phav-render check``: a made dataset's finished videos checked for missing, empty and cut-short
files; broken ones removed and made again, byte for byte, by rerunning the dataset command."""

from __future__ import annotations

import json
import shutil

import pytest

from phav.dataset import run_dataset
from phav.dataset.check import DatasetCheck, check_dataset, remove_broken
from phav.errors import DataError
from phav.io.verify import video_problems
from phav.sampling import SamplingConfig, SpecModel
from phav.spec import VideoSpec

pytestmark = pytest.mark.gl
MODS = ("img", "flow", "instancegt")


def _model() -> SpecModel:
    return SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                     base=VideoSpec(frames=3, width=48, height=32))


def _videos(root):
    return sorted(p for p in root.glob("Walk/*") if p.is_dir())


def test_every_kind_of_damage_is_named_with_its_file(tmp_path):
    run_dataset(tmp_path, _model(), 2, seed=1, modalities=MODS, progress=False)
    assert check_dataset(tmp_path).broken == {}
    one, two = _videos(tmp_path)
    jpeg = (one / "img_00002.jpg").read_bytes()
    (one / "img_00002.jpg").write_bytes(jpeg[: len(jpeg) // 2])      # a copy cut short
    (one / "flow_x_00003.png").write_bytes(b"")                      # an empty file
    (one / "flow_valid_00001.png").unlink()                          # a missing frame file
    (one / "instances.txt").unlink()
    png = (one / "instancegt_00001.png").read_bytes()
    (one / "instancegt_00001.png").write_bytes(png[:-12])            # no IEND chunk
    assert video_problems(one) == [
        "img_00002.jpg is cut short (no end of image marker)",
        "flow_x_00003.png is empty",
        "flow_valid_00001.png is missing",
        "instancegt_00001.png is cut short (no IEND chunk)",
        "instances.txt is missing",
    ]
    text = (two / "annotations.json").read_text()
    (two / "annotations.json").write_text(text[:100])
    (problem,) = video_problems(two)
    assert "annotations.json is not valid JSON" in problem
    result = check_dataset(tmp_path, workers=2)
    assert result.videos == 2 and sorted(result.broken) == [f"Walk/{one.name}", f"Walk/{two.name}"]
    assert result.text().splitlines()[-1] == "2 finished videos checked: 2 broken"
    assert "(and 2 more)" in result.text()


def test_broken_videos_removed_are_made_again_byte_for_byte(tmp_path, capsys):
    from phav.cli import main

    run_dataset(tmp_path / "ds", _model(), 2, seed=1, modalities=MODS, progress=False)
    shutil.copytree(tmp_path / "ds", tmp_path / "copy")
    one = _videos(tmp_path / "copy")[0]
    (one / "img_00003.jpg").write_bytes(b"\xff\xd8 cut")
    with pytest.raises(SystemExit) as info:
        main(["check", str(tmp_path / "copy"), "--remove-broken"])
    assert info.value.code == 1 and not one.exists()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Walk/{one.name}: img_00003.jpg is cut short (no end of image marker)"
    assert out[-1] == "removed 1 broken video folders; run the dataset command again to make them"
    summary = run_dataset(tmp_path / "copy", _model(), 2, seed=1, modalities=MODS, progress=False)
    assert (summary.skipped, summary.done) == (1, 1)
    made = tmp_path / "ds" / "Walk" / one.name
    assert sorted(p.name for p in one.iterdir()) == sorted(p.name for p in made.iterdir())
    assert all((one / p.name).read_bytes() == p.read_bytes() for p in made.iterdir())
    with pytest.raises(SystemExit) as info:
        main(["check", str(tmp_path / "copy")])
    assert info.value.code == 0


def test_a_folder_that_is_no_dataset_is_one_line(tmp_path, capsys):
    from phav.cli import main

    with pytest.raises(DataError, match="has no manifest"):
        check_dataset(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["check", str(tmp_path)])
    assert info.value.code == 1
    assert capsys.readouterr().err.strip().startswith("phav-render: error: ")
    assert remove_broken(DatasetCheck(tmp_path, 0, {})) == []  # nothing broken: nothing removed


def _rewrite_paths(root, paths):
    """Give the manifest's rows these paths, in key order (a manifest edited by hand, or someone else's)."""
    rows = [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines()]
    for row, path in zip(sorted(rows, key=lambda r: r["key"]), paths):
        row["path"] = path
    (root / "manifest.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))


@pytest.mark.parametrize("path", ["../victim", "{victim}", "Walk/../../victim", "Walk", "Walk/x/y", "Run/{name}",
                                  "Walk/escape"])
def test_a_row_naming_a_folder_outside_the_dataset_is_refused_and_never_removed(tmp_path, capsys, path):
    """Only <Action>/<video folder> inside the dataset is read or removed: not ``..``, an absolute path, another
    class's folder, or a symlink that leads out."""
    from phav.cli import main

    root = tmp_path / "ds"
    run_dataset(root, _model(), 2, seed=1, modalities=MODS, progress=False)
    victim = tmp_path / "victim"
    (victim / "keep").mkdir(parents=True)
    (victim / "keep" / "data.txt").write_text("important")
    one, two = _videos(root)
    (root / "Walk" / "escape").symlink_to(victim)
    _rewrite_paths(root, [path.format(victim=victim, name=one.name), f"Walk/{two.name}"])
    (two / "img_00001.jpg").write_bytes(b"")  # a broken video in the dataset: removed
    result = check_dataset(root)
    assert list(result.broken) == [f"Walk/{two.name}"] and result.videos == 1
    (bad,) = result.bad_rows
    assert bad.startswith(f"{root}: the manifest row of Walk/00000 is refused: its path ") and "mend or delete" in bad
    with pytest.raises(SystemExit) as info:
        main(["check", str(root), "--remove-broken"])
    assert info.value.code == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == bad and out[-2] == "1 finished videos checked: 1 broken, 1 manifest rows refused"
    assert out[-1].startswith("removed 1 broken video folders")
    assert (victim / "keep" / "data.txt").read_text() == "important" and one.is_dir() and not two.exists()
    for made_by_hand in ("../victim", str(victim), "Walk/escape"):  # a DatasetCheck not from check_dataset
        with pytest.raises(DataError, match="is refused: its path"):
            remove_broken(DatasetCheck(root, 1, {made_by_hand: ["broken"]}))
    assert (victim / "keep" / "data.txt").read_text() == "important" and one.is_dir()


def test_a_folder_removed_as_broken_is_said_to_be_missing(tmp_path, capsys):
    from phav.cli import main

    run_dataset(tmp_path, _model(), 1, seed=1, modalities=MODS, progress=False)
    (one,) = _videos(tmp_path)
    (one / "img_00001.jpg").write_bytes(b"")
    remove_broken(check_dataset(tmp_path))
    with pytest.raises(SystemExit) as info:
        main(["check", str(tmp_path)])
    assert info.value.code == 1
    assert capsys.readouterr().out.splitlines()[0] == (f"Walk/{one.name}: the video folder is missing (removed?); run "
                                                       "the dataset command again to make it")


@pytest.mark.parametrize("setup, message", [
    (lambda root: None, "{root}/missing does not exist; give the folder phav-render dataset --out made"),
    (lambda root: (root / "missing").mkdir(), "{root}/missing has no manifest*.jsonl, so phav-render dataset did not "
                                              "make it"),
    (lambda root: (root / "missing").mkdir() or (root / "missing" / "manifest.jsonl").write_text(""),
     "{root}/missing/manifest.jsonl lists no video; rerun the phav-render dataset command"),
    (lambda root: (root / "missing").mkdir() or (root / "missing" / "manifest.jsonl").write_text("[1, 2]\n"),
     "{root}/missing/manifest.jsonl: line 1 is not a manifest row"),
    (lambda root: (root / "missing").mkdir() or (root / "missing" / "manifest.jsonl").write_bytes(b"\xff\xfe x\n"),
     "{root}/missing/manifest.jsonl: line 1 is not UTF-8 text"),
])
def test_check_says_what_is_wrong_with_a_folder_that_is_no_dataset(tmp_path, capsys, setup, message):
    from phav.cli import main

    setup(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["check", str(tmp_path / "missing")])
    assert info.value.code == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("phav-render: error: " + message.format(root=tmp_path)), line
