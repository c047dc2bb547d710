"""Renderer lifetime, output contract, shading properties and the GL context."""

from __future__ import annotations

import ctypes
import gc
import os
import re
import statistics
import threading
from pathlib import Path

import numpy as np
import pytest

from phav.errors import SpecError
from phav.frames import MODALITIES
from phav.render import GLUnavailableError, Renderer, RenderSettings
from phav.render.settings import quality_settings
from phav.render import context as glctx

from render_scenes import box_mesh, default_camera, interior_mask, make_take, plane_mesh

W, H = 96, 72


def scene(T: int = 2, box_color=(0.8, 0.3, 0.2), sun=(0.3, -0.4, 0.87)):
    K, w2c = default_camera(W, H, eye=(0.0, -4.0, 1.8))
    pos = np.zeros((T, 2, 3))
    pos[:, 0] = [[0.1 * t, 0.0, 0.5] for t in range(T)]
    q = np.tile([0.0, 0.0, 0.0, 1.0], (T, 2, 1))
    return make_take([box_mesh(color=box_color), plane_mesh()], pos, q, w2c, K, W, H, instance_ids=[1, 0],
                     sun_direction=sun)


# ---- context ----------------------------------------------------------------------------------
def test_backend_and_device_from_env(monkeypatch):
    monkeypatch.setenv("PHAV_GL", "GLFW")
    assert glctx.backend_from_env() == "glfw"
    monkeypatch.setenv("PHAV_GL", "vulkan")
    with pytest.raises(GLUnavailableError, match="egl, glfw"):
        glctx.backend_from_env()
    monkeypatch.setenv("PHAV_EGL_DEVICE", "2")
    assert glctx.egl_device_from_env() == 2
    monkeypatch.setenv("PHAV_EGL_DEVICE", "gpu0")
    with pytest.raises(GLUnavailableError, match="PHAV_EGL_DEVICE"):
        glctx.egl_device_from_env()
    monkeypatch.setenv("PHAV_EGL_DEVICE", "-1")
    with pytest.raises(GLUnavailableError, match=">= 0"):
        glctx.egl_device_from_env()


def test_missing_gl_says_what_to_install(monkeypatch):
    def fail(device: int):
        raise OSError("libEGL.so.1: cannot open shared object file")

    monkeypatch.setattr(glctx, "_thread_context", threading.local())  # this thread: no context yet
    monkeypatch.setattr(glctx, "_create_egl", fail)
    monkeypatch.delenv("PHAV_GL", raising=False)
    with pytest.raises(GLUnavailableError, match="apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1;"):
        glctx.get_context()


def test_the_install_hint_names_the_readmes_packages():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    command = re.search(r"apt-get install [^;]*", glctx._INSTALL_HINT).group(0)
    assert f"`{command}`" in readme


@pytest.mark.parametrize("device", [None, "0", "3"])
def test_egl_with_no_device_says_what_to_install(monkeypatch, device):
    """EGL that finds no device at all (no vendor library, e.g. Mesa's EGL missing) is a missing
    driver, whatever PHAV_EGL_DEVICE holds: the install hint, not advice to pick a device."""
    def none_found(index: int):
        raise Exception(f"requested device index {index}, but found 0 devices")  # glcontext's words

    monkeypatch.setattr(glctx, "_thread_context", threading.local())  # this thread: no context yet
    monkeypatch.setattr(glctx, "_create_egl", none_found)
    monkeypatch.delenv("PHAV_GL", raising=False)
    if device is None:
        monkeypatch.delenv("PHAV_EGL_DEVICE", raising=False)
    else:
        monkeypatch.setenv("PHAV_EGL_DEVICE", device)
    with pytest.raises(GLUnavailableError) as raised:
        glctx.get_context()
    message = str(raised.value)
    assert "EGL finds no device; install an OpenGL driver with EGL" in message, message
    assert "PHAV_EGL_DEVICE" not in message and "0..-1" not in message


