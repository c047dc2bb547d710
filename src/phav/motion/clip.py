"""Motion clips on the project skeleton: a root track plus local joint rotations at a fixed rate.

Format (in memory and in the JSON files under ``motions/``):

- ``fps``: sample rate in Hz; frame ``i`` is at time ``i / fps`` seconds.
- ``root_pos``: ``(F, 3) float64`` pelvis link-frame origin in the world, metres, Z up.
- ``root_quat``: ``(F, 4) float64`` pelvis orientation in the world, ``(x, y, z, w)``. With the
  identity the character faces +x, its left side at +y, up +z.
- ``joint_names``: the ``J`` actuated joints of the project skeleton
  (:data:`phav.body.skeleton.ACTUATED_JOINTS` order for imported clips).
- ``joint_quats``: ``(F, J, 4) float64`` rotation of each child link frame relative to its parent
  joint frame, ``(x, y, z, w)``; 1-dof hinges are stored as quaternions about the hinge axis.
  The spine has two joints, ``abdomen`` (lumbar) and ``chest``. A clip given a ``chest`` track but
  no ``abdomen`` track (DeepMimic's one-joint trunk, files written before the abdomen existed)
  gets one on construction: its ``chest`` rotation ``q`` is split by
  :func:`phav.motion.spine.split_spine` into ``q^(1/2)`` for the abdomen (inserted just before
  ``chest``) and ``q^(1/2)`` for the chest (the lumbar part clamped to the lumbar limits, the chest
  taking the rest), whose product is ``q`` exactly, so the spine bends as much as before.
- ``loop``: when true, the last frame is the first pose of the next cycle (same pose, moved by the
  cycle's displacement), so one cycle lasts ``(F - 1) / fps`` seconds; sampling past the end repeats
  the cycle, each repetition moved by the clip's horizontal root displacement and turned by its
  heading change (vertical motion is not accumulated). When false, sampling clamps to the ends.
- ``cycle_turn``: heading change per loop cycle in radians; ``None`` means "measure it": the
  heading of the last frame minus that of the first. Importers whose source format loops by
  translation only (DeepMimic's ``wrap``) set 0.
- ``leg_length`` (optional): leg length (hip centre to sole, metres) of the body the root track was
  recorded for; :func:`phav.motion.retarget.retarget` scales root motion by the target's leg length
  over this one. ``None``/absent: unknown.

Files are UTF-8 JSON objects with the fields above plus ``"format": "phav-clip"`` and
``"version": 1``; ``motions/README.md`` describes the shipped ones.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np

from phav.errors import DataError
from phav.geometry import quat_multiply, quat_normalize, quat_rotate
from phav.motion.rotations import heading, quat_about_z, quat_slerp, relative_rotvec
from phav.motion.spine import with_abdomen

CLIP_FORMAT = "phav-clip"
CLIP_FORMAT_VERSION = 1


@dataclasses.dataclass
class Pose:
    """One sampled pose.

    Attributes:
        root_pos: ``(3,)`` metres, world.
        root_quat: ``(4,)`` xyzw, world.
        joint_quats: ``(J, 4)`` local joint rotations, xyzw.
        root_lin_vel: ``(3,)`` m/s, world.
        root_ang_vel: ``(3,)`` rad/s, world frame.
        joint_ang_vel: ``(J, 3)`` rad/s, each in its child link's frame.
    """

    root_pos: np.ndarray
    root_quat: np.ndarray
    joint_quats: np.ndarray
    root_lin_vel: np.ndarray
    root_ang_vel: np.ndarray
    joint_ang_vel: np.ndarray

    def frame(self, i: int) -> "Pose":
        """Pose ``i`` of a batch from :meth:`Clip.sample_many`."""
        return Pose(*(np.array(getattr(self, f.name)[i]) for f in dataclasses.fields(self)))


@dataclasses.dataclass
class Clip:
    """A motion clip; see the module docstring for the format."""

    name: str
    fps: float
    root_pos: np.ndarray
    root_quat: np.ndarray
    joint_names: list[str]
    joint_quats: np.ndarray
    loop: bool = False
    cycle_turn: float | None = None
    leg_length: float | None = None

    def __post_init__(self) -> None:
        self.root_pos = np.ascontiguousarray(self.root_pos, dtype=np.float64)
        self.root_quat = quat_normalize(self.root_quat)
        self.joint_quats = quat_normalize(self.joint_quats)
        self.joint_names = list(self.joint_names)
        if self.joint_quats.ndim == 3 and self.joint_quats.shape[1] == len(self.joint_names):
            self.joint_names, self.joint_quats = with_abdomen(self.joint_names, self.joint_quats)
        F = len(self.root_pos)
        J = len(self.joint_names)
        if F < 2:
            raise ValueError(f"clip {self.name!r}: needs at least 2 frames, has {F}")
        if not (self.fps > 0 and math.isfinite(self.fps)):
            raise ValueError(f"clip {self.name!r}: fps must be positive, got {self.fps}")
        for field, shape in (("root_pos", (F, 3)), ("root_quat", (F, 4)), ("joint_quats", (F, J, 4))):
            if getattr(self, field).shape != shape:
                raise ValueError(f"clip {self.name!r}: {field} has shape {getattr(self, field).shape}, expected {shape}")
        for field in ("root_pos", "root_quat", "joint_quats"):
            if not np.all(np.isfinite(getattr(self, field))):
                raise ValueError(f"clip {self.name!r}: {field} has non-finite values")
        if self.leg_length is not None and not (self.leg_length > 0 and math.isfinite(self.leg_length)):
            raise ValueError(f"clip {self.name!r}: leg_length must be a positive number of metres, got {self.leg_length}")

    # ---- basic properties ---------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        """``F``: poses in the clip, one every ``1 / fps`` seconds (the first axis of its arrays)."""
        return len(self.root_pos)

    @property
    def duration(self) -> float:
        """Seconds from the first to the last frame (one cycle when looping)."""
        return (self.num_frames - 1) / self.fps

    def cycle_offset(self) -> tuple[np.ndarray, float]:
        """The horizontal move of one loop cycle: ``(displacement (2,) metres, heading change rad)``,
        from the first frame's root to the last frame's."""
        d = self.root_pos[-1, :2] - self.root_pos[0, :2]
        if self.cycle_turn is not None:
            return d, float(self.cycle_turn)
        turn = float(heading(self.root_quat[-1]) - heading(self.root_quat[0]))
        turn = (turn + math.pi) % (2.0 * math.pi) - math.pi
        return d, turn

    # ---- sampling -------------------------------------------------------------------------------
    def _poses_at(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Root positions ``(T, 3)``, root quaternions ``(T, 4)`` and joint quaternions ``(T, J, 4)``
        at ``times (T,)`` seconds (no velocities)."""
        t = np.asarray(times, dtype=np.float64)
        cycles = np.zeros(t.shape, dtype=np.int64)
        if self.loop:
            cycles = np.floor(t / self.duration).astype(np.int64)
            t = t - cycles * self.duration
        u = np.clip(t, 0.0, self.duration) * self.fps
        i = np.minimum(np.floor(u).astype(np.int64), self.num_frames - 2)
        f = u - i
        pos = (1.0 - f)[:, None] * self.root_pos[i] + f[:, None] * self.root_pos[i + 1]
        quat = quat_slerp(self.root_quat[i], self.root_quat[i + 1], f)
        joints = quat_slerp(self.joint_quats[i], self.joint_quats[i + 1], f[:, None])
        for n in np.unique(cycles[cycles != 0]):
            k = cycles == n
            pos[k], quat[k] = self.shift_by_cycles(pos[k], quat[k], int(n))
        return pos, quat, joints

    def _cycle_transform(self, cycles: int) -> tuple[float, np.ndarray]:
        """``(angle, offset (2,))`` of ``cycles`` loop cycles: a root position ``p`` moves to
        ``Rz(angle) (p - p0) + p0 + offset`` horizontally (``p0``: first frame's root)."""
        d, turn = self.cycle_offset()
        angle, offset = 0.0, np.zeros(2)
        for _ in range(abs(cycles)):  # G^k(p) = R^k (p - p0) + p0 + sum_i R^i d
            c, s = math.cos(angle), math.sin(angle)
            offset = offset + np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
            angle += turn
        if cycles < 0:  # inverse: angle -> -angle, offset -> -R(-angle) offset
            c, s = math.cos(-angle), math.sin(-angle)
            offset = -np.array([c * offset[0] - s * offset[1], s * offset[0] + c * offset[1]])
            angle = -angle
        return angle, offset

    def shift_by_cycles(self, pos: np.ndarray, quat: np.ndarray, cycles: int) -> tuple[np.ndarray, np.ndarray]:
        """Root poses ``pos (..., 3)`` metres and ``quat (..., 4)`` (x, y, z, w) moved by ``cycles``
        loop cycles (negative: backwards): turned about +Z around the clip's first root position and
        shifted by the cycles' accumulated root displacement, as :meth:`sample` places a looping
        clip's later cycles. Returns ``(pos, quat)`` as float64 arrays of the same shapes."""
        angle, offset = self._cycle_transform(cycles)
        c, s = math.cos(angle), math.sin(angle)
        rel = pos[..., :2] - self.root_pos[0, :2]
        out = np.empty(np.shape(pos))
        out[..., 0] = c * rel[..., 0] - s * rel[..., 1] + self.root_pos[0, 0] + offset[0]
        out[..., 1] = s * rel[..., 0] + c * rel[..., 1] + self.root_pos[0, 1] + offset[1]
        out[..., 2] = pos[..., 2]
        turn = np.broadcast_to(quat_about_z(angle), np.shape(quat))
        return out, quat_normalize(quat_multiply(turn, quat))

    def sample(self, time_s: float) -> Pose:
        """The pose at ``time_s`` seconds (slerp between frames), with velocities from central
        finite differences over ``0.25 / fps`` seconds on each side (one-sided, within the cycle,
        where a looping clip's difference would straddle the loop seam: sources such as DeepMimic's
        jump end a cycle up to 20 degrees away from where the next one starts)."""
        return self.sample_many(np.array([float(time_s)])).frame(0)

    def sample_many(self, times: np.ndarray) -> "Pose":
        """:meth:`sample` at ``times (T,)`` seconds at once: a :class:`Pose` whose arrays have a
        leading ``T`` axis (``root_pos (T, 3)``, ``joint_quats (T, J, 4)``, ...)."""
        t = np.asarray(times, dtype=np.float64).reshape(-1)
        h = 0.25 / self.fps
        pos, quat, joints = self._poses_at(np.concatenate([t, t - h, t + h]))
        T = len(t)
        now, before, after = np.arange(T), np.arange(T, 2 * T), np.arange(2 * T, 3 * T)
        span = np.full(T, 2.0 * h)
        if self.loop:  # never difference across the loop seam (sources loop imperfectly): one-sided there
            cycle = lambda x: np.floor(x / self.duration)  # noqa: E731
            back_seam = cycle(t - h) != cycle(t)
            ahead_seam = (cycle(t + h) != cycle(t)) & ~back_seam
            before = np.where(back_seam, now, before)
            after = np.where(ahead_seam, now, after)
            span[back_seam | ahead_seam] = h
        return Pose(
            root_pos=pos[now],
            root_quat=quat[now],
            joint_quats=joints[now],
            root_lin_vel=(pos[after] - pos[before]) / span[:, None],
            root_ang_vel=relative_rotvec(quat[before], quat[after], local=False) / span[:, None],
            joint_ang_vel=relative_rotvec(joints[before], joints[after], local=True) / span[:, None, None],
        )

    # ---- transforms -----------------------------------------------------------------------------
    def placed(self, position: tuple[float, float] = (0.0, 0.0), heading_rad: float = 0.0) -> "Clip":
        """A copy whose first frame's root is at horizontal ``position`` (metres) and faces
        ``heading_rad`` (radians from +x, counter-clockwise). Heights are kept."""
        turn = heading_rad - float(heading(self.root_quat[0]))
        rot = quat_about_z(turn)
        rel = self.root_pos - np.array([*self.root_pos[0, :2], 0.0])
        pos = quat_rotate(rot, rel) + np.array([position[0], position[1], 0.0])
        quat = quat_multiply(np.broadcast_to(rot, self.root_quat.shape), self.root_quat)
        return dataclasses.replace(self, root_pos=pos, root_quat=quat, joint_quats=self.joint_quats.copy())

    # ---- files --------------------------------------------------------------------------------
    def to_json(self) -> str:
        """JSON text of the clip (format ``phav-clip`` version 1)."""
        return json.dumps(
            {
                "format": CLIP_FORMAT,
                "version": CLIP_FORMAT_VERSION,
                "name": self.name,
                "fps": self.fps,
                "loop": self.loop,
                "cycle_turn": self.cycle_turn,
                "leg_length": self.leg_length,
                "joint_names": self.joint_names,
                "root_pos": self.root_pos.round(6).tolist(),
                "root_quat": self.root_quat.round(7).tolist(),
                "joint_quats": self.joint_quats.round(7).tolist(),
            }
        )

    def save(self, path: str | Path) -> None:
        """Write the clip as JSON to ``path``."""
        Path(path).write_text(self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> "Clip":
        """Read a clip written by :meth:`save`.

        Raises:
            DataError: (a ``ValueError``) the file cannot be read, is not a phav clip or is malformed
                (not JSON, not UTF-8, fields missing or of the wrong shape); one line naming the file.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != CLIP_FORMAT or data.get("version") != CLIP_FORMAT_VERSION:
                raise ValueError(f"not a {CLIP_FORMAT} v{CLIP_FORMAT_VERSION} file")
            return cls(
                name=str(data["name"]), fps=float(data["fps"]), loop=bool(data["loop"]),
                cycle_turn=None if data.get("cycle_turn") is None else float(data["cycle_turn"]),
                leg_length=None if data.get("leg_length") is None else float(data["leg_length"]),
                joint_names=list(data["joint_names"]), root_pos=np.array(data["root_pos"]),
                root_quat=np.array(data["root_quat"]), joint_quats=np.array(data["joint_quats"]),
            )
        except OSError as exc:
            raise DataError(f"{path}: cannot read clip file ({exc.strerror or exc})") from None
        except KeyError as exc:
            raise DataError(f"{path}: invalid clip file: missing field {exc}") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: invalid clip file: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except (ValueError, TypeError, AttributeError) as exc:
            raise DataError(f"{path}: invalid clip file: {exc}") from None
