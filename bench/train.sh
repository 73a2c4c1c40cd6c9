#!/usr/bin/env bash
# bench/train.sh — decoder training speed, Gaze against PyTorch, and caption latency.
#
# 1. One training step (forward, backward through time, clipping, Adam) on
#    synthetic Flickr8k-shaped batches (64 captions of 6..25 steps, 32 images,
#    vocabulary 2540, default sizes E 256, H 512, A 256, D 256): Gaze's C
#    trainer (bench-train) and the same model step in PyTorch 1.13
#    (bench/torch_train.py), 1 and 2 threads, median tokens/s of BATCHES
#    batches, their ratio (Gaze / PyTorch: above 1, Gaze is faster), and the
#    time of one Flickr8k epoch (354k tokens) that each speed gives.  The
#    cpu columns give tokens per CPU-second: with one thread, what an idle
#    machine would reach even when other jobs share this one.
# 2. Caption latency per photo: encode + beam-3 decode, medians over the 12
#    photos of ../shared/data/photos (needs a model: MODEL, default the
#    shipped resources/models/gaze-mobilenet_v2-soft.gzm).
#
# Debian's OpenBLAS 0.3.21 does not recognise CPUs newer than it and falls back
# to its SSE3 "Prescott" kernels; where that happens, both sides are also
# timed with OPENBLAS_CORETYPE naming kernels the CPU can run (PyTorch here
# calls the same OpenBLAS for its matrix products).
#   bench/train.sh [BATCHES]            (BUILD: the build folder, default build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
batches=${1:-20}
bench_build bench/bench-train bench/bench-caption
bench_find_torch train.sh

best=$(bench_best_coretype)
detected=$(OPENBLAS_VERBOSE=2 "$build/bench/bench-train" 1 2>&1 | sed -n 's/^Core: //p' | head -1)

epoch_tokens=354000
echo "Decoder training step, median of $batches batches, $(nproc) cores ($(bench_cpu_name)), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-20s %11s %11s %7s %11s %11s %10s %10s\n' threads "OpenBLAS kernels" gaze_tok/s \
  torch_tok/s ratio gaze_epoch torch_epoch gaze_cpu torch_cpu
for threads in 1 2; do
  for coretype in default "$best"; do
    [ -n "$coretype" ] || continue
    env=(OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads")
    label="$detected (detected)"
    if [ "$coretype" != default ]; then
      [ "$coretype" != "$detected" ] || continue
      env+=(OPENBLAS_CORETYPE="$coretype")
      label=$coretype
    fi
    read -r gaze gaze_cpu < <(env "${env[@]}" "$build/bench/bench-train" "$batches" \
      | sed -n 's/.*median \([0-9]*\) tokens\/s (\([0-9]*\) tokens per CPU.*/\1 \2/p')
    torch=- torch_cpu=-
    if [ $have_torch = 1 ]; then
      read -r torch torch_cpu < <(env "${env[@]}" "$python" bench/torch_train.py --threads "$threads" \
        --batches "$batches" | sed -n 's/.*median \([0-9]*\) tokens\/s (\([0-9]*\) tokens per CPU.*/\1 \2/p')
    fi
    ratio=- torch_epoch=-
    if [ "$torch" != - ]; then
      ratio=$(awk -v g="$gaze" -v t="$torch" 'BEGIN { printf "%.2f", g / t }')
      torch_epoch=$(awk -v t="$torch" -v n=$epoch_tokens 'BEGIN { printf "%.0f s", n / t }')
    fi
    gaze_epoch=$(awk -v g="$gaze" -v n=$epoch_tokens 'BEGIN { printf "%.0f s", n / g }')
    printf '%-8s %-20s %11s %11s %7s %11s %11s %10s %10s\n' "$threads" "$label" "$gaze" "$torch" \
      "$ratio" "$gaze_epoch" "$torch_epoch" "$gaze_cpu" "$torch_cpu"
  done
done

model=${MODEL:-resources/models/gaze-mobilenet_v2-soft.gzm}
encoder=$shared/models/mobilenet_v2_1.0_224_quant.tflite
if [ -f "$model" ]; then
  for coretype in default "$best"; do
    [ -n "$coretype" ] || continue
    env=(OPENBLAS_NUM_THREADS=2)
    [ "$coretype" = default ] || env+=(OPENBLAS_CORETYPE="$coretype")
    printf '%-22s ' "kernels $coretype:"
    env "${env[@]}" "$build/bench/bench-caption" "$model" "$encoder" 3 5 "$shared"/data/photos/*.jpg
  done
else
  echo "train.sh: no model at $model (set MODEL=FILE): no caption latency" >&2
fi
