"""Clip operations: blend, layer (upper body over locomotion), time-warp, mirror, loop.

Every operation returns a new :class:`~phav.motion.clip.Clip`; inputs are not changed. Rotations are
combined with slerp (never component-wise), so results stay unit quaternions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from phav.motion.clip import Clip
from phav.motion.rotations import quat_slerp

#: Joints of the upper body (driven by :func:`layer`'s top clip). The whole spine (abdomen and
#: chest) belongs to the upper body: a one-joint-trunk clip's ``chest`` is split over both, so
#: layering both keeps the top clip's trunk bend whole (the base keeps the pelvis and legs).
UPPER_BODY_JOINTS: tuple[str, ...] = ("abdomen", "chest", "neck", "right_shoulder", "right_elbow", "left_shoulder", "left_elbow")


def resample(clip: Clip, times: np.ndarray, fps: float, name: str | None = None) -> Clip:
    """The clip's poses at ``times (F,)`` seconds as a new clip at ``fps`` (loop flag dropped)."""
    pos, quat, joints = clip._poses_at(np.asarray(times, dtype=np.float64))
    return Clip(name or clip.name, fps, pos, quat, clip.joint_names, joints, loop=False, cycle_turn=None,
                leg_length=clip.leg_length)


def _common_times(a: Clip, b: Clip, duration: float | None) -> tuple[np.ndarray, float]:
    fps = a.fps
    d = a.duration if duration is None else float(duration)
    n = max(2, int(round(d * fps)) + 1)
    return np.arange(n) / fps, fps


def blend(a: Clip, b: Clip, weight: float | Sequence[float] | np.ndarray, *, duration: float | None = None,
          name: str | None = None) -> Clip:
    """``(1 - w) a + w b`` frame by frame (root positions linearly, rotations by slerp).

    Args:
        weight: a constant or per-frame weights ``(F,)`` in ``[0, 1]``: ``F = round(duration * a.fps) + 1``
            frames at ``a.fps`` (at least 2; ``a.num_frames`` for ``a``'s own duration).
        duration: length in seconds (default ``a``'s); ``b`` is sampled at the same times
            (looping if it loops).
    Raises:
        ValueError: the clips' joints differ, per-frame weights are not ``F`` long (the message
            gives ``F``), or a weight is outside ``[0, 1]``.
    """
    if a.joint_names != b.joint_names:
        raise ValueError(f"cannot blend {a.name!r} and {b.name!r}: joints differ ({a.joint_names} vs {b.joint_names})")
    t, fps = _common_times(a, b, duration)
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim > 1 or (w.ndim == 1 and w.shape != t.shape):
        got = f"{len(w)} values" if w.ndim == 1 else f"shape {w.shape}"
        raise ValueError(f"blend weight has {got}, but blending {a.name!r} and {b.name!r} gives {len(t)} frames "
                         f"({t[-1]:.2f} s at {fps:.4g} fps); give a constant or {len(t)} weights, one per frame")
    w = np.broadcast_to(w, t.shape)
    if np.any((w < 0) | (w > 1)):
        raise ValueError("blend weights must lie in [0, 1]")
    pa, qa, ja = a._poses_at(t)
    pb, qb, jb = b._poses_at(t)
    pos = (1 - w)[:, None] * pa + w[:, None] * pb
    return Clip(name or f"{a.name}+{b.name}", fps, pos, quat_slerp(qa, qb, w), a.joint_names,
                quat_slerp(ja, jb, w[:, None]), leg_length=a.leg_length if a.leg_length == b.leg_length else None)


def layer(base: Clip, top: Clip, joints: Sequence[str] = UPPER_BODY_JOINTS,
          weight: float | Sequence[float] | np.ndarray = 1.0, *, name: str | None = None) -> Clip:
    """``base`` with ``joints`` taken from ``top`` (blended by ``weight``); root motion stays ``base``'s.

    The result lasts as long as ``base``; ``top`` is sampled at the same times. ``weight``: a
    constant or per-frame weights ``(F,)`` (``base``'s frames) in ``[0, 1]``.
    """
    missing = [j for j in joints if j not in base.joint_names or j not in top.joint_names]
    if missing:
        raise ValueError(f"cannot layer: joints {missing} are missing from {base.name!r} or {top.name!r}")
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim > 1 or (w.ndim == 1 and len(w) != base.num_frames):
        raise ValueError(f"layer weights must be a constant or one per frame ({base.num_frames}), got shape {w.shape}")
    if not np.all((w >= 0.0) & (w <= 1.0)):
        raise ValueError(f"layer weight must be in [0, 1], got {weight if w.ndim == 0 else (w.min(), w.max())}")
    t = np.arange(base.num_frames) / base.fps
    _, _, jt = top._poses_at(t)
    out = base.joint_quats.copy()
    for j in joints:
        i, k = base.joint_names.index(j), top.joint_names.index(j)
        out[:, i] = quat_slerp(base.joint_quats[:, i], jt[:, k], weight)
    return dataclasses.replace(base, name=name or f"{base.name}^{top.name}", joint_quats=out,
                               root_pos=base.root_pos.copy(), root_quat=base.root_quat.copy())


