"""Import BVH motion capture files onto the project skeleton.

A BVH file has a ``HIERARCHY`` (joints with ``OFFSET``s from their parent in the rest pose and
``CHANNELS``: any of ``Xposition Yposition Zposition Xrotation Yrotation Zrotation`` in any order)
and a ``MOTION`` section (``Frames:``, ``Frame Time:`` seconds, then one row of channel values per
frame, rotations in degrees). A joint's local rotation is the product of its rotation channels in
the order listed (``Zrotation Xrotation Yrotation`` means ``Rz Rx Ry``: intrinsic Euler angles).

Mapping (CMU-style names and common aliases, matched case-insensitively, ignoring ``_``, ``-``,
spaces and a ``prefix:``): see :data:`JOINT_ALIASES`. The project's chest follows the BVH joint the
neck hangs from (``thorax`` in CMU's own names, ``Spine1`` in CMU files converted to BVH), so it
takes the rotations of CMU's ``upperback`` and ``thorax``; the project's abdomen follows the lumbar
joint (``lowerback``, else ``spine``/``abdomen``) when the file has one between the pelvis and the
chest, else the clip splits the pelvis-to-chest rotation over abdomen and chest
(:mod:`phav.motion.spine`). Clavicles and extra spine joints contribute to the world orientations
of their children but have no project joint of their own.

The rotations keep each bone's *world direction*: the BVH rest pose need not match the project's
rest pose (arms hanging). For a mapped limb joint with rest bone direction ``d_bvh`` (towards its
mapped child) and the project's ``d_phav`` (``-z``), ``A`` is the shortest rotation taking ``d_phav`` to
``d_bvh``, and the project link's world orientation is ``P = G A`` (``G``: the BVH joint's world
rotation in phav axes). Local rotations are ``P_parent^-1 P``; knees and elbows keep the twist
about their hinge axis. So a file whose rest pose stands like the project's gives identity
rotations at rest, and a T-pose file gives arms raised sideways.

Axes and units: the file's up axis (``Y`` by default) becomes +Z; its forward direction (the
left-hip-to-right-hip direction crossed with up) becomes +x. Lengths are converted to metres with
``scale`` (metres per file unit) or, when not given, detected from the leg length (hip joint to
the lowest rest point): 0.25-1.5 metres, 15-42 inches, 42-150 centimetres.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from phav.body.skeleton import ACTUATED_JOINTS
from phav.errors import DataError
from phav.geometry import quat_conjugate, quat_multiply, quat_normalize
from phav.motion.clip import Clip

#: Project joint -> BVH joint names that map onto it, first match wins (normalised: lower case, no
#: ``_ - space``). ``*_wrist`` only gives the forearm's direction (the project's wrists are fixed).
JOINT_ALIASES: dict[str, tuple[str, ...]] = {
    "pelvis": ("hips", "hip", "pelvis", "root"),
    "abdomen": ("lowerback", "abdomen", "spine", "spine0", "lowerspine"),
    "neck": ("neck", "neck1", "neckbase"),
    "head": ("head",),
}
for _side, _s in (("left", "l"), ("right", "r")):
    JOINT_ALIASES.update({
        f"{_side}_hip": (f"{_side}upleg", f"{_side}upperleg", f"{_side}thigh", f"{_s}thigh", f"{_side}hip",
                         f"{_s}hip", f"{_s}upleg"),
        f"{_side}_knee": (f"{_side}leg", f"{_side}lowerleg", f"{_side}lowleg", f"{_side}shin", f"{_s}shin",
                          f"{_side}knee", f"{_s}knee", f"{_s}leg"),
        f"{_side}_ankle": (f"{_side}foot", f"{_s}foot", f"{_side}ankle", f"{_s}ankle"),
        f"{_side}_shoulder": (f"{_side}arm", f"{_side}uparm", f"{_side}upperarm", f"{_s}upperarm", f"{_s}humerus",
                              f"{_side}humerus", f"{_s}uparm", f"{_side}shoulder", f"{_s}shoulder"),
        f"{_side}_elbow": (f"{_side}forearm", f"{_side}lowerarm", f"{_side}lowarm", f"{_s}forearm", f"{_side}elbow",
                           f"{_s}elbow", f"{_s}lowarm", f"{_s}radius", f"{_side}radius"),
        f"{_side}_wrist": (f"{_side}hand", f"{_s}hand", f"{_side}wrist", f"{_s}wrist"),
    })

#: Project joints that must be found in the file.
REQUIRED = ("pelvis", "left_hip", "left_knee", "left_ankle", "right_hip", "right_knee", "right_ankle",
            "left_shoulder", "left_elbow", "right_shoulder", "right_elbow")

_POS_CHANNELS = ("xposition", "yposition", "zposition")
_ROT_CHANNELS = ("xrotation", "yrotation", "zrotation")


@dataclasses.dataclass
class BvhJoint:
    """One BVH joint (``End Site``s are stored as channel-less joints named ``<parent>_end``).

    Attributes:
        name: joint name as written.
        parent: index of the parent joint, ``-1`` for the root.
        offset: ``(3,)`` rest offset from the parent, file units.
        channels: channel names, lower case (e.g. ``["zrotation", "xrotation", "yrotation"]``).
        column: index of the joint's first channel in a frame row.
    """

    name: str
    parent: int
    offset: np.ndarray
    channels: list[str]
    column: int


@dataclasses.dataclass
class Bvh:
    """A parsed BVH file: joints in file order (parents first), ``frames (F, C) float64`` channel
    values, ``frame_time`` seconds."""

    joints: list[BvhJoint]
    frames: np.ndarray
    frame_time: float
    source: str

    def rest_positions(self) -> np.ndarray:
        """``(N, 3)`` joint positions in the rest pose (sum of offsets), file units and axes."""
        out = np.zeros((len(self.joints), 3))
        for i, j in enumerate(self.joints):
            out[i] = j.offset + (out[j.parent] if j.parent >= 0 else 0.0)
        return out

    def local_rotations(self) -> np.ndarray:
        """``(F, N, 4)`` xyzw local rotation of every joint per frame (identity without rotation
        channels), file axes."""
        F = len(self.frames)
        out = np.zeros((F, len(self.joints), 4))
        out[..., 3] = 1.0
        for i, j in enumerate(self.joints):
            rot = [(k, c[0]) for k, c in enumerate(j.channels) if c in _ROT_CHANNELS]
            if not rot:
                continue
            seq = "".join(axis.upper() for _, axis in rot)  # upper case: intrinsic, R = R1 R2 R3
            angles = self.frames[:, [j.column + k for k, _ in rot]]
            out[:, i] = Rotation.from_euler(seq, angles, degrees=True).as_quat()
        return out

    def root_positions(self) -> np.ndarray:
        """``(F, 3)`` root joint position per frame (its position channels, else its offset), file units."""
        root = self.joints[0]
        pos = np.tile(root.offset, (len(self.frames), 1))
        for k, c in enumerate(root.channels):
            if c in _POS_CHANNELS:
                pos[:, _POS_CHANNELS.index(c)] = self.frames[:, root.column + k]
        return pos


def _normalise(name: str) -> str:
    name = name.rsplit(":", 1)[-1]
    return re.sub(r"[\s_\-]", "", name).lower()


def parse_bvh(text: str, source: str = "<bvh>") -> Bvh:
    """Parse BVH text.

    Raises:
        DataError: (a ``ValueError``) malformed file; one line naming ``source``, the line number and
            the problem.
    """
    tokens: list[tuple[str, int]] = []
    lines = text.splitlines()
    motion_line = None
    for n, line in enumerate(lines, start=1):
        if line.strip().upper().startswith("MOTION"):
            motion_line = n
            break
        tokens += [(t, n) for t in line.replace("{", " { ").replace("}", " } ").split()]
    if motion_line is None:
        raise DataError(f"{source}: no MOTION section (is this a BVH file?)")
    pos = 0

    def fail(msg: str, line: int | None = None) -> DataError:
        where = f" line {line}" if line is not None else ""
        return DataError(f"{source}:{where} {msg}")

    def take() -> tuple[str, int]:
        nonlocal pos
        if pos >= len(tokens):
            raise fail("unexpected end of HIERARCHY (missing '}'?)", motion_line)
        pos += 1
        return tokens[pos - 1]

    def numbers(k: int) -> np.ndarray:
        vals = []
        for _ in range(k):
            t, n = take()
            try:
                vals.append(float(t))
            except ValueError:
                raise fail(f"expected a number, got {t!r}", n) from None
        return np.array(vals)

    first, n = take()
    if first.upper() != "HIERARCHY":
        raise fail(f"expected HIERARCHY, got {first!r}", n)
    joints: list[BvhJoint] = []
    column = 0

    def joint(parent: int, name: str, end: bool) -> None:
        nonlocal column
        t, n = take()
        if t != "{":
            raise fail(f"expected '{{' after joint {name!r}, got {t!r}", n)
        t, n = take()
        if t.upper() != "OFFSET":
            raise fail(f"expected OFFSET in joint {name!r}, got {t!r}", n)
        offset = numbers(3)
        channels: list[str] = []
        index = len(joints)
        joints.append(BvhJoint(name, parent, offset, channels, column))
        while True:
            t, n = take()
            key = t.upper()
            if key == "}":
                return
            if key == "CHANNELS" and not end:
                count_tok, cn = take()
                if not count_tok.isdigit():
                    raise fail(f"CHANNELS count must be an integer, got {count_tok!r}", cn)
                for _ in range(int(count_tok)):
                    c, ln = take()
                    if c.lower() not in _POS_CHANNELS + _ROT_CHANNELS:
                        raise fail(f"unknown channel {c!r} in joint {name!r}", ln)
                    channels.append(c.lower())
                column += len(channels)
            elif key == "JOINT" and not end:
                child, _ = take()
                joint(index, child, False)
            elif key == "END" and not end:
                take()  # "Site"
                joint(index, f"{name}_end", True)
            else:
                raise fail(f"unexpected {t!r} in joint {name!r}", n)

    t, n = take()
    if t.upper() != "ROOT":
        raise fail(f"expected ROOT, got {t!r}", n)
    name, _ = take()
    joint(-1, name, False)
    if pos != len(tokens):
        raise fail(f"unexpected {tokens[pos][0]!r} after the root joint (one ROOT per file)", tokens[pos][1])

    # MOTION
    rest = [(n, l.strip()) for n, l in enumerate(lines[motion_line:], start=motion_line + 1) if l.strip()]
    if len(rest) < 2:
        raise fail("MOTION needs 'Frames:' and 'Frame Time:' lines", motion_line)
    m = re.fullmatch(r"frames:\s*(\d+)", rest[0][1], re.IGNORECASE)
    if not m:
        raise fail(f"expected 'Frames: N', got {rest[0][1]!r}", rest[0][0])
    count = int(m.group(1))
    m = re.fullmatch(r"frame\s+time:\s*(\S+)", rest[1][1], re.IGNORECASE)
    try:
        frame_time = float(m.group(1)) if m else float("nan")
    except ValueError:
        frame_time = float("nan")
    if not (frame_time > 0 and math.isfinite(frame_time)):
        raise fail(f"expected 'Frame Time: <positive seconds>', got {rest[1][1]!r}", rest[1][0])
    rows = rest[2:]
    if len(rows) != count:
        raise fail(f"'Frames: {count}' but {len(rows)} frame rows follow", rest[0][0])
    frames = np.empty((count, column))
    for i, (n, row) in enumerate(rows):
        parts = row.split()
        if len(parts) != column:
            raise fail(f"frame {i} has {len(parts)} values, the hierarchy declares {column} channels", n)
        try:
            frames[i] = [float(p) for p in parts]
        except ValueError:
            raise fail(f"frame {i} has a value that is not a number", n) from None
    if not np.all(np.isfinite(frames)):
        raise fail("frame values contain NaN or infinity")
    return Bvh(joints=joints, frames=frames, frame_time=frame_time, source=source)


def find_joints(bvh: Bvh) -> dict[str, int]:
    """Project joint name -> BVH joint index, by :data:`JOINT_ALIASES`; ``chest`` is the parent of
    the neck (or head).

    Raises:
        DataError: a joint of :data:`REQUIRED` (or neck/head) is missing; the message lists the
            file's joint names.
    """
    by_name: dict[str, int] = {}
    for i, j in enumerate(bvh.joints):
        if not j.name.endswith("_end"):
            by_name.setdefault(_normalise(j.name), i)
    found: dict[str, int] = {}
    for target, aliases in JOINT_ALIASES.items():
        for alias in aliases:
            if alias in by_name and by_name[alias] not in found.values():
                found[target] = by_name[alias]
                break
    found.setdefault("pelvis", 0)
    if "neck" not in found and "head" in found:
        found["neck"] = found["head"]
    if "head" not in found and "neck" in found:
        found["head"] = found["neck"]
    missing = [j for j in REQUIRED + ("neck",) if j not in found]
    if missing:
        names = ", ".join(j.name for j in bvh.joints if not j.name.endswith("_end"))
        raise DataError(f"{bvh.source}: cannot map project joints {missing} (see phav.motion.bvh.JOINT_ALIASES); "
                        f"file joints: {names}")
    parent = bvh.joints[found["neck"]].parent
    found["chest"] = parent if parent >= 0 else found["pelvis"]  # neck on the pelvis: a rigid torso
    # the lumbar joint counts only strictly between the pelvis and the chest
    abdomen = found.pop("abdomen", None)
    up = bvh.joints[found["chest"]].parent if found["chest"] != found["pelvis"] else -1
    while up >= 0 and up != found["pelvis"]:
        if up == abdomen:
            found["abdomen"] = abdomen
            break
        up = bvh.joints[up].parent
    return found


def _shortest_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """xyzw rotation taking direction ``a (3,)`` to direction ``b (3,)`` by the shortest arc."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    c = float(np.dot(a, b))
    if c < -1.0 + 1e-9:  # opposite: turn half a circle about any perpendicular axis
        axis = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0.0, 1.0, 0.0])
        axis /= np.linalg.norm(axis)
        return np.array([*axis, 0.0])
    q = np.array([*np.cross(a, b), 1.0 + c])
    return q / np.linalg.norm(q)


