/* test_asof.c: starting from a date's market (`run --asof`, `price --asof`, `start: {asof}`) and
 * history replays that see the real VIX3M and the state behind each day's VIX and VIX3M.
 *
 *  - `run --asof 2020-03-02` on a small config: the model scenario starts at that day's SPX close
 *    (read here from the CSV file itself), its stored v0 gives back that day's VIX under the
 *    pricing parameters to 1e-9 (recomputed here from the VIX formula, and the stored vix0), the
 *    sample paths start there, the root attributes name the date and the closes, the console says
 *    so; the replay in the same run keeps its own window (no asof, its own first close);
 *  - the replay's VIX/VIX3M >= 1 trigger first fires on the first day of its window where the real
 *    VIX3M (from vix3m_daily.csv) is at or below the VIX: 2018-02-02, a day where the model's own
 *    VIX3M at the VIX-implied state is above the VIX (checked here too: a replay that fed the
 *    model's VIX3M would fire three days later), and the run file says no day lacked VIX3M;
 *  - errors, all exit 2 with the date named: a weekend (with the trading days around it), dates
 *    after and before the data, a malformed date, a VIX below the model's floor (with the floor),
 *    a state outside the model's range (v0 = 5.55 > 4, recomputed here);
 *  - `start: {asof: DATE, data: DIR}` in a scenario: that scenario alone starts from the day's
 *    market, its attributes asof, asof_data, asof_spx, asof_vix, asof_vix3m hold the CSV closes,
 *    its P&L is bit-identical to `run --asof DATE` on the config without the key, and --asof
 *    replaces it; bad keys (weekend, outside the data, malformed, no asof, a missing directory, on
 *    a replay, below the floor) give file:line: scenarios[i].start..., exit 2, no file written;
 *  - a replay of svcj2_cal through the evaluator's generator spec: (v, m) is the state Cramer's
 *    rule gives for each day's VIX and VIX3M (1e-12), the unreachable days of March 2020 have the
 *    negative factor at 0, and the state gives the day's VIX on every day (no floor artefact), also
 *    on 2006 days without VIX3M where the model's m0 alone would exceed it;
 *  - `price --asof` prints the market and the state it started from (JSON "asof"), a two-factor
 *    model's (v0, m0) give back that day's VIX and VIX3M to 1e-9 (vr_model_start_at_market), and without --asof the JSON has no such
 *    key (the golden hashes of price outputs keep their meaning).
 * Needs ../shared/data; skipped without it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_sim.h"
#include "vr_test_util.h"

#define DATA_DIR VR_TEST_DATA_DIR

static const char *k_config =
    "simulation: {paths: 64, horizon_days: 5, seed: 3, block: 64, sample_paths: 4, baseline: unhedged}\n"
    "scenarios:\n"
    "  - name: model\n"
    "    model: &m\n"
    "      type: heston\n"
    "      spot: 5000.0\n"
    "      rate: 0.04\n"
    "      dividend: 0.013\n"
    "      v0: 0.02\n"
    "      physical: {kappa: 3.0, theta: 0.025, sigma: 0.5, rho: -0.75}\n"
    "      pricing: {kappa: 2.4, theta: 0.06, sigma: 0.5, rho: -0.75}\n"
    "  - {name: replay, type: history, window: {from: 2018-01-22, to: 2018-02-28}, model: *m}\n"
    "condor: {contracts: 1, dte: 45, short_delta: 0.16, wing_width: 50}\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: term\n"
    "    layers:\n"
    "      - name: inverted\n"
    "        trigger: {term_ratio: 1.0}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: contracts, value: 1}}\n";

/* A model whose VIX floor (12.09: its VIX with no variance left) is above some real closes. */
static const char *k_config_floor =
    "simulation: {paths: 64, horizon_days: 5}\n"
    "scenarios:\n"
    "  - name: svcj\n"
    "    model:\n"
    "      type: svcj\n"
    "      spot: 5000.0\n"
    "      rate: 0.04\n"
    "      dividend: 0.013\n"
    "      v0: 0.02\n"
    "      physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8, mu_v: 0.04,\n"
    "                 mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}\n"
    "      pricing: {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2, mu_v: 0.05,\n"
    "                mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6}\n"
    "policies:\n"
    "  - name: unhedged\n";

/* The pricing parameters of k_config, for the independent VIX formula. */
static vr_sv_params pricing_params(void)
{
    vr_sv_params p;
    memset(&p, 0, sizeof p);
    p.kappa = 2.4, p.theta = 0.06, p.sigma = 0.5, p.rho = -0.75; /* heston: no jumps */
    return p;
}

/* The close of `date` ("YYYY-MM-DD") in DATA_DIR/name, read straight from the CSV (header names a
 * `close` column); NAN when absent. */
static double csv_close(const char *name, const char *date)
{
    char path[700], line[512];
    snprintf(path, sizeof path, "%s/%s", DATA_DIR, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    int col = -1, k = 0;
    for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), k++)
        if (strcmp(t, "close") == 0)
            col = k;
    assert_true(col > 0);
    double x = NAN;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, date, 10) != 0)
            continue;
        k = 0;
        for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), k++)
            if (k == col)
                x = strtod(t, NULL);
        break;
    }
    fclose(f);
    return x;
}

