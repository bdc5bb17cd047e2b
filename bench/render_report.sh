#!/bin/sh
# render_report.sh: screenshot an HTML report (vixrisk report) to PNG with headless Chromium, to
# check how it looks without a desktop and to keep a picture of it next to the results.
#
#   bench/render_report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]     (default 1280 x 2400 px)
#
# Needs Debian's chromium (apt-get install chromium). The report is self-contained and the flags
# below switch off every network feature, so rendering makes no network requests. A throwaway
# profile directory is used and removed.
set -eu

if [ $# -lt 2 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTH [HEIGHT]]" >&2
    [ $# -ge 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; } && exit 0
    exit 2
fi
in=$1
out=$2
width=${3:-1280}
height=${4:-2400}

[ -r "$in" ] || { echo "$0: cannot read $in" >&2; exit 1; }
browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
[ -n "$browser" ] || { echo "$0: chromium not found (apt-get install chromium)" >&2; exit 1; }

abs_in=$(cd "$(dirname "$in")" && pwd)/$(basename "$in")
case "$out" in /*) abs_out=$out ;; *) abs_out=$(pwd)/$out ;; esac
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --screenshot="$abs_out" \
    --window-size="$width,$height" "file://$abs_in" >/dev/null 2>&1 || true

[ -s "$abs_out" ] || { echo "$0: chromium wrote no screenshot to $abs_out" >&2; exit 1; }
echo "wrote $out ($(wc -c < "$abs_out") bytes, ${width}x${height} px)"
