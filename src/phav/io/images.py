"""Image file codecs: 16-bit grey PNG, 8-bit grey PNG, 24-bit RGB PNG and JPEG.

Every writer takes a path (``str`` or ``os.PathLike``) or a binary file object and writes no
timestamps or other run facts, so the same array gives the same bytes. Readers return numpy arrays
with the shapes and dtypes the writers accept and raise ``ValueError`` naming the file when its mode
is not the expected one. JPEGs and every reader go through Pillow; PNGs are written by
:func:`phav.io.png.encode_png` (one row filter for the whole image, ISA-L's deflate).

PNG row filter and level, chosen by measurement: ``python tests/io/measure_png_levels.py`` renders
Walk videos in the Urban, Plain and Lake worlds at 340x256 and encodes each ground-truth file of 18
frames on one thread of a 2-core AMD EPYC (Pillow 13, zlib 1.2.13, isal 1.9.1; measured while other
work ran, so compare columns, not absolute times); median CPU ms / KiB per file. ``Pillow RLE`` is
Pillow's encoder at zlib level 1 with the run-length strategy, which phav used before; the others
are ``encode_png(row_filter, level)``:

=====================  ===========  ===========  ===========  ===========  ===========  ===========
file                   Pillow RLE   none L1      sub L1       up L0        up L1        up L3
=====================  ===========  ===========  ===========  ===========  ===========  ===========
depth (16-bit grey)    2.56 / 12.1  0.28 / 19.7  0.29 / 13.0  0.22 / 15.2  0.26 / 13.0  1.15 / 13.4
flow_x (16-bit grey)   2.50 / 5.0   0.24 / 10.3  0.32 / 13.4  0.20 / 9.2   0.22 / 7.2   1.12 / 7.1
flow_y (16-bit grey)   2.63 / 7.7   0.22 / 9.7   0.24 / 7.2   0.22 / 11.8  0.24 / 9.1   1.14 / 8.8
flow_valid (8-bit)     0.74 / 0.9   0.07 / 1.3   0.09 / 1.2   0.08 / 1.9   0.09 / 1.3   0.51 / 1.2
classgt (RGB)          2.70 / 3.2   0.18 / 4.9   0.21 / 4.5   0.14 / 5.6   0.18 / 3.8   1.46 / 3.8
instancegt (RGB)       1.96 / 1.0   0.14 / 1.6   0.19 / 2.2   0.12 / 3.8   0.13 / 2.2   1.43 / 1.9
a frame's six files    13.1 / 29.9  1.13 / 47.5  1.33 / 41.5  0.98 / 47.5  1.12 / 36.7  6.81 / 36.1
=====================  ===========  ===========  ===========  ===========  ===========  ===========

(Level 2 gave level 1's sizes, and its times within 0.01 ms.) Pillow tries four row filters on every row
and feeds zlib a row at a time; that is most of its time. With each file's best single filter
(:data:`ROW_FILTERS`: *up* for depth, flow_x and classgt, *sub* for flow_y and flow_valid, *none*
for instancegt) at ISA-L level 1, a frame's six PNGs take 1.1 ms of one core instead of 13.1 (12x
less) and 34 KiB instead of 30 (+14 %). (A q90 4:2:0 JPEG of the same size: about 0.7 ms, ~22 KiB.)
"""

from __future__ import annotations

import os
from typing import BinaryIO, Union

import numpy as np
from PIL import Image

from phav.io.png import encode_png

#: ISA-L level for every PNG the writers produce (see :data:`phav.io.png.LEVELS` and the table
#: in the module docstring).
PNG_LEVEL: int = 1
#: The row filter each ground-truth PNG is written with, by file kind (``phav.io.layout``'s names);
#: chosen by measurement (module docstring). Other PNGs use :data:`DEFAULT_ROW_FILTER`.
ROW_FILTERS: dict[str, str] = {
    "depth": "up", "flow_x": "up", "flow_y": "sub", "flow_valid": "sub", "classgt": "up", "instancegt": "none",
}
#: Row filter of a PNG writer called without one.
DEFAULT_ROW_FILTER: str = "up"
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
    return array


def _open(path: PathOrFile, mode: str, what: str) -> np.ndarray:
    with Image.open(path) as im:
        if im.mode != mode:
            raise ValueError(f"{_name(path)}: {what} must be a PNG/JPEG of mode {mode!r}, got {im.mode!r}")
        return np.array(im)


def _write_png(path: PathOrFile, image: np.ndarray, row_filter: str, level: int) -> None:
    data = encode_png(image, row_filter=row_filter, level=level)  # before opening: no empty file on bad input
    if hasattr(path, "write"):
        path.write(data)  # type: ignore[union-attr]
    else:
        with open(path, "wb") as f:
            f.write(data)


def _name(path: PathOrFile) -> str:
    return str(getattr(path, "name", path))


# ---- 16-bit grey ------------------------------------------------------------------------------
def write_png16(
    path: PathOrFile, image: np.ndarray, row_filter: str = DEFAULT_ROW_FILTER, level: int = PNG_LEVEL
) -> None:
    """Write ``(H, W) uint16`` as a 16-bit greyscale PNG (Pillow reads it as mode ``"I;16"``); exact.

    ``row_filter`` and ``level``: see :func:`phav.io.png.encode_png`.
    """
    _write_png(path, _check(image, "HW", np.uint16, "write_png16"), row_filter, level)


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
    path: PathOrFile, image: np.ndarray, row_filter: str = DEFAULT_ROW_FILTER, level: int = PNG_LEVEL
) -> None:
    """Write ``(H, W) uint8`` as an 8-bit greyscale PNG (mode ``"L"``); exact."""
    _write_png(path, _check(image, "HW", np.uint8, "write_png8"), row_filter, level)


def read_png8(path: PathOrFile) -> np.ndarray:
    """Read an 8-bit greyscale PNG as ``(H, W) uint8``."""
    return _open(path, "L", "an 8-bit grey image")


# ---- 24-bit RGB -------------------------------------------------------------------------------
def write_png_rgb(
    path: PathOrFile, image: np.ndarray, row_filter: str = DEFAULT_ROW_FILTER, level: int = PNG_LEVEL
) -> None:
    """Write ``(H, W, 3) uint8`` as a 24-bit RGB PNG; exact."""
    _write_png(path, _check(image, "HW3", np.uint8, "write_png_rgb"), row_filter, level)


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
