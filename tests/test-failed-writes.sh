#!/usr/bin/env bash
# test-failed-writes — every file gaze-cli writes, with the write failing
# partway: the feature cache, the model, the training checkpoint, an
# exported PNG and storyboard (one photo and --export-dir), and the results
# JSON (caption --out and eval --out).  The write fails because the file
# grows past `ulimit -f` (SIGXFSZ ignored, so write(2) returns EFBIG, as on a
# full disk).  Each failure must give one line on stderr naming the file, a
# non-zero exit, the older file of that name intact, and no half-written file
# beside it.  Last, a training run killed with SIGKILL in the middle of its
# second checkpoint (LD_PRELOAD kill-on-write.so) resumes from the first and
# ends exactly where an uninterrupted run does.
#   test-failed-writes.sh PATH/TO/gaze-cli PATH/TO/kill-on-write.so
set -uo pipefail
cli=$1
shim=$2
shared=${GAZE_SHARED_DIR:?}
flickr=$shared/data/flickr8k
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
[ -f "$GAZE_ENCODER" ] && [ -d "$flickr/images" ] || { echo "SKIP: no shared data"; exit 77; }
# Under LeakSanitizer: fontconfig's caches (Pango renders the exports) are not leaks.
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=${GAZE_SOURCE_DIR:?}/tests/lsan.supp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Runs gaze-cli with files limited to $1 KiB; its output (through a pipe,
# which the limit does not cover) in $tmp/err.
limited() {
  local kib=$1; shift
  ( ulimit -f "$kib"; trap '' XFSZ; exec "$cli" "$@" 2>&1 ) | cat >"$tmp/err"
}
# The checks after a failed write of $1, whose older content is in $1.before.
check_failed() {
  local file=$1 what=$2 status=$3
  [ "$status" -ne 0 ] || fail "$what: exit status 0 though the write failed"
  # One error line (the progress lines of long work aside), naming the file.
  [ "$(grep -c '^gaze-cli: ' "$tmp/err")" -eq 1 ] || fail "$what: not one error line: $(cat "$tmp/err")"
  grep '^gaze-cli: ' "$tmp/err" | grep -qF "$file: " \
    || fail "$what: the error does not name $file: $(cat "$tmp/err")"
  cmp -s "$file" "$file.before" || fail "$what: the older $file was changed"
  local dir base
  dir=$(dirname "$file"); base=$(basename "$file")
  local stray
  stray=$(ls -a "$dir" | grep -E "^\.?$base\..+|^\.goutputstream" | grep -v '\.before$')
  [ -z "$stray" ] || fail "$what: half-written files left: $stray"
}

photos=(2090545563_a4e66ec76b 3393035454_2d2370ffd4 3695064885_a6922f06b2
        1679557684_50a206e4a9 3582685410_05315a15b8 1579798212_d30844b4c5)
mkdir -p "$tmp/images"
for p in "${photos[@]}"; do ln -s "$flickr/images/$p.jpg" "$tmp/images/"; done
printf '%s.jpg\n' "${photos[@]:0:4}" >"$tmp/train.txt"
printf '%s.jpg\n' "${photos[@]:4:2}" >"$tmp/dev.txt"
data=(--images "$tmp/images" --captions "$flickr/Flickr8k.token.txt" --train-split "$tmp/train.txt"
      --dev-split "$tmp/dev.txt" --cache "$tmp/features.bin")

# The feature cache (6 grids of 250 KB): built whole, then rebuilt for a
# seventh photo past the limit.
"$cli" features --images "$tmp/images" --cache "$tmp/features.bin" >/dev/null 2>"$tmp/err" \
  || { fail "features: $(cat "$tmp/err")"; exit 1; }
cp "$tmp/features.bin" "$tmp/features.bin.before"
ln -s "$flickr/images/1000268201_693b08cb0e.jpg" "$tmp/images/"
limited 1024 features --images "$tmp/images" --cache "$tmp/features.bin"
check_failed "$tmp/features.bin" "feature cache" $?
rm "$tmp/images/1000268201_693b08cb0e.jpg" "$tmp/features.bin.before"

# The model (about 0.7 MB as fp16) and the checkpoint (float32 with Adam's
# moments, about 4 MB): each past the limit, over an older file.
train=("$cli" train "${data[@]}" --max-train 4 --max-dev 2 --embed 8 --hidden 16 --attn 8
       --batch 8 --eval-beam 1 --seed 3)
echo "an older model" >"$tmp/m.gzm"; cp "$tmp/m.gzm" "$tmp/m.gzm.before"
limited 200 "${train[@]:1}" --epochs 1 --out "$tmp/m.gzm" --force
check_failed "$tmp/m.gzm" "model save" $?
echo "an older checkpoint" >"$tmp/m.gzm.ckpt"; cp "$tmp/m.gzm.ckpt" "$tmp/m.gzm.ckpt.before"
rm "$tmp/m.gzm.before"
limited 2000 "${train[@]:1}" --epochs 1 --out "$tmp/m.gzm" --force
status=$?
cp "$tmp/m.gzm" "$tmp/m.gzm.before" 2>/dev/null # the model itself was written
check_failed "$tmp/m.gzm.ckpt" "checkpoint" $status
rm -f "$tmp/m.gzm.before" "$tmp/m.gzm.ckpt.before" "$tmp/m.gzm.ckpt"

# The shipped model captions the photos (a model of one tiny epoch writes no words).
model=${GAZE_SOURCE_DIR:?}/resources/models/gaze-mobilenet_v2-soft.gzm
[ -f "$model" ] || { echo "SKIP: no $model"; exit 77; }
photo=$flickr/images/${photos[0]}.jpg

# An exported PNG and a storyboard, over older files.
for kind in word storyboard; do
  extra=(); [ $kind = storyboard ] && extra=(--storyboard)
  echo "an older $kind" >"$tmp/$kind.png"; cp "$tmp/$kind.png" "$tmp/$kind.png.before"
  limited 16 caption --model "$model" "$photo" --export "$tmp/$kind.png" --force "${extra[@]}"
  check_failed "$tmp/$kind.png" "export ($kind)" $?
  rm "$tmp/$kind.png.before"
done
# One PNG per photo: the first export fails and the run stops there.
mkdir -p "$tmp/ex"
first=$tmp/ex/$(ls "$tmp/images" | head -1 | sed 's/\.jpg$/.png/')
echo "an older export" >"$first"; cp "$first" "$first.before"
limited 16 caption --model "$model" "$tmp/images" --export-dir "$tmp/ex" --force
check_failed "$first" "--export-dir" $?
rm -r "$tmp/ex"

# Results JSON, from caption --out (12 photos, about 2 KB: it fails past the
# first KiB) and eval --out (6 photos, under 1 KiB: no byte may be written).
for cmd in caption eval; do
  echo "older results" >"$tmp/$cmd.json"; cp "$tmp/$cmd.json" "$tmp/$cmd.json.before"
  if [ $cmd = caption ]; then
    limited 1 caption --model "$model" "$tmp/images" "$tmp/images" --out "$tmp/$cmd.json" --force
  else
    limited 0 eval --model "$model" --images "$tmp/images" --cache "$tmp/features.bin" \
      --captions "$flickr/Flickr8k.token.txt" --split-file "$tmp/train.txt" --out "$tmp/$cmd.json" --force
  fi
  status=$?
  check_failed "$tmp/$cmd.json" "$cmd --out" $status
  rm "$tmp/$cmd.json.before"
done

# SIGKILL in the middle of the second checkpoint: the first one stays, and
# --resume continues from it to the end an uninterrupted run reaches.
"${train[@]}" --epochs 2 --patience 5 --out "$tmp/straight.gzm" >"$tmp/straight.out" 2>"$tmp/err" \
  || fail "uninterrupted run: $(cat "$tmp/err")"
# (In a subshell whose stderr is dropped: the shell's own "Killed" notice.)
# Under AddressSanitizer the shim comes before its runtime in the link order: allowed here.
( ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 GAZE_KILL_ON_WRITE="$tmp/killed.gzm.ckpt." GAZE_KILL_SKIP=1 GAZE_KILL_AFTER=100000 \
  LD_PRELOAD=$shim "${train[@]}" --epochs 2 --patience 5 --out "$tmp/killed.gzm" \
  >"$tmp/killed.out" 2>"$tmp/err"; exit $? ) 2>/dev/null
status=$?
[ $status -eq 137 ] || fail "the run was not killed (status $status): $(cat "$tmp/err")"
grep -q "^epoch 1:" "$tmp/killed.out" && ! grep -q "^epoch 2:" "$tmp/killed.out" \
  || fail "killed run: $(cat "$tmp/killed.out")"
ls -a "$tmp" | grep -q '^killed.gzm.ckpt\..' || fail "the kill did not happen during the checkpoint write"
"${train[@]}" --epochs 2 --patience 5 --out "$tmp/killed.gzm" --resume >"$tmp/resumed.out" 2>"$tmp/err" \
  || fail "resume: $(cat "$tmp/err")"
grep -q "^epoch 1:" "$tmp/resumed.out" && fail "resume ran epoch 1 again: $(cat "$tmp/resumed.out")"
scores() { sed -n 's/^epoch 2: train loss \([0-9.]*\),.*dev \(BLEU.*\)$/\1 \2/p' "$1"; }
[ -n "$(scores "$tmp/straight.out")" ] && [ "$(scores "$tmp/straight.out")" = "$(scores "$tmp/resumed.out")" ] \
  || fail "resumed epoch 2 '$(scores "$tmp/resumed.out")' differs from '$(scores "$tmp/straight.out")'"

[ $failures -eq 0 ] || exit 1
echo "ok"
