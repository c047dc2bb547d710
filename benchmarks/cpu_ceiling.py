"""The renderer's CPU cost per frame, measured with a GL driver that draws nothing.

``cpu_ceiling_<quality>_<img|all>``: the saved take rendered with Mesa's no-op driver
(``GALLIUM_NOOP=1``: every GL call is validated and recorded by Mesa as usual, then discarded; read-
backs return undefined pixels). What remains is the CPU work of one frame: phav's Python and numpy
(uniform blocks, shadow fits, read-back copies), moderngl and the driver's
front end. Its inverse, ``median_per_s``, is the most frames per second one rendering process can
reach however fast the GPU is, so the GPU targets of issue #8 (``phav`` >= 2,000 frames/s with every
target read back) need ``processes >= 2000 / median_per_s`` rendering processes, or less CPU per
frame. Runs in a spawned process (the variable must be set before the driver loads); where the
driver is not Mesa's (a GPU machine whose EGL is NVIDIA's), the case is skipped with its reason,
decided from this process's GL context before anything is spawned (:func:`noop_driver_unavailable`).
"""

from __future__ import annotations

import functools
import multiprocessing
import os

from phav.render.context import GLInfo, gl_info
from phav.take import Take

from benchmarks.timing import measure

#: The modality sets timed: image only, and every target.
MODALITY_SETS: dict[str, tuple[str, ...]] = {
    "img": ("img",),
    "all": ("img", "raw", "depth", "flow", "classgt", "instancegt"),
}


#: ``GL_RENDERER`` of Mesa's no-op driver.
NOOP_RENDERER = "NOOP"


def noop_skip_reason(info: GLInfo) -> str | None:
    """Why ``GALLIUM_NOOP=1`` cannot give Mesa's no-op driver where the GL context ``info`` comes
    from, or ``None``: the variable is read by Mesa's Gallium drivers only, so a context of
    another vendor's driver (NVIDIA's EGL on the GPU machine) rules it out."""
    if "mesa" in f"{info.version} {info.vendor}".lower():
        return None
    return (f"needs Mesa's no-op driver (GALLIUM_NOOP=1); this machine's GL is {info.renderer!r} "
            f"({info.vendor}, {info.version}), not Mesa's")


@functools.cache
def noop_driver_unavailable() -> str | None:
    """:func:`noop_skip_reason` of this process's GL context (made if need be), decided once per
    process: every no-op case asks it before spawning anything."""
    return noop_skip_reason(gl_info())


def _in_noop_process(target, args: tuple, results) -> None:
    """The spawned process: check that the driver is the no-op one, then ``target(*args, results)``."""
    try:
        renderer = gl_info().renderer
        if renderer != NOOP_RENDERER:
            results.put(f"skipped: GALLIUM_NOOP=1 gave GL_RENDERER {renderer!r}, not Mesa's no-op driver")
            return
    except BaseException as exc:
        results.put(f"failed: {type(exc).__name__}: {exc}")
        return
    target(*args, results)


def _worker(take: Take, quality: str, repeats: int, results) -> None:
    try:
        from phav.render.renderer import Renderer
        from phav.render.settings import quality_settings

        with Renderer(take.width, take.height, quality_settings(quality)) as renderer:
            out = {}
            for name, modalities in MODALITY_SETS.items():
                def work() -> int:
                    return sum(1 for _ in renderer.render_take(take, modalities))
                out[name] = measure(work, repeats)
            results.put(out)
    except BaseException as exc:
        results.put(f"failed: {type(exc).__name__}: {exc}")


def run_with_noop_driver(target, args: tuple, what: str, environment: dict[str, str] | None = None,
                         timeout_s: float = 900.0):
    """Run ``target(*args, results)`` in a spawned process whose environment adds ``environment``
    (default ``GALLIUM_NOOP=1``; the driver reads it when it loads, so it cannot be set in this
    process), once the spawned process has checked that its GL driver is the no-op one. ``target``
    puts one item on ``results``: its result or ``"failed: <error>"``. Returns ``(result, None)``, or
    ``(None, reason)`` where the no-op driver is not available: decided first from this process's
    GL context (:func:`noop_driver_unavailable`), without spawning anything.

    Raises:
        RuntimeError: ``target`` failed (named ``what``), or gave nothing within ``timeout_s``.
    """
    why = noop_driver_unavailable()
    if why:
        return None, why
    environment = environment or {"GALLIUM_NOOP": "1"}
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)  # inherited by the spawned process (and its children) only
    try:
        process = ctx.Process(target=_in_noop_process, args=(target, args, results), daemon=False)  # it may start workers
        process.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
    try:
        item = results.get(timeout=timeout_s)
    except Exception as exc:  # queue.Empty: the driver hung or died without a word
        raise RuntimeError(f"{what}: no result within {timeout_s:.0f} s (exit code {process.exitcode})") from exc
    finally:
        process.join(timeout=60)
        if process.is_alive():
            process.kill()
    if isinstance(item, str):
        if item.startswith("skipped: "):
            return None, item.removeprefix("skipped: ")
        raise RuntimeError(f"{what}: {item}")
    return item, None


def cpu_ceiling_cases(take: Take, quality: str, repeats: int) -> tuple[list[dict], str | None]:
    """One record per modality set (see the module docstring), or ``([], reason)`` when the no-op
    driver is not available here. Raises ``RuntimeError`` if the worker fails otherwise."""
    item, why = run_with_noop_driver(_worker, (take, quality, repeats), f"cpu_ceiling_{quality}")
    if why:
        return [], why
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
