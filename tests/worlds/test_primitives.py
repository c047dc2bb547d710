"""Mesh primitives: quads, facade rectangles and prisms (corners, normals, colours, labels, triangle
order), quads added many at once are the same triangles as one by one, and the yaw quaternion."""

import numpy as np

from phav.geometry import quat_from_axis_angle, quat_rotate
from phav.labels import class_id
from phav.worlds.buildings import facade_quad, facade_quads
from phav.worlds.places.common import frame
from phav.worlds.primitives import MeshBuilder, face_normals, rect_corners, split_quads
from phav.worlds.scene import yaw_quat


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


def test_quad_keeps_its_corners_with_the_normal_of_their_plane():
    b = MeshBuilder()
    b.box([0, 0, 1], [1, 1, 1], (0.5, 0.5, 0.5), "Building")  # 20 vertices before the quad
    corners = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [2.0, 1.0, 1.0], [0.0, 1.0, 1.0]])  # tilted 45 degrees
    b.quad(corners, (1.5, 0.25, -0.5), "Road")
    m = b.build("m")
    np.testing.assert_array_equal(m.positions[20:], corners)
    np.testing.assert_allclose(m.normals[20:], np.tile([0.0, -np.sqrt(0.5), np.sqrt(0.5)], (4, 1)), atol=1e-15)
    np.testing.assert_array_equal(m.colors[20:], np.tile([1.0, 0.25, 0.0], (4, 1)))  # clipped to [0, 1]
    assert set(m.semantic[20:]) == {class_id("Road")}
    np.testing.assert_array_equal(m.indices[-2:], [[20, 21, 22], [20, 22, 23]])


def test_facade_quad_faces_its_normal_with_its_half_sizes():
    b = MeshBuilder()
    facade_quad(b, (1.0, 2.0, 3.0), (0.0, 1.0, 0.0), 0.5, 0.25, (0.1, 0.2, 0.3), "Window")
    m = b.build("m")
    np.testing.assert_array_equal(m.normals, np.tile([0.0, 1.0, 0.0], (4, 1)))
    np.testing.assert_array_equal(m.positions.min(axis=0), [0.5, 2.0, 2.75])
    np.testing.assert_array_equal(m.positions.max(axis=0), [1.5, 2.0, 3.25])
    tri = m.positions[m.indices]  # counter-clockwise seen from the front: the winding agrees with the normal
    assert np.all(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]) @ [0.0, 1.0, 0.0] > 0)


def test_face_normals_of_triangles_and_quads():
    tri = np.array([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                    [[0.0, 0.0, 5.0], [0.0, 3.0, 5.0], [0.0, 0.0, 9.0]]])
    np.testing.assert_array_equal(face_normals(tri), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(face_normals(tri[:, ::-1]), [[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])


def test_split_quads_gives_every_first_triangle_then_every_second():
    np.testing.assert_array_equal(split_quads(2), [[0, 1, 2], [4, 5, 6], [0, 2, 3], [4, 6, 7]])
    assert split_quads(0).shape == (0, 3)


def test_prism_has_a_side_quad_per_edge_and_a_fan_cap():
    square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
    m = MeshBuilder().prism(square, 0.5, 1.5, (1, 1, 1), "Building").build("m")
    assert len(m.indices) == 2 * 4 + 4  # two triangles per side, one per cap edge
    np.testing.assert_array_equal(m.normals[:16:4], [[0, -1, 0], [1, 0, 0], [0, 1, 0], [-1, 0, 0]])
    np.testing.assert_array_equal(m.positions[16], [1.0, 1.0, 1.5])  # the cap's centre, then its ring
    np.testing.assert_array_equal(m.positions[17:], np.column_stack([square, np.full(4, 1.5)]))
    np.testing.assert_array_equal(m.normals[16:], np.tile([0.0, 0.0, 1.0], (5, 1)))


def test_yaw_quat_turns_about_z():
    for yaw in (0.0, 0.3, -2.0, np.pi):
        q = yaw_quat(yaw)
        np.testing.assert_array_equal(q, quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), yaw))
        np.testing.assert_allclose(quat_rotate(q, [1.0, 0.0, 0.0]), [np.cos(yaw), np.sin(yaw), 0.0], atol=1e-15)


def test_rect_corners_run_counter_clockwise_from_the_low_corner():
    c = rect_corners([0.0, -1.0], [2.0, 1.0], 1.0, [3.0, 4.0], z=0.5)
    np.testing.assert_array_equal(c[0], [[0, 1, 0.5], [2, 1, 0.5], [2, 3, 0.5], [0, 3, 0.5]])
    np.testing.assert_array_equal(c[1], [[-1, 1, 0.5], [1, 1, 0.5], [1, 4, 0.5], [-1, 4, 0.5]])
    assert rect_corners(0.0, 1.0, 0.0, 1.0).shape == (1, 4, 3)


def test_frame_is_the_ring_between_two_rectangles():
    b = MeshBuilder()
    frame(b, (1.0, 2.0), (3.0, 5.0), (0.3, 0.2, 0.1), "Terrain", z=0.25)
    m = b.build("m")
    tri = m.positions[m.indices].astype(np.float64)
    area = 0.5 * np.abs(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2])
    assert area.sum() == (6.0 * 10.0 - 2.0 * 4.0)  # outer minus inner, no overlap
    # the 8 cells of the grid through both rectangles' corners (4 corners, 4 sides): watertight
    np.testing.assert_array_equal(m.normals, np.tile([0.0, 0.0, 1.0], (8 * 4, 1)))
    assert np.all(m.positions[:, 2] == 0.25)
    centers = tri.mean(axis=1)[:, :2]
    assert not np.any((np.abs(centers[:, 0]) < 1.0) & (np.abs(centers[:, 1]) < 2.0))  # the hole stays open
