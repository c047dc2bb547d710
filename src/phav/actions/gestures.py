"""Procedural upper-body actions from key poses and IK (:mod:`phav.motion.keyposes`): Wave, Clap,
SyntheticSurrender, and the extra Salute. Each samples at least three style parameters from the action generator
(tempo, amplitude, repetitions, handedness, hand height). Positions are in the chest frame scaled
by the actor's arm reach, so the same recipe fits a child and a tall adult.
"""

from __future__ import annotations

import numpy as np

from phav.actions import signals as S
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.body.skeleton import SIDES, Skeleton
from phav.motion.keyposes import Key, repeat, synthesize
from phav.motion.ops import mirror
from phav.take import Take

_GESTURE_VARIATIONS = frozenset({"n", "w", "p", "o"})


def _reach(sk: Skeleton) -> float:
    return -sk.link("right_forearm").offset[2] - sk.link("right_hand").offset[2]


def _shoulder(sk: Skeleton, side: str) -> np.ndarray:
    return np.asarray(sk.link(f"{side}_upper_arm").offset, dtype=np.float64)


def _finish(ctx: BuildContext, keys: list[Key], name: str, style: dict, handed: bool = False) -> ActionPlan:
    clip = synthesize(ctx.skeleton, keys, duration=max(ctx.duration, keys[-1].time) + 0.2, name=name)
    if handed and style.get("hand") == "left":
        clip = mirror(clip, name=name)
    return ActionPlan(clip, [], style, "procedural key poses + IK (phav.motion.keyposes)")


def wave_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    r = _reach(sk)
    tempo = float(rng.uniform(0.28, 0.45))  # seconds per half wave
    amplitude = float(rng.uniform(0.25, 0.45))  # lateral swing, in reaches
    height = float(rng.uniform(0.35, 0.7))  # hand above the shoulder, in reaches
    waves = int(rng.integers(3, 6))
    hand = SIDES[int(rng.integers(2))]
    s = _shoulder(sk, "right")
    centre = s + r * np.array([0.15, -0.35, height])
    out, inn = centre + r * np.array([0, -amplitude / 2, 0]), centre + r * np.array([0, amplitude / 2, 0])
    pole = (0.0, -1.0, -0.6)
    keys = [Key(0.0), Key(0.5, hands={"right": out}, elbow_pole=pole, look=(3.0, 0.0, 1.6))]
    cycle = [Key(0.0, hands={"right": out}, elbow_pole=pole), Key(tempo, hands={"right": inn}, elbow_pole=pole),
             Key(2 * tempo, hands={"right": out}, elbow_pole=pole)]
    keys += repeat(cycle, waves, start=0.5)[1:]
    return _finish(ctx, keys, "wave", {"tempo_s": tempo, "amplitude": amplitude, "hand_height": height,
                                       "waves": waves, "hand": hand}, handed=True)


def wave_signature(take: Take) -> SignatureResult:
    """Wave: a wrist above the head swings from side to side at least three times."""
    best = 0
    for side in SIDES:
        w, head, chest = S.joint(take, f"{side}_wrist"), S.joint(take, "head"), S.joint(take, "chest")
        up = w[:, 2] > head[:, 2] - 0.05 * S.body_height(take)
        f = S.forward(take)
        lat = np.sum((w - chest)[:, :2] * np.stack([-f[:, 1], f[:, 0]], axis=1), axis=1)
        v = np.gradient(lat) * take.fps * up
        best = max(best, S.count_events(v, 0.2, -0.2) + S.count_events(-v, 0.2, -0.2))
    return SignatureResult(best >= 3, f"{best} side-to-side swings above the head")


def clap_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    r = _reach(sk)
    tempo = float(rng.uniform(0.22, 0.4))  # seconds per clap half-cycle
    spread = float(rng.uniform(0.45, 0.65))  # hands apart, in reaches (>= ~0.15 h: the signature re-arms at 0.13 h)
    height = float(rng.uniform(-0.1, 0.25))  # hands relative to the shoulders, in reaches
    forward = float(rng.uniform(0.5, 0.65))
    claps = int(rng.integers(4, 7))
    mid = np.array([forward * r, 0.0, _shoulder(sk, "right")[2] + height * r])
    hand_r = sk.link("right_hand").collision.size[0]
    together = {"right": mid + [0, -0.9 * hand_r, 0], "left": mid + [0, 0.9 * hand_r, 0]}
    apart = {"right": mid + [0, -spread * r / 2, 0], "left": mid + [0, spread * r / 2, 0]}
    pole = (-0.3, -0.8, -0.5)
    keys = [Key(0.0), Key(0.45, hands=apart, elbow_pole=pole)]
    cycle = [Key(0.0, hands=apart, elbow_pole=pole), Key(tempo, hands=together, elbow_pole=pole, ease="ease_in"),
             Key(2 * tempo, hands=apart, elbow_pole=pole, ease="ease_out")]
    keys += repeat(cycle, claps, start=0.45)[1:]
    return _finish(ctx, keys, "clap", {"tempo_s": tempo, "spread": spread, "height": height, "claps": claps})


