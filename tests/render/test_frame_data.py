"""Per-frame CPU data of the renderer (no GL): the model-views computed once per take equal the
per-frame computation bit for bit, and flow validity follows its definition, non-finite flow
included (the nearest target pixel is clamped to the image, NaN counts as 0)."""

from __future__ import annotations

import numpy as np

from phav.render.flow import flow_validity
from phav.render.uniforms import part_model_views, part_table, take_model_views

from render_scenes import box_mesh, default_camera, make_take, plane_mesh, pose


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


def test_model_views_of_the_whole_take_equal_the_per_frame_ones_bit_for_bit():
    take = _moving_take()
    every = take_model_views(take)
    assert every.shape == (take.num_frames, take.num_parts, 4, 4) and every.dtype == np.float64
    for t in range(take.num_frames):
        picked = part_model_views(take, t, every)
        assert picked.tobytes() == part_model_views(take, t).tobytes(), t
        assert part_table(take, t, picked).tobytes() == part_table(take, t).tobytes(), t


def _validity_oracle(motion, depth_next, rel_tol, abs_tol):
    """Pixel by pixel, from the definition."""
    H, W = depth_next.shape
    valid = np.zeros((H, W), dtype=bool)
    for y in range(H):
        for x in range(W):
            u, v, z, inside = (float(c) for c in motion[y, x])
            tx, ty = np.rint(np.float32(x) + np.float32(u)), np.rint(np.float32(y) + np.float32(v))
            tx = 0 if np.isnan(tx) else min(max(tx, 0), W - 1)
            ty = 0 if np.isnan(ty) else min(max(ty, 0), H - 1)
            seen = float(depth_next[int(ty), int(tx)])
            if np.isinf(z):
                ok = np.isinf(seen)
            else:
                ok = abs(z - seen) <= rel_tol * abs(z) + abs_tol
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
