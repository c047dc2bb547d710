"""UCF101 and mmaction2 lists, actor splits, the PoseC3D pickle, MP4 export."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from phav.io.lists import (
    read_class_index,
    split_actors,
    write_class_index,
    write_mmaction_rawframes,
    write_mmaction_videos,
    write_ucf_list,
)
from phav.io.posec3d import pose_annotation, write_posec3d


def test_class_index_round_trips_with_one_based_labels(tmp_path):
    path = write_class_index(tmp_path / "classInd.txt", ["Clap", "Walk"])
    assert path.read_text() == "1 Clap\n2 Walk\n"
    assert read_class_index(path) == ["Clap", "Walk"]


def test_ucf_and_mmaction_lines(tmp_path):
    labels = {"Clap": 0, "Walk": 1}
    entries = ["Walk/b0000-a", "Clap/b0000-b"]
    assert write_ucf_list(tmp_path / "train.txt", entries, labels).read_text() == "Walk/b0000-a 2\nClap/b0000-b 1\n"
    assert write_ucf_list(tmp_path / "test.txt", entries).read_text() == "Walk/b0000-a\nClap/b0000-b\n"
    raw = write_mmaction_rawframes(tmp_path / "r.txt", [("Walk/b0000-a", 60), ("Clap/b0000-b", 7)], labels)
    assert raw.read_text() == "Walk/b0000-a 60 1\nClap/b0000-b 7 0\n"
    vid = write_mmaction_videos(tmp_path / "v.txt", [("mp4/Walk/b0000-a.mp4", "Walk")], labels)
    assert vid.read_text() == "mp4/Walk/b0000-a.mp4 1\n"


def test_split_actors_takes_counts_in_order_and_checks_the_total():
    actors = [f"A{i:02d}" for i in range(20)]
    order = list(reversed(range(20)))
    table = split_actors(actors, (16, 2, 2), order)
    assert [a for a in actors if table[a] == "test"] == ["A00", "A01"]
    assert [a for a in actors if table[a] == "val"] == ["A02", "A03"]
    assert sum(v == "train" for v in table.values()) == 16
    with pytest.raises(ValueError, match="covers 19 actor presets but 20 are registered"):
        split_actors(actors, (15, 2, 2), order)


def _annotations(T: int = 3) -> dict:
    names = ["pelvis", "head"]
    frames = []
    for t in range(T):
        frames.append({"frame": t + 1, "persons": [{
            "joints_2d": {"pelvis": [10.0 + t, 20.0], "head": None if t == 1 else [11.0, 5.0 + t]},
            "visible": {"pelvis": True, "head": t != 2},
        }]})
    return {"num_frames": T, "width": 48, "height": 32, "persons": [{"joint_names": names}], "frames": frames}


def test_posec3d_annotation_shapes_scores_and_pickle(tmp_path):
    ann = pose_annotation(_annotations(), "Walk/x", 1, ["pelvis", "head"])  # any keypoints, by name
    assert ann["keypoint"].shape == (1, 3, 2, 2) and ann["keypoint"].dtype == np.float32
    assert ann["keypoint_score"].shape == (1, 3, 2) and ann["keypoint_score"].dtype == np.float32
    assert ann["img_shape"] == (32, 48) and ann["total_frames"] == 3 and ann["label"] == 1
    np.testing.assert_array_equal(ann["keypoint"][0, :, 0], [[10, 20], [11, 20], [12, 20]])
    np.testing.assert_array_equal(ann["keypoint_score"][0, :, 1], [1.0, 0.0, 0.5])  # visible, behind, occluded
    path = write_posec3d(tmp_path / "p.pkl", [ann], {"train": ["Walk/x"], "val": [], "test": []}, ["pelvis", "head"])
    with open(path, "rb") as fh:
        data = pickle.load(fh)
    assert data["split"]["train"] == ["Walk/x"] and data["keypoint_names"] == ["pelvis", "head"]
    assert data["keypoint_layout"] == "phav"  # not COCO's 17 (the default, pose_annotation's and the export's)
    np.testing.assert_array_equal(data["annotations"][0]["keypoint"], ann["keypoint"])


@pytest.mark.parametrize("count", [7, 90])  # 90: packets muxed while frames still arrive (x264 looks 40 ahead)
def test_mp4_is_h264_yuv420p_constant_rate_with_the_exact_frame_count(tmp_path, count):
    av = pytest.importorskip("av")
    from phav.io.mp4 import read_mp4, write_mp4

    levels = [(40 * i) % 241 for i in range(count)]
    frames = [np.full((32, 48, 3), v, np.uint8) for v in levels]
    path = tmp_path / "v.mp4"
    assert write_mp4(path, frames, 30.0) == count
    decoded, fps, codec, pix_fmt = read_mp4(path)
    assert decoded.shape == (count, 32, 48, 3) and fps == 30.0 and codec == "h264" and pix_fmt == "yuv420p"
    np.testing.assert_allclose(decoded.reshape(count, -1).mean(axis=1), levels, atol=3)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.frames == count
        pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
    assert len(pts) == count and np.all(np.diff(pts) == pts[1] - pts[0]) and pts[1] > pts[0]  # constant frame spacing


def test_mp4_says_how_its_colours_are_coded_and_they_decode_back_by_it(tmp_path):
    """Tagged sRGB primaries and curve, BT.601 matrix, limited range (an untagged stream is often
    decoded as BT.709 at HD sizes); decoding by the tags gives the frames back."""
    av = pytest.importorskip("av")
    from phav.io.mp4 import write_mp4

    y, x = np.mgrid[0:64, 0:96]
    frames = [np.stack([(2 * x + 5 * t) % 256, (3 * y + 7 * t) % 256, (x + y + 3 * t) % 256], -1).astype(np.uint8)
              for t in range(6)]
    write_mp4(tmp_path / "c.mp4", frames, 30.0)
    with av.open(str(tmp_path / "c.mp4")) as container:
        decoded = list(container.decode(video=0))
    tags = {(f.colorspace, f.color_range) for f in decoded}
    assert tags == {(6, 1)}  # AVCOL_SPC_SMPTE170M, AVCOL_RANGE_MPEG
    error = np.abs(np.array([f.to_ndarray(format="rgb24") for f in decoded], int) - np.array(frames, int))
    assert error.mean() < 2.5  # chroma subsampling and the CRF 18 encode on steep colour ramps


def test_mp4_rejects_odd_sizes_and_empty_input(tmp_path):
    pytest.importorskip("av")
    from phav.io.mp4 import write_mp4

    with pytest.raises(ValueError, match="even size"):
        write_mp4(tmp_path / "odd.mp4", [np.zeros((31, 48, 3), np.uint8)], 30.0)
    with pytest.raises(ValueError, match="no frames"):
        write_mp4(tmp_path / "none.mp4", [], 30.0)
