#!/usr/bin/env python3
"""`mpirun -np N vixrisk run` against the single-process run (ctest mpi_run_np2, mpi_run_np3,
mpi_run_signal; docs/scale.md, docs/testing.md).

usage: mpi_run.py VIXRISK SOURCE_DIR NP MPIRUN [MPIRUN ARGS...]     bit-identity and store_paths
       mpi_run.py VIXRISK SOURCE_DIR --signal MPIRUN [MPIRUN ARGS...] interrupted and killed runs

Bit-identity: configs/alvh.yaml, configs/stress.yaml (scenarios svcj, shock_manual, replay_2008,
bootstrap; the SVCJ model swapped for Heston, whose pricing tables build in a third of the time)
and a sweep (tests/mpi/sweep.yaml), each cut to 72 paths in blocks of 16 (5 blocks, the last one
partial, so ranks get unequal shares and the 40 sample paths and the trade logs of paths 0..39 span
ranks), run once in one process
with 2 threads and once on NP ranks of 1 thread: every dataset and every attribute but the timing
ones must have the same bits (h5same.py). With simulation.store_paths: false (the sweep) the same
holds between 1 and NP ranks, and the scores must equal the stored-paths scores within the bounds of
docs/scale.md: order statistics, VaR, ES, their SEs, p_loss and d_es99 bit for bit; the medians
within 2^-10 of the larger of the two order statistics they interpolate; the scores made of sums
within 1e-10 relative (plus 1e-9 USD).

Signal: a run on 2 ranks is interrupted with SIGINT at mpirun once its temporary file exists, and
another has one rank killed with SIGKILL: neither may leave anything under the final name, and the
interrupted one (given odls_base_sigkill_timeout=5, see docs/scale.md "Failure") must leave no
temporary either. A config that fails to load on rank 1 alone (its environment names no data
directory) must stop every rank with exit 2 and rank 0 print rank 1's error, not hang."""
import glob, math, os, re, shutil, signal, subprocess, sys, tempfile, time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from h5same import compare  # noqa: E402

EXACT = {"q0.1", "q1", "q5", "q95", "q99", "var95", "var95_se", "var99", "var99_se", "var99.9",
         "var99.9_se", "es95", "es95_se", "es99", "es99_se", "es99.9", "es99.9_se",
         "drawdown_q95", "drawdown_q99", "d_es99", "p_loss", "p_loss_se", "loss_thresholds",
         "mean_activations", "baseline", "layers", "action", "capital_at_risk", "ablation_of",
         "ablation", "ablation_layer", "activations_per_year", "d_es99_alone", "sized_zero_days",
         "sized_capped_purchases"}
MEDIAN = {"q50": "pnl", "drawdown_q50": "drawdown"}
SUMS = {"mean", "mean_se", "std", "skew", "kurtosis", "d_mean", "d_mean_se", "d_es99_se",
        "hedge_premium_paid", "hedge_premium_recovered", "cost_per_es99_reduction",
        "hedge_budget_pct", "d_es99_alone_se"}
# layer and condor scores made of per-path arrays: a streamed file leaves them out (docs/hdf5.md)
STREAM_ABSENT = {"net_mean", "premium_paid", "premium_pct_car_per_year", "net_on_worst1",
                 "net_on_worst5", "corr_condor", "d_es99_removed", "d_es99_removed_se", "net_mean_se",
                 "condor_net_mean_se", "condor_d_net_mean_se", "condor_net_on_worst1", "condor_net_on_worst5"}


def small_config(src, name, tmp, data_ok):
    path = os.path.join(src, "configs", name) if name != "sweep.yaml" else os.path.join(HERE, name)
    text = open(path).read()
    if name == "stress.yaml":
        keep = {"svcj", "shock_manual", "replay_2008", "bootstrap"}
        if not data_ok:
            keep -= {"replay_2008", "bootstrap"}
        out = []
        for line in text.splitlines():
            m = re.match(r"  - \{name: ([A-Za-z0-9_]+)", line)
            if m and m.group(1) not in keep:
                continue
            if line.startswith("      type: svcj"):
                line = "      type: heston"
            elif line.startswith("      physical:"):
                line = "      physical: {kappa: 3.0, theta: 0.025, sigma: 0.5, rho: -0.75}"
            elif line.startswith("      pricing:"):
                line = "      pricing: {kappa: 2.4, theta: 0.032, sigma: 0.5, rho: -0.75}"
            out.append(line)
        text = "\n".join(out) + "\n"
    text = re.sub(r"(?m)^  block: .*$", "  block: 16", text)
    text = re.sub(r"(?m)^  sample_paths: .*$", "  sample_paths: 40\n  trade_log_paths: 40", text)
    if "  block: 16" not in text or "  sample_paths: 40" not in text:
        raise SystemExit(f"mpi_run: cannot set block/sample_paths in {name}")
    out = os.path.join(tmp, name)
    open(out, "w").write(text)
    return out


