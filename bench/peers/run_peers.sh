#!/usr/bin/env bash
# run_peers.sh: vixrisk next to QuantLib and numpy on the same Heston QE workload, in one run.
#
# Builds the QuantLib peer (if libquantlib0-dev is installed) and vr_condor, runs the QuantLib
# peer, the numpy peer, `vixrisk price`, vr_condor and `vixrisk-bench --quick` one after the
# other on one thread, checks that the Monte Carlo prices agree with each other and with the
# analytic price, and writes results/peers.json and results/PEERS.md.
#
#   bench/peers/run_peers.sh            (env: BUILD=build REPS=3 PATHS=50000 VR_PATHS=1000000
#                                              CONDOR_PATHS=40000 VR_CONDOR_PATHS=200000)
#
# Workload (configs/models/heston.yaml): European call, strike 100, expiry 1 y, 252 steps/year.
# Needs ./$BUILD with a Release build of vixrisk (cmake --build build) and /usr/bin/python3 with
# numpy (apt-get install python3-numpy; python3-scipy optional).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
REPS=${REPS:-3}
PATHS=${PATHS:-50000}
VR_PATHS=${VR_PATHS:-1000000}
CONDOR_PATHS=${CONDOR_PATHS:-40000}
VR_CONDOR_PATHS=${VR_CONDOR_PATHS:-200000}
PY=/usr/bin/python3
OUT=$BUILD/peers
mkdir -p "$OUT" results
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

for f in "$BUILD/vixrisk" "$BUILD/vixrisk-bench" "$BUILD/libvixrisk.a"; do
    [ -e "$f" ] || { echo "run_peers: $f missing: cmake --build $BUILD" >&2; exit 1; }
done
"$PY" -c 'import numpy' 2>/dev/null || { echo "run_peers: apt-get install python3-numpy" >&2; exit 1; }

# ---- build the peers ---------------------------------------------------------------------------
QL_BIN=""
if [ -f /usr/include/ql/quantlib.hpp ] && { compgen -G "/usr/lib/libQuantLib.so*" || compgen -G "/usr/lib/*/libQuantLib.so*"; } >/dev/null; then
    QL_BIN=$OUT/ql_heston
    if [ ! -x "$QL_BIN" ] || [ bench/peers/ql_heston.cpp -nt "$QL_BIN" ]; then
        echo "building $QL_BIN (about a minute)" >&2
        g++ -O2 -std=c++17 -Wall -Wextra -Werror bench/peers/ql_heston.cpp -o "$QL_BIN" -lQuantLib
    fi
else
    echo "run_peers: QuantLib not found (apt-get install libquantlib0-dev): skipping its peer" >&2
