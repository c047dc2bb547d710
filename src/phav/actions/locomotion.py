"""Locomotion actions: walking, tracked from PyBullet's DeepMimic clips."""

from __future__ import annotations

import numpy as np

from phav.actions.registry import ActionRecipe, SignatureResult, register
from phav.take import Take

#: Mean horizontal pelvis speed (m/s) a take must reach to count as walking.
MIN_WALK_SPEED = 0.4
#: Largest mean horizontal pelvis speed (m/s) that is still a walk rather than a run.
MAX_WALK_SPEED = 2.5


def _pelvis_track(take: Take) -> np.ndarray:
    actor = take.actors[0]
    return actor.joints_3d[:, actor.joint_names.index("pelvis")]


def walk_signature(take: Take) -> SignatureResult:
    """Walk: the pelvis travels at walking speed and stays upright above the knees."""
    pelvis = _pelvis_track(take)
    seconds = max(take.num_frames - 1, 1) / take.fps
    speed = float(np.linalg.norm(pelvis[-1, :2] - pelvis[0, :2]) / seconds)
    actor = take.actors[0]
    knees = actor.joints_3d[:, [actor.joint_names.index(j) for j in ("left_knee", "right_knee")], 2]
    upright = bool(np.all(pelvis[:, 2] > knees.max(axis=1)))
    ok = MIN_WALK_SPEED <= speed <= MAX_WALK_SPEED and upright
    return SignatureResult(ok, f"pelvis speed {speed:.2f} m/s, upright={upright}")


WALK = register(
    ActionRecipe(
        name="Walk",
        tags=frozenset({"mocap-like"}),
        clips=("walk",),
        signature=walk_signature,
        description="walking forward (DeepMimic walk clip, tracked by muscles)",
    )
)
