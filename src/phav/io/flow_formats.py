"""Optical flow in the formats other tools read: Middlebury ``.flo`` and KITTI 16-bit PNG.

* Middlebury ``.flo``: float32 tag 202021.25 (bytes ``PIEH``), int32 width, int32 height, then
  ``H * W`` interleaved ``(u, v)`` float32 values, all little-endian. Exact.
* KITTI: 16-bit 3-channel PNG, R = ``u * 64 + 32768``, G = ``v * 64 + 32768``, B = 1 where valid;
  invalid pixels are written as (0, 0, 0) and read back as zero flow, as in the KITTI devkit. We
  round where the devkit truncates, so values differ from devkit-written files by at most 1/64 px.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import png  # pypng: Pillow cannot read 16-bit RGB PNGs

from phav.io.flow import FLOW_OFFSET, FLOW_SCALE, _check_flow
from phav.io.png import write_png

#: The ``.flo`` magic number (float32 202021.25 == b"PIEH").
FLO_TAG: float = 202021.25


def write_flo(path: str | Path, flow: np.ndarray) -> None:
    """Write ``(H, W, 2) float32`` flow (u, v pixels) as a Middlebury ``.flo`` file; exact."""
    f = np.asarray(flow)
    if f.ndim != 3 or f.shape[2] != 2:
        raise ValueError(f"flow must have shape (H, W, 2), got {f.shape}")
    h, w = f.shape[:2]
    data = struct.pack("<fii", FLO_TAG, w, h) + np.ascontiguousarray(f, dtype="<f4").tobytes()
    Path(path).write_bytes(data)


def read_flo(path: str | Path) -> np.ndarray:
    """Read a Middlebury ``.flo`` file as ``(H, W, 2) float32``.

    Raises:
        ValueError: wrong tag, implausible size, or a file of the wrong length.
    """
    data = Path(path).read_bytes()
    if len(data) < 12:
        raise ValueError(f"{path}: too short for a .flo file")
    tag, w, h = struct.unpack("<fii", data[:12])
    if tag != np.float32(FLO_TAG):
        raise ValueError(f"{path}: not a .flo file (tag {tag!r}, expected {FLO_TAG})")
    if w <= 0 or h <= 0 or len(data) != 12 + 8 * w * h:
        raise ValueError(f"{path}: size {w}x{h} does not match the file length {len(data)}")
    return np.frombuffer(data, dtype="<f4", offset=12).reshape(h, w, 2).astype(np.float32)


def encode_kitti_flow(flow: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """``(H, W, 2)`` flow and ``(H, W) bool`` validity (default all valid) -> ``(H, W, 3) uint16``."""
    f = _check_flow(flow)
    v = np.ones(f.shape[:2], dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    if v.shape != f.shape[:2]:
        raise ValueError(f"validity shape {v.shape} does not match flow {f.shape[:2]}")
    q = np.clip(np.rint(f * FLOW_SCALE) + FLOW_OFFSET, 0, 65535).astype(np.uint16)
    out = np.zeros(f.shape[:2] + (3,), dtype=np.uint16)
    out[v, :2] = q[v]
    out[v, 2] = 1
    return out


def decode_kitti_flow(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W, 3) uint16`` -> flow ``(H, W, 2) float32`` (zero where invalid) and validity ``(H, W) bool``."""
    im = np.asarray(image)
    valid = im[..., 2] > 0
    flow = (im[..., :2].astype(np.float32) - np.float32(FLOW_OFFSET)) / np.float32(FLOW_SCALE)
    flow[~valid] = 0.0
    return flow, valid


def write_png48(path: str | Path, image: np.ndarray) -> None:
    """Write ``(H, W, 3) uint16`` as a 16-bit-per-channel RGB PNG (:func:`phav.io.png.write_png`)."""
    im = np.asarray(image)
    if im.ndim != 3 or im.shape[2] != 3 or im.dtype != np.uint16:
        raise ValueError(f"expected an (H, W, 3) uint16 image, got {im.shape} {im.dtype}")
    write_png(path, im)


def read_png48(path: str | Path) -> np.ndarray:
    """Read a 16-bit RGB PNG as ``(H, W, 3) uint16``.

    Raises:
        ValueError: the file is not a valid 16-bit RGB PNG (the message names it).
    """
    try:
        w, h, rows, info = png.Reader(filename=str(path)).read_flat()
    except png.Error as exc:
        raise ValueError(f"{path}: not a valid PNG ({exc})") from None
    if info["bitdepth"] != 16 or info["planes"] != 3 or info.get("palette"):
        raise ValueError(
            f"{path}: expected a 16-bit RGB PNG, got {info['bitdepth']}-bit with {info['planes']} channels"
        )
    return np.asarray(rows, dtype=np.uint16).reshape(h, w, 3)


def write_kitti_flow(path: str | Path, flow: np.ndarray, valid: np.ndarray | None = None) -> None:
    """Write a KITTI flow PNG (see :func:`encode_kitti_flow`)."""
    write_png48(path, encode_kitti_flow(flow, valid))


def read_kitti_flow(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a KITTI flow PNG: ``(flow (H, W, 2) float32, valid (H, W) bool)``."""
    return decode_kitti_flow(read_png48(path))
