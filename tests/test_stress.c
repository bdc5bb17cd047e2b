/* test_stress.c: scenario sources other than the model — historical replay, the matched
 * stationary block bootstrap — and shocks imposed on model paths. Data-dependent checks use the
 * real history in ../shared/data and skip cleanly when it is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_sim.h"
#include "vr_test_util.h"

static vr_history hist;
static int have_hist;

static int setup(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    have_hist = vr_history_load(VIXRISK_SOURCE_DIR "/../shared/data", &hist, &err) == VR_OK;
    if (!have_hist)
        fprintf(stderr, "no ../shared/data: history tests skip (%s)\n", err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (have_hist)
        vr_history_free(&hist);
    return 0;
}

typedef struct cap {
    size_t step, npaths;
    double *ls, *v;      /* at `step` */
    double *all_ls;      /* path 0, every step */
    double *all_v;
} cap;

static void on_step(void *ctx, const vr_sim_block *b, size_t step)
{
    cap *c = ctx;
    if (step == c->step)
        for (size_t i = 0; i < b->n; i++) {
            c->ls[b->path0 + i] = b->log_s[i];
            c->v[b->path0 + i] = b->var[i];
        }
    if (b->path0 == 0 && c->all_ls) {
        c->all_ls[step] = b->log_s[0];
        c->all_v[step] = b->var[0];
    }
}

static const vr_sv_params svcj = {.kappa = 3, .theta = 0.022, .sigma = 0.45, .rho = -0.75, .lambda = 0.8,
                                  .mu_v = 0.04, .mu_s = -0.03, .sigma_s = 0.04, .rho_j = -0.6};

/* Replay of Feb 2018: the observer sees the real SPX closes, and VIX(v) equals the real VIX. */
static void test_history_replay(void **state)
{
    (void)state;
    if (!have_hist)
        skip();
    size_t i0, i1;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_history_window(&hist, 20180101, 20180331, &i0, &i1, &err), VR_OK);
    const size_t days = i1 - i0 - 1;
    cap c = {days, 1, malloc(8), malloc(8), calloc(days + 1, 8), calloc(days + 1, 8)};
    vr_sim_spec s = {.type = VR_MODEL_SVCJ, .params = svcj, .spot = 1, .rate = 0.04, .v0 = 0.02,
                     .horizon = days / 252.0, .steps = days, .paths = 1, .seed = 1,
                     .source = VR_SOURCE_HISTORY, .hist = &hist, .hist_i0 = i0, .hist_i1 = i1,
                     .vixc = vr_vix_coef_make(VR_MODEL_SVCJ, &svcj, VR_VIX_TAU_30D)};
    const vr_sim_observer obs = {&c, on_step, NULL};
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    double worst = 0;
    for (size_t k = 0; k <= days; k++) {
        assert_true(fabs(exp(c.all_ls[k]) - hist.spx[i0 + k]) < 1e-9 * hist.spx[i0 + k]);
        const double vix = vr_vix_level(s.vixc, c.all_v[k]);
        if (hist.vix[i0 + k] > 100 * sqrt(s.vixc.a) + 0.01) /* above the model's VIX floor */
            worst = fmax(worst, fabs(vix - hist.vix[i0 + k]));
    }
    printf("replay %d..%d (%zu days): max |VIX(v) - VIX| = %.2e\n", hist.date[i0], hist.date[i1 - 1], days, worst);
    assert_true(worst < 1e-9);
    free(c.ls); free(c.v); free(c.all_ls); free(c.all_v);
}

/* Bootstrap: every daily SPX return is a historical one, the VIX stays within a plausible range,
 * and the paths are the same for 1 and 2 threads. */
static void test_bootstrap(void **state)
{
    (void)state;
    if (!have_hist)
        skip();
    size_t i0, i1;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_history_window(&hist, 0, 0, &i0, &i1, &err), VR_OK);
    const size_t P = 3000, days = 126;
    cap c1 = {days, P, malloc(P * 8), malloc(P * 8), calloc(days + 1, 8), calloc(days + 1, 8)};
    cap c2 = {days, P, malloc(P * 8), malloc(P * 8), NULL, NULL};
    vr_sim_spec s = {.type = VR_MODEL_SVCJ, .params = svcj, .spot = 5000, .rate = 0.04, .v0 = 0.02,
                     .horizon = days / 252.0, .steps = days, .paths = P, .seed = 3, .threads = 1,
                     .source = VR_SOURCE_BOOTSTRAP, .hist = &hist, .hist_i0 = i0, .hist_i1 = i1,
                     .block_mean = 10, .vixc = vr_vix_coef_make(VR_MODEL_SVCJ, &svcj, VR_VIX_TAU_30D)};
    vr_sim_observer obs = {&c1, on_step, NULL};
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    s.threads = 2;
    obs.ctx = &c2;
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    assert_memory_equal(c1.ls, c2.ls, P * 8);
    assert_memory_equal(c1.v, c2.v, P * 8);
    /* path 0's daily returns are historical returns */
    for (size_t k = 1; k <= days; k++) {
        const double r = c1.all_ls[k] - c1.all_ls[k - 1];
        int found = 0;
        for (size_t j = i0 + 1; j < i1 && !found; j++)
            found = fabs(r - log(hist.spx[j] / hist.spx[j - 1])) < 1e-12;
        assert_true(found);
    }
    /* the matched bootstrap keeps the VIX in its historical range (median path and extremes) */
    double lo = 1e9, hi = 0;
    for (size_t i = 0; i < P; i++) {
        const double vix = vr_vix_level(s.vixc, c1.v[i]);
        lo = fmin(lo, vix);
        hi = fmax(hi, vix);
    }
    printf("bootstrap VIX after %zu days over %zu paths: [%.1f, %.1f]\n", days, P, lo, hi);
    assert_true(hi < 120);
    free(c1.ls); free(c1.v); free(c1.all_ls); free(c1.all_v); free(c2.ls); free(c2.v);
}

