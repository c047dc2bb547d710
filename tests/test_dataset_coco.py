"""The ``coco`` export: every frame's people as COCO ``person_keypoints``, checked against the
video's own files (instance masks, annotations.json) through pycocotools, as detectron2 and mmdet
read them."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from phav.dataset import run_dataset
from phav.dataset.package import check_exports, package_dataset
from phav.errors import SpecError
from phav.io.coco import COCO_SKELETON, coco_keypoints
from phav.io.posec3d import COCO_KEYPOINTS
from phav.io.reader import read_video
from phav.sampling import SamplingConfig, SpecModel, available_values
from phav.spec import VideoSpec

pycocotools_coco = pytest.importorskip("pycocotools.coco")
# pycocotools' mask decoding (the reader side, annToMask) warns under NumPy 2 about its own __array__
pytestmark = [pytest.mark.gl, pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")]

SPLITS = ("train", "val", "test")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("coco")
    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}),
                      base=VideoSpec(frames=4, width=96, height=72))
    run_dataset(root, model, 3, seed=4, progress=False, modalities=("img", "instancegt"))
    return root


def _one_split() -> tuple[int, int, int]:
    return len(available_values()["actor"]), 0, 0


def test_every_frame_s_people_match_their_masks_and_annotations(dataset):
    written = package_dataset(dataset, ("coco", "lists"), split=(16, 2, 2), seed=1)
    assert [dataset / f"coco_{s}.json" in written for s in SPLITS] == [True] * 3
    images = 0
    for split in SPLITS:
        coco = pycocotools_coco.COCO(str(dataset / f"coco_{split}.json"))
        listed = sorted(line.split()[0] for line in (dataset / f"mmaction_rawframes_{split}.txt").read_text().splitlines())
        assert sorted({img["video"] for img in coco.dataset["images"]}) == listed  # the lists' split
        (category,) = coco.loadCats(coco.getCatIds())
        assert category["name"] == "person" and category["keypoints"] == list(COCO_KEYPOINTS)
        assert category["skeleton"] == [list(pair) for pair in COCO_SKELETON]
        for img in coco.dataset["images"]:
            images += 1
            assert (dataset / img["file_name"]).is_file() and img["file_name"].endswith(f"img_{img['frame']:05d}.jpg")
            video = read_video(dataset / img["video"], ["instancegt"], frames=[img["frame"] - 1])
            frame = video.annotations["frames"][img["frame"] - 1]
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]]))
            seen = [p for p in frame["persons"] if (video.instance[0] == p["instance_id"]).any()]
            assert [a["instance_id"] for a in anns] == [p["instance_id"] for p in seen]
            for ann, person in zip(anns, seen):
                mask = video.instance[0] == person["instance_id"]
                assert np.array_equal(coco.annToMask(ann).astype(bool), mask)
                rows, cols = np.nonzero(mask)
                assert ann["bbox"] == [cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1]
                assert ann["area"] == mask.sum() and ann["iscrowd"] == 0 and ann["category_id"] == 1
                keypoints = np.array(ann["keypoints"]).reshape(17, 3)
                for k, name in enumerate(COCO_KEYPOINTS):
                    if keypoints[k, 2] > 0:
                        assert np.allclose(keypoints[k, :2], person["joints_2d"][name], atol=1e-6)
                    assert keypoints[k, 2] != 2 or person["visible"][name]
                    assert (keypoints[k, 2] == 2) == bool(person["visible"][name])
                assert ann["num_keypoints"] == int((keypoints[:, 2] > 0).sum()) > 0
    assert images == 3 * 4


def test_processes_write_the_same_file(dataset, tmp_path):
    from phav.io.coco import write_coco

    videos = [(str(p.relative_to(dataset)), 4) for p in sorted(dataset.glob("Walk/*")) if p.is_dir()]
    one = write_coco(tmp_path / "one.json", dataset, videos, frame_step=2)
    two = write_coco(tmp_path / "two.json", dataset, videos, frame_step=2, workers=2)
    assert one.read_bytes() == two.read_bytes() and len(json.loads(one.read_text())["images"]) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.json", "two.json"]  # no temporary left


def test_a_frame_step_keeps_every_nth_frame_from_the_first(dataset):
    package_dataset(dataset, ("coco",), split=_one_split(), coco_frame_step=3)
    data = json.loads((dataset / "coco_train.json").read_text())
    assert sorted({img["frame"] for img in data["images"]}) == [1, 4] and len(data["images"]) == 6
    assert [img["id"] for img in data["images"]] == list(range(1, 7))
    assert [a["id"] for a in data["annotations"]] == list(range(1, len(data["annotations"]) + 1))
    with pytest.raises(SpecError, match="COCO frame step must be at least 1"):
        package_dataset(dataset, ("coco",), coco_frame_step=0)


def test_keypoints_outside_the_image_are_unlabelled_and_hidden_ones_labelled_not_visible():
    person = {"joints_2d": {name: [10.0, 20.0] for name in COCO_KEYPOINTS},
              "visible": {name: True for name in COCO_KEYPOINTS}}
    person["joints_2d"]["nose"] = None                 # behind the camera
    person["joints_2d"]["left_eye"] = [47.5, 3.0]      # right of the last column's centre + 0.5
    person["visible"]["left_eye"] = person["visible"]["nose"] = False
    person["visible"]["right_ankle"] = False            # inside, hidden
    keypoints, labelled = coco_keypoints(person, width=48, height=32)
    assert keypoints[:6] == [0, 0, 0, 0, 0, 0]
    assert keypoints[-3:] == [10.0, 20.0, 1] and keypoints[-6:-3] == [10.0, 20.0, 2]
    assert labelled == 15


def test_coco_needs_the_masks_and_the_images(tmp_path):
    with pytest.raises(SpecError, match="export coco needs the instancegt modality; add it to --modalities"):
        check_exports(("coco",), ("img", "depth"), (48, 32))
    with pytest.raises(SpecError, match="export coco needs the img and instancegt modalities; add them"):
        check_exports(("coco",), ("depth",), (48, 32))
    model = SpecModel(SamplingConfig.from_dict({"constraints": {"action": ["Walk"]}}), base=VideoSpec(frames=2, width=48, height=32))
    run_dataset(tmp_path, model, 1, seed=3, progress=False, modalities=("img",))
    with pytest.raises(SpecError, match=r"export coco needs the instancegt modality, which Walk/\S+ lacks"):
        package_dataset(tmp_path, ("coco",), split=_one_split())
    assert not list(tmp_path.glob("coco_*"))


@pytest.mark.parametrize("export, module, extra", [("coco", "pycocotools", "phav[coco]"), ("mp4", "av", "phav[mp4]")])
def test_an_export_whose_package_is_missing_is_refused_before_any_video(tmp_path, monkeypatch, capsys, export, module,
                                                                         extra):
    from phav.cli import main

    monkeypatch.setitem(sys.modules, module, None)  # import fails
    with pytest.raises(SystemExit) as info:
        main(["dataset", "--out", str(tmp_path / "ds"), "--videos-per-class", "1", "--classes", "Walk", "--frames", "2",
              "--size", "48x32", "--no-progress", "--export", export])
    assert info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err == (f'phav-render: error: export {export} needs {"PyAV" if module == "av" else module}: pip install '
                   f'"{extra}" ("phav[exports]" for every export), or leave {export} out of --export')
    assert not (tmp_path / "ds").exists()
