"""The body plan of the skin: solid pieces (signed distance primitives) attached to skeleton links.

Every piece lives in one link frame and is sized from the skeleton's :class:`Segments` (lengths and
limb radii) and the link's child joint offsets, so a body-shape model that changes the segments
changes the skin. Pieces of one link group (trunk, head, each limb) blend smoothly; limbs blend
with the trunk but not with each other (so legs do not fuse). Face pieces (nose, brows, lips, ears,
eye sockets) are small unions and subtractions on the head; hair pieces come from the hair style.

Link roles are recognised from the generic link names of :mod:`phav.body.skeleton` (``pelvis``,
``abdomen``, ``chest``, ``head``, ``*_thigh``, ``*_shin``, ``*_foot``, ``*_upper_arm``, ``*_forearm``, ``*_hand``).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Literal

import numpy as np

from phav.body import skin_sdf as sdf
from phav.body.skeleton import FACE_FEATURES, FACE_HEAD_RADIUS, Link, Segments, Skeleton

Tag = Literal["body", "face", "brow", "hair", "eye", "lips", "skirt"]
HAIR_STYLES: tuple[str, ...] = ("short", "long", "bun", "ponytail", "buzz", "bald")


@dataclasses.dataclass(frozen=True)
class Piece:
    """One solid in a link frame.

    Attributes:
        link: owning link name.
        fn: link-frame points ``(N, 3)`` -> signed distance ``(N,)``, metres.
        lo, hi: ``(3,)`` link-frame bounding box of the solid.
        k: blend radius with what came before in its group, metres.
        op: ``union`` or ``subtract``.
        tag: what the surface is made of (body skin/cloth, face, hair, eye, lips, skirt).
    """

    link: str
    fn: Callable[[np.ndarray], np.ndarray]
    lo: np.ndarray
    hi: np.ndarray
    k: float = 0.02
    op: Literal["union", "subtract"] = "union"
    tag: Tag = "body"


def _cone(link: str, a, b, ra: float, rb: float, k: float = 0.02, tag: Tag = "body", op="union") -> Piece:
    a, b = np.asarray(a, float), np.asarray(b, float)
    r = max(ra, rb)
    return Piece(link, lambda p: sdf.round_cone(p, a, b, ra, rb), np.minimum(a, b) - r, np.maximum(a, b) + r, k, op, tag)


def _ell(link: str, c, radii, k: float = 0.02, tag: Tag = "body", op="union") -> Piece:
    c, radii = np.asarray(c, float), np.asarray(radii, float)
    return Piece(link, lambda p: sdf.ellipsoid(p, c, radii), c - radii, c + radii, k, op, tag)


def _ball(link: str, c, r: float, k: float = 0.02, tag: Tag = "body", op="union") -> Piece:
    c = np.asarray(c, float)
    return Piece(link, lambda p: sdf.sphere(p, c, r), c - r, c + r, k, op, tag)


def _box(link: str, c, half, rounding: float, k: float = 0.02, tag: Tag = "body") -> Piece:
    c, half = np.asarray(c, float), np.asarray(half, float)
    return Piece(link, lambda p: sdf.round_box(p, c, half, rounding), c - half, c + half, k, "union", tag)


def child_offset(skeleton: Skeleton, link: Link) -> np.ndarray | None:
    """Joint offset of the link's first child (the segment vector), or ``None`` for a leaf."""
    for other in skeleton.links:
        if other.parent == link.name:
            return np.asarray(other.offset, dtype=np.float64)
    return None


