"""One smooth, continuous, clothed skin per person, generated from the skeleton (DESIGN §5).

:func:`build_skin` places the skeleton in a bind pose (arms slightly raised, legs slightly apart so
limbs do not fuse), samples the body's signed distance field (:mod:`phav.body.skin_plan` pieces,
thickened where clothing covers them, :mod:`phav.body.clothing`) on a regular grid, meshes it with
surface nets, projects the vertices onto the surface, and computes per vertex:

* the normal (gradient of the field),
* up to 4 bone weights: soft-min of the distances to each link's pieces, restricted to the
  nearest link, its parent and its children (so left and right legs never pull on each other),
* one of the 27 body-part classes, from the nearest body link's labeller
  (:func:`phav.body.mesh.label_function` in that link's bind frame; hair counts as head, and
  clothing keeps the label of the body part beneath it),
* albedo and (roughness, metalness) from the outfit.

Vertices shared by triangles of different labels are duplicated (a triangle's label is its first
vertex's). The result is a :class:`phav.take.Skin` whose bones are the skeleton's links in order.
"""

from __future__ import annotations

import functools

import numpy as np

from phav.body import skin_sdf as sdf
from phav.body.clothing import BOTTOM, EYE, HAIR, LIPS, SHOE, SHOE_THICKNESS, SKIN, TOP, Outfit, coverage, garment_albedo
from phav.body.mesh import label_function
from phav.body.skeleton import Skeleton
from phav.body.skin_plan import Piece, child_offset, link_groups, link_pieces
from phav.labels import class_id
from phav.take import Mesh, Skin

#: Arm abduction of the bind pose, radians (keeps arms off the torso).
BIND_ARM_ANGLE = 0.32
#: Leg abduction of the bind pose, radians.
BIND_LEG_ANGLE = 0.04
#: Blend radius between the trunk and each limb or the head, metres.
JOIN_BLEND = 0.035
#: Links whose surface is dressed (garments, belt line) as another link: the waist is the pelvis's.
DRESSED_AS = {"abdomen": "pelvis"}
#: Width of the skinning-weight blend across a joint, metres.
WEIGHT_SOFTNESS = 0.012
#: Default grid spacing, metres: about 17k triangles and 0.2 s per person (2-core CPU), enough
#: for a person 100-250 px tall at 340x256.
DEFAULT_RESOLUTION = 0.018
#: A coarser, opt-in grid spacing, metres (``RenderSettings(skin_resolution=PREVIEW_RESOLUTION)``):
#: about half the default's triangles (9.4k mean over the 20 presets against 17k); the coarsest
#: spacing at which every preset (the children included) keeps all 27 body-part labels. No quality
#: preset uses it by default: a spec's ground truth must not depend on the quality.
PREVIEW_RESOLUTION = 0.024
#: Small face features (eyes, lips, brows) are thinner than coarse grids: at a spacing ``h`` above
#: :data:`DEFAULT_RESOLUTION` each claims (colours) the vertices within ``h - DEFAULT_RESOLUTION``
#: metres of it, so the face stays readable; at the default and finer nothing changes.
FEATURE_TAGS = ("eye", "lips", "brow")
#: Iris albedo; at coarse grids every eye vertex takes it (an eye is then a few vertices: dark, it
#: reads at 340x256; with the eyeball's white it looked blind).
IRIS = (0.12, 0.07, 0.04)


