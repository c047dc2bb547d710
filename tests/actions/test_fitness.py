"""PullUp: the bar sits at the actor's own standing reach, the hands are pinned to it, the chin
rises above it at least twice (children included), and a take without pulls fails the signature.
Push: a heavy labelled box slides ahead, upright, only when the person walks into it."""

import numpy as np
import pytest

from phav.actions import get_action
from phav.actions.fitness import pull_up_build
from phav.actions.household import reach
from phav.actions.registry import BuildContext
from phav.body.presets import sample_actor
from phav.labels import class_id
from phav.scenario import Scenario
from phav.seeding import video_rng
from phav.spec import VideoSpec


def _take(action, seed=0, actor="Model_Default", frames=None, check=True):
    n = frames if frames is not None else int(np.ceil(get_action(action).duration * 30)) + 1
    return Scenario(VideoSpec(action=action, frames=n, width=48, height=32, seed=seed, actor=actor)).simulate(
        check_signature=check)


@pytest.mark.parametrize("actor", ["Model_Man01", "Model_Boy"])
def test_the_bar_is_within_the_actors_standing_reach(actor):
    sk = sample_actor(actor, video_rng(0, "actor"))[0].skeleton()
    plan = pull_up_build(BuildContext(sk, np.random.default_rng(0), "pull_up", 4.8))
    top = plan.style["bar_height_m"]
    assert sk.segments.height < top < sk.segments.height + reach(sk)  # overhead, yet reachable from the floor
    assert plan.stage[0].props[0].semantic == "Misc"
    assert np.all(plan.stage[0].props[0].mesh.semantic == class_id("Misc"))


def test_pull_up_samples_at_least_three_style_parameters():
    styles = [_take("PullUp", seed=s, frames=3, check=False).meta["action"] for s in (0, 1)]
    assert len(styles[0]) >= 3
    assert styles[0] != styles[1]


@pytest.mark.parametrize("actor", ["Model_Girl", "Model_Boy"])
def test_children_do_pull_ups(actor):
    take = _take("PullUp", seed=2, actor=actor)
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    assert "gripped_at_s" in take.meta["action"]


def test_hanging_without_pulling_is_not_a_pull_up():
    # cut just after the grip: the hands are on the bar but the chin never passed it
    style = _take("PullUp", seed=0, frames=3, check=False).meta["action"]
    frames = int((0.3 + style["reach_s"] + 0.7) * 30)
    take = _take("PullUp", seed=0, frames=frames, check=False)
    assert not take.meta["signature"]["ok"]
    assert "0 times" in take.meta["signature"]["reason"]


def test_push_slides_an_upright_labelled_box_ahead():
    take = _take("Push", seed=1, actor="Model_Boy")
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    box = take.part_pos[:, take.part_names.index("prop/box")]
    assert np.linalg.norm(box[-1, :2] - box[0, :2]) >= 0.3  # metres, for a 1.2 m child
    assert any(i.name == "box" and i.semantic_class == class_id("Misc") for i in take.instances)


def test_push_samples_at_least_three_style_parameters():
    styles = [_take("Push", seed=s, frames=3, check=False).meta["action"] for s in (0, 1)]
    assert len(styles[0]) >= 3
    assert styles[0] != styles[1]


def test_leaning_on_a_box_without_walking_is_not_a_push():
    take = _take("Push", seed=0, frames=28, check=False)  # cut before the first step
    assert not take.meta["signature"]["ok"]
