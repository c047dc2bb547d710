"""Skinning by a compute shader (``shaders/skin_transform.comp``) where the full-screen passes run
as compute shaders, by transform feedback (``shaders/skin_transform.vert``) otherwise (DESIGN §4).

Oracles: both programs share ``skinning.glsl``, so on one GL implementation they write the same
skinned buffer bit for bit (read back on several frames, with empty skins beside the person), and
that buffer is CPU linear blend skinning to float32 rounding; a renderer on the compute backend
never runs transform feedback and its ground truth equals the fragment backend's exactly.
"""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np
import pytest

from phav.camera import intrinsics, look_at
from phav.render import Renderer
from phav.render.context import default_framebuffer
from phav.render.settings import quality_settings
from phav.render.skinning import SKINNED_VERTEX_WORDS, SkinBuffers, create_skinning, skinning_defines
from phav.render.uniforms import bone_tables, skin_matrices, take_model_views
from phav.take import Mesh, Skin

from render_scenes import box_mesh, make_take, person_take

W, H = 64, 48
GT = ("depth", "flow", "classgt", "instancegt")


def _empty_mesh(name: str) -> Mesh:
    z = np.zeros((0, 3))
    return Mesh(name, z, z, z, np.zeros(0), z)


def _boneless_skin() -> Skin:
    """No bones and no vertices (allowed by ``Take.validate``)."""
    return Skin(_empty_mesh("boneless"), np.zeros(0, dtype=int), np.zeros((0, 4, 4)), np.zeros((0, 4)), np.zeros((0, 4)))


def _take_with_empty_skins(T: int = 4):
    """The person (stepping 0.1 m per frame) between a skin without bones or vertices and a skin
    with vertices and bones but no triangles."""
    take = person_take(W, H, T=T, step=(0.1, 0.0, 0.0))
    person = take.skins[0]
    no_triangles = dataclasses.replace(person, mesh=dataclasses.replace(person.mesh, name="no_triangles",
                                                                       indices=np.zeros((0, 3))))
    take.skins = [_boneless_skin(), person, no_triangles]
    return take.validate()


def _skinned(ctx: moderngl.Context, take, compute: bool, frames) -> list[list[bytes | None]]:
    """Per frame in ``frames``, per skin: the skinned buffer's bytes after :meth:`SkinBuffers.skin`
    (each buffer filled with 0xFF bytes, NaNs, before every skinning, so a vertex left unwritten shows).
    Every frame's bone palettes are uploaded at once, as one window, and each frame selects its own."""
    program = create_skinning(ctx, compute)
    target = ctx.renderbuffer((4, 4))
    fbo = ctx.framebuffer(color_attachments=[target])
    T = take.num_frames
    buffers = SkinBuffers(ctx, take.skins, program, [], frames=T)
    try:
        assert buffers.compute == compute
        views = take_model_views(take)
        for i, skin in enumerate(take.skins):
            m = skin_matrices(skin, views)
            if m.shape[1]:
                buffers.write_bones(i, bone_tables(take, 0, T, m))
        out = []
        for t in frames:
            buffers.select(t)
            skinned = [buffers.skinned_buffer(i) for i in range(len(take.skins))]
            for buffer in skinned:
                if buffer is not None:
                    buffer.write(b"\xff" * buffer.size)
            buffers.skin(fbo)
            out.append([None if buffer is None else buffer.read() for buffer in skinned])
        return out
    finally:
        default_framebuffer(ctx).use()  # fbo must not stay bound once released
        buffers.release()
        for obj in (fbo, target, program):
            obj.release()


def _cpu_skinning(take, t: int) -> np.ndarray:
    """``(N, 4, 3)`` float64: the person's view at t, t+1, t-1 and normal at t, from the same
    float32 bone matrices the GPU gets."""
    skin = take.skins[1]
    m = np.swapaxes(skin_matrices(skin, take_model_views(take)), -1, -2).astype(np.float64)  # (T, B, 4, 4) row-major
    p = np.concatenate([skin.mesh.positions, np.ones((len(skin.mesh.positions), 1))], axis=1)
    out = np.zeros((len(p), 4, 3))
    for slot, frame in enumerate((t, min(t + 1, take.num_frames - 1), max(t - 1, 0))):
        for k in range(4):
            mk = m[frame, skin.bones[:, k]]
            out[:, slot] += skin.weights[:, k:k + 1] * np.einsum("vij,vj->vi", mk, p)[:, :3]
            if slot == 0:
                out[:, 3] += skin.weights[:, k:k + 1] * np.einsum("vij,vj->vi", mk[:, :3, :3], skin.mesh.normals)
    return out


def test_compute_defines_come_from_the_vertex_layout():
    defines = skinning_defines()
    assert defines["SKIN_VERTEX_WORDS"] == 20 and defines["SKINNED_VERTEX_WORDS"] == 12
    assert (defines["IN_POSITION_WORD"], defines["IN_NORMAL_WORD"]) == (0, 3)
    assert (defines["IN_BONES_WORD"], defines["IN_WEIGHTS_WORD"]) == (12, 16)


