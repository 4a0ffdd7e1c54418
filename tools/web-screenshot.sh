#!/usr/bin/env bash
# Regenerate docs/web-screenshot.png: the browser page (docs/web.md) after a flagship study
# (500 runs, seed 7, Waltz, eta 0.3, U.S. intentions toward China 0.9), as the browser test
# of tests/it/web.rs leaves it, in headless Chromium (1280 × 2000).
#
#   tools/web-screenshot.sh
#
# Needs the Rust toolchain and Chromium (Debian: apt-get install chromium); builds the page
# with tools/build-web.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build-web.sh >/dev/null
ENTENTE_WEB_SCREENSHOT="$PWD/docs/web-screenshot.png" \
    cargo test --release --quiet --test it web::the_page_gives -- --nocapture 2>/dev/null \
    || ENTENTE_WEB_SCREENSHOT="$PWD/docs/web-screenshot.png" \
        cargo test --release --test it web::the_page_gives
echo "Wrote docs/web-screenshot.png"
