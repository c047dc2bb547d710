"""Render meshes of simple props (balls, boxes) with one semantic class, in the prop's body frame."""

from __future__ import annotations

import numpy as np

from phav.body.shapes import rounded_box, sphere
from phav.labels import class_id
from phav.take import Mesh


def prop_mesh(name: str, kind: str, size: tuple[float, ...], colour: tuple[float, float, float],
              semantic: str) -> Mesh:
    """A prop's mesh centred on its body frame.

    Args:
        kind: ``sphere`` (``size = (radius,)``, metres) or ``box`` (``size`` = full extents ``(3,)``).
        colour: linear RGB albedo in ``[0, 1]``.
        semantic: PHAV class name (e.g. ``Ball``, ``Misc``).
    """
    if kind == "sphere":
        p, n, t = sphere(size[0])
    elif kind == "box":
        p, n, t = rounded_box(size, 0.1 * min(size))
    else:
        raise ValueError(f"unknown prop kind {kind!r}; valid: sphere, box")
    return Mesh(name=name, positions=p, normals=n, colors=np.tile(np.asarray(colour, dtype=np.float32), (len(p), 1)),
                semantic=np.full(len(p), class_id(semantic), dtype=np.uint8), indices=t)
