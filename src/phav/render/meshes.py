"""Vertex layouts of meshes on the GPU: interleaved vertices (:func:`interleave`) and the buffer
format matched to a program's attributes by name (:func:`vertex_format`). Rigid parts
(:mod:`phav.render.part_batch`) add the vertex's part; skins (linear blend skinning,
:mod:`phav.render.skinning`) add 4 bone indices and 4 weights per vertex."""

from __future__ import annotations

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
    dtype = VERTEX_DTYPE if skin is None else SKIN_DTYPE
    words = np.empty((len(mesh.positions), dtype.itemsize // 4), dtype=np.float32)
    fill_vertices(words, mesh, skin)
    return words.view(dtype).reshape(-1)


def fill_vertices(words: np.ndarray, mesh: Mesh, skin: Skin | None = None) -> None:
    """Write the mesh's vertices into ``words``, ``(N, 12)`` (or with ``skin``, ``(N, 20)``)
    float32 rows holding :func:`interleave`'s bytes (so a batch of meshes is filled into one array
    in place, without a copy per mesh)."""
    as_uint = words.view(np.uint32)
    words[:, 0:3] = mesh.positions
    words[:, 3:6] = mesh.normals
    words[:, 6:9] = mesh.colors
    as_uint[:, 9] = mesh.semantic
    words[:, 10:12] = DEFAULT_MATERIAL if mesh.material is None else mesh.material
    if skin is not None:
        as_uint[:, 12:16] = skin.bones
        words[:, 16:20] = skin.weights


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
