#!/usr/bin/env bash
# bench/ui.sh — how fast the window feels: time to show a photo, time to its
# caption with attention, and the redraw time when stepping words (see
# bench/ui.c).  Runs the real window under a virtual display when there is
# no display.  Prints medians over the dev photos in ../shared/data/photos.
#   bench/ui.sh                        (BUILD: the build folder, default build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
export GAZE_SHARED_DIR=$shared
bench_build bench/bench-ui
echo "Gaze window on $(nproc) cores: $(bench_cpu_name)"
# Other work on the machine slows everything: say how busy it was.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec xvfb-run -a -s '-screen 0 1280x1024x24' "$build/bench/bench-ui"
fi
exec "$build/bench/bench-ui"
