"""Procedural ball actions: Throw (a ball released from the hand in ballistic flight), ShootBall (a
ball shot at a placed hoop) and Catch (a ball launched at the person from a launcher point, taken by
the hands when it arrives within reach). Key poses + IK (:mod:`phav.motion.keyposes`); the ball is a
physical :class:`~phav.physics.variations.Prop` of semantic class ``Ball``.

Flights are aimed exactly: for a launch point ``p0``, a target ``T`` and a flight time ``tf`` the
launch velocity is ``v = (T - p0) / tf + (0, 0, g tf / 2)`` (a parabola without drag; the balls'
damping is switched off so PyBullet flies them the same way). Hand targets scale with the arm reach,
distances with the height ``h``; signature thresholds are fractions of ``h`` (and metres where the
issue names them).
"""

from __future__ import annotations

import math

import numpy as np

from phav.actions import signals as S
from phav.actions.household import reach
from phav.actions.objects import ShapedProp, _shaped
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.actions.stage import HeldProp, PlacedProp, body_to_world
from phav.body.skeleton import SIDES, Skeleton
from phav.motion.keyposes import Key, rest_ankle, standing_height, synthesize
from phav.motion.ops import mirror
from phav.motion.rotations import heading
from phav.physics.bullet import pybullet
from phav.physics.humanoid import Humanoid
from phav.physics.variations import Modifier, Prop
from phav.physics.world import GRAVITY, World
from phav.take import Take

#: Adult height the sports gear is sized for, metres.
ADULT_HEIGHT = 1.75
#: Regulation basketball ring height above the floor (adults), metres.
RING_HEIGHT = 3.05
#: Largest radius :func:`ball` makes, metres.
MAX_BALL_RADIUS = 0.12


def aim_velocity(start: np.ndarray, target: np.ndarray, flight_s: float) -> np.ndarray:
    """Launch velocity ``(3,)`` m/s that carries a drag-free body from ``start`` to ``target``
    (world ``(3,)`` metres, Z up) in ``flight_s`` seconds under gravity."""
    if not flight_s > 0:
        raise ValueError(f"flight time must be positive, got {flight_s}")
    v = (np.asarray(target, dtype=np.float64) - np.asarray(start, dtype=np.float64)) / flight_s
    v[2] += 0.5 * GRAVITY * flight_s
    return v


def ball(rng: np.random.Generator, scale: float = 1.0, name: str = "ball") -> Prop:
    """A ball of 0.09-0.12 m radius (times ``scale``), 0.25-0.6 kg, random colour."""
    colour = tuple(float(c) for c in rng.uniform(0.1, 0.9, 3))
    return Prop(name, "Ball", "sphere", (float(rng.uniform(0.09, 0.12)) * scale,), colour,
                float(rng.uniform(0.25, 0.6)))


def _free_flight(world: World, body: int) -> None:
    world.client.changeDynamics(body, -1, linearDamping=0.0, angularDamping=0.0)


def _yaw(human: Humanoid) -> float:
    return float(heading(human.clip.root_quat[0]))


class AimedRelease(HeldProp):
    """A ball held in one hand and released at ``release_s`` with the velocity that flies it from
    where it then is to ``target`` (body frame, metres) in ``flight_s`` seconds; ``target=None``
    throws it along the facing direction turned by ``yaw`` at ``speed`` m/s, ``elevation`` rad up."""

    def __init__(self, prop: Prop, side: str, release_s: float, *, target=None, flight_s: float = 1.0,
                 speed: float = 8.0, elevation: float = 0.3, yaw: float = 0.0, offset=(0.0, 0.0, -0.1)) -> None:
        super().__init__(prop, side, offset=offset, release_s=release_s)
        self.target = None if target is None else np.asarray(target, dtype=np.float64)
        self.flight_s, self.speed, self.elevation, self.yaw = float(flight_s), float(speed), float(elevation), float(yaw)
        self.release_velocity = self._velocity
        self._world: World | None = None

    def setup(self, world: World, human: Humanoid) -> None:
        super().setup(world, human)
        _free_flight(world, self.props[0].body)
        self._world = world

    def _velocity(self, human: Humanoid, time_s: float) -> np.ndarray:
        if self.target is not None:
            p, _ = self.props[0].pose(self._world)
            v = aim_velocity(p, body_to_world(human, self.target), self.flight_s)
        else:
            a = _yaw(human) + self.yaw
            c = math.cos(self.elevation)
            v = self.speed * np.array([c * math.cos(a), c * math.sin(a), math.sin(self.elevation)])
        self.record["release_velocity_m_s"] = [round(float(x), 4) for x in v]
        return v


