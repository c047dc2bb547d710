"""PyBullet's own ``getCameraImage`` on the same scene, camera and size, for comparison."""

from __future__ import annotations

import numpy as np

from phav.take import Take


def gl_view_matrix(world_to_camera: np.ndarray) -> list[float]:
    """PyBullet's (OpenGL, column-major) view matrix from an OpenCV ``world_to_camera``."""
    flip = np.diag([1.0, -1.0, -1.0, 1.0])  # OpenCV camera axes -> OpenGL camera axes
    return (flip @ world_to_camera).T.reshape(-1).tolist()


def gl_projection_matrix(K: np.ndarray, width: int, height: int, near: float = 0.05, far: float = 1000.0) -> list[float]:
    """OpenGL projection (column-major) for intrinsics ``K``; the image is not flipped."""
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    proj = np.array(
        [
            [2 * fx / width, 0.0, 1.0 - (2 * cx + 1) / width, 0.0],
            [0.0, 2 * fy / height, (2 * cy + 1) / height - 1.0, 0.0],
            [0.0, 0.0, -(far + near) / (far - near), -2 * far * near / (far - near)],
            [0.0, 0.0, -1.0, 0.0],
        ]
    )
    return proj.T.reshape(-1).tolist()


class PyBulletCamera:
    """Draws a client's scene with ``getCameraImage`` using a take's camera for each frame.

    Args:
        client: a ``BulletClient`` holding the scene (humanoid and ground).
        renderer: ``"tiny"`` (TinyRenderer, CPU) or ``"egl"`` (PyBullet's EGL plugin, loaded here).
    """

    def __init__(self, client, renderer: str = "tiny") -> None:
        import pybullet

        self.client = client
        self.plugin = -1
        self.flag = pybullet.ER_TINY_RENDERER
        if renderer == "egl":
            import importlib.util

            egl = importlib.util.find_spec("eglRenderer")  # the plugin PyBullet's wheel ships
            name = egl.origin if egl and egl.origin else "eglRendererPlugin"
            self.plugin = client.loadPlugin(name, "_eglRendererPlugin")
            if self.plugin < 0:
                raise RuntimeError("PyBullet's EGL renderer plugin could not be loaded")
            self.flag = pybullet.ER_BULLET_HARDWARE_OPENGL
        # a visible ground like phav's: PyBullet draws visual shapes only
        shape = client.createVisualShape(pybullet.GEOM_BOX, halfExtents=[40, 40, 0.001], rgbaColor=[0.2, 0.4, 0.1, 1])
        client.createMultiBody(baseMass=0.0, baseVisualShapeIndex=shape, basePosition=[0, 0, -0.001])

    def draw(self, take: Take, t: int) -> np.ndarray:
        """RGB, depth and segmentation of frame ``t``; returns the RGBA image ``(H, W, 4) uint8``."""
        w, h = take.width, take.height
        _, _, rgba, _, _ = self.client.getCameraImage(
            w, h, viewMatrix=gl_view_matrix(take.camera_world_to_camera[t]),
            projectionMatrix=gl_projection_matrix(take.camera_K[t], w, h), renderer=self.flag,
        )
        return np.reshape(rgba, (h, w, 4))

    def close(self) -> None:
        if self.plugin >= 0:
            self.client.unloadPlugin(self.plugin)
            self.plugin = -1
