/* test_svcj2_coarse.c: svcj2 paths whose time step is too coarse for their state-dependent jumps.
 * The step's jumps land at its end with its start's intensity, so E[v'] = (e^{-kappa_v dt} +
 * lambda1 mu_v dt) v + ...: with lambda1 mu_v dt at or above 1 - e^{-kappa_v dt} the simulated v
 * grows geometrically (E[v] 353 after 5 years of quarterly steps on this set, whose model mean is
 * about 0.45), although the model itself is stationary (kappa_v > lambda1 mu_v). Such a step is
 * refused with a message naming both sides (exit 2 from `price`); daily steps of the same set
 * price as before. */
#include <stdio.h>

#include "vr_test_util.h"

static const char model[] =
    "model:\n  type: svcj2\n  spot: 100\n  v0: 0.04\n  m0: 0.04\n"
    "  physical: {kappa_v: 7.17, kappa_m: 1.0, theta: 0.04, sigma_v: 0.5, sigma_m: 0.3, rho: -0.7,"
    " lambda0: 0.5, lambda1: 84, mu_v: 0.0765, mu_s: -0.02, sigma_s: 0.03, rho_j: -0.5}\n"
    "  pricing: {kappa_v: 7.17, kappa_m: 1.0, theta: 0.04, sigma_v: 0.5, sigma_m: 0.3, rho: -0.7,"
    " lambda0: 0.5, lambda1: 84, mu_v: 0.0765, mu_s: -0.02, sigma_s: 0.03, rho_j: -0.5}\n";

static void test_coarse_step_refused(void **state)
{
    (void)state;
    char dir[128], args[1024], out[8192];
    assert_int_equal(vr_test_tmpdir("coarse", dir, sizeof dir), 0);
    const char *m = vr_test_write(dir, "m.yaml", model);
    /* quarterly: lambda1 mu_v dt = 1.61 against 1 - e^{-7.17/4} = 0.83 */
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 5 --steps-per-year 4 --paths 2000", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "lambda1 * mu_v * dt (1.6065) must be below 1 - exp(-kappa_v * dt) (0.833457)",
                       "use more steps per year", NULL);
    /* 12 a year: 0.536 against 0.450, still refused; 52 a year: 0.124 against 0.129, simulated */
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --steps-per-year 12 --paths 2000", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "must be below 1 - exp(-kappa_v * dt)", NULL);
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --steps-per-year 52 --paths 2000 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "monte carlo", NULL);
    /* a run config: refused when loaded (so by check), at the key the bound is on; daily steps
     * with kappa_v 100, lambda1 9000, mu_v 0.011: 0.393 against 1 - e^{-100/252} = 0.328 */
    const char *run = vr_test_write(dir, "run.yaml",
        "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model:\n      type: svcj2\n"
        "      spot: 5000\n      v0: 0.04\n      m0: 0.04\n"
        "      physical: {kappa_v: 100, kappa_m: 1, theta: 0.04, sigma_v: 0.5, sigma_m: 0.1, rho: -0.7,"
        " lambda0: 0, lambda1: 9000, mu_v: 0.011, mu_s: -0.05, sigma_s: 0.02, rho_j: 0}\n"
        "policies:\n  - name: p\n");
    snprintf(args, sizeof args, "check %s", run);
    vr_test_cli_expect(args, 2, out, sizeof out, "scenarios[0].model.physical.lambda1",
                       "must be below 1 - exp(-kappa_v * dt)", NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_coarse_step_refused)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
