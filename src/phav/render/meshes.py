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


def _layout_dtype(layout: tuple[tuple[str, str, str, int], ...]) -> np.dtype:
    """The structured numpy dtype of one interleaved vertex of ``layout``."""
    return np.dtype([(name, dt, (n,)) for name, _, dt, n in layout])


VERTEX_DTYPE = _layout_dtype(VERTEX_ATTRIBUTES)
SKIN_DTYPE = _layout_dtype(SKIN_ATTRIBUTES)


def word_columns(layout: tuple[tuple[str, str, str, int], ...]) -> tuple[tuple[str, int | slice, bool], ...]:
    """Where each attribute of ``layout`` (as :data:`VERTEX_ATTRIBUTES`; every component 4 bytes)
    lies in a vertex seen as a row of 4-byte words: per attribute its name, its column (an index
    for one component, else a slice) and whether it is an unsigned integer (else float32), taken
    from the offsets of the layout's structured dtype."""
    dtype = _layout_dtype(layout)
    columns = []
    for name, _, dt, n in layout:
        if np.dtype(dt).itemsize != 4:
            raise ValueError(f"vertex attribute {name} has {np.dtype(dt).itemsize}-byte components; "
                             "give every attribute 4-byte components (float32, uint32)")
        start = dtype.fields[name][1] // 4
        columns.append((name, start if n == 1 else slice(start, start + n), np.dtype(dt).kind == "u"))
    return tuple(columns)


_VERTEX_COLUMNS = word_columns(VERTEX_ATTRIBUTES)
_SKIN_COLUMNS = word_columns(SKIN_ATTRIBUTES)


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
    in place, without a copy per mesh); the columns come from the layout (:func:`word_columns`)."""
    as_uint = words.view(np.uint32)
    values = {"in_position": mesh.positions, "in_normal": mesh.normals, "in_color": mesh.colors,
              "in_semantic": mesh.semantic, "in_material": DEFAULT_MATERIAL if mesh.material is None else mesh.material}
    if skin is not None:
        values["in_bones"], values["in_weights"] = skin.bones, skin.weights
    for name, column, unsigned in (_VERTEX_COLUMNS if skin is None else _SKIN_COLUMNS):
        (as_uint if unsigned else words)[:, column] = values[name]


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
