"""SyntheticDiveFloor (a run ending in a ragdoll dive to the floor) and SyntheticLegSplit (feet sliding
apart into a split): physical outcomes, the key poses' geometry, and signatures that can fail."""

import dataclasses
import math

import numpy as np

from phav.actions import get_action
from phav.actions import signals as S
from phav.actions.dramatic import split_keys, trunk_front
from phav.body.presets import sample_actor
from phav.motion.keyposes import standing_height
from phav.scenario import Scenario
from phav.spec import VideoSpec


def _take(action, seed=0, actor="Model_Default", frames=None, check=True):
    n = frames if frames is not None else int(np.ceil(get_action(action).duration * 30)) + 1
    return Scenario(VideoSpec(action=action, frames=n, width=48, height=32, seed=seed, actor=actor)).simulate(
        check_signature=check)


def test_dive_runs_then_momentum_carries_the_ragdoll_forward_to_the_floor():
    take = _take("SyntheticDiveFloor", seed=1, actor="Model_Boy")
    h = S.body_height(take)
    p, head = S.joint(take, "pelvis"), S.joint(take, "head")
    k = int(math.ceil(take.meta["action"]["release_s"] * take.fps))  # first frame after the take-off
    assert p[:k, 2].min() > 0.4 * h  # upright while running
    travel = np.dot(p[-1, :2] - p[k, :2], S.forward(take)[k])
    assert travel > 0.3 * h  # flies and slides on forward, no longer driven by the clip
    assert p[-1, 2] < 0.15 * h and abs(head[-1, 2] - p[-1, 2]) < 0.1 * h  # lying flat


def test_dive_signature_rejects_a_run_and_a_dive_cut_before_the_landing():
    assert not get_action("SyntheticDiveFloor").signature(_take("Run", frames=40)).ok
    take = _take("SyntheticDiveFloor", seed=1, frames=int(0.5 * 30), check=False)
    assert not take.meta["signature"]["ok"]


def test_dive_lands_on_the_front_in_every_preset_never_over_the_head():
    # adults, the children and the elderly woman; the take-off used to carry the body over onto the
    # head in most of these (ankles up to 1.5 m above it, many ending on the back)
    for actor in ("Model_Woman01", "Model_Man02", "Model_Boy", "Model_Girl", "Model_ElderlyWoman", "Model_Athlete"):
        for seed in (1, 3):
            take = _take("SyntheticDiveFloor", seed=seed, actor=actor)
            h = S.body_height(take)
            head = S.joint(take, "head")
            ankles = np.minimum(S.joint(take, "left_ankle")[:, 2], S.joint(take, "right_ankle")[:, 2])
            assert (ankles - head[:, 2]).max() < 0.15 * h, (actor, seed)  # legs trail low behind
            assert trunk_front(take)[-1, 2] < -0.7, (actor, seed)  # lying on the chest and belly
            assert S.joint(take, "pelvis")[-1, 2] < 0.15 * h and S.joint(take, "chest")[-1, 2] < 0.15 * h


def _turned(take, frames, flip):
    """``take`` with the body's joints in ``frames`` turned by ``flip`` (a 3x3 rotation) about the pelvis."""
    a = take.actors[0]
    joints = a.joints_3d.copy()
    centre = joints[frames, a.joint_names.index("pelvis")][:, None]
    joints[frames] = (joints[frames] - centre) @ flip.T + centre
    return dataclasses.replace(take, actors=[dataclasses.replace(a, joints_3d=joints)])


def test_dive_signature_rejects_a_dive_over_the_head_and_a_landing_on_the_back():
    sig = get_action("SyntheticDiveFloor").signature
    take = _take("SyntheticDiveFloor", seed=1, actor="Model_Boy")
    assert sig(take).ok
    h = S.body_height(take)
    land = int(np.flatnonzero(S.joint(take, "pelvis")[:, 2] < 0.25 * h)[0])
    upside_down = np.diag([1.0, 1.0, -1.0])  # ankles over the head, for 0.2 s before the landing
    assert not sig(_turned(take, slice(land - 6, land), upside_down)).ok
    on_back = np.diag([1.0, -1.0, -1.0])  # the lying body turned over about its long axis
    turned = _turned(take, slice(land, None), on_back)
    assert trunk_front(turned)[-1, 2] > 0.7 and not sig(turned).ok


def test_split_keys_put_straight_legs_wide_apart():
    shape, _ = sample_actor("Model_Girl", np.random.default_rng(0))
    sk = shape.skeleton()
    seg = sk.segments
    depth = 0.3 * seg.height
    for direction in ("side", "front"):
        last = split_keys(sk, direction, depth, 0.4, 0.0, 0.8, 0.5)[-1]
        ankles = {s: np.asarray(last.feet[s]) for s in ("right", "left")}
        hip_z = standing_height(sk) - depth
        for side, a in ankles.items():
            hip = np.array([0.0, sk.link(f"{side}_thigh").offset[1], hip_z])
            np.testing.assert_allclose(np.linalg.norm(a - hip), 0.98 * (seg.thigh + seg.shin), rtol=1e-6)
        spread = ankles["left"] - ankles["right"]
        assert np.linalg.norm(spread) > 0.8 * seg.height
        assert abs(spread[1 if direction == "side" else 0]) > 0.75 * seg.height


def test_split_feet_slide_apart_as_the_pelvis_sinks():
    take = _take("SyntheticLegSplit", seed=2, actor="Model_Girl")
    h = S.body_height(take)
    spread = np.linalg.norm(S.joint(take, "left_ankle") - S.joint(take, "right_ankle"), axis=1) / h
    p = S.joint(take, "pelvis")[:, 2] / h
    assert spread[0] < 0.2 and spread[-1] > 0.7
    assert p[0] - p[-1] > 0.2
    assert take.meta["action"]["foot_friction"] < 0.5
    ankles_z = np.minimum(S.joint(take, "left_ankle")[:, 2], S.joint(take, "right_ankle")[:, 2]) / h
    assert ankles_z.max() < 0.1  # slid along the floor, not stepped


def test_split_signature_rejects_standing_and_walking():
    for action in ("Stand", "Walk"):
        take = _take(action, frames=30, check=False)
        assert not get_action("SyntheticLegSplit").signature(take).ok, action
