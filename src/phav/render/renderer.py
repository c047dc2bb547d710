"""The deferred renderer: a :class:`~phav.take.Take` in, :class:`~phav.frames.Frame` objects out.

Per frame (DESIGN §4):

0. Skinning: every skin's vertices are skinned once with the bone matrices of t, t+1 and t-1 into a
   buffer (:mod:`phav.render.skinning`: a compute shader on the compute backend, else transform
   feedback) that the passes below draw.
1. Sun shadow map (:mod:`phav.render.shadows`, when the settings enable it and the sun is up): a
   depth-only pass from two orthographic light cameras (cascades), fitted to the near range of the
   view frustum (every part and skin, each frame) and to the range beyond it (the parts that never
   move drawn into a cache only when that camera is re-fitted, the moving ones each frame), each
   caster culled against the cascade's box.
   Lit pass at the supersampled size ``(W*ssaa, H*ssaa)``: a G-buffer (albedo, normal, depth) with
   multiple render targets, then a full-screen lighting pass (sun, hemispheric sky ambient, ambient;
   the sky gradient where nothing was drawn), then rain or snow (:mod:`phav.render.precipitation`,
   :mod:`phav.render.precipitation_pass`) blended over it, the particles' screen velocity written
   into the G-buffer for motion blur. ``raw`` is that image box-downsampled and sRGB-encoded;
   ``img`` is the post chain's result, downsampled the same way.
2. Ground-truth pass at output size, no filtering: z-depth, semantic id, instance id and forward
   motion (flow to t+1 with the predicted depth at t+1). The sky is written first to every texel
   (depth +inf, class Sky, flow from the infinite homography; :mod:`phav.render.sky_ground_truth`:
   a compute shader on the compute backend, else a full-screen fragment pass), then the geometry is
   drawn over it. When the G-buffer is at output size (``ssaa == 1``) and the lit images are wanted
   too, this pass is fused into the G-buffer pass (``settings.fuse_ground_truth``): the same draws
   write the ground truth to extra colour attachments (the sky first, and the G-buffer's empty value:
   the fragment sky pass writes it too, the compute backend clears the G-buffer by compute), so every
   mesh is drawn once; the bytes are the same as the separate pass's.
3. Flow validity (:mod:`phav.render.flow`): the motion target is double-buffered, so once frame
   t+1's ground truth is drawn a full-screen pass compares frame t's motion with frame t+1's depth
   and writes frame t's validity (``R8UI``) and flow (``RG32UI`` bits), read back with frame t+1.
4. Read-back into numpy, asynchronous (:mod:`phav.render.readback`): frame t's targets are copied
   into pixel buffer objects and mapped once frame t+1's commands are issued (t+2's with
   ``settings.readback_lag = 2``, ...). With flow, frame t is yielded with frame t+1's read-backs
   (its validity), so a frame later.

The full-screen passes (lighting, the post chain, the SSAA resolves) run as compute or fragment
shaders (``settings.post_backend``, :func:`phav.render.post.choose_post_backend`); both give the
same image.

Conventions: :mod:`phav.camera` (OpenCV ``K``, ``world_to_camera``; :func:`phav.camera.gl_projection`
mirrors the image so read-backs need no flip, hence ``front_face = 'cw'``).
"""

from __future__ import annotations

import collections
import threading
import warnings
from typing import Iterable, Iterator

import moderngl
import numpy as np

from phav.frames import MODALITIES, Frame
from phav.labels import SEMANTIC_CLASSES
from phav.render.context import GLInfo, default_framebuffer, get_context, gl_info
from phav.render.flow import FlowValidityPass, collected
from phav.render.mesh_programs import FUSED, GBUFFER, GROUND_TRUTH, SHADOW, MeshPrograms, set_raster_state
from phav.render.part_batch import parts_per_chunk
from phav.render.post import GBUFFER_UNITS, FullScreenKernel, PostChain, choose_post_backend
from phav.render.precipitation import precipitation_frame, precipitation_seed, snow_cover
from phav.render.precipitation_pass import PrecipitationPass
from phav.render.profiling import PassTimer
from phav.render.packed_rgb import PackedRGB
from phav.render.readback import ReadbackRing, ReadbackSlot
from phav.render.readback_gl import choose_readback_usage
from phav.render.settings import RenderSettings
from phav.render.shadows import ShadowMap
from phav.render.shaders import create_compute
from phav.render.skinning import create_skinning
from phav.render.sky_ground_truth import SkyGroundTruth
from phav.render.sun_camera import ShadowFit, cascade_count
from phav.render.targets import (GBufferClear, GLObjects, can_fuse_ground_truth, check_target_size, fused_framebuffers,
                                  make_targets)
