#!/usr/bin/env bash
# bench/encoder.sh — one MobileNetV2 1.0/224 forward pass, batch 1, in Gaze
# (bench-encoder: the .tflite run by the engine on OpenBLAS) and in PyTorch
# (bench/torch_mobilenet.py: the same architecture in torch.nn, float32), on
# this machine with the same thread count, 1 and then 2 threads.  Prints the
# medians of RUNS runs (at least 20), their ratio (Gaze / PyTorch: below 1,
# Gaze is faster) and the GFLOP/s Gaze reaches.  The two alternate for ROUNDS
# rounds (default 3) and each figure is the median of its rounds' medians, so
# that a load that comes and goes on a shared machine hits both alike.
#
# Debian's OpenBLAS 0.3.21 does not recognise CPUs newer than it (Sapphire and
# Emerald Rapids, say) and falls back to its SSE3 "Prescott" kernels; where
# that happens, Gaze is also timed with OPENBLAS_CORETYPE naming kernels the
# CPU can run, which a user may export the same way.
#   bench/encoder.sh [RUNS]     (BUILD: the build folder, default build; ROUNDS: 3)
set -euo pipefail
source "$(dirname "$0")/common.sh"
runs=${1:-30}
rounds=${ROUNDS:-3}
[ "$runs" -ge 20 ] || { echo "encoder.sh: at least 20 runs" >&2; exit 2; }
model=$shared/models/mobilenet_v2_1.0_224_quant.tflite
bench_build bench/bench-encoder
bench_find_torch encoder.sh

# The kernels this CPU can run, when OpenBLAS's own detection falls back.
best=$(bench_best_coretype cooperlake)

echo "MobileNetV2 1.0/224, batch 1, median of $runs runs (median of $rounds rounds), $(nproc) cores ($(bench_cpu_name)), load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-8s %-22s %10s %10s %7s %8s\n' threads "OpenBLAS kernels" gaze_ms torch_ms ratio gflops
for threads in 1 2; do
  coretypes=(default)
  [ -z "$best" ] || coretypes+=("$best")
  declare -A gaze=() core=() macs=()
  torch=()
  for ((round = 0; round < rounds; round++)); do
    if [ $have_torch = 1 ]; then
      torch+=("$(OMP_NUM_THREADS=$threads "$python" bench/torch_mobilenet.py --threads "$threads" --runs "$runs")")
    fi
    for coretype in "${coretypes[@]}"; do
      env=(OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads")
      [ "$coretype" = default ] || env+=(OPENBLAS_CORETYPE="$coretype")
      read -r _ ms _ _ _ gmacs _ _ _ name < <(env "${env[@]}" "$build/bench/bench-encoder" "$model" "$runs" 2>/dev/null)
      gaze[$coretype]+="$ms "
      core[$coretype]=$name
      macs[$coretype]=$gmacs
    done
  done
  torch_ms=-
  [ ${#torch[@]} -eq 0 ] || torch_ms=$(printf '%s\n' "${torch[@]}" | median)
  for coretype in "${coretypes[@]}"; do
    # A second row only where the detection fell back to other kernels.
    [ "$coretype" = default ] || [ "${core[$coretype]}" != "${core[default]}" ] || continue
    ms=$(printf '%s\n' ${gaze[$coretype]} | median)
    ratio=-
    [ "$torch_ms" = - ] || ratio=$(awk -v g="$ms" -v t="$torch_ms" 'BEGIN { printf "%.2f", g / t }')
    gflops=$(awk -v g="$ms" -v m="${macs[$coretype]}" 'BEGIN { printf "%.1f", 2 * m / (g / 1000) }')
    label=${core[$coretype]}
    [ "$coretype" = default ] && label="$label (detected)"
    printf '%-8s %-22s %10s %10s %7s %8s\n' "$threads" "$label" "$ms" "$torch_ms" "$ratio" "$gflops"
  done
  unset gaze core macs
done
