"""The project skeleton as data: links, joints, collision shapes, masses, muscle groups.

Conventions: metres, kilograms; the character stands at rest with Z up, facing +x, its right side
at -y. Every link frame sits at its joint centre with axes parallel to the parent's at rest (URDF
joint origins carry no rotation), limbs hang along -z. Proportions follow DeepMimic's humanoid
(``pybullet_data/humanoid/humanoid.urdf`` at its 0.25 scale, about 1.62 m tall) rescaled
uniformly to ``height``.

Segment lengths live in :class:`Segments` as named fields, so a body-shape model can set them
individually later; :func:`build_skeleton` turns any ``Segments`` into a :class:`Skeleton`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import numpy as np

PrimitiveKind = Literal["capsule", "sphere", "box"]
JointType = Literal["free", "spherical", "revolute", "fixed"]

#: The body's sides, right first (as in joint names ``right_*``/``left_*`` and the clip order below).
SIDES: tuple[str, str] = ("right", "left")

#: Actuated joints in clip order (spherical: abdomen, chest, neck, hips, ankles, shoulders; hinge:
#: knees, elbows). The spine has two joints: ``abdomen`` (lumbar, pelvis to abdomen) and ``chest``
#: (thoracolumbar junction, abdomen to chest).
ACTUATED_JOINTS: tuple[str, ...] = (
    "abdomen", "chest", "neck",
    "right_hip", "right_knee", "right_ankle", "right_shoulder", "right_elbow",
    "left_hip", "left_knee", "left_ankle", "left_shoulder", "left_elbow",
)

#: The annotated face points (:data:`FACE_FEATURES`), in the order of COCO's keypoints.
FACE_POINTS: tuple[str, ...] = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")

#: Annotated points: 16 joint centres (``head`` is the centre of the head), then the face points
#: :data:`FACE_POINTS` on the skin's surface, so every COCO keypoint is among them (the PoseC3D
#: export, :mod:`phav.io.posec3d`, writes COCO's 17). The abdomen (lumbar) joint is not annotated:
#: it lies on the pelvis-chest line at rest (its rotation is in the annotations' muscle state,
#: which lists every actuated joint).
ANNOTATED_JOINTS: tuple[str, ...] = (
    "head", "neck", "chest", "pelvis",
    "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
    "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
) + FACE_POINTS

#: The face's features in head-centred coordinates (origin at the head centre, ``neck_to_head``
#: above the neck joint; x forward, y left, z up) for a head of :data:`FACE_HEAD_RADIUS`, scaled with
#: the head: the pieces :func:`phav.body.skin_plan.link_pieces` makes the face of, and the points
#: annotated on them. ``eye``: the left eyeball's centre (the right one mirrors it) and its
#: radius; ``ear``: the left ear's centre and semi-axes; ``nose``: the bridge and tip centres and
#: radii of the nose's round cone.
FACE_HEAD_RADIUS = 0.1025
FACE_FEATURES: dict[str, tuple] = {
    "eye": ((0.074, 0.033, 0.010), 0.0135),
    "ear": ((-0.006, 0.079, -0.004), (0.022, 0.011, 0.032)),
    "nose": ((0.083, 0.0, 0.012), (0.104, 0.0, -0.026), 0.008, 0.013),
}


def face_points(segments: "Segments") -> dict[str, tuple[float, float, float]]:
    """:data:`FACE_POINTS` in the head link's frame, metres, on the skin's surface: the nose's tip
    (its most forward point), the front of each eyeball (the pupil) and the outer side of each
    ear."""
    s = segments.head_radius / FACE_HEAD_RADIUS
    (eye_x, eye_y, eye_z), eye_r = FACE_FEATURES["eye"]
    (ear_x, ear_y, ear_z), (_, ear_half_y, _) = FACE_FEATURES["ear"]
    _, (tip_x, tip_y, tip_z), _, tip_r = FACE_FEATURES["nose"]
    head = {"nose": (tip_x + tip_r, tip_y, tip_z),
            "left_eye": (eye_x + eye_r, eye_y, eye_z), "right_eye": (eye_x + eye_r, -eye_y, eye_z),
            "left_ear": (ear_x, ear_y + ear_half_y, ear_z), "right_ear": (ear_x, -ear_y - ear_half_y, ear_z)}
    return {name: (s * x, s * y, segments.neck_to_head + s * z) for name, (x, y, z) in head.items()}


#: DeepMimic's humanoid standing height (sole to crown) at its 0.25 scale, metres.
DEEPMIMIC_HEIGHT = 1.618961
#: DeepMimic's leg length (hip centre to sole), metres.
DEEPMIMIC_LEG_LENGTH = 0.421546 + 0.409870 + 0.05


@dataclasses.dataclass(frozen=True)
class Segments:
    """Named segment lengths and limb radii in metres (defaults: DeepMimic's humanoid, 1.62 m)."""

    pelvis_to_abdomen: float = 0.45 * 0.236151  # the abdomen (lumbar) joint at 0.45 of pelvis to chest
    abdomen_to_chest: float = 0.55 * 0.236151
    chest_to_neck: float = 0.223894
    neck_to_head: float = 0.175  # neck joint to head centre
    head_radius: float = 0.1025
    hip_half_width: float = 0.084887
    thigh: float = 0.421546
    shin: float = 0.409870
    ankle_to_sole: float = 0.05
    foot_length: float = 0.177
    foot_width: float = 0.09
    foot_forward: float = 0.045  # foot box centre ahead of the ankle
    shoulder_back: float = 0.02405
    shoulder_up: float = 0.2435  # chest joint to shoulder joints
    shoulder_half_width: float = 0.18311
    upper_arm: float = 0.274788
    forearm: float = 0.258947
    hand_radius: float = 0.04
    pelvis_radius: float = 0.09
    pelvis_up: float = 0.07  # pelvis sphere centre above the pelvis joint
    abdomen_radius: float = 0.08
    abdomen_up: float = 0.55 * 0.55 * 0.236151  # abdomen sphere (and mass) centre above the abdomen joint
    # the abdomen's radii of gyration about its x, y, z axes: de Leva's (1996) male middle trunk
    # (48.2, 38.3, 46.8 % of its 0.1238 H length) at DeepMimic's height
    abdomen_gyration_x: float = 0.482 * 0.1238 * 1.618961
    abdomen_gyration_y: float = 0.383 * 0.1238 * 1.618961
    abdomen_gyration_z: float = 0.468 * 0.1238 * 1.618961
    chest_radius: float = 0.11
    chest_up: float = 0.12  # chest sphere centre above the chest joint
    neck_radius: float = 0.045
    thigh_radius: float = 0.055
    shin_radius: float = 0.05
    upper_arm_radius: float = 0.045
    forearm_radius: float = 0.04

    def scaled(self, factor: float) -> "Segments":
        """All lengths multiplied by ``factor``."""
        return Segments(**{f.name: getattr(self, f.name) * factor for f in dataclasses.fields(self)})

    @property
    def pelvis_to_chest(self) -> float:
        """Pelvis joint to chest joint along the spine at rest, metres."""
        return self.pelvis_to_abdomen + self.abdomen_to_chest

    @property
    def height(self) -> float:
        """Standing height, sole to crown, metres."""
        return (self.ankle_to_sole + self.shin + self.thigh + self.pelvis_to_chest
                + self.chest_to_neck + self.neck_to_head + self.head_radius)

    @property
    def leg_length(self) -> float:
        """Hip centre to sole, metres."""
        return self.thigh + self.shin + self.ankle_to_sole


@dataclasses.dataclass(frozen=True)
class Primitive:
    """A solid shape in a link frame.

    Attributes:
        kind: ``capsule`` (``size = (radius, length)``, length between the cap centres),
            ``sphere`` (``size = (radius,)``) or ``box`` (``size = (sx, sy, sz)`` full extents;
            rendered with rounded edges of radius ``rounding``).
        center: ``(3,)`` centre in the link frame, metres.
        axis: the link axis a capsule lies along (``"x"``, ``"y"`` or ``"z"``).
        rounding: edge radius of a rendered box, metres.
    """

    kind: PrimitiveKind
    size: tuple[float, ...]
    center: tuple[float, float, float]
    axis: Literal["x", "y", "z"] = "z"
    rounding: float = 0.0

    def lowest_offsets(self) -> np.ndarray:
        """Points ``(K, 3)`` (link frame) whose world heights bound the shape from below: the
        shape's lowest world point is ``min(z of rotated point) - radius`` with :meth:`radius`."""
        c = np.asarray(self.center, dtype=np.float64)
        if self.kind == "sphere":
            return c[None]
        if self.kind == "capsule":
            a = np.zeros(3)
            a["xyz".index(self.axis)] = 0.5 * self.size[1]
            return np.stack([c - a, c + a])
        h = 0.5 * np.asarray(self.size)
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=np.float64)
        return c + signs * h

    def radius(self) -> float:
        """Radius added around :meth:`lowest_offsets` (0 for a box)."""
        return float(self.size[0]) if self.kind in ("sphere", "capsule") else 0.0

    def volume(self) -> float:
        if self.kind == "sphere":
            return 4.0 / 3.0 * math.pi * self.size[0] ** 3
        if self.kind == "capsule":
            r, l = self.size
            return math.pi * r * r * l + 4.0 / 3.0 * math.pi * r ** 3
        return float(np.prod(self.size))

    def inertia(self, mass: float) -> tuple[float, float, float]:
        """Principal moments ``(ixx, iyy, izz)`` in kg m² about the centre, link axes, solid shape."""
        if self.kind == "sphere":
            i = 0.4 * mass * self.size[0] ** 2
            return (i, i, i)
        if self.kind == "box":
            x, y, z = self.size
            return (mass / 12 * (y * y + z * z), mass / 12 * (x * x + z * z), mass / 12 * (x * x + y * y))
        r, l = self.size
        v_cyl = math.pi * r * r * l
        v_sph = 4.0 / 3.0 * math.pi * r ** 3
        m_cyl = mass * v_cyl / (v_cyl + v_sph)
        m_sph = mass - m_cyl
        axial = m_cyl * r * r / 2 + m_sph * 2 * r * r / 5
        trans = (m_cyl * (l * l / 12 + r * r / 4)
                 + m_sph * (2 * r * r / 5 + l * l / 4 + 3 * l * r / 8))
        k = "xyz".index(self.axis)
        out = [trans, trans, trans]
        out[k] = axial
        return (out[0], out[1], out[2])


