#!/bin/sh
# make_results.sh: regenerate the example results in results/ from the current code, in one go, so
# what the repository shows is what the code prints:
#
#   results/alvh.txt              the console output of the main job (vixrisk run configs/alvh.yaml),
#                                 under a header naming the command, the commit, the CPU and the
#                                 path count (tests/check_results.sh compares the rest with what
#                                 the current code prints: ctest results_current)
#   results/alvh.h5               its run file (not committed: .gitignore)
#   results/alvh_report.html      the report in every format: .html, .md (+ alvh_report_files/),
#   results/alvh_report.{md,csv,json}   .csv (+ _trades.csv, _attribution.csv) and .json
#   results/alvh_report.png       a screenshot of the HTML (headless Chromium, 1400 px wide), when
#                                 chromium is installed
#   results/stress.txt, results/stress_report.html   the batch stress job (configs/stress.yaml) at
#                                 STRESS_PATHS paths, with its stress matrix (skipped with
#                                 STRESS_PATHS=0)
#
#   bench/make_results.sh [BUILD_DIR]        (default build; run from anywhere)
#   PATHS=N       run the main job at N paths (default: the config's simulation.paths)
#   STRESS_PATHS=N  paths of the stress job (default 10000: 100 paths beyond VaR99, the fewest
#                 on which its dES99 are judged; 0 skips it)
#   BENCH=1       also run the full benchmark (vixrisk-bench: kernels, path generation, marks,
#                 the evaluator and the main job end to end at 100,000 paths; about 3-4 minutes
#                 on an idle 2-core AVX-512 machine: the path-generation rows of 5886c9d's
#                 bench.json alone add up to 132 s, the main job to 22 s) into results/bench.txt
#                 and results/bench.json;
#                 its header names the commit and the CPU, and its timings are this machine's;
#                 and the million-path case into results/million.txt: the main job at 1,000,000
#                 paths measured in full (wall, peak RSS, the stages from its run file and from
#                 --stages; about 4 minutes), again with simulation.mark_precision: single (the
#                 daily marks in float), then at 5 trading days (a run's per-path outputs do not depend on its
#                 days) with the per-path outputs held in memory and with the default store (on disk
#                 past 256 MiB)
#   PGO=DIR       with BENCH=1: also the million-path case (252 days) with DIR/vixrisk, a
#                 profile-guided build of the same commit (bench/pgo_build.sh DIR), into
#                 results/million.txt (DIR relative to the caller's directory, as BUILD_DIR)
#
# The kernels are pinned to AVX2 (--isa avx2) so the numbers do not depend on whether the machine
# has AVX-512; results are bit-identical for any thread count. The timings in the output (the
# "wrote ... (s)" line) are the only lines that change between identical runs.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
case "$build" in /*) ;; *) build=$(pwd)/$build ;; esac
vixrisk=$build/vixrisk
[ -x "$vixrisk" ] || { echo "$0: no $vixrisk (build first: cmake --build build)" >&2; exit 1; }
if [ -n "${PGO:-}" ]; then
    case "$PGO" in /*) ;; *) PGO=$(pwd)/$PGO ;; esac
    [ "${BENCH:-0}" = 1 ] || { echo "$0: PGO=$PGO is used only with BENCH=1" >&2; exit 2; }
    [ -x "$PGO/vixrisk" ] || { echo "$0: PGO: no $PGO/vixrisk (build it with bench/pgo_build.sh $PGO)" >&2; exit 1; }
fi
cd "$root"

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# results/ itself is what this script rewrites: a change there is not a change of the code
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!results' 2>/dev/null)" ]; then commit="$commit (with uncommitted changes)"; fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
# plain nproc reports OMP_NUM_THREADS when it is set: the machine's cores are asked for without it
cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo "?")
paths=${PATHS:-$(sed -n 's/^[[:space:]]*paths:[[:space:]]*\([0-9][0-9]*\).*/\1/p' configs/alvh.yaml | head -n 1)}
stress_paths=${STRESS_PATHS:-10000}
mkdir -p results

