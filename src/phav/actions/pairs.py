"""Two-person actions: SyntheticWalkHoldHands (two walkers side by side, hands joined by a constraint),
SyntheticBumpIntoEachOther (a head-on collision that knocks one down) and SyntheticWalkingHug (arms round each other).

The second person is a :class:`~phav.actions.registry.Companion` (its own preset, body and
appearance drawn from the seed by the scenario). Both walk the DeepMimic walk retargeted to their
own skeletons; the companion's clip is time-scaled so that both cover ground at the same speed.
The inner arms reach towards each other (key poses + IK layered on the walk) and
:class:`JoinHands` ties the two inner hands with a point-to-point constraint of limited force.
Thresholds are metres or fractions of the height ``h``.
"""

from __future__ import annotations

import numpy as np

from phav.actions import signals as S
from phav.actions.household import chest_point, reach, standing_height
from phav.actions.registry import ActionPlan, ActionRecipe, BuildContext, Companion, SignatureResult, register
from phav.body.skeleton import SIDES, Skeleton
from phav.geometry import quat_conjugate, quat_rotate
from phav.motion.clip import Clip
from phav.motion.library import load_clip
from phav.motion.keyposes import Key, synthesize
from phav.motion.ops import layer, speed, time_warp
from phav.physics.bullet import pybullet
from phav.physics.variations import Modifier
from phav.take import Take

#: Force limit of the joined hands (N): enough to keep them together, too little to drag a body.
GRIP_FORCE = 80.0
#: Gap (m) between the wrists of joined hands (two palms).
WRIST_GAP = 0.12
#: How far (m) each hand's grip point lies towards the other hand (the fingers wrapping round).
GRIP_REACH = 0.04


def ground_speed(clip: Clip) -> float:
    """Mean horizontal root speed of ``clip``, m/s."""
    return float(np.linalg.norm(clip.root_pos[-1, :2] - clip.root_pos[0, :2]) / max(clip.duration, 1e-9))


def shoulder(sk: Skeleton, side: str) -> np.ndarray:
    """The ``side`` shoulder joint of the standing body, body frame ``(3,)`` metres."""
    return (np.array([0.0, 0.0, standing_height(sk)]) + sk.rest_offset("chest")
            + np.asarray(sk.link(f"{side}_upper_arm").offset, dtype=np.float64))


def reach_to(clip: Clip, sk: Skeleton, side: str, hand: np.ndarray) -> Clip:
    """``clip`` with the ``side`` wrist held at body-frame point ``hand`` ``(3,)`` (a hand offered to
    someone walking alongside, elbow a little bent and pointing back and out); the other arm keeps
    the clip's swing."""
    arm = synthesize(sk, [Key(0.0, hands={side: chest_point(sk, hand)}, elbow_pole=(-0.6, -0.3, -0.75))], duration=1.0)
    return layer(clip, arm, (f"{side}_shoulder", f"{side}_elbow"))


#: Steepest angle (rad) of a holding arm from the vertical (a child's arm raised to an adult's hand).
HOLD_MAX_ANGLE = np.radians(80.0)
#: The taller person's hand may not be asked lower than this fraction of their reach below the
#: shoulder, nor the shorter one's higher than HOLD_HIGHEST of theirs.
HOLD_LOWEST = 0.95
HOLD_HIGHEST = 0.45


