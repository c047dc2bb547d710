"""Closed triangle surfaces of primitives (capsule, sphere, rounded box) with analytic normals.

Every function returns ``(positions (N, 3) float64, normals (N, 3) float64, triangles (M, 3) int64)``
with triangles counter-clockwise seen from outside, and shared vertices (a closed manifold: each
edge belongs to exactly two triangles).
"""

from __future__ import annotations

import math

import numpy as np

Surface = tuple[np.ndarray, np.ndarray, np.ndarray]

# Rotation taking local +z (a capsule's axis) onto the named axis.
_AXIS_MATRIX = {
    "z": np.eye(3),
    "x": np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]]),
    "y": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]),
}


def revolution(profile: np.ndarray, segments: int) -> Surface:
    """Surface of revolution about +z from a profile ``(R, 4)`` of rings ``(z, rho, n_z, n_rho)``
    ordered from bottom to top; poles are added below the first and above the last ring at
    ``z0 - rho0``-style positions given by the caller as rings with ``rho = 0`` (first/last rows)."""
    bottom, top, rings = profile[0], profile[-1], profile[1:-1]
    angles = 2.0 * math.pi * np.arange(segments) / segments
    ca, sa = np.cos(angles), np.sin(angles)
    pos = [np.array([[0.0, 0.0, bottom[0]]])]
    nrm = [np.array([[0.0, 0.0, -1.0]])]
    for z, rho, nz, nr in rings:
        pos.append(np.stack([rho * ca, rho * sa, np.full(segments, z)], axis=1))
        nrm.append(np.stack([nr * ca, nr * sa, np.full(segments, nz)], axis=1))
    pos.append(np.array([[0.0, 0.0, top[0]]]))
    nrm.append(np.array([[0.0, 0.0, 1.0]]))
    positions = np.concatenate(pos)
    normals = np.concatenate(nrm)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    R = len(rings)
    j = np.arange(segments)
    jn = (j + 1) % segments
    tris = [np.stack([np.zeros(segments, int), 1 + jn, 1 + j], axis=1)]
    for r in range(R - 1):
        a = 1 + r * segments
        b = a + segments
        tris.append(np.stack([a + j, a + jn, b + jn], axis=1))
        tris.append(np.stack([a + j, b + jn, b + j], axis=1))
    last = 1 + (R - 1) * segments
    pole = len(positions) - 1
    tris.append(np.stack([np.full(segments, pole), last + j, last + jn], axis=1))
    return positions, normals, np.concatenate(tris).astype(np.int64)


def capsule(radius: float, length: float, *, axis: str = "z", center=(0.0, 0.0, 0.0),
            cap_rings: int = 8, segments: int = 24, max_ring_spacing: float = 0.01) -> Surface:
    """A capsule (cylinder of ``length`` between two hemispheres of ``radius``) along ``axis``;
    ``length = 0`` gives a sphere. Cylinder rings are at most ``max_ring_spacing`` metres apart."""
    half = 0.5 * length
    rows = [(-half - radius, 0.0, -1.0, 0.0)]
    for i in range(1, cap_rings + 1):  # bottom hemisphere, latitude -90 deg .. 0 deg (inclusive)
        phi = -0.5 * math.pi + 0.5 * math.pi * i / cap_rings
        rows.append((-half + radius * math.sin(phi), radius * math.cos(phi), math.sin(phi), math.cos(phi)))
    if length > 0:
        n = max(1, math.ceil(length / max_ring_spacing))
        for i in range(1, n + 1):
            rows.append((-half + length * i / n, radius, 0.0, 1.0))
    for i in range(1, cap_rings):  # top hemisphere, 0 deg (exclusive) .. 90 deg (exclusive)
        phi = 0.5 * math.pi * i / cap_rings
        rows.append((half + radius * math.sin(phi), radius * math.cos(phi), math.sin(phi), math.cos(phi)))
    rows.append((half + radius, 0.0, 1.0, 0.0))
    p, n, t = revolution(np.array(rows), segments)
    m = _AXIS_MATRIX[axis]
    return p @ m.T + np.asarray(center, dtype=np.float64), n @ m.T, t


def sphere(radius: float, *, center=(0.0, 0.0, 0.0), rings: int = 16, segments: int = 32) -> Surface:
    """A UV sphere with ``rings`` latitude bands."""
    return capsule(radius, 0.0, center=center, cap_rings=rings // 2, segments=segments)


def rounded_box(size, rounding: float, *, center=(0.0, 0.0, 0.0), flat_cells: int = 6, round_cells: int = 4) -> Surface:
    """A box of full extents ``size (3,)`` whose edges and corners are rounded with ``rounding`` m."""
    half = 0.5 * np.asarray(size, dtype=np.float64)
    r = float(min(rounding, *half))
    inner = half - r
    # Grid coordinates per axis on [-half, half], dense within the rounded bands.
    def coords(h: float, i: float) -> np.ndarray:
        band = np.linspace(i, h, round_cells + 1)
        mid = np.linspace(-i, i, flat_cells + 1)
        return np.concatenate([-band[::-1], mid[1:-1], band]) if i > 0 else np.linspace(-h, h, 2 * round_cells + 1)
    axes = [coords(half[k], inner[k]) for k in range(3)]
    positions: list[np.ndarray] = []
    tris: list[np.ndarray] = []
    index: dict[tuple[float, float, float], int] = {}

    def vid(p: np.ndarray) -> int:
        key = tuple(np.round(p, 9))
        if key not in index:
            index[key] = len(positions)
            positions.append(p)
        return index[key]

    for k in range(3):  # face normal axis
        u_ax, v_ax = (k + 1) % 3, (k + 2) % 3
        for sign in (-1.0, 1.0):
            us, vs = axes[u_ax], axes[v_ax]
            ids = np.empty((len(us), len(vs)), dtype=np.int64)
            for a, u in enumerate(us):
                for b, v in enumerate(vs):
                    p = np.zeros(3)
                    p[k], p[u_ax], p[v_ax] = sign * half[k], u, v
                    ids[a, b] = vid(p)
            for a in range(len(us) - 1):
                for b in range(len(vs) - 1):
                    q = (ids[a, b], ids[a + 1, b], ids[a + 1, b + 1], ids[a, b + 1])
                    # (u, v, k) is right-handed: counter-clockwise seen from +k for sign > 0.
                    if sign > 0:
                        tris.append(np.array([[q[0], q[1], q[2]], [q[0], q[2], q[3]]]))
                    else:
                        tris.append(np.array([[q[0], q[2], q[1]], [q[0], q[3], q[2]]]))
    cube = np.array(positions)
    core = np.clip(cube, -inner, inner)
    d = cube - core
    normals = d / np.linalg.norm(d, axis=1, keepdims=True)
    out = core + r * normals
    return out + np.asarray(center, dtype=np.float64), normals, np.concatenate(tris).astype(np.int64)


def split_by_labels(positions: np.ndarray, normals: np.ndarray, triangles: np.ndarray,
                    triangle_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Duplicate vertices shared by triangles of different labels so that no vertex is used by two
    labels. Returns ``(positions, normals, triangles, vertex_labels)``."""
    keys = triangles.astype(np.int64) * 256 + np.repeat(triangle_labels[:, None].astype(np.int64), 3, axis=1)
    unique, inverse = np.unique(keys.reshape(-1), return_inverse=True)
    src = unique // 256
    return positions[src], normals[src], inverse.reshape(-1, 3), (unique % 256).astype(np.uint8)