@dataclasses.dataclass(frozen=True)
class Link:
    """One rigid link and the joint that attaches it to its parent.

    Attributes:
        name: link name (e.g. ``right_thigh``).
        joint: name of the joint to the parent (e.g. ``right_hip``); ``pelvis`` for the root.
        parent: parent link name, ``None`` for the root.
        joint_type: ``free`` (root), ``spherical``, ``revolute`` or ``fixed``.
        offset: ``(3,)`` joint centre in the parent link frame, metres.
        axis: ``(3,)`` hinge axis in the link frame (revolute only).
        limits: ``(lower, upper)`` hinge angle limits, radians (revolute only).
        gyration: radii of gyration ``(kx, ky, kz)`` in metres about the link axes through the
            collision shape's centre, where the segment's mass spreads wider than its collision
            shape (the abdomen: a small sphere filling the waist); empty: from the shape.
        rotvec_limits: spherical joints with anatomical limits: ``((lo, hi),) * 3`` bounds of the
            joint rotation vector's x (lateral bend), y (flexion +, extension -) and z (axial twist)
            components, radians; empty: unlimited. (PyBullet's URDF has no spherical limits: the
            spine split of :mod:`phav.motion.spine` keeps the abdomen inside them for every clip
            and key pose with one trunk joint; a clip's own abdomen track is kept as given.)
        collision: the collision shape (also the mass distribution unless ``gyration`` is given).
        visuals: shapes drawn by the render mesh (may add a neck or a hip girdle).
        mass: kg.
        muscle_group: ``spine``, ``neck``, ``right_arm``, ``left_arm``, ``right_leg``, ``left_leg``.
        strength: maximum motor torque of the joint, N m (0 for unactuated joints).
    """

    name: str
    joint: str
    parent: str | None
    joint_type: JointType
    offset: tuple[float, float, float]
    collision: Primitive
    visuals: tuple[Primitive, ...]
    mass: float
    muscle_group: str = ""
    strength: float = 0.0
    axis: tuple[float, float, float] = (0.0, 0.0, 0.0)
    limits: tuple[float, float] = (0.0, 0.0)
    rotvec_limits: tuple[tuple[float, float], ...] = ()
    gyration: tuple[float, ...] = ()

    @property
    def inertia(self) -> tuple[float, float, float]:
        """Principal moments about :attr:`collision`'s centre, kg m²."""
        if self.gyration:
            kx, ky, kz = self.gyration
            return (self.mass * kx * kx, self.mass * ky * ky, self.mass * kz * kz)
        return self.collision.inertia(self.mass)

    @property
    def actuated(self) -> bool:
        return self.joint_type in ("spherical", "revolute")


