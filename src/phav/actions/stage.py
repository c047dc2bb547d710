"""Stage pieces of action recipes: props and events with the variations' modifier interface.

Each class here is a :class:`phav.physics.variations.Modifier`: ``setup(world, human)`` adds bodies,
``before_step(world, human, t)`` acts before each physics step, ``props`` lists the rigid objects
the scenario records in the take (as parts ``prop/<name>`` with their own instance and semantic
class), ``record`` their sampled parameters. Positions given in the *body frame* (origin on the
ground under the actor's start, x forward, y left) are turned into the world with the actor's
placed clip (its first root pose).
"""

from __future__ import annotations

import math

import numpy as np

from phav.body.skeleton import SIDES
from phav.geometry import quat_rotate
from phav.motion.rotations import heading
from phav.physics.bullet import pybullet
from phav.physics.humanoid import Humanoid
from phav.physics.kinematics import forward_kinematics_many
from phav.physics.variations import Modifier, Prop
from phav.physics.world import World


def body_to_world(human: Humanoid, point: np.ndarray) -> np.ndarray:
    """A body-frame point ``(3,)`` in world coordinates (the clip's first root pose, heading only)."""
    yaw = float(heading(human.clip.root_quat[0]))
    c, s = math.cos(yaw), math.sin(yaw)
    p = np.asarray(point, dtype=np.float64)
    origin = human.clip.root_pos[0]
    return np.array([origin[0] + c * p[0] - s * p[1], origin[1] + s * p[0] + c * p[1], p[2]])


def ignore_person(world: World, human: Humanoid, body: int) -> None:
    """No collisions between ``body`` and any link of ``human`` (a held object)."""
    c = world.client
    for k in range(-1, c.getNumJoints(human.body_id)):
        c.setCollisionFilterPair(body, human.body_id, -1, k, 0)


class HeldProp(Modifier):
    """A prop held in one hand by a fixed constraint from the hand link, optionally released.

    Args:
        prop: the object (its ``size`` along its local x is its length for boxes).
        side: ``right`` or ``left`` hand.
        offset: ``(3,)`` prop centre in the hand frame, metres.
        release_s: time at which the hand lets go (``None``: never).
        release_velocity: ``t -> (3,)`` world velocity given at release (a throw); ``None`` keeps it.
    """

    def __init__(self, prop: Prop, side: str, offset=(0.0, 0.0, -0.05), release_s: float | None = None,
                 release_velocity=None, orientation=(0.0, 0.0, 0.0, 1.0)) -> None:
        super().__init__()
        self.props = [prop]
        self.side = side
        self.offset = np.asarray(offset, dtype=np.float64)
        self.orientation = np.asarray(orientation, dtype=np.float64)
        self.release_s = release_s
        self.release_velocity = release_velocity
        self._cid = -1
        self.record = {f"{prop.name}_hand": side}

    def setup(self, world: World, human: Humanoid) -> None:
        prop = self.props[0]
        k = human.link_names.index(f"{self.side}_hand")
        pos, quat = human.link_poses()
        from phav.geometry import quat_multiply

        where = pos[k] + quat_rotate(quat[k], self.offset)
        prop.create(world, where)
        world.client.resetBasePositionAndOrientation(prop.body, where.tolist(),
                                                     quat_multiply(quat[k], self.orientation).tolist())
        ignore_person(world, human, prop.body)
        index = k - 1  # PyBullet link index of link k (the hand's inertial frame is its link frame)
        self._cid = world.client.createConstraint(human.body_id, index, prop.body, -1, pybullet.JOINT_FIXED,
                                                  [0, 0, 0], self.offset.tolist(), [0, 0, 0],
                                                  parentFrameOrientation=self.orientation.tolist())
        world.client.changeConstraint(self._cid, maxForce=200.0 * prop.mass * 9.81 + 50.0)

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        if self._cid >= 0 and self.release_s is not None and time_s >= self.release_s:
            world.client.removeConstraint(self._cid)
            self._cid = -1
            if self.release_velocity is not None:
                v = np.asarray(self.release_velocity(human, time_s), dtype=np.float64)
                world.client.resetBaseVelocity(self.props[0].body, v.tolist())
            self.record[f"{self.props[0].name}_released_s"] = round(time_s, 4)


class PlacedProp(Modifier):
    """A prop placed in the body frame: static (``mass`` 0, e.g. a chair, a bar) or free."""

    def __init__(self, prop: Prop, position, collide_with_person: bool = True) -> None:
        super().__init__()
        self.props = [prop]
        self.position = np.asarray(position, dtype=np.float64)
        self.collide = collide_with_person
        self.record = {f"{prop.name}_position_body_m": [round(float(x), 4) for x in self.position]}

    def setup(self, world: World, human: Humanoid) -> None:
        prop = self.props[0]
        prop.create(world, body_to_world(human, self.position))
        yaw = float(heading(human.clip.root_quat[0]))
        world.client.resetBasePositionAndOrientation(
            prop.body, body_to_world(human, self.position).tolist(), [0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)])
        if not self.collide:
            ignore_person(world, human, prop.body)


#: Horizontal foot speed (m/s) at contact that makes a kick.
MIN_KICK_FOOT_SPEED = 1.0
#: Gap (m) between the foot and the ball at which the kick's impulse is delivered.
KICK_REACH = 0.03


