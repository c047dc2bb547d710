"""Humanoid: a skeleton loaded into a :class:`~phav.physics.world.World`, tracking a motion clip with
muscle-like PD motors and a root pin.

Muscles (:mod:`phav.physics.muscles`): every actuated joint is driven towards the clip's local
rotation by PyBullet's joint motor in ``POSITION_CONTROL`` (a constraint-based PD: ``positionGain``
kp, dimensionless; ``force`` the joint's maximum torque, its *strength*, N m) and damped by a joint
damping ``d`` in N m s/rad (``changeDynamics(jointDamping=d)``: a torque ``-d * qdot`` on every
degree of freedom, spherical joints and hinges alike). ``d`` is the group's damping fraction
``zeta`` times the joint's least subtree moment of inertia times
:data:`~phav.physics.muscles.DAMPING_RATE`, so that a child and a heavy adult are stable and damped
alike, and it follows the muscle's strength factor (weakening, ragdoll decay). PyBullet's
spherical-joint motors ignore ``velocityGain`` (bullet3 issues 2740 and 4533); hinges keep the fixed
:data:`~phav.physics.muscles.HINGE_VELOCITY_GAIN` as part of their motor. Gains, damping and
strengths are grouped in muscle groups (``spine``, ``neck``, ``right_arm``, ``left_arm``,
``right_leg``, ``left_leg``). The root pin is a fixed constraint from the world to the pelvis frame
whose target follows the clip's root pose and whose maximum force is ``pin_weight * pin_max_force``
(N, and N m for its rotational rows): 1 holds the pelvis on the clip's root track, 0 leaves a ragdoll.
The motor and pin targets are sampled from the clip by :mod:`phav.physics.motor_targets`.

Example (30 FPS video, 8 physics substeps of 1/240 s per frame)::

    from phav.body.skeleton import default_skeleton
    from phav.motion.library import load_clip
    from phav.physics import Humanoid, World

    skeleton = default_skeleton(height=1.75)
    clip = load_clip("walk", skeleton)  # retargeted to the body, stance feet locked
    states = []
    with World() as world:
        human = Humanoid(world, skeleton, clip, position=(0.0, 0.0), heading=0.0)
        meshes = human.meshes()                 # aligned with human.link_names
        t = 0.0
        for frame in range(60):
            for sub in range(8):
                human.control(t)
                world.step()
                t += world.timestep
            human.check()                       # raises SimulationError on NaN/explosion/penetration
            states.append(human.snapshot())     # poses of every link frame, joints, muscle state
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from phav.body.appearance import Appearance
from phav.body.mesh import skeleton_meshes
from phav.body.skeleton import Skeleton
from phav.body.urdf import urdf_file
from phav.geometry import quat_from_axis_angle, quat_normalize, quat_rotate
from phav.motion.clip import Clip
from phav.physics.bullet import pybullet
from phav.physics.errors import SimulationError
from phav.physics.kinematics import forward_kinematics
from phav.physics.motor_targets import TargetChunk, pose_targets, target_chunk
from phav.physics.muscles import (DAMPING_RATE, HINGE_VELOCITY_GAIN, MuscleGains, check_damping_step,
                                 joint_inertia)
from phav.physics.world import GRAVITY, World
from phav.take import Mesh

#: Default bound on any link's speed before the guard fails the simulation, m/s.
MAX_LINK_SPEED = 50.0
#: Steps the root pin's target leads the clip (PyBullet's constraint lag at error reduction 0.2).
PIN_LEAD_STEPS = 4.0
#: Root pin force at weight 1, in body weights (N per m g): strong enough to hold the clip's root
#: track (measured root error under 3 cm on walk, run, jump and kick) yet weaker than the legs'
#: muscles in a closed ground loop (at 3.5 body weights the hips of some presets were forced over).
PIN_BODY_WEIGHTS = 2.5
#: Force of each hand or foot pin as a fraction of the root pin's.
EXTREMITY_PIN_FRACTION = 0.1
#: Time constant of the ragdoll transition (pins, strength and joint damping decay as exp(-t / tau)), s.
RAGDOLL_DECAY_S = 0.15
#: Strength and joint damping left to a ragdoll (muscle tone), as a fraction of full.
RAGDOLL_FLOOR = 0.05
#: Relative change of a joint's damping that is sent to PyBullet while a ragdoll's tone decays
#: (about every 4 steps at RAGDOLL_DECAY_S; the floor is applied exactly).
RAGDOLL_DAMPING_STEP = 0.1
#: Default bound on how deep a collision shape may sink below z=0 before the guard fails, m.
MAX_GROUND_PENETRATION = 0.05
#: Physics steps whose clip targets :meth:`Humanoid.control` computes at once (in numpy) when the
#: control times fall on the world's step grid (``time_s = k * timestep``).
TARGET_CHUNK_STEPS = 240
#: Motor targets change every this many steps on the step grid (a 30 FPS frame at 240 Hz): each
#: update aims the motors at the clip's pose at the end of its stride, and PyBullet's PD drives
#: the joints along with the clip's velocity as feed-forward in between. Measured against per-step
#: targets (``physics/tracking.py``, DeepMimic walk, run, jump and kick on Model_Boy, Model_Man02
#: and Model_ElderlyWoman, 20 solver iterations): mean joint error at frame times about halved
#: (walk 1.2 -> 0.5-0.7 degrees, run 3.0-3.1 -> 1.8-2.4, kick 2.3-2.4 -> 1.3-1.6), stance foot
#: skating lower (Model_Man02's run 2.1 -> 0.6 cm/frame, his kick 2.1 -> 1.4), and ``control``
#: costs about 19 instead of 40 us per step (thread CPU time).
#: 1 updates every step. The root pin still follows its target every step.
MOTOR_UPDATE_STEPS = 8


@dataclasses.dataclass
class HumanoidState:
    """One snapshot of a humanoid.

    Attributes:
        link_names: ``L`` link names (URDF order; ``[0]`` is the pelvis).
        link_pos: ``(L, 3) float64`` world position of each URDF link frame (joint centre), metres.
        link_quat: ``(L, 4) float64`` world orientation of each link frame, xyzw.
        joint_names: ``K`` annotated joints (:data:`phav.body.skeleton.ANNOTATED_JOINTS`).
        joints_3d: ``(K, 3) float64`` world joint centres (``head``: centre of the head), metres.
        muscle_joints: ``M`` actuated joint names.
        muscle_target: ``(M, 4) float64`` target local rotation, xyzw.
        muscle_actual: ``(M, 4) float64`` actual local rotation, xyzw.
        muscle_torque: ``(M, 3) float64`` applied motor torque in the joint frame, N m (hinges:
            along the hinge axis).
        muscle_strength: ``(M,) float64`` maximum torque, N m.
        muscle_damping: ``(M,) float64`` joint damping, N m s/rad (torque ``-d * qdot`` on each
            degree of freedom).
        pin_weight: root pin weight in ``[0, 1]``.
    """

    link_names: list[str]
    link_pos: np.ndarray
    link_quat: np.ndarray
    joint_names: list[str]
    joints_3d: np.ndarray
    muscle_joints: list[str]
    muscle_target: np.ndarray
    muscle_actual: np.ndarray
    muscle_torque: np.ndarray
    muscle_strength: np.ndarray
    muscle_damping: np.ndarray
    pin_weight: float


class Humanoid:
    """A simulated person tracking ``clip``.

    Args:
        world: the world to load into.
        skeleton: the body (:func:`phav.body.skeleton.default_skeleton`).
        clip: a clip on the project skeleton; it is placed so that its first root pose stands at
            ``position`` (x, y metres) facing ``heading`` (radians from +x, counter-clockwise).
        start_time: clip time (s) of the initial pose.
        gains: muscle gains and strength scales per group.
        pin_weight: root pin weight in ``[0, 1]``.
        pin_max_force: pin force (N) and torque (N m) at weight 1.
        self_collision: collide links with each other (never with their ancestors).
        max_link_speed, max_penetration: bounds used by :meth:`check`.
        pin_max_force: root pin force (N) and torque (N m) at weight 1; default
            :data:`PIN_BODY_WEIGHTS` body weights.
        pinned_links: links (e.g. ``right_hand``, ``left_foot``) also pinned to their clip positions,
            each with :data:`EXTREMITY_PIN_FRACTION` of the root pin's force.
        ragdoll_impulse: contact impulse (N s, from bodies other than the ground) in one step
            that starts the ragdoll transition (see :meth:`observe_impacts`); ``None``: never.
    Raises:
        ValueError: the clip lacks an actuated joint of the skeleton, or a parameter is out of range.
    """

    def __init__(self, world: World, skeleton: Skeleton, clip: Clip, position: tuple[float, float] = (0.0, 0.0),
                 heading: float = 0.0, *, start_time: float = 0.0, gains: MuscleGains | None = None,
                 pin_weight: float = 1.0, pin_max_force: float | None = None, self_collision: bool = True,
                 max_link_speed: float = MAX_LINK_SPEED, max_penetration: float = MAX_GROUND_PENETRATION,
                 pinned_links: tuple[str, ...] = (), ragdoll_impulse: float | None = None) -> None:
        self._body = -1  # handles first, so close() works whatever raises below
        self._teleports = 0  # counts _set_pose calls (invalidates the link state cache)
        self._states_cache: tuple | None = None
        self._pin = -1
        self._extremity_pins: list[tuple[int, int]] = []
        self.world = world
        self.skeleton = skeleton
        self.gains = gains or MuscleGains()
        check_damping_step(self.gains, world.timestep)
        missing = [j for j in skeleton.actuated_joints if j not in clip.joint_names]
        if missing:
            raise ValueError(f"clip {clip.name!r} has no track for joints {missing}")
        self.clip = clip.placed(position, heading)
        if pin_max_force is None:
            pin_max_force = PIN_BODY_WEIGHTS * skeleton.total_mass * GRAVITY
        self.pin_max_force = float(pin_max_force)
        self.ragdoll_impulse = ragdoll_impulse
        self.ragdoll_time: float | None = None  # world time at which the ragdoll transition began
        self._control_time = start_time  # clip time of the last control() before any ragdoll
        self.impacts: list[tuple[float, float]] = []  # (world time s, impulse N s) above threshold
        self.pin_weight = 0.0
        self.set_pin_weight(pin_weight)
        self.max_link_speed = float(max_link_speed)
        self.max_penetration = float(max_penetration)
        c = world.client
        self._client = c

        pose = self.clip.sample(start_time)
        flags = pybullet.URDF_MAINTAIN_LINK_ORDER | pybullet.URDF_USE_INERTIA_FROM_FILE
        if self_collision:
            flags |= pybullet.URDF_USE_SELF_COLLISION | pybullet.URDF_USE_SELF_COLLISION_EXCLUDE_ALL_PARENTS
        with urdf_file(skeleton) as path:
            self._body = c.loadURDF(path, basePosition=pose.root_pos.tolist(),
                                    baseOrientation=pose.root_quat.tolist(), useFixedBase=False, flags=flags)

        # Joint indices by name; link index of link i (URDF order) is i - 1 (-1 for the base).
        joint_index = {c.getJointInfo(self._body, j)[1].decode(): j for j in range(c.getNumJoints(self._body))}
        self.link_names = skeleton.link_names
        self._link_indices = [-1] + [joint_index[link.joint] for link in skeleton.links[1:]]
        for k, link in enumerate(skeleton.links):
            c.changeDynamics(self._body, self._link_indices[k], linearDamping=0.0, angularDamping=0.0,
                             lateralFriction=0.9, restitution=0.0)
        self.muscle_joints = skeleton.actuated_joints
        self._muscle_links = [skeleton.link_by_joint(j) for j in self.muscle_joints]
        self._muscle_indices = [joint_index[j] for j in self.muscle_joints]
        self._clip_columns = [clip.joint_names.index(j) for j in self.muscle_joints]
        # explicit joint damping per unit zeta and strength factor, N m s/rad (phav.physics.muscles)
        self._damping_unit = np.array([joint_inertia(skeleton, j) * DAMPING_RATE for j in self.muscle_joints])
        self._velocity_gains = [0.0 if link.joint_type == "spherical" else HINGE_VELOCITY_GAIN
                                for link in self._muscle_links]
        self._spherical_rows = [m for m, link in enumerate(self._muscle_links) if link.joint_type == "spherical"]
        self._hinge_rows = [m for m, link in enumerate(self._muscle_links) if link.joint_type != "spherical"]
        self._hinge_axes = np.array([self._muscle_links[m].axis for m in self._hinge_rows],
                                    dtype=np.float64).reshape(-1, 3)  # (H, 3) unit axes
        self._applied_damping = np.full(len(self.muscle_joints), np.nan)  # last jointDamping set
        self._set_gains_arrays()
        self._update_strength()
        base_inertial = c.getDynamicsInfo(self._body, -1)[3]
        self._base_inertial_pos = np.array(base_inertial, dtype=np.float64)
        points = [link.collision.lowest_offsets() for link in skeleton.links]  # all links at once:
        self._collision_offsets = np.concatenate(points)  # (P, 3) points in their link frames
        self._collision_owner = np.repeat(np.arange(len(points)), [len(p) for p in points])  # (P,) link
        self._collision_starts = np.cumsum([0] + [len(p) for p in points[:-1]])  # (L,) first point
        self._collision_radius = np.array([link.collision.radius() for link in skeleton.links])
        annotated = skeleton.annotated_points()
        self.annotated_joint_names = [name for name, _, _ in annotated]
        self._annotated_link = [self.link_names.index(link) for _, link, _ in annotated]
        self._annotated_offset = np.array([p for _, _, p in annotated], dtype=np.float64)

        self._target = pose.joint_quats[self._clip_columns].copy()
        self._chunk: TargetChunk | None = None
        self._motors_dirty = True  # motor targets, gains or strengths changed since the last update
        self._set_pose(pose)
        self._pin = c.createConstraint(self._body, -1, -1, -1, pybullet.JOINT_FIXED, [0, 0, 0],
                                       parentFramePosition=(-self._base_inertial_pos).tolist(),
                                       childFramePosition=pose.root_pos.tolist(),
                                       childFrameOrientation=pose.root_quat.tolist())
        self._apply_pin(pose)
        self._extremity_pins = []
        for name in pinned_links:
            if name not in self.link_names:
                raise ValueError(f"cannot pin {name!r}: no such link; links: {', '.join(self.link_names)}")
            k = self.link_names.index(name)
            pos, _ = self.link_poses()
            cid = c.createConstraint(self._body, self._link_indices[k], -1, -1, pybullet.JOINT_POINT2POINT,
                                     [0, 0, 0], [0, 0, 0], pos[k].tolist())
            self._extremity_pins.append((k, cid))
        self._apply_extremity_pins(start_time)

    # ---- setup helpers ------------------------------------------------------------------------
    def _set_pose(self, pose) -> None:
        """Teleport to a clip pose with its velocities."""
        self._teleports += 1
        c = self._client
        com = pose.root_pos + quat_rotate(pose.root_quat, self._base_inertial_pos)
        c.resetBasePositionAndOrientation(self._body, com.tolist(), pose.root_quat.tolist())
        c.resetBaseVelocity(self._body, pose.root_lin_vel.tolist(), pose.root_ang_vel.tolist())
        positions, velocities = pose_targets(pose, self._muscle_links, self._clip_columns)
        c.resetJointStatesMultiDof(self._body, self._muscle_indices, positions, velocities)

    def _apply_pin(self, pose) -> None:
        self._client.changeConstraint(self._pin, jointChildPivot=pose.root_pos.tolist(),
                                      jointChildFrameOrientation=pose.root_quat.tolist(),
                                      maxForce=self.pin_weight * self.pin_max_force)

    def _target_chunk(self, motor_times: np.ndarray, pin_times: np.ndarray, start: int | None) -> TargetChunk:
        """This clip's targets for control steps (:func:`~phav.physics.motor_targets.target_chunk`)."""
        return target_chunk(self.clip, self._muscle_links, self._clip_columns, motor_times, pin_times, start)

    def _apply_extremity_pins(self, time_s: float) -> None:
        """Move hand/foot pins to the clip's link positions at ``time_s`` (forward kinematics)."""
        if not self._extremity_pins:
            return
        pose = self.clip.sample(time_s)
        pos, _ = forward_kinematics(self.skeleton, pose.root_pos, pose.root_quat,
                                    dict(zip(self.clip.joint_names, pose.joint_quats)))
        force = self.pin_weight * EXTREMITY_PIN_FRACTION * self.pin_max_force
        for k, cid in self._extremity_pins:
            self._client.changeConstraint(cid, jointChildPivot=pos[k].tolist(), maxForce=force)

    # ---- muscles ----------------------------------------------------------------------------------
    def set_strength_scale(self, scales: Mapping[str, float]) -> None:
        """Scale the strength of muscle groups: ``{group: factor}`` relative to the skeleton's
        strengths (groups not named keep their factor). Takes effect at the next :meth:`control`."""
        groups = {link.muscle_group for link in self._muscle_links}
        unknown = set(scales) - groups
        if unknown:
            raise ValueError(f"unknown muscle groups {sorted(unknown)}; groups: {sorted(groups)}")
        merged = dict(self.gains.strength_scale)
        merged.update({g: float(v) for g, v in scales.items()})
        if any(v < 0 for v in merged.values()):
            raise ValueError(f"strength scales must be >= 0, got {merged}")
        self.gains = dataclasses.replace(self.gains, strength_scale=merged)
        self._update_strength()

    def weaken(self, scales: Mapping[str, float]) -> None:
        """Weaken muscle groups ``{group: factor}``: strength and stiffness ``kp`` are multiplied by
        the factor (a weak muscle is also a slack one) and the damping follows the strength
        (:mod:`phav.physics.muscles`)."""
        self.set_strength_scale(scales)
        self.set_group_gains({g: (self.gains.kp_damping(g)[0] * s, self.gains.kp_damping(g)[1])
                              for g, s in scales.items()})

    def set_group_gains(self, gains: Mapping[str, tuple[float, float]]) -> None:
        """Replace ``(kp, zeta)`` (stiffness gain, damping fraction; see
        :class:`~phav.physics.muscles.MuscleGains`) of muscle groups; takes effect at the next
        :meth:`control` (damping: at once)."""
        groups = {link.muscle_group for link in self._muscle_links}
        unknown = set(gains) - groups
        if unknown:
            raise ValueError(f"unknown muscle groups {sorted(unknown)}; groups: {sorted(groups)}")
        merged = dict(self.gains.gains)
        merged.update({g: (float(kp), float(zeta)) for g, (kp, zeta) in gains.items()})
        new = dataclasses.replace(self.gains, gains=merged)
        check_damping_step(new, self.world.timestep)
        self.gains = new
        self._set_gains_arrays()
        self._update_strength()

    def _set_gains_arrays(self) -> None:
        pairs = [self.gains.kp_damping(link.muscle_group) for link in self._muscle_links]
        self._kp = [kp for kp, _ in pairs]
        self._zeta = np.array([zeta for _, zeta in pairs])

    def _update_strength(self) -> None:
        """Strengths and damping from the gains, strength scales and ragdoll decay. The damping
        goes to PyBullet at once, for the joints whose value changed; while a ragdoll's tone decays
        (every step), only once it has moved by :data:`RAGDOLL_DAMPING_STEP` of its applied value
        (``changeDynamics`` costs about 3 us a joint). :attr:`muscle_damping` is what PyBullet
        applies."""
        decay = self._ragdoll_factor()
        factor = np.array([self.gains.scale(link.muscle_group) * decay for link in self._muscle_links])
        self.muscle_strength = np.array([link.strength for link in self._muscle_links]) * factor
        self._forces = [[s] * (3 if link.joint_type == "spherical" else 1)
                        for s, link in zip(self.muscle_strength.tolist(), self._muscle_links)]
        damping = self._zeta * factor * self._damping_unit
        applied = self._applied_damping
        tolerance = RAGDOLL_DAMPING_STEP if RAGDOLL_FLOOR < decay < 1.0 else 0.0
        stale = np.isnan(applied) | (np.abs(damping - applied) > tolerance * np.abs(applied))
        for m in np.flatnonzero(stale):
            self._client.changeDynamics(self._body, self._muscle_indices[m], jointDamping=float(damping[m]))
            applied[m] = damping[m]
        self.muscle_damping = applied.copy()
        self._motors_dirty = True

    # ---- ragdoll ----------------------------------------------------------------------------------
    def _ragdoll_factor(self) -> float:
        """Remaining fraction of strength after a ragdoll transition (1 before); pins decay to 0."""
        if self.ragdoll_time is None:
            return 1.0
        elapsed = max(0.0, self.world.time - self.ragdoll_time)
        return max(RAGDOLL_FLOOR, math.exp(-elapsed / RAGDOLL_DECAY_S))

    def start_ragdoll(self) -> None:
        """Begin the ragdoll transition now: pins, strength and joint damping decay with time constant
        :data:`RAGDOLL_DECAY_S` down to :data:`RAGDOLL_FLOOR` of their values."""
        if self.ragdoll_time is None:
            self.ragdoll_time = self.world.time

    def observe_impacts(self) -> float:
        """Sum the horizontal part of the normal impulse (N s) that bodies other than the ground and
        this one applied during the last step; above ``ragdoll_impulse`` this starts the ragdoll
        transition. Call after each step. Returns the impulse.

        Only the horizontal part counts: a foot landing on a box, stairs or a seat is held up by
        it (a vertical normal), which is support, not a blow; a car, a person or a thrown object
        that hits the body pushes it sideways."""
        c = self._client
        total = 0.0
        for cp in c.getContactPoints(bodyA=self._body):
            other = cp[2]
            if other != self._body and other != self.world.ground_id:
                normal = cp[7]
                total += cp[9] * math.hypot(normal[0], normal[1]) * self.world.timestep
        if self.ragdoll_impulse is not None and total > self.ragdoll_impulse:
            self.impacts.append((self.world.time, total))
            self.start_ragdoll()
        return total

    # ---- control ----------------------------------------------------------------------------------
    def set_pose(self, time_s: float) -> None:
        """Teleport the body to the clip's pose (and velocities) at ``time_s`` seconds."""
        self._set_pose(self.clip.sample(time_s))

    @property
    def body_id(self) -> int:
        return self._body

    def bullet_link_index(self, link_name: str) -> int:
        """PyBullet's link index of the skeleton link ``link_name`` in this body (-1: the pelvis),
        e.g. for ``getContactPoints(linkIndexA=...)``."""
        try:
            return self._link_indices[self.link_names.index(link_name)]
        except ValueError:
            raise ValueError(f"no link {link_name!r}; links: {', '.join(self.link_names)}") from None

    def set_pin_weight(self, weight: float) -> None:
        """Set the root pin weight in ``[0, 1]`` (takes effect at the next :meth:`control`)."""
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"pin_weight must be in [0, 1], got {weight}")
        self.pin_weight = float(weight)
        self.base_pin_weight = float(weight)

    def control(self, time_s: float) -> None:
        """Set motor and pin targets from the clip for the step from ``time_s`` to ``time_s + dt``;
        call before each step.

        Motor targets are the clip's pose at the end of the current stride of
        :data:`MOTOR_UPDATE_STEPS` steps on the step grid, set at the stride's first step and
        whenever strengths, gains or the ragdoll state change (off the grid: the pose at the end of
        the step, set every call); the constraint solver drives the joints towards them, with the
        clip's velocities as feed-forward. The pin target leads by :data:`PIN_LEAD_STEPS`:
        PyBullet's user constraints correct position error with a fixed error reduction of 0.2 per
        step (``changeConstraint`` ignores ``erp``; measured), so a pin following a target that moves
        at constant velocity trails it by ``(1 - 0.2) / 0.2 = 4`` steps unless the target leads.

        Targets come from a chunk of :data:`TARGET_CHUNK_STEPS` steps sampled at once when
        ``time_s`` lies on the step grid (``k * timestep``, as in a fixed-step loop); other times
        are sampled one by one.
        """
        dt = self.world.timestep
        if self.ragdoll_time is None:
            self._control_time = time_s
        else:  # a ragdoll's remaining muscle tone holds the pose of the moment of impact
            time_s = self._control_time
        grid = time_s / dt
        k = round(grid)
        chunk = self._chunk
        stride = MOTOR_UPDATE_STEPS
        if abs(grid - k) > 1e-6:
            at = np.array([time_s + dt])
            chunk, i = self._target_chunk(at, at + dt * PIN_LEAD_STEPS, None), 0
            update = True
        else:
            if chunk is None or chunk.clip is not self.clip or chunk.start is None or not 0 <= k - chunk.start < len(chunk):
                steps = k + np.arange(TARGET_CHUNK_STEPS)
                motor_times = (steps // stride + 1) * stride * dt  # the end of each step's stride
                chunk = self._chunk = self._target_chunk(motor_times, (steps + 1 + PIN_LEAD_STEPS) * dt, k)
                self._motors_dirty = True
            i = k - chunk.start
            update = k % stride == 0
        if self.ragdoll_time is not None:
            self._update_strength()
        if update or self._motors_dirty:
            self._target = chunk.quats[i]
            self._client.setJointMotorControlMultiDofArray(
                self._body, self._muscle_indices, pybullet.POSITION_CONTROL, targetPositions=chunk.positions[i],
                targetVelocities=chunk.velocities[i], positionGains=self._kp,
                velocityGains=self._velocity_gains, forces=self._forces)
            self._motors_dirty = False
        if self.ragdoll_time is not None:
            elapsed = max(0.0, self.world.time - self.ragdoll_time)
            self.pin_weight = self.base_pin_weight * math.exp(-elapsed / RAGDOLL_DECAY_S)
        self._client.changeConstraint(self._pin, jointChildPivot=chunk.pin_pos[i],
                                      jointChildFrameOrientation=chunk.pin_quat[i],
                                      maxForce=self.pin_weight * self.pin_max_force)
        self._apply_extremity_pins(time_s + dt * (1.0 + PIN_LEAD_STEPS))

    # ---- state ------------------------------------------------------------------------------------
    def link_poses(self) -> tuple[np.ndarray, np.ndarray]:
        """World poses of the URDF link frames: ``(L, 3)`` positions, ``(L, 4)`` xyzw quaternions."""
        pos, quat, _ = self._link_states(velocity=False)
        return pos, quat

    def _link_states(self, velocity: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Link frame poses ``(L, 3)``, ``(L, 4)`` and, with ``velocity``, centre-of-mass speeds
        ``(L,)`` m/s, from one ``getLinkStates`` call. Kept until the world steps or the body is
        teleported, so :meth:`check` and :meth:`snapshot` after the same step share one query; never
        once the world is closed (the query then raises ``pybullet.error``, as every PyBullet call of
        a humanoid of a closed world does)."""
        key = (self.world.steps, self._teleports)
        cached = self._states_cache
        if (cached is not None and cached[0] == key and (cached[3] is not None or not velocity)
                and not self.world.closed):
            return cached[1].copy(), cached[2].copy(), None if cached[3] is None else cached[3].copy()
        c = self._client
        pos = np.empty((len(self.link_names), 3))
        quat = np.empty((len(self.link_names), 4))
        com, q = c.getBasePositionAndOrientation(self._body)
        quat[0] = q
        pos[0] = np.asarray(com) - quat_rotate(np.asarray(q), self._base_inertial_pos)
        states = c.getLinkStates(self._body, self._link_indices[1:], computeLinkVelocity=int(velocity),
                                 computeForwardKinematics=1)
        rows = np.array([s[4] + s[5] + s[6] for s in states] if velocity else [s[4] + s[5] for s in states])
        pos[1:] = rows[:, 0:3]
        quat[1:] = rows[:, 3:7]
        speed = None
        if velocity:
            vel = np.empty((len(self.link_names), 3))
            vel[0] = c.getBaseVelocity(self._body)[0]
            vel[1:] = rows[:, 7:10]
            speed = np.linalg.norm(vel, axis=1)
        self._states_cache = (key, pos, quat, speed)
        return pos.copy(), quat.copy(), None if speed is None else speed.copy()

    def link_speeds(self) -> np.ndarray:
        """``(L,)`` speed of each link's centre of mass, m/s."""
        return self._link_states(velocity=True)[2]

    def collision_min_z(self, link_pos: np.ndarray | None = None, link_quat: np.ndarray | None = None) -> np.ndarray:
        """``(L,)`` lowest world z of each link's collision shape, metres."""
        if link_pos is None or link_quat is None:
            link_pos, link_quat = self.link_poses()
        owner = self._collision_owner
        world_z = quat_rotate(link_quat[owner], self._collision_offsets)[:, 2] + link_pos[owner, 2]
        return np.minimum.reduceat(world_z, self._collision_starts) - self._collision_radius

    def snapshot(self) -> HumanoidState:
        """The current state (see :class:`HumanoidState`)."""
        c = self._client
        pos, quat = self.link_poses()
        joints = pos[self._annotated_link] + quat_rotate(quat[self._annotated_link], self._annotated_offset)
        states = c.getJointStatesMultiDof(self._body, self._muscle_indices)
        actual = np.empty((len(self.muscle_joints), 4))
        torque = np.zeros((len(self.muscle_joints), 3))
        spherical, hinges, axes = self._spherical_rows, self._hinge_rows, self._hinge_axes
        if spherical:  # joint quaternion; motor torque (up to 3 components), zeros where PyBullet gives none
            actual[spherical] = [states[m][0] for m in spherical]
            torque[spherical] = [(tuple(states[m][3][:3]) + (0.0, 0.0, 0.0))[:3] for m in spherical]
        if hinges:  # angle about the hinge axis; torque along it
            angles = np.array([states[m][0][0] for m in hinges], dtype=np.float64)
            actual[hinges] = quat_from_axis_angle(axes, angles)
            applied = np.array([states[m][3][0] if len(states[m][3]) else 0.0 for m in hinges], dtype=np.float64)
            torque[hinges] = axes * applied[:, None]
        return HumanoidState(
            link_names=list(self.link_names), link_pos=pos, link_quat=quat,
            joint_names=list(self.annotated_joint_names), joints_3d=joints,
            muscle_joints=list(self.muscle_joints), muscle_target=quat_normalize(self._target),
            muscle_actual=quat_normalize(actual), muscle_torque=torque,
            muscle_strength=self.muscle_strength.copy(), muscle_damping=self.muscle_damping.copy(),
            pin_weight=self.pin_weight,
        )

    def check(self) -> None:
        """Guard: raise :class:`SimulationError` on NaN, a link faster than ``max_link_speed`` or a
        collision shape deeper than ``max_penetration`` below the ground."""
        pos, quat, speed = self._link_states(velocity=True)
        t = self.world.time
        if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(quat))):
            bad = [n for n, p in zip(self.link_names, pos) if not np.all(np.isfinite(p))]
            raise SimulationError(f"t={t:.3f} s: non-finite link pose (links {bad or self.link_names})")
        k = int(np.argmax(speed))
        if not np.isfinite(speed[k]) or speed[k] > self.max_link_speed:
            raise SimulationError(f"t={t:.3f} s: link {self.link_names[k]} moves at {speed[k]:.1f} m/s "
                                  f"(bound {self.max_link_speed} m/s); the body exploded")
        low = self.collision_min_z(pos, quat)
        k = int(np.argmin(low))
        if low[k] < -self.max_penetration:
            raise SimulationError(f"t={t:.3f} s: link {self.link_names[k]} is {-low[k] * 100:.1f} cm below the "
                                  f"ground (bound {self.max_penetration * 100:.0f} cm)")

    def meshes(self, appearance: Appearance | None = None) -> list[Mesh]:
        """Render meshes, one per link, aligned with :attr:`link_names`, in each link's frame."""
        return skeleton_meshes(self.skeleton, appearance)

    def close(self) -> None:
        """Remove the body and its pin from the world (idempotent). The world's PyBullet client is
        released by :meth:`World.close`, which also makes this a no-op."""
        if self._body >= 0 and not self.world.closed:
            if self._pin >= 0:
                self._client.removeConstraint(self._pin)
            for _, cid in self._extremity_pins:
                self._client.removeConstraint(cid)
            self._client.removeBody(self._body)
        self._body = -1
        self._pin = -1
        self._extremity_pins = []