@dataclasses.dataclass(frozen=True)
class Skeleton:
    """A tree of links in URDF order (parents before children; ``links[0]`` is the root)."""

    segments: Segments
    links: tuple[Link, ...]

    def link(self, name: str) -> Link:
        for link in self.links:
            if link.name == name:
                return link
        raise KeyError(f"no link {name!r}; links: {', '.join(self.link_names)}")

    def link_by_joint(self, joint: str) -> Link:
        for link in self.links:
            if link.joint == joint:
                return link
        raise KeyError(f"no joint {joint!r}; joints: {', '.join(l.joint for l in self.links)}")

    @property
    def link_names(self) -> list[str]:
        return [link.name for link in self.links]

    @property
    def actuated_joints(self) -> list[str]:
        return [link.joint for link in self.links if link.actuated]

    @property
    def total_mass(self) -> float:
        return float(sum(link.mass for link in self.links))

    def rest_offset(self, name: str) -> np.ndarray:
        """``(3,)`` origin of link ``name``'s frame in the root (pelvis) frame at rest, metres."""
        out = np.zeros(3)
        link = self.link(name)
        while link.parent is not None:
            out += np.asarray(link.offset, dtype=np.float64)
            link = self.link(link.parent)
        return out

    def annotated_points(self) -> list[tuple[str, str, tuple[float, float, float]]]:
        """``(joint name, link name, point in the link frame)`` for :data:`ANNOTATED_JOINTS`."""
        out = []
        face = face_points(self.segments)
        for name in ANNOTATED_JOINTS:
            if name == "head":
                out.append((name, "head", (0.0, 0.0, self.segments.neck_to_head)))
            elif name in face:
                out.append((name, "head", face[name]))
            else:
                out.append((name, self.link_by_joint(name).name, (0.0, 0.0, 0.0)))
        return out


