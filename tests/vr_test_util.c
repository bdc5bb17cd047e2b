/* vr_test_util.c: see vr_test_util.h. */
#include "vr_test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_term.h"
#include "vixrisk/vr_sim.h"

static int64_t ordered(double x)
{
    int64_t i;
    memcpy(&i, &x, sizeof i);
    return i < 0 ? INT64_MIN - i : i; /* monotone map of doubles onto integers */
}

uint64_t vr_ulp_diff(double a, double b)
{
    if (a == b)
        return 0;
    if (isnan(a) || isnan(b))
        return UINT64_MAX;
    const int64_t ia = ordered(a), ib = ordered(b);
    return ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
}

long vr_first_mismatch(const double *ref, const double *got, size_t n, uint64_t ulps,
                       double abs_tol, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        const uint64_t d = vr_ulp_diff(ref[i], got[i]);
        if (d > ulps && !(fabs(ref[i] - got[i]) <= abs_tol)) {
            fprintf(stderr, "%s: lane %zu differs: ref %.17g got %.17g (%llu ulp)\n", what, i,
                    ref[i], got[i], (unsigned long long)d);
            return (long)i;
        }
    }
    return -1;
}

int vr_run_capture(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t len = 0;
    if (out && cap) {
        len = fread(out, 1, cap - 1, p);
        out[len] = '\0';
    }
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    const int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int vr_test_cli(const char *args, char *out, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", VIXRISK_CLI, args);
    return vr_run_capture(cmd, out, cap);
}

void vr_test_cli_expect(const char *args, int want_rc, char *out, size_t cap, ...)
{
    const int rc = vr_test_cli(args, out, cap);
    int ok = rc == want_rc;
    va_list ap;
    va_start(ap, cap);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL;)
        if (strstr(out, want) == NULL) {
            fprintf(stderr, "vixrisk %s: output lacks '%s'\n", args, want);
            ok = 0;
        }
    va_end(ap);
    if (!ok)
        fprintf(stderr, "vixrisk %s: exit %d (want %d):\n%s\n", args, rc, want_rc, out);
    assert_int_equal(rc, want_rc);
    assert_true(ok);
}

int vr_test_have_data(void)
{
    return access(VR_TEST_DATA_DIR "/spx_daily.csv", R_OK) == 0 &&
           access(VR_TEST_DATA_DIR "/vix_daily.csv", R_OK) == 0 &&
           access(VR_TEST_DATA_DIR "/vix3m_daily.csv", R_OK) == 0;
}

int vr_test_tmpdir(const char *tag, char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/vixrisk-%s-XXXXXX", tag);
    return mkdtemp(dir) ? 0 : -1;
}

int vr_test_rmdir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int vr_test_run_file(const char *tag, const char *stem, const char *text, char *dir, size_t dir_cap, char *h5,
                     size_t h5_cap)
{
    char name[128], cfg[700], args[1600];
    static char buf[1 << 16];
    if (vr_test_tmpdir(tag, dir, dir_cap) != 0)
        return -1;
    snprintf(name, sizeof name, "%s.yaml", stem);
    const char *cp = vr_test_write(dir, name, text);
    if (cp == NULL)
        return -1;
    snprintf(cfg, sizeof cfg, "%s", cp);
    snprintf(h5, h5_cap, "%s/%s.h5", dir, stem);
    snprintf(args, sizeof args, "run '%s' -o '%s' --quiet --threads 2", cfg, h5);
    const int rc = vr_test_cli(args, buf, sizeof buf);
    if (rc != 0) {
        fprintf(stderr, "vixrisk run failed (%d): %s\n", rc, buf);
        return -1;
    }
    return 0;
}

const char *vr_test_write(const char *dir, const char *name, const char *text)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

const vk_table *need_isa(const char *name)
{
    const char *names[8];
    const int n = vk_isa_names(names, 8);
    int known = 0;
    for (int i = 0; i < n; i++)
        known |= strcmp(names[i], name) == 0;
    if (!known)
        fail_msg("need_isa: the library has no ISA named '%s'", name);
    const char *hide = getenv("VR_TEST_HIDE_ISA");
    if (hide != NULL && strcmp(hide, name) == 0) {
        print_message("%s: hidden by VR_TEST_HIDE_ISA: skipped\n", name);
        skip();
    }
    const vk_table *t = vk_select(name);
    if (t == NULL) {
        char why[256];
        print_message("%s: skipped\n", vk_select_error(name, why, sizeof why));
        skip();
    }
    return t;
}

