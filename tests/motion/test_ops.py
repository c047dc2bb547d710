import numpy as np
import pytest

from phav.body.skeleton import default_skeleton
from phav.geometry import quat_angle
from phav.motion.deepmimic import load_deepmimic
from phav.motion.ops import UPPER_BODY_JOINTS, blend, layer, loop, mirror, speed, time_warp


@pytest.fixture(scope="module")
def walk():
    return load_deepmimic("walk", default_skeleton())


@pytest.fixture(scope="module")
def punch():
    return load_deepmimic("punch", default_skeleton())


def test_mirror_twice_is_identity(walk):
    back = mirror(mirror(walk))
    np.testing.assert_allclose(back.root_pos, walk.root_pos, atol=1e-12)
    assert quat_angle(back.root_quat, walk.root_quat).max() < 1e-6  # arccos resolution
    assert quat_angle(back.joint_quats, walk.joint_quats).max() < 1e-6


def test_mirror_swaps_sides_and_reflects_lateral_motion(walk):
    m = mirror(walk)
    r, l = walk.joint_names.index("right_hip"), walk.joint_names.index("left_hip")
    expect = walk.joint_quats[:, l] * np.array([-1.0, 1.0, -1.0, 1.0])
    assert quat_angle(m.joint_quats[:, r], expect).max() < 1e-6
    dy = walk.root_pos[:, 1] - walk.root_pos[0, 1]
    np.testing.assert_allclose(m.root_pos[:, 1] - m.root_pos[0, 1], -dy, atol=1e-12)
    np.testing.assert_allclose(m.root_pos[:, [0, 2]], walk.root_pos[:, [0, 2]])


def test_blend_endpoints_and_midpoint(walk, punch):
    a = blend(walk, punch, 0.0)
    t = np.arange(a.num_frames) / a.fps
    _, _, jw = walk._poses_at(t)  # the looping walk's last sample is the next cycle's first pose
    assert quat_angle(a.joint_quats, jw).max() < 1e-6
    b = blend(walk, punch, 1.0)
    _, _, jp = punch._poses_at(t)
    assert quat_angle(b.joint_quats, jp).max() < 1e-6
    half = blend(walk, punch, 0.5)
    da = quat_angle(half.joint_quats, jw)
    db = quat_angle(half.joint_quats, jp)
    np.testing.assert_allclose(da, db, atol=1e-6)  # slerp midpoint is equidistant
    with pytest.raises(ValueError, match="weights"):
        blend(walk, punch, 1.5)


def test_layer_keeps_root_and_legs(walk, punch):
    out = layer(walk, punch)
    np.testing.assert_array_equal(out.root_pos, walk.root_pos)
    for j in walk.joint_names:
        k = walk.joint_names.index(j)
        changed = quat_angle(out.joint_quats[:, k], walk.joint_quats[:, k]).max()
        assert (changed > 0.05) if j in ("right_shoulder", "right_elbow") else True
        if j not in UPPER_BODY_JOINTS:
            assert changed == 0.0


def test_time_warp_and_speed(walk):
    slow = time_warp(walk, lambda t: 0.5 * t, 2 * walk.duration)
    assert slow.duration == pytest.approx(2 * walk.duration, abs=1 / walk.fps)
    np.testing.assert_allclose(slow.sample(1.0).root_pos, walk.sample(0.5).root_pos, atol=1e-9)
    fast = speed(walk, 2.0)
    np.testing.assert_allclose(fast.sample(0.25).root_pos, walk.sample(0.5).root_pos, atol=1e-9)
    with pytest.raises(ValueError, match="non-decreasing"):
        time_warp(walk, lambda t: -t, 1.0)


def test_loop_writes_out_cycles(walk):
    three = loop(walk, 3)
    assert not three.loop
    assert three.duration == pytest.approx(3 * walk.duration)
    np.testing.assert_allclose(three.sample(2.5 * walk.duration).root_pos, walk.sample(2.5 * walk.duration).root_pos,
                               atol=1e-9)
