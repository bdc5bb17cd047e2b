/* vr_test_util.c: see vr_test_util.h. */
#include "vr_test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>

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
