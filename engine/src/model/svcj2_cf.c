/* svcj2_cf.c: the affine transform of the svcj2 model (Riccati ODEs solved numerically) and the
 * European SPX prices built on it (see vr_svcj2.h).
 *
 * The state-dependent intensity lambda1 v puts the non-polynomial jump term theta_J(z, B_v) into
 * the B_v equation, so unlike Heston/SVCJ there is no closed form: the system is integrated by
 * the embedded Dormand-Prince 5(4) pair (Dormand and Prince 1980) with error control per step.
 * B_v does not depend on B_m or A, and B_m, A are driven by it, so the three are integrated
 * together at the pace of the fastest. For large |u| the B_v equation is stiff near its fixed
 * point (eigenvalue ~ -sigma_v |u| sqrt(1 - rho^2)); the explicit pair then takes steps of about
 * 3/|eigenvalue|, i.e. O(T |u| sigma_v) steps: stable for every expiry, and cheap for the |u|
 * the Fourier integrals need (they stop where |cf| falls below the tolerance, at |u| ~ 40/sd).
 * Error: the local error per step is held below tol (mixed absolute/relative on each component,
 * scale max(floor, |y|), floor = 1 for the cf: an absolute error in the exponent is a relative
 * error of the transform); with tol = 1e-12 the tests measure the global error against the closed
 * forms of the SVCJ limit at ~1e-12 (docs/numerics.md).
 *
 * Prices go through the generic Fourier pricer of analytic.c (vr_fourier_european: Lewis 2001
 * contour with a Black-Scholes control variate, contour by the Andersen-Lake 2018 criterion,
 * Gil-Pelaez as the fallback): this file supplies only log E[e^{iuX_T}] from one Riccati solve,
 * the total variance and the strip of regularity (bisection on the existence of the real
 * solution at 2T). A COS pricer
 * (Fang and Oosterlee 2008) is the independent second method. */
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_analytic.h"
#include "uninstrumented.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------------------------------------------------------------------------------------------
 * Riccati system. */

typedef struct ric {
    const vr_svcj2_params *p;
    double complex z;
    double complex ez;    /* exp(z mu_s + z^2 sigma_s^2 / 2) */
    double complex comp;  /* 1 + z mbar: theta_J - comp is the compensated jump transform */
    double complex ezmc;  /* ez - comp, from expm1 */
    double complex zrhoj; /* z rho_j */
    double complex quad;  /* z (z - 1) / 2 */
    double complex rsz;   /* rho sigma_v z - kappa_v */
    int bad;              /* the jump transform left its domain */
    int kill;             /* no jumps: the transform on the paths without a jump (nojump) */
} ric;

/* num / den with the same bits as gcc's complex division (libgcc's __divdc3: Smith's method,
 * scaled at the ends of the range, NaNs recovered), without its call: the one division of the
 * Riccati right-hand side was a fifth of a solve's time. Where a scaling branch or a NaN
 * recovery could matter (any operand beyond 2^+-500, a subnormal ratio, a NaN result) it hands
 * over to the operator. Bit for bit against the operator on 2e7 random operands spanning
 * 2^+-100 with zeros (checked when written), and the golden hashes of every svcj2 run. That
 * holds as the engine is built, for baseline x86-64 (no FMA to contract a * ratio + b into);
 * clang's operator (compiler-rt, the sanitizer builds) scales differently and may differ from
 * this in the last bit, as it did from gcc's before. */
VR_UNINSTRUMENTED static inline double complex cmplx(double x, double y)
{
    double complex z; /* C11 6.2.5: a complex is an array of its two parts (CMPLX is gcc's) */
    ((double *)&z)[0] = x;
    ((double *)&z)[1] = y;
    return z;
}

VR_UNINSTRUMENTED static inline double complex cdiv(double complex num, double complex den)
{
    const double a = creal(num), b = cimag(num), c = creal(den), d = cimag(den);
    const double ac = fabs(c), ad = fabs(d), big = ac > ad ? ac : ad;
    if (big > 0x1p-500 && big < 0x1p500 && fabs(a) < 0x1p500 && fabs(b) < 0x1p500) {
        double x, y;
        if (ac < ad) {
            const double ratio = c / d, denom = c * ratio + d;
            x = (a * ratio + b) / denom;
            y = (b * ratio - a) / denom;
            if (fabs(ratio) > DBL_MIN && !(isnan(x) && isnan(y)))
                return cmplx(x, y);
        } else {
            const double ratio = d / c, denom = d * ratio + c;
            x = (b * ratio + a) / denom;
            y = (b - a * ratio) / denom;
            if (fabs(ratio) > DBL_MIN && !(isnan(x) && isnan(y)))
                return cmplx(x, y);
        }
    }
    return num / den;
}

