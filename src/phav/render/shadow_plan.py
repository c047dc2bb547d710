"""What the sun's shadow pass draws in one frame (plain numpy; the renderer draws it).

:func:`plan_shadow_frame` fits the near light camera, updates the far cascade's world-fixed camera
(:class:`~phav.render.shadows.FarCascade`), culls every caster against each camera's box and decides
which casters go where (design: :mod:`phav.render.shadows`):

* near cascade: every part and skin whose box reaches the near light camera's box, but the floor
  (:class:`~phav.render.shadows.ShadowCasters`: the ground cannot shadow anything);
* far cascade's static cache: only when the far camera has just been re-fitted, the parts that
  never move in the take and reach the far box;
* far cascade's per-frame map: the moving parts and skins that reach the far box and whose shadow,
  down to the lowest geometry of the frame, may leave the near cascade.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.render.settings import RenderSettings
from phav.render.shadows import ShadowCasters, box_corners, outside_light_corners, shadow_inside_near
from phav.render.sun_camera import FarCascade, ShadowFit, sun_shadow_fit
from phav.take import Take


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
    """

    near: ShadowFit
    near_parts: np.ndarray
    near_skins: np.ndarray
    far: ShadowFit | None
    static_parts: np.ndarray | None
    moving_parts: np.ndarray
    moving_skins: np.ndarray

    @property
    def moving(self) -> bool:
        """Whether any moving caster is drawn into the far cascade this frame."""
        return bool(self.moving_parts.any() or self.moving_skins.any())


def plan_shadow_frame(take: Take, t: int, settings: RenderSettings, casters: ShadowCasters,
                      far_cascade: FarCascade | None) -> ShadowFramePlan:
    """Plan frame ``t``'s shadow maps (see the module docstring). ``far_cascade`` is ``None`` for a
    single cascade; otherwise it is updated (re-fitted when the camera has left its footprint).
    ``casters`` must be made from ``take``."""
    s = settings
    P = take.num_parts
    boxes, empty, floor_z = casters.boxes(t)  # parts, then skins
    corners = box_corners(boxes)
    distance = min(s.shadow_distance, s.far)
    near = sun_shadow_fit(take, t, s.near, distance, s.shadow_map_size, casters.frames)
    if far_cascade is None:
        near_in = ~outside_light_corners(near.world_to_light_clip, corners, empty)
        no_parts, no_skins = np.zeros(P, bool), np.zeros(len(boxes) - P, bool)
        return ShadowFramePlan(near, near_in[:P] & ~casters.floor, near_in[P:], None, None, no_parts, no_skins)
    far, refit = far_cascade.update(casters.frames, t, distance, min(s.shadow_far_distance, s.far))
    near_in, far_in = ~outside_light_corners(np.stack([near.world_to_light_clip, far.world_to_light_clip]),
                                             corners, empty)
    near_parts, near_skins = near_in[:P] & ~casters.floor, near_in[P:]
    # A moving caster (never a static part) whose shadow stays inside the near cascade is not drawn
    # into the far one: how far beyond a caster's shadow the lighting pass's kernel and normal
    # offset read.
    reach = (s.shadow_softness + 1.0 + s.shadow_normal_offset) * far.texel_size + s.shadow_normal_offset * near.texel_size
    moving = np.flatnonzero(far_in & casters.moving)
    far_moving = np.zeros(len(boxes), dtype=bool)
    far_moving[moving] = ~shadow_inside_near(near.world_to_light_clip, boxes[moving], casters.frames.to_sun(t),
                                             floor_z, reach)
    return ShadowFramePlan(
        near, near_parts, near_skins, far,
        static_parts=(far_in[:P] & casters.static & ~casters.floor) if refit else None,
        moving_parts=far_moving[:P],
        moving_skins=far_moving[P:],
    )
