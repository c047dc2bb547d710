"""Motor and pin targets from a clip (phav.physics.motor_targets), without a simulation."""

import numpy as np
import pytest

from phav.geometry import quat_from_axis_angle
from phav.physics.humanoid import PIN_LEAD_STEPS
from phav.physics.motor_targets import hinge_angle, pose_targets, target_chunk

DT = 1.0 / 240.0


@pytest.fixture(scope="module")
def muscles(skeleton, walk):
    links = [skeleton.link_by_joint(j) for j in skeleton.actuated_joints]
    return links, [walk.joint_names.index(j) for j in skeleton.actuated_joints]


def test_hinge_angle_is_the_twist_about_the_axis():
    axis = np.array([0.0, -1.0, 0.0])
    for angle in (-2.5, -0.3, 0.0, 0.7, 3.0):
        assert hinge_angle(quat_from_axis_angle(axis, angle), axis) == pytest.approx(angle, abs=1e-12)
    assert hinge_angle(quat_from_axis_angle(np.array([1.0, 0.0, 0.0]), 0.8), axis) == pytest.approx(0.0, abs=1e-15)


def test_pose_targets_pass_spherical_joints_and_reduce_hinges_to_their_axis(skeleton, walk, muscles):
    links, columns = muscles
    pose = walk.sample(0.37)
    positions, velocities = pose_targets(pose, links, columns)
    assert len(positions) == len(velocities) == len(links)
    for link, col, p, v in zip(links, columns, positions, velocities):
        if link.joint_type == "spherical":
            assert p == pose.joint_quats[col].tolist() and v == pose.joint_ang_vel[col].tolist()
        else:
            axis = np.asarray(link.axis)
            q = pose.joint_quats[col]
            assert p == pytest.approx([2.0 * np.arctan2(q[:3] @ axis, q[3])], abs=1e-15)
            assert v == pytest.approx([pose.joint_ang_vel[col] @ axis], abs=1e-15)


def test_batched_targets_equal_per_step_sampling(walk, muscles):
    """Many steps sampled at once equal sampling each step (past the loop's end too: 320 steps at
    240 Hz cross the 1.27 s cycle), with repeated motor times as strides give."""
    links, columns = muscles
    times = np.repeat((1 + np.arange(0, 320, 7)) * DT, 3)
    pin_times = (1 + np.arange(len(times)) + PIN_LEAD_STEPS) * DT
    chunk = target_chunk(walk, links, columns, times, pin_times, 0)
    assert len(chunk) == len(times) and chunk.start == 0 and chunk.clip is walk
    for i, t in enumerate(times):
        pose = walk.sample(t)
        positions, velocities = pose_targets(pose, links, columns)
        assert np.allclose(np.concatenate(chunk.positions[i]), np.concatenate(positions), atol=1e-12)
        assert np.allclose(np.concatenate(chunk.velocities[i]), np.concatenate(velocities), atol=1e-9)
        assert np.allclose(chunk.quats[i], pose.joint_quats[columns], atol=1e-12)
        pin = walk.sample(pin_times[i])
        assert np.allclose(chunk.pin_pos[i], pin.root_pos, atol=1e-12)
        assert np.allclose(chunk.pin_quat[i], pin.root_quat, atol=1e-12)