def meeting(a: Skeleton, a_side: str, b: Skeleton, angle: float, extension: float,
            forward: float = 0.15) -> tuple[np.ndarray, np.ndarray, float]:
    """Where two walkers side by side hold hands: ``a``'s ``a_side`` wrist and ``b``'s other wrist,
    each in its own body frame, and the lateral spacing of their pelvises (m).

    Each arm reaches ``extension`` of its length (elbow a little bent) down and out towards the
    other, wrist ``forward`` of its reach ahead of the shoulder. The hands meet where the taller
    person's arm makes ``angle`` rad with the vertical (the shorter one's then leans out further),
    about hip height for two adults; for a much shorter partner no higher than
    :data:`HOLD_HIGHEST` of that one's reach below the shoulder, and never lower than the taller one
    reaches (:data:`HOLD_LOWEST`). Each arm then leans out as far as its length allows at that
    height (at most :data:`HOLD_MAX_ANGLE` from the vertical), wrists :data:`WRIST_GAP` apart, which
    sets the spacing: inner shoulders about half a metre apart for two adults."""
    b_side = "left" if a_side == "right" else "right"
    sa, sb = shoulder(a, a_side), shoulder(b, b_side)
    ra, rb = reach(a), reach(b)
    z = max(sa[2] - extension * ra * np.cos(angle), sb[2] - extension * rb * np.cos(angle))
    z = min(z, sa[2] - HOLD_HIGHEST * ra, sb[2] - HOLD_HIGHEST * rb)
    z = max(z, sa[2] - HOLD_LOWEST * ra, sb[2] - HOLD_LOWEST * rb)

    def out(s: np.ndarray, r: float, x: float) -> float:  # the arm's sideways reach at height z, x ahead
        dz = s[2] - z
        lateral = np.sqrt(max((extension * r) ** 2 - dz * dz - x * x, 0.0))
        return float(min(max(lateral, 0.1 * r), max(dz, 0.0) * np.tan(HOLD_MAX_ANGLE)))

    def ahead(s: np.ndarray, r: float) -> float:  # how far ahead the hand is, the arm at its extension
        dz = s[2] - z
        return float(np.sqrt(max((extension * r) ** 2 - dz * dz - out(s, r, forward * r) ** 2, (forward * r) ** 2)))

    # a short arm that may not lean out further reaches forward instead (a child's hand raised to an
    # adult's): both hands lie that far ahead of the shoulders
    x = max(ahead(sa, ra), ahead(sb, rb))
    ya, yb = abs(sa[1]) + out(sa, ra, x), abs(sb[1]) + out(sb, rb, x)
    sign = -1.0 if a_side == "right" else 1.0
    hand_a = np.array([x, sign * ya, z])
    hand_b = np.array([x, -sign * yb, z])
    return hand_a, hand_b, ya + yb + WRIST_GAP


class JoinHands(Modifier):
    """Joins the main actor's ``side`` hand and the companion's opposite hand from the start."""

    def __init__(self, side: str) -> None:
        super().__init__()
        self.side = side
        self.record = {"joined_hands": [side, "left" if side == "right" else "right"]}

    def setup_actors(self, world, humans) -> None:
        a, b = humans[0], humans[1]
        other = "left" if self.side == "right" else "right"
        ka, kb = a.link_names.index(f"{self.side}_hand"), b.link_names.index(f"{other}_hand")
        pa, qa = a.link_poses()
        pb, qb = b.link_poses()
        d = pb[kb] - pa[ka]
        d = d / max(float(np.linalg.norm(d)), 1e-9)
        c = world.client
        c.setCollisionFilterPair(a.body_id, b.body_id, ka - 1, kb - 1, 0)
        cid = c.createConstraint(a.body_id, ka - 1, b.body_id, kb - 1, pybullet.JOINT_POINT2POINT, [0, 0, 0],
                                 quat_rotate(quat_conjugate(qa[ka]), GRIP_REACH * d).tolist(),
                                 quat_rotate(quat_conjugate(qb[kb]), -GRIP_REACH * d).tolist())
        c.changeConstraint(cid, maxForce=GRIP_FORCE)
        self.record["initial_hand_gap_m"] = round(float(np.linalg.norm(pb[kb] - pa[ka])), 4)


