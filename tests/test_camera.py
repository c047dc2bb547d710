"""Camera conventions: projection, unprojection and the GL matrix agree."""

import numpy as np
import pytest

from phav.camera import camera_to_world, gl_projection, intrinsics, look_at, look_at_many, project, to_camera, unproject


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


def test_look_at_many_aims_every_frame_with_a_rigid_upright_camera():
    rng = np.random.default_rng(4)
    eyes = rng.normal(scale=10.0, size=(300, 3))
    aims = eyes + rng.normal(size=(300, 3))
    w2c = look_at_many(eyes, aims)
    rot = w2c[:, :3, :3]
    np.testing.assert_allclose(rot @ np.swapaxes(rot, 1, 2), np.broadcast_to(np.eye(3), rot.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-12)
    np.testing.assert_array_equal(w2c[:, 3], np.broadcast_to([0.0, 0.0, 0.0, 1.0], (300, 4)))
    for t in (0, 150, 299):
        np.testing.assert_allclose(to_camera(eyes[t], w2c[t]), 0.0, atol=1e-12)  # the eye is the origin
        dist = np.linalg.norm(aims[t] - eyes[t])
        np.testing.assert_allclose(to_camera(aims[t], w2c[t]), [0.0, 0.0, dist], atol=1e-12)  # on the axis
        assert to_camera(eyes[t] + [0.0, 0.0, 1.0], w2c[t])[1] < 0.0  # world up is image up (-y)
    np.testing.assert_array_equal(w2c[7], look_at(eyes[7], aims[7]))


def test_look_at_many_broadcasts_a_fixed_point_and_takes_an_up_vector():
    eyes = np.array([[3.0, 0.0, 1.0], [0.0, 3.0, 1.0], [-3.0, 0.0, 1.0]])
    w2c = look_at_many(eyes, [0.0, 0.0, 1.0])  # one target for all frames
    np.testing.assert_allclose(w2c[:, 2, :3], -eyes / 3.0 + [0.0, 0.0, 1.0 / 3.0], atol=1e-15)
    down = look_at_many([0.0, 0.0, 5.0], [0.0, 0.0, 0.0], up=[0.0, 1.0, 0.0])[0]  # straight down, +y up
    np.testing.assert_allclose(down[:3, :3], [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]], atol=1e-15)
    np.testing.assert_allclose(down[:3, 3], [0.0, 0.0, 5.0], atol=1e-15)


def test_look_at_many_takes_a_per_frame_up_with_a_fixed_eye_and_target():
    """A camera rolling in place: one eye and target, the up vector per frame (frames from the up)."""
    angles = np.linspace(0.0, 1.5, 7)
    ups = np.stack([np.sin(angles), np.zeros(7), np.cos(angles)], axis=1)
    eye, target = np.array([0.0, -4.0, 1.5]), np.array([0.0, 0.0, 1.5])
    w2c = look_at_many(eye, target, up=ups)
    assert w2c.shape == (7, 4, 4)
    for t in range(7):
        np.testing.assert_array_equal(w2c[t], look_at(eye, target, up=ups[t]))
        # each frame's up is straight up in its image (-y), the target on the axis 4 m ahead
        np.testing.assert_allclose(to_camera(target + ups[t], w2c[t]), [0.0, -1.0, 4.0], atol=1e-12)
    np.testing.assert_array_equal(look_at_many([eye, eye], target, up=ups[:2]), w2c[:2])  # one per frame each


def test_look_at_many_rejects_degenerate_views_and_bad_shapes():
    eyes = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(ValueError, match="coincide"):
        look_at_many(eyes, eyes)
    with pytest.raises(ValueError, match="parallel"):
        look_at_many([[0.0, 0.0, 0.0]], [[0.0, 0.0, -3.0]])
    with pytest.raises(ValueError, match="frame counts"):
        look_at_many(eyes, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"\(T, 3\)"):
        look_at_many(np.zeros((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="parallel"):
        look_at([0.0, 0.0, 0.0], [0.0, 2.0, 0.0], up=[0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"up \(3, 3\) have different frame counts"):
        look_at_many(eyes, eyes + 1.0, up=np.tile([0.0, 0.0, 1.0], (3, 1)))
    with pytest.raises(ValueError, match=r"up must be a \(3,\) or \(T, 3\) direction, got \(4,\)"):
        look_at_many(eyes, eyes + 1.0, up=[0.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="up must be"):
        look_at_many(eyes, eyes + 1.0, up=np.ones((2, 2, 3)))
