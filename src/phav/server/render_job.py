"""One server job, run in a worker process: render a video into the cache, then its previews and zip.

A job's files live in ``<cache>/<id>/``::

    job.json                  spec, status (queued, running, done, failed), error, files; written last
    video/<Action>/<folder>/  the PHAV video folder (pipeline.generate_video)
    preview_<modality>.mp4    a viewable H.264 preview per image modality
    video.zip                 every file of the video folder

``job.json`` is replaced atomically, and says ``done`` only once everything else is in place, so a
server restarted on the same cache serves finished videos and remakes the rest. A failed record says
whether the failure is ``transient`` (a retry may succeed: GL or disk trouble) or not (the same spec
fails the same way: the action not shown, an invalid spec, the simulation). Worker processes
are *spawned* (never forked: GL contexts and PyBullet clients must not be copied).
"""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

from phav.errors import Setting, worded
from phav.io.atomic import replacing

#: Job states.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
JOB_FILE = "job.json"
ZIP_FILE = "video.zip"
VIDEO_SUBDIR = "video"


def api_wording(setting: Setting) -> str:
    """``set "frames" to 108``, ``set "environment" to House``: an error's advice
    (:class:`~phav.errors.Setting`) in the API's terms, the request's JSON field."""
    return f'set "{setting.field}" to {setting.plain_value}'


def api_message(error: BaseException) -> str:
    """``error``'s message with its advice in the API's terms (:func:`api_wording`)."""
    return worded(error, api_wording)


def write_job_file(folder: Path, record: dict[str, Any]) -> None:
    """Atomically replace ``folder/job.json`` with ``record``."""
    folder.mkdir(parents=True, exist_ok=True)
    with replacing(folder / JOB_FILE) as temp:
        temp.write_text(json.dumps(record, sort_keys=True, indent=1), encoding="utf-8")


def read_job_file(folder: Path) -> dict[str, Any] | None:
    """``folder/job.json`` as a dict, or ``None`` when it is missing or unreadable."""
    try:
        return json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def render_job(spec_json: str, folder: str, quality: str) -> dict[str, Any]:
    """Make the video of ``spec_json`` in job folder ``folder``; returns the finished job record.

    Never raises for a video that fails: the record's ``status`` is ``failed`` and ``error`` says why
    (e.g. ``SimulationError: ...``). The record is also written to ``job.json``.
    """
    from phav.errors import PhavError, SignatureError
    from phav.physics.errors import SimulationError
    from phav.pipeline import generate_video
    from phav.spec import VideoSpec

    job = Path(folder)
    spec = VideoSpec.from_json(spec_json)
    record: dict[str, Any] = {"id": job.name, "spec": spec.to_dict(), "status": RUNNING, "error": None,
                              "started": time.time()}
    write_job_file(job, record)
    start = time.perf_counter()
    try:
        result = generate_video(spec, job / VIDEO_SUBDIR, overwrite=True, quality=quality)
        record["stage"] = "previews"
        from phav.io.reader import read_video
        from phav.server.previews import write_previews, write_zip

        previews = write_previews(read_video(result.path), job, spec.fps)
        write_zip(result.path, job / ZIP_FILE)
        record.update(
            status=DONE, frames=result.frames, video_folder=str(result.path.relative_to(job)),
            previews=sorted(previews), simulate_s=round(result.simulate_s, 3),
            render_write_s=round(result.render_write_s, 3),
        )
    except (PhavError, ValueError, ImportError, OSError) as exc:
        record.update(status=FAILED, error=f"{type(exc).__name__}: {api_message(exc)}",
                      transient=not isinstance(exc, (SignatureError, SimulationError, ValueError)))
    except Exception as exc:  # a bug in some layer (or GL trouble): report it, keep the worker alive
        last = traceback.extract_tb(exc.__traceback__)[-1]
        record.update(status=FAILED, transient=True, error=f"unexpected {type(exc).__name__}: {exc} "
                                                           f"({Path(last.filename).name}:{last.lineno})")
    record["seconds"] = round(time.perf_counter() - start, 3)
    record.pop("stage", None)
    write_job_file(job, record)
    return record
