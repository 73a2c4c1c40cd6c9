#!/usr/bin/env bash
# bench/caption.sh — the whole path per photo, as a user meets it, on the 12
# photos of ../shared/data/photos with the shipped MobileNetV2 soft model:
# reading and decoding the file, resizing it to 224², encoding it, and
# decoding the caption at beam 3 (bench-caption); at 1 and 2 threads
# (OPENBLAS_NUM_THREADS, and the encoder's own threads, the same number).
#   bench/caption.sh [RUNS]     (BUILD: the build folder, default build; MODEL: a .gzm)
set -euo pipefail
source "$(dirname "$0")/common.sh"
runs=${1:-5}
model=${MODEL:-resources/models/gaze-mobilenet_v2-soft.gzm}
encoder=$shared/models/mobilenet_v2_1.0_224_quant.tflite
bench_build bench/bench-caption
echo "caption path per photo, 12 photos × $runs runs, $(nproc) cores ($(bench_cpu_name)), OpenBLAS ${OPENBLAS_CORETYPE:-detected} kernels, load $(cut -d' ' -f1 /proc/loadavg)"
for threads in 1 2; do
  printf '%s thread(s): ' "$threads"
  OPENBLAS_NUM_THREADS=$threads "$build/bench/bench-caption" "$model" "$encoder" 3 "$runs" \
    --threads "$threads" "$shared"/data/photos/*.jpg
done