class LaunchedBall(Modifier):
    """A ball held still at ``launcher`` (body frame) until ``launch_s``, then launched to arrive at
    ``catch_point`` (body frame) ``flight_s`` later. From ``launch_s`` on, the first time it comes
    within ``reach`` metres of a hand's surface, that hand holds it (a fixed constraint)."""

    def __init__(self, prop: Prop, launcher, catch_point, launch_s: float, flight_s: float, reach_m: float) -> None:
        super().__init__()
        self.props = [prop]
        self.launcher = np.asarray(launcher, dtype=np.float64)
        self.catch_point = np.asarray(catch_point, dtype=np.float64)
        self.launch_s, self.flight_s, self.reach = float(launch_s), float(flight_s), float(reach_m)
        self._hold = -1
        self._state = "waiting"
        self.record = {"launcher_body_m": [round(float(x), 4) for x in self.launcher],
                       "launch_s": round(self.launch_s, 4), "flight_s": round(self.flight_s, 4)}

    def setup(self, world: World, human: Humanoid) -> None:
        c, prop = world.client, self.props[0]
        start = body_to_world(human, self.launcher)
        prop.create(world, start)
        _free_flight(world, prop.body)
        self._hold = c.createConstraint(prop.body, -1, -1, -1, pybullet.JOINT_FIXED, [0, 0, 0], [0, 0, 0],
                                        start.tolist())

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        c, body = world.client, self.props[0].body
        if self._state == "waiting" and time_s >= self.launch_s:
            c.removeConstraint(self._hold)
            p, _ = self.props[0].pose(world)
            v = aim_velocity(p, body_to_world(human, self.catch_point), self.flight_s)
            c.resetBaseVelocity(body, v.tolist())
            self._state = "flying"
            self.record["launch_velocity_m_s"] = [round(float(x), 4) for x in v]
        elif self._state == "flying":
            best = None
            for side in SIDES:
                k = human.link_names.index(f"{side}_hand")
                near = c.getClosestPoints(bodyA=body, bodyB=human.body_id, distance=self.reach, linkIndexB=k - 1)
                if near:
                    d = min(pt[8] for pt in near)
                    if best is None or d < best[0]:
                        best = (d, side, k)
            if best is None:
                return
            _, side, k = best
            from phav.actions.stage import ignore_person
            from phav.geometry import quat_conjugate, quat_multiply, quat_rotate

            pos, quat = human.link_poses()
            p, q = self.props[0].pose(world)
            inv = quat_conjugate(quat[k])
            ignore_person(world, human, body)
            cid = c.createConstraint(human.body_id, k - 1, body, -1, pybullet.JOINT_FIXED, [0, 0, 0],
                                     quat_rotate(inv, p - pos[k]).tolist(), [0, 0, 0],
                                     parentFrameOrientation=quat_multiply(inv, q).tolist())
            c.changeConstraint(cid, maxForce=200.0 * self.props[0].mass * 9.81 + 50.0)
            self._state = "held"
            self.record.update({"caught_by": side, "caught_at_s": round(time_s, 4)})


