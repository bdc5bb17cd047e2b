/* calib.c: physical-parameter estimation from daily SPX / VIX closes (see vr_calib.h).
 *
 * The estimator is deliberately simple and transparent: every step is a closed-form moment or
 * least-squares computation, so a fit of 36 years takes milliseconds and can be bootstrapped.
 *
 * Variance. v_t is backed out of the VIX with the model's own 30-day coefficients,
 * (VIX/100)^2 = a + b v. Since (a, b) depend on the parameters being estimated (b on kappa, a on
 * theta* and the jump convexity), the fit alternates "invert with the current parameters" and
 * "estimate on the inverted series" until the parameters stop moving (a fixed point). Note that
 * the VIX is a risk-neutral quantity: with pricing = physical the series carries the variance risk
 * premium, so theta is an implied-variance level (the summary prints realised variance beside it).
 *
 * CIR part. The Euler step dv = kappa (theta - v) dt + sigma sqrt(v dt) eps divided by sqrt(v)
 * is a linear regression with homoskedastic Gaussian errors,
 *     dv/sqrt(v) = (kappa theta) dt/sqrt(v) - kappa dt sqrt(v) + sigma sqrt(dt) eps,
 * so Gaussian QML is ordinary least squares; sigma^2 = RSS / (m dt). Standard errors use the
 * sandwich (heteroskedasticity-robust) covariance, since the VIX residuals are far from Gaussian;
 * theta = (kappa theta) / kappa by the delta method; sigma from the fourth moment of the residuals.
 *
 * Jumps. Price jumps are returns beyond jump_k bipower standard deviations of the previous weeks
 * (bipower variation is robust to the jumps themselves). The jump-size moments are moments of the
 * jump-day returns minus the diffusive share v dt. This truncation estimator sees only the large
 * jumps: lambda counts them, and mu_j / sigma_j describe them (docs/calibration.md). */
#include "vixrisk/vr_calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_svcj2.h"

#include "calib_internal.h"

void vr_calib_opts_default(vr_calib_opts *o, vr_model_type type)
{
    memset(o, 0, sizeof *o);
    o->type = type;
    o->invert = 1;
    o->dt = 1.0 / 252.0;
    o->jump_k = 4.0;
    o->local_window = 21;
    o->bootstrap = 200;
    o->block_len = 21;
    o->seed = 1;
    o->max_iter = 100;
    o->m_step = 21;
}

void vr_calib_result_free(vr_calib_result *res)
{
    if (!res)
        return;
    free(res->v);
    free(res->jump);
    free(res->m);
    res->m = NULL;
    res->v = NULL;
    res->jump = NULL;
}

/* ---- jump detection ------------------------------------------------------------------------ */

size_t vr_calib_detect_jumps(const double *spx, size_t n, double k, size_t window, uint8_t *flags)
{
    if (n == 0)
        return 0;
    memset(flags, 0, n);
    if (n < 8)
        return 0;
    double *r = malloc(n * sizeof *r);
    if (!r)
        return 0;
    double mean = 0.0;
    r[0] = 0.0;
    for (size_t t = 1; t < n; t++) {
        r[t] = log(spx[t] / spx[t - 1]);
        mean += r[t];
    }
    mean /= (double)(n - 1);
    for (size_t t = 1; t < n; t++)
        r[t] = fabs(r[t] - mean);
    size_t count = 0;
    /* centred window: returns t-window .. t+window (within 1..n-1); bipower products |r_i||r_{i-1}|
     * of adjacent returns, skipping every product that involves day t itself. Offline detection,
     * so the days after t may be used; twice the days of a trailing window halve the noise of the
     * local sd, which otherwise shows up as false jumps in volatile periods. */
    for (size_t t = 1; t < n; t++) {
        const size_t lo = t > window ? t - window : 1;
        const size_t hi = t + window < n - 1 ? t + window : n - 1;
        double bp = 0.0;
        size_t m = 0;
        for (size_t i = lo + 1; i <= hi; i++) {
            if (i == t || i - 1 == t)
                continue;
            bp += r[i] * r[i - 1];
            m++;
        }
        if (m < 5)
            continue;
        const double sd = sqrt(M_PI / 2.0 * bp / (double)m);
        if (sd > 0.0 && r[t] > k * sd) {
            flags[t] = 1;
            count++;
        }
    }
    free(r);
    return count;
}

/* ---- the estimator on a given variance series and jump labels ------------------------------- */

typedef struct fit_data {
    vr_model_type type;
    double dt;
    size_t n;
    const double *v;      /* [n] */
    const double *r;      /* [n] r[t] = ln S_t/S_{t-1}, r[0] unused */
    const uint8_t *jump;  /* [n] */
} fit_data;

typedef struct fit_out {
    vr_sv_params p, se;
    double loglik, drift;
    size_t m_cir, n_jumps;
    int few_jumps, at_floor; /* the jump sizes set by the rule for < 2 jump days; the spread floored */
} fit_out;

/* Estimate from the transitions idx[0..m) (each t in 1..n-1, repeats allowed). want_se: compute
 * the asymptotic SEs (full sample only). Returns 0, or -1 if
 * degenerate (too few observations or a singular regression). */