@pytest.mark.parametrize("preset,expected", [(None, "USLEEP"), ("NOTHING", "NOTHING")])
def test_nvidia_driver_sleeps_while_waiting_unless_told_otherwise(monkeypatch, preset, expected):
    if preset is None:
        monkeypatch.delenv("__GL_YIELD", raising=False)
    else:
        monkeypatch.setenv("__GL_YIELD", preset)
    monkeypatch.setattr(glctx, "_thread_context", threading.local())  # this thread: no context yet
    monkeypatch.setattr(glctx, "_create_egl", lambda device: (_ for _ in ()).throw(OSError("no EGL")))
    monkeypatch.delenv("PHAV_GL", raising=False)
    with pytest.raises(GLUnavailableError):
        glctx.get_context()
    assert os.environ["__GL_YIELD"] == expected


def test_egl_asks_for_gl46_then_gl43_and_settles_for_gl33(monkeypatch):
    """NVIDIA's EGL gives exactly the version asked for, so a 3.3 request would lose compute shaders
    and a 4.3 one persistently mapped read-back buffers (GL 4.4)."""
    import moderngl

    asked = []

    def create(require, backend, device_index):
        asked.append((require, backend, device_index))
        if require > 330:
            raise Exception("requested version is not supported")
        return "context 3.3"

    monkeypatch.setattr(moderngl, "create_standalone_context", create)
    assert glctx._create_egl(1) == "context 3.3"
    assert asked == [(460, "egl", 1), (430, "egl", 1), (330, "egl", 1)]


def test_glfw_asks_for_gl46_then_gl43_and_settles_for_gl33(monkeypatch):
    """The GLFW backend asks for the same versions as EGL, in the same order, and keeps the window
    that a 3.3-only driver gives."""
    import glfw
    import moderngl

    hints: dict[int, int] = {}
    asked, made = [], []
    monkeypatch.setattr(glfw, "init", lambda: True)
    monkeypatch.setattr(glfw, "window_hint", lambda hint, value: hints.__setitem__(hint, value))

    def create_window(*args):
        version = (hints[glfw.CONTEXT_VERSION_MAJOR], hints[glfw.CONTEXT_VERSION_MINOR])
        asked.append(version)
        return "window 3.3" if version == (3, 3) else None

    monkeypatch.setattr(glfw, "create_window", create_window)
    monkeypatch.setattr(glfw, "make_context_current", made.append)
    monkeypatch.setattr(moderngl, "create_context", lambda require: f"context over the current window, {require}")
    monkeypatch.setattr(glctx, "_glfw_window", None)
    assert glctx._create_glfw() == "context over the current window, 330"
    assert asked == [(4, 6), (4, 3), (3, 3)] and made == ["window 3.3"] and glctx._glfw_window == "window 3.3"
    assert hints[glfw.OPENGL_PROFILE] == glfw.OPENGL_CORE_PROFILE and hints[glfw.VISIBLE] == glfw.FALSE


def test_glfw_without_a_gl33_window_says_so_in_one_line(monkeypatch):
    import glfw

    terminated = []
    monkeypatch.setattr(glfw, "init", lambda: True)
    monkeypatch.setattr(glfw, "window_hint", lambda hint, value: None)
    monkeypatch.setattr(glfw, "create_window", lambda *args: None)
    monkeypatch.setattr(glfw, "terminate", lambda: terminated.append(True))
    with pytest.raises(GLUnavailableError, match="GLFW could not create a GL 3.3 window") as raised:
        glctx._create_glfw()
    assert "\n" not in str(raised.value) and terminated == [True]


def test_no_display_for_glfw_says_why_and_to_use_egl(monkeypatch):
    """GLFW's own report (here a stand-in for X11's) is the reason in the one-line error."""
    import glfw

    monkeypatch.setattr(glctx, "_thread_context", threading.local())  # this thread: no context yet
    monkeypatch.setattr(glctx, "_glfw_window", None)
    monkeypatch.setenv("PHAV_GL", "glfw")
    monkeypatch.setattr(glfw, "init", lambda: False)
    monkeypatch.setattr(glfw, "get_error", lambda: (65550, b"X11: Failed to open display "))
    with pytest.raises(GLUnavailableError) as raised:
        glctx.get_context()
    assert str(raised.value) == ("GLFW could not initialise (X11: Failed to open display); "
                                 "use PHAV_GL=egl on headless machines")


def test_glfw_has_one_context_and_another_thread_is_told_to_use_its_thread_or_egl(monkeypatch):
    monkeypatch.setattr(glctx, "_thread_context", threading.local())  # this thread: no context yet
    monkeypatch.setattr(glctx, "_glfw_window", "the window another thread made")
    monkeypatch.setenv("PHAV_GL", "glfw")
    with pytest.raises(GLUnavailableError, match="current on another thread; .* or use PHAV_GL=egl"):
        glctx.get_context()


