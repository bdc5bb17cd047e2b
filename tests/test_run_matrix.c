/* test_run_matrix.c: the stress matrix `vixrisk run` prints after the last scenario of a run with two
 * or more scenarios (engine/src/run/table.c). Like the report's matrix it has a column for each
 * configured policy, sweep-derived ones included, and none for the policies `ablate: true` derives
 * (docs/report.md, "Stress matrix"); every column is headed by its policy's whole name, so a sweep's
 * policies, whose names differ only at their end, stay apart; and each row holds the cells of those
 * policies, in order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_internal.h"
#include "vr_test_util.h"

static const char cfg_text[] =
    "simulation:\n"
    "  paths: 200\n"
    "  horizon_days: 10\n"
    "  seed: 3\n"
    "  sample_paths: 0\n"
    "  baseline: unhedged\n"
    "scenarios:\n"
    "  - name: first\n"
    "    model: &m\n"
    "      type: heston\n"
    "      spot: 5000.0\n"
    "      rate: 0.04\n"
    "      dividend: 0.013\n"
    "      v0: 0.03\n"
    "      physical: {kappa: 3.0, theta: 0.03, sigma: 0.6, rho: -0.75}\n"
    "      pricing:  {kappa: 2.4, theta: 0.035, sigma: 0.6, rho: -0.75}\n"
    "  - name: second\n"
    "    model: *m\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: static\n"
    "    layers:\n"
    "      - name: sleeve\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: pct_of_credit, value: 0.10}}\n"
    "        exit: {dte: 5}\n"
    "  - name: alvh\n"
    "    ablate: true\n"
    "    layers:\n"
    "      - name: roll\n"
    "        trigger: {short_delta: 0.30, cooldown_days: 3}\n"
    "        action: {type: roll_tested, roll_to_delta: 0.16}\n"
    "      - name: spike1\n"
    "        trigger: {vix_level: 22, cooldown_days: 5}\n"
    "        action: {type: vix_call, delta: 0.25, dte: 30, size: {by: pct_of_credit, value: 0.15}}\n"
    "sweep:\n"
    "  - {policy: static, key: \"layers[0].action.size.value\", values: [0.05, 0.2]}\n";

/* Whether policy p has a column: not derived by ablation, or the baseline (which may be). */
static int shown_col(const vr_run_cfg *cfg, int p)
{
    return cfg->spec.pol[p].abl_kind == VR_ABL_NONE || strcmp(cfg->spec.pol[p].name, cfg->baseline) == 0;
}

