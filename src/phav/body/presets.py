"""The twenty actor presets (PHAV's "human models") and sampling around and between them.

Each preset is a :class:`~phav.body.anthropometry.BodyShape` (height, mass, proportions, strength)
plus an :class:`~phav.body.appearance.Appearance` (skin, hair, clothing colours and styles). PHAV's
released data names its characters ``Model_*`` and has men and women of several builds, two
children (``Model_Boy``, ``Model_Girl``), an elderly woman and uniforms (janitor, security officers,
prisoners, a news reader); heights and masses here are typical adult and child figures (children:
WHO growth references for ages 6-7, about 1.15-1.22 m and 20-23 kg).

``Model_Default`` is kept as an alias of ``Model_Man01`` (older specs and folder names use it).

Sampling: :func:`sample_actor` draws a body and appearance around a preset (height within about
±2 %, mass ±6 %, proportions ±3 %, colours jittered), deterministic for a given generator;
:func:`blend_shapes` interpolates between two presets' shapes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from phav.body.anthropometry import BodyShape
from phav.body.appearance import Appearance
from phav.body.skeleton import Skeleton


@dataclasses.dataclass(frozen=True)
class ActorPreset:
    """A named character: body shape, appearance and a one-line description."""

    name: str
    shape: BodyShape
    appearance: Appearance
    description: str
    tags: frozenset[str] = frozenset()

    def skeleton(self) -> Skeleton:
        return self.shape.skeleton()


def _p(name: str, description: str, tags: str, height: float, mass: float, female: float,
       appearance: Appearance, **shape: float) -> ActorPreset:
    return ActorPreset(name, BodyShape(height=height, mass=mass, female=female, **shape).validate(),
                       appearance, description, frozenset(tags.split()))


_LIGHT, _MEDIUM, _TAN, _BROWN, _DARK = (0.85, 0.68, 0.58), (0.78, 0.57, 0.45), (0.63, 0.42, 0.30), \
    (0.45, 0.28, 0.18), (0.27, 0.16, 0.10)
_BLACK_HAIR, _BROWN_HAIR, _BLOND_HAIR, _GREY_HAIR = (0.05, 0.04, 0.03), (0.25, 0.15, 0.07), \
    (0.55, 0.40, 0.20), (0.55, 0.55, 0.55)

PRESETS: tuple[ActorPreset, ...] = (
    _p("Model_Man01", "average man, casual clothes", "man adult", 1.76, 75.0, 0.0,
       Appearance(_MEDIUM, _BROWN_HAIR, (0.15, 0.30, 0.60), (0.20, 0.20, 0.25), (0.10, 0.08, 0.07))),
    _p("Model_Man02", "tall heavy man", "man adult tall heavy", 1.95, 110.0, 0.0,
       Appearance(_LIGHT, _BLOND_HAIR, (0.55, 0.12, 0.10), (0.10, 0.12, 0.20), (0.05, 0.05, 0.05)),
       shoulder_width=1.1, hip_width=1.1),
    _p("Model_Man03", "slim man, sportswear", "man adult slim", 1.82, 66.0, 0.0,
       Appearance(_DARK, _BLACK_HAIR, (0.85, 0.85, 0.80), (0.05, 0.05, 0.08), (0.80, 0.80, 0.80),
                  outfit="sportswear", hair_style="bald"), leg_ratio=1.04),
    _p("Model_Man04", "short stocky man", "man adult stocky", 1.66, 84.0, 0.0,
       Appearance(_TAN, _BLACK_HAIR, (0.30, 0.45, 0.20), (0.35, 0.28, 0.18), (0.15, 0.10, 0.05)),
       shoulder_width=1.08, leg_ratio=0.96),
    _p("Model_Man05", "older man", "man elderly", 1.72, 80.0, 0.0,
       Appearance(_LIGHT, _GREY_HAIR, (0.60, 0.55, 0.45), (0.30, 0.28, 0.25), (0.20, 0.12, 0.06)),
       strength=0.8),
    _p("Model_Woman01", "average woman, casual clothes", "woman adult", 1.65, 60.0, 1.0,
       Appearance(_MEDIUM, _BROWN_HAIR, (0.70, 0.25, 0.35), (0.15, 0.20, 0.40), (0.12, 0.08, 0.08),
                  hair_style="long"), shoulder_width=0.9, hip_width=1.08),
    _p("Model_Woman02", "tall woman, sportswear", "woman adult tall", 1.78, 68.0, 1.0,
       Appearance(_BROWN, _BLACK_HAIR, (0.10, 0.55, 0.55), (0.08, 0.08, 0.10), (0.85, 0.85, 0.85),
                  outfit="sportswear", hair_style="ponytail"), leg_ratio=1.04, shoulder_width=0.92),
    _p("Model_Woman03", "heavy woman", "woman adult heavy", 1.62, 86.0, 1.0,
       Appearance(_TAN, _BLACK_HAIR, (0.45, 0.20, 0.50), (0.20, 0.18, 0.22), (0.10, 0.06, 0.06),
                  hair_style="bun"), hip_width=1.18, shoulder_width=0.95),
    _p("Model_Woman04", "petite woman in a dress", "woman adult slim", 1.55, 49.0, 1.0,
       Appearance(_LIGHT, _BLOND_HAIR, (0.90, 0.75, 0.30), (0.90, 0.75, 0.30), (0.50, 0.10, 0.10),
                  outfit="dress", hair_style="long"), shoulder_width=0.88),
    _p("Model_Boy", "boy of about seven", "child man", 1.22, 23.0, 0.0,
       Appearance(_MEDIUM, _BROWN_HAIR, (0.20, 0.50, 0.20), (0.15, 0.20, 0.45), (0.60, 0.10, 0.10)),
       leg_ratio=0.9, head_scale=1.3, shoulder_width=0.92, hip_width=0.9, strength=0.9),
    _p("Model_Girl", "girl of about six", "child woman", 1.15, 20.5, 1.0,
       Appearance(_BROWN, _BLACK_HAIR, (0.85, 0.40, 0.60), (0.30, 0.25, 0.55), (0.90, 0.90, 0.90),
                  hair_style="ponytail"), leg_ratio=0.9, head_scale=1.33, shoulder_width=0.9,
       hip_width=0.9, strength=0.9),
    _p("Model_ElderlyWoman", "elderly woman", "woman elderly", 1.58, 62.0, 1.0,
       Appearance(_LIGHT, _GREY_HAIR, (0.55, 0.45, 0.60), (0.35, 0.33, 0.38), (0.25, 0.18, 0.12),
                  hair_style="bun"), hip_width=1.1, leg_ratio=0.97, strength=0.6),
    _p("Model_Janitor", "janitor in a grey overall", "man adult uniform", 1.74, 84.0, 0.0,
       Appearance(_TAN, _BLACK_HAIR, (0.35, 0.40, 0.45), (0.35, 0.40, 0.45), (0.08, 0.08, 0.08),
                  outfit="overall")),
    _p("Model_SecurityOfficer", "security officer in a navy uniform", "man adult uniform", 1.86, 92.0, 0.0,
       Appearance(_DARK, _BLACK_HAIR, (0.06, 0.08, 0.18), (0.05, 0.06, 0.12), (0.03, 0.03, 0.03),
                  outfit="uniform", hair_style="bald"), shoulder_width=1.06),
    _p("Model_SecurityOfficerWoman", "security officer (woman) in a navy uniform", "woman adult uniform",
       1.71, 66.0, 1.0,
       Appearance(_MEDIUM, _BROWN_HAIR, (0.06, 0.08, 0.18), (0.05, 0.06, 0.12), (0.03, 0.03, 0.03),
                  outfit="uniform", hair_style="bun")),
    _p("Model_Prisoner01", "prisoner in an orange jumpsuit", "man adult uniform", 1.80, 78.0, 0.0,
       Appearance(_LIGHT, _BROWN_HAIR, (0.90, 0.35, 0.05), (0.90, 0.35, 0.05), (0.85, 0.85, 0.85),
                  outfit="jumpsuit")),
    _p("Model_Prisoner02", "prisoner in a striped jumpsuit", "man adult uniform", 1.70, 73.0, 0.0,
       Appearance(_BROWN, _BLACK_HAIR, (0.75, 0.75, 0.70), (0.75, 0.75, 0.70), (0.10, 0.10, 0.10),
                  outfit="jumpsuit", hair_style="bald")),
    _p("Model_NewsReader", "news reader in a suit", "woman adult uniform", 1.68, 58.0, 1.0,
       Appearance(_MEDIUM, _BLOND_HAIR, (0.12, 0.12, 0.16), (0.12, 0.12, 0.16), (0.05, 0.03, 0.03),
                  outfit="suit", hair_style="long"), shoulder_width=0.92),
    _p("Model_Businessman", "man in a grey suit", "man adult", 1.80, 80.0, 0.0,
       Appearance(_TAN, _BROWN_HAIR, (0.30, 0.30, 0.32), (0.30, 0.30, 0.32), (0.06, 0.04, 0.03),
                  outfit="suit")),
    _p("Model_Athlete", "athletic man, sportswear", "man adult athletic", 1.86, 84.0, 0.0,
       Appearance(_DARK, _BLACK_HAIR, (0.90, 0.80, 0.10), (0.10, 0.10, 0.40), (0.90, 0.90, 0.90),
                  outfit="sportswear"), shoulder_width=1.1, leg_ratio=1.03, strength=1.2),
)

#: Old names kept working.
ALIASES = {"Model_Default": "Model_Man01"}

_BY_NAME = {p.name: p for p in PRESETS}


def preset_names(*, aliases: bool = False) -> list[str]:
    """Preset names in registry order (with ``aliases`` also :data:`ALIASES`' keys)."""
    names = [p.name for p in PRESETS]
    return names + list(ALIASES) if aliases else names


def get_preset(name: str) -> ActorPreset:
    """The preset ``name`` (aliases resolve to their preset, keeping the alias as its name).

    Raises:
        ValueError: unknown name; the message lists the presets.
    """
    if name in ALIASES:
        return dataclasses.replace(_BY_NAME[ALIASES[name]], name=name)
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown actor {name!r}; valid actors: {', '.join(preset_names())} "
                         f"(or {', '.join(ALIASES)})") from None


