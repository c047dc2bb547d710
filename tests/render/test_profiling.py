"""GL timer queries per pass (phav.render.profiling), as the benchmarks read them."""

from __future__ import annotations

import pytest

from phav.frames import MODALITIES
from phav.render import Renderer
from phav.render.settings import POST_PASSES, quality_settings

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
    expected = {"upload", "skinning", "gbuffer", "lighting", "resolve_raw", "resolve_img", "ground_truth",
                "read_ground_truth", *POST_PASSES}
    assert set(summary) == expected
    for name, figures in summary.items():
        assert figures["count"] == 2, name
        assert figures["gpu_ms"] >= 0.0 and figures["wall_ms"] > 0.0, name
    assert summary["gbuffer"]["gpu_ms"] > 0.0  # the person and the ground were really drawn


def test_preview_times_only_its_passes():
    take = person_take(W, H, T=1)
    with Renderer(W, H, quality_settings("preview")) as renderer:
        timer = renderer.enable_profiling()
        list(renderer.render_take(take, ("img",)))
        names = set(timer.summary())
    assert names == {"upload", "skinning", "gbuffer", "lighting", "tonemap", "resolve_img"}
