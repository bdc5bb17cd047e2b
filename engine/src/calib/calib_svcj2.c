/* calib_svcj2.c: physical-parameter estimation of the two-factor model svcj2 (vr_svcj2.h) from
 * daily SPX, VIX and VIX3M closes (vr_calib_fit2 in vr_calib.h; docs/calibration.md).
 *
 * Filter. Under the pricing measure (VIX/100)^2 and (VIX3M/100)^2 are affine in (v, m) (the
 * model's vix_coef at 30 and 93 days), so each day's two closes give its two factors exactly
 * (ops->state_from_vix2). Days the model cannot reach (a factor would be negative) are re-solved
 * with the factor clamped (vr_term.h) and floored at VR_CALIB_V_FLOOR; they are counted.
 * With o->floored = VR_CALIB_FLOORED_DROP the fit leaves out every daily transition with such a
 * day at either end (the v regression, rho, the jump labels and sizes, the intensity and the
 * bootstrap's blocks all run on the rest) and every m_step-day transition of m whose window holds
 * one; the default keeps them (the fit before the option). A clamped state is no observation of
 * the model's state: a transition into or out of one reads the clamp as a move of v or m, and on
 * 2009-2026 these ruled the 1/m-weighted m block (docs/calibration.md).
 * The pricing parameters come from the caller (a calibrated or hand-set pricing set). There is no
 * "pricing = physical" fixed point as for the one-factor models: on 2009-2026 that iteration
 * drifts to kappa_m = kappa_v, where the two indices stop identifying two factors (the term
 * structure's slope is a pricing-measure quantity; docs/calibration.md).
 *
 * Likelihood. Gaussian quasi-maximum likelihood of the Euler transitions, one block at a time
 * (the blocks share no parameter, so the joint QML factorises):
 *   m:  m_{t+H} = theta (1 - phi) + phi m_t + e, phi = e^{-kappa_m H dt} (the CIR's exact
 *       conditional mean over H = m_step days, overlapping; least squares weighted by 1/m), and
 *       sigma_m from the residuals against the CIR's exact conditional variance (m has no jumps);
 *   v:  dv/sqrt(v) = kappa_v dt (m - v)/sqrt(v) + sigma_v sqrt(dt) e_v  (non-jump days);
 *   rho: corr of the standardised return and e_v on non-jump days;
 *   jump days: price jumps (|return| > K local sds, vr_calib_detect_jumps) or v co-jumps (e_v >
 *       K sds of an all-days fit), as svcj; on them Z_v = max(0, dv - kappa_v (m - v) dt), mu_v =
 *       mean Z_v, and (mu_s, rho_j, sigma_s) from the regression of the jump-day return on Z_v;
 *   every jump moves v (Z_v > 0), so the v rule sees every jump whose Z_v beats its threshold
 *       c_t = K sd sqrt(v_{t-1}): with an exponential Z_v that happens with probability
 *       exp(-c_t/mu_v), and Z_v - c_t on those days is again Exp(mu_v) (memorylessness), which
 *       gives mu_v free of the truncation;
 *   intensity: the Bernoulli likelihood of the v rule's labels, a thinned Poisson count,
 *       P(label on day t) = 1 - exp(-(lambda0 + lambda1 v_{t-1}) exp(-c_t/mu_v) dt), maximised by
 *       projected Newton with a backtracking line search over lambda0, lambda1 >= 0 (it is
 *       concave in them); no maximum inside the parameters' caps is an error.
 * Standard errors: the sandwich of each block (regressions: White; intensity: H^-1 S H^-1),
 * delta method for theta, fourth moments for the sigmas, and a moving-block bootstrap of the
 * transitions with states and labels held fixed. */
#include "vixrisk/vr_calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_term.h"

#include "calib_internal.h"

#define S2_NPAR 12

/* vr_calib_filter2, and bad[t] = 1 on the days outside the model's reach (bad may be NULL). */
static size_t filter2_mask(const vr_sv_params *pricing, const double *vix, const double *vix3m,
                           size_t n, double *v, double *m, uint8_t *bad)
{
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    const vr_vix_coef c30 = ops->vix_coef(pricing, VR_VIX_TAU_30D);
    const vr_vix_coef c93 = ops->vix_coef(pricing, VR_VIX_TAU_93D);
    size_t floored = 0;
    double x[VR_FACTORS_MAX] = {pricing->s2.theta, pricing->s2.theta};
    for (size_t t = 0; t < n; t++) {
        vr_err e = {0};
        int out = 0;
        if (ops->state_from_vix2(&c30, &c93, vix[t], vix3m[t], x, &e) != VR_OK) {
            vr_state_from_term_c(ops, &c30, &c93, vix[t], vix3m[t], x);
            out = 1;
        } else if (!(x[0] >= VR_CALIB_V_FLOOR && x[1] >= VR_CALIB_V_FLOOR)) {
            out = 1;
        }
        floored += (size_t)out;
        if (bad)
            bad[t] = (uint8_t)out;
        v[t] = x[0] >= VR_CALIB_V_FLOOR ? x[0] : VR_CALIB_V_FLOOR;
        m[t] = x[1] >= VR_CALIB_V_FLOOR ? x[1] : VR_CALIB_V_FLOOR;
        x[0] = v[t];
        x[1] = m[t];
    }
    return floored;
}

