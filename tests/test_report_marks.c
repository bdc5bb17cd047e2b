/* test_report_marks.c: what the reports mark bold (a paired difference beyond VR_Z_SIGNIFICANT
 * standard errors), on a 200-path run with a sampled scenario and a shock scenario: in the stress
 * matrix a shock scenario's cell is a level (mean P&L +- SE) over its difference to the baseline,
 * and only the difference can be significant, so Markdown bolds that part alone, as the HTML does. */
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

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* x as the reports print USD: whole dollars, ',' thousands separators */
static void usd(char *buf, size_t cap, double x)
{
    long long v = llround(x);
    char d[32];
    snprintf(d, sizeof d, "%lld", v < 0 ? -v : v);
    const size_t n = strlen(d);
    size_t o = 0;
    if (v < 0)
        buf[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        buf[o++] = d[i];
        if (i + 1 < n && (n - 1 - i) % 3 == 0)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    assert_true(o < cap);
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
    char args[1400];
    static char buf[1 << 16];
    if (vr_test_tmpdir("report_marks", dir, sizeof dir) != 0)
        return -1;
    const char *cp = vr_test_write(dir, "marks.yaml", cfg_text);
    if (cp == NULL)
        return -1;
    snprintf(h5, sizeof h5, "%s/marks.h5", dir);
    snprintf(args, sizeof args, "run '%s' -o '%s' --quiet --threads 2", cp, h5);
    const int rc = vr_test_cli(args, buf, sizeof buf);
    if (rc != 0) {
        fprintf(stderr, "vixrisk run failed (%d): %s\n", rc, buf);
        return -1;
    }
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
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return getenv("VR_TEST_KEEP") ? 0 : system(cmd) == 0 ? 0 : -1;
}

/* The report of the run in format fmt (extension ext), read back. */
static char *report(vr_report_format fmt, const char *ext)
{
    char out[500];
    vr_err err = {VR_OK, ""};
    snprintf(out, sizeof out, "%s/marks.%s", dir, ext);
    if (vr_report_write(h5, out, fmt, &err) != VR_OK)
        fail_msg("report %s: %s", ext, err.msg);
    return slurp(out);
}

/* A shock scenario's cell is a level (mean P&L +- SE, never significant) over its difference to
 * the baseline: Markdown bolds the difference alone, as the HTML does. */
static void test_md_delta_bold(void **state)
{
    (void)state;
    if (!vr_significant(dm, dm_se))
        fail_msg("premise: the shock's d_mean %g +- %g should pass vr_significant", dm, dm_se);
    char a[48], b[48], want[300];
    usd(a, sizeof a, mean);
    usd(b, sizeof b, mean_se);
    char c[48];
    usd(c, sizeof c, dm);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_delta_bold),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
