"""Procedural exertion actions: PullUp (hanging from a bar overhead, the chin pulled above it) and
Push (a heavy box slid along the floor by a person leaning and walking into it). Key poses + IK (:mod:`phav.motion.keyposes`); the bar is
:func:`phav.actions.objects.pull_up_bar` (semantic class ``Misc``) held by
:class:`phav.actions.stage.Fixture`, which pins the hands where they grip it.

The bar's height follows the actor's own standing reach, so every body shape, children included,
grips it from the floor; distances scale with the arm reach and leg length, signature thresholds are
fractions of the height ``h``.
"""

from __future__ import annotations

import numpy as np

from phav.actions import signals as S
from phav.actions.household import chest_point, reach
from phav.actions.objects import pull_up_bar
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.actions.stage import Fixture, PlacedProp
from phav.body.skeleton import SIDES, Skeleton
from phav.motion.keyposes import Key, rest_ankle, standing_height, synthesize
from phav.physics.variations import Prop
from phav.take import Take

#: The chin lies this fraction of the body height below the head's centre.
CHIN_BELOW_HEAD = 0.045
#: Radius of the pull-up bar (see :func:`phav.actions.objects.pull_up_bar`), metres.
BAR_RADIUS = 0.02


def _chest_z(sk: Skeleton) -> float:
    return standing_height(sk) + float(sk.rest_offset("chest")[2])


def pull_up_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r, h = reach(sk), seg.height
    reps = int(rng.integers(2, 5))
    tempo = float(rng.uniform(0.9, 1.4))  # s per repetition (up and down)
    grip = float(rng.uniform(1.0, 1.6))  # hand spacing in shoulder half widths
    legs = ("bent", "straight", "crossed")[int(rng.integers(3))]
    reach_s = float(rng.uniform(0.5, 0.8))  # s to raise the arms to the bar
    shoulder = np.asarray(sk.link("right_upper_arm").offset, dtype=np.float64)
    shoulder_z = _chest_z(sk) + shoulder[2]
    ahead = shoulder[0] + 0.1 * r
    bar_top = shoulder_z + 0.93 * r + seg.hand_radius + BAR_RADIUS
    wrist_z = bar_top - BAR_RADIUS - seg.hand_radius
    chin0 = _chest_z(sk) + float(sk.link("head").offset[2]) + seg.neck_to_head - CHIN_BELOW_HEAD * h
    lift = bar_top - chin0 + float(rng.uniform(0.04, 0.09)) * h  # chin this far over the bar at the top
    half_w = grip * seg.shoulder_half_width
    grips = {side: np.array([ahead, s * half_w, wrist_z]) for side, s in (("right", -1.0), ("left", 1.0))}
    width = 2.0 * half_w + 0.5 * r

    def hands(dz: float, lean: float) -> dict:
        return {side: chest_point(sk, g, (0.0, 0.0, dz), (0.0, lean, 0.0)) for side, g in grips.items()}

    def feet(dz: float) -> dict:
        tuck = {"bent": (-0.35, 0.0, 0.35), "straight": (0.05, 0.0, 0.06), "crossed": (-0.3, 0.0, 0.3)}[legs]
        out = {}
        for side in SIDES:
            a = rest_ankle(sk, side) + np.array(tuck) * seg.leg_length + np.array([0.0, 0.0, dz])
            if legs == "crossed":
                a[1] *= -0.3
                a[0] += 0.04 if side == "right" else -0.04
            out[side] = a
        return out

    pole = (-0.2, -1.0, -0.3)
    hang_pel = (0.0, 0.0, 0.0)
    look = (3.0, 0.0, bar_top)
    t_grip = 0.3 + reach_s
    keys = [Key(0.0), Key(0.3),
            Key(t_grip, hands=hands(0.0, 0.0), elbow_pole=pole, look=look),
            Key(t_grip + 0.3, hands=hands(0.0, 0.0), elbow_pole=pole, look=look),
            Key(t_grip + 0.7, pelvis=hang_pel, hands=hands(0.0, 0.0), feet=feet(0.0), elbow_pole=pole, look=look)]
    t = t_grip + 0.7
    for _ in range(reps):
        up = (0.0, 0.0, lift)
        keys += [Key(t + 0.5 * tempo, pelvis=up, pelvis_rot=(0.0, -0.08, 0.0), hands=hands(lift, -0.08),
                     feet=feet(lift), elbow_pole=pole, look=look, ease="smooth"),
                 Key(t + 0.62 * tempo, pelvis=up, pelvis_rot=(0.0, -0.08, 0.0), hands=hands(lift, -0.08),
                     feet=feet(lift), elbow_pole=pole, look=look),
                 Key(t + tempo, pelvis=hang_pel, hands=hands(0.0, 0.0), feet=feet(0.0), elbow_pole=pole, look=look)]
        t += tempo
    end = max(ctx.duration, t) + 0.3
    keys.append(Key(end, pelvis=hang_pel, hands=hands(0.0, 0.0), feet=feet(0.0), elbow_pole=pole, look=look))
    clip = synthesize(sk, keys, duration=end, name="pull_up")
    bar = Fixture(pull_up_bar(bar_top, width, rng), (ahead, 0.0, 0.0), grip_s=t_grip + 0.25)
    bar.collide = False  # the rising hands pass the bar's front to close round it
    style = {"reps": reps, "tempo_s": tempo, "grip_width": grip, "legs": legs, "reach_s": reach_s,
             "bar_height_m": bar_top, "lift_m": lift}
    return ActionPlan(clip, [bar], style, "procedural key poses + IK (pull-up), hands pinned to the bar")