def _axes(bvh: Bvh, found: dict[str, int], up: str) -> np.ndarray:
    """``(3, 3)`` rotation matrix taking file axes to phav axes (rows: phav x, y, z in file axes)."""
    up_vec = np.zeros(3)
    up_vec["xyz".index(up)] = 1.0
    rest = bvh.rest_positions()
    left = rest[found["left_hip"]] - rest[found["right_hip"]]
    left = left - np.dot(left, up_vec) * up_vec
    if np.linalg.norm(left) < 1e-9:
        raise DataError(f"{bvh.source}: the left and right hips coincide in the rest pose; cannot tell left from right")
    left /= np.linalg.norm(left)
    forward = np.cross(left, up_vec)
    return np.stack([forward, left, up_vec])


def leg_length_units(bvh: Bvh, found: dict[str, int]) -> float:
    """Leg length in file units: left hip joint to the lowest rest point of the left leg chain."""
    rest = bvh.rest_positions()
    hip = found["left_hip"]
    chain = [i for i in range(len(bvh.joints)) if _descends(bvh, i, hip)]
    up = "xyz".index(_guess_up(bvh, found))
    return float(rest[hip, up] - rest[chain, up].min())


def _descends(bvh: Bvh, i: int, ancestor: int) -> bool:
    while i >= 0:
        if i == ancestor:
            return True
        i = bvh.joints[i].parent
    return False


