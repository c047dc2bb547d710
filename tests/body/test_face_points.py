"""The annotated face points (nose, eyes, ears): on the rendered skin, rigid with the head, on the
right sides, for children and adults alike."""

from __future__ import annotations

import numpy as np
import pytest

from phav.body.skeleton import ANNOTATED_JOINTS, FACE_POINTS, default_skeleton, face_points
from phav.io.person_geometry import PersonGeometry
from phav.scenario import Scenario
from phav.spec import VideoSpec


def _distance_to_surface(point: np.ndarray, triangles: np.ndarray) -> float:
    """Distance (m) from ``point (3,)`` to the triangles ``(N, 3, 3)``, by sampling each at about
    1 mm (enough for a millimetre test)."""
    u, v = np.meshgrid(np.linspace(0, 1, 25), np.linspace(0, 1, 25))
    keep = u + v <= 1
    u, v = u[keep], v[keep]
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    samples = a[:, None] + u[None, :, None] * (b - a)[:, None] + v[None, :, None] * (c - a)[:, None]
    return float(np.linalg.norm(samples - point, axis=-1).min())


def test_face_points_are_annotated_after_the_joints_and_scale_with_the_head():
    assert ANNOTATED_JOINTS[-5:] == FACE_POINTS and len(ANNOTATED_JOINTS) == 21
    small, big = default_skeleton(1.2), default_skeleton(1.9)
    for name in FACE_POINTS:
        x, y, z = face_points(big.segments)[name]
        xs, ys, zs = face_points(small.segments)[name]
        scale = small.segments.head_radius / big.segments.head_radius
        assert (xs, ys) == pytest.approx((x * scale, y * scale))
        assert zs - small.segments.neck_to_head == pytest.approx((z - big.segments.neck_to_head) * scale)


@pytest.mark.parametrize("actor", ["Model_Default", "Model_Girl", "Model_ElderlyWoman", "Model_Woman04"])
def test_face_points_lie_on_the_rendered_skin_and_move_with_the_head(actor):
    take = Scenario(VideoSpec(action="Wave", seed=1, frames=78, actor=actor).validate()).simulate()
    person = take.actors[0]
    geometry = PersonGeometry(take, int(person.instance_id))
    columns = {name: person.joint_names.index(name) for name in (*FACE_POINTS, "head", "left_shoulder",
                                                                 "right_shoulder")}
    offsets = []
    for t in (0, 40):
        vertices = geometry.world_vertices(take, t)  # the skin as drawn at frame t
        triangles = vertices[geometry.triangles]
        joints = person.joints_3d[t]
        for name in FACE_POINTS:
            point = joints[columns[name]]
            near = np.linalg.norm(triangles.mean(axis=1) - point, axis=1) < 0.04
            # within the skin's grid (1.8 cm) rounding of the nose tip; the others within a few mm
            assert _distance_to_surface(point, triangles[near]) < (0.012 if name == "nose" else 0.006), (actor, t, name)
        offsets.append(np.linalg.norm(joints[[columns[n] for n in FACE_POINTS]] - joints[columns["head"]], axis=1))
        left = joints[columns["left_shoulder"]] - joints[columns["right_shoulder"]]
        assert (joints[columns["left_eye"]] - joints[columns["right_eye"]]) @ left > 0
        assert (joints[columns["left_ear"]] - joints[columns["right_ear"]]) @ left > 0
    assert np.allclose(offsets[0], offsets[1], atol=1e-9)  # fixed in the head's frame
