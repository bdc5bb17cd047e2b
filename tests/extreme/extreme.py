#!/usr/bin/env python3
"""Extreme-parameter sweep: every model type at the edges of its valid ranges, through the whole
product. For each edge set: `vixrisk price --json` (an SPX put struck at 200% expiring in 1 day, an
SPX call at 200% in 5 years, a VIX call at 40 in 5 years: the Monte Carlo, the direct pricer and the
pricing tables at the corners of their ranges), a short `vixrisk run` of a condor with a VIX-call layer and a
roll layer, and `vixrisk report` in every format. Nothing may print or store NaN or Inf: every
number in the JSON, every float dataset and attribute of the run file (recursively) and every
report must be finite. A command may instead fail with exit 1 and a message that names its inputs
(a numerical failure is an error, docs/numerics.md); a crash, a signal, exit 2 on a valid file or
a non-finite number fails the test.

usage: extreme.py VIXRISK_BINARY [--quick]
--quick keeps one edge set per model type and prices without the pricing tables (--no-surface):
the sanitizer build runs it, where the tables of svcj2's edge set cost a minute and a half per
build; there the run still builds and reads every set's tables, and the Release build checks the
tables' prices at the corners."""
import json, math, os, re, subprocess, sys, tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import h5walk  # noqa: E402  (tests/h5walk.py)

# Edge sets: (name, type, state/common, physical = pricing). Ranges are the model parameter tables
# (engine/src/model/model_params.c, docs/config.md): sigma up to 2 here (the edge; the table
# allows 10), Feller ratio 2 kappa theta / sigma^2 down to 0.05, rho +-0.99, mu_v 0.2,
# rho_j mu_v up to 0.95.
EDGES = [
    ("heston_feller", "heston", {"v0": 0.04},
     {"kappa": 5.0, "theta": 0.04, "sigma": 2.0, "rho": -0.99}),          # Feller 0.1
    ("heston_rho_up", "heston", {"v0": 0.0001},
     {"kappa": 0.5, "theta": 0.2, "sigma": 2.0, "rho": 0.99}),            # Feller 0.05
    ("bates_jumpy", "bates", {"v0": 0.09},
     {"kappa": 1.0, "theta": 0.09, "sigma": 1.5, "rho": -0.99, "lambda": 20.0,
      "mu_j": -0.3, "sigma_j": 0.3}),
    ("svcj_edge", "svcj", {"v0": 0.04},
     {"kappa": 2.0, "theta": 0.04, "sigma": 1.2, "rho": -0.99, "lambda": 5.0, "mu_v": 0.2,
      "mu_s": -0.1, "sigma_s": 0.2, "rho_j": 4.75}),                     # rho_j mu_v = 0.95
    ("svcj_tiny_v", "svcj", {"v0": 0.0},
     {"kappa": 10.0, "theta": 0.005, "sigma": 0.5, "rho": 0.99, "lambda": 0.1, "mu_v": 0.2,
      "mu_s": 0.0, "sigma_s": 0.0, "rho_j": 0.0}),
    ("svcj2_edge", "svcj2", {"v0": 0.04, "m0": 0.09},                     # kappa_v / lambda1 mu_v = 1.5
     {"kappa_v": 3.0, "kappa_m": 0.2, "theta": 0.04, "sigma_v": 2.0, "sigma_m": 0.6, "rho": -0.99,
      "lambda0": 2.0, "lambda1": 10.0, "mu_v": 0.2, "mu_s": -0.1, "sigma_s": 0.2, "rho_j": 4.75}),
]
QUICK = {"heston_feller", "bates_jumpy", "svcj_edge", "svcj2_edge"}
SPOT = 5000.0


def model_yaml(typ, state, par):
    fields = ", ".join(f"{k}: {v!r}" for k, v in par.items())
    st = "".join(f"  {k}: {v!r}\n" for k, v in state.items())
    return (f"model:\n  type: {typ}\n  spot: {SPOT}\n  rate: 0.03\n  dividend: 0.01\n{st}"
            f"  physical: {{{fields}}}\n")


def run_yaml(name, model_file):
    return f"""simulation: {{paths: 48, horizon_days: 25, seed: 7, sample_paths: 3, baseline: unhedged,
             threads: 2}}
scenarios:
  - name: {name}
    model: {model_file}
condor: {{contracts: 1, dte: 30, short_delta: 0.16, wing_width: 50}}
policies:
  - name: unhedged
  - name: hedged
    condor: {{roll_delta: 0.0}}
    layers:
      - name: roll
        trigger: {{short_delta: 0.30, cooldown_days: 2}}
        action: {{type: roll_tested, roll_to_delta: 0.16}}
      - name: calls
        trigger: {{combine: any, vix_level: 22, vix_change: {{days: 5, pct: 25}}, cooldown_days: 3}}
        action: {{type: vix_call, delta: 0.25, dte: 30, size: {{by: pct_of_credit, value: 0.15}}}}
        exit: {{profit_multiple: 3.0, vix_below: 20, dte: 7}}
"""