const vk_table *default_isa(void)
{
    const vk_table *t = vk_select(NULL);
    if (t == NULL) {
        char why[256];
        fail_msg("%s", vk_select_error(NULL, why, sizeof why));
    }
    return t;
}

static vk_heston_qe_fn poison_real_qe;

static void poison_qe(const vk_heston_coef *c, const double *restrict zv, const double *restrict uv,
                      const double *restrict zs, double *restrict log_s, double *restrict var,
                      size_t n)
{
    poison_real_qe(c, zv, uv, zs, log_s, var, n);
    if (n > 3)
        var[3] = NAN;
}

static vk_heston_qe_draw_fn poison_real_qe_draw;

static void poison_qe_draw(const vk_heston_coef *c, uint64_t *restrict state,
                           const uint64_t *restrict inc, double *restrict log_s,
                           double *restrict var, size_t n)
{
    poison_real_qe_draw(c, state, inc, log_s, var, n);
    if (n > 3)
        var[3] = NAN;
}

/* The default table with both QE step slots (the step alone, and the step that draws its own
 * numbers, which the path driver calls) poisoning lane 3. */
const vk_table *vr_test_poisoned_qe(void)
{
    static vk_table t;
    const vk_table *base = default_isa();
    t = *base;
    poison_real_qe = base->heston_qe;
    t.heston_qe = poison_qe;
    poison_real_qe_draw = base->heston_qe_draw;
    t.heston_qe_draw = poison_qe_draw;
    return &t;
}

vr_sv_params vr_test_svcj2_recovery(void)
{
    vr_sv_params p;
    memset(&p, 0, sizeof p);
    p.s2 = (vr_svcj2_params){.kappa_v = 6.0, .kappa_m = 1.0, .theta = 0.04, .sigma_v = 0.5,
                             .sigma_m = 0.15, .rho = -0.7, .lambda0 = 0.5, .lambda1 = 20.0,
                             .mu_v = 0.12, .mu_s = -0.02, .sigma_s = 0.02, .rho_j = -0.3};
    return p;
}

int vr_test_bench_path(char *out, size_t cap)
{
    snprintf(out, cap, "%s", VIXRISK_CLI);
    char *slash = strrchr(out, '/');
    if (slash == NULL)
        return -1;
    snprintf(slash + 1, cap - (size_t)(slash + 1 - out), "vixrisk-bench");
    if (access(out, X_OK) != 0) {
        fprintf(stderr, "no %s (build the vixrisk-bench target)\n", out);
        return -1;
    }
    return 0;
}

vr_model vr_test_heston_model(double v0)
{
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = v0,
                  .physical = {.kappa = 2.5, .theta = 0.035, .sigma = 0.6, .rho = -0.75}};
    m.pricing = m.physical;
    return m;
}

int vr_test_heston_pricing(double v0, double t_max, vr_pricing **out)
{
    const vr_model m = vr_test_heston_model(v0);
    vr_err err = {VR_OK, ""};
    return vr_pricing_build(&m, t_max, out, &err) == VR_OK ? 0 : -1;
}

vr_policy vr_test_condor_policy(double costs)
{
    vr_policy p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "base");
    p.condor = (vr_condor_rules){.contracts = 10, .dte = 45, .short_delta = 0.16, .wing_width = 50,
                                 .profit_take = 0.5, .stop_loss = 2.0, .exit_dte = 21,
                                 .roll_delta = 0.30, .roll_to_delta = 0.16, .reentry_days = 1,
                                 .commission = costs * 0.65, .half_spread = costs * 0.05,
                                 .vix_half_spread = costs * 0.05};
    return p;
}

vr_layer vr_test_vix_layer(double level, double delta, double size)
{
    vr_layer l;
    memset(&l, 0, sizeof l);
    vr_trigger *t = &l.trigger;
    t->any = 1;
    t->vix_level = level;
    t->vix_change_days = t->vix_change_pct = t->vix_change_pts = NAN;
    t->rsi_days = t->rsi_level = t->term_ratio = t->dd_pct = t->condor_loss_pct = t->short_delta = NAN;
    t->confirm_days = 1;
    t->cooldown_days = 5;
    l.action = (vr_action){.kind = VR_ACTION_VIX_CALL, .delta = delta, .strike_pct = NAN, .dte = 30,
                           .size_by = VR_SIZE_PCT_CREDIT, .size = size, .stress_vix = 50};
    l.exit = (vr_exit){.profit_multiple = 3, .vix_above = NAN, .vix_below = NAN, .dte = 5,
                       .with_condor = 0};
    return l;
}

