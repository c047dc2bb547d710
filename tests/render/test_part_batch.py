"""Rigid parts drawn in batches (phav.render.part_batch): the same frames as one draw per part, a
number of draws that does not grow with the number of parts, masks that draw exactly the marked
parts, and GL objects released."""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render import renderer as renderer_module
from phav.render.mesh_programs import GBUFFER
from phav.render.meshes import SKIN_ATTRIBUTES, SKIN_DTYPE, VERTEX_ATTRIBUTES, VERTEX_DTYPE, interleave, word_columns
from phav.render.part_batch import PartBatch, parts_per_chunk
from phav.render.settings import quality_settings
from phav.render.uniforms import PART_TABLE_COLUMNS, part_table, take_model_views
from phav.take import Mesh

from render_scenes import assert_same_frames, box_mesh, default_camera, make_take, plane_mesh

W, H = 96, 72


def empty_mesh(name: str = "bone") -> Mesh:
    """A part without triangles (as a skinned person's bone parts)."""
    return Mesh(name, np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros((0, 3)))


def boxes_take(n: int, T: int = 3, ties: bool = True):
    """The ground, then ``n`` boxes in a row sharing one mesh, every other part moving, with an
    empty part after every third box; with ``ties``, boxes ``2k`` and ``2k+1`` start at the same
    place (coplanar faces: depth-test ties, which the first drawn wins)."""
    box = box_mesh(half=(0.2, 0.2, 0.2), color=(0.7, 0.4, 0.2), semantic=30)
    meshes, part_mesh, pos = [plane_mesh(), box, empty_mesh()], [0], [np.zeros(3)]
    for i in range(n):
        part_mesh.append(1)
        slot = i // 2 if ties else i
        pos.append(np.array([-2.0 + 4.0 * slot / max(n // 2 if ties else n, 1), 0.0, 0.2 + 0.1 * (slot % 3)]))
        if i % 3 == 2:
            part_mesh.append(2)
            pos.append(np.zeros(3))
    P = len(part_mesh)
    positions = np.repeat(np.array(pos)[None], T, axis=0)
    positions[:, 2::2, 0] += 0.05 * np.arange(T)[:, None]  # some parts move
    quats = np.tile([0.0, 0.0, 0.0, 1.0], (T, P, 1))
    K, w2c = default_camera(W, H, eye=(0.5, -5.0, 2.0))
    take = make_take([meshes[m] for m in part_mesh], positions, quats, w2c, K, W, H,
                     instance_ids=[0] + list(range(1, P)))
    return dataclasses.replace(take, meshes=meshes, part_mesh=np.array(part_mesh, dtype=np.int32)).validate()


def frames(take, quality: str, modalities=MODALITIES) -> list:
    with Renderer(W, H, quality_settings(quality)) as r:
        return list(r.render_take(take, modalities))


class DrawCounter:
    """Counts ``VertexArray.render`` calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.calls = 0
        original = moderngl.VertexArray.render

        def render(vao, *args, **kwargs):
            self.calls += 1
            return original(vao, *args, **kwargs)

        monkeypatch.setattr(moderngl.VertexArray, "render", render)


@pytest.mark.parametrize("quality", ["preview", "phav"])
def test_frames_equal_one_draw_per_part(gl_context, monkeypatch, quality):
    """One part per chunk draws (and binds) every part on its own, as before batching: the frames
    are the same bytes, whatever the chunk size."""
    take = boxes_take(10)
    batched = frames(take, quality)
    for chunk in (1, 4):
        monkeypatch.setattr(renderer_module, "parts_per_chunk", lambda ctx, n=chunk: n)
        assert_same_frames(frames(take, quality), batched)


@pytest.mark.parametrize("quality", ["preview", "phav"])
def test_draw_calls_do_not_grow_with_static_parts(gl_context, monkeypatch, quality):
    counts = {}
    for n in (2, 24):
        take = boxes_take(n, T=2)
        take = dataclasses.replace(take, part_pos=np.repeat(take.part_pos[:1], 2, axis=0)).validate()  # static
        counter = DrawCounter(monkeypatch)
        frames(take, quality)
        counts[n] = counter.calls
    assert counts[24] == counts[2], counts


def test_masks_draw_exactly_the_marked_parts(gl_context, monkeypatch):
    """The ground-truth pass drawn with a mask: the instance ids seen are exactly the marked boxes."""
    take = boxes_take(6, T=1, ties=False)
    drawn_boxes = np.flatnonzero(take.part_mesh == 1)
    every = frames(take, "preview", ("instancegt",))[0].instance
    assert set(np.unique(every)) == {0, *take.part_instance[drawn_boxes].tolist()}  # each box seen
    mask = np.zeros(take.num_parts, dtype=bool)
    mask[drawn_boxes[::2]] = True
    mask[0] = True
    original = Renderer._draw_parts

    def masked(self, program_number, parts=None, skins=None):
        return original(self, program_number, mask if parts is None else parts, skins)

    monkeypatch.setattr(Renderer, "_draw_parts", masked)
    seen = set(np.unique(frames(take, "preview", ("instancegt",))[0].instance).tolist())
    assert seen == {0, *take.part_instance[drawn_boxes[::2]].tolist()}


def test_runs_cover_the_marked_parts_in_order(gl_context):
    rng = np.random.default_rng(0)
    meshes = [box_mesh(), empty_mesh(), plane_mesh()]
    part_mesh = rng.integers(0, 3, 40).tolist()
    programs = []  # runs need no vertex arrays
    for chunk in (3, 7, 315):
        batch = PartBatch(gl_context, meshes, part_mesh, programs, chunk)
        try:
            assert batch.chunks == -(-40 // chunk)
            for _ in range(20):
                mask = rng.random(40) < 0.6
                runs = batch.runs(mask)
                covered = [i for c, first, count in runs for i in range(first, first + count)]
                want = [i for p in range(40) if mask[p] for i in range(batch.first[p], batch.first[p] + batch.count[p])]
                assert covered == want  # the marked parts' triangles, in part order, nothing else
                for c, first, count in runs:
                    parts = [p for p in range(40) if batch.count[p] and first <= batch.first[p] < first + count]
                    assert all(p // chunk == c for p in parts)  # a run stays in its chunk
            assert len(batch.runs()) == (len({p // chunk for p in range(40) if part_mesh[p] != 1}))
        finally:
            batch.release()


def test_cached_runs_and_index_ranges_cannot_be_changed_by_a_caller(gl_context):
    """Every part's runs are made once and handed out again: a caller cannot change them (nor the
    index ranges they are made from) for the next frame."""
    batch = PartBatch(gl_context, [box_mesh(), empty_mesh(), plane_mesh()], [0, 1, 2, 0], [], 315)
    try:
        runs = batch.runs()
        assert batch.runs() is runs and runs == ((0, 0, 36 + 6 + 36),)  # one run: the empty part breaks none
        with pytest.raises((TypeError, AttributeError)):
            runs[0] = (0, 0, 0)  # type: ignore[index]
        with pytest.raises((TypeError, AttributeError)):
            runs.append((0, 0, 0))  # type: ignore[attr-defined]
        for array in (batch.first, batch.count):
            with pytest.raises(ValueError, match="read-only"):
                array[0] = 5
        assert batch.runs(np.zeros(4, dtype=bool)) == ()
    finally:
        batch.release()


def test_runs_of_a_mask_are_kept_for_the_last_masks_and_made_again_after(gl_context):
    from phav.render.part_batch import MASK_RUNS_KEPT

    batch = PartBatch(gl_context, [box_mesh(), empty_mesh(), plane_mesh()], [0, 1, 2, 0] * 5, [], 315)
    try:
        masks = [np.array([(k >> bit) & 1 for bit in range(20)], dtype=bool) for k in range(1, MASK_RUNS_KEPT + 3)]
        first = batch.runs(masks[0])
        assert batch.runs(masks[0].copy()) is first  # kept: the same mask is not worked out again
        made = [batch.runs(m) for m in masks]
        assert len(batch._mask_runs) <= MASK_RUNS_KEPT + 1  # bounded (the oldest dropped)
        fresh = PartBatch(gl_context, [box_mesh(), empty_mesh(), plane_mesh()], [0, 1, 2, 0] * 5, [], 315)
        try:
            assert [fresh._runs(m) for m in masks] == made == [batch.runs(m) for m in masks]
        finally:
            fresh.release()
    finally:
        batch.release()


def test_part_batch_releases_its_gl_objects(gl_context):
    take = boxes_take(4, T=1)
    with Renderer(W, H, quality_settings("preview")) as r:
        prog = r._programs.rigid[GBUFFER]
        batch = PartBatch(gl_context, take.meshes, take.part_mesh.tolist(), [prog], parts_per_chunk(gl_context))
        vao, buffer = batch.vertex_array(0), batch.buffer
        batch.release()
        batch.release()  # idempotent
        assert type(vao.mglo).__name__ == "InvalidObject" and type(buffer.mglo).__name__ == "InvalidObject"
        assert batch.vertex_array(0) is None
        list(r.render_take(take, ("img",)))
        assert r._take.parts is None and r._take.part_tables is None  # released once the take is rendered


def test_interleaved_vertices_hold_every_attribute_of_their_mesh():
    from render_scenes import person_take

    box = box_mesh(semantic=31)
    rough = dataclasses.replace(box, material=np.tile(np.float32([0.3, 0.9]), (len(box.positions), 1)))
    for mesh, material in ((box, [0.8, 0.0]), (rough, [0.3, 0.9])):
        v = interleave(mesh)
        assert v.dtype == VERTEX_DTYPE and v.shape == (len(mesh.positions),)
        for name, want in (("in_position", mesh.positions), ("in_normal", mesh.normals), ("in_color", mesh.colors)):
            assert np.array_equal(v[name], want), name
        assert np.array_equal(v["in_semantic"][:, 0], mesh.semantic.astype(np.uint32))
        assert np.array_equal(v["in_material"], np.broadcast_to(np.float32(material), (len(mesh.positions), 2)))
    (skin,) = person_take(W, H, T=1).skins
    v = interleave(skin.mesh, skin)
    assert v.dtype == SKIN_DTYPE and np.array_equal(v["in_position"], skin.mesh.positions)
    assert np.array_equal(v["in_bones"], skin.bones.astype(np.uint32)) and np.array_equal(v["in_weights"], skin.weights)


@pytest.mark.parametrize("layout", ["vertex", "skin", "reordered"])
def test_word_columns_address_the_fields_of_the_layouts_dtype(layout):
    """The columns fill_vertices writes come from the layout: written through them, each
    attribute reads back from its field of the structured dtype, in any attribute order."""
    attributes = {"vertex": VERTEX_ATTRIBUTES, "skin": SKIN_ATTRIBUTES,
                  "reordered": SKIN_ATTRIBUTES[::-1][2:] + SKIN_ATTRIBUTES[-2:][::-1]}[layout]
    dtype = np.dtype([(name, dt, (n,)) for name, _, dt, n in attributes])
    columns = word_columns(attributes)
    assert [name for name, *_ in columns] == [name for name, *_ in attributes]
    words = np.zeros((5, dtype.itemsize // 4), dtype=np.float32)
    wants = {}
    for k, (name, column, unsigned) in enumerate(columns):
        n = dtype[name].shape[0]
        want = (np.arange(5 * n).reshape(5, n) + 100 * k).astype(np.uint32 if unsigned else np.float32)
        (words.view(np.uint32) if unsigned else words)[:, column] = want[:, 0] if n == 1 else want
        wants[name] = want
    vertices = words.view(dtype).reshape(-1)
    for name, want in wants.items():
        assert vertices[name].dtype == want.dtype and np.array_equal(vertices[name], want), name
    with pytest.raises(ValueError, match="4-byte components"):
        word_columns((("in_half", "2f2", "<f2", 2),))


def test_part_table_holds_the_top_rows_of_rigid_model_views():
    """The shader rebuilds each model-view from three rows and (0, 0, 0, 1): exact for rigid parts."""
    take = boxes_take(5)
    table = part_table(take, 1)
    mv = take_model_views(take)[[1, 2, 0]]  # (3, P, 4, 4): t, t+1, t-1
    assert table.shape == (take.num_parts, PART_TABLE_COLUMNS, 4) and table.dtype == np.float32
    for k in range(3):
        rebuilt = np.concatenate([table[:, 3 * k:3 * k + 3], np.tile([[[0, 0, 0, 1]]], (take.num_parts, 1, 1))], axis=1)
        assert np.array_equal(rebuilt, mv[k].astype(np.float32))
        assert np.array_equal(mv[k][:, 3], np.tile([0.0, 0.0, 0.0, 1.0], (take.num_parts, 1)))
    assert np.array_equal(table[:, 9, 0], take.part_instance.astype(np.float32))
