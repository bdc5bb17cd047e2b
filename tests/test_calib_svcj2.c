/* test_calib_svcj2.c: physical calibration of the two-factor model svcj2 (vr_calib_fit2).
 *
 * Filter: states (v, m) drawn at random are turned into VIX and VIX3M with the model's own
 * coefficients (vix_coef, vr_vix_level_x) and must come back from vr_calib_filter2 to 1e-10.
 * Recovery: a 16-year daily svcj2 path is simulated by the engine (vr_sim_run, QE, an observer
 * keeping path 0's ln S, v and m), its VIX and VIX3M computed with the true parameters, and
 * vr_calib_fit2 (filtering with the true parameters) must recover them within the stated numbers
 * of its own standard errors. The command writes a file that vr_model_load reads back, and bad
 * combinations of options are usage errors (exit 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_sim.h"
#include "vr_test_util.h"

/* the command itself (engine/cli is not part of the library) */
#include "../engine/cli/calibrate_cmd.c"

/* One daily path of `years`: SPX, VIX, VIX3M (n = years*252 + 1) and the true states. */
static size_t sim2(const vr_sv_params *p, double years, uint64_t seed, double **spx, double **vix,
                   double **v3m, double **v, double **m)
{
    vr_test_path o = vr_test_sim_path0(VR_MODEL_SVCJ2, p, p->s2.theta, p->s2.theta, years, seed);
    const size_t n = o.n;
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    const vr_vix_coef c30 = ops->vix_coef(p, VR_VIX_TAU_30D), c93 = ops->vix_coef(p, VR_VIX_TAU_93D);
    *spx = malloc(n * sizeof(double));
    *vix = malloc(n * sizeof(double));
    *v3m = malloc(n * sizeof(double));
    for (size_t k = 0; k < n; k++) {
        const double x[2] = {o.x[0][k], o.x[1][k]};
        (*spx)[k] = exp(o.ls[k]);
        (*vix)[k] = vr_vix_level_x(&c30, x, 2);
        (*v3m)[k] = vr_vix_level_x(&c93, x, 2);
    }
    free(o.ls);
    *v = o.x[0];
    *m = o.x[1];
    return n;
}

static void test_filter_inverts(void **state)
{
    (void)state;
    const vr_sv_params p = vr_test_svcj2_recovery();
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    const vr_vix_coef c30 = ops->vix_coef(&p, VR_VIX_TAU_30D), c93 = ops->vix_coef(&p, VR_VIX_TAU_93D);
    enum { N = 500 };
    double v[N], m[N], vix[N], v3m[N], fv[N], fm[N];
    uint64_t s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const double u1 = (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const double u2 = (double)(s >> 11) / 9007199254740992.0;
        v[i] = 0.002 + 0.4 * u1 * u1; /* VIX about 5 to 65 */
        m[i] = 0.002 + 0.3 * u2;
        const double x[2] = {v[i], m[i]};
        vix[i] = vr_vix_level_x(&c30, x, 2);
        v3m[i] = vr_vix_level_x(&c93, x, 2);
    }
    assert_int_equal(vr_calib_filter2(&p, vix, v3m, N, fv, fm), 0);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        worst = fmax(worst, fabs(fv[i] - v[i]));
        worst = fmax(worst, fabs(fm[i] - m[i]));
    }
    print_message("  filter: largest |error| over %d states %.3g\n", N, worst);
    assert_true(worst < 1e-10);
    /* under other parameters the same indices give other states: the filter uses p */
    vr_sv_params q = p;
    q.s2.kappa_m = 2.0;
    vr_calib_filter2(&q, vix, v3m, N, fv, fm);
    assert_true(fabs(fm[0] - m[0]) > 1e-4);
    /* an index pair the model cannot reach (VIX3M far below VIX) is floored and counted */
    const double a = 60, b = 15;
    double xv, xm;
    assert_int_equal(vr_calib_filter2(&p, &a, &b, 1, &xv, &xm), 1);
    assert_true(xv >= VR_CALIB_V_FLOOR && xm >= VR_CALIB_V_FLOOR);
}

/* QML on a simulated path, filtering with the true pricing set (= physical here). Limits: 3 SEs
 * (the m block and theta: of the block bootstrap, since its 21-day transitions overlap), 5 for
 * sigma_v (see there); the intensity's level at E[v] within 3 Poisson SEs of the truth. */
