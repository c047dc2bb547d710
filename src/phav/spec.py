"""VideoSpec: every parameter of one video, and the enumerations of the spec's variables.

A :class:`VideoSpec` is the unit of caching, naming, sharding and reproducibility: the same spec gives
the same bytes on the same machine and software. It round-trips through JSON (:meth:`VideoSpec.to_json`,
:meth:`VideoSpec.from_json`).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from typing import Any, ClassVar, Iterator


class _NamedEnum(str, enum.Enum):
    """A string enumeration whose values are the names written into folder names and JSON."""

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> "_NamedEnum":
        """The member whose value matches ``text`` (case-insensitive).

        Raises:
            ValueError: no such member; the message lists the valid values.
        """
        for member in cls:
            if member.value.lower() == str(text).lower():
                return member
        valid = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown {cls.__name__} {text!r}; valid values: {valid}")


class _EnvironmentRegistry(type):
    """Metaclass of :class:`Environment`: iterating the class gives the registered environments,
    built-ins first, then plugins' in the order they registered."""

    def __iter__(cls) -> Iterator["Environment"]:
        return iter(tuple(cls._members.values()))

    def __len__(cls) -> int:
        return len(cls._members)


class Environment(str, metaclass=_EnvironmentRegistry):
    """Where the video takes place: an open registry of names (``Plain``, ours, is an open ground with a
    road: the empty stage).

    The built-ins are class attributes (``Environment.PLAIN`` ... ``Environment.HOUSE``); plugins add
    more with :meth:`register` (through :func:`phav.plugins.register_environment`, which also gives
    the world builder). A value is its name as a string (``Environment.PLAIN == "Plain"``, the name in
    folder names and JSON); ``Environment(name)`` and :meth:`parse` give the registered value
    (case-insensitive), ``list(Environment)`` all of them.
    """

    __slots__ = ()
    _members: ClassVar[dict[str, "Environment"]] = {}  # lower-case name -> value

    PLAIN: ClassVar["Environment"]
    STADIUM: ClassVar["Environment"]
    LAKE: ClassVar["Environment"]
    URBAN: ClassVar["Environment"]
    GREEN_CITY: ClassVar["Environment"]
    MIDDLE: ClassVar["Environment"]
    HOUSE: ClassVar["Environment"]

    def __new__(cls, name: str) -> "Environment":
        return cls.parse(name)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return Environment, (self.value,)  # a process that registered the same plugins reads it back

    def __repr__(self) -> str:
        return f"Environment({self.value!r})"

    def __str__(self) -> str:
        return self.value

    @property
    def value(self) -> str:
        """The name, as a plain string."""
        return str.__str__(self)

    @classmethod
    def parse(cls, text: str) -> "Environment":
        """The registered environment named ``text`` (case-insensitive).

        Raises:
            ValueError: no such environment; the message lists the registered ones.
        """
        member = cls._members.get(str(text).lower())
        if member is None:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown Environment {text!r}; valid values: {valid}")
        return member

    @classmethod
    def register(cls, name: str) -> "Environment":
        """Add the environment ``name`` (a Python identifier: it names folders) and return it.

        Raises:
            ValueError: the name is not an identifier or is taken (case-insensitive).
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"environment name {name!r} must be a Python identifier (letters, digits, _), "
                             "e.g. Courtyard")
        if name.lower() in cls._members:
            raise ValueError(f"environment {name!r} already exists; choose another name")
        member = str.__new__(cls, name)
        cls._members[name.lower()] = member
        return member


for _key, _name in (("PLAIN", "Plain"), ("STADIUM", "Stadium"), ("LAKE", "Lake"), ("URBAN", "Urban"),
                    ("GREEN_CITY", "GreenCity"), ("MIDDLE", "Middle"), ("HOUSE", "House")):
    setattr(Environment, _key, Environment.register(_name))


class DayPhase(_NamedEnum):
    """The time of day, PHAV's four phases: sets the sun's elevation and the sky's light."""

    DAWN = "Dawn"
    DAY = "Day"
    DUSK = "Dusk"
    NIGHT = "Night"


class Weather(_NamedEnum):
    """PHAV's six weather conditions: cloud cover, fog, rain or snow."""

    CLEAR = "Clear"
    CLOUDY = "Cloudy"
    OVERCAST = "Overcast"
    FOGGY = "Foggy"
    RAINY = "Rainy"
    SNOWY = "Snowy"


class CameraKind(_NamedEnum):
    """How the camera films the action (PHAV's kite, close-up, indoor and tripod cameras, and an
    orbiting and a hand-held one)."""

    KITE = "Kite"
    CLOSE_UP = "CloseUp"
    INDOOR = "Indoor"
    TRIPOD = "Tripod"
    ORBITAL = "Orbital"
    HANDHELD = "Handheld"


class Variation(_NamedEnum):
    """PHAV's motion variations: none, muscle weakening, perturbation, blending, objects."""

    NONE = "n"
    WEAKENING = "w"
    PERTURBATION = "p"
    BLENDING = "b"
    OBJECTS = "o"


#: Bounds that keep a spec renderable; checked by :meth:`VideoSpec.validate`.
MIN_SIZE = 8
MAX_SIZE = 8192
MAX_FRAMES = 100_000
MAX_FPS = 1000.0


