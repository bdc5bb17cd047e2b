/* svcj2_vix.c: VIX futures and options under svcj2 from the joint transform of (v_T, m_T) (see
 * vr_svcj2.h).
 *
 * VIX_T = 100 sqrt(X), X = a + b_v v_T + b_m m_T with the 30-day coefficients. The transform
 * E[exp(w X)] = exp(w a + A + B_v v + B_m m) comes from the Riccati system of svcj2_cf.c with
 * z = 0 (no log-price exposure) and initial values B_v(0) = w b_v, B_m(0) = w b_m: real w = -s
 * for the Laplace transform, w = i omega for the characteristic function.
 *
 * Future: E[sqrt X] = (1/(2 sqrt pi)) int_0^inf (1 - E[e^{-sX}]) s^{-3/2} ds (the method of the
 * one-factor pricer, vix_pricer.c), in t = ln(s/s0), s0 = 1/E[X], over t in [-46, 46] by adaptive
 * Gauss-Kronrod, the two ends added from their asymptotes (each ~1e-10 of the result, their own
 * corrections far below the target).
 * Options: the put part E[(c - sqrt X)^+] = int_a^{c^2} P(X <= x) / (2 sqrt x) dx (integration by
 * parts; X >= a always, X >= a + b_m m_T when sigma_m = 0), the call by parity with the future. The distribution function comes
 * from a COS sine series (Fang and Oosterlee 2008) on [lo, hi]: lo is X's exact lower bound, so
 * nothing is truncated on the left; hi = E[X] + max(14 sd, R/s*) (R = 2 to 40), s* the
 * exponential tail rate of X (the largest s with E[e^{sX}] finite, found by bisection on the
 * Riccati solution's existence): the reach 40/s* where it leaves 400 steps of the series between
 * a and E[X], less where it would not (body_range: the mass above hi folds back near hi, and a
 * wider range only coarsens the resolution at the edge).
 * Strikes beyond the body: where R < 40, a strike whose X lies above the middle of [lo, hi] would
 * see the folded tail, and widening the range for it (as this file once did) coarsens the edge
 * for every strike of the call, to the point where the put integral fails. Such strikes get a
 * second series of their own on [lo, E[X] + max(14 sd, 40/s*)], smoothed by an exponential filter
 * (exact to rounding away from the edge, where the body's singularity rings), and are priced on
 * the call side, int_c^inf P(X > y^2) dy (tail_parts): the strikes of the body keep the body's
 * series, so a far strike in the same call changes none of their prices. The same tail series
 * gives the mass the body's series folds back below its top, which is removed from the body's
 * strikes (fold_parts), and a band below the split blends the two series smoothly, so that the
 * body's edge error (a constant ~1e-4 VIX points where the edge is singular) does not show as a
 * step in the calls at the split (band_weight); there the body's integrals run in 16 pieces.
 * The series runs until |cf| / k^2 < 1e-14 (a term's effect on the doubly integrated price) or
 * 8192 terms. With x = y^2 the put part is int_{sqrt a}^{c} P(X <= y^2) dy, a bounded smooth
 * integrand for adaptive Gauss-Kronrod. One series serves every strike of an expiry
 * (vr_svcj2_vix_options). Unlike the one-factor pricer no Gamma mixture is subtracted: with m random the
 * density of X at a is not singular in general. Where it is (the SVCJ limit with the Feller
 * condition violated, density ~ (x - a)^{d-1}, d = 2 kappa theta / sigma^2 < 1) the terms decay
 * only like k^{-1-d}, the cap ends the series and the put parts' truncation error falls like
 * N^{-(1+d)}, cleanly (measured ratio 3.36 per doubling at d = 0.75). Then the put parts are also
 * taken from the partial sums at N/2 and N/4 and extrapolated by Aitken's step, with the ratio
 * measured on the part every strike shares (int_sqrt(a)^sqrt(E[X]), where the edge's error sits):
 * 2.6e-5 -> 4.4e-7 at 91 days in that limit (docs/numerics.md). */
#include "vixrisk/vr_svcj2.h"
#include "gk15.h"
#include "uninstrumented.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

#define VIX_TOL 1e-12
/* What a capped series may leave in an option's undiscounted price before the body's series
 * goes on to COS_NMAX_EXT terms, and, over it there, before the price is refused: VIX points, or
 * the relative part of the price where that is larger (the tables' absolute tolerance and a tenth
 * of their relative one, docs/numerics.md, "VIX futures and options": their check holds them to
 * this pricer). The estimate is good to a factor of two or three; the tests' rare-jumps set is
 * capped with estimates up to 0.0035 where its table and this pricer agree to 0.0013, and a lower
 * bound sent it to the longer series at four times the cost, so this one catches the gross
 * failures (sigma_v 9-10: 0.006-0.012 off), not every one. */
#define VIX_DIRECT_TOL 5e-3
#define VIX_DIRECT_RTOL 5e-4

/* log E[e^{w X}] (complex w), via the Riccati system; *ok = 0 on failure. */
static double complex log_tr(const vr_svcj2_params *p, const vr_svcj2_vix_coef *c, double v,
                             double m, double T, double complex w, int *ok)
{
    double complex o[3];
    /* error scale ~ the size of the exponent, so that 1 - E[e^{-sX}] keeps its relative digits
     * at small s (the future's integrand divides it by sqrt(s)) */
    const double floor = fmin(1.0, 1e-2 * cabs(w) * (c->a + c->b_v + c->b_m));
    if (vr_svcj2_riccati_scaled(p, T, 0.0, w * c->b_v, w * c->b_m, VIX_TOL, fmax(floor, 1e-300),
                                o) != 0) {
        *ok = 0;
        return 0.0;
    }
    return w * c->a + o[0] + o[1] * v + o[2] * m;
}

