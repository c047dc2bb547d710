"""Retarget a clip to a body shape: root motion scaled by leg length, the body kept on the ground.

Joint rotations carry over unchanged (all project skeletons share one joint layout). Root positions
(horizontal and vertical) are multiplied by ``skeleton.leg_length / clip.leg_length``, so strides
and jump heights scale with the legs. Proportions still differ (a child's shins are relatively
shorter than DeepMimic's), so after scaling the feet may float or sink a little; the ground pass
computes, by forward kinematics, the lowest point of the body's collision shapes in every frame
and moves the root vertically so that it touches ``z = 0`` whenever the body is in contact:

- ``h(t)``: the lowest point's height; contact weight ``w(t) = 1`` while ``h - min(h) <=
  contact_height / 2``, falling linearly to 0 at ``contact_height`` (flight phases, e.g. a jump).
- frames with ``w = 1`` get offset ``-h(t)``; offsets between them are interpolated linearly
  (constant beyond the ends); frames in between blend the two by ``w``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.body.kinematics import link_frames
from phav.body.skeleton import Skeleton
from phav.geometry import quat_rotate
from phav.motion.clip import Clip

#: Default contact band above the clip's lowest point, as a fraction of the target's leg length.
CONTACT_HEIGHT_FRACTION = 0.06


def forward_kinematics_frames(skeleton: Skeleton, clip: Clip) -> tuple[np.ndarray, np.ndarray]:
    """World poses of every link frame for every clip frame (:func:`phav.body.kinematics.link_frames`
    on the clip's tracks; a clip's root orientations are unit already).

    Returns:
        ``(F, L, 3)`` positions (metres) and ``(F, L, 4)`` xyzw orientations in
        :attr:`Skeleton.link_names` order. Joints without a clip track (the fixed wrists) are at rest.
    """
    return link_frames(skeleton, clip.root_pos, clip.root_quat, clip.joint_quats, clip.joint_names)


def lowest_points(skeleton: Skeleton, link_pos: np.ndarray, link_quat: np.ndarray,
                  links: list[str] | None = None) -> np.ndarray:
    """``(F,)`` height of the lowest point of the collision shapes of ``links`` (default: all),
    from link poses ``(F, L, 3)``, ``(F, L, 4)``; metres."""
    names = skeleton.link_names
    chosen = range(len(names)) if links is None else [names.index(n) for n in links]
    low = np.full(link_pos.shape[0], np.inf)
    for k in chosen:
        shape = skeleton.links[k].collision
        pts = shape.lowest_offsets()  # (K, 3)
        q = np.repeat(link_quat[:, k, None, :], len(pts), axis=1)
        world = quat_rotate(q, np.broadcast_to(pts, q.shape[:-1] + (3,))) + link_pos[:, k, None, :]
        low = np.minimum(low, world[..., 2].min(axis=1) - shape.radius())
    return low


def lowest_heights(skeleton: Skeleton, clip: Clip) -> np.ndarray:
    """``(F,)`` world z (metres) of the lowest point of the body's collision shapes in each frame
    of ``clip`` (:func:`lowest_points` of :func:`forward_kinematics_frames`)."""
    return lowest_points(skeleton, *forward_kinematics_frames(skeleton, clip))


def ground_offsets(heights: np.ndarray, contact_height: float) -> np.ndarray:
    """Vertical root offsets ``(F,)`` (metres) that put the lowest point on the ground in contact
    frames, from the lowest point's heights ``(F,)`` (see the module docstring)."""
    h = np.asarray(heights, dtype=np.float64)
    above = h - h.min()
    w = np.clip((contact_height - above) / (0.5 * contact_height), 0.0, 1.0)
    full = np.nonzero(w >= 1.0)[0]  # never empty: the lowest frame has above == 0
    frames = np.arange(len(h))
    base = np.interp(frames, full, -h[full])
    return w * -h + (1.0 - w) * base


def retarget(clip: Clip, skeleton: Skeleton, *, source_leg_length: float | None = None, ground: bool = True,
             contact_height: float | None = None, name: str | None = None) -> Clip:
    """``clip`` moved onto ``skeleton``'s body (see the module docstring).

    Args:
        source_leg_length: leg length (m) of the body the clip's root track belongs to; default
            ``clip.leg_length``.
        ground: apply the ground pass.
        contact_height: contact band (m); default :data:`CONTACT_HEIGHT_FRACTION` of the
            target's leg length.
    Returns:
        A new clip with ``leg_length = skeleton.segments.leg_length``.
    Raises:
        ValueError: the source leg length is unknown or not positive.
    """
    source = clip.leg_length if source_leg_length is None else float(source_leg_length)
    if source is None or not source > 0:
        raise ValueError(f"clip {clip.name!r}: unknown source leg length; pass source_leg_length= (metres) "
                         f"or set clip.leg_length")
    target = skeleton.segments.leg_length
    pos = clip.root_pos * (target / source)
    out = dataclasses.replace(clip, name=name or clip.name, root_pos=pos, root_quat=clip.root_quat.copy(),
                              joint_quats=clip.joint_quats.copy(), leg_length=target)
    if ground:
        band = CONTACT_HEIGHT_FRACTION * target if contact_height is None else float(contact_height)
        offsets = ground_offsets(lowest_heights(skeleton, out), band)
        out.root_pos[:, 2] += offsets
    return out
