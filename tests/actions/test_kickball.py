"""KickBall: a step and a low kick that meets the ball on the ground and sends it off along the kick."""

import numpy as np
import pytest

from phav.actions import get_action
from phav.actions import signals as S
from phav.scenario import Scenario
from phav.spec import VideoSpec


def _take(seed, actor):
    n = int(np.ceil(get_action("KickBall").duration * 30)) + 1
    return Scenario(VideoSpec(action="KickBall", frames=n, width=48, height=32, seed=seed, actor=actor)).simulate()


@pytest.mark.parametrize("actor, seed", [("Model_Woman01", 1), ("Model_Boy", 2), ("Model_ElderlyWoman", 7)])
def test_the_kicking_foot_meets_the_ball_near_the_ground_and_sends_it_along_the_kick(actor, seed):
    """The kick was once DeepMimic's head-high kick with a ball beside it: the ankle rose to 0.7 h
    and the ball only left as the foot came back down (the ankle at 0.21-0.24 h). Now the kicking
    foot stays low all the way to the ball, meets it a few centimetres above the ground, and the
    ball, still until then, leaves ahead of the actor."""
    take = _take(seed, actor)
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    h = S.body_height(take)
    foot = take.meta["action"]["foot"]
    ankle = S.joint(take, f"{foot}_ankle")
    b = S.prop(take, "ball")
    speed = np.linalg.norm(np.diff(b[:, :2], axis=0), axis=1) * take.fps
    k = int(np.nonzero(speed > 1.5)[0][0])
    assert speed[:k].max() < 0.2  # at rest until the kick
    assert ankle[:k + 1, 2].max() / h < 0.3  # a low swing, never a high kick
    assert ankle[k, 2] / h < 0.12  # the foot meets the ball near the ground
    assert np.linalg.norm(ankle[k] - b[k]) / h < 0.3
    facing = S.forward(take)[0]
    away = b[-1, :2] - b[k, :2]
    assert np.dot(away, facing) / np.linalg.norm(away) > np.cos(np.radians(30.0))
    assert np.linalg.norm(away) > 2.0
