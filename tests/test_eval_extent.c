/* test_eval_extent.c: a policy's numbers do not depend on the expiries the other policies of the
 * run trade. The marks' tables cover [1/365, longest expiry + 2 days]; their nodes spread over
 * that range, so tables built for a 120-day condor mark a 45-day condor to other bits than
 * tables built for the 45-day condor alone. The evaluator marks each policy with the tables of
 * its own extent (policies of equal extent share them): the main job's unhedged policy run next to
 * a 120-day copy of itself and next to a policy whose VIX calls run 90 days must give the bytes it
 * gives alone (before, every path moved, by up to 93 USD on 256 paths), on one thread and on two
 * with small blocks, and the run builds one table per extent (three here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

/* The main job's policy of one VIX-call layer (the static sleeve), and that the first policy is
 * unhedged. */
static int sleeve_of(const vr_run_spec *s)
{
    assert_int_equal(s->pol[0].nlayers, 0);
    for (int p = 0; p < s->npol; p++)
        if (s->pol[p].nlayers == 1 && s->pol[p].layers[0].action.kind == VR_ACTION_VIX_CALL)
            return p;
    fail_msg("the main job has no VIX-call sleeve");
    return -1;
}

static void test_other_policies_expiries_move_no_bit(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    vr_run_spec s = vr_test_main_job(&cfg, 40, 60);
    s.block = 16;
    /* policies: unhedged (45-day condor), the same with 120-day condors, and the main job's VIX
     * sleeve with 90-day calls */
    const int sleeve = sleeve_of(&s);
    vr_policy pol[3];
    pol[0] = s.pol[0];
    pol[1] = s.pol[0];
    pol[1].condor.dte = 120;
    pol[1].condor.exit_dte = 60;
    snprintf(pol[1].name, sizeof pol[1].name, "long_condor");
    pol[2] = s.pol[sleeve];
    pol[2].layers[0].action.dte = 90;
    snprintf(pol[2].name, sizeof pol[2].name, "long_calls");
    s.pol = pol;
    s.npol = 3;

    vr_pricing_cache *pc = NULL;
    assert_int_equal(vr_pricing_cache_create(&pc, &err), VR_OK);
    const vr_eval_opts eo = {0, 0, 0, NULL, NULL, pc, NULL};
    vr_scenario_result all;
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &eo, &all, NULL, NULL, &err), VR_OK);
    int trades = 0;
    for (int p = 0; p < s.npol; p++) {
        vr_run_spec one = s;
        one.npol = 1;
        one.pol = &pol[p];
        vr_scenario_result r;
        assert_int_equal(vr_eval_scenario_ex(&one, 0, &eo, &r, NULL, NULL, &err), VR_OK);
        size_t moved = 0;
        for (size_t i = 0; i < s.paths; i++) {
            moved += memcmp(&all.out[p].pnl[i], &r.out[0].pnl[i], sizeof(double)) != 0;
            trades += r.out[0].trades[i];
        }
        printf("%s: %zu of %zu paths' P&L differ from the policy alone\n", pol[p].name, moved, s.paths);
        vr_test_assert_out_equal(&all.out[p], &r.out[0], s.paths);
        vr_scenario_result_free(&r);
    }
    assert_true(trades > s.npol); /* the books traded */
    assert_int_equal(vr_pricing_cache_size(pc), 3); /* one table per extent: 47, 122 and 92 days */

    /* two threads, blocks of 8: the same bytes */
    vr_run_spec v = s;
    v.threads = 2;
    v.block = 8;
    vr_scenario_result r2;
    assert_int_equal(vr_eval_scenario_ex(&v, 0, &eo, &r2, NULL, NULL, &err), VR_OK);
    for (int p = 0; p < s.npol; p++)
        vr_test_assert_out_equal(&all.out[p], &r2.out[p], s.paths);
    vr_scenario_result_free(&r2);

    vr_scenario_result_free(&all);
    vr_pricing_cache_destroy(pc);
    vr_run_cfg_free(&cfg);
}

/* A policy's own layers: one that never trades must leave its condor's numbers as the baseline's,
 * bit for bit, whatever expiry it would buy. Tables whose time nodes spread over each extent's span
 * priced the condor's legs from other records when a layer went further out than the condor (a
 * 60-day put layer that never fired moved 625 of 3,000 paths by more than 1 USD, one by 13,718
 * USD, through the rules' thresholds; a 30-day layer on a 20-day condor moved every path by
 * 0.003-0.007 USD, which the verdict called significant). Below a year the SPX surface's time axis
 * is one ladder of nodes (pricing.c, tables_spec), and each extent takes its first nodes. Two
 * pairs: the main job's condor (47 days of tables) with a 90-day VIX-call layer that never fires
 * (92 days), and a 20-day condor (the axis's 30-day floor) with a 30-day one (32 days). A third
 * pair checks the VIX tables' axis the same way: the main job's sleeve of 30-day VIX calls, and the
 * same with a second layer of 90-day calls that never fires (before, 60 days and 92 days of VIX
 * tables spread the same 20 nodes differently), and a fourth its last cells: 58-day calls, alone
 * and with the never-firing 90-day layer (the 4-point stencil of a shorter table's last cells was
 * moved inward; the axis now goes two nodes past the extent). */
