"""Per-frame GPU data uploaded a window of frames at a time (phav.render.frame_window): any window
length gives the same bytes in every modality as one upload per frame, a frame inside its window
uploads nothing, and the window's length respects the take's size and the GL's limits."""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import frame_window
from phav.render import renderer as renderer_module
from phav.render.frame_window import MAX_WINDOW_FRAMES, WINDOW_PART_BYTES, window_length
from phav.render.part_batch import FRAME_ALIGNMENT, PART_BYTES, PartBatch, part_frame_stride
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.render.skinning import SkinBuffers, create_skinning
from phav.render.uniforms import PART_TABLE_COLUMNS
from phav.scenario import Scenario
from phav.spec import VideoSpec

from render_scenes import assert_same_frames, box_mesh, person_take, plane_mesh

pytestmark = pytest.mark.gl

W, H = 96, 72


@pytest.fixture(scope="module")
def walk_take():
    """The benchmarks' Walk: a person's skin (bone palettes), the skeleton's parts (part tables) and
    the tiled ground (view culling reads the part table), with the camera turned 25 degrees about
    the vertical more at every frame, so that each frame's blocks, tables and culled cells differ."""
    take = Scenario(VideoSpec(action="Walk", frames=5, width=W, height=H, seed=0).validate()).simulate()
    turned = np.array(take.camera_world_to_camera, dtype=np.float64)
    for t in range(take.num_frames):
        a = np.radians(25.0 * t)
        turn = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
        camera_to_world = np.linalg.inv(turned[t])
        camera_to_world[:3, :3] = turn @ camera_to_world[:3, :3]
        turned[t] = np.linalg.inv(camera_to_world)
    return dataclasses.replace(take, camera_world_to_camera=turned.astype(take.camera_world_to_camera.dtype)).validate()


def _render(take, settings, window: int, monkeypatch) -> list:
    monkeypatch.setattr(frame_window, "MAX_WINDOW_FRAMES", window)
    with Renderer(W, H, settings) as r:
        rendered = r.render_take(take, MODALITIES)
        first = next(rendered)
        assert r._take.window.length == min(window, take.num_frames)
        return [first, *rendered]


@pytest.mark.parametrize("backend", ["fragment", "compute"])  # transform-feedback or compute skinning
@pytest.mark.parametrize("chunk", [None, 4])  # the parts in one block, or in several chunks a frame
def test_any_window_gives_the_bytes_of_one_upload_per_frame(walk_take, backend, chunk, monkeypatch):
    if chunk is not None:
        monkeypatch.setattr(renderer_module, "parts_per_chunk", lambda ctx, n=chunk: n)
    settings = dataclasses.replace(quality_settings("phav"), post_backend=backend)
    per_frame = _render(walk_take, settings, 1, monkeypatch)  # a window of one frame: every frame uploads
    for window in (2, MAX_WINDOW_FRAMES):  # windows that roll over (and orphan), the whole take
        assert_same_frames(_render(walk_take, settings, window, monkeypatch), per_frame)


