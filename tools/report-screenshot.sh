#!/usr/bin/env bash
# Regenerate docs/report-screenshot.png, the screenshot of the HTML report that README.md and
# docs/teaching.md show: the top of the flagship's report (1,000 runs, its default seed and key
# pairs) in headless Chromium, at a fixed window size.
#
#   tools/report-screenshot.sh            (from anywhere in the repository)
#   CHROMIUM=/path/to/chrome tools/report-screenshot.sh
#
# Needs the Rust toolchain and Chromium (Debian: apt-get install chromium). The numbers on the
# page are the same on every machine (same seed, same runs); the page's "finished" time and
# the fonts of the machine are not, so the PNG's bytes may differ from one machine to another.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CHROMIUM:-/usr/bin/chromium}
width=1100
height=2500
out=docs/report-screenshot.png

if [ ! -x "$chromium" ]; then
    echo "report-screenshot: $chromium not found (apt-get install chromium, or set CHROMIUM)" >&2
    exit 1
fi

cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

target/release/entente run --runs 1000 --quiet --out "$tmp/vostok-2018"
target/release/entente report "$tmp/vostok-2018" --out "$tmp/report.html" >/dev/null
"$chromium" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --window-size="$width,$height" \
    --screenshot="$tmp/shot.png" "file://$tmp/report.html" >/dev/null 2>&1
test -s "$tmp/shot.png"
cp "$tmp/shot.png" "$out"
echo "report-screenshot: wrote $out ($(wc -c <"$out") bytes, ${width}x${height})"
