"""Muscle motor and root pin targets from a clip, in the form PyBullet's calls take them (lists).

A humanoid's muscles (:mod:`phav.physics.humanoid`) drive each actuated joint towards the clip's
local rotation with the clip's angular velocity as feed-forward: spherical joints take the
quaternion ``[x, y, z, w]`` and angular velocity ``[wx, wy, wz]`` (rad/s) as they are, hinges the
twist angle about their axis ``[angle]`` (rad) and the rate about it ``[rate]`` (rad/s). The root
pin follows the clip's root pose. :func:`target_chunk` computes the targets of many control steps
in one numpy batch; :func:`pose_targets` those of one clip pose (no batching, for teleports).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from phav.body.skeleton import Link
from phav.motion.clip import Clip, Pose


@dataclasses.dataclass
class TargetChunk:
    """Motor and pin targets for consecutive steps, ready for PyBullet (lists, not arrays).

    ``clip``: the clip they were sampled from. ``start``: grid index (``time_s / timestep``) of the
    first step, ``None`` for an off-grid one-step chunk. Per step ``i``:
    ``positions[i]``/``velocities[i]`` (per muscle joint: a quaternion and angular velocity, or
    ``[angle]`` and ``[rate]`` for hinges), ``quats[i] (M, 4)`` the target rotations,
    ``pin_pos[i]``/``pin_quat[i]`` the root pin's target (metres; xyzw).
    """

    clip: object
    start: int | None
    positions: list
    velocities: list
    quats: np.ndarray
    pin_pos: list
    pin_quat: list

    def __len__(self) -> int:
        return len(self.positions)


def hinge_angle(q: np.ndarray, axis: np.ndarray) -> float:
    """Angle (rad) of the twist of ``q`` (xyzw) about unit ``axis`` ``(3,)``."""
    return 2.0 * math.atan2(float(np.dot(q[:3], axis)), float(q[3]))


def pose_targets(pose: Pose, links: Sequence[Link],
                 columns: Sequence[int]) -> tuple[list[list[float]], list[list[float]]]:
    """Joint positions and velocities of one clip pose for the muscle joints of ``links``, whose
    tracks are the pose's joint columns ``columns`` (one per link)."""
    positions, velocities = [], []
    for link, col in zip(links, columns):
        q = pose.joint_quats[col]
        w = pose.joint_ang_vel[col]
        if link.joint_type == "spherical":
            positions.append(q.tolist())
            velocities.append(w.tolist())
        else:
            axis = np.asarray(link.axis)
            positions.append([hinge_angle(q, axis)])
            velocities.append([float(np.dot(w, axis))])
    return positions, velocities


def target_chunk(clip: Clip, links: Sequence[Link], columns: Sequence[int], motor_times: np.ndarray,
                 pin_times: np.ndarray, start: int | None) -> TargetChunk:
    """Targets for control steps whose motor targets are ``clip``'s pose at ``motor_times (n,)``
    seconds and whose pin targets are its root pose at ``pin_times (n,)``, sampled in one numpy
    batch; ``links`` and ``columns`` as in :func:`pose_targets`."""
    unique, inverse = np.unique(motor_times, return_inverse=True)  # strides repeat their target
    n = len(unique)
    pose = clip.sample_many(np.concatenate([unique, pin_times]))
    quats = pose.joint_quats[:n, columns]
    rates = pose.joint_ang_vel[:n, columns]
    pos_cols, vel_cols = [], []
    for m, link in enumerate(links):
        if link.joint_type == "spherical":
            pos_cols.append(quats[:, m].tolist())
            vel_cols.append(rates[:, m].tolist())
        else:
            axis = np.asarray(link.axis)
            angle = 2.0 * np.arctan2(quats[:, m, :3] @ axis, quats[:, m, 3])
            pos_cols.append(angle[:, None].tolist())
            vel_cols.append((rates[:, m] @ axis)[:, None].tolist())
    positions = [list(r) for r in zip(*pos_cols)]
    velocities = [list(r) for r in zip(*vel_cols)]
    return TargetChunk(
        clip=clip, start=start, positions=[positions[j] for j in inverse],
        velocities=[velocities[j] for j in inverse], quats=quats[inverse],
        pin_pos=pose.root_pos[n:].tolist(), pin_quat=pose.root_quat[n:].tolist())