static int estimate(const fit_data *d, const size_t *idx, size_t m, int want_se, fit_out *o)
{
    memset(o, 0, sizeof *o);
    const double dt = d->dt;
    const int svcj = d->type == VR_MODEL_SVCJ;
    const int jumps = d->type != VR_MODEL_HESTON;
    /* CIR regression (svcj: non-jump days only, its v jumps are not diffusive) */
    double sxx11 = 0, sxx12 = 0, sxx22 = 0, sxy1 = 0, sxy2 = 0;
    size_t mc = 0;
    for (size_t k = 0; k < m; k++) {
        const size_t t = idx[k];
        if (svcj && d->jump[t])
            continue;
        const double sv = sqrt(d->v[t - 1]);
        const double y = (d->v[t] - d->v[t - 1]) / sv, x1 = dt / sv, x2 = -dt * sv;
        sxx11 += x1 * x1;
        sxx12 += x1 * x2;
        sxx22 += x2 * x2;
        sxy1 += x1 * y;
        sxy2 += x2 * y;
        mc++;
    }
    if (mc < 20)
        return -1;
    const double det = sxx11 * sxx22 - sxx12 * sxx12;
    if (!(fabs(det) > 0.0))
        return -1;
    const double i11 = sxx22 / det, i12 = -sxx12 / det, i22 = sxx11 / det;
    const double b1 = i11 * sxy1 + i12 * sxy2, b2 = i12 * sxy1 + i22 * sxy2;
    o->p.kappa = b2;
    o->p.theta = b2 != 0.0 ? b1 / b2 : NAN;
    /* residuals: sigma, sandwich meat, rho */
    double rss = 0, e4 = 0, m11 = 0, m12 = 0, m22 = 0;
    double rbar = 0;
    size_t nr = 0;
    for (size_t k = 0; k < m; k++) {
        const size_t t = idx[k];
        if (jumps && d->jump[t])
            continue;
        rbar += d->r[t];
        nr++;
    }
    rbar = nr ? rbar / (double)nr : 0.0;
    /* ratio of realised to VIX-implied diffusive variance on non-jump days: the VIX carries the
     * variance risk premium, so v dt overstates the diffusive share of a day's return */
    double srr = 0, svv = 0;
    for (size_t k = 0; k < m; k++) {
        const size_t t = idx[k];
        if (jumps && d->jump[t])
            continue;
        srr += (d->r[t] - rbar) * (d->r[t] - rbar);
        svv += d->v[t - 1] * dt;
    }
    const double diff_scale = svv > 0 ? srr / svv : 1.0;
    double s1 = 0, s2 = 0, s11 = 0, s22 = 0, s12 = 0;
    size_t nrho = 0;
    for (size_t k = 0; k < m; k++) {
        const size_t t = idx[k];
        const int jt = d->jump[t];
        if (svcj && jt)
            continue;
        const double sv = sqrt(d->v[t - 1]);
        const double y = (d->v[t] - d->v[t - 1]) / sv, x1 = dt / sv, x2 = -dt * sv;
        const double e = y - b1 * x1 - b2 * x2;
        rss += e * e;
        e4 += e * e * e * e;
        m11 += e * e * x1 * x1;
        m12 += e * e * x1 * x2;
        m22 += e * e * x2 * x2;
        if (jumps && jt)
            continue;
        /* standardised shocks: return and variance, both divided by sqrt(v_{t-1}) */
        const double w1 = (d->r[t] - rbar) / sv, w2 = e;
        s1 += w1;
        s2 += w2;
        s11 += w1 * w1;
        s22 += w2 * w2;
        s12 += w1 * w2;
        nrho++;
    }
    const double s2e = rss / (double)mc;
    o->p.sigma = sqrt(s2e / dt);
    {
        const double c1 = s1 / nrho, c2 = s2 / nrho;
        const double cov = s12 / nrho - c1 * c2, v1 = s11 / nrho - c1 * c1,
                     v2 = s22 / nrho - c2 * c2;
        o->p.rho = (v1 > 0 && v2 > 0) ? cov / sqrt(v1 * v2) : 0.0;
    }
    o->drift = rbar / dt;
    o->m_cir = mc;
    o->loglik = -0.5 * (double)mc * (log(2 * M_PI * s2e) + 1.0);
    /* the log-likelihood of v itself adds the Jacobian -0.5 sum log v_{t-1}; omitted (constant in
     * the parameters) */
    if (want_se) {
        /* sandwich: (X'X)^-1 (sum e^2 x x') (X'X)^-1 */
        const double a11 = i11 * m11 + i12 * m12, a12 = i11 * m12 + i12 * m22;
        const double a21 = i12 * m11 + i22 * m12, a22 = i12 * m12 + i22 * m22;
        const double c11 = a11 * i11 + a12 * i12, c12 = a11 * i12 + a12 * i22;
        const double c22 = a21 * i12 + a22 * i22;
        o->se.kappa = sqrt(c22);
        const double g1 = 1.0 / b2, g2 = -b1 / (b2 * b2);
        o->se.theta = sqrt(g1 * g1 * c11 + 2 * g1 * g2 * c12 + g2 * g2 * c22);
        const double var_s2 = (e4 / (double)mc - s2e * s2e) / (double)mc; /* var of mean e^2 */
        o->se.sigma = sqrt(var_s2) / dt / (2.0 * o->p.sigma);
        o->se.rho = (1.0 - o->p.rho * o->p.rho) / sqrt((double)nrho);
    }
    if (!jumps)
        return 0;
    /* jump part */
    const double T = (double)m * dt;
    double sz = 0, szz = 0, szv = 0, szvv = 0, szzv = 0, svdt = 0;
    size_t nj = 0;
    for (size_t k = 0; k < m; k++) {
        const size_t t = idx[k];
        if (!d->jump[t])
            continue;
        const double z = d->r[t] - rbar * 1.0;
        /* variance jump: the part of dv its drift and (zero-mean) diffusion do not explain */
        double zv = d->v[t] - d->v[t - 1] - o->p.kappa * (o->p.theta - d->v[t - 1]) * dt;
        if (zv < 0)
            zv = 0;
        sz += z;
        szz += z * z;
        szv += zv;
        szvv += zv * zv;
        szzv += z * zv;
        svdt += d->v[t - 1] * dt;
        nj++;
    }
    o->n_jumps = nj;
    o->p.lambda = (double)nj / T;
    if (want_se)
        o->se.lambda = sqrt((double)nj) / T;
    if (nj < 2) {
        /* too few to estimate sizes: small symmetric jumps (documented), said so (few_jumps) */
        o->few_jumps = 1;
        if (d->type == VR_MODEL_BATES) {
            o->p.mu_j = nj ? sz : 0.0;
            o->p.sigma_j = 0.01;
        } else {
            o->p.mu_v = nj ? szv : 0.0;
            o->p.mu_s = nj ? sz : 0.0;
            o->p.sigma_s = 0.01;
        }
        if (want_se) {
            o->se.mu_j = o->se.sigma_j = o->se.mu_v = o->se.mu_s = o->se.sigma_s = NAN;
            o->se.rho_j = NAN;
        }
        return 0;
    }
    const double nn = (double)nj;
    const double mz = sz / nn, vz = szz / nn - mz * mz, mdiff = diff_scale * svdt / nn;
    if (d->type == VR_MODEL_BATES) {
        o->p.mu_j = mz;
        const double vj = vz - mdiff;
        o->p.sigma_j = sqrt(vj > 1e-6 ? vj : 1e-6); /* floor 0.1% */
        o->at_floor = !(vj > 1e-6);
        if (want_se) {
            o->se.mu_j = sqrt(vz / nn);
            o->se.sigma_j = o->p.sigma_j / sqrt(2.0 * nn);
        }
    } else {
        const double mv = szv / nn, vv = szvv / nn - mv * mv, czv = szzv / nn - mz * mv;
        o->p.mu_v = mv;
        o->p.rho_j = vv > 0 ? czv / vv : 0.0;
        /* E[e^Z] is finite only for rho_j mu_v < 1 */
        if (o->p.rho_j * mv >= 0.9)
            o->p.rho_j = 0.9 / mv;
        o->p.mu_s = mz - o->p.rho_j * mv;
        const double vs = vz - o->p.rho_j * o->p.rho_j * vv - mdiff;
        o->p.sigma_s = sqrt(vs > 1e-6 ? vs : 1e-6);
        o->at_floor = !(vs > 1e-6);
        if (want_se) {
            o->se.mu_v = mv / sqrt(nn); /* exponential: sd = mean */
            vr_calib_cojump_se(vz, vv, czv, mv, o->p.rho_j, nn, &o->se.rho_j, &o->se.mu_s);
            o->se.sigma_s = o->p.sigma_s / sqrt(2.0 * nn);
        }
    }
    return 0;
}

