"""Forward kinematics of clip poses: many poses at once equal the one-pose function bit for bit."""

import numpy as np

from phav.body.skeleton import default_skeleton
from phav.motion.library import load_clip
from phav.physics.kinematics import forward_kinematics, forward_kinematics_many


def test_many_poses_equal_one_pose_at_a_time():
    sk = default_skeleton(1.6)
    clip = load_clip("walk", sk).placed((1.0, -2.0), 0.4)
    names = [j for j in clip.joint_names if j != "neck"]  # a joint without a track stays at rest
    cols = [clip.joint_names.index(j) for j in names]
    pose = clip.sample_many(np.linspace(0.0, 2.5, 40))
    pos, quat = forward_kinematics_many(sk, pose.root_pos, pose.root_quat, pose.joint_quats[:, cols], names)
    for t in range(40):
        p, q = forward_kinematics(sk, pose.root_pos[t], pose.root_quat[t], dict(zip(names, pose.joint_quats[t, cols])))
        np.testing.assert_array_equal(pos[t], p)
        np.testing.assert_array_equal(quat[t], q)


def test_links_of_joints_without_a_track_get_their_parents_quaternion_exactly():
    """The fixed wrists (and joints left out) carry no rotation: the hand's quaternion is the
    forearm's as computed, not that one times the identity renormalised (which moves the last bit)."""
    sk = default_skeleton(1.7)
    clip = load_clip("walk", sk)
    pose = clip.sample_many(np.linspace(0.0, clip.duration, 37))
    names = [j for j in clip.joint_names if j != "neck"]
    cols = [clip.joint_names.index(j) for j in names]
    _, quat = forward_kinematics_many(sk, pose.root_pos, pose.root_quat, pose.joint_quats[:, cols], names)
    i = sk.link_names.index
    for link, parent in (("left_hand", "left_forearm"), ("right_hand", "right_forearm"), ("head", "chest")):
        np.testing.assert_array_equal(quat[:, i(link)], quat[:, i(parent)])
    _, one = forward_kinematics(sk, pose.root_pos[5], pose.root_quat[5], dict(zip(names, pose.joint_quats[5, cols])))
    np.testing.assert_array_equal(one[i("right_hand")], one[i("right_forearm")])