size_t vr_calib_filter2(const vr_sv_params *pricing, const double *vix, const double *vix3m,
                        size_t n, double *v, double *m)
{
    return filter2_mask(pricing, vix, vix3m, n, v, m, NULL);
}

typedef struct s2_data {
    double dt;
    size_t n;
    size_t m_step;           /* days per transition of m */
    const double *v, *m, *r; /* r[t] = ln S_t / S_{t-1} */
    const uint8_t *jump;     /* jump days (price or v rule): left out of the v regression */
    const uint8_t *vjump;    /* days the v rule flagged: the intensity's labels */
    const double *thr;       /* [n] the v rule's threshold on dv (K sds of its residual) */
    const size_t *nbad;      /* VR_CALIB_FLOORED_DROP: [n + 1] days outside the model's reach
                                before day t (an m transition whose window holds one is left
                                out); NULL: keep them */
} s2_data;

/* The m transition t0 -> t0 + h touches a day outside the model's reach (nbad: their running
 * count, [n + 1]). */
static int window_bad(const size_t *nbad, size_t t0, size_t h)
{
    return nbad[t0 + h + 1] != nbad[t0];
}

typedef struct s2_out {
    vr_svcj2_params p, se;
    double loglik;
    size_t n_jumps, n_vjumps; /* jump days; those the v rule labels */
    int few_jumps, at_floor; /* the jump sizes set by the rule for < 2 jump days; the spread floored */
    int few_vjumps;          /* the intensity set by the rule for < 2 v-rule days */
} s2_out;

/* The intensity's caps (the parameter table's ranges of lambda0 and lambda1). */
static const double s2_lcap[2] = {1000.0, 1e4};

/* Log-likelihood of the v rule's labels at l = (lambda0, lambda1), with its gradient g and
 * Hessian H (either may be NULL) and, if S is given, the outer products of the daily scores. Day
 * t's detected-jump rate is L = (l0 + l1 v_{t-1}) w_t per year, w_t = exp(-c_t/mu_v) the
 * probability that a jump's Z_v beats the threshold: L = l0 z0 + l1 z1, z = (w, w v). A day with a
 * label and L = 0 has likelihood 0 (-INFINITY). */
static double intensity_ll(const s2_data *d, const size_t *idx, size_t k, double mu_v,
                           const double *l, double *g, double H[2][2], double S[2][2])
{
    const double dt = d->dt;
    double ll = 0;
    if (g)
        g[0] = g[1] = 0;
    if (H)
        memset(H, 0, 4 * sizeof(double));
    if (S)
        memset(S, 0, 4 * sizeof(double));
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        const double w = mu_v > 0 ? exp(-d->thr[t] / mu_v) : 0.0;
        const double z[2] = {w, w * d->v[t - 1]};
        const double L = l[0] * z[0] + l[1] * z[1];
        double gl, hl; /* d/dL and d2/dL2 of the day's log-likelihood */
        if (d->vjump[t]) {
            const double e = exp(-L * dt), pr = -expm1(-L * dt);
            if (!(pr > 0))
                return -INFINITY;
            ll += log(pr);
            gl = dt * e / pr;
            hl = -dt * dt * e / (pr * pr);
        } else {
            ll -= L * dt;
            gl = -dt;
            hl = 0;
        }
        for (int a = 0; a < 2; a++) {
            if (g)
                g[a] += gl * z[a];
            for (int b = 0; b < 2; b++) {
                if (H)
                    H[a][b] += hl * z[a] * z[b];
                if (S)
                    S[a][b] += gl * gl * z[a] * z[b];
            }
        }
    }
    return ll;
}

/* Bernoulli likelihood of the v rule's labels with intensity l0 + l1 v (per year) thinned by the
 * detection probability: P(label on day t) = 1 - exp(-(l0 + l1 v_{t-1}) w_t dt). It is concave
 * in (l0, l1); projected Newton on l0, l1 >= 0 with a backtracking line search (a plain Newton
 * step can overshoot, and the iteration then cycled without converging). want_se: sandwich SEs of
 * the free coordinates (0 for one on its bound). Returns 0, or -1 when the likelihood has no
 * maximum inside the parameters' ranges (it still rises at a cap: too few detected jumps for the
 * detection probability, e.g. one v-rule day with a tiny mu_v) or the iteration does not settle. */