/* 100 sqrt(a + b v) for svcj (heston: lambda = 0) under p at tenor tau (years), written out:
 * b = (1 - e^{-k tau})/(k tau), theta* = theta + lambda mu_v / kappa,
 * a = theta* (1 - b) + 2 lambda E[e^Z - 1 - Z] (Z the svcj log-price jump:
 * E[e^Z] = e^{mu_s + s^2/2} / (1 - rho_j mu_v), E[Z] = mu_s + rho_j mu_v). */
static double sv_index(const vr_sv_params *p, double tau, double v)
{
    const double b = (1 - exp(-p->kappa * tau)) / (p->kappa * tau);
    const double ts = p->theta + p->lambda * p->mu_v / p->kappa;
    const double eez = exp(p->mu_s + 0.5 * p->sigma_s * p->sigma_s) / (1 - p->rho_j * p->mu_v);
    const double ez = p->mu_s + p->rho_j * p->mu_v;
    const double a = ts * (1 - b) + 2 * p->lambda * (eez - 1 - ez);
    return 100 * sqrt(a + b * v);
}

static double attr_f64(vr_h5_reader *r, const char *obj, const char *name)
{
    double x = NAN;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_read_attr_double(r, obj, name, &x, &err), VR_OK);
    return x;
}

static void attr_str_is(vr_h5_reader *r, const char *obj, const char *name, const char *want)
{
    char *s = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_read_attr_str(r, obj, name, &s, &err), VR_OK);
    assert_string_equal(s, want);
    free(s);
}

