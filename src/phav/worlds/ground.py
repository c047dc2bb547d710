"""Ground meshes: a tiled field of terrain with a road strip, labelled per surface."""

from __future__ import annotations

import numpy as np

from phav.labels import class_id
from phav.take import Mesh
from phav.worlds.primitives import rect_corners, ring_cells, split_quads

#: Tiles per side of the blocks a tiled ground's triangles come in (:func:`block_order`).
TILE_BLOCK = 8
#: Albedo ranges (linear RGB) the tiles are drawn from.
GRASS_ALBEDO = ((0.10, 0.20, 0.05), (0.20, 0.32, 0.09))
ROAD_ALBEDO = ((0.09, 0.09, 0.10), (0.16, 0.16, 0.17))
ROAD_MARKING_ALBEDO = (0.75, 0.75, 0.70)


def tiled_ground(
    rng: np.random.Generator,
    half_extent: float = 40.0,
    tile: float = 1.0,
    road_half_width: float = 3.0,
    road_center_y: float = 0.0,
    far_extent: float = 600.0,
) -> Mesh:
    """A flat ground at ``z = 0`` made of square tiles, each with its own slightly varied albedo.

    Tiles whose centre lies within ``road_half_width`` of the line ``y = road_center_y`` are Road
    (dark asphalt with a dashed centre marking); the rest are Terrain (grass). Every tile has its own
    four vertices so labels and colours never blend across tiles.

    Args:
        rng: the world's generator (tile colours).
        half_extent: the ground spans ``[-half_extent, half_extent]`` in x and y, metres.
        tile: tile size, metres.
        road_half_width: half the road's width, metres; 0 for no road.
        road_center_y: the road runs along x at this y, metres.
        far_extent: untiled ground continues out to this distance so the horizon is ground, metres.

    Returns:
        One :class:`~phav.take.Mesh`: ``n x n`` tiles (``n`` a side, 4 vertices each) and the far field.
    """
    x0, y0 = _tile_grid(half_extent, tile)
    cx, cy = x0 + tile / 2, y0 + tile / 2
    count = x0.size

    on_road = np.abs(cy - road_center_y) < road_half_width
    marking = on_road & (np.abs(cy - road_center_y) < tile) & (np.floor(cx / (2 * tile)) % 2 == 0)
    marking &= np.abs(cy - road_center_y) <= tile / 2 + 1e-9
    lo = np.where(on_road[:, None], ROAD_ALBEDO[0], GRASS_ALBEDO[0])
    hi = np.where(on_road[:, None], ROAD_ALBEDO[1], GRASS_ALBEDO[1])
    tile_color = (lo + rng.random((count, 1)) * (hi - lo)) * (1.0 + rng.normal(0.0, 0.04, (count, 3)))
    tile_color[marking] = ROAD_MARKING_ALBEDO
    tile_color = np.clip(tile_color, 0.0, 1.0)
    tile_label = np.where(on_road, class_id("Road"), class_id("Terrain")).astype(np.uint8)
    inner = _tiles("ground", x0, y0, tile, tile_color, tile_label)
    if far_extent <= half_extent:
        return inner
    # the far field continues each row of tiles: the road's rows as road, the others as grass
    n = int(round(2 * half_extent / tile))
    row_on_road = on_road.reshape(n, n)[0]  # x0 and y0 are row-major in x: row j of tiles is [:, j]
    grass, road = (class_id("Terrain"), np.mean(GRASS_ALBEDO, axis=0)), (class_id("Road"), np.mean(ROAD_ALBEDO, axis=0))
    rows = [road if r else grass for r in row_on_road]
    return merge_meshes("ground", [inner, _far_ring("far_field", half_extent, far_extent, tile, (0.0, 0.0), rows, grass)])