from phav.render.take_resources import TakeResources
from phav.take import Take

#: Semantic id of the sky (PHAV class 1).
SKY_CLASS: int = [name for name, _ in SEMANTIC_CLASSES].index("Sky")
_FRAME_BLOCK_BINDING = 0
# The G-buffer's texture units (GBUFFER_UNITS) are the post chain's: the lighting pass binds it for both.
#: Texture units of the sun shadow map (the per-frame atlas) and of the far cascade's static cache
#: in the lighting pass.
SHADOW_UNIT, SHADOW_STATIC_UNIT = 5, 8
#: Texture units of the precipitation passes' intermediate textures.
PRECIPITATION_UNITS = (6, 7)
#: Local lights the lighting pass takes (shaders/lighting.frag MAX_LIGHTS); further ones are ignored.
MAX_LIGHTS = 8
_UNSET = object()  # no value written yet (_set_uniform)
_LIT_MODALITIES = frozenset({"img", "raw"})
_GT_MODALITIES = frozenset({"depth", "flow", "classgt", "instancegt"})


class Renderer:
    """Renders takes at a fixed output size.

    Use as a context manager or call :meth:`close` (idempotent); a closed renderer raises
    ``RuntimeError``. A renderer belongs to the thread that made it: the renderers a thread makes share
    that thread's GL context (:func:`get_context`) unless ``context`` is given, and another thread that
    uses or closes it gets a ``RuntimeError`` (make a renderer in that thread). The renderer never
    releases the context itself. There is no finaliser that releases GL objects (the garbage collector
    may run on a thread without the context, or in the middle of another renderer's frame): a
    renderer garbage-collected open keeps its GPU memory (about 200 MB at 640x480 ``phav``) and
    emits a ``ResourceWarning``, so close renderers explicitly.

    Args:
        width, height: output size in pixels (the take's cameras must be for this size).
        settings: see :class:`RenderSettings`; or a preset's name (``preview``, ``phav``, ``high``:
            :func:`~phav.render.settings.quality_settings`).
        context: a moderngl context to use instead of the process context.

    Raises:
        ValueError: invalid size (a :class:`~phav.errors.SpecError` when the supersampled targets are
            beyond the GL's limits or memory).
        phav.render.context.GLUnavailableError: no GL context could be created.
        phav.render.shaders.ShaderError: a shader failed to build (the message names the file).
    """

    def __init__(self, width: int, height: int, settings: RenderSettings | str = RenderSettings(),
                 context: moderngl.Context | None = None):
        # Handles first, so close() works whatever fails below.
        self._thread = threading.get_ident()
        self._gl = GLObjects()
        self._take = TakeResources()
        self._precip_seed = (0, 0)  # of the take being rendered (precipitation_seed)
        self._generation = 0  # bumped by every render_take; an older frame iterator then stops
        self._closed = False
        self._ctx: moderngl.Context | None = None
        if not (isinstance(width, (int, np.integer)) and isinstance(height, (int, np.integer))) or width < 1 or height < 1:
            self._closed = True
            raise ValueError(f"renderer size must be positive integers, got {width!r} x {height!r}")
        self.width, self.height = int(width), int(height)
        if isinstance(settings, str):
            from phav.render.settings import quality_settings

            try:
                settings = quality_settings(settings)
            except ValueError:
                self._closed = True
                raise
        if not isinstance(settings, RenderSettings):
            self._closed = True
            raise TypeError(f"settings must be a RenderSettings or a preset's name, got {type(settings).__name__}")
        self.settings = settings
        try:
            self._ctx = context if context is not None else get_context()
            self._default_fbo = default_framebuffer(self._ctx)
            self._build()
        except BaseException:
            self.close()
            raise

    # ---- lifetime ---------------------------------------------------------------------------
    def close(self) -> None:
        """Release every GL object this renderer created (idempotent). The default framebuffer is
        bound first: a released framebuffer must never stay bound (moderngl binds ``ctx.fbo``
        again after making objects)."""
        if self._closed:
            return
        self._check_thread("close")
        default = getattr(self, "_default_fbo", None)  # None: the constructor failed before it
        if default is not None:
            default.use()
        self._take.release()
        self._gl.release()
        if getattr(self, "timer", None) is not None:
            self.timer.release()
        self._closed = True

    def __enter__(self) -> "Renderer":
        self._check_open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` ran (or the constructor failed): the renderer then only raises."""
        return self._closed

    def _check_open(self) -> moderngl.Context:
        if self._closed or self._ctx is None:
            raise RuntimeError("this Renderer is closed; create a new one")
        self._check_thread("use")
        return self._ctx

    def _check_thread(self, verb: str) -> None:
        if threading.get_ident() != self._thread:
            raise RuntimeError(
                f"this Renderer was made on another thread; a GL context is current on one thread, so {verb} "
                "a renderer on the thread that made it (each thread may make its own)")

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            warnings.warn(f"Renderer {self.width}x{self.height} was never closed and keeps its GL objects; "
                          "use `with Renderer(...)` or call close()", ResourceWarning, source=self)

    # ---- information ------------------------------------------------------------------------
    @property
    def gl_renderer(self) -> str:
        """``GL_RENDERER`` of the context (e.g. ``llvmpipe (LLVM 15.0.6, 256 bits)``)."""
        return self.gl_info.renderer

    @property
    def gl_info(self) -> GLInfo:
        """Renderer, version and capabilities of the context."""
        return gl_info(self._check_open())

    def enable_profiling(self) -> PassTimer:
        """Time every pass of the frames rendered from now on with GL timer queries (each pass then
        waits for the GL, so frames get slower); returns the :class:`PassTimer` to read."""
        self._check_open()
        self.timer.enable()
        return self.timer

    # ---- setup ------------------------------------------------------------------------------
    def _build(self) -> None:
        ctx, gl, s = self._check_open(), self._gl, self.settings
        check_target_size(ctx, self.width, self.height, s.ssaa)
        self._parts_per_chunk = parts_per_chunk(ctx)
        # G-buffer at output size: the G-buffer pass can write the ground truth in the same draws.
        self._fused = s.fuse_ground_truth and can_fuse_ground_truth(ctx, s.ssaa)
        self._programs = MeshPrograms(gl, ctx, self._parts_per_chunk, self._fused, s.ssaa, _FRAME_BLOCK_BINDING)
        # Lighting is a full-screen pass: compute or fragment shader like the post chain.
        self.post_backend = choose_post_backend(s.post_backend, int(ctx.version_code), str(ctx.info.get("GL_RENDERER", "")))
        self._lighting = FullScreenKernel(gl, ctx, "lighting", self.post_backend)
        self._lighting_prog = self._lighting.program
        self._lighting_prog["FrameData"].binding = _FRAME_BLOCK_BINDING
        self._shadow_map = (gl.add(ShadowMap(ctx, s.shadow_map_size, cascade_count(s.shadow_distance, s.shadow_far_distance)))
                            if s.shadows else None)
        self._lighting_prog["u_shadow_map"].value = SHADOW_UNIT
        self._lighting_prog["u_shadow_static"].value = SHADOW_STATIC_UNIT
        self._lighting_prog["u_shadow_cascades"].value = self._shadow_map.cascades if self._shadow_map else 1
        self._lighting_prog["u_shadow_taps"].value = s.shadow_taps
        self._lighting_prog["u_shadow_normal_offset"].value = s.shadow_normal_offset
        self._lighting_prog["u_shadow_bias"].value = s.shadow_bias
        # The large parts' triangles outside each frame's view left out of the camera passes (GL 4.3).
        self._cull_prog = gl.add(create_compute(ctx, "view_cull.comp")) if gl_info(ctx).has_compute else None
        if self._cull_prog is not None:
            self._cull_prog["FrameData"].binding = _FRAME_BLOCK_BINDING
        # Skinning by compute dispatches where the full-screen passes are compute, else by transform feedback.
        self._skin_transform_prog = gl.add(create_skinning(ctx, compute=self.post_backend == "compute"))
        for name, unit in GBUFFER_UNITS.items():
            self._lighting.set(name, unit)
        self._lit, self._gt = make_targets(gl, ctx, self.width, self.height, s.ssaa)
        self._gbuffer_clear = GBufferClear(gl, ctx, self._lit, compute=self.post_backend == "compute")
        self._precipitation = PrecipitationPass(gl, ctx, s, self._lit, _FRAME_BLOCK_BINDING, GBUFFER_UNITS,
                                                PRECIPITATION_UNITS)
        # The sky's ground truth under the geometry: compute or fragment shader like the post chain.
        self._sky = SkyGroundTruth(gl, ctx, self._gt, self.post_backend, SKY_CLASS, _FRAME_BLOCK_BINDING,
                                   fused=self._fused)
        if self._fused:
            self._fused_fbos = fused_framebuffers(gl, ctx, self._lit, self._gt)
        self._flow = FlowValidityPass(gl, ctx, self.width, self.height, self.post_backend,
                                      s.occlusion_rel_tol, s.occlusion_abs_tol)
        self.timer = PassTimer(ctx)
        self.post = PostChain(gl, ctx, s, self.timer, (self.width, self.height))
        # frame t's targets, mapped once frame t + readback_lag's commands are issued
        self.readback_usage = choose_readback_usage(s.readback_usage, ctx)
        self._readback = gl.add(ReadbackRing(ctx, slots=s.readback_lag + 1, usage=self.readback_usage))
        # raw and img as RGB bytes packed on the GPU (a plain copy to read) where that pays
        self._rgb = (PackedRGB(gl, ctx, self.width, self.height, self.post_backend, ("raw", "img"), ssaa=s.ssaa)
                     if PackedRGB.wanted(ctx, self.width) else None)
        self._slot: ReadbackSlot | None = None  # the slot of the frame being rendered
        self._part_chunk = 0  # the chunk of the part table bound to the PartData block
        self._uniform_values: dict[tuple[int, str], object] = {}  # what _set_uniform last wrote

    # ---- rendering --------------------------------------------------------------------------
    def render_take(self, take: Take, modalities: Iterable[str] = MODALITIES) -> Iterator[Frame]:
        """Render every frame of ``take`` in order.

        Yields :class:`~phav.frames.Frame` objects with ``index`` 0..T-1 (none for a take of no
        frames) and only the requested modalities filled (``"flow"`` fills ``flow`` and
        ``flow_valid``, ``"classgt"`` fills ``semantic``, ``"instancegt"`` fills ``instance``);
        shapes, dtypes and units as documented there. Frame t is yielded once the commands of
        frame t + ``settings.readback_lag`` are issued, with flow one frame later (its validity
        needs t+1). One take renders at a time: calling
        ``render_take`` again makes an unfinished iterator from an earlier call raise
        ``RuntimeError`` when resumed.

        Raises:
            ValueError: unknown modality, invalid take, or a take made for another image size.
            RuntimeError: the renderer is (or gets) closed.
        """
        self._check_open()
        mods = frozenset(modalities)
        unknown = mods - set(MODALITIES)
        if unknown:
            raise ValueError(f"unknown modalities {sorted(unknown)}; choose from {', '.join(MODALITIES)}")
        take.validate()
        if (take.width, take.height) != (self.width, self.height):
            raise ValueError(f"take is {take.width}x{take.height} but the renderer is {self.width}x{self.height}")
        return self._frames(take, mods)

    def _frames(self, take: Take, mods: frozenset[str]) -> Iterator[Frame]:
        ctx = self._check_open()
        self._generation += 1
        generation = self._generation
        self._take.release()
        if take.num_frames == 0:  # nothing to render (and no per-frame tables to build)
            return
        try:
            shadows = self._shadow_map
            self._take.load(ctx, take, self._programs.rigid, self._skin_transform_prog, self._programs.skinned,
                            self.settings.near, self.settings.far, self._parts_per_chunk,
                            shadow_map_size=self.settings.shadow_map_size if shadows is not None else None,
                            cascades=shadows.cascades if shadows is not None else 1, cull_program=self._cull_prog,
                            frame_block_binding=_FRAME_BLOCK_BINDING)
            self._precip_seed = precipitation_seed(take)
            set_raster_state(ctx)  # once per take
            pending: Frame | None = None  # with flow: the frame whose flow comes with the next one
            for frame, previous_flow in self._read_frames(take, mods, generation):
                if pending is not None:
                    pending.flow, pending.flow_valid = previous_flow
                    yield pending
                if "flow" in mods:
                    pending = frame
                else:
                    yield frame
            if pending is not None:  # the last frame has no t+1
                last = pending
                last.flow = np.zeros((self.height, self.width, 2), dtype=np.float32)
                last.flow_valid = np.zeros((self.height, self.width), dtype=bool)
                yield last
        finally:
            if generation == self._generation:
                self._take.release()
            if not self._closed:
                # Between frames one of this renderer's framebuffers stays bound (binding one
                # costs NVIDIA's driver about 15 us); after the take, the default one, as close() does.
                self._default_fbo.use()

    def _read_frames(self, take: Take, mods: frozenset[str],
                     generation: int) -> Iterator[tuple[Frame, tuple[np.ndarray, np.ndarray] | None]]:
        """Render every frame; yield (frame with its arrays, the previous frame's (flow, validity)
        or ``None``) in order. Frame t's targets are read into pixel buffers and mapped after frame
        t + ``settings.readback_lag``'s commands are issued."""
        def check() -> None:  # a later render_take reuses the targets and read-back slots
            if generation != self._generation:
                raise RuntimeError("render_take was called again; this frame iterator is no longer valid")

        in_flight: collections.deque[tuple[Frame, ReadbackSlot]] = collections.deque()  # issued, not mapped
        lag = self.settings.readback_lag
        for t in range(take.num_frames):
            check()
            rendered = self._render_frame(take, t, mods)
            if not self.settings.async_readback:
                yield self._collect(*rendered, mods)
                continue
            in_flight.append(rendered)
            if len(in_flight) > lag:
                yield self._collect(*in_flight.popleft(), mods)
        while in_flight:
            check()
            yield self._collect(*in_flight.popleft(), mods)

    def _collect(self, frame: Frame, slot: ReadbackSlot,
                 mods: frozenset[str]) -> tuple[Frame, tuple[np.ndarray, np.ndarray] | None]:
        """Map ``frame``'s read-backs into its fields; returns (frame, the previous frame's
        ``(flow (H, W, 2) float32, valid (H, W) bool)`` or ``None``)."""
        self._check_open()
        with self.timer.section("readback"):
            arrays = slot.collect()
        frame.raw, frame.img = arrays.get("raw"), arrays.get("img")
        frame.semantic, frame.instance = arrays.get("semantic"), arrays.get("instance")
        frame.depth = arrays.get("depth")
        return frame, collected(arrays)

    def _render_frame(self, take: Take, t: int, mods: frozenset[str]) -> tuple[Frame, ReadbackSlot]:
        """Issue frame ``t``'s passes and its read-backs (into a :class:`ReadbackSlot`)."""
        ctx = self._check_open()
        self._slot = self._readback.begin()
        return self._render_frame_passes(ctx, take, t, mods), self._slot

    def _render_frame_passes(self, ctx: moderngl.Context, take: Take, t: int, mods: frozenset[str]) -> Frame:
        frame = Frame(index=t)
        with self.timer.section("upload"):
            self._upload(take, t)
            if self._take.view_cull is not None:
                self._take.view_cull.cull()  # this frame's draw commands of the large parts' cells
        with self.timer.section("skinning"):
            self._take.skins.skin(self._gt.fbo)  # once per frame, for the G-buffer and ground truth alike
        geometry_flags = moderngl.DEPTH_TEST | (moderngl.CULL_FACE if self.settings.cull_back_faces else 0)
        lit, gt = bool(mods & _LIT_MODALITIES), bool(mods & _GT_MODALITIES)
        fused = lit and gt and self._fused
        self._gt.swap()  # this frame's motion target; the previous frame's stays for flow validity
        if lit:
            self._lit_pass(take, t, geometry_flags, frame, mods, fused)
        if fused:
            with self.timer.section("read_ground_truth"):
                self._read_ground_truth(mods, t)
        elif gt:
            self._ground_truth_pass(geometry_flags, mods, t)
        return frame  # every pass above leaves the enable flags at NOTHING

    def _upload(self, take: Take, t: int) -> None:
        """Frame ``t``'s frame block, part table and bone palettes made current (uploaded a window
        of frames at a time, :mod:`phav.render.frame_window`), and its lighting uniforms."""
        self._take.window.use(t)
        # Every part's rows of the part table, in the PartData block (chunk 0 bound; _draw_parts
        # binds the others when the take has more parts than one block holds).
        self._take.parts.bind(0)
        self._part_chunk = 0
        wetness = 0.0 if take.atmosphere is None else float(take.atmosphere.wetness[t])
        snow = snow_cover(take, t) if self.settings.precipitation else 0.0
        for prog in self._programs.lit:
            self._set_uniform(prog, "u_wetness", wetness)
            self._set_uniform(prog, "u_snow", snow)
        self._set_lighting(take, t)

    def _set_uniform(self, prog: moderngl.Program, name: str, value: object) -> None:
        """``prog[name].value = value``, skipped when this renderer last set it to the same value
        (a program keeps its uniforms; most of them hold still through a take)."""
        key = (prog.glo, name)
        if self._uniform_values.get(key, _UNSET) != value:
            prog[name].value = value
            self._uniform_values[key] = value

    def _set_lighting(self, take: Take, t: int) -> None:
        """Fog and local-light uniforms of frame ``t`` (camera frame)."""
        prog = self._lighting_prog
        w2c = take.camera_world_to_camera[t]
        camera_height = float(self._take.camera_height[t])
        a = take.atmosphere
        if a is None:
            self._set_uniform(prog, "u_fog", (0.0, 0.0, camera_height))
        else:
            self._set_uniform(prog, "u_fog_color", tuple(float(x) for x in a.fog_color[t]))
            self._set_uniform(prog, "u_fog", (float(a.fog_density[t]), float(a.fog_height_falloff[t]), camera_height))
        lights = take.lights
        n = 0 if lights is None else min(len(lights.radius), MAX_LIGHTS)
        self._set_uniform(prog, "u_light_count", n)
        if n:
            pos = lights.position[t, :n] @ w2c[:3, :3].T + w2c[:3, 3]
            prog["u_light_pos"].write(np.pad(pos, ((0, MAX_LIGHTS - n), (0, 0))).astype("f4").tobytes())
            prog["u_light_color"].write(np.pad(lights.color[t, :n], ((0, MAX_LIGHTS - n), (0, 0))).astype("f4").tobytes())
            prog["u_light_radius"].write(np.pad(np.maximum(lights.radius[:n], 1e-3), (0, MAX_LIGHTS - n)).astype("f4").tobytes())

    def _draw_parts(self, program_number: int, parts: np.ndarray | None = None, skins: np.ndarray | None = None) -> None:
        """Draw every rigid part (in part order, one draw per run of consecutive parts), then every
        skin (with the matching skinned program); with the ``(P,)`` and ``(S,)`` bool masks ``parts``
        and ``skins``, only the marked ones."""
        batch = self._take.parts
        vao = batch.vertex_array(program_number)
        culled = self._take.view_cull if parts is None else None
        if vao is not None and culled is not None:  # every part: indirect draws, cells outside the view empty
            culled.draw(vao, self._bind_part_chunk)
        elif vao is not None:
            for chunk, first, count in batch.runs(parts):
                self._bind_part_chunk(chunk)
                vao.render(moderngl.TRIANGLES, vertices=count, first=first)
        skinned = self._programs.skinned[program_number]
        instance = self._programs.skin_instance[program_number]
        marked = None if skins is None else skins.tolist()
        # Closed skins' back faces are culled here (not in the shadow map; with cull_back_faces every
        # draw culls already): CULL_FACE is on while they are drawn, and off again afterwards.
        cull_closed = program_number != SHADOW and self.settings.cull_skin_back_faces and not self.settings.cull_back_faces
        culling = False
        for i, vao in self._take.skin_draws(program_number):
            if marked is None or marked[i]:
                if cull_closed and self._take.skin_closed[i] != culling:
                    culling = not culling
                    (self._ctx.enable if culling else self._ctx.disable)(moderngl.CULL_FACE)
                if instance:
                    self._set_uniform(skinned, "u_instance", self._take.skin_instances[i])
                vao.render(moderngl.TRIANGLES)
        if culling:
            self._ctx.disable(moderngl.CULL_FACE)

    def _bind_part_chunk(self, chunk: int) -> None:
        """Bind chunk ``chunk`` of the part table to the PartData block, unless it is bound."""
        if chunk != self._part_chunk:
            self._take.parts.bind(chunk)
            self._part_chunk = chunk

    def _shadow_pass(self, t: int) -> None:
        """Draw the sun shadow maps of frame ``t`` (the take's
        :class:`~phav.render.shadow_plan.ShadowPlanner` says which casters go where) and set the
        lighting pass's shadow uniforms (``u_shadow.x = 0``: no shadows this frame;
        ``u_shadow_far.z = 0``: no moving caster in the far cascade this frame)."""
        ctx, s, prog = self._ctx, self.settings, self._lighting_prog
        if self._shadow_map is None or not self._take.sun.casts_shadows(t):
            self._set_uniform(prog, "u_shadow", (0.0, 0.0, 0.0, 0.0))
            return
        plan = self._take.shadow_planner(s).plan(t)
        near, far = plan.near, plan.far
        # The light cameras' matrices, column-major, for the casters' programs and the lighting pass.
        near_matrix = near.camera_to_light_clip.T.astype("f4").tobytes()
        far_matrix = far.camera_to_light_clip.T.astype("f4").tobytes() if far is not None else None
        with self.timer.section("shadow_map"):
            self._shadow_map.prepare(plan.touched)
            ctx.enable_only(moderngl.DEPTH_TEST)  # no culling: open meshes cast shadows too
            self._shadow_map.use_cascade(0)
            self._draw_shadow_casters(near_matrix, plan.near_parts, plan.near_skins)
            if plan.static_parts is not None:
                self._shadow_map.use_static()
                self._draw_shadow_casters(far_matrix, plan.static_parts, np.zeros_like(plan.moving_skins))
            if plan.moving:
                self._shadow_map.use_cascade(1)
                self._draw_shadow_casters(far_matrix, plan.moving_parts, plan.moving_skins)
            ctx.enable_only(moderngl.NOTHING)
        # Clip z spans fit.depth_range metres over [-1, 1]: map depth [0, 1] spans it once.
        prog["u_shadow_matrix"].write(near_matrix)
        self._set_uniform(prog, "u_shadow", (1.0, near.texel_size, s.shadow_softness, 1.0 / near.depth_range))
        if far is not None:
            prog["u_shadow_matrix_far"].write(far_matrix)
        self._set_uniform(prog, "u_shadow_far", (1.0, far.texel_size, float(plan.moving), 1.0 / far.depth_range)
                          if far is not None else (0.0, 0.0, 0.0, 0.0))

    def _draw_shadow_casters(self, matrix: bytes, parts: np.ndarray, skins: np.ndarray) -> None:
        """Draw the parts and skins marked in the ``(P,)`` and ``(S,)`` bool masks into the bound
        shadow map with the light camera whose camera-to-light-clip matrix is ``matrix`` (``(4, 4)
        float32`` bytes, column-major: :attr:`ShadowFit.camera_to_light_clip`)."""
        self._programs.rigid[SHADOW]["u_light"].write(matrix)
        self._programs.skinned[SHADOW]["u_light"].write(matrix)
        self._draw_parts(SHADOW, parts, skins)

    def _precipitation_pass(self, take: Take, t: int) -> None:
        """Blend frame ``t``'s rain or snow over the lit image (the G-buffer bound)."""
        p = precipitation_frame(take, t) if self.settings.precipitation else None
        if p is None:
            return
        with self.timer.section("precipitation"):
            self._precipitation.draw(p, self._precip_seed)

    def _lit_pass(self, take: Take, t: int, flags: int, frame: Frame,
                  mods: frozenset[str], fused: bool) -> None:
        """Shadow map, G-buffer (with ``fused``: and the ground truth), lighting, precipitation,
        post chain and resolves of frame ``t``."""
        ctx, lit, timer = self._ctx, self._lit, self.timer
        self._shadow_pass(t)
        if fused:
            with timer.section("gbuffer_ground_truth"):
                # G-buffer cleared, the sky in every ground-truth texel, the fused framebuffer bound
                self._sky.start_fused(self._fused_fbos[self._gt.current], lit, self._gbuffer_clear)
                ctx.enable_only(flags)
                self._draw_parts(FUSED)
                ctx.enable_only(moderngl.NOTHING)
        else:
            with timer.section("gbuffer"):
                self._gbuffer_clear.clear()
                ctx.enable_only(flags)
                self._draw_parts(GBUFFER)
                ctx.enable_only(moderngl.NOTHING)
        with timer.section("lighting"):
            lit.albedo.use(location=GBUFFER_UNITS["u_albedo"])
            lit.normal.use(location=GBUFFER_UNITS["u_normal"])
            lit.surface.use(location=GBUFFER_UNITS["u_surface"])
            if self._shadow_map is not None:
                self._shadow_map.bind(SHADOW_UNIT, SHADOW_STATIC_UNIT)
            self._lighting.draw(lit.hdr, lit.hdr_fbo)
        self._precipitation_pass(take, t)
        # Both images resolved in one dispatch after the post chain where the packed resolve can
        # (the chain only reads the lit image, so it still holds raw's source).
        paired = "raw" in mods and "img" in mods and self._rgb is not None and self._rgb.resolves_pairs
        if "raw" in mods and not paired:
            with timer.section("resolve_raw"):
                self._resolve(lit.hdr, lit.raw, lit.raw_fbo, "raw")
        if "img" in mods:
            # The lighting pass bound the G-buffer at the chain's units (post.GBUFFER_UNITS) already.
            result = self.post.run(lit.hdr, [(lit.ping, lit.ping_fbo), (lit.pong, lit.pong_fbo)])
            if paired:
                with timer.section("resolve_raw+resolve_img"):
                    self._rgb.resolve_pair_and_read(self._slot, ("raw", lit.hdr, lit.raw), ("img", result, lit.img))
            else:
                with timer.section("resolve_img"):
                    self._resolve(result, lit.img, lit.img_fbo, "img")

    def _resolve(self, source: moderngl.Texture, texture: moderngl.Texture, fbo: moderngl.Framebuffer,
                 key: str) -> None:
        """Downsample ``source`` into ``texture`` (framebuffer ``fbo``) and queue its read-back as
        ``key``: ``(H, W, 3) uint8`` sRGB."""
        if self._rgb is not None and self._rgb.resolves:  # resolve and packing in one dispatch
            self._rgb.resolve_and_read(self._slot, key, source, texture)
            return
        self.post.resolve(source, texture, fbo)
        if self._rgb is not None:
            self._rgb.read(self._slot, key, texture)
        else:
            self._slot.read(key, fbo, (self.height, self.width, 3), np.uint8, components=3)

    def _ground_truth_pass(self, flags: int, mods: frozenset[str], t: int) -> None:
        ctx = self._ctx
        with self.timer.section("ground_truth"):
            self._sky.start()  # depth buffer cleared, the sky in every texel, the targets bound
            ctx.enable_only(flags)
            self._draw_parts(GROUND_TRUTH)
            ctx.enable_only(moderngl.NOTHING)
        with self.timer.section("read_ground_truth"):
            self._read_ground_truth(mods, t)

    def _read_ground_truth(self, mods: frozenset[str], t: int) -> None:
        """Queue the read-backs of frame ``t``'s requested ground-truth targets (:meth:`_collect` maps
        them); with flow and ``t > 0``, first run the flow validity pass of frame ``t - 1`` (its
        motion against frame ``t``'s depth) and queue its flow and validity too."""
        gt, slot, H, W = self._gt, self._slot, self.height, self.width
        if "flow" in mods and t > 0:
            self._flow.run(gt.previous_motion, gt.depth)
            self._flow.read(slot)
        if "depth" in mods:
            slot.read("depth", gt.depth, (H, W), np.float32)
        if "classgt" in mods:
            slot.read("semantic", gt.semantic, (H, W), np.uint8)
        if "instancegt" in mods:
            slot.read("instance", gt.instance, (H, W), np.uint16)
