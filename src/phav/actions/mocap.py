"""Whole-body actions tracked from PyBullet's DeepMimic clips: Stand (getting up) and extras named
after HMDB51/UCF101 classes: Punch, Cartwheel, Somersault, Dance, Kick; KickBall (a step and a low
kick through a ball on the ground, key poses + IK, the ball launched when the foot meets it) and Turn
(turning round on the spot in small steps, key poses + IK). Thresholds are fractions of the actor's
height ``h``; quoted figures were measured on Model_Man01 (1.77 m) unless a range over presets is given.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.actions import signals as S
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.actions.household import reach as household_reach
from phav.actions.stage import BallOnFoot, body_to_world
from phav.body.skeleton import SIDES
from phav.motion.keyposes import EASINGS, SYNTH_FPS, Key, standing_height, synthesize
from phav.motion.ops import mirror
from phav.physics.variations import Prop
from phav.take import Take


def stand_signature(take: Take) -> SignatureResult:
    """Stand: the pelvis starts near the floor (< 0.2 h, 0.06-0.09 measured) and ends standing (> 0.45 h, 0.52)."""
    h = S.body_height(take)
    z = S.joint(take, "pelvis")[:, 2] / h
    ok = bool(z[0] < 0.2 and z[-1] > 0.45)
    return SignatureResult(ok, f"pelvis from {z[0]:.2f} h to {z[-1]:.2f} h")


class BallAhead(BallOnFoot):
    """:class:`~phav.actions.stage.BallOnFoot` with the ball put at a given body-frame point (where
    the kick's key poses send the foot) instead of where the foot sweeps fastest."""

    def __init__(self, prop: Prop, side: str, spot, kick_speed: float, loft: float) -> None:
        super().__init__(prop, side, kick_speed=kick_speed, loft=loft)
        self.spot = np.asarray(spot, dtype=np.float64)

    def setup(self, world, human) -> None:
        where = body_to_world(human, self.spot)
        self.props[0].create(world, where)
        self.record.update({"kick_speed_m_s": self.kick_speed, "loft_m_s": self.loft,
                            "ball_spot_m": [round(float(x), 4) for x in where]})


def kickball_build(ctx: BuildContext) -> ActionPlan:
    """A step and a low kick through a ball on the ground: the plant foot lands beside the ball,
    the kicking leg swings back (knee bent), then forward through the ball with the foot a couple
    of centimetres above the ground, follows through and sets down ahead. Key poses + IK, built
    for the right foot and mirrored for the left; :class:`BallAhead` launches the ball when the foot
    meets it."""
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    k = min(1.0, seg.height / 1.75)
    side = SIDES[int(rng.integers(2))]
    wait = float(rng.uniform(0.2, 0.5))  # s standing before the step
    step_s = float(rng.uniform(0.35, 0.5))  # s of the plant step
    swing_s = float(rng.uniform(0.14, 0.2))  # s from the back-swing to the ball
    step = float(rng.uniform(0.45, 0.65)) * seg.leg_length  # plant step length
    follow = float(rng.uniform(0.3, 0.5))  # follow-through height, leg lengths
    radius = float(rng.uniform(0.10, 0.12)) * min(1.0, seg.height / 1.6)
    colour = tuple(float(c) for c in rng.uniform(0.1, 0.95, 3))
    speed = float(rng.uniform(5.0, 9.0)) * float(np.sqrt(k))
    loft = float(rng.uniform(0.5, 3.0))
    ball = Prop("ball", "Ball", "sphere", (radius,), colour, float(rng.uniform(0.35, 0.45)))  # type: ignore[arg-type]
    leg, a, hw = seg.leg_length, seg.ankle_to_sole, seg.hip_half_width
    h0 = standing_height(sk)
    toe = seg.foot_forward + 0.5 * seg.foot_length  # the foot's front ahead of the ankle
    ball_y = -0.5 * hw  # the kicking foot swings a little inwards, onto the ball
    hit = np.array([step, ball_y, a + 0.02 * k])  # kicking ankle at the ball (sole just off the ground)
    ball_x = step + toe + radius
    plant = np.array([step - 0.03 * leg, ball_y + radius + 0.5 * seg.foot_width + 0.05 * k, a])  # beside the ball
    # pelvis at the kick: the hip a little behind the ball, low enough for a nearly straight leg
    px = step - 0.15 * leg
    leg_reach = 0.96 * (seg.thigh + seg.shin)  # hip to ankle, nearly straight
    drop = float(np.sqrt(max(leg_reach ** 2 - (step - px) ** 2 - (ball_y + hw) ** 2, 0.0)))
    pz = hit[2] + drop - h0
    pelvis_kick = (px, 0.0, pz)
    back = np.array([px - 0.4 * leg, -hw, a + 0.3 * leg])  # back-swing: heel up behind
    through = np.array([ball_x + 0.3 * leg, 0.5 * ball_y, a + follow * leg])
    land = np.array([plant[0] + 0.1 * leg, -hw, a])
    rest_r = np.array([0.0, -hw, a])
    r = household_reach(sk)
    sh_r = np.asarray(sk.link("right_upper_arm").offset, dtype=np.float64)
    sh_l = np.asarray(sk.link("left_upper_arm").offset, dtype=np.float64)
    arms_back = {"left": sh_l + r * np.array([0.45, 0.5, -0.55]), "right": sh_r + r * np.array([-0.3, -0.45, -0.8])}
    arms_kick = {"left": sh_l + r * np.array([0.2, 0.8, -0.45]), "right": sh_r + r * np.array([-0.45, -0.35, -0.75])}
    at_ball = (ball_x, ball_y, 0.0)
    ahead = (ball_x + 3.0, ball_y, 0.3)
    t1 = wait
    t_plant = t1 + step_s
    t_back = t_plant + 0.12
    t_hit = t_back + swing_s
    t_follow = t_hit + 0.18
    t_land = t_follow + 0.4
    lift = plant * np.array([0.5, 1.0, 1.0]) + np.array([0.0, 0.0, 0.1 * leg])
    keys = [Key(0.0, look=at_ball), Key(t1, look=at_ball),
            Key(t1 + 0.5 * step_s, pelvis=(0.4 * px, 0.0, 0.3 * pz), feet={"left": tuple(lift), "right": tuple(rest_r)},
                look=at_ball),
            Key(t_plant, pelvis=(0.85 * px, 0.0, 0.8 * pz), pelvis_rot=(0.0, 0.05, -0.15),
                feet={"left": tuple(plant), "right": tuple(rest_r + np.array([-0.1 * leg, 0.0, 0.1 * leg]))},
                hands=arms_back, look=at_ball),
            Key(t_back, pelvis=pelvis_kick, pelvis_rot=(0.0, 0.05, -0.25), chest=(0.0, 0.0, 0.15),
                feet={"left": tuple(plant), "right": tuple(back)}, hands=arms_back, look=at_ball),
            Key(t_hit, pelvis=pelvis_kick, pelvis_rot=(0.0, -0.05, 0.0), chest=(0.0, 0.0, 0.0),
                feet={"left": tuple(plant), "right": tuple(hit)}, hands=arms_kick, look=at_ball, ease="ease_in"),
            Key(t_follow, pelvis=(px, 0.0, 0.7 * pz), pelvis_rot=(0.0, -0.15, 0.25), chest=(0.0, 0.0, -0.1),
                feet={"left": tuple(plant), "right": tuple(through)}, hands=arms_kick, look=ahead, ease="ease_out"),
            Key(t_land, pelvis=(0.5 * (plant[0] + land[0]), 0.0, 0.0),
                feet={"left": tuple(plant), "right": tuple(land)}, look=ahead)]
    end = max(ctx.duration, t_land) + 0.3
    keys.append(dataclasses.replace(keys[-1], time=end))
    clip = synthesize(sk, keys, duration=end, name="kick_ball")
    spot = np.array([ball_x, ball_y, radius])
    if side == "left":
        clip = mirror(clip, name="kick_ball")
        spot[1] = -spot[1]
    kick = BallAhead(ball, side, spot, kick_speed=speed, loft=loft)
    style = {"foot": side, "ball_radius_m": radius, "ball_colour": list(colour), "wait_s": wait, "step_s": step_s,
             "swing_s": swing_s, "step_m": step, "follow_through": follow, "kick_speed_m_s": speed, "loft_m_s": loft}
    return ActionPlan(clip, [kick], style, "procedural key poses + IK (kick a ball), physical ball")


#: Horizontal ball speed (m/s) from which the ball counts as kicked.
KICKED_BALL_SPEED = 1.5


def kickball_signature(take: Take) -> SignatureResult:
    """KickBall: the ball lies still until a foot meets it near the ground (that ankle within 0.3 h
    of the ball, below 0.12 h: 0.06-0.1 h measured), after a low swing (the ankle below 0.4 h in
    the 0.5 s before: 0.18-0.2 h measured, a high kick reaches 0.7 h), and leaves along the
    foot's motion (within 45 degrees) to travel at least 1 m, reaching 2 m/s."""
    h = S.body_height(take)
    b = S.prop(take, "ball")
    speed = np.linalg.norm(np.diff(b[:, :2], axis=0), axis=1) * take.fps  # (T - 1,) between frames
    moving = np.nonzero(speed > KICKED_BALL_SPEED)[0]
    if not len(moving) or moving[0] == 0:
        why = "the ball was never kicked" if not len(moving) else "the ball was moving at the start"
        return SignatureResult(False, why)
    k = int(moving[0])  # the last frame before the ball leaves
    ankles = {side: S.joint(take, f"{side}_ankle") for side in SIDES}
    j = max(0, k - 3)
    # the kicking foot: the one swinging (fastest over the last frames), not the one planted beside the ball
    side = max(SIDES, key=lambda s: float(np.linalg.norm(ankles[s][k, :2] - ankles[s][j, :2])))
    ankle = ankles[side]
    near = float(np.linalg.norm(ankle[k] - b[k]) / h)
    low = float(ankle[k, 2] / h)
    swing = float(ankle[max(0, k - int(round(0.5 * take.fps))):k + 1, 2].max() / h)
    foot_v = ankle[k, :2] - ankle[j, :2]
    n = min(len(b) - 1, k + max(1, int(round(0.25 * take.fps))))
    away = b[n, :2] - b[k, :2]
    along = float(np.dot(foot_v, away) / max(np.linalg.norm(foot_v) * np.linalg.norm(away), 1e-9))
    dist = float(np.linalg.norm(b[-1, :2] - b[0, :2]))
    top = float(speed.max())
    ok = (near < 0.3 and low < 0.12 and swing < 0.4 and along > np.cos(np.radians(45.0))
          and dist >= 1.0 and top >= 2.0)
    return SignatureResult(ok, f"{side} foot met the ball {near:.2f} h from it at {low:.3f} h (swung up to "
                               f"{swing:.2f} h), the ball left along the foot's motion (cos {along:.2f}), "
                               f"moved {dist:.2f} m, top speed {top:.1f} m/s")


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
    """The largest change of the hips' facing direction from the first frame, degrees."""
    f = S.forward(take)
    yaw = np.unwrap(np.arctan2(f[:, 1], f[:, 0]))
    return float(np.degrees(np.abs(yaw - yaw[0]).max()))


def turn_signature(take: Take) -> SignatureResult:
    """Turn: the hips turn at least 80 degrees (the drawn 110-180), the pelvis stays upright all the
    way (its up axis within about 30 degrees of vertical) and both ankles stay below 0.2 h."""
    h = S.body_height(take)
    deg = _turned(take)
    up = float(_pelvis_up(take).min())
    high = float(max(S.joint(take, f"{s}_ankle")[:, 2].max() for s in SIDES) / h)
    ok = deg >= TURN_MIN_DEG and up >= TURN_MIN_UPRIGHT and high < TURN_MAX_ANKLE_PER_H
    return SignatureResult(ok, f"turned {deg:.0f} deg, pelvis up axis at least {up:.2f} vertical, "
                               f"ankles up to {high:.2f} h")


# ---- Turn (extra): turning round on the spot in small pivoting steps -------------------------------
#: Turn: the facing direction changes by at least this much (degrees; the drawn turn is 110-180) ...
TURN_MIN_DEG = 80.0
#: ... with the pelvis upright all the way (the cosine of its tilt from vertical at least this) ...
TURN_MIN_UPRIGHT = 0.85
#: ... and both feet near the ground (each ankle below this fraction of the height): no acrobatics.
TURN_MAX_ANKLE_PER_H = 0.2


def _turn_schedule(total: float, steps: int, start: float,
                   step_s: float) -> list[tuple[str, float, float, float, float]]:
    """The stepping of a left turn by ``total`` rad: ``(foot, t0, t1, from_yaw, to_yaw)`` per step.
    The left foot opens first; the feet alternate, each step turning the stepping foot ``total /
    steps`` past the other one; a last step brings the trailing foot alongside."""
    yaw = {"left": 0.0, "right": 0.0}
    out = []
    t = start
    for i in range(steps + 1):
        foot = SIDES[1] if i % 2 == 0 else SIDES[0]  # SIDES = (right, left): left first
        to = total * min(i + 1, steps) / steps
        if to <= yaw[foot] + 1e-9:
            continue
        out.append((foot, t, t + step_s, yaw[foot], to))
        yaw[foot] = to
        t += step_s
    return out


def turn_build(ctx: BuildContext) -> ActionPlan:
    """Turning round on the spot: standing, the head and eyes turn towards the new direction, then
    the body follows in small pivoting steps (the foot on the side of the turn opens first, the feet
    alternate, each lifted and set down turned a little further about the spot, the weight shifting
    onto the standing foot), and the person stands facing the new way. Key poses + IK, built as a
    left turn and mirrored for a right one; the legs are solved with the knees and feet along each
    foot's own heading (not the pelvis's), so the feet turn with the steps instead of twisting on
    the spot."""
    from phav.geometry import quat_conjugate, quat_from_axis_angle, quat_multiply, quat_rotate
    from phav.motion.ik import leg_ik_many

    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    side = SIDES[int(rng.integers(2))]  # right: turning clockwise
    total = float(np.radians(rng.uniform(110.0, 180.0)))
    step_deg = float(rng.uniform(40.0, 60.0))
    steps = max(2, int(np.ceil(np.degrees(total) / step_deg)))
    wait = float(rng.uniform(0.3, 0.7))  # s standing still before the head turns
    lead = float(rng.uniform(0.25, 0.4))  # s the head turns ahead of the first step
    step_s = float(rng.uniform(0.38, 0.5))  # s per step
    lift = float(rng.uniform(0.06, 0.1)) * seg.leg_length  # how high a stepping ankle rises
    shift = float(rng.uniform(0.5, 0.7))  # share of the way to the standing foot the pelvis moves
    hw, a, h = seg.hip_half_width, seg.ankle_to_sole, seg.height
    start = wait + lead
    plan = _turn_schedule(total, steps, start, step_s)
    t_done = plan[-1][2]
    end = max(ctx.duration, t_done + 0.8) + 0.3
    n = max(2, int(round(end * SYNTH_FPS)) + 1)
    t = np.arange(n) / SYNTH_FPS

    def smooth(u):
        return EASINGS["smooth"](np.clip(u, 0.0, 1.0))

    foot_yaw = {s: np.zeros(n) for s in SIDES}
    foot_up = {s: np.zeros(n) for s in SIDES}
    weight = np.zeros((n, 2))  # the pelvis's pull towards the standing foot, body frame
    for foot, t0, t1, y0, y1 in plan:
        u = (t - t0) / (t1 - t0)
        inside = (u > 0.0) & (u < 1.0)
        foot_yaw[foot] = np.where(t >= t0, y0 + (y1 - y0) * smooth(u), foot_yaw[foot])
        foot_up[foot] = np.where(inside, np.sin(np.pi * np.clip(u, 0, 1)), foot_up[foot])
    ankles = {}
    for s in SIDES:
        y = hw if s == "left" else -hw
        ankles[s] = np.stack([-y * np.sin(foot_yaw[s]), y * np.cos(foot_yaw[s]), a + lift * foot_up[s]], axis=1)
    mid = 0.5 * (ankles["left"][:, :2] + ankles["right"][:, :2])  # the pelvis stands over the feet
    # the weight goes onto the standing foot a little before each step lifts and back after it lands
    for foot, t0, t1, _, _ in plan:
        other = SIDES[0] if foot == SIDES[1] else SIDES[1]
        w = smooth((t - t0 + 0.12) / 0.2) * (1.0 - smooth((t - t1 + 0.05) / 0.2))
        weight += (w * shift)[:, None] * (ankles[other][:, :2] - mid)
    body_yaw = 0.5 * (foot_yaw["left"] + foot_yaw["right"])
    # the head and eyes lead: they reach the new direction while the body is still turning
    look_yaw = total * smooth((t - wait) / (t_done - wait - 0.4))
    chest_yaw = np.clip(0.5 * (look_yaw - body_yaw), -0.35, 0.35)
    dip = 0.015 * seg.leg_length * sum(foot_up.values())  # knees a little bent while stepping
    eye = 0.93 * h
    keys = []
    for i in range(n):
        px, py = mid[i] + weight[i]
        ly = look_yaw[i]
        keys.append(Key(float(t[i]), pelvis=(float(px), float(py), -float(dip[i])),
                        pelvis_rot=(0.0, 0.0, float(body_yaw[i])), chest=(0.0, 0.0, float(chest_yaw[i])),
                        feet={s: tuple(float(v) for v in ankles[s][i]) for s in SIDES},
                        look=(3.0 * float(np.cos(ly)), 3.0 * float(np.sin(ly)), eye), ease="linear"))
    clip = synthesize(sk, keys, duration=float(t[-1]), name="turn")
    # Legs again, with each knee and foot along that foot's heading: synthesize keeps the feet at +x.
    pq = clip.root_quat
    names = list(clip.joint_names)
    jq = clip.joint_quats.copy()
    for s in SIDES:
        fy = quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), foot_yaw[s][:clip.num_frames])  # (T, 4)
        local = quat_rotate(quat_conjugate(pq), ankles[s][:clip.num_frames] - clip.root_pos)
        pole = quat_rotate(quat_conjugate(pq), quat_rotate(fy, np.array([1.0, 0.0, 0.0])))
        r = leg_ik_many(sk, s, local, pole)
        knee = quat_from_axis_angle(np.asarray(sk.link(f"{s}_shin").axis, dtype=np.float64), r.bend)
        jq[:, names.index(f"{s}_hip")] = r.root_quat
        jq[:, names.index(f"{s}_knee")] = knee
        shin = quat_multiply(quat_multiply(pq, r.root_quat), knee)
        jq[:, names.index(f"{s}_ankle")] = quat_multiply(quat_conjugate(shin), fy)
    clip = dataclasses.replace(clip, joint_quats=jq)
    if side == "right":
        clip = mirror(clip, name="turn")
    style = {"direction": "left" if side == "left" else "right", "turn_deg": float(np.degrees(total)),
             "steps": len(plan), "wait_s": wait, "head_lead_s": lead, "step_s": step_s, "lift_m": lift,
             "weight_shift": shift}
    return ActionPlan(clip, [], style, "procedural key poses + IK (turning round in small steps)")


