#!/usr/bin/env bash
# bench/model-card.sh — the model card's scores: each model on the Flickr8k dev
# split at beams 1, 3 and 5 (gaze-cli eval), as Markdown table rows, with the
# attention liveness figures (mean peak α per word, mean change between words).
#   bench/model-card.sh [MODEL.gzm...]   (default: every model in resources/models;
#                                          BUILD: the build folder, default build)
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
flickr=$shared/data/flickr8k
bench_build app/gaze-cli
[ $# -gt 0 ] || set -- resources/models/*.gzm
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "| model | beam | BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | CIDEr-D | ROUGE-L | mean peak α | mean α change |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for model in "$@"; do
  for beam in 1 3 5; do
    log=$("$build/app/gaze-cli" eval --model "$model" --images "$flickr/images" \
          --captions "$flickr/Flickr8k.token.txt" --split-file "$flickr/Flickr_8k.devImages.txt" \
          --beam "$beam" --out "$out" --force 2>&1) || { echo "$log" >&2; exit 1; }
    echo "$log" | awk -v m="$(basename "$model")" -v b="$beam" '
      /^BLEU-1/ { b1 = $2; b2 = $4; b3 = $6; b4 = $8 }
      /^CIDEr-D/ { c = $2; r = $4 }
      /^attention:/ { p = $5; d = $(NF - 3); sub(/,$/, "", d) }
      END { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", m, b, b1, b2, b3, b4, c, r, p, d }'
  done
done