/* The matrix of cfg_text with its baseline replaced by `baseline`. */
static void check_matrix(const char *baseline)
{
    char dir[256], text[sizeof cfg_text + 64];
    assert_int_equal(vr_test_tmpdir("run-matrix", dir, sizeof dir), 0);
    const char *at = strstr(cfg_text, "baseline: unhedged");
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*sbaseline: \"%s\"%s", (int)(at - cfg_text), cfg_text, baseline,
             at + strlen("baseline: unhedged"));
    const char *file = vr_test_write(dir, "m.yaml", text);
    assert_non_null(file);
    vr_run_cfg cfg;
    vr_err err = {0};
    if (vr_run_load(file, &cfg, &err) != VR_OK)
        fail_msg("load: %s", err.msg);
    const vr_run_spec *s = &cfg.spec;
    assert_int_equal(s->nscen, 2);
    /* the 3 configured policies, 2 from the sweep, 3 from the ablation of alvh (2 without, 1 only:
     * its @only=roll is its @without=spike1) at least */
    int shown = 0, ablated = 0, swept = 0;
    for (int p = 0; p < s->npol; p++) {
        shown += shown_col(&cfg, p);
        ablated += s->pol[p].abl_kind != VR_ABL_NONE;
        swept += strstr(s->pol[p].name, "static@") == s->pol[p].name;
    }
    assert_int_equal(swept, 2);
    assert_true(ablated >= 2);
    /* (a baseline derived by ablation has its column: a matrix measured against it showed every
     * policy but that one) */
    assert_int_equal(shown, strchr(baseline, '@') != NULL ? 6 : 5);

    /* cell (sc, p) = 1000 (sc + 1) + p + 1: every cell distinct */
    double *cells = malloc((size_t)s->nscen * (size_t)s->npol * sizeof *cells);
    assert_non_null(cells);
    for (int sc = 0; sc < s->nscen; sc++)
        for (int p = 0; p < s->npol; p++)
            cells[(size_t)sc * (size_t)s->npol + (size_t)p] = 1000.0 * (sc + 1) + p + 1;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    vr_run_print_matrix(out, &cfg, cells);
    assert_int_equal(fclose(out), 0);
    printf("%s", buf);

    /* line 0 empty, 1 the title, 2 the header, then one line per scenario */
    char *lines[8] = {0};
    int nl = 0;
    for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t && nl < 8; t = strtok_r(NULL, "\n", &save))
        lines[nl++] = t;
    assert_int_equal(nl, 2 + s->nscen);
    assert_non_null(strstr(lines[0], "stress matrix"));
    /* the header: "scenario", "metric", then the shown policies' whole names in order */
    char *save = NULL;
    char *tok = strtok_r(lines[1], " ", &save);
    assert_string_equal(tok, "scenario");
    assert_string_equal(strtok_r(NULL, " ", &save), "metric");
    for (int p = 0; p < s->npol; p++) {
        if (!shown_col(&cfg, p))
            continue;
        tok = strtok_r(NULL, " ", &save);
        if (tok == NULL || strcmp(tok, s->pol[p].name) != 0)
            fail_msg("header column for %s: '%s'", s->pol[p].name, tok ? tok : "(none)");
    }
    tok = strtok_r(NULL, " ", &save);
    if (tok != NULL)
        fail_msg("header: an extra column '%s' (an ablation-derived policy?)", tok);
    /* each row: its scenario, the metric (three words), the shown policies' cells in order */
    for (int sc = 0; sc < s->nscen; sc++) {
        save = NULL;
        assert_string_equal(strtok_r(lines[2 + sc], " ", &save), s->scen[sc].name);
        assert_string_equal(strtok_r(NULL, " ", &save), "dES99");
        assert_string_equal(strtok_r(NULL, " ", &save), "vs");
        assert_string_equal(strtok_r(NULL, " ", &save), "base");
        for (int p = 0; p < s->npol; p++) {
            if (!shown_col(&cfg, p))
                continue;
            char want[32];
            snprintf(want, sizeof want, "%.0f", cells[(size_t)sc * (size_t)s->npol + (size_t)p]);
            tok = strtok_r(NULL, " ", &save);
            if (tok == NULL || strcmp(tok, want) != 0)
                fail_msg("%s, %s: cell '%s', want %s", s->scen[sc].name, s->pol[p].name, tok ? tok : "(none)", want);
        }
        tok = strtok_r(NULL, " ", &save);
        if (tok != NULL)
            fail_msg("%s: an extra cell '%s' (an ablation-derived policy?)", s->scen[sc].name, tok);
    }
    free(buf);
    free(cells);
    vr_run_cfg_free(&cfg);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_matrix_columns(void **state)
{
    (void)state;
    check_matrix("unhedged");
}

static void test_matrix_ablation_baseline(void **state)
{
    (void)state;
    check_matrix("alvh@without=roll");
}

/* The verdict tests' run: unhedged and one VIX-call layer on Heston, loaded from a file in a new
 * directory (dir: removed by the caller). */
static void verdict_cfg(const char *tag, char *dir, size_t cap, vr_run_cfg *cfg)
{
    assert_int_equal(vr_test_tmpdir(tag, dir, cap), 0);
    const char *file = vr_test_write(dir, "v.yaml",
                                     "simulation: {paths: 20000, horizon_days: 10, baseline: unhedged}\n"
                                     "scenarios:\n  - name: a\n    model: {type: heston, spot: 5000, v0: 0.04, "
                                     "physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                                     "policies:\n  - name: unhedged\n  - name: h\n    layers:\n"
                                     "      - {name: c, trigger: {always: true}, action: {type: vix_call, delta: 0.3, "
                                     "dte: 30, size: {by: contracts, value: 1}}}\n");
    vr_err err = {0};
    if (vr_run_load(file, cfg, &err) != VR_OK)
        fail_msg("load: %s", err.msg);
    assert_int_equal(cfg->spec.npol, 2);
}

