"""Reusable mesh primitives built with numpy: boxes, cylinders, cones, extruded polygons, trees.

A :class:`MeshBuilder` accumulates labelled, coloured triangles in one frame (world or an object's
local frame) and turns them into one :class:`~phav.take.Mesh`. Every primitive gets its own vertices
(flat normals per face), so semantic labels and colours never blend across primitives. Triangles are
counter-clockwise seen from outside. Positions are metres, Z up; ``yaw`` is radians about +Z.
"""

from __future__ import annotations

import numpy as np

from phav.geometry import cross_rows, row_norms
from phav.labels import class_id
from phav.take import Mesh


def _unit_box() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit-cube faces (-1..1), 4 own vertices each, bottom face last: positions, normals, indices."""
    positions, normals, indices = [], [], []
    for axis, sign in sorted(((a, s) for a in range(3) for s in (-1.0, 1.0)), key=lambda f: f == (2, -1.0)):
        n = np.zeros(3)
        n[axis] = sign
        u = np.zeros(3)
        u[(axis + 1) % 3] = 1.0
        v = cross_rows(n, u)
        base = len(positions)
        for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            positions.append(n + a * u + b * v)
            normals.append(n)
        indices += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
    return np.array(positions), np.array(normals), np.array(indices)


_BOX = _unit_box()


def face_normals(corners: np.ndarray) -> np.ndarray:
    """Unit normals ``(K, 3)`` of ``K`` planar faces ``corners (K, C, 3)`` (``C >= 3``, counter-clockwise
    seen from the front), from their first three corners."""
    c = np.asarray(corners, dtype=np.float64)
    normal = cross_rows(c[:, 1] - c[:, 0], c[:, 2] - c[:, 0])
    return normal / row_norms(normal)[:, None]


def split_quads(count: int) -> np.ndarray:
    """Triangle indices ``(2 count, 3) int64`` for ``count`` quads of 4 consecutive vertices each, split
    along their 0-2 diagonal: every quad's first triangle ``(0, 1, 2)``, then every quad's second
    ``(0, 2, 3)`` (the order strips, caps and ground tiles keep)."""
    base = 4 * np.arange(count, dtype=np.int64)[:, None]
    return np.concatenate([base + [0, 1, 2], base + [0, 2, 3]])


def rect_corners(x0, x1, y0, y1, z=0.0) -> np.ndarray:
    """Corners ``(K, 4, 3)`` of axis-aligned horizontal rectangles ``[x0, x1] x [y0, y1]`` at height
    ``z``, counter-clockwise seen from +Z (from ``(x0, y0)``); each bound a scalar or ``(K,)``, metres."""
    x0, x1, y0, y1, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64).reshape(-1) for v in (x0, x1, y0, y1, z)))
    return np.stack([np.stack([x0, y0, z], axis=-1), np.stack([x1, y0, z], axis=-1),
                     np.stack([x1, y1, z], axis=-1), np.stack([x0, y1, z], axis=-1)], axis=1)


def ring_cells(x_spans: np.ndarray, y_spans: np.ndarray, outer: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Axis-aligned rectangles covering ``outer`` (``x0, x1, y0, y1`` metres) outside an inner
    rectangle, watertight against what fills it: ``x_spans (n, 2)`` are the consecutive intervals
    its bottom and top edges are cut into by their vertices, ``y_spans (m, 2)`` those of its sides.

    Surfaces meeting along a line must share that line's vertices: where one edge ends inside another
    (a T-junction) the rasterised edges part by a pixel and the background (the sky, depth infinite)
    shows through. So every rectangle that borders the inner one spans exactly one of its intervals:
    each side interval continues outwards to the left and to the right, each bottom and top interval
    down and up, and four rectangles fill the corners.

    Returns:
        ``(K, 4)`` bounds rows ``x0, x1, y0, y1`` and ``(K,) int`` the index of the side interval
        (``y_spans``) a rectangle continues, ``-1`` for those below, above and in the corners.
    """
    x_spans, y_spans = np.asarray(x_spans, dtype=np.float64), np.asarray(y_spans, dtype=np.float64)
    x_out = ((outer[0], x_spans[0, 0]), (x_spans[-1, 1], outer[1]))
    y_out = ((outer[2], y_spans[0, 0]), (y_spans[-1, 1], outer[3]))
    bounds, row = [], []
    for x0, x1 in x_out:  # each side interval continued to the left and to the right
        bounds += [(x0, x1, y0, y1) for y0, y1 in y_spans]
        row += range(len(y_spans))
    for y0, y1 in y_out:  # each bottom and top interval continued down and up, and the corners
        bounds += [(x0, x1, y0, y1) for x0, x1 in x_spans] + [(x0, x1, y0, y1) for x0, x1 in x_out]
        row += [-1] * (len(x_spans) + 2)
    return np.array(bounds, dtype=np.float64), np.array(row, dtype=np.int64)


