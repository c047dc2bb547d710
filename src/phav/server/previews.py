"""Viewable pictures of every image modality, and the MP4 previews and zip the server offers.

Shared by the web server (MP4 previews) and the interactive viewer (textures): every function maps
a modality's arrays to ``(H, W, 3) uint8`` RGB. Depth and flow are coloured for people to look at;
the exact values stay in the video folder's files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from phav.io.atomic import replacing
from phav.io.reader import VideoData
from phav.labels import colorize_semantic, instance_colors
from phav.take import Instance

#: The modalities a preview exists for, in display order (``frames.MODALITIES``' names).
PREVIEW_MODALITIES: tuple[str, ...] = ("img", "raw", "depth", "flow", "classgt", "instancegt")


def depth_image(depth: np.ndarray, near: float | None = None, far: float | None = None) -> np.ndarray:
    """``(H, W) float32`` metres -> ``(H, W, 3) uint8``: inverse depth as grey, near bright; sky black.

    ``near``/``far`` (metres) fix the mapping (e.g. over a whole video so the brightness does not
    flicker); by default the finite range of this frame.
    """
    finite = np.isfinite(depth) & (depth > 0)
    out = np.zeros(depth.shape + (3,), dtype=np.uint8)
    if not finite.any():
        return out
    near = float(depth[finite].min()) if near is None else near
    far = float(depth[finite].max()) if far is None else far
    inv = np.zeros(depth.shape, dtype=np.float64)
    inv[finite] = 1.0 / np.maximum(depth[finite], 1e-6)
    lo, hi = 1.0 / max(far, 1e-6), 1.0 / max(near, 1e-6)
    level = np.clip((inv - lo) / max(hi - lo, 1e-12), 0.0, 1.0) * 215.0 + 40.0
    out[finite] = np.round(level[finite]).astype(np.uint8)[:, None]
    return out


def flow_image(flow: np.ndarray, valid: np.ndarray | None = None, max_magnitude: float | None = None) -> np.ndarray:
    """``(H, W, 2) float32`` pixels -> ``(H, W, 3) uint8``: direction as hue, magnitude as saturation
    (white = still), invalid pixels dark grey. ``max_magnitude`` (pixels) fixes the scale."""
    u, v = flow[..., 0].astype(np.float64), flow[..., 1].astype(np.float64)
    mag = np.hypot(u, v)
    ok = np.ones(mag.shape, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    scale = max_magnitude if max_magnitude is not None else (float(mag[ok].max()) if ok.any() else 0.0)
    sat = np.clip(mag / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(mag)
    hue = (np.arctan2(-v, -u) / np.pi + 1.0) / 2.0  # [0, 1]
    h6 = hue * 6.0
    i = np.floor(h6).astype(int) % 6
    f = h6 - np.floor(h6)
    p, q, t = 1.0 - sat, 1.0 - f * sat, 1.0 - (1.0 - f) * sat
    one = np.ones_like(sat)
    table = [(one, t, p), (q, one, p), (p, one, t), (p, q, one), (t, p, one), (one, p, q)]
    rgb = np.zeros(mag.shape + (3,), dtype=np.float64)
    for k, channels in enumerate(table):
        sel = i == k
        for c in range(3):
            rgb[..., c][sel] = channels[c][sel]
    out = np.round(rgb * 255.0).astype(np.uint8)
    out[~ok] = 48
    return out


def semantic_image(semantic: np.ndarray) -> np.ndarray:
    """``(H, W) uint8`` semantic ids -> ``(H, W, 3) uint8`` PHAV palette colours."""
    return colorize_semantic(semantic)


def instance_image(instance: np.ndarray, instances: Sequence[Instance] = ()) -> np.ndarray:
    """``(H, W) uint16`` instance ids -> ``(H, W, 3) uint8``: each id's colour from the video's
    instance table ``instances`` (as in ``instancegt`` files), else distinct generated colours; 0 black."""
    ids = np.asarray(instance, dtype=np.int64)
    count = max([int(ids.max()) if ids.size else 0] + [i.id for i in instances])
    colors = instance_colors(count)
    for item in instances:
        colors[item.id] = item.color[:3]
    return colors[ids]


def video_previews(data: VideoData) -> dict[str, np.ndarray]:
    """``(T, H, W, 3) uint8`` frames per written modality of a video; depth and flow scaled per video."""
    out: dict[str, np.ndarray] = {}
    if data.img is not None:
        out["img"] = data.img
    if data.raw is not None:
        out["raw"] = data.raw
    if data.depth is not None:
        finite = data.depth[np.isfinite(data.depth) & (data.depth > 0)]
        near, far = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
        out["depth"] = np.stack([depth_image(d, near, far) for d in data.depth])
    if data.flow is not None:
        valid = data.flow_valid if data.flow_valid is not None else np.ones(data.flow.shape[:3], dtype=bool)
        mags = np.hypot(data.flow[..., 0], data.flow[..., 1])[valid]
        scale = float(np.percentile(mags, 99)) if mags.size else 0.0
        out["flow"] = np.stack([flow_image(f, m, scale) for f, m in zip(data.flow, valid)])
    if data.semantic is not None:
        out["classgt"] = np.stack([semantic_image(s) for s in data.semantic])
    if data.instance is not None:
        out["instancegt"] = np.stack([instance_image(i, data.instances) for i in data.instance])
    return out


def even_size(frames: np.ndarray) -> np.ndarray:
    """``(T, H, W, 3)`` with odd ``H``/``W`` padded by one repeated edge row/column (H.264 yuv420p)."""
    pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2
    if not (pad_h or pad_w):
        return frames
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def write_previews(data: VideoData, folder: str | Path, fps: float) -> dict[str, Path]:
    """Write ``preview_<modality>.mp4`` per written modality into ``folder``; returns the paths.

    Each file is written under a temporary name and renamed into place when complete.

    Raises:
        ImportError: PyAV is missing (``pip install "phav[mp4]"``).
    """
    from phav.io.mp4 import write_mp4

    folder = Path(folder)
    paths = {}
    for modality, frames in video_previews(data).items():
        path = folder / f"preview_{modality}.mp4"
        with replacing(path) as temp:
            write_mp4(temp, even_size(frames), fps)
        paths[modality] = path
    return paths


#: Extensions stored without compression in the zip (already compressed).
_STORED = (".jpg", ".png", ".mp4", ".npz")


def write_zip(video_folder: str | Path, path: str | Path) -> Path:
    """Zip every file of ``video_folder`` under ``<folder name>/`` into ``path`` (atomic rename)."""
    video_folder, path = Path(video_folder), Path(path)
    with replacing(path) as temp, zipfile.ZipFile(temp, "w") as archive:
        for entry in sorted(video_folder.iterdir()):
            if entry.is_file():
                kind = zipfile.ZIP_STORED if entry.suffix in _STORED else zipfile.ZIP_DEFLATED
                archive.write(entry, f"{video_folder.name}/{entry.name}", compress_type=kind)
    return path