static int fit_intensity(const s2_data *d, const size_t *idx, size_t k, double mu_v,
                         int want_se, vr_svcj2_params *p, vr_svcj2_params *se)
{
    const double dt = d->dt;
    double nj = 0, sv = 0, sw = 0;
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        nj += d->vjump[t];
        sv += d->v[t - 1];
        sw += mu_v > 0 ? exp(-d->thr[t] / mu_v) : 0.0;
    }
    p->lambda0 = p->lambda1 = 0;
    /* (an intensity at its bound 0, or a singular information matrix, has no sandwich error: n/a,
     * as a parameter held at its floor, not an error of 0) */
    if (se)
        se->lambda0 = se->lambda1 = NAN;
    if (nj == 0)
        return 0;
    if (!(sw > 0))
        return -1; /* labels, but no jump could have been detected */
    /* start: half the detected count from each term, corrected for the mean detection share */
    const double share = sw / (double)k;
    double l[2] = {fmin(0.5 * nj / ((double)k * dt) / share, 0.5 * s2_lcap[0]),
                   fmin(0.5 * nj / (sv * dt) / share, 0.5 * s2_lcap[1])};
    int converged = 0;
    double H[2][2], g[2];
    double f = intensity_ll(d, idx, k, mu_v, l, g, H, NULL);
    if (!isfinite(f))
        return -1;
    const double tol = 1e-8 * (1 + nj);
    for (int it = 0; it < 200; it++) {
        /* optimal when no coordinate can still gain: |g| l small where free, g <= 0 at 0 */
        converged = 1;
        for (int a = 0; a < 2; a++)
            if (l[a] > 0 ? fabs(g[a]) * l[a] > tol : g[a] > tol)
                converged = 0;
        if (converged)
            break;
        /* candidate directions: the Newton step on the coordinates not held at 0 by an outward
         * gradient, then each coordinate's own Newton step (a projected joint step can stall
         * with one coordinate on its bound) */
        double dir[3][2] = {{0, 0}, {0, 0}, {0, 0}};
        const int free0 = l[0] > 0 || g[0] > 0, free1 = l[1] > 0 || g[1] > 0;
        const double det = H[0][0] * H[1][1] - H[0][1] * H[1][0];
        if (free0 && free1 && det > 0 && H[0][0] < 0) {
            dir[0][0] = -(H[1][1] * g[0] - H[0][1] * g[1]) / det;
            dir[0][1] = -(-H[1][0] * g[0] + H[0][0] * g[1]) / det;
        }
        for (int a = 0; a < 2; a++)
            if (a ? free1 : free0)
                dir[1 + a][a] = H[a][a] < 0 ? -g[a] / H[a][a] : g[a] * (1 + l[a]);
        int progressed = 0;
        for (int c = 0; c < 3 && !progressed; c++) {
            if (dir[c][0] == 0 && dir[c][1] == 0)
                continue;
            /* backtracking: the projected point must raise the likelihood */
            for (double s = 1.0; s > 1e-12; s *= 0.5) {
                double x[2], gx[2], Hx[2][2];
                for (int a = 0; a < 2; a++)
                    x[a] = fmin(fmax(l[a] + s * dir[c][a], 0.0), s2_lcap[a]);
                const double fx = intensity_ll(d, idx, k, mu_v, x, gx, Hx, NULL);
                if (isfinite(fx) && fx > f) {
                    memcpy(l, x, sizeof x);
                    memcpy(g, gx, sizeof gx);
                    memcpy(H, Hx, sizeof Hx);
                    f = fx;
                    progressed = 1;
                    break;
                }
            }
        }
        if (!progressed)
            break; /* no direction gains: at the optimum within rounding, or stalled */
    }
    if (!converged) {
        /* no gain left in any direction within rounding counts as the optimum */
        converged = 1;
        for (int a = 0; a < 2; a++)
            if (l[a] > 0 ? fabs(g[a]) * l[a] > 1e-5 * (1 + nj) : g[a] > 1e-5 * (1 + nj))
                converged = 0;
    }
    if (!converged || l[0] >= s2_lcap[0] || l[1] >= s2_lcap[1])
        return -1;
    p->lambda0 = l[0];
    p->lambda1 = l[1];
    if (!want_se || !se)
        return 0;
    /* sandwich at the optimum: H^-1 S H^-1 over the free coordinates */
    double S[2][2];
    intensity_ll(d, idx, k, mu_v, l, NULL, H, S);
    if (l[0] > 0 && l[1] > 0) {
        const double det = H[0][0] * H[1][1] - H[0][1] * H[1][0];
        if (fabs(det) > 0) {
            const double Hi[2][2] = {{H[1][1] / det, -H[0][1] / det}, {-H[1][0] / det, H[0][0] / det}};
            double C[2][2] = {{0}};
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                    for (int c = 0; c < 2; c++)
                        for (int e = 0; e < 2; e++)
                            C[a][b] += Hi[a][c] * S[c][e] * Hi[e][b];
            se->lambda0 = sqrt(C[0][0] > 0 ? C[0][0] : 0);
            se->lambda1 = sqrt(C[1][1] > 0 ? C[1][1] : 0);
        }
    } else {
        for (int a = 0; a < 2; a++)
            if (l[a] > 0 && H[a][a] < 0)
                (a ? &se->lambda1 : &se->lambda0)[0] = sqrt(S[a][a]) / -H[a][a];
    }
    return 0;
}

/* One usable H-day transition of the m regression (H = d->m_step): from day t0 to t0 + H, as the
 * weighted regression's response y = m_{t0+H}/sqrt(m_t0) and regressors x1 = 1/sqrt(m_t0),
 * x2 = sqrt(m_t0). */
