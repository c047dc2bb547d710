"""Render settings: supersampling, clip planes, post chain and ground-truth tolerances."""

from __future__ import annotations

import dataclasses

from phav.body.skin import DEFAULT_RESOLUTION

#: Post passes the chain knows, in their canonical (documented) order: SSAO, SSR, bloom and motion
#: blur on the linear HDR image; then the filmic tone curve, colour grading and the vignette. SSAA is
#: resolved after the chain (box filter in linear light, then sRGB).
POST_PASSES: tuple[str, ...] = ("ssao", "ssr", "bloom", "motion_blur", "tonemap", "grade", "vignette")
#: Quality presets of :func:`quality_settings`.
QUALITIES: tuple[str, ...] = ("preview", "phav", "high")
#: Values of ``RenderSettings.post_backend`` (see :func:`phav.render.post.choose_post_backend`).
POST_BACKENDS: tuple[str, ...] = ("auto", "compute", "fragment")
#: Usage hints the read-back pixel buffers can have (RenderSettings.readback_usage).
READBACK_USAGES: tuple[str, ...] = ("auto", "dynamic_draw", "stream_read", "persistent", "persistent_views")
#: Most frames a read-back may lag its frame's commands (RenderSettings.readback_lag).
MAX_READBACK_LAG = 4


