"""What a :class:`~phav.render.renderer.Renderer` keeps for the take it is rendering: the take's
meshes and skins on the GPU, the per-frame data computed once per take (part tables, bone
matrices, frame blocks, camera heights, the sun's light-camera data) so that a frame only looks
them up or binds them (:class:`~phav.render.frame_window.FrameWindow` keeps the GPU's share a window
of frames at a time), and the sun shadows' per-take state (the casters, the far cascade's camera
and the shadow planner)."""

from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from phav.render.frame_window import FrameWindow, window_length
from phav.render.part_batch import PartBatch, uniform_alignment
from phav.render.settings import RenderSettings
from phav.render.shadow_plan import ShadowPlanner
from phav.render.shadows import ShadowCasters
from phav.render.skinning import SkinBuffers
from phav.render.view_cull import ViewCulling
from phav.render.sun_camera import FarCascade, SunFrames, camera_inverses
from phav.render.uniforms import PartTables, frame_blocks, skin_matrices, take_model_views
from phav.take import Take


class TakeResources:
    """GL objects and per-take arrays that live for one ``render_take`` call (:meth:`load` to
    :meth:`release`, idempotent).

    Attributes:
        parts: the take's rigid parts on the GPU (:class:`~phav.render.part_batch.PartBatch`), with
            vertex arrays for the mesh programs (numbered as the ``programs`` given to :meth:`load`).
        skins: the take's skins on the GPU, with vertex arrays for the skinned mesh programs.
        part_tables: the take's :class:`~phav.render.uniforms.PartTables`.
        skin_matrices: per skin, ``(T, B, 4, 4) float32`` (:func:`~phav.render.uniforms.skin_matrices`).
        frame_blocks: ``(T, FRAME_BLOCK_FLOATS) float32`` (:func:`~phav.render.uniforms.frame_blocks`).
        window: the :class:`~phav.render.frame_window.FrameWindow` that puts a frame's frame block,
            part table and bone palettes on the GPU (:meth:`~phav.render.frame_window.FrameWindow.use`).
        camera_height: ``(T,)`` world z of the camera, metres.
        sun: the take's :class:`~phav.render.sun_camera.SunFrames` (``None`` without sun shadows).
        far_cascade: the far cascade's :class:`~phav.render.sun_camera.FarCascade` (``None``
            without sun shadows or with a single cascade).
        skin_instances: per skin, the instance id of its person's parts (0 without bones).
        skin_closed: per skin, its :attr:`~phav.take.Skin.closed` (back faces may be culled).
    """

    def __init__(self) -> None:
        self.parts: PartBatch | None = None
        self.view_cull: ViewCulling | None = None  # None: every rigid triangle drawn
        self.skins: SkinBuffers | None = None
        self.part_tables: PartTables | None = None
        self.skin_matrices: list[np.ndarray] = []
        self.frame_blocks: np.ndarray | None = None
        self.window: FrameWindow | None = None
        self.camera_height: np.ndarray | None = None
        self.sun: SunFrames | None = None
        self.far_cascade: FarCascade | None = None
        self.skin_instances: list[int] = []
        self.skin_closed: list[bool] = []
        self._take: Take | None = None
        self._casters: ShadowCasters | None = None
        self._planner: ShadowPlanner | None = None
        self._skin_draws: dict[int, list] = {}  # program number -> skin vaos

    def load(self, ctx: moderngl.Context, take: Take, programs: Sequence[moderngl.Program],
             skin_transform: moderngl.Program | moderngl.ComputeShader, skin_programs: Sequence[moderngl.Program],
             near: float, far: float, parts_per_chunk: int, shadow_map_size: int | None = None,
             cascades: int = 1, cull_program: moderngl.ComputeShader | None = None,
             frame_block_binding: int = 0) -> None:
        """Upload ``take`` (releasing the previous take's objects first) and compute its per-frame
        data. ``programs`` and ``skin_programs``: the rigid and skinned mesh programs, by program
        number; ``skin_transform``: the skinning program (:func:`~phav.render.skinning.create_skinning`:
        compute shader or transform feedback); ``near``, ``far``: clip planes, metres;
        ``parts_per_chunk``: parts one ``PartData`` block holds
        (:func:`~phav.render.part_batch.parts_per_chunk`); ``shadow_map_size``: texels per side of a
        cascade's map when sun shadows are drawn (then :attr:`sun` is made), else ``None``;
        ``cascades``: shadow cascades (2: :attr:`far_cascade` is made); ``cull_program``:
        ``shaders/view_cull.comp`` (GL 4.3), which culls the large parts' triangles outside each
        frame's view (:attr:`view_cull`), or ``None``; ``frame_block_binding``: the uniform-buffer
        binding of the ``FrameData`` block."""
        self.release()
        self._take = take
        part_mesh = [int(m) for m in take.part_mesh]
        frames = window_length(take.num_frames, len(part_mesh), parts_per_chunk, uniform_alignment(ctx),
                               [len(skin.bone_parts) for skin in take.skins], int(ctx.info["GL_MAX_TEXTURE_SIZE"]))
        self.parts = PartBatch(ctx, take.meshes, part_mesh, programs, parts_per_chunk, frames)
        self.view_cull = (ViewCulling.create(ctx, cull_program, self.parts, take.meshes, part_mesh)
                          if cull_program is not None else None)
        self.skins = SkinBuffers(ctx, take.skins, skin_transform, skin_programs, frames)
        model_views = take_model_views(take)
        self.part_tables = PartTables(take, model_views)
        self.skin_matrices = [skin_matrices(skin, model_views) for skin in take.skins]
        self.frame_blocks = frame_blocks(take, near, far)
        self.window = FrameWindow(ctx, take, self.frame_blocks, self.part_tables, self.skin_matrices,
                                  self.parts, self.skins, frame_block_binding)
        camera_to_world = camera_inverses(take)
        self.camera_height = camera_to_world[:, 2, 3]
        if shadow_map_size is not None:
            self.sun = SunFrames(take, camera_to_world)
            self.far_cascade = FarCascade(shadow_map_size) if cascades > 1 else None
        self.skin_instances = [int(take.part_instance[sk.bone_parts[0]]) if len(sk.bone_parts) else 0
                               for sk in take.skins]
        self.skin_closed = [bool(sk.closed) for sk in take.skins]

    def shadow_casters(self) -> ShadowCasters:
        """The take's :class:`~phav.render.shadows.ShadowCasters` (made at the first call: a take
        whose sun never casts shadows does not need them). Requires sun shadows (:attr:`sun`)."""
        if self._casters is None:
            self._casters = ShadowCasters(self._take, self.sun)
        return self._casters

    def shadow_planner(self, settings: RenderSettings) -> ShadowPlanner:
        """The take's :class:`~phav.render.shadow_plan.ShadowPlanner` with ``settings`` (the
        renderer's, the same at every call; made at the first call, with :meth:`shadow_casters`
        and :attr:`far_cascade`). Requires sun shadows (:attr:`sun`)."""
        if self._planner is None:
            self._planner = ShadowPlanner(self._take, settings, self.shadow_casters(), self.far_cascade)
        return self._planner

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
        for buffers in (self.window, self.view_cull, self.parts, self.skins):
            if buffers is not None:
                buffers.release()
        self.parts = self.skins = self.part_tables = self.view_cull = self.window = None
        self.frame_blocks = self.camera_height = self.sun = self.far_cascade = None
        self.skin_matrices, self.skin_instances, self.skin_closed = [], [], []
        self._take = self._casters = self._planner = None
        self._skin_draws.clear()
