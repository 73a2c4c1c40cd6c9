#!/usr/bin/env bash
# bench/feature-cache.sh — how fast `gaze-cli features` encodes photos into
# the feature cache, with 1 and 2 worker threads (each worker decodes and
# encodes other photos; the encoder itself also uses OpenBLAS's threads), and
# with OpenBLAS limited to one thread a worker.  Builds a throw-away cache of
# the first N Flickr8k photos REPEAT times a setting and prints the median
# photos/s, so that the default (2 workers) can be checked on this machine.
#   bench/feature-cache.sh [N] [REPEAT]     (BUILD: the build folder, default build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
n=${1:-200}
repeat=${2:-3}
encoder=$shared/models/mobilenet_v2_1.0_224_quant.tflite
bench_build app/gaze-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/images"
ls "$shared/data/flickr8k/images" | sed -n "1,${n}p" | while read -r f; do
  ln -s "$shared/data/flickr8k/images/$f" "$tmp/images/$f"
done
cat "$tmp"/images/* > /dev/null # read the photos once, so the disk is out of the timing

echo "feature cache of $n photos, MobileNetV2, median of $repeat builds ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-8s %-20s %10s\n' workers openblas_threads photos/s
for setting in "1 2" "2 2" "1 1" "2 1"; do
  read -r workers blas <<< "$setting"
  rates=()
  for _ in $(seq "$repeat"); do
    rate=$(OPENBLAS_NUM_THREADS=$blas "$build/app/gaze-cli" features --encoder "$encoder" \
             --images "$tmp/images" --cache "$tmp/cache.bin" --rebuild --workers "$workers" 2>/dev/null \
           | sed -n 's/.*(\([0-9.]*\) photos\/s).*/\1/p')
    rates+=("$rate")
  done
  printf '%-8s %-20s %10s\n' "$workers" "$blas" "$(printf '%s\n' "${rates[@]}" | median)"
done
