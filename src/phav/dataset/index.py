"""A made dataset as a list of its videos, with the labels and splits its exports give them.

For training loaders that read the videos themselves (``torch.utils.data.Dataset`` and the like)::

    videos = open_dataset("out")                       # every finished video, in key order
    train = [v for v in videos if v.split == "train"]
    clip = train[0].read(["img"], frames=range(0, 60, 8)).img  # (8, H, W, 3) uint8

``label`` is the class's number as the mmaction2 lists and ``posec3d.pkl`` give it (its line in the
dataset's ``classes.txt`` from 0, :mod:`phav.dataset.classes`; ``classInd.txt`` numbers the same
order from 1) and ``split`` the actor preset's split of the dataset's last split export
(``split.json``), so the lists, ``posec3d.pkl``, the COCO files and the index agree. The index reads only the manifests; :meth:`DatasetVideo.read` reads a video's
files (:func:`phav.io.read_video`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable, Sequence

from phav.dataset.classes import dataset_classes
from phav.dataset.manifest import dataset_rows, row_folder
from phav.dataset.package import DEFAULT_SPLIT, SPLIT_FILE, actor_splits, read_split
from phav.io.reader import VideoData, read_video


@dataclasses.dataclass(frozen=True)
class DatasetVideo:
    """One finished video of a dataset.

    Attributes:
        key: ``<action>/<index:05d>``, its place in the plan.
        path: its folder.
        action: its class; ``label``: the class's number from 0 (the mmaction2 lists' label).
        actor: its actor preset; ``split``: ``"train"``, ``"val"`` or ``"test"`` (by actor;
            ``"unsplit"`` for an actor that is no registered preset, which the lists leave out).
        frames: its length; ``spec``: its spec as a dict (the manifest's).
    """

    key: str
    path: Path
    action: str
    label: int
    actor: str
    split: str
    frames: int
    spec: dict[str, Any]

    def read(self, modalities: Iterable[str] | None = None, frames: Sequence[int] | None = None) -> VideoData:
        """Its files as arrays: :func:`phav.io.read_video` with these ``modalities`` and 0-based
        ``frames`` (``None``: all)."""
        return read_video(self.path, modalities, frames)


def open_dataset(root: str | Path, split: tuple[int, int, int] | None = None, seed: int | None = None
                 ) -> list[DatasetVideo]:
    """The finished videos of the dataset in ``root`` (every shard's manifest), in key order.

    Each video's ``split`` is its actor's: by default the split of the dataset's last split export
    (``split.json``, written with the lists, ``posec3d.pkl`` and the COCO files, so the two agree),
    else ``(16, 2, 2)`` drawn from seed 0; ``split`` (train, val, test actor counts) and ``seed``
    (the dataset's ``--seed``) draw another, as ``phav-render dataset --split ... --seed ...`` does.

    Raises:
        DataError: ``root`` is no dataset made by ``phav-render dataset`` (missing, no manifest, no
            rows, a manifest line that is no row), or a row's path is not ``<Action>/<video folder>``
            inside it (:func:`~phav.dataset.manifest.row_folder`).
        SpecError: ``split`` does not fit the actor presets.
    """
    root = Path(root)
    rows = dataset_rows(root)
    labels = {name: k for k, name in enumerate(dataset_classes(root, rows))}
    if split is None and seed is None and (root / SPLIT_FILE).is_file():
        splits = read_split(root / SPLIT_FILE)
    else:
        splits = actor_splits(DEFAULT_SPLIT if split is None else split, 0 if seed is None else seed)
    return [DatasetVideo(key=row["key"], path=row_folder(root, row), action=row["action"], label=labels[row["action"]],
                         actor=row["spec"]["actor"], split=splits.get(row["spec"]["actor"], "unsplit"),
                         frames=int(row["frames"]), spec=dict(row["spec"]))
            for row in rows if row["status"] == "done"]
