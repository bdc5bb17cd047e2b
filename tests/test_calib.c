/* test_calib.c: physical-parameter calibration and the realism report (vr_calib.h).
 *
 * Recovery: a long Heston path is simulated with known kappa, theta, sigma, rho through vr_sim_run
 * (an observer keeps path 0's daily ln S and variance), the VIX is computed from the state with
 * vr_vix_coef_make, and vr_calib_fit must recover the parameters within a few of its own standard
 * errors from (SPX, VIX) alone. The same for the jump part of a Bates path. Jump detection must
 * find jumps injected into a constant-volatility path. Bad arguments fail with a message; the
 * command is exercised end to end on CSV files written to a temporary directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_config.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_sim.h"
#include "vr_test_util.h"

/* the command itself (engine/cli is not part of the library) */
#include "../engine/cli/calibrate_cmd.c"

typedef struct path_obs { size_t steps; double *ls, *v; } path_obs;

static void keep_path0(void *ctx, const vr_sim_block *b, size_t step)
{
    path_obs *o = ctx;
    if (b->path0 != 0)
        return;
    o->ls[step] = b->log_s[0];
    o->v[step] = b->var[0] > 0 ? b->var[0] : 0.0;
}

/* Simulate one daily path of `years` and return SPX and VIX (n = years*252 + 1). */
static size_t sim_path(vr_model_type t, const vr_sv_params *p, double years, uint64_t seed,
                       double **spx, double **vix)
{
    const size_t steps = (size_t)(years * 252);
    path_obs o = {steps, malloc((steps + 1) * sizeof(double)), malloc((steps + 1) * sizeof(double))};
    vr_sim_spec s;
    memset(&s, 0, sizeof s);
    s.type = t;
    s.params = *p;
    s.spot = 3000;
    s.rate = 0.03;
    s.v0 = p->theta;
    s.horizon = (double)steps / 252.0;
    s.steps = steps;
    s.paths = 8;
    s.seed = seed;
    s.scheme = VR_SCHEME_QE;
    s.block = 8;
    s.threads = 1;
    const vr_sim_observer obs = {&o, keep_path0, NULL};
    vr_err err = {0};
    if (vr_sim_run(&s, &obs, &err) != VR_OK)
        print_error("vr_sim_run: %s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    const vr_vix_coef c = vr_vix_coef_make(t, p, VR_VIX_TAU_30D);
    *spx = malloc((steps + 1) * sizeof(double));
    *vix = malloc((steps + 1) * sizeof(double));
    for (size_t k = 0; k <= steps; k++) {
        (*spx)[k] = exp(o.ls[k]);
        (*vix)[k] = vr_vix_level(c, o.v[k]);
    }
    free(o.ls);
    free(o.v);
    return steps + 1;
}

static void expect_within(const char *name, double est, double truth, double se, double nse)
{
    print_message("  %-7s true %9.5f  est %9.5f  se %8.5f  (%+.2f se)\n", name, truth, est, se,
                  (est - truth) / se);
    assert_true(se > 0 && isfinite(se));
    assert_true(fabs(est - truth) <= nse * se);
}

static void test_heston_recovery(void **state)
{
    (void)state;
    const vr_sv_params p = {.kappa = 3.0, .theta = 0.04, .sigma = 0.4, .rho = -0.7};
    double *spx, *vix;
    const size_t n = sim_path(VR_MODEL_HESTON, &p, 50, 7, &spx, &vix);
    vr_calib_opts o;
    vr_calib_opts_default(&o, VR_MODEL_HESTON);
    o.bootstrap = 50;
    vr_calib_result r;
    vr_err err = {0};
    assert_int_equal(vr_calib_fit(spx, vix, n, &o, &r, &err), VR_OK);
    assert_true(r.converged);
    assert_true(r.n_floored < n / 200); /* the QE path touches v ~ 0 on a few days */
    expect_within("kappa", r.est.kappa, p.kappa, r.se_qml.kappa, 4);
    expect_within("theta", r.est.theta, p.theta, r.se_qml.theta, 4);
    expect_within("sigma", r.est.sigma, p.sigma, r.se_qml.sigma, 4);
    expect_within("rho", r.est.rho, p.rho, r.se_qml.rho, 4);
    assert_true(r.se_boot.kappa > 0 && r.se_boot.kappa < 5 * r.se_qml.kappa);
    /* the inverted variance is the simulated one (own a, b at the fixed point): VIX round trip */
    const vr_vix_coef c = vr_vix_coef_make(VR_MODEL_HESTON, &r.est, VR_VIX_TAU_30D);
    assert_true(fabs(vr_vix_level(c, r.v[n / 2]) - vix[n / 2]) < 1e-9 * vix[n / 2]);
    vr_calib_result_free(&r);
    /* the proxy is biased only in level: v = VIX^2 = a + b v overstates theta by (1-b)(theta*-..) */
    o.invert = 0;
    assert_int_equal(vr_calib_fit(spx, vix, n, &o, &r, &err), VR_OK);
    assert_int_equal(r.iterations, 1);
    vr_calib_result_free(&r);
    free(spx);
    free(vix);
}

static void test_bates_jumps(void **state)
{
    (void)state;
    const vr_sv_params p = {.kappa = 3.0, .theta = 0.03, .sigma = 0.35, .rho = -0.6,
                            .lambda = 2.0, .mu_j = -0.08, .sigma_j = 0.02};
    double *spx, *vix;
    const size_t n = sim_path(VR_MODEL_BATES, &p, 50, 11, &spx, &vix);
    vr_calib_opts o;
    vr_calib_opts_default(&o, VR_MODEL_BATES);
    o.bootstrap = 0;
    vr_calib_result r;
    vr_err err = {0};
    assert_int_equal(vr_calib_fit(spx, vix, n, &o, &r, &err), VR_OK);
    print_message("  %zu jump days detected\n", r.n_jumps);
    expect_within("lambda", r.est.lambda, p.lambda, r.se_qml.lambda, 4);
    expect_within("mu_j", r.est.mu_j, p.mu_j, r.se_qml.mu_j, 4);
    expect_within("sigma_j", r.est.sigma_j, p.sigma_j, r.se_qml.sigma_j, 5);
    expect_within("kappa", r.est.kappa, p.kappa, r.se_qml.kappa, 4);
    expect_within("rho", r.est.rho, p.rho, r.se_qml.rho, 4);
    assert_true(isnan(r.se_boot.kappa));
    vr_calib_result_free(&r);
    free(spx);
    free(vix);
}

static uint64_t sm(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double gauss(uint64_t *s)
{
    const double u1 = ((double)(sm(s) >> 11) + 0.5) / 9007199254740992.0;
    const double u2 = ((double)(sm(s) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void test_jump_detection(void **state)
{
    (void)state;
    const size_t n = 5000;
    double *spx = malloc(n * sizeof *spx);
    uint8_t *fl = malloc(n);
    uint8_t truth[5000] = {0};
    uint64_t s = 42;
    for (size_t k = 100; k < n; k += 487)
        truth[k] = 1;
    spx[0] = 100;
    size_t injected = 0;
    for (size_t t = 1; t < n; t++) {
        double r = 0.01 * gauss(&s);
        if (truth[t]) {
            r += (injected % 2 ? 0.07 : -0.08);
            injected++;
        }
        spx[t] = spx[t - 1] * exp(r);
    }
    const size_t found = vr_calib_detect_jumps(spx, n, 4.0, 21, fl);
    size_t hit = 0, false_pos = 0;
    for (size_t t = 0; t < n; t++) {
        hit += fl[t] && truth[t];
        false_pos += fl[t] && !truth[t];
    }
    print_message("  injected %zu, flagged %zu, hits %zu, false %zu\n", injected, found, hit,
                  false_pos);
    assert_int_equal(hit, injected);
    assert_true(false_pos <= 3);
    assert_int_equal(fl[0], 0);
    free(spx);
    free(fl);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    double x[200];
    for (int i = 0; i < 200; i++)
        x[i] = 20 + (i % 7);
    vr_calib_opts o;
    vr_calib_opts_default(&o, VR_MODEL_HESTON);
    vr_calib_result r;
    vr_err err = {0};
    assert_int_equal(vr_calib_fit(x, x, 50, &o, &r, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "at least 100"));
    vr_err_clear(&err);
    o.jump_k = 1;
    assert_int_equal(vr_calib_fit(x, x, 200, &o, &r, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "jump threshold"));
    vr_err_clear(&err);
    vr_calib_opts_default(&o, VR_MODEL_HESTON);
    x[10] = -1;
    assert_int_equal(vr_calib_fit(x, x, 200, &o, &r, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "observation 10"));
    x[10] = 20;
    vr_err_clear(&err);
    o.type = (vr_model_type)7;
    assert_int_equal(vr_calib_fit(x, x, 200, &o, &r, &err), VR_EINVAL);
    vr_err_clear(&err);
    assert_int_equal(vr_calib_fit(NULL, x, 200, &o, &r, &err), VR_EINVAL);

    /* command line: usage errors exit 2, --help 0 */
    char *a1[] = {"calibrate", "--help", NULL};
    assert_int_equal(vr_cmd_calibrate(2, a1), 0);
    char *a2[] = {"calibrate", "--model", "merton", NULL};
    assert_int_equal(vr_cmd_calibrate(3, a2), 2);
    char *a3[] = {"calibrate", "--bogus", NULL};
    assert_int_equal(vr_cmd_calibrate(2, a3), 2);
    char *a4[] = {"calibrate", NULL};
    assert_int_equal(vr_cmd_calibrate(1, a4), 2);
    char *a5[] = {"calibrate", "--model", "heston", "--from", "2020-02-30", NULL};
    assert_int_equal(vr_cmd_calibrate(5, a5), 2);
    char *a6[] = {"calibrate", "--model", "heston", "--jump-threshold", "1", NULL};
    assert_int_equal(vr_cmd_calibrate(5, a6), 2);
    char *a7[] = {"calibrate", "--model", "heston", "--from", "2020-01-01", "--to", "2019-01-01",
                  NULL};
    assert_int_equal(vr_cmd_calibrate(7, a7), 2);
    char *a8[] = {"calibrate", "--realism", "x.yaml", "--model", "heston", NULL};
    assert_int_equal(vr_cmd_calibrate(5, a8), 2);
    char *a9[] = {"calibrate", "--model", "heston", "--data", "/nonexistent", NULL};
    assert_int_equal(vr_cmd_calibrate(5, a9), 1);
    char *a10[] = {"calibrate", "--model", "heston", "extra", NULL};
    assert_int_equal(vr_cmd_calibrate(4, a10), 2);
    char *a11[] = {"calibrate", "--model", NULL};
    assert_int_equal(vr_cmd_calibrate(2, a11), 2);
}

/* End to end: write a simulated history as CSV, calibrate, load the model, run a small realism
 * report on it. */
static void test_command_end_to_end(void **state)
{
    (void)state;
    char dir[] = "/tmp/vr_test_calib_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const vr_sv_params p = {.kappa = 4.0, .theta = 0.04, .sigma = 0.5, .rho = -0.7};
    double *spx, *vix;
    const size_t n = sim_path(VR_MODEL_HESTON, &p, 12, 3, &spx, &vix);
    char f1[256], f2[256], fm[256], fr[256];
    snprintf(f1, sizeof f1, "%s/spx_daily.csv", dir);
    snprintf(f2, sizeof f2, "%s/vix_daily.csv", dir);
    snprintf(fm, sizeof fm, "%s/model.yaml", dir);
    snprintf(fr, sizeof fr, "%s/realism.md", dir);
    FILE *a = fopen(f1, "w"), *b = fopen(f2, "w");
    fprintf(a, "date,close\n");
    fprintf(b, "date,open,high,low,close\n");
    /* consecutive calendar days from 2000-01-01 (weekends included: the loader only checks order) */
    int y = 2000, m = 1, d = 1;
    static const int dm[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (size_t k = 0; k < n; k++) {
        fprintf(a, "%04d-%02d-%02d,%.4f\n", y, m, d, spx[k]);
        fprintf(b, "%04d-%02d-%02d,,,,%.4f\n", y, m, d, vix[k]);
        const int len = (m == 2 && y % 4 != 0) ? 28 : dm[m - 1];
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    fclose(a);
    fclose(b);
    char *args[] = {"calibrate", "--data", dir, "--model", "heston", "-o", fm,
                    "--bootstrap", "20", "--from", "2000-01-01", NULL};
    assert_int_equal(vr_cmd_calibrate(11, args), 0);
    vr_model mod;
    vr_err err = {0};
    assert_int_equal(vr_model_load(fm, &mod, &err), VR_OK);
    assert_int_equal(mod.type, VR_MODEL_HESTON);
    assert_true(mod.physical.kappa > 0 && fabs(mod.physical.theta - 0.04) < 0.02);
    assert_true(mod.pricing.kappa == mod.physical.kappa);
    assert_true(fabs(mod.spot - spx[n - 1]) < 0.01);
    char *args2[] = {"calibrate", "--data", dir, "--realism", fm, "--paths", "16", "--years",
                     "2", "--report", fr, NULL};
    assert_int_equal(vr_cmd_calibrate(11, args2), 0);
    struct stat sb;
    assert_int_equal(stat(fr, &sb), 0);
    assert_true(sb.st_size > 500);
    /* window without data */
    char *args3[] = {"calibrate", "--data", dir, "--model", "heston", "--from", "2030-01-01", NULL};
    assert_int_equal(vr_cmd_calibrate(7, args3), 2);
    unlink(f1);
    unlink(f2);
    unlink(fm);
    unlink(fr);
    rmdir(dir);
    free(spx);
    free(vix);
}

static void test_realism_history_stats(void **state)
{
    (void)state;
    /* a flat VIX with one doubling from below 20 and one 85 spike */
    const size_t n = 2521;
    double *spx = malloc(n * sizeof *spx), *vix = malloc(n * sizeof *vix);
    for (size_t t = 0; t < n; t++) {
        spx[t] = 1000 * exp(0.0001 * (double)t);
        vix[t] = 15;
    }
    vix[100] = 31;
    vix[1000] = 85;
    vr_realism_stats s;
    vr_err err = {0};
    assert_int_equal(vr_realism_history(spx, vix, n, &s, &err), VR_OK);
    assert_true(fabs(s.years - 10.0) < 1e-9);
    assert_true(fabs(s.feb2018_per100y - 20.0) < 1e-9);   /* 15 -> 31 and 15 -> 85, in 10 y */
    assert_true(fabs(s.mar2020_per100y - 10.0) < 1e-9);
    assert_true(fabs(s.max_up_1d_pts - 70.0) < 1e-9);
    assert_true(fabs(s.vix_pct[3] - 15.0) < 1e-12);
    assert_true(fabs(s.frac_above[0] - 2.0 / (double)n) < 1e-12);
    free(spx);
    free(vix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heston_recovery),
        cmocka_unit_test(test_bates_jumps),
        cmocka_unit_test(test_jump_detection),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_command_end_to_end),
        cmocka_unit_test(test_realism_history_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
