"""The GL side of rain and snow: two full-screen passes of ``shaders/precipitation.frag``.

1. At output size (``LOW_RES``): per pixel, the coverage of each distance band of the world-anchored
   particle field and the screen velocity of the most covering particle.
2. At the supersampled size: the bands in front of each sample's surface are blended over the lit
   HDR image, and where a particle covers the sample its velocity replaces the G-buffer's
   (``surface.xy`` only, by colour mask) so the motion-blur pass smears it along its own motion.
   Ground-truth targets are separate and never see the particles.
"""

from __future__ import annotations

import moderngl
import numpy as np

from phav.render.precipitation import PrecipitationFrame
from phav.render.settings import RenderSettings
from phav.render.shaders import create_program
from phav.render.targets import GLObjects, LitTargets


def _f4(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="f4").tobytes()


class PrecipitationPass:
    """Programs and targets of the precipitation passes of one renderer (released with ``gl``).

    Args:
        gl: owner of the GL objects.
        ctx: the renderer's context.
        settings: ``ssaa`` and ``precipitation_layers`` are used.
        lit: the renderer's supersampled targets (``hdr`` is blended into, ``surface.xy`` receives
            the particles' velocity).
        frame_block_binding: uniform-block binding of the frame block.
        gbuffer_units: texture units of ``u_albedo`` and ``u_surface`` (bound by the caller).
        units: two free texture units for this pass's intermediate textures.
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, settings: RenderSettings, lit: LitTargets,
                 frame_block_binding: int, gbuffer_units: dict[str, int], units: tuple[int, int]):
        self._ctx, self._units = ctx, units
        progs = [gl.add(create_program(ctx, "fullscreen.vert", "precipitation.frag", defines))
                 for defines in ({"LOW_RES": 1}, None, {"COPY_MOTION": 1})]
        self._low_prog, self._prog, self._copy_prog = progs
        for prog in progs[:2]:
            prog["FrameData"].binding = frame_block_binding
            prog["u_layers"].value = settings.precipitation_layers
            prog["u_ssaa"].value = float(settings.ssaa)
            prog["u_albedo"].value = gbuffer_units["u_albedo"]
            prog["u_surface"].value = gbuffer_units["u_surface"]
        self._prog["u_low"].value = units[0]
        self._prog["u_low_motion"].value = units[1]
        self._copy_prog["u_particle_motion"].value = units[0]
        self._vaos = [gl.add(ctx.vertex_array(prog, [])) for prog in progs]
        width, height = lit.raw.size
        self._low = [self._texture(gl, (width, height)) for _ in range(2)]
        self._low_fbo = gl.add(ctx.framebuffer(self._low))
        # The composite's per-sample particle velocity, then copied into surface.xy (z, w masked).
        self._motion = self._texture(gl, lit.hdr.size)
        self._motion_fbo = gl.add(ctx.framebuffer([self._motion]))
        self._composite_fbo = gl.add(ctx.framebuffer([lit.hdr, self._motion]))
        self._copy_fbo = gl.add(ctx.framebuffer([lit.surface]))
        self._copy_fbo.color_mask = (True, True, False, False)

    def _texture(self, gl: GLObjects, size: tuple[int, int]) -> moderngl.Texture:
        tex = gl.add(self._ctx.texture(size, 4, dtype="f2"))
        tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
        return tex

    def draw(self, p: PrecipitationFrame, seed: tuple[int, int]) -> None:
        """Blend frame ``p``'s particles over the lit image and write their velocity into the
        G-buffer's ``surface.xy`` (its textures must be bound at ``gbuffer_units``)."""
        ctx, low = self._ctx, self._low_prog
        low["u_seed"].value = seed
        low["u_rate"].value = p.rate
        low["u_velocity"].value = tuple(float(v) for v in p.velocity)
        low["u_frame_time"].value = p.frame_time
        low["u_times"].value = tuple(float(v) for v in p.times)
        low["u_camera_position"].value = tuple(float(v) for v in p.camera_position)
        low["u_camera_to_world"].write(_f4(p.camera_to_world.T))  # column-major
        low["u_offset"].write(_f4(p.offsets))
        low["u_world_to_clip"].write(_f4(np.transpose(p.world_to_clip, (0, 2, 1))))
        for prog in (low, self._prog):
            prog["u_kind"].value = p.kind
        low_vao, vao, copy_vao = self._vaos
        self._low_fbo.use()
        low_vao.render(moderngl.TRIANGLES, vertices=3)
        for unit, tex in zip(self._units, self._low):
            tex.use(location=unit)
        self._motion_fbo.clear(0.0, 0.0, 0.0, 0.0)
        self._composite_fbo.use()
        ctx.enable_only(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        vao.render(moderngl.TRIANGLES, vertices=3)
        self._motion.use(location=self._units[0])
        self._copy_fbo.use()
        copy_vao.render(moderngl.TRIANGLES, vertices=3)
        ctx.enable_only(moderngl.NOTHING)
