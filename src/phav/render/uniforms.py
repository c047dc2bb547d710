"""Per-frame GPU data packed from a :class:`~phav.take.Take` with numpy (no GL here).

* :func:`frame_block`: the ``FrameData`` std140 uniform block of ``shaders/frame_block.glsl``.
* :func:`part_table`: the ``(P, 10, 4) float32`` part table; ``shaders/mesh.vert`` reads every
  part's row from one uniform block (:mod:`phav.render.part_batch`) with the vertex's part.
  :class:`PartTables` holds what every frame's table is made of, computed once per take from
  :func:`take_model_views`, and gives the tables of a run of frames (a window,
  :mod:`phav.render.frame_window`) in one gather.
* :func:`bone_tables`: a skin's ``(B, 12, 4) float32`` bone palette (linear blend skinning) of each
  frame of a window, picked from :func:`skin_matrices` (every frame's, computed once per take).

Model-view matrices are composed in float64 on the CPU and only then rounded to float32, so large
world coordinates do not cost precision on the GPU.
"""

from __future__ import annotations

import numpy as np

from phav.camera import gl_projection
from phav.geometry import pose_matrix, quat_normalize
from phav.take import Skin, Take

#: Floats in the FrameData block: 4 mat4 + 9 vec4.
FRAME_BLOCK_FLOATS = 4 * 16 + 9 * 4
#: vec4 entries per part in the part table: the top three rows of the (affine) model-view at t (3),
#: at t+1 (3), at t-1 (3), instance (1).
PART_TABLE_COLUMNS = 10
#: Texel columns per bone in a skin's bone palette: skinning model-view at t, t+1, t-1.
BONE_TABLE_COLUMNS = 12


def next_index(take: Take, t: int) -> int:
    """The frame whose pose is used as "t+1" for frame ``t`` (``t`` itself on the last frame)."""
    return min(t + 1, take.num_frames - 1)


def prev_index(take: Take, t: int) -> int:
    """The frame whose pose is used as "t-1" for frame ``t`` (``t`` itself on the first frame)."""
    return max(t - 1, 0)