def clap_signature(take: Take) -> SignatureResult:
    """Clap: the wrists meet (closer than 0.1 h, apart again beyond 0.13 h) at least three times."""
    h = S.body_height(take)
    d = np.linalg.norm(S.joint(take, "left_wrist") - S.joint(take, "right_wrist"), axis=1) / h
    n = S.count_events(-d, -0.1, -0.13)
    return SignatureResult(n >= 3, f"hands met {n} times (closest {d.min():.3f} h)")


def surrender_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    r = _reach(sk)
    raise_s = float(rng.uniform(0.4, 0.9))
    height = float(rng.uniform(0.75, 0.95))
    spread = float(rng.uniform(0.2, 0.45))
    lean = float(rng.uniform(-0.15, 0.05))
    up = {s: _shoulder(sk, s) + r * np.array([0.1, (spread if s == "left" else -spread), height]) for s in SIDES}
    pole = (0.0, -1.0, 0.0)
    keys = [Key(0.0), Key(0.2), Key(0.2 + raise_s, hands=up, elbow_pole=pole, chest=(0.0, lean, 0.0)),
            Key(max(ctx.duration, 0.2 + raise_s) + 0.2, hands=up, elbow_pole=pole, chest=(0.0, lean, 0.0))]
    return _finish(ctx, keys, "surrender", {"raise_s": raise_s, "height": height, "spread": spread, "lean": lean})


def surrender_signature(take: Take) -> SignatureResult:
    """SyntheticSurrender: both wrists above the head and held there for at least 40 % of the take."""
    head = S.joint(take, "head")[:, 2]
    up = (S.joint(take, "left_wrist")[:, 2] > head) & (S.joint(take, "right_wrist")[:, 2] > head)
    share = float(up.mean())
    held = bool(up[-1])
    return SignatureResult(share >= 0.4 and held, f"both hands up in {share:.0%} of frames, held at the end={held}")


def salute_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    raise_s = float(rng.uniform(0.35, 0.7))
    hold_s = float(rng.uniform(0.8, 1.4))
    brow_out = float(rng.uniform(0.02, 0.06))  # hand to the side of the brow, m per metre of height
    elbow_out = float(rng.uniform(0.6, 1.0))
    h = sk.segments.height
    head = np.asarray(sk.link("head").offset) + np.array([0.0, 0.0, sk.segments.neck_to_head])
    brow = head + np.array([0.1 * h / 1.75, -brow_out * h, 0.02 * h])
    pole = (0.0, -elbow_out, 0.0)
    keys = [Key(0.0), Key(0.2), Key(0.2 + raise_s, hands={"right": brow}, elbow_pole=pole, ease="ease_out"),
            Key(0.2 + raise_s + hold_s, hands={"right": brow}, elbow_pole=pole), Key(0.2 + 2 * raise_s + hold_s)]
    return _finish(ctx, keys, "salute", {"raise_s": raise_s, "hold_s": hold_s, "brow_out": brow_out,
                                         "elbow_out": elbow_out})


def salute_signature(take: Take) -> SignatureResult:
    """Salute: a wrist held at the brow (within 0.12 h of the head centre, above the shoulders) for
    at least 0.5 s, then lowered again."""
    h = S.body_height(take)
    head = S.joint(take, "head")
    best, lowered = 0.0, False
    for side in SIDES:
        w = S.joint(take, f"{side}_wrist")
        at_brow = (np.linalg.norm(w - head, axis=1) < 0.12 * h) & (w[:, 2] > S.joint(take, f"{side}_shoulder")[:, 2])
        secs = float(at_brow.sum() / take.fps)
        if secs > best:
            best, lowered = secs, bool(not at_brow[-1])
    return SignatureResult(best >= 0.5 and lowered, f"hand at the brow for {best:.2f} s, lowered={lowered}")


SALUTE = register(ActionRecipe("Salute", frozenset({"extra"}), ("salute",), salute_signature,
                               "a military salute, hand to the brow (key poses + IK)", build=salute_build,
                               duration=3.2, variations=_GESTURE_VARIATIONS, view="front"))
WAVE = register(ActionRecipe("Wave", frozenset({"mocap-like"}), ("wave",), wave_signature,
                             "waving one raised hand (key poses + IK)", build=wave_build, duration=2.6,
                             variations=_GESTURE_VARIATIONS, view="front_or_back"))
CLAP = register(ActionRecipe("Clap", frozenset({"mocap-like"}), ("clap",), clap_signature,
                             "clapping the hands repeatedly (key poses + IK)", build=clap_build, duration=2.8,
                             variations=_GESTURE_VARIATIONS, view="front"))
SURRENDER = register(ActionRecipe("SyntheticSurrender", frozenset({"synthetic"}), ("surrender",), surrender_signature,
                                  "both hands raised above the head and held (key poses + IK)", build=surrender_build,
                                  duration=2.0, variations=_GESTURE_VARIATIONS))
