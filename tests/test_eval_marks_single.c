/* test_eval_marks_single.c: simulation.mark_precision: single (the daily batch's SPX options marked
 * in float, vk_single_marks) against the default, on the main job's model and 11 policies
 * (configs/alvh.yaml), 600 paths x 126 days, and on svcj2's (configs/alvh_svcj2.yaml), the same
 * paths (common random numbers).
 *
 * Checked:
 * - the key reaches the marks: some path's P&L differs from the default's;
 * - the difference is the marks' rounding: on the median path the P&L moves by under 2 USD (the
 *   float marks are within about 2e-7 of the forward per leg, about 1 USD of a 10-lot leg), and
 *   every policy's mean P&L within 0.05 of its standard error (a rule at its threshold may flip on
 *   a few paths; measured at 8,000 paths x 252 days: at most 0.015 SE, median |change| 0.53 USD);
 * - the bits do not depend on the threads or the block (the single-precision kernels' lanes are
 *   independent of how a call is cut: test_surface's test_kernel_sf_chunks), as in double;
 * - a table the library did not make is refused with VR_EINVAL naming the key. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The comparison on the first scenario of config `path` at `paths` x `days`, one thread; the
 * threads-and-blocks check when `threads_too`. median_max and se_max: the bounds on the median
 * path's |change| (USD) and on each policy's mean change in its standard errors. */
static void single_against_double(const char *path, size_t paths, int days, double median_max,
                                  double se_max, int threads_too)
{
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    vr_run_spec s = vr_test_job(path, &cfg, paths, days);
    assert_int_equal(s.mark_single, 0);
    vr_pricing_cache *pc = NULL;
    assert_int_equal(vr_pricing_cache_create(&pc, &err), VR_OK);
    const vr_eval_opts eo = {0, 0, 0, NULL, NULL, pc, NULL};
    vr_scenario_result d, f;
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &eo, &d, NULL, NULL, &err), VR_OK);
    vr_run_spec sf = s;
    sf.mark_single = 1;
    assert_int_equal(vr_eval_scenario_ex(&sf, 0, &eo, &f, NULL, NULL, &err), VR_OK);
    const size_t n = s.paths;
    double *ad = malloc(n * sizeof *ad);
    assert_non_null(ad);
    size_t differ = 0;
    double worst_ratio = 0, worst_median = 0;
    for (int p = 0; p < s.npol; p++) {
        const double *x = d.out[p].pnl, *y = f.out[p].pnl;
        double sum = 0, sum2 = 0, dsum = 0;
        for (size_t i = 0; i < n; i++) {
            assert_true(isfinite(y[i]));
            sum += x[i];
            sum2 += x[i] * x[i];
            dsum += y[i] - x[i];
            ad[i] = fabs(y[i] - x[i]);
            differ += y[i] != x[i];
        }
        const double mean = sum / (double)n;
        const double se = sqrt((sum2 / (double)n - mean * mean) / (double)(n - 1));
        const double ratio = fabs(dsum / (double)n) / se;
        qsort(ad, n, sizeof *ad, cmp_double);
        const double median = ad[n / 2];
        printf("%-22s mean P&L %10.1f +- %6.1f: single - double %+8.3f (%.4f SE), median |change| "
               "%.3f USD, largest %.1f\n", s.pol[p].name, mean, se, dsum / (double)n, ratio, median,
               ad[n - 1]);
        worst_ratio = ratio <= worst_ratio ? worst_ratio : ratio > worst_ratio ? ratio : NAN;
        worst_median = median <= worst_median ? worst_median : median > worst_median ? median : NAN;
    }
    free(ad);
    assert_true(differ > 0);
    assert_true(worst_median < median_max);
    assert_true(worst_ratio < se_max);

    /* the same bits on two threads and blocks of 24 (the run above: one thread, blocks of 64) */
    vr_run_spec v = sf;
    v.threads = 2;
    v.block = 24;
    vr_scenario_result g;
    if (threads_too) {
        assert_int_equal(vr_eval_scenario_ex(&v, 0, &eo, &g, NULL, NULL, &err), VR_OK);
        for (int p = 0; p < s.npol; p++)
            vr_test_assert_out_equal(&f.out[p], &g.out[p], n);
        vr_scenario_result_free(&g);
    }
    vr_scenario_result_free(&d);
    vr_scenario_result_free(&f);
    vr_pricing_cache_destroy(pc);
    vr_run_cfg_free(&cfg);
}

static void test_single_marks_against_double(void **state)
{
    (void)state;
    single_against_double(VIXRISK_SOURCE_DIR "/configs/alvh.yaml", 600, 126, 2.0, 0.05, 1);
}

/* svcj2 (configs/alvh_svcj2.yaml, 4 policies): the SPX vol is four float lookups mixed by the
 * stencil's Lagrange weights (svcj2_tables.c, by_cell), which above the top level extrapolate
 * (weights -t and 1 + t) and so multiply the float error; the same bounds hold (measured at 300
 * paths x 126 days: median |change| 0.47-0.50 USD, largest 2.7 USD, means within 0.0001 SE). */
static void test_single_marks_svcj2(void **state)
{
    (void)state;
    single_against_double(VIXRISK_SOURCE_DIR "/configs/alvh_svcj2.yaml", 300, 126, 2.0, 0.05, 0);
}

/* A kernel table the library did not make (a copy of one) has no single-marks twin. */
static void test_foreign_table_refused(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_run_cfg cfg;
    vr_run_spec s = vr_test_main_job(&cfg, 8, 5);
    const vk_table *best = vk_select(NULL);
    assert_non_null(best);
    vk_table copy = *best;
    s.kt = &copy;
    s.mark_single = 1;
    vr_scenario_result r;
    const vr_eval_opts eo = {0, 0, 0, NULL, NULL, NULL, NULL};
    assert_int_equal(vr_eval_scenario_ex(&s, 0, &eo, &r, NULL, NULL, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "mark_precision"));
    assert_null(vk_single_marks(&copy));
    assert_true(vk_single_marks(best) == vk_single_marks(vk_fast_log(best)));
    assert_true(vk_single_marks(vk_single_marks(best)) == vk_single_marks(best));
    assert_int_equal(vk_single_marks(best)->single_marks, 1);
    /* the slots the pricing layer calls hold the float kernels, and only those */
    assert_true(vk_single_marks(best)->surface_vol == best->surface_vol_sf);
    assert_true(vk_single_marks(best)->black_greeks == best->black_greeks_sf);
    assert_true(vk_single_marks(best)->vix_call == best->vix_call);
    assert_true(vk_single_marks(best)->heston_qe_draw == best->heston_qe_draw);
    assert_int_equal(best->single_marks, 0);
    vr_run_cfg_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_marks_against_double),
        cmocka_unit_test(test_single_marks_svcj2),
        cmocka_unit_test(test_foreign_table_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
