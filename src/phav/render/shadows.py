"""The sun's shadow map: orthographic light cameras fitted to two ranges of the view frustum, the
far one cached for the static world.

:func:`sun_shadow_fit` is plain numpy (tested without GL). A light camera looks along the sun's
rays; its square footprint is the bounding sphere of a slab of the camera's view frustum, its
centre snapped to whole shadow-map texels so static shadows do not shimmer while the camera moves.
Its depth range reaches :data:`CASTER_MARGIN` metres further towards the sun than the sphere, so
tall casters outside the sphere (buildings, poles) still shadow it.

Two such cameras (cascades): the near one covers the frustum from the near plane to
``settings.shadow_distance`` (the actor and their surroundings in every camera rig) at full
resolution and is fitted and drawn afresh every frame; the far one covers ``shadow_distance`` to
``shadow_far_distance`` with as many texels, so distant casters (buildings, trees, cars) still
shadow the far ground, coarsely. The lighting pass uses the near cascade wherever it covers a
point, else the far one.

The far cascade is mostly static world (ground, buildings, trees), so it is built to be drawn
rarely (:class:`FarCascade`): its light camera is fitted with :data:`FAR_PADDING` to spare and kept,
fixed in the world, until the frustum slab's sphere leaves that footprint (or the sun moves), then
re-fitted to the same texel lattice (same radius, centre snapped to whole texels in all three
axes), so a re-fit moves no static shadow. The parts that never move in the take
(:class:`ShadowCasters`) are drawn into a cached depth texture, with :data:`STATIC_SCALE` times the
texels per side, only when the far camera is re-fitted; every frame only the moving casters (people, moving props and vehicles) that can shadow
a point the lighting pass reads from the far cascade are drawn into a second, per-frame map, and
the lighting pass takes, tap by tap, the darker of the two comparisons.

Casters are culled per cascade with their world bounding boxes (:func:`outside_light_box`): a box
wholly beyond one clip plane of a light camera draws nothing there (so culling never changes a
texel), and a moving caster whose whole shadow, down to the lowest geometry of the frame, lies
inside the near cascade (:func:`shadow_inside_near`) is not drawn into the far one.

:class:`ShadowMap` owns the depth textures: an atlas of the per-frame cascades side by side (the
near cascade, then the far cascade's moving casters), the far cascade's static cache, each sampled
with hardware depth comparison and bilinear filtering (so each of the lighting pass's PCF taps is
itself a 2x2 comparison), and their framebuffers.
"""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np

from phav.geometry import quat_to_matrix
from phav.take import Mesh, Skin, Take

#: A static part whose world box is at most this thick (metres) and horizontal may be the floor.
FLOOR_FLATNESS = 1e-3
#: How far (metres) a person's bone origin or a moving part may dip below the floor's plane (feet
#: pressing into the ground, a falling prop) before the plane no longer counts as the floor.
FLOOR_MARGIN = 0.1
#: Metres the light camera's depth range extends towards the sun beyond the fitted sphere.
CASTER_MARGIN = 60.0
#: The sun casts shadows only above this elevation (sine of the angle above the horizon).
MIN_SUN_ELEVATION = 0.01
#: ... and when its brightest channel exceeds this irradiance.
MIN_SUN_IRRADIANCE = 1e-4
#: The far cascade's footprint radius is this fraction larger than its frustum slab's sphere: the
#: camera may move about that fraction of the sphere's radius before the far cascade is re-fitted
#: (and its static casters redrawn); its texels are that much coarser than a tight fit's.
FAR_PADDING = 0.2
#: The far cascade's static cache has this many times the texels per side of a cascade's map: it is
#: drawn only when the far camera is re-fitted, so its texels cost little per frame, and it more
#: than makes up for the padding's 1.2x coarser texels. Its 64 MiB at the presets' 2048-texel maps
#: also lie above glibc's largest mmap threshold (32 MiB), so a software rasterizer's copy goes back
#: to the system when a renderer closes; at 16 MiB (scale 1) glibc kept a freed copy in a heap
#: about one time in two, and a process that makes many renderers held it.
STATIC_SCALE = 2
# The fitted radius is rounded up to this many metres so it does not change with tiny zooms.
_RADIUS_STEP = 0.25


