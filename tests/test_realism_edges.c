/* test_realism_edges.c: the realism report's statistics at the edges of a series (vr_calib.h).
 *
 * - A trigger counts only if its 21 previous days are in the series and none of them met the
 *   condition: at the start of a series (the history's first days, every simulated path after
 *   its burn-in) those days are not observed, and a day that continues an episode begun before
 *   the series would otherwise count as a fresh trigger. The statistic must not depend on where
 *   the series is cut: the simulation cuts one at the start of every path.
 * - A simulation's extremes are medians over spans of exactly the history's number of daily
 *   changes (paths joined, a path cut where a span ends). A whole number of paths per span made
 *   them 40 years long against a 36.5-year history at 10-year paths, and 49 years at 49-year
 *   paths (llround(36.5 / 49) = 1 path).
 * - A gate whose model value is n/a (no trigger, no day in a VIX bucket) while the history has
 *   one is listed as not evaluated: it is counted neither as passed nor as failed, and the count
 *   of failed gates alone would hide it.
 * - svcj2's simulation starts each factor at its own long-run mean (m at theta, v at the
 *   self-excited mean theta*), so the statistics do not depend on the burn-in: m started at
 *   theta* (3.4x theta in svcj2_cal.yaml) kept v high for years after a 1-year burn-in.
 * - Episodes above 60 / 80 (a new one after more than 126 days below the level): a simulated
 *   path's burn-in is its past, so a path that opens inside an episode continues it. Counted as
 *   new, they made the rate depend on the path length (svcj2_cal, episodes above 60 per 100 y:
 *   41.4 from 1-year paths, 29.7 from 20-year paths). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_sim.h"
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

/* The paths of vr_realism_simulate, reproduced: the same simulation spec, VIX from the pricing
 * coefficients; the largest 1-day VIX rise of each day's change, in path order. */
typedef struct rep_ctx {
    size_t skip, len;
    vr_vix_coef c;
    double *vix;
} rep_ctx;

static void rep_step(void *vctx, const vr_sim_block *b, size_t step)
{
    rep_ctx *o = vctx;
    if (step < o->skip)
        return;
    for (size_t i = 0; i < b->n; i++) {
        double x[VR_FACTORS_MAX] = {0};
        for (int j = 0; j < b->nfactors; j++)
            x[j] = b->x[j][i];
        o->vix[(b->path0 + i) * o->len + step - o->skip] = vr_vix_level_x(&o->c, x, b->nfactors);
    }
}

static int cmp_dbl(const void *x, const void *y)
{
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void test_extremes_over_spans_of_history_length(void **state)
{
    (void)state;
    const vr_sv_params hp = {.kappa = 4.0, .theta = 0.04, .sigma = 0.6, .rho = -0.7};
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 4000, .rate = 0.02, .dividend = 0.01,
                  .v0 = hp.theta, .physical = hp};
    m.pricing = m.physical;
    /* 12 paths of 2 years, spans of 5 years: 4 complete spans (the last 4 years left out); the
     * old rule made spans of llround(2.5) = 3 paths (6 years) and 4 spans of them */
    const size_t paths = 12, keep = 504;
    const vr_realism_sim rs = {.paths = paths, .years = 2, .burn_in = 1, .seed = 7, .threads = 0,
                               .span_years = 5, .fut_states = 0, .vvix_states = 0};
    vr_realism_stats s;
    vr_err err = {0};
    assert_int_equal(vr_realism_simulate(&m, &rs, &s, &err), VR_OK);

    rep_ctx o = {.skip = 252, .len = keep + 1};
    o.c = vr_model_ops_get(m.type)->vix_coef(&m.pricing, VR_VIX_TAU_30D);
    o.vix = malloc(paths * o.len * sizeof *o.vix);
    assert_non_null(o.vix);
    vr_sim_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.type = m.type;
    spec.params = m.physical;
    spec.spot = m.spot;
    spec.rate = m.rate;
    spec.dividend = m.dividend;
    spec.v0 = vr_theta_star(m.type, &m.physical);
    spec.m0 = spec.v0;
    spec.horizon = (double)(252 + keep) / 252.0;
    spec.steps = 252 + keep;
    spec.paths = paths;
    spec.seed = rs.seed;
    spec.scheme = VR_SCHEME_QE;
    spec.block = 256;
    const vr_sim_observer obs = {&o, rep_step, NULL};
    assert_int_equal(vr_sim_run(&spec, &obs, &err), VR_OK);
    /* spans of 5 x 252 = 1260 daily changes over the 12 x 504 changes, in path order */
    const size_t span = 1260;
    double mx[8];
    size_t ns = 0, fill = 0;
    double cur = -INFINITY;
    for (size_t p = 0; p < paths; p++)
        for (size_t t = 1; t < o.len; t++) {
            const double d = o.vix[p * o.len + t] - o.vix[p * o.len + t - 1];
            cur = d > cur ? d : cur;
            if (++fill == span) {
                mx[ns++] = cur;
                cur = -INFINITY;
                fill = 0;
            }
        }
    assert_int_equal(ns, 4);
    qsort(mx, ns, sizeof *mx, cmp_dbl);
    const double want = 0.5 * (mx[1] + mx[2]);
    printf("  median of 4 spans' largest 1-day VIX rise: %.6f (report: %.6f)\n", want,
           s.max_up_1d_pts);
    assert_true(fabs(s.max_up_1d_pts - want) < 1e-9);
    free(o.vix);
}

