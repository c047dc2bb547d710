"""COCO-format people of a dataset's frames: boxes, instance masks and the 17 keypoints.

The file is a COCO ``person_keypoints`` JSON, as pycocotools, detectron2, mmdetection and mmpose
read it::

    {"info": {...}, "licenses": [],
     "images": [{"id", "file_name": "<Action>/<video>/img_00001.jpg", "width", "height",
                 "video": "<Action>/<video>", "frame": 1}],                    # ours: where it comes from
     "annotations": [{"id", "image_id", "category_id": 1, "iscrowd": 0,
                      "segmentation": {"size": [H, W], "counts": "<compressed RLE>"}, "area", "bbox",
                      "keypoints": [x, y, v] * 17, "num_keypoints",
                      "instance_id"}],                                         # ours: the person in the video
     "categories": [{"id": 1, "name": "person", "supercategory": "person",
                     "keypoints": [COCO's 17 names], "skeleton": [COCO's 19 pairs, 1-based]}]}

One annotation per person with at least one pixel in the frame's instance segmentation
(``instancegt``): ``segmentation`` is exactly those pixels (pycocotools' compressed RLE), ``area``
their count and ``bbox`` ``[x, y, w, h]`` their extent, pixel ``(i, j)`` covering ``[i, i + 1) x
[j, j + 1)`` as pycocotools gives it; the box is the visible pixels' (``annotations.json``'s
``bbox_2d`` bounds the whole surface, hidden parts included). ``keypoints`` are
``annotations.json``'s ``joints_2d`` in COCO's order (:data:`~phav.io.posec3d.COCO_KEYPOINTS`),
in pixels with pixel centres at integers (the reading detectron2 gives COCO's keypoints): ``v = 2``
for a visible keypoint, 1 for one that projects inside the image but is hidden, and ``(0, 0, 0)``
for one outside the image or behind the camera; ``num_keypoints`` counts ``v > 0``.
``instance_id`` is the person's id in ``instances.txt``, the same in every frame of a video (a
track id). RLE encoding is pycocotools' (``pip install "phav[coco]"``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import multiprocessing
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from phav.io.atomic import replacing
from phav.io.posec3d import COCO_KEYPOINTS
from phav.io.reader import read_video

#: COCO's person skeleton: pairs of 1-based indices into :data:`COCO_KEYPOINTS`.
COCO_SKELETON: tuple[tuple[int, int], ...] = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8), (7, 9),
    (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7),
)
PERSON_CATEGORY: dict[str, Any] = {"id": 1, "name": "person", "supercategory": "person",
                                   "keypoints": list(COCO_KEYPOINTS), "skeleton": [list(p) for p in COCO_SKELETON]}


def _mask_api() -> Any:
    try:
        from pycocotools import mask
    except ImportError:
        raise ImportError('COCO export needs pycocotools: pip install "phav[coco]"') from None
    return mask


def coco_keypoints(person: Mapping[str, Any], width: int, height: int) -> tuple[list[float], int]:
    """``[x, y, v] * 17`` of one person of an ``annotations.json`` frame, and how many have ``v > 0``."""
    out: list[float] = []
    for name in COCO_KEYPOINTS:
        uv = person["joints_2d"].get(name)
        if uv is None or not (-0.5 <= uv[0] < width - 0.5 and -0.5 <= uv[1] < height - 0.5):
            out += [0, 0, 0]
        else:
            out += [float(uv[0]), float(uv[1]), 2 if person["visible"].get(name) else 1]
    return out, sum(1 for v in out[2::3] if v > 0)


def frame_people(instance: np.ndarray, frame: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The COCO annotations (without ``id`` and ``image_id``) of the people seen in one frame.

    Args:
        instance: (H, W) integer instance ids of the frame (``read_video(...).instance[t]``).
        frame: the frame's entry of ``annotations.json``'s ``frames``.
    """
    mask_api = _mask_api()
    height, width = instance.shape
    out = []
    for person in frame["persons"]:
        mask = instance == int(person["instance_id"])
        area = int(np.count_nonzero(mask))
        if area == 0:
            continue
        rle = mask_api.encode(np.asfortranarray(mask.astype(np.uint8)))
        keypoints, labelled = coco_keypoints(person, width, height)
        out.append({"category_id": 1, "iscrowd": 0,
                    "segmentation": {"size": [height, width], "counts": rle["counts"].decode("ascii")},
                    "area": area, "bbox": [float(x) for x in mask_api.toBbox(rle)],
                    "keypoints": keypoints, "num_keypoints": labelled, "instance_id": int(person["instance_id"])})
    return out