static void test_run_asof(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], cmd[1600], out[16384];
    assert_int_equal(vr_test_tmpdir("asof", dir, sizeof dir), 0);
    char cfg[700], h5[700];
    snprintf(cfg, sizeof cfg, "%s", vr_test_write(dir, "term.yaml", k_config));
    snprintf(h5, sizeof h5, "%s/term.h5", dir);
    snprintf(cmd, sizeof cmd, "run '%s' -o '%s' -q --threads 2 --asof 2020-03-02 --data '%s'", cfg, h5,
             DATA_DIR);
    vr_test_cli_expect(cmd, 0, out, sizeof out, "as of 2020-03-02", "SPX 3090.23, VIX 33.42", NULL);

    const double spx = csv_close("spx_daily.csv", "2020-03-02");
    const double vix = csv_close("vix_daily.csv", "2020-03-02");
    const double vix3m = csv_close("vix3m_daily.csv", "2020-03-02");
    assert_true(spx > 0 && vix > 0 && vix3m > 0);
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    attr_str_is(r, "/", "asof", "2020-03-02");
    assert_true(attr_f64(r, "/", "asof_spx") == spx);
    assert_true(attr_f64(r, "/", "asof_vix") == vix);
    assert_true(attr_f64(r, "/", "asof_vix3m") == vix3m);
    attr_str_is(r, "/", "overrides", "simulation.threads=2 asof=2020-03-02");

    /* the model scenario: spot = the SPX close, v0 gives the VIX back */
    attr_str_is(r, "/model", "asof", "2020-03-02");
    assert_true(attr_f64(r, "/model", "spot") == spx);
    const vr_sv_params q = pricing_params();
    const double v0 = attr_f64(r, "/model", "v0");
    assert_true(fabs(sv_index(&q, 30.0 / 365, v0) - vix) < 1e-9);
    assert_true(fabs(attr_f64(r, "/model", "vix0") - vix) < 1e-9);
    double *sp = NULL;
    size_t n = 0;
    assert_int_equal(vr_h5_read_f64(r, "/model/sample_paths/spx", &sp, &n, &err), VR_OK);
    assert_true(n >= 6);
    assert_true(sp[0] == (double)(float)spx); /* stored as float32 */
    free(sp);

    /* the replay keeps its window: its own first close, no asof */
    assert_false(vr_h5_attr_exists(r, "/replay", "asof"));
    assert_true(attr_f64(r, "/replay", "spot") == csv_close("spx_daily.csv", "2018-01-22"));
    /* and its v0 is the state backed out of that day, which gives its vix0 (the config's v0 until
     * 2026-12-06) */
    assert_true(fabs(sv_index(&q, 30.0 / 365, attr_f64(r, "/replay", "v0")) - attr_f64(r, "/replay", "vix0")) < 1e-9);
    assert_true(fabs(attr_f64(r, "/replay", "vix0") - csv_close("vix_daily.csv", "2018-01-22")) < 1e-9);
    int64_t missing = -1;
    assert_int_equal(vr_h5_read_attr_int64(r, "/replay", "vix3m_model_days", &missing, &err), VR_OK);
    assert_int_equal(missing, 0);

    /* the replay's term-structure trigger follows the real VIX3M: its first day is the first
     * window day with VIX >= VIX3M in the CSV files */
    vr_history h;
    assert_int_equal(vr_history_load(DATA_DIR, &h, &err), VR_OK);
    size_t i0, i1;
    assert_int_equal(vr_history_window(&h, 20180122, 20180228, &i0, &i1, &err), VR_OK);
    int want = -1, model_day = -1;
    for (size_t i = i0; i < i1; i++) {
        char ds[16];
        vr_history_format_date(h.date[i], ds);
        const double v = csv_close("vix_daily.csv", ds), v3 = csv_close("vix3m_daily.csv", ds);
        assert_true(v > 0 && v3 > 0);
        if (want < 0 && v / v3 >= 1.0)
            want = (int)(i - i0);
        /* the model's VIX3M at the VIX-implied v (one factor; VIX below the floor: v = 0) */
        const double b = (1 - exp(-q.kappa * 30.0 / 365)) / (q.kappa * 30.0 / 365);
        const double fl = sv_index(&q, 30.0 / 365, 0);
        const double vv = v > fl ? ((v / 100) * (v / 100) - (fl / 100) * (fl / 100)) / b : 0;
        if (model_day < 0 && fmax(v, fl) / sv_index(&q, 93.0 / 365, vv) >= 1.0)
            model_day = (int)(i - i0);
    }
    vr_history_free(&h);
    assert_int_equal(want, 9);          /* 2018-02-02: VIX 17.31, VIX3M 17.03 */
    assert_true(model_day > want);      /* the model's own VIX3M would have fired later */
    double *fd = NULL; /* int32 on file, read converted */
    size_t nfd = 0;
    assert_int_equal(vr_h5_read_f64(r, "/replay/term/layers/inverted/first_day", &fd, &nfd, &err), VR_OK);
    assert_int_equal(nfd, 1);
    assert_int_equal((int)fd[0], want);
    free(fd);
    vr_h5_close(r);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_run_asof_errors(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], cmd[1600], out[8192];
    assert_int_equal(vr_test_tmpdir("asoferr", dir, sizeof dir), 0);
    char cfg[700];
    snprintf(cfg, sizeof cfg, "%s", vr_test_write(dir, "term.yaml", k_config));
    static const struct { const char *date, *want1, *want2; } cases[] = {
        {"2020-03-01", "2020-03-01", "nearest trading days are 2020-02-28 and 2020-03-02"},
        {"2031-01-02", "2031-01-02", "after the data"},
        {"1900-01-02", "1900-01-02", "before the data"},
        {"2020-3-x", "expected a date YYYY-MM-DD", "2020-3-x"},
        {"2020-02-30", "--asof: expected a calendar day YYYY-MM-DD", "got '2020-02-30'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(cmd, sizeof cmd, "check '%s' -o '%s/x.h5' --asof %s --data '%s'", cfg, dir, cases[k].date,
                 DATA_DIR);
        vr_test_cli_expect(cmd, 2, out, sizeof out, cases[k].want1, cases[k].want2, NULL);
    }
    /* a day below the model's floor: the scenario, the VIX and the floor named */
    char fcfg[700];
    snprintf(fcfg, sizeof fcfg, "%s", vr_test_write(dir, "floor.yaml", k_config_floor));
    snprintf(cmd, sizeof cmd, "check '%s' -o '%s/x.h5' --asof 2018-01-26 --data '%s'", fcfg, dir, DATA_DIR);
    vr_test_cli_expect(cmd, 2, out, sizeof out,
                       "scenario svcj (svcj model): 2018-01-26: VIX 11.08 is below the model's floor 12.09", NULL);
    snprintf(cmd, sizeof cmd, "check '%s' -o '%s/x.h5' --asof 2020-03-02 --data '%s'", fcfg, dir, DATA_DIR);
    vr_test_cli_expect(cmd, 0, out, sizeof out, "svcj (svcj): spot 3090.23, v0 = ", NULL);
    /* a state outside the model's range: pricing kappa 100 makes the VIX weigh v little, so the
     * 2020-03-16 VIX of 82.69 needs v0 = ((0.8269^2 - a) / b) = 5.55 > 4 */
    char *t = malloc(8192);
    assert_non_null(t);
    snprintf(t, 8192, "%s", k_config);
    char *pk = strstr(t, "pricing: {kappa: 2.4, theta: 0.06");
    assert_non_null(pk);
    memcpy(pk, "pricing: {kappa: 100, theta: 0.01", strlen("pricing: {kappa: 100, theta: 0.01"));
    snprintf(fcfg, sizeof fcfg, "%s", vr_test_write(dir, "range.yaml", t));
    free(t);
    snprintf(cmd, sizeof cmd, "check '%s' -o '%s/x.h5' --asof 2020-03-16 --data '%s'", fcfg, dir, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
    {
        const double tau = 30.0 / 365, b = (1 - exp(-100 * tau)) / (100 * tau), a = 0.01 * (1 - b);
        const double need = (0.8269 * 0.8269 - a) / b;
        char want[200];
        snprintf(want, sizeof want, "2020-03-16: VIX 82.69: the state they imply needs v0 = %.6g, outside "
                 "the model's range (v0 in [0, 4])", need);
        if (strstr(out, want) == NULL)
            fprintf(stderr, "want '%s' in: %s\n", want, out);
        assert_non_null(strstr(out, want));
        assert_true(need > 4);
    }
    /* run refuses the same way, before anything is written */
    snprintf(cmd, sizeof cmd, "run '%s' -o '%s/x.h5' -q --asof 2020-03-01 --data '%s'", cfg, dir, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
    char x[800];
    snprintf(x, sizeof x, "%s/x.h5", dir);
    assert_int_not_equal(access(x, F_OK), 0);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* k_config with `start` inserted under the first scenario's name (and a second model scenario
 * "plain" that keeps the config's state). */
static void start_config(char *buf, size_t cap, const char *start_line)
{
    const char *at = strstr(k_config, "    model: &m\n");
    assert_non_null(at);
    snprintf(buf, cap, "%.*s%s\n%s", (int)(at - k_config), k_config, start_line, at);
    char *rep = strstr(buf, "  - {name: replay,");
    assert_non_null(rep);
    char tail[2048];
    snprintf(tail, sizeof tail, "%s", rep);
    snprintf(rep, cap - (size_t)(rep - buf), "  - {name: plain, model: *m}\n%s", tail);
}

static double *read_pnl(const char *h5, const char *obj, size_t *n)
{
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    double *x = NULL;
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    assert_int_equal(vr_h5_read_f64(r, obj, &x, n, &err), VR_OK);
    vr_h5_close(r);
    return x;
}

/* `start: {asof: DATE}` in a scenario: that scenario (only) starts from the day's market, recorded
 * like --asof; the same numbers as `run --asof DATE` for that scenario; --asof replaces it. */
static void test_start_asof(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], cmd[1800], out[16384], text[4096], line[700];
    assert_int_equal(vr_test_tmpdir("start", dir, sizeof dir), 0);
    snprintf(line, sizeof line, "    start: {asof: 2020-03-02, data: '%s'}", DATA_DIR);
    start_config(text, sizeof text, line);
    char cfg[700], plain_cfg[700], h5[700], h5b[700], h5c[700];
    snprintf(cfg, sizeof cfg, "%s", vr_test_write(dir, "start.yaml", text));
    snprintf(plain_cfg, sizeof plain_cfg, "%s", vr_test_write(dir, "term.yaml", k_config));
    snprintf(h5, sizeof h5, "%s/start.h5", dir);
    snprintf(h5b, sizeof h5b, "%s/asof.h5", dir);
    snprintf(h5c, sizeof h5c, "%s/over.h5", dir);
    /* the replay reads --data; the start key its own data (spelt differently: the key wins) */
    snprintf(cmd, sizeof cmd, "run '%s' -o '%s' -q --threads 2 --data '%s/.'", cfg, h5, DATA_DIR);
    int rc = vr_test_cli(cmd, out, sizeof out);
    if (rc != 0)
        fprintf(stderr, "%s\n", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "model: start as of 2020-03-02"));
    assert_non_null(strstr(out, "model (heston): spot 3090.23, v0 = "));
    assert_null(strstr(out, "plain (heston)"));

    const double spx = csv_close("spx_daily.csv", "2020-03-02");
    const double vix = csv_close("vix_daily.csv", "2020-03-02");
    const double vix3m = csv_close("vix3m_daily.csv", "2020-03-02");
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    assert_false(vr_h5_attr_exists(r, "/", "asof")); /* no command-line date */
    attr_str_is(r, "/", "overrides", "simulation.threads=2");
    attr_str_is(r, "/model", "asof", "2020-03-02");
    attr_str_is(r, "/model", "asof_data", DATA_DIR);
    assert_true(attr_f64(r, "/model", "asof_spx") == spx);
    assert_true(attr_f64(r, "/model", "asof_vix") == vix);
    assert_true(attr_f64(r, "/model", "asof_vix3m") == vix3m);
    assert_true(attr_f64(r, "/model", "spot") == spx);
    const vr_sv_params q = pricing_params();
    assert_true(fabs(sv_index(&q, 30.0 / 365, attr_f64(r, "/model", "v0")) - vix) < 1e-9);
    /* the scenario without the key keeps the config's state */
    assert_false(vr_h5_attr_exists(r, "/plain", "asof"));
    assert_true(attr_f64(r, "/plain", "spot") == 5000.0);
    assert_true(attr_f64(r, "/plain", "v0") == 0.02);
    assert_false(vr_h5_attr_exists(r, "/replay", "asof"));
    vr_h5_close(r);

    /* the same paths and P&L as run --asof on the config without the key */
    snprintf(cmd, sizeof cmd, "run '%s' -o '%s' -q --threads 2 --asof 2020-03-02 --data '%s'", plain_cfg,
             h5b, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 0);
    size_t na = 0, nb = 0;
    double *pa = read_pnl(h5, "/model/term/pnl", &na), *pb = read_pnl(h5b, "/model/term/pnl", &nb);
    assert_int_equal(na, 64);
    assert_int_equal(nb, na);
    assert_memory_equal(pa, pb, na * sizeof *pa);
    free(pa);
    free(pb);

    /* --asof replaces start.asof (and its data key) for every model scenario */
    snprintf(cmd, sizeof cmd, "run '%s' -o '%s' -q --threads 2 --asof 2019-06-03 --data '%s'", cfg, h5c,
             DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 0);
    assert_int_equal(vr_h5_open_read(h5c, &r, &err), VR_OK);
    attr_str_is(r, "/", "asof", "2019-06-03");
    attr_str_is(r, "/model", "asof", "2019-06-03");
    attr_str_is(r, "/plain", "asof", "2019-06-03");
    assert_true(attr_f64(r, "/model", "spot") == csv_close("spx_daily.csv", "2019-06-03"));
    vr_h5_close(r);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* Bad start keys: file:line:key, the valid form or the data's span, exit 2, nothing written. */
static void test_start_asof_errors(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], cmd[1800], out[8192], text[4096], line[700], cfg[700], x[800];
    assert_int_equal(vr_test_tmpdir("starterr", dir, sizeof dir), 0);
    snprintf(x, sizeof x, "%s/x.h5", dir);
    static const struct { const char *start, *want1, *want2; } cases[] = {
        {"{asof: 2020-03-01}", "start.yaml:4: scenarios[0].start.asof: ",
         "nearest trading days are 2020-02-28 and 2020-03-02"},
        {"{asof: 2031-01-02}", "start.yaml:4: scenarios[0].start.asof: ", "after the data"},
        {"{asof: 1900-01-02}", "start.yaml:4: scenarios[0].start.asof: ", "before the data"},
        {"{asof: 2020-3-x}", "start.yaml:4: scenarios[0].start.asof: ", "expected a date YYYY-MM-DD"},
        {"{data: x}", "start.yaml:4: scenarios[0].start: ", "missing key 'asof'"},
        {"{asof: 2020-03-02, data: nowhere}", "scenarios[0].start.asof: ", "nowhere/spx_daily.csv: cannot open"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(line, sizeof line, "    start: %s", cases[k].start);
        start_config(text, sizeof text, line);
        snprintf(cfg, sizeof cfg, "%s", vr_test_write(dir, "start.yaml", text));
        snprintf(cmd, sizeof cmd, "run '%s' -o '%s' -q --data '%s'", cfg, x, DATA_DIR);
        const int rc = vr_test_cli(cmd, out, sizeof out);
        if (rc != 2 || !strstr(out, cases[k].want1) || !strstr(out, cases[k].want2))
            fprintf(stderr, "start: %s: exit %d: %s\n", cases[k].start, rc, out);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(out, cases[k].want1));
        assert_non_null(strstr(out, cases[k].want2));
        assert_int_not_equal(access(x, F_OK), 0);
    }
    /* a replay starts at its window */
    char *t = malloc(8192);
    assert_non_null(t);
    snprintf(t, 8192, "%s", k_config);
    char *rep = strstr(t, "window: {from: 2018-01-22");
    assert_non_null(rep);
    char tail[2048];
    snprintf(tail, sizeof tail, "%s", rep);
    snprintf(rep, 8192 - (size_t)(rep - t), "start: {asof: 2018-01-22}, %s", tail);
    snprintf(cfg, sizeof cfg, "%s", vr_test_write(dir, "start.yaml", t));
    snprintf(cmd, sizeof cmd, "check '%s' -o '%s' --data '%s'", cfg, x, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "scenarios[1].start: does not apply to a history scenario"));
    /* below the model's floor: the message of --asof, at the key */
    const char *at = strstr(k_config_floor, "    model:\n");
    assert_non_null(at);
    snprintf(t, 8192, "%.*s    start: {asof: 2018-01-26}\n%s", (int)(at - k_config_floor), k_config_floor, at);
    snprintf(cfg, sizeof cfg, "%s", vr_test_write(dir, "floor.yaml", t));
    snprintf(cmd, sizeof cmd, "run '%s' -o '%s' -q --data '%s'", cfg, x, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "floor.yaml:4: scenarios[0].start.asof: scenario svcj (svcj model): "
                                "2018-01-26: VIX 11.08 is below the model's floor 12.09"));
    assert_int_not_equal(access(x, F_OK), 0);
    free(t);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_price_asof(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char cmd[1200], out[8192];
    snprintf(cmd, sizeof cmd,
             "price --model '%s/configs/models/heston.yaml' --strike 3000 --expiry 0.1 --paths 2000 "
             "--threads 2 --json --asof 2020-03-02 --data '%s'", VIXRISK_SOURCE_DIR, DATA_DIR);
    vr_test_cli_expect(cmd, 0, out, sizeof out, "\"asof\": {\"date\": \"2020-03-02\"",
                       "\"spx\": 3090.23, \"vix\": 33.42, \"vix3m\": 27.7, \"v0\": ", NULL);
    snprintf(cmd, sizeof cmd,
             "price --model '%s/configs/models/heston.yaml' --strike 3000 --expiry 0.1 --paths 2000 "
             "--threads 2 --asof 2020-03-02 --data '%s'", VIXRISK_SOURCE_DIR, DATA_DIR);
    vr_test_cli_expect(cmd, 0, out, sizeof out, "as of 2020-03-02", "start: spot 3090.23, v0 = ",
                       "(VIX 33.4200 under the pricing parameters)", NULL);
    snprintf(cmd, sizeof cmd,
             "price --model '%s/configs/models/heston.yaml' --strike 100 --expiry 0.1 --paths 2000 "
             "--threads 2 --json", VIXRISK_SOURCE_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 0);
    assert_null(strstr(out, "asof"));
    /* a two-factor model (through the library: its pricer's tables take seconds to build): the
     * state written into (v0, m0) gives back the day's VIX and VIX3M */
    vr_model m2;
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_load(VIXRISK_SOURCE_DIR "/configs/models/svcj2_example.yaml", &m2, &err), VR_OK);
    assert_int_equal(vr_market_day_load(DATA_DIR, 20190603, &mk, &err), VR_OK);
    double xr[VR_FACTORS_MAX] = {0};
    assert_int_equal(vr_model_start_at_market(&m2, &mk, xr, &err), VR_OK);
    const vr_model_ops *ops = vr_model_ops_get(m2.type);
    assert_int_equal(ops->nfactors, 2);
    double x2[VR_FACTORS_MAX] = {0};
    ops->state0(&m2, x2);
    assert_true(x2[0] == xr[0] && x2[1] == xr[1] && x2[0] > 0 && x2[1] > 0);
    assert_true(m2.spot == csv_close("spx_daily.csv", "2019-06-03"));
    const vr_vix_coef c30 = ops->vix_coef(&m2.pricing, VR_VIX_TAU_30D);
    const vr_vix_coef c93 = ops->vix_coef(&m2.pricing, VR_VIX_TAU_93D);
    assert_true(fabs(vr_vix_level_x(&c30, x2, 2) - csv_close("vix_daily.csv", "2019-06-03")) < 1e-9);
    assert_true(fabs(vr_vix_level_x(&c93, x2, 2) - csv_close("vix3m_daily.csv", "2019-06-03")) < 1e-9);
    /* unreachable: 2020-03-02 needs m < 0; the model is left as it was */
    const vr_model before = m2;
    assert_int_equal(vr_market_day_load(DATA_DIR, 20200302, &mk, &err), VR_OK);
    assert_int_equal(vr_model_start_at_market(&m2, &mk, NULL, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "2020-03-02"));
    assert_true(m2.spot == before.spot && m2.v0 == before.v0 && m2.m0 == before.m0);
    /* errors: exit 2 naming the date */
    snprintf(cmd, sizeof cmd,
             "price --model '%s/configs/models/heston.yaml' --strike 3000 --expiry 0.1 --asof 2020-02-29 "
             "--data '%s'", VIXRISK_SOURCE_DIR, DATA_DIR);
    vr_test_cli_expect(cmd, 2, out, sizeof out, "nearest trading days are 2020-02-28 and 2020-03-02", NULL);
    snprintf(cmd, sizeof cmd,
             "price --model '%s/configs/models/heston.yaml' --strike 100 --expiry 0.1 --data '%s'",
             VIXRISK_SOURCE_DIR, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
}

