/* test_eval_share.c: the evaluator's sharing between the policies of a path (one batch lane per
 * distinct instrument of a path, the memo of the day's single marks) moves no bit. The main
 * job's policies (configs/alvh.yaml: 11 with the ablation variants, most holding the same condor)
 * run together, then each one alone (nothing to share with another policy); every per-path output
 * must be the same bytes. The scenarios take their tables from one pricing cache, which the test
 * also checks (one build for all 12 evaluations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_run.h"

static void assert_out_equal(const vr_path_out *a, const vr_path_out *b, size_t n)
{
#define CMP(f, T, k) assert_memory_equal(a->f, b->f, n * (k) * sizeof(T));
    VR_PATH_OUT_FIELDS(CMP, a)
#undef CMP
}

static void test_policies_together_equal_alone(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    assert_int_equal(vr_run_load(VIXRISK_SOURCE_DIR "/configs/alvh.yaml", &cfg, &err), VR_OK);
    vr_run_spec s = cfg.spec;
    s.paths = 48;
    s.horizon_days = 80;
    s.block = 16;
    s.threads = 1;
    s.sample_paths = 0;
    s.trade_log_paths = 0;
    s.nscen = 1;
    assert_true(s.npol >= 8);
    vr_pricing_cache *pc = NULL;
    assert_int_equal(vr_pricing_cache_create(&pc, &err), VR_OK);
    const vr_eval_opts eo = {0, 0, 0, NULL, NULL, pc};
    vr_scenario_result all;
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &eo, &all, NULL, NULL, &err), VR_OK);
    int trades = 0;
    for (int p = 0; p < s.npol; p++) {
        vr_run_spec one = s;
        one.npol = 1;
        one.pol = &s.pol[p];
        vr_scenario_result r;
        assert_int_equal(vr_eval_scenario_ex(&one, 0, &eo, &r, NULL, NULL, &err), VR_OK);
        assert_out_equal(&all.out[p], &r.out[0], s.paths);
        for (size_t i = 0; i < s.paths; i++)
            trades += r.out[0].trades[i];
        vr_scenario_result_free(&r);
    }
    printf("%d policies, %d condor trades in all: together = alone, bit for bit\n", s.npol, trades);
    assert_true(trades > s.npol); /* the books traded: there was something to share */
    assert_int_equal(vr_pricing_cache_size(pc), 1);
    vr_scenario_result_free(&all);
    vr_pricing_cache_destroy(pc);
    vr_run_cfg_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policies_together_equal_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
