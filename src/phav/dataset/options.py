"""A rerun finishes a dataset only with the options its videos were made with.

A rerun counts a planned video as done when its folder exists. Had the first run other options,
that would mix them silently: videos of another quality preset, or without the modalities asked
for now, taken as finished; or, with another ``--frames``, ``--size``, ``--seed`` or ``--batch``
(the spec, so the folder name, changes), the earlier videos left in the folder beside the new ones,
no longer in the manifest. :func:`check_same_options` refuses such a run up front, in one line
naming a video, what it was made with and what the run asks for.

Each manifest row of a made video records its options (``"modalities"``, ``"quality"``); for rows
of older manifests, and folders with no row, they are read from the video's ``params.json``
(the modalities written, and the render settings, matched against the presets).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from phav.dataset.plan import PlannedVideo
from phav.errors import DataError, SpecError
from phav.frames import MODALITIES
from phav.io import jsonutil
from phav.io.layout import PARAMS_FILE
from phav.render.settings import QUALITIES, quality_settings


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """The options of a run that its videos' specs do not hold: the modalities written (in
    :data:`phav.frames.MODALITIES` order) and the render quality preset (``"custom"``: settings of
    no preset)."""

    modalities: tuple[str, ...]
    quality: str

    @classmethod
    def of(cls, modalities: Sequence[str], quality: str) -> "RunOptions":
        """Options of a run writing ``modalities`` (any order) at ``quality``."""
        return cls(tuple(m for m in MODALITIES if m in modalities), quality)

    def row_fields(self) -> dict[str, Any]:
        """The fields a manifest row records them in."""
        return {"modalities": list(self.modalities), "quality": self.quality}

    def describe(self) -> str:
        """``"quality phav and modalities img,depth"``, for messages."""
        return f"quality {self.quality} and modalities {','.join(self.modalities)}"


def _json_form(value: Any) -> Any:
    """``value`` as it reads back from a phav JSON file (tuples as lists, floats rounded)."""
    return json.loads(jsonutil.dumps(value))


def preset_of(render: Mapping[str, Any] | None) -> str:
    """The quality preset whose settings are ``render`` (``params.json``'s ``meta.render``), or
    ``"custom"``. Settings one side lacks (added to or dropped from ``RenderSettings`` between the
    versions that wrote and read it) are not compared."""
    if not render:
        return "custom"
    written = _json_form(dict(render))
    for quality in QUALITIES:
        preset = _json_form(dataclasses.asdict(quality_settings(quality)))
        if all(written[k] == preset[k] for k in written.keys() & preset.keys()):
            return quality
    return "custom"


def made_with(row: Mapping[str, Any], folder: Path) -> RunOptions:
    """The options the video in ``folder`` (manifest row ``row``) was made with.

    Raises:
        DataError: the row does not say and the video's ``params.json`` cannot be read.
    """
    if row.get("modalities") is not None and row.get("quality") is not None:
        return RunOptions.of(row["modalities"], str(row["quality"]))
    path = folder / PARAMS_FILE
    try:
        params = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} cannot be read ({exc}), so what the video was made with is unknown; remove "
                        f"{folder} and rerun to make it again") from None
    return RunOptions.of(params.get("modalities") or (), preset_of((params.get("meta") or {}).get("render")))


#: Spec fields a run's options set, named first when specs differ (the others follow from them).
RUN_FIELDS = ("frames", "fps", "width", "height", "batch", "seed")


def _spec_difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """``"frames=30, width=170"``: the spec fields of ``old`` that ``new`` has otherwise, the run's
    options (:data:`RUN_FIELDS`) first; at most three."""
    differ = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    keys = [k for k in RUN_FIELDS if k in differ] + [k for k in differ if k not in RUN_FIELDS]
    return ", ".join(f"{k}={old.get(k)}" for k in keys[:3]) + (", ..." if len(keys) > 3 else "")


def check_same_options(out_root: Path, videos: Sequence[PlannedVideo], previous: Mapping[str, Mapping[str, Any]],
                       attempts: int, options: RunOptions) -> None:
    """Raise :class:`~phav.errors.SpecError` when ``out_root`` holds a video of this plan made with
    other options than ``options``, or a video an earlier plan made under a key of this plan with
    another spec (``previous``: the shard's manifest rows by key). The message names the video,
    what it was made with and what this run asks for."""
    fix = "rerun with the options it was made with to finish that dataset, or choose another --out"
    for video in videos:
        row = previous.get(video.key) or {}
        folders = video.folders(out_root, attempts)
        found = next((f for f in folders if f.is_dir()), None)
        if found is not None:
            old = made_with(row if row.get("path") == str(found.relative_to(out_root)) else {}, found)
            if old != options:
                raise SpecError(f"{out_root} holds {video.key} ({found.name}) made with {old.describe()}; this run "
                                f"asks for {options.describe()}: {fix}")
            continue
        if row.get("status") == "done" and row.get("path") and (out_root / row["path"]).is_dir():
            planned = video.spec.to_dict()
            raise SpecError(f"{out_root} holds {video.key} ({Path(row['path']).name}) made with "
                            f"{_spec_difference(row.get('spec') or {}, planned)}, and this run plans it with "
                            f"{_spec_difference(planned, row.get('spec') or {})}: {fix}")