static void test_qml_recovery(void **state)
{
    (void)state;
    const vr_sv_params p = vr_test_svcj2_recovery();
    double *spx, *vix, *v3m, *v, *m;
    const size_t n = sim2(&p, 16, 7, &spx, &vix, &v3m, &v, &m);
    vr_calib_opts o;
    vr_calib_opts_default(&o, VR_MODEL_SVCJ2);
    o.pricing = &p;
    o.bootstrap = 50;
    vr_calib_result r;
    vr_err err = {0};
    if (vr_calib_fit2(spx, vix, v3m, n, &o, &r, &err) != VR_OK)
        print_error("vr_calib_fit2: %s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    vr_calib_print(stdout, &r);
    /* the filter reproduced the simulated states */
    for (size_t t = 0; t < n; t += 97)
        if (v[t] > 1e-3 && m[t] > 1e-3) {
            assert_true(fabs(r.v[t] - v[t]) < 1e-9);
            assert_true(fabs(r.m[t] - m[t]) < 1e-9);
        }
    const vr_svcj2_params *e = &r.est.s2, *se = &r.se_qml.s2, *t = &p.s2;
    vr_test_within("kappa_v", e->kappa_v, t->kappa_v, se->kappa_v, 3);
    vr_test_within("kappa_m", e->kappa_m, t->kappa_m, r.se_boot.s2.kappa_m, 3);
    vr_test_within("theta", e->theta, t->theta, r.se_boot.s2.theta, 3);
    /* sigma_v: the jumps too small to be detected stay in the diffusive residuals, and the Euler
     * step adds its own bias; +3.3 SE on this path (docs/calibration.md) */
    vr_test_within("sigma_v", e->sigma_v, t->sigma_v, se->sigma_v, 5);
    vr_test_within("sigma_m", e->sigma_m, t->sigma_m, r.se_boot.s2.sigma_m, 3);
    vr_test_within("rho", e->rho, t->rho, se->rho, 3);
    vr_test_within("lambda1", e->lambda1, t->lambda1, se->lambda1, 3);
    vr_test_within("rho_j", e->rho_j, t->rho_j, se->rho_j, 3);
    vr_test_within("mu_v", e->mu_v, t->mu_v, se->mu_v, 3);
    /* the intensity's level (lambda0 + lambda1 E[v]) within 3 SEs of the Poisson count */
    const double ev = 0.04, lam = t->lambda0 + t->lambda1 * ev, T = (double)(n - 1) / 252.0;
    vr_test_within("lambda(E[v])", e->lambda0 + e->lambda1 * ev, lam, sqrt(lam / T), 3);
    vr_calib_result_free(&r);
    free(spx);
    free(vix);
    free(v3m);
    free(v);
    free(m);
}

static void write_csv(const char *path, const double *x, size_t n, int ohlc)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, ohlc ? "date,open,high,low,close\n" : "date,close\n");
    int y = 2000, mo = 1, d = 1;
    static const int dm[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (size_t k = 0; k < n; k++) {
        fprintf(f, ohlc ? "%04d-%02d-%02d,,,,%.6f\n" : "%04d-%02d-%02d,%.6f\n", y, mo, d, x[k]);
        const int len = (mo == 2 && y % 4 != 0) ? 28 : dm[mo - 1];
        if (++d > len) {
            d = 1;
            if (++mo > 12) {
                mo = 1;
                y++;
            }
        }
    }
    fclose(f);
}

