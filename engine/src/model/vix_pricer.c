/* vix_pricer.c: VIX futures and options under the Heston, Bates and SVCJ variance processes, and
 * the interpolation table the path loop reads (see vr_vix.h).
 *
 * Everything starts from the Laplace transform of v_T, which is affine: log E[e^{-s v_T}] =
 * A(T,s) - B(T,s) v in closed form for all three models (Bates jumps leave v alone, SVCJ adds
 * exponential jumps whose contribution integrates in closed form too). The future uses the
 * identity E[sqrt X] = (1/(2 sqrt pi)) int_0^inf (1 - E[e^{-sX}]) s^{-3/2} ds on the real axis,
 * which is smooth and accurate to ~1e-11. Options integrate the survival function of the index,
 * E[(VIX - K)^+] = int_K^inf P(VIX > k) dk (a bounded put-side integral below the future), with
 * the distribution function of v_T recovered from its characteristic function by a Fourier-cosine
 * (COS, Fang and Oosterlee 2008) sine series on a range set from the cumulants and the exponential
 * tail rate. Integrating the distribution function, not the density against a kinked payoff, keeps
 * the method stable when the density is singular at 0 (Feller condition violated). Laws the series
 * cannot hold (a vol-of-variance of several units) invert the distribution function from the
 * Laplace transform on a Talbot contour instead (law_call_talbot).
 *
 * The table stores F(v, T) and C/F on uniform grids in x = sqrt(a + b v) (spot VIX / 100),
 * sqrt(T) and log(K/F), and interpolates with 4-point Lagrange cubics along each axis, so that an
 * index is one multiply-add and a floor. */
#include "vixrisk/vr_vix.h"
#include "gk15.h"
#include "special.h"
#include "tables_io.h"
#include "uninstrumented.h"
#include "vixrisk/vk_vixtab.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* The law of v_T                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Per-(parameters, v, T) constants of the transform. With u = e^{-kappa T},
 * g = (1 - u)/kappa and c2 = sigma^2 g / 2 (the CIR scale: v_T / (c2/2) is noncentral
 * chi-square with 4 kappa theta / sigma^2 degrees of freedom),
 *     log L(s) = -kappa theta g s phi(s c2) - s v u / (1 + s c2)
 *                - lambda mu_v g s phi(y) / D,
 *     D = 1 + s c2 + mu_v s u,   y = s (mu_v (1 - u) - c2) / D,   phi(x) = log(1 + x) / x.
 * The first two terms are the CIR Riccati solution, A = -(2 kappa theta / sigma^2) log(1 + s c2)
 * and B = s u / (1 + s c2), written through phi so that sigma = 0 needs no special case
 * (phi(0) = 1 gives A = -kappa theta g s). The last term is lambda int_0^T (1/(1 + mu_v B(t)) - 1)
 * dt: with w = e^{-kappa t} the integrand is a rational function of w, so the integral is the
 * logarithm (mu_v s / (kappa beta)) log((alpha + beta)/(alpha + beta u)), alpha + beta w =
 * 1 + s c2(t) + mu_v s w, rewritten as g s phi(y) / D to avoid the 0/0 at beta = 0. */
typedef struct vix_law {
    double v;    /* current variance */
    double u;    /* e^{-kappa T} */
    double omu;  /* 1 - u, from expm1 */
    double g;    /* (1 - u) / kappa */
    double c2;   /* sigma^2 g / 2 */
    double kthg; /* kappa theta g */
    double lam;  /* variance-jump intensity (0 unless svcj with mu_v > 0) */
    double mu;   /* mean variance jump */
    double mean; /* E[v_T] */
    double var;  /* Var[v_T] */
    double T;    /* expiry */
    double kappa, sigma, theta;
} vix_law;

static void law_moments(vix_law *L)
{
    const double k = L->kappa, s2 = L->sigma * L->sigma;
    const double ths = L->theta + L->lam * L->mu / k;
    const double omu2 = -expm1(-2.0 * k * L->T);
    L->mean = L->v * L->u + ths * L->omu;
    const double var = s2 * (ths * omu2 / (2.0 * k) + (L->v - ths) * L->u * L->g) +
                       L->lam * L->mu * L->mu * omu2 / k;
    L->var = var > 0 ? var : 0.0;
}

static void law_init(vix_law *L, vr_model_type t, const vr_sv_params *p, double v, double T)
{
    const double kT = p->kappa * T;
    L->v = v;
    L->T = T;
    L->kappa = p->kappa;
    L->sigma = p->sigma;
    L->theta = p->theta;
    L->u = exp(-kT);
    L->omu = -expm1(-kT);
    L->g = L->omu / p->kappa;
    L->c2 = 0.5 * p->sigma * p->sigma * L->g;
    L->kthg = p->kappa * p->theta * L->g;
    const int jumps = t == VR_MODEL_SVCJ && p->lambda > 0 && p->mu_v > 0;
    L->lam = jumps ? p->lambda : 0.0;
    L->mu = jumps ? p->mu_v : 0.0;
    /* Moments: E[v_T] = theta* + (v - theta*) u; the variance solves
     * dVar/dt = -2 kappa Var + sigma^2 E[v_t] + lambda E[Zv^2] with E[Zv^2] = 2 mu_v^2, i.e.
     * Var = sigma^2 (theta* (1 - u^2)/(2 kappa) + (v - theta*) u (1 - u)/kappa)
     *       + lambda mu_v^2 (1 - u^2)/kappa. */
    law_moments(L);
}

/* The same law without variance jumps (part A of the COS split below). */
static void law_init_cir(vix_law *Lc, const vix_law *L)
{
    *Lc = *L;
    Lc->lam = 0.0;
    Lc->mu = 0.0;
    law_moments(Lc);
}

/* log(1 + x)/x for real x > -1; log1p keeps it accurate near 0. */
static double phi_r(double x)
{
    return x == 0.0 ? 1.0 : log1p(x) / x;
}

static double law_log_laplace(const vix_law *L, double s)
{
    const double x = s * L->c2;
    double r = -L->kthg * s * phi_r(x) - s * L->v * L->u / (1.0 + x);
    if (L->lam > 0) {
        const double D = 1.0 + x + L->mu * s * L->u;
        const double y = s * (L->mu * L->omu - L->c2) / D;
        r -= L->lam * L->mu * L->g * s * phi_r(y) / D;
    }
    return r;
}

/* Complex log(1 + z)/z. log|1+z| = log1p(2 Re z + |z|^2)/2 keeps the relative accuracy for small
 * z (clog(1 + z) would lose it to the rounding of 1 + z). The principal branch is the right one:
 * we only evaluate at Re(s) >= 0, where 1 + s c2, D and 1 + mu_v s all have positive real parts,
 * so 1 + z never crosses the negative real axis. */
static double complex phi_c(double complex z)
{
    const double x = creal(z), y = cimag(z);
    if (x == 0.0 && y == 0.0)
        return 1.0;
    const double complex l = 0.5 * log1p(2.0 * x + x * x + y * y) + I * atan2(y, 1.0 + x);
    return l / z;
}

static double complex law_log_laplace_c(const vix_law *L, double complex s)
{
    const double complex x = s * L->c2;
    double complex r = -L->kthg * s * phi_c(x) - s * L->v * L->u / (1.0 + x);
    if (L->lam > 0) {
        const double complex D = 1.0 + x + L->mu * s * L->u;
        const double complex y = s * (L->mu * L->omu - L->c2) / D;
        r -= L->lam * L->mu * L->g * s * phi_c(y) / D;
    }
    return r;
}

/* Largest s with E[e^{s v_T}] finite: 1 - s c2 - mu_v s u > 0 and 1 - mu_v s > 0. The right
 * tail of v_T decays like e^{-s* v}. Returns +inf for a deterministic law. */
static double law_tail_rate(const vix_law *L)
{
    double m = L->c2 + L->mu * L->u;
    if (L->mu > m)
        m = L->mu;
    return m > 0 ? 1.0 / m : INFINITY;
}

/* vr_var_laplace has no error record, so it checks its own (wider) ranges and returns NaN:
 * sigma = 0 is allowed here (deterministic variance plus jumps; the formula has no 0/0), although
 * vr_sv_params_validate refuses sigma < 0.001 for simulation. */
static int laplace_params_ok(vr_model_type t, const vr_sv_params *p)
{
    if (t != VR_MODEL_HESTON && t != VR_MODEL_BATES && t != VR_MODEL_SVCJ)
        return 0;
    if (!(p->kappa > 0 && p->kappa <= 100) || !(p->theta > 0 && p->theta <= 4) ||
        !(p->sigma >= 0 && p->sigma <= 10))
        return 0;
    if (t == VR_MODEL_SVCJ &&
        (!(p->lambda >= 0 && p->lambda <= 1000) || !(p->mu_v >= 0 && p->mu_v <= 4)))
        return 0;
    return 1;
}

