"""Environments: the static scene of a video (meshes, collision, labels) built from a seed."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from phav.spec import Environment
from phav.take import Mesh
from phav.worlds.ground import tiled_ground


@dataclasses.dataclass
class StaticScene:
    """What an environment contributes to a video.

    Attributes:
        meshes: ``(name, mesh)`` pairs drawn at the identity pose (stuff: no instance id).
        start_position: ``(2,)`` free, walkable ground where the actor starts, metres.
        start_heading: the actor's initial heading, radians about +Z from +X.
        params: the sampled values, for ``params.json``.
    """

    meshes: list[tuple[str, Mesh]]
    start_position: np.ndarray
    start_heading: float
    params: dict[str, float]


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


#: Environment builders implemented so far.
ENVIRONMENTS: dict[Environment, Callable[[np.random.Generator], StaticScene]] = {
    Environment.PLAIN: build_plain,
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
