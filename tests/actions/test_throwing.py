"""Ball actions: the aimed flight lands where it was aimed (analytic parabola), the hoop's ring is
where the recipe says, and Throw, ShootBall and Catch show their signatures for the children too,
with at least three style parameters that change with the seed."""

import numpy as np
import pytest

from phav.actions import get_action
from phav.actions.throwing import aim_velocity, ball, hoop
from phav.labels import class_id
from phav.physics.world import GRAVITY
from phav.scenario import Scenario
from phav.spec import VideoSpec

BALL_CLASSES = ("Throw", "ShootBall", "Catch")


def _take(action, seed=0, actor="Model_Default", frames=None, check=True):
    n = frames if frames is not None else int(np.ceil(get_action(action).duration * 30)) + 1
    return Scenario(VideoSpec(action=action, frames=n, width=48, height=32, seed=seed, actor=actor)).simulate(
        check_signature=check)


def test_aimed_velocity_reaches_the_target_after_the_flight_time():
    start, target, tf = np.array([0.0, 0.0, 1.8]), np.array([4.0, 1.0, 3.05]), 1.1
    v = aim_velocity(start, target, tf)
    reached = start + v * tf + np.array([0.0, 0.0, -0.5 * GRAVITY * tf * tf])
    np.testing.assert_allclose(reached, target, atol=1e-12)
    with pytest.raises(ValueError, match="positive"):
        aim_velocity(start, target, 0.0)


def test_ball_and_hoop_are_labelled_physical_objects():
    b = ball(np.random.default_rng(0))
    assert b.semantic == "Ball" and b.kind == "sphere" and 0.09 <= b.size[0] <= 0.12 and b.mass > 0
    h = hoop(3.05, 0.23, np.random.default_rng(0))
    assert h.semantic == "Misc" and h.mass == 0.0
    assert np.all(h.mesh.semantic == class_id("Misc"))
    # the ring's four bars surround the point (0, 0, 3.05) with the given inner half width
    ring = [p for p in h.parts[:4]]
    assert all(abs(c[2] - 3.05) < 1e-9 for c, _, _ in ring)
    inner = min(abs(c[0]) - hx if abs(c[0]) > 0 else abs(c[1]) - hy for c, (hx, hy, _), _ in ring)
    assert inner == pytest.approx(0.23)


@pytest.mark.parametrize("action", BALL_CLASSES)
def test_ball_classes_sample_at_least_three_style_parameters(action):
    styles = [_take(action, seed=s, frames=3, check=False).meta["action"] for s in (0, 1)]
    assert len(styles[0]) >= 3
    assert styles[0] != styles[1]


@pytest.mark.parametrize("action,actor", [("Throw", "Model_Boy"), ("ShootBall", "Model_Girl"), ("Catch", "Model_Boy")])
def test_children_show_the_ball_actions(action, actor):
    take = _take(action, seed=1, actor=actor)
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    assert any(i.name == "ball" and i.semantic_class == class_id("Ball") for i in take.instances)


def test_a_thrown_ball_really_flies_two_metres():
    take = _take("Throw", seed=2, actor="Model_Man01")
    b = take.part_pos[:, take.part_names.index("prop/ball")]
    assert np.max(np.linalg.norm(b[:, :2] - b[0, :2], axis=1)) >= 2.0
    assert take.meta["action"]["ball_released_s"] > 0


def test_a_caught_ball_is_held_by_a_hand():
    take = _take("Catch", seed=3, actor="Model_Girl")
    assert take.meta["action"]["caught_by"] in ("right", "left")


def test_a_ball_that_never_leaves_the_hand_is_not_a_throw():
    take = _take("Throw", seed=0, frames=20, check=False)  # cut before the release
    assert not take.meta["signature"]["ok"]
