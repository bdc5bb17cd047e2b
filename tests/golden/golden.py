#!/usr/bin/env python3
"""Golden hashes: SHA-256 of the per-path datasets of fixed-seed runs (P&L, drawdowns, hedge costs
and proceeds, attribution, trade counts, layer activations, trade logs, sample paths), of each
policy's scores (its attributes), of each layer's attribution scores and the run's verdict, and of `vixrisk price --json` outputs (minus
timing fields). A refactor must keep them equal; a change that alters a number on
purpose regenerates hashes.txt with --write and says which and why in its commit.

usage: golden.py VIXRISK_BINARY SOURCE_DIR [--write | --runs-only | --runs NAME[,NAME...]]
--runs-only checks the runs' hashes and leaves out the price commands' (for a second pass whose
environment only the runs read, e.g. the on-disk path store); --runs checks only the named runs.
The runs pin --isa avx2 (present on every supported machine with AVX2) and compare datasets, which
are bit-identical across thread counts; the test is skipped (exit 77) on a CPU without AVX2."""
import hashlib, json, os, subprocess, sys, tempfile

import h5py
import numpy as np

DATASETS = ("pnl", "drawdown", "hedge_cost", "hedge_proceeds")
EXTRA = ("trades", "activations", "first_day", "trade_log")
# (name, config relative to the source tree, paths, extra yaml substitutions)
RUNS = [
    ("alvh_5000", "configs/alvh.yaml", 5000, None),
    ("stress_500", "configs/stress.yaml", 500, None),
    ("alvh_heston_2000", "configs/alvh.yaml", 2000, "heston"),
    ("alvh_bates_2000", "configs/alvh.yaml", 2000, "bates"),
    # the two-factor model with both measures calibrated (its tables: one-sided COS range,
    # sqrt(m) levels, edge nodes)
    ("alvh_svcj2_cal_rn_500", "configs/alvh_svcj2_cal_rn.yaml", 500, None),
]
MODEL_SUBST = {
    "heston": ("type: svcj", "type: heston",
               "physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8,\n                 mu_v: 0.04, mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}",
               "physical: {kappa: 3.0, theta: 0.025, sigma: 0.5, rho: -0.75}",
               "pricing:  {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2,\n                 mu_v: 0.05, mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6}",
               "pricing:  {kappa: 2.4, theta: 0.032, sigma: 0.5, rho: -0.75}"),
    "bates": ("type: svcj", "type: bates",
              "physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8,\n                 mu_v: 0.04, mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}",
              "physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.5, mu_j: -0.05, sigma_j: 0.06}",
              "pricing:  {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2,\n                 mu_v: 0.05, mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6}",
              "pricing:  {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.0, mu_j: -0.06, sigma_j: 0.07}"),
}
PRICES = [
    ["--model", "configs/models/heston.yaml", "--strike", "100", "--expiry", "0.5", "--paths", "20000"],
    ["--model", "configs/models/heston.yaml", "--strike", "90", "--expiry", "0.25", "--option", "put", "--paths", "20000"],
    ["--model", "configs/models/svcj_cal.yaml", "--strike", "110", "--expiry", "1", "--paths", "20000"],
    ["--model", "configs/models/bates_cal.yaml", "--strike", "95", "--expiry", "0.1", "--paths", "20000"],
    ["--model", "configs/models/svcj_cal.yaml", "--underlying", "vix", "--strike", "20", "--expiry", "0.1", "--paths", "20000"],
    ["--model", "configs/models/svcj_cal.yaml", "--underlying", "vix", "--option", "future", "--expiry", "0.2", "--paths", "20000"],
]
TIMING = {"seconds", "isa", "threads"}


def model_yaml(text, kind):
    if kind is None:
        return text
    s = MODEL_SUBST[kind]
    for a, b in zip(s[0::2], s[1::2]):
        if a not in text:
            raise SystemExit(f"golden: cannot make the {kind} variant: '{a[:40]}' not in the config")
        text = text.replace(a, b)
    return text


def exact(v):
    """An attribute's value as text that keeps every bit (floats as hex)."""
    a = np.asarray(v)
    if a.dtype.kind == "f":
        return [float(x).hex() for x in a.ravel()]
    if a.dtype.kind in "iub":
        return [int(x) for x in a.ravel()]
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a.ravel()]


