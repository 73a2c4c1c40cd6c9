#!/usr/bin/env bash
# bench/feature-variance.sh — how much each encoder's 7×7 grid varies across a
# photo (bench/feature-variance.c), over the Flickr8k dev photos, from the
# feature caches that `gaze-cli features` (or training) built.
#   bench/feature-variance.sh        (BUILD: the build folder, default build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
bench_build bench/feature-variance app/gaze-cli
ids=$shared/data/flickr8k/Flickr_8k.devImages.txt
for encoder in mobilenet_v2_1.0_224_quant efficientnet_lite0_int8_feature_extractor; do
  sha=$(sha256sum "$shared/models/$encoder.tflite" | cut -c1-16)
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/gaze/features-$sha.bin
  if [ ! -f "$cache" ]; then
    echo "$encoder: no feature cache at $cache (gaze-cli features --encoder …)" >&2
    continue
  fi
  echo "$encoder"
  "$build/bench/feature-variance" "$cache" "$ids"
done
