"""Muscle damping (phav.physics.muscles): one joint damping in N m s/rad for every actuated joint,
spherical and hinge, set per muscle group as a fraction ``zeta`` and scaled by the joint's inertia
and the muscle's strength factor."""

import numpy as np
import pybullet
import pytest

from phav.body.presets import get_preset
from phav.body.skeleton import default_skeleton
from phav.geometry import quat_conjugate, quat_from_axis_angle, quat_multiply
from phav.motion.clip import Clip
from phav.motion.deepmimic import load_deepmimic
from phav.physics import Humanoid, MuscleGains, World
from phav.physics.humanoid import RAGDOLL_DAMPING_STEP, RAGDOLL_FLOOR
from phav.physics.muscles import DAMPING_RATE, joint_inertia


def _still(skeleton) -> Clip:
    """The walk's first pose held still, lifted 0.6 m so that no foot touches the ground."""
    walk = load_deepmimic("walk", skeleton)
    root = np.repeat(walk.root_pos[:1], 2, axis=0)
    root[:, 2] += 0.6
    return Clip("still", walk.fps, root, np.repeat(walk.root_quat[:1], 2, axis=0), walk.joint_names,
                np.repeat(walk.joint_quats[:1], 2, axis=0))


def _gains(skeleton, joint: str, zeta: float, strength: float = 1.0) -> MuscleGains:
    group = skeleton.link_by_joint(joint).muscle_group
    return MuscleGains({**MuscleGains().gains, group: (1.0, zeta)}, {group: strength})


def _free_spin(skeleton, joint: str, zeta: float, velocity: list[float], steps: int = 8) -> np.ndarray:
    """Joint velocity ``(steps, dofs)`` after giving ``joint`` (its motor switched off) ``velocity``
    rad/s, the body held by its pin and its other muscles."""
    with World() as world:
        human = Humanoid(world, skeleton, _still(skeleton), gains=_gains(skeleton, joint, zeta))
        c, body = world.client, human.body_id
        idx = human._muscle_indices[human.muscle_joints.index(joint)]
        human.control(0.0)
        world.step()
        rest = [0.0, 0.0, 0.0, 1.0] if len(velocity) == 3 else [0.0]
        c.setJointMotorControlMultiDof(body, idx, pybullet.POSITION_CONTROL, targetPosition=rest,
                                       force=[0.0] * len(velocity))
        c.resetJointStateMultiDof(body, idx, c.getJointStateMultiDof(body, idx)[0], velocity)
        out = []
        for _ in range(steps):
            world.step()
            out.append(c.getJointStateMultiDof(body, idx)[1])
        return np.array(out)


@pytest.mark.parametrize("joint, tolerance", [("neck", 0.01), ("right_hip", 0.08)])
def test_damping_torque_on_a_spherical_joint_is_minus_d_times_velocity(skeleton, joint, tolerance):
    """A twist about the head's (the thigh's) long axis, the joint's least-inertia axis, with the
    motor off: each step scales the velocity by ``1 - d dt / I_min = 1 - zeta DAMPING_RATE dt``
    (explicit damping, the analytic oracle; the thigh's long axis is near, not on, its subtree's
    least principal axis: 8 %); zeta 0 leaves it spinning as before damping existed."""
    dt = 1.0 / 240.0
    steps = np.arange(1, 9)
    for zeta in (0.0, 0.5, 1.0):
        spin = _free_spin(skeleton, joint, zeta, [0.0, 0.0, 2.0])[:, 2] / 2.0
        np.testing.assert_allclose(spin, (1.0 - zeta * DAMPING_RATE * dt) ** steps, rtol=tolerance)


def test_damping_acts_on_hinges(skeleton):
    """The knee, a hinge, is damped by the same mechanism: its free swing slows with zeta 1 and
    does not without damping."""
    undamped = _free_spin(skeleton, "right_knee", 0.0, [-2.0])[-1, 0] / -2.0
    damped = _free_spin(skeleton, "right_knee", 1.0, [-2.0])[-1, 0] / -2.0
    assert undamped > 0.95
    assert damped < 0.5 * undamped


def _release(skeleton, joint: str, zeta: float, strength: float, steps: int) -> np.ndarray:
    """Signed error (degrees, about the displacement axis) of ``joint`` displaced 0.8 rad from its
    target and released, per 240 Hz step; its group at ``strength`` (a weak muscle overshoots)."""
    axis = np.array([1.0, 0.0, 0.0])
    with World() as world:
        human = Humanoid(world, skeleton, _still(skeleton), gains=_gains(skeleton, joint, zeta, strength))
        m = human.muscle_joints.index(joint)
        c, body, idx = world.client, human.body_id, human._muscle_indices[m]
        human.control(0.0)
        world.step()
        q = np.asarray(c.getJointStateMultiDof(body, idx)[0])
        c.resetJointStateMultiDof(body, idx, quat_multiply(q, quat_from_axis_angle(axis, 0.8)).tolist(), [0.0] * 3)
        out, t = [], world.timestep
        for _ in range(steps):
            human.control(t)
            world.step()
            t += world.timestep
            s = human.snapshot()
            d = quat_multiply(quat_conjugate(s.muscle_target[m]), s.muscle_actual[m])
            d = d if d[3] >= 0 else -d
            out.append(np.degrees(2.0 * np.arctan2(d[:3] @ axis, d[3])))
        return np.array(out)


