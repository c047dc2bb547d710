import json

import numpy as np
import pytest

from phav.body.skeleton import DEEPMIMIC_LEG_LENGTH, default_skeleton
from phav.geometry import quat_multiply, quat_normalize, quat_rotate
from phav.motion.deepmimic import (C_QUAT, available_clips, convert_position, convert_rotation,
                                   load_deepmimic, parse_deepmimic, wxyz_to_xyzw, xyzw_to_wxyz)
from phav.motion.rotations import heading


def test_walk_clip_converted_to_z_up_and_scaled():
    sk = default_skeleton()
    clip = load_deepmimic("walk", sk)
    scale = sk.segments.leg_length / DEEPMIMIC_LEG_LENGTH
    assert clip.root_pos[0, 2] == pytest.approx(0.847532 * scale, abs=1e-6)
    assert 0.85 < clip.root_pos[0, 2] < 0.95
    assert clip.loop and clip.fps == pytest.approx(30.0, rel=1e-3)
    # walks along +x, stays near y = 0, heading about 0
    assert clip.root_pos[-1, 0] - clip.root_pos[0, 0] > 1.2
    assert abs(clip.root_pos[-1, 1]) < 0.05
    assert np.all(np.abs(heading(clip.root_quat)) < np.radians(15))
    # pelvis up axis is close to world +z
    up = quat_rotate(clip.root_quat, np.array([0.0, 0.0, 1.0]))
    assert np.all(up[:, 2] > 0.95)
    # knees bend backwards: positive angle about +y (the knee hinge axis)
    knee = clip.joint_quats[:, clip.joint_names.index("right_knee")]
    assert np.all(knee[:, 1] >= -1e-3) and knee[:, 1].max() > 0.3


def test_quaternion_conversion_round_trips():
    rng = np.random.default_rng(0)
    q = quat_normalize(rng.normal(size=(20, 4)))
    np.testing.assert_allclose(wxyz_to_xyzw(xyzw_to_wxyz(q)), q)
    conj = np.array([-C_QUAT[0], 0.0, 0.0, C_QUAT[3]])
    back = quat_multiply(quat_multiply(np.broadcast_to(conj, q.shape), convert_rotation(q)),
                         np.broadcast_to(C_QUAT, q.shape))
    np.testing.assert_allclose(quat_normalize(back), q, atol=1e-12)


def test_frame_change_maps_y_up_to_z_up():
    np.testing.assert_allclose(convert_position([0.0, 1.0, 0.0]), [0.0, 0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(convert_position([0.0, 0.0, 1.0]), [0.0, -1.0, 0.0], atol=1e-15)
    # A DeepMimic rotation about its up axis (+y) becomes a rotation about our +z.
    q = np.array([0.0, np.sin(0.3), 0.0, np.cos(0.3)])
    np.testing.assert_allclose(convert_rotation(q), [0.0, 0.0, np.sin(0.3), np.cos(0.3)], atol=1e-12)


def test_unknown_clip_lists_available():
    assert "walk" in available_clips() and len(available_clips()) >= 15
    with pytest.raises(ValueError, match="walk"):
        load_deepmimic("moonwalk_backwards")


@pytest.mark.parametrize("data, match", [
    ({"Loop": "wrap"}, "no 'Frames'"),
    ({"Loop": "wrap", "Frames": [[0.1] * 10, [0.1] * 10]}, "44 numbers"),
    ({"Loop": "wrap", "Frames": [[0.1] * 44]}, "at least 2 frames"),
    ({"Loop": "sideways", "Frames": [[0.1] * 44] * 3}, "Loop"),
])
def test_corrupt_data_names_file(data, match):
    with pytest.raises(ValueError, match=match) as info:
        parse_deepmimic(data, "x", "/some/file.txt")
    assert "/some/file.txt" in str(info.value)


def test_corrupt_file_raises(tmp_path, monkeypatch):
    import phav.motion.deepmimic as dm

    (tmp_path / "humanoid3d_broken.txt").write_text("{ not json")
    monkeypatch.setattr(dm, "motions_dir", lambda: tmp_path)
    with pytest.raises(ValueError, match="humanoid3d_broken.txt"):
        dm.load_deepmimic("broken")
