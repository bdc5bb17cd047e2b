/* test_svcj2_law.c: the prepared law of VIX_T under svcj2 (svcj2_law.c), which the pricing fit
 * and VVIX use for many states at once, against independent methods:
 *   - futures against the direct pricer vr_svcj2_vix_future (adaptive Gauss-Kronrod over the
 *     Laplace integral, one complex Riccati solve per node and state) on the full two-factor
 *     model, states from VIX ~9 to ~90, expiries 1 day to 8 months;
 *   - futures in the SVCJ limit against the one-factor pricer (closed-form transform);
 *   - E[ln VIX_T] through the continuous-strike VVIX against the log contract replicated by
 *     out-of-the-money VIX options from the COS distribution function (vix_options), on a fine
 *     log-strike grid: a different representation of the same law;
 *   - the same bytes for 1 and 2 threads, and a reused law equal to a fresh one;
 *   - the svcj2 pricing fit (which prices through the law) recovers the variance parameters of
 *     synthetic days whose futures come from the direct pricer. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_vix.h"
#include "vr_test_util.h"

#include "../engine/cli/calibrate_cmd.c" /* vr_cmd_calibrate, as test_calib.c does */

/* the pricing set of configs/models/svcj2_example.yaml */
static const vr_svcj2_params ex = {.kappa_v = 5, .kappa_m = 0.4, .theta = 0.032, .sigma_v = 0.8,
                                   .sigma_m = 0.09, .rho = -0.75, .lambda0 = 0.5,
                                   .lambda1 = 18, .mu_v = 0.07, .mu_s = -0.03,
                                   .sigma_s = 0.04, .rho_j = -0.6};
/* a slow, very volatile m and no jumps from lambda0 */
static const vr_svcj2_params ex2 = {.kappa_v = 12, .kappa_m = 1.5, .theta = 0.05, .sigma_v = 1.2,
                                    .sigma_m = 0.4, .rho = -0.8, .lambda0 = 0.0,
                                    .lambda1 = 60, .mu_v = 0.03, .mu_s = -0.02,
                                    .sigma_s = 0.03, .rho_j = -0.4};

static void test_future_direct(void **state)
{
    (void)state;
    const vr_svcj2_params *ps[2] = {&ex, &ex2};
    const double T[6] = {1.0 / 365, 9.0 / 365, 30.0 / 365, 63.0 / 365, 120.0 / 365, 240.0 / 365};
    const double vm[5][2] = {{0.002, 0.01}, {0.01, 0.03}, {0.04, 0.02}, {0.2, 0.05}, {0.6, 0.1}};
    double worst = 0.0;
    for (int i = 0; i < 2; i++) {
        vr_vix_law *L = NULL;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_svcj2_law_build(ps[i], T, 6, &L, &err), VR_OK);
        for (int k = 0; k < 6; k++)
            for (int s = 0; s < 5; s++) {
                double f1, f2;
                assert_int_equal(vr_svcj2_vix_future(ps[i], vm[s][0], vm[s][1], T[k], &f1, &err),
                                 VR_OK);
                assert_int_equal(vr_svcj2_law_eval(L, k, vm[s], &f2, NULL, &err), VR_OK);
                const double rel = fabs(f2 - f1) / f1;
                worst = fmax(worst, rel);
                if (!(rel < 1e-9))
                    fprintf(stderr, "set %d T %g (v, m) (%g, %g): direct %.12f law %.12f\n", i,
                            T[k], vm[s][0], vm[s][1], f1, f2);
                assert_true(rel < 1e-9);
            }
        vr_svcj2_law_free(L);
    }
    printf("law future vs direct svcj2 future: max relative difference %.2e\n", worst);
}

