import xml.etree.ElementTree as ET
import os

import numpy as np
import pytest

from phav.body.skeleton import ACTUATED_JOINTS, ANNOTATED_JOINTS, default_skeleton
from phav.body.urdf import skeleton_urdf, urdf_file


def test_default_skeleton_proportions():
    sk = default_skeleton()
    assert sk.segments.height == pytest.approx(1.75)
    assert sk.total_mass == pytest.approx(70.0)
    assert tuple(sk.actuated_joints) == ACTUATED_JOINTS
    assert sk.links[0].parent is None
    names = sk.link_names
    for i, link in enumerate(sk.links[1:], start=1):
        assert names.index(link.parent) < i  # parents first
    right = sk.link("right_thigh").offset
    assert right[1] < 0  # right side at -y
    assert [n for n, _, _ in sk.annotated_points()] == list(ANNOTATED_JOINTS)


def test_height_scales_lengths():
    small, big = default_skeleton(1.5), default_skeleton(1.9)
    assert small.segments.thigh / big.segments.thigh == pytest.approx(1.5 / 1.9)
    with pytest.raises(ValueError):
        default_skeleton(4.0)


def test_urdf_is_valid_xml_and_file_is_removed():
    sk = default_skeleton()
    root = ET.fromstring(skeleton_urdf(sk))
    assert len(root.findall("link")) == len(sk.links)
    assert len(root.findall("joint")) == len(sk.links) - 1
    with urdf_file(sk) as path:
        assert os.path.exists(path)
    assert not os.path.exists(path)


def test_inertia_is_positive():
    for link in default_skeleton().links:
        assert link.mass > 0 and min(link.inertia) > 0
