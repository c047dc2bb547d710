"""Falls and stretches: SyntheticDiveFloor (a run ending in a dive to the floor) and SyntheticLegSplit
(the feet slide apart into a split).

DiveFloor: DeepMimic's run, blended over a fraction of a second into a key-posed dive (body pitched
forward, arms braced ahead and down, legs stretched back); :class:`DiveRelease` then lets the body
fly, holding the pose with its trunk kept from pitching over, and starts the ragdoll transition at
the touch-down, so that momentum and gravity, not the clip, bring the body onto its front. LegSplit: key
poses with the ankles sliding apart sideways or front and back while the pelvis sinks, on feet made
slippery by :class:`SlipperyFeet`. Thresholds are fractions of the actor's height ``h``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from phav.actions import signals as S
from phav.actions.household import reach
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.body.skeleton import SIDES, Skeleton
from phav.motion.library import load_clip
from phav.motion.keyposes import Key, rest_ankle, standing_height, synthesize
from phav.motion.ops import blend, resample, speed
from phav.physics.bullet import pybullet
from phav.physics.variations import Modifier
from phav.take import Take


# ---- SyntheticDiveFloor --------------------------------------------------------------------------
#: Longest flight with the dive pose held after the take-off, s (the ragdoll starts at the first touch
#: of the floor by a link other than a foot or shin, or at the latest this long after the take-off).
DIVE_HOLD_S = 0.6
#: In the flight the pelvis and the chest are damped against pitching and rolling (a diver keeps the
#: body flat): a torque of this rate (1/s) times a body's pitch inertia (about 0.08 m h^2) times
#: the link's horizontal angular velocity, shared between the two. Without it the toppling about
#: the feet at the take-off carried most bodies over onto the head (ankles up to 1.5 m above it).
DIVE_PITCH_DAMPING = 5.0
#: Strength of the arms, as a fraction, once they touch the floor: braced arms then bend and let the
#: chest down rather than hold the body propped up on them.
DIVE_LANDING_ARM_STRENGTH = 0.3


class DiveRelease(Modifier):
    """At ``release_s`` seconds (the take-off of the dive, when the body has reached the dive pose)
    drops the root pin, so the body flies on with the run's momentum. In the flight the muscles keep
    holding the dive pose (arms braced ahead and down) and the trunk is damped against pitching
    (:data:`DIVE_PITCH_DAMPING`); when a link other than the feet and shins touches the floor (the
    hands, first), or :data:`DIVE_HOLD_S` after the take-off, the ragdoll transition starts (the
    muscles' tone fades) with the arms weakened to :data:`DIVE_LANDING_ARM_STRENGTH`."""

    def __init__(self, release_s: float) -> None:
        super().__init__()
        self.release_s = float(release_s)
        self.record = {"release_s": round(self.release_s, 4)}
        self._feet: set[int] = set()
        self._trunk: list[int] = []
        self._inertia = 0.0

    def before_step(self, world, human, time_s: float) -> None:
        if time_s < self.release_s or human.ragdoll_time is not None:
            return
        c, body = world.client, human.body_id
        if human.pin_weight > 0.0:  # the take-off
            human.set_pin_weight(0.0)  # let go at once: a decaying pin would hold the body back
            self._feet = {human.bullet_link_index(f"{s}_{part}") for s in SIDES for part in ("foot", "shin")}
            self._trunk = [human.bullet_link_index(n) for n in ("pelvis", "chest")]
            mass = sum(c.getDynamicsInfo(body, k)[0] for k in range(-1, c.getNumJoints(body)))
            h = human.skeleton.segments.height
            self._inertia = 0.08 * mass * h * h / len(self._trunk)
        if any(cp[3] not in self._feet for cp in c.getContactPoints(bodyA=body, bodyB=world.ground_id)) \
                or time_s >= self.release_s + DIVE_HOLD_S:
            human.start_ragdoll()
            human.set_strength_scale({g: DIVE_LANDING_ARM_STRENGTH * human.gains.scale(g)
                                      for g in ("left_arm", "right_arm")})
            return
        k_damp = DIVE_PITCH_DAMPING * self._inertia
        for k in self._trunk:
            w = c.getBaseVelocity(body)[1] if k == -1 else c.getLinkState(body, k, computeLinkVelocity=1)[7]
            c.applyExternalTorque(body, k, (-k_damp * w[0], -k_damp * w[1], 0.0), pybullet.WORLD_FRAME)


def dive_pose(sk: Skeleton, lean: float, rise: float, arms: float) -> list[Key]:
    """One key of the dive's take-off: pelvis pitched forward by ``lean`` rad and ``rise`` m higher,
    legs stretched back along the body, wrists ``arms`` of the reach ahead of the shoulders (chest
    frame: with the body pitched the arms point ahead and down, braced for the floor)."""
    leg = sk.segments.thigh + sk.segments.shin
    h0 = standing_height(sk)
    pelvis = np.array([0.0, 0.0, rise])
    feet = {}
    for side in SIDES:
        a = rest_ankle(sk, side)
        down = 0.97 * leg
        feet[side] = (-down * math.sin(lean), a[1], max(h0 + rise - down * math.cos(lean), a[2]))
    r = reach(sk)
    up = sk.link("right_upper_arm").offset
    hands = {s: (arms * r, (1.0 if s == "left" else -1.0) * 0.8 * abs(up[1]), up[2] + 0.15 * r) for s in SIDES}
    return [Key(0.0, pelvis=tuple(pelvis), pelvis_rot=(0.0, lean, 0.0), hands=hands, feet=feet,
                look=(3.0, 0.0, 0.0))]


def dive_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    h = sk.segments.height
    tempo = float(rng.uniform(0.9, 1.1))
    run_s = float(rng.uniform(0.5, 0.8))  # running before the dive starts
    dive_s = float(rng.uniform(0.2, 0.3))  # blend from the run into the dive pose
    lean = float(rng.uniform(0.9, 1.25))  # forward pitch of the dive, rad
    rise = float(rng.uniform(0.0, 0.06)) * h  # take-off lift of the pelvis, m
    arms = float(rng.uniform(0.6, 0.75))  # how far the arms reach ahead and down, in reaches (elbows bent)
    duration = max(ctx.duration, run_s + dive_s + 1.2) + 0.5
    run = speed(load_clip(ctx.clip_name, sk), tempo)
    t = np.arange(int(round(duration * run.fps)) + 1) / run.fps
    run = resample(run, t, run.fps, f"{run.name}~long")
    pose = synthesize(sk, dive_pose(sk, lean, rise, arms), duration=duration, name="dive")
    w = np.clip((t - run_s) / dive_s, 0.0, 1.0)
    w = w * w * (3 - 2 * w)
    clip = blend(run, pose, w, name="dive")
    # the root keeps the run's forward speed through the dive (its height goes to the dive pose's)
    k0 = int(round(run_s * run.fps))
    v = (run.root_pos[k0] - run.root_pos[max(k0 - 6, 0)]) / (min(k0, 6) / run.fps if k0 else 1.0)
    v[2] = 0.0
    root = run.root_pos.copy()
    root[k0:] = run.root_pos[k0] + (t[k0:, None] - t[k0]) * v
    root[:, 2] = clip.root_pos[:, 2]
    clip = dataclasses.replace(clip, root_pos=root)
    # take-off once the dive pose is reached: earlier, the pin's pitching of the body (about 5 rad/s
    # at 0.7 of the blend) went on in the flight and turned it over onto the head
    release = run_s + dive_s
    style = {"tempo": tempo, "run_s": run_s, "dive_s": dive_s, "lean_rad": lean, "rise_m": rise, "arm_reach": arms}
    return ActionPlan(clip, [DiveRelease(release)], style,
                      "pybullet_data DeepMimic humanoid3d_run blended into key poses (dive) + ragdoll")


#: Running pace: horizontal pelvis speed over some 0.3 s window before the landing, heights per
#: second (DeepMimic's run measures about 2.1 h/s; the Run class asks for 1.1).
DIVE_RUN_PER_H = 1.1
#: Landed: the pelvis below this fraction of the height (0.53 h standing) ...
DIVE_LOW_PER_H = 0.25
#: ... with the body roughly horizontal: head and pelvis heights within this fraction of the height.
DIVE_FLAT_PER_H = 0.15
#: Upside down: the lower ankle more than this fraction of the height above the head (a dive that
#: goes over onto the head: 0.6-0.9 h; a flat dive's legs trail at most about 0.1 h above it) ...
DIVE_INVERTED_PER_H = 0.18
#: ... for longer than this, s.
DIVE_INVERTED_S = 0.1
#: On the front: the trunk's front (normal to the hips' axis and the spine) points down, its
#: vertical component below this, in the median frame of the lying.
DIVE_FACE_DOWN = -0.5


def trunk_front(take: Take) -> np.ndarray:
    """``(T, 3)`` unit vectors out of the front of the trunk: normal to the hips' axis (right to left)
    and the spine (pelvis to neck)."""
    side = S.joint(take, "left_hip") - S.joint(take, "right_hip")
    up = S.joint(take, "neck") - S.joint(take, "pelvis")
    front = np.cross(side, up)
    return front / np.maximum(np.linalg.norm(front, axis=1, keepdims=True), 1e-9)


def dive_signature(take: Take) -> SignatureResult:
    """DiveFloor: the pelvis moves at running pace (over 1.1 h/s in some 0.3 s window), and later
    the body lies on the floor: pelvis below 0.25 h with the head within 0.15 h of the pelvis height,
    from some frame to the end, on its front (the trunk facing down); and it never goes upside down
    (the ankles over 0.18 h above the head for more than 0.1 s), as a dive carried over onto the
    head would."""
    h = S.body_height(take)
    p, head = S.joint(take, "pelvis"), S.joint(take, "head")
    n = max(1, int(round(0.3 * take.fps)))
    if take.num_frames <= n + 1:
        return SignatureResult(False, f"{take.num_frames} frames: too short to show a run and a landing")
    v = np.linalg.norm(p[n:, :2] - p[:-n, :2], axis=1) / (n / take.fps) / h  # (T - n,) window speeds
    down = (p[:, 2] < DIVE_LOW_PER_H * h) & (np.abs(head[:, 2] - p[:, 2]) < DIVE_FLAT_PER_H * h)
    # first frame from which the body stays down to the end
    stays = np.flatnonzero(~down)
    land = 0 if stays.size == 0 else int(stays[-1]) + 1
    if land >= take.num_frames:
        return SignatureResult(False, f"not lying on the floor at the end (pelvis {p[-1, 2] / h:.2f} h, "
                                      f"head {head[-1, 2] / h:.2f} h); top speed {v.max():.2f} h/s")
    fast = float(v[:max(land - n, 0)].max()) if land - n > 0 else 0.0
    ankles = np.minimum(S.joint(take, "left_ankle")[:, 2], S.joint(take, "right_ankle")[:, 2])
    over = (ankles - head[:, 2]) / h
    inverted = int(np.count_nonzero(over > DIVE_INVERTED_PER_H))
    facing = float(np.median(trunk_front(take)[land:, 2]))
    ok = fast >= DIVE_RUN_PER_H and inverted <= DIVE_INVERTED_S * take.fps and facing < DIVE_FACE_DOWN
    return SignatureResult(ok, f"runs at up to {fast:.2f} h/s, then lies from frame {land} (pelvis "
                               f"{p[-1, 2] / h:.2f} h, head {head[-1, 2] / h:.2f} h at the end, front facing "
                               f"{facing:+.2f} vertical); ankles up to {over.max():.2f} h above the head, "
                               f"over {DIVE_INVERTED_PER_H} h in {inverted} frames")


DIVE_FLOOR = register(ActionRecipe("SyntheticDiveFloor", frozenset({"synthetic"}), ("run",), dive_signature,
                                   "running, then diving forward onto the floor", build=dive_build, duration=2.4,
                                   variations=frozenset({"n", "w", "p", "o"})))


# ---- SyntheticLegSplit ---------------------------------------------------------------------------
class SlipperyFeet(Modifier):
    """Lowers the friction of both feet to ``friction`` so that they slide apart on the floor."""

    def __init__(self, friction: float) -> None:
        super().__init__()
        self.friction = float(friction)
        self.record = {"foot_friction": round(self.friction, 4)}

    def setup(self, world, human) -> None:
        for side in SIDES:
            k = human.link_names.index(f"{side}_foot")
            world.client.changeDynamics(human.body_id, k - 1, lateralFriction=self.friction)


def split_keys(sk: Skeleton, direction: str, depth: float, start_s: float, crouch: float, slide_s: float,
               arms: float) -> list[Key]:
    """Key poses of a split: standing, optionally crouched (pelvis ``crouch`` m down) at ``start_s``,
    then over ``slide_s`` s the ankles slide apart (``side``: sideways; ``front``: the left foot
    forward, the right back) until the pelvis is ``depth`` m below standing with nearly straight
    legs; the arms rise ``arms`` (0..1) of the way to horizontal for balance."""
    seg = sk.segments
    leg = 0.98 * (seg.thigh + seg.shin)
    h0 = standing_height(sk)
    drop = h0 - depth - seg.ankle_to_sole  # hip above the ankles at the end
    out = math.sqrt(max(leg * leg - drop * drop, 0.0))
    feet = {}
    for side in SIDES:
        a = rest_ankle(sk, side)
        sign = 1.0 if side == "left" else -1.0
        if direction == "side":
            feet[side] = (0.0, a[1] + sign * out, a[2])
        else:
            feet[side] = (sign * out, a[1], a[2])
    r = reach(sk)
    hands = {}
    for side in SIDES:
        up = sk.link(f"{side}_upper_arm").offset
        sign = 1.0 if side == "left" else -1.0
        ang = arms * 0.5 * math.pi  # from hanging to horizontal
        hands[side] = (0.1 * r, up[1] + sign * r * math.sin(ang), up[2] - r * math.cos(ang))
    lean = 0.25 if direction == "front" else 0.1
    keys = [Key(0.0), Key(start_s, pelvis=(0.0, 0.0, -crouch), pelvis_rot=(0.0, 0.3 if crouch > 0 else 0.0, 0.0)),
            Key(start_s + slide_s, pelvis=(0.0, 0.0, -depth), pelvis_rot=(0.0, lean, 0.0), hands=hands, feet=feet,
                ease="ease_in")]
    return keys


def split_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    h = sk.segments.height
    direction = ("side", "front")[int(rng.integers(2))]
    depth = float(rng.uniform(0.27, 0.34)) * h  # how far the pelvis sinks, m
    crouch = float(rng.choice([0.0, 1.0])) * float(rng.uniform(0.06, 0.12)) * h  # 0: straight from standing
    start_s = float(rng.uniform(0.3, 0.5))
    slide_s = float(rng.uniform(0.7, 1.1))
    arms = float(rng.uniform(0.4, 1.0))
    friction = float(rng.uniform(0.1, 0.3))
    keys = split_keys(sk, direction, depth, start_s, crouch, slide_s, arms)
    clip = synthesize(sk, keys, duration=max(ctx.duration, keys[-1].time) + 0.5, name="split")
    style = {"direction": direction, "depth_m": depth, "crouch_m": crouch, "start_s": start_s, "slide_s": slide_s,
             "arm_raise": arms}
    return ActionPlan(clip, [SlipperyFeet(friction)], style, "key poses + IK (feet sliding into a split)")


#: Split: the ankles end at least this fraction of the height apart (about 0.2 h standing) ...
SPLIT_SPREAD_PER_H = 0.7
#: ... while the pelvis sinks at least this fraction of the height below its first height.
SPLIT_DROP_PER_H = 0.2


def split_signature(take: Take) -> SignatureResult:
    """LegSplit: the ankle separation grows from under 0.4 h to at least 0.7 h and, at the same time,
    the pelvis is at least 0.2 h below its first height."""
    h = S.body_height(take)
    l, r = S.joint(take, "left_ankle"), S.joint(take, "right_ankle")
    spread = np.linalg.norm(l - r, axis=1) / h
    p = S.joint(take, "pelvis")[:, 2]
    drop = (p[0] - p) / h
    both = (spread >= SPLIT_SPREAD_PER_H) & (drop >= SPLIT_DROP_PER_H)
    ok = bool(spread[0] < 0.4 and np.any(both))
    return SignatureResult(ok, f"ankles {spread[0]:.2f} h apart at first, at most {spread.max():.2f} h; pelvis "
                               f"drops up to {drop.max():.2f} h; split held in {int(both.sum())} frames")


LEG_SPLIT = register(ActionRecipe("SyntheticLegSplit", frozenset({"synthetic"}), ("split",), split_signature,
                                  "the feet slide apart into a split (sideways or front and back)",
                                  build=split_build, duration=2.0))