def _head(name: str, seg: Segments, hair: str) -> list[Piece]:
    s = seg.head_radius / FACE_HEAD_RADIUS  # face features scale with the head
    c = np.array([0.0, 0.0, seg.neck_to_head])
    up = lambda x, y, z: c + s * np.array([x, y, z])  # noqa: E731 - head-centred coordinates
    out = [
        _cone(name, (0.0, 0.0, -0.04), up(-0.01, 0, -0.06), 1.15 * seg.neck_radius, 1.1 * seg.neck_radius, k=0.03),
        _ell(name, up(-0.008, 0, 0.012), s * np.array([0.098, 0.078, 0.104]), k=0.03),
        _ell(name, up(0.028, 0, -0.045), s * np.array([0.068, 0.06, 0.068]), k=0.035),  # face and jaw
        _ball(name, up(0.062, 0, -0.088), 0.022 * s, k=0.025),                          # chin
    ]
    bridge, tip, bridge_r, tip_r = FACE_FEATURES["nose"]
    (eye_x, eye_y, eye_z), eye_r = FACE_FEATURES["eye"]
    (ear_x, ear_y, ear_z), ear_half = FACE_FEATURES["ear"]
    out += [  # features (the annotated face points lie on them: phav.body.skeleton.face_points)
        _cone(name, up(*bridge), up(*tip), bridge_r * s, tip_r * s, k=0.012, tag="face"),  # nose
        _cone(name, up(0.079, -0.05, 0.033), up(0.079, 0.05, 0.033), 0.011 * s, 0.011 * s, k=0.015, tag="brow"),  # brows
        _ell(name, up(0.088, 0, -0.056), s * np.array([0.012, 0.025, 0.009]), k=0.008, tag="lips"),
    ]
    for side in (-1.0, 1.0):
        out.append(_ball(name, up(0.091, side * eye_y, eye_z), 0.017 * s, k=0.01, op="subtract", tag="face"))
        out.append(_ball(name, up(eye_x, side * eye_y, eye_z), eye_r * s, k=0.0, tag="eye"))
        out.append(_ell(name, up(ear_x, side * ear_y, ear_z), s * np.array(ear_half), k=0.008, tag="face"))
    if hair in ("short", "long", "bun", "ponytail"):
        shell = s * np.array([0.108, 0.09, 0.116])
        centre = up(-0.012, 0, 0.016)
        hairline = up(0.07, 0, 0.045)
        normal = np.array([0.5, 0.0, -0.87]) if hair == "short" else np.array([0.62, 0.0, -0.78])

        def cap(p: np.ndarray, centre=centre, shell=shell, hairline=hairline, normal=normal) -> np.ndarray:
            return sdf.smax(sdf.ellipsoid(p, centre, shell), sdf.half_space(p, hairline, normal), 0.01)

        out.append(Piece(name, cap, centre - shell, centre + shell, 0.012, "union", "hair"))
    if hair == "long":
        out.append(_box(name, up(-0.062, 0, -0.09), s * np.array([0.045, 0.092, 0.13]), 0.035 * s, k=0.03, tag="hair"))
    if hair == "bun":
        out.append(_ball(name, up(-0.105, 0, 0.07), 0.045 * s, k=0.02, tag="hair"))
    if hair == "ponytail":
        out.append(_cone(name, up(-0.105, 0, 0.03), up(-0.14, 0, -0.16), 0.03 * s, 0.014 * s, k=0.02, tag="hair"))
    return out


def _has_abdomen(skeleton: Skeleton) -> bool:
    return any(link.name == "abdomen" for link in skeleton.links)


def _waist(name: str, seg: Segments, above_pelvis: float) -> Piece:
    """The waist ellipsoid (0.16 m above the pelvis joint) in a link ``above_pelvis`` metres up the spine."""
    r = seg.pelvis_radius
    return _ell(name, (0.0, 0, 0.16 - above_pelvis), (0.95 * r, 1.45 * r, 1.15 * r), k=0.06)


#: How far (m) below its pieces' lowest point the foot's surface reaches: the smooth union of the
#: heel, sole and instep pieces swells it (the skins of all 20 presets reached 14.0-15.2 mm below
#: the sole with 7 mm shoes before the pieces were raised by this and the shoe layer).
SOLE_SWELL = 0.0075


