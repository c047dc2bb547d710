"""phav: procedural human action videos with exact ground truth."""

from phav.spec import CameraKind, DayPhase, Environment, VideoSpec, Variation, Weather
from phav.take import ActorTrack, Atmosphere, Instance, LocalLights, Mesh, Take

__version__ = "0.1.0"

__all__ = [
    "ActorTrack",
    "Atmosphere",
    "CameraKind",
    "DayPhase",
    "Environment",
    "Instance",
    "LocalLights",
    "Mesh",
    "Take",
    "Variation",
    "VideoSpec",
    "Weather",
    "__version__",
]
