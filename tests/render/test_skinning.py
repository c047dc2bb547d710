"""Skinned meshes: linear blend skinning on the GPU with bone matrices at t-1, t, t+1 (DESIGN §4).

Oracles: a single-bone skin renders exactly like the rigid part it follows; a deforming two-bone
sheet has the forward flow of CPU linear blend skinning at every visible vertex; ground truth is
identical under every quality preset.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from phav.camera import intrinsics, look_at, project
from phav.geometry import pose_matrix, quat_from_axis_angle
from phav.render import Renderer
from phav.render.settings import QUALITIES, quality_settings
from phav.take import Mesh, Skin

from render_scenes import SKY_CLASS, assert_same_frames, box_mesh, make_take

pytestmark = pytest.mark.gl

W, H = 96, 72
GT = ("depth", "flow", "classgt", "instancegt")


def _render(take, settings=None, mods=GT):
    with Renderer(W, H, settings or quality_settings("preview")) as r:
        return list(r.render_take(take, mods))


def _empty(name="bone") -> Mesh:
    z = np.zeros((0, 3))
    return Mesh(name, z, z, z, np.zeros(0), z)


def _sheet(n: int = 40, size: float = 1.6) -> Mesh:
    """A square sheet in the world XZ plane (normal -y, towards the camera), n x n quads."""
    s = np.linspace(-size / 2, size / 2, n + 1)
    x, z = np.meshgrid(s, s, indexing="ij")
    pos = np.stack([x.ravel(), np.zeros(x.size), z.ravel() + 0.8], axis=1)
    idx = np.arange(x.size).reshape(n + 1, n + 1)
    a, b, c, d = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel(), idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    tris = np.concatenate([np.stack([a, c, b], 1), np.stack([a, d, c], 1)])
    return Mesh("sheet", pos, np.tile((0, -1.0, 0), (len(pos), 1)), np.tile((0.7, 0.5, 0.4), (len(pos), 1)),
                np.full(len(pos), 43), tris)


def _two_bone_take(T: int = 3):
    """Bone 0 fixed, bone 1 (at x = 0) turning about y and moving; weights blend across x in [-0.3, 0.3]."""
    mesh = _sheet()
    K = intrinsics(W, H, 60.0)
    w2c = look_at(np.array([0.2, -3.0, 1.0]), np.array([0.0, 0.0, 0.8]))
    pos = np.zeros((T, 3, 3))
    quat = np.zeros((T, 3, 4))
    quat[..., 3] = 1.0
    for t in range(T):
        pos[t, 1] = (0.0, 0.0, 0.8)
        pos[t, 2] = (0.05 * t, -0.04 * t, 0.8 + 0.03 * t)
        quat[t, 2] = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), np.array(0.15 * t))
    take = make_take([box_mesh((0.01, 0.01, 0.01)), _empty(), _empty("bone1")], pos, quat, w2c, K, W, H,
                     instance_ids=[0, 7, 7])
    take.part_pos[:, 0] = (0.0, 50.0, 0.0)  # the tiny box stays out of view
    u = np.clip((mesh.positions[:, 0] + 0.3) / 0.6, 0.0, 1.0)
    weights = np.stack([1.0 - u, u, np.zeros_like(u), np.zeros_like(u)], axis=1)
    bones = np.tile([0, 1, 0, 0], (len(u), 1))
    inverse_bind = np.stack([np.linalg.inv(pose_matrix(take.part_pos[0, k], take.part_quat[0, k])) for k in (1, 2)])
    take.skins = [Skin(mesh, [1, 2], inverse_bind, bones, weights)]
    return take.validate(), K, w2c


def _lbs(take, t: int) -> np.ndarray:
    skin = take.skins[0]
    m = [pose_matrix(take.part_pos[t, p], take.part_quat[t, p]) @ ib for p, ib in zip(skin.bone_parts, skin.inverse_bind)]
    p = np.concatenate([skin.mesh.positions, np.ones((len(skin.mesh.positions), 1))], axis=1)
    out = np.zeros((len(p), 3))
    for k in range(4):
        mk = np.stack(m)[skin.bones[:, k]]
        out += skin.weights[:, k:k + 1] * np.einsum("vij,vj->vi", mk, p)[:, :3]
    return out


def test_deforming_skin_flow_matches_cpu_linear_blend_skinning():
    take, K, w2c = _two_bone_take()
    frames = _render(take)
    for t in range(2):
        p0 = project(_lbs(take, t), K, w2c)[0]
        p1 = project(_lbs(take, t + 1), K, w2c)[0]
        px = np.round(p0).astype(int)
        inside = (px[:, 0] >= 0) & (px[:, 0] < W) & (px[:, 1] >= 0) & (px[:, 1] < H)
        f = frames[t]
        ok = inside.copy()
        ok[inside] = f.flow_valid[px[inside, 1], px[inside, 0]]
        assert ok.sum() > 200
        got = f.flow[px[ok, 1], px[ok, 0]]
        want = p1[ok] - p0[ok]
        # The sampled pixel centre lies within half a pixel of the vertex; the flow field is smooth.
        assert np.percentile(np.abs(got - want), 95) < 0.15
        assert np.abs(want).max() > 2.0  # the sheet really deforms and moves
        assert set(np.unique(f.instance)) == {0, 7}
        assert set(np.unique(f.semantic)) == {1, 43}


def test_single_bone_skin_renders_like_the_rigid_part():
    box = box_mesh((0.4, 0.3, 0.25))
    K = intrinsics(W, H, 55.0)
    w2c = look_at(np.array([0.3, -2.6, 1.2]), np.array([0.0, 0.0, 0.4]))
    axis = np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])
    pos = np.array([[[0.05 * t, 0.03 * t, 0.4 + 0.02 * t]] for t in range(3)])
    quat = np.array([[quat_from_axis_angle(axis, np.array(0.3 + 0.06 * t))] for t in range(3)])
    rigid = make_take([box], pos, quat, w2c, K, W, H)
    skinned = make_take([_empty()], pos, quat, w2c, K, W, H)
    bind = pose_matrix(np.array([1.0, 2.0, 3.0]), quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), np.array(0.7)))
    world_box = dataclasses.replace(box, positions=box.positions @ bind[:3, :3].T + bind[:3, 3],
                                    normals=box.normals @ bind[:3, :3].T)
    n = len(box.positions)
    skinned.skins = [Skin(world_box, [0], np.linalg.inv(bind)[None], np.zeros((n, 4)), np.tile([1.0, 0, 0, 0], (n, 1)))]
    a, b = _render(rigid), _render(skinned)
    for fa, fb in zip(a, b):
        np.testing.assert_array_equal(fa.semantic, fb.semantic)
        np.testing.assert_array_equal(fa.instance, fb.instance)
        np.testing.assert_allclose(fa.depth, fb.depth, rtol=1e-4)
        np.testing.assert_allclose(fa.flow, fb.flow, atol=2e-3)
        np.testing.assert_array_equal(fa.flow_valid, fb.flow_valid)


def test_a_skin_without_bones_renders_nothing_and_changes_no_pixel():
    """A skin with no bones and no vertices (allowed by Take.validate) next to a box: every
    modality, shadows on, equals the take without it byte for byte (it used to fail writing an
    empty bone table into its one-row texture)."""
    K = intrinsics(W, H, 55.0)
    w2c = look_at(np.array([0.3, -2.6, 1.2]), np.array([0.0, 0.0, 0.4]))
    pos = np.array([[[0.05 * t, 0.0, 0.4]] for t in range(2)])
    quat = np.tile([0.0, 0.0, 0.0, 1.0], (2, 1, 1))
    plain = make_take([box_mesh((0.4, 0.3, 0.25))], pos, quat, w2c, K, W, H)
    boneless = dataclasses.replace(plain, skins=[Skin(_empty("skin"), np.zeros(0, dtype=int), np.zeros((0, 4, 4)),
                                                      np.zeros((0, 4)), np.zeros((0, 4)))]).validate()
    settings = quality_settings("preview", shadows=True)
    mods = GT + ("raw", "img")
    got, want = _render(boneless, settings, mods), _render(plain, settings, mods)
    assert len(got) == len(want) == 2
    assert_same_frames(got, want)


def test_ground_truth_identical_under_every_quality_preset():
    take, _, _ = _two_bone_take()
    results = [_render(take, quality_settings(q), GT + ("img",)) for q in QUALITIES]
    for other in results[1:]:
        for fa, fb in zip(results[0], other):
            np.testing.assert_array_equal(fa.depth, fb.depth)
            np.testing.assert_array_equal(fa.flow, fb.flow)
            np.testing.assert_array_equal(fa.flow_valid, fb.flow_valid)
            np.testing.assert_array_equal(fa.semantic, fb.semantic)
            np.testing.assert_array_equal(fa.instance, fb.instance)


def test_skin_survives_a_take_round_trip(tmp_path):
    take, _, _ = _two_bone_take()
    take.skins.append(dataclasses.replace(take.skins[0], closed=True))
    take.save(tmp_path / "t.npz")
    back = type(take).load(tmp_path / "t.npz")
    assert len(back.skins) == 2 and [s.closed for s in back.skins] == [False, True]
    for f in ("bone_parts", "inverse_bind", "bones", "weights"):
        np.testing.assert_array_equal(getattr(back.skins[0], f), getattr(take.skins[0], f))
    np.testing.assert_array_equal(back.skins[0].mesh.positions, take.skins[0].mesh.positions)
    # A take written before skins had closed marks loads with both sides of every skin drawn.
    with np.load(tmp_path / "t.npz") as data:
        arrays = dict(data)
    header = json.loads(str(arrays["header"]))
    del header["skin_closed"]
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "old.npz", **arrays)
    assert [s.closed for s in type(take).load(tmp_path / "old.npz").skins] == [False, False]


def _box_skin_take(eye, closed: bool):
    """A single-bone skin shaped as a box (0.8 x 0.6 x 0.5 m, CCW from outside) seen from ``eye``."""
    box = box_mesh((0.4, 0.3, 0.25))
    K = intrinsics(W, H, 70.0)
    w2c = look_at(np.array(eye, dtype=float), np.array([0.0, 0.0, 0.4]) if eye[2] != 0.4 else np.array([0.0, 1.0, 0.4]))
    pos = np.array([[[0.02 * t, 0.0, 0.4]] for t in range(2)])
    quat = np.tile([0.0, 0.0, 0.0, 1.0], (2, 1, 1))
    take = make_take([_empty()], pos, quat, w2c, K, W, H)
    world_box = dataclasses.replace(box, positions=box.positions + pos[0, 0])
    n = len(box.positions)
    inverse_bind = np.linalg.inv(pose_matrix(pos[0, 0], quat[0, 0]))[None]
    take.skins = [Skin(world_box, [0], inverse_bind, np.zeros((n, 4)), np.tile([1.0, 0, 0, 0], (n, 1)), closed=closed)]
    return take.validate()


@pytest.mark.parametrize("quality", ["preview", "phav"])
def test_closed_skins_back_faces_are_culled_and_nothing_else_changes(quality):
    """From outside a closed skin its back faces are hidden: every modality is byte for byte the
    same with and without culling them. From inside it, culling leaves only the sky, while an open
    skin (closed=False) or cull_skin_back_faces=False draws its inside."""
    mods = GT + ("raw", "img")
    outside = _box_skin_take((0.3, -2.6, 1.2), closed=True)
    culled = _render(outside, quality_settings(quality), mods)
    kept = _render(outside, quality_settings(quality, cull_skin_back_faces=False), mods)
    assert (culled[0].semantic == 30).sum() > 150  # the box is in view
    assert_same_frames(culled, kept)
    eye = (0.02, 0.0, 0.4)  # the box's centre at frame 0
    sky = _render(_box_skin_take(eye, closed=True), quality_settings(quality), GT)[0]
    assert (sky.semantic == SKY_CLASS).all() and np.isinf(sky.depth).all()
    for take, settings in ((_box_skin_take(eye, closed=False), quality_settings(quality)),
                           (_box_skin_take(eye, closed=True), quality_settings(quality, cull_skin_back_faces=False))):
        inside = _render(take, settings, GT)[0]
        assert (inside.semantic == 30).all() and (inside.depth < 0.5).all()
    # A closed skin inside an open one, in either draw order: the closed one's inside is culled,
    # the open one's drawn (culling neither, both or the second one too would show 30 or sky).
    closed, open_ = _box_skin_take(eye, closed=True), _box_skin_take(eye, closed=False)
    centre = np.array([0.0, 0.0, 0.4])  # the boxes' centre at bind (frame 0); the eye is inside both
    inner = dataclasses.replace(closed.skins[0], mesh=dataclasses.replace(
        closed.skins[0].mesh, positions=(closed.skins[0].mesh.positions - centre) * 0.6 + centre))
    outer = dataclasses.replace(open_.skins[0], mesh=dataclasses.replace(
        open_.skins[0].mesh, semantic=np.full(len(open_.skins[0].mesh.positions), 43)))
    for skins in ([inner, outer], [outer, inner]):
        both = _render(dataclasses.replace(closed, skins=skins).validate(), quality_settings(quality), GT)[0]
        assert (both.semantic == 43).all(), [s.closed for s in skins]


def test_coarse_skin_is_coarser_and_its_ground_truth_is_exact_for_it():
    """People meshed at the coarser opt-in grid (``RenderSettings(skin_resolution=PREVIEW_RESOLUTION)``,
    built by the scenario into the take): the renderer's ground truth is still identical under
    every preset for that take, and it differs from the default skin's only by the coarser
    surface (same silhouette to a few pixels, same depth to a couple of centimetres)."""
    from render_scenes import person_take

    from phav.body.skin import PREVIEW_RESOLUTION

    coarse = person_take(W, H, skin_resolution=PREVIEW_RESOLUTION)
    fine = person_take(W, H)
    assert len(coarse.skins[0].mesh.indices) < 0.6 * len(fine.skins[0].mesh.indices)
    a = _render(coarse, quality_settings("preview"))[1]
    b = _render(coarse, quality_settings("phav"))[1]
    for field in ("depth", "flow", "flow_valid", "semantic", "instance"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    c = _render(fine, quality_settings("preview"))[1]
    person_a, person_c = a.instance == 1, c.instance == 1
    assert (person_a & person_c).sum() / (person_a | person_c).sum() > 0.85
    both = person_a & person_c
    assert np.median(np.abs(a.depth[both] - c.depth[both])) < 0.02


def test_every_preset_meshes_people_alike_so_ground_truth_does_not_depend_on_quality():
    """A spec's depth, flow, semantic and instance images must not change with ``--quality``: the
    presets differ in shading only, never in the people's mesh."""
    from phav.body.skin import DEFAULT_RESOLUTION
    from phav.render.settings import QUALITIES

    assert {quality_settings(q).skin_resolution for q in QUALITIES} == {DEFAULT_RESOLUTION}
