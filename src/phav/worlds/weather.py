"""Weather and artificial light as Take data: fog, precipitation, wetness and local lights.

The renderer draws these (fog, particles, wet reflective ground, point lights); this module only
fills :class:`~phav.take.Atmosphere` and :class:`~phav.take.LocalLights` with documented values.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.spec import DayPhase, Weather
from phav.take import Atmosphere, LocalLights
from phav.worlds.lighting import Lighting
from phav.worlds.scene import SceneLight


@dataclasses.dataclass(frozen=True)
class WeatherProfile:
    """Ranges a weather's atmosphere is drawn from.

    Attributes:
        fog_density: extinction at ground level, 1/m (visibility ~ 3 / density metres).
        fog_height_falloff: exponential decay of the density with height, 1/m.
        precipitation: ``"none"``, ``"rain"`` or ``"snow"``.
        rate: visual density of the precipitation in ``[0, 1]``.
        wind: horizontal wind speed, m/s.
        wetness: surface wetness in ``[0, 1]`` (1: puddled, mirror-like ground).
    """

    fog_density: tuple[float, float]
    fog_height_falloff: tuple[float, float]
    precipitation: str
    rate: tuple[float, float]
    wind: tuple[float, float]
    wetness: tuple[float, float]


WEATHER_PROFILES: dict[Weather, WeatherProfile] = {
    Weather.CLEAR: WeatherProfile((0.0, 0.0), (0.0, 0.0), "none", (0.0, 0.0), (0.0, 3.0), (0.0, 0.0)),
    Weather.CLOUDY: WeatherProfile((0.001, 0.003), (0.02, 0.05), "none", (0.0, 0.0), (1.0, 6.0), (0.0, 0.0)),
    Weather.OVERCAST: WeatherProfile((0.003, 0.008), (0.02, 0.05), "none", (0.0, 0.0), (1.0, 6.0), (0.0, 0.1)),
    Weather.FOGGY: WeatherProfile((0.03, 0.08), (0.05, 0.2), "none", (0.0, 0.0), (0.0, 1.5), (0.1, 0.3)),
    Weather.RAINY: WeatherProfile((0.006, 0.015), (0.03, 0.08), "rain", (0.4, 1.0), (0.5, 5.0), (0.7, 1.0)),
    Weather.SNOWY: WeatherProfile((0.01, 0.025), (0.03, 0.08), "snow", (0.3, 0.9), (0.3, 3.0), (0.0, 0.15)),
}

#: Day phases in which outdoor lamps are switched on.
DARK_PHASES = frozenset({DayPhase.DUSK, DayPhase.NIGHT})


def sample_atmosphere(weather: Weather, lighting: Lighting, frames: int, rng: np.random.Generator,
                      indoor: bool = False) -> Atmosphere:
    """The take's atmosphere: constant over the video, drawn from the weather's profile.

    Fog takes the colour of the sky at the horizon (so it darkens at night). Indoors there is no
    fog, precipitation or wetness (the weather stays outside).
    """
    if indoor:
        return Atmosphere.clear(frames)
    p = WEATHER_PROFILES[weather]

    def draw(bounds: tuple[float, float]) -> float:
        return float(rng.uniform(*bounds))

    density, falloff, rate, speed, wet = (draw(b) for b in (p.fog_density, p.fog_height_falloff, p.rate, p.wind,
                                                              p.wetness))
    angle = float(rng.uniform(0.0, 2.0 * np.pi))
    wind = np.array([speed * np.cos(angle), speed * np.sin(angle), 0.0])
    ones = np.ones(frames)
    return Atmosphere(
        fog_color=np.repeat(np.asarray(lighting.sky_horizon, dtype=np.float64)[None], frames, axis=0),
        fog_density=density * ones,
        fog_height_falloff=falloff * ones,
        precipitation=p.precipitation,
        precipitation_rate=rate * ones,
        wind=np.repeat(wind[None], frames, axis=0),
        wetness=wet * ones,
    )


def active_lights(lights: list[SceneLight], day_phase: DayPhase) -> list[SceneLight]:
    """The lights that are on: ``always`` lights, and ``dark`` lights at dusk and night."""
    return [l for l in lights if l.when == "always" or (l.when == "dark" and day_phase in DARK_PHASES)]


def local_lights(lights: list[SceneLight], day_phase: DayPhase, frames: int, near=None) -> LocalLights | None:
    """The take's local lights (static over the video), or ``None`` when none is on.

    With ``near`` (a point ``(2,)`` or ``(3,)``, e.g. the actor's start) the lights are ordered by
    their horizontal distance to it, nearest first, so a renderer that takes only the first few
    lights keeps those that light the action.
    """
    on = active_lights(lights, day_phase)
    if not on:
        return None
    if near is not None:
        xy = np.asarray(near, dtype=np.float64)[:2]
        on = sorted(on, key=lambda l: float(np.hypot(l.position[0] - xy[0], l.position[1] - xy[1])))
    pos = np.array([l.position for l in on], dtype=np.float64)
    col = np.array([l.color for l in on], dtype=np.float64)
    return LocalLights(position=np.repeat(pos[None], frames, axis=0), color=np.repeat(col[None], frames, axis=0),
                       radius=np.array([l.radius for l in on], dtype=np.float64))
