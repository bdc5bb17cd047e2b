/* test_report_extremes.c: the reports at the ends of what a run file may hold:
 *
 *   huge P&L     a `pnl` of +-1.7e308 (finite, so the loader takes it) gives charts whose every
 *                number is finite: no chart range or scale overflows, in the HTML and in the
 *                Markdown's SVG files; every chart (P&L, frontier, drawdown, paths, layers, sweep)
 *                stays finite for data at +-DBL_MAX, for all-equal data and for one path;
 *   usd format   every finite double prints as the number it is (no digits cut off a long
 *                number): whole dollars with separators below 1e15, exponent notation beyond,
 *                also inside the ranking tables' "v ± se" cells and the ratio cells;
 *   md verdict   a verdict line of several KB is written whole into the Markdown;
 *   drawdown     the drawdown chart plots P(DD >= x) as its label says, also where many paths
 *                tie (no drawdown at all);
 *   data-key     no HTML cell carries an empty data-key (the condor's blank attribution cells);
 *   wall time    a wall time of 1e200 s prints as such, not cut at its buffer. */
#include <ctype.h>
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/tables.h"
#include "vixrisk/vr_report.h"
#include "vr_test_util.h"

#ifndef REP_USD_EXP
#define REP_USD_EXP 1e15 /* where the USD format turns to exponent notation (report_internal.h) */
#endif

static const char *cfg_text =
    "simulation: {paths: 200, horizon_days: 40, seed: 7, block: 200, sample_paths: 3, baseline: unhedged}\n"
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
    "        exit: {dte: 5}\n";

static char dir[256], h5[400];

static int setup(void **state)
{
    (void)state;
    return vr_test_run_file("report_extremes", "x", cfg_text, dir, sizeof dir, h5, sizeof h5);
}

static int teardown(void **state)
{
    (void)state;
    return getenv("VR_TEST_KEEP") ? 0 : vr_test_rmdir(dir) == 0 ? 0 : -1;
}

/* ---- every number of an SVG is finite ------------------------------------------------------- */

/* Fails when the SVG text s (named what) holds "nan" or "inf" as a word anywhere but in its
 * title, or an attribute number that is not finite or beyond +-1e8 (pixel coordinates stop at
 * +-1e7, plus a marker's offset). Returns the count of numbers checked. */
static size_t check_finite(const char *what, const char *s, size_t len)
{
    for (size_t i = 0; i + 3 <= len; i++) {
        if (strncasecmp(s + i, "nan", 3) != 0 && strncasecmp(s + i, "inf", 3) != 0)
            continue;
        if ((i > 0 && isalpha((unsigned char)s[i - 1])) || (i + 3 < len && isalpha((unsigned char)s[i + 3])))
            continue; /* part of a word */
        fail_msg("%s: '%.3s' at %zu: ...%.80s", what, s + i, i, s + (i > 60 ? i - 60 : 0));
    }
    size_t nnum = 0;
    for (const char *p = strstr(s, "=\""); p; p = strstr(p + 1, "=\"")) {
        const char *v = p + 2, *e = strchr(v, '"');
        if (e == NULL)
            break;
        for (const char *q = v; q < e;) {
            if (isalpha((unsigned char)*q) || *q == '#') { /* a word or a colour: skip it */
                q++;
                while (q < e && isalnum((unsigned char)*q)) q++;
                continue;
            }
            if (isdigit((unsigned char)*q) || *q == '-' || *q == '+' || *q == '.') {
                char *end;
                const double x = strtod(q, &end);
                if (end > q) {
                    if (!isfinite(x) || fabs(x) > 1e8)
                        fail_msg("%s: attribute value '%.*s' holds %.*s", what, (int)(e - v > 120 ? 120 : e - v), v,
                                 (int)(end - q), q);
                    nnum++;
                    q = end;
                    continue;
                }
            }
            q++;
        }
        p = e;
    }
    return nnum;
}

