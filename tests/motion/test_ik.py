"""Analytic two-bone IK: reachable targets are reached within 1 mm, unreachable ones reported."""

import math

import numpy as np
import pytest

from phav.body.skeleton import default_skeleton
from phav.motion.ik import (KNEE_POLE, MAX_LOOK_PITCH, MAX_LOOK_YAW, arm_ik, arm_ik_many, chain_end, elbow_pole,
                           leg_ik, leg_ik_many, matrix_to_quat, matrix_to_quat_many, neck_look_at, neck_look_at_many,
                           two_bone_ik, two_bone_ik_many)
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
    q, ok = neck_look_at(np.array([1.0, 1.0, 0.0]))
    assert ok and np.allclose(quat_rotate(q, [1.0, 0, 0]), [math.sqrt(0.5), math.sqrt(0.5), 0], atol=1e-9)
    q, ok = neck_look_at(np.array([-1.0, 0.01, 0.0]))
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
    """The batched solutions equal the one-target ones bit for bit (and the one-target fields are
    plain Python numbers)."""
    for i, r in enumerate(singles):
        np.testing.assert_array_equal(batch.root_quat[i], r.root_quat)
        assert batch.bend[i] == r.bend and batch.reached[i] == r.reached and batch.error[i] == r.error, i
        assert type(r.bend) is float and type(r.reached) is bool and type(r.error) is float


@pytest.mark.parametrize("max_bend", [math.pi, 2.6])
@pytest.mark.parametrize("axis", [(0.0, -1.0, 0.0), (0.0, 1.0, 0.0)])  # an elbow, a knee
def test_batched_two_bone_ik_rows_are_the_one_target_solutions_and_the_analytic_ones(max_bend, axis):
    """Every row, the rare branches included (a target at the root, a pole along the limb, a
    straight chain), is the one-target solution bit for bit, and both are the law-of-cosines bend
    with the end on the target (or as near as the chain reaches, along the target's direction)."""
    rng = np.random.default_rng(5)
    a, b = 0.3, 0.25
    targets = rng.normal(size=(400, 3)) * rng.uniform(0.0, 1.0, size=(400, 1))  # reachable and not
    poles = rng.normal(size=(400, 3))
    targets[:5] = 0.0  # at the root: the chain points down
    poles[5:10] = 2.0 * targets[5:10]  # pole along the target: the side comes from the hinge axis
    axis = np.array(axis)
    targets[10:15] = np.outer([0.1, 0.2, 0.3, 0.4, 0.5], axis)  # along the hinge axis, and so is the pole:
    poles[10:15] = targets[10:15]  # neither names a side (the last fallback)
    batch = two_bone_ik_many(a, b, axis, targets, poles, max_bend)
    _same_rows(batch, [two_bone_ik(a, b, axis, t, p, max_bend) for t, p in zip(targets, poles)])
    d = np.linalg.norm(targets, axis=1)
    d_min = math.sqrt(a * a + b * b + 2 * a * b * math.cos(max_bend))
    np.testing.assert_array_equal(batch.reached, (d >= d_min - 1e-6) & (d <= a + b + 1e-6))
    reach = np.clip(d, d_min, a + b)
    np.testing.assert_allclose(batch.bend, np.arccos(np.clip((reach ** 2 - a * a - b * b) / (2 * a * b), -1, 1)),
                               atol=1e-7)  # law of cosines (acos is steep at the straight chain)
    direction = np.where(d[:, None] > 0, targets / np.where(d > 0, d, 1.0)[:, None], [0.0, 0.0, -1.0])
    ends = np.array([chain_end(a, b, axis, q, t) for q, t in zip(batch.root_quat, batch.bend)])
    np.testing.assert_allclose(ends, reach[:, None] * direction, atol=1e-9)
    np.testing.assert_allclose(batch.error, np.linalg.norm(ends - targets, axis=1), atol=1e-9)


def test_a_hinge_not_normal_to_the_limb_still_gives_the_one_target_rows():
    rng = np.random.default_rng(4)
    targets = rng.normal(size=(100, 3)) * rng.uniform(0.0, 1.0, size=(100, 1))
    targets[:3] = 0.0
    poles = rng.normal(size=(100, 3))
    axis = np.array([0.0, -1.0, 0.05])
    batch = two_bone_ik_many(0.3, 0.25, axis, targets, poles, 2.6)
    _same_rows(batch, [two_bone_ik(0.3, 0.25, axis, t, p, 2.6) for t, p in zip(targets, poles)])


