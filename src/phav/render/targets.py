"""Render targets: textures and framebuffers of the lit pass (supersampled), the post chain and the
ground-truth pass (output size, motion double-buffered), the flow validity pass's output, and the
fused G-buffer + ground-truth framebuffers used when the G-buffer is at output size. Every object is
tracked by a :class:`GLObjects` for release."""

from __future__ import annotations

import ctypes
from typing import TypeVar

import moderngl

from phav.errors import SpecError
from phav.render.readback_gl import gl_function

T = TypeVar("T")
GL_DEPTH = 0x1801


def largest_target_side(ctx: moderngl.Context) -> int:
    """The longest side, pixels, a render target of ``ctx`` may have: the least of its texture,
    renderbuffer and viewport limits."""
    info = ctx.info
    viewport = info.get("GL_MAX_VIEWPORT_DIMS") or (0, 0)
    return int(min(info["GL_MAX_TEXTURE_SIZE"], info["GL_MAX_RENDERBUFFER_SIZE"], *viewport))


def _supersampled(width: int, height: int, ssaa: int) -> str:
    return f"{width}x{height} with {ssaa}x supersampling renders at {width * ssaa}x{height * ssaa}"


def check_target_size(ctx: moderngl.Context, width: int, height: int, ssaa: int) -> None:
    """Raise :class:`~phav.errors.SpecError` when ``ssaa`` times ``width`` x ``height`` is beyond
    :func:`largest_target_side`; the message says which sides fit."""
    limit = largest_target_side(ctx)
    if max(width, height) * ssaa > limit:
        raise SpecError(f"{_supersampled(width, height, ssaa)}, and this GL's targets are at most {limit} pixels "
                        f"a side; use sides up to {limit // ssaa} or less supersampling (quality preview has none)")


def make_targets(gl: "GLObjects", ctx: moderngl.Context, width: int, height: int,
                 ssaa: int) -> tuple["LitTargets", "GroundTruthTargets"]:
    """The lit (``ssaa`` times ``width`` x ``height``) and ground-truth targets of a renderer.

    Raises:
        SpecError: the GL could not allocate them (out of memory: it reports an incomplete
            framebuffer); the message says what to ask for instead.
    """
    try:
        return LitTargets(gl, ctx, width, height, ssaa), GroundTruthTargets(gl, ctx, width, height)
    except moderngl.Error as exc:
        raise SpecError(f"{_supersampled(width, height, ssaa)}, and the GL could not make targets that large "
                        f"({exc}: likely out of memory); use a smaller size or less supersampling (quality "
                        "preview has none)") from None


class GLObjects:
    """Owns GL objects and releases them in reverse creation order (idempotent)."""

    def __init__(self) -> None:
        self._objects: list = []

    def add(self, obj: T) -> T:
        self._objects.append(obj)
        return obj

    def release(self) -> None:
        while self._objects:
            self._objects.pop().release()

    def __len__(self) -> int:
        return len(self._objects)


def _texture(gl: GLObjects, ctx: moderngl.Context, size: tuple[int, int], components: int, dtype: str) -> moderngl.Texture:
    tex = gl.add(ctx.texture(size, components, dtype=dtype))
    tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
    tex.repeat_x = tex.repeat_y = False
    return tex


