# shellcheck shell=bash disable=SC2034
# bench/common.sh — the preamble the benchmark scripts share; sourced by them
# (after `set -euo pipefail`), never run.  Afterwards the working folder is the
# repository root, $build the build folder (BUILD, default build) and $shared
# the read-only models and data (GAZE_SHARED_DIR, default ../shared).
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
build=${BUILD:-build}
shared=${GAZE_SHARED_DIR:-$PWD/../shared}

# bench_build TARGET…: configures $build if it is not yet, and builds the targets.
bench_build() {
  [ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
  ninja -C "$build" "$@" >/dev/null
}

# bench_find_torch SCRIPT: sets python (PYTHON, default Debian's
# /usr/bin/python3, where python3-torch lives, whatever python3 comes first on
# PATH) and have_torch (1 or 0); without PyTorch, says so for SCRIPT.
bench_find_torch() {
  python=${PYTHON:-/usr/bin/python3}
  have_torch=1
  "$python" -c "import torch" 2>/dev/null || have_torch=0
  [ $have_torch = 1 ] || echo "$1: no PyTorch for $python (apt install python3-torch); Gaze only" >&2
}

# bench_best_coretype [cooperlake]: prints the OPENBLAS_CORETYPE whose kernels
# this CPU can run (nothing where none is known), for when OpenBLAS 0.3.21's
# own detection falls back to its SSE3 "Prescott" kernels on CPUs newer than
# it.  With cooperlake, a CPU with AVX512-BF16 gets Cooperlake, not SkylakeX.
bench_best_coretype() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  case " $flags " in
    *" avx512_bf16 "*) if [ "${1:-}" = cooperlake ]; then echo Cooperlake; else echo SkylakeX; fi ;;
    *" avx512f "*) echo SkylakeX ;;
    *" avx2 "*) echo Haswell ;;
  esac
}

# The CPU's model name, as /proc/cpuinfo gives it.
bench_cpu_name() { grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs; }

# median: the median of the numbers on stdin, one a line (the mean of the
# middle two for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# bench_eval_setup: for the scripts that run gaze-cli eval over models: builds
# it, makes the models the arguments (every model in resources/models when
# there are none), sets flickr to the Flickr8k folder and photos to a split
# file naming the 12 full-size photos, removed on exit.  Call it as
# `bench_eval_setup "$@"; set -- "${models[@]}"`.
bench_eval_setup() {
  flickr=$shared/data/flickr8k
  bench_build app/gaze-cli
  models=("$@")
  [ ${#models[@]} -gt 0 ] || models=(resources/models/*.gzm)
  photos=$(mktemp)
  trap 'rm -f "$photos"' EXIT
  (cd "$shared/data/photos" && ls -- *.jpg) > "$photos"
}

# bench_eval_figures: reads what gaze-cli eval printed on stdin and prints one
# line, "BLEU-4 CIDEr-D peak change faithfulness words length" (length: words
# a caption); fails when the output holds no scores.
bench_eval_figures() {
  awk '
    /^BLEU-1/ { b4 = $8 }
    /^CIDEr-D/ { c = $2 }
    /^attention:/ { p = $5; d = $(NF - 3); sub(/,$/, "", d) }
    /^faithfulness/ { f = $2 }
    /^vocabulary:/ { v = $2; w = $(NF - 3) }
    END { if (b4 == "") exit 1; print b4, c, p, d, f, v, w }'
}
