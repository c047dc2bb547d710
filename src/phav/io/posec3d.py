"""PoseC3D / mmaction2 skeleton pickle from the 2D joints of ``annotations.json``, in COCO's layout.

Format (mmaction2's ``PoseDataset``)::

    {"split": {"train": [frame_dir, ...], "val": [...], "test": [...]},
     "annotations": [{"frame_dir", "total_frames", "img_shape": (H, W), "original_shape": (H, W),
                      "label", "keypoint": float32 [M, T, 17, 2], "keypoint_score": float32 [M, T, 17]}],
     "keypoint_names": [17 names], "keypoint_layout": "coco"}     # ours: which keypoint is which

``M`` persons, ``T`` frames and COCO's 17 keypoints in COCO's order (:data:`COCO_KEYPOINTS`: nose,
eyes, ears, then shoulders to ankles, left before right), the layout mmaction2's skeleton configs
assume (``skeletons``/``left_kp``/``right_kp`` of the ``coco`` layout, and its flip augmentation),
so the pickle works with them unchanged. The face points are those of
:data:`phav.body.skeleton.FACE_POINTS` (on the skin: the nose's tip, the pupils, the ears' outer
sides); the others are joint centres. ``keypoint`` is in pixels as ``joints_2d`` (x right, y down,
pixel centres at integers). A keypoint behind the camera, or one the ``annotations.json`` does not
have (files made before the face points were annotated), is ``(0, 0)`` with score 0; score is 1 for
a visible keypoint and 0.5 for one that projects but is occluded or outside the image.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

#: COCO's 17 person keypoints, in COCO's order (names as in ``annotations.json``).
COCO_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)


def pose_annotation(annotations: Mapping[str, Any], frame_dir: str, label: int,
                    keypoint_names: Sequence[str] = COCO_KEYPOINTS) -> dict[str, Any]:
    """One PoseC3D annotation from a parsed ``annotations.json``: the keypoints ``keypoint_names``
    (default :data:`COCO_KEYPOINTS`) of every person in every frame."""
    persons = annotations["persons"]
    T = int(annotations["num_frames"])
    M, V = len(persons), len(keypoint_names)
    keypoint = np.zeros((M, T, V, 2), dtype=np.float32)
    score = np.zeros((M, T, V), dtype=np.float32)
    for t, frame in enumerate(annotations["frames"]):
        for m, person in enumerate(frame["persons"]):
            for v, name in enumerate(keypoint_names):
                uv = person["joints_2d"].get(name)
                if uv is None:
                    continue
                keypoint[m, t, v] = uv
                score[m, t, v] = 1.0 if person["visible"].get(name) else 0.5
    shape = (int(annotations["height"]), int(annotations["width"]))
    return {"frame_dir": frame_dir, "total_frames": T, "img_shape": shape, "original_shape": shape,
            "label": int(label), "keypoint": keypoint, "keypoint_score": score}


def write_posec3d(path: str | Path, annotations: Sequence[dict[str, Any]], split: Mapping[str, Sequence[str]],
                  keypoint_names: Sequence[str] = COCO_KEYPOINTS) -> Path:
    """Pickle the PoseC3D dict (protocol 4, readable by Python 3.4+); ``keypoint_names``: the
    keypoints of ``annotations`` (made by :func:`pose_annotation` with the same names)."""
    names = list(keypoint_names)
    data = {"split": {k: list(v) for k, v in split.items()}, "annotations": list(annotations),
            "keypoint_names": names, "keypoint_layout": "coco" if tuple(names) == COCO_KEYPOINTS else "phav"}
    path = Path(path)
    with open(path, "wb") as fh:
        pickle.dump(data, fh, protocol=4)
    return path
