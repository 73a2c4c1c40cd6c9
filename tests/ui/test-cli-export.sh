#!/usr/bin/env bash
# test-cli-export — gaze-cli caption --export, end to end: the annotated PNG
# of a word (full resolution and a chosen size), the storyboard, and the
# errors (an existing file kept, a word or size out of range, options
# without --export, $GAZE_ENCODER pointing nowhere), each one line on stderr
# and a non-zero exit.
#   test-cli-export.sh PATH/TO/gaze-cli     (GAZE_SHARED_DIR set by meson)
# Needs a trained model ($GAZE_MODEL or an installed one); skipped without.
set -uo pipefail
cli=$1
shared=${GAZE_SHARED_DIR:?}
photo=$shared/data/photos/1022454332_6af2c1449a.jpg # 500 × 375
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Options that need --export are refused without it, model or not.
"$cli" caption "$photo" --storyboard >/dev/null 2>"$tmp/err" && fail "--storyboard alone accepted"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "--storyboard alone: not one line: $(cat "$tmp/err")"

if ! "$cli" caption "$photo" >"$tmp/caption" 2>"$tmp/err"; then
  if grep -q "no model installed" "$tmp/err"; then
    echo "SKIP: no trained model installed (set GAZE_MODEL): $(cat "$tmp/err")"
    exit 77
  fi
  fail "caption failed: $(cat "$tmp/err")"
  exit 1
fi

# PNG width and height from its header.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}'; }

"$cli" caption "$photo" --export "$tmp/word.png" --word 2 >/dev/null 2>"$tmp/err" \
  || fail "--export --word 2: $(cat "$tmp/err")"
size=$(png_size "$tmp/word.png")
width=${size%x*} height=${size#*x}
[ "$width" -eq 500 ] || fail "full-resolution word: width $width, want 500"
[ "$height" -gt 375 ] || fail "full-resolution word: height $height, want the photo's 375 plus the caption"

"$cli" caption "$photo" --export "$tmp/small.png" --size 640x480 >/dev/null 2>"$tmp/err" \
  || fail "--size 640x480: $(cat "$tmp/err")"
[ "$(png_size "$tmp/small.png")" = 640x480 ] || fail "--size 640x480 gave $(png_size "$tmp/small.png")"

"$cli" caption "$photo" --export "$tmp/board.png" --storyboard --size 1600x900 >/dev/null 2>"$tmp/err" \
  || fail "--storyboard: $(cat "$tmp/err")"
[ "$(png_size "$tmp/board.png")" = 1600x900 ] || fail "storyboard gave $(png_size "$tmp/board.png")"
"$cli" caption "$photo" --export "$tmp/board-full.png" --storyboard >/dev/null 2>"$tmp/err" \
  || fail "full storyboard: $(cat "$tmp/err")"
size=$(png_size "$tmp/board-full.png")
[ "${size%x*}" -gt 1000 ] || fail "full storyboard is only $size"

# Never overwritten without --force; with it, replaced.
before=$(sha256sum <"$tmp/word.png")
"$cli" caption "$photo" --export "$tmp/word.png" --word 3 >/dev/null 2>"$tmp/err" && fail "existing file overwritten"
grep -q "already exists" "$tmp/err" || fail "existing file: unclear message: $(cat "$tmp/err")"
[ "$(sha256sum <"$tmp/word.png")" = "$before" ] || fail "existing file changed"
"$cli" caption "$photo" --export "$tmp/word.png" --word 3 --force >/dev/null 2>"$tmp/err" \
  || fail "--force: $(cat "$tmp/err")"
[ "$(sha256sum <"$tmp/word.png")" != "$before" ] || fail "--force did not replace the file"

# Bad values: one line naming the problem, no file left behind.
for args in "--word 99" "--word 0" "--size 10x10" "--size big"; do
  # shellcheck disable=SC2086
  "$cli" caption "$photo" --export "$tmp/bad.png" $args >/dev/null 2>"$tmp/err" && fail "$args accepted"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$args: not one line: $(cat "$tmp/err")"
  [ ! -e "$tmp/bad.png" ] || fail "$args left a file"
done
"$cli" caption "$photo" "$photo" --export "$tmp/two.png" >/dev/null 2>&1 && fail "two photos with --export accepted"

# $GAZE_ENCODER pointing nowhere: the message names the variable and the path.
GAZE_ENCODER=$tmp/no-such-encoder.tflite "$cli" caption "$photo" >/dev/null 2>"$tmp/err" \
  && fail "a missing \$GAZE_ENCODER accepted"
grep -q "GAZE_ENCODER" "$tmp/err" && grep -q "$tmp/no-such-encoder.tflite" "$tmp/err" \
  || fail "missing \$GAZE_ENCODER: unclear message: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "missing \$GAZE_ENCODER: not one line: $(cat "$tmp/err")"

[ $failures -eq 0 ] && echo "ok: caption --export"
exit $((failures > 0))
