"""Interleaved vertices (phav.render.meshes, no GL): the bytes of every attribute in its place, for
one mesh, a skin, and a batch of meshes filled at once (large ones in place, runs of small ones from
their concatenated attributes)."""

from __future__ import annotations

import numpy as np
import pytest

from phav.render.meshes import (CONCAT_MAX_VERTICES, SKIN_DTYPE, VERTEX_DTYPE, fill_mesh_vertices, fill_vertices,
                                interleave)
from phav.take import DEFAULT_MATERIAL, Mesh, Skin


def random_mesh(n: int, seed: int, material: bool = False) -> Mesh:
    """``n`` vertices of random attributes, with a NaN and a negative zero among the positions (their
    bits must be copied as they are)."""
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(n, 3)).astype(np.float32)
    if n >= 2:
        positions[0, 1], positions[1, 2] = np.nan, -0.0
    return Mesh(f"mesh{seed}", positions, rng.normal(size=(n, 3)), rng.random((n, 3)), rng.integers(0, 40, n),
                rng.integers(0, max(n, 1), (n, 3)) if n else np.zeros((0, 3)),
                rng.random((n, 2)) if material else None)


def expected(mesh: Mesh, skin: Skin | None = None) -> np.ndarray:
    """The interleaved vertices written field by field into the structured dtype."""
    out = np.zeros(len(mesh.positions), dtype=VERTEX_DTYPE if skin is None else SKIN_DTYPE)
    out["in_position"], out["in_normal"], out["in_color"] = mesh.positions, mesh.normals, mesh.colors
    out["in_semantic"][:, 0] = mesh.semantic
    out["in_material"] = DEFAULT_MATERIAL if mesh.material is None else mesh.material
    if skin is not None:
        out["in_bones"], out["in_weights"] = skin.bones, skin.weights
    return out


@pytest.mark.parametrize("material", [False, True])
def test_interleave_writes_the_bytes_of_every_attribute(material):
    mesh = random_mesh(37, seed=1, material=material)
    assert interleave(mesh).tobytes() == expected(mesh).tobytes()
    rng = np.random.default_rng(2)
    weights = rng.random((37, 4))
    skin = Skin(mesh, np.arange(5), np.tile(np.eye(4), (5, 1, 1)), rng.integers(0, 5, (37, 4)),
                weights / weights.sum(axis=1, keepdims=True))
    assert interleave(mesh, skin).tobytes() == expected(mesh, skin).tobytes()


def test_a_batch_of_meshes_holds_each_meshs_vertices_in_turn():
    """Large and small meshes in any order, with and without materials, an empty mesh and a mesh
    used twice: the batch is the concatenation of each mesh's vertices, byte for byte."""
    small, rough = random_mesh(40, seed=3), random_mesh(9, seed=4, material=True)
    big, big_rough = random_mesh(CONCAT_MAX_VERTICES, seed=5), random_mesh(CONCAT_MAX_VERTICES + 7, seed=6, material=True)
    empty = random_mesh(0, seed=7)
    for meshes in ([small, rough, big, small, empty, big_rough, rough], [big], [small], [rough, small], [small, small],
                   [big_rough, small, big], []):
        words = np.full((sum(len(m.positions) for m in meshes), 12), np.nan, dtype=np.float32)
        fill_mesh_vertices(words, meshes)
        want = np.concatenate([expected(m) for m in meshes]) if meshes else np.zeros(0, dtype=VERTEX_DTYPE)
        assert words.tobytes() == want.tobytes(), [len(m.positions) for m in meshes]


def test_a_batch_and_its_rows_must_agree():
    mesh = random_mesh(10, seed=8)
    with pytest.raises(ValueError, match="11 vertex rows for meshes of 10 vertices"):
        fill_mesh_vertices(np.zeros((11, 12), dtype=np.float32), [mesh])
    words = np.zeros((10, 12), dtype=np.float32)
    fill_vertices(words, mesh)
    assert words.tobytes() == expected(mesh).tobytes()
