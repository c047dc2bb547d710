"""Image file codecs through Pillow: 16-bit grey PNG, 8-bit grey PNG, 24-bit RGB PNG and JPEG.

Every writer takes a path (``str`` or ``os.PathLike``) or a binary file object and writes no
timestamps or other run facts, so the same array gives the same bytes. Readers return numpy arrays
with the shapes and dtypes the writers accept and raise ``ValueError`` naming the file when its mode
is not the expected one.

PNG compression (zlib level and strategy), chosen by measurement: ``python
tests/io/measure_png_levels.py`` renders Walk videos in the Urban, Plain and Lake worlds at 340x256
and encodes each ground-truth file of 18 frames on one thread of a 2-core AMD EPYC (Pillow 13,
zlib 1.2.13; measured while other work ran, so compare columns, not absolute times); median CPU
ms / KiB per file:

=====================  ===========  ===========  ===========  ===========  ===========  ===========
file                   L1 default   L4 default   L6 default   L9 default   L1 huffman   L1 RLE
=====================  ===========  ===========  ===========  ===========  ===========  ===========
depth (16-bit grey)    1.45 / 12.7  1.85 / 10.7  2.73 / 10.2  17.0 / 9.6   1.95 / 25.5  1.36 / 12.1
flow_x (16-bit grey)   1.37 / 8.2   1.66 / 6.4   2.19 / 5.3   12.8 / 4.6   1.96 / 22.5  1.33 / 5.0
flow_y (16-bit grey)   1.35 / 9.5   1.64 / 7.4   2.57 / 6.0   15.0 / 5.1   1.97 / 22.8  1.34 / 7.7
flow_valid (8-bit)     0.33 / 1.6   0.46 / 1.1   0.52 / 1.1   2.01 / 0.8   0.70 / 10.9  0.33 / 0.9
classgt (RGB)          1.28 / 4.4   1.70 / 2.9   1.83 / 2.8   7.39 / 2.4   2.32 / 33.4  1.26 / 3.2
instancegt (RGB)       0.86 / 2.3   1.29 / 1.0   1.32 / 1.0   2.95 / 0.8   1.92 / 32.3  0.87 / 1.0
a frame's six files    6.65 / 38.7  8.59 / 29.4  11.2 / 26.4  57.2 / 23.4  10.8 / 147   6.48 / 29.9
=====================  ===========  ===========  ===========  ===========  ===========  ===========

Ground truth is piecewise flat or linear, so after PNG's per-row prediction filters it is mostly
runs of equal bytes. zlib's run-length strategy (``Z_RLE``: matches at distance one only, the same
bytes at every level above 0) is as fast as level 1 and as small as level 4 (+2 %): 25 % less CPU
than level 4 and 42 % less than zlib's default level 6, for 13 % more bytes than level 6. Most of
what remains, about 1 ms per image, is Pillow choosing each row's filter; libpng and libspng through
imagecodecs took as long or longer. So every PNG is written with ``Z_RLE``: about 6.5 ms of PNG
encoding (one core) and 30 KiB of PNG ground truth per frame with all modalities. (Level 0, stored:
170 KiB per 16-bit image. A q90 4:2:0 JPEG of the same size: 0.4 ms, ~22 KiB.)
"""

from __future__ import annotations

import os
import zlib
from typing import BinaryIO, Union

import numpy as np
from PIL import Image

#: zlib level for every PNG the writers produce (0 stores; with :data:`PNG_STRATEGY` any level
#: above 0 gives the same bytes); see the table in the module docstring.
PNG_COMPRESS_LEVEL: int = 1
#: zlib strategy for every PNG the writers produce: run-length matches only (``zlib.Z_RLE``).
PNG_STRATEGY: int = zlib.Z_RLE
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


def _png_options(compress_level: int, strategy: int) -> dict:
    """Pillow's PNG save options for a zlib level 0-9 and a zlib strategy constant."""
    if not 0 <= int(compress_level) <= 9:
        raise ValueError(f"PNG compress level must be in 0..9, got {compress_level}")
    if int(strategy) not in (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED):
        raise ValueError(f"PNG strategy must be one of zlib's Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, "
                         f"Z_RLE, Z_FIXED, got {strategy}")
    return {"format": "PNG", "compress_level": int(compress_level), "compress_type": int(strategy)}


def _name(path: PathOrFile) -> str:
    return str(getattr(path, "name", path))


# ---- 16-bit grey ------------------------------------------------------------------------------
def write_png16(
    path: PathOrFile, image: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL, strategy: int = PNG_STRATEGY
) -> None:
    """Write ``(H, W) uint16`` as a 16-bit greyscale PNG (Pillow mode ``"I;16"``); exact."""
    image = _check(image, "HW", np.uint16, "write_png16")
    h, w = image.shape
    # Pillow reads the little-endian samples straight from the array (no intermediate bytes copy).
    im = Image.frombuffer("I;16", (w, h), image.astype("<u2", copy=False), "raw", "I;16", 0, 1)
    im.save(path, **_png_options(compress_level, strategy))


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
def write_png8(
    path: PathOrFile, image: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL, strategy: int = PNG_STRATEGY
) -> None:
    """Write ``(H, W) uint8`` as an 8-bit greyscale PNG (mode ``"L"``)."""
    image = _check(image, "HW", np.uint8, "write_png8")
    Image.fromarray(image).save(path, **_png_options(compress_level, strategy))


def read_png8(path: PathOrFile) -> np.ndarray:
    """Read an 8-bit greyscale PNG as ``(H, W) uint8``."""
    return _open(path, "L", "an 8-bit grey image")


# ---- 24-bit RGB -------------------------------------------------------------------------------
def write_png_rgb(
    path: PathOrFile, image: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL, strategy: int = PNG_STRATEGY
) -> None:
    """Write ``(H, W, 3) uint8`` as a 24-bit RGB PNG; exact."""
    image = _check(image, "HW3", np.uint8, "write_png_rgb")
    Image.fromarray(image).save(path, **_png_options(compress_level, strategy))


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