@pytest.mark.gl
def test_compute_and_transform_feedback_write_the_same_bits(gl_context):
    take = _take_with_empty_skins()
    frames = range(take.num_frames)
    compute = _skinned(gl_context, take, True, frames)
    feedback = _skinned(gl_context, take, False, frames)
    n = len(take.skins[1].mesh.positions)
    for t, (c, f) in enumerate(zip(compute, feedback)):
        assert c[0] is None and f[0] is None and c[2] is None and f[2] is None  # the empty skins
        assert len(c[1]) == len(f[1]) == n * SKINNED_VERTEX_WORDS * 4
        got = np.frombuffer(c[1], dtype=np.float32).reshape(n, 4, 3)
        assert np.isfinite(got).all(), f"frame {t}: vertices left unwritten"
        assert c[1] == f[1], f"frame {t}: {np.count_nonzero(got != np.frombuffer(f[1], np.float32).reshape(n, 4, 3))} " \
                             "floats differ between compute and transform feedback"
        np.testing.assert_allclose(got, _cpu_skinning(take, t), rtol=0, atol=2e-5)
    # The person moves: each frame's buffer is new (t+1 and t-1 really come from other frames).
    assert len({c[1] for c in compute}) == len(compute)


@pytest.mark.gl
def test_a_take_of_empty_skins_only_skins_nothing(gl_context):
    take = _take_with_empty_skins(T=2)
    take.skins = [take.skins[0], take.skins[2]]
    assert _skinned(gl_context, take, True, [0, 1]) == [[None, None]] * 2


def _render(take, backend: str, mods, monkeypatch):
    """Frames of ``take`` on ``backend``, how often transform feedback ran, and per frame whether
    the renderer's skinning went the compute way (:attr:`SkinBuffers.compute` at each call)."""
    feedbacks, paths = [], []
    transform, skin = moderngl.VertexArray.transform, SkinBuffers.skin

    def counting_transform(self, *args, **kwargs):
        feedbacks.append(self)
        return transform(self, *args, **kwargs)

    def recording_skin(self, framebuffer):
        paths.append(self.compute)
        return skin(self, framebuffer)

    monkeypatch.setattr(moderngl.VertexArray, "transform", counting_transform)
    monkeypatch.setattr(SkinBuffers, "skin", recording_skin)
    with Renderer(W, H, quality_settings("preview", post_backend=backend)) as r:
        assert r.post_backend == backend
        frames = list(r.render_take(take, mods))
    monkeypatch.undo()
    assert paths == [backend == "compute"] * take.num_frames
    return frames, len(feedbacks)


@pytest.mark.gl
def test_compute_backend_skins_by_compute_and_draws_the_same_ground_truth(monkeypatch):
    take = _take_with_empty_skins(T=3)
    mods = GT + ("img",)
    compute, compute_feedbacks = _render(take, "compute", mods, monkeypatch)
    fragment, fragment_feedbacks = _render(take, "fragment", mods, monkeypatch)
    assert compute_feedbacks == 0  # no transform feedback: the person's vertices came from the compute pass
    assert fragment_feedbacks == take.num_frames  # one skin with triangles, once per frame
    assert len(compute) == len(fragment) == take.num_frames
    for c, f in zip(compute, fragment):
        assert (f.instance == 1).sum() > 100  # the person is in view
        for name in ("depth", "flow", "flow_valid", "semantic", "instance"):
            assert np.array_equal(getattr(c, name), getattr(f, name)), (f.index, name)
        assert np.abs(c.img.astype(int) - f.img.astype(int)).max() <= 1, f.index


@pytest.mark.gl
def test_a_boneless_skin_changes_no_pixel_on_the_compute_backend(monkeypatch):
    K = intrinsics(W, H, 55.0)
    w2c = look_at(np.array([0.3, -2.6, 1.2]), np.array([0.0, 0.0, 0.4]))
    pos = np.array([[[0.05 * t, 0.0, 0.4]] for t in range(2)])
    quat = np.tile([0.0, 0.0, 0.0, 1.0], (2, 1, 1))
    plain = make_take([box_mesh((0.4, 0.3, 0.25))], pos, quat, w2c, K, W, H)
    boneless = dataclasses.replace(plain, skins=[_boneless_skin()]).validate()
    got, feedbacks = _render(boneless, "compute", GT, monkeypatch)
    want, _ = _render(plain, "compute", GT, monkeypatch)
    assert feedbacks == 0
    assert (want[0].semantic == 30).sum() > 50  # the box shows
    for a, b in zip(got, want):
        for name in ("depth", "flow", "flow_valid", "semantic", "instance"):
            assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), (a.index, name)
