import numpy as np
import pybullet
import pytest

from phav.body.skeleton import ANNOTATED_JOINTS, default_skeleton
from phav.geometry import quat_angle, quat_rotate
from phav.motion.deepmimic import load_deepmimic
from phav.physics import Humanoid, SimulationError, World

FRAMES, SUBSTEPS = 60, 8


def simulate_walk(skeleton, clip):
    """Track the walk for 60 video frames at 30 FPS; returns per-frame arrays."""
    pelvis, errors, lowest, links, torques = [], [], [], [], []
    with World() as world:
        human = Humanoid(world, skeleton, clip, position=(0.0, 0.0), heading=0.0)
        t = 0.0
        for _ in range(FRAMES):
            for _ in range(SUBSTEPS):
                human.control(t)
                world.step()
                t += world.timestep
            human.check()
            s = human.snapshot()
            pelvis.append(s.link_pos[0])
            errors.append(quat_angle(s.muscle_actual, s.muscle_target))
            lowest.append(human.collision_min_z(s.link_pos, s.link_quat))
            links.append(np.concatenate([s.link_pos, s.link_quat], axis=1))
            torques.append(s.muscle_torque)
    return {k: np.array(v) for k, v in dict(pelvis=pelvis, errors=errors, lowest=lowest, links=links,
                                               torques=torques).items()}


@pytest.fixture(scope="module")
def walk_run(skeleton, walk):
    return simulate_walk(skeleton, walk)


def test_walk_advances(walk_run):
    advance = walk_run["pelvis"][-1, 0] - walk_run["pelvis"][0, 0]
    assert advance >= 1.5
    assert abs(walk_run["pelvis"][-1, 1]) < 0.2


def test_walk_stays_above_ground(walk_run):
    assert walk_run["lowest"].min() > -0.02


def test_walk_tracks_joint_rotations(walk_run):
    mean_deg = np.degrees(walk_run["errors"].mean())
    print(f"mean joint rotation error {mean_deg:.2f} deg")
    assert mean_deg < 10.0


def test_walk_is_deterministic(skeleton, walk, walk_run):
    again = simulate_walk(skeleton, walk)
    for key, value in walk_run.items():
        np.testing.assert_array_equal(again[key], value, err_msg=key)


def test_initial_snapshot_matches_clip_and_skeleton(skeleton, walk):
    with World() as world:
        human = Humanoid(world, skeleton, walk, position=(1.0, 2.0), heading=np.pi / 2)
        s = human.snapshot()
        assert s.link_names == skeleton.link_names
        assert s.joint_names == list(ANNOTATED_JOINTS)
        np.testing.assert_allclose(s.link_pos[0], [1.0, 2.0, walk.root_pos[0, 2]], atol=1e-6)
        # each link frame sits at its joint offset in the parent's frame
        for k, link in enumerate(skeleton.links[1:], start=1):
            p = skeleton.link_names.index(link.parent)
            expect = s.link_pos[p] + quat_rotate(s.link_quat[p], np.array(link.offset))
            np.testing.assert_allclose(s.link_pos[k], expect, atol=1e-6, err_msg=link.name)
        assert np.all(np.degrees(quat_angle(s.muscle_actual, s.muscle_target)) < 0.01)
        assert s.muscle_strength.shape == (len(skeleton.actuated_joints),)
        assert s.pin_weight == 1.0
        head = s.joints_3d[s.joint_names.index("head")]
        assert head[2] > 1.4
        assert len(human.meshes()) == len(s.link_names)


def test_guard_reports_explosion(skeleton, walk):
    with World() as world:
        human = Humanoid(world, skeleton, walk)
        world.client.resetBaseVelocity(human.body_id, [100.0, 0.0, 0.0])
        with pytest.raises(SimulationError, match="m/s"):
            human.check()


def test_guard_reports_penetration(skeleton, walk):
    with World() as world:
        human = Humanoid(world, skeleton, walk)
        pos, quat = world.client.getBasePositionAndOrientation(human.body_id)
        world.client.resetBasePositionAndOrientation(human.body_id, [pos[0], pos[1], 0.3], quat)
        with pytest.raises(SimulationError, match="below the ground"):
            human.check()