/* Both policies' summaries: 20,000 paths, ES99 90000 +- 2000, the hedge budget given. */
static void verdict_ps(const vr_run_cfg *cfg, double budget_pct, vr_pol_summary ps[2])
{
    memset(ps, 0, 2 * sizeof *ps);
    for (int p = 0; p < 2; p++) {
        ps[p].n = 20000;
        ps[p].car = 50000;
        ps[p].budget_pct = budget_pct;
        ps[p].nlayers = cfg->spec.pol[p].nlayers;
        ps[p].score[VR_SCORE_ES99] = 90000;
        ps[p].score[VR_SCORE_ES99_SE] = 2000;
    }
}

/* The verdict's cost words (engine/src/run/verdict.c) for a policy that cuts ES99 significantly:
 * a dmean above 0 is a gain only where it is significant ("adds to the mean too"; within its
 * noise: "no measurable cost", after a user test read "adds to the mean too" beside "dmean +88 +-
 * 98 (not significant)"); a dmean below 0 is a cost per unit of ES99 removed. */
static void test_verdict_cost_words(void **state)
{
    (void)state;
    char dir[256];
    vr_run_cfg cfg;
    verdict_cfg("run-verdict", dir, sizeof dir, &cfg);
    /* (dmean, its SE, the cost per unit of ES99 removed, and the words wanted) */
    const struct { double dm, se, cost; const char *want, *not_want; } cases[] = {
        {88, 98, -88.0 / 5000, "no measurable cost: it removes ES99 and its dmean is within its noise", "mean too"},
        {1000, 200, -0.2, "no cost: it removes ES99 and adds to the mean too (0.200 of mean per 1", "measurable"},
        {-1000, 200, 0.2, "costs 0.200 of mean per 1 of ES99 removed", "no cost"},
        {-100, 200, 0.02, "costs 0.020 of mean per 1 of ES99 removed", "no cost"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vr_pol_summary ps[2];
        verdict_ps(&cfg, 1, ps);
        ps[1].score[VR_SCORE_DES99] = -5000;
        ps[1].score[VR_SCORE_DES99_SE] = 1000;
        ps[1].score[VR_SCORE_DMEAN] = cases[i].dm;
        ps[1].score[VR_SCORE_DMEAN_SE] = cases[i].se;
        ps[1].score[VR_SCORE_COST] = cases[i].cost;
        char *v = vr_verdict_text(&cfg, ps);
        assert_non_null(v);
        printf("%s", v);
        if (strstr(v, cases[i].want) == NULL)
            fail_msg("case %zu: the verdict lacks '%s'", i, cases[i].want);
        if (strstr(v, cases[i].not_want) != NULL)
            fail_msg("case %zu: the verdict says '%s'", i, cases[i].not_want);
        free(v);
    }
    vr_run_cfg_free(&cfg);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* 1 when text holds a number printed as "-0" (or "-0.00"): a minus sign, zeros and a point, and
 * then no digit. */
static int has_negative_zero(const char *text)
{
    for (const char *p = strchr(text, '-'); p != NULL; p = strchr(p + 1, '-')) {
        const char *q = p + 1;
        if (*q != '0')
            continue;
        while (*q == '0' || *q == '.')
            q++;
        if (!(*q >= '1' && *q <= '9'))
            return 1;
    }
    return 0;
}

/* Differences under half a dollar. A layer that never traded once moved a policy's P&L by 0.003-
 * 0.007 USD a path (its tables' nodes; test_eval_extent), and the verdict read "dmean -0 +- 0
 * (significant)": a number the reports never print, judged significant at a size it did not
 * show. Such a difference now prints with its own digits, and no number of the verdict as "-0". */
static void test_verdict_small_differences(void **state)
{
    (void)state;
    char dir[256];
    vr_run_cfg cfg;
    verdict_cfg("run-verdict-small", dir, sizeof dir, &cfg);
    /* (dmean and its SE, dES99 and its SE, the baseline's mean; the words wanted) */
    const struct { double dm, se, des, des_se, mean; const char *want; } cases[] = {
        {-0.004, 1e-5, -0.3, 0.01, -0.2, "dmean -0.004 +- 1e-05 (significant)"},
        {-0.6, 0.2, 0.0, 0.0, 12.0, "dmean -1 +- 0 (significant)"},
        {0.0, 0.0, 0.0, 0.0, -0.4, "dmean +0 +- 0 (not significant)"},
        {0.2, 0.4, -0.49, 0.3, 100.0, "dmean +0.2 +- 0.4 (not significant)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vr_pol_summary ps[2];
        verdict_ps(&cfg, 0, ps);
        for (int p = 0; p < 2; p++) {
            ps[p].score[VR_SCORE_MEAN] = cases[i].mean;
            ps[p].score[VR_SCORE_MEAN_SE] = 0.3;
        }
        ps[1].score[VR_SCORE_DES99] = cases[i].des;
        ps[1].score[VR_SCORE_DES99_SE] = cases[i].des_se;
        ps[1].score[VR_SCORE_DMEAN] = cases[i].dm;
        ps[1].score[VR_SCORE_DMEAN_SE] = cases[i].se;
        ps[1].score[VR_SCORE_COST] = cases[i].des < 0 ? cases[i].dm / cases[i].des : NAN; /* as summary.c */
        char *v = vr_verdict_text(&cfg, ps);
        assert_non_null(v);
        printf("%s", v);
        if (strstr(v, cases[i].want) == NULL)
            fail_msg("case %zu: the verdict lacks '%s'", i, cases[i].want);
        if (has_negative_zero(v))
            fail_msg("case %zu: the verdict prints a -0", i);
        free(v);
    }
    assert_true(has_negative_zero("dmean -0 +- 0") && has_negative_zero("x -0.00)") &&
                !has_negative_zero("-0.004 and -10 and -1e-05")); /* (the check itself) */
    vr_run_cfg_free(&cfg);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* On fewer than VR_MEAN_MIN_PATHS paths a mean difference is stated but not judged: 2 paths gave
 * "dmean -5889 +- 2468 (significant)" from an SE with one degree of freedom. */
static void test_verdict_few_paths(void **state)
{
    (void)state;
    char dir[256];
    vr_run_cfg cfg;
    verdict_cfg("run-verdict-few", dir, sizeof dir, &cfg);
    for (int k = 0; k < 2; k++) {
        cfg.spec.paths = k == 0 ? 2 : VR_MEAN_MIN_PATHS;
        vr_pol_summary ps[2];
        verdict_ps(&cfg, 0, ps);
        for (int p = 0; p < 2; p++) {
            ps[p].n = cfg.spec.paths;
            ps[p].score[VR_SCORE_MEAN] = -16284;
            ps[p].score[VR_SCORE_MEAN_SE] = 16403;
        }
        ps[1].score[VR_SCORE_DES99] = NAN;
        ps[1].score[VR_SCORE_DMEAN] = -5889;
        ps[1].score[VR_SCORE_DMEAN_SE] = 2468;
        char *v = vr_verdict_text(&cfg, ps);
        assert_non_null(v);
        printf("%s", v);
        if (k == 0) {
            assert_non_null(strstr(v, "dmean -5889 +- 2468 (rough)"));
            assert_non_null(strstr(v, "(2 paths, fewer than 30: the mean differences are not judged either)"));
        } else {
            assert_non_null(strstr(v, "dmean -5889 +- 2468 (significant)"));
            assert_null(strstr(v, "not judged either"));
        }
        free(v);
    }
    vr_run_cfg_free(&cfg);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_columns),
        cmocka_unit_test(test_matrix_ablation_baseline),
        cmocka_unit_test(test_verdict_cost_words),
        cmocka_unit_test(test_verdict_few_paths),
        cmocka_unit_test(test_verdict_small_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
