"""Measure PNG encode time and size per zlib level on typical 340x256 ground-truth frames.

Not a test (no ``test_`` prefix): run ``python tests/io/measure_png_levels.py`` to reproduce the
table in ``phav.io.images``. The scene: a camera 1.6 m above a ground plane looking slightly down,
sky above the horizon, uneven terrain, boxes
(buildings) and discs (trees) at 8-60 m, a person 5 m in front; flow from a camera moving sideways; labels
from the same geometry; a little sensor-like noise on depth where real renders have slopes.
"""

from __future__ import annotations

import io
import statistics
import time

import numpy as np

from phav import camera
from phav.io import depth, flow, images, segmentation
from phav.labels import class_id


def typical_frame(width: int = 340, height: int = 256):
    K = camera.intrinsics(width, height, 50.0)
    w2c = camera.look_at([0.0, -5.0, 1.6], [0.0, 0.0, 0.9])
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)
    rot = w2c[:3, :3]
    world_dir = rays @ rot  # camera -> world rotation is rot.T: d_w = rot.T d_c
    eye = np.array([0.0, -5.0, 1.6])
    t_ground = -eye[2] / np.where(world_dir[..., 2] < -1e-9, world_dir[..., 2], -1e-9)
    z = np.where(world_dir[..., 2] < -1e-9, t_ground, np.inf)  # rays with unit camera z: t is z-depth
    sem = np.where(np.isfinite(z), class_id("Terrain"), class_id("Sky")).astype(np.uint8)
    # uneven terrain, then buildings and trees at 15-60 m: depth and flow vary along rows too
    z = z * (1.0 + 0.03 * np.sin(u / 7.0 + v / 11.0) * np.cos(v / 5.0))
    rng = np.random.default_rng(0)
    for _ in range(12):
        x0, w, top, d = rng.integers(0, width), rng.integers(10, 60), rng.integers(20, 110), rng.uniform(15, 60)
        box = (u >= x0) & (u < x0 + w) & (v >= top) & (v < K[1, 2] + 40) & (z > d)
        z = np.where(box, d + 0.002 * (u - x0) * d, z)
        sem = np.where(box, class_id("Building"), sem)
    for _ in range(10):
        cx, cy, r, d = rng.integers(0, width), rng.integers(40, 120), rng.integers(6, 25), rng.uniform(8, 40)
        tree = ((u - cx) ** 2 + (v - cy) ** 2 < r * r) & (z > d)
        z = np.where(tree, d - 0.05 * np.sqrt(np.maximum(r * r - (u - cx) ** 2 - (v - cy) ** 2, 0)), z)
        sem = np.where(tree, class_id("Tree"), sem)
    person = (np.abs(u - width / 2) < 18) & (v > height * 0.25) & (v < height * 0.8)
    z = np.where(person, 5.0 + 0.1 * np.sin(u / 5.0), z)
    parts = class_id("Head") + ((v - height * 0.25) // 12).astype(int) % 27
    sem = np.where(person, parts, sem).astype(np.uint8)
    inst = np.where(person, 1, 0).astype(np.uint16)
    fx = np.where(np.isfinite(z), 0.05 * K[0, 0] / np.where(np.isfinite(z), z, 1.0), 0.0)
    f = np.stack([fx, 0.01 * (v - K[1, 2]) / 10.0], -1).astype(np.float32)
    return z.astype(np.float32), f, np.isfinite(z), sem, inst


LEVELS = (0, 1, 3, 6, 9)


def main() -> None:
    z, f, valid, sem, inst = typical_frame()
    from phav.take import Instance

    arrays = {
        "depth (16-bit grey)": (images.write_png16, depth.encode_depth(z)),
        "flow_x (16-bit grey)": (images.write_png16, flow.encode_flow(f)[0]),
        "classgt (RGB)": (images.write_png_rgb, segmentation.encode_semantic(sem)),
        "instancegt (RGB)": (images.write_png_rgb, segmentation.encode_instance(inst, [Instance(1, "a", 13, (255, 0, 0))])),
        "flow_valid (8-bit)": (images.write_png8, flow.encode_flow_valid(valid)),
    }
    for name, (write, a) in arrays.items():
        row = []
        for level in LEVELS:
            times = []
            for _ in range(15):
                buf = io.BytesIO()
                t0 = time.perf_counter()
                write(buf, a, compress_level=level)
                times.append(time.perf_counter() - t0)
            row.append(f"L{level}: {statistics.median(times) * 1e3:5.2f} ms {buf.tell() / 1024:6.1f} KiB")
        print(f"{name:22s} " + " | ".join(row))


if __name__ == "__main__":
    main()
