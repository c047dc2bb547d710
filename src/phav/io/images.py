"""Image file codecs through Pillow: 16-bit grey PNG, 8-bit grey PNG, 24-bit RGB PNG and JPEG.

Every writer takes a path (``str`` or ``os.PathLike``) or a binary file object and writes no
timestamps or other run facts, so the same array gives the same bytes. Readers return numpy arrays
with the shapes and dtypes the writers accept and raise ``ValueError`` naming the file when its mode
is not the expected one.

PNG compress level (zlib 0-9), chosen by measurement: ``python tests/io/measure_png_levels.py``
encodes typical 340x256 ground-truth frames (ground, terrain relief, buildings, trees, sky, a person)
on one core of a 2-core machine (Pillow 13, zlib 1.2.13); median ms / KiB:

=====================  ============  ============  ============  ============  =============
file                   level 1       level 3       level 4       level 6       level 9
=====================  ============  ============  ============  ============  =============
depth (16-bit grey)    1.7 / 17.9    2.4 / 17.1    2.1 / 13.5    4.2 / 12.8    31 / 12.4
flow_x (16-bit grey)   1.4 / 10.2    1.7 / 9.2     1.7 / 7.1     2.7 / 6.5     26 / 5.9
classgt (RGB)          1.1 / 3.4     1.0 / 3.2     1.4 / 1.9     1.6 / 1.9     4.8 / 1.5
instancegt (RGB)       0.6 / 1.7     0.7 / 1.7     1.0 / 0.6     1.1 / 0.6     1.5 / 0.5
flow_valid (8-bit)     0.25 / 1.5    0.24 / 1.2    0.37 / 0.9    0.45 / 0.9    1.5 / 0.6
=====================  ============  ============  ============  ============  =============

(Level 0, stored: 170 KiB per 16-bit image. A q90 4:2:0 JPEG of the same size: 0.3 ms, ~22 KiB.)
Level 4 (zlib's first lazy-matching level) gets ~85 % of level 6's size reduction over level 1 in
1/2 to 2/3 of level 6's time; level 9 is 8-15x slower for 3-10 % less. So every PNG uses level 4:
about 8 ms of PNG encoding (one core) and 31 KiB of PNG ground truth per frame with all modalities.
"""

from __future__ import annotations

import os
from typing import BinaryIO, Union

import numpy as np
from PIL import Image

#: zlib level for every PNG the writers produce; see the table in the module docstring.
PNG_COMPRESS_LEVEL: int = 4
#: Default JPEG quality (libjpeg scale 1-95).
JPEG_QUALITY: int = 90
#: Default JPEG chroma subsampling: ``"4:2:0"`` (what video codecs and most decoders expect).
JPEG_SUBSAMPLING: str = "4:2:0"

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]


def _check(array: np.ndarray, ndim_shape: str, dtype: type, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype != dtype:
        raise ValueError(f"{what}: expected dtype {np.dtype(dtype).name}, got {array.dtype}")
    if ndim_shape == "HW" and array.ndim != 2:
        raise ValueError(f"{what}: expected shape (H, W), got {array.shape}")
    if ndim_shape == "HW3" and (array.ndim != 3 or array.shape[2] != 3):
        raise ValueError(f"{what}: expected shape (H, W, 3), got {array.shape}")
    return np.ascontiguousarray(array)


def _open(path: PathOrFile, mode: str, what: str) -> np.ndarray:
    with Image.open(path) as im:
        if im.mode != mode:
            raise ValueError(f"{_name(path)}: {what} must be a PNG/JPEG of mode {mode!r}, got {im.mode!r}")
        return np.array(im)


def _name(path: PathOrFile) -> str:
    return str(getattr(path, "name", path))


# ---- 16-bit grey ------------------------------------------------------------------------------
def write_png16(path: PathOrFile, image: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> None:
    """Write ``(H, W) uint16`` as a 16-bit greyscale PNG (Pillow mode ``"I;16"``); exact."""
    image = _check(image, "HW", np.uint16, "write_png16")
    h, w = image.shape
    im = Image.frombytes("I;16", (w, h), image.astype("<u2", copy=False).tobytes())
    im.save(path, format="PNG", compress_level=int(compress_level))


def read_png16(path: PathOrFile) -> np.ndarray:
    """Read a 16-bit greyscale PNG as ``(H, W) uint16``.

    Raises:
        ValueError: the file is not 16-bit greyscale.
    """
    with Image.open(path) as im:
        if im.mode not in ("I;16", "I;16B", "I"):
            raise ValueError(f"{_name(path)}: expected a 16-bit greyscale PNG, got mode {im.mode!r}")
        out = np.array(im)
    if out.dtype != np.uint16:
        if out.min(initial=0) < 0 or out.max(initial=0) > 65535:
            raise ValueError(f"{_name(path)}: values outside 0..65535")
        out = out.astype(np.uint16)
    return out


# ---- 8-bit grey -------------------------------------------------------------------------------
def write_png8(path: PathOrFile, image: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> None:
    """Write ``(H, W) uint8`` as an 8-bit greyscale PNG (mode ``"L"``)."""
    image = _check(image, "HW", np.uint8, "write_png8")
    Image.fromarray(image).save(path, format="PNG", compress_level=int(compress_level))


def read_png8(path: PathOrFile) -> np.ndarray:
    """Read an 8-bit greyscale PNG as ``(H, W) uint8``."""
    return _open(path, "L", "an 8-bit grey image")


# ---- 24-bit RGB -------------------------------------------------------------------------------
def write_png_rgb(path: PathOrFile, image: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> None:
    """Write ``(H, W, 3) uint8`` as a 24-bit RGB PNG; exact."""
    image = _check(image, "HW3", np.uint8, "write_png_rgb")
    Image.fromarray(image).save(path, format="PNG", compress_level=int(compress_level))


def read_png_rgb(path: PathOrFile) -> np.ndarray:
    """Read a 24-bit RGB PNG as ``(H, W, 3) uint8``.

    Raises:
        ValueError: the file is not 8-bit-per-channel RGB (e.g. palette or RGBA).
    """
    return _open(path, "RGB", "a 24-bit RGB image")


# ---- JPEG -------------------------------------------------------------------------------------
def write_jpeg(
    path: PathOrFile,
    image: np.ndarray,
    quality: int = JPEG_QUALITY,
    subsampling: str = JPEG_SUBSAMPLING,
) -> None:
    """Write ``(H, W, 3) uint8`` RGB or ``(H, W) uint8`` grey as a baseline JPEG.

    Args:
        quality: libjpeg quality 1-95 (higher is better and bigger).
        subsampling: chroma subsampling ``"4:4:4"``, ``"4:2:2"`` or ``"4:2:0"`` (ignored for grey).
    """
    image = np.ascontiguousarray(image)
    if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"write_jpeg: expected (H, W, 3) or (H, W) uint8, got {image.shape} {image.dtype}")
    if not 1 <= int(quality) <= 95:
        raise ValueError(f"JPEG quality must be in 1..95, got {quality}")
    if subsampling not in ("4:4:4", "4:2:2", "4:2:0"):
        raise ValueError(f"JPEG subsampling must be 4:4:4, 4:2:2 or 4:2:0, got {subsampling!r}")
    Image.fromarray(image).save(
        path, format="JPEG", quality=int(quality), subsampling=subsampling, optimize=False, progressive=False
    )


def read_jpeg(path: PathOrFile) -> np.ndarray:
    """Read a colour JPEG (or any RGB image) as ``(H, W, 3) uint8``."""
    with Image.open(path) as im:
        return np.array(im.convert("RGB"))