typedef struct m_pair {
    size_t t0;
    double y, x1, x2;
} m_pair;

/* The next usable pair of the transitions idx[*i..k): t0 = idx - 1 with t0 + H inside the series
 * and m_t0 above the floor (a floored m, outside the model's reach, would dominate the weights).
 * Advances *i past it; 0 when none is left. The normal equations and the residuals walk the same
 * pairs through it. */
static int m_next(const s2_data *d, const size_t *idx, size_t k, size_t *i, m_pair *out)
{
    while (*i < k) {
        const size_t t0 = idx[(*i)++] - 1;
        if (t0 + d->m_step >= d->n || !(d->m[t0] > VR_CALIB_V_FLOOR))
            continue;
        if (d->nbad && window_bad(d->nbad, t0, d->m_step))
            continue; /* the window t0..t0+H touches a day outside the model's reach */
        const double sm = sqrt(d->m[t0]);
        out->t0 = t0;
        out->y = d->m[t0 + d->m_step] / sm;
        out->x1 = 1.0 / sm;
        out->x2 = sm;
        return 1;
    }
    return 0;
}

/* Estimate from the transitions idx[0..k) (t in 1..n-1). Returns 0, or -1 when degenerate. */
/* rule_ok: fewer than 2 v-rule days set the intensity by rule (the fit of a window, and the
 * bootstrap replicates of a window that was so set); 0: the likelihood is fitted whatever the
 * count (the replicates of a fitted window: their spread is the fitted estimator's). */