/* Variance-jump rule (svcj): CIR residual beyond +k sds (sig = the diffusive sigma of v). */
static size_t flag_variance_jumps(const fit_data *d, const vr_sv_params *p, double sig,
                                  double k, uint8_t *flags)
{
    size_t c = 0;
    const double dt = d->dt;
    for (size_t t = 1; t < d->n; t++) {
        const double sv = sqrt(d->v[t - 1]);
        const double e = (d->v[t] - d->v[t - 1] - p->kappa * (p->theta - d->v[t - 1]) * dt) / sv;
        if (e > k * sig * sqrt(dt) && !flags[t]) {
            flags[t] = 1;
            c++;
        }
    }
    return c;
}

static double rel_change(double a, double b)
{
    const double d = fabs(a - b), s = fabs(a) + fabs(b);
    return s > 0 ? d / s : 0.0;
}

static double max_rel_change(const vr_sv_params *a, const vr_sv_params *b)
{
    const double x[] = {rel_change(a->kappa, b->kappa),   rel_change(a->theta, b->theta),
                        rel_change(a->sigma, b->sigma),   rel_change(a->rho, b->rho),
                        rel_change(a->lambda, b->lambda), rel_change(a->mu_j, b->mu_j),
                        rel_change(a->sigma_j, b->sigma_j), rel_change(a->mu_v, b->mu_v),
                        rel_change(a->mu_s, b->mu_s),     rel_change(a->sigma_s, b->sigma_s),
                        rel_change(a->rho_j, b->rho_j)};
    double m = 0;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        if (x[i] > m)
            m = x[i];
    return m;
}