/* A shock at step 20: every path's S is multiplied by (1 + r) and its VIX set to the level,
 * relative to the same paths without the shock (identical up to that step). */
static void test_shock(void **state)
{
    (void)state;
    const size_t P = 2000;
    cap a = {20, P, malloc(P * 8), malloc(P * 8), NULL, NULL};
    cap b = {20, P, malloc(P * 8), malloc(P * 8), NULL, NULL};
    const vr_shock sh = {.step = 20, .spx_return = -0.10, .vix_level = 45, .vix_change = NAN};
    vr_sim_spec s = {.type = VR_MODEL_SVCJ, .params = svcj, .spot = 5000, .rate = 0.04, .v0 = 0.02,
                     .horizon = 40 / 252.0, .steps = 40, .paths = P, .seed = 5,
                     .vixc = vr_vix_coef_make(VR_MODEL_SVCJ, &svcj, VR_VIX_TAU_30D)};
    vr_err err = {VR_OK, ""};
    vr_sim_observer obs = {&a, on_step, NULL};
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    s.shocks = &sh;
    s.nshocks = 1;
    obs.ctx = &b;
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    for (size_t i = 0; i < P; i++) {
        assert_true(fabs((b.ls[i] - a.ls[i]) - log(0.9)) < 1e-12);
        assert_true(fabs(vr_vix_level(s.vixc, b.v[i]) - 45) < 1e-9);
    }
    free(a.ls); free(a.v); free(b.ls); free(b.v);
}

