/* test_model_cmd.c: `vixrisk model` and what it computes (vr_model_info.h).
 *
 *  - the Cboe variance formula over a strip: on Black-76 prices of a lognormal underlying it must
 *    return the lognormal vol (fine grid: to 1e-5; the VIX option grid with the zero-bid rule:
 *    within its discretisation error, measured and bounded here), and a vol 3% off must fail;
 *  - the model's VVIX strip against the continuum log contract -(2/T) E[ln(VIX_T / F)], computed
 *    independently from the Laplace transform of v_T (ln x = int_0^inf (e^-s - e^-sx)/s ds);
 *  - the VIX-family coefficients of every shipped model file (through the model interface)
 *    against a direct numerical integration of E[v_u] (RK4 on its moment ODE, Simpson in u) plus
 *    the jump term, and against the log contract from the characteristic function (finite
 *    difference of E[exp(iu ln S/F)] at u = 0);
 *  - state_from_vix2 (exactly identified two-factor state) round trip and its refusals;
 *  - --asof on 2020-03-16 and 2017-11-01 (when the shared data is present): the backed-out state
 *    reproduces that day's VIX (and VIX3M for two-factor models) to 1e-9 for every file, the
 *    summary with the day's real values for one file of each model type; the CFE expiry rule
 *    against the contract file's real expiries; on a day out of the model's reach the command
 *    shows the nearest reachable state flagged "clamped" (text and JSON; exit 0) while
 *    `price --asof` still refuses it (exit 2);
 *  - the command on every shipped model file (configs/models) in text, and in JSON (parsed back by
 *    python3 with NaN/Infinity refused) on the first file of each model type, and its errors:
 *    exit 2 with the file and the date named.
 * The sanitizer builds (VR_TEST_SMALL) run the per-file checks on one file per model type. */
#include <complex.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_config.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_term.h"
#include "vixrisk/vr_vix.h"
#include "vr_test_util.h"

#define DATA_DIR VR_TEST_DATA_DIR

/* The shipped model files, sorted. */
static int model_files(char (*names)[512], int cap)
{
    DIR *d = opendir(VIXRISK_SOURCE_DIR "/configs/models");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < cap) {
        const size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0)
            snprintf(names[n++], 512, "%s/configs/models/%s", VIXRISK_SOURCE_DIR, e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, 512, (int (*)(const void *, const void *))strcmp);
    assert_true(n >= 4);
    return n;
}

/* first[f] = 1 when names[f] is the first of the sorted files with its model type. The checks
 * whose subject is the model type and not the parameter set (the JSON layout, what --asof adds to
 * the summary) run on these files; the numbers every file implies are checked on every file. The
 * sanitizer builds (VR_TEST_SMALL), which look for memory and UB errors in the code paths, run
 * every check on these files only: svcj2's VVIX (the Cboe formula on its VIX options) costs
 * seconds per file, and the Release build covers the rest. */
static void first_of_type(char (*names)[512], int n, int *first)
{
    int seen[VR_MODEL_SVCJ2 + 1] = {0};
    for (int f = 0; f < n; f++) {
        vr_model m;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_model_load(names[f], &m, &err), VR_OK);
        assert_true((int)m.type >= 0 && (int)m.type <= VR_MODEL_SVCJ2);
        first[f] = !seen[m.type];
        seen[m.type] = 1;
    }
}

#ifdef VR_TEST_SMALL
#define EVERY_FILE 0 /* the sanitizer builds: one file per model type */
#else
#define EVERY_FILE 1
#endif

/* ---- the Cboe formula on a lognormal underlying ---------------------------------------------- */

static double ncdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static void black76(double F, double K, double s, double T, double r, double *c, double *p)
{
    const double d1 = (log(F / K) + 0.5 * s * s * T) / (s * sqrt(T)), d2 = d1 - s * sqrt(T);
    const double df = exp(-r * T);
    *c = df * (F * ncdf(d1) - K * ncdf(d2));
    *p = df * (K * ncdf(-d2) - F * ncdf(-d1));
}

/* sqrt of the formula's variance for a lognormal law of vol s on strikes K */
static double cboe_vol(const double *K, int n, double F, double s, double T, double r, double tick,
                       vr_cboe_term *t)
{
    double *C = malloc((size_t)n * sizeof *C), *P = malloc((size_t)n * sizeof *P);
    for (int i = 0; i < n; i++)
        black76(F, K[i], s, T, r, &C[i], &P[i]);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_cboe_variance(K, C, P, n, T, r, tick, t, &err), VR_OK);
    free(C);
    free(P);
    assert_true(fabs(t->fwd - F) < 1e-9 * F); /* parity gives the forward back */
    return sqrt(t->var);
}

