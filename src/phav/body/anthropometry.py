"""Body-shape model: a few continuous parameters mapped through anthropometric tables to a skeleton.

Tables used (fractions of standing height ``H`` and of total body mass ``M``):

- Segment lengths and joint heights: D. A. Winter, *Biomechanics and Motor Control of Human
  Movement*, 4th ed., Wiley 2009, Fig. 4.1 ("segment lengths expressed as a fraction of body
  height H"): ankle height 0.039 H, shank (knee to ankle) 0.246 H, thigh (hip to knee) 0.245 H,
  hip joint height 0.530 H, shoulder height 0.818 H, upper arm 0.186 H, forearm 0.146 H, hand
  0.108 H, foot length 0.152 H, foot breadth 0.055 H, shoulder (biacromial) breadth 0.259 H, hip
  (bitrochanteric) breadth 0.191 H.
- Segment masses: P. de Leva, "Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters",
  *J. Biomechanics* 29(9):1223-1230, 1996, Table 4 (percent of body mass, male / female): head
  and neck 6.94 / 6.68, upper trunk 15.96 / 15.45, middle trunk 16.33 / 14.65, lower trunk
  11.17 / 12.47, upper arm
  2.71 / 2.55, forearm 1.62 / 1.38, hand 0.61 / 0.56, thigh 14.16 / 14.78, shank 4.33 / 4.81,
  foot 1.37 / 1.29. ``female`` in ``[0, 1]`` interpolates between the two columns. Our spine
  links take the trunk's three parts: pelvis = lower trunk, abdomen = middle trunk, chest = upper
  trunk. de Leva's trunk boundaries (omphalion between lower and middle trunk, xiphoid between
  middle and upper) sit at about 0.45 and 1.0 of the way from the hip joints to our chest joint,
  which places the abdomen (lumbar) joint at :data:`ABDOMEN_SPLIT` of the pelvis-to-chest length.
  The abdomen's inertia comes from de Leva's middle-trunk radii of gyration (:data:`DE_LEVA_MIDDLE_TRUNK`)
  rather than from its collision sphere, which only fills the waist between the pelvis and chest
  spheres (a small sphere's inertia between two heavy links also slows PyBullet's solver down:
  with it the DeepMimic walk tracked 1.4 degrees worse on the child).
- Children's proportions: the head is relatively larger and the legs relatively shorter
  (a 6-year-old's head is about 1/6 of stature against 1/8 for adults, R. M. Malina et al.,
  *Growth, Maturation and Physical Activity*, 2004); ``head_scale`` and ``leg_ratio`` express this.

Inertias follow from each link's mass spread over its collision shape (:class:`Primitive`);
limb radii follow from segment mass and length at the density of the body (de Leva's masses in a
capsule of ``BODY_DENSITY``), slimmed by ``COLLISION_SLIMNESS`` so that limbs do not rub against
each other in the simulation (the mass, not the volume, sets the dynamics); thighs are capped by ``THIGH_CLEARANCE``.
"""

from __future__ import annotations

import dataclasses
import math

from phav.body.skeleton import REFERENCE_HEIGHT, REFERENCE_MASS, Segments, Skeleton, build_skeleton

#: Winter (2009) fractions of standing height.
WINTER_LENGTHS = {
    "ankle_height": 0.039, "shank": 0.246, "thigh": 0.245, "hip_height": 0.530, "shoulder_height": 0.818,
    "upper_arm": 0.186, "forearm": 0.146, "hand": 0.108, "foot_length": 0.152, "foot_breadth": 0.055,
    "shoulder_breadth": 0.259, "hip_breadth": 0.191,
}
#: de Leva (1996) mass fractions (percent of body mass): (male, female), per link of our skeleton.
DE_LEVA_MASS_PERCENT = {
    "head": (6.94, 6.68), "chest": (15.96, 15.45), "abdomen": (16.33, 14.65), "pelvis": (11.17, 12.47),
    "upper_arm": (2.71, 2.55), "forearm": (1.62, 1.38), "hand": (0.61, 0.56),
    "thigh": (14.16, 14.78), "shin": (4.33, 4.81), "foot": (1.37, 1.29),
}
#: de Leva (1996) middle trunk (omphalion to xiphion): length as a fraction of stature and radii of
#: gyration about the sagittal (x), transverse (y) and longitudinal (z) axes as fractions of that
#: length, (male, female).
DE_LEVA_MIDDLE_TRUNK = {
    "length": (215.5 / 1741.0, 205.3 / 1735.0), "x": (0.482, 0.433), "y": (0.383, 0.354), "z": (0.468, 0.415),
}
#: de Leva's middle-trunk centre of mass: 45.02 % (male) / 45.12 % (female) of its length below the
#: xiphion, i.e. about 0.55 of the way up from the lower end; the abdomen's mass centre sits at this
#: fraction of the abdomen-to-chest length (with it the tracking figures stay at the one-joint
#: trunk's: DeepMimic walk, run, jump, kick on the child, the heavy man and the elderly woman).
ABDOMEN_MASS_CENTRE = 1.0 - 0.4507
#: Mean density of body segments, kg/m³ (Dempster 1955, about 1.05-1.1 for limbs).
BODY_DENSITY = 1070.0
#: Collision radius as a fraction of the volume-equivalent cylinder radius (a capsule of the same
#: length holds more volume than the cylinder, and soft tissue yields).
COLLISION_SLIMNESS = 0.9
#: Thigh radius at most this fraction of the hip joint half spacing, so the thighs do not rub.
THIGH_CLEARANCE = 0.7
#: Length of the foot's collision box as a fraction of foot length (heel to the ball; toes bend).
FOOT_BOX = 0.8
#: Hip joint centres' separation as a fraction of bitrochanteric breadth (matches DeepMimic's 0.105 H).
HIP_JOINT_SPACING = 0.55
#: Neck joint (base of the neck) height as a fraction of H.
NECK_HEIGHT = 0.828
#: The abdomen (lumbar) joint's place between the pelvis and chest joints (fraction of their distance).
ABDOMEN_SPLIT = 0.45
#: Head radius as a fraction of H for an adult (head breadth about 0.09 H, Winter's head 0.130 H tall).
HEAD_RADIUS = 0.06