def time_warp(clip: Clip, warp: Callable[[np.ndarray], np.ndarray], duration: float, *,
              name: str | None = None) -> Clip:
    """Resample with a timing curve: output time ``t`` in ``[0, duration]`` shows the clip at
    ``warp(t)`` seconds (e.g. ``lambda t: 0.5 * t`` plays at half speed). ``warp`` must be
    non-decreasing."""
    n = max(2, int(round(duration * clip.fps)) + 1)
    t = np.arange(n) / clip.fps
    src = np.asarray(warp(t), dtype=np.float64)
    if src.shape != t.shape or np.any(np.diff(src) < -1e-12):
        raise ValueError("warp must map (F,) times to (F,) non-decreasing clip times")
    return resample(clip, src, clip.fps, name or f"{clip.name}~warp")


def speed(clip: Clip, factor: float, *, name: str | None = None) -> Clip:
    """Play ``factor`` times faster (the result lasts ``duration / factor``); loops stay loops."""
    if not factor > 0:
        raise ValueError(f"speed factor must be positive, got {factor}")
    return dataclasses.replace(clip, name=name or f"{clip.name}x{factor:g}", fps=clip.fps * factor,
                               root_pos=clip.root_pos.copy(), root_quat=clip.root_quat.copy(),
                               joint_quats=clip.joint_quats.copy())


def mirror_name(joint: str) -> str:
    """``right_hip`` <-> ``left_hip``; other names unchanged."""
    if joint.startswith("right_"):
        return "left_" + joint[len("right_"):]
    if joint.startswith("left_"):
        return "right_" + joint[len("left_"):]
    return joint


def _mirror_quat(q: np.ndarray) -> np.ndarray:
    """Reflect rotations ``(..., 4)`` through the body's sagittal (x-z) plane: ``(x, y, z, w) ->
    (-x, y, -z, w)`` (a rotation's axis is a pseudo-vector)."""
    out = np.array(q, dtype=np.float64, copy=True)
    out[..., 0] *= -1.0
    out[..., 2] *= -1.0
    return out


def mirror(clip: Clip, *, name: str | None = None) -> Clip:
    """The left-right mirror image: the world is reflected through the plane ``y = y0`` of the
    first frame's root, left and right joints swap tracks. Mirroring twice gives the clip back.

    Assumes the clip's first frame faces +x (:meth:`Clip.placed` with heading 0 does this); the
    skeleton's hinge axes (knees +y, elbows -y) lie in the mirror's normal direction, so hinge
    rotations map onto hinge rotations.
    """
    pos = clip.root_pos.copy()
    y0 = pos[0, 1]
    pos[:, 1] = 2.0 * y0 - pos[:, 1]
    quat = _mirror_quat(clip.root_quat)
    names = clip.joint_names
    joints = np.empty_like(clip.joint_quats)
    for i, j in enumerate(names):
        src = names.index(mirror_name(j)) if mirror_name(j) in names else i
        joints[:, i] = _mirror_quat(clip.joint_quats[:, src])
    turn = None if clip.cycle_turn is None else -clip.cycle_turn
    return dataclasses.replace(clip, name=name or f"{clip.name}~mirror", root_pos=pos, root_quat=quat,
                               joint_quats=joints, cycle_turn=turn)


def loop(clip: Clip, cycles: int, *, name: str | None = None) -> Clip:
    """``cycles`` repetitions of a looping clip written out as one non-looping clip."""
    if not clip.loop:
        raise ValueError(f"clip {clip.name!r} does not loop; only looping clips can be repeated")
    if cycles < 1:
        raise ValueError(f"cycles must be at least 1, got {cycles}")
    n = (clip.num_frames - 1) * cycles + 1
    return resample(clip, np.arange(n) / clip.fps, clip.fps, name or f"{clip.name}x{cycles}")
