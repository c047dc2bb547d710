#!/bin/bash
# Probe on the GPU test machine (run as scripts/device_benchmarks.sh is): does NVIDIA's spin-wait
# (__GL_YIELD; phav now sets USLEEP itself unless it is set) limit N processes rendering on one GPU, and what is
# the dataset rate once each worker makes more videos? Writes JSON under $OUT.
set -uo pipefail
out=${OUT:-/tmp/phav-probe}; mkdir -p "$out"; py=${PYTHON:-python3}
b=("$py" -m benchmarks --size 340x256)
run() { local name=$1 limit=$2; shift 2; local s=$SECONDS
  timeout --kill-after=5 "$limit" "$@" > "$out/$name.log" 2>&1; echo "$name: exit $? after $((SECONDS - s)) s" | tee -a "$out/steps.txt"
  grep -E "^\[" "$out/$name.log" | tail -8; }
__GL_YIELD=USLEEP run parallel_usleep 70 "${b[@]}" --processes 1,2,4,8,16 --frames 120 --repeats 3 \
  --only 'render_parallel_*' --out "$out/parallel-usleep.json"
__GL_YIELD=USLEEP run dataset16_usleep 60 "${b[@]}" --processes 16 --frames 60 --dataset-videos 96 \
  --videos-per-worker 6 --only 'dataset_16w' --out "$out/dataset16-usleep.json"
run dataset16_spin 60 "${b[@]}" --processes 16 --frames 60 --dataset-videos 96 \
  --videos-per-worker 6 --only 'dataset_16w' --out "$out/dataset16-spin.json"
__GL_YIELD=USLEEP run dataset8_usleep 45 "${b[@]}" --processes 8 --frames 60 --dataset-videos 48 \
  --videos-per-worker 6 --only 'dataset_8w' --out "$out/dataset8-usleep.json"
echo "total $SECONDS s" | tee -a "$out/steps.txt"
