"""PoseC3D / mmaction2 skeleton pickle from the 2D joints of ``annotations.json``.

Format (mmaction2's ``PoseDataset``)::

    {"split": {"train": [frame_dir, ...], "val": [...], "test": [...]},
     "annotations": [{"frame_dir", "total_frames", "img_shape": (H, W), "original_shape": (H, W),
                      "label", "keypoint": float32 [M, T, V, 2], "keypoint_score": float32 [M, T, V]}],
     "keypoint_names": [V joint names]}                           # ours: the joint order

``M`` persons, ``T`` frames, ``V`` joints in the skeleton order of ``annotations.json``. A joint
behind the camera has keypoint ``(0, 0)`` and score 0; score is 1 for a visible joint and 0.5 for
one that projects but is occluded or outside the image.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np


def pose_annotation(annotations: Mapping[str, Any], frame_dir: str, label: int) -> dict[str, Any]:
    """One PoseC3D annotation from a parsed ``annotations.json``."""
    persons = annotations["persons"]
    T = int(annotations["num_frames"])
    names = list(persons[0]["joint_names"]) if persons else []
    M, V = len(persons), len(names)
    keypoint = np.zeros((M, T, V, 2), dtype=np.float32)
    score = np.zeros((M, T, V), dtype=np.float32)
    for t, frame in enumerate(annotations["frames"]):
        for m, person in enumerate(frame["persons"]):
            for v, joint in enumerate(names):
                uv = person["joints_2d"].get(joint)
                if uv is None:
                    continue
                keypoint[m, t, v] = uv
                score[m, t, v] = 1.0 if person["visible"].get(joint) else 0.5
    shape = (int(annotations["height"]), int(annotations["width"]))
    return {"frame_dir": frame_dir, "total_frames": T, "img_shape": shape, "original_shape": shape,
            "label": int(label), "keypoint": keypoint, "keypoint_score": score}


def write_posec3d(path: str | Path, annotations: Sequence[dict[str, Any]], split: Mapping[str, Sequence[str]],
                  keypoint_names: Sequence[str]) -> Path:
    """Pickle the PoseC3D dict (protocol 4, readable by Python 3.4+)."""
    data = {"split": {k: list(v) for k, v in split.items()}, "annotations": list(annotations),
            "keypoint_names": list(keypoint_names)}
    path = Path(path)
    with open(path, "wb") as fh:
        pickle.dump(data, fh, protocol=4)
    return path
