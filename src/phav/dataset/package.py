"""Exports of a finished dataset for downstream tools (``phav-render dataset --export ...``).

* ``lists``: ``classInd.txt``, ``trainlist01.txt``, ``vallist01.txt``, ``testlist01.txt`` (UCF101
  style) and mmaction2 lists ``mmaction_rawframes_{train,val,test}.txt`` (plus all three
  ``mmaction_videos_*.txt`` when every finished video has its MP4), split by actor preset: the registered
  presets, in an order shuffled from the global seed, go ``train,val,test`` counts (default 16, 2, 2) to
  each split. A split with no video gets empty lists.
* ``posec3d``: ``posec3d.pkl`` from the 2D joints (:mod:`phav.io.posec3d`).
* ``coco``: ``coco_{train,val,test}.json``, the people of every frame (or every ``coco_frame_step``-th)
  as COCO ``person_keypoints``: boxes, instance masks, 17 keypoints (:mod:`phav.io.coco`), split as the lists.
* ``mp4``: ``mp4/<Action>/<folder>.mp4`` from ``img_*.jpg`` (H.264, yuv420p, constant rate, exact count).
* ``tsn-flow``: ``flow_x_%05d.jpg``/``flow_y_%05d.jpg`` (8-bit TSN encoding, bound 20 px) in each folder,
  frames 1..T-1 as denseflow writes them (the last frame has no forward flow); ``flo`` and ``kitti``
  likewise. With ``lists``, ``mmaction_flow_{split}.txt`` give them with ``T - 1`` frames.
* ``flo``: Middlebury ``flow_%05d.flo``; ``kitti``: ``flow_kitti_%05d.png`` (16-bit, B = valid).

Every export reads the videos listed ``done`` in the dataset's manifests (all shards' manifests in
the folder) and is idempotent: running it again rewrites the same files.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from phav.dataset.classes import dataset_classes
from phav.dataset.manifest import check_row_paths, manifest_rows
from phav.errors import DataError, PhavWarning, SpecError
from phav.io import flow as flow_codec
from phav.io import images, layout
from phav.io.atomic import replacing
from phav.io.coco import write_coco
from phav.io.flow_formats import write_flo, write_kitti_flow
from phav.io.jsonutil import read_json, write_json
from phav.io.lists import (
    SPLITS,
    split_actors,
    write_class_index,
    write_mmaction_rawframes,
    write_mmaction_videos,
    write_ucf_list,
)
from phav.io.params import read_params
from phav.io.posec3d import pose_annotation, write_posec3d
from phav.seeding import derive_seed

#: Actor presets per split (train, val, test) unless ``--split`` says otherwise.
DEFAULT_SPLIT: tuple[int, int, int] = (16, 2, 2)

EXPORTS = ("lists", "posec3d", "coco", "mp4", "tsn-flow", "flo", "kitti")
#: Files the per-frame flow exports write into each video folder (1-based frame numbers).
TSN_FLOW_PATTERNS = ("flow_x_{:05d}.jpg", "flow_y_{:05d}.jpg")
FLO_PATTERN = "flow_{:05d}.flo"
KITTI_PATTERN = "flow_kitti_{:05d}.png"
MP4_DIR = "mp4"
#: The modalities each export reads (the others read only ``annotations.json``).
EXPORT_NEEDS: dict[str, tuple[str, ...]] = {"coco": ("img", "instancegt"), "mp4": ("img",), "tsn-flow": ("flow",),
                                            "flo": ("flow",), "kitti": ("flow",)}
#: The optional package each export needs: (module, what to install, its name).
EXPORT_PACKAGES = {"mp4": ("av", "phav[mp4]", "PyAV"), "coco": ("pycocotools", "phav[coco]", "pycocotools")}


def parse_exports(text: str | None) -> tuple[str, ...]:
    """Comma-separated export names (or ``all``). Raises :class:`SpecError` listing the valid ones."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if names == ["all"]:
        return EXPORTS
    bad = [n for n in names if n not in EXPORTS]
    if bad:
        raise SpecError(f"unknown export {', '.join(map(repr, bad))}; choose from {', '.join(EXPORTS)} or all")
    return tuple(n for n in EXPORTS if n in names)


def check_exports(exports: Sequence[str], modalities: Sequence[str], size: tuple[int, int]) -> None:
    """Refuse, before any video is made, ``exports`` that videos of ``modalities`` and ``size``
    (width, height) could not give, or whose optional package is not installed. Raises
    :class:`SpecError` saying what to change."""
    for export in exports:
        missing = [m for m in EXPORT_NEEDS.get(export, ()) if m not in modalities]
        if missing:
            raise SpecError(f"export {export} needs the {' and '.join(missing)} modalit{'ies' if len(missing) > 1 else 'y'}; "
                            f"add {'them' if len(missing) > 1 else 'it'} to --modalities or leave {export} out of --export")
        check_export_package(export)
    if "mp4" in exports:
        _check_mp4_size(*size, "the size")


