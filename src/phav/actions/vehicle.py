"""SyntheticCarHit: a car drives into the walking person, who becomes a ragdoll and falls.

The car is a heavy rigid body (the mesh of :func:`phav.worlds.props.car`, semantic class ``Car``,
recorded as prop ``car`` with its own instance) driven at a set speed: :class:`CarStrike` sets its
horizontal velocity before every physics step, holds it up against gravity and keeps it level, so
the contact with the person is a real collision whose impulse starts the humanoid's ragdoll
transition (:meth:`phav.physics.humanoid.Humanoid.observe_impacts`). After the first contact the car
brakes to a stop. Its start is placed so that its front reaches the walker's pelvis at the sampled
hit time. Thresholds are fractions of the actor's height ``h``.

The car meets nothing but the person, so its course must be clear of the world: where a building,
parked car or post stands in the way (a walker on an Urban pavement has a wall on one side and the
kerb's lamps and parked cars on the other), the car would drive out of it, or crush the thrown body
against it (the simulation explodes or the body is held upright). :meth:`CarStrike.setup` tests
the corridor of each course with rays, the drawn one first (from the drawn side), then from the
other side, from ahead and from behind along the walk, and takes the first that is clear over the
car's run-up and its braking distance beyond the person; with none clear it keeps the drawn one.
The record says which (``car_side``: ``left``, ``right``, ``behind`` or ``ahead``). There is no
such course in a room, and no car drives indoors: the action excludes the House.

The camera must see the fall. The body is thrown ahead of the car, which brakes to a stop behind
it: seen from where the car came (the camera's direction from the person against the car's
course), the car stands between them and hides the person for the rest of the video (with the
courses tried in the order above and the camera as drawn, 3 of 6 Kite videos on the Plain and 3 of
8 on an Urban pavement showed no pixel of the person after the hit); seen from where it goes, the
body lies between the camera and the car. So the courses within :data:`MAX_VIEW_COS` of square to
the camera's line of sight (:func:`phav.worlds.cameras.view_azimuth`) are tried first, in the order
above, then the others from the one driving most towards the camera's side, a course from behind
still last; and where the course still comes from the camera's side (on an Urban pavement only the
two courses along it may be clear), the camera is turned about the person to its mirror image
across the course (the record's ``camera_turn_rad``, :data:`phav.worlds.cameras.CAMERA_TURN_KEY`),
to the side the car drives to. The signature fails a take in which the car's box still stands
between the camera and every joint of the person in most frames after the contact
(:data:`MIN_SEEN_AFTER_CONTACT`).
"""

from __future__ import annotations

import math

import numpy as np

from phav.actions import signals as S
from phav.actions.objects import ShapedProp
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, deepmimic_build, register
from phav.geometry import quat_rotate
from phav.motion.ops import speed
from phav.physics.humanoid import Humanoid
from phav.physics.variations import Modifier
from phav.physics.world import World
from phav.take import Take
from phav.worlds.cameras import CAMERA_TURN_KEY, view_azimuth
from phav.worlds.props import car

#: Car mass, kg.
CAR_MASS = 1200.0
#: Braking deceleration after the first contact, m/s^2.
BRAKE = 7.0
#: Gap (m) between the car's front and the pelvis at the sampled hit time (the bumper meets the legs).
FRONT_GAP = 0.05
#: Heights (m) of the rays that test a course for obstacles: bumper, bonnet, roof.
PROBE_HEIGHTS = (0.25, 0.8, 1.4)
#: Metres of clear course wanted beyond the car's braking distance (the thrown body's landing).
LANDING_MARGIN = 1.5
#: Courses whose direction is within this cosine of square to the camera's direction from the
#: person (|cos| at most 0.64: at least 50 degrees off the line of sight) are tried first.
MAX_VIEW_COS = 0.64
#: The person must be in sight (some joint's line of sight from the camera clear of the car's box)
#: in at least this fraction of the frames from the car's first contact on.
MIN_SEEN_AFTER_CONTACT = 0.5