VR_UNINSTRUMENTED static void ric_rhs(ric *r, const double complex y[3], double complex dy[3])
{
    const vr_svcj2_params *p = r->p;
    const double complex bv = y[1], bm = y[2];
    double complex jt = 0.0;
    if ((p->lambda0 > 0 || p->lambda1 > 0) && r->kill) {
        jt = -r->comp; /* a jump ends the path: theta_J replaced by 0, the compensator kept */
    } else if (p->lambda0 > 0 || p->lambda1 > 0) {
        const double complex den = 1.0 - p->mu_v * (bv + r->zrhoj);
        if (!(creal(den) > 0))
            r->bad = 1; /* E[e^{(B_v + z rho_j) Z_v}] infinite: moment explosion */
        /* theta_J - comp = (ez - comp + comp mu_v (B_v + z rho_j)) / den, with ez - comp
         * precomputed from expm1: no cancellation when both terms are small (z = 0, small B) */
        jt = cdiv(r->ezmc + r->comp * p->mu_v * (bv + r->zrhoj), den);
    }
    dy[1] = r->quad + r->rsz * bv + 0.5 * p->sigma_v * p->sigma_v * bv * bv + p->lambda1 * jt;
    dy[2] = p->kappa_v * bv - p->kappa_m * bm + 0.5 * p->sigma_m * p->sigma_m * bm * bm;
    dy[0] = p->kappa_m * p->theta * bm + p->lambda0 * jt;
}

/* Dormand-Prince 5(4) tableau. */
static const double a21 = 1.0 / 5;
static const double a31 = 3.0 / 40, a32 = 9.0 / 40;
static const double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
static const double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                    a54 = -212.0 / 729;
static const double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
                    a64 = 49.0 / 176, a65 = -5103.0 / 18656;
static const double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                    b6 = 11.0 / 84;
/* b - b* (fifth minus fourth order weights): the local error estimate */
static const double e1 = 35.0 / 384 - 5179.0 / 57600, e3 = 500.0 / 1113 - 7571.0 / 16695,
                    e4 = 125.0 / 192 - 393.0 / 640, e5 = -2187.0 / 6784 + 92097.0 / 339200,
                    e6 = 11.0 / 84 - 187.0 / 2100, e7 = -1.0 / 40;

#define RIC_MAX_STEPS 200000

VR_UNINSTRUMENTED static int finite3(const double complex y[3])
{
    for (int i = 0; i < 3; i++)
        if (!isfinite(creal(y[i])) || !isfinite(cimag(y[i])))
            return 0;
    return 1;
}

int vr_svcj2_riccati(const vr_svcj2_params *p, double T, double complex z, double complex w_v,
                     double complex w_m, double tol, double complex out[3])
{
    return vr_svcj2_riccati_scaled(p, T, z, w_v, w_m, tol, 1.0, out);
}

/* The solver and what it calls here are not instrumented in the sanitizer build
 * (uninstrumented.h): they were half of the svcj2 tests' time there, and work only on their own
 * three-element locals and the caller's out[3]. */
VR_UNINSTRUMENTED static int riccati(const vr_svcj2_params *p, double T, double complex z,
                                     double complex w_v, double complex w_m, double tol,
                                     double floor, int kill, double complex out[3]);

int vr_svcj2_riccati_scaled(const vr_svcj2_params *p, double T, double complex z,
                            double complex w_v, double complex w_m, double tol, double floor,
                            double complex out[3])
{
    return riccati(p, T, z, w_v, w_m, tol, floor, 0, out);
}

int vr_svcj2_riccati_nojump(const vr_svcj2_params *p, double T, double complex z,
                            double complex w_v, double complex w_m, double tol,
                            double complex out[3])
{
    return riccati(p, T, z, w_v, w_m, tol, 1.0, 1, out);
}