static void test_cboe_lognormal_fine(void **state)
{
    (void)state;
    /* strikes every 0.005 from 0.005 to 400: the formula is then the log contract to 1e-5 */
    const int n = 80000;
    double *K = malloc((size_t)n * sizeof *K);
    for (int i = 0; i < n; i++)
        K[i] = 0.005 * (i + 1);
    vr_cboe_term t;
    const double F[3] = {20.0, 17.31, 43.7}, s[3] = {1.0, 0.8, 1.4};
    for (int k = 0; k < 3; k++) {
        const double vol = cboe_vol(K, n, F[k], s[k], 30.0 / 365, 0.02, 0.0, &t);
        printf("  fine grid: F %.2f vol %.2f -> %.7f\n", F[k], s[k], vol);
        assert_true(fabs(vol - s[k]) < 1e-5);
    }
    free(K);
}

static void test_cboe_lognormal_vix_grid(void **state)
{
    (void)state;
    double K[256];
    const int n = vr_vix_strike_grid(K, 256);
    assert_true(n > 100 && K[0] == 1.0 && K[49] == 50.0 && K[50] == 52.5);
    vr_cboe_term t;
    /* The VIX option grid (1 point below 50, 2.5 to 100, 5 above) and the zero-bid cut: the
     * error is the strip's discretisation and truncation; measured <= 0.0059 vol (0.6 vol points)
     * on these cases, bounded at 0.01. */
    const double F[6] = {12.4, 20.0, 17.31, 35.2, 60.0, 85.3};
    const double s[6] = {0.9, 1.0, 0.8, 1.2, 1.4, 1.0};
    double worst = 0;
    for (int k = 0; k < 6; k++) {
        for (int d = 0; d < 2; d++) {
            const double T = (d ? VR_VVIX_NEXT_DAYS : VR_VVIX_NEAR_DAYS) / 365.0;
            const double vol = cboe_vol(K, n, F[k], s[k], T, 0.02, VR_CBOE_TICK, &t);
            printf("  VIX grid: F %.2f vol %.2f T %.0f d -> %.5f (%d strikes %g..%g)\n", F[k], s[k],
                   T * 365, vol, t.nused, t.k_lo, t.k_hi);
            worst = fmax(worst, fabs(vol - s[k]));
            assert_true(fabs(vol - s[k]) < 0.01);
        }
    }
    printf("  worst |error| on the VIX grid: %.5f\n", worst);
    /* interpolation to 30 days: equal vols at both terms give that vol back */
    assert_true(fabs(vr_cboe_index(27.0 / 365, 0.81, 34.0 / 365, 0.81) - 90.0) < 1e-10);
    /* and the comparator can fail: a strip priced at vol 1.1 is not vol 1.0 */
    assert_false(fabs(cboe_vol(K, n, 20.0, 1.03, 30.0 / 365, 0.02, VR_CBOE_TICK, &t) - 1.0) < 0.01);
}

static void test_cboe_bad_input(void **state)
{
    (void)state;
    const double K[3] = {10, 9, 12}, C[3] = {1, 1, 1}, P[3] = {1, 1, 1};
    const double Kn[3] = {10, 11, 12}, Cn[3] = {NAN, NAN, NAN};
    vr_cboe_term t;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_cboe_variance(K, C, P, 3, 0.1, 0, 0.01, &t, &err), VR_EINVAL);
    vr_err_clear(&err);
    assert_int_equal(vr_cboe_variance(Kn, Cn, P, 3, 0.1, 0, 0.01, &t, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "both"));
}

/* ---- the model's strip against the continuum log contract ------------------------------------ */

/* -(2/T) E[ln(VIX_T/F)]: E[ln X] = int_0^inf (e^-s - E[e^{-s X}])/s ds, X = (VIX_T/100)^2, on
 * s = e^u with the trapezoid rule. */
static double logcontract_var(vr_model_type t, const vr_sv_params *p, const double *x, double T)
{
    const vr_vix_coef c = vr_vix_coef_make(t, p, VR_VIX_TAU_30D);
    double fut;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_ops_get(t)->vix_future(p, x, T, &fut, &err), VR_OK);
    const double h = 0.05; /* the integrand is smooth in u: the trapezoid rule converges fast */
    double elnx = 0;
    for (double u = -40; u <= 25; u += h) {
        const double s = exp(u);
        /* E[e^{-sX}]: one factor from the Laplace transform of v_T; svcj2 its own of X_T */
        const double lx = t == VR_MODEL_SVCJ2
                              ? vr_svcj2_vix_laplace(&p->s2, x[0], x[1], T, s)
                              : exp(-s * c.a) * vr_var_laplace(t, p, x[0], T, s * c.b);
        elnx += h * (exp(-s) - lx);
    }
    const double eln_vix = log(100.0) + 0.5 * elnx;
    return -2.0 / T * (eln_vix - log(fut));
}

