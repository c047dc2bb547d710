"""CPU time per stage of dataset generation, summed from the rows of its manifest.

:func:`phav.pipeline.generate_video` measures the CPU time of every video it makes by stage
(:attr:`phav.pipeline.VideoResult.cpu_s`, the making thread's clock, so machine load barely moves
it) and the dataset worker writes that into the video's manifest row (``cpu_s``), in whichever
process made the video. :func:`stage_cpu` adds the rows up, so the per-video stages hold for any
number of workers and any backend; ``outside_videos`` is only as good as the run's total that the
caller measures (:func:`benchmarks.cases.dataset_case` uses ``getrusage`` of its own process and its
children, which counts the local pool's workers but not Ray's: those are children of the Ray
daemons, not of the calling process):

* ``simulate``: physics, skin build and the take;
* ``render``: drawing and read-back (every step of the renderer's frame iterator);
* ``write``: the making thread's share of encoding and writing (handing frames to the encoder
  threads, annotations, the video files);
* ``setup``: the rest of that thread's CPU inside ``generate_video`` (scenario, writer);
* ``encode``: the writer's encoder threads, encoding and writing the frame files (their own
  clocks; rows of runs before they were measured count them under ``other_threads``);
* ``other_threads``: every other thread of the making process meanwhile (a software
  rasterizer's threads, a GPU driver's own threads);
* ``outside_videos`` (given the run's total): every process's CPU outside ``generate_video``:
  worker start-up (imports, the GL context and renderer), planning, the pool, the manifest, and
  the CPU of attempts that failed (whether retried or recorded as failed).

By construction the stages add up to the run's total (up to float rounding) whenever the total
is at least the videos' own CPU; a resumed run's rows carried over from an earlier run have no
``cpu_s`` (it described that run) and count for nothing.
"""

from __future__ import annotations

from typing import Iterable, Mapping

#: Stage names, in the order of the video path; with a run's total they add up to it.
STAGES: tuple[str, ...] = ("simulate", "render", "write", "setup", "encode", "other_threads", "outside_videos")


def stage_cpu(rows: Iterable[Mapping], total_cpu_s: float | None = None) -> dict[str, float]:
    """CPU seconds by stage (:data:`STAGES`) over the manifest ``rows`` that carry ``cpu_s`` (the
    videos made by the run; rows of failed or earlier videos have none).

    ``total_cpu_s``: the run's CPU time over every process and thread; ``outside_videos`` is what
    the videos' own CPU leaves of it (``0`` when not given). Returns ``{}`` when no row has ``cpu_s``.
    """
    videos = [row["cpu_s"] for row in rows if row.get("cpu_s")]
    if not videos:
        return {}
    out = {stage: sum(v[stage] for v in videos) for stage in ("simulate", "render", "write", "setup")}
    # per video, the making thread's four stages and the rest of its process's CPU (never below
    # zero), so that the five add up to what the video cost whatever the rounding of its row
    threads = [v["simulate"] + v["render"] + v["write"] + v["setup"] for v in videos]
    rest = [max(0.0, v["process"] - t) for v, t in zip(videos, threads)]  # the process's other threads
    encode = [min(v.get("encode", 0.0), r) for v, r in zip(videos, rest)]
    out["encode"] = sum(encode)
    out["other_threads"] = sum(r - e for r, e in zip(rest, encode))
    inside = sum(threads) + out["encode"] + out["other_threads"]
    out["outside_videos"] = max(0.0, total_cpu_s - inside) if total_cpu_s is not None else 0.0
    return out
