#!/usr/bin/env bash
# test-blas-kernels — full-speed OpenBLAS kernels however gaze-cli starts
# (app/gaze-blas.c), and the same answers from every kernel:
#   - with OPENBLAS_CORETYPE unset, on a CPU with AVX2, gaze-cli --version
#     reports AVX2 or AVX-512 kernels, never a fallback;
#   - a variable the user set is kept, whatever it says;
#   - where OpenBLAS falls back to "Prescott" (pretended by the LD_PRELOAD
#     shim pretend-old-openblas.so), gaze-cli restarts itself with the
#     kernels the CPU can run, and says so; GAZE_OPENBLAS_AUTO=0 keeps them;
#   - the SSE3 kernels and the chosen ones give the same top-5 labels on the
#     test images and the same captions on the 12 photos.
# The tests' own OPENBLAS_CORETYPE is left as it is; only the commands run
# here are given other values.
#   test-blas-kernels.sh PATH/TO/gaze-cli PATH/TO/pretend-old-openblas.so
set -uo pipefail
cli=$1
shim=$2
shared=${GAZE_SHARED_DIR:?}
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
slow='(Prescott|Core2|Penryn|Dunnington|Nehalem|Atom|Sandybridge|Barcelona|Bulldozer|Piledriver|Steamroller|Excavator)'
best=
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  grep -qw avx512_bf16 /proc/cpuinfo && best=Cooperlake || best=SkylakeX
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  best=Haswell
fi

version=$(env -u OPENBLAS_CORETYPE "$cli" --version) || fail "--version failed"
grep -q "^gaze-cli [0-9][0-9.]*$" <<<"$version" || fail "--version: first line: $version"
line=$(sed -n 2p <<<"$version")
grep -Eq "^OpenBLAS [0-9.]+, [A-Za-z0-9()]+ kernels \((detected|chosen by Gaze: .*)\)$" <<<"$line" \
  || fail "--version: kernel line: $line"
if [ -n "$best" ]; then
  grep -Eq ", $slow kernels" <<<"$line" && fail "the CPU runs $best kernels, but gaze-cli runs: $line"
fi

line=$(OPENBLAS_CORETYPE=Prescott "$cli" --version | sed -n 2p)
[ "$line" = "$(sed 's/^\(OpenBLAS [0-9.]*\),.*/\1/' <<<"$line"), Prescott kernels (OPENBLAS_CORETYPE=Prescott in the environment)" ] \
  || fail "the user's OPENBLAS_CORETYPE: $line"

line=$(env -u OPENBLAS_CORETYPE LD_PRELOAD=$shim "$cli" --version | sed -n 2p)
if [ -n "$best" ]; then
  grep -q ", $best kernels (chosen by Gaze: OpenBLAS detected Prescott" <<<"$line" \
    || fail "after a fallback to Prescott, expected a restart with $best: $line"
else
  grep -q ", Prescott kernels (detected)" <<<"$line" || fail "no AVX2: $line"
fi
line=$(env -u OPENBLAS_CORETYPE GAZE_OPENBLAS_AUTO=0 LD_PRELOAD=$shim "$cli" --version | sed -n 2p)
grep -q ", Prescott kernels (detected)" <<<"$line" || fail "GAZE_OPENBLAS_AUTO=0: $line"

# The same answers: labels (without probabilities) and captions.
labels() { sed -E 's/"prob": [^,}]*//g'; }
images=("$shared"/models/testimages/*)
OPENBLAS_CORETYPE=Prescott "$cli" classify --json "${images[@]}" | labels >"$tmp/slow.labels" \
  || fail "classify (Prescott) failed"
env -u OPENBLAS_CORETYPE "$cli" classify --json "${images[@]}" | labels >"$tmp/fast.labels" \
  || fail "classify (chosen) failed"
[ -s "$tmp/slow.labels" ] && cmp -s "$tmp/slow.labels" "$tmp/fast.labels" \
  || fail "top-5 labels differ: $(diff "$tmp/slow.labels" "$tmp/fast.labels" | head -5)"
model=${GAZE_SOURCE_DIR:?}/resources/models/gaze-mobilenet_v2-soft.gzm
if [ -f "$model" ]; then
  OPENBLAS_CORETYPE=Prescott "$cli" caption --model "$model" "$shared"/data/photos/*.jpg \
    | grep -v '^  attention' >"$tmp/slow.captions" || fail "caption (Prescott) failed"
  env -u OPENBLAS_CORETYPE "$cli" caption --model "$model" "$shared"/data/photos/*.jpg \
    | grep -v '^  attention' >"$tmp/fast.captions" || fail "caption (chosen) failed"
  [ "$(wc -l <"$tmp/slow.captions")" -eq 12 ] && cmp -s "$tmp/slow.captions" "$tmp/fast.captions" \
    || fail "captions differ: $(diff "$tmp/slow.captions" "$tmp/fast.captions" | head -5)"
fi

[ $failures -eq 0 ] || exit 1
echo "ok"