static void test_model_vvix_vs_log_contract(void **state)
{
    (void)state;
    char names[16][512];
    int first[16];
    const int n = model_files(names, 16);
    first_of_type(names, n, first);
    for (int f = 0; f < n; f++) {
        if (!EVERY_FILE && !first[f])
            continue;
        vr_model m;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_model_load(names[f], &m, &err), VR_OK);
        const vr_model_ops *ops = vr_model_ops_get(m.type);
        double x[VR_FACTORS_MAX] = {0};
        ops->state0(&m, x);
        vr_vvix vv;
        assert_int_equal(vr_model_vvix(ops, &m.pricing, x, m.rate, &vv, &err), VR_OK);
        const double v1 = logcontract_var(m.type, &m.pricing, x, vv.t_near);
        const double v2 = logcontract_var(m.type, &m.pricing, x, vv.t_next);
        const double cont = vr_cboe_index(vv.t_near, v1, vv.t_next, v2);
        printf("  %s: model VVIX %.3f (strip), log contract %.3f (near %.4f vs %.4f)\n", names[f],
               vv.level, cont, sqrt(vv.near.var), sqrt(v1));
        /* the strip's discretisation, as in the lognormal case (measured 0.22-0.27 points above
         * the continuum on the shipped svcj2 files at their states, 0.09-0.35 on the others):
         * within 1 vol point, or 1.5% of the level. (svcj2_cal_rn's strip once lay 1.23 points
         * below: its law of VIX_T has much of its mass just above the model's floor, which the
         * direct pricer's COS range, then 40/s* of the jump tail, resolved poorly; see also
         * test_svcj2_vvix_asof.) */
        assert_true(fabs(vv.level - cont) < fmax(1.0, 0.015 * cont));
    }
}

/* ---- VIX coefficients against a direct integration of E[v_u] ---------------------------------- */

/* dE[v]/du for the one-factor models (the jumps of svcj add lambda mu_v) */
static double drift_ev(vr_model_type t, const vr_sv_params *p, double ev)
{
    return p->kappa * (p->theta - ev) + (t == VR_MODEL_SVCJ ? p->lambda * p->mu_v : 0.0);
}

/* E[e^Z - 1 - Z] from the parameters */
static double jump_convexity(vr_model_type t, const vr_sv_params *p)
{
    if (t == VR_MODEL_BATES)
        return exp(p->mu_j + 0.5 * p->sigma_j * p->sigma_j) - 1.0 - p->mu_j;
    if (t == VR_MODEL_SVCJ)
        return exp(p->mu_s + 0.5 * p->sigma_s * p->sigma_s) / (1.0 - p->rho_j * p->mu_v) - 1.0 -
               p->mu_s - p->rho_j * p->mu_v;
    return 0.0;
}

/* (1/tau) int_0^tau E[v_u] du + 2 lambda cJ with E[v_u] from RK4 (step tau/2000), Simpson in u */
static double vix2_direct(vr_model_type t, const vr_sv_params *p, double v, double tau)
{
    const int n = 2000;
    const double h = tau / n;
    double e = v, sum = v;
    for (int i = 1; i <= n; i++) {
        const double k1 = drift_ev(t, p, e), k2 = drift_ev(t, p, e + 0.5 * h * k1);
        const double k3 = drift_ev(t, p, e + 0.5 * h * k2), k4 = drift_ev(t, p, e + h * k3);
        e += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        sum += (i == n ? 1.0 : i % 2 ? 4.0 : 2.0) * e;
    }
    const double lambda = t == VR_MODEL_HESTON ? 0.0 : p->lambda;
    return sum * h / 3.0 / tau + 2.0 * lambda * jump_convexity(t, p);
}

/* svcj2: dE[v]/du = kappa_v (E[m] - E[v]) + mu_v (lambda0 + lambda1 E[v]), dE[m]/du = kappa_m
 * (theta - E[m]); VIX^2 = (1 + 2 lambda1 cJ) (1/tau) int E[v_u] du + 2 lambda0 cJ, cJ = mbar -
 * mu_s - rho_j mu_v from the parameters. RK4 (step tau/2000) and Simpson, as above. */
static void drift2(const vr_svcj2_params *q, double ev, double em, double *dv, double *dm)
{
    *dv = q->kappa_v * (em - ev) + q->mu_v * (q->lambda0 + q->lambda1 * ev);
    *dm = q->kappa_m * (q->theta - em);
}

static double vix2_direct2(const vr_svcj2_params *q, double v, double m, double tau)
{
    const int n = 2000;
    const double h = tau / n;
    double e = v, f = m, sum = v;
    for (int i = 1; i <= n; i++) {
        double k1v, k1m, k2v, k2m, k3v, k3m, k4v, k4m;
        drift2(q, e, f, &k1v, &k1m);
        drift2(q, e + 0.5 * h * k1v, f + 0.5 * h * k1m, &k2v, &k2m);
        drift2(q, e + 0.5 * h * k2v, f + 0.5 * h * k2m, &k3v, &k3m);
        drift2(q, e + h * k3v, f + h * k3m, &k4v, &k4m);
        e += h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
        f += h / 6 * (k1m + 2 * k2m + 2 * k3m + k4m);
        sum += (i == n ? 1.0 : i % 2 ? 4.0 : 2.0) * e;
    }
    const double mbar = exp(q->mu_s + 0.5 * q->sigma_s * q->sigma_s) / (1.0 - q->rho_j * q->mu_v) - 1.0;
    const double cj = mbar - q->mu_s - q->rho_j * q->mu_v;
    return (1.0 + 2.0 * q->lambda1 * cj) * sum * h / 3.0 / tau + 2.0 * q->lambda0 * cj;
}

