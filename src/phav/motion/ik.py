"""Analytic inverse kinematics for the project skeleton: two-bone limbs (arm, leg) and head look-at.

Conventions as :mod:`phav.body.skeleton`: every link frame sits at its joint, axes parallel to the
parent's at rest, limbs hang along ``-z``; elbows bend about ``-y`` and knees about ``+y``. All
positions are metres, quaternions ``(x, y, z, w)``.

A two-bone chain is a spherical root joint (shoulder, hip), an upper segment of length ``a`` along
``-z``, a hinge (elbow, knee) with axis ``h`` and bend angle ``theta`` in ``[0, max_bend]``, and a
lower segment of length ``b``. With bend ``theta`` the end lies at ``|p| = sqrt(a² + b² + 2ab cos
theta)`` from the root (law of cosines, for a hinge normal to the limb as the skeleton's are), so
``theta`` follows from the target distance; the root
rotation then turns the chain's plane so that the end reaches the target and the middle joint points
towards the *pole* direction.

Every solver takes ``N`` targets at once (``*_many``); the one-target functions call it with one row,
so there is one implementation of each and a row of a batch equals the one-target answer bit for bit.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from phav.body.skeleton import Skeleton
from phav.geometry import cross_rows, quat_from_axis_angle, quat_multiply, quat_normalize, quat_rotate, row_norms

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

    def row(self, i: int) -> IKResult:
        """Solution ``i`` as an :class:`IKResult` (Python ``float`` and ``bool`` fields)."""
        return IKResult(np.array(self.root_quat[i]), float(self.bend[i]), bool(self.reached[i]), float(self.error[i]))


def matrix_to_quat_many(m: np.ndarray) -> np.ndarray:
    """Unit quaternions ``(N, 4)`` xyzw of rotation matrices ``(N, 3, 3)`` (Shepperd's method: each
    row from the largest of the trace and the diagonal, so no division by a small number)."""
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


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """Unit quaternion ``(4,)`` xyzw of a rotation matrix ``(3, 3)`` (:func:`matrix_to_quat_many`)."""
    return matrix_to_quat_many(np.asarray(m, dtype=np.float64)[None])[0]


def _frames(u: np.ndarray, hint: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Orthonormal frames ``(N, 3, 3)``, columns ``[u, v, u x v]`` for unit rows ``u (N, 3)``:
    ``v`` the part of ``hint (N, 3)`` normal to ``u``; where ``hint`` is (nearly) parallel to ``u``,
    the part of ``fallback (N, 3)``; where that is too, ``u x x`` (``u x y`` when ``u`` is near x)."""
    v = hint - np.vecdot(hint, u)[:, None] * u
    weak = row_norms(v) < 1e-9
    if weak.any():
        uw, fw = u[weak], fallback[weak]
        w = fw - np.vecdot(fw, uw)[:, None] * uw
        weaker = row_norms(w) < 1e-9
        if weaker.any():
            ux = uw[weaker]
            w[weaker] = np.where(np.abs(ux[:, :1]) < 0.9, cross_rows(ux, [1.0, 0.0, 0.0]),
                                 cross_rows(ux, [0.0, 1.0, 0.0]))
        v[weak] = w
    v = v / row_norms(v)[:, None]
    return np.stack([u, v, cross_rows(u, v)], axis=-1)


