"""Sky and sun per day phase and weather, as the linear-RGB quantities a Take carries."""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.spec import DayPhase, Weather


@dataclasses.dataclass(frozen=True)
class Lighting:
    """Static lighting of one video (linear RGB; the renderer's units: sun irradiance, sky radiance).

    Attributes:
        sun_direction: ``(3,)`` unit vector from the scene towards the sun.
        sun_color: ``(3,)`` sun irradiance.
        sky_zenith, sky_horizon: ``(3,)`` sky radiance at zenith and at the horizon.
        ambient: ``(3,)`` ambient light.
    """

    sun_direction: np.ndarray
    sun_color: np.ndarray
    sky_zenith: np.ndarray
    sky_horizon: np.ndarray
    ambient: np.ndarray

    def per_frame(self, frames: int) -> dict[str, np.ndarray]:
        """The Take's lighting arrays, each ``(frames, 3) float64``."""
        return {
            name: np.repeat(np.asarray(getattr(self, name), dtype=np.float64)[None], frames, axis=0)
            for name in ("sun_direction", "sun_color", "sky_zenith", "sky_horizon", "ambient")
        }


#: (sun elevation range in degrees, sun colour, zenith, horizon, ambient) per day phase, clear sky.
#: The renderer lights with albedo * (sun * cos + hemispheric sky + ambient), no 1/pi; values are
#: scaled so a mid-grey surface in full sun lands near 0.5 in the raw sRGB image.
_PHASES = {
    DayPhase.DAWN: ((4.0, 14.0), (1.3, 0.85, 0.5), (0.08, 0.12, 0.30), (0.70, 0.45, 0.30), (0.05, 0.04, 0.04)),
    DayPhase.DAY: ((35.0, 65.0), (1.5, 1.42, 1.3), (0.10, 0.25, 0.65), (0.45, 0.60, 0.80), (0.04, 0.045, 0.05)),
    DayPhase.DUSK: ((3.0, 12.0), (1.2, 0.65, 0.32), (0.06, 0.08, 0.22), (0.65, 0.35, 0.22), (0.04, 0.035, 0.04)),
    DayPhase.NIGHT: ((-30.0, -15.0), (0.0, 0.0, 0.0), (0.004, 0.006, 0.02), (0.015, 0.02, 0.035), (0.03, 0.035, 0.05)),
}

#: Sun dimming and sky greying per weather (sun factor, grey mix of the sky in [0, 1]).
_WEATHER = {
    Weather.CLEAR: (1.0, 0.0),
    Weather.CLOUDY: (0.6, 0.35),
    Weather.OVERCAST: (0.2, 0.75),
    Weather.FOGGY: (0.3, 0.8),
    Weather.RAINY: (0.15, 0.8),
    Weather.SNOWY: (0.3, 0.85),
}


def sample_lighting(day_phase: DayPhase, weather: Weather, rng: np.random.Generator) -> Lighting:
    """Sun direction (random azimuth, elevation within the phase's range) and sky colours."""
    (lo, hi), sun, zenith, horizon, ambient = _PHASES[day_phase]
    sun_factor, grey = _WEATHER[weather]
    elevation = np.radians(rng.uniform(lo, hi))
    azimuth = rng.uniform(0.0, 2.0 * np.pi)
    direction = np.array(
        [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
    )

    def overcast(color: tuple[float, float, float]) -> np.ndarray:
        c = np.asarray(color, dtype=np.float64)
        return (1.0 - grey) * c + grey * np.full(3, c.mean())

    return Lighting(
        sun_direction=direction,
        sun_color=np.asarray(sun) * sun_factor,
        sky_zenith=overcast(zenith),
        sky_horizon=overcast(horizon),
        ambient=overcast(ambient) * (1.0 + 0.5 * grey),
    )


#: Indoors: the fraction of the outdoor sky light that comes in through the windows, and the
#: ambient floor that stands for light bounced around the rooms (lamps add their own light).
INDOOR_SKY_FRACTION = 0.25
INDOOR_AMBIENT = (0.10, 0.095, 0.085)


def indoors(lighting: Lighting) -> Lighting:
    """The same day phase and weather seen from inside a closed building.

    The renderer has no shadows, so the sun would light floors through the ceiling: it is switched
    off. The hemispheric sky is dimmed to the window light and the ambient raised to the bounce light.
    The sky colours stay for fog and windows; no sky pixel is visible indoors.
    """
    return dataclasses.replace(
        lighting,
        sun_color=np.zeros(3),
        sky_zenith=np.asarray(lighting.sky_zenith) * INDOOR_SKY_FRACTION,
        sky_horizon=np.asarray(lighting.sky_horizon) * INDOOR_SKY_FRACTION,
        ambient=np.maximum(np.asarray(lighting.ambient), INDOOR_AMBIENT),
    )