/* Run-file errors of the stress features: file, line, key; exit 2. */
static void test_stress_config_errors(void **state)
{
    (void)state;
    char dir[] = "/tmp/vixrisk-stress-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const struct { const char *yaml, *want1, *want2; } bad[] = {
        {"simulation: {paths: 10, horizon_days: 60}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n    shocks:\n      - {day: 5, preset: feb2019}\npolicies:\n  - name: p\n",
         ":6: scenarios[0].shocks[0].preset", "unknown preset"},
        {"simulation: {paths: 10, horizon_days: 60}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n    shocks:\n      - {day: 90, spx_return: -0.1}\npolicies:\n  - name: p\n",
         ":6: scenarios[0].shocks[0].day", "[1, 60]"},
        {"simulation: {paths: 10}\nscenarios:\n  - name: a\n    type: history\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ": scenarios[0]: a history scenario", "window"},
        /* a window reaching beyond the data is refused with the valid range, not cut to 1990-01-02 */
        {"simulation: {paths: 10}\nscenarios:\n  - name: a\n    type: bootstrap\n    window: {from: 1980-01-01, to: 2020-01-31}\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ":5: scenarios[0].window: history window from 1980-01-01 lies outside the data", "must be in 1990-01-02.."},
        {"simulation: {paths: 10}\nscenarios:\n  - name: a\n    type: history\n    window: {from: 2020-01-04, to: 2099-12-31}\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ":5: scenarios[0].window: history window to 2099-12-31 lies outside the data", "must be in 1990-01-02.."},
        /* a bootstrap window of three days has nothing to match a path's VIX with (a path's VIX
         * went to 1484): at least 21 trading days, and twice the mean block plus one */
        {"simulation: {paths: 10, horizon_days: 60}\nscenarios:\n  - name: a\n    type: bootstrap\n    window: {from: 2020-03-09, to: 2020-03-11}\n    block_mean: 5\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ":5: scenarios[0].window: a bootstrap window must hold at least 21 trading days", "2020-03-09..2020-03-11 holds 3"},
        {"simulation: {paths: 10, horizon_days: 60}\nscenarios:\n  - name: a\n    type: bootstrap\n    window: {from: 2020-02-03, to: 2020-03-13}\n    block_mean: 20\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ":5: scenarios[0].window: a bootstrap window must hold at least 41 trading days", "holds 29"},
        /* a fractional block_mean is rounded up: 30.5 needs 2 x 31 + 1 = 63 days, and says so */
        {"simulation: {paths: 10, horizon_days: 20}\nscenarios:\n  - name: a\n    type: bootstrap\n    window: {from: 2020-01-02, to: 2020-03-31}\n    block_mean: 30.5\n    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n",
         ":5: scenarios[0].window: a bootstrap window must hold at least 63 trading days (at least 21, and "
         "twice block_mean 30.5 rounded up to 31, plus one)", "holds 62"},
    };
    char path[300], cmd[1200], out[4096];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "%s/s%zu.yaml", dir, i);
        FILE *f = fopen(path, "w");
        fputs(bad[i].yaml, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "VIXRISK_DATA='%s/../shared/data' '%s' check %s 2>&1", VIXRISK_SOURCE_DIR,
                 VIXRISK_CLI, path);
        const int rc = vr_run_capture(cmd, out, sizeof out);
        printf("rc %d: %s", rc, out);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(out, bad[i].want1));
        assert_non_null(strstr(out, bad[i].want2));
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A preset that the horizon cuts short runs its first days only: legitimate (the start of a
 * crash), but not the scenario its name says, so the loader warns with file, line and key
 * (until 2026-12-04 it said nothing). */
static void test_preset_cut_warns(void **state)
{
    (void)state;
    char dir[] = "/tmp/vixrisk-preset-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300], cmd[1200], out[4096];
    snprintf(path, sizeof path, "%s/cut.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("simulation: {paths: 10, horizon_days: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, "
          "v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n    shocks:\n      - {day: 9, preset: "
          "oct2008}\npolicies:\n  - name: p\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' check %s 2>&1", VIXRISK_CLI, path);
    int rc = vr_run_capture(cmd, out, sizeof out);
    printf("rc %d: %s", rc, out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "cut.yaml:6: scenarios[0].shocks[0].preset: preset oct2008 moves 21 trading days "
                                "from day 9; the horizon of 10 days keeps the first 2"));
    /* one day, in the singular (it said "the horizon of 1 days") */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("simulation: {paths: 10, horizon_days: 1}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, "
          "v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n    shocks:\n      - {day: 1, preset: "
          "mar2020}\npolicies:\n  - name: p\n", f);
    fclose(f);
    rc = vr_run_capture(cmd, out, sizeof out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "from day 1; the horizon of 1 day keeps the first 1\n"));
    /* a preset that fits says nothing */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("simulation: {paths: 10, horizon_days: 40}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 100, "
          "v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n    shocks:\n      - {day: 9, preset: "
          "oct2008}\npolicies:\n  - name: p\n", f);
    fclose(f);
    rc = vr_run_capture(cmd, out, sizeof out);
    assert_int_equal(rc, 0);
    assert_null(strstr(out, "preset oct2008 moves"));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ln S of every path at every step (paths x (steps + 1)), for the preset test. */
typedef struct all_ls {
    size_t steps;
    double *ls;
} all_ls;

static void all_ls_step(void *ctx, const vr_sim_block *b, size_t step)
{
    all_ls *a = ctx;
    for (size_t i = 0; i < b->n; i++)
        a->ls[(b->path0 + i) * (a->steps + 1) + step] = b->log_s[i];
}

/* A preset's days are the real days: each path's SPX moves by the preset's real daily return from
 * the previous day's close, and over the preset by its real move (oct2008 from day 5: -30.0% on
 * every path, also with 2 steps a day). The return was added to the model's own day at crisis
 * variance: across 1,000 paths the "Lehman month" ended anywhere from -59.8% to +18.8%. A shock
 * given as spx_return stays a jump on top of the day's own move. */
static void test_preset_real_days(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("preset_days", dir, sizeof dir), 0);
    for (int spd = 1; spd <= 2; spd++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "simulation: {paths: 200, horizon_days: 30, steps_per_day: %d, seed: 9}\n"
                 "scenarios:\n"
                 "  - name: a\n"
                 "    model: {type: svcj, spot: 5000, rate: 0.03, v0: 0.03,\n"
                 "            physical: {kappa: 3, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8, mu_v: 0.04,\n"
                 "                       mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}}\n"
                 "    shocks: [{day: 5, preset: oct2008}, {day: 28, spx_return: -0.1}]\n"
                 "policies:\n  - name: p\n", spd);
        const char *cfg = vr_test_write(dir, "preset.yaml", text);
        vr_run_cfg rc;
        vr_err err = {VR_OK, ""};
        if (vr_run_load(cfg, &rc, &err) != VR_OK)
            fail_msg("%s", err.msg);
        const vr_scenario *sc = &rc.spec.scen[0];
        assert_int_equal(sc->nshocks, 21 + 1); /* the preset's 21 days, then the jump */
        const vr_sim_spec sim = vr_eval_sim_spec(&rc.spec, 0);
        all_ls a = {sim.steps, calloc(200 * (sim.steps + 1), sizeof(double))};
        assert_non_null(a.ls);
        const vr_sim_observer obs = {&a, all_ls_step, NULL};
        assert_int_equal(vr_sim_run(&sim, &obs, &err), VR_OK);
        double real = 0, worst = 0, lo = INFINITY, hi = -INFINITY, jump_own = 0;
        for (int k = 0; k < 21; k++)
            real += log1p(sc->shocks[k].spx_return);
        for (size_t p = 0; p < 200; p++) {
            const double *l = &a.ls[p * (sim.steps + 1)];
            for (int k = 0; k < 21; k++) { /* day 5 + k from day 4 + k's close */
                const vr_shock *q = &sc->shocks[k];
                assert_true(q->replace && q->step == (size_t)(5 + k) * (size_t)spd);
                worst = fmax(worst, fabs((l[q->step] - l[q->step - (size_t)spd]) - log1p(q->spx_return)));
            }
            const double move = l[25 * spd] - l[4 * spd];
            lo = fmin(lo, move);
            hi = fmax(hi, move);
            /* the spx_return of day 28 is added to the day's own move: the day moves by more than it */
            const vr_shock *j = &sc->shocks[21];
            assert_false(j->replace);
            jump_own += fabs((l[28 * spd] - l[27 * spd]) - log1p(-0.1)) > 1e-6;
        }
        printf("oct2008 from day 5, %d step(s) a day: real move %.4f; paths %.4f..%.4f (worst day %.1e); "
               "%.0f of 200 paths' day 28 moved besides the -10%% jump\n",
               spd, expm1(real), expm1(lo), expm1(hi), worst, jump_own);
        assert_true(worst < 1e-12);
        assert_true(fabs(lo - real) < 1e-11 && fabs(hi - real) < 1e-11);
        assert_true(jump_own > 190);
        free(a.ls);
        vr_run_cfg_free(&rc);
    }
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* `vixrisk run` on config text `cfg` written as DIR/NAME.yaml, to DIR/NAME.h5 (its path in h5);
 * the output in out; the run must succeed. */
static void run_handmade(const char *dir, const char *name, const char *cfg, const char *flags,
                         char *out, size_t outsz, char *h5, size_t h5sz)
{
    char fname[64], cfgpath[600], args[1400];
    snprintf(fname, sizeof fname, "%s.yaml", name);
    snprintf(cfgpath, sizeof cfgpath, "%s", vr_test_write(dir, fname, cfg));
    snprintf(h5, h5sz, "%s/%s.h5", dir, name);
    snprintf(args, sizeof args, "run %s -o %s %s", cfgpath, h5, flags);
    const int rc = vr_test_cli(args, out, outsz);
    printf("%s", out);
    assert_int_equal(rc, 0);
}

/* `vixrisk report` of run file h5 into DIR/NAME.md, its text (the caller frees it). */
static char *report_md(const char *dir, const char *h5, const char *name)
{
    char args[1400], md[700], out[4096];
    snprintf(md, sizeof md, "%s/%s.md", dir, name);
    snprintf(args, sizeof args, "report %s -o %s", h5, md);
    assert_int_equal(vr_test_cli(args, out, sizeof out), 0);
    char *text = vr_test_slurp(md);
    assert_non_null(text);
    return text;
}

/* A hand-made data directory: 30 weekdays from 2021-01-04, SPX flat at 4000, the VIX at `calm`
 * except on days 10-19 (`spike`). */
static void write_handmade(const char *dir, double calm, double spike)
{
    char spx[4096] = "date,open,high,low,close\n", vix[4096] = "date,open,high,low,close\n";
    int day = 0;
    for (int d = 4; day < 30; d++) {
        const int dd = d > 31 ? d - 31 : d, mm = d > 31 ? 2 : 1;
        if ((d - 4) % 7 >= 5) /* 2021-01-04 was a Monday */
            continue;
        char line[128];
        snprintf(line, sizeof line, "2021-%02d-%02d,,,,4000.00\n", mm, dd);
        strcat(spx, line);
        snprintf(line, sizeof line, "2021-%02d-%02d,,,,%.2f\n", mm, dd,
                 (day >= 10 && day < 20) ? spike : calm);
        strcat(vix, line);
        day++;
    }
    assert_non_null(vr_test_write(dir, "spx_daily.csv", spx));
    assert_non_null(vr_test_write(dir, "vix_daily.csv", vix));
}

/* Replay of a tiny hand-made history: SPX flat at 4000, VIX 18 except 35 on days 10-19. One layer
 * buys 5 calls when VIX >= 30 and sells when it is back below 25. Expected by hand: the condor
 * opens on day 0 and is held (no rules), the layer acts once, on day 10, paying 5 x (call price +
 * 0.05 half-spread) x $100 + 5 x $0.65, discounted 10 days; it sells on day 20. */
static void test_replay_handmade(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("replay", dir, sizeof dir), 0);
    write_handmade(dir, 18.0, 35.0);
    char cfg[4096];
    snprintf(cfg, sizeof cfg,
             "simulation: {paths: 10, seed: 1}\n"
             "scenarios:\n"
             "  - name: hand\n"
             "    type: history\n"
             "    data: %s\n"
             "    window: {from: 2021-01-04, to: 2021-02-12}\n"
             "    model: {type: heston, spot: 4000, rate: 0.03, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
             "condor: {contracts: 10, dte: 45, profit_take: 0, stop_loss: 0, exit_dte: 0, commission: 0.65, half_spread: 0.1, vix_half_spread: 0.05}\n"
             "policies:\n"
             "  - name: p\n"
             "    layers:\n"
             "      - name: spike\n"
             "        trigger: {vix_level: 30}\n"
             "        action: {type: vix_call, strike_pct: 1.1, dte: 30, size: {by: contracts, value: 5}}\n"
             "        exit: {vix_below: 25}\n", dir);
    char out[8192], h5[600];
    run_handmade(dir, "hand", cfg, "--quiet", out, sizeof out, h5, sizeof h5);
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    double *a = NULL;
    size_t n = 0;
    assert_int_equal(vr_h5_read_f64(r, "/hand/p/hedge_cost", &a, &n, &err), VR_OK);
    assert_int_equal(n, 1);
    /* the expected premium from the same marks: v backed out of VIX 35, strike 110% of the future */
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 4000, .rate = 0.03, .v0 = 0.04,
                  .physical = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7}};
    m.pricing = m.physical;
    vr_pricing *mk = NULL;
    assert_int_equal(vr_pricing_build(&m, 50.0 / 365, &mk, &err), VR_OK);
    const vr_vix_coef c = vr_vix_coef_make(VR_MODEL_HESTON, &m.pricing, VR_VIX_TAU_30D);
    const double v = (0.35 * 0.35 - c.a) / c.b;
    const double tau = 21.0 / 252; /* 30 DTE = round(30 x 252/365) = 21 trading days */
    const vr_state st = {0, 4000, {v, 0}};
    const vr_instrument f = {VR_INST_VIX_FUTURE, 0, 0, tau};
    const double fut = vr_pricing_mark(mk, &f, &st, 0).price;
    const double k = floor(fut * 1.1 + 0.5);
    const vr_instrument call = {VR_INST_VIX_OPTION, 1, k, tau};
    const double price = vr_pricing_mark(mk, &call, &st, 0).price;
    const double want = exp(-0.03 * 10 / 252.0) * (5 * (price + 0.05) * 100 + 5 * 0.65);
    printf("hand-made replay: hedge cost %.4f, by hand %.4f (K %g, call %.4f)\n", a[0], want, k, price);
    assert_true(fabs(a[0] - want) < 1e-6 * want);
    free(a);
    /* back below 25 on day 20 the 36-strike call is worth less than the half-spread plus
     * commission: it is abandoned, proceeds exactly 0 (never negative) */
    assert_int_equal(vr_h5_read_f64(r, "/hand/p/hedge_proceeds", &a, &n, &err), VR_OK);
    assert_true(a[0] == 0.0);
    free(a);
    assert_int_equal(vr_h5_read_f64(r, "/hand/p/layers/spike/first_day", &a, &n, &err), VR_OK);
    assert_true(a[0] == 10.0);
    free(a);
    assert_int_equal(vr_h5_read_f64(r, "/hand/p/layers/spike/activations", &a, &n, &err), VR_OK);
    assert_true(a[0] == 1.0);
    free(a);
    assert_int_equal(vr_h5_read_f64(r, "/hand/p/trades", &a, &n, &err), VR_OK);
    assert_true(a[0] == 1.0); /* the condor opened on day 0 and was held */
    free(a);
    vr_h5_close(r);
    vr_pricing_destroy(mk);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A replay whose VIX closes sit below the model's floor (Heston, kappa 10, theta 0.04: the 30-day
 * VIX cannot go below 11.28): the state sits at the floor, but the market view shows the closes,
 * so a +37.5% move from 8 to 11 fires a 25%-in-5-days trigger on day 10 (at the floor it was a 0%
 * move and nothing fired). The run file counts the days (vix_floor_days) and the sampled VIX is
 * the close. */
