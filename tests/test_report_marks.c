/* test_report_marks.c: what the reports mark bold (a paired difference beyond VR_Z_SIGNIFICANT
 * standard errors) and what they mark rough (a tail score resting on fewer than VR_TAIL_MIN_BEYOND
 * paths beyond VaR99):
 *
 *   cells      a ΔES99 (the cost table, the stress matrix, the attribution's "if removed" and
 *              "alone") is a difference of two ES99 over the same tail: with fewer than
 *              VR_TAIL_MIN_BEYOND tail paths it is rough and never significant, however small its
 *              SE; at VR_TAIL_MIN_BEYOND paths vr_significant judges it again (the boundary, on
 *              hand-made scenarios through the shared cell functions);
 *   formats    a 200-path run (2 tail paths) with a sampled scenario and a shock scenario: HTML and
 *              Markdown show its ΔES99 un-bolded and marked rough, the JSON stress matrix calls it
 *              not significant; in the stress matrix a shock scenario's cell is a level (mean P&L
 *              +- SE) over its difference to the baseline, and only the difference can be
 *              significant, so Markdown bolds that part alone, as the HTML does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/tables.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_report.h"
#include "vixrisk/vr_runfile.h"
#include "vr_test_util.h"

/* ---- the cells, on hand-made scenarios ------------------------------------------------------- */

static char pol_names[2][16] = {"base", "hedged"};
static char *layer_names[1] = {"spike"};

/* A scenario of two policies ("base", the baseline, and "hedged" with one layer) whose ΔES99 is
 * -5000 +- 100 (50 SE: significant by any rule), resting on `tail` paths beyond VaR99. */
static void make_scen(rep_scenario *s, rep_policy *p, rep_layer *lay, size_t tail)
{
    memset(s, 0, sizeof *s);
    memset(p, 0, 2 * sizeof *p);
    memset(lay, 0, sizeof *lay);
    for (int i = 0; i < 2; i++) {
        p[i].name = pol_names[i];
        p[i].baseline = pol_names[0];
        for (int k = 0; k < RS_N; k++)
            p[i].score[k] = 1000.0;
    }
    p[1].score[RS_DES99] = -5000.0;
    p[1].score[RS_DES99_SE] = 100.0;
    p[1].score[RS_DMEAN] = -300.0;
    p[1].score[RS_DMEAN_SE] = 10.0;
    for (int k = 0; k < VR_RF_LAYER_N; k++)
        lay->score[k] = NAN;
    lay->score[VR_RF_LAYER_DES_REMOVED] = 4000.0;
    lay->score[VR_RF_LAYER_DES_REMOVED_SE] = 100.0;
    lay->score[VR_RF_LAYER_DES_ALONE] = -4500.0;
    lay->score[VR_RF_LAYER_DES_ALONE_SE] = 100.0;
    lay->attr_mean = NAN;
    lay->action = (char *)"";
    p[1].lay = lay;
    p[1].layers = layer_names;
    p[1].nlayer_names = 1;
    p[1].nlayers = 1;
    s->name = (char *)"sampled";
    s->pol = p;
    s->npol = 2;
    s->base = 0;
    s->tail = tail;
    s->paths = 100 * tail;
}

static const rep_cell *cell_of(const rep_cell *c, size_t n, const char *key)
{
    for (size_t j = 0; j < n; j++)
        if (c[j].key && strcmp(c[j].key, key) == 0)
            return &c[j];
    fail_msg("no cell %s", key);
    return NULL;
}

