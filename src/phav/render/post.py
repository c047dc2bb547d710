"""The post chain on the RGB image: an ordered list of switchable full-screen passes, then the SSAA
resolve, each run as a fragment or a compute shader.

Each pass reads the previous result (``u_source``) and writes a new supersampled ``RGBA16F`` image;
the chain ping-pongs between two targets. SSAO, SSR and bloom (:data:`LOW_RES_PASSES`) first compute
their term once per output pixel (the shader's ``LOW_RES`` variant, into an output-size texture on
unit 4, ``u_low``), then a cheap supersampled pass applies it (depth-aware upsample for SSAO and SSR,
bilinear for bloom): with 2x SSAA that is a quarter of the expensive work. A new pass slots in by
adding its shader and uniforms to :data:`PASS_UNIFORMS` and a name to
:data:`phav.render.settings.POST_PASSES`.

Backends (``RenderSettings.post_backend``, chosen by :func:`choose_post_backend`): every pass's
shading lives once, in ``shaders/<pass>.glsl`` as ``vec4 pass_main(ivec2 texel)``; two thin entry
points include it: ``<pass>.frag`` (a full-screen triangle, ``post_fragment.glsl``) and
``<pass>.comp`` (GL 4.3, 8x8 work groups, ``imageStore``, ``post_compute.glsl``). Both compute the
same value per texel (on llvmpipe the two images are byte-identical). DESIGN §4 puts full-screen
passes in compute shaders on GL 4.3 (on an H200 an 8-tap pass at 680x512 took 0.088 ms as a
fragment shader and 0.007 ms as a compute shader), so ``auto`` picks compute there, with one
measured departure: on software rasterizers (llvmpipe, softpipe, swrast) compute gains nothing.
On llvmpipe 15 (2 cores), isolated kernels at 680x512 ``RGBA16F`` ran 3-4x slower as compute
shaders (a pointwise pass 1.6 ms fragment vs 6.8 ms compute, a 12-tap gather 8.9 vs 28.9 ms); the
real ``phav`` chain (``benchmarks/compute_vs_fragment.py``, lighting + seven passes + resolve,
quiet machine) took 1.36x (340x256) and 1.33x (680x512) the fragment path's wall time per frame,
every pass slower, and gave 0.95x and 0.90x its render-only frames/s. So ``auto`` keeps the fragment path there (the path the golden
images were made with). Without GL 4.3 only the fragment path exists.

Epilogues (both backends): the per-texel passes (:data:`STAGES`: tonemap, grade, vignette) read
nothing but their own texel, so the passes of ``settings.post`` that follow another pass run in that
pass's kernel, after its value (``post_epilogue.glsl``, which both entry points include under
the ``EPILOGUE_<k>`` defines): the ``phav`` chain's motion blur, tonemap, grade and vignette are one
kernel instead of four. On an H200 each of those passes cost about 10 us of GPU and 10 us of CPU a
frame as compute dispatches; on llvmpipe (2 cores, 680x512) each took about 3 ms as a fragment pass.
Each stage reads the previous value rounded to half floats as the ``RGBA16F`` target between two
passes would store it (GL leaves that rounding to the implementation, per path: image stores or
framebuffer writes; :mod:`phav.render.half_store` asks), so the image is the unfused chain's. Where
the GL rounds some other way, every pass stays its own kernel.

Prologue: SSAO's term needs nothing but the G-buffer, and SSR reads the chain's image at two
places only (the texel it writes, and where its ray hits), so when SSR follows SSAO, SSAO's
supersampled step runs inside SSR's kernels on the texels they read (``post_ssr.glsl``'s
``SOURCE_SSAO``), rounded the same way, instead of as a pass of its own: one full-screen kernel
fewer (``ssao+ssr``). The image is the unfused chain's.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import moderngl

from phav.render.context import COMPUTE_GL_VERSION, is_software_renderer
from phav.render.half_store import FRAMEBUFFER, IMAGE, TOWARD_ZERO, half_store_rounding
from phav.render.profiling import PassTimer
from phav.render.settings import POST_BACKENDS, RenderSettings
from phav.render.shaders import create_compute, create_program
from phav.render.targets import GLObjects

#: Work-group side of the compute entry point (``post_compute.glsl``: local_size 8x8).
GROUP_SIZE = 8
#: After a compute pass: its image stores must be visible to later texture fetches, framebuffer
#: reads (read-backs) and image stores (GL_ALL_BARRIER_BITS).
ALL_BARRIERS = 0xFFFFFFFF


def choose_post_backend(setting: str, version_code: int, renderer: str) -> str:
    """The backend (``"compute"`` or ``"fragment"``) the post chain and resolve run on.

    Args:
        setting: ``RenderSettings.post_backend``: ``"auto"``, ``"compute"`` or ``"fragment"``.
        version_code: the context's GL version, e.g. ``450`` for 4.5.
        renderer: the context's ``GL_RENDERER`` string.

    ``auto`` is compute on GL >= 4.3 unless ``renderer`` is a software rasterizer
    (:func:`phav.render.context.is_software_renderer`, where compute measured no faster: see the module docstring), else fragment.

    Raises:
        ValueError: unknown setting, or ``"compute"`` on a context older than GL 4.3.
    """
    if setting not in POST_BACKENDS:
        raise ValueError(f"unknown post_backend {setting!r}; choose from {', '.join(POST_BACKENDS)}")
    has_compute = version_code >= COMPUTE_GL_VERSION
    if setting == "compute" and not has_compute:
        raise ValueError(f"post_backend='compute' needs GL 4.3 compute shaders but this context is GL "
                         f"{version_code // 100}.{version_code % 100 // 10} ({renderer}); use 'auto' or 'fragment'")
    if setting != "auto":
        return setting
    return "compute" if has_compute and not is_software_renderer(renderer) else "fragment"


class FullScreenKernel:
    """One full-screen shader (``shaders/<stem>.frag`` or ``<stem>.comp``) that writes every texel
    of a target: a full-screen triangle into the target's framebuffer, or a compute dispatch over
    the target bound as image 0 (followed by a memory barrier).

    Args:
        gl: owner of the GL objects made here.
        ctx: the context.
        stem: shader file name without extension (``"post_bloom"``).
        backend: ``"fragment"`` or ``"compute"``.
        defines: preprocessor defines (``LOW_RES``, ``TARGET_FORMAT``, ...).
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, stem: str, backend: str, defines: dict | None = None):
        self._ctx = ctx
        self.backend = backend
        if backend == "compute":
            self.program = gl.add(create_compute(ctx, f"{stem}.comp", defines))
            self._vao = None
        else:
            self.program = gl.add(create_program(ctx, "fullscreen.vert", f"{stem}.frag", defines))
            self._vao = gl.add(ctx.vertex_array(self.program, []))

    def set(self, name: str, value) -> None:
        """Set a uniform (or a uniform block's ``binding``) if the shader uses it."""
        member = self.program.get(name, None)
        if member is None:
            return
        if isinstance(member, moderngl.UniformBlock):
            member.binding = value
        else:
            member.value = value

    def draw(self, texture: moderngl.Texture, fbo: moderngl.Framebuffer) -> None:
        """Write every texel of ``texture`` (``fbo`` is its framebuffer, used by the fragment path)."""
        if self._vao is not None:
            fbo.use()
            self._vao.render(moderngl.TRIANGLES, vertices=3)
            return
        texture.bind_to_image(0, read=False, write=True)
        w, h = texture.size
        self.program.run((w + GROUP_SIZE - 1) // GROUP_SIZE, (h + GROUP_SIZE - 1) // GROUP_SIZE)
        self._ctx.memory_barrier(ALL_BARRIERS)


@dataclasses.dataclass
class LowTerm:
    """The output-size term of a pass of :data:`LOW_RES_PASSES`: ``kernel`` (the shader's
    ``LOW_RES`` variant) writes it into ``texture`` (framebuffer ``fbo``), which is then bound on
    texture unit ``unit`` for the kernels after it."""

    kernel: FullScreenKernel
    texture: moderngl.Texture
    fbo: moderngl.Framebuffer
    unit: int


@dataclasses.dataclass
class PostPass:
    """One full-screen pass: ``kernel`` writes the supersampled result of the effects ``effects``
    (names of :data:`phav.render.settings.POST_PASSES`, as :func:`plan_kernels` groups them: a
    prologue, the pass, its epilogue); ``name`` joins them with ``+`` and names its timer section.
    ``lows``: the output-size terms its effects need, computed first, in order."""

    name: str
    kernel: FullScreenKernel
    effects: tuple[str, ...] = ()
    lows: tuple[LowTerm, ...] = ()


#: Each pass's shader (file stem) and its uniforms, computed from the render settings.
PASS_UNIFORMS: dict[str, tuple[str, Callable[[RenderSettings], dict[str, float | int]]]] = {
    "ssao": ("post_ssao", lambda s: {"u_ssao_strength": s.ssao_strength, "u_radius": s.ssao_radius,
                                     "u_samples": s.ssao_samples}),
    "ssr": ("post_ssr", lambda s: {"u_strength": s.ssr_strength, "u_max_roughness": s.ssr_max_roughness,
                                   "u_distance": s.ssr_distance, "u_steps": s.ssr_steps}),
    "bloom": ("post_bloom", lambda s: {"u_threshold": s.bloom_threshold, "u_intensity": s.bloom_intensity,
                                       "u_radius": s.bloom_radius, "u_samples": s.bloom_samples}),
    "motion_blur": ("post_motion_blur", lambda s: {"u_shutter": s.shutter_angle / 360.0,
                                                   "u_samples": s.motion_blur_samples}),
    "tonemap": ("post_tonemap", lambda s: {"u_exposure": s.exposure, "u_saturation": s.saturation}),
    "grade": ("post_grade", lambda s: {"u_lift": s.grade_lift, "u_gain": s.grade_gain,
                                       "u_contrast": s.grade_contrast, "u_grade_saturation": s.grade_saturation}),
    "vignette": ("post_vignette", lambda s: {"u_vignette_strength": s.vignette}),
}
#: Per-texel passes and their stage functions (``shaders/<pass>_stage.glsl``), which can run as
#: another pass's epilogue (``post_epilogue.glsl``, at most three).
STAGES: dict[str, str] = {"tonemap": "tonemap_stage", "grade": "grade_stage", "vignette": "vignette_stage"}
#: Epilogue stages one kernel takes (the entry points' ``EPILOGUE_1`` to ``_3``).
MAX_EPILOGUE_STAGES = 3
#: Pass -> the pass whose supersampled step it can run as its prologue, and the define that turns
#: that on in its shader (``post_ssr.glsl``'s ``SOURCE_SSAO``).
PROLOGUES: dict[str, tuple[str, str]] = {"ssr": ("ssao", "SOURCE_SSAO")}

#: Texture units of the G-buffer while the chain runs (the current image is on unit 0).
GBUFFER_UNITS = {"u_albedo": 1, "u_normal": 2, "u_surface": 3}
#: Texture unit of a pass's output-size term (``u_low``).
LOW_UNIT = 4
#: Texture unit of SSAO's output-size term (``u_ao``: SSR's kernels read it too when SSAO is their
#: prologue).
AO_UNIT = 6
#: Passes computed once per output pixel and then applied at the supersampled size.
LOW_RES_PASSES = frozenset({"ssao", "ssr", "bloom"})
_FRAME_BLOCK_BINDING = 0


def build_pass_kernel(gl: GLObjects, ctx: moderngl.Context, name: str, settings: RenderSettings, backend: str,
                      defines: dict | None = None, epilogue: tuple[str, ...] = (),
                      prologue: tuple[str, ...] = ()) -> FullScreenKernel:
    """Post pass ``name`` on ``backend`` with its settings' uniforms, texture units, ``u_ssaa`` and
    the frame block binding applied; with ``epilogue`` (passes of :data:`STAGES`) the kernel runs
    those after its own value, with ``prologue`` (``name``'s entry of :data:`PROLOGUES`) that
    pass's supersampled step on the chain's image it reads; their uniforms are set too. A kernel
    with either also needs the half rounding's define in ``defines``."""
    stem = PASS_UNIFORMS[name][0]
    defines = dict(defines or {})
    if epilogue:
        if len(epilogue) > MAX_EPILOGUE_STAGES or not set(epilogue) <= STAGES.keys():
            raise ValueError(f"{name} cannot run {epilogue} as its epilogue")
        defines.update({f"EPILOGUE_{k}": STAGES[e] for k, e in enumerate(epilogue, 1)})
    if prologue:
        if name not in PROLOGUES or prologue != (PROLOGUES[name][0],):
            raise ValueError(f"{name} cannot run {prologue} as its prologue")
        defines[PROLOGUES[name][1]] = 1
    kernel = FullScreenKernel(gl, ctx, stem, backend, defines or None)
    for effect in (*prologue, name, *epilogue):
        for uniform, value in PASS_UNIFORMS[effect][1](settings).items():
            kernel.set(uniform, value)
    for uniform, unit in {"u_source": 0, "u_low": LOW_UNIT, "u_ao": AO_UNIT, **GBUFFER_UNITS}.items():
        kernel.set(uniform, unit)
    kernel.set("u_ssaa", float(settings.ssaa))
    kernel.set("FrameData", _FRAME_BLOCK_BINDING)
    return kernel


def plan_kernels(effects: tuple[str, ...], fuse: bool) -> list[tuple[str, ...]]:
    """The kernels that run ``effects`` (a chain of :data:`phav.render.settings.POST_PASSES` names,
    in order): per kernel, its effects in order (:func:`split_kernel`: a prologue, the pass, its
    epilogue). With ``fuse`` (a GL whose half rounding on the backend's path is known) a pass of
    :data:`PROLOGUES` takes in the pass before it when that one is a kernel alone, and each
    :data:`STAGES` pass joins the kernel before it, up to :data:`MAX_EPILOGUE_STAGES` each;
    otherwise every pass is its own kernel.

    >>> plan_kernels(("ssao", "ssr", "motion_blur", "tonemap", "grade", "vignette"), True)
    [('ssao', 'ssr'), ('motion_blur', 'tonemap', 'grade', 'vignette')]
    """
    kernels: list[list[str]] = []
    for name in effects:
        last = kernels[-1] if kernels else None
        if fuse and last is not None and name in PROLOGUES and last == [PROLOGUES[name][0]]:
            last.append(name)
        elif fuse and last is not None and name in STAGES and len(split_kernel(last)[2]) < MAX_EPILOGUE_STAGES:
            last.append(name)
        else:
            kernels.append([name])
    return [tuple(k) for k in kernels]


def split_kernel(effects: Sequence[str]) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """``(prologue, pass, epilogue)`` of a kernel's effects (an entry of :func:`plan_kernels`).

    >>> split_kernel(("ssao", "ssr", "tonemap"))
    (('ssao',), 'ssr', ('tonemap',))
    """
    effects = tuple(effects)
    if len(effects) > 1 and effects[1] in PROLOGUES and PROLOGUES[effects[1]][0] == effects[0]:
        return effects[:1], effects[1], effects[2:]
    return (), effects[0], effects[1:]


class PostChain:
    """The passes of ``settings.post`` in order (as kernels: :func:`plan_kernels`), and the SSAA
    resolve, for output images of ``size`` (width, height) pixels (the chain itself runs at
    ``settings.ssaa`` times that).

    ``backend`` (``"compute"`` or ``"fragment"``) is :func:`choose_post_backend` of the settings and
    the context.

    Raises:
        ValueError: ``post_backend="compute"`` on a context without GL 4.3.
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, settings: RenderSettings,
                 timer: PassTimer | None = None, size: tuple[int, int] = (1, 1)):
        self.timer = timer if timer is not None else PassTimer(ctx)
        self.backend = choose_post_backend(settings.post_backend, int(ctx.version_code),
                                           str(ctx.info.get("GL_RENDERER", "")))
        # Prologues and epilogues round like this GL's RGBA16F stores on the backend's path
        # (phav.render.half_store); unknown: every pass its own kernel.
        rounding = half_store_rounding(ctx, IMAGE if self.backend == "compute" else FRAMEBUFFER)
        rounding_defines = {"HALF_STORE_TOWARD_ZERO": 1} if rounding == TOWARD_ZERO else {}
        self.passes: list[PostPass] = []
        for effects in plan_kernels(settings.post, fuse=rounding is not None):
            prologue, name, epilogue = split_kernel(effects)
            kernel = build_pass_kernel(gl, ctx, name, settings, self.backend,
                                       rounding_defines if prologue or epilogue else None,
                                       epilogue=epilogue, prologue=prologue)
            lows = tuple(self._low_term(gl, ctx, settings, effect, size, prologue if effect == name else (),
                                        rounding_defines)
                         for effect in (*prologue, name) if effect in LOW_RES_PASSES)
            self.passes.append(PostPass("+".join(effects), kernel, effects, lows))
        self._resolve = FullScreenKernel(gl, ctx, "resolve", self.backend, {"SSAA_FACTOR": settings.ssaa})
        self._resolve.set("u_source", 0)

    def _low_term(self, gl: GLObjects, ctx: moderngl.Context, settings: RenderSettings, name: str,
                  size: tuple[int, int], prologue: tuple[str, ...], rounding_defines: dict) -> LowTerm:
        """Pass ``name``'s output-size term (its ``LOW_RES`` kernel, with ``prologue`` where the
        pass has one, and an ``RGBA32F`` texture of ``size``)."""
        defines = {"LOW_RES": 1, **(rounding_defines if prologue else {})}
        if self.backend == "compute":
            defines["TARGET_FORMAT"] = "rgba32f"
        kernel = build_pass_kernel(gl, ctx, name, settings, self.backend, defines, prologue=prologue)
        texture = gl.add(ctx.texture(size, 4, dtype="f4"))
        linear = moderngl.LINEAR if name == "bloom" else moderngl.NEAREST
        texture.filter = (linear, linear)
        texture.repeat_x = texture.repeat_y = False
        return LowTerm(kernel, texture, gl.add(ctx.framebuffer([texture])), AO_UNIT if name == "ssao" else LOW_UNIT)

    def run(self, source: moderngl.Texture, targets: list[tuple[moderngl.Texture, moderngl.Framebuffer]],
            gbuffer=None) -> moderngl.Texture:
        """Apply the passes to ``source``, alternating between the two ``targets``;
        returns the texture holding the result (``source`` itself when there is none).
        ``gbuffer`` (:class:`~phav.render.targets.LitTargets`) is bound for passes that read it.
        Each pass is timed under its name by the :class:`PassTimer`."""
        if gbuffer is not None:
            gbuffer.albedo.use(location=GBUFFER_UNITS["u_albedo"])
            gbuffer.normal.use(location=GBUFFER_UNITS["u_normal"])
            gbuffer.surface.use(location=GBUFFER_UNITS["u_surface"])
        current = source
        k = 0
        for post_pass in self.passes:
            texture, fbo = targets[k % 2]
            with self.timer.section(post_pass.name):
                current.use(location=0)
                for low in post_pass.lows:
                    low.kernel.draw(low.texture, low.fbo)
                    low.texture.use(location=low.unit)
                post_pass.kernel.draw(texture, fbo)
            current = texture
            k += 1
        return current

    def resolve(self, source: moderngl.Texture, texture: moderngl.Texture, fbo: moderngl.Framebuffer) -> None:
        """Box-downsample the supersampled ``source`` in linear light into the output-size ``RGBA8``
        ``texture`` (framebuffer ``fbo``), sRGB-encoded (``shaders/resolve.glsl``)."""
        source.use(location=0)
        self._resolve.draw(texture, fbo)
