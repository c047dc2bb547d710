"""The post chain on the RGB image: an ordered list of switchable full-screen passes.

Each pass reads the previous result (``u_source``) and writes a new supersampled ``RGBA16F`` image;
the chain ping-pongs between two targets. Later passes (SSAO, SSR, bloom, motion blur) slot in by
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
    """One full-screen pass: ``program`` draws with ``vao``; ``enabled`` switches it."""

    name: str
    program: moderngl.Program
    vao: moderngl.VertexArray
    enabled: bool = True


def _tonemap(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_tonemap.frag")
    prog["u_exposure"].value = settings.exposure
    prog["u_saturation"].value = settings.saturation
    return prog


def _ssao(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_ssao.frag")
    prog["u_strength"].value = settings.ssao_strength
    prog["u_radius"].value = settings.ssao_radius
    prog["u_samples"].value = settings.ssao_samples
    return prog


def _ssr(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_ssr.frag")
    prog["u_strength"].value = settings.ssr_strength
    prog["u_max_roughness"].value = settings.ssr_max_roughness
    prog["u_distance"].value = settings.ssr_distance
    prog["u_steps"].value = settings.ssr_steps
    return prog


def _bloom(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_bloom.frag")
    prog["u_threshold"].value = settings.bloom_threshold
    prog["u_intensity"].value = settings.bloom_intensity
    prog["u_radius"].value = settings.bloom_radius
    prog["u_samples"].value = settings.bloom_samples
    return prog


def _motion_blur(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_motion_blur.frag")
    prog["u_shutter"].value = settings.shutter_angle / 360.0
    prog["u_samples"].value = settings.motion_blur_samples
    return prog


def _grade(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_grade.frag")
    prog["u_lift"].value = settings.grade_lift
    prog["u_gain"].value = settings.grade_gain
    prog["u_contrast"].value = settings.grade_contrast
    prog["u_saturation"].value = settings.grade_saturation
    return prog


def _vignette(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_vignette.frag")
    prog["u_strength"].value = settings.vignette
    return prog


#: name -> builds the pass's program with its settings applied.
PASS_FACTORIES: dict[str, Callable[[moderngl.Context, RenderSettings], moderngl.Program]] = {
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
_FRAME_BLOCK_BINDING = 0


class PostChain:
    """The enabled passes of ``settings.post`` in order."""

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, settings: RenderSettings,
                 timer: PassTimer | None = None):
        self.timer = timer if timer is not None else PassTimer(ctx)
        self.passes: list[PostPass] = []
        for name in settings.post:
            program = gl.add(PASS_FACTORIES[name](ctx, settings))
            if "u_source" in program:
                program["u_source"].value = 0
            for uniform, unit in GBUFFER_UNITS.items():
                if uniform in program:
                    program[uniform].value = unit
            if "u_ssaa" in program:
                program["u_ssaa"].value = float(settings.ssaa)
            if "FrameData" in program:
                program["FrameData"].binding = _FRAME_BLOCK_BINDING
            vao = gl.add(ctx.vertex_array(program, []))
            self.passes.append(PostPass(name, program, vao))

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
                fbo.use()
                current.use(location=0)
                post_pass.vao.render(moderngl.TRIANGLES, vertices=3)
            current = texture
            k += 1
        return current