def _settle_step(error: np.ndarray, band: float = 2.0) -> int:
    inside = np.abs(error) < band
    return next(i for i in range(len(error)) if inside[i:].all())


@pytest.mark.parametrize("actor, joint, steps", [("Model_Boy", "right_hip", 240), (None, "neck", 120)])
def test_a_released_weak_joint_overshoots_less_and_settles_sooner_with_damping(skeleton, actor, joint, steps):
    """A joint displaced by 0.8 rad and released, its muscle group at 30 % strength (the motor
    saturates and the joint swings through its target): with zeta 1 the overshoot is smaller and
    the error enters and stays in a 2 degree band sooner than without damping. Measured: the
    child's hip 28.7 -> 27.6 degrees, settled at step 131 -> 115; the adult's neck 8.5 -> 4.2
    degrees, step 40 -> 34 (limbs get little swing damping: their twist bounds it, see
    phav.physics.muscles)."""
    body = skeleton if actor is None else get_preset(actor).skeleton()
    free = _release(body, joint, 0.0, 0.3, steps)
    damped = _release(body, joint, 1.0, 0.3, steps)
    assert -damped.min() < -free.min() - 0.5  # overshoot past the target, degrees
    assert _settle_step(damped) < _settle_step(free)
    assert np.abs(damped).mean() < np.abs(free).mean()


def test_joint_inertia_of_the_neck_is_the_head_sphere():
    """The head is a sphere centred on the neck's axis: its least moment about the neck is the
    sphere's own ``2/5 m r^2`` (no parallel-axis term about the axis through its centre)."""
    skeleton = default_skeleton()
    head = skeleton.link("head")
    assert head.collision.kind == "sphere" and head.collision.center[:2] == (0.0, 0.0)
    assert joint_inertia(skeleton, "neck") == pytest.approx(0.4 * head.mass * head.collision.size[0] ** 2)
    thigh, shin = skeleton.link("right_thigh"), skeleton.link("right_shin")
    assert joint_inertia(skeleton, "right_hip") > min(thigh.inertia)  # the subtree adds the shin and foot
    assert joint_inertia(skeleton, "right_knee") > min(shin.inertia)


def test_damping_in_physical_units_follows_inertia_and_strength():
    """``d = zeta * strength factor * I_min * DAMPING_RATE`` for a child and a heavy adult alike;
    a weakened group and a ragdoll lose damping with strength; snapshots record it."""
    for name in ("Model_Boy", "Model_Man02"):
        skeleton = get_preset(name).skeleton()
        inertia = np.array([joint_inertia(skeleton, j) for j in skeleton.actuated_joints])
        with World() as world:
            human = Humanoid(world, skeleton, _still(skeleton))
            zeta = np.array([human.gains.kp_damping(skeleton.link_by_joint(j).muscle_group)[1]
                             for j in skeleton.actuated_joints])
            np.testing.assert_allclose(human.muscle_damping, zeta * inertia * DAMPING_RATE)
            full = human.muscle_damping.copy()
            human.set_strength_scale({"left_leg": 0.25})
            legs = [skeleton.link_by_joint(j).muscle_group == "left_leg" for j in skeleton.actuated_joints]
            np.testing.assert_allclose(human.muscle_damping, np.where(legs, 0.25, 1.0) * full)
            human.set_strength_scale({"left_leg": 1.0})
            human.start_ragdoll()
            strengths = np.array([skeleton.link_by_joint(j).strength for j in skeleton.actuated_joints])
            t = 0.0
            for step in range(150):  # the tone reaches the floor after 0.45 s (108 steps)
                human.control(t)
                world.step()
                t += world.timestep
                if step == 47:  # decaying: sent to PyBullet once it has moved by 10 %
                    s = human.snapshot()
                    ratio = s.muscle_strength / strengths
                    assert 0.0 < ratio[0] < 0.5
                    assert np.all(ratio * full <= s.muscle_damping + 1e-12)
                    assert np.all(ratio * full >= (1.0 - RAGDOLL_DAMPING_STEP) * s.muscle_damping)
            s = human.snapshot()
            np.testing.assert_allclose(s.muscle_strength / strengths, RAGDOLL_FLOOR)
            np.testing.assert_allclose(s.muscle_damping, RAGDOLL_FLOOR * full)


def test_damping_out_of_range_is_rejected(skeleton):
    with pytest.raises(ValueError, match=r"damping must be in \[0, 1\]"):
        MuscleGains({"neck": (1.0, 1.5)})
    with World(timestep=1.0 / 60.0) as world, pytest.raises(ValueError, match="too high for a 16.67 ms step"):
        Humanoid(world, skeleton, _still(skeleton))  # zeta 0.5 at 60 Hz: 4x the tested explicit step


def test_joint_inertia_does_not_depend_on_the_string_hash_seed():
    """Same spec, same bytes in every process: the subtree sum runs in a fixed order (a set of link
    names summed in hash order changed the damping in its last bits between runs)."""
    import os
    import subprocess
    import sys

    code = ("from phav.body.skeleton import default_skeleton, ACTUATED_JOINTS\n"
            "from phav.physics.muscles import joint_inertia\n"
            "sk = default_skeleton(1.8)\n"
            "print([joint_inertia(sk, j).hex() for j in ACTUATED_JOINTS])")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED=str(seed))).stdout for seed in (1, 2, 3)}
    assert len(outs) == 1, outs
