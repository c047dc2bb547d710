"""The PNG encoder (``phav.io.png``): exact for any decoder, a valid file, the spec's filters."""

from __future__ import annotations

import io
import os
import platform
import struct
import zlib

import numpy as np
import png as pypng  # a decoder that shares no code with ours or Pillow's
import pytest
from PIL import Image
from zlib_ng import zlib_ng

from phav.io.png import ROW_FILTERS, STRATEGIES, encode_png, filter_rows

RNG = np.random.default_rng(7)

IMAGES = {
    "grey8": RNG.integers(0, 256, size=(9, 13), dtype=np.uint8),
    "grey16": RNG.integers(0, 65536, size=(9, 13), dtype=np.uint16),
    "rgb8": RNG.integers(0, 256, size=(9, 13, 3), dtype=np.uint8),
    "rgb16": RNG.integers(0, 65536, size=(9, 13, 3), dtype=np.uint16),
    "one pixel": np.array([[65535]], dtype=np.uint16),
    "one row": np.arange(0, 256, 16, dtype=np.uint8)[None, :],
    "one column": np.arange(0, 65536, 4096, dtype=np.uint16)[:, None],
}


def _pypng_pixels(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    width, height, rows, info = pypng.Reader(bytes=data).read()  # checks every chunk's CRC
    assert (width, height) == (shape[1], shape[0])
    return np.array([list(r) for r in rows]).reshape(shape)


@pytest.mark.parametrize("name", IMAGES)
@pytest.mark.parametrize("row_filter", ROW_FILTERS)
@pytest.mark.parametrize("level, strategy", [(0, 0)] + [(level, strategy) for level in (1, 9) for strategy in STRATEGIES])
def test_every_filter_level_and_strategy_decodes_exactly_in_an_independent_decoder(name, row_filter, level, strategy):
    image = IMAGES[name]
    data = encode_png(image, row_filter=row_filter, level=level, strategy=strategy)
    assert np.array_equal(_pypng_pixels(data, image.shape), image)


@pytest.mark.parametrize("name", ["grey8", "grey16", "rgb8", "one pixel", "one row", "one column"])
def test_pillow_reads_what_phav_reads_back(name):
    image = IMAGES[name]
    with Image.open(io.BytesIO(encode_png(image))) as im:
        assert im.format == "PNG" and im.size == (image.shape[1], image.shape[0])
        back = np.array(im)
    assert np.array_equal(back.astype(image.dtype), image) and back.shape == image.shape


def test_the_file_is_signature_ihdr_one_idat_iend_with_valid_crcs():
    image = IMAGES["rgb16"]
    data = encode_png(image)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    # width, height, bit depth 16, colour type 2 (RGB), deflate, adaptive-filter method, no interlace
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (13, 9, 16, 2, 0, 0, 0)
    raw = zlib.decompress(chunks[1][1])  # a zlib stream, as PNG requires
    assert len(raw) == 9 * (1 + 13 * 6) and set(raw[:: 1 + 13 * 6]) == {ROW_FILTERS["up"]}


def _spec_filter(rows: np.ndarray, bpp: int, filter_type: int) -> np.ndarray:
    """PNG spec §9.2, byte by byte: Filt(x) = Orig(x) - Orig(a) (Sub) or - Orig(b) (Up), mod 256."""
    h, n = rows.shape
    out = np.zeros((h, n + 1), dtype=np.uint8)
    for y in range(h):
        out[y, 0] = filter_type
        for x in range(n):
            a = int(rows[y, x - bpp]) if x >= bpp else 0
            b = int(rows[y - 1, x]) if y > 0 else 0
            predictor = {0: 0, 1: a, 2: b}[filter_type]
            out[y, x + 1] = (int(rows[y, x]) - predictor) % 256
    return out


@pytest.mark.parametrize("row_filter", ROW_FILTERS)
@pytest.mark.parametrize("bpp", [1, 2, 3, 6])
def test_row_filters_match_the_png_specification(row_filter, bpp):
    rows = RNG.integers(0, 256, size=(5, 4 * bpp), dtype=np.uint8)
    expected = _spec_filter(rows, bpp, ROW_FILTERS[row_filter])
    assert np.array_equal(filter_rows(rows, bpp, row_filter), expected)


def test_the_same_array_gives_the_same_bytes_and_a_strided_view_the_same_file():
    image = RNG.integers(0, 65536, size=(20, 30), dtype=np.uint16)
    assert encode_png(image) == encode_png(image.copy())
    # zlib-ng's stream of the filtered rows, so the bytes are what any process with this zlib-ng makes
    rows = image.astype(">u2").view(np.uint8).reshape(20, 60)
    idat = zlib_ng.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS, 9, zlib.Z_DEFAULT_STRATEGY)
    expected = idat.compress(filter_rows(rows, 2, "up").tobytes()) + idat.flush()
    assert expected in encode_png(image)
    wide = np.zeros((20, 60), dtype=np.uint16)
    wide[:, ::2] = image
    assert encode_png(wide[:, ::2]) == encode_png(image)
    assert encode_png(image.astype(">u2")) == encode_png(image)  # byte order of the array is no matter