static void test_replay_below_floor(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("floor", dir, sizeof dir), 0);
    write_handmade(dir, 8.0, 11.0);
    char cfg[4096];
    snprintf(cfg, sizeof cfg,
             "simulation: {paths: 10, seed: 1}\n"
             "scenarios:\n"
             "  - name: calm\n"
             "    type: history\n"
             "    data: %s\n"
             "    window: {from: 2021-01-04, to: 2021-02-12}\n"
             "    model: {type: heston, spot: 4000, rate: 0.03, v0: 0.04, physical: {kappa: 10, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
             "condor: {contracts: 1, dte: 45}\n"
             "policies:\n"
             "  - name: p\n"
             "    layers:\n"
             "      - name: jump\n"
             "        trigger: {vix_change: {days: 5, pct: 25}}\n"
             "        action: {type: vix_call, strike_pct: 1.1, dte: 30, size: {by: contracts, value: 1}}\n", dir);
    char out[8192], h5[600];
    run_handmade(dir, "floor", cfg, "", out, sizeof out, h5, sizeof h5);
    assert_non_null(strstr(out, "below the model's floor of 11.28 on 30 of the window's 30 days"));
    /* no console line ends in blanks (the replay's attribution header ended in 70) */
    assert_non_null(strstr(out, "attribution by layer"));
    assert_null(strstr(out, " \n"));
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    int64_t nfloor = -1;
    assert_int_equal(vr_h5_read_attr_int64(r, "/calm", "vix_floor_days", &nfloor, &err), VR_OK);
    assert_int_equal(nfloor, 30);
    double *a = NULL;
    size_t n = 0;
    assert_int_equal(vr_h5_read_f64(r, "/calm/p/layers/jump/first_day", &a, &n, &err), VR_OK);
    assert_true(a[0] == 10.0);
    free(a);
    assert_int_equal(vr_h5_read_f64(r, "/calm/sample_paths/vix", &a, &n, &err), VR_OK);
    assert_int_equal(n, 30);
    for (size_t k = 0; k < n; k++)
        assert_true(fabs(a[k] - ((k >= 10 && k < 20) ? 11.0 : 8.0)) < 1e-5);
    free(a);
    vr_h5_close(r);
    /* the report starts the replay from the close the triggers saw, the model's state after it
     * (it read "from VIX 11.28 (v0 0)"), and its one path as such ("Paths per scenario | 10") */
    char *text = report_md(dir, h5, "floor");
    assert_non_null(strstr(text, "from VIX 8.00 (the close; the model's state: VIX 11.28, its floor, v0 0)"));
    assert_non_null(strstr(text, "| Paths per scenario | 1 (every scenario a replay; simulation.paths 10) |"));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* One float64 dataset of a run file, read whole (the caller frees it). */