static void test_command(void **state)
{
    (void)state;
    char dir[] = "/tmp/vr_test_calib2_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const vr_sv_params p = vr_test_svcj2_recovery();
    double *spx, *vix, *v3m, *v, *m;
    const size_t n = sim2(&p, 4, 11, &spx, &vix, &v3m, &v, &m);
    char f1[256], f2[256], f3[256], fp[256], fo[256], fh[256];
    snprintf(f1, sizeof f1, "%s/spx_daily.csv", dir);
    snprintf(f2, sizeof f2, "%s/vix_daily.csv", dir);
    snprintf(f3, sizeof f3, "%s/vix3m_daily.csv", dir);
    snprintf(fp, sizeof fp, "%s/filter.yaml", dir);
    snprintf(fo, sizeof fo, "%s/out.yaml", dir);
    snprintf(fh, sizeof fh, "%s/heston.yaml", dir);
    write_csv(f1, spx, n, 0);
    write_csv(f2, vix, n, 1);
    /* the filter's pricing set, as a model file */
    vr_model fm;
    memset(&fm, 0, sizeof fm);
    fm.type = VR_MODEL_SVCJ2;
    fm.spot = 3000;
    fm.rate = 0.03;
    fm.v0 = fm.m0 = 0.04;
    fm.physical = fm.pricing = p;
    vr_err err = {0};
    assert_int_equal(vr_calib_write_file(fp, &fm, "filter set", NULL, &err), VR_OK);
    /* no VIX3M file: exit 2, nothing written */
    char *a0[] = {"calibrate", "--data", dir, "--model", "svcj2", "--pricing-from", fp, "-o", fo,
                  "--bootstrap", "10", NULL};
    assert_int_equal(vr_cmd_calibrate(11, a0), 2);
    struct stat sb;
    assert_int_not_equal(stat(fo, &sb), 0);
    write_csv(f3, v3m, n, 1);
    assert_int_equal(vr_cmd_calibrate(11, a0), 0);
    vr_model back;
    assert_int_equal(vr_model_load(fo, &back, &err), VR_OK);
    assert_int_equal(back.type, VR_MODEL_SVCJ2);
    assert_true(fabs(back.m0 - m[n - 1]) < 1e-5 && fabs(back.v0 - v[n - 1]) < 1e-5);
    assert_true(back.physical.s2.kappa_v > 0 && back.physical.s2.kappa_v != p.s2.kappa_v);
    assert_true(back.pricing.s2.kappa_m == p.s2.kappa_m); /* the filter's set, written as given */
    /* the header names the command */
    FILE *f = fopen(fo, "r");
    char line[1024] = "";
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_non_null(strstr(line, "vixrisk calibrate --data"));
    assert_non_null(strstr(line, "--model svcj2"));
    /* bad combinations: exit 2 */
    char *b1[] = {"calibrate", "--data", dir, "--model", "svcj2", NULL};
    assert_int_equal(vr_cmd_calibrate(5, b1), 2); /* no --pricing-from */
    char *b2[] = {"calibrate", "--data", dir, "--model", "svcj2", "--pricing-from", fp, "--proxy",
                  NULL};
    assert_int_equal(vr_cmd_calibrate(8, b2), 2);
    char *b3[] = {"calibrate", "--data", dir, "--model", "svcj2", "--pricing-from", fp, "--rounds",
                  "2", NULL};
    assert_int_equal(vr_cmd_calibrate(9, b3), 2); /* --rounds without --measure pricing */
    char *b4[] = {"calibrate", "--data", dir, "--model", "heston", "--pricing-from", fp, NULL};
    assert_int_equal(vr_cmd_calibrate(7, b4), 2);
    /* --pricing-from a model of another type */
    fm.type = VR_MODEL_HESTON;
    fm.physical = fm.pricing = (vr_sv_params){.kappa = 3, .theta = 0.04, .sigma = 0.5, .rho = -0.7};
    assert_int_equal(vr_calib_write_file(fh, &fm, NULL, NULL, &err), VR_OK);
    char *b5[] = {"calibrate", "--data", dir, "--model", "svcj2", "--pricing-from", fh, NULL};
    assert_int_equal(vr_cmd_calibrate(7, b5), 2);
    /* a window before the VIX3M data: fewer than 100 days, exit 2 */
    char *b6[] = {"calibrate", "--data", dir, "--model", "svcj2", "--pricing-from", fp, "--to",
                  "2000-02-15", NULL};
    assert_int_equal(vr_cmd_calibrate(9, b6), 2);
    char *b7[] = {"calibrate", "--data", dir, "--realism", fo, "--pricing-states", "10,20", NULL};
    assert_int_equal(vr_cmd_calibrate(7, b7), 2); /* more VVIX states than futures states */
    char *b8[] = {"calibrate", "--data", dir, "--realism", fo, "--pricing-states", "10", NULL};
    assert_int_equal(vr_cmd_calibrate(7, b8), 2);
    /* the library refuses what the command refuses */
    vr_calib_opts o;
    vr_calib_opts_default(&o, VR_MODEL_SVCJ2);
    vr_calib_result r;
    vr_err_clear(&err);
    assert_int_equal(vr_calib_fit2(spx, vix, v3m, n, &o, &r, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "pricing"));
    vr_err_clear(&err);
    assert_int_equal(vr_calib_fit(spx, vix, n, &o, &r, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "VIX3M"));
    unlink(f1);
    unlink(f2);
    unlink(f3);
    unlink(fp);
    unlink(fo);
    unlink(fh);
    rmdir(dir);
    free(spx);
    free(vix);
    free(v3m);
    free(v);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_inverts),
        cmocka_unit_test(test_qml_recovery),
        cmocka_unit_test(test_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