def video_records(root: str | Path, video: str, frames: int, frame_step: int = 1,
                  ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The COCO image record (without ``id``) and people (:func:`frame_people`) of every
    ``frame_step``-th frame of the video folder ``root/video`` of ``frames`` frames."""
    indices = list(range(0, int(frames), frame_step))
    data = read_video(Path(root) / video, ["instancegt"], frames=indices)
    W, H = int(data.annotations["width"]), int(data.annotations["height"])
    return [({"file_name": f"{video}/img_{t + 1:05d}.jpg", "width": W, "height": H, "video": video, "frame": t + 1},
             frame_people(data.instance[k], data.annotations["frames"][t])) for k, t in enumerate(indices)]


def write_coco(path: str | Path, root: str | Path, videos: Iterable[tuple[str, int]], frame_step: int = 1,
               description: str = "phav", workers: int = 1) -> Path:
    """Write the COCO file of every ``frame_step``-th frame (the first included) of ``videos``
    (``(folder relative to root, frames)`` pairs, each video with ``instancegt``); image and
    annotation ids count from 1 in this order. ``workers`` > 1 reads and encodes the videos in that
    many spawned processes (the file is the same). Written through temporary files and renamed into
    place: a failed export leaves no file.

    Raises:
        ValueError: ``frame_step`` or ``workers`` < 1, or a video made without ``instancegt``.
        ImportError: pycocotools is not installed (says how to install it).
    """
    if frame_step < 1:
        raise ValueError(f"the COCO frame step must be at least 1, got {frame_step}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    _mask_api()
    root, path = Path(root), Path(path)
    videos = list(videos)
    image_id = annotation_id = 0
    with contextlib.ExitStack() as stack:
        if workers > 1 and len(videos) > 1:
            pool = stack.enter_context(concurrent.futures.ProcessPoolExecutor(
                min(workers, len(videos)), mp_context=multiprocessing.get_context("spawn")))
            per_video: Iterable[list] = pool.map(video_records, *zip(*[(root, v, n, frame_step) for v, n in videos]),
                                                 chunksize=max(1, len(videos) // (8 * workers)))
        else:
            per_video = (video_records(root, v, n, frame_step) for v, n in videos)
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.")))
        images_path, annotations_path = scratch / "images", scratch / "annotations"
        with open(images_path, "w", encoding="utf-8") as images, open(annotations_path, "w", encoding="utf-8") as anns:
            for records in per_video:
                for image, people in records:
                    image_id += 1
                    _item(images, image_id, {"id": image_id, **image})
                    for person in people:
                        annotation_id += 1
                        _item(anns, annotation_id, {"id": annotation_id, "image_id": image_id, **person})
        with replacing(path) as temp, open(temp, "w", encoding="utf-8") as out:
            out.write('{"info": ' + json.dumps({"description": description, "version": "1.0"})
                      + ', "licenses": [], "images": [')
            _append(out, images_path)
            out.write('], "annotations": [')
            _append(out, annotations_path)
            out.write('], "categories": ' + json.dumps([PERSON_CATEGORY]) + "}\n")
    return path


def _item(fh: Any, number: int, item: Mapping[str, Any]) -> None:
    fh.write(("" if number == 1 else ",\n") + json.dumps(item, separators=(",", ":")))


def _append(out: Any, path: Path) -> None:
    with open(path, encoding="utf-8") as fh:
        shutil.copyfileobj(fh, out)

