/* test_svcj2_martingale.c: the martingale test (as tests/test_book.c runs it for the one-factor
 * models) under svcj2: with physical = pricing parameters and zero costs every policy is a
 * self-financing strategy in instruments marked by the model's own tables, so its mean discounted
 * P&L is 0. It must hold within 4 SE for the managed condor, the condor held to expiry and the
 * condor with two VIX-call layers (VIX calls bought, marked and sold through the svcj2 VIX table
 * at each path's (v, m), settled on the VIX from the state). A mismark along m (a table slice
 * read at the wrong level, an m-blind VIX formula), look-ahead or a cash-flow error shows as a
 * nonzero mean. The parameter set is the pricing set of configs/models/svcj2_example.yaml, with
 * a higher lambda1 so that state-dependent jumps are frequent on 63-day paths. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_eval.h"
#include "vr_test_util.h"

static void test_martingale_svcj2(void **state)
{
    (void)state;
    vr_policy pol[3];
    pol[0] = vr_test_condor_policy(0);
    snprintf(pol[0].name, sizeof pol[0].name, "condor-managed");
    pol[1] = vr_test_condor_policy(0);
    snprintf(pol[1].name, sizeof pol[1].name, "condor-hold");
    pol[1].condor.profit_take = 0;
    pol[1].condor.stop_loss = 0;
    pol[1].condor.exit_dte = 0;
    pol[1].condor.roll_delta = 0;
    pol[2] = vr_test_condor_policy(0);
    snprintf(pol[2].name, sizeof pol[2].name, "hedged");
    pol[2].nlayers = 2;
    pol[2].layers[0] = vr_test_vix_layer(18, 0.3, 0.15);
    pol[2].layers[1] = vr_test_vix_layer(22, 0.12, 0.25);
    pol[2].layers[1].trigger.requires_previous = 1;
    pol[2].layers[1].exit.profit_multiple = NAN; /* held to expiry: settles on the state's VIX */
    pol[2].layers[1].exit.dte = NAN;
    vr_scenario sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.name, sizeof sc.name, "svcj2");
    sc.model.type = VR_MODEL_SVCJ2;
    sc.model.spot = 5000;
    sc.model.rate = 0.04;
    sc.model.dividend = 0.013;
    sc.model.v0 = 0.025;
    sc.model.m0 = 0.03;
    sc.model.physical.s2 = (vr_svcj2_params){.kappa_v = 5.0, .kappa_m = 0.4, .theta = 0.032,
                                             .sigma_v = 0.8, .sigma_m = 0.09, .rho = -0.75,
                                             .lambda0 = 0.5, .lambda1 = 30.0, .mu_v = 0.07,
                                             .mu_s = -0.03, .sigma_s = 0.04, .rho_j = -0.6};
    sc.model.pricing = sc.model.physical;
#if defined(VR_TEST_SMALL)
    const size_t paths = 2000;
#else
    const size_t paths = 40000;
#endif
    vr_run_spec spec = {.paths = paths, .horizon_days = 63, .steps_per_day = 1, .seed = 11,
                        .sample_paths = 4, .nscen = 1, .scen = &sc, .npol = 3, .pol = pol};
    vr_scenario_result res;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_eval_scenario(&spec, 0, &res, NULL, NULL, &err);
    if (st != VR_OK)
        printf("%s\n", err.msg);
    assert_int_equal(st, VR_OK);
    for (int p = 0; p < 3; p++) {
        double s1 = 0, s2 = 0, trades = 0, acts = 0;
        for (size_t i = 0; i < paths; i++) {
            s1 += res.out[p].pnl[i];
            s2 += res.out[p].pnl[i] * res.out[p].pnl[i];
            trades += res.out[p].trades[i];
            acts += res.out[p].activations[i * VR_MAX_LAYERS];
        }
        const double mean = s1 / paths, se = sqrt((s2 / paths - mean * mean) / paths);
        printf("svcj2 %-15s mean P&L %9.2f USD  se %7.2f  z %+.2f  (trades/path %.2f, layer-1 "
               "activations/path %.2f)\n", pol[p].name, mean, se, mean / se, trades / paths,
               acts / paths);
        assert_true(se > 0);
        assert_true(fabs(mean) <= 4 * se);
        if (p == 2)
            assert_true(acts / paths > 0.05); /* the hedge layers do trade */
    }
    printf("svcj2: %.2f s (marks %.2f s)\n", res.seconds, res.build_seconds);
    vr_scenario_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_martingale_svcj2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
