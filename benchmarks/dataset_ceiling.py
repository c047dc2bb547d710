"""End-to-end CPU cost per frame of dataset generation, measured with a GL driver that draws nothing.

``dataset_cpu_<N>w``: :func:`benchmarks.cases.dataset_case` (``run_dataset``: simulate, render,
encode and write every modality of each video, on ``N`` worker processes) in a spawned process
whose environment has ``GALLIUM_NOOP=1``, so it and its workers render with Mesa's no-op driver:
GL calls cost their CPU side only. What the record's ``cpu_ms_per_frame`` counts (every process and
thread, workers included) is therefore the CPU one frame of a dataset costs when the GPU costs
nothing, and ``cores_for_400_fps`` = 400 x ``cpu_ms_per_frame`` / 1000 is how many cores the
end-to-end target of issue #8 (400 frames/s with every modality written) needs at that cost;
``stages_cpu_ms_per_frame`` splits it by stage (:mod:`benchmarks.stages`).

The no-op driver's read-backs return blank images (all zeros: see :data:`ENVIRONMENT`), which
compress faster than real ones: the ``write`` stage here is a lower bound. ``python -m benchmarks`` adds
``cpu_ms_per_frame_real_encoding``: the total with the ``write``, ``encode`` and ``other_threads`` stages
replaced by the ``write`` case's CPU per frame on rendered frames (:func:`with_real_encoding`).
Where the GL driver is not Mesa's (a GPU machine's EGL is NVIDIA's), the case is skipped with its
reason, without spawning anything (:func:`benchmarks.cpu_ceiling.noop_driver_unavailable`).
"""

from __future__ import annotations

from phav.spec import VideoSpec

from benchmarks.cpu_ceiling import run_with_noop_driver

#: The spawned process's additions to the environment: Mesa's no-op driver, and glibc filling every
#: heap block it hands out with zeros (``MALLOC_PERTURB_=255``; freed blocks get 0xff). The no-op
#: driver's read-backs leave their buffers as they were allocated, and a block reused from the heap
#: holds old bytes that can read as NaN depth, which the writer rightly refuses; zeroed blocks read
#: as blank frames. The fill costs a memset of every block allocated and freed.
ENVIRONMENT: dict[str, str] = {"GALLIUM_NOOP": "1", "MALLOC_PERTURB_": "255"}


def _driver(spec: VideoSpec, videos: int, workers: int, classes: tuple[str, ...] | None, results) -> None:
    try:
        from benchmarks.cases import dataset_case

        results.put(dataset_case(spec, videos, workers, classes))
    except BaseException as exc:  # reported to the parent, which fails the case with it
        results.put(f"failed: {type(exc).__name__}: {exc}")


def dataset_ceiling_case(spec: VideoSpec, videos: int, workers: int, classes: tuple[str, ...] | None = None,
                         timeout_s: float = 1800.0) -> tuple[dict | None, str | None]:
    """``(record, None)``, or ``(None, reason)`` where the no-op driver is not available here.
    ``classes``: as :func:`benchmarks.cases.dataset_case` takes them.

    Raises:
        RuntimeError: the run failed (the message holds the driver's error) or took over ``timeout_s``.
    """
    item, why = run_with_noop_driver(_driver, (spec, videos, workers, classes), f"dataset_cpu_{workers}w",
                                     ENVIRONMENT, timeout_s)
    if why:
        return None, why
    record = dict(item, case=f"dataset_cpu_{workers}w", same_scene_as_pybullet=False)
    record["cores_for_400_fps"] = 400.0 * record["cpu_ms_per_frame"] / 1000.0
    record["settings"] = dict(record["settings"], mode="dataset end to end, no-op GL driver",
                              note=f"{workers} workers, CPU {record['cpu_ms_per_frame']:.1f} ms/frame, no-op GL")
    return record, None


def with_real_encoding(record: dict, write_cpu_ms_per_frame: float) -> None:
    """Add ``cpu_ms_per_frame_real_encoding`` and ``cores_for_400_fps_real_encoding`` to a
    ``dataset_cpu_*`` record: its total with the blank frames' ``write``, ``encode`` and
    ``other_threads`` stages (its own ``stages_cpu_ms_per_frame``) replaced by ``write_cpu_ms_per_frame`` (encoding
    and writing rendered frames, every thread; the ``write`` case)."""
    stages = record["stages_cpu_ms_per_frame"]
    real = (record["cpu_ms_per_frame"] - stages["write"] - stages.get("encode", 0.0) - stages["other_threads"]
            + write_cpu_ms_per_frame)
    record["cpu_ms_per_frame_real_encoding"] = real
    record["cores_for_400_fps_real_encoding"] = 400.0 * real / 1000.0
