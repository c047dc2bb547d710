"""One dataset video, with bounded retries: the function every backend runs in its worker processes.

A worker process keeps one :class:`~phav.render.renderer.Renderer` (one GL context) and reuses it
for every video of its size, on the GPU its environment names (a reused Ray worker given another GPU
makes both anew there). A video that fails in a way another seed may avoid (physics guard,
signature check, GL error) is retried with a new derived seed, up to ``max_attempts`` attempts, then
reported as failed with the reason. Errors of the output (disk full, unwritable folder), no GL
context and shaders the driver refuses are *fatal*: the runner stops, keeping the videos already
finished.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

from phav.dataset.options import RunOptions
from phav.dataset.plan import PlannedVideo
from phav.errors import OutputError, PhavError, SignatureError, SpecError
from phav.frames import MODALITIES
from phav.physics.errors import SimulationError
from phav.render.context import (GLUnavailableError, egl_device_from_env, release_thread_context,
                                 thread_context_device)
from phav.render.shaders import ShaderError

_RENDERER: Any = None


@dataclasses.dataclass(frozen=True)
class Task:
    """What a worker needs to make one planned video."""

    video: PlannedVideo
    out_root: str
    modalities: tuple[str, ...] = MODALITIES
    max_attempts: int = 3
    save_take: bool = False
    quality: str = "phav"


def folder_bytes(path: Path) -> int:
    """Total size of the files in a video folder, bytes."""
    return sum(e.stat().st_size for e in os.scandir(path) if e.is_file())


def _renderer(width: int, height: int, quality: str) -> Any:
    """This process's renderer for ``width x height`` at ``quality`` (made on first use; one GL
    context per process)."""
    global _RENDERER
    from phav.render.renderer import Renderer
    from phav.render.settings import quality_settings

    settings = quality_settings(quality)
    if _moved_to_another_gpu():
        release_renderer()
        release_thread_context()
    if _RENDERER is not None and ((_RENDERER.width, _RENDERER.height) != (width, height)
                                  or _RENDERER.settings != settings):
        release_renderer()
    if _RENDERER is None:
        _RENDERER = Renderer(width, height, settings)
    return _RENDERER


def _moved_to_another_gpu() -> bool:
    """Whether the environment names another EGL device than this thread's context renders on: Ray
    sets ``CUDA_VISIBLE_DEVICES`` for each task, and a worker it reuses may be given another GPU."""
    current = thread_context_device()
    return current is not None and current != egl_device_from_env()


def release_renderer() -> None:
    """Close this process's renderer (idempotent)."""
    global _RENDERER
    if _RENDERER is not None:
        _RENDERER.close()
        _RENDERER = None


def _gl_error_types() -> tuple[type[BaseException], ...]:
    import moderngl

    return (moderngl.Error,)


def _row(task: Task, status: str, attempts: int, spec: Any, **extra: Any) -> dict[str, Any]:
    row = {
        "key": task.video.key, "action": task.video.action, "index": task.video.index, "status": status,
        "attempts": attempts, "path": None, "frames": None, "seconds": None, "bytes": None, "reason": None,
        "error": None, "spec": spec.to_dict(),
    }
    if status == "done":  # what a rerun must ask for to count it as made (phav.dataset.options)
        row.update(RunOptions.of(task.modalities, task.quality).row_fields())
    row.update(extra)
    return row


def run_task(task: Task) -> dict[str, Any]:
    """Make one video; returns its manifest row, plus ``"fatal"``: a message when the run must stop.

    Never raises for a failed video; only ``KeyboardInterrupt``/``SystemExit`` pass through.
    """
    from phav.pipeline import generate_video

    out_root = Path(task.out_root)
    reasons: list[str] = []
    retryable = (SimulationError, SignatureError) + _gl_error_types()
    spec = task.video.spec
    error = None
    for attempt in range(task.max_attempts):
        spec = task.video.attempt_spec(attempt)
        final = out_root / spec.action / spec.folder_name()
        if final.is_dir():  # finished meanwhile (e.g. by a worker orphaned by a killed run)
            return _row(task, "done", attempt + 1, spec, path=str(final.relative_to(out_root)),
                        frames=spec.frames, bytes=folder_bytes(final))
        start = time.perf_counter()
        renderer = None
        try:
            renderer = _renderer(spec.width, spec.height, task.quality)
            result = generate_video(spec, out_root, modalities=task.modalities, save_take=task.save_take,
                                    renderer=renderer)
        except retryable as exc:
            reasons.append(f"attempt {attempt + 1} (seed {spec.seed}): {type(exc).__name__}: {exc}")
            error = type(exc).__name__
            if isinstance(exc, _gl_error_types()):
                release_renderer()  # a fresh context for the next attempt
            continue
        except (FileExistsError, OutputError) as exc:
            if final.is_dir():
                return _row(task, "done", attempt + 1, spec, path=str(final.relative_to(out_root)),
                            frames=spec.frames, bytes=folder_bytes(final))
            return _row(task, "pending", attempt, spec, reason=str(exc), fatal=str(exc))
        except OSError as exc:
            return _row(task, "pending", attempt, spec, reason=str(exc), fatal=str(exc))
        except GLUnavailableError as exc:
            return _row(task, "pending", attempt, spec, reason=str(exc), fatal=str(exc))
        except ShaderError as exc:  # the driver refuses our renderer: no video of this run can be made
            why = f"this GL driver cannot build phav's shaders ({exc.summary()}); please report it with the driver's name"
            return _row(task, "pending", attempt, spec, reason=str(exc), fatal=why)
        except (SpecError, PhavError) as exc:
            if renderer is None:  # the run's size and quality (targets too large): no video of it can be made
                return _row(task, "pending", attempt, spec, reason=str(exc), fatal=str(exc))
            reasons.append(f"attempt {attempt + 1} (seed {spec.seed}): {type(exc).__name__}: {exc}")
            return _row(task, "failed", attempt + 1, spec, reason="; ".join(reasons), error=type(exc).__name__)
        except Exception as exc:  # a bug in a recipe or layer: record it, keep the run going
            reasons.append(f"attempt {attempt + 1} (seed {spec.seed}): unexpected {type(exc).__name__}: {exc}")
            return _row(task, "failed", attempt + 1, spec, reason="; ".join(reasons), error=type(exc).__name__)
        return _row(task, "done", attempt + 1, spec, path=str(result.path.relative_to(out_root)),
                    frames=result.frames, seconds=round(time.perf_counter() - start, 4),
                    bytes=folder_bytes(result.path), cpu_s={k: round(v, 5) for k, v in result.cpu_s.items()})
    return _row(task, "failed", task.max_attempts, spec, reason="; ".join(reasons), error=error)
