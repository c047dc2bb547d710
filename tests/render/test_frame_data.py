"""Per-frame CPU data of the renderer (no GL): the model-views, part tables, bone palettes and frame
blocks computed once per take equal the per-frame definitions bit for bit, and flow validity follows its definition, non-finite flow
included (the target pixel is clamped to the image, NaN counts as 0), and keeps surfaces seen at a
grazing angle valid (the analytic ground plane)."""

from __future__ import annotations

import numpy as np
import pytest

from phav.geometry import pose_matrix, quat_normalize
from phav.render.flow import flow_validity
from phav.render.uniforms import (BONE_TABLE_COLUMNS, FRAME_BLOCK_FLOATS, PART_TABLE_COLUMNS, PartTables, bone_tables,
                                  frame_block, frame_blocks, part_table, skin_matrices, take_model_views)

from render_scenes import box_mesh, default_camera, make_take, person_take, plane_mesh, pose


def _moving_take(T: int = 5):
    meshes = [plane_mesh(), box_mesh(), box_mesh((0.2, 0.3, 0.4), semantic=31)]
    rng = np.random.default_rng(3)
    poses = [[pose(rng.normal(0, 2, 3), axis=rng.normal(size=3) / np.linalg.norm(rng.normal(size=3)),
                   angle=float(rng.uniform(-3, 3))) for _ in meshes] for _ in range(T)]
    positions = np.array([[p for p, _ in frame] for frame in poses])
    quats = np.array([[q for _, q in frame] for frame in poses]) * rng.uniform(0.5, 2.0, (T, len(meshes), 1))
    cameras = np.stack([default_camera(64, 48, eye=(0.3 * t, -6.0, 2.0 + 0.1 * t))[1] for t in range(T)])
    K, _ = default_camera(64, 48)
    return make_take(meshes, positions, quats, cameras, K, 64, 48)


def _model_views_of_frame(take, t: int) -> np.ndarray:
    """``(P, 4, 4)``, the definition: every part's pose at frame ``t``, then frame ``t``'s camera."""
    return take.camera_world_to_camera[t] @ pose_matrix(take.part_pos[t], quat_normalize(take.part_quat[t]))


def test_model_views_and_part_tables_of_the_whole_take_equal_the_per_frame_definition_bit_for_bit():
    take = _moving_take()
    T, P = take.num_frames, take.num_parts
    every = take_model_views(take)
    assert every.shape == (T, P, 4, 4) and every.dtype == np.float64
    tables = PartTables(take, every)
    whole = tables.tables(0, T)
    assert whole.shape == (T, P, PART_TABLE_COLUMNS, 4) and whole.dtype == np.float32
    for t in range(T):
        assert every[t].tobytes() == _model_views_of_frame(take, t).tobytes(), t
        want = np.zeros((P, PART_TABLE_COLUMNS, 4), dtype=np.float32)
        for k, frame in enumerate((t, min(t + 1, T - 1), max(t - 1, 0))):  # t, t+1, t-1, clamped
            want[:, 3 * k:3 * k + 3] = _model_views_of_frame(take, frame)[:, :3]  # rounded once
        want[:, 9, 0] = take.part_instance
        assert whole[t].tobytes() == want.tobytes(), t
        assert tables.tables(t, T - t)[0].tobytes() == want.tobytes(), t  # a window starting at t
        assert part_table(take, t).tobytes() == want.tobytes(), t


def test_bone_palettes_of_the_whole_take_equal_the_per_frame_definition_bit_for_bit():
    """Per bone, model_view(bone part) @ inverse_bind at t, t+1 and t-1, transposed (column-major),
    composed in float64 and rounded once."""
    take = person_take(64, 48, T=4, step=(0.1, 0.05, 0.0))
    (skin,) = take.skins
    matrices = skin_matrices(skin, take_model_views(take))
    B = len(skin.bone_parts)
    assert matrices.shape == (take.num_frames, B, 4, 4) and matrices.dtype == np.float32
    T = take.num_frames
    whole = bone_tables(take, 0, T, matrices)
    assert whole.shape == (T, B, BONE_TABLE_COLUMNS, 4) and whole.dtype == np.float32
    for t in range(T):
        frames = (t, min(t + 1, T - 1), max(t - 1, 0))
        m = np.stack([_model_views_of_frame(take, f)[skin.bone_parts] @ skin.inverse_bind for f in frames])
        want = np.concatenate([np.swapaxes(m[k], -1, -2) for k in range(3)], axis=1).astype(np.float32)
        assert whole[t].tobytes() == want.tobytes(), t
        assert bone_tables(take, t, 1, matrices)[0].tobytes() == want.tobytes(), t  # a window of one frame


