#!/usr/bin/env bash
# Non-test code lines of the model and its SIMD substrate (issue "One step, written once"):
# every .rs file of src/model and src/simd, src/params.rs and the engine's recorder
# src/stats/lanes.rs, counted up to the file's first `#[cfg(test)]`, without blank lines and
# comment lines (`//`, `///`, `//!`, block comments). Run from the repository root; give a
# folder to count another checkout (e.g. one made with `git worktree add`).
set -euo pipefail
root=${1:-.}
cd "$root"
shopt -s nullglob
files=()
for f in src/model/*.rs src/simd/*.rs src/params.rs src/stats/lanes.rs; do
    [ -f "$f" ] && files+=("$f")
done
awk '
    FNR == 1 { done = 0; block = 0 }
    done { next }
    { line = $0; sub(/^[ \t]+/, "", line) }
    line ~ /^#\[cfg\(test\)\]/ { done = 1; next }
    block { if (line ~ /\*\//) block = 0; next }
    line ~ /^\/\*/ { if (line !~ /\*\//) block = 1; next }
    line == "" || line ~ /^\/\// { next }
    { count[FILENAME]++; total++ }
    END {
        for (f in count) printf "%6d %s\n", count[f], f
        printf "%6d total\n", total
    }
' "${files[@]}" | sort -k2
