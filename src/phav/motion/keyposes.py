"""Procedural motion from key poses: task-space keys, timing curves, per-frame IK.

A :class:`Key` gives, at a time, where the pelvis is (offset from standing, tilt), how the spine
(abdomen and chest together) and neck are turned, where the wrists are (in the chest frame), where the ankles are (in the body
frame) and where the head looks. :func:`synthesize` interpolates consecutive keys with each key's
timing curve (``linear``, ``smooth``, ``ease_in``, ``ease_out``), then solves the limbs with the
analytic two-bone IK of :mod:`phav.motion.ik` for all frames at once and returns a
:class:`~phav.motion.clip.Clip` on the skeleton. Feet stay flat on the ground unless a key lifts
them.

Frames: the *body frame* is the standing character's: origin on the ground under the pelvis, x
forward, y left, z up (the clip starts at the origin facing +x). Wrist targets are in the *chest
frame*, relative to the chest joint (they follow the torso). All lengths metres, angles radians.

Style parameters act on keys: :func:`scale_time` (tempo), :func:`repeat` (repetitions) and
:func:`phav.motion.ops.mirror` on the result (handedness); amplitudes are chosen where the keys are
made (see :mod:`phav.actions`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from phav.body.skeleton import ACTUATED_JOINTS, SIDES, Skeleton
from phav.geometry import quat_conjugate, quat_from_axis_angle, quat_multiply, quat_normalize, quat_rotate
from phav.motion.clip import Clip
from phav.motion.ik import arm_ik_many, elbow_pole, leg_ik_many, neck_look_at_many
from phav.motion.rotations import quat_from_rotvec, quat_slerp
from phav.motion.spine import split_spine

#: Timing curves ``u -> u'`` on ``[0, 1]``.
EASINGS: dict[str, Callable[[float], float]] = {
    "linear": lambda u: u,
    "smooth": lambda u: u * u * (3.0 - 2.0 * u),
    "ease_in": lambda u: u * u,
    "ease_out": lambda u: 1.0 - (1.0 - u) ** 2,
}
#: Clip rate of synthesized motions, Hz.
SYNTH_FPS = 30.0


@dataclasses.dataclass(frozen=True)
class Key:
    """A key pose (see the module docstring for the frames).

    Attributes:
        time: seconds.
        pelvis: ``(3,)`` pelvis offset from its standing position, body frame.
        pelvis_rot: ``(3,)`` pelvis rotation vector (e.g. ``(0, 0.4, 0)`` leans forward), body frame.
        chest: ``(3,)`` rotation vector of the whole spine, pelvis to chest (local): split over the
            abdomen and chest joints by :func:`phav.motion.spine.split_spine` (half each, the
            lumbar part within its limits).
        hands: wrist targets per side (chest frame, relative to the chest joint); a side not named
            hangs relaxed (:func:`rest_hand`).
        feet: ankle targets per side (body frame); a side not named stands at :func:`rest_ankle`.
        look: gaze target (body frame) or ``None`` for straight ahead of the chest.
        elbow_pole: ``(3,)`` direction the elbows point to (chest frame, for the right arm; the left
            mirrors ``y``); ``None``: backwards, down, out.
        ease: timing curve from the previous key to this one (a name in :data:`EASINGS`).
    """

    time: float
    pelvis: tuple[float, float, float] = (0.0, 0.0, 0.0)
    pelvis_rot: tuple[float, float, float] = (0.0, 0.0, 0.0)
    chest: tuple[float, float, float] = (0.0, 0.0, 0.0)
    hands: dict = dataclasses.field(default_factory=dict)
    feet: dict = dataclasses.field(default_factory=dict)
    look: tuple[float, float, float] | None = None
    elbow_pole: tuple[float, float, float] | None = None
    ease: str = "smooth"

    def __post_init__(self) -> None:
        if self.ease not in EASINGS:
            raise ValueError(f"unknown timing curve {self.ease!r}; valid: {', '.join(EASINGS)}")
        for side in (*self.hands, *self.feet):
            if side not in SIDES:
                raise ValueError(f"unknown side {side!r}; valid: right, left")


def rest_hand(skeleton: Skeleton, side: str) -> np.ndarray:
    """A relaxed hanging wrist (chest frame): below the shoulder, slightly forward and out."""
    arm = np.asarray(skeleton.link(f"{side}_upper_arm").offset)
    reach = -skeleton.link(f"{side}_forearm").offset[2] - skeleton.link(f"{side}_hand").offset[2]
    out = 1.0 if side == "left" else -1.0
    return arm + reach * np.array([0.08, 0.06 * out, -0.99])


def rest_ankle(skeleton: Skeleton, side: str) -> np.ndarray:
    """A standing ankle (body frame)."""
    hip = skeleton.link(f"{side}_thigh").offset
    return np.array([0.0, hip[1], skeleton.segments.ankle_to_sole])


def standing_height(skeleton: Skeleton) -> float:
    """Pelvis height of the standing character (knees slightly bent), metres."""
    return 0.985 * skeleton.segments.leg_length


def scale_time(keys: Sequence[Key], factor: float) -> list[Key]:
    """Keys played ``factor`` times slower (``factor > 1``) or faster."""
    if not factor > 0:
        raise ValueError(f"time factor must be positive, got {factor}")
    return [dataclasses.replace(k, time=k.time * factor) for k in keys]


def repeat(cycle: Sequence[Key], times: int, start: float = 0.0) -> list[Key]:
    """``times`` copies of a cycle of keys (times within ``[0, period)``), one after another.
    The period is the last key's time; the first copy starts at ``start`` seconds."""
    if times < 1 or not cycle:
        raise ValueError(f"need at least one key and one repetition, got {len(cycle)} keys, {times}")
    period = cycle[-1].time
    if not period > 0:
        raise ValueError("a repeated cycle needs its last key after time 0")
    out: list[Key] = []
    for r in range(times):
        for i, k in enumerate(cycle):
            if r > 0 and i == 0 and k.time == 0.0:
                continue
            out.append(dataclasses.replace(k, time=start + r * period + k.time))
    return out


