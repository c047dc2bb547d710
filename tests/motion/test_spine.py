"""The two-joint spine (issue 3, point 1): one trunk rotation split over abdomen and chest."""

import math
from pathlib import Path

import numpy as np
import pytest

from phav.body.skeleton import ACTUATED_JOINTS, LUMBAR_LIMITS, default_skeleton
from phav.geometry import quat_angle, quat_from_axis_angle, quat_multiply, quat_rotate
from phav.motion.bvh import load_bvh
from phav.motion.clip import Clip
from phav.motion.deepmimic import load_deepmimic
from phav.motion.keyposes import Key, synthesize
from phav.motion.ops import mirror
from phav.motion.rotations import quat_from_rotvec, quat_to_rotvec
from phav.motion.spine import chest_frame, split_spine, split_spine_rotvec

DATA = Path(__file__).parent / "data"
IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])


def gap(a, b):
    """Largest distance between unit quaternions ``(..., 4)`` up to sign (q and -q are one rotation);
    precise to 1e-16 near zero, unlike an angle from arccos."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.minimum(np.linalg.norm(a - b, axis=-1), np.linalg.norm(a + b, axis=-1))))


def about(axis, degrees):
    return quat_from_axis_angle(np.asarray(axis, dtype=np.float64), math.radians(degrees))


def test_a_bend_within_the_lumbar_limits_is_shared_half_and_half():
    q = about([0, 1, 0], 40.0)  # 40 degrees forward: 20 in the lumbar spine, 20 above it
    qa, qc = split_spine(q)
    assert gap(qa, about([0, 1, 0], 20.0)) < 1e-12
    assert gap(qc, about([0, 1, 0], 20.0)) < 1e-12
    assert gap(quat_multiply(qa, qc), q) < 1e-12


def test_the_lumbar_twist_stops_at_its_limit_and_the_chest_takes_the_rest():
    q = about([0, 0, 1], 50.0)  # the lumbar spine turns 10 degrees at most
    qa, qc = split_spine(q)
    assert gap(qa, about([0, 0, 1], 10.0)) < 1e-12
    assert gap(qc, about([0, 0, 1], 40.0)) < 1e-12


def test_any_split_composes_back_exactly():
    rng = np.random.default_rng(3)
    q = quat_from_rotvec(rng.uniform(-2.5, 2.5, (200, 3)))
    qa, qc = split_spine(q)
    assert gap(quat_multiply(qa, qc), q) < 1e-9
    r = quat_to_rotvec(qa)
    for k, (lo, hi) in enumerate(LUMBAR_LIMITS):
        assert np.all(r[:, k] >= lo - 1e-9) and np.all(r[:, k] <= hi + 1e-9)


def test_a_clip_with_one_trunk_joint_gets_an_abdomen_track():
    names = [j for j in ACTUATED_JOINTS if j != "abdomen"]
    chest = quat_from_rotvec(np.array([[0.0, 0.6, 0.0], [0.2, -0.3, 0.1]]))
    jq = np.tile(IDENTITY, (2, len(names), 1))
    jq[:, names.index("chest")] = chest
    clip = Clip("old", 30.0, np.zeros((2, 3)), np.tile(IDENTITY, (2, 1)), names, jq)
    assert clip.joint_names == list(ACTUATED_JOINTS)
    qa = clip.joint_quats[:, clip.joint_names.index("abdomen")]
    qc = clip.joint_quats[:, clip.joint_names.index("chest")]
    assert gap(qa[0], about([0, 1, 0], math.degrees(0.3))) < 1e-9  # q^(1/2)
    assert gap(quat_multiply(qa, qc), chest) < 1e-9
    # a clip with both keeps both
    again = Clip("new", 30.0, clip.root_pos, clip.root_quat, clip.joint_names, clip.joint_quats)
    assert again.joint_names == clip.joint_names and gap(again.joint_quats, clip.joint_quats) < 1e-12


def test_deepmimic_and_old_json_clips_carry_the_abdomen(tmp_path):
    walk = load_deepmimic("walk")
    assert walk.joint_names == list(ACTUATED_JOINTS)
    assert gap(mirror(mirror(walk)).joint_quats, walk.joint_quats) < 1e-9
    clip = Clip.load(Path(__file__).parents[2] / "motions" / "walk_slow.json")
    assert "abdomen" in clip.joint_names
    clip.save(tmp_path / "c.json")
    assert np.allclose(Clip.load(tmp_path / "c.json").joint_quats, clip.joint_quats, atol=1e-6)


def _lowerback_file(tmp_path: Path) -> Path:
    """The CMU T-pose test file with CMU's lower spine names (Hips, LowerBack, Spine, Neck): frame 1
    bends LowerBack 20 degrees and Spine (CMU's upper back) 10 degrees about the file's X axis
    (the body's left axis)."""
    text = (DATA / "cmu_tpose_cm.bvh").read_text()
    text = text.replace("JOINT Spine1\n", "JOINT Spine_upper\n").replace("JOINT Spine\n", "JOINT LowerBack\n")
    text = text.replace("JOINT Spine_upper\n", "JOINT Spine\n")
    head, motion = text.split("MOTION\n")
    lines = motion.splitlines()
    row = lines[3].split()
    row[7], row[10] = "20", "10"  # LowerBack Xrotation, Spine Xrotation (channels Z X Y)
    lines[3] = " ".join(row)
    path = tmp_path / "lowerback.bvh"
    path.write_text(head + "MOTION\n" + "\n".join(lines) + "\n")
    return path


def test_bvh_lowerback_drives_the_abdomen_and_upperback_the_chest(tmp_path):
    clip = load_bvh(_lowerback_file(tmp_path))
    assert clip.joint_names == list(ACTUATED_JOINTS)
    joint = lambda name: clip.joint_quats[:, clip.joint_names.index(name)]  # noqa: E731
    assert gap(joint("abdomen")[1], about([0, 1, 0], 20.0)) < 1e-6
    assert gap(joint("chest")[1], about([0, 1, 0], 10.0)) < 1e-6
    assert gap(joint("neck")[1], IDENTITY) < 1e-6
    assert gap(joint("abdomen")[[0, 2]], IDENTITY) < 1e-6


def test_bvh_without_a_lumbar_joint_splits_its_chest(tmp_path):
    clip = load_bvh(DATA / "rest_zup_m.bvh")  # Hips -> Chest -> Neck
    assert clip.joint_names == list(ACTUATED_JOINTS)
    assert gap(clip.joint_quats[:, 0], IDENTITY) < 1e-9


def test_key_pose_spine_bend_is_split_and_the_chest_frame_follows():
    sk = default_skeleton()
    bend = np.array([0.1, 0.5, -0.3])
    clip = synthesize(sk, [Key(0.0, chest=tuple(bend))], duration=0.1)
    qa = clip.joint_quats[0, clip.joint_names.index("abdomen")]
    qc = clip.joint_quats[0, clip.joint_names.index("chest")]
    assert gap(quat_multiply(qa, qc), quat_from_rotvec(bend)) < 1e-9
    assert gap(qa, split_spine_rotvec(bend)[0]) < 1e-12
    pos, quat = chest_frame(sk, bend)
    expected = np.asarray(sk.link("abdomen").offset) + quat_rotate(qa, np.asarray(sk.link("chest").offset))
    assert np.allclose(pos, expected) and gap(quat, quat_from_rotvec(bend)) < 1e-9
    assert np.allclose(chest_frame(sk)[0], sk.rest_offset("chest"))