VR_UNINSTRUMENTED static int riccati(const vr_svcj2_params *p, double T, double complex z,
                                     double complex w_v, double complex w_m, double tol,
                                     double floor, int kill, double complex out[3])
{
    ric r = {.p = p, .z = z, .bad = 0, .kill = kill};
    r.ez = cexp(z * p->mu_s + 0.5 * z * z * p->sigma_s * p->sigma_s);
    r.comp = 1.0 + z * vr_svcj2_mbar(p);
    {
        /* e^x - 1 for complex x: (expm1(re) cos im - 2 sin^2(im/2)) + i e^re sin im */
        const double complex x = z * p->mu_s + 0.5 * z * z * p->sigma_s * p->sigma_s;
        const double re = creal(x), im = cimag(x), sh = sin(0.5 * im);
        const double complex em1 = (expm1(re) * cos(im) - 2.0 * sh * sh) + I * (exp(re) * sin(im));
        r.ezmc = em1 - z * vr_svcj2_mbar(p);
    }
    r.zrhoj = z * p->rho_j;
    r.quad = 0.5 * z * (z - 1.0);
    r.rsz = p->rho * p->sigma_v * z - p->kappa_v;
    double complex y[3] = {0.0, w_v, w_m}, k1[3], k2[3], k3[3], k4[3], k5[3], k6[3], k7[3], yt[3],
                   yn[3];
    if (!(T > 0))
        goto ok;
    ric_rhs(&r, y, k1);
    if (r.bad || !finite3(k1))
        return -1;
    /* first step: a change of 1e-3 of the solution's scale, then the controller takes over */
    /* |y_i|, carried from step to step: an accepted step's |yn_i| is the next step's |y_i| (the
     * same bits; cabs is a fifth of a solve's time) */
    double ay[3], scale = floor, rate = 0.0;
    for (int i = 0; i < 3; i++) {
        ay[i] = cabs(y[i]);
        scale = fmax(scale, ay[i]);
        rate = fmax(rate, cabs(k1[i]));
    }
    double h = rate > 0 ? fmin(T, 1e-3 * scale / rate) : T;
    double t = 0.0;
    for (int step = 0; step < RIC_MAX_STEPS; step++) {
        if (t + h > T)
            h = T - t;
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * a21 * k1[i];
        ric_rhs(&r, yt, k2);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
        ric_rhs(&r, yt, k3);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
        ric_rhs(&r, yt, k4);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
        ric_rhs(&r, yt, k5);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] +
                                a65 * k5[i]);
        ric_rhs(&r, yt, k6);
        for (int i = 0; i < 3; i++)
            yn[i] = y[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
        const int stage_bad = r.bad;
        r.bad = 0;
        ric_rhs(&r, yn, k7);
        double err = 0.0, ayn[3];
        for (int i = 0; i < 3; i++) {
            const double complex e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] +
                                          e6 * k6[i] + e7 * k7[i]);
            ayn[i] = cabs(yn[i]);
            const double sc = fmax(floor, fmax(ay[i], ayn[i]));
            err = fmax(err, cabs(e) / sc);
        }
        if (stage_bad || r.bad || !finite3(yn) || !isfinite(err)) {
            /* a stage stepped outside the domain: retry smaller; a genuine explosion ends in
             * h underflowing below the resolution of t */
            r.bad = 0;
            h *= 0.25;
            if (!(h > 1e-14 * T))
                return -1;
            continue;
        }
        if (err <= tol) {
            t += h;
            for (int i = 0; i < 3; i++) {
                y[i] = yn[i];
                ay[i] = ayn[i];
                k1[i] = k7[i]; /* first same as last */
            }
            if (t >= T)
                goto ok;
        }
        const double fac = err > 0 ? 0.9 * pow(tol / err, 0.2) : 5.0;
        h *= fmin(5.0, fmax(0.2, fac));
        if (!(h > 1e-14 * T))
            return -1;
    }
    return -1;
ok:
    out[0] = y[0];
    out[1] = y[1];
    out[2] = y[2];
    return 0;
}

#define CF_TOL 1e-12

double complex vr_svcj2_cf(const vr_svcj2_params *p, double v, double m, double T,
                           double complex u)
{
    double complex o[3];
    if (vr_svcj2_riccati(p, T, I * u, 0.0, 0.0, CF_TOL, o) != 0)
        return NAN + I * NAN;
    return cexp(o[0] + o[1] * v + o[2] * m);
}

/* E[e^{z X_T}] for complex z; 0 on failure flagged through *ok. */
static double complex mgf(const vr_svcj2_params *p, double v, double m, double T,
                          double complex z, int *ok)
{
    double complex o[3];
    if (vr_svcj2_riccati(p, T, z, 0.0, 0.0, CF_TOL, o) != 0) {
        *ok = 0;
        return 0.0;
    }
    return cexp(o[0] + o[1] * v + o[2] * m);
}

