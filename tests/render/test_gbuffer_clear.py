"""The G-buffer clear by compute shader (GL 4.3) leaves the same texels as ``glClear``: colour
targets zero, depth one, whatever the targets held before."""

from __future__ import annotations

import numpy as np
import pytest

from phav.render.context import default_framebuffer
from phav.render.targets import GBufferClear, GLObjects, LitTargets


def _cleared(ctx, compute: bool) -> dict[str, bytes]:
    gl = GLObjects()
    try:
        lit = LitTargets(gl, ctx, 20, 12, 2)
        rng = np.random.default_rng(1)
        for texture in (lit.albedo, lit.normal, lit.surface):  # leftovers of an earlier frame
            texture.write(rng.integers(1, 255, len(texture.read()), dtype=np.uint8).tobytes())
        lit.depth_fbo.clear(depth=0.25)
        GBufferClear(gl, ctx, lit, compute=compute).clear()
        assert ctx.fbo is lit.gbuffer, "the clear leaves the G-buffer bound for drawing"
        depth = lit.gbuffer.read(components=1, attachment=-1, dtype="f4")
        out = {"albedo": lit.albedo.read(), "normal": lit.normal.read(), "surface": lit.surface.read(), "depth": depth}
        default_framebuffer(ctx).use()  # never release a bound framebuffer
        return out
    finally:
        default_framebuffer(ctx).use()
        gl.release()


@pytest.mark.gl
def test_compute_clear_leaves_what_gl_clear_leaves(gl_context):
    if gl_context.version_code < 430:
        pytest.skip("compute shaders need GL 4.3")
    plain, compute = _cleared(gl_context, False), _cleared(gl_context, True)
    for name in ("albedo", "normal", "surface"):
        assert plain[name] == compute[name] == bytes(len(plain[name])), name
    assert np.all(np.frombuffer(plain["depth"], np.float32) == 1.0)
    assert plain["depth"] == compute["depth"]
