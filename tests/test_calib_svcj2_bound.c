/* test_calib_svcj2_bound.c: the svcj2 physical fit holds an estimate outside the model's domain
 * at its bound (lambda1 at 0.95 kappa_v / mu_v, for a stationary E[v]) and says so: the result
 * records which parameter was moved and the unconstrained value (vr_calib_result.at_bound,
 * .fitted), its standard errors are NAN ("n/a", no SE describes a bound), and the printed summary
 * names the parameter, the bound and the fitted value. A 12-year path simulated from a set with
 * lambda1 mu_v close to kappa_v gives a fitted lambda1 above the bound. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_model_params.h"
#include "vr_test_util.h"

#ifndef VR_TEST_BOUND_SEED
#define VR_TEST_BOUND_SEED 1
#endif
#define VR_TEST_BOUND_YEARS 12

static void test_lambda1_at_bound(void **state)
{
    (void)state;
    vr_sv_params p;
    memset(&p, 0, sizeof p);
    p.s2 = (vr_svcj2_params){.kappa_v = 6.0, .kappa_m = 1.0, .theta = 0.04, .sigma_v = 0.5,
                             .sigma_m = 0.15, .rho = -0.7, .lambda0 = 0.5, .lambda1 = 45.0,
                             .mu_v = 0.12, .mu_s = -0.02, .sigma_s = 0.02, .rho_j = -0.3};
    vr_test_path o = vr_test_sim_path0(VR_MODEL_SVCJ2, &p, p.s2.theta, p.s2.theta,
                                             VR_TEST_BOUND_YEARS, VR_TEST_BOUND_SEED);
    const size_t n = o.n;
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    const vr_vix_coef c30 = ops->vix_coef(&p, VR_VIX_TAU_30D), c93 = ops->vix_coef(&p, VR_VIX_TAU_93D);
    double *spx = malloc(n * sizeof *spx), *vix = malloc(n * sizeof *vix),
           *v3m = malloc(n * sizeof *v3m);
    assert_non_null(spx);
    assert_non_null(vix);
    assert_non_null(v3m);
    for (size_t k = 0; k < n; k++) {
        const double x[2] = {o.x[0][k], o.x[1][k]};
        spx[k] = exp(o.ls[k]);
        vix[k] = vr_vix_level_x(&c30, x, 2);
        v3m[k] = vr_vix_level_x(&c93, x, 2);
    }
    vr_calib_opts co;
    vr_calib_opts_default(&co, VR_MODEL_SVCJ2);
    co.pricing = &p;
    co.bootstrap = 20;
    vr_calib_result r;
    vr_err err = {0};
    if (vr_calib_fit2(spx, vix, v3m, n, &co, &r, &err) != VR_OK)
        print_error("vr_calib_fit2: %s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    vr_calib_print(stdout, &r);
    const vr_model_def *md = vr_model_def_of(VR_MODEL_SVCJ2);
    int il = -1;
    for (int i = 0; i < md->nparams; i++)
        if (strcmp(md->params[i].name, "lambda1") == 0)
            il = i;
    assert_true(il >= 0);
    const vr_svcj2_params *e = &r.est.s2, *f = &r.fitted.s2;
    print_message("  fitted lambda1 %.4g, bound 0.95 kappa_v / mu_v = %.4g, held %.4g\n",
                  f->lambda1, 0.95 * e->kappa_v / e->mu_v, e->lambda1);
    /* the fit went beyond the bound, the estimate sits on it, and the result says so */
    assert_true(f->lambda1 * f->mu_v >= 0.95 * f->kappa_v);
    assert_true(fabs(e->lambda1 - 0.95 * e->kappa_v / e->mu_v) < 1e-9 * e->lambda1);
    assert_true(r.at_bound & (1ul << il));
    assert_true(isnan(r.se_qml.s2.lambda1) && isnan(r.se_boot.s2.lambda1));
    /* every other parameter is untouched */
    for (int i = 0; i < md->nparams; i++)
        if (i != il && md->params[i].name[0] != 's') /* (sigma_v may be held too; it is not here) */
            assert_true(vr_param_get(&r.est, &md->params[i]) ==
                        vr_param_get(&r.fitted, &md->params[i]));
    char b[1024];
    assert_true(vr_calib_bounds_str(&r, "  ", b, sizeof b) > 0);
    print_message("%s\n", b);
    assert_non_null(strstr(b, "lambda1"));
    assert_non_null(strstr(b, "held at its bound"));
    char fv[32];
    snprintf(fv, sizeof fv, "%.6g", f->lambda1);
    assert_non_null(strstr(b, fv));
    char se[VR_CALIB_SE_STR];
    assert_string_equal(vr_calib_se_str(r.se_qml.s2.lambda1, se), "n/a");
    vr_calib_result_free(&r);
    free(spx);
    free(vix);
    free(v3m);
    vr_test_path_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lambda1_at_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