def _guess_up(bvh: Bvh, found: dict[str, int]) -> str:
    """The file axis along which the head is farthest from the pelvis in the rest pose."""
    rest = bvh.rest_positions()
    d = rest[found["head"]] - rest[found["pelvis"]]
    return "xyz"[int(np.argmax(np.abs(d)))] if np.linalg.norm(d) > 0 else "y"


def detect_scale(leg_units: float, source: str = "<bvh>") -> float:
    """Metres per file unit from a leg length in file units (see the module docstring).

    Raises:
        DataError: the leg length fits no unit; pass ``scale`` explicitly.
    """
    if 0.25 <= leg_units <= 1.5:
        return 1.0
    if 15.0 <= leg_units < 42.0:
        return 0.0254
    if 42.0 <= leg_units <= 150.0:
        return 0.01
    raise DataError(f"{source}: cannot tell the length unit from a leg length of {leg_units:g} file units; "
                    f"pass scale= (metres per file unit)")


#: Child used to measure each limb joint's bone direction; the project's limbs hang along -z at
#: rest. Torso, head and feet are taken as upright/flat in the file's rest pose (no alignment).
_BONE_CHILD = {f"{s}_{j}": f"{s}_{c}" for s in ("left", "right")
               for j, c in (("hip", "knee"), ("knee", "ankle"), ("shoulder", "elbow"), ("elbow", "wrist"))}