static void test_des99_cells(void **state)
{
    (void)state;
    assert_true(vr_significant(-5000.0, 100.0));
    static const size_t tails[2] = {VR_TAIL_MIN_BEYOND - 1, VR_TAIL_MIN_BEYOND};
    for (int t = 0; t < 2; t++) {
        const int rough = tails[t] < VR_TAIL_MIN_BEYOND;
        rep_scenario s;
        rep_policy p[2];
        rep_layer lay;
        make_scen(&s, p, &lay, tails[t]);
        rep_cell c[REP_MAXCOL];
        /* the cost table */
        size_t n = vr_rep_table_row(&s, 1, REP_TABLE_COST, c);
        const rep_cell *d = cell_of(c, n, "d_es99");
        if (d->rough != rough || d->sig != !rough)
            fail_msg("cost table, %zu tail paths: d_es99 rough %d sig %d, want rough %d sig %d", tails[t],
                     d->rough, d->sig, rough, !rough);
        d = cell_of(c, n, "d_mean"); /* a difference of means: not a tail score */
        assert_int_equal(d->rough, 0);
        assert_int_equal(d->sig, 1);
        /* the attribution: ΔES99 if removed and alone */
        rep_arow row = {1, 0};
        n = vr_rep_attr_row(&s, &row, c);
        static const char *const akeys[2] = {"d_es99_removed", "d_es99_alone"};
        for (int k = 0; k < 2; k++) {
            d = cell_of(c, n, akeys[k]);
            if (d->rough != rough || d->sig != !rough)
                fail_msg("attribution, %zu tail paths: %s rough %d sig %d, want rough %d sig %d", tails[t],
                         akeys[k], d->rough, d->sig, rough, !rough);
        }
        /* the stress matrix (two scenarios: the same one twice) */
        rep_scenario two[2] = {s, s};
        two[1].name = (char *)"again";
        rep_run r;
        memset(&r, 0, sizeof r);
        r.scen = two;
        r.nscen = 2;
        rep_matrix m;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_rep_matrix_build(&r, &m, &err), VR_OK);
        assert_int_equal(m.npol, 2);
        const rep_mcell *mc = &m.cell[1 * m.nscen + 0];
        if (mc->sig != !rough)
            fail_msg("stress matrix, %zu tail paths: significant %d, want %d", tails[t], mc->sig, !rough);
        rep_cell mrow[3];
        n = vr_rep_matrix_row(&m, 1, mrow);
        assert_int_equal(n, 3);
        if (mrow[1].rough != rough || mrow[1].sig != !rough || mrow[1].subsig != 0)
            fail_msg("stress matrix row, %zu tail paths: rough %d sig %d subsig %d, want rough %d sig %d",
                     tails[t], mrow[1].rough, mrow[1].sig, mrow[1].subsig, rough, !rough);
        /* the baseline's own cell says "(baseline)": neither */
        n = vr_rep_matrix_row(&m, 0, mrow);
        assert_int_equal(mrow[1].rough, 0);
        assert_int_equal(mrow[1].sig, 0);
        vr_rep_matrix_free(&m);
    }
}

/* ---- the formats, on a real run -------------------------------------------------------------- */

static const char *cfg_text =
    "simulation: {paths: 200, horizon_days: 60, seed: 11, block: 200, sample_paths: 4, baseline: unhedged}\n"
    "scenarios:\n"
    "  - name: sampled\n"
    "    model: &m {type: svcj, spot: 5000.0, rate: 0.04, dividend: 0.013, v0: 0.02,\n"
    "               physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8, mu_v: 0.04,\n"
    "                          mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6},\n"
    "               pricing: {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2, mu_v: 0.05,\n"
    "                         mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6}}\n"
    "  - {name: shocked, model: *m, shocks: [{day: 20, preset: mar2020}]}\n"
    "condor: {contracts: 10, dte: 45, short_delta: 0.16, wing_width: 50}\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: hedged\n"
    "    layers:\n"
    "      - trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: pct_of_credit, value: 0.10}}\n"
    "        exit: {dte: 5}\n";

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The line of Markdown text s that starts with `start` after the first `after`, copied into buf. */
static void md_line(const char *s, const char *after, const char *start, char *buf, size_t cap)
{
    const char *a = strstr(s, after);
    assert_non_null(a);
    const char *l = strstr(a, start);
    if (l == NULL)
        fail_msg("no line '%s' after '%s'", start, after);
    const char *e = strchr(l, '\n');
    const size_t n = e ? (size_t)(e - l) : strlen(l);
    assert_true(n < cap);
    memcpy(buf, l, n);
    buf[n] = '\0';
}

/* The run every format test reports on, and what it stored. */
static char dir[256], h5[400];
static double des, des_se, dm, dm_se, mean, mean_se;