/* The market of one day is read from the files up to that day: rows out of date order, or a
 * second row for the day, are refused at their line (they used to pass: the scan stopped at the
 * first row after the day and the last of two closes won). */
static void test_market_day_order(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mkorder", dir, sizeof dir), 0);
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    vr_test_write(dir, "vix_daily.csv", "date,open,high,low,close\n2020-01-02,1,1,1,12.5\n2020-01-03,1,1,1,14\n");
    /* in order: read */
    vr_test_write(dir, "spx_daily.csv", "date,open,high,low,close\n2020-01-02,1,1,1,3250\n2020-01-03,1,1,1,3230\n");
    assert_int_equal(vr_market_day_load(dir, 20200103, &mk, &err), VR_OK);
    assert_true(mk.spx == 3230 && mk.vix == 14);
    /* out of order before the day */
    vr_test_write(dir, "spx_daily.csv",
                  "date,open,high,low,close\n2020-01-03,1,1,1,3230\n2020-01-02,1,1,1,3250\n2020-01-06,1,1,1,3240\n");
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200106, &mk, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "spx_daily.csv:3: date 2020-01-02 is before the previous row's 2020-01-03"));
    /* the day twice */
    vr_test_write(dir, "spx_daily.csv",
                  "date,open,high,low,close\n2020-01-02,1,1,1,3250\n2020-01-03,1,1,1,3230\n2020-01-03,1,1,1,9999\n");
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200103, &mk, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "spx_daily.csv:4: a second row for the date of line 3"));
    /* an optional file is held to the same order */
    vr_test_write(dir, "spx_daily.csv", "date,open,high,low,close\n2020-01-02,1,1,1,3250\n2020-01-03,1,1,1,3230\n");
    vr_test_write(dir, "vix3m_daily.csv", "date,open,high,low,close\n2020-01-03,1,1,1,15\n2020-01-02,1,1,1,16\n");
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200103, &mk, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "vix3m_daily.csv:3: date 2020-01-02 is before"));
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A day's closes and settlements are decimal numbers, as the history loaders read the same files:
 * hexadecimal ("0x1.3p12" is 4864), "inf" and "nan" were taken by strtod and started a run from
 * them. Each is refused at its line; the plain decimal beside them is read. (Blanks around a field
 * are the reader's to remove, for every loader alike: test_market_day's test_blanks.) */
