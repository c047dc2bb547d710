"""Depth encoding: float32 z-depth in metres <-> 16-bit centimetres (``depth_%05d.png``).

In memory depth is ``(H, W) float32`` z-depth along the camera axis in metres, ``+inf`` for sky.
On disk it is ``(H, W) uint16`` centimetres, ``round(z * 100)``; 65535 (655.35 m) means sky or
beyond: every depth whose rounded value reaches 65535, and ``+inf``, encodes as 65535.
"""

from __future__ import annotations

import numpy as np

#: The file value for sky / beyond the far plane.
DEPTH_SKY: int = 65535
#: File units per metre (centimetres).
DEPTH_SCALE: float = 100.0
#: Largest encodable finite depth, metres (anything at or beyond encodes as sky).
DEPTH_FAR_M: float = DEPTH_SKY / DEPTH_SCALE


def encode_depth(depth_m: np.ndarray) -> np.ndarray:
    """``(H, W) float32`` metres (``+inf`` sky) -> ``(H, W) uint16`` centimetres (65535 sky).

    Raises:
        ValueError: NaN or negative depths (ground truth never has them).
    """
    z = np.asarray(depth_m)
    if z.dtype.kind not in "biuf":  # object, complex, strings: converted as float64 (or a one-line error)
        z = np.asarray(z, dtype=np.float64)
    if not (z >= 0).all():  # one pass for both errors: NaN and negatives compare false
        z = np.asarray(z, dtype=np.float64)
        if np.isnan(z).any():
            raise ValueError("depth contains NaN")
        raise ValueError(f"depth contains negative values (min {float(z.min()):g} m)")
    # In float64, as the values need; inf -> DEPTH_FAR_M first: no overflow. Into an array of
    # z's shape, so that a 0-d depth stays an array for the in-place steps.
    cm = np.empty(z.shape, dtype=np.float64)
    np.minimum(z, DEPTH_FAR_M, out=cm)
    cm *= DEPTH_SCALE
    np.rint(cm, out=cm)
    np.minimum(cm, DEPTH_SKY, out=cm)
    out = cm.astype(np.uint16)
    return out if out.ndim else out[()]  # a 0-d depth gives a np.uint16 scalar


def decode_depth(depth_cm: np.ndarray) -> np.ndarray:
    """``(H, W) uint16`` centimetres -> ``(H, W) float32`` metres, ``+inf`` where the value is 65535."""
    v = np.asarray(depth_cm)
    if v.dtype != np.uint16:
        raise ValueError(f"decode_depth: expected uint16, got {v.dtype}")
    out = v.astype(np.float32) / np.float32(DEPTH_SCALE)
    out[v == DEPTH_SKY] = np.inf
    return out