double vr_var_laplace(vr_model_type t, const vr_sv_params *p, double v, double T, double s)
{
    if (p == NULL || !laplace_params_ok(t, p) || !(v >= 0 && v <= 1e6) || !(T >= 0 && T <= 1e3) ||
        !(s >= 0 && s < INFINITY))
        return NAN;
    vix_law L;
    law_init(&L, t, p, v, T);
    return exp(law_log_laplace(&L, s));
}

/* ------------------------------------------------------------------------------------------ */
/* Adaptive Gauss-Kronrod (7/15)                                                                */
/* ------------------------------------------------------------------------------------------ */

/* The rule's nodes and weights are in gk15.h. The |K15 - G7| error estimate is pessimistic for
 * smooth integrands (K15 is then far more accurate than G7), which is what we want for a
 * tolerance. */

/* Integrands are evaluated a panel (15 points) at a time: the COS sums then run as 15
 * independent recurrences the compiler interleaves, instead of one latency-bound chain. */
#define GK_NPTS 15
typedef void (*integrand_fn)(const double *x, double *fx, int n, const void *ctx);

/* Integrand evaluations one quad() call of a table build may spend. The main job's tables and the
 * extreme sweep's edge sets take at most ~5,300, a scan of 500 valid models' tables ~140,000; a
 * law whose integrand the panels never resolve (its round-off above the tolerance: a variance
 * jump of mean 1e-8 in svcj's pricing set) would otherwise bisect ~2^30 panels, which is hours:
 * past the budget the call stops and the build fails instead. The direct pricers (`price`) have
 * a budget 20x larger: their 100x tighter tolerance took 1.1 million evaluations on the dearest
 * valid model seen (svcj, sigma 3, lambda 24, v 1e-8, a VIX call at 80 for half a year: 6 s),
 * and 2e7 stops an unresolvable one (mu_v 1e-8, which ran for hours) within about two minutes. */
#define QUAD_MAX_EVALS 1000000
#define VR_STR_(x) #x
#define VR_STR(x) VR_STR_(x)
#define QUAD_MAX_EVALS_DIRECT 20000000

typedef struct quad_state {
    int64_t evals;
    int64_t budget; /* evaluations one quad() call may spend, 0: no bound (set by the caller) */
    int64_t limit;  /* evals at which the current quad() call stops refining */
    int failed;    /* the panels left at the depth limit exceed the whole tolerance */
    int capped;    /* a quad() call ran out of its evaluations (failed too) */
    double unconv; /* error estimates of panels accepted at the depth limit (one quad() call) */
} quad_state;

/* One 15-point panel. The error estimate is QUADPACK's (Piessens et al. 1983): |K15 - G7|
 * scaled by resasc = int |f - mean f| as resasc min(1, (200 |K15 - G7| / resasc)^{3/2}), which
 * reflects that K15 is far more accurate than G7 once the panel resolves f. */
static double gk15(integrand_fn f, const void *ctx, double lo, double hi, double *errest)
{
    const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
    double xs[GK_NPTS], fx[GK_NPTS], fv1[7], fv2[7];
    for (int j = 0; j < 7; j++) {
        xs[j] = c - h * vr_gk15_x[j];
        xs[7 + j] = c + h * vr_gk15_x[j];
    }
    xs[14] = c;
    f(xs, fx, GK_NPTS, ctx);
    const double fc = fx[14];
    double k = fc * vr_gk15_wk[7], gs = fc * vr_gk15_wg[3];
    for (int j = 0; j < 7; j++) {
        fv1[j] = fx[j];
        fv2[j] = fx[7 + j];
        k += vr_gk15_wk[j] * (fv1[j] + fv2[j]);
        if (j & 1)
            gs += vr_gk15_wg[j >> 1] * (fv1[j] + fv2[j]);
    }
    const double mean = 0.5 * k;
    double asc = vr_gk15_wk[7] * fabs(fc - mean);
    for (int j = 0; j < 7; j++)
        asc += vr_gk15_wk[j] * (fabs(fv1[j] - mean) + fabs(fv2[j] - mean));
    asc *= fabs(h);
    double e = fabs((k - gs) * h);
    if (asc != 0.0 && e != 0.0)
        e = asc * fmin(1.0, pow(200.0 * e / asc, 1.5));
    *errest = e;
    return k * h;
}

static double quad_rec(integrand_fn f, const void *ctx, double lo, double hi, double tol,
                       int depth, quad_state *qs)
{
    double e;
    const double r = gk15(f, ctx, lo, hi, &e);
    qs->evals += 15;
    if (e <= tol || !(e == e))
        return r;
    if (depth == 0 || qs->evals >= qs->limit) { /* e.g. a kink of the integrand, bisected down to
                                                     2^-30 of the range; or the budget spent */
        qs->unconv += e;
        qs->capped |= depth > 0;
        return r;
    }
    const double mid = 0.5 * (lo + hi);
    return quad_rec(f, ctx, lo, mid, 0.5 * tol, depth - 1, qs) +
           quad_rec(f, ctx, mid, hi, 0.5 * tol, depth - 1, qs);
}

