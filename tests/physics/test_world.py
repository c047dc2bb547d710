import numpy as np
import pybullet
import pytest

from phav.physics import World
from phav.physics.world import GRAVITY, MAX_IDLE_CLIENTS, release_idle_clients


def test_free_fall_matches_analytic_solution():
    with World() as world:
        c = world.client
        shape = c.createCollisionShape(pybullet.GEOM_SPHERE, radius=0.1)
        z0 = 5.0
        body = c.createMultiBody(baseMass=1.0, baseCollisionShapeIndex=shape, basePosition=[0, 0, z0])
        c.changeDynamics(body, -1, linearDamping=0.0, angularDamping=0.0)
        for _ in range(240):  # one second
            world.step()
        z = c.getBasePositionAndOrientation(body)[0][2]
        t = world.time
        assert t == pytest.approx(1.0)
        # semi-implicit Euler is O(dt) off the parabola: |error| <= g t dt / 2 (about 2 cm here)
        assert z == pytest.approx(z0 - 0.5 * GRAVITY * t * t, abs=0.5 * GRAVITY * t * world.timestep + 1e-6)
        # and exactly the discrete solution z_n = z0 - g dt^2 n (n + 1) / 2
        n, dt = world.steps, world.timestep
        assert z == pytest.approx(z0 - GRAVITY * dt * dt * n * (n + 1) / 2, abs=1e-6)


def test_close_is_idempotent_and_releases_the_client():
    release_idle_clients()
    world = World()
    cid = world.client_id
    world.close()
    world.close()
    assert world.closed
    with pytest.raises(RuntimeError, match="closed"):
        world.step()
    # kept for the next world, emptied
    assert pybullet.isConnected(physicsClientId=cid) and pybullet.getNumBodies(physicsClientId=cid) == 0
    with World() as again:
        assert again.client_id == cid
        assert again.ground_id == 0 and again.client.getNumBodies() == 1
    assert release_idle_clients() == 1
    assert not pybullet.isConnected(physicsClientId=cid)
    with World(camera_images=True) as world:  # a world with PyBullet's renderer never reuses nor is kept
        cid = world.client_id
    assert not pybullet.isConnected(physicsClientId=cid) and release_idle_clients() == 0


def test_closed_worlds_keep_at_most_max_idle_clients():
    release_idle_clients()
    worlds = [World() for _ in range(MAX_IDLE_CLIENTS + 2)]
    ids = [w.client_id for w in worlds]
    assert len(set(ids)) == len(ids)
    for w in worlds:
        w.close()
    assert sum(pybullet.isConnected(physicsClientId=i) for i in ids) == MAX_IDLE_CLIENTS
    assert release_idle_clients() == MAX_IDLE_CLIENTS


def test_many_worlds():
    for _ in range(20):
        with World() as world:
            world.step()
    assert world.closed


def test_ground_stops_a_falling_sphere():
    with World() as world:
        c = world.client
        shape = c.createCollisionShape(pybullet.GEOM_SPHERE, radius=0.1)
        body = c.createMultiBody(baseMass=1.0, baseCollisionShapeIndex=shape, basePosition=[0, 0, 0.5])
        for _ in range(480):
            world.step()
        z = c.getBasePositionAndOrientation(body)[0][2]
        assert z == pytest.approx(0.1, abs=0.01)


def test_a_world_without_camera_images_simulates_the_same_bit_for_bit():
    """Leaving out PyBullet's renderer (phav's simulation never asks it for images) changes nothing."""
    from phav.body.skeleton import default_skeleton
    from phav.motion.library import load_clip
    from phav.physics import Humanoid

    sk = default_skeleton(1.7)
    clip = load_clip("walk", sk)
    runs = []
    for camera_images in (True, False):
        with World(camera_images=camera_images) as world:
            human = Humanoid(world, sk, clip)
            for _ in range(40):
                human.control(world.time)
                world.step()
            runs.append(human.link_poses())
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def _walk(world_kwargs, steps=40, ball=False):
    """Link poses of a humanoid walking ``steps`` steps (and a ball dropped on it) in a new World."""
    from phav.body.skeleton import default_skeleton
    from phav.motion.library import load_clip
    from phav.physics import Humanoid

    sk = default_skeleton(1.7)
    with World(**world_kwargs) as world:
        human = Humanoid(world, sk, load_clip("walk", sk))
        if ball:
            c = world.client
            shape = c.createCollisionShape(pybullet.GEOM_SPHERE, radius=0.2)
            c.createMultiBody(baseMass=2.0, baseCollisionShapeIndex=shape, basePosition=[0.1, 0, 2.5])
        for _ in range(steps):
            human.control(world.time)
            world.step()
        return human.link_poses()


def test_a_reused_client_simulates_the_same_bit_for_bit():
    """A world on a client reset after other worlds (other time step, solver iterations, bodies)
    gives the same numbers as one on a new client."""
    release_idle_clients()
    fresh = _walk({})
    release_idle_clients()
    _walk({"timestep": 1.0 / 120.0, "solver_iterations": 5}, steps=30, ball=True)  # leaves its client
    reused = _walk({})
    assert release_idle_clients() == 1  # the second and third world ran on the first one's client
    np.testing.assert_array_equal(fresh[0], reused[0])
    np.testing.assert_array_equal(fresh[1], reused[1])