static void test_market_day_numbers(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mknum", dir, sizeof dir), 0);
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    vr_test_write(dir, "vix_daily.csv", "date,open,high,low,close\n2020-01-02,1,1,1,12.5\n");
    static const char *const bad[] = {"0x1.3p12", "0x12C0", "3 250", "inf", "nan", "1e999", "3,250"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[256];
        snprintf(text, sizeof text, "date,open,high,low,close\n2020-01-02,1,1,1,%s\n", bad[i]);
        vr_test_write(dir, "spx_daily.csv", text);
        vr_err_clear(&err);
        const vr_status st = vr_market_day_load(dir, 20200102, &mk, &err);
        if (st != VR_EINVAL || strstr(err.msg, "spx_daily.csv:2") == NULL)
            fprintf(stderr, "close '%s': status %d, '%s'\n", bad[i], (int)st, err.msg);
        assert_int_equal(st, VR_EINVAL);
        assert_non_null(strstr(err.msg, "spx_daily.csv:2"));
    }
    /* a VIX future's settlement (the term-structure file) is held to the same rule */
    vr_test_write(dir, "spx_daily.csv", "date,open,high,low,close\n2020-01-02,1,1,1,3250.5e0\n");
    vr_test_write(dir, "vix_futures_term_structure.csv",
                  "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n2020-01-02,0x10,15,16,17,18,19,20,21\n");
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200102, &mk, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "vix_futures_term_structure.csv:2: vx1"));
    vr_test_write(dir, "vix_futures_term_structure.csv",
                  "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n2020-01-02,14.5,15,16,17,18,19,20,21\n");
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200102, &mk, &err), VR_OK);
    assert_true(mk.spx == 3250.5 && mk.vix == 12.5 && mk.nfut == 8 && mk.fut[0].settle == 14.5);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* ---- the replay's state -------------------------------------------------------------------- */

