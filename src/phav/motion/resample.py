"""Resample clips recorded at irregular times onto a uniform frame rate."""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.motion.clip import Clip
from phav.motion.rotations import quat_slerp


def resample_uniform(clip: Clip, times: np.ndarray, fps: float) -> Clip:
    """Treat ``clip``'s frames as taken at ``times (F,)`` seconds (increasing, any spacing) and
    resample them uniformly at about ``fps`` Hz: ``N = round(T * fps) + 1`` frames over the same
    span ``T = times[-1] - times[0]`` (the rate becomes ``(N - 1) / T``, so first and last frames
    are kept exactly, as a loop needs). Positions are interpolated linearly, rotations by slerp.

    Raises:
        ValueError: ``times`` has the wrong length or does not increase strictly.
    """
    t = np.asarray(times, dtype=np.float64)
    if t.shape != (clip.num_frames,):
        raise ValueError(f"clip {clip.name!r}: times has shape {t.shape}, expected ({clip.num_frames},)")
    if np.any(np.diff(t) <= 0):
        raise ValueError(f"clip {clip.name!r}: frame times must increase strictly")
    span = float(t[-1] - t[0])
    n = max(2, int(round(span * fps)) + 1)
    u = t[0] + np.arange(n) * (span / (n - 1))
    i = np.clip(np.searchsorted(t, u, side="right") - 1, 0, clip.num_frames - 2)
    f = np.clip((u - t[i]) / (t[i + 1] - t[i]), 0.0, 1.0)
    pos = (1.0 - f)[:, None] * clip.root_pos[i] + f[:, None] * clip.root_pos[i + 1]
    quat = quat_slerp(clip.root_quat[i], clip.root_quat[i + 1], f)
    joints = quat_slerp(clip.joint_quats[i], clip.joint_quats[i + 1], f[:, None])
    return dataclasses.replace(clip, fps=(n - 1) / span, root_pos=pos, root_quat=quat, joint_quats=joints)
