"""What a :class:`~phav.render.renderer.Renderer` keeps for the take it is rendering: the take's
meshes and skins on the GPU, and the per-frame data computed once per take (model-views, frame
blocks, camera heights, the sun's light-camera data), so that a frame only looks them up."""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.render.part_batch import PartBatch
from phav.render.skinning import SkinBuffers
from phav.render.sun_camera import SunFrames
from phav.render.uniforms import frame_blocks, take_model_views
from phav.take import Take


class TakeResources:
    """GL objects and per-take arrays that live for one ``render_take`` call (:meth:`load` to
    :meth:`release`, idempotent).

    Attributes:
        parts: the take's rigid parts on the GPU (:class:`~phav.render.part_batch.PartBatch`), with
            vertex arrays for the mesh programs (numbered as the ``programs`` given to :meth:`load`).
        skins: the take's skins on the GPU, with vertex arrays for the skinned mesh programs.
        model_views: ``(T, P, 4, 4) float64`` (:func:`~phav.render.uniforms.take_model_views`), or
            ``None`` without parts.
        frame_blocks: ``(T, FRAME_BLOCK_FLOATS) float32`` (:func:`~phav.render.uniforms.frame_blocks`).
        camera_height: ``(T,)`` world z of the camera, metres.
        sun: the take's :class:`~phav.render.sun_camera.SunFrames` (``None`` without sun shadows).
        skin_instances: per skin, the instance id of its person's parts (0 without bones).
    """

    def __init__(self) -> None:
        self.parts: PartBatch | None = None
        self.skins: SkinBuffers | None = None
        self.model_views: np.ndarray | None = None
        self.frame_blocks: np.ndarray | None = None
        self.camera_height: np.ndarray | None = None
        self.sun: SunFrames | None = None
        self.skin_instances: list[int] = []
        self._skin_draws: dict[int, list] = {}  # program number -> skin vaos

    def load(self, ctx: moderngl.Context, take: Take, programs: Sequence[moderngl.Program],
             skin_transform: moderngl.Program, skin_programs: Sequence[moderngl.Program],
             near: float, far: float, sun: bool, parts_per_chunk: int) -> None:
        """Upload ``take`` (releasing the previous take's objects first) and compute its per-frame
        data. ``programs`` and ``skin_programs``: the rigid and skinned mesh programs, by program
        number; ``skin_transform``: the skinning program; ``near``, ``far``: clip planes, metres;
        ``sun``: whether sun shadows are drawn (then :attr:`sun` is made); ``parts_per_chunk``: parts
        one ``PartData`` block holds (:func:`~phav.render.part_batch.parts_per_chunk`)."""
        self.release()
        self.parts = PartBatch(ctx, take.meshes, [int(m) for m in take.part_mesh], programs, parts_per_chunk)
        self.skins = SkinBuffers(ctx, take.skins, skin_transform, skin_programs)
        self.model_views = take_model_views(take) if take.num_parts else None
        self.frame_blocks = frame_blocks(take, near, far)
        self.camera_height = np.linalg.inv(np.asarray(take.camera_world_to_camera))[:, 2, 3]
        self.sun = SunFrames(take) if sun else None
        self.skin_instances = [int(take.part_instance[sk.bone_parts[0]]) if len(sk.bone_parts) else 0
                               for sk in take.skins]

    def skin_draws(self, program_number: int) -> list[tuple[int, moderngl.VertexArray]]:
        """The ``(skin, vertex array)`` of every skin that has triangles, for mesh program
        ``program_number`` (made at the first call)."""
        draws = self._skin_draws.get(program_number)
        if draws is None:
            skins = [(i, self.skins.vertex_array(i, program_number)) for i in range(len(self.skin_instances))]
            draws = self._skin_draws[program_number] = [(i, v) for i, v in skins if v is not None]
        return draws

    def release(self) -> None:
        """Free the GL objects and forget the take (idempotent)."""
        for buffers in (self.parts, self.skins):
            if buffers is not None:
                buffers.release()
        self.parts = self.skins = None
        self.model_views = self.frame_blocks = self.camera_height = self.sun = None
        self.skin_instances = []
        self._skin_draws.clear()