@pytest.mark.parametrize(
    "image, kwargs, match",
    [
        (np.zeros((2, 2), np.float32), {}, "uint8 or uint16"),
        (np.zeros((2, 2, 4), np.uint8), {}, r"\(H, W, 3\)"),
        (np.zeros((2,), np.uint8), {}, r"\(H, W\)"),
        (np.zeros((2, 2, 1), np.uint8), {}, r"\(H, W, 3\)"),
        (np.zeros((0, 5), np.uint8), {}, "at least one row"),
        (np.zeros((2, 2), np.uint8), {"row_filter": "paeth"}, "row filter"),
        (np.zeros((2, 2), np.uint8), {"level": 10}, "level"),
        (np.zeros((2, 2), np.uint8), {"strategy": 7}, "strategy"),
    ],
)
def test_bad_input_is_refused_with_what_was_wrong(image, kwargs, match):
    with pytest.raises(ValueError, match=match):
        encode_png(image, **kwargs)


def _encode_after_churn(image: np.ndarray, settings: dict) -> bytes:
    """In a fresh process: fill and free some heap memory first, then encode."""
    garbage = [np.random.default_rng(i).integers(0, 256, 300_000 + 4096 * i, dtype=np.uint8) for i in range(8)]
    del garbage
    return encode_png(image, **settings)


def test_another_process_writes_the_same_bytes():
    """A dataset made by several workers must equal one made by one, byte for byte (ISA-L's deflate,
    tried here, did not: its output depended on the process)."""
    import concurrent.futures
    import multiprocessing

    from phav.io.images import PNG_SETTINGS

    v, u = np.mgrid[0:64, 0:80]
    image = np.where(v > 30, 1200 + 3 * u + v, 65535).astype(np.uint16)
    jobs = [settings._asdict() for settings in sorted(set(PNG_SETTINGS.values()))]
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        theirs = list(pool.map(_encode_after_churn, [image] * len(jobs), jobs))
    assert theirs == [encode_png(image, **settings) for settings in jobs]


_HASH_ENCODINGS = """
import hashlib, sys
import numpy as np
from phav.io.images import PNG_SETTINGS
from phav.io.png import encode_png
image = np.load(sys.argv[1])
digest = hashlib.sha256()
for settings in sorted(set(PNG_SETTINGS.values())):
    for level in sorted({settings.level, 6, 9}):
        digest.update(encode_png(image, row_filter=settings.row_filter, strategy=settings.strategy, level=level))
print(digest.hexdigest())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="MALLOC_PERTURB_ is glibc's")
def test_the_bytes_do_not_depend_on_what_the_heap_held(tmp_path):
    """Deflate implementations have read memory they never wrote (zlib-ng's matcher, fixed in its
    2.3.3, did after a stream was reset): glibc's MALLOC_PERTURB_ fills every block malloc hands out
    with a non-zero byte, and a high MALLOC_MMAP_THRESHOLD_ makes even the compressor's large state
    come from that heap, so any such read would change the bytes."""
    import subprocess
    import sys

    v, u = np.mgrid[0:256, 0:340]
    image = np.where((u - 170) ** 2 + (v - 150) ** 2 < 60 ** 2, 900 + u + 2 * v, 4000 + (u * v) % 97).astype(np.uint16)
    np.save(tmp_path / "image.npy", image)
    digests = set()
    for perturb in (None, "85", "170"):
        env = dict(os.environ)
        if perturb:
            env.update(MALLOC_PERTURB_=perturb, MALLOC_MMAP_THRESHOLD_="1000000000")
        run = subprocess.run([sys.executable, "-c", _HASH_ENCODINGS, str(tmp_path / "image.npy")], env=env,
                             capture_output=True, text=True, check=True)
        digests.add(run.stdout.strip())
    assert len(digests) == 1, digests
