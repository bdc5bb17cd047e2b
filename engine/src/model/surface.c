/* surface.c: build the implied-volatility table of vr_surface.h (layout: vk_surface.h).
 *
 * For every (v, tau) node of the grid, the strikes y_j = ln(K_j/F) = x_j sqrt(tau vbar) of the
 * normalised-moneyness nodes x_j = x_scale sinh(u_j) are priced in one COS expansion (Fang and
 * Oosterlee 2008) of the law of X = ln(S_tau/F):
 *     P(y) = sum'_{n<N} Re[phi(u_n) e^{-i u_n a}] V_n(y),   u_n = n pi/(b - a),
 * with phi = vr_cf_logprice, puts for y <= 0 and calls for y > 0 from their own payoff
 * coefficients. The truncation range [a, b] is centred on E[X] ~ -w/2 (w the total variance of X)
 * with half-width 16 sqrt(w) (or the strikes, up to 1.5 k_max sqrt(tau)) plus the reach of the
 * jumps, and the series runs until the omitted terms are below 1e-15, at most COS_NMAX terms;
 * cos/sin(n theta_j) come from a rotation recurrence over n, re-synchronised every 256 terms
 * (rounding drift ~ 256 eps relative, far below the 1e-15 series tolerance in price terms); the
 * per-term update over strikes is branch-free so that it vectorises.
 *
 * Inversion: OTM prices above max(VR_SURFACE_PRICE_FLOOR, 10 x the strike's COS noise) are
 * inverted with vr_bs_implied_vol and divided by sqrt(vbar). Below, the implied vol is noise, so
 * walking outward from x = 0 the first such node and all beyond it are filled by extending the
 * last two resolved nodes linearly with the outward slope capped at 0 (flat or falling) and the
 * value kept >= half the last resolved one: the Black price of the filled vol keeps falling
 * outward, so it stays below the floor as the model price does.
 *
 * In u = asinh(x / x_scale) each row is a natural cubic spline through the nodes (stored per cell
 * as single-precision polynomial coefficients in the cell fraction, copied into the records of
 * the up to four grid cells the node is a corner of); across v and tau the lookup is bilinear.
 * Resolution (measured, tests/test_surface.c): bilinear interpolation across ln tau was the
 * dominant error (0.06-0.09 vol points in the Bates short-expiry left wing and at high v for a
 * Feller-violating Heston with the former 48 x 24 grid); the default grid is 44 (v) x 44 (tau) x
 * 97 (x) with v_eps = 0.03 theta* (44 v nodes over [0, 1.5 q99.99], more at that spacing where
 * the axis goes on to VIX 150: vr_surface_build), which spends fewer of the costly near-zero-variance nodes
 * (those hit the COS_NMAX cap) and more nodes in tau. Accuracy criteria of the test: 10-50 delta,
 * 7-120 days: |vol error| <= 5e-4; elsewhere (|k| <= 3, tau in [1/365, 1], v from the 1st to the
 * 99.9th stationary percentile) |vol error| <= 5e-4, OR |price error| <= 5e-4 vega (where the
 * implied vol is ill-conditioned), OR |price error| <= 1e-9 S. Weakest: linear interpolation
 * across the first variance cell in a deep wing (docs/numerics.md).
 *
 * OpenMP threads share the (v, tau) nodes (this is the one parallel loop outside engine/src/sim:
 * the build runs once per scenario, before any simulation thread exists). */
#include "vixrisk/vr_surface.h"
#include "special.h"
#include "surface_internal.h"
#include "tables_io.h"
#include "uninstrumented.h"

#include <complex.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_analytic.h"

#define COS_NMAX 16384 /* series cap: resolves a core of width ~ (b - a) / 5000 */
#define COS_NMIN 64
#define COS_RESYNC 256

struct vr_surface {
    vk_surface view;
    float *coef; /* owned, 64-byte aligned */
    vr_model_type type;
    vr_sv_params params;
    vr_surface_stats stats;
};

/* ---------------------------------------------------------------------------------------------
 * Stationary law of v: Gamma(shape 2 kappa theta* / sigma^2, scale sigma^2/(2 kappa)). */

/* Regularised lower incomplete gamma P(a, x) (special.c). */
static double gamma_p(double a, double x)
{
    double P, Q;
    vr_inc_gamma(a, x, &P, &Q);
    return P;
}

double vr_stationary_var_quantile(vr_model_type t, const vr_sv_params *p, double prob)
{
    if (!(prob > 0 && prob < 1) || p == NULL || !(p->kappa > 0) || !(p->sigma > 0))
        return NAN;
    const double th = vr_theta_star(t, p);
    const double shape = 2.0 * p->kappa * th / (p->sigma * p->sigma);
    const double scale = p->sigma * p->sigma / (2.0 * p->kappa);
    /* bisection on ln x: quantiles of a small shape reach far below 1e-100 */
    double lo = log(1e-300), hi = log(shape + 50.0 * sqrt(shape) + 800.0);
    for (int it = 0; it < 200 && hi - lo > 1e-13 * (1.0 + fabs(hi)); it++) {
        const double mid = 0.5 * (lo + hi);
        if (gamma_p(shape, exp(mid)) < prob)
            lo = mid;
        else
            hi = mid;
    }
    return scale * exp(0.5 * (lo + hi));
}

double vr_surface_var_at_vix(double a, double b, double vix)
{
    const double x = 1e-4 * vix * vix;
    return x > a ? (x - a) / b : 0.0;
}

/* ---------------------------------------------------------------------------------------------
 * Moments that size the COS range. */

/* Total variance of X over tau (diffusion with mean-reverting v, plus jump variance) and the
 * diffusion part alone (theta, not theta*: the narrowest feature of the law). */
