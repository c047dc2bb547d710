import json
import math

import numpy as np
import pytest

from phav.geometry import quat_angle, quat_from_axis_angle
from phav.motion.clip import Clip
from phav.motion.rotations import heading, quat_about_z, quat_slerp


def _line_clip(loop: bool = True, turn: float | None = None) -> Clip:
    F = 11
    t = np.arange(F) / 10.0
    root_pos = np.stack([t, np.zeros(F), 0.9 + 0.01 * np.sin(2 * math.pi * t)], axis=1)
    root_quat = quat_about_z(np.zeros(F))
    ang = 0.5 * np.sin(2 * math.pi * t)
    joints = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), ang)[:, None, :]
    return Clip("line", 10.0, root_pos, root_quat, ["right_knee"], joints, loop=loop, cycle_turn=turn)


def test_sample_interpolates_between_frames():
    clip = _line_clip()
    pose = clip.sample(0.05)
    np.testing.assert_allclose(pose.root_pos[0], 0.05, atol=1e-12)
    expected = quat_slerp(clip.joint_quats[0, 0], clip.joint_quats[1, 0], 0.5)
    assert quat_angle(pose.joint_quats[0], expected) < 1e-9
    np.testing.assert_allclose(pose.root_lin_vel[0], 1.0, atol=1e-9)


def test_loop_accumulates_horizontal_displacement_only():
    clip = _line_clip()
    assert clip.duration == pytest.approx(1.0)
    a, b = clip.sample(0.3), clip.sample(2.3)
    np.testing.assert_allclose(b.root_pos - a.root_pos, [2.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(b.joint_quats, a.joint_quats, atol=1e-12)


def test_loop_applies_heading_change():
    clip = _line_clip(turn=math.pi / 2)
    p = clip.sample(1.5)
    # second cycle turned by 90 deg about the first frame's root: +x becomes +y.
    np.testing.assert_allclose(p.root_pos[:2], [1.0, 0.5], atol=1e-9)
    assert heading(p.root_quat) == pytest.approx(math.pi / 2)



def test_shift_by_cycles_places_a_pose_where_sampling_a_later_cycle_puts_it():
    clip = _line_clip(turn=math.pi / 2)
    first = clip.sample(0.5)
    pos, quat = clip.shift_by_cycles(first.root_pos, first.root_quat, 2)
    later = clip.sample(2.5)
    np.testing.assert_allclose(pos, later.root_pos, atol=1e-9)
    assert quat_angle(quat, later.root_quat) < 1e-9
    back_pos, back_quat = clip.shift_by_cycles(pos, quat, -2)
    np.testing.assert_allclose(back_pos, first.root_pos, atol=1e-9)
    assert quat_angle(back_quat, first.root_quat) < 1e-9

def test_non_loop_clamps():
    clip = _line_clip(loop=False)
    np.testing.assert_allclose(clip.sample(5.0).root_pos, clip.root_pos[-1])
    np.testing.assert_allclose(clip.sample(-1.0).root_pos, clip.root_pos[0])


def test_placed_moves_and_turns_root_track():
    clip = _line_clip().placed((2.0, 3.0), math.pi / 2)
    np.testing.assert_allclose(clip.root_pos[0], [2.0, 3.0, 0.9], atol=1e-12)
    np.testing.assert_allclose(clip.root_pos[-1, :2], [2.0, 4.0], atol=1e-9)
    assert heading(clip.root_quat[0]) == pytest.approx(math.pi / 2)


def test_json_round_trip(tmp_path):
    clip = _line_clip(turn=0.0)
    path = tmp_path / "c.json"
    clip.save(path)
    back = Clip.load(path)
    assert back.joint_names == clip.joint_names and back.loop and back.cycle_turn == 0.0
    np.testing.assert_allclose(back.root_pos, clip.root_pos, atol=1e-6)
    np.testing.assert_allclose(back.joint_quats, clip.joint_quats, atol=1e-6)


def test_load_rejects_bad_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "something"}))
    with pytest.raises(ValueError, match="bad.json"):
        Clip.load(path)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="joint_quats"):
        Clip("x", 30.0, np.zeros((3, 3)), np.tile([0, 0, 0, 1.0], (3, 1)), ["a"], np.zeros((3, 2, 4)) + [0, 0, 0, 1])


def test_velocities_do_not_straddle_an_imperfect_loop_seam():
    """A loop whose last frame is 30 degrees (and 10 cm up) away from the next cycle's first: the
    velocities at the seam come from inside the cycle, not from the seam's jump."""
    F, fps = 11, 10.0
    angles = np.linspace(0.0, 0.5, F)  # the joint turns 0.5 rad/s ... and ends 0.5 rad from the start
    joints = quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), angles)[:, None, :]
    pos = np.zeros((F, 3))
    pos[:, 0] = 0.1 * np.arange(F)  # 1 m/s forwards
    pos[-1, 2] = 0.1  # the last frame ends 10 cm up: a seam jump
    clip = Clip("seam", fps, pos, np.tile([0.0, 0.0, 0.0, 1.0], (F, 1)), ["j"], joints, loop=True, cycle_turn=0.0)
    for t in (0.0, clip.duration, 0.3):
        pose = clip.sample(t)
        assert pose.joint_ang_vel[0] == pytest.approx([0.0, 0.0, 0.5], abs=1e-6), t
        assert pose.root_lin_vel[0] == pytest.approx(1.0, abs=1e-6), t
    # the seam's 10 cm jump shows as no vertical velocity at the cycle's start
    assert abs(clip.sample(0.0).root_lin_vel[2]) < 1e-9
