"""The public library for custom scenes (phav.Scene and friends), at tiny sizes."""

from __future__ import annotations

import json

import numpy as np
import pytest

import phav
from phav.actions import get_action
from phav.body.presets import get_preset
from phav.labels import class_id
from phav.motion.deepmimic import load_deepmimic
from phav.scenario import Scenario

TINY = dict(frames=4, size=(64, 48))
CUBE_OBJ = """# unit cube, Z up
mtllib cube.mtl
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0
v 0 0 1
v 1 0 1
v 1 1 1
v 0 1 1
usemtl red
f 1 4 3 2
f 5 6 7 8
f 1 2 6 5
f 2 3 7 6
f 3 4 8 7
f 4 1 5 8
"""


@pytest.fixture()
def cube(tmp_path):
    (tmp_path / "cube.mtl").write_text("newmtl red\nKd 0.8 0.1 0.1\n")
    path = tmp_path / "cube.obj"
    path.write_text(CUBE_OBJ)
    return path


# ---- the spec view: a one-person scene is the CLI's video -----------------------------------------
def test_video_spec_round_trips_through_json_from_the_public_api():
    spec = phav.VideoSpec(action="Run", actor="Model_Girl", environment="Urban", day_phase="Night", weather="Rainy",
                          camera="Orbital", variation="p", frames=7, fps=24, width=96, height=64, seed=11, batch=3)
    assert phav.VideoSpec.from_json(spec.to_json()) == spec
    assert json.loads(spec.to_json())["environment"] == "Urban"


