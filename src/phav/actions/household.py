"""Procedural everyday actions with objects: Sit (onto a chair, bench or sofa), Pick (an object from
the floor) and BrushHair (strokes of a hair brush down the side and back of the head). Key poses +
IK (:mod:`phav.motion.keyposes`), props from :mod:`phav.actions.objects` and :mod:`phav.actions.stage`.

Sizes scale with the actor: ``k = height / 1.75`` for furniture, arm reach for hand targets, so a
child sits on a child-sized chair. Thresholds in the signatures are fractions of the height ``h``.
"""

from __future__ import annotations

import numpy as np

from phav.actions import signals as S
from phav.actions.objects import hair_brush, seat
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, SignatureResult, register
from phav.actions.stage import Grasp, HeldProp, PlacedProp
from phav.body.skeleton import FACE_FEATURES, FACE_HEAD_RADIUS, SIDES, Skeleton
from phav.geometry import quat_conjugate, quat_from_axis_angle, quat_multiply, quat_rotate
from phav.motion.ik import arm_ik_many, matrix_to_quat
from phav.motion.keyposes import Key, standing_height, synthesize
from phav.motion.ops import mirror
from phav.motion.rotations import quat_from_rotvec
from phav.motion.spine import chest_frame
from phav.physics.variations import Prop
from phav.take import Take

#: Adult height the furniture of :mod:`phav.worlds` is built for, metres.
FURNITURE_HEIGHT = 1.75
SEAT_KINDS = ("chair", "bench", "sofa")


def reach(sk: Skeleton) -> float:
    """Shoulder-to-wrist length of the straight arm, metres."""
    return -sk.link("right_forearm").offset[2] - sk.link("right_hand").offset[2]


def chest_point(sk: Skeleton, point, pelvis=(0.0, 0.0, 0.0), pelvis_rot=(0.0, 0.0, 0.0),
                chest=(0.0, 0.0, 0.0)) -> np.ndarray:
    """A body-frame point ``(3,)`` in the chest frame of a key with these pelvis and chest values
    (what :class:`~phav.motion.keyposes.Key` ``hands`` expects)."""
    pq = quat_from_rotvec(np.asarray(pelvis_rot, dtype=np.float64))
    offset, spine = chest_frame(sk, np.asarray(chest, dtype=np.float64))  # the spine split as in synthesize
    cq = quat_multiply(pq, spine)
    p = np.array([0.0, 0.0, standing_height(sk)]) + np.asarray(pelvis, dtype=np.float64)
    c = p + quat_rotate(pq, offset)
    return quat_rotate(quat_conjugate(cq), np.asarray(point, dtype=np.float64) - c)


