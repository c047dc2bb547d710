"""Forward kinematics of the project skeleton from clip poses (no simulation).

Thin front ends of :func:`phav.body.kinematics.link_frames`, the one implementation: they take
poses as sampled from a clip (root orientations normalised here) and one pose or many.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from phav.body.kinematics import link_frames
from phav.body.skeleton import Skeleton
from phav.geometry import quat_normalize


def forward_kinematics(skeleton: Skeleton, root_pos: np.ndarray, root_quat: np.ndarray,
                       joint_quats: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """World poses of every link frame for a pose.

    Args:
        root_pos: ``(3,)`` pelvis frame position, metres.
        root_quat: ``(4,)`` pelvis orientation, xyzw (normalised here).
        joint_quats: local rotation (xyzw) per joint name; joints not given (e.g. the fixed
            wrists) are at rest: their links get the parent link's quaternion exactly, as
            :func:`phav.body.kinematics.link_frames` says.
    Returns:
        ``(L, 3)`` positions and ``(L, 4)`` xyzw orientations in :attr:`Skeleton.link_names` order.
    """
    names = list(joint_quats)
    local = np.asarray([joint_quats[n] for n in names], dtype=np.float64).reshape(1, len(names), 4)
    pos, quat = forward_kinematics_many(skeleton, np.asarray(root_pos, dtype=np.float64)[None],
                                        np.asarray(root_quat, dtype=np.float64)[None], local, names)
    return pos[0], quat[0]


def forward_kinematics_many(skeleton: Skeleton, root_pos: np.ndarray, root_quat: np.ndarray,
                            joint_quats: np.ndarray, joint_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`forward_kinematics` for ``T`` poses at once, equal to it bit for bit pose by pose.

    Args:
        root_pos: ``(T, 3)`` pelvis frame positions, metres.
        root_quat: ``(T, 4)`` pelvis orientations, xyzw (normalised here).
        joint_quats: ``(T, J, 4)`` local rotations (xyzw) of the joints ``joint_names`` (``J``);
            joints not named are at rest: their links get the parent link's quaternion exactly.
    Returns:
        ``(T, L, 3)`` positions and ``(T, L, 4)`` xyzw orientations in :attr:`Skeleton.link_names` order.
    """
    return link_frames(skeleton, root_pos, quat_normalize(np.asarray(root_quat, dtype=np.float64)),
                       joint_quats, joint_names)