def yaw_matrix(yaw: float) -> np.ndarray:
    """``(3, 3)`` rotation about +Z by ``yaw`` radians."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


class MeshBuilder:
    """Collects triangles; :meth:`build` returns them as one mesh.

    Colours are linear albedo in ``[0, 1]``; ``label`` is a PHAV class name (``labels.CLASS_NAMES``).
    """

    def __init__(self) -> None:
        self._positions: list[np.ndarray] = []
        self._normals: list[np.ndarray] = []
        self._colors: list[np.ndarray] = []
        self._semantic: list[np.ndarray] = []
        self._indices: list[np.ndarray] = []
        self._count = 0

    @property
    def num_triangles(self) -> int:
        return int(sum(len(i) for i in self._indices))

    @property
    def empty(self) -> bool:
        return self._count == 0

    def add(self, positions: np.ndarray, normals: np.ndarray, indices: np.ndarray,
            color: tuple[float, float, float] | np.ndarray, label: str) -> "MeshBuilder":
        """Append raw triangles: ``positions, normals (N, 3)``, ``indices (M, 3)`` local to them;
        ``color`` ``(3,)`` or ``(N, 3)``."""
        positions = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
        n = len(positions)
        self._positions.append(positions)
        self._normals.append(np.asarray(normals, dtype=np.float64).reshape(-1, 3))
        self._colors.append(np.broadcast_to(np.clip(np.asarray(color, dtype=np.float64), 0.0, 1.0), (n, 3)))
        self._semantic.append(np.full(n, class_id(label), dtype=np.uint8))
        self._indices.append(np.asarray(indices, dtype=np.int64).reshape(-1, 3) + self._count)
        self._count += n
        return self

    def quad(self, corners: np.ndarray, color, label: str) -> "MeshBuilder":
        """A planar quad ``corners (4, 3)`` in counter-clockwise order seen from its front, ``color (3,)``:
        :meth:`quads` with one row."""
        return self.quads(np.asarray(corners, dtype=np.float64)[None], np.asarray(color, dtype=np.float64)[None],
                          [label])

    def quads(self, corners: np.ndarray, colors: np.ndarray, labels: list[str]) -> "MeshBuilder":
        """``K`` planar quads, each ``corners (4, 3)`` counter-clockwise seen from its front, with flat
        normals: ``corners (K, 4, 3)``, ``colors (K, 3)``, one label per quad."""
        c = np.asarray(corners, dtype=np.float64).reshape(-1, 4, 3)
        k = len(c)
        if not k:
            return self
        normal = face_normals(c)
        colors = np.clip(np.asarray(colors, dtype=np.float64).reshape(k, 3), 0.0, 1.0)
        self._positions.append(c.reshape(-1, 3))
        self._normals.append(np.repeat(normal, 4, axis=0))
        self._colors.append(np.repeat(colors, 4, axis=0))
        self._semantic.append(np.repeat(np.array([class_id(name) for name in labels], dtype=np.uint8), 4))
        corner_ids = 4 * np.arange(k, dtype=np.int64)[:, None, None] + np.array([[0, 1, 2], [0, 2, 3]])
        self._indices.append(corner_ids.reshape(-1, 3) + self._count)
        self._count += 4 * k
        return self

    def box(self, center, half, color, label: str, yaw: float = 0.0, bottom: bool = False) -> "MeshBuilder":
        """A box of half extents ``half (3,)`` at ``center (3,)`` turned by ``yaw``.

        The bottom face is left out unless ``bottom`` (boxes standing on the ground never show it).
        """
        half = np.asarray(half, dtype=np.float64)
        rot = yaw_matrix(yaw)
        positions, normals, indices = _BOX
        if not bottom:
            positions, normals, indices = positions[:20], normals[:20], indices[:10]
        positions = (positions * half) @ rot.T + np.asarray(center, dtype=np.float64)
        return self.add(positions, normals @ rot.T, indices, color, label)

    def prism(self, polygon, z0: float, z1: float, color, label: str, offset=(0.0, 0.0), yaw: float = 0.0,
              caps: bool = True) -> "MeshBuilder":
        """Extrude a convex-or-star-shaped polygon ``(K, 2)`` (counter-clockwise seen from +Z) from
        ``z0`` to ``z1``; the top cap is a fan from the polygon's centroid."""
        poly = np.asarray(polygon, dtype=np.float64) @ yaw_matrix(yaw)[:2, :2].T + np.asarray(offset)
        k = len(poly)
        nxt = np.roll(poly, -1, axis=0)
        edge = nxt - poly
        side_n = np.stack([edge[:, 1], -edge[:, 0], np.zeros(k)], axis=1)
        side_n /= np.maximum(np.linalg.norm(side_n, axis=1, keepdims=True), 1e-12)
        top = np.column_stack([poly, np.full(k, z1)])
        self._band(np.column_stack([poly, np.full(k, z0)]), top, side_n, color, label)
        if caps:
            self._cap(np.array([*poly.mean(axis=0), z1]), top, color, label)
        return self

    def cylinder(self, base, radius: float, height: float, color, label: str, segments: int = 8,
                 top_radius: float | None = None) -> "MeshBuilder":
        """A (truncated-cone) cylinder standing on ``base (3,)`` along +Z; ``top_radius=0`` is a cone."""
        top_r = radius if top_radius is None else top_radius
        a = 2 * np.pi * np.arange(segments) / segments
        ring = np.column_stack([np.cos(a), np.sin(a)])
        base = np.asarray(base, dtype=np.float64)
        slope = (radius - top_r) / max(height, 1e-9)
        k = segments
        a1 = np.roll(ring, -1, axis=0)
        mid = (ring + a1) / 2
        mid /= np.linalg.norm(mid, axis=1, keepdims=True)
        n = np.column_stack([mid, np.full(k, slope)])
        n /= np.linalg.norm(n, axis=1, keepdims=True)
        top = np.column_stack([ring * top_r, np.full(k, height)]) + base
        self._band(np.column_stack([ring * radius, np.zeros(k)]) + base, top, n, color, label)
        if top_r > 0:
            self._cap(base + [0, 0, height], top, color, label)
        return self

    def _band(self, bottom: np.ndarray, top: np.ndarray, normals: np.ndarray, color, label: str) -> None:
        """The side wall between two closed rings ``bottom, top (K, 3)`` (counter-clockwise seen from
        +Z): ``K`` quads ``bottom[i], bottom[i+1], top[i+1], top[i]`` with ``normals (K, 3)``."""
        nxt_bottom, nxt_top = np.concatenate([bottom[1:], bottom[:1]]), np.concatenate([top[1:], top[:1]])
        quads = np.stack([bottom, nxt_bottom, nxt_top, top], axis=1)
        self.add(quads.reshape(-1, 3), np.repeat(normals, 4, axis=0), split_quads(len(bottom)), color, label)

    def _cap(self, center, ring: np.ndarray, color, label: str) -> None:
        """A flat cap facing +Z: a triangle fan from ``center (3,)`` round the ring ``(K, 3)``
        (counter-clockwise seen from +Z)."""
        k = len(ring)
        fan = np.column_stack([np.zeros(k, dtype=np.int64), 1 + np.arange(k), 1 + (np.arange(k) + 1) % k])
        self.add(np.vstack([center, ring]), np.tile([0.0, 0.0, 1.0], (k + 1, 1)), fan, color, label)

    def blob(self, center, radius, color, label: str, squash: float = 1.0) -> "MeshBuilder":
        """A low-poly ellipsoid (octahedron subdivided once: 32 triangles), z scaled by ``squash``."""
        verts, faces = _ICO_BLOB
        r = np.asarray(radius, dtype=np.float64) * np.array([1.0, 1.0, squash])
        tri = verts[faces] * r  # (F, 3, 3)
        n = cross_rows(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        n /= np.linalg.norm(n, axis=1, keepdims=True)  # not row_norms: these numbers sum the squares in order
        pos = tri.reshape(-1, 3) + np.asarray(center, dtype=np.float64)
        f = len(faces)
        return self.add(pos, np.repeat(n, 3, axis=0), np.arange(3 * f).reshape(f, 3), color, label)

    def build(self, name: str) -> Mesh:
        """The accumulated triangles as one mesh (``uint32`` indices)."""
        if self.empty:
            raise ValueError(f"mesh {name!r} has no triangles; add primitives before building it")
        return Mesh(
            name=name,
            positions=np.concatenate(self._positions),
            normals=np.concatenate(self._normals),
            colors=np.concatenate(self._colors),
            semantic=np.concatenate(self._semantic),
            indices=np.concatenate(self._indices).astype(np.uint32),
        )


def _subdivided_octahedron() -> tuple[np.ndarray, np.ndarray]:
    v = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64)
    faces = [(0, 2, 4), (2, 1, 4), (1, 3, 4), (3, 0, 4), (2, 0, 5), (1, 2, 5), (3, 1, 5), (0, 3, 5)]
    verts = list(v)
    cache: dict[tuple[int, int], int] = {}

    def mid(i: int, j: int) -> int:
        key = (min(i, j), max(i, j))
        if key not in cache:
            m = verts[i] + verts[j]
            verts.append(m / np.linalg.norm(m))
            cache[key] = len(verts) - 1
        return cache[key]

    out = []
    for a, b, c in faces:
        ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
        out += [(a, ab, ca), (ab, b, bc), (ca, bc, c), (ab, bc, ca)]
    return np.asarray(verts), np.asarray(out)