@dataclasses.dataclass(frozen=True)
class ShadowFit:
    """The light camera of one frame.

    Attributes:
        camera_to_light_clip: ``(4, 4) float64`` camera frame at t (OpenCV, metres) -> light clip
            space (orthographic: x, y, z in [-1, 1] inside the map; z = -1 nearest the sun).
        texel_size: metres per shadow-map texel.
        depth_range: metres the clip z range [-1, 1] spans along the light direction.
        world_to_light_clip: ``(4, 4) float64`` world frame -> the same light clip space.
    """

    camera_to_light_clip: np.ndarray
    texel_size: float
    depth_range: float
    world_to_light_clip: np.ndarray


def sun_casts_shadows(take: Take, t: int) -> bool:
    """Whether the sun of frame ``t`` is above the horizon and switched on."""
    sun = np.asarray(take.sun_direction[t], dtype=np.float64)
    elevation = sun[2] / max(np.linalg.norm(sun), 1e-12)
    return bool(elevation > MIN_SUN_ELEVATION and np.max(take.sun_color[t]) > MIN_SUN_IRRADIANCE)


def frustum_corners(K: np.ndarray, width: int, height: int, near: float, far: float) -> np.ndarray:
    """``(8, 3) float64`` corners of the view frustum between z-depths ``near`` and ``far``, camera
    frame (the image's outer pixel edges, continuous pixel coordinates -0.5 and size - 0.5)."""
    u = np.array([-0.5, width - 0.5])
    v = np.array([-0.5, height - 0.5])
    uu, vv = np.meshgrid(u, v)
    dirs = np.stack([(uu.ravel() - K[0, 2]) / K[0, 0], (vv.ravel() - K[1, 2]) / K[1, 1], np.ones(4)], axis=1)
    return np.concatenate([dirs * near, dirs * far])


def sun_unit_direction(take: Take, t: int) -> np.ndarray:
    """``(3,) float64`` unit vector towards the sun of frame ``t``."""
    to_sun = np.asarray(take.sun_direction[t], dtype=np.float64)
    return to_sun / max(np.linalg.norm(to_sun), 1e-12)


def _light_axes(to_sun: np.ndarray) -> np.ndarray:
    """``(3, 3)`` world -> light axes (rows x, y, z); +z points at the sun."""
    hint = np.array([0.0, 0.0, 1.0]) if abs(to_sun[2]) < 0.99 else np.array([0.0, 1.0, 0.0])
    x = np.cross(hint, to_sun)
    x /= np.linalg.norm(x)
    y = np.cross(to_sun, x)
    return np.stack([x, y, to_sun])


def _slab_sphere(take: Take, t: int, near: float, distance: float) -> tuple[np.ndarray, float]:
    """World centre ``(3,)`` and radius (metres) of a sphere around the view frustum of frame ``t``
    from ``near`` to ``distance`` metres: the centre of the box around its corners, the radius to
    the farthest corner."""
    c2w = np.linalg.inv(np.asarray(take.camera_world_to_camera[t], dtype=np.float64))
    corners = frustum_corners(take.camera_K[t], take.width, take.height, near, max(distance, near * 2.0))
    world = corners @ c2w[:3, :3].T + c2w[:3, 3]
    centre = 0.5 * (world.min(axis=0) + world.max(axis=0))
    return centre, float(np.max(np.linalg.norm(world - centre, axis=1)))


def _round_radius(radius: float) -> float:
    return float(np.ceil(radius / _RADIUS_STEP) * _RADIUS_STEP)


def _light_camera(rot: np.ndarray, c: np.ndarray, radius: float) -> tuple[np.ndarray, float]:
    """World -> light clip ``(4, 4)`` of the orthographic camera with axes ``rot`` centred on
    light-axis point ``c`` (square half-side ``radius``), and its depth range, metres."""
    view = np.eye(4)
    view[:3, :3] = rot
    view[:3, 3] = -c
    z_near, z_far = radius + CASTER_MARGIN, -radius  # light-axis z of the clip planes
    span = z_near - z_far
    ortho = np.diag([1.0 / radius, 1.0 / radius, -2.0 / span, 1.0])
    ortho[2, 3] = (z_near + z_far) / span
    return ortho @ view, span


def sun_shadow_fit(take: Take, t: int, near: float, distance: float, map_size: int) -> ShadowFit:
    """The orthographic light camera of frame ``t`` covering the view frustum from ``near`` to
    ``distance`` metres (see the module docstring)."""
    centre, radius = _slab_sphere(take, t, near, distance)
    radius = _round_radius(radius)
    rot = _light_axes(sun_unit_direction(take, t))
    texel = 2.0 * radius / map_size
    c = rot @ centre
    c[:2] = np.round(c[:2] / texel) * texel  # whole-texel steps: static shadows stay put
    world_to_clip, span = _light_camera(rot, c, radius)
    c2w = np.linalg.inv(np.asarray(take.camera_world_to_camera[t], dtype=np.float64))
    return ShadowFit(world_to_clip @ c2w, texel, span, world_to_clip)