def car_prop(rng: np.random.Generator) -> tuple[ShapedProp, np.ndarray]:
    """A car prop (mesh from :mod:`phav.worlds.props`, collision boxes for body and cabin) and its
    half extents ``(3,)`` (length/2, width/2, height/2), metres. Origin on the ground, length along +x."""
    built = car(rng)
    hl, hw, _ = (float(x) for x in built.half)
    parts = [((0.0, 0.0, 0.55), (hl, hw, 0.35), (0, 0, 0)),
             ((-0.05 * 2 * hl, 0.0, 1.12), (0.28 * 2 * hl, hw - 0.08, 0.26), (0, 0, 0))]
    prop = ShapedProp("car", "Car", "compound", (2 * hl, 2 * hw, 1.4), (0.5, 0.5, 0.5), CAR_MASS,
                      parts=parts, mesh=built.mesh)
    return prop, np.array([hl, hw, 0.7])


class CarStrike(Modifier):
    """A car that drives into the person: it comes from ``side`` (``left``/``right`` of the walker),
    its course turned by ``angle`` rad from square to the walking direction, at ``speed`` m/s, and its
    front reaches the pelvis at ``hit_s`` seconds (on the clip's planned path). ``camera``: the
    video's camera rig, whose line of sight the course keeps square to where it can, and which it
    asks turned where it cannot (see the module docstring), or ``None``."""

    def __init__(self, prop: ShapedProp, half: np.ndarray, side: str, angle: float, speed_m_s: float,
                 hit_s: float, camera: object = None) -> None:
        super().__init__()
        self.props = [prop]
        self.half = np.asarray(half, dtype=np.float64)
        self.side, self.angle, self.speed, self.hit_s = side, float(angle), float(speed_m_s), float(hit_s)
        self.camera = camera
        self._v = float(speed_m_s)
        self._dir = np.zeros(3)
        self._contact_s: float | None = None
        self.record = {"car_half_m": [round(float(x), 4) for x in self.half], "car_speed_m_s": round(self.speed, 4),
                       "car_side": side, "car_angle_rad": round(self.angle, 4), "car_hit_s": round(self.hit_s, 4)}

    def _courses(self, walk: np.ndarray) -> list[tuple[str, float, np.ndarray]]:
        """``(side, angle, unit horizontal direction (2,))`` of the courses to try, in order: the
        drawn side, the other side (both turned by the drawn angle towards the walk), from ahead
        and from behind (a car from behind sweeps the legs into the ground more often: last)."""
        left = np.array([-walk[1], walk[0]])
        c, s = math.cos(self.angle), math.sin(self.angle)
        out = []
        for side in (self.side, "right" if self.side == "left" else "left"):
            towards = -left if side == "left" else left  # a car from the left drives towards the right
            out.append((side, self.angle, c * towards + s * walk))
        out += [("ahead", 0.0, -walk), ("behind", 0.0, walk.copy())]
        return out

    def _in_view_order(self, courses: list[tuple[str, float, np.ndarray]],
                       walk: np.ndarray) -> tuple[list[tuple[str, float, np.ndarray]], np.ndarray | None]:
        """``courses`` reordered for the camera: those within :data:`MAX_VIEW_COS` of square to its
        direction from the person first, in their order, then the others from the course driving
        most towards the camera's side (the body, thrown ahead, then lies between the camera and
        the car) to the one coming most from it, a course from behind last still (it sweeps the
        legs into the ground more often: a square one from behind, tried earlier, failed 3 of 32
        simulations with a foot in the ground); and that direction (unit, world x, y). As given,
        and ``None``, without a camera whose direction is known before the simulation."""
        azimuth = (view_azimuth(self.camera, math.atan2(walk[1], walk[0]), self.hit_s)
                   if self.camera is not None else None)
        if azimuth is None:
            return courses, None
        view = np.array([math.cos(azimuth), math.sin(azimuth)])

        def rank(item: tuple[int, tuple[str, float, np.ndarray]]) -> tuple[int, float]:
            i, (side, _, d) = item
            cos = float(np.dot(view, d))
            if abs(cos) <= MAX_VIEW_COS:
                return 0, i  # square: in the given order
            return (2, i) if side == "behind" else (1, -cos)

        return [c for _, c in sorted(enumerate(courses), key=rank)], view

    def _clear(self, world: World, human: Humanoid, target: np.ndarray, d: np.ndarray) -> bool:
        """Whether the course through ``target`` (world x, y) along ``d`` meets no body but the
        person: rays at :data:`PROBE_HEIGHTS` along its centre and both sides, over the run-up
        behind the target and the braking distance (plus :data:`LANDING_MARGIN`) beyond it."""
        run_up = self.speed * self.hit_s + self.half[0]
        beyond = self.speed ** 2 / (2.0 * BRAKE) + 2.0 * self.half[0] + LANDING_MARGIN
        side = np.array([-d[1], d[0]]) * self.half[1]
        starts, ends = [], []
        for z in PROBE_HEIGHTS:
            for offset in (-side, np.zeros(2), side):
                a = target + offset
                for b in (a - d * run_up, a + d * beyond):
                    starts.append([a[0], a[1], z])
                    ends.append([b[0], b[1], z])
        return world.rays_meet_only(starts, ends, (human.body_id,))

    def setup(self, world: World, human: Humanoid) -> None:
        clip = human.clip
        p = clip.sample(min(self.hit_s, clip.duration))
        walk = quat_rotate(p.root_quat, np.array([1.0, 0.0, 0.0]))[:2]
        walk = walk / max(float(np.linalg.norm(walk)), 1e-9)
        target = np.array([p.root_pos[0], p.root_pos[1], 0.0])
        drawn = self._courses(walk)
        courses, view = self._in_view_order(drawn, walk)
        side, angle, d = next((c for c in courses if self._clear(world, human, target[:2], c[2])), drawn[0])
        self.record["car_side"], self.record["car_angle_rad"] = side, round(angle, 4)
        if view is not None:
            cos = float(np.dot(view, d))
            if cos < 0.0:  # the camera on the side the car comes from: turned to its mirror image across the course
                mirror = view - 2.0 * cos * d
                turn = math.atan2(mirror[1], mirror[0]) - math.atan2(view[1], view[0])
                self.record[CAMERA_TURN_KEY] = round(math.remainder(turn, 2.0 * math.pi), 6)  # in [-pi, pi]
            self.record["car_view_cos"] = round(abs(cos), 4)  # the course's cosine to the camera's direction
        self._dir = np.array([d[0], d[1], 0.0])
        centre_at_hit = target - self._dir * (self.half[0] + FRONT_GAP)
        start = centre_at_hit - self._dir * self.speed * self.hit_s
        prop = self.props[0]
        prop.create(world, start)
        yaw = math.atan2(d[1], d[0])
        cl = world.client
        cl.resetBasePositionAndOrientation(prop.body, start.tolist(), [0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)])
        for other in range(cl.getNumBodies()):  # it meets the person only (not the ground or the street)
            b = cl.getBodyUniqueId(other)
            if b not in (prop.body, human.body_id):
                cl.setCollisionFilterPair(prop.body, b, -1, -1, 0)
        self.record["car_start_m"] = [round(float(x), 4) for x in start]

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        cl, body = world.client, self.props[0].body
        if self._contact_s is None and cl.getContactPoints(bodyA=body, bodyB=human.body_id):
            self._contact_s = time_s
            self.record["car_contact_s"] = round(time_s, 4)
        if self._contact_s is not None:
            self._v = max(0.0, self._v - BRAKE * world.timestep)
        v = self._dir * self._v
        cl.resetBaseVelocity(body, v.tolist(), [0.0, 0.0, 0.0])
        pos, _ = cl.getBasePositionAndOrientation(body)
        cl.applyExternalForce(body, -1, [0.0, 0.0, CAR_MASS * 9.81], list(pos), cl.WORLD_FRAME)


