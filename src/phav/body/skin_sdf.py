"""Signed distance primitives, smooth blending and a vectorised surface-nets mesher (numpy only).

Distances are in metres, negative inside. Points are ``(N, 3) float`` arrays. The primitives are
the usual exact or near-exact SDFs (sphere, round cone, rounded box, ellipsoid approximation,
half-space); :func:`smin`/:func:`smax` are polynomial smooth minimum/maximum with blend radius ``k``
(exact ``min``/``max`` where the two distances differ by more than ``k``).

:func:`surface_nets` turns a sampled field into a closed triangle mesh: one vertex per grid cell the
surface crosses (the mean of the cell's edge crossings), one quad per crossing grid edge.
"""

from __future__ import annotations

import numpy as np


def sphere(p: np.ndarray, center, radius: float) -> np.ndarray:
    return np.linalg.norm(p - np.asarray(center, dtype=np.float64), axis=-1) - radius


def ellipsoid(p: np.ndarray, center, radii) -> np.ndarray:
    """Ellipsoid with semi-axes ``radii`` along x, y, z (Quilez's bound; exact on the surface)."""
    r = np.asarray(radii, dtype=np.float64)
    q = p - np.asarray(center, dtype=np.float64)
    k0 = np.linalg.norm(q / r, axis=-1)
    k1 = np.linalg.norm(q / (r * r), axis=-1)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


def round_cone(p: np.ndarray, a, b, ra: float, rb: float) -> np.ndarray:
    """Capsule from ``a`` (radius ``ra``) to ``b`` (radius ``rb``) with tangent cone sides (exact)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ba = b - a
    l2 = float(ba @ ba)
    rr = ra - rb
    a2 = l2 - rr * rr
    il2 = 1.0 / l2
    pa = p - a
    y = pa @ ba
    z = y - l2
    x2 = np.sum((pa * l2 - y[:, None] * ba) ** 2, axis=-1)
    y2 = y * y * l2
    z2 = z * z * l2
    k = np.sign(rr) * rr * rr * x2
    d_mid = (np.sqrt(np.maximum(x2 * a2 * il2, 0.0)) + y * rr) * il2 - ra
    d_b = np.sqrt(x2 + z2) * il2 - rb
    d_a = np.sqrt(x2 + y2) * il2 - ra
    out = np.where(np.sign(y) * a2 * y2 < k, d_a, d_mid)
    return np.where(np.sign(z) * a2 * z2 > k, d_b, out)


def round_box(p: np.ndarray, center, half, rounding: float) -> np.ndarray:
    """Axis-aligned box of half extents ``half`` whose edges are rounded by ``rounding`` (exact)."""
    q = np.abs(p - np.asarray(center, dtype=np.float64)) - (np.asarray(half, dtype=np.float64) - rounding)
    outside = np.linalg.norm(np.maximum(q, 0.0), axis=-1)
    inside = np.minimum(q.max(axis=-1), 0.0)
    return outside + inside - rounding


def half_space(p: np.ndarray, point, normal) -> np.ndarray:
    """Negative behind the plane through ``point`` whose outward unit normal is ``normal``."""
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    return (p - np.asarray(point, dtype=np.float64)) @ n


def smin(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth union of two distances, blend radius ``k`` metres (``k = 0``: ``min``)."""
    if k <= 0.0:
        return np.minimum(a, b)
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def smax(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth intersection (``-smin(-a, -b, k)``)."""
    return -smin(-a, -b, k)


def surface_nets(field: np.ndarray, origin: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Mesh the zero level set of a sampled signed distance field.

    Args:
        field: ``(nx, ny, nz)`` values at ``origin + step * (i, j, k)``; negative inside. The
            boundary samples must be outside (positive) so the mesh is closed.
        origin: ``(3,)`` world position of sample ``(0, 0, 0)``, metres.
        step: grid spacing, metres.

    Returns:
        positions ``(V, 3) float64`` and triangles ``(F, 3) int64``, wound consistently (every
        edge used once in each direction where the surface is a manifold); the caller picks the
        global orientation (e.g. by the sign of the enclosed volume).
    """
    f = np.asarray(field, dtype=np.float64)
    nx, ny, nz = f.shape
    inside = f < 0.0
    cells = (nx - 1, ny - 1, nz - 1)
    sums = np.zeros((int(np.prod(cells)), 3))
    counts = np.zeros(int(np.prod(cells)))
    edges = []  # (axis, grid index arrays of crossing edges, inside at the edge start)
    unit = np.eye(3, dtype=np.int64)
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        f0, f1 = f[tuple(lo)], f[tuple(hi)]
        cross = inside[tuple(lo)] != inside[tuple(hi)]
        idx = np.nonzero(cross)
        t = f0[idx] / (f0[idx] - f1[idx])
        ijk = np.stack(idx, axis=-1)
        point = ijk + t[:, None] * unit[axis]
        # The 4 cells around an edge along `axis`: offsets 0/-1 on the two other axes.
        others = [a for a in range(3) if a != axis]
        for d0 in (0, -1):
            for d1 in (0, -1):
                c = ijk.copy()
                c[:, others[0]] += d0
                c[:, others[1]] += d1
                ok = np.all((c >= 0) & (c < np.array(cells)), axis=1)
                flat = np.ravel_multi_index(tuple(c[ok].T), cells)
                np.add.at(sums, flat, point[ok])
                np.add.at(counts, flat, 1.0)
        edges.append((axis, ijk, inside[tuple(lo)][idx]))
    active = counts > 0
    vertex_of_cell = np.full(len(counts), -1, dtype=np.int64)
    vertex_of_cell[active] = np.arange(int(active.sum()))
    positions = origin + step * (sums[active] / counts[active, None])
    quads = []
    for axis, ijk, start_inside in edges:
        others = [(axis + 1) % 3, (axis + 2) % 3]  # cyclic, so every axis winds the same way
        interior = np.all([(ijk[:, a] >= 1) & (ijk[:, a] <= cells[a] - 1) for a in others], axis=0)
        ijk, start_inside = ijk[interior], start_inside[interior]
        corners = []
        for d0, d1 in ((0, 0), (-1, 0), (-1, -1), (0, -1)):
            c = ijk.copy()
            c[:, others[0]] += d0
            c[:, others[1]] += d1
            corners.append(vertex_of_cell[np.ravel_multi_index(tuple(c.T), cells)])
        q = np.stack(corners, axis=1)
        q[start_inside] = q[start_inside][:, ::-1]
        quads.append(q)
    q = np.concatenate(quads)
    triangles = np.concatenate([q[:, [0, 1, 2]], q[:, [0, 2, 3]]])
    return positions, triangles