static double *read_dataset(const char *h5, const char *path, size_t *n)
{
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    double *a = NULL;
    assert_int_equal(vr_h5_read_f64(r, path, &a, n, &err), VR_OK);
    vr_h5_close(r);
    return a;
}

/* A bootstrap path's VIX below the model's floor (the same Heston: 11.28) is shown as such. The
 * hand-made history's VIX changes are 0, +37.5% (8 -> 11) and -27.3% (11 -> 8), so a path's VIX,
 * which moves by the drawn days' changes from the model's VIX at v0 (20.0), steps by exactly
 * those ratios and wanders below 11.28. Before, the market view showed the state's VIX there,
 * held at the floor: a ratio of 11.28 / 14.5 and the like, and no value below 11.28. */
static void test_bootstrap_below_floor(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("bfloor", dir, sizeof dir), 0);
    write_handmade(dir, 8.0, 11.0);
    char cfg[4096];
    snprintf(cfg, sizeof cfg,
             "simulation: {paths: 20, seed: 3, horizon_days: 60, sample_paths: 20}\n"
             "scenarios:\n"
             "  - name: boot\n"
             "    type: bootstrap\n"
             "    data: %s\n"
             "    window: {from: 2021-01-04, to: 2021-02-12}\n"
             "    block_mean: 5\n"
             "    model: {type: heston, spot: 4000, rate: 0.03, v0: 0.04, physical: {kappa: 10, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
             "condor: {contracts: 1, dte: 45}\n"
             "policies:\n"
             "  - name: p\n", dir);
    char out[8192], h5[600];
    run_handmade(dir, "bfloor", cfg, "--quiet", out, sizeof out, h5, sizeof h5);
    size_t n = 0;
    double *a = read_dataset(h5, "/boot/sample_paths/vix", &n);
    assert_int_equal(n, 20 * 61);
    size_t below = 0, moves = 0;
    for (size_t p = 0; p < 20; p++)
        for (size_t k = 0; k < 61; k++) {
            const double x = a[p * 61 + k];
            below += x < 11.2;
            if (k == 0) {
                assert_true(fabs(x - 20.0) < 0.05); /* 100 sqrt(v0 b + a) = 20.0 at v0 = theta */
                continue;
            }
            const double q = x / a[p * 61 + k - 1];
            const int one = fabs(q - 1) < 1e-6, up = fabs(q - 11.0 / 8) < 1e-6,
                      down = fabs(q - 8.0 / 11) < 1e-6;
            if (!(one || up || down))
                printf("path %zu day %zu: VIX %.4f after %.4f\n", p, k, x, a[p * 61 + k - 1]);
            assert_true(one || up || down);
            moves += !one;
        }
    printf("bootstrap below the floor: %zu of %d path-days below 11.2, %zu moves\n", below, 20 * 61,
           moves);
    assert_true(below > 100 && moves > 20);
    free(a);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A shock reaches the VIX it asks down to the model's floor, and says where it could not. On the
 * calibrated svcj2 a vix_level of 12 left the paths whose m alone gives more (about a quarter) above
 * it, up to 14.6, with nothing to tell: the shock moved v and kept m; now m is lowered where the
 * VIX needs it, as on a replay's day of VIX alone, and every path is at 12. A vix_change of -5 from
 * VIX 20 on a Heston whose pricing floor is 18.74 leaves every path at the floor: the run notes
 * it, and the run file (vix_floor_path_days) and its report count the path-days. */
