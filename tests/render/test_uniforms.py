"""Per-take CPU data of phav.render.uniforms (no GL): the model-views, bone palettes and frame
blocks computed for every frame at once (the frame blocks of a camera that does not zoom with one
projection) equal the per-frame definitions bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from phav.geometry import pose_matrix, quat_normalize
from phav.render.uniforms import frame_block, frame_blocks, skin_matrices, take_model_views

from render_scenes import box_mesh, default_camera, make_take, person_take, plane_mesh

def world_take(T: int):
    """Nine parts, most still, under a moving camera: part 1 moves every frame, part 2 turns to the
    opposite quaternion sign (the same rotation) at the middle frame only, part 3's position is
    ``-0.0`` instead of ``0.0`` at the last frame, part 4 moves at the middle frame only (so 2, 3 and
    4 have the same pose, as numbers, at the first and last frames). Quaternions are not unit and
    some have ``w < 0`` (normalised and flipped per frame)."""
    P = 9
    rng = np.random.default_rng(11)
    meshes = [plane_mesh()] + [box_mesh() for _ in range(P - 1)]
    positions = np.repeat(rng.normal(0.0, 3.0, (1, P, 3)), T, axis=0)
    quats = np.repeat(rng.normal(size=(1, P, 4)) * rng.uniform(0.5, 2.0, (1, P, 1)), T, axis=0)
    if T > 1:
        positions[:, 1] += 0.1 * np.arange(T)[:, None]
        quats[T // 2, 2] *= -1.0
        positions[:, 3, 0] = 0.0
        positions[-1, 3, 0] = -0.0
        positions[T // 2, 4, 2] += 1e-9
    cameras = np.stack([default_camera(64, 48, eye=(0.3 * t, -6.0, 2.0 + 0.1 * t))[1] for t in range(T)])
    K, _ = default_camera(64, 48)
    return make_take(meshes, positions, quats, cameras, K, 64, 48)


@pytest.mark.parametrize("T", [1, 2, 3, 7])
def test_model_views_of_still_and_moving_parts_equal_the_per_frame_definition_bit_for_bit(T):
    """Every frame's model-views at once, as frame by frame (parts moving at some frames only)."""
    take = world_take(T)
    P = take.num_parts
    every = take_model_views(take)
    assert every.shape == (T, P, 4, 4) and every.dtype == np.float64
    for t in range(T):
        want = take.camera_world_to_camera[t] @ pose_matrix(take.part_pos[t], quat_normalize(take.part_quat[t]))
        assert every[t].tobytes() == want.tobytes(), t


def test_model_views_of_a_take_without_parts_or_with_only_still_ones():
    take = world_take(4)
    for parts in ([], [0], [0, 5, 6]):
        take.part_pos, take.part_quat = world_take(4).part_pos[:, parts], world_take(4).part_quat[:, parts]
        every = take_model_views(take)
        assert every.shape == (4, len(parts), 4, 4)
        for t in range(4):
            want = take.camera_world_to_camera[t] @ pose_matrix(take.part_pos[t], quat_normalize(take.part_quat[t]))
            assert every[t].tobytes() == want.tobytes(), (parts, t)


def test_bone_palettes_of_a_person_in_a_still_world_equal_the_per_frame_definition():
    """A person's bone parts move, the world's parts around them do not (more of them than bones)."""
    take = person_take(64, 48, T=3, step=(0.1, 0.05, 0.0))
    (skin,) = take.skins
    P, still = take.num_parts, 4 * take.num_parts
    take.part_pos = np.concatenate([take.part_pos, np.repeat(np.arange(3.0 * still).reshape(1, still, 3), 3, axis=0)], axis=1)
    take.part_quat = np.concatenate([take.part_quat, np.tile([0.0, 0.0, 0.6, 0.8], (3, still, 1))], axis=1)
    matrices = skin_matrices(skin, take_model_views(take))
    for t in range(3):
        m = (take.camera_world_to_camera[t] @ pose_matrix(take.part_pos[t, :P], quat_normalize(take.part_quat[t, :P])))
        want = np.swapaxes(m[skin.bone_parts] @ skin.inverse_bind, -1, -2).astype(np.float32)
        assert matrices[t].tobytes() == want.tobytes(), t


@pytest.mark.parametrize("T", [1, 4])
def test_frame_blocks_of_a_camera_that_does_not_zoom_equal_the_per_frame_ones(T):
    """One projection for every frame (the intrinsics are the same bits); the camera moves and the
    sun turns, so the other entries change from frame to frame."""
    take = world_take(T)
    take.sun_direction = np.random.default_rng(5).normal(size=(T, 3))
    blocks = frame_blocks(take, 0.05, 300.0)
    for t in range(T):
        assert blocks[t].tobytes() == frame_block(take, t, 0.05, 300.0).tobytes(), t
