"""Exports of a finished dataset, and ``phav.io.read_video``: lists, splits, PoseC3D, MP4, flows."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from phav.dataset import run_dataset
from phav.dataset.package import actor_splits, package_dataset, parse_exports, parse_split
from phav.errors import SpecError
from phav.io import read_flo, read_kitti_flow
from phav.io.flow import decode_tsn_flow
from phav.io.lists import read_class_index
from phav.io.reader import read_video
from phav.sampling import SamplingConfig, SpecModel, available_values
from phav.spec import VideoSpec

pytestmark = pytest.mark.gl


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds")
    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}), base=VideoSpec(frames=3, width=48, height=32))
    run_dataset(root, model, 2, seed=2, progress=False)
    return root


def test_read_video_returns_every_modality_as_arrays(dataset):
    folder = next(p for p in sorted(dataset.glob("Walk/*")) if p.is_dir())
    video = read_video(folder)
    assert video.label == "Walk" and video.num_frames == 3
    assert video.img.shape == (3, 32, 48, 3) and video.img.dtype == np.uint8
    assert video.raw.shape == (3, 32, 48, 3)
    assert video.depth.shape == (3, 32, 48) and video.depth.dtype == np.float32
    assert video.flow.shape == (3, 32, 48, 2) and video.flow_valid.dtype == bool
    assert not video.flow_valid[-1].any()  # the last frame has no forward flow
    assert video.semantic.dtype == np.uint8 and video.instance.dtype == np.uint16
    person = video.instances[0].id
    assert ((video.instance == person) == (video.semantic >= 36)).mean() > 0.99  # body parts are the person
    assert video.spec["action"] == "Walk"
    with pytest.raises(FileNotFoundError, match="not a video folder"):
        read_video(dataset)


def test_read_video_reads_only_the_modalities_and_frames_asked_for(dataset):
    folder = next(p for p in sorted(dataset.glob("Walk/*")) if p.is_dir())
    whole = read_video(folder)
    part = read_video(folder, ["flow", "instancegt"], frames=[2, 0, 2])
    assert part.img is None and part.raw is None and part.depth is None and part.semantic is None
    assert np.array_equal(part.flow, whole.flow[[2, 0, 2]]) and np.array_equal(part.flow_valid, whole.flow_valid[[2, 0, 2]])
    assert np.array_equal(part.instance, whole.instance[[2, 0, 2]])
    assert part.annotations == whole.annotations and part.num_frames == 3
    only_rgb = read_video(folder, "img", frames=np.arange(1, 3))
    assert np.array_equal(only_rgb.img, whole.img[1:3]) and only_rgb.flow is None
    assert read_video(folder, ["depth"], frames=[]).depth.shape == (0, 32, 48)
    with pytest.raises(ValueError, match=r"unknown modalities \['rgb'\]; choose a comma-separated subset of img,raw,depth"):
        read_video(folder, ["rgb"])
    with pytest.raises(ValueError, match=r"frames \[3, -1\] are outside .*'s 3 frames \(0-based indices 0..2\)"):
        read_video(folder, frames=[0, 3, -1])


def test_read_video_names_a_modality_the_video_was_made_without(tmp_path):
    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                      base=VideoSpec(frames=2, width=48, height=32))
    run_dataset(tmp_path, model, 1, seed=3, progress=False, modalities=("img", "depth"))
    folder = next(p for p in sorted(tmp_path.glob("Walk/*")) if p.is_dir())
    assert read_video(folder, ["depth"]).depth.shape == (2, 32, 48)
    with pytest.raises(ValueError, match=r"was made without flow, classgt; it has img, depth"):
        read_video(folder, ["flow", "depth", "classgt"])


def test_lists_posec3d_and_actor_split(dataset):
    written = package_dataset(dataset, ("lists", "posec3d"), split=(16, 2, 2) if len(available_values()["actor"]) == 20
                              else (len(available_values()["actor"]), 0, 0), seed=2)
    assert dataset / "classInd.txt" in written
    classes = read_class_index(dataset / "classInd.txt")
    assert classes == ["Walk"]
    lines = {s: (dataset / f"mmaction_rawframes_{s}.txt").read_text().splitlines() for s in ("train", "val", "test")}
    entries = [line for s in lines.values() for line in line_split(s)]
    assert sorted(e[0] for e in entries) == sorted(str(p.relative_to(dataset)) for p in dataset.glob("Walk/*"))
    assert all(e[1] == "3" and e[2] == "0" for e in entries)
    with open(dataset / "posec3d.pkl", "rb") as fh:
        data = pickle.load(fh)
    ann = data["annotations"][0]
    assert ann["keypoint"].shape == (1, 3, 17, 2) and ann["keypoint_score"].shape == (1, 3, 17)
    assert ann["img_shape"] == (32, 48) and data["keypoint_layout"] == "coco"
    # COCO's order (mmaction2's coco layout: flip pairs 1-2, 3-4, ..., 15-16), from annotations.json's keypoints
    assert data["keypoint_names"] == ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
                                      "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                                      "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
    source = read_video(dataset / ann["frame_dir"]).annotations["frames"]
    for t, frame in enumerate(source):
        person = frame["persons"][0]
        for v, name in enumerate(data["keypoint_names"]):
            assert np.allclose(ann["keypoint"][0, t, v], person["joints_2d"][name], atol=1e-4), (t, name)
            assert ann["keypoint_score"][0, t, v] == (1.0 if person["visible"][name] else 0.5)
    assert sorted(sum(data["split"].values(), [])) == sorted(e[0] for e in entries)


def test_open_dataset_gives_the_labels_and_splits_of_the_exports(dataset):
    from phav.dataset import open_dataset
    from phav.errors import DataError

    split = (16, 2, 2) if len(available_values()["actor"]) == 20 else (len(available_values()["actor"]), 0, 0)
    package_dataset(dataset, ("lists",), split=split, seed=2)
    videos = open_dataset(dataset, split=split, seed=2)
    assert [v.key for v in videos] == ["Walk/00000", "Walk/00001"] and all(v.frames == 3 for v in videos)
    for name in ("train", "val", "test"):
        listed = [line.split(" ") for line in (dataset / f"mmaction_rawframes_{name}.txt").read_text().splitlines()]
        assert sorted((folder, int(label)) for folder, _, label in listed) == sorted(
            (str(v.path.relative_to(dataset)), v.label) for v in videos if v.split == name)
    clip = videos[0].read(["img"], frames=[2, 0])
    assert np.array_equal(clip.img, read_video(videos[0].path).img[[2, 0]]) and clip.label == "Walk"
    with pytest.raises(DataError, match=r"has no manifest\*.jsonl, so phav-render dataset did not make it"):
        open_dataset(dataset / "Walk")


def test_posec3d_gives_keypoints_an_older_annotations_file_lacks_score_zero():
    from phav.io.posec3d import pose_annotation

    old = {"num_frames": 1, "width": 48, "height": 32, "persons": [{}],
           "frames": [{"persons": [{"joints_2d": {"left_ankle": [3.0, 4.0], "nose": None},
                                    "visible": {"left_ankle": True, "nose": False}}]}]}
    ann = pose_annotation(old, "Walk/x", 2)
    assert ann["keypoint"][0, 0, 15].tolist() == [3.0, 4.0] and ann["keypoint_score"][0, 0, 15] == 1.0
    assert not ann["keypoint"][0, 0, :15].any() and not ann["keypoint_score"][0, 0, :15].any()
    assert ann["label"] == 2 and ann["total_frames"] == 1


def line_split(lines):
    return [line.split(" ") for line in lines]


def test_actor_split_is_deterministic_and_covers_every_preset():
    actors = available_values()["actor"]
    counts = (len(actors) - 2, 1, 1) if len(actors) >= 3 else (len(actors), 0, 0)
    table = actor_splits(counts, seed=0)
    assert table == actor_splits(counts, seed=0)
    assert set(actors) <= set(table)
    assert sum(table[a] == "train" for a in actors) == counts[0]
    with pytest.raises(SpecError, match="add up to"):
        actor_splits((len(actors) + 1, 0, 0), seed=0)


def test_flow_exports_decode_to_the_stored_flow(dataset):
    """One file per frame pair, as denseflow, Sintel and KITTI count them: frames 1..T-1 (the last
    frame has no forward flow), and a file an older export wrote for frame T is removed."""
    folder = next(p for p in sorted(dataset.glob("Walk/*")) if p.is_dir())
    (folder / "flow_x_00003.jpg").write_bytes(b"an older export's last frame")
    package_dataset(dataset, ("tsn-flow", "flo", "kitti"))
    video = read_video(folder)
    assert not [n for n in ("flow_x_00003.jpg", "flow_y_00003.jpg", "flow_00003.flo", "flow_kitti_00003.png")
                if (folder / n).exists()]
    for t in range(2):
        flo = read_flo(folder / f"flow_{t + 1:05d}.flo")
        np.testing.assert_allclose(flo, video.flow[t], atol=1e-6)
        kitti, valid = read_kitti_flow(folder / f"flow_kitti_{t + 1:05d}.png")
        np.testing.assert_array_equal(valid, video.flow_valid[t])
        np.testing.assert_allclose(kitti[valid], video.flow[t][valid], atol=1 / 64)  # KITTI: flow where valid
        tsn_x = decode_tsn_flow(read_png8_jpeg(folder / f"flow_x_{t + 1:05d}.jpg"))
        clipped = np.clip(video.flow[t, ..., 0], -20, 20)
        assert np.abs(tsn_x - clipped).mean() < 0.5  # 8-bit quantisation plus JPEG


def read_png8_jpeg(path):
    from PIL import Image

    with Image.open(path) as im:
        return np.array(im.convert("L"))


def test_mp4_export_has_every_frame_and_a_video_list(dataset):
    pytest.importorskip("av")
    from phav.io.mp4 import read_mp4

    actors = available_values()["actor"]
    package_dataset(dataset, ("mp4", "lists"), split=(len(actors), 0, 0))
    mp4s = sorted(dataset.glob("mp4/Walk/*.mp4"))
    assert len(mp4s) == 2
    frames, fps, codec, pix_fmt = read_mp4(mp4s[0])
    assert frames.shape == (3, 32, 48, 3) and fps == 30.0 and (codec, pix_fmt) == ("h264", "yuv420p")
    video = read_video(dataset / "Walk" / mp4s[0].stem)
    assert np.abs(frames.astype(int) - video.img.astype(int)).mean() < 6
    lines = (dataset / "mmaction_videos_train.txt").read_text().splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(str(p.relative_to(dataset)) for p in mp4s)


def test_export_and_split_options_are_checked():
    assert parse_exports("all") == ("lists", "posec3d", "coco", "mp4", "tsn-flow", "flo", "kitti")
    assert parse_exports("mp4,lists") == ("lists", "mp4")
    with pytest.raises(SpecError, match="unknown export 'gif'"):
        parse_exports("gif")
    assert parse_split("16,2,2") == (16, 2, 2)
    with pytest.raises(SpecError, match="train,val,test"):
        parse_split("16,2")


def test_class_labels_keep_the_classes_whose_videos_all_failed(tmp_path):
    """classInd.txt numbers every planned class (a manifest row of any status), so a class whose
    videos all failed keeps its label and a later --retry-failed run renumbers nothing."""
    import json

    rows = [{"key": "Walk/00000", "action": "Walk", "status": "done", "path": "Walk/v0", "frames": 30,
             "spec": {"actor": "Model_Man01"}},
            {"key": "Clap/00000", "action": "Clap", "status": "failed", "path": None, "frames": None,
             "spec": {"actor": "Model_Man01"}}]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts = (len(available_values()["actor"]), 0, 0)
    package_dataset(tmp_path, ("lists",), split=counts, seed=0)
    assert read_class_index(tmp_path / "classInd.txt") == ["Clap", "Walk"]
    assert (tmp_path / "mmaction_rawframes_train.txt").read_text().split() == ["Walk/v0", "30", "1"]


def test_mp4_export_of_an_odd_sized_dataset_says_which_video_and_what_to_change(tmp_path):
    pytest.importorskip("av")
    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                      base=VideoSpec(frames=3, width=47, height=32))
    run_dataset(tmp_path, model, 1, seed=2, progress=False, modalities=("img",))
    with pytest.raises(SpecError, match=r"export mp4 needs an even width and height \(H\.264 yuv420p\), and Walk/\S+ is "
                                        r"47x32; use --size 48x32 or leave mp4 out of --export"):
        package_dataset(tmp_path, ("mp4",))
    assert not any(p.is_file() for p in (tmp_path / "mp4").rglob("*"))  # no torn or temporary file


@pytest.mark.parametrize("name", ["params.json", "annotations.json"])
def test_a_truncated_json_file_is_named_with_where_it_breaks_off(dataset, tmp_path, name):
    import shutil

    from phav.errors import DataError

    source = next(p for p in sorted(dataset.glob("Walk/*")) if p.is_dir())
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    text = (folder / name).read_text(encoding="utf-8")
    (folder / name).write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(DataError, match=rf"{name} is not valid JSON \(.* at line \d+, column \d+\); a write was cut "
                                        r"short or another program changed it"):
        read_video(folder)


def walk_model() -> SpecModel:
    """Walks of 3 frames at 48x32: the smallest videos a dataset test can make."""
    return SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                     base=VideoSpec(frames=3, width=48, height=32))


def test_open_dataset_follows_the_split_the_exports_used_without_being_told_it(tmp_path):
    """The dataset's --seed and --split are recorded with the exports (split.json): open_dataset(root)
    gives each video the split the lists give it, whatever seed made them (train/test leakage otherwise)."""
    from phav.dataset import open_dataset
    from phav.dataset.package import SPLIT_FILE, actor_splits

    root = tmp_path / "ds"
    model = walk_model()
    run_dataset(root, model, 8, seed=5, modalities=("img",), progress=False)
    presets = len(available_values()["actor"])
    split = (presets - 8, 4, 4)
    assert actor_splits(split, 5) != actor_splits(split, 0)  # what open_dataset drew without the record
    package_dataset(root, ("lists",), split=split, seed=5)
    assert (root / SPLIT_FILE).is_file()
    listed = {line.split(" ")[0]: name for name in ("train", "val", "test")
              for line in (root / f"mmaction_rawframes_{name}.txt").read_text().splitlines()}
    videos = open_dataset(root)
    assert {str(v.path.relative_to(root)): v.split for v in videos} == listed
    assert [v.split for v in open_dataset(root, split=split, seed=0)] == [
        actor_splits(split, 0)[v.actor] for v in videos]  # told otherwise, it draws that split


def test_lists_give_mmaction2_flow_lists_counting_frame_pairs_when_every_video_has_tsn_flow(tmp_path):
    root = tmp_path / "ds"
    run_dataset(root, walk_model(), 2, seed=2, modalities=("img", "flow"), progress=False)
    split = (len(available_values()["actor"]), 0, 0)
    package_dataset(root, ("lists",), split=split)
    assert not list(root.glob("mmaction_flow_*.txt"))  # no TSN flow exported yet
    package_dataset(root, ("tsn-flow", "lists"), split=split)
    rgb = sorted((root / "mmaction_rawframes_train.txt").read_text().splitlines())
    flow = sorted((root / "mmaction_flow_train.txt").read_text().splitlines())
    assert [line.split(" ") for line in flow] == [[d, str(int(t) - 1), label] for d, t, label in
                                                  (line.split(" ") for line in rgb)]
    for line in flow:  # every flow frame a list names exists, as mmaction2's RawFrameDecode reads it
        frame_dir, count, _ = line.split(" ")
        assert sorted(p.name for p in (root / frame_dir).glob("flow_x_*.jpg")) == [
            f"flow_x_{n:05d}.jpg" for n in range(1, int(count) + 1)]
    assert (root / "mmaction_flow_val.txt").read_text() == ""


def test_an_export_without_mp4s_removes_the_video_lists_an_earlier_one_wrote(tmp_path):
    pytest.importorskip("av")
    from phav.errors import PhavWarning

    root = tmp_path / "ds"
    model = walk_model()
    run_dataset(root, model, 1, seed=2, modalities=("img",), progress=False)
    split = (len(available_values()["actor"]), 0, 0)
    package_dataset(root, ("mp4", "lists"), split=split)
    run_dataset(root, model, 2, seed=2, modalities=("img",), progress=False)  # one more video, without its MP4
    with pytest.warns(PhavWarning, match="removed the earlier mmaction_videos_.*1 of 2 finished videos have no MP4"):
        package_dataset(root, ("lists",), split=split)
    assert not list(root.glob("mmaction_videos_*.txt"))
    assert len((root / "mmaction_rawframes_train.txt").read_text().splitlines()) == 2


def test_lists_give_every_split_both_lists_even_an_empty_one(tmp_path):
    """With MP4s, each split has its rawframes and its videos list, the splits without a video too."""
    pytest.importorskip("av")
    root = tmp_path / "ds"
    model = walk_model()
    run_dataset(root, model, 1, seed=2, modalities=("img",), progress=False)
    package_dataset(root, ("mp4", "lists"), split=(len(available_values()["actor"]), 0, 0))
    for split in ("train", "val", "test"):
        rawframes = (root / f"mmaction_rawframes_{split}.txt").read_text().splitlines()
        videos = (root / f"mmaction_videos_{split}.txt").read_text().splitlines()
        assert len(rawframes) == len(videos) == (1 if split == "train" else 0)


def test_the_cli_says_which_export_wrote_what(tmp_path, capsys):
    from phav.cli import main

    with pytest.raises(SystemExit) as info:
        main(["dataset", "--out", str(tmp_path), "--videos-per-class", "1", "--classes", "Walk", "--frames", "3",
              "--size", "48x32", "--modalities", "flow", "--no-progress", "--export", "tsn-flow,flo,kitti,lists",
              "--split", f"{len(available_values()['actor'])},0,0"])
    assert info.value.code == 0
    wrote = [line for line in capsys.readouterr().err.splitlines() if "wrote" in line]
    (folder,) = [p for p in tmp_path.glob("Walk/*") if p.is_dir()]
    assert wrote[:3] == [f"{name}: wrote {folder}" for name in ("tsn-flow", "flo", "kitti")]
    assert wrote[3:5] == [f"lists: wrote {tmp_path / name}" for name in ("split.json", "classInd.txt")]
