#!/usr/bin/env bash
# bench/attention.sh — the readable-attention figures of each model, as
# Markdown table rows: on the Flickr8k dev split at beam 3, BLEU-4, CIDEr-D,
# the liveness figures (mean peak α, mean α change between consecutive words),
# faithfulness and the distinct words of the captions; then the same liveness
# and faithfulness on the 12 full-size photos of ../shared/data/photos (dev
# photos, encoded from their files).  Every figure is what gaze-cli eval prints.
#   bench/attention.sh MODEL.gzm...   (default: every model in resources/models;
#                                      BUILD: the build folder, default build)
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_eval_setup "$@"
set -- "${models[@]}"

# The figures of one gaze-cli eval run: BLEU-4 CIDEr-D peak change faithfulness words length.
figures() {
  "$build/app/gaze-cli" eval --model "$1" --images "$2" --captions "$flickr/Flickr8k.token.txt" \
      --split-file "$3" --beam 3 2>/dev/null | bench_eval_figures
}

echo "| model | dev BLEU-4 | dev CIDEr-D | dev peak α | dev α change | dev faithfulness | dev words | photos peak α | photos α change | photos faithfulness |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for model in "$@"; do
  read -r b4 cider peak change faith words _ < <(figures "$model" "$flickr/images" \
      "$flickr/Flickr_8k.devImages.txt") || { echo "$model: gaze-cli eval failed" >&2; exit 1; }
  read -r _ _ ppeak pchange pfaith _ < <(figures "$model" "$shared/data/photos" "$photos") \
      || { echo "$model: gaze-cli eval on the photos failed" >&2; exit 1; }
  echo "| $(basename "$model") | $b4 | $cider | $peak | $change | $faith | $words | $ppeak | $pchange | $pfaith |"
done