/* the observer of vr_test_sim_path0: path 0's ln S and factors at each step */
static void keep_path0(void *ctx, const vr_sim_block *b, size_t step)
{
    vr_test_path *o = ctx;
    if (b->path0 != 0)
        return;
    o->ls[step] = b->log_s[0];
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        if (o->x[j] != NULL)
            o->x[j][step] = b->x[j][0] > 0 ? b->x[j][0] : 0.0;
}

vr_test_path vr_test_sim_path0(vr_model_type t, const vr_sv_params *p, double v0, double m0,
                               double years, uint64_t seed)
{
    const size_t steps = (size_t)(years * 252);
    vr_test_path o = {steps + 1, malloc((steps + 1) * sizeof(double)), {NULL}};
    const int nf = vr_model_ops_get(t)->nfactors;
    for (int j = 0; j < nf; j++)
        o.x[j] = malloc((steps + 1) * sizeof(double));
    vr_sim_spec s;
    memset(&s, 0, sizeof s);
    s.type = t;
    s.params = *p;
    s.spot = 3000;
    s.rate = 0.03;
    s.v0 = v0;
    s.m0 = m0;
    s.horizon = (double)steps / 252.0;
    s.steps = steps;
    s.paths = 8;
    s.seed = seed;
    s.scheme = VR_SCHEME_QE;
    s.block = 8;
    s.threads = 1;
    const vr_sim_observer obs = {&o, keep_path0, NULL};
    vr_err err = {0};
    if (vr_sim_run(&s, &obs, &err) != VR_OK)
        print_error("vr_sim_run: %s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    return o;
}

void vr_test_path_free(vr_test_path *path)
{
    free(path->ls);
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        free(path->x[j]);
    memset(path, 0, sizeof *path);
}

void vr_test_within(const char *name, double est, double truth, double se, double nse)
{
    print_message("  %-8s true %9.5f  est %9.5f  se %8.5f  (%+.2f se, limit %g)\n", name, truth,
                  est, se, (est - truth) / se, nse);
    assert_true(se > 0 && isfinite(se));
    assert_true(fabs(est - truth) <= nse * se);
}

const vr_svcj2_params vr_test_svcj2_rare = {
    .kappa_v = 4.63025, .kappa_m = 0.33566, .theta = 0.299356, .sigma_v = 0.757984,
    .sigma_m = 0.630309, .rho = -0.537605, .lambda0 = 0.0209006, .lambda1 = 0.00702197,
    .mu_v = 2.09342, .mu_s = -0.00465549, .sigma_s = 0.0133095, .rho_j = -0.287597};

const double vr_test_svcj2_rare_states[3][2] = {{0.0283, 0.0011}, {0.1163, 0.0004}, {0.00645, 0.0335}};

vr_model vr_test_svcj2_model(const vr_svcj2_params *p, double v0, double m0)
{
    vr_model m;
    memset(&m, 0, sizeof m);
    m.type = VR_MODEL_SVCJ2;
    m.spot = 100;
    m.rate = 0.03;
    m.dividend = 0.01;
    m.v0 = v0;
    m.m0 = m0;
    m.physical.s2 = *p;
    m.pricing.s2 = *p;
    return m;
}

char *vr_test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
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

void vr_test_usd(char *buf, size_t cap, double x)
{
    const long long v = llround(x);
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

/* The run of test_attrib_owner.c and test_trade_owner.c (vr_test_util.h). */
const char vr_test_owner_cfg[] =
    "simulation: {paths: 100, horizon_days: 21, seed: 7, block: 64, sample_paths: 0, trade_log_paths: 100}\n"
    "scenarios:\n"
    "  - name: s\n"
    "    model: {type: svcj, spot: 5000, rate: 0.04, dividend: 0.013, v0: 0.03,\n"
    "            physical: {kappa: 3.0, theta: 0.022, sigma: 0.6, rho: -0.75, lambda: 2.0,\n"
    "                       mu_v: 0.05, mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}}\n"
    "condor: {contracts: 10, dte: 30, short_delta: 0.16, wing_width: 50, profit_take: 0, stop_loss: 0,\n"
    "         exit_dte: 0, reentry_days: 0, commission: 0.65, half_spread: 0.10, vix_half_spread: 0.05}\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: mixed\n"
    "    condor: {roll_delta: 0.35, roll_to_delta: 0.16}\n"
    "    layers:\n"
    "      - name: roll\n"
    "        trigger: {short_delta: 0.17, cooldown_days: 2}\n"
    "        action: {type: roll_tested, roll_to_delta: 0.12}\n"
    "      - name: calls\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: contracts, value: 6}}\n"
    "        exit: {partial: {multiple: 1.3, fraction: 0.5}}\n"
    "      - name: cspread\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call_spread, delta: 0.40, short_delta: 0.15, dte: 30, size: {by: contracts, value: 5}}\n"
    "      - name: pspread\n"
    "        trigger: {always: true}\n"
    "        action: {type: spx_put_spread, strike_pct: 0.75, short_strike_pct: 0.70, dte: 30,\n"
    "                 size: {by: contracts, value: 3}}\n"
    "      - name: fut\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_future, dte: 30, size: {by: contracts, value: 2}}\n"
    "  - name: hedges\n"
    "    layers:\n"
    "      - name: calls\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: contracts, value: 6}}\n"
    "        exit: {partial: {multiple: 1.3, fraction: 0.5}}\n"
    "      - name: cspread\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call_spread, delta: 0.40, short_delta: 0.15, dte: 30, size: {by: contracts, value: 5}}\n"
    "      - name: fut\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_future, dte: 30, size: {by: contracts, value: 2}}\n"
    "  - name: stopped\n"
    "    condor: {profit_take: 0.3, stop_loss: 0.8, reentry_days: 252}\n"
    "    layers:\n"
    "      - name: roll\n"
    "        trigger: {short_delta: 0.22, cooldown_days: 1}\n"
    "        action: {type: roll_tested, roll_to_delta: 0.12}\n";

/* Synthetic market days generated by model `t` with pricing parameters `truth`: states spread
 * over v in [0.004, 0.16]; VIX, VIX9D, VIX3M, VIX6M from the index coefficients, four futures
 * at 3..90 days from vix_future, VVIX from vr_model_vvix_log. */
vr_pfit_day *vr_test_pfit_days(vr_model_type t, const vr_sv_params *truth, size_t n)
{
    const vr_model_ops *ops = vr_model_ops_get(t);
    vr_pfit_day *d = calloc(n, sizeof *d);
    const double taus[3] = {VR_VIX_TAU_9D, VR_VIX_TAU_93D, VR_VIX_TAU_6M};
    const vr_vix_coef c30 = ops->vix_coef(truth, VR_VIX_TAU_30D);
    for (size_t i = 0; i < n; i++) {
        const double x[2] = {0.004 * exp(log(40.0) * (double)((i * 37) % n) / (double)(n - 1)), 0};
        d[i].date = (int32_t)(20100101 + i);
        d[i].vix = vr_vix_level_x(&c30, x, 1);
        for (int j = 0; j < 3; j++) {
            const vr_vix_coef c = ops->vix_coef(truth, taus[j]);
            d[i].idx[j] = vr_vix_level_x(&c, x, 1);
        }
        d[i].nfut = 4;
        for (int k = 0; k < 4; k++) {
            d[i].fut_T[k] = (3.0 + 29.0 * k + (double)(i % 20)) / 365.0;
            vr_err e = {0};
            assert_int_equal(ops->vix_future(truth, x, d[i].fut_T[k], &d[i].fut[k], &e), VR_OK);
        }
        vr_err e = {0};
        assert_int_equal(vr_model_vvix_log(ops, truth, x, &d[i].vvix, &e), VR_OK);
        d[i].cm[0] = d[i].cm[1] = NAN;
    }
    return d;
}

vr_run_spec vr_test_main_job(vr_run_cfg *cfg, size_t paths, int days)
{
    return vr_test_job(VIXRISK_SOURCE_DIR "/configs/alvh.yaml", cfg, paths, days);
}

vr_run_spec vr_test_job(const char *path, vr_run_cfg *cfg, size_t paths, int days)
{
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_run_load(path, cfg, &err), VR_OK);
    vr_run_spec s = cfg->spec;
    s.paths = paths;
    s.horizon_days = days;
    s.threads = 1;
    s.sample_paths = 0;
    s.trade_log_paths = 0;
    s.nscen = 1;
    return s;
}

void vr_test_assert_out_equal(const vr_path_out *a, const vr_path_out *b, size_t n)
{
#define CMP(f, T, k) assert_memory_equal(a->f, b->f, n * (k) * sizeof(T));
    VR_PATH_OUT_FIELDS(CMP, a)
#undef CMP
}
