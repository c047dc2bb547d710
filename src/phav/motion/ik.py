"""Analytic inverse kinematics for the project skeleton: two-bone limbs (arm, leg) and head look-at.

Conventions as :mod:`phav.body.skeleton`: every link frame sits at its joint, axes parallel to the
parent's at rest, limbs hang along ``-z``; elbows bend about ``-y`` and knees about ``+y``. All
positions are metres, quaternions ``(x, y, z, w)``.

A two-bone chain is a spherical root joint (shoulder, hip), an upper segment of length ``a`` along
``-z``, a hinge (elbow, knee) with axis ``h`` and bend angle ``theta`` in ``[0, max_bend]``, and a
lower segment of length ``b``. With bend ``theta`` the end lies at ``|p| = sqrt(a² + b² + 2ab cos
theta)`` from the root (law of cosines), so ``theta`` follows from the target distance; the root
rotation then turns the chain's plane so that the end reaches the target and the middle joint points
towards the *pole* direction.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from phav.body.skeleton import Skeleton
from phav.geometry import quat_from_axis_angle, quat_multiply, quat_normalize, quat_rotate

#: Targets closer than this to the reachable range count as reached, metres.
REACH_TOLERANCE = 1e-6
#: Head look-at limits: yaw and pitch of the neck, radians.
MAX_LOOK_YAW = math.radians(70.0)
MAX_LOOK_PITCH = math.radians(45.0)


@dataclasses.dataclass(frozen=True)
class IKResult:
    """A two-bone solution.

    Attributes:
        root_quat: ``(4,)`` local rotation of the root joint (shoulder or hip), xyzw.
        bend: hinge angle of the middle joint (elbow or knee), radians.
        reached: whether the target lies within the chain's reach (else the end stops at the
            nearest reachable distance along the target's direction).
        error: distance from the solved end to the target, metres (0 when reached, up to rounding).
    """

    root_quat: np.ndarray
    bend: float
    reached: bool
    error: float


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """Unit quaternion ``(4,)`` xyzw of a rotation matrix ``(3, 3)`` (Shepperd's method)."""
    m = np.asarray(m, dtype=np.float64)
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0.0:
        s = 2.0 * math.sqrt(1.0 + tr)
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s, (m[2, 1] - m[1, 2]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s, (m[0, 2] - m[2, 0]) / s]
    else:
        s = 2.0 * math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s, (m[1, 0] - m[0, 1]) / s]
    return quat_normalize(np.array(q))