def _far_ring(name: str, half: float, far: float, tile: float, center, rows: list[tuple[int, np.ndarray]],
              outer: tuple[int, np.ndarray]) -> Mesh:
    """Flat quads at ``z = 0`` covering ``center +- far`` outside the tiled square ``center +- half``
    (:func:`_tile_grid`'s ``n x n`` tiles of ``tile`` metres), watertight against it
    (:func:`~phav.worlds.primitives.ring_cells`, with each tile's two corner values computed as
    :func:`_tiles` computes them). A row of tiles continues to ``+-far`` in x as one quad on each
    side, labelled and coloured ``rows[j] = (class id, albedo (3,))``; the columns continue in y, and
    the four corners, as ``outer``."""
    n = int(round(2 * half / tile))
    edges = -half + tile * np.arange(n + 1)
    cx, cy = center
    lo_x, lo_y = edges[:-1] + cx, edges[:-1] + cy  # the tiles' lower corners, as _tile_grid gives them
    spans_x, spans_y = np.stack([lo_x, lo_x + tile], axis=1), np.stack([lo_y, lo_y + tile], axis=1)  # + side: as _tiles
    bounds, row = ring_cells(spans_x, spans_y, (cx - far, cx + far, cy - far, cy + far))
    kinds = [rows[r] if r >= 0 else outer for r in row]
    return _rects(name, bounds, np.array([k[1] for k in kinds]), np.array([k[0] for k in kinds], dtype=np.uint8))


