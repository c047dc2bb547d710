"""Playback state of the viewer: which frame, paused or playing, which modality, overlay on or off.

Pure Python so it can be tested without a window. Keys map to :class:`Player` methods in
:data:`KEYS` (the window translates GLFW key codes to these names).
"""

from __future__ import annotations

import dataclasses

#: The modalities the viewer shows, in the order the ``m`` key cycles them, and the frame modality
#: (``frames.MODALITIES``) each one needs.
VIEW_MODALITIES: tuple[str, ...] = ("rgb", "raw", "depth", "flow", "semantic", "instance")
SOURCE_MODALITY: dict[str, str] = {"rgb": "img", "raw": "raw", "depth": "depth", "flow": "flow",
                                   "semantic": "classgt", "instance": "instancegt"}

#: Key name -> (Player method, help text).
KEYS: dict[str, tuple[str, str]] = {
    "space": ("toggle_pause", "pause / play"),
    "right": ("step_forward", "next frame (pauses)"),
    "left": ("step_back", "previous frame (pauses)"),
    "r": ("restart", "restart from the first frame"),
    "m": ("next_modality", "next modality (rgb, raw, depth, flow, semantic, instance)"),
    "1": ("modality_1", "rgb"), "2": ("modality_2", "raw"), "3": ("modality_3", "depth"),
    "4": ("modality_4", "flow"), "5": ("modality_5", "semantic"), "6": ("modality_6", "instance"),
    "c": ("next_camera", "next camera rig (simulates the scene again)"),
    "o": ("toggle_overlay", "2D joints and boxes on / off"),
    "q": ("quit", "quit"), "escape": ("quit", "quit"),
}


@dataclasses.dataclass
class Player:
    """Which frame of a ``num_frames``-frame take is shown, advanced at ``fps`` while playing.

    Attributes:
        num_frames: frames in the take (>= 1). ``fps``: playback rate, frames per second.
        frame: 0-based frame shown. ``paused``: whether time stands still. ``loop``: restart at the end.
        modality: the one shown, of ``modalities`` (those rendered, a subset of :data:`VIEW_MODALITIES`).
        ``overlay``: draw joints and boxes.
        cameras: the camera rigs ``next_camera`` cycles through; ``camera`` indexes them.
        quit_requested, camera_changed: set by the keys, read (and cleared) by the viewer loop.
    """

    num_frames: int
    fps: float
    frame: int = 0
    paused: bool = False
    loop: bool = True
    modality: str = "rgb"
    modalities: tuple[str, ...] = VIEW_MODALITIES
    overlay: bool = False
    cameras: tuple[str, ...] = ()
    camera: int = 0
    quit_requested: bool = False
    camera_changed: bool = False
    _clock: float = 0.0

    def __post_init__(self) -> None:
        if self.num_frames < 1:
            raise ValueError(f"a take has at least one frame, got {self.num_frames}")
        unknown = [m for m in self.modalities if m not in VIEW_MODALITIES]
        if unknown or not self.modalities:
            raise ValueError(f"unknown modalities {unknown}; choose from {', '.join(VIEW_MODALITIES)}")
        self.modalities = tuple(m for m in VIEW_MODALITIES if m in self.modalities)
        if self.modality not in self.modalities:
            self.modality = self.modalities[0]

    def advance(self, seconds: float) -> int:
        """Let ``seconds`` of wall time pass; returns the frame to show (unchanged while paused)."""
        if self.paused:
            return self.frame
        self._clock += seconds
        step = 1.0 / self.fps
        while self._clock >= step:
            self._clock -= step
            if self.frame + 1 < self.num_frames:
                self.frame += 1
            elif self.loop:
                self.frame = 0
            else:
                self.paused = True
                self._clock = 0.0
                break
        return self.frame

    def press(self, key: str) -> bool:
        """Apply key ``key`` (a name of :data:`KEYS`); returns whether it is bound."""
        entry = KEYS.get(key)
        if entry is None:
            return False
        getattr(self, entry[0])()
        return True

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self._clock = 0.0

    def step_forward(self) -> None:
        self.paused = True
        self.frame = min(self.frame + 1, self.num_frames - 1)

    def step_back(self) -> None:
        self.paused = True
        self.frame = max(self.frame - 1, 0)

    def restart(self) -> None:
        self.frame, self._clock = 0, 0.0

    def next_modality(self) -> None:
        self.modality = self.modalities[(self.modalities.index(self.modality) + 1) % len(self.modalities)]

    def _choose(self, number: int) -> None:
        if VIEW_MODALITIES[number - 1] in self.modalities:  # one not rendered keeps the current one
            self.modality = VIEW_MODALITIES[number - 1]

    def modality_1(self) -> None: self._choose(1)  # noqa: E704
    def modality_2(self) -> None: self._choose(2)  # noqa: E704
    def modality_3(self) -> None: self._choose(3)  # noqa: E704
    def modality_4(self) -> None: self._choose(4)  # noqa: E704
    def modality_5(self) -> None: self._choose(5)  # noqa: E704
    def modality_6(self) -> None: self._choose(6)  # noqa: E704

    def next_camera(self) -> None:
        if len(self.cameras) > 1:
            self.camera = (self.camera + 1) % len(self.cameras)
            self.camera_changed = True

    def toggle_overlay(self) -> None:
        self.overlay = not self.overlay

    def quit(self) -> None:
        self.quit_requested = True

    def new_take(self, num_frames: int) -> None:
        """A new take (another camera) replaces the old one: keep the frame where possible."""
        self.num_frames = num_frames
        self.frame = min(self.frame, num_frames - 1)
        self.camera_changed = False