class UploadCounter:
    """Counts ``Buffer.write``, ``Buffer.orphan`` and ``Texture.write`` calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.calls = 0
        for cls, name in ((moderngl.Buffer, "write"), (moderngl.Buffer, "orphan"), (moderngl.Texture, "write")):
            original = getattr(cls, name)

            def counted(obj, *args, _original=original, **kwargs):
                self.calls += 1
                return _original(obj, *args, **kwargs)

            monkeypatch.setattr(cls, name, counted)


def test_frames_inside_a_window_upload_nothing(monkeypatch):
    """The uploads of a take grow with its windows, not with its frames: with bones, one write of
    frame blocks, one of part tables and one of bone palettes a window (plus the orphans of the
    buffers written before)."""
    counts = {}
    with Renderer(W, H, quality_settings("preview")) as r:
        for frames, window in ((2, 1024), (6, 1024), (6, 2)):
            take = Scenario(VideoSpec(action="Walk", frames=frames, width=W, height=H, seed=0).validate()).simulate()
            skins = sum(len(skin.bone_parts) > 0 for skin in take.skins)
            monkeypatch.setattr(frame_window, "MAX_WINDOW_FRAMES", window)
            counter = UploadCounter(monkeypatch)
            for _ in r.render_take(take, ("img",)):
                pass
            counts[frames, window] = counter.calls
            monkeypatch.undo()
    assert counts[2, 1024] == counts[6, 1024]
    assert skins >= 1
    windows = 3
    assert counts[6, 2] - counts[6, 1024] == (windows - 1) * (2 + skins) + (windows - 1) * 2  # writes, orphans


def test_window_length_respects_the_take_and_the_limits():
    stride = part_frame_stride(20, 409, 256)
    assert stride % FRAME_ALIGNMENT == 0 and stride >= 20 * PART_BYTES
    assert window_length(150, 20, 409, 256, [19], 16384) == 150  # a PHAV-length take: one window
    assert window_length(0, 20, 409, 256, [19], 16384) == 1
    assert window_length(10**6, 20, 409, 256, [], 16384) == MAX_WINDOW_FRAMES
    assert window_length(500, 20, 409, 256, [19, 64], 16384) == 16384 // 64  # the tallest bone table
    many = 20000  # parts: 49 chunks of 409 a frame
    n = window_length(500, many, 409, 256, [], 16384)
    assert n == WINDOW_PART_BYTES // part_frame_stride(many, 409, 256) and 1 <= n < 500


def test_frame_strides_hold_every_chunk_of_a_frame():
    """A frame's chunks lie a uniform alignment apart; its last chunk only as long as its parts'
    rows; frames a multiple of 256 bytes apart."""
    assert part_frame_stride(1, 409, 256) == 256
    assert part_frame_stride(409, 409, 256) == 65536  # 65,440 bytes of rows
    assert part_frame_stride(410, 409, 256) == 65536 + 256
    assert part_frame_stride(0, 409, 16) == 256  # no parts: one row of zeros


def test_part_and_bone_windows_reject_what_does_not_fit(gl_context):
    batch = PartBatch(gl_context, [plane_mesh(), box_mesh()], [0, 1, 1], [], 2, frames=3)
    try:
        with pytest.raises(ValueError, match="do not fit a window of 3 frames of 3 parts"):
            batch.write(np.zeros((4, 3, PART_TABLE_COLUMNS, 4), dtype=np.float32))
        with pytest.raises(ValueError, match="do not fit"):
            batch.write(np.zeros((2, 2, PART_TABLE_COLUMNS, 4), dtype=np.float32))
        with pytest.raises(IndexError, match="frame slot 3 outside a window of 3 frames"):
            batch.select(3)
        batch.write(np.ones((2, 3, PART_TABLE_COLUMNS, 4), dtype=np.float32))
        batch.select(1)
        assert batch.frame_offset == batch.frame_stride  # chunk 0 of slot 1
    finally:
        batch.release()
    take = person_take(W, H, T=1)
    program = create_skinning(gl_context, compute=False)
    try:
        limit = int(gl_context.info["GL_MAX_TEXTURE_SIZE"])
        bones = len(take.skins[0].bone_parts)
        with pytest.raises(ValueError, match="exceed GL_MAX_TEXTURE_SIZE"):
            SkinBuffers(gl_context, take.skins, program, [], frames=limit // bones + 1)
    finally:
        program.release()


def test_a_frame_outside_the_take_is_refused(walk_take):
    with Renderer(W, H, quality_settings("preview")) as r:
        frames = r.render_take(walk_take, ("depth",))
        next(frames)
        with pytest.raises(IndexError, match="frame 5 outside a take of 5 frames"):
            r._take.window.use(5)
        frames.close()
