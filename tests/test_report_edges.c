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
 *                legend under the plot included), and so do the P&L and drawdown charts of a
 *                scenario with more policies than their legend fits in the plot's corner;
 *   XML chars    U+FFFE and U+FFFF (valid UTF-8, no XML character) never reach the HTML;
 *   md UTF-8     the Markdown stays UTF-8 when a name holds bytes that are not;
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

/* ---- a small run with a sweep, reported ----------------------------------------------------- */

static const char *cfg_text =
    "simulation: {paths: 200, horizon_days: 40, seed: 5, block: 200, sample_paths: 3, baseline: unhedged}\n"
    "scenarios:\n"
    "  - name: sampled\n"
    "    model: {type: heston, spot: 5000.0, rate: 0.04, dividend: 0.013, v0: 0.02,\n"
    "            physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75},\n"
    "            pricing: {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75}}\n"
    "condor: {contracts: 10, dte: 45, short_delta: 0.16, wing_width: 50}\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: hedged\n"
    "    layers:\n"
    "      - trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: pct_of_credit, value: 0.10}}\n"
    "        exit: {dte: 5}\n"
    "sweep:\n"
    "  - {policy: hedged, key: \"layers[0].action.delta\", values: [0.2, 0.4]}\n";

static char dir[256], cfg[400], h5[400];

static int setup(void **state)
{
    (void)state;
    if (vr_test_run_file("report_edges", "edges", cfg_text, dir, sizeof dir, h5, sizeof h5) != 0)
        return -1;
    snprintf(cfg, sizeof cfg, "%s/edges.yaml", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return getenv("VR_TEST_KEEP") ? 0 : vr_test_rmdir(dir) == 0 ? 0 : -1;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The Markdown report written to a name with spaces and parentheses: every image link is one
 * CommonMark destination (no space, no parenthesis, no '<' or '>'), and, percent-decoded, names a
 * chart that exists beside the .md. */
static void test_md_link_names(void **state)
{
    (void)state;
    char out[600];
    vr_err err = {VR_OK, ""};
    snprintf(out, sizeof out, "%s/my report (v2).md", dir);
    if (vr_report_write(h5, out, VR_REPORT_MD, &err) != VR_OK)
        fail_msg("report md: %s", err.msg);
    char *s = vr_test_slurp(out);
    assert_non_null(s);
    size_t links = 0;
    for (const char *p = strstr(s, "\n!["); p; p = strstr(p + 1, "\n![")) {
        const char *d = strstr(p, "](");
        assert_non_null(d);
        d += 2;
        const char *e = strchr(d, '\n');
        assert_non_null(e);
        if (e[-1] != ')')
            fail_msg("image line does not end with ')': %.*s", (int)(e - p - 1), p + 1);
        const size_t n = (size_t)(e - 1 - d);
        char dest[600], path[1300];
        assert_true(n < sizeof dest);
        memcpy(dest, d, n);
        dest[n] = '\0';
        if (strpbrk(dest, " ()<>\t") != NULL)
            fail_msg("link destination '%s' is not one CommonMark destination (space, parenthesis or "
                     "angle bracket): the chart does not show", dest);
        /* percent-decode, then the file must exist relative to the .md */
        char dec[600];
        size_t o = 0;
        for (size_t i = 0; dest[i]; i++) {
            if (dest[i] == '%' && hexval(dest[i + 1]) >= 0 && hexval(dest[i + 2]) >= 0) {
                dec[o++] = (char)(hexval(dest[i + 1]) * 16 + hexval(dest[i + 2]));
                i += 2;
            } else {
                dec[o++] = dest[i];
            }
        }
        dec[o] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, dec);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            fail_msg("link '%s' names '%s', which does not exist", dest, path);
        fclose(f);
        links++;
    }
    if (links < 5)
        fail_msg("%zu image links, want the four charts, the layers chart and the sweep's", links);
    free(s);
}

/* A number attribute name="..." of the svg text at p. */
static int attr_num(const char *tag, const char *name, double *v)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *end = strchr(tag, '>');
    const char *a = strstr(tag, key);
    if (a == NULL || (end && a > end))
        return 0;
    *v = strtod(a + strlen(key), NULL);
    return 1;
}

