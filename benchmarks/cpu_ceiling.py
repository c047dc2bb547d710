"""The renderer's CPU cost per frame, measured with a GL driver that draws nothing.

``cpu_ceiling_<quality>_<img|all>``: the saved take rendered with Mesa's no-op driver
(``GALLIUM_NOOP=1``: every GL call is validated and recorded by Mesa as usual, then discarded; read-
backs return undefined pixels). What remains is the CPU work of one frame: phav's Python and numpy
(uniform blocks, shadow fits, read-back copies), moderngl and the driver's
front end. Its inverse, ``median_per_s``, is the most frames per second one rendering process can
reach however fast the GPU is, so the GPU targets of issue #8 (``phav`` >= 2,000 frames/s with every
target read back) need ``processes >= 2000 / median_per_s`` rendering processes, or less CPU per
frame. Runs in a spawned process (the variable must be set before the driver loads); where the
driver is not Mesa's (a GPU machine whose EGL is NVIDIA's), the case is skipped with its reason.
"""

from __future__ import annotations

import multiprocessing
import os

from phav.take import Take

from benchmarks.timing import measure

#: The modality sets timed: image only, and every target.
MODALITY_SETS: dict[str, tuple[str, ...]] = {
    "img": ("img",),
    "all": ("img", "raw", "depth", "flow", "classgt", "instancegt"),
}


def _worker(take: Take, quality: str, repeats: int, results) -> None:
    try:
        from phav.render.renderer import Renderer
        from phav.render.settings import quality_settings

        with Renderer(take.width, take.height, quality_settings(quality)) as renderer:
            if renderer.gl_renderer != "NOOP":
                results.put(f"skipped: GALLIUM_NOOP=1 gave GL_RENDERER {renderer.gl_renderer!r}, not Mesa's no-op driver")
                return
            out = {}
            for name, modalities in MODALITY_SETS.items():
                def work() -> int:
                    return sum(1 for _ in renderer.render_take(take, modalities))
                out[name] = measure(work, repeats)
            results.put(out)
    except BaseException as exc:
        results.put(f"failed: {type(exc).__name__}: {exc}")


def cpu_ceiling_cases(take: Take, quality: str, repeats: int) -> tuple[list[dict], str | None]:
    """One record per modality set (see the module docstring), or ``([], reason)`` when the no-op
    driver is not available here. Raises ``RuntimeError`` if the worker fails otherwise."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    saved = os.environ.get("GALLIUM_NOOP")
    os.environ["GALLIUM_NOOP"] = "1"  # inherited by the spawned process only while it starts
    try:
        worker = ctx.Process(target=_worker, args=(take, quality, repeats, results), daemon=True)
        worker.start()
    finally:
        if saved is None:
            os.environ.pop("GALLIUM_NOOP")
        else:
            os.environ["GALLIUM_NOOP"] = saved
    try:
        item = results.get(timeout=900)
    finally:
        worker.join(timeout=60)
        if worker.is_alive():
            worker.kill()
    if isinstance(item, str):
        if item.startswith("skipped: "):
            return [], item.removeprefix("skipped: ")
        raise RuntimeError(f"cpu_ceiling_{quality}: {item}")
    records = []
    for name, stats in item.items():
        records.append({
            "case": f"cpu_ceiling_{quality}_{name}", "unit": "frames/s", **stats, "same_scene_as_pybullet": False,
            "settings": {"mode": "render only, no-op GL driver", "gl_renderer": "NOOP", "quality": quality,
                         "size": f"{take.width}x{take.height}",
                         "modalities": list(MODALITY_SETS[name]), "frames": take.num_frames,
                         "note": f"CPU per frame, {quality}, {name}"},
        })
    return records, None