/* Total variance of X_T (diffusion plus jumps): sets the control variate and the u scale. */
static double total_variance(const vr_svcj2_params *p, double v, double m, double T)
{
    const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(p, T);
    const double cj = vr_svcj2_cj(p);
    const double c1 = 1.0 + 2.0 * p->lambda1 * cj;
    double iv = (c.a + c.b_v * v + c.b_m * m - 2.0 * p->lambda0 * cj) / c1; /* mean of v */
    if (!(iv > 0))
        iv = 0.0;
    const double mj = p->mu_s + p->rho_j * p->mu_v;
    const double ez2 = mj * mj + p->rho_j * p->rho_j * p->mu_v * p->mu_v + p->sigma_s * p->sigma_s;
    return T * (iv + (p->lambda0 + p->lambda1 * iv) * ez2);
}

/* ---------------------------------------------------------------------------------------------
 * The model as a characteristic function for vr_fourier_european (analytic.c): log E[e^{iuX_T}]
 * from one Riccati solve at z = iu, and the strip of regularity found from the real solution. */

typedef struct s2_cf {
    const vr_svcj2_params *p;
    double v, m, T;
    char desc[240];
} s2_cf;

static int s2_log_cf(void *ctx, double complex u, double complex *out)
{
    const s2_cf *c = ctx;
    double complex o[3];
    if (vr_svcj2_riccati(c->p, c->T, I * u, 0.0, 0.0, CF_TOL, o) != 0)
        return -1;
    *out = o[0] + o[1] * c->v + o[2] * c->m;
    return 0;
}

/* Does E[e^{alpha X_T}] exist for every state, i.e. does the real Riccati solution exist up to
 * T? (A loose tolerance: only existence is asked.) */
static int moment_exists(const vr_svcj2_params *p, double T, double alpha)
{
    double complex o[3];
    return vr_svcj2_riccati(p, T, alpha, 0.0, 0.0, 1e-9, o) == 0;
}

/* Edge of the strip of regularity at 2T (the margin vr_affine_cf_init takes too): the largest
 * alpha in [1, 65] (upper) or the smallest in [-64, 0] with a finite moment, by bisection to
 * 1/256. Moments in [0, 1] always exist (S and the put payoff are integrable); the pricer looks
 * no further than 64 beyond [0, 1]. The value returned is on the finite side of the edge. */
static double moment_edge(const vr_svcj2_params *p, double T2, int upper)
{
    double in = upper ? 1.0 : 0.0, out = upper ? 65.0 : -64.0;
    if (moment_exists(p, T2, out))
        return out;
    while (fabs(out - in) > 1.0 / 256) {
        const double mid = 0.5 * (in + out);
        if (moment_exists(p, T2, mid))
            in = mid;
        else
            out = mid;
    }
    return in;
}

static vr_status check_inputs(const vr_svcj2_params *p, double spot, double rate, double dividend,
                              double v, double m, double strike, double T, const char *who,
                              vr_err *err)
{
    if (!(spot > 0 && isfinite(spot)))
        return vr_fail(err, VR_EINVAL, "%s: spot must be finite and > 0 (got %g)", who, spot);
    if (!(strike > 0 && isfinite(strike)))
        return vr_fail(err, VR_EINVAL, "%s: strike must be finite and > 0 (got %g)", who, strike);
    if (!(T > 0 && T <= 30))
        return vr_fail(err, VR_EINVAL, "%s: expiry must be in (0, 30] years (got %g)", who, T);
    if (!(v >= 0 && v <= 4) || !(m >= 0 && m <= 4))
        return vr_fail(err, VR_EINVAL, "%s: state (v, m) must be in [0, 4]^2 (got %g, %g)", who,
                       v, m);
    if (!isfinite(rate) || !isfinite(dividend))
        return vr_fail(err, VR_EINVAL, "%s: rate and dividend must be finite (got %g, %g)", who,
                       rate, dividend);
    return vr_svcj2_params_validate(p, who, NULL, err);
}