def link_pieces(skeleton: Skeleton, link: Link, hair: str = "short", skirt: float = 0.0,
                chest_shape: float = 0.0, sole_layer: float = 0.0) -> list[Piece]:
    """The pieces of one link, sized from the skeleton.

    Args:
        hair: one of :data:`HAIR_STYLES`.
        skirt: skirt length below the hips in thigh lengths (0: none); the skirt hangs from the pelvis.
        chest_shape: 0 (flat) to 1 (pronounced bust).
        sole_layer: thickness (m) of the clothing layer under the feet (shoes), added later along
            the normals: the foot's sole is raised by it (and by :data:`SOLE_SWELL`), so the
            clothed sole lies on the physics foot's, ``ankle_to_sole`` below the ankle, and the
            skin neither sinks into the ground nor floats.

    Raises:
        ValueError: a link name the plan does not know, or an unknown hair style.
    """
    if hair not in HAIR_STYLES:
        raise ValueError(f"unknown hair style {hair!r}; choose from {', '.join(HAIR_STYLES)}")
    seg, name = skeleton.segments, link.name
    seg_vec = child_offset(skeleton, link)
    sgn = 1.0 if name.startswith("left") else -1.0
    if name == "pelvis":
        w = seg.hip_half_width
        out = [
            _ell(name, (-0.012, 0, 0.035), (1.25 * seg.pelvis_radius, w + 0.8 * seg.thigh_radius, 1.25 * seg.pelvis_radius)),
        ]
        if not _has_abdomen(skeleton):
            out.append(_waist(name, seg, 0.0))
        if skirt > 0.0:
            top = np.array([0.0, 0.0, 0.12])
            bottom = np.array([0.0, 0.0, -skirt * seg.thigh])
            # An A-line from the hips: the hem clears the legs' stride with a modest flare, and it
            # is cut flat (a round cone's end sphere made the hem bulge below it like a bell).
            r_top, r_bottom = w + 1.15 * seg.thigh_radius, w + 1.6 * seg.thigh_radius + 0.12 * skirt * seg.thigh
            flat = np.array([0.85, 1.0, 1.0])  # a little flatter front to back

            def skirt_fn(p: np.ndarray) -> np.ndarray:
                cone = sdf.round_cone(p / flat, top, bottom, r_top, r_bottom) * flat[0]
                return sdf.smax(cone, sdf.half_space(p, bottom, (0.0, 0.0, -1.0)), 0.01)

            out.append(Piece(name, skirt_fn, np.minimum(top, bottom) - r_bottom, np.maximum(top, bottom) + r_bottom,
                             0.03, "union", "skirt"))
        return out
    if name == "abdomen":  # the waist: bound to the lumbar joint so that bending the spine bends it
        return [_waist(name, seg, seg.pelvis_to_abdomen)]
    if name == "chest":
        shoulder = np.array([-seg.shoulder_back, seg.shoulder_half_width, seg.shoulder_up])
        r = seg.chest_radius
        out = [
            _ell(name, (-0.005, 0, 0.5 * seg.chest_up), (0.85 * r, 1.25 * r, 1.3 * r), k=0.06),
            _ell(name, (-0.012, 0, 1.2 * seg.chest_up), (0.95 * r, 1.4 * r, 1.2 * r), k=0.05),
            _cone(name, shoulder * (1, -0.78, 0.93), shoulder * (1, 0.78, 0.93), 0.5 * r, 0.5 * r, k=0.05),
        ]
        if chest_shape > 0.0:
            for side in (-1.0, 1.0):
                out.append(_ball(name, (0.055, side * 0.45 * r, 1.1 * seg.chest_up), (0.25 + 0.2 * chest_shape) * r, k=0.04))
        return out
    if name == "head":
        return _head(name, seg, hair)
    if seg_vec is None and not name.endswith(("_foot", "_hand")):
        raise ValueError(f"the skin plan has no pieces for leaf link {name!r}")
    if name.endswith("_thigh"):
        r = seg.thigh_radius
        return [_cone(name, (0, 0, 0.0), seg_vec, 1.55 * r, 0.95 * r, k=0.03),
                _ell(name, (0.02, 0, 0.42 * seg_vec[2]), (0.9 * r, 1.2 * r, 0.45 * seg.thigh), k=0.05)]
    if name.endswith("_shin"):
        r = seg.shin_radius
        return [_cone(name, (0, 0, 0), seg_vec + (0, 0, 0.02), 1.05 * r, 0.7 * r, k=0.03),
                _ell(name, (-0.02, 0, 0.3 * seg_vec[2]), (1.05 * r, 0.95 * r, 0.28 * seg.shin), k=0.04)]
    if name.endswith("_foot"):
        h = seg.ankle_to_sole
        L, W = seg.foot_length, seg.foot_width
        lift = SOLE_SWELL + sole_layer  # the pieces' bottoms rise by it, their tops stay
        return [_ball(name, (0, 0, 0.0), 0.75 * seg.shin_radius, k=0.03),
                _ball(name, (seg.foot_forward - 0.38 * L, 0, -h + 0.033 + 0.5 * lift), 0.034 - 0.5 * lift, k=0.03),
                _box(name, (seg.foot_forward + 0.03 * L, 0, -h + 0.028 + 0.5 * lift),
                     (0.5 * L, 0.45 * W, 0.028 - 0.5 * lift), 0.024, k=0.03),
                _ell(name, (seg.foot_forward + 0.15 * L, 0, -h + 0.04 + 0.5 * lift),
                     (0.32 * L, 0.42 * W, 0.035 - 0.5 * lift), k=0.03)]
    if name.endswith("_upper_arm"):
        r = seg.upper_arm_radius
        return [_cone(name, (0, 0, 0), seg_vec, 1.25 * r, 0.9 * r, k=0.02),
                _ell(name, (-0.005, sgn * 0.012, -0.05), (1.25 * r, 1.3 * r, 0.3 * seg.upper_arm), k=0.04)]
    if name.endswith("_forearm"):
        r = seg.forearm_radius
        return [_cone(name, (0, 0, 0), seg_vec, 1.05 * r, 0.72 * r, k=0.02),
                _ell(name, (0.0, 0, 0.3 * seg_vec[2]), (1.1 * r, 1.15 * r, 0.3 * seg.forearm), k=0.04)]
    if name.endswith("_hand"):
        s = seg.hand_radius / 0.04 * 0.95
        out = [_box(name, (0.0, 0, -0.05 * s), s * np.array([0.043, 0.014, 0.048]), 0.012 * s, k=0.02)]
        for i, x in enumerate((-0.03, -0.01, 0.01, 0.03)):
            length = (0.07, 0.08, 0.085, 0.075)[i] * s
            out.append(_cone(name, (x * s, 0, -0.09 * s), (x * s * 1.1, -sgn * 0.004, -0.09 * s - length),
                             0.0095 * s, 0.0085 * s, k=0.006))
        out.append(_cone(name, (0.028 * s, -sgn * 0.008 * s, -0.035 * s), (0.055 * s, -sgn * 0.018 * s, -0.085 * s),
                         0.011 * s, 0.009 * s, k=0.01))
        return out
    raise ValueError(f"the skin plan has no pieces for link {name!r}")


def link_groups(skeleton: Skeleton) -> dict[str, str]:
    """Link name -> blend group: ``trunk`` for the root and the spine links (muscle group ``spine``:
    abdomen, chest), else the name of the limb link attached to the trunk (``head``, ``right_thigh``, ...)."""
    root = skeleton.links[0].name
    trunk = {root} | {l.name for l in skeleton.links if l.muscle_group == "spine"}
    group: dict[str, str] = {}
    for link in skeleton.links:  # parents come first
        if link.name in trunk:
            group[link.name] = "trunk"
        elif link.parent in trunk:
            group[link.name] = link.name
        else:
            group[link.name] = group[link.parent]
    return group
