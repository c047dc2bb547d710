"""``phav-render check``: are a made dataset's finished videos complete on disk?

Every video its manifests list as done is checked with :func:`phav.io.verify.video_problems`
(metadata read whole, every frame file's first and last bytes), on ``workers`` spawned processes.
A video found broken can be removed (``--remove-broken``): the dataset command, run again, sees its
folder gone and makes it again from the same spec.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import shutil
from pathlib import Path

from phav.dataset.manifest import manifest_rows
from phav.errors import DataError
from phav.io.verify import video_problems


@dataclasses.dataclass(frozen=True)
class DatasetCheck:
    """What :func:`check_dataset` found: ``videos`` checked, and the broken ones by folder (relative
    to the dataset root) with their problems."""

    root: Path
    videos: int
    broken: dict[str, list[str]]

    def text(self, shown: int = 3) -> str:
        """A line per broken video (its first ``shown`` problems), then a summary line."""
        lines = []
        for path, problems in self.broken.items():
            more = f" (and {len(problems) - shown} more)" if len(problems) > shown else ""
            lines.append(f"{path}: {'; '.join(problems[:shown])}{more}")
        lines.append(f"{self.videos} finished videos checked: {len(self.broken)} broken")
        return "\n".join(lines)


def check_dataset(root: str | Path, workers: int = 1) -> DatasetCheck:
    """Check every finished video of the dataset in ``root`` (every shard's manifest).

    Raises:
        DataError: ``root`` has no manifest.
        ValueError: ``workers`` < 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    root = Path(root)
    rows = manifest_rows(root)
    if not rows:
        raise DataError(f"{root} has no manifest*.jsonl: it is not a dataset phav-render dataset made")
    paths = [row["path"] for row in rows if row["status"] == "done" and row.get("path")]
    folders = [root / path for path in paths]
    if workers > 1 and len(folders) > 1:
        with concurrent.futures.ProcessPoolExecutor(min(workers, len(folders)),
                                                    mp_context=multiprocessing.get_context("spawn")) as pool:
            found = list(pool.map(video_problems, folders, chunksize=max(1, len(folders) // (8 * workers))))
    else:
        found = [video_problems(folder) for folder in folders]
    return DatasetCheck(root, len(paths), {path: problems for path, problems in zip(paths, found) if problems})


def remove_broken(check: DatasetCheck) -> list[Path]:
    """Remove the broken videos' folders (a rerun of the dataset command makes them again);
    returns them."""
    removed = []
    for path in check.broken:
        folder = check.root / path
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            raise OSError(f"cannot remove {folder}; remove it by hand and rerun the dataset command")
        removed.append(folder)
    return removed