@dataclasses.dataclass(frozen=True)
class RenderSettings:
    """How a :class:`~phav.render.Renderer` renders.

    Attributes:
        ssaa: supersampling factor per axis for the lit image (``img``, ``raw``); ground truth is
            always rendered at output size.
        near, far: clip planes, metres. Geometry outside them is not drawn (it reads as sky).
        post: the post chain on the RGB image, applied in this order (names from :data:`POST_PASSES`).
        exposure: multiplier on linear radiance before the tone curve.
        saturation: colour grade saturation (1 = unchanged).
        vignette: fraction of light lost in the image corners (0 = none).
        grade_lift, grade_gain: the colour grade's per-channel lift and gain (``lift + c (gain - lift)``).
        grade_contrast: the grade's contrast about mid grey in log space, ``0.18 (c / 0.18) ** contrast``
            (1 = unchanged): black stays black and no dark value is clipped to it.
        grade_saturation: the grade's saturation about the luminance (1 = unchanged).
        cull_back_faces: skip triangles seen from behind (only for closed, consistently wound meshes).
        cull_skin_back_faces: skip the people's skin triangles seen from behind in the G-buffer and
            ground-truth passes (not in the shadow map). A skin is closed and wound outwards
            (:func:`phav.body.skin.build_skin`), so its back faces lie behind its front faces,
            except where a pose folds the skin through itself (a crease: there the front face
            behind is seen instead) or the near plane cuts it; about half a skin's triangles face
            away, and those are dropped before they are shaded.
        skin_resolution: grid spacing (m) of the people's skins for videos made with these settings
            (:func:`phav.body.skin.build_skin`): the scenario builds the skins into the take
            (``Scenario.simulate(skin_resolution=...)``, as :func:`phav.pipeline.generate_video`
            does), and the renderer draws whatever mesh the take holds, its ground truth exact for it.
            Every preset uses :data:`~phav.body.skin.DEFAULT_RESOLUTION` (1.8 cm), so a spec's
            ground truth is the same whatever the quality; ``skin_resolution=PREVIEW_RESOLUTION``
            (2.4 cm, about half the triangles, every body-part label kept) trades that for speed.
        occlusion_rel_tol, occlusion_abs_tol: a pixel's flow is valid when its predicted depth at
            t+1 is within ``rel * depth + abs`` metres of frame t+1's depth at the nearest target
            pixel or of that depth interpolated bilinearly at the target position
            (:func:`phav.render.flow.flow_validity`).
        shadows: draw the sun's shadow map (:mod:`phav.render.shadows`); no shadow map is drawn
            while the sun is below the horizon or switched off (night, indoors).
        shadow_map_size: side of each cascade's square shadow map, texels.
        shadow_distance: the near shadow cascade covers the camera's view frustum from ``near`` to
            this many metres at full resolution.
        shadow_far_distance: the far cascade (as many texels) covers it from ``shadow_distance``
            to this many metres, so distant casters still shadow the far ground; at most
            ``shadow_distance``: no far cascade (farther surfaces are unshadowed).
        shadow_softness: radius of the PCF kernel, shadow-map texels.
        shadow_taps: PCF taps per axis (``taps**2`` bilinear comparisons per pixel).
        shadow_bias: depth bias, metres along the light direction (against shadow acne).
        shadow_normal_offset: receiver offset along its normal, shadow-map texels (against acne on
            surfaces at grazing angles to the sun).
        precipitation: draw rain and snow of ``take.atmosphere`` (:mod:`phav.render.precipitation`)
            into the lit image, so into ``raw`` and ``img``; never into ground truth.
        precipitation_layers: distance bands (1..4, from 1.2 m out to 4.3-15.6 m) of the
            world-anchored rain/snow field (more: denser and farther, costs more).
        post_backend: how the full-screen passes (lighting, post chain, SSAA resolves) run:
            ``"compute"`` (compute shaders, GL 4.3), ``"fragment"`` (full-screen triangles) or ``"auto"``
            (compute on GL >= 4.3 except on software rasterizers such as llvmpipe, where fragment
            passes measured as fast or faster; fragment below GL 4.3). Both give the same image.
        async_readback: read each frame's targets into pixel buffer objects and map them while the
            next frame renders (``False``: map right away, synchronously; same frames, for
            benchmarks and debugging).
        readback_usage: usage hint of those pixel buffers (:data:`READBACK_USAGES`,
            :func:`phav.render.readback.pixel_pack_buffer`): ``"auto"`` (the default,
            :func:`phav.render.readback_gl.choose_readback_usage`: ``"persistent_views"`` where it
            was measured faster, Mesa's drivers with GL 4.4, else ``"dynamic_draw"``),
            ``"dynamic_draw"`` (moderngl's),
            ``"stream_read"`` (memory the CPU reads; NVIDIA's driver is said to use pinned host
            memory for it), ``"persistent"`` (GL 4.4: immutable storage in client memory mapped
            once for good; each frame waits on a fence instead of mapping) or
            ``"persistent_views"`` (the same, and a frame's arrays are views of the mapped memory,
            no copy: :mod:`phav.render.readback_blocks`). Same frames.
        readback_lag: with ``async_readback``, frames between a frame's commands and the mapping of
            its pixel buffers: 1 maps frame t once frame t+1's commands are issued; 2 once frame
            t+2's are, so the GL has another frame of work queued while the CPU maps and copies
            (a frame's buffers more, and frames come out a frame later). Same frames.
        fuse_ground_truth: when the G-buffer is at output size (``ssaa == 1``) and frames need
            both lit images and ground truth, write the ground truth from the G-buffer pass (extra
            colour attachments of the same draw) instead of drawing every mesh again in a separate
            pass (``False``: always the separate pass; same bytes, for tests and benchmarks).
    """

    ssaa: int = 2
    near: float = 0.05
    far: float = 1000.0
    post: tuple[str, ...] = POST_PASSES
    exposure: float = 1.5
    saturation: float = 1.1
    vignette: float = 0.25
    cull_back_faces: bool = False
    cull_skin_back_faces: bool = True
    skin_resolution: float = DEFAULT_RESOLUTION
    occlusion_rel_tol: float = 0.01
    occlusion_abs_tol: float = 0.01
    ssao_strength: float = 0.6
    ssao_radius: float = 0.35
    ssao_samples: int = 8
    ssr_strength: float = 1.0
    ssr_max_roughness: float = 0.35
    ssr_distance: float = 8.0
    ssr_steps: int = 16
    bloom_threshold: float = 1.2
    bloom_intensity: float = 0.25
    bloom_radius: float = 6.0
    bloom_samples: int = 12
    shutter_angle: float = 180.0
    motion_blur_samples: int = 8
    grade_lift: tuple[float, float, float] = (0.0, 0.0, 0.0)
    grade_gain: tuple[float, float, float] = (1.0, 1.0, 1.0)
    grade_contrast: float = 1.05
    grade_saturation: float = 1.0
    shadows: bool = True
    shadow_map_size: int = 2048
    shadow_distance: float = 30.0
    shadow_far_distance: float = 150.0
    shadow_softness: float = 1.5
    shadow_taps: int = 3
    shadow_bias: float = 0.03
    shadow_normal_offset: float = 1.5
    precipitation: bool = True
    precipitation_layers: int = 4
    post_backend: str = "auto"
    async_readback: bool = True
    readback_usage: str = "auto"
    readback_lag: int = 1
    fuse_ground_truth: bool = True

    def __post_init__(self) -> None:
        if not (isinstance(self.ssaa, int) and 1 <= self.ssaa <= 8):
            raise ValueError(f"ssaa must be an integer in 1..8, got {self.ssaa!r}")
        if not (0.0 < self.near < self.far):
            raise ValueError(f"need 0 < near < far, got near={self.near}, far={self.far}")
        if not 0.002 <= self.skin_resolution <= 0.05:
            raise ValueError(f"skin_resolution must be in 0.002-0.05 m, got {self.skin_resolution}")
        unknown = [p for p in self.post if p not in POST_PASSES]
        if unknown:
            raise ValueError(f"unknown post passes {unknown}; choose from {', '.join(POST_PASSES)}")
        if not (isinstance(self.readback_lag, int) and 1 <= self.readback_lag <= MAX_READBACK_LAG):
            raise ValueError(f"readback_lag must be an integer in 1..{MAX_READBACK_LAG}, got {self.readback_lag!r}")
        if self.readback_usage not in READBACK_USAGES:
            raise ValueError(f"unknown readback_usage {self.readback_usage!r}; choose from {', '.join(READBACK_USAGES)}")
        if self.post_backend not in POST_BACKENDS:
            raise ValueError(f"unknown post_backend {self.post_backend!r}; choose from {', '.join(POST_BACKENDS)}")
        if self.exposure <= 0.0:
            raise ValueError(f"exposure must be positive, got {self.exposure}")
        if not 0.0 <= self.vignette <= 1.0:
            raise ValueError(f"vignette must be in [0, 1], got {self.vignette}")
        if self.occlusion_rel_tol < 0.0 or self.occlusion_abs_tol < 0.0:
            raise ValueError("occlusion tolerances must be >= 0")
        if not 0.0 <= self.shutter_angle <= 360.0:
            raise ValueError(f"shutter_angle must be in [0, 360] degrees, got {self.shutter_angle}")
        for name in ("ssao_samples", "ssr_steps", "bloom_samples", "motion_blur_samples"):
            if not 1 <= getattr(self, name) <= 256:
                raise ValueError(f"{name} must be in 1..256, got {getattr(self, name)}")
        if not (isinstance(self.shadow_map_size, int) and 16 <= self.shadow_map_size <= 16384):
            raise ValueError(f"shadow_map_size must be an integer in 16..16384 texels, got {self.shadow_map_size!r}")
        if not 1 <= self.shadow_taps <= 8:
            raise ValueError(f"shadow_taps must be in 1..8 per axis, got {self.shadow_taps}")
        if not 1 <= self.precipitation_layers <= 4:
            raise ValueError(f"precipitation_layers must be in 1..4, got {self.precipitation_layers}")
        if self.shadow_softness < 0.0 or self.shadow_bias < 0.0 or self.shadow_normal_offset < 0.0:
            raise ValueError("shadow_softness, shadow_bias and shadow_normal_offset must be >= 0")
        if self.shadow_far_distance < 0.0:
            raise ValueError(f"shadow_far_distance must be >= 0 (0: no far cascade), got {self.shadow_far_distance}")
        for name in ("ssao_radius", "ssr_distance", "bloom_radius", "grade_contrast", "shadow_distance"):
            if getattr(self, name) <= 0.0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


def quality_settings(quality: str, **overrides) -> RenderSettings:
    """Settings of a quality preset: ``preview`` (no SSAA, only the tone curve, no sun shadows:
    they doubled its frame time at 340x256 on llvmpipe), ``phav`` (the default: 2x SSAA, a
    2048-texel sun shadow map with 3x3 PCF and every post effect, as PHAV), ``high`` (3x SSAA, more
    samples, larger kernels, 5x5 PCF). Rain and snow are drawn in every preset. ``overrides``
    replace individual fields.

    Raises:
        ValueError: unknown preset (the message lists them).
    """
    if quality == "preview":
        base = RenderSettings(ssaa=1, post=("tonemap",), shadows=False)
    elif quality == "phav":
        base = RenderSettings()
    elif quality == "high":
        base = RenderSettings(ssaa=3, ssao_samples=24, ssr_steps=48, bloom_samples=32, bloom_radius=9.0,
                              motion_blur_samples=16, shadow_taps=5, shadow_softness=2.0)
    else:
        raise ValueError(f"unknown quality {quality!r}; choose from {', '.join(QUALITIES)}")
    return dataclasses.replace(base, **overrides)
