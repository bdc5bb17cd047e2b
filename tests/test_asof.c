/* test_asof.c: starting from a date's market (`run --asof`, `price --asof`) and history replays
 * that see the real VIX3M.
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
 *    after and before the data, a malformed date, a VIX below the model's floor (with the floor);
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
    /* run refuses the same way, before anything is written */
    snprintf(cmd, sizeof cmd, "run '%s' -o '%s/x.h5' -q --asof 2020-03-01 --data '%s'", cfg, dir, DATA_DIR);
    assert_int_equal(vr_test_cli(cmd, out, sizeof out), 2);
    char x[800];
    snprintf(x, sizeof x, "%s/x.h5", dir);
    assert_int_not_equal(access(x, F_OK), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_asof),
        cmocka_unit_test(test_run_asof_errors),
        cmocka_unit_test(test_price_asof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
