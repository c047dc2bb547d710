"""Foot lock: keep stance feet still on the ground (no foot skating) after retargeting.

Clips slide their feet: DeepMimic's run moves the stance ankle 1.6-2.9 cm per frame on bodies whose
proportions differ from its own, and scaling root motion by leg length cannot fix what proportions
break. This pass rewrites the legs so that a foot that stands stays where it stood:

1. **Stance.** For each foot, by forward kinematics of the clip: ``h(t)`` the lowest point of the
   foot's collision shape above the ground, ``v(t)`` the horizontal speed of the ankle (central
   differences). A frame is stance while ``v <= V (1 - h / H)`` with ``H`` =
   :data:`MAX_STANCE_HEIGHT` and ``V`` = :data:`MAX_STANCE_SPEED` (both scaled by the body's leg
   length over DeepMimic's): a foot on the ground may still slide fast (that is the skating to
   remove), one in the air only if it hovers (a run's stance foot floats a few cm after
   retargeting); a low sweep or a short step stays free. Stance runs shorter than
   :data:`MIN_STANCE_FRAMES` are dropped.
2. **Pin.** During a stance run ``[a, b]`` the ankle is held at the run's mean horizontal position
   and lowered by ``h(t)`` (the foot's lowest point touches ``z = 0``); a target the leg cannot
   reach is raised until the straightened leg reaches it (the horizontal pin wins over the
   height); the foot keeps its world orientation, so heel strike and toe-off roll as in the clip.
3. **Blend.** The pin's offset (pinned minus original ankle position) at ``a`` fades in over the
   ``r`` frames before ``a``, the offset at ``b`` fades out over the ``r`` frames after ``b``
   (smoothstep weights; ``r`` at most :data:`BLEND_SECONDS` and never into the next stance run of
   the same foot), so contact changes do not pop.
4. **Solve.** Hip and knee come from the analytic two-bone IK (:func:`phav.motion.ik.leg_ik_many`,
   all frames at once) with the knee's pole along the original thigh's front; the ankle takes the
   rotation that keeps the foot's world orientation. Targets out of reach (a straight leg) are
   approached as closely as the leg allows.

Looping clips are unwrapped over three cycles before the pass and cut back to the middle one, so
stance runs that cross the loop seam are pinned as one and the result still loops.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.body.skeleton import DEEPMIMIC_LEG_LENGTH, SIDES, Skeleton
from phav.geometry import quat_conjugate, quat_from_axis_angle, quat_multiply, quat_normalize, quat_rotate, row_norms
from phav.motion.clip import Clip
from phav.motion.ik import leg_ik_many
from phav.motion.retarget import forward_kinematics_frames, lowest_points

#: Highest a standing foot's lowest point may be, metres, for DeepMimic's leg length (scaled with
#: the body's).
MAX_STANCE_HEIGHT = 0.08
#: Fastest a standing foot's ankle may move horizontally at ground level, m/s for DeepMimic's leg
#: length (the bound falls linearly to 0 at :data:`MAX_STANCE_HEIGHT`).
MAX_STANCE_SPEED = 1.5
#: Stance runs shorter than this many frames are left alone.
MIN_STANCE_FRAMES = 2
#: Fraction of the leg's full length (hip to ankle) a lowered ankle may be from the hip.
REACH_MARGIN = 0.999
#: Longest fade in or out of a pin, seconds.
BLEND_SECONDS = 0.15


@dataclasses.dataclass(frozen=True)
class FootLockReport:
    """What :func:`lock_feet` did.

    Attributes:
        stance: ``(F, 2)`` bool, stance frames of the right and left foot.
        offsets: ``(F, 2, 3)`` ankle displacement applied (pinned minus original), metres.
        ik_error: ``(F, 2)`` distance between the wanted and the solved ankle, metres (0 where the
            target was reached or nothing moved).
    """

    stance: np.ndarray
    offsets: np.ndarray
    ik_error: np.ndarray


def stance_runs(mask: np.ndarray, min_frames: int = MIN_STANCE_FRAMES) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` frame ranges where ``mask (F,)`` is true, at least ``min_frames``
    long, in order."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    runs = [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]
    return [(a, b) for a, b in runs if b - a + 1 >= min_frames]


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def pin_offsets(ankle: np.ndarray, low: np.ndarray, runs: list[tuple[int, int]], ramp: int) -> np.ndarray:
    """Ankle displacements ``(F, 3)`` (metres) pinning one foot during ``runs``.

    Args:
        ankle: ``(F, 3)`` original ankle positions, world, metres.
        low: ``(F,)`` the foot's lowest point above the ground, metres.
        runs: stance runs from :func:`stance_runs` (disjoint, in order).
        ramp: longest fade, frames (see the module docstring).
    """
    F = len(ankle)
    out = np.zeros((F, 3))
    frames = np.arange(F)
    for k, (a, b) in enumerate(runs):
        lock = ankle[a:b + 1, :2].mean(axis=0)
        inside = slice(a, b + 1)
        out[inside, :2] = lock - ankle[inside, :2]
        out[inside, 2] = -low[inside]
        before = runs[k - 1][1] if k else -1  # the previous run's last frame
        after = runs[k + 1][0] if k + 1 < len(runs) else F
        r_in = min(ramp, a - before - 1)
        r_out = min(ramp, after - b - 1)
        if r_in > 0:
            span = frames[a - r_in:a]
            out[span] += _smoothstep((span - (a - r_in - 1)) / (r_in + 1))[:, None] * out[a]
        if r_out > 0:
            span = frames[b + 1:b + 1 + r_out]
            out[span] += _smoothstep(((b + r_out + 1) - span) / (r_out + 1))[:, None] * out[b]
    return out


def _unwrapped(clip: Clip) -> Clip:
    """A looping clip over three cycles, not looping: frames ``0 .. F-2`` moved one cycle back,
    the clip's own ``F`` frames (at ``F - 1 .. 2F - 2``), then frames ``1 .. F-1`` moved one cycle
    on. The clip's frames are kept exactly (the seam between a cycle's last frame and the next
    cycle's first, equal up to the source's own looping error, is crossed once on each side)."""
    back = clip.shift_by_cycles(clip.root_pos[:-1], clip.root_quat[:-1], -1)
    on = clip.shift_by_cycles(clip.root_pos[1:], clip.root_quat[1:], 1)
    pos = np.concatenate([back[0], clip.root_pos, on[0]])
    quat = np.concatenate([back[1], clip.root_quat, on[1]])
    joints = np.concatenate([clip.joint_quats[:-1], clip.joint_quats, clip.joint_quats[1:]])
    return dataclasses.replace(clip, root_pos=pos, root_quat=quat, joint_quats=joints, loop=False)


def lock_feet(clip: Clip, skeleton: Skeleton) -> tuple[Clip, FootLockReport]:
    """``clip`` (already on ``skeleton``'s body) with its stance feet pinned; see the module docstring.

    Returns:
        The new clip (same frames, rate, root track and loop flag; only hips, knees and ankles
        change) and a :class:`FootLockReport` on its frames.
    Raises:
        ValueError: the clip lacks a hip, knee or ankle track.
    """
    need = [f"{s}_{j}" for s in SIDES for j in ("hip", "knee", "ankle")]
    missing = [j for j in need if j not in clip.joint_names]
    if missing:
        raise ValueError(f"clip {clip.name!r}: foot lock needs joint tracks {missing}")
    work = _unwrapped(clip) if clip.loop else clip
    first = clip.num_frames - 1 if clip.loop else 0
    F = work.num_frames
    scale = skeleton.segments.leg_length / DEEPMIMIC_LEG_LENGTH
    ramp = max(1, int(round(BLEND_SECONDS * clip.fps)))
    pos, quat = forward_kinematics_frames(skeleton, work)
    names = skeleton.link_names
    col = {j: k for k, j in enumerate(work.joint_names)}
    joints = work.joint_quats.copy()
    stance = np.zeros((F, 2), dtype=bool)
    offsets = np.zeros((F, 2, 3))
    errors = np.zeros((F, 2))
    for s, side in enumerate(SIDES):
        foot = names.index(f"{side}_foot")
        ankle = pos[:, foot]
        low = lowest_points(skeleton, pos, quat, [f"{side}_foot"])
        speed = np.linalg.norm(np.gradient(ankle[:, :2], axis=0), axis=1) * work.fps
        stance[:, s] = speed <= MAX_STANCE_SPEED * scale * (1.0 - low / (MAX_STANCE_HEIGHT * scale))
        runs = stance_runs(stance[:, s])
        offsets[:, s] = pin_offsets(ankle, low, runs, ramp)
        hip, knee, ank = col[f"{side}_hip"], col[f"{side}_knee"], col[f"{side}_ankle"]
        knee_axis = np.asarray(skeleton.link(f"{side}_shin").axis, dtype=np.float64)
        thigh = skeleton.link(f"{side}_thigh")
        hip_offset = np.asarray(thigh.offset, dtype=np.float64)
        reach = REACH_MARGIN * (-skeleton.link(f"{side}_shin").offset[2] - skeleton.link(f"{side}_foot").offset[2])
        t = np.flatnonzero(np.linalg.norm(offsets[:, s], axis=1) > 1e-9)  # the frames that move, at once
        if not len(t):
            continue
        root_pos, root_quat = work.root_pos[t], work.root_quat[t]
        hip_world = root_pos + quat_rotate(root_quat, hip_offset)
        want = ankle[t] + offsets[t, s]
        d = want - hip_world
        flat = np.hypot(d[:, 0], d[:, 1])
        # out of reach: raise it into reach
        far = (row_norms(d) > reach) & (flat < reach) & (d[:, 2] < 0)
        want[far, 2] = hip_world[far, 2] - np.sqrt(reach * reach - flat[far] * flat[far])
        offsets[t[far], s, 2] = want[far, 2] - ankle[t[far], 2]
        target = quat_rotate(quat_conjugate(root_quat), want - root_pos)
        pole = quat_rotate(joints[t, hip], [1.0, 0.0, 0.0])
        ik = leg_ik_many(skeleton, side, target, pole)
        knee_q = quat_from_axis_angle(knee_axis, ik.bend)
        shin_world = quat_multiply(root_quat, quat_multiply(ik.root_quat, knee_q))
        joints[t, hip] = ik.root_quat
        joints[t, knee] = knee_q
        joints[t, ank] = quat_normalize(quat_multiply(quat_conjugate(shin_world), quat[t, foot]))
        errors[t, s] = ik.error
    keep = slice(first, first + clip.num_frames)
    out = dataclasses.replace(clip, root_pos=clip.root_pos.copy(), root_quat=clip.root_quat.copy(),
                              joint_quats=joints[keep])
    return out, FootLockReport(stance=stance[keep], offsets=offsets[keep], ik_error=errors[keep])