static void test_shock_reach_and_floor(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("shockfloor", dir, sizeof dir), 0);
    char cfg[4096];
    snprintf(cfg, sizeof cfg,
             "simulation: {paths: 64, seed: 7, horizon_days: 12, sample_paths: 64}\n"
             "scenarios:\n"
             "  - {name: lvl12, model: '%s/configs/models/svcj2_cal.yaml', shocks: [{day: 10, vix_level: 12}]}\n"
             "  - name: c5\n"
             "    model: {type: heston, spot: 5000, rate: 0.03, v0: 0.04,\n"
             "            physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7},\n"
             "            pricing: {kappa: 100, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
             "    shocks: [{day: 2, vix_change: -5}]\n"
             "policies:\n  - name: unhedged\n",
             VIXRISK_SOURCE_DIR);
    char out[16384], h5[600];
    run_handmade(dir, "shockfloor", cfg, "--quiet", out, sizeof out, h5, sizeof h5);
    assert_non_null(strstr(out, "note: c5: a shock asked for a VIX below the model's floor of 18.74 on 64 path-days"));
    assert_null(strstr(out, "note: lvl12"));
    size_t n = 0;
    double *a = read_dataset(h5, "/lvl12/sample_paths/vix", &n);
    assert_int_equal(n, 64 * 13);
    int off = 0;
    for (size_t p = 0; p < 64; p++)
        off += fabs(a[p * 13 + 10] - 12) > 1e-4;
    free(a);
    a = read_dataset(h5, "/c5/sample_paths/vix", &n);
    int at_floor = 0; /* the floor, 100 sqrt(a): 18.74 (stored in single precision) */
    const double k = 100 * 30 / 365.0, fl = 100 * sqrt(0.04 * (1 - (1 - exp(-k)) / k));
    for (size_t p = 0; p < 64; p++)
        at_floor += fabs(a[p * 13 + 2] - fl) < 1e-4 * fl;
    free(a);
    printf("shocks: %d of 64 svcj2 paths not at VIX 12 on the shock day; %d of 64 Heston paths at the floor\n",
           off, at_floor);
    assert_int_equal(off, 0);
    assert_int_equal(at_floor, 64);
    char *text = report_md(dir, h5, "shockfloor");
    assert_non_null(strstr(text, "a shock asked for a VIX below the model's floor on 64 path-days"));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A bootstrap path's VIX compounds the drawn days' changes, so it can pass the window's highest
 * close, which alone sizes the VIX option tables: from 2008-11-20 (VIX 80.86, the window's top)
 * some paths pass the tables' top (VIX 96 for this set) and their VIX options are extrapolated
 * there. The run notes the path-days and the highest VIX, the run file counts them
 * (vix_top_path_days) and the report says so; nothing did (29 of 2,000 paths reached 109). */
static void test_bootstrap_above_top(void **state)
{
    (void)state;
    if (!have_hist)
        skip();
    char dir[128];
    assert_int_equal(vr_test_tmpdir("btop", dir, sizeof dir), 0);
    char cfg[4096];
    snprintf(cfg, sizeof cfg,
             "simulation: {paths: 300, horizon_days: 126, seed: 7, sample_paths: 0}\n"
             "scenarios:\n"
             "  - name: b\n"
             "    type: bootstrap\n"
             "    data: %s/../shared/data\n"
             "    window: {from: 2008-09-15, to: 2009-03-31}\n"
             "    block_mean: 10\n"
             "    start: {asof: 2008-11-20}\n"
             "    model: {type: svcj, spot: 5000, rate: 0.04, dividend: 0.013, v0: 0.02,\n"
             "            physical: {kappa: 3.0, theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8, mu_v: 0.04,\n"
             "                       mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6},\n"
             "            pricing: {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2, mu_v: 0.05,\n"
             "                      mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6}}\n"
             "policies:\n  - name: p\n", VIXRISK_SOURCE_DIR);
    char out[8192], h5[600];
    run_handmade(dir, "btop", cfg, "--quiet", out, sizeof out, h5, sizeof h5);
    const char *note = strstr(out, "note: b: the resampled VIX is above the top of the VIX option tables (VIX 96.0) on ");
    assert_non_null(note);
    long long n_note = -1;
    assert_int_equal(sscanf(note + strlen("note: b: the resampled VIX is above the top of the VIX option tables "
                                          "(VIX 96.0) on "), "%lld", &n_note), 1);
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    int64_t n = -1;
    assert_int_equal(vr_h5_read_attr_int64(r, "/b", "vix_top_path_days", &n, &err), VR_OK);
    vr_h5_close(r);
    printf("bootstrap above the tables' top: %lld path-days\n", (long long)n);
    assert_true(n > 0 && n == n_note);
    char *text = report_md(dir, h5, "btop");
    char want[128];
    snprintf(want, sizeof want, "a resampled VIX above the top of the VIX option tables on %lld path-days", (long long)n);
    assert_non_null(strstr(text, want));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* Block lengths of the bootstrap: a path continues to the next historical day with probability
 * 1 - 1/L (L = block_mean), recovered from the day indices of the returns it drew. */
static void test_bootstrap_block_length(void **state)
{
    (void)state;
    if (!have_hist)
        skip();
    size_t i0, i1;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_history_window(&hist, 0, 0, &i0, &i1, &err), VR_OK);
    const size_t P = 400, days = 126;
    const double L = 8;
    /* returns of the pool, sorted, to find a drawn day from its return */
    const size_t np = i1 - i0 - 1;
    typedef struct { double r; size_t j; } rj;
    rj *pool = malloc(np * sizeof *pool);
    for (size_t k = 0; k < np; k++) {
        pool[k].r = log(hist.spx[i0 + 1 + k] / hist.spx[i0 + k]);
        pool[k].j = i0 + 1 + k;
    }
    size_t cont = 0, trans = 0, ambiguous = 0;
    double *ls = calloc(days + 1, sizeof *ls);
    for (size_t p = 0; p < P; p++) {
        /* one path at a time through the public driver: capture path p's log S each day */
        cap c = {0, 0, NULL, NULL, ls, calloc(days + 1, 8)};
        vr_sim_spec s = {.type = VR_MODEL_SVCJ, .params = svcj, .spot = 5000, .rate = 0.04, .v0 = 0.02,
                         .horizon = days / 252.0, .steps = days, .paths = 1, .seed = 100 + p, .threads = 1,
                         .source = VR_SOURCE_BOOTSTRAP, .hist = &hist, .hist_i0 = i0, .hist_i1 = i1,
                         .block_mean = L, .vixc = vr_vix_coef_make(VR_MODEL_SVCJ, &svcj, VR_VIX_TAU_30D)};
        c.step = (size_t)-1;
        const vr_sim_observer obs = {&c, on_step, NULL};
        assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
        size_t prev = 0;
        for (size_t k = 1; k <= days; k++) {
            const double r = ls[k] - ls[k - 1];
            size_t hit = 0, nh = 0;
            for (size_t q = 0; q < np; q++)
                if (fabs(pool[q].r - r) < 1e-13) { hit = pool[q].j; nh++; }
            if (nh != 1) { ambiguous++; prev = 0; continue; }
            if (prev) { trans++; cont += hit == prev + 1; }
            prev = hit;
        }
        free(c.all_v);
    }
    const double f = (double)cont / trans, want = 1 - 1 / L, se = sqrt(want * (1 - want) / trans);
    printf("bootstrap continuation %.4f (want %.4f, se %.4f) over %zu transitions, %zu ambiguous days\n",
           f, want, se, trans, ambiguous);
    /* a new block may start at the next day by chance: at most +1/np, negligible */
    assert_true(fabs(f - want) < 5 * se);
    free(pool);
    free(ls);
}

/* Bootstrap paths of a two-factor model carry the term structure of the days they draw: on a day
 * with a VIX3M close, the path's model VIX3M / VIX is that day's VIX3M / VIX (where both factors
 * come out positive), the path's VIX moves by the day's VIX change, and on a day without one m is
 * kept (or lowered with v at 0). The drawn day is found from the path's SPX return (unique
 * returns only). Before, m stayed at m0 on every path and the model's own VIX3M/VIX stood in. */
typedef struct cap2 {
    size_t P, days;
    double *ls, *v, *m; /* [path * (days + 1) + step] */
} cap2;

static void on_step2(void *ctx, const vr_sim_block *b, size_t step)
{
    cap2 *c = ctx;
    for (size_t i = 0; i < b->n; i++) {
        const size_t at = (b->path0 + i) * (c->days + 1) + step;
        c->ls[at] = b->log_s[i];
        c->v[at] = b->x[0][i];
        c->m[at] = b->x[1][i];
    }
}

static void test_bootstrap_two_factor(void **state)
{
    (void)state;
    if (!have_hist)
        skip();
    size_t i0, i1;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_history_window(&hist, 0, 0, &i0, &i1, &err), VR_OK);
    const size_t P = 200, days = 126, N = P * (days + 1);
    const vr_svcj2_params q = {.kappa_v = 5.0, .kappa_m = 0.4, .theta = 0.032, .sigma_v = 0.8,
                               .sigma_m = 0.09, .rho = -0.75, .lambda0 = 0.5, .lambda1 = 18.0,
                               .mu_v = 0.07, .mu_s = -0.03, .sigma_s = 0.04, .rho_j = -0.6};
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    vr_sv_params par;
    memset(&par, 0, sizeof par);
    par.s2 = q;
    const vr_vix_coef c30 = ops->vix_coef(&par, VR_VIX_TAU_30D), c93 = ops->vix_coef(&par, VR_VIX_TAU_93D);
    cap2 c1 = {P, days, malloc(N * 8), malloc(N * 8), malloc(N * 8)};
    cap2 c2 = {P, days, malloc(N * 8), malloc(N * 8), malloc(N * 8)};
    vr_sim_spec s = {.type = VR_MODEL_SVCJ2, .params = par, .spot = 5000, .rate = 0.04, .v0 = 0.02,
                     .m0 = 0.03, .horizon = days / 252.0, .steps = days, .paths = P, .seed = 5,
                     .threads = 1, .source = VR_SOURCE_BOOTSTRAP, .hist = &hist, .hist_i0 = i0,
                     .hist_i1 = i1, .block_mean = 10, .vixc = c30, .vixc3m = c93};
    vr_sim_observer obs = {&c1, on_step2, NULL};
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    s.threads = 2;
    obs.ctx = &c2;
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    assert_memory_equal(c1.v, c2.v, N * 8);
    assert_memory_equal(c1.m, c2.m, N * 8);
    size_t exact = 0, with3m = 0, without = 0, kept = 0, ident = 0, mmoved = 0;
    double worst_ratio = 0, worst_move = 0;
    for (size_t p = 0; p < P; p++) {
        for (size_t k = 1; k <= days; k++) {
            const size_t at = p * (days + 1) + k;
            const double r = c1.ls[at] - c1.ls[at - 1];
            size_t d = 0, nh = 0;
            for (size_t j = i0 + 1; j < i1 && nh < 2; j++)
                if (fabs(log(hist.spx[j] / hist.spx[j - 1]) - r) < 1e-13) { d = j; nh++; }
            if (nh != 1)
                continue;
            ident++;
            const double x[2] = {c1.v[at], c1.m[at]}, xp[2] = {c1.v[at - 1], c1.m[at - 1]};
            mmoved += x[1] != 0.03;
            const double vix = vr_vix_level_x(&c30, x, 2), vixp = vr_vix_level_x(&c30, xp, 2);
            /* the path's VIX moves by the day's change (above the floor: no factor pinned at 0) */
            if (x[0] > 0 && xp[0] > 0)
                worst_move = fmax(worst_move, fabs(log(vix / vixp) - log(hist.vix[d] / hist.vix[d - 1])));
            if (hist.vix3m && hist.vix3m[d] > 0) {
                with3m++;
                if (x[0] > 0 && x[1] > 0) {
                    exact++;
                    const double got = vr_vix_level_x(&c93, x, 2) / vix;
                    worst_ratio = fmax(worst_ratio, fabs(got / (hist.vix3m[d] / hist.vix[d]) - 1));
                }
            } else {
                without++;
                kept += x[1] == xp[1] || (x[0] == 0 && x[1] < xp[1]);
            }
        }
    }
    printf("two-factor bootstrap: %zu of %zu path-days identified; %zu with VIX3M (%zu exact fits: "
           "max |ratio error| %.1e), %zu without (m kept on %zu); max |VIX move error| %.1e; m "
           "moved from m0 on %zu\n", ident, P * days, with3m, exact, worst_ratio, without, kept,
           worst_move, mmoved);
    assert_true(ident > P * days / 2);
    assert_true(exact > with3m / 2 && with3m > ident / 4 && without > ident / 10);
    assert_true(worst_ratio < 1e-9);
    assert_true(worst_move < 1e-9);
    assert_int_equal(kept, without);
    assert_true(mmoved > ident / 2);
    /* without the VIX3M coefficients m stays at m0 (the documented fallback) */
    memset(&s.vixc3m, 0, sizeof s.vixc3m);
    s.threads = 1;
    obs.ctx = &c2;
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    for (size_t i = 0; i < N; i++)
        assert_true(c2.m[i] == 0.03);
    free(c1.ls); free(c1.v); free(c1.m); free(c2.ls); free(c2.v); free(c2.m);
}

