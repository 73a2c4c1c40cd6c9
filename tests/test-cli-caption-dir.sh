#!/usr/bin/env bash
# test-cli-caption-dir — gaze-cli caption on folders, end to end: recursion
# (hidden entries and non-photos left out), COCO results (--out) whose
# captions are those of one photo at a time, one PNG per photo
# (--export-dir, mirroring the folders), an unreadable photo named, skipped
# and counted, nothing replaced without --force (checked before any work),
# and Ctrl+C (SIGINT) stopping cleanly with what was done kept.
#   test-cli-caption-dir.sh PATH/TO/gaze-cli     (GAZE_SHARED_DIR set by meson)
set -uo pipefail
cli=$1
shared=${GAZE_SHARED_DIR:?}
photos=$shared/data/photos
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
# Under LeakSanitizer: fontconfig's caches (Pango renders the exports) are not leaks.
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=${GAZE_SOURCE_DIR:?}/tests/lsan.supp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
[ -d "$photos" ] || { echo "SKIP: no $photos"; exit 77; }

# A folder: three photos, two more in sub/, a damaged photo, a hidden photo
# and a text file (both left out).
mkdir -p "$tmp/in/sub"
mapfile -t all < <(ls "$photos"/*.jpg | head -5)
for p in "${all[@]:0:3}"; do ln -s "$p" "$tmp/in/"; done
for p in "${all[@]:3:2}"; do ln -s "$p" "$tmp/in/sub/"; done
echo "not a photo" >"$tmp/in/broken.jpg"
ln -s "${all[0]}" "$tmp/in/.hidden.jpg"
echo "notes" >"$tmp/in/notes.txt"

"$cli" caption --beam 1 "$tmp/in" --out "$tmp/r.json" --export-dir "$tmp/ex" --size 320x320 \
  >"$tmp/out" 2>"$tmp/err"
status=$?
if grep -q "no model installed" "$tmp/err"; then
  echo "SKIP: no trained model installed: $(cat "$tmp/err")"; exit 77
fi
[ $status -eq 1 ] || fail "a skipped photo should exit 1, not $status: $(cat "$tmp/err")"
grep -q "broken.jpg" "$tmp/err" || fail "the damaged photo is not named: $(cat "$tmp/err")"
grep -q "captioned 5 of 6 photos.*skipped 1 unreadable" "$tmp/err" \
  || fail "no count of the skipped photo: $(cat "$tmp/err")"
[ "$(grep -c '"image_id"' "$tmp/r.json")" -eq 5 ] || fail "results: not 5 entries: $(cat "$tmp/r.json")"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/r.json" || fail "results: not JSON"
grep -q '"image_id": "sub/' "$tmp/r.json" || fail "results: no photo of sub/"
[ "$(find "$tmp/ex" -name '*.png' | wc -l)" -eq 5 ] || fail "exports: $(find "$tmp/ex")"
[ "$(ls "$tmp/ex/sub" | wc -l)" -eq 2 ] || fail "exports: sub/ not mirrored"
# The PNG signature, read with coreutils alone (a fresh Debian has no file(1)).
png="$tmp/ex/sub/$(basename "${all[3]}" .jpg).png"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
  || fail "export is not a PNG"

# The captions are those of each photo captioned alone.
for p in "${all[0]}" "${all[4]}"; do
  want=$("$cli" caption --beam 1 "$p" | head -1)
  grep -qF "\"caption\": \"$want\"" "$tmp/r.json" || fail "$(basename "$p"): '$want' not in results"
done

# Nothing is replaced without --force; the refusal comes before any work.
cp "$tmp/r.json" "$tmp/r.before"
"$cli" caption "$tmp/in" --out "$tmp/r.json" 2>"$tmp/err" && fail "--out replaced without --force"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "r.json: the file already exists" "$tmp/err" \
  || fail "--out refusal: $(cat "$tmp/err")"
cmp -s "$tmp/r.json" "$tmp/r.before" || fail "results file changed by a refused run"
"$cli" caption "$tmp/in" --export-dir "$tmp/ex" 2>"$tmp/err" && fail "exports replaced without --force"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "already exists" "$tmp/err" \
  || fail "--export-dir refusal: $(cat "$tmp/err")"
"$cli" caption --beam 1 "$tmp/in" --out "$tmp/r.json" --force 2>"$tmp/err" >/dev/null
[ $? -eq 1 ] || fail "--force: $(cat "$tmp/err")"
[ "$(grep -c '"image_id"' "$tmp/r.json")" -eq 5 ] || fail "--force: results not rewritten"

# Ctrl+C: a folder of 300 photos, interrupted once a few are exported.
mkdir -p "$tmp/many"
i=0
for p in "$shared"/data/flickr8k/images/*.jpg; do
  ln -s "$p" "$tmp/many/"; i=$((i + 1)); [ $i -lt 300 ] || break
done
"$cli" caption --beam 1 "$tmp/many" --out "$tmp/many.json" --export-dir "$tmp/many-ex" \
  --size 240x240 >/dev/null 2>"$tmp/err" &
pid=$!
for _ in $(seq 600); do
  [ "$(find "$tmp/many-ex" -name '*.png' 2>/dev/null | wc -l)" -ge 3 ] && break
  sleep 0.1
done
kill -INT $pid
wait $pid
status=$?
[ $status -eq 130 ] || fail "Ctrl+C: exit status $status, not 130: $(tail -3 "$tmp/err")"
grep -q "stopped by Ctrl+C after" "$tmp/err" || fail "Ctrl+C: no message: $(tail -3 "$tmp/err")"
n=$(grep -c '"image_id"' "$tmp/many.json" 2>/dev/null || echo 0)
n_png=$(find "$tmp/many-ex" -name '*.png' | wc -l)
[ "$n" -ge 3 ] && [ "$n" -lt 300 ] || fail "Ctrl+C: $n results kept (want 3 to 299)"
[ "$n" -eq "$n_png" ] || fail "Ctrl+C: $n results but $n_png exports"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/many.json" \
  || fail "Ctrl+C: the results file is not whole JSON"
ls -a "$tmp/many-ex" | grep -q '^\.goutputstream' && fail "Ctrl+C: a half-written export was left"

[ $failures -eq 0 ] || exit 1
echo "ok"