# ---- Sit ------------------------------------------------------------------------------------------
def sit_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    k = min(1.0, seg.height / FURNITURE_HEIGHT) * float(rng.uniform(0.95, 1.05))
    kind = SEAT_KINDS[int(rng.integers(len(SEAT_KINDS)))]
    s = seat(kind, rng, k)
    wait = float(rng.uniform(0.2, 0.6))  # standing before sitting down, s
    descent = float(rng.uniform(0.9, 1.5))  # s
    lean = float(rng.uniform(0.35, 0.7))  # forward lean at mid-descent, rad
    hands = ("knees", "lap", "beside")[int(rng.integers(3))]
    # seated pelvis: thighs on the seat, knees over the feet (which stay where they stood)
    back = 0.85 * seg.thigh
    seated = np.array([-back, 0.0, s.top + seg.thigh_radius + 0.01 - standing_height(sk)])
    origin_x = -back + 0.45 * seg.thigh - s.front  # the seat's front edge half a thigh ahead of the pelvis
    mid = seated * np.array([0.6, 0.0, 0.55])
    r = reach(sk)
    if hands == "knees":
        targets = {side: np.array([-back + seg.thigh, (1 if side == "left" else -1) * seg.hip_half_width,
                                   s.top + 0.12 * r]) for side in SIDES}
    elif hands == "lap":
        targets = {side: np.array([-back + 0.55 * seg.thigh, (0.5 if side == "left" else -0.5) * seg.hip_half_width,
                                   s.top + 0.15 * r]) for side in SIDES}
    else:
        targets = {side: np.array([-back, (1 if side == "left" else -1) * (seg.hip_half_width + 0.22 * r),
                                   s.top + 0.03]) for side in SIDES}
    rot_end = (0.0, 0.12, 0.0)
    hand_keys = {side: chest_point(sk, p, seated, rot_end) for side, p in targets.items()}
    t1 = wait + descent
    keys = [Key(0.0), Key(wait),
            Key(wait + 0.55 * descent, pelvis=tuple(mid), pelvis_rot=(0.0, lean, 0.0), look=(2.0, 0.0, 0.8)),
            Key(t1, pelvis=tuple(seated), pelvis_rot=rot_end, hands=hand_keys, ease="ease_out"),
            Key(max(ctx.duration, t1) + 0.3, pelvis=tuple(seated), pelvis_rot=rot_end, hands=hand_keys)]
    clip = synthesize(sk, keys, duration=keys[-1].time, name="sit")
    style = {"seat": kind, "seat_scale": k, "seat_top_m": s.top, "wait_s": wait, "descent_s": descent,
             "lean_rad": lean, "hands": hands}
    return ActionPlan(clip, [PlacedProp(s.prop, (origin_x, 0.0, 0.0))], style, "procedural key poses + IK (sit)")


def sit_signature(take: Take) -> SignatureResult:
    """Sit: the pelvis drops by at least 0.1 h and settles (last 0.3 s) at seat height (within
    0.1 h above the seat top) over the seat (within 0.35 h of the seat's origin horizontally)."""
    h = S.body_height(take)
    style = take.meta["action"]
    top = float(style["seat_top_m"])
    p = S.joint(take, "pelvis")
    chair = S.prop(take, style["seat"])
    n = max(1, int(round(0.3 * take.fps)))
    end = p[-n:]
    drop = float((p[0, 2] - end[:, 2].mean()) / h)
    above = (end[:, 2] - top) / h
    off = float(np.linalg.norm(end[:, :2].mean(axis=0) - chair[-1, :2]) / h)
    ok = drop >= 0.1 and bool(np.all((above > 0.0) & (above < 0.1))) and off < 0.35
    return SignatureResult(ok, f"pelvis dropped {drop:.2f} h to {above.mean():.3f} h above the seat, "
                               f"{off:.2f} h from its centre")


