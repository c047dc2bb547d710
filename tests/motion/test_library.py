"""The motion library (issue 3, point 5): one resolver for DeepMimic clips, shipped clip files and
user BVH files; clear errors for unknown names and corrupt files."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from phav.body.presets import get_preset
from phav.errors import DataError, SpecError
from phav.motion.clip import Clip
from phav.motion.library import ENV_VAR, available_clips, load_clip
from phav.motion.ops import mirror
from phav.motion.deepmimic import load_deepmimic
from phav.resources import resource_dir

DATA = Path(__file__).parent / "data"


def test_every_source_is_listed():
    names = available_clips()
    assert names["walk"] == "deepmimic"
    for shipped in ("punch_left", "kick_left", "walk_slow"):
        assert Path(names[shipped]).parent == resource_dir("motions")


def test_shipped_clips_load_and_match_their_recipe():
    skeleton = get_preset("Model_Man01").skeleton()
    left = load_clip("punch_left", skeleton, ground=False)
    right = load_deepmimic("punch", skeleton).placed((0.0, 0.0), 0.0)
    assert left.leg_length == pytest.approx(skeleton.segments.leg_length)
    # the shipped file (default skeleton) rescaled to this body is the mirror of the punch
    assert np.allclose(left.joint_quats, mirror(right).joint_quats, atol=1e-6)
    assert np.allclose(left.root_pos, mirror(right).root_pos, atol=1e-4)


def test_non_uniform_deepmimic_clip_is_resampled():
    clip = load_clip("roll")
    assert clip.fps == pytest.approx(60.0, rel=1e-3)
    assert clip.duration == pytest.approx(2.01592, rel=1e-6)  # sum of the file's frame durations


def test_user_bvh_by_path_and_by_folder(monkeypatch, tmp_path):
    clip = load_clip(str(DATA / "cmu_tpose_cm.bvh"))
    assert clip.name == "cmu_tpose_cm" and clip.num_frames == 3
    shutil.copy(DATA / "rest_zup_m.bvh", tmp_path / "my_move.bvh")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert available_clips()["my_move"] == str(tmp_path / "my_move.bvh")
    assert load_clip("my_move").num_frames == 2


def test_unknown_name_lists_the_clips():
    with pytest.raises(ValueError, match=r"unknown clip 'moonwalk'; available: .*kick_left.*walk"):
        load_clip("moonwalk")


def test_corrupt_files_name_the_file(tmp_path):
    bad_json = tmp_path / "broken.json"
    bad_json.write_text('{"format": "phav-clip", "version": 1, "name": "x"')
    with pytest.raises(ValueError, match=r"broken.json: invalid clip file") as info:
        load_clip(str(bad_json))
    assert "\n" not in str(info.value)
    missing = tmp_path / "short.json"
    missing.write_text('{"format": "phav-clip", "version": 1, "name": "x", "fps": 30, "loop": false}')
    with pytest.raises(ValueError, match=r"short.json: invalid clip file: missing field 'joint_names'"):
        load_clip(str(missing))
    with pytest.raises(ValueError, match="does not exist"):
        load_clip(str(tmp_path / "nope.bvh"))


@pytest.mark.parametrize("name, content", [
    ("walk.json", b'{"frames": [1,2'),                          # cut short
    ("walk.json", b""),                                         # empty
    ("walk.json", b"\xff\xfe\x00\x01 not text"),               # not UTF-8
    ("walk.json", b'{"format": "something-else", "version": 3}'),  # valid JSON, another format
    ("walk.bvh", b"garbage\n"),
    ("walk.bvh", b""),
    ("walk.bvh", b"HIERARCHY\nROOT Hips\n{\n\xff\xfe\nMOTION\n"),  # not UTF-8
    ("walk.bvh", b"HIERARCHY\nROOT Hips\n{\n  OFFSET 0 0 0\n}\nMOTION\nFrames: 1\nFrame Time: 0.03\n0\n"),
])
def test_a_corrupt_file_in_the_motion_folders_is_a_data_error_naming_it(monkeypatch, tmp_path, name, content):
    """A broken file that shadows a clip name is reported as phav's DataError (a ValueError, one
    line naming the file), which phav-render prints as one line instead of a traceback."""
    (tmp_path / name).write_bytes(content)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(DataError, match=str(tmp_path / name)) as info:
        load_clip("walk")
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


@pytest.mark.parametrize("make", [lambda path: None, lambda path: path.write_text("a file")])
def test_a_motion_folder_that_is_not_there_is_an_error(monkeypatch, tmp_path, make):
    """$PHAV_MOTIONS naming a missing folder (a typo) is refused, not ignored: the user's clips
    would otherwise be left out without a word."""
    missing = tmp_path / "my_motions"
    make(missing)
    monkeypatch.setenv(ENV_VAR, f"{tmp_path}:{missing}")
    with pytest.raises(SpecError, match=rf"\$PHAV_MOTIONS lists {missing}, which (does not exist|is not a folder); "
                                        r"fix or unset \$PHAV_MOTIONS"):
        load_clip("walk")


def test_leg_length_round_trips(tmp_path):
    clip = load_clip("walk")
    clip.save(tmp_path / "w.json")
    again = Clip.load(tmp_path / "w.json")
    assert again.leg_length == pytest.approx(clip.leg_length)