static void test_future_limit(void **state)
{
    (void)state;
    /* SVCJ with the Feller condition violated (0.75): sigma_m = 0 and m = theta */
    const vr_sv_params svcj1 = {.kappa = 3.0, .theta = 0.02, .sigma = 0.4, .rho = -0.6,
                                .lambda = 1.0, .mu_v = 0.05, .mu_s = -0.05, .sigma_s = 0.06,
                                .rho_j = -0.5};
    const vr_svcj2_params q = vr_svcj2_from_sv(VR_MODEL_SVCJ, &svcj1);
    const double T[3] = {7.0 / 365, 0.25, 0.5};
    vr_vix_law *L = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_svcj2_law_build(&q, T, 3, &L, &err), VR_OK);
    double worst = 0.0;
    for (int k = 0; k < 3; k++)
        for (int s = 0; s < 3; s++) {
            const double x[2] = {s == 0 ? 0.005 : s == 1 ? 0.03 : 0.15, q.theta};
            double f1, f2;
            assert_int_equal(vr_vix_future(VR_MODEL_SVCJ, &svcj1, x[0], T[k], &f1, &err), VR_OK);
            assert_int_equal(vr_svcj2_law_eval(L, k, x, &f2, NULL, &err), VR_OK);
            worst = fmax(worst, fabs(f1 - f2));
            assert_true(fabs(f1 - f2) < 1e-7);
        }
    vr_svcj2_law_free(L);
    printf("law future vs one-factor SVCJ pricer (limit): max |diff| %.2e VIX points\n", worst);
}

/* (2/T)(ln F - E[ln VIX_T]) = (2/T) (1/F) int O(F e^k) e^{-k} dk, puts below F, calls above:
 * Simpson on [kmin, 0] and [0, min(kmax, ln(999/F))] in log strike with 200 and 300 intervals. */
static double replicated_var_k(const vr_svcj2_params *p, const double *x, double T, double F,
                               double kmin, double kmax)
{
    enum { NL = 200, NR = 300 };
    static double K[NR + 1], o[NR + 1];
    double tot = 0.0;
    for (int side = 0; side < 2; side++) {
        const int n = side ? NR : NL;
        /* the calls up to 999 (the pricer's strike range): VIX_T that high has no mass here */
        const double k0 = side ? 0.0 : kmin, k1 = side ? fmin(kmax, log(999.0 / F)) : 0.0;
        const double h = (k1 - k0) / n;
        for (int i = 0; i <= n; i++)
            K[i] = F * exp(k0 + h * i);
        vr_err err = {VR_OK, ""};
        const vr_status st = vr_svcj2_vix_options(p, x[0], x[1], T, K, n + 1, 0.0, side, o, &err);
        if (st != VR_OK)
            fail_msg("%s", err.msg);
        double sum = 0.0;
        for (int i = 0; i <= n; i++)
            sum += ((i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0)) * o[i] * exp(-(k0 + h * i));
        tot += sum * h / 3.0;
    }
    return 2.0 * tot / F / T;
}

/* The law's continuous-strike VVIX^2, (2/T)(ln F - E[ln VIX_T]), against its replication over the
 * direct VIX options on log strikes [kmin, kmax] around F, at the first ns states of vm: the
 * largest relative difference (printed per state). */
static double law_vs_options(const vr_svcj2_params *p, const char *name, const double (*vm)[2],
                             int ns, double kmin, double kmax)
{
    const double T[1] = {VR_VIX_TAU_30D};
    vr_vix_law *L = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_svcj2_law_build(p, T, 1, &L, &err), VR_OK);
    double worst = 0.0;
    for (int s = 0; s < ns; s++) {
        double F, el;
        assert_int_equal(vr_svcj2_law_eval(L, 0, vm[s], &F, &el, &err), VR_OK);
        const double var_law = 2.0 / T[0] * (log(F) - el);
        const double var_rep = replicated_var_k(p, vm[s], T[0], F, kmin, kmax);
        worst = fmax(worst, fabs(var_law - var_rep) / var_rep);
        printf("  %s, (v, m) = (%g, %g): future %.4f, VVIX law %.6f, replicated %.6f\n", name,
               vm[s][0], vm[s][1], F, 100 * sqrt(var_law), 100 * sqrt(var_rep));
    }
    vr_svcj2_law_free(L);
    printf("%s: continuous-strike VVIX^2, law vs option replication: max relative difference %.2e\n",
           name, worst);
    return worst;
}

/* The example's set over strikes F e^-4 .. 999. Measured 1.5e-8 at (0.004, 0.02), 3e-12 at
 * (0.03, 0.035); the bound is 1e-6. It was below 1e-5 while the strikes beyond the body's series
 * (K > 45 = 3.3 F at the first state) widened that series' range for all strikes, 3.7e-5 once
 * they had their own series and the body's folded tail still lifted the upper strikes (calls at
 * 1.65, 2.1 and 2.7 F 4e-5, 2.5e-4 and 1.8e-3 high), and 1.5e-8 since the fold is removed
 * (svcj2_vix.c, fold_parts; docs/numerics.md). */
