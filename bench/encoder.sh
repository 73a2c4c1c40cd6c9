#!/usr/bin/env bash
# bench/encoder.sh — one MobileNetV2 1.0/224 forward pass, batch 1, in Gaze
# (bench-encoder: the .tflite run by the engine), in ONNX Runtime
# (bench/ort_mobilenet.js: onnxruntime-node's CPU provider, float32, on
# torchvision's mobilenet_v2() exported by Debian's PyTorch) and in PyTorch
# (bench/torch_mobilenet.py), at 1 and then 2 threads.  Prints the medians of
# RUNS runs, their ratios (below 1, Gaze is faster), the GFLOP/s Gaze
# reaches, each one's speed-up from 1 to 2 threads, and the bound that the
# cores' sgemm peak sets.  The three alternate for ROUNDS rounds (default 5)
# and each figure is the median of its rounds' medians, so that a load that
# comes and goes on a shared machine hits all alike; each row ends with the
# load average (1 minute) as its rounds end, in which the benchmark's own
# threads count (about 1 at 1 thread and 2 at 2 threads on an idle machine).  Last, where Gaze's time
# goes (GAZE_ENCODER_PROFILE), on its kernels and on the reference path
# (GAZE_ENCODER_REFERENCE=1: im2col and OpenBLAS, as the encoder ran before).
#
# Gaze is timed with OpenBLAS's kernels as found (OPENBLAS_CORETYPE as the
# environment sets it, else detected), the ones a user of this machine gets,
# and, where that differs, with the best kernels for this CPU: the encoder's
# own kernels do not depend on them.
#
# The anchor is set up here, never by the build or the tests: onnxruntime-node
# (ORT_VERSION, default 1.30.0) is installed with `npm install
# --ignore-scripts` (its install script fetches GPU binaries) into a scratch
# folder, GAZE_BENCH_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/gaze-bench),
# with the exported model beside it.
#   bench/encoder.sh [RUNS]     (BUILD: the build folder, default build; ROUNDS: 5)
set -euo pipefail
source "$(dirname "$0")/common.sh"
runs=${1:-50}
rounds=${ROUNDS:-5}
[ "$runs" -ge 20 ] || { echo "encoder.sh: at least 20 runs" >&2; exit 2; }
model=$shared/models/mobilenet_v2_1.0_224_quant.tflite
bench_build bench/bench-encoder
bench_find_torch encoder.sh

# The anchor.
cache=${GAZE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gaze-bench}
ort_version=${ORT_VERSION:-1.30.0}
onnx=$cache/mobilenet_v2-torchvision.onnx
have_ort=1
mkdir -p "$cache"
if [ ! -f "$cache/node_modules/onnxruntime-node/package.json" ] \
   || ! grep -q "\"version\": \"$ort_version\"" "$cache/node_modules/onnxruntime-node/package.json"; then
  (cd "$cache" && npm install --ignore-scripts --no-audit --no-fund --silent \
     "onnxruntime-node@$ort_version" >/dev/null 2>&1) || have_ort=0
fi
if [ $have_ort = 1 ] && [ ! -f "$onnx" ]; then
  [ $have_torch = 1 ] && "$python" bench/torch_mobilenet.py --export "$onnx.tmp" 2>/dev/null \
    && mv "$onnx.tmp" "$onnx" || have_ort=0
fi
[ $have_ort = 1 ] || echo "encoder.sh: no ONNX Runtime (npm install onnxruntime-node, PyTorch to export the model); no anchor" >&2
ort() { NODE_PATH=$cache/node_modules node bench/ort_mobilenet.js "$onnx" "$@"; }

# The kernels this CPU can run best, when they differ from those in use.
best=$(bench_best_coretype cooperlake)