/* A path longer than the simulator's 50 years (years + burn-in) is refused with a message that
 * names both settings, not the simulator's 'expiry/horizon' (the user set neither). */
static void test_path_too_long_named(void **state)
{
    (void)state;
    const vr_sv_params hp = {.kappa = 4.0, .theta = 0.04, .sigma = 0.6, .rho = -0.7};
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 4000, .rate = 0.02, .dividend = 0.01,
                  .v0 = hp.theta, .physical = hp};
    m.pricing = m.physical;
    const vr_realism_sim rs = {.paths = 1, .years = 50, .burn_in = 1, .seed = 1, .threads = 0,
                               .span_years = 0, .fut_states = 0, .vvix_states = 0};
    vr_realism_stats s;
    vr_err err = {0};
    assert_int_equal(vr_realism_simulate(&m, &rs, &s, &err), VR_EINVAL);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "years per path 50 + burn-in 1 = 51 years"));
    assert_non_null(strstr(err.msg, "at most 50 years"));
    /* the command refuses it before it reads the history (it read 36 years of data, then
     * simulated, then failed); --years above 50 is out of the option's range */
    char out[4096];
    vr_test_cli_expect("calibrate --data /nonexistent --realism /nonexistent.yaml --paths 2 --years 50", 2, out,
                       sizeof out, "--years 50: a simulated path is its years and the burn-in (1), at most 50",
                       NULL);
    vr_test_cli_expect("calibrate --data /nonexistent --realism /nonexistent.yaml --years 60", 2, out, sizeof out,
                       "--years: expected a number in [0.1, 50], got '60'", NULL);
}

/* A history column and a model column: every bucket's vol of log VIX changes 0.9 (the model's
 * falling by `fall` a bucket), second legs 0.1, no futures, VIX3M, VVIX or RV/IV values. */
static void two_columns(vr_realism_stats c[2], double fall)
{
    memset(c, 0, 2 * sizeof *c);
    for (int j = 0; j < 2; j++) {
        c[j].years = 10;
        for (int b = 0; b < VR_REALISM_NB; b++) {
            c[j].lvol[b] = 0.9 - fall * b * j;
            c[j].fut1[b] = c[j].fut2[b] = c[j].v3m[b] = c[j].vvix[b] = c[j].rv_iv[b] = NAN;
        }
        for (int k = 0; k < VR_REALISM_NLEG; k++)
            c[j].second_leg[k] = 0.1;
    }
}

/* The report of the two columns (history, calm.yaml) into *buf, malloc'd. */
static void print_columns(const vr_realism_stats c[2], char **buf)
{
    const char *names[2] = {"history", "calm.yaml"};
    size_t len = 0;
    *buf = NULL;
    FILE *f = open_memstream(buf, &len);
    assert_non_null(f);
    vr_realism_print(f, names, c, 2);
    fclose(f);
}

static void test_na_gates_listed(void **state)
{
    (void)state;
    vr_realism_stats c[2];
    two_columns(c, 0);
    /* the model: no trigger (second legs n/a), never below 15 (the vol ratio n/a); the futures
     * rows are n/a in both columns (no futures data): not listed */
    for (int k = 0; k < VR_REALISM_NLEG; k++)
        c[1].second_leg[k] = NAN;
    c[1].lvol[0] = NAN;
    char *buf = NULL;
    print_columns(c, &buf);
    const char *na = strstr(buf, "Gates not evaluated");
    if (!na)
        fprintf(stderr, "%s\n", buf);
    assert_non_null(na);
    assert_non_null(strstr(na, "- calm.yaml: second leg: P(max VIX next 21 days >= 1.3x trigger) "
                               "(%); second leg: P(max VIX next 21 days >= 1.5x trigger) (%); "
                               "second leg: P(max VIX next 21 days >= 2x trigger) (%); vol of log "
                               "VIX change: highest / lowest bucket\n"));
    assert_null(strstr(na, "future"));
    free(buf);
    /* nothing n/a in the model: no such section */
    for (int k = 0; k < VR_REALISM_NLEG; k++)
        c[1].second_leg[k] = 0.2;
    c[1].lvol[0] = 0.9;
    char *all = NULL;
    print_columns(c, &all);
    assert_null(strstr(all, "Gates not evaluated"));
    free(all);
}

