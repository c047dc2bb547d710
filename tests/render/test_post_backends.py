"""Compute and fragment backends of the full-screen passes (lighting, post chain, SSAA resolve).

Every pass's shading lives once (``shaders/<pass>.glsl``) behind two entry points, so the two
backends must give the same image: per pass and for the whole chain of every quality preset, the
compute path's ``img`` and ``raw`` are within 1 of the fragment path's 8-bit values (llvmpipe gives
GL 4.5, so both run here), and ground truth is identical. Scene: a preset's person on a glossy
ground (so SSR reflects), stepping sideways 0.25 m per frame (so motion blur acts), at 64x48.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render import post
from phav.render.half_store import FRAMEBUFFER, IMAGE, NEAREST, TOWARD_ZERO, half_store_rounding
from phav.render.post import choose_post_backend, plan_kernels, split_kernel
from phav.render.settings import POST_PASSES, QUALITIES, RenderSettings, quality_settings

from render_scenes import person_take

W, H = 64, 48
TOLERANCE = 1  # 8-bit levels


# ---- backend choice (no GL) -------------------------------------------------------------------

@pytest.mark.parametrize("setting, version, renderer, expected", [
    ("auto", 450, "NVIDIA H100 80GB HBM3/PCIe/SSE2", "compute"),
    ("auto", 430, "AMD Radeon Pro", "compute"),
    ("auto", 450, "llvmpipe (LLVM 15.0.6, 256 bits)", "fragment"),  # measured faster there
    ("auto", 450, "softpipe", "fragment"),
    ("auto", 330, "NVIDIA GeForce", "fragment"),  # no compute shaders before GL 4.3
    ("compute", 450, "llvmpipe (LLVM 15.0.6, 256 bits)", "compute"),
    ("fragment", 460, "NVIDIA H200", "fragment"),
])
def test_backend_choice(setting, version, renderer, expected):
    assert choose_post_backend(setting, version, renderer) == expected


def test_forcing_compute_without_gl43_is_a_one_line_error():
    with pytest.raises(ValueError, match="needs GL 4.3") as info:
        choose_post_backend("compute", 410, "Mesa Intel")
    assert "\n" not in str(info.value) and "GL 4.1" in str(info.value) and "'fragment'" in str(info.value)


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError, match="post_backend"):
        RenderSettings(post_backend="vulkan")
    with pytest.raises(ValueError, match="post_backend"):
        choose_post_backend("vulkan", 450, "x")


def test_backend_is_a_recorded_render_setting():
    recorded = dataclasses.asdict(quality_settings("phav"))  # what params.json stores
    assert recorded["post_backend"] == "auto"
    assert dataclasses.asdict(quality_settings("phav", post_backend="compute"))["post_backend"] == "compute"


class _GL41:
    """The session context reporting GL 4.1 (no compute shaders); everything else delegated."""

    def __init__(self, ctx):
        object.__setattr__(self, "_ctx", ctx)

    version_code = 410

    def __getattr__(self, name):
        return getattr(self._ctx, name)


@pytest.mark.gl
def test_renderer_refuses_compute_on_a_context_without_gl43(gl_context):
    with pytest.raises(ValueError, match="needs GL 4.3"):
        Renderer(W, H, RenderSettings(post_backend="compute"), context=_GL41(gl_context))
    with Renderer(W, H, RenderSettings(post_backend="auto", shadows=False), context=_GL41(gl_context)) as r:
        assert r.post_backend == "fragment" and r.post.backend == "fragment"


# ---- same image on both backends ----------------------------------------------------------------

def _take(T: int = 2):
    take = person_take(W, H, T=T, step=(0.25, 0.0, 0.0))  # a few pixels per frame: motion blur acts
    ground = take.meshes[0]
    take.meshes[0] = dataclasses.replace(ground, material=np.tile((0.08, 0.0), (len(ground.positions), 1)))
    return take


def _render(take, settings: RenderSettings, backend: str, mods=MODALITIES):
    with Renderer(W, H, dataclasses.replace(settings, post_backend=backend)) as r:
        assert r.post_backend == backend and r.post.backend == backend
        return list(r.render_take(take, mods))


def _assert_same(compute, fragment):
    assert [f.index for f in compute] == [f.index for f in fragment]
    for c, f in zip(compute, fragment):
        for name in ("img", "raw"):
            a, b = getattr(c, name), getattr(f, name)
            if b is None:
                assert a is None
                continue
            gap = np.abs(a.astype(int) - b.astype(int)).max()
            assert gap <= TOLERANCE, f"frame {f.index} {name}: compute differs from fragment by {gap} levels"
        for name in ("depth", "flow", "flow_valid", "semantic", "instance"):
            a, b = getattr(c, name), getattr(f, name)
            assert (a is None and b is None) or np.array_equal(a, b), f"frame {f.index} {name}"


@pytest.mark.gl
@pytest.mark.parametrize("ssaa", [1, 2])
@pytest.mark.parametrize("name", POST_PASSES)
def test_each_pass_matches_across_backends(name, ssaa):
    take = _take()
    settings = RenderSettings(ssaa=ssaa, post=(name,), bloom_threshold=0.3, vignette=0.5, shadows=False)
    fragment = _render(take, settings, "fragment", ("img",))
    compute = _render(take, settings, "compute", ("img",))
    _assert_same(compute, fragment)
    # The pass really ran: the image differs from the chain without it.
    plain = _render(take, dataclasses.replace(settings, post=()), "fragment", ("img",))
    assert any(np.abs(a.img.astype(int) - b.img.astype(int)).max() > 0 for a, b in zip(plain, fragment)), name


@pytest.mark.gl
@pytest.mark.parametrize("quality", QUALITIES)
def test_whole_chain_matches_across_backends(quality):
    take = _take(T=3)
    settings = quality_settings(quality)
    _assert_same(_render(take, settings, "compute"), _render(take, settings, "fragment"))


@pytest.mark.gl
@pytest.mark.parametrize("backend", ["fragment", "compute"])
def test_timer_queries_cover_every_pass_on_both_backends(backend):
    take = _take(T=2)
    with Renderer(W, H, quality_settings("phav", post_backend=backend)) as r:
        timer = r.enable_profiling()
        list(r.render_take(take, ("img", "raw")))
        summary = timer.summary()
        # With RGB packed on the GPU (hardware GL), compute resolves raw and img in one dispatch.
        resolves = (("resolve_raw+resolve_img",) if r._rgb is not None and r._rgb.resolves_pairs
                    else ("resolve_raw", "resolve_img"))
        fused = half_store_rounding(r._ctx, IMAGE if backend == "compute" else FRAMEBUFFER) is not None
    # Where the GL's half rounding is known (llvmpipe: both paths) the per-texel passes run as the
    # motion blur's epilogue, timed under the joined name.
    chain = ("ssao+ssr", "bloom", "motion_blur+tonemap+grade+vignette") if fused else POST_PASSES
    assert [name for name in summary if name in chain or ("+" in name and "resolve" not in name)] == list(chain)
    for name in ("lighting", *resolves, *chain):
        assert summary[name]["count"] == 2, name
        assert summary[name]["gpu_ms"] >= 0.0 and summary[name]["wall_ms"] > 0.0, name


def test_per_texel_passes_join_the_kernel_before_them_where_the_half_rounding_is_known():
    chain = ("ssao", "ssr", "bloom", "motion_blur", "tonemap", "grade", "vignette")
    assert plan_kernels(chain, True) == [("ssao", "ssr"), ("bloom",), ("motion_blur", "tonemap", "grade", "vignette")]
    assert plan_kernels(chain, False) == [(name,) for name in chain]
    # A chain that starts with a per-texel pass: it is the kernel, the others its epilogue.
    assert plan_kernels(("tonemap", "grade", "vignette"), True) == [("tonemap", "grade", "vignette")]
    # Per-texel passes before a neighbourhood pass stay in front of it; at most three per kernel.
    assert plan_kernels(("tonemap", "ssao", "vignette"), True) == [("tonemap",), ("ssao", "vignette")]
    assert plan_kernels(("bloom", "grade", "tonemap", "grade", "vignette"), True) == [
        ("bloom", "grade", "tonemap", "grade"), ("vignette",)]


def test_ssr_takes_in_ssao_only_right_after_it_and_alone():
    assert plan_kernels(("ssao", "ssr", "tonemap", "grade", "vignette"), True) == [
        ("ssao", "ssr", "tonemap", "grade", "vignette")]  # a prologue and three epilogue stages
    assert plan_kernels(("ssr", "ssao"), True) == [("ssr",), ("ssao",)]
    assert plan_kernels(("ssao", "bloom", "ssr"), True) == [("ssao",), ("bloom",), ("ssr",)]
    assert plan_kernels(("ssao", "tonemap", "ssr"), True) == [("ssao", "tonemap"), ("ssr",)]
    assert plan_kernels(("ssao", "ssao", "ssr"), True) == [("ssao",), ("ssao", "ssr")]
    assert split_kernel(("ssao", "ssr", "tonemap")) == (("ssao",), "ssr", ("tonemap",))
    assert split_kernel(("ssao", "tonemap")) == ((), "ssao", ("tonemap",))
    assert split_kernel(("ssr",)) == ((), "ssr", ())


def _skip_unless_fused(renderer: Renderer, backend: str) -> str:
    """This GL's half rounding on ``backend``'s path (skips the test where it is unknown: then
    nothing is fused)."""
    rounding = half_store_rounding(renderer._ctx, IMAGE if backend == "compute" else FRAMEBUFFER)
    if rounding is None:
        pytest.skip(f"this GL rounds {backend} half stores neither to nearest nor toward zero: nothing is fused")
    return rounding


@pytest.mark.gl
@pytest.mark.parametrize("backend", ["compute", "fragment"])
@pytest.mark.parametrize("quality", ["phav", "high"])
def test_prologue_and_epilogues_give_the_unfused_chains_bytes(quality, backend, monkeypatch):
    take = _take(T=2)
    settings = dataclasses.replace(quality_settings(quality), vignette=0.5, post_backend=backend)
    with Renderer(W, H, settings) as r:
        _skip_unless_fused(r, backend)
        assert [p.name for p in r.post.passes] == ["ssao+ssr", "bloom", "motion_blur+tonemap+grade+vignette"]
        fused = list(r.render_take(take, ("img",)))
    unfused_plan = post.plan_kernels
    monkeypatch.setattr(post, "plan_kernels", lambda effects, fuse: unfused_plan(effects, False))
    with Renderer(W, H, settings) as r:
        assert [p.name for p in r.post.passes] == list(settings.post)
        unfused = list(r.render_take(take, ("img",)))
    for a, b in zip(fused, unfused):
        assert np.array_equal(a.img, b.img), f"frame {a.index}: fused epilogue differs from the unfused chain"


@pytest.mark.gl
@pytest.mark.parametrize("backend", ["compute", "fragment"])
@pytest.mark.parametrize("name", ["ssao", "ssr", "bloom", "motion_blur"])
def test_every_pass_takes_a_per_texel_pass_as_its_epilogue_with_the_unfused_bytes(name, backend, monkeypatch):
    """Each neighbourhood pass with a stage after it compiles as one kernel (SSR's shader includes
    the half rounding only for its SSAO prologue, which the epilogue must not lose) and gives the
    unfused chain's bytes."""
    take = _take(T=2)
    settings = dataclasses.replace(quality_settings("phav"), post=(name, "tonemap"), bloom_threshold=0.3,
                                   post_backend=backend)
    with Renderer(W, H, settings) as r:
        _skip_unless_fused(r, backend)
        assert [p.name for p in r.post.passes] == [f"{name}+tonemap"]
        fused = list(r.render_take(take, ("img",)))
    unfused_plan = post.plan_kernels
    monkeypatch.setattr(post, "plan_kernels", lambda effects, fuse: unfused_plan(effects, False))
    with Renderer(W, H, settings) as r:
        unfused = list(r.render_take(take, ("img",)))
    for a, b in zip(fused, unfused):
        assert np.array_equal(a.img, b.img), f"frame {a.index}: {name}+tonemap differs from the unfused chain"


@pytest.mark.gl
@pytest.mark.parametrize("backend", ["compute", "fragment"])
def test_fused_kernels_round_between_stages_as_the_unfused_chain_stores(backend, monkeypatch):
    """Without the rounding between stages the fused chain's bytes drift from the unfused chain's
    (so the test above can fail): the half rounding is what makes them equal."""
    take = _take(T=2)
    settings = dataclasses.replace(quality_settings("phav"), vignette=0.5, post_backend=backend)
    with Renderer(W, H, settings) as r:
        rounding = _skip_unless_fused(r, backend)
        reference = list(r.render_take(take, ("img",)))
    other = NEAREST if rounding == TOWARD_ZERO else TOWARD_ZERO  # llvmpipe cuts toward zero
    monkeypatch.setattr(post, "half_store_rounding", lambda ctx, path: other)
    with Renderer(W, H, settings) as r:
        assert [p.name for p in r.post.passes] == ["ssao+ssr", "bloom", "motion_blur+tonemap+grade+vignette"]
        rounded_otherwise = list(r.render_take(take, ("img",)))
    assert any(not np.array_equal(a.img, b.img) for a, b in zip(reference, rounded_otherwise))
