"""Users' mesh files as phav meshes: Wavefront OBJ (own parser), glTF/GLB (through ``trimesh``).

Every loader returns a :class:`~phav.take.Mesh` in the file's own frame (metres after ``scale``),
with one semantic class on every vertex. Errors name the file and, for OBJ, the line.

OBJ support: ``v x y z [w]`` and ``v x y z r g b`` (vertex colours in ``[0, 1]``), ``vn``, ``vt``
(read, unused), ``f`` with ``v``, ``v/vt``, ``v//vn`` and ``v/vt/vn`` references (1-based or
negative), polygons (fan-triangulated), ``mtllib``/``usemtl`` (the diffuse ``Kd`` colour of each
material). Other statements (``o``, ``g``, ``s``, ``l``, ...) are ignored. Faces are de-indexed
(three vertices per triangle), so flat faces keep sharp normals where the file gives none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from phav.errors import PhavError
from phav.labels import class_id
from phav.take import Mesh

#: Albedo of meshes whose file gives no colour (linear RGB).
DEFAULT_COLOUR = (0.5, 0.5, 0.5)
#: File suffixes :func:`load_mesh` reads.
MESH_SUFFIXES = (".obj", ".gltf", ".glb")
#: Rotation that turns a Y-up file (most exporters) into phav's Z-up world: (x, y, z) -> (x, -z, y).
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


class MeshFileError(PhavError, ValueError):
    """A mesh file that does not exist or cannot be read; the message names the file (and line)."""


def _face_normals(p: np.ndarray) -> np.ndarray:
    """``(M, 3)`` unit normals of de-indexed triangles ``p (3M, 3)`` (zero for degenerate ones)."""
    tri = p.reshape(-1, 3, 3)
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return np.where(length > 1e-20, n / np.maximum(length, 1e-30), [0.0, 0.0, 1.0])


def _floats(path: Path, number: int, parts: list[str], low: int, high: int) -> list[float]:
    if not low <= len(parts) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise MeshFileError(f"{path}:{number}: expected {want} numbers, got {len(parts)}")
    try:
        return [float(x) for x in parts]
    except ValueError:
        raise MeshFileError(f"{path}:{number}: not a number in {' '.join(parts)!r}") from None


def _read_mtl(path: Path) -> dict[str, tuple[float, float, float]]:
    """Diffuse colours ``Kd`` by material name. A missing library is not an error (colour fallback)."""
    colours: dict[str, tuple[float, float, float]] = {}
    if not path.is_file():
        return colours
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if parts[0] == "newmtl" and len(parts) >= 2:
            current = " ".join(parts[1:])
        elif parts[0] == "Kd" and current is not None:
            r, g, b = _floats(path, number, parts[1:4], 3, 3)
            colours[current] = (r, g, b)
    return colours


def _resolve(path: Path, number: int, token: str, count: int, what: str) -> int:
    """0-based index of an OBJ reference (1-based, or negative: relative to the end so far)."""
    try:
        i = int(token)
    except ValueError:
        raise MeshFileError(f"{path}:{number}: face reference {token!r} is not an integer") from None
    index = i - 1 if i > 0 else count + i
    if i == 0 or not 0 <= index < count:
        raise MeshFileError(f"{path}:{number}: face refers to {what} {i}, but only {count} are defined before it")
    return index


def read_obj(path: str | Path, semantic: str, *, colour: Sequence[float] | None = None, scale: float = 1.0,
             up: str = "z") -> Mesh:
    """A Wavefront OBJ file as a mesh.

    Args:
        path: the ``.obj`` file.
        semantic: PHAV class name of every triangle (e.g. ``"Chair"``; :data:`phav.labels.CLASS_NAMES`).
        colour: linear RGB albedo ``(3,)`` in ``[0, 1]`` for triangles the file gives no colour
            (default :data:`DEFAULT_COLOUR`).
        scale: factor from file units to metres.
        up: ``"z"`` (the file is Z-up, as phav) or ``"y"`` (Y-up, turned to Z-up).

    Raises:
        MeshFileError: missing file, or a line that does not parse (``file:line: reason``).
        ValueError: unknown semantic class (the message lists the valid ones).
    """
    path = Path(path)
    label = class_id(semantic)
    if not path.is_file():
        raise MeshFileError(f"mesh file {path} does not exist")
    fallback = tuple(float(c) for c in (DEFAULT_COLOUR if colour is None else colour))
    positions: list[list[float]] = []
    vertex_colours: list[list[float] | None] = []
    normals: list[list[float]] = []
    texcoords = 0
    materials: dict[str, tuple[float, float, float]] = {}
    current = fallback
    corners_p: list[int] = []
    corners_n: list[int] = []
    corner_colour: list[tuple[float, float, float] | None] = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise MeshFileError(f"cannot read mesh file {path}: {exc.strerror}") from None
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        key, args = parts[0], parts[1:]
        if key == "v":
            values = _floats(path, number, args, 3, 7)
            if len(values) == 5:
                raise MeshFileError(f"{path}:{number}: a vertex has 3, 4 (x y z w) or 6 (x y z r g b) numbers, got 5")
            positions.append(values[:3])
            vertex_colours.append(values[3:6] if len(values) >= 6 else None)
        elif key == "vn":
            normals.append(_floats(path, number, args, 3, 3))
        elif key == "vt":
            _floats(path, number, args, 1, 3)
            texcoords += 1
        elif key == "f":
            if len(args) < 3:
                raise MeshFileError(f"{path}:{number}: a face needs at least 3 vertices, got {len(args)}")
            refs = []
            for token in args:
                fields = token.split("/")
                if len(fields) > 3 or not fields[0]:
                    raise MeshFileError(f"{path}:{number}: malformed face vertex {token!r}; use v, v/vt, v//vn or v/vt/vn")
                p = _resolve(path, number, fields[0], len(positions), "vertex")
                if len(fields) >= 2 and fields[1]:
                    _resolve(path, number, fields[1], texcoords, "texture coordinate")
                n = _resolve(path, number, fields[2], len(normals), "normal") if len(fields) == 3 and fields[2] else -1
                refs.append((p, n))
            for k in range(1, len(refs) - 1):  # fan triangulation
                for p, n in (refs[0], refs[k], refs[k + 1]):
                    corners_p.append(p)
                    corners_n.append(n)
                    corner_colour.append(current)
        elif key == "mtllib":
            for name in args:
                materials.update(_read_mtl(path.parent / name))
        elif key == "usemtl":
            current = materials.get(" ".join(args), fallback)
    if not corners_p:
        raise MeshFileError(f"{path}: no faces ('f' lines); a prop mesh needs triangles")
    p = np.asarray(positions, dtype=np.float64)[corners_p] * float(scale)
    if up == "y":
        p = p @ Y_UP_TO_Z_UP.T
    elif up != "z":
        raise ValueError(f"up must be 'z' or 'y', got {up!r}")
    flat = np.repeat(_face_normals(p), 3, axis=0)
    if normals:
        file_n = np.asarray(normals, dtype=np.float64)
        if up == "y":
            file_n = file_n @ Y_UP_TO_Z_UP.T
        idx = np.asarray(corners_n)
        n = np.where((idx >= 0)[:, None], file_n[np.maximum(idx, 0)], flat)
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    else:
        n = flat
    c = np.array([vertex_colours[i] if vertex_colours[i] is not None else corner_colour[k]
                  for k, i in enumerate(corners_p)], dtype=np.float64)
    return Mesh(name=path.stem, positions=p, normals=n, colors=np.clip(c, 0.0, 1.0),
                semantic=np.full(len(p), label, dtype=np.uint8), indices=np.arange(len(p)).reshape(-1, 3))


def read_gltf(path: str | Path, semantic: str, *, colour: Sequence[float] | None = None, scale: float = 1.0,
              up: str = "y") -> Mesh:
    """A glTF 2.0 file (``.gltf`` or ``.glb``) as one mesh, through the optional ``trimesh`` package
    (``pip install "phav[gltf]"``). glTF is Y-up, hence the default ``up="y"``; colours come from
    the file's vertex or face colours, else ``colour``.

    Raises:
        MeshFileError: missing file, ``trimesh`` not installed, or the file does not load.
    """
    path = Path(path)
    label = class_id(semantic)
    if not path.is_file():
        raise MeshFileError(f"mesh file {path} does not exist")
    try:
        import trimesh
    except ImportError:
        raise MeshFileError(f"reading {path.name} needs trimesh: pip install \"phav[gltf]\" (OBJ needs nothing)") from None
    try:
        loaded = trimesh.load(str(path), force="mesh")
    except Exception as exc:  # trimesh raises many types for a bad file; keep the reason
        raise MeshFileError(f"{path}: not a readable glTF file ({type(exc).__name__}: {exc})") from None
    if len(loaded.faces) == 0:
        raise MeshFileError(f"{path}: no triangles")
    faces = np.asarray(loaded.faces)
    p = np.asarray(loaded.vertices, dtype=np.float64)[faces.reshape(-1)] * float(scale)
    if up == "y":
        p = p @ Y_UP_TO_Z_UP.T
    fallback = np.asarray(DEFAULT_COLOUR if colour is None else colour, dtype=np.float64)
    c = np.tile(fallback, (len(p), 1))
    try:
        vc = np.asarray(loaded.visual.to_color().vertex_colors, dtype=np.float64)[:, :3] / 255.0
        if len(vc) == len(loaded.vertices) and loaded.visual.kind is not None:
            c = vc[faces.reshape(-1)]
    except (AttributeError, ValueError, IndexError):
        pass  # no usable colour in the file: keep the fallback
    n = np.repeat(_face_normals(p), 3, axis=0)
    return Mesh(name=path.stem, positions=p, normals=n, colors=c, semantic=np.full(len(p), label, dtype=np.uint8),
                indices=np.arange(len(p)).reshape(-1, 3))


def load_mesh(path: str | Path, semantic: str, *, colour: Sequence[float] | None = None, scale: float = 1.0,
              up: str | None = None) -> Mesh:
    """Read a mesh file by its suffix (:data:`MESH_SUFFIXES`) as a :class:`~phav.take.Mesh` in metres.

    ``semantic`` is the PHAV class of every triangle; ``colour`` the ``(3,)`` linear RGB albedo in
    ``[0, 1]`` of triangles the file gives no colour; ``scale`` the factor from file units to
    metres; ``up`` the file's up axis, ``"z"`` (default for OBJ) or ``"y"`` (default for glTF, its
    specification's axis), turned to phav's Z up.

    Raises:
        MeshFileError: missing file, unsupported suffix, or a file that does not parse.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".obj":
        return read_obj(path, semantic, colour=colour, scale=scale, up=up or "z")
    if suffix in (".gltf", ".glb"):
        return read_gltf(path, semantic, colour=colour, scale=scale, up=up or "y")
    raise MeshFileError(f"mesh file {path}: unsupported format {suffix or '(no suffix)'!r}; "
                        f"use one of {', '.join(MESH_SUFFIXES)} (or a .urdf as a URDF prop)")
