"""Quaternion helpers the motion layer needs beyond :mod:`phav.geometry` (all ``(x, y, z, w)``).

Every function accepts leading batch dimensions and returns ``float64`` arrays.
"""

from __future__ import annotations

import numpy as np

from phav.geometry import quat_conjugate, quat_multiply, quat_normalize


def quat_slerp(a: np.ndarray, b: np.ndarray, u: np.ndarray | float) -> np.ndarray:
    """Spherical interpolation from ``a`` (u=0) to ``b`` (u=1) along the shorter arc.

    Args:
        a, b: unit quaternions ``(..., 4)``.
        u: interpolation weight, broadcastable to ``(...)``.
    Returns:
        ``(..., 4)`` unit quaternions.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)[..., None]
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0.0, -b, b)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_theta = np.sin(theta)
    small = sin_theta < 1e-8
    safe = np.where(small, 1.0, sin_theta)
    wa = np.where(small, 1.0 - u, np.sin((1.0 - u) * theta) / safe)
    wb = np.where(small, u, np.sin(u * theta) / safe)
    out = wa * a + wb * b
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def quat_to_rotvec(q: np.ndarray) -> np.ndarray:
    """Rotation vectors ``(..., 3)`` (axis times angle in radians, angle in ``[0, pi]``)."""
    q = quat_normalize(q)
    v = q[..., :3]
    s = np.linalg.norm(v, axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(s, q[..., 3:4])
    scale = np.where(s < 1e-12, 2.0, angle / np.where(s < 1e-12, 1.0, s))
    return v * scale


def quat_from_rotvec(r: np.ndarray) -> np.ndarray:
    """Unit quaternions ``(..., 4)`` from rotation vectors ``(..., 3)`` in radians."""
    r = np.asarray(r, dtype=np.float64)
    angle = np.linalg.norm(r, axis=-1, keepdims=True)
    half = 0.5 * angle
    k = np.where(angle < 1e-12, 0.5, np.sin(half) / np.where(angle < 1e-12, 1.0, angle))
    return np.concatenate([r * k, np.cos(half)], axis=-1)


def quat_about_z(angle: np.ndarray | float) -> np.ndarray:
    """Rotation about world +Z (vertical) by ``angle`` radians: ``(..., 4)``."""
    half = 0.5 * np.asarray(angle, dtype=np.float64)
    zero = np.zeros_like(half)
    return np.stack([zero, zero, np.sin(half), np.cos(half)], axis=-1)


def heading(q: np.ndarray) -> np.ndarray:
    """Heading (yaw) in radians of orientations ``(..., 4)``: the angle of the body's +x axis
    projected on the ground plane, measured counter-clockwise from world +x. Shape ``(...)``."""
    q = np.asarray(q, dtype=np.float64)
    x, y, z, w = np.moveaxis(q, -1, 0)
    fx = 1.0 - 2.0 * (y * y + z * z)
    fy = 2.0 * (x * y + z * w)
    return np.arctan2(fy, fx)


def relative_rotvec(a: np.ndarray, b: np.ndarray, *, local: bool) -> np.ndarray:
    """Rotation vector taking ``a`` to ``b``: in ``a``'s own frame (``local``: ``a^-1 b``) or in the
    outer frame (``b a^-1``). Divide by a time step to get an angular velocity. ``(..., 3)``."""
    if local:
        d = quat_multiply(quat_conjugate(a), b)
    else:
        d = quat_multiply(b, quat_conjugate(a))
    return quat_to_rotvec(d)
