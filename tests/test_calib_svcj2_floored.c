/* test_calib_svcj2_floored.c: the svcj2 physical fit and the days outside the model's reach
 * (vr_calib_opts.floored, `vixrisk calibrate --floored keep|drop`; docs/calibration.md).
 *
 * A 12-year daily svcj2 path is simulated by the engine (as test_calib_svcj2) and its VIX and
 * VIX3M computed with the true parameters; every state is inside the model's reach. Then 20
 * episodes of 3 days get a VIX3M at 60% of the VIX, which no state reaches (m would be negative):
 * the filter clamps and floors those 60 days, as it does on the worst days of 2020.
 * - keep (the default, the fit before the option) fits the clamped states: the transitions into
 *   and out of them read the clamp as huge moves of v and m, and the estimates move by many
 *   standard errors from those of the clean path;
 * - drop leaves out exactly the transitions touching them (every daily transition with a
 *   corrupted end, every 21-day transition of m whose window holds one: counted here
 *   independently) and lands within a fraction of a standard error of the clean path's
 *   estimates, and within the recovery test's limits of the truth;
 * - keep is the default and gives the same numbers as before; a bad value is a usage error
 *   (exit 2), as is the option without --model svcj2 or with --realism. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_model_ops.h"
#include "vr_test_util.h"

#define YEARS 16
#define EPISODES 40
#define EP_LEN 5

static void fit(const double *spx, const double *vix, const double *v3m, size_t n,
                const vr_sv_params *p, int floored, vr_calib_result *r)
{
    vr_calib_opts o;
    vr_calib_opts_default(&o, VR_MODEL_SVCJ2);
    o.pricing = p;
    o.bootstrap = 30;
    o.floored = floored;
    vr_err err = {0};
    if (vr_calib_fit2(spx, vix, v3m, n, &o, r, &err) != VR_OK)
        print_error("vr_calib_fit2: %s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
}

/* |a - b| in units of se */
static double nse(double a, double b, double se)
{
    return fabs(a - b) / se;
}

