"""PNG encoding for ground truth: one fixed row filter, one zlib call, one ``IDAT`` chunk.

:func:`encode_png` turns a grey or RGB image of 8 or 16 bits per sample into the bytes of a
standard, non-interlaced PNG (signature, ``IHDR``, one ``IDAT``, ``IEND``; no timestamps or other
ancillary chunks). The same array gives the same bytes with the same zlib-ng, in any process: its
deflate is deterministic (it does not depend on what the heap held; ``tests/io/test_png.py``). It
may choose other matches on another CPU architecture (x86-64 against aarch64), so files made there
can differ in bytes, never in pixels. Any PNG decoder reads it back exactly.

Why not Pillow's or libpng's encoder: they choose a prediction filter for every row by trying four
of them, and feed zlib a row at a time. On phav's ground truth (piecewise flat or linear images)
that costs about three times what the compression itself costs, for files about 10 % smaller.
Here one filter is applied to the whole image with numpy and the filtered rows are compressed in
one call to zlib-ng (``zlib_ng``, which releases the GIL): a zlib-compatible deflate that took about
a quarter of the standard library's zlib's CPU time on phav's ground truth, for files of about the
same size. Its output is deterministic like zlib's (``tests/io/test_png.py`` checks another process
writes the same bytes); ISA-L's deflate, faster again, was not (the same image gave different bytes
in different processes), which phav's byte-for-byte reproducibility cannot take. The measurements
behind the defaults are in :mod:`phav.io.images`.
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import BinaryIO, Union

import numpy as np
from zlib_ng import zlib_ng

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]

#: PNG row filters this encoder applies to every row: name -> PNG filter type byte.
ROW_FILTERS: dict[str, int] = {"none": 0, "sub": 1, "up": 2}
#: zlib levels (0 stores, 1 fastest, 9 smallest).
LEVELS: tuple[int, ...] = tuple(range(10))
#: zlib strategies: ``zlib.Z_DEFAULT_STRATEGY``, ``Z_FILTERED``, ``Z_HUFFMAN_ONLY``, ``Z_RLE``
#: (matches at distance one only: runs of equal bytes), ``Z_FIXED``.
STRATEGIES: tuple[int, ...] = (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED)

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: (channels, bytes per sample) of unsigned samples -> (PNG colour type, bit depth)
_FORMATS: dict[tuple[int, int], tuple[int, int]] = {(1, 1): (0, 8), (1, 2): (0, 16), (3, 1): (2, 8), (3, 2): (2, 16)}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib_ng.crc32(data, zlib_ng.crc32(kind)))


def _sample_rows(image: np.ndarray) -> tuple[np.ndarray, int, int, int]:
    """``image`` as ``(H, row bytes) uint8`` big-endian samples, with its colour type, bit depth and
    bytes per pixel."""
    channels = image.shape[2] if image.ndim == 3 else 1
    key = (channels, image.dtype.itemsize)
    grey_or_rgb = image.ndim == 2 or (image.ndim == 3 and channels == 3)
    if not grey_or_rgb or image.dtype.kind != "u" or key not in _FORMATS:
        raise ValueError(
            f"encode_png: expected (H, W) or (H, W, 3) uint8 or uint16, got {image.shape} {image.dtype}"
        )
    h, w = image.shape[:2]
    if h == 0 or w == 0:
        raise ValueError(f"encode_png: a PNG needs at least one row and one column, got {h}x{w}")
    color_type, bit_depth = _FORMATS[key]
    samples = np.ascontiguousarray(image, dtype=">u2" if bit_depth == 16 else np.uint8)
    return samples.view(np.uint8).reshape(h, -1), color_type, bit_depth, channels * bit_depth // 8


def filter_rows(rows: np.ndarray, bytes_per_pixel: int, row_filter: str) -> np.ndarray:
    """Apply one PNG row filter to every row: ``(H, N) uint8`` -> ``(H, N + 1) uint8``, each row
    led by its filter type byte (PNG spec §9: *Sub* predicts a byte from the one a pixel to its
    left, *Up* from the one above; the first row's *Up* predicts from zeros)."""
    if row_filter not in ROW_FILTERS:
        raise ValueError(f"PNG row filter must be one of {', '.join(ROW_FILTERS)}, got {row_filter!r}")
    h, n = rows.shape
    out = np.empty((h, n + 1), dtype=np.uint8)
    out[:, 0] = ROW_FILTERS[row_filter]
    body, bpp = out[:, 1:], bytes_per_pixel
    if row_filter == "none":
        body[...] = rows
    elif row_filter == "sub":  # uint8 differences wrap modulo 256, as PNG's filters do
        body[:, :bpp] = rows[:, :bpp]
        np.subtract(rows[:, bpp:], rows[:, :-bpp], out=body[:, bpp:])
    else:
        body[0] = rows[0]
        np.subtract(rows[1:], rows[:-1], out=body[1:])
    return out


def encode_png(image: np.ndarray, *, row_filter: str = "up", level: int = 1,
               strategy: int = zlib.Z_DEFAULT_STRATEGY) -> bytes:
    """The PNG file of ``image``: ``(H, W)`` grey or ``(H, W, 3)`` RGB, ``uint8`` or ``uint16``.

    Args:
        row_filter: ``"none"``, ``"sub"`` or ``"up"`` (:data:`ROW_FILTERS`), used for every row.
        level: zlib level 0-9 (:data:`LEVELS`).
        strategy: a zlib strategy constant (:data:`STRATEGIES`).

    Raises:
        ValueError: another shape or dtype, an empty image, an unknown filter, level or strategy.
    """
    if level not in LEVELS:
        raise ValueError(f"PNG level must be a zlib level 0-9, got {level!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"PNG strategy must be one of zlib's Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, "
                         f"Z_RLE, Z_FIXED, got {strategy!r}")
    image = np.asarray(image)
    rows, color_type, bit_depth, bpp = _sample_rows(image)
    filtered = filter_rows(rows, bpp, row_filter)
    compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS, 9, strategy)
    header = struct.pack(">IIBBBBB", image.shape[1], image.shape[0], bit_depth, color_type, 0, 0, 0)
    return b"".join((
        _SIGNATURE,
        _chunk(b"IHDR", header),
        _chunk(b"IDAT", compressor.compress(filtered) + compressor.flush()),
        _chunk(b"IEND", b""),
    ))


def write_png(path: PathOrFile, image: np.ndarray, **settings) -> None:
    """Write :func:`encode_png` of ``image`` (with its keyword ``settings``) to a path or a binary
    file object. The image is encoded before the file is opened, so bad input leaves no file."""
    data = encode_png(image, **settings)
    if hasattr(path, "write"):
        path.write(data)  # type: ignore[union-attr]
    else:
        with open(path, "wb") as f:
            f.write(data)
