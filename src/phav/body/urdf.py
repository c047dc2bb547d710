"""URDF text generated at run time from a :class:`~phav.body.skeleton.Skeleton`.

Each link's URDF frame is its joint centre (joint origins have no rotation); the inertial frame sits
at the collision shape's centre with the shape's principal moments. No visual elements are
written: phav renders its own meshes (:mod:`phav.body.mesh`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from phav.body.skeleton import Link, Primitive, Skeleton

_AXIS_RPY = {"x": "0 1.5707963267948966 0", "y": "1.5707963267948966 0 0", "z": "0 0 0"}


def _xyz(v: tuple[float, ...]) -> str:
    return " ".join(f"{x:.6f}" for x in v)


def _geometry(p: Primitive) -> str:
    if p.kind == "sphere":
        return f'<sphere radius="{p.size[0]:.6f}"/>'
    if p.kind == "capsule":
        return f'<capsule radius="{p.size[0]:.6f}" length="{p.size[1]:.6f}"/>'
    return f'<box size="{_xyz(p.size)}"/>'


def _link_xml(link: Link) -> str:
    c = link.collision
    ixx, iyy, izz = link.inertia
    return (
        f"  <link name={quoteattr(link.name)}>\n"
        f"    <inertial>\n"
        f'      <origin xyz="{_xyz(c.center)}" rpy="0 0 0"/>\n'
        f'      <mass value="{link.mass:.6f}"/>\n'
        f'      <inertia ixx="{ixx:.8f}" ixy="0" ixz="0" iyy="{iyy:.8f}" iyz="0" izz="{izz:.8f}"/>\n'
        f"    </inertial>\n"
        f"    <collision>\n"
        f'      <origin xyz="{_xyz(c.center)}" rpy="{_AXIS_RPY[c.axis] if c.kind == "capsule" else "0 0 0"}"/>\n'
        f"      <geometry>{_geometry(c)}</geometry>\n"
        f"    </collision>\n"
        f"  </link>\n"
    )


def _joint_xml(link: Link) -> str:
    extra = '    <axis xyz="0 0 1"/>\n' if link.joint_type == "spherical" else ""  # unused; silences urdfdom
    if link.joint_type == "revolute":
        lo, hi = link.limits
        extra = (f'    <axis xyz="{_xyz(link.axis)}"/>\n'
                 f'    <limit lower="{lo:.6f}" upper="{hi:.6f}" effort="{link.strength:.3f}" velocity="100"/>\n')
    return (
        f"  <joint name={quoteattr(link.joint)} type={quoteattr(link.joint_type)}>\n"
        f"    <parent link={quoteattr(str(link.parent))}/>\n"
        f"    <child link={quoteattr(link.name)}/>\n"
        f'    <origin xyz="{_xyz(link.offset)}" rpy="0 0 0"/>\n'
        f"{extra}"
        f"  </joint>\n"
    )


def skeleton_urdf(skeleton: Skeleton, name: str = "phav_humanoid") -> str:
    """The URDF text for ``skeleton``; the root link (pelvis) is the floating base."""
    parts = [f'<?xml version="1.0"?>\n<robot name={quoteattr(name)}>\n']
    for link in skeleton.links:
        parts.append(_link_xml(link))
        if link.parent is not None:
            parts.append(_joint_xml(link))
    parts.append("</robot>\n")
    return "".join(parts)


@contextlib.contextmanager
def urdf_file(skeleton: Skeleton, name: str = "phav_humanoid") -> Iterator[str]:
    """Write the URDF to a temporary file, yield its path, and remove it afterwards."""
    fd, path = tempfile.mkstemp(prefix="phav_", suffix=".urdf")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(skeleton_urdf(skeleton, name))
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