/* A history window without a day in the top VIX bucket (2017: none at 30 or above) has no
 * ratio for the "rising" gate, which the model is still held to: the failed gates' summary
 * printed "(history nan, > 1 (rising))" where the table shows n/a. */
static void test_failed_rising_gate_without_history(void **state)
{
    (void)state;
    vr_realism_stats c[2];
    two_columns(c, 0.1); /* the model's vol falls with the VIX: the gate fails */
    c[0].lvol[VR_REALISM_NB - 1] = NAN; /* no history day in the top bucket */
    char *buf = NULL;
    print_columns(c, &buf);
    const char *row = strstr(buf, "- calm.yaml: vol of log VIX change: highest / lowest bucket 0.67 (history n/a, > 1 "
                                  "(rising))");
    if (!row || strstr(buf, "nan"))
        fprintf(stderr, "%s\n", buf);
    assert_non_null(row);
    assert_null(strstr(buf, "nan"));
    free(buf);
}

static void test_svcj2_start_stationary(void **state)
{
    (void)state;
    /* self-exciting jumps (lambda1 mu_v = 8 of kappa_v = 10): E[v] = (10 x 0.02 + 0.5 x 0.04) / 2
     * = 0.11, 5.5 x theta; m reverts slowly (kappa_m 1) */
    vr_model m = {.type = VR_MODEL_SVCJ2, .spot = 4000, .rate = 0.02, .dividend = 0.01};
    m.physical.s2 = (vr_svcj2_params){.kappa_v = 10, .kappa_m = 1, .theta = 0.02, .sigma_v = 0.6,
                                      .sigma_m = 0.3, .rho = -0.7, .lambda0 = 0.5, .lambda1 = 200,
                                      .mu_v = 0.04, .mu_s = -0.01, .sigma_s = 0.015, .rho_j = -0.4};
    m.pricing = m.physical;
    m.v0 = 0.11;
    m.m0 = 0.02;
    double p50[2], se[2];
    const double burn[2] = {1, 8};
    for (int c = 0; c < 2; c++) {
        const vr_realism_sim rs = {.paths = 400, .years = 1, .burn_in = burn[c], .seed = 9,
                                   .threads = 0, .span_years = 0, .fut_states = 0,
                                   .vvix_states = 0};
        vr_realism_stats s;
        vr_err err = {0};
        assert_int_equal(vr_realism_simulate(&m, &rs, &s, &err), VR_OK);
        p50[c] = s.vix_pct[3];
        se[c] = s.se_pct[3];
        printf("  svcj2, burn-in %g years: VIX p50 %.2f (SE %.2f), mean %.2f\n", burn[c], p50[c],
               se[c], s.vix_mean);
    }
    assert_true(fabs(p50[0] - p50[1]) < 4 * sqrt(se[0] * se[0] + se[1] * se[1]));
}

static void test_episode_rate_independent_of_path_length(void **state)
{
    (void)state;
    /* a VIX mostly between 30 and 70: episodes above 60 come and go every few months */
    const vr_sv_params hp = {.kappa = 3.0, .theta = 0.2, .sigma = 1.0, .rho = -0.7};
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 4000, .rate = 0.02, .dividend = 0.01,
                  .v0 = hp.theta, .physical = hp};
    m.pricing = m.physical;
    double rate[2];
    const size_t paths[2] = {1600, 40};
    const double years[2] = {0.5, 20};
    for (int c = 0; c < 2; c++) {
        const vr_realism_sim rs = {.paths = paths[c], .years = years[c], .burn_in = 1, .seed = 11,
                                   .threads = 0, .span_years = 0, .fut_states = 0,
                                   .vvix_states = 0};
        vr_realism_stats s;
        vr_err err = {0};
        assert_int_equal(vr_realism_simulate(&m, &rs, &s, &err), VR_OK);
        rate[c] = s.above60_ep_per100y;
        printf("  %zu paths x %g years: %.1f episodes above 60 per 100 y (%.1f%% of days above)\n",
               paths[c], years[c], rate[c], 100 * s.frac_above[2]);
    }
    assert_true(fabs(rate[0] / rate[1] - 1) < 0.15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigger_needs_observed_quiet_days),
        cmocka_unit_test(test_trigger_rate_independent_of_path_length),
        cmocka_unit_test(test_extremes_over_spans_of_history_length),
        cmocka_unit_test(test_path_too_long_named),
        cmocka_unit_test(test_na_gates_listed),
        cmocka_unit_test(test_failed_rising_gate_without_history),
        cmocka_unit_test(test_svcj2_start_stationary),
        cmocka_unit_test(test_episode_rate_independent_of_path_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
