"""The programs that draw the take's meshes (``shaders/mesh.vert`` with a fragment shader per job):
G-buffer, ground truth and sun shadow map, each for rigid parts (their rows of the part table in the
``PartData`` block) and for skins (vertices skinned beforehand), and, where the G-buffer is at
output size, the G-buffer writing the ground truth too (fused).

Programs are numbered (:data:`GBUFFER`, :data:`GROUND_TRUTH`, :data:`SHADOW`, :data:`FUSED`) the
same way in :class:`~phav.render.part_batch.PartBatch` and the skin buffers, which keep one vertex
array per program.
"""

from __future__ import annotations

import moderngl

from phav.render.part_batch import PART_BLOCK_BINDING
from phav.render.shaders import create_program
from phav.render.targets import GLObjects
from phav.render.uniforms import PART_TABLE_COLUMNS

#: Program numbers; :data:`FUSED` exists only where the G-buffer pass writes the ground truth too.
GBUFFER, GROUND_TRUTH, SHADOW, FUSED = 0, 1, 2, 3

# Fragment shader and defines of each program number.
_JOBS = {
    GBUFFER: ("gbuffer.frag", {}),
    GROUND_TRUTH: ("groundtruth.frag", {"GROUND_TRUTH": 1}),
    SHADOW: ("shadow.frag", {"SHADOW": 1}),
    FUSED: ("gbuffer.frag", {"GBUFFER_GROUND_TRUTH": 1}),
}


def set_raster_state(ctx: moderngl.Context) -> None:
    """Set the rasteriser state the mesh programs draw with. The renderer sets it once per take (no
    phav code sets it otherwise), not every frame: four GL calls a frame fewer."""
    ctx.provoking_vertex = moderngl.FIRST_VERTEX_CONVENTION  # a triangle's label is its first vertex's
    ctx.front_face = "cw"  # gl_projection mirrors the image: outward faces rasterise clockwise
    ctx.cull_face = "back"
    ctx.depth_func = "<"


class MeshPrograms:
    """Every mesh program of a renderer, built and bound to its blocks.

    Args:
        gl: owner of the programs (released with it).
        ctx: the context.
        parts_per_chunk: parts whose rows one ``PartData`` block holds
            (:func:`phav.render.part_batch.parts_per_chunk`).
        fused: build :data:`FUSED` too.
        ssaa: supersampling factor of the G-buffer (``u_ssaa`` of the programs writing it).
        frame_block_binding: binding point of the ``FrameData`` block.

    Attributes:
        rigid: the rigid-part programs, indexed by program number.
        skinned: the skinned twin of each, indexed the same way.
        lit: the programs writing the G-buffer (rigid and skinned), which take the frame's
            ``u_wetness`` and ``u_snow``.
        skin_instance: per program number, whether its skinned program takes ``u_instance`` (the
            ground-truth programs, separate and fused).
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, parts_per_chunk: int, fused: bool, ssaa: int,
                 frame_block_binding: int):
        rows = {"PART_ROWS": parts_per_chunk * PART_TABLE_COLUMNS, "PART_COLUMNS": PART_TABLE_COLUMNS}
        numbers = [GBUFFER, GROUND_TRUTH, SHADOW] + ([FUSED] if fused else [])

        def build(number: int, defines: dict) -> moderngl.Program:
            fragment, job = _JOBS[number]
            return gl.add(create_program(ctx, "mesh.vert", fragment, {**defines, **job}))

        self.rigid: list[moderngl.Program] = [build(n, rows) for n in numbers]
        self.skinned: list[moderngl.Program] = [build(n, {"SKINNED": 1}) for n in numbers]
        self.skin_instance: list[bool] = ["u_instance" in p for p in self.skinned]
        for number in numbers:
            if number != SHADOW:  # the shadow programs take the light's matrix instead of the frame's cameras
                self.rigid[number]["FrameData"].binding = frame_block_binding
                self.skinned[number]["FrameData"].binding = frame_block_binding
            self.rigid[number]["PartData"].binding = PART_BLOCK_BINDING
        self.lit = tuple(p for n in numbers if n in (GBUFFER, FUSED) for p in (self.rigid[n], self.skinned[n]))
        for prog in self.lit:
            prog["u_ssaa"].value = float(ssaa)
