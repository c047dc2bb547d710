"""Take: validation and an exact .npz round trip."""

import numpy as np
import pytest

from phav.take import ActorTrack, Atmosphere, Instance, LocalLights, Mesh, Take


def _take(T=4):
    rng = np.random.default_rng(0)
    mesh = Mesh("tri", positions=rng.random((3, 3)), normals=np.tile([0, 0, 1.0], (3, 1)),
                colors=rng.random((3, 3)), semantic=[36, 36, 36], indices=[[0, 1, 2]])
    q = rng.normal(size=(T, 1, 4))
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    light = {k: rng.random((T, 3)) for k in ("sun_direction", "sun_color", "sky_zenith", "sky_horizon", "ambient")}
    actor = ActorTrack(
        name="a", instance_id=1, joint_names=["pelvis"], joints_3d=rng.random((T, 1, 3)),
        muscle_joints=["chest"], muscle_target=rng.random((T, 1, 4)), muscle_actual=rng.random((T, 1, 4)),
        muscle_torque=rng.random((T, 1, 3)), muscle_strength=rng.random((T, 1)), pin_weight=np.ones(T),
        muscle_damping=rng.random((T, 1)),
    )
    return Take(
        fps=30.0, width=64, height=48, meshes=[mesh], part_names=["p"], part_mesh=np.array([0], np.int32),
        part_instance=np.array([1], np.uint16), part_pos=rng.random((T, 1, 3)), part_quat=q,
        camera_K=np.repeat(np.eye(3)[None], T, 0), camera_world_to_camera=np.repeat(np.eye(4)[None], T, 0),
        instances=[Instance(1, "a", 36, (1, 2, 3))], actors=[actor], meta={"clip": "x"}, **light,
    )


def test_save_load_round_trip_is_exact(tmp_path):
    take = _take().validate()
    take.save(tmp_path / "t.npz")
    again = Take.load(tmp_path / "t.npz").validate()
    for name in ("part_pos", "part_quat", "camera_K", "camera_world_to_camera", "sun_direction", "part_instance"):
        np.testing.assert_array_equal(getattr(again, name), getattr(take, name))
    np.testing.assert_array_equal(again.meshes[0].positions, take.meshes[0].positions)
    np.testing.assert_array_equal(again.actors[0].muscle_torque, take.actors[0].muscle_torque)
    np.testing.assert_array_equal(again.actors[0].muscle_damping, take.actors[0].muscle_damping)
    assert again.instances == take.instances and again.meta == take.meta
    assert again.part_names == take.part_names and again.actors[0].joint_names == ["pelvis"]


def test_atmosphere_and_lights_round_trip(tmp_path):
    take = _take(T=3)
    take.atmosphere = Atmosphere.clear(3)
    take.atmosphere.precipitation = "snow"
    take.atmosphere.fog_density[:] = 0.02
    take.lights = LocalLights(position=np.ones((3, 2, 3)), color=np.full((3, 2, 3), 5.0), radius=np.array([10.0, 20.0]))
    take.validate().save(tmp_path / "t.npz")
    again = Take.load(tmp_path / "t.npz").validate()
    assert again.atmosphere.precipitation == "snow"
    np.testing.assert_array_equal(again.atmosphere.fog_density, take.atmosphere.fog_density)
    np.testing.assert_array_equal(again.lights.radius, [10.0, 20.0])
    assert Take.load(_saved_plain(tmp_path)).atmosphere is None


def test_a_take_without_damping_loads_without_it(tmp_path):
    take = _take()
    take.actors[0].muscle_damping = None  # recorded before muscle damping was
    take.save(tmp_path / "t.npz")
    assert Take.load(tmp_path / "t.npz").actors[0].muscle_damping is None


def _saved_plain(tmp_path):
    _take().save(tmp_path / "plain.npz")
    return tmp_path / "plain.npz"


def test_validate_names_the_bad_field():
    take = _take()
    take.camera_K = take.camera_K[:2]
    with pytest.raises(ValueError, match="camera_K"):
        take.validate()


