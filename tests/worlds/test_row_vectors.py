"""The row-wise vector products world building uses (``phav.geometry.cross_rows``, ``row_norms``):
right-handed, and the same numbers bit for bit as the numpy forms they stand for."""

import numpy as np
import pytest

from phav.geometry import cross_rows, row_norms


def test_cross_rows_is_right_handed():
    x, y, z = np.eye(3)
    np.testing.assert_array_equal(cross_rows(x, y), z)
    np.testing.assert_array_equal(cross_rows(y, z), x)
    np.testing.assert_array_equal(cross_rows(z, x), y)
    np.testing.assert_array_equal(cross_rows(y, x), -z)
    np.testing.assert_array_equal(cross_rows([2.0, 0.0, 0.0], [0.0, 3.0, 0.0]), [0.0, 0.0, 6.0])


def test_cross_rows_equals_np_cross_bit_for_bit():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(500, 3)) * 10.0, rng.normal(size=(500, 3)) * 0.1
    np.testing.assert_array_equal(cross_rows(a, b), np.cross(a, b))
    np.testing.assert_array_equal(cross_rows(a[7], b[9]), np.cross(a[7], b[9]))  # one pair: (3,)
    up = (0.0, 0.0, 1.0)  # one vector against rows broadcasts
    np.testing.assert_array_equal(cross_rows(up, b), np.cross(up, b))
    batch = rng.normal(size=(4, 5, 3))  # leading dimensions
    np.testing.assert_array_equal(cross_rows(batch, batch[::-1]), np.cross(batch, batch[::-1]))


def test_cross_rows_rejects_vectors_that_are_not_3_long():
    """``np.cross`` raises for these; reading three of four components would silently drop one."""
    for a, b in (([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0]), ([1.0, 2.0, 3.0], np.ones((5, 4))),
                 (np.ones((5, 2)), np.ones((5, 3))), ([1.0, 2.0], [3.0, 4.0]), (1.0, [0.0, 0.0, 1.0])):
        with pytest.raises(ValueError, match=r"3-vectors along the last axis, got shapes"):
            cross_rows(a, b)


def test_row_norms_are_lengths():
    np.testing.assert_array_equal(row_norms([[3.0, 4.0, 0.0], [0.0, 0.0, -2.0], [0.0, 0.0, 0.0]]), [5.0, 2.0, 0.0])
    assert row_norms([1.0, 2.0, 2.0]) == 3.0  # one vector: a scalar
    assert row_norms(np.zeros((2, 0, 3))).shape == (2, 0)


def test_row_norms_equal_single_vector_norms_bit_for_bit():
    """Each row as ``np.linalg.norm`` of that row alone (the numbers the single-vector builders had);
    the summed form ``np.linalg.norm(v, axis=1)`` is a different rounding, which is why both exist."""
    rng = np.random.default_rng(6)
    v = rng.normal(size=(2000, 3)) * rng.uniform(0.01, 100.0, size=(2000, 1))
    ours = row_norms(v)
    np.testing.assert_array_equal(ours, [np.linalg.norm(row) for row in v])
    np.testing.assert_allclose(ours, np.linalg.norm(v, axis=1), rtol=1e-15, atol=0.0)
    flat = v[:, :2]  # 2D rows (the pitch markings)
    np.testing.assert_array_equal(row_norms(flat), [np.linalg.norm(row) for row in flat])
