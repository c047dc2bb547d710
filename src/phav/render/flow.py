"""Flow validity: occlusion test of frame t's forward motion against frame t+1's depth (numpy)."""

from __future__ import annotations

import numpy as np


def flow_validity(
    motion: np.ndarray, depth_next: np.ndarray, rel_tol: float, abs_tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split the ground-truth motion target into flow and its validity mask.

    Args:
        motion: ``(H, W, 4) float32``: flow u, flow v (pixels), predicted z-depth at t+1 (metres,
            +inf for sky), and 1 where the point is in front of the camera and inside the image at t+1.
        depth_next: ``(H, W) float32`` z-depth of frame t+1 (+inf sky).
        rel_tol, abs_tol: the predicted depth must match ``depth_next`` at the nearest target pixel
            within ``rel_tol * depth + abs_tol`` metres; sky must land on sky.

    Returns:
        ``flow (H, W, 2) float32`` and ``valid (H, W) bool``.
    """
    H, W = depth_next.shape
    # (u, v) as one 8-byte word per pixel: a bit-exact copy of the first two channels, about twice
    # as fast as copying two float32 channels out of four.
    motion = np.ascontiguousarray(motion, dtype=np.float32)
    flow = np.ascontiguousarray(motion.view(np.uint64)[..., 0]).view(np.float32).reshape(H, W, 2)
    z_next = motion[..., 2]
    valid = motion[..., 3] > 0.5
    # Nearest target pixel, clamped to the image; NaN -> 0 and +-inf -> the border (fmax/fmin
    # ignore NaN), computed in place.
    u = np.add(np.arange(W, dtype=np.float32)[None, :], flow[..., 0])
    v = np.add(np.arange(H, dtype=np.float32)[:, None], flow[..., 1])
    ui = np.fmin(np.fmax(np.rint(u, out=u), 0, out=u), W - 1, out=u).astype(np.intp)
    vi = np.fmin(np.fmax(np.rint(v, out=v), 0, out=v), H - 1, out=v).astype(np.intp)
    seen = depth_next[vi, ui]
    sky = np.isinf(z_next)
    with np.errstate(invalid="ignore"):
        same_surface = np.abs(z_next - seen) <= rel_tol * np.abs(z_next) + abs_tol
    valid &= np.where(sky, np.isinf(seen), same_surface)
    return flow, valid
