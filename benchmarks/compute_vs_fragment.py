"""Full-screen pass as a fragment shader vs a compute shader (GL 4.3), on this machine's GL.

    python -m benchmarks.compute_vs_fragment [--size 680x512] [--repeats 200] [--out FILE.json]

Two kernels of the post chain's shape, at the supersampled ``phav`` size (2x 340x256) on
``RGBA16F`` images: ``pointwise`` (one texel read, a vignette-like curve, one write) and ``gather``
(12 texel reads in a disc, like bloom). Each runs ``repeats`` times per path; the figure is the
median of 5 batches, in milliseconds per pass, with the GL finished before the clock stops.
Decides whether the renderer's post chain should move to compute shaders on this GL.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import moderngl
import numpy as np

from phav.render.context import get_context

_BODY = {
    "pointwise": "vec3 c = texelFetch(u_source, p, 0).rgb; vec2 d = (vec2(p) / size - 0.5) * 2.0;"
                 " float r2 = clamp(dot(d, d) * 0.5, 0.0, 1.0); vec4 result = vec4(c * (1.0 - 0.25 * r2 * r2), 1.0);",
    "gather": "vec3 s = vec3(0.0); for (int i = 0; i < 12; ++i) { float f = (float(i) + 0.5) / 12.0;"
              " float a = 2.3999632 * float(i); ivec2 q = clamp(p + ivec2(round(12.0 * sqrt(f) * vec2(cos(a), sin(a)))),"
              " ivec2(0), ivec2(size) - 1); s += texelFetch(u_source, q, 0).rgb; } vec4 result = vec4(s / 12.0, 1.0);",
}

_VERTEX = """#version 330 core
void main() { vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2); gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0); }
"""
_FRAGMENT = """#version 330 core
uniform sampler2D u_source;
out vec4 o_color;
void main() { ivec2 p = ivec2(gl_FragCoord.xy); vec2 size = vec2(textureSize(u_source, 0)); BODY o_color = result; }
"""
_COMPUTE = """#version 430
layout(local_size_x = 8, local_size_y = 8) in;
uniform sampler2D u_source;
layout(rgba16f, binding = 0) writeonly uniform image2D u_target;
void main() {
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    vec2 size = vec2(textureSize(u_source, 0));
    if (p.x >= int(size.x) || p.y >= int(size.y)) return;
    BODY
    imageStore(u_target, p, result);
}
"""


def _time(run, ctx: moderngl.Context, repeats: int) -> float:
    run()
    ctx.finish()
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        ctx.finish()
        batches.append((time.perf_counter() - start) / repeats * 1e3)
    return statistics.median(batches)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compute_vs_fragment", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="680x512")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    ctx = get_context()
    if ctx.version_code < 430:
        print(f"GL {ctx.version_code}: no compute shaders; nothing to compare")
        return 0
    objects: list = []
    source = ctx.texture((w, h), 4, np.random.default_rng(0).random((h, w, 4), dtype=np.float32).astype(np.float16).tobytes(), dtype="f2")
    target = ctx.texture((w, h), 4, dtype="f2")
    fbo = ctx.framebuffer([target])
    objects += [source, target, fbo]
    results = {}
    try:
        for name, body in _BODY.items():
            prog = ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT.replace("BODY", body))
            vao = ctx.vertex_array(prog, [])
            comp = ctx.compute_shader(_COMPUTE.replace("BODY", body))
            objects += [vao, prog, comp]

            def fragment() -> None:
                fbo.use()
                source.use(0)
                vao.render(moderngl.TRIANGLES, vertices=3)

            def compute() -> None:
                source.use(0)
                target.bind_to_image(0, read=False, write=True)
                comp.run((w + 7) // 8, (h + 7) // 8)

            results[name] = {"fragment_ms": _time(fragment, ctx, args.repeats), "compute_ms": _time(compute, ctx, args.repeats)}
            print(f"{name:<10} fragment {results[name]['fragment_ms']:.2f} ms   compute {results[name]['compute_ms']:.2f} ms")
    finally:
        for obj in reversed(objects):
            obj.release()
    report = {"date": time.strftime("%Y-%m-%d"), "gl_renderer": ctx.info["GL_RENDERER"], "size": f"{w}x{h}",
              "repeats": args.repeats, "results": results}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
