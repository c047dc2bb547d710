"""Shaped props and stage pieces of the object actions: sizes, meshes, colliders, seats that scale
with the actor, and the style parameters that each new class samples per video."""

import numpy as np
import pytest

from phav.actions.objects import baseball_bat, gun, hair_brush, seat
from phav.actions.household import chest_point
from phav.body.presets import sample_actor
from phav.labels import class_id
from phav.actions import get_action
from phav.scenario import Scenario
from phav.seeding import video_rng
from phav.spec import VideoSpec


def _take(action, seed=0, actor="Model_Default", frames=None, check=True):
    n = frames if frames is not None else int(np.ceil(get_action(action).duration * 30)) + 1
    return Scenario(VideoSpec(action=action, frames=n, width=48, height=32, seed=seed, actor=actor)).simulate(
        check_signature=check)


@pytest.mark.parametrize("make,label", [(baseball_bat, "BaseballBat"), (gun, "Gun"), (hair_brush, "HairBrush")])
def test_held_tools_carry_their_semantic_class_on_every_vertex(make, label):
    prop = make(np.random.default_rng(0))
    assert prop.semantic == label
    assert np.all(prop.mesh.semantic == class_id(label))
    lo = prop.mesh.positions.min(axis=0)
    hi = prop.mesh.positions.max(axis=0)
    np.testing.assert_allclose(hi - lo, prop.size, atol=1e-6)  # the mesh is exactly its collision boxes


@pytest.mark.parametrize("kind", ["chair", "bench", "sofa"])
def test_seats_scale_with_the_actor_and_face_forward(kind):
    big = seat(kind, np.random.default_rng(1), 1.0)
    small = seat(kind, np.random.default_rng(1), 0.7)
    assert small.top == pytest.approx(0.7 * big.top)
    # the seat block's top is the sitting surface, and its front edge is where the recipe thinks
    block = big.prop.parts[0]
    assert block[0][2] + block[1][2] == pytest.approx(big.top, abs=0.01)
    assert block[0][0] + block[1][0] == pytest.approx(big.front, abs=0.01)
    # the backrest lies behind (-x): the person sits facing +x
    assert big.prop.parts[1][0][0] < 0


def test_unknown_seat_kind_says_which_are_valid():
    with pytest.raises(ValueError, match="chair, bench, sofa"):
        seat("stool", np.random.default_rng(0))


def test_chest_point_of_the_standing_pose_is_relative_to_the_chest_joint():
    shape, _ = sample_actor("Model_Man01", video_rng(0, "actor"))
    sk = shape.skeleton()
    from phav.motion.keyposes import standing_height

    chest = np.array([0.0, 0.0, standing_height(sk)]) + sk.rest_offset("chest")
    np.testing.assert_allclose(chest_point(sk, chest + [0.1, 0.2, 0.3]), [0.1, 0.2, 0.3], atol=1e-12)
    # leaning forward by 90 degrees turns the chest's +z to the body's +x
    p = chest_point(sk, np.array([0.0, 0.0, standing_height(sk)]) + [1.0, 0.0, 0.0], pelvis_rot=(0.0, np.pi / 2, 0.0))
    assert p[2] > 0.5


@pytest.mark.parametrize("action", ["Sit", "Pick", "BrushHair", "ShootGun", "SwingBaseball"])
def test_new_classes_sample_at_least_three_style_parameters(action):
    styles = [_take(action, seed=s, frames=3, check=False).meta["action"] for s in (0, 1)]
    assert len(styles[0]) >= 3
    assert styles[0] != styles[1]


@pytest.mark.parametrize("action", ["Sit", "Pick"])
def test_child_presets_show_the_prop_actions(action):
    take = _take(action, seed=0, actor="Model_Boy")
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]


def test_count_swings_counts_each_back_and_forth_once():
    from phav.actions.signals import count_swings

    t = np.linspace(0, 3, 300)
    assert count_swings(0.05 * np.cos(2 * np.pi * t), 0.04) == 3  # three falls from +0.05 to -0.05
    assert count_swings(0.01 * np.cos(2 * np.pi * t), 0.04) == 0  # too small to be a stroke
    assert count_swings(np.array([]), 0.04) == 0


def test_chest_point_follows_the_spine_bend_of_the_key():
    """A key's ``chest`` bends the whole spine (abdomen and chest): the chest frame it gives is the
    one :func:`phav.motion.keyposes.synthesize` poses (wrist targets land where chest_point says)."""
    from phav.motion.keyposes import Key, standing_height, synthesize
    from phav.motion.retarget import forward_kinematics_frames

    shape, _ = sample_actor("Model_Man01", video_rng(0, "actor"))
    sk = shape.skeleton()
    bend = (0.1, 0.5, -0.4)
    target = np.array([0.45, -0.15, standing_height(sk) + 0.1])
    clip = synthesize(sk, [Key(0.0, chest=bend, hands={"right": chest_point(sk, target, chest=bend)})], duration=0.1)
    pos, quat = forward_kinematics_frames(sk, clip)
    k = sk.link_names.index("right_hand")
    np.testing.assert_allclose(pos[0, k], target, atol=1e-6)  # the clip starts in the body frame


@pytest.mark.parametrize("actor, seed", [("Model_Woman01", 1), ("Model_Boy", 2), ("Model_Man01", 0)])
def test_brush_hair_strokes_the_hair_beside_and_behind_a_steady_head(actor, seed):
    """The brush lies on the hair with its bristles to the head, the hand beside the head rather
    than above it, and the head stays still while the arm strokes (the brush once stood up over
    the crown with the wrist 1.4-1.7 head radii above the head's centre, bristles sideways, and
    the head tipped back by 50-80 degrees as the arm rose)."""
    from phav.actions import signals as S
    from phav.actions.household import _head_radius, brush_face
    from phav.geometry import quat_rotate

    take = _take("BrushHair", seed=seed, actor=actor)
    assert take.meta["signature"]["ok"], take.meta["signature"]["reason"]
    r, head = _head_radius(take), S.joint(take, "head")
    d = brush_face(take) - head
    i = take.part_names.index("prop/brush")
    bristles = -quat_rotate(take.part_quat[:, i], np.array([0.0, 0.0, 1.0]))
    facing = np.sum(bristles * -d, axis=1) / np.linalg.norm(d, axis=1)
    assert np.median(facing[30:]) > 0.7  # after the raise: bristles towards the head's centre
    wrist = S.joint(take, f"{take.meta['action']['hand']}_wrist")
    assert (wrist[:, 2] - head[:, 2]).max() < 0.6 * r
    nose = S.joint(take, "nose") - head
    pitch = np.degrees(np.arctan2(nose[:, 2], np.linalg.norm(nose[:, :2], axis=1)))
    assert np.ptp(pitch) < 8.0
