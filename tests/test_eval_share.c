/* test_eval_share.c: the evaluator's sharing between the policies of a path (one batch lane per
 * distinct instrument of a path, the memo of the day's single marks) moves no bit. The main
 * job's policies (configs/alvh.yaml: 11 with the ablation variants, most holding the same condor)
 * run together, then each one alone (nothing to share with another policy); every per-path output
 * must be the same bytes. The scenarios take their tables from one pricing cache, which the test
 * also checks (one build for all 12 evaluations). Also: blocks of other sizes, with batches flushed
 * inside a block, and two threads give the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

/* The main job's policies and first scenario, loaded into cfg, cut to `paths` paths x 80 days on
 * one thread, without sample paths or trade logs. */
static vr_run_spec main_job(vr_run_cfg *cfg, size_t paths)
{
    return vr_test_main_job(cfg, paths, 80);
}

static void test_policies_together_equal_alone(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    vr_run_spec s = main_job(&cfg, 48);
    s.block = 16;
    assert_true(s.npol >= 8);
    vr_pricing_cache *pc = NULL;
    assert_int_equal(vr_pricing_cache_create(&pc, &err), VR_OK);
    const vr_eval_opts eo = {0, 0, 0, NULL, NULL, pc, NULL};
    vr_scenario_result all;
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &eo, &all, NULL, NULL, &err), VR_OK);
    int trades = 0;
    for (int p = 0; p < s.npol; p++) {
        vr_run_spec one = s;
        one.npol = 1;
        one.pol = &s.pol[p];
        vr_scenario_result r;
        assert_int_equal(vr_eval_scenario_ex(&one, 0, &eo, &r, NULL, NULL, &err), VR_OK);
        vr_test_assert_out_equal(&all.out[p], &r.out[0], s.paths);
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

/* The block size and the batches move no bit either. A day's wanted marks go into batches of at
 * most `cap` lanes (a flush before the path that would not fit: with blocks of 8 paths, before
 * every path but the first), each path's gather is reused while its books change nothing, and
 * each path keeps its lanes' marks until its books run (eval.c). Blocks of 8 paths (flushes inside
 * every block, a short last block of 4) on 2 threads and on one, and blocks of 16 (a last block of
 * 12), must give the bytes of one block of all 44 paths, whose lanes fit one batch. */
static void test_block_size_moves_no_bit(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    vr_run_spec s = main_job(&cfg, 44);
    vr_pricing_cache *pc = NULL;
    assert_int_equal(vr_pricing_cache_create(&pc, &err), VR_OK);
    const vr_eval_opts eo = {0, 0, 0, NULL, NULL, pc, NULL};
    s.block = 256; /* 256 x vr_book_max_pos lanes: the 44 paths' ~10 a day fit one batch */
    vr_scenario_result ref;
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &eo, &ref, NULL, NULL, &err), VR_OK);
    const struct { size_t block; int threads; } runs[] = {{8, 2}, {8, 1}, {16, 1}};
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        vr_run_spec v = s;
        v.block = runs[k].block;
        v.threads = runs[k].threads;
        vr_scenario_result r;
        const vr_status st = vr_eval_scenario_ex(&v, 0, &eo, &r, NULL, NULL, &err);
        if (st != VR_OK)
            printf("block %zu: %s\n", runs[k].block, err.msg);
        assert_int_equal(st, VR_OK);
        for (int p = 0; p < s.npol; p++)
            vr_test_assert_out_equal(&ref.out[p], &r.out[p], s.paths);
        vr_scenario_result_free(&r);
        printf("block %zu, %d thread(s): = one block, bit for bit\n", runs[k].block, runs[k].threads);
    }
    vr_scenario_result_free(&ref);
    vr_pricing_cache_destroy(pc);
    vr_run_cfg_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policies_together_equal_alone),
        cmocka_unit_test(test_block_size_moves_no_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
