#!/usr/bin/env bash
# bench/caption-folder.sh — how fast `gaze-cli caption DIR --out results.json`
# goes (encode, beam-3 decode, results), in photos/s, on the 12 full-size
# photos of ../shared/data/photos (median of REPEAT runs) and on the 1000
# Flickr8k dev photos (224×224, one run); then the memory soak: one process
# captioning SOAK photos (the first SOAK Flickr8k photos), its resident
# memory once warm and at the end (tests/test-cli-soak.sh).  The OpenBLAS
# kernels are those gaze-cli chooses; the load average is printed, since the
# machine may be shared.
#   bench/caption-folder.sh [REPEAT [SOAK]]    (defaults 3 and 2000; BUILD: the build folder)
set -euo pipefail
source "$(dirname "$0")/common.sh"
repeat=${1:-3}
soak=${2:-2000}
bench_build app/gaze-cli
cli=$build/app/gaze-cli
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
export GAZE_SHARED_DIR=$shared
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "gaze-cli caption DIR --out: $(bench_cpu_name), $(nproc) cores; $("$cli" --version | sed -n 2p)"
rate() { sed -n 's/^captioned .* photos in .* s (\([0-9.]*\) photos\/s).*/\1/p' "$1"; }
rates=()
cat "$shared"/data/photos/*.jpg >/dev/null
for _ in $(seq "$repeat"); do
  "$cli" caption "$shared/data/photos" --out "$tmp/r.json" --force >/dev/null 2>"$tmp/err"
  rates+=("$(rate "$tmp/err")")
done
echo "12 photos (full size): $(printf '%s\n' "${rates[@]}" | median) photos/s (median of $repeat: ${rates[*]}), load $(cut -d' ' -f1 /proc/loadavg)"

mkdir "$tmp/dev"
while read -r f; do
  [ -n "$f" ] && ln -s "$shared/data/flickr8k/images/$f" "$tmp/dev/$f"
done <"$shared/data/flickr8k/Flickr_8k.devImages.txt"
cat "$tmp"/dev/* >/dev/null
"$cli" caption "$tmp/dev" --out "$tmp/dev.json" >/dev/null 2>"$tmp/err"
echo "$(ls "$tmp/dev" | wc -l) dev photos (224×224): $(rate "$tmp/err") photos/s, load $(cut -d' ' -f1 /proc/loadavg)"

echo "soak: $soak photos in one process"
tests/test-cli-soak.sh "$cli" "$soak" 4096 "$shared/data/flickr8k/images"
echo "load $(cut -d' ' -f1 /proc/loadavg)"
