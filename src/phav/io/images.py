"""Image file codecs: 16-bit grey PNG, 8-bit grey PNG, 24-bit RGB PNG and JPEG.

Every writer takes a path (``str`` or ``os.PathLike``) or a binary file object and writes no
timestamps or other run facts, so the same array gives the same bytes. Readers return numpy arrays
with the shapes and dtypes the writers accept and raise ``ValueError`` naming the file when its mode
is not the expected one. JPEGs and every reader go through Pillow; PNGs are written by
:func:`phav.io.png.encode_png` (one row filter for the whole image, one call to zlib-ng).

PNG row filter, zlib strategy and level, chosen by measurement: ``python
tests/io/measure_png_levels.py`` renders Walk videos in the Urban, Plain and Lake worlds at 340x256
and encodes each ground-truth file of 18 frames on one thread of a 2-core AMD EPYC (zlib 1.2.13,
zlib-ng 2.3.3; compare columns, not absolute times, on this shared machine); median CPU ms / KiB
per file. ``zlib 1 before`` is what phav wrote until zlib-ng: the standard library's zlib at level
1, with each file's row filter and strategy of then (the last column's, but ``up`` RLE for classgt
and instancegt and ``up`` default for depth); the others are :func:`phav.io.png.encode_png`
(zlib-ng) with a row filter, strategy and level, the last with each file's own
(:data:`PNG_SETTINGS`):

=====================  =============  =============  =============  =============  =============  =============
file                   zlib 1 before  sub default 1  up default 1   up RLE 1       sub default 2  up default 2   each file's
=====================  =============  =============  =============  =============  =============  =============
depth (16-bit grey)    0.77 / 13.7    0.29 / 16.7    0.29 / 16.5    0.78 / 41.7    0.45 / 12.8    0.42 / 13.1    0.44 / 12.8
flow_x (16-bit grey)   0.53 / 5.7     0.33 / 19.7    0.21 / 9.7     0.22 / 5.7     0.48 / 13.7    0.29 / 6.6     0.21 / 5.7
flow_y (16-bit grey)   0.59 / 7.8     0.22 / 9.2     0.25 / 12.4    0.27 / 8.7     0.29 / 6.9     0.31 / 8.0     0.29 / 6.9
flow_valid (8-bit)     0.16 / 0.9     0.08 / 2.0     0.07 / 2.1     0.06 / 0.9     0.08 / 1.1     0.08 / 1.2     0.06 / 0.9
classgt (RGB)          0.64 / 4.2     0.20 / 6.7     0.20 / 5.3     0.24 / 4.2     0.25 / 4.0     0.20 / 2.9     0.20 / 2.9
instancegt (RGB)       0.56 / 1.3     0.17 / 4.1     0.13 / 3.6     0.14 / 1.3     0.18 / 1.5     0.15 / 1.2     0.15 / 1.2
a frame's six files    3.25 / 33.6    1.28 / 58.5    1.15 / 49.7    1.71 / 62.5    1.72 / 39.9    1.44 / 33.0    1.36 / 30.5
=====================  =============  =============  =============  =============  =============  =============

(RLE at level 2 and ``sub`` RLE: no smaller, and no faster, than the columns shown.) With each
file's settings a frame's six PNGs take 2.4x less CPU than with the standard library's zlib, and 9 %
fewer bytes; Pillow's encoder (it tries four row filters on every row), which phav used before its
own, took 11.6 ms for 29.9 KiB when last measured (2026-11-27, with the standard library's zlib at
2.7x less CPU and 12 % more bytes than Pillow's). (A q90 4:2:0 JPEG of the same size: about 0.7 ms, ~22 KiB.)
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import numpy as np
from PIL import Image

from phav.io.png import PathOrFile, write_png


class PngSettings(NamedTuple):
    """How one kind of ground-truth PNG is written: keywords of :func:`phav.io.png.encode_png`."""

    row_filter: str
    strategy: int
    level: int


#: zlib level of a PNG writer called without one.
PNG_LEVEL: int = 1
#: The row filter, zlib strategy and level each ground-truth PNG is written with, by file kind
#: (``phav.io.layout``'s names): for each, the settings that measured smallest at about the same
#: CPU (module docstring). Other PNGs use :data:`DEFAULT_ROW_FILTER`, ``zlib.Z_DEFAULT_STRATEGY``
#: and :data:`PNG_LEVEL`.
PNG_SETTINGS: dict[str, PngSettings] = {
    "depth": PngSettings("sub", zlib.Z_DEFAULT_STRATEGY, 2),
    "flow_x": PngSettings("up", zlib.Z_RLE, 1),
    "flow_y": PngSettings("sub", zlib.Z_DEFAULT_STRATEGY, 2),
    "flow_valid": PngSettings("up", zlib.Z_RLE, 1),
    "classgt": PngSettings("up", zlib.Z_DEFAULT_STRATEGY, 2),
    "instancegt": PngSettings("up", zlib.Z_DEFAULT_STRATEGY, 2),
}


def png_settings(kind: str) -> dict[str, str | int]:
    """:data:`PNG_SETTINGS` of a ground-truth file kind as keywords of the PNG writers."""
    return PNG_SETTINGS[kind]._asdict()


#: Row filter of a PNG writer called without one.
DEFAULT_ROW_FILTER: str = "up"
#: Default JPEG quality (libjpeg scale 1-95).
JPEG_QUALITY: int = 90
#: Default JPEG chroma subsampling: ``"4:2:0"`` (what video codecs and most decoders expect).
JPEG_SUBSAMPLING: str = "4:2:0"


def _check(array: np.ndarray, ndim_shape: str, dtype: type, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype != dtype:
        raise ValueError(f"{what}: expected dtype {np.dtype(dtype).name}, got {array.dtype}")
    if ndim_shape == "HW" and array.ndim != 2:
        raise ValueError(f"{what}: expected shape (H, W), got {array.shape}")
    if ndim_shape == "HW3" and (array.ndim != 3 or array.shape[2] != 3):
        raise ValueError(f"{what}: expected shape (H, W, 3), got {array.shape}")
    return array


def _open(path: PathOrFile, mode: str, what: str) -> np.ndarray:
    with Image.open(path) as im:
        if im.mode != mode:
            raise ValueError(f"{_name(path)}: {what} must be a PNG/JPEG of mode {mode!r}, got {im.mode!r}")
        return np.array(im)


def _name(path: PathOrFile) -> str:
    return str(getattr(path, "name", path))


# ---- 16-bit grey ------------------------------------------------------------------------------
def write_png16(
    path: PathOrFile, image: np.ndarray, row_filter: str = DEFAULT_ROW_FILTER, level: int = PNG_LEVEL,
    strategy: int = zlib.Z_DEFAULT_STRATEGY,
) -> None:
    """Write ``(H, W) uint16`` as a 16-bit greyscale PNG (Pillow reads it as mode ``"I;16"``); exact.

    ``row_filter``, ``level`` and ``strategy``: see :func:`phav.io.png.encode_png`.
    """
    write_png(path, _check(image, "HW", np.uint16, "write_png16"), row_filter=row_filter, level=level, strategy=strategy)


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
    path: PathOrFile, image: np.ndarray, row_filter: str = DEFAULT_ROW_FILTER, level: int = PNG_LEVEL,
    strategy: int = zlib.Z_DEFAULT_STRATEGY,
) -> None:
    """Write ``(H, W) uint8`` as an 8-bit greyscale PNG (mode ``"L"``); exact."""
    write_png(path, _check(image, "HW", np.uint8, "write_png8"), row_filter=row_filter, level=level, strategy=strategy)


def read_png8(path: PathOrFile) -> np.ndarray:
    """Read an 8-bit greyscale PNG as ``(H, W) uint8``."""
    return _open(path, "L", "an 8-bit grey image")


# ---- 24-bit RGB -------------------------------------------------------------------------------
def write_png_rgb(
    path: PathOrFile, image: np.ndarray, row_filter: str = DEFAULT_ROW_FILTER, level: int = PNG_LEVEL,
    strategy: int = zlib.Z_DEFAULT_STRATEGY,
) -> None:
    """Write ``(H, W, 3) uint8`` as a 24-bit RGB PNG; exact."""
    write_png(path, _check(image, "HW3", np.uint8, "write_png_rgb"), row_filter=row_filter, level=level, strategy=strategy)


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