static void law_scales(vr_model_type t, const vr_sv_params *p, double v, double tau,
                       double *w_total, double *w_diff, double *jump_reach)
{
    const double k = p->kappa, kt = k * tau;
    const double decay = -expm1(-kt) / k; /* (1 - e^{-k tau})/k */
    const double th = vr_theta_star(t, p);
    *w_diff = fmax(p->theta * tau + (v - p->theta) * decay, 0.0);
    double w = th * tau + (v - th) * decay, reach = 0.0;
    if (t == VR_MODEL_BATES && p->lambda > 0) {
        w += p->lambda * tau * (p->mu_j * p->mu_j + p->sigma_j * p->sigma_j);
        reach = fabs(p->mu_j) + 10.0 * p->sigma_j;
    } else if (t == VR_MODEL_SVCJ && p->lambda > 0) {
        const double m = p->mu_s + p->rho_j * p->mu_v;
        w += p->lambda * tau *
             (m * m + p->rho_j * p->rho_j * p->mu_v * p->mu_v + p->sigma_s * p->sigma_s);
        /* Zv exponential: its tail beyond 36 means is e^-36 */
        reach = fabs(p->mu_s) + 36.0 * fabs(p->rho_j) * p->mu_v + 10.0 * p->sigma_s;
    }
    *w_total = fmax(w, 1e-300);
    *jump_reach = reach;
}

/* ---------------------------------------------------------------------------------------------
 * One (v, tau) node: OTM prices at all strikes, then implied vols. */

typedef struct node_work {
    double *A;    /* Re[phi(u_n) e^{-i u_n a}], first halved */
    double *u;    /* u_n */
    double *cs, *sn, *acc, *ey, *cth, *sth, *esg, *half, *flip; /* per strike */
    int nk;       /* the strikes the per-strike arrays hold */
} node_work;

/* The doubles a node_work over nk strikes takes, with NODE_SCRATCH more arrays of nk for the
 * caller (node_work_bind hands back the first). */
#define NODE_SCRATCH 5
static size_t node_work_doubles(int nk) { return 2 * (size_t)COS_NMAX + (9 + NODE_SCRATCH) * (size_t)nk; }

/* Lay wk out over buf (node_work_doubles(nk) doubles); returns the caller's scratch: NODE_SCRATCH
 * arrays of nk doubles, one after another. */
static double *node_work_bind(node_work *wk, double *buf, int nk)
{
    wk->A = buf;
    wk->u = buf + COS_NMAX;
    double *q = buf + 2 * COS_NMAX;
    double **per[9] = {&wk->cs, &wk->sn, &wk->acc, &wk->ey, &wk->cth, &wk->sth, &wk->esg,
                       &wk->half, &wk->flip};
    for (int i = 0; i < 9; i++)
        *per[i] = q + (size_t)i * nk;
    wk->nk = nk;
    return q + 9 * (size_t)nk;
}

/* The series' terms 1..N-1 summed into acc[] for every strike (cos_prices). The update is written
 * without branches over restrict-qualified per-strike arrays so that it vectorises; gcc also
 * compiles an AVX2 clone (picked at load time on CPUs that have it), twice as wide as the x86-64
 * baseline's SSE2. Neither clone uses FMA (target "avx2" does not enable it) and the loop has no
 * reduction, so each strike's operations are the same in the same order: the clones give the same
 * bits. (A table build spends most of its time here: 97 strikes per term, up to 16,384 terms per
 * node.) */
#if defined(__GNUC__) && !defined(__clang__)
#define COS_SIMD _Pragma("omp simd")
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
#else
#define COS_SIMD /* clang (the sanitizer build): it vectorises what it can by itself */
#endif
VR_UNINSTRUMENTED static void cos_terms(node_work *wk, const double *y, int nk, int N, double a,
                                        double L)
{
    VR_LEAF_REQUIRE(nk >= 0 && nk <= wk->nk && N >= 1 && N <= COS_NMAX);
    const int nhalf = N / 2;
    double *restrict cs = wk->cs, *restrict sn = wk->sn, *restrict acc = wk->acc;
    double *restrict esg = wk->esg;
    const double *restrict flip = wk->flip;
    const double *restrict ey = wk->ey, *restrict cth = wk->cth, *restrict sth = wk->sth;
    /* Terms in runs that end where something happens between two terms (the snapshot of the
     * partial sums before term nhalf, the re-synchronisation of the rotation every COS_RESYNC
     * terms, the end); a run's terms go four at a time through each strike's registers (the
     * update is bound by its loads and stores, one set per four terms instead of per term).
     * Each strike sees the same operations in the same order as one term at a time. */
    int n = 1;
    while (n < N) {
        if (n == nhalf)
            memcpy(wk->half, acc, (size_t)nk * sizeof(double));
        if (n % COS_RESYNC == 0) {
            for (int j = 0; j < nk; j++) {
                const double th = n * (M_PI * (y[j] - a) / L);
                cs[j] = cos(th);
                sn[j] = sin(th);
            }
        }
        int end = (n / COS_RESYNC + 1) * COS_RESYNC;
        end = end < N ? end : N;
        end = nhalf > n && nhalf < end ? nhalf : end;
        for (; n < end; ) {
            enum { R = 4 };
            const int r = end - n >= R ? R : 1;
            double al[R], be[R];
            for (int q = 0; q < r; q++) {
                const double un = wk->u[n + q], An = wk->A[n + q];
                const double iu2 = 1.0 / (1.0 + un * un), iu = 1.0 / un;
                /* e sv/u - (c e + u sv e - E) iu2 = e (sv (1/u - u iu2) - c iu2) + E iu2 */
                al[q] = An * (iu - un * iu2);
                be[q] = An * iu2;
            }
            if (r == R) {
                COS_SIMD
                for (int j = 0; j < nk; j++) {
                    double c = cs[j], sv = sn[j], ac = acc[j], e = esg[j];
                    const double eyj = ey[j], ct = cth[j], st = sth[j], fl = flip[j];
                    for (int q = 0; q < R; q++) {
                        ac += eyj * (sv * al[q] - c * be[q]) + e * be[q];
                        const double c1 = c * ct - sv * st;
                        sv = sv * ct + c * st;
                        c = c1;
                        e *= fl;
                    }
                    acc[j] = ac;
                    cs[j] = c;
                    sn[j] = sv;
                    esg[j] = e;
                }
            } else { /* a run's last 1-3 terms, one at a time (one body with a variable count of
                        terms ran the calibrated svcj2 build 2-15% slower: it is no longer unrolled) */
                COS_SIMD
                for (int j = 0; j < nk; j++) {
                    const double c = cs[j], sv = sn[j];
                    acc[j] += ey[j] * (sv * al[0] - c * be[0]) + esg[j] * be[0];
                    cs[j] = c * cth[j] - sv * sth[j];
                    sn[j] = sv * cth[j] + c * sth[j];
                    esg[j] *= flip[j];
                }
            }
            n += r;
        }
    }
}

