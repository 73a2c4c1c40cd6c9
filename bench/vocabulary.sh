#!/usr/bin/env bash
# bench/vocabulary.sh — how many distinct words the dev captions use, for
# scale beside the models': each of the five reference captions of the 1000
# dev photos taken alone (one caption a photo, as a model writes), the words
# most of a photo's references agree on, then each model's captions at beam
# widths 1 (greedy), 3 and 5 with their BLEU-4 and CIDEr-D (as gaze-cli eval
# prints them).  A second table says, at beam 3, how many of the words at
# least 3 of a photo's 5 references use its caption says, and how many of its
# words none of them uses (bench/vocabulary.py).
#   bench/vocabulary.sh MODEL.gzm...   (default: every model in resources/models;
#                                       BUILD: the build folder, default build)
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
bench_eval_setup "$@"
set -- "${models[@]}"
dev=$flickr/Flickr_8k.devImages.txt
tokens=$flickr/Flickr8k.token.txt
results=$(mktemp -d)
trap 'rm -rf "$photos" "$results"' EXIT
python=${PYTHON:-python3}

echo "| captions | distinct words | words a caption | BLEU-4 | CIDEr-D |"
echo "|---|---|---|---|---|"
"$python" bench/vocabulary.py "$tokens" "$dev" references
named=()
for model in "$@"; do
  name=$(basename "$model")
  for beam in 1 3 5; do
    read -r b4 cider _ _ _ words length < <("$build/app/gaze-cli" eval --model "$model" \
        --images "$flickr/images" --captions "$tokens" --split-file "$dev" --beam "$beam" \
        --out "$results/$name-$beam.json" 2>/dev/null | bench_eval_figures) ||
      { echo "$model: gaze-cli eval at beam $beam failed" >&2; exit 1; }
    echo "| $name, beam $beam | $words | $length | $b4 | $cider |"
  done
  named+=("$name, beam 3" "$results/$name-3.json")
done
echo
"$python" bench/vocabulary.py "$tokens" "$dev" agreement "${named[@]}"
