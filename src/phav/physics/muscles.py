"""Muscle parameters: PD gains and damping per muscle group, and each joint's damping in N m s/rad.

A muscle (one actuated joint) has three parameters:

- stiffness ``kp``: PyBullet's ``positionGain`` of the joint's ``POSITION_CONTROL`` motor
  (dimensionless: the fraction of the position error the motor's velocity constraint removes per
  step). The motor is a velocity constraint solved each step, not a spring: below its strength
  it drives the joint onto the clip's pose within a few steps, so it has no stiffness in N m/rad.
- strength: the motor's maximum torque, N m (the skeleton's per-joint strength times the group's
  ``strength_scale``).
- damping ``zeta`` (dimensionless, per group), turned into a joint damping ``d`` in N m s/rad:
  a torque ``-d * qdot`` PyBullet applies each step to every degree of freedom of the joint
  (``changeDynamics(jointDamping=d)``), spherical joints and hinges alike. It acts when the motor
  cannot hold the joint (large errors, weakened or ragdoll muscles, pushes, impacts); a motor below
  its strength compensates it.

Why damping scales with inertia. PyBullet applies joint damping explicitly: one step changes the
joint's velocity about an axis of moment of inertia ``I`` by the factor ``1 - d * dt / I``. That is
stable only while ``d * dt / I < 2`` and free of step-to-step sign flips while ``d * dt / I <= 1``,
and PyBullet's damping is one coefficient for all three axes of a spherical joint, so the joint's
*least* moment ``I_min`` bounds it (a limb's twist about its own long axis: for the right hip
0.004 kg m² on Model_Boy, 0.066 on Model_Man02, against swing moments of 0.34 and 5.2). A damping in
N m s/rad shared by every body would either explode a child's ankle or do nothing to a heavy adult's
hip. So each joint's damping is ::

    d = zeta * strength_factor * I_min * DAMPING_RATE

``I_min``: the least principal moment (hinges: the moment about the hinge axis) of the joint's
subtree (the child link and everything below it) about the joint centre, in the rest pose, kg m²
(:func:`joint_inertia`). ``DAMPING_RATE`` is 60 1/s: at the default 240 Hz step ``zeta = 1`` gives
``d * dt / I_min = 0.25``. The margin is measured, not the textbook 2: the parent link moves with
the joint, so a joint's effective inertia is below its subtree's. At ``d * dt / I_min = 1`` the
knee alone went unstable (Model_Boy's walk: 6.4 degrees of mean joint error, the pelvis 18 cm off
its track), at 0.5 the elderly woman's walk error rose from 0.7 to 3.2 degrees; at 0.25 and below all
twelve tracking cases (DeepMimic walk, run, jump, kick on Model_Boy, Model_Man02,
Model_ElderlyWoman) stay within 1.7 degrees. A time step other than 1/240 s must keep
``zeta * DAMPING_RATE * dt <= 0.25`` (checked). Swing axes, with larger moments, are damped less:
at ``zeta = 1`` a leg's swing velocity decays at ``d / I_swing`` of 0.7-0.8 1/s on a child, a heavy
adult and the elderly woman alike, the neck's at 6-10 1/s, the spine's at 7-9 1/s. The same
``zeta`` damps every body in the same proportion and keeps every body stable; the price of one
damping coefficient per joint is that limbs, bounded by their twist, get little swing damping.

``strength_factor`` is the muscle's current strength over the skeleton's (the group's
``strength_scale`` times the ragdoll decay): a weakened muscle is also less damped, in proportion,
as muscle viscosity scales with activation (a weak limb swings freely, the limp the ``w``
variation shows), and a ragdoll loses its damping with its tone (down to the ragdoll floor).

Damping is this one coefficient for every joint. PyBullet's ``velocityGain`` is not a damping
control here: its spherical motors ignore it (bullet3 issues 2740, 4533), so a per-group gain acted
on knees and elbows only; hinges keep it at the fixed :data:`HINGE_VELOCITY_GAIN` as part of their
motor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from phav.body.skeleton import Skeleton

#: Damping rate (1/s) that ``zeta = 1`` applies about each joint's least-inertia axis
#: (``d = zeta * I_min * DAMPING_RATE``): a quarter of one 240 Hz step's worth.
DAMPING_RATE = 60.0
#: Largest ``d * dt / I_min`` allowed (``zeta * DAMPING_RATE * dt``): stable with margin, measured.
MAX_DAMPING_STEP = 0.25
#: ``velocityGain`` of the hinge motors (knees, elbows), a fixed part of PyBullet's hinge motor
#: (its spherical motors ignore it): 1 aims the hinge at the clip's velocity (plus the position
#: correction) instead of a blend with the joint's own; joint damping is stable with it (at 0.5,
#: the former per-group default, damping at
#: ``d * dt / I_min = 0.5`` on the elbow raised Model_Boy's walk error from 0.6 to 8.8 degrees;
#: at 1 it is 0.6 degrees, and without damping 1 tracks as well as 0.5 did: measured, all twelve
#: tracking cases within 2.1 degrees against 2.3 at 0.5).
HINGE_VELOCITY_GAIN = 1.0
#: Default damping ``zeta`` per muscle group (see :class:`MuscleGains`): mid-range, so a group can be
#: made slacker or more damped; tracking meets the issue's limits at 0, 0.5 and 1 (measured; damping
#: the legs trades joint error for foot skating: Model_Man02's run 1.9 -> 1.6 degrees, skating 0.6
#: -> 1.2 cm/frame at 0.5, the knees' doing).
DEFAULT_DAMPING = {"spine": 0.5, "neck": 0.5, "right_arm": 0.5, "left_arm": 0.5,
                   "right_leg": 0.5, "left_leg": 0.5}


@dataclasses.dataclass(frozen=True)
class MuscleGains:
    """Muscle parameters per group: ``gains = {group: (kp, zeta)}``.

    ``kp``: PyBullet ``POSITION_CONTROL`` ``positionGain`` of every joint of the group (1.0 was
    tuned on DeepMimic's walk, run, jump and kick for a child, a tall heavy adult and the elderly
    woman, :mod:`phav.physics.tracking`; 0.6 left 5-12 degrees of error). ``zeta``: the group's
    damping in ``[0, 1]``, a fraction of the largest stable explicit damping; each joint's damping
    in N m s/rad is ``zeta * strength_factor * I_min * DAMPING_RATE`` (see the module docstring).

    ``strength_scale`` multiplies each group's strengths (the skeleton's per-joint max torques);
    values below 1 weaken muscles (and lower their damping in proportion).
    """

    gains: Mapping[str, tuple[float, float]] = dataclasses.field(
        default_factory=lambda: {g: (1.0, zeta) for g, zeta in DEFAULT_DAMPING.items()})
    strength_scale: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for group, (kp, zeta) in self.gains.items():
            if not kp >= 0.0:
                raise ValueError(f"muscle group {group!r}: kp must be >= 0, got {kp}")
            if not 0.0 <= zeta <= 1.0:
                raise ValueError(f"muscle group {group!r}: damping must be in [0, 1] (a fraction of the "
                                 f"largest stable damping), got {zeta}")

    def kp_damping(self, group: str) -> tuple[float, float]:
        """``(kp, zeta)`` of ``group``."""
        try:
            return self.gains[group]
        except KeyError:
            raise ValueError(f"no gains for muscle group {group!r}; have {sorted(self.gains)}") from None

    def scale(self, group: str) -> float:
        return float(self.strength_scale.get(group, 1.0))


def joint_inertia(skeleton: Skeleton, joint: str) -> float:
    """Least moment of inertia (kg m²) of ``joint``'s subtree about the joint centre, rest pose.

    The subtree is the joint's child link and all links below it; spherical joints: the least
    principal moment of its inertia tensor about the joint centre; hinges: the moment about the
    hinge axis.
    """
    child = skeleton.link_by_joint(joint)
    names = [child.name]  # a list in URDF order (parents first): the sum below has a fixed order
    for link in skeleton.links:
        if link.parent in names:
            names.append(link.name)
    origin = skeleton.rest_offset(child.name)
    tensor = np.zeros((3, 3))
    for name in names:
        link = skeleton.link(name)  # rest pose: every link frame is aligned with the pelvis frame
        r = skeleton.rest_offset(name) + np.asarray(link.collision.center, dtype=np.float64) - origin
        tensor += np.diag(link.inertia) + link.mass * (float(r @ r) * np.eye(3) - np.outer(r, r))
    if child.joint_type == "spherical":
        return float(np.linalg.eigvalsh(tensor)[0])
    axis = np.asarray(child.axis, dtype=np.float64)
    return float(axis @ tensor @ axis)


def check_damping_step(gains: MuscleGains, timestep: float) -> None:
    """Raise ``ValueError`` when a group's ``zeta`` would leave the measured stable range of the
    explicit damping at ``timestep`` seconds (``zeta * DAMPING_RATE * timestep > MAX_DAMPING_STEP``)."""
    limit = MAX_DAMPING_STEP / (DAMPING_RATE * timestep)
    bad = {g: z for g, (_, z) in gains.gains.items() if z > limit}
    if bad:
        raise ValueError(f"damping {bad} is too high for a {timestep * 1000:.2f} ms step; "
                         f"use at most {limit:.3f} or a shorter step")
