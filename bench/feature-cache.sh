#!/usr/bin/env bash
# bench/feature-cache.sh — how fast `gaze-cli features` encodes photos into
# the feature cache, with 1 and 2 worker threads (each worker decodes and
# encodes other photos; the encoder splits a pass over as many threads as
# OpenBLAS is set to use, and a pass that finds them busy with the other
# worker's runs in its worker alone), and with one thread an encoder pass.
# Builds a throw-away cache of the first N Flickr8k photos REPEAT times a
# setting and prints the median photos/s, so that the default (2 workers)
# can be checked on this machine.  With `all`, one build of the whole of
# Flickr8k's photos (7091) with gaze-cli's defaults, as `gaze-cli train`'s
# first run makes it, and its photos/s.
#   bench/feature-cache.sh [N] [REPEAT]     (BUILD: the build folder, default build)
#   bench/feature-cache.sh all
set -euo pipefail
source "$(dirname "$0")/common.sh"
n=${1:-200}
repeat=${2:-3}
encoder=$shared/models/mobilenet_v2_1.0_224_quant.tflite
bench_build app/gaze-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$n" = all ]; then
  images=$shared/data/flickr8k/images
  count=$(find "$images" -maxdepth 1 -type f | wc -l)
  cat "$images"/* > /dev/null # read the photos once, so the disk is out of the timing
  echo "feature cache of all $count Flickr8k photos, MobileNetV2, gaze-cli's defaults ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  start=$(date +%s.%N)
  "$build/app/gaze-cli" features --encoder "$encoder" --images "$images" --cache "$tmp/cache.bin" \
    --rebuild > "$tmp/out" 2>/dev/null
  end=$(date +%s.%N)
  grep -E 'photos/s' "$tmp/out" | sed 's/^ */  gaze-cli: /'
  awk -v n="$count" -v a="$start" -v b="$end" 'BEGIN { printf "  wall clock: %.1f s, %.1f photos/s\n", b - a, n / (b - a) }'
  exit 0
fi
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