# ---- Pick -----------------------------------------------------------------------------------------
def pick_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    r = reach(sk)
    side = SIDES[int(rng.integers(2))]
    squat = float(rng.uniform(0.0, 1.0))  # 0 stoop (bend at the hips) .. 1 squat (bend the knees)
    approach = float(rng.uniform(0.6, 1.0))  # s to reach down
    hold = float(rng.uniform(0.2, 0.5))  # s at the bottom
    ahead = float(rng.uniform(0.23, 0.27)) * seg.height  # object distance in front
    shape = ("box", "sphere")[int(rng.integers(2))]
    colour = tuple(float(c) for c in rng.uniform(0.1, 0.9, 3))
    if shape == "box":
        size = tuple(float(x) for x in rng.uniform([0.1, 0.1, 0.12], [0.18, 0.18, 0.22]) * min(1.0, seg.height / 1.6))
        obj = Prop("object", "Misc", "box", size, colour, 0.4)
        top = size[2]
    else:
        rad = float(rng.uniform(0.08, 0.11)) * min(1.0, seg.height / 1.6)
        obj, top = Prop("object", "Ball", "sphere", (rad,), colour, 0.3), 2 * rad
    # built right-handed, mirrored for the left: the object lies ahead, on the right
    y = -seg.hip_half_width - 0.3 * seg.shoulder_half_width
    spot = np.array([ahead, y, top / 2])
    h0 = standing_height(sk)
    down = (0.3 + 0.27 * squat) * h0
    lean = 1.15 - 0.55 * squat
    pelvis = (-0.1 * seg.thigh * (1.0 - squat), 0.0, -down)
    pel_rot = (0.0, lean, 0.0)
    grip = np.array([ahead, y, top + 0.6 * seg.hand_radius])
    low = {"right": chest_point(sk, grip, pelvis, pel_rot, (0.0, 0.3, 0.0))}
    t_low = 0.3 + approach
    up_hand = {"right": np.asarray(sk.link("right_upper_arm").offset) + r * np.array([0.45, 0.1, -0.55])}
    keys = [Key(0.0), Key(0.3, look=(1.0, -0.2, 0.0)),
            Key(t_low, pelvis=pelvis, pelvis_rot=pel_rot, chest=(0.0, 0.3, 0.0), hands=low, look=tuple(spot)),
            Key(t_low + hold, pelvis=pelvis, pelvis_rot=pel_rot, chest=(0.0, 0.3, 0.0), hands=low, look=tuple(spot)),
            Key(t_low + hold + approach, hands=up_hand, elbow_pole=(-0.5, -0.6, -0.6))]
    end = max(ctx.duration, keys[-1].time) + 0.3
    keys.append(Key(end, hands=up_hand, elbow_pole=(-0.5, -0.6, -0.6)))
    clip = synthesize(sk, keys, duration=end, name="pick")
    if side == "left":
        clip = mirror(clip, name="pick")
        spot = spot * np.array([1.0, -1.0, 1.0])
    grasp = Grasp(obj, spot, side, t_low + 0.5 * hold, reach=0.6 * seg.hand_radius + 0.06 * seg.height / 1.75)
    style = {"hand": side, "squat": squat, "approach_s": approach, "hold_s": hold, "ahead_m": ahead, "object": shape}
    return ActionPlan(clip, [grasp], style, "procedural key poses + IK (pick)")


def pick_signature(take: Take) -> SignatureResult:
    """Pick: the object, resting on the floor at first, is lifted by at least 0.25 h and ends held
    (within 0.12 h of a wrist)."""
    h = S.body_height(take)
    obj = S.prop(take, "object")
    lift = float((obj[-1, 2] - obj[0, 2]) / h)
    near = min(float(np.linalg.norm(S.joint(take, f"{s}_wrist")[-1] - obj[-1]) / h) for s in SIDES)
    ok = lift >= 0.25 and near < 0.12
    return SignatureResult(ok, f"object lifted {lift:.2f} h, {near:.3f} h from the hand")


# ---- BrushHair ------------------------------------------------------------------------------------
#: A stroke moves the brush head down the side/back of the head by at least this fraction of body height.
BRUSH_STROKE_PER_H = 0.04
#: The brush's bristle face centre in its body frame (the grip at the origin, the handle along +x,
#: bristles on -z: :func:`phav.actions.objects.hair_brush`).
BRUSH_FACE = (0.16, 0.0, -0.032)


