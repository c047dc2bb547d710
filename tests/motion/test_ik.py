"""Analytic two-bone IK: reachable targets are reached within 1 mm, unreachable ones reported."""

import math

import numpy as np
import pytest

from phav.body.skeleton import default_skeleton
from phav.motion.ik import (arm_ik, arm_ik_many, chain_end, leg_ik, leg_ik_many, look_at, look_at_many,
                           matrix_to_quat, matrix_to_quat_many, two_bone_ik, two_bone_ik_many)
from phav.geometry import quat_rotate, quat_to_matrix
from phav.physics.kinematics import forward_kinematics


def test_reachable_targets_are_reached_within_a_millimetre():
    rng = np.random.default_rng(3)
    a, b, axis = 0.3, 0.25, np.array([0.0, -1.0, 0.0])
    for _ in range(500):
        d = rng.normal(size=3)
        target = d / np.linalg.norm(d) * rng.uniform(0.1, 0.549)
        r = two_bone_ik(a, b, axis, target, rng.normal(size=3), max_bend=2.9)
        assert r.reached
        assert np.linalg.norm(chain_end(a, b, axis, r.root_quat, r.bend) - target) < 1e-3
        assert 0.0 <= r.bend <= 2.9


def test_unreachable_targets_are_reported_and_approached():
    r = two_bone_ik(0.3, 0.25, [0, -1, 0], [0.0, 0.0, -1.0], [1, 0, 0])
    assert not r.reached
    assert r.error == pytest.approx(1.0 - 0.55, abs=1e-9)
    end = chain_end(0.3, 0.25, [0, -1, 0], r.root_quat, r.bend)
    assert np.allclose(end, [0, 0, -0.55], atol=1e-9)  # straight towards the target
    too_close = two_bone_ik(0.3, 0.25, [0, -1, 0], [0.0, 0.0, -0.01], [1, 0, 0], max_bend=2.0)
    assert not too_close.reached


def test_middle_joint_points_to_the_pole():
    r = two_bone_ik(0.3, 0.3, [0, 1, 0], [0.0, 0.0, -0.4], [1.0, 0.0, 0.0])
    knee = quat_rotate(r.root_quat, [0.0, 0.0, -0.3])
    assert knee[0] > 0.1  # the knee comes forward, towards the pole


def test_arm_and_leg_ik_on_the_skeleton_match_forward_kinematics():
    sk = default_skeleton(1.2, 25.0)  # a child
    hand_target = np.array([0.25, -0.2, 0.25])  # chest frame
    ankle_target = np.array([0.1, -0.1, -0.45])  # pelvis frame
    arm = arm_ik(sk, "right", hand_target)
    leg = leg_ik(sk, "right", ankle_target)
    assert arm.reached and leg.reached
    joints = {"right_shoulder": arm.root_quat, "right_hip": leg.root_quat,
              "right_elbow": np.r_[np.array(sk.link("right_forearm").axis) * math.sin(arm.bend / 2), math.cos(arm.bend / 2)],
              "right_knee": np.r_[np.array(sk.link("right_shin").axis) * math.sin(leg.bend / 2), math.cos(leg.bend / 2)]}
    pos, _ = forward_kinematics(sk, np.zeros(3), np.array([0, 0, 0, 1.0]), joints)
    names = sk.link_names
    chest = pos[names.index("chest")]
    assert np.linalg.norm(pos[names.index("right_hand")] - chest - hand_target) < 1e-3
    assert np.linalg.norm(pos[names.index("right_foot")] - ankle_target) < 1e-3


def test_look_at_turns_the_face_and_clamps():
    q, ok = look_at(np.array([1.0, 1.0, 0.0]))
    assert ok and np.allclose(quat_rotate(q, [1.0, 0, 0]), [math.sqrt(0.5), math.sqrt(0.5), 0], atol=1e-9)
    q, ok = look_at(np.array([-1.0, 0.01, 0.0]))
    assert not ok  # behind the head: clamped to the yaw limit


def test_matrix_to_quat_round_trip():
    rng = np.random.default_rng(0)
    for _ in range(100):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        back = matrix_to_quat(quat_to_matrix(q))
        assert min(np.abs(back - q).max(), np.abs(back + q).max()) < 1e-9


def test_a_straight_chain_keeps_the_twist_the_pole_gives():
    """Out of reach the chain is straight; the middle joint's bending side still faces the pole
    (no half turn about the limb), as it does for a target just within reach."""
    axis = np.array([0.0, 1.0, 0.0])  # a knee: bends the lower segment backwards, the knee forwards
    straight = two_bone_ik(0.4, 0.4, axis, [0.0, 0.0, -1.0], [1.0, 0.0, 0.0])
    bent = two_bone_ik(0.4, 0.4, axis, [0.0, 0.0, -0.79], [1.0, 0.0, 0.0])
    assert not straight.reached and bent.reached
    assert np.degrees(2 * math.acos(min(1.0, abs(np.dot(straight.root_quat, bent.root_quat))))) < 10.0
    assert quat_rotate(straight.root_quat, [1.0, 0.0, 0.0])[0] > 0.99  # the thigh's front faces +x


def _same_rows(batch, singles):
    """The batched solutions equal the one-target ones bit for bit."""
    for i, r in enumerate(singles):
        np.testing.assert_array_equal(batch.root_quat[i], r.root_quat)
        assert batch.bend[i] == r.bend and batch.reached[i] == r.reached and batch.error[i] == r.error, i


@pytest.mark.parametrize("max_bend", [math.pi, 2.6])
def test_batched_two_bone_ik_equals_the_one_target_solver_bit_for_bit(max_bend):
    rng = np.random.default_rng(5)
    targets = rng.normal(size=(400, 3)) * rng.uniform(0.0, 1.0, size=(400, 1))  # reachable and not
    poles = rng.normal(size=(400, 3))
    targets[:5] = 0.0  # at the root: the fallback direction
    poles[5:10] = 2.0 * targets[5:10]  # pole along the target: the fallback side
    axis = np.array([0.0, -1.0, 0.05])
    batch = two_bone_ik_many(0.3, 0.25, axis, targets, poles, max_bend)
    _same_rows(batch, [two_bone_ik(0.3, 0.25, axis, t, p, max_bend) for t, p in zip(targets, poles)])


def test_batched_limb_ik_and_look_at_equal_the_one_target_functions():
    sk = default_skeleton(1.6)
    rng = np.random.default_rng(6)
    targets = rng.normal(scale=0.4, size=(50, 3))
    poles = rng.normal(size=(50, 3))
    for side in ("right", "left"):
        _same_rows(arm_ik_many(sk, side, targets, poles), [arm_ik(sk, side, t, p) for t, p in zip(targets, poles)])
        _same_rows(leg_ik_many(sk, side, targets, poles), [leg_ik(sk, side, t, p) for t, p in zip(targets, poles)])
    np.testing.assert_array_equal(look_at_many(targets), [look_at(t)[0] for t in targets])
    q = rng.normal(size=(200, 4))
    matrices = quat_to_matrix(q / np.linalg.norm(q, axis=1, keepdims=True))
    np.testing.assert_array_equal(matrix_to_quat_many(matrices), [matrix_to_quat(m) for m in matrices])
