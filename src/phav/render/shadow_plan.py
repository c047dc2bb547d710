"""What the sun's shadow pass draws in each frame (plain numpy; the renderer draws it).

:func:`plan_shadow_frames` takes each frame's near light camera, updates the far cascade's
world-fixed camera (:class:`~phav.render.shadows.FarCascade`) frame by frame, culls every caster
against each camera's box, for all the frames at once, and decides which casters go where (design:
:mod:`phav.render.shadows`):

* near cascade: every part and skin whose box reaches the near light camera's box, but the floor
  (:class:`~phav.render.shadows.ShadowCasters`: the ground cannot shadow anything);
* far cascade's static cache: only when the far camera has just been re-fitted, the parts that
  never move in the take and reach the far box;
* far cascade's per-frame map: the moving parts and skins that reach the far box and whose shadow,
  down to the lowest geometry of the frame, may leave the near cascade.

The renderer asks a :class:`ShadowPlanner` for each frame's plan; it plans blocks of frames ahead.
Only the casters a map may draw are culled (:attr:`~phav.render.shadows.ShadowCasters.drawable`:
a Plain take's 18 casters are the floor, the person's 16 skeleton parts without triangles, and the
skin that is drawn); the far cascade's decisions run frame by frame on Python floats. Casters and
plans of a 120-frame 340x256 Walk took 16.1 ms of CPU in the Plain and 21.6 in the Urban when
every caster was culled and the far cascade was updated with numpy per frame, 10.8 and 16.3 ms
now (medians of 4 alternating process pairs, 2026-11-27; a noisy 2-core machine).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from phav.render.settings import RenderSettings
from phav.render.shadows import (ShadowCasters, box_corners, light_clip_bounds, outside_from_bounds,
                                 shadow_inside_near, touched_texels)
from phav.render.sun_camera import FarCascade, ShadowFit
from phav.take import Take

#: Caster boxes (frames x casters) a :class:`ShadowPlanner` culls in one go: about 2 MiB of light
#: clip coordinates, so a take with few casters is planned in one go and one with thousands a few
#: frames at a time.
PLAN_BOXES = 4096


@dataclasses.dataclass(frozen=True)
class ShadowFramePlan:
    """The casters of one frame's shadow maps.

    Attributes:
        near: the near cascade's light camera.
        near_parts, near_skins: ``(P,)`` and ``(S,)`` bool: drawn into the near cascade.
        far: the far cascade's light camera, or ``None`` with a single cascade.
        static_parts: ``(P,)`` bool: redraw the static cache with these parts (the far camera was
            re-fitted this frame), or ``None`` when the cache is still valid.
        moving_parts, moving_skins: ``(P,)`` and ``(S,)`` bool: drawn into the far cascade's
            per-frame map (all False with a single cascade).
        touched: per cascade of the per-frame atlas (near, then the far one's moving casters),
            the texels its draws may write: ``C`` tuples of ints ``(x0, y0, x1, y1)`` in the
            cascade's square, end exclusive (:func:`~phav.render.shadows.touched_texels`; all 0:
            none), so that the next frame clears only those
            (:meth:`~phav.render.shadows.ShadowMap.prepare`).
        moving: whether any moving caster is drawn into the far cascade this frame.
    """

    near: ShadowFit
    near_parts: np.ndarray
    near_skins: np.ndarray
    far: ShadowFit | None
    static_parts: np.ndarray | None
    moving_parts: np.ndarray
    moving_skins: np.ndarray
    touched: tuple[tuple[int, int, int, int], ...]
    moving: bool


def plan_shadow_frame(take: Take, t: int, settings: RenderSettings, casters: ShadowCasters,
                      far_cascade: FarCascade | None) -> ShadowFramePlan:
    """Plan frame ``t``'s shadow maps (see the module docstring): :func:`plan_shadow_frames` of
    one frame."""
    return plan_shadow_frames(take, [t], settings, casters, far_cascade)[0]


def plan_shadow_frames(take: Take, frames: Sequence[int], settings: RenderSettings, casters: ShadowCasters,
                       far_cascade: FarCascade | None) -> list[ShadowFramePlan]:
    """Plan the shadow maps of ``frames`` (see the module docstring), one plan per frame, the
    culling of every frame done at once. ``far_cascade`` is ``None`` for a single cascade;
    otherwise it is updated at each frame in the order given (re-fitted when the camera has left
    its footprint), as frame-by-frame planning would. ``casters`` must be made from ``take``."""
    s, P = settings, take.num_parts
    ts = np.asarray(frames, dtype=np.intp)
    if len(ts) == 0:
        return []
    sun = casters.frames
    # Only the casters a map may draw are culled (the floor and the skeletons' empty parts never
    # are): every mark of the others stays False.
    live = np.flatnonzero(casters.drawable)
    boxes, empty, floor_z = casters.boxes_of(ts, live)  # (F, N, 2, 3)
    corners = box_corners(boxes)
    distance = min(s.shadow_distance, s.far)
    near = [sun.shadow_fit(int(t), s.near, distance, s.shadow_map_size) for t in ts]
    near_cameras = np.stack([fit.world_to_light_clip for fit in near])
    if far_cascade is None:
        cameras = near_cameras[:, None]
    else:
        far_distance = min(s.shadow_far_distance, s.far)
        far, refits = zip(*far_cascade.update_frames(sun, ts, distance, far_distance))
        cameras = np.stack([near_cameras, np.stack([fit.world_to_light_clip for fit in far])], axis=1)
    low, high = light_clip_bounds(cameras, corners)
    inside = ~outside_from_bounds(low, high, empty)  # (F, cascades, N)
    width = len(casters.moving)  # P + S
    near_in = _scatter(inside[:, 0], live, width)
    if far_cascade is None:
        touched = _rectangles(touched_texels(low, high, inside[:, :1], s.shadow_map_size))
        no_parts, no_skins = np.zeros(P, bool), np.zeros(width - P, bool)
        return [ShadowFramePlan(fit, near_in[i, :P], near_in[i, P:], None, None, no_parts, no_skins, touched[i], False)
                for i, fit in enumerate(near)]
    far_in = inside[:, 1]
    live_parts = live[live < P]  # live is sorted: the parts' columns come first
    static_parts = _scatter(far_in[:, :len(live_parts)] & casters.static[live_parts], live_parts, P)
    # A moving caster (never a static part) whose shadow stays inside the near cascade is not drawn
    # into the far one: how far beyond a caster's shadow the lighting pass's kernel and normal
    # offset read.
    far_texel = np.array([fit.texel_size for fit in far])
    near_texel = np.array([fit.texel_size for fit in near])
    reach = (s.shadow_softness + 1.0 + s.shadow_normal_offset) * far_texel + s.shadow_normal_offset * near_texel
    moving = casters.moving[live]
    far_moving = far_in & moving
    far_moving[:, moving] &= ~shadow_inside_near(cameras[:, 0], boxes[:, moving],
                                                 np.stack([sun.to_sun(int(t)) for t in ts]), floor_z, reach)
    touched = _rectangles(touched_texels(low, high, np.stack([inside[:, 0], far_moving], axis=1), s.shadow_map_size))
    moving_any = far_moving.any(axis=1).tolist()
    far_moving = _scatter(far_moving, live, width)
    return [ShadowFramePlan(near[i], near_in[i, :P], near_in[i, P:], far[i],
                            static_parts=static_parts[i] if refits[i] else None,
                            moving_parts=far_moving[i, :P], moving_skins=far_moving[i, P:], touched=touched[i],
                            moving=moving_any[i])
            for i in range(len(ts))]


def _scatter(marks: np.ndarray, columns: np.ndarray, width: int) -> np.ndarray:
    """``(F, width) bool``: ``(F, N)`` ``marks`` put in ``columns`` ``(N,)``, False elsewhere."""
    out = np.zeros((len(marks), width), dtype=bool)
    out[:, columns] = marks
    return out


def _rectangles(rects: np.ndarray) -> list[tuple[tuple[int, int, int, int], ...]]:
    """``(F, C, 4)`` ints as per frame a tuple of ``C`` tuples of Python ints."""
    return [tuple(tuple(r) for r in frame) for frame in rects.tolist()]


class ShadowPlanner:
    """The shadow plans of one take, made :data:`PLAN_BOXES` caster boxes' worth of frames at a
    time as the renderer asks for them (frame by frame, in order).

    A frame asked for that is not planned yet is planned with the frames after it whose sun casts
    shadows (:meth:`~phav.render.sun_camera.SunFrames.casts_shadows`), up to the block's size:
    exactly the frames the renderer asks for next, so the far cascade is updated at the same
    frames, in the same order, as frame-by-frame planning.

    Args:
        take, settings, casters, far_cascade: as :func:`plan_shadow_frames`.
    """

    def __init__(self, take: Take, settings: RenderSettings, casters: ShadowCasters,
                 far_cascade: FarCascade | None):
        self._take, self._settings, self._casters, self._far = take, settings, casters, far_cascade
        self._block = max(1, PLAN_BOXES // max(1, len(casters.moving)))  # moving: one mark per caster
        self._plans: dict[int, ShadowFramePlan] = {}

    def plan(self, t: int) -> ShadowFramePlan:
        """Frame ``t``'s :class:`ShadowFramePlan`."""
        plan = self._plans.get(t)
        if plan is None:
            sun = self._casters.frames
            later = range(t + 1, min(t + self._block, self._take.num_frames))
            block = [t] + [f for f in later if sun.casts_shadows(f)]
            plans = plan_shadow_frames(self._take, block, self._settings, self._casters, self._far)
            self._plans = dict(zip(block, plans))
            plan = self._plans[t]
        return plan
