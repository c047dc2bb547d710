"""SyntheticHop, SyntheticFlee and Roll: their motions, props and signatures."""

import numpy as np
import pytest

from phav.actions import get_action
from phav.actions import signals as S
from phav.actions.locomotion_extra import hop_keys
from phav.body.presets import sample_actor
from phav.motion.keyposes import synthesize
from phav.scenario import Scenario
from phav.spec import VideoSpec


def _take(action, seed=0, actor="Model_Default", frames=None, check=True):
    n = frames if frames is not None else int(np.ceil(get_action(action).duration * 30)) + 1
    return Scenario(VideoSpec(action=action, frames=n, width=48, height=32, seed=seed, actor=actor)).simulate(
        check_signature=check)


def test_hop_keys_fly_the_stance_foot_and_move_only_in_the_air():
    shape, _ = sample_actor("Model_Boy", np.random.default_rng(0))
    sk = shape.skeleton()
    keys, path = hop_keys(sk, "right", hops=3, period=0.6, height=0.1, crouch=0.05, step=0.2, tuck=0.3)
    np.testing.assert_allclose(path(0.0), 0.0)
    np.testing.assert_allclose(path(keys[-1].time), [0.6, 0.0, 0.0])  # three steps of 0.2 m
    clip = synthesize(sk, keys, root_path=path)
    assert clip.root_pos[:, 2].max() - clip.root_pos[0, 2] > 0.08  # the pelvis rises with the hop
    # the held foot (left) is always up, the right is at some frames on the ground, at others 0.1 m up
    hops = [k for k in keys if "right" in k.feet]
    assert len(hops) == 3 and all(abs(k.feet["right"][2] - sk.segments.ankle_to_sole - 0.1) < 1e-9 for k in hops)
    assert all(k.feet["left"][2] > 0.2 * sk.segments.leg_length for k in keys)


def test_hop_keeps_one_foot_up_for_a_child():
    take = _take("SyntheticHop", seed=2, actor="Model_Girl")
    held = take.meta["action"]["hop_leg"]
    up = "left" if held == "right" else "right"
    h = S.body_height(take)
    a_up, a_hop = S.joint(take, f"{up}_ankle")[:, 2], S.joint(take, f"{held}_ankle")[:, 2]
    assert a_up.min() - a_hop.min() > 0.1 * h


def test_hop_signature_rejects_a_walk():
    assert not get_action("SyntheticHop").signature(_take("Walk", frames=45)).ok


def test_flee_car_is_labelled_and_the_person_runs_away_from_it():
    take = _take("SyntheticFlee", seed=3, actor="Model_Boy")
    assert any(i.name == "car" for i in take.instances)
    car = S.prop(take, "car")[:, :2]
    p = S.joint(take, "pelvis")[:, :2]
    d = np.linalg.norm(car - p, axis=1)
    assert d[-1] > d[0] + 0.8 * S.body_height(take)
    # the car keeps to the ground and stops short of the person
    assert np.ptp(S.prop(take, "car")[:, 2]) < 0.05 and d.min() > 2.0


def test_flee_signature_rejects_the_startle_before_the_turn():
    take = _take("SyntheticFlee", seed=3, frames=10, check=False)
    assert not take.meta["signature"]["ok"]


def test_roll_signature_rejects_a_walk_and_the_roll_passes_for_a_boy():
    assert not get_action("Roll").signature(_take("Walk", frames=45)).ok
    take = _take("Roll", seed=4, actor="Model_Boy")
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]


def test_the_flee_takes_an_escape_the_world_leaves_open():
    """A bench across the drawn escape turns the run over the other shoulder (or straighter); with
    nothing in the way, or no world, the drawn escape stays."""
    from phav.actions.locomotion_extra import escape_is_clear, flee_build
    from phav.actions.registry import BuildContext
    from phav.seeding import video_rng
    from phav.worlds.scene import Collider, StaticScene

    sk = sample_actor("Model_Default", video_rng(0, "actor"))[0].skeleton()
    open_field = StaticScene(meshes=[], start_position=np.zeros(2), start_heading=0.0, params={})

    def plan(world):
        return flee_build(BuildContext(sk, video_rng(5, "action"), "run", 2.2, None, world))

    drawn = plan(None)
    assert plan(open_field).style == drawn.style
    # a bench where the drawn escape runs, 3 m out
    path = drawn.clip.root_pos[int(drawn.style["react_s"] * drawn.clip.fps):, :2]
    x, y = path[len(path) // 2]
    bench = StaticScene(meshes=[], start_position=np.zeros(2), start_heading=0.0, params={},
                        colliders=[Collider((float(x), float(y), 0.5), (0.8, 0.3, 0.5))])
    assert not escape_is_clear(bench, drawn.clip, drawn.style["react_s"])
    dodged = plan(bench)
    assert (dodged.style["turn_direction"], dodged.style["escape_deviation_rad"]) != \
        (drawn.style["turn_direction"], drawn.style["escape_deviation_rad"])
    assert escape_is_clear(bench, dodged.clip, dodged.style["react_s"])


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_in_the_park_the_flee_runs_clear_of_the_benches(seed):
    """GreenCity's main path has benches just off its edge: these seeds' drawn escapes ran into one
    (the distance to the car stopped growing) and failed; now the run keeps clear."""
    frames = get_action("SyntheticFlee").frames_needed(30.0)
    take = Scenario(VideoSpec(action="SyntheticFlee", environment="GreenCity", frames=frames, width=48, height=32,
                              seed=seed)).simulate()
    assert take.meta["signature"]["ok"]
