import gc
import os
import time

import numpy as np
import pybullet
import pytest

from phav.physics import World
from phav.physics import world as world_module
from phav.physics.bullet import RELEASED_MESSAGE
from phav.physics.world import GRAVITY, MAX_IDLE_CLIENTS, release_idle_clients


def _block(world, centre, half) -> int:
    c = world.client
    shape = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[half] * 3)
    return c.createMultiBody(baseMass=0.0, baseCollisionShapeIndex=shape, basePosition=list(centre))


def test_clearance_is_the_gap_to_the_nearest_other_body():
    """Two 0.2 m cubes 0.5 m apart (centres) leave a 0.3 m gap; overlapping by 0.1 m, -0.1 m; the
    ground under them and ignored bodies do not count; nothing within reach gives reach."""
    with World() as world:
        a = _block(world, [0.0, 0.0, 0.5], 0.1)
        b = _block(world, [0.5, 0.0, 0.5], 0.1)
        assert world.clearance(a) == pytest.approx(0.3, abs=1e-3)
        assert world.clearance(a, ignore=(b,)) == 1.0
        assert world.clearance(a, ignore=(b,), reach=2.0) == 2.0
        world.client.resetBasePositionAndOrientation(b, [0.1, 0.0, 0.5], [0, 0, 0, 1])
        assert world.clearance(a) == pytest.approx(-0.1, abs=1e-3)


def test_rays_meet_only_the_bodies_named():
    with World() as world:
        wall = _block(world, [1.0, 0.0, 1.0], 0.2)
        through, past = ([[0.0, 0.0, 1.0]], [[2.0, 0.0, 1.0]]), ([[0.0, 1.0, 1.0]], [[2.0, 1.0, 1.0]])
        assert not world.rays_meet_only(*through, ())
        assert world.rays_meet_only(*through, (wall,))
        assert world.rays_meet_only(*past, ())
        assert not world.rays_meet_only([past[0][0], through[0][0]], [past[1][0], through[1][0]], ())


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
    release_idle_clients()  # both worlds on new clients: the comparison is about the renderer alone
    for camera_images in (True, False):
        with World(camera_images=camera_images) as world:
            human = Humanoid(world, sk, clip)
            for _ in range(40):
                human.control(world.time)
                world.step()
            runs.append(human.link_poses())
    assert release_idle_clients() == 1  # the second world's client, kept: so it was a new one
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


def _ball(client, z=1.0):
    shape = client.createCollisionShape(pybullet.GEOM_SPHERE, radius=0.1)
    return client.createMultiBody(baseMass=1.0, baseCollisionShapeIndex=shape, basePosition=[0, 0, z])


def test_a_closed_worlds_client_raises_and_never_reaches_the_next_world():
    """A client kept after close (``world.client``, a humanoid's) raises as a disconnected one did,
    even while its connection serves the next world."""
    from phav.body.skeleton import default_skeleton
    from phav.motion.library import load_clip
    from phav.physics import Humanoid

    release_idle_clients()
    sk = default_skeleton(1.7)
    old = World()
    stale, human = old.client, Humanoid(old, sk, load_clip("walk", sk))
    human.link_poses()  # cached: must not be handed out once the world is closed
    cid = old.client_id
    old.close()
    with World() as new:
        assert new.client_id == cid  # the same connection serves the new world
        _ball(new.client)
        for call in (lambda: stale.getNumBodies(), lambda: stale.removeBody(new.ground_id),
                     lambda: _ball(stale), human.link_poses, human.snapshot, human.check,
                     lambda: human.control(0.0), lambda: human.set_pose(0.0)):
            with pytest.raises(pybullet.error, match="World is closed"):
                call()
        human.close()  # a no-op on a closed world, as before
        assert new.client.getNumBodies() == 2 and new.ground_id == 0
        assert new.client.getBasePositionAndOrientation(1)[0] == (0.0, 0.0, 1.0)
    assert RELEASED_MESSAGE.startswith("Not connected to physics server")


def test_disconnecting_through_the_client_is_not_kept():
    release_idle_clients()
    world = World()
    cid = world.client_id
    world.client.disconnect()
    assert not pybullet.isConnected(physicsClientId=cid)
    world.close()
    assert release_idle_clients() == 0


def test_a_kept_client_with_bodies_is_reset_when_taken():
    """Bodies added by id to a kept client would shift the next world's body ids."""
    release_idle_clients()
    with World() as world:
        cid = world.client_id
    shape = pybullet.createCollisionShape(pybullet.GEOM_SPHERE, radius=0.1, physicsClientId=cid)
    pybullet.createMultiBody(baseMass=1.0, baseCollisionShapeIndex=shape, physicsClientId=cid)
    assert pybullet.getNumBodies(physicsClientId=cid) == 1
    with World() as world:
        assert world.client_id == cid and world.ground_id == 0 and world.client.getNumBodies() == 1


def test_a_kept_client_disconnected_behind_the_pools_back_is_replaced():
    release_idle_clients()
    with World() as world:
        cid = world.client_id
    pybullet.disconnect(physicsClientId=cid)
    with World() as world:  # a new connection (PyBullet may give it the same id)
        gc.collect()  # the forgotten client must not disconnect the id on its way out
        assert pybullet.isConnected(physicsClientId=world.client_id)
        assert world.ground_id == 0 and world.client.getNumBodies() == 1
        world.step()
    assert release_idle_clients() == 1


def test_a_kept_clients_id_given_to_a_new_connection_is_not_handed_out_again():
    """PyBullet gives a disconnected client's id to the next connection: a kept client disconnected
    behind the pool's back must not hand that connection to a second world."""
    release_idle_clients()
    with World() as world:
        cid = world.client_id
    pybullet.disconnect(physicsClientId=cid)
    with World(camera_images=True) as cam:
        assert cam.client_id == cid  # PyBullet reused the id (what this test is about)
        with World() as other:
            assert other.client_id != cid
            assert cam.client.getNumBodies() == 1 and other.client.getNumBodies() == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_neither_takes_the_parents_clients_nor_waits_on_its_lock():
    release_idle_clients()
    with World() as world:
        parent_id = world.client_id
    with world_module._idle_lock:  # held by the parent at fork time, as another thread might
        pid = os.fork()
        if pid == 0:  # the child: exit code says what went wrong
            code = 3
            try:
                code = 2 if world_module._idle else 1
                if code == 1:
                    with World() as child:
                        code = 0 if child.client_id != parent_id and child.ground_id == 0 else 4
            finally:
                os._exit(code)
    deadline = time.monotonic() + 60.0
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung on the kept clients' lock")
        time.sleep(0.01)
    assert os.waitstatus_to_exitcode(status) == 0
    assert release_idle_clients() == 1  # the parent's kept client is still the parent's


def test_a_client_handle_collected_leaves_its_connection_connected():
    from phav.physics.bullet import ClientHandle, connect_direct

    connection = connect_direct()
    cid = connection._client
    handle = ClientHandle(connection)
    assert handle.getNumBodies() == 0
    del handle
    gc.collect()
    assert pybullet.isConnected(physicsClientId=cid)
    connection.disconnect()
    assert not pybullet.isConnected(physicsClientId=cid)
