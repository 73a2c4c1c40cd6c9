#!/usr/bin/env bash
# bench/train-own-photos.sh — the README's "train on your own photos", end to
# end and timed: a folder of TRAIN + VAL photos with their captions in a
# Karpathy split file, `gaze-cli train --dataset` (feature cache, then
# training with dev evaluation and early stopping), then `gaze-cli caption`
# of the folder with the new model.  Flickr8k photos and captions stand in
# for your own (the JSON is written to a scratch folder, never kept).
#   bench/train-own-photos.sh [TRAIN [VAL]]    (defaults 200 and 50; BUILD: the build folder)
set -euo pipefail
source "$(dirname "$0")/common.sh"
n_train=${1:-200}
n_val=${2:-50}
bench_build app/gaze-cli
cli=$build/app/gaze-cli
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flickr=$shared/data/flickr8k

# "Your photos": a folder of .jpg files, and captions.json in the Karpathy form.
mkdir "$tmp/photos"
head -n $((n_train + n_val)) "$flickr/Flickr_8k.trainImages.txt" >"$tmp/names"
while read -r f; do ln -s "$flickr/images/$f" "$tmp/photos/$f"; done <"$tmp/names"
python3 - "$flickr/Flickr8k.token.txt" "$tmp/names" "$n_train" >"$tmp/captions.json" <<'PY'
import json, sys
names = [l.strip() for l in open(sys.argv[2]) if l.strip()]
wanted = set(names)
caps = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if "\t" not in line:
        continue
    key, text = line.rstrip("\n").split("\t", 1)
    name = key.rsplit("#", 1)[0]
    if name in wanted:
        caps.setdefault(name, []).append({"raw": text})
n_train = int(sys.argv[3])
images = [{"filename": n, "split": "train" if i < n_train else "val", "sentences": caps[n]}
          for i, n in enumerate(names)]
json.dump({"images": images}, sys.stdout)
PY
echo "train on your own photos: $n_train + $n_val photos; $(bench_cpu_name), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); $("$cli" --version | sed -n 2p)"
t0=$(date +%s.%N)
"$cli" train --dataset "$tmp/captions.json" --images "$tmp/photos" --cache "$tmp/features.bin" \
  --out "$tmp/mine.gzm" >"$tmp/train.out" 2>"$tmp/train.err"
t1=$(date +%s.%N)
"$cli" caption --model "$tmp/mine.gzm" "$tmp/photos" --out "$tmp/results.json" >/dev/null 2>"$tmp/caption.err"
t2=$(date +%s.%N)
grep -E '^(dataset|train|dev|skipped)' "$tmp/train.out"
grep -E '^epoch' "$tmp/train.out" | tail -2
build_s=$(sed -n 's/.*encoding photos.*done in \([0-9.ms]*\).*/\1/p' "$tmp/train.err" | tail -1)
printf 'train (feature cache %s, then %s epochs): %.0f s\n' "${build_s:-?}" \
  "$(grep -c '^epoch [0-9]*:' "$tmp/train.out")" "$(echo "$t1 - $t0" | bc)"
printf 'caption the %d photos with the new model: %.0f s\n' $((n_train + n_val)) "$(echo "$t2 - $t1" | bc)"
printf 'total: %.0f s, load %s\n' "$(echo "$t2 - $t0" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
grep -m2 '"caption"' "$tmp/results.json" | cut -c1-160