def check_export_package(export: str) -> None:
    """Raise :class:`SpecError` when the optional package ``export`` needs (:data:`EXPORT_PACKAGES`)
    cannot be imported, saying what to install."""
    if export not in EXPORT_PACKAGES:
        return
    module, extra, name = EXPORT_PACKAGES[export]
    try:
        importlib.import_module(module)
    except ImportError:
        raise SpecError(f'export {export} needs {name}: pip install "{extra}" ("phav[exports]" for every export), '
                        f"or leave {export} out of --export") from None


def _check_mp4_size(width: int, height: int, what: str) -> None:
    """Raise :class:`SpecError` when ``width`` x ``height`` (of ``what``) cannot be an H.264
    yuv420p MP4 (odd sides)."""
    if width % 2 or height % 2:
        raise SpecError(f"export mp4 needs an even width and height (H.264 yuv420p), and {what} is {width}x{height}; "
                        f"use --size {width + width % 2}x{height + height % 2} or leave mp4 out of --export")


def parse_split(text: str) -> tuple[int, int, int]:
    """``"16,2,2"`` -> ``(16, 2, 2)``. Raises :class:`SpecError` on other forms."""
    parts = text.split(",")
    try:
        counts = tuple(int(p) for p in parts)
    except ValueError:
        counts = ()
    if len(counts) != 3 or min(counts) < 0:
        raise SpecError(f"split {text!r} is malformed; give train,val,test actor counts, e.g. 16,2,2")
    return counts  # type: ignore[return-value]


#: The exports split by actor (:func:`actor_splits`).
SPLIT_EXPORTS = ("lists", "posec3d", "coco")


def check_split(exports: Sequence[str], counts: tuple[int, int, int], seed: int) -> None:
    """Refuse, before any video is made, a split that does not fit the actor presets when one of
    ``exports`` splits by actor. Raises :class:`SpecError` (as :func:`actor_splits`)."""
    if set(SPLIT_EXPORTS) & set(exports):
        actor_splits(counts, seed)


def actor_splits(counts: tuple[int, int, int], seed: int) -> dict[str, str]:
    """Split of each registered actor preset (aliases follow their preset): ``counts`` are the
    ``(train, val, test)`` numbers of presets, drawn in an order shuffled from ``seed``.

    Raises:
        SpecError: ``counts`` is not three whole numbers >= 0 adding up to the number of presets.
    """
    from phav.sampling import available_values

    actors = sorted(available_values()["actor"])
    try:
        whole = len(counts) == 3 and all(int(c) == c >= 0 for c in counts)
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole:
        raise SpecError(f"split {counts!r} is malformed; give (train, val, test) actor-preset counts, whole numbers "
                        f">= 0 that add up to {len(actors)}, e.g. (16, 2, 2)")
    counts = tuple(int(c) for c in counts)  # type: ignore[assignment]
    order = np.random.Generator(np.random.PCG64(derive_seed("phav-split", seed))).permutation(len(actors))
    try:
        table = split_actors(actors, counts, [int(i) for i in order])
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    try:
        from phav.body.presets import ALIASES  # type: ignore[attr-defined]
    except ImportError:
        ALIASES = {}
    for alias, target in dict(ALIASES).items():
        if target in table:
            table[alias] = table[target]
    return table


def _replace_into(path: Path, write: Any) -> Path:
    """``write(temp)``, then rename the temporary sibling over ``path`` (:func:`phav.io.atomic.replacing`):
    a failed or killed export leaves no torn file and no temporary."""
    with replacing(path) as temp:
        write(temp)
    return path


def _frames(folder: Path, kind: str, count: int, read: Any) -> list[np.ndarray]:
    return [read(folder / layout.frame_file(kind, n)) for n in range(1, count + 1)]


def _modalities(folder: Path) -> list[str]:
    return read_params(folder / layout.PARAMS_FILE).get("modalities") or []


