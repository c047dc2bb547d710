"""Pinhole cameras in the OpenCV convention, and the GL projection derived from the same numbers.

Conventions (written into every video's metadata):

* Camera frame: x right, y down, z forward (OpenCV). ``world_to_camera`` is a 4x4 that maps world
  points (metres, Z up) into that frame.
* Pixels: ``u`` right, ``v`` down; the centre of the top-left pixel is ``(0, 0)``, so an image of
  width ``W`` spans ``u`` in ``[-0.5, W - 0.5]``. ``K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]``.
* The GL projection of :func:`gl_projection` maps the image top row to framebuffer row 0, so a GL
  read-back is already in image row order, and ``gl_FragCoord.xy - 0.5`` equals ``(u, v)``.
"""

from __future__ import annotations

import numpy as np

from phav.geometry import cross_rows, row_norms, transform_points


def intrinsics(width: int, height: int, vertical_fov_deg: float) -> np.ndarray:
    """``K (3, 3) float64`` for square pixels, principal point at the image centre."""
    fy = 0.5 * height / np.tan(np.radians(vertical_fov_deg) / 2.0)
    return np.array(
        [[fy, 0.0, (width - 1) / 2.0], [0.0, fy, (height - 1) / 2.0], [0.0, 0.0, 1.0]],
        dtype=np.float64,
    )


def look_at_many(eyes: np.ndarray, targets: np.ndarray, up: np.ndarray = (0.0, 0.0, 1.0)) -> np.ndarray:
    """``world_to_camera (T, 4, 4) float64`` for cameras at ``eyes`` looking at ``targets``.

    The camera's z axis points from the eye to the target, its x axis along ``forward x up``
    (right in the image) and its y axis along ``z x x`` (down in the image).

    Args:
        eyes, targets: ``(T, 3)`` or ``(3,)`` (the same for every frame) world points, metres.
        up: ``(3,)`` (every frame) or ``(T, 3)`` (one per frame) world direction that appears up in
            the image. ``T`` is the frame count of whichever of the three is given per frame.
    Raises:
        ValueError: the shapes do not match, an eye coincides with its target or a view direction
            is parallel to ``up``.
    """
    eye = np.asarray(eyes, dtype=np.float64)
    target = np.asarray(targets, dtype=np.float64)
    up = np.asarray(up, dtype=np.float64)
    if eye.shape[-1:] != (3,) or target.shape[-1:] != (3,) or eye.ndim > 2 or target.ndim > 2:
        raise ValueError(f"eyes and targets must be (3,) or (T, 3) points, got {eye.shape} and {target.shape}")
    if up.shape[-1:] != (3,) or up.ndim > 2:
        raise ValueError(f"up must be a (3,) or (T, 3) direction, got {up.shape}")
    try:  # a per-frame up sets the frame count as a per-frame eye or target does
        rows = np.broadcast_arrays(np.atleast_2d(eye), np.atleast_2d(target), *([up] if up.ndim == 2 else []))
    except ValueError:
        raise ValueError(f"eyes {eye.shape}, targets {target.shape} and up {up.shape} have different frame "
                         f"counts; give one per frame (T, 3) or one for all (3,)") from None
    eye, target = rows[0], rows[1]
    if up.ndim == 2:
        up = rows[2]
    forward = target - eye
    norm = row_norms(forward)
    if np.any(norm < 1e-9):
        raise ValueError("camera eye and target coincide")
    z = forward / norm[:, None]
    x = cross_rows(z, up)  # right = forward x up (y points down)
    norm = row_norms(x)
    if np.any(norm < 1e-9):
        raise ValueError("camera view direction is parallel to its up vector (a camera looking straight up or "
                         "down): give another up, e.g. up=(0, 1, 0)")
    x /= norm[:, None]
    rot = np.stack([x, cross_rows(z, x), z], axis=1)  # rows: camera axes in world coordinates
    out = np.broadcast_to(np.eye(4), (len(eye), 4, 4)).copy()
    out[:, :3, :3] = rot
    out[:, :3, 3] = (-rot @ eye[:, :, None])[:, :, 0]
    return out


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = (0.0, 0.0, 1.0)) -> np.ndarray:
    """``world_to_camera (4, 4) float64`` for a camera at ``eye`` looking at ``target`` (each ``(3,)``,
    metres): :func:`look_at_many` for one frame.

    Raises:
        ValueError: ``eye == target`` or the view direction is parallel to ``up``.
    """
    return look_at_many(np.asarray(eye, dtype=np.float64).reshape(1, 3),
                        np.asarray(target, dtype=np.float64).reshape(1, 3), up)[0]