static void test_drop_recovers(void **state)
{
    (void)state;
    const vr_sv_params p = vr_test_svcj2_recovery();
    vr_test_path o = vr_test_sim_path0(VR_MODEL_SVCJ2, &p, p.s2.theta, p.s2.theta, YEARS, 7);
    const size_t n = o.n, H = 21;
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    const vr_vix_coef c30 = ops->vix_coef(&p, VR_VIX_TAU_30D), c93 = ops->vix_coef(&p, VR_VIX_TAU_93D);
    double *spx = malloc(n * sizeof *spx), *vix = malloc(n * sizeof *vix),
           *v3m = malloc(n * sizeof *v3m), *bad3m = malloc(n * sizeof *bad3m);
    uint8_t *bad = calloc(n, 1);
    assert_true(spx && vix && v3m && bad3m && bad);
    for (size_t k = 0; k < n; k++) {
        const double x[2] = {o.x[0][k], o.x[1][k]};
        spx[k] = exp(o.ls[k]);
        vix[k] = vr_vix_level_x(&c30, x, 2);
        v3m[k] = bad3m[k] = vr_vix_level_x(&c93, x, 2);
    }
    /* days the clean path itself leaves the reach (v below the floor): the filter day by day */
    size_t nclean = 0;
    for (size_t t = 0; t < n; t++) {
        double xv, xm;
        bad[t] = (uint8_t)vr_calib_filter2(&p, &vix[t], &v3m[t], 1, &xv, &xm);
        nclean += bad[t];
    }
    /* episodes spread over the path (apart by more than the m step) */
    size_t nbad = 0;
    for (int e = 0; e < EPISODES; e++) {
        const size_t t0 = 50 + (size_t)e * ((n - 100) / EPISODES);
        for (size_t j = 0; j < EP_LEN; j++) {
            bad3m[t0 + j] = 0.6 * vix[t0 + j];
            nbad += !bad[t0 + j];
            bad[t0 + j] = 1;
        }
    }
    /* the transitions that touch a corrupted day, counted here from the days themselves */
    size_t want_v = 0, want_m = 0;
    for (size_t t = 1; t < n; t++)
        want_v += bad[t - 1] || bad[t];
    for (size_t t0 = 0; t0 + H < n; t0++) {
        int any = 0;
        for (size_t j = t0; j <= t0 + H; j++)
            any |= bad[j];
        want_m += (size_t)any;
    }
    vr_calib_result clean, keep, drop, clean_drop;
    fit(spx, vix, v3m, n, &p, VR_CALIB_FLOORED_KEEP, &clean);
    fit(spx, vix, v3m, n, &p, VR_CALIB_FLOORED_DROP, &clean_drop);
    fit(spx, vix, bad3m, n, &p, VR_CALIB_FLOORED_KEEP, &keep);
    fit(spx, vix, bad3m, n, &p, VR_CALIB_FLOORED_DROP, &drop);
    printf("clean path:\n");
    vr_calib_print(stdout, &clean);
    printf("%zu days corrupted, keep:\n", nbad);
    vr_calib_print(stdout, &keep);
    printf("drop:\n");
    vr_calib_print(stdout, &drop);
    /* the corrupted days are counted as outside the reach; keep leaves nothing out */
    assert_int_equal(clean.n_floored, nclean);
    assert_int_equal(keep.n_floored, nclean + nbad);
    assert_int_equal(drop.n_floored, nclean + nbad);
    assert_int_equal(keep.n_left_out, 0);
    assert_int_equal(keep.n_left_out_m, 0);
    assert_int_equal(drop.n_left_out, want_v);
    assert_int_equal(drop.n_left_out_m, want_m);
    assert_int_equal(drop.m_step, H);
    assert_true(clean_drop.n_left_out < drop.n_left_out);
    print_message("  clean path: %zu days below the floor; left out %zu daily and %zu %zu-day transitions of m\n", nclean, drop.n_left_out,
                  drop.n_left_out_m, H);
    /* distances from the clean path's estimates (keep from keep's, drop from drop's), in their
     * standard errors (the m block's and theta's of the bootstrap: its transitions overlap) */
    const vr_svcj2_params *c = &clean.est.s2, *k = &keep.est.s2, *d = &drop.est.s2,
                          *cd = &clean_drop.est.s2, *s = &clean.se_qml.s2, *b = &clean.se_boot.s2;
    const struct {
        const char *name;
        double clean, keep, clean_drop, drop, se;
    } row[] = {
        {"kappa_v", c->kappa_v, k->kappa_v, cd->kappa_v, d->kappa_v, s->kappa_v},
        {"kappa_m", c->kappa_m, k->kappa_m, cd->kappa_m, d->kappa_m, b->kappa_m},
        {"theta", c->theta, k->theta, cd->theta, d->theta, b->theta},
        {"sigma_v", c->sigma_v, k->sigma_v, cd->sigma_v, d->sigma_v, s->sigma_v},
        {"sigma_m", c->sigma_m, k->sigma_m, cd->sigma_m, d->sigma_m, b->sigma_m},
        {"rho", c->rho, k->rho, cd->rho, d->rho, s->rho},
        {"mu_v", c->mu_v, k->mu_v, cd->mu_v, d->mu_v, s->mu_v},
        {"lambda(E[v])", c->lambda0 + 0.04 * c->lambda1, k->lambda0 + 0.04 * k->lambda1,
         cd->lambda0 + 0.04 * cd->lambda1, d->lambda0 + 0.04 * d->lambda1,
         sqrt((c->lambda0 + 0.04 * c->lambda1) * 252.0 / (double)n)},
    };
    double worst_keep = 0, worst_drop = 0;
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++) {
        const double zk = nse(row[i].keep, row[i].clean, row[i].se),
                     zd = nse(row[i].drop, row[i].clean_drop, row[i].se);
        print_message("  %-12s clean %-10.4g keep %-10.4g (%5.1f SE)  clean %-10.4g drop %-10.4g "
                      "(%4.2f SE)\n", row[i].name, row[i].clean, row[i].keep, zk,
                      row[i].clean_drop, row[i].drop, zd);
        assert_true(isfinite(row[i].se) && row[i].se > 0);
        worst_keep = fmax(worst_keep, zk);
        worst_drop = fmax(worst_drop, zd);
        /* drop: within 1 SE of the clean path's estimate (it leaves out 2-3% of the daily
         * transitions and 13% of m's) */
        assert_true(zd < 1.0);
    }
    /* keep: the clamped states move some estimate by more than 5 SEs */
    assert_true(worst_keep > 5.0);
    /* and drop recovers the truth within the recovery test's limits (test_calib_svcj2) */
    const vr_svcj2_params *t = &p.s2;
    vr_test_within("kappa_v", d->kappa_v, t->kappa_v, drop.se_qml.s2.kappa_v, 3);
    vr_test_within("kappa_m", d->kappa_m, t->kappa_m, drop.se_boot.s2.kappa_m, 3);
    vr_test_within("theta", d->theta, t->theta, drop.se_boot.s2.theta, 3);
    vr_test_within("sigma_v", d->sigma_v, t->sigma_v, drop.se_qml.s2.sigma_v, 5);
    vr_test_within("sigma_m", d->sigma_m, t->sigma_m, drop.se_boot.s2.sigma_m, 3);
    vr_test_within("rho", d->rho, t->rho, drop.se_qml.s2.rho, 3);
    vr_test_within("mu_v", d->mu_v, t->mu_v, drop.se_qml.s2.mu_v, 3);
    vr_calib_result_free(&clean);
    vr_calib_result_free(&clean_drop);
    vr_calib_result_free(&keep);
    vr_calib_result_free(&drop);
    free(spx);
    free(vix);
    free(v3m);
    free(bad3m);
    free(bad);
    vr_test_path_free(&o);
}

