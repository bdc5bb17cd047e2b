/* svcj2_law.c: the law of VIX_T under svcj2 prepared for many states at a few expiries (the
 * descriptor's vix_law_*; vr_svcj2.h). The pricing fit prices thousands of days per parameter
 * set, each with its own state; the direct future (svcj2_vix.c) solves its Riccati system again for
 * every state and every node of an adaptive rule, which made that fit take minutes per parameter
 * set. Here the state-independent part is solved once.
 *
 * With X_T = a + b_v v_T + b_m m_T (30-day coefficients) the Laplace transform is
 * L(s) = E[e^{-s X_T}] = exp(-s a + A(s,T) + B_v(s,T) v + B_m(s,T) m): (A, B_v, B_m) depend on s
 * and T only. For real s >= 0 the Riccati system of svcj2_cf.c is real (z = 0, B(0) = -s b) and
 * never explodes (B_v <= 0, so 1 - mu_v B_v >= 1). One Dormand-Prince 5(4) integration per node s
 * runs through every expiry in turn and records the solution there.
 *
 * With mu = E[X_T] (closed form, affine in the state) and e^{-s mu} as a control variate,
 *     E[sqrt X] = sqrt(mu) - 1/(2 sqrt(pi)) int_0^inf (L(s) - e^{-s mu}) s^{-3/2} ds,
 *     E[ln X]   = ln(mu)    - int_0^inf (L(s) - e^{-s mu}) s^{-1} ds
 * (from sqrt(x) = 1/(2 sqrt pi) int (1 - e^{-sx}) s^{-3/2} ds and Frullani's ln x = int (e^{-s} -
 * e^{-sx}) / s ds). The difference D(s) = L(s) - e^{-s mu} ~ s^2 Var(X)/2 at small s and vanishes
 * like e^{-s a} at large s, so in t = ln s both integrands decay exponentially at both ends and the
 * trapezoid rule on a fixed grid converges geometrically: D is analytic and bounded for Re s > 0,
 * i.e. in the strip |Im t| < pi/2, so the error is ~ e^{-pi^2/h} (Trefethen and Weideman 2014);
 * h = 1/3 gives ~1e-13. The grid runs over t in [-17, ln(40/a)]: below it D's share is < e^{-25}
 * of Var(X); above it L(s) <= e^{-40} (X >= a) and so is e^{-s mu}. The last node is checked.
 * E[ln VIX_T] gives VVIX as the continuous-strike Cboe variance, 100 sqrt((2/T)(ln F - E[ln VIX_T]))
 * (the log contract replicated by out-of-the-money options around the future F). */
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_model_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LAW_H (1.0 / 3.0)
#define LAW_TLO (-17.0)
#define LAW_TOL 1e-11
#define LAW_MAX_STEPS 400000

struct vr_vix_law {
    vr_svcj2_params p;
    vr_svcj2_vix_coef c;
    int ns, nT, capT;
    double *T;       /* [nT] expiries (years) */
    double *s;       /* [ns] nodes */
    double *w3;      /* [ns] h s^{-1/2} (the future's weights in t) */
    double *lin;     /* [capT * ns * 3] (A - s a, B_v, B_m) per expiry and node */
    double *mu;      /* [nT * 3] E[X_T] = mu0 + mu_v v + mu_m m, per expiry */
};

/* The real Riccati right-hand side at z = 0 (svcj2_cf.c's system). y = {A, B_v, B_m}. */
static void law_rhs(const vr_svcj2_params *p, const double y[3], double dy[3])
{
    const double bv = y[1], bm = y[2];
    double jt = 0.0;
    if (p->lambda0 > 0 || p->lambda1 > 0)
        jt = p->mu_v * bv / (1.0 - p->mu_v * bv); /* E[e^{B_v Z_v}] - 1, Z_v ~ Exp(mu_v) */
    dy[1] = -p->kappa_v * bv + 0.5 * p->sigma_v * p->sigma_v * bv * bv + p->lambda1 * jt;
    dy[2] = p->kappa_v * bv - p->kappa_m * bm + 0.5 * p->sigma_m * p->sigma_m * bm * bm;
    dy[0] = p->kappa_m * p->theta * bm + p->lambda0 * jt;
}

/* Dormand-Prince 5(4) with first-same-as-last, stopping exactly at each T[k] and storing the
 * solution there into out[k * 3 ..]. Error scale per component max(floor, |y|). 0 on success. */