typedef struct replay_rec {
    size_t ndays;
    double *x[2]; /* [day] the factors of path 0 */
} replay_rec;

static void replay_on_step(void *ctx, const vr_sim_block *b, size_t step)
{
    replay_rec *r = ctx;
    if (b->path0 != 0 || step >= r->ndays)
        return;
    for (int j = 0; j < 2; j++)
        r->x[j][step] = b->x[j][0];
}

/* A replay of the calibrated two-factor model, with the generator's spec as the evaluator builds
 * it (vr_eval_sim_spec): on every day (v, m) is the state backed out of that day's VIX and VIX3M
 * (Cramer's rule written here), both >= 0; on the days that need a negative factor (March 2020:
 * VIX far above VIX3M) that factor is 0 and the VIX is still the day's (no floor artefact: the
 * state shows the real VIX, the market view holds the real VIX3M); before VIX3M exists (2006) the
 * VIX alone sets the state and is reproduced even where it lies below the model's VIX at
 * (0, m0) (m is lowered then, never v left at 0 with the VIX above the real one). */
static void test_replay_state(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], text[4096];
    assert_int_equal(vr_test_tmpdir("replay", dir, sizeof dir), 0);
    snprintf(text, sizeof text,
             "simulation: {paths: 64, horizon_days: 5}\n"
             "scenarios:\n"
             "  - {name: r2020, type: history, window: {from: 2020-02-18, to: 2020-04-30}, model: '%s'}\n"
             "  - {name: r2017, type: history, window: {from: 2017-10-16, to: 2017-11-30}, model: '%s'}\n"
             "  - {name: r2006, type: history, window: {from: 2006-10-02, to: 2006-12-29}, model: '%s'}\n"
             "policies:\n  - name: unhedged\n",
             VIXRISK_SOURCE_DIR "/configs/models/svcj2_cal.yaml", VIXRISK_SOURCE_DIR "/configs/models/svcj2_cal.yaml",
             VIXRISK_SOURCE_DIR "/configs/models/svcj2_cal.yaml");
    const char *cfg = vr_test_write(dir, "replay.yaml", text);
    vr_run_cfg rc;
    vr_err err = {VR_OK, ""};
    const vr_run_load_opts lo = {DATA_DIR, 0, NULL, 0, 0};
    if (vr_run_load_ex(cfg, &lo, &rc, &err) != VR_OK)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    int clamped = 0, exact = 0, vix_only = 0, lowered = 0, saw_0316 = 0;
    for (int s = 0; s < rc.spec.nscen; s++) {
        const vr_scenario *sc = &rc.spec.scen[s];
        const vr_model_ops *ops = vr_model_ops_get(sc->model.type);
        assert_int_equal(ops->nfactors, 2);
        const vr_vix_coef c30 = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_30D);
        const vr_vix_coef c93 = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_93D);
        const double floor = 100 * sqrt(c30.a);
        double x0[VR_FACTORS_MAX] = {0};
        ops->state0(&sc->model, x0);
        const vr_sim_spec sim = vr_eval_sim_spec(&rc.spec, s);
        replay_rec rec = {sc->hist_i1 - sc->hist_i0, {NULL, NULL}};
        rec.x[0] = calloc(rec.ndays, sizeof(double));
        rec.x[1] = calloc(rec.ndays, sizeof(double));
        assert_true(rec.x[0] && rec.x[1]);
        const vr_sim_observer obs = {&rec, replay_on_step, NULL};
        assert_int_equal(vr_sim_run(&sim, &obs, &err), VR_OK);
        const vr_history *h = sc->hist;
        for (size_t k = 0; k < rec.ndays; k++) {
            const size_t i = sc->hist_i0 + k;
            const double vix = h->vix[i], v3 = h->vix3m ? h->vix3m[i] : NAN;
            const double x[2] = {rec.x[0][k], rec.x[1][k]};
            assert_true(x[0] >= 0 && x[1] >= 0);
            assert_true(vix > floor); /* so the VIX must come back on every day */
            const double model_vix = vr_vix_level_x(&c30, x, 2);
            if (fabs(model_vix - vix) > 1e-9 * vix)
                fprintf(stderr, "%s day %d: VIX %g, state (%g, %g) gives %g\n", sc->name, h->date[i], vix,
                        x[0], x[1], model_vix);
            assert_true(fabs(model_vix - vix) <= 1e-9 * vix);
            if (!(v3 > 0)) { /* VIX alone: m kept, or lowered where the VIX needs it */
                assert_true(x[1] <= x0[1] + 1e-15);
                lowered += x[1] < x0[1];
                vix_only++;
                continue;
            }
            /* the exact state, solved here */
            const double y1 = (vix / 100) * (vix / 100) - c30.a, y2 = (v3 / 100) * (v3 / 100) - c93.a;
            const double det = c30.bx[0] * c93.bx[1] - c30.bx[1] * c93.bx[0];
            const double v = (y1 * c93.bx[1] - c30.bx[1] * y2) / det;
            const double m = (c30.bx[0] * y2 - y1 * c93.bx[0]) / det;
            if (v >= 0 && m >= 0) {
                assert_true(fabs(x[0] - v) <= 1e-12 && fabs(x[1] - m) <= 1e-12);
                assert_true(fabs(vr_vix_level_x(&c93, x, 2) - v3) <= 1e-9 * v3);
                exact++;
            } else {
                assert_true((m < 0 && x[1] == 0) || (v < 0 && x[0] == 0));
                clamped++;
                saw_0316 |= h->date[i] == 20200316;
            }
        }
        free(rec.x[0]);
        free(rec.x[1]);
    }
    printf("  replay days: %d exact, %d clamped (a factor at 0), %d VIX only (%d with m lowered)\n", exact,
           clamped, vix_only, lowered);
    assert_true(saw_0316);
    assert_true(exact > 40 && clamped > 0 && vix_only > 40 && lowered > 0);
    vr_run_cfg_free(&rc);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A replay and a bootstrap of an svcj file with lambda1 (loaded as the svcj2 limit whose m cannot
 * move: vr_model_m_fixed), with the generator's spec as the evaluator builds it: m stays at theta on
 * every day, bit for bit, and v is what the day's VIX alone gives (0 below the floor); the floor
 * is the VIX at (0, theta). Replays backed m out of VIX3M (2020: m 0.0231 against theta 0.03) or
 * lowered it to reach a low VIX (2017: m 0), and noted a floor at (0, 0): an svcj file with
 * lambda1 1e-9 lost 6,626 on the 2020 replay where lambda1 0 made 3,628. */