class LitTargets:
    """Supersampled G-buffer, lit HDR image, post ping-pong, and the two 8-bit outputs.

    Attributes:
        albedo: ``RGBA8`` linear albedo, alpha 1 where geometry (SSAA size).
        normal: ``RGBA16F`` camera-frame normal and roughness (SSAA size).
        surface: ``RGBA16F`` velocity (output pixels per frame), z-depth (m), metalness (SSAA size).
        gbuffer: framebuffer of albedo + normal + surface + depth.
        depth_fbo: framebuffer of the depth buffer alone (clearing it leaves the colour targets be).
        hdr, ping, pong: ``RGBA16F`` (SSAA size) with framebuffers ``hdr_fbo``, ``ping_fbo``, ``pong_fbo``.
        raw, img: ``RGBA8`` sRGB at output size with framebuffers ``raw_fbo``, ``img_fbo``.
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, width: int, height: int, ssaa: int):
        big = (width * ssaa, height * ssaa)
        self.albedo = _texture(gl, ctx, big, 4, "f1")
        self.normal = _texture(gl, ctx, big, 4, "f2")
        self.surface = _texture(gl, ctx, big, 4, "f2")
        self.depth = gl.add(ctx.depth_renderbuffer(big))
        self.gbuffer = gl.add(ctx.framebuffer([self.albedo, self.normal, self.surface], self.depth))
        self.depth_fbo = gl.add(ctx.framebuffer(depth_attachment=self.depth))
        self.hdr = _texture(gl, ctx, big, 4, "f2")
        self.hdr_fbo = gl.add(ctx.framebuffer([self.hdr]))
        self.ping = _texture(gl, ctx, big, 4, "f2")
        self.ping_fbo = gl.add(ctx.framebuffer([self.ping]))
        self.pong = _texture(gl, ctx, big, 4, "f2")
        self.pong_fbo = gl.add(ctx.framebuffer([self.pong]))
        self.raw = _texture(gl, ctx, (width, height), 4, "f1")
        self.raw_fbo = gl.add(ctx.framebuffer([self.raw]))
        self.img = _texture(gl, ctx, (width, height), 4, "f1")
        self.img_fbo = gl.add(ctx.framebuffer([self.img]))


class GroundTruthTargets:
    """Output-size ground truth (no filtering, no supersampling).

    The motion target is double-buffered: frame t writes one of :attr:`motions` and frame t+1 the
    other, so frame t's motion is still there when frame t+1's depth exists and the flow validity
    pass (:class:`phav.render.flow.FlowValidityPass`) compares the two. Keeping two motion textures
    costs 16 bytes per output pixel of GPU memory and nothing per frame; copying frame t's motion
    aside instead would move 32 bytes per pixel every frame. The other targets are single: only
    frame t+1's depth is needed, and it is the current one.

    Attributes:
        depth: ``R32F`` z-depth, metres (+inf sky).
        semantic: ``R8UI`` semantic id.
        instance: ``R16UI`` instance id.
        motions: two ``RGBA32F`` textures (flow u, flow v in pixels, z-depth at t+1 in metres, 1 where
            in front of the camera and inside the image at t+1); :attr:`motion` is the current one.
        fbos: two framebuffers of depth, semantic, instance and ``motions[i]`` with a depth buffer
            for visibility; :attr:`fbo` is the current one.
        zbuffer_fbo: framebuffer of that depth buffer alone: the pass clears it, and the sky
            (:class:`phav.render.sky_ground_truth.SkyGroundTruth`, a compute shader or a full-screen
            fragment pass) fills the colour targets (a clear of them too cost an H200 about 40 us a
            frame).
        current: index (0 or 1) of the motion texture and framebuffer this frame writes.
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, width: int, height: int):
        size = (width, height)
        self.depth = _texture(gl, ctx, size, 1, "f4")
        self.semantic = _texture(gl, ctx, size, 1, "u1")
        self.instance = _texture(gl, ctx, size, 1, "u2")
        self.motions = (_texture(gl, ctx, size, 4, "f4"), _texture(gl, ctx, size, 4, "f4"))
        self.zbuffer = gl.add(ctx.depth_renderbuffer(size))
        self.fbos = tuple(gl.add(ctx.framebuffer([self.depth, self.semantic, self.instance, motion], self.zbuffer))
                          for motion in self.motions)
        self.zbuffer_fbo = gl.add(ctx.framebuffer(depth_attachment=self.zbuffer))
        self.current = 0

    def swap(self) -> None:
        """Start a new frame: it writes the other motion texture; the current one becomes
        :attr:`previous_motion`."""
        self.current = 1 - self.current

    @property
    def motion(self) -> moderngl.Texture:
        """The motion texture the current frame writes."""
        return self.motions[self.current]

    @property
    def previous_motion(self) -> moderngl.Texture:
        """The motion texture of the frame before the current one (stale at a take's first frame)."""
        return self.motions[1 - self.current]

    @property
    def fbo(self) -> moderngl.Framebuffer:
        """The framebuffer the current frame's ground-truth pass draws into."""
        return self.fbos[self.current]