NONFINITE = re.compile(r"(?<![A-Za-z_])(nan|-?inf|infinity)(?![A-Za-z_])", re.I)
failures = []


def fail(what):
    failures.append(what)
    print("FAIL:", what)


def call(args, what):
    """Run a command; 0 is ok, 1 must carry a message naming inputs. Returns stdout or None."""
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode == 0:
        return p.stdout
    if p.returncode == 1 and p.stderr.strip():
        print(f"  {what}: numerical failure reported (exit 1): {p.stderr.strip()[:200]}")
        return None
    fail(f"{what}: exit {p.returncode}: {p.stderr.strip()[:300]}")
    return None


def check_json_numbers(obj, where):
    if isinstance(obj, dict):
        for k, v in obj.items():
            check_json_numbers(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            check_json_numbers(v, f"{where}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        fail(f"{where} = {obj}")


def check_h5(path):
    n = [0, 0]
    with h5py.File(path, "r") as f:
        for name, obj in h5walk.walk(f):
            for k, v in obj.attrs.items():
                a = np.asarray(v)
                if a.dtype.kind == "f":
                    n[1] += 1
                    if not np.all(np.isfinite(a)):
                        fail(f"{path}: attribute {name}@{k} = {v}")
            if h5walk.is_dataset(obj):
                a = obj[...]
                if a.dtype.kind == "f":
                    n[0] += 1
                    bad = ~np.isfinite(a)
                    if bad.any():
                        fail(f"{path}: dataset {name}: {int(bad.sum())} non-finite values")
                elif a.dtype.names:  # compound: every float field
                    for fld in a.dtype.names:
                        if a.dtype[fld].kind == "f" and not np.all(np.isfinite(a[fld])):
                            fail(f"{path}: dataset {name}.{fld}: non-finite values")
    return n


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    exe = os.path.abspath(sys.argv[1])
    quick = "--quick" in sys.argv[2:]
    edges = [e for e in EDGES if not quick or e[0] in QUICK]
    with tempfile.TemporaryDirectory() as tmp:
        for name, typ, state, par in edges:
            print(f"{name} ({typ})")
            mf = os.path.join(tmp, f"{name}.yaml")
            with open(mf, "w") as fh:
                fh.write(model_yaml(typ, state, par))
            # each call builds the model's pricing tables (seconds): few, but at the corners
            prices = [("spx", "put", 2.0 * SPOT, 1 / 365), ("spx", "call", 2.0 * SPOT, 5.0),
                      ("vix", "call", 40.0, 5.0)]
            if quick:
                prices = prices[1:2]
            for und, opt, k, t in prices:
                args = [exe, "price", "--model", mf, "--underlying", und, "--option", opt,
                        "--expiry", repr(t), "--paths", "400", "--steps-per-year", "252",
                        "--threads", "2", "--json"]
                if k is not None:
                    args += ["--strike", repr(k)]
                if quick:
                    args.append("--no-surface")
                what = f"{name}: price {und} {opt} K={k} T={t:.4g}"
                out = call(args, what)
                if out is None:
                    continue
                if NONFINITE.search(out):
                    fail(f"{what}: non-finite text in {out.strip()}")
                    continue
                obj = json.loads(out)
                check_json_numbers(obj, what)
                for key in ("mc", "analytic", "surface"):
                    if key in obj and obj[key] < 0:
                        fail(f"{what}: {key} = {obj[key]} < 0")
            rf = os.path.join(tmp, f"{name}_run.yaml")
            with open(rf, "w") as fh:
                fh.write(run_yaml(name, os.path.basename(mf)))
            h5 = os.path.join(tmp, f"{name}.h5")
            out = call([exe, "run", rf, "-o", h5, "--isa", "avx2" if not quick else "scalar"],
                       f"{name}: run")
            if out is None:
                continue
            if NONFINITE.search(out):
                fail(f"{name}: run output has a non-finite number:\n{out}")
            nd, na = check_h5(h5)
            print(f"  run file: {nd} float datasets, {na} float attributes checked")
            for fmt in ("html", "md", "csv", "json"):
                rep = os.path.join(tmp, f"{name}.{fmt}")
                p = subprocess.run([exe, "report", h5, "--format", fmt, "-o", rep],
                                   capture_output=True, text=True)
                if p.returncode == 2 and "format" in p.stderr and fmt == "json":
                    continue  # a build without the JSON report
                if p.returncode != 0:
                    fail(f"{name}: report --format {fmt}: exit {p.returncode}: {p.stderr.strip()[:300]}")
                    continue
                with open(rep, encoding="utf-8") as fh:
                    text = fh.read()
                # the config echo may legitimately contain the words; check what the report computed
                text = re.sub(r"<pre class=\"config\">.*?</pre>", "", text, flags=re.S)
                m = NONFINITE.search(text)
                if m:
                    ctx = text[max(0, m.start() - 80):m.end() + 40].replace("\n", " ")
                    fail(f"{name}: report {fmt} prints '{m.group(0)}': ...{ctx}...")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"extreme-parameter sweep: {len(edges)} edge sets, no NaN/Inf printed or stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
