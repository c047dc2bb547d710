"""Locomotion actions from PyBullet's DeepMimic clips: Walk, Run, Jump, SyntheticCrawl, and the
walk-based synthetic classes (Limp, Moonwalk, WalkTheLine, Stagger).

Thresholds are relative to the actor's height ``h`` so that they hold for children and adults;
the figures quoted were measured on Model_Man01 (1.77 m) with ``phav.scenario``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.actions import signals as S
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, deepmimic_build, register
from phav.body.skeleton import SIDES
from phav.motion.clip import Clip
from phav.motion.ops import layer, speed
from phav.physics.variations import Modifier, Perturbation
from phav.take import Take

#: Mean horizontal pelvis speed (m/s) a take must reach to count as walking.
MIN_WALK_SPEED = 0.4
#: Largest mean horizontal pelvis speed (m/s) that is still a walk rather than a run.
MAX_WALK_SPEED = 2.5
#: Run: pelvis speed per body height (1/s) above which it is a run (measured 2.15 on DeepMimic's run).
MIN_RUN_SPEED_PER_H = 1.1
#: Run: both feet off the ground at some frame: higher of the two lower ankles, per body height (0.13 measured).
RUN_FLIGHT_PER_H = 0.07
#: Jump: both ankles at least this fraction of the height above the ground at once (0.38 measured).
JUMP_FLIGHT_PER_H = 0.15
#: Crawl: pelvis never above this fraction of the height (0.24 measured) and moves at least CRAWL_DISTANCE_PER_H.
CRAWL_PELVIS_PER_H = 0.32
CRAWL_DISTANCE_PER_H = 0.1


def _upright(take: Take) -> bool:
    pelvis = S.joint(take, "pelvis")[:, 2]
    knees = np.maximum(S.joint(take, "left_knee")[:, 2], S.joint(take, "right_knee")[:, 2])
    return bool(np.all(pelvis > knees))


def walk_signature(take: Take) -> SignatureResult:
    """Walk: the pelvis travels at walking speed and stays upright above the knees."""
    v = S.pelvis_speed(take)
    upright = _upright(take)
    ok = MIN_WALK_SPEED <= v <= MAX_WALK_SPEED and upright
    return SignatureResult(ok, f"pelvis speed {v:.2f} m/s, upright={upright}")


def run_signature(take: Take) -> SignatureResult:
    """Run: pelvis speed over 1.1 body heights per second with a flight phase (both feet up)."""
    h = S.body_height(take)
    v = S.pelvis_speed(take) / h
    lower = np.minimum(S.joint(take, "left_ankle")[:, 2], S.joint(take, "right_ankle")[:, 2])
    flight = float(lower.max() / h)
    ok = v >= MIN_RUN_SPEED_PER_H and flight >= RUN_FLIGHT_PER_H and _upright(take)
    return SignatureResult(ok, f"speed {v:.2f} h/s, flight {flight:.3f} h")


def jump_signature(take: Take) -> SignatureResult:
    """Jump: both ankles leave the ground together by 15 % of the height, the pelvis rises."""
    h = S.body_height(take)
    lower = np.minimum(S.joint(take, "left_ankle")[:, 2], S.joint(take, "right_ankle")[:, 2])
    pelvis = S.joint(take, "pelvis")[:, 2]
    flight = float(lower.max() / h)
    rise = float((pelvis.max() - pelvis[0]) / h)
    ok = flight >= JUMP_FLIGHT_PER_H and rise >= 0.05
    return SignatureResult(ok, f"both feet up {flight:.2f} h, pelvis rise {rise:.2f} h")


def crawl_signature(take: Take) -> SignatureResult:
    """Crawl: the pelvis stays low (hands and knees) while the body moves forward."""
    h = S.body_height(take)
    pelvis = S.joint(take, "pelvis")
    high = float(pelvis[:, 2].max() / h)
    dist = float(np.linalg.norm(pelvis[-1, :2] - pelvis[0, :2]) / h)
    ok = high <= CRAWL_PELVIS_PER_H and dist >= CRAWL_DISTANCE_PER_H
    return SignatureResult(ok, f"pelvis at most {high:.2f} h, moved {dist:.2f} h")


# ---- walk-based synthetic classes ----------------------------------------------------------------
class LegWeakness(Modifier):
    """One leg's muscles weakened and slack for the whole video (a limp)."""

    def __init__(self, side: str, scale: float) -> None:
        super().__init__()
        self.side, self.scale = side, scale
        self.record = {"weak_leg": side, "weak_leg_strength": round(scale, 4)}

    def setup(self, world, human) -> None:
        human.weaken({f"{self.side}_leg": self.scale})


