"""Ground truth against analytic oracles: depth, flow, validity, labels (DESIGN §7)."""

from __future__ import annotations

import numpy as np
import pytest

from phav.camera import intrinsics, look_at, project, unproject
from phav.geometry import quat_from_axis_angle, transform_points
from phav.labels import NUM_CLASSES
from phav.render import Renderer, RenderSettings

from render_scenes import (SKY_CLASS, box_mesh, interior_mask, make_take, pixel_grid,
                           plane_mesh, pose4, ray_box_depth, rigid_flow)

pytestmark = pytest.mark.gl

W, H = 128, 96
HALF = np.array([0.5, 0.4, 0.3])


def moving_box_take(T: int = 3):
    """A box translating and rotating in front of a fixed camera (no ground)."""
    K = intrinsics(W, H, 55.0)
    w2c = look_at(np.array([0.3, -2.6, 1.2]), np.array([0.0, 0.0, 0.4]))
    axis = np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])
    pos = np.array([[[0.05 * t, 0.03 * t, 0.4 + 0.02 * t]] for t in range(T)])
    quat = np.array([[quat_from_axis_angle(axis, np.array(0.3 + 0.06 * t))] for t in range(T)])
    take = make_take([box_mesh(HALF)], pos, quat, w2c, K, W, H)
    return take, K, w2c


def render_all(take, modalities=("depth", "flow", "classgt", "instancegt"), settings=RenderSettings(), width=W, height=H):
    with Renderer(width, height, settings) as r:
        return list(r.render_take(take, modalities))


def test_depth_matches_ray_box_intersection_and_unprojects_onto_surface():
    take, K, w2c = moving_box_take(T=1)
    (frame,) = render_all(take, ("depth",))
    box_pose = pose4(take.part_pos[0, 0], take.part_quat[0, 0])
    expected = ray_box_depth(K, w2c, box_pose, HALF, W, H)
    hit = np.isfinite(expected)
    inner = interior_mask(hit, 1)
    assert inner.sum() > 500
    assert np.array_equal(np.isinf(frame.depth[inner]), np.zeros(inner.sum(), bool))
    assert np.max(np.abs(frame.depth[inner] - expected[inner])) < 1e-3
    assert np.all(np.isinf(frame.depth[interior_mask(~hit, 1)]))
    # Unproject onto the box surface: in the box frame, the largest |coord|/half is 1.
    uv = pixel_grid(W, H)[inner]
    world = unproject(uv, frame.depth[inner], K, w2c)
    local = transform_points(np.linalg.inv(box_pose), world)
    dist_to_surface = np.max(np.abs(local) - HALF, axis=1)
    assert np.max(np.abs(dist_to_surface)) < 1e-3


def test_depth_of_plane_facing_camera():
    K = intrinsics(W, H, 60.0)
    w2c = np.eye(4)  # camera frame = world frame: looking along world +Z
    # The plane (normal +Z in its frame) is turned to face the camera and put 3.25 m ahead.
    q = quat_from_axis_angle(np.array([1.0, 0.0, 0.0]), np.array(np.pi))  # normal +Z -> -Z
    take = make_take([plane_mesh(50.0)], np.array([[[0.0, 0.0, 3.25]]]), q[None, None], w2c, K, W, H)
    (frame,) = render_all(take, ("depth", "classgt"))
    assert np.max(np.abs(frame.depth - 3.25)) < 1e-3
    assert np.all(frame.semantic == 0)


def test_flow_of_translating_and_rotating_box_matches_analytic_motion():
    take, K, w2c = moving_box_take(T=3)
    frames = render_all(take, ("depth", "flow"))
    assert [f.index for f in frames] == [0, 1, 2]
    for t in range(2):
        f = frames[t]
        pose0 = pose4(take.part_pos[t, 0], take.part_quat[t, 0])
        pose1 = pose4(take.part_pos[t + 1, 0], take.part_quat[t + 1, 0])
        expected = rigid_flow(K, w2c, pose0, K, w2c, pose1, f.depth)
        inner = interior_mask(np.isfinite(f.depth), 2)
        assert inner.sum() > 500
        err = np.abs(f.flow[inner] - expected[inner])
        assert np.max(np.abs(expected[inner])) > 1.0  # the motion is not trivial
        assert err.max() < 0.01, f"frame {t}: max flow error {err.max():.4f} px"
        assert f.flow.dtype == np.float32 and f.flow.shape == (H, W, 2)
        assert f.flow_valid.dtype == bool and f.flow_valid[inner].mean() > 0.9
    last = frames[-1]
    assert np.all(last.flow == 0) and not last.flow_valid.any()


