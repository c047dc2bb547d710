"""View culling of the large rigid parts' triangles on the GPU, before the camera's passes.

A world's ground is one part of many thousand triangles (the benchmarks' Walk: 12,816, of which a
frame sees about a quarter), and on GPUs with few raster units every triangle costs: on an H200 the
G-buffer pass spent about 7 ns a triangle and the ground-truth pass about 2.6 ns
(``benchmarks/draw_probe.py``), the ground's triangles 93 and 35 us a frame. :class:`ViewCulling`
splits each part of at least :data:`CULL_MIN_TRIANGLES` triangles into cells of
:data:`CELL_TRIANGLES` consecutive triangles, and each frame a compute shader
(``shaders/view_cull.comp``) tests every cell's box against the frame's clip volume and writes the
indirect draw commands of the camera passes' full draw (every rigid part): a cell outside the view
gets no indices. The commands keep the part order and each part's triangle order, so what is drawn
is drawn in the same order as without culling, and only triangles the GPU would have clipped are
left out: the images and labels are the same bytes. The masked draws (the shadow cascades) are not
culled here.
"""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.render.part_batch import PartBatch
from phav.render.targets import GLObjects
from phav.render.uniforms import PART_TABLE_COLUMNS
from phav.take import Mesh

#: Parts with at least this many triangles are culled by cells.
CULL_MIN_TRIANGLES = 2048
#: Consecutive triangles per cell.
CELL_TRIANGLES = 128
#: Invocations per work group of ``view_cull.comp``.
GROUP_SIZE = 64
#: ``GL_COMMAND_BARRIER_BIT``: the indirect draws read the commands the shader wrote.
COMMAND_BARRIER = 0x40


def _cell_boxes(mesh: Mesh, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """``(cells, 3)`` minimum and maximum corners of the boxes of ``mesh``'s triangles in runs of
    :data:`CELL_TRIANGLES` (mesh frame, metres)."""
    # (3 T, 3) triangle corners; np.take gathers the rows several times faster than indexing with an array.
    corners = np.take(np.asarray(mesh.positions, dtype=np.float32), np.asarray(mesh.indices).reshape(-1), axis=0)
    starts = np.arange(cells) * (3 * CELL_TRIANGLES)
    return np.minimum.reduceat(corners, starts, axis=0), np.maximum.reduceat(corners, starts, axis=0)


class ViewCulling:
    """The cells and indirect commands of a take's full rigid draw (see the module docstring).

    Build with :meth:`create`, which returns ``None`` when no part is large enough.

    Attributes:
        runs: per chunk of the part table (:class:`~phav.render.part_batch.PartBatch`), ``(chunk,
            first command, command count)``: one indirect multi-draw each, with that chunk bound.
        commands: the indirect buffer (``DrawElementsIndirectCommand`` each).
        cells: number of cells.
    """

    def __init__(self, ctx: moderngl.Context, program: moderngl.ComputeShader, commands: np.ndarray,
                 cells: np.ndarray, runs: tuple[tuple[int, int, int], ...], parts: PartBatch):
        self._ctx, self._program, self._parts = ctx, program, parts
        self.runs, self.cells = runs, len(cells)
        self._objects = GLObjects()
        self.commands = self._objects.add(ctx.buffer(commands.astype(np.uint32).tobytes()))
        self._cells = self._objects.add(ctx.buffer(cells.tobytes()))
        self._count_set = False  # u_cells_count written (at the first cull)

    @classmethod
    def create(cls, ctx: moderngl.Context, program: moderngl.ComputeShader, batch: PartBatch,
               meshes: Sequence[Mesh], part_mesh: Sequence[int]) -> "ViewCulling | None":
        """Cells and commands for ``batch`` (built from ``meshes`` and ``part_mesh``, the take's),
        or ``None`` when no part has :data:`CULL_MIN_TRIANGLES` triangles."""
        triangles = batch.count // 3
        if not np.any(triangles >= CULL_MIN_TRIANGLES):
            return None
        commands: list[tuple[int, int]] = []  # (index count, first index) of one draw each
        cell_commands = []  # per cullable part: (its first command, cells, first row, lo, hi, counts)
        runs = []
        for chunk in range(batch.chunks):
            first_command = len(commands)
            merge = False  # the last command may take the next small part's indices
            for p in range(chunk * batch.parts_per_chunk, min((chunk + 1) * batch.parts_per_chunk, len(triangles))):
                first, count = int(batch.first[p]), int(batch.count[p])
                if not count:
                    continue
                if triangles[p] < CULL_MIN_TRIANGLES:
                    if merge and commands[-1][0] + commands[-1][1] == first:  # consecutive parts: one draw
                        commands[-1] = (commands[-1][0] + count, commands[-1][1])
                    else:
                        commands.append((count, first))
                    merge = True
                    continue
                n = -(-int(triangles[p]) // CELL_TRIANGLES)
                lo, hi = _cell_boxes(meshes[part_mesh[p]], n)
                starts = np.arange(n) * CELL_TRIANGLES
                counts = 3 * (np.minimum(starts + CELL_TRIANGLES, int(triangles[p])) - starts)
                row = (chunk * batch.stride) // 16 + (p - chunk * batch.parts_per_chunk) * PART_TABLE_COLUMNS
                cell_commands.append((len(commands), n, row, lo, hi, counts))
                commands.extend(zip(counts.tolist(), (first + 3 * starts).tolist()))
                merge = False
            if len(commands) > first_command:
                runs.append((chunk, first_command, len(commands) - first_command))
        n = sum(c[1] for c in cell_commands)
        records = np.zeros(n, dtype=[("lo", "<f4", 4), ("hi", "<f4", 4), ("info", "<u4", 4)])
        at = 0
        for command, cells, row, lo, hi, counts in cell_commands:
            block = records[at:at + cells]
            block["lo"][:, :3], block["hi"][:, :3] = lo, hi
            block["info"][:, 0] = row
            block["info"][:, 1] = command + np.arange(cells)
            block["info"][:, 2] = counts
            at += cells
        table = np.zeros((len(commands), 5), dtype=np.uint32)
        table[:, 0], table[:, 2] = np.array(commands, dtype=np.int64).T
        table[:, 1] = 1
        return cls(ctx, program, table, records, tuple(runs), batch)

    def cull(self) -> None:
        """Write this frame's commands (once the frame's block is bound to binding 0 and its part
        table selected in the part batch, :class:`~phav.render.frame_window.FrameWindow`)."""
        self._cells.bind_to_storage_buffer(0)
        self._parts.buffer.bind_to_storage_buffer(1, offset=self._parts.frame_offset)  # the frame's rows
        self.commands.bind_to_storage_buffer(2)
        if not self._count_set:  # the program is shared by the renderer's takes, one take at a time
            self._program["u_cells_count"].value = self.cells
            self._count_set = True
        self._program.run(-(-self.cells // GROUP_SIZE))
        self._ctx.memory_barrier(COMMAND_BARRIER)

    def draw(self, vao: moderngl.VertexArray, bind_chunk) -> None:
        """Draw every rigid part with ``vao``, ``bind_chunk(chunk)`` binding each chunk's rows first."""
        for chunk, first, count in self.runs:
            bind_chunk(chunk)
            vao.render_indirect(self.commands, moderngl.TRIANGLES, count=count, first=first)

    def release(self) -> None:
        """Free the buffers (idempotent)."""
        self._objects.release()
