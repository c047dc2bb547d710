"""Worlds: the plain stage, lighting and the Kite rig."""

import numpy as np
import pytest

from phav.camera import project
from phav.labels import class_id
from phav.spec import CameraKind, DayPhase, Environment, Weather
from phav.worlds.cameras import KiteRig
from phav.worlds.environments import build_environment
from phav.worlds.lighting import sample_lighting


def test_plain_ground_is_terrain_and_road_only_and_seeded():
    a = build_environment(Environment.PLAIN, np.random.default_rng(3))
    b = build_environment(Environment.PLAIN, np.random.default_rng(3))
    c = build_environment(Environment.PLAIN, np.random.default_rng(4))
    mesh = a.meshes[0][1]
    assert set(np.unique(mesh.semantic)) == {class_id("Terrain"), class_id("Road")}
    np.testing.assert_array_equal(mesh.colors, b.meshes[0][1].colors)
    assert not np.array_equal(mesh.colors, c.meshes[0][1].colors)
    assert np.all(mesh.positions[:, 2] == 0.0)
    # the actor starts on the road, on the ground
    road_y = a.params["road_center_y"]
    assert abs(a.start_position[1] - road_y) < 3.0


def test_every_environment_and_camera_is_registered():
    from phav.worlds.cameras import RIGS
    from phav.worlds.environments import ENVIRONMENTS

    assert set(ENVIRONMENTS) == set(Environment) and set(RIGS) == set(CameraKind)


def test_sun_is_up_by_day_and_down_at_night_and_clouds_dim_it():
    rng = np.random.default_rng(0)
    day = sample_lighting(DayPhase.DAY, Weather.CLEAR, rng)
    night = sample_lighting(DayPhase.NIGHT, Weather.CLEAR, rng)
    overcast = sample_lighting(DayPhase.DAY, Weather.OVERCAST, rng)
    assert day.sun_direction[2] > 0.5 and night.sun_direction[2] < 0
    np.testing.assert_allclose(np.linalg.norm(day.sun_direction), 1.0)
    assert overcast.sun_color.sum() < day.sun_color.sum()


def test_kite_keeps_a_walking_subject_in_view_at_its_distance():
    rig = KiteRig.sample(np.random.default_rng(5))
    T = 90
    subject = np.stack([np.linspace(0, 3, T), np.zeros(T), np.full(T, 0.9)], axis=1)
    track = rig.track(subject, 30.0, 340, 256)
    for t in range(T):
        uv, z = project(subject[t : t + 1], track.K[t], track.world_to_camera[t])
        assert z[0] > 2.0
        assert 0 <= uv[0, 0] < 340 and 0 <= uv[0, 1] < 256
