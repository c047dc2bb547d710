"""Forward kinematics of the project skeleton: world poses of every link frame for many poses at once.

The one implementation behind :func:`phav.physics.kinematics.forward_kinematics` (one pose),
:func:`phav.physics.kinematics.forward_kinematics_many` (sampled poses) and
:func:`phav.motion.retarget.forward_kinematics_frames` (every frame of a clip). Plain numpy, no
simulation; it lives in the body layer, on which both physics and motion build.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from phav.body.skeleton import Skeleton
from phav.geometry import quat_multiply, quat_normalize, quat_rotate


def link_frames(skeleton: Skeleton, root_pos: np.ndarray, root_quat: np.ndarray, joint_quats: np.ndarray,
                joint_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """World poses of every link frame for ``T`` poses.

    Each link's frame is its parent's moved by the link's offset (in the parent frame) and turned
    by its joint's local rotation: ``pos[k] = pos[p] + rotate(quat[p], offset)``,
    ``quat[k] = normalize(quat[p] * local)``. A joint not in ``joint_names`` (e.g. the fixed
    wrists) is at rest: its link's quaternion is its parent's, copied as is (not
    ``normalize(quat[p] * identity)``, which can differ from it in the last bit, about 1e-16).

    Args:
        root_pos: ``(T, 3) float64`` pelvis frame positions, metres.
        root_quat: ``(T, 4)`` pelvis orientations, xyzw, unit (used as given: callers with
            quaternions that may not be unit normalise them first).
        joint_quats: ``(T, J, 4)`` local rotations (xyzw) of the joints ``joint_names`` (``J``).
        joint_names: the joints of ``joint_quats``' columns.
    Returns:
        ``(T, L, 3)`` positions (metres) and ``(T, L, 4)`` xyzw orientations in
        :attr:`Skeleton.link_names` order, float64.
    """
    root_pos = np.asarray(root_pos, dtype=np.float64)
    joint_quats = np.asarray(joint_quats, dtype=np.float64)
    T, L = len(root_pos), len(skeleton.link_names)
    pos = np.zeros((T, L, 3))
    quat = np.zeros((T, L, 4))
    pos[:, 0] = root_pos
    quat[:, 0] = root_quat
    index = {n: i for i, n in enumerate(skeleton.link_names)}
    column = {n: j for j, n in enumerate(joint_names)}
    for k, link in enumerate(skeleton.links[1:], start=1):
        p = index[link.parent]
        pos[:, k] = pos[:, p] + quat_rotate(quat[:, p], np.asarray(link.offset, dtype=np.float64))
        j = column.get(link.joint)
        quat[:, k] = quat[:, p] if j is None else quat_normalize(quat_multiply(quat[:, p], joint_quats[:, j]))
    return pos, quat
