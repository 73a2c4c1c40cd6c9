#!/usr/bin/env bash
# bench/vocabulary.sh — how many distinct words the dev captions use, for
# scale beside the models': first each of the five reference captions of the
# 1000 dev photos taken alone (one caption a photo, as a model writes), with
# the captions normalised as gaze_text_normalize() does for ASCII text
# (lowercased, punctuation deleted); then each model's captions at beam
# widths 1 (greedy), 3 and 5, with their BLEU-4 and CIDEr-D, as gaze-cli eval
# prints them.
#   bench/vocabulary.sh MODEL.gzm...   (default: every model in resources/models;
#                                       BUILD: the build folder, default build)
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_eval_setup "$@"
set -- "${models[@]}"
dev=$flickr/Flickr_8k.devImages.txt

echo "| captions | distinct words | words a caption | BLEU-4 | CIDEr-D |"
echo "|---|---|---|---|---|"
for k in 0 1 2 3 4; do
  awk -v k="$k" 'NR == FNR { dev[$1] = 1; next }
    { split($1, id, "#") } (id[1] in dev) && id[2] == k { $1 = ""; print tolower($0) }' \
      "$dev" "$flickr/Flickr8k.token.txt" | tr -d '[:punct:]' |
    awk '{ n += NF; for (i = 1; i <= NF; i++) seen[$i] = 1 }
      END { printf "| reference %d of each dev photo | %d | %.1f | — | — |\n", '"$k"' + 1, length(seen), n / NR }'
done
for model in "$@"; do
  for beam in 1 3 5; do
    "$build/app/gaze-cli" eval --model "$model" --images "$flickr/images" \
        --captions "$flickr/Flickr8k.token.txt" --split-file "$dev" --beam "$beam" 2>/dev/null |
      awk -v name="$(basename "$model"), beam $beam" '
        /^BLEU-1/ { b4 = $8 }
        /^CIDEr-D/ { c = $2 }
        /^vocabulary:/ { v = $2; w = $(NF - 3) }
        END { if (b4 == "") exit 1; printf "| %s | %s | %s | %s | %s |\n", name, v, w, b4, c }' ||
      { echo "$model: gaze-cli eval at beam $beam failed" >&2; exit 1; }
  done
done