static void test_vix_coef_direct(void **state)
{
    (void)state;
    char names[16][512];
    const int n = model_files(names, 16);
    const int days[4] = {9, 30, 93, 183};
    for (int f = 0; f < n; f++) {
        vr_model m;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_model_load(names[f], &m, &err), VR_OK);
        const vr_model_ops *ops = vr_model_ops_get(m.type);
        for (int k = 0; k < 4; k++) {
            const double tau = days[k] / 365.0;
            const vr_vix_coef c = ops->vix_coef(&m.pricing, tau);
            /* at two states: v = 0 gives a, v = 0.09 gives a + 0.09 b */
            if (ops->nfactors == 1) {
                const double a = vix2_direct(m.type, &m.pricing, 0.0, tau);
                const double ab = vix2_direct(m.type, &m.pricing, 0.09, tau);
                assert_true(fabs(a - c.a) < 1e-12);
                assert_true(fabs((ab - a) / 0.09 - c.b) < 1e-10);
            } else {
                assert_int_equal(m.type, VR_MODEL_SVCJ2); /* the one two-factor model so far */
                const vr_svcj2_params *q = &m.pricing.s2;
                const double a = vix2_direct2(q, 0.0, 0.0, tau);
                const double av = vix2_direct2(q, 0.09, 0.0, tau);
                const double am = vix2_direct2(q, 0.0, 0.09, tau);
                assert_true(fabs(a - c.a) < 1e-12);
                assert_true(fabs((av - a) / 0.09 - c.bx[0]) < 1e-10);
                assert_true(fabs((am - a) / 0.09 - c.bx[1]) < 1e-10);
            }
            /* the log contract from the characteristic function, for every model: at the state
             * of the file and at (2x) */
            for (int s = 1; s <= 2; s++) {
                double x[VR_FACTORS_MAX] = {0};
                ops->state0(&m, x);
                for (int j = 0; j < ops->nfactors; j++)
                    x[j] *= s;
                const double hh = 1e-4;
                const double complex dphi = (ops->cf_logprice(&m.pricing, x, tau, hh) -
                                             ops->cf_logprice(&m.pricing, x, tau, -hh)) / (2 * hh);
                const double elog = creal(-I * dphi); /* E[ln S_tau/F] */
                const double vix2 = -2.0 / tau * elog;
                double lin = c.a;
                for (int j = 0; j < ops->nfactors; j++)
                    lin += c.bx[j] * x[j];
                assert_true(fabs(vix2 - lin) < 1e-6 * lin);
            }
        }
    }
}

/* Every descriptor fills what `vixrisk model` asks (a new model type must too); state_from_vix2
 * exactly for the two-factor ones. */
static void test_every_descriptor(void **state)
{
    (void)state;
    int n2 = 0;
    for (int t = 0; t <= VR_MODEL_SVCJ2; t++) {
        const vr_model_ops *ops = vr_model_ops_get((vr_model_type)t);
        assert_non_null(ops);
        assert_non_null(ops->state0);
        assert_non_null(ops->vix_coef);
        assert_non_null(ops->state_from_vix);
        assert_non_null(ops->stationary_mean);
        assert_non_null(ops->feller_ratio);
        assert_non_null(ops->vix_future);
        assert_non_null(ops->vix_options);
        assert_non_null(ops->spx_european);
        assert_int_equal(ops->state_from_vix2 != NULL, ops->nfactors == 2);
        for (int j = 0; j < ops->nfactors; j++)
            assert_non_null(ops->factor_names[j]);
        n2 += ops->nfactors == 2;
    }
    assert_true(n2 >= 1);
}

/* ---- state_from_vix2 --------------------------------------------------------------------------- */

static void test_state_from_vix2_affine(void **state)
{
    (void)state;
    const vr_vix_coef c1 = {.a = 0.004, .bx = {0.9, 0.08}}, c2 = {.a = 0.01, .bx = {0.6, 0.3}};
    const double v = 0.05, mm = 0.03;
    const double vix1 = 100 * sqrt(c1.a + c1.bx[0] * v + c1.bx[1] * mm);
    const double vix2 = 100 * sqrt(c2.a + c2.bx[0] * v + c2.bx[1] * mm);
    double x[2] = {-1, -1};
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_state_from_vix2_affine(&c1, &c2, vix1, vix2, x, &err), VR_OK);
    assert_true(fabs(x[0] - v) < 1e-14 && fabs(x[1] - mm) < 1e-14);
    /* a VIX3M far below VIX needs a negative m: refused, x untouched */
    x[0] = x[1] = 7;
    assert_int_equal(vr_state_from_vix2_affine(&c1, &c2, 40.0, 15.0, x, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "reachable"));
    assert_true(x[0] == 7 && x[1] == 7);
    /* singular: proportional b */
    vr_err_clear(&err);
    const vr_vix_coef c3 = {.a = 0.01, .bx = {1.8, 0.16}};
    assert_int_equal(vr_state_from_vix2_affine(&c1, &c3, 20.0, 21.0, x, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "identify"));
}

/* ---- --asof on real dates ---------------------------------------------------------------------- */

