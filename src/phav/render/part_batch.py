"""A take's rigid parts drawn in a few calls: every part's triangles in one vertex buffer (a mesh
shared by several parts is copied once per part), each vertex's part in a second one (``in_part``,
``uint``), and every part's row of the part table (:func:`phav.render.uniforms.part_table`) in one
uniform buffer, which ``shaders/mesh.vert`` indexes with the vertex's part. The buffer holds the
tables of a window of frames (:mod:`phav.render.frame_window`), written in one call; a frame binds
its own range.

A uniform block holds at most ``GL_MAX_UNIFORM_BLOCK_SIZE`` bytes (64 KiB on the drivers we use:
409 parts), so the parts are split into *chunks* of :attr:`PartBatch.parts_per_chunk` consecutive
parts; a vertex carries its part's index within its chunk, and the buffer range of a chunk is bound
before its draws. A draw covers a run of consecutive parts of one chunk; parts are drawn in the
take's order, as one draw per part would draw them, so depth-test ties resolve the same way.

In the buffer, frame slot ``f``'s chunk ``c`` starts at byte ``f * frame_stride + c * stride``:
chunks a uniform-offset alignment apart, frames a multiple of 256 bytes apart (a valid offset for a
uniform and a storage buffer on every GL), only as far as the frame's rows reach. A block binding
reads :data:`PART_BYTES` times ``parts_per_chunk`` bytes from a chunk's start (the block's declared
size), so a frame's last chunk may run into the next frame's rows, which its vertices never index."""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.render.meshes import VERTEX_ATTRIBUTES, VERTEX_DTYPE, fill_mesh_vertices, vertex_format
from phav.render.uniforms import PART_TABLE_COLUMNS
from phav.take import Mesh

#: Bytes of one part's rows in the uniform block (std140: PART_TABLE_COLUMNS vec4).
PART_BYTES = PART_TABLE_COLUMNS * 16
#: Uniform-buffer binding of the ``PartData`` block (the frame block uses 0).
PART_BLOCK_BINDING = 1
#: Masks whose draw runs a :class:`PartBatch` keeps (:meth:`PartBatch.runs`).
MASK_RUNS_KEPT = 16
#: Frames of the part table start a multiple of this many bytes apart in the buffer: GL caps both
#: the uniform and the storage buffer offset alignment at 256 (the view culling binds a frame's
#: rows as a storage buffer).
FRAME_ALIGNMENT = 256


