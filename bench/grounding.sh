#!/usr/bin/env bash
# bench/grounding.sh — does each model's α lie where the photo's evidence is?
# As Markdown table rows, for the Flickr8k dev split at beam 3 and for the 12
# full-size photos of ../shared/data/photos: the mean α mass on each word's
# 3 cells of most occlusion evidence (greying them in the photo lowers the
# word's log p most), the same for the words' mean map (a fixed map: what a
# bias towards some place earns without looking), and how often the cell of
# largest α is one of the 3.  Uniform attention puts 3/49 = 0.061 on them,
# and a cell drawn at random is one of them as often.  Every figure is what
# gaze-cli eval --grounding prints; it encodes each photo 50 times, so the
# dev split takes minutes a model.
#   bench/grounding.sh MODEL.gzm...   (default: every model in resources/models;
#                                      BUILD: the build folder, default build)
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_eval_setup "$@"
set -- "${models[@]}"

# The figures of one gaze-cli eval --grounding run: mass, mean map's mass, hit rate, words.
figures() {
  "$build/app/gaze-cli" eval --grounding --model "$1" --images "$2" \
      --captions "$flickr/Flickr8k.token.txt" --split-file "$3" --beam 3 2>/dev/null | awk '
    /^grounding:/ { m = $4; mm = $18; sub(/,$/, "", mm); h = $27; w = $30 }
    END { if (m == "") exit 1; print m, mm, h, w }'
}

echo "| model | dev α mass on the evidence | dev mean map's | dev α peak on it | dev words | photos α mass | photos mean map's | photos α peak on it | photos words |"
echo "|---|---|---|---|---|---|---|---|---|"
for model in "$@"; do
  read -r mass mean hit words < <(figures "$model" "$flickr/images" \
      "$flickr/Flickr_8k.devImages.txt") || { echo "$model: gaze-cli eval failed" >&2; exit 1; }
  read -r pmass pmean phit pwords < <(figures "$model" "$shared/data/photos" "$photos") \
      || { echo "$model: gaze-cli eval on the photos failed" >&2; exit 1; }
  echo "| $(basename "$model") | $mass | $mean | $hit | $words | $pmass | $pmean | $phit | $pwords |"
done
