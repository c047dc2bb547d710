"""Measurements on a :class:`~phav.take.Take` that signature checks are built from.

Joint tracks come from ``take.actors[i].joints_3d`` (``(T, 3)`` metres, world, Z up); prop tracks
from the parts named ``prop/<name>``. Heights are relative to the ground plane ``z = 0``.
"""

from __future__ import annotations

import numpy as np

from phav.take import Take

#: An ankle closer than this fraction of the body height to the ground counts as on the ground.
ANKLE_GROUND_FRACTION = 0.06


def joint(take: Take, name: str, actor: int = 0) -> np.ndarray:
    """``(T, 3)`` world track of annotated joint ``name``."""
    a = take.actors[actor]
    return a.joints_3d[:, a.joint_names.index(name)]


def prop(take: Take, name: str) -> np.ndarray:
    """``(T, 3)`` world track of the prop ``name``.

    Raises:
        ValueError: the take has no such prop (the message lists its parts).
    """
    key = f"prop/{name}"
    if key not in take.part_names:
        raise ValueError(f"take has no prop {name!r}; parts: {[p for p in take.part_names if p.startswith('prop/')]}")
    return take.part_pos[:, take.part_names.index(key)]


def body_height(take: Take) -> float:
    """The actor's standing height, metres (from the take's metadata)."""
    return float(take.meta["actor"]["height_m"])


def seconds(take: Take) -> float:
    return max(take.num_frames - 1, 1) / take.fps


def forward(take: Take, actor: int = 0) -> np.ndarray:
    """``(T, 2)`` unit horizontal facing direction from the hips (left hip minus right, turned -90 deg)."""
    lr = joint(take, "left_hip", actor)[:, :2] - joint(take, "right_hip", actor)[:, :2]
    f = np.stack([lr[:, 1], -lr[:, 0]], axis=1)
    return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-9)


def count_events(signal: np.ndarray, on: float, off: float) -> int:
    """Rising crossings of a hysteresis trigger: ``signal`` goes above ``on`` after being below ``off``."""
    count, armed = 0, True
    for v in np.asarray(signal, dtype=np.float64):
        if armed and v > on:
            count += 1
            armed = False
        elif not armed and v < off:
            armed = True
    return count


def count_swings(signal: np.ndarray, amplitude: float) -> int:
    """Falls of at least ``amplitude`` from a preceding peak; after a fall the signal must rise by
    ``amplitude / 2`` before the next one counts (so each back-and-forth swing counts once)."""
    values = np.asarray(signal, dtype=np.float64)
    if values.size == 0:
        return 0
    count, falling = 0, False
    peak = trough = float(values[0])
    for v in values:
        if not falling:
            peak = max(peak, v)
            if peak - v >= amplitude:
                count, falling, trough = count + 1, True, v
        else:
            trough = min(trough, v)
            if v - trough >= amplitude / 2:
                falling, peak = False, v
    return count


def pelvis_speed(take: Take) -> float:
    """Mean horizontal pelvis speed, start to end, m/s."""
    p = joint(take, "pelvis")
    return float(np.linalg.norm(p[-1, :2] - p[0, :2]) / seconds(take))
