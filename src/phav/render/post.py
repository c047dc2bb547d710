"""The post chain on the RGB image: an ordered list of switchable full-screen passes.

Each pass reads the previous result (``u_source``) and writes a new supersampled ``RGBA16F`` image;
the chain ping-pongs between two targets. SSAO, SSR and bloom (:data:`LOW_RES_PASSES`) first compute
their term once per output pixel (the shader's ``LOW_RES`` variant, into an output-size texture on
unit 4, ``u_low``), then a cheap supersampled pass applies it (depth-aware upsample for SSAO and SSR,
bilinear for bloom): with 2x SSAA that is a quarter of the expensive work. Later passes (SSAO, SSR, bloom, motion blur) slot in by
adding a :class:`PostPass` factory to :data:`PASS_FACTORIES` and a name to
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


def _tonemap(ctx: moderngl.Context, settings: RenderSettings, defines: dict | None = None) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_tonemap.frag", defines)
    _set(prog, "u_exposure", settings.exposure)
    _set(prog, "u_saturation", settings.saturation)
    return prog


def _ssao(ctx: moderngl.Context, settings: RenderSettings, defines: dict | None = None) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_ssao.frag", defines)
    _set(prog, "u_strength", settings.ssao_strength)
    _set(prog, "u_radius", settings.ssao_radius)
    _set(prog, "u_samples", settings.ssao_samples)
    return prog


def _ssr(ctx: moderngl.Context, settings: RenderSettings, defines: dict | None = None) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_ssr.frag", defines)
    _set(prog, "u_strength", settings.ssr_strength)
    _set(prog, "u_max_roughness", settings.ssr_max_roughness)
    _set(prog, "u_distance", settings.ssr_distance)
    _set(prog, "u_steps", settings.ssr_steps)
    return prog


def _bloom(ctx: moderngl.Context, settings: RenderSettings, defines: dict | None = None) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_bloom.frag", defines)
    _set(prog, "u_threshold", settings.bloom_threshold)
    _set(prog, "u_intensity", settings.bloom_intensity)
    _set(prog, "u_radius", settings.bloom_radius)
    _set(prog, "u_samples", settings.bloom_samples)
    return prog


def _motion_blur(ctx: moderngl.Context, settings: RenderSettings, defines: dict | None = None) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_motion_blur.frag", defines)
    _set(prog, "u_shutter", settings.shutter_angle / 360.0)
    _set(prog, "u_samples", settings.motion_blur_samples)
    return prog


def _grade(ctx: moderngl.Context, settings: RenderSettings, defines: dict | None = None) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_grade.frag", defines)
    _set(prog, "u_lift", settings.grade_lift)
    _set(prog, "u_gain", settings.grade_gain)
    _set(prog, "u_contrast", settings.grade_contrast)
    _set(prog, "u_saturation", settings.grade_saturation)
    return prog


def _vignette(ctx: moderngl.Context, settings: RenderSettings, defines: dict | None = None) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_vignette.frag", defines)
    _set(prog, "u_strength", settings.vignette)
    return prog


#: name -> builds the pass's program with its settings applied.
PASS_FACTORIES: dict[str, Callable[[moderngl.Context, RenderSettings, dict | None], moderngl.Program]] = {
    "ssao": _ssao,
    "ssr": _ssr,
    "bloom": _bloom,
    "motion_blur": _motion_blur,
    "tonemap": _tonemap,
    "grade": _grade,
    "vignette": _vignette,
}
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
            program = gl.add(PASS_FACTORIES[name](ctx, settings, defines))
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