/* int_lo^hi f with absolute tolerance tol; lo >= hi gives 0. */
static double quad(integrand_fn f, const void *ctx, double lo, double hi, double tol,
                   quad_state *qs)
{
    if (!(hi > lo))
        return 0.0;
    qs->unconv = 0.0;
    qs->limit = qs->budget > 0 ? qs->evals + qs->budget : INT64_MAX;
    const double r = quad_rec(f, ctx, lo, hi, tol, 30, qs);
    if (qs->unconv > tol || qs->capped)
        qs->failed = 1;
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Future                                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct fut_ctx {
    const vix_law *L;
    double a, b, s0;
} fut_ctx;

/* Integrand of int (1 - E[e^{-sX}]) s^{-3/2} ds after s = s0 e^t (ds = s dt): smooth in t,
 * ~ E[X] s^{1/2} as t -> -inf and ~ s^{-1/2} as t -> +inf. 1 - M is -expm1(log M), exact for
 * small s where 1 - M itself would cancel. */
static void fut_integrand(const double *t, double *fx, int n, const void *vctx)
{
    const fut_ctx *c = vctx;
    for (int i = 0; i < n; i++) {
        const double s = c->s0 * exp(t[i]);
        const double lm = -s * c->a + law_log_laplace(c->L, c->b * s);
        fx[i] = -expm1(lm) / sqrt(s);
    }
}

/* E[sqrt(a + b v_T)] (no factor 100). s0 = 1/E[X] centres the transition of 1 - M(s) at t = 0;
 * the integral runs over t in [-46, 46] and the two tails are added in closed form from the
 * asymptotes (2 E[X] s_lo^{1/2} and 2 s_hi^{-1/2}, each ~1e-10 of the result, so their own
 * O(s) corrections are far below the target). M(s_hi) = 0 because a > 0 forces e^{-s a} ~ 0. */
static double law_sqrt_mean(const vix_law *L, double a, double b, quad_state *qs)
{
    const double ex = a + b * L->mean;
    fut_ctx c = {L, a, b, 1.0 / ex};
    const double tl = -46.0, th = 46.0;
    const double scale = 2.0 * sqrt(M_PI * ex);
    double r = quad(fut_integrand, &c, tl, th, 1e-13 * scale, qs);
    r += 2.0 * ex * sqrt(c.s0 * exp(tl)) + 2.0 / sqrt(c.s0 * exp(th));
    return r / (2.0 * sqrt(M_PI));
}

/* ------------------------------------------------------------------------------------------ */
/* Distribution function of v_T (COS sine series plus a Gamma mixture)                         */
/* ------------------------------------------------------------------------------------------ */


#define COS_NMAX 4096
#define COS_NSUB 4 /* Gamma-mixture terms taken out of the series */

/* The COS method: on [lo, hi] a density is sum' F_k cos(k pi (x - lo)/W) with
 * F_k = (2/W) Re[phi(k pi / W) e^{-i k pi lo / W}], phi the characteristic function; integrating
 * term by term gives P(v_T <= y) = theta/pi + sum_{k>=1} gk[k] sin(k theta), theta =
 * pi (y - lo)/W, gk[k] = (2/(k pi)) Re[...]. The range is the mean -/+ 12 standard deviations,
 * widened on the right to 40/s* (tail e^{-s* v}); the mass left outside is < 1e-15.
 *
 * Two features of these laws make a plain series converge slowly, and each is taken out:
 *
 * 1. phi decays only algebraically when v_T can reach 0. With z = 1/(1 + s c2) the CIR transform
 *    is exactly z^{d/2} e^{-q (1 - z)} = sum_n w_n z^{d/2 + n}, d/2 = 2 kappa theta / sigma^2,
 *    q = v u / c2, w_n = e^{-q} q^n / n!: the Poisson mixture of Gamma(d/2 + n, scale c2) laws
 *    behind the noncentral chi-square. The first COS_NSUB terms carry |phi| ~ omega^{-d/2} (a
 *    density singular at 0 when d < 2); we subtract them from the series and add back their
 *    distribution functions in closed form (incomplete gamma). The remainder decays like
 *    omega^{-d/2-COS_NSUB}. Done only when the range starts at 0 (otherwise w_n is negligible)
 *    and d/2 <= 2e5 (the incomplete gamma's iteration cap).
 * 2. SVCJ with a small sigma is two-scaled: with probability e^{-lambda T} no jump occurs and v_T
 *    is the narrow CIR law, otherwise it is spread over the jump scale mu_v. One series over the
 *    wide range would need W / sd_CIR terms. So the law is split: part A, e^{-lambda T} times the
 *    CIR law (its own range and series, and the Gamma subtraction of 1.), and part B, the rest,
 *    with characteristic function phi - e^{-lambda T} phi_CIR on the full range; B still has a
 *    kink where A sits, but its coefficients decay like omega^{-2} at worst.
 *
 * Each series is cut where |phi_part| / k^2 < cut (1e-13 for the direct pricer; the prices integrate the distribution
 * function once more, so a term's effect on them is ~|phi|/k^2; the characteristic functions
 * here decay monotonically), or at nmax. */
typedef struct cos_part {
    double lo, hi, w;
    double mass; /* total mass of the series part */
    int n;
    double tail; /* |phi_part| / k^2 at the last term when the series stops at nmax before the
                  * cut, else 0 */
    double *gk;  /* gk[1..n-1] */
    int cap;     /* the doubles gk holds */
} cos_part;

typedef struct cos_cdf {
    cos_part part[2];
    int nparts;
    int nsub;
    double alpha, c2;       /* Gamma shapes alpha + j, scale c2 */
    double wsub[COS_NSUB];  /* total weights w_n */
    double wsubA[COS_NSUB]; /* the part carried by A: e^{-lambda T} e^{-q} q^n / n! */
    double wsubB[COS_NSUB]; /* the rest, carried by B */
    double wabs;            /* sum of |wsubA| + |wsubB| (0 without the subtraction) */
} cos_cdf;

/* Taylor coefficients at z = 0 of the variance-jump factor of L written in z = 1/(1 + s c2):
 * J(z) = exp(-lambda mu g (1 - z) phi(y) / (c2 + mu u (1 - z))),
 * y = (1 - z)(mu (1 - u) - c2) / (c2 + mu u (1 - z)).
 * J(0) = lim_{s->inf} of the jump factor is the probability that the jumps leave nothing at T
 * (each jump's contribution decays like a zero-dimension squared Bessel process and can die), so
 * it exceeds e^{-lambda T} when sigma > 0. Singularities: the pole at z = 1 + c2/(mu u) and the
 * branch point 1 + y = 0 at z = mu / (mu - c2); the circle has half the smaller radius, so the
 * trapezoid rule's error is ~2^{-CAUCHY_P}. */
#define CAUCHY_P 64
static void jump_taylor(const vix_law *L, double *jn, int n)
{
    double R = 1.0 + L->c2 / (L->mu * L->u);
    if (L->mu != L->c2) {
        const double zb = fabs(L->mu / (L->mu - L->c2));
        if (zb < R)
            R = zb;
    }
    const double r = 0.5 * fmin(R, 1.0);
    for (int j = 0; j < n; j++)
        jn[j] = 0.0;
    for (int p = 0; p < CAUCHY_P; p++) {
        const double th = 2.0 * M_PI * p / CAUCHY_P;
        const double complex z = r * cexp(I * th);
        const double complex den = L->c2 + L->mu * L->u * (1.0 - z);
        const double complex y = (1.0 - z) * (L->mu * L->omu - L->c2) / den;
        const double complex J = cexp(-L->lam * L->mu * L->g * (1.0 - z) * phi_c(y) / den);
        for (int j = 0; j < n; j++)
            jn[j] += creal(J * cexp(-I * (double)j * th)) / (CAUCHY_P * pow(r, j));
    }
}

/* characteristic function of the subtracted Gamma mixture at omega (weights w) */
static double complex cos_sub_cf(const cos_cdf *C, const double *w, double om)
{
    const double complex lz = -clog(1.0 - I * om * C->c2); /* log z */
    double complex zp = cexp(C->alpha * lz), acc = 0.0;
    const double complex z = cexp(lz);
    for (int j = 0; j < C->nsub; j++) {
        acc += w[j] * zp;
        zp *= z;
    }
    return acc;
}

/* characteristic function of part `which` (0 = A, 1 = B) */
static double complex part_cf(const cos_cdf *C, const vix_law *L, const vix_law *Lc, double pa,
                              int which, double om)
{
    const double complex a = pa * cexp(law_log_laplace_c(Lc, -I * om));
    if (which == 1) {
        const double complex b = cexp(law_log_laplace_c(L, -I * om)) - a;
        return C->nsub ? b - cos_sub_cf(C, C->wsubB, om) : b;
    }
    return C->nsub ? a - cos_sub_cf(C, C->wsubA, om) : a;
}

static void part_range(cos_part *P, const vix_law *L)
{
    const double sd = sqrt(L->var);
    const double rate = law_tail_rate(L);
    double right = 12.0 * sd;
    if (40.0 / rate > right)
        right = 40.0 / rate;
    const double lo = L->mean - 12.0 * sd;
    P->lo = lo > 0 ? lo : 0.0;
    P->hi = L->mean + right;
    P->w = P->hi - P->lo;
}

static void part_series(cos_part *P, const cos_cdf *C, const vix_law *L, const vix_law *Lc,
                        double pa, int which, double *buf, int nmax, double cut)
{
    int n = 32, met = 0;
    while (n < nmax) {
        const double om = (n - 1) * M_PI / P->w;
        if (cabs(part_cf(C, L, Lc, pa, which, om)) / ((double)(n - 1) * (n - 1)) < cut) {
            met = 1;
            break;
        }
        n *= 2;
    }
    P->tail = 0.0;
    if (!met) {
        n = nmax;
        const double om = (n - 1) * M_PI / P->w;
        const double t = cabs(part_cf(C, L, Lc, pa, which, om)) / ((double)(n - 1) * (n - 1));
        P->tail = t < cut ? 0.0 : t;
    }
    P->n = n;
    P->gk = buf;
    P->cap = nmax;
    buf[0] = 0.0;
    for (int k = 1; k < n; k++) {
        const double om = k * M_PI / P->w;
        buf[k] = 2.0 / (k * M_PI) * creal(part_cf(C, L, Lc, pa, which, om) * cexp(-I * om * P->lo));
    }
}

/* buf holds 2 nmax doubles. Returns 0 when the law is too narrow for a series (relative sd
 * < 1e-7), which the callers treat as Gaussian (error of the order of the skewness, ~1e-7). */
static int cos_init(cos_cdf *C, const vix_law *L, double *buf, int nmax, double cut)
{
    if (!(sqrt(L->var) > 1e-7 * L->mean))
        return 0;
    vix_law Lc = *L; /* the CIR (no-jump) law */
    double pa = 1.0;
    if (L->lam > 0) {
        law_init_cir(&Lc, L);
        pa = exp(-L->lam * L->T);
    }
    C->nparts = 1;
    C->nsub = 0;
    C->wabs = 0.0;
    C->c2 = L->c2;
    cos_part *A = &C->part[0];
    if (sqrt(Lc.var) > 1e-7 * Lc.mean) {
        part_range(A, &Lc);
    } else {
        /* no-jump law narrower than the series can hold: give it a tiny width around its mean;
         * its weight is then carried by the Gamma subtraction or the series at nmax */
        A->lo = Lc.mean * (1 - 1e-6);
        A->hi = Lc.mean * (1 + 1e-6);
        A->w = A->hi - A->lo;
    }
    C->alpha = Lc.c2 > 0 ? Lc.kthg / Lc.c2 : INFINITY;
    A->mass = pa;
    double massB = 1.0 - pa;
    if (A->lo == 0.0 && C->alpha <= 2e5) {
        const double q = Lc.v * Lc.u / Lc.c2;
        double jn[COS_NSUB] = {1.0, 0.0, 0.0, 0.0};
        if (L->lam > 0)
            jump_taylor(L, jn, COS_NSUB);
        double pw[COS_NSUB], t = exp(-q), totA = 0.0, totB = 0.0;
        for (int i = 0; i < COS_NSUB; i++) {
            pw[i] = t;
            t *= q / (i + 1);
        }
        for (int j = 0; j < COS_NSUB; j++) {
            double s = 0.0; /* (e^{-q} q^i / i!) convolved with jn */
            for (int i = 0; i <= j; i++)
                s += pw[i] * jn[j - i];
            C->wsub[j] = s;
            C->wsubA[j] = pa * pw[j];
            C->wsubB[j] = s - pa * pw[j];
            totA += C->wsubA[j];
            totB += C->wsubB[j];
            C->wabs += fabs(C->wsubA[j]) + fabs(C->wsubB[j]);
        }
        if (totA + totB > 1e-17) {
            C->nsub = COS_NSUB;
            A->mass = pa - totA;
            massB -= totB;
        }
    }
    part_series(A, C, L, &Lc, pa, 0, buf, nmax, cut);
    if (1.0 - pa > 1e-16) {
        cos_part *B = &C->part[1];
        C->nparts = 2;
        part_range(B, L);
        B->mass = massB;
        part_series(B, C, L, &Lc, pa, 1, buf + nmax, nmax, cut);
    }
    return 1;
}

/* out[i] += sign * sum_{k>=1} gk sin(k th[i]) for n <= GK_NPTS angles, by complex rotation
 * (error O(n eps), unlike the three-term recurrence whose error grows near theta = 0 and pi);
 * the inner loop over the angles is independent and vectorisable. */
VR_UNINSTRUMENTED static void cos_sine_sum_n(const cos_part *P, const double *th, double *out,
                                             int n, double sign)
{
    VR_LEAF_REQUIRE(n >= 0 && n <= GK_NPTS && P->n <= P->cap);
    double cs[GK_NPTS], sn[GK_NPTS], re[GK_NPTS], im[GK_NPTS], acc[GK_NPTS];
    for (int i = 0; i < n; i++) {
        cs[i] = cos(th[i]);
        sn[i] = sin(th[i]);
        re[i] = cs[i];
        im[i] = sn[i];
        acc[i] = 0.0;
    }
    for (int k = 1; k < P->n; k++) {
        const double g = P->gk[k];
        for (int i = 0; i < n; i++) {
            acc[i] += g * im[i];
            const double r2 = re[i] * cs[i] - im[i] * sn[i];
            im[i] = im[i] * cs[i] + re[i] * sn[i];
            re[i] = r2;
        }
    }
    for (int i = 0; i < n; i++)
        out[i] += sign * acc[i];
}

/* the subtracted mixture's P(v_T <= y) (lower = 1) or P(v_T > y) (lower = 0) */
static double cos_sub_dist(const cos_cdf *C, double y, int lower)
{
    double acc = 0.0;
    for (int j = 0; j < C->nsub; j++) {
        if (fabs(C->wsub[j]) < 1e-20)
            continue;
        double P, Q;
        vr_inc_gamma(C->alpha + j, y / C->c2, &P, &Q);
        acc += C->wsub[j] * (lower ? P : Q);
    }
    return acc;
}

/* P(v_T <= y) (lower = 1) or P(v_T > y) (lower = 0) at n <= GK_NPTS points, each summed
 * directly so that small tails keep their accuracy. Outside a part's [lo, hi] the angle is
 * clamped to 0 or pi, where the sine sum vanishes and the linear term gives 0 or the mass. */
static void cos_dist_n(const cos_cdf *C, const double *y, double *out, int n, int lower)
{
    for (int i = 0; i < n; i++)
        out[i] = C->nsub ? cos_sub_dist(C, y[i], lower) : 0.0;
    for (int p = 0; p < C->nparts; p++) {
        const cos_part *P = &C->part[p];
        double th[GK_NPTS];
        for (int i = 0; i < n; i++) {
            th[i] = fmin(fmax(M_PI * (y[i] - P->lo) / P->w, 0.0), M_PI);
            out[i] += P->mass * (lower ? th[i] : M_PI - th[i]) / M_PI;
        }
        cos_sine_sum_n(P, th, out, n, lower ? 1.0 : -1.0);
    }
}

/* support of the series parts: below lo and above hi the distribution function is 0 and 1 */
static void cos_bounds(const cos_cdf *C, double *lo, double *hi)
{
    *lo = C->part[0].lo;
    *hi = C->part[0].hi;
    if (C->nparts == 2) {
        *lo = fmin(*lo, C->part[1].lo);
        *hi = fmax(*hi, C->part[1].hi);
    }
}

/* Integrands in u = VIX/100 = sqrt(a + b v): P(VIX <= 100 u) and P(VIX > 100 u). */
typedef struct opt_ctx {
    const cos_cdf *C;
    double a, b;
} opt_ctx;

static void dist_u(const double *u, double *fx, int n, const void *vctx, int lower)
{
    const opt_ctx *c = vctx;
    double y[GK_NPTS];
    for (int i = 0; i < n; i++)
        y[i] = (u[i] * u[i] - c->a) / c->b;
    cos_dist_n(c->C, y, fx, n, lower);
}

static void cdf_u(const double *u, double *fx, int n, const void *vctx)
{
    dist_u(u, fx, n, vctx, 1);
}

static void sf_u(const double *u, double *fx, int n, const void *vctx)
{
    dist_u(u, fx, n, vctx, 0);
}

/* Gaussian fallback for an (almost) deterministic v_T: VIX/100 ~ N(f, s^2) with
 * f = sqrt(E[X]), s = b sd / (2 f) (delta method), and E[(U - k)^+] the Bachelier formula. */
static double bachelier_call(double f, double s, double k)
{
    if (!(s > 0))
        return f > k ? f - k : 0.0;
    const double d = (f - k) / s;
    return (f - k) * 0.5 * erfc(-d / M_SQRT2) + s * exp(-0.5 * d * d) / sqrt(2.0 * M_PI);
}

/* Undiscounted E[(VIX - K)^+] given the future. Calls at or above the future integrate the
 * survival function from K up, below it the put integrates the distribution function over the
 * bounded range [VIX_min, K] and parity adds F - K; either way no small price is the difference
 * of two large ones. */
static double law_call(const vix_law *L, const cos_cdf *C, int have_cos, double a, double b,
                       double fut, double strike, double tol, quad_state *qs)
{
    const double k = strike / 100.0, f = fut / 100.0;
    if (!have_cos) {
        const double ex = a + b * L->mean;
        return 100.0 * bachelier_call(f, b * sqrt(L->var) / (2.0 * sqrt(ex)), k);
    }
    opt_ctx c = {C, a, b};
    double ylo, yhi;
    cos_bounds(C, &ylo, &yhi);
    const double ulo = sqrt(a + b * ylo), uhi = sqrt(a + b * yhi);
    if (k >= f) {
        const double lo = k > ulo ? k : ulo;
        double r = quad(sf_u, &c, lo, uhi, tol / 100.0, qs);
        if (k < ulo)
            r += ulo - k;
        return 100.0 * r;
    }
    double put = quad(cdf_u, &c, ulo, k < uhi ? k : uhi, tol / 100.0, qs);
    if (k > uhi)
        put += k - uhi;
    return 100.0 * put + fut - strike;
}

/* ------------------------------------------------------------------------------------------ */
/* Distribution function by Laplace inversion on a Talbot contour (the laws COS cannot hold)     */
/* ------------------------------------------------------------------------------------------ */

/* The COS series needs the law on one range with a bounded number of terms. With a large
 * vol-of-variance (sigma of several units: 4 kappa theta / sigma^2 ~ 1e-3) v_T is nearly an atom
 * at 0 with a tail out to the CIR scale c2 ~ 4 and structure at the jump scale mu_v ~ 0.003: the
 * range is 10^4 - 10^5 times the scale that has to be resolved, and the Taylor weights of the
 * jump factor (jump_taylor) grow like (c2/mu_v)^j, so the subtracted Gamma mixture has weights of
 * 10^3 to 10^6 of alternating sign whose cancellation leaves 1e-10 to 1e-6 of noise in the
 * distribution function: the quadrature then refines to its budget and fails after a minute.
 *
 * For such laws P(v_T <= y) and P(v_T > y) are inverted from L(s) = E[e^{-s v_T}] directly:
 * their Laplace transforms are L(s)/s and (1 - L(s))/s, and every singularity of L (the branch
 * points and poles at s = -1/c2, -1/(c2 + mu_v u), -1/mu_v) lies on the negative real axis; the
 * principal-branch logarithms of law_log_laplace_c are analytic off it (1 + s c2 and
 * (1 + mu_v s)/D are real only for real s). So the Bromwich line can be deformed into a contour
 * around the negative real axis on which e^{s y} decays, and the trapezoid rule on it converges
 * geometrically. We use the optimised cotangent ("Talbot") contour of Trefethen, Weideman and
 * Schmelzer (BIT 46, 2006), z(th) = N (0.5017 th cot(0.6407 th) - 0.6122 + 0.2645 i th),
 * th in (-pi, pi), s = z / y, whose error is ~3.89^{-N}; the largest term is e^{0.171 N}, so with
 * N = 32 the truncation (1e-19) is far below the round-off (~1e-14 absolute). Real f gives
 * conjugate-symmetric nodes: N/2 evaluations of L per point. */
#define TALBOT_N 32

typedef struct talbot_ctx {
    const vix_law *L;
    double a, b;
    double y0;        /* origin of the inversion: the left end of the law's range */
    double dev;       /* largest |N-node value - (N - TALBOT_CHECK)-node value| seen */
    int64_t cf_evals; /* evaluations of L */
} talbot_ctx;

/* The trapezoid sum on the contour with n nodes (n even) for w = v_T - y0 at t = y - y0 > 0. */
static double talbot_sum(talbot_ctx *c, double t, int lower, int n)
{
    const double h = 2.0 * M_PI / n;
    double acc = 0.0;
    for (int k = 0; k < n / 2; k++) {
        const double th = (k + 0.5) * h, a = 0.6407 * th;
        const double ct = cos(a) / sin(a), sn = sin(a);
        const double complex z = n * (0.5017 * th * ct - 0.6122 + 0.2645 * I * th);
        const double complex dz = n * (0.5017 * ct - 0.5017 * a / (sn * sn) + 0.2645 * I);
        const double complex s = z / t;
        const double complex lm = law_log_laplace_c(c->L, s) + s * c->y0;
        const double complex F = (lower ? cexp(lm) : 1.0 - cexp(lm)) / s;
        acc += cimag(cexp(z) * F * dz);
    }
    c->cf_evals += n / 2;
    return 2.0 * acc / (n * t);
}

/* P(v_T <= y) (lower = 1) or P(v_T > y) (lower = 0), inverted for w = v_T - y0 at y - y0: L_w(s)
 * = e^{s y0} L(s) has the same singularities, and a law far from 0 then looks to the contour like
 * one starting at 0; below y0 lies < 1e-15 of the mass. The contour's error bound assumes L(s)
 * grows at most algebraically on it; a narrow law (sd << mean) grows like e^{s^2 var/2} there and
 * the sum is then wrong by up to 1e-7. So every value is also summed with TALBOT_CHECK fewer
 * nodes, and the largest difference is kept: the caller refuses the price when it exceeds the
 * tolerance (the convergent case differs by the 24-node error, ~1e-14). */
#define TALBOT_CHECK 8
static double talbot_dist(talbot_ctx *c, double y, int lower)
{
    const double t = y - c->y0;
    if (!(t > 0))
        return lower ? 0.0 : 1.0;
    const double r = talbot_sum(c, t, lower, TALBOT_N);
    const double d = fabs(r - talbot_sum(c, t, lower, TALBOT_N - TALBOT_CHECK));
    if (d > c->dev || !(d == d))
        c->dev = d;
    return r;
}

static void talbot_u(const double *u, double *fx, int n, const void *vctx, int lower)
{
    talbot_ctx *c = (talbot_ctx *)vctx;
    for (int i = 0; i < n; i++)
        fx[i] = talbot_dist(c, (u[i] * u[i] - c->a) / c->b, lower);
}

static void talbot_cdf_u(const double *u, double *fx, int n, const void *vctx)
{
    talbot_u(u, fx, n, vctx, 1);
}

static void talbot_sf_u(const double *u, double *fx, int n, const void *vctx)
{
    talbot_u(u, fx, n, vctx, 0);
}

/* law_call with the distribution function from the contour: the same split at the future (calls
 * above it integrate the survival function from K up to the right end of the COS range, where the
 * tail is below 1e-17; puts below it integrate the distribution function from the floor). */
static double law_call_talbot(const vix_law *L, double a, double b, double fut, double strike,
                              double tol, quad_state *qs, int64_t *cf_evals, double *dev)
{
    const double k = strike / 100.0, f = fut / 100.0;
    cos_part R;
    part_range(&R, L);
    talbot_ctx c = {L, a, b, R.lo, 0.0, 0};
    const double ulo = sqrt(a + b * R.lo), uhi = sqrt(a + b * R.hi);
    double r;
    if (k >= f) {
        const double lo = k > ulo ? k : ulo;
        r = 100.0 * quad(talbot_sf_u, &c, lo, uhi, tol / 100.0, qs);
        if (k < ulo)
            r += 100.0 * (ulo - k);
    } else {
        double put = quad(talbot_cdf_u, &c, ulo, k < uhi ? k : uhi, tol / 100.0, qs);
        if (k > uhi)
            put += k - uhi;
        r = 100.0 * put + fut - strike;
    }
    *cf_evals += c.cf_evals;
    *dev = 100.0 * c.dev * (uhi - ulo); /* bound on the price's inversion error, index points */
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Public pricers                                                                               */
/* ------------------------------------------------------------------------------------------ */

static vr_status check_args(vr_model_type t, const vr_sv_params *p, double v, double T,
                            vr_err *err)
{
    if (t != VR_MODEL_HESTON && t != VR_MODEL_BATES && t != VR_MODEL_SVCJ)
        return vr_fail(err, VR_EINVAL, "vix: model type must be heston, bates or svcj (got %d)",
                       (int)t);
    if (p == NULL)
        return vr_fail(err, VR_EINVAL, "vix: parameter set must not be NULL");
    vr_status st = vr_sv_params_validate(t, p, "vix.params", NULL, err);
    if (st != VR_OK)
        return st;
    if (!(v >= 0 && v <= 25))
        return vr_fail(err, VR_EINVAL, "vix: variance v must be in [0, 25] (got %g)", v);
    if (!(T > 0 && T <= 10))
        return vr_fail(err, VR_EINVAL, "vix: expiry T must be in (0, 10] years (got %g)", T);
    return VR_OK;
}

vr_status vr_vix_future(vr_model_type t, const vr_sv_params *p, double v, double T, double *fut,
                        vr_err *err)
{
    vr_status st = check_args(t, p, v, T, err);
    if (st != VR_OK)
        return st;
    if (fut == NULL)
        return vr_fail(err, VR_EINVAL, "vix: output pointer fut must not be NULL");
    const vr_vix_coef cf = vr_vix_coef_make(t, p, VR_VIX_TAU_30D);
    vix_law L;
    law_init(&L, t, p, v, T);
    quad_state qs = {0, QUAD_MAX_EVALS_DIRECT, 0, 0, 0, 0.0};
    const double r = 100.0 * law_sqrt_mean(&L, cf.a, cf.b, &qs);
    if (qs.failed || !isfinite(r))
        return vr_fail(err, VR_ENUM,
                       "vix: %s future (kappa=%g theta=%g sigma=%g lambda=%g mu_v=%g v=%g T=%g): "
                       "the integral of E[sqrt(a + b v_T)] did not converge%s",
                       vr_model_type_name(t), p->kappa, p->theta, p->sigma, p->lambda, p->mu_v, v,
                       T, qs.capped ? " within " VR_STR(QUAD_MAX_EVALS_DIRECT) " evaluations" : "");
    *fut = r;
    return VR_OK;
}

/* When the COS series cannot hold the law to the direct pricer's accuracy: the subtracted Gamma
 * mixture has weights far from a probability mixture's (their cancellation leaves ~1e-16 times
 * their size, times the series' sum, in every value), or the series stops at COS_NMAX with its
 * terms 100 times above the cut. The tests' sets and the shipped models at the `model` command's
 * expiries stay below both (weights summing to at most 6 in absolute value, last terms at most
 * 15 times the cut); svcj_cal_rn passes 100 from T = 0.3. Measured by E[VIX] from the survival function against the real-axis future:
 * the series is off by 4e-10 at weights 350 (svcj_cal_rn, 6 months), 3e-9 at 1,140 (1 year), 2e-8
 * at 1,300 (sigma = 2) and 1e-3 at 10^6 (sigma = 10); the contour by 1e-13 in all of them. */
#define COS_WABS_MAX 100.0
#define COS_TAIL_MAX 100.0
static int cos_unreliable(const cos_cdf *C, double cut)
{
    if (C->wabs > COS_WABS_MAX)
        return 1;
    for (int i = 0; i < C->nparts; i++)
        if (C->part[i].tail > COS_TAIL_MAX * cut)
            return 1;
    return 0;
}

/* Integrand evaluations of the contour path's integral: each is TALBOT_N / 2 evaluations of L
 * (~0.5 us each); the sigma = 10 VVIX strips take < 2,000 per option. */
#define QUAD_MAX_EVALS_CONTOUR 200000

vr_status vr_vix_option_work(vr_model_type t, const vr_sv_params *p, double v, double T,
                             double strike, double rate, int is_call, double *price,
                             vr_vix_work *work, vr_err *err)
{
    if (work != NULL)
        *work = (vr_vix_work){0, 0, VR_VIX_METHOD_COS};
    vr_status st = check_args(t, p, v, T, err);
    if (st != VR_OK)
        return st;
    if (!(strike > 0 && strike <= 1e4))
        return vr_fail(err, VR_EINVAL, "vix: strike must be in (0, 10000] index points (got %g)",
                       strike);
    if (!(rate >= -1 && rate <= 1))
        return vr_fail(err, VR_EINVAL, "vix: rate must be in [-1, 1] (got %g)", rate);
    if (price == NULL)
        return vr_fail(err, VR_EINVAL, "vix: output pointer price must not be NULL");
    const vr_vix_coef cf = vr_vix_coef_make(t, p, VR_VIX_TAU_30D);
    vix_law L;
    law_init(&L, t, p, v, T);
    quad_state qs = {0, QUAD_MAX_EVALS_DIRECT, 0, 0, 0, 0.0};
    const double fut = 100.0 * law_sqrt_mean(&L, cf.a, cf.b, &qs);
    double *buf = malloc(2 * COS_NMAX * sizeof *buf);
    if (buf == NULL)
        return vr_fail(err, VR_ENOMEM, "vix: 2 x %d-term series buffer", COS_NMAX);
    cos_cdf C;
    const int have = cos_init(&C, &L, buf, COS_NMAX, 1e-13);
    const int contour = have && cos_unreliable(&C, 1e-13);
    int64_t cf_evals = 0;
    double call, dev = 0.0;
    /* absolute tolerance 1e-10 of the future on the integral, against the pessimistic |K15 - G7|
     * estimate (the K15 error is far smaller): ~1e-9 index points */
    if (contour) {
        qs.budget = QUAD_MAX_EVALS_CONTOUR;
        call = law_call_talbot(&L, cf.a, cf.b, fut, strike, 1e-10 * fut, &qs, &cf_evals, &dev);
        if (work != NULL)
            work->method = VR_VIX_METHOD_CONTOUR;
    } else {
        call = law_call(&L, &C, have, cf.a, cf.b, fut, strike, 1e-10 * fut, &qs);
        if (work != NULL && !have)
            work->method = VR_VIX_METHOD_GAUSS;
    }
    free(buf);
    if (work != NULL) {
        work->quad_evals = qs.evals;
        work->cf_evals = cf_evals;
    }
    /* the contour's own check: its value with 8 fewer nodes moved the price by more than 1e-8 of
     * the future (a law the contour does not resolve either) */
    if (contour && !qs.failed && isfinite(fut) && !(dev <= 1e-8 * fut))
        return vr_fail(err, VR_ENUM,
                       "vix: %s %s (kappa=%g theta=%g sigma=%g lambda=%g mu_v=%g v=%g T=%g K=%g): "
                       "the Fourier-cosine series cannot hold this law and its Laplace inversion is "
                       "accurate only to %.2g index points (needed: %.2g)",
                       vr_model_type_name(t), is_call ? "call" : "put", p->kappa, p->theta,
                       p->sigma, p->lambda, p->mu_v, v, T, strike, dev, 1e-8 * fut);
    /* the put uses the future too: both must be finite, or the request fails with its case */
    if (qs.failed || !isfinite(call) || !isfinite(fut))
        return vr_fail(err, VR_ENUM,
                       "vix: %s %s (kappa=%g theta=%g sigma=%g lambda=%g mu_v=%g v=%g T=%g K=%g): "
                       "the %s integral did not converge%s%s",
                       vr_model_type_name(t), is_call ? "call" : "put", p->kappa, p->theta,
                       p->sigma, p->lambda, p->mu_v, v, T, strike,
                       isfinite(fut) ? "option" : "future",
                       !qs.capped ? ""
                       : contour ? " within " VR_STR(QUAD_MAX_EVALS_CONTOUR) " evaluations of the "
                                   "Laplace inversion"
                                 : " within " VR_STR(QUAD_MAX_EVALS_DIRECT) " evaluations",
                       qs.capped ? " (each integral's budget)" : "");
    const double disc = exp(-rate * T);
    const double c = call > 0 ? call : 0.0;
    if (is_call) {
        *price = disc * c;
    } else {
        const double put = c - (fut - strike);
        *price = disc * (put > 0 ? put : 0.0);
    }
    return VR_OK;
}

vr_status vr_vix_option(vr_model_type t, const vr_sv_params *p, double v, double T, double strike,
                        double rate, int is_call, double *price, vr_err *err)
{
    return vr_vix_option_work(t, p, v, T, strike, rate, is_call, price, NULL, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Table                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Grid sizes, chosen by measuring the interpolation error against the direct pricer (see the
 * table tests): with cubic interpolation in all three axes the error is dominated by the
 * short-expiry corner, where C/F as a function of log-moneyness has curvature ~ 1/(vol sqrt T).
 * The moneyness nodes are uniform in vk_vix_mmap(ln m) (m_map 1, VK_VIX_MMAP_B/_IC): 4
 * times as dense at the money as in the wings, within about 0.1 of ln m = 0. With 48 nodes
 * uniform in ln m (0.038 apart) the at-the-money calls of 1-5 trading days at high variance were
 * up to 18 tolerances (max(0.5% of price, 0.005)) too high for the main job's pricing set at
 * v = 1 and one day; 96 uniform nodes left 3.7; these 64 mapped ones leave 0.2 there (0.0095
 * apart at the money, 0.038 in the wings as before; docs/numerics.md, test_table_short_high_var). */
/* x nodes up to spec.v_max; spec.v_cover adds nodes at the same spacing, up to TAB_NX_MAX in all:
 * node i sits at sqrt(x - x0) = i / inv_hx, so the last needed is 27 sqrt((x_c - x0) / (x_m - x0)),
 * x = sqrt(a + b v), at most 27 x 5 = 135 for v_max >= 1 and v_cover <= 25 (the ratio tends to 25
 * where a dwarfs b v, a fast-reverting set: 76 nodes at kappa 100; 51 for the main job's set at
 * VIX 200) */
#define TAB_NX 28
#define TAB_NX_MAX 140
#define TAB_NT 20     /* T nodes over [tau_min, t_top] (or tau_max) */
#define TAB_NT_MAX 64 /* with spec.t_top, continued past tau_max: 54 at a year with t_top 60 days */
#define TAB_NM 64
#define TAB_MB VK_VIX_MMAP_B
#define TAB_MIC VK_VIX_MMAP_IC
#define TAB_NMAX 512 /* COS terms per node; only v ~ 0 with Feller violated needs more */

struct vr_vix_table {
    vr_model_type type;
    vr_sv_params p;
    vr_vix_table_spec spec;
    double a, b;          /* VIX coefficients: x = sqrt(a + b v) */
    double x0, inv_hx;    /* x axis: x_i = x0 + (i / inv_hx)^2 (nodes uniform in sqrt(x - x0)) */
    double s0, inv_hs;    /* sqrt(T) axis */
    double l0, inv_hl;    /* moneyness axis: nodes uniform in vk_vix_mmap(ln(K/F)) */
    double node_m[TAB_NM]; /* K/F at the moneyness nodes: exp(node_l), the same for every row */
    double m_min;         /* K/F below which the call is extended with slope -discount */
    int nx;               /* x nodes: TAB_NX, more when spec.v_cover reaches past v_max */
    int nt;               /* T nodes: TAB_NT, more when spec.t_top is below tau_max */
    double *fut;          /* [nx][nt]: future, index points */
    double *call;         /* [nx][nt][TAB_NM]: discounted call / future */
    double disc[TAB_NT_MAX]; /* e^{-r T_j} */
    vk_vixtab view;       /* the kernels' view of the above (vr_vix_table_kernel_view) */
};

int vr_vix_grid_nodes(double a, double b, double v_max, double v_cover, int n, int n_max)
{
    if (!(v_cover > v_max))
        return n;
    const double x0 = sqrt(a), inv_hx = (n - 1) / sqrt(sqrt(a + b * v_max) - x0);
    const double pos = sqrt(sqrt(a + b * v_cover) - x0) * inv_hx; /* the cover's position on the axis */
    const int need = pos < n_max - 1 ? (int)ceil(pos) + 1 : n_max;
    return need > n ? need : n;
}

int vr_vix_t_nodes(double tau_min, double t_top, double tau_max, int n)
{
    if (!(t_top > 0))
        return n;
    const double s0 = sqrt(tau_min), inv_hs = (n - 1) / (sqrt(t_top) - s0);
    /* the extent's position on the axis; the 4-point stencil of a lookup at position pos starts
     * at node min(max(floor(pos), 1), n - 3) - 1 (vk_vixtab.h): with nodes to floor(pos) + 2 it
     * is never moved inward below the extent */
    const double pos = (sqrt(fmax(tau_max, t_top)) - s0) * inv_hs;
    const double need = floor(pos + 1e-9) + 3;
    return need > 1e6 ? 1000000 : need > n ? (int)need : n;
}

vr_status vr_vix_table_spec_check(const vr_vix_table_spec *s, vr_err *err)
{
    if (s == NULL)
        return vr_fail(err, VR_EINVAL, "vix table: spec must not be NULL");
    if (!(s->v_max > 0 && s->v_max <= 25))
        return vr_fail(err, VR_EINVAL, "vix table: spec.v_max must be in (0, 25] (got %g)",
                       s->v_max);
    if (!(s->v_cover >= 0 && s->v_cover <= 25))
        return vr_fail(err, VR_EINVAL, "vix table: spec.v_cover must be in [0, 25] (got %g)",
                       s->v_cover);
    if (!(s->tau_min > 0 && s->tau_min <= 10))
        return vr_fail(err, VR_EINVAL, "vix table: spec.tau_min must be in (0, 10] years (got %g)",
                       s->tau_min);
    if (!(s->tau_max > s->tau_min && s->tau_max <= 10))
        return vr_fail(err, VR_EINVAL,
                       "vix table: spec.tau_max must be in (tau_min = %g, 10] years (got %g)",
                       s->tau_min, s->tau_max);
    if (!(s->t_top == 0 || (s->t_top > s->tau_min && s->t_top <= s->tau_max)))
        return vr_fail(err, VR_EINVAL,
                       "vix table: spec.t_top must be 0 or in (tau_min = %g, tau_max = %g] years (got %g)",
                       s->tau_min, s->tau_max, s->t_top);
    if (vr_vix_t_nodes(s->tau_min, s->t_top, s->tau_max, TAB_NT) > TAB_NT_MAX)
        return vr_fail(err, VR_EINVAL,
                       "vix table: spec.t_top %g years is too short for tau_max %g: the axis would "
                       "take more than %d nodes", s->t_top, s->tau_max, TAB_NT_MAX);
    if (!(s->m_min > 0 && s->m_min < 1))
        return vr_fail(err, VR_EINVAL, "vix table: spec.m_min must be in (0, 1) (got %g)",
                       s->m_min);
    if (!(s->m_max > 1 && s->m_max <= 20))
        return vr_fail(err, VR_EINVAL, "vix table: spec.m_max must be in (1, 20] (got %g)",
                       s->m_max);
    if (!(s->rate >= -1 && s->rate <= 1))
        return vr_fail(err, VR_EINVAL, "vix table: spec.rate must be in [-1, 1] (got %g)", s->rate);
    return VR_OK;
}

/* ln(K/F) of moneyness node im (taken once per table: tab->node_m) */
static double node_l(const vr_vix_table *tab, int im)
{
    return vk_vix_mmap_inv(TAB_MB, TAB_MIC, tab->l0 + im / tab->inv_hl);
}

static double node_x(const vr_vix_table *tab, int ix)
{
    const double y = ix / tab->inv_hx;
    return tab->x0 + y * y;
}

/* One node's prices from the distribution function dist (COS series or contour, context ctx) over
 * [ulo, uhi] in u = VIX/100: calls downward from the top, puts upward from the bottom. The
 * strikes are visited in order so that each price is the previous one plus the integral over one
 * strike interval, i.e. one pass over the distribution. */
static void table_row(const vr_vix_table *tab, double fut, integrand_fn sf, integrand_fn cdf, const void *ctx,
                      double ulo, double uhi, double tol, double *row, quad_state *qs)
{
    double k[TAB_NM];
    int first_call = TAB_NM;
    for (int im = 0; im < TAB_NM; im++) {
        k[im] = 0.01 * fut * tab->node_m[im];
        if (first_call == TAB_NM && k[im] >= 0.01 * fut)
            first_call = im;
    }
    /* calls: S integrated from k down to k[first_call] */
    double acc = 0.0, top = uhi;
    for (int im = TAB_NM - 1; im >= first_call; im--) {
        const double lo = k[im] > ulo ? k[im] : ulo;
        if (lo < top) {
            acc += quad(sf, ctx, lo, top, tol / 100.0, qs);
            top = lo;
        }
        row[im] = 100.0 * (acc + (k[im] < ulo ? ulo - k[im] : 0.0)) / fut;
    }
    /* puts: F integrated from ulo up to k */
    acc = 0.0;
    double bot = ulo;
    for (int im = 0; im < first_call; im++) {
        const double hi = k[im] < uhi ? k[im] : uhi;
        if (hi > bot) {
            acc += quad(cdf, ctx, bot, hi, tol / 100.0, qs);
            bot = hi;
        }
        const double put = acc + (k[im] > uhi ? k[im] - uhi : 0.0);
        row[im] = (100.0 * put + fut - 100.0 * k[im]) / fut;
    }
}

/* Fill one (v, T) node: the future and C/F at all moneyness nodes. Returns 0, or 1 when the node
 * took the contour and its inversion was accurate only to more than the node's tolerance (*dev,
 * index points: the build then fails). */
static int table_node(vr_vix_table *tab, int ix, int it, double *buf, quad_state *qs, double *dev)
{
    const double x = node_x(tab, ix);
    const double sq = tab->s0 + it / tab->inv_hs;
    const double T = sq * sq;
    double v = (x * x - tab->a) / tab->b;
    if (v < 0)
        v = 0;
    vix_law L;
    law_init(&L, tab->type, &tab->p, v, T);
    const double fut = 100.0 * law_sqrt_mean(&L, tab->a, tab->b, qs);
    tab->fut[ix * tab->nt + it] = fut;
    cos_cdf C;
    /* series cut at |phi|/k^2 < 1e-9: price errors ~1e-9 F, far below the interpolation's */
    const int have = cos_init(&C, &L, buf, TAB_NMAX, 1e-9);
    double *row = tab->call + ((size_t)ix * tab->nt + it) * TAB_NM;
    const double tol = 1e-8 * fut; /* index points; the interpolation error is ~1e-4 F */
    int bad = 0;
    if (!have) {
        for (int im = 0; im < TAB_NM; im++) {
            const double K = fut * tab->node_m[im];
            row[im] = law_call(&L, &C, 0, tab->a, tab->b, fut, K, tol, qs) / fut;
        }
    } else if (cos_unreliable(&C, 1e-9)) {
        /* the series' cancellation noise (cos_unreliable) reached 1.7 times the table's
         * tolerance at the nodes themselves for svcj with sigma 6 and 13 times with sigma 9
         * (theta 0.03, v 0, half a year), silently, and made the build fail at sigma 10: such
         * nodes invert the distribution on the contour, as the direct pricer does */
        cos_part R;
        part_range(&R, &L);
        talbot_ctx c = {&L, tab->a, tab->b, R.lo, 0.0, 0};
        const double ulo = sqrt(tab->a + tab->b * R.lo), uhi = sqrt(tab->a + tab->b * R.hi);
        table_row(tab, fut, talbot_sf_u, talbot_cdf_u, &c, ulo, uhi, tol, row, qs);
        *dev = 100.0 * c.dev * (uhi - ulo);
        bad = !(*dev <= tol);
    } else {
        opt_ctx c = {&C, tab->a, tab->b};
        double ylo, yhi;
        cos_bounds(&C, &ylo, &yhi);
        table_row(tab, fut, sf_u, cdf_u, &c, sqrt(tab->a + tab->b * ylo), sqrt(tab->a + tab->b * yhi), tol,
                  row, qs);
    }
    for (int im = 0; im < TAB_NM; im++)
        row[im] = tab->disc[it] * (row[im] > 0 ? row[im] : 0.0);
    return bad;
}

vr_status vr_vix_table_build(vr_model_type t, const vr_sv_params *p, const vr_vix_table_spec *spec,
                             vr_vix_table **out, vr_err *err)
{
    vr_status st = check_args(t, p, 0.0, 1.0, err);
    if (st != VR_OK)
        return st;
    if ((st = vr_vix_table_spec_check(spec, err)) != VR_OK)
        return st;
    if (out == NULL)
        return vr_fail(err, VR_EINVAL, "vix table: output pointer must not be NULL");
    double *buf = NULL;
    vr_vix_table *tab = calloc(1, sizeof *tab);
    if (tab == NULL) {
        st = vr_fail(err, VR_ENOMEM, "vix table: header");
        goto done;
    }
    tab->type = t;
    tab->p = *p;
    tab->spec = *spec;
    const vr_vix_coef cf = vr_vix_coef_make(t, p, VR_VIX_TAU_30D);
    tab->a = cf.a;
    tab->b = cf.b;
    tab->x0 = sqrt(cf.a);
    /* nodes uniform in sqrt(x - x0): dense at the floor (vk_vixtab.h, x_map), TAB_NX of them up to
     * v_max; a cover beyond it adds nodes at the same spacing until the last is at or past it, so
     * the nodes below v_max (and their prices) are those of the default grid */
    tab->inv_hx = (TAB_NX - 1) / sqrt(sqrt(cf.a + cf.b * spec->v_max) - tab->x0);
    const int nx = tab->nx = vr_vix_grid_nodes(cf.a, cf.b, spec->v_max, spec->v_cover, TAB_NX, TAB_NX_MAX);
    /* T nodes uniform in sqrt(T): TAB_NT of them up to tau_max, or with a t_top at the spacing
     * of TAB_NT up to t_top, two past tau_max (vr_vix_t_nodes; vr_vix_table_spec) */
    tab->s0 = sqrt(spec->tau_min);
    tab->inv_hs = (TAB_NT - 1) / (sqrt(spec->t_top > 0 ? spec->t_top : spec->tau_max) - tab->s0);
    const int nt = tab->nt = vr_vix_t_nodes(spec->tau_min, spec->t_top, spec->tau_max, TAB_NT);
    /* (<= TAB_NT_MAX: vr_vix_table_spec_check) */
    tab->fut = malloc(sizeof(double) * nx * nt);
    tab->call = malloc(sizeof(double) * nx * nt * TAB_NM);
    buf = malloc(2 * sizeof(double) * TAB_NMAX);
    if (tab->fut == NULL || tab->call == NULL || buf == NULL) {
        st = vr_fail(err, VR_ENOMEM, "vix table: %d x %d x %d grid", nx, nt, TAB_NM);
        goto done;
    }
    tab->l0 = vk_vix_mmap(TAB_MB, TAB_MIC, log(spec->m_min));
    tab->inv_hl = (TAB_NM - 1) / (vk_vix_mmap(TAB_MB, TAB_MIC, log(spec->m_max)) - tab->l0);
    tab->m_min = spec->m_min;
    /* the map's inverse (a few Newton steps) once per node, not once per node and row */
    for (int im = 0; im < TAB_NM; im++)
        tab->node_m[im] = exp(node_l(tab, im));
    for (int it = 0; it < nt; it++) {
        const double sq = tab->s0 + it / tab->inv_hs;
        tab->disc[it] = exp(-spec->rate * sq * sq);
    }
    quad_state qs = {0, QUAD_MAX_EVALS, 0, 0, 0, 0.0};
    for (int ix = 0; ix < nx; ix++)
        for (int it = 0; it < nt; it++) {
            double dev = 0.0;
            if (table_node(tab, ix, it, buf, &qs, &dev)) {
                const double x = node_x(tab, ix), sq = tab->s0 + it / tab->inv_hs;
                st = vr_fail(err, VR_ENUM,
                             "vix table: %s (kappa=%g theta=%g sigma=%g lambda=%g mu_v=%g): at the node VIX %g, "
                             "T=%g the Fourier-cosine series cannot hold the law and its Laplace inversion is "
                             "accurate only to %.3g index points (needed: %.3g)",
                             vr_model_type_name(tab->type), tab->p.kappa, tab->p.theta, tab->p.sigma,
                             tab->p.lambda, tab->p.mu_v, 100 * x, sq * sq, dev,
                             1e-8 * tab->fut[ix * nt + it]);
                goto done;
            }
            if (qs.capped) { /* (panels merely left at the depth limit are the table's tolerance) */
                const double x = node_x(tab, ix), sq = tab->s0 + it / tab->inv_hs;
                st = vr_fail(err, VR_ENUM,
                             "vix table: %s (kappa=%g theta=%g sigma=%g lambda=%g mu_v=%g): the integrals "
                             "of the node VIX %g, T=%g did not converge within %d evaluations",
                             vr_model_type_name(tab->type), tab->p.kappa, tab->p.theta, tab->p.sigma,
                             tab->p.lambda, tab->p.mu_v, 100 * x, sq * sq, QUAD_MAX_EVALS);
                goto done;
            }
        }
    for (size_t i = 0; i < (size_t)nx * nt * TAB_NM; i++) {
        if (!isfinite(tab->call[i])) {
            st = vr_fail(err, VR_ENUM, "vix table: non-finite price at node %zu", i);
            goto done;
        }
    }
    tab->view = (vk_vixtab){.fut = tab->fut,
                            .call = tab->call,
                            .disc = tab->disc,
                            .a = tab->a,
                            .b = tab->b,
                            .x0 = tab->x0,
                            .inv_hx = tab->inv_hx,
                            .s0 = tab->s0,
                            .inv_hs = tab->inv_hs,
                            .l0 = tab->l0,
                            .inv_hl = tab->inv_hl,
                            .m_min = tab->m_min,
                            .rate = spec->rate,
                            .n_x = nx,
                            .n_t = nt,
                            .n_m = TAB_NM,
                            .x_map = 1,
                            .m_map = 1,
                            .m_b = TAB_MB,
                            .m_ic = TAB_MIC};
    *out = tab;
    tab = NULL;
done:
    free(buf);
    vr_vix_table_destroy(tab);
    return st;
}

void vr_vix_table_destroy(vr_vix_table *tab)
{
    if (tab == NULL)
        return;
    free(tab->fut);
    free(tab->call);
    free(tab);
}

/* Lookups: the scalar reference kernel (kernels/ref/vixtab_ref.c) is the single implementation
 * of the interpolation; the SIMD kernels reproduce it bit for bit. */
double vr_vix_table_future(const vr_vix_table *tab, double v, double T)
{
    return vk_vix_future_ref(&tab->view, v, T);
}

double vr_vix_table_call(const vr_vix_table *tab, double v, double T, double strike)
{
    double c;
    vk_vix_call_d_ref(&tab->view, &v, &T, &strike, &c, 1);
    return c;
}

void vr_vix_table_call_n(const vr_vix_table *tab, const double *v, const double *T,
                         const double *strike, double *price, size_t n)
{
    vk_vix_call_d_ref(&tab->view, v, T, strike, price, n);
}

/* The plain-data view the lookup kernels (vk_vixtab.h) read: pointers into tab, valid as long as
 * tab lives. The kernels compute what vr_vix_table_call computes. */
const vk_vixtab *vr_vix_table_kernel_view(const vr_vix_table *tab)
{
    return tab ? &tab->view : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Table-store bytes (tables_io.h): the structure, then the futures and the calls. */

void vr_vix_table_save(const vr_vix_table *t, vr_blob *b)
{
    vr_vix_table c; /* (without its addresses: the loader makes its own; memcpy: padding too) */
    memcpy(&c, t, sizeof c);
    c.fut = c.call = NULL;
    c.view.fut = c.view.call = c.view.disc = NULL;
    vr_blob_put(b, &c, sizeof c);
    vr_blob_put(b, t->fut, sizeof(double) * t->nx * t->nt);
    vr_blob_put(b, t->call, sizeof(double) * t->nx * t->nt * TAB_NM);
}

vr_status vr_vix_table_load(vr_blob_in *r, vr_vix_table **out, vr_err *err)
{
    vr_vix_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return vr_fail(err, VR_ENOMEM, "vix table");
    const void *f, *c;
    if (!vr_blob_get(r, t, sizeof *t) || t->nx < TAB_NX || t->nx > TAB_NX_MAX || t->view.n_x != t->nx ||
        t->nt < TAB_NT || t->nt > TAB_NT_MAX || t->view.n_t != t->nt || t->view.n_m != TAB_NM ||
        (f = vr_blob_take(r, (size_t)t->nx * t->nt, sizeof(double))) == NULL ||
        (c = vr_blob_take(r, (size_t)t->nx * t->nt * TAB_NM, sizeof(double))) == NULL) {
        free(t);
        return vr_fail(err, VR_EINVAL, "vix table: the stored bytes do not hold a VIX table");
    }
    t->fut = malloc(sizeof(double) * t->nx * t->nt);
    t->call = malloc(sizeof(double) * t->nx * t->nt * TAB_NM);
    if (t->fut == NULL || t->call == NULL) {
        vr_vix_table_destroy(t);
        return vr_fail(err, VR_ENOMEM, "vix table");
    }
    memcpy(t->fut, f, sizeof(double) * t->nx * t->nt);
    memcpy(t->call, c, sizeof(double) * t->nx * t->nt * TAB_NM);
    t->view.fut = t->fut;
    t->view.call = t->call;
    t->view.disc = t->disc;
    *out = t;
    return VR_OK;
}
