"""A take's per-frame GPU data uploaded a window of frames at a time.

Every frame's passes read three kinds of per-frame data: the ``FrameData`` block (cameras, sun,
sky; :func:`phav.render.uniforms.frame_blocks`), the part table (every rigid part's model-views;
:class:`phav.render.uniforms.PartTables`) and each skin's bone palette
(:func:`phav.render.uniforms.bone_tables`). They are computed once per take on the CPU. Instead of
one buffer and texture write of each a frame, :class:`FrameWindow` writes them for a *window* of
frames at once (the whole take, unless it is very long or has very many parts or bones) and a frame
then only binds its *slot*: the frame block's range, the part table's range
(:meth:`phav.render.part_batch.PartBatch.select`) and the first row of its bone palettes
(:meth:`phav.render.skinning.SkinBuffers.select`). The data, and so every image, are the same bytes
as frame-by-frame uploads; what a frame saves is the uploads' driver calls and the Python around
them.

Windows start at multiples of the window's length; a frame outside the current window uploads its
window first: the part and frame-block buffers are orphaned (frames still in flight keep reading
their earlier contents), the bone textures are written over (the driver waits for, or copies
around, the skinning of frames in flight).
"""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.render.part_batch import FRAME_ALIGNMENT, PartBatch, part_frame_stride, uniform_alignment
from phav.render.skinning import SkinBuffers
from phav.render.uniforms import FRAME_BLOCK_FLOATS, PartTables, bone_tables
from phav.take import Take

#: Bytes of one frame's ``FrameData`` block.
FRAME_BLOCK_BYTES = FRAME_BLOCK_FLOATS * 4
#: The most bytes of part tables one window holds (frames beyond it make further windows).
WINDOW_PART_BYTES = 16 << 20
#: The most frames one window holds.
MAX_WINDOW_FRAMES = 1024


def window_length(num_frames: int, part_count: int, parts_per_chunk: int, uniform_alignment: int,
                  bone_counts: Sequence[int], max_texture_size: int) -> int:
    """Frames per window (at least 1) for a take of ``num_frames`` frames and ``part_count`` rigid
    parts whose skins have ``bone_counts`` bones: the whole take, unless its part tables would
    take more than :data:`WINDOW_PART_BYTES`, a skin's bone table more than ``max_texture_size``
    rows, or it has more than :data:`MAX_WINDOW_FRAMES` frames."""
    n = min(max(num_frames, 1), MAX_WINDOW_FRAMES)
    n = min(n, max(1, WINDOW_PART_BYTES // part_frame_stride(part_count, parts_per_chunk, uniform_alignment)))
    for bones in bone_counts:
        n = min(n, max(1, max_texture_size // max(bones, 1)))
    return n


class FrameWindow:
    """The frame blocks, part tables and bone palettes of a take on the GPU, a window of frames at a
    time (see the module docstring). :meth:`use` selects a frame; :meth:`release` frees the frame
    block buffer (the part and bone buffers belong to ``parts`` and ``skins``).

    Args:
        ctx: the GL context.
        take: the take.
        frame_blocks: ``(T, FRAME_BLOCK_FLOATS) float32``, every frame's ``FrameData``.
        part_tables: the take's :class:`~phav.render.uniforms.PartTables`.
        skin_matrices: per skin, ``(T, B, 4, 4) float32``
            (:func:`~phav.render.uniforms.skin_matrices`).
        parts, skins: the take's rigid parts and skins on the GPU, made for windows of the same
            length (``frames``).
        frame_block_binding: the uniform-buffer binding of the ``FrameData`` block.
    """

    def __init__(self, ctx: moderngl.Context, take: Take, frame_blocks: np.ndarray, part_tables: PartTables,
                 skin_matrices: Sequence[np.ndarray], parts: PartBatch, skins: SkinBuffers, frame_block_binding: int):
        if parts.frames != skins.frames:
            raise ValueError(f"the part batch holds {parts.frames} frames but the skins {skins.frames}")
        self.length = parts.frames
        self._take, self._blocks, self._tables, self._matrices = take, frame_blocks, part_tables, skin_matrices
        self._parts, self._skins, self._binding = parts, skins, frame_block_binding
        align = max(FRAME_ALIGNMENT, uniform_alignment(ctx))
        self._block_stride = -(-FRAME_BLOCK_BYTES // align) * align
        self._buffer: moderngl.Buffer | None = ctx.buffer(reserve=self.length * self._block_stride)
        self.first: int | None = None  # first frame of the window on the GPU (None: none yet)

    def use(self, t: int) -> int:
        """Make frame ``t``'s data current, uploading its window first if it is not on the GPU:
        binds its frame block and selects its slot in the part batch and the skins; returns the
        slot (``t`` minus the window's first frame)."""
        if self._buffer is None:
            raise RuntimeError("this FrameWindow is released")
        if not 0 <= t < self._take.num_frames:
            raise IndexError(f"frame {t} outside a take of {self._take.num_frames} frames")
        first = t - t % self.length
        if first != self.first:
            self._upload(first, min(self.length, self._take.num_frames - first))
        slot = t - first
        self._buffer.bind_to_uniform_block(self._binding, offset=slot * self._block_stride, size=FRAME_BLOCK_BYTES)
        self._parts.select(slot)
        self._skins.select(slot)
        return slot

    def _upload(self, first: int, count: int) -> None:
        """Write frames ``first .. first + count - 1``'s data into slots ``0 .. count - 1``."""
        blocks = np.zeros((count, self._block_stride // 4), dtype=np.float32)
        blocks[:, :FRAME_BLOCK_FLOATS] = self._blocks[first:first + count]
        if self.first is not None:
            self._buffer.orphan()
        self._buffer.write(blocks)
        self._parts.write(self._tables.tables(first, count))
        for i, matrices in enumerate(self._matrices):
            if matrices.shape[1]:  # a skin without bones keeps its table unwritten (nothing reads it)
                self._skins.write_bones(i, bone_tables(self._take, first, count, matrices))
        self.first = first

    def release(self) -> None:
        """Free the frame block buffer (idempotent)."""
        if self._buffer is not None:
            self._buffer.release()
            self._buffer = None
