/* test_realism_edges.c: the realism report's statistics at the edges of a series (vr_calib.h).
 *
 * - A trigger counts only if its 21 previous days are in the series and none of them met the
 *   condition: at the start of a series (the history's first days, every simulated path after
 *   its burn-in) those days are not observed, and a day that continues an episode begun before
 *   the series would otherwise count as a fresh trigger. The statistic must not depend on where
 *   the series is cut: the simulation cuts one at the start of every path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_calib.h"
#include "vr_test_util.h"

enum { NT = 200 };

static void flat(double *spx, double *vix, size_t n)
{
    for (size_t t = 0; t < n; t++) {
        spx[t] = 1000 + (double)(t % 2);
        vix[t] = 15;
    }
}

static void test_trigger_needs_observed_quiet_days(void **state)
{
    (void)state;
    double spx[NT], vix[NT];
    vr_realism_stats s;
    vr_err err = {0};
    /* (1) a series that opens inside an episode: VIX 25 on days 0-39, 15 after. Day 5 is the
     * first day checked; its 21 previous days are not in the series, so it is no trigger (nor is
     * any later day of the episode: each has a condition day among its previous 21). */
    flat(spx, vix, NT);
    for (size_t t = 0; t < 40; t++)
        vix[t] = 25;
    assert_int_equal(vr_realism_history(spx, vix, NT, &s, &err), VR_OK);
    assert_int_equal(s.n_triggers, 0);
    assert_true(isnan(s.second_leg[0]));
    /* (2) a genuine trigger at day 60 (15 before, 23 that day, 31 ten days later: a 1.3x second
     * leg), and the same series with its first 50 days cut off: there the trigger falls on day 10,
     * with only 10 observed days before it, and is not counted. */
    flat(spx, vix, NT);
    vix[60] = 23;
    vix[70] = 31;
    assert_int_equal(vr_realism_history(spx, vix, NT, &s, &err), VR_OK);
    assert_int_equal(s.n_triggers, 1);
    assert_true(s.second_leg[0] == 1.0 && s.second_leg[1] == 0.0);
    assert_int_equal(vr_realism_history(spx + 50, vix + 50, NT - 50, &s, &err), VR_OK);
    assert_int_equal(s.n_triggers, 0);
    /* (3) the first day that can count: 26 = the 5-day lag of the jump condition + 21 quiet days
     * (days 5..25 are all checked). A level trigger on day 26 counts, on day 25 it does not. */
    flat(spx, vix, NT);
    vix[26] = 23;
    assert_int_equal(vr_realism_history(spx, vix, NT, &s, &err), VR_OK);
    assert_int_equal(s.n_triggers, 1);
    flat(spx, vix, NT);
    vix[25] = 23;
    assert_int_equal(vr_realism_history(spx, vix, NT, &s, &err), VR_OK);
    assert_int_equal(s.n_triggers, 0);
}

/* The same in a simulation: every path starts after its burn-in in the middle of the process's
 * history, so a day near a path's start that continues an episode must not count. Cutting the
 * same total of simulated years into paths 4x shorter may then change the trigger rate per year
 * only by Monte Carlo noise, once the days that cannot count are left out of the years (measured
 * per usable year: 2.58 from 4-year paths, 2.55 from 1-year paths; counting the first condition
 * day of every path as a trigger gave 2.80 and 3.63). */
static void test_trigger_rate_independent_of_path_length(void **state)
{
    (void)state;
    const vr_sv_params hp = {.kappa = 4.0, .theta = 0.04, .sigma = 0.6, .rho = -0.7};
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 4000, .rate = 0.02, .dividend = 0.01,
                  .v0 = hp.theta, .physical = hp};
    m.pricing = m.physical;
    double rate[2];
    const size_t paths[2] = {250, 1000};
    const double years[2] = {4.0, 1.0};
    for (int c = 0; c < 2; c++) {
        const vr_realism_sim rs = {.paths = paths[c], .years = years[c], .burn_in = 1, .seed = 3,
                                   .threads = 0, .span_years = 0, .fut_states = 0,
                                   .vvix_states = 0};
        vr_realism_stats s;
        vr_err err = {0};
        assert_int_equal(vr_realism_simulate(&m, &rs, &s, &err), VR_OK);
        /* triggers per year of days that can count (each path's first 26 days cannot) */
        const double usable = (double)paths[c] * (years[c] * 252.0 - 26.0 - 21.0) / 252.0;
        rate[c] = (double)s.n_triggers / usable;
        printf("  %zu paths x %g years: %zu triggers, %.3f per usable year\n", paths[c], years[c],
               s.n_triggers, rate[c]);
    }
    assert_true(fabs(rate[1] / rate[0] - 1) < 0.06);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigger_needs_observed_quiet_days),
        cmocka_unit_test(test_trigger_rate_independent_of_path_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