def frame_neighbours(take: Take, first: int, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames ``first .. first + count - 1`` as ``(count,)`` indices, with their :func:`next_index`
    and :func:`prev_index` (clamped to the take)."""
    frames = np.arange(first, first + count)
    return frames, np.minimum(frames + 1, take.num_frames - 1), np.maximum(frames - 1, 0)


def _mat4_std140(m: np.ndarray) -> np.ndarray:
    """Column-major float32 of a 4x4 (GLSL's default mat4 layout)."""
    return np.asarray(m, dtype=np.float64).T.astype(np.float32).ravel()


def sky_homography(take: Take, t: int) -> np.ndarray:
    """``(3, 3) float64`` mapping output pixels at ``t`` to ``t+1`` for directions at infinity.

    ``H = K_{t+1} R_{t+1} R_t^T K_t^{-1}`` with ``R`` the world-to-camera rotations.
    """
    n = next_index(take, t)
    R0 = take.camera_world_to_camera[t, :3, :3]
    R1 = take.camera_world_to_camera[n, :3, :3]
    return take.camera_K[n] @ R1 @ R0.T @ np.linalg.inv(take.camera_K[t])


def frame_block(take: Take, t: int, near: float, far: float) -> np.ndarray:
    """``(FRAME_BLOCK_FLOATS,) float32`` FrameData for frame ``t`` (see ``frame_block.glsl``)."""
    n = next_index(take, t)
    W, H = take.width, take.height
    rot = take.camera_world_to_camera[t, :3, :3]
    K = take.camera_K[t]
    homography = np.eye(4)
    homography[:3, :3] = sky_homography(take, t)
    sun = rot @ np.asarray(take.sun_direction[t], dtype=np.float64)
    sun /= max(np.linalg.norm(sun), 1e-12)

    def vec4(v: np.ndarray, w: float = 0.0) -> np.ndarray:
        return np.array([*np.asarray(v, dtype=np.float64)[:3], w])

    parts = [
        _mat4_std140(gl_projection(K, W, H, near, far)),
        _mat4_std140(gl_projection(take.camera_K[n], W, H, near, far)),
        _mat4_std140(homography),
        _mat4_std140(gl_projection(take.camera_K[prev_index(take, t)], W, H, near, far)),
        np.array([K[0, 0], K[1, 1], K[0, 2], K[1, 2]]),
        np.array([W, H, 1.0 / W, 1.0 / H]),
        vec4(sun),
        vec4(take.sun_color[t]),
        vec4(take.sky_zenith[t]),
        vec4(take.sky_horizon[t]),
        vec4(take.ambient[t]),
        vec4(rot @ np.array([0.0, 0.0, 1.0])),
        np.array([1.0 if n != t else 0.0, 1.0 if prev_index(take, t) != t else 0.0, 0.0, 0.0]),
    ]
    out = np.concatenate([np.asarray(p, dtype=np.float32).ravel() for p in parts])
    assert out.size == FRAME_BLOCK_FLOATS
    return out


def _projections(K: np.ndarray, width: int, height: int, near: float, far: float) -> np.ndarray:
    """``(T, 4, 4) float64`` :func:`~phav.camera.gl_projection` of each of the ``(T, 3, 3)``
    intrinsics ``K`` (called once per distinct ``K``: a take's camera rarely zooms)."""
    out = np.empty((len(K), 4, 4))
    bits = np.ascontiguousarray(K, dtype=np.float64).reshape(len(K), 9).view(np.uint64)
    if len(K) and (bits == bits[:1]).all():  # the same bits at every frame: one projection
        out[:] = gl_projection(K[0], width, height, near, far)
        return out
    distinct: dict[bytes, np.ndarray] = {}
    for t, k in enumerate(K):
        key = k.tobytes()
        proj = distinct.get(key)
        if proj is None:
            proj = distinct[key] = gl_projection(k, width, height, near, far)
        out[t] = proj
    return out


def frame_blocks(take: Take, near: float, far: float) -> np.ndarray:
    """``(T, FRAME_BLOCK_FLOATS) float32``: :func:`frame_block` of every frame, bit for bit, in one
    vectorised pass (the renderer computes them once per take)."""
    T, W, H = take.num_frames, take.width, take.height
    frames, nxt, prv = frame_neighbours(take, 0, T)
    K = np.asarray(take.camera_K, dtype=np.float64)  # (T, 3, 3), as gl_projection takes it
    rot = np.asarray(take.camera_world_to_camera)[:, :3, :3]  # in the take's dtype, as frame_block
    proj = _projections(K, W, H, near, far)
    homography = np.zeros((T, 4, 4))
    K_take = np.asarray(take.camera_K)
    homography[:, :3, :3] = K_take[nxt] @ rot[nxt] @ np.swapaxes(rot, -1, -2) @ np.linalg.inv(K_take)
    homography[:, 3, 3] = 1.0
    sun = (rot @ np.asarray(take.sun_direction, dtype=np.float64)[:, :, None])[:, :, 0]
    # Per frame v.dot(v), the dot np.linalg.norm takes of a vector (a stacked row @ column is the
    # same dot product, not a sum of squares that could round differently), as frame_block.
    squared = (sun[:, None, :] @ sun[:, :, None])[:, 0, 0]
    sun /= np.maximum(np.sqrt(squared), 1e-12)[:, None]
    out = np.zeros((T, FRAME_BLOCK_FLOATS), dtype=np.float32)
    col = 0

    def put(values: np.ndarray) -> None:
        nonlocal col
        values = values.reshape(T, -1)
        out[:, col:col + values.shape[1]] = values  # float64 -> float32, rounded once
        col += values.shape[1]

    std140 = np.swapaxes(proj, -1, -2)  # column-major
    for m in (std140, std140[nxt], np.swapaxes(homography, -1, -2), std140[prv]):
        put(m)
    put(np.stack([K[:, 0, 0], K[:, 1, 1], K[:, 0, 2], K[:, 1, 2]], axis=1))
    put(np.tile([W, H, 1.0 / W, 1.0 / H], (T, 1)))
    up = (rot @ np.array([[0.0], [0.0], [1.0]]))[:, :, 0]  # a product, as frame_block: 0 * -x gives +0
    for v in (sun, take.sun_color, take.sky_zenith, take.sky_horizon, take.ambient, up):
        put(np.asarray(v, dtype=np.float64)[:, :3])
        col += 1  # w = 0
    put(np.stack([nxt != frames, prv != frames, np.zeros(T), np.zeros(T)], axis=1).astype(np.float64))
    assert col == FRAME_BLOCK_FLOATS
    return out


def take_model_views(take: Take) -> np.ndarray:
    """``(T, P, 4, 4) float64``: every part's model-view at every frame, with that frame's camera."""
    model = pose_matrix(take.part_pos, quat_normalize(take.part_quat))  # (T, P, 4, 4)
    return take.camera_world_to_camera[:, None] @ model


class PartTables:
    """Every frame's part table (:func:`part_table`) of a take, from what is computed once per take:
    the top three rows of every part's model-view at every frame, rounded to float32 once
    (``(T, P, 3, 4)``), and the instance column. :meth:`tables` gathers the tables of a run of
    frames.

    Args:
        take: the take (its arrays must not change afterwards).
        model_views: :func:`take_model_views` of ``take``, if computed already.
    """

    def __init__(self, take: Take, model_views: np.ndarray | None = None):
        mv = take_model_views(take) if model_views is None else model_views
        self._take = take
        self._rows = mv[:, :, :3, :].astype(np.float32)  # (T, P, 3, 4); the fourth row is (0, 0, 0, 1)
        self._instance = np.asarray(take.part_instance, dtype=np.float32)

    def tables(self, first: int, count: int) -> np.ndarray:
        """``(count, max(P, 1), PART_TABLE_COLUMNS, 4) float32``: the part tables of frames
        ``first .. first + count - 1`` (zeros without parts), a new array."""
        take, P = self._take, self._take.num_parts
        out = np.zeros((count, max(P, 1), PART_TABLE_COLUMNS, 4), dtype=np.float32)
        if P:
            for k, frames in enumerate(frame_neighbours(take, first, count)):  # t, t+1, t-1
                out[:, :, 3 * k:3 * k + 3] = self._rows[frames]
            out[:, :, 9, 0] = self._instance
        return out


def part_table(take: Take, t: int) -> np.ndarray:
    """``(P, PART_TABLE_COLUMNS, 4) float32``: per part the top three rows of the model-view matrix
    at ``t`` (entries 0-2, matrix rows), at ``t+1`` (3-5, camera at ``t+1``), at ``t-1`` (6-8,
    camera at ``t-1``) and ``(instance, 0, 0, 0)`` (9). Model-views are rigid transforms, so their
    fourth row is ``(0, 0, 0, 1)`` (the shader adds it back): 10 loads per vertex instead of 13.
    Computes the whole take's :class:`PartTables` for one frame: the renderer keeps those."""
    return PartTables(take).tables(t, 1)[0]


def skin_matrices(skin: Skin, model_views: np.ndarray) -> np.ndarray:
    """``(T, B, 4, 4) float32``: the skinning matrix ``model_view(part) @ inverse_bind`` of every
    bone of ``skin`` at every frame of ``model_views`` (:func:`take_model_views`), transposed
    (GLSL's column-major layout); composed in float64, rounded once."""
    m = np.take(model_views, skin.bone_parts, axis=1) @ skin.inverse_bind[None]  # (T, B, 4, 4)
    return np.swapaxes(m, -1, -2).astype(np.float32)


def bone_tables(take: Take, first: int, count: int, matrices: np.ndarray) -> np.ndarray:
    """``(count, B, BONE_TABLE_COLUMNS, 4) float32``: the bone palette of one skin at each of frames
    ``first .. first + count - 1``: per bone its skinning matrix at ``t`` (columns 0-3), ``t+1``
    (4-7) and ``t-1`` (8-11), from the skin's :func:`skin_matrices`."""
    return np.concatenate([matrices[frames] for frames in frame_neighbours(take, first, count)], axis=2)