def package_dataset(
    out_root: str | Path,
    exports: Sequence[str],
    *,
    split: tuple[int, int, int] = DEFAULT_SPLIT,
    seed: int = 0,
    shard: tuple[int, int] = (0, 1),
    coco_frame_step: int = 1,
    workers: int = 1,
) -> list[Path]:
    """Write ``exports`` for the finished videos in ``out_root``; returns the files and folders written.

    Per-video exports (mp4, flows) of shard ``(i, N)`` cover only that shard's videos; dataset-wide
    ones (lists, posec3d, coco) cover every finished video and are written by shard 0 only.
    ``coco_frame_step``: the COCO files take every this many frames of each video, from the first;
    ``workers``: processes that read the videos for them.

    Raises:
        SpecError: an export needs a modality the videos lack or a package that is not installed, the
            split does not fit the presets, or ``coco_frame_step`` < 1.
        DataError: a manifest line is not a row, or a done row's path is not ``<Action>/<video folder>``
            inside ``out_root`` (:func:`~phav.dataset.manifest.row_folder`); nothing is written then.
    """
    if coco_frame_step < 1:
        raise SpecError(f"the COCO frame step must be at least 1, got {coco_frame_step}")
    for export in exports:
        check_export_package(export)
    out_root = Path(out_root)
    every_row = manifest_rows(out_root)
    rows = [r for r in every_row if r["status"] == "done"]
    check_row_paths(out_root, rows)  # before anything is read or written
    written: list[Path] = []
    i, n = shard
    mine = [r for r in rows if n == 1 or hash_position(r) % n == i]
    for export in exports:
        if export in ("mp4", "tsn-flow", "flo", "kitti"):
            for row in mine:
                written.extend(_per_video(out_root, row, export))
    if i == 0 and set(SPLIT_EXPORTS) & set(exports):
        written.extend(_dataset_wide(out_root, rows, dataset_classes(out_root, every_row), exports, split, seed,
                                     coco_frame_step, workers))
    return written


def hash_position(row: dict[str, Any]) -> int:
    """A stable integer of a row's key (spreads per-video exports over shards)."""
    return derive_seed("phav-export", row["key"]) % (2**31)


def _check_video_has(out_root: Path, row: dict[str, Any], export: str) -> None:
    """Raise :class:`SpecError` when the video of ``row`` lacks a modality ``export`` reads."""
    modalities = _modalities(out_root / row["path"])
    for needed in EXPORT_NEEDS[export]:
        if needed not in modalities:
            raise SpecError(f"export {export} needs the {needed} modality, which {row['path']} lacks; "
                            f"make the dataset with --modalities including {needed}")


def _per_video(out_root: Path, row: dict[str, Any], export: str) -> list[Path]:
    folder = out_root / row["path"]
    _check_video_has(out_root, row, export)
    T = int(row["frames"])
    if export == "mp4":
        from phav.io.mp4 import write_mp4

        target = out_root / _mp4_path(row)
        target.parent.mkdir(parents=True, exist_ok=True)
        fps = float(row["spec"]["fps"])
        _check_mp4_size(int(row["spec"]["width"]), int(row["spec"]["height"]), row["path"])
        frames = _frames(folder, "img", T, images.read_jpeg)
        return [_replace_into(target, lambda p: write_mp4(p, frames, fps))]
    # Frames 1..T-1: the last frame has no forward flow (its PNGs hold zeros, all invalid), and the
    # formats' tools count flow frames as frame pairs (denseflow, Sintel, KITTI: T-1 for T frames).
    pairs = T - 1
    for pattern in {"tsn-flow": TSN_FLOW_PATTERNS, "flo": (FLO_PATTERN,), "kitti": (KITTI_PATTERN,)}[export]:
        (folder / pattern.format(T)).unlink(missing_ok=True)  # an earlier export wrote the last frame's too
    fx = _frames(folder, "flow_x", pairs, images.read_png16)
    fy = _frames(folder, "flow_y", pairs, images.read_png16)
    valid = _frames(folder, "flow_valid", pairs, images.read_png8)
    for t in range(pairs):
        flow = flow_codec.decode_flow(fx[t], fy[t])
        number = t + 1
        if export == "tsn-flow":
            for c, pattern in enumerate(TSN_FLOW_PATTERNS):
                images.write_jpeg(folder / pattern.format(number), flow_codec.encode_tsn_flow(flow[..., c]))
        elif export == "flo":
            write_flo(folder / FLO_PATTERN.format(number), flow)
        else:
            write_kitti_flow(folder / KITTI_PATTERN.format(number), flow, flow_codec.decode_flow_valid(valid[t]))
    return [folder]


def _has_tsn_flow(out_root: Path, row: dict[str, Any]) -> bool:
    """Whether the tsn-flow export wrote ``row``'s video (its last flow frame pair's files exist)."""
    last = int(row["frames"]) - 1
    return last >= 1 and all((out_root / row["path"] / p.format(last)).is_file() for p in TSN_FLOW_PATTERNS)


def _lists_possible(out_root: Path, rows: list[dict[str, Any]], prefix: str, has: Any, what: str,
                    export: str) -> bool:
    """Whether every finished video has ``what`` the ``<prefix>_{split}.txt`` lists name (``has(row)``,
    the files of ``export``). When one lacks it, the lists an earlier export wrote are removed (they would
    name a subset of the videos), with a warning."""
    lacking = sum(not has(row) for row in rows)
    if rows and not lacking:
        return True
    stale = [path for path in (out_root / f"{prefix}_{split}.txt" for split in SPLITS) if path.exists()]
    for path in stale:
        path.unlink()
    if stale:
        warnings.warn(f"removed the earlier {prefix}_*.txt: {lacking} of {len(rows)} finished videos have no {what} "
                      f"now; export {export} and lists together to list them", PhavWarning)
    return False


