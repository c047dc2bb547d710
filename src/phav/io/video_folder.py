"""Write one video folder of the PHAV layout atomically, encoding frames on a bounded thread pool.

:class:`VideoFolderWriter` writes ``<out_root>/<action>/<folder_name>/`` (file names in
:mod:`phav.io.layout`). Everything goes into a hidden temporary sibling,
``<out_root>/<action>/.<folder_name>.partial-<pid>``, and :meth:`VideoFolderWriter.commit` renames
it into place, so an interrupted run never leaves a half video that looks finished::

    with VideoFolderWriter(out_root, spec, take, modalities=("img", "depth")) as writer:
        for frame in renderer.render_take(take, writer.render_modalities):
            writer.write_frame(frame)
        path = writer.commit()          # also implied by leaving the block without an error

Errors: an existing final folder without ``overwrite=True`` raises ``FileExistsError`` in the
constructor, before anything is written. An error in the block, in an encoder (e.g. ``ENOSPC``) or
in :meth:`commit` removes the temporary folder; encoder errors surface at the next
:meth:`write_frame` or at :meth:`commit`, as an ``OSError`` naming the file (disk full, permission).
"""

from __future__ import annotations

import collections
import concurrent.futures
import errno
import os
import shutil
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from phav.errors import PhavWarning
from phav.frames import MODALITIES, Frame, check_modalities
from phav.io import depth as depth_codec
from phav.io import flow as flow_codec
from phav.io import images, layout, segmentation
from phav.io.annotations import AnnotationBuilder, with_annotation_maps, write_annotations_text
from phav.io.instances_txt import write_instances
from phav.io.params import build_params, write_params
from phav.spec import VideoSpec
from phav.take import Take

#: Default number of encoder threads (Pillow's encoders release the GIL).
DEFAULT_WORKERS: int = min(4, os.cpu_count() or 1)

_HINTS = {
    errno.ENOSPC: "the disk is full; free space or choose another output folder",
    errno.EDQUOT: "the disk quota is exceeded; free space or choose another output folder",
    errno.EACCES: "permission denied; choose a writable output folder",
    errno.EPERM: "operation not permitted; choose a writable output folder",
    errno.EROFS: "the file system is read-only; choose a writable output folder",
}


def _os_error(exc: OSError, action: str, path: Path | str) -> OSError:
    """A new ``OSError`` of ``exc``'s subclass and errno whose message is just ``cannot <action>
    <path>: <fix>`` (no ``[Errno N]`` before it: it is the line ``phav-render`` prints)."""
    if not exc.errno:
        return OSError(f"cannot {action} {path}: {exc}")
    error = type(OSError(exc.errno, ""))(f"cannot {action} {path}: {_HINTS.get(exc.errno, exc.strerror or str(exc))}")
    error.errno = exc.errno
    return error