def hold_hands_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    side = SIDES[int(rng.integers(2))]  # the main actor's hand that holds
    tempo = float(rng.uniform(0.75, 1.0))
    angle = float(rng.uniform(0.38, 0.52))  # inner arms angled towards each other, rad from the vertical
    extension = float(rng.uniform(0.95, 0.98))  # elbows a little bent (145-160 degrees): shoulder to wrist, in reaches
    main = speed(load_clip(ctx.clip_name, sk), tempo)
    v = ground_speed(main)
    other = "left" if side == "right" else "right"

    def companion_motion(skeleton: Skeleton) -> Clip:
        walk = load_clip(ctx.clip_name, skeleton)
        factor = float(np.clip(v / max(ground_speed(walk), 1e-6), 0.5, 2.0))
        return reach_to(speed(walk, factor), skeleton, other, meeting(sk, side, skeleton, angle, extension)[1])

    def companion_offset(skeleton: Skeleton) -> tuple[float, float]:
        spacing = meeting(sk, side, skeleton, angle, extension)[2]
        return (0.0, -spacing if side == "right" else spacing)

    def main_motion(skeleton: Skeleton) -> Clip:  # the main actor's arm depends on the companion's body
        return reach_to(main, sk, side, meeting(sk, side, skeleton, angle, extension)[0])

    style = {"hand": side, "tempo": tempo, "arm_angle_rad": angle, "arm_extension": extension}
    return ActionPlan(main, [JoinHands(side)], style, "pybullet_data DeepMimic humanoid3d_walk x2 + joined hands",
                      companions=[Companion(companion_motion, companion_offset, main_motion=main_motion)])


def _speed(take: Take, actor: int) -> float:
    p = S.joint(take, "pelvis", actor)
    return float(np.linalg.norm(p[-1, :2] - p[0, :2]) / S.seconds(take))


#: Wrists of joined hands lie closer than this (m; 0.1-0.2 measured), walkers closer than PAIR_GAP_M
#: (two adults' pelvises walk 0.85-1.05 m apart, their arms angled towards the joined hands).
HAND_GAP_M = 0.25
PAIR_GAP_M = 1.3


def hold_hands_signature(take: Take) -> SignatureResult:
    """WalkHoldHands: two people walk (each pelvis over 0.3 m/s) side by side (pelvises within
    1.3 m throughout) with a hand of each joined: the two inner wrists within 0.25 m in 80 % of frames."""
    if len(take.actors) < 2:
        return SignatureResult(False, "only one person in the take")
    side = take.meta["action"]["hand"]
    other = "left" if side == "right" else "right"
    gap = np.linalg.norm(S.joint(take, f"{side}_wrist", 0) - S.joint(take, f"{other}_wrist", 1), axis=1)
    apart = np.linalg.norm(S.joint(take, "pelvis", 0)[:, :2] - S.joint(take, "pelvis", 1)[:, :2], axis=1)
    held = float(np.mean(gap < HAND_GAP_M))
    v0, v1 = _speed(take, 0), _speed(take, 1)
    ok = held >= 0.8 and float(apart.max()) < PAIR_GAP_M and min(v0, v1) >= 0.3
    return SignatureResult(ok, f"hands joined in {held:.0%} of frames (median wrist gap {np.median(gap):.2f} m), "
                               f"pelvises at most {apart.max():.2f} m apart, speeds {v0:.2f} and {v1:.2f} m/s")


WALK_HOLD_HANDS = register(ActionRecipe("SyntheticWalkHoldHands", frozenset({"synthetic"}), ("walk",),
                                        hold_hands_signature, "two people walking side by side holding hands",
                                        build=hold_hands_build, duration=2.0,
                                        variations=frozenset({"n", "w", "p", "o"}), view="front_or_back"))


# ---- SyntheticBumpIntoEachOther ------------------------------------------------------------------
#: Gap (m) between the two pelvises at the planned moment of the bump (the torsos touch).
BUMP_PELVIS_GAP = 0.3
#: When the two would meet (pelvises BUMP_PELVIS_GAP apart), s: early enough that the fall (about
#: 0.7 s from the touch to the floor) ends well inside a 2 s video, late enough to see the approach.
BUMP_HIT_S = (0.45, 0.65)
#: How long (s) the one who walks into the other keeps walking after the planned meeting (pushing
#: through, which knocks the other backwards) before halting ...
BUMP_FOLLOW_S = (0.25, 0.35)
#: ... with this time constant (s): the walk slows and stops within about three of them.
BUMP_HALT_TAU_S = 0.12
#: Tempo of the walk clip for the one who walks into the other (hurrying) and for the one walked
#: into (strolling): the striker's momentum must carry the other backwards (two walkers at the
#: same pace stop each other, and the one who goes limp falls forwards against the other).
BUMP_STRIKER_TEMPO = (1.0, 1.2)
BUMP_FALLER_TEMPO = (0.8, 0.95)
#: The heavier person walks into the lighter one when their masses differ by this factor or more
#: (an adult knocks a child over, not the reverse); otherwise the seed decides.
BUMP_MASS_RATIO = 1.3


