import numpy as np
import pybullet
import pytest

from phav.physics import World
from phav.physics.world import GRAVITY


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
    world = World()
    cid = world.client_id
    world.close()
    world.close()
    assert world.closed
    assert not pybullet.isConnected(physicsClientId=cid)
    with pytest.raises(RuntimeError, match="closed"):
        world.step()


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