def _chain(upper: float, lower: float, hinge_axis: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Checked segment lengths (metres) and the unit hinge axis of a two-bone chain."""
    a, b = float(upper), float(lower)
    if not (a > 0 and b > 0):
        raise ValueError(f"segment lengths must be positive, got {a}, {b}")
    axis = np.asarray(hinge_axis, dtype=np.float64)
    return a, b, axis / np.linalg.norm(axis)


def two_bone_ik_many(upper: float, lower: float, hinge_axis: np.ndarray, targets: np.ndarray, poles: np.ndarray,
                     max_bend: float = math.pi) -> IKBatch:
    """Solve a two-bone chain in its parent's frame for ``N`` targets at once.

    Args:
        upper, lower: segment lengths ``a``, ``b`` (metres, > 0).
        hinge_axis: ``(3,)`` unit axis of the middle hinge in the upper segment's frame.
        targets: ``(N, 3)`` wanted end positions relative to the root joint, parent frame.
        poles: ``(N, 3)`` or ``(3,)`` directions the middle joint should point to (parent frame).
        max_bend: largest hinge angle, radians (the joint limit).
    Raises:
        ValueError: a segment length is not positive.
    """
    a, b, axis = _chain(upper, lower, hinge_axis)
    targets = np.asarray(targets, dtype=np.float64).reshape(-1, 3)
    poles = np.broadcast_to(np.asarray(poles, dtype=np.float64), targets.shape)
    d = row_norms(targets)
    d_max = a + b
    d_min = math.sqrt(max(a * a + b * b + 2 * a * b * math.cos(min(max_bend, math.pi)), 0.0))
    reached = (d_min - REACH_TOLERANCE <= d) & (d <= d_max + REACH_TOLERANCE)
    dc = np.minimum(np.maximum(d, d_min), d_max)
    cos_bend = (dc * dc - a * a - b * b) / (2 * a * b)
    # math.acos, not np.arccos: numpy's differs in the last bit on some inputs (SIMD kernels)
    bend = np.array([math.acos(min(1.0, max(-1.0, c))) for c in cos_bend.tolist()], dtype=np.float64)
    down = np.array([0.0, 0.0, -1.0])
    elbow_local = a * down
    end_local = elbow_local + b * quat_rotate(quat_from_axis_angle(axis, bend), down)
    u = end_local / row_norms(end_local)[:, None]
    # a straight chain leaves the middle joint's side undefined: take the side it moves to as it
    # starts to bend (u x axis), so that a straight limb keeps the twist the pole gives it
    local = _frames(u, np.broadcast_to(elbow_local, u.shape), cross_rows(u, axis))
    with np.errstate(invalid="ignore", divide="ignore"):  # a target at the root points the chain down
        direction = np.where((d > 1e-12)[:, None], targets / d[:, None], down)
    world = _frames(direction, poles, cross_rows(axis, direction))
    q = matrix_to_quat_many(world @ np.swapaxes(local, -1, -2))
    error = row_norms(quat_rotate(q, end_local) - targets)
    return IKBatch(q, bend, reached, error)


def two_bone_ik(upper: float, lower: float, hinge_axis: np.ndarray, target: np.ndarray, pole: np.ndarray,
                max_bend: float = math.pi) -> IKResult:
    """:func:`two_bone_ik_many` for one ``target (3,)`` and ``pole (3,)``.

    Raises:
        ValueError: a segment length is not positive.
    """
    target = np.asarray(target, dtype=np.float64).reshape(1, 3)
    return two_bone_ik_many(upper, lower, hinge_axis, target, np.asarray(pole, dtype=np.float64), max_bend).row(0)


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


def elbow_pole(side: str) -> np.ndarray:
    """The default direction ``(3,)`` of the ``side`` elbow (chest frame): backwards, down and out."""
    out = 1.0 if side == "left" else -1.0
    return np.array([-0.4, 0.5 * out, -0.7])


#: The default direction of the knees (pelvis frame): forwards.
KNEE_POLE = (1.0, 0.0, 0.0)


def arm_ik_many(skeleton: Skeleton, side: str, hands: np.ndarray, poles: np.ndarray | None = None) -> IKBatch:
    """Shoulder rotations and elbow bends putting the ``side`` wrist at ``hands (N, 3)`` (chest frame,
    metres, relative to the chest joint), elbows towards ``poles`` ``(N, 3)`` or ``(3,)`` (default
    :func:`elbow_pole`); :func:`two_bone_ik_many`."""
    root, upper, lower, axis, max_bend = _limb(skeleton, f"{side}_upper_arm", f"{side}_forearm", f"{side}_hand")
    poles = elbow_pole(side) if poles is None else poles
    return two_bone_ik_many(upper, lower, axis, np.asarray(hands, dtype=np.float64) - root, poles, max_bend=max_bend)


def leg_ik_many(skeleton: Skeleton, side: str, ankles: np.ndarray, poles: np.ndarray | None = None) -> IKBatch:
    """Hip rotations and knee bends putting the ``side`` ankle at ``ankles (N, 3)`` (pelvis frame,
    metres, relative to the pelvis joint), knees towards ``poles`` ``(N, 3)`` or ``(3,)`` (default
    :data:`KNEE_POLE`); :func:`two_bone_ik_many`."""
    root, upper, lower, axis, max_bend = _limb(skeleton, f"{side}_thigh", f"{side}_shin", f"{side}_foot")
    poles = np.array(KNEE_POLE) if poles is None else poles
    return two_bone_ik_many(upper, lower, axis, np.asarray(ankles, dtype=np.float64) - root, poles, max_bend=max_bend)


def arm_ik(skeleton: Skeleton, side: str, hand: np.ndarray, pole: np.ndarray | None = None) -> IKResult:
    """:func:`arm_ik_many` for one wrist target ``hand (3,)`` and ``pole (3,)``."""
    return arm_ik_many(skeleton, side, np.asarray(hand, dtype=np.float64).reshape(1, 3), pole).row(0)


def leg_ik(skeleton: Skeleton, side: str, ankle: np.ndarray, pole: np.ndarray | None = None) -> IKResult:
    """:func:`leg_ik_many` for one ankle target ``ankle (3,)`` and ``pole (3,)``."""
    return leg_ik_many(skeleton, side, np.asarray(ankle, dtype=np.float64).reshape(1, 3), pole).row(0)


def neck_look_at_many(directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neck rotations ``(N, 4)`` turning the face (+x) towards ``directions (N, 3)`` (chest frame),
    limited to :data:`MAX_LOOK_YAW` and :data:`MAX_LOOK_PITCH`; also ``(N,)`` bool, whether the
    limits held (no clamping)."""
    rows = np.asarray(directions, dtype=np.float64).reshape(-1, 3).tolist()
    # math's atan2 and hypot, not numpy's: those differ in the last bit on some inputs (SIMD kernels)
    yaw = np.array([math.atan2(y, x) for x, y, _ in rows], dtype=np.float64)
    pitch = np.array([-math.atan2(z, math.hypot(x, y)) for x, y, z in rows], dtype=np.float64)
    ok = (np.abs(yaw) <= MAX_LOOK_YAW) & (np.abs(pitch) <= MAX_LOOK_PITCH)
    yaw = np.minimum(np.maximum(yaw, -MAX_LOOK_YAW), MAX_LOOK_YAW)
    pitch = np.minimum(np.maximum(pitch, -MAX_LOOK_PITCH), MAX_LOOK_PITCH)
    q = quat_multiply(quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), yaw),
                      quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), pitch))
    return quat_normalize(q), ok


def neck_look_at(direction: np.ndarray) -> tuple[np.ndarray, bool]:
    """:func:`neck_look_at_many` for one ``direction (3,)``: the rotation ``(4,)`` and whether the limits held."""
    q, ok = neck_look_at_many(np.asarray(direction, dtype=np.float64).reshape(1, 3))
    return q[0], bool(ok[0])
