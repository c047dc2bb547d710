"""The skin builder (phav.body.skin.build_skin): labels, weights, topology and build time.

One skin per preset used here is built once per session (``build_skin`` caches by skeleton and
outfit); each build is about 0.2 s on a 2-core CPU.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from phav.body.clothing import outfit_from_appearance
from phav.body.presets import get_preset, preset_names
from phav.body.skin import DEFAULT_RESOLUTION, build_skin
from phav.labels import BODY_PART_FIRST, BODY_PART_LAST


def _inputs(name: str):
    preset = get_preset(name)
    return preset.skeleton(), outfit_from_appearance(preset.appearance, preset.shape.female)


@pytest.fixture(scope="session")
def skin():
    skeleton, outfit = _inputs(preset_names()[0])
    return build_skin(skeleton, outfit)


def test_every_vertex_is_a_body_part_and_all_27_are_present(skin):
    labels = skin.mesh.semantic
    assert labels.min() >= BODY_PART_FIRST and labels.max() <= BODY_PART_LAST
    assert set(np.unique(labels)) == set(range(BODY_PART_FIRST, BODY_PART_LAST + 1))


def test_weights_are_convex_and_bones_in_range(skin):
    assert np.allclose(skin.weights.sum(axis=1), 1.0, atol=1e-5)
    assert skin.weights.min() >= 0.0
    assert skin.bones.max() < len(skin.bone_parts)


def test_surface_is_closed_and_consistently_wound(skin):
    """Welding the vertices duplicated at label borders, every edge is used as often in one direction
    as in the other (closed, consistently oriented); surface nets may pinch a few edges (4 faces)."""
    positions = skin.mesh.positions
    _, weld = np.unique(np.round(positions / 1e-7).astype(np.int64), axis=0, return_inverse=True)
    tris = weld.reshape(-1)[skin.mesh.indices]
    directed = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    assert (directed[:, 0] != directed[:, 1]).all(), "degenerate triangle"
    n = int(weld.max()) + 1
    forward = np.unique(directed[:, 0] * n + directed[:, 1], return_counts=True)
    backward = np.unique(directed[:, 1] * n + directed[:, 0], return_counts=True)
    assert np.array_equal(forward[0], backward[0]), "an edge has no opposite: the surface has a hole"
    assert np.array_equal(forward[1], backward[1]), "inconsistent winding"
    assert (forward[1] > 1).mean() < 1e-3  # pinched (non-manifold) edges are rare


def test_normals_point_outwards(skin):
    """Outward normals: the mesh's signed volume is positive with triangles wound along the normals."""
    p = skin.mesh.positions[skin.mesh.indices]
    volume = np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum() / 6.0
    assert 0.03 < volume < 0.2  # a person is 40-120 litres


def test_triangle_budget_suits_340x256(skin):
    assert 8_000 <= len(skin.mesh.indices) <= 25_000


def test_build_time_under_half_a_second():
    """A dataset builds one new person per video. CPU time of this process (not wall time, so other
    processes on a loaded machine do not count), best of 3; about 0.15 s on a 2-core CPU."""
    skeleton, outfit = _inputs(preset_names()[1])
    times = []
    for _ in range(3):
        build_skin.cache_clear()
        start = time.process_time()
        build_skin(skeleton, outfit)
        times.append(time.process_time() - start)
    assert min(times) < 0.5, f"skin build took {min(times):.2f} s CPU at {DEFAULT_RESOLUTION} m"


def test_resolution_out_of_range_is_rejected():
    skeleton, outfit = _inputs(preset_names()[0])
    with pytest.raises(ValueError, match="outside 0.002-0.05 m"):
        build_skin(skeleton, outfit, resolution=0.5)


@pytest.mark.parametrize("name", ["Model_Woman04", "Model_Girl"])
def test_skirt_and_dress_weights_are_finite_and_convex(name):
    """Skirt vertices blend pelvis and thighs; ones no thigh reaches must not become NaN."""
    skeleton, outfit = _inputs(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # inf - inf in the blend used to warn on every video
        skin = build_skin(skeleton, outfit, name=f"test-{name}")
    assert np.all(np.isfinite(skin.weights))
    assert np.allclose(skin.weights.sum(axis=1), 1.0, atol=1e-5)
