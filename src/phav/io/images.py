"""Image file codecs: 16-bit grey PNG, 8-bit grey PNG, 24-bit RGB PNG and JPEG.

Every writer takes a path (``str`` or ``os.PathLike``) or a binary file object and writes no
timestamps or other run facts, so the same array gives the same bytes. Readers return numpy arrays
with the shapes and dtypes the writers accept and raise ``ValueError`` naming the file when its mode
is not the expected one. JPEGs and every reader go through Pillow; PNGs are written by
:func:`phav.io.png.encode_png` (one row filter for the whole image, one call to zlib).

PNG row filter and zlib strategy, chosen by measurement: ``python tests/io/measure_png_levels.py``
renders Walk videos in the Urban, Plain and Lake worlds at 340x256 and encodes each ground-truth
file of 18 frames on one thread of a 2-core AMD EPYC (Pillow 13, zlib 1.2.13; compare columns, not
absolute times, on this shared machine); median CPU ms / KiB per file. ``Pillow RLE`` is Pillow's
encoder (it tries four row filters on every row) at zlib level 1 with the run-length strategy,
which phav used before; the others are ``encode_png(row_filter, strategy)`` at zlib level 1, the
last with each file's pair (:data:`PNG_SETTINGS`):

=====================  ===========  ===========  ===========  ===========  ===========  ===========
file                   Pillow RLE   sub default  sub RLE      up default   up RLE       each file's
=====================  ===========  ===========  ===========  ===========  ===========  ===========
depth (16-bit grey)    1.96 / 12.1  0.97 / 13.9  0.83 / 15.5  0.87 / 13.7  1.80 / 41.7  1.15 / 13.7
flow_x (16-bit grey)   2.68 / 5.0   0.91 / 14.9  1.26 / 16.3  0.69 / 8.2   0.73 / 5.7   0.60 / 5.7
flow_y (16-bit grey)   1.90 / 7.7   0.85 / 7.8   0.88 / 9.2   0.82 / 9.5   0.83 / 8.7   0.78 / 7.8
flow_valid (8-bit)     0.74 / 0.9   0.26 / 1.6   0.26 / 1.2   0.25 / 1.6   0.24 / 0.9   0.23 / 0.9
classgt (RGB)          2.58 / 3.2   0.85 / 5.5   0.98 / 7.2   0.81 / 4.3   0.88 / 4.2   0.88 / 4.2
instancegt (RGB)       1.76 / 1.0   0.82 / 3.0   0.83 / 2.2   0.73 / 2.6   0.71 / 1.3   0.61 / 1.3
a frame's six files    11.6 / 29.9  4.65 / 46.6  5.04 / 51.7  4.19 / 40.0  5.19 / 62.5  4.25 / 33.6
=====================  ===========  ===========  ===========  ===========  ===========  ===========

(No filter: 4.31 ms / 48.9 KiB.) With each file's pair, a frame's six PNGs take 2.7x less CPU than
Pillow's for 12 % more bytes. ISA-L's deflate (``isal``) took another 4x less CPU, but gave
different bytes for the same image in different processes (a dataset made by two workers differed
from one made by one); zlib gives the same. (A q90 4:2:0 JPEG of the same size: about 0.7 ms,
~22 KiB.)
"""

from __future__ import annotations

import zlib

import numpy as np
from PIL import Image

from phav.io.png import PathOrFile, write_png

#: zlib level of every PNG the writers produce (see the table in the module docstring).
PNG_LEVEL: int = 1
#: The row filter and zlib strategy each ground-truth PNG is written with, by file kind
#: (``phav.io.layout``'s names): for each, the pair that measured smallest at about the same CPU
#: (module docstring). Other PNGs use :data:`DEFAULT_ROW_FILTER` and ``zlib.Z_DEFAULT_STRATEGY``.
PNG_SETTINGS: dict[str, tuple[str, int]] = {
    "depth": ("up", zlib.Z_DEFAULT_STRATEGY),
    "flow_x": ("up", zlib.Z_RLE),
    "flow_y": ("sub", zlib.Z_DEFAULT_STRATEGY),
    "flow_valid": ("up", zlib.Z_RLE),
    "classgt": ("up", zlib.Z_RLE),
    "instancegt": ("up", zlib.Z_RLE),
}
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