fi
VRC_BIN=$BUILD/bench/peers/vr_condor            # the CMake target, when bench/peers is added
if [ ! -x "$VRC_BIN" ]; then
    VRC_BIN=$OUT/vr_condor
    HDF5_LIBS=$(sed -n 's/^HDF5_C_LIBRARIES:[A-Z]*=//p' "$BUILD/CMakeCache.txt" | tr ';' ' ')
    [ -n "$HDF5_LIBS" ] || HDF5_LIBS=$(sed -n 's/^HDF5_C_LIBRARY_hdf5:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    gcc -O2 -std=gnu11 -fopenmp -Wall -Wextra -Werror -Iengine/include -Ikernels/include \
        bench/peers/vr_condor.c -o "$VRC_BIN" "$BUILD/libvixrisk.a" \
        $(pkg-config --libs sleef libcyaml yaml-0.1) $HDF5_LIBS -lm
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_START=$(load)
echo "load at start: $LOAD_START" >&2

# ---- run everything, one thread each -------------------------------------------------------------
if [ -n "$QL_BIN" ]; then
    echo "quantlib: $PATHS paths x 252 steps, $REPS reps (gen + MC engine)" >&2
    "$QL_BIN" --gen-paths "$PATHS" --price-paths "$PATHS" --reps "$REPS" > "$OUT/ql.json"
else
    echo '{}' > "$OUT/ql.json"
fi
echo "numpy: $PATHS paths (gen), $CONDOR_PATHS paths (condor)" >&2
"$PY" bench/peers/np_heston.py --paths "$PATHS" --condor-paths "$CONDOR_PATHS" --reps "$REPS" > "$OUT/np.json"
echo "vixrisk price: $PATHS and $VR_PATHS paths" >&2
: > "$OUT/vr_price.jsonl"
for n in "$PATHS" "$VR_PATHS"; do
    for ((r = 0; r < REPS; r++)); do
        "$BUILD/vixrisk" price --model configs/models/heston.yaml --strike 100 --expiry 1 \
            --paths "$n" --steps-per-year 252 --threads 1 --json >> "$OUT/vr_price.jsonl"
    done
done
echo "vr_condor: $VR_CONDOR_PATHS paths" >&2
"$VRC_BIN" --paths "$VR_CONDOR_PATHS" --reps "$REPS" > "$OUT/vr_condor.json"
"$VRC_BIN" --paths "$VR_CONDOR_PATHS" --reps "$REPS" --gen-only > "$OUT/vr_gen.json"
"$VRC_BIN" --paths "$VR_CONDOR_PATHS" --reps "$REPS" --gen-only --fast-log > "$OUT/vr_gen_fast.json"
"$VRC_BIN" --paths "$VR_CONDOR_PATHS" --reps "$REPS" --gen-only --single > "$OUT/vr_gen_single.json"
echo "vixrisk price --precision single: $PATHS paths" >&2
: > "$OUT/vr_price_single.jsonl"
for ((r = 0; r < REPS; r++)); do
    "$BUILD/vixrisk" price --model configs/models/heston.yaml --strike 100 --expiry 1 \
        --paths "$PATHS" --steps-per-year 252 --threads 1 --json --precision single >> "$OUT/vr_price_single.jsonl"
done
echo "vixrisk-bench --quick" >&2
"$BUILD/vixrisk-bench" --quick --json "$OUT/bench.json" > "$OUT/bench.txt"
LOAD_END=$(load)

# ---- machine -----------------------------------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
NCPU=$(nproc --all)   # plain nproc honours OMP_NUM_THREADS=1
GCC=$(gcc --version | head -1)
GXX=$(g++ --version | head -1)
QLV=$(dpkg-query -W -f '${Version}' libquantlib0-dev 2>/dev/null || echo none)
SLEEFV=$(pkg-config --modversion sleef 2>/dev/null || echo unknown)
PYV=$("$PY" -c 'import platform, numpy; s = "python " + platform.python_version() + ", numpy " + numpy.__version__
try:
    import scipy; s += ", scipy " + scipy.__version__
except ImportError: pass
print(s)')
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
# a peer or the engine edited since that commit is not that commit's figure (results/, which this
# script rewrites, excepted; the same rule as bench/make_results.sh and the binaries' build id)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!results' 2>/dev/null)" ]; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi

# ---- checks, ratios, report --------------------------------------------------------------------
CPU="$CPU" NCPU="$NCPU" GCC="$GCC" GXX="$GXX" QLV="$QLV" SLEEFV="$SLEEFV" PYV="$PYV" COMMIT="$COMMIT" \
LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" OUT="$OUT" PATHS="$PATHS" VR_PATHS="$VR_PATHS" \
"$PY" - <<'EOF'
import json, math, os, statistics, time

E = os.environ
out = E["OUT"]
ql = json.load(open(f"{out}/ql.json"))
np_ = json.load(open(f"{out}/np.json"))
vrc = json.load(open(f"{out}/vr_condor.json"))
vrg = json.load(open(f"{out}/vr_gen.json"))
vrgf = json.load(open(f"{out}/vr_gen_fast.json"))
vrgs = json.load(open(f"{out}/vr_gen_single.json"))
runs_single = [json.loads(l) for l in open(f"{out}/vr_price_single.jsonl") if l.strip()]
bench = json.load(open(f"{out}/bench.json"))
runs = [json.loads(l) for l in open(f"{out}/vr_price.jsonl") if l.strip()]
paths, vr_paths = int(E["PATHS"]), int(E["VR_PATHS"])


def vr_run(n):
    rs = [r for r in runs if r["paths"] == n]
    sec = statistics.median(r["seconds"] for r in rs)
    return {"paths": n, "steps": rs[0]["steps"], "isa": rs[0]["isa"], "threads": 1,
            "mc": rs[0]["mc"], "se": rs[0]["se"], "analytic": rs[0]["analytic"],
            "seconds": sec, "runs_s": [r["seconds"] for r in rs],
            "path_steps_per_s": n * rs[0]["steps"] / sec}


vr_same, vr_long = vr_run(paths), vr_run(vr_paths)
vr_single = {"paths": paths, "isa": runs_single[0]["isa"], "mc": runs_single[0]["mc"],
             "se": runs_single[0]["se"],
             "seconds": statistics.median(r["seconds"] for r in runs_single),
             "runs_s": [r["seconds"] for r in runs_single]}
vr_single["path_steps_per_s"] = paths * runs_single[0]["steps"] / vr_single["seconds"]
analytic = vr_same["analytic"]
prices = {"vixrisk": (vr_same["mc"], vr_same["se"]), "vixrisk_long": (vr_long["mc"], vr_long["se"]),
          "numpy": (np_["gen"]["mc"], np_["gen"]["se"]),
          "vixrisk_single": (vr_single["mc"], vr_single["se"])}
if ql:
    prices["quantlib"] = (ql["price"]["mc"], ql["price"]["se"])
checks = []
for k, (m, s) in prices.items():
    checks.append({"what": f"{k} vs analytic", "diff": m - analytic, "z": (m - analytic) / s})
names = [k for k in prices if k not in ("vixrisk_long", "vixrisk_single")]
for i in range(len(names)):
    for j in range(i + 1, len(names)):
        (a, sa), (b, sb) = prices[names[i]], prices[names[j]]
        checks.append({"what": f"{names[i]} vs {names[j]}", "diff": a - b,
                       "z": (a - b) / math.hypot(sa, sb)})
if ql:
    checks.append({"what": "quantlib analytic vs vixrisk analytic",
                   "diff": ql["price"]["analytic"] - analytic, "z": None})
for c in checks:
    c["pass"] = abs(c["diff"]) < 1e-6 if c["z"] is None else abs(c["z"]) < 3.0
all_pass = all(c["pass"] for c in checks)

qe_bench = [r for r in bench["path_steps_per_second"] if r["model"] == "heston qe" and r["threads"] == 1]
best_bench = max(qe_bench, key=lambda r: r["per_core"]) if qe_bench else None

ratios = {
    "price_same_workload_vs_numpy": vr_same["path_steps_per_s"] / np_["gen"]["path_steps_per_s"],
    "gen_vs_numpy": vrg["path_steps_per_s"] / np_["gen"]["path_steps_per_s"],
    "gen_fast_log_vs_numpy": vrgf["path_steps_per_s"] / np_["gen"]["path_steps_per_s"],
    "gen_single_vs_numpy": vrgs["path_steps_per_s"] / np_["gen"]["path_steps_per_s"],
    "price_single_vs_numpy": vr_single["path_steps_per_s"] / np_["gen"]["path_steps_per_s"],
    "condor_vs_numpy": vrc["path_steps_per_s"] / np_["condor"]["path_steps_per_s"],
}
if ql:
    ratios["price_same_workload_vs_quantlib"] = vr_same["path_steps_per_s"] / ql["price"]["path_steps_per_s"]
    ratios["gen_vs_quantlib"] = vrg["path_steps_per_s"] / ql["gen"]["path_steps_per_s"]
targets = {"quantlib": 20.0, "numpy": 10.0}

rec = {
    "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "machine": {"cpu": E["CPU"], "cores": int(E["NCPU"]), "gcc": E["GCC"], "g++": E["GXX"],
                "quantlib": E["QLV"], "sleef": E["SLEEFV"],
                "python": E["PYV"], "commit": E["COMMIT"],
                "load_avg_start": E["LOAD_START"], "load_avg_end": E["LOAD_END"]},
    "workload": {"model": "configs/models/heston.yaml", "option": "European call", "strike": 100,
                 "expiry": 1.0, "steps": 252, "scheme": "QE + martingale correction, psi_c 1.5, "
                 "gamma1 = gamma2 = 0.5", "threads": 1},
    "vixrisk": {"price_same_workload": vr_same, "price_long": vr_long, "gen": vrg,
                "gen_fast_log": vrgf, "gen_single": vrgs, "price_single": vr_single,
                "condor": vrc,
                "bench_quick_heston_qe_1thread": qe_bench},
    "quantlib": ql or None, "numpy": np_,
    "checks": checks, "all_prices_agree": all_pass,
    "ratios_vixrisk_over_peer_per_core": ratios, "targets": targets,
}
json.dump(rec, open("results/peers.json", "w"), indent=2)

M = lambda x: "-" if x != x else f"{x / 1e6:.2f}"  # a peer not run (NaN): "-", never "nan"
X = lambda k: f"{ratios[k]:.1f}x" if k in ratios else "-"
L = []
L.append("# vixrisk next to QuantLib and numpy (one core)\n")
L.append(f"Generated by `bench/peers/run_peers.sh` on {rec['generated']}; raw data in "
         "[peers.json](peers.json).\n")
m = rec["machine"]
L.append(f"Machine: {m['cpu']}, {m['cores']} cores; {m['gcc']}; QuantLib {m['quantlib']}; "
         f"{m['python']}; SLEEF {m['sleef']}; commit {m['commit']}. Load average (1/5/15 min) "
         f"{m['load_avg_start']} at start, {m['load_avg_end']} at end: the machine is shared, so "
         "every figure is the median of several runs and still carries noise.\n")
L.append("Workload: Heston (configs/models/heston.yaml: S 100, r 0.03, q 0.01, v0 0.04, kappa 2, "
         "theta 0.04, sigma 0.5, rho -0.7), Andersen QE with martingale correction (psi_c 1.5, "
         "gamma1 = gamma2 = 1/2) in all three, 252 daily steps over 1 year, European call K 100, "
         "one thread, RNG included.\n")
L.append("## Throughput (million path-steps/s, one core)\n")
L.append("| workload | vixrisk | QuantLib | numpy | vixrisk / QuantLib | vixrisk / numpy |")
L.append("|---|---:|---:|---:|---:|---:|")
qlg = ql["gen"]["path_steps_per_s"] if ql else float("nan")
qlp = ql["price"]["path_steps_per_s"] if ql else float("nan")
L.append(f"| path generation only ({vrg['paths']} / {ql['gen']['paths'] if ql else '-'} / "
         f"{np_['gen']['paths']} paths) | {M(vrg['path_steps_per_s'])} ({vrg['isa']}, vr_condor --gen-only) | "
         f"{M(qlg)} | {M(np_['gen']['path_steps_per_s'])} | "
         f"{X('gen_vs_quantlib')} | {ratios['gen_vs_numpy']:.1f}x |")
L.append(f"| path generation only, `simulation.fast_log` ({vrgf['paths']} paths) | "
         f"{M(vrgf['path_steps_per_s'])} ({vrgf['isa']}, vr_condor --gen-only --fast-log) | | "
         f"{M(np_['gen']['path_steps_per_s'])} | | {ratios['gen_fast_log_vs_numpy']:.1f}x |")
L.append(f"| path generation only, `simulation.precision: single` ({vrgs['paths']} paths) | "
         f"{M(vrgs['path_steps_per_s'])} ({vrgs['isa']}, vr_condor --gen-only --single) | | "
         f"{M(np_['gen']['path_steps_per_s'])} | | {ratios['gen_single_vs_numpy']:.1f}x |")
L.append(f"| call price, same {paths} paths, `--precision single` | "
         f"{M(vr_single['path_steps_per_s'])} (`vixrisk price`) | | {M(np_['gen']['path_steps_per_s'])} | | "
         f"{ratios['price_single_vs_numpy']:.1f}x |")
L.append(f"| call price, same {paths} paths each | {M(vr_same['path_steps_per_s'])} (`vixrisk price`) | "
         f"{M(qlp)} (MCEuropeanHestonEngine) | {M(np_['gen']['path_steps_per_s'])} | "
         f"{X('price_same_workload_vs_quantlib')} | "
         f"{ratios['price_same_workload_vs_numpy']:.1f}x |")
L.append(f"| call price, {vr_paths} paths (vixrisk only) | {M(vr_long['path_steps_per_s'])} | | | | |")
L.append(f"| paths + BS iron condor (4 legs) every step | {M(vrc['path_steps_per_s'])} "
         f"({M(vrc['option_marks_per_s'])} M marks/s) | - | {M(np_['condor']['path_steps_per_s'])} "
         f"({M(np_['condor']['option_marks_per_s'])} M marks/s) | - | {ratios['condor_vs_numpy']:.1f}x |")
if best_bench:
    L.append("\n`vixrisk-bench --quick`, heston qe, 1 thread (8192 paths, one run: indicative): " +
             ", ".join(f"{r['isa']} {M(r['per_core'])}" for r in qe_bench) + " M path-steps/s.\n")
L.append(f"Targets: vixrisk >= {targets['quantlib']:.0f}x QuantLib and >= {targets['numpy']:.0f}x numpy "
         "per core. Met: QuantLib " +
         (("yes" if ratios["price_same_workload_vs_quantlib"] >= 20 and ratios["gen_vs_quantlib"] >= 20 else "no")
          if ql else "not run (QuantLib not installed)") +
         ", numpy " + ("yes" if ratios["price_same_workload_vs_numpy"] >= 10 and ratios["gen_vs_numpy"] >= 10 else "no") +
         " in double precision, " + ("yes" if ratios["gen_single_vs_numpy"] >= 10 and ratios["price_single_vs_numpy"] >= 10 else "no") +
         " with `precision: single` (the QE step in float, docs/numerics.md; numpy runs in double).\n")
L.append("## Prices (European call, K 100, T 1)\n")
L.append("| source | paths | price | SE | price - analytic (SE) |")
L.append("|---|---:|---:|---:|---:|")
L.append(f"| analytic (vixrisk) | | {analytic:.6f} | | |")
if ql:
    L.append(f"| analytic (QuantLib AnalyticHestonEngine) | | {ql['price']['analytic']:.6f} | | |")
    L.append(f"| QuantLib MCEuropeanHestonEngine | {ql['price']['paths']} | {ql['price']['mc']:.6f} | "
             f"{ql['price']['se']:.6f} | {(ql['price']['mc'] - analytic) / ql['price']['se']:+.2f} |")
L.append(f"| numpy | {np_['gen']['paths']} | {np_['gen']['mc']:.6f} | {np_['gen']['se']:.6f} | "
         f"{(np_['gen']['mc'] - analytic) / np_['gen']['se']:+.2f} |")
for v in (vr_same, vr_long):
    L.append(f"| vixrisk price ({v['isa']}) | {v['paths']} | {v['mc']:.6f} | {v['se']:.6f} | "
             f"{(v['mc'] - analytic) / v['se']:+.2f} |")
L.append(f"| vixrisk price --precision single ({vr_single['isa']}) | {vr_single['paths']} | "
         f"{vr_single['mc']:.6f} | {vr_single['se']:.6f} | {(vr_single['mc'] - analytic) / vr_single['se']:+.2f} |")
L.append(f"\nAgreement (|z| < 3 for each MC price against the analytic price and pairwise; analytic "
         f"prices within 1e-6): {'all pass' if all_pass else 'FAILED: ' + ', '.join(c['what'] for c in checks if not c['pass'])}.\n")
L.append("Condor mean mark at expiry (cross-check of the BS marks): vixrisk "
         f"{vrc['mean_final_condor_mark']:.4f}, numpy {np_['condor']['mean_final_condor_mark']:.4f}.\n")
L.append("## What each peer runs\n")
L.append("* QuantLib " + (ql["quantlib_version"] if ql else "-") + ": `HestonProcess(..., "
         "QuadraticExponentialMartingale)`; generation through `MultiPathGenerator<PseudoRandom>` "
         "(Mersenne twister, inverse-CDF normals), pricing through `MakeMCEuropeanHestonEngine"
         "<PseudoRandom>().withSteps(252).withSamples(N)` (no antithetics, no control variate); "
         "compiled with g++ -O2 (bench/peers/ql_heston.cpp).")
L.append("* numpy: bench/peers/np_heston.py, vectorised over paths in blocks of "
         f"{np_['block']} paths, loop over steps, preallocated in-place arrays, "
         f"{np_['rng']}; normal CDF {np_['normal_cdf']}; condor legs marked with vol sqrt(v).")
L.append("* vixrisk: `vixrisk price --threads 1` (PCG32 + Box-Muller, best ISA) for the call; "
         "bench/peers/vr_condor.c (vr_sim_run + the dispatched Black kernel, one thread) for "
         "generation alone and for the condor.")
open("results/PEERS.md", "w").write("\n".join(L) + "\n")
print("\n".join(L))
EOF
