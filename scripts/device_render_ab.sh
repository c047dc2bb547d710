#!/bin/bash
# Render-only frames/s of this tree against another checkout of phav (BASE, default .ab-base: make it
# with `mkdir .ab-base && git archive <commit> src shaders motions | tar -x -C .ab-base` and pass it to
# the device run in `carry`), in alternating processes on the same machine, so the ratio holds even
# when absolute rates drift. Each process renders one 120-frame Walk take 7 times after a warm-up,
# every modality read back, and prints the median frames/s and CPU ms per frame. Run as
# scripts/device_benchmarks.sh is (source .devkit/setup.sh first); writes $OUT/render-ab.txt.
# QUALITIES (default "phav preview") and PAIRS (default 3) size it; FRAMES=8 RUNS=2 PAIRS=1 smoke-test it.
# Without a GPU, GALLIUM_NOOP=1 (Mesa's no-op driver) makes it compare the two trees' CPU per frame.
set -uo pipefail
out=${OUT:-/tmp/phav-probe}; mkdir -p "$out"; py=${PYTHON:-python3}
base=${BASE:-.ab-base}; frames=${FRAMES:-120}; runs=${RUNS:-8}
[ -d "$base/src/phav" ] || { echo "no phav checkout at $base (see the header of $0)"; exit 2; }
render="
import json, statistics, sys, time
from phav.frames import MODALITIES
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec
quality = sys.argv[1]
settings = quality_settings(quality)
take = Scenario(VideoSpec(action='Walk', frames=$frames, width=340, height=256, seed=0).validate()).simulate(
    skin_resolution=settings.skin_resolution)
rates, cpu = [], []
with Renderer(340, 256, settings) as renderer:
    for k in range($runs):
        c0, start = time.process_time(), time.perf_counter()
        n = sum(1 for _ in renderer.render_take(take, MODALITIES))
        if k:
            rates.append(n / (time.perf_counter() - start)); cpu.append((time.process_time() - c0) / n * 1e3)
print(json.dumps({'quality': quality, 'fps': round(statistics.median(rates), 1),
                  'cpu_ms': round(statistics.median(cpu), 3), 'runs': [round(r, 1) for r in rates]}))
"
site=${PYTHONPATH:-}; site=${site%%:*}  # .devkit/setup.sh puts its packages first, then this tree's src (none here: unset)
for quality in ${QUALITIES:-phav preview}; do
  for pair in $(seq 1 "${PAIRS:-3}"); do
    for tree in base new; do
      src=$PWD/src; [ $tree = base ] && src=$(cd "$base" && pwd)/src
      echo -n "$quality $tree pair $pair: "
      PYTHONPATH="$site:$src" timeout 60 "$py" -c "$render" "$quality" 2>&1 | tail -1
    done
  done
done | tee "$out/render-ab.txt"
echo "total $SECONDS s"
