"""Rendering a take to arrays (iterable, nothing on disk) and writing the CLI's video folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

import numpy as np

from phav.frames import MODALITIES, Frame, check_modalities
from phav.spec import VideoSpec
from phav.take import Take

if TYPE_CHECKING:  # the renderer (and moderngl) load only when something renders
    from phav.render.renderer import Renderer

#: Frame fields each modality fills (``flow`` fills two).
FIELDS = {"img": ("img",), "raw": ("raw",), "depth": ("depth",), "flow": ("flow", "flow_valid"),
          "classgt": ("semantic",), "instancegt": ("instance",)}


def _renderer(take: Take, quality: str) -> "Renderer":
    from phav.render.renderer import Renderer
    from phav.render.settings import quality_settings

    return Renderer(take.width, take.height, quality_settings(quality))


def render_frames(take: Take, modalities: str | Iterable[str] = ("img",), *, quality: str = "phav",
                  renderer: "Renderer | None" = None) -> Iterator[Frame]:
    """Render ``take`` frame by frame, as arrays: nothing touches the disk.

    Yields :class:`~phav.frames.Frame` objects in order (``index`` 0..T-1) with the requested
    modalities filled: ``img``/``raw`` ``(H, W, 3) uint8``, ``depth`` ``(H, W) float32`` metres
    (sky ``inf``), ``flow`` ``(H, W, 2) float32`` pixels with ``flow_valid`` ``(H, W) bool``,
    ``classgt`` as ``semantic`` ``(H, W) uint8``, ``instancegt`` as ``instance`` ``(H, W) uint16``.

    Args:
        modalities: a subset of :data:`phav.frames.MODALITIES`, as names or one comma-separated
            string (``"img,depth"``; ``"all"`` for every one).
        quality: ``preview``, ``phav`` or ``high``, as ``phav-render --quality`` (ignored with ``renderer``).
        renderer: a :class:`~phav.render.Renderer` of the take's size to reuse (kept open); by
            default one is made and closed when the iteration ends or the iterator is closed.

    Raises:
        ValueError: unknown modality or quality, or a renderer of another size.
        RuntimeError: the renderer is closed ("this Renderer is closed; create a new one").
    """
    mods = _modalities(modalities)
    if renderer is not None:
        return renderer.render_take(take, mods)  # validates eagerly, raises on a closed renderer
    from phav.render.settings import quality_settings

    quality_settings(quality)  # an unknown preset fails here, before any GL work
    return _owned(take, mods, quality)


def _modalities(modalities: str | Iterable[str]) -> tuple[str, ...]:
    """``"all"``, names, or one comma-separated string of them, checked (:func:`check_modalities`)."""
    return MODALITIES if modalities == "all" else check_modalities(modalities)


def _owned(take: Take, mods: tuple[str, ...], quality: str) -> Iterator[Frame]:
    with _renderer(take, quality) as renderer:
        yield from renderer.render_take(take, mods)


def render_arrays(take: Take, modalities: str | Iterable[str] = ("img",), *, quality: str = "phav",
                  renderer: "Renderer | None" = None) -> dict[str, np.ndarray]:
    """The whole take as stacked arrays: ``{field: (T, ...) array}`` for each field the modalities
    fill (``img``, ``raw``, ``depth``, ``flow``, ``flow_valid``, ``semantic``, ``instance``)."""
    mods = _modalities(modalities)
    frames = list(render_frames(take, mods, quality=quality, renderer=renderer))
    return {f: np.stack([getattr(fr, f) for fr in frames]) for m in mods for f in FIELDS[m]}


def write_video(take: Take, out_root: str | Path, spec: VideoSpec, *, modalities: str | Iterable[str] = MODALITIES,
                overwrite: bool = False, save_take: bool = False, quality: str = "phav",
                renderer: "Renderer | None" = None,
                folder_name: str | None = None) -> Path:
    """Write ``take`` as ``phav-render video`` does: ``out_root/<spec.action>/<folder name>/`` with
    the image files of ``modalities``, ``annotations.json``, ``params.json`` (and ``take.npz`` with
    ``save_take``), into a hidden folder renamed into place when complete. Returns the folder.

    The folder is named by ``spec`` and the take's resolved clip (``take.meta["clip"]``), or
    ``folder_name`` when given (:meth:`phav.Scene.write` passes the scene's).

    Raises:
        OutputError: the folder exists (without ``overwrite``) or cannot be written.
        ValueError: the take's size is not the spec's, or unknown modalities.
    """
    from phav.errors import OutputError
    from phav.io.layout import video_dir
    from phav.io.video_folder import VideoFolderWriter
    from phav.pipeline import TAKE_FILE, check_output

    out_root = Path(out_root)
    clip = take.meta.get("clip") or spec.clip or None
    folder_name = folder_name or spec.folder_name(clip)
    check_output(out_root, video_dir(out_root, spec.action, folder_name), overwrite)
    own = renderer is None
    renderer = _renderer(take, quality) if own else renderer
    try:
        take.meta["render"] = dataclasses.asdict(renderer.settings)
        try:
            with VideoFolderWriter(out_root, spec, take, resolved_clip=clip, modalities=_modalities(modalities),
                                   overwrite=overwrite, gl_renderer=renderer.gl_renderer,
                                   folder_name=folder_name) as writer:
                for frame in renderer.render_take(take, writer.render_modalities):
                    writer.write_frame(frame, copy=False)  # render_take gives new arrays every frame
                if save_take:
                    take.save(writer.temp_path / TAKE_FILE)
                return writer.commit()
        except FileExistsError as exc:
            raise OutputError(str(exc)) from None
    finally:
        if own:
            renderer.close()
