"""Import DeepMimic humanoid clips shipped in ``pybullet_data/data/motions/humanoid3d_<name>.txt``.

DeepMimic's file is JSON with ``"Loop"`` (``"wrap"`` or ``"none"``) and ``"Frames"``; each frame is
``[duration, root pos xyz (3), root rot wxyz (4), chest (4), neck (4), right_hip (4), right_knee (1),
right_ankle (4), right_shoulder (4), right_elbow (1), left_hip (4), left_knee (1), left_ankle (4),
left_shoulder (4), left_elbow (1)]`` (44 numbers), quaternions ``w`` first, hinge angles in radians
about DeepMimic's +z. DeepMimic's world is Y up, the character faces +x with its right side at +z.

This border converts to phav's conventions: quaternions to ``(x, y, z, w)``; the frame change
``C`` = rotation about +X by +90 degrees (y -> z, z -> -y): positions ``p' = C p``, root
orientations and local joint rotations ``C q C^-1`` (phav's link frames are DeepMimic's rotated by
``C``); hinge angles become rotations about ``C z = -y``. Root positions are scaled by the ratio of
the target skeleton's leg length to DeepMimic's. Clips whose frame durations vary (``roll``) are
resampled to a uniform rate: the shortest duration's, adjusted so the last frame keeps its time. DeepMimic's ``wrap`` loops by translation only
(its clips' first and last root headings differ by a few degrees of pelvis sway), so the clip's
``cycle_turn`` is 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from phav.body.skeleton import ACTUATED_JOINTS, DEEPMIMIC_LEG_LENGTH, Skeleton, default_skeleton
from phav.geometry import quat_conjugate, quat_multiply
from phav.motion.clip import Clip
from phav.motion.resample import resample_uniform

#: Joints in DeepMimic's frame layout: (name, number of values).
DEEPMIMIC_LAYOUT: tuple[tuple[str, int], ...] = (
    ("chest", 4), ("neck", 4),
    ("right_hip", 4), ("right_knee", 1), ("right_ankle", 4), ("right_shoulder", 4), ("right_elbow", 1),
    ("left_hip", 4), ("left_knee", 1), ("left_ankle", 4), ("left_shoulder", 4), ("left_elbow", 1),
)
FRAME_WIDTH = 1 + 3 + 4 + sum(n for _, n in DEEPMIMIC_LAYOUT)  # 44

#: The frame change C (DeepMimic -> phav) as an xyzw quaternion: +90 degrees about +X.
C_QUAT = np.array([math.sin(math.pi / 4), 0.0, 0.0, math.cos(math.pi / 4)])
_C_MATRIX = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def motions_dir() -> Path:
    """``pybullet_data``'s ``data/motions`` folder."""
    import pybullet_data

    return Path(pybullet_data.getDataPath()) / "data" / "motions"


def available_clips() -> list[str]:
    """Names of the DeepMimic humanoid clips found (e.g. ``walk``, ``run``, ``jump``)."""
    return sorted(p.stem[len("humanoid3d_"):] for p in motions_dir().glob("humanoid3d_*.txt"))


def wxyz_to_xyzw(q: np.ndarray) -> np.ndarray:
    """Reorder quaternions ``(..., 4)`` from ``w`` first to ``w`` last."""
    q = np.asarray(q, dtype=np.float64)
    return np.concatenate([q[..., 1:], q[..., :1]], axis=-1)


def xyzw_to_wxyz(q: np.ndarray) -> np.ndarray:
    """Reorder quaternions ``(..., 4)`` from ``w`` last to ``w`` first."""
    q = np.asarray(q, dtype=np.float64)
    return np.concatenate([q[..., 3:], q[..., :3]], axis=-1)


def convert_rotation(q_xyzw: np.ndarray) -> np.ndarray:
    """``C q C^-1`` for DeepMimic rotations already in xyzw order: ``(..., 4)``."""
    c = np.broadcast_to(C_QUAT, np.shape(q_xyzw))
    return quat_multiply(quat_multiply(c, q_xyzw), quat_conjugate(c))


def convert_position(p: np.ndarray) -> np.ndarray:
    """``C p`` for DeepMimic positions ``(..., 3)``."""
    return np.asarray(p, dtype=np.float64) @ _C_MATRIX.T


