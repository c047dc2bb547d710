"""``phav-render check``: a made dataset's finished videos checked for missing, empty and cut-short
files; broken ones removed and made again, byte for byte, by rerunning the dataset command."""

from __future__ import annotations

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
