"""Render-only frames/s of the renderer with each usage hint of its read-back pixel buffers, and
with its read-backs mapped one or two frames after their frame's commands.

    python -m benchmarks.readback_probe [--quality phav] [--size 340x256] [--frames 120]
        [--repeats 7] [--out FILE.json]

One saved Walk take is rendered, every modality read back, by one renderer per mode
(:data:`MODES`: each ``RenderSettings.readback_usage`` of
:data:`phav.render.settings.READBACK_USAGES`, moderngl's ``GL_DYNAMIC_DRAW``, ``GL_STREAM_READ``
and persistently mapped client storage, copied or viewed, with ``readback_lag`` 1 and 2; ``"auto"``
picks one of them), their runs alternating
(:func:`benchmarks.render_presets.alternating_runs`): median frames/s and CPU milliseconds per
frame of this process. The frames are the same in every mode (``tests/render/test_readback.py``);
the hint changes where the driver keeps the buffers, so how long ``glReadPixels`` into them and
their map take, and the lag how much work the GL has queued while the CPU maps and copies.

Then, for each usage at lag 1, what reading the frames costs their consumers
(:func:`consumer_costs`): the take is rendered once with the frames kept, and each frame's arrays
are copied (``copy_ms_per_frame``) and encoded into memory as the video writer encodes them
(``encode_ms_per_frame``, :func:`phav.io.video_folder.frame_file_writers`), on this thread's CPU
clock. With ``persistent_views`` the arrays are views of memory the driver mapped; were it uncached
(write-combined), reading it would cost several times what reading a copy in ordinary memory does,
and the dataset's encoders would pay for the copy the renderer saved. Both figures decide the
renderer's defaults.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.options import parse_size
from benchmarks.render_presets import alternating_runs
from benchmarks.report import header, write_json
from phav.frames import MODALITIES
from phav.io.video_folder import frame_file_writers
from phav.render.context import get_context
from phav.render.renderer import Renderer
from phav.render.settings import QUALITIES, READBACK_USAGES, quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec


#: The modes compared: name -> ``RenderSettings`` overrides (the first is the presets' default).
MODES: dict[str, dict] = {f"{usage}, lag {lag}": {"readback_usage": usage, "readback_lag": lag}
                          for lag in (1, 2) for usage in READBACK_USAGES if usage != "auto"}


def persistent_skip_reason(ctx) -> str | None:
    """Why persistent read-back buffers cannot run on ``ctx`` (a tiny texture read back through a
    persistent slot must come back byte for byte), or ``None``."""
    import numpy as np

    from phav.render.readback import ReadbackRing

    if int(ctx.version_code) < 440:
        return f"persistent buffers need GL 4.4, this context is {int(ctx.version_code)}"
    data = np.arange(64 * 4, dtype=np.uint8).reshape(8, 8, 4)
    texture = ctx.texture((8, 8), 4, data.tobytes())
    ring = None
    try:
        ring = ReadbackRing(ctx, usage="persistent")
        slot = ring.begin()
        slot.read("rgba", texture, (8, 8, 4), np.uint8)
        if not np.array_equal(slot.collect()["rgba"], data):
            return "a persistent read-back gave other bytes than the texture's"
    except (ValueError, RuntimeError) as exc:
        return f"persistent read-back failed: {exc}"
    finally:
        if ring is not None:
            ring.release()
        texture.release()
    return None


def available_modes(persistent_skip: str | None) -> dict[str, dict]:
    """The :data:`MODES` to run: all, or without the persistent ones when ``persistent_skip`` (a
    :func:`persistent_skip_reason`) says they cannot."""
    return {name: mode for name, mode in MODES.items()
            if not mode["readback_usage"].startswith("persistent") or persistent_skip is None}


def compare_usages(take, quality: str, repeats: int, modes: dict[str, dict] = MODES) -> dict[str, dict]:
    """Per mode of ``modes`` (name -> ``RenderSettings`` overrides): median frames/s, every run's
    frames/s and median CPU ms per frame of rendering ``take`` with every modality."""
    runs = alternating_runs(take, quality, repeats, modes)
    return {u: {"median_per_s": statistics.median(rate for rate, _ in r), "runs_per_s": [rate for rate, _ in r],
                "cpu_ms_per_frame": statistics.median(cpu for _, cpu in r)} for u, r in runs.items()}


def _views_a_buffer(array: np.ndarray) -> bool:
    """Whether ``array``'s memory belongs to an object other than a numpy array (a mapped block's
    holder, :mod:`phav.render.readback_blocks`) rather than to an array of its own."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array.base is not None