def check_name(field: str, value: object, *, empty_ok: bool = False) -> str:
    """Check a name that becomes part of a path or a folder name (an action, clip or actor);
    returns it.

    A name is a string without ``-`` (it separates the fields of a folder name), ``/`` or ``\\``
    (path separators) and white space, not empty (unless ``empty_ok``) and not starting with ``.``
    (``.`` and ``..`` leave the output folder; hidden folders are the writer's temporary ones).

    Raises:
        ValueError: the name breaks the rule; the message names ``field`` and the rule.
    """
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, got {type(value).__name__} {value!r}")
    if not value:
        if empty_ok:
            return value
        raise ValueError(f"{field} may not be empty")
    if value.startswith(".") or any(c in "-/\\" or c.isspace() for c in value):
        raise ValueError(f"{field} {value!r} may not contain '-', '/', '\\' or spaces, nor start with '.'")
    return value

_ENUM_FIELDS = {
    "environment": Environment,
    "day_phase": DayPhase,
    "weather": Weather,
    "camera": CameraKind,
    "variation": Variation,
}


@dataclasses.dataclass(frozen=True)
class VideoSpec:
    """Every parameter of one video.

    Attributes:
        action: registered action class name (e.g. ``"Walk"``).
        clip: motion clip name within the action, or ``""`` to let the action choose from the seed.
        actor: human model (actor preset) name.
        environment, day_phase, weather, camera, variation: the discrete world and motion variables.
        frames: number of video frames (>= 1).
        fps: video frame rate, frames per second.
        width, height: output size in pixels.
        seed: the video's seed; every random choice derives from it.
        batch: batch or shard number, the ``bNNNN`` prefix of the folder name.
    """

    action: str = "Walk"
    clip: str = ""
    actor: str = "Model_Default"
    environment: Environment = Environment.PLAIN
    day_phase: DayPhase = DayPhase.DAY
    weather: Weather = Weather.CLEAR
    camera: CameraKind = CameraKind.KITE
    variation: Variation = Variation.NONE
    frames: int = 60
    fps: float = 30.0
    width: int = 340
    height: int = 256
    seed: int = 0
    batch: int = 0

    def __post_init__(self) -> None:
        for name, kind in _ENUM_FIELDS.items():
            value = getattr(self, name)
            if not isinstance(value, kind):
                object.__setattr__(self, name, kind.parse(value))
        try:
            object.__setattr__(self, "fps", float(self.fps))
        except (TypeError, ValueError):
            raise ValueError(f"fps must be a number, got {self.fps!r}") from None
        for name in ("frames", "width", "height", "seed", "batch"):
            value = getattr(self, name)
            try:
                whole = not isinstance(value, bool) and int(value) == value
            except (TypeError, ValueError, OverflowError):
                whole = False
            if not whole:
                raise ValueError(f"{name} must be an integer, got {value!r}")
            object.__setattr__(self, name, int(value))

    def validate(self) -> "VideoSpec":
        """Check the bounds of the numeric fields; returns ``self``.

        Raises:
            ValueError: with a one-line reason and how to fix it.
        """
        if not (MIN_SIZE <= self.width <= MAX_SIZE and MIN_SIZE <= self.height <= MAX_SIZE):
            small = min(self.width, self.height) < MIN_SIZE
            raise ValueError(f"size {self.width}x{self.height} is {'too small' if small else 'too large'}; use WxH "
                             f"with each side in {MIN_SIZE}..{MAX_SIZE}")
        if not 1 <= self.frames <= MAX_FRAMES:
            raise ValueError(f"frames must be in 1..{MAX_FRAMES}, got {self.frames}")
        if not 0.0 < self.fps <= MAX_FPS:
            raise ValueError(f"fps must be in (0, {MAX_FPS:g}], got {self.fps:g}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if not 0 <= self.batch <= 9999:
            raise ValueError(f"batch must be in 0..9999, got {self.batch}")
        for name in ("action", "clip", "actor"):
            check_name(name, getattr(self, name), empty_ok=name == "clip")
        return self

    # ---- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; enumerations as their string values."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.value if isinstance(value, (enum.Enum, Environment)) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VideoSpec":
        """Inverse of :meth:`to_dict`. Unknown keys raise ``ValueError`` naming them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown VideoSpec fields {unknown}; valid fields: {sorted(known)}")
        return cls(**data)

    def to_json(self) -> str:
        """:meth:`to_dict` as one line of JSON, keys sorted (the form ``phav-render sample`` prints)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "VideoSpec":
        """Inverse of :meth:`to_json`.

        Raises:
            ValueError: the text is not a JSON object, or a field is unknown or of the wrong type
                (the message names it).
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"a VideoSpec must be a JSON object: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"a VideoSpec must be a JSON object, got {type(data).__name__}")
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> "VideoSpec":
        """A copy with ``changes`` (field name -> value); not validated (call :meth:`validate`)."""
        return dataclasses.replace(self, **changes)

    # ---- naming -------------------------------------------------------------------------------
    def video_id(self, resolved_clip: str | None = None) -> str:
        """32 hex digits derived from the full parameter record and seed (same spec => same id)."""
        record = self.to_dict()
        if resolved_clip is not None:
            record["clip"] = resolved_clip
        digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
        return digest[:32]

    def folder_name(self, resolved_clip: str | None = None) -> str:
        """PHAV folder name: ``bNNNN-Env-DayPhase-Weather-Clip-Actor-Camera-Variation-<hex id>``."""
        clip = resolved_clip if resolved_clip is not None else (self.clip or "auto")
        parts = [
            f"b{self.batch:04d}",
            self.environment.value,
            self.day_phase.value,
            self.weather.value,
            clip,
            self.actor,
            self.camera.value,
            self.variation.value,
            self.video_id(resolved_clip),
        ]
        return "-".join(parts)
