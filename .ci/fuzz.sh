#!/usr/bin/env bash
# Fuzzing smoke run for CI (issue 17): builds every cargo-fuzz target of fuzz/ and runs each
# from its seed corpus (fuzz/seeds/TARGET) with its dictionary (fuzz/dict/TARGET.dict) for a
# short budget, so that a regression that makes a reader panic on input it used to refuse
# surfaces. Fails on any crash, timeout or out-of-memory; prints each target's executions.
#
#   ENTENTE_FUZZ_SECONDS  seconds per target (default 20)
#   ENTENTE_FUZZ_TARGETS  targets to run, space-separated (default: all of `cargo fuzz list`)
#
# Long runs (hours, with the growing corpus kept in fuzz/corpus/) are described in
# docs/reliability.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
seconds="${ENTENTE_FUZZ_SECONDS:-20}"
start=$(date +%s)

# libFuzzer needs a nightly compiler (-Z sanitizer flags); cargo-fuzz drives it.
if ! cargo +nightly --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
cargo +nightly --version
cargo fuzz --version

# Address sanitizer (cargo-fuzz's default), optimised (-O), with debug assertions and overflow
# checks (-a: without it, -O builds wrap integer overflow silently and a fuzzer cannot see it).
# Sixteen codegen units rather than cargo-fuzz's one: the build takes about half the time
# (3.4 instead of 6 minutes on 2 cores), for a somewhat slower fuzzer in a 20-second smoke run.
flags=(-O -a --codegen-units 16)
cargo +nightly fuzz build "${flags[@]}"
targets="${ENTENTE_FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"

# A fresh working corpus each time, seeded from the committed seeds: CI checks that the
# readers survive mutations of real inputs, not that a corpus grows.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in $targets; do
    mkdir -p "$work/$t" "$work/artifacts/$t"
    log="$work/$t.log"
    echo "== fuzz $t: ${seconds} s"
    # Each target is run once, single process; -print_final_stats gives the count.
    if cargo +nightly fuzz run "${flags[@]}" "$t" "$work/$t" "fuzz/seeds/$t" -- \
        -dict="fuzz/dict/$t.dict" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$t/" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        echo "fuzz $t: ${runs:-?} executions, no crash"
    else
        failed+=("$t")
        echo "fuzz $t: FAILED; the end of its log:"
        tail -n 60 "$log"
        for a in "$work/artifacts/$t"/*; do
            [ -e "$a" ] || continue
            mkdir -p fuzz/artifacts/"$t"
            cp "$a" fuzz/artifacts/"$t"/
            echo "crash input kept: fuzz/artifacts/$t/$(basename "$a") (reproduce: cargo +nightly fuzz run ${flags[*]} $t fuzz/artifacts/$t/$(basename "$a"))"
        done
    fi
done
echo "fuzzing took $(($(date +%s) - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz targets that crashed: ${failed[*]}"
    exit 1
fi
