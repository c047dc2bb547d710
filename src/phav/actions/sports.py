"""Procedural actions with a held tool: ShootGun (aim, shots with recoil) and SwingBaseball (a bat
swung through the hitting zone). Key poses + IK, tools from :mod:`phav.actions.objects` held by
:class:`phav.actions.stage.HeldProp`.
Hand targets scale with the arm reach; thresholds in the signatures are fractions of the height ``h``.
"""

from __future__ import annotations

import numpy as np

from phav.actions import signals as S
from phav.actions.household import reach
from phav.actions.objects import baseball_bat, gun
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.actions.stage import HeldProp
from phav.body.skeleton import SIDES
from phav.motion.keyposes import Key, synthesize
from phav.motion.ops import mirror
from phav.take import Take

_TOOL_VARIATIONS = frozenset({"n", "w", "p", "o"})


def _shoulder(sk, side: str = "right") -> np.ndarray:
    return np.asarray(sk.link(f"{side}_upper_arm").offset, dtype=np.float64)


def _azimuth(take: Take, point: np.ndarray) -> np.ndarray:
    """(T,) unwrapped angle of ``point - chest`` around the vertical, relative to the facing direction."""
    d = (point - S.joint(take, "chest"))[:, :2]
    f = S.forward(take)
    ang = np.arctan2(d[:, 1], d[:, 0]) - np.arctan2(f[:, 1], f[:, 0])
    return np.unwrap(ang)


# ---- ShootGun -------------------------------------------------------------------------------------
def shoot_gun_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    r = reach(sk)
    side = SIDES[int(rng.integers(2))]
    two_hands = bool(rng.integers(2))
    shots = int(rng.integers(2, 5))
    interval = float(rng.uniform(0.45, 0.8))  # s between shots
    raise_s = float(rng.uniform(0.4, 0.8))
    kick = float(rng.uniform(0.16, 0.26))  # recoil: the muzzle rises by this many reaches
    aim_y = float(rng.uniform(-0.1, 0.1))  # aim left/right of straight ahead, in reaches
    s = _shoulder(sk)
    aim = {"right": s + r * np.array([0.93, 0.25 + aim_y if two_hands else aim_y, -0.05])}
    if two_hands:
        aim["left"] = aim["right"] + np.array([-0.06, 0.05, -0.04]) * r
    recoil = {k: v + r * np.array([-0.08, 0.0, kick]) for k, v in aim.items()}
    pole = (0.0, -0.6, -1.0)
    look = (3.0, 0.0, 1.4)
    keys = [Key(0.0), Key(0.15), Key(0.15 + raise_s, hands=aim, elbow_pole=pole, look=look, ease="ease_out")]
    t = 0.15 + raise_s + 0.3
    keys.append(Key(t, hands=aim, elbow_pole=pole, look=look))
    for _ in range(shots):
        keys += [Key(t + 0.06, hands=recoil, elbow_pole=pole, look=look, ease="ease_out"),
                 Key(t + 0.3, hands=aim, elbow_pole=pole, look=look), Key(t + interval, hands=aim, elbow_pole=pole, look=look)]
        t += interval
    keys.append(Key(max(ctx.duration, t) + 0.3, hands=aim, elbow_pole=pole, look=look))
    clip = synthesize(sk, keys, duration=keys[-1].time, name="shoot_gun")
    if side == "left":
        clip = mirror(clip, name="shoot_gun")
    held = HeldProp(gun(rng), side, offset=(0.02, 0.0, -0.03))
    style = {"hand": side, "two_hands": two_hands, "shots": shots, "interval_s": interval, "raise_s": raise_s,
             "recoil": kick, "aim_offset": aim_y}
    return ActionPlan(clip, [held], style, "procedural key poses + IK (shoot gun)")


def shoot_gun_signature(take: Take) -> SignatureResult:
    """ShootGun: the gun is held up at shoulder height (within 0.12 h), at least 0.3 h in front of
    the chest, for 40 % of the take, and kicks up (recoil, vertical speed over 0.35 h/s) at least twice."""
    h = S.body_height(take)
    g = S.prop(take, "gun")
    chest = S.joint(take, "chest")
    shoulder = np.maximum(S.joint(take, "right_shoulder")[:, 2], S.joint(take, "left_shoulder")[:, 2])
    ahead = np.sum((g - chest)[:, :2] * S.forward(take), axis=1) / h
    aimed = (np.abs(g[:, 2] - shoulder) < 0.12 * h) & (ahead > 0.3)
    vz = np.gradient(g[:, 2]) * take.fps / h
    near_aim = np.convolve(aimed.astype(float), np.ones(min(7, len(aimed))), mode="same") > 0  # a recoil leaves the band briefly
    kicks = S.count_events(vz * near_aim, 0.35, 0.1)
    ok = float(aimed.mean()) >= 0.4 and kicks >= 2
    return SignatureResult(ok, f"aimed {aimed.mean():.0%} of frames, {kicks} recoils")


