"""Writers and readers: the PHAV video folder layout, image codecs, flow formats, metadata files.

Modules (one job each):

* :mod:`~phav.io.images`: 16-bit/8-bit grey and RGB PNG, JPEG (Pillow).
* :mod:`~phav.io.depth`, :mod:`~phav.io.flow`, :mod:`~phav.io.segmentation`: array encodings.
* :mod:`~phav.io.flow_formats`: Middlebury ``.flo`` and KITTI flow PNG.
* :mod:`~phav.io.instances_txt`: ``instances.txt``.
* :mod:`~phav.io.annotations`, :mod:`~phav.io.params`: ``annotations.json`` and ``params.json``.
* :mod:`~phav.io.layout`: file names; :mod:`~phav.io.video_folder`: the atomic folder writer.
* :mod:`~phav.io.reader`: ``read_video(folder)``, a video folder back as arrays.
* :mod:`~phav.io.lists`, :mod:`~phav.io.posec3d`, :mod:`~phav.io.mp4`: exports for downstream tools.
"""

from phav.io.annotations import AnnotationBuilder, build_annotations, write_annotations
from phav.io.depth import decode_depth, encode_depth
from phav.io.flow import (
    decode_flow,
    decode_flow_valid,
    decode_tsn_flow,
    encode_flow,
    encode_flow_valid,
    encode_tsn_flow,
)
from phav.io.flow_formats import read_flo, read_kitti_flow, write_flo, write_kitti_flow
from phav.io.images import (
    read_jpeg,
    read_png8,
    read_png16,
    read_png_rgb,
    write_jpeg,
    write_png8,
    write_png16,
    write_png_rgb,
)
from phav.io.instances_txt import read_instances, write_instances
from phav.io.params import CONVENTIONS, build_params, read_params, write_params
from phav.io.segmentation import decode_instance, decode_semantic, encode_instance, encode_semantic
from phav.io.reader import VideoData, read_video
from phav.io.video_folder import VideoFolderWriter

__all__ = [
    "CONVENTIONS",
    "AnnotationBuilder",
    "VideoData",
    "VideoFolderWriter",
    "build_annotations",
    "build_params",
    "decode_depth",
    "decode_flow",
    "decode_flow_valid",
    "decode_instance",
    "decode_semantic",
    "decode_tsn_flow",
    "encode_depth",
    "encode_flow",
    "encode_flow_valid",
    "encode_instance",
    "encode_semantic",
    "encode_tsn_flow",
    "read_flo",
    "read_instances",
    "read_jpeg",
    "read_kitti_flow",
    "read_params",
    "read_png16",
    "read_png8",
    "read_png_rgb",
    "read_video",
    "write_annotations",
    "write_flo",
    "write_instances",
    "write_jpeg",
    "write_kitti_flow",
    "write_params",
    "write_png16",
    "write_png8",
    "write_png_rgb",
]