# DeepMimic's link masses (kg, for its 45 kg body), used as fractions of the total mass; its 14 kg
# chest is split between our abdomen and chest as de Leva's (1996) male middle : upper trunk
# (16.33 : 15.96).
_MASS_FRACTIONS = {
    "pelvis": 6.0, "abdomen": 14.0 * 16.33 / 32.29, "chest": 14.0 * 15.96 / 32.29, "head": 2.0, "thigh": 4.5, "shin": 3.0, "foot": 1.0,
    "upper_arm": 1.5, "forearm": 1.0, "hand": 0.5,
}
_MASS_TOTAL = 45.0

#: Muscle strengths (maximum torque, N m) for a 70 kg, 1.75 m adult, by joint kind.
REFERENCE_STRENGTH = {
    "abdomen": 400.0, "chest": 400.0, "neck": 100.0, "hip": 400.0, "knee": 300.0, "ankle": 200.0,
    "shoulder": 150.0, "elbow": 100.0,
}
REFERENCE_MASS = 70.0
REFERENCE_HEIGHT = 1.75

KNEE_LIMITS = (0.0, 2.9)
ELBOW_LIMITS = (0.0, 2.9)
#: Lumbar spine (L1-S1) range of motion as rotation-vector bounds ``(x lateral bend, y flexion +/
#: extension -, z axial twist)``, radians: flexion 50 deg, extension 25 deg, lateral bend 25 deg and
#: axial rotation 10 deg each way (adult ranges as tabulated by White & Panjabi, *Clinical
#: Biomechanics of the Spine*, 2nd ed. 1990, Table 2-7, summed over the lumbar levels).
LUMBAR_LIMITS: tuple[tuple[float, float], ...] = (
    (-math.radians(25.0), math.radians(25.0)),
    (-math.radians(25.0), math.radians(50.0)),
    (-math.radians(10.0), math.radians(10.0)),
)