# ---- SwingBaseball --------------------------------------------------------------------------------
def swing_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    r = reach(sk)
    side = SIDES[int(rng.integers(2))]  # batting side
    wait = float(rng.uniform(0.5, 1.0))  # s in the stance
    swing = float(rng.uniform(0.22, 0.35))  # s from cocked to contact
    twist = float(rng.uniform(0.6, 0.9))  # chest turn, rad each way
    height = float(rng.uniform(-0.15, 0.05))  # hitting zone below/above the shoulders, in reaches
    swings = int(rng.integers(1, 3))
    s = _shoulder(sk)
    cocked = {"right": s + r * np.array([0.15, 0.35, 0.25]), "left": s + r * np.array([0.12, 0.42, 0.12])}
    contact = {"right": s + r * np.array([0.7, 0.3, height]), "left": s + r * np.array([0.65, 0.38, height - 0.08])}
    follow = {"right": s + r * np.array([0.15, 0.75, 0.2]), "left": s + r * np.array([0.1, 0.8, 0.1])}
    pole = (-0.3, -1.0, -0.4)
    keys = [Key(0.0), Key(0.4, hands=cocked, chest=(0.0, 0.0, -0.3), elbow_pole=pole, look=(3.0, 0.0, 1.3))]
    t = 0.4
    for _ in range(swings):
        t += wait
        keys += [Key(t, hands=cocked, chest=(0.0, 0.0, -twist), elbow_pole=pole, look=(3.0, 0.0, 1.3)),
                 Key(t + swing, hands=contact, chest=(0.0, 0.1, 0.0), elbow_pole=pole, ease="ease_in"),
                 Key(t + 1.6 * swing, hands=follow, chest=(0.0, 0.0, twist), elbow_pole=pole, ease="ease_out"),
                 Key(t + 1.6 * swing + 0.4, hands=follow, chest=(0.0, 0.0, twist), elbow_pole=pole),
                 Key(t + 1.6 * swing + 1.0, hands=cocked, chest=(0.0, 0.0, -0.3), elbow_pole=pole)]
        t += 1.6 * swing + 1.0
    keys.append(Key(max(ctx.duration, t) + 0.3, hands=cocked, chest=(0.0, 0.0, -0.3), elbow_pole=pole))
    clip = synthesize(sk, keys, duration=keys[-1].time, name="swing_baseball")
    if side == "left":
        clip = mirror(clip, name="swing_baseball")
    scale = min(1.0, sk.segments.height / 1.75)
    held = HeldProp(baseball_bat(rng, scale), side, offset=(0.0, 0.0, -0.02))
    style = {"side": side, "wait_s": wait, "swing_s": swing, "twist_rad": twist, "zone_height": height,
             "swings": swings}
    return ActionPlan(clip, [held], style, "procedural key poses + IK (baseball swing)")


def swing_signature(take: Take) -> SignatureResult:
    """SwingBaseball: the bat sweeps at least 100 degrees around the chest within 0.5 s while moving
    faster than 2 h/s."""
    h = S.body_height(take)
    b = S.prop(take, "bat")
    az = _azimuth(take, b)
    n = max(1, int(round(0.5 * take.fps)))
    sweep = max((float(np.ptp(az[i:i + n])) for i in range(max(1, len(az) - n + 1))), default=0.0)
    v = float(np.max(np.linalg.norm(np.diff(b, axis=0), axis=1)) * take.fps / h)
    ok = np.degrees(sweep) >= 100 and v >= 2.0
    return SignatureResult(bool(ok), f"bat swept {np.degrees(sweep):.0f} deg in 0.5 s, top speed {v:.1f} h/s")


SHOOT_GUN = register(ActionRecipe("ShootGun", frozenset({"mocap-like"}), ("shoot_gun",), shoot_gun_signature,
                                  "aiming a gun and shooting with recoil (key poses + IK, held gun)",
                                  build=shoot_gun_build, duration=3.4, variations=_TOOL_VARIATIONS, view="oblique"))
SWING_BASEBALL = register(ActionRecipe("SwingBaseball", frozenset({"mocap-like"}), ("swing",), swing_signature,
                                       "swinging a baseball bat (key poses + IK, held bat)", build=swing_build,
                                       duration=2.4, variations=_TOOL_VARIATIONS))