def _remove(path: Path) -> None:
    """Remove the folder or file ``path``."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _expected(modality: str, h: int, w: int) -> dict[str, tuple[tuple[int, ...], str]]:
    return {
        "img": {"img": ((h, w, 3), "uint8")},
        "raw": {"raw": ((h, w, 3), "uint8")},
        "depth": {"depth": ((h, w), "float")},
        "flow": {"flow": ((h, w, 2), "float"), "flow_valid": ((h, w), "bool")},
        "classgt": {"semantic": ((h, w), "uint8")},
        "instancegt": {"instance": ((h, w), "uint16")},
    }[modality]


def _dtype_ok(array: np.ndarray, kind: str) -> bool:
    if kind == "float":
        return array.dtype.kind == "f"
    return array.dtype == np.dtype(kind)


def frame_file_writers(arrays: Mapping[str, np.ndarray], instances: Iterable, jpeg_quality: int = images.JPEG_QUALITY,
                       jpeg_subsampling: str = images.JPEG_SUBSAMPLING) -> list[tuple[str, Callable[[Any], None]]]:
    """The files of one frame, as ``(kind, write)`` pairs in the layout's order (:mod:`phav.io.layout`
    kinds: ``img``, ``raw``, ``depth``, ``flow_x``, ``flow_y``, ``flow_valid``, ``classgt``,
    ``instancegt``); ``write(path_or_binary_file)`` encodes and writes that file.

    Args:
        arrays: a frame's arrays by :class:`~phav.frames.Frame` field (``img``, ``raw``, ``depth``,
            ``flow`` with ``flow_valid``, ``semantic``, ``instance``); only those present get files.
        instances: the take's instance table (:class:`phav.take.Instance` rows) for ``instancegt``.
        jpeg_quality, jpeg_subsampling: of ``img`` and ``raw`` (:func:`phav.io.images.write_jpeg`).
    """
    files: list[tuple[str, Callable[[Any], None]]] = []
    for kind in ("img", "raw"):
        if kind in arrays:
            files.append((kind, lambda p, a=arrays[kind]: images.write_jpeg(p, a, jpeg_quality, jpeg_subsampling)))

    def png(kind: str, write: Callable[..., None], encode: Callable[[], np.ndarray]) -> None:
        settings = images.png_settings(kind)
        files.append((kind, lambda p: write(p, encode(), **settings)))

    if "depth" in arrays:
        png("depth", images.write_png16, lambda: depth_codec.encode_depth(arrays["depth"]))
    if "flow" in arrays:
        fx, fy = flow_codec.encode_flow(arrays["flow"])
        png("flow_x", images.write_png16, lambda: fx)
        png("flow_y", images.write_png16, lambda: fy)
        png("flow_valid", images.write_png8,
            lambda: flow_codec.encode_flow_valid(flow_codec.representable(arrays["flow_valid"], fx, fy)))
    if "semantic" in arrays:
        png("classgt", images.write_png_rgb, lambda: segmentation.encode_semantic(arrays["semantic"]))
    if "instance" in arrays:
        instances = list(instances)
        png("instancegt", images.write_png_rgb, lambda: segmentation.encode_instance(arrays["instance"], instances))
    return files


def check_spec_matches_take(spec: VideoSpec, take: Take) -> None:
    """Check that ``spec``, which names the folder and fills ``params.json``, describes ``take``:
    the same size and number of frames, and the same seed where the take records one
    (``take.meta["seed"]``).

    Raises:
        ValueError: the first field that differs, with both values.
    """
    if (take.width, take.height) != (spec.width, spec.height):
        raise ValueError(f"take size {take.width}x{take.height} differs from the spec's {spec.width}x{spec.height}")
    if take.num_frames != spec.frames:
        raise ValueError(f"the take has {take.num_frames} frames but the spec says {spec.frames}; "
                         f"pass spec.replace(frames={take.num_frames})")
    seed = take.meta.get("seed")
    if seed is not None and seed != spec.seed:
        raise ValueError(f"the take was simulated with seed {seed} but the spec says {spec.seed}; "
                         "write it with the spec it was simulated from")


class VideoFolderWriter:
    """Writes one video into ``<out_root>/<spec.action>/<spec.folder_name(resolved_clip)>/``.

    Args:
        out_root: dataset root folder (created if missing).
        spec: the video's spec (names the folder; written to ``params.json``).
        take: the simulated take (``annotations.json``, the instance table, the frame count).
        resolved_clip: the clip the action chose when ``spec.clip`` is empty.
        modalities: image modalities to write, a subset of ``frames.MODALITIES``.
        overwrite: replace an existing final folder (at :meth:`commit`, not before).
        gl_renderer: ``GL_RENDERER`` string for ``params.json``.
        jpeg_quality, jpeg_subsampling: JPEG settings for ``img``/``raw`` (see :func:`images.write_jpeg`).
        workers: encoder threads (default :data:`DEFAULT_WORKERS`).
        max_pending: frames queued or being encoded before :meth:`write_frame` blocks
            (default ``2 * workers``); bounds memory to about that many frames.
        versions: package versions for ``params.json`` (default: the installed ones).
        folder_name: the folder's name instead of the spec's (a custom scene's, see
            :meth:`phav.Scene.folder_name`).

    Raises:
        FileExistsError: the final folder exists and ``overwrite`` is false (nothing written).
        OSError: the output folder cannot be created (message names the path).
        ValueError: unknown modalities, or the spec does not describe the take
            (:func:`check_spec_matches_take`).
    """

    def __init__(
        self,
        out_root: str | Path,
        spec: VideoSpec,
        take: Take,
        *,
        resolved_clip: str | None = None,
        modalities: Iterable[str] = MODALITIES,
        overwrite: bool = False,
        gl_renderer: str | None = None,
        jpeg_quality: int = images.JPEG_QUALITY,
        jpeg_subsampling: str = images.JPEG_SUBSAMPLING,
        workers: int | None = None,
        max_pending: int | None = None,
        versions: Mapping[str, str | None] | None = None,
        folder_name: str | None = None,
    ) -> None:
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._state = "open"
        self.modalities = check_modalities(modalities)
        check_spec_matches_take(spec, take)
        self.spec, self.take, self.resolved_clip = spec, take, resolved_clip
        self.overwrite = bool(overwrite)
        self.gl_renderer, self.versions = gl_renderer, versions
        self.jpeg_quality, self.jpeg_subsampling = int(jpeg_quality), jpeg_subsampling
        self.path = layout.video_dir(out_root, spec.action, folder_name or spec.folder_name(resolved_clip))
        if self.path.exists() and not self.overwrite:
            raise FileExistsError(
                f"video folder {self.path} already exists; pass --overwrite (overwrite=True) to replace it"
            )
        self.temp_path = self.path.parent / f".{self.path.name}.partial-{os.getpid()}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.temp_path.exists():  # left by an earlier writer of this process
                shutil.rmtree(self.temp_path)
            self.temp_path.mkdir()
        except OSError as exc:
            self._state = "aborted"
            raise _os_error(exc, "create the video folder", self.path) from exc
        self._instances = list(take.instances)
        segmentation.instance_table(self._instances)  # fail early on a bad table
        self._annotations = AnnotationBuilder(take)
        self._written: set[int] = set()
        workers = DEFAULT_WORKERS if workers is None else max(1, int(workers))
        self._max_pending = max(1, int(max_pending) if max_pending is not None else 2 * workers)
        self._pending: collections.deque[concurrent.futures.Future[None]] = collections.deque()
        self._encode_lock = threading.Lock()
        self._encode_cpu_s = 0.0
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="phav-io")

    # ---- context manager ----------------------------------------------------------------------
    def __enter__(self) -> "VideoFolderWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()
        elif self._state == "open":
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise

    @property
    def render_modalities(self) -> tuple[str, ...]:
        """The modalities to render for this writer: those it writes and those the annotations'
        visibility reads (:data:`ANNOTATION_MODALITIES`: depth, semantic and instance maps), which it does not
        write unless asked to."""
        return with_annotation_maps(self.modalities)

    # ---- frames -------------------------------------------------------------------------------
    def write_frame(self, frame: Frame, *, copy: bool = True) -> None:
        """Queue the files of ``frame`` (numbered ``frame.index + 1``) for encoding.

        By default the arrays are copied, so the caller may reuse its buffers. ``copy=False`` hands
        them over instead (about 1.9 MB less copying per 340x256 frame with every modality): the
        caller must then leave them unchanged until :meth:`commit` returns, as
        :meth:`phav.render.renderer.Renderer.render_take` does (new arrays for every frame). Blocks
        while ``max_pending`` frames are in flight.

        Raises:
            ValueError: a requested modality is missing or has the wrong shape/dtype, the index is
                outside the take or was written already.
            OSError: an earlier frame failed to write (the writer is then aborted).
        """
        self._require_open()
        self._raise_finished_errors()
        index = int(frame.index)
        if not 0 <= index < self.take.num_frames:
            raise ValueError(f"frame index {index} outside 0..{self.take.num_frames - 1}")
        if index in self._written:
            raise ValueError(f"frame {index} was written already")
        h, w = self.spec.height, self.spec.width
        arrays: dict[str, np.ndarray] = {}
        for modality in self.modalities:
            for field, (shape, kind) in _expected(modality, h, w).items():
                value = getattr(frame, field)
                if value is None:
                    raise ValueError(f"frame {index}: modality {modality!r} requested but frame.{field} is None")
                value = np.asarray(value)
                if value.shape != shape or not _dtype_ok(value, kind):
                    raise ValueError(
                        f"frame {index}: frame.{field} is {value.shape} {value.dtype}, expected {shape} {kind}"
                    )
                arrays[field] = np.array(value, copy=True) if copy else value
        self._annotations.add_depth(index, frame.depth, frame.instance, frame.semantic)
        while len(self._pending) >= self._max_pending:
            self._wait(self._pending.popleft())
        self._written.add(index)
        assert self._executor is not None
        self._pending.append(self._executor.submit(self._encode_frame, index + 1, arrays))

    def _encode_frame(self, number: int, arrays: dict[str, np.ndarray]) -> None:
        """Worker: encode and write every file of frame ``number`` (1-based)."""
        start = time.thread_time()
        try:
            for kind, write in frame_file_writers(arrays, self._instances, self.jpeg_quality, self.jpeg_subsampling):
                path = self.temp_path / layout.frame_file(kind, number)
                try:
                    write(path)
                except OSError as exc:
                    raise _os_error(exc, "write", self.path / path.name) from exc  # the folder asked for
                except ValueError as exc:
                    raise ValueError(f"{path.name}: {exc}") from exc
        finally:
            spent = time.thread_time() - start
            with self._encode_lock:
                self._encode_cpu_s += spent

    @property
    def encode_cpu_s(self) -> float:
        """CPU seconds the encoder threads have spent encoding and writing frame files so far
        (each thread's own clock, ``time.thread_time``); complete once :meth:`commit` returns."""
        with self._encode_lock:
            return self._encode_cpu_s

    def _wait(self, future: concurrent.futures.Future[None]) -> None:
        try:
            future.result()
        except BaseException:
            self.abort()
            raise

    def _raise_finished_errors(self) -> None:
        for future in list(self._pending):
            if future.done() and future.exception() is not None:
                self._wait(future)

    def _require_open(self) -> None:
        if self._state != "open":
            raise RuntimeError(f"the writer of {self.path} is {self._state}; create a new VideoFolderWriter")

    # ---- finish -------------------------------------------------------------------------------
    def commit(self) -> Path:
        """Wait for the encoders, write the per-video files and rename the folder into place.

        Returns the final folder. With ``overwrite=True`` an existing folder is replaced here.

        Raises:
            ValueError: frames of the take were not written (the writer stays open).
            FileExistsError: the final folder appeared meanwhile and ``overwrite`` is false.
            OSError: a file could not be written or the rename failed (the writer is aborted).
        """
        if self._state == "committed":
            return self.path
        self._require_open()
        while self._pending:
            self._wait(self._pending.popleft())
        missing = sorted(set(range(self.take.num_frames)) - self._written)
        if missing:
            shown = ", ".join(str(i) for i in missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise ValueError(f"{len(missing)} frames of {self.take.num_frames} were not written (0-based: {shown})")
        try:
            self._write_video_files()
            self._rename_into_place()
        except BaseException:
            self.abort()
            raise
        self._state = "committed"
        self._shutdown()
        return self.path

    def _write_video_files(self) -> None:
        d = self.temp_path
        files: list[tuple[Path, Any]] = []
        if "instancegt" in self.modalities:
            files.append((d / layout.INSTANCES_FILE, lambda p: write_instances(p, self._instances)))
        files.append((d / layout.ANNOTATIONS_FILE, lambda p: write_annotations_text(p, self._annotations.text())))
        params = build_params(
            self.spec, resolved_clip=self.resolved_clip, meta=self.take.meta, modalities=self.modalities,
            gl_renderer=self.gl_renderer, versions=self.versions,
        )
        files.append((d / layout.PARAMS_FILE, lambda p: write_params(p, params)))
        for path, write in files:
            try:
                write(path)
            except OSError as exc:
                raise _os_error(exc, "write", self.path / path.name) from exc

    def _rename_into_place(self) -> None:
        old: Path | None = None
        if self.path.exists():
            if not self.overwrite:
                raise FileExistsError(
                    f"video folder {self.path} appeared while writing; pass --overwrite (overwrite=True) to replace it"
                )
            old = self.path.parent / f".{self.path.name}.old-{os.getpid()}"
            if old.exists() or old.is_symlink():
                _remove(old)
            os.rename(self.path, old)  # a folder or, in its place, a file
        try:
            os.rename(self.temp_path, self.path)
        except OSError as exc:
            if old is not None:
                os.rename(old, self.path)  # put the previous video back
            raise _os_error(exc, "rename the finished video to", self.path) from exc
        if old is not None:
            try:
                _remove(old)
            except OSError as exc:
                warnings.warn(f"the replaced {self.path} is left in {old} ({exc.strerror or exc}); delete it",
                              PhavWarning, stacklevel=3)

    def abort(self) -> None:
        """Stop encoding and remove the temporary folder; the final folder is left untouched. Idempotent."""
        if self._state in ("aborted", "committed"):
            return
        self._state = "aborted"
        for future in self._pending:
            future.cancel()
        self._shutdown()  # waits for running encoders, so none writes into the folder being removed
        self._pending.clear()
        shutil.rmtree(self.temp_path, ignore_errors=True)

    def _shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    @property
    def state(self) -> str:
        """``"open"``, ``"committed"`` or ``"aborted"``."""
        return self._state
