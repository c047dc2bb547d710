"""Retargeting (issue 3, point 5): root motion scales with leg length, the body stays on the ground."""

import numpy as np
import pytest

from phav.body.presets import get_preset
from phav.motion.library import load_clip
from phav.motion.retarget import forward_kinematics_frames, ground_offsets, lowest_points, retarget
from phav.physics.kinematics import forward_kinematics


@pytest.fixture(scope="module")
def boy():
    return get_preset("Model_Boy").skeleton()


@pytest.fixture(scope="module")
def tall():
    return get_preset("Model_Man02").skeleton()


def _planted(skeleton, clip, foot, speed=0.25):
    """Stance frames of ``foot``: its frame moves horizontally slower than ``speed`` m/s."""
    pos, quat = forward_kinematics_frames(skeleton, clip)
    k = skeleton.link_names.index(foot)
    v = np.linalg.norm(np.diff(pos[:, k, :2], axis=0), axis=1) * clip.fps
    stance = np.concatenate([[False], v < speed])
    return stance, lowest_points(skeleton, pos, quat, [foot])


def test_walk_on_a_child_keeps_planted_feet_on_the_ground(boy):
    clip = load_clip("walk", boy)
    for foot in ("right_foot", "left_foot"):
        stance, height = _planted(boy, clip, foot)
        assert stance.sum() >= 10
        assert np.all(np.abs(height[stance]) < 0.01), (foot, height[stance])


def test_stride_scales_with_leg_length(boy, tall):
    a, b = load_clip("walk", boy), load_clip("walk", tall)
    stride_a = np.linalg.norm(a.root_pos[-1, :2] - a.root_pos[0, :2])
    stride_b = np.linalg.norm(b.root_pos[-1, :2] - b.root_pos[0, :2])
    ratio = tall.segments.leg_length / boy.segments.leg_length
    assert ratio > 1.5
    assert stride_b / stride_a == pytest.approx(ratio, rel=1e-9)
    assert a.leg_length == pytest.approx(boy.segments.leg_length)


def test_a_floating_clip_is_put_down_and_a_jump_keeps_its_flight(boy):
    walk = load_clip("walk", boy)
    raised = walk.__class__(**{**walk.__dict__, "root_pos": walk.root_pos + [0.0, 0.0, 0.07]})
    grounded = retarget(raised, boy)
    assert np.allclose(grounded.root_pos, walk.root_pos, atol=1e-9)
    jump = load_clip("jump", boy)
    pos, quat = forward_kinematics_frames(boy, jump)
    low = lowest_points(boy, pos, quat)
    assert abs(low.min()) < 1e-9
    assert low.max() > 0.1  # airborne for part of the clip


def test_ground_offsets_interpolate_across_flight():
    h = np.array([0.02, 0.02, 0.3, 0.5, 0.3, 0.04, 0.04])
    off = ground_offsets(h, contact_height=0.05)
    assert off[[0, 1]] == pytest.approx([-0.02, -0.02])
    assert off[[5, 6]] == pytest.approx([-0.04, -0.04])
    assert off[2:5] == pytest.approx([-0.025, -0.03, -0.035])  # linear between the contacts


def test_batch_forward_kinematics_matches_the_per_frame_one(boy):
    clip = load_clip("kick", boy)
    pos, quat = forward_kinematics_frames(boy, clip)
    for f in (0, 20):
        p, q = forward_kinematics(boy, clip.root_pos[f], clip.root_quat[f], dict(zip(clip.joint_names, clip.joint_quats[f])))
        assert np.allclose(pos[f], p) and np.allclose(quat[f], q)


def test_unknown_source_leg_length_is_an_error(boy):
    clip = load_clip("walk", boy)
    clip.leg_length = None
    with pytest.raises(ValueError, match="source_leg_length"):
        retarget(clip, boy)
