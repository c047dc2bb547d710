"""Vertex layouts of meshes on the GPU: interleaved vertices (:func:`interleave`) and the buffer
format matched to a program's attributes by name (:func:`vertex_format`). Rigid parts
(:mod:`phav.render.part_batch`) add the vertex's part; skins (linear blend skinning,
:mod:`phav.render.skinning`) add 4 bone indices and 4 weights per vertex."""

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


#: Meshes with fewer vertices are filled by :func:`fill_mesh_vertices` in runs, their attributes
#: concatenated first: each column written costs about a microsecond besides its length, so a small
#: mesh's 12 columns cost more than copying its arrays once (a memcpy each). The Urban world's 36
#: small meshes (70-140 vertices each): about 0.9 ms one by one, 0.3 ms as one run.
CONCAT_MAX_VERTICES = 4096


def _attribute_values(mesh: Mesh, skin: Skin | None = None) -> dict[str, object]:
    """The value written to each attribute of ``mesh``'s vertices (an ``(N, n)`` or ``(N,)``
    array, or a per-mesh constant such as :data:`~phav.take.DEFAULT_MATERIAL`), by attribute name."""
    values = {"in_position": mesh.positions, "in_normal": mesh.normals, "in_color": mesh.colors,
              "in_semantic": mesh.semantic, "in_material": DEFAULT_MATERIAL if mesh.material is None else mesh.material}
    if skin is not None:
        values["in_bones"], values["in_weights"] = skin.bones, skin.weights
    return values


def _write_columns(words: np.ndarray, values: dict[str, object], columns: tuple[tuple[str, int | slice, bool], ...]) -> None:
    """Write ``values`` (by attribute name, each broadcastable to its columns) into the ``(N, W)
    float32`` rows ``words`` at ``columns`` (:func:`word_columns`), cast to float32 or uint32 as
    assignment casts. An ``(N, n)`` array is written one component at a time: numpy copies a block
    into a wider row a few elements per inner loop, several times slower than n strided columns."""
    as_uint = words.view(np.uint32)
    for name, column, unsigned in columns:
        dest = as_uint if unsigned else words
        value = np.asarray(values[name])
        if isinstance(column, slice) and value.ndim and value.shape[-1] == column.stop - column.start:
            for j, c in enumerate(range(column.start, column.stop)):
                dest[:, c] = value[..., j]
        else:
            dest[:, column] = value


def fill_vertices(words: np.ndarray, mesh: Mesh, skin: Skin | None = None) -> None:
    """Write the mesh's vertices into ``words``, ``(N, 12)`` (or with ``skin``, ``(N, 20)``)
    float32 rows holding :func:`interleave`'s bytes (so a batch of meshes is filled into one array
    in place, without a copy per mesh); the columns come from the layout (:func:`word_columns`)."""
    _write_columns(words, _attribute_values(mesh, skin), _VERTEX_COLUMNS if skin is None else _SKIN_COLUMNS)


def _concatenated_values(meshes: Sequence[Mesh]) -> dict[str, object]:
    """:func:`_attribute_values` of ``meshes``' vertices one mesh after the other: each array
    attribute concatenated (the material a constant when no mesh has one, else the default broadcast
    per mesh without one, as float32: the value assignment would write)."""
    values = {name: np.concatenate([getattr(m, field) for m in meshes])
              for name, field in (("in_position", "positions"), ("in_normal", "normals"),
                                  ("in_color", "colors"), ("in_semantic", "semantic"))}
    if all(m.material is None for m in meshes):
        values["in_material"] = DEFAULT_MATERIAL
    else:
        default = np.asarray(DEFAULT_MATERIAL, dtype=np.float32)
        values["in_material"] = np.concatenate([np.broadcast_to(default, (len(m.positions), 2)) if m.material is None
                                                else m.material for m in meshes])
    return values


def fill_mesh_vertices(words: np.ndarray, meshes: Sequence[Mesh]) -> None:
    """Write the vertices of ``meshes``, one mesh after the other, into ``words``, ``(sum N, 12)``
    float32 rows: the bytes of :func:`interleave` of each mesh in turn. A mesh of at least
    :data:`CONCAT_MAX_VERTICES` vertices is written in place (:func:`fill_vertices`); each run of
    smaller ones is written at once from their concatenated attributes."""
    total = sum(len(m.positions) for m in meshes)
    if total != len(words):
        raise ValueError(f"{len(words)} vertex rows for meshes of {total} vertices")
    small: list[Mesh] = []  # the run of small meshes ending at ``at``
    at = 0

    def write_small() -> None:
        if small:
            n = sum(len(m.positions) for m in small)
            _write_columns(words[at - n:at], _concatenated_values(small) if len(small) > 1 else _attribute_values(small[0]),
                           _VERTEX_COLUMNS)
            small.clear()

    for mesh in meshes:
        n = len(mesh.positions)
        if n >= CONCAT_MAX_VERTICES:
            write_small()
            fill_vertices(words[at:at + n], mesh)
        else:
            small.append(mesh)
        at += n
    write_small()


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
