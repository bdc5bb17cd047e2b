#!/usr/bin/python3
"""np_heston.py: the numpy peer of vixrisk's Heston path generator and `vixrisk price`.

The same Heston QE step as kernels/ref/heston_ref.c (Andersen 2008: QE variance step with
psi_c = 1.5, log-price step with gamma1 = gamma2 = 1/2, martingale correction K0*), written the
way a careful quant writes numpy: vectorised over paths, a Python loop over time steps only,
every array preallocated and updated in place (`out=`), np.random.default_rng (PCG64), the
quadratic branch computed on all lanes and the (rare, with daily steps) exponential lanes fixed
up by index. The two normals of a step are one Box-Muller pair of PCG64 uniforms (the transform
vixrisk itself uses): in numpy that is about twice as fast as two standard_normal (ziggurat)
calls, which otherwise take more than half the time of a step (--normals ziggurat for those).
The step's algebra is arranged for few array passes: 2/psi = m^2 / (s^2/2), 1 + b^2 shares
sqrt(2/psi (2/psi - 1)) with b^2, and K0* + (K1 + K3/2) v = (ln d + b^2 - b^2/d)/2 with
d = 1 - 2 A a. Paths may be processed in blocks (--block) so the working set stays in cache; a
block is still a vector over paths.

Modes, each timed as the median of --reps runs on one thread (the script pins BLAS/OpenMP pools
to one thread before numpy loads):
  gen      paths x steps of (log S, v), RNG included; the discounted call payoff at expiry gives
           the MC price and its standard error (same workload as `vixrisk price`).
  condor   the same generation plus, at every step, a Black-Scholes mark of a 4-leg iron condor
           (long 85 put, short 90 put, short 110 call, long 115 call, expiry = the horizon) per
           path, with the path's instantaneous vol sqrt(v) as the BS vol. Normal CDF:
           scipy.special.ndtr when python3-scipy is installed, else an erfc rational
           approximation in numpy (Numerical Recipes erfcc, |rel err| < 1.2e-7).

Prints one JSON object. Model: configs/models/heston.yaml (hard-coded, same numbers).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

try:
    from scipy.special import ndtr as _ndtr
    import scipy
    CDF_IMPL = "scipy.special.ndtr (scipy %s)" % scipy.__version__
except ImportError:  # pragma: no cover - depends on the machine
    _ndtr = None
    CDF_IMPL = "numpy erfcc rational approximation"

SPOT, RATE, DIV, V0 = 100.0, 0.03, 0.01, 0.04
KAPPA, THETA, SIGMA, RHO = 2.0, 0.04, 0.5, -0.7
PSI_C = 1.5
CONDOR = ((85.0, "put", +1.0), (90.0, "put", -1.0), (110.0, "call", -1.0), (115.0, "call", +1.0))


def ndtr(x, out, tmp):
    """Standard normal CDF of x into out (tmp: scratch of the same shape)."""
    if _ndtr is not None:
        return _ndtr(x, out=out)
    # erfc(z) for z = |x|/sqrt(2): t = 1/(1 + z/2), erfc = t exp(-z^2 + poly(t)); N(x) = erfc/2
    # for x < 0 and 1 - erfc/2 for x >= 0.
    z = np.abs(x, out=tmp)
    z *= 1.0 / math.sqrt(2.0)
    t = np.multiply(z, 0.5, out=out)
    t += 1.0
    np.reciprocal(t, out=t)
    c = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
         0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)
    poly = np.full_like(t, c[9])
    for k in range(8, -1, -1):
        poly *= t
        poly += c[k]
    np.square(z, out=z)
    np.subtract(poly, z, out=poly)
    np.exp(poly, out=poly)
    poly *= t
    poly *= 0.5                      # erfc(|x|/sqrt 2)/2 = N(-|x|)
    np.subtract(1.0, poly, out=out)
    np.copyto(out, poly, where=x < 0)
    return out


class Coef:
    """Per-step constants (engine/src/model/coef.c)."""

    def __init__(self, dt):
        e = math.exp(-KAPPA * dt)
        ome = -math.expm1(-KAPPA * dt)
        self.dt, self.ekdt = dt, e
        self.drift = (RATE - DIV) * dt
        self.c_v = SIGMA * SIGMA * e * ome / KAPPA
        self.c_t = THETA * SIGMA * SIGMA * ome * ome / (2.0 * KAPPA)
        g1 = g2 = 0.5
        self.k0 = -RHO * KAPPA * THETA * dt / SIGMA
        self.k1 = g1 * dt * (KAPPA * RHO / SIGMA - 0.5) - RHO / SIGMA
        self.k2 = g2 * dt * (KAPPA * RHO / SIGMA - 0.5) + RHO / SIGMA
        self.k3 = g1 * dt * (1.0 - RHO * RHO)
        self.k4 = g2 * dt * (1.0 - RHO * RHO)
        self.A = self.k2 + 0.5 * self.k4


class Work:
    """Preallocated per-block arrays."""

    def __init__(self, n, condor):
        f = lambda: np.empty(n)  # noqa: E731
        self.x, self.v = f(), f()
        self.zv, self.zs, self.m, self.s2, self.ip, self.b2 = f(), f(), f(), f(), f(), f()
        self.a, self.vn, self.k0, self.t = f(), f(), f(), f()
        self.expo = np.empty(n, dtype=bool)
        self.u = np.empty((2, n))             # Box-Muller uniforms (radius, angle)
        if condor:
            g = lambda: np.empty((2, n))  # noqa: E731  (put strikes, call strikes)
            self.S, self.sd = f(), f()
            self.d1, self.d2, self.n1, self.n2, self.tmp = g(), g(), g(), g(), g()
            self.mark = f()


def normal2(rng, w):
    """Two independent N(0,1) arrays w.zv, w.zs by Box-Muller on one block of uniforms."""
    u = w.u                                   # (2, n): u[0] radius, u[1] angle
    rng.random(out=u)
    r, th = u[0], u[1]
    np.subtract(1.0, r, out=r)                # (0, 1]
    np.log(r, out=r)
    r *= -2.0
    np.sqrt(r, out=r)
    th *= 2.0 * math.pi
    np.cos(th, out=w.zv)
    w.zv *= r
    np.sin(th, out=w.zs)
    w.zs *= r


def qe_step(c, w, rng, n, normals="boxmuller"):
    """One QE step of (x = log S, v) for the n lanes of w, in place."""
    v, m, s2, ip, b2, a, vn, k0, t = w.v, w.m, w.s2, w.ip, w.b2, w.a, w.vn, w.k0, w.t
    if normals == "boxmuller":
        normal2(rng, w)
    else:
        rng.standard_normal(out=w.zv)
        rng.standard_normal(out=w.zs)
    np.multiply(v, c.ekdt, out=m)
    m += THETA * (1.0 - c.ekdt)
    np.multiply(v, 0.5 * c.c_v, out=s2)          # h = s^2 / 2
    s2 += 0.5 * c.c_t
    np.square(m, out=ip)
    ip /= s2                                      # 2/psi = m^2 / h
    np.less(ip, 2.0 / PSI_C, out=w.expo)
    np.maximum(ip, 2.0 / PSI_C, out=ip)
    np.subtract(ip, 1.0, out=b2)                  # 2/psi - 1
    np.multiply(b2, ip, out=a)
    np.sqrt(a, out=a)                             # sqrt(2/psi (2/psi - 1))
    b2 += a                                       # b^2
    a += ip                                       # 1 + b^2
    np.divide(m, a, out=a)                        # a = m / (1 + b^2)
    np.sqrt(b2, out=vn)
    vn += w.zv
    np.square(vn, out=vn)
    vn *= a
    # 2 (K0* + (K1 + K3/2) v) = ln d + b^2 - b^2 / d with d = 1 - 2 A a  (-2 A a = d - 1)
    np.multiply(a, -2.0 * c.A, out=t)
    t += 1.0
    if c.A > 0:
        bad = t <= 0
        np.maximum(t, 1e-300, out=t)
    np.divide(b2, t, out=k0)
    np.subtract(b2, k0, out=k0)
    np.log(t, out=t)
    k0 += t
    if c.A > 0 and bad.any():
        k0[bad] = 2.0 * c.k0 + (2.0 * c.k1 + c.k3) * v[bad]
    idx = np.flatnonzero(w.expo)
    if idx.size:
        me, vi = m[idx], v[idx]
        psi = 2.0 * s2[idx] / (me * me)
        p = (psi - 1.0) / (psi + 1.0)
        beta = (1.0 - p) / me
        u = rng.random(idx.size)
        vn[idx] = np.where(u <= p, 0.0, np.log((1.0 - p) / np.maximum(1.0 - u, 1e-300)) / beta)
        ok = beta > c.A
        k0e = np.full(idx.size, 2.0 * c.k0) + (2.0 * c.k1 + c.k3) * vi
        k0e[ok] = -2.0 * np.log(p[ok] + beta[ok] * (1.0 - p[ok]) / (beta[ok] - c.A))
        k0[idx] = k0e
    # ln S += drift + [K0* + (K1 + K3/2) v] - (K3/2) v + K2 V' + sqrt(K3 v + K4 V') Zs
    x = w.x
    v *= c.k3
    k0 -= v                                       # 2 (K0* + K1 v)
    np.multiply(vn, 2.0 * c.k2, out=t)
    k0 += t
    k0 *= 0.5
    x += k0
    x += c.drift
    np.multiply(vn, c.k4, out=t)
    t += v
    np.sqrt(t, out=t)
    t *= w.zs
    x += t
    w.v, w.vn = vn, v


LOGK = np.log(np.array([[85.0, 90.0], [110.0, 115.0]]))[:, :, None]  # rows: puts, calls
KS = np.array([[85.0, 90.0], [110.0, 115.0]])[:, :, None]
WEIGHT = np.array([[+1.0, -1.0], [-1.0, +1.0]])[:, :, None]           # long/short per leg


def condor_mark(w, tau, n):
    """Black-Scholes value of the iron condor per lane, vol = sqrt(v), time to expiry tau."""
    S, sd, d1, d2, n1, n2, tmp = w.S, w.sd, w.d1, w.d2, w.n1, w.n2, w.tmp
    np.exp(w.x, out=S)
    # sigma sqrt(tau), floored so v = 0 lanes and tau -> 0 give the intrinsic value
    np.sqrt(w.v, out=sd)
    sd *= math.sqrt(max(tau, 0.0))
    np.maximum(sd, 1e-12, out=sd)
    dq, dr = math.exp(-DIV * tau), math.exp(-RATE * tau)
    carry = (RATE - DIV) * tau
    mark = w.mark
    mark.fill(0.0)
    for row in (0, 1):                         # 0: the two puts, 1: the two calls
        # d1 = (ln S - ln K + carry)/sd + sd/2 for both strikes of the row at once
        np.subtract(w.x, LOGK[row], out=d1)
        d1 += carry
        d1 /= sd
        np.multiply(sd, 0.5, out=n2[0])
        d1 += n2[0]
        np.subtract(d1, sd, out=d2)
        if row == 0:                           # P = K e^{-r tau} N(-d2) - S e^{-q tau} N(-d1)
            np.negative(d1, out=d1)
            np.negative(d2, out=d2)
        ndtr(d1, n1, tmp)
        ndtr(d2, n2, tmp)
        n1 *= S
        n1 *= dq
        n2 *= KS[row] * dr
        if row == 0:
            np.subtract(n2, n1, out=n1)
        else:                                  # C = S e^{-q tau} N(d1) - K e^{-r tau} N(d2)
            n1 -= n2
        n1 *= WEIGHT[row]
        mark += n1[0]
        mark += n1[1]
    return mark


def run(paths, steps, expiry, block, rng, condor, normals="boxmuller"):
    """Simulate; return (sum of discounted payoffs, sum of squares, mean final condor mark)."""
    c = Coef(expiry / steps)
    disc = math.exp(-RATE * expiry)
    s_sum = s_sq = 0.0
    mark_sum = 0.0
    w = Work(block, condor)
    for start in range(0, paths, block):
        n = min(block, paths - start)
        if n != block:
            w = Work(n, condor)
        w.x.fill(math.log(SPOT))
        w.v.fill(V0)
        for k in range(steps):
            qe_step(c, w, rng, n, normals)
            if condor:
                condor_mark(w, expiry - (k + 1) * c.dt, n)
        pay = np.exp(w.x)
        pay -= 100.0
        np.maximum(pay, 0.0, out=pay)
        pay *= disc
        s_sum += float(pay.sum())
        s_sq += float(np.dot(pay, pay))
        if condor:
            mark_sum += float(w.mark.sum())
    return s_sum, s_sq, mark_sum / paths


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paths", type=int, default=100000)
    ap.add_argument("--condor-paths", type=int, default=20000)
    ap.add_argument("--expiry", type=float, default=1.0)
    ap.add_argument("--steps-per-year", type=int, default=252)
    ap.add_argument("--block", type=int, default=32768, help="paths per block (0 = all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mode", choices=("gen", "condor", "both"), default="both")
    ap.add_argument("--normals", choices=("boxmuller", "ziggurat"), default="boxmuller",
                    help="normals: Box-Muller on PCG64 uniforms, or Generator.standard_normal")
    a = ap.parse_args()
    steps = math.ceil(a.expiry * a.steps_per_year - 1e-9)
    out = {"peer": "numpy", "numpy_version": np.__version__, "python": platform.python_version(),
           "normal_cdf": CDF_IMPL, "rng": "numpy default_rng (PCG64), " + (
               "Box-Muller normals" if a.normals == "boxmuller" else "standard_normal ziggurat"),
           "threads": 1, "block": a.block, "expiry": a.expiry, "steps": steps}
    for mode in (("gen", "condor") if a.mode == "both" else (a.mode,)):
        paths = a.paths if mode == "gen" else a.condor_paths
        block = paths if a.block <= 0 else min(a.block, paths)
        secs, res = [], None
        for r in range(a.reps):
            rng = np.random.default_rng(a.seed + r)
            t0 = time.perf_counter()
            s = run(paths, steps, a.expiry, block, rng, mode == "condor", a.normals)
            secs.append(time.perf_counter() - t0)
            if r == 0:
                res = s
        med = sorted(secs)[len(secs) // 2] if len(secs) % 2 else \
            0.5 * (sorted(secs)[len(secs) // 2 - 1] + sorted(secs)[len(secs) // 2])
        s_sum, s_sq, mark = res
        mean = s_sum / paths
        se = math.sqrt(max(s_sq / paths - mean * mean, 0.0) / (paths - 1))
        rec = {"paths": paths, "reps": a.reps, "seconds": med, "runs_s": secs,
               "path_steps_per_s": paths * steps / med, "mc": mean, "se": se}
        if mode == "condor":
            rec["option_marks_per_s"] = 4 * paths * steps / med
            rec["mean_final_condor_mark"] = mark
        out[mode] = rec
    print(json.dumps(out))


if __name__ == "__main__":
    main()