static void test_elog_replication(void **state)
{
    (void)state;
    const double vm[3][2] = {{0.004, 0.02}, {0.03, 0.035}, {0.3, 0.06}};
#ifdef VR_TEST_SMALL
    const int ns = 1; /* the sanitizer builds: the replication prices 1000 options per state */
#else
    const int ns = 2;
#endif
    assert_true(law_vs_options(&ex, "example", vm, ns, -4.0, 6.0) < 1e-6);
}

/* The fitted rare-jumps pricing set (vr_test_svcj2_rare, the 2026-11-30 configs/models/svcj2_cal_rn.yaml's) at
 * small states, m near 0, where the law of VIX_T is a narrow core at its floor and a far jump tail:
 * the direct VIX options against the law's E[ln VIX_T] (Laplace transform, an independent method)
 * over strikes F e^-1.5 .. F e^2 (the Cboe strip's range; the strikes beyond it hold a few 1e-4 of
 * VVIX^2 here). The states of the Monte Carlo check in docs/numerics.md ("Low m"): with the COS
 * range of 40/s*, which put the calls 19-29 SE low there, the difference was 9.3e-2; 8.1e-4 with
 * the body's folded tail lifting the upper strikes; 8.9e-4 since it is removed (the strikes beyond
 * F e^2, left out, hold the rest); the bound is 2e-3. (All strikes up to 999 in one call, as test_elog_replication prices, failed
 * there while the widest strike set the range: test_svcj2_vix.c, test_far_strikes_rare.) */
static void test_elog_replication_rare(void **state)
{
    (void)state;
    assert_true(law_vs_options(&vr_test_svcj2_rare, "rare jumps", vr_test_svcj2_rare_states,
                               VR_TEST_RARE_NSTATES, -1.5, 2.0) < 2e-3);
}

static void test_threads_and_reuse(void **state)
{
    (void)state;
    double T[40];
    for (int k = 0; k < 40; k++)
        T[k] = (3.0 + 5.0 * k) / 365.0;
    const double x[2] = {0.05, 0.04};
    double out[3][40];
    vr_vix_law *L = NULL;
    vr_err err = {VR_OK, ""};
    for (int r = 0; r < 3; r++) {
        omp_set_num_threads(r == 1 ? 1 : 2);
        if (r == 2) /* reuse the law after building another parameter set into it */
            assert_int_equal(vr_svcj2_law_build(&ex2, T, 40, &L, &err), VR_OK);
        assert_int_equal(vr_svcj2_law_build(&ex, T, 40, &L, &err), VR_OK);
        for (int k = 0; k < 40; k++)
            assert_int_equal(vr_svcj2_law_eval(L, k, x, &out[r][k], NULL, &err), VR_OK);
    }
    for (int k = 0; k < 40; k++) {
        assert_memory_equal(&out[0][k], &out[1][k], sizeof(double));
        assert_memory_equal(&out[0][k], &out[2][k], sizeof(double));
    }
    vr_svcj2_law_free(L);
}

static void test_bad_input(void **state)
{
    (void)state;
    vr_vix_law *L = NULL;
    vr_err err = {VR_OK, ""};
    const double T[2] = {0.1, 0.1};
    assert_int_equal(vr_svcj2_law_build(&ex, T, 2, &L, &err), VR_EINVAL);
    const double T1[1] = {0.1};
    assert_int_equal(vr_svcj2_law_build(&ex, T1, 1, &L, &err), VR_OK);
    const double bad[2] = {-0.01, 0.02};
    err = (vr_err){VR_OK, ""};
    assert_int_equal(vr_svcj2_law_eval(L, 0, bad, NULL, NULL, &err), VR_EINVAL);
    assert_int_equal(vr_svcj2_law_eval(L, 1, bad + 1, NULL, NULL, &err), VR_EINVAL);
    vr_svcj2_law_free(L);
}

/* Synthetic market day i under the set `ex` at state x: VIX (and VIX9D, VIX3M, VIX6M when
 * all_idx, else VIX3M alone) from the index coefficients, nfut futures at (t0 + dt k) days from
 * the direct pricer; VVIX and the constant maturities missing. */