class FlowTargets:
    """Output of the flow validity pass (:class:`phav.render.flow.FlowValidityPass`), output size.

    Attributes:
        valid: ``R8UI`` 1 where frame t's flow is valid, else 0 (read back as ``uint8``, viewed as bool).
        flow: ``RG32UI`` the bits of frame t's flow (u, v) ``float32`` pixels: a bit-exact copy of the
            motion target's first two channels (read back as ``uint32``, viewed as ``float32``).
        fbo: framebuffer of ``valid`` (attachment 0) and ``flow`` (attachment 1), for the fragment path.
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, width: int, height: int):
        size = (width, height)
        self.valid = _texture(gl, ctx, size, 1, "u1")
        self.flow = _texture(gl, ctx, size, 2, "u4")
        self.fbo = gl.add(ctx.framebuffer([self.valid, self.flow]))


#: Colour attachments of the fused framebuffer: the G-buffer's three, then the ground truth's four.
FUSED_ATTACHMENTS = 7


def can_fuse_ground_truth(ctx: moderngl.Context, ssaa: int) -> bool:
    """Whether the G-buffer pass can write the ground truth itself: the G-buffer is at output size
    (``ssaa == 1``; with supersampling the ground truth keeps its own pass at output size, since it
    is never filtered) and the context takes :data:`FUSED_ATTACHMENTS` draw buffers (GL 3.3 requires
    8; checked all the same)."""
    info = ctx.info
    return (ssaa == 1 and int(info.get("GL_MAX_DRAW_BUFFERS", 0)) >= FUSED_ATTACHMENTS
            and int(info.get("GL_MAX_COLOR_ATTACHMENTS", 0)) >= FUSED_ATTACHMENTS)


def fused_framebuffers(gl: GLObjects, ctx: moderngl.Context, lit: LitTargets,
                       gt: GroundTruthTargets) -> tuple[moderngl.Framebuffer, moderngl.Framebuffer]:
    """Two framebuffers (one per motion texture, index as ``gt.current``) of the G-buffer's
    attachments (0-2: albedo, normal, surface) followed by the ground truth's (3-6: depth, semantic,
    instance, ``gt.motions[i]``), with the G-buffer's depth buffer; for ``gbuffer.frag`` with
    ``GBUFFER_GROUND_TRUTH``. ``lit`` must be at output size (ssaa 1)."""
    if lit.albedo.size != gt.depth.size:
        raise ValueError(f"the fused pass needs the G-buffer at output size {gt.depth.size}, got {lit.albedo.size}")
    return tuple(gl.add(ctx.framebuffer([lit.albedo, lit.normal, lit.surface,
                                         gt.depth, gt.semantic, gt.instance, motion], lit.depth))
                 for motion in gt.motions)


class DepthClear:
    """Binds a framebuffer and clears its depth buffer to 1 with one ``glClearBufferfv`` on it.

    moderngl's ``Framebuffer.clear`` of a depth-only framebuffer binds that framebuffer and then the
    bound one again, so clearing the depth and then binding the target to draw in takes three
    framebuffer binds (each about 15 us of NVIDIA's driver CPU) where this takes one. The bytes are
    the same: ``Framebuffer.use`` leaves the scissor test off and the depth mask on (a framebuffer
    with a depth buffer), so every texel is cleared. Where the context's loader gives no
    ``glClearBufferfv``, the depth-only framebuffer is cleared as before.
    """

    def __init__(self, ctx: moderngl.Context):
        try:
            self._clear = gl_function(ctx, "glClearBufferfv", None, ctypes.c_uint, ctypes.c_int,
                                      ctypes.POINTER(ctypes.c_float))
        except (AttributeError, ValueError):  # no loader function: moderngl's clear
            self._clear = None
        self._one = (ctypes.c_float * 1)(1.0)

    def clear_bound(self, fbo: moderngl.Framebuffer, viewport: tuple[int, int, int, int] | None = None) -> None:
        """Clear the depth buffer of ``fbo``, the bound framebuffer (without colour attachments), to
        1: all of it, or the ``(x, y, width, height)`` texels ``viewport``, scissored as
        ``Framebuffer.clear`` does (its scissor is off again afterwards); no framebuffer bind."""
        if self._clear is None:
            fbo.clear(depth=1.0, viewport=viewport)
        elif viewport is None:
            self._clear(GL_DEPTH, 0, self._one)
        else:
            fbo.scissor = viewport
            self._clear(GL_DEPTH, 0, self._one)
            fbo.scissor = None

    def use_and_clear(self, fbo: moderngl.Framebuffer, depth_fbo: moderngl.Framebuffer) -> None:
        """Bind ``fbo`` and clear its depth buffer to 1; ``depth_fbo`` is a framebuffer of that depth
        buffer alone (the fallback clears it)."""
        fbo.use()
        if self._clear is None:
            depth_fbo.clear(depth=1.0)  # binds depth_fbo, then fbo again
        else:
            self._clear(GL_DEPTH, 0, self._one)


class GBufferClear:
    """Clears the G-buffer (colour targets to 0, depth to 1) and leaves it bound for drawing.

    With ``compute`` (GL 4.3, the compute post backend) the colour targets are written by a compute
    shader (``shaders/clear_gbuffer.comp``) and only the depth buffer is cleared by the GL
    (:class:`DepthClear`, on the framebuffer the draws use): on an H200 a ``glClear`` of the
    2x-supersampled 340x256 G-buffer took 148 us of GPU time (depth alone 26 us) while a compute
    shader writes a 680x512 RGBA16F target in 6 us. Same texels as the plain clear, which is used
    otherwise (on a software rasterizer compute passes are the slower).
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, lit: LitTargets, compute: bool):
        from phav.render.post import ALL_BARRIERS, GROUP_SIZE  # post builds on this module's targets
        from phav.render.shaders import create_compute

        self._ctx, self._lit, self._barriers = ctx, lit, ALL_BARRIERS
        self._groups = tuple(-(-side // GROUP_SIZE) for side in lit.albedo.size)
        self._program = gl.add(create_compute(ctx, "clear_gbuffer.comp")) if compute else None
        self._depth = DepthClear(ctx)

    @property
    def compute(self) -> bool:
        """Whether the colour targets are cleared by the compute shader (its barrier then also makes
        image stores queued before :meth:`clear` visible to what follows)."""
        return self._program is not None

    def clear(self, fbo: moderngl.Framebuffer | None = None) -> None:
        """Clear the G-buffer and bind it, or bind ``fbo`` instead (a framebuffer whose depth buffer
        is the G-buffer's: the fused one; compute only, ``ValueError`` otherwise)."""
        lit = self._lit
        if self._program is None:
            if fbo is not None:
                raise ValueError("binding another framebuffer after the clear needs the compute clear")
            lit.gbuffer.use()
            lit.gbuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
            return
        for unit, texture in enumerate((lit.albedo, lit.normal, lit.surface)):
            texture.bind_to_image(unit, read=False, write=True)
        self._program.run(*self._groups)
        self._ctx.memory_barrier(self._barriers)  # the draws and the passes reading the G-buffer see the zeros
        self._depth.use_and_clear(lit.gbuffer if fbo is None else fbo, lit.depth_fbo)
