"""View culling of the large parts' triangles (phav.render.view_cull): the commands cover every
rigid triangle once and in order, a frame leaves out the cells outside its view, and no byte of any
modality changes."""

from __future__ import annotations

import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import view_cull
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec
from phav.worlds.ground import TILE_BLOCK, block_order

from render_scenes import assert_same_frames, person_take

pytestmark = pytest.mark.gl

W, H = 96, 72


@pytest.fixture(scope="module")
def walk_take():
    """The benchmarks' Walk on the Plain: a tiled ground of 12,816 triangles, most outside the view."""
    return Scenario(VideoSpec(action="Walk", frames=4, width=W, height=H, seed=0).validate()).simulate()


def _commands(renderer: Renderer) -> np.ndarray:
    return np.frombuffer(renderer._take.view_cull.commands.read(), dtype=np.uint32).reshape(-1, 5)


def test_commands_cover_every_rigid_triangle_once_in_order(walk_take):
    with Renderer(W, H, quality_settings("phav")) as r:
        frames = r.render_take(walk_take, ("depth",))
        next(frames)
        batch, culled = r._take.parts, r._take.view_cull
        assert culled is not None and culled.cells >= 12816 // view_cull.CELL_TRIANGLES
        table = _commands(r)  # this frame's
        records = np.frombuffer(culled._cells.read(), dtype=[("lo", "<f4", 4), ("hi", "<f4", 4), ("info", "<u4", 4)])
        frames.close()
    total = int(batch.count.sum())
    # With every cell drawn, the commands tile [0, total indices) without gaps, in order.
    starts, counts = table[:, 2].astype(np.int64), np.zeros(len(table), dtype=np.int64)
    cells = np.zeros(len(table), dtype=bool)
    cells[records["info"][:, 1]] = True
    counts[cells] = records["info"][:, 2]
    counts[~cells] = table[~cells, 0]
    assert starts[0] == 0 and np.array_equal(starts[1:], (starts + counts)[:-1]) and (starts + counts)[-1] == total
    assert set(table[:, 1]) == {1} and not table[:, 3].any() and not table[:, 4].any()
    assert culled.runs == ((0, 0, len(table)),)


def test_a_frame_leaves_out_the_cells_outside_its_view(walk_take):
    with Renderer(W, H, quality_settings("phav")) as r:
        frames = r.render_take(walk_take, ("depth",))
        next(frames)
        table = _commands(r)
        frames.close()
    drawn = table[:, 0]
    assert (drawn == 0).sum() > len(drawn) // 3  # most of the field is behind or beside the camera
    assert drawn.sum() > 0


@pytest.mark.parametrize("quality", ["phav", "preview"])  # separate ground-truth pass; fused
def test_culling_changes_no_byte(walk_take, quality, monkeypatch):
    frames = {}
    for culling in (True, False):
        if not culling:
            monkeypatch.setattr(view_cull, "CULL_MIN_TRIANGLES", 10**9)
        with Renderer(W, H, quality_settings(quality)) as r:
            rendered = r.render_take(walk_take, MODALITIES)
            first = next(rendered)
            assert (r._take.view_cull is not None) == culling
            frames[culling] = [first, *rendered]
    assert_same_frames(frames[True], frames[False])


def test_small_parts_are_not_culled():
    take = person_take(W, H, T=2)
    with Renderer(W, H, quality_settings("preview")) as r:
        frames = r.render_take(take, ("depth",))
        next(frames)
        assert r._take.view_cull is None  # no part reaches CULL_MIN_TRIANGLES
        frames.close()


def test_tiles_come_in_compact_blocks(walk_take):
    ground = walk_take.meshes[0]
    triangles = ground.positions[ground.indices.reshape(-1, 3)]
    # Every tile's first triangles, then every tile's second ones (split_quads), so a cell of 128
    # consecutive triangles is one half of 128 tiles: two blocks, 8 x 16 tiles of the field.
    assert view_cull.CELL_TRIANGLES == 2 * TILE_BLOCK * TILE_BLOCK
    for first in range(0, 6400 * 2, view_cull.CELL_TRIANGLES * 7):  # the tiled square (the far field follows)
        cell = triangles[first:first + view_cull.CELL_TRIANGLES].reshape(-1, 3)
        extent = cell.max(axis=0) - cell.min(axis=0)
        assert extent[0] <= TILE_BLOCK + 1e-9 and extent[1] <= 2 * TILE_BLOCK + 1e-9, first
    # A stable sort: tiles keep their given order within a block.
    x0 = np.repeat(np.arange(16.0), 16)
    y0 = np.tile(np.arange(16.0), 16)
    order = block_order(x0, y0, 1.0)
    assert sorted(order.tolist()) == list(range(256))
    assert order[:TILE_BLOCK].tolist() == list(range(TILE_BLOCK))  # x = 0, y = 0..7
    assert order[TILE_BLOCK:2 * TILE_BLOCK].tolist() == list(range(16, 16 + TILE_BLOCK))  # x = 1
