#!/bin/bash
# Dataset generation at a steady state on the GPU test machine: N workers making 12 videos each
# (every class, each as long as its action needs, every modality written), three times, so that the
# pool's start-up weighs on the figure about as little as in a long run. Run as
# scripts/device_benchmarks.sh is (source .devkit/setup.sh first); writes dataset-<N>w-<run>.json
# under $OUT. WORKERS is a space-separated list of worker counts (default 16): with several, every
# run goes through them in turn, so that their figures alternate and compare within one call
# (e.g. WORKERS="16 24": more workers than cores). About 40 s a run at 16 workers on an H200
# machine (2026-11-27, 11:12 UTC: three runs in 125 s).
# LIMIT overrides the seconds each run may take (on the development machine, for a smoke test:
# OUT=/tmp/steady WORKERS="1 2" VIDEOS_PER_WORKER=2 FRAMES=20 LIMIT=300 bash scripts/device_dataset_steady.sh).
set -uo pipefail
out=${OUT:-/tmp/phav-steady}; mkdir -p "$out"; py=${PYTHON:-python3}
per_worker=${VIDEOS_PER_WORKER:-12}; frames=${FRAMES:-60}
for run in 1 2 3; do
  for workers in ${WORKERS:-16}; do
    start=$SECONDS
    limit=${LIMIT:-$((20 + 3 * workers * per_worker / 12))}  # 68 s at 16 workers, 92 s at 24: 480 s for "16 24"
    timeout --kill-after=5 "$limit" "$py" -m benchmarks --size 340x256 --processes "$workers" --frames "$frames" \
      --dataset-videos $((workers * per_worker)) --videos-per-worker "$per_worker" --only "dataset_${workers}w" \
      --out "$out/dataset-${workers}w-$run.json" > "$out/run-${workers}w-$run.log" 2>&1
    echo "run $run, $workers workers: exit $? after $((SECONDS - start)) s: $(grep -E "^\[" "$out/run-${workers}w-$run.log" | tail -1)" | tee -a "$out/steps.txt"
  done
done
