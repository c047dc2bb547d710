"""Small synthetic takes and frames for the io tests: numpy only, no GL, no physics.

A uniquely named helper module (not ``conftest``) so that test folders of other packages cannot shadow it."""

from __future__ import annotations

import numpy as np

from phav import camera
from phav.frames import Frame
from phav.labels import class_id
from phav.take import ActorTrack, Instance, Mesh, Take

W, H, T = 48, 40, 4
JOINTS = ["head", "neck", "pelvis", "left_knee", "right_knee", "left_hand"]
MUSCLES = ["neck", "left_knee", "right_knee"]
FIXED_VERSIONS = {"phav": "0.1.0", "numpy": "x", "scipy": "x", "pybullet": "x", "moderngl": "x", "pillow": "x", "zlib-ng": "x"}


def box_mesh(name: str, half: tuple[float, float, float], semantic: int) -> Mesh:
    """An axis-aligned box centred on the part frame (8 vertices, 12 triangles)."""
    hx, hy, hz = half
    pos = np.array([[sx * hx, sy * hy, sz * hz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
    tri = np.array([
        [0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
        [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3],
    ])
    return Mesh(name, pos, pos / np.linalg.norm(pos, axis=1, keepdims=True), np.full((8, 3), 0.5),
                np.full(8, semantic), tri)


def make_take(frames: int = T, width: int = W, height: int = H, seed: int = 0) -> Take:
    rng = np.random.default_rng(seed)
    meshes = [
        box_mesh("ground", (10, 10, 0.01), class_id("Terrain")),
        box_mesh("torso", (0.15, 0.1, 0.3), class_id("Chest")),
        box_mesh("legs", (0.15, 0.1, 0.45), class_id("LeftUpperLeg")),
        box_mesh("ball", (0.1, 0.1, 0.1), class_id("Ball")),
    ]
    part_names = ["ground", "alice_torso", "alice_legs", "bob_torso", "bob_legs", "ball"]
    part_mesh = np.array([0, 1, 2, 1, 2, 3], dtype=np.int32)
    part_instance = np.array([0, 1, 1, 2, 2, 3], dtype=np.uint16)
    base = np.array([[0, 0, -0.01], [0, 0, 1.25], [0, 0, 0.45], [1.0, 0.5, 1.25], [1.0, 0.5, 0.45], [0.5, -0.5, 0.1]])
    part_pos = np.stack([base + [0.05 * t, 0.0, 0.0] * (np.arange(6)[:, None] > 0) for t in range(frames)])
    angles = 0.1 * np.arange(frames)[:, None] * np.ones((1, 6))
    part_quat = np.stack([np.zeros_like(angles), np.zeros_like(angles), np.sin(angles / 2), np.cos(angles / 2)], -1)
    K = camera.intrinsics(width, height, 60.0)
    eyes = [np.array([4.0 - 0.1 * t, -3.0, 1.6]) for t in range(frames)]
    w2c = np.stack([camera.look_at(e, [0.5, 0.0, 0.9]) for e in eyes])
    instances = [
        Instance(1, "Alice", class_id("Human"), (255, 0, 0)),
        Instance(2, "Bob", class_id("Human"), (0, 255, 0)),
        Instance(3, "ball_0", class_id("Ball"), (10, 20, 250)),
    ]

    def actor(name: str, iid: int, offset: np.ndarray) -> ActorTrack:
        joints = offset + np.array([[0, 0, 1.7], [0, 0, 1.5], [0, 0, 0.95], [0.1, 0, 0.5], [-0.1, 0, 0.5], [0.3, 0.1, 1.0]])
        joints_3d = np.stack([joints + [0.05 * t, 0, 0] for t in range(frames)])
        q = rng.normal(size=(frames, len(MUSCLES), 4))
        q /= np.linalg.norm(q, axis=-1, keepdims=True)
        return ActorTrack(
            name=name, instance_id=iid, joint_names=list(JOINTS), joints_3d=joints_3d,
            muscle_joints=list(MUSCLES), muscle_target=q, muscle_actual=q[::-1].copy(),
            muscle_torque=rng.normal(size=(frames, len(MUSCLES), 3)) * 10,
            muscle_strength=np.full((frames, len(MUSCLES)), 150.0), pin_weight=np.linspace(1, 0, frames),
            muscle_damping=np.full((frames, len(MUSCLES)), 2.5),
        )

    actors = [actor("Alice", 1, np.zeros(3)), actor("Bob", 2, np.array([1.0, 0.5, 0.0]))]
    ones = np.ones((frames, 3))
    return Take(
        fps=30.0, width=width, height=height, meshes=meshes, part_names=part_names, part_mesh=part_mesh,
        part_instance=part_instance, part_pos=part_pos, part_quat=part_quat,
        camera_K=np.repeat(K[None], frames, axis=0), camera_world_to_camera=w2c,
        sun_direction=ones / np.sqrt(3), sun_color=ones, sky_zenith=ones, sky_horizon=ones, ambient=ones * 0.1,
        instances=instances, actors=actors, meta={"clip": "walk", "pi": np.pi, "settings": {"substeps": 8}},
    ).validate()


def make_frame(index: int, width: int = W, height: int = H, seed: int = 0, last: bool = False) -> Frame:
    rng = np.random.default_rng(1000 + 17 * index + seed)
    depth = rng.uniform(0.5, 80.0, size=(height, width)).astype(np.float32)
    depth[:5] = np.inf
    flow = rng.normal(scale=8.0, size=(height, width, 2)).astype(np.float32)
    valid = rng.random((height, width)) > 0.2
    if last:
        flow[:] = 0.0
        valid[:] = False
    semantic = rng.choice([0, 1, 13, 30, 36, 62], size=(height, width)).astype(np.uint8)
    instance = rng.choice([0, 1, 2, 3], size=(height, width)).astype(np.uint16)
    return Frame(
        index=index,
        img=rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8),
        raw=rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8),
        depth=depth, flow=flow, flow_valid=valid, semantic=semantic, instance=instance,
    )
