"""``phav-render check``: are a made dataset's finished videos complete on disk?

Every video its manifests list as done is checked with :func:`phav.io.verify.video_problems`
(metadata read whole, every frame file's first and last bytes), on ``workers`` spawned processes.
A video found broken can be removed (``--remove-broken``): the dataset command, run again, sees its
folder gone and makes it again from the same spec. A manifest row whose path is not
``<Action>/<video folder>`` inside the dataset (:func:`phav.dataset.manifest.path_problem`: ``../x``, an
absolute path, a symlink leading out) is reported as a bad row, never checked and never removed.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import shutil
from pathlib import Path

from phav.dataset.manifest import bad_row_text, dataset_rows, path_problem, row_folder
from phav.io.verify import video_problems


@dataclasses.dataclass(frozen=True)
class DatasetCheck:
    """What :func:`check_dataset` found: ``videos`` checked, the broken ones by folder (relative
    to the dataset root) with their problems, and ``bad_rows``: the one-line message of each done
    row whose path is no video folder of the dataset (not checked, never removed)."""

    root: Path
    videos: int
    broken: dict[str, list[str]]
    bad_rows: list[str] = dataclasses.field(default_factory=list)

    def text(self, shown: int = 3) -> str:
        """A line per bad row, a line per broken video (its first ``shown`` problems), then a summary line."""
        lines = list(self.bad_rows)
        for path, problems in self.broken.items():
            more = f" (and {len(problems) - shown} more)" if len(problems) > shown else ""
            lines.append(f"{path}: {'; '.join(problems[:shown])}{more}")
        bad = f", {len(self.bad_rows)} manifest rows refused" if self.bad_rows else ""
        lines.append(f"{self.videos} finished videos checked: {len(self.broken)} broken{bad}")
        return "\n".join(lines)


def folder_problems(folder: Path) -> list[str]:
    """:func:`~phav.io.verify.video_problems`, or that the folder itself is missing."""
    if not folder.is_dir():
        return ["the video folder is missing (removed?); run the dataset command again to make it"]
    return video_problems(folder)


def check_dataset(root: str | Path, workers: int = 1) -> DatasetCheck:
    """Check every finished video of the dataset in ``root`` (every shard's manifest).

    Raises:
        DataError: ``root`` is no dataset: missing, no manifest, no rows, or a manifest line that is no row
            (:func:`~phav.dataset.manifest.dataset_rows`).
        ValueError: ``workers`` < 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    root = Path(root)
    paths, bad_rows = [], []
    for row in dataset_rows(root):
        if row["status"] != "done" or row.get("path") is None:
            continue
        problem = path_problem(root, row)
        if problem:
            bad_rows.append(bad_row_text(root, row, problem))
        else:
            paths.append(row["path"])
    folders = [root / path for path in paths]
    if workers > 1 and len(folders) > 1:
        with concurrent.futures.ProcessPoolExecutor(min(workers, len(folders)),
                                                    mp_context=multiprocessing.get_context("spawn")) as pool:
            found = list(pool.map(folder_problems, folders, chunksize=max(1, len(folders) // (8 * workers))))
    else:
        found = [folder_problems(folder) for folder in folders]
    return DatasetCheck(root, len(paths), {path: problems for path, problems in zip(paths, found) if problems},
                        bad_rows)


def remove_broken(check: DatasetCheck) -> list[Path]:
    """Remove the broken videos' folders (a rerun of the dataset command makes them again);
    returns them. Only ``<Action>/<video folder>`` inside the dataset is ever removed.

    Raises:
        DataError: a broken path is no video folder of the dataset (nothing is removed then).
        OSError: a folder cannot be removed.
    """
    folders = [row_folder(check.root, {"path": path, "action": path.split("/")[0], "key": path})
               for path in check.broken]
    removed = []
    for folder in folders:
        if not folder.is_dir():  # removed already
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            raise OSError(f"cannot remove {folder}; remove it by hand and rerun the dataset command")
        removed.append(folder)
    return removed
