"""BVH import (issue 3, point 5): known rotations, rest and T-poses, units and axes, bad files.

The files in ``data/`` were written for these tests:

- ``cmu_tpose_cm.bvh``: CMU names (Hips, Spine, Spine1, Neck, Head, LeftShoulder clavicles,
  LeftArm, LeftForeArm, LeftHand, LeftUpLeg, LeftLeg, LeftFoot, LeftToeBase), centimetres, Y up,
  facing +Z, T-pose rest, ``Zrotation Xrotation Yrotation`` except the upper arms (``X Y Z``).
  Frame 0: rest at hip height 95 cm. Frame 1: root 50 cm forward, left knee +90 degrees about X.
  Frame 2: root at (10, 90, 100) cm, left upper arm -90 degrees about Z (arm lowered to the side).
- ``rest_zup_m.bvh``: ``mixamorig:`` names with UpperLeg/LowerLeg/UpperArm/LowerArm, metres, Z up,
  facing +X, arms hanging (the project's rest pose), no toes. Frame 1: left hip ``Xrotation 30
  Yrotation 20`` (channel order X Y Z), the left foot's channels in order Y Z X.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from phav.body.skeleton import ACTUATED_JOINTS
from phav.geometry import quat_angle, quat_from_axis_angle, quat_multiply
from phav.motion.bvh import detect_scale, load_bvh, parse_bvh

DATA = Path(__file__).parent / "data"
IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])


def joint(clip, name):
    return clip.joint_quats[:, ACTUATED_JOINTS.index(name)]


def about(axis, degrees):
    return quat_from_axis_angle(np.asarray(axis, dtype=np.float64), math.radians(degrees))


def test_rest_pose_like_the_project_gives_identity():
    clip = load_bvh(DATA / "rest_zup_m.bvh")
    assert np.allclose(quat_angle(clip.joint_quats[0], IDENTITY), 0.0, atol=1e-9)
    assert np.allclose(quat_angle(clip.root_quat[0], IDENTITY), 0.0, atol=1e-9)
    assert clip.fps == pytest.approx(25.0)


def test_known_rotation_with_xyz_channel_order():
    clip = load_bvh(DATA / "rest_zup_m.bvh")
    expected = quat_multiply(about([1, 0, 0], 30.0), about([0, 1, 0], 20.0))  # intrinsic X then Y
    assert quat_angle(joint(clip, "left_hip")[1], expected) < 1e-6
    others = [j for j in ACTUATED_JOINTS if j != "left_hip"]
    for name in others:
        assert quat_angle(joint(clip, name)[1], IDENTITY) < 1e-9, name


def test_tpose_keeps_arms_horizontal_and_everything_else_at_rest():
    clip = load_bvh(DATA / "cmu_tpose_cm.bvh")
    # the project's arms hang along -z; raised sideways: left +90 degrees about +x (towards +y)
    assert quat_angle(joint(clip, "left_shoulder")[0], about([1, 0, 0], 90.0)) < 1e-6
    assert quat_angle(joint(clip, "right_shoulder")[0], about([1, 0, 0], -90.0)) < 1e-6
    for name in ACTUATED_JOINTS:
        if not name.endswith("shoulder"):
            assert quat_angle(joint(clip, name)[0], IDENTITY) < 1e-6, name


def test_knee_flexion_maps_to_the_hinge_and_y_up_to_z_up():
    clip = load_bvh(DATA / "cmu_tpose_cm.bvh")
    # +90 degrees about the file's X (the body's left axis) swings the shin backwards: the
    # project's knee turns +90 degrees about its hinge axis +y
    assert quat_angle(joint(clip, "left_knee")[1], about([0, 1, 0], 90.0)) < 1e-6
    assert quat_angle(joint(clip, "right_knee")[1], IDENTITY) < 1e-9


def test_lowering_a_tpose_arm_gives_the_rest_pose():
    clip = load_bvh(DATA / "cmu_tpose_cm.bvh")
    assert quat_angle(joint(clip, "left_shoulder")[2], IDENTITY) < 1e-6


def test_root_translation_in_metres_z_up_facing_x():
    clip = load_bvh(DATA / "cmu_tpose_cm.bvh")
    # file (x left, y up, z forward) in cm -> phav (x forward, y left, z up) in m
    assert np.allclose(clip.root_pos, [[0.0, 0.0, 0.95], [0.5, 0.0, 0.95], [1.0, 0.1, 0.9]], atol=1e-9)
    assert clip.leg_length == pytest.approx(0.93)  # hip joint to the toe's lowest point, 93 cm


def test_explicit_scale_overrides_detection():
    clip = load_bvh(DATA / "cmu_tpose_cm.bvh", scale=0.02)
    assert clip.root_pos[1, 0] == pytest.approx(1.0)
    assert clip.leg_length == pytest.approx(93 * 0.02)


def test_unit_detection():
    assert detect_scale(0.9) == 1.0
    assert detect_scale(34.0) == pytest.approx(0.0254)
    assert detect_scale(90.0) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="pass scale="):
        detect_scale(5.0)


def _corrupt(text: str, tmp_path: Path) -> str:
    path = tmp_path / "bad.bvh"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_bvh(path)
    message = str(info.value)
    assert "bad.bvh" in message and "\n" not in message
    return message


def test_malformed_files_give_one_line_errors(tmp_path):
    good = (DATA / "cmu_tpose_cm.bvh").read_text()
    lines = good.splitlines()
    last = lines[-1].split()
    assert "frame 2 has 65 values, the hierarchy declares 66" in _corrupt("\n".join(lines[:-1] + [" ".join(last[:-1])]), tmp_path)
    assert "'Frames: 3' but 2 frame rows" in _corrupt("\n".join(lines[:-1]), tmp_path)
    assert "no MOTION section" in _corrupt(good.split("MOTION")[0], tmp_path)
    assert "unknown channel 'Wrotation'" in _corrupt(good.replace("Zrotation Xrotation Yrotation", "Wrotation Xrotation Yrotation", 1), tmp_path)
    assert "expected a number" in _corrupt(good.replace("OFFSET 0 10 0", "OFFSET 0 ten 0", 1), tmp_path)
    assert "cannot map project joints ['left_knee']" in _corrupt(good.replace("JOINT LeftLeg", "JOINT LeftShin2", 1), tmp_path)


def test_parse_reports_line_numbers():
    with pytest.raises(ValueError, match=r"x.bvh: line 4 expected OFFSET"):
        parse_bvh("HIERARCHY\nROOT Hips\n{\nCHANNELS 0\n}\nMOTION\nFrames: 0\nFrame Time: 0.1\n", "x.bvh")