double vr_svcj2_vix_laplace(const vr_svcj2_params *p, double v, double m, double T, double s)
{
    if (!(s >= 0 && isfinite(s)) || !(T >= 0) || !(v >= 0) || !(m >= 0))
        return NAN;
    const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(p, VR_VIX_TAU_30D);
    int ok = 1;
    const double complex l = log_tr(p, &c, v, m, T, -s, &ok);
    return ok ? exp(creal(l)) : NAN;
}

/* ---------------------------------------------------------------------------------------------
 * Adaptive Gauss-Kronrod 7/15 over a callback (recursive bisection, absolute tolerance). */

/* An integrand evaluated at n points at once (fx[i] = f(x[i])): the rule's 15 nodes go in one
 * call, so that the distribution function's series runs for all of them together (cdf_eval_n);
 * *ok = 0 on failure. */
typedef void (*fnv)(const double *x, double *fx, int n, void *ctx, int *ok);


static double gk15(fnv f, void *ctx, double lo, double hi, double *err, int *ok)
{
    const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
    double x[15], fx[15];
    x[0] = c;
    for (int j = 0; j < 7; j++) {
        x[1 + 2 * j] = c - h * vr_gk15_x[j];
        x[2 + 2 * j] = c + h * vr_gk15_x[j];
    }
    f(x, fx, 15, ctx, ok);
    const double fc = fx[0];
    double k = fc * vr_gk15_wk[7], g = fc * vr_gk15_wg[3];
    for (int j = 0; j < 7; j++) {
        const double s = fx[1 + 2 * j] + fx[2 + 2 * j];
        k += vr_gk15_wk[j] * s;
        if (j & 1)
            g += vr_gk15_wg[j / 2] * s;
    }
    *err = fabs((k - g) * h);
    return k * h;
}

/* Panels still above their share of the tolerance at the depth limit add their error estimates
 * to *unconv (the integrands carry the ODE solver's ~1e-12 relative noise, which no bisection
 * removes); the caller compares the sum with its tolerance. *budget bounds the panels of one
 * integral: an integrand whose noise exceeds the tolerance everywhere would otherwise split to
 * the depth limit on every panel (2^20 panels; a 5-year VIX call at an extreme corner spent 77 s
 * there before failing). Converging integrals use a few hundred at most; at the budget the
 * integral fails (unconv is set above any tolerance) instead. */
static double quad_rec(fnv f, void *ctx, double lo, double hi, double tol, int depth, int *ok,
                       double *unconv, long *budget)
{
    if (--*budget < 0) {
        *unconv = INFINITY;
        return 0.0;
    }
    double e;
    const double r = gk15(f, ctx, lo, hi, &e, ok);
    if (!*ok)
        return 0.0;
    if (e <= tol)
        return r;
    if (depth == 0) {
        *unconv += e;
        return r;
    }
    const double mid = 0.5 * (lo + hi);
    return quad_rec(f, ctx, lo, mid, 0.5 * tol, depth - 1, ok, unconv, budget) +
           quad_rec(f, ctx, mid, hi, 0.5 * tol, depth - 1, ok, unconv, budget);
}

#define QUAD_PANELS 4096L

static double quad(fnv f, void *ctx, double lo, double hi, double tol, int *ok)
{
    if (!(hi > lo))
        return 0.0;
    double unconv = 0.0;
    long budget = QUAD_PANELS;
    const double r = quad_rec(f, ctx, lo, hi, tol, 20, ok, &unconv, &budget);
    if (!(unconv <= tol))
        *ok = 0;
    return r;
}

/* ---------------------------------------------------------------------------------------------
 * Future. */

typedef struct law {
    const vr_svcj2_params *p;
    vr_svcj2_vix_coef c;
    double v, m, T;
    double mean, sd; /* of X */
    double xlo;      /* exact lower bound of X */
    double s0;
} law;

static double fut_f(double t, void *vctx, int *ok)
{
    const law *L = vctx;
    const double s = L->s0 * exp(t);
    double lm;
    if (s * L->xlo > 745.0) {
        lm = -INFINITY; /* E[e^{-sX}] <= e^{-s xlo} underflows */
    } else {
        int ok1 = 1;
        lm = creal(log_tr(L->p, &L->c, L->v, L->m, L->T, -s, &ok1));
        if (!ok1) {
            /* the solver may give up on the stiff start at very large s; there the transform is
             * below e^{-36} ~ 2e-16 of 1 - E[e^{-sX}] and is dropped */
            if (s * L->xlo > 36.0)
                lm = -INFINITY;
            else
                *ok = 0;
        }
    }
    return -expm1(lm) / sqrt(s);
}

static void fut_fv(const double *t, double *out, int n, void *vctx, int *ok)
{
    for (int i = 0; i < n; i++)
        out[i] = fut_f(t[i], vctx, ok);
}

