#!/usr/bin/env bash
# test-cli-dataset — gaze-cli train --dataset, end to end on the hand-made
# files of tests/datasets and real photos: a Karpathy split file and COCO
# captions (with --dev-dataset) each train a model, the format is reported,
# --init with --attention turns a soft model into a hard one's starting point,
# which trains self-critically with the references mixed in, --mirror trains
# on the photos mirrored too,
# a missing photo and a caption with no word in the vocabulary are skipped
# and counted, broken files fail with one line naming the file, and so do
# training options that do not go together.
#   test-cli-dataset.sh PATH/TO/gaze-cli     (GAZE_SHARED_DIR, GAZE_SOURCE_DIR set by meson)
set -uo pipefail
cli=$1
shared=${GAZE_SHARED_DIR:?}
datasets=${GAZE_SOURCE_DIR:?}/tests/datasets
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
[ -f "$GAZE_ENCODER" ] && [ -d "$shared/data/flickr8k/images" ] || { echo "SKIP: no shared data"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

mkdir "$tmp/images"
for p in 2090545563_a4e66ec76b 3393035454_2d2370ffd4 3695064885_a6922f06b2 1679557684_50a206e4a9 \
         3582685410_05315a15b8 1579798212_d30844b4c5 1000268201_693b08cb0e; do
  ln -s "$shared/data/flickr8k/images/$p.jpg" "$tmp/images/"
done
train=("$cli" train --images "$tmp/images" --cache "$tmp/features.bin" --embed 8 --hidden 16
       --attn 8 --batch 4 --epochs 1 --eval-beam 1)

"${train[@]}" --dataset "$datasets/karpathy.json" --out "$tmp/k.gzm" >"$tmp/out" 2>"$tmp/err" \
  || fail "Karpathy: $(cat "$tmp/err")"
grep -qF "dataset: $datasets/karpathy.json is a Karpathy split JSON file" "$tmp/out" \
  || fail "Karpathy: format not reported: $(cat "$tmp/out")"
grep -q "^train: 4 photos from .*; 1 skipped, not in" "$tmp/out" || fail "Karpathy: train: $(cat "$tmp/out")"
grep -q "^dev: 2 photos" "$tmp/out" || fail "Karpathy: dev: $(cat "$tmp/out")"
grep -qF 'skipped 1 training captions with no word in the vocabulary (seen at least 5 times), first 3695064885_a6922f06b2: "two children play in the water"' \
  "$tmp/out" || fail "Karpathy: unknown-word caption not reported: $(cat "$tmp/out")"
[ -s "$tmp/k.gzm" ] || fail "Karpathy: no model written"
"$cli" info "$tmp/k.gzm" | grep -q -- "--dataset" || fail "Karpathy: the command is not recorded"

"${train[@]}" --dataset "$datasets/coco-train.json" --dev-dataset "$datasets/coco-val.json" \
  --out "$tmp/c.gzm" >"$tmp/out" 2>"$tmp/err" || fail "COCO: $(cat "$tmp/err")"
grep -q "is a COCO captions JSON file" "$tmp/out" || fail "COCO: format not reported: $(cat "$tmp/out")"
grep -q "^train: 3 photos .*; 1 skipped" "$tmp/out" || fail "COCO: train: $(cat "$tmp/out")"
[ -s "$tmp/c.gzm" ] || fail "COCO: no model written"

# A soft model starts a hard one when --attention says so; without it, --init keeps its kind.
"${train[@]}" --dataset "$datasets/karpathy.json" --init "$tmp/k.gzm" --attention hard \
  --out "$tmp/h.gzm" >"$tmp/out" 2>"$tmp/err" || fail "soft to hard: $(cat "$tmp/err")"
"$cli" info "$tmp/h.gzm" | grep -q "^  attention *hard" || fail "soft to hard: $("$cli" info "$tmp/h.gzm")"
"${train[@]}" --dataset "$datasets/karpathy.json" --init "$tmp/h.gzm" \
  --out "$tmp/h2.gzm" >"$tmp/out" 2>"$tmp/err" || fail "hard kept: $(cat "$tmp/err")"
"$cli" info "$tmp/h2.gzm" | grep -q "^  attention *hard" || fail "hard kept: $("$cli" info "$tmp/h2.gzm")"

# A hard model trains self-critically with the references mixed in and the
# self-retrieval reward, and records both.
"${train[@]}" --dataset "$datasets/karpathy.json" --init "$tmp/h.gzm" --scst --samples 2 \
  --mix 0.5 --retrieval 0.2 --out "$tmp/hm.gzm" >"$tmp/out" 2>"$tmp/err" \
  || fail "hard mixed: $(cat "$tmp/err")"
"$cli" info "$tmp/hm.gzm" | grep -q "scst_mix=0.5 .*scst_retrieval=0.2" \
  || fail "hard mixed: $("$cli" info "$tmp/hm.gzm")"

# --mirror encodes the photos mirrored into a cache beside --cache, once,
# trains on them, and records it.
"${train[@]}" --dataset "$datasets/karpathy.json" --init "$tmp/k.gzm" --scst --samples 2 \
  --mirror --out "$tmp/m.gzm" >"$tmp/out" 2>"$tmp/err" || fail "mirror: $(cat "$tmp/err")"
grep -qF "mirrored features $tmp/features-mirrored.bin" "$tmp/out" \
  || fail "mirror: cache not reported: $(cat "$tmp/out")"
[ -s "$tmp/features-mirrored.bin" ] || fail "mirror: no mirrored cache"
"$cli" info "$tmp/m.gzm" | grep -q "augment=mirror" || fail "mirror: $("$cli" info "$tmp/m.gzm")"
before=$(stat -c %i "$tmp/features-mirrored.bin")
"${train[@]}" --dataset "$datasets/karpathy.json" --mirror --out "$tmp/m2.gzm" >"$tmp/out" \
  2>"$tmp/err" || fail "mirror again: $(cat "$tmp/err")"
[ "$(stat -c %i "$tmp/features-mirrored.bin")" = "$before" ] || fail "mirror again: cache rewritten"

# One line each, naming the file.
expect_error() {
  local what=$1 part=$2; shift 2
  "${train[@]}" --out "$tmp/x.gzm" "$@" >"$tmp/out" 2>"$tmp/err" && fail "$what: accepted"
  [ "$(grep -c . "$tmp/err")" -eq 1 ] || fail "$what: not one line: $(cat "$tmp/err")"
  grep -qF -- "$part" "$tmp/err" || fail "$what: '$part' not in: $(cat "$tmp/err")"
  [ -e "$tmp/x.gzm" ] && fail "$what: a model was written"
}
expect_error "missing field" "karpathy-no-sentences.json: images[1] (3393035454_2d2370ffd4.jpg) has no \"sentences\" array" \
  --dataset "$datasets/karpathy-no-sentences.json"
expect_error "empty split" "karpathy-no-val.json: no photos in split \"val\"" \
  --dataset "$datasets/karpathy-no-val.json"
expect_error "no known word" "karpathy-unknown-words.json: no training caption has a word seen at least 5 times" \
  --dataset "$datasets/karpathy-unknown-words.json"
expect_error "COCO without dev" "coco-train.json: a COCO captions file holds one split; give the dev photos' file with --dev-dataset" \
  --dataset "$datasets/coco-train.json"
expect_error "unknown image" "coco-unknown-image.json: annotations[1]: image_id 2 is not in \"images\"" \
  --dataset "$datasets/coco-unknown-image.json"
expect_error "both layouts" "--dataset replaces --captions" \
  --dataset "$datasets/karpathy.json" --captions "$datasets/karpathy.json"

# Training options that do not go together, or out of range.
expect_error "mix without scst" "--mix weighs the references in self-critical training: add --scst" \
  --dataset "$datasets/karpathy.json" --mix 0.5
expect_error "retrieval without scst" "--retrieval rewards self-critical samples: add --scst" \
  --dataset "$datasets/karpathy.json" --retrieval 0.2
expect_error "retrieval, one photo a batch" "the batch needs two photos" \
  --dataset "$datasets/karpathy.json" --init "$tmp/k.gzm" --scst --samples 4 --retrieval 0.2
expect_error "label smoothing 1" "an option is out of range" \
  --dataset "$datasets/karpathy.json" --label-smoothing 1
expect_error "annotation dropout 1" "an option is out of range" \
  --dataset "$datasets/karpathy.json" --annotation-dropout 1
expect_error "scheduled sampling with scst" "--scheduled-sampling is for maximum-likelihood training, not --scst" \
  --dataset "$datasets/karpathy.json" --init "$tmp/k.gzm" --scst --scheduled-sampling 0.2
expect_error "scheduled sampling above 1" "an option is out of range" \
  --dataset "$datasets/karpathy.json" --scheduled-sampling 1.5
expect_error "channels without dropout" "--annotation-dropout-channels needs --annotation-dropout P" \
  --dataset "$datasets/karpathy.json" --annotation-dropout-channels
expect_error "centred and standardised grids" "--centre-grid and --normalise-grid do not combine" \
  --dataset "$datasets/karpathy.json" --centre-grid --normalise-grid

[ $failures -eq 0 ] || exit 1
echo "ok"