def _stiff_leg(clip: Clip, side: str, stiffness: float) -> Clip:
    """The walk with one leg's knee and ankle motion reduced to ``1 - stiffness`` (a stiff leg)."""
    from phav.motion.rotations import quat_slerp

    jq = clip.joint_quats.copy()
    ident = np.array([0.0, 0.0, 0.0, 1.0])
    for j in (f"{side}_knee", f"{side}_ankle"):
        i = clip.joint_names.index(j)
        jq[:, i] = quat_slerp(jq[:, i], np.broadcast_to(ident, jq[:, i].shape), stiffness)
    return dataclasses.replace(clip, name=f"{clip.name}~limp", joint_quats=jq, root_pos=clip.root_pos.copy(),
                               root_quat=clip.root_quat.copy())


def limp_build(ctx: BuildContext) -> ActionPlan:
    rng = ctx.rng
    side = SIDES[int(rng.integers(2))]
    stiffness = float(rng.uniform(0.55, 0.85))
    tempo = float(rng.uniform(0.7, 0.9))
    strength = float(rng.uniform(0.25, 0.45))
    base = deepmimic_build(ctx)
    clip = speed(_stiff_leg(base.clip, side, stiffness), tempo)
    return ActionPlan(clip, [LegWeakness(side, strength)],
                      {"weak_side": side, "stiffness": stiffness, "tempo": tempo, "strength": strength}, base.source)


