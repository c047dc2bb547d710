"""The post chain on the RGB image: an ordered list of switchable full-screen passes.

Each pass reads the previous result (``u_source``) and writes a new supersampled ``RGBA16F`` image;
the chain ping-pongs between two targets. SSAO, SSR and bloom (:data:`LOW_RES_PASSES`) first compute
their term once per output pixel (the shader's ``LOW_RES`` variant, into an output-size texture on
unit 4, ``u_low``), then a cheap supersampled pass applies it (depth-aware upsample for SSAO and SSR,
bilinear for bloom): with 2x SSAA that is a quarter of the expensive work. Later passes (SSAO, SSR, bloom, motion blur) slot in by
adding a shader and its uniforms to :data:`PASS_UNIFORMS` and a name to
:data:`phav.render.settings.POST_PASSES`.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import moderngl

from phav.render.profiling import PassTimer
from phav.render.settings import RenderSettings
from phav.render.shaders import create_program
from phav.render.targets import GLObjects


@dataclasses.dataclass
class PostPass:
    """One full-screen pass: ``program`` draws with ``vao``; ``enabled`` switches it. Passes of
    :data:`LOW_RES_PASSES` also have ``low_vao`` drawing their term into ``low`` (``low_fbo``)."""

    name: str
    program: moderngl.Program
    vao: moderngl.VertexArray
    enabled: bool = True
    low_vao: moderngl.VertexArray | None = None
    low: moderngl.Texture | None = None
    low_fbo: moderngl.Framebuffer | None = None


def _set(program: moderngl.Program, name: str, value) -> None:
    """Set a uniform if the program uses it (each variant of a pass uses only some)."""
    if name in program:
        program[name].value = value


#: Each pass's fragment shader and its uniforms, computed from the render settings.
PASS_UNIFORMS: dict[str, tuple[str, Callable[[RenderSettings], dict[str, float | int]]]] = {
    "ssao": ("post_ssao.frag", lambda s: {"u_strength": s.ssao_strength, "u_radius": s.ssao_radius,
                                          "u_samples": s.ssao_samples}),
    "ssr": ("post_ssr.frag", lambda s: {"u_strength": s.ssr_strength, "u_max_roughness": s.ssr_max_roughness,
                                        "u_distance": s.ssr_distance, "u_steps": s.ssr_steps}),
    "bloom": ("post_bloom.frag", lambda s: {"u_threshold": s.bloom_threshold, "u_intensity": s.bloom_intensity,
                                            "u_radius": s.bloom_radius, "u_samples": s.bloom_samples}),
    "motion_blur": ("post_motion_blur.frag", lambda s: {"u_shutter": s.shutter_angle / 360.0,
                                                        "u_samples": s.motion_blur_samples}),
    "tonemap": ("post_tonemap.frag", lambda s: {"u_exposure": s.exposure, "u_saturation": s.saturation}),
    "grade": ("post_grade.frag", lambda s: {"u_lift": s.grade_lift, "u_gain": s.grade_gain,
                                            "u_contrast": s.grade_contrast, "u_saturation": s.grade_saturation}),
    "vignette": ("post_vignette.frag", lambda s: {"u_strength": s.vignette}),
}


def build_pass_program(ctx: moderngl.Context, name: str, settings: RenderSettings,
                       defines: dict | None = None) -> moderngl.Program:
    """The program of post pass ``name`` with its settings' uniforms applied."""
    fragment, uniforms = PASS_UNIFORMS[name]
    program = create_program(ctx, "fullscreen.vert", fragment, defines)
    for uniform, value in uniforms(settings).items():
        _set(program, uniform, value)
    return program


#: Texture units of the G-buffer while the chain runs (the current image is on unit 0).
GBUFFER_UNITS = {"u_albedo": 1, "u_normal": 2, "u_surface": 3}
#: Texture unit of a pass's output-size term (``u_low``).
LOW_UNIT = 4
#: Passes computed once per output pixel and then applied at the supersampled size.
LOW_RES_PASSES = frozenset({"ssao", "ssr", "bloom"})
_FRAME_BLOCK_BINDING = 0


class PostChain:
    """The enabled passes of ``settings.post`` in order, for output images of ``size`` (width,
    height) pixels (the chain itself runs at ``settings.ssaa`` times that)."""

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, settings: RenderSettings,
                 timer: PassTimer | None = None, size: tuple[int, int] = (1, 1)):
        self.timer = timer if timer is not None else PassTimer(ctx)
        self.passes: list[PostPass] = []

        def program_of(name: str, defines: dict | None) -> moderngl.Program:
            program = gl.add(build_pass_program(ctx, name, settings, defines))
            units = {"u_source": 0, "u_low": LOW_UNIT, **GBUFFER_UNITS}
            for uniform, unit in units.items():
                if uniform in program:
                    program[uniform].value = unit
            if "u_ssaa" in program:
                program["u_ssaa"].value = float(settings.ssaa)
            if "FrameData" in program:
                program["FrameData"].binding = _FRAME_BLOCK_BINDING
            return program

        for name in settings.post:
            program = program_of(name, None)
            post_pass = PostPass(name, program, gl.add(ctx.vertex_array(program, [])))
            if name in LOW_RES_PASSES:
                low_program = program_of(name, {"LOW_RES": 1})
                post_pass.low_vao = gl.add(ctx.vertex_array(low_program, []))
                post_pass.low = gl.add(ctx.texture(size, 4, dtype="f4"))
                linear = moderngl.LINEAR if name == "bloom" else moderngl.NEAREST
                post_pass.low.filter = (linear, linear)
                post_pass.low.repeat_x = post_pass.low.repeat_y = False
                post_pass.low_fbo = gl.add(ctx.framebuffer([post_pass.low]))
            self.passes.append(post_pass)

    def run(self, source: moderngl.Texture, targets: list[tuple[moderngl.Texture, moderngl.Framebuffer]],
            gbuffer=None) -> moderngl.Texture:
        """Apply the enabled passes to ``source``, alternating between the two ``targets``;
        returns the texture holding the result (``source`` itself when no pass is enabled).
        ``gbuffer`` (:class:`~phav.render.targets.LitTargets`) is bound for passes that read it."""
        if gbuffer is not None:
            gbuffer.albedo.use(location=GBUFFER_UNITS["u_albedo"])
            gbuffer.normal.use(location=GBUFFER_UNITS["u_normal"])
            gbuffer.surface.use(location=GBUFFER_UNITS["u_surface"])
        current = source
        k = 0
        for post_pass in self.passes:
            if not post_pass.enabled:
                continue
            texture, fbo = targets[k % 2]
            with self.timer.section(post_pass.name):
                current.use(location=0)
                if post_pass.low_vao is not None:
                    post_pass.low_fbo.use()
                    post_pass.low_vao.render(moderngl.TRIANGLES, vertices=3)
                    post_pass.low.use(location=LOW_UNIT)
                fbo.use()
                post_pass.vao.render(moderngl.TRIANGLES, vertices=3)
            current = texture
            k += 1
        return current
