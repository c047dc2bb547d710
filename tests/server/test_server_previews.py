"""Preview colouring of depth, flow and labels, and the helpers the server's files rely on."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from phav.labels import PALETTE
from phav.server.previews import depth_image, even_size, flow_image, instance_image, semantic_image, write_zip
from phav.take import Instance


def test_depth_is_brighter_near_and_sky_is_black() -> None:
    depth = np.array([[1.0, 2.0, 4.0, np.inf]], dtype=np.float32)
    out = depth_image(depth)
    grey = out[0, :, 0]
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    assert grey[0] == 255 and grey[2] == 40 and grey[3] == 0
    assert grey[0] > grey[1] > grey[2]
    # inverse depth is linear: 1/2 m lies a third of the way from 1/4 m to 1/1 m
    assert grey[1] == round(40 + 215 * (0.5 - 0.25) / (1.0 - 0.25))


def test_flow_colours_direction_and_magnitude() -> None:
    flow = np.array([[[0.0, 0.0], [2.0, 0.0], [-2.0, 0.0], [0.0, 1.0]]], dtype=np.float32)
    valid = np.array([[True, True, True, False]])
    out = flow_image(flow, valid, max_magnitude=2.0)
    assert out[0, 0].tolist() == [255, 255, 255]  # still: white
    assert out[0, 3].tolist() == [48, 48, 48]  # invalid: dark grey
    right, left = out[0, 1].astype(int), out[0, 2].astype(int)
    assert right.min() == 0 and left.min() == 0  # full magnitude: fully saturated
    assert np.abs(right - left).max() > 200  # opposite directions: far apart in colour


def test_labels_use_the_tables() -> None:
    semantic = np.array([[0, 1, 40]], dtype=np.uint8)
    assert (semantic_image(semantic) == PALETTE[semantic]).all()
    table = [Instance(1, "actor", 40, (10, 20, 30)), Instance(2, "car", 5, (200, 100, 0))]
    out = instance_image(np.array([[0, 1, 2]], dtype=np.uint16), table)
    assert out[0].tolist() == [[0, 0, 0], [10, 20, 30], [200, 100, 0]]


def test_even_size_pads_odd_sides_by_repeating_the_edge() -> None:
    frames = np.arange(2 * 3 * 5 * 3, dtype=np.uint8).reshape(2, 3, 5, 3)
    out = even_size(frames)
    assert out.shape == (2, 4, 6, 3)
    assert (out[:, :3, :5] == frames).all() and (out[:, 3, :5] == frames[:, 2]).all()
    assert even_size(out) is out


def test_zip_holds_every_file_under_the_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "b0000-Plain-video"
    folder.mkdir()
    (folder / "params.json").write_text("{}")
    (folder / "img_00001.jpg").write_bytes(b"\xff\xd8jpeg")
    path = write_zip(folder, tmp_path / "video.zip")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["b0000-Plain-video/img_00001.jpg", "b0000-Plain-video/params.json"]
        assert archive.getinfo("b0000-Plain-video/img_00001.jpg").compress_type == zipfile.ZIP_STORED
        assert archive.read("b0000-Plain-video/img_00001.jpg") == b"\xff\xd8jpeg"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
