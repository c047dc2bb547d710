"""Forward kinematics of the project skeleton from a clip pose (no simulation)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from phav.body.skeleton import Skeleton
from phav.geometry import quat_multiply, quat_normalize, quat_rotate


def forward_kinematics(skeleton: Skeleton, root_pos: np.ndarray, root_quat: np.ndarray,
                       joint_quats: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """World poses of every link frame for a pose.

    Args:
        root_pos: ``(3,)`` pelvis frame position, metres.
        root_quat: ``(4,)`` pelvis orientation, xyzw.
        joint_quats: local rotation (xyzw) per joint name; joints not given (e.g. the fixed
            wrists) are at rest.
    Returns:
        ``(L, 3)`` positions and ``(L, 4)`` xyzw orientations in :attr:`Skeleton.link_names` order.
    """
    names = skeleton.link_names
    L = len(names)
    pos = np.zeros((L, 3))
    quat = np.zeros((L, 4))
    pos[0] = np.asarray(root_pos, dtype=np.float64)
    quat[0] = quat_normalize(np.asarray(root_quat, dtype=np.float64))
    index = {n: i for i, n in enumerate(names)}
    for k, link in enumerate(skeleton.links[1:], start=1):
        p = index[link.parent]
        local = joint_quats.get(link.joint)
        local = np.array([0.0, 0.0, 0.0, 1.0]) if local is None else np.asarray(local, dtype=np.float64)
        pos[k] = pos[p] + quat_rotate(quat[p], np.asarray(link.offset, dtype=np.float64))
        quat[k] = quat_normalize(quat_multiply(quat[p], local))
    return pos, quat


def forward_kinematics_many(skeleton: Skeleton, root_pos: np.ndarray, root_quat: np.ndarray,
                            joint_quats: np.ndarray, joint_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`forward_kinematics` for ``T`` poses at once, equal to it bit for bit pose by pose.

    Args:
        root_pos: ``(T, 3)`` pelvis frame positions, metres.
        root_quat: ``(T, 4)`` pelvis orientations, xyzw.
        joint_quats: ``(T, J, 4)`` local rotations (xyzw) of the joints ``joint_names`` (``J``);
            joints not named are at rest.
    Returns:
        ``(T, L, 3)`` positions and ``(T, L, 4)`` xyzw orientations in :attr:`Skeleton.link_names` order.
    """
    root_pos = np.asarray(root_pos, dtype=np.float64)
    T, L = len(root_pos), len(skeleton.link_names)
    pos = np.zeros((T, L, 3))
    quat = np.zeros((T, L, 4))
    pos[:, 0] = root_pos
    quat[:, 0] = quat_normalize(np.asarray(root_quat, dtype=np.float64))
    index = {n: i for i, n in enumerate(skeleton.link_names)}
    column = {n: j for j, n in enumerate(joint_names)}
    rest = np.array([0.0, 0.0, 0.0, 1.0])
    for k, link in enumerate(skeleton.links[1:], start=1):
        p = index[link.parent]
        j = column.get(link.joint)
        local = rest if j is None else np.asarray(joint_quats[:, j], dtype=np.float64)
        pos[:, k] = pos[:, p] + quat_rotate(quat[:, p], np.asarray(link.offset, dtype=np.float64))
        quat[:, k] = quat_normalize(quat_multiply(quat[:, p], local))
    return pos, quat
