"""Key-pose synthesis: keys are hit, feet stay planted, timing and repetition behave."""

import numpy as np
import pytest

from phav.body.skeleton import default_skeleton
from phav.motion.keyposes import Key, repeat, rest_ankle, scale_time, synthesize
from phav.physics.kinematics import forward_kinematics


def _links(sk, clip, t):
    p = clip.sample(t)
    pos, _ = forward_kinematics(sk, p.root_pos, p.root_quat, dict(zip(clip.joint_names, p.joint_quats)))
    return {n: pos[i] for i, n in enumerate(sk.link_names)}


@pytest.mark.parametrize("height", [1.15, 1.75, 1.95])
def test_hand_reaches_its_key_target_and_feet_stay_on_the_ground(height):
    sk = default_skeleton(height, 70.0 * (height / 1.75) ** 2)
    target = np.array([0.3, -0.15, 0.25]) * height / 1.75
    clip = synthesize(sk, [Key(0.0), Key(1.0, hands={"right": target}, pelvis=(0.0, 0.0, -0.1 * height))], duration=1.5)
    at_key = _links(sk, clip, 1.0)
    assert np.linalg.norm(at_key["right_hand"] - at_key["chest"] - target) < 1e-3
    for t in (0.0, 0.5, 1.0, 1.5):
        links = _links(sk, clip, t)
        for side in ("left", "right"):
            assert np.linalg.norm(links[f"{side}_foot"] - rest_ankle(sk, side)) < 1e-3


def test_timing_curve_and_held_last_pose():
    sk = default_skeleton()
    keys = [Key(0.0), Key(1.0, pelvis=(0.0, 0.0, -0.2), ease="linear")]
    clip = synthesize(sk, keys, duration=2.0)
    z0 = clip.root_pos[0, 2]
    assert clip.sample(0.5).root_pos[2] == pytest.approx(z0 - 0.1, abs=1e-6)
    assert clip.sample(1.7).root_pos[2] == pytest.approx(z0 - 0.2, abs=1e-6)
    smooth = synthesize(sk, [Key(0.0), Key(1.0, pelvis=(0.0, 0.0, -0.2))], duration=1.0)
    assert smooth.sample(0.25).root_pos[2] > z0 - 0.05 * 0.2 * 4  # smoothstep starts slowly


def test_repeat_and_scale_time():
    cycle = [Key(0.0), Key(0.5, pelvis=(0, 0, -0.1)), Key(1.0)]
    keys = repeat(cycle, 3, start=0.2)
    assert [k.time for k in keys] == pytest.approx([0.2, 0.7, 1.2, 1.7, 2.2, 2.7, 3.2])
    assert [k.time for k in scale_time(cycle, 2.0)] == pytest.approx([0.0, 1.0, 2.0])


def test_bad_keys_are_rejected():
    with pytest.raises(ValueError, match="timing curve"):
        Key(0.0, ease="bouncy")
    with pytest.raises(ValueError, match="side"):
        Key(0.0, hands={"middle": (0, 0, 0)})
    with pytest.raises(ValueError, match="decrease"):
        synthesize(default_skeleton(), [Key(1.0), Key(0.5)])


def test_every_frame_is_the_one_frame_solution():
    """All frames are solved at once; each equals the IK of that frame's interpolated targets."""
    from phav.geometry import quat_conjugate, quat_rotate
    from phav.motion.ik import arm_ik, leg_ik
    from phav.motion.keyposes import EASINGS, rest_hand, standing_height

    sk = default_skeleton(1.7)
    keys = [Key(0.0), Key(0.5, pelvis=(0.05, 0.0, -0.1), pelvis_rot=(0.0, 0.3, 0.1),
                          hands={"right": (0.35, -0.1, 0.2)}, feet={"left": (0.1, 0.12, 0.2)}, ease="ease_in"),
            Key(1.0, elbow_pole=(0.0, -1.0, 0.0), look=(2.0, 1.0, 1.5))]
    clip = synthesize(sk, keys, duration=1.0)
    col = {j: k for k, j in enumerate(clip.joint_names)}
    f = 10  # t = 1/3 s, between the first two keys: u = ease_in(2/3)
    u = EASINGS["ease_in"](f / 30.0 / 0.5)
    pelvis = np.array([0.0, 0.0, standing_height(sk)]) + u * np.array([0.05, 0.0, -0.1])
    np.testing.assert_allclose(clip.root_pos[f], pelvis, atol=1e-12)
    hand = (1 - u) * rest_hand(sk, "right") + u * np.array([0.35, -0.1, 0.2])
    np.testing.assert_array_equal(clip.joint_quats[f, col["right_shoulder"]], arm_ik(sk, "right", hand).root_quat)
    ankle = (1 - u) * rest_ankle(sk, "left") + u * np.array([0.1, 0.12, 0.2])
    local = quat_rotate(quat_conjugate(clip.root_quat[f]), ankle - clip.root_pos[f])
    np.testing.assert_array_equal(clip.joint_quats[f, col["left_hip"]], leg_ik(sk, "left", local).root_quat)


def test_key_spans_name_the_keys_around_each_time_and_hold_the_ends():
    from phav.motion.keyposes import _key_spans

    keys = [Key(0.5), Key(1.0, ease="linear"), Key(1.0, ease="linear"), Key(2.0, ease="ease_in")]
    first, second, weight = _key_spans(keys, [0.0, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5])
    assert first.tolist() == [0, 0, 0, 0, 2, 2, 3]  # 1.0 ends the first span (the first key at that time)
    assert second.tolist() == [0, 0, 1, 1, 3, 3, 3]
    np.testing.assert_array_equal(weight, [0.0, 0.0, 0.5, 1.0, 0.25, 1.0, 0.0])  # ease_in(0.5) = 0.25


def test_a_key_without_a_gaze_takes_its_neighbours():
    sk = default_skeleton()
    col = {j: k for k, j in enumerate(synthesize(sk, [Key(0.0)]).joint_names)}
    clip = synthesize(sk, [Key(0.0), Key(1.0, look=(3.0, 2.0, 1.4))], duration=1.5)
    neck = clip.joint_quats[1:, col["neck"]]  # frame 0 holds the first key alone: straight ahead
    np.testing.assert_allclose(neck, np.broadcast_to(neck[-1], neck.shape), atol=1e-12)  # one target all along
    assert abs(neck[-1, 3]) < 0.99  # and the head does turn to it
    ahead = synthesize(sk, [Key(0.0), Key(1.0)], duration=1.5).joint_quats[:, col["neck"]]
    np.testing.assert_array_equal(ahead, np.broadcast_to([0.0, 0.0, 0.0, 1.0], ahead.shape))