def pull_up_signature(take: Take) -> SignatureResult:
    """PullUp: the hands stay at the bar (wrists within 0.1 h below its top) for half of the take,
    and the chin (head centre less :data:`CHIN_BELOW_HEAD` h) rises above the bar at least twice."""
    h = S.body_height(take)
    top = float(take.meta["action"]["bar_height_m"])
    wrists = np.minimum(S.joint(take, "right_wrist")[:, 2], S.joint(take, "left_wrist")[:, 2])
    on_bar = float(np.mean(np.abs(wrists - top) < 0.1 * h))
    chin = (S.joint(take, "head")[:, 2] - CHIN_BELOW_HEAD * h - top) / h
    reps = S.count_events(chin, 0.0, -0.05)
    ok = on_bar >= 0.5 and reps >= 2
    return SignatureResult(ok, f"chin over the bar {reps} times, hands at the bar {on_bar:.0%} of frames")


# ---- Push -----------------------------------------------------------------------------------------
def push_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r, h = reach(sk), seg.height
    k = min(1.0, h / 1.75)
    lean = float(rng.uniform(0.25, 0.45))  # forward lean of the pelvis while pushing, rad
    stride = float(rng.uniform(0.22, 0.32)) * seg.leg_length  # step length, m
    step_s = float(rng.uniform(0.45, 0.65))  # s per step
    hands_h = float(rng.uniform(0.45, 0.6))  # hand height on the box, in body heights
    depth, width = float(rng.uniform(0.7, 0.9)) * k, float(rng.uniform(0.6, 0.9)) * k
    size = (depth, width, hands_h * h + float(rng.uniform(0.1, 0.25)) * k)
    mass = float(rng.uniform(20.0, 40.0)) * k * k  # kg
    steps = 7
    shoulder = np.asarray(sk.link("right_upper_arm").offset, dtype=np.float64)
    pel_back = -0.1 * seg.leg_length  # hips behind the feet's centre when leaning
    chest_x = float(sk.rest_offset("chest")[2]) * np.sin(lean)
    face = pel_back + chest_x + shoulder[2] * np.sin(lean) + 0.75 * r  # box's near face, body frame x
    box = Prop("box", "Misc", "box", size, tuple(float(c) for c in rng.uniform(0.3, 0.7, 3)), mass)
    centre = np.array([face + size[0] / 2, 0.0, size[2] / 2])
    drop = -0.05 * seg.leg_length

    def hands(dx: float) -> dict:
        pel = (pel_back + dx, 0.0, drop)
        return {side: chest_point(sk, np.array([face + dx - 0.03 + 0.5 * seg.hand_radius, y, hands_h * h]),
                                  pel, (0.0, lean, 0.0))
                for side, y in (("right", -0.8 * seg.shoulder_half_width), ("left", 0.8 * seg.shoulder_half_width))}

    pole = (-0.6, -0.6, -0.4)
    t0 = 0.9  # leaning into the box
    keys = [Key(0.0), Key(0.3),
            Key(t0, pelvis=(pel_back, 0.0, drop), pelvis_rot=(0.0, lean, 0.0), hands=hands(0.0), elbow_pole=pole)]
    feet = {side: rest_ankle(sk, side) for side in SIDES}
    lead = float(rng.uniform(0.0, 1.0)) < 0.5
    order = ("right", "left") if lead else ("left", "right")
    t, x = t0, 0.0
    for i in range(steps):
        side = order[i % 2]
        move = stride if i == 0 else 2.0 * stride
        before = dict(feet)
        after = dict(feet)
        after[side] = feet[side] + np.array([move, 0.0, 0.0])
        mid = dict(feet)
        mid[side] = feet[side] + np.array([0.5 * move, 0.0, 0.12 * seg.leg_length])
        dx_mid, dx_end = x + 0.5 * stride, x + stride
        keys += [Key(t + 0.5 * step_s, pelvis=(pel_back + dx_mid, 0.0, drop), pelvis_rot=(0.0, lean, 0.0),
                     hands=hands(dx_mid), feet=mid, elbow_pole=pole, ease="linear"),
                 Key(t + step_s, pelvis=(pel_back + dx_end, 0.0, drop), pelvis_rot=(0.0, lean, 0.0),
                     hands=hands(dx_end), feet=after, elbow_pole=pole, ease="linear")]
        feet, t, x = after, t + step_s, dx_end
        del before
    end = max(ctx.duration, t) + 0.3
    keys.append(Key(end, pelvis=(pel_back + x, 0.0, drop), pelvis_rot=(0.0, lean, 0.0), hands=hands(x), feet=feet,
                    elbow_pole=pole))
    clip = synthesize(sk, keys, duration=end, name="push")
    style = {"lean_rad": lean, "stride_m": stride, "step_s": step_s, "hands_height": hands_h, "box_mass_kg": mass,
             "box_size_m": list(size), "lead_foot": order[0]}
    return ActionPlan(clip, [SlidingBox(box, centre)], style, "procedural key poses + IK (push), physical box")


