"""Procedural skill actions with props: Golf (a club swung through a ball that flies), ClimbStairs
(feet placed on the treads of a physical stair block), Pour (a jug tilted over a glass on a table)
and ShootBow (a bow held at arm's length, the string drawn to the face, held and released).

Key poses + IK (:mod:`phav.motion.keyposes`). The skeleton's wrists are fixed, so tools whose
orientation is part of the action (the club's hinge, the jug's tilt, the upright bow) are
:class:`GuidedProp` s: mass-0 bodies that follow the hand's *simulated* position each step with a
planned orientation (body frame, turned with the actor's heading). Sizes scale with the actor
(``k = min(1, h / 1.75)``, the arm reach, the leg length); signature thresholds are fractions of the
height ``h``.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from phav.actions import signals as S
from phav.actions.household import chest_point, reach
from phav.actions.objects import ShapedProp, _shaped, golf_club
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.actions.stage import PlacedProp, body_to_world, ignore_person
from phav.body.skeleton import SIDES, Skeleton
from phav.geometry import quat_multiply, quat_rotate
from phav.motion.keyposes import Key, rest_ankle, standing_height, synthesize
from phav.motion.rotations import heading, quat_from_rotvec
from phav.physics.humanoid import Humanoid
from phav.physics.variations import Modifier, Prop
from phav.physics.world import World
from phav.take import Take

#: Adult height the props are sized for, metres.
ADULT_HEIGHT = 1.75
#: The hands' simulated track trails the clip by about this much (root/extremity pin lag), seconds.
HAND_LAG_S = 2.0 / 30.0
_TOOL_VARIATIONS = frozenset({"n", "w", "p", "o"})


def _scale(sk: Skeleton) -> float:
    return min(1.0, sk.segments.height / ADULT_HEIGHT)


def _yaw_quat(yaw: float) -> np.ndarray:
    return np.array([0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)])


def _rot_to_x(d: np.ndarray) -> np.ndarray:
    """Unit quaternion turning local +x onto the unit direction ``d`` (3,) (shortest arc)."""
    d = np.asarray(d, dtype=np.float64) / np.linalg.norm(d)
    x = np.array([1.0, 0.0, 0.0])
    axis = np.cross(x, d)
    s = float(np.linalg.norm(axis))
    ang = math.atan2(s, float(np.dot(x, d)))
    return quat_from_rotvec(axis / s * ang) if s > 1e-9 else (np.array([0.0, 0.0, 1.0, 0.0]) if d[0] < 0 else np.array([0.0, 0.0, 0.0, 1.0]))


class GuidedProp(Modifier):
    """A mass-0 prop that follows the ``side`` hand: each step its origin is put at the simulated
    wrist plus ``offset(t)`` and its orientation at ``orient(t)`` (both body frame: ``(3,)`` metres
    and ``(4,)`` xyzw, turned with the actor's heading). No collisions with its holder."""

    def __init__(self, prop: Prop, side: str, offset: Callable[[float], np.ndarray],
                 orient: Callable[[float], np.ndarray]) -> None:
        super().__init__()
        self.props = [prop]
        self.side, self.offset, self.orient = side, offset, orient
        self.record = {f"{prop.name}_hand": side}

    def _place(self, world: World, human: Humanoid, time_s: float) -> None:
        yaw = float(heading(human.clip.root_quat[0]))
        qy = _yaw_quat(yaw)
        pos, _ = human.link_poses()
        wrist = pos[human.link_names.index(f"{self.side}_hand")]
        p = wrist + quat_rotate(qy, np.asarray(self.offset(time_s), dtype=np.float64))
        q = quat_multiply(qy, np.asarray(self.orient(time_s), dtype=np.float64))
        world.client.resetBasePositionAndOrientation(self.props[0].body, p.tolist(), q.tolist())

    def setup(self, world: World, human: Humanoid) -> None:
        prop = self.props[0]
        pos, _ = human.link_poses()
        prop.create(world, pos[human.link_names.index(f"{self.side}_hand")])
        ignore_person(world, human, prop.body)
        self._place(world, human, 0.0)

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        self._place(world, human, time_s)


def _track(times: list[float], values: list[np.ndarray]) -> Callable[[float], np.ndarray]:
    """Piecewise-linear (smoothstep-eased) interpolation of ``values`` at ``times``, held at the ends."""
    ts = np.asarray(times, dtype=np.float64)
    vs = np.asarray(values, dtype=np.float64)

    def f(t: float) -> np.ndarray:
        if t <= ts[0]:
            return vs[0]
        if t >= ts[-1]:
            return vs[-1]
        i = int(np.searchsorted(ts, t)) - 1
        u = (t - ts[i]) / max(ts[i + 1] - ts[i], 1e-9)
        u = u * u * (3.0 - 2.0 * u)
        return (1.0 - u) * vs[i] + u * vs[i + 1]

    return f


def _part_quat(take: Take, name: str) -> np.ndarray:
    return take.part_quat[:, take.part_names.index(f"prop/{name}")]


def _rotate_rows(q: np.ndarray, v) -> np.ndarray:
    """``(T, 3)``: the local vector ``v`` (3,) turned by each quaternion of ``q`` (T, 4)."""
    return np.array([quat_rotate(qi, np.asarray(v, dtype=np.float64)) for qi in q])


# ---- Golf -----------------------------------------------------------------------------------------
class GolfBall(Modifier):
    """A ball on the ground at ``spot`` (body frame) that leaves towards ``direction`` (body frame,
    unit (2,)) at ``speed`` m/s, ``loft`` rad up, when the club's head first comes within ``reach``
    metres of its surface after ``armed_s`` (the impulse of a strike, which a kinematic club cannot
    give). The club does not otherwise touch it."""

    def __init__(self, prop: Prop, club: GuidedProp, head_local, spot, direction, speed: float, loft: float,
                 armed_s: float, reach: float) -> None:
        super().__init__()
        self.props = [prop]
        self.club, self.head_local = club, np.asarray(head_local, dtype=np.float64)
        self.spot, self.direction = np.asarray(spot, dtype=np.float64), np.asarray(direction, dtype=np.float64)
        self.speed, self.loft, self.armed_s, self.reach = float(speed), float(loft), float(armed_s), float(reach)
        self._hit = False
        self._last: np.ndarray | None = None
        self.record = {"ball_spot_body_m": [round(float(x), 4) for x in self.spot]}

    def setup(self, world: World, human: Humanoid) -> None:
        self.props[0].create(world, body_to_world(human, self.spot))
        world.client.setCollisionFilterPair(self.props[0].body, self.club.props[0].body, -1, -1, 0)

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        if self._hit or time_s < self.armed_s:
            return
        c = world.client
        p, q = c.getBasePositionAndOrientation(self.club.props[0].body)
        head = np.asarray(p) + quat_rotate(np.asarray(q), self.head_local)
        last, self._last = self._last, head
        if last is None:
            return
        b = np.asarray(c.getBasePositionAndOrientation(self.props[0].body)[0])
        seg = head - last  # the head's sweep over the last step (it moves several cm a step)
        u = float(np.clip(np.dot(b - last, seg) / max(float(np.dot(seg, seg)), 1e-12), 0.0, 1.0))
        if np.linalg.norm(last + u * seg - b) > self.props[0].size[0] + self.reach:
            return
        self._hit = True
        yaw = float(heading(human.clip.root_quat[0]))
        d = quat_rotate(_yaw_quat(yaw), np.array([self.direction[0], self.direction[1], 0.0]))
        v = self.speed * (math.cos(self.loft) * d + math.sin(self.loft) * np.array([0.0, 0.0, 1.0]))
        c.resetBaseVelocity(self.props[0].body, v.tolist())
        self.record["struck_at_s"] = round(time_s, 4)


def golf_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r, k = reach(sk), _scale(sk)
    s = 1.0 if rng.integers(2) == 0 else -1.0  # +1 right-handed: target along +y, lead hand left
    lead, trail = ("left", "right") if s > 0 else ("right", "left")
    address_s = float(rng.uniform(0.4, 0.9))  # s standing over the ball
    back_s = float(rng.uniform(0.7, 1.1))  # backswing, s
    down_s = float(rng.uniform(0.25, 0.35))  # downswing, s
    top = math.radians(float(rng.uniform(110.0, 145.0)))  # hands' angle at the top of the backswing
    hinge = math.radians(float(rng.uniform(60.0, 90.0)))  # wrist hinge at the top
    finish = math.radians(float(rng.uniform(120.0, 160.0)))  # hands' angle at the finish
    speed = float(rng.uniform(14.0, 26.0)) * k  # ball speed, m/s
    loft = math.radians(float(rng.uniform(10.0, 30.0)))
    club = golf_club(rng, k)
    length = float(club.parts[-1][0][0])
    sink = 0.14 * k  # the head aimed this far below the ball's centre: the simulated arms ride up at speed
    bend = 0.06 * seg.leg_length + 0.8 * sink
    lean = float(rng.uniform(0.3, 0.45))  # forward bend at the hips, rad
    pel, pel_rot = (-0.05 * seg.leg_length, 0.0, -bend), (0.0, lean, 0.0)
    pq = quat_from_rotvec(np.array(pel_rot))
    chest = np.array([0.0, 0.0, standing_height(sk)]) + np.array(pel) + quat_rotate(pq, sk.rest_offset("chest"))
    sh = np.asarray(sk.link("right_upper_arm").offset, dtype=np.float64) * np.array([1.0, 0.0, 1.0])
    centre = chest + quat_rotate(pq, sh)  # between the shoulders
    rh = 0.88 * r  # hands' distance from the centre
    ball_r = 0.0215 * max(k, 0.8) * 1.6  # a golf ball (21.5 mm radius) drawn 1.6x larger to stay visible at video sizes
    cos_b = min(0.98, (centre[2] - ball_r + sink) / (rh + length))
    beta = math.acos(cos_b)  # swing plane lean from vertical
    down = np.array([math.sin(beta), 0.0, -math.cos(beta)])
    side = np.array([0.0, s, 0.0])

    def u(phi: float) -> np.ndarray:  # positive phi: back (away from the target) and up
        return math.cos(phi) * down - math.sin(phi) * side

    def hands_at(phi: float, club_phi: float, twist: float) -> dict:
        g = centre + rh * u(phi)
        out = {lead: g, trail: g + 0.08 * u(club_phi)}
        return {h: chest_point(sk, p, pel, pel_rot, (0.0, 0.0, twist)) for h, p in out.items()}

    t_top = address_s + back_s
    t_imp = t_top + down_s
    t_fin = t_imp + 0.45
    turn = 0.7 * s  # chest turn away from the target at the top (rad about z)
    pose = [(0.0, 0.0, 0.0, 0.0), (address_s, 0.0, 0.0, 0.0), (t_top, top, top + hinge, -turn),
            (t_imp, 0.0, 0.0, 0.0), (t_fin, -finish, -finish - 0.6 * hinge, 0.8 * turn)]
    pole = (-0.3, -0.4, -1.0)
    # standing taller at address and at the top, the golfer sits into the downswing by 0.8 sink: the
    # head then rests at the ball at address yet reaches below it at impact (hands targets move with the chest)
    hi = (pel[0], 0.0, pel[2] + 0.8 * sink)
    pels = (hi, hi, hi, pel, pel)
    keys = [Key(0.0, pelvis=hi, pelvis_rot=pel_rot, hands=hands_at(0.0, 0.0, 0.0), elbow_pole=pole)]
    for (t, phi, cphi, tw), p_, ease in zip(pose[1:], pels[1:], ("smooth", "smooth", "ease_in", "ease_out")):
        keys.append(Key(t, pelvis=p_, pelvis_rot=pel_rot, chest=(0.0, 0.0, tw), hands=hands_at(phi, cphi, tw),
                        elbow_pole=pole, ease=ease))
    end = max(ctx.duration, t_fin) + 0.3
    keys.append(Key(end, pelvis=pel, pelvis_rot=pel_rot, chest=(0.0, 0.0, 0.8 * turn),
                    hands=hands_at(-finish, -finish - 0.6 * hinge, 0.8 * turn), elbow_pole=pole))
    clip = synthesize(sk, keys, duration=end, name="golf")
    club_phi = _track([p[0] for p in pose], [[p[2]] for p in pose])
    # the hands' planned position vs where the club starts: the club leaves the lead wrist along u
    orient = lambda t: _rot_to_x(u(float(club_phi(t - HAND_LAG_S)[0])))  # noqa: E731
    guided = GuidedProp(club, lead, lambda t: np.zeros(3), orient)
    head_local = np.array([length, 0.0, 0.0])
    impact = centre + rh * u(0.0) + length * u(0.0)
    spot = np.array([impact[0], impact[1], ball_r])  # (impact z is ball_r - sink)
    ball = Prop("golf_ball", "Ball", "sphere", (ball_r,), (0.9, 0.9, 0.88), 0.046)
    strike = GolfBall(ball, guided, head_local, spot, (0.0, s), speed, loft, armed_s=t_top,
                      reach=0.1 * k)
    style = {"hand": "right" if s > 0 else "left", "address_s": address_s, "backswing_s": back_s,
             "downswing_s": down_s, "top_deg": math.degrees(top), "hinge_deg": math.degrees(hinge),
             "finish_deg": math.degrees(finish), "ball_speed_m_s": speed, "loft_deg": math.degrees(loft),
             "lean_rad": lean}
    return ActionPlan(clip, [guided, strike], style, "procedural key poses + IK (golf swing), guided club")


def golf_signature(take: Take) -> SignatureResult:
    """Golf: the club's direction sweeps at least 120 degrees and the ball travels at least 2 m."""
    d = _rotate_rows(_part_quat(take, "club"), (1.0, 0.0, 0.0))
    cos = np.clip(d @ d.T, -1.0, 1.0)
    sweep = float(np.degrees(np.arccos(cos.min())))
    b = S.prop(take, "golf_ball")
    travel = float(np.max(np.linalg.norm(b[:, :2] - b[0, :2], axis=1)))
    ok = sweep >= 120.0 and travel >= 2.0
    return SignatureResult(ok, f"club swept {sweep:.0f} deg, ball travelled {travel:.2f} m")


# ---- ClimbStairs ----------------------------------------------------------------------------------
def stairs(steps: int, riser: float, tread: float, width: float, landing: float, rng: np.random.Generator) -> ShapedProp:
    """A solid stair block (semantic ``Stair``): ``steps`` steps of ``riser`` x ``tread`` metres,
    ``width`` wide, then a landing ``landing`` deep at the top; origin on the floor at the foot of
    the first riser, climbing along +x."""
    colour = tuple(float(x) for x in rng.uniform(0.35, 0.7, 3))
    parts = []
    for i in range(1, steps + 1):
        depth = tread if i < steps else tread + landing
        parts.append((((i - 1) * tread + depth / 2, 0.0, i * riser / 2), (depth / 2, width / 2, i * riser / 2), colour))
    return _shaped("stairs", "Stair", parts, 0.0, colour)


def climb_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    k = _scale(sk)
    n = int(rng.integers(3, 5))  # steps
    riser = float(rng.uniform(0.11, 0.16)) * k
    tread = float(rng.uniform(0.27, 0.32)) * max(k, 0.85)
    step_s = float(rng.uniform(0.5, 0.7))
    lead = SIDES[int(rng.integers(2))]
    rail = float(rng.uniform(0.0, 1.0))  # arm swing amplitude
    toe = seg.foot_forward + 0.5 * seg.foot_length
    x0 = toe + float(rng.uniform(0.05, 0.12))  # first riser ahead of the toes
    ankle_x = [0.0] + [x0 + i * tread - toe - 0.03 for i in range(1, n + 1)]
    ankle_z = [seg.ankle_to_sole + i * riser for i in range(n + 1)]
    feet = {sd: rest_ankle(sk, sd) for sd in SIDES}
    tread_of = {"right": 0, "left": 0}
    other = {"right": "left", "left": "right"}
    keys = [Key(0.0), Key(0.3)]
    t, mover = 0.3, lead
    swing = 0.12 * reach(sk) * rail

    def hands(sign: float) -> dict:
        out = {}
        for sd, sg in (("right", 1.0), ("left", -1.0)):
            rest = np.asarray(sk.link(f"{sd}_upper_arm").offset) + reach(sk) * np.array([0.08, 0.06 * -sg, -0.99])
            out[sd] = rest + np.array([sign * sg * swing, 0.0, 0.3 * abs(swing)])
        return out

    def pelvis(x: float, level: int) -> tuple:
        # the pelvis over the foot on tread ``level`` (the stance foot, or the lower of the two) at
        # its standing height, knees slightly bent: a stretched leg would lift the other foot
        return (x, 0.0, level * riser - 0.02 * seg.leg_length)

    sign = 1.0
    targets = list(range(1, n + 1)) + [n]  # each step goes up one tread; the last brings the feet together
    for i, tgt in enumerate(targets):
        stance = other[mover]
        start = feet[mover].copy()
        dest = np.array([ankle_x[tgt] + (0.02 if i == len(targets) - 1 else 0.0), start[1], ankle_z[tgt]])
        top = max(start[2], dest[2]) + 0.5 * riser + 0.05 * seg.leg_length
        lift = dict(feet)
        lift[mover] = np.array([start[0] + 0.3 * (dest[0] - start[0]), start[1], top])
        over = dict(feet)
        over[mover] = np.array([dest[0] - 0.05 * tread, start[1], top])
        after = dict(feet)
        after[mover] = dest
        xs = feet[stance][0]
        tread_of[mover] = tgt
        pel_lift = pelvis(0.5 * (0.5 * (start[0] + xs) + xs), tread_of[stance])
        pel_over = pelvis(xs + 0.15 * (dest[0] - xs), tread_of[stance])
        pel_end = pelvis(0.5 * (dest[0] + xs), min(tread_of.values()))
        keys += [Key(t + 0.35 * step_s, pelvis=pel_lift, pelvis_rot=(0.0, 0.12, 0.0), feet=lift, hands=hands(sign)),
                 Key(t + 0.7 * step_s, pelvis=pel_over, pelvis_rot=(0.0, 0.12, 0.0), feet=over,
                     hands=hands(0.5 * sign), ease="linear"),
                 Key(t + step_s, pelvis=pel_end, pelvis_rot=(0.0, 0.08, 0.0), feet=after, hands=hands(0.0))]
        feet = after
        t += step_s
        mover, sign = other[mover], -sign
    end = max(ctx.duration, t) + 0.3
    keys.append(Key(end, pelvis=(0.5 * (feet['right'][0] + feet['left'][0]), 0.0, n * riser), feet=feet))  # standing on top
    clip = synthesize(sk, keys, duration=end, name="climb_stairs")
    block = stairs(n, riser, tread, float(rng.uniform(0.9, 1.3)) * k, 0.6 * k, rng)
    style = {"steps": n, "riser_m": riser, "tread_m": tread, "step_s": step_s, "lead_foot": lead, "arm_swing": rail,
             "stairs_x_m": x0}
    return ActionPlan(clip, [PlacedProp(block, (x0, 0.0, 0.0))], style, "procedural key poses + IK (stairs)")


def climb_signature(take: Take) -> SignatureResult:
    """ClimbStairs: the pelvis rises by at least ``steps - 1`` risers (and 0.12 h), and both feet
    land on treads: while resting (slower than 0.15 h/s for three frames running: a swinging foot
    slows for a single frame at the top of its arc) off the floor, each ankle is within 0.03 h of a
    tread's height and over that tread (horizontally, within 0.08 h), and the feet rest on at least
    two different treads."""
    h = S.body_height(take)
    st = take.meta["action"]
    n, riser, tread = int(st["steps"]), float(st["riser_m"]), float(st["tread_m"])
    pel = S.joint(take, "pelvis")
    rise = float(pel[-1, 2] - pel[0, 2])
    origin = S.prop(take, "stairs")[0]
    f = S.forward(take)[0]
    landed, bad = set(), 0
    for sd in SIDES:
        a = S.joint(take, f"{sd}_ankle")
        z0 = float(a[0, 2])
        slow = np.linalg.norm(np.gradient(a, axis=0), axis=1) * take.fps / h < 0.15
        resting = slow & np.r_[slow[0], slow[:-1]] & np.r_[slow[1:], slow[-1]]
        along = (a[:, :2] - origin[:2]) @ f
        for i in np.nonzero(resting & (a[:, 2] - z0 > 0.5 * riser))[0]:
            level = int(round((a[i, 2] - z0) / riser))
            on = 1 <= level <= n and abs(a[i, 2] - z0 - level * riser) < 0.03 * h
            on &= (level - 1) * tread - 0.08 * h <= along[i] <= level * tread + (0.6 if level == n else 0.0) + 0.08 * h
            if on:
                landed.add(level)
            else:
                bad += 1
    ok = rise >= max((n - 1) * riser, 0.12 * h) and len(landed) >= 2 and bad == 0
    return SignatureResult(ok, f"pelvis rose {rise:.2f} m ({rise / riser:.1f} risers of {n}), feet landed on treads "
                               f"{sorted(landed)}, {bad} resting frames off the treads")


# ---- Pour -----------------------------------------------------------------------------------------
def jug(rng: np.random.Generator, scale: float = 1.0) -> tuple[ShapedProp, np.ndarray]:
    """A jug (``Misc``): a body with a spout on its +x side and a handle on -x, origin at the body's
    centre; returns it and the spout's tip in its frame ``(3,)``."""
    c = tuple(float(x) for x in rng.uniform(0.2, 0.9, 3))
    w, hh = 0.05 * scale, 0.09 * scale
    parts = [((0.0, 0.0, 0.0), (w, w, hh), c), ((w + 0.015, 0.0, hh - 0.015), (0.02, 0.015, 0.012), c),
             ((-w - 0.015, 0.0, 0.01), (0.015, 0.01, 0.06 * scale), c)]
    return _shaped("jug", "Misc", parts, 0.0, c), np.array([w + 0.035, 0.0, hh])


def pour_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r, k = reach(sk), _scale(sk)
    side = SIDES[int(rng.integers(2))]
    sg = -1.0 if side == "right" else 1.0  # the pouring hand's side (y sign)
    tilt = math.radians(float(rng.uniform(75.0, 105.0)))
    pour_s = float(rng.uniform(0.8, 1.4))  # time held tilted
    lift_s = float(rng.uniform(0.6, 1.0))
    table_h = float(rng.uniform(0.38, 0.45)) * seg.height
    ahead = float(rng.uniform(0.5, 0.65)) * r  # the glass ahead of the body, m
    the_jug, spout = jug(rng, k)
    glass_r, glass_h = 0.035 * k, 0.11 * k
    depth = 0.3 * k + 0.1
    table = Prop("table", "Table", "box", (depth, 0.7 * k + 0.2, table_h), (0.45, 0.3, 0.18), 0.0)
    glass = Prop("glass", "Misc", "box", (2 * glass_r, 2 * glass_r, glass_h), (0.75, 0.85, 0.9), 0.0)
    g_xy = np.array([ahead, -sg * 0.05 * r])
    g_top = table_h + glass_h
    grip = np.array([-(0.05 * k + 0.02), 0.0, 0.0])  # the jug's centre from the wrist, jug frame, before the turn
    face = _yaw_quat(math.pi / 2 * -sg)  # spout towards the glass (across the body)

    def q_at(a: float) -> np.ndarray:  # the jug turned spout-down by a about the forward axis
        return quat_multiply(quat_from_rotvec(np.array([sg * a, 0.0, 0.0])), face)

    def offset(a: float) -> np.ndarray:
        return quat_rotate(q_at(a), -grip)

    # at full tilt the spout is over the glass, a few cm above its rim
    tip = np.array([g_xy[0], g_xy[1], g_top + 0.05 * k])
    wrist_pour = tip - quat_rotate(q_at(tilt), spout) - offset(tilt)
    wrist_carry = wrist_pour + np.array([-0.05 * r, sg * 0.12 * r, -0.05 * r])
    pole = (-0.3, -1.0, -0.3)
    look = (ahead, 0.0, table_h)
    ch = lambda p: {side: chest_point(sk, p)}  # noqa: E731
    t_up = 0.3 + lift_s
    t_tilt = t_up + 0.5
    t_back = t_tilt + pour_s
    keys = [Key(0.0, hands=ch(wrist_carry - np.array([0.0, 0.0, 0.25 * r])), elbow_pole=pole, look=look),
            Key(0.3, hands=ch(wrist_carry - np.array([0.0, 0.0, 0.25 * r])), elbow_pole=pole, look=look),
            Key(t_up, hands=ch(wrist_carry), elbow_pole=pole, look=look),
            Key(t_tilt, hands=ch(wrist_pour), elbow_pole=pole, look=look),
            Key(t_back, hands=ch(wrist_pour), elbow_pole=pole, look=look),
            Key(t_back + 0.5, hands=ch(wrist_carry), elbow_pole=pole, look=look)]
    end = max(ctx.duration, t_back + 0.5) + 0.3
    keys.append(Key(end, hands=ch(wrist_carry), elbow_pole=pole, look=look))
    clip = synthesize(sk, keys, duration=end, name="pour")
    angle = _track([t_up, t_tilt, t_back, t_back + 0.5], [[0.0], [tilt], [tilt], [0.0]])
    guided = GuidedProp(the_jug, side, lambda t: offset(float(angle(t - HAND_LAG_S)[0])),
                        lambda t: q_at(float(angle(t - HAND_LAG_S)[0])))
    stage = [guided, PlacedProp(table, (ahead + depth / 2 - 0.08, 0.0, table_h / 2)),
             PlacedProp(glass, (g_xy[0], g_xy[1], table_h + glass_h / 2))]
    style = {"hand": side, "tilt_deg": math.degrees(tilt), "pour_s": pour_s, "lift_s": lift_s, "table_m": table_h,
             "spout_local_m": [round(float(x), 4) for x in spout], "glass_radius_m": glass_r, "glass_top_m": g_top}
    return ActionPlan(clip, stage, style, "procedural key poses + IK (pour), guided jug")


def pour_signature(take: Take) -> SignatureResult:
    """Pour: for at least 0.3 s the jug is tilted at least 60 degrees from upright with its spout
    over the glass (horizontally within the glass radius + 0.03 h, above its rim)."""
    h = S.body_height(take)
    st = take.meta["action"]
    q = _part_quat(take, "jug")
    up = _rotate_rows(q, (0.0, 0.0, 1.0))
    tilt = np.degrees(np.arccos(np.clip(up[:, 2], -1.0, 1.0)))
    spout = S.prop(take, "jug") + _rotate_rows(q, st["spout_local_m"])
    g = S.prop(take, "glass")
    over = np.linalg.norm(spout[:, :2] - g[:, :2], axis=1) < float(st["glass_radius_m"]) + 0.03 * h
    over &= spout[:, 2] > float(st["glass_top_m"])
    run = best = 0
    for v in (tilt >= 60.0) & over:
        run = run + 1 if v else 0
        best = max(best, run)
    secs = best / take.fps
    ok = secs >= 0.3
    return SignatureResult(ok, f"jug tilted >= 60 deg over the glass for {secs:.2f} s (max tilt {tilt.max():.0f} deg)")


# ---- ShootBow -------------------------------------------------------------------------------------
def bow(rng: np.random.Generator, scale: float = 1.0) -> ShapedProp:
    """A recurve-like bow (semantic ``Bow``): a grip at the origin, limbs up and down along z curving
    back (-x), and the string between the tips; the arrow points along +x."""
    wood = tuple(float(x) for x in rng.uniform([0.25, 0.12, 0.05], [0.5, 0.3, 0.15]))
    L = float(rng.uniform(0.55, 0.7)) * scale  # half length
    parts = [((0.0, 0.0, 0.0), (0.02, 0.015, 0.06), wood)]
    for sgn in (1.0, -1.0):
        parts += [((-0.02, 0.0, sgn * 0.3 * L), (0.012, 0.012, 0.2 * L), wood),
                  ((-0.06, 0.0, sgn * 0.75 * L), (0.01, 0.01, 0.25 * L), wood)]
    parts.append(((-0.1, 0.0, 0.0), (0.002, 0.002, L), (0.9, 0.9, 0.9)))
    return _shaped("bow", "Bow", parts, 0.0, wood)


def bow_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r = reach(sk)
    bow_side = ("left", "right")[int(rng.integers(2))]
    draw_side = "right" if bow_side == "left" else "left"
    sb = 1.0 if bow_side == "left" else -1.0
    shots = int(rng.integers(1, 3))
    draw_s = float(rng.uniform(0.6, 1.0))
    hold_s = float(rng.uniform(0.4, 0.9))
    aim = float(rng.uniform(-0.05, 0.15))  # aim elevation, in reaches
    turn = float(rng.uniform(0.2, 0.5)) * sb  # chest turned side-on to the target, rad
    chest = (0.0, 0.0, -turn)
    shoulder = np.asarray(sk.link(f"{bow_side}_upper_arm").offset, dtype=np.float64)
    bow_hand = shoulder + r * np.array([0.97, -sb * 0.15, aim])
    head = np.asarray(sk.link("head").offset, dtype=np.float64) + np.array([0.0, 0.0, seg.neck_to_head])
    anchor = head + np.array([seg.head_radius * 0.9, -sb * 0.4 * seg.head_radius, -0.6 * seg.head_radius])
    nock = bow_hand + np.array([-0.1, 0.0, 0.0])
    release = anchor + np.array([-0.1 * r, -sb * 0.12 * r, 0.0])
    pole = (-0.2, -1.0, 0.4)
    look = (4.0, 0.0, 1.4)
    down = {bow_side: shoulder + r * np.array([0.35, sb * 0.1, -0.55])}
    raised = {bow_side: bow_hand, draw_side: nock}
    keys = [Key(0.0, hands=down), Key(0.3, hands=down), Key(0.9, hands=raised, chest=chest, elbow_pole=pole, look=look)]
    t = 0.9
    for _ in range(shots):
        keys += [Key(t + 0.25, hands=raised, chest=chest, elbow_pole=pole, look=look),
                 Key(t + 0.25 + draw_s, hands={bow_side: bow_hand, draw_side: anchor}, chest=chest, elbow_pole=pole,
                     look=look),
                 Key(t + 0.25 + draw_s + hold_s, hands={bow_side: bow_hand, draw_side: anchor}, chest=chest,
                     elbow_pole=pole, look=look),
                 Key(t + 0.35 + draw_s + hold_s, hands={bow_side: bow_hand, draw_side: release}, chest=chest,
                     elbow_pole=pole, look=look, ease="ease_out"),
                 Key(t + 0.9 + draw_s + hold_s, hands=raised, chest=chest, elbow_pole=pole, look=look)]
        t += 0.9 + draw_s + hold_s
    end = max(ctx.duration, t) + 0.3
    keys.append(Key(end, hands=raised, chest=chest, elbow_pole=pole, look=look))
    clip = synthesize(sk, keys, duration=end, name="shoot_bow")
    tip = _yaw_quat(-turn)  # the bow turns with the chest, its arrow axis towards the target
    held = GuidedProp(bow(rng, _scale(sk)), bow_side, lambda t: np.array([0.0, 0.0, -0.05]), lambda t: tip)
    style = {"bow_hand": bow_side, "shots": shots, "draw_s": draw_s, "hold_s": hold_s, "aim": aim, "turn_rad": turn,
             "reach_m": r}
    return ActionPlan(clip, [held], style, "procedural key poses + IK (archery), guided bow")


def bow_signature(take: Take) -> SignatureResult:
    """ShootBow: with the bow arm extended (shoulder-wrist at least 0.9 of the reach) and the bow in
    that hand, the drawing wrist goes from the bow hand (within 0.12 h) to the head (within 0.12 h),
    at least 0.25 h away from the bow wrist."""
    h = S.body_height(take)
    st = take.meta["action"]
    bs = st["bow_hand"]
    ds = "right" if bs == "left" else "left"
    bw, dw = S.joint(take, f"{bs}_wrist"), S.joint(take, f"{ds}_wrist")
    ext = np.linalg.norm(bw - S.joint(take, f"{bs}_shoulder"), axis=1) >= 0.9 * float(st["reach_m"])
    held = np.linalg.norm(S.prop(take, "bow") - bw, axis=1) < 0.1 * h
    at_bow = ext & (np.linalg.norm(dw - bw, axis=1) < 0.12 * h)
    at_head = ext & held & (np.linalg.norm(dw - S.joint(take, "head"), axis=1) < 0.12 * h)
    draws, best = 0, 0.0
    armed = False
    for i in range(len(bw)):
        if at_bow[i]:
            armed = True
        elif armed and at_head[i]:
            draws += 1
            armed = False
        if at_head[i]:
            best = max(best, float(np.linalg.norm(dw[i] - bw[i]) / h))
    ok = draws >= 1 and best >= 0.25
    return SignatureResult(ok, f"{draws} draws to the face, drawing hand {best:.2f} h from the bow hand, "
                               f"bow arm extended {ext.mean():.0%} of frames")


GOLF = register(ActionRecipe("Golf", frozenset({"mocap-like"}), ("golf",), golf_signature,
                             "a golf swing: address, backswing, downswing, follow-through; the ball flies "
                             "(key poses + IK, guided club)", build=golf_build, duration=3.0,
                             variations=_TOOL_VARIATIONS))
CLIMB_STAIRS = register(ActionRecipe("ClimbStairs", frozenset({"mocap-like"}), ("climb",), climb_signature,
                                     "climbing a flight of stairs, feet placed on the treads (key poses + IK, "
                                     "physical stairs)", build=climb_build, duration=4.0))
POUR = register(ActionRecipe("Pour", frozenset({"mocap-like"}), ("pour",), pour_signature,
                             "pouring from a jug into a glass on a table (key poses + IK, guided jug)",
                             build=pour_build, duration=3.9, variations=frozenset({"n", "w", "p", "o"}), view="oblique"))
SHOOT_BOW = register(ActionRecipe("ShootBow", frozenset({"mocap-like"}), ("shoot_bow",), bow_signature,
                                  "drawing a bow to the face, holding and releasing (key poses + IK, guided bow)",
                                  build=bow_build, duration=3.6, variations=_TOOL_VARIATIONS, view="oblique"))
