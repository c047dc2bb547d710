"""Small synthetic takes for render tests: primitives, a take builder and analytic oracles."""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from phav.camera import intrinsics, look_at, project
from phav.geometry import pose_matrix, quat_from_axis_angle, transform_points
from phav.take import Instance, Mesh, Take

SKY_CLASS = 1
IDENTITY_QUAT = np.array([0.0, 0.0, 0.0, 1.0])


def box_mesh(half: Sequence[float] = (0.5, 0.5, 0.5), color=(0.8, 0.3, 0.2), semantic: int = 30,
             name: str = "box") -> Mesh:
    """Axis-aligned box centred on the origin, 24 vertices (flat normals), CCW from outside."""
    hx, hy, hz = half
    positions, normals, indices = [], [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            n = np.zeros(3)
            n[axis] = sign
            u = np.zeros(3)
            u[(axis + 1) % 3] = 1.0
            v = np.cross(n, u)  # u x v = n: CCW seen from outside
            base = len(positions)
            for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                positions.append((n + a * u + b * v) * np.array([hx, hy, hz]))
                normals.append(n)
            indices += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
    N = len(positions)
    return Mesh(name, np.array(positions), np.array(normals), np.tile(color, (N, 1)),
                np.full(N, semantic), np.array(indices))


def plane_mesh(size: float = 20.0, color=(0.4, 0.5, 0.3), semantic: int = 0, name: str = "ground") -> Mesh:
    """Square in the local XY plane, normal +Z, CCW seen from +Z."""
    s = size / 2.0
    positions = np.array([(-s, -s, 0), (s, -s, 0), (s, s, 0), (-s, s, 0)], dtype=float)
    return Mesh(name, positions, np.tile((0, 0, 1.0), (4, 1)), np.tile(color, (4, 1)), np.full(4, semantic),
                np.array([(0, 1, 2), (0, 2, 3)]))


def make_take(meshes: Sequence[Mesh], positions: np.ndarray, quats: np.ndarray, world_to_camera: np.ndarray,
              K: np.ndarray, width: int, height: int, instance_ids: Sequence[int] | None = None,
              sun_direction=(0.3, -0.4, 0.87)) -> Take:
    """A take with one part per mesh.

    Args:
        positions: ``(T, P, 3)`` part positions; quats: ``(T, P, 4)`` xyzw.
        world_to_camera: ``(4, 4)`` or ``(T, 4, 4)``; K: ``(3, 3)`` or ``(T, 3, 3)``.
        instance_ids: per part (default 1..P).
    """
    positions = np.asarray(positions, dtype=float)
    T, P = positions.shape[:2]
    ids = list(instance_ids) if instance_ids is not None else list(range(1, P + 1))
    w2c = np.broadcast_to(np.asarray(world_to_camera, dtype=float), (T, 4, 4)).copy()
    Ks = np.broadcast_to(np.asarray(K, dtype=float), (T, 3, 3)).copy()
    sun = np.asarray(sun_direction, dtype=float)
    sun = sun / np.linalg.norm(sun)

    def per_frame(v) -> np.ndarray:
        return np.tile(np.asarray(v, dtype=float), (T, 1))

    instances = []
    for p, i in enumerate(ids):  # one row per id; empty (bone) meshes count as Human
        if i != 0 and all(inst.id != i for inst in instances):
            semantic = int(meshes[p].semantic[0]) if len(meshes[p].semantic) else 13
            instances.append(Instance(i, meshes[p].name, semantic, (50 * p % 256, 100, 200)))
    return Take(
        fps=30.0, width=width, height=height, meshes=list(meshes),
        part_names=[m.name for m in meshes], part_mesh=np.arange(P, dtype=np.int32),
        part_instance=np.array(ids, dtype=np.uint16), part_pos=positions,
        part_quat=np.asarray(quats, dtype=float), camera_K=Ks, camera_world_to_camera=w2c,
        sun_direction=per_frame(sun), sun_color=per_frame((1.2, 1.15, 1.1)),
        sky_zenith=per_frame((0.15, 0.3, 0.7)), sky_horizon=per_frame((0.5, 0.6, 0.75)),
        ambient=per_frame((0.03, 0.03, 0.03)), instances=instances, actors=[],
    ).validate()


#: The per-frame fields of a take (first axis T); the rest is shared by every frame.
PER_FRAME_FIELDS = ("part_pos", "part_quat", "camera_K", "camera_world_to_camera", "sun_direction", "sun_color",
                    "sky_zenith", "sky_horizon", "ambient")


def one_frame(take: Take, t: int) -> Take:
    """Frame ``t`` of ``take`` as a validated take of its own (one frame: every part static there)."""
    return dataclasses.replace(take, **{name: getattr(take, name)[t:t + 1] for name in PER_FRAME_FIELDS}).validate()


def default_camera(width: int, height: int, eye=(0.0, -6.0, 2.0), target=(0.0, 0.0, 0.5),
                   fov: float = 50.0) -> tuple[np.ndarray, np.ndarray]:
    """``(K, world_to_camera)``."""
    return intrinsics(width, height, fov), look_at(np.array(eye), np.array(target))


def pixel_grid(width: int, height: int) -> np.ndarray:
    """``(H, W, 2)`` pixel centres (u, v)."""
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    return np.stack([u, v], axis=-1)


def ray_box_depth(K: np.ndarray, world_to_camera: np.ndarray, box_pose: np.ndarray, half: np.ndarray,
                  width: int, height: int) -> np.ndarray:
    """``(H, W)`` analytic z-depth of the nearest hit of each pixel-centre ray with an oriented box
    (``box_pose`` 4x4 world from box), ``inf`` where the ray misses (slab method)."""
    grid = pixel_grid(width, height).reshape(-1, 2)
    dirs_cam = np.concatenate([(grid - K[:2, 2]) / np.diag(K)[:2], np.ones((len(grid), 1))], axis=1)
    cam_to_box = np.linalg.inv(box_pose) @ np.linalg.inv(world_to_camera)
    origin = cam_to_box[:3, 3]
    dirs = dirs_cam @ cam_to_box[:3, :3].T  # parameter s along dirs_cam has z-depth s
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (-half - origin) / dirs
        t2 = (half - origin) / dirs
    tmin = np.nanmax(np.minimum(t1, t2), axis=1)
    tmax = np.nanmin(np.maximum(t1, t2), axis=1)
    hit = (tmax >= tmin) & (tmin > 0)
    return np.where(hit, tmin, np.inf).reshape(height, width)


def rigid_flow(K0, w2c0, pose0, K1, w2c1, pose1, depth0: np.ndarray) -> np.ndarray:
    """``(H, W, 2)`` analytic forward flow of a rigid body: unproject each pixel with its depth at t,
    move the point with the body from ``pose0`` to ``pose1`` (4x4 world from body), project at t+1."""
    from phav.camera import unproject

    H, W = depth0.shape
    grid = pixel_grid(W, H).reshape(-1, 2)
    d = depth0.reshape(-1).astype(np.float64)
    finite = np.isfinite(d)
    world = unproject(grid[finite], d[finite], K0, w2c0)
    moved = transform_points(pose1 @ np.linalg.inv(pose0), world)
    uv1, _ = project(moved, K1, w2c1)
    flow = np.full((H * W, 2), np.nan)
    flow[finite] = uv1 - grid[finite]
    return flow.reshape(H, W, 2)


def interior_mask(mask: np.ndarray, margin: int = 2) -> np.ndarray:
    """``mask`` eroded by ``margin`` pixels (square structuring element), False at the image border."""
    out = mask.copy()
    H, W = mask.shape
    for dy in range(-margin, margin + 1):
        for dx in range(-margin, margin + 1):
            shifted = np.zeros_like(mask)
            ys, xs = slice(max(dy, 0), H + min(dy, 0)), slice(max(dx, 0), W + min(dx, 0))
            yd, xd = slice(max(-dy, 0), H + min(-dy, 0)), slice(max(-dx, 0), W + min(-dx, 0))
            shifted[yd, xd] = mask[ys, xs]
            out &= shifted
    return out


def pose(position, axis=(0.0, 0.0, 1.0), angle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(position, quat)`` with the quaternion from axis-angle; and see :func:`pose4`."""
    axis = np.asarray(axis, dtype=float)
    return np.asarray(position, dtype=float), quat_from_axis_angle(axis / np.linalg.norm(axis), np.array(angle))


def pose4(position, quat) -> np.ndarray:
    return pose_matrix(np.asarray(position, dtype=float), np.asarray(quat, dtype=float))


def person_take(width: int, height: int, preset: str = "Model_Man01", T: int = 3, step=(0.04, 0.0, 0.0),
                skin_resolution: float | None = None) -> Take:
    """A preset's skinned, clothed person in its bind pose on a ground plane, walking sideways by
    ``step`` metres per frame (so motion blur has velocity), seen from the front-right. No physics:
    the bone parts sit at their bind-pose transforms plus the step. ``skin_resolution``: the skin's
    grid spacing (m; ``None``: the default)."""
    import dataclasses

    from phav.body.clothing import outfit_from_appearance
    from phav.body.presets import get_preset
    from phav.body.skin import bind_pose, build_skin
    from scipy.spatial.transform import Rotation

    p = get_preset(preset)
    skeleton = p.skeleton()
    skin = build_skin(skeleton, outfit_from_appearance(p.appearance, p.shape.female),
                      *(() if skin_resolution is None else (skin_resolution,)), name=preset)
    bind = bind_pose(skeleton)
    names = skeleton.link_names
    empty = np.zeros((0, 3))
    bone = Mesh("bone", empty, empty, empty, np.zeros(0), empty)
    meshes = [plane_mesh(30.0, color=(0.35, 0.38, 0.3), semantic=6)] + [bone] * len(names)
    P = len(meshes)
    pos = np.zeros((T, P, 3))
    quat = np.tile(IDENTITY_QUAT, (T, P, 1))
    for k, name in enumerate(names):
        for t in range(T):
            pos[t, k + 1] = bind[name][:3, 3] + np.asarray(step) * t
            quat[t, k + 1] = Rotation.from_matrix(bind[name][:3, :3]).as_quat()  # xyzw
    K, w2c = default_camera(width, height, eye=(2.6, -2.0, 1.4), target=(0.0, 0.0, 0.9), fov=45.0)
    take = make_take(meshes, pos, quat, w2c, K, width, height, instance_ids=[0] + [1] * len(names))
    take.skins = [dataclasses.replace(skin, bone_parts=np.arange(1, P))]
    return take.validate()


def render_lit_depth_instance(take: Take, width: int, height: int, **settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First frame of ``take`` under ``quality_settings("preview", post=(), **settings)``: the lit
    ``raw`` image as int32 ``(H, W, 3)``, depth ``(H, W)`` metres and instance ids ``(H, W)``."""
    from phav.render import Renderer
    from phav.render.settings import quality_settings

    with Renderer(width, height, quality_settings("preview", post=(), **settings)) as renderer:
        frame = next(iter(renderer.render_take(take, ("raw", "depth", "instancegt"))))
    return frame.raw.astype(np.int32), frame.depth, frame.instance


#: The array fields of a :class:`~phav.frames.Frame` a renderer fills.
FRAME_FIELDS = ("img", "raw", "depth", "flow", "flow_valid", "semantic", "instance")


def render_frames(take: Take, settings, modalities=None) -> list:
    """Every frame of ``take`` (at its own size) rendered with ``settings`` and ``modalities``
    (default all), by a renderer made for the call."""
    from phav.frames import MODALITIES
    from phav.render import Renderer

    with Renderer(take.width, take.height, settings) as renderer:
        return list(renderer.render_take(take, MODALITIES if modalities is None else modalities))


def assert_same_frames(got: list, want: list) -> None:
    """The same frame indices, and in each frame every field of :data:`FRAME_FIELDS` either unset in
    both or of the same dtype and shape and byte for byte the same."""
    assert [f.index for f in got] == [f.index for f in want]
    for a, b in zip(got, want):
        for name in FRAME_FIELDS:
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), (a.index, name)
            if x is not None:
                assert x.dtype == y.dtype and x.shape == y.shape, (a.index, name)
                assert x.tobytes() == y.tobytes(), f"frame {a.index}: {name} differs in {np.sum(x != y)} elements"