/* p = (p + q) / 2, field by field. */
static void damp(vr_sv_params *p, const vr_sv_params *q)
{
    double *a = (double *)p;
    const double *b = (const double *)q;
    for (size_t i = 0; i < sizeof *p / sizeof(double); i++)
        a[i] = 0.5 * (a[i] + b[i]);
}

static void set_all(vr_sv_params *p, double x)
{
    p->kappa = p->theta = p->sigma = p->rho = p->lambda = x;
    p->mu_j = p->sigma_j = p->mu_v = p->mu_s = p->sigma_s = p->rho_j = x;
}

/* Zero the fields the model type does not use (estimates and SEs alike): every double of
 * vr_sv_params that is not in the model's parameter table. */
static void mask_type(vr_model_type t, vr_sv_params *p)
{
    const vr_model_def *d = vr_model_def_of(t);
    vr_sv_params keep;
    memset(&keep, 0, sizeof keep);
    for (int i = 0; d && i < d->nparams; i++)
        vr_param_set(&keep, &d->params[i], vr_param_get(p, &d->params[i]));
    *p = keep;
}

#define FREEZE_IT 20

vr_status vr_calib_fit(const double *spx, const double *vix, size_t n, const vr_calib_opts *o,
                       vr_calib_result *res, vr_err *err)
{
    vr_status st = VR_OK;
    double *r = NULL, *v = NULL, *vix2 = NULL;
    uint8_t *flags = NULL;
    size_t *idx = NULL, *bidx = NULL;
    double *boot = NULL;
    if (!res)
        return vr_fail(err, VR_EINVAL, "calibrate: no result");
    memset(res, 0, sizeof *res);
    if (!spx || !vix || !o)
        return vr_fail(err, VR_EINVAL, "calibrate: missing input");
    if (o->type == VR_MODEL_SVCJ2)
        return vr_fail(err, VR_EINVAL, "calibrate: svcj2 has two variance factors and needs VIX3M "
                       "as well (vr_calib_fit2)");
    if (o->type != VR_MODEL_HESTON && o->type != VR_MODEL_BATES && o->type != VR_MODEL_SVCJ)
        return vr_fail(err, VR_EINVAL, "calibrate: unknown model type %d", (int)o->type);
    if ((st = vr_calib_check_opts(o, n, "calibrate", err)) != VR_OK)
        return st;
    if (o->coef && !(o->coef->b > 0 && isfinite(o->coef->b) && isfinite(o->coef->a)))
        return vr_fail(err, VR_EINVAL, "calibrate: inversion coefficients a %g, b %g (need b > 0)",
                       o->coef->a, o->coef->b);
    if (o->max_iter < 1 || o->max_iter > 1000)
        return vr_fail(err, VR_EINVAL, "calibrate: max_iter must be in [1, 1000] (got %d)",
                       o->max_iter);
    for (size_t t = 0; t < n; t++)
        if (!(spx[t] > 0 && isfinite(spx[t]) && vix[t] > 0 && isfinite(vix[t])))
            return vr_fail(err, VR_EINVAL,
                           "calibrate: observation %zu: spx %g, vix %g (need positive finite)",
                           t, spx[t], vix[t]);
    r = calloc(n, sizeof *r);
    v = malloc(n * sizeof *v);
    vix2 = malloc(n * sizeof *vix2);
    flags = calloc(n, 1);
    idx = malloc(n * sizeof *idx);
    if (!r || !v || !vix2 || !flags || !idx) {
        st = vr_fail(err, VR_ENOMEM, "calibrate: %zu observations", n);
        goto done;
    }
    for (size_t t = 1; t < n; t++)
        r[t] = log(spx[t] / spx[t - 1]);
    size_t floored = 0;
    for (size_t t = 0; t < n; t++) {
        vix2[t] = vix[t] * vix[t] / 1e4;
        v[t] = vix2[t];
        if (o->coef) {
            /* given coefficients (the pricing measure's): one inversion, no fixed point */
            double x = (vix2[t] - o->coef->a) / o->coef->b;
            if (!(x >= VR_CALIB_V_FLOOR)) {
                x = VR_CALIB_V_FLOOR;
                floored++;
            }
            v[t] = x;
        }
    }
    for (size_t t = 1; t < n; t++)
        idx[t - 1] = t;
    const size_t m = n - 1;
    fit_data d = {o->type, o->dt, n, v, r, flags};
    fit_out fo;
    vr_sv_params pinv;
    memset(&pinv, 0, sizeof pinv);
    int it, converged = 0;
    for (it = 1; it <= o->max_iter; it++) {
        /* jump labels on the current series; frozen after FREEZE_IT iterations, because a day
         * near the threshold can flip at every inversion and make the iteration cycle */
        const int relabel = it <= FREEZE_IT;
        if (o->type != VR_MODEL_HESTON && relabel)
            vr_calib_detect_jumps(spx, n, o->jump_k, o->local_window, flags);
        if (estimate(&d, idx, m, 1, &fo) != 0) {
            st = vr_fail(err, VR_ENUM, "calibrate: degenerate regression (too few usable days)");
            goto done;
        }
        if (o->type == VR_MODEL_SVCJ && relabel) {
            /* add VIX co-jumps: CIR residuals beyond +jump_k sds of a fit over all days (so the
             * threshold does not shrink as jumps are removed), then re-estimate with the jump
             * days excluded from the CIR part */
            fit_data dall = d;
            dall.type = VR_MODEL_HESTON;
            fit_out fall;
            if (estimate(&dall, idx, m, 0, &fall) != 0) {
                st = vr_fail(err, VR_ENUM, "calibrate: degenerate regression");
                goto done;
            }
            flag_variance_jumps(&d, &fall.p, fall.p.sigma, o->jump_k, flags);
            if (estimate(&d, idx, m, 1, &fo) != 0) {
                st = vr_fail(err, VR_ENUM, "calibrate: degenerate regression after jumps");
                goto done;
            }
        }
        if (!(fo.p.kappa > 0) || !(fo.p.theta > 0)) {
            st = vr_fail(err, VR_ENUM,
                         "calibrate: no mean reversion in this window (kappa %.4g, theta %.4g); "
                         "use a longer window",
                         fo.p.kappa, fo.p.theta);
            goto done;
        }
        mask_type(o->type, &fo.p);
        /* fixed point p = estimate(v(p)). The plain iteration can overshoot into a 2-cycle (a
         * larger kappa gives a smaller b, a more dispersed v and a smaller estimated kappa), so
         * the inversion uses the damped average of the previous inversion parameters and the new
         * estimate; at the fixed point both agree. */
        const double change = it == 1 ? INFINITY : max_rel_change(&fo.p, &pinv);
        if (it == 1)
            pinv = fo.p;
        else
            damp(&pinv, &fo.p);
        if (!o->invert || o->coef) {
            converged = 1;
            break;
        }
        if (change < 1e-8) {
            converged = 1;
            break;
        }
        /* invert VIX^2 = a + b v with the damped parameters */
        const vr_vix_coef c = vr_vix_coef_make(o->type, &pinv, VR_VIX_TAU_30D);
        floored = 0;
        for (size_t t = 0; t < n; t++) {
            double x = (vix2[t] - c.a) / c.b;
            if (!(x >= VR_CALIB_V_FLOOR)) {
                x = VR_CALIB_V_FLOOR;
                floored++;
            }
            v[t] = x;
        }
    }
    if (it > o->max_iter)
        it = o->max_iter;
    res->type = o->type;
    res->est = fo.p;
    res->se_qml = fo.se;
    mask_type(o->type, &res->se_qml);
    res->n = n;
    res->n_jumps = fo.n_jumps;
    res->n_floored = floored;
    res->iterations = it;
    res->converged = converged;
    res->v_last = v[n - 1];
    res->qml_loglik = fo.loglik;
    res->drift = fo.drift;
    vr_calib_rule_masks(o->type, fo.few_jumps, fo.at_floor, 0, res);
    double sv = 0, sr = 0;
    for (size_t t = 0; t < n; t++)
        sv += v[t];
    for (size_t t = 1; t < n; t++)
        sr += r[t] * r[t];
    res->mean_v = sv / (double)n;
    res->realized_var = sr / (double)(n - 1) / o->dt;
    /* moving-block bootstrap of the transitions, labels and series fixed */
    set_all(&res->se_boot, NAN);
    if (o->bootstrap > 0) {
        const size_t B = o->bootstrap, L = o->block_len;
        bidx = malloc(m * sizeof *bidx);
        boot = malloc(B * 11 * sizeof *boot);
        if (!bidx || !boot) {
            st = vr_fail(err, VR_ENOMEM, "calibrate: bootstrap of %zu", B);
            goto done;
        }
        uint64_t s = o->seed ^ 0x5DEECE66Dull;
        size_t ok = 0;
        for (size_t b = 0; b < B; b++) {
            vr_calib_block_indices(bidx, m, L, &s);
            fit_out fb;
            if (estimate(&d, bidx, m, 0, &fb) != 0)
                continue;
            const double x[11] = {fb.p.kappa, fb.p.theta, fb.p.sigma, fb.p.rho, fb.p.lambda,
                                  fb.p.mu_j,  fb.p.sigma_j, fb.p.mu_v, fb.p.mu_s, fb.p.sigma_s,
                                  fb.p.rho_j};
            memcpy(boot + ok * 11, x, sizeof x);
            ok++;
        }
        if (ok >= 2) {
            double sd[11];
            vr_calib_boot_sd(boot, ok, 11, sd);
            res->se_boot = (vr_sv_params){.kappa = sd[0], .theta = sd[1], .sigma = sd[2],
                                          .rho = sd[3], .lambda = sd[4], .mu_j = sd[5],
                                          .sigma_j = sd[6], .mu_v = sd[7], .mu_s = sd[8],
                                          .sigma_s = sd[9], .rho_j = sd[10]};
            mask_type(o->type, &res->se_boot);
        }
    }
    vr_calib_rule_se_nan(res);
    /* no jump day: lambda's estimate is 0, and sqrt(count)/T (and every bootstrap replicate) says
     * a standard error of 0, as if 0 were certain; it has none to state (n/a). A window of T years
     * with no jump bounds lambda below about 3/T at 95%, which says more. */
    if (fo.n_jumps == 0 && (o->type == VR_MODEL_BATES || o->type == VR_MODEL_SVCJ)) {
        res->se_qml.lambda = NAN;
        res->se_boot.lambda = NAN;
    }
    res->v = v;
    res->jump = flags;
    v = NULL;
    flags = NULL;
done:
    free(r);
    free(v);
    free(vix2);
    free(flags);
    free(idx);
    free(bidx);
    free(boot);
    return st;
}

