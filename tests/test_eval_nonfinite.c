/* test_eval_nonfinite.c: a path whose P&L comes out non-finite (a numerical failure of the model's
 * paths or marks) stops `vixrisk run` with an error that names the scenario, the policy and the
 * path, the same path at any thread count, and no run file is written.
 *
 * A kernel table whose QE step poisons lane 3 of every block stands in for such a failure (the QE
 * step at v = 0 with kappa dt < 2^-53 was one, until it took its limit: test_qe_zero_mean). Path
 * 3 is the first poisoned path (blocks of 16: lanes 3, 19, ...). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vk.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static void test_nonfinite_pnl_named(void **state)
{
    (void)state;
    char dir[128], h5[256];
    assert_int_equal(vr_test_tmpdir("evalnan", dir, sizeof dir), 0);
    const char *cfg_path = vr_test_write(dir, "nan.yaml",
        "simulation: {paths: 300, horizon_days: 20, seed: 3, block: 16}\n"
        "scenarios:\n"
        "  - name: flat\n"
        "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
        "policies:\n"
        "  - name: p\n");
    snprintf(h5, sizeof h5, "%s/nan.h5", dir);
    const vk_table *t = vr_test_poisoned_qe();
    for (int threads = 1; threads <= 2; threads++) {
        vr_run_cfg cfg;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_run_load(cfg_path, &cfg, &err), VR_OK);
        cfg.spec.kt = t;
        cfg.spec.threads = threads;
        vr_run_opts ro = {h5, 1, NULL, NULL};
        const vr_status st = vr_run_execute(&cfg, &ro, &err);
        printf("%d thread(s): %s\n", threads, err.msg);
        assert_int_equal(st, VR_ENUM);
        assert_non_null(strstr(err.msg, "scenario flat, policy p, path 3: the P&L or its drawdown is not finite"));
        assert_null(strstr(err.msg, "nan"));
        assert_int_equal(access(h5, F_OK), -1);
        vr_run_cfg_free(&cfg);
    }
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_nonfinite_pnl_named)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