#: Links whose contacts alone do not start the bump: legs brush or step on each other's feet just
#: before the bodies meet, and going limp then drops both people before their torsos touch.
BUMP_LEG_LINKS = ("_thigh", "_shin", "_foot")


def bump_striker(a: Skeleton, b: Skeleton, coin: int) -> int:
    """Which of two walkers (0: ``a``, 1: ``b``) walks into the other and stays on their feet: the
    heavier when the masses differ by :data:`BUMP_MASS_RATIO`, else ``coin``."""
    ma, mb = a.total_mass, b.total_mass
    if ma >= BUMP_MASS_RATIO * mb:
        return 0
    if mb >= BUMP_MASS_RATIO * ma:
        return 1
    return int(coin)


class Bump(Modifier):
    """Two walkers on a collision course. At the first contact between their upper bodies (pelvis,
    torso, head or arms on either side; legs touching legs does not count) the one who is walked
    into (not :func:`bump_striker`) loses its hold on the clip at once (root pin dropped, muscle
    strength decaying as a ragdoll's), so the other, still walking, knocks it backwards off its
    feet; the striker's own clip halts it and throws its hands up. Contact impulses do not start
    either person's ragdoll: the bump decides who falls. Records the first such contact time
    (``contact_s``) and who was knocked over (``faller``: 0 the main actor, 1 the companion)."""

    def __init__(self, coin: int) -> None:
        super().__init__()
        self.coin = int(coin)
        self.humans: list = []
        self._legs: list[frozenset[int]] = []
        self.record = {}

    def setup_actors(self, world, humans) -> None:
        self.humans = list(humans[:2])
        for h in self.humans:
            h.ragdoll_impulse = None
        # each person's PyBullet link indices of the legs
        self._legs = [frozenset(h.bullet_link_index(n) for n in h.link_names if n.endswith(BUMP_LEG_LINKS))
                      for h in self.humans]

    def before_step(self, world, human, time_s: float) -> None:
        if "contact_s" in self.record or len(self.humans) < 2:
            return
        a, b = self.humans
        contacts = world.client.getContactPoints(bodyA=a.body_id, bodyB=b.body_id)
        legs_a, legs_b = self._legs
        if any(not (c[3] in legs_a and c[4] in legs_b) for c in contacts):
            faller = 1 - bump_striker(a.skeleton, b.skeleton, self.coin)
            self.record["contact_s"] = round(time_s, 4)
            self.record["faller"] = faller
            self.humans[faller].set_pin_weight(0.0)  # let go at once: a decaying pin would hold it up
            self.humans[faller].start_ragdoll()


def halt(clip: Clip, sk: Skeleton, stop_s: float, duration: float) -> Clip:
    """``clip`` (a walk) slowing from ``stop_s`` to a standstill (time constant
    :data:`BUMP_HALT_TAU_S`), ``duration`` s long, with both hands coming up in front of the chest
    (startled, bracing) from just before ``stop_s``."""
    tau = BUMP_HALT_TAU_S

    def warp(t: np.ndarray) -> np.ndarray:
        return np.minimum(t, stop_s) + tau * (1.0 - np.exp(-np.maximum(t - stop_s, 0.0) / tau))

    out = time_warp(clip, warp, duration)
    r, sh = reach(sk), shoulder(sk, "right")
    hands = {side: chest_point(sk, np.array([0.45 * r, (1.0 if side == "left" else -1.0) * 0.9 * abs(sh[1]),
                                             sh[2] - 0.35 * r])) for side in SIDES}
    arms = synthesize(sk, [Key(0.0, hands=hands, elbow_pole=(0.0, -0.5, -0.8))], duration=1.0)
    w = np.clip((np.arange(out.num_frames) / out.fps - (stop_s - 0.1)) / 0.25, 0.0, 1.0)
    return layer(out, arms, tuple(f"{side}_{j}" for side in SIDES for j in ("shoulder", "elbow")), w * w * (3 - 2 * w))


