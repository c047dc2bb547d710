"""Camera conventions: projection, unprojection and the GL matrix agree."""

import numpy as np

from phav.camera import camera_to_world, gl_projection, intrinsics, look_at, project, unproject


def _camera():
    K = intrinsics(340, 256, 50.0)
    w2c = look_at(np.array([4.0, -3.0, 1.6]), np.array([0.0, 0.5, 0.9]))
    return K, w2c


def test_look_at_puts_the_target_on_the_optical_axis_in_front():
    K, w2c = _camera()
    uv, z = project(np.array([[0.0, 0.5, 0.9]]), K, w2c)
    assert z[0] > 0
    np.testing.assert_allclose(uv[0], K[:2, 2], atol=1e-9)


def test_up_is_up_in_the_image():
    K, w2c = _camera()
    uv, _ = project(np.array([[0.0, 0.5, 0.9], [0.0, 0.5, 1.9]]), K, w2c)
    assert uv[1, 1] < uv[0, 1]  # higher in the world = smaller v (v points down)


def test_unproject_inverts_project():
    K, w2c = _camera()
    rng = np.random.default_rng(0)
    points = rng.uniform(-2, 2, (50, 3))
    uv, z = project(points, K, w2c)
    np.testing.assert_allclose(unproject(uv, z, K, w2c), points, atol=1e-9)


def test_camera_to_world_inverts_world_to_camera():
    _, w2c = _camera()
    np.testing.assert_allclose(camera_to_world(w2c) @ w2c, np.eye(4), atol=1e-12)


def test_gl_projection_maps_pixels_to_ndc_with_centres_at_half_pixels():
    K, w2c = _camera()
    W, H = 340, 256
    P = gl_projection(K, W, H, near=0.1, far=100.0)
    rng = np.random.default_rng(1)
    points = rng.uniform(-2, 2, (20, 3))
    uv, z = project(points, K, w2c)
    cam = np.c_[points @ w2c[:3, :3].T + w2c[:3, 3], np.ones(len(points))]
    clip = cam @ P.T
    ndc = clip[:, :3] / clip[:, 3:]
    np.testing.assert_allclose((ndc[:, 0] + 1) / 2 * W - 0.5, uv[:, 0], atol=1e-9)
    np.testing.assert_allclose((ndc[:, 1] + 1) / 2 * H - 0.5, uv[:, 1], atol=1e-9)
    np.testing.assert_allclose(clip[:, 3], z, atol=1e-12)
    near_far = np.array([[0, 0, 0.1, 1], [0, 0, 100.0, 1]]) @ P.T
    np.testing.assert_allclose(near_far[:, 2] / near_far[:, 3], [-1, 1], atol=1e-12)
