#!/bin/bash
# Where the render-only time of a frame goes on the GPU test machine, in about two minutes: each
# preset with one costly part off at a time and the process's CPU milliseconds per frame
# (benchmarks.render_presets' ablation), the per-pass GPU timers, the raster back end's clears and
# fills alone (benchmarks.raster_probe), the CPU cost of each kind of GL call (benchmarks.call_probe),
# 1-8 processes rendering at once, and a Python profile of a
# rendering process (benchmarks.render_profile). Run as scripts/device_benchmarks.sh is (source
# .devkit/setup.sh first); writes under $OUT (default /tmp/phav-probe). FRAMES and REPEATS shrink it
# for a smoke test on the development machine (FRAMES=6 REPEATS=1).
set -uo pipefail
out=${OUT:-/tmp/phav-probe}; mkdir -p "$out"; py=${PYTHON:-python3}
frames=${FRAMES:-60}; repeats=${REPEATS:-3}
: > "$out/steps.txt"
step() {  # step NAME SECONDS COMMAND...: run with a time limit, log to $out/NAME.log
  local name=$1 limit=$2; shift 2
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  echo "$name: exit $? after $((SECONDS - start)) s (limit $limit s)" | tee -a "$out/steps.txt"
}
step presets 70 "$py" -m benchmarks.render_presets --frames "$frames" --repeats "$repeats" --qualities preview,phav \
  --no-pybullet --out "$out/render-presets.json"
# The shadow atlas cleared whole every frame (as before 2026-11-27) vs only where the last frame drew,
# alternating runs in one process.
step clear_ab 40 "$py" -c "
import statistics, time
from phav.frames import MODALITIES
from phav.render import shadows
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec
take = Scenario(VideoSpec(action='Walk', frames=$frames, width=340, height=256, seed=0).validate()).simulate()
rates = {'whole': [], 'touched': []}
with Renderer(340, 256, quality_settings('phav')) as renderer:
    for k in range(1 + 2 * $repeats):
        mode = 'whole' if k % 2 else 'touched'
        shadows.FULL_CLEAR_FRACTION = -1.0 if mode == 'whole' else 1.0 / 32.0
        start = time.perf_counter()
        n = sum(1 for _ in renderer.render_take(take, MODALITIES))
        if k:
            rates[mode].append(n / (time.perf_counter() - start))
print({m: round(statistics.median(r), 1) for m, r in rates.items()}, rates)
"
step raster 20 "$py" -m benchmarks.raster_probe --out "$out/raster-probe.json"
step calls 30 "$py" -m benchmarks.call_probe --out "$out/call-probe.json"
step parallel 60 "$py" -m benchmarks --size 340x256 --processes "${PROCESSES:-1,2,4,8}" --frames "$frames" \
  --repeats "$repeats" --only 'render_parallel_*' --out "$out/render-parallel.json"
step profile_phav 25 "$py" -m benchmarks.render_profile --quality phav --frames "$frames" --repeats "$repeats" \
  --top 45 --out "$out/profile-phav.txt"
step profile_preview 25 "$py" -m benchmarks.render_profile --quality preview --frames "$frames" --repeats "$repeats" \
  --top 30 --out "$out/profile-preview.txt"
echo "total: $SECONDS s" | tee -a "$out/steps.txt"
