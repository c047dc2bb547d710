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

The light cameras live in :mod:`phav.render.sun_camera` (re-exported here). What a frame's plan
needs is computed once per take, for every frame at once: the light cameras (:class:`SunFrames`)
and the casters' boxes (:class:`ShadowCasters`); the culling functions here take many frames at
once too, so :mod:`phav.render.shadow_plan` culls blocks of frames in a few products. The tests
hold these to per-frame reference definitions.
"""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.geometry import quat_to_matrix
from phav.render.sun_camera import (  # noqa: F401  (re-exported: the light cameras belong to this design)
    CASTER_MARGIN, FAR_PADDING, MIN_SUN_ELEVATION, MIN_SUN_IRRADIANCE, FarCascade, ShadowFit, SunFrames,
    camera_inverses, cascade_count, frustum_corners, sun_casts_shadows, sun_shadow_fit, sun_shadow_fits,
    sun_unit_direction)
from phav.render.targets import DepthClear
from phav.take import Mesh, Skin, Take

#: A static part whose world box is at most this thick (metres) and horizontal may be the floor.
FLOOR_FLATNESS = 1e-3
#: How far (metres) a person's bone origin or a moving part may dip below the floor's plane (feet
#: pressing into the ground, a falling prop) before the plane no longer counts as the floor.
FLOOR_MARGIN = 0.1
#: The far cascade's static cache has this many times the texels per side of a cascade's map: it is
#: drawn only when the far camera is re-fitted, so its texels cost little per frame, and it more
#: than makes up for the padding's 1.2x coarser texels. Its 64 MiB at the presets' 2048-texel maps
#: also lie above glibc's largest mmap threshold (32 MiB), so a software rasterizer's copy goes back
#: to the system when a renderer closes; at 16 MiB (scale 1) glibc kept a freed copy in a heap
#: about one time in two, and a process that makes many renderers held it.
STATIC_SCALE = 2
#: :meth:`ShadowMap.prepare` clears only the texels the previous frame's casters may have written
#: (scissored clears), unless they exceed this fraction of the atlas: then it clears all of it. On an
#: H200 the whole 4096x2048 atlas cleared every frame took most of the ``phav`` preset's 0.5 ms shadow
#: pass (a map half as wide: 1.31x the frames/s), while a person's shadow covers about 100x100
#: texels; llvmpipe clears a scissored rectangle at about 30 times the cost per texel of a whole
#: clear (0.05 ms for 64x128 texels, 0.8 ms for 1024x1024, 0.22 ms for all 4096x2048).
FULL_CLEAR_FRACTION = 1.0 / 32.0


def meshes_bounds(meshes: Sequence[Mesh]) -> np.ndarray:
    """``(M, 2, 3) float64`` low and high corner of each mesh's box (its local frame); NaN for a
    mesh without triangles. Every mesh's positions are reduced at once, as rows of one ``(3, N)``
    array (numpy reduces along rows about 20 times as fast as down the columns of ``(N, 3)``); the
    extremes are exact in the meshes' float32, so they are widened afterwards."""
    out = np.full((len(meshes), 2, 3), np.nan)
    drawn = [i for i, mesh in enumerate(meshes) if len(mesh.indices) and len(mesh.positions)]
    if drawn:
        sizes = np.array([len(meshes[i].positions) for i in drawn])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        p = np.ascontiguousarray(np.concatenate([meshes[i].positions for i in drawn]).T)
        out[drawn, 0] = np.minimum.reduceat(p, starts, axis=1).T
        out[drawn, 1] = np.maximum.reduceat(p, starts, axis=1).T
    return out


def mesh_bounds(mesh: Mesh) -> np.ndarray:
    """``(2, 3) float64`` :func:`meshes_bounds` of one mesh."""
    return meshes_bounds([mesh])[0]


def skin_reach(skin: Skin) -> float:
    """Metres a skinned vertex can lie from the origin of a bone it follows (any pose): the largest
    ``|inverse_bind[b] @ p|`` over vertices ``p`` and the bones ``b`` they weigh. A blend of rigid
    bone transforms keeps each vertex inside the union of these spheres around its bones."""
    p = np.c_[np.asarray(skin.mesh.positions, dtype=np.float64), np.ones(len(skin.mesh.positions))]
    B, V = len(skin.bone_parts), len(p)
    weighed = (skin.weights > 0.0) & (skin.bones < B)
    uses = np.zeros(B * V, dtype=bool)  # (bone, vertex) pairs, flat: bone * V + vertex
    uses[skin.bones[weighed].astype(np.intp) * V + np.nonzero(weighed)[0]] = True
    pairs = np.flatnonzero(uses)  # by bone, then vertex
    if not len(pairs):
        return 0.0
    bone, vertex = pairs // V, pairs % V
    # Each bone's vertices in one gathered array, each run transformed by its bone's inverse bind.
    local = p[vertex]
    edges = (np.flatnonzero(np.diff(bone)) + 1).tolist()
    for first, last in zip([0] + edges, edges + [len(bone)]):
        local[first:last] = local[first:last] @ skin.inverse_bind[bone[first]].T
    x, y, z = local[:, 0], local[:, 1], local[:, 2]
    return float(np.sqrt(np.max(x * x + y * y + z * z)))  # the largest norm (sqrt is monotonic)