/* Every rect and text of the SVG s (named `what`) lies inside its viewBox. */
static void check_bounds(const char *what, const char *s)
{
    double W = 0, H = 0;
    assert_true(attr_num(s, "width", &W) && attr_num(s, "height", &H));
    static const char *const tags[] = {"<rect ", "<text "};
    for (int t = 0; t < 2; t++)
        for (const char *p = strstr(s, tags[t]); p; p = strstr(p + 1, tags[t])) {
            double x = 0, y = 0, w = 0, h = 0;
            if (!attr_num(p, "x", &x) || !attr_num(p, "y", &y))
                continue;
            if (t == 0 && (!attr_num(p, "width", &w) || !attr_num(p, "height", &h)))
                continue;
            if (x < 0 || y < 0 || x + w > W + 0.05 || y + h > H + 0.05 || (t == 1 && y > H - 2))
                fail_msg("%s: %.60s... reaches (%g, %g), outside its %g x %g viewBox", what, p, x + w, y + h, W,
                         H);
        }
}

/* Every rect and text of every chart of the run lies inside its SVG's viewBox. */
static void test_svg_bounds(void **state)
{
    (void)state;
    char out[600], fdir[600];
    vr_err err = {VR_OK, ""};
    snprintf(out, sizeof out, "%s/bounds.md", dir);
    if (vr_report_write(h5, out, VR_REPORT_MD, &err) != VR_OK)
        fail_msg("report md: %s", err.msg);
    snprintf(fdir, sizeof fdir, "%s/bounds_files", dir);
    DIR *dd = opendir(fdir);
    assert_non_null(dd);
    size_t nsvg = 0, nsweep = 0;
    for (struct dirent *de; (de = readdir(dd)) != NULL;) {
        const size_t L = strlen(de->d_name);
        if (L < 4 || strcmp(de->d_name + L - 4, ".svg") != 0)
            continue;
        char path[1300];
        snprintf(path, sizeof path, "%s/%s", fdir, de->d_name);
        char *s = vr_test_slurp(path);
        assert_non_null(s);
        nsvg++;
        nsweep += strstr(de->d_name, "-sweep") != NULL;
        check_bounds(de->d_name, s);
        free(s);
    }
    closedir(dd);
    if (nsvg < 6 || nsweep < 1)
        fail_msg("%zu charts, %zu sweep charts: the run should have the four charts, layers and a sweep", nsvg,
                 nsweep);
}

/* A scenario of np policies (a sweep of many values), 10 paths each: the P&L and drawdown charts
 * keep every legend entry inside the SVG (the legend no longer fits in the plot's corner). */
static void test_many_policies_legend(void **state)
{
    (void)state;
    enum { NP = 40, N = 10 };
    static rep_policy p[NP];
    static char names[NP][VR_NAME_MAX];
    static double pnl[NP][N], dd[NP][N];
    rep_scenario s;
    memset(&s, 0, sizeof s);
    memset(p, 0, sizeof p);
    for (size_t i = 0; i < NP; i++) {
        snprintf(names[i], sizeof names[i], "hedged@layers_0_.action.size=%zu", i + 1);
        p[i].name = names[i];
        p[i].baseline = names[0];
        p[i].n = N;
        for (size_t k = 0; k < N; k++) {
            pnl[i][k] = -20000.0 + 4000.0 * (double)k + 100.0 * (double)i; /* ascending: sorted */
            dd[i][k] = 1000.0 * (double)k;
        }
        p[i].pnl = p[i].pnl_sorted = pnl[i];
        p[i].dd_sorted = dd[i];
        for (int k = 0; k < RS_N; k++)
            p[i].score[k] = 100.0;
        p[i].score[RS_ES99] = 20000.0 - 100.0 * (double)i;
        p[i].score[RS_MEAN] = -2000.0 + 100.0 * (double)i;
    }
    s.name = (char *)"sampled";
    s.pol = p;
    s.npol = NP;
    s.paths = N;
    s.tail = 1;
    void (*const chart[2])(FILE *, const rep_scenario *) = {vr_chart_pnl, vr_chart_drawdown};
    static const char *const what[2] = {"pnl chart", "drawdown chart"};
    for (int c = 0; c < 2; c++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        chart[c](f, &s);
        fclose(f);
        check_bounds(what[c], buf);
        /* every policy is named in the legend */
        for (size_t i = 0; i < NP; i++) {
            char want[96];
            snprintf(want, sizeof want, ">%s</text>", names[i]);
            if (strstr(buf, want) == NULL)
                fail_msg("%s: no legend entry for %s", what[c], names[i]);
        }
        free(buf);
    }
}

