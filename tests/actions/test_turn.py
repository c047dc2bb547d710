"""Turn: turning round on the spot in small steps, upright all the way, the head leading; not the
acrobatic spin (once DeepMimic's spin clip: the pelvis went past horizontal, a leg kicked up to
the head's height, a hand to the floor)."""

import numpy as np
import pytest

from phav.actions import get_action
from phav.actions import signals as S
from phav.body.skeleton import SIDES
from phav.geometry import quat_rotate
from phav.scenario import Scenario
from phav.spec import VideoSpec

CASES = [("Model_Woman01", 1), ("Model_Boy", 2), ("Model_ElderlyWoman", 3), ("Model_Man01", 4), ("Model_Girl", 9)]


def _take(seed, actor):
    n = get_action("Turn").frames_needed(30.0) + 1
    return Scenario(VideoSpec(action="Turn", frames=n, width=48, height=32, seed=seed, actor=actor)).simulate()


def _axis(take, part, axis):
    """``(T, 3)`` a body part's local axis in the world (the main actor's part)."""
    name = next(p for p in take.part_names if p.endswith("/" + part))
    return quat_rotate(take.part_quat[:, take.part_names.index(name)], np.asarray(axis, dtype=np.float64))


def _yaw(xy):
    return np.degrees(np.unwrap(np.arctan2(xy[:, 1], xy[:, 0])))


@pytest.mark.parametrize("actor, seed", CASES)
def test_turns_round_upright_with_the_feet_on_the_ground(actor, seed):
    """The facing direction changes by at least 80 degrees (the drawn turn, either way) while the
    pelvis stays upright and both ankles stay low; the person ends where it began (on the spot)."""
    take = _take(seed, actor)
    h = S.body_height(take)
    assert _axis(take, "pelvis", (0.0, 0.0, 1.0))[:, 2].min() > 0.95  # upright all the way
    for side in SIDES:
        assert S.joint(take, f"{side}_ankle")[:, 2].max() / h < 0.15  # no kick, no handstand
    yaw = _yaw(S.forward(take))
    turned = yaw[-1] - yaw[0]
    assert abs(turned) >= 80.0
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    assert abs(turned) >= take.meta["action"]["turn_deg"] - 30.0
    assert np.sign(turned) == (1.0 if take.meta["action"]["direction"] == "left" else -1.0)
    p = S.joint(take, "pelvis")
    assert np.linalg.norm(p[-1, :2] - p[0, :2]) / h < 0.25
    assert p[:, 2].min() / h > 0.4


@pytest.mark.parametrize("actor, seed", CASES[:3])
def test_the_feet_step_round_and_the_head_leads(actor, seed):
    """Each foot is lifted and set down turned (it does not slide round on the spot), and the head
    faces further round than the hips while the body turns."""
    take = _take(seed, actor)
    sign = 1.0 if take.meta["action"]["direction"] == "left" else -1.0
    for side in SIDES:
        ankle = S.joint(take, f"{side}_ankle")
        assert ankle[:, 2].max() - ankle[:, 2].min() > 0.03  # lifted, several centimetres
        foot = _yaw(_axis(take, f"{side}_foot", (1.0, 0.0, 0.0))[:, :2])
        assert sign * (foot[-1] - foot[0]) > 70.0  # set down turned with the body
    hips = sign * (_yaw(S.forward(take)) - _yaw(S.forward(take))[0])
    head = _axis(take, "head", (1.0, 0.0, 0.0))[:, :2]
    head = sign * (_yaw(head) - _yaw(head)[0])
    half = int(np.argmax(hips > 0.5 * hips[-1]))
    assert head[half] > hips[half] + 10.0
    assert head[:half].max() > 30.0  # the head turns before the hips are halfway round


def test_turn_is_drawn_per_video():
    """Direction, angle and steps vary with the seed: both ways, 110-180 degrees."""
    from phav.body.skeleton import default_skeleton
    from phav.seeding import video_rng

    sk = default_skeleton()
    recipe = get_action("Turn")
    styles = [recipe.plan(sk, video_rng(s, "action"), "turn_steps", recipe.duration).style for s in range(12)]
    assert {s["direction"] for s in styles} == {"left", "right"}
    assert all(110.0 <= s["turn_deg"] <= 180.0 for s in styles)
    assert len({round(s["turn_deg"]) for s in styles}) > 6