@pytest.mark.parametrize("T", [1, 2, 6])
def test_frame_blocks_of_the_whole_take_equal_the_per_frame_ones_bit_for_bit(T):
    """Moving, zooming and turning cameras (look_at along the axes gives exact and negative zeros in
    the rotation), a moving sun and changing sky: the vectorised blocks equal frame_block."""
    take = _moving_take(T)
    rng = np.random.default_rng(5)
    eyes = [(0.0, -6.0, 2.0), (0.0, -6.0, 0.5), (3.0, 0.0, 0.5), (-1.0, 2.0, 9.0), (0.2, -4.0, 1.0), (5.0, 5.0, 5.0)]
    cameras = [default_camera(64, 48, eye=eyes[t], fov=30.0 + 9.0 * t) for t in range(T)]
    take.camera_K = np.stack([K for K, _ in cameras])
    take.camera_world_to_camera = np.stack([w2c for _, w2c in cameras])
    take.sun_direction = rng.normal(size=(T, 3))
    take.sky_zenith, take.ambient = rng.random((T, 3)), rng.random((T, 3))
    blocks = frame_blocks(take, 0.05, 300.0)
    assert blocks.shape == (T, FRAME_BLOCK_FLOATS) and blocks.dtype == np.float32
    for t in range(T):
        assert blocks[t].tobytes() == frame_block(take, t, 0.05, 300.0).tobytes(), t


def _validity_oracle(motion, depth_next, rel_tol, abs_tol):
    """Pixel by pixel, from the definition: the predicted depth matches frame t+1's depth at the
    nearest target pixel or its bilinear interpolation at the target position; sky lands on sky."""
    H, W = depth_next.shape

    def clamp(i, n):
        return 0 if np.isnan(i) else int(min(max(i, 0), n - 1))

    valid = np.zeros((H, W), dtype=bool)
    for y in range(H):
        for x in range(W):
            u, v, z, inside = (float(c) for c in motion[y, x])
            px, py = float(np.float32(x) + np.float32(u)), float(np.float32(y) + np.float32(v))
            seen = float(depth_next[clamp(np.rint(py), H), clamp(np.rint(px), W)])
            tolerance = rel_tol * abs(z) + abs_tol
            if np.isinf(z):
                ok = np.isinf(seen)
            else:
                ok = abs(z - seen) <= tolerance
                if not ok and np.isfinite(px) and np.isfinite(py):
                    x0, y0 = np.floor(px), np.floor(py)
                    d = [[float(depth_next[clamp(j, H), clamp(i, W)]) for i in (x0, x0 + 1)] for j in (y0, y0 + 1)]
                    if np.isfinite(d).all():
                        fx, fy = px - x0, py - y0
                        top, bottom = d[0][0] + fx * (d[0][1] - d[0][0]), d[1][0] + fx * (d[1][1] - d[1][0])
                        ok = abs(z - (top + fy * (bottom - top))) <= tolerance
            valid[y, x] = inside > 0.5 and ok
    return valid


