"""Golf, ClimbStairs, Pour and ShootBow: each shows its action for children too (the signature holds),
its props are labelled objects of their own class, a take cut before the decisive moment fails the
signature, and at least three style parameters vary with the seed."""

import copy

import numpy as np
import pytest

from phav.actions import get_action
from phav.actions.skills import _rot_to_x, climb_build, stairs
from phav.actions.registry import BuildContext
from phav.body.presets import sample_actor
from phav.geometry import quat_rotate
from phav.labels import class_id
from phav.physics.kinematics import forward_kinematics
from phav.scenario import Scenario
from phav.seeding import video_rng
from phav.spec import VideoSpec


def _take(action, seed=0, actor="Model_Default", frames=None, check=True):
    n = frames if frames is not None else int(np.ceil(get_action(action).duration * 30)) + 1
    return Scenario(VideoSpec(action=action, frames=n, width=48, height=32, seed=seed, actor=actor)).simulate(
        check_signature=check)


def _has_instance(take, name, semantic):
    return any(i.name == name and i.semantic_class == class_id(semantic) for i in take.instances)


@pytest.mark.parametrize("d", [(0.0, 0.0, -1.0), (-1.0, 0.0, 0.0), (0.3, -0.5, 0.8), (1.0, 0.0, 0.0)])
def test_rot_to_x_turns_the_local_x_axis_onto_the_direction(d):
    d = np.asarray(d) / np.linalg.norm(d)
    np.testing.assert_allclose(quat_rotate(_rot_to_x(d), np.array([1.0, 0.0, 0.0])), d, atol=1e-9)


def test_stair_block_steps_rise_by_one_riser_per_tread():
    block = stairs(4, 0.15, 0.3, 1.0, 0.5, np.random.default_rng(0))
    assert block.semantic == "Stair" and block.mass == 0.0
    tops = [centre[2] + half[2] for centre, half, _ in block.parts]
    fronts = [centre[0] - half[0] for centre, half, _ in block.parts]
    np.testing.assert_allclose(tops, [0.15, 0.3, 0.45, 0.6])
    np.testing.assert_allclose(fronts, [0.0, 0.3, 0.6, 0.9])


@pytest.mark.parametrize("actor", ["Model_Man01", "Model_Girl"])
def test_planned_feet_stand_on_the_treads(actor):
    sk = sample_actor(actor, video_rng(0, "actor"))[0].skeleton()
    plan = climb_build(BuildContext(sk, np.random.default_rng(3), "climb", 4.0))
    st = plan.style
    # the clip's last pose: pelvis raised by all the steps (standing on the top tread)
    top = st["steps"] * st["riser_m"]
    rise = plan.clip.root_pos[-1, 2] - plan.clip.root_pos[0, 2]
    assert rise == pytest.approx(top, abs=1e-6)
    p = plan.clip.sample(plan.clip.duration)
    pos, _ = forward_kinematics(sk, p.root_pos, p.root_quat, dict(zip(plan.clip.joint_names, p.joint_quats)))
    for side in ("right", "left"):
        ankle = pos[sk.link_names.index(f"{side}_foot")]
        assert ankle[2] == pytest.approx(top + sk.segments.ankle_to_sole, abs=0.01)
        # on the top tread or the landing beyond it: past the last riser's edge
        assert ankle[0] > st["stairs_x_m"] + (st["steps"] - 1) * st["tread_m"]


def test_golf_ball_flies_off_the_club_for_a_child():
    take = _take("Golf", seed=2, actor="Model_Boy")
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    assert "struck_at_s" in take.meta["action"]
    assert _has_instance(take, "club", "GolfClub") and _has_instance(take, "golf_ball", "Ball")


def test_golf_without_the_downswing_is_not_golf():
    style = _take("Golf", seed=0, frames=3, check=False).meta["action"]
    frames = int((style["address_s"] + style["backswing_s"]) * 30)  # cut at the top of the backswing
    take = _take("Golf", seed=0, frames=frames, check=False)
    assert not take.meta["signature"]["ok"]
    assert "ball travelled 0.00 m" in take.meta["signature"]["reason"]


@pytest.mark.parametrize("actor", ["Model_Girl", "Model_Boy"])
def test_children_climb_stairs(actor):
    take = _take("ClimbStairs", seed=1, actor=actor)
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    assert _has_instance(take, "stairs", "Stair")


def test_standing_before_the_stairs_is_not_climbing():
    take = _take("ClimbStairs", seed=0, frames=10, check=False)
    assert not take.meta["signature"]["ok"]


def test_a_foot_resting_in_the_air_is_not_climbing_but_the_top_of_a_swing_is():
    """ClimbStairs' signature counts a foot as resting when it is slow for three frames running:
    an ankle held still mid-air above the stairs for five frames fails the climb, while the same
    ankle slowing for a single frame (the top of its swing) does not."""
    take = _take("ClimbStairs", seed=1, actor="Model_Girl")
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    st, actor = take.meta["action"], take.actors[0]
    ankle = actor.joints_3d[:, actor.joint_names.index("left_ankle")]
    z0 = ankle[0, 2]
    rising = np.nonzero(np.abs(np.diff(ankle[:, 2])) * take.fps > 0.3)[0]
    i = int(rising[len(rising) // 2])  # a frame in the middle of a step up
    hover = ankle[i] + np.array([0.0, 0.0, 0.5 * st["riser_m"]])
    assert abs((hover[2] - z0) / st["riser_m"] % 1.0 - 0.5) > 0.2  # between two treads' heights

    held = copy.deepcopy(take)
    held.actors[0].joints_3d[i - 2:i + 3, actor.joint_names.index("left_ankle")] = hover
    verdict = get_action("ClimbStairs").signature(held)
    assert not verdict.ok and "0 resting frames" not in verdict.reason

    apex = copy.deepcopy(take)
    apex.actors[0].joints_3d[i - 1:i + 2, actor.joint_names.index("left_ankle")] = hover
    assert get_action("ClimbStairs").signature(apex).ok


def test_pour_tilts_the_jug_over_the_glass():
    take = _take("Pour", seed=1, actor="Model_Girl")
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    assert _has_instance(take, "jug", "Misc") and _has_instance(take, "glass", "Misc")
    assert _has_instance(take, "table", "Table")  # PHAV has the class


def test_lifting_the_jug_without_tilting_is_not_pouring():
    style = _take("Pour", seed=0, frames=3, check=False).meta["action"]
    take = _take("Pour", seed=0, frames=int((0.3 + style["lift_s"]) * 30), check=False)
    assert not take.meta["signature"]["ok"]


def test_bow_is_drawn_to_the_face_by_a_child():
    take = _take("ShootBow", seed=1, actor="Model_Boy")
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    assert _has_instance(take, "bow", "Bow")


def test_raising_the_bow_without_drawing_is_not_shooting():
    take = _take("ShootBow", seed=0, frames=30, check=False)  # the bow is up, the string not drawn yet
    assert not take.meta["signature"]["ok"]
    assert "0 draws" in take.meta["signature"]["reason"]


@pytest.mark.parametrize("action", ["Golf", "ClimbStairs", "Pour", "ShootBow"])
def test_at_least_three_style_parameters_vary_with_the_seed(action):
    styles = [_take(action, seed=s, frames=3, check=False).meta["action"] for s in (0, 1)]
    keys = [k for k in styles[0] if not k.endswith("_hand") and isinstance(styles[0][k], (int, float))]
    assert sum(styles[0][k] != styles[1][k] for k in keys) >= 3, styles
