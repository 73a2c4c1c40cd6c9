#!/usr/bin/env bash
# test-cli-soak — one gaze-cli process captions many photos (N, default 72:
# the 12 photos of ../shared/data/photos 6 times over, in 6 folders), and
# its resident memory must stay flat: the growth from the RSS once warm
# (after N/6 photos) to the RSS at the end must stay under BOUND_KIB
# (default 4096).  Prints both.  bench/caption-folder.sh runs it on 2000.
#   test-cli-soak.sh PATH/TO/gaze-cli [N [BOUND_KIB [PHOTO_DIR]]]
set -uo pipefail
cli=$1
n=${2:-72}
bound=${3:-4096}
shared=${GAZE_SHARED_DIR:?}
source_dir=${4:-$shared/data/photos}
export GAZE_ENCODER=${GAZE_ENCODER:-$shared/models/mobilenet_v2_1.0_224_quant.tflite}
[ -d "$source_dir" ] || { echo "SKIP: no $source_dir"; exit 77; }
# AddressSanitizer's quarantine keeps freed memory resident; its leak checker
# covers that build instead.
if { readelf -d "$cli" 2>/dev/null || ldd "$cli" 2>/dev/null; } | grep -q 'libasan'; then
  echo "SKIP: resident memory is not measured under AddressSanitizer"; exit 77
fi
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT

# N photos: the source photos over and over, each pass in its own folder.
mapfile -t sources < <(find "$source_dir" -maxdepth 1 -name '*.jpg' | sort)
[ ${#sources[@]} -gt 0 ] || { echo "SKIP: no photos in $source_dir"; exit 77; }
for ((i = 0; i < n; i++)); do
  pass=$(printf '%04d' $((i / ${#sources[@]})))
  mkdir -p "$tmp/in/$pass"
  ln -s "${sources[i % ${#sources[@]}]}" "$tmp/in/$pass/"
done

# Plain output: two lines a photo on stdout, which count the photos done.
"$cli" caption --beam 3 "$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
warm_at=$((n / 6))
warm_rss= end_rss= end_done=0
while kill -0 $pid 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$pid/status 2>/dev/null)
  done_now=$(( $(wc -l <"$tmp/out") / 2 ))
  if [ -n "$rss" ]; then
    [ -z "$warm_rss" ] && [ "$done_now" -ge "$warm_at" ] && { warm_rss=$rss; warm_done=$done_now; }
    end_rss=$rss; end_done=$done_now
  fi
  sleep 0.2
done
wait $pid
status=$?
pid=
[ $status -eq 0 ] || { echo "FAIL: gaze-cli exited $status: $(tail -3 "$tmp/err")" >&2; exit 1; }
done_all=$(( $(wc -l <"$tmp/out") / 2 ))
[ "$done_all" -eq "$n" ] || { echo "FAIL: $done_all of $n photos captioned" >&2; exit 1; }
[ -n "$warm_rss" ] || { echo "FAIL: no RSS sample once warm" >&2; exit 1; }
growth=$((end_rss - warm_rss))
echo "resident memory: $warm_rss KiB after $warm_done photos, $end_rss KiB after $end_done of $n (growth $growth KiB, bound $bound KiB)"
tail -1 "$tmp/err"
[ "$growth" -le "$bound" ] || { echo "FAIL: resident memory grew by $growth KiB" >&2; exit 1; }
echo "ok"
