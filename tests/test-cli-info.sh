#!/usr/bin/env bash
# gaze-cli info on every shipped model: the attention kind and encoder it
# reports must match the file name, and bad files give one-line errors.
set -euo pipefail
cli=$1
models=("$GAZE_SOURCE_DIR"/resources/models/*.gzm)
[ -f "${models[0]}" ] || { echo "no shipped model"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
for m in "${models[@]}"; do
  out=$("$cli" info "$m")
  case $(basename "$m") in
    *-hard.gzm) grep -q '^  attention  *hard' <<<"$out" || fail "$m: not reported hard" ;;
    *) grep -q '^  attention  *soft' <<<"$out" || fail "$m: not reported soft" ;;
  esac
  case $(basename "$m") in
    *mobilenet_v2*) grep -q 'encoder  *mobilenet_v2_1.0_224_quant (sha256 7aad0c74c5e3' <<<"$out" || fail "$m: encoder" ;;
    *efficientnet_lite0*) grep -q 'encoder  *efficientnet_lite0_int8_feature_extractor (sha256 5f573ad22b33' <<<"$out" || fail "$m: encoder" ;;
  esac
  grep -Eq '^  vocabulary  *[0-9]{3,} words' <<<"$out" || fail "$m: vocabulary"
  grep -Eq '^  dev scores  *BLEU-1 [0-9.]+ .*BLEU-4 [0-9.]+' <<<"$out" || fail "$m: dev scores"
  echo "ok: $(basename "$m")"
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'not a model' >"$tmp/bad.gzm"
for bad in "$tmp/bad.gzm" "$tmp/missing.gzm"; do
  if err=$("$cli" info "$bad" 2>&1 >/dev/null); then fail "$bad accepted"; fi
  [ "$(wc -l <<<"$err")" -eq 1 ] || fail "$bad: error is not one line: $err"
  grep -q "$bad" <<<"$err" || fail "$bad: error does not name the file"
done
echo "ok: bad files refused"