def bump_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    fast = float(rng.uniform(*BUMP_STRIKER_TEMPO))  # the one who walks into the other, hurrying
    slow = float(rng.uniform(*BUMP_FALLER_TEMPO))  # the one walked into, strolling
    hit_s = float(rng.uniform(*BUMP_HIT_S))  # when the two would meet
    lateral = float(rng.uniform(-0.12, 0.12))  # sideways offset of the companion's path, in heights
    coin = int(rng.integers(2))  # who walks into whom, when the two weigh about the same
    stop_s = hit_s + float(rng.uniform(*BUMP_FOLLOW_S))
    length = ctx.duration + 0.5

    def walk(skeleton: Skeleton, striker: bool) -> Clip:
        return speed(load_clip(ctx.clip_name, skeleton), fast if striker else slow)

    def companion_motion(skeleton: Skeleton) -> Clip:
        striker = bump_striker(sk, skeleton, coin) == 1
        clip = walk(skeleton, striker)
        return halt(clip, skeleton, stop_s, length) if striker else clip

    def companion_offset(skeleton: Skeleton) -> tuple[float, float]:
        striker = bump_striker(sk, skeleton, coin)
        v, vc = ground_speed(walk(sk, striker == 0)), ground_speed(walk(skeleton, striker == 1))
        h = 0.5 * (sk.segments.height + skeleton.segments.height)
        return ((v + vc) * hit_s + BUMP_PELVIS_GAP, lateral * h)

    def main_motion(skeleton: Skeleton) -> Clip:
        striker = bump_striker(sk, skeleton, coin) == 0
        clip = walk(sk, striker)
        return halt(clip, sk, stop_s, length) if striker else clip

    style = {"striker_tempo": fast, "faller_tempo": slow, "hit_s": hit_s, "lateral_offset_h": lateral,
             "stop_s": stop_s, "striker_if_same_weight": coin}
    return ActionPlan(walk(sk, False), [Bump(coin)], style,
                      "pybullet_data DeepMimic humanoid3d_walk x2, head-on; the one walked into goes limp",
                      companions=[Companion(companion_motion, companion_offset, heading=np.pi,
                                            main_motion=main_motion)])


#: Joints of the two people closer than this fraction of the mean height count as touching (the skin
#: around the joints; torsos in contact measure about 0.15 h between nearest joints).
BUMP_TOUCH_PER_H = 0.2
#: After the touch, a pelvis must lose this fraction of its approach speed towards the other, or
#: fall below BUMP_DOWN_PER_H of its height (each person reacts) ...
BUMP_SLOWDOWN = 0.5
BUMP_DOWN_PER_H = 0.35
#: ... and one of them is knocked down: the pelvis below BUMP_DOWN_PER_H within this long after
#: the touch (s; 0.5-1.2 s measured) ...
BUMP_FALL_WITHIN_S = 1.5
#: ... and this long (s) before the last frame, so that the video shows the person on the floor.
BUMP_DOWN_BEFORE_END_S = 0.3


