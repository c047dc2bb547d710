"""What the GL's raster back end costs on this machine: GPU time of the clears and fills a phav frame
is made of, measured alone with timer queries.

    python -m benchmarks.raster_probe [--repeats 200] [--out FILE.json]

Each operation runs ``repeats`` times inside one ``GL_TIME_ELAPSED`` query (after a warm-up), so
the figure is GPU microseconds per operation without per-call waits (and wall microseconds, the GL
finished at the end):

* ``clear_shadow_atlas``: depth clear of the ``phav`` preset's 4096x2048 shadow atlas, whole and
  scissored to 128x128 texels (a person's shadow);
* ``clear_gbuffer``: the 2x-supersampled 680x512 G-buffer (RGBA8 + 2 RGBA16F + depth), colour and
  depth, and depth only;
* ``clear_ground_truth``: the 340x256 ground-truth targets (R32F, R8UI, R16UI, RGBA32F + depth);
* ``fill_<fragment|compute>_<size>``: an RGBA16F target written whole by a full-screen triangle vs
  by a compute shader (``imageStore``), at 680x512 and 1360x1024: the raster units' share;
* ``fill_fragment_680x512_<formats>``: one full-screen triangle into targets of other formats and
  into several at once (the G-buffer's three; RGBA8 with one RGBA32UI), so the figures say whether
  the raster back end's cost follows pixels, targets or bytes;
* ``fill_<fragment|compute>_ground_truth``: the ground truth's four 340x256 targets (R32F, R8UI,
  R16UI, RGBA32F) written whole, as the ground-truth pass's sky fill does.

On GPUs with few raster units (H100, H200), clears and fragment fills cost far more than compute
work of the same size; these figures say how much, to weigh moving work from one to the other.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import moderngl

from phav.render.context import default_framebuffer, get_context, gl_info
from phav.render.shaders import preprocess
from phav.render.targets import GLObjects

_FILL_FS = """#version 330 core
in vec2 v_uv;
out vec4 o;
void main() { o = vec4(gl_FragCoord.xy * 1e-3, 0.5, 1.0); }
"""
_FLOAT_DTYPES = ("f1", "f2", "f4")


def fill_fragment_shader(dtypes: tuple[str, ...]) -> str:
    """A fragment shader writing every one of ``len(dtypes)`` colour attachments (moderngl dtype
    strings: float targets get a ``vec4``, integer ones a ``uvec4``)."""
    outs, writes = [], []
    for i, dtype in enumerate(dtypes):
        kind, value = (("vec4", "vec4(gl_FragCoord.xy * 1e-3, 0.5, 1.0)") if dtype in _FLOAT_DTYPES
                       else ("uvec4", "uvec4(uvec2(gl_FragCoord.xy), 5u, 1u)"))
        outs.append(f"layout(location = {i}) out {kind} o{i};")
        writes.append(f"o{i} = {value};")
    return "#version 330 core\n" + "\n".join(outs) + "\nvoid main() { " + " ".join(writes) + " }\n"


#: Fragment fills at 680x512 by target formats: (components, dtype) per attachment.
FORMAT_FILLS: dict[str, tuple[tuple[int, str], ...]] = {
    "rgba8": ((4, "f1"),),
    "r32f": ((1, "f4"),),
    "rgba32f": ((4, "f4"),),
    "r32ui": ((1, "u4"),),
    "rgba32ui": ((4, "u4"),),
    "gbuffer_rgba8_2rgba16f": ((4, "f1"), (4, "f2"), (4, "f2")),
    "rgba8_rgba32ui": ((4, "f1"), (4, "u4")),
}
#: The ground-truth targets (:class:`phav.render.targets.GroundTruthTargets`): (components, dtype).
GROUND_TRUTH_FORMATS: tuple[tuple[int, str], ...] = ((1, "f4"), (1, "u1"), (1, "u2"), (4, "f4"))
_GT_FILL_CS = """#version 430 core
layout(local_size_x = 8, local_size_y = 8) in;
layout(r32f, binding = 0) writeonly uniform image2D u_depth;
layout(r8ui, binding = 1) writeonly uniform uimage2D u_semantic;
layout(r16ui, binding = 2) writeonly uniform uimage2D u_instance;
layout(rgba32f, binding = 3) writeonly uniform image2D u_motion;
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(p, imageSize(u_depth)))) return;
    imageStore(u_depth, p, vec4(1.0 / 0.0));
    imageStore(u_semantic, p, uvec4(1u));
    imageStore(u_instance, p, uvec4(0u));
    imageStore(u_motion, p, vec4(vec2(p) * 1e-3, 0.5, 1.0));
}
"""
_FILL_CS = """#version 430 core
layout(local_size_x = 8, local_size_y = 8) in;
layout(rgba16f, binding = 0) writeonly uniform image2D u_out;
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (any(greaterThanEqual(p, imageSize(u_out)))) return;
    imageStore(u_out, p, vec4(vec2(p) * 1e-3, 0.5, 1.0));
}
"""


def gpu_us(ctx: moderngl.Context, op, repeats: int) -> dict[str, float]:
    """GPU and wall microseconds per call of ``op`` (``repeats`` calls in one timer query, after
    one; wall with the GL finished: a software rasterizer's timer query misses work it defers)."""
    op()
    ctx.finish()
    query = ctx.query(time=True)
    start = time.perf_counter()
    with query:
        for _ in range(repeats):
            op()
    ctx.finish()
    wall = time.perf_counter() - start
    return {"gpu_us": query.elapsed / repeats / 1e3, "wall_us": wall / repeats * 1e6}


def probe(repeats: int) -> dict[str, dict[str, float]]:
    """Operation name -> GPU and wall microseconds per call (:func:`gpu_us`)."""
    ctx = get_context()
    made = GLObjects()
    keep = made.add
    out: dict[str, dict[str, float]] = {}
    try:
        atlas = keep(ctx.framebuffer(depth_attachment=keep(ctx.depth_texture((4096, 2048)))))
        out["clear_shadow_atlas_whole"] = gpu_us(ctx, lambda: atlas.clear(depth=1.0), repeats)
        out["clear_shadow_atlas_128x128"] = gpu_us(ctx, lambda: atlas.clear(depth=1.0, viewport=(1000, 700, 128, 128)),
                                                   repeats)
        big = (680, 512)
        zbuffer = keep(ctx.depth_renderbuffer(big))
        gbuffer = keep(ctx.framebuffer([keep(ctx.texture(big, 4, dtype="f1")), keep(ctx.texture(big, 4, dtype="f2")),
                                        keep(ctx.texture(big, 4, dtype="f2"))], zbuffer))
        out["clear_gbuffer_colour_depth"] = gpu_us(ctx, lambda: gbuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0), repeats)
        depth_only = keep(ctx.framebuffer(depth_attachment=zbuffer))
        out["clear_gbuffer_depth_only"] = gpu_us(ctx, lambda: depth_only.clear(depth=1.0), repeats)
        small = (340, 256)
        gt = keep(ctx.framebuffer([keep(ctx.texture(small, 1, dtype="f4")), keep(ctx.texture(small, 1, dtype="u1")),
                                   keep(ctx.texture(small, 1, dtype="u2")), keep(ctx.texture(small, 4, dtype="f4"))],
                                  keep(ctx.depth_renderbuffer(small))))
        out["clear_ground_truth"] = gpu_us(ctx, lambda: gt.clear(depth=1.0), repeats)
        program = keep(ctx.program(vertex_shader=preprocess("fullscreen.vert").text, fragment_shader=_FILL_FS))
        triangle = keep(ctx.vertex_array(program, []))
        compute = keep(ctx.compute_shader(_FILL_CS)) if gl_info(ctx).has_compute else None
        for size in (big, (1360, 1024)):
            target = keep(ctx.texture(size, 4, dtype="f2"))
            fbo = keep(ctx.framebuffer([target]))

            def fragment(fbo=fbo) -> None:
                fbo.use()
                triangle.render(moderngl.TRIANGLES, vertices=3)

            label = f"{size[0]}x{size[1]}"
            out[f"fill_fragment_{label}"] = gpu_us(ctx, fragment, repeats)
            if compute is not None:
                def dispatch(target=target, size=size) -> None:
                    target.bind_to_image(0, read=False, write=True)
                    compute.run((size[0] + 7) // 8, (size[1] + 7) // 8)

                out[f"fill_compute_{label}"] = gpu_us(ctx, dispatch, repeats)
        for name, formats in FORMAT_FILLS.items():
            out[f"fill_fragment_680x512_{name}"] = fragment_fill(ctx, keep, big, formats, repeats)
        out["fill_fragment_ground_truth"] = fragment_fill(ctx, keep, small, GROUND_TRUTH_FORMATS, repeats)
        if compute is not None:
            gt_compute = keep(ctx.compute_shader(_GT_FILL_CS))
            gt_targets = [keep(ctx.texture(small, n, dtype=dtype)) for n, dtype in GROUND_TRUTH_FORMATS]

            def gt_dispatch() -> None:
                for unit, target in enumerate(gt_targets):
                    target.bind_to_image(unit, read=False, write=True)
                gt_compute.run((small[0] + 7) // 8, (small[1] + 7) // 8)

            out["fill_compute_ground_truth"] = gpu_us(ctx, gt_dispatch, repeats)
    finally:
        default_framebuffer(ctx).use()  # never release a bound framebuffer
        made.release()
    return out


def fragment_fill(ctx: moderngl.Context, keep, size: tuple[int, int], formats: tuple[tuple[int, str], ...],
                  repeats: int) -> dict[str, float]:
    """:func:`gpu_us` of one full-screen triangle writing a framebuffer of ``formats`` ((components,
    dtype) per colour attachment) at ``size``; ``keep`` takes ownership of the GL objects made."""
    program = keep(ctx.program(vertex_shader=preprocess("fullscreen.vert").text,
                               fragment_shader=fill_fragment_shader(tuple(d for _, d in formats))))
    triangle = keep(ctx.vertex_array(program, []))
    fbo = keep(ctx.framebuffer([keep(ctx.texture(size, n, dtype=dtype)) for n, dtype in formats]))

    def fill() -> None:
        fbo.use()
        triangle.render(moderngl.TRIANGLES, vertices=3)

    return gpu_us(ctx, fill, repeats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.raster_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="calls per timer query (default 200)")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    info = gl_info()
    figures = probe(args.repeats)
    for name, us in figures.items():
        print(f"{name:<32}{us['gpu_us']:>10.2f} us GPU {us['wall_us']:>10.2f} us wall")
    if args.out:
        args.out.write_text(json.dumps({"gl_renderer": info.renderer, "gl_version": info.version,
                                        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                        "repeats": args.repeats, "per_call": figures}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