static int setup(void **state)
{
    (void)state;
    if (vr_test_run_file("report_marks", "marks", cfg_text, dir, sizeof dir, h5, sizeof h5) != 0)
        return -1;
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    if (vr_h5_open_read(h5, &r, &err) != VR_OK)
        return -1;
    const int bad = vr_h5_read_attr_double(r, "/sampled/hedged", "d_es99", &des, &err) != VR_OK ||
                    vr_h5_read_attr_double(r, "/sampled/hedged", "d_es99_se", &des_se, &err) != VR_OK ||
                    vr_h5_read_attr_double(r, "/shocked/hedged", "d_mean", &dm, &err) != VR_OK ||
                    vr_h5_read_attr_double(r, "/shocked/hedged", "d_mean_se", &dm_se, &err) != VR_OK ||
                    vr_h5_read_attr_double(r, "/shocked/hedged", "mean", &mean, &err) != VR_OK ||
                    vr_h5_read_attr_double(r, "/shocked/hedged", "mean_se", &mean_se, &err) != VR_OK;
    vr_h5_close(r);
    if (bad) {
        fprintf(stderr, "%s: %s\n", h5, err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return getenv("VR_TEST_KEEP") ? 0 : vr_test_rmdir(dir) == 0 ? 0 : -1;
}

/* The report of the run in format fmt (extension ext), read back. */
static char *report(vr_report_format fmt, const char *ext)
{
    char out[500];
    vr_err err = {VR_OK, ""};
    snprintf(out, sizeof out, "%s/marks.%s", dir, ext);
    if (vr_report_write(h5, out, fmt, &err) != VR_OK)
        fail_msg("report %s: %s", ext, err.msg);
    char *s = vr_test_slurp(out);
    assert_non_null(s);
    return s;
}

/* A shock scenario's cell is a level (mean P&L +- SE, never significant) over its difference to
 * the baseline: Markdown bolds the difference alone, as the HTML does. */
static void test_md_delta_bold(void **state)
{
    (void)state;
    if (!vr_significant(dm, dm_se))
        fail_msg("premise: the shock's d_mean %g +- %g should pass vr_significant", dm, dm_se);
    char a[48], b[48], want[300];
    vr_test_usd(a, sizeof a, mean);
    vr_test_usd(b, sizeof b, mean_se);
    char c[48];
    vr_test_usd(c, sizeof c, dm);
    snprintf(want, sizeof want, "| %s \xC2\xB1 %s; **\xCE\x94 %s** |\n", a, b, c);
    char *s = report(VR_REPORT_MD, "md");
    char line[2000];
    md_line(s, "## Stress matrix", "| hedged |", line, sizeof line);
    strcat(line, "\n");
    if (strstr(line, want) == NULL)
        fail_msg("markdown stress matrix row of hedged\n  got:  %s  want the shock cell: %s", line, want);
    free(s);
    s = report(VR_REPORT_HTML, "html");
    assert_non_null(strstr(s, "<span class=\"d sig\">"));
    free(s);
}

/* The run has 2 paths beyond VaR99: its ΔES99 is rough however small its SE, and no format may
 * call it significant; HTML and Markdown mark it as they mark a rough ES99. */
static void test_rough_des99(void **state)
{
    (void)state;
    assert_true(vr_tail_paths(200) < VR_TAIL_MIN_BEYOND);
    if (!vr_significant(des, des_se))
        fail_msg("premise: d_es99 %g +- %g should pass vr_significant (its SE alone)", des, des_se);
    char a[48], b[48], txt[120], want[300];
    vr_test_usd(a, sizeof a, des);
    vr_test_usd(b, sizeof b, des_se);
    snprintf(txt, sizeof txt, "%s \xC2\xB1 %s", a, b);
    /* Markdown: plain and marked " \*" in the stress matrix and the cost table, never bold */
    char *s = report(VR_REPORT_MD, "md");
    snprintf(want, sizeof want, "| %s \\* |", txt);
    if (count(s, want) != 2)
        fail_msg("markdown: '%s' appears %zu times, want 2 (stress matrix, cost table)", want, count(s, want));
    snprintf(want, sizeof want, "**%s", txt);
    if (strstr(s, want) != NULL)
        fail_msg("markdown bolds the rough \xCE\x94" "ES99 '%s'", want);
    assert_non_null(strstr(s, "and so is each \xCE\x94" "ES99"));
    free(s);
    /* HTML: class "rough" (the red * and its tooltip), not "sig" */
    s = report(VR_REPORT_HTML, "html");
    if (strstr(s, "data-key=\"d_es99\" class=\"sig") != NULL)
        fail_msg("html marks a rough \xCE\x94" "ES99 significant");
    snprintf(want, sizeof want, "data-key=\"d_es99\" class=\"rough\" title=\"rests on fewer than %d tail "
             "paths\">%s</td>", VR_TAIL_MIN_BEYOND, txt);
    if (count(s, want) != 2)
        fail_msg("html: '%s' appears %zu times, want 2 (stress matrix, cost table)", want, count(s, want));
    free(s);
    /* JSON: the stress matrix's `significant` is false for it, true for the shock's difference */
    s = report(VR_REPORT_JSON, "json");
    free(s);
    if (system("/usr/bin/python3 -c 'import json' 2>/dev/null") != 0) {
        printf("no python3: JSON check skipped\n");
        return;
    }
    char args[1400];
    snprintf(args, sizeof args,
             "/usr/bin/python3 -c 'import json,sys\n"
             "m=json.load(open(sys.argv[1]))[\"stress_matrix\"]; p=m[\"policies\"].index(\"hedged\")\n"
             "sc=[x[\"name\"] for x in m[\"scenarios\"]]\n"
             "c=m[\"cells\"][p]\n"
             "assert c[sc.index(\"sampled\")][\"significant\"] is False, c\n"
             "assert c[sc.index(\"shocked\")][\"significant\"] is True, c\n' '%s/marks.json'", dir);
    if (system(args) != 0)
        fail_msg("JSON stress matrix: a rough \xCE\x94" "ES99 is called significant (%s/marks.json)", dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_delta_bold),
        cmocka_unit_test(test_des99_cells),
        cmocka_unit_test(test_rough_des99),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
