"""Stadium: a striped pitch with line markings and goals, a running track, tiered stands on the
long sides (and sometimes behind the goals) and four floodlight masts."""

from __future__ import annotations

import numpy as np

from phav.geometry import row_norms
from phav.worlds.kit import SceneKit
from phav.worlds.places.common import frame, rects
from phav.worlds.props import floodlight
from phav.worlds.scene import StaticScene

PITCH_GREENS = ((0.07, 0.2, 0.05), (0.09, 0.25, 0.06))
LINE_WHITE = (0.8, 0.8, 0.78)
TRACK_RED = (0.38, 0.12, 0.08)
CONCOURSE = (0.3, 0.29, 0.27)
SEAT_COLORS = ((0.6, 0.05, 0.05), (0.05, 0.15, 0.5), (0.7, 0.6, 0.05), (0.5, 0.5, 0.5), (0.05, 0.35, 0.1))
#: Height of the line markings above the pitch (clear of depth fighting at stadium distances), metres.
LINE_LIFT = 0.01
LINE_HALF = 0.06


def _lines(b, p0: np.ndarray, p1: np.ndarray) -> None:
    """White line markings ``2 LINE_HALF`` wide on the pitch, from ``p0`` to ``p1`` (``(K, 2)`` metres)."""
    d = (p1 - p0) / row_norms(p1 - p0)[:, None]
    n = np.stack([-d[:, 1], d[:, 0]], axis=1) * LINE_HALF
    corners = np.stack([p0 - n, p1 - n, p1 + n, p0 + n], axis=1)  # (K, 4, 2)
    corners = np.concatenate([corners, np.full((len(p0), 4, 1), LINE_LIFT)], axis=2)
    b.quads(corners, np.tile(LINE_WHITE, (len(p0), 1)), ["Terrain"] * len(p0))


def _markings(b, L: float, W: float) -> None:
    hx, hy = L / 2, W / 2
    segments = [((-hx, -hy), (hx, -hy)), ((hx, -hy), (hx, hy)), ((hx, hy), (-hx, hy)),
                ((-hx, hy), (-hx, -hy)), ((0, -hy), (0, hy))]
    a = 2 * np.pi * np.arange(24) / 24
    circle = 9.15 * np.column_stack([np.cos(a), np.sin(a)])
    segments += [(circle[i], circle[(i + 1) % 24]) for i in range(24)]
    for s in (-1, 1):  # penalty and goal areas
        for depth, half in ((16.5, 20.16), (5.5, 9.16)):
            x0, x1 = s * hx, s * (hx - depth)
            segments += [((x0, -half), (x1, -half)), ((x1, -half), (x1, half)), ((x1, half), (x0, half))]
    ends = np.array(segments, dtype=np.float64)  # (K, 2 ends, 2)
    _lines(b, ends[:, 0], ends[:, 1])


def _goal(kit: SceneKit, x: float, s: int) -> None:
    white = (0.85, 0.85, 0.85)
    for y in (-3.66, 3.66):
        kit.stuff.box((x, y, 1.22), (0.06, 0.06, 1.22), white, "Misc")
        kit.solid((x, y, 1.22), (0.06, 0.06, 1.22), force=True)
    kit.stuff.box((x, 0, 2.44), (0.06, 3.72, 0.06), white, "Misc")
    kit.stuff.box((x + s * 1.0, 0, 1.22), (0.02, 3.66, 1.22), (0.6, 0.6, 0.6), "Misc")  # the net's back


def _stand(kit: SceneKit, rng, center_along: float, length: float, start: float, rows: int, axis: int, s: int) -> None:
    """Tiered rows rising away from the pitch; ``axis`` 1: rows along x at y = s*(start + ...)."""
    colors = [SEAT_COLORS[int(i)] for i in rng.integers(len(SEAT_COLORS), size=2)]
    run, rise = 0.8, 0.45
    for k in range(rows):
        across = s * (start + (k + 0.5) * run)
        h = (k + 1) * rise
        if axis == 1:
            c, half = (center_along, across, h / 2), (length / 2, run / 2, h / 2)
        else:
            c, half = (across, center_along, h / 2), (run / 2, length / 2, h / 2)
        kit.stuff.box(c, half, colors[k % 2], "Building")
    depth = rows * run
    h = rows * rise
    across = s * (start + depth / 2)
    c = (center_along, across, h / 2) if axis == 1 else (across, center_along, h / 2)
    half = (length / 2, depth / 2, h / 2) if axis == 1 else (depth / 2, length / 2, h / 2)
    kit.solid(c, half, force=True)
    back = s * (start + depth + 0.2)  # back wall
    bc = (center_along, back, h / 2 + 1.0) if axis == 1 else (back, center_along, h / 2 + 1.0)
    bh = (length / 2, 0.2, h / 2 + 1.0) if axis == 1 else (0.2, length / 2, h / 2 + 1.0)
    kit.stuff.box(bc, bh, (0.35, 0.35, 0.37), "Building")


def build_stadium(rng: np.random.Generator) -> StaticScene:
    """The pitch is centred on the origin along x; the actor starts on the grass, 10 m or more
    from the touchlines, facing any direction."""
    L, W = float(rng.uniform(95.0, 105.0)), float(rng.uniform(60.0, 68.0))
    start = rng.uniform([-L / 2 + 10, -W / 2 + 10], [L / 2 - 10, W / 2 - 10])
    kit = SceneKit(start, float(rng.uniform(-np.pi, np.pi)))
    b = kit.stuff
    margin, track = 4.0, 8.0
    stripes = int(rng.integers(10, 16))
    green_a, green_b = (np.asarray(c) * rng.uniform(0.85, 1.15) for c in PITCH_GREENS)
    edges = np.linspace(-L / 2 - margin, L / 2 + margin, stripes + 1)
    rects(b, edges[:-1], edges[1:], -W / 2 - margin, W / 2 + margin,
          [green_a if i % 2 else green_b for i in range(stripes)], "Terrain")
    _markings(b, L, W)
    inner = (L / 2 + margin, W / 2 + margin)
    outer = (inner[0] + track, inner[1] + track)
    # each ring shares the vertices of what it surrounds (the stripes' edges, then the track's)
    track_xs, track_ys = frame(b, inner, outer, TRACK_RED, "Terrain", xs=edges)
    frame(b, outer, (600.0, 600.0), CONCOURSE, "Road", xs=track_xs, ys=track_ys)
    for s in (-1, 1):
        _goal(kit, s * L / 2, s)
    rows = int(rng.integers(12, 22))
    for s in (-1, 1):
        _stand(kit, rng, 0.0, L + 2 * margin, outer[1] + 1.0, rows, axis=1, s=s)
    ends = bool(rng.random() < 0.6)
    if ends:
        for s in (-1, 1):
            _stand(kit, rng, 0.0, W + 2 * margin, outer[0] + 1.0, rows // 2 + 2, axis=0, s=s)
    mast = float(rng.uniform(25.0, 35.0))
    for sx in (-1, 1):
        for sy in (-1, 1):
            pos = (sx * (outer[0] + 2.0), sy * (outer[1] + 2.0))
            yaw = float(np.arctan2(-pos[1], -pos[0]))
            kit.prop(floodlight(rng, mast), pos, yaw, force=True)
    return kit.finish({"pitch_length": L, "pitch_width": W, "stand_rows": rows, "end_stands": float(ends),
                       "mast_height": mast, "stripes": stripes})