def test_the_middle_joint_turns_to_the_pole_or_to_the_hinge_side_without_one():
    """The middle joint lies on the pole's side of the target line; a pole along that line leaves
    the side to the hinge, as if the pole were ``axis x target``."""
    rng = np.random.default_rng(7)
    a, b, axis = 0.3, 0.25, np.array([0.0, -1.0, 0.0])
    targets = rng.normal(size=(200, 3))
    targets *= rng.uniform(0.1, 0.5, size=(200, 1)) / np.linalg.norm(targets, axis=1, keepdims=True)
    poles = rng.normal(size=(200, 3))
    batch = two_bone_ik_many(a, b, axis, targets, poles)
    u = targets / np.linalg.norm(targets, axis=1, keepdims=True)
    middle = quat_rotate(batch.root_quat, [0.0, 0.0, -a])
    side = middle - np.sum(middle * u, axis=1, keepdims=True) * u
    pole_side = poles - np.sum(poles * u, axis=1, keepdims=True) * u
    assert np.all(np.sum(side * pole_side, axis=1) > 0)
    along = two_bone_ik_many(a, b, axis, targets, 3.0 * targets)
    as_axis = two_bone_ik_many(a, b, axis, targets, np.cross(axis, u))
    np.testing.assert_allclose(along.root_quat, as_axis.root_quat, atol=1e-12)


def test_batched_limb_ik_rows_are_the_one_target_functions_with_their_default_poles():
    sk = default_skeleton(1.6)
    rng = np.random.default_rng(6)
    targets = rng.normal(scale=0.4, size=(50, 3))
    poles = rng.normal(size=(50, 3))
    for side in ("right", "left"):
        _same_rows(arm_ik_many(sk, side, targets, poles), [arm_ik(sk, side, t, p) for t, p in zip(targets, poles)])
        _same_rows(leg_ik_many(sk, side, targets, poles), [leg_ik(sk, side, t, p) for t, p in zip(targets, poles)])
        _same_rows(arm_ik_many(sk, side, targets), [arm_ik(sk, side, t) for t in targets])
        _same_rows(leg_ik_many(sk, side, targets), [leg_ik(sk, side, t) for t in targets])
        _same_rows(arm_ik_many(sk, side, targets), [arm_ik(sk, side, t, elbow_pole(side)) for t in targets])
        _same_rows(leg_ik_many(sk, side, targets), [leg_ik(sk, side, t, KNEE_POLE) for t in targets])
    # the default elbow points backwards and out, the default knee forwards
    arm, leg = arm_ik(sk, "left", [0.1, 0.3, -0.1]), leg_ik(sk, "left", [0.1, 0.1, -0.6])
    elbow, knee = quat_rotate(arm.root_quat, [0.0, 0.0, -1.0]), quat_rotate(leg.root_quat, [0.0, 0.0, -1.0])
    assert elbow[0] < 0 and elbow[1] > 0 and knee[0] > 0


def test_batched_look_at_rows_are_the_one_direction_ones_and_face_the_direction_within_the_limits():
    rng = np.random.default_rng(8)
    directions = rng.normal(size=(300, 3))
    quats, within = neck_look_at_many(directions)
    for d, q, ok in zip(directions, quats, within):
        q1, ok1 = neck_look_at(d)
        np.testing.assert_array_equal(q1, q)
        assert ok1 is bool(ok)
    face = quat_rotate(quats, [1.0, 0.0, 0.0])
    unit = directions / np.linalg.norm(directions, axis=1, keepdims=True)
    yaw, pitch = np.arctan2(unit[:, 1], unit[:, 0]), np.arcsin(unit[:, 2])
    np.testing.assert_array_equal(within, (np.abs(yaw) <= MAX_LOOK_YAW) & (np.abs(pitch) <= MAX_LOOK_PITCH))
    assert within.any() and not within.all()
    np.testing.assert_allclose(face[within], unit[within], atol=1e-12)
    clamped = np.clip(yaw, -MAX_LOOK_YAW, MAX_LOOK_YAW), np.clip(pitch, -MAX_LOOK_PITCH, MAX_LOOK_PITCH)
    np.testing.assert_allclose(np.arctan2(face[:, 1], face[:, 0]), clamped[0], atol=1e-12)
    np.testing.assert_allclose(np.arcsin(np.clip(face[:, 2], -1, 1)), clamped[1], atol=1e-9)


def test_batched_matrix_to_quat_rows_are_the_one_matrix_ones_and_invert_quat_to_matrix():
    rng = np.random.default_rng(9)
    q = rng.normal(size=(200, 4))
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    q[:4] = [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]]  # each of the four branches
    matrices = quat_to_matrix(q)
    batch = matrix_to_quat_many(matrices)
    np.testing.assert_array_equal(batch, [matrix_to_quat(m) for m in matrices])
    np.testing.assert_allclose(batch, np.where(q[:, 3:] < 0, -q, q), atol=1e-12)  # w >= 0