echo "MobileNetV2 1.0/224, batch 1, median of $runs runs (median of $rounds rounds), $(nproc) cores ($(bench_cpu_name)), load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-8s %-24s %9s %9s %9s %9s %11s %8s %6s\n' threads "Gaze (OpenBLAS kernels)" gaze_ms ort_ms torch_ms gaze/ort gaze/torch gflops load
declare -A result=()
ratio() { [ "$1" = - ] || [ "$2" = - ] && echo - || awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
for threads in 1 2; do
  coretypes=(default)
  [ -z "$best" ] || coretypes+=("$best")
  declare -A gaze=() core=() macs=()
  torch=() ortms=()
  for ((round = 0; round < rounds; round++)); do
    for coretype in "${coretypes[@]}"; do
      env=(OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads")
      [ "$coretype" = default ] || env+=(OPENBLAS_CORETYPE="$coretype")
      read -r _ ms _ _ _ gmacs _ _ _ _ _ name < <(env "${env[@]}" "$build/bench/bench-encoder" "$model" "$runs" "$threads" 2>/dev/null)
      gaze[$coretype]+="$ms "
      core[$coretype]=$name
      macs[$coretype]=$gmacs
    done
    [ $have_ort = 0 ] || ortms+=("$(ort "$threads" "$runs")")
    if [ $have_torch = 1 ]; then
      torch+=("$(OMP_NUM_THREADS=$threads "$python" bench/torch_mobilenet.py --threads "$threads" --runs "$runs")")
    fi
  done
  torch_ms=-
  [ ${#torch[@]} -eq 0 ] || torch_ms=$(printf '%s\n' "${torch[@]}" | median)
  ort_ms=-
  [ ${#ortms[@]} -eq 0 ] || ort_ms=$(printf '%s\n' "${ortms[@]}" | median)
  result[ort$threads]=$ort_ms
  result[torch$threads]=$torch_ms
  for coretype in "${coretypes[@]}"; do
    # A second row only where the kernels in use are not the best ones.
    [ "$coretype" = default ] || [ "${core[$coretype]}" != "${core[default]}" ] || continue
    ms=$(printf '%s\n' ${gaze[$coretype]} | median)
    [ "$coretype" = default ] && result[gaze$threads]=$ms
    gflops=$(awk -v g="$ms" -v m="${macs[$coretype]}" 'BEGIN { printf "%.1f", 2 * m / (g / 1000) }')
    label=${core[$coretype]}
    [ "$coretype" = default ] && label="$label (in use)"
    printf '%-8s %-24s %9s %9s %9s %9s %11s %8s %6s\n' "$threads" "$label" "$ms" "$ort_ms" "$torch_ms" \
      "$(ratio "$ms" "$ort_ms")" "$(ratio "$ms" "$torch_ms")" "$gflops" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  unset gaze core macs
done

echo "1 → 2 threads, speed-up: Gaze $(ratio "${result[gaze1]}" "${result[gaze2]}")×, ONNX Runtime $(ratio "${result[ort1]}" "${result[ort2]}")×, PyTorch $(ratio "${result[torch1]}" "${result[torch2]}")×"

# The bound: the pass's FLOPs at the best sgemm rate of the cores (OpenBLAS's
# best kernels for this CPU on a 2048² product).
gflop=$(awk -v m="$(OPENBLAS_NUM_THREADS=1 "$build/bench/bench-encoder" "$model" 20 1 | cut -d' ' -f6)" 'BEGIN { printf "%.3f", 2 * m }')
for threads in 1 2; do
  env=(OPENBLAS_NUM_THREADS="$threads")
  [ -z "$best" ] || env+=(OPENBLAS_CORETYPE="$best")
  peak=$(env "${env[@]}" "$build/bench/bench-encoder" --sgemm-peak | cut -d' ' -f2)
  limit=$(awk -v f="$gflop" -v p="$peak" 'BEGIN { printf "%.2f", f / p * 1000 }')
  echo "bound, $threads thread(s): $gflop GFLOP at the sgemm peak of $peak GFLOP/s = $limit ms; Gaze at $(ratio "${result[gaze$threads]}" "$limit")× it"
done

# Where the time goes, at 1 thread: each kind of op's share (the profile's
# summary lines), the reference path first.
for path in reference kernels; do
  env=(OPENBLAS_NUM_THREADS=1 GAZE_ENCODER_PROFILE=1)
  [ $path = kernels ] || env+=(GAZE_ENCODER_REFERENCE=1)
  echo "profile, 1 thread, $path (${env[*]:1}):"
  env "${env[@]}" "$build/bench/bench-encoder" "$model" "$runs" 1 2>&1 >/dev/null \
    | grep -E 'passes|^  [A-Z]' | sed 's/^/  /'
done
