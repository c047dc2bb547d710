"""A rerun finishes a dataset only with the options its videos were made with.

A rerun counts a planned video as done when its folder exists. Had the first run other options,
that would mix them silently: videos of another quality preset, or without the modalities asked
for now, taken as finished; or, with another ``--frames``, ``--size``, ``--seed`` or ``--batch``
(the spec, so the folder name, changes), the earlier videos left in the folder beside the new ones,
no longer in the manifest. :func:`check_video_options`, asked for each planned video before the
run makes any, refuses such a run in one line naming a video, what it was made with and what the
run asks for.

Each manifest row of a made video records its options (``"modalities"``, ``"quality"``); for rows
of older manifests, and folders with no row, they are read from the video's ``params.json``
(the modalities written, and the render settings, matched against the presets).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from phav.dataset.plan import PlannedVideo
from phav.errors import DataError, SpecError
from phav.frames import check_modalities
from phav.io import jsonutil
from phav.io.layout import PARAMS_FILE
from phav.io.params import read_params
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
        return cls(check_modalities(modalities), quality)

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
    for quality, preset in _presets().items():
        if all(written[k] == preset[k] for k in written.keys() & preset.keys()):
            return quality
    return "custom"


@functools.cache
def _presets() -> dict[str, dict[str, Any]]:
    """Each quality preset's settings as ``params.json`` holds them."""
    return {quality: _json_form(dataclasses.asdict(quality_settings(quality))) for quality in QUALITIES}


def made_with(row: Mapping[str, Any], folder: Path) -> RunOptions:
    """The options the video in ``folder`` (manifest row ``row``) was made with.

    Raises:
        DataError: the row does not say and the video's ``params.json`` cannot be read.
    """
    if row.get("modalities") is not None and row.get("quality") is not None:
        return RunOptions.of(row["modalities"], str(row["quality"]))
    try:
        params = read_params(folder / PARAMS_FILE)
    except (OSError, DataError) as exc:
        raise DataError(f"{exc}; what {folder.name} was made with is unknown: remove {folder} and rerun to make "
                        "it again") from None
    return RunOptions.of(params.get("modalities") or (), preset_of((params.get("meta") or {}).get("render")))


#: Spec fields a run's options set, named first when specs differ (the others follow from them).
RUN_FIELDS = ("frames", "fps", "width", "height", "batch", "seed")


def _spec_difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """``"frames=30, width=170"``: the spec fields of ``old`` that ``new`` has otherwise, the run's
    options (:data:`RUN_FIELDS`) first; at most three."""
    differ = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    keys = [k for k in RUN_FIELDS if k in differ] + [k for k in differ if k not in RUN_FIELDS]
    return ", ".join(f"{k}={old.get(k)}" for k in keys[:3]) + (", ..." if len(keys) > 3 else "")


def check_video_options(out_root: Path, video: PlannedVideo, made: Mapping[str, Any] | None,
                        old: Mapping[str, Any] | None, options: RunOptions) -> None:
    """Raise :class:`~phav.errors.SpecError` when this plan's ``video`` may not count as made or be
    made anew by a run with ``options``: ``made`` (the done row of the folder of one of its attempts
    that exists, or ``None``) was made with other options, or ``old`` (its row in the shard's
    manifest) is a made video of another spec, whose folder is still there. The message names the
    video, what it was made with and what this run asks for."""
    fix = "rerun with the options it was made with to finish that dataset, or choose another --out"
    if made is not None:
        folder = out_root / made["path"]
        was = made_with(made, folder)
        if was != options:
            raise SpecError(f"{out_root} holds {video.key} ({folder.name}) made with {was.describe()}; this run "
                            f"asks for {options.describe()}: {fix}")
        return
    if old and old.get("status") == "done" and old.get("path") and (out_root / old["path"]).is_dir():
        planned, earlier = video.spec.to_dict(), old.get("spec") or {}
        raise SpecError(f"{out_root} holds {video.key} ({Path(old['path']).name}) made with "
                        f"{_spec_difference(earlier, planned)}, and this run plans it with "
                        f"{_spec_difference(planned, earlier)}: {fix}")