def parts_per_chunk(ctx: moderngl.Context) -> int:
    """Parts one ``PartData`` block holds on ``ctx`` (``GL_MAX_UNIFORM_BLOCK_SIZE`` /
    :data:`PART_BYTES`); the mesh programs are compiled with
    ``PART_ROWS = parts_per_chunk * PART_TABLE_COLUMNS``."""
    return max(1, int(ctx.info["GL_MAX_UNIFORM_BLOCK_SIZE"]) // PART_BYTES)


def uniform_alignment(ctx: moderngl.Context) -> int:
    """``GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT`` of ``ctx`` (at least 16; 256 where not reported)."""
    return max(16, int(ctx.info.get("GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT", 256)))


def part_frame_stride(part_count: int, parts_per_chunk: int, uniform_alignment: int) -> int:
    """Bytes from one frame's part table rows to the next in a :class:`PartBatch`'s buffer: its
    chunks ``uniform_alignment`` (at least 16) apart, the last one as long as its parts' rows,
    rounded up to :data:`FRAME_ALIGNMENT`."""
    chunks = max(1, -(-part_count // parts_per_chunk))
    chunk_stride = -(-parts_per_chunk * PART_BYTES // uniform_alignment) * uniform_alignment
    last_chunk_bytes = (max(part_count, 1) - (chunks - 1) * parts_per_chunk) * PART_BYTES
    return -(-((chunks - 1) * chunk_stride + last_chunk_bytes) // FRAME_ALIGNMENT) * FRAME_ALIGNMENT


class PartBatch:
    """GPU copies of a take's rigid parts for batched drawing; :meth:`release` frees them (idempotent).

    Args:
        ctx: the GL context.
        meshes: the take's meshes; ``part_mesh``: ``(P,)`` mesh of each part.
        programs: the rigid mesh programs, by program number (each with a ``PartData`` block).
        chunk: parts per chunk (:func:`parts_per_chunk`).
        frames: frames of part tables the buffer holds (a window, :meth:`write`).

    Attributes:
        first, count: ``(P,) int64`` first index and index count of each part's triangles in the
            index buffer (count 0: empty mesh); read-only.
        chunks: number of chunks, ``ceil(P / chunk)`` (at least 1).
        part_count: ``P``.
        frames: the window's length in frames.
    """

    def __init__(self, ctx: moderngl.Context, meshes: Sequence[Mesh], part_mesh: Sequence[int],
                 programs: Sequence[moderngl.Program], chunk: int, frames: int = 1):
        self._objects: list[moderngl.Buffer | moderngl.VertexArray] = []
        self._vaos: list[moderngl.VertexArray | None] = [None] * len(programs)
        self._mask_runs: dict[bytes, tuple[tuple[int, int, int], ...]] = {}  # runs() by mask (b"": every part)
        self.parts_per_chunk = int(chunk)
        P = len(part_mesh)
        self.chunks = max(1, -(-P // self.parts_per_chunk))
        align = uniform_alignment(ctx)
        self._block_bytes = self.parts_per_chunk * PART_BYTES
        self._stride = -(-self._block_bytes // align) * align  # bytes from one chunk's rows to the next
        self.part_count = P
        self.frames = int(frames)
        if self.frames < 1:
            raise ValueError(f"a part batch holds at least one frame, got {frames!r}")
        self._frame_stride = part_frame_stride(P, self.parts_per_chunk, align)
        # Room for every frame's rows and for the last frame's last block binding.
        size = (self.frames - 1) * self._frame_stride + max(self._frame_stride,
                                                           (self.chunks - 1) * self._stride + self._block_bytes)
        self._slot = 0  # the window's frame that bind() binds
        self._written = False
        counts = np.array([len(meshes[m].indices) * 3 for m in part_mesh], dtype=np.int64)
        self.count = counts
        self.first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if P else counts.copy()
        self.count.setflags(write=False)  # runs() is cached from them
        self.first.setflags(write=False)
        try:
            self.buffer = ctx.buffer(reserve=size)
            self._objects.append(self.buffer)
            drawn = [p for p in range(P) if counts[p]]
            if not drawn:
                return
            drawn_meshes = [meshes[part_mesh[p]] for p in drawn]
            sizes = np.array([len(m.positions) for m in drawn_meshes], dtype=np.int64)
            base = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            local = np.array(drawn, dtype=np.uint32) % np.uint32(self.parts_per_chunk)
            # Each drawn part's triangles, offset by its first vertex, written in place.
            indices = np.empty(int(counts.sum()), dtype=np.uint32)
            for m, b, at, n in zip(drawn_meshes, base.tolist(), self.first[drawn].tolist(), counts[drawn].tolist()):
                np.add(np.asarray(m.indices, dtype=np.uint32).reshape(-1), np.uint32(b), out=indices[at:at + n])
            # Every drawn part's vertices filled into one array (fresh memory costs more than the copy).
            words = np.empty((int(sizes.sum()), VERTEX_DTYPE.itemsize // 4), dtype=np.float32)
            fill_mesh_vertices(words, drawn_meshes)
            vbo = ctx.buffer(words)
            self._objects.append(vbo)
            part_vbo = ctx.buffer(np.repeat(local, sizes))  # in_part of every vertex
            self._objects.append(part_vbo)
            ibo = ctx.buffer(indices)
            self._objects.append(ibo)
            for k, program in enumerate(programs):
                fmt, names = vertex_format(program, VERTEX_ATTRIBUTES, partial=True)  # + in_part
                vao = ctx.vertex_array(program, [(vbo, fmt, *names), (part_vbo, "1u", "in_part")],
                                       index_buffer=ibo, index_element_size=4)
                self._objects.append(vao)
                self._vaos[k] = vao
        except BaseException:
            self.release()
            raise

    @property
    def stride(self) -> int:
        """Bytes from one chunk's rows to the next in :attr:`buffer` (the uniform-buffer offset
        alignment's multiple)."""
        return self._stride

    def vertex_array(self, program: int) -> moderngl.VertexArray | None:
        """The vertex array of every part for program number ``program`` (``None``: nothing to draw)."""
        return self._vaos[program]

    @property
    def frame_stride(self) -> int:
        """Bytes from one frame's rows to the next in :attr:`buffer` (a multiple of
        :data:`FRAME_ALIGNMENT`)."""
        return self._frame_stride

    @property
    def frame_offset(self) -> int:
        """Byte offset in :attr:`buffer` of the selected frame's rows (:meth:`select`)."""
        return self._slot * self._frame_stride

    def write(self, tables: np.ndarray) -> None:
        """Upload the ``(N, max(P, 1), PART_TABLE_COLUMNS, 4) float32`` part tables of a window of
        ``N <= frames`` frames (slots ``0 .. N-1``) in one write; the buffer's earlier contents are
        orphaned first (frames in flight keep reading them)."""
        n = len(tables)
        if not 1 <= n <= self.frames or tables.shape[1:] != (max(self.part_count, 1), PART_TABLE_COLUMNS, 4):
            raise ValueError(f"part tables of shape {tables.shape} do not fit a window of {self.frames} frames "
                             f"of {max(self.part_count, 1)} parts")
        rows = np.ascontiguousarray(tables, dtype=np.float32).reshape(n, -1).view(np.uint8)
        padded = np.zeros((n, self._frame_stride), dtype=np.uint8)
        for c in range(self.chunks):
            part = rows[:, c * self._block_bytes:(c + 1) * self._block_bytes]
            padded[:, c * self._stride:c * self._stride + part.shape[1]] = part
        if self._written:
            self.buffer.orphan()
        self.buffer.write(padded)
        self._written = True

    def select(self, slot: int) -> None:
        """Make :meth:`bind` bind the rows of the window's frame ``slot``."""
        if not 0 <= slot < self.frames:
            raise IndexError(f"frame slot {slot} outside a window of {self.frames} frames")
        self._slot = int(slot)

    def bind(self, chunk: int) -> None:
        """Bind chunk ``chunk``'s rows of the selected frame to the ``PartData`` block."""
        self.buffer.bind_to_uniform_block(PART_BLOCK_BINDING, offset=self._slot * self._frame_stride + chunk * self._stride,
                                          size=self._block_bytes)

    def runs(self, parts: np.ndarray | None = None) -> tuple[tuple[int, int, int], ...]:
        """``(chunk, first index, index count)`` of the draws that draw every part, or with the
        ``(P,)`` bool mask ``parts`` only the marked ones, in part order: runs of marked parts that
        are consecutive in the index buffer (empty parts between them do not break a run) and in
        one chunk. The runs of a mask are the same at every call: made once and kept for the last
        :data:`MASK_RUNS_KEPT` masks (the shadow pass asks for the same few masks frame after frame;
        tuples, so kept runs cannot be changed by a caller)."""
        key = b"" if parts is None else np.asarray(parts, dtype=bool).tobytes()
        runs = self._mask_runs.get(key)
        if runs is None:
            runs = self._mask_runs[key] = self._runs(parts)
            if len(self._mask_runs) > MASK_RUNS_KEPT:
                self._mask_runs.pop(next(iter(self._mask_runs)))  # the oldest
        return runs

    def _runs(self, parts: np.ndarray | None) -> tuple[tuple[int, int, int], ...]:
        """:meth:`runs`, computed."""
        drawn = self.count > 0
        if parts is not None:
            drawn &= np.asarray(parts, dtype=bool)
        which = np.flatnonzero(drawn)
        if not len(which):
            return ()
        chunk, first = which // self.parts_per_chunk, self.first[which]
        starts_run = np.ones(len(which), dtype=bool)  # a part starts a run unless it follows the last one
        starts_run[1:] = (chunk[1:] != chunk[:-1]) | (first[1:] != first[:-1] + self.count[which[:-1]])
        starts = np.flatnonzero(starts_run)
        counts = np.add.reduceat(self.count[which], starts)
        return tuple(zip(chunk[starts].tolist(), first[starts].tolist(), counts.tolist()))

    def release(self) -> None:
        """Free every GL object (idempotent)."""
        for obj in sorted(self._objects, key=lambda o: not isinstance(o, moderngl.VertexArray)):
            obj.release()
        self._objects.clear()
        self._vaos = [None] * len(self._vaos)

