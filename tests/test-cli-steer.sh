#!/usr/bin/env bash
# test-cli-steer — gaze-cli caption --look / --avoid / --evidence / --occlusion
# / --show end to end on a real photo: the original and the steered caption
# in plain output, the steered words marked in [brackets] and in --json
# ("steered": true from the word asked for, and only there), the words before
# it kept, a click selecting one cell, evidence and occlusion numbers per word,
# exports of the new maps, and every bad input a one-line error with exit
# status 1: malformed rectangles, a rectangle outside the photo, a word past
# the caption, a word left with no cell, an unknown model, --show misused.
#   test-cli-steer.sh PATH/TO/gaze-cli     (GAZE_SHARED_DIR set by meson)
set -uo pipefail
cli=$1
shared=${GAZE_SHARED_DIR:?}
photo=$shared/data/photos/1032122270_ea6f0beedb.jpg # 500 × 375: three dogs in a field
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=${GAZE_SOURCE_DIR:?}/tests/lsan.supp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
[ -f "$photo" ] || { echo "SKIP: no $photo"; exit 77; }
json() { python3 -c "import json, sys; d = json.load(open('$tmp/out.json'))[0]; $1"; }

# Plain: the original, then the steered caption with its steered words marked.
"$cli" caption "$photo" --look 425,125,495,215@3+ >"$tmp/out" 2>"$tmp/err"
status=$?
if grep -q "no model installed" "$tmp/err"; then echo "SKIP: no model installed"; exit 77; fi
[ $status -eq 0 ] || fail "--look: exit $status: $(cat "$tmp/err")"
original=$(sed -n 1p "$tmp/out")
steered=$(grep '^steered (look 425,125,495,215@3+):' "$tmp/out")
[ -n "$original" ] && [ -n "$steered" ] || fail "--look: no original and steered lines: $(cat "$tmp/out")"
# Words 1 and 2 kept and not marked, word 3 on marked.
first_two=$(cut -d' ' -f1-2 <<<"$original")
marked=$(sed 's/^steered ([^)]*): //' <<<"$steered")
[[ "$marked" == "$first_two ["* ]] || fail "--look @3+: words 1-2 not kept unmarked: '$marked' vs '$original'"
[[ "$marked" != *"] "[a-z]* ]] || fail "--look @3+: an unmarked word after a steered one: '$marked'"

# JSON: "steered" marks, the regions' cells; a click is one cell; @N alone
# steers one word.
"$cli" caption "$photo" --json --look 250,187,250,187@2 --avoid 0.0,0.0,0.5,0.5@4 >"$tmp/out.json" \
  2>"$tmp/err" || fail "--json: $(cat "$tmp/err")"
got=$(json "s = d['steered']; print(s['from_word'], [r['cells'] for r in s['regions']][0], \
  [i + 1 for i, w in enumerate(s['words']) if w['steered']], \
  [w['word'] for w in s['words']][:1] == [w['word'] for w in d['words']][:1], \
  all('steered' not in w for w in d['words']))")
[ "$got" = "2 [24] [2, 4] True True" ] || fail "--json steering: '$got'"

# Evidence and occlusion: 7 × 7 numbers and the agreement per word, in both
# captions; progress on stderr.
"$cli" caption "$photo" --json --evidence --occlusion --look 0.0,0.5,1.0,1.0 >"$tmp/out.json" \
  2>"$tmp/err" || fail "--evidence --occlusion: $(cat "$tmp/err")"
got=$(json "ws = d['words'] + d['steered']['words']; \
  print(all(len(w['evidence']) == 7 and len(w['occlusion'][6]) == 7 for w in ws), \
  all(set(w['evidence_agreement']) == {'rank_correlation', 'top_alpha_in_top3', 'top_cells', \
                                        'alpha_on_top3', 'peak', 'weak'} for w in ws), \
  all(abs(w['occlusion_agreement']['alpha_on_top3'] - sum(sum(w['alpha'], [])[i] \
      for i in w['occlusion_agreement']['top_cells'])) < 1e-5 \
      and sorted(sum(w['occlusion'], []), reverse=True)[2] \
      <= min(sum(w['occlusion'], [])[i] for i in w['occlusion_agreement']['top_cells']) \
      for w in ws), \
  all(w['occlusion_agreement']['peak'] == max(map(max, w['occlusion'])) for w in ws), \
  any(w['evidence_agreement']['weak'] for w in ws), max(w['occlusion_agreement']['peak'] for w in ws) > 0.5)")