def bump_signature(take: Take) -> SignatureResult:
    """BumpIntoEachOther: two people walk towards each other (closing speed over 0.3 h/s), their bodies
    touch (nearest joints within 0.2 h), both react (each pelvis loses half its approach speed or
    drops below 0.35 h within the second after the touch), and the bump knocks one of them down: a
    pelvis below 0.35 h of its height within 1.5 s of the touch and at least 0.3 s before the end."""
    if len(take.actors) < 2:
        return SignatureResult(False, "only one person in the take")
    h = 0.5 * (S.body_height(take) + float(take.meta["companions"][0]["height_m"]))
    ja, jb = take.actors[0].joints_3d, take.actors[1].joints_3d
    near = np.min(np.linalg.norm(ja[:, :, None] - jb[:, None], axis=-1), axis=(1, 2)) / h
    touch = np.flatnonzero(near < BUMP_TOUCH_PER_H)
    if touch.size == 0:
        return SignatureResult(False, f"the two never touch (nearest joints {near.min():.2f} h)")
    t0 = int(touch[0])
    pa, pb = S.joint(take, "pelvis", 0), S.joint(take, "pelvis", 1)
    if t0 < 4:
        return SignatureResult(False, f"touching from frame {t0}: no approach")
    reacted = []
    heights = (S.body_height(take), float(take.meta["companions"][0]["height_m"]))
    last = min(t0 + int(round(BUMP_FALL_WITHIN_S * take.fps)),
               take.num_frames - 1 - int(round(BUMP_DOWN_BEFORE_END_S * take.fps)))
    falls = []
    for p, q, hp in ((pa, pb, heights[0]), (pb, pa, heights[1])):
        towards = (q[:, :2] - p[:, :2]) / np.maximum(np.linalg.norm(q[:, :2] - p[:, :2], axis=1, keepdims=True), 1e-9)
        vt = np.sum(np.gradient(p[:, :2], axis=0) * towards, axis=1) * take.fps  # speed towards the other
        before = float(np.mean(vt[max(0, t0 - 8):t0]))
        after = vt[t0:t0 + int(take.fps)]
        low = float(p[t0:, 2].min() / hp)
        slowed = before > 0 and float(after.min()) < (1 - BUMP_SLOWDOWN) * before
        reacted.append((slowed or low < BUMP_DOWN_PER_H, before, float(after.min()), low))
        down = np.flatnonzero(p[t0:, 2] < BUMP_DOWN_PER_H * hp)
        falls.append(t0 + int(down[0]) if down.size else None)
    fell = [f for f in falls if f is not None]
    knocked = bool(fell) and min(fell) <= last
    closing = reacted[0][1] + reacted[1][1]
    ok = all(r[0] for r in reacted) and closing / h > 0.3 and knocked
    down_at = ", ".join("stays up" if f is None else f"down at frame {f}" for f in falls)
    return SignatureResult(ok, f"touch at frame {t0} (nearest joints {near.min():.2f} h), closing speed "
                               f"{closing:.2f} m/s; approach speeds after the touch fall to "
                               f"{reacted[0][2]:.2f} and {reacted[1][2]:.2f} m/s, pelvises down to "
                               f"{reacted[0][3]:.2f} h and {reacted[1][3]:.2f} h ({down_at}; a fall counts "
                               f"by frame {last})")


BUMP = register(ActionRecipe("SyntheticBumpIntoEachOther", frozenset({"synthetic"}), ("walk",), bump_signature,
                             "two walkers collide head-on, one knocked down", build=bump_build, duration=2.0,
                             variations=frozenset({"n", "w", "p", "o"}), view="side"))


# ---- SyntheticWalkingHug -------------------------------------------------------------------------
#: Force limit (N) of each hugging hand's hold on the other's chest: it keeps the arm in place
#: against the walk's sway, too weak to drag the other person.
HUG_FORCE = 60.0
#: During a hug the two bodies touch all the time; the contact impulse that turns a hugging person
#: into a ragdoll is raised this many times (a real blow still does).
HUG_RAGDOLL_FACTOR = 6.0
#: Space (m) between the two inner shoulders of people walking arm in arm.
HUG_SHOULDER_GAP = (0.02, 0.07)


def hug_spacing(a: Skeleton, b: Skeleton, gap: float) -> float:
    """Lateral distance (m) of the pelvises of two people walking side by side with their inner
    shoulders ``gap`` m apart (shoulder joints plus the upper arms' thickness)."""
    arm = a.segments.upper_arm_radius + b.segments.upper_arm_radius
    return abs(shoulder(a, "right")[1]) + abs(shoulder(b, "right")[1]) + arm + gap


