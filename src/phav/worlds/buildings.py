"""Buildings: boxes with window grids, a door and a flat or pitched roof, labelled per surface
(Building, Window, Door); added to a :class:`~phav.worlds.kit.SceneKit` with a collision box."""

from __future__ import annotations

import numpy as np

from phav.geometry import cross_rows
from phav.worlds.kit import SceneKit
from phav.worlds.primitives import MeshBuilder, face_normals, yaw_matrix

#: Facade albedos (linear RGB): plaster, brick, concrete, stone.
FACADES = ((0.55, 0.5, 0.42), (0.35, 0.14, 0.08), (0.4, 0.4, 0.4), (0.6, 0.55, 0.5), (0.5, 0.35, 0.25),
           (0.45, 0.5, 0.55))
ROOFS = ((0.25, 0.08, 0.05), (0.15, 0.15, 0.17), (0.3, 0.2, 0.15))
WINDOW_GLASS = (0.06, 0.08, 0.11)
DOOR_COLORS = ((0.25, 0.12, 0.05), (0.08, 0.15, 0.08), (0.1, 0.1, 0.25), (0.4, 0.4, 0.4))
#: Storey height and window size, metres.
STOREY = 3.0
WINDOW_SIZE = (1.2, 1.4)
WINDOW_SPACING = 3.2


def facade_quad(b: MeshBuilder, center, normal, half_w: float, half_h: float, color, label: str) -> None:
    """A vertical rectangle at ``center (3,)`` facing ``normal (3,)`` (horizontal unit vector), half
    sizes in metres, ``color (3,)``: :func:`facade_quads` with one row."""
    facade_quads(b, np.asarray(center, dtype=np.float64)[None], np.asarray(normal, dtype=np.float64)[None],
                 np.array([half_w], dtype=np.float64), np.array([half_h], dtype=np.float64),
                 np.asarray(color, dtype=np.float64)[None], [label])


def facade_quads(b: MeshBuilder, centers: np.ndarray, normals: np.ndarray, half_w: np.ndarray, half_h: np.ndarray,
                 colors: np.ndarray, labels: list[str]) -> None:
    """``K`` vertical rectangles: centres ``centers (K, 3)``, facing ``normals (K, 3)`` (horizontal unit
    vectors), half widths and heights ``(K,)`` metres, ``colors (K, 3)``, a label each."""
    n = np.asarray(normals, dtype=np.float64).reshape(-1, 3)
    right = cross_rows((0.0, 0.0, 1.0), n) * np.asarray(half_w, dtype=np.float64)[:, None]
    up = np.zeros_like(right)
    up[:, 2] = half_h
    c = np.asarray(centers, dtype=np.float64).reshape(-1, 3)
    b.quads(np.stack([c - right - up, c + right - up, c + right + up, c - right + up], axis=1), colors, labels)


def building(kit: SceneKit, rng: np.random.Generator, center, half_w: float, half_d: float, height: float,
             yaw: float = 0.0, pitched: bool = False, front_door: bool = True, force: bool = False) -> bool:
    """Place one building (footprint ``2 half_w x 2 half_d`` along its local X/Y) if it fits.

    Windows cover all four facades floor by floor; the door is on the local +Y facade (the front).
    Returns whether it was placed (False when its footprint overlaps the layout).
    """
    center = np.asarray(center, dtype=np.float64)[:2]
    if not kit.solid([*center, height / 2], [half_w, half_d, height / 2], yaw, gap=0.3, force=force):
        return False
    b = kit.stuff
    rot = yaw_matrix(yaw)
    wall = np.asarray(FACADES[int(rng.integers(len(FACADES)))]) * rng.uniform(0.85, 1.15)
    b.box([*center, height / 2], [half_w, half_d, height / 2], wall, "Building", yaw=yaw)
    floors = max(1, int(height // STOREY))
    ww, wh = WINDOW_SIZE
    centers, normals, sizes_w, sizes_h, colors, labels = [], [], [], [], [], []  # windows and doors, in order
    for local_n, half_along, half_across in (((1, 0), half_d, half_w), ((-1, 0), half_d, half_w),
                                             ((0, 1), half_w, half_d), ((0, -1), half_w, half_d)):
        n = rot @ np.array([*local_n, 0.0])
        along = cross_rows((0.0, 0.0, 1.0), n)
        cols = int((2 * half_along - 1.0) // WINDOW_SPACING)
        if cols < 1:
            continue
        offsets = (np.arange(cols) - (cols - 1) / 2) * WINDOW_SPACING
        face = np.array([*center, 0.0]) + n * (half_across + 0.03)
        door_col = int(rng.integers(cols)) if (front_door and local_n == (0, 1)) else -1
        row = face + along * offsets[:, None]  # the facade's columns
        for f in range(floors):
            z = f * STOREY + 1.6
            for i in range(cols):
                door = f == 0 and i == door_col
                centers.append(row[i] + [0, 0, 1.1 if door else z])
                sizes_w.append(0.6 if door else ww / 2)
                sizes_h.append(1.1 if door else wh / 2)
                colors.append(DOOR_COLORS[int(rng.integers(len(DOOR_COLORS)))] if door else WINDOW_GLASS)
                labels.append("Door" if door else "Window")
            normals += [n] * cols
    facade_quads(b, np.array(centers).reshape(-1, 3), np.array(normals).reshape(-1, 3), np.array(sizes_w),
                 np.array(sizes_h), np.array(colors, dtype=np.float64).reshape(-1, 3), labels)
    if pitched:
        _pitched_roof(b, rng, center, half_w, half_d, height, rot, wall)
    return True


def _pitched_roof(b: MeshBuilder, rng: np.random.Generator, center, half_w: float, half_d: float, height: float,
                  rot: np.ndarray, wall: np.ndarray) -> None:
    """A gable roof with its ridge along the local X axis, overhanging the walls by 0.3 m."""
    color = np.asarray(ROOFS[int(rng.integers(len(ROOFS)))])
    rise = float(rng.uniform(0.4, 0.7)) * half_d
    hw, hd = half_w + 0.3, half_d + 0.3
    c = np.array([*center, height])

    def p(x: float, y: float, z: float) -> np.ndarray:
        return c + rot @ np.array([x, y, z])

    for s in (-1, 1):  # two slopes, counter-clockwise seen from above-outside
        quad = [p(-hw, s * hd, 0), p(hw, s * hd, 0), p(hw, 0, rise), p(-hw, 0, rise)]
        if s > 0:
            quad = quad[::-1]
        b.quad(np.array(quad), color, "Building")
    for s in (-1, 1):  # gables
        tri = np.array([p(s * half_w, -half_d, 0), p(s * half_w, half_d, 0), p(s * half_w, 0, rise * half_d / hd)])
        if s < 0:
            tri = tri[::-1]
        b.add(tri, np.repeat(face_normals(tri[None]), 3, axis=0), [[0, 1, 2]], wall, "Building")