static int s2_estimate(const s2_data *d, const size_t *idx, size_t k, int want_se, int rule_ok,
                       s2_out *o)
{
    memset(o, 0, sizeof *o);
    const double dt = d->dt;
    /* m block: H-day transitions m_{t-1} -> m_{t-1+H} (every start day, overlapping), the CIR's
     * exact conditional mean m' = c + phi m (phi = e^{-kappa_m H dt}, c = theta (1 - phi)) fitted
     * by least squares weighted by 1/m (its conditional variance is about proportional to m). H > 1
     * because the filtered m carries day-to-day noise (the closes of VIX and VIX3M, the model's
     * misfit of the curve) that a daily regression reads as very fast mean reversion. Days with
     * m at the floor (outside the model's reach) do not start a transition. */
    const size_t H = d->m_step;
    const double h = (double)H * dt;
    double a11 = 0, a12 = 0, a22 = 0, y1 = 0, y2 = 0;
    size_t km = 0;
    m_pair mp;
    for (size_t i = 0; m_next(d, idx, k, &i, &mp);) {
        const double y = mp.y, x1 = mp.x1, x2 = mp.x2;
        a11 += x1 * x1;
        a12 += x1 * x2;
        a22 += x2 * x2;
        y1 += x1 * y;
        y2 += x2 * y;
        km++;
    }
    const double det = a11 * a22 - a12 * a12;
    if (k < 20 || km < 20 || !(fabs(det) > 0))
        return -1;
    const double i11 = a22 / det, i12 = -a12 / det, i22 = a11 / det;
    const double b1 = i11 * y1 + i12 * y2, b2 = i12 * y1 + i22 * y2; /* c, phi */
    if (!(b2 > 0 && b2 < 1))
        return -1; /* no mean reversion of m (or none left after H days) */
    const double km_ = -log(b2) / h;
    o->p.kappa_m = km_;
    o->p.theta = b1 / (1.0 - b2);
    double rss_m = 0, e4_m = 0, m11 = 0, m12 = 0, m22 = 0, sg = 0;
    for (size_t i = 0; m_next(d, idx, k, &i, &mp);) {
        const double y = mp.y, x1 = mp.x1, x2 = mp.x2;
        const double e = y - b1 * x1 - b2 * x2;
        rss_m += e * e;
        e4_m += e * e * e * e;
        m11 += e * e * x1 * x1;
        m12 += e * e * x1 * x2;
        m22 += e * e * x2 * x2;
        /* e^2 = sigma_m^2 g_t: the CIR's exact conditional variance over H days, divided by m */
        sg += (b2 - b2 * b2) / km_ + o->p.theta * (1 - b2) * (1 - b2) / (2 * km_ * d->m[mp.t0]);
    }
    const double s2m = rss_m / (double)km;
    o->p.sigma_m = sqrt(rss_m / sg);
    /* v block: non-jump days */
    double sxx = 0, sxy = 0;
    size_t mc = 0;
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        if (d->jump[t])
            continue;
        const double sv = sqrt(d->v[t - 1]);
        const double y = (d->v[t] - d->v[t - 1]) / sv, x = dt * (d->m[t - 1] - d->v[t - 1]) / sv;
        sxx += x * x;
        sxy += x * y;
        mc++;
    }
    if (mc < 20 || !(sxx > 0))
        return -1;
    const double kv = sxy / sxx;
    o->p.kappa_v = kv;
    double rbar = 0;
    for (size_t i = 0; i < k; i++)
        if (!d->jump[idx[i]])
            rbar += d->r[idx[i]];
    rbar /= (double)mc;
    double rss_v = 0, e4_v = 0, mv_x = 0, srr = 0, svv = 0;
    double s1 = 0, s2 = 0, s11 = 0, s22 = 0, s12 = 0;
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        if (d->jump[t])
            continue;
        const double sv = sqrt(d->v[t - 1]);
        const double y = (d->v[t] - d->v[t - 1]) / sv, x = dt * (d->m[t - 1] - d->v[t - 1]) / sv;
        const double e = y - kv * x;
        rss_v += e * e;
        e4_v += e * e * e * e;
        mv_x += e * e * x * x;
        const double w1 = (d->r[t] - rbar) / sv;
        s1 += w1;
        s2 += e;
        s11 += w1 * w1;
        s22 += e * e;
        s12 += w1 * e;
        srr += (d->r[t] - rbar) * (d->r[t] - rbar);
        svv += d->v[t - 1] * dt;
    }
    const double s2v = rss_v / (double)mc;
    o->p.sigma_v = sqrt(s2v / dt);
    {
        const double nn = (double)mc, c1 = s1 / nn, c2 = s2 / nn;
        const double cov = s12 / nn - c1 * c2, v1 = s11 / nn - c1 * c1, v2 = s22 / nn - c2 * c2;
        o->p.rho = (v1 > 0 && v2 > 0) ? cov / sqrt(v1 * v2) : 0.0;
    }
    o->loglik = -0.5 * (double)k * (log(2 * M_PI * s2m) + 1.0) -
                0.5 * (double)mc * (log(2 * M_PI * s2v) + 1.0);
    if (want_se) {
        const double c11 = i11 * (i11 * m11 + i12 * m12) + i12 * (i11 * m12 + i12 * m22);
        const double c12 = i11 * (i12 * m11 + i22 * m12) + i12 * (i12 * m12 + i22 * m22);
        const double c22 = i12 * (i12 * m11 + i22 * m12) + i22 * (i12 * m12 + i22 * m22);
        /* kappa_m = -ln(phi)/h, theta = c/(1 - phi): delta method. The H-day transitions overlap,
         * so these sandwich SEs understate for H > 1; the block bootstrap covers the overlap. */
        o->se.kappa_m = sqrt(c22) / (b2 * h);
        const double g1 = 1.0 / (1.0 - b2), g2 = b1 / ((1.0 - b2) * (1.0 - b2));
        o->se.theta = sqrt(g1 * g1 * c11 + 2 * g1 * g2 * c12 + g2 * g2 * c22);
        o->se.sigma_m = o->p.sigma_m * 0.5 * sqrt((e4_m / (double)km - s2m * s2m) / (double)km) /
                        s2m;
        o->se.kappa_v = sqrt(mv_x) / sxx;
        o->se.sigma_v = sqrt((e4_v / (double)mc - s2v * s2v) / (double)mc) / dt /
                        (2.0 * o->p.sigma_v);
        o->se.rho = (1.0 - o->p.rho * o->p.rho) / sqrt((double)mc);
    }
    /* jump sizes on the jump days */
    const double diff_scale = svv > 0 ? srr / svv : 1.0;
    double sz = 0, szz = 0, szv = 0, szvv = 0, szzv = 0, svdt = 0, sex = 0;
    size_t nj = 0, nvj = 0;
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        if (!d->jump[t])
            continue;
        const double z = d->r[t] - rbar;
        double zv = d->v[t] - d->v[t - 1] - kv * (d->m[t - 1] - d->v[t - 1]) * dt;
        if (zv < 0)
            zv = 0;
        sz += z;
        szz += z * z;
        szv += zv;
        szvv += zv * zv;
        szzv += z * zv;
        svdt += d->v[t - 1] * dt;
        nj++;
        if (d->vjump[t]) {
            /* memorylessness: Z_v - threshold | Z_v > threshold is Exp(mu_v) again */
            const double x = d->v[t] - d->v[t - 1] - kv * (d->m[t - 1] - d->v[t - 1]) * dt;
            sex += x > d->thr[t] ? x - d->thr[t] : 0.0;
            nvj++;
        }
    }
    o->n_jumps = nj;
    o->n_vjumps = nvj;
    const double mu_v = nvj ? sex / (double)nvj : 0.0;
    if (nvj < 2 && rule_ok) {
        /* The intensity's likelihood divides the labels by the v rule's detection probability
         * exp(-c/mu_v), and mu_v is the labelled days' mean excess: from one day (or none) it is
         * no estimate, and the correction it makes is not either. One label in 130 days of 2026
         * with an excess of 0.0018 gave lambda0 105 a year (stationary vol 49.5% against a
         * realised 14%). With fewer than 2 labels the intensity is set by rule: the window's jump
         * days a year, every jump counted as seen, on a constant intensity (lambda1 = 0). */
        o->few_vjumps = 1;
        o->p.lambda0 = (double)nj / ((double)k * dt);
        o->p.lambda1 = 0.0;
        if (want_se)
            o->se.lambda0 = o->se.lambda1 = NAN;
    } else if (fit_intensity(d, idx, k, mu_v, want_se, &o->p, want_se ? &o->se : NULL) != 0) {
        o->p.mu_v = mu_v;
        o->n_jumps = nvj; /* (the caller's message: v-rule days) */
        return -2;
    }
    if (nj < 2) {
        o->few_jumps = 1; /* (said so: vr_calib_rule_masks) */
        o->p.mu_v = nj ? szv : 0.0;
        o->p.mu_s = nj ? sz : 0.0;
        o->p.sigma_s = 0.01;
        if (want_se)
            o->se.mu_v = o->se.mu_s = o->se.sigma_s = o->se.rho_j = NAN;
        return 0;
    }
    const double nn = (double)nj;
    const double mz = sz / nn, vz = szz / nn - mz * mz, mdiff = diff_scale * svdt / nn;
    const double mv = szv / nn, vv = szvv / nn - mv * mv, czv = szzv / nn - mz * mv;
    o->p.mu_v = nvj >= 2 ? mu_v : mv;
    o->p.rho_j = vv > 0 ? czv / vv : 0.0;
    if (o->p.rho_j * mv >= 0.9) /* E[e^Z] is finite only for rho_j mu_v < 1 */
        o->p.rho_j = 0.9 / mv;
    o->p.mu_s = mz - o->p.rho_j * mv;
    const double vs = vz - o->p.rho_j * o->p.rho_j * vv - mdiff;
    o->p.sigma_s = sqrt(vs > 1e-6 ? vs : 1e-6);
    o->at_floor = !(vs > 1e-6);
    if (want_se) {
        o->se.mu_v = o->p.mu_v / sqrt(nvj >= 2 ? (double)nvj : nn);
        vr_calib_cojump_se(vz, vv, czv, mv, o->p.rho_j, nn, &o->se.rho_j, &o->se.mu_s);
        o->se.sigma_s = o->p.sigma_s / sqrt(2.0 * nn);
    }
    return 0;
}