def _tile_grid(half_extent: float, tile: float, center=(0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left corners ``x0, y0 (n * n,)`` of the ``tile``-metre squares tiling ``center +- half_extent``
    (``n`` a side), row-major in x."""
    n = int(round(2 * half_extent / tile))
    edges = -half_extent + tile * np.arange(n + 1)
    x0, y0 = np.meshgrid(edges[:-1] + center[0], edges[:-1] + center[1], indexing="ij")
    return x0.ravel(), y0.ravel()


def _flat_quads(name: str, corners: np.ndarray, colors: np.ndarray, labels: np.ndarray) -> Mesh:
    """A mesh of horizontal quads facing +Z: ``corners (K, 4, 3)`` counter-clockwise seen from above,
    a colour ``(K, 3)`` and a class id ``(K,)`` each, every quad its own 4 vertices."""
    k = len(corners)
    return Mesh(name, corners.reshape(-1, 3), np.tile([0.0, 0.0, 1.0], (4 * k, 1)), np.repeat(colors, 4, axis=0),
                np.repeat(labels, 4), split_quads(k))


def _tiles(name: str, x0: np.ndarray, y0: np.ndarray, tile: float, colors: np.ndarray, labels: np.ndarray) -> Mesh:
    """Square tiles at ``z = 0`` with lower-left corners ``x0, y0 (K,)`` metres, ``tile`` metres a side,
    each with its colour ``(K, 3)`` and class id ``(K,)``, laid out in blocks of
    :data:`TILE_BLOCK` x :data:`TILE_BLOCK` tiles (:func:`block_order`)."""
    order = block_order(x0, y0, tile)
    x0, y0, colors, labels = x0[order], y0[order], colors[order], labels[order]
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float64) * tile
    positions = np.zeros((len(x0), 4, 3))
    positions[:, :, 0] = x0[:, None] + corners[:, 0]
    positions[:, :, 1] = y0[:, None] + corners[:, 1]
    return _flat_quads(name, positions, colors, labels)


def block_order(x0: np.ndarray, y0: np.ndarray, tile: float) -> np.ndarray:
    """The order that puts tiles (lower-left corners ``x0, y0 (K,)``, metres) block by block, blocks
    of :data:`TILE_BLOCK` x :data:`TILE_BLOCK` tiles in x-major order, the tiles of a block in their
    given order (a stable sort). The renderer culls a large part's triangles outside the view in runs
    of consecutive triangles (:mod:`phav.render.view_cull`: 128; a tiled mesh lists every tile's
    first triangle, then every second one, so a run is half the triangles of two blocks, an 8 x 16
    tile patch) rather than strips across the whole field. Tiles never overlap, so their order
    changes no pixel."""
    block = TILE_BLOCK * tile  # blocks aligned to multiples of it from the world origin
    return np.lexsort((np.floor(y0 / block), np.floor(x0 / block)))  # x-major by block; stable within one


def _rects(name: str, bounds: np.ndarray, colors: np.ndarray, labels: np.ndarray) -> Mesh:
    """Axis-aligned rectangles at ``z = 0``: ``bounds (K, 4)`` rows ``x0, x1, y0, y1`` metres."""
    return _flat_quads(name, rect_corners(*bounds.T), colors, labels)


def merge_meshes(name: str, meshes: list[Mesh]) -> Mesh:
    """One mesh holding all of ``meshes`` (same frame), indices offset accordingly."""
    offsets = np.cumsum([0] + [len(m.positions) for m in meshes[:-1]])
    return Mesh(
        name=name,
        positions=np.concatenate([m.positions for m in meshes]),
        normals=np.concatenate([m.normals for m in meshes]),
        colors=np.concatenate([m.colors for m in meshes]),
        semantic=np.concatenate([m.semantic for m in meshes]),
        indices=np.concatenate([m.indices + np.uint32(o) for m, o in zip(meshes, offsets)]),
    )


#: A ground surface: (PHAV class name, albedo low (3,), albedo high (3,)); tiles draw between them.
Surface = tuple[str, tuple[float, float, float], tuple[float, float, float]]

GRASS: Surface = ("Terrain", GRASS_ALBEDO[0], GRASS_ALBEDO[1])
ASPHALT: Surface = ("Road", ROAD_ALBEDO[0], ROAD_ALBEDO[1])
PAVEMENT: Surface = ("Road", (0.28, 0.27, 0.25), (0.36, 0.35, 0.33))
GRAVEL: Surface = ("Terrain", (0.30, 0.26, 0.20), (0.40, 0.35, 0.27))
SAND: Surface = ("Terrain", (0.45, 0.38, 0.26), (0.55, 0.47, 0.33))
COBBLES: Surface = ("Road", (0.22, 0.19, 0.16), (0.34, 0.30, 0.26))


def painted_ground(rng: np.random.Generator, surfaces: list[Surface], classify, half_extent: float = 40.0,
                   tile: float = 1.0, far_extent: float = 600.0, far_surface: int = 0,
                   center=(0.0, 0.0)) -> Mesh:
    """A flat tiled ground at ``z = 0`` whose tiles take the surface ``classify`` picks.

    Args:
        surfaces: the surfaces tiles can take.
        classify: ``f(cx, cy) -> (n,) int`` surface index per tile centre (metres); ``-1`` leaves a
            hole (e.g. where water or a floor of another mesh lies).
        half_extent, tile: the tiled square ``center +- half_extent`` and the tile size, metres.
        far_extent: plain ground of ``surfaces[far_surface]`` continues out to this distance.

    Returns:
        One mesh, every tile with its own 4 vertices, colour drawn from its surface's range.
    """
    x0, y0 = _tile_grid(half_extent, tile, center)
    kind = np.asarray(classify(x0 + tile / 2, y0 + tile / 2), dtype=np.int64)
    keep = kind >= 0
    x0, y0, kind = x0[keep], y0[keep], kind[keep]
    count = len(x0)
    lo = np.array([s[1] for s in surfaces])[kind]
    hi = np.array([s[2] for s in surfaces])[kind]
    color = np.clip((lo + rng.random((count, 1)) * (hi - lo)) * (1.0 + rng.normal(0.0, 0.04, (count, 3))), 0, 1)
    label = np.array([class_id(s[0]) for s in surfaces], dtype=np.uint8)[kind]
    tiles = _tiles("ground", x0, y0, tile, color, label)
    if far_extent <= half_extent:
        return tiles
    s = surfaces[far_surface]
    plain = (class_id(s[0]), np.mean([s[1], s[2]], axis=0))
    n = int(round(2 * half_extent / tile))
    far = _far_ring("far_field", half_extent, far_extent, tile, center, [plain] * n, plain)
    return merge_meshes("ground", [tiles, far])
