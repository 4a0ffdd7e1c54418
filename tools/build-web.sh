#!/usr/bin/env bash
# Build the browser page (docs/web.md): entente's library compiled to WebAssembly, and the
# static files that load it, in one folder that any web host can serve as it is.
#
#   tools/build-web.sh [DIR]        (default DIR: web/dist)
#
# Needs the Rust toolchain; adds the wasm32-wasip1 target when it is missing. No
# other tool: the page talks to the module through a small C ABI (web/src/lib.rs), so there
# is no generated JavaScript. Each file also gets a gzip copy (FILE.gz) that `entente serve`
# sends to browsers that accept it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-web/dist}

# WASI rather than wasm32-unknown-unknown: there, plotters measures chart text in the DOM,
# which a Web Worker does not have; under WASI it lays text out as on the command line, so
# the page's report is `entente report`'s. The page answers the module's few system calls.
target=wasm32-wasip1
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    rustup target add "$target"
fi
cargo build --locked -p entente-web --target "$target" --profile web

tmp="$out.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$tmp"
cp web/static/index.html web/static/app.js web/static/worker.js web/static/style.css "$tmp/"
cp "target/$target/web/entente_web.wasm" "$tmp/entente.wasm"
for f in "$tmp"/*; do
    gzip -9 -n -k "$f"
done
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
trap - EXIT
echo "Built $out/ ($(du -sh "$out/entente.wasm" | cut -f1) module, $(du -ch "$out"/*.gz | tail -1 | cut -f1) gzipped in all)."
echo "Serve it with: cargo run --release -- serve $out --open"