static int law_solve(const vr_svcj2_params *p, const double *T, int nT, double bv0, double bm0,
                     double floor, double *out, size_t stride)
{
    static const double a21 = 1.0 / 5, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45,
                        a42 = -56.0 / 15, a43 = 32.0 / 9, a51 = 19372.0 / 6561,
                        a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729,
                        a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
                        a64 = 49.0 / 176, a65 = -5103.0 / 18656, b1 = 35.0 / 384,
                        b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
    static const double e1 = 35.0 / 384 - 5179.0 / 57600, e3 = 500.0 / 1113 - 7571.0 / 16695,
                        e4 = 125.0 / 192 - 393.0 / 640, e5 = -2187.0 / 6784 + 92097.0 / 339200,
                        e6 = 11.0 / 84 - 187.0 / 2100, e7 = -1.0 / 40;
    double y[3] = {0.0, bv0, bm0}, k1[3], k2[3], k3[3], k4[3], k5[3], k6[3], k7[3], yt[3], yn[3];
    law_rhs(p, y, k1);
    double scale = floor, rate = 0.0;
    for (int i = 0; i < 3; i++) {
        scale = fmax(scale, fabs(y[i]));
        rate = fmax(rate, fabs(k1[i]));
    }
    double t = 0.0, h = rate > 0 ? fmin(T[nT - 1], 1e-3 * scale / rate) : T[nT - 1];
    int k = 0;
    while (k < nT && T[k] <= 0) { /* an expiry at 0: the initial values */
        memcpy(out + (size_t)k * stride, y, sizeof y);
        k++;
    }
    for (int step = 0; k < nT; step++) {
        if (step >= LAW_MAX_STEPS)
            return -1;
        const double hp = h; /* the controller's step, kept across a step cut short at T[k] */
        int hit = 0;
        if (t + h >= T[k]) {
            h = T[k] - t;
            hit = 1;
        }
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * a21 * k1[i];
        law_rhs(p, yt, k2);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
        law_rhs(p, yt, k3);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
        law_rhs(p, yt, k4);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
        law_rhs(p, yt, k5);
        for (int i = 0; i < 3; i++)
            yt[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] +
                                a65 * k5[i]);
        law_rhs(p, yt, k6);
        for (int i = 0; i < 3; i++)
            yn[i] = y[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
        law_rhs(p, yn, k7);
        double err = 0.0;
        for (int i = 0; i < 3; i++) {
            const double e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] +
                                  e7 * k7[i]);
            err = fmax(err, fabs(e) / fmax(floor, fmax(fabs(y[i]), fabs(yn[i]))));
        }
        if (!isfinite(err) || !isfinite(yn[0]) || !isfinite(yn[1]) || !isfinite(yn[2]))
            return -1; /* the real system at s >= 0 stays finite: a failure is a bug or overflow */
        const double fac = err > 0 ? 0.9 * pow(LAW_TOL / err, 0.2) : 5.0;
        if (err <= LAW_TOL) {
            t = hit ? T[k] : t + h;
            memcpy(y, yn, sizeof y);
            memcpy(k1, k7, sizeof k1);
            if (hit) {
                while (k < nT && T[k] <= t) {
                    memcpy(out + (size_t)k * stride, y, sizeof y);
                    k++;
                }
                h = hp; /* the cut step says nothing about the next one */
                continue;
            }
        }
        h *= fmin(5.0, fmax(0.2, fac));
        if (!(h > 1e-15 * T[nT - 1]))
            return -1;
    }
    return 0;
}

