"""How the GL rounds floats it stores into ``RGBA16F`` targets, so a shader can round a value the
same way without the store (``shaders/half_store.glsl``'s ``stored_as_half``: the post chain's
epilogues, :mod:`phav.render.post`, give the bytes of the unfused chain).

GL leaves the rounding of a float-to-half conversion to the implementation, and a GL may round
differently on its two paths: image stores (compute shaders) and framebuffer writes (fragment
shaders). Mesa's llvmpipe rounds toward zero on both, while its ``packHalf2x16`` rounds to nearest
even. :func:`half_store_rounding` asks the GL once per path, with values that the two modes round
apart.
"""

from __future__ import annotations

import moderngl
import numpy as np

from phav.render.context import default_framebuffer
from phav.render.shaders import create_compute, create_program
from phav.render.targets import GLObjects

#: :func:`half_store_rounding` results: the store rounds to nearest (even) (and, for image stores,
#: ``packHalf2x16`` does the same); or the store rounds toward zero.
NEAREST, TOWARD_ZERO = "nearest", "toward_zero"
#: :func:`half_store_rounding` paths: ``imageStore`` from a compute shader, or a fragment shader's
#: output written through a framebuffer.
IMAGE, FRAMEBUFFER = "image", "framebuffer"
# Floats whose half roundings differ by mode: just above and below the halfway point between two
# halves, both signs, a tie (to even), across magnitudes of the post chain's colours.
_PROBE_VALUES = np.array([[1.0 + 3 * 2.0**-12, 1.0 + 2.0**-12 + 2.0**-20, -(0.5 + 3 * 2.0**-13), 1.0 + 2.0**-11],
                          [0.3, 0.7, 2.0 / 3.0, 1.0 / 3.0],
                          [12.34, 100.1, -0.0123, 1.0 + 5 * 2.0**-12],
                          [0.1, 0.2, 0.9, 0.99]], dtype=np.float32)


def _toward_zero(values: np.ndarray) -> np.ndarray:
    """``values`` (float32, normal-range halves) rounded toward zero to float16."""
    return (values.view(np.uint32) & np.uint32(0xFFFFE000)).view(np.float32).astype(np.float16)


def half_store_rounding(ctx: moderngl.Context, path: str = IMAGE) -> str | None:
    """:data:`NEAREST` or :data:`TOWARD_ZERO`: how ``ctx`` rounds a float stored into an ``RGBA16F``
    target on ``path`` (:data:`IMAGE`: an image store, GL 4.3; :data:`FRAMEBUFFER`: a fragment
    shader's output), or ``None`` where it does something else (then nothing should rely on
    rounding like it). An image store counts as :data:`NEAREST` only where ``packHalf2x16`` rounds
    to nearest too (``stored_as_half`` uses it on GLSL 4.20). Runs one tiny compute dispatch or
    draw and waits for it.

    Raises:
        ValueError: unknown ``path``.
    """
    if path not in (IMAGE, FRAMEBUFFER):
        raise ValueError(f"unknown half store path {path!r}; choose {IMAGE!r} or {FRAMEBUFFER!r}")
    objects = GLObjects()
    try:
        stored = objects.add(ctx.texture((len(_PROBE_VALUES), 1), 4, dtype="f2"))
        if path == IMAGE:
            program = objects.add(create_compute(ctx, "half_store_probe.comp"))
            values = objects.add(ctx.buffer(_PROBE_VALUES.tobytes()))
            packed = objects.add(ctx.buffer(reserve=_PROBE_VALUES.size * 2))
            values.bind_to_storage_buffer(0)
            packed.bind_to_storage_buffer(1)
            stored.bind_to_image(0, read=False, write=True)
            program.run(1)
            ctx.memory_barrier()
            pack = np.frombuffer(packed.read(), dtype=np.float16).reshape(_PROBE_VALUES.shape)
        else:
            program = objects.add(create_program(ctx, "fullscreen.vert", "half_store_probe.frag"))
            program["u_values"].write(_PROBE_VALUES.tobytes())
            fbo = objects.add(ctx.framebuffer([stored]))
            vao = objects.add(ctx.vertex_array(program, []))
            try:
                fbo.use()
                ctx.enable_only(moderngl.NOTHING)  # no blending or depth test on the probe's texels
                vao.render(moderngl.TRIANGLES, vertices=3)
            finally:
                default_framebuffer(ctx).use()  # the probe's framebuffer is released below
            pack = None
        image = np.frombuffer(stored.read(), dtype=np.float16).reshape(_PROBE_VALUES.shape)
    finally:
        objects.release()
    nearest = _PROBE_VALUES.astype(np.float16)  # numpy rounds to nearest even
    if np.array_equal(image, nearest) and (pack is None or np.array_equal(pack, nearest)):
        return NEAREST
    if np.array_equal(image, _toward_zero(_PROBE_VALUES)):
        return TOWARD_ZERO
    return None
