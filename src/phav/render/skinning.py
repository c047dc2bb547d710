"""Skins on the GPU, skinned once per frame (DESIGN §4).

Each frame, :meth:`SkinBuffers.skin` runs ``shaders/skin_transform.vert`` over every skin's
vertices with transform feedback: linear blend skinning with the bone matrices of t, t+1 and t-1
into one buffer of camera-frame positions (and the normal at t). The G-buffer pass and the
ground-truth pass then draw that buffer with plain vertex shaders (``mesh.vert`` with ``SKINNED``),
so a vertex is skinned once per frame instead of once per pass and per time step, and both passes
rasterise bit-identical positions.
"""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.render.meshes import SKIN_ATTRIBUTES, interleave, vertex_format
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
# The bind-pose vertex layout as the draw programs see it: position and normal come from the
# skinned buffer instead, bones and weights are not needed (renamed, so they become padding).
_BIND_FOR_DRAW = tuple((f"_bind_{name}" if name in ("in_position", "in_normal", "in_bones", "in_weights") else name,
                        fmt, dt, n) for name, fmt, dt, n in SKIN_ATTRIBUTES)


class SkinBuffers:
    """Per skin: the bind-pose vertex buffer, its index buffer, a bone table texture, the skinned
    buffer written each frame, and vertex arrays for the transform program and the draw programs.

    Args:
        ctx: the GL context.
        skins: the take's skins.
        transform: the transform-feedback program (``skin_transform.vert``, :data:`SKINNED_VARYINGS`).
        programs: the draw programs (``mesh.vert`` with ``SKINNED``), numbered as in :meth:`vertex_array`.
    """

    def __init__(self, ctx: moderngl.Context, skins: Sequence[Skin], transform: moderngl.Program,
                 programs: Sequence[moderngl.Program]):
        self._objects: list = []
        self.bones: list[moderngl.Texture] = []
        self._transform: list[tuple[moderngl.VertexArray, moderngl.Buffer, int] | None] = []
        self._vaos: dict[tuple[int, int], moderngl.VertexArray | None] = {}
        try:
            tf_format, tf_names = vertex_format(transform, SKIN_ATTRIBUTES)
            draw_formats = [(vertex_format(p, SKINNED_ATTRIBUTES, partial=True), vertex_format(p, _BIND_FOR_DRAW, partial=True))
                            for p in programs]
            for i, skin in enumerate(skins):
                bones = self._add(ctx.texture((BONE_TABLE_COLUMNS, max(len(skin.bone_parts), 1)), 4, dtype="f4"))
                bones.filter = (moderngl.NEAREST, moderngl.NEAREST)
                self.bones.append(bones)
                n = len(skin.mesh.positions)
                if len(skin.mesh.indices) == 0 or n == 0:
                    self._transform.append(None)
                    for k in range(len(programs)):
                        self._vaos[(i, k)] = None
                    continue
                vbo = self._add(ctx.buffer(interleave(skin.mesh, skin).tobytes()))
                ibo = self._add(ctx.buffer(skin.mesh.indices.astype(np.uint32).tobytes()))
                skinned = self._add(ctx.buffer(reserve=n * 4 * len(SKINNED_ATTRIBUTES) * 3))
                tf_vao = self._add(ctx.vertex_array(transform, [(vbo, tf_format, *tf_names)]))
                self._transform.append((tf_vao, skinned, n))
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

    def skin(self, framebuffer: moderngl.Framebuffer) -> None:
        """Skin every skin into its buffer with its bone table's current contents (call after
        writing the bone tables of the frame). ``framebuffer``: any complete framebuffer; nothing is
        rasterised, but a draw with an incomplete one (a headless default framebuffer) is an error."""
        framebuffer.use()
        for bones, transform in zip(self.bones, self._transform):
            if transform is None:
                continue
            vao, skinned, n = transform
            bones.use(location=0)
            vao.transform(skinned, moderngl.POINTS, vertices=n)

    def vertex_array(self, skin: int, program: int) -> moderngl.VertexArray | None:
        """Vertex array drawing skin ``skin``'s skinned buffer with program number ``program``
        (``None``: empty skin)."""
        return self._vaos[(skin, program)]

    def release(self) -> None:
        """Free every GL object (idempotent); vertex arrays before the buffers they use."""
        for obj in sorted(self._objects, key=lambda o: not isinstance(o, moderngl.VertexArray)):
            obj.release()
        self._objects.clear()
        self._vaos.clear()
        self._transform.clear()
        self.bones.clear()