def _vec(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _key_spans(keys: Sequence[Key], times: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each time (seconds): the indices ``(F,) int`` of the keys around it and the eased weight
    ``(F,) float64`` of the second (as its timing curve eases it). At or before the first key and
    after the last, both indices name that key and the weight is 0."""
    key_times = [k.time for k in keys]
    last = len(keys) - 1
    # the first key at or after each time: with its predecessor it spans the time
    after = np.searchsorted(key_times, times, side="left").tolist()
    first, second, weight = [], [], []
    for t, b in zip(times, after):
        if 0 < b <= last:
            span = key_times[b] - key_times[b - 1]
            u = 1.0 if span <= 0 else (t - key_times[b - 1]) / span
            first.append(b - 1)
            weight.append(EASINGS[keys[b].ease](min(max(u, 0.0), 1.0)))
        else:  # at or before the first key, or after the last: hold that key
            b = min(b, last)
            first.append(b)
            weight.append(0.0)
        second.append(b)
    return np.array(first, dtype=np.intp), np.array(second, dtype=np.intp), np.array(weight, dtype=np.float64)


def synthesize(skeleton: Skeleton, keys: Sequence[Key], *, duration: float | None = None, name: str = "procedural",
               fps: float = SYNTH_FPS, root_path: Callable[[float], np.ndarray] | None = None) -> Clip:
    """A clip from key poses.

    Args:
        keys: in time order (non-decreasing times); at least one.
        duration: clip length in seconds (default: the last key's time; the last pose is held).
        root_path: optional ``t -> (3,)`` extra horizontal displacement of the whole body (body
            frame, metres) added to the pelvis and to every ankle target (e.g. walking onto stairs).
    Raises:
        ValueError: no keys, or times out of order.
    Returns:
        A non-looping clip over :data:`~phav.body.skeleton.ACTUATED_JOINTS` starting at the origin
        facing +x.
    """
    if not keys:
        raise ValueError("synthesize needs at least one key")
    times = [k.time for k in keys]
    if any(b < a for a, b in zip(times[:-1], times[1:])):
        raise ValueError(f"key times must not decrease, got {times}")
    duration = max(times[-1], 1.0 / fps) if duration is None else float(duration)
    n = max(2, int(round(duration * fps)) + 1)
    joints = list(ACTUATED_JOINTS)
    jq = np.zeros((n, len(joints), 4))
    jq[..., 3] = 1.0
    col = {j: k for k, j in enumerate(joints)}
    abdomen_off = _vec(skeleton.link("abdomen").offset)
    chest_off = _vec(skeleton.link("chest").offset)
    h0 = standing_height(skeleton)
    rest_h = {s: rest_hand(skeleton, s) for s in SIDES}
    rest_a = {s: rest_ankle(skeleton, s) for s in SIDES}
    # Every frame at once: the keys around each frame (indices ``ka``, ``kb``) and the eased weight
    # ``u`` of the second, then each quantity tabled per key, lerped and solved for all frames in numpy.
    times = [f / fps for f in range(n)]
    ka, kb, u = _key_spans(keys, times)
    u = u[:, None]

    def per_key(get: Callable[[Key], object]) -> np.ndarray:
        """``(K, D)`` float64: ``get(key)`` of every key, one row each."""
        return np.array([_vec(get(k)) for k in keys], dtype=np.float64).reshape(len(keys), -1)

    def lerp(get: Callable[[Key], object], rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """``(1 - u) x + u y`` of ``get(first key)``, ``get(second key)`` per frame (or ``rows``)."""
        table = per_key(get)
        w = u[rows]
        return (1 - w) * table[ka[rows]] + w * table[kb[rows]]

    shift = np.zeros((n, 3)) if root_path is None else np.array([_vec(root_path(t)) for t in times]).reshape(n, 3)
    pelvis = np.array([0.0, 0.0, h0]) + lerp(lambda k: k.pelvis) + shift
    pelvis_rot, chest = per_key(lambda k: k.pelvis_rot), per_key(lambda k: k.chest)
    pq = quat_slerp(quat_from_rotvec(pelvis_rot[ka]), quat_from_rotvec(pelvis_rot[kb]), u[:, 0])
    cq = quat_slerp(quat_from_rotvec(chest[ka]), quat_from_rotvec(chest[kb]), u[:, 0])
    root_pos, root_quat = pelvis, pq
    qa, qc = split_spine(cq)
    jq[:, col["abdomen"]] = qa
    jq[:, col["chest"]] = qc
    chest_q = quat_multiply(pq, cq)
    chest_pos = pelvis + quat_rotate(pq, abdomen_off + quat_rotate(qa, chest_off))
    # neck: look at the gaze target (or straight ahead)
    gaze = np.array([k.look is not None for k in keys])
    looks = np.flatnonzero(gaze[ka] | gaze[kb])
    if len(looks):
        # a key without a gaze takes its neighbour's
        table = per_key(lambda k: (0.0, 0.0, 0.0) if k.look is None else k.look)
        a, b = ka[looks], kb[looks]
        first = np.where(gaze[a][:, None], table[a], table[b])
        second = np.where(gaze[b][:, None], table[b], table[a])
        w = u[looks]
        target = (1 - w) * first + w * second + shift[looks]
        head = chest_pos[looks] + quat_rotate(chest_q[looks], _vec(skeleton.link("head").offset))
        jq[looks, col["neck"]] = neck_look_at_many(quat_rotate(quat_conjugate(chest_q[looks]), target - head))[0]
    bent = np.array([k.elbow_pole is not None for k in keys])
    posed = np.flatnonzero(bent[ka] | bent[kb])
    for side in SIDES:
        hands = lerp(lambda k: k.hands.get(side, rest_h[side]))
        poles = np.broadcast_to(elbow_pole(side), (n, 3)).copy()
        if len(posed):
            default = elbow_pole("right")  # a key's pole is the right arm's; the left mirrors it
            p = lerp(lambda k: k.elbow_pole if k.elbow_pole is not None else default, posed)
            poles[posed] = p * np.array([1.0, 1.0 if side == "right" else -1.0, 1.0])
        r = arm_ik_many(skeleton, side, hands, poles)
        jq[:, col[f"{side}_shoulder"]] = r.root_quat
        jq[:, col[f"{side}_elbow"]] = quat_from_axis_angle(_vec(skeleton.link(f"{side}_forearm").axis), r.bend)
        ankle = lerp(lambda k: k.feet.get(side, rest_a[side])) + shift
        local = quat_rotate(quat_conjugate(pq), ankle - pelvis)
        r = leg_ik_many(skeleton, side, local)
        hip_q = r.root_quat
        knee_q = quat_from_axis_angle(_vec(skeleton.link(f"{side}_shin").axis), r.bend)
        jq[:, col[f"{side}_hip"]] = hip_q
        jq[:, col[f"{side}_knee"]] = knee_q
        shin_world = quat_multiply(quat_multiply(pq, hip_q), knee_q)
        jq[:, col[f"{side}_ankle"]] = quat_normalize(quat_conjugate(shin_world))  # foot flat, facing +x
    return Clip(name, fps, root_pos, root_quat, joints, jq, loop=False, cycle_turn=0.0)