static void asof_check(int32_t date, int nfut_min, int32_t first_expiry)
{
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_market_day_load(DATA_DIR, date, &mk, &err), VR_OK);
    assert_true(mk.spx > 0 && mk.vix > 0 && mk.vix3m > 0 && mk.vvix > 0);
    assert_true(mk.nfut >= nfut_min);
    assert_int_equal(mk.fut[0].expiry, first_expiry);
    char names[16][512];
    int first[16];
    const int n = model_files(names, 16);
    first_of_type(names, n, first);
    int ok = 0, nsum = 0, summed[VR_MODEL_SVCJ2 + 1] = {0};
    for (int f = 0; f < n; f++) {
        if (!EVERY_FILE && !first[f])
            continue;
        vr_model m;
        assert_int_equal(vr_model_load(names[f], &m, &err), VR_OK);
        const vr_model_ops *ops = vr_model_ops_get(m.type);
        double x[VR_FACTORS_MAX] = {0};
        vr_err_clear(&err);
        const vr_status st = vr_model_state_from_market(&m, &mk, x, &err);
        const vr_vix_coef c30 = ops->vix_coef(&m.pricing, VR_VIX_TAU_30D);
        if (st != VR_OK) {
            /* only levels out of the model's reach may refuse: a VIX below a one-factor model's
             * floor, a (VIX, VIX3M) pair that needs a negative factor */
            printf("  %s on %d: %s\n", names[f], (int)date, err.msg);
            assert_int_equal(st, VR_EINVAL);
            if (ops->nfactors == 1) {
                assert_true(mk.vix < 100 * sqrt(c30.a));
                assert_non_null(strstr(err.msg, "floor"));
            } else
                assert_non_null(strstr(err.msg, "reachable"));
            continue;
        }
        const double vix = vr_vix_level_x(&c30, x, ops->nfactors);
        assert_true(fabs(vix - mk.vix) < 1e-9 * mk.vix);
        if (ops->nfactors == 2) {
            const vr_vix_coef c93 = ops->vix_coef(&m.pricing, VR_VIX_TAU_93D);
            assert_true(fabs(vr_vix_level_x(&c93, x, 2) - mk.vix3m) < 1e-9 * mk.vix3m);
        }
        ok++;
        /* the summary at that state with the day's real values beside the model's: what --asof
         * adds does not depend on the parameter set, so once per model type (the first file of
         * the type that reaches the day); the whole summary of every file is checked by
         * test_cli_every_model at the file's state */
        if (summed[m.type])
            continue;
        summed[m.type] = 1;
        vr_model_info info;
        assert_int_equal(vr_model_info_compute(&m, mk.spx, x, &mk, &info, &err), VR_OK);
        assert_true(fabs(info.idx[1].model - mk.vix) < 1e-9 * mk.vix);
        assert_true(info.idx[1].real == mk.vix && info.vvix_real == mk.vvix);
        assert_int_equal(info.nlisted, mk.nfut);
        nsum++;
    }
    assert_true(ok >= 2);
    assert_true(nsum >= 2);
}

static void test_asof_2020_03_16(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    asof_check(20200316, 8, 20200318);
}

static void test_asof_2017_11_01(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    asof_check(20171101, 8, 20171115);
}

/* svcj2 on the two --asof days: the model VVIX `vixrisk model --asof` prints (the Cboe formula on
 * the direct VIX options, 27 and 34 days, vr_model_vvix) against the law's log contract at the
 * same two terms interpolated the same way (svcj2_law.c's E[ln VIX_T], the transform the pricing
 * fit's VVIX uses: vr_model_vvix_law at 30 days, printed beside), at the day's backed-out (v, m)
 * (the nearest reachable state where the day is out of reach, as the command shows it), for each
 * pricing set of the shipped svcj2 files. The strip sits above the log contract by its
 * discretisation, measured by the same formula on a 0.05-point strike grid without the zero-bid
 * rule, which meets the law to 0.015 points: +0.17 to +1.04 here (the most at 2017-11-01 on
 * svcj2_cal_rn, whose state is the floor v = m = 0, where the law of VIX_T is a spike one point
 * wide at 10.8 and the grid's strikes are a point apart). Bound: within [-0.3, +1.5] points (the
 * direct pricer's own error at that floor state moves each term's variance by ~0.8%, ~0.25
 * points, in opposite directions). Before the strikes beyond the body had their own series the
 * strip's full-grid pass (strikes to 500) widened the pricer's range there, the walk stopped at
 * K = 15 and the strip gave 34.09 against 66.12. */