/* v co-jumps: e_v beyond +k sds of a fit over every day (the threshold does not shrink as the
 * jump days leave the fit). */
static void flag_v_jumps(const s2_data *d, const size_t *idx, size_t k, double K, uint8_t *flags,
                         uint8_t *vflags, double *thr)
{
    const double dt = d->dt;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        const double sv = sqrt(d->v[t - 1]);
        const double y = (d->v[t] - d->v[t - 1]) / sv, x = dt * (d->m[t - 1] - d->v[t - 1]) / sv;
        sxx += x * x;
        sxy += x * y;
    }
    const double kv = sxx > 0 ? sxy / sxx : 0;
    double rss = 0;
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        const double sv = sqrt(d->v[t - 1]);
        const double e = (d->v[t] - d->v[t - 1] - kv * (d->m[t - 1] - d->v[t - 1]) * dt) / sv;
        rss += e * e;
    }
    const double sd = sqrt(rss / (double)k);
    for (size_t i = 0; i < k; i++) {
        const size_t t = idx[i];
        const double sv = sqrt(d->v[t - 1]);
        const double e = (d->v[t] - d->v[t - 1] - kv * (d->m[t - 1] - d->v[t - 1]) * dt) / sv;
        thr[t] = K * sd * sv;
        if (e > K * sd)
            flags[t] = vflags[t] = 1;
    }
}

static void s2_get(const vr_svcj2_params *p, double *x)
{
    const double y[S2_NPAR] = {p->kappa_v, p->kappa_m, p->theta, p->sigma_v, p->sigma_m, p->rho,
                               p->lambda0, p->lambda1, p->mu_v,  p->mu_s,    p->sigma_s, p->rho_j};
    memcpy(x, y, sizeof y);
}

static void s2_set(vr_svcj2_params *p, const double *x)
{
    *p = (vr_svcj2_params){x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11]};
}

/* Indices of the parameter table (vr_model_params.h) of the parameters s2_domain can move. */
#define S2_IDX_SIGMA_V 3
#define S2_IDX_LAMBDA1 7

/* Keep the estimate inside the model's domain: kappa_v > lambda1 mu_v (stationary E[v]) and
 * sigma_v >= 0.001 (the parameter table's range). Returns the parameters moved onto their bound,
 * as bits of their indices in the parameter table (0: none). */
static unsigned long s2_domain(vr_svcj2_params *p)
{
    unsigned long c = 0;
    if (p->lambda1 * p->mu_v >= 0.95 * p->kappa_v && p->mu_v > 0) {
        p->lambda1 = 0.95 * p->kappa_v / p->mu_v;
        c |= 1ul << S2_IDX_LAMBDA1;
    }
    if (p->sigma_v < 1e-3) {
        p->sigma_v = 1e-3;
        c |= 1ul << S2_IDX_SIGMA_V;
    }
    return c;
}

