#!/bin/sh
# pgo_build.sh: a profile-guided (gcc) build of vixrisk and vixrisk-bench, for long batch runs and
# benchmarks. The numbers are the default build's: only code layout, inlining and unrolling
# change, and the script checks that they are before it says so.
#
#   bench/pgo_build.sh [BUILD_DIR [REFERENCE]]   (default build-pgo and build/vixrisk; from anywhere)
#
# Steps, all in BUILD_DIR (gcc names the profile files after the object files' paths, so the
# instrumented and the final build must share the directory):
#   1. configure with -DVIXRISK_PGO=GENERATE and build the two binaries (instrumented);
#   2. train: the main job at 1,000 paths on 2 threads (its table build, paths, marks, searches
#      and books; the calibrated two-factor job is left out: its instrumented table build alone
#      takes 100 s, and code the training does not run is compiled as without a profile);
#   3. reconfigure with -DVIXRISK_PGO=USE and rebuild from the profile; then check
#      - the golden hashes (tests/golden, the AVX2 kernels; skipped on a CPU without AVX2), and
#      - when REFERENCE (a default build of the same commit) exists, the main job at 300 paths on
#        this CPU's own kernels against REFERENCE's run (h5diff: every dataset and attribute but
#        the times, the command line and the build).
# -Werror stays with the default build: a profile can make gcc warn where it did not.
# About 2 minutes on 2 cores. Exit status: 0 built, and checked as far as this CPU allows;
# 1 a step failed or the numbers differ.
# Measured gain and why it is not the default: results/BENCHMARKS.md, "Evaluator, 2026-12-02 late".
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-pgo}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
ref=${2:-$src/build/vixrisk}
case $ref in /*) ;; *) ref=$(pwd)/$ref ;; esac
jobs=$(nproc 2>/dev/null || echo 2)
py=/usr/bin/python3 # Debian's, with python3-h5py (README)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "pgo_build: $*" >&2; exit 1; }

echo "pgo_build: 1/3 instrumented build in $build"
rm -rf "$build/pgo-profile"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DVIXRISK_BUILD_TESTS=OFF -DVIXRISK_WERROR=OFF \
    -DVIXRISK_PGO=GENERATE -DVIXRISK_PGO_DIR="$build/pgo-profile" > "$work/cmake.log" ||
    { cat "$work/cmake.log" >&2; fail "configure (GENERATE) failed"; }
cmake --build "$build" -j"$jobs" --target vixrisk vixrisk-bench > "$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "instrumented build failed"; }

echo "pgo_build: 2/3 training run"
cd "$src"
"$build/vixrisk" run configs/alvh.yaml --paths 1000 --threads 2 -q -o "$work/train.h5" > "$work/run.log" 2>&1 ||
    { cat "$work/run.log" >&2; fail "training run failed"; }
ls "$build/pgo-profile"/*.gcda > /dev/null 2>&1 || fail "the training run wrote no profile"

echo "pgo_build: 3/3 build from the profile"
cmake -S "$src" -B "$build" -DVIXRISK_PGO=USE > "$work/cmake.log" ||
    { cat "$work/cmake.log" >&2; fail "configure (USE) failed"; }
cmake --build "$build" -j"$jobs" --target vixrisk vixrisk-bench > "$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "build from the profile failed"; }

[ -x "$py" ] && "$py" -c 'import h5py' 2> /dev/null ||
    fail "$py with h5py is needed for the golden hashes (apt-get install python3-h5py)"
rc=0
"$py" "$src/tests/golden/golden.py" "$build/vixrisk" "$src" || rc=$?
if [ "$rc" -eq 77 ]; then
    echo "pgo_build: golden hashes not checked (they need AVX2)"
elif [ "$rc" -ne 0 ]; then
    fail "the profile-guided binary does not give the golden hashes (exit $rc)"
fi
if [ -x "$ref" ]; then
    "$ref" run configs/alvh.yaml --paths 300 --threads 2 -q -o "$work/ref.h5" > /dev/null 2>&1 ||
        fail "$ref run configs/alvh.yaml failed"
    "$build/vixrisk" run configs/alvh.yaml --paths 300 --threads 2 -q -o "$work/pgo.h5" > /dev/null 2>&1 ||
        fail "$build/vixrisk run configs/alvh.yaml failed"
    command -v h5diff > /dev/null 2>&1 || fail "h5diff is needed (apt-get install hdf5-tools)"
    hrc=0
    h5diff "$work/ref.h5" "$work/pgo.h5" > "$work/diff.txt" 2>&1 || hrc=$?
    [ "$hrc" -le 1 ] || { cat "$work/diff.txt" >&2; fail "h5diff failed (exit $hrc)"; }
    if grep -E '^(dataset|attribute): ' "$work/diff.txt" |
        grep -qvE '^attribute: <(command_line|utc_time|wall_seconds|marks_build_seconds|build|vixrisk_version) of '; then
        cat "$work/diff.txt" >&2
        fail "the main job's run differs from $ref's (a default build of this commit?)"
    fi
    echo "pgo_build: the main job at 300 paths, this CPU's kernels: the same run file as $ref's"
else
    echo "pgo_build: no $ref: the run on this CPU's own kernels not compared"
fi
echo "pgo_build: $build/vixrisk and $build/vixrisk-bench (profile-guided; same numbers as the default build)"
