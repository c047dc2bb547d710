#!/bin/bash
# The speed figures of issue #8 on the GPU test machine (../shared/device/README.md), in one run.
#
# On the development machine, from the repository root:
#     bash ../shared/device/prepare.sh pypng==0.20220715.0 tqdm==4.70.1 zlib-ng==1.1.0
# then on the GPU machine (the device tool's `run`, carrying .devkit, timeout_s 600):
#     source .devkit/setup.sh; bash scripts/device_benchmarks.sh
#
# Writes under $OUT (default /tmp/phav-device), each JSON rewritten after every case so that a step
# stopped by its time limit keeps what it measured (its "complete", "not_reached" and "interrupted"
# fields say how far it got):
#   gl.txt                        GL renderer and version, GPU, CPU, Python, package versions
#   benchmarks-render.json        render only per preset (preview, phav, high: img and every target
#                                 read back, per-pass GPU times; phav also on the Urban, the world
#                                 with the most parts to draw), PyBullet's TinyRenderer (the ratios),
#                                 render_parallel_N (N processes rendering at once)
#   benchmarks-dataset.json       dataset_Nw: run_dataset end to end, every modality written, on N
#                                 workers (frames/s, CPU ms per frame over every process and split by
#                                 stage, the GL renderer each worker wrote into params.json);
#                                 dataset_cpu_Nw needs Mesa's no-op driver and says it skipped
#   compute-vs-fragment-gpu.json  the post chain as fragment vs compute shaders
#   render-presets-gpu.json       asynchronous vs synchronous read-back, fused vs separate ground truth,
#                                 each preset with one costly part off at a time (ablation_*)
#   raster-probe.json             GPU time of the clears and fills a frame is made of, alone, and a
#                                 fragment vs a compute fill (benchmarks.raster_probe)
#   draw-probe-phav.json          the geometry passes split into clears, rigid and skinned draws
#                                 (benchmarks.draw_probe)
#   benchmarks-rest.json          physics, simulate, write, end to end, scaling with size and people
#   benchmarks-pybullet-egl.json  PyBullet's EGL renderer plugin on the same take (last, on its own:
#                                 native code next to our GL context, never tried there)
#   tests.txt                     the tests of the compute paths and read-back on the GPU
#   steps.txt, <step>.log         each step's exit status, time and output
# Steps run most important first (render, then the GPU tests, then dataset generation; PyBullet's
# EGL plugin last), each under its own time limit (a slow step leaves the others their time): the
# limits add up to 445 s, plus at most 10 s each to kill a step that ignores SIGTERM (10 steps) and
# 2 x 20 s for the probes, 585 s at worst, so with setup.sh the call stays inside one 600 s command
# and leaves device time to rerun. Measured on an H200 machine (2026-11-27, 11:09 UTC): 146 s in all
# (render 45 s, tests 6, dataset 58, compute_vs_fragment 4, render_presets 8, raster 1, rest 18,
# pybullet_egl 4), plus about 10 s for setup.sh and 30 s to start.
#
# PHAV_DEVICE_SMOKE=1 runs every step with tiny work (a few frames, 1-2 processes, 170x128), to
# check the script end to end on the development machine in a few minutes.
set -uo pipefail
out=${OUT:-/tmp/phav-device}
mkdir -p "$out"
py=${PYTHON:-python3}
: > "$out/steps.txt"

if [ "${PHAV_DEVICE_SMOKE:-0}" = 1 ]; then
  echo "SMOKE RUN: tiny work, figures meaningless" | tee "$out/SMOKE"
  procs=1,2; size=170x128
  render_args=(--frames 6 --repeats 1)
  dataset_args=(--frames 6 --dataset-videos 2 --videos-per-worker 1)
  rest_args=(--quick --frames 6 --repeats 1 --scaling-frames 2)
  cvf_args=(--sizes 170x128 --frames 4 --repeats 1)
  presets_args=(--quick --frames 4 --repeats 1 --qualities preview)
else
  procs=1,2,4,8,16; size=340x256
  render_args=(--frames 120 --repeats 3)
  dataset_args=(--frames 60 --dataset-videos 6 --videos-per-worker 6)
  rest_args=(--quick --frames 60 --repeats 3 --scaling-frames 10)
  cvf_args=(--sizes 340x256,680x512 --frames 30 --repeats 3)
  presets_args=(--quick --frames 60 --repeats 3)
