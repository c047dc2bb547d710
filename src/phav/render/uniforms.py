"""Per-frame GPU data packed from a :class:`~phav.take.Take` with numpy (no GL here).

* :func:`frame_block`: the ``FrameData`` std140 uniform block of ``shaders/frame_block.glsl``.
* :func:`part_table`: the ``(P, 10, 4) float32`` part table; ``shaders/mesh.vert`` reads every
  part's row from one uniform block (:mod:`phav.render.part_batch`) with the vertex's part. Made from
  :func:`part_model_views` (per frame, or picked from :func:`take_model_views`, computed once per take).
* :func:`bone_table`: a skin's ``(B, 12, 4) float32`` bone palette (linear blend skinning).

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


def frame_blocks(take: Take, near: float, far: float) -> np.ndarray:
    """``(T, FRAME_BLOCK_FLOATS) float32``: :func:`frame_block` of every frame, bit for bit, in one
    vectorised pass (the renderer computes them once per take)."""
    T, W, H = take.num_frames, take.width, take.height
    frames = np.arange(T)
    nxt, prv = np.minimum(frames + 1, T - 1), np.maximum(frames - 1, 0)
    K = np.asarray(take.camera_K, dtype=np.float64)  # (T, 3, 3), as gl_projection takes it
    rot = np.asarray(take.camera_world_to_camera)[:, :3, :3]  # in the take's dtype, as frame_block
    proj = np.zeros((T, 4, 4))  # gl_projection of every frame, the same arithmetic
    proj[:, 0, 0] = 2.0 * K[:, 0, 0] / W
    proj[:, 0, 2] = (2.0 * K[:, 0, 2] + 1.0) / W - 1.0
    proj[:, 1, 1] = 2.0 * K[:, 1, 1] / H
    proj[:, 1, 2] = (2.0 * K[:, 1, 2] + 1.0) / H - 1.0
    proj[:, 2, 2] = (far + near) / (far - near)
    proj[:, 2, 3] = -2.0 * far * near / (far - near)
    proj[:, 3, 2] = 1.0
    homography = np.zeros((T, 4, 4))
    K_take = np.asarray(take.camera_K)
    homography[:, :3, :3] = K_take[nxt] @ rot[nxt] @ np.swapaxes(rot, -1, -2) @ np.linalg.inv(K_take)
    homography[:, 3, 3] = 1.0
    sun = (rot @ np.asarray(take.sun_direction, dtype=np.float64)[:, :, None])[:, :, 0]
    sun /= np.array([[max(np.linalg.norm(v), 1e-12)] for v in sun])  # per frame, as frame_block
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
    """``(T, P, 4, 4) float64``: every part's model-view at every frame, with that frame's camera
    (the same values :func:`part_model_views` computes frame by frame, in one vectorised pass)."""
    model = pose_matrix(take.part_pos, quat_normalize(take.part_quat))  # (T, P, 4, 4)
    return take.camera_world_to_camera[:, None] @ model


def part_model_views(take: Take, t: int, all_frames: np.ndarray | None = None) -> np.ndarray:
    """``(3, P, 4, 4) float64``: every part's model-view at ``t``, ``t+1`` and ``t-1``, each with
    the camera of that frame. ``all_frames``: :func:`take_model_views`' result to pick them from."""
    if all_frames is not None:
        return all_frames[[t, next_index(take, t), prev_index(take, t)]]
    out = []
    for frame in (t, next_index(take, t), prev_index(take, t)):
        model = pose_matrix(take.part_pos[frame], quat_normalize(take.part_quat[frame]))  # (P, 4, 4)
        out.append(take.camera_world_to_camera[frame] @ model)
    return np.stack(out)


def part_table(take: Take, t: int, model_views: np.ndarray | None = None) -> np.ndarray:
    """``(P, PART_TABLE_COLUMNS, 4) float32``: per part the top three rows of the model-view matrix
    at ``t`` (entries 0-2, matrix rows), at ``t+1`` (3-5, camera at ``t+1``), at ``t-1`` (6-8,
    camera at ``t-1``) and ``(instance, 0, 0, 0)`` (9). Model-views are rigid transforms, so their
    fourth row is ``(0, 0, 0, 1)`` (the shader adds it back): 10 loads per vertex instead of 13.
    ``model_views`` reuses :func:`part_model_views`' result."""
    P = take.num_parts
    out = np.zeros((max(P, 1), PART_TABLE_COLUMNS, 4), dtype=np.float32)
    if P == 0:
        return out
    mv = part_model_views(take, t) if model_views is None else model_views
    for k in range(3):
        out[:, 3 * k:3 * k + 3, :] = mv[k][:, :3, :]  # entry 3k + i = matrix row i
    out[:, 9, 0] = np.asarray(take.part_instance, dtype=np.float32)
    return out


def bone_table(skin: Skin, model_views: np.ndarray) -> np.ndarray:
    """``(B, BONE_TABLE_COLUMNS, 4) float32`` skinning matrices of one skin: per bone
    ``model_view(part) @ inverse_bind`` at ``t`` (columns 0-3), ``t+1`` (4-7) and ``t-1`` (8-11);
    ``model_views`` from :func:`part_model_views`. Composed in float64, rounded once."""
    m = model_views[:, skin.bone_parts] @ skin.inverse_bind[None]  # (3, B, 4, 4)
    return np.concatenate(list(np.swapaxes(m, -1, -2)), axis=1).astype(np.float32)
