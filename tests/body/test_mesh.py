import numpy as np
import pytest

from phav.body.appearance import Appearance
from phav.body.mesh import skeleton_meshes
from phav.body.shapes import capsule, rounded_box, sphere
from phav.body.skeleton import default_skeleton
from phav.labels import BODY_PART_FIRST, BODY_PART_LAST


@pytest.fixture(scope="module")
def meshes():
    return skeleton_meshes(default_skeleton())


def _welded_edges(mesh) -> np.ndarray:
    """Edges as pairs of welded (by position) vertex ids."""
    _, weld = np.unique(np.round(mesh.positions.astype(np.float64), 6), axis=0, return_inverse=True)
    tri = weld.reshape(-1)[mesh.indices]
    edges = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    return edges


def test_every_vertex_is_a_body_part_and_all_27_appear(meshes):
    seen = set()
    for m in meshes:
        assert m.semantic.min() >= BODY_PART_FIRST and m.semantic.max() <= BODY_PART_LAST
        seen |= set(m.semantic.tolist())
    assert seen == set(range(BODY_PART_FIRST, BODY_PART_LAST + 1))


def test_triangles_have_one_label(meshes):
    for m in meshes:
        lab = m.semantic[m.indices]
        assert np.all(lab[:, 0] == lab[:, 1]) and np.all(lab[:, 1] == lab[:, 2]), m.name


def test_meshes_are_closed(meshes):
    for m in meshes:
        edges = _welded_edges(m)
        # each undirected edge is used exactly twice, once in each direction
        directed = {tuple(e) for e in edges.tolist()}
        assert len(directed) == len(edges), f"{m.name}: a directed edge repeats"
        for a, b in directed:
            assert (b, a) in directed, f"{m.name}: edge {a}-{b} is open"


def test_normals_point_outwards_and_winding_is_ccw(meshes):
    for m in meshes:
        p = m.positions.astype(np.float64)
        tri = p[m.indices]
        face = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        area = np.linalg.norm(face, axis=1)
        ok = area > 1e-12
        vertex_n = m.normals[m.indices].mean(axis=1)
        assert np.all(np.sum(face[ok] * vertex_n[ok], axis=1) > 0), m.name
        np.testing.assert_allclose(np.linalg.norm(m.normals, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("surface", [
    capsule(0.05, 0.3), capsule(0.05, 0.2, axis="y", center=(0, 0, 1)), sphere(0.1),
    rounded_box((0.2, 0.1, 0.05), 0.015),
])
def test_primitive_normals_point_away_from_centre(surface):
    p, n, t = surface
    centre = p.mean(axis=0)
    assert np.all(np.sum((p - centre) * n, axis=1) > -1e-9)


def test_appearance_colours(meshes):
    look = Appearance(shirt=(1.0, 0.0, 0.0))
    sk = default_skeleton()
    chest = skeleton_meshes(sk, look)[sk.link_names.index("chest")]
    assert np.any(np.all(chest.colors == np.float32([1.0, 0.0, 0.0]), axis=1))
    a = Appearance.sample(np.random.default_rng(3))
    b = Appearance.sample(np.random.default_rng(3))
    assert a == b