static void test_never_trading_layer_moves_no_bit(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    vr_run_spec s = vr_test_main_job(&cfg, 48, 60);
    s.block = 16;
    const int sleeve = sleeve_of(&s);
    vr_policy pol[8];
    pol[0] = s.pol[0];
    pol[1] = s.pol[sleeve];
    pol[1].condor = pol[0].condor;
    pol[1].layers[0].trigger.always = 0;
    pol[1].layers[0].trigger.vix_level = 1e6; /* never */
    pol[1].layers[0].action.dte = 90;
    snprintf(pol[1].name, sizeof pol[1].name, "never90");
    pol[2] = pol[0];
    pol[2].condor.dte = 20;
    pol[2].condor.exit_dte = 5;
    snprintf(pol[2].name, sizeof pol[2].name, "short");
    pol[3] = pol[1];
    pol[3].condor = pol[2].condor;
    pol[3].layers[0].action.dte = 30;
    snprintf(pol[3].name, sizeof pol[3].name, "short_never30");
    /* and the VIX tables' axis: the main job's sleeve of 30-day calls, alone and with a second
     * layer of 90-day calls that never fires */
    pol[4] = s.pol[sleeve];
    pol[4].condor = pol[0].condor;
    pol[5] = pol[4];
    pol[5].layers[1] = pol[1].layers[0];
    snprintf(pol[5].layers[1].name, sizeof pol[5].layers[1].name, "never");
    pol[5].nlayers = 2;
    snprintf(pol[5].name, sizeof pol[5].name, "sleeve_never90");
    /* and a sleeve of 58-day calls, whose marks in their first days sit in the last cells of a
     * 60-day VIX table, with the never-firing 90-day layer (92 days of tables, as above) */
    pol[6] = pol[4];
    pol[6].layers[0].action.dte = 58;
    snprintf(pol[6].name, sizeof pol[6].name, "sleeve58");
    pol[7] = pol[5];
    pol[7].layers[0].action.dte = 58;
    snprintf(pol[7].name, sizeof pol[7].name, "sleeve58_never90");
    s.pol = pol;
    s.npol = 8;

    vr_pricing_cache *pc = NULL;
    assert_int_equal(vr_pricing_cache_create(&pc, &err), VR_OK);
    const vr_eval_opts eo = {0, 0, 0, NULL, NULL, pc, NULL};
    vr_scenario_result r;
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &eo, &r, NULL, NULL, &err), VR_OK);
    assert_int_equal(vr_pricing_cache_size(pc), 5); /* 47, 92, 30 (the floor), 32 and 60 days */
    for (int k = 0; k < 4; k++) {
        const vr_path_out *a = &r.out[2 * k], *b = &r.out[2 * k + 1];
        size_t moved = 0;
        int trades = 0;
        for (size_t i = 0; i < s.paths; i++) {
            moved += memcmp(&a->pnl[i], &b->pnl[i], sizeof(double)) != 0;
            trades += a->trades[i];
        }
        printf("%s against %s: %zu of %zu paths' P&L differ\n", pol[2 * k + 1].name, pol[2 * k].name, moved,
               s.paths);
        assert_true(trades > (int)s.paths); /* the condors traded */
        assert_int_equal(moved, 0);
        if (k >= 2) { /* the sleeve bought its calls, and marked them daily to the same bits */
            int acts = 0;
            for (size_t i = 0; i < s.paths; i++) {
                acts += a->activations[i * VR_MAX_LAYERS] + b->activations[i * VR_MAX_LAYERS + 1];
                assert_int_equal(b->activations[i * VR_MAX_LAYERS + 1], 0);
            }
            assert_true(acts > (int)s.paths);
        }
        assert_memory_equal(a->drawdown, b->drawdown, s.paths * sizeof *a->drawdown);
    }
    vr_scenario_result_free(&r);
    vr_pricing_cache_destroy(pc);
    vr_run_cfg_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_other_policies_expiries_move_no_bit),
        cmocka_unit_test(test_never_trading_layer_moves_no_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