static int law_init(law *L, const vr_svcj2_params *p, double v, double m, double T)
{
    L->p = p;
    L->c = vr_svcj2_vix_coef_make(p, VR_VIX_TAU_30D);
    L->v = v;
    L->m = m;
    L->T = T;
    double ev, em;
    vr_svcj2_moments(p, v, m, T, &ev, &em);
    L->mean = L->c.a + L->c.b_v * ev + L->c.b_m * em;
    L->s0 = 1.0 / L->mean;
    /* v_T can approach 0; m_T too unless sigma_m = 0, where it is deterministic (an edge of the
     * law sits there, e.g. in the SVCJ limit) */
    L->xlo = L->c.a + (p->sigma_m == 0 ? L->c.b_m * em : 0.0);
    /* variance of X from ln E[e^{wX}] at w = +-h (central second difference) */
    const double h = 1e-3 / L->mean;
    int ok = 1;
    const double lp = creal(log_tr(p, &L->c, v, m, T, h, &ok));
    const double lm = creal(log_tr(p, &L->c, v, m, T, -h, &ok));
    const double var = (lp + lm) / (h * h);
    L->sd = var > 0 ? sqrt(var) : 0.0;
    return ok && isfinite(L->mean) && L->mean > 0;
}

static int sqrt_mean(law *L, double *out)
{
    const double tl = -46.0, th = 46.0;
    const double scale = 2.0 * sqrt(M_PI * L->mean);
    int ok = 1;
    /* 46 panels of width 2 before adapting: one 15-point rule over the whole range could accept
     * a wrong value (its nodes are ~6 apart, the integrand's transition ~5 wide) */
    double r = 0.0;
    for (int j = 0; j < 46 && ok; j++)
        r += quad(fut_fv, L, tl + 2.0 * j, tl + 2.0 * (j + 1), 1e-10 * scale / 46.0, &ok);
    r += 2.0 * L->mean * sqrt(L->s0 * exp(tl)) + 2.0 / sqrt(L->s0 * exp(th));
    *out = r / (2.0 * sqrt(M_PI));
    return ok && isfinite(*out);
}

static vr_status check(const vr_svcj2_params *p, double v, double m, double T, const char *who,
                       vr_err *err)
{
    if (!(T > 0 && T <= 10))
        return vr_fail(err, VR_EINVAL, "%s: expiry must be in (0, 10] years (got %g)", who, T);
    if (!(v >= 0 && v <= 4) || !(m >= 0 && m <= 4))
        return vr_fail(err, VR_EINVAL, "%s: state (v, m) must be in [0, 4]^2 (got %g, %g)", who,
                       v, m);
    return vr_svcj2_params_validate(p, who, NULL, err);
}

