#!/bin/bash
# The speed figures of issue #8 on the GPU test machine (../shared/device/README.md), in one run.
#
# On the development machine, from the repository root:
#     bash ../shared/device/prepare.sh pypng==0.20220715.0 tqdm==4.70.1
# then on the GPU machine (the device tool's `run`, carrying .devkit, timeout_s 600):
#     source .devkit/setup.sh; bash scripts/device_benchmarks.sh
#
# Writes under $OUT (default /tmp/phav-device): gl.txt (GL renderer, GPU, CPU), benchmarks-gpu.json
# (`python -m benchmarks`: physics, render only per preset with per-pass GPU times, parallel render
# processes 1..16, end to end, dataset with 1..16 workers, PyBullet's TinyRenderer and EGL plugin),
# compute-vs-fragment-gpu.json, render-presets-gpu.json, tests.txt (the post-processing backend
# tests on the GPU) and one log per step. Each step has its own time limit so that a slow step
# leaves the others their time; the whole run stays under about 9 minutes.
set -uo pipefail
out=${OUT:-/tmp/phav-device}
mkdir -p "$out"
py=${PYTHON:-python3}

{
  date -u +%FT%TZ
  nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found"
  grep -m1 "model name" /proc/cpuinfo; echo "cores: $(nproc)"
  "$py" -c "import moderngl; c = moderngl.create_standalone_context(backend='egl'); print('GL_RENDERER:', c.info['GL_RENDERER']); print('GL_VERSION:', c.info['GL_VERSION'])"
} > "$out/gl.txt" 2>&1
cat "$out/gl.txt"

step() {  # step NAME SECONDS COMMAND...: run with a time limit, log to $out/NAME.log, report the status
  local name=$1 limit=$2; shift 2
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "$name: exit $rc after $((SECONDS - start)) s (limit $limit s)" | tee -a "$out/steps.txt"
  tail -n 40 "$out/$name.log"
}

step benchmarks 330 "$py" -m benchmarks --quick --frames 60 --processes 1,2,4,8,16 --dataset-videos 32 \
  --pybullet-egl --out "$out/benchmarks-gpu.json"
step compute_vs_fragment 90 "$py" -m benchmarks.compute_vs_fragment --frames 30 \
  --out "$out/compute-vs-fragment-gpu.json"
step render_presets 90 "$py" -m benchmarks.render_presets --quick --frames 60 --no-pybullet \
  --out "$out/render-presets-gpu.json"
step tests 45 "$py" -m pytest -q -x -p no:cacheprovider tests/render/test_post_backends.py \
  tests/render/test_readback.py
cp "$out/tests.log" "$out/tests.txt" 2>/dev/null
