"""The scene behind the viewer: simulate a spec (per camera rig), render its frames on demand, colour them.

Frames are rendered lazily in order and kept, so playing, stepping back and switching modality
cost nothing after the first pass. A new camera rig means a new take: the spec with another
camera, simulated again from the same seed (same motion, same world, another view).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from phav.frames import Frame
from phav.io.annotations import AnnotationBuilder, with_annotation_maps
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.server.previews import depth_image, flow_image, instance_image, semantic_image
from phav.spec import CameraKind, Environment, VideoSpec
from phav.take import Take
from phav.viewer.player import SOURCE_MODALITY


def camera_cycle(spec: VideoSpec) -> tuple[str, ...]:
    """The rigs the viewer may cycle through for ``spec``, starting with its own (PHAV's rule: Indoor
    exactly in House)."""
    house = spec.environment == Environment.HOUSE
    rigs = [k.value for k in CameraKind if (k == CameraKind.INDOOR) == house]
    start = rigs.index(spec.camera.value) if spec.camera.value in rigs else 0
    return tuple(rigs[start:] + rigs[:start])


class Session:
    """One spec's takes and their rendered frames.

    Args:
        spec: the video.
        quality: render preset.
        modalities: frame modalities to render (``frames.MODALITIES`` names).
        activate: called before every use of the renderer (the viewer makes its context current).
    """

    def __init__(self, spec: VideoSpec, quality: str, modalities: tuple[str, ...],
                 activate: Callable[[], None] = lambda: None) -> None:
        self.spec, self.modalities, self._activate = spec, modalities, activate
        self.renderer = Renderer(spec.width, spec.height, quality_settings(quality))
        self.take: Take | None = None
        self._annotations: AnnotationBuilder | None = None
        self._records: dict[int, dict[str, Any]] = {}  # annotation records of the frames shown so far
        self.frames: list[Frame] = []
        self._pending: Iterator[Frame] | None = None
        self._depth_range: tuple[float, float] | None = None

    def load(self, camera: str) -> int:
        """Simulate the spec seen by rig ``camera``; returns its number of frames.

        Raises:
            SpecError, phav.physics.SimulationError: the scene cannot be built or simulated.
        """
        spec = self.spec.replace(camera=camera)
        take = Scenario(spec).simulate(check_signature=False)
        self.take, self.frames, self._depth_range = take, [], None
        self._annotations = AnnotationBuilder(take)
        self._activate()
        self._records = {}
        self._pending = self.renderer.render_take(take, with_annotation_maps(self.modalities))
        return take.num_frames

    def frame(self, index: int) -> Frame:
        """Frame ``index`` of the current take, rendering up to it if needed."""
        while len(self.frames) <= index:
            self._activate()
            frame = next(self._pending)
            self._annotations.add_depth(frame.index, frame.depth, frame.instance, frame.semantic)
            self.frames.append(frame)
        return self.frames[index]

    def annotation(self, index: int) -> dict[str, Any]:
        """``annotations.json``'s record of frame ``index`` (rendering up to it if needed), its
        visibility tested on the frame's maps as in a written video."""
        if index not in self._records:
            self.frame(index)
            self._records[index] = self._annotations.frame(index)
        return self._records[index]

    def image(self, index: int, modality: str, overlay: bool) -> np.ndarray:
        """``(H, W, 3) uint8`` picture of frame ``index`` in viewer ``modality``, with joints and boxes
        when ``overlay``."""
        from phav.viewer.overlay import draw_annotations

        frame = self.frame(index)
        source = SOURCE_MODALITY[modality]
        if source in ("img", "raw"):
            picture = getattr(frame, source)
        elif source == "depth":
            if self._depth_range is None:
                finite = frame.depth[np.isfinite(frame.depth)]
                self._depth_range = (float(finite.min()), float(finite.max())) if finite.size else (0.1, 100.0)
            picture = depth_image(frame.depth, *self._depth_range)
        elif source == "flow":
            picture = flow_image(frame.flow, frame.flow_valid)
        elif source == "classgt":
            picture = semantic_image(frame.semantic)
        else:
            picture = instance_image(frame.instance, self.take.instances if self.take is not None else ())
        if overlay:
            picture = draw_annotations(picture, self.annotation(index))
        return picture

    def close(self) -> None:
        """Release the renderer (idempotent)."""
        self._pending = None
        if not self.renderer.closed:
            self._activate()
            self.renderer.close()