def blend_shapes(a: BodyShape, b: BodyShape, u: float) -> BodyShape:
    """The body shape ``(1-u) a + u b`` (every parameter interpolated; mass geometrically)."""
    if not 0.0 <= u <= 1.0:
        raise ValueError(f"blend weight must be in [0, 1], got {u}")
    values = {}
    for f in dataclasses.fields(BodyShape):
        x, y = getattr(a, f.name), getattr(b, f.name)
        values[f.name] = x ** (1 - u) * y ** u if f.name == "mass" else (1 - u) * x + u * y
    return BodyShape(**values).validate()


#: Relative standard deviations of :func:`sample_actor`'s jitter.
SHAPE_JITTER = {"height": 0.012, "mass": 0.04, "leg_ratio": 0.015, "arm_ratio": 0.015,
                "shoulder_width": 0.02, "hip_width": 0.02, "strength": 0.03}
#: Standard deviation of colour jitter (linear RGB).
COLOUR_JITTER = 0.03


def _jitter_colour(c: tuple[float, float, float], rng: np.random.Generator) -> tuple[float, float, float]:
    out = np.clip(np.asarray(c) + rng.normal(0.0, COLOUR_JITTER, 3), 0.01, 0.95)
    return (float(out[0]), float(out[1]), float(out[2]))


def sample_actor(name: str, rng: np.random.Generator, *, spread: float = 1.0) -> tuple[BodyShape, Appearance]:
    """A body shape and appearance drawn around preset ``name``.

    Args:
        rng: the only source of randomness (same state, same result).
        spread: scales every jitter (0 returns the preset itself).
    Returns:
        ``(shape, appearance)``; each parameter stays within :attr:`BodyShape.RANGES` (clipped to
        ±2.5 standard deviations).
    """
    preset = get_preset(name)
    shape = preset.shape
    values = dataclasses.asdict(shape)
    for key, sd in SHAPE_JITTER.items():
        z = float(np.clip(rng.normal(), -2.5, 2.5)) * sd * spread
        lo, hi = BodyShape.RANGES[key]
        values[key] = float(np.clip(values[key] * (1.0 + z), lo, hi))
    look = preset.appearance
    if spread > 0:
        look = dataclasses.replace(look, skin=_jitter_colour(look.skin, rng), hair=_jitter_colour(look.hair, rng),
                                   shirt=_jitter_colour(look.shirt, rng), trousers=_jitter_colour(look.trousers, rng),
                                   shoes=_jitter_colour(look.shoes, rng))
    return BodyShape(**values).validate(), look
