"""Tracking quality: how closely a simulated humanoid follows its clip.

:func:`track_clip` simulates one humanoid tracking a clip at a fixed physics rate and measures, per
video frame:

- joint rotation error: the angle between each actuated joint's actual and target local rotation
  (degrees), averaged over joints and frames;
- root position error: the distance between the simulated pelvis frame and the clip's root (cm);
- foot skating: the horizontal distance a foot frame (the ankle) moves between consecutive frames
  while it stands, cm per frame, averaged over stance frames. The simulated foot stands while it
  touches the ground (a PyBullet contact point with the ground plane) and its collision shape is
  within :data:`STANCE_HEIGHT` of it, in both frames: a swing foot that skims the ground without
  touching it is not standing. The clip's own skating, measured on the kinematic clip (which has
  no contacts: stance is the height test alone), is reported too: a clip that slides cannot be
  tracked without sliding.

The figures are the ones the issue's acceptance thresholds are written in (5 degrees, 5 cm,
2 cm per frame).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.body.skeleton import Skeleton
from phav.geometry import quat_angle
from phav.motion.clip import Clip
from phav.physics.humanoid import Humanoid
from phav.physics.muscles import MuscleGains
from phav.physics.world import World

#: A foot whose collision shape is at most this high above the ground (m) counts as standing.
STANCE_HEIGHT = 0.02


@dataclasses.dataclass(frozen=True)
class TrackingReport:
    """Tracking figures of one simulated clip (see the module docstring).

    Attributes:
        clip: clip name.
        frames: video frames measured.
        joint_error_deg: mean joint rotation error, degrees.
        joint_error_max_deg: largest per-frame mean joint error, degrees.
        root_error_cm: mean root position error, cm.
        root_error_max_cm: largest root position error, cm.
        foot_skate_cm: mean horizontal foot motion per frame during stance, cm.
        clip_foot_skate_cm: the same figure for the kinematic clip itself, cm.
        stance_frames: number of (foot, frame) stance samples behind ``foot_skate_cm``.
    """

    clip: str
    frames: int
    joint_error_deg: float
    joint_error_max_deg: float
    root_error_cm: float
    root_error_max_cm: float
    foot_skate_cm: float
    clip_foot_skate_cm: float
    stance_frames: int

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def foot_skating(foot_low: np.ndarray, foot_xy: np.ndarray, stance_height: float = STANCE_HEIGHT,
                 contact: np.ndarray | None = None) -> tuple[float, int]:
    """Mean horizontal foot motion per frame while standing.

    Args:
        foot_low: ``(T, 2)`` lowest point of each foot's collision shape above the ground, m.
        foot_xy: ``(T, 2, 2)`` horizontal position of each foot frame, m.
        contact: ``(T, 2)`` bool, whether each foot touches the ground; ``None``: not known (the
            height test alone decides).
    Returns:
        ``(mean motion in cm per frame, number of stance samples)``; ``(0, 0)`` with no stance.
    """
    down = np.asarray(foot_low) <= stance_height
    if contact is not None:
        down = down & np.asarray(contact, dtype=bool)
    stance = down[1:] & down[:-1]
    moves = np.linalg.norm(foot_xy[1:] - foot_xy[:-1], axis=-1)
    n = int(stance.sum())
    return (float(moves[stance].mean() * 100.0) if n else 0.0), n


def _foot_indices(human: Humanoid) -> list[int]:
    return [human.link_names.index("right_foot"), human.link_names.index("left_foot")]


def track_clip(skeleton: Skeleton, clip: Clip, *, seconds: float | None = None, fps: float = 30.0,
               substeps: int = 8, gains: MuscleGains | None = None, pin_weight: float = 1.0) -> TrackingReport:
    """Simulate ``skeleton`` tracking ``clip`` from its start and measure the tracking figures.

    Args:
        seconds: simulated length (default: the clip's duration).
        fps: video frame rate at which figures are sampled.
        substeps: physics steps per video frame (``fps * substeps`` Hz physics).
    """
    duration = clip.duration if seconds is None else float(seconds)
    frames = max(2, int(round(duration * fps)) + 1)
    joint_err, root_err, feet_low, feet_xy, feet_contact = [], [], [], [], []
    kin_low, kin_xy = [], []
    with World(timestep=1.0 / (fps * substeps)) as world:
        human = Humanoid(world, skeleton, clip, gains=gains, pin_weight=pin_weight)
        feet = _foot_indices(human)
        client, body = world.client, human.body_id
        foot_links = [human.bullet_link_index("right_foot"), human.bullet_link_index("left_foot")]
        t = 0.0
        for frame in range(frames):
            if frame:
                for _ in range(substeps):
                    human.control(t)
                    world.step()
                    t += world.timestep
                human.check()
            s = human.snapshot()
            joint_err.append(np.degrees(quat_angle(s.muscle_actual, s.muscle_target)).mean())
            root_err.append(np.linalg.norm(s.link_pos[0] - human.clip.sample(t).root_pos))
            feet_low.append(human.collision_min_z(s.link_pos, s.link_quat)[feet])
            feet_xy.append(s.link_pos[feet, :2])
            feet_contact.append([bool(client.getContactPoints(bodyA=body, bodyB=world.ground_id, linkIndexA=link))
                                 for link in foot_links])
        # the kinematic clip's own stance sliding, measured by teleporting to each clip pose
        for frame in range(frames):
            human.set_pose(frame / fps)
            pos, quat = human.link_poses()
            kin_low.append(human.collision_min_z(pos, quat)[feet])
            kin_xy.append(pos[feet, :2])
    skate, n = foot_skating(np.array(feet_low), np.array(feet_xy), contact=np.array(feet_contact))
    clip_skate, _ = foot_skating(np.array(kin_low), np.array(kin_xy))
    je, re = np.array(joint_err), np.array(root_err) * 100.0
    return TrackingReport(clip=clip.name, frames=frames, joint_error_deg=float(je.mean()),
                          joint_error_max_deg=float(je.max()), root_error_cm=float(re.mean()),
                          root_error_max_cm=float(re.max()), foot_skate_cm=skate,
                          clip_foot_skate_cm=clip_skate, stance_frames=n)