/* The library refuses a value outside keep/drop; the command's usage errors exit 2. */
static void test_usage(void **state)
{
    (void)state;
    const vr_sv_params p = vr_test_svcj2_recovery();
    enum { N = 300 };
    double spx[N], vix[N], v3m[N];
    for (int i = 0; i < N; i++) {
        spx[i] = 100 * exp(0.001 * sin(i));
        vix[i] = 18 + sin(0.1 * i);
        v3m[i] = 20 + sin(0.1 * i);
    }
    vr_calib_opts o;
    vr_calib_opts_default(&o, VR_MODEL_SVCJ2);
    assert_int_equal(o.floored, VR_CALIB_FLOORED_KEEP);
    o.pricing = &p;
    o.floored = 2;
    vr_calib_result r;
    vr_err err = {0};
    assert_int_equal(vr_calib_fit2(spx, vix, v3m, N, &o, &r, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "floored"));

    static char out[1 << 15];
    char args[2048];
    const char *pf = VIXRISK_SOURCE_DIR "/configs/models/svcj2_example.yaml";
    snprintf(args, sizeof args, "calibrate --data %s --model svcj2 --pricing-from %s --floored "
             "sometimes -o /nonexistent/m.yaml", VR_TEST_DATA_DIR, pf);
    vr_test_cli_expect(args, 2, out, sizeof out, "--floored: expected keep or drop, got 'sometimes'",
                       NULL);
    snprintf(args, sizeof args, "calibrate --data %s --model heston --floored drop "
             "-o /nonexistent/m.yaml", VR_TEST_DATA_DIR);
    vr_test_cli_expect(args, 2, out, sizeof out, "--floored", "--model svcj2", NULL);
    snprintf(args, sizeof args, "calibrate --data %s --realism %s --floored drop",
             VR_TEST_DATA_DIR, pf);
    vr_test_cli_expect(args, 2, out, sizeof out, "--floored", NULL);
    snprintf(args, sizeof args, "calibrate --data %s --model svcj2 --pricing-from %s --floored",
             VR_TEST_DATA_DIR, pf);
    vr_test_cli_expect(args, 2, out, sizeof out, "--floored", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_drop_recovers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