vr_status vr_calib_fit2(const double *spx, const double *vix, const double *vix3m, size_t n,
                        const vr_calib_opts *o, vr_calib_result *res, vr_err *err)
{
    vr_status st = VR_OK;
    double *r = NULL, *v = NULL, *m = NULL, *boot = NULL;
    uint8_t *flags = NULL, *pflags = NULL, *vflags = NULL;
    double *thr = NULL;
    size_t *idx = NULL, *bidx = NULL, *nbad = NULL;
    uint8_t *bad = NULL;
    if (!res)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: no result");
    memset(res, 0, sizeof *res);
    if (!spx || !vix || !vix3m || !o)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: missing input (SPX, VIX and VIX3M)");
    if (o->type != VR_MODEL_SVCJ2)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: options are for model %s",
                       vr_model_type_name(o->type));
    if ((st = vr_calib_check_opts(o, n, "calibrate svcj2", err)) != VR_OK)
        return st;
    if (o->m_step < 1 || o->m_step > 252 || o->m_step > n / 4)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: the step of m must be in [1, 252] days "
                       "and at most n/4 (got %zu, n = %zu)", o->m_step, n);
    if (o->floored != VR_CALIB_FLOORED_KEEP && o->floored != VR_CALIB_FLOORED_DROP)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: floored must be keep (%d) or drop (%d) "
                       "(got %d)", VR_CALIB_FLOORED_KEEP, VR_CALIB_FLOORED_DROP, o->floored);
    if (o->max_iter < 1 || o->max_iter > 1000)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: max_iter must be in [1, 1000] (got %d)",
                       o->max_iter);
    if (!o->invert || o->coef)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: the states come from VIX and VIX3M "
                       "(no proxy, no one-factor coefficients; give pricing parameters instead)");
    for (size_t t = 0; t < n; t++)
        if (!(spx[t] > 0 && isfinite(spx[t]) && vix[t] > 0 && isfinite(vix[t]) && vix3m[t] > 0 &&
              isfinite(vix3m[t])))
            return vr_fail(err, VR_EINVAL,
                           "calibrate svcj2: observation %zu: spx %g, vix %g, vix3m %g (need "
                           "positive finite)", t, spx[t], vix[t], vix3m[t]);
    if (!o->pricing)
        return vr_fail(err, VR_EINVAL, "calibrate svcj2: the filter of (v, m) needs pricing "
                       "parameters (opts.pricing)");
    {
        char key[VR_KEY_MAX];
        vr_err e2 = {0};
        if (vr_svcj2_params_validate(&o->pricing->s2, "pricing", key, &e2) != VR_OK)
            return vr_fail(err, VR_EINVAL, "calibrate svcj2: filter parameters: %s", e2.msg);
    }
    r = calloc(n, sizeof *r);
    v = malloc(n * sizeof *v);
    m = malloc(n * sizeof *m);
    flags = calloc(n, 1);
    pflags = calloc(n, 1);
    vflags = calloc(n, 1);
    thr = calloc(n, sizeof *thr);
    idx = malloc(n * sizeof *idx);
    bad = calloc(n, 1);
    nbad = calloc(n + 1, sizeof *nbad);
    if (!r || !v || !m || !flags || !pflags || !vflags || !thr || !idx || !bad || !nbad) {
        st = vr_fail(err, VR_ENOMEM, "calibrate svcj2: %zu observations", n);
        goto done;
    }
    for (size_t t = 1; t < n; t++)
        r[t] = log(spx[t] / spx[t - 1]);
    const size_t floored = filter2_mask(o->pricing, vix, vix3m, n, v, m, bad);
    const int drop = o->floored == VR_CALIB_FLOORED_DROP;
    for (size_t t = 0; t < n; t++)
        nbad[t + 1] = nbad[t] + bad[t];
    /* the transitions t-1 -> t of the fit: every one, or (drop) those with both ends inside the
     * model's reach; a floored state is no observation of the model's state, and a transition to
     * or from one reads the clamp as a move of v or m */
    size_t k = 0;
    for (size_t t = 1; t < n; t++)
        if (!drop || (!bad[t - 1] && !bad[t]))
            idx[k++] = t;
    size_t left_m = 0;
    if (drop)
        for (size_t t0 = 0; t0 + o->m_step < n; t0++)
            left_m += (size_t)window_bad(nbad, t0, o->m_step);
    if (drop && k < 100) {
        st = vr_fail(err, VR_ENUM, "calibrate svcj2: leaving out the transitions that touch the "
                     "%zu days outside the model's reach leaves %zu of %zu (need 100)", floored,
                     k, n - 1);
        goto done;
    }
    if (drop && o->bootstrap > 0 && o->block_len > k / 2) {
        st = vr_fail(err, VR_EINVAL, "calibrate svcj2: bootstrap block %zu: need <= half the %zu "
                     "transitions left after leaving out those outside the model's reach",
                     o->block_len, k);
        goto done;
    }
    vr_calib_detect_jumps(spx, n, o->jump_k, o->local_window, pflags);
    s2_data d = {o->dt, n, o->m_step, v, m, r, flags, vflags, thr, drop ? nbad : NULL};
    s2_out fo;
    memcpy(flags, pflags, n);
    flag_v_jumps(&d, idx, k, o->jump_k, flags, vflags, thr);
    {
        const int est = s2_estimate(&d, idx, k, 1, 1, &fo);
        if (est == -2) {
            st = vr_fail(err, VR_ENUM,
                         "calibrate svcj2: the jump intensity lambda0 + lambda1 v has no maximum "
                         "likelihood estimate in its range (lambda0 <= 1000, lambda1 <= 1e4) on "
                         "these %zu days: %zu v-rule jump day%s with a mean excess mu_v %.4g "
                         "over the thresholds make%s the detection probability exp(-c/mu_v) too "
                         "small to identify it; use a longer window",
                         n, fo.n_jumps, fo.n_jumps == 1 ? "" : "s", fo.p.mu_v,
                         fo.n_jumps == 1 ? "s" : "");
            goto done;
        }
        if (est != 0) {
            st = vr_fail(err, VR_ENUM, "calibrate svcj2: degenerate regression (too few usable "
                         "days, or the filtered states are constant)");
            goto done;
        }
        if (!(fo.p.kappa_v > 0) || !(fo.p.kappa_m > 0) || !(fo.p.theta > 0)) {
            st = vr_fail(err, VR_ENUM,
                         "calibrate svcj2: no mean reversion in this window (kappa_v %.4g, "
                         "kappa_m %.4g, theta %.4g); use a longer window",
                         fo.p.kappa_v, fo.p.kappa_m, fo.p.theta);
            goto done;
        }
        res->fitted.s2 = fo.p;
        res->at_bound = s2_domain(&fo.p);
    }
    res->type = VR_MODEL_SVCJ2;
    res->est.s2 = fo.p;
    res->se_qml.s2 = fo.se;
    res->n = n;
    res->n_jumps = fo.n_jumps;
    res->n_floored = floored;
    res->floored_drop = drop;
    res->n_left_out = drop ? n - 1 - k : 0;
    res->n_left_out_m = left_m;
    res->m_step = o->m_step;
    res->iterations = 1;
    res->converged = 1;
    res->v_last = v[n - 1];
    res->m_last = m[n - 1];
    res->qml_loglik = fo.loglik;
    vr_calib_rule_masks(VR_MODEL_SVCJ2, fo.few_jumps, fo.at_floor, fo.few_vjumps, res);
    res->n_vjumps = fo.n_vjumps;
    double sv = 0, sm = 0, sr = 0, sd = 0;
    size_t nd = 0;
    for (size_t t = 0; t < n; t++) {
        sv += v[t];
        sm += m[t];
    }
    for (size_t t = 1; t < n; t++) {
        sr += r[t] * r[t];
        if (!flags[t]) {
            sd += r[t];
            nd++;
        }
    }
    res->mean_v = sv / (double)n;
    res->mean_m = sm / (double)n;
    res->realized_var = sr / (double)(n - 1) / o->dt;
    res->drift = nd ? sd / (double)nd / o->dt : 0;
    {
        double x[S2_NPAR];
        for (int j = 0; j < S2_NPAR; j++)
            x[j] = NAN;
        s2_set(&res->se_boot.s2, x);
    }
    if (o->bootstrap > 0) {
        const size_t B = o->bootstrap, L = o->block_len;
        bidx = malloc(k * sizeof *bidx);
        boot = malloc(B * S2_NPAR * sizeof *boot);
        if (!bidx || !boot) {
            st = vr_fail(err, VR_ENOMEM, "calibrate svcj2: bootstrap of %zu", B);
            goto done;
        }
        uint64_t s = o->seed ^ 0x5DEECE66Dull;
        size_t ok = 0;
        for (size_t b = 0; b < B; b++) {
            vr_calib_block_indices(bidx, k, L, &s);
            for (size_t j = 0; j < k; j++) /* (positions 1..k in the fit's transitions) */
                bidx[j] = idx[bidx[j] - 1];
            s2_out fb;
            if (s2_estimate(&d, bidx, k, 0, fo.few_vjumps, &fb) != 0)
                continue;
            s2_domain(&fb.p);
            s2_get(&fb.p, boot + ok * S2_NPAR);
            ok++;
        }
        if (ok >= 2) {
            double sdv[S2_NPAR];
            vr_calib_boot_sd(boot, ok, S2_NPAR, sdv);
            s2_set(&res->se_boot.s2, sdv);
        }
    }
    /* a parameter held at a bound is no maximum-likelihood estimate: a standard error (of the
     * unconstrained estimator, or of bootstrap replicates clamped to the same bound) does not
     * describe it; nor of one a rule set */
    vr_calib_rule_se_nan(res);
    {
        const vr_model_def *md = vr_model_def_of(VR_MODEL_SVCJ2);
        for (int i = 0; md && i < md->nparams; i++)
            if (res->at_bound & (1ul << i)) {
                vr_param_set(&res->se_qml, &md->params[i], NAN);
                vr_param_set(&res->se_boot, &md->params[i], NAN);
            }
    }
    res->v = v;
    res->m = m;
    res->jump = flags;
    v = m = NULL;
    flags = NULL;
done:
    free(r);
    free(v);
    free(m);
    free(flags);
    free(pflags);
    free(vflags);
    free(thr);
    free(idx);
    free(bad);
    free(nbad);
    free(bidx);
    free(boot);
    return st;
}
