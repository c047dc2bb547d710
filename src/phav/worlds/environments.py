"""Environments: the static scene of a video (meshes, collision, labels) built from a seed."""

from __future__ import annotations

from typing import Callable

import numpy as np

from phav.spec import Environment
from phav.worlds.ground import tiled_ground
from phav.worlds.places.greencity import build_greencity
from phav.worlds.places.house import build_house
from phav.worlds.places.lake import build_lake
from phav.worlds.places.middle import build_middle
from phav.worlds.places.stadium import build_stadium
from phav.worlds.places.urban import build_urban
from phav.worlds.scene import StaticScene

__all__ = ["ENVIRONMENTS", "StaticScene", "build_environment", "build_plain"]


def build_plain(rng: np.random.Generator) -> StaticScene:
    """``Plain``: an open field of grass tiles crossed by a road the actor walks along.

    The physics ground is the world's plane at ``z = 0``; this adds the visible, labelled surface.
    """
    road_y = float(rng.uniform(-1.0, 1.0))
    heading = float(rng.choice([0.0, np.pi])) + float(rng.uniform(-0.15, 0.15))
    start = np.array([float(rng.uniform(-2.0, 2.0)), road_y + float(rng.uniform(-1.0, 1.0))])
    ground = tiled_ground(rng, road_center_y=road_y)
    return StaticScene(
        meshes=[("ground", ground)],
        start_position=start,
        start_heading=heading,
        params={"road_center_y": road_y},
    )


#: Environment builders: each draws a whole layout from the world's generator.
ENVIRONMENTS: dict[Environment, Callable[[np.random.Generator], StaticScene]] = {
    Environment.PLAIN: build_plain,
    Environment.STADIUM: build_stadium,
    Environment.LAKE: build_lake,
    Environment.URBAN: build_urban,
    Environment.GREEN_CITY: build_greencity,
    Environment.MIDDLE: build_middle,
    Environment.HOUSE: build_house,
}


def build_environment(environment: Environment, rng: np.random.Generator) -> StaticScene:
    """Build ``environment`` from ``rng``.

    Raises:
        ValueError: not implemented yet; the message lists the environments that are.
    """
    try:
        builder = ENVIRONMENTS[environment]
    except KeyError:
        valid = ", ".join(e.value for e in ENVIRONMENTS)
        raise ValueError(
            f"environment {environment.value!r} is not available yet; available environments: {valid}"
        ) from None
    return builder(rng)
