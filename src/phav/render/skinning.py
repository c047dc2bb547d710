"""Skins on the GPU, skinned once per frame (DESIGN §4).

Each frame, :meth:`SkinBuffers.skin` skins every skin's vertices (linear blend skinning with the
bone matrices of t, t+1 and t-1, ``shaders/skinning.glsl``) into one buffer of camera-frame
positions (and the normal at t). The G-buffer, ground-truth, shadow and fused passes then draw that
buffer with plain vertex shaders (``mesh.vert`` with ``SKINNED``), so a vertex is skinned once per
frame instead of once per pass and per time step, and every pass rasterises bit-identical positions.

Two programs write that buffer, with the same math and the same bytes (:func:`create_skinning`):

* transform feedback (``shaders/skin_transform.vert``): any GL 3.3 context; used where the
  full-screen passes run as fragment shaders (llvmpipe's default, the golden images);
* a compute shader (``shaders/skin_transform.comp``, GL 4.3): used where they run as compute
  shaders (``post_backend == "compute"``, GPUs). The raster/geometry pipeline of these GPUs is
  narrow: on an H200, skinning a preset's person (9,813 vertices) by transform feedback took
  0.07-0.08 ms of GPU and about 59 us of CPU per frame (the driver's draw, plus a framebuffer
  bind), the dispatch and its barrier 0.010 ms of GPU and about 5 us of CPU.

Both give the same bytes on llvmpipe and on the H200 (``tests/render/test_skinning_compute.py``).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import moderngl
import numpy as np

from phav.render.meshes import SKIN_ATTRIBUTES, SKIN_DTYPE, interleave, vertex_format, word_columns
from phav.render.shaders import create_compute, create_program
from phav.render.uniforms import BONE_TABLE_COLUMNS
from phav.take import Skin

#: Names captured by transform feedback, in buffer order (4 x vec3 = 48 bytes per vertex).
SKINNED_VARYINGS: tuple[str, ...] = ("out_view", "out_view_next", "out_view_prev", "out_normal")
#: Layout of the skinned buffer as the draw programs see it.
SKINNED_ATTRIBUTES: tuple[tuple[str, str, str, int], ...] = (
    ("in_position", "3f", "<f4", 3),
    ("in_view_next", "3f", "<f4", 3),
    ("in_view_prev", "3f", "<f4", 3),
    ("in_normal", "3f", "<f4", 3),
)
#: float32 words per skinned vertex (the :data:`SKINNED_ATTRIBUTES` in order, no padding).
SKINNED_VERTEX_WORDS: int = sum(n for *_, n in SKINNED_ATTRIBUTES)
#: Invocations per work group of the compute skinning program (one per vertex).
SKIN_GROUP_SIZE: int = 64
# Work groups one dispatch may have along x (the least GL 4.3 guarantees): 4 million vertices a skin.
_MAX_GROUPS = 65535
# After the compute skinning: GL_VERTEX_ATTRIB_ARRAY_BARRIER_BIT (the draws fetch the vertices) |
# GL_SHADER_STORAGE_BARRIER_BIT.
_SKINNED_BARRIERS = 0x1 | 0x2000
# The bind-pose vertex layout as the draw programs see it: position and normal come from the
# skinned buffer instead, bones and weights are not needed (renamed, so they become padding).
_BIND_FOR_DRAW = tuple((f"_bind_{name}" if name in ("in_position", "in_normal", "in_bones", "in_weights") else name,
                        fmt, dt, n) for name, fmt, dt, n in SKIN_ATTRIBUTES)


def skinning_defines() -> dict[str, int]:
    """The compute skinning program's defines: work-group size, words per bind-pose vertex
    (:data:`~phav.render.meshes.SKIN_DTYPE`) and per skinned vertex, and the first word of each
    bind-pose attribute (``IN_POSITION_WORD``, ...; :func:`~phav.render.meshes.word_columns`)."""
    defines = {"SKIN_GROUP_SIZE": SKIN_GROUP_SIZE, "SKIN_VERTEX_WORDS": SKIN_DTYPE.itemsize // 4,
               "SKINNED_VERTEX_WORDS": SKINNED_VERTEX_WORDS}
    for name, column, _ in word_columns(SKIN_ATTRIBUTES):
        defines[f"{name.upper()}_WORD"] = column.start if isinstance(column, slice) else column
    return defines


def create_skinning(ctx: moderngl.Context, compute: bool) -> moderngl.Program | moderngl.ComputeShader:
    """The skinning program for :class:`SkinBuffers`, its bone table on texture unit 0: the compute
    shader (``compute``; GL 4.3) or the transform-feedback program. The caller releases it."""
    if compute:
        program = create_compute(ctx, "skin_transform.comp", skinning_defines())
    else:
        program = create_program(ctx, "skin_transform.vert", varyings=SKINNED_VARYINGS)
    program["u_bones"].value = 0
    return program


class _Job(NamedTuple):
    """One skin's skinning: ``source`` is the transform-feedback vertex array, or for the compute
    program the bind-pose vertex buffer; ``skinned`` the buffer written; ``vertices`` its count."""

    source: moderngl.VertexArray | moderngl.Buffer
    skinned: moderngl.Buffer
    vertices: int


class SkinBuffers:
    """Per skin: the bind-pose vertex buffer, its index buffer, a bone table texture, the skinned
    buffer written each frame, and vertex arrays for the draw programs (and for the transform
    program).

    Args:
        ctx: the GL context.
        skins: the take's skins.
        skinning: :func:`create_skinning`'s program: a ``moderngl.ComputeShader`` skins by compute
            dispatches, a ``moderngl.Program`` (``skin_transform.vert``, :data:`SKINNED_VARYINGS`)
            by transform feedback.
        programs: the draw programs (``mesh.vert`` with ``SKINNED``), numbered as in :meth:`vertex_array`.
        frames: frames of bone palettes each skin's bone table holds (a window,
            :meth:`write_bones`).

    Raises:
        ValueError: a skin has more vertices than one compute dispatch covers (compute only), or
            its bone table would be taller than ``GL_MAX_TEXTURE_SIZE``.
    """

    def __init__(self, ctx: moderngl.Context, skins: Sequence[Skin], skinning: moderngl.Program | moderngl.ComputeShader,
                 programs: Sequence[moderngl.Program], frames: int = 1):
        self._ctx = ctx
        self._compute = skinning if isinstance(skinning, moderngl.ComputeShader) else None
        self._bone_row = skinning["u_bone_row"]
        self._vertex_count = self._compute["u_vertices"] if self._compute is not None else None
        self._objects: list = []
        self.bones: list[moderngl.Texture] = []
        self.frames = int(frames)
        self._bone_counts = [max(len(skin.bone_parts), 1) for skin in skins]
        self._slot = 0  # the window's frame that skin() skins
        self._row = None  # what u_bone_row was last set to
        self._vertices = None  # what u_vertices was last set to
        self._jobs: list[_Job | None] = []
        self._vaos: dict[tuple[int, int], moderngl.VertexArray | None] = {}
        try:
            tf_format, tf_names = vertex_format(skinning, SKIN_ATTRIBUTES) if self._compute is None else ("", [])
            draw_formats = [(vertex_format(p, SKINNED_ATTRIBUTES, partial=True), vertex_format(p, _BIND_FOR_DRAW, partial=True))
                            for p in programs]
            limit = int(ctx.info["GL_MAX_TEXTURE_SIZE"])
            for i, skin in enumerate(skins):
                rows = self._bone_counts[i] * self.frames
                if rows > limit:
                    raise ValueError(f"skin {skin.mesh.name!r}: {self._bone_counts[i]} bones x {self.frames} frames "
                                     f"exceed GL_MAX_TEXTURE_SIZE {limit} rows; use a shorter window")
                bones = self._add(ctx.texture((BONE_TABLE_COLUMNS, rows), 4, dtype="f4"))
                bones.filter = (moderngl.NEAREST, moderngl.NEAREST)
                self.bones.append(bones)
                n = len(skin.mesh.positions)
                if len(skin.mesh.indices) == 0 or n == 0:
                    self._jobs.append(None)
                    for k in range(len(programs)):
                        self._vaos[(i, k)] = None
                    continue
                if self._compute is not None and -(-n // SKIN_GROUP_SIZE) > _MAX_GROUPS:
                    raise ValueError(f"skin {skin.mesh.name!r}: {n} vertices exceed one compute dispatch "
                                     f"({_MAX_GROUPS * SKIN_GROUP_SIZE})")
                # Uploaded straight from the (contiguous) arrays: no bytes copies.
                vbo = self._add(ctx.buffer(interleave(skin.mesh, skin)))
                ibo = self._add(ctx.buffer(np.ascontiguousarray(skin.mesh.indices, dtype=np.uint32)))
                skinned = self._add(ctx.buffer(reserve=n * 4 * SKINNED_VERTEX_WORDS))
                source = vbo if self._compute is not None else self._add(
                    ctx.vertex_array(skinning, [(vbo, tf_format, *tf_names)]))
                self._jobs.append(_Job(source, skinned, n))
                for k, (program, ((sf, sn), (bf, bn))) in enumerate(zip(programs, draw_formats)):
                    content = [(skinned, sf, *sn)] + ([(vbo, bf, *bn)] if bn else [])  # e.g. depth-only: no bind-pose attributes
                    self._vaos[(i, k)] = self._add(ctx.vertex_array(
                        program, content, index_buffer=ibo, index_element_size=4))
        except BaseException:
            self.release()
            raise

    def _add(self, obj):
        self._objects.append(obj)
        return obj

    @property
    def compute(self) -> bool:
        """Whether the skins are skinned by compute dispatches (else by transform feedback)."""
        return self._compute is not None

    def write_bones(self, skin: int, tables: np.ndarray) -> None:
        """Upload skin ``skin``'s ``(N, B, BONE_TABLE_COLUMNS, 4) float32`` bone palettes of a window
        of ``N <= frames`` frames (slots ``0 .. N-1``; :func:`~phav.render.uniforms.bone_tables`)."""
        if len(tables) > self.frames or tables.shape[1:] != (self._bone_counts[skin], BONE_TABLE_COLUMNS, 4):
            raise ValueError(f"bone tables of shape {tables.shape} do not fit skin {skin}'s table "
                             f"({self.frames} frames of {self._bone_counts[skin]} bones)")
        rows = len(tables) * self._bone_counts[skin]
        self.bones[skin].write(np.ascontiguousarray(tables, dtype=np.float32), viewport=(0, 0, BONE_TABLE_COLUMNS, rows))

    def select(self, slot: int) -> None:
        """Make :meth:`skin` use the bone palettes of the window's frame ``slot``."""
        if not 0 <= slot < self.frames:
            raise IndexError(f"frame slot {slot} outside a window of {self.frames} frames")
        self._slot = int(slot)

    def skin(self, framebuffer: moderngl.Framebuffer) -> None:
        """Skin every skin into its buffer with the bone palettes of the selected frame
        (:meth:`select`, after :meth:`write_bones`). ``framebuffer``: any complete framebuffer, bound for
        transform feedback (nothing is rasterised, but a draw with an incomplete one, such as a
        headless default framebuffer, is an error); the compute path leaves the binding alone and
        ends with one memory barrier, so the draws that follow see the vertices."""
        if self._compute is None:
            framebuffer.use()
        dispatched = False
        for bones, job, count in zip(self.bones, self._jobs, self._bone_counts):
            if job is None:
                continue
            bones.use(location=0)
            row = self._slot * count  # the frame's first row in the bone table
            if row != self._row:
                self._bone_row.value = row
                self._row = row
            if self._compute is None:
                job.source.transform(job.skinned, moderngl.POINTS, vertices=job.vertices)
                continue
            job.source.bind_to_storage_buffer(0)
            job.skinned.bind_to_storage_buffer(1)
            if job.vertices != self._vertices:
                self._vertex_count.value = job.vertices
                self._vertices = job.vertices
            self._compute.run(-(-job.vertices // SKIN_GROUP_SIZE))
            dispatched = True
        if dispatched:
            self._ctx.memory_barrier(_SKINNED_BARRIERS)

    def skinned_buffer(self, skin: int) -> moderngl.Buffer | None:
        """Skin ``skin``'s skinned buffer (``None``: empty skin): per vertex
        :data:`SKINNED_VERTEX_WORDS` float32, the :data:`SKINNED_ATTRIBUTES` in order (camera frame,
        metres), as :meth:`skin` last wrote them."""
        job = self._jobs[skin]
        return None if job is None else job.skinned

    def vertex_array(self, skin: int, program: int) -> moderngl.VertexArray | None:
        """Vertex array drawing skin ``skin``'s skinned buffer with program number ``program``
        (``None``: empty skin)."""
        return self._vaos[(skin, program)]

    def release(self) -> None:
        """Free every GL object (idempotent); vertex arrays before the buffers they use. The
        skinning program belongs to the caller."""
        for obj in sorted(self._objects, key=lambda o: not isinstance(o, moderngl.VertexArray)):
            obj.release()
        self._objects.clear()
        self._vaos.clear()
        self._jobs.clear()
        self.bones.clear()