class BallOnFoot(Modifier):
    """A ball put on the ground where the ``side`` foot sweeps fastest (a kick). When the foot first
    comes within :data:`KICK_REACH` of it, moving, the ball leaves along the foot's horizontal motion at ``kick_speed`` m/s with ``loft``
    m/s upwards (the impulse of a kick, which the rigid foot box alone transfers poorly)."""

    def __init__(self, prop: Prop, side: str, kick_speed: float = 7.0, loft: float = 2.0) -> None:
        super().__init__()
        self.props = [prop]
        self.side = side
        self.kick_speed, self.loft = float(kick_speed), float(loft)
        self._kicked = False

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        if self._kicked:
            return
        c = world.client
        k = human.link_names.index(f"{self.side}_foot")
        ball = self.props[0].body
        near = c.getClosestPoints(bodyA=ball, bodyB=human.body_id, distance=KICK_REACH, linkIndexB=k - 1)
        if not near:
            return
        v = np.asarray(c.getLinkState(human.body_id, k - 1, computeLinkVelocity=1)[6])
        if np.linalg.norm(v[:2]) < MIN_KICK_FOOT_SPEED:  # a touch, not a kick: leave it to the contact
            return
        d = v[:2] / max(float(np.linalg.norm(v[:2])), 1e-6)
        self._kicked = True
        c.resetBaseVelocity(ball, [self.kick_speed * d[0], self.kick_speed * d[1], self.loft])
        self.record["kicked_at_s"] = round(time_s, 4)

    def setup(self, world: World, human: Humanoid) -> None:
        clip, sk = human.clip, human.skeleton
        k = sk.link_names.index(f"{self.side}_foot")
        times = np.arange(0.0, clip.duration, 1.0 / 120.0)
        p = clip.sample_many(times)
        pos, quat = forward_kinematics_many(sk, p.root_pos, p.root_quat, p.joint_quats, clip.joint_names)
        feet = pos[:, k] + quat_rotate(quat[:, k], np.array([sk.segments.foot_forward, 0.0, 0.0]))
        vel = np.gradient(feet, times, axis=0)
        r = self.props[0].size[0]
        low = feet[:, 2] < sk.segments.ankle_to_sole + 1.3 * r  # the foot still low enough to meet the ball
        low &= np.linalg.norm(feet[:, :2] - feet[0, :2], axis=1) > r + sk.segments.foot_length  # clear of the stance
        speed = np.linalg.norm(vel[:, :2], axis=1) * low
        i = int(np.argmax(speed))
        d = vel[i, :2] / max(np.linalg.norm(vel[i, :2]), 1e-9)
        spot = np.array([*(feet[i, :2] + d * 0.5 * r), r])
        self.props[0].create(world, spot)
        self.record.update({"kick_speed_m_s": self.kick_speed, "loft_m_s": self.loft})
        self.record.update({"ball_kick_time_s": round(float(times[i]), 4), "ball_spot_m": [round(float(x), 4) for x in spot]})


class Grasp(Modifier):
    """A free prop placed in the body frame (e.g. on the floor) that the ``side`` hand takes at
    ``grasp_s`` if the wrist is then within ``reach`` metres of the prop's surface: a fixed
    constraint keeps their relative pose from then on (held, not colliding with the holder)."""

    def __init__(self, prop: Prop, position, side: str, grasp_s: float, reach: float) -> None:
        super().__init__()
        self.props = [prop]
        self.position = np.asarray(position, dtype=np.float64)
        self.side, self.grasp_s, self.reach = side, float(grasp_s), float(reach)
        self._done = False
        self.record = {f"{prop.name}_position_body_m": [round(float(x), 4) for x in self.position],
                       "grasp_hand": side, "grasp_s": round(self.grasp_s, 4)}

    def setup(self, world: World, human: Humanoid) -> None:
        self.props[0].create(world, body_to_world(human, self.position))

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        if self._done or time_s < self.grasp_s:
            return
        self._done = True
        c, body = world.client, self.props[0].body
        k = human.link_names.index(f"{self.side}_hand")
        near = c.getClosestPoints(bodyA=body, bodyB=human.body_id, distance=self.reach, linkIndexB=k - 1)
        self.record["grasped"] = bool(near)
        if not near:
            return
        pos, quat = human.link_poses()
        p, q = c.getBasePositionAndOrientation(body)
        from phav.geometry import quat_conjugate, quat_multiply

        inv = quat_conjugate(quat[k])
        local_p = quat_rotate(inv, np.asarray(p) - pos[k])
        local_q = quat_multiply(inv, np.asarray(q))
        ignore_person(world, human, body)
        cid = c.createConstraint(human.body_id, k - 1, body, -1, pybullet.JOINT_FIXED, [0, 0, 0],
                                 local_p.tolist(), [0, 0, 0], parentFrameOrientation=local_q.tolist())
        c.changeConstraint(cid, maxForce=200.0 * self.props[0].mass * 9.81 + 50.0)


class Fixture(PlacedProp):
    """A static fixture (mass 0) placed in the body frame that the ``sides`` hands are pinned to
    from ``grip_s`` on (e.g. hanging from a bar): each hand keeps its world position at that time."""

    def __init__(self, prop: Prop, position, sides=SIDES, grip_s: float | None = None) -> None:
        super().__init__(prop, position)
        self.sides, self.grip_s = tuple(sides), grip_s
        self._done = grip_s is None

    def before_step(self, world: World, human: Humanoid, time_s: float) -> None:
        if self._done or time_s < self.grip_s:
            return
        self._done = True
        pos, _ = human.link_poses()
        for side in self.sides:
            k = human.link_names.index(f"{side}_hand")
            cid = world.client.createConstraint(human.body_id, k - 1, -1, -1, pybullet.JOINT_POINT2POINT, [0, 0, 0],
                                                [0, 0, 0], pos[k].tolist())
            world.client.changeConstraint(cid, maxForce=2.0 * human.skeleton.total_mass * 9.81)
        self.record["gripped_at_s"] = round(time_s, 4)
