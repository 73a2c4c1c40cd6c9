#!/usr/bin/env bash
# bench/steer.sh — "what would it say if it looked here?", measured as Sadler et
# al. (INLG 2019) did: for each photo of bench/steer-regions.txt, the caption is
# decoded again with the attention confined to a rectangle around one object
# (gaze-cli caption --look X0,Y0,X1,Y1: every word, from word 1 on, beam 3), and
# the steered caption counts when it contains one of the words that name the
# object.  Prints one line a photo, then the rate (and how many of the original
# captions already named the object); then bench-steer's timings of a steered
# re-decode, an evidence map and an occlusion map.
#   bench/steer.sh [MODEL.gzm]   (default: the shipped soft model; BUILD as in common.sh)
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_build app/gaze-cli bench/bench-steer
model=${1:-resources/models/gaze-mobilenet_v2-soft.gzm}
hits=0 before=0 n=0
while read -r photo rect words _; do
  case $photo in '#'* | '') continue ;; esac
  read -r original steered < <("$build/app/gaze-cli" caption --model "$model" --json \
      --look "$rect" "$shared/data/photos/$photo" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["caption"].replace(" ", "_"), d["steered"]["caption"].replace(" ", "_"))')
  names() { tr '_' '\n' <<<"$1" | grep -qxE "$words"; }
  hit=no was=no
  names "$steered" && hit=yes && hits=$((hits + 1))
  names "$original" && was=yes && before=$((before + 1))
  n=$((n + 1))
  echo "$photo ($words): ${original//_/ } -> ${steered//_/ }  [named: $hit; before: $was]"
done < bench/steer-regions.txt
echo "steered captions naming the object: $hits of $n ($((100 * hits / n)) %); original captions: $before of $n"
"$build/bench/bench-steer" "$model" "$shared"
