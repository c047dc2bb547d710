"""Whole-body actions tracked from PyBullet's DeepMimic clips: Stand (getting up), KickBall (with a
ball that flies), and extras named after HMDB51/UCF101 classes: Punch, Cartwheel, Somersault, Turn,
Dance, Kick. Thresholds are fractions of the actor's height ``h``; quoted figures were measured on
Model_Man01 (1.77 m).
"""

from __future__ import annotations

import numpy as np

from phav.actions import signals as S
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, deepmimic_build, register
from phav.actions.stage import BallOnFoot
from phav.body.skeleton import SIDES
from phav.physics.variations import Prop
from phav.take import Take


def stand_signature(take: Take) -> SignatureResult:
    """Stand: the pelvis starts near the floor (< 0.2 h, 0.06-0.09 measured) and ends standing (> 0.45 h, 0.52)."""
    h = S.body_height(take)
    z = S.joint(take, "pelvis")[:, 2] / h
    ok = bool(z[0] < 0.2 and z[-1] > 0.45)
    return SignatureResult(ok, f"pelvis from {z[0]:.2f} h to {z[-1]:.2f} h")


def kickball_build(ctx: BuildContext) -> ActionPlan:
    base = deepmimic_build(ctx)
    rng = ctx.rng
    radius = float(rng.uniform(0.10, 0.12)) * min(1.0, ctx.skeleton.segments.height / 1.6)
    colour = tuple(float(c) for c in rng.uniform(0.1, 0.95, 3))
    ball = Prop("ball", "Ball", "sphere", (radius,), colour, float(rng.uniform(0.35, 0.45)))  # type: ignore[arg-type]
    kick = BallOnFoot(ball, "right", kick_speed=float(rng.uniform(4.5, 9.0)), loft=float(rng.uniform(0.5, 3.0)))
    return ActionPlan(base.clip, [kick], {"ball_radius_m": radius, "ball_colour": list(colour)}, base.source)


def kickball_signature(take: Take) -> SignatureResult:
    """KickBall: the ball, at rest before the kick, flies off: it travels at least 1 m and reaches 2 m/s."""
    b = S.prop(take, "ball")
    dist = float(np.linalg.norm(b[-1, :2] - b[0, :2]))
    v = float(np.max(np.linalg.norm(np.diff(b, axis=0), axis=1)) * take.fps)
    ok = dist >= 1.0 and v >= 2.0
    return SignatureResult(ok, f"ball moved {dist:.2f} m, top speed {v:.1f} m/s")


def punch_signature(take: Take) -> SignatureResult:
    """Punch: a wrist shoots out 0.4 h from the chest (0.49 h measured) at chest height or above,
    while both feet stay on the ground."""
    h = S.body_height(take)
    chest = S.joint(take, "chest")
    best = 0.0
    for side in SIDES:
        w = S.joint(take, f"{side}_wrist")
        reach = np.linalg.norm(w - chest, axis=1) * (w[:, 2] > chest[:, 2] - 0.05 * h)
        best = max(best, float(reach.max() / h))
    lower = np.minimum(S.joint(take, "left_ankle")[:, 2], S.joint(take, "right_ankle")[:, 2])
    ok = best >= 0.4 and float(lower.max() / h) < 0.15
    return SignatureResult(ok, f"reach {best:.2f} h")


def _inverted(take: Take) -> np.ndarray:
    """(T,) both ankles above the head."""
    head = S.joint(take, "head")[:, 2]
    return (S.joint(take, "left_ankle")[:, 2] > head) & (S.joint(take, "right_ankle")[:, 2] > head)


def cartwheel_signature(take: Take) -> SignatureResult:
    """Cartwheel: upside down (both ankles above the head) with a hand on the ground (< 0.08 h)."""
    h = S.body_height(take)
    hand = np.minimum(S.joint(take, "left_wrist")[:, 2], S.joint(take, "right_wrist")[:, 2]) / h
    n = int(np.sum(_inverted(take) & (hand < 0.08)))
    return SignatureResult(n >= 2, f"{n} frames inverted on a hand")


def somersault_signature(take: Take) -> SignatureResult:
    """Somersault: upside down in the air: both ankles above the head while both wrists are off the ground (> 0.15 h)."""
    h = S.body_height(take)
    hand = np.minimum(S.joint(take, "left_wrist")[:, 2], S.joint(take, "right_wrist")[:, 2]) / h
    n = int(np.sum(_inverted(take) & (hand > 0.15)))
    return SignatureResult(n >= 2, f"{n} frames inverted in the air")