/* U+FFFE and U+FFFF are valid UTF-8 but no XML character: the HTML and SVG escaping replaces them
 * (as a control character) so XML tools parse the page; the JSON keeps them (RFC 8259 allows both). */
static void test_xml_noncharacters(void **state)
{
    (void)state;
    const char *in = "a\xEF\xBF\xBE" "b\xEF\xBF\xBF" "c\xEF\xBF\xBD" "d\x01" "e\xC3\xA9<";
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vr_rep_esc(f, in);
    fclose(f);
    assert_string_equal(buf, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD" "d\xEF\xBF\xBD" "e\xC3\xA9&lt;");
    free(buf);
    /* the report of a run file whose name holds U+FFFF: the page has none */
    char src[600], out[600];
    snprintf(src, sizeof src, "%s/run\xEF\xBF\xBF.h5", dir);
    snprintf(out, sizeof out, "%s/nonchar.html", dir);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", h5, src);
    assert_int_equal(system(cmd), 0);
    vr_err err = {VR_OK, ""};
    if (vr_report_write(src, out, VR_REPORT_HTML, &err) != VR_OK)
        fail_msg("report html: %s", err.msg);
    char *page = vr_test_slurp(out);
    assert_non_null(page);
    if (strstr(page, "\xEF\xBF\xBF") != NULL)
        fail_msg("%s holds U+FFFF, which XML does not allow", out);
    assert_non_null(strstr(page, "run\xEF\xBF\xBD.h5"));
    free(page);
}

/* A run file named with a byte that is not UTF-8 and a control character (a path from elsewhere):
 * the Markdown report stays UTF-8, with U+FFFD for each, as the HTML and the JSON write them. */
static void test_md_utf8(void **state)
{
    (void)state;
    char src[600], out[600], cmd[1400];
    snprintf(src, sizeof src, "%s/bad\xff\x01.h5", dir);
    snprintf(out, sizeof out, "%s/bad.md", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", h5, src);
    assert_int_equal(system(cmd), 0);
    vr_err err = {VR_OK, ""};
    if (vr_report_write(src, out, VR_REPORT_MD, &err) != VR_OK)
        fail_msg("report md: %s", err.msg);
    char *md = vr_test_slurp(out);
    assert_non_null(md);
    if (strchr(md, '\xff') != NULL || strchr(md, '\x01') != NULL)
        fail_msg("%s holds the run file's name as raw bytes: not UTF-8", out);
    assert_non_null(strstr(md, "bad\xEF\xBF\xBD\xEF\xBF\xBD.h5"));
    free(md);
}

/* `vixrisk run --json`: every number equals the run file's attribute (python's json and h5py). */
static void test_run_json_exact(void **state)
{
    (void)state;
    if (system("/usr/bin/python3 -c 'import json, h5py' 2>/dev/null") != 0) {
        printf("no python3 with h5py: run --json check skipped\n");
        return;
    }
    char cmd[3000];
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s' -q --json --threads 2 -o '%s/json.h5' 2>/dev/null | /usr/bin/python3 -c '"
             "import json, sys, h5py\n"
             "def no(c): raise ValueError(c)\n"
             "d = json.loads(sys.stdin.read(), parse_constant=no)\n"
             "f = h5py.File(sys.argv[1], \"r\")\n"
             "n = 0\n"
             "for s in d[\"scenarios\"]:\n"
             "    for r in s[\"ranking\"]:\n"
             "        a = f[s[\"name\"]][r[\"policy\"]].attrs\n"
             "        for k, v in r.items():\n"
             "            if k in (\"rank\", \"policy\") or v is None: continue\n"
             "            if float(a[k]) != v: sys.exit(\"%%s %%s %%s: json %%r, file %%r\" %% (s[\"name\"], r[\"policy\"], k, v, float(a[k])))\n"
             "            n += 1\n"
             "assert n > 20, n\n"
             "print(\"exact\", n)' '%s/json.h5' 2>&1",
             VIXRISK_CLI, cfg, dir, dir);
    char out[4096];
    const int rc = vr_run_capture(cmd, out, sizeof out);
    if (rc != 0 || strstr(out, "exact") == NULL)
        fail_msg("run --json does not read back to the file's doubles (%d): %s", rc, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_cell),
        cmocka_unit_test(test_md_link_names),
        cmocka_unit_test(test_svg_bounds),
        cmocka_unit_test(test_many_policies_legend),
        cmocka_unit_test(test_run_json_exact),
        cmocka_unit_test(test_xml_noncharacters),
        cmocka_unit_test(test_md_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