vr_status vr_svcj2_vix_future(const vr_svcj2_params *p, double v, double m, double T,
                              double *fut, vr_err *err)
{
    vr_status st = check(p, v, m, T, "svcj2 vix future", err);
    if (st != VR_OK)
        return st;
    law L;
    double r;
    if (!law_init(&L, p, v, m, T) || !sqrt_mean(&L, &r))
        return vr_fail(err, VR_ENUM, "svcj2 vix future (v=%g m=%g T=%g): transform integral failed",
                       v, m, T);
    *fut = 100.0 * r;
    return VR_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Distribution function of X by a COS sine series. */

#define COS_NMAX 8192
/* Where the capped series' estimated error is over the bound (VIX_DIRECT_TOL), the body's series
 * goes on to this many terms before the price is refused: the law's floor of sigma_v 9-10 (the
 * near-atom below) is resolved there. Only prices that were refused take the longer series. */
#define COS_NMAX_EXT 32768
/* Reach of the range above E[X] in units of 1/s* (cdf_init). It was 40: with the rare, large
 * variance jumps of a fitted pricing set (s* ~ 0.57, so w ~ 70 against a law whose bulk sits within
 * 0.05 of its floor a, with a density ~ (x - a)^{-1/2} there) 8192 terms resolved the edge to 0.009
 * in x only, the partial sums at N/4, N/2, N were far from their algebraic regime, and calls came
 * out up to 29 Monte Carlo standard errors (0.09 VIX points) off. */
#define TAIL_REACH 2.0
#define RES_NODES 400.0
/* The strikes beyond the body (tail_init): their series is filtered by exp(-alpha (k/n)^p)
 * (Gottlieb and Hesthaven 2001), alpha = 36 (the last term scaled to ~2e-16), order 8. */
#define TAIL_FILTER_ALPHA 36.0
#define TAIL_FILTER_ORDER 8

typedef struct cdf {
    double lo, w;
    int n;
    double *g; /* g[k] for k = 1..n-1 */
} cdf;

/* Largest s with E[e^{sX}] finite, to 1%: doubling until the Riccati solution fails to exist
 * at T, then bisection (geometric once a finite lower end is known). +inf when it exists up to
 * 1e6 / E[X] (no exponential tail within any range we would use). */
static double tail_rate(law *L)
{
    double lo = 0.0, hi = 1.0 / fmax(L->sd, 1e-6 * L->mean);
    for (;;) {
        int ok = 1;
        (void)log_tr(L->p, &L->c, L->v, L->m, L->T, hi, &ok);
        if (!ok)
            break;
        lo = hi;
        hi *= 2.0;
        if (hi > 1e6 / L->mean)
            return INFINITY;
    }
    for (int j = 0; j < 40 && hi > 1.01 * lo; j++) {
        const double mid = lo > 0 ? sqrt(lo * hi) : 0.5 * hi;
        int ok = 1;
        (void)log_tr(L->p, &L->c, L->v, L->m, L->T, mid, &ok);
        if (ok)
            lo = mid;
        else
            hi = mid;
    }
    return lo > 0 ? lo : hi;
}

/* The range of the body's series, [lo, body] (the top body = E[X] + max(14 sd, R / s*)), and the
 * top of the tail's, cap = E[X] + max(14 sd, 40 / s*). The series' coefficients come from the
 * whole law, so the mass above the top is not lost but folded back (the sine series is that of
 * the law reflected at the top and repeated with period 2w): on [lo, x] it adds the mass within
 * x - lo of lo + 2w, of order e^{-2 R} for an exponential tail of rate s* and a top R / s* above
 * E[X]. R = 40 where the n terms still resolve the law's body (RES_NODES steps w / n between the
 * floor and E[X]); where they would not (rare, large jumps: s* (E[X] - lo) ~ 0.01), R falls to
 * TAIL_REACH: a narrower range and a finer resolution at the edge. The folded mass grows towards
 * the top (calls 3.5 and 7.4 times the future 5e-4 and 4e-2 high on the fitted rare-jumps set,
 * R = 2, 2.1 and 2.7 times it 2.5e-4 and 1.8e-3 high on the example's, R = 3.3, v near 0): where
 * body < cap it is removed with the tail's series (fold_parts), a strike whose X lies above the
 * middle of the body's range (lo + 2 (x - lo) > body: a range covering it would have to widen for
 * every strike of the call) is priced from the tail's series instead (is_far), and the strikes
 * below it pass from one series to the other over a band (band_weight). */
static void body_range(law *L, double *body, double *cap)
{
    const double rate = tail_rate(L);
    const double lo = L->xlo;
    /* the reach R / s*: 40 where the series still resolves the body (RES_NODES steps w / n
     * between the floor and E[X]), down to TAIL_REACH where that reach would not */
    const double reach = fmin(40.0, fmax(TAIL_REACH, isfinite(rate) ? rate * (L->mean - lo) *
                                                                         COS_NMAX / RES_NODES : 0.0));
    const double right = fmax(14.0 * L->sd, isfinite(rate) ? reach / rate : 0.0);
    *cap = L->mean + fmax(14.0 * L->sd, isfinite(rate) ? 40.0 / rate : 0.0);
    *body = L->mean + right;
}

static int is_far(const law *L, double body, double cap, double strike)
{
    const double x = 1e-4 * strike * strike;
    return body < cap && L->xlo + 2.0 * (x - L->xlo) > body;
}

/* The weight of the tail's series in the price of a body strike: 0 below the band, rising to 1 at
 * the split (x - lo from a quarter to half of the body's range), C^2 in x. Across the band the two
 * series differ by the body's edge error (after the fold is removed: fold_parts), a constant
 * ~1e-4 of a VIX point where the law's edge is singular (7e-5 on the fitted rare-jumps set, the
 * Aitken step's residual at 8192 terms); taken at the split as a step, it made the strip of calls
 * lose its convexity there. Both series are exact to rounding but for that offset in the band:
 * the tail's from x - lo = 57 w / n on (tail_init; the band starts at >= 100 w / n). */
static double band_weight(const law *L, double body, double cap, double strike)
{
    if (!(body < cap))
        return 0.0;
    const double u = 1e-4 * strike * strike - L->xlo, us = 0.5 * (body - L->xlo);
    const double t = (u - 0.5 * us) / (0.5 * us);
    if (!(t > 0.0))
        return 0.0;
    if (t >= 1.0)
        return 1.0;
    return t * t * t * (10.0 + t * (6.0 * t - 15.0));
}

/* The series' terms from C->n on, until |cf| / k^2 < 1e-14 or `cap` terms (C->g holds cap). */
static int cdf_terms(cdf *C, law *L, int cap)
{
    int ok = 1;
    int n = C->n;
    for (; n < cap; n++) {
        const double om = n * M_PI / C->w;
        const double complex lt = log_tr(L->p, &L->c, L->v, L->m, L->T, I * om, &ok);
        if (!ok)
            return 0;
        const double complex ph = cexp(lt - I * om * C->lo);
        C->g[n] = 2.0 / (n * M_PI) * creal(ph);
        if (cabs(ph) / ((double)n * n) < 1e-14 && n > 16)
            break;
    }
    C->n = n;
    return 1;
}

/* The sine series of P(X <= x) on [lo, hi], until |cf| / k^2 < 1e-14 or COS_NMAX terms (a
 * capped series goes on with cdf_terms, into the same buffer of COS_NMAX_EXT). */
static int cdf_init(cdf *C, law *L, double hi, double *buf)
{
    C->lo = L->xlo;
    C->w = hi - C->lo;
    C->g = buf;
    C->n = 1;
    return cdf_terms(C, L, COS_NMAX);
}

/* The tail's series: [lo, cap], its coefficients filtered. Where the body is narrow against 1/s*
 * (the only case with far strikes) the terms decay like k^{-1-d} (the density ~ (x - lo)^{d-1}
 * at the edge) and the truncated series rings everywhere: on the fitted rare-jumps set (w ~ 70,
 * 8192 terms) P(X > 1) came out between 5.5e-4 and 9.7e-4 from 8192 to 65536 terms. The filter
 * confines the edge's error to a few tens of w / n around it: there the filtered series agrees
 * with itself at 8x the terms to 3e-10 at x - lo = 33 w / n and to 1e-14 from 57 w / n on, and
 * the far strikes start at x - lo > (body - lo) / 2 >= w / 41, i.e. 200 w / n. The filter leaves
 * the law's smooth tail alone: its terms sit at k << n, where exp(-36 (k/n)^8) ~ 1. */
static int tail_init(cdf *C, law *L, double cap, double *buf)
{
    if (!cdf_init(C, L, cap, buf))
        return 0;
    for (int k = 1; k < C->n; k++)
        buf[k] *= exp(-TAIL_FILTER_ALPHA * pow((double)k / C->n, TAIL_FILTER_ORDER));
    return 1;
}

/* out[i] = P(X <= x[i]) = (x - lo)/w + sum_k g_k sin(k pi (x - lo)/w), the sines by the two-term
 * recurrence. A point's recurrence is a chain of dependent multiplies and subtractions (8 cycles
 * a term, 8192 terms): CDF_BATCH points run side by side, each with exactly the operations it had
 * alone (the same bits), and the loop over them is a vector loop with independent lanes. */
#define CDF_BATCH 16

/* acc[i] = sum_{k=1}^{n-1} g[k] sin(k th[i]) for CDF_BATCH points (the arrays are the caller's
 * CDF_BATCH-long locals, g a series of n <= COS_NMAX_EXT terms). Not instrumented in the sanitizer
 * build (uninstrumented.h): it was a quarter of test_svcj2_vix's time there. */
VR_UNINSTRUMENTED static void sine_sums(const double *g, int n, const double *th, double *acc)
{
    VR_LEAF_REQUIRE(n >= 1 && n <= COS_NMAX_EXT);
    double c2[CDF_BATCH], sm1[CDF_BATCH], s[CDF_BATCH], a[CDF_BATCH];
    for (int i = 0; i < CDF_BATCH; i++) {
        c2[i] = 2.0 * cos(th[i]);
        sm1[i] = 0.0;
        s[i] = sin(th[i]);
        a[i] = 0.0;
    }
    for (int k = 1; k < n; k++) {
        const double gk = g[k];
        for (int i = 0; i < CDF_BATCH; i++) {
            a[i] += gk * s[i];
            const double sn = c2[i] * s[i] - sm1[i];
            sm1[i] = s[i];
            s[i] = sn;
        }
    }
    for (int i = 0; i < CDF_BATCH; i++)
        acc[i] = a[i];
}

/* out may be x: a point is read before its result is written. */
static void cdf_eval_n(const cdf *C, const double *x, double *out, int n)
{
    for (int i0 = 0; i0 < n; i0 += CDF_BATCH) {
        const int nb = n - i0 < CDF_BATCH ? n - i0 : CDF_BATCH;
        double th[CDF_BATCH], acc[CDF_BATCH];
        for (int i = 0; i < CDF_BATCH; i++) /* (the padding's th = 0: unused) */
            th[i] = i < nb ? M_PI * (x[i0 + i] - C->lo) / C->w : 0.0;
        sine_sums(C->g, C->n, th, acc);
        for (int i = 0; i < nb; i++) {
            const double xi = x[i0 + i];
            if (xi <= C->lo)
                out[i0 + i] = 0.0;
            else if (th[i] >= M_PI)
                out[i0 + i] = 1.0;
            else
                out[i0 + i] = fmin(1.0, fmax(0.0, th[i] / M_PI + acc[i]));
        }
    }
}

typedef struct put_ctx { const cdf *C; } put_ctx;

static void put_fv(const double *y, double *out, int n, void *vctx, int *ok)
{
    (void)ok;
    const put_ctx *pc = vctx;
    for (int i = 0; i < n; i++)
        out[i] = y[i] * y[i];
    cdf_eval_n(pc->C, out, out, n); /* (in place) */
}

/* int_a^b f, split at the points ylo + k step inside (a, b) when step > 0 (each piece with its own
 * panel budget), else one adaptive integral. */
static double quad_grid(fnv f, void *ctx, double a, double b, double tol, double ylo, double step,
                        int *ok)
{
    if (!(step > 0))
        return quad(f, ctx, a, b, tol, ok);
    double r = 0.0, x = a;
    for (double k = floor((a - ylo) / step) + 1; x < b && *ok; k++) {
        const double x1 = fmin(b, ylo + k * step);
        r += quad(f, ctx, x, x1, tol * (x1 - x) / (b - a), ok); /* the tolerance shared */
        x = x1;
    }
    return r;
}

/* out[i] = int_ylo^{c_i} f(y) dy, c_i = strikes[i] / 100, each to 1e-12, split at ysplit (where
 * the integrand turns). The integral is cumulative in c: for ascending strikes the integral so far
 * (up to acc_c) is extended, not recomputed (a strip of n strikes then costs about one integral,
 * not n). step > 0: every integral is split on a grid of that step in y (the folded body: one
 * integral over a long stretch of its series, such as a lone strike just below the split, 7.5
 * times the future on the fitted rare-jumps set, exhausted its panel budget and the call failed).
 * *bad = index of a strike whose integral did not converge (else untouched). */
static void cum_parts(fnv f, void *ctx, double ylo, double ysplit, const double *strikes, int n,
                      double step, double *out, int *bad)
{
    double acc_c = ylo, acc = 0.0;
    for (int i = 0; i < n; i++) {
        const double c = strikes[i] / 100.0;
        out[i] = 0.0;
        if (!(c > ylo))
            continue;
        int ok = 1;
        if (c < acc_c)
            acc_c = ylo, acc = 0.0;
        const double y1 = fmax(acc_c, fmin(ysplit, c));
        out[i] = acc + quad_grid(f, ctx, acc_c, y1, 1e-12, ylo, step, &ok) +
                 quad_grid(f, ctx, y1, c, 1e-12, ylo, step, &ok);
        acc_c = c, acc = out[i];
        if (!ok) {
            *bad = i;
            return;
        }
    }
}

/* out[i] = E[(c_i - sqrt X)^+] = int_ylo^{c_i} P(X <= y^2) dy from the series C, split at
 * sqrt(E[X]): the distribution function turns there. */
static void put_parts(const cdf *C, double mean, const double *strikes, int n, double step,
                      double *out, int *bad)
{
    put_ctx pc = {C};
    cum_parts(put_fv, &pc, sqrt(C->lo), sqrt(mean), strikes, n, step, out, bad);
}

static void tail_fv(const double *y, double *out, int n, void *vctx, int *ok)
{
    put_fv(y, out, n, vctx, ok);
    for (int i = 0; i < n; i++)
        out[i] = 1.0 - out[i];
}

/* out[far[j]] = E[(sqrt X - c)^+] = int_c^{sqrt top} P(X > y^2) dy, c = strikes[far[j]] / 100,
 * from the tail's series C (top = lo + w: above it P(X > x) < e^{-40}). Cumulative like
 * put_parts, from the top down (for ascending strikes, from the last). *bad as there. */
static void tail_parts(const cdf *C, const double *strikes, const int *far, int nf, double *out,
                       int *bad)
{
    const double top = sqrt(C->lo + C->w);
    double acc_c = top, acc = 0.0;
    put_ctx pc = {C};
    for (int j = nf - 1; j >= 0; j--) {
        const int i = far[j];
        const double c = strikes[i] / 100.0;
        out[i] = 0.0;
        if (!(c < top))
            continue;
        if (c > acc_c)
            acc_c = top, acc = 0.0;
        int ok = 1;
        out[i] = acc + quad(tail_fv, &pc, c, acc_c, 1e-12, &ok);
        acc_c = c, acc = out[i];
        if (!ok) {
            *bad = i;
            return;
        }
    }
}

/* The body's series takes its coefficients from the whole law, so it is the distribution function
 * of the law folded onto [lo, top] (top = lo + w): cos(k pi (x - lo) / w) is even about top and
 * 2w-periodic, so the mass at lo + 2jw +- u counts as if at lo + u. On [lo, top] the series gives
 * F(x) + D(x), D(lo + u) = sum_{j >= 1} P(|X - (lo + 2jw)| <= u), and its put parts are too high
 * by int D(y^2) dy (its calls, by parity, too). Where the body's range is narrower than the tail's
 * reach (body < cap) D is not negligible near the top (measured 4e-2 of the call at 7.4 F on the
 * fitted rare-jumps set) and the step to the tail's series at the split made the strip of calls
 * jump there (a butterfly of -1.6e-3 VIX points across it). D comes from the tail's series, which
 * is exact to rounding where it is read (lo + 2jw - u >= top, far from the edge lo), and is
 * removed from each body strike's put part (fold_parts). */
typedef struct fold_ctx { const cdf *C; double lo, w, cap; } fold_ctx;

/* D(y^2) at n points: for each, the images j = 1, 2, ... while lo + 2jw - u < cap, until the mass
 * beyond is below the rounding of the sum; the points still going evaluate their two images of
 * round j together. */
static void fold_fv(const double *y, double *out, int n, void *vctx, int *ok)
{
    (void)ok;
    const fold_ctx *fc = vctx;
    for (int i0 = 0; i0 < n; i0 += CDF_BATCH) {
        const int nb = n - i0 < CDF_BATCH ? n - i0 : CDF_BATCH;
        double u[CDF_BATCH], xs[2 * CDF_BATCH], cv[2 * CDF_BATCH];
        int going[CDF_BATCH], idx[CDF_BATCH];
        for (int i = 0; i < nb; i++) {
            u[i] = fmin(fmax(y[i0 + i] * y[i0 + i] - fc->lo, 0.0), fc->w);
            out[i0 + i] = 0.0;
            going[i] = 1;
        }
        for (int j = 1;; j++) {
            const double x = fc->lo + 2.0 * j * fc->w;
            int na = 0;
            for (int i = 0; i < nb; i++) {
                if (going[i] && !(x - u[i] < fc->cap))
                    going[i] = 0;
                if (going[i]) {
                    idx[na] = i;
                    xs[2 * na] = x - u[i];
                    xs[2 * na + 1] = x + u[i];
                    na++;
                }
            }
            if (na == 0)
                break;
            cdf_eval_n(fc->C, xs, cv, 2 * na);
            for (int a = 0; a < na; a++) {
                const int i = idx[a];
                const double below = cv[2 * a];
                out[i0 + i] += cv[2 * a + 1] - below;
                if (1.0 - below < 1e-17) /* the mass beyond: below the rounding of the sum */
                    going[i] = 0;
            }
        }
    }
}

/* out[i] = int_ylo^{c_i} D(y^2) dy for the body's strikes (cum_parts, no split: D is smooth). */
static void fold_parts(const fold_ctx *fc, const double *strikes, int n, double *out, int *bad)
{
    const double ylo = sqrt(fc->lo);
    cum_parts(fold_fv, (void *)fc, ylo, ylo, strikes, n, 0.0, out, bad);
}

/* The body's put parts at the levels of its series: putp[level * nn + j] for the partial sums at
 * N, N/2, N/4 (only N when the series is not capped), and for a capped series the rates of the
 * part every strike shares, int_ylo^{sqrt E[X]} (the edge's error is common to all strikes; a
 * strike's own part adds oscillating terms that blur its ratio), from N down to N/8. */
typedef struct levels {
    int clean;
    double r, r0; /* r from (N/4, N/2, N), r0 one level down (N/8, N/4, N/2) */
} levels;

static int body_levels(const cdf *C, const law *L, const double *near_k, int nn, double step,
                       int capped, double *putp, levels *lv)
{
    double edge[4] = {0.0, 0.0, 0.0, 0.0};
    const double ym = sqrt(fmax(L->mean, C->lo));
    for (int level = 0; level < (capped ? 4 : 1); level++) {
        cdf Cl = *C;
        Cl.n = C->n >> level;
        int bad = -1;
        if (level < 3)
            put_parts(&Cl, fmax(L->mean, C->lo), near_k, nn, step, putp + (size_t)level * nn, &bad);
        if (capped) {
            const double ym100 = 100.0 * ym;
            put_parts(&Cl, fmax(L->mean, C->lo), &ym100, 1, step, &edge[level], &bad);
        }
        if (bad >= 0)
            return bad;
    }
    const double e1 = edge[1] - edge[2], e2 = edge[0] - edge[1], e0 = edge[2] - edge[3];
    lv->r = e1 != 0 ? e2 / e1 : 0.0;
    /* The same rate one level down: in a clean algebraic regime the two agree, and the step's own
     * error is then the change of the extrapolated value from one level to the next; otherwise no
     * extrapolation can be trusted and the error is that of the last doubling. Where the law's
     * floor carries a near-atom (sigma_v near its top of 10: v_T at 0 with a Feller ratio of
     * 0.003, smeared only by m_T) 8192 terms do not resolve it and the partial sums wander (rates
     * 0.08-0.68 from one sigma_v to the next, with the sign changing one level down): 30-day puts
     * came out 1.5-15% below Monte Carlo (up to 80 SE at 1M paths, converged in the time step),
     * silently. Such prices now take the longer series (32,768 terms: within 2 SE of Monte
     * Carlo there), or are refused (VIX_DIRECT_TOL). */
    lv->r0 = e0 != 0 ? e1 / e0 : 0.0;
    lv->clean = lv->r > 1.0 / 16 && lv->r < 0.71 && lv->r0 > 1.0 / 16 && lv->r0 < 0.71 &&
                fabs(lv->r - lv->r0) <= 0.25 * fmax(lv->r, lv->r0);
    return -1;
}

/* Body strike j's put part of a capped series (*pp, Aitken's step where the rate is clean: same
 * sign, shrinking by 2^p, p in (0.5, 4)), its estimated error and the bound it is held to (VIX
 * points, undiscounted). */
static void put_estimate(const double *putp, int nn, int j, const levels *lv, double *pp,
                         double *est, double *tol)
{
    const double pn = putp[j], pn2 = putp[nn + j], pn4 = putp[2 * (size_t)nn + j];
    *pp = pn;
    if (lv->r > 1.0 / 16 && lv->r < 0.71)
        *pp += (pn - pn2) * lv->r / (1.0 - lv->r);
    *est = 100.0 * (lv->clean ? fabs(*pp - (pn2 + (pn2 - pn4) * lv->r0 / (1.0 - lv->r0)))
                              : fabs(pn - pn2));
    *tol = fmax(VIX_DIRECT_TOL, VIX_DIRECT_RTOL * 100.0 * fmax(*pp, 0.0));
}

vr_status vr_svcj2_vix_options(const vr_svcj2_params *p, double v, double m, double T,
                               const double *strikes, int n, double rate, int is_call,
                               double *prices, vr_err *err)
{
    vr_status st = check(p, v, m, T, "svcj2 vix option", err);
    if (st != VR_OK)
        return st;
    /* Below a few minutes the law of the VIX at expiry is narrower than the transforms resolve:
     * against Monte Carlo (400,000 paths, the calibrated set, VIX 15) the price agrees within
     * 2.2 SE at 1e-5 and 3e-6 years and is 83 SE off at 1e-6 (the at-the-money price then
     * no longer falls like sqrt(T) as it must). The tables start at one day; only a direct
     * request (`vixrisk price`) comes this near, and gets this error rather than a wrong price. */
    if (T < VR_SVCJ2_VIX_OPTION_TMIN)
        return vr_fail(err, VR_EINVAL, "svcj2 vix option: expiry must be in [%g, 10] years (got %g): "
                       "below %g years (about 5 minutes) the pricer cannot resolve the VIX's law",
                       VR_SVCJ2_VIX_OPTION_TMIN, T, VR_SVCJ2_VIX_OPTION_TMIN);
    if (!isfinite(rate) || n < 1)
        return vr_fail(err, VR_EINVAL, "svcj2 vix option: need a finite rate and n >= 1 (got %g, %d)",
                       rate, n);
    for (int i = 0; i < n; i++)
        if (!(strikes[i] > 0 && strikes[i] < 1000))
            return vr_fail(err, VR_EINVAL, "svcj2 vix option: strike must be in (0, 1000) (got %g)",
                           strikes[i]);
    /* buf: the body's series (room for COS_NMAX_EXT terms), then the tail's; work: the body's
     * strikes (their put parts at three levels after them), the far strikes' call parts, the
     * body strikes' folded parts */
    double *buf = malloc(sizeof(double) * (COS_NMAX_EXT + COS_NMAX));
    double *work = malloc(sizeof(double) * 6 * (size_t)n);
    int *far = malloc(sizeof(int) * (size_t)n);
    if (!buf || !work || !far) {
        st = vr_fail(err, VR_ENOMEM, "svcj2 vix option: COS buffers for %d strikes", n);
        goto done;
    }
    double *near_k = work, *putp = work + n, *tailp = work + 4 * (size_t)n;
    double *foldp = work + 5 * (size_t)n;
    law L;
    double fut, body, cap;
    if (!law_init(&L, p, v, m, T) || !sqrt_mean(&L, &fut)) {
        st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g): transform failed", v, m, T);
        goto done;
    }
    body_range(&L, &body, &cap);
    /* the body's strikes in their order (the put integrals extend from one to the next) */
    int nn = 0, nf = 0; /* far[]: the strikes that need the tail's series (far, or in the band) */
    for (int i = 0; i < n; i++) {
        const int f = is_far(&L, body, cap, strikes[i]);
        if (!f)
            near_k[nn++] = strikes[i];
        if (f || band_weight(&L, body, cap, strikes[i]) > 0.0)
            far[nf++] = i;
    }
    const double df = exp(-rate * T);
    cdf C = {0}, Ct = {0};
    /* the body's strikes need the tail's series for their folded part where body < cap */
    const int fold = nn > 0 && body < cap;
    if ((nn > 0 && !cdf_init(&C, &L, body, buf)) ||
        ((nf > 0 || fold) && !tail_init(&Ct, &L, cap, buf + COS_NMAX_EXT))) {
        st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g): transform failed", v, m, T);
        goto done;
    }
    /* When the cap ended the series (not the |cf|/k^2 rule), the error is that of a truncated
     * series with algebraically decaying terms (a density singular at the edge), E(N) ~ c N^{-p}:
     * the put parts from the partial sums at N/4, N/2 and N give it by Aitken's step (levels). A
     * price whose estimated error is over the bound takes the longer series (COS_NMAX_EXT) for
     * the body and is measured again; over the bound there, it is refused. */
    const double step = fold ? (sqrt(body) - sqrt(C.lo)) / 16.0 : 0.0;
    levels lv = {0};
    int capped = 0;
    for (int pass = 0; nn > 0; pass++) {
        capped = C.n >= (pass == 0 ? COS_NMAX : COS_NMAX_EXT);
        const int bad = body_levels(&C, &L, near_k, nn, step, capped, putp, &lv);
        if (bad >= 0) {
            st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g K=%g): put integral "
                         "did not converge", v, m, T, near_k[bad]);
            goto done;
        }
        if (!capped || pass == 1)
            break;
        int over = 0;
        for (int j = 0; j < nn && !over; j++) {
            double pp, est, tol;
            put_estimate(putp, nn, j, &lv, &pp, &est, &tol);
            over = !(est <= tol);
        }
        if (!over)
            break;
        if (!cdf_terms(&C, &L, COS_NMAX_EXT)) {
            st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g): transform failed", v, m,
                         T);
            goto done;
        }
    }
    if (fold) {
        int bad = -1;
        const fold_ctx fc = {&Ct, C.lo, C.w, cap};
        fold_parts(&fc, near_k, nn, foldp, &bad);
        if (bad >= 0) {
            st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g K=%g): folded tail's "
                         "integral did not converge", v, m, T, near_k[bad]);
            goto done;
        }
    }
    if (nf > 0) {
        int bad = -1;
        tail_parts(&Ct, strikes, far, nf, tailp, &bad);
        if (bad >= 0) {
            st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g K=%g): tail integral "
                         "did not converge", v, m, T, strikes[bad]);
            goto done;
        }
    }
    for (int i = 0, j = 0, jf = 0; i < n; i++) {
        const double c = strikes[i] / 100.0;
        double und;
        const int in_tail = jf < nf && far[jf] == i;
        jf += in_tail;
        /* the call part from the tail's series, the put by parity with the future */
        const double und_tail = in_tail ? (is_call ? tailp[i] : c - fut + tailp[i]) : 0.0;
        if (is_far(&L, body, cap, strikes[i])) {
            und = und_tail;
        } else {
            double pp = putp[j];
            if (capped) {
                double est, tol;
                put_estimate(putp, nn, j, &lv, &pp, &est, &tol);
                if (!(est <= tol)) {
                    st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g K=%g): the series "
                                 "of the VIX's law did not converge in %d terms: estimated error "
                                 "%.2g VIX points, over the %.2g this pricer promises (the law's "
                                 "floor too sharp to resolve: sigma_v %g; docs/numerics.md, svcj2, "
                                 "\"Where the cap leaves too much\")", v, m, T, strikes[i], C.n,
                                 est, tol, p->sigma_v);
                    goto done;
                }
            }
            if (fold) /* after the step: the fold is the same at every level, Aitken keeps it */
                pp -= foldp[j];
            und = is_call ? fut - c + pp : pp;
            j++;
            if (in_tail) {
                const double wt = band_weight(&L, body, cap, strikes[i]);
                und = (1.0 - wt) * und + wt * und_tail;
            }
        }
        prices[i] = df * 100.0 * fmax(und, 0.0);
        if (!isfinite(prices[i])) {
            st = vr_fail(err, VR_ENUM, "svcj2 vix option (v=%g m=%g T=%g K=%g): non-finite price",
                         v, m, T, strikes[i]);
            goto done;
        }
    }
done:
    free(far);
    free(work);
    free(buf);
    return st;
}

vr_status vr_svcj2_vix_option(const vr_svcj2_params *p, double v, double m, double T,
                              double strike, double rate, int is_call, double *price, vr_err *err)
{
    return vr_svcj2_vix_options(p, v, m, T, &strike, 1, rate, is_call, price, err);
}
