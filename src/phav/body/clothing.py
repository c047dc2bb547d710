"""Clothing, hair and skin colour of a skinned person: an :class:`Outfit` and its procedural materials.

Garments are regions of the skin surface chosen from skeleton coordinates (which link, how far
along it), thickened by a few millimetres so hems and cuffs show as steps (clothing as layers on
the body's distance field). Materials are procedural per vertex: solid, stripes, checks, denim-like
and knit-like noise, and a printed chest logo. Everything is drawn from a numpy Generator.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from phav.body.skin_plan import HAIR_STYLES

RGB = tuple[float, float, float]
#: Thickness (m) of shoes over the foot's skin, soles included.
SHOE_THICKNESS = 0.007
Pattern = Literal["solid", "stripes", "checks", "denim", "knit", "print"]
PATTERNS: tuple[str, ...] = ("solid", "stripes", "checks", "denim", "knit", "print")
TOPS: tuple[str, ...] = ("tshirt", "longsleeve", "tank", "jacket", "dress")
BOTTOMS: tuple[str, ...] = ("trousers", "jeans", "shorts", "skirt")
SHOES: tuple[str, ...] = ("sneakers", "boots", "barefoot")

#: Skin albedo (linear RGB) from very light to very dark, roughly Fitzpatrick I-VI; sampled between.
SKIN_TONE_RANGE: tuple[RGB, ...] = (
    (0.87, 0.70, 0.60), (0.80, 0.59, 0.47), (0.68, 0.47, 0.34), (0.52, 0.33, 0.21),
    (0.34, 0.20, 0.12), (0.18, 0.10, 0.06),
)
HAIR_COLOURS: tuple[RGB, ...] = (
    (0.02, 0.015, 0.01), (0.08, 0.045, 0.02), (0.22, 0.12, 0.05), (0.55, 0.38, 0.17),
    (0.33, 0.09, 0.03), (0.45, 0.43, 0.40),
)

# Garment codes per vertex.
SKIN, TOP, BOTTOM, SHOE, HAIR, EYE, LIPS = range(7)


@dataclasses.dataclass(frozen=True)
class Garment:
    """One garment: kind, pattern, two colours (linear RGB), pattern period (m), roughness."""

    kind: str
    pattern: str = "solid"
    color: RGB = (0.5, 0.5, 0.5)
    color2: RGB = (0.9, 0.9, 0.9)
    period: float = 0.06
    roughness: float = 0.85


@dataclasses.dataclass(frozen=True)
class Outfit:
    """What one person looks like apart from the body shape.

    Attributes:
        skin: skin albedo, linear RGB.
        hair_style: one of :data:`phav.body.skin_plan.HAIR_STYLES`; hair_color its albedo.
        top: ``tshirt``, ``longsleeve``, ``tank``, ``jacket`` or ``dress`` (a dress also covers the hips
            and hangs as a skirt; ``bottom`` is then ignored).
        bottom: ``trousers``, ``jeans``, ``shorts`` or ``skirt``.
        shoes: ``sneakers``, ``boots`` or ``barefoot``.
        chest_shape: 0 (flat) to 1 (pronounced bust).
        noise_seed: seed of the material noise.
    """

    skin: RGB = (0.68, 0.47, 0.34)
    hair_style: str = "short"
    hair_color: RGB = (0.08, 0.045, 0.02)
    top: Garment = Garment("tshirt", "solid", (0.15, 0.30, 0.60))
    bottom: Garment = Garment("jeans", "denim", (0.09, 0.14, 0.30))
    shoes: Garment = Garment("sneakers", "solid", (0.8, 0.8, 0.8), roughness=0.6)
    chest_shape: float = 0.0
    noise_seed: int = 0

    def __post_init__(self) -> None:
        if self.hair_style not in HAIR_STYLES:
            raise ValueError(f"unknown hair style {self.hair_style!r}; choose from {', '.join(HAIR_STYLES)}")
        for g, kinds in ((self.top, TOPS), (self.bottom, BOTTOMS), (self.shoes, SHOES)):
            if g.kind not in kinds:
                raise ValueError(f"unknown garment {g.kind!r}; choose from {', '.join(kinds)}")
            if g.pattern not in PATTERNS:
                raise ValueError(f"unknown pattern {g.pattern!r}; choose from {', '.join(PATTERNS)}")

    @property
    def skirt_length(self) -> float:
        """Skirt length below the hips in thigh lengths (0: no skirt)."""
        if self.top.kind == "dress":
            return 1.0
        return 0.75 if self.bottom.kind == "skirt" else 0.0

    @classmethod
    def sample(cls, rng: np.random.Generator, feminine: float | None = None) -> "Outfit":
        """A random outfit; ``feminine`` in [0, 1] biases hair, dresses and skirts (drawn if None)."""
        fem = float(rng.uniform()) if feminine is None else float(feminine)
        tone = rng.uniform(0, len(SKIN_TONE_RANGE) - 1)
        i = int(min(tone, len(SKIN_TONE_RANGE) - 2))
        skin = tuple(float(v) for v in np.interp(tone - i, [0, 1], [0, 1]) * np.subtract(SKIN_TONE_RANGE[i + 1], SKIN_TONE_RANGE[i]) + SKIN_TONE_RANGE[i])
        styles = ("long", "bun", "ponytail", "short") if fem > 0.5 else ("short", "buzz", "bald", "short", "long")
        hair = styles[int(rng.integers(len(styles)))]

        def colour(lo: float = 0.02, hi: float = 0.75) -> RGB:
            base = rng.uniform(lo, hi, size=3) ** 1.6  # many muted, some saturated
            return tuple(float(v) for v in base)  # type: ignore[return-value]

        def garment(kind: str, pattern: str | None = None) -> Garment:
            pat = pattern or ("solid", "stripes", "checks", "knit", "print", "solid")[int(rng.integers(6))]
            return Garment(kind, pat, colour(), colour(0.3, 1.0), float(rng.uniform(0.035, 0.09)),
                           float(rng.uniform(0.6, 0.95)))

        tops = ("dress", "tshirt", "longsleeve", "jacket", "tank") if fem > 0.65 else ("tshirt", "longsleeve", "jacket", "tank")
        top = garment(tops[int(rng.integers(len(tops)))])
        if top.kind == "jacket" and rng.uniform() < 0.5:
            top = dataclasses.replace(top, pattern="solid", roughness=0.35)  # leather-like
        bottoms = ("jeans", "trousers", "shorts", "skirt") if fem > 0.5 else ("jeans", "trousers", "shorts")
        kind = bottoms[int(rng.integers(len(bottoms)))]
        if kind == "jeans":
            bottom = Garment("jeans", "denim", (0.05 + 0.1 * rng.uniform(), 0.09 + 0.1 * rng.uniform(), 0.22 + 0.15 * rng.uniform()),
                             roughness=0.9)
        else:
            bottom = garment(kind, ("solid", "solid", "checks", "stripes")[int(rng.integers(4))])
        shoe_kind = ("sneakers", "boots", "sneakers")[int(rng.integers(3))]
        shoes = Garment(shoe_kind, "solid", colour(0.02, 0.9), roughness=float(rng.uniform(0.3, 0.7)))
        return cls(skin=skin, hair_style=hair, hair_color=HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))],  # type: ignore[arg-type]
                   top=top, bottom=bottom, shoes=shoes, chest_shape=float(np.clip(fem * 1.4 - 0.4, 0, 1)),
                   noise_seed=int(rng.integers(2**31)))


def coverage(outfit: Outfit, link: str, local: np.ndarray, seg_length: float, neck_z: float) -> tuple[np.ndarray, np.ndarray]:
    """Which garment covers link-frame points, and how thick it is.

    Args:
        link: link name (roles as in :mod:`phav.body.skin_plan`).
        local: ``(N, 3)`` link-frame points (bind pose), metres.
        seg_length: the link's segment length (joint to child joint), metres; 0 for leaves.
        neck_z: chest-frame height above which the shirt's neckline leaves skin.

    Returns:
        garment codes ``(N,) int8`` (``SKIN``, ``TOP``, ``BOTTOM``, ``SHOE``) and thickness ``(N,)`` m.
    """
    n = len(local)
    code = np.full(n, SKIN, dtype=np.int8)
    t = -local[:, 2] / seg_length if seg_length > 0 else np.zeros(n)  # 0 at the joint, 1 at the child joint
    top, bottom = outfit.top.kind, outfit.bottom.kind
    thick = {"jacket": 0.011, "tank": 0.003}.get(top, 0.005)
    if link == "chest":
        neck = neck_z - (0.06 if top in ("tank", "dress") else 0.02)
        code[local[:, 2] < neck] = TOP
    elif link == "pelvis":
        belt = 0.12
        code[local[:, 2] < belt] = BOTTOM
        code[local[:, 2] >= belt] = TOP
        if top == "dress":
            code[:] = TOP
        elif top == "jacket":
            code[local[:, 2] >= belt - 0.06] = TOP
    elif link.endswith("_upper_arm"):
        sleeve = {"tshirt": 0.45, "tank": 0.0, "dress": 0.2}.get(top, 1.1)
        code[t < sleeve] = TOP
    elif link.endswith("_forearm"):
        if top in ("longsleeve", "jacket"):
            code[t < 0.93] = TOP
    elif link.endswith("_thigh"):
        if top != "dress" and bottom != "skirt":
            code[t < (0.55 if bottom == "shorts" else 1.1)] = BOTTOM
    elif link.endswith("_shin"):
        if top != "dress" and bottom in ("trousers", "jeans"):
            code[t < 0.96] = BOTTOM
        if outfit.shoes.kind == "boots":
            code[t > 0.7] = SHOE
    elif link.endswith("_foot"):
        if outfit.shoes.kind != "barefoot":
            code[:] = SHOE
    thickness = np.select([code == TOP, code == BOTTOM, code == SHOE], [thick, 0.006, SHOE_THICKNESS], 0.0)
    return code, thickness


def _value_noise(p: np.ndarray, scale: float, seed: int) -> np.ndarray:
    """Smooth value noise in [0, 1] at points ``(N, 3)`` with feature size ``scale`` metres."""
    q = p / scale
    i = np.floor(q).astype(np.int64)
    f = q - i
    f = f * f * (3.0 - 2.0 * f)

    def h(c: np.ndarray) -> np.ndarray:
        x = (c[:, 0] * 73856093) ^ (c[:, 1] * 19349663) ^ (c[:, 2] * 83492791) ^ seed
        x = (x ^ (x >> 13)) * 1274126177
        return ((x ^ (x >> 16)) & 0xFFFF) / 65535.0

    out = np.zeros(len(p))
    for dx in (0, 1):
        for dy in (0, 1):
            for dz in (0, 1):
                w = (f[:, 0] if dx else 1 - f[:, 0]) * (f[:, 1] if dy else 1 - f[:, 1]) * (f[:, 2] if dz else 1 - f[:, 2])
                out += w * h(i + np.array([dx, dy, dz]))
    return out


def garment_albedo(g: Garment, p: np.ndarray, seed: int) -> np.ndarray:
    """``(N, 3)`` linear albedo of garment ``g`` at bind-pose world points ``p`` (``(N, 3)``, metres)."""
    base = np.asarray(g.color, dtype=np.float64)
    other = np.asarray(g.color2, dtype=np.float64)
    n = len(p)
    out = np.tile(base, (n, 1))
    if g.pattern == "stripes":
        out[np.mod(p[:, 2] / g.period, 1.0) < 0.45] = other
    elif g.pattern == "checks":
        a = np.mod(p[:, 2] / g.period, 1.0) < 0.5
        b = np.mod((p[:, 0] + p[:, 1]) / g.period, 1.0) < 0.5
        out = np.where((a ^ b)[:, None], base, 0.55 * base + 0.45 * other)
    elif g.pattern == "denim":
        fine = _value_noise(p, 0.006, seed)
        coarse = _value_noise(p, 0.05, seed + 1)
        out = base * (0.75 + 0.35 * fine[:, None]) * (0.85 + 0.4 * coarse[:, None])
    elif g.pattern == "knit":
        out = base * (0.8 + 0.35 * _value_noise(p, 0.012, seed)[:, None])
    elif g.pattern == "print":
        front = (p[:, 0] > 0.0) & (np.abs(p[:, 1]) < 0.1)
        centre_z = np.percentile(p[front, 2], 75) if front.any() else 0.0
        r = np.hypot(p[:, 1], p[:, 2] - centre_z)
        out[front & (r < 0.055) & (r > 0.025)] = other  # a ring logo on the chest
        out[front & (np.abs(p[:, 1]) < 0.008) & (r < 0.025)] = other
    if g.pattern in ("solid", "stripes", "checks", "print"):
        out = out * (0.92 + 0.12 * _value_noise(p, 0.03, seed + 2)[:, None])  # wear and shading variation
    return np.clip(out, 0.0, 1.0)


def outfit_from_appearance(appearance, female: float = 0.0) -> Outfit:
    """The outfit of an actor preset's :class:`~phav.body.appearance.Appearance` (its colours,
    garment style and hair style); ``female`` in [0, 1] sets the chest shape. The shirt pattern of
    casual clothes is chosen from the shirt colour, so each preset keeps its look."""
    a = appearance
    key = int(sum(v * 1000 for v in a.shirt)) % 5
    pattern = ("solid", "stripes", "checks", "print", "knit")[key]
    shirt2 = tuple(float(min(1.0, 0.25 + 0.9 * (1.0 - v))) for v in a.shirt)
    shoes = Garment("sneakers", "solid", a.shoes, roughness=0.55)
    style = a.outfit
    if style == "casual":
        top = Garment("tshirt" if key % 2 == 0 else "longsleeve", pattern, a.shirt, shirt2)
        bottom = Garment("jeans", "denim", a.trousers, roughness=0.9)
    elif style == "sportswear":
        top = Garment("tank" if key % 2 else "tshirt", "solid", a.shirt, roughness=0.6)
        bottom = Garment("shorts", "solid", a.trousers, roughness=0.7)
    elif style == "suit":
        top = Garment("jacket", "solid", a.shirt, roughness=0.6)
        bottom = Garment("trousers", "solid", a.trousers, roughness=0.7)
        shoes = Garment("sneakers", "solid", a.shoes, roughness=0.3)
    elif style == "dress":
        top = Garment("dress", "print" if key % 2 else "solid", a.shirt, shirt2)
        bottom = Garment("skirt", "solid", a.trousers)
    elif style == "uniform":
        top = Garment("jacket", "solid", a.shirt, roughness=0.75)
        bottom = Garment("trousers", "solid", a.trousers)
        shoes = Garment("boots", "solid", a.shoes, roughness=0.35)
    else:  # overall, jumpsuit: one colour, long sleeves and legs
        top = Garment("longsleeve", "knit", a.shirt, roughness=0.9)
        bottom = Garment("trousers", "knit", a.trousers, roughness=0.9)
        shoes = Garment("boots", "solid", a.shoes, roughness=0.5)
    hair = a.hair_style if a.hair_style in HAIR_STYLES else "short"
    return Outfit(skin=a.skin, hair_style=hair, hair_color=a.hair, top=top, bottom=bottom, shoes=shoes,
                  chest_shape=float(np.clip(female, 0.0, 1.0)) * 0.8, noise_seed=key)
