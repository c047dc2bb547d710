"""What a rendering process's GL calls cost the CPU, one kind at a time.

    python -m benchmarks.call_probe [--calls 2000] [--repeats 7] [--out FILE.json]

A `phav` frame makes about 130 calls into moderngl and the driver; with Mesa's no-op driver its CPU
is about 0.38 ms, on an H200 about 0.7 ms (``benchmarks.render_profile``), and where the difference
goes decides what to cut next. This probe times each kind of call the renderer makes, on a
renderer's own targets and programs at the suite's 340x256 `phav` size: ``calls`` calls in a loop,
the GL finished before the clock stops, CPU microseconds per call (process time, every thread) as
the median of ``repeats`` runs. Two of the cases compare ways of doing the same thing:

* ``depth_clears_two_framebuffers``: the frame's two depth clears as the renderer made them up to
  470f189 (moderngl's ``Framebuffer.clear`` of a depth-only framebuffer, which binds it and then
  binds the previous one again, then the target's ``use``), against
  ``depth_clears_clear_buffer``: the target's ``use`` and one ``glClearBufferfv`` on it (as
  :class:`phav.render.targets.DepthClear` makes them now);
* ``shadow_atlas_bind_and_rect_clear``: the shadow atlas bound and a 128x128 square of it cleared
  as ``ShadowMap.prepare`` did up to 470f189 (moderngl's scissored ``Framebuffer.clear``), against
  ``shadow_atlas_bind_and_rect_clear_buffer``: the scissor set and one ``glClearBufferfv`` (as it
  does now);
* ``framebuffer_switch`` (binding another framebuffer) against ``framebuffer_rebind`` (the bound one).

The GPU work these calls queue is tiny (1x1 work groups, 4-byte uniforms); the figures are the
driver's and Python's CPU, not the GPU's time.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import moderngl
import numpy as np

from phav.render.context import gl_info
from phav.render.readback import gl_function
from phav.render.shaders import create_compute
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings

_GL_DEPTH = 0x1801
_GL_SCISSOR_TEST = 0x0C11
_ALL_BARRIERS = 0xFFFFFFFF


def cases(r: Renderer, objects: list) -> dict[str, Callable[[int], None]]:
    """Name -> a function making one call (or set of calls) of that kind; its argument is the
    loop's index (cases that alternate between two objects use its parity). The GL objects made
    for them are appended to ``objects`` (the caller releases them)."""
    ctx, lit, gt = r._ctx, r._lit, r._gt
    clear = gl_function(ctx, "glClearBufferfv", None, ctypes.c_uint, ctypes.c_int, ctypes.POINTER(ctypes.c_float))
    enable = gl_function(ctx, "glEnable", None, ctypes.c_uint)
    disable = gl_function(ctx, "glDisable", None, ctypes.c_uint)
    scissor = gl_function(ctx, "glScissor", None, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int)
    atlas = r._shadow_map.fbo if r._shadow_map is not None else None
    one = (ctypes.c_float * 1)(1.0)
    ubo = ctx.buffer(reserve=1024)
    depth = ctx.texture((r.width, r.height), 1, dtype="f4")
    pbo = ctx.buffer(reserve=r.width * r.height * 4)
    objects += [ubo, depth, pbo]
    # clear_gbuffer.comp: three image stores a texel, here over one 8x8 group.
    compute = create_compute(ctx, "clear_gbuffer.comp") if gl_info(ctx).has_compute else None
    if compute is not None:
        objects.append(compute)
    small = np.zeros(100, dtype=np.float32)
    host = np.empty((r.height, r.width), dtype=np.float32)
    targets = (lit.albedo, lit.normal, lit.surface)
    bias = r._lighting_prog["u_shadow_bias"]

    def depth_clears_two_framebuffers(i: int) -> None:
        lit.depth_fbo.clear(depth=1.0)
        lit.gbuffer.use()
        gt.zbuffer_fbo.clear(depth=1.0)
        gt.fbo.use()

    def depth_clears_clear_buffer(i: int) -> None:
        lit.gbuffer.use()
        clear(_GL_DEPTH, 0, one)
        gt.fbo.use()
        clear(_GL_DEPTH, 0, one)

    def atlas_rect_clear(i: int) -> None:  # as ShadowMap.prepare: the atlas bound, a dirty square cleared
        atlas.use()
        atlas.clear(depth=1.0, viewport=(64 * (i % 2), 0, 128, 128))

    def atlas_rect_clear_buffer(i: int) -> None:
        atlas.use()
        enable(_GL_SCISSOR_TEST)
        scissor(64 * (i % 2), 0, 128, 128)
        clear(_GL_DEPTH, 0, one)
        disable(_GL_SCISSOR_TEST)

    def dispatch(i: int) -> None:
        for unit, texture in enumerate(targets):
            texture.bind_to_image(unit, read=False, write=True)
        compute.run(1, 1)
        ctx.memory_barrier(_ALL_BARRIERS)

    def uniform_write(i: int) -> None:
        bias.value = 0.01 if i % 2 else 0.02

    out = {
        "framebuffer_switch": lambda i: (lit.gbuffer if i % 2 else gt.fbo).use(),
        "framebuffer_rebind": lambda i: gt.fbo.use(),
        "depth_clears_two_framebuffers": depth_clears_two_framebuffers,
        "depth_clears_clear_buffer": depth_clears_clear_buffer,
        "shadow_atlas_bind_and_rect_clear": atlas_rect_clear if atlas is not None else None,
        "shadow_atlas_bind_and_rect_clear_buffer": atlas_rect_clear_buffer if atlas is not None else None,
        "dispatch_with_3_image_binds_and_barrier": dispatch if compute is not None else None,
        "memory_barrier": lambda i: ctx.memory_barrier(_ALL_BARRIERS),
        "texture_use": lambda i: (lit.albedo if i % 2 else lit.normal).use(location=1),
        "uniform_write": uniform_write,
        "buffer_write_400_bytes": lambda i: ubo.write(small),
        "uniform_block_range_bind": lambda i: ubo.bind_to_uniform_block(0, offset=256 * (i % 2), size=400),
        "texture_read_into_pixel_buffer": lambda i: depth.read_into(pbo, alignment=1),
        "pixel_buffer_map_and_copy_348_kb": lambda i: pbo.read_into(host),
    }
    return {name: f for name, f in out.items() if f is not None}


def time_case(ctx: moderngl.Context, call: Callable[[int], None], calls: int, repeats: int) -> dict[str, float]:
    """Median CPU and wall microseconds per call over ``repeats`` runs of ``calls`` calls (after
    a warm-up run), the GL finished before each clock stops."""
    cpu, wall = [], []
    for run in range(repeats + 1):
        c, w = time.process_time(), time.perf_counter()
        for i in range(calls):
            call(i)
        ctx.finish()
        if run:  # the first run warms up
            cpu.append(1e6 * (time.process_time() - c) / calls)
            wall.append(1e6 * (time.perf_counter() - w) / calls)
    return {"cpu_us": round(statistics.median(cpu), 3), "wall_us": round(statistics.median(wall), 3),
            "cpu_us_min": round(min(cpu), 3), "cpu_us_max": round(max(cpu), 3)}


def probe(calls: int, repeats: int) -> dict:
    """Every case's figures, with the GL renderer string."""
    with Renderer(340, 256, quality_settings("phav")) as r:
        results = {"gl_renderer": r.gl_renderer, "calls": calls, "repeats": repeats, "cases": {}}
        objects: list = []
        try:
            for name, call in cases(r, objects).items():
                results["cases"][name] = time_case(r._ctx, call, calls, repeats)
                print(f"{name:42s} {results['cases'][name]['cpu_us']:8.3f} us CPU a call", flush=True)
        finally:
            r._default_fbo.use()  # none of the renderer's framebuffers stays bound
            for obj in objects:
                obj.release()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per timed run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per case (median)")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.repeats < 1:
        parser.error("--calls and --repeats must be positive")
    results = probe(args.calls, args.repeats)
    print(f"GL_RENDERER: {results['gl_renderer']}")
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
