#!/bin/bash
# Probe on the GPU test machine (run as scripts/device_benchmarks.sh is): the raster back end's fills
# by target format (benchmarks.raster_probe), and whether NVIDIA's threaded driver
# (__GL_THREADED_OPTIMIZATIONS=1: the driver's work on a second thread) lowers the CPU time of a
# render-only `phav` frame: alternating processes, each rendering one 120-frame take 7 times, every
# modality read back. Writes under $OUT (default /tmp/phav-probe).
set -uo pipefail
out=${OUT:-/tmp/phav-probe}; mkdir -p "$out"; py=${PYTHON:-python3}
timeout 30 "$py" -m benchmarks.raster_probe --out "$out/raster-probe.json" > "$out/raster.log" 2>&1
echo "raster: exit $?"; cat "$out/raster.log"
render='
import json, resource, statistics, time
from phav.frames import MODALITIES
from phav.render.renderer import Renderer
from phav.render.settings import quality_settings
from phav.scenario import Scenario
from phav.spec import VideoSpec
take = Scenario(VideoSpec(action="Walk", frames=120, width=340, height=256, seed=0).validate()).simulate()
rates, cpu = [], []
with Renderer(340, 256, quality_settings("phav")) as renderer:
    for k in range(8):
        c0, start = time.process_time(), time.perf_counter()
        n = sum(1 for _ in renderer.render_take(take, MODALITIES))
        if k:
            rates.append(n / (time.perf_counter() - start)); cpu.append((time.process_time() - c0) / n * 1e3)
print(json.dumps({"fps": round(statistics.median(rates), 1), "cpu_ms": round(statistics.median(cpu), 3),
                  "runs": [round(r, 1) for r in rates]}))
'
for pair in 1 2 3; do
  for mode in 0 1; do
    echo -n "threaded=$mode pair $pair: "
    __GL_THREADED_OPTIMIZATIONS=$mode timeout 40 "$py" -c "$render" 2>&1 | tail -1
  done
done | tee "$out/threaded-ab.txt"
echo "total $SECONDS s"