def camera_to_world(world_to_camera: np.ndarray) -> np.ndarray:
    """Inverse of a rigid ``world_to_camera (..., 4, 4)``."""
    w2c = np.asarray(world_to_camera, dtype=np.float64)
    rot = w2c[..., :3, :3]
    out = np.zeros_like(w2c)
    rot_t = np.swapaxes(rot, -1, -2)
    out[..., :3, :3] = rot_t
    out[..., :3, 3] = -np.einsum("...ij,...j->...i", rot_t, w2c[..., :3, 3])
    out[..., 3, 3] = 1.0
    return out


def to_camera(points_world: np.ndarray, world_to_camera: np.ndarray) -> np.ndarray:
    """World points ``(..., 3)`` to camera coordinates ``(..., 3)`` (metres; z = depth)."""
    return transform_points(world_to_camera, points_world)


def project(points_world: np.ndarray, K: np.ndarray, world_to_camera: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project world points ``(N, 3)``: returns pixels ``(N, 2)`` (u, v) and z-depth ``(N,)`` metres.

    Points behind the camera get ``z <= 0`` and meaningless pixels; callers check ``z``.
    """
    cam = to_camera(points_world, world_to_camera)
    z = cam[..., 2]
    safe = np.where(np.abs(z) < 1e-12, 1e-12, z)
    uv = (cam[..., :2] / safe[..., None]) @ np.asarray(K)[:2, :2].T + np.asarray(K)[:2, 2]
    return uv, z


def pixel_coordinates(x: np.ndarray, y: np.ndarray, z: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel ``(u, v)`` of camera-frame coordinates ``x, y, z`` (arrays of one shape, metres, z != 0)
    through ``K``: :func:`project`'s projection element by element, for many points whose ``u`` and
    ``v`` are reduced apart (:func:`project`'s ``(N, 2)`` product is the quicker for a few)."""
    K = np.asarray(K)
    xz, yz = x / z, y / z
    return K[0, 0] * xz + K[0, 1] * yz + K[0, 2], K[1, 0] * xz + K[1, 1] * yz + K[1, 2]


def unproject(uv: np.ndarray, depth: np.ndarray, K: np.ndarray, world_to_camera: np.ndarray) -> np.ndarray:
    """Inverse of :func:`project`: pixels ``(N, 2)`` with z-depth ``(N,)`` to world points ``(N, 3)``."""
    K = np.asarray(K, dtype=np.float64)
    uv = np.asarray(uv, dtype=np.float64)
    depth = np.asarray(depth, dtype=np.float64)
    x = (uv[..., 0] - K[0, 2]) / K[0, 0] * depth
    y = (uv[..., 1] - K[1, 2]) / K[1, 1] * depth
    cam = np.stack([x, y, depth], axis=-1)
    return transform_points(camera_to_world(world_to_camera), cam)


def gl_projection(K: np.ndarray, width: int, height: int, near: float, far: float) -> np.ndarray:
    """``(4, 4) float64`` clip matrix for OpenCV camera coordinates (apply after ``world_to_camera``).

    ``x_ndc = 2 (u + 0.5) / W - 1`` and ``y_ndc = 2 (v + 0.5) / H - 1``, so image row 0 lands on
    framebuffer row 0 and read-backs need no flip. This mirrors the image relative to GL's usual
    orientation: counter-clockwise triangles as seen by the camera rasterise clockwise.
    ``w_clip`` is the z-depth; GL depth maps ``near -> -1``, ``far -> +1``.
    """
    K = np.asarray(K, dtype=np.float64)
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    return np.array(
        [
            [2.0 * fx / width, 0.0, (2.0 * cx + 1.0) / width - 1.0, 0.0],
            [0.0, 2.0 * fy / height, (2.0 * cy + 1.0) / height - 1.0, 0.0],
            [0.0, 0.0, (far + near) / (far - near), -2.0 * far * near / (far - near)],
            [0.0, 0.0, 1.0, 0.0],
        ]
    )
