#!/usr/bin/env bash
# test-cli-average — gaze-cli average end to end: the mean of the default
# model with itself captions three real photos word for word as the default
# does, gaze-cli info shows the command that made it and no dev scores (the
# mean was never scored), and every bad input is a one-line error with exit
# status 1 that leaves OUT as it was: one model, no --out, an existing OUT
# without --force, models that cannot be averaged, a missing or corrupt file.
#   test-cli-average.sh PATH/TO/gaze-cli     (GAZE_SHARED_DIR set by meson)
set -uo pipefail
cli=$1
shared=${GAZE_SHARED_DIR:?}
models=${GAZE_SOURCE_DIR:?}/resources/models
soft=$models/gaze-mobilenet_v2-soft.gzm
hard=$models/gaze-mobilenet_v2-hard.gzm
lite0=$models/gaze-efficientnet_lite0-soft.gzm
photos=("$shared"/data/photos/1056249424_ef2a2e041c.jpg "$shared"/data/photos/1032122270_ea6f0beedb.jpg
        "$shared"/data/photos/1022454332_6af2c1449a.jpg)
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$GAZE_SOURCE_DIR/tests/lsan.supp
for f in "$soft" "$hard" "$lite0" "${photos[@]}" "$GAZE_ENCODER"; do
  [ -f "$f" ] || { echo "SKIP: no $f"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

out=$("$cli" average --out "$tmp/self.gzm" "$soft" "$soft" 2>&1) || fail "self-average: $out"
[ "$out" = "$tmp/self.gzm: the mean of 2 models" ] || fail "self-average printed: $out"
want=$("$cli" caption --model "$soft" "${photos[@]}" 2>&1) || fail "caption: $want"
got=$("$cli" caption --model "$tmp/self.gzm" "${photos[@]}" 2>&1) || fail "caption of the mean: $got"
[ "$got" = "$want" ] || fail "the mean of the default with itself captions otherwise:
$got
against
$want"
[ "$(grep -c . <<<"$got")" -ge 3 ] || fail "fewer than three captions: $got"

info=$("$cli" info "$tmp/self.gzm") || fail "info: $info"
grep -q "^  averaged by  *gaze-cli average --out .*self.gzm .*gaze-mobilenet_v2-soft.gzm" <<<"$info" \
  || fail "info does not show the averaging command: $info"
! grep -q '^  dev scores' <<<"$info" || fail "the mean claims its inputs' dev scores: $info"

# Bad input: one line on stderr, exit 1, and OUT untouched.
printf 'not a model' >"$tmp/corrupt.gzm"
cp "$tmp/self.gzm" "$tmp/keep.gzm"
expect_error() { # expect_error WHAT PATTERN ARGS…
  local what=$1 pattern=$2; shift 2
  "$cli" average "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  [ $status -eq 1 ] || fail "$what: exit $status, not 1"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: error is not one line: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$what: error '$(cat "$tmp/err")' lacks '$pattern'"
  cmp -s "$tmp/self.gzm" "$tmp/keep.gzm" || fail "$what: the existing OUT changed"
}
expect_error "one model" "at least two models" --out "$tmp/new.gzm" "$soft"
expect_error "no --out" "--out OUT.gzm is required" "$soft" "$soft"
expect_error "existing OUT" "self.gzm exists; use --force" --out "$tmp/self.gzm" "$soft" "$soft"
expect_error "soft with hard" "cannot be averaged" --out "$tmp/self.gzm" --force "$soft" "$hard"
expect_error "two encoders" "cannot be averaged" --out "$tmp/self.gzm" --force "$soft" "$lite0"
expect_error "missing file" "missing.gzm" --out "$tmp/self.gzm" --force "$soft" "$tmp/missing.gzm"
expect_error "corrupt file" "corrupt.gzm" --out "$tmp/self.gzm" --force "$soft" "$tmp/corrupt.gzm"
[ ! -e "$tmp/new.gzm" ] || fail "a failed average wrote a file"

# --force replaces OUT.
"$cli" average --out "$tmp/self.gzm" --force "$soft" "$soft" "$soft" >/dev/null 2>&1 || fail "--force refused"
cmp -s "$tmp/self.gzm" "$tmp/keep.gzm" && fail "--force left OUT as it was (three models, another command)"
[ $failures -eq 0 ] || exit 1
echo "ok"
