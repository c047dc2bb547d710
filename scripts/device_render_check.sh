#!/bin/bash
# One short device run after a change to the render path (run as scripts/device_benchmarks.sh is;
# writes under $OUT, default /tmp/phav-probe): the GPU tests of the compute paths (post chain,
# skinning, sky, read-back, flow validity, clears), the geometry passes split by
# benchmarks.draw_probe, the per-pass GPU timers and a CPU profile of a `phav` frame, the CPU cost of
# each kind of GL call (benchmarks.call_probe), which EGL device is which CUDA GPU, the read-back
# buffers' usage hints (benchmarks.readback_probe), and render-only frames/s against the checkout in
# $BASE (scripts/device_render_ab.sh), in about 2.5 minutes.
set -uo pipefail
out=${OUT:-/tmp/phav-probe}; mkdir -p "$out"; py=${PYTHON:-python3}
step() {  # step NAME SECONDS COMMAND...: run with a time limit, log to $out/NAME.log
  local name=$1 limit=$2; shift 2
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  echo "$name: exit $? after $((SECONDS - start)) s (limit $limit s)" | tee -a "$out/steps.txt"
}
# One pytest process: the devkit has no pytest-xdist, and -o addopts replaces pyproject's -n.
step tests 150 "$py" -m pytest -q -p no:cacheprovider -p no:xdist -o addopts=-ra \
  tests/render/test_post_backends.py tests/render/test_skinning_compute.py tests/render/test_sky_ground_truth_compute.py \
  tests/render/test_readback.py tests/render/test_packed_rgb.py tests/render/test_flow_validity_gpu.py tests/render/test_gbuffer_clear.py \
  tests/render/test_fused_ground_truth.py tests/render/test_skinning.py tests/render/test_view_cull.py \
  tests/render/test_renderer.py tests/render/test_profiling.py tests/render/test_half_store.py \
  tests/render/test_frame_window.py tests/render/test_egl_devices.py
tail -3 "$out/tests.log"
# Which EGL device is which CUDA GPU here (NVIDIA's EGL_NV_device_cuda), and where CUDA_VISIBLE_DEVICES=0 renders.
step egl_cuda 30 env CUDA_VISIBLE_DEVICES=0 "$py" -c "
from phav.render.context import egl_devices_from_env, get_context
from phav.render.egl_devices import egl_cuda_ordinals
print('EGL devices CUDA ordinals', egl_cuda_ordinals(), 'CUDA_VISIBLE_DEVICES=0 renders on', egl_devices_from_env(),
      get_context().info['GL_RENDERER'])"
cat "$out/egl_cuda.log"
step draws_phav 30 "$py" -m benchmarks.draw_probe --quality phav --out "$out/draw-probe-phav.json"
step draws_preview 30 "$py" -m benchmarks.draw_probe --quality preview --out "$out/draw-probe-preview.json"
cat "$out/draws_phav.log" "$out/draws_preview.log"
step passes 40 "$py" -c "
import json
from phav.frames import MODALITIES
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec
out = {}
for quality in ('phav', 'preview'):
    settings = quality_settings(quality)
    take = Scenario(VideoSpec(action='Walk', frames=60, width=340, height=256, seed=0).validate()).simulate(
        skin_resolution=settings.skin_resolution)
    with Renderer(340, 256, settings) as r:
        list(r.render_take(take, MODALITIES))
        timer = r.enable_profiling()
        list(r.render_take(take, MODALITIES))
        summary = timer.summary()
    out[quality] = {'gpu_ms_total': round(sum(v['gpu_ms'] or 0.0 for v in summary.values()), 4),
                    'passes': {k: None if v['gpu_ms'] is None else round(v['gpu_ms'], 4) for k, v in summary.items()}}
    print(quality, json.dumps(out[quality]))
open('$out/passes.json', 'w').write(json.dumps(out, indent=2) + '\n')
"
cat "$out/passes.log"
step profile_phav 30 "$py" -m benchmarks.render_profile --quality phav --frames 60 --repeats 3 --top 40 \
  --out "$out/profile-phav.txt"
step calls 30 "$py" -m benchmarks.call_probe --out "$out/call-probe.json"
cat "$out/calls.log"
step readback 40 "$py" -m benchmarks.readback_probe --quality phav --frames 120 --repeats 7 \
  --out "$out/readback-probe.json"
cat "$out/readback.log"
step ab 150 env OUT="$out" PYTHON="$py" bash scripts/device_render_ab.sh
echo "total: $SECONDS s" | tee -a "$out/steps.txt"
