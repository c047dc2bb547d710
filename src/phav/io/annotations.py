"""``annotations.json``: per-frame camera, people (3D/2D joints, visibility, boxes, muscles) and instances.

Layout (keys sorted on disk; floats rounded to 6 decimals)::

    {
      "format": 1, "conventions": {...}, "fps": 30.0, "width": 340, "height": 256, "num_frames": T,
      "instances": [{"id", "name", "semantic_class", "semantic_id", "color": [R, G, B]}, ...],
      "persons": [{"instance_id", "name", "joint_names", "muscle_joints"}, ...],   # skeleton order
      "frames": [
        {"frame": 1,                                    # 1-based, as the file names
         "camera": {"K": 3x3, "world_to_camera": 4x4},
         "visibility_depth_test": true,                 # a depth map was used for "visible"
         "visibility_maps": ["depth", "instance", "semantic"],   # the maps "visible" was tested on
         "persons": [
           {"instance_id", "name",
            "joints_3d": {joint: [x, y, z]},            # world, metres
            "joints_2d": {joint: [u, v] or null},       # pixels; null behind the camera
            "visible": {joint: bool},
            "bbox_2d": [x0, y0, x1, y1] or null,        # pixels: the part of the person in view
            "bbox_3d": {"min", "max", "center", "size"} or null,   # world, axis-aligned, metres
            "muscles": {joint: {"target": xyzw, "actual": xyzw, "torque": [3] N m, "strength": N m,
                                "damping": N m s/rad}},  # damping: absent in takes without it
            "pin_weight": w}]}, ...]
    }

Rules (also written into :data:`ANNOTATION_CONVENTIONS`):

* ``joints_3d``: the 16 joint centres of :data:`phav.body.skeleton.ANNOTATED_JOINTS` and the five
  face points (:data:`~phav.body.skeleton.FACE_POINTS`: the nose's tip, the pupils, the ears' outer
  sides, on the skin), which complete COCO's 17 keypoints.
* ``visible``: the joint is in front of the camera (z > 0), its projection lies inside the image
  (``-0.5 <= u < W - 0.5`` and the same for ``v``), and, when the frame's depth map is given, it is
  not hidden: ``depth[floor(v + 0.5), floor(u + 0.5)] >= z - 0.25 m`` (the joint lies inside the
  body, so the body's own surface in front of it is tolerated; sky, +inf, never hides); for a face
  point, which lies on the surface, ``z - 0.04 m`` (the mesh's rounding of the face and a pixel's
  slope tolerated; an ear or eye on the far side of the head is hidden by it). With the frame's
  instance and semantic maps too, the tolerance holds only for the person's own surface over the
  joint (:data:`phav.body.mesh.JOINT_SURFACE_PARTS`: a wrist's surface is LeftWrist, LeftLowerArm
  or LeftHand): any other surface at that pixel (another person, an object, the scenery, or the
  person's own body elsewhere: the near hip in front of the far one, a thigh in front of a wrist)
  hides the joint when it lies in front of it at all (``depth < z``). phav's videos always use all
  three maps (rendered for the annotations when ``depth``, ``classgt`` or ``instancegt`` are not
  written); ``visibility_maps`` lists per frame the maps used (``visibility_depth_test``: the depth).
* ``bbox_2d``: the extent in the image of the part of the person's surface the camera sees: the
  surface the person is drawn with (the mesh parts whose ``part_instance`` is the person's instance
  id, at their poses, and the person's skins, posed as the renderer poses them:
  :mod:`phav.io.person_geometry`) clipped to the view (:func:`view_planes`: the image rectangle
  ``[-0.5, W - 0.5] x [-0.5, H - 0.5]`` and the renderer's near plane z = 5 cm) before the extent
  is taken, so a person cut by the image border gets the box of the part inside, not the whole
  person's box cut to the image; ``null`` when none of it is in view. Hidden parts count (it bounds the surface, not
  the visible pixels).
* ``bbox_3d``: axis-aligned world box of the same vertices (all of them); ``null`` when the person
  has no surface.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from phav import camera
from phav.body.mesh import JOINT_SURFACE_PARTS
from phav.body.skeleton import FACE_POINTS
from phav.frames import MODALITIES
from phav.io import jsonutil
from phav.io.params import CONVENTIONS, METADATA_FORMAT
from phav.io.person_geometry import PersonGeometry
from phav.labels import BODY_PART_FIRST, BODY_PART_LAST, CLASS_NAMES, class_id
from phav.take import ActorTrack, Take

#: A joint is hidden when the depth map is nearer than its z-depth by more than this, metres.
VISIBILITY_DEPTH_TOLERANCE_M: float = 0.25
#: The same for the face points (:data:`phav.body.skeleton.FACE_POINTS`), which lie on the skin.
FACE_VISIBILITY_DEPTH_TOLERANCE_M: float = 0.04
#: Near plane of the view 2D boxes are clipped to, metres (:func:`view_planes`): the near clip plane
#: every quality preset renders with (``RenderSettings.near``), so a box bounds no surface the
#: images cannot show.
BBOX_NEAR_M: float = 0.05

#: Conventions specific to annotations.json, added to :data:`phav.io.params.CONVENTIONS`.
ANNOTATION_CONVENTIONS: dict[str, str] = {
    "joints_3d": "world positions of the annotated joints, metres: 16 joint centres (head = the centre of the "
    "head, neck, chest, pelvis, shoulders, elbows, wrists, hips, knees, ankles) and 5 points on the face's "
    "surface (nose = the nose's tip, left_eye/right_eye = the pupils, left_ear/right_ear = the ears' outer "
    "sides), fixed in the head's frame; with the shoulders to the ankles they are COCO's 17 keypoints.",
    "joints_2d": "pixel (u, v) projection of joints_3d through K and world_to_camera; null for joints "
    "behind the camera (z <= 0).",
    "visible": "true when the joint is in front of the camera (z > 0), projects inside the image "
    "(-0.5 <= u < W - 0.5, -0.5 <= v < H - 0.5) and, if the frame's depth map was available "
    "(visibility_depth_test), is not hidden: depth at pixel (floor(u + 0.5), floor(v + 0.5)) >= "
    f"z - {VISIBILITY_DEPTH_TOLERANCE_M} m (joint centres lie inside the body) or, for the face points (on the "
    f"skin), z - {FACE_VISIBILITY_DEPTH_TOLERANCE_M} m; if the frame's instance and semantic maps were available "
    "too (visibility_maps), that tolerance holds only where the surface at the pixel is the person's own over the "
    "joint (the classes in joint_surface_parts), and any other surface (another person, an object, the "
    "scenery, the person's own body elsewhere) hides the joint when depth < z.",
    "joint_surface_parts": "each joint's own surface, the body-part classes whose pixels in front of it within "
    "the tolerance leave it visible: " + "; ".join(
        f"{joint}: {', '.join(sorted(parts))}" for joint, parts in JOINT_SURFACE_PARTS.items()) + ".",
    "bbox_2d": "[x0, y0, x1, y1] pixels: extent in the image of the person's surface (skin and mesh parts, "
    "posed as rendered) clipped to the view (the image rectangle [-0.5, W - 0.5] x [-0.5, H - 0.5] and the "
    f"plane z = {BBOX_NEAR_M} m) before the extent is taken: a person cut by the image border gets the box "
    "of the part inside; hidden parts count; null when none of it is in view.",
    "bbox_3d": "axis-aligned world box of the person's surface vertices (skin and mesh parts, posed as "
    "rendered): min, max, center, size (metres).",
    "muscles": "per actuated joint: target and actual local joint rotation (quaternion xyzw, child "
    "relative to parent), applied motor torque (N m, joint frame), strength = maximum torque (N m), "
    "damping = joint damping (N m s/rad: torque -damping * joint velocity on each degree of freedom); "
    "pin_weight in [0, 1] is the weight of the root pin (0 = free ragdoll).",
}


def view_planes(K: np.ndarray, width: int, height: int, near: float = BBOX_NEAR_M) -> np.ndarray:
    """``(5, 4)`` the half-spaces ``a . p + d >= 0`` (camera frame, metres) whose intersection is what
    the camera sees: ``u >= -0.5``, ``u <= W - 0.5``, ``v >= -0.5``, ``v <= H - 0.5`` (pixel
    projections through ``K``; planes through the camera centre) and ``z >= near``."""
    (k00, k01, k02), (k10, k11, k12) = K[0], K[1]
    return np.array([
        [k00, k01, k02 + 0.5, 0.0],
        [-k00, -k01, width - 0.5 - k02, 0.0],
        [k10, k11, k12 + 0.5, 0.0],
        [-k10, -k11, height - 0.5 - k12, 0.0],
        [0.0, 0.0, 1.0, -near],
    ])


#: The image corners as pairs of :func:`view_planes` rows (the two side planes through each corner's ray).
_CORNERS = ((0, 2), (1, 2), (0, 3), (1, 3))


def _corner_points(cam: np.ndarray, side: np.ndarray, triangles: np.ndarray, K: np.ndarray, width: int,
                   height: int) -> list[np.ndarray]:
    """For each image corner whose ray (from the camera centre through that corner of the pixel
    grid) meets a triangle beyond the near plane, the nearest such point (Moller-Trumbore), as
    ``(1, 3)`` arrays. Only triangles with vertices on both sides of the corner's two side planes
    (``side``: the vertices' :func:`view_planes` values) can meet its ray."""
    found = []
    positive = side > 0
    p0, p1, p2 = positive[triangles[:, 0]], positive[triangles[:, 1]], positive[triangles[:, 2]]  # (F, 5)
    straddle = (p0 | p1 | p2) & ~(p0 & p1 & p2)  # a vertex on each side of (or on) the plane
    for left_right, top_bottom in _CORNERS:
        near = straddle[:, left_right] & straddle[:, top_bottom]
        if not near.any():
            continue
        tri = triangles[near]
        corner = np.array([-0.5 if left_right == 0 else width - 0.5, -0.5 if top_bottom == 2 else height - 0.5, 1.0])
        ray = np.linalg.solve(K, corner)  # z = 1
        v0, e1, e2 = cam[tri[:, 0]], cam[tri[:, 1]] - cam[tri[:, 0]], cam[tri[:, 2]] - cam[tri[:, 0]]
        with np.errstate(divide="ignore", invalid="ignore"):
            pvec = np.cross(ray, e2)
            det = np.einsum("ij,ij->i", e1, pvec)
            a = np.einsum("ij,ij->i", -v0, pvec) / det
            qvec = np.cross(-v0, e1)
            b = (qvec @ ray) / det
            depth = np.einsum("ij,ij->i", e2, qvec) / det  # along the ray, whose z is 1: the z-depth
            hit = (det != 0) & (a >= 0) & (b >= 0) & (a + b <= 1) & (depth >= BBOX_NEAR_M)
        if hit.any():
            found.append(ray[None, :] * depth[hit].min())
    return found


def _bbox_2d(cam: np.ndarray, geometry: PersonGeometry, K: np.ndarray, width: int,
             height: int) -> list[float] | None:
    """2D box of the part of ``geometry``'s surface (posed vertices ``cam (N, 3)``, camera frame)
    the camera sees (:func:`view_planes`): its vertices inside, the points where its edges cross a
    plane of the view (inside the others), and the image corners its triangles cover. ``None`` when
    none of it is inside. (When every vertex projects inside the image, those are the box.)"""
    x_lim, y_lim = (-0.5, width - 0.5), (-0.5, height - 0.5)
    if (cam[:, 2] > BBOX_NEAR_M).all():
        u, v = camera.pixel_coordinates(cam[:, 0], cam[:, 1], cam[:, 2], K)
        box = [float(u.min()), float(v.min()), float(u.max()), float(v.max())]
        if box[0] >= x_lim[0] and box[1] >= y_lim[0] and box[2] <= x_lim[1] and box[3] <= y_lim[1]:
            return box
    planes = view_planes(K, width, height)
    side = cam @ planes[:, :3].T + planes[:, 3]  # (N, 5), >= 0 inside each half-space
    points = [cam[(side >= 0).all(axis=1)]]
    pairs = geometry.edges
    sa, sb = side[pairs[:, 0]], side[pairs[:, 1]]
    for k in range(len(planes)):
        cross = (sa[:, k] >= 0) != (sb[:, k] >= 0)
        if not cross.any():
            continue
        t = sa[cross, k] / (sa[cross, k] - sb[cross, k])
        a, b = cam[pairs[cross, 0]], cam[pairs[cross, 1]]
        p = a + t[:, None] * (b - a)
        others = np.delete(p @ planes[:, :3].T + planes[:, 3], k, axis=1)
        points.append(p[(others >= -1e-9 * np.abs(planes[:, :3]).sum()).all(axis=1)])
    points += _corner_points(cam, side, geometry.triangles, K, width, height)
    seen = np.concatenate(points)
    if not len(seen):
        return None
    u, v = camera.pixel_coordinates(seen[:, 0], seen[:, 1], seen[:, 2], K)
    return [float(np.clip(u.min(), *x_lim)), float(np.clip(v.min(), *y_lim)),  # only rounding reaches past
            float(np.clip(u.max(), *x_lim)), float(np.clip(v.max(), *y_lim))]


#: The modalities the annotations read from every frame (joint visibility: depth, semantic and
#: instance maps); :attr:`phav.io.video_folder.VideoFolderWriter.render_modalities` and the viewer
#: render them whether or not they are written or shown.
ANNOTATION_MODALITIES: tuple[str, ...] = ("depth", "classgt", "instancegt")


def with_annotation_maps(modalities: Sequence[str]) -> tuple[str, ...]:
    """``modalities`` and :data:`ANNOTATION_MODALITIES`, in :data:`phav.frames.MODALITIES` order:
    what to render for a frame whose annotations are built."""
    return tuple(m for m in MODALITIES if m in modalities or m in ANNOTATION_MODALITIES)


def joint_visibility(
    uv: np.ndarray, z: np.ndarray, width: int, height: int, depth: np.ndarray | None = None,
    tolerance: float | np.ndarray = VISIBILITY_DEPTH_TOLERANCE_M, instance: np.ndarray | None = None,
    own_instance: int | None = None, semantic: np.ndarray | None = None, own_parts: np.ndarray | None = None,
) -> np.ndarray:
    """``(J,) bool`` visibility of joints with pixels ``uv (J, 2)`` and z-depths ``z (J,)`` (metres).

    See the module docstring for the rule; ``depth`` is the frame's ``(H, W) float32`` depth map;
    ``tolerance``: metres of surface in front of a joint that do not hide it, one for all or ``(J,)``
    (:func:`depth_tolerances`); ``instance``: the frame's ``(H, W)`` instance ids (with ``depth``),
    and ``own_instance`` the person's: the tolerance then holds only where the surface is theirs;
    ``semantic``: the frame's ``(H, W) uint8`` classes (with ``instance``) and ``own_parts`` the
    ``(J, 256) bool`` table of each joint's surface classes (:func:`surface_part_table`): the
    tolerance then holds only where the surface is theirs and over the joint.
    """
    uv = np.asarray(uv, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        inside = (
            (z > 0)
            & (uv[:, 0] >= -0.5) & (uv[:, 0] < width - 0.5)
            & (uv[:, 1] >= -0.5) & (uv[:, 1] < height - 0.5)
        )
    if depth is None or not inside.any():
        return inside
    depth = np.asarray(depth)
    if depth.shape != (height, width):
        raise ValueError(f"depth map has shape {depth.shape}, expected {(height, width)}")
    col = np.clip(np.floor(uv[:, 0] + 0.5), 0, width - 1).astype(np.int64)
    row = np.clip(np.floor(uv[:, 1] + 0.5), 0, height - 1).astype(np.int64)
    tolerated = np.broadcast_to(np.asarray(tolerance, dtype=np.float64), z.shape)
    if instance is not None:
        if instance.shape != (height, width):
            raise ValueError(f"instance map has shape {instance.shape}, expected {(height, width)}")
        own = instance[row, col] == own_instance
        if semantic is not None and own_parts is not None:
            if semantic.shape != (height, width):
                raise ValueError(f"semantic map has shape {semantic.shape}, expected {(height, width)}")
            own &= own_parts[np.arange(len(z)), semantic[row, col]]
        tolerated = np.where(own, tolerated, 0.0)
    not_hidden = depth[row, col] >= z - tolerated
    return inside & not_hidden


def depth_tolerances(names: Sequence[str]) -> np.ndarray:
    """``(J,)`` depth tolerance (metres) of the joints ``names`` in :func:`joint_visibility`: a
    face point's (:data:`phav.body.skeleton.FACE_POINTS`) or a joint centre's."""
    return np.array([FACE_VISIBILITY_DEPTH_TOLERANCE_M if n in FACE_POINTS else VISIBILITY_DEPTH_TOLERANCE_M
                     for n in names])


def surface_part_table(names: Sequence[str]) -> np.ndarray:
    """``(J, 256) bool``: row ``j`` marks the semantic ids of the surface over joint ``names[j]``
    (:data:`phav.body.mesh.JOINT_SURFACE_PARTS`; every body-part class for a joint it does not list)."""
    table = np.zeros((len(names), 256), dtype=bool)
    for j, name in enumerate(names):
        parts = JOINT_SURFACE_PARTS.get(name)
        if parts is None:
            table[j, BODY_PART_FIRST:BODY_PART_LAST + 1] = True
        else:
            table[j, [class_id(p) for p in parts]] = True
    return table


class AnnotationBuilder:
    """Builds ``annotations.json`` content for a take; depth maps can be fed frame by frame.

    Only the joints' depth samples are kept (not the maps), so memory stays small for long videos::

        builder = AnnotationBuilder(take)
        for frame in frames:
            builder.add_depth(frame.index, frame.depth)
        content = builder.build()
    """

    def __init__(self, take: Take) -> None:
        self.take = take
        self._geometry = [PersonGeometry(take, int(a.instance_id)) for a in take.actors]
        self._tolerances = [depth_tolerances(a.joint_names) for a in take.actors]
        self._parts = [surface_part_table(a.joint_names) for a in take.actors]
        self._depth_visible: dict[int, list[np.ndarray]] = {}
        self._maps: dict[int, list[str]] = {}

    def _project(self, actor: ActorTrack, t: int) -> tuple[np.ndarray, np.ndarray]:
        return camera.project(
            np.asarray(actor.joints_3d[t], dtype=np.float64), self.take.camera_K[t], self.take.camera_world_to_camera[t]
        )

    def add_depth(self, index: int, depth: np.ndarray | None, instance: np.ndarray | None = None,
                  semantic: np.ndarray | None = None) -> None:
        """Use ``depth ((H, W) float32 metres, +inf sky)`` and, if given, ``instance ((H, W) instance
        ids)`` and with it ``semantic ((H, W) uint8 classes)`` for the visibility of frame ``index``
        (0-based)."""
        if depth is None:
            return
        if not 0 <= index < self.take.num_frames:
            raise ValueError(f"frame index {index} outside 0..{self.take.num_frames - 1}")
        if instance is None:
            semantic = None
        vis = []
        for actor, tolerance, parts in zip(self.take.actors, self._tolerances, self._parts):
            uv, z = self._project(actor, index)
            vis.append(joint_visibility(uv, z, self.take.width, self.take.height, depth, tolerance, instance,
                                        int(actor.instance_id), semantic, parts))
        self._depth_visible[index] = vis
        self._maps[index] = [name for name, m in (("depth", depth), ("instance", instance), ("semantic", semantic))
                             if m is not None]

    def frame(self, t: int) -> dict[str, Any]:
        """The annotation record of frame ``t`` (0-based), JSON-able and rounded."""
        take = self.take
        K = np.asarray(take.camera_K[t], dtype=np.float64)
        w2c = np.asarray(take.camera_world_to_camera[t], dtype=np.float64)
        depth_vis = self._depth_visible.get(t)
        persons = []
        for a, (actor, geom) in enumerate(zip(take.actors, self._geometry)):
            joints = np.asarray(actor.joints_3d[t], dtype=np.float64)
            uv, z = self._project(actor, t)
            if depth_vis is not None:
                visible = depth_vis[a]
            else:
                visible = joint_visibility(uv, z, take.width, take.height)
            uv_list = jsonutil.to_jsonable(uv)
            names = list(actor.joint_names)
            bbox_2d = bbox_3d = None
            if not geom.empty:
                verts = geom.world_vertices(take, t)
                bbox_2d = _bbox_2d(camera.to_camera(verts, w2c), geom, K, take.width, take.height)
                columns = np.ascontiguousarray(verts.T)
                lo, hi = columns.min(axis=1), columns.max(axis=1)
                bbox_3d = {"min": lo, "max": hi, "center": (lo + hi) / 2.0, "size": hi - lo}
            # Rows as Python lists first: to_jsonable converts plain floats faster than numpy scalars.
            target, actual = actor.muscle_target[t].tolist(), actor.muscle_actual[t].tolist()
            torque, strength = actor.muscle_torque[t].tolist(), actor.muscle_strength[t].tolist()
            damping = None if actor.muscle_damping is None else actor.muscle_damping[t].tolist()
            muscles = {
                name: {
                    "target": target[m],
                    "actual": actual[m],
                    "torque": torque[m],
                    "strength": strength[m],
                    **({} if damping is None else {"damping": damping[m]}),
                }
                for m, name in enumerate(actor.muscle_joints)
            }
            persons.append(
                {
                    "instance_id": int(actor.instance_id),
                    "name": actor.name,
                    "joints_3d": dict(zip(names, jsonutil.to_jsonable(joints))),
                    "joints_2d": {n: (uv_list[j] if z[j] > 0 else None) for j, n in enumerate(names)},
                    "visible": {n: bool(visible[j]) for j, n in enumerate(names)},
                    "bbox_2d": bbox_2d,
                    "bbox_3d": bbox_3d,
                    "muscles": muscles,
                    "pin_weight": actor.pin_weight[t],
                }
            )
        return jsonutil.to_jsonable(
            {
                "frame": t + 1,
                "camera": {"K": K, "world_to_camera": w2c},
                "visibility_depth_test": depth_vis is not None,
                "visibility_maps": self._maps.get(t, []),
                "persons": persons,
            }
        )

    def build(self) -> dict[str, Any]:
        """The whole ``annotations.json`` content (every frame of the take)."""
        take = self.take
        instances = [
            {
                "id": int(inst.id),
                "name": inst.name,
                "semantic_id": int(inst.semantic_class),
                "semantic_class": CLASS_NAMES[int(inst.semantic_class)],
                "color": [int(c) for c in inst.color],
            }
            for inst in sorted(take.instances, key=lambda i: int(i.id))
        ]
        return {
            "format": METADATA_FORMAT,
            "conventions": {**CONVENTIONS, **ANNOTATION_CONVENTIONS},
            "fps": float(take.fps),
            "width": int(take.width),
            "height": int(take.height),
            "num_frames": take.num_frames,
            "instances": instances,
            "persons": [
                {"instance_id": int(a.instance_id), "name": a.name, "joint_names": list(a.joint_names),
                 "muscle_joints": list(a.muscle_joints)}
                for a in take.actors
            ],
            "frames": [self.frame(t) for t in range(take.num_frames)],
        }

    def text(self) -> str:
        """:func:`annotations_json` of :meth:`build`, the same text, converting each frame's record
        to JSON data once (:meth:`frame` returns it converted; :func:`annotations_json` would
        convert it again: about a third of the CPU time)."""
        content = self.build()
        frames = content.pop("frames")
        data = jsonutil.to_jsonable(content)
        data["frames"] = frames
        return jsonutil.dumps(data, converted=True)


def build_annotations(
    take: Take, depths: Sequence[np.ndarray | None] | Mapping[int, np.ndarray] | None = None,
    instances: Sequence[np.ndarray | None] | Mapping[int, np.ndarray] | None = None,
    semantics: Sequence[np.ndarray | None] | Mapping[int, np.ndarray] | None = None,
) -> dict[str, Any]:
    """``annotations.json`` content of ``take``.

    Args:
        depths: optional depth maps ``(H, W) float32`` metres by 0-based frame index (a sequence or
            a mapping; missing or ``None`` entries: visibility without the occlusion test).
        instances, semantics: optional instance maps ``(H, W)`` and semantic maps ``(H, W) uint8`` by
            frame index, the same way (used where the frame has a depth map, semantics where it has
            an instance map too).
    """
    def by_frame(maps: Any) -> dict[int, np.ndarray]:
        if maps is None:
            return {}
        return {int(k): v for k, v in (maps.items() if isinstance(maps, Mapping) else enumerate(maps))}

    builder = AnnotationBuilder(take)
    instance_maps, semantic_maps = by_frame(instances), by_frame(semantics)
    for index, depth in by_frame(depths).items():
        builder.add_depth(index, depth, instance_maps.get(index), semantic_maps.get(index))
    return builder.build()


def annotations_json(content: Mapping[str, Any]) -> str:
    """Deterministic compact text of ``annotations.json`` (sorted keys, no spaces, 6 decimals)."""
    return jsonutil.dumps(content)


def write_annotations(path: str | Path, content: Mapping[str, Any]) -> None:
    """Write ``annotations.json``."""
    write_annotations_text(path, annotations_json(content))


def write_annotations_text(path: str | Path, text: str) -> None:
    """Write ``annotations.json`` from its text (:func:`annotations_json` or
    :meth:`AnnotationBuilder.text`): UTF-8, ``\\n`` line ends on every platform."""
    Path(path).write_text(text, encoding="utf-8", newline="\n")
