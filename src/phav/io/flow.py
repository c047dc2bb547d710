"""Optical flow encodings of the PHAV layout, plus the TSN 8-bit flow helper.

In memory flow is ``(H, W, 2) float32`` forward motion (frame t to t+1) in output pixels, ``u`` right
(channel 0) and ``v`` down (channel 1), with a validity mask ``(H, W) bool``.

On disk (PHAV layout, *ours*):

* ``flow_x_%05d.png`` and ``flow_y_%05d.png``: 16-bit grey, ``value = round(f * 64) + 32768``
  clipped to ``[0, 65535]`` (resolution 1/64 px, range about +-512 px).
* ``flow_valid_%05d.png``: 8-bit grey, 255 where the flow is valid, 0 where the surface is occluded
  or leaves the image at t+1 (and everywhere on the last frame), or where the flow is beyond what
  the 16-bit files hold (:func:`representable`). Not in the original PHAV release.

TSN-style 8-bit flow (``flow_x_%05d.jpg``): ``v = round((clip(f, -20, 20) + 20) * 255 / 40)``.
"""

from __future__ import annotations

import numpy as np

#: Flow file units per pixel.
FLOW_SCALE: float = 64.0
#: File value of zero flow.
FLOW_OFFSET: int = 32768
#: TSN flow clipping bound, pixels.
TSN_BOUND: float = 20.0


def _flow_array(flow: np.ndarray) -> np.ndarray:
    """``flow`` as an array, which must have shape ``(H, W, 2)`` (any dtype)."""
    f = np.asarray(flow)
    if f.ndim != 3 or f.shape[2] != 2:
        raise ValueError(f"flow must have shape (H, W, 2), got {f.shape}")
    return f


def _check_flow(flow: np.ndarray) -> np.ndarray:
    f = _flow_array(flow).astype(np.float64)
    if not np.isfinite(f).all():
        raise ValueError("flow contains NaN or infinite values")
    return f


def encode_flow(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W, 2) float32`` pixels -> ``(flow_x, flow_y)``, each ``(H, W) uint16``, C-contiguous.

    ``float32`` flow is encoded in ``float32``, which gives the same values as ``float64`` (about
    9x less CPU than converting first): ``f * 64`` is exact (a power of two; an overflow to
    ``+-inf`` clips to the same end as the finite product would), ``rint`` is exact, and adding
    32768 to an integer is exact below ``2**24 - 32768``, beyond which both clip to the same end.
    Other float dtypes are encoded in ``float64``.

    Raises:
        ValueError: wrong shape, or NaN/inf values.
    """
    f = _flow_array(flow)
    if f.dtype != np.float32:
        f = f.astype(np.float64)
    # One float64 sum finds NaN and +-inf (a sum of finite float32 values cannot overflow float64;
    # +inf and -inf together sum to NaN, which is no reason to warn).
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(f.sum(dtype=np.float64)) if f.dtype == np.float32 else np.isfinite(f).all()
    if not finite:
        raise ValueError("flow contains NaN or infinite values")
    scale, offset = f.dtype.type(FLOW_SCALE), f.dtype.type(FLOW_OFFSET)
    work = np.empty(f.shape[:2], dtype=f.dtype)
    channels = []
    with np.errstate(over="ignore"):  # huge float32 flow overflows to +-inf, then clips like float64
        for c in (0, 1):
            np.multiply(f[..., c], scale, out=work)
            np.rint(work, out=work)
            work += offset
            np.clip(work, 0, 65535, out=work)
            channels.append(work.astype(np.uint16))
    return channels[0], channels[1]


def decode_flow(flow_x: np.ndarray, flow_y: np.ndarray) -> np.ndarray:
    """Inverse of :func:`encode_flow`: two ``(H, W) uint16`` -> ``(H, W, 2) float32`` pixels."""
    x, y = np.asarray(flow_x), np.asarray(flow_y)
    if x.dtype != np.uint16 or y.dtype != np.uint16 or x.shape != y.shape:
        raise ValueError(f"decode_flow: expected two uint16 images of one shape, got {x.shape} {x.dtype}, {y.shape} {y.dtype}")
    q = np.stack([x, y], axis=-1).astype(np.float32)
    return (q - np.float32(FLOW_OFFSET)) / np.float32(FLOW_SCALE)


def representable(valid: np.ndarray, flow_x: np.ndarray, flow_y: np.ndarray) -> np.ndarray:
    """``(H, W) bool`` ``valid`` without the pixels whose flow the 16-bit files cannot hold: those
    :func:`encode_flow` clipped (codes 0 and 65535, flow beyond about 512 px a frame). Valid flow
    stays inside the image, so below 512 pixels a side nothing is clipped and ``valid`` is returned
    as it is."""
    if max(flow_x.shape) <= (FLOW_OFFSET - 1) / FLOW_SCALE:
        return valid
    ends = (flow_x == 0) | (flow_x == 65535) | (flow_y == 0) | (flow_y == 65535)
    return np.asarray(valid, dtype=bool) & ~ends


def encode_flow_valid(valid: np.ndarray) -> np.ndarray:
    """``(H, W) bool`` -> ``(H, W) uint8``: 255 valid, 0 invalid."""
    v = np.asarray(valid)
    if v.ndim != 2:
        raise ValueError(f"flow validity must have shape (H, W), got {v.shape}")
    return np.where(v.astype(bool), np.uint8(255), np.uint8(0))


def decode_flow_valid(image: np.ndarray) -> np.ndarray:
    """``(H, W) uint8`` -> ``(H, W) bool`` (values above 127 are valid)."""
    return np.asarray(image) > 127


def encode_tsn_flow(flow: np.ndarray, bound: float = TSN_BOUND) -> np.ndarray:
    """TSN 8-bit flow: ``(..., ) float`` pixels -> same shape ``uint8``, ``round((clip(f, -b, b) + b) * 255 / 2b)``.

    Apply to ``flow[..., 0]`` and ``flow[..., 1]`` and write each with ``images.write_jpeg``.
    """
    f = np.asarray(flow, dtype=np.float64)
    if not np.isfinite(f).all():
        raise ValueError("flow contains NaN or infinite values")
    return np.rint((np.clip(f, -bound, bound) + bound) * 255.0 / (2.0 * bound)).astype(np.uint8)


def decode_tsn_flow(image: np.ndarray, bound: float = TSN_BOUND) -> np.ndarray:
    """Inverse of :func:`encode_tsn_flow` (to ``2 * bound / 255`` px): ``uint8`` -> ``float32`` pixels."""
    return (np.asarray(image, dtype=np.float32) * np.float32(2.0 * bound / 255.0) - np.float32(bound)).astype(np.float32)
