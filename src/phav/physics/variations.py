"""PHAV's motion variations as composable modifiers of a tracked humanoid.

A :class:`Modifier` may change the clip before the simulation (:meth:`Modifier.clip`), set up the
humanoid and add bodies to the world (:meth:`Modifier.setup`), act before every physics step
(:meth:`Modifier.before_step`) and report props to record in the take (:attr:`Modifier.props`).
:func:`make_modifiers` builds the modifiers of a variation letter from a generator, so every
variation is deterministic for a given seed; several letters compose (``"wp"``).

- ``n`` none.
- ``w`` muscle weakening: one or two muscle groups, always on one side, drop to 15-40 % of their
  strength, stiffness and damping for the whole video, so the motion becomes visibly asymmetric (a limp, a
  hanging arm).
- ``p`` perturbation: 2-4 pushes at random times on the chest or pelvis (each at least 0.75 s
  after the previous one; fewer when the video is too short for them), horizontal, random direction,
  6-10 N per kg of body mass for 0.15 s; during a push and 0.3 s after it the root pin relaxes to
  10 % so that the body sways (a standing person by 6-13 cm) and recovers.
- ``b`` blending: the clip is blended with a second DeepMimic clip: its upper body is layered
  over the base motion at weight 0.5-0.9 (e.g. punching while walking), lowered in the frames where
  it would take the body below the base motion's lowest point and the ground (a punch layered over
  a get-up from lying face down; :func:`phav.motion.grounded_layer.layer_above_ground`). The record
  keeps the drawn ``weight`` and ``weight_min``, the lowest per-frame weight used.
- ``o`` objects: a ball thrown at the person (semantic class ``Ball``) and a box placed in the
  path (``Misc``), at the first of :func:`box_spots` clear of every other body
  (:meth:`~phav.physics.world.World.clearance`: the action's props, the people, the world's
  furniture); the ball comes from the first of :func:`throw_options` with a clear start and
  flight (:meth:`~phav.physics.world.World.rays_meet_only`). Both are rigid bodies that the person
  touches, recorded as extra parts.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from phav.body.skeleton import SIDES, Skeleton
from phav.motion.clip import Clip
from phav.physics.bullet import pybullet
from phav.physics.humanoid import Humanoid
from phav.physics.world import GRAVITY, World

#: Variation letters implemented here (``phav.sampling`` reads this).
VARIATIONS: tuple[str, ...] = ("n", "w", "p", "b", "o")
#: Clips the blending variation draws its second motion from (DeepMimic names).
BLEND_CLIPS: tuple[str, ...] = ("punch", "kick", "dance_a", "spin", "jump")
#: Muscle groups the weakening variation can pick, by side.
WEAKENABLE = {"right": ("right_leg", "right_arm"), "left": ("left_leg", "left_arm")}


def implemented_variations() -> list[str]:
    return list(VARIATIONS)


@dataclasses.dataclass
class Prop:
    """A rigid object in the scene, recorded in the take.

    Attributes:
        name: instance name (e.g. ``ball``).
        semantic: PHAV semantic class name (``Ball``, ``Misc``).
        kind: ``sphere`` (``size = (radius,)``) or ``box`` (``size`` = full extents ``(3,)``), metres.
        colour: linear RGB albedo.
        body: PyBullet body id once created.
    """

    name: str
    semantic: str
    kind: str
    size: tuple[float, ...]
    colour: tuple[float, float, float]
    mass: float
    body: int = -1

    def create(self, world: World, position: np.ndarray, velocity: np.ndarray | None = None) -> int:
        c = world.client
        if self.kind == "sphere":
            shape = c.createCollisionShape(pybullet.GEOM_SPHERE, radius=self.size[0])
        else:
            shape = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[0.5 * s for s in self.size])
        self.body = c.createMultiBody(baseMass=self.mass, baseCollisionShapeIndex=shape,
                                      basePosition=np.asarray(position, dtype=float).tolist())
        c.changeDynamics(self.body, -1, lateralFriction=0.7, restitution=0.3, rollingFriction=0.001)
        if velocity is not None:
            c.resetBaseVelocity(self.body, np.asarray(velocity, dtype=float).tolist())
        return self.body

    def pose(self, world: World) -> tuple[np.ndarray, np.ndarray]:
        p, q = world.client.getBasePositionAndOrientation(self.body)
        return np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)


class Modifier:
    """Base class: a modifier that changes nothing. ``record`` collects its parameters."""

    letter = "n"

    def __init__(self) -> None:
        self.props: list[Prop] = []
        self.record: dict = {}

    def clip(self, clip: Clip) -> Clip:
        return clip

    def setup(self, world: World, human: Humanoid) -> None:
        pass

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        pass


class Weakening(Modifier):
    """``w``: some muscle groups of one side at reduced strength."""

    letter = "w"

    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__()
        side = SIDES[int(rng.integers(2))]
        groups = WEAKENABLE[side]
        count = int(rng.integers(1, 3))
        chosen = [groups[0]] if count == 1 else list(groups)
        if count == 1 and rng.random() < 0.4:
            chosen = [groups[1]]
        self.scales = {g: float(rng.uniform(0.15, 0.4)) for g in chosen}
        self.record = {"strength_scale": self.scales}

    def setup(self, world: World, human: Humanoid) -> None:
        human.weaken(self.scales)


class Perturbation(Modifier):
    """``p``: random horizontal pushes on the chest or pelvis."""

    letter = "p"
    PUSH_SECONDS = 0.15
    #: Root pin weight during a push and for RECOVERY_SECONDS after it.
    PIN_DURING_PUSH = 0.1
    RECOVERY_SECONDS = 0.3
    #: Pushes start at least this far apart, s: after a push and its recovery the body walks on
    #: (pushes in a row, 0.45 s apart, felled runners).
    MIN_INTERVAL_S = 0.75
    #: Push force per kg of body mass, N/kg (a push of the same effect on a child and an adult):
    #: a standing person sways 6-13 cm (joint furthest from the unpushed take; 2.5-5.5 N/kg moved
    #: them 0-2 cm, against the relaxed root pin's 2.5 N/kg).
    FORCE_PER_KG = (6.0, 10.0)

    def __init__(self, rng: np.random.Generator, duration: float) -> None:
        super().__init__()
        self.pushes = self.draw_pushes(rng, duration)
        self.record = {"pushes": self.pushes, "push_seconds": self.PUSH_SECONDS}
        self._base_weight = 1.0

    def draw_pushes(self, rng: np.random.Generator, duration: float) -> list[dict]:
        """The pushes of a ``duration`` s video: ``time_s``, ``link``, ``force_n_per_kg``,
        ``direction_rad`` (world, about +z from +x) each. Subclasses draw their own."""
        n = int(rng.integers(2, 5))
        # between 0.3 s and 0.3 s before the end, each push MIN_INTERVAL_S after the previous one (a
        # push landing on another's would double it): n sorted uniform draws spread by the gap
        gap = self.MIN_INTERVAL_S
        span = max(0.1, duration - 0.6)
        n = max(1, min(n, 1 + int(span // gap)))
        start = 0.3 + np.sort(rng.uniform(0.0, max(0.0, span - (n - 1) * gap), n)) + gap * np.arange(n)
        return [
            {"time_s": float(t), "link": ("chest", "pelvis")[int(rng.integers(2))],
             "force_n_per_kg": float(rng.uniform(*self.FORCE_PER_KG)), "direction_rad": float(rng.uniform(-math.pi, math.pi))}
            for t in start
        ]

    def setup(self, world: World, human: Humanoid) -> None:
        self._base_weight = human.pin_weight

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        active = [p for p in self.pushes if p["time_s"] <= time_s < p["time_s"] + self.PUSH_SECONDS]
        relaxed = any(p["time_s"] <= time_s < p["time_s"] + self.PUSH_SECONDS + self.RECOVERY_SECONDS
                      for p in self.pushes)
        if human.ragdoll_time is None:
            human.set_pin_weight(self._base_weight * (self.PIN_DURING_PUSH if relaxed else 1.0))
        for p in active:
            f = p["force_n_per_kg"] * human.skeleton.total_mass * np.array([math.cos(p["direction_rad"]), math.sin(p["direction_rad"]), 0.0])
            k = human.link_names.index(p["link"])
            index = -1 if k == 0 else k - 1
            pos, _ = human.link_poses()
            world.client.applyExternalForce(human.body_id, index, f.tolist(), pos[k].tolist(), pybullet.WORLD_FRAME)


class Blending(Modifier):
    """``b``: the upper body of a second clip layered over the base motion."""

    letter = "b"

    def __init__(self, rng: np.random.Generator, second: Clip, skeleton: Skeleton) -> None:
        super().__init__()
        self.second, self.skeleton = second, skeleton
        self.weight = float(rng.uniform(0.5, 0.9))
        self.offset = float(rng.uniform(0.0, second.duration))
        self.record = {"second_clip": second.name, "weight": self.weight, "offset_s": self.offset}

    def clip(self, clip: Clip) -> Clip:
        from phav.motion.grounded_layer import layer_above_ground
        from phav.motion.ops import time_warp

        # sampling past the end repeats a looping clip and holds the last pose of another
        top = time_warp(self.second, lambda t: t + self.offset, clip.duration)
        layered, weights = layer_above_ground(clip, top, self.skeleton, self.weight)
        self.record["weight_min"] = float(weights.min())
        return layered


class Objects(Modifier):
    """``o``: a ball thrown at the person and a box placed in the path."""

    letter = "o"

    def __init__(self, rng: np.random.Generator, duration: float) -> None:
        super().__init__()
        self.throw_time = float(rng.uniform(0.2, max(0.3, 0.6 * duration)))
        self.throw_from = float(rng.uniform(-math.pi, math.pi))  # direction from the person, rad
        self.throw_distance = float(rng.uniform(2.5, 4.0))
        self.box_ahead = float(rng.uniform(0.8, 1.6))
        radius = float(rng.uniform(0.10, 0.13))
        ball_colour = tuple(float(x) for x in rng.uniform(0.1, 0.9, 3))
        box = tuple(float(x) for x in rng.uniform([0.25, 0.25, 0.15], [0.45, 0.45, 0.35]))
        self.props = [
            Prop("thrown_ball", "Ball", "sphere", (radius,), ball_colour, 0.45),  # type: ignore[arg-type]
            Prop("obstacle_box", "Misc", "box", box, (0.45, 0.33, 0.2), 4.0),
        ]
        self.record = {"throw_time_s": self.throw_time, "throw_from_rad": self.throw_from,
                       "throw_distance_m": self.throw_distance, "box_ahead_m": self.box_ahead,
                       "ball_radius_m": radius, "box_size_m": list(box)}
        self._thrown = False

    def setup(self, world: World, human: Humanoid) -> None:
        ball, box = self.props
        clip = human.clip
        # the box sits on the ground ahead of the path, at the first of its spots that is clear of
        # every body already there (the action's props, the people, the world's furniture and
        # walls: a box created inside one is thrown out in the first step); the ball waits out of
        # sight below the ground
        d = clip.root_pos[-1, :2] - clip.root_pos[0, :2]
        ahead = d / np.linalg.norm(d) if np.linalg.norm(d) > 0.2 else np.array([math.cos(0.0), math.sin(0.0)])

        def centre(forward: float, aside: float) -> list[float]:
            spot = clip.root_pos[0, :2] + ahead * forward + np.array([-ahead[1], ahead[0]]) * aside
            return [float(spot[0]), float(spot[1]), 0.5 * box.size[2]]

        spots = box_spots(self.box_ahead)
        box.create(world, np.array(centre(*spots[0])))
        ball.create(world, np.array([0.0, 0.0, -10.0]))
        world.client.changeDynamics(ball.body, -1, mass=0.0)  # parked: static until thrown
        self._ball_mass = ball.mass
        gaps: list[float] = []
        for forward, aside in spots:
            if gaps:
                world.client.resetBasePositionAndOrientation(box.body, centre(forward, aside), [0.0, 0.0, 0.0, 1.0])
            gaps.append(world.clearance(box.body, ignore=(ball.body,)))
            if gaps[-1] >= OBJECT_CLEARANCE:
                break
        i = int(np.argmax(gaps))  # the first clear spot, else the least crowded one
        gap = gaps[i]
        if i != len(gaps) - 1:
            world.client.resetBasePositionAndOrientation(box.body, centre(*spots[i]), [0.0, 0.0, 0.0, 1.0])
        self.record.update(box_ahead_m=spots[i][0], box_aside_m=spots[i][1], box_clearance_m=round(gap, 4))

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        if self._thrown or time_s < self.throw_time:
            return
        self._thrown = True
        ball = self.props[0]
        target = human.clip.sample(time_s + THROW_FLIGHT_S).root_pos + np.array([0.0, 0.0, 0.3])
        start, v, clear = self._clear_throw(world, human, target)
        c = world.client
        c.changeDynamics(ball.body, -1, mass=self._ball_mass)
        c.resetBasePositionAndOrientation(ball.body, start.tolist(), [0, 0, 0, 1])
        c.resetBaseVelocity(ball.body, v.tolist())
        self.record["thrown_at_s"] = time_s
        self.record["throw_clear"] = clear

    def _clear_throw(self, world: World, human: Humanoid, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """The throw at ``target`` (world, m): ``(start (3,), velocity (3,) m/s, clear)``. The first
        of :func:`throw_options` whose ball starts clear of every body and whose flight meets
        nothing but the person (a wall, a parked car, the furniture) is taken and recorded;
        without one, the drawn throw (``clear`` false)."""
        ball = self.props[0]
        c = world.client

        def throw(heading: float, distance: float) -> tuple[np.ndarray, np.ndarray]:
            start = target + distance * np.array([math.cos(heading), math.sin(heading), 0.0])
            start[2] = 1.5
            v = (target - start) / THROW_FLIGHT_S  # v = (x1 - x0) / T + g T / 2 vertically
            v[2] += 0.5 * GRAVITY * THROW_FLIGHT_S
            return start, v

        t = np.linspace(0.0, THROW_FLIGHT_S, 5)[:, None]  # the arc as four straight segments
        for turn, distance in throw_options(self.throw_distance):
            heading = self.throw_from + turn
            start, v = throw(heading, distance)
            arc = start + v * t - np.array([0.0, 0.0, 0.5 * GRAVITY]) * t * t
            if not world.rays_meet_only(arc[:-1], arc[1:], (human.body_id, ball.body)):
                continue
            c.resetBasePositionAndOrientation(ball.body, start.tolist(), [0, 0, 0, 1])
            if world.clearance(ball.body) < OBJECT_CLEARANCE:
                continue
            self.record.update(throw_from_rad=math.remainder(heading, 2.0 * math.pi), throw_distance_m=distance)
            return start, v, True
        return (*throw(self.throw_from, self.throw_distance), False)


#: Clearance the objects variation's box and ball keep from every other body where they start, m.
OBJECT_CLEARANCE = 0.05
#: Seconds the objects variation's ball flies to the person.
THROW_FLIGHT_S = 0.5
#: Turns (rad) from the drawn throw direction that the throw tries in turn.
THROW_TURNS = (0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0, 2.5, -2.5, math.pi)


def throw_options(distance: float) -> list[tuple[float, float]]:
    """Candidate throws of the objects ball, as (turn from the drawn direction in rad, metres from
    the person): every :data:`THROW_TURNS` at the drawn ``distance``, then at 2.5 m (closer in a
    cluttered street or room)."""
    return [(turn, d) for d in (distance, 2.5) for turn in THROW_TURNS]


#: Sideways offsets (m) from the path the box tries in turn, the drawn spot's first.
BOX_ASIDE = (0.15, -0.55, 0.95, -0.95, 1.35, -1.35, 1.75, -1.75)


def box_spots(ahead: float) -> list[tuple[float, float]]:
    """Candidate spots of the objects box, as (metres along the path, metres to its left): the
    drawn distance ``ahead`` with :data:`BOX_ASIDE` offsets, then 0.8 m further on, then 0.8 m
    nearer the start (not closer than 0.5 m)."""
    distances = (ahead, ahead + 0.8, max(0.5, ahead - 0.8))
    return [(d, a) for d in distances for a in BOX_ASIDE]


def make_modifiers(letters: str, rng: np.random.Generator, duration: float,
                   second_clip: Clip | None = None, skeleton: Skeleton | None = None) -> list[Modifier]:
    """Modifiers for the variation letters (``n``, ``w``, ``p``, ``b``, ``o``; combinations compose).

    Args:
        rng: the only source of randomness.
        duration: video length, seconds.
        second_clip: the blending variation's second motion (required for ``b``).
        skeleton: the body the clips are fitted to (required for ``b``).
    Raises:
        ValueError: an unknown letter, or ``b`` without a second clip or skeleton.
    """
    out: list[Modifier] = []
    for letter in letters:
        if letter not in VARIATIONS:
            raise ValueError(f"unknown variation {letter!r}; valid: {', '.join(VARIATIONS)}")
        if letter == "w":
            out.append(Weakening(rng))
        elif letter == "p":
            out.append(Perturbation(rng, duration))
        elif letter == "b":
            if second_clip is None or skeleton is None:
                raise ValueError("variation b needs a second clip to blend with and the body's skeleton")
            out.append(Blending(rng, second_clip, skeleton))
        elif letter == "o":
            out.append(Objects(rng, duration))
    return out