def _mp4_path(row: dict[str, Any]) -> str:
    """Where the mp4 export writes the video of ``row``, relative to the dataset root."""
    return f"{MP4_DIR}/{row['path']}.mp4"


#: The actor split the last split export used (lists, posec3d, coco): ``{"counts": [train, val, test],
#: "seed": s, "actors": {preset: "train" | "val" | "test"}}``; :func:`phav.open_dataset` follows it.
SPLIT_FILE = "split.json"


def write_split(path: Path, counts: tuple[int, int, int], seed: int, splits: dict[str, str]) -> Path:
    """Record the actor split ``splits`` drawn with ``counts`` and ``seed`` (:data:`SPLIT_FILE`)."""
    record = {"counts": [int(c) for c in counts], "seed": int(seed), "actors": dict(sorted(splits.items()))}
    return _replace_into(path, lambda temp: write_json(temp, record, indent=1))


def read_split(path: Path) -> dict[str, str]:
    """The actor -> split table a :data:`SPLIT_FILE` records.

    Raises:
        DataError: the file is not such a record (the message names it).
    """
    record = read_json(path)
    actors = record.get("actors") if isinstance(record, dict) else None
    if not isinstance(actors, dict) or not all(isinstance(v, str) and v in SPLITS for v in actors.values()):
        raise DataError(f"{path} is not a split record of phav-render dataset; remove it and export again "
                        "(phav-render dataset ... --export lists)")
    return dict(actors)


def _dataset_wide(out_root: Path, rows: list[dict[str, Any]], classes: list[str], exports: Sequence[str],
                  counts: tuple[int, int, int], seed: int, coco_frame_step: int, workers: int) -> list[Path]:
    labels = {name: k for k, name in enumerate(classes)}
    splits = actor_splits(counts, seed)
    by_split: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for row in rows:
        actor = row["spec"]["actor"]
        if actor not in splits:
            raise SpecError(f"{row['path']}: actor {actor!r} is not a registered preset; cannot split by actor")
        by_split[splits[actor]].append(row)
    written = [write_split(out_root / SPLIT_FILE, counts, seed, splits)]  # every caller exports a split
    with_mp4 = "lists" in exports and _lists_possible(
        out_root, rows, "mmaction_videos", lambda r: (out_root / _mp4_path(r)).is_file(), "MP4", "mp4")
    with_tsn_flow = "lists" in exports and _lists_possible(
        out_root, rows, "mmaction_flow", lambda r: _has_tsn_flow(out_root, r), "TSN flow", "tsn-flow")
    if "lists" in exports:
        written.append(write_class_index(out_root / "classInd.txt", classes))
        for split, name in zip(SPLITS, ("trainlist01.txt", "vallist01.txt", "testlist01.txt")):
            entries = [r["path"] for r in by_split[split]]
            written.append(write_ucf_list(out_root / name, entries, None if split == "test" else labels))
            written.append(write_mmaction_rawframes(
                out_root / f"mmaction_rawframes_{split}.txt", [(r["path"], int(r["frames"])) for r in by_split[split]],
                labels))
            if with_tsn_flow:  # mmaction2's flow lists count flow frames: T - 1 for T frames
                written.append(write_mmaction_rawframes(
                    out_root / f"mmaction_flow_{split}.txt",
                    [(r["path"], int(r["frames"]) - 1) for r in by_split[split]], labels))
            if with_mp4:  # every split's list, empty ones too, as the rawframes lists
                videos = [(_mp4_path(r), r["action"]) for r in by_split[split]]
                written.append(write_mmaction_videos(out_root / f"mmaction_videos_{split}.txt", videos, labels))
    if "posec3d" in exports:
        annotations = [pose_annotation(read_json(out_root / row["path"] / layout.ANNOTATIONS_FILE), row["path"],
                                       labels[row["action"]]) for row in rows]
        split_dirs = {s: [r["path"] for r in by_split[s]] for s in SPLITS}
        written.append(_replace_into(out_root / "posec3d.pkl", lambda p: write_posec3d(p, annotations, split_dirs)))
    if "coco" in exports:
        for row in rows:
            _check_video_has(out_root, row, "coco")
        for split in SPLITS:
            videos = [(r["path"], int(r["frames"])) for r in by_split[split]]
            written.append(write_coco(out_root / f"coco_{split}.json", out_root, videos, coco_frame_step,
                                      description=f"phav dataset {out_root.name}, {split} split", workers=workers))
    return written
