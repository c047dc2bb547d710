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


def test_spine_has_an_abdomen_joint_with_lumbar_limits():
    sk = default_skeleton()
    abdomen, chest = sk.link("abdomen"), sk.link("chest")
    assert abdomen.parent == "pelvis" and chest.parent == "abdomen"
    assert abdomen.joint_type == "spherical" and abdomen.muscle_group == "spine" and abdomen.strength > 0
    assert ACTUATED_JOINTS.index("abdomen") == ACTUATED_JOINTS.index("chest") - 1
    seg = sk.segments
    assert seg.pelvis_to_abdomen == pytest.approx(0.45 * seg.pelvis_to_chest)
    assert sk.rest_offset("chest")[2] == pytest.approx(seg.pelvis_to_chest)
    (lat_lo, lat_hi), (flex_lo, flex_hi), (tw_lo, tw_hi) = abdomen.rotvec_limits
    assert lat_lo == -lat_hi and tw_lo == -tw_hi  # symmetric: mirroring keeps motions inside
    assert flex_hi > -flex_lo > 0 and 0 < tw_hi < lat_hi  # flexion beyond extension; little twist


def test_trunk_masses_follow_de_leva():
    from phav.body.anthropometry import BodyShape

    for female, (upper, middle, lower) in ((0.0, (15.96, 16.33, 11.17)), (1.0, (15.45, 14.65, 12.47))):
        sk = BodyShape(female=female).skeleton()
        m = {n: sk.link(n).mass for n in ("chest", "abdomen", "pelvis")}
        assert m["chest"] / m["abdomen"] == pytest.approx(upper / middle)
        assert m["abdomen"] / m["pelvis"] == pytest.approx(middle / lower)
    sk = default_skeleton()  # DeepMimic's 14 kg chest (of 45) split as de Leva's male trunk
    assert (sk.link("chest").mass + sk.link("abdomen").mass) / sk.total_mass == pytest.approx(14.0 / 45.0)


def test_urdf_loads_in_pybullet_with_the_abdomen():
    import pybullet
    from pybullet_utils.bullet_client import BulletClient

    sk = default_skeleton()
    c = BulletClient(connection_mode=pybullet.DIRECT)
    try:
        with urdf_file(sk) as path:
            body = c.loadURDF(path, flags=pybullet.URDF_MAINTAIN_LINK_ORDER)
        joints = {c.getJointInfo(body, j)[1].decode(): c.getJointInfo(body, j) for j in range(c.getNumJoints(body))}
        assert joints["abdomen"][2] == pybullet.JOINT_SPHERICAL
        assert joints["chest"][16] == list(joints).index("abdomen")  # parent link index
        assert c.getDynamicsInfo(body, list(joints).index("abdomen"))[0] == pytest.approx(sk.link("abdomen").mass)
    finally:
        c.disconnect()
