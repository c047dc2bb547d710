"""Tracking quality (issue 3, point 4): DeepMimic clips as videos get them (the motion library:
retargeted, on the ground, stance feet locked) at full strength with the root pin, on a child, a
tall heavy adult and the elderly woman. Thresholds: mean joint rotation error < 5 deg, mean root
position error < 5 cm, foot skating during stance < 2 cm per frame. The run is tracked for three
cycles (its single 0.8 s cycle has only a few stance frames per foot); the others for one clip.
"""

import numpy as np
import pytest

from phav.body.presets import get_preset
from phav.motion.library import load_clip
from phav.physics.tracking import foot_skating, track_clip

ACTORS = ("Model_Boy", "Model_Man02", "Model_ElderlyWoman")
CLIPS = ("walk", "run", "jump", "kick")


@pytest.fixture(scope="module")
def reports():
    out = {}
    for actor in ACTORS:
        skeleton = get_preset(actor).skeleton()
        for name in CLIPS:
            clip = load_clip(name, skeleton)
            out[actor, name] = track_clip(skeleton, clip, seconds=3 * clip.duration if name == "run" else None)
    return out


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("clip", CLIPS)
def test_tracking_thresholds(reports, actor, clip):
    r = reports[actor, clip]
    print(actor, clip, r.as_dict())
    assert r.joint_error_deg < 5.0
    assert r.root_error_cm < 5.0
    assert r.foot_skate_cm < 2.0
    assert r.stance_frames > 5  # the skating figure is not vacuous


def test_foot_skating_measures_stance_only():
    low = np.array([[0.0, 0.5], [0.0, 0.5], [0.3, 0.0], [0.3, 0.0]])  # foot 0 stands for frames 0-1, foot 1 for 2-3
    xy = np.zeros((4, 2, 2))
    xy[:, 0, 0] = [0.0, 0.01, 0.5, 1.0]  # 1 cm while standing, then swings
    xy[:, 1, 0] = [0.0, 0.4, 0.8, 0.83]  # swings, then 3 cm while standing
    skate, n = foot_skating(low, xy)
    assert n == 2
    assert skate == pytest.approx(2.0)


def test_a_skimming_swing_foot_is_not_standing_when_contacts_are_known():
    low = np.zeros((3, 2))  # both feet within the stance band all along
    xy = np.zeros((3, 2, 2))
    xy[:, 1, 0] = [0.0, 0.1, 0.2]  # foot 1 swings 10 cm per frame just above the ground
    contact = np.array([[True, False]] * 3)
    assert foot_skating(low, xy)[0] == pytest.approx(5.0)  # height alone: counted as skating
    assert foot_skating(low, xy, contact=contact) == (0.0, 2)  # with contacts: only foot 0 stands
