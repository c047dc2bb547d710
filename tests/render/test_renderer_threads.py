"""A GL context is current on one thread: each rendering thread gets its own, a renderer belongs to
the thread that made it, and a renderer dropped open says so (DESIGN §4, Renderer lifetime)."""

from __future__ import annotations

import gc
import threading
import warnings

import numpy as np
import pytest

from phav.render import Renderer
from phav.render import context as glctx
from phav.render.settings import quality_settings

from render_scenes import box_mesh, default_camera, make_take, plane_mesh

W, H = 64, 48


def scene(T: int = 2):
    K, w2c = default_camera(W, H, eye=(0.0, -4.0, 1.8))
    pos = np.zeros((T, 2, 3))
    pos[:, 0] = [[0.1 * t, 0.0, 0.5] for t in range(T)]
    q = np.tile([0.0, 0.0, 0.0, 1.0], (T, 2, 1))
    return make_take([box_mesh(), plane_mesh()], pos, q, w2c, K, W, H, instance_ids=[1, 0])


def in_thread(fn):
    """Run ``fn()`` on a new thread; its result, or re-raise what it raised."""
    box: dict = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def render(take, modalities=("img", "depth", "instancegt")):
    with Renderer(W, H, quality_settings("preview")) as r:
        return [(f.img.copy(), f.depth.copy(), f.instance.copy()) for f in r.render_take(take, modalities)]


@pytest.mark.gl
def test_a_thread_renders_with_a_context_of_its_own_and_the_same_frames(gl_context):
    take = scene()
    on_main = render(take)
    on_thread, thread_context = in_thread(lambda: (render(take), glctx.get_context()))
    assert thread_context is not glctx.get_context()
    assert in_thread(glctx.get_context) is not thread_context  # a new thread, a new context
    for a, b in zip(on_main, on_thread):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert render(take)[0][0].tobytes() == on_main[0][0].tobytes()  # the main thread's context still works


@pytest.mark.gl
def test_a_renderer_used_or_closed_on_another_thread_says_so(gl_context):
    take = scene()
    with Renderer(W, H, quality_settings("preview")) as r:
        frames = r.render_take(take, ("img",))
        with pytest.raises(RuntimeError, match="made on another thread"):
            in_thread(lambda: next(iter(frames)))
        with pytest.raises(RuntimeError, match="made on another thread"):
            in_thread(lambda: r.render_take(take, ("img",)))
        with pytest.raises(RuntimeError, match="made on another thread"):
            in_thread(r.close)
        assert not r.closed
        assert next(iter(r.render_take(take, ("img",)))).img.shape == (H, W, 3)  # still fine here
    assert r.closed


@pytest.mark.gl
def test_a_renderer_dropped_open_warns_and_a_closed_one_does_not(gl_context):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Renderer(W, H, "preview").close()
        gc.collect()
        assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
        Renderer(W, H, "preview")
        gc.collect()
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(leaks) == 1 and f"Renderer {W}x{H} was never closed" in str(leaks[0].message)


@pytest.mark.gl
def test_settings_may_be_a_preset_name(gl_context):
    with Renderer(W, H, "preview") as r:
        assert r.settings == quality_settings("preview")
    with pytest.raises(ValueError, match="bogus"):
        Renderer(W, H, "bogus")
    with pytest.raises(TypeError, match="RenderSettings or a preset's name"):
        Renderer(W, H, 3)  # type: ignore[arg-type]