def car_hit_build(ctx: BuildContext) -> ActionPlan:
    rng = ctx.rng
    tempo = float(rng.uniform(0.8, 1.1))
    side = ("left", "right")[int(rng.integers(2))]
    angle = float(rng.uniform(-0.35, 0.35))
    v = float(rng.uniform(6.0, 10.0))
    hit = float(rng.uniform(0.8, 1.2))
    base = deepmimic_build(ctx)
    prop, half = car_prop(rng)
    strike = CarStrike(prop, half, side, angle, v, hit, camera=ctx.camera)
    style = {"tempo": tempo, "car_side": side, "car_angle_rad": angle, "car_speed_m_s": v, "hit_s": hit}
    return ActionPlan(speed(base.clip, tempo), [strike], style, base.source + " + car strike (ragdoll)")


#: Joints closer than this to the car's box (m) count as touching it (the skin around the joints).
TOUCH_M = 0.2
#: The pelvis must end below this fraction of the height (0.53 h standing; about 0.1 h lying).
DOWN_PER_H = 0.3


def car_local(take: Take, points: np.ndarray) -> np.ndarray:
    """World points ``(T, N, 3)`` in the frame of the car's box at each frame: origin at the box's
    centre, axes along its length, width and height (metres; the box spans ``+-car_half_m``)."""
    k = take.part_names.index("prop/car")
    pos, quat = take.part_pos[:, k], take.part_quat[:, k]
    half = np.asarray(take.meta["action"]["car_half_m"])
    conj = quat * np.array([-1.0, -1.0, -1.0, 1.0])  # (T, 4): every frame and point at once
    return quat_rotate(conj[:, None, :], points - pos[:, None, :]) - np.array([0.0, 0.0, half[2]])


