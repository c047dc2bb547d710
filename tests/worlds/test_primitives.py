"""Mesh primitives: quads added many at once are the same triangles as one by one."""

import numpy as np

from phav.worlds.buildings import facade_quad, facade_quads
from phav.worlds.primitives import MeshBuilder


def _same_mesh(a: MeshBuilder, b: MeshBuilder) -> None:
    ma, mb = a.build("a"), b.build("b")
    for field in ("positions", "normals", "colors", "semantic", "indices"):
        x, y = getattr(ma, field), getattr(mb, field)
        assert x.dtype == y.dtype, field
        np.testing.assert_array_equal(x, y, err_msg=field)


def test_quads_at_once_equal_quads_one_by_one():
    rng = np.random.default_rng(2)
    corners = rng.normal(size=(30, 4, 3))
    colors = rng.uniform(-0.2, 1.2, size=(30, 3))  # clipped to [0, 1] both ways
    labels = ["Window", "Door", "Building"] * 10
    one, many = MeshBuilder(), MeshBuilder()
    one.box([0, 0, 1], [1, 1, 1], (0.5, 0.5, 0.5), "Building")  # indices continue after earlier parts
    many.box([0, 0, 1], [1, 1, 1], (0.5, 0.5, 0.5), "Building")
    for c, col, label in zip(corners, colors, labels):
        one.quad(c, col, label)
    many.quads(corners, colors, labels)
    _same_mesh(one, many)


def test_facade_quads_equal_facade_quads_one_by_one():
    rng = np.random.default_rng(3)
    yaw = rng.uniform(-np.pi, np.pi, size=12)
    normals = np.stack([np.cos(yaw), np.sin(yaw), np.zeros(12)], axis=1)
    centers = rng.normal(scale=20.0, size=(12, 3))
    half_w, half_h = rng.uniform(0.3, 1.0, size=12), rng.uniform(0.3, 1.5, size=12)
    colors = rng.uniform(size=(12, 3))
    labels = ["Window"] * 11 + ["Door"]
    one, many = MeshBuilder(), MeshBuilder()
    for args in zip(centers, normals, half_w, half_h, colors, labels):
        facade_quad(one, *args)
    facade_quads(many, centers, normals, half_w, half_h, colors, labels)
    _same_mesh(one, many)