def test_guard_reports_nan(skeleton, walk, monkeypatch):
    with World() as world:
        human = Humanoid(world, skeleton, walk)
        pos, quat = human.link_poses()
        pos[3, 0] = np.nan
        speed = human.link_speeds()
        monkeypatch.setattr(human, "_link_states", lambda velocity: (pos, quat, speed if velocity else None))
        with pytest.raises(SimulationError, match="non-finite"):
            human.check()


def test_ragdoll_falls_without_pin(skeleton, walk):
    """Unpinned, the body topples within 1.5 s (at 1 s it has only begun: pelvis 0.81-0.82 m with
    or without joint damping, from 0.92 m; at 1.5 s it lies at 0.22-0.23 m)."""
    with World() as world:
        human = Humanoid(world, skeleton, walk, pin_weight=0.0)
        for _ in range(360):
            human.control(0.0)
            world.step()
        human.check()
        assert human.snapshot().link_pos[0, 2] < walk.root_pos[0, 2] - 0.1


def test_humanoid_and_world_close():
    skeleton = default_skeleton()
    clip = load_deepmimic("walk", skeleton)
    for _ in range(5):
        world = World()
        cid = world.client_id
        human = Humanoid(world, skeleton, clip)
        human.close()
        human.close()
        assert world.client.getNumBodies() == 1  # only the ground is left
        world.close()
        human.close()
        # the client is disconnected, or reset and kept for the next World (physics/world.py)
        assert not pybullet.isConnected(physicsClientId=cid) or pybullet.getNumBodies(physicsClientId=cid) == 0


def test_clip_without_needed_joints_is_rejected(skeleton, walk):
    import dataclasses

    partial = dataclasses.replace(walk, joint_names=walk.joint_names[:-1], joint_quats=walk.joint_quats[:, :-1])
    with World() as world, pytest.raises(ValueError, match="left_elbow"):
        Humanoid(world, skeleton, partial)


def test_motor_targets_change_once_per_stride_and_aim_at_its_end(skeleton, walk):
    """On the step grid the motors aim at the clip's pose at the end of each stride of
    MOTOR_UPDATE_STEPS steps and are set once per stride; a strength change is sent at the next
    step, mid-stride."""
    from phav.physics.humanoid import MOTOR_UPDATE_STEPS as N

    class Counting:  # forwards to the client, counting motor updates
        def __init__(self, client):
            self.client, self.motor_calls = client, 0

        def __getattr__(self, name):
            if name == "setJointMotorControlMultiDofArray":
                self.motor_calls += 1
            return getattr(self.client, name)

    with World() as world:
        human = Humanoid(world, skeleton, walk)
        human._client = counting = Counting(human._client)
        dt = world.timestep
        columns = [human.clip.joint_names.index(j) for j in human.muscle_joints]
        seen = []
        for k in range(2 * N):
            human.control(k * dt)
            world.step()
            seen.append(human.snapshot().muscle_target)
            want = human.clip.sample((k // N + 1) * N * dt).joint_quats[columns]
            assert np.all(quat_angle(seen[-1], want) < 1e-6), k
        assert counting.motor_calls == 2
        assert not np.allclose(seen[0], seen[N])
        human.set_strength_scale({"right_leg": 0.5})
        human.control(2 * N * dt + dt)  # mid-stride
        assert counting.motor_calls == 3


def test_bullet_link_index_names_the_pybullet_link_of_each_skeleton_link(skeleton, walk):
    with World() as world:
        human = Humanoid(world, skeleton, walk)
        indices = [human.bullet_link_index(name) for name in human.link_names]
        assert indices[0] == -1 and sorted(indices[1:]) == list(range(world.client.getNumJoints(human.body_id)))
        # PyBullet names each link's joint; the skeleton's link of that joint is the same link
        for name, index in zip(human.link_names[1:], indices[1:]):
            joint = world.client.getJointInfo(human.body_id, index)[1].decode()
            assert skeleton.link_by_joint(joint).name == name
        with pytest.raises(ValueError, match="no link 'tail'"):
            human.bullet_link_index("tail")
