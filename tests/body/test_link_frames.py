"""Forward kinematics (phav.body.kinematics): analytic oracles on the project skeleton."""

import numpy as np
import pytest

from phav.body.kinematics import link_frames
from phav.body.skeleton import default_skeleton
from phav.geometry import quat_from_axis_angle, quat_rotate

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])


@pytest.fixture(scope="module")
def sk():
    return default_skeleton(1.7)


def test_rest_pose_stacks_the_link_offsets(sk):
    root = np.array([[0.5, -1.0, 0.9], [0.0, 0.0, 1.0]])
    pos, quat = link_frames(sk, root, np.tile(IDENTITY, (2, 1)), np.zeros((2, 0, 4)), [])
    assert pos.shape == (2, len(sk.link_names), 3) and quat.shape == (2, len(sk.link_names), 4)
    for k, name in enumerate(sk.link_names):
        np.testing.assert_allclose(pos[:, k], root + sk.rest_offset(name), atol=1e-12)
    np.testing.assert_array_equal(quat, np.broadcast_to(IDENTITY, quat.shape))


def test_a_joint_turns_its_descendants_about_its_centre(sk):
    turn = quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), np.pi / 2)
    pos0, _ = link_frames(sk, np.zeros((1, 3)), IDENTITY[None], np.zeros((1, 0, 4)), [])
    pos, quat = link_frames(sk, np.zeros((1, 3)), IDENTITY[None], turn[None, None], ["right_shoulder"])
    i = sk.link_names.index
    centre = pos0[0, i("right_upper_arm")]
    for name in ("right_forearm", "right_hand"):  # rigidly carried around the shoulder's z axis
        np.testing.assert_allclose(pos[0, i(name)], centre + quat_rotate(turn, pos0[0, i(name)] - centre), atol=1e-12)
        np.testing.assert_allclose(quat[0, i(name)], turn, atol=1e-15)
    for name in ("left_hand", "head", "right_foot"):  # other branches stay put
        np.testing.assert_array_equal(pos[0, i(name)], pos0[0, i(name)])


def test_root_pose_moves_the_whole_body_rigidly(sk):
    q = quat_from_axis_angle(np.array([0.3, -0.2, 0.9]) / np.linalg.norm([0.3, -0.2, 0.9]), 1.1)
    t = np.array([2.0, -1.0, 0.95])
    pos0, _ = link_frames(sk, np.zeros((1, 3)), IDENTITY[None], np.zeros((1, 0, 4)), [])
    pos, _ = link_frames(sk, t[None], q[None], np.zeros((1, 0, 4)), [])
    np.testing.assert_allclose(pos[0], t + quat_rotate(np.broadcast_to(q, (len(pos0[0]), 4)), pos0[0]), atol=1e-12)


def test_joints_without_a_track_take_their_parents_orientation_exactly(sk):
    rng = np.random.default_rng(3)
    q = rng.normal(size=(5, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    local = rng.normal(size=(5, 1, 4))
    local /= np.linalg.norm(local, axis=2, keepdims=True)
    _, quat = link_frames(sk, np.zeros((5, 3)), q, local, ["right_elbow"])
    i = sk.link_names.index
    np.testing.assert_array_equal(quat[:, i("right_hand")], quat[:, i("right_forearm")])  # fixed wrist
    np.testing.assert_array_equal(quat[:, i("chest")], q)  # abdomen and chest joints at rest
