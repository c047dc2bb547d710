"""A take's meshes on the GPU: one interleaved vertex buffer and one index buffer per mesh, and a
vertex array per (mesh, program) matched to the program's attributes by name. Skins (linear blend
skinning) use the same layout plus 4 bone indices and 4 weights per vertex."""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.take import DEFAULT_MATERIAL, Mesh, Skin

#: Interleaved vertex layout: (name, moderngl format, numpy dtype, components).
VERTEX_ATTRIBUTES: tuple[tuple[str, str, str, int], ...] = (
    ("in_position", "3f", "<f4", 3),
    ("in_normal", "3f", "<f4", 3),
    ("in_color", "3f", "<f4", 3),
    ("in_semantic", "1u", "<u4", 1),
    ("in_material", "2f", "<f4", 2),
)
#: Skinned vertex layout: the rigid layout plus bone indices (into the skin's bones) and weights.
SKIN_ATTRIBUTES = VERTEX_ATTRIBUTES + (("in_bones", "4u", "<u4", 4), ("in_weights", "4f", "<f4", 4))
VERTEX_DTYPE = np.dtype([(name, dt, (n,)) for name, _, dt, n in VERTEX_ATTRIBUTES])
SKIN_DTYPE = np.dtype([(name, dt, (n,)) for name, _, dt, n in SKIN_ATTRIBUTES])


def interleave(mesh: Mesh, skin: Skin | None = None) -> np.ndarray:
    """``(N,)`` structured array of the mesh's vertices: ``VERTEX_DTYPE`` (48 bytes each), or
    ``SKIN_DTYPE`` (80 bytes) with the skin's bones and weights."""
    out = np.empty(len(mesh.positions), dtype=VERTEX_DTYPE if skin is None else SKIN_DTYPE)
    out["in_position"] = mesh.positions
    out["in_normal"] = mesh.normals
    out["in_color"] = mesh.colors
    out["in_semantic"] = mesh.semantic.astype(np.uint32)[:, None]
    out["in_material"] = DEFAULT_MATERIAL if mesh.material is None else mesh.material
    if skin is not None:
        out["in_bones"] = skin.bones.astype(np.uint32)
        out["in_weights"] = skin.weights
    return out


def vertex_format(program: moderngl.Program, layout=VERTEX_ATTRIBUTES, partial: bool = False) -> tuple[str, list[str]]:
    """moderngl buffer format and attribute names for ``program``: attributes the program does not
    use become padding. Raises ``ValueError`` listing both sides if the program wants an attribute
    the vertex layout lacks, unless ``partial`` (the layout is one of several buffers)."""
    wanted = {name for name in program if isinstance(program[name], moderngl.Attribute)}
    provided = [name for name, *_ in layout]
    missing = wanted - set(provided)
    if missing and not partial:
        raise ValueError(f"program attributes {sorted(wanted)} include {sorted(missing)}, "
                         f"but the vertex layout provides only {provided}")
    fmt, names = [], []
    for name, f, dt, n in layout:
        if name in wanted:
            fmt.append(f)
            names.append(name)
        else:
            fmt.append(f"{np.dtype(dt).itemsize * n}x")
    return " ".join(fmt), names


class MeshBuffers:
    """GPU copies of a list of meshes, with vertex arrays for the given programs.

    Use :meth:`vertex_array` to draw mesh ``i`` with a program; :meth:`release` frees everything
    (idempotent).
    """

    def __init__(self, ctx: moderngl.Context, meshes: Sequence[Mesh], programs: Sequence[moderngl.Program],
                 skins: Sequence[Skin] | None = None):
        """With ``skins``, ``meshes`` must be their meshes and the skinned layout is used."""
        self._objects: list[moderngl.Buffer | moderngl.VertexArray] = []
        self._vaos: dict[tuple[int, int], moderngl.VertexArray | None] = {}
        layout = VERTEX_ATTRIBUTES if skins is None else SKIN_ATTRIBUTES
        formats = [vertex_format(p, layout) for p in programs]
        try:
            for i, mesh in enumerate(meshes):
                if len(mesh.indices) == 0:
                    for k in range(len(programs)):
                        self._vaos[(i, k)] = None
                    continue
                vbo = ctx.buffer(interleave(mesh, None if skins is None else skins[i]).tobytes())
                self._objects.append(vbo)
                ibo = ctx.buffer(mesh.indices.astype(np.uint32).tobytes())
                self._objects.append(ibo)
                for k, (program, (fmt, names)) in enumerate(zip(programs, formats)):
                    vao = ctx.vertex_array(program, [(vbo, fmt, *names)], index_buffer=ibo, index_element_size=4)
                    self._objects.append(vao)
                    self._vaos[(i, k)] = vao
        except BaseException:
            self.release()
            raise

    def vertex_array(self, mesh: int, program: int) -> moderngl.VertexArray | None:
        """The vertex array of mesh ``mesh`` for program number ``program`` (``None``: empty mesh)."""
        return self._vaos[(mesh, program)]

    def release(self) -> None:
        """Free every GL object (idempotent)."""
        # Vertex arrays before the buffers they reference.
        for obj in sorted(self._objects, key=lambda o: not isinstance(o, moderngl.VertexArray)):
            obj.release()
        self._objects.clear()
        self._vaos.clear()
