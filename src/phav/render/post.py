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


def _vignette(ctx: moderngl.Context, settings: RenderSettings) -> moderngl.Program:
    prog = create_program(ctx, "fullscreen.vert", "post_vignette.frag")
    prog["u_strength"].value = settings.vignette
    return prog


#: name -> builds the pass's program with its settings applied.
PASS_FACTORIES: dict[str, Callable[[moderngl.Context, RenderSettings], moderngl.Program]] = {
    "tonemap": _tonemap,
    "vignette": _vignette,
}


class PostChain:
    """The enabled passes of ``settings.post`` in order."""

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, settings: RenderSettings):
        self.passes: list[PostPass] = []
        for name in settings.post:
            program = gl.add(PASS_FACTORIES[name](ctx, settings))
            if "u_source" in program:
                program["u_source"].value = 0
            vao = gl.add(ctx.vertex_array(program, []))
            self.passes.append(PostPass(name, program, vao))

    def run(self, source: moderngl.Texture, targets: list[tuple[moderngl.Texture, moderngl.Framebuffer]]) -> moderngl.Texture:
        """Apply the enabled passes to ``source``, alternating between the two ``targets``;
        returns the texture holding the result (``source`` itself when no pass is enabled)."""
        current = source
        k = 0
        for post_pass in self.passes:
            if not post_pass.enabled:
                continue
            texture, fbo = targets[k % 2]
            fbo.use()
            current.use(location=0)
            post_pass.vao.render(moderngl.TRIANGLES, vertices=3)
            current = texture
            k += 1
        return current