def _assert_same_take(a: phav.Take, b: phav.Take) -> None:
    """``b`` (a scene's take) is ``a`` (the CLI's) but for the scene's own ``meta["scene"]`` record."""
    for field in ("part_pos", "part_quat", "part_mesh", "part_instance", "camera_K", "camera_world_to_camera",
                  "sun_direction", "ambient"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.part_names == b.part_names and a.instances == b.instances
    assert [t.name for t in a.actors] == [t.name for t in b.actors]
    for ta, tb in zip(a.actors, b.actors):
        np.testing.assert_array_equal(ta.joints_3d, tb.joints_3d)
    scene_meta = dict(b.meta)
    scene_meta.pop("scene")
    assert json.dumps(a.meta, sort_keys=True) == json.dumps(scene_meta, sort_keys=True)


def test_scene_from_spec_simulates_the_same_take_as_the_cli():
    spec = phav.VideoSpec(frames=5, width=64, height=48, seed=3)
    _assert_same_take(Scenario(spec).simulate(), phav.Scene.from_spec(spec).simulate())


@pytest.mark.parametrize("action, seed", [("SyntheticWalkHoldHands", 1), ("KickBall", 1)])
def test_scene_from_spec_brings_the_actions_companions_and_props_as_the_cli(action, seed):
    spec = phav.VideoSpec(action=action, frames=4, width=64, height=48, seed=seed)
    scene = phav.Scene.from_spec(spec)
    scene.people[0].check_signature = False  # four frames are too short for the signature
    a, b = Scenario(spec).simulate(check_signature=False), scene.simulate()
    _assert_same_take(a, b)
    assert len(b.actors) == (2 if action == "SyntheticWalkHoldHands" else 1)
    assert b.meta["scene"]["people"][0]["companions"] == [t.name for t in b.actors[1:]]


def test_a_second_person_brings_its_actions_companion_after_the_scenes_people():
    scene = phav.Scene(seed=2, **TINY)
    scene.add_person("Walk", check_signature=False)
    scene.add_person("SyntheticWalkHoldHands", position=(0.0, 4.0), check_signature=False)
    take = scene.simulate()
    people = take.meta["scene"]["people"]
    assert [t.name for t in take.actors][:2] == [p["name"] for p in people]
    assert people[0]["companions"] == [] and people[1]["companions"] == [take.actors[2].name]
    assert [i.semantic_class for i in take.instances[:3]] == [class_id("Human")] * 3
    start = take.actors[2].joints_3d[0, take.actors[2].joint_names.index("pelvis"), :2]
    assert np.linalg.norm(start - (0.0, 4.0)) < 2.0  # placed beside its lead, not the first person
    assert [c["name"] for c in take.meta["companions"]] == [take.actors[2].name]


def test_a_variation_the_action_does_not_declare_is_refused_as_the_cli_refuses_it():
    declared = get_action("Run").variations
    assert "p" not in declared
    with pytest.raises(phav.SpecError) as cli:
        Scenario(phav.VideoSpec(action="Run", variation="p"))
    with pytest.raises(phav.SpecError) as api:
        phav.Scene(**TINY).add_person("Run", variation="p")
    assert str(api.value) == str(cli.value)
    assert "\n" not in str(api.value) and str(api.value).endswith(f"its variations: {', '.join(sorted(declared))}")


def test_scene_write_matches_generate_video_byte_for_byte(tmp_path):
    spec = phav.VideoSpec(frames=3, width=64, height=48, seed=5)
    cli = phav.generate_video(spec, tmp_path / "cli", quality="preview").path
    scene = phav.Scene.from_spec(spec)
    assert scene.spec == spec
    ours = scene.write(tmp_path / "api", quality="preview")
    assert ours.name == cli.name and ours.parent.name == spec.action
    names = sorted(p.name for p in cli.iterdir())
    assert names == sorted(p.name for p in ours.iterdir())
    for name in names:
        if name != "params.json":
            assert (cli / name).read_bytes() == (ours / name).read_bytes(), name
    p_cli, p_api = (json.loads((d / "params.json").read_text()) for d in (cli, ours))
    assert p_api["meta"].pop("scene")["people"][0]["action"] == "Walk"
    assert p_cli == p_api


def _walk_scene(**kw) -> phav.Scene:
    scene = phav.Scene(frames=3, size=(64, 48), seed=5, **kw)
    scene.add_person("Walk")
    return scene


def test_a_scene_that_is_its_specs_own_video_has_the_clis_folder_name():
    spec = phav.VideoSpec(frames=3, width=64, height=48, seed=5)
    for scene in (phav.Scene.from_spec(spec), _walk_scene()):
        assert scene.spec == spec and scene.folder_name("walk") == spec.folder_name("walk")


def test_scenes_that_differ_beyond_the_spec_get_their_own_folder_names():
    spec = phav.VideoSpec(frames=3, width=64, height=48, seed=5)
    variants = {"plain": _walk_scene()}
    for key, build in {
        "prop": lambda s: s.add_prop("ball", position=(1.0, 1.0, 0.0)),
        "prop moved": lambda s: s.add_prop("ball", position=(1.0, 2.0, 0.0)),
        "poses": lambda s: s.add_camera(phav.CameraPoses.look_at(eye=(4, -3, 1.6), target=(1, 0, 1))),
        "two rigs": lambda s: (s.add_camera("Kite"), s.add_camera("Orbital")),
        "light": lambda s: s.add_light((0.0, 0.0, 3.0)),
        "person": lambda s: s.add_person("Run", check_signature=False),
    }.items():
        variants[key] = _walk_scene()
        build(variants[key])
    own_body = phav.Scene(frames=3, size=(64, 48), seed=5)
    own_body.add_person("Walk", body="preset")
    variants["body"] = own_body
    names = {key: scene.folder_name("walk") for key, scene in variants.items()}
    assert len(set(names.values())) == len(names), names
    assert names["plain"] == spec.folder_name("walk")
    for key, name in names.items():  # the PHAV fields stay the spec's; the id is 32 hex digits
        fields = name.split("-")
        assert fields[:8] == variants[key].spec.folder_name("walk").split("-")[:8]
        assert len(fields[8]) == 32 and int(fields[8], 16) >= 0
    again = _walk_scene()
    again.add_prop("ball", position=(1.0, 1.0, 0.0))
    assert again.folder_name("walk") == names["prop"] and again.contents_digest() == variants["prop"].contents_digest()


def test_two_scenes_with_one_spec_and_different_props_write_two_folders(tmp_path, cube):
    folders = []
    for x in (2.0, 3.0):
        scene = _walk_scene()
        scene.add_prop(cube, semantic="Misc", position=(x, 1.0, 0.0), scale=0.3)
        take = scene.simulate()
        folders.append(scene.write(tmp_path, take, quality="preview", modalities=("img",)))
        assert folders[-1].name == scene.folder_name(take.meta["clip"])
        assert take.meta["scene"]["contents_digest"] == scene.contents_digest()
    assert folders[0] != folders[1] and all(f.is_dir() for f in folders)


# ---- people, determinism -------------------------------------------------------------------------
def _two_people(seed: int, cube) -> phav.Take:
    scene = phav.Scene("Plain", "Dusk", seed=seed, **TINY)
    scene.add_person("Walk")
    scene.add_person("Run", body={"height": 1.5, "mass": 48.0}, check_signature=False)
    scene.add_prop(cube, semantic="Misc", position=(3.0, 2.0, 0.0), scale=0.5)
    scene.add_prop("ball", position=(2.0, -2.0, 1.0), mass=0.4)
    return scene.simulate()


def test_same_seed_same_take_and_another_seed_another(cube):
    a, b, c = _two_people(1, cube), _two_people(1, cube), _two_people(2, cube)
    np.testing.assert_array_equal(a.part_pos, b.part_pos)
    np.testing.assert_array_equal(a.camera_world_to_camera, b.camera_world_to_camera)
    assert not np.array_equal(a.part_pos, c.part_pos)


def test_people_get_instances_skins_and_tracks(cube):
    take = _two_people(1, cube)
    assert [t.name for t in take.actors] == ["Model_Default", "Model_Default_2"]
    assert [i.semantic_class for i in take.instances[:4]] == [class_id("Human")] * 2 + [class_id("Misc"), class_id("Ball")]
    assert len(take.skins) == 2
    heights = [t.joints_3d[0, t.joint_names.index("head"), 2] for t in take.actors]
    assert heights[1] < heights[0]  # the explicit 1.5 m body is shorter than the default 1.76 m
    assert take.meta["scene"]["people"][1]["body_shape"]["height"] == 1.5


def test_a_person_with_the_users_own_clip():
    scene = phav.Scene(**TINY)
    clip = load_deepmimic("walk", get_preset("Model_Default").shape.skeleton())
    person = scene.add_person(None, clip=clip, body="preset", label="MyWalk")
    take = scene.simulate()
    assert scene.spec.action == "MyWalk" and person.clip_name == clip.name
    assert take.meta["clip_source"].startswith("user clip")


def test_a_clip_with_a_joint_the_skeleton_lacks_is_refused():
    clip = load_deepmimic("walk")
    clip.joint_names = list(clip.joint_names[:-1]) + ["tail"]
    with pytest.raises(phav.SpecError, match="references joints the skeleton lacks: tail"):
        phav.Scene(**TINY).add_person(None, clip=clip)


def test_unknown_action_actor_and_camera_list_the_valid_ones():
    scene = phav.Scene(**TINY)
    with pytest.raises(phav.SpecError, match="valid actions: .*Walk"):
        scene.add_person("Moonwalking")
    with pytest.raises(phav.SpecError, match="Model_Man01"):
        scene.add_person("Walk", actor="Model_Nobody")
    with pytest.raises(phav.SpecError, match="Kite"):
        scene.add_camera("Drone")
    with pytest.raises(phav.SpecError, match="no person"):
        scene.simulate()


# ---- props ---------------------------------------------------------------------------------------
def test_obj_mesh_reads_faces_normals_and_material_colours(cube):
    mesh = phav.load_mesh(cube, "Chair", scale=2.0)
    assert mesh.indices.shape == (12, 3)  # six quads, fan-triangulated
    assert mesh.positions.max() == pytest.approx(2.0)
    np.testing.assert_allclose(mesh.colors[0], (0.8, 0.1, 0.1), atol=1e-6)
    assert set(np.unique(mesh.semantic)) == {class_id("Chair")}
    bottom = mesh.normals[:6]  # the first face (1 4 3 2) is the bottom, seen from below
    np.testing.assert_allclose(bottom, np.tile([0, 0, -1], (6, 1)), atol=1e-6)


@pytest.mark.parametrize("line, message", [
    ("v 0 0 zero", "cube.obj:3: not a number"),
    ("f 1 2 99", "cube.obj:3: face refers to vertex 99"),
    ("f 1 2", "cube.obj:3: a face needs at least 3 vertices"),
])
def test_a_mesh_line_that_does_not_parse_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "cube.obj"
    path.write_text("v 0 0 0\nv 1 0 0\n" + line + "\nv 0 1 0\nf 1 2 3\n")
    with pytest.raises(phav.MeshFileError, match=message):
        phav.load_mesh(path, "Misc")


def test_missing_mesh_file_and_unknown_class_are_clear(tmp_path, cube):
    scene = phav.Scene(**TINY)
    with pytest.raises(phav.MeshFileError, match="nothere.obj does not exist"):
        scene.add_prop(tmp_path / "nothere.obj", semantic="Misc")
    with pytest.raises(ValueError, match="unknown semantic class 'Chiar'; valid classes: .*Chair"):
        scene.add_prop(cube, semantic="Chiar")
    with pytest.raises(ValueError, match="valid: .*chair"):
        scene.add_prop("throne")


def test_a_dropped_ball_falls_as_gravity_says_and_a_static_prop_stays():
    scene = phav.Scene(frames=7, size=(64, 48), seed=0)
    scene.add_person("Walk", position=(0.0, 8.0))
    scene.add_prop("ball", size=(0.1,), position=(3.0, -3.0, 2.0), mass=0.5, restitution=0.0)
    scene.add_prop("box", size=(0.5, 0.5, 0.5), position=(3.0, 3.0, 0.0))  # mass 0: static
    take = scene.simulate()
    ball = take.part_pos[:, take.part_names.index("prop/ball"), 2]
    t = np.arange(7) / 30.0
    np.testing.assert_allclose(ball, 2.1 - 0.5 * 9.81 * t**2, atol=0.01)  # starts with its centre at 2.1 m
    box = take.part_pos[:, take.part_names.index("prop/box")]
    np.testing.assert_allclose(box, np.tile([3.0, 3.0, 0.25], (7, 1)), atol=1e-9)


@pytest.mark.parametrize("mass", [0.0, 12.0])
def test_a_prop_placed_inside_a_person_is_refused_before_the_physics_flings_them(mass):
    scene = phav.Scene(frames=7, size=(64, 48), seed=0)
    scene.add_person("Walk", position=(0.0, 2.0))
    scene.add_prop("chair", position=(0.0, 2.0, 0.0), mass=mass)
    with pytest.raises(phav.SpecError, match=r"prop 'chair' overlaps the person '.+' \(\d+ cm deep\).*\(0, 2\)\); place the prop"):
        scene.simulate()
    beside = phav.Scene(frames=7, size=(64, 48), seed=0)  # the same chair a metre aside: no complaint
    beside.add_person("Walk", position=(0.0, 2.0))
    beside.add_prop("chair", position=(0.0, 3.0, 0.0), mass=mass)
    assert beside.simulate().num_frames == 7


def test_a_person_placed_inside_a_building_is_refused_with_a_free_spot_to_use():
    from phav.scenario import build_world

    scene = phav.Scene("Urban", frames=7, size=(64, 48), seed=1)
    building = build_world(scene.spec).colliders[0]
    scene.add_person("Walk", position=(float(building.center[0]), float(building.center[1])))
    with pytest.raises(phav.SpecError, match=r"\(Walk\) starts inside a building or object of Urban at \(.+\); start "
                                             r"it elsewhere \(the environment's own start, \(.+\), is free\)"):
        scene.simulate()


def test_a_camera_looking_straight_down_takes_an_up_direction():
    with pytest.raises(ValueError, match=r"looking straight up or down\): give another up, e\.g\. up=\(0, 1, 0\)"):
        phav.CameraPoses.look_at(eye=(0, 0, 10), target=(0, 0, 0))
    overhead = phav.CameraPoses.look_at(eye=(0, 0, 10), target=(0, 0, 0), up=(0, 1, 0)).world_to_camera
    np.testing.assert_allclose(overhead[:3, :3], [[1, 0, 0], [0, -1, 0], [0, 0, -1]], atol=1e-12)  # image up = +Y
    np.testing.assert_allclose(overhead[:3, 3], [0, 0, 10], atol=1e-12)


def test_urdf_prop_moves_with_physics_and_bad_urdf_names_the_line(tmp_path):
    urdf = tmp_path / "crate.urdf"
    urdf.write_text("""<robot name="crate"><link name="body">
      <inertial><mass value="2"/><inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial>
      <visual><geometry><box size="0.4 0.4 0.4"/></geometry><material name="m"><color rgba="0.2 0.6 0.2 1"/></material></visual>
      <collision><geometry><box size="0.4 0.4 0.4"/></geometry></collision></link></robot>""")
    scene = phav.Scene(**TINY)
    scene.add_person("Walk", position=(0.0, 8.0))
    scene.add_prop(urdf, semantic="Misc", position=(2.0, 0.0, 1.0), mass=2.0)
    take = scene.simulate()
    z = take.part_pos[:, take.part_names.index("prop/crate/body"), 2]
    assert z[0] == pytest.approx(1.0) and z[-1] < z[0] - 0.05  # it falls
    bad = tmp_path / "bad.urdf"
    bad.write_text("<robot>\n<link name='a'>\n</robot>\n")
    with pytest.raises(phav.MeshFileError, match="bad.urdf:3"):
        scene.add_prop(bad, semantic="Misc")


# ---- cameras and rendering -----------------------------------------------------------------------
def _box_in_front() -> tuple[phav.Scene, phav.Take]:
    scene = phav.Scene(frames=2, size=(64, 48), seed=0)
    scene.add_person("Walk", position=(0.0, 12.0), check_signature=False)
    scene.add_prop("box", size=(1.0, 1.0, 1.0), position=(5.0, 0.0, 0.0), semantic="Table")
    scene.add_camera(phav.CameraPoses.look_at((0.0, 0.0, 0.5), (5.0, 0.0, 0.5), vertical_fov_deg=40.0))
    scene.add_camera("Kite")
    return scene, scene.simulate()


def test_explicit_camera_sees_the_prop_at_its_analytic_depth_with_its_labels():
    scene, take = _box_in_front()
    frame = next(iter(phav.render_frames(take, ("depth", "classgt", "instancegt"), quality="preview")))
    v, u = 23, 31  # the pixels next to the optical centre (31.5, 23.5)
    box_id = next(i.id for i in take.instances if i.name == "box")
    assert frame.depth[v, u] == pytest.approx(4.5, abs=1e-3)  # the front face is at x = 4.5
    assert frame.semantic[v, u] == class_id("Table") and frame.instance[v, u] == box_id


def test_views_share_the_motion_and_change_the_camera():
    scene, take = _box_in_front()
    first, kite = scene.views(take)
    assert first is take
    np.testing.assert_array_equal(kite.part_pos, take.part_pos)
    assert not np.allclose(kite.camera_world_to_camera, take.camera_world_to_camera)
    assert kite.meta["camera"]["kind"] == "Kite"


def test_render_frames_is_a_lazy_iterator_of_arrays():
    _, take = _box_in_front()
    frames = phav.render_frames(take, ("img", "flow"), quality="preview")
    first = next(frames)
    assert first.img.shape == (48, 64, 3) and first.img.dtype == np.uint8
    assert first.flow.shape == (48, 64, 2) and first.flow_valid.dtype == bool and first.depth is None
    frames.close()  # stopping early releases the renderer
    arrays = phav.render_arrays(take, ("img", "classgt"), quality="preview")
    assert arrays["img"].shape == (2, 48, 64, 3) and arrays["semantic"].shape == (2, 48, 64)


def test_rendering_with_a_closed_renderer_is_a_clear_error():
    _, take = _box_in_front()
    renderer = phav.Renderer(64, 48, phav.quality_settings("preview"))
    renderer.close()
    with pytest.raises(RuntimeError, match="Renderer is closed; create a new one"):
        phav.render_frames(take, renderer=renderer)


def test_unknown_quality_and_modality_fail_before_rendering():
    _, take = _box_in_front()
    with pytest.raises(ValueError, match="preview"):
        phav.render_frames(take, quality="ultra")
    with pytest.raises(ValueError, match="unknown modalities"):
        phav.render_frames(take, ("img", "normals"))


def test_gltf_props_are_read_y_up_through_trimesh(tmp_path):
    trimesh = pytest.importorskip("trimesh")
    trimesh.creation.box((1.0, 2.0, 3.0)).export(tmp_path / "box.glb")
    mesh = phav.load_mesh(tmp_path / "box.glb", "Misc")
    np.testing.assert_allclose(mesh.positions.max(axis=0), (0.5, 1.5, 1.0), atol=1e-6)  # glTF's y is phav's z
