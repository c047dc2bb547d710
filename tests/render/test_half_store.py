"""Half-float stores: how this GL rounds them on each path (phav.render.half_store), and
``shaders/half_store.glsl``'s ``stored_as_half``, which the post chain's epilogues use to round as a
store would (phav.render.post; that the fused chain gives the unfused chain's bytes is tested in
test_post_backends.py).

The oracle for ``stored_as_half`` is numpy: ``astype(np.float16)`` rounds to nearest even (with
overflow to infinity), and rounding toward zero is written out below from the half format's
definition (10 mantissa bits; subnormal halves are multiples of 2^-24; the largest half is 65504).
"""

from __future__ import annotations

import moderngl
import numpy as np
import pytest

from phav.render.context import default_framebuffer
from phav.render.half_store import FRAMEBUFFER, IMAGE, NEAREST, TOWARD_ZERO, _toward_zero, half_store_rounding
from phav.render.shaders import preprocess
from phav.render.targets import GLObjects
from phav.resources import resource_dir

_SMALLEST_NORMAL = 2.0**-14
_LARGEST = 65504.0

# Renders stored_as_half(texel) of a float texture into a float target (RGBA32F: no rounding).
_PROBE = """#version {version}
#include "half_store.glsl"
uniform sampler2D u_values;
out vec4 o_color;
void main() {{
    vec4 v = texelFetch(u_values, ivec2(gl_FragCoord.xy), 0);
    o_color = vec4(stored_as_half(v.rgb), v.a);
}}
"""


def toward_zero_oracle(values: np.ndarray) -> np.ndarray:
    """float32 ``values`` rounded toward zero to halves (kept as float32)."""
    v = values.astype(np.float32)
    normal = (v.view(np.uint32) & np.uint32(0xFFFFE000)).view(np.float32)
    subnormal = np.sign(v) * np.floor(np.abs(v) * 2.0**24) / 2.0**24
    return np.clip(np.where(np.abs(v) < _SMALLEST_NORMAL, subnormal, normal), -_LARGEST, _LARGEST).astype(np.float32)


def _test_values(rng: np.random.Generator) -> np.ndarray:
    """float32 values the roundings tell apart: halfway points (ties) and their neighbours at every
    half exponent, both signs; subnormal halves and the edge to the normal ones; the overflow edge;
    and random values over the post chain's range. Shape ``(64, 128, 4)``."""
    exponents = np.arange(-24, 16, dtype=np.float64)
    base = 2.0**exponents
    mantissas = rng.integers(0, 1024, size=(len(exponents), 8))
    halves = (1.0 + mantissas / 1024.0) * base[:, None]  # normal halves (and some above: overflow)
    step = base[:, None] / 1024.0
    ties = halves + step / 2
    crafted = np.concatenate([halves, ties, np.nextafter(ties.astype(np.float32), np.float32(0)),
                              np.nextafter(ties.astype(np.float32), np.float32(np.inf)), halves + step / 4]).ravel()
    edges = np.array([_SMALLEST_NORMAL, _SMALLEST_NORMAL * (1 - 2.0**-11), _SMALLEST_NORMAL * (1 - 2.0**-12),
                      2.0**-24, 1.5 * 2.0**-24, 2.5 * 2.0**-24, 0.5 * 2.0**-24, 0.0,
                      _LARGEST, 65519.0, 65520.0, 65535.0, 70000.0, 1e6])
    random = np.concatenate([rng.uniform(0.0, 4.0, 4000), 10.0 ** rng.uniform(-9, 5, 4000)])
    values = np.concatenate([crafted, edges, random]).astype(np.float32)
    values = np.concatenate([values, -values])
    out = np.zeros(64 * 128 * 4, dtype=np.float32)
    out[: len(values)] = values
    return out.reshape(64, 128, 4)