def with_store(cfg, store, tmp):
    text = open(cfg).read()
    text = re.sub(r"(?m)^simulation:\s*$", f"simulation:\n  store_paths: {store}", text, count=1)
    out = os.path.join(tmp, f"{os.path.splitext(os.path.basename(cfg))[0]}_store_{store}.yaml")
    open(out, "w").write(text)
    return out


def run(cmd, env):
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(r.stdout[-2000:], r.stderr[-4000:])
        raise SystemExit(f"mpi_run: {' '.join(cmd)} failed ({r.returncode})")
    return r


def order_bound(x, q):
    """2^-10 of the larger magnitude of the two order statistics the type-7 quantile reads."""
    s = np.sort(x)
    h = (len(s) - 1) * q
    i = int(math.floor(h))
    return 2.0 ** -10 * max(abs(s[i]), abs(s[min(i + 1, len(s) - 1)]))


def check_attrs(where, ga, gb, n, pnl, bad):
    """Attributes of group gb (streamed) against ga (stored paths), within the stated bounds."""
    for k in gb.attrs:
        v = np.asarray(gb.attrs[k])
        if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            bad.append(f"{where}@{k}: {v} stored")
    for k in ga.attrs:
        a, b = np.asarray(ga.attrs[k]), np.asarray(gb.attrs[k]) if k in gb.attrs else None
        if k in STREAM_ABSENT and n >= 2:
            if b is not None:
                bad.append(f"{where}@{k}: a per-path score in a streamed file")
        elif b is None:
            bad.append(f"{where}@{k}: missing")
        elif k in EXACT or n < 2:
            if a.tobytes() != b.tobytes():
                bad.append(f"{where}@{k}: {a} != {b} (must be equal)")
        elif k in MEDIAN:
            tol = order_bound(pnl[MEDIAN[k]][...], 0.5)
            if not abs(float(a) - float(b)) <= tol:
                bad.append(f"{where}@{k}: {a} vs {b}, bound {tol}")
        elif k in SUMS:
            fa_, fb_ = float(a), float(b)
            if math.isnan(fa_) and math.isnan(fb_):
                continue
            if not abs(fa_ - fb_) <= 1e-10 * max(abs(fa_), abs(fb_)) + 1e-9:
                bad.append(f"{where}@{k}: {fa_!r} vs {fb_!r}")
        else:
            bad.append(f"{where}@{k}: attribute with no stated bound")


def check_streamed(stored, streamed):
    """Scores of the streamed file against the stored-paths file, within the stated bounds."""
    bad = []
    with h5py.File(stored, "r") as fa, h5py.File(streamed, "r") as fb:
        for scen in fa:
            for pol in fa[scen]:
                ga = fa[scen][pol]
                if pol == "sample_paths" or "pnl" not in ga:
                    continue
                gb = fb[scen][pol]
                n = len(ga["pnl"])
                if "pnl" in gb or (n >= 2 and "attribution" in gb):
                    bad.append(f"{scen}/{pol}: store_paths false still wrote per-path datasets")
                check_attrs(f"{scen}/{pol}", ga, gb, n, ga, bad)
                for layer in ga.get("layers", {}):
                    check_attrs(f"{scen}/{pol}/layers/{layer}", ga["layers"][layer], gb["layers"][layer],
                                n, ga, bad)
    return bad


def same(a, b, what):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        bad = compare(fa, fb)
    for line in bad[:10]:
        print("  " + line)
    print(f"{what}: {'same bits' if not bad else 'DIFFERENT'}")
    return not bad


def stages_of(stderr):
    """The --stages report of each scenario: {scenario: (header line, stage line, count line)}."""
    lines = stderr.splitlines()
    out = {}
    for i, line in enumerate(lines):
        m = re.match(r"stages of scenario (\S+): ", line)
        if m and i + 2 < len(lines):
            out[m.group(1)] = (line, lines[i + 1], lines[i + 2])
    return out