def hug_hand(a: Skeleton, b: Skeleton, toward: float, spacing: float, high: bool, wrap: float) -> np.ndarray:
    """Where ``a``'s inner wrist rests on ``b``'s back, in ``a``'s body frame ``(3,)`` metres: ``b``
    stands ``spacing`` m away on the side ``toward`` (+1 left, -1 right); ``high``: round the
    shoulders (just below ``b``'s shoulder line), else round the back (between ``b``'s chest joint and
    shoulders); ``wrap`` (0..1): how far across ``b``'s back, from the spine to the far shoulder. The
    point is pulled towards ``a``'s shoulder to stay within 0.95 of ``a``'s reach."""
    sb = shoulder(b, "right")
    seg = b.segments
    back = -(seg.chest_radius + seg.hand_radius)  # behind b's chest surface
    z = sb[2] - (0.04 if high else 0.55) * seg.shoulder_up
    y = toward * (spacing + wrap * abs(sb[1]))
    side = "left" if toward > 0 else "right"
    sa = shoulder(a, side)
    target = np.array([sb[0] + back, y, z])
    d = target - sa
    limit = 0.95 * reach(a)
    n = float(np.linalg.norm(d))
    return sa + d * min(1.0, limit / max(n, 1e-9))


def hug_arm(clip: Clip, sk: Skeleton, side: str, hand: np.ndarray) -> Clip:
    """``clip`` with the ``side`` arm round someone's back: wrist held at body-frame point ``hand``,
    elbow pointing back and down."""
    arm = synthesize(sk, [Key(0.0, hands={side: chest_point(sk, hand)}, elbow_pole=(-0.6, -0.2, -0.8))], duration=1.0)
    return layer(clip, arm, (f"{side}_shoulder", f"{side}_elbow"))


#: Links of a hugging arm.
ARM_LINKS = ("upper_arm", "forearm", "hand")


class Hug(Modifier):
    """Holds each inner hand on the other person's back: a point-to-point constraint of limited
    force (:data:`HUG_FORCE`) from the hand to the other's chest, where the clips place it at the
    start. The hugging arms collide neither with each other nor with the other's chest and abdomen, and the contact impulse that would start
    either person's ragdoll is raised by :data:`HUG_RAGDOLL_FACTOR` (the bodies touch throughout)."""

    def __init__(self, side: str) -> None:
        super().__init__()
        self.side = side
        self.record = {}

    def setup_actors(self, world, humans) -> None:
        a, b = humans[0], humans[1]
        other = "left" if self.side == "right" else "right"
        c = world.client
        for h, own, partner in ((a, self.side, b), (b, other, a)):
            if h.ragdoll_impulse is not None:
                h.ragdoll_impulse *= HUG_RAGDOLL_FACTOR
            kh, kc = h.link_names.index(f"{own}_hand"), partner.link_names.index("chest")
            ph, _ = h.link_poses()
            pc, qc = partner.link_poses()
            partner_side = other if h is a else self.side
            for link in ARM_LINKS:  # the two arms cross behind the backs and rest on them
                k = h.link_names.index(f"{own}_{link}")
                for name in ("chest", "abdomen", *(f"{partner_side}_{x}" for x in ARM_LINKS)):
                    c.setCollisionFilterPair(h.body_id, partner.body_id, k - 1, partner.link_names.index(name) - 1, 0)
            cid = c.createConstraint(h.body_id, kh - 1, partner.body_id, kc - 1, pybullet.JOINT_POINT2POINT,
                                     [0, 0, 0], [0, 0, 0], quat_rotate(quat_conjugate(qc[kc]), ph[kh] - pc[kc]).tolist())
            c.changeConstraint(cid, maxForce=HUG_FORCE)