/* Every <svg> element of text s. */
static size_t check_svgs(const char *what, const char *s)
{
    size_t n = 0;
    for (const char *p = strstr(s, "<svg"); p; p = strstr(p + 1, "<svg")) {
        const char *e = strstr(p, "</svg>");
        assert_non_null(e);
        char w[200];
        snprintf(w, sizeof w, "%s, svg %zu", what, n + 1);
        check_finite(w, p, (size_t)(e - p));
        n++;
    }
    return n;
}

static int have_h5py(void)
{
    return system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") == 0;
}

/* A copy of the run with one path of every policy at +1.7e308 and one at -1.7e308 (and a
 * drawdown of 1.7e308): the HTML's charts and the Markdown's SVG files are finite throughout. */
static void test_huge_pnl_charts(void **state)
{
    (void)state;
    if (!have_h5py())
        skip();
    char src[600], cmd[2000], out[600], fdir[600];
    snprintf(src, sizeof src, "%s/huge.h5", dir);
    snprintf(cmd, sizeof cmd,
             "cp '%s' '%s' && /usr/bin/python3 -c '"
             "import sys, h5py\n"
             "f = h5py.File(sys.argv[1], \"r+\")\n"
             "n = 0\n"
             "for s in f.values():\n"
             "    if not isinstance(s, h5py.Group): continue\n"
             "    for g in s.values():\n"
             "        if isinstance(g, h5py.Group) and \"pnl\" in g:\n"
             "            p = g[\"pnl\"][...]; p[0] = 1.7e308; p[1] = -1.7e308; g[\"pnl\"][...] = p\n"
             "            d = g[\"drawdown\"][...]; d[0] = 1.7e308; g[\"drawdown\"][...] = d\n"
             "            n += 1\n"
             "assert n >= 2, n' '%s'",
             h5, src, src);
    assert_int_equal(system(cmd), 0);
    vr_err err = {VR_OK, ""};
    snprintf(out, sizeof out, "%s/huge.html", dir);
    if (vr_report_write(src, out, VR_REPORT_HTML, &err) != VR_OK)
        fail_msg("report html: %s", err.msg);
    char *page = vr_test_slurp(out);
    assert_non_null(page);
    const size_t nsvg = check_svgs("huge.html", page);
    if (nsvg < 5)
        fail_msg("huge.html: %zu charts, want P&L, frontier, drawdown, paths and layers", nsvg);
    free(page);
    snprintf(out, sizeof out, "%s/huge.md", dir);
    if (vr_report_write(src, out, VR_REPORT_MD, &err) != VR_OK)
        fail_msg("report md: %s", err.msg);
    snprintf(fdir, sizeof fdir, "%s/huge_files", dir);
    DIR *dd = opendir(fdir);
    assert_non_null(dd);
    size_t nfile = 0;
    for (struct dirent *de; (de = readdir(dd)) != NULL;) {
        const size_t L = strlen(de->d_name);
        if (L < 4 || strcmp(de->d_name + L - 4, ".svg") != 0)
            continue;
        char path[1300];
        snprintf(path, sizeof path, "%s/%s", fdir, de->d_name);
        char *s = vr_test_slurp(path);
        assert_non_null(s);
        check_svgs(de->d_name, s);
        free(s);
        nfile++;
    }
    closedir(dd);
    assert_true(nfile >= 5);
}

/* ---- every chart on hand-made extreme data ---------------------------------------------------- */

enum { NP = 2, NMAX = 50, ND = 20 };
static rep_policy pol[NP];
static double pnl[NP][NMAX], dd[NP][NMAX], spx[3 * ND], vix[3 * ND];
static char pol_names[NP][16] = {"unhedged", "hedged@x=1"};
static char lay_name[16] = "spike", *lay_names[1] = {lay_name};
static rep_layer lay[NP];

