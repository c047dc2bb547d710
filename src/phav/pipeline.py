"""spec -> video on disk: the one function the CLI, the dataset runner and the server call."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Iterable

from phav.errors import OutputError
from phav.frames import MODALITIES
from phav.io.atomic import unwritable
from phav.io.layout import video_dir
from phav.io.video_folder import VideoFolderWriter
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec

#: Name of the saved simulation inside a video folder (``--save-take``).
TAKE_FILE = "take.npz"


@dataclasses.dataclass(frozen=True)
class VideoResult:
    """What :func:`generate_video` wrote and how long each stage took (wall seconds).

    ``cpu_s``: CPU seconds of the call by stage, measured with the calling thread's clock
    (``time.thread_time``, which machine load barely moves): ``simulate`` (physics, skin build,
    the take), ``render`` (every step of the renderer's frame iterator: drawing and read-back),
    ``write`` (``write_frame``, the saved take and ``commit``: this thread's share of encoding and
    writing), ``setup`` (the rest of this thread's CPU in the call: scenario, renderer, writer),
    ``thread`` (all of it) and ``process`` (every thread of the process during the call, e.g. the
    writer's encoder threads; ``time.process_time``), of which ``encode`` is the writer's encoder
    threads' own (encoding and writing the frame files, :attr:`VideoFolderWriter.encode_cpu_s`).
    """

    path: Path
    frames: int
    simulate_s: float
    render_write_s: float
    cpu_s: dict[str, float] = dataclasses.field(default_factory=dict)


def check_output(out_root: Path, folder: Path, overwrite: bool) -> None:
    """Fail early, before any work, when the video cannot be written.

    Raises:
        OutputError: the folder exists without ``overwrite``, or the nearest existing ancestor of
            ``folder`` is not a writable directory.
    """
    if folder.exists() and not overwrite:
        raise OutputError(f"video folder {folder} already exists; pass --overwrite (overwrite=True) to replace it")
    found = unwritable(folder.parent)
    if found is None:
        return
    probe, _ = found
    if not probe.is_dir():
        raise OutputError(f"output path {out_root} is not usable: {probe} is not a folder")
    raise OutputError(f"output folder {probe} is not writable; choose another --out (out_root)")


def _remove_empty_created(paths: Iterable[Path]) -> None:
    """Remove the folders this run created if they stayed empty (deepest first)."""
    for path in paths:
        try:
            path.rmdir()
        except OSError:
            pass  # not empty (another video lives there) or already gone: keep it


def generate_video(
    spec: VideoSpec,
    out_root: str | Path,
    *,
    modalities: Iterable[str] = MODALITIES,
    overwrite: bool = False,
    save_take: bool = False,
    renderer: Renderer | None = None,
    quality: str = "phav",
) -> VideoResult:
    """Simulate, render and write one video into ``out_root/<action>/<folder name>/``.

    The video is written into a temporary sibling folder and renamed into place only when complete.

    Args:
        spec: the video.
        out_root: dataset root folder.
        modalities: image modalities to write (``annotations.json`` and ``params.json`` always are).
        overwrite: replace an existing video folder.
        save_take: also write ``take.npz`` into the folder.
        renderer: a renderer to reuse (its size must be the spec's); by default one is made and closed.
        quality: render preset (``preview``, ``phav``, ``high``) of the renderer made here; the
            people's skins are built at its (or the given renderer's) ``skin_resolution``.

    Raises:
        SpecError: invalid spec. OutputError / OSError: the output cannot be written.
        phav.physics.SimulationError, SignatureError: the simulation failed; nothing is written.
    """
    thread_start, process_start = time.thread_time(), time.process_time()
    out_root = Path(out_root)
    scenario = Scenario(spec)
    folder = video_dir(out_root, spec.action, scenario.folder_name)
    check_output(out_root, folder, overwrite)
    created = [p for p in (folder.parent, out_root) if not p.exists()]

    try:
        start = time.perf_counter()
        clock = time.thread_time
        cpu = {"simulate": 0.0, "render": 0.0, "write": 0.0}
        settings = renderer.settings if renderer is not None else quality_settings(quality)
        mark = clock()
        take = scenario.simulate(skin_resolution=settings.skin_resolution)
        cpu["simulate"] = clock() - mark
        simulate_s = time.perf_counter() - start

        start = time.perf_counter()
        own_renderer = renderer is None
        if own_renderer:
            renderer = Renderer(spec.width, spec.height, settings)
        take.meta["render"] = dataclasses.asdict(renderer.settings)
        try:
            with VideoFolderWriter(
                out_root, spec, take, resolved_clip=scenario.clip_name, modalities=modalities,
                overwrite=overwrite, gl_renderer=renderer.gl_renderer,
            ) as writer:
                mark = clock()
                for frame in renderer.render_take(take, writer.render_modalities):
                    now = clock()
                    cpu["render"] += now - mark
                    writer.write_frame(frame, copy=False)  # render_take gives new arrays every frame
                    mark = clock()
                    cpu["write"] += mark - now
                now = clock()
                cpu["render"] += now - mark  # the iterator's end: the last read-back
                if save_take:
                    take.save(writer.temp_path / TAKE_FILE)
                path = writer.commit()
                cpu["write"] += clock() - now
                cpu["encode"] = writer.encode_cpu_s
        finally:
            if own_renderer:
                renderer.close()
        render_write_s = time.perf_counter() - start
    except BaseException:
        _remove_empty_created(created)
        raise
    cpu["thread"], cpu["process"] = time.thread_time() - thread_start, time.process_time() - process_start
    cpu["setup"] = max(0.0, cpu["thread"] - cpu["simulate"] - cpu["render"] - cpu["write"])
    return VideoResult(path=path, frames=take.num_frames, simulate_s=simulate_s, render_write_s=render_write_s,
                       cpu_s=cpu)