def cascade_count(distance: float, far_distance: float) -> int:
    """Cascades of the shadow map: the near one (to ``distance`` metres), and the far one when
    ``far_distance`` reaches beyond it (fitted by :class:`FarCascade`)."""
    return 2 if far_distance > distance else 1


class FarCascade:
    """The far cascade's light camera, fixed in the world until the frustum slab it covers leaves
    its footprint (see the module docstring). Plain numpy; :meth:`reset` before each take.

    Args:
        map_size: side of the cascade's map, texels.
        padding: footprint radius over the slab sphere's radius, minus one (:data:`FAR_PADDING`).
    """

    def __init__(self, map_size: int, padding: float = FAR_PADDING):
        if padding < 0.0:
            raise ValueError(f"far cascade padding must be >= 0, got {padding}")
        self.map_size, self.padding = map_size, padding
        self.reset()

    def reset(self) -> None:
        """Forget the fitted camera: the next :meth:`update` fits afresh."""
        self._to_sun: np.ndarray | None = None
        self._rot = self._centre = self._world_to_clip = None
        self._radius = self._texel = self._span = 0.0

    def _contains(self, centre: np.ndarray, radius: float) -> bool:
        """Whether the light camera's box holds the world sphere (``centre``, ``radius``)."""
        c = self._rot @ centre
        d = np.abs(c - self._centre) + radius
        return bool(np.all(d[:2] <= self._radius) and d[2] <= self._radius)

    def update(self, take: Take, t: int, distance: float, far_distance: float) -> tuple[ShadowFit, bool]:
        """The far cascade's light camera of frame ``t`` (covering ``distance`` to ``far_distance``
        metres of the view frustum) and whether it was re-fitted this frame (then every cached
        static caster must be drawn again)."""
        centre, radius = _slab_sphere(take, t, distance, far_distance)
        to_sun = sun_unit_direction(take, t)
        wanted = _round_radius(radius * (1.0 + self.padding))
        refit = (self._to_sun is None or not np.array_equal(to_sun, self._to_sun)
                 or not self._contains(centre, radius)
                 or self._radius > _round_radius(radius * (1.0 + self.padding) ** 2))  # zoomed in a lot
        if refit:
            self._to_sun, self._rot, self._radius = to_sun, _light_axes(to_sun), wanted
            self._texel = 2.0 * wanted / self.map_size
            self._centre = np.round(self._rot @ centre / self._texel) * self._texel  # one texel lattice
            self._world_to_clip, self._span = _light_camera(self._rot, self._centre, wanted)
        c2w = np.linalg.inv(np.asarray(take.camera_world_to_camera[t], dtype=np.float64))
        return ShadowFit(self._world_to_clip @ c2w, self._texel, self._span, self._world_to_clip), refit


def mesh_bounds(mesh: Mesh) -> np.ndarray:
    """``(2, 3) float64`` low and high corner of ``mesh``'s box (its local frame); NaN when it has
    no triangles."""
    if len(mesh.indices) == 0 or len(mesh.positions) == 0:
        return np.full((2, 3), np.nan)
    p = np.asarray(mesh.positions, dtype=np.float64)
    return np.stack([p.min(axis=0), p.max(axis=0)])


def skin_reach(skin: Skin) -> float:
    """Metres a skinned vertex can lie from the origin of a bone it follows (any pose): the largest
    ``|inverse_bind[b] @ p|`` over vertices ``p`` and the bones ``b`` they weigh. A blend of rigid
    bone transforms keeps each vertex inside the union of these spheres around its bones."""
    p = np.c_[np.asarray(skin.mesh.positions, dtype=np.float64), np.ones(len(skin.mesh.positions))]
    reach = 0.0
    for b in range(len(skin.bone_parts)):
        used = np.any((skin.bones == b) & (skin.weights > 0.0), axis=1)
        if np.any(used):
            local = p[used] @ skin.inverse_bind[b].T
            reach = max(reach, float(np.max(np.linalg.norm(local[:, :3], axis=1))))
    return reach