class ShadowCasters:
    """What casts shadows in a take: which parts never move (the far cascade's cached casters),
    which are the floor (they cannot shadow anything), and every caster's world box per frame.

    A *floor* part is a static, flat, horizontal part (its world box at most :data:`FLOOR_FLATNESS`
    thick) with no other static part below its plane, no person's bone origin and no moving part
    more than :data:`FLOOR_MARGIN` below it, and the camera above it in every frame: the ground.
    Every point the camera can see lies on or above that plane, and the sun is above the horizon
    whenever shadows are drawn, so the plane can shadow nothing (not even itself); it is left out of
    the shadow maps, where it was the most triangles and most of the pass's time.

    Every frame's boxes are computed here at once (the take must not change afterwards), so a
    frame's shadow plan only looks them up.

    Args:
        take: the take.
        frames: the take's :class:`SunFrames`, if made already.

    Attributes:
        static: ``(P,) bool`` parts whose pose is the same in every frame (skins always move).
        floor: ``(P,) bool`` floor parts (see above), never drawn into a shadow map.
        moving: ``(P + S,) bool`` the casters that move (the parts that are not static, then every
            skin), in the order of :meth:`boxes`.
        drawable: ``(P + S,) bool`` the casters a shadow map may draw: not the floor, and with a
            box in some frame (the parts of a person's skeleton have no triangles: the skin draws
            them). Plans are culled among these only.
        frames: the take's :class:`SunFrames`.
    """

    def __init__(self, take: Take, frames: SunFrames | None = None):
        pos, quat = np.asarray(take.part_pos), np.asarray(take.part_quat)
        self.static = (np.all(pos == pos[:1], axis=(0, 2)) & np.all(quat == quat[:1], axis=(0, 2))
                       if take.num_parts else np.zeros(0, dtype=bool))
        meshes = np.asarray(take.part_mesh, dtype=np.intp)
        used = np.unique(meshes)  # parts share meshes: each mesh's box once
        local = np.zeros((len(take.meshes), 2, 3))
        local[used] = meshes_bounds([take.meshes[m] for m in used])
        self._local = local[meshes]  # (P, 2, 3)
        self._skin_reach = np.array([skin_reach(skin) for skin in take.skins], dtype=np.float64)
        self._take = take
        self.frames = frames if frames is not None else SunFrames(take)
        # Per frame, the parts' and skins' boxes in one array (T, P + S, 2, 3), which have none
        # (NaN), and the lowest box bottom (0 when no box has a finite coordinate).
        self._boxes = self._all_boxes()
        self.floor = self._floor_parts()
        self.moving = np.concatenate([~self.static, np.ones(len(take.skins), dtype=bool)])
        self._empty = np.any(np.isnan(self._boxes), axis=(2, 3))
        # A caster empty in every frame, or the floor, is never drawn into a shadow map.
        self.drawable = ~np.all(self._empty, axis=0)
        self.drawable[:take.num_parts] &= ~self.floor
        bottoms = self._boxes[:, :, 0, 2]
        with np.errstate(invalid="ignore"):
            lowest = np.where(np.all(np.isnan(bottoms), axis=1), np.nan,
                              np.fmin.reduce(bottoms, axis=1, initial=np.inf))
        self._floor_z = np.where(np.any(np.isfinite(self._boxes), axis=(1, 2, 3)), lowest, 0.0)
        for cache in (self._boxes, self._empty):  # handed out as views: a write would change later frames' plans
            cache.setflags(write=False)

    def _all_boxes(self) -> np.ndarray:
        """Every frame's boxes, ``(T, P + S, 2, 3)``: the parts', then the skins' (:meth:`bounds`)."""
        take = self._take
        T, P = take.num_frames, take.num_parts
        boxes = np.full((T, P + len(take.skins), 2, 3), np.nan)
        drawn = np.flatnonzero(~np.isnan(self._local).any(axis=(1, 2)))  # parts with triangles
        if len(drawn):
            rot = quat_to_matrix(np.asarray(take.part_quat, dtype=np.float64)[:, drawn])  # (T, N, 3, 3)
            local = self._local[drawn]
            centre = 0.5 * (local[:, 0] + local[:, 1])
            half = 0.5 * (local[:, 1] - local[:, 0])
            world_centre = np.einsum("tpij,pj->tpi", rot, centre) + np.asarray(take.part_pos)[:, drawn]
            world_half = np.einsum("tpij,pj->tpi", np.abs(rot), half)
            boxes[:, drawn, 0] = world_centre - world_half
            boxes[:, drawn, 1] = world_centre + world_half
        for i, skin in enumerate(take.skins, start=P):
            if len(skin.bone_parts) == 0:  # no bones: no box (NaN)
                continue
            origins = np.asarray(take.part_pos, dtype=np.float64)[:, skin.bone_parts].reshape(T, -1, 3)
            boxes[:, i, 0] = origins.min(axis=1) - self._skin_reach[i - P]
            boxes[:, i, 1] = origins.max(axis=1) + self._skin_reach[i - P]
        return boxes

    def _floor_parts(self) -> np.ndarray:
        take = self._take
        floor = np.zeros(take.num_parts, dtype=bool)
        if not take.num_parts:
            return floor
        boxes = self._boxes[:, :take.num_parts]  # (T, P, 2, 3)
        low, high = boxes[:, :, 0, 2], boxes[:, :, 1, 2]
        flat = self.static & np.all(high - low <= FLOOR_FLATNESS, axis=0)
        cameras = self.frames.camera_to_world[:, 2, 3]
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
        triangles) and ``(S, 2, 3)`` of the skins (NaN for skins without bones), float64 metres
        (low corner, high corner). Read-only views (writing raises): copy before changing them."""
        P = self._take.num_parts
        return self._boxes[t, :P], self._boxes[t, P:]

    def boxes(self, t: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Frame ``t``'s ``(P + S, 2, 3)`` boxes (the parts', then the skins', as :meth:`bounds`),
        ``(P + S,) bool`` which of them are empty (NaN), and the lowest box bottom (world z,
        metres; 0 when no box has a finite coordinate). The arrays are read-only views."""
        return self._boxes[t], self._empty[t], float(self._floor_z[t])

    def boxes_of(self, frames: np.ndarray, casters: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`boxes` of several frames (``(F,)`` ints) at once: ``(F, N, 2, 3)`` boxes,
        ``(F, N) bool`` empty marks and ``(F,)`` lowest bottoms (new arrays), of every caster
        (``N = P + S``) or of the ``(N,)`` indices ``casters`` only."""
        if casters is None:
            return self._boxes[frames], self._empty[frames], self._floor_z[frames]
        rows = np.asarray(frames, dtype=np.intp)[:, None]
        return self._boxes[rows, casters], self._empty[rows, casters], self._floor_z[frames]


#: The 8 corners of a box as (low or high) per axis: corner ``c`` takes axis ``a`` from side
#: ``_CORNER_SIDES[c, a]`` of the ``(2, 3)`` box.
_CORNER_SIDES = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
_AXES = np.arange(3)


def box_corners(boxes: np.ndarray) -> np.ndarray:
    """``(..., 8, 3)`` corners of ``(..., 2, 3)`` boxes."""
    return boxes[..., _CORNER_SIDES, _AXES]


def outside_light_corners(world_to_light_clip: np.ndarray, corners: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """:func:`outside_light_box` from the boxes' ``(N, 8, 3)`` corners (:func:`box_corners`) and
    ``(N,) bool`` marks of the empty (NaN) boxes, for one light camera ``(4, 4)`` (result ``(N,)``)
    or several at once ``(C, 4, 4)`` (result ``(C, N)``); or for F frames at once, each with its
    own boxes and cameras: ``(F, C, 4, 4)`` cameras, ``(F, N, 8, 3)`` corners and ``(F, N)`` marks
    (result ``(F, C, N)``)."""
    cameras = np.asarray(world_to_light_clip)
    if cameras.ndim == 4:
        return _outside_per_frame(cameras, np.asarray(corners), np.asarray(empty))
    out = _outside_per_frame(cameras.reshape(1, -1, 4, 4), np.asarray(corners)[None], np.asarray(empty)[None])[0]
    return out if cameras.ndim == 3 else out[0]


def light_clip_bounds(cameras: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The light clip x, y, z extents of boxes, for F frames each with its own C light cameras
    ``(F, C, 4, 4)`` and N boxes' corners ``(F, N, 8, 3)`` (:func:`box_corners`): ``(low, high)``,
    each ``(F, N, C, 3) float64``, the smallest and largest over the 8 corners (NaN for a NaN box)."""
    F, C, N = len(cameras), cameras.shape[1], corners.shape[1]
    # Every camera's clip x, y, z of every corner of a frame in one product: (F, N, 8, 3C).
    clip = corners.reshape(F, N * 8, 3) @ np.swapaxes(cameras[:, :, :3, :3].reshape(F, 3 * C, 3), 1, 2)
    clip += cameras[:, :, :3, 3].reshape(F, 1, 3 * C)
    clip = clip.reshape(F, N, 8, 3 * C)
    # The extremes over the 8 corners by halving (exact; numpy reduces over a middle axis several
    # times slower), NaN kept as min and max keep it.
    low = high = clip
    for half in (4, 2, 1):
        low = np.minimum(low[:, :, :half], low[:, :, half:])
        high = np.maximum(high[:, :, :half], high[:, :, half:])
    return low.reshape(F, N, C, 3), high.reshape(F, N, C, 3)


def outside_from_bounds(low: np.ndarray, high: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """``(F, C, N) bool``: the boxes of :func:`light_clip_bounds` (``(F, N, C, 3)`` each) wholly
    beyond one clip plane of a camera, or empty (``(F, N) bool`` marks)."""
    with np.errstate(invalid="ignore"):
        beyond = ((low > 1.0) | (high < -1.0)).any(axis=3)  # (F, N, C)
    return np.swapaxes(beyond, 1, 2) | empty[:, None, :]


def _outside_per_frame(cameras: np.ndarray, corners: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """:func:`outside_light_corners` of ``(F, C, 4, 4)`` cameras, ``(F, N, 8, 3)`` corners and
    ``(F, N)`` empty marks: ``(F, C, N)``."""
    return outside_from_bounds(*light_clip_bounds(cameras, corners), empty)


def touched_texels(low: np.ndarray, high: np.ndarray, drawn: np.ndarray, size: int) -> np.ndarray:
    """The texels of each cascade's ``size`` x ``size`` map that the drawn boxes may write:
    ``(F, C, 4) int64`` rectangles ``(x0, y0, x1, y1)`` (end exclusive; ``x0 == x1``: none), from
    :func:`light_clip_bounds`' ``(F, N, C, 3)`` extents and ``(F, C, N) bool`` marks of the boxes
    drawn into each cascade. A box's light clip x, y in [-1, 1] spans texels 0..size, as the
    viewport maps it; the rectangle is widened by a texel each side (a triangle writes the texels
    whose centres it covers, all inside its box) and clipped to the map."""
    drawn_xy = np.swapaxes(drawn, 1, 2)[..., None]  # (F, N, C, 1)
    with np.errstate(invalid="ignore"):
        lo = np.where(drawn_xy, low[..., :2], np.inf).min(axis=1)  # (F, C, 2)
        hi = np.where(drawn_xy, high[..., :2], -np.inf).max(axis=1)
    first = np.floor((np.clip(lo, -2.0, 2.0) * 0.5 + 0.5) * size) - 1
    last = np.ceil((np.clip(hi, -2.0, 2.0) * 0.5 + 0.5) * size) + 1
    first, last = np.clip(first, 0, size).astype(np.int64), np.clip(last, 0, size).astype(np.int64)
    none = ~drawn.any(axis=2)[..., None] | (last <= first).any(axis=2, keepdims=True)
    return np.where(none, 0, np.concatenate([first, last], axis=2))


def outside_light_box(world_to_light_clip: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``(N,) bool``: the world box lies wholly beyond one clip plane of the light camera, so every
    triangle inside it is clipped away (NaN boxes: nothing to draw, True)."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=bool)
    return outside_light_corners(world_to_light_clip, box_corners(boxes), np.any(np.isnan(boxes), axis=(1, 2)))


def shadow_inside_near(near_world_to_light_clip: np.ndarray, boxes: np.ndarray, to_sun: np.ndarray,
                       floor_z: float | np.ndarray, margin: float | np.ndarray) -> np.ndarray:
    """``(N,) bool``: every point a caster in the world box can shadow lies inside the near light
    camera's box, so the lighting pass never reads that caster from the far cascade.

    A point the caster shadows lies on a ray from the caster away from the sun, above the lowest
    geometry (``floor_z``, world z in metres); the box grown by ``margin`` metres (the PCF kernel's
    and the receivers' normal offset's reach) swept that way down to ``floor_z - margin`` is a
    convex hull of 16 points, tested against the near box. NaN boxes give False.

    For F frames at once: ``(F, 4, 4)`` cameras, ``(F, N, 2, 3)`` boxes, ``(F, 3)`` sun directions,
    ``(F,)`` floors and margins; result ``(F, N)``.
    """
    camera = np.asarray(near_world_to_light_clip)
    if camera.ndim == 3:
        return _inside_near_per_frame(camera, np.asarray(boxes), np.asarray(to_sun, dtype=np.float64),
                                      np.asarray(floor_z, dtype=np.float64), np.asarray(margin, dtype=np.float64))
    return _inside_near_per_frame(camera[None], np.asarray(boxes)[None], np.asarray(to_sun, dtype=np.float64)[None],
                                  np.array([floor_z], dtype=np.float64), np.array([margin], dtype=np.float64))[0]


def _inside_near_per_frame(cameras: np.ndarray, boxes: np.ndarray, to_sun: np.ndarray, floor_z: np.ndarray,
                           margin: np.ndarray) -> np.ndarray:
    """:func:`shadow_inside_near` of F frames: ``(F, 4, 4)``, ``(F, N, 2, 3)``, ``(F, 3)``, ``(F,)``,
    ``(F,)`` -> ``(F, N)``."""
    F, N = boxes.shape[:2]
    if N == 0:
        return np.zeros((F, 0), dtype=bool)
    grow = margin[:, None, None]
    corners = box_corners(np.stack([boxes[:, :, 0] - grow, boxes[:, :, 1] + grow], axis=2))  # (F, N, 8, 3)
    lowest = (floor_z - margin)[:, None, None]
    drop = (corners[..., 2] - lowest) / np.maximum(to_sun[:, 2], 1e-6)[:, None, None]
    floor = corners - drop[..., None] * to_sun[:, None, None, :]
    points = np.concatenate([corners, floor], axis=2).reshape(F, N * 16, 3)
    clip = points @ np.swapaxes(cameras[:, :3, :3], 1, 2) + cameras[:, None, :3, 3]
    with np.errstate(invalid="ignore"):
        return (np.abs(clip) <= 1.0).reshape(F, N, -1).all(axis=2)


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
        self._dirty: list[tuple[int, int, int, int]] | None = None  # drawn since the last clear; None: all may be
        self._depth_clear = DepthClear(ctx)  # glClearBufferfv: no framebuffer binds (moderngl's clear makes two)
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

    def prepare(self, touched: Sequence[Sequence[int]]) -> None:
        """Make the atlas far (depth 1) everywhere before a frame's casters are drawn, then note
        ``touched``, the ``cascades`` texel rectangles ``(x0, y0, x1, y1)`` (per cascade's
        square, end exclusive) this frame's draws may write
        (:attr:`~phav.render.shadow_plan.ShadowFramePlan.touched`): the next call clears only
        those, scissored, unless they cover more than :data:`FULL_CLEAR_FRACTION` of the atlas (the
        first call clears all of it). The atlas then holds exactly what a whole clear would leave."""
        self.fbo.use()
        dirty, size = self._dirty, self.size
        if dirty is None or sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in dirty) > \
                FULL_CLEAR_FRACTION * size * size * self.cascades:
            self._depth_clear.clear_bound(self.fbo)
        else:
            for i, (x0, y0, x1, y1) in enumerate(dirty):
                if x1 > x0:
                    self._depth_clear.clear_bound(self.fbo, (i * size + x0, y0, x1 - x0, y1 - y0))
        rects = [tuple(int(v) for v in r) for r in touched]  # plain ints: a frame's few rectangles
        if len(rects) != self.cascades or any(len(r) != 4 for r in rects):
            raise ValueError(f"touched texels {rects} are not {self.cascades} rectangles (x0, y0, x1, y1)")
        if any(x0 < 0 or y0 < 0 or x1 > size or y1 > size for x0, y0, x1, y1 in rects):
            raise ValueError(f"touched texels {rects} reach outside the {size}-texel cascades")
        self._dirty = [r if r[2] > r[0] and r[3] > r[1] else (0, 0, 0, 0) for r in rects]

    def use_cascade(self, index: int) -> None:
        """Bind the atlas framebuffer, unless it is bound already (binding one costs NVIDIA's driver
        about 15 us of CPU), with the viewport on cascade ``index``'s square."""
        if self.fbo.ctx.fbo is not self.fbo:
            self.fbo.use()
        self.fbo.viewport = (index * self.size, 0, self.size, self.size)

    def use_static(self) -> None:
        """Bind and clear the far cascade's static cache."""
        self.static_fbo.use()
        self.static_fbo.viewport = (0, 0, self.static_size, self.static_size)
        self._depth_clear.clear_bound(self.static_fbo)

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