def hidden_by_the_car(take: Take) -> np.ndarray:
    """``(T,) bool``: frames in which the segment from the camera's centre to each joint of the
    person crosses the car's box (the slab test in the box's frame), so the car hides them all."""
    half = np.asarray(take.meta["action"]["car_half_m"])
    w2c = np.asarray(take.camera_world_to_camera, dtype=np.float64)
    eye = -np.einsum("tji,tj->ti", w2c[:, :3, :3], w2c[:, :3, 3])  # camera centres (T, 3)
    a = car_local(take, eye[:, None, :])  # (T, 1, 3)
    b = car_local(take, take.actors[0].joints_3d)  # (T, J, 3)
    d = b - a
    d = np.where(d == 0.0, 1e-12, d)  # a segment parallel to a slab: inside it or not, by a's side
    t0, t1 = (-half - a) / d, (half - a) / d
    enter = np.max(np.minimum(t0, t1), axis=2)
    leave = np.min(np.maximum(t0, t1), axis=2)
    crosses = (enter <= leave) & (leave >= 0.0) & (enter <= 1.0)  # (T, J)
    return np.all(crosses, axis=1)


def car_hit_signature(take: Take) -> SignatureResult:
    """CarHit: the car touches the person (a joint within 0.2 m of the car's box at some frame) while
    moving faster than 2 m/s, the pelvis ends on the ground (below 0.3 h), and the camera sees the
    person (some joint's line of sight clear of the car's box) in at least half the frames from the
    first touch on."""
    h = S.body_height(take)
    k = take.part_names.index("prop/car")
    pos = take.part_pos[:, k]
    half = np.asarray(take.meta["action"]["car_half_m"])
    local = car_local(take, take.actors[0].joints_3d)
    out = np.maximum(np.abs(local) - half, 0.0)
    gaps = np.min(np.linalg.norm(out, axis=2), axis=1)
    v = np.linalg.norm(np.gradient(pos[:, :2], axis=0), axis=1) * take.fps
    touching = (gaps < TOUCH_M) & (v > 2.0)
    touched = bool(np.any(touching))
    end = float(S.joint(take, "pelvis")[-1, 2] / h)
    reason = f"closest car gap {gaps.min():.2f} m (touched while moving: {touched}), pelvis ends at {end:.2f} h"
    if not touched:
        return SignatureResult(False, reason)
    seen = float(np.mean(~hidden_by_the_car(take)[int(np.argmax(touching)):]))
    ok = end < DOWN_PER_H and seen >= MIN_SEEN_AFTER_CONTACT
    return SignatureResult(ok, f"{reason}, person in sight in {seen:.0%} of the frames from the touch on")


CAR_HIT = register(ActionRecipe("SyntheticCarHit", frozenset({"synthetic"}), ("walk",), car_hit_signature,
                                "a walking person struck by a car falls as a ragdoll", build=car_hit_build,
                                duration=3.0, excluded_environments=frozenset({"House"})))  # no car drives indoors