def _stored_as_half_on_gl(ctx: moderngl.Context, values: np.ndarray, version: str, toward_zero: bool) -> np.ndarray:
    """``stored_as_half`` of every value (``(H, W, 4)`` float32; alpha passes through) in a
    fragment shader compiled as GLSL ``version``."""
    shaders = resource_dir("shaders")

    def read(name: str) -> str:
        return _PROBE.format(version=version) if name == "probe.frag" else (shaders / name).read_text()

    fragment = preprocess("probe.frag", {"HALF_STORE_TOWARD_ZERO": 1} if toward_zero else None, read=read)
    gl = GLObjects()
    try:
        program = gl.add(ctx.program(vertex_shader=preprocess("fullscreen.vert").text, fragment_shader=fragment.text))
        texture = gl.add(ctx.texture(values.shape[1::-1], 4, values.tobytes(), dtype="f4"))
        target = gl.add(ctx.texture(values.shape[1::-1], 4, dtype="f4"))
        fbo = gl.add(ctx.framebuffer([target]))
        vao = gl.add(ctx.vertex_array(program, []))
        texture.use(location=0)
        program["u_values"].value = 0
        fbo.use()
        vao.render(moderngl.TRIANGLES, vertices=3)
        return np.frombuffer(target.read(), dtype=np.float32).reshape(values.shape)
    finally:
        default_framebuffer(ctx).use()  # the probe's framebuffer is released below
        gl.release()


@pytest.mark.gl
@pytest.mark.parametrize("path", [IMAGE, FRAMEBUFFER])
def test_this_gl_says_how_it_rounds_half_stores(gl_context, path):
    assert half_store_rounding(gl_context, path) in (NEAREST, TOWARD_ZERO)  # llvmpipe: toward zero on both
    values = np.array([1.0 + 3 * 2.0**-12, -(0.5 + 3 * 2.0**-13)], dtype=np.float32)
    assert _toward_zero(values).tolist() == [1.0, -0.5]  # 3/4 of a half's step above: cut
    assert values.astype(np.float16).tolist() == [1.0 + 2.0**-10, -(0.5 + 2.0**-11)]  # nearest: the next half


@pytest.mark.gl
def test_an_unknown_store_path_is_refused(gl_context):
    with pytest.raises(ValueError, match="unknown half store path 'texture'"):
        half_store_rounding(gl_context, "texture")


@pytest.mark.gl
@pytest.mark.parametrize("version", ["330 core", "430"])  # float arithmetic / packHalf2x16
@pytest.mark.parametrize("toward_zero", [False, True])
def test_stored_as_half_rounds_as_a_half_store_would(gl_context, version, toward_zero):
    values = _test_values(np.random.default_rng(7))
    got = _stored_as_half_on_gl(gl_context, values, version, toward_zero)
    rgb = values[..., :3]
    with np.errstate(over="ignore"):  # values above the largest half become infinities
        nearest = rgb.astype(np.float16).astype(np.float32)
    want = toward_zero_oracle(rgb) if toward_zero else nearest
    differ = ~((got[..., :3] == want) | (np.isnan(got[..., :3]) & np.isnan(want)))
    assert not differ.any(), (f"{int(differ.sum())} values differ, e.g. {rgb[differ][:4].tolist()} -> "
                              f"{got[..., :3][differ][:4].tolist()}, not {want[differ][:4].tolist()}")
    # The two roundings really differ on these values (the test tells them apart).
    assert not np.array_equal(toward_zero_oracle(rgb), nearest)


def test_the_toward_zero_oracle_follows_the_half_format():
    v = np.array([1.0 + 2.0**-11, -(1.0 + 2.0**-11), 3 * 2.0**-25, 70000.0, -1e9, 2.0**-14 - 2.0**-30],
                 dtype=np.float32)
    assert toward_zero_oracle(v).tolist() == [1.0, -1.0, 2.0**-24, 65504.0, -65504.0, 1023 * 2.0**-24]
    halves = np.arange(0, 0x7C00, dtype=np.uint16).view(np.float16).astype(np.float32)  # every finite half
    assert np.array_equal(toward_zero_oracle(halves), halves)
