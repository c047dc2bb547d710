"""The sky's ground truth: the start of a frame's ground-truth pass (separate or fused into the
G-buffer pass), before the geometry is drawn over it.

Every texel of the ground-truth targets (:class:`~phav.render.targets.GroundTruthTargets`, the
current motion texture) gets the sky's values: depth +inf, class Sky, instance 0, the motion of the
direction at infinity seen there (``sky_ground_truth`` in ``shaders/ground_truth.glsl``); that
replaces a clear of those targets. Two entry points share that function of the pixel, so they
store the same bytes:

* ``compute`` (the compute post backend, :func:`phav.render.post.choose_post_backend`):
  ``shaders/sky_groundtruth.comp`` stores every texel through image units 0-3, then a memory
  barrier makes the stores visible to the draws that follow and to the flow validity pass. On an
  H200 a full-screen fragment fill of the four 340x256 targets took 38.5 us of GPU time, the
  compute shader 8.3 us (``benchmarks/raster_probe.py``).
* ``fragment``: a full-screen triangle (``shaders/sky_groundtruth.frag``) into the targets'
  framebuffer, without depth test or depth write (the path the golden images were made with).
"""

from __future__ import annotations

import moderngl

from phav.render.post import ALL_BARRIERS, GROUP_SIZE
from phav.render.shaders import create_compute, create_program
from phav.render.targets import DepthClear, GBufferClear, GLObjects, GroundTruthTargets, LitTargets


class SkyGroundTruth:
    """Starts the ground-truth pass of a frame: depth buffer cleared, sky everywhere, the
    framebuffer for the geometry bound.

    Args:
        gl: owner of the GL objects made here.
        ctx: the context.
        gt: the ground-truth targets (output size).
        backend: ``"compute"`` or ``"fragment"``.
        sky_class: the Sky semantic id.
        frame_block_binding: uniform-block binding of the FrameData block (the frame's
            ``u_sky_homography``, ``u_flags``, ``u_viewport``).
        fused: build the fragment backend's fused variant too (:meth:`start_fused`).

    Attributes:
        backend: ``"compute"`` or ``"fragment"``, as given.
        program: the compute shader (compute backend) or the separate pass's sky program (fragment).
    """

    def __init__(self, gl: GLObjects, ctx: moderngl.Context, gt: GroundTruthTargets, backend: str,
                 sky_class: int, frame_block_binding: int, fused: bool = False):
        if backend not in ("compute", "fragment"):
            raise ValueError(f"backend must be 'compute' or 'fragment', got {backend!r}")
        self._ctx, self._gt = ctx, gt
        self._depth = DepthClear(ctx)  # the depth buffer cleared on the framebuffer then drawn into
        defines = {"SKY_CLASS": f"{int(sky_class)}u"}
        self._vao = self._fused_vao = None
        if backend == "compute":
            self.program: moderngl.ComputeShader | moderngl.Program = gl.add(
                create_compute(ctx, "sky_groundtruth.comp", defines))
            self._groups = tuple(-(-side // GROUP_SIZE) for side in gt.depth.size)
            programs = [self.program]
        else:
            self.program = gl.add(create_program(ctx, "fullscreen.vert", "sky_groundtruth.frag", defines))
            self._vao = gl.add(ctx.vertex_array(self.program, []))
            programs = [self.program]
            if fused:  # also writes the G-buffer's empty value (zero) to its three colour targets
                fused_prog = gl.add(create_program(ctx, "fullscreen.vert", "sky_groundtruth.frag",
                                                   {**defines, "GBUFFER_GROUND_TRUTH": 1}))
                self._fused_vao = gl.add(ctx.vertex_array(fused_prog, []))
                programs.append(fused_prog)
        for prog in programs:
            prog["FrameData"].binding = frame_block_binding
        self.backend = backend

    def start(self) -> None:
        """Separate pass: clear the ground truth's depth buffer, write the sky to every texel of the
        current targets and bind ``gt.fbo``; the caller then enables the draws' flags (the fragment
        path turns them all off for its triangle)."""
        gt = self._gt
        if self._vao is None:
            self._fill()
            self._depth.use_and_clear(gt.fbo, gt.zbuffer_fbo)
            return
        self._depth.use_and_clear(gt.fbo, gt.zbuffer_fbo)  # depth alone: the sky pass below writes every colour target
        self._ctx.enable_only(moderngl.NOTHING)  # the sky fills every target; no depth write
        self._vao.render(moderngl.TRIANGLES, vertices=3)

    def start_fused(self, fbo: moderngl.Framebuffer, lit: LitTargets, gbuffer_clear: GBufferClear) -> None:
        """Fused pass (G-buffer at output size): clear the G-buffer (colour targets to zero, depth to
        one), write the sky to every texel of the current ground-truth targets and bind ``fbo``
        (the fused framebuffer of ``gt.current``). Compute: the sky is dispatched, then
        ``gbuffer_clear`` (compute too; ``ValueError`` otherwise) clears the G-buffer, and its one
        barrier makes both visible; fragment: the fused sky program writes the colour targets' zeros and ``lit``'s depth buffer
        is cleared alone. The caller then enables the draws' flags, as for :meth:`start`."""
        if self._vao is None:  # both compute: the clear's barrier covers the sky's stores too
            if not gbuffer_clear.compute:
                raise ValueError("the compute sky needs the compute G-buffer clear (same backend)")
            self._dispatch()
            gbuffer_clear.clear(fbo)
            return
        if self._fused_vao is None:
            raise RuntimeError("SkyGroundTruth was built without its fused variant (fused=False)")
        self._depth.use_and_clear(fbo, lit.depth_fbo)  # depth alone: the sky pass below writes every colour target
        self._ctx.enable_only(moderngl.NOTHING)  # the sky fills every target; no depth write
        self._fused_vao.render(moderngl.TRIANGLES, vertices=3)

    def _fill(self) -> None:
        """Compute backend: the sky into every texel of the current targets, then a barrier (the
        following draws, texture fetches, image loads and read-backs see the stores)."""
        self._dispatch()
        self._ctx.memory_barrier(ALL_BARRIERS)

    def _dispatch(self) -> None:
        """Compute backend: queue the sky's stores into every texel of the current targets."""
        gt = self._gt
        for unit, texture in enumerate((gt.depth, gt.semantic, gt.instance, gt.motion)):
            texture.bind_to_image(unit, read=False, write=True)
        self.program.run(*self._groups)