def consumer_costs(take, quality: str, usages: list[str]) -> dict[str, dict]:
    """Per read-back usage of ``usages`` (``readback_lag`` 1): the take rendered once with every
    modality and its frames kept, then per frame the median thread CPU milliseconds of copying its
    arrays (``copy_ms_per_frame``) and of encoding its files into memory
    (``encode_ms_per_frame``), and the share of its arrays that view a mapped block
    (``views``: 0 for copies; the first frame's, and frames beyond the pool, are copies)."""
    out = {}
    for usage in usages:
        with Renderer(take.width, take.height, quality_settings(quality, readback_usage=usage, readback_lag=1)) as renderer:
            frames = list(renderer.render_take(take, MODALITIES))
            copies, encodes, viewed, arrays_seen = [], [], 0, 0
            for frame in frames:
                arrays = frame.arrays()
                viewed += sum(1 for a in arrays.values() if _views_a_buffer(a))
                arrays_seen += len(arrays)
                start = time.thread_time()
                for array in arrays.values():
                    np.array(array, copy=True)
                copies.append(time.thread_time() - start)
                start = time.thread_time()
                for _, write in frame_file_writers(arrays, take.instances):
                    write(io.BytesIO())
                encodes.append(time.thread_time() - start)
            del frames, arrays  # the views go before their blocks
        out[usage] = {"copy_ms_per_frame": 1e3 * statistics.median(copies),
                      "encode_ms_per_frame": 1e3 * statistics.median(encodes),
                      "views": viewed / max(1, arrays_seen)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readback_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--quality", choices=QUALITIES, default="phav", help="preset (default phav)")
    parser.add_argument("--size", type=parse_size, default=(340, 256), help="output size WxH (default 340x256)")
    parser.add_argument("--frames", type=int, default=120, help="frames in the take (default 120)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per mode (default 7)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    width, height = args.size
    spec = VideoSpec(action="Walk", frames=args.frames, width=width, height=height, seed=0).validate()
    take = Scenario(spec).simulate(skin_resolution=quality_settings(args.quality).skin_resolution)
    ctx = get_context()
    renderer_name = ctx.info["GL_RENDERER"]
    persistent_skip = persistent_skip_reason(ctx)
    modes = available_modes(persistent_skip)
    results = compare_usages(take, args.quality, args.repeats, modes)
    base = results[next(iter(MODES))]["median_per_s"]
    print(f"GL_RENDERER: {renderer_name}")
    print(f"{args.quality}, {width}x{height}, every modality, {args.frames}-frame Walk take, {args.repeats} runs each:")
    for usage, r in results.items():
        runs = ", ".join(f"{v:.1f}" for v in r["runs_per_s"])
        print(f"  {usage:<22}{r['median_per_s']:>9.1f} frames/s ({r['median_per_s'] / base:.2f}x)"
              f"  CPU {r['cpu_ms_per_frame']:.3f} ms/frame  runs {runs}")
    skipped = [name for name in MODES if name not in modes]
    if skipped:
        print(f"  skipped ({persistent_skip}): {', '.join(skipped)}")
    usages = list(dict.fromkeys(mode["readback_usage"] for mode in modes.values()))
    consumers = consumer_costs(take, args.quality, usages)
    print("reading the kept frames, thread CPU per frame (copy of the arrays / encoding the files into memory):")
    for usage, c in consumers.items():
        print(f"  {usage:<22}copy {c['copy_ms_per_frame']:.3f} ms  encode {c['encode_ms_per_frame']:.3f} ms"
              f"  ({100 * c['views']:.0f} % of the arrays views)")
    fastest = max(results, key=lambda name: results[name]["median_per_s"])
    overrides = ", ".join(f"{k}={v!r}" for k, v in MODES[fastest].items())
    print(f"fastest: {fastest} ({results[fastest]['median_per_s'] / base:.2f}x): RenderSettings({overrides})")
    if args.out:
        write_json(args.out, header("python -m benchmarks.readback_probe", argv, renderer_name, quality=args.quality,
                                    size=f"{width}x{height}", frames=args.frames, repeats=args.repeats,
                                    results=results, consumers=consumers, skipped=skipped, skip_reason=persistent_skip,
                                    fastest=fastest))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