static int cmp_dbl(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A scenario of two policies with n paths: pnl(i, k) and dd(i, k) from fn, scores score, layer
 * attribution attr; three sample paths of spx/vix values path(t). */
static void make(rep_scenario *s, size_t n, double (*fp)(size_t, size_t), double score, double attr,
                 double (*path)(size_t))
{
    memset(s, 0, sizeof *s);
    memset(pol, 0, sizeof pol);
    memset(lay, 0, sizeof lay);
    for (size_t i = 0; i < NP; i++) {
        rep_policy *q = &pol[i];
        q->name = pol_names[i];
        q->baseline = pol_names[0];
        q->n = n;
        for (size_t k = 0; k < n; k++) {
            pnl[i][k] = fp(i, k);
            dd[i][k] = fabs(fp(i, n - 1 - k));
        }
        qsort(pnl[i], n, sizeof(double), cmp_dbl);
        qsort(dd[i], n, sizeof(double), cmp_dbl);
        q->pnl = q->pnl_sorted = pnl[i];
        q->dd_sorted = dd[i];
        for (int k = 0; k < RS_N; k++)
            q->score[k] = (k % 2 ? -1 : 1) * score;
        q->layers = lay_names;
        q->nlayer_names = 1;
        q->nlayers = 1;
        q->has_attr = 1;
        q->attr_condor = -attr;
        lay[i].attr_mean = attr;
        lay[i].action = lay_name;
        for (int k = 0; k < VR_RF_LAYER_N; k++)
            lay[i].score[k] = (k % 2 ? -1 : 1) * attr;
        q->lay = &lay[i];
    }
    for (size_t t = 0; t < 3 * ND; t++)
        spx[t] = vix[t] = path(t);
    s->name = (char *)"extreme";
    s->pol = pol;
    s->npol = NP;
    s->base = 0;
    s->paths = n;
    s->tail = n / 100;
    s->spx = spx;
    s->vix = vix;
    s->nsample = 3;
    s->ndays = ND;
}

static double f_huge(size_t i, size_t k) { return (k % 2 ? -1 : 1) * DBL_MAX / (double)(1 + k + i); }
static double f_max(size_t i, size_t k) { (void)i; return k % 3 == 0 ? DBL_MAX : k % 3 == 1 ? -DBL_MAX : 0; }
static double f_equal(size_t i, size_t k) { (void)i, (void)k; return 1.7e308; }
static double f_equal_neg(size_t i, size_t k) { (void)i, (void)k; return -5000.0; }
static double f_zero(size_t i, size_t k) { (void)i, (void)k; return 0; }
static double p_huge(size_t t) { return t % 2 ? DBL_MAX : -DBL_MAX; }
static double p_equal(size_t t) { (void)t; return 1.7e308; }
static double p_small(size_t t) { return 5000.0 + (double)t; }

static void draw_all(const char *what, const rep_scenario *s)
{
    rep_sweep sw;
    memset(&sw, 0, sizeof sw);
    snprintf(sw.base, sizeof sw.base, "hedged");
    snprintf(sw.key, sizeof sw.key, "x");
    sw.n = 2;
    sw.pol[0] = 0, sw.pol[1] = 1;
    sw.x[0] = -DBL_MAX, sw.x[1] = DBL_MAX;
    for (int c = 0; c < 6; c++) {
        char *buf = NULL, name[200];
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        switch (c) {
        case 0: vr_chart_pnl(f, s); break;
        case 1: vr_chart_frontier(f, s); break;
        case 2: vr_chart_drawdown(f, s); break;
        case 3: assert_int_equal(vr_chart_paths(f, s), 1); break;
        case 4: assert_int_equal(vr_chart_layers(f, s), 1); break;
        default: vr_chart_sweep(f, s, &sw); break;
        }
        fclose(f);
        static const char *const cn[6] = {"pnl", "frontier", "drawdown", "paths", "layers", "sweep"};
        snprintf(name, sizeof name, "%s: %s chart", what, cn[c]);
        assert_int_equal(check_svgs(name, buf), 1);
        free(buf);
    }
}

static void test_charts_extreme(void **state)
{
    (void)state;
    rep_scenario s;
    make(&s, NMAX, f_huge, 1.7e308, 1.7e308, p_huge);
    draw_all("+-DBL_MAX/k", &s);
    make(&s, NMAX, f_max, DBL_MAX, -DBL_MAX, p_huge);
    draw_all("+-DBL_MAX", &s);
    make(&s, NMAX, f_equal, 1.7e308, 1.7e308, p_equal);
    draw_all("all 1.7e308", &s);
    make(&s, NMAX, f_equal_neg, -5000, -5000, p_small);
    draw_all("all equal", &s);
    make(&s, NMAX, f_zero, 0, 0, p_small);
    draw_all("all zero", &s);
    make(&s, 1, f_huge, 1.7e308, 1.7e308, p_huge);
    draw_all("one path, huge", &s);
    make(&s, 1, f_equal_neg, -5000, 3, p_small);
    draw_all("one path", &s);
}

/* The frontier's names never sit on each other: two policies at the same scores (a twin, a
 * layer that never trades) printed their names at one place, and the chart has no legend. */
static void test_frontier_names_apart(void **state)
{
    (void)state;
    rep_scenario s;
    make(&s, NMAX, f_equal_neg, -5000, -5000, p_small); /* every policy at the same point */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vr_chart_frontier(f, &s);
    fclose(f);
    double y[NP];
    for (size_t i = 0; i < NP; i++) {
        char want[64];
        snprintf(want, sizeof want, "font-weight=\"bold\">%s</text>", pol_names[i]);
        const char *t = strstr(buf, want);
        assert_non_null(t);
        const char *open = t;
        while (open > buf && strncmp(open, "<text ", 6) != 0)
            open--;
        assert_int_equal(sscanf(open, "<text x=\"%*f\" y=\"%lf\"", &y[i]), 1);
    }
    if (fabs(y[0] - y[1]) < 12)
        fail_msg("the names of two policies at one point are %.1f px apart:\n%s", fabs(y[0] - y[1]), buf);
    assert_int_equal(check_svgs("frontier, names apart", buf), 1);
    free(buf);
}

/* ---- USD and number formats ------------------------------------------------------------------- */

/* Fails unless text t is the number want as the reports print USD: "-12,345" (groups of
 * three) exactly for |want| < 1e15, else d.dddddde+XX within half a unit of its 7th digit.
 * Without `strict`, only that t reads back as that number (in either form). */
static void check_usd_as(const char *t, double want, int strict)
{
    char plain[400];
    size_t o = 0;
    const char *digits = t + (t[0] == '-');
    const int exp = strchr(t, 'e') != NULL;
    if (!exp) {
        const size_t L = strlen(digits);
        for (size_t i = 0; i < L; i++) {
            const int comma = (L - i) % 4 == 0;
            if (comma != (digits[i] == ','))
                fail_msg("'%s': thousands separators out of place (for %.17g)", t, want);
        }
    }
    for (const char *p = t; *p && o + 1 < sizeof plain; p++)
        if (*p != ',')
            plain[o++] = *p;
    plain[o] = '\0';
    char *end;
    const double got = strtod(plain, &end);
    if (*end != '\0' || end == plain)
        fail_msg("'%s' is not a number (for %.17g)", t, want);
    const double r = nearbyint(want);
    if (!strict) {
        if (!(fabs(got - r) <= 5e-7 * fabs(r)))
            fail_msg("'%s' for %.17g: reads back as %.17g, a different number", t, want, got);
        return;
    }
    if (fabs(r) < REP_USD_EXP) {
        if (exp || got != r)
            fail_msg("'%s' for %.17g: want whole dollars %.0f", t, want, r);
    } else if (!exp || !(fabs(got - r) <= 5e-7 * fabs(r)) || strlen(t) > 14) {
        fail_msg("'%s' for %.17g: want 7 significant digits in exponent notation", t, want);
    }
}

static void check_usd(const char *t, double want)
{
    check_usd_as(t, want, 1);
}

static void test_usd_magnitudes(void **state)
{
    (void)state;
    char b[32], b48[48];
    /* every magnitude reads back as itself, in the 48 bytes the tables' "v ± se" cells give it */
    for (int k = 0; k <= 308; k++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            const double x = sgn * 1.2345678901234567 * pow(10, k);
            check_usd_as(vr_rep_fmt_usd(b48, sizeof b48, x), x, 0);
        }
    /* and in the documented form, within 32 bytes */
    for (int k = 0; k <= 308; k++)
        for (int sgn = -1; sgn <= 1; sgn += 2)
            for (int m = 0; m < 3; m++) {
                static const double mant[3] = {1.0, 1.2345678901234567, 1.7976931348623157};
                const double x = sgn * mant[m] * pow(10, k);
                if (!isfinite(x))
                    continue;
                check_usd(vr_rep_fmt_usd(b, sizeof b, x), x);
            }
    static const double edge[] = {DBL_MAX, -DBL_MAX, 1.7e308, -1.7e308, 999999999999999.0, -999999999999999.0,
                                  1e15, -1e15, 123456789012345678.0, 0.4, -0.4, 0};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        check_usd(vr_rep_fmt_usd(b, sizeof b, edge[i]), edge[i]);
    assert_string_equal(vr_rep_fmt_usd(b, sizeof b, -1234567.4), "-1,234,567");
    assert_string_equal(vr_rep_fmt_usd(b, sizeof b, -0.3), "0");
    assert_string_equal(vr_rep_fmt_usd(b, sizeof b, -1.7e308), "-1.700000e+308");
    assert_string_equal(vr_rep_fmt_usd(b, sizeof b, NAN), "n/a");
    /* a ratio and a percentage too long for the cell: exponent notation, not a cut number */
    assert_string_equal(vr_rep_fmt_num(b, sizeof b, 1e200), "1.000000e+200");
    assert_string_equal(vr_rep_fmt_num(b, sizeof b, -2.5), "-2.500");
    assert_string_equal(vr_rep_fmt_fixed(b, sizeof b, "%.2f%%", -3e300), "-3.000000e+300%");
    assert_string_equal(vr_rep_fmt_fixed(b, sizeof b, "%.1f s", 4e40), "4.000000e+40 s");

    /* the tables' cells: "v ± se" of huge values, and the cost ratio */
    rep_scenario s;
    make(&s, NMAX, f_huge, 1.0, 1.0, p_small);
    pol[1].score[RS_MEAN] = -1.7e308, pol[1].score[RS_MEAN_SE] = 3.25e307;
    pol[1].score[RS_ES99] = 1.234567e45, pol[1].score[RS_ES99_SE] = 987654321098765.0;
    pol[1].score[RS_DD50] = 8.5e300;
    pol[1].score[RS_COST] = 2e250;
    pol[1].score[RS_DES99] = -1e300, pol[1].score[RS_DES99_SE] = 1.0;
    s.tail = VR_TAIL_MIN_BEYOND;
    rep_cell c[REP_MAXCOL];
    int seen = 0;
    for (int which = REP_TABLE_TAIL; which <= REP_TABLE_COST; which++) {
        const size_t nc = vr_rep_table_row(&s, 1, which, c);
        for (size_t j = 0; j < nc; j++) {
            const char *k = c[j].key;
            double v = NAN, se = NAN;
            if (strcmp(k, "mean") == 0) v = -1.7e308, se = 3.25e307;
            else if (strcmp(k, "es99") == 0) v = 1.234567e45, se = 987654321098765.0;
            else if (strcmp(k, "drawdown_q50") == 0) v = 8.5e300;
            else if (strcmp(k, "d_es99") == 0) v = -1e300, se = 1.0;
            else if (strcmp(k, "cost_per_es99_reduction") == 0) {
                assert_string_equal(c[j].text, "2.000000e+250");
                seen++;
                continue;
            } else continue;
            char a[200];
            snprintf(a, sizeof a, "%s", c[j].text);
            char *pm = strstr(a, " \xC2\xB1 ");
            if (isnan(se) != (pm == NULL))
                fail_msg("%s cell '%s'", k, c[j].text);
            if (pm) {
                *pm = '\0';
                check_usd(pm + 4, se);
            }
            check_usd(a, v);
            seen++;
        }
    }
    assert_int_equal(seen, 5);
}

/* ---- a long verdict line in the Markdown ------------------------------------------------------ */

static void test_md_long_verdict(void **state)
{
    (void)state;
    rep_run run;
    memset(&run, 0, sizeof run);
    vr_err err = {VR_OK, ""};
    if (vr_rep_run_load(h5, &run, &err) != VR_OK)
        fail_msg("load: %s", err.msg);
    /* line 2: 6000 bytes of words and a marker at its end */
    enum { LONG = 6000 };
    char *v = malloc(LONG + 200);
    assert_non_null(v);
    size_t o = (size_t)sprintf(v, "Verdict: first line\n");
    const size_t start = o;
    for (size_t i = 0; o - start < LONG; i++)
        o += (size_t)sprintf(v + o, "layer%zu ", i);
    o += (size_t)sprintf(v + o, "END-OF-THE-LONG-LINE\nlast line");
    free(run.verdict);
    run.verdict = v;
    char out[600];
    snprintf(out, sizeof out, "%s/verdict.md", dir);
    if (vr_rep_write_md(&run, out, &err) != VR_OK)
        fail_msg("md: %s", err.msg);
    char *md = vr_test_slurp(out);
    assert_non_null(md);
    char *want = malloc(o + 16);
    assert_non_null(want);
    const char *e = strchr(v + start, '\n');
    snprintf(want, o + 16, "\n> %.*s  \n> last line  \n", (int)(e - (v + start)), v + start);
    if (strstr(md, want) == NULL)
        fail_msg("the %zu-byte verdict line is not written whole: %.200s", (size_t)(e - (v + start)),
                 strstr(md, "> layer0") ? strstr(md, "> layer0") : md);
    free(want);
    free(md);
    vr_rep_run_free(&run);
}

/* ---- drawdown: P(DD >= x) with ties ------------------------------------------------------------ */

static void test_drawdown_ties(void **state)
{
    (void)state;
    enum { N = 1000 };
    static double d[N], p[N];
    rep_policy q;
    rep_scenario s;
    memset(&q, 0, sizeof q);
    memset(&s, 0, sizeof s);
    /* 900 paths without a drawdown, then 1000, 2000, ..., 100000 */
    for (size_t k = 0; k < N; k++) {
        d[k] = k < 900 ? 0 : 1000.0 * (double)(k - 899);
        p[k] = (double)k;
    }
    q.name = pol_names[0];
    q.baseline = pol_names[0];
    q.n = N;
    q.pnl = q.pnl_sorted = p;
    q.dd_sorted = d;
    s.name = (char *)"ties";
    s.pol = &q;
    s.npol = 1;
    s.paths = N;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vr_chart_drawdown(f, &s);
    fclose(f);
    /* the plot: x over [0, 102000] on 90..510 px, y log10 over [1e-3, 1] on 330..40 px */
    const char *pts = strstr(buf, " points=\"");
    assert_non_null(pts);
    pts += 9;
    size_t at0 = 0, npts = 0;
    for (const char *c = pts; *c && *c != '"';) {
        char *e;
        const double x = strtod(c, &e);
        assert_true(*e == ',');
        const double y = strtod(e + 1, &e);
        c = e + (*e == ' ');
        npts++;
        /* back to data: y is a share of paths; at x = 0 (all paths) it must be 1 */
        const double dv = (x - 90.0) / 420.0 * 102000.0, pr = pow(10, -3 + 3 * (330.0 - y) / 290.0);
        if (x == 90.0) {
            at0++;
            if (fabs(y - 40.0) > 0.051)
                fail_msg("point (%.1f, %.1f): P = %.3f at drawdown 0, where P(DD >= 0) = 1 (P(DD > 0) = 0.1)", x, y,
                         pr);
            continue;
        }
        /* elsewhere, at x = 1000 m (path 899 + m, the first of its value): P(DD >= x) = (101 - m) / 1000 */
        const double k = nearbyint(dv / 1000.0), want = (101.0 - k) / 1000.0;
        if (fabs(pr / want - 1) > 0.02)
            fail_msg("point (%.1f, %.1f): drawdown %.0f, P %.4f, want P(DD >= x) = %.4f", x, y, dv, pr, want);
    }
    assert_int_equal(at0, 1);
    assert_true(npts > 20);
    /* the label names what is plotted */
    assert_non_null(strstr(buf, "P(drawdown \xE2\x89\xA5 x)"));
    assert_null(strstr(buf, "P(drawdown > x)"));
    free(buf);
}

/* ---- HTML cells: no empty data-key ------------------------------------------------------------- */

static void test_html_no_empty_key(void **state)
{
    (void)state;
    char out[600];
    vr_err err = {VR_OK, ""};
    snprintf(out, sizeof out, "%s/keys.html", dir);
    if (vr_report_write(h5, out, VR_REPORT_HTML, &err) != VR_OK)
        fail_msg("report html: %s", err.msg);
    char *page = vr_test_slurp(out);
    assert_non_null(page);
    const char *row = strstr(page, "data-owner=\"condor\"");
    if (row == NULL)
        fail_msg("no condor row in the attribution table");
    const char *k = strstr(page, "data-key=\"\"");
    if (k != NULL)
        fail_msg("a cell with an empty data-key: %.120s", k - 40);
    /* the condor's row still tags the cells that show something */
    const char *end = strstr(row, "</tr>");
    assert_non_null(end);
    const char *net = strstr(row, "data-key=\"attr_condor\"");
    assert_true(net != NULL && net < end);
    free(page);
}

/* ---- wall times of any size ------------------------------------------------------------------- */

/* A run file's wall times are finite doubles of any size: the run summary prints them as the
 * number they are (exponent notation where "%.1f" would be too long), in HTML and Markdown. */
/* No two of a run's policies (at most 64) are drawn alike: colour and dash both repeated every 8,
 * so policy i and i + 8 (the main job's baseline and its ablation's first variant) were one line
 * style in the charts and the legend. */
static void test_policy_styles_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < VR_MAX_POLICIES; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(vr_rep_color(i), vr_rep_color(j)) == 0 && strcmp(vr_rep_dash(i), vr_rep_dash(j)) == 0)
                fail_msg("policies %zu and %zu share colour %s and dash '%s'", j, i, vr_rep_color(i), vr_rep_dash(i));
}