fi

{
  date -u +%FT%TZ
  nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found"
  grep -m1 "model name" /proc/cpuinfo; echo "cores: $(nproc)"
  "$py" --version
  echo "PYTHONPATH=${PYTHONPATH:-}"; echo "__EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-}"
  # the context phav itself makes (4.3 where the driver has it, for the compute-shader passes)
  timeout 20 "$py" -c "from phav.render.context import gl_info; i = gl_info(); print('GL_RENDERER:', i.renderer); print('GL_VERSION:', i.version, '(compute shaders)' if i.has_compute else '(no compute shaders)')"
  # everything the steps import, so that a missing package shows here first
  timeout 20 "$py" -c "
import numpy, scipy, PIL, click, png, tqdm, glfw, moderngl, pybullet, pybullet_data, os
import phav, phav.dataset, phav.pipeline, benchmarks.__main__, benchmarks.dataset_ceiling, benchmarks.render_presets, benchmarks.compute_vs_fragment
assert os.path.isfile(os.path.join(pybullet_data.getDataPath(), 'humanoid', 'humanoid.urdf'))
print('imports ok: numpy', numpy.__version__, 'moderngl', moderngl.__version__, 'phav from', os.path.dirname(phav.__file__))"
} > "$out/gl.txt" 2>&1
cat "$out/gl.txt"

step() {  # step NAME SECONDS COMMAND...: run with a time limit, log to $out/NAME.log, report the status
  local name=$1 limit=$2; shift 2
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "$name: exit $rc after $((SECONDS - start)) s (limit $limit s)" | tee -a "$out/steps.txt"
  tail -n 30 "$out/$name.log"
}

bench=("$py" -m benchmarks --size "$size" --processes "$procs")
step render 95 "${bench[@]}" "${render_args[@]}" \
  --only 'presets_*,pybullet_tiny,render_parallel_*' --out "$out/benchmarks-render.json"
# One pytest process: the devkit has no pytest-xdist, and -o addopts replaces pyproject's -n.
step tests 40 "$py" -m pytest -q -x -p no:cacheprovider -p no:xdist -o addopts=-ra tests/render/test_post_backends.py \
  tests/render/test_readback.py tests/render/test_packed_rgb.py tests/render/test_flow_validity_gpu.py tests/render/test_skinning_compute.py \
  tests/render/test_sky_ground_truth_compute.py tests/render/test_gbuffer_clear.py tests/render/test_shadow_clears.py \
  tests/render/test_view_cull.py tests/render/test_half_store.py tests/render/test_frame_window.py
step dataset 110 "${bench[@]}" "${dataset_args[@]}" --only 'dataset_*' --out "$out/benchmarks-dataset.json"
step compute_vs_fragment 30 "$py" -m benchmarks.compute_vs_fragment "${cvf_args[@]}" \
  --out "$out/compute-vs-fragment-gpu.json"
step render_presets 45 "$py" -m benchmarks.render_presets "${presets_args[@]}" --size "$size" --comparisons-only \
  --no-pybullet --out "$out/render-presets-gpu.json"
step raster 20 "$py" -m benchmarks.raster_probe --out "$out/raster-probe.json"
step draws 15 "$py" -m benchmarks.draw_probe --quality phav --out "$out/draw-probe-phav.json"
step rest 65 "${bench[@]}" "${rest_args[@]}" \
  --skip 'presets_*,pybullet_tiny,render_parallel_*,dataset_*' --out "$out/benchmarks-rest.json"
# Last and alone: PyBullet's native EGL plugin, loaded into a process that also holds our GL context,
# never tried on this machine; were it to crash or hang, every other figure is already written.
step pybullet_egl 25 "${bench[@]}" "${render_args[@]}" --pybullet-egl --only pybullet_egl \
  --out "$out/benchmarks-pybullet-egl.json"
cp "$out/tests.log" "$out/tests.txt" 2>/dev/null
echo "total: $SECONDS s" | tee -a "$out/steps.txt"
