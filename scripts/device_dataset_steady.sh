#!/bin/bash
# Dataset generation at a steady state on the GPU test machine: 16 workers making 12 videos each
# (192 videos, every class, each as long as its action needs, every modality written), three times,
# so that the pool's start-up weighs on the figure about as little as in a long run. Run as
# scripts/device_benchmarks.sh is (source .devkit/setup.sh first); writes dataset-16w-<run>.json
# under $OUT. About 50 s a run on an H200 machine.
set -uo pipefail
out=${OUT:-/tmp/phav-steady}; mkdir -p "$out"; py=${PYTHON:-python3}
workers=${WORKERS:-16}; per_worker=${VIDEOS_PER_WORKER:-12}; frames=${FRAMES:-60}
for run in 1 2 3; do
  start=$SECONDS
  timeout --kill-after=5 70 "$py" -m benchmarks --size 340x256 --processes "$workers" --frames "$frames" \
    --dataset-videos $((workers * per_worker)) --videos-per-worker "$per_worker" --only "dataset_${workers}w" \
    --out "$out/dataset-${workers}w-$run.json" > "$out/run-$run.log" 2>&1
  echo "run $run: exit $? after $((SECONDS - start)) s: $(grep -E "^\[" "$out/run-$run.log" | tail -1)" | tee -a "$out/steps.txt"
done
