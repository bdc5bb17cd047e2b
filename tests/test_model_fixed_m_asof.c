/* test_model_fixed_m_asof.c: a market day's state for a two-factor model whose m cannot move.
 *
 * An svcj file with lambda1 is loaded as its svcj2 limit (vr_model_lift_svcj: sigma_m = 0,
 * kappa_m = 1, m0 = theta), where m stays at theta. Its only free factor is v, so a market day
 * must give v from VIX alone with m kept at theta, as for the one-factor model:
 *  - on a day with a VIX close and no VIX3M close, `model --asof` and vr_model_start_at_market
 *    succeed (they asked for VIX3M, as for a true two-factor model), m stays at theta and the
 *    model's VIX is the day's;
 *  - on a day with both, m still stays at theta (it was backed out of VIX3M, moved off theta and
 *    left to revert at the lift's made-up kappa_m = 1);
 *  - on a day whose VIX is below the floor with m at theta (but above the one with m at 0) the
 *    command shows the clamped state v = 0, m = theta, and `price --asof` refuses the day naming
 *    the floor (exit 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_model_ops.h"
#include "vr_test_util.h"

#define THETA 0.0140754
static const char *k_model =
    "model:\n  type: svcj\n  spot: 7575.39\n  rate: 0.03\n  dividend: 0.015\n  v0: 0.01399\n"
    "  physical: {kappa: 5.20194, theta: 0.0140754, sigma: 0.608043, rho: -0.551327, lambda: 2.11097, "
    "mu_v: 0.0675046, mu_s: -0.0122359, sigma_s: 0.0141985, rho_j: -0.302576, lambda1: 5}\n"
    "  pricing:  {kappa: 5.20194, theta: 0.0140754, sigma: 0.608043, rho: -0.551327, lambda: 2.11097, "
    "mu_v: 0.0675046, mu_s: -0.0122359, sigma_s: 0.0141985, rho_j: -0.302576, lambda1: 5}\n";

static void test_fixed_m_asof(void **state)
{
    (void)state;
    char dir[128], args[1400], data[1200];
    static char out[16384];
    assert_int_equal(vr_test_tmpdir("fixedm", dir, sizeof dir), 0);
    const char *path = vr_test_write(dir, "svcj_l1.yaml", k_model);
    char model[256];
    snprintf(model, sizeof model, "%s", path);
    vr_model m;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_load(model, &m, &err), VR_OK);
    assert_int_equal(m.type, VR_MODEL_SVCJ2); /* lifted */
    const vr_model_ops *ops = vr_model_ops_get(m.type);
    const vr_vix_coef c30 = ops->vix_coef(&m.pricing, VR_VIX_TAU_30D);
    const double at_theta[2] = {0.0, THETA}, at_zero[2] = {0.0, 0.0};
    const double floor_theta = vr_vix_level_x(&c30, at_theta, 2);
    const double floor_zero = vr_vix_level_x(&c30, at_zero, 2);
    const double low = 0.5 * (floor_theta + floor_zero); /* reachable only by moving m below theta */
    printf("  floor with m = theta %.4f, with m = 0 %.4f; low day's VIX %.4f\n", floor_theta,
           floor_zero, low);
    assert_true(floor_zero < low && low < floor_theta);

    /* day 1: VIX only; day 2: VIX and VIX3M; day 3: VIX below the floor at m = theta */
    vr_test_write(dir, "spx_daily.csv",
                  "date,open,high,low,close\n2005-01-03,1,1,1,1202.08\n2017-11-01,1,1,1,2579.36\n"
                  "2020-03-16,1,1,1,2386.13\n");
    snprintf(data, sizeof data,
             "date,open,high,low,close\n2005-01-03,1,1,1,14.08\n2017-11-01,1,1,1,%.4f\n"
             "2020-03-16,1,1,1,82.69\n", low);
    vr_test_write(dir, "vix_daily.csv", data);
    vr_test_write(dir, "vix3m_daily.csv", "date,open,high,low,close\n2020-03-16,1,1,1,67.70\n");

    const char *days[2] = {"2005-01-03", "2020-03-16"};
    const double vix[2] = {14.08, 82.69};
    for (int d = 0; d < 2; d++) {
        snprintf(args, sizeof args,
                 "model '%s' --asof %s --data '%s' --json | /usr/bin/env python3 -c '"
                 "import json,sys; j=json.load(sys.stdin); "
                 "print(\"m=%%.17g vix=%%.17g clamped=%%s\" %% (j[\"state\"][\"m\"], "
                 "j[\"indices\"][1][\"model\"], j[\"clamped\"]))'",
                 model, days[d], dir);
        const int rc = vr_test_cli(args, out, sizeof out);
        printf("  model --asof %s: rc %d: %s", days[d], rc, out);
        assert_int_equal(rc, 0);
        double mm = -1, vv = -1;
        assert_int_equal(sscanf(out, "m=%lf vix=%lf", &mm, &vv), 2);
        assert_true(mm == THETA);
        assert_true(fabs(vv - vix[d]) < 1e-9);
        assert_non_null(strstr(out, "clamped=None"));

        /* the library's start at the market: m0 stays theta, v0 gives the day's VIX */
        vr_market_day mk;
        int32_t date = d ? 20200316 : 20050103;
        assert_int_equal(vr_market_day_load(dir, date, &mk, &err), VR_OK);
        vr_model m2 = m;
        double x[VR_FACTORS_MAX];
        assert_int_equal(vr_model_start_at_market(&m2, &mk, x, &err), VR_OK);
        assert_true(m2.m0 == THETA && x[1] == THETA);
        assert_true(fabs(vr_vix_level_x(&c30, x, 2) - vix[d]) < 1e-9);
    }

    /* day 3: below the floor at m = theta: clamped v = 0, m = theta (exit 0); price refuses */
    snprintf(args, sizeof args, "model '%s' --asof 2017-11-01 --data '%s'", model, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "CLAMPED", "clamped: v = 0", "m = 0.0140754",
                       "factors from VIX\n", NULL);
    assert_null(strstr(out, "VIX3M exactly"));
    snprintf(args, sizeof args,
             "price --model '%s' --asof 2017-11-01 --data '%s' --underlying vix --option future "
             "--expiry 0.5 --paths 10 --no-surface", model, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "floor", NULL);
    vr_test_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_m_asof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