def limp_signature(take: Take) -> SignatureResult:
    """Limp: walking, with one knee bending clearly less than the other (asymmetric gait)."""
    def knee_bend(side: str) -> float:
        hip, knee, ankle = (S.joint(take, f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        a, b = hip - knee, ankle - knee
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        return float(np.percentile(np.pi - np.arccos(np.clip(cos, -1, 1)), 95))

    r, l = knee_bend("right"), knee_bend("left")
    ratio = max(r, l) / max(min(r, l), 1e-3)
    v = S.pelvis_speed(take)
    ok = ratio >= 1.5 and v >= 0.25 and _upright(take)
    return SignatureResult(ok, f"knee bend right {np.degrees(r):.0f} deg, left {np.degrees(l):.0f} deg (ratio {ratio:.2f}), speed {v:.2f} m/s")


def _reversed(clip: Clip) -> Clip:
    """The clip played backwards (a looping walk becomes a backward glide)."""
    return dataclasses.replace(clip, name=f"{clip.name}~reverse", root_pos=clip.root_pos[::-1].copy(),
                               root_quat=clip.root_quat[::-1].copy(), joint_quats=clip.joint_quats[::-1].copy())


def moonwalk_build(ctx: BuildContext) -> ActionPlan:
    rng = ctx.rng
    tempo = float(rng.uniform(0.6, 0.9))
    lean = float(rng.uniform(0.0, 0.15))
    arm_weight = float(rng.uniform(0.0, 0.6))
    base = deepmimic_build(ctx)
    clip = _reversed(base.clip)
    from phav.motion.rotations import quat_from_rotvec
    from phav.geometry import quat_multiply

    clip.joint_quats[:, clip.joint_names.index("chest")] = quat_multiply(
        quat_from_rotvec(np.array([0.0, lean, 0.0])), clip.joint_quats[:, clip.joint_names.index("chest")])
    for j in ("right_shoulder", "left_shoulder", "right_elbow", "left_elbow"):
        from phav.motion.rotations import quat_slerp
        i = clip.joint_names.index(j)
        clip.joint_quats[:, i] = quat_slerp(clip.joint_quats[:, i], np.array([0.0, 0.0, 0.0, 1.0]), arm_weight)
    return ActionPlan(speed(clip, tempo), [], {"tempo": tempo, "lean": lean, "arm_stillness": arm_weight},
                      base.source + " (reversed)")


def moonwalk_signature(take: Take) -> SignatureResult:
    """Moonwalk: upright, the pelvis travels backwards (against the facing direction)."""
    p = S.joint(take, "pelvis")[:, :2]
    back = -float(np.mean(np.sum(np.diff(p, axis=0) * S.forward(take)[:-1], axis=1))) * take.fps
    ok = back >= 0.25 and _upright(take)
    return SignatureResult(ok, f"backward speed {back:.2f} m/s")


def walk_the_line_build(ctx: BuildContext) -> ActionPlan:
    from phav.motion.keyposes import Key, synthesize

    rng = ctx.rng
    spread = float(rng.uniform(0.85, 1.0))
    lift = float(rng.uniform(-0.1, 0.12))
    tempo = float(rng.uniform(0.55, 0.75))
    base = deepmimic_build(ctx)
    sk = ctx.skeleton
    reach = -sk.link("right_forearm").offset[2] - sk.link("right_hand").offset[2]
    hands = {s: np.asarray(sk.link(f"{s}_upper_arm").offset) + reach * spread * np.array([0.1, sign, lift])
             for s, sign in (("right", -1.0), ("left", 1.0))}
    arms = synthesize(sk, [Key(0.0, hands=hands, elbow_pole=(0.0, -0.2, -1.0))], duration=1.0)
    clip = layer(speed(base.clip, tempo), arms, ("right_shoulder", "left_shoulder", "right_elbow", "left_elbow"))
    return ActionPlan(clip, [], {"arm_spread": spread, "arm_lift": lift, "tempo": tempo}, base.source + " + arms out")


def walk_the_line_signature(take: Take) -> SignatureResult:
    """WalkTheLine: walking with both arms held out sideways (wrists far apart) for most of the take."""
    lw, rw = S.joint(take, "left_wrist"), S.joint(take, "right_wrist")
    ls, rs = S.joint(take, "left_shoulder"), S.joint(take, "right_shoulder")
    ratio = np.linalg.norm(lw - rw, axis=1) / np.linalg.norm(ls - rs, axis=1)
    share = float(np.mean(ratio > 2.5))
    v = S.pelvis_speed(take)
    ok = share >= 0.7 and v >= 0.2 and _upright(take)
    return SignatureResult(ok, f"arms out in {share:.0%} of frames, speed {v:.2f} m/s")


class Shoves(Perturbation):
    """Stagger: repeated sideways shoves that the walker reacts to (reuses the ``p`` variation)."""

    FORCE_PER_KG = (3.0, 5.0)

    def draw_pushes(self, rng: np.random.Generator, duration: float) -> list[dict]:
        """One sideways shove on the chest about every 0.7 s (at least three), each to a random side."""
        n = max(3, int(duration / 0.7))
        start = np.linspace(0.25, max(0.3, duration - 0.4), n) + rng.uniform(-0.05, 0.05, n)
        side = rng.choice([-1.0, 1.0], n)
        return [{"time_s": float(t), "link": "chest", "force_n_per_kg": float(rng.uniform(*self.FORCE_PER_KG)),
                 "direction_rad": float(s * np.pi / 2 + rng.uniform(-0.3, 0.3))} for t, s in zip(start, side)]


def weave(clip: Clip, duration: float, amplitude: float, period: float, phase: float, roll: float) -> Clip:
    """The clip written out over ``duration`` s with its pelvis weaving sideways: lateral offset
    ``amplitude sin(2 pi t / period + phase)`` (m, along the start's left axis) and a matching roll
    of ``roll`` rad towards the side it moves to."""
    from phav.geometry import quat_multiply
    from phav.motion.ops import resample
    from phav.motion.rotations import quat_from_rotvec

    t = np.arange(int(round(duration * clip.fps)) + 1) / clip.fps
    out = resample(clip, t, clip.fps, f"{clip.name}~weave")
    w = 2 * np.pi * t / period + phase
    out.root_pos[:, 1] += amplitude * (np.sin(w) - np.sin(phase))
    tilt = quat_from_rotvec(np.stack([-roll * np.cos(w), 0 * w, 0 * w], axis=1))
    out.root_quat = quat_multiply(tilt, out.root_quat)
    return out


def stagger_build(ctx: BuildContext) -> ActionPlan:
    rng = ctx.rng
    tempo = float(rng.uniform(0.6, 0.85))
    h = ctx.skeleton.segments.height
    amplitude = float(rng.uniform(0.08, 0.14)) * h
    period = float(rng.uniform(1.1, 1.6))
    phase = float(rng.uniform(0, 2 * np.pi))
    roll = float(rng.uniform(0.08, 0.18))
    base = deepmimic_build(ctx)
    clip = weave(speed(base.clip, tempo), ctx.duration + 0.5, amplitude, period, phase, roll)
    shoves = Shoves(rng, ctx.duration)
    return ActionPlan(clip, [shoves], {"tempo": tempo, "weave_amplitude_m": amplitude, "weave_period_s": period,
                                       "roll_rad": roll, "shoves": len(shoves.pushes)}, base.source + " (weaving)")


def stagger_signature(take: Take) -> SignatureResult:
    """Stagger: walking while the chest sways sideways: its lateral speed peaks over 0.12 h/s at least twice."""
    chest = S.joint(take, "chest")[:, :2]
    f = S.forward(take)
    side = np.stack([-f[:, 1], f[:, 0]], axis=1)
    lat_v = np.sum(np.gradient(chest, axis=0) * side, axis=1) * take.fps
    h = S.body_height(take)
    sways = S.count_events(np.abs(lat_v) / h, 0.12, 0.04)
    v = S.pelvis_speed(take)
    ok = sways >= 2 and v >= 0.2
    return SignatureResult(ok, f"{sways} sideways sways, speed {v:.2f} m/s")


WALK = register(ActionRecipe("Walk", frozenset({"mocap-like"}), ("walk",), walk_signature,
                             "walking forward (DeepMimic walk clip, tracked by muscles)", duration=1.0))
RUN = register(ActionRecipe("Run", frozenset({"mocap-like"}), ("run",), run_signature,
                            "running (DeepMimic run clip)", duration=1.0,
                            # p: shoves felled or slowed the runner in 3 of 18 two-second videos (measured)
                            variations=frozenset({"n", "w", "b", "o"})))
JUMP = register(ActionRecipe("Jump", frozenset({"mocap-like"}), ("jump",), jump_signature,
                             "jumping up (DeepMimic jump clip)", duration=1.8))
CRAWL = register(ActionRecipe("SyntheticCrawl", frozenset({"synthetic"}), ("crawl",), crawl_signature,
                              "crawling on hands and knees (DeepMimic crawl clip)", duration=2.5,
                              variations=frozenset({"n", "w", "p", "o"})))
LIMP = register(ActionRecipe("SyntheticLimp", frozenset({"synthetic"}), ("walk",), limp_signature,
                             "walking on a stiff, weakened leg", build=limp_build, duration=2.0))
MOONWALK = register(ActionRecipe("SyntheticMoonwalk", frozenset({"synthetic"}), ("walk",), moonwalk_signature,
                                 "gliding backwards (the walk played in reverse)", build=moonwalk_build,
                                 duration=2.0))
WALK_THE_LINE = register(ActionRecipe("SyntheticWalkTheLine", frozenset({"synthetic"}), ("walk",),
                                      walk_the_line_signature, "slow walk with arms held out for balance",
                                      build=walk_the_line_build, duration=2.0,
                                      # b: a second clip's arms replaced the balancing arms in 6 of 12 seeds (measured)
                                      variations=frozenset({"n", "w", "p", "o"}), view="front_or_back"))
STAGGER = register(ActionRecipe("SyntheticStagger", frozenset({"synthetic"}), ("walk",), stagger_signature,
                                "drunk-like walk under random sideways shoves", build=stagger_build, duration=2.5,
                                view="front_or_back"))
