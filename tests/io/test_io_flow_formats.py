"""Middlebury .flo and KITTI 16-bit PNG flow, including foreign PNG filters."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from phav.io import flow_formats

RNG = np.random.default_rng(1)


def test_flo_round_trip_exact(tmp_path):
    f = RNG.normal(scale=20, size=(13, 17, 2)).astype(np.float32)
    path = tmp_path / "a.flo"
    flow_formats.write_flo(path, f)
    data = path.read_bytes()
    assert data[:4] == b"PIEH" and struct.unpack("<ii", data[4:12]) == (17, 13)
    assert len(data) == 12 + 13 * 17 * 8
    assert np.array_equal(flow_formats.read_flo(path), f)


def test_flo_rejects_bad_files(tmp_path):
    (tmp_path / "bad.flo").write_bytes(b"XXXX" + struct.pack("<ii", 1, 1) + b"\0" * 8)
    with pytest.raises(ValueError, match="tag"):
        flow_formats.read_flo(tmp_path / "bad.flo")
    (tmp_path / "short.flo").write_bytes(struct.pack("<fii", 202021.25, 2, 2) + b"\0" * 8)
    with pytest.raises(ValueError, match="length"):
        flow_formats.read_flo(tmp_path / "short.flo")


def test_kitti_round_trip_to_one_64th(tmp_path):
    f = RNG.normal(scale=40, size=(21, 33, 2)).astype(np.float32)
    valid = RNG.random((21, 33)) > 0.3
    path = tmp_path / "k.png"
    flow_formats.write_kitti_flow(path, f, valid)
    raw = flow_formats.read_png48(path)
    assert raw.dtype == np.uint16 and raw.shape == (21, 33, 3)
    assert np.array_equal(raw[..., 2], valid.astype(np.uint16))
    assert np.all(raw[~valid] == 0)
    back, back_valid = flow_formats.read_kitti_flow(path)
    assert np.array_equal(back_valid, valid)
    assert np.max(np.abs(back[valid] - f[valid])) <= 0.5 / 64 + 1e-6
    assert np.all(back[~valid] == 0)


def test_png48_rejects_other_pngs(tmp_path):
    from phav.io import images

    images.write_png16(tmp_path / "g.png", np.zeros((2, 2), np.uint16))
    with pytest.raises(ValueError, match="16-bit RGB"):
        flow_formats.read_png48(tmp_path / "g.png")
    flow_formats.write_png48(tmp_path / "c.png", np.zeros((2, 2, 3), np.uint16))
    data = bytearray((tmp_path / "c.png").read_bytes())
    data[20] ^= 1
    (tmp_path / "c.png").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not a valid PNG"):
        flow_formats.read_png48(tmp_path / "c.png")


def test_kitti_file_is_a_valid_png_for_pillow(tmp_path):
    from PIL import Image

    flow_formats.write_kitti_flow(tmp_path / "k.png", np.zeros((4, 5, 2), np.float32))
    with Image.open(tmp_path / "k.png") as im:
        im.load()
        assert im.size == (5, 4) and im.format == "PNG"