def _hand_frame(sk: Skeleton, side: str, wrist: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """The ``side`` hand's orientation ``(4,)`` (chest frame) with the wrist at ``wrist`` and the
    elbow towards ``pole`` (the forearm's frame: the wrist joint is fixed)."""
    r = arm_ik_many(sk, side, wrist.reshape(1, 3), pole.reshape(1, 3))
    bend = quat_from_axis_angle(np.asarray(sk.link(f"{side}_forearm").axis, dtype=np.float64), r.bend)
    return quat_multiply(r.root_quat, bend)[0]


def _frame_quat(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The orientation whose +x is ``x`` and +z is ``z`` made orthogonal to it."""
    x = x / np.linalg.norm(x)
    z = z - np.dot(z, x) * x
    z = z / np.linalg.norm(z)
    return matrix_to_quat(np.stack([x, np.cross(z, x), z], axis=1))


def brush_build(ctx: BuildContext) -> ActionPlan:
    """Strokes down the side and back of the head: the brush head, bristles to the hair, goes from
    the crown to the nape beside the ear, lifts off and returns to the crown. Built for the right
    hand (the brush on the right side of the head) and mirrored for the left."""
    rng, sk = ctx.rng, ctx.skeleton
    seg = sk.segments
    side = SIDES[int(rng.integers(2))]
    stroke = float(rng.uniform(0.45, 0.8))  # s per stroke (crown to nape)
    strokes = int(rng.integers(3, 6))
    tilt = float(rng.uniform(0.0, 0.15))  # chest (and head) tilt towards the brush, rad
    back = float(rng.uniform(0.0, 1.0))  # 0 strokes the side of the head, 1 the back
    low = float(rng.uniform(-1.0, -0.6))  # how far down the stroke goes (elevation at its end, rad)
    head = np.asarray(sk.link("head").offset, dtype=np.float64) + np.array([0.0, 0.0, seg.neck_to_head])
    rc = 1.12 * seg.head_radius  # the hair's surface
    azimuth = -np.radians(115.0 + 25.0 * back)  # right side of the head (0 ahead, -90 the right ear)

    def on_head(el: float, az: float) -> tuple[np.ndarray, np.ndarray]:
        """A point on the hair and its outward normal: a sphere above the ears, hair hanging
        straight down below them (``el`` elevation, ``az`` azimuth, radians)."""
        if el >= 0.0:
            n = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
            return head + rc * n, n
        n = np.array([np.cos(az), np.sin(az), 0.0])
        return head + rc * n + np.array([0.0, 0.0, rc * np.sin(el)]), n

    offset = np.array([0.0, 0.0, -2.0 * seg.hand_radius])  # the grip across the fingers' base (hand frame)
    face = np.asarray(BRUSH_FACE)
    # the attachment: at mid-stroke the brush lies on the hair, its handle running forward and out
    # to the hand beside the head, bristles in
    mid_c, mid_n = on_head(0.1, azimuth - 0.1)
    fwd = np.cross([0.0, 0.0, 1.0], mid_n)
    fwd = fwd / np.linalg.norm(fwd)
    if fwd[0] < 0:
        fwd = -fwd
    brush_q = _frame_quat(-fwd, mid_n)  # handle: grip -> head backwards along the hair; bristles (-z) in
    grip = mid_c - quat_rotate(brush_q, face)
    poles = {"top": np.array([0.1, -1.0, 0.35]), "mid": np.array([-0.1, -1.0, 0.0]),
             "bottom": np.array([-0.2, -1.0, -0.45])}
    wrist = grip - 0.1 * mid_n
    for _ in range(4):
        hand_q = _hand_frame(sk, "right", wrist, poles["mid"])
        wrist = grip - quat_rotate(hand_q, offset)
    attach = quat_multiply(quat_conjugate(hand_q), brush_q)  # brush orientation in the hand frame

    def wrist_for(c: np.ndarray, pole: np.ndarray) -> np.ndarray:
        """The wrist target putting the brush face at ``c`` (chest frame)."""
        w = wrist.copy()
        for _ in range(6):
            q = _hand_frame(sk, "right", w, pole)
            w = w + (c - (w + quat_rotate(q, offset + quat_rotate(attach, face))))
        return w

    path = {"top": on_head(np.radians(50.0), azimuth + 0.15), "mid": (mid_c, mid_n),
            "bottom": on_head(low, azimuth - 0.25)}
    hands = {k: wrist_for(c, poles[k]) for k, (c, _) in path.items()}
    lift = 0.06 * seg.height / 1.75
    off = hands["mid"] + lift * (path["mid"][1] + np.array([0.0, 0.0, 0.6]))  # lifted off the hair, returning
    chest = (tilt, 0.0, 0.0)
    look = (3.0, 0.0, 1.45 * seg.height / 1.75)

    def key(t, where, pole, ease="smooth"):
        return Key(t, hands={"right": where}, elbow_pole=tuple(pole), chest=chest, look=look, ease=ease)

    keys = [Key(0.0, look=look), key(0.7, off, poles["mid"]), key(0.9, hands["top"], poles["top"])]
    t = 0.9
    for _ in range(strokes):
        keys += [key(t + 0.5 * stroke, hands["mid"], poles["mid"], "ease_in"),
                 key(t + stroke, hands["bottom"], poles["bottom"], "ease_out"),
                 key(t + 1.35 * stroke, off, poles["mid"]),
                 key(t + 1.7 * stroke, hands["top"], poles["top"])]
        t += 1.7 * stroke
    keys.append(key(max(ctx.duration, t) + 0.3, hands["top"], poles["top"]))
    clip = synthesize(sk, keys, duration=keys[-1].time, name="brush_hair")
    if side == "left":
        clip = mirror(clip, name="brush_hair")
        attach = attach * np.array([-1.0, 1.0, -1.0, 1.0])  # mirrored across the x-z plane
        offset = offset * np.array([1.0, -1.0, 1.0])
    brush = HeldProp(hair_brush(rng), side, offset=tuple(offset), orientation=tuple(attach))
    style = {"hand": side, "stroke_s": stroke, "strokes": strokes, "tilt_rad": tilt, "back": back,
             "stroke_end_rad": low}
    return ActionPlan(clip, [brush], style, "procedural key poses + IK (brush hair)")


def _head_radius(take: Take) -> float:
    """The head's radius, metres, from the ears' annotated points (their outer sides lie
    ``FACE_FEATURES`` apart for a head of ``FACE_HEAD_RADIUS``)."""
    (_, ear_y, _), (_, ear_half_y, _) = FACE_FEATURES["ear"]
    span = np.linalg.norm(S.joint(take, "left_ear") - S.joint(take, "right_ear"), axis=1)
    return float(np.median(span)) * FACE_HEAD_RADIUS / (2.0 * (ear_y + ear_half_y))


def brush_face(take: Take) -> np.ndarray:
    """``(T, 3)`` world track of the brush's bristle face (the prop's pose and :data:`BRUSH_FACE`)."""
    i = take.part_names.index("prop/brush")
    return take.part_pos[:, i] + quat_rotate(take.part_quat[:, i], np.asarray(BRUSH_FACE))


def brush_signature(take: Take) -> SignatureResult:
    """BrushHair: the brush's bristle face lies on the hair (0.85-1.5 head radii from the head's
    centre, 1.05-1.35 measured) beside or behind the head (not ahead of its centre by more than
    half a radius, nor below the chin) for at least 40 % of the frames, and strokes down the head
    (falls by at least 0.04 h there) at least twice."""
    h = S.body_height(take)
    r = _head_radius(take)
    face, head = brush_face(take), S.joint(take, "head")
    d = face - head
    ahead = np.sum(d[:, :2] * S.forward(take), axis=1)
    dist = np.linalg.norm(d, axis=1)
    on_hair = (dist > 0.85 * r) & (dist < 1.5 * r) & (ahead < 0.5 * r) & (d[:, 2] > -1.2 * r)
    strokes = S.count_swings(d[on_hair, 2] / h, BRUSH_STROKE_PER_H)
    ok = strokes >= 2 and float(on_hair.mean()) >= 0.4
    return SignatureResult(ok, f"{strokes} strokes down the head, brush on the hair {on_hair.mean():.0%} of frames")


SIT = register(ActionRecipe("Sit", frozenset({"mocap-like"}), ("sit",), sit_signature,
                            "sitting down onto a chair, bench or sofa (key poses + IK, physical seat)",
                            build=sit_build, duration=2.6, view="front"))
PICK = register(ActionRecipe("Pick", frozenset({"mocap-like"}), ("pick",), pick_signature,
                             "picking an object up from the floor (key poses + IK, physical object)",
                             build=pick_build, duration=2.8, variations=frozenset({"n", "w", "p", "o"}), view="front"))
BRUSH_HAIR = register(ActionRecipe("BrushHair", frozenset({"mocap-like"}), ("brush",), brush_signature,
                                   "brushing the hair with a hair brush (key poses + IK)", build=brush_build,
                                   duration=3.6, variations=frozenset({"n", "w", "p", "o"})))