static void synth_day(vr_pfit_day *d, int i, const double *x, int nfut, double t0, double dt,
                      int all_idx)
{
    const vr_sv_params truth = {.s2 = ex};
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    const double taus[3] = {VR_VIX_TAU_9D, VR_VIX_TAU_93D, VR_VIX_TAU_6M};
    memset(d, 0, sizeof *d);
    d->date = 20100101 + i;
    const vr_vix_coef c30 = ops->vix_coef(&truth, VR_VIX_TAU_30D);
    d->vix = vr_vix_level_x(&c30, x, 2);
    for (int j = 0; j < 3; j++) {
        const vr_vix_coef c = ops->vix_coef(&truth, taus[j]);
        d->idx[j] = all_idx || j == 1 ? vr_vix_level_x(&c, x, 2) : NAN;
    }
    d->vvix = NAN;
    d->cm[0] = d->cm[1] = NAN;
    d->nfut = nfut;
    for (int k = 0; k < nfut; k++) {
        d->fut_T[k] = (t0 + dt * k) / 365.0;
        vr_err e = {0};
        assert_int_equal(vr_svcj2_vix_future(&ex, x[0], x[1], d->fut_T[k], &d->fut[k], &e), VR_OK);
    }
}

/* Synthetic svcj2 market days under `truth`: (v, m) spread over VIX ~11..45 with both slopes
 * of the term structure, the four indices from their coefficients, four futures at 5..100 days
 * from the direct pricer, VVIX from vr_model_vvix_log. The fit starts 15-20% off on the eight
 * variance parameters and must come back to 2% with the price-jump parameters held. Release
 * build only (tens of CPU-seconds under the sanitizers; test_pricing_fit_cap runs the same code
 * there). */
static void test_pricing_fit_recovery(void **state)
{
    (void)state;
#ifdef VR_TEST_SMALL
    skip();
#endif
    const vr_sv_params truth = {.s2 = ex};
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    enum { N = 10 };
    vr_pfit_day d[N];
    for (int i = 0; i < N; i++) {
        const double u = (double)i / (N - 1);
        const double x[2] = {0.005 * exp(3.5 * u), 0.04 * exp(-1.5 * ((i * 5) % N) / (double)N)};
        synth_day(&d[i], i, x, 4, 5.0, 30.0, 1);
        vr_err e = {0};
        assert_int_equal(vr_model_vvix_log(ops, &truth, x, &d[i].vvix, &e), VR_OK);
    }
    vr_sv_params start = truth;
    start.s2.kappa_v *= 1.15;
    start.s2.kappa_m *= 0.85;
    start.s2.theta *= 1.15;
    start.s2.sigma_v *= 0.85;
    start.s2.sigma_m *= 1.2;
    start.s2.lambda0 *= 0.85;
    start.s2.lambda1 *= 1.15;
    start.s2.mu_v *= 0.85;
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_SVCJ2, &start);
    o.every = 1;
    o.vvix_per_bucket = N;
    o.ridge = 0;
    o.max_eval = 6000;
    o.threads = 1; /* ten days: threads would only spin between the parallel loops */
    o.fit_mask = 0x1ful | (0x7ul << 6); /* kappa_v, kappa_m, theta, sigma_v, sigma_m, lambda0,
                                          lambda1, mu_v */
    vr_pfit_result r;
    vr_err err = {0};
    assert_int_equal(vr_pricing_fit(d, N, &o, &r, &err), VR_OK);
    vr_pfit_print(stderr, &r);
    const double g[8] = {r.est.s2.kappa_v, r.est.s2.kappa_m, r.est.s2.theta, r.est.s2.sigma_v,
                         r.est.s2.sigma_m, r.est.s2.lambda0, r.est.s2.lambda1, r.est.s2.mu_v};
    const double w[8] = {ex.kappa_v, ex.kappa_m, ex.theta, ex.sigma_v, ex.sigma_m, ex.lambda0,
                         ex.lambda1, ex.mu_v};
    for (int k = 0; k < 8; k++) {
        printf("  parameter %d: truth %g, fitted %g\n", k, w[k], g[k]);
        assert_true(fabs(g[k] / w[k] - 1) < 0.02);
    }
    assert_true(r.est.s2.rho_j == start.s2.rho_j && r.est.s2.mu_s == start.s2.mu_s);
    assert_true(r.rms_fut < 1e-3 && r.rms_vvix < 1e-3);
}

