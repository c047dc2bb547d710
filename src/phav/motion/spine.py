"""The two-joint spine: splitting one trunk rotation over the abdomen (lumbar) and chest joints.

The project skeleton bends its trunk at two joints, ``abdomen`` (pelvis to abdomen) and ``chest``
(abdomen to chest). Sources with one trunk joint (DeepMimic's ``chest``, key poses' ``chest``, old
``phav-clip`` files) give the whole pelvis-to-chest rotation ``q``; :func:`split_spine` shares it:

- the abdomen takes the half rotation ``q^(1/2)`` (the rotation about the same axis by half the
  angle, rotation vector ``r / 2``), each rotation-vector component clamped to the lumbar limits
  (:data:`phav.body.skeleton.LUMBAR_LIMITS`: the lumbar spine twists only 10 degrees each way),
- the chest takes the rest, ``q_chest = q_abdomen^-1 q``,

so ``q_abdomen q_chest = q`` exactly: the chest frame ends where the single joint put it (up to the
abdomen joint's place on the spine) and the total bend of the spine is unchanged. Within the limits
both halves are ``q^(1/2)``.
"""

from __future__ import annotations

import numpy as np

from phav.body.skeleton import LUMBAR_LIMITS, Skeleton
from phav.geometry import quat_conjugate, quat_multiply, quat_normalize, quat_rotate
from phav.motion.rotations import quat_from_rotvec, quat_to_rotvec


def split_spine(q: np.ndarray, limits: tuple[tuple[float, float], ...] = LUMBAR_LIMITS
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(q_abdomen, q_chest)``, each ``(..., 4)`` xyzw, with ``q_abdomen q_chest = q``.

    Args:
        q: ``(..., 4)`` pelvis-to-chest rotations (xyzw).
        limits: ``((lo, hi),) * 3`` bounds of the abdomen's rotation vector (x, y, z), radians.
    """
    q = quat_normalize(np.asarray(q, dtype=np.float64))
    q = np.where(q[..., 3:4] < 0.0, -q, q)  # the shorter way round: angle <= pi
    half = 0.5 * quat_to_rotvec(q)
    lo = np.array([b[0] for b in limits])
    hi = np.array([b[1] for b in limits])
    qa = quat_from_rotvec(np.clip(half, lo, hi))
    qc = quat_normalize(quat_multiply(quat_conjugate(qa), q))
    return qa, qc


def split_spine_rotvec(rotvec, limits: tuple[tuple[float, float], ...] = LUMBAR_LIMITS
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`split_spine` of the rotation given by a rotation vector ``(..., 3)`` in radians."""
    return split_spine(quat_from_rotvec(np.asarray(rotvec, dtype=np.float64)), limits)


def with_abdomen(joint_names: list[str], joint_quats: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Joint tracks with an ``abdomen`` track: unchanged when there is one (or no ``chest``),
    else the ``chest`` track ``(F, 4)`` split by :func:`split_spine` and the abdomen's inserted
    just before the chest's. ``joint_quats``: ``(F, J, 4)``."""
    names = list(joint_names)
    if "abdomen" in names or "chest" not in names:
        return names, joint_quats
    k = names.index("chest")
    qa, qc = split_spine(joint_quats[:, k])
    out = np.concatenate([joint_quats[:, :k], qa[:, None], qc[:, None], joint_quats[:, k + 1:]], axis=1)
    return names[:k] + ["abdomen"] + names[k:], out


def chest_frame(skeleton: Skeleton, spine: np.ndarray | tuple[float, float, float] = (0.0, 0.0, 0.0)
                ) -> tuple[np.ndarray, np.ndarray]:
    """Where the chest frame is in the pelvis frame when the spine bends by ``spine``.

    Args:
        spine: ``(3,)`` rotation vector of the whole spine (pelvis to chest), radians, split by
            :func:`split_spine_rotvec`.
    Returns:
        ``(position (3,), quaternion (4,))``: the chest joint's position (metres) and the chest
        frame's orientation (``= quat_from_rotvec(spine)``), both in the pelvis frame.
    """
    qa, qc = split_spine_rotvec(spine)
    abdomen = np.asarray(skeleton.link("abdomen").offset, dtype=np.float64)
    chest = np.asarray(skeleton.link("chest").offset, dtype=np.float64)
    return abdomen + quat_rotate(qa, chest), quat_normalize(quat_multiply(qa, qc))