def build_skeleton(seg: Segments, mass: float = REFERENCE_MASS, *, mass_fractions: dict[str, float] | None = None,
                   strength_scale: float = 1.0) -> Skeleton:
    """The skeleton for segment lengths ``seg`` and total ``mass`` kg.

    Args:
        mass_fractions: fraction of ``mass`` per link kind (``pelvis``, ``abdomen``, ``chest``, ``head``, and once
            per side ``thigh``, ``shin``, ``foot``, ``upper_arm``, ``forearm``, ``hand``); default:
            DeepMimic's humanoid. :class:`phav.body.anthropometry.BodyShape` passes de Leva's.
        strength_scale: multiplies every joint's strength (e.g. 0.7 for an elderly person).

    Muscle strength (maximum torque) scales with mass times height (torque = force times lever arm,
    force proportional to mass) from :data:`REFERENCE_STRENGTH`.
    """
    if mass_fractions is None:
        m = {k: v / _MASS_TOTAL * mass for k, v in _MASS_FRACTIONS.items()}
    else:
        missing = set(_MASS_FRACTIONS) - set(mass_fractions)
        if missing:
            raise ValueError(f"mass_fractions lacks {sorted(missing)}")
        m = {k: mass_fractions[k] * mass for k in _MASS_FRACTIONS}
    power = (mass / REFERENCE_MASS) * (seg.height / REFERENCE_HEIGHT) * strength_scale
    s = {k: v * power for k, v in REFERENCE_STRENGTH.items()}

    def limb(radius: float, length: float) -> Primitive:
        return Primitive("capsule", (radius, max(length - 2.0 * radius, 1e-3)), (0.0, 0.0, -0.5 * length))

    pelvis = Primitive("sphere", (seg.pelvis_radius,), (0.0, 0.0, seg.pelvis_up))
    abdomen = Primitive("sphere", (seg.abdomen_radius,), (0.0, 0.0, seg.abdomen_up))
    hip_girdle = Primitive("capsule", (0.8 * seg.thigh_radius + 0.01, 2.0 * seg.hip_half_width), (0.0, 0.0, 0.0), axis="y")
    chest = Primitive("sphere", (seg.chest_radius,), (0.0, 0.0, seg.chest_up))
    shoulder_girdle = Primitive(
        "capsule", (seg.upper_arm_radius + 0.01, 2.0 * seg.shoulder_half_width),
        (-seg.shoulder_back, 0.0, seg.shoulder_up), axis="y")
    head = Primitive("sphere", (seg.head_radius,), (0.0, 0.0, seg.neck_to_head))
    neck = Primitive("capsule", (seg.neck_radius, seg.neck_to_head), (0.0, 0.0, 0.5 * seg.neck_to_head - 0.02))
    thigh = limb(seg.thigh_radius, seg.thigh)
    shin = limb(seg.shin_radius, seg.shin)
    foot_h = 1.1 * seg.ankle_to_sole  # box height (DeepMimic: 0.055 for 0.05)
    foot = Primitive("box", (seg.foot_length, seg.foot_width, foot_h),
                     (seg.foot_forward, 0.0, -seg.ankle_to_sole + 0.5 * foot_h), rounding=0.3 * foot_h)
    upper_arm = limb(seg.upper_arm_radius, seg.upper_arm)
    forearm = limb(seg.forearm_radius, seg.forearm)
    hand = Primitive("sphere", (seg.hand_radius,), (0.0, 0.0, 0.0))

    links: list[Link] = [
        Link("pelvis", "pelvis", None, "free", (0.0, 0.0, 0.0), pelvis, (pelvis, hip_girdle), m["pelvis"]),
        Link("abdomen", "abdomen", "pelvis", "spherical", (0.0, 0.0, seg.pelvis_to_abdomen), abdomen,
             (abdomen,), m["abdomen"], "spine", s["abdomen"], rotvec_limits=LUMBAR_LIMITS,
             gyration=(seg.abdomen_gyration_x, seg.abdomen_gyration_y, seg.abdomen_gyration_z)),
        Link("chest", "chest", "abdomen", "spherical", (0.0, 0.0, seg.abdomen_to_chest), chest,
             (chest, shoulder_girdle), m["chest"], "spine", s["chest"]),
        Link("head", "neck", "chest", "spherical", (0.0, 0.0, seg.chest_to_neck), head,
             (head, neck), m["head"], "neck", s["neck"]),
    ]
    for side, sign in (("right", -1.0), ("left", 1.0)):
        leg, arm = f"{side}_leg", f"{side}_arm"
        links += [
            Link(f"{side}_thigh", f"{side}_hip", "pelvis", "spherical", (0.0, sign * seg.hip_half_width, 0.0),
                 thigh, (thigh,), m["thigh"], leg, s["hip"]),
            Link(f"{side}_shin", f"{side}_knee", f"{side}_thigh", "revolute", (0.0, 0.0, -seg.thigh),
                 shin, (shin,), m["shin"], leg, s["knee"], axis=(0.0, 1.0, 0.0), limits=KNEE_LIMITS),
            Link(f"{side}_foot", f"{side}_ankle", f"{side}_shin", "spherical", (0.0, 0.0, -seg.shin),
                 foot, (foot,), m["foot"], leg, s["ankle"]),
            Link(f"{side}_upper_arm", f"{side}_shoulder", "chest", "spherical",
                 (-seg.shoulder_back, sign * seg.shoulder_half_width, seg.shoulder_up),
                 upper_arm, (upper_arm,), m["upper_arm"], arm, s["shoulder"]),
            Link(f"{side}_forearm", f"{side}_elbow", f"{side}_upper_arm", "revolute", (0.0, 0.0, -seg.upper_arm),
                 forearm, (forearm,), m["forearm"], arm, s["elbow"], axis=(0.0, -1.0, 0.0), limits=ELBOW_LIMITS),
            Link(f"{side}_hand", f"{side}_wrist", f"{side}_forearm", "fixed", (0.0, 0.0, -seg.forearm),
                 hand, (hand,), m["hand"], arm, 0.0),
        ]
    # URDF order: parents first. Reorder so that the sequence matches ACTUATED_JOINTS for actuated ones.
    order = ["pelvis", "abdomen", "chest", "head"]
    for side in SIDES:
        order += [f"{side}_thigh", f"{side}_shin", f"{side}_foot", f"{side}_upper_arm", f"{side}_forearm", f"{side}_hand"]
    by_name = {link.name: link for link in links}
    return Skeleton(segments=seg, links=tuple(by_name[n] for n in order))


def default_skeleton(height: float = REFERENCE_HEIGHT, mass: float = REFERENCE_MASS) -> Skeleton:
    """DeepMimic proportions scaled to ``height`` metres (sole to crown), ``mass`` kg in total."""
    if not (0.5 <= height <= 2.5):
        raise ValueError(f"height {height} m is outside the supported 0.5-2.5 m")
    if not (5.0 <= mass <= 300.0):
        raise ValueError(f"mass {mass} kg is outside the supported 5-300 kg")
    return build_skeleton(Segments().scaled(height / DEEPMIMIC_HEIGHT), mass)
