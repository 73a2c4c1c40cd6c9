#!/usr/bin/env bash
# test-classify — gaze-cli classify, end to end: the golden top-1 labels of
# MobileNetV2 on ../shared/models/testimages, the --json form, and bad input
# (one line on stderr naming the file, a non-zero exit, never a crash).
#   test-classify.sh PATH/TO/gaze-cli      (GAZE_SHARED_DIR set by meson)
set -uo pipefail
cli=$1
models=${GAZE_SHARED_DIR:?}/models
images=$models/testimages
encoder=$models/mobilenet_v2_1.0_224_quant.tflite
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Golden labels: the first of the top 5.
declare -A golden=(
  [cat.bmp]='Egyptian cat' [parrot.jpg]='macaw' [hot_dog.jpg]='hotdog, hot dog, red hot'
  [grace_hopper.bmp]='military uniform' [bird.bmp]='chickadee'
)
photos=()
for name in "${!golden[@]}"; do photos+=("$images/$name"); done
# The encoder through $GAZE_ENCODER, as the default encoder is found.
GAZE_ENCODER=$encoder "$cli" classify --json "${photos[@]}" >"$tmp/out.json" 2>"$tmp/err" \
  || fail "classify --json exited $?: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out.json")" -eq 5 ] || fail "expected 5 JSON lines, got: $(cat "$tmp/out.json")"
for name in "${!golden[@]}"; do
  want="{\"photo\": \"$images/$name\", \"top5\": [{\"index\": "
  line=$(grep -F "$want" "$tmp/out.json") || { fail "$name: no JSON line"; continue; }
  label=$(sed -E 's/^[^[]*\[\{"index": [0-9]+, "label": "([^"]*)".*/\1/' <<<"$line")
  [ "$label" = "${golden[$name]}" ] || fail "$name: top-1 is '$label', expected '${golden[$name]}'"
  # Five entries, probabilities in (0, 1].
  [ "$(grep -o '"prob": ' <<<"$line" | wc -l)" -eq 5 ] || fail "$name: not 5 entries: $line"
done

# The text form, with the encoder and labels named.
"$cli" classify --encoder "$encoder" --labels "$models/imagenet_labels.txt" "$images/cat.bmp" \
  >"$tmp/out.txt" || fail "classify (text) failed"
sed -n 2p "$tmp/out.txt" | grep -q 'Egyptian cat$' || fail "text output: $(cat "$tmp/out.txt")"

# Bad input: a non-zero exit and exactly one line on stderr that names the file.
expect_failure() {
  local what=$1 file=$2
  shift 2
  "$cli" classify "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  [ $status -ne 0 ] && [ $status -lt 128 ] || fail "$what: exit status $status"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: stderr is not one line: $(cat "$tmp/err")"
  grep -qF "$file" "$tmp/err" || fail "$what: stderr does not name $file: $(cat "$tmp/err")"
}
: >"$tmp/empty.jpg"
echo "not a photo" >"$tmp/text.jpg"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0N \0\0N \x08\x02\0\0\0\x6c\x12\xd1\x6e\0\0\0\0IDAT' >"$tmp/huge.png"
head -c 100000 "$encoder" >"$tmp/truncated.tflite"
: >"$tmp/empty.tflite"
corpus=${GAZE_SOURCE_DIR:?}/tests/fuzz/corpus
expect_failure "missing photo" "$tmp/none.jpg" --encoder "$encoder" "$tmp/none.jpg"
expect_failure "zero-byte photo" "$tmp/empty.jpg" --encoder "$encoder" "$tmp/empty.jpg"
expect_failure "text named .jpg" "$tmp/text.jpg" --encoder "$encoder" "$tmp/text.jpg"
expect_failure "20000x20000 photo" "$tmp/huge.png" --encoder "$encoder" "$tmp/huge.png"
expect_failure "truncated encoder" "$tmp/truncated.tflite" --encoder "$tmp/truncated.tflite" "$images/cat.bmp"
expect_failure "empty encoder" "$tmp/empty.tflite" --encoder "$tmp/empty.tflite" "$images/cat.bmp"
expect_failure "missing encoder" "$tmp/none.tflite" --encoder "$tmp/none.tflite" "$images/cat.bmp"
expect_failure "wrong identifier" seed-wrong-identifier.fuzz \
  --encoder "$corpus/seed-wrong-identifier.fuzz" "$images/cat.bmp"
grep -q "TFL3" "$tmp/err" || fail "the wrong identifier is not said: $(cat "$tmp/err")"
expect_failure "unsupported operator" seed-unsupported-resize-bilinear.fuzz \
  --encoder "$corpus/seed-unsupported-resize-bilinear.fuzz" "$images/cat.bmp"
grep -q "unsupported operator RESIZE_BILINEAR" "$tmp/err" || fail "the operator is not named: $(cat "$tmp/err")"
expect_failure "missing labels" "$tmp/none.txt" --encoder "$encoder" --labels "$tmp/none.txt" "$images/cat.bmp"
# The valid photos are still classified when one fails.
"$cli" classify --encoder "$encoder" "$tmp/text.jpg" "$images/bird.bmp" >"$tmp/out" 2>/dev/null \
  && fail "a failed photo must make the exit status non-zero"
grep -q chickadee "$tmp/out" || fail "bird.bmp not classified after a failed photo"

[ $failures -eq 0 ] && echo "test-classify: all passed"
exit $((failures > 0))