/* ---- output ---------------------------------------------------------------------------------- */

int vr_calib_param_left_out(const vr_param_def *d, double x)
{
    return !isnan(d->def) && x == d->def;
}
#define left_out vr_calib_param_left_out

/* The table of the model's parameters: estimate, QML and bootstrap standard errors. */
static void print_params(FILE *f, const vr_model_def *md, const vr_calib_result *r)
{
    fprintf(f, "  %-8s %12s %12s %12s\n", "param", "estimate", "se(QML)", "se(boot)");
    for (int i = 0; md && i < md->nparams; i++) {
        const vr_param_def *d = &md->params[i];
        if (left_out(d, vr_param_get(&r->est, d)))
            continue;
        char a[VR_CALIB_SE_STR], b[VR_CALIB_SE_STR];
        fprintf(f, "  %-8s %12.6g %12s %12s\n", d->name, vr_param_get(&r->est, d),
                vr_calib_se_str(vr_param_get(&r->se_qml, d), a),
                vr_calib_se_str(vr_param_get(&r->se_boot, d), b));
    }
}

/* vr_calib_bounds_str's lines: those of the bounds (r->at_bound) if `bounds`, of the rules
 * (r->few_jumps, r->at_floor) if `rules`. */
static size_t held_str(const vr_calib_result *r, int bounds, int rules, const char *indent, char *buf,
                       size_t cap)
{
    const vr_model_def *md = vr_model_def_of(r->type);
    size_t k = 0;
    if (cap)
        buf[0] = '\0';
    for (int i = 0; bounds && md && i < md->nparams && k < cap; i++) {
        if (!(r->at_bound & (1ul << i)))
            continue;
        const vr_param_def *d = &md->params[i];
        const char *why = r->type == VR_MODEL_SVCJ2 && strcmp(d->name, "lambda1") == 0
                              ? "0.95 kappa_v / mu_v, for a stationary E[v] (kappa_v > lambda1 mu_v)"
                              : "the lower end of its range";
        const int w = snprintf(buf + k, cap - k,
                               "%s%s%s = %.6g held at its bound, %s; the fit gave %.6g. Not a "
                               "maximum-likelihood estimate: no standard error (n/a).",
                               k ? "\n" : "", indent, d->name, vr_param_get(&r->est, d), why,
                               vr_param_get(&r->fitted, d));
        if (w < 0)
            break;
        k += (size_t)w;
    }
    for (int i = 0; rules && md && i < md->nparams && k < cap; i++) {
        const int few = (r->few_jumps >> i) & 1, floor_ = (r->at_floor >> i) & 1;
        const int fewv = (r->few_vjumps >> i) & 1;
        if (!few && !floor_ && !fewv)
            continue;
        const vr_param_def *d = &md->params[i];
        int w;
        if (fewv)
            w = snprintf(buf + k, cap - k,
                         "%s%s%s = %.6g set by rule, not estimated: the v rule labels %zu day%s of "
                         "the window, fewer than the 2 its correction for missed jumps needs; the "
                         "intensity is the window's jump days a year (%zu jump day%s), every jump "
                         "counted as seen, with lambda1 = 0 (a longer or livelier window). No "
                         "standard error (n/a).",
                         k ? "\n" : "", indent, d->name, vr_param_get(&r->est, d), r->n_vjumps,
                         r->n_vjumps == 1 ? "" : "s", r->n_jumps, r->n_jumps == 1 ? "" : "s");
        else if (few)
            w = snprintf(buf + k, cap - k,
                         "%s%s%s = %.6g set by rule, not estimated: the window has %zu jump day%s, fewer "
                         "than the 2 the jump sizes need (a longer or livelier window). No standard "
                         "error (n/a).",
                         k ? "\n" : "", indent, d->name, vr_param_get(&r->est, d), r->n_jumps,
                         r->n_jumps == 1 ? "" : "s");
        else
            w = snprintf(buf + k, cap - k,
                         "%s%s%s = %.6g held at its floor: the jump days' returns spread no more than "
                         "the diffusion explains. Not a maximum-likelihood estimate: no standard error "
                         "(n/a).",
                         k ? "\n" : "", indent, d->name, vr_param_get(&r->est, d));
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return k < cap ? k : (cap ? cap - 1 : 0);
}

size_t vr_calib_bounds_str(const vr_calib_result *r, const char *indent, char *buf, size_t cap)
{
    return held_str(r, 1, 1, indent, buf, cap);
}

/* The bit of parameter `name` of model t (vr_calib_result.few_jumps, at_floor, few_vjumps). */
static unsigned long param_bit(vr_model_type t, const char *name)
{
    const vr_model_def *md = vr_model_def_of(t);
    for (int i = 0; md && i < md->nparams; i++)
        if (strcmp(md->params[i].name, name) == 0)
            return 1ul << i;
    return 0;
}

void vr_calib_rule_masks(vr_model_type t, int few_jumps, int at_floor, int few_vjumps,
                         vr_calib_result *res)
{
    res->few_jumps = res->at_floor = res->few_vjumps = 0;
    if (t == VR_MODEL_BATES) {
        if (few_jumps)
            res->few_jumps = param_bit(t, "mu_j") | param_bit(t, "sigma_j");
        else if (at_floor)
            res->at_floor = param_bit(t, "sigma_j");
    } else if (t == VR_MODEL_SVCJ || t == VR_MODEL_SVCJ2) {
        if (few_jumps)
            res->few_jumps = param_bit(t, "mu_v") | param_bit(t, "mu_s") | param_bit(t, "sigma_s") |
                             param_bit(t, "rho_j");
        else if (at_floor)
            res->at_floor = param_bit(t, "sigma_s");
    }
    if (t == VR_MODEL_SVCJ2 && few_vjumps)
        res->few_vjumps = param_bit(t, "lambda0") | param_bit(t, "lambda1");
}

void vr_calib_rule_se_nan(vr_calib_result *res)
{
    const vr_model_def *md = vr_model_def_of(res->type);
    for (int i = 0; md && i < md->nparams; i++)
        if (((res->few_jumps | res->at_floor | res->few_vjumps) >> i) & 1) {
            vr_param_set(&res->se_qml, &md->params[i], NAN);
            vr_param_set(&res->se_boot, &md->params[i], NAN);
        }
}

void vr_calib_print(FILE *f, const vr_calib_result *r)
{
    const vr_model_def *md = vr_model_def_of(r->type);
    if (r->type == VR_MODEL_SVCJ2) {
        const vr_svcj2_params *p = &r->est.s2;
        fprintf(f, "calibration of svcj2 (physical) on %zu days: %zu jump day%s, %s after %d "
                "iteration%s\n", r->n, r->n_jumps, r->n_jumps == 1 ? "" : "s",
                r->converged ? "converged" : "NOT converged", r->iterations, r->iterations == 1 ? "" : "s");
        print_params(f, md, r);
        const double ev = vr_svcj2_mean_v(p);
        fprintf(f, "  half-lives: v %.1f, m %.0f trading days; stationary E[v] %.5f (vol %.1f%%); "
                "jumps a year at E[v]: %.2f\n", log(2.0) / p->kappa_v * 252.0,
                log(2.0) / p->kappa_m * 252.0, ev, 100 * sqrt(ev), p->lambda0 + p->lambda1 * ev);
        fprintf(f, "  mean v %.5f, mean m %.5f; realised variance of SPX %.5f (vol %.1f%%)\n",
                r->mean_v, r->mean_m, r->realized_var, 100 * sqrt(r->realized_var));
        fprintf(f, "  last day v %.5f, m %.5f; days outside the model's reach (floored): %zu; "
                "QML log-lik %.1f\n", r->v_last, r->m_last, r->n_floored, r->qml_loglik);
        if (r->floored_drop)
            fprintf(f, "  left out (--floored drop): %zu of %zu daily transitions and %zu of %zu "
                    "%zu-day transitions of m touch a day outside the model's reach\n",
                    r->n_left_out, r->n - 1, r->n_left_out_m, r->n - r->m_step, r->m_step);
        char b[2048];
        if (held_str(r, 1, 0, "  BOUND: ", b, sizeof b))
            fprintf(f, "%s\n", b);
        if (held_str(r, 0, 1, "  SET: ", b, sizeof b))
            fprintf(f, "%s\n", b);
        return;
    }
    fprintf(f, "calibration of %s (physical) on %zu days: %zu jump day%s, %s after %d iteration%s\n",
            vr_model_type_name(r->type), r->n, r->n_jumps, r->n_jumps == 1 ? "" : "s",
            r->converged ? "converged" : "NOT converged", r->iterations,
            r->iterations == 1 ? "" : "s");
    print_params(f, md, r);
    const double ts = vr_theta_star(r->type, &r->est);
    /* (%.3g: a ratio of 3.2e-7 printed as 0.000) */
    fprintf(f, "  half-life of v: %.1f trading days; Feller 2 kappa theta / sigma^2 = %.3g\n",
            log(2.0) / r->est.kappa * 252.0, 2 * r->est.kappa * r->est.theta /
                                                  (r->est.sigma * r->est.sigma));
    fprintf(f, "  long-run variance theta* = %.5f (vol %.1f%%); mean v %.5f (vol %.1f%%); realised "
            "variance of SPX %.5f (vol %.1f%%)\n",
            ts, 100 * sqrt(ts), r->mean_v, 100 * sqrt(r->mean_v), r->realized_var,
            100 * sqrt(r->realized_var));
    fprintf(f, "  v on the last day %.5f; days floored at %g: %zu; SPX drift (non-jump days) "
            "%.2f%%/y; CIR QML log-lik %.1f\n",
            r->v_last, VR_CALIB_V_FLOOR, r->n_floored, 100 * r->drift, r->qml_loglik);
    char b[2048];
    if (held_str(r, 0, 1, "  SET: ", b, sizeof b))
        fprintf(f, "%s\n", b);
}

/* One parameter set as a YAML flow mapping of the model's parameters. */
static void write_set(FILE *f, const vr_model_def *md, const vr_sv_params *p)
{
    fprintf(f, "{");
    for (int i = 0, n = 0; i < md->nparams; i++)
        if (!left_out(&md->params[i], vr_param_get(p, &md->params[i])))
            fprintf(f, "%s%s: %.6g", n++ ? ", " : "", md->params[i].name, vr_param_get(p, &md->params[i]));
    fprintf(f, "}");
}

vr_status vr_calib_write_file(const char *path, const vr_model *m, const char *comment,
                              const char *pricing_note, vr_err *err)
{
    const vr_model_def *md = vr_model_def_of(m->type);
    if (!md)
        return vr_fail(err, VR_EINVAL, "calibrate: unknown model type %d", (int)m->type);
    FILE *f = fopen(path, "w");
    if (!f)
        return vr_fail(err, VR_EIO, "%s: cannot write", path);
    if (comment) {
        const char *p = comment;
        while (*p) {
            const char *e = strchr(p, '\n');
            const size_t len = e ? (size_t)(e - p) : strlen(p);
            fprintf(f, "# %.*s\n", (int)len, p);
            p += len + (e ? 1 : 0);
        }
    }
    fprintf(f, "model:\n  type: %s\n  spot: %.2f\n  rate: %g\n  dividend: %g\n", md->name,
            m->spot, m->rate, m->dividend);
    for (int i = 0; i < md->nstate; i++)
        fprintf(f, "  %s: %.6g\n", md->state[i].name, vr_param_get(m, &md->state[i]));
    fprintf(f, "  physical: ");
    write_set(f, md, &m->physical);
    fprintf(f, "\n  pricing:  ");
    write_set(f, md, &m->pricing);
    fprintf(f, "%s%s\n", pricing_note ? "   # " : "", pricing_note ? pricing_note : "");
    if (fclose(f) != 0)
        return vr_fail(err, VR_EIO, "%s: write failed", path);
    /* round trip: the file must load */
    vr_model back;
    vr_err e2 = {0};
    if (vr_model_load(path, &back, &e2) != VR_OK) {
        /* the message names the key, not the file: `path` is the output's temporary, removed
         * with the failure (the message named a file that no longer existed) */
        const char *why = e2.msg;
        const size_t n = strlen(path);
        if (strncmp(why, path, n) == 0 && why[n] == ':') {
            why += n + 1;
            while (*why >= '0' && *why <= '9')
                why++;
            if (strncmp(why, ": ", 2) == 0)
                why += 2;
        }
        return vr_fail(err, VR_ENUM, "calibrate: the estimates do not make a valid model file (nothing "
                       "was written): %s", why);
    }
    return VR_OK;
}

vr_status vr_calib_write_model(const char *path, const vr_calib_result *r, double spot,
                               double rate, double dividend, const char *comment, vr_err *err)
{
    const vr_model_def *md = vr_model_def_of(r->type);
    if (!md)
        return vr_fail(err, VR_EINVAL, "calibrate: unknown model type %d", (int)r->type);
    /* the comment, then the estimates with their SEs as comment lines */
    size_t cap = (comment ? strlen(comment) : 0) + 256 + 96 * (size_t)md->nparams, k = 0;
    char *c = malloc(cap);
    if (!c)
        return vr_fail(err, VR_ENOMEM, "calibrate: comment");
    if (comment)
        k += (size_t)snprintf(c + k, cap - k, "%s\n", comment);
    k += (size_t)snprintf(c + k, cap - k,
                          "Estimates (physical), standard errors: QML sandwich / block bootstrap");
    for (int i = 0; i < md->nparams && k < cap; i++) {
        const vr_param_def *d = &md->params[i];
        char a[VR_CALIB_SE_STR], b[VR_CALIB_SE_STR];
        if (left_out(d, vr_param_get(&r->est, d)))
            continue;
        k += (size_t)snprintf(c + k, cap - k, "\n  %-8s %12.6g  se %10s / %10s", d->name,
                              vr_param_get(&r->est, d), vr_calib_se_str(vr_param_get(&r->se_qml, d), a),
                              vr_calib_se_str(vr_param_get(&r->se_boot, d), b));
    }
    vr_model m;
    memset(&m, 0, sizeof m);
    m.type = r->type;
    m.spot = spot;
    m.rate = rate;
    m.dividend = dividend;
    m.v0 = r->v_last;
    m.m0 = r->m_last;
    m.physical = r->est;
    m.pricing = r->est;
    const vr_status st =
        vr_calib_write_file(path, &m, c, "= physical (no variance risk premium applied)", err);
    free(c);
    return st;
}

const char *vr_calib_se_str(double se, char *buf)
{
    if (isfinite(se))
        snprintf(buf, VR_CALIB_SE_STR, "%.4g", se);
    else
        snprintf(buf, VR_CALIB_SE_STR, "n/a"); /* (no bootstrap, or a singular information matrix) */
    return buf;
}