#: Friction coefficient of the pushed box on the floor: low enough that a push at chest height
#: slides it rather than tipping it over (a box of depth d tips when mu * push height > d / 2).
BOX_FRICTION = 0.3


class SlidingBox(PlacedProp):
    """A free box placed in the body frame with :data:`BOX_FRICTION` on the floor."""

    def setup(self, world, human) -> None:
        super().setup(world, human)
        world.client.changeDynamics(self.props[0].body, -1, lateralFriction=BOX_FRICTION, rollingFriction=0.0)


def push_signature(take: Take) -> SignatureResult:
    """Push: the box slides at least 0.3 h along the floor (staying upright: its centre within 0.05 h
    of its start height) and the person follows it at least 0.25 h, hands at the box (wrists within
    0.12 h of its near face's height band) for 40 % of the frames."""
    h = S.body_height(take)
    box = S.prop(take, "box")
    moved = float(np.linalg.norm(box[-1, :2] - box[0, :2]) / h)
    upright = float(np.max(np.abs(box[:, 2] - box[0, 2])) / h)
    pel = S.joint(take, "pelvis")
    walked = float(np.linalg.norm(pel[-1, :2] - pel[0, :2]) / h)
    half_depth = float(take.meta["action"]["box_size_m"][0]) / 2
    d = np.minimum(np.linalg.norm((S.joint(take, "right_wrist") - box)[:, :2], axis=1),
                   np.linalg.norm((S.joint(take, "left_wrist") - box)[:, :2], axis=1))
    at_box = float(np.mean(d < half_depth + 0.12 * h))
    ok = moved >= 0.3 and upright < 0.05 and walked >= 0.25 and at_box >= 0.4
    return SignatureResult(ok, f"box slid {moved:.2f} h (height change {upright:.3f} h), person walked {walked:.2f} h, "
                               f"hands at the box {at_box:.0%} of frames")


PUSH = register(ActionRecipe("Push", frozenset({"mocap-like"}), ("push",), push_signature,
                             "leaning into a heavy box and walking it along the floor (key poses + IK, physical box)",
                             build=push_build, duration=5.2, variations=frozenset({"n", "w", "p", "o"}),
                             view=((40.0, 320.0),)))  # not from the front, where the box hides the body
PULL_UP = register(ActionRecipe("PullUp", frozenset({"mocap-like"}), ("pull_up",), pull_up_signature,
                                "pull-ups on a bar overhead (key poses + IK, hands pinned to the bar)",
                                build=pull_up_build, duration=4.8, variations=frozenset({"n", "w", "p", "o"}),
                                view="front_or_back"))