vr_status vr_svcj2_law_build(const vr_svcj2_params *p, const double *T, int nT, vr_vix_law **law,
                             vr_err *err)
{
    if (!law)
        return vr_fail(err, VR_EINVAL, "svcj2 vix law: no output");
    if (nT < 1 || nT > VR_VIX_LAW_MAXT)
        return vr_fail(err, VR_EINVAL, "svcj2 vix law: %d expiries (need 1..%d)", nT,
                       VR_VIX_LAW_MAXT);
    for (int k = 0; k < nT; k++)
        if (!(T[k] > 0 && T[k] <= VR_SVCJ2_LAW_T_MAX) || (k > 0 && !(T[k] > T[k - 1])))
            return vr_fail(err, VR_EINVAL, "svcj2 vix law: expiries must ascend strictly in "
                           "(0, %g] years (T[%d] = %g)", VR_SVCJ2_LAW_T_MAX, k, T[k]);
    vr_status st = vr_svcj2_params_validate(p, "svcj2 vix law", NULL, err);
    if (st != VR_OK)
        return st;
    const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(p, VR_VIX_TAU_30D);
    /* upper end: L(s) <= e^{-s a} <= e^{-40}; a floor on a keeps the grid finite (checked below) */
    const double thi = log(40.0 / fmax(c.a, 1e-7));
    const int ns = (int)ceil((thi - LAW_TLO) / LAW_H) + 1;
    vr_vix_law *L = *law;
    if (!L || L->capT < nT || L->ns != ns) {
        vr_svcj2_law_free(L);
        *law = NULL;
        L = calloc(1, sizeof *L);
        if (!L)
            return vr_fail(err, VR_ENOMEM, "svcj2 vix law");
        L->ns = ns;
        L->capT = nT;
        L->T = malloc(sizeof(double) * (size_t)nT);
        L->s = malloc(sizeof(double) * (size_t)ns);
        L->w3 = malloc(sizeof(double) * (size_t)ns);
        L->lin = malloc(sizeof(double) * 3 * (size_t)nT * (size_t)ns);
        L->mu = malloc(sizeof(double) * 3 * (size_t)nT);
        if (!L->T || !L->s || !L->w3 || !L->lin || !L->mu) {
            vr_svcj2_law_free(L);
            return vr_fail(err, VR_ENOMEM, "svcj2 vix law: %d expiries x %d nodes", nT, ns);
        }
        *law = L;
    }
    L->p = *p;
    L->c = c;
    L->nT = nT;
    memcpy(L->T, T, sizeof(double) * (size_t)nT);
    for (int j = 0; j < ns; j++) {
        L->s[j] = exp(LAW_TLO + LAW_H * j);
        L->w3[j] = LAW_H / sqrt(L->s[j]);
    }
    for (int k = 0; k < nT; k++) {
        double e0v, e0m, e1v, e1m, e2v, e2m;
        vr_svcj2_moments(p, 0.0, 0.0, T[k], &e0v, &e0m);
        vr_svcj2_moments(p, 1.0, 0.0, T[k], &e1v, &e1m);
        vr_svcj2_moments(p, 0.0, 1.0, T[k], &e2v, &e2m);
        L->mu[3 * k] = c.a + c.b_v * e0v + c.b_m * e0m;
        L->mu[3 * k + 1] = c.b_v * (e1v - e0v) + c.b_m * (e1m - e0m);
        L->mu[3 * k + 2] = c.b_v * (e2v - e0v) + c.b_m * (e2m - e0m);
    }
    /* node j's solution at expiry k goes to lin[(k ns + j) 3 ..] */
    int bad = -1;
#pragma omp parallel for schedule(dynamic, 4) if (ns * nT > 2000)
    for (int j = 0; j < ns; j++) {
        const double s = L->s[j];
        const double floor = fmax(1e-300, 1e-2 * s * (c.a + c.b_v + c.b_m));
        if (law_solve(p, L->T, nT, -s * c.b_v, -s * c.b_m, floor, L->lin + 3 * (size_t)j,
                      3 * (size_t)ns) != 0) {
#pragma omp atomic write
            bad = j;
        }
    }
    if (bad >= 0)
        return vr_fail(err, VR_ENUM, "svcj2 vix law: the Laplace transform's ODE failed at s = %g "
                       "(T up to %g)", L->s[bad], T[nT - 1]);
    return VR_OK;
}

vr_status vr_svcj2_law_eval(const vr_vix_law *L, int k, const double *x, double *fut,
                            double *elog, vr_err *err)
{
    if (!L || k < 0 || k >= L->nT)
        return vr_fail(err, VR_EINVAL, "svcj2 vix law: expiry index %d of %d", k, L ? L->nT : 0);
    const double v = x[0], m = x[1];
    if (!(v >= 0 && v <= VR_SVCJ2_LAW_X_MAX) || !(m >= 0 && m <= VR_SVCJ2_LAW_X_MAX))
        return vr_fail(err, VR_EINVAL, "svcj2 vix law: state (v, m) must be in [0, %g]^2 (got %g, "
                       "%g)", VR_SVCJ2_LAW_X_MAX, v, m);
    const double mu = L->mu[3 * k] + L->mu[3 * k + 1] * v + L->mu[3 * k + 2] * m;
    const double *y = L->lin + (size_t)k * (size_t)L->ns * 3;
    double sf = 0.0, sl = 0.0, dlast = 0.0;
    for (int j = 0; j < L->ns; j++) {
        const double s = L->s[j];
        const double e = -s * L->c.a + y[3 * j] + y[3 * j + 1] * v + y[3 * j + 2] * m;
        const double d = exp(e) - exp(-s * mu);
        sf += d * L->w3[j];
        sl += d;
        dlast = d;
    }
    sl *= LAW_H;
    const double F = 100.0 * (sqrt(mu) - sf / (2.0 * sqrt(M_PI)));
    const double el = log(100.0) + 0.5 * (log(mu) - sl);
    if (!(mu > 0) || !isfinite(F) || !(F > 0) || !isfinite(el) || fabs(dlast) > 1e-14)
        return vr_fail(err, VR_ENUM, "svcj2 vix law (v=%g m=%g T=%g): E[X] %g, future %g, "
                       "E[ln VIX] %g, tail %g", v, m, L->T[k], mu, F, el, dlast);
    if (fut)
        *fut = F;
    if (elog)
        *elog = el;
    return VR_OK;
}

void vr_svcj2_law_free(vr_vix_law *L)
{
    if (!L)
        return;
    free(L->T);
    free(L->s);
    free(L->w3);
    free(L->lin);
    free(L->mu);
    free(L);
}