def same_stages(one, many, np_, name):
    """The stages' counts of an NP-rank run equal the single process's, its header names all paths
    (72, or one for a replay) and the ranks, a replay's one path ran on one thread (a rank with no
    paths adds none), and every stage is a whole number of ns."""
    a, b = stages_of(one), stages_of(many)
    ok = bool(a) and a.keys() == b.keys()
    for scen in a:
        if scen not in b:
            continue
        ha, hb = a[scen][0], b[scen][0]
        pa, pb = re.search(r": (\d+) paths? x ", ha), re.search(r": (\d+) paths? x ", hb)
        paths = int(pa.group(1)) if pa else -1
        if (paths not in (1, 72) or not pb or int(pb.group(1)) != paths
                or not re.search(rf" threads? on {np_} ranks, ", hb)
                or (paths == 1 and " 1 thread on " not in hb)):
            print(f"  stages headers: {ha!r} / {hb!r}")
            ok = False
        if a[scen][2] != b[scen][2]:
            print(f"  stages counts differ: {a[scen][2]!r} / {b[scen][2]!r}")
            ok = False
        if not re.fullmatch(r"\s+generate \d+, market \d+, .* in all \d+", b[scen][1]):
            print(f"  stages line: {b[scen][1]!r}")
            ok = False
    print(f"{name} --stages: 1 process vs {np_} ranks: {'same counts' if ok else 'DIFFERENT'}")
    return ok


def main_same(vix, src, np_, mpirun):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.setdefault("VIXRISK_DATA", os.path.join(src, "..", "shared", "data"))
    data_ok = os.path.exists(os.path.join(env["VIXRISK_DATA"], "spx_daily.csv"))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, streamed in (("alvh.yaml", False), ("stress.yaml", False), ("sweep.yaml", True)):
            cfg = small_config(src, name, tmp, data_ok)
            stores = ("true", "false") if streamed else ("true",)
            files = {}
            for store in stores:
                c = with_store(cfg, store, tmp)
                one = os.path.join(tmp, f"one_{name}_{store}.h5")
                many = os.path.join(tmp, f"np{np_}_{name}_{store}.h5")
                # the main job's and the stress runs are timed (--stages): the report of the ranks'
                # paths added up must count what the single process counts (it once covered rank
                # 0's share, and counted the threads of ranks without paths)
                timed = ["--stages"] if name in ("alvh.yaml", "stress.yaml") else []
                t0 = time.time()
                r1 = run([vix, "run", c, "--paths", "72", "--threads", "2", "-q"] + timed + ["-o", one], env)
                t1 = time.time()
                rn = run(mpirun + ["-np", str(np_), vix, "run", c, "--paths", "72", "--threads", "1", "-q"] + timed +
                         ["-o", many], env)
                if timed:
                    ok &= same_stages(r1.stderr, rn.stderr, np_, name)
                # a timed run's file records its stages (stage_counts: compared bit for bit by
                # h5same below), an untimed one's none
                for f in (one, many):
                    with h5py.File(f, "r") as h:
                        for scen in h:
                            has = {k for k in h[scen].attrs if k.startswith("stage_")}
                            want = ({"stage_seconds", "stage_counts", "stage_threads", "stage_wall_seconds"}
                                    if timed else set())
                            if has != want:
                                print(f"  {f}/{scen}: stage attributes {sorted(has)}, want {sorted(want)}")
                                ok = False
                print(f"{name} store_paths {store}: 1 process {t1 - t0:.1f} s, {np_} ranks "
                      f"{time.time() - t1:.1f} s")
                with h5py.File(many, "r") as f:
                    if int(f.attrs["ranks"]) != np_:
                        print(f"  the file records {f.attrs['ranks']} ranks, not {np_}")
                        ok = False
                    # the invocation as rank 0 saw it (h5same skips it: -o and --threads differ)
                    ov = f.attrs.get("overrides", b"")
                    cl = f.attrs.get("command_line", b"")
                    ov, cl = (x.decode() if isinstance(x, bytes) else str(x) for x in (ov, cl))
                    # an override is a setting the command line changed: --paths 72 on a config
                    # of 72 paths is none
                    m = re.search(r"(?m)^\s+paths:\s*(\d+)", open(c).read())
                    want = ("" if m and m.group(1) == "72" else "simulation.paths=72 ") + "simulation.threads=1"
                    if ov != want or not cl.endswith(f"-o {many}"):
                        print(f"  the file records overrides {ov!r}, command line {cl!r}")
                        ok = False
                ok &= same(one, many, f"{name} store_paths {store}: 1 process vs {np_} ranks")
                # its report names the ranks (it said "Threads 1" for a run on 2 ranks)
                if name == "alvh.yaml":
                    md = os.path.join(tmp, f"np{np_}.md")
                    rr = run([vix, "report", many, "-o", md], env)
                    text = open(md).read() if rr.returncode == 0 else ""
                    if f"| Ranks x threads | {np_} x 1 |" not in text:
                        print(f"  the report of the {np_}-rank run does not name its ranks")
                        ok = False
                files[store] = one
            if "false" in files:
                bad = check_streamed(files["true"], files["false"])
                for line in bad[:10]:
                    print("  " + line)
                print(f"{name}: streamed scores vs stored-paths scores: {'within bounds' if not bad else 'OUT OF BOUNDS'}")
                ok &= not bad
    return 0 if ok else 1


