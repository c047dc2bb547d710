"""Layering an upper body without pushing the body through the ground: a punch over a get-up from
lying face down reaches below the floor when layered as is; the grounded layer keeps every frame
at or above the base pose's lowest point and the ground, lowers the weight only where it must, and
changes it smoothly. Over a walk the punch never reaches that low, so the layer is unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from phav.body.presets import get_preset
from phav.motion.grounded_layer import EASE_S, layer_above_ground
from phav.motion.library import load_clip
from phav.motion.ops import layer, time_warp
from phav.motion.retarget import lowest_heights

WEIGHT = 0.8


@pytest.fixture(scope="module")
def skeleton():
    return get_preset("Model_Woman01").skeleton()


def _top(skeleton, base, offset: float):
    """The punch clip fitted to ``skeleton``, from ``offset`` seconds, as long as ``base``."""
    return time_warp(load_clip("punch", skeleton), lambda t: t + offset, base.duration)


@pytest.mark.parametrize("offset", [0.0, 0.6, 1.2])
def test_a_punch_over_a_get_up_stays_above_the_floor(skeleton, offset):
    base = load_clip("getup_facedown", skeleton)
    top = _top(skeleton, base, offset)
    floor = np.minimum(lowest_heights(skeleton, base), 0.0)
    plain = lowest_heights(skeleton, layer(base, top, weight=WEIGHT))
    assert (plain < floor - 0.03).any(), "the plain layer must reach below the floor for this test to mean anything"

    clip, weights = layer_above_ground(base, top, skeleton, WEIGHT)
    low = lowest_heights(skeleton, clip)
    assert np.all(low >= floor), f"{np.sum(low < floor)} frames below the floor"
    assert weights.shape == (base.num_frames,) and np.all((weights >= 0.0) & (weights <= WEIGHT))
    # Lowered only while the person is down: once up (the last 40 % of the clip), the full weight.
    assert np.all(weights[plain < floor] < WEIGHT)
    assert np.all(weights[int(0.6 * base.num_frames):] == WEIGHT)
    # Smooth: no frame-to-frame jump larger than the weight spread over the easing's width.
    assert np.abs(np.diff(weights)).max() <= WEIGHT / (2 * int(round(EASE_S * base.fps)) + 1) + 1e-9
    # The result is the layer at those weights, its root and lower body the base's.
    again = layer(base, top, weight=weights)
    np.testing.assert_array_equal(clip.joint_quats, again.joint_quats)
    np.testing.assert_array_equal(clip.root_pos, base.root_pos)


def test_a_punch_over_a_walk_is_the_plain_layer(skeleton):
    base = load_clip("walk", skeleton)
    top = _top(skeleton, base, 0.3)
    clip, weights = layer_above_ground(base, top, skeleton, WEIGHT)
    np.testing.assert_array_equal(weights, np.full(base.num_frames, WEIGHT))
    np.testing.assert_array_equal(clip.joint_quats, layer(base, top, weight=WEIGHT).joint_quats)


def test_per_frame_layer_weights_must_match_the_frames_and_lie_in_0_1(skeleton):
    base = load_clip("walk", skeleton)
    top = _top(skeleton, base, 0.0)
    with pytest.raises(ValueError, match="one per frame"):
        layer(base, top, weight=np.full(base.num_frames + 1, 0.5))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        layer(base, top, weight=np.linspace(0.0, 1.5, base.num_frames))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        layer_above_ground(base, top, skeleton, 1.2)