def hoop(ring_height: float, ring_radius: float, rng: np.random.Generator) -> ShapedProp:
    """A basketball hoop facing -x (towards a shooter standing on its -x side): a square ring of
    inner half width ``ring_radius`` centred at ``(0, 0, ring_height)``, a backboard and a post
    behind it (+x). Origin on the floor under the ring's centre; semantic class ``Misc``."""
    paint = tuple(float(x) for x in rng.uniform(0.2, 0.6, 3))
    orange, white = (0.8, 0.25, 0.05), (0.85, 0.85, 0.85)
    r, t, z = ring_radius, 0.01, ring_height
    parts = [((r + t, 0.0, z), (t, r + 2 * t, t), orange), ((-r - t, 0.0, z), (t, r + 2 * t, t), orange),
             ((0.0, r + t, z), (r, t, t), orange), ((0.0, -r - t, z), (r, t, t), orange),
             ((r + 0.15, 0.0, z + 0.25), (0.015, 0.9, 0.5), white),
             ((r + 0.5, 0.0, (z + 0.6) / 2), (0.05, 0.05, (z + 0.6) / 2), paint),
             ((r + 0.33, 0.0, z + 0.2), (0.17, 0.03, 0.03), paint)]
    return _shaped("hoop", "Misc", parts, 0.0, paint)


# ---- Throw ----------------------------------------------------------------------------------------
def _shoulder(sk: Skeleton) -> np.ndarray:
    return np.asarray(sk.link("right_upper_arm").offset, dtype=np.float64)


def throw_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r, s = reach(sk), _shoulder(sk)
    k = seg.height / ADULT_HEIGHT
    side = SIDES[int(rng.integers(2))]
    overarm = bool(rng.integers(2))  # overarm or underarm
    wind = float(rng.uniform(0.4, 0.8))  # s to wind up
    throw_s = float(rng.uniform(0.16, 0.26))  # s from wound up to release
    stride = float(rng.uniform(0.0, 0.3)) * seg.leg_length  # step of the opposite foot
    speed = float(rng.uniform(7.0, 10.0) if overarm else rng.uniform(5.5, 7.5)) * math.sqrt(k)  # m/s
    elevation = float(rng.uniform(0.25, 0.55))  # rad above horizontal
    aim = float(rng.uniform(-0.15, 0.15))  # rad left/right of straight ahead
    if overarm:
        cocked = s + r * np.array([-0.45, -0.25, 0.55])
        release = s + r * np.array([0.55, 0.1, 0.6])
        follow = s + r * np.array([0.55, 0.45, -0.45])
        pole = (-0.6, -0.8, -0.2)
    else:
        cocked = s + r * np.array([-0.6, -0.1, -0.7])
        release = s + r * np.array([0.75, 0.05, -0.35])
        follow = s + r * np.array([0.7, 0.05, 0.35])
        pole = (-0.2, -1.0, -0.5)
    foot = rest_ankle(sk, "left") + np.array([stride, 0.0, 0.0])
    step = {"left": foot}
    lift = {"left": foot * np.array([0.5, 1.0, 1.0]) + np.array([0.0, 0.0, 0.15 * seg.leg_length])}
    pelvis = (0.4 * stride, 0.0, -0.03 * seg.leg_length)
    look = (4.0, 0.0, 1.2 * k)
    t_w = 0.3 + wind
    t_r = t_w + throw_s
    keys = [Key(0.0, look=look), Key(0.3, look=look),
            Key(0.3 + 0.6 * wind, hands={"right": cocked}, chest=(0.0, -0.1, -0.5), elbow_pole=pole, feet=lift,
                pelvis=(0.1 * stride, 0.0, 0.0), look=look),
            Key(t_w, hands={"right": cocked}, chest=(0.0, -0.15, -0.7), elbow_pole=pole, feet=step, pelvis=pelvis,
                look=look),
            Key(t_r, hands={"right": release}, chest=(0.0, 0.2, 0.3), elbow_pole=pole, feet=step, pelvis=pelvis,
                pelvis_rot=(0.0, 0.15, 0.0), look=look, ease="ease_in"),
            Key(t_r + 0.35, hands={"right": follow}, chest=(0.0, 0.35, 0.5), elbow_pole=pole, feet=step, pelvis=pelvis,
                pelvis_rot=(0.0, 0.25, 0.0), look=look, ease="ease_out")]
    end = max(ctx.duration, t_r + 0.35) + 0.3
    keys.append(Key(end, feet=step, pelvis=pelvis, look=look))
    clip = synthesize(sk, keys, duration=end, name="throw")
    if side == "left":
        clip = mirror(clip, name="throw")
    b = ball(rng, min(1.0, k))
    held = AimedRelease(b, side, t_r, speed=speed, elevation=elevation, yaw=aim if side == "right" else -aim,
                        offset=(0.0, 0.0, -(seg.hand_radius + b.size[0])))
    style = {"hand": side, "overarm": overarm, "wind_s": wind, "throw_s": throw_s, "stride_m": stride,
             "speed_m_s": speed, "elevation_rad": elevation, "aim_rad": aim}
    return ActionPlan(clip, [held], style, "procedural key poses + IK (throw), ballistic ball")


