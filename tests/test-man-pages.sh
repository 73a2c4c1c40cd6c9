#!/usr/bin/env bash
# test-man-pages — the manual pages stay true to the programs: gaze-cli(1)
# has a section for every command `gaze-cli --help` lists and names every
# option each command's --help lists, and both pages format without a
# warning (groff -ww).
#   test-man-pages.sh PATH/TO/gaze-cli     (GAZE_SOURCE_DIR set by meson)
set -uo pipefail
cli=$1
pages=${GAZE_SOURCE_DIR:?}/app
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# In the page's source an option's dashes are written \-.
page=$(sed 's/\\-/-/g' "$pages/gaze-cli.1")
commands=$("$cli" --help | sed -n 's/^  \([a-z]\+\)  .*/\1/p')
[ -n "$commands" ] || fail "no commands in gaze-cli --help"
for c in $commands; do
  grep -q "^\.SS $c\b" <<<"$page" || fail "gaze-cli.1 has no section for '$c'"
  for option in $("$cli" "$c" --help | grep -oE '^ +--[a-z0-9-]+' | tr -d ' '); do
    [ "$option" = --help ] && continue
    grep -qE -- "(^|[^a-z-])$option([^a-z-]|$)" <<<"$page" || fail "gaze-cli.1 does not name $c $option"
  done
done
grep -q -- "--version" <<<"$page" || fail "gaze-cli.1 does not name --version"
if command -v groff >/dev/null; then
  for p in gaze.1 gaze-cli.1; do
    warnings=$(groff -man -Tutf8 -ww -z "$pages/$p" 2>&1)
    [ -z "$warnings" ] || fail "$p: $warnings"
  done
fi
[ $failures -eq 0 ] || exit 1
echo "ok"