def test_flow_with_moving_camera_and_sky_homography():
    K = intrinsics(W, H, 50.0)
    eye0, eye1 = np.array([0.0, -6.0, 1.5]), np.array([0.4, -5.8, 1.6])
    w2c = np.stack([look_at(eye0, np.array([0.0, 0.0, 1.0])), look_at(eye1, np.array([0.3, 0.0, 1.1]))])
    q = np.tile([0.0, 0.0, 0.0, 1.0], (2, 1, 1))
    pos = np.tile([0.0, 0.0, 0.8], (2, 1, 1))
    take = make_take([box_mesh(HALF)], pos, q, w2c, K, W, H)
    f0, _ = render_all(take, ("depth", "flow"))
    box = pose4(pos[0, 0], q[0, 0])
    expected = rigid_flow(K, w2c[0], box, K, w2c[1], box, f0.depth)
    inner = interior_mask(np.isfinite(f0.depth), 2)
    assert np.max(np.abs(f0.flow[inner] - expected[inner])) < 0.01
    # Sky: directions at infinity move by the rotation only.
    sky = interior_mask(np.isinf(f0.depth), 2)
    uv = pixel_grid(W, H)[sky]
    dirs = np.concatenate([(uv - K[:2, 2]) / np.diag(K)[:2], np.ones((len(uv), 1))], axis=1)
    far_world = transform_points(np.linalg.inv(w2c[0]), dirs * 1e7)
    uv1, z1 = project(far_world, K, w2c[1])
    assert np.all(z1 > 0)
    assert np.max(np.abs(f0.flow[sky] - (uv1 - uv))) < 0.01
    inside = (uv1[:, 0] >= -0.5) & (uv1[:, 0] < W - 0.5) & (uv1[:, 1] >= -0.5) & (uv1[:, 1] < H - 0.5)
    # Sky pixels that stay inside and land on sky are valid; those that leave are not.
    assert not f0.flow_valid[sky][~inside].any()
    assert f0.flow_valid[sky][inside].mean() > 0.9


def test_validity_false_where_occluded_or_leaving_the_image():
    K = intrinsics(W, H, 50.0)
    w2c = look_at(np.array([0.0, -6.0, 1.0]), np.array([0.0, 0.0, 1.0]))
    ground = plane_mesh(40.0)
    wall = box_mesh((1.0, 0.1, 0.6), color=(0.2, 0.6, 0.9), semantic=4, name="wall")
    mover = box_mesh((0.25, 0.25, 0.25), color=(0.9, 0.9, 0.1), semantic=30, name="mover")
    leaver = box_mesh((0.2, 0.2, 0.2), color=(0.9, 0.2, 0.9), semantic=11, name="leaver")
    T = 2
    pos = np.zeros((T, 4, 3))
    pos[:, 1] = [0.0, 0.0, 1.0]                     # wall, static
    pos[:, 2] = [[-1.6, -2.0, 1.0], [0.0, -2.0, 1.0]]  # mover slides in front of the wall's centre
    pos[:, 3] = [[2.0, 0.0, 1.6], [6.0, 0.0, 1.6]]     # leaver exits to the right
    q = np.tile([0.0, 0.0, 0.0, 1.0], (T, 4, 1))
    take = make_take([ground, wall, mover, leaver], pos, q, w2c, K, W, H, instance_ids=[0, 1, 2, 3])
    f0, f1 = render_all(take)
    # Wall pixels covered by the mover at t+1 are invalid at t; uncovered wall pixels stay valid.
    wall_t = interior_mask(f0.instance == 1, 2)
    mover_t1 = interior_mask(f1.instance == 2, 2)
    covered = wall_t & mover_t1  # static wall: same pixel at t+1
    assert covered.sum() > 20
    assert not f0.flow_valid[covered].any()
    free = wall_t & ~(f1.instance == 2) & interior_mask(~(f1.instance == 2), 2)
    assert free.sum() > 20 and f0.flow_valid[free].all()
    # The leaver leaves the image.
    leaving = interior_mask(f0.instance == 3, 1)
    assert leaving.sum() > 10
    target_u = pixel_grid(W, H)[..., 0] + f0.flow[..., 0]
    assert np.all(target_u[leaving] >= W - 0.5)
    assert not f0.flow_valid[leaving].any()


