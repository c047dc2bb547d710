"""GL timer queries per pass (phav.render.profiling), as the benchmarks read them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render.profiling import NO_TIME, PassTimer
from phav.render.settings import POST_PASSES, quality_settings
from phav.take import Atmosphere

from render_scenes import person_take

pytestmark = pytest.mark.gl

W, H = 64, 48


def test_every_pass_is_timed_once_per_frame():
    take = person_take(W, H, T=2)
    with Renderer(W, H, quality_settings("phav")) as renderer:
        list(renderer.render_take(take, MODALITIES))
        assert renderer.timer.summary() == {}, "profiling is off by default"
        timer = renderer.enable_profiling()
        list(renderer.render_take(take, MODALITIES))
        summary = timer.summary()
        # With RGB packed on the GPU (hardware GL), compute resolves raw and img in one dispatch,
        # and runs the per-texel post passes as the motion blur's epilogue (one joined name).
        paired = renderer._rgb is not None and renderer._rgb.resolves_pairs
        post = [p.name for p in renderer.post.passes]
    assert "+".join(post).split("+") == list(POST_PASSES)
    expected = {"upload", "skinning", "shadow_map", "gbuffer", "lighting", "ground_truth", "read_ground_truth",
                "readback", *post, *(["resolve_raw+resolve_img"] if paired else ["resolve_raw", "resolve_img"])}
    assert set(summary) == expected
    for name, figures in summary.items():
        assert figures["count"] == 2, name
        assert figures["wall_ms"] > 0.0, name
        # A pass the GL gives no time for (llvmpipe: transform feedback alone) is None, never the
        # all-ones result read as 4295 ms.
        assert figures["gpu_ms"] is None or 0.0 <= figures["gpu_ms"] < 1000.0, name
    assert summary["gbuffer"]["gpu_ms"] > 0.0  # the person and the ground were really drawn


def test_a_query_the_gl_gives_no_time_for_reads_as_none(gl_context):
    """moderngl reads a query's 32-bit result: all ones (NO_TIME) is no time, for the whole pass
    (a mean over the other frames would hide it); reset forgets it."""
    timer = PassTimer(gl_context, enabled=True)

    class Query:
        def __init__(self, elapsed):
            self.elapsed = elapsed

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    timer._queries = {"a": Query(2_000_000), "b": Query(NO_TIME)}
    for _ in range(2):
        for name in ("a", "b"):
            with timer.section(name):
                pass
    summary = timer.summary()
    assert summary["a"]["gpu_ms"] == pytest.approx(2.0) and summary["b"]["gpu_ms"] is None
    assert summary["b"]["count"] == 2 and summary["b"]["wall_ms"] >= 0.0
    timer.reset()
    timer._queries["b"] = Query(3_000_000)
    with timer.section("b"):
        pass
    assert timer.summary()["b"]["gpu_ms"] == pytest.approx(3.0)


def test_rain_and_snow_are_timed():
    take = person_take(W, H, T=2)
    take.atmosphere = dataclasses.replace(Atmosphere.clear(2), precipitation="rain",
                                          precipitation_rate=np.full(2, 0.8))
    with Renderer(W, H, quality_settings("preview")) as renderer:
        timer = renderer.enable_profiling()
        list(renderer.render_take(take, ("img",)))
        summary = timer.summary()
    assert summary["precipitation"]["count"] == 2 and "shadow_map" not in summary


def test_preview_times_only_its_passes():
    take = person_take(W, H, T=1)
    with Renderer(W, H, quality_settings("preview")) as renderer:
        timer = renderer.enable_profiling()
        list(renderer.render_take(take, ("img",)))
        names = set(timer.summary())
    assert names == {"upload", "skinning", "gbuffer", "lighting", "tonemap", "resolve_img", "readback"}
