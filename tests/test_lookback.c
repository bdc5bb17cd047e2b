/* test_lookback.c: `lookback: data` lets the triggers see the real VIX closes before day 0.
 *
 * A replay, or a model started from a date's market (start.asof, run --asof), used to begin with
 * no history: a VIX change over 5 days counted from day 0 and the RSI started from nothing, so a
 * run started three days into a spike saw no spike (from 2020-02-27, a 25% five-day rise fired on
 * day 7 instead of day 0, and RSI(14) >= 70 never). With the new scenario key the lookbacks reach
 * the closes of up to 63 trading days before day 0, from the same data, and the drawdown trigger's
 * peak starts at the highest SPX close of those days. The default (`flat`, or
 * the key left out) keeps every number of an existing config, bit for bit.
 *
 * Synthetic data in a temporary directory (no market data needed): 100 weekdays of SPX and VIX, a
 * calm stretch, a rise over the five days before the window's first day, then a slow fall. The
 * RSI at day 0 is recomputed here from the closes, independently of the book. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

#define NDAYS 100
#define W0 70 /* the replay window's first day */
#define NPOL 5

static int32_t date_of[NDAYS];
static double vix_of[NDAYS];
static char dir[256];

/* The closes: 15 / 15.5 alternating, a 25%+ rise over days 65..70, then -0.2 a day. */
static double vix_at(int i)
{
    static const double rise[5] = {16.0, 17.5, 19.0, 21.0, 23.0};
    if (i < 65)
        return i % 2 ? 15.5 : 15.0;
    if (i < W0)
        return rise[i - 65];
    return 24.0 - 0.2 * (i - W0);
}

/* SPX: up 1 a day to 4060 on day 60, then down 10 a day (3960 on W0) */
static double spx_at(int i)
{
    return i <= 60 ? 4000.0 + i : 4060.0 - 10.0 * (i - 60);
}