vr_status vr_svcj2_european(const vr_svcj2_params *p, double spot, double rate, double dividend,
                            double v, double m, double strike, double T, int is_call,
                            double *price, vr_err *err)
{
    vr_status st = check_inputs(p, spot, rate, dividend, v, m, strike, T, "svcj2 price", err);
    if (st != VR_OK)
        return st;
    s2_cf c = {.p = p, .v = v, .m = m, .T = T};
    snprintf(c.desc, sizeof c.desc,
             "svcj2 (kappa_v=%g kappa_m=%g theta=%g sigma_v=%g sigma_m=%g rho=%g lambda0=%g "
             "lambda1=%g mu_v=%g mu_s=%g sigma_s=%g rho_j=%g v=%g m=%g)",
             p->kappa_v, p->kappa_m, p->theta, p->sigma_v, p->sigma_m, p->rho, p->lambda0,
             p->lambda1, p->mu_v, p->mu_s, p->sigma_s, p->rho_j, v, m);
    const vr_cf_spec spec = {.log_cf = s2_log_cf,
                             .ctx = &c,
                             .tau = T,
                             .variance = fmax(total_variance(p, v, m, T), 1e-16),
                             .alpha_min = moment_edge(p, 2.0 * T, 0),
                             .alpha_max = moment_edge(p, 2.0 * T, 1),
                             .desc = c.desc};
    return vr_fourier_european(&spec, spot, rate, dividend, strike, is_call, VR_FOURIER_AUTO,
                               price, NULL, err);
}

/* ---------------------------------------------------------------------------------------------
 * COS. In y = X_T - k = ln(S_T/K) on [a, b] the put pays K (1 - e^y)^+, whose cosine coefficients
 * are (2/(b-a)) K (psi_j(a, 0) - chi_j(a, 0)) (Fang and Oosterlee 2008, eqs. 22-23). */
vr_status vr_svcj2_european_cos(const vr_svcj2_params *p, double spot, double rate,
                                double dividend, double v, double m, double strike, double T,
                                int is_call, int n, double L, double *price, vr_err *err)
{
    vr_status st = check_inputs(p, spot, rate, dividend, v, m, strike, T, "svcj2 cos", err);
    if (st != VR_OK)
        return st;
    if (!(n >= 16 && n <= 1 << 16) || !(L >= 4 && L <= 40))
        return vr_fail(err, VR_EINVAL, "svcj2 cos: terms in [16, 65536] and L in [4, 40] (got %d, %g)",
                       n, L);
    const double df = exp(-rate * T), fwd = spot * exp((rate - dividend) * T);
    const double k = log(strike / fwd);
    /* cumulants of X_T from ln M at z = 0, +-h (central differences; h^2 c4 / 12 is negligible
     * against the range's L sqrt(c2)) */
    const double h = 1e-2;
    int ok = 1;
    const double lp = log(creal(mgf(p, v, m, T, h, &ok)));
    const double lm = log(creal(mgf(p, v, m, T, -h, &ok)));
    const double c1 = (lp - lm) / (2.0 * h), c2 = (lp + lm) / (h * h);
    if (!ok || !(c2 > 0) || !isfinite(c1))
        return vr_fail(err, VR_ENUM, "svcj2 cos: cumulants of ln S_T failed (T=%g v=%g m=%g)", T,
                       v, m);
    /* the range always contains the strike (with 0.1 to spare), so a < 0 < b */
    const double a = fmin(c1 - L * sqrt(c2), k - 0.1) - k, b = fmax(c1 + L * sqrt(c2), k + 0.1) - k;
    const double w = b - a;
    double sum = 0.0;
    for (int j = 0; j < n; j++) {
        const double om = j * M_PI / w;
        double psi, chi;
        {
            const double cd = cos(om * (0.0 - a)), sd = sin(om * (0.0 - a));
            const double ea = exp(a);
            chi = (cd * 1.0 - ea + om * sd * 1.0) / (1.0 + om * om); /* cos(0)=1, sin(0)=0 at c=a */
            psi = j == 0 ? -a : sd / om;
        }
        const double vj = 2.0 / w * strike * (psi - chi);
        const double complex ph = mgf(p, v, m, T, I * om, &ok) * cexp(-I * om * (k + a));
        if (!ok)
            return vr_fail(err, VR_ENUM, "svcj2 cos: Riccati solve failed at omega %g (T=%g)", om,
                           T);
        sum += (j == 0 ? 0.5 : 1.0) * creal(ph) * vj;
    }
    const double put = df * sum;
    *price = is_call ? put + spot * exp(-dividend * T) - strike * df : put;
    return VR_OK;
}