def _hinge(angle: np.ndarray) -> np.ndarray:
    """DeepMimic hinge angles (about its +z) as phav quaternions about ``C z = -y``: ``(F, 4)``."""
    half = 0.5 * angle
    zeros = np.zeros_like(half)
    return np.stack([zeros, -np.sin(half), zeros, np.cos(half)], axis=-1)


def parse_deepmimic(data: object, name: str, source: str, skeleton: Skeleton | None = None) -> Clip:
    """Convert DeepMimic JSON ``data`` (already parsed) to a :class:`Clip`.

    Raises:
        ValueError: malformed data; the message names ``source`` and the problem.
    """
    if not isinstance(data, dict) or "Frames" not in data:
        raise ValueError(f"{source}: not a DeepMimic motion file (no 'Frames')")
    try:
        frames = np.array(data["Frames"], dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{source}: 'Frames' is not a rectangular table of numbers ({exc})") from None
    if frames.ndim != 2 or frames.shape[1] != FRAME_WIDTH:
        raise ValueError(f"{source}: frames must have {FRAME_WIDTH} numbers each, got shape {frames.shape}")
    if len(frames) < 2:
        raise ValueError(f"{source}: needs at least 2 frames, has {len(frames)}")
    if not np.all(np.isfinite(frames)):
        raise ValueError(f"{source}: frames contain non-finite numbers")
    durations = frames[:-1, 0]
    if np.any(durations <= 0):
        raise ValueError(f"{source}: frame durations must be positive")
    dt = float(np.mean(durations))
    uniform = bool(np.max(np.abs(durations - dt)) <= 1e-3 * dt)
    loop_mode = data.get("Loop", "none")
    if loop_mode not in ("wrap", "none"):
        raise ValueError(f"{source}: unknown Loop mode {loop_mode!r} (expected 'wrap' or 'none')")

    skeleton = skeleton or default_skeleton()
    scale = skeleton.segments.leg_length / DEEPMIMIC_LEG_LENGTH
    root_pos = convert_position(frames[:, 1:4]) * scale
    root_quat = convert_rotation(wxyz_to_xyzw(frames[:, 4:8]))
    joints = []
    col = 8
    for joint, width in DEEPMIMIC_LAYOUT:
        if width == 4:
            q = wxyz_to_xyzw(frames[:, col:col + 4])
            norms = np.linalg.norm(q, axis=-1)
            if np.any(norms < 1e-6):
                raise ValueError(f"{source}: joint {joint} has a zero quaternion")
            joints.append(convert_rotation(q / norms[:, None]))
        else:
            joints.append(_hinge(frames[:, col]))
        col += width
    joint_quats = np.stack(joints, axis=1)
    names = [j for j, _ in DEEPMIMIC_LAYOUT]
    # DeepMimic's trunk has one joint (``chest``): the clip splits it over abdomen and chest
    clip = Clip(name=name, fps=1.0 / dt, root_pos=root_pos, root_quat=root_quat, joint_names=names,
                joint_quats=joint_quats, loop=loop_mode == "wrap", cycle_turn=0.0,
                leg_length=skeleton.segments.leg_length)
    assert tuple(clip.joint_names) == ACTUATED_JOINTS
    if uniform:
        return clip
    times = np.concatenate([[0.0], np.cumsum(durations)])
    return resample_uniform(clip, times, fps=1.0 / float(durations.min()))


def load_deepmimic(name: str, skeleton: Skeleton | None = None) -> Clip:
    """Load ``pybullet_data/data/motions/humanoid3d_<name>.txt`` as a phav :class:`Clip`.

    Args:
        name: clip name, e.g. ``"walk"`` (see :func:`available_clips`).
        skeleton: target skeleton for the root scale (default: :func:`default_skeleton`).
    Raises:
        ValueError: unknown name (lists the available clips) or a corrupt file (names the file).
    """
    path = motions_dir() / f"humanoid3d_{name}.txt"
    if not path.is_file():
        raise ValueError(f"unknown DeepMimic clip {name!r}; available: {', '.join(available_clips())}")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    return parse_deepmimic(data, f"deepmimic_{name}", str(path), skeleton)