def _pelvis_up(take: Take) -> np.ndarray:
    """``(T,)`` the vertical component of the pelvis's up axis (1: upright)."""
    from phav.geometry import quat_rotate

    part = next(p for p in take.part_names if p.endswith("/pelvis"))  # the main actor's, listed first
    q = take.part_quat[:, take.part_names.index(part)]
    return quat_rotate(q, np.array([0.0, 0.0, 1.0]))[:, 2]


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
KICKBALL = register(ActionRecipe("KickBall", frozenset({"mocap-like"}), ("kick_ball",), kickball_signature,
                                 "a step and a low kick through a ball that flies off (key poses + IK, physical ball)",
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
TURN = register(ActionRecipe("Turn", frozenset({"extra"}), ("turn_steps",), turn_signature,
                             "turning round on the spot in small steps, the head leading (HMDB51 turn; "
                             "key poses + IK)", build=turn_build, duration=4.4))
DANCE = register(ActionRecipe("Dance", frozenset({"extra"}), ("dance_a", "dance_b"), dance_signature,
                              "dancing (UCF101 SalsaSpin-like; DeepMimic dance clips)", duration=2.5))
KICK = register(ActionRecipe("Kick", frozenset({"extra"}), ("spinkick",), kick_signature,
                             "a spinning high kick (HMDB51 kick; DeepMimic spinkick)", duration=1.3,
                             variations=_WHOLE_BODY_VARIATIONS))