static void test_wall_time_huge(void **state)
{
    (void)state;
    rep_run run;
    memset(&run, 0, sizeof run);
    vr_err err = {VR_OK, ""};
    if (vr_rep_run_load(h5, &run, &err) != VR_OK)
        fail_msg("load: %s", err.msg);
    run.wall = 1e200;
    run.scen[0].wall = 2e200;
    run.scen[0].marks_wall = 3e200;
    char out[600];
    static const char *const want[3] = {"1.000000e+200 s", "2.000000e+200 s", "3.000000e+200 s"};
    for (int fmt = 0; fmt < 2; fmt++) {
        snprintf(out, sizeof out, "%s/wall.%s", dir, fmt ? "md" : "html");
        if ((fmt ? vr_rep_write_md(&run, out, &err) : vr_rep_write_html(&run, out, &err)) != VR_OK)
            fail_msg("%s: %s", out, err.msg);
        char *t = vr_test_slurp(out);
        assert_non_null(t);
        for (int k = 0; k < 3; k++)
            if (strstr(t, want[k]) == NULL)
                fail_msg("%s: no '%s' (a wall time of %.0e s)", out, want[k], 1e200 * (k + 1));
        free(t);
    }
    vr_rep_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_huge_pnl_charts),
        cmocka_unit_test(test_charts_extreme),
        cmocka_unit_test(test_usd_magnitudes),
        cmocka_unit_test(test_md_long_verdict),
        cmocka_unit_test(test_drawdown_ties),
        cmocka_unit_test(test_html_no_empty_key),
        cmocka_unit_test(test_wall_time_huge),
        cmocka_unit_test(test_policy_styles_distinct),
        cmocka_unit_test(test_frontier_names_apart),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