def hug_build(ctx: BuildContext) -> ActionPlan:
    rng, sk = ctx.rng, ctx.skeleton
    side = SIDES[int(rng.integers(2))]  # where the companion walks, and the main actor's hugging arm
    toward = -1.0 if side == "right" else 1.0
    tempo = float(rng.uniform(0.7, 0.95))
    gap = float(rng.uniform(*HUG_SHOULDER_GAP))
    wrap = float(rng.uniform(0.0, 0.45))  # how far each hand reaches across the other's back
    main_high = bool(rng.integers(2))  # whose arm goes round the shoulders when both are about as tall
    main = speed(load_clip(ctx.clip_name, sk), tempo)
    v = ground_speed(main)
    other = "left" if side == "right" else "right"

    def high_is_main(skeleton: Skeleton) -> bool:
        dh = sk.segments.height - skeleton.segments.height
        return main_high if abs(dh) < 0.05 else dh > 0  # the taller one's arm goes over the shoulders

    def companion_motion(skeleton: Skeleton) -> Clip:
        walk = load_clip(ctx.clip_name, skeleton)
        factor = float(np.clip(v / max(ground_speed(walk), 1e-6), 0.5, 2.0))
        hand = hug_hand(skeleton, sk, -toward, hug_spacing(sk, skeleton, gap), not high_is_main(skeleton), wrap)
        return hug_arm(speed(walk, factor), skeleton, other, hand)

    def companion_offset(skeleton: Skeleton) -> tuple[float, float]:
        return (0.0, toward * hug_spacing(sk, skeleton, gap))

    def main_motion(skeleton: Skeleton) -> Clip:
        hand = hug_hand(sk, skeleton, toward, hug_spacing(sk, skeleton, gap), high_is_main(skeleton), wrap)
        return hug_arm(main, sk, side, hand)

    style = {"hand": side, "tempo": tempo, "shoulder_gap_m": gap, "wrap": wrap, "main_arm_high_if_same_height": main_high}
    return ActionPlan(main, [Hug(side)], style, "pybullet_data DeepMimic humanoid3d_walk x2 + arms round each other",
                      companions=[Companion(companion_motion, companion_offset, main_motion=main_motion)])


#: Each inner wrist must lie within this fraction of the other's height of the other's chest,
#: neck or a shoulder joint (its upper back) ...
HUG_HAND_PER_H = 0.2
#: ... in this fraction of the frames; the pelvises stay within HUG_PAIR_GAP_M.
HUG_HELD = 0.7
HUG_PAIR_GAP_M = 0.8


def hug_signature(take: Take) -> SignatureResult:
    """WalkingHug: two people walk (each pelvis over 0.3 m/s) side by side (pelvises within 0.8 m
    throughout) with an arm round each other: each inner wrist within 0.2 h (the other's height) of
    the other's chest, neck or shoulders in 70 % of frames."""
    if len(take.actors) < 2:
        return SignatureResult(False, "only one person in the take")
    side = take.meta["action"]["hand"]
    other = "left" if side == "right" else "right"
    heights = (S.body_height(take), float(take.meta["companions"][0]["height_m"]))
    held = []
    for me, wrist, you in ((0, f"{side}_wrist", 1), (1, f"{other}_wrist", 0)):
        w = S.joint(take, wrist, me)
        back = np.stack([S.joint(take, j, you) for j in ("chest", "neck", "right_shoulder", "left_shoulder")], axis=1)
        d = np.min(np.linalg.norm(back - w[:, None], axis=-1), axis=1) / heights[you]
        held.append(float(np.mean(d < HUG_HAND_PER_H)))
    apart = np.linalg.norm(S.joint(take, "pelvis", 0)[:, :2] - S.joint(take, "pelvis", 1)[:, :2], axis=1)
    v0, v1 = _speed(take, 0), _speed(take, 1)
    ok = min(held) >= HUG_HELD and float(apart.max()) < HUG_PAIR_GAP_M and min(v0, v1) >= 0.3
    return SignatureResult(ok, f"hands on the other's back in {held[0]:.0%} and {held[1]:.0%} of frames, pelvises "
                               f"at most {apart.max():.2f} m apart, speeds {v0:.2f} and {v1:.2f} m/s")


WALKING_HUG = register(ActionRecipe("SyntheticWalkingHug", frozenset({"synthetic"}), ("walk",), hug_signature,
                                    "two people walking side by side with their arms round each other",
                                    build=hug_build, duration=2.0,
                                    variations=frozenset({"n", "w", "p", "o"}), view="front_or_back"))
