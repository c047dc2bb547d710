"""Per-link render meshes of a skeleton, as :class:`phav.take.Mesh` in each URDF link frame.

Positions are in the link frame that PyBullet reports as ``worldLinkFrame`` (``getLinkState``
entries 4/5; for the base, the base pose with the inertial offset removed), which is the joint
centre with the parent's axes at rest. Each link draws its visual primitives (capsules, spheres,
rounded boxes) with analytic per-vertex normals, per-vertex albedo from an :class:`Appearance`, and
per-vertex semantic ids from the 27 body-part classes (36-62). Every triangle has one label: a
triangle's label is chosen from its centroid, and vertices shared across a label boundary are
duplicated. Each primitive is a closed surface with counter-clockwise outward winding (after welding
the duplicated boundary vertices by position).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from phav.body.appearance import Appearance
from phav.body.shapes import Surface, capsule, rounded_box, sphere, split_by_labels
from phav.body.skeleton import Link, Primitive, Segments, Skeleton
from phav.labels import CLASS_NAMES, class_id
from phav.take import Mesh

LabelFn = Callable[[np.ndarray], np.ndarray]

# Which clothing region colours each body part.
_SHIRT = {"Chest", "LeftShoulder", "RightShoulder", "LeftUpperArm", "RightUpperArm"}
_TROUSERS = {"LeftHip", "RightHip", "LeftUpperLeg", "RightUpperLeg", "LeftKnee", "RightKnee",
             "LeftLowerLeg", "RightLowerLeg", "LeftAnkle", "RightAnkle"}
_SHOES = {"LeftFoot", "RightFoot"}


def _surface(p: Primitive) -> Surface:
    if p.kind == "sphere":
        return sphere(p.size[0], center=p.center)
    if p.kind == "capsule":
        return capsule(p.size[0], p.size[1], axis=p.axis, center=p.center)
    return rounded_box(p.size, p.rounding, center=p.center)


def _by_height(bands: list[tuple[float, str]], default: str) -> LabelFn:
    """Labels by link-frame z: the first ``(threshold, name)`` with ``z > threshold`` wins."""
    ids = [(t, class_id(n)) for t, n in bands]
    fallback = class_id(default)

    def fn(c: np.ndarray) -> np.ndarray:
        out = np.full(len(c), fallback, dtype=np.uint8)
        done = np.zeros(len(c), dtype=bool)
        for t, i in ids:
            hit = (c[:, 2] > t) & ~done
            out[hit] = i
            done |= hit
        return out
    return fn


def _below(threshold: float, name: str, above: LabelFn) -> LabelFn:
    """``name`` where z < threshold, else ``above``."""
    i = class_id(name)

    def fn(c: np.ndarray) -> np.ndarray:
        out = above(c)
        out[c[:, 2] < threshold] = i
        return out
    return fn


def _joint_surface_parts() -> dict[str, frozenset[str]]:
    parts = {
        "head": {"Head", "Neck"},
        "neck": {"Neck", "Head", "Chest", "LeftShoulder", "RightShoulder"},
        "chest": {"Chest", "Neck", "LeftShoulder", "RightShoulder", "LeftHip", "RightHip"},
        "pelvis": {"LeftHip", "RightHip", "LeftUpperLeg", "RightUpperLeg", "Chest"},
        "nose": {"Head"},
    }
    for side in ("left", "right"):
        s = side.capitalize()
        parts.update({
            f"{side}_shoulder": {f"{s}Shoulder", f"{s}UpperArm", "Chest", "Neck"},
            f"{side}_elbow": {f"{s}Elbow", f"{s}UpperArm", f"{s}LowerArm"},
            f"{side}_wrist": {f"{s}Wrist", f"{s}LowerArm", f"{s}Hand"},
            f"{side}_hip": {"LeftHip", "RightHip", f"{s}UpperLeg"},  # the waist is one surface, split only by side
            f"{side}_knee": {f"{s}Knee", f"{s}UpperLeg", f"{s}LowerLeg"},
            f"{side}_ankle": {f"{s}Ankle", f"{s}LowerLeg", f"{s}Foot"},
            f"{side}_eye": {"Head"},
            f"{side}_ear": {"Head"},
        })
    return {joint: frozenset(names) for joint, names in parts.items()}


#: The body-part classes of the surface over each annotated joint and face point: the regions
#: :func:`label_function` gives the links meeting at the joint near it. The waist (pelvis and
#: abdomen) is labelled LeftHip and RightHip by side only, so both count for either hip: the far
#: hip is hidden by the near side of the waist only as the depth tolerance says, as the far shoulder
#: by the chest. A person's own surface of another part in front of a joint hides it (the
#: visibility rule of :mod:`phav.io.annotations`).
JOINT_SURFACE_PARTS: dict[str, frozenset[str]] = _joint_surface_parts()


def label_function(link: Link, seg: Segments) -> LabelFn:
    """The body-part labeller of a link: link-frame points ``(N, 3)`` -> ids ``(N,) uint8``."""
    name = link.name
    side = "Left" if name.startswith("left") else "Right"
    if name in ("pelvis", "abdomen"):  # the waist keeps the hips' labels (PHAV has no abdomen class)
        left, right = class_id("LeftHip"), class_id("RightHip")
        return lambda c: np.where(c[:, 1] >= 0.0, left, right).astype(np.uint8)
    if name == "chest":
        shoulders = [(np.array([-seg.shoulder_back, sgn * seg.shoulder_half_width, seg.shoulder_up]), class_id(n))
                     for sgn, n in ((1.0, "LeftShoulder"), (-1.0, "RightShoulder"))]
        reach = 0.45 * seg.shoulder_half_width
        neck_z = seg.chest_to_neck - 0.15 * seg.chest_radius
        chest, neck = class_id("Chest"), class_id("Neck")

        def chest_fn(c: np.ndarray) -> np.ndarray:
            out = np.full(len(c), chest, dtype=np.uint8)
            out[c[:, 2] > neck_z] = neck
            for point, i in shoulders:
                out[np.linalg.norm(c - point, axis=1) < reach] = i
            return out
        return chest_fn
    if name == "head":
        return _by_height([(seg.neck_to_head - 0.75 * seg.head_radius, "Head")], "Neck")
    if name.endswith("_thigh"):
        return _below(-0.88 * seg.thigh, f"{side}Knee", _by_height([(-0.15 * seg.thigh, f"{side}Hip")], f"{side}UpperLeg"))
    if name.endswith("_shin"):
        return _below(-0.86 * seg.shin, f"{side}Ankle", _by_height([(-0.1 * seg.shin, f"{side}Knee")], f"{side}LowerLeg"))
    if name.endswith("_foot"):
        return _by_height([], f"{side}Foot")
    if name.endswith("_upper_arm"):
        return _below(-0.85 * seg.upper_arm, f"{side}Elbow",
                      _by_height([(-0.2 * seg.upper_arm, f"{side}Shoulder")], f"{side}UpperArm"))
    if name.endswith("_forearm"):
        return _below(-0.86 * seg.forearm, f"{side}Wrist",
                      _by_height([(-0.12 * seg.forearm, f"{side}Elbow")], f"{side}LowerArm"))
    if name.endswith("_hand"):
        return _by_height([(0.3 * seg.hand_radius, f"{side}Wrist")], f"{side}Hand")
    raise ValueError(f"no body-part labels for link {name!r}")


def _colours(labels: np.ndarray, positions: np.ndarray, link: Link, seg: Segments, look: Appearance) -> np.ndarray:
    names = [CLASS_NAMES[int(i)] for i in labels]
    colours = np.array([
        look.shirt if n in _SHIRT else look.trousers if n in _TROUSERS else look.shoes if n in _SHOES else look.skin
        for n in names
    ], dtype=np.float64)
    if link.name == "head":  # hair: the top and back of the head
        rel = positions - np.array([0.0, 0.0, seg.neck_to_head])
        hair = (rel[:, 2] > 0.25 * seg.head_radius) | ((rel[:, 0] < -0.4 * seg.head_radius) & (rel[:, 2] > -0.3 * seg.head_radius))
        colours[hair & (labels == class_id("Head"))] = look.hair
    return colours


def link_mesh(link: Link, seg: Segments, appearance: Appearance | None = None) -> Mesh:
    """The render mesh of one link (all its visual primitives), in the link frame."""
    look = appearance or Appearance()
    labeller = label_function(link, seg)
    pos_all, nrm_all, tri_all, lab_all = [], [], [], []
    offset = 0
    for prim in link.visuals:
        p, n, t = _surface(prim)
        centroids = p[t].mean(axis=1)
        p, n, t, lab = split_by_labels(p, n, t, labeller(centroids))
        pos_all.append(p)
        nrm_all.append(n)
        tri_all.append(t + offset)
        lab_all.append(lab)
        offset += len(p)
    positions = np.concatenate(pos_all)
    labels = np.concatenate(lab_all)
    return Mesh(name=link.name, positions=positions, normals=np.concatenate(nrm_all),
                colors=_colours(labels, positions, link, seg, look), semantic=labels,
                indices=np.concatenate(tri_all))


def skeleton_meshes(skeleton: Skeleton, appearance: Appearance | None = None) -> list[Mesh]:
    """One mesh per link, aligned with ``skeleton.link_names``."""
    return [link_mesh(link, skeleton.segments, appearance) for link in skeleton.links]
