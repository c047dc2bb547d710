"""``read_video(folder)``: one PHAV video folder back as arrays, for users and for tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from phav.io import depth as depth_codec
from phav.io import flow as flow_codec
from phav.io import images, layout, segmentation
from phav.io.jsonutil import read_json
from phav.io.params import read_params
from phav.take import Instance


@dataclasses.dataclass
class VideoData:
    """One video as arrays (``T`` frames of ``H x W``); a modality that was not written is ``None``.

    Attributes:
        label: the action class (the spec's ``action``).
        spec: the video's spec as a dict; ``params``: the whole ``params.json``.
        annotations: the whole ``annotations.json`` (cameras, joints, boxes, muscles per frame).
        instances: the instance table (id, name, semantic class, colour).
        img, raw: ``(T, H, W, 3) uint8`` post-processed and raw RGB (decoded JPEG).
        depth: ``(T, H, W) float32`` z-depth, metres (``inf`` = sky; centimetre precision).
        flow: ``(T, H, W, 2) float32`` forward flow, pixels (1/64 px precision); ``flow_valid``: ``(T, H, W) bool``.
        semantic: ``(T, H, W) uint8`` semantic ids; ``instance``: ``(T, H, W) uint16`` instance ids.
    """

    label: str
    spec: dict[str, Any]
    params: dict[str, Any]
    annotations: dict[str, Any]
    instances: list[Instance]
    img: np.ndarray | None = None
    raw: np.ndarray | None = None
    depth: np.ndarray | None = None
    flow: np.ndarray | None = None
    flow_valid: np.ndarray | None = None
    semantic: np.ndarray | None = None
    instance: np.ndarray | None = None

    @property
    def num_frames(self) -> int:
        return int(self.annotations["num_frames"])


def read_video(folder: str | Path) -> VideoData:
    """Read every file of a video folder written by :class:`~phav.io.video_folder.VideoFolderWriter`.

    Raises:
        FileNotFoundError: ``folder`` is not a video folder (no ``params.json``/``annotations.json``)
            or a frame file of a written modality is missing (the message names it).
    """
    folder = Path(folder)
    if not (folder / layout.PARAMS_FILE).is_file():
        raise FileNotFoundError(f"{folder} is not a video folder: it has no {layout.PARAMS_FILE}")
    params = read_params(folder / layout.PARAMS_FILE)
    annotations = read_json(folder / layout.ANNOTATIONS_FILE)
    instances = [Instance(int(i["id"]), str(i["name"]), int(i["semantic_id"]), tuple(int(c) for c in i["color"]))
                 for i in annotations.get("instances", [])]
    T = int(annotations["num_frames"])
    modalities = params.get("modalities") or []
    data = VideoData(label=params["spec"]["action"], spec=params["spec"], params=params,
                     annotations=annotations, instances=instances)
    def frames(kind: str, read: Any) -> list[np.ndarray]:
        return [read(folder / layout.frame_file(kind, n)) for n in range(1, T + 1)]

    if "img" in modalities:
        data.img = np.stack(frames("img", images.read_jpeg))
    if "raw" in modalities:
        data.raw = np.stack(frames("raw", images.read_jpeg))
    if "depth" in modalities:
        data.depth = np.stack([depth_codec.decode_depth(d) for d in frames("depth", images.read_png16)])
    if "flow" in modalities:
        data.flow = np.stack([flow_codec.decode_flow(x, y) for x, y in
                              zip(frames("flow_x", images.read_png16), frames("flow_y", images.read_png16))])
        data.flow_valid = np.stack([flow_codec.decode_flow_valid(v) for v in frames("flow_valid", images.read_png8)])
    if "classgt" in modalities:
        data.semantic = np.stack([segmentation.decode_semantic(c) for c in frames("classgt", images.read_png_rgb)])
    if "instancegt" in modalities:
        data.instance = np.stack([segmentation.decode_instance(c, instances)
                                  for c in frames("instancegt", images.read_png_rgb)])
    return data
