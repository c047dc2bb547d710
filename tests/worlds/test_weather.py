"""Day phases and weather as data: atmosphere, local lights, indoor lighting."""

import numpy as np
import pytest

from phav.spec import DayPhase, Environment, Weather
from phav.worlds.environments import build_environment
from phav.worlds.lighting import indoors, sample_lighting
from phav.worlds.weather import WEATHER_PROFILES, local_lights, sample_atmosphere


def atmosphere(weather, seed=0, indoor=False):
    light = sample_lighting(DayPhase.DAY, weather, np.random.default_rng(seed))
    return sample_atmosphere(weather, light, 5, np.random.default_rng(seed), indoor=indoor)


def test_every_weather_has_a_profile_and_clear_is_clear():
    assert set(WEATHER_PROFILES) == set(Weather)
    clear = atmosphere(Weather.CLEAR)
    assert clear.precipitation == "none"
    assert not clear.fog_density.any() and not clear.wetness.any() and not clear.precipitation_rate.any()


def test_rain_wets_the_ground_snow_falls_and_fog_is_thickest_when_foggy():
    for seed in range(5):
        rainy, snowy, foggy = (atmosphere(w, seed) for w in (Weather.RAINY, Weather.SNOWY, Weather.FOGGY))
        assert rainy.precipitation == "rain" and rainy.wetness.min() >= 0.7 and rainy.precipitation_rate.min() > 0
        assert snowy.precipitation == "snow" and snowy.precipitation_rate.min() > 0
        others = [atmosphere(w, seed).fog_density[0] for w in Weather if w != Weather.FOGGY]
        assert foggy.fog_density[0] > max(others)
        # visibility in fog (3 / density) is tens of metres
        assert 20 < 3 / foggy.fog_density[0] < 120


def test_weather_stays_outside_the_house():
    inside = atmosphere(Weather.RAINY, indoor=True)
    assert inside.precipitation == "none" and not inside.wetness.any() and not inside.fog_density.any()


def test_fog_takes_the_horizon_colour_and_darkens_at_night():
    day = sample_lighting(DayPhase.DAY, Weather.FOGGY, np.random.default_rng(0))
    night = sample_lighting(DayPhase.NIGHT, Weather.FOGGY, np.random.default_rng(0))
    a_day = sample_atmosphere(Weather.FOGGY, day, 2, np.random.default_rng(0))
    a_night = sample_atmosphere(Weather.FOGGY, night, 2, np.random.default_rng(0))
    np.testing.assert_allclose(a_day.fog_color[0], day.sky_horizon)
    assert a_night.fog_color.sum() < a_day.fog_color.sum()


def test_street_lamps_switch_on_at_dusk_and_night_and_room_lamps_always():
    urban = build_environment(Environment.URBAN, np.random.default_rng(0))
    assert local_lights(urban.lights, DayPhase.DAY, 3) is None
    assert local_lights(urban.lights, DayPhase.DAWN, 3) is None
    for phase in (DayPhase.DUSK, DayPhase.NIGHT):
        lights = local_lights(urban.lights, phase, 3, near=urban.start_position)
        assert lights.position.shape == (3, len(urban.lights), 3) and np.all(lights.radius > 0)
        dist = np.hypot(*(lights.position[0, :, :2] - urban.start_position).T)
        assert np.all(np.diff(dist) >= 0), "nearest lights first"
    house = build_environment(Environment.HOUSE, np.random.default_rng(0))
    assert local_lights(house.lights, DayPhase.DAY, 1) is not None
    assert local_lights(build_environment(Environment.PLAIN, np.random.default_rng(0)).lights, DayPhase.NIGHT, 1) is None


def test_indoors_the_sun_is_off_and_the_rooms_keep_some_light():
    outside = sample_lighting(DayPhase.DAY, Weather.CLEAR, np.random.default_rng(0))
    inside = indoors(outside)
    assert not inside.sun_color.any()
    assert inside.sky_zenith.sum() < outside.sky_zenith.sum() and inside.ambient.sum() >= outside.ambient.sum()


@pytest.mark.parametrize("phase", list(DayPhase), ids=lambda p: p.value)
def test_every_day_phase_lights_differently(phase):
    light = sample_lighting(phase, Weather.CLEAR, np.random.default_rng(1))
    day = sample_lighting(DayPhase.DAY, Weather.CLEAR, np.random.default_rng(1))
    if phase != DayPhase.DAY:
        assert light.sun_color.sum() < day.sun_color.sum()


def test_the_atmosphere_is_recorded_with_its_sampled_values():
    rainy = atmosphere(Weather.RAINY, seed=3)
    record = rainy.record()
    assert record["precipitation"] == "rain"
    assert record["fog_density"] == rainy.fog_density[0] and record["wetness"] == rainy.wetness[0]
    assert record["precipitation_rate"] == rainy.precipitation_rate[0] and record["wind"] == rainy.wind[0].tolist()
    assert len(record["fog_color"]) == 3
    rainy.wetness[2] = 0.0  # an atmosphere that changes keeps every frame's value
    assert rainy.record()["wetness"] == rainy.wetness.tolist()


def test_a_videos_params_record_its_weather(tmp_path):
    from phav.api.output import write_video
    from phav.io.params import read_params
    from phav.scenario import Scenario
    from phav.spec import VideoSpec

    spec = VideoSpec(action="Walk", weather="Foggy", frames=3, width=64, height=48, seed=2).validate()
    take = Scenario(spec).simulate(check_signature=False)
    folder = write_video(take, tmp_path, spec, modalities=("depth",), quality="preview")
    meta = read_params(folder / "params.json")["meta"]
    assert meta["atmosphere"]["precipitation"] == "none" and 0.03 <= meta["atmosphere"]["fog_density"] <= 0.08