def test_labels_and_sky():
    take, K, w2c = moving_box_take(T=1)
    ground = plane_mesh(6.0)
    pos = np.concatenate([take.part_pos, np.zeros((1, 1, 3))], axis=1)
    q = np.concatenate([take.part_quat, np.tile([0, 0, 0, 1.0], (1, 1, 1))], axis=1)
    take = make_take([take.meshes[0], ground], pos, q, w2c, K, W, H, instance_ids=[7, 0])
    (f,) = render_all(take)
    assert f.semantic.dtype == np.uint8 and f.instance.dtype == np.uint16 and f.depth.dtype == np.float32
    assert set(np.unique(f.semantic)) == {0, SKY_CLASS, 30}
    assert f.semantic.max() < NUM_CLASSES
    assert set(np.unique(f.instance)) == {0, 7}
    assert np.array_equal(f.instance == 7, f.semantic == 30)
    sky = f.semantic == SKY_CLASS
    assert sky.any() and np.all(np.isinf(f.depth[sky])) and np.all(np.isfinite(f.depth[~sky]))
    assert np.all(f.instance[sky] == 0)


@pytest.mark.parametrize("cull", [False, True])
def test_closed_cube_renders_front_faces(cull):
    K = intrinsics(W, H, 50.0)
    w2c = look_at(np.array([2.0, -2.4, 1.6]), np.zeros(3))
    take = make_take([box_mesh(HALF)], np.zeros((1, 1, 3)), np.tile([0, 0, 0, 1.0], (1, 1, 1)), w2c, K, W, H)
    (f,) = render_all(take, ("depth", "raw"), settings=RenderSettings(cull_back_faces=cull))
    expected = ray_box_depth(K, w2c, np.eye(4), HALF, W, H)
    inner = interior_mask(np.isfinite(expected), 1)
    assert inner.sum() > 500
    assert np.max(np.abs(f.depth[inner] - expected[inner])) < 1e-3
    # Three faces are visible with three different shades: front faces are lit from outside.
    shades = {tuple(c) for c in f.raw[inner].reshape(-1, 3)}
    assert len(shades) >= 3


def test_warping_next_frame_by_flow_reproduces_frame():
    K = intrinsics(W, H, 50.0)
    w2c = look_at(np.array([0.0, -5.0, 2.5]), np.array([0.0, 0.0, 0.3]))
    rng = np.random.default_rng(0)
    box = box_mesh((0.6, 0.6, 0.6), semantic=30)
    box.colors = rng.uniform(0.1, 0.9, size=box.colors.shape).astype(np.float32)  # texture across faces
    ground = plane_mesh(30.0)
    T = 2
    pos = np.array([[[0.0, 0.0, 0.6], [0, 0, 0]], [[0.08, 0.0, 0.6], [0, 0, 0]]])
    q = np.stack([np.stack([quat_from_axis_angle(np.array([0, 0, 1.0]), np.array(a)), [0, 0, 0, 1.0]])
                  for a in (0.2, 0.25)])
    take = make_take([box, ground], pos, q, w2c, K, W, H, instance_ids=[1, 0])
    settings = RenderSettings(ssaa=1)
    f0, f1 = render_all(take, ("raw", "flow", "depth"), settings=settings)
    grid = pixel_grid(W, H)
    target = grid + f0.flow
    # Bilinear sample of frame t+1 at the flow targets.
    x, y = target[..., 0], target[..., 1]
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    ax, ay = (x - x0)[..., None], (y - y0)[..., None]
    x0c, x1c = np.clip(x0, 0, W - 1), np.clip(x0 + 1, 0, W - 1)
    y0c, y1c = np.clip(y0, 0, H - 1), np.clip(y0 + 1, 0, H - 1)
    img = f1.raw.astype(np.float64)
    warped = ((1 - ax) * (1 - ay) * img[y0c, x0c] + ax * (1 - ay) * img[y0c, x1c]
              + (1 - ax) * ay * img[y1c, x0c] + ax * ay * img[y1c, x1c])
    valid = interior_mask(f0.flow_valid & np.isfinite(f0.depth), 2)
    assert valid.sum() > 1000
    err = np.abs(warped[valid] - f0.raw[valid].astype(np.float64)).mean()
    baseline = np.abs(img[valid] - f0.raw[valid].astype(np.float64)).mean()  # without warping
    assert err < 2.0, f"mean warp error {err:.2f}"
    assert err < 0.5 * baseline