def _release_frame(take: Take, b: np.ndarray, h: float) -> int | None:
    """First frame at which the ball is more than 0.15 h from both wrists (after starting in a hand)."""
    d = np.minimum(np.linalg.norm(b - S.joint(take, "right_wrist"), axis=1),
                   np.linalg.norm(b - S.joint(take, "left_wrist"), axis=1)) / h
    if d[0] > 0.15:
        return None
    away = np.nonzero(d > 0.15)[0]
    return int(away[0]) if len(away) else None


def throw_signature(take: Take) -> SignatureResult:
    """Throw: the ball starts in a hand, leaves it above 0.35 h, flies at least 0.6 h before it first
    comes down to the ground, and ends at least 2 m (horizontally) from where it left the hand."""
    h = S.body_height(take)
    b = S.prop(take, "ball")
    i = _release_frame(take, b, h)
    if i is None:
        return SignatureResult(False, "the ball never left the hand")
    down = np.nonzero(b[i:, 2] < MAX_BALL_RADIUS + 0.02)[0]  # a ball on the ground is below this
    land = i + int(down[0]) if len(down) else len(b) - 1
    flight = float(np.linalg.norm(b[land, :2] - b[i, :2]) / h)
    travel = float(np.max(np.linalg.norm(b[i:, :2] - b[i, :2], axis=1)))
    high = float(b[i, 2] / h)
    ok = high >= 0.35 and flight >= 0.6 and travel >= 2.0
    return SignatureResult(ok, f"ball left the hand at {high:.2f} h, flew {flight:.2f} h, travelled {travel:.2f} m")


