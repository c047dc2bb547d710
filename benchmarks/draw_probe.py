"""What each piece of a frame's geometry passes costs the GPU: the G-buffer's clear, its rigid parts'
draws and its skins' draws, and the same for the ground-truth pass, each measured alone.

    python -m benchmarks.draw_probe [--quality phav] [--size 340x256] [--repeats 200] [--out FILE.json]

Loads the benchmarks' Walk take into a renderer (by rendering its first frame), then runs each piece
``repeats`` times inside one ``GL_TIME_ELAPSED`` query (:func:`benchmarks.raster_probe.gpu_us`),
with the state the renderer draws with and the depth test ``<=`` so that every repeat shades and
writes its fragments again (with ``<`` the repeats would fail the depth test early and cost less).
The per-pass timers (``python -m benchmarks --only 'render_passes_*'``) give each pass whole; this
splits a pass into clears, rigid draws and skinned draws, and counts the triangles drawn, so the
figures say whether a pass is bound by its clears, its fragments or its vertices.

What the bytes each fragment writes cost: the G-buffer's and the ground truth's draws are also
timed into framebuffers with the same depth buffer and other colour attachments (the same shaders;
outputs without an attachment are dropped, narrower ones keep their first channels):
``gbuffer_<layout>_*`` with ``16B`` (RGBA8, RGBA16F, RG16F), ``12B`` (RGBA8, RGBA16F), ``4B``
(RGBA8) and ``depth_only`` against the renderer's 20 bytes (RGBA8, RGBA16F, RGBA16F), and
``ground_truth_<layout>_*`` with ``motion_rg32f`` (R32F, R8UI, R16UI, RG32F), ``no_motion``
(R32F, R8UI, R16UI) and ``depth_only`` against its R32F, R8UI, R16UI, RGBA32F. On a GPU whose few
raster units write a pixel's 4 bytes a clock (an H200's fills cost in proportion to the bytes
written, ``benchmarks.raster_probe``), these say what a narrower layout would save on the real
draws before anyone writes it; ``depth_only`` is the floor of the geometry itself.

Where the rest goes: every pass's draws are also timed stopped early (:data:`STAGES`):
``<pass>_discard_*`` with the rasteriser discarding every primitive (vertex shading and primitive
assembly alone) and ``<pass>_scissor_*`` rasterised into a 1x1 scissor box (also clipping, culling
and triangle setup, next to no fragments). With the whole draws and the layouts they split a
draw's time into vertices, triangles and fragments: whether a visibility buffer (fewer bytes and
varyings through the raster units), fewer triangles (coarser skins) or fewer vertices is the lever.

The probe drives the renderer's internals (``Renderer._draw_parts`` and its targets): it is a
measuring tool for this repository's renderer, not an interface.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable

import moderngl
import numpy as np

from benchmarks.options import parse_size
from benchmarks.raster_probe import gpu_us
from phav.frames import MODALITIES
from phav.render.context import gl_info
from phav.render.mesh_programs import FUSED, GBUFFER, GROUND_TRUTH
from phav.render.renderer import Renderer
from phav.render.settings import QUALITIES, quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec


#: Other colour attachments for the G-buffer's draws: name -> (components, dtype) per attachment.
GBUFFER_LAYOUTS: dict[str, tuple[tuple[int, str], ...]] = {
    "16B": ((4, "f1"), (4, "f2"), (2, "f2")),
    "12B": ((4, "f1"), (4, "f2")),
    "4B": ((4, "f1"),),
    "depth_only": (),
}
#: How far the staged draws go: ``discard``, the vertex shader and primitive assembly only
#: (``GL_RASTERIZER_DISCARD``); ``scissor``, also clipping, culling and setup, rasterised into a
#: 1x1 scissor box (next to no fragments).
STAGES: tuple[str, ...] = ("discard", "scissor")
#: The same for the ground truth's draws.
GROUND_TRUTH_LAYOUTS: dict[str, tuple[tuple[int, str], ...]] = {
    "motion_rg32f": ((1, "f4"), (1, "u1"), (1, "u2"), (2, "f4")),
    "no_motion": ((1, "f4"), (1, "u1"), (1, "u2")),
    "depth_only": (),
}


def draw_pieces(r: Renderer, program: int, fbo: moderngl.Framebuffer, parts: np.ndarray | None,
                skins: np.ndarray | None, stage: str = "whole") -> None:
    """Draw the loaded take's rigid parts and skins marked in the ``(P,)`` and ``(S,)`` bool masks
    ``parts`` and ``skins`` (``None``: all; as ``Renderer._draw_parts``) with ``program`` into ``fbo``,
    with the renderer's state and the depth test ``<=``; ``stage`` ``"whole"`` or one of
    :data:`STAGES` stops the draws early."""
    if stage not in ("whole", *STAGES):
        raise ValueError(f"unknown stage {stage!r}")
    ctx = r._ctx
    flags = moderngl.DEPTH_TEST | (moderngl.CULL_FACE if r.settings.cull_back_faces else 0)
    fbo.use()
    ctx.enable_only(flags | (moderngl.RASTERIZER_DISCARD if stage == "discard" else 0))
    if stage == "scissor":
        ctx.scissor = (0, 0, 1, 1)
    ctx.depth_func = "<="
    r._draw_parts(program, parts, skins)
    ctx.enable_only(moderngl.NOTHING)
    if stage == "scissor":
        ctx.scissor = None


def no_pieces(r: Renderer) -> tuple[np.ndarray, np.ndarray]:
    """The all-false ``(P,)`` and ``(S,)`` masks of :func:`draw_pieces` for the loaded take: no rigid
    part (meshes and bodies' parts), no skin."""
    return np.zeros(len(r._take.parts.count), dtype=bool), np.zeros(len(r._take.skin_instances), dtype=bool)


def probe(quality: str, size: tuple[int, int], repeats: int) -> dict[str, object]:
    """Piece name -> GPU and wall microseconds per call, plus the take's triangle counts."""
    width, height = size
    settings = quality_settings(quality)
    spec = VideoSpec(action="Walk", frames=3, width=width, height=height, seed=0).validate()
    take = Scenario(spec).simulate(skin_resolution=settings.skin_resolution)
    out: dict[str, object] = {
        "skin_triangles": int(sum(s.mesh.indices.size for s in take.skins) // 3),  # indices: (T, 3)
        "skin_vertices": int(sum(len(s.mesh.positions) for s in take.skins)),
    }
    with Renderer(width, height, settings) as r:
        frames = r.render_take(take, MODALITIES)
        next(frames)  # the take's resources are loaded and frame 0/1 drawn; they stay until the iterator ends
        ctx = r._ctx
        out["rigid_triangles"] = int(r._take.parts.count.sum() // 3)
        times: dict[str, dict[str, float]] = {}

        no_parts, no_skins = no_pieces(r)

        def draws(program: int, fbo: moderngl.Framebuffer, parts: bool, skins: bool,
                  stage: str = "whole") -> Callable[[], None]:
            masks = None if parts else no_parts, None if skins else no_skins
            return lambda: draw_pieces(r, program, fbo, *masks, stage)

        def stages(stem: str, program: int, fbo: moderngl.Framebuffer) -> None:
            for stage in STAGES:
                for what, parts, skins in (("rigid", True, False), ("skin", False, True)):
                    times[f"{stem}_{stage}_{what}_draws"] = gpu_us(ctx, draws(program, fbo, parts, skins, stage),
                                                                   repeats)

        lit = r._lit
        if not r._fused:
            times["gbuffer_clear"] = gpu_us(ctx, r._gbuffer_clear.clear, repeats)
            times["gbuffer_rigid_draws"] = gpu_us(ctx, draws(GBUFFER, lit.gbuffer, True, False), repeats)
            times["gbuffer_skin_draws"] = gpu_us(ctx, draws(GBUFFER, lit.gbuffer, False, True), repeats)
            gt = r._gt
            times["ground_truth_depth_clear"] = gpu_us(ctx, lambda: gt.zbuffer_fbo.clear(depth=1.0), repeats)
            times["ground_truth_rigid_draws"] = gpu_us(ctx, draws(GROUND_TRUTH, gt.fbo, True, False),
                                                       repeats)
            times["ground_truth_skin_draws"] = gpu_us(ctx, draws(GROUND_TRUTH, gt.fbo, False, True),
                                                      repeats)
            stages("gbuffer", GBUFFER, lit.gbuffer)
            stages("ground_truth", GROUND_TRUTH, gt.fbo)
            layouts = [("gbuffer", GBUFFER, lit.depth, lit.albedo.size, GBUFFER_LAYOUTS),
                       ("ground_truth", GROUND_TRUTH, gt.zbuffer, gt.depth.size, GROUND_TRUTH_LAYOUTS)]
            for stem, program, depth, target_size, variants in layouts:
                for name, formats in variants.items():
                    made = [ctx.texture(target_size, components, dtype=dtype) for components, dtype in formats]
                    fbo = ctx.framebuffer(made, depth)
                    try:
                        for what, parts, skins in (("rigid", True, False), ("skin", False, True)):
                            times[f"{stem}_{name}_{what}_draws"] = gpu_us(ctx, draws(program, fbo, parts, skins),
                                                                           repeats)
                    finally:
                        r._default_fbo.use()  # moderngl binds its last framebuffer back after making one
                        fbo.release()
                        for texture in made:
                            texture.release()
        else:
            fbo = r._fused_fbos[r._gt.current]
            times["fused_depth_clear"] = gpu_us(ctx, lambda: lit.depth_fbo.clear(depth=1.0), repeats)
            times["fused_rigid_draws"] = gpu_us(ctx, draws(FUSED, fbo, True, False), repeats)
            times["fused_skin_draws"] = gpu_us(ctx, draws(FUSED, fbo, False, True), repeats)
            stages("fused", FUSED, fbo)
        times["skinning"] = gpu_us(ctx, lambda: r._take.skins.skin(r._gt.fbo), repeats)
        ctx.depth_func = "<"
        r._default_fbo.use()
        frames.close()
        out["gl_renderer"] = r.gl_renderer
    out["per_call"] = times
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.draw_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--quality", choices=QUALITIES, default="phav", help="render preset (default phav)")
    parser.add_argument("--size", type=parse_size, default=(340, 256), help="output size WxH (default 340x256)")
    parser.add_argument("--repeats", type=int, default=200, help="calls per timer query (default 200)")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    figures = probe(args.quality, args.size, args.repeats)
    print(f"{figures['gl_renderer']}: {args.quality} {args.size[0]}x{args.size[1]}, rigid triangles "
          f"{figures['rigid_triangles']}, skin triangles {figures['skin_triangles']} "
          f"({figures['skin_vertices']} vertices)")
    for name, us in figures["per_call"].items():
        print(f"{name:<40}{us['gpu_us']:>10.2f} us GPU {us['wall_us']:>10.2f} us wall")
    if args.out:
        args.out.write_text(json.dumps({**figures, "quality": args.quality, "size": list(args.size),
                                        "gl_version": gl_info().version, "repeats": args.repeats,
                                        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
                                       indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