class ShadowCasters:
    """What casts shadows in a take: which parts never move (the far cascade's cached casters),
    which are the floor (they cannot shadow anything), and every caster's world box per frame.

    A *floor* part is a static, flat, horizontal part (its world box at most :data:`FLOOR_FLATNESS`
    thick) with no other static part below its plane, no person's bone origin and no moving part
    more than :data:`FLOOR_MARGIN` below it, and the camera above it in every frame: the ground.
    Every point the camera can see lies on or above that plane, and the sun is above the horizon
    whenever shadows are drawn, so the plane can shadow nothing (not even itself); it is left out of
    the shadow maps, where it was the most triangles and most of the pass's time.

    Attributes:
        static: ``(P,) bool`` parts whose pose is the same in every frame (skins always move).
        floor: ``(P,) bool`` floor parts (see above), never drawn into a shadow map.
    """

    def __init__(self, take: Take):
        pos, quat = np.asarray(take.part_pos), np.asarray(take.part_quat)
        self.static = (np.all(pos == pos[:1], axis=(0, 2)) & np.all(quat == quat[:1], axis=(0, 2))
                       if take.num_parts else np.zeros(0, dtype=bool))
        self._local = (np.stack([mesh_bounds(take.meshes[int(m)]) for m in take.part_mesh])
                       if take.num_parts else np.zeros((0, 2, 3)))
        self._skin_reach = np.array([skin_reach(skin) for skin in take.skins], dtype=np.float64)
        self._take = take
        self.floor = self._floor_parts()

    def _floor_parts(self) -> np.ndarray:
        take = self._take
        floor = np.zeros(take.num_parts, dtype=bool)
        if not take.num_parts:
            return floor
        boxes = np.stack([self.bounds(t)[0] for t in range(take.num_frames)])  # (T, P, 2, 3)
        low, high = boxes[:, :, 0, 2], boxes[:, :, 1, 2]
        flat = self.static & np.all(high - low <= FLOOR_FLATNESS, axis=0)
        cameras = np.linalg.inv(np.asarray(take.camera_world_to_camera, dtype=np.float64))[:, 2, 3]
        bones = np.concatenate([np.asarray(take.part_pos, dtype=np.float64)[:, skin.bone_parts, 2].ravel()
                                for skin in take.skins] or [np.zeros(0)])
        for p in np.flatnonzero(flat):
            plane = high[0, p]
            others = np.ones(take.num_parts, dtype=bool)
            others[p] = False
            static_below = others & self.static & np.any(low < plane - FLOOR_FLATNESS, axis=0)
            moving_below = others & ~self.static & np.any(low < plane - FLOOR_MARGIN, axis=0)
            floor[p] = (not static_below.any() and not moving_below.any() and np.all(cameras > plane)
                        and not np.any(bones < plane - FLOOR_MARGIN))
        return floor

    def bounds(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """World boxes of frame ``t``: ``(P, 2, 3)`` of the parts (NaN for parts without
        triangles) and ``(S, 2, 3)`` of the skins, float64 metres (low corner, high corner)."""
        take = self._take
        P = take.num_parts
        parts = np.full((P, 2, 3), np.nan)
        if P:
            rot = quat_to_matrix(np.asarray(take.part_quat[t], dtype=np.float64))
            centre = 0.5 * (self._local[:, 0] + self._local[:, 1])
            half = 0.5 * (self._local[:, 1] - self._local[:, 0])
            world_centre = np.einsum("pij,pj->pi", rot, centre) + take.part_pos[t]
            world_half = np.einsum("pij,pj->pi", np.abs(rot), half)
            parts = np.stack([world_centre - world_half, world_centre + world_half], axis=1)
        skins = np.zeros((len(take.skins), 2, 3))
        for i, skin in enumerate(take.skins):
            origins = np.asarray(take.part_pos[t][skin.bone_parts], dtype=np.float64).reshape(-1, 3)
            if len(origins) == 0:
                skins[i] = np.nan
                continue
            skins[i] = [origins.min(axis=0) - self._skin_reach[i], origins.max(axis=0) + self._skin_reach[i]]
        return parts, skins


def _box_corners(boxes: np.ndarray) -> np.ndarray:
    """``(N, 8, 3)`` corners of ``(N, 2, 3)`` boxes."""
    idx = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
    return np.stack([boxes[:, idx[:, 0], 0], boxes[:, idx[:, 1], 1], boxes[:, idx[:, 2], 2]], axis=-1)


def _to_clip(world_to_light_clip: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``(..., 3)`` light clip coordinates of ``(..., 3)`` world points (orthographic: w = 1)."""
    return points @ world_to_light_clip[:3, :3].T + world_to_light_clip[:3, 3]


def outside_light_box(world_to_light_clip: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``(N,) bool``: the world box lies wholly beyond one clip plane of the light camera, so every
    triangle inside it is clipped away (NaN boxes: nothing to draw, True)."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=bool)
    clip = _to_clip(world_to_light_clip, _box_corners(boxes))
    with np.errstate(invalid="ignore"):
        out = np.any(np.all(clip > 1.0, axis=1) | np.all(clip < -1.0, axis=1), axis=1)
    return out | np.any(np.isnan(boxes), axis=(1, 2))


def shadow_inside_near(near_world_to_light_clip: np.ndarray, boxes: np.ndarray, to_sun: np.ndarray,
                       floor_z: float, margin: float) -> np.ndarray:
    """``(N,) bool``: every point a caster in the world box can shadow lies inside the near light
    camera's box, so the lighting pass never reads that caster from the far cascade.

    A point the caster shadows lies on a ray from the caster away from the sun, above the lowest
    geometry (``floor_z``, world z in metres); the box grown by ``margin`` metres (the PCF kernel's
    and the receivers' normal offset's reach) swept that way down to ``floor_z - margin`` is a
    convex hull of 16 points, tested against the near box. NaN boxes give False.
    """
    if len(boxes) == 0:
        return np.zeros(0, dtype=bool)
    grown = np.stack([boxes[:, 0] - margin, boxes[:, 1] + margin], axis=1)
    corners = _box_corners(grown)
    drop = (corners[..., 2] - (floor_z - margin)) / max(float(to_sun[2]), 1e-6)
    floor = corners - drop[..., None] * to_sun
    clip = _to_clip(near_world_to_light_clip, np.concatenate([corners, floor], axis=1))
    with np.errstate(invalid="ignore"):
        return np.all(np.abs(clip) <= 1.0, axis=(1, 2))


class ShadowMap:
    """The shadow maps' depth textures, with depth comparison (``sampler2DShadow``), and their
    framebuffers: ``depth``, an atlas of ``cascades`` square maps side by side (cascade ``i`` in
    texel columns ``i * size .. (i + 1) * size``; with two cascades the second holds the far
    cascade's moving casters), and with two cascades ``static``, the far cascade's cached static
    casters (``static_size`` = :data:`STATIC_SCALE` x ``size`` texels square, at most
    ``GL_MAX_TEXTURE_SIZE``).

    Args:
        ctx: the GL context.
        size: side of one cascade's map, texels.
        cascades: maps in the atlas (1 or 2).
    """

    def __init__(self, ctx: moderngl.Context, size: int, cascades: int = 1):
        if cascades not in (1, 2):
            raise ValueError(f"a shadow map holds 1 or 2 cascades, got {cascades}")
        self.size, self.cascades = size, cascades
        self._objects: list = []
        try:
            self.static_size = min(STATIC_SCALE * size, int(ctx.info["GL_MAX_TEXTURE_SIZE"]))
            self.static = self._texture(ctx, (self.static_size,) * 2) if cascades > 1 else None
            self.static_fbo = self._add(ctx.framebuffer(depth_attachment=self.static)) if cascades > 1 else None
            self.depth = self._texture(ctx, (size * cascades, size))
            self.fbo = self._add(ctx.framebuffer(depth_attachment=self.depth))
        except BaseException:
            self.release()
            raise

    def _add(self, obj):
        self._objects.append(obj)
        return obj

    def _texture(self, ctx: moderngl.Context, shape: tuple[int, int]) -> moderngl.Texture:
        texture = self._add(ctx.depth_texture(shape))
        texture.compare_func = "<="
        texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        texture.repeat_x = texture.repeat_y = False
        return texture

    def clear(self) -> None:
        """Clear the whole atlas (a clear of part of it, scissored, costs llvmpipe about 20 times
        as much as a clear of all of it)."""
        self.fbo.use()
        self.fbo.clear(depth=1.0)

    def use_cascade(self, index: int) -> None:
        """Bind the atlas framebuffer with the viewport on cascade ``index``'s square."""
        self.fbo.use()
        self.fbo.viewport = (index * self.size, 0, self.size, self.size)

    def use_static(self) -> None:
        """Bind and clear the far cascade's static cache."""
        self.static_fbo.use()
        self.static_fbo.viewport = (0, 0, self.static_size, self.static_size)
        self.static_fbo.clear(depth=1.0)

    def bind(self, unit: int, static_unit: int) -> None:
        """Bind the atlas to texture unit ``unit`` and the static cache (if any) to ``static_unit``."""
        self.depth.use(location=unit)
        if self.static is not None:
            self.static.use(location=static_unit)

    def release(self) -> None:
        """Free the framebuffers and the textures."""
        for obj in reversed(self._objects):
            obj.release()
        self._objects.clear()
