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
