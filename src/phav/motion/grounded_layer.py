"""Layering an upper body over a motion without pushing the body through the ground.

:func:`~phav.motion.ops.layer` turns the upper-body joints of the base motion towards another
clip's. Over a motion on the ground (a get-up from lying face down) that can swing a hand or forearm
below the floor: a punch's arm pose on a body lying on its chest. :func:`layer_above_ground` lowers
the layer weight in those frames, by forward kinematics of the body:

1. ``floor(t)``: the lowest point of the base pose's collision shapes, or the ground (``z = 0``) if
   that is lower; the layered pose may not reach below it.
2. Frames whose layered pose does get lower are given the largest weight that keeps them above it
   (bisection on the weight, which at 0 is the base pose itself).
3. The per-frame limits are eased over :data:`EASE_S` seconds either side (a running minimum, then
   a running mean of the same width, which never exceeds a frame's limit), so the arms leave and
   rejoin the top clip smoothly instead of snapping; frames still too low after easing (the lowest
   point need not fall steadily with the weight) get their limit lowered further and the easing is
   redone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from phav.body.skeleton import Skeleton
from phav.motion.clip import Clip
from phav.motion.ops import UPPER_BODY_JOINTS, layer
from phav.motion.retarget import lowest_heights

#: Seconds over which a lowered layer weight is eased in and out (each side of the lowered frames).
EASE_S = 0.25
#: Bisection steps per frame (the weight found is within 2^-steps of the largest that fits).
BISECTION_STEPS = 10
#: Rounds of easing and re-checking before the remaining frames fall back to the base pose.
MAX_ROUNDS = 8


def layer_above_ground(base: Clip, top: Clip, skeleton: Skeleton, weight: float,
                       joints: Sequence[str] = UPPER_BODY_JOINTS, *, name: str | None = None) -> tuple[Clip, np.ndarray]:
    """:func:`~phav.motion.ops.layer` of ``top`` over ``base`` at ``weight``, lowered where the
    layered body would reach below ``base``'s lowest point and the ground (see the module
    docstring). ``base`` and ``top`` must be fitted to ``skeleton``.

    Returns:
        The layered clip and its ``(F,)`` per-frame weights (all ``weight`` where nothing had to
        be lowered; then the clip is exactly ``layer(base, top, joints, weight)``).
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"layer weight must be in [0, 1], got {weight}")
    floor = np.minimum(lowest_heights(skeleton, base), 0.0)
    clip = layer(base, top, joints, weight, name=name)
    F = base.num_frames
    too_low = lowest_heights(skeleton, clip) < floor
    if not too_low.any():
        return clip, np.full(F, float(weight))
    radius = max(1, int(round(EASE_S * base.fps)))
    limit = np.ones(F)
    limit[too_low] = _largest_fitting(base, top, skeleton, weight, joints, floor, too_low)
    for _ in range(MAX_ROUNDS):
        scale = _ease(limit, radius)
        clip = layer(base, top, joints, weight * scale, name=name)
        too_low = lowest_heights(skeleton, clip) < floor
        if not too_low.any():
            return clip, weight * scale
        limit[too_low] = 0.5 * scale[too_low]
    limit[too_low] = 0.0  # the base pose, which is never below its own floor
    scale = _ease(limit, radius)
    scale[lowest_heights(skeleton, layer(base, top, joints, weight * scale)) < floor] = 0.0
    return layer(base, top, joints, weight * scale, name=name), weight * scale


def _largest_fitting(base: Clip, top: Clip, skeleton: Skeleton, weight: float, joints: Sequence[str],
                     floor: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """For the marked ``frames`` (``(F,)`` bool), the largest fraction of ``weight`` (to
    :data:`BISECTION_STEPS` halvings) whose layered pose stays above ``floor``: ``(n,)``."""
    lo, hi = np.zeros(F := len(frames)), np.ones(F)  # lo always fits: fraction 0 is the base pose
    for _ in range(BISECTION_STEPS):
        mid = np.where(frames, 0.5 * (lo + hi), 0.0)
        fits = lowest_heights(skeleton, layer(base, top, joints, weight * mid)) >= floor
        lo = np.where(frames & fits, mid, lo)
        hi = np.where(frames & ~fits, mid, hi)
    return lo[frames]


def _ease(limit: np.ndarray, radius: int) -> np.ndarray:
    """``(F,)`` values in ``[0, 1]`` at most ``limit`` frame by frame that change smoothly: the
    running minimum over ``2 radius + 1`` frames, then the running mean of the same width (each mean
    averages minima that all include the frame's own limit)."""
    size = 2 * radius + 1
    eased = uniform_filter1d(minimum_filter1d(limit, size, mode="nearest"), size, mode="nearest")
    return np.clip(np.minimum(eased, limit), 0.0, 1.0)
