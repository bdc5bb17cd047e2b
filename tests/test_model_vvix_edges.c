/* test_model_vvix_edges.c: the Cboe strip formula (vr_cboe_variance) and the model's VVIX
 * (vr_model_vvix, `vixrisk model`) at the edges of what the strip can hold:
 *  - a strip reduced to K0 alone (every other option below the tick): the zero-priced options
 *    dropped by the zero-bid rule add nothing to the sum, so the variance must be the same as with
 *    every strike kept (tick 0); for a VIX with no volatility (a deterministic forward) that is
 *    (F - K0)(h - (F - K0)) / (K0^2 T), not the 1/(K0^2 T)-sized value a double-width dK at K0
 *    gives;
 *  - a Heston model with vol of variance 1e-3 (the VIX all but deterministic): its VVIX is a
 *    fraction of a point, not 18;
 *  - a model whose VIX future lies outside the VIX option strike grid (1 to 500): the VVIX has no
 *    strip there, and the command must say so (exit 1, the term and the future named) instead of
 *    a misleading "no strike at or below the forward" with exit 2 or a "negative variance";
 *  - the command's stdout on a full device: exit 1, not 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_model_ops.h"
#include "vr_test_util.h"

/* Prices of a deterministic underlying at forward F: C = df (F - K)+, P = df (K - F)+. */
static void det_prices(const double *K, int n, double F, double T, double r, double *C, double *P)
{
    const double df = exp(-r * T);
    for (int i = 0; i < n; i++) {
        C[i] = df * fmax(F - K[i], 0.0);
        P[i] = df * fmax(K[i] - F, 0.0);
    }
}

static void test_single_strike_strip(void **state)
{
    (void)state;
    double K[256], C[256], P[256];
    const int n = vr_vix_strike_grid(K, 256);
    const double T = 27.0 / 365, r = 0.03;
    const double F[4] = {19.999997, 19.5, 19.02, 14.75};
    for (int k = 0; k < 4; k++) {
        det_prices(K, n, F[k], T, r, C, P);
        vr_cboe_term cut, all;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_cboe_variance(K, C, P, n, T, r, VR_CBOE_TICK, &cut, &err), VR_OK);
        assert_int_equal(vr_cboe_variance(K, C, P, n, T, r, 0.0, &all, &err), VR_OK);
        const double k0 = floor(F[k]), d = F[k] - k0;
        const double want = d * (1.0 - d) / (k0 * k0 * T); /* grid spacing 1 below 50 */
        printf("  deterministic F %.6f: %d strike(s) %.6g, all strikes %.6g, expected %.6g\n", F[k],
               cut.nused, cut.var, all.var, want);
        assert_int_equal(cut.nused, 1);
        assert_true(fabs(all.var - want) < 1e-9 * fmax(want, 1e-3));
        assert_true(fabs(cut.var - all.var) < 1e-9 * fmax(all.var, 1e-3));
    }
}

static const char *write_heston(const char *dir, const char *name, double v0, double theta,
                                double sigma)
{
    char text[512];
    snprintf(text, sizeof text,
             "model:\n  type: heston\n  spot: 100\n  rate: 0.03\n  dividend: 0.01\n  v0: %.17g\n"
             "  physical: {kappa: 2.0, theta: %.17g, sigma: %.17g, rho: -0.7}\n"
             "  pricing:  {kappa: 2.0, theta: %.17g, sigma: %.17g, rho: -0.7}\n",
             v0, theta, sigma, theta, sigma);
    return vr_test_write(dir, name, text);
}

/* vr_model_vvix of the model file at path, at its starting state */
static vr_status vvix_of(const char *path, vr_vvix *vv, vr_err *err)
{
    vr_model m;
    assert_int_equal(vr_model_load(path, &m, err), VR_OK);
    const vr_model_ops *ops = vr_model_ops_get(m.type);
    double x[VR_FACTORS_MAX] = {0};
    ops->state0(&m, x);
    return vr_model_vvix(ops, &m.pricing, x, m.rate, vv, err);
}

static void test_deterministic_vix_vvix(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("vvixedge", dir, sizeof dir), 0);
    const char *path = write_heston(dir, "flat.yaml", 0.04, 0.04, 1e-3);
    vr_err err = {VR_OK, ""};
    vr_vvix vv;
    assert_int_equal(vvix_of(path, &vv, &err), VR_OK);
    /* the VIX's own vol here: sigma b / (2 VIX^2/1e4) sqrt(v) ~ 1e-3 * 0.92 * 0.2 / 0.08 ~ 0.2%
     * a year; the strip on a 1-point grid adds its discretisation, (F-K0)(1-(F-K0))/(K0^2 T) */
    printf("  heston sigma 1e-3: VVIX %.4f (near %d strike(s), F %.6f; next %d, F %.6f)\n",
           vv.level, vv.near.nused, vv.near.fwd, vv.next.nused, vv.next.fwd);
    assert_true(vv.level < 1.0);
    vr_test_rmdir(dir);
}

static void test_future_outside_grid(void **state)
{
    (void)state;
    char dir[128], args[1200];
    static char out[8192];
    assert_int_equal(vr_test_tmpdir("vvixedge", dir, sizeof dir), 0);
    /* VIX future ~0.03: below the grid's first strike 1 */
    const char *low = write_heston(dir, "low.yaml", 0.0, 1e-6, 0.5);
    vr_err err = {VR_OK, ""};
    vr_vvix vv;
    assert_int_equal(vvix_of(low, &vv, &err), VR_ENUM);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "27 days"));
    assert_non_null(strstr(err.msg, "strike grid"));
    snprintf(args, sizeof args, "model '%s' --json", low);
    vr_test_cli_expect(args, 1, out, sizeof out, "VVIX", "future", "strike grid", NULL);
    /* a Bates model with price jumps of mean 5 in log: VIX ~ 1500, above the grid's last strike */
    const char *high = vr_test_write(
        dir, "high.yaml",
        "model:\n  type: bates\n  spot: 100\n  rate: 0.03\n  dividend: 0.01\n  v0: 0.04\n"
        "  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7, lambda: 0.8, mu_j: 5, sigma_j: 0.03}\n"
        "  pricing:  {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7, lambda: 0.8, mu_j: 5, sigma_j: 0.03}\n");
    snprintf(args, sizeof args, "model '%s'", high);
    vr_test_cli_expect(args, 1, out, sizeof out, "VVIX", "future", "strike grid", NULL);
    assert_null(strstr(out, "negative"));
    vr_test_rmdir(dir);
}

/* The command's output is its result: stdout on a full device is a failure (exit 1, said on
 * stderr), not exit 0 with nothing written. */
static void test_stdout_full(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0) {
        printf("  /dev/full not writable here: skipped\n");
        return;
    }
    static char out[8192];
    char cmd[2048];
    const char *model = VIXRISK_SOURCE_DIR "/configs/models/heston.yaml";
    for (int json = 0; json < 2; json++) {
        snprintf(cmd, sizeof cmd, "'%s' model '%s'%s 2>&1 >/dev/full", VIXRISK_CLI, model,
                 json ? " --json" : "");
        const int rc = vr_run_capture(cmd, out, sizeof out);
        printf("  %s: rc %d: %s", json ? "--json" : "text", rc, out);
        assert_int_equal(rc, 1);
        assert_non_null(strstr(out, "could not be written"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_strike_strip),
        cmocka_unit_test(test_deterministic_vix_vvix),
        cmocka_unit_test(test_future_outside_grid),
        cmocka_unit_test(test_stdout_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
