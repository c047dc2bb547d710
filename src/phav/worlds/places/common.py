"""Helpers shared by the environment builders: ground frames, scattering, distant hills."""

from __future__ import annotations

import numpy as np

from phav.worlds.kit import SceneKit
from phav.worlds.primitives import MeshBuilder, bush, rect_corners, ring_cells, tree
from phav.worlds.scene import Collider


def rects(b: MeshBuilder, x0, x1, y0, y1, colors, label: str, z: float = 0.0) -> None:
    """Axis-aligned horizontal rectangles ``[x0, x1] x [y0, y1]`` facing +Z at height ``z``: bounds
    scalars or ``(K,)`` metres, ``colors (3,)`` or ``(K, 3)``, one label for all."""
    corners = rect_corners(x0, x1, y0, y1, z)
    k = len(corners)
    b.quads(corners, np.broadcast_to(np.asarray(colors, dtype=np.float64), (k, 3)), [label] * k)


def frame(b: MeshBuilder, inner: tuple[float, float], outer: tuple[float, float], color, label: str,
          z: float = 0.0, xs=None, ys=None) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal ring between two centred rectangles of half sizes ``inner`` and ``outer``,
    watertight (:func:`~phav.worlds.primitives.ring_cells`) against what fills the inner one, whose
    vertices along its bottom and top edges are ``xs`` (sorted, from ``-inner[0]`` to ``inner[0]``;
    default those two) and along its sides ``ys``. Returns the ring's vertices along its outer
    edges, ``(xs, ys)`` for a ring around it."""
    (ix, iy), (ox, oy) = inner, outer
    xs = np.array([-ix, ix] if xs is None else xs, dtype=np.float64)
    ys = np.array([-iy, iy] if ys is None else ys, dtype=np.float64)
    bounds, _ = ring_cells(np.stack([xs[:-1], xs[1:]], axis=1), np.stack([ys[:-1], ys[1:]], axis=1), (-ox, ox, -oy, oy))
    rects(b, *bounds.T, color, label, z)
    return np.concatenate([[-ox], xs, [ox]]), np.concatenate([[-oy], ys, [oy]])


def scatter_trees(kit: SceneKit, rng: np.random.Generator, count: int, sample_xy, tries: int = 8) -> int:
    """Plant up to ``count`` trees at points ``sample_xy() -> (2,)``, each with a trunk collider and
    clear of everything placed; returns how many were planted."""
    planted = 0
    for _ in range(count):
        for _ in range(tries):
            xy = np.asarray(sample_xy(), dtype=np.float64)
            if kit.layout.free(xy, (0.6, 0.6), gap=0.0):
                radius, bottom, top, crown = tree(kit.stuff, rng, [*xy, 0.0])
                kit.solid([*xy, 1.5], [radius, radius, 1.5], force=True)
                kit.camera_blockers.append(Collider((float(xy[0]), float(xy[1]), (bottom + top) / 2),
                                                   (crown, crown, (top - bottom) / 2)))
                planted += 1
                break
    return planted


def scatter_bushes(kit: SceneKit, rng: np.random.Generator, count: int, sample_xy) -> None:
    """Low shrubs (Vegetation) where the layout is free; shrubs do not block walking for the camera."""
    for _ in range(count):
        xy = np.asarray(sample_xy(), dtype=np.float64)
        if kit.layout.free(xy, (0.9, 0.9), gap=0.0):
            bush(kit.stuff, rng, [*xy, 0.0])


def distant_hills(b: MeshBuilder, rng: np.random.Generator, count: int = 6, distance=(180.0, 320.0)) -> None:
    """Broad low hills (Terrain) on the horizon."""
    for a in rng.uniform(0, 2 * np.pi, count):
        d = rng.uniform(*distance)
        r = rng.uniform(50.0, 110.0)
        color = np.array([0.1, 0.17, 0.07]) * rng.uniform(0.8, 1.2)
        b.blob([d * np.cos(a), d * np.sin(a), -0.2 * r], r, color, "Terrain", squash=rng.uniform(0.3, 0.5))