static void test_svcj2_vvix_asof(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char names[16][512];
    int first[16];
    const int n = model_files(names, 16);
    first_of_type(names, n, first);
    const int32_t dates[2] = {20171101, 20200316};
    vr_svcj2_params done[16];
    int ndone = 0;
    for (int f = 0; f < n; f++) {
        vr_model m;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_model_load(names[f], &m, &err), VR_OK);
        if (m.type != VR_MODEL_SVCJ2 || (!EVERY_FILE && !first[f]))
            continue;
        int seen = 0; /* svcj2_example's pricing set is svcj2_cal's */
        for (int i = 0; i < ndone; i++)
            seen |= memcmp(&done[i], &m.pricing.s2, sizeof done[i]) == 0;
        if (seen)
            continue;
        done[ndone++] = m.pricing.s2;
        const vr_model_ops *ops = vr_model_ops_get(m.type);
        for (int d = 0; d < 2; d++) {
            vr_market_day mk;
            assert_int_equal(vr_market_day_load(DATA_DIR, dates[d], &mk, &err), VR_OK);
            double x[VR_FACTORS_MAX] = {0};
            if (vr_model_state_from_market(&m, &mk, x, &err) != VR_OK) {
                const vr_vix_coef c30 = ops->vix_coef(&m.pricing, VR_VIX_TAU_30D);
                const vr_vix_coef c93 = ops->vix_coef(&m.pricing, VR_VIX_TAU_93D);
                ops->state0(&m, x);
                assert_int_equal(vr_state_from_term_c(ops, &c30, &c93, mk.vix, mk.vix3m, x),
                                 VR_TERM_CLAMPED);
            }
            vr_err_clear(&err);
            vr_vvix vv;
            assert_int_equal(vr_model_vvix(ops, &m.pricing, x, m.rate, &vv, &err), VR_OK);
            const double T[2] = {vv.t_near, vv.t_next};
            vr_vix_law *law = NULL;
            assert_int_equal(ops->vix_law_build(&m.pricing, T, 2, &law, &err), VR_OK);
            double var[2];
            for (int k = 0; k < 2; k++) {
                double F, el;
                assert_int_equal(ops->vix_law_eval(law, k, x, &F, &el, &err), VR_OK);
                var[k] = 2.0 / T[k] * (log(F) - el);
            }
            ops->vix_law_free(law);
            const double cont = vr_cboe_index(T[0], var[0], T[1], var[1]);
            double fit30;
            assert_int_equal(vr_model_vvix_log(ops, &m.pricing, x, &fit30, &err), VR_OK);
            printf("  %s on %d, (v, m) = (%g, %g): model VVIX %.3f (strip, %d and %d strikes), log "
                   "contract %.3f (27/34 days; 30 days: %.3f), strip - law %+.3f\n", names[f],
                   (int)dates[d], x[0], x[1], vv.level, vv.near.nused, vv.next.nused, cont, fit30,
                   vv.level - cont);
            assert_true(vv.level - cont > -0.3 && vv.level - cont < 1.5);
        }
    }
    assert_true(ndone >= (EVERY_FILE ? 2 : 1));
}

/* The CFE expiry rule (used with the term-structure file) against the contract file's real
 * expiries: the same date read from a directory without the contract file. */
static void test_asof_expiry_rule(void **state)
{
    (void)state;
    if (!vr_test_have_data() || access(DATA_DIR "/vix_futures_contracts.csv", R_OK) != 0 ||
        access(DATA_DIR "/vix_futures_term_structure.csv", R_OK) != 0)
        skip();
    char dir[128];
    assert_int_equal(vr_test_tmpdir("asof", dir, sizeof dir), 0);
    const char *files[3] = {"spx_daily.csv", "vix_daily.csv", "vix_futures_term_structure.csv"};
    for (int i = 0; i < 3; i++) {
        char from[700], to[700];
        snprintf(from, sizeof from, "%s/%s", DATA_DIR, files[i]);
        snprintf(to, sizeof to, "%s/%s", dir, files[i]);
        assert_int_equal(symlink(from, to), 0);
    }
    const int32_t dates[3] = {20100104, 20120613, 20140602};
    for (int d = 0; d < 3; d++) {
        vr_market_day a, b;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_market_day_load(DATA_DIR, dates[d], &a, &err), VR_OK);
        assert_int_equal(vr_market_day_load(dir, dates[d], &b, &err), VR_OK);
        assert_string_equal(a.fut_source, "vix_futures_contracts.csv");
        assert_non_null(strstr(b.fut_source, "term_structure"));
        assert_true(isnan(b.vvix));
        const int nn = a.nfut < b.nfut ? a.nfut : b.nfut;
        assert_true(nn >= 7);
        for (int i = 0; i < nn; i++) {
            assert_string_equal(a.fut[i].contract, b.fut[i].contract);
            assert_int_equal(a.fut[i].expiry, b.fut[i].expiry);
            assert_true(fabs(a.fut[i].settle - b.fut[i].settle) < 1e-9 || i >= 5); /* vx6-8 less reliable */
        }
    }
    vr_test_rmdir(dir);
}

/* ---- the command ------------------------------------------------------------------------------- */