@pytest.mark.gl
def test_gl_info(gl_context):
    info = glctx.gl_info(gl_context)
    assert info.renderer and info.version and info.version_code >= glctx.MIN_GL_VERSION
    assert info.has_compute == (info.version_code >= 430)
    with Renderer(W, H) as r:
        assert r.gl_renderer == info.renderer


# ---- lifetime ---------------------------------------------------------------------------------
@pytest.mark.gl
def test_close_is_idempotent_and_closed_renderer_raises(gl_context):
    r = Renderer(W, H)
    take = scene()
    frames = r.render_take(take, ("depth",))
    r.close()
    r.close()
    assert r.closed
    with pytest.raises(RuntimeError, match="closed"):
        r.render_take(take)
    with pytest.raises(RuntimeError, match="closed"):
        next(iter(frames))
    with pytest.raises(RuntimeError, match="closed"):
        _ = r.gl_renderer
    with pytest.raises(RuntimeError, match="closed"):
        with r:
            pass


@pytest.mark.gl
@pytest.mark.parametrize("how", ["finished", "abandoned"])
def test_a_closed_renderer_leaves_no_framebuffer_of_its_own_bound(gl_context, how):
    """Between frames the renderer's last framebuffer stays bound; after a take, and at close
    (even with a take abandoned midway), the default one is, so making GL objects afterwards (which
    binds ``ctx.fbo`` again) never touches a released framebuffer."""
    r = Renderer(W, H)
    frames = r.render_take(scene(T=3), ("depth", "img"))
    next(frames)
    assert gl_context.fbo.glo != 0, "a frame's last framebuffer is left bound between frames"
    if how == "finished":
        list(frames)
        assert gl_context.fbo.glo == 0
    r.close()
    assert gl_context.fbo.glo == 0
    texture = gl_context.texture((4, 4), 4)
    fbo = gl_context.framebuffer([texture])
    fbo.release()
    texture.release()
    assert gl_context.fbo.glo == 0 and gl_context.error == "GL_NO_ERROR"
    del frames


@pytest.mark.gl
def test_context_manager_closes(gl_context):
    with Renderer(W, H) as r:
        assert not r.closed
    assert r.closed


@pytest.mark.gl
def test_failed_construction_leaves_nothing_open(gl_context):
    with pytest.raises(ValueError):
        Renderer(0, H)
    with pytest.raises(SpecError, match=r"100000x10 with 2x supersampling renders at 200000x20, and this GL's "
                                        r"targets are at most \d+ pixels a side; use sides up to \d+"):
        Renderer(100_000, 10, quality_settings("phav"))


@pytest.mark.gl
def test_targets_the_gl_cannot_allocate_are_a_one_line_spec_error(gl_context, monkeypatch):
    import moderngl

    from phav.render import targets

    def out_of_memory(*args, **kwargs):
        raise moderngl.Error("the framebuffer is not complete (INCOMPLETE_ATTACHMENT)")

    monkeypatch.setattr(targets, "GroundTruthTargets", out_of_memory)  # after the lit targets exist
    with pytest.raises(SpecError, match=r"^320x240 with 2x supersampling renders at 640x480, and the GL could not make "
                                        r"targets that large \(the framebuffer is not complete .*likely out of memory\); "
                                        r"use a smaller size or less supersampling"):
        Renderer(320, 240, quality_settings("phav"))


