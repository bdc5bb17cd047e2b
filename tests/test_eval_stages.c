/* test_eval_stages.c: the evaluator's stage timers (vr_eval_opts.stages, vr_eval_stages) move no
 * bit, count what the evaluation did the same way for any thread count and block size, and
 * account for the evaluation's time: every stage non-negative, the searches within the books,
 * and the stages' sum within the threads' time and covering at least 90% of it (99% here: what is
 * left out is the generator's start-up).
 *
 * The main job's model and policies (configs/alvh.yaml, the ablation variants included), cut to a
 * few paths and days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static double stage_sum(const vr_eval_stages *g)
{
    return g->generate + g->market + g->gather + g->kernels + g->handout + g->books + g->outputs;
}

static void assert_counts_equal(const vr_eval_stages *a, const vr_eval_stages *b)
{
    assert_int_equal(a->path_days, b->path_days);
    assert_int_equal(a->book_days, b->book_days);
    assert_int_equal(a->lanes, b->lanes);
    assert_int_equal(a->wants, b->wants);
    assert_int_equal(a->searches_n, b->searches_n);
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->row_lanes, b->row_lanes);
    assert_int_equal(a->single_marks, b->single_marks);
}

static void test_stages(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    const size_t paths = 128;
    const int days = 120;
    vr_run_spec s = vr_test_main_job(&cfg, paths, days);
    s.block = 32;
    vr_pricing_cache *pc = NULL;
    assert_int_equal(vr_pricing_cache_create(&pc, &err), VR_OK);

    /* untimed, then timed: the same bytes */
    const vr_eval_opts plain = {0, 0, 0, NULL, NULL, pc, NULL};
    vr_scenario_result r0, r1;
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &plain, &r0, NULL, NULL, &err), VR_OK);
    vr_eval_stages g1;
    memset(&g1, 0xff, sizeof g1); /* every field must be written */
    const vr_eval_opts timed1 = {0, 0, 0, NULL, NULL, pc, &g1};
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &timed1, &r1, NULL, NULL, &err), VR_OK);
    for (int p = 0; p < s.npol; p++)
        vr_test_assert_out_equal(&r0.out[p], &r1.out[p], paths);

    /* what the evaluation did */
    const uint64_t pd = (uint64_t)paths * (uint64_t)(days + 1);
    assert_int_equal(g1.path_days, pd);
    assert_int_equal(g1.book_days, pd * (uint64_t)s.npol);
    assert_true(g1.lanes > pd);             /* at least the condor's four legs most days */
    assert_true(g1.wants > 2 * g1.lanes);   /* eleven books share a few condors */
    assert_true(g1.searches_n > paths);     /* every path's first condor takes two */
    assert_true(g1.rows >= g1.searches_n);  /* every search marks a row */
    assert_true(g1.row_lanes >= 8 * g1.rows);
    assert_true(g1.single_marks > g1.searches_n); /* the legs opened, the searches' starts */

    /* where the time went: every stage in [0, threads x run time], searches within books, and the
     * stages cover most of the one thread's time (left out: the generator's start-up and the
     * first block's start) */
    const double run = r1.seconds - r1.build_seconds;
    assert_int_equal(g1.threads, 1);
    assert_true(g1.seconds > 0 && g1.seconds <= run);
    const double st[] = {g1.generate, g1.market, g1.gather, g1.kernels, g1.handout, g1.books,
                         g1.searches, g1.outputs};
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        assert_true(st[i] >= 0);
        assert_true(st[i] <= g1.seconds * 1.001 + 1e-4);
    }
    assert_true(g1.generate > 0 && g1.kernels > 0 && g1.books > 0 && g1.searches > 0);
    assert_true(g1.searches <= g1.books);
    const double sum = stage_sum(&g1);
    print_message("one thread: %.4f s run (%.4f s of paths), stages %.4f s (generate %.4f market %.4f gather %.4f kernels %.4f "
                  "handout %.4f books %.4f searches %.4f outputs %.4f)\n",
                  run, g1.seconds, sum, g1.generate, g1.market, g1.gather, g1.kernels, g1.handout, g1.books, g1.searches,
                  g1.outputs);
    assert_true(sum <= g1.seconds * 1.001 + 1e-4);
    /* The coverage of a 30 ms run: a pause of the thread (preemption, a VM's stolen time) of a
     * few ms in the 0.1 ms the timers leave out would sink it below 90% once in a while on a busy
     * machine, so a run short of it is timed again, up to twice: a stage the timers miss fails all
     * three. */
    double cover = sum / g1.seconds;
    for (int again = 0; again < 2 && cover < 0.9; again++) {
        vr_eval_stages gr;
        vr_scenario_result rr;
        const vr_eval_opts timedr = {0, 0, 0, NULL, NULL, pc, &gr};
        assert_int_equal(vr_eval_scenario_ex(&s, 0, &timedr, &rr, NULL, NULL, &err), VR_OK);
        print_message("coverage %.4f, timed again: %.4f\n", cover, stage_sum(&gr) / gr.seconds);
        if (stage_sum(&gr) / gr.seconds > cover)
            cover = stage_sum(&gr) / gr.seconds;
        vr_scenario_result_free(&rr);
    }
    assert_true(cover >= 0.9);

    /* two threads and blocks of 16: the same counts and bytes, the time within two threads' */
    vr_run_spec s2 = s;
    s2.threads = 2;
    s2.block = 16;
    vr_eval_stages g2;
    const vr_eval_opts timed2 = {0, 0, 0, NULL, NULL, pc, &g2};
    vr_scenario_result r2;
    assert_int_equal(vr_eval_scenario_ex(&s2, 0, &timed2, &r2, NULL, NULL, &err), VR_OK);
    for (int p = 0; p < s.npol; p++)
        vr_test_assert_out_equal(&r0.out[p], &r2.out[p], paths);
    assert_counts_equal(&g1, &g2);
    assert_int_equal(g2.threads, 2);
    assert_true(stage_sum(&g2) <= 2 * g2.seconds * 1.001 + 1e-4);
    assert_true(g2.searches <= g2.books);

    vr_scenario_result_free(&r0);
    vr_scenario_result_free(&r1);
    vr_scenario_result_free(&r2);
    vr_pricing_cache_destroy(pc);
    vr_run_cfg_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