#define PY_CHECK                                                                                    \
    "/usr/bin/python3 -c 'import json,sys\n"                                                         \
    "def bad(c): raise ValueError(\"non-finite \" + c)\n"                                           \
    "d = json.loads(sys.stdin.read(), parse_constant=bad)\n"                                        \
    "assert isinstance(d, dict)\n"                                                                  \
    "for k in (\"model\",\"state\",\"indices\",\"futures\",\"spx_vols\",\"vvix\",\"physical\",\"pricing\",\"vix_floor\"): assert k in d, k\n" \
    "assert [i[\"name\"] for i in d[\"indices\"]] == [\"VIX9D\",\"VIX\",\"VIX3M\",\"VIX6M\"]\n"     \
    "assert len(d[\"futures\"]) == 8 and d[\"vvix\"][\"model\"] > 0\n"                              \
    "print(\"JSON-OK\", d[\"model\"], d[\"indices\"][1][\"model\"], d[\"indices\"][1][\"real\"])'"

static void test_cli_every_model(void **state)
{
    (void)state;
    char names[16][512];
    int first[16];
    const int n = model_files(names, 16);
    first_of_type(names, n, first);
    static char out[1 << 16];
    for (int f = 0; f < n; f++) {
        if (!EVERY_FILE && !first[f])
            continue;
        char args[1200];
        snprintf(args, sizeof args, "model '%s'", names[f]);
        assert_int_equal(vr_test_cli(args, out, sizeof out), 0);
        assert_non_null(strstr(out, "VIX-family indices"));
        assert_non_null(strstr(out, "VVIX"));
        assert_non_null(strstr(out, "Feller ratio of v"));
        assert_null(strstr(out, "nan"));
        assert_null(strstr(out, "inf"));
        /* The JSON prints the same summary (a number that is not finite as null where the text
         * prints n/a); what it adds is its layout, which depends on the model type only: once
         * per type (the first file of each). */
        if (!first[f])
            continue;
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "'%s' model '%s' --json | " PY_CHECK, VIXRISK_CLI, names[f]);
        assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
        printf("  %s: %s", names[f], out);
        assert_non_null(strstr(out, "JSON-OK"));
    }
}

static void test_cli_asof(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    static char out[1 << 16];
    char cmd[4096];
    const char *dates[2] = {"2020-03-16", "2017-11-01"};
    for (int d = 0; d < 2; d++) {
        snprintf(cmd, sizeof cmd,
                 "'%s' model '%s/configs/models/heston.yaml' --asof %s --data '%s' --json | " PY_CHECK
                 " && '%s' model '%s/configs/models/heston.yaml' --asof %s --data '%s'",
                 VIXRISK_CLI, VIXRISK_SOURCE_DIR, dates[d], DATA_DIR, VIXRISK_CLI,
                 VIXRISK_SOURCE_DIR, dates[d], DATA_DIR);
        assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
        assert_non_null(strstr(out, "JSON-OK"));
        assert_non_null(strstr(out, "Listed VIX futures on"));
        assert_non_null(strstr(out, "real"));
    }
    /* svcj2_cal cannot reach 2020-03-16's inverted curve exactly (VIX 82.69 over VIX3M 67.70 needs
     * m < 0): the diagnostic shows the nearest reachable state (m = 0, the VIX matched), flagged
     * in the text and the JSON, beside the real futures and VVIX, exit 0 */
    snprintf(cmd, sizeof cmd, "model '%s/configs/models/svcj2_cal.yaml' --asof 2020-03-16 --data '%s'",
             VIXRISK_SOURCE_DIR, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "CLAMPED: no state of this model gives that day's VIX and VIX3M exactly"));
    assert_non_null(strstr(out, "clamped: m = 0; model VIX3M "));
    assert_non_null(strstr(out, " vs real 67.70"));
    assert_non_null(strstr(out, "67.70  <- clamped"));
    assert_non_null(strstr(out, "Listed VIX futures on 2020-03-16"));
    assert_non_null(strstr(out, "real 207.59")); /* VVIX */
    snprintf(cmd, sizeof cmd,
             "'%s' model '%s/configs/models/svcj2_cal.yaml' --asof 2020-03-16 --data '%s' --json | "
             "/usr/bin/python3 -c 'import json,sys\n"
             "d = json.load(sys.stdin)\n"
             "c = d[\"clamped\"]; s = d[\"state\"]; ix = {i[\"name\"]: i for i in d[\"indices\"]}\n"
             "assert c[\"note\"].startswith(\"m = 0; model VIX3M \"), c\n"
             "assert c[\"exact_state\"][\"m\"] < 0 < c[\"exact_state\"][\"v\"], c\n"
             "assert s[\"m\"] == 0 and s[\"v\"] > 0, s\n"
             "assert abs(ix[\"VIX\"][\"model\"] - 82.69) < 1e-9 and ix[\"VIX3M\"][\"real\"] == 67.7\n"
             "assert ix[\"VIX3M\"][\"model\"] > 67.7 + 1\n"
             "assert len(d[\"listed_futures\"]) >= 8 and d[\"vvix\"][\"real\"] > 0\n"
             "print(\"CLAMP-OK\")'", VIXRISK_CLI, VIXRISK_SOURCE_DIR, DATA_DIR);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "CLAMP-OK"));
    /* a reachable day: no flag, "clamped": null */
    snprintf(cmd, sizeof cmd, "model '%s/configs/models/svcj2_cal.yaml' --asof 2017-11-01 --data '%s' --json",
             VIXRISK_SOURCE_DIR, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"clamped\": null"));
    /* svcj_cal's floor (10.59) is above the VIX of 2017-11-01 (10.18): v = 0, flagged */
    snprintf(cmd, sizeof cmd, "model '%s/configs/models/svcj_cal.yaml' --asof 2017-11-01 --data '%s'",
             VIXRISK_SOURCE_DIR, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "clamped: v = 0; model VIX 10.586 vs real 10.20"));
    assert_non_null(strstr(out, "10.20  <- clamped"));
    /* run and price keep refusing such days (exit 2, the levels and the floor named) */
    snprintf(cmd, sizeof cmd, "price --model '%s/configs/models/svcj2_cal.yaml' --strike 2400 --expiry 0.1 "
             "--paths 1000 --asof 2020-03-16 --data '%s'", VIXRISK_SOURCE_DIR, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "reachable range"));
    assert_non_null(strstr(out, "67.7"));
    snprintf(cmd, sizeof cmd, "price --model '%s/configs/models/svcj_cal.yaml' --strike 2400 --expiry 0.1 "
             "--paths 1000 --asof 2017-11-01 --data '%s'", VIXRISK_SOURCE_DIR, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "floor"));
    assert_non_null(strstr(out, "2017-11-01"));
}

