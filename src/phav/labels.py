"""Semantic classes and their colours: the 63 PHAV classes (PHAV.md §4).

Semantic ids are ``uint8`` in memory; the colour of a class in ``classgt`` files comes from
:data:`PALETTE`, never from arithmetic on ids. Ids 36-62 are the 27 body-part classes: every pixel of
a person carries one of them. ``Human`` (13) is the class for a whole person when parts are not wanted.
"""

from __future__ import annotations

import numpy as np

#: (name, (R, G, B)) for every semantic id, in id order.
SEMANTIC_CLASSES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("Terrain", (210, 0, 200)),
    ("Sky", (90, 200, 255)),
    ("Tree", (0, 199, 0)),
    ("Vegetation", (90, 240, 0)),
    ("Building", (140, 140, 140)),
    ("Road", (100, 60, 100)),
    ("TrafficSign", (255, 255, 0)),
    ("TrafficLight", (200, 200, 0)),
    ("Pole", (255, 130, 0)),
    ("Misc", (80, 80, 80)),
    ("Truck", (160, 60, 60)),
    ("Car", (255, 127, 80)),
    ("Bus", (0, 139, 139)),
    ("Human", (200, 250, 200)),
    ("Window", (0, 128, 0)),
    ("Door", (127, 255, 212)),
    ("Sofa", (128, 0, 128)),
    ("Ceiling", (240, 230, 140)),
    ("Chair", (72, 61, 139)),
    ("Floor", (0, 191, 255)),
    ("Table", (255, 250, 205)),
    ("Curtain", (230, 230, 250)),
    ("Bed", (205, 92, 92)),
    ("Fireplace", (233, 150, 122)),
    ("Shelf", (153, 50, 204)),
    ("Lamp", (160, 82, 45)),
    ("Stair", (219, 112, 147)),
    ("Bench", (245, 222, 179)),
    ("Screen", (218, 165, 32)),
    ("Fridge", (255, 255, 240)),
    ("Ball", (178, 34, 34)),
    ("BaseballBat", (210, 105, 30)),
    ("Bow", (95, 158, 160)),
    ("Gun", (255, 248, 220)),
    ("GolfClub", (173, 255, 47)),
    ("HairBrush", (224, 255, 255)),
    ("Head", (220, 20, 60)),
    ("RightUpperArm", (255, 255, 26)),
    ("RightLowerArm", (255, 215, 0)),
    ("RightHand", (255, 140, 0)),
    ("LeftUpperArm", (60, 179, 113)),
    ("LeftLowerArm", (135, 206, 235)),
    ("LeftHand", (100, 149, 237)),
    ("Chest", (248, 248, 255)),
    ("RightUpperLeg", (102, 51, 153)),
    ("RightLowerLeg", (164, 89, 58)),
    ("RightFoot", (220, 173, 116)),
    ("LeftUpperLeg", (0, 0, 139)),
    ("LeftLowerLeg", (255, 182, 193)),
    ("LeftFoot", (255, 239, 213)),
    ("Neck", (152, 251, 152)),
    ("LeftShoulder", (47, 79, 79)),
    ("RightShoulder", (85, 107, 47)),
    ("LeftElbow", (25, 25, 112)),
    ("RightElbow", (128, 0, 0)),
    ("LeftWrist", (0, 255, 255)),
    ("RightWrist", (238, 130, 238)),
    ("LeftHip", (147, 112, 219)),
    ("RightHip", (143, 188, 139)),
    ("LeftKnee", (102, 0, 102)),
    ("RightKnee", (69, 33, 84)),
    ("LeftAnkle", (50, 205, 50)),
    ("RightAnkle", (255, 105, 180)),
)

#: Number of semantic classes (63).
NUM_CLASSES: int = len(SEMANTIC_CLASSES)

#: Class names in id order.
CLASS_NAMES: tuple[str, ...] = tuple(name for name, _ in SEMANTIC_CLASSES)

#: ``(256, 3) uint8`` lookup table: row ``i`` is the colour of semantic id ``i``; rows past 62 are black.
PALETTE: np.ndarray = np.zeros((256, 3), dtype=np.uint8)
PALETTE[:NUM_CLASSES] = np.array([rgb for _, rgb in SEMANTIC_CLASSES], dtype=np.uint8)
PALETTE.setflags(write=False)

_ID_BY_NAME = {name: i for i, name in enumerate(CLASS_NAMES)}

#: First and last id of the 27 body-part classes.
BODY_PART_FIRST, BODY_PART_LAST = 36, 62
BODY_PART_NAMES: tuple[str, ...] = CLASS_NAMES[BODY_PART_FIRST : BODY_PART_LAST + 1]

#: Semantic classes that are "stuff": they never carry an instance id. Instance ids go to people
#: and to the objects placed in a scene (vehicles, furniture, poles, benches, props); the scenery
#: built into a world has instance 0 whatever its class (a building's windows and doors, a fountain
#: or a wall of class ``Misc``), and a placed object of class ``Misc`` (a box, a jug) has its own.
STUFF_CLASSES: frozenset[str] = frozenset(
    {"Terrain", "Sky", "Tree", "Vegetation", "Building", "Road", "Ceiling", "Floor"}
)


def class_id(name: str) -> int:
    """Semantic id of a class name (exact PHAV spelling).

    Raises:
        ValueError: unknown name; the message lists the valid ones.
    """
    try:
        return _ID_BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown semantic class {name!r}; valid classes: {', '.join(CLASS_NAMES)}"
        ) from None


def is_body_part(semantic_id: int) -> bool:
    """True for the 27 body-part ids (36-62)."""
    return BODY_PART_FIRST <= int(semantic_id) <= BODY_PART_LAST


def colorize_semantic(ids: np.ndarray) -> np.ndarray:
    """Map semantic ids ``(H, W) uint8`` to colours ``(H, W, 3) uint8`` through :data:`PALETTE`."""
    return PALETTE[np.asarray(ids, dtype=np.uint8)]


def instance_colors(count: int) -> np.ndarray:
    """Distinct colours for instance ids ``1..count``: ``(count + 1, 3) uint8``, row 0 black.

    Colours are spread over hue by the golden ratio with alternating value/saturation, so nearby ids
    differ strongly. Deterministic; no colour repeats, and none is black.
    """
    colors = np.zeros((count + 1, 3), dtype=np.uint8)
    seen: set[tuple[int, int, int]] = {(0, 0, 0)}
    golden = 0.618033988749895
    k = 0
    for i in range(1, count + 1):
        while True:
            hue = (k * golden) % 1.0
            sat = (0.95, 0.6, 0.8)[k % 3]
            val = (1.0, 0.8, 0.6, 0.9)[(k // 3) % 4]
            k += 1
            rgb = _hsv_to_rgb8(hue, sat, val)
            if rgb not in seen:
                break
        seen.add(rgb)
        colors[i] = rgb
    return colors


def _hsv_to_rgb8(h: float, s: float, v: float) -> tuple[int, int, int]:
    i = int(h * 6.0) % 6
    f = h * 6.0 - int(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))[i]
    return (round(r * 255), round(g * 255), round(b * 255))