def _rss_bytes() -> int:
    """Resident memory after glibc has returned its free heap pages to the system (free blocks it
    keeps for reuse are not a leak)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except AttributeError:  # not glibc
        pass
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.gl
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc for resident memory")
def test_hundred_renderers_do_not_grow_memory(gl_context):
    """A leak grows with every renderer, so it grows every stretch of renderers; a one-off step does
    not (the 64 MiB static shadow map that the driver holds after about half the renderers, or a new
    malloc arena when the machine is loaded). So the resident memory is sampled after each of 100
    renderers, in four stretches of 25; the growth between the medians of consecutive stretches,
    less its largest step, must stay under 4 MiB (80 KiB per renderer over 50). A planted leak of
    200 KiB per renderer grew the stretches by 3.3, 5.0 and 5.3 MiB (8.3 without the largest) and
    failed; a run without one grew 0.08, 65.1 (the shadow map held from then on) and 0.01 MiB."""
    take = scene(T=1)

    def cycle() -> int:
        with Renderer(W, H, RenderSettings(ssaa=2)) as r:
            for _ in r.render_take(take, ("raw", "depth")):
                pass
        gc.collect()
        return _rss_bytes()

    for _ in range(10):  # warm up allocator and driver caches
        cycle()
    samples = [cycle() for _ in range(100)]
    medians = [statistics.median(samples[k:k + 25]) for k in range(0, 100, 25)]
    growths = [b - a for a, b in zip(medians, medians[1:])]
    assert sum(growths) - max(growths) < 4 * 2**20, (
        "resident memory grew in more than one stretch of 25 renderers: "
        + ", ".join(f"{g / 2**20:.1f}" for g in growths) + " MiB"
    )


# ---- output contract ---------------------------------------------------------------------------
@pytest.mark.gl
def test_frames_have_the_documented_shapes_and_dtypes(gl_context):
    take = scene(T=3)
    with Renderer(W, H) as r:
        frames = list(r.render_take(take))
    assert [f.index for f in frames] == [0, 1, 2]
    f = frames[0]
    expect = {"img": ((H, W, 3), np.uint8), "raw": ((H, W, 3), np.uint8), "depth": ((H, W), np.float32),
              "flow": ((H, W, 2), np.float32), "flow_valid": ((H, W), np.bool_),
              "semantic": ((H, W), np.uint8), "instance": ((H, W), np.uint16)}
    for name, (shape, dtype) in expect.items():
        value = getattr(f, name)
        assert value.shape == shape and value.dtype == dtype, name
        assert value.flags.writeable and value.flags.c_contiguous, name


@pytest.mark.gl
@pytest.mark.parametrize("mods", [("img",), ("depth", "classgt"), ("flow",), ("instancegt", "raw")])
def test_only_requested_modalities_are_filled(gl_context, mods):
    fields = {"img": ["img"], "raw": ["raw"], "depth": ["depth"], "flow": ["flow", "flow_valid"],
              "classgt": ["semantic"], "instancegt": ["instance"]}
    wanted = {f for m in mods for f in fields[m]}
    with Renderer(W, H) as r:
        frames = list(r.render_take(scene(T=2), mods))
    assert len(frames) == 2
    for f in frames:
        for m in MODALITIES:
            for field in fields[m]:
                assert (getattr(f, field) is not None) == (field in wanted), field


@pytest.mark.gl
def test_bad_requests_raise(gl_context):
    with Renderer(W, H) as r:
        with pytest.raises(ValueError, match="unknown modalities"):
            r.render_take(scene(), ("depth", "normals"))
        with pytest.raises(ValueError, match="96x72"):
            with Renderer(W * 2, H * 2) as other:
                other.render_take(scene())


@pytest.mark.gl
def test_renderer_reusable_across_takes(gl_context):
    with Renderer(W, H) as r:
        a = [f.raw for f in r.render_take(scene(T=1), ("raw",))]
        b = [f.raw for f in r.render_take(scene(T=1), ("raw",))]
    assert np.array_equal(a[0], b[0])


@pytest.mark.gl
@pytest.mark.parametrize("quality", ["preview", "phav"])
def test_a_reused_renderer_renders_each_take_as_a_fresh_one_does(gl_context, quality):
    """Per-take state (meshes, draw lists, the sun's data) and the uniforms a renderer skips when
    unchanged: a person in sunlight, then a box scene with the sun below the horizon, then the
    person again give the frames fresh renderers give, byte for byte."""
    from phav.render.settings import quality_settings
    from render_scenes import assert_same_frames, person_take

    person, night = person_take(W, H, T=2), scene(T=3, sun=(0.3, -0.4, -0.5))
    settings = quality_settings(quality)

    def fresh(take):
        with Renderer(W, H, settings) as r:
            return list(r.render_take(take))

    with Renderer(W, H, settings) as r:
        takes = [person, night, person]
        got = [list(r.render_take(take)) for take in takes]
    for take, frames in zip(takes, got):
        assert_same_frames(frames, fresh(take))
    assert got[0][0].instance.max() > 0 and not np.array_equal(got[0][0].raw, got[1][0].raw)


@pytest.mark.gl
def test_new_take_invalidates_unfinished_iterator(gl_context):
    with Renderer(W, H) as r:
        first = r.render_take(scene(T=3), ("depth",))
        assert next(first).index == 0
        second = list(r.render_take(scene(T=2), ("depth",)))
        assert [f.index for f in second] == [0, 1]
        with pytest.raises(RuntimeError, match="render_take was called again"):
            next(first)


@pytest.mark.gl
@pytest.mark.parametrize("shadows", [False, True])
def test_a_take_of_no_frames_renders_no_frames(gl_context, shadows):
    """A take with zero frames (valid) yields nothing, and the renderer then renders a take of
    frames as a fresh one does."""
    empty = scene(T=1)
    empty = make_take(empty.meshes, np.zeros((0, 2, 3)), np.zeros((0, 2, 4)), empty.camera_world_to_camera[:0],
                      empty.camera_K[:0], W, H, instance_ids=[1, 0]).validate()
    assert empty.num_frames == 0
    settings = RenderSettings(shadows=shadows)
    with Renderer(W, H, settings) as r:
        assert list(r.render_take(empty)) == []
        after = [f.raw for f in r.render_take(scene(T=1), ("raw",))]
    with Renderer(W, H, settings) as r:
        fresh = [f.raw for f in r.render_take(scene(T=1), ("raw",))]
    assert after[0].tobytes() == fresh[0].tobytes()


# ---- shading properties ------------------------------------------------------------------------
def _raw(take, settings=RenderSettings(), mods=("raw", "img", "instancegt")):
    with Renderer(W, H, settings) as r:
        return next(iter(r.render_take(take, mods)))


@pytest.mark.gl
def test_changing_mesh_colour_changes_raw_pixels(gl_context):
    red, blue = _raw(scene(box_color=(0.8, 0.1, 0.1))), _raw(scene(box_color=(0.1, 0.1, 0.8)))
    box = red.instance == 1
    assert box.sum() > 50
    assert red.raw[box][:, 0].mean() > red.raw[box][:, 2].mean() + 50
    assert blue.raw[box][:, 2].mean() > blue.raw[box][:, 0].mean() + 50
    away = interior_mask(~box, 2)  # supersampled edges mix both colours
    assert np.array_equal(red.raw[away], blue.raw[away])  # nothing else changed


@pytest.mark.gl
def test_lighting_responds_to_sun_direction(gl_context):
    high = _raw(scene(sun=(0.0, 0.0, 1.0)))
    low = _raw(scene(sun=(0.0, 0.2, -1.0)))  # below the horizon: the ground gets no sun
    ground = interior_mask(high.instance == 0, 2)
    ground[: H // 2] = False  # lower half: ground, not sky
    assert ground.sum() > 100
    assert high.raw[ground].astype(int).mean() > low.raw[ground].astype(int).mean() + 20
    assert np.array_equal(_raw(scene(sun=(0.0, 0.0, 1.0))).raw, high.raw)  # deterministic


@pytest.mark.gl
def test_post_chain_is_switchable(gl_context):
    take = scene(T=1)
    plain = _raw(take, RenderSettings(post=()))
    assert np.array_equal(plain.img, plain.raw)  # no post pass: img is the resolved lit image
    graded = _raw(take, RenderSettings())
    assert np.array_equal(graded.raw, plain.raw)
    assert np.abs(graded.img.astype(int) - graded.raw.astype(int)).mean() > 1.0
    vignette_only = _raw(take, RenderSettings(post=("vignette",), vignette=0.5))
    centre = (slice(H // 2 - 2, H // 2 + 2), slice(W // 2 - 2, W // 2 + 2))
    corner = (slice(0, 4), slice(0, 4))
    assert np.abs(vignette_only.img[centre].astype(int) - plain.raw[centre]).max() <= 1
    assert vignette_only.img[corner].astype(int).sum() < plain.raw[corner].astype(int).sum()


def test_settings_validation():
    with pytest.raises(ValueError, match="ssaa"):
        RenderSettings(ssaa=0)
    with pytest.raises(ValueError, match="near"):
        RenderSettings(near=2.0, far=1.0)
    with pytest.raises(ValueError, match="unknown post passes"):
        RenderSettings(post=("lens_flare",))