# The binaries must be this tree's: a build of one target (cmake --build build --target vixrisk)
# leaves the others as they were, and vixrisk-bench records the commit it was built from, so a
# stale one would put figures of older code under this commit. Each names its build (--version):
# both must be the tree's commit, "-dirty" exactly when the tree is.
want=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
case "$commit" in *uncommitted*) want="$want-dirty" ;; esac
built_id() { sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p'; }
id=$("$vixrisk" --version | built_id)
if [ "$id" != "$want" ]; then
    echo "$0: $vixrisk was built from $id, the tree is at $want: rebuild first (cmake --build $build)" >&2
    exit 1
fi

header() { # $1 = command shown
    echo "# $1"
    echo "# commit: $commit"
    echo "# cpu: $cpu, $cores cores; kernels pinned to avx2"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# paths: $paths"
    echo "# Everything below this header but the 'wrote ... (s)' line is checked against the current"
    echo "# code by ctest results_current (tests/check_results.sh); regenerate with bench/make_results.sh."
}

cmd="vixrisk run configs/alvh.yaml --paths $paths --isa avx2 -o results/alvh.h5 -q"
echo "running: $cmd"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$vixrisk" run configs/alvh.yaml --paths "$paths" --isa avx2 -o results/alvh.h5 -q > "$tmp"
{ header "$cmd"; cat "$tmp"; } > results/alvh.txt
echo "wrote results/alvh.txt"

for fmt in html md csv json; do
    "$vixrisk" report results/alvh.h5 -o "results/alvh_report.$fmt"
done
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    bench/render_report.sh results/alvh_report.html results/alvh_report.png 1400 3000
else
    echo "chromium not installed: results/alvh_report.png left as it was"
fi

if [ "$stress_paths" -gt 0 ]; then
    scmd="vixrisk run configs/stress.yaml --paths $stress_paths --isa avx2 -o results/stress.h5 -q"
    echo "running: $scmd"
    "$vixrisk" run configs/stress.yaml --paths "$stress_paths" --isa avx2 -o results/stress.h5 -q > "$tmp"
    { paths=$stress_paths; header "$scmd"; cat "$tmp"; } > results/stress.txt
    "$vixrisk" report results/stress.h5 -o results/stress_report.html
    "$vixrisk" report results/stress.h5 -o results/stress_report.json
fi
if [ "${BENCH:-0}" = 1 ]; then
    echo "running: vixrisk-bench (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    bid=$("$build/vixrisk-bench" --version | built_id)
    if [ "$bid" != "$want" ]; then
        echo "$0: $build/vixrisk-bench was built from $bid, the tree is at $want: rebuild first (cmake --build $build)" >&2
        exit 1
    fi
    "$build/vixrisk-bench" --json results/bench.json > "$tmp"
    { cat "$tmp"; echo; echo "load average (1/5/15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"; } > results/bench.txt
    echo "wrote results/bench.txt, results/bench.json"
    command -v /usr/bin/time >/dev/null 2>&1 || { echo "$0: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
    mem=$(mktemp -d)
    trap 'rm -f "$tmp"; rm -rf "$mem"' EXIT
    sed 's/^\([[:space:]]*horizon_days:\).*/\1 5/' configs/alvh.yaml > "$mem/alvh5.yaml"
    # the main job with simulation.mark_precision: single (the daily marks in float)
    sed 's/^simulation:$/simulation:\n  mark_precision: single/' configs/alvh.yaml > "$mem/alvh_sm.yaml"
    grep -q '^  mark_precision: single$' "$mem/alvh_sm.yaml" || { echo "$0: could not set mark_precision" >&2; exit 1; }
    million_full() { # $1 = binary, $2 = label[, $3 = config]: the main job at 1,000,000 paths, 252 days
        /usr/bin/time -f "%M %e %U %S" -o "$mem/t" \
            "$1" run "${3:-configs/alvh.yaml}" --paths 1000000 --threads 2 -q --stages -o "$mem/full.h5" > /dev/null 2> "$mem/stages"
        read -r kib wall user sys < "$mem/t"
        echo "252 days, $2: wall $wall s (user $user s, sys $sys s), peak RSS $((kib / 1024)) MiB"
        sed -n '/^stages of/,$s/^/  /p' "$mem/stages"
        /usr/bin/python3 - "$mem/full.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
total = float(f.attrs["wall_seconds"])
sc = f["svcj"]
scen, tables = float(sc.attrs["wall_seconds"]), float(sc.attrs["marks_build_seconds"])
npol = sum(1 for k in sc if "pnl" in sc[k])
pdp = int(f.attrs["paths"]) * int(f.attrs["horizon_days"]) * npol
print(f"  stages: pricing tables {tables:.1f} s, paths and policies {scen - tables:.1f} s "
      f"({pdp / (scen - tables) / 1e6:.2f}M path-day-policies/s), scoring and writing the run "
      f"file {total - scen:.1f} s; {npol} policies")
PY
        rm -f "$mem/full.h5"
    }
    echo "running: the main job at 1,000,000 paths (about 4 minutes), again with single-precision marks, then at 5 days twice"
    {
        echo "# the main job (configs/alvh.yaml: its model, 11 policies) at 1,000,000 paths, 2 threads"
        echo "# commit: $commit"
        echo "# cpu: $cpu, $cores cores"
        echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
        million_full "$vixrisk" "measured in full"
        million_full "$vixrisk" "simulation.mark_precision: single, measured in full" "$mem/alvh_sm.yaml"
        for store in memory default; do
            if [ $store = memory ]; then set -- env VIXRISK_PATH_STORE_MB=1000000; else set -- env -u VIXRISK_PATH_STORE_MB; fi
            "$@" /usr/bin/time -f "%M %e %U %S" -o "$mem/t" \
                "$vixrisk" run "$mem/alvh5.yaml" --paths 1000000 --threads 2 -q -o "$mem/out.h5" > /dev/null
            read -r kib wall user sys < "$mem/t"
            echo "5 days, per-path outputs $store: peak RSS $((kib / 1024)) MiB, wall $wall s (user $user s, sys $sys s)"
        done
        if [ -n "${PGO:-}" ]; then
            million_full "$PGO/vixrisk" "profile-guided build ($("$PGO/vixrisk" --version | head -n 1), bench/pgo_build.sh)"
        fi
        echo "load average (1/5/15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    } > results/million.txt
    rm -rf "$mem"
    echo "wrote results/million.txt"
fi
echo "results/ regenerated at commit $commit"