def _rot_x(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def bind_pose(skeleton: Skeleton) -> dict[str, np.ndarray]:
    """Link name -> ``(4, 4) float64`` link-to-world transform in the bind pose (root joint at
    ``(0, 0, leg_length)``; upper arms and thighs turned outwards about the x axis)."""
    out: dict[str, np.ndarray] = {}
    for link in skeleton.links:
        local = np.eye(4)
        local[:3, 3] = link.offset
        sign = 1.0 if link.name.startswith("left") else -1.0
        if link.name.endswith("_upper_arm"):
            local[:3, :3] = _rot_x(sign * BIND_ARM_ANGLE)
        elif link.name.endswith("_thigh"):
            local[:3, :3] = _rot_x(sign * BIND_LEG_ANGLE)
        if link.parent is None:
            local[:3, 3] = (0.0, 0.0, skeleton.segments.leg_length)
            out[link.name] = local
        else:
            out[link.name] = out[link.parent] @ local
    return out


class _Body:
    """The pieces of one person in bind pose, with their clothing thickness, and the field."""

    def __init__(self, skeleton: Skeleton, outfit: Outfit):
        self.skeleton, self.outfit = skeleton, outfit
        self.bind = bind_pose(skeleton)
        self.groups = link_groups(skeleton)
        self.pieces: list[Piece] = []
        self.seg_length: dict[str, float] = {}
        for link in skeleton.links:
            off = child_offset(skeleton, link)
            self.seg_length[link.name] = 0.0 if off is None else float(np.linalg.norm(off))
            self.pieces += link_pieces(skeleton, link, outfit.hair_style, outfit.skirt_length, outfit.chest_shape,
                                       sole_layer=0.0 if outfit.shoes.kind == "barefoot" else SHOE_THICKNESS)
        seg = skeleton.segments
        self.neck_z = seg.chest_to_neck - 0.15 * seg.chest_radius

    def local(self, link: str, points: np.ndarray) -> np.ndarray:
        m = self.bind[link]
        return (points - m[:3, 3]) @ m[:3, :3]

    def world_box(self, piece: Piece, margin: float) -> tuple[np.ndarray, np.ndarray]:
        m = self.bind[piece.link]
        corners = np.array([[x, y, z] for x in (piece.lo[0], piece.hi[0]) for y in (piece.lo[1], piece.hi[1])
                            for z in (piece.lo[2], piece.hi[2])])
        w = corners @ m[:3, :3].T + m[:3, 3]
        return w.min(axis=0) - margin, w.max(axis=0) + margin

    def piece_distance(self, piece: Piece, points: np.ndarray) -> np.ndarray:
        """Signed distance of one piece (clothing thickness included) at world points."""
        local = self.local(piece.link, points)
        d = piece.fn(local)
        if piece.tag == "body":
            _, thickness = self.coverage(piece.link, points)
            d = d - thickness
        return d

    def coverage(self, link: str, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Garment codes and thickness at world ``points (N, 3)`` on ``link``'s surface. The waist
        (``abdomen``) is dressed as the pelvis (same belt line, same garments)."""
        dressed = DRESSED_AS.get(link, link)
        return coverage(self.outfit, dressed, self.local(dressed, points), self.seg_length[dressed], self.neck_z)

    def _box_margin(self, piece: Piece, margin: float) -> float:
        return margin + piece.k + 0.015

    @staticmethod
    def _blend(piece: Piece, g: np.ndarray, d: np.ndarray) -> np.ndarray:
        return sdf.smax(g, -d, piece.k) if piece.op == "subtract" else sdf.smin(g, d, piece.k)

    def _join(self, groups: dict[str, np.ndarray]) -> np.ndarray:
        trunk = groups.pop("trunk")
        total = trunk.copy()
        for g in groups.values():
            np.minimum(total, sdf.smin(trunk, g, JOIN_BLEND), out=total)
        return total

    def field(self, points: np.ndarray, margin: float, per_piece: bool = False):
        """The body's signed distance at ``(N, 3)`` world points (exact within ``margin`` of the
        surface; 1 m far from every piece); with ``per_piece`` also the ``(N, pieces)`` distances
        (``inf`` outside a piece's bounds)."""
        n = len(points)
        x, y, z = (np.ascontiguousarray(points[:, a]) for a in range(3))
        groups = {g: np.ones(n) for g in set(self.groups.values())}
        dist = np.full((n, len(self.pieces)), np.inf) if per_piece else None
        for i, piece in enumerate(self.pieces):
            lo, hi = self.world_box(piece, self._box_margin(piece, margin))
            mask = (x >= lo[0]) & (x <= hi[0]) & (y >= lo[1]) & (y <= hi[1]) & (z >= lo[2]) & (z <= hi[2])
            idx = np.flatnonzero(mask)
            if len(idx) == 0:
                continue
            d = self.piece_distance(piece, points[idx])
            if dist is not None:
                dist[idx, i] = d
            g = groups[self.groups[piece.link]]
            g[idx] = self._blend(piece, g[idx], d)
        total = self._join(groups)
        return (total, dist) if per_piece else total

    def field_grid(self, origin: np.ndarray, step: float, shape: tuple[int, int, int], margin: float) -> np.ndarray:
        """The field sampled at ``origin + step * (i, j, k)`` on a ``shape`` grid, same values as
        :meth:`field` at those points; each piece is evaluated only on the grid block its bounding
        box covers (no per-point masks)."""
        origin = np.asarray(origin, dtype=np.float64)
        dims = np.asarray(shape)
        groups = {g: np.ones(shape) for g in set(self.groups.values())}
        for piece in self.pieces:
            lo, hi = self.world_box(piece, self._box_margin(piece, margin))
            i0 = np.maximum(np.ceil((lo - origin) / step - 1e-9).astype(int), 0)
            i1 = np.minimum(np.floor((hi - origin) / step + 1e-9).astype(int) + 1, dims)
            if np.any(i1 <= i0):
                continue
            axes = [origin[a] + step * np.arange(i0[a], i1[a]) for a in range(3)]
            pts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
            d = self.piece_distance(piece, pts).reshape(tuple(i1 - i0))
            block = groups[self.groups[piece.link]][i0[0]:i1[0], i0[1]:i1[1], i0[2]:i1[2]]
            block[...] = self._blend(piece, block, d)
        return self._join(groups)

    def value_and_gradient(self, points: np.ndarray, margin: float, eps: float) -> tuple[np.ndarray, np.ndarray]:
        """Field ``(N,)`` and its central-difference gradient ``(N, 3)`` (step ``eps``), from one
        batched evaluation of ``7 N`` points."""
        n = len(points)
        offsets = np.concatenate([np.zeros((1, 3)), np.eye(3) * eps, -np.eye(3) * eps])
        f = self.field((points[None, :, :] + offsets[:, None, :]).reshape(-1, 3), margin).reshape(7, n)
        return f[0], ((f[1:4] - f[4:7]) / (2.0 * eps)).T


def _orient(positions: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Surface nets winds every quad consistently; flip them all if the mesh's signed volume is
    negative, so faces wind counter-clockwise seen from outside. (Flipping single triangles by their
    vertex normals would break the consistency where thin features make normals noisy.)"""
    a, b, c = positions[tris[:, 0]], positions[tris[:, 1]], positions[tris[:, 2]]
    volume = np.einsum("ij,ij->i", a, np.cross(b, c)).sum()
    return tris if volume > 0 else tris[:, ::-1].copy()


def _weights(body: _Body, dist: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bone indices ``(V, 4)``, weights ``(V, 4)`` and the nearest body link ``(V,)`` per vertex."""
    links = body.skeleton.link_names
    index = {n: i for i, n in enumerate(links)}
    piece_link = np.array([index[p.link] for p in body.pieces])
    is_skirt = np.array([p.tag == "skirt" for p in body.pieces])
    is_body = np.array([p.tag in ("body", "face", "lips", "eye", "brow") for p in body.pieces])
    V, L = len(positions), len(links)
    per_link = np.full((V, L), np.inf)
    body_link = np.full((V, L), np.inf)
    for li in range(L):
        cols = piece_link == li
        per_link[:, li] = dist[:, cols].min(axis=1)
        if (cols & is_body).any():
            body_link[:, li] = dist[:, cols & is_body].min(axis=1)
    nearest = np.argmin(per_link, axis=1)
    nearest_body = np.argmin(body_link, axis=1)
    parent = np.array([index.get(l.parent, -1) if l.parent else -1 for l in body.skeleton.links])
    allowed = np.zeros((L, L), dtype=bool)
    for li in range(L):
        allowed[li, li] = True
        if parent[li] >= 0:
            allowed[li, parent[li]] = allowed[parent[li], li] = True
    d = np.where(allowed[nearest], per_link, np.inf)
    w = np.exp(-(d - d.min(axis=1, keepdims=True)) / WEIGHT_SOFTNESS)
    # Skirts hang from the pelvis and follow the thighs more towards the hem.
    skirt_v = np.argmin(dist, axis=1)
    skirt_v = is_skirt[skirt_v]
    if skirt_v.any():
        pelvis = index[links[0]]
        thighs = [index[n] for n in links if n.endswith("_thigh")]
        local = body.local(links[0], positions[skirt_v])
        depth = np.clip(-local[:, 2] / max(body.skeleton.segments.thigh, 1e-6), 0.0, 1.0)
        ws = np.zeros((int(skirt_v.sum()), L))
        dt = body_link[skirt_v][:, thighs]
        # Softmin over the thighs' distances; a vertex no thigh reaches (all inf) splits evenly.
        reached = np.isfinite(dt)
        nearest_thigh = np.where(reached, dt, np.inf).min(axis=1, keepdims=True)
        share = np.where(reached, np.exp(-(np.where(reached, dt, 0.0) - np.where(np.isfinite(nearest_thigh), nearest_thigh, 0.0)) / 0.05), 0.0)
        share[~reached.any(axis=1)] = 1.0
        share /= share.sum(axis=1, keepdims=True)
        ws[:, pelvis] = 1.0 - 0.6 * depth
        ws[:, thighs] = (0.6 * depth)[:, None] * share
        w[skirt_v] = ws
    order = np.argsort(-w, axis=1)[:, :4]
    top = np.take_along_axis(w, order, axis=1)
    top /= top.sum(axis=1, keepdims=True)
    return order.astype(np.uint16), top.astype(np.float32), nearest_body


def _labels(body: _Body, positions: np.ndarray, nearest_body: np.ndarray, tags: np.ndarray) -> np.ndarray:
    seg = body.skeleton.segments
    out = np.zeros(len(positions), dtype=np.uint8)
    for li, link in enumerate(body.skeleton.links):
        sel = nearest_body == li
        if sel.any():
            out[sel] = label_function(link, seg)(body.local(link.name, positions[sel]))
    out[tags == "hair"] = class_id("Head")
    return out


def _appearance(body: _Body, positions: np.ndarray, nearest_body: np.ndarray, tags: np.ndarray,
                labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Albedo ``(V, 3)`` and material ``(V, 2)`` per vertex."""
    o = body.outfit
    V = len(positions)
    code = np.full(V, SKIN, dtype=np.int8)
    for li, link in enumerate(body.skeleton.links):
        sel = nearest_body == li
        if sel.any():
            code[sel], _ = body.coverage(link.name, positions[sel])
    code[tags == "skirt"] = TOP if o.top.kind == "dress" else BOTTOM
    code[tags == "hair"] = HAIR
    code[tags == "eye"] = EYE
    code[tags == "lips"] = LIPS
    code[(tags == "face") | (tags == "brow")] = SKIN
    skin = np.asarray(o.skin)
    albedo = np.tile(skin, (V, 1))
    rough = np.full(V, 0.5)
    for c, g in ((TOP, o.top), (BOTTOM, o.bottom), (SHOE, o.shoes)):
        sel = code == c
        if sel.any():
            albedo[sel] = garment_albedo(g, positions[sel], o.noise_seed + c)
            rough[sel] = g.roughness
    albedo[code == HAIR] = o.hair_color
    rough[code == HAIR] = 0.45
    albedo[tags == "brow"] = 0.3 * skin + 0.7 * np.asarray(o.hair_color)
    albedo[code == LIPS] = skin * np.array([0.85, 0.55, 0.55])
    eye = code == EYE
    if eye.any():
        head = body.local("head", positions[eye])
        # Iris and pupil where the eyeball faces forwards (eyes sit at the head's +x side).
        forward = head[:, 0] - head[:, 0].min()
        frac = forward / max(float(np.ptp(head[:, 0])), 1e-6)
        col = np.tile([0.8, 0.78, 0.75], (int(eye.sum()), 1))
        col[frac > 0.75] = IRIS
        col[frac > 0.9] = (0.01, 0.01, 0.01)
        albedo[eye] = col
        rough[eye] = 0.1
    return albedo, np.stack([rough, np.zeros(V)], axis=1)


def _split(tris: np.ndarray, vertex_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Duplicate vertices so no vertex serves two triangle labels; triangle label = majority of its
    vertices'. Returns (source vertex per new vertex, new triangles, label per new vertex)."""
    tl = vertex_labels[tris]
    label = np.where(tl[:, 1] == tl[:, 2], tl[:, 1], tl[:, 0])
    keys = tris.astype(np.int64) * 256 + label[:, None].astype(np.int64)
    unique, inverse = np.unique(keys.reshape(-1), return_inverse=True)
    return unique // 256, inverse.reshape(-1, 3), (unique % 256).astype(np.uint8)


@functools.lru_cache(maxsize=8)
def build_skin(skeleton: Skeleton, outfit: Outfit, resolution: float = DEFAULT_RESOLUTION, name: str = "person") -> Skin:
    """The skinned, clothed mesh of a person (bones = ``skeleton.links`` in order, ``bone_parts``
    ``0..B-1``; the caller offsets them to the take's part indices).

    Args:
        skeleton: the person's skeleton (any :class:`Segments`).
        outfit: clothes, hair and skin colour.
        resolution: grid spacing, metres (0.01: about 57k triangles; 0.018 default: about 17k; 0.024
            preview: about 9k).

    Raises:
        ValueError: resolution outside 2 mm - 5 cm.
    """
    if not 0.002 <= resolution <= 0.05:
        raise ValueError(f"skin resolution {resolution} m is outside 0.002-0.05 m")
    body = _Body(skeleton, outfit)
    h = resolution
    boxes = [body.world_box(p, 0.02) for p in body.pieces]
    lo = np.min([b[0] for b in boxes], axis=0) - 3 * h
    hi = np.max([b[1] for b in boxes], axis=0) + 3 * h
    shape = tuple(int(np.ceil(v)) + 1 for v in (hi - lo) / h)
    field = body.field_grid(lo, h, shape, 2 * h)
    positions, tris = sdf.surface_nets(field, lo, h)
    # One Newton step onto the surface (surface-nets vertices lie within about h/2 of it and the
    # field is a distance, |grad| ~ 1); its gradient, taken h/2 away, is the vertex normal.
    f, normals = body.value_and_gradient(positions, 2 * h, 0.5 * h)
    move = (f / np.maximum(np.sum(normals * normals, axis=1), 1e-6))[:, None] * normals
    length = np.linalg.norm(move, axis=1, keepdims=True)
    positions = positions - move * np.minimum(1.0, h / np.maximum(length, 1e-12))  # at most one cell
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    tris = _orient(positions, tris)
    _, dist = body.field(positions, 2 * h, per_piece=True)
    piece_tags = np.array([p.tag for p in body.pieces])
    tags = piece_tags[np.argmin(dist, axis=1)]
    if h > DEFAULT_RESOLUTION:
        for feature in (f for f in FEATURE_TAGS if (piece_tags == f).any()):
            near = dist[:, piece_tags == feature].min(axis=1) < h - DEFAULT_RESOLUTION
            tags = np.where(near & (tags != "eye"), feature, tags)
    bones, weights, nearest_body = _weights(body, dist, positions)
    labels = _labels(body, positions, nearest_body, tags)
    albedo, material = _appearance(body, positions, nearest_body, tags, labels)
    if h > DEFAULT_RESOLUTION:
        albedo[tags == "eye"] = IRIS
        material[tags == "eye", 0] = 0.5  # a glossy highlight over a few vertices reads as a white blot
    src, tris, labels = _split(tris, labels)
    mesh = Mesh(name, positions[src], normals[src], albedo[src], labels, tris, material=material[src])
    inverse_bind = np.stack([np.linalg.inv(body.bind[n]) for n in skeleton.link_names])
    return Skin(mesh, np.arange(len(skeleton.links)), inverse_bind, bones[src], weights[src], closed=True)
