"""annotations.json against independent oracles."""

from __future__ import annotations

import json

import numpy as np

from io_synth import JOINTS, MUSCLES, make_take
from phav import camera
from phav.io import annotations
from phav.body.skeleton import FACE_POINTS
from phav.labels import CLASS_NAMES, class_id
from phav.io.annotations import VISIBILITY_DEPTH_TOLERANCE_M, build_annotations


def _independent_projection(points: np.ndarray, K: np.ndarray, w2c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cam = np.einsum("ij,nj->ni", w2c[:3, :3], points) + w2c[:3, 3]
    u = K[0, 0] * cam[:, 0] / cam[:, 2] + K[0, 1] * cam[:, 1] / cam[:, 2] + K[0, 2]
    v = K[1, 1] * cam[:, 1] / cam[:, 2] + K[1, 2]
    return np.stack([u, v], -1), cam[:, 2]


def _rotate_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def test_structure_and_instances(take):
    content = build_annotations(take)
    assert content["num_frames"] == take.num_frames and len(content["frames"]) == take.num_frames
    assert [f["frame"] for f in content["frames"]] == list(range(1, take.num_frames + 1))
    assert {"camera", "depth", "flow", "visible", "bbox_2d"} <= set(content["conventions"])
    assert content["instances"][0] == {"id": 1, "name": "Alice", "semantic_id": 13, "semantic_class": "Human",
                                       "color": [255, 0, 0]}
    assert content["persons"][1] == {"instance_id": 2, "name": "Bob", "joint_names": JOINTS, "muscle_joints": MUSCLES}
    person = content["frames"][1]["persons"][0]
    assert set(person) == {"instance_id", "name", "joints_3d", "joints_2d", "visible", "bbox_2d", "bbox_3d",
                           "muscles", "pin_weight"}
    assert list(person["joints_3d"]) == JOINTS
    assert set(person["muscles"]) == set(MUSCLES)
    m = person["muscles"]["neck"]
    assert len(m["target"]) == 4 and len(m["actual"]) == 4 and len(m["torque"]) == 3 and m["strength"] == 150.0
    assert m["damping"] == 2.5
    np.testing.assert_allclose(m["target"], take.actors[0].muscle_target[1, 0], atol=1e-6)
    np.testing.assert_allclose(content["frames"][1]["camera"]["K"], take.camera_K[1], atol=1e-6)
    np.testing.assert_allclose(content["frames"][1]["camera"]["world_to_camera"], take.camera_world_to_camera[1], atol=1e-6)


def test_joints_2d_match_independent_projection(take):
    content = build_annotations(take)
    for t, frame in enumerate(content["frames"]):
        for a, person in enumerate(frame["persons"]):
            joints = take.actors[a].joints_3d[t]
            uv, z = _independent_projection(joints, take.camera_K[t], take.camera_world_to_camera[t])
            assert np.all(z > 0)
            got = np.array([person["joints_2d"][n] for n in JOINTS])
            assert np.max(np.abs(got - uv)) < 0.5
            np.testing.assert_allclose([person["joints_3d"][n] for n in JOINTS], joints, atol=1e-6)
            inside = (uv[:, 0] >= -0.5) & (uv[:, 0] < take.width - 0.5) & (uv[:, 1] >= -0.5) & (uv[:, 1] < take.height - 0.5)
            assert [person["visible"][n] for n in JOINTS] == inside.tolist()


def test_visibility_uses_depth_map(take):
    t = 0
    uv, z = _independent_projection(take.actors[0].joints_3d[t], take.camera_K[t], take.camera_world_to_camera[t])
    head = JOINTS.index("head")
    col, row = int(np.floor(uv[head, 0] + 0.5)), int(np.floor(uv[head, 1] + 0.5))
    depth = np.full((take.height, take.width), np.inf, np.float32)
    content = build_annotations(take, {t: depth})
    assert content["frames"][t]["visibility_depth_test"] is True
    assert content["frames"][1]["visibility_depth_test"] is False
    assert content["frames"][t]["persons"][0]["visible"]["head"] is True  # sky never hides
    depth[row, col] = z[head] - VISIBILITY_DEPTH_TOLERANCE_M + 0.01  # body surface just in front: visible
    assert build_annotations(take, {t: depth})["frames"][t]["persons"][0]["visible"]["head"] is True
    depth[row, col] = z[head] - VISIBILITY_DEPTH_TOLERANCE_M - 0.05  # an occluder: hidden
    assert build_annotations(take, {t: depth})["frames"][t]["persons"][0]["visible"]["head"] is False


def test_a_surface_in_front_of_a_joint_hides_it_unless_it_is_the_person_s_own_over_the_joint(take):
    t = 0
    alice = int(take.actors[0].instance_id)
    uv, z = _independent_projection(take.actors[0].joints_3d[t], take.camera_K[t], take.camera_world_to_camera[t])
    head = JOINTS.index("head")
    col, row = int(np.floor(uv[head, 0] + 0.5)), int(np.floor(uv[head, 1] + 0.5))
    depth = np.full((take.height, take.width), np.inf, np.float32)
    instance = np.zeros((take.height, take.width), np.uint16)
    semantic = np.zeros((take.height, take.width), np.uint8)

    def head_visible(with_semantic: bool = True) -> bool:
        frame = build_annotations(take, {t: depth}, {t: instance}, {t: semantic} if with_semantic else None)["frames"][t]
        assert frame["visibility_maps"] == ["depth", "instance"] + (["semantic"] if with_semantic else [])
        return frame["persons"][0]["visible"]["head"]

    depth[row, col] = z[head] - 0.2
    instance[row, col], semantic[row, col] = alice, class_id("Head")  # her own head's surface 20 cm in front
    assert head_visible()
    semantic[row, col] = class_id("LeftHand")  # her own hand in front of her head: hidden
    assert not head_visible() and head_visible(with_semantic=False)
    for other, part in ((alice + 1, "Head"), (0, "Building")):  # another person's, the scenery's, 1 cm in front
        instance[row, col], semantic[row, col] = other, class_id(part)
        depth[row, col] = z[head] - 0.01
        assert not head_visible()
        depth[row, col] = z[head] + 0.01  # behind the joint: hides nothing
        assert head_visible()
    assert build_annotations(take, {t: depth})["frames"][t]["visibility_maps"] == ["depth"]


def test_visibility_in_a_video_written_without_the_maps_uses_them_all(tmp_path):
    """Two people holding hands: a joint whose pixel shows anything but the person's own surface
    over the joint (the other person, the scenery, the person's own body elsewhere) in front of it
    is hidden; the 25 cm tolerance holds for the surface over the joint only. The annotations are
    the same whether or not depth, classgt and instancegt are written."""
    from phav.body.mesh import JOINT_SURFACE_PARTS
    from phav.io.reader import read_video
    from phav.pipeline import generate_video
    from phav.spec import VideoSpec

    spec = VideoSpec(action="SyntheticWalkHoldHands", environment="Plain", camera="Kite", seed=5, frames=60,
                     width=170, height=128).validate()
    only_img = read_video(generate_video(spec, tmp_path / "img", modalities=("img",), quality="preview").path)
    every = read_video(generate_video(spec, tmp_path / "all", quality="preview").path)
    assert only_img.annotations == every.annotations
    hidden_by_other = hidden_by_own_part = 0
    for t, frame in enumerate(every.annotations["frames"]):
        assert frame["visibility_depth_test"] and frame["visibility_maps"] == ["depth", "instance", "semantic"]
        w2c = np.array(frame["camera"]["world_to_camera"])
        for person in frame["persons"]:
            for name, uv in person["joints_2d"].items():
                if uv is None or not (-0.5 <= uv[0] < 169.5 and -0.5 <= uv[1] < 127.5):
                    continue
                z = (w2c @ np.r_[person["joints_3d"][name], 1.0])[2]
                col, row = int(np.floor(uv[0] + 0.5)), int(np.floor(uv[1] + 0.5))
                mine = every.instance[t, row, col] == person["instance_id"]
                over = mine and CLASS_NAMES[every.semantic[t, row, col]] in JOINT_SURFACE_PARTS[name]
                tolerance = 0.0 if not over else (0.04 if name in FACE_POINTS else VISIBILITY_DEPTH_TOLERANCE_M)
                margin = every.depth[t, row, col] - (z - tolerance)
                if abs(margin) > 0.006:  # the depth PNGs hold centimetres: the rule's edge is not decidable from them
                    assert person["visible"][name] == bool(margin >= 0), (t, name)
                in_front = every.depth[t, row, col] < z - 0.006
                hidden_by_other += (not mine) and in_front
                hidden_by_own_part += mine and not over and in_front
    assert hidden_by_other > 0 and hidden_by_own_part > 0  # both parts of the rule were exercised


def test_bboxes_match_projected_mesh_corners(take):
    content = build_annotations(take)
    for t, frame in enumerate(content["frames"]):
        person = frame["persons"][0]  # Alice: parts 1 and 2
        corners = []
        for p in (1, 2):
            mesh = take.meshes[take.part_mesh[p]]
            angle = 2 * np.arctan2(take.part_quat[t, p, 2], take.part_quat[t, p, 3])
            corners.append(mesh.positions @ _rotate_z(angle).T + take.part_pos[t, p])
        corners = np.concatenate(corners)
        np.testing.assert_allclose(person["bbox_3d"]["min"], corners.min(0), atol=1e-5)
        np.testing.assert_allclose(person["bbox_3d"]["max"], corners.max(0), atol=1e-5)
        np.testing.assert_allclose(person["bbox_3d"]["size"], corners.max(0) - corners.min(0), atol=1e-5)
        uv, z = _independent_projection(corners, take.camera_K[t], take.camera_world_to_camera[t])
        assert np.all(z > 0)
        expect = np.concatenate([uv.min(0), uv.max(0)])
        expect = np.clip(expect, -0.5, [take.width - 0.5, take.height - 0.5] * 2)
        np.testing.assert_allclose(person["bbox_2d"], expect, atol=1e-4)


def test_bbox_null_behind_camera_and_clipped_when_straddling():
    take = make_take(frames=2)
    # frame 0: camera looking away from everything; frame 1: camera inside Alice's torso
    take.camera_world_to_camera[0] = camera.look_at([0.0, -3.0, 1.0], [0.0, -10.0, 1.0])
    take.camera_world_to_camera[1] = camera.look_at([0.05, 0.0, 1.25], [0.05, -5.0, 1.25])
    content = build_annotations(take)
    alice0 = content["frames"][0]["persons"][0]
    assert alice0["bbox_2d"] is None
    assert all(v is None for v in alice0["joints_2d"].values()) and not any(alice0["visible"].values())
    box = content["frames"][1]["persons"][0]["bbox_2d"]
    assert box == [-0.5, -0.5, take.width - 0.5, take.height - 0.5]  # surrounds the camera: fills the image


def test_annotations_json_is_deterministic_and_rounded(take, frames):
    depths = [f.depth for f in frames]
    a = annotations.annotations_json(build_annotations(take, depths))
    b = annotations.annotations_json(build_annotations(make_take(), depths))
    assert a == b
    data = json.loads(a)
    assert data["frames"][0]["persons"][1]["name"] == "Bob"
    text = json.dumps(data["frames"][0]["camera"]["K"])
    assert all(len(x.split(".")[1]) <= 6 for x in text.replace("[", "").replace("]", "").split(", ") if "." in x)


def test_builder_text_is_annotations_json_of_build(take, frames):
    """``AnnotationBuilder.text`` (each frame converted once) gives the same text as converting the
    whole of ``build()`` again, with and without depth maps."""
    builder = annotations.AnnotationBuilder(take)
    assert builder.text() == annotations.annotations_json(builder.build())
    for f in frames[::2]:
        builder.add_depth(f.index, f.depth)
    assert builder.text() == annotations.annotations_json(builder.build())


def _walk_take():
    from phav.scenario import Scenario
    from phav.spec import VideoSpec

    return Scenario(VideoSpec(action="Walk", frames=8, width=96, height=72, seed=0).validate()).simulate(
        skin_resolution=0.03)


def test_a_skinned_person_is_posed_as_the_renderer_poses_it():
    """People made by the scenario are skins: their surface is the linear blend skinning of
    phav.take.Skin, computed here the plain way (every vertex, its four bones)."""
    from phav.geometry import quat_to_matrix
    from phav.io.person_geometry import PersonGeometry

    take = _walk_take()
    skin = take.skins[0]
    geometry = PersonGeometry(take, int(take.actors[0].instance_id))
    assert not geometry.empty and geometry.edges.max() < len(skin.mesh.positions)
    for t in (0, 5):
        pose = np.zeros((len(skin.bone_parts), 4, 4))
        pose[:, :3, :3] = quat_to_matrix(take.part_quat[t, skin.bone_parts].astype(np.float64))
        pose[:, :3, 3], pose[:, 3, 3] = take.part_pos[t, skin.bone_parts], 1.0
        bind = np.concatenate([skin.mesh.positions, np.ones((len(skin.mesh.positions), 1))], axis=1)
        per_bone = np.einsum("vkij,vkjl,vl->vki", pose[skin.bones], skin.inverse_bind[skin.bones], bind)
        expected = np.einsum("vk,vki->vi", skin.weights.astype(np.float64), per_bone)[:, :3]
        np.testing.assert_allclose(geometry.world_vertices(take, t), expected, atol=1e-9)


def test_a_skinned_persons_boxes_bound_what_is_rendered():
    """The 2D box holds every pixel centre of the person's instance mask and is less than two pixels
    wider on any side than it (a thin tip can miss every pixel centre); the 3D box holds the joints
    (both were null for skinned people before)."""
    from phav.render.renderer import Renderer
    from phav.render.settings import quality_settings

    take = _walk_take()
    data = build_annotations(take)
    iid = int(take.actors[0].instance_id)
    with Renderer(take.width, take.height, quality_settings("preview")) as renderer:
        for frame in renderer.render_take(take, ("instancegt",)):
            person = data["frames"][frame.index]["persons"][0]
            ys, xs = np.nonzero(frame.instance == iid)
            x0, y0, x1, y1 = person["bbox_2d"]
            assert x0 <= xs.min() and y0 <= ys.min() and x1 >= xs.max() and y1 >= ys.max(), (frame.index, person["bbox_2d"])
            assert x0 > xs.min() - 2 and y0 > ys.min() - 2 and x1 < xs.max() + 2 and y1 < ys.max() + 2
            box = person["bbox_3d"]
            joints = take.actors[0].joints_3d[frame.index]
            assert np.all(joints >= np.array(box["min"]) - 1e-6) and np.all(joints <= np.array(box["max"]) + 1e-6)


def test_a_person_cut_by_the_image_border_gets_the_box_of_the_part_inside():
    """A close-up punch leaves most of the body below and beside the image: the box is the extent
    of the surface inside the view (clipped to it before the extent is taken), within a pixel and a
    half of the instance mask; the whole person's projected box clipped to the image was up to 34
    pixels wider."""
    from phav.render.renderer import Renderer
    from phav.render.settings import quality_settings
    from phav.scenario import Scenario
    from phav.spec import VideoSpec

    spec = VideoSpec(action="Punch", camera="CloseUp", environment="Plain", seed=3, frames=63, width=170, height=128)
    take = Scenario(spec.validate()).simulate(skin_resolution=0.03)
    data = build_annotations(take)
    iid = int(take.actors[0].instance_id)
    cut = 0
    with Renderer(take.width, take.height, quality_settings("preview")) as renderer:
        for frame in renderer.render_take(take, ("instancegt",)):
            x0, y0, x1, y1 = data["frames"][frame.index]["persons"][0]["bbox_2d"]
            ys, xs = np.nonzero(frame.instance == iid)
            assert x0 <= xs.min() and y0 <= ys.min() and x1 >= xs.max() and y1 >= ys.max()
            assert max(xs.min() - x0, ys.min() - y0, x1 - xs.max(), y1 - ys.max()) < 2, frame.index
            cut += bool(ys.max() == take.height - 1 or xs.max() == take.width - 1 or xs.min() == 0)
    assert cut > 30  # the border cuts the person in most frames


def test_a_face_seen_in_profile_shows_its_near_eye_and_ear_and_hides_the_far_ones():
    """Face points lie on the skin, so their depth test tolerates 4 cm, not the joint centres' 25
    cm: in a close-up of a person in profile (the ears' axis along the line of sight) the eye and the
    ear turned to the camera are visible, the far ones, behind the head, hidden. The camera is the
    seed's close-up as drawn (side-on), given as a rig so that it is not moved into Wave's view."""
    from phav.body.skeleton import FACE_POINTS
    from phav.render.renderer import Renderer
    from phav.render.settings import quality_settings
    from phav.api.scene import Scene
    from phav.seeding import video_rng
    from phav.spec import CameraKind, VideoSpec
    from phav.worlds.cameras import sample_rig

    spec = VideoSpec(action="Wave", camera="CloseUp", environment="Plain", seed=2, frames=78, width=340, height=256)
    scene = Scene.from_spec(spec.validate())
    scene.cameras[0] = sample_rig(CameraKind.CLOSE_UP, video_rng(spec.seed, "camera"))
    take = scene.simulate()
    actor = take.actors[0]
    column = {n: actor.joint_names.index(n) for n in FACE_POINTS}
    builder = annotations.AnnotationBuilder(take)
    profiles = 0
    with Renderer(take.width, take.height, quality_settings("preview")) as renderer:
        for frame in renderer.render_take(take, ("depth",)):
            builder.add_depth(frame.index, frame.depth)
            person = builder.frame(frame.index)["persons"][0]
            w2c = take.camera_world_to_camera[frame.index]
            cam = actor.joints_3d[frame.index] @ w2c[:3, :3].T + w2c[:3, 3]
            ears = cam[column["left_ear"]] - cam[column["right_ear"]]
            if abs(ears[2]) < 0.9 * np.linalg.norm(ears):
                continue  # not in profile
            profiles += 1
            near = "left" if ears[2] < 0 else "right"
            far = "right" if near == "left" else "left"
            assert person["visible"][f"{near}_ear"] and person["visible"][f"{near}_eye"], frame.index
            assert not person["visible"][f"{far}_ear"] and not person["visible"][f"{far}_eye"], frame.index
    assert profiles > 20


def test_boxes_are_clipped_at_the_near_plane_the_presets_render_with():
    """Surface between the camera and the renderer's near plane is in no image: no box bounds it."""
    from phav.render.settings import QUALITIES, quality_settings

    assert all(quality_settings(q).near == annotations.BBOX_NEAR_M for q in QUALITIES)
    K = np.array([[100.0, 0, 50], [0, 100.0, 40], [0, 0, 1]])
    planes = annotations.view_planes(K, 100, 80)
    inside = planes @ np.array([0.0, 0.0, annotations.BBOX_NEAR_M + 1e-6, 1.0])
    outside = planes @ np.array([0.0, 0.0, annotations.BBOX_NEAR_M - 1e-6, 1.0])
    assert (inside >= 0).all() and (outside < 0).any()
