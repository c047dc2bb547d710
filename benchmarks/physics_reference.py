"""PyBullet's own humanoid in phav's physics settings: the engine's speed on this machine.

``physics_pybullet_humanoid``: the DeepMimic humanoid that ships with PyBullet
(``pybullet_data/humanoid/humanoid.urdf``: 15 links, 8 spherical and 4 revolute joints, scaled to
about 1.7 m) stands on phav's ground plane in a :class:`phav.physics.World` (240 Hz, the same solver
iterations), its root held by a fixed constraint like phav's root pin and every joint driven by a
``POSITION_CONTROL`` motor towards its rest pose, set once. The timed part is ``stepSimulation``
alone, with no Python per step, so the figure is what PyBullet itself costs for a comparable body:
the ``physics_<N>`` cases carry their ratio to it (``ratio_to_pybullet_humanoid``), which says how
much of phav's physics time is the engine's and how much is phav's per-step work.
"""

from __future__ import annotations

import os

from benchmarks.timing import measure

#: DeepMimic's scale of the URDF (its units are ~4x a human's metres).
GLOBAL_SCALING = 0.25
#: Motor gains and maximum torque (N m) of every joint.
POSITION_GAIN, VELOCITY_GAIN, MAX_TORQUE = 0.5, 0.1, 200.0


def pybullet_humanoid_case(repeats: int, steps: int = 480) -> dict:
    """Steps per second of PyBullet's DeepMimic humanoid standing pinned at 240 Hz (module docstring)."""
    import pybullet_data

    from phav.geometry import quat_from_axis_angle
    from phav.physics import World
    from phav.physics.bullet import pybullet, quiet_fds

    world = World()
    try:
        c = world.client
        path = os.path.join(pybullet_data.getDataPath(), "humanoid", "humanoid.urdf")
        up = quat_from_axis_angle((1.0, 0.0, 0.0), 1.5707963267948966)  # the URDF is y-up
        with quiet_fds(1, 2):  # the URDF's spherical joints have no axis: one warning each
            body = c.loadURDF(path, [0.0, 0.0, 0.0], up.tolist(), globalScaling=GLOBAL_SCALING,
                              flags=pybullet.URDF_MAINTAIN_LINK_ORDER)
        lowest = min(c.getAABB(body, link)[0][2] for link in range(-1, c.getNumJoints(body)))
        position, orientation = c.getBasePositionAndOrientation(body)
        start = (position[0], position[1], position[2] - lowest)
        c.resetBasePositionAndOrientation(body, start, orientation)
        pin = c.createConstraint(body, -1, -1, -1, pybullet.JOINT_FIXED, [0, 0, 0], [0, 0, 0], start,
                                 childFrameOrientation=orientation)
        c.changeConstraint(pin, maxForce=5000.0)
        motors = 0
        for joint in range(c.getNumJoints(body)):
            kind = c.getJointInfo(body, joint)[2]
            if kind == pybullet.JOINT_SPHERICAL:
                c.setJointMotorControlMultiDof(body, joint, pybullet.POSITION_CONTROL, targetPosition=[0, 0, 0, 1],
                                               positionGain=POSITION_GAIN, velocityGain=VELOCITY_GAIN,
                                               force=[MAX_TORQUE] * 3)
            elif kind == pybullet.JOINT_REVOLUTE:
                c.setJointMotorControl2(body, joint, pybullet.POSITION_CONTROL, targetPosition=0.0,
                                        positionGain=POSITION_GAIN, velocityGain=VELOCITY_GAIN, force=MAX_TORQUE)
            else:
                continue
            motors += 1

        def work() -> int:
            for _ in range(steps):
                world.step()
            return steps

        stats = measure(work, repeats)
        links = c.getNumJoints(body) + 1
    finally:
        world.close()
    return {
        "case": "physics_pybullet_humanoid", "unit": "steps/s", **stats,
        "real_time_factor": stats["median_per_s"] * world.timestep,
        "settings": {"humanoids": 1, "body": "pybullet_data/humanoid/humanoid.urdf (DeepMimic)",
                     "links": links, "motors": motors, "timestep_s": world.timestep, "steps": steps,
                     "solver_iterations": world.solver_iterations, "note": "PyBullet's humanoid, engine only"},
    }