static void test_replay_state_fixed_m(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], text[4096];
    assert_int_equal(vr_test_tmpdir("replay_fixed_m", dir, sizeof dir), 0);
    const char *model = vr_test_write(
        dir, "svcj_l1.yaml",
        "model:\n  type: svcj\n  spot: 5000\n  rate: 0.04\n  dividend: 0.013\n  v0: 0.03\n"
        "  physical: {kappa: 3.0, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 0.8, mu_v: 0.04, "
        "mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6, lambda1: 1e-9}\n"
        "  pricing: {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2, mu_v: 0.05, "
        "mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6, lambda1: 1e-9}\n");
    snprintf(text, sizeof text,
             "simulation: {paths: 64, horizon_days: 20, seed: 5}\n"
             "scenarios:\n"
             "  - {name: r2020, type: history, window: {from: 2020-01-02, to: 2020-04-30}, model: '%s'}\n"
             "  - {name: r2017, type: history, window: {from: 2017-09-01, to: 2017-12-29}, model: '%s'}\n"
             "  - {name: boot, type: bootstrap, window: {from: 2017-01-03, to: 2020-12-31}, model: '%s'}\n"
             "policies:\n  - name: unhedged\n",
             model, model, model);
    const char *cfg = vr_test_write(dir, "replay.yaml", text);
    vr_run_cfg rc;
    vr_err err = {VR_OK, ""};
    const vr_run_load_opts lo = {DATA_DIR, 0, NULL, 0, 0};
    if (vr_run_load_ex(cfg, &lo, &rc, &err) != VR_OK)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    int above = 0, below = 0;
    for (int s = 0; s < rc.spec.nscen; s++) {
        const vr_scenario *sc = &rc.spec.scen[s];
        const vr_model_ops *ops = vr_model_ops_get(sc->model.type);
        assert_int_equal(sc->model.type, VR_MODEL_SVCJ2);
        assert_true(vr_model_m_fixed(&sc->model) && sc->model.m0 == 0.03);
        const vr_vix_coef c30 = ops->vix_coef(&sc->model.pricing, VR_VIX_TAU_30D);
        const double at_theta[2] = {0.0, 0.03};
        const double floor = vr_vix_level_x(&c30, at_theta, 2);
        assert_true(vr_model_vix_floor(&sc->model) == floor && floor > 100 * sqrt(c30.a) + 1);
        const vr_sim_spec sim = vr_eval_sim_spec(&rc.spec, s);
        const size_t ndays = sc->source == VR_SOURCE_HISTORY ? sc->hist_i1 - sc->hist_i0 : 21;
        replay_rec rec = {ndays, {calloc(ndays, sizeof(double)), calloc(ndays, sizeof(double))}};
        assert_true(rec.x[0] && rec.x[1]);
        const vr_sim_observer obs = {&rec, replay_on_step, NULL};
        assert_int_equal(vr_sim_run(&sim, &obs, &err), VR_OK);
        for (size_t k = 0; k < ndays; k++) {
            const double x[2] = {rec.x[0][k], rec.x[1][k]};
            if (x[1] != 0.03)
                fail_msg("%s day %zu: m = %.17g, not theta", sc->name, k, x[1]);
            if (sc->source != VR_SOURCE_HISTORY)
                continue;
            const double vix = sc->hist->vix[sc->hist_i0 + k];
            if (vix > floor) { /* the day's VIX, from v alone */
                assert_true(fabs(vr_vix_level_x(&c30, x, 2) - vix) <= 1e-9 * vix);
                above++;
            } else { /* the floor: v at 0 (the market view keeps the close: eval.c) */
                assert_true(x[0] == 0);
                below++;
            }
        }
        free(rec.x[0]);
        free(rec.x[1]);
    }
    printf("  fixed m: %d replay days from the VIX alone, %d at the floor (v = 0, m = theta)\n", above, below);
    assert_true(above > 50 && below > 50);
    vr_run_cfg_free(&rc);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_asof),
        cmocka_unit_test(test_run_asof_errors),
        cmocka_unit_test(test_price_asof),
        cmocka_unit_test(test_start_asof),
        cmocka_unit_test(test_start_asof_errors),
        cmocka_unit_test(test_market_day_order),
        cmocka_unit_test(test_market_day_numbers),
        cmocka_unit_test(test_replay_state),
        cmocka_unit_test(test_replay_state_fixed_m),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