def test_validate_accepts_rigid_cameras_and_names_the_first_that_is_not():
    from phav import camera

    take = _take()
    take.camera_world_to_camera = np.stack([camera.look_at([3.0, -4.0, 1.6 + t], [0.0, 0.0, 0.9]) for t in range(4)])
    take.validate()
    for frame, broken in ((1, lambda m: m.__setitem__((3, 0), 0.01)),     # a projective bottom row
                          (2, lambda m: m.__setitem__(slice(0, 3), m[:3] * 1.1)),  # a scale
                          (3, lambda m: m.__setitem__(0, -m[0]))):          # a mirror
        bad = _take()
        bad.camera_world_to_camera = take.camera_world_to_camera.copy()
        broken(bad.camera_world_to_camera[frame])
        with pytest.raises(ValueError, match=rf"camera_world_to_camera\[{frame}\] is not rigid"):
            bad.validate()


def test_mesh_rejects_out_of_range_indices():
    with pytest.raises(ValueError, match="out of range"):
        Mesh("m", np.zeros((3, 3)), np.zeros((3, 3)), np.zeros((3, 3)), np.zeros(3), [[0, 1, 3]])


def test_load_rejects_a_file_that_is_not_a_take(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a phav take"):
        Take.load(tmp_path / "x.npz")


@pytest.mark.parametrize("damage", ["truncated", "junk", "a member lost"])
def test_a_damaged_take_file_is_a_data_error_that_names_it(tmp_path, damage):
    import zipfile

    from phav.errors import DataError

    path = tmp_path / "take.npz"
    _take().save(path)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "junk":
        path.write_bytes(b"not a take at all\n" * 10)
    else:
        with zipfile.ZipFile(tmp_path / "t.npz", "w") as out, zipfile.ZipFile(path) as full:
            for item in (i for i in full.infolist() if i.filename != "part_pos.npy"):
                out.writestr(item, full.read(item))
        path = tmp_path / "t.npz"
    with pytest.raises(DataError, match=rf"{path.name} is not a complete phav take \(.+\); it may be truncated"):
        Take.load(path)


_SIMULATE_AND_SAVE = """
import sys
from phav.scenario import Scenario
from phav.spec import VideoSpec
spec = VideoSpec(action="SyntheticBumpIntoEachOther", frames=60, width=64, height=48, seed=3).validate()
Scenario(spec).simulate().save(sys.argv[1])
"""


def test_a_take_is_the_same_in_processes_that_hash_strings_differently(tmp_path):
    """Dataset workers are separate processes, each with its own string-hash seed: nothing in a take
    may follow the iteration order of a set or dict of strings (joint damping once did)."""
    import os
    import subprocess
    import sys

    paths = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"take_{hash_seed}.npz"
        subprocess.run([sys.executable, "-c", _SIMULATE_AND_SAVE, str(path)], check=True,
                       env=dict(os.environ, PYTHONHASHSEED=hash_seed))
        paths.append(path)
    with np.load(paths[0]) as a, np.load(paths[1]) as b:
        assert sorted(a.files) == sorted(b.files)
        different = [k for k in a.files if a[k].dtype != b[k].dtype or not np.array_equal(a[k], b[k])]
    assert not different, f"take arrays differ between hash seeds: {different}"


def test_every_instance_has_its_own_name():
    """instances.txt names each instance once: an action's ball and the o variation's thrown ball
    are two names (a repeated name gets _2, _3, ... as custom scenes' props do)."""
    from phav.scenario import Scenario
    from phav.spec import VideoSpec

    take = Scenario(VideoSpec(action="Throw", variation="o", seed=0, width=32, height=24, frames=60).validate()).simulate(
        check_signature=False)
    names = [i.name for i in take.instances]
    assert len(set(names)) == len(names) and {"ball", "thrown_ball", "obstacle_box"} <= set(names), names
    assert len(set(take.part_names)) == len(take.part_names)