/* A malformed history file: the run stops before anything runs, naming file and line; exit 2. */
static void test_malformed_csv(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("csv", dir, sizeof dir), 0);
    static const struct { const char *spx, *want; } bad[] = {
        {"date,open,high,low,close\n2021-01-04,,,,4000\n2021-13-05,,,,4001\n", "spx_daily.csv:3"},
        {"date,open,high,low,close\n2021-01-05,,,,4000\n2021-01-04,,,,4001\n", "spx_daily.csv:3"},
        {"date,open,high,low,close\n2021-01-04,,,,4000\n2021-01-05,,,,abc\n", "spx_daily.csv:3"},
        {"date,open\n2021-01-04,4000\n2021-01-05,4001\n", "spx_daily.csv"}, /* no close column */
    };
    const char *vix = "date,open,high,low,close\n2021-01-04,,,,20\n2021-01-05,,,,21\n";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_non_null(vr_test_write(dir, "spx_daily.csv", bad[i].spx));
        assert_non_null(vr_test_write(dir, "vix_daily.csv", vix));
        char cfg[1024];
        snprintf(cfg, sizeof cfg,
                 "simulation: {paths: 10}\nscenarios:\n  - name: h\n    type: history\n    data: %s\n"
                 "    window: {from: 2021-01-04, to: 2021-02-12}\n"
                 "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                 "policies:\n  - name: p\n", dir);
        const char *cf = vr_test_write(dir, "c.yaml", cfg);
        char args[700], out[4096];
        snprintf(args, sizeof args, "check %s", cf);
        const int rc = vr_test_cli(args, out, sizeof out);
        printf("rc %d: %s", rc, out);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(out, bad[i].want));
    }
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_replay),
        cmocka_unit_test(test_bootstrap),
        cmocka_unit_test(test_shock),
        cmocka_unit_test(test_shock_reach_and_floor),
        cmocka_unit_test(test_stress_config_errors),
        cmocka_unit_test(test_preset_cut_warns),
        cmocka_unit_test(test_preset_real_days),
        cmocka_unit_test(test_replay_handmade),
        cmocka_unit_test(test_replay_below_floor),
        cmocka_unit_test(test_bootstrap_below_floor),
        cmocka_unit_test(test_malformed_csv),
        cmocka_unit_test(test_bootstrap_block_length),
        cmocka_unit_test(test_bootstrap_above_top),
        cmocka_unit_test(test_bootstrap_two_factor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