static int setup(void **state)
{
    (void)state;
    if (vr_test_tmpdir("lookback", dir, sizeof dir) != 0)
        return -1;
    static char spx[NDAYS * 32 + 32], vix[NDAYS * 32 + 32];
    size_t a = (size_t)snprintf(spx, sizeof spx, "date,close\n");
    size_t b = (size_t)snprintf(vix, sizeof vix, "date,close\n");
    /* weekdays from Monday 2021-01-04: five a week, January to May (no month passes 31) */
    static const int mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 2021, m = 1, d = 4, wd = 0; /* wd: 0 Monday .. 4 Friday */
    for (int i = 0; i < NDAYS; i++) {
        date_of[i] = y * 10000 + m * 100 + d;
        vix_of[i] = vix_at(i);
        a += (size_t)snprintf(spx + a, sizeof spx - a, "%04d-%02d-%02d,%.2f\n", y, m, d, spx_at(i));
        b += (size_t)snprintf(vix + b, sizeof vix - b, "%04d-%02d-%02d,%.2f\n", y, m, d, vix_of[i]);
        const int step = wd == 4 ? 3 : 1;
        wd = wd == 4 ? 0 : wd + 1;
        d += step;
        if (d > mdays[m]) {
            d -= mdays[m];
            m++;
        }
    }
    vr_test_write(dir, "spx_daily.csv", spx);
    vr_test_write(dir, "vix_daily.csv", vix);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

static const char *iso(int32_t date, char *buf)
{
    return vr_history_format_date(date, buf);
}

/* The RSI(n) of the closes c[0..k], Wilder's averages from 0 over every move (the book's rule,
 * docs/book.md), computed here on its own. */
static double rsi_of(const double *c, int k, int n)
{
    double g = 0, l = 0;
    for (int i = 1; i <= k; i++) {
        const double ch = c[i] - c[i - 1];
        g = (g * (n - 1) + (ch > 0 ? ch : 0)) / n;
        l = (l * (n - 1) + (ch < 0 ? -ch : 0)) / n;
    }
    return l > 0 ? 100 - 100 / (1 + g / l) : (g > 0 ? 100 : 50);
}

#define MODEL "{type: heston, spot: 4000, rate: 0.03, dividend: 0.01, v0: 0.04, " \
              "physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}, "         \
              "pricing: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}"

/* A config of one scenario (its YAML mapping's lines after the name) and five policies: a 25%
 * five-day VIX rise, RSI(14) at or above lo and at or above hi, no hedge, and an SPX drawdown of
 * 2% from the peak. */
static const char *write_cfg(const char *name, const char *scenario, double lo, double hi)
{
    char text[4096];
    snprintf(text, sizeof text,
             "simulation: {paths: 8, horizon_days: 20, seed: 11, threads: 1}\n"
             "scenarios:\n"
             "  - name: s\n"
             "%s"
             "    model: " MODEL "\n"
             "policies:\n"
             "  - name: chg\n"
             "    layers:\n"
             "      - name: chg\n"
             "        trigger: {vix_change: {days: 5, pct: 25}}\n"
             "        action: {type: vix_call, delta: 0.3, dte: 30, size: {by: contracts, value: 1}}\n"
             "  - name: rsi_lo\n"
             "    layers:\n"
             "      - name: rsi\n"
             "        trigger: {rsi: {days: 14, level: %.6f}}\n"
             "        action: {type: vix_call, delta: 0.3, dte: 30, size: {by: contracts, value: 1}}\n"
             "  - name: rsi_hi\n"
             "    layers:\n"
             "      - name: rsi\n"
             "        trigger: {rsi: {days: 14, level: %.6f}}\n"
             "        action: {type: vix_call, delta: 0.3, dte: 30, size: {by: contracts, value: 1}}\n"
             "  - name: none\n"
             "  - name: dd\n"
             "    layers:\n"
             "      - name: dd\n"
             "        trigger: {drawdown: {pct: 2, from: peak}}\n"
             "        action: {type: vix_call, delta: 0.3, dte: 30, size: {by: contracts, value: 1}}\n",
             scenario, lo, hi);
    return vr_test_write(dir, name, text);
}

/* Evaluate the config's one scenario, whose day 0 is data day i0: first_day[p][path] of each
 * policy's layer 0, and a copy of every policy's P&L. Returns the scenario's npre, after checking
 * that its closes are the data's just before day i0, in order. */
static int evaluate(const char *cfg, int i0, int first[NPOL][8], double pnl[NPOL][8])
{
    vr_run_cfg rc;
    vr_err err = {VR_OK, ""};
    const vr_status ls = vr_run_load(cfg, &rc, &err);
    if (ls != VR_OK)
        printf("  %s\n", err.msg);
    assert_int_equal(ls, VR_OK);
    assert_int_equal(rc.spec.npol, NPOL);
    vr_scenario_result res;
    assert_int_equal(vr_eval_scenario(&rc.spec, 0, &res, NULL, NULL, &err), VR_OK);
    const size_t n = vr_scenario_paths(&rc.spec, &rc.spec.scen[0]);
    for (int p = 0; p < NPOL; p++)
        for (size_t i = 0; i < 8; i++) {
            first[p][i] = i < n ? res.out[p].first_day[i * VR_MAX_LAYERS] : -2;
            pnl[p][i] = i < n ? res.out[p].pnl[i] : 0;
        }
    const int npre = rc.spec.scen[0].npre;
    for (int j = 0; j < npre; j++)
        assert_true(rc.spec.scen[0].pre_vix[j] == vix_of[i0 - npre + j]);
    if (npre > 0) {
        assert_int_equal(rc.spec.scen[0].pre_date0, date_of[i0 - npre]);
        double peak = 0;
        for (int j = i0 - npre; j < i0; j++)
            peak = fmax(peak, spx_at(j));
        assert_true(rc.spec.scen[0].pre_spx_peak == peak);
    }
    vr_scenario_result_free(&res);
    vr_run_cfg_free(&rc);
    return npre;
}

/* A replay from day W0: flat sees no rise on day 0, data does; the RSI at day 0 is the one the
 * closes give, within 1e-6 either way (day 0's VIX is the model state's, the close to rounding);
 * lookback: flat is the key left out, bit for bit. */
static void test_replay(void **state)
{
    (void)state;
    char a[16], b[16], scen[512];
    /* the book's day-0 RSI from the 63 closes before W0 and W0's own */
    const double r0 = rsi_of(&vix_of[W0 - 63], 63, 14);
    /* what a warm-up that missed day 0's move, or ran over 40 closes only, would say: far from
     * r0 (and a warm-up over 62 closes instead of 63 differs by 0.008 here: the levels below are
     * 1e-6 from r0; the closes themselves are checked in evaluate) */
    const double r_no_day0 = rsi_of(&vix_of[W0 - 63], 62, 14);
    const double r_short = rsi_of(&vix_of[W0 - 40], 40, 14);
    printf("RSI(14) at day 0: %.4f (without day 0's move %.4f, over 40 closes %.4f)\n", r0, r_no_day0, r_short);
    assert_true(fabs(r_no_day0 - r0) > 0.5 && fabs(r_short - r0) > 0.5 &&
                fabs(rsi_of(&vix_of[W0 - 62], 62, 14) - r0) > 1e-4);
    int first[NPOL][8], flat_first[NPOL][8], none_first[NPOL][8];
    double pnl[NPOL][8], flat_pnl[NPOL][8], none_pnl[NPOL][8];
    const char *win = "    type: history\n    data: .\n    window: {from: %s, to: %s}\n%s";
    snprintf(scen, sizeof scen, win, iso(date_of[W0], a), iso(date_of[W0 + 20], b), "    lookback: data\n");
    assert_int_equal(evaluate(write_cfg("rd.yaml", scen, r0 - 1e-6, r0 + 1e-6), W0, first, pnl), 63);
    snprintf(scen, sizeof scen, win, iso(date_of[W0], a), iso(date_of[W0 + 20], b), "    lookback: flat\n");
    assert_int_equal(evaluate(write_cfg("rf.yaml", scen, r0 - 1e-6, r0 + 1e-6), W0, flat_first, flat_pnl), 0);
    snprintf(scen, sizeof scen, win, iso(date_of[W0], a), iso(date_of[W0 + 20], b), "");
    assert_int_equal(evaluate(write_cfg("rn.yaml", scen, r0 - 1e-6, r0 + 1e-6), W0, none_first, none_pnl), 0);
    printf("first activations with data: chg %d, rsi_lo %d, rsi_hi %d; flat: %d, %d, %d\n", first[0][0],
           first[1][0], first[2][0], flat_first[0][0], flat_first[1][0], flat_first[2][0]);
    assert_int_equal(first[0][0], 0);       /* 24 against 16 five days before: +50% */
    assert_int_equal(first[1][0], 0);       /* RSI r0 >= r0 - 1e-6 */
    assert_int_equal(first[2][0], -1);      /* r0 < r0 + 1e-6, and the VIX falls from there */
    assert_int_equal(flat_first[0][0], -1); /* day 0 is its own past: no rise, then a fall */
    assert_int_equal(flat_first[1][0], -1); /* the RSI is asked from day 14: only falls by then */
    /* the drawdown from the peak: 3960 against 4060 on day 60 (2.46%) with data; from day 0's
     * 3960 without, 2% first on day 8 (3880) */
    assert_int_equal(first[4][0], 0);
    assert_int_equal(flat_first[4][0], 8);
    assert_int_equal(memcmp(flat_pnl, none_pnl, sizeof flat_pnl), 0);
    assert_int_equal(memcmp(flat_first, none_first, sizeof flat_first), 0);
    /* the unhedged policy does not read the VIX history: the same either way */
    assert_true(pnl[3][0] == flat_pnl[3][0]);
}

/* A model started from W0's market: every path sees the rise on day 0 with data, none with flat;
 * a window a few days into the data gets the few closes there are. */
static void test_asof_and_short(void **state)
{
    (void)state;
    char a[16], b[16], scen[512];
    int first[NPOL][8], flat_first[NPOL][8];
    double pnl[NPOL][8], flat_pnl[NPOL][8];
    snprintf(scen, sizeof scen, "    start: {asof: %s, data: .}\n    lookback: data\n", iso(date_of[W0], a));
    assert_int_equal(evaluate(write_cfg("ad.yaml", scen, 99, 99), W0, first, pnl), 63);
    snprintf(scen, sizeof scen, "    start: {asof: %s, data: .}\n", iso(date_of[W0], a));
    assert_int_equal(evaluate(write_cfg("af.yaml", scen, 99, 99), W0, flat_first, flat_pnl), 0);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(first[0][i], 0);
        assert_int_equal(first[4][i], 0); /* 3960 against the peak 4060 before the start */
        assert_true(flat_first[0][i] != 0);
        assert_true(flat_first[4][i] != 0);
        assert_true(pnl[3][i] == flat_pnl[3][i]);
    }
    /* a bootstrap of the data started from W0's market: the same */
    char c3[16];
    snprintf(scen, sizeof scen,
             "    type: bootstrap\n    data: .\n    window: {from: %s, to: %s}\n    block_mean: 5\n"
             "    start: {asof: %s}\n    lookback: data\n",
             iso(date_of[0], a), iso(date_of[NDAYS - 1], b), iso(date_of[W0], c3));
    assert_int_equal(evaluate(write_cfg("bd.yaml", scen, 99, 99), W0, first, pnl), 63);
    for (int i = 0; i < 8; i++)
        assert_int_equal(first[0][i], 0);
    /* a window from day 3: three closes before it */
    snprintf(scen, sizeof scen, "    type: history\n    data: .\n    window: {from: %s, to: %s}\n    lookback: data\n",
             iso(date_of[3], a), iso(date_of[30], b));
    assert_int_equal(evaluate(write_cfg("s3.yaml", scen, 99, 99), 3, first, pnl), 3);
    /* the console says how far the lookbacks reach, and the run file stores it */
    char args[1024], h5[512], want[128];
    static char out[1 << 16];
    snprintf(args, sizeof args, "check %s/s3.yaml", dir);
    /* the peak of days 0..2, 4002, is below day 3's 4003: said to be unused */
    char want3[192], rep3[512], h53[512];
    snprintf(want3, sizeof want3, "reach 3 trading days of real VIX closes back before day 0 (from %s; SPX peak 4002.00, "
             "not above day 0's close: the drawdown's peak starts there)", iso(date_of[0], a));
    vr_test_cli_expect(args, 0, out, sizeof out, want3, NULL);
    snprintf(h53, sizeof h53, "%s/s3.h5", dir);
    snprintf(rep3, sizeof rep3, "%s/s3.json", dir);
    snprintf(args, sizeof args, "run %s/s3.yaml -o %s", dir, h53);
    vr_test_cli_expect(args, 0, out, sizeof out, want3, NULL);
    snprintf(args, sizeof args, "report %s -o %s", h53, rep3);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    char *json3 = vr_test_slurp(rep3);
    assert_non_null(json3);
    assert_non_null(strstr(json3, want3));
    free(json3);
    snprintf(h5, sizeof h5, "%s/ad.h5", dir);
    snprintf(args, sizeof args, "run %s/ad.yaml -o %s", dir, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, "reach 63 trading days", NULL);
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    int64_t days = 0;
    char *from = NULL;
    assert_int_equal(vr_h5_read_attr_int64(r, "/s", "lookback_days", &days, &err), VR_OK);
    assert_int_equal(vr_h5_read_attr_str(r, "/s", "lookback_from", &from, &err), VR_OK);
    assert_int_equal(days, 63);
    assert_string_equal(from, iso(date_of[W0 - 63], b));
    double peak = 0;
    assert_int_equal(vr_h5_read_attr_double(r, "/s", "lookback_spx_peak", &peak, &err), VR_OK);
    assert_true(peak == 4060.0);
    free(from);
    vr_h5_close(r);
    /* and the report's scenario line (JSON's "start" is the same text) */
    char rep[512];
    snprintf(rep, sizeof rep, "%s/ad.json", dir);
    snprintf(args, sizeof args, "report %s -o %s", h5, rep);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    char *json = vr_test_slurp(rep);
    assert_non_null(json);
    snprintf(want, sizeof want,
             "lookbacks reach 63 trading days of real VIX closes back before day 0 (from %s; SPX peak 4060.00)",
             iso(date_of[W0 - 63], b));
    assert_non_null(strstr(json, want));
    free(json);
    /* without the key the file has neither attribute */
    snprintf(h5, sizeof h5, "%s/af.h5", dir);
    snprintf(args, sizeof args, "run %s/af.yaml -o %s", dir, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    assert_int_equal(vr_h5_attr_exists(r, "/s", "lookback_days"), 0);
    assert_int_equal(vr_h5_attr_exists(r, "/s", "lookback_from"), 0);
    assert_int_equal(vr_h5_attr_exists(r, "/s", "lookback_spx_peak"), 0);
    vr_h5_close(r);
}

/* Where there is nothing before day 0, `data` is a config error at the key (exit 2); a bad value
 * names the valid ones; --asof gives a model scenario its dated start. */
static void test_errors(void **state)
{
    (void)state;
    char a[16], b[16], scen[512], args[1024];
    static char out[1 << 16];
    write_cfg("m.yaml", "    lookback: data\n", 99, 99);
    snprintf(args, sizeof args, "check %s/m.yaml", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "m.yaml:4: scenarios[0].lookback", "dated start", NULL);
    snprintf(args, sizeof args, "check %s/m.yaml --asof %s --data %s", dir, iso(date_of[W0], a), dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "reach 63 trading days", NULL);
    write_cfg("v.yaml", "    lookback: real\n", 99, 99);
    snprintf(args, sizeof args, "check %s/v.yaml", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "scenarios[0].lookback", "invalid value 'real' (valid: flat, data)",
                       NULL);
    snprintf(scen, sizeof scen, "    type: history\n    data: .\n    window: {from: %s, to: %s}\n    lookback: data\n",
             iso(date_of[0], a), iso(date_of[30], b));
    write_cfg("h0.yaml", scen, 99, 99);
    snprintf(args, sizeof args, "check %s/h0.yaml", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "scenarios[0].lookback", "no history before it", NULL);
    /* a start on the data's first day: the same */
    snprintf(scen, sizeof scen, "    start: {asof: %s, data: .}\n    lookback: data\n", iso(date_of[0], a));
    write_cfg("a0.yaml", scen, 99, 99);
    snprintf(args, sizeof args, "check %s/a0.yaml", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "scenarios[0].lookback", "no history before it", NULL);
}

/* run --lookback: the same for every scenario, in place of their keys (whose form is still
 * checked); an error names the scenario when `data` finds nothing before day 0; the run file's
 * overrides record it. */
static void test_cli_option(void **state)
{
    (void)state;
    char a[16], args[1024], h5[512];
    static char out[1 << 16];
    write_cfg("c.yaml", "", 99, 99); /* a model scenario, no key */
    snprintf(args, sizeof args, "check %s/c.yaml --lookback data", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "--lookback data: scenario s", "no dated start", "--asof", NULL);
    snprintf(args, sizeof args, "check %s/c.yaml --lookback data --asof %s --data %s", dir, iso(date_of[W0], a), dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "s: the triggers' lookbacks reach 63 trading days", NULL);
    snprintf(args, sizeof args, "check %s/c.yaml --lookback sometimes", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "--lookback must be flat or data", NULL);
    /* flat over a config's data: nothing reaches back */
    char scen[256];
    snprintf(scen, sizeof scen, "    start: {asof: %s, data: .}\n    lookback: data\n", iso(date_of[W0], a));
    write_cfg("cd.yaml", scen, 99, 99);
    write_cfg("cv.yaml", "    lookback: real\n", 99, 99);
    snprintf(args, sizeof args, "check %s/cd.yaml --lookback flat", dir);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 0);
    assert_null(strstr(out, "lookbacks reach"));
    /* a key of the wrong form is refused all the same */
    snprintf(args, sizeof args, "check %s/cv.yaml --lookback flat", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "invalid value 'real'", NULL);
    /* the start on the data's first day, under --asof */
    snprintf(args, sizeof args, "check %s/c.yaml --lookback data --asof %s --data %s", dir, iso(date_of[0], a), dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "--lookback data: scenario s starts on the data's first day", NULL);
    snprintf(h5, sizeof h5, "%s/c.h5", dir);
    snprintf(args, sizeof args, "run %s/c.yaml --lookback data --asof %s --data %s -o %s", dir, iso(date_of[W0], a),
             dir, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    char *ov = NULL;
    int64_t days = 0;
    assert_int_equal(vr_h5_read_attr_str(r, "/", "overrides", &ov, &err), VR_OK);
    assert_non_null(strstr(ov, "lookback=data"));
    assert_int_equal(vr_h5_read_attr_int64(r, "/s", "lookback_days", &days, &err), VR_OK);
    assert_int_equal(days, 63);
    free(ov);
    vr_h5_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay), cmocka_unit_test(test_asof_and_short),
                                       cmocka_unit_test(test_errors), cmocka_unit_test(test_cli_option)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