# ---- ShootBall ------------------------------------------------------------------------------------
def shoot_ball_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r, s = reach(sk), _shoulder(sk)
    k = min(1.0, seg.height / ADULT_HEIGHT)
    side = SIDES[int(rng.integers(2))]
    distance = float(rng.uniform(2.5, 4.5)) * k  # hoop ahead, m
    across = float(rng.uniform(-0.8, 0.8)) * k  # hoop to the side, m
    dip = float(rng.uniform(0.08, 0.18)) * seg.leg_length  # knee bend before the shot
    gather = float(rng.uniform(0.5, 0.9))  # s to bring the ball up
    flight = float(rng.uniform(0.9, 1.25))  # s of flight
    ring_h, ring_r = RING_HEIGHT * k, 0.23
    ring = np.array([distance, across, ring_h])
    aim_yaw = math.atan2(across, distance)
    c, sn = math.cos(aim_yaw), math.sin(aim_yaw)
    turn = lambda v: np.array([c * v[0] - sn * v[1], sn * v[0] + c * v[1], v[2]])  # noqa: E731
    b = ball(rng, k)
    rad = b.size[0]
    hold = {"right": s + r * np.array([0.45, 0.28, 0.05]), "left": s + r * np.array([0.4, 0.55, -0.05])}
    set_ = {"right": s + r * np.array([0.3, 0.22, 0.55]), "left": s + r * np.array([0.25, 0.5, 0.45])}
    up = {"right": s + r * np.array([0.45, 0.15, 0.85]), "left": s + r * np.array([0.3, 0.45, 0.7])}
    up = {kk: turn(v) for kk, v in up.items()}
    pole = (-0.3, -0.9, -0.4)
    look = tuple(ring)
    t_set = 0.3 + gather
    t_rel = t_set + 0.35
    keys = [Key(0.0, hands=hold, elbow_pole=pole, look=look), Key(0.3, hands=hold, elbow_pole=pole, look=look),
            Key(t_set, hands=set_, elbow_pole=pole, pelvis=(0.0, 0.0, -dip), pelvis_rot=(0.0, 0.15, 0.0), look=look),
            Key(t_rel, hands=up, elbow_pole=pole, pelvis=(0.0, 0.0, 0.0), look=look, ease="ease_in"),
            Key(t_rel + 0.4, hands=up, elbow_pole=pole, look=look)]
    end = max(ctx.duration, t_rel + flight + 0.5) + 0.3
    keys.append(Key(end, look=look))
    clip = synthesize(sk, keys, duration=end, name="shoot_ball")
    hoop_at = np.array([distance, across, 0.0])
    if side == "left":
        clip = mirror(clip, name="shoot_ball")
        ring, hoop_at = ring * np.array([1, -1, 1]), hoop_at * np.array([1, -1, 1])
    target = ring + np.array([0.0, 0.0, 0.02])
    shot = AimedRelease(b, side, t_rel, target=target, flight_s=flight,
                        offset=(0.0, 0.0, -(seg.hand_radius + rad)))
    # the hoop faces the shooter: its +x (behind the ring) points away from the person
    placed = _FacingFixture(hoop(ring_h, ring_r, rng), hoop_at)
    style = {"hand": side, "distance_m": distance, "across_m": float(hoop_at[1]), "dip_m": dip, "gather_s": gather,
             "flight_s": flight, "ring_height_m": ring_h, "release_s": t_rel}
    return ActionPlan(clip, [placed, shot], style, "procedural key poses + IK (shoot ball), ballistic ball")


class _FacingFixture(PlacedProp):
    """A placed fixture whose +x points away from the person (along the line from them to it)."""

    def setup(self, world: World, human: Humanoid) -> None:
        super().setup(world, human)
        yaw = _yaw(human) + math.atan2(self.position[1], self.position[0])
        world.client.resetBasePositionAndOrientation(self.props[0].body, body_to_world(human, self.position).tolist(),
                                                     [0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)])


def shoot_ball_signature(take: Take) -> SignatureResult:
    """ShootBall: the ball starts in a hand, leaves it, rises above the head and passes within
    0.12 h of the ring's centre (the hoop's position plus the ring height)."""
    h = S.body_height(take)
    b = S.prop(take, "ball")
    i = _release_frame(take, b, h)
    if i is None:
        return SignatureResult(False, "the ball never left the hand")
    ring = S.prop(take, "hoop")[0] + np.array([0.0, 0.0, float(take.meta["action"]["ring_height_m"])])
    miss = float(np.min(np.linalg.norm(b[i:] - ring, axis=1)) / h)
    head = float(np.max(S.joint(take, "head")[:, 2]))
    over = float((np.max(b[i:, 2]) - head) / h)
    ok = miss < 0.12 and over > 0.0
    return SignatureResult(ok, f"ball passed {miss:.3f} h from the ring, apex {over:.2f} h above the head")