_DOWN = np.array([0.0, 0.0, -1.0])
#: Project joint -> parent project joint (the link whose world orientation is the parent frame).
_PARENT = {"abdomen": "pelvis", "chest": "abdomen", "neck": "chest"}
for _side in ("left", "right"):
    _PARENT.update({f"{_side}_hip": "pelvis", f"{_side}_knee": f"{_side}_hip", f"{_side}_ankle": f"{_side}_knee",
                    f"{_side}_shoulder": "chest", f"{_side}_elbow": f"{_side}_shoulder"})
#: Hinge axes in the child link frame (see :func:`phav.body.skeleton.build_skeleton`).
HINGE_AXES = {"left_knee": (0.0, 1.0, 0.0), "right_knee": (0.0, 1.0, 0.0),
              "left_elbow": (0.0, -1.0, 0.0), "right_elbow": (0.0, -1.0, 0.0)}


def _twist(q: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The twist of rotations ``q (F, 4)`` about unit ``axis (3,)``: rotations about ``axis``."""
    angle = 2.0 * np.arctan2(q[:, :3] @ axis, q[:, 3])
    half = 0.5 * angle
    return np.concatenate([np.sin(half)[:, None] * axis[None], np.cos(half)[:, None]], axis=-1)


def bvh_to_clip(bvh: Bvh, name: str, *, scale: float | None = None, up: str | None = None) -> Clip:
    """Convert a parsed BVH to a :class:`Clip` on the project skeleton's joints.

    Args:
        name: the clip's name.
        scale: metres per file unit; ``None`` detects it (:func:`detect_scale`).
        up: the file's up axis (``"x"``, ``"y"`` or ``"z"``); ``None`` guesses it from the rest pose
            (the axis along which the head is farthest from the pelvis).
    Returns:
        A clip with root positions in metres (the source body's size; see
        :func:`phav.motion.retarget.retarget`) and ``leg_length`` set to the source's leg length, m.
    Raises:
        DataError: a joint cannot be mapped, or the unit cannot be detected (ValueError: a bad ``up``).
    """
    found = find_joints(bvh)
    up = up or _guess_up(bvh, found)
    if up not in ("x", "y", "z"):
        raise ValueError(f"up must be 'x', 'y' or 'z', got {up!r}")
    leg = leg_length_units(bvh, found)
    if scale is None:
        scale = detect_scale(leg, bvh.source)
    M = _axes(bvh, found, up)
    axes_q = Rotation.from_matrix(M).as_quat()
    rest = bvh.rest_positions() @ M.T

    local = bvh.local_rotations()  # file axes
    F, N = local.shape[:2]
    world = np.empty_like(local)
    for i, j in enumerate(bvh.joints):
        world[:, i] = local[:, i] if j.parent < 0 else quat_multiply(world[:, j.parent], local[:, i])
    # G in phav axes: M G M^T
    c = np.broadcast_to(axes_q, world.shape)
    world = quat_multiply(quat_multiply(c, world), quat_conjugate(c))

    P: dict[str, np.ndarray] = {}
    names = list(ACTUATED_JOINTS) if "abdomen" in found else [j for j in ACTUATED_JOINTS if j != "abdomen"]
    parents = dict(_PARENT) if "abdomen" in found else {**_PARENT, "chest": "pelvis"}
    for joint in ["pelvis"] + names:
        idx = found["head"] if joint == "neck" else found[joint]
        g = world[:, idx]
        if _BONE_CHILD.get(joint) in found:
            d = rest[found[_BONE_CHILD[joint]]] - rest[found[joint]]
            if np.linalg.norm(d) > 1e-9:
                g = quat_multiply(g, np.broadcast_to(_shortest_rotation(_DOWN, d), g.shape))
        P[joint] = quat_normalize(g)
    joint_quats = np.empty((F, len(names), 4))
    for k, joint in enumerate(names):
        parent = P[parents[joint]]
        q = quat_multiply(quat_conjugate(parent), P[joint])
        if joint in HINGE_AXES:
            q = _twist(q, np.asarray(HINGE_AXES[joint]))
            P[joint] = quat_multiply(parent, q)  # children hang from the hinge as projected
        joint_quats[:, k] = q  # ACTUATED_JOINTS lists each knee before its ankle
    root_pos = (bvh.root_positions() @ M.T) * scale
    # the root joint of a BVH is the pelvis; if the mapped pelvis is a child, follow it by FK
    if found["pelvis"] != 0:
        root_pos = root_pos + _offset_from_root(bvh, found["pelvis"], world, M) * scale
    return Clip(name=name, fps=1.0 / bvh.frame_time, root_pos=root_pos, root_quat=P["pelvis"],
                joint_names=names, joint_quats=quat_normalize(joint_quats), loop=False,
                leg_length=leg * scale)


def _offset_from_root(bvh: Bvh, idx: int, world: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``(F, 3)`` position of joint ``idx`` relative to the root per frame, phav axes, file units."""
    from phav.geometry import quat_rotate

    out = np.zeros((len(bvh.frames), 3))
    i = idx
    while bvh.joints[i].parent >= 0:
        parent = bvh.joints[i].parent
        out += quat_rotate(world[:, parent], np.broadcast_to(M @ bvh.joints[i].offset, out.shape))
        i = parent
    return out


def load_bvh(path: str | Path, *, name: str | None = None, scale: float | None = None, up: str | None = None) -> Clip:
    """Read a BVH file as a :class:`Clip` (see :func:`bvh_to_clip`; name defaults to the file stem).

    Raises:
        DataError: (a ``ValueError``) unreadable, non-UTF-8 or malformed file, unmappable skeleton;
            one line naming the file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: invalid BVH file: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read BVH file ({exc.strerror or exc})") from None
    return bvh_to_clip(parse_bvh(text, str(path)), name or path.stem, scale=scale, up=up)
