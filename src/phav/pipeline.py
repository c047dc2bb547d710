"""spec -> video on disk: the one function the CLI, the dataset runner and the server call."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Iterable

from phav.errors import OutputError
from phav.frames import MODALITIES
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
    """What :func:`generate_video` wrote and how long each stage took (wall seconds)."""

    path: Path
    frames: int
    simulate_s: float
    render_write_s: float


def check_output(out_root: Path, folder: Path, overwrite: bool) -> None:
    """Fail early, before any work, when the video cannot be written.

    Raises:
        OutputError: the folder exists without ``overwrite``, or the nearest existing ancestor of
            ``folder`` is not a writable directory.
    """
    if folder.exists() and not overwrite:
        raise OutputError(f"video folder {folder} already exists; pass --overwrite to replace it")
    probe = folder.parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"output path {out_root} is not usable: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {probe} is not writable; choose another --out")


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
    out_root = Path(out_root)
    scenario = Scenario(spec)
    folder = video_dir(out_root, spec.action, scenario.folder_name)
    check_output(out_root, folder, overwrite)
    created = [p for p in (folder.parent, out_root) if not p.exists()]

    try:
        start = time.perf_counter()
        settings = renderer.settings if renderer is not None else quality_settings(quality)
        take = scenario.simulate(skin_resolution=settings.skin_resolution)
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
                for frame in renderer.render_take(take, writer.modalities):
                    writer.write_frame(frame)
                if save_take:
                    take.save(writer.temp_path / TAKE_FILE)
                path = writer.commit()
        finally:
            if own_renderer:
                renderer.close()
        render_write_s = time.perf_counter() - start
    except BaseException:
        _remove_empty_created(created)
        raise
    return VideoResult(path=path, frames=take.num_frames, simulate_s=simulate_s, render_write_s=render_write_s)