/* vr_cmd_calibrate's exit code, its stderr in buf */
static int calibrate_err(int argc, char **argv, char *buf, size_t cap)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    const int saved = dup(fileno(stderr));
    dup2(fileno(tmp), fileno(stderr));
    const int rc = vr_cmd_calibrate(argc, argv);
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    rewind(tmp);
    const size_t n = fread(buf, 1, cap - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    optind = 0; /* getopt_long restarts for the next command */
    return rc;
}

/* The pricing-fit options of the command line: out of range or without the svcj2 alternation they
 * are usage errors (exit 2) naming the option and its range, before any data is read. */
static void test_calibrate_options(void **state)
{
    (void)state;
    char msg[2048];
    char *a1[] = {"calibrate", "--data", "/nonexistent", "--model", "svcj2", "--pricing-from",
                  "configs/models/svcj2_example.yaml", "--measure", "pricing", "--max-eval", "5",
                  NULL};
    assert_int_equal(calibrate_err(11, a1, msg, sizeof msg), 2);
    assert_non_null(strstr(msg, "--max-eval"));
    assert_non_null(strstr(msg, "[10, 100000]"));
    char *a2[] = {"calibrate", "--data", "/nonexistent", "--model", "svcj2", "--pricing-from",
                  "configs/models/svcj2_example.yaml", "--measure", "pricing", "--v-anchor", "-1",
                  NULL};
    assert_int_equal(calibrate_err(11, a2, msg, sizeof msg), 2);
    assert_non_null(strstr(msg, "--v-anchor: expected a number in [0, 1e+06]"));
    char *a3[] = {"calibrate", "--data", "/nonexistent", "--model", "svcj", "--measure", "pricing",
                  "--v-anchor", "2", NULL};
    assert_int_equal(calibrate_err(9, a3, msg, sizeof msg), 2); /* not the svcj2 alternation */
    assert_non_null(strstr(msg, "--v-anchor anchors the states of the svcj2 pricing fit"));
    char *a4[] = {"calibrate", "--data", "/nonexistent", "--model", "svcj2", "--pricing-from",
                  "configs/models/svcj2_example.yaml", "--measure", "pricing", "--cap", "nu=1",
                  NULL};
    assert_int_equal(calibrate_err(11, a4, msg, sizeof msg), 2);
    assert_non_null(strstr(msg, "'nu' is not a parameter of model svcj2"));
    char *a5[] = {"calibrate", "--data", "/nonexistent", "--model", "svcj2", "--pricing-from",
                  "configs/models/svcj2_example.yaml", "--measure", "pricing", "--cap", "mu_v=9",
                  NULL};
    assert_int_equal(calibrate_err(11, a5, msg, sizeof msg), 2);
    assert_non_null(strstr(msg, "--cap mu_v: expected a number in [0, 4]"));
}

/* A cap bounds the fitted parameter: from a start above it, the fit stays at or below it. */
static void test_pricing_fit_cap(void **state)
{
    (void)state;
    const vr_sv_params truth = {.s2 = ex};
    enum { N = 10 };
    vr_pfit_day d[N];
    for (int i = 0; i < N; i++) {
        const double x[2] = {0.01 + 0.012 * i, 0.03};
        synth_day(&d[i], i, x, 2, 10.0, 40.0, 0);
    }
    vr_sv_params start = truth;
    start.s2.mu_v = 0.2;
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_SVCJ2, &start);
    o.every = 1;
    o.max_eval = 60;
    o.threads = 1;
    o.fit_mask = 1ul << 8; /* mu_v */
    o.cap_hi[8] = 0.05;
    vr_pfit_result r;
    vr_err err = {0};
    if (vr_pricing_fit(d, N, &o, &r, &err) != VR_OK)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    assert_true(r.est.s2.mu_v <= 0.05 && r.est.s2.mu_v > 0.04); /* the truth 0.07 lies above */
    o.cap_hi[8] = 5.0; /* above the table's 4: refused */
    assert_int_equal(vr_pricing_fit(d, N, &o, &r, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "cap 5 on mu_v"));
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]); /* one test by name (pattern) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_future_direct),    cmocka_unit_test(test_future_limit),
        cmocka_unit_test(test_elog_replication), cmocka_unit_test(test_elog_replication_rare), cmocka_unit_test(test_threads_and_reuse),
        cmocka_unit_test(test_bad_input),        cmocka_unit_test(test_pricing_fit_recovery),
        cmocka_unit_test(test_calibrate_options), cmocka_unit_test(test_pricing_fit_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
