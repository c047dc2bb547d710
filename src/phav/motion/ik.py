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
    a, b = float(upper), float(lower)
    if not (a > 0 and b > 0):
        raise ValueError(f"segment lengths must be positive, got {a}, {b}")
    axis = np.asarray(hinge_axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
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


def chain_end(upper: float, lower: float, hinge_axis: np.ndarray, root_quat: np.ndarray, bend: float) -> np.ndarray:
    """Forward kinematics of a two-bone chain: the end ``(3,)`` relative to the root joint."""
    down = np.array([0.0, 0.0, -1.0])
    q_mid = quat_multiply(root_quat, quat_from_axis_angle(np.asarray(hinge_axis, dtype=np.float64), bend))
    return quat_rotate(root_quat, upper * down) + quat_rotate(q_mid, lower * down)


def arm_ik(skeleton: Skeleton, side: str, hand: np.ndarray, pole: np.ndarray | None = None) -> IKResult:
    """Shoulder rotation and elbow bend putting the ``side`` wrist at ``hand`` (chest frame, metres,
    relative to the chest joint). Default pole: elbow backwards, down and out."""
    arm = skeleton.link(f"{side}_upper_arm")
    fore = skeleton.link(f"{side}_forearm")
    out = 1.0 if side == "left" else -1.0
    pole = np.array([-0.4, 0.5 * out, -0.7]) if pole is None else pole
    target = np.asarray(hand, dtype=np.float64) - np.asarray(arm.offset)
    return two_bone_ik(-fore.offset[2], -skeleton.link(f"{side}_hand").offset[2], fore.axis, target, pole,
                       max_bend=fore.limits[1])


def leg_ik(skeleton: Skeleton, side: str, ankle: np.ndarray, pole: np.ndarray | None = None) -> IKResult:
    """Hip rotation and knee bend putting the ``side`` ankle at ``ankle`` (pelvis frame, metres,
    relative to the pelvis joint). Default pole: knee forwards."""
    thigh = skeleton.link(f"{side}_thigh")
    shin = skeleton.link(f"{side}_shin")
    pole = np.array([1.0, 0.0, 0.0]) if pole is None else pole
    target = np.asarray(ankle, dtype=np.float64) - np.asarray(thigh.offset)
    return two_bone_ik(-shin.offset[2], -skeleton.link(f"{side}_foot").offset[2], shin.axis, target, pole,
                       max_bend=shin.limits[1])


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