[ "$got" = "True True True True True True" ] || fail "--evidence --occlusion JSON: '$got'"
grep -q "occlusion .*49/49" "$tmp/err" || fail "--occlusion: no progress on stderr: $(cat "$tmp/err")"
"$cli" caption "$photo" --evidence >"$tmp/out" 2>"$tmp/err" || fail "--evidence plain: $(cat "$tmp/err")"
grep -q "^  evidence (drop in log p, nats)" "$tmp/out" || fail "--evidence plain: $(cat "$tmp/out")"
grep -q "weak: from the language model" "$tmp/out" || fail "--evidence plain: no weak word"

# Exports of the new maps.
for show in evidence occlusion alpha+evidence alpha+occlusion alpha; do
  "$cli" caption "$photo" --export "$tmp/$show.png" --show "$show" --look 0,0,250,375 \
    >/dev/null 2>"$tmp/err" || fail "--show $show: $(cat "$tmp/err")"
  [ "$(head -c 8 "$tmp/$show.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] \
    || fail "--show $show: not a PNG"
done
"$cli" caption "$photo" --export "$tmp/sb.png" --storyboard --show alpha+evidence >/dev/null \
  2>"$tmp/err" || fail "--storyboard --show alpha+evidence: $(cat "$tmp/err")"

# Every bad input: one line, exit 1, saying what is wrong.
bad() { # expected-part args...
  local part=$1
  shift
  "$cli" caption "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  [ $status -eq 1 ] || fail "$*: exit $status, not 1"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: not one line: $(cat "$tmp/err")"
  grep -q -- "$part" "$tmp/err" || fail "$*: '$(cat "$tmp/err")' does not say '$part'"
}
for spec in 0,0,10 0,0,10,10,20 a,b,c,d ,,, "" 1e3,0,2,2 0x10,0,2,2 " 1,2,3" \
  0..1,0,1,1 1,2,3,4,; do
  bad "not X0,Y0,X1,Y1" "$photo" --look "$spec"
done
for spec in 0,0,10,10@ 0,0,10,10@0 0,0,10,10@x 0,0,10,10@2++ 0,0,10,10@+ 0,0,10,10@-1 \
  0,0,10,10@1@2 0,0,10,10@99999999; do
  bad "the word after @" "$photo" --avoid "$spec"
done
bad "mixes pixels" "$photo" --look 0.1,0,0.5,1
bad "outside the photo (0,0,500,375)" "$photo" --look 0,0,501,10
bad "outside the photo (0,0,500,375)" "$photo" --avoid 0,0,10,376
bad "outside the photo (0,0,500,375)" "$photo" --look -1,0,10,10
bad "outside the photo (fractions" "$photo" --look 0.5,0.5,1.5,1.0
bad "wrong way round" "$photo" --look 10,10,5,5
bad "word 30 is past the caption" "$photo" --look 0,0,10,10@30
bad "word 1 keeps no cell" "$photo" --look 0,0,100,100 --avoid 0,0,100,100
bad "word 2 keeps no cell" "$photo" --look 0,0,100,100@2 --avoid 0.0,0.0,0.5,0.5@2+
bad "nonexistent.gzm" "$photo" --model "$tmp/nonexistent.gzm" --look 0,0,10,10
bad "--show goes with --export" "$photo" --show evidence
bad "--show takes alpha" "$photo" --export "$tmp/x.png" --show alpha+alpha
bad "not --out" "$photo" --look 0,0,10,10 --out "$tmp/r.json"
[ ! -e "$tmp/x.png" ] || fail "a refused export wrote a file"

[ $failures -eq 0 ] || exit 1
echo "ok"