def _frame(u: np.ndarray, hint: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Orthonormal columns ``[u, v, w]``: ``v`` the part of ``hint`` normal to ``u``."""
    v = hint - np.dot(hint, u) * u
    if np.linalg.norm(v) < 1e-9:
        v = fallback - np.dot(fallback, u) * u
        if np.linalg.norm(v) < 1e-9:
            v = np.cross(u, [1.0, 0.0, 0.0]) if abs(u[0]) < 0.9 else np.cross(u, [0.0, 1.0, 0.0])
    v = v / np.linalg.norm(v)
    return np.stack([u, v, np.cross(u, v)], axis=1)


def _chain(upper: float, lower: float, hinge_axis: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Checked segment lengths (metres) and the unit hinge axis of a two-bone chain."""
    a, b = float(upper), float(lower)
    if not (a > 0 and b > 0):
        raise ValueError(f"segment lengths must be positive, got {a}, {b}")
    axis = np.asarray(hinge_axis, dtype=np.float64)
    return a, b, axis / np.linalg.norm(axis)


def two_bone_ik(upper: float, lower: float, hinge_axis: np.ndarray, target: np.ndarray, pole: np.ndarray,
                max_bend: float = math.pi) -> IKResult:
    """Solve a two-bone chain in its parent's frame.

    Args:
        upper, lower: segment lengths ``a``, ``b`` (metres, > 0).
        hinge_axis: ``(3,)`` unit axis of the middle hinge in the upper segment's frame.
        target: ``(3,)`` wanted end position relative to the root joint, parent frame.
        pole: ``(3,)`` direction the middle joint should point to (parent frame).
        max_bend: largest hinge angle, radians (the joint limit).
    Raises:
        ValueError: a segment length is not positive.
    """
    a, b, axis = _chain(upper, lower, hinge_axis)
    target = np.asarray(target, dtype=np.float64)
    d = float(np.linalg.norm(target))
    d_max = a + b
    d_min = math.sqrt(max(a * a + b * b + 2 * a * b * math.cos(min(max_bend, math.pi)), 0.0))
    reached = d_min - REACH_TOLERANCE <= d <= d_max + REACH_TOLERANCE
    dc = min(max(d, d_min), d_max)
    cos_bend = (dc * dc - a * a - b * b) / (2 * a * b)
    bend = math.acos(min(1.0, max(-1.0, cos_bend)))
    down = np.array([0.0, 0.0, -1.0])
    elbow_local = a * down
    end_local = elbow_local + b * quat_rotate(quat_from_axis_angle(axis, bend), down)
    n_end = np.linalg.norm(end_local)
    direction = target / d if d > 1e-12 else down
    # a straight chain leaves the middle joint's side undefined: take the side it moves to as it
    # starts to bend (u x axis), so that a straight limb keeps the twist the pole gives it
    local = _frame(end_local / n_end, elbow_local, np.cross(end_local / n_end, axis))
    world = _frame(direction, np.asarray(pole, dtype=np.float64), np.cross(axis, direction))
    q = matrix_to_quat(world @ local.T)
    end = quat_rotate(q, end_local)
    return IKResult(q, bend, bool(reached), float(np.linalg.norm(end - target)))


@dataclasses.dataclass(frozen=True)
class IKBatch:
    """Two-bone solutions for ``N`` targets (:func:`two_bone_ik_many`); row ``i`` holds the
    fields of :class:`IKResult` for target ``i``.

    Attributes:
        root_quat: ``(N, 4)`` local rotations of the root joint, xyzw.
        bend: ``(N,)`` hinge angles of the middle joint, radians.
        reached: ``(N,)`` bool, whether each target lies within the chain's reach.
        error: ``(N,)`` distance from each solved end to its target, metres.
    """

    root_quat: np.ndarray
    bend: np.ndarray
    reached: np.ndarray
    error: np.ndarray


def _norms(v: np.ndarray) -> np.ndarray:
    """``(N,)`` lengths of the rows of ``v (N, 3)``, bit for bit ``np.linalg.norm`` of each row
    (which takes the dot product through BLAS, not the sum ``np.linalg.norm(v, axis=1)`` forms)."""
    return np.sqrt(np.vecdot(v, v))


def _frames_many(u: np.ndarray, hint: np.ndarray, fallback_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_frame` for rows ``u (N, 3)``, ``hint (N, 3)``: ``(N, 3, 3)`` frames and ``(N,)`` bool,
    false where ``hint`` is (nearly) parallel to ``u`` (:func:`_frame` would take its fallback;
    those rows of the frames are not valid). ``fallback_ok`` is passed through and-ed."""
    v = hint - np.vecdot(hint, u)[:, None] * u
    n = _norms(v)
    ok = fallback_ok & ~(n < 1e-9)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = v / n[:, None]
    return np.stack([u, v, np.cross(u, v)], axis=-1), ok


def matrix_to_quat_many(m: np.ndarray) -> np.ndarray:
    """:func:`matrix_to_quat` for rotation matrices ``(N, 3, 3)``: unit quaternions ``(N, 4)``,
    equal bit for bit to the one-matrix function on each."""
    m = np.asarray(m, dtype=np.float64)
    m00, m01, m02 = m[:, 0, 0], m[:, 0, 1], m[:, 0, 2]
    m10, m11, m12 = m[:, 1, 0], m[:, 1, 1], m[:, 1, 2]
    m20, m21, m22 = m[:, 2, 0], m[:, 2, 1], m[:, 2, 2]
    tr = m00 + m11 + m22
    with np.errstate(invalid="ignore", divide="ignore"):  # the branches not taken may be invalid
        s = 2.0 * np.sqrt(1.0 + tr)
        q_w = np.stack([(m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, 0.25 * s], axis=-1)
        s = 2.0 * np.sqrt(1.0 + m00 - m11 - m22)
        q_x = np.stack([0.25 * s, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s], axis=-1)
        s = 2.0 * np.sqrt(1.0 + m11 - m00 - m22)
        q_y = np.stack([(m01 + m10) / s, 0.25 * s, (m12 + m21) / s, (m02 - m20) / s], axis=-1)
        s = 2.0 * np.sqrt(1.0 + m22 - m00 - m11)
        q_z = np.stack([(m02 + m20) / s, (m12 + m21) / s, 0.25 * s, (m10 - m01) / s], axis=-1)
    by_w = tr > 0.0
    by_x = ~by_w & (m00 > m11) & (m00 > m22)
    by_y = ~by_w & ~by_x & (m11 > m22)
    q = np.where(by_w[:, None], q_w, np.where(by_x[:, None], q_x, np.where(by_y[:, None], q_y, q_z)))
    return quat_normalize(q)


def two_bone_ik_many(upper: float, lower: float, hinge_axis: np.ndarray, targets: np.ndarray, poles: np.ndarray,
                     max_bend: float = math.pi) -> IKBatch:
    """:func:`two_bone_ik` for ``N`` targets at once: ``targets (N, 3)`` and ``poles`` ``(N, 3)`` or
    ``(3,)``. Every row equals the one-target solution bit for bit (rows in its rare branches, a
    target at the root or a pole along the limb, are solved by it).

    Raises:
        ValueError: a segment length is not positive.
    """
    a, b, axis = _chain(upper, lower, hinge_axis)
    targets = np.asarray(targets, dtype=np.float64).reshape(-1, 3)
    poles = np.broadcast_to(np.asarray(poles, dtype=np.float64), targets.shape)
    d = _norms(targets)
    d_max = a + b
    d_min = math.sqrt(max(a * a + b * b + 2 * a * b * math.cos(min(max_bend, math.pi)), 0.0))
    reached = (d_min - REACH_TOLERANCE <= d) & (d <= d_max + REACH_TOLERANCE)
    dc = np.minimum(np.maximum(d, d_min), d_max)
    cos_bend = (dc * dc - a * a - b * b) / (2 * a * b)
    bend = np.array([math.acos(min(1.0, max(-1.0, c))) for c in cos_bend.tolist()], dtype=np.float64)
    down = np.array([0.0, 0.0, -1.0])
    elbow_local = a * down
    end_local = elbow_local + b * quat_rotate(quat_from_axis_angle(axis, bend), down)
    u = end_local / _norms(end_local)[:, None]
    local, ok = _frames_many(u, np.broadcast_to(elbow_local, u.shape), d > 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        direction = targets / d[:, None]
    world, ok = _frames_many(direction, poles, ok)
    q = matrix_to_quat_many(world @ np.swapaxes(local, -1, -2))
    offset = quat_rotate(q, end_local) - targets
    error = _norms(offset)
    for i in np.flatnonzero(~ok):  # the rare branches, one by one
        r = two_bone_ik(a, b, hinge_axis, targets[i], poles[i], max_bend)
        q[i], error[i] = r.root_quat, r.error
    return IKBatch(q, bend, reached, error)


def chain_end(upper: float, lower: float, hinge_axis: np.ndarray, root_quat: np.ndarray, bend: float) -> np.ndarray:
    """Forward kinematics of a two-bone chain: the end ``(3,)`` relative to the root joint."""
    down = np.array([0.0, 0.0, -1.0])
    q_mid = quat_multiply(root_quat, quat_from_axis_angle(np.asarray(hinge_axis, dtype=np.float64), bend))
    return quat_rotate(root_quat, upper * down) + quat_rotate(q_mid, lower * down)


def _limb(skeleton: Skeleton, upper: str, lower: str, end: str) -> tuple[np.ndarray, float, float, np.ndarray, float]:
    """A two-bone limb's root offset (metres, parent frame), upper and lower lengths (metres), hinge
    axis and largest bend (radians), from its links ``upper``, ``lower`` and ``end``."""
    lower_link = skeleton.link(lower)
    return (np.asarray(skeleton.link(upper).offset), -lower_link.offset[2], -skeleton.link(end).offset[2],
            lower_link.axis, lower_link.limits[1])


def _arm(skeleton: Skeleton, side: str) -> tuple[np.ndarray, float, float, np.ndarray, float]:
    return _limb(skeleton, f"{side}_upper_arm", f"{side}_forearm", f"{side}_hand")


def _leg(skeleton: Skeleton, side: str) -> tuple[np.ndarray, float, float, np.ndarray, float]:
    return _limb(skeleton, f"{side}_thigh", f"{side}_shin", f"{side}_foot")


def arm_ik(skeleton: Skeleton, side: str, hand: np.ndarray, pole: np.ndarray | None = None) -> IKResult:
    """Shoulder rotation and elbow bend putting the ``side`` wrist at ``hand`` (chest frame, metres,
    relative to the chest joint). Default pole: elbow backwards, down and out."""
    root, upper, lower, axis, max_bend = _arm(skeleton, side)
    out = 1.0 if side == "left" else -1.0
    pole = np.array([-0.4, 0.5 * out, -0.7]) if pole is None else pole
    return two_bone_ik(upper, lower, axis, np.asarray(hand, dtype=np.float64) - root, pole, max_bend=max_bend)


def leg_ik(skeleton: Skeleton, side: str, ankle: np.ndarray, pole: np.ndarray | None = None) -> IKResult:
    """Hip rotation and knee bend putting the ``side`` ankle at ``ankle`` (pelvis frame, metres,
    relative to the pelvis joint). Default pole: knee forwards."""
    root, upper, lower, axis, max_bend = _leg(skeleton, side)
    pole = np.array([1.0, 0.0, 0.0]) if pole is None else pole
    return two_bone_ik(upper, lower, axis, np.asarray(ankle, dtype=np.float64) - root, pole, max_bend=max_bend)


def arm_ik_many(skeleton: Skeleton, side: str, hands: np.ndarray, poles: np.ndarray) -> IKBatch:
    """:func:`arm_ik` for ``hands (N, 3)`` with ``poles (N, 3)`` at once (:func:`two_bone_ik_many`)."""
    root, upper, lower, axis, max_bend = _arm(skeleton, side)
    return two_bone_ik_many(upper, lower, axis, np.asarray(hands, dtype=np.float64) - root, poles, max_bend=max_bend)


def leg_ik_many(skeleton: Skeleton, side: str, ankles: np.ndarray, poles: np.ndarray) -> IKBatch:
    """:func:`leg_ik` for ``ankles (N, 3)`` with ``poles (N, 3)`` at once (:func:`two_bone_ik_many`)."""
    root, upper, lower, axis, max_bend = _leg(skeleton, side)
    return two_bone_ik_many(upper, lower, axis, np.asarray(ankles, dtype=np.float64) - root, poles, max_bend=max_bend)


def look_at(direction: np.ndarray) -> tuple[np.ndarray, bool]:
    """Neck rotation ``(4,)`` turning the face (+x) towards ``direction`` (chest frame), limited to
    :data:`MAX_LOOK_YAW` and :data:`MAX_LOOK_PITCH`; also whether the limits held (no clamping)."""
    d = np.asarray(direction, dtype=np.float64)
    yaw = math.atan2(d[1], d[0])
    pitch = -math.atan2(d[2], math.hypot(d[0], d[1]))
    ok = abs(yaw) <= MAX_LOOK_YAW and abs(pitch) <= MAX_LOOK_PITCH
    yaw = min(max(yaw, -MAX_LOOK_YAW), MAX_LOOK_YAW)
    pitch = min(max(pitch, -MAX_LOOK_PITCH), MAX_LOOK_PITCH)
    q = quat_multiply(quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), yaw),
                      quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), pitch))
    return quat_normalize(q), ok


def look_at_many(directions: np.ndarray) -> np.ndarray:
    """:func:`look_at`'s rotations ``(N, 4)`` for ``directions (N, 3)`` at once, bit for bit."""
    yaws, pitches = [], []
    for x, y, z in np.asarray(directions, dtype=np.float64).reshape(-1, 3).tolist():
        yaw = math.atan2(y, x)
        pitch = -math.atan2(z, math.hypot(x, y))
        yaws.append(min(max(yaw, -MAX_LOOK_YAW), MAX_LOOK_YAW))
        pitches.append(min(max(pitch, -MAX_LOOK_PITCH), MAX_LOOK_PITCH))
    q = quat_multiply(quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), np.array(yaws, dtype=np.float64)),
                      quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), np.array(pitches, dtype=np.float64)))
    return quat_normalize(q)