/* The series' range [a, b] for strikes y[0..nk) at (v, tau), the total variance w of X and the
 * range's core (its half-width without the jumps' reach). */
static void cos_range(const vr_surface_src *src, double v, double tau, double ylim,
                      const double *y, int nk, double *w_out, double *core_out, double *a,
                      double *b)
{
    double w, reach_lo, reach_hi;
    src->scales(src->ctx, v, tau, &w, &reach_lo, &reach_hi);
    const double sd = sqrt(w);
    /* cover the strikes too (heavy left tails with rho near -1), but not beyond 1.5 ylim (the
     * lookups clamp |ln(K/F)| to ylim; nodes further out are extrapolated) */
    double ymax = 0.0;
    for (int j = 0; j < nk; j++)
        ymax = fmax(ymax, fabs(y[j]));
    ymax = fmin(ymax, 1.5 * ylim);
    /* (one-sided jumps need range on their side only: a call's payoff grows like e^x, so range
     * above the law's reach only amplifies the series' error there) */
    const double core = fmax(16.0 * sd, ymax + 4.0 * sd);
    *w_out = w;
    *core_out = core;
    *a = -0.5 * w - (core + reach_lo);
    *b = -0.5 * w + (core + reach_hi);
}

/* Undiscounted OTM prices (F = 1) at log-strikes y[0..nk). Returns the number of COS terms. */
static int cos_prices(const vr_surface_src *src, int it, double v, double tau, double ylim,
                      const double *y, int nk, double *otm, double *noise, node_work *wk)
{
    double w, core, a, b;
    cos_range(src, v, tau, ylim, y, nk, &w, &core, &a, &b);
    const double L = b - a;

    /* |V_n(y)| <= 4/(L u_n^2) for y <= 0, so the terms left out after N add at most about
     * 4 |phi(u_N)| / (pi u_N) (if |phi| stopped decaying): stop when that is below 1e-15. When
     * the cap is reached first (a near-degenerate core: v ~ 0 at short tau), that bound is far too
     * pessimistic for most strikes (the terms oscillate in n unless y sits on the core), so each
     * strike's noise is measured instead as the change of its partial sum over the second half of
     * the series: for terms falling like 1/n^2 that change is about the omitted tail. */
    int N = 0;
    double last = 1.0;
    for (int n = 0; n < COS_NMAX; n++) {
        const double un = n * M_PI / L;
        const double complex ph = src->cf(src->ctx, it, v, tau, un);
        wk->u[n] = un;
        wk->A[n] = creal(ph * cexp(-I * un * a)) * (n == 0 ? 0.5 : 1.0);
        N = n + 1;
        if (n == 0) {
            last = 1.0;
            continue;
        }
        /* The bound needs |phi|, a hypot, only where the series may stop: from term COS_NMIN
         * on, unless the larger of |Re phi| and |Im phi| (<= |phi|) already puts it above twice
         * the threshold (far beyond the roundings of either form). `last` is read after the loop
         * only, and the loop ends where it has been computed in full (the stop, or the cap). */
        if (n >= COS_NMIN && (n == COS_NMAX - 1 ||
                              !(4.0 * fmax(fabs(creal(ph)), fabs(cimag(ph))) / (M_PI * un) > 2e-15))) {
            last = 4.0 * cabs(ph) / (M_PI * un);
            if (last < 1e-15)
                break;
        }
    }
    const int capped = !(last < 1e-15);

    /* Puts for y <= 0 and calls for y > 0, each from its own payoff coefficients:
     *   put:  V_n = 2/L [e^y psi_n(a, y) - chi_n(a, y)],  call: V_n = 2/L [chi_n(y, b) - e^y psi_n(y, b)]
     * with chi_n(c, d) = int_c^d e^x cos(u_n (x - a)) dx and psi_n the same without e^x. (A call
     * from put parity would pick up e^y times the mass the truncation folds back near a, which
     * for heavy left tails dominates a far OTM call.) With cs = cos(n theta_j), sn = sin(n theta_j),
     * theta_j = pi (y_j - a)/L, both are, for n >= 1,
     *   e^y sn/u_n - (cs e^y + u_n sn e^y - E_n)/(1 + u_n^2),   E_n = e^a (put), (-1)^n e^b (call). */
    const double ea = exp(a), eb = exp(b), c2 = 2.0 / L;
    for (int j = 0; j < nk; j++) {
        const double th = M_PI * (y[j] - a) / L, e = exp(y[j]);
        const int call = y[j] > 0;
        wk->cth[j] = cos(th);
        wk->sth[j] = sin(th);
        wk->cs[j] = wk->cth[j]; /* n = 1 */
        wk->sn[j] = wk->sth[j];
        wk->ey[j] = e;
        wk->esg[j] = call ? -eb : ea; /* E_1 */
        /* n = 0 term, weight 1/2 already in A[0] */
        const double v0 = call ? (eb - e) - e * (b - y[j]) : e * (y[j] - a) - (e - ea);
        wk->acc[j] = wk->A[0] * v0;
    }
    /* flip[j] = -1 for calls ((-1)^n e^b), +1 for puts */
    for (int j = 0; j < nk; j++)
        wk->flip[j] = y[j] > 0 ? -1.0 : 1.0;
    cos_terms(wk, y, nk, N, a, L);
    for (int j = 0; j < nk; j++) {
        double pr;
        if (y[j] <= 0)
            pr = y[j] <= a ? 0.0 : c2 * wk->acc[j];
        else
            pr = y[j] >= b ? 0.0 : c2 * wk->acc[j];
        otm[j] = pr;
        noise[j] = capped ? fmax(c2 * fabs(wk->acc[j] - wk->half[j]), 1e-15) : last;
    }
    return N;
}

