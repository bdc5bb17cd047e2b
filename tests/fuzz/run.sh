#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...]: build the libFuzzer targets (clang, ASan+UBSan, in
# build-fuzz/) and run each for SECONDS (default 30) from its committed seed corpus and regression
# inputs (copied to build-fuzz/corpus/<target>/; the committed files are not touched). Fails
# (exit 1) on a crash, sanitizer report or timeout in vixrisk's code; the input is left in
# build-fuzz/artifacts/<target>/. Targets: config model history report.
#
# The report target parses mutated HDF5 files with libhdf5, whose parser crashes on crafted files
# by itself (docs/testing.md "Fuzzing"). It runs in libFuzzer's fork mode, which keeps going after
# a crash; then tests/fuzz/classify.sh replays every crash and timeout: one inside libhdf5 is
# counted and listed, one in our code fails the run.
# Environment: FUZZ_JOBS (parallel workers per target, default 1), FUZZ_PAR (targets run at once,
# default one per core), FUZZ_BUILD (build directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config model history report)
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-1}
mkdir -p "$build"
babs=$(cd "$build" && pwd) # (the jobs run in directories of their own)
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DVIXRISK_FUZZ=ON -DVIXRISK_BUILD_TESTS=OFF > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
# the cores, counted before OMP_NUM_THREADS=1 below: GNU nproc honours that variable
ncpu=$(nproc)
cmake --build "$build" -j"$ncpu" > "$build/build.log" 2>&1 || { tail -50 "$build/build.log"; exit 1; }
export OMP_NUM_THREADS=1
# HDF5 keeps library-wide caches until exit; its allocations are not ours to police.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One target: its summary on stdout, status 1 when it failed in our code.
fuzz_one() {
  local t=$1
  local corpus="$build/corpus/$t" art="$build/artifacts/$t" log="$build/fuzz_$t.log"
  rm -rf "$corpus"
  mkdir -p "$corpus" "$art"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  [ -d tests/fuzz/regress/"$t" ] && cp tests/fuzz/regress/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz $t: ${secs}s"
  if [ "$t" = report ]; then
    rm -f "$art"/*
    "$build/fuzz_$t" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$art/" "$corpus" > "$log" 2>&1 || true
    grep -E "^#[0-9]+" "$log" | tail -1 || true
    shopt -s nullglob
    local found=("$art"/crash-* "$art"/timeout-*)
    shopt -u nullglob
    if [ ${#found[@]} -gt 0 ] && ! tests/fuzz/classify.sh "$build/fuzz_$t" "${found[@]}"; then
      echo "fuzz $t: FAILED in our code (log: $log, inputs: $art/)"
      return 1
    fi
    return 0
  fi
  # One job runs in this process, its output in $log. More run as child processes that libFuzzer
  # logs to fuzz-<N>.log in the working directory: each target gets its own (the targets run at
  # once, and with one shared directory their logs overwrote each other's: the summaries printed
  # for config and model were the same run's, and a failure would have shown another target's log).
  local multi=()
  [ "$jobs" -gt 1 ] && multi=(-jobs="$jobs" -workers="$jobs")
  local wd="$build/work_$t"
  mkdir -p "$wd"
  if ! (cd "$wd" && "$babs/fuzz_$t" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
        -max_len=65536 ${multi[@]+"${multi[@]}"} -print_final_stats=1 -artifact_prefix="$babs/artifacts/$t/" \
        "$babs/corpus/$t") > "$log" 2>&1; then
    echo "fuzz $t: FAILED (log: $log, inputs: $art/)"
    tail -40 "$log"
    [ "$jobs" -gt 1 ] && tail -40 "$wd"/fuzz-*.log
    return 1
  fi
  if [ "$jobs" -gt 1 ]; then
    cat "$wd"/fuzz-*.log >> "$log"
  fi
  grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$log" | tail -2 || true
}

# The targets run FUZZ_PAR at a time (default: one per core; each is one process unless
# FUZZ_JOBS says more), each for SECONDS: the same fuzzing per target in less wall time. Their
# summaries print in target order when all are done.
par=${FUZZ_PAR:-$ncpu}
status=0
running=()
for t in "${targets[@]}"; do
  fuzz_one "$t" > "$build/summary_$t.txt" 2>&1 &
  running+=($!)
  if [ ${#running[@]} -ge "$par" ]; then
    wait "${running[0]}" || status=1
    running=("${running[@]:1}")
  fi
done
for pid in "${running[@]}"; do
  wait "$pid" || status=1
done
for t in "${targets[@]}"; do
  cat "$build/summary_$t.txt"
done
exit $status
