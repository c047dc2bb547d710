"""Foot lock: stance feet stay where they stand, contact changes blend in and out, loops still loop."""

import numpy as np
import pytest

from phav.body.presets import get_preset
from phav.geometry import quat_angle
from phav.motion.footlock import lock_feet, pin_offsets, stance_runs
from phav.motion.library import load_clip
from phav.motion.retarget import forward_kinematics_frames


def test_stance_runs_are_inclusive_ranges_at_least_min_frames_long():
    mask = np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], dtype=bool)
    assert stance_runs(mask, min_frames=2) == [(0, 1), (6, 8)]
    assert stance_runs(mask, min_frames=1) == [(0, 1), (3, 3), (6, 8)]
    assert stance_runs(np.zeros(4, dtype=bool)) == []


def test_pin_offsets_hold_the_mean_position_and_fade_without_jumps():
    F = 20
    ankle = np.zeros((F, 3))
    ankle[:, 0] = 0.01 * np.arange(F)  # the ankle slides 1 cm per frame
    low = np.full(F, 0.005)
    off = pin_offsets(ankle, low, [(5, 9)], ramp=4)
    pinned = ankle + off
    assert np.allclose(pinned[5:10, 0], 0.07)  # the mean of frames 5-9
    assert np.allclose(pinned[5:10, 2], -0.005)  # lowered onto the ground
    assert np.all(off[:1] == 0) and np.all(off[14:] == 0)  # beyond the fades: untouched
    assert np.all(np.abs(np.diff(off[:, 0])) <= 0.02 + 1e-12)  # no pop: at most 2 cm per frame


@pytest.mark.parametrize("actor", ["Model_Boy", "Model_Man02", "Model_ElderlyWoman"])
def test_locked_run_does_not_skate_and_still_loops(actor):
    sk = get_preset(actor).skeleton()
    raw = load_clip("run", sk, lock=False)
    clip, report = lock_feet(raw, sk)
    pos, quat = forward_kinematics_frames(sk, clip)
    for s, side in enumerate(("right", "left")):
        ankle = pos[:, sk.link_names.index(f"{side}_foot")]
        stance = report.stance[:, s]
        both = stance[1:] & stance[:-1]
        assert both.sum() >= 3
        moves = np.linalg.norm(np.diff(ankle[:, :2], axis=0), axis=1)[both]
        assert moves.max() < 1e-3  # pinned: under 1 mm per frame (the raw clip slides cm)
    # hips, knees and ankles change; the root and the upper body do not
    assert np.array_equal(clip.root_pos, raw.root_pos)
    upper = [k for k, j in enumerate(clip.joint_names) if not j.endswith(("hip", "knee", "ankle"))]
    assert np.allclose(clip.joint_quats[:, upper], raw.joint_quats[:, upper])
    # contact changes blend: no joint turns much further in one frame than in the raw clip
    step = np.degrees(quat_angle(clip.joint_quats[1:], clip.joint_quats[:-1])).max()
    raw_step = np.degrees(quat_angle(raw.joint_quats[1:], raw.joint_quats[:-1])).max()
    assert step < raw_step + 5.0
    # the seam: the lock changes the first and last frames' legs alike
    seam = np.degrees(quat_angle(clip.joint_quats[0], clip.joint_quats[-1]))
    raw_seam = np.degrees(quat_angle(raw.joint_quats[0], raw.joint_quats[-1]))
    assert np.all(seam < raw_seam + 3.0)


def test_the_library_locks_feet_by_default():
    sk = get_preset("Model_Man02").skeleton()
    locked, raw = load_clip("run", sk), load_clip("run", sk, lock=False)
    assert not np.allclose(locked.joint_quats, raw.joint_quats)
    assert np.allclose(locked.root_pos, raw.root_pos)