/* Fill vols of unresolved nodes outward from index jr (first unresolved) in direction dir. */
static void extrapolate_side(double *sig, int nk, int jc, int dir, int jfirst_bad)
{
    const int last = jfirst_bad - dir;             /* last resolved */
    const int prev = last - dir;                   /* the one before it, if resolved */
    double slope = 0.0;                            /* per node, outward */
    if ((dir > 0 ? prev >= jc : prev <= jc))
        slope = fmin(sig[last] - sig[prev], 0.0);
    const double base = sig[last], lo = 0.5 * sig[last];
    for (int j = jfirst_bad, m = 1; j >= 0 && j < nk; j += dir, m++)
        sig[j] = fmax(base + slope * m, lo);
}

/* Natural cubic spline through f[0..n) on unit spacing, as per-cell coefficients
 * c[4 i + l] of f_i + t (c1 + t (c2 + t c3)). m is scratch of n doubles. */
static void spline_cells(const double *f, int n, double *m, double *c)
{
    /* M_{i-1} + 4 M_i + M_{i+1} = 6 (f_{i+1} - 2 f_i + f_{i-1}), M_0 = M_{n-1} = 0 (Thomas) */
    double *cp = c; /* borrow the output as scratch for the modified super-diagonal */
    m[0] = 0.0;
    cp[0] = 0.0;
    for (int i = 1; i < n - 1; i++) {
        const double r = 6.0 * (f[i + 1] - 2.0 * f[i] + f[i - 1]);
        const double den = 4.0 - cp[i - 1];
        cp[i] = 1.0 / den;
        m[i] = (r - m[i - 1]) / den;
    }
    m[n - 1] = 0.0;
    for (int i = n - 2; i >= 1; i--)
        m[i] -= cp[i] * m[i + 1];
    for (int i = 0; i < n - 1; i++) {
        c[4 * i + 0] = f[i];
        c[4 * i + 1] = (f[i + 1] - f[i]) - (2.0 * m[i] + m[i + 1]) / 6.0;
        c[4 * i + 2] = 0.5 * m[i];
        c[4 * i + 3] = (m[i + 1] - m[i]) / 6.0;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Spec. */

static vr_status spec_fill(const vr_surface_spec *in, const vr_surface_src *src,
                           vr_surface_spec *s, vr_err *err)
{
    static const vr_surface_spec zero;
    *s = in ? *in : zero;
#define BAD(field, range, val)                                                                 \
    return vr_fail(err, VR_EINVAL, "surface.spec." field " must be " range " (got %g)", (double)(val))
    if (s->v_min == 0 && s->v_max == 0) {
        s->v_max = src->v_max_default;
        if (!(s->v_max <= 16.0))
            s->v_max = 16.0;
    } else {
        if (!(s->v_min >= 0 && s->v_min < 16))
            BAD("v_min", "in [0, 16)", s->v_min);
        if (!(s->v_max > s->v_min && s->v_max <= 16))
            BAD("v_max", "in (v_min, 16]", s->v_max);
    }
    if (s->tau_min == 0 && s->tau_max == 0) {
        s->tau_min = 1.0 / 365.0;
        s->tau_max = 1.0;
    } else {
        if (!(s->tau_min >= 1e-4 && s->tau_min < 30))
            BAD("tau_min", "in [1e-4, 30) years", s->tau_min);
        if (!(s->tau_max > s->tau_min && s->tau_max <= 30))
            BAD("tau_max", "in (tau_min, 30] years", s->tau_max);
    }
    if (s->k_max == 0)
        s->k_max = VR_SURFACE_DEFAULT_KMAX;
    if (!(s->k_max > 0 && s->k_max <= 20))
        BAD("k_max", "in (0, 20]", s->k_max);
    if (s->x_max == 0)
        s->x_max = VR_SURFACE_DEFAULT_XMAX;
    if (!(s->x_max >= 1 && s->x_max <= 1e4))
        BAD("x_max", "in [1, 1e4]", s->x_max);
    if (s->x_scale == 0)
        s->x_scale = VR_SURFACE_DEFAULT_XSCALE;
    if (!(s->x_scale > 0 && s->x_scale <= s->x_max))
        BAD("x_scale", "in (0, x_max]", s->x_scale);
    if (s->n_v == 0)
        s->n_v = VR_SURFACE_DEFAULT_NV;
    if (s->tau_step != 0) {
        /* the ladder: as many steps as reach tau_max (a hair below it counts: the step count of
         * the span is an integer up to its rounding) */
        if (!(s->tau_step > 0 && s->tau_step <= 1))
            BAD("tau_step", "0 or in (0, 1]", s->tau_step);
        const double y0 = log(s->tau_min);
        const double k = ceil((log(s->tau_max) - y0) / s->tau_step - 1e-9);
        if (!(k >= 1 && k <= 4095))
            BAD("tau_step", "such that at most 4096 nodes reach tau_max", s->tau_step);
        /* (a filled spec fills again to itself: its tau_max is the top node) */
        if (s->n_tau != 0 && s->n_tau != (int)k + 1)
            BAD("n_tau", "0 with a tau_step (the ladder sets it)", s->n_tau);
        s->n_tau = (int)k + 1;
        s->tau_max = exp(y0 + k * s->tau_step);
        if (!(s->tau_max <= 30))
            BAD("tau_max", "at most 30 years at the ladder's top node", s->tau_max);
    }
    if (s->n_tau == 0)
        s->n_tau = VR_SURFACE_DEFAULT_NTAU;
    if (s->n_x == 0)
        s->n_x = VR_SURFACE_DEFAULT_NX;
    if (!(s->n_v >= 2 && s->n_v <= 4096))
        BAD("n_v", "in [2, 4096]", s->n_v);
    if (!(s->n_tau >= 2 && s->n_tau <= 4096))
        BAD("n_tau", "in [2, 4096]", s->n_tau);
    if (!(s->n_x >= 4 && s->n_x <= 4096))
        BAD("n_x", "in [4, 4096]", s->n_x);
    const double total = (double)(s->n_v - 1) * (s->n_tau - 1) * (s->n_x - 1) * 16.0;
    if (!(total < 2147483648.0))
        BAD("(n_v - 1) * (n_tau - 1) * (n_x - 1) * 16", "below 2^31 (the kernels index with int32)",
            total);
#undef BAD
    return VR_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Build. */

/* The normaliser of vk_surface.h (same formula as the kernels, libm instead of SLEEF: the two
 * differ by an ulp, which moves a node's x by an ulp). */
static double view_vbar(const vk_surface *w, double v, double tau)
{
    const double kt = w->kappa * tau;
    const double b = -expm1(-kt) / kt;
    return fmax(w->vm + (v - w->th) * b, w->vbar_floor);
}

/* The one-factor models as a source: their closed-form cf and law_scales. */
typedef struct sv1_src {
    vr_model_type t;
    const vr_sv_params *p;
} sv1_src;

static double complex sv1_cf(const void *ctx, int it, double v, double tau, double u)
{
    const sv1_src *c = ctx;
    (void)it;
    return vr_cf_logprice(c->t, c->p, v, tau, u);
}

static void sv1_scales(const void *ctx, double v, double tau, double *w_total, double *reach_lo,
                       double *reach_hi)
{
    const sv1_src *c = ctx;
    double wd;
    law_scales(c->t, c->p, v, tau, w_total, &wd, reach_lo);
    *reach_hi = *reach_lo;
}

/* The default variance axis of parameter set p: 1.5 x the 99.99% stationary quantile (v_q), and
 * at least the crash states up to VIX VR_SURFACE_VIX_FLOOR (the quantile alone ends at VIX
 * 66-135 for the sets of configs/; a lane above the axis has its 2-5 delta wings off by 0.8 vol
 * points at 1.3 times the top, 1.7 at 1.6 times). The default node count spaces the quantile's
 * axis; the extension to the floor keeps that spacing in ln(v + v_eps), so the states inside the
 * old axis lose no accuracy (docs/numerics.md). *n_v is 0 where v_q is not positive (the spec's
 * default count then applies). A law whose quantile collapses toward 0 (kappa theta tiny against
 * sigma^2: the variance is absorbed near 0) would space that axis so finely that the count
 * leaves int's range: an error that names the parameters, computed before any conversion. */
typedef struct default_axis {
    double v_eps, v_q, v_top;
    int n_v;
} default_axis;

static vr_status default_axis_of(vr_model_type t, const vr_sv_params *p, default_axis *a, vr_err *err)
{
    a->v_eps = VR_SURFACE_VEPS_FRAC * vr_theta_star(t, p);
    const vr_vix_coef vc = vr_vix_coef_make(t, p, VR_VIX_TAU_30D);
    a->v_q = fmin(1.5 * vr_stationary_var_quantile(t, p, 0.9999), 16.0);
    a->v_top = fmin(fmax(a->v_q, vr_surface_var_at_vix(vc.a, vc.b, VR_SURFACE_VIX_FLOOR)), 16.0);
    a->n_v = 0;
    if (!(a->v_q > 0))
        return VR_OK;
    const double x = ceil((VR_SURFACE_DEFAULT_NV - 1) * log1p(a->v_top / a->v_eps) / log1p(a->v_q / a->v_eps));
    if (!(x >= 1 && x <= VR_SURFACE_MAX_N - 1)) {
        char k[VR_NUM_STR], th[VR_NUM_STR], sg[VR_NUM_STR];
        return vr_fail(err, VR_EINVAL,
                       "surface: the variance law of these parameters collapses toward 0 (kappa %s, "
                       "theta %s, sigma %s: 2 kappa theta / sigma^2 = %.2g), and the default variance "
                       "axis would need more than %d nodes to reach the crash states (VIX %g) at its "
                       "spacing: raise kappa theta or lower sigma",
                       vr_num_str(p->kappa, k), vr_num_str(p->theta, th), vr_num_str(p->sigma, sg),
                       2 * p->kappa * p->theta / (p->sigma * p->sigma), VR_SURFACE_MAX_N,
                       VR_SURFACE_VIX_FLOOR);
    }
    a->n_v = 1 + (int)x;
    return VR_OK;
}

vr_status vr_surface_params_check(vr_model_type t, const vr_sv_params *p, vr_err *err)
{
    vr_status st = vr_sv_params_validate(t, p, "surface.params", NULL, err);
    default_axis a;
    return st != VR_OK ? st : default_axis_of(t, p, &a, err);
}

vr_status vr_surface_build(vr_model_type t, const vr_sv_params *p, const vr_surface_spec *spec,
                           vr_surface **out, vr_err *err)
{
    vr_status st = VR_OK;
    if (p == NULL || out == NULL)
        return vr_fail(err, VR_EINVAL, "surface: NULL parameter set or output pointer");
    if ((st = vr_sv_params_validate(t, p, "surface.params", NULL, err)) != VR_OK)
        return st;
    const sv1_src c = {t, p};
    vr_surface_spec sp = spec ? *spec : (vr_surface_spec){0};
    /* an axis the spec sets keeps the default's top and shift, its own count (no error then) */
    const int dflt = sp.v_min == 0 && sp.v_max == 0 && sp.n_v == 0;
    default_axis a;
    if ((st = default_axis_of(t, p, &a, dflt ? err : NULL)) != VR_OK && dflt)
        return st;
    const double v_eps = a.v_eps, v_top = a.v_top;
    if (dflt && a.n_v > 0)
        sp.n_v = a.n_v;
    vr_surface_src src = {.cf = sv1_cf, .scales = sv1_scales, .ctx = &c,
                          .v_eps = v_eps,
                          .v_max_default = v_top,
                          .kappa = p->kappa, .th = vr_theta_star(t, p),
                          .name = vr_model_type_name(t)};
    {
        double w, wd, reach;
        /* the jump variance per year: law_scales at v = theta*, tau = 1 minus theta* */
        law_scales(t, p, vr_theta_star(t, p), 1.0, &w, &wd, &reach);
        src.vm = w;
    }
    st = vr_surface_build_src(&src, &sp, out, err);
    if (st == VR_OK) {
        (*out)->type = t;
        (*out)->params = *p;
    }
    return st;
}

double vr_surface_tau_node(const vr_surface_spec *g, int it)
{
    const int nt = g->n_tau;
    const double y0 = log(g->tau_min);
    if (g->tau_step > 0) /* the ladder: every node from the step (the top is one of them) */
        return it == 0 ? g->tau_min : exp(y0 + it * g->tau_step);
    const double dy = (log(g->tau_max) - y0) / (nt - 1);
    return it == nt - 1 ? g->tau_max : it == 0 ? g->tau_min : exp(y0 + it * dy);
}

vr_status vr_surface_spec_fill(const vr_surface_spec *in, const vr_surface_src *src,
                               vr_surface_spec *out, vr_err *err)
{
    return spec_fill(in, src, out, err);
}

/* The variance of v-node ie (the ends exact). */
static double node_v(const vr_surface_spec *g, const vk_surface *vw, int ie, double da)
{
    return ie == g->n_v - 1 ? g->v_max : ie == 0 ? g->v_min : exp(vw->a0 + ie * da) - vw->v_eps;
}

/* The log-strikes of a node: y[j] = x_j sqrt(vbar tau) for the moneyness nodes, y[jc] = 0.
 * Returns sqrt(vbar). */
static double node_y(const vr_surface_spec *g, const vk_surface *vw, double v, double tau,
                     double du, int jc, double *y)
{
    const int nx = g->n_x;
    const double r = sqrt(view_vbar(vw, v, tau)), sw = r * sqrt(tau);
    for (int j = 0; j < nx; j++)
        y[j] = g->x_scale * sinh(vw->u0 + j * du) * sw;
    y[jc] = 0.0;
    return r;
}

/* Two checks that the series can hold the law, before any node is priced; each names the first
 * node in grid order that fails it (one thread: the same message at any thread count).
 *
 * The mean. The series' range is centred on -w/2, the mean of X = ln(S/F) where the price jumps'
 * compensator is small against the range. A law whose mean lies far from it (price jumps so wide
 * that lambda (E[e^Z] - 1) dominates the drift: a log-jump deviation sigma_s of a few units puts
 * the mean hundreds of units below) falls outside the range, and the series prices another law
 * with no sign of it in the prices. Each node's mean, arg phi(h) / h at h = 1e-9 (exact to
 * O(h^2) and to the cf's rounding over h, ~1e-7), must lie at least half the core (8 standard
 * deviations or more) inside the range's ends.
 *
 * Parity. A law whose mean is in place can still carry its value in tails the series cannot
 * resolve (rare jumps of log-size deviation 2.5-3: a 7-day call of the table at 22.34 against the
 * direct 14.68). Put-call parity at the money, C(F) - P(F) = E[S/F] - 1 = 0, measures it: the
 * calls come from their own payoff coefficients (weights up to e^b), the puts from theirs. At the
 * v node nearest theta* (where paths spend their time) of every expiry, each priced over the
 * range of that node's own strikes, |C - P| must stay within 10% of the put (laws the series holds
 * miss by 1e-7 of it; these by 1e-2 to 1e7). A call outside its bounds is not asked: the
 * inversion refuses it anyway. Nodes far up the v axis at
 * long expiries can miss parity while their calls stay within 1-2% of the direct pricer
 * (docs/numerics.md): they are not asked either, nor are expiries beyond 3 months (the book's
 * options and hedges live within them; a calibrated svcj2 set's slices at high m miss parity at
 * 9 months and more, which would refuse its one-year `price` tables). */
static vr_status law_check(const vr_surface_src *src, const vr_surface_spec *g,
                           const vk_surface *vw, double da, double du, int jc, vr_err *err)
{
    double *y = malloc((size_t)g->n_x * sizeof(double));
    double *buf = malloc(node_work_doubles(3) * sizeof(double));
    if (!y || !buf) {
        free(y);
        free(buf);
        return vr_fail(err, VR_ENOMEM, "surface: the law checks' work buffers");
    }
    vr_status st = VR_OK;
    for (int node = 0; node < g->n_v * g->n_tau && st == VR_OK; node++) {
        const int iv = node / g->n_tau, it = node % g->n_tau;
        const double tau = vr_surface_tau_node(g, it), v = node_v(g, vw, iv, da);
        node_y(g, vw, v, tau, du, jc, y);
        double w, core, a, b;
        cos_range(src, v, tau, g->k_max * sqrt(tau), y, g->n_x, &w, &core, &a, &b);
        const double h = 1e-9;
        const double mean = carg(src->cf(src->ctx, it, v, tau, h)) / h;
        const double lo = a + 0.5 * core, hi = b - 0.5 * core;
        if (!(mean >= lo && mean <= hi))
            st = vr_fail(err, VR_ENUM,
                         "surface: %s at v = %g, tau = %g: ln(S/F) has mean %.4g, outside [%.4g, "
                         "%.4g], the part of the pricing series' range that holds a law: the "
                         "price jumps' compensator dominates the drift (jump log-sizes too wide "
                         "for an implied-vol table)",
                         src->name, v, tau, mean, lo, hi);
    }
    /* parity at the v node nearest theta* */
    int ith = (int)lround((log(vw->th + vw->v_eps) - vw->a0) * vw->inv_da);
    ith = ith < 0 ? 0 : ith > g->n_v - 1 ? g->n_v - 1 : ith;
    node_work wk;
    double *q = node_work_bind(&wk, buf, 3);
    double *otm = q, *noise = q + 3, *y3 = q + 6;
    for (int it = 0; it < g->n_tau && st == VR_OK && vr_surface_tau_node(g, it) <= 0.25; it++) {
        const double tau = vr_surface_tau_node(g, it), v = node_v(g, vw, ith, da);
        node_y(g, vw, v, tau, du, jc, y);
        /* the put and the call at the money, and the node's farthest strike: the same range */
        double ymax = 0.0;
        for (int j = 0; j < g->n_x; j++)
            ymax = fmax(ymax, fabs(y[j]));
        y3[0] = 0.0;
        y3[1] = 0x1p-1000; /* a call at K = F (e^y = 1) */
        y3[2] = -ymax;
        cos_prices(src, it, v, tau, g->k_max * sqrt(tau), y3, 3, otm, noise, &wk);
        const double put = otm[0], call = otm[1], miss = call - put;
        /* (a call outside (0, 1), the bounds of a call on F = 1, cannot pass for a price: the
         * inversion refuses such values and the node's smile is extrapolated there; parity is
         * asked only of a call that could be taken for one) */
        if (call > 0 && call < 1 &&
            !(fabs(miss) <= 0.1 * put + 10.0 * fmax(noise[0], noise[1]) + 1e-12))
            st = vr_fail(err, VR_ENUM,
                         "surface: %s at v = %g, tau = %g: put-call parity at the money misses "
                         "by %.3g of the forward (call %.4g, put %.4g): the law carries its value "
                         "in tails the pricing series cannot resolve (price jumps too wide for "
                         "an implied-vol table)",
                         src->name, v, tau, miss, call, put);
    }
    free(buf);
    free(y);
    return st;
}

vr_status vr_surface_build_src(const vr_surface_src *src, const vr_surface_spec *spec,
                               vr_surface **out, vr_err *err)
{
    vr_status st = VR_OK;
    vr_surface *s = NULL;
    const double t0 = omp_get_wtime();
    s = calloc(1, sizeof *s);
    if (!s)
        return vr_fail(err, VR_ENOMEM, "surface: %zu bytes", sizeof *s);
    vr_surface_spec g;
    if ((st = spec_fill(spec, src, &g, err)) != VR_OK)
        goto done;
    s->stats.spec = g;

    const int nv = g.n_v, nt = g.n_tau, nx = g.n_x;
    const int stride_tau = nx - 1, stride_v = (nt - 1) * stride_tau;
    const size_t ncoef = (size_t)(nv - 1) * (size_t)stride_v * 16;
    s->coef = vr_aligned_alloc(ncoef * sizeof(float));
    if (!s->coef) {
        st = vr_fail(err, VR_ENOMEM, "surface: %zu coefficients (%d x %d x %d grid)", ncoef, nv,
                     nt, nx);
        goto done;
    }
    vk_surface *vw = &s->view;
    vw->coef = s->coef;
    vw->v_lo = g.v_min;
    vw->v_hi = g.v_max;
    vw->tau_lo = g.tau_min;
    vw->tau_hi = g.tau_max;
    vw->k_max = g.k_max;
    /* the variance axis is logarithmic above v_eps = 3e-2 theta* and about linear below: the
     * smile of short expiries changes shape over v ~ theta* kappa tau, far below theta* */
    vw->v_eps = src->v_eps;
    vw->a0 = log(g.v_min + vw->v_eps);
    const double da = (log(g.v_max + vw->v_eps) - vw->a0) / (nv - 1);
    vw->inv_da = 1.0 / da;
    vw->y0 = log(g.tau_min);
    /* (a ladder's step as given: the same step, and so the same cells, in every ladder) */
    const double dy = g.tau_step > 0 ? g.tau_step : (log(g.tau_max) - vw->y0) / (nt - 1);
    vw->inv_dy = 1.0 / dy;
    const double umax = asinh(g.x_max / g.x_scale);
    vw->u0 = -umax;
    const double du = 2.0 * umax / (nx - 1);
    vw->inv_du = 1.0 / du;
    vw->inv_c = 1.0 / g.x_scale;
    vw->fa_max = nv - 1;
    vw->fy_max = nt - 1;
    vw->fu_max = nx - 1;
    vw->kappa = src->kappa;
    vw->th = src->th;
    vw->vm = src->vm;
    vw->vbar_floor = 1e-6 * src->vm;
    vw->n_v = nv;
    vw->n_tau = nt;
    vw->n_x = nx;
    vw->stride_tau = stride_tau;
    vw->stride_v = stride_v;

    /* the node nearest x = 0 anchors the outward walk */
    int jc = (int)lround(umax / du);
    if (jc > nx - 1)
        jc = nx - 1;

    if ((st = law_check(src, &g, vw, da, du, jc, err)) != VR_OK)
        goto done;

    int failed = 0, max_terms = 0;
    size_t n_extrap = 0, n_borrowed = 0;
#pragma omp parallel reduction(max : max_terms) reduction(+ : n_extrap, n_borrowed)
    {
        node_work wk;
        double *buf = malloc(node_work_doubles(nx) * sizeof(double));
        if (!buf) {
#pragma omp atomic write
            failed = 1;
        } else {
            double *q = node_work_bind(&wk, buf, nx);
            double *y = q, *otm = q + nx, *sig = q + 2 * nx, *m = q + 3 * nx, *noise = q + 4 * nx;
            double *cells = malloc((size_t)(nx - 1) * 4 * sizeof(double));
#pragma omp for schedule(dynamic, 1)
            for (int node = 0; node < nv * nt; node++) {
                int bad;
#pragma omp atomic read
                bad = failed;
                if (bad || !cells)
                    continue;
                const int iv = node / nt, it = node % nt;
                const double tau = vr_surface_tau_node(&g, it);
                /* At v = 0 and short expiries the law of ln S can be a core far narrower than
                 * the range its jumps need (rare large jumps: a pricing set fitted to the VIX
                 * family put lambda 0.02/yr and a mean variance jump of 2 there); the COS series
                 * then cannot resolve even the at-the-money price. Such an edge node takes the
                 * normalised smile (sigma / sqrt(vbar) against ln(K/F) / (sqrt(vbar) sqrt(tau)))
                 * of the next node up the v axis; the price it stands for is below
                 * sqrt(vbar tau) / 2 of the spot. Any other unresolved at-the-money price is an
                 * error. */
                int first_bad_r = nx, first_bad_l = -1, borrowed = 0;
                for (int ie = iv;; ie++) {
                    const double v = node_v(&g, vw, ie, da);
                    const double r = node_y(&g, vw, v, tau, du, jc, y);
                    const int terms =
                        cos_prices(src, it, v, tau, g.k_max * sqrt(tau), y, nx, otm, noise, &wk);
                    if (terms > max_terms)
                        max_terms = terms;
                    first_bad_r = nx;
                    first_bad_l = -1;
                    for (int j = 0; j < nx; j++) {
                        double sg = NAN;
                        if (otm[j] >= fmax(VR_SURFACE_PRICE_FLOOR, 10.0 * noise[j]))
                            sg = vr_bs_implied_vol(otm[j], 1.0, exp(y[j]), 0.0, 0.0, tau, y[j] > 0);
                        sig[j] = sg / r;
                    }
                    for (int j = jc; j < nx; j++)
                        if (!(sig[j] > 0)) { first_bad_r = j; break; }
                    for (int j = jc; j >= 0; j--)
                        if (!(sig[j] > 0)) { first_bad_l = j; break; }
                    if (first_bad_r != jc && first_bad_l != jc)
                        break;
                    if (ie != 0 || nv < 2) {
                        borrowed = -1;
                        break;
                    }
                    borrowed = 1;
                }
                if (borrowed < 0) {
#pragma omp atomic write
                    failed = 2; /* the at-the-money price itself did not resolve */
                    continue;
                }
                n_borrowed += (size_t)borrowed;
                if (first_bad_r < nx) {
                    n_extrap += (size_t)(nx - first_bad_r);
                    extrapolate_side(sig, nx, jc, +1, first_bad_r);
                }
                if (first_bad_l >= 0) {
                    n_extrap += (size_t)(first_bad_l + 1);
                    extrapolate_side(sig, nx, jc, -1, first_bad_l);
                }
                spline_cells(sig, nx, m, cells);
                /* scatter this node's cells into the records of the (up to 4) grid cells that
                 * have it as a corner */
                for (int dv = 0; dv <= 1; dv++) {
                    const int cv = iv - dv;
                    if (cv < 0 || cv > nv - 2)
                        continue;
                    for (int dt = 0; dt <= 1; dt++) {
                        const int ct = it - dt;
                        if (ct < 0 || ct > nt - 2)
                            continue;
                        float *rec = s->coef + ((size_t)cv * stride_v + (size_t)ct * stride_tau) * 16 +
                                     (size_t)(2 * dv + dt) * 4;
                        for (int j = 0; j < nx - 1; j++)
                            for (int l = 0; l < 4; l++)
                                rec[(size_t)j * 16 + l] = (float)cells[4 * j + l];
                    }
                }
            }
            free(cells);
            free(buf);
            if (!cells) {
#pragma omp atomic write
                failed = 1;
            }
        }
    }
    if (failed == 1) {
        st = vr_fail(err, VR_ENOMEM, "surface: COS work buffers");
        goto done;
    }
    if (failed == 2) {
        st = vr_fail(err, VR_ENUM, "surface: %s at-the-money price did not resolve on the grid "
                                   "(v in [%g, %g], tau in [%g, %g])",
                     src->name, g.v_min, g.v_max, g.tau_min, g.tau_max);
        goto done;
    }
    s->stats.n_nodes = (size_t)nv * nt * nx;
    s->stats.n_extrapolated = n_extrap;
    s->stats.n_edge_borrowed = n_borrowed;
    s->stats.max_cos_terms = max_terms;
    s->stats.table_bytes = ncoef * sizeof(float);
    s->stats.build_seconds = omp_get_wtime() - t0;
    *out = s;
    s = NULL;
done:
    vr_surface_destroy(s);
    return st;
}

void vr_surface_destroy(vr_surface *s)
{
    if (!s)
        return;
    vr_free(s->coef);
    free(s);
}

double vr_surface_vol(const vr_surface *s, double v, double tau, double k)
{
    double out;
    vk_surface_vol_d_ref(&s->view, &v, &tau, &k, &out, 1);
    return out;
}

const vk_surface *vr_surface_kernel_view(const vr_surface *s) { return &s->view; }

const vr_surface_stats *vr_surface_get_stats(const vr_surface *s) { return &s->stats; }

/* ---------------------------------------------------------------------------------------------
 * Table-store bytes (tables_io.h): the structure, then the coefficient records. */

static size_t surface_records(const vk_surface *vw)
{
    return (size_t)(vw->n_v - 1) * (size_t)vw->stride_v;
}

void vr_surface_save(const vr_surface *s, vr_blob *b)
{
    vr_surface c; /* (without its addresses: the loader makes its own; memcpy: padding too) */
    memcpy(&c, s, sizeof c);
    c.coef = NULL;
    c.view.coef = NULL;
    vr_blob_put(b, &c, sizeof c);
    vr_blob_put(b, s->coef, surface_records(&s->view) * 16 * sizeof(float));
}

vr_status vr_surface_load(vr_blob_in *r, vr_surface **out, vr_err *err)
{
    vr_surface *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vr_fail(err, VR_ENOMEM, "surface: %zu bytes", sizeof *s);
    const vk_surface *vw = &s->view;
    const void *c;
    size_t nrec;
    if (!vr_blob_get(r, s, sizeof *s) || vw->n_v < 2 || vw->n_tau < 2 || vw->n_x < 4 ||
        vw->n_v > (1 << 20) || vw->n_tau > (1 << 20) || vw->n_x > (1 << 20) ||
        vw->stride_tau != vw->n_x - 1 ||
        (int64_t)vw->stride_v != (int64_t)(vw->n_tau - 1) * vw->stride_tau ||
        /* the lookup's clamps keep its cells in the records only at the axes' last nodes */
        vw->fa_max != vw->n_v - 1 || vw->fy_max != vw->n_tau - 1 || vw->fu_max != vw->n_x - 1 ||
        /* and the kernels form a record's float index in int32 (the spec's own bound) */
        (nrec = surface_records(vw)) * 16 >= ((size_t)1 << 31) ||
        (c = vr_blob_take(r, nrec * 16, sizeof(float))) == NULL) {
        s->coef = NULL;
        vr_surface_destroy(s);
        return vr_fail(err, VR_EINVAL, "surface: the stored bytes do not hold a surface");
    }
    s->coef = vr_aligned_alloc_raw(nrec * 16 * sizeof(float));
    if (s->coef == NULL) {
        vr_surface_destroy(s);
        return vr_fail(err, VR_ENOMEM, "surface: %zu coefficient records", nrec);
    }
    memcpy(s->coef, c, nrec * 16 * sizeof(float));
    s->view.coef = s->coef;
    *out = s;
    return VR_OK;
}