def main_signal(vix, src, mpirun):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        cfg = small_config(src, "sweep.yaml", tmp, False)
        for how in ("SIGINT at mpirun", "SIGKILL of rank 1"):
            out = os.path.join(tmp, "out", "sig.h5")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            # Open MPI follows its SIGTERM with SIGKILL at once when a rank dies of it, which can
            # beat rank 0's removal of the temporary; a grace period lets rank 0 clean up. The
            # grace also comes before the SIGTERM (the ranks ran on for 5 s after mpirun's SIGINT),
            # so the run must outlast it by far: 200,000 paths (7 s on 2 ranks idle, the signal at
            # 1.3 s) once finished and wrote its file first under ctest -j2; 2,000,000 take about 70
            penv = dict(env, OMPI_MCA_odls_base_sigkill_timeout="5") if how.startswith("SIGINT") else env
            # SIGINT at its default in mpirun and the ranks: a test started from a background job
            # inherits it ignored, vixrisk keeps an ignored signal ignored (nohup's promise), and the
            # run then went on to write its file (seen when ctest ran from a non-interactive shell)
            p = subprocess.Popen(mpirun + ["-np", "2", vix, "run", cfg, "--paths", "2000000",
                                           "--threads", "1", "-q", "-o", out], env=penv,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            t0 = time.time()
            while not glob.glob(os.path.join(tmp, "out", ".vr*.tmp")) and p.poll() is None \
                    and time.time() - t0 < 120:
                time.sleep(0.1)
            time.sleep(1.0)  # the ranks are simulating
            if p.poll() is not None:
                print(f"{how}: the run ended before the signal ({p.returncode})")
                ok = False
                continue
            if how.startswith("SIGINT"):
                p.send_signal(signal.SIGINT)
            else:
                kids = subprocess.run(["pgrep", "-P", str(p.pid)], stdout=subprocess.PIPE,
                                      text=True).stdout.split()
                # the ranks are mpirun's children in rank order of their start; kill the last
                if not kids:
                    print(f"{how}: no rank processes found")
                    ok = False
                    p.kill()
                    continue
                os.kill(int(sorted(kids, key=int)[-1]), signal.SIGKILL)
            try:
                _, err = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                print(f"{how}: mpirun did not end within 120 s")
                ok = False
                continue
            left = os.listdir(os.path.join(tmp, "out"))
            good = p.returncode != 0 and not os.path.exists(out)
            if how.startswith("SIGINT"):
                good = good and not left
            print(f"{how}: exit {p.returncode}, left in the output directory: {left or 'nothing'}: "
                  f"{'ok' if good else 'FAILED'}")
            ok &= good
            for f in left:
                os.remove(os.path.join(tmp, "out", f))
        ok &= rank_fails_alone(vix, src, mpirun, env, tmp)
        ok &= ranks_disagree(vix, src, mpirun, env, tmp)
    return 0 if ok else 1


def rank_fails_alone(vix, src, mpirun, env, tmp):
    """A config that loads on rank 0 and fails on rank 1 (its VIXRISK_DATA names no directory, so
    the history scenarios find no data): every rank must stop with exit 2 and rank 0 print rank 1's
    error. Before, rank 1 returned alone and the run hung in its first collective."""
    data = os.path.realpath(os.path.join(src, "..", "shared", "data"))
    if not os.path.exists(os.path.join(data, "spx_daily.csv")):
        print("a rank failing alone: skipped (no ../shared/data)")
        return True
    cfg = small_config(src, "stress.yaml", tmp, True)
    wrap = os.path.join(tmp, "rank_env.sh")
    with open(wrap, "w") as f:
        f.write('#!/bin/sh\nif [ "${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" = 1 ]; then\n'
                f'  VIXRISK_DATA={tmp}/no_such_dir; export VIXRISK_DATA\nfi\nexec "$@"\n')
    os.chmod(wrap, 0o755)
    out = os.path.join(tmp, "out", "alone.h5")
    penv = dict(env, VIXRISK_DATA=data)
    try:
        r = subprocess.run(mpirun + ["-np", "2", wrap, vix, "run", cfg, "--paths", "97", "--threads",
                                     "1", "-q", "-o", out], env=penv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        print("a rank failing alone: the run hung (killed after 120 s): FAILED")
        return False
    good = r.returncode == 2 and "rank 1: " in r.stderr and "no_such_dir" in r.stderr \
        and not os.path.exists(out)
    print(f"a rank failing alone: exit {r.returncode}, {'ok' if good else 'FAILED'}")
    if not good:
        print(r.stderr[-2000:])
    return good


def ranks_disagree(vix, src, mpirun, env, tmp):
    """Ranks that would compute other numbers, or a usage error seen by rank 0 alone: every rank
    stops with exit 2, none hangs, no output. (a) Rank 1's VIXRISK_ISA names no ISA: it returned
    alone and the others waited in the config's agreement until killed. (b) Rank 1 on other
    kernels (VIXRISK_ISA=scalar, as a node without AVX would pick): the run passed off two ISAs'
    numbers as one. (c) Rank 1 reading a copy of the data with one VIX close 0.01 lower: 603
    numbers of a replay differed from the single process's, exit 0. (d) The output target a
    directory: exit 1 under mpirun, 2 without. (g) Rank 1 given another --seed, or an option it
    refuses, below."""
    data = os.path.realpath(os.path.join(src, "..", "shared", "data"))
    wrap = os.path.join(tmp, "rank1_env.sh")
    with open(wrap, "w") as f:
        f.write('#!/bin/sh\nif [ "${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" = 1 ]; then export "$RANK1_ENV"; fi\n'
                'exec "$@"\n')
    os.chmod(wrap, 0o755)
    isas = subprocess.run([vix, "--version"], stdout=subprocess.PIPE, text=True).stdout
    cases = [("VIXRISK_ISA=bogus", "alvh.yaml", None, "unknown ISA")]
    if "avx2" in isas:
        cases.append(("VIXRISK_ISA=scalar", "alvh.yaml", None, "rank 1 runs other kernels than rank 0"))
    if os.path.exists(os.path.join(data, "vix_daily.csv")):
        copy = os.path.join(tmp, "data_copy")
        shutil.copytree(data, copy)
        path = os.path.join(copy, "vix_daily.csv")
        text = open(path).read()
        line = next(x for x in text.splitlines() if x.startswith("2020-03-16,"))
        f = line.split(",")
        f[-1] = f"{float(f[-1]) - 0.01:.2f}"
        with open(path, "w") as fh:
            fh.write(text.replace(line, ",".join(f)))
        cases.append((f"VIXRISK_DATA={copy}", "stress.yaml", None, "rank 1 loaded other inputs than rank 0"))
    target_dir = os.path.join(tmp, "out", "dir_target")
    os.makedirs(os.path.join(target_dir, "alvh.h5"), exist_ok=True)
    cases.append(("RANK1_NOTHING=1", "alvh.yaml", target_dir, "exists and is a directory"))
    ok = True
    for renv, name, out_dir, want in cases:
        cfg = small_config(src, name, tmp, True)
        out = out_dir or os.path.join(tmp, "out", "disagree.h5")
        penv = dict(env, VIXRISK_DATA=data, RANK1_ENV=renv)
        try:
            r = subprocess.run(mpirun + ["-np", "2", wrap, vix, "run", cfg, "--paths", "40", "--threads", "1",
                                         "-q", "-o", out], env=penv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            print(f"ranks disagree ({renv}, {name}): the run hung (killed after 120 s): FAILED")
            ok = False
            continue
        made = os.path.isfile(out) or (out_dir is not None and os.listdir(os.path.join(out_dir, "alvh.h5")))
        good = r.returncode == 2 and want in r.stderr and not made
        print(f"ranks disagree ({renv.split('=')[0]}, {name}): exit {r.returncode}, {'ok' if good else 'FAILED'}")
        if not good:
            print(r.stderr[-2000:])
        ok &= good
    # (g) rank 1 given other options: another --seed ran its paths on another seed while the file
    # named rank 0's, exit 0; an option refused on rank 1 alone left rank 0 waiting for ever
    wrap_args = os.path.join(tmp, "rank1_args.sh")
    with open(wrap_args, "w") as f:
        f.write('#!/bin/sh\nif [ "${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" = 1 ]; then exec "$@" $RANK1_ARGS; fi\n'
                'exec "$@"\n')
    os.chmod(wrap_args, 0o755)
    for args, want in [("--seed 7", "rank 1 runs another seed or path count than rank 0"),
                       ("--bogus", "rank 1: its command line was refused, and the others' did not")]:
        cfg = small_config(src, "alvh.yaml", tmp, True)
        out = os.path.join(tmp, "out", "disagree_args.h5")
        try:
            r = subprocess.run(mpirun + ["-np", "2", wrap_args, vix, "run", cfg, "--paths", "40", "--threads", "1",
                                         "-q", "-o", out], env=dict(env, RANK1_ARGS=args), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            print(f"ranks disagree (rank 1 given {args}): the run hung (killed after 120 s): FAILED")
            ok = False
            continue
        good = r.returncode == 2 and want in r.stderr and not os.path.isfile(out)
        print(f"ranks disagree (rank 1 given {args}): exit {r.returncode}, {'ok' if good else 'FAILED'}")
        if not good:
            print(r.stderr[-2000:])
        ok &= good
    # (e) a usage error is the same on every rank: said once (it was said once per rank)
    cfg = small_config(src, "alvh.yaml", tmp, True)
    r = subprocess.run(mpirun + ["-np", "2", vix, "run", cfg, "--paths", "0", "-q"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    n = r.stderr.count("--paths: expected a whole number")
    good = r.returncode == 2 and n == 1
    print(f"a usage error under mpirun: exit {r.returncode}, said {n} time(s), {'ok' if good else 'FAILED'}")
    ok &= good
    # (f) every command but run is rank 0's alone: check says its line once, a report is written
    # once (each rank wrote it, over the same files), and rank 0's exit code is mpirun's
    r = subprocess.run(mpirun + ["-np", "2", vix, "check", cfg], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    n = r.stdout.count(": ok: ")
    good = r.returncode == 0 and n == 1
    print(f"check under mpirun: exit {r.returncode}, said {n} time(s), {'ok' if good else 'FAILED'}")
    if not good:
        print(r.stdout[-2000:], r.stderr[-2000:])
    ok &= good
    r = subprocess.run(mpirun + ["-np", "2", vix, "check", cfg, "--paths", "0"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    n = r.stderr.count("--paths: expected a whole number")
    good = r.returncode == 2 and n == 1
    print(f"a usage error of check under mpirun: exit {r.returncode}, said {n} time(s), {'ok' if good else 'FAILED'}")
    ok &= good
    h5 = os.path.join(tmp, "rep.h5")
    r = subprocess.run([vix, "run", cfg, "--paths", "2000", "-q", "-o", h5], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    if r.returncode != 0:
        print(f"report under mpirun: the run failed ({r.returncode}): FAILED\n{r.stderr[-2000:]}")
        return False
    md = os.path.join(tmp, "rep.md")
    r = subprocess.run(mpirun + ["-np", "2", vix, "report", h5, "-o", md], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    n = (r.stdout + r.stderr).count("rep.md")
    good = r.returncode == 0 and n == 1 and os.path.isfile(md)
    print(f"report under mpirun: exit {r.returncode}, named its file {n} time(s), {'ok' if good else 'FAILED'}")
    if not good:
        print(r.stdout[-2000:], r.stderr[-2000:])
    ok &= good
    return ok


if __name__ == "__main__":
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    vix, src = sys.argv[1], sys.argv[2]
    if sys.argv[3] == "--signal":
        sys.exit(main_signal(vix, src, sys.argv[4:]))
    sys.exit(main_same(vix, src, int(sys.argv[3]), sys.argv[4:]))
