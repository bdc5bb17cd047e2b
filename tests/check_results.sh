#!/bin/sh
# check_results.sh: does results/alvh.txt still show what the current code prints for the main job?
# Reads the command's path count from the file's header ("# paths: N"), runs
# `vixrisk run configs/alvh.yaml --paths N --isa avx2` and compares the output with the file, minus
# the header ('#' lines) and the timing line ("wrote ... (12.3 s)"). A difference fails with the
# diff and the way to regenerate (bench/make_results.sh).
#
#   tests/check_results.sh VIXRISK SOURCE_DIR [RESULTS_FILE]
#
# Exit 0 same, 1 different (or the run failed), 77 skipped (no AVX2 on this CPU: the file's
# numbers come from the AVX2 kernels).
set -eu
vixrisk=$1
src=$2
file=${3:-$src/results/alvh.txt}
[ -r "$file" ] || { echo "check_results: no $file (bench/make_results.sh writes it)" >&2; exit 1; }
paths=$(sed -n 's/^# paths: \([0-9][0-9]*\)$/\1/p' "$file" | head -n 1)
[ -n "$paths" ] || { echo "check_results: $file has no '# paths: N' header line (regenerate it with bench/make_results.sh)" >&2; exit 1; }
if ! grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    echo "check_results: this CPU has no AVX2; the file's numbers come from the AVX2 kernels: skipped"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$src"
if ! "$vixrisk" run configs/alvh.yaml --paths "$paths" --isa avx2 -o "$work/alvh.h5" -q > "$work/now.txt" 2> "$work/err.txt"; then
    echo "check_results: vixrisk run configs/alvh.yaml failed:" >&2
    cat "$work/err.txt" >&2
    exit 1
fi
strip() { grep -v '^#' "$1" | grep -v '^wrote .* s)$' || true; }
strip "$file" > "$work/want.txt"
strip "$work/now.txt" > "$work/got.txt"
if ! diff -u "$work/want.txt" "$work/got.txt" > "$work/diff.txt"; then
    echo "check_results: $file no longer matches what the current code prints for configs/alvh.yaml" >&2
    echo "(--paths $paths; '-' the file, '+' now). Regenerate with bench/make_results.sh." >&2
    cat "$work/diff.txt" >&2
    exit 1
fi
echo "check_results: $file matches the current code ($paths paths, $(wc -l < "$work/got.txt") lines)"
