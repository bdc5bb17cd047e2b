#!/bin/sh
# pgo_build.sh: a profile-guided (gcc) build of vixrisk and vixrisk-bench, for long batch runs and
# benchmarks. The numbers are the default build's: only code layout, inlining and unrolling
# change, so the script ends by checking the golden hashes (tests/golden) with the new binary.
#
#   bench/pgo_build.sh [BUILD_DIR]        (default build-pgo; run from anywhere)
#
# Steps, all in BUILD_DIR (gcc names the profile files after the object files' paths, so the
# instrumented and the final build must share the directory):
#   1. configure with -DVIXRISK_PGO=GENERATE and build the two binaries (instrumented);
#   2. train: the main job at 1,000 paths on 2 threads (its table build, paths, marks, searches
#      and books; the calibrated two-factor job is left out: its instrumented table build alone
#      takes 100 s, and code the training does not run is compiled as without a profile);
#   3. reconfigure with -DVIXRISK_PGO=USE, rebuild from the profile, check the golden hashes.
# Takes about 3 minutes on 2 cores. Exit status: 0 built and checked, 1 a step failed.
# Measured gain and why it is not the default: results/BENCHMARKS.md, "Profile-guided build".
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-pgo}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
jobs=$(nproc 2>/dev/null || echo 2)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

echo "pgo_build: 1/3 instrumented build in $build"
rm -rf "$build/pgo-profile"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DVIXRISK_BUILD_TESTS=OFF \
    -DVIXRISK_PGO=GENERATE -DVIXRISK_PGO_DIR="$build/pgo-profile" > "$work/cmake.log" ||
    { cat "$work/cmake.log" >&2; exit 1; }
cmake --build "$build" -j"$jobs" --target vixrisk vixrisk-bench > "$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; exit 1; }

echo "pgo_build: 2/3 training runs"
cd "$src"
"$build/vixrisk" run configs/alvh.yaml --paths 1000 --threads 2 -q -o "$work/alvh.h5" > "$work/run.log" 2>&1 ||
    { cat "$work/run.log" >&2; exit 1; }
[ -d "$build/pgo-profile" ] || { echo "pgo_build: the training wrote no profile" >&2; exit 1; }

echo "pgo_build: 3/3 build from the profile"
cmake -S "$src" -B "$build" -DVIXRISK_PGO=USE > "$work/cmake.log" ||
    { cat "$work/cmake.log" >&2; exit 1; }
cmake --build "$build" -j"$jobs" --target vixrisk vixrisk-bench > "$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; exit 1; }
rc=0
python3 "$src/tests/golden/golden.py" "$build/vixrisk" "$src" || rc=$?
if [ "$rc" -eq 77 ]; then
    echo "pgo_build: golden hashes not checked (they need AVX2)"
elif [ "$rc" -ne 0 ]; then
    echo "pgo_build: the profile-guided binary does not give the golden hashes" >&2
    exit 1
fi
echo "pgo_build: $build/vixrisk and $build/vixrisk-bench (profile-guided; same numbers as the default build)"
