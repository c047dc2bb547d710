"""Appearance: the colours of a person's skin, hair and clothes (linear RGB albedo in [0, 1])."""

from __future__ import annotations

import dataclasses

import numpy as np

RGB = tuple[float, float, float]

SKIN_TONES: tuple[RGB, ...] = (
    (0.78, 0.57, 0.45), (0.63, 0.42, 0.30), (0.45, 0.28, 0.18), (0.27, 0.16, 0.10), (0.85, 0.68, 0.58),
)
HAIR_COLOURS: tuple[RGB, ...] = ((0.05, 0.04, 0.03), (0.25, 0.15, 0.07), (0.55, 0.40, 0.20), (0.45, 0.45, 0.45))
#: Garment styles an appearance may name.
OUTFITS = ("casual", "sportswear", "suit", "dress", "overall", "uniform", "jumpsuit")
#: Hair styles an appearance may name.
HAIR_STYLES = ("short", "long", "bun", "bald", "ponytail")


@dataclasses.dataclass(frozen=True)
class Appearance:
    """Colours of one person. Clothing regions follow body parts: the shirt covers chest, shoulders
    and upper arms; trousers cover hips, legs and ankles; shoes the feet; skin the rest.

    ``outfit`` names the garment style for clothed meshes (:data:`OUTFITS`: e.g. ``overall`` for a
    janitor, ``jumpsuit`` for a prisoner); ``hair_style`` one of :data:`HAIR_STYLES`. The capsule
    mesh uses only the colours.
    """

    skin: RGB = (0.78, 0.57, 0.45)
    hair: RGB = (0.08, 0.06, 0.04)
    shirt: RGB = (0.15, 0.30, 0.60)
    trousers: RGB = (0.20, 0.20, 0.25)
    shoes: RGB = (0.10, 0.08, 0.07)
    outfit: str = "casual"
    hair_style: str = "short"

    def __post_init__(self) -> None:
        if self.outfit not in OUTFITS:
            raise ValueError(f"unknown outfit {self.outfit!r}; valid: {', '.join(OUTFITS)}")
        if self.hair_style not in HAIR_STYLES:
            raise ValueError(f"unknown hair style {self.hair_style!r}; valid: {', '.join(HAIR_STYLES)}")

    @classmethod
    def sample(cls, rng: np.random.Generator) -> "Appearance":
        """A random appearance drawn from ``rng`` (the only source of randomness)."""
        def pick(options: tuple[RGB, ...]) -> RGB:
            return options[int(rng.integers(len(options)))]

        def colour() -> RGB:
            return tuple(float(x) for x in rng.uniform(0.03, 0.8, size=3))  # type: ignore[return-value]

        return cls(skin=pick(SKIN_TONES), hair=pick(HAIR_COLOURS), shirt=colour(), trousers=colour(),
                   shoes=tuple(float(x) for x in rng.uniform(0.02, 0.3, size=3)))  # type: ignore[arg-type]
