"""Rigid transforms with quaternions in ``(x, y, z, w)`` order (PyBullet's and SciPy's), and the
row-wise vector products they and the world builders share (:func:`cross_rows`, :func:`row_norms`).

All functions accept leading batch dimensions and return ``float64`` arrays.
"""

from __future__ import annotations

import numpy as np


def quat_normalize(q: np.ndarray) -> np.ndarray:
    """Unit quaternions ``(..., 4)``, with ``w >= 0`` (one canonical sign)."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., 3:4] < 0.0, -q, q)


def quat_conjugate(q: np.ndarray) -> np.ndarray:
    """Inverse of unit quaternions ``(..., 4)``."""
    q = np.asarray(q, dtype=np.float64)
    return np.concatenate([-q[..., :3], q[..., 3:]], axis=-1)


def quat_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a * b`` (apply ``b`` first, then ``a``), shapes ``(..., 4)``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ax, ay, az, aw = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bx, by, bz, bw = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ],
        axis=-1,
    )


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v (..., 3)`` by unit quaternions ``q (..., 4)``."""
    q = np.asarray(q, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    # v + w t + u x t with t = 2 u x v, written out: the products and differences np.cross forms,
    # in its order (so the same numbers), without its overhead on the small arrays called here often
    u0, u1, u2, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    v0, v1, v2 = v[..., 0], v[..., 1], v[..., 2]
    t0 = 2.0 * (u1 * v2 - u2 * v1)
    t1 = 2.0 * (u2 * v0 - u0 * v2)
    t2 = 2.0 * (u0 * v1 - u1 * v0)
    return np.stack([v0 + w * t0 + (u1 * t2 - u2 * t1),
                     v1 + w * t1 + (u2 * t0 - u0 * t2),
                     v2 + w * t2 + (u0 * t1 - u1 * t0)], axis=-1)


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` from unit quaternions ``(..., 4)``."""
    q = np.asarray(q, dtype=np.float64)
    x, y, z, w = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


def quat_from_axis_angle(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Quaternions ``(..., 4)`` rotating by ``angle`` radians about unit ``axis (..., 3)``."""
    axis = np.asarray(axis, dtype=np.float64)
    half = 0.5 * np.asarray(angle, dtype=np.float64)[..., None]
    return np.concatenate([axis * np.sin(half), np.cos(half)], axis=-1)


def quat_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation angle in radians between unit quaternions ``a`` and ``b`` (``(...)``)."""
    d = np.abs(np.sum(np.asarray(a) * np.asarray(b), axis=-1))
    return 2.0 * np.arccos(np.clip(d, 0.0, 1.0))


def pose_matrix(position: np.ndarray, quat: np.ndarray) -> np.ndarray:
    """Homogeneous 4x4 transforms ``(..., 4, 4)`` from positions ``(..., 3)`` and quaternions."""
    position = np.asarray(position, dtype=np.float64)
    rot = quat_to_matrix(quat)
    out = np.zeros(rot.shape[:-2] + (4, 4))
    out[..., :3, :3] = rot
    out[..., :3, 3] = position
    out[..., 3, 3] = 1.0
    return out


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply 4x4 ``matrix`` to points ``(N, 3)``; returns ``(N, 3)``."""
    matrix = np.asarray(matrix, dtype=np.float64)
    points = np.asarray(points, dtype=np.float64)
    return points @ matrix[:3, :3].T + matrix[:3, 3]


def cross_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products ``a x b`` of 3-vectors along the last axis: ``(..., 3)`` each, broadcast against
    each other (one ``(3,)`` vector against ``(K, 3)`` rows works); returns ``(..., 3)``.

    The same products and differences as ``np.cross``, in its order (so the same numbers, bit for bit),
    without its overhead on the small arrays world building passes.

    Raises:
        ValueError: the last axis of ``a`` or ``b`` is not 3 long.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape == (3,) and b.shape == (3,):  # one pair: scalar arithmetic (array operations on 0-d views cost ~8x)
        return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])
    if a.shape[-1:] != (3,) or b.shape[-1:] != (3,):
        raise ValueError(f"cross_rows needs 3-vectors along the last axis, got shapes {a.shape} and {b.shape}")
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def row_norms(v: np.ndarray) -> np.ndarray:
    """Euclidean lengths of the vectors along the last axis: ``(..., K) -> (...)``.

    Each length is one dot product (BLAS), as ``np.linalg.norm`` forms for a single vector: row by row
    the same numbers as ``np.linalg.norm(row)``. ``np.linalg.norm(v, axis=-1)`` sums the squares in
    order instead and differs from these in the last bit for about one row in ten, so a caller whose
    numbers must not move keeps the form it had.
    """
    v = np.asarray(v, dtype=np.float64)
    return np.sqrt(np.vecdot(v, v))