@dataclasses.dataclass(frozen=True)
class BodyShape:
    """Continuous body-shape parameters.

    Attributes:
        height: standing height, sole to crown, metres (0.9 small child .. 2.1 tall adult).
        mass: total mass, kg.
        female: 0 = male, 1 = female columns of de Leva's table (interpolated in between).
        leg_ratio: leg length relative to Winter's table (children about 0.9); the trunk takes the rest.
        arm_ratio: arm length relative to Winter's table.
        shoulder_width: biacromial breadth relative to Winter's table.
        hip_width: hip breadth relative to Winter's table.
        head_scale: head radius relative to an adult's (children about 1.25).
        strength: muscle strength relative to an adult of the same size (elderly about 0.7).
    """

    height: float = REFERENCE_HEIGHT
    mass: float = REFERENCE_MASS
    female: float = 0.0
    leg_ratio: float = 1.0
    arm_ratio: float = 1.0
    shoulder_width: float = 1.0
    hip_width: float = 1.0
    head_scale: float = 1.0
    strength: float = 1.0

    #: Valid ranges, checked by :meth:`validate`.
    RANGES = {
        "height": (0.8, 2.2), "mass": (12.0, 200.0), "female": (0.0, 1.0), "leg_ratio": (0.8, 1.15),
        "arm_ratio": (0.8, 1.15), "shoulder_width": (0.75, 1.3), "hip_width": (0.75, 1.35),
        "head_scale": (0.85, 1.45), "strength": (0.2, 1.5),
    }

    def validate(self) -> "BodyShape":
        """Return self, or raise ``ValueError`` naming the parameter out of range."""
        for name, (lo, hi) in self.RANGES.items():
            value = getattr(self, name)
            if not (lo <= value <= hi):
                raise ValueError(f"body shape {name}={value:g} is outside [{lo:g}, {hi:g}]")
        if not 10.0 <= self.bmi <= 45.0:
            raise ValueError(f"body mass index {self.bmi:.1f} (mass {self.mass:g} kg at {self.height:g} m) "
                             f"is outside [10, 45]; change mass or height")
        return self

    @property
    def bmi(self) -> float:
        """Body mass index, kg/m²."""
        return self.mass / self.height ** 2

    def mass_fractions(self) -> dict[str, float]:
        """Fraction of total mass per link kind (limb kinds once per side); sums to 1 over the body."""
        raw = {k: (1.0 - self.female) * m + self.female * f for k, (m, f) in DE_LEVA_MASS_PERCENT.items()}
        total = raw["head"] + raw["chest"] + raw["abdomen"] + raw["pelvis"] + 2.0 * sum(
            raw[k] for k in ("upper_arm", "forearm", "hand", "thigh", "shin", "foot"))
        return {k: v / total for k, v in raw.items()}

    def segments(self) -> Segments:
        """Segment lengths and radii in metres (see the module docstring for the tables)."""
        self.validate()
        H = self.height
        w = WINTER_LENGTHS
        fr = self.mass_fractions()
        leg = self.leg_ratio
        ankle = w["ankle_height"] * H * leg
        shin = w["shank"] * H * leg
        thigh = w["thigh"] * H * leg
        head_radius = HEAD_RADIUS * H * self.head_scale
        # the head and neck keep an adult's neck length; the trunk spans the rest of the height
        neck_to_head = (1.0 - NECK_HEIGHT - HEAD_RADIUS) * H
        trunk = H - ankle - shin - thigh - neck_to_head - head_radius
        pelvis_to_chest = 0.513 * trunk  # DeepMimic's split of hip-to-neck (0.236 : 0.224)
        chest_to_neck = trunk - pelvis_to_chest
        shoulder_height = H - (NECK_HEIGHT - w["shoulder_height"]) * H - neck_to_head - head_radius
        chest_joint_height = ankle + shin + thigh + pelvis_to_chest
        arm = self.arm_ratio

        def radius(kind: str, length: float) -> float:
            """Volume-equivalent capsule radius of a segment, slimmed for collisions."""
            volume = fr[kind] * self.mass / BODY_DENSITY
            r = math.sqrt(volume / (math.pi * length))  # cylinder of the segment's length
            return COLLISION_SLIMNESS * r

        hip_half_width = 0.5 * HIP_JOINT_SPACING * w["hip_breadth"] * H * self.hip_width
        upper_arm = w["upper_arm"] * H * arm
        forearm = w["forearm"] * H * arm
        upper_arm_radius = radius("upper_arm", upper_arm)
        # torso spheres sized from the trunk masses (pelvis: lower trunk; chest: upper + middle trunk,
        # as before the abdomen had a link of its own, so that the body's surface is unchanged)
        pelvis_radius = 0.75 * (3.0 * fr["pelvis"] * self.mass / (4.0 * math.pi * BODY_DENSITY)) ** (1 / 3)
        chest_radius = 0.8 * (3.0 * (fr["chest"] + fr["abdomen"]) * self.mass / (4.0 * math.pi * BODY_DENSITY)) ** (1 / 3)
        pelvis_radius = max(pelvis_radius, 0.5 * HIP_JOINT_SPACING * w["hip_breadth"] * H * self.hip_width)
        pelvis_up = 0.3 * pelvis_to_chest
        chest_up = 0.5 * chest_to_neck
        # the abdomen's collision sphere fills the waist between the pelvis and chest spheres
        pelvis_to_abdomen = ABDOMEN_SPLIT * pelvis_to_chest
        # (abdomen frame: from the top of the pelvis sphere to the bottom of the chest sphere),
        # centred at the middle trunk's mass centre
        waist_lo = pelvis_up + pelvis_radius - pelvis_to_abdomen
        waist_hi = pelvis_to_chest - pelvis_to_abdomen + chest_up - chest_radius
        abdomen_up = ABDOMEN_MASS_CENTRE * (pelvis_to_chest - pelvis_to_abdomen)
        abdomen_radius = max(0.5 * (waist_hi - waist_lo) + 0.02, 0.6 * pelvis_radius)
        return Segments(
            pelvis_to_abdomen=pelvis_to_abdomen,
            abdomen_to_chest=pelvis_to_chest - pelvis_to_abdomen,
            chest_to_neck=chest_to_neck,
            neck_to_head=neck_to_head,
            head_radius=head_radius,
            hip_half_width=hip_half_width,
            thigh=thigh,
            shin=shin,
            ankle_to_sole=ankle,
            foot_length=FOOT_BOX * w["foot_length"] * H * leg,
            foot_width=w["foot_breadth"] * H * leg,
            foot_forward=0.25 * w["foot_length"] * H * leg,
            shoulder_back=0.0137 * H,  # DeepMimic's 0.024 m at 1.62 m
            shoulder_up=shoulder_height - chest_joint_height,
            shoulder_half_width=0.5 * w["shoulder_breadth"] * H * self.shoulder_width - upper_arm_radius,
            upper_arm=upper_arm,
            forearm=forearm,
            hand_radius=0.3 * w["hand"] * H * arm,
            pelvis_radius=pelvis_radius,
            pelvis_up=pelvis_up,
            abdomen_radius=abdomen_radius,
            abdomen_up=abdomen_up,
            **self._abdomen_gyration(),
            chest_radius=chest_radius,
            chest_up=chest_up,
            neck_radius=0.4 * head_radius,
            thigh_radius=min(radius("thigh", thigh), THIGH_CLEARANCE * hip_half_width),
            shin_radius=radius("shin", shin),
            upper_arm_radius=upper_arm_radius,
            forearm_radius=radius("forearm", forearm),
        )

    def _abdomen_gyration(self) -> dict[str, float]:
        """The abdomen's radii of gyration (m) from de Leva's middle trunk at this height."""
        mix = lambda pair: (1.0 - self.female) * pair[0] + self.female * pair[1]  # noqa: E731
        t = DE_LEVA_MIDDLE_TRUNK
        length = mix(t["length"]) * self.height
        return {f"abdomen_gyration_{a}": mix(t[a]) * length for a in "xyz"}

    def skeleton(self) -> Skeleton:
        """The project skeleton of this body: lengths from Winter, masses from de Leva."""
        seg = self.segments()
        return build_skeleton(seg, self.mass, mass_fractions=self.mass_fractions(), strength_scale=self.strength)

    def scaled_strength(self) -> float:
        """Strength relative to the 70 kg, 1.75 m reference adult (size times :attr:`strength`)."""
        return self.strength * (self.mass / REFERENCE_MASS) * (self.height / REFERENCE_HEIGHT)
