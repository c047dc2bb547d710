"""More locomotion classes: SyntheticHop (hopping on one leg, key poses), SyntheticFlee (startled by
an approaching car, the person turns and runs away: key poses blended into the DeepMimic run) and the
extra Roll (DeepMimic's forward roll). Thresholds are fractions of the actor's height ``h``; quoted
figures were measured with ``phav.scenario`` on Model_Man01, Model_Boy and Model_Girl.

The flee's escape is drawn (over which shoulder, how far off straight away from the car) and then
checked against the world (:attr:`~phav.actions.registry.BuildContext.world`): where the run would
pass a collider closer than :data:`FLEE_CLEARANCE` (a bench beside a park path), it turns over the
other shoulder, then runs straight away, whichever first keeps clear.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from phav.actions import signals as S
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, deepmimic_build, register
from phav.actions.vehicle import CAR_MASS, car_prop
from phav.body.skeleton import SIDES
from phav.geometry import quat_multiply, quat_rotate
from phav.motion.clip import Clip
from phav.motion.library import load_clip
from phav.motion.keyposes import Key, rest_ankle, synthesize
from phav.motion.ops import blend, resample, speed
from phav.motion.rotations import quat_from_rotvec
from phav.physics.variations import Modifier
from phav.take import Take


# ---- SyntheticHop --------------------------------------------------------------------------------
def hop_keys(sk, side: str, hops: int, period: float, height: float, crouch: float, step: float,
             tuck: float) -> tuple[list[Key], Callable[[float], np.ndarray]]:
    """Key poses of ``hops`` hops on the ``side`` leg, and the forward root path ``t -> (3,)``.

    Each hop of ``period`` s: crouch ``crouch`` m, push off, fly with the stance ankle ``height`` m
    up, land ``step`` m further on; the other foot is held up behind (ankle ``tuck`` of the leg
    length above the ground) throughout. Lengths metres, body frame.
    """
    other = "left" if side == "right" else "right"
    leg = sk.segments.leg_length
    up = rest_ankle(sk, other) + np.array([-0.25 * tuck * leg, 0.0, tuck * leg])
    stance = rest_ankle(sk, side)
    keys = [Key(0.0, feet={other: tuple(up)})]
    t0 = 0.4  # lift the foot first
    keys.append(Key(t0, pelvis=(0.0, 0.0, -0.3 * crouch), feet={other: tuple(up)}))
    for i in range(hops):
        t = t0 + i * period
        lean = (0.0, 0.12, 0.0)
        keys += [
            Key(t + 0.30 * period, pelvis=(0.0, 0.0, -crouch), pelvis_rot=lean, feet={other: tuple(up)}),
            Key(t + 0.45 * period, pelvis=(0.0, 0.0, 0.02 * leg), pelvis_rot=lean, feet={other: tuple(up)}, ease="ease_in"),
            Key(t + 0.65 * period, pelvis=(0.0, 0.0, 0.02 * leg + height), pelvis_rot=lean,
                feet={other: tuple(up), side: tuple(stance + np.array([0.0, 0.0, height]))}, ease="ease_out"),
            Key(t + 0.85 * period, pelvis=(0.0, 0.0, 0.0), pelvis_rot=lean, feet={other: tuple(up)}, ease="ease_in"),
            Key(t + period, pelvis=(0.0, 0.0, -0.5 * crouch), pelvis_rot=lean, feet={other: tuple(up)}),
        ]

    def path(t: float) -> np.ndarray:  # forward only while airborne (0.45..0.85 of each hop)
        done = 0.0
        for i in range(hops):
            a = t0 + (i + 0.45) * period
            u = min(max((t - a) / (0.4 * period), 0.0), 1.0)
            done += u * u * (3 - 2 * u)
        return np.array([step * done, 0.0, 0.0])

    return keys, path


def hop_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    leg = sk.segments.leg_length
    side = SIDES[int(rng.integers(2))]
    period = float(rng.uniform(0.5, 0.7))
    height = float(rng.uniform(0.12, 0.2)) * leg  # ankle lift in flight
    crouch = float(rng.uniform(0.06, 0.1)) * leg
    step = float(rng.uniform(0.0, 0.35)) * leg  # 0: hopping on the spot
    tuck = float(rng.uniform(0.25, 0.4))
    hops = max(3, int((ctx.duration - 0.4) / period) + 1)
    keys, path = hop_keys(sk, side, hops, period, height, crouch, step, tuck)
    clip = synthesize(sk, keys, duration=max(ctx.duration, keys[-1].time) + 0.5, name="hop", root_path=path)
    style = {"hop_leg": side, "period_s": period, "hop_height_m": height, "crouch_m": crouch, "step_m": step,
             "tuck": tuck, "hops": hops}
    return ActionPlan(clip, [], style, "key poses + IK (one-leg hops)")


#: A foot counts as on the ground while its ankle is within this fraction of the height of its
#: standing height (ankle-to-sole); the held-up foot stays above it throughout.
HOP_GROUND_PER_H = 0.04
#: The stance ankle leaves the ground by this fraction of the height at each hop (0.07-0.1 h measured).
HOP_FLIGHT_PER_H = 0.03


def hop_signature(take: Take) -> SignatureResult:
    """Hop: one ankle never comes down to the ground (stays over 0.04 h above its lowest height plus
    margin) while both ankles are off the ground together at least twice (lower ankle rising 0.03 h
    above its ground height)."""
    h = S.body_height(take)
    l, r = S.joint(take, "left_ankle")[:, 2], S.joint(take, "right_ankle")[:, 2]
    ground = min(float(l.min()), float(r.min()))  # ankle height of a foot on the ground
    up_side = "left" if l.min() > r.min() else "right"
    held = (l if up_side == "left" else r) - ground
    lower = np.minimum(l, r) - ground
    hops = S.count_events(lower / h, HOP_FLIGHT_PER_H, HOP_FLIGHT_PER_H / 3)
    floor = float(held[min(int(0.2 * take.fps), len(held) - 1):].min() / h)  # after the foot is first lifted
    ok = floor > HOP_GROUND_PER_H and hops >= 2 and bool(np.all(S.joint(take, "pelvis")[:, 2] > np.maximum(l, r)))
    return SignatureResult(ok, f"{up_side} foot held at least {floor:.3f} h up, {hops} hops with both feet off the ground")


HOP = register(ActionRecipe("SyntheticHop", frozenset({"synthetic"}), ("hop",), hop_signature,
                            "hopping on one leg, the other foot held up", build=hop_build, duration=2.0))


# ---- SyntheticFlee -------------------------------------------------------------------------------
#: Braking deceleration of the approaching car once the person turns, m/s^2.
THREAT_BRAKE = 6.0


class ApproachingCar(Modifier):
    """The threat: a car (prop ``car``, class ``Car``) that starts ``distance`` m ahead of the person
    (front bumper to pelvis), ``bearing`` rad off the facing direction, drives towards the person's
    start at ``speed`` m/s and brakes to a stop from ``stop_s`` seconds. It is held level above the
    ground and collides with the person only."""

    def __init__(self, prop, half: np.ndarray, distance: float, bearing: float, speed_m_s: float,
                 stop_s: float) -> None:
        super().__init__()
        self.props = [prop]
        self.half = np.asarray(half, dtype=np.float64)
        self.distance, self.bearing, self.speed, self.stop_s = float(distance), float(bearing), float(speed_m_s), float(stop_s)
        self._v = self.speed
        self._dir = np.zeros(3)
        self.record = {"car_half_m": [round(float(x), 4) for x in self.half], "car_speed_m_s": round(self.speed, 4),
                       "car_distance_m": round(self.distance, 4), "car_bearing_rad": round(self.bearing, 4)}

    def setup(self, world, human) -> None:
        p = human.clip.sample(0.0)
        fwd = quat_rotate(p.root_quat, np.array([1.0, 0.0, 0.0]))[:2]
        yaw = math.atan2(fwd[1], fwd[0]) + self.bearing
        out = np.array([math.cos(yaw), math.sin(yaw), 0.0])
        centre = np.array([p.root_pos[0], p.root_pos[1], 0.0]) + out * (self.distance + self.half[0])
        self._dir = -out
        prop = self.props[0]
        prop.create(world, centre)
        heading = yaw + math.pi
        cl = world.client
        cl.resetBasePositionAndOrientation(prop.body, centre.tolist(), [0.0, 0.0, math.sin(heading / 2), math.cos(heading / 2)])
        for other in range(cl.getNumBodies()):  # it meets the person only
            b = cl.getBodyUniqueId(other)
            if b not in (prop.body, human.body_id):
                cl.setCollisionFilterPair(prop.body, b, -1, -1, 0)
        self.record["car_start_m"] = [round(float(x), 4) for x in centre]

    def before_step(self, world, human, time_s: float) -> None:
        if time_s >= self.stop_s:
            self._v = max(0.0, self._v - THREAT_BRAKE * world.timestep)
        cl, body = world.client, self.props[0].body
        cl.resetBaseVelocity(body, (self._dir * self._v).tolist(), [0.0, 0.0, 0.0])
        pos, _ = cl.getBasePositionAndOrientation(body)
        cl.applyExternalForce(body, -1, [0.0, 0.0, CAR_MASS * 9.81], list(pos), cl.WORLD_FRAME)


def _turned_run(run: Clip, start_s: float, yaw: float, duration: float) -> Clip:
    """The run written out over ``duration`` s, frozen in its first pose until ``start_s``, turned by
    ``yaw`` rad about the vertical through its first root position."""
    t = np.arange(int(round(duration * run.fps)) + 1) / run.fps
    out = resample(run, np.maximum(t - start_s, 0.0), run.fps, f"{run.name}~turned")
    q = quat_from_rotvec(np.array([0.0, 0.0, yaw]))
    p0 = out.root_pos[0].copy()
    rel = out.root_pos - p0
    out.root_pos = np.stack([quat_rotate(q, r) for r in rel]) + np.array([0.0, 0.0, p0[2]])
    out.root_quat = quat_multiply(np.broadcast_to(q, out.root_quat.shape), out.root_quat)
    return out


#: Metres the fleeing body keeps from the world's colliders (half a shoulder width and a stride's sway).
FLEE_CLEARANCE = 0.35


def escape_is_clear(world: Any, clip: Clip, from_s: float) -> bool:
    """Whether the root path of ``clip`` from ``from_s`` seconds, placed at ``world``'s start as
    the humanoid places it (:meth:`~phav.motion.clip.Clip.placed`), keeps :data:`FLEE_CLEARANCE`
    from its colliders at hip and chest height (always, without a world)."""
    if world is None:
        return True
    xy = clip.placed(tuple(world.start_position), world.start_heading).root_pos[int(from_s * clip.fps):, :2]
    points = np.concatenate([np.column_stack([xy, np.full(len(xy), z)]) for z in (0.5, 1.2)])
    return not bool(world.blocked(points, FLEE_CLEARANCE).any())


def flee_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    h = sk.segments.height
    react = float(rng.uniform(0.3, 0.55))  # startled pose held until the turn
    turn_s = float(rng.uniform(0.35, 0.5))  # length of the turn
    direction = float(rng.choice([-1.0, 1.0]))  # turn over the left (+1) or right shoulder
    deviation = float(rng.uniform(0.1, 0.5))  # escape direction off straight away from the car, rad
    tempo = float(rng.uniform(0.9, 1.1))
    duration = ctx.duration + 0.5
    startle = synthesize(sk, [
        Key(0.0),
        Key(react, pelvis=(-0.03 * h, 0.0, -0.03 * h), pelvis_rot=(0.0, -0.1, 0.0),
            hands={s: (0.22 * h, (0.08 if s == "left" else -0.08) * h, 0.12 * h) for s in SIDES},
            look=(3.0, 0.0, 1.0 * h), ease="ease_out"),
    ], duration=duration, name="startle")
    running = speed(load_clip("run", sk), tempo)
    t = np.arange(startle.num_frames) / startle.fps
    w = np.clip((t - react) / turn_s, 0.0, 1.0)

    def flee(direction: float, deviation: float) -> Clip:
        run = _turned_run(running, react, direction * (math.pi - deviation), duration)
        return blend(startle, run, w * w * (3 - 2 * w), name="flee")

    # The drawn escape first; where the world blocks it, over the other shoulder, then straighter.
    courses = [(direction, deviation), (-direction, deviation), (direction, 0.0), (-direction, 0.0)]
    for direction, deviation in courses:
        clip = flee(direction, deviation)
        if escape_is_clear(ctx.world, clip, react):
            break
    else:
        direction, deviation = courses[0]
        clip = flee(direction, deviation)
    prop, half = car_prop(rng)
    distance = float(rng.uniform(4.0, 6.0))
    bearing = float(rng.uniform(-0.3, 0.3))
    car_speed = float(rng.uniform(0.7, 1.4)) * h  # slower than the person runs (about 2 h/s), m/s
    threat = ApproachingCar(prop, half, distance, bearing, car_speed, react + turn_s)
    style = {"react_s": react, "turn_s": turn_s, "turn_direction": "left" if direction > 0 else "right",
             "escape_deviation_rad": deviation, "run_tempo": tempo}
    return ActionPlan(clip, [threat], style, "key poses (startle) blended into pybullet_data DeepMimic humanoid3d_run, "
                                             "turned; approaching car")


#: Flee: the distance to the car grows by at least this many heights per second over the last
#: second (running away; 1.5-2.2 h/s measured) ...
FLEE_GROWTH_PER_H = 1.0
#: ... after starting with the car in front (facing within this angle of it, rad).
FLEE_FACING_RAD = 0.6


def flee_signature(take: Take) -> SignatureResult:
    """Flee: the person starts facing the car (within 0.6 rad), then runs away from it: over the last
    second the pelvis-to-car distance grows at over 1 h/s, and the pelvis is upright throughout."""
    h = S.body_height(take)
    car = S.prop(take, "car")[:, :2]
    p = S.joint(take, "pelvis")
    to_car = car[0] - p[0, :2]
    f0 = S.forward(take)[0]
    facing = float(np.arccos(np.clip(np.dot(f0, to_car) / max(float(np.linalg.norm(to_car)), 1e-9), -1, 1)))
    d = np.linalg.norm(car - p[:, :2], axis=1)
    n = min(int(take.fps), take.num_frames - 1)
    growth = float((d[-1] - d[-1 - n]) / (n / take.fps) / h)
    upright = bool(np.all(p[:, 2] > 0.35 * h))
    ok = facing < FLEE_FACING_RAD and growth >= FLEE_GROWTH_PER_H and upright
    return SignatureResult(ok, f"starts {np.degrees(facing):.0f} deg off facing the car, distance grows "
                               f"{growth:.2f} h/s over the last second ({d[0]:.1f} m to {d[-1]:.1f} m), upright={upright}")


FLEE = register(ActionRecipe("SyntheticFlee", frozenset({"synthetic"}), ("run",), flee_signature,
                             "startled by an approaching car, turning and running away", build=flee_build,
                             duration=2.2,
                             # p: shoves toppled the runner in 9 of 12 two-second videos (measured)
                             variations=frozenset({"n", "w", "b", "o"}),
                             # no car drives indoors, and a room leaves no run to flee along
                             excluded_environments=frozenset({"House"})))


# ---- Roll (extra) --------------------------------------------------------------------------------
#: Roll: the head drops below the pelvis (the body tips over it) while the pelvis is low ...
ROLL_PELVIS_PER_H = 0.35
#: ... and the body rolls forward at least this far (heights).
ROLL_DISTANCE_PER_H = 0.3


def roll_signature(take: Take) -> SignatureResult:
    """Roll: the head goes below the pelvis while the pelvis is under 0.35 h (curled over), the pelvis
    travels 0.3 h forward, and the person ends with the pelvis above the knees (back on the feet)."""
    h = S.body_height(take)
    head, p = S.joint(take, "head"), S.joint(take, "pelvis")
    over = int(np.sum((head[:, 2] < p[:, 2]) & (p[:, 2] < ROLL_PELVIS_PER_H * h)))
    dist = float(np.linalg.norm(p[-1, :2] - p[0, :2]) / h)
    knees = np.maximum(S.joint(take, "left_knee")[-1, 2], S.joint(take, "right_knee")[-1, 2])
    ok = over >= 2 and dist >= ROLL_DISTANCE_PER_H and bool(p[-1, 2] > knees)
    return SignatureResult(ok, f"{over} frames head below a low pelvis, travelled {dist:.2f} h, "
                               f"ends pelvis {p[-1, 2] / h:.2f} h")


def roll_build(ctx: BuildContext) -> ActionPlan:
    """The roll clip at a sampled tempo, possibly mirrored, after a standing pause; played once."""
    from phav.motion.ops import mirror, time_warp

    rng = ctx.rng
    tempo = float(rng.uniform(0.85, 1.1))
    mirrored = bool(rng.integers(2))
    pause = float(rng.uniform(0.0, 0.3))  # standing still before rolling, s
    base = deepmimic_build(ctx)
    clip = speed(base.clip, tempo)
    once = clip.duration
    clip = time_warp(clip, lambda t: np.clip(t - pause, 0.0, once), max(ctx.duration, once + pause) + 0.5, name="roll")
    if mirrored:
        clip = mirror(clip)
    return ActionPlan(clip, [], {"tempo": tempo, "mirrored": mirrored, "pause_s": pause},
                      base.source + (" (mirrored)" if mirrored else ""))


ROLL = register(ActionRecipe("Roll", frozenset({"extra"}), ("roll",), roll_signature,
                             "a forward roll on the floor (HMDB51 somersault-like; DeepMimic roll clip)",
                             build=roll_build, duration=2.8, variations=frozenset({"n", "w", "p", "o"})))
