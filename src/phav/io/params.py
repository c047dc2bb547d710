"""``params.json``: everything needed to reproduce and interpret one video, and nothing run-specific.

Content (keys sorted on disk): ``format``, ``spec`` (the full :class:`~phav.spec.VideoSpec`),
``seed``, ``clip`` (the resolved clip name), ``folder_name``, ``meta`` (``take.meta``: sampled
parameters, simulation settings), ``modalities``, ``versions`` (phav, numpy, scipy, pybullet,
moderngl, pillow, and zlib-ng, whose deflate writes the PNGs), ``gl_renderer`` and ``conventions``
(:data:`CONVENTIONS`).

No timestamps, host names or paths: the same command run twice gives byte-identical files.
Package versions and the GL renderer are included because the same spec gives the same bytes only
on the same software (DESIGN §3); they describe the software, not the run.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

from phav.io import jsonutil
from phav.spec import VideoSpec

#: Version of the ``params.json`` / ``annotations.json`` layout.
METADATA_FORMAT: int = 1

#: Distributions whose versions are recorded (looked up with importlib.metadata; nothing imported).
VERSIONED_PACKAGES: tuple[str, ...] = ("phav", "numpy", "scipy", "pybullet", "moderngl", "pillow", "zlib-ng")

#: The conventions of every phav video, in words (DESIGN §3). Written into ``params.json`` and
#: ``annotations.json``; viewers and servers can show it as is.
CONVENTIONS: dict[str, str] = {
    "units": "metres, kilograms, seconds, radians; torques in N m.",
    "world_frame": "right-handed, Z up (PyBullet's world frame).",
    "quaternions": "(x, y, z, w) order everywhere (PyBullet's and SciPy's).",
    "frames": "frame files and annotation 'frame' numbers start at 1 (file number = 0-based index + 1); "
    "video at the spec's fps (30 by default).",
    "camera": "OpenCV pinhole: K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] in pixels; camera frame x right, "
    "y down, z forward; world_to_camera is a 4x4 mapping world points (metres) into the camera frame, "
    "given for every frame even when static.",
    "pixels": "u right, v down; the centre of the top-left pixel is (0, 0), so an image of width W spans "
    "u in [-0.5, W - 0.5] and pixel (i, j) covers u in [i - 0.5, i + 0.5].",
    "image_size": "all modalities share the output size width x height of the spec.",
    "rgb": "img_%05d.jpg: post-processed sRGB: the lit image rendered at ssaa times the output size, "
    "then the post passes listed in meta.render.post, in that order, and the downsample to output size; "
    "raw_%05d.jpg: the same lit image box-downsampled, before any post effect. JPEG, 8-bit.",
    "depth": "depth_%05d.png: 16-bit grey, z-depth along the camera axis (not the ray length) in "
    "centimetres, value = round(z * 100); 65535 = sky or beyond 655.35 m. In memory: float32 metres, "
    "+inf for sky.",
    "flow": "flow_x_%05d.png, flow_y_%05d.png: forward optical flow from frame t to t+1 of the scene "
    "geometry, in output pixels, u right (x) and v down (y); 16-bit grey, value = round(f * 64) + "
    "32768 clipped to 0..65535 (1/64 px steps, zero flow = 32768).",
    "flow_valid": "flow_valid_%05d.png: 8-bit grey, 255 where the flow is valid, 0 where the surface "
    "at the pixel is occluded or leaves the image at t+1 (inside: -0.5 <= u + flow_u < W - 0.5 and the same "
    "for v, as for joint visibility, decided on the unrounded flow, so a 1/64 px rounding in the files can "
    "put a target on the border); the last frame has no forward flow (zero flow, all invalid). Occluded: the surface's predicted depth at t+1 differs by more than "
    "occlusion_rel_tol * depth + occlusion_abs_tol (render settings) both from frame t+1's depth at "
    "the nearest target pixel and from that depth interpolated bilinearly at the target position "
    "(which keeps surfaces seen at a grazing angle valid); sky must land on sky.",
    "semantic": "classgt_%05d.png: 24-bit RGB, one colour per semantic class from the 63-class PHAV "
    "palette (phav.labels.SEMANTIC_CLASSES; ids 36-62 are body parts). The value of a pixel comes from "
    "the one surface at the pixel centre, never blended across edges.",
    "instance": "instancegt_%05d.png: 24-bit RGB, black = the scenery (sky, ground, buildings with "
    "their windows and doors, trees and the other surfaces built into the world, whatever their class), "
    "otherwise the colour of the person or placed object (vehicle, furniture, pole, prop), one instance "
    "each, in the per-video table (instances.txt: '# name R G B' header then 'name R G "
    "B' per instance; annotations.json 'instances': id, name, semantic class, colour). Colours come "
    "from the table, never from arithmetic on ids.",
    "ground_truth": "depth, flow, semantic and instance values are exact (one surface per pixel "
    "centre); anti-aliasing and post effects apply to the RGB images only.",
}


def package_versions(packages: Iterable[str] = VERSIONED_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``packages`` (``None`` where not installed). Imports nothing."""
    out: dict[str, str | None] = {}
    for name in packages:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def build_params(
    spec: VideoSpec,
    *,
    resolved_clip: str | None = None,
    seed: int | None = None,
    meta: Mapping[str, Any] | None = None,
    modalities: Iterable[str] | None = None,
    gl_renderer: str | None = None,
    versions: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The content of ``params.json`` as a JSON-able dict.

    Args:
        spec: the video's spec (written in full with :meth:`VideoSpec.to_dict`).
        resolved_clip: the clip the action chose when ``spec.clip`` is empty (default: ``spec.clip``).
        seed: the video's seed (default ``spec.seed``).
        meta: ``take.meta`` (sampled parameters, simulation settings); must be JSON-able.
        modalities: the image modalities written.
        gl_renderer: the ``GL_RENDERER`` string of the context that rendered the video.
        versions: package versions (default :func:`package_versions`; tests pass a fixed dict).
    """
    clip = resolved_clip if resolved_clip is not None else spec.clip
    return {
        "format": METADATA_FORMAT,
        "spec": spec.to_dict(),
        "seed": int(spec.seed if seed is None else seed),
        "clip": clip,
        "folder_name": spec.folder_name(resolved_clip),
        "meta": dict(meta or {}),
        "modalities": list(modalities) if modalities is not None else None,
        "versions": dict(versions) if versions is not None else package_versions(),
        "gl_renderer": gl_renderer,
        "conventions": dict(CONVENTIONS),
    }


def params_json(params: Mapping[str, Any]) -> str:
    """Deterministic text of ``params.json`` (sorted keys, indent 2, floats to 6 decimals)."""
    return jsonutil.dumps(params, indent=2)


def write_params(path: str | Path, params: Mapping[str, Any]) -> None:
    """Write ``params.json``."""
    Path(path).write_text(params_json(params), encoding="utf-8", newline="\n")


def read_params(path: str | Path) -> dict[str, Any]:
    """Read ``params.json`` back as a dict (``VideoSpec.from_dict(params["spec"])`` rebuilds the spec).
    Raises :class:`~phav.errors.DataError` naming the file when it is not valid JSON."""
    return jsonutil.read_json(path)