static void test_cli_errors(void **state)
{
    (void)state;
    char dir[128], args[1200];
    static char out[8192];
    assert_int_equal(vr_test_tmpdir("modelcmd", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv",
                  "date,open,high,low,close\n2020-03-13,1,1,1,2711.02\n2020-03-16,1,1,1,2386.13\n");
    vr_test_write(dir, "vix_daily.csv", "date,open,high,low,close\n2020-03-13,1,1,1,57.83\n");
    const char *model = VIXRISK_SOURCE_DIR "/configs/models/heston.yaml";
    /* a date outside the data: the file, the date and the span are named */
    snprintf(args, sizeof args, "model '%s' --asof 1999-01-04 --data '%s'", model, dir);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "spx_daily.csv"));
    assert_non_null(strstr(out, "1999-01-04"));
    assert_non_null(strstr(out, "2020-03-13 to 2020-03-16"));
    /* SPX has the date, VIX does not */
    snprintf(args, sizeof args, "model '%s' --asof 2020-03-16 --data '%s'", model, dir);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "vix_daily.csv"));
    assert_non_null(strstr(out, "2020-03-16"));
    /* the one day both have works, without the optional files */
    snprintf(args, sizeof args, "model '%s' --asof 2020-03-13 --data '%s' --json", model, dir);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"real\": null"));
    /* a missing data directory */
    snprintf(args, sizeof args, "model '%s' --asof 2020-03-13 --data '%s/none'", model, dir);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "none/spx_daily.csv: cannot open"));
    /* usage */
    snprintf(args, sizeof args, "model '%s' --asof 2020-13-01", model);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "2020-13-01"));
    snprintf(args, sizeof args, "model '%s' --data '%s'", model, dir);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 2);
    assert_int_equal(vr_test_cli("model", out, sizeof out), 2);
    snprintf(args, sizeof args, "model '%s' extra", model);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 2);
    snprintf(args, sizeof args, "model '%s/missing.yaml'", dir);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "missing.yaml"));
    assert_int_equal(vr_test_cli("model --help", out, sizeof out), 0);
    assert_non_null(strstr(out, "--asof"));
    /* a legal svcj set (rho_j mu_v = 0.9995 < 1) whose SPX options have no implied vol: the
     * message says why (it named only the strike and the price) */
    const char *wild = vr_test_write(dir, "rhoj.yaml",
                                     "model:\n  type: svcj\n  spot: 5000\n  rate: 0.03\n  dividend: 0.01\n  v0: 0.03\n"
                                     "  physical: {kappa: 3, theta: 0.04, sigma: 0.5, rho: -0.7, lambda: 1, mu_v: 0.05, "
                                     "mu_s: -0.02, sigma_s: 0.03, rho_j: 19.99}\n");
    snprintf(args, sizeof args, "model '%s'", wild);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 1);
    printf("  %s", out);
    assert_non_null(strstr(out, "no implied vol for the SPX"));
    assert_non_null(strstr(out, "the pricing parameters give no usable option law at this expiry"));
    vr_test_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cboe_lognormal_fine),
        cmocka_unit_test(test_cboe_lognormal_vix_grid),
        cmocka_unit_test(test_cboe_bad_input),
        cmocka_unit_test(test_model_vvix_vs_log_contract),
        cmocka_unit_test(test_vix_coef_direct),
        cmocka_unit_test(test_every_descriptor),
        cmocka_unit_test(test_state_from_vix2_affine),
        cmocka_unit_test(test_asof_2020_03_16),
        cmocka_unit_test(test_asof_2017_11_01),
        cmocka_unit_test(test_svcj2_vvix_asof),
        cmocka_unit_test(test_asof_expiry_rule),
        cmocka_unit_test(test_cli_every_model),
        cmocka_unit_test(test_cli_asof),
        cmocka_unit_test(test_cli_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