# ---- Catch ----------------------------------------------------------------------------------------
def catch_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r, s = reach(sk), _shoulder(sk)
    k = min(1.0, seg.height / ADULT_HEIGHT)
    distance = float(rng.uniform(3.5, 6.0)) * k  # launcher ahead, m
    launch_h = float(rng.uniform(0.9, 1.5)) * k  # launcher height, m
    flight = float(rng.uniform(0.8, 1.2))  # s
    launch_s = float(rng.uniform(0.3, 0.7))
    height = float(rng.uniform(-0.15, 0.2))  # catch height relative to the shoulders, in reaches
    lateral = float(rng.uniform(-0.15, 0.15))  # catch point to the side, in reaches
    b = ball(rng, k)
    rad = b.size[0]
    # where the hands meet the ball (chest frame), and that point in the body frame
    mid = s * np.array([1.0, 0.0, 1.0]) + r * np.array([0.72, lateral, height])
    gap = rad + seg.hand_radius
    meet = {"right": mid + np.array([-0.03, -gap, 0.0]), "left": mid + np.array([-0.03, gap, 0.0])}
    give = {kk: v + r * np.array([-0.3, 0.0, -0.15]) for kk, v in meet.items()}
    chest = np.array([0.0, 0.0, standing_height(sk)]) + sk.rest_offset("chest")
    catch_point = chest + mid + np.array([0.05, 0.0, 0.0])
    launcher = np.array([distance, float(rng.uniform(-0.5, 0.5)) * k, launch_h])
    t_c = launch_s + flight
    pole = (-0.4, -0.9, -0.5)
    look = tuple(launcher)
    keys = [Key(0.0, look=look), Key(launch_s, look=look),
            Key(t_c - 0.25, hands=meet, elbow_pole=pole, look=tuple(catch_point)),
            Key(t_c + 0.02, hands=meet, elbow_pole=pole, look=tuple(catch_point)),
            Key(t_c + 0.4, hands=give, elbow_pole=pole, pelvis_rot=(0.0, 0.1, 0.0), ease="ease_out")]
    end = max(ctx.duration, t_c + 0.4) + 0.3
    keys.append(Key(end, hands=give, elbow_pole=pole))
    clip = synthesize(sk, keys, duration=end, name="catch")
    launched = LaunchedBall(b, launcher, catch_point, launch_s, flight, reach_m=0.5 * rad + 0.02)
    style = {"distance_m": distance, "launch_height_m": launch_h, "flight_s": flight, "launch_s": launch_s,
             "catch_height": height, "catch_lateral": lateral}
    return ActionPlan(clip, [launched], style, "procedural key poses + IK (catch), launched ball")


def catch_signature(take: Take) -> SignatureResult:
    """Catch: the ball comes at least 1.5 m towards the person through the air and ends held: within
    0.15 h of a wrist and above 0.3 h for the last 0.3 s."""
    h = S.body_height(take)
    b = S.prop(take, "ball")
    pel = S.joint(take, "pelvis")
    came = float(np.linalg.norm(b[0, :2] - pel[0, :2]) - np.linalg.norm(b[-1, :2] - pel[-1, :2]))
    n = max(1, int(round(0.3 * take.fps)))
    d = np.minimum(np.linalg.norm(b[-n:] - S.joint(take, "right_wrist")[-n:], axis=1),
                   np.linalg.norm(b[-n:] - S.joint(take, "left_wrist")[-n:], axis=1)) / h
    up = float(np.min(b[-n:, 2]) / h)
    ok = came >= 1.5 and float(d.max()) < 0.15 and up > 0.3
    return SignatureResult(ok, f"ball came {came:.2f} m, ends {d.max():.3f} h from a hand at {up:.2f} h")


_BALL_VARIATIONS = frozenset({"n", "w", "p", "o"})
THROW = register(ActionRecipe("Throw", frozenset({"mocap-like"}), ("throw",), throw_signature,
                              "throwing a ball, overarm or underarm (key poses + IK, ballistic ball)",
                              build=throw_build, duration=2.6, variations=_BALL_VARIATIONS))
SHOOT_BALL = register(ActionRecipe("ShootBall", frozenset({"mocap-like"}), ("shoot_ball",), shoot_ball_signature,
                                   "shooting a ball at a basketball hoop (key poses + IK, aimed ballistic ball)",
                                   build=shoot_ball_build, duration=2.9, variations=_BALL_VARIATIONS))
CATCH = register(ActionRecipe("Catch", frozenset({"mocap-like"}), ("catch",), catch_signature,
                              "catching a ball launched at the person (key poses + IK, ball held on arrival)",
                              build=catch_build, duration=2.6, variations=frozenset({"n", "w", "p", "o"}), view="front"))