def hash_run(f):
    out = {}
    def visit(name, obj):
        parts = name.split("/")
        if isinstance(obj, h5py.Dataset):
            # the per-path datasets of each policy, and its attribution (condor and one per layer)
            if parts[-1] in DATASETS or (len(parts) > 1 and parts[-2] == "attribution"):
                a = np.ascontiguousarray(obj[...], dtype="<f8")
                out[name] = hashlib.sha256(a.tobytes()).hexdigest()
            # trade counts, each layer's activations and first day, the logged trades, the sample
            # paths: in their own types
            elif parts[-1] in EXTRA or (len(parts) > 1 and parts[-2] == "sample_paths"):
                a = np.ascontiguousarray(obj[...])
                a = a.astype(a.dtype.newbyteorder("<"))
                out[name] = hashlib.sha256(a.tobytes()).hexdigest()
        elif isinstance(obj, h5py.Group) and "pnl" in obj:
            # a policy's scores (its attributes: quantiles, tail measures and their standard
            # errors, the differences from the baseline, costs)
            attrs = {k: exact(obj.attrs[k]) for k in sorted(obj.attrs)}
            out[name + "@scores"] = hashlib.sha256(json.dumps(attrs, sort_keys=True).encode()).hexdigest()
        elif isinstance(obj, h5py.Group) and len(parts) > 1 and parts[-2] == "layers":
            # a layer's attribution scores (activations, premium, tail means, the paired changes
            # of ES99 with the layer removed or alone and their standard errors)
            attrs = {k: exact(obj.attrs[k]) for k in sorted(obj.attrs)}
            out[name + "@layer"] = hashlib.sha256(json.dumps(attrs, sort_keys=True).encode()).hexdigest()
    f.visititems(visit)
    # the run's verdict (the scores it is drawn from are above)
    if "verdict" in f.attrs:
        out["@verdict"] = hashlib.sha256(json.dumps(exact(f.attrs["verdict"])).encode()).hexdigest()
    return out


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe, src = sys.argv[1], sys.argv[2]
    write = "--write" in sys.argv[3:]
    runs_only = "--runs-only" in sys.argv[3:]
    names = None
    if "--runs" in sys.argv[3:]:
        i = sys.argv.index("--runs")
        if i + 1 >= len(sys.argv):
            print("golden: --runs needs a comma-separated list of run names")
            return 2
        names = sys.argv[i + 1].split(",")
        unknown = [n for n in names if n not in [r[0] for r in RUNS]]
        if unknown:
            print(f"golden: unknown run {unknown[0]!r}; runs: {', '.join(r[0] for r in RUNS)}")
            return 2
        runs_only = True
    if write and runs_only:
        print("golden: --write writes every hash; it cannot be --runs-only or --runs")
        return 2
    if "avx2" not in open("/proc/cpuinfo").read():
        print("golden: no AVX2 on this CPU, skipped")
        return 77
    env = dict(os.environ, VIXRISK_DATA=os.environ.get("VIXRISK_DATA", os.path.join(src, "..", "shared", "data")))
    got = {}
    with tempfile.TemporaryDirectory(prefix="vr_golden") as tmp:
        for name, cfg, paths, kind in RUNS:
            if names is not None and name not in names:
                continue
            text = model_yaml(open(os.path.join(src, cfg)).read(), kind)
            # model files named relative to the config resolve from its copy's directory
            text = text.replace("model: models/", "model: " + os.path.join(os.path.abspath(src), "configs", "models") + "/")
            cpath = os.path.join(tmp, name + ".yaml")
            open(cpath, "w").write(text)
            out = os.path.join(tmp, name + ".h5")
            cmd = [exe, "run", cpath, "-o", out, "--paths", str(paths), "--isa", "avx2", "--threads", "2", "--quiet"]
            r = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                print("golden: failed:", " ".join(cmd), "\n", r.stdout, r.stderr)
                return 1
            with h5py.File(out, "r") as f:
                for k, v in hash_run(f).items():
                    got[f"{name}:{k}"] = v
        for i, args in enumerate([] if runs_only else PRICES):
            cmd = [exe, "price"] + args + ["--json", "--isa", "avx2", "--threads", "2"]
            r = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                print("golden: failed:", " ".join(cmd), "\n", r.stdout, r.stderr)
                return 1
            d = {k: v for k, v in json.loads(r.stdout).items() if k not in TIMING}
            got[f"price{i}:" + " ".join(args)] = hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()
    ref_path = os.path.join(src, "tests", "golden", "hashes.txt")
    if write:
        with open(ref_path, "w") as fh:
            for k in sorted(got):
                fh.write(f"{got[k]}  {k}\n")
        print(f"golden: wrote {len(got)} hashes to {ref_path}")
        return 0
    ref = {}
    for line in open(ref_path):
        h, k = line.rstrip("\n").split("  ", 1)
        if not (runs_only and k.startswith("price")) and \
                (names is None or k.split(":", 1)[0] in names):
            ref[k] = h
    bad = [k for k in sorted(set(ref) | set(got)) if ref.get(k) != got.get(k)]
    for k in bad:
        print(f"golden: MISMATCH {k}: expected {ref.get(k)}, got {got.get(k)}")
    print(f"golden: {len(got) - len([k for k in bad if k in got])} of {len(ref)} hashes match")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