def _turned(take: Take) -> float:
    f = S.forward(take)
    yaw = np.unwrap(np.arctan2(f[:, 1], f[:, 0]))
    return float(np.degrees(np.abs(yaw - yaw[0]).max()))


def turn_signature(take: Take) -> SignatureResult:
    """Turn: the hips turn at least 300 degrees (670 measured on the spin clip)."""
    deg = _turned(take)
    return SignatureResult(deg >= 300.0, f"turned {deg:.0f} deg")


def kick_signature(take: Take) -> SignatureResult:
    """Kick: one ankle rises above 0.6 h (1.0 h measured) while the other stays below 0.3 h."""
    h = S.body_height(take)
    l, r = S.joint(take, "left_ankle")[:, 2] / h, S.joint(take, "right_ankle")[:, 2] / h
    hi = np.maximum(l, r)
    lo = np.minimum(l, r)
    n = int(np.sum((hi > 0.6) & (lo < 0.3)))
    return SignatureResult(n >= 1, f"{n} frames with a foot above 0.6 h, the other down")


def dance_signature(take: Take) -> SignatureResult:
    """Dance: the wrists keep moving (mean wrist speed relative to the chest >= 0.5 h/s) while the
    body stays on its feet within 1.5 h of where it began."""
    h = S.body_height(take)
    chest = S.joint(take, "chest")
    v = 0.0
    for side in ("left", "right"):
        rel = S.joint(take, f"{side}_wrist") - chest
        v += float(np.mean(np.linalg.norm(np.diff(rel, axis=0), axis=1)) * take.fps) / 2
    p = S.joint(take, "pelvis")
    wander = float(np.linalg.norm(p[:, :2] - p[0, :2], axis=1).max() / h)
    ok = v / h >= 0.5 and wander <= 1.5 and float(p[:, 2].min() / h) > 0.3
    return SignatureResult(ok, f"wrist speed {v / h:.2f} h/s, wander {wander:.2f} h")


#: Whole-body clips whose arms carry the action: blending (b) would layer a second clip's upper
#: body over them and replace it.
_WHOLE_BODY_VARIATIONS = frozenset({"n", "w", "p", "o"})
STAND = register(ActionRecipe("Stand", frozenset({"mocap-like"}), ("getup_faceup", "getup_facedown"), stand_signature,
                              "getting up from the floor (DeepMimic getup clips)", duration=3.9))
KICKBALL = register(ActionRecipe("KickBall", frozenset({"mocap-like"}), ("kick",), kickball_signature,
                                 "kicking a ball that flies off (DeepMimic kick clip, physical ball)",
                                 build=kickball_build, duration=2.2,
                                 # o: the objects variation's thrown ball spoiled the kick in 4 of 18 seeds (measured)
                                 variations=frozenset({"n", "w", "p", "b"})))
PUNCH = register(ActionRecipe("Punch", frozenset({"extra"}), ("punch",), punch_signature,
                              "punching forward (HMDB51 punch; DeepMimic punch clip)", duration=2.1,
                              # b layers a second clip's upper body over the motion: it would replace the punch
                              variations=frozenset({"n", "w", "p", "o"})))
CARTWHEEL = register(ActionRecipe("Cartwheel", frozenset({"extra"}), ("cartwheel",), cartwheel_signature,
                                  "a cartwheel (HMDB51 cartwheel; DeepMimic clip)", duration=2.7,
                                  variations=_WHOLE_BODY_VARIATIONS))
SOMERSAULT = register(ActionRecipe("Somersault", frozenset({"extra"}), ("backflip",), somersault_signature,
                                   "a back somersault (HMDB51 somersault; DeepMimic backflip)", duration=1.75,
                                   variations=_WHOLE_BODY_VARIATIONS))
TURN = register(ActionRecipe("Turn", frozenset({"extra"}), ("spin",), turn_signature,
                             "spinning turns (HMDB51 turn; DeepMimic spin clip)", duration=4.4))
DANCE = register(ActionRecipe("Dance", frozenset({"extra"}), ("dance_a", "dance_b"), dance_signature,
                              "dancing (UCF101 SalsaSpin-like; DeepMimic dance clips)", duration=2.5))
KICK = register(ActionRecipe("Kick", frozenset({"extra"}), ("spinkick",), kick_signature,
                             "a spinning high kick (HMDB51 kick; DeepMimic spinkick)", duration=1.3,
                             variations=_WHOLE_BODY_VARIATIONS))