_ICO_BLOB = _subdivided_octahedron()


def tree(builder: MeshBuilder, rng: np.random.Generator, base, height: float | None = None,
         conifer: bool | None = None) -> tuple[float, float, float]:
    """A simple tree at ``base (3,)``: a trunk cylinder and a conical (conifer) or blob (broadleaf)
    crown, labelled ``Tree``. Returns (trunk radius, crown bottom, total height, crown radius), metres."""
    h = float(rng.uniform(4.0, 8.0)) if height is None else height
    conifer = bool(rng.random() < 0.35) if conifer is None else conifer
    trunk_r = 0.12 + 0.02 * h / 4
    bark = np.array([0.16, 0.11, 0.07]) * rng.uniform(0.8, 1.2)
    leaf = (np.array([0.05, 0.16, 0.04]) if conifer else np.array([0.09, 0.22, 0.05])) * rng.uniform(0.75, 1.25)
    base = np.asarray(base, dtype=np.float64)
    if conifer:
        builder.cylinder(base, trunk_r, 0.3 * h, bark, "Tree", segments=6)
        builder.cylinder(base + [0, 0, 0.25 * h], 0.28 * h, 0.75 * h, leaf, "Tree", segments=8, top_radius=0.0)
    else:
        builder.cylinder(base, trunk_r, 0.6 * h, bark, "Tree", segments=6)
        r = 0.3 * h
        builder.blob(base + [0, 0, 0.62 * h], r, leaf, "Tree", squash=0.8)
        builder.blob(base + [0.35 * r, 0.2 * r, 0.8 * h], 0.6 * r, leaf * 1.1, "Tree", squash=0.8)
    crown = 0.28 * h if conifer else 0.36 * h
    return trunk_r, (0.25 * h if conifer else 0.38 * h), h, crown


def bush(builder: MeshBuilder, rng: np.random.Generator, center, size: float | None = None) -> None:
    """A low rounded shrub labelled ``Vegetation``."""
    s = float(rng.uniform(0.4, 0.9)) if size is None else size
    color = np.array([0.08, 0.2, 0.05]) * rng.uniform(0.8, 1.3)
    builder.blob(np.asarray(center, dtype=np.float64) + [0, 0, 0.5 * s], s, color, "Vegetation", squash=0.7)