def test_flow_validity_follows_its_definition_with_non_finite_flow():
    H, W = 12, 16
    rng = np.random.default_rng(5)
    depth_next = rng.uniform(1.0, 3.0, (H, W)).astype(np.float32)
    depth_next[:3] = np.inf  # sky along the top
    motion = np.zeros((H, W, 4), dtype=np.float32)
    motion[..., :2] = rng.integers(-3, 4, (H, W, 2))
    ty = np.clip(np.arange(H)[:, None] + motion[..., 1], 0, H - 1).astype(int)
    tx = np.clip(np.arange(W)[None, :] + motion[..., 0], 0, W - 1).astype(int)
    motion[..., 2] = depth_next[ty, tx] + rng.choice([0.0, 0.005, 0.5], (H, W))  # hit, near hit, occluded
    motion[..., 3] = rng.random((H, W)) > 0.1
    # Non-finite and huge flow, each aimed so that only the clamped target pixel matches its depth:
    # NaN -> pixel 0, +inf and huge -> the last pixel, -inf -> pixel 0.
    motion[6, 7] = (np.nan, 0.0, depth_next[6, 0], 1.0)
    motion[7, 3] = (np.inf, 0.0, depth_next[7, W - 1], 1.0)
    motion[8, 9] = (0.0, -np.inf, depth_next[0, 9], 1.0)  # lands on sky: valid only if predicted sky
    motion[8, 9, 2] = np.inf
    motion[9, 2] = (0.0, 1e30, depth_next[H - 1, 2], 1.0)
    motion[10, 4] = (0.0, np.nan, depth_next[0, 4], 1.0)
    motion[10, 4, 2] = np.inf
    motion[5, 5, :2] = (0.5, 1.5)  # ties round to even
    flow, valid = flow_validity(motion, depth_next, 0.01, 0.01)
    assert flow.dtype == np.float32 and flow.shape == (H, W, 2) and flow.flags.c_contiguous
    assert flow.tobytes() == np.ascontiguousarray(motion[..., :2]).tobytes()
    np.testing.assert_array_equal(valid, _validity_oracle(motion, depth_next, 0.01, 0.01))
    assert valid[6, 7] and valid[7, 3] and valid[8, 9] and valid[9, 2] and valid[10, 4]
    assert 0 < valid.sum() < valid.size


def test_flow_on_far_ground_stays_valid_and_an_occluder_in_front_makes_it_invalid():
    """Analytic: a camera 1.5 m above flat ground moves 0.4 m forward between frames (f = 200 px,
    horizon at row 10). Ground rows far away change depth by metres per pixel, more than the 1 %
    tolerance, so the nearest target pixel alone would call most of them occluded; every ground
    pixel's flow lands on the ground it predicts, so every one is valid. A wall 2 m in front of the
    camera covering the right half at t+1 makes the ground pixels landing behind it invalid."""
    H, W, f, h, horizon, step = 60, 40, 200.0, 1.5, 10.0, 0.4
    rows = np.arange(H, dtype=np.float64)[:, None] * np.ones((1, W))
    below = rows > horizon + 0.5
    depth_t = np.where(below, f * h / np.maximum(rows - horizon, 1e-9), np.inf)
    z_next = depth_t - step  # the same ground point, 0.4 m closer
    target_row = horizon + f * h / z_next
    ok = below & (z_next > 1.0) & (target_row < H - 1)
    motion = np.zeros((H, W, 4), np.float32)
    motion[..., 1] = np.where(ok, target_row - rows, 0.0)
    motion[..., 2] = np.where(ok, z_next, np.inf)
    motion[..., 3] = ok
    next_rows = np.arange(H, dtype=np.float64)[:, None] * np.ones((1, W))
    depth_next = np.where(next_rows > horizon + 0.5, f * h / np.maximum(next_rows - horizon, 1e-9), np.inf).astype(np.float32)
    _, valid = flow_validity(motion, depth_next, 0.01, 0.01)
    seen = depth_next[np.clip(np.rint(rows + motion[..., 1]), 0, H - 1).astype(int), np.arange(W)[None]]
    with np.errstate(invalid="ignore"):
        nearest_only = np.abs(motion[..., 2] - seen) <= 0.01 * motion[..., 2] + 0.01
    assert (ok & ~nearest_only).sum() > 0.3 * ok.sum(), "the grazing rows defeat the nearest pixel alone"
    np.testing.assert_array_equal(valid, ok)
    np.testing.assert_array_equal(valid, _validity_oracle(motion, depth_next, 0.01, 0.01))
    wall = depth_next.copy()
    wall[:, W // 2:] = 2.0
    _, valid_wall = flow_validity(motion, wall, 0.01, 0.01)
    assert not valid_wall[:, W // 2 + 1:].any() and (valid_wall[:, :W // 2 - 1] == ok[:, :W // 2 - 1]).all()
