/* test_sweep_roll.c: a sweep of condor.roll_to_delta is held to the rule of the same key in a file.
 *
 * A policy's condor.roll_to_delta while its roll_delta is 0 is refused at load (it would change
 * nothing: the condor does not roll). The sweep of that key on such a policy expanded into copies
 * identical to the policy, each run and reported as if the value mattered; it is now refused at
 * sweep[w].key, and a sweep on a condor that rolls still expands with the values applied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("sweep_roll", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define HEAD                                                                                          \
    "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 5000, v0: 0.04, " \
    "physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n"

static void test_sweep_roll_to_delta_without_roll(void **state)
{
    (void)state;
    const char *f = vr_test_write(dir, "noroll.yaml",
                                  HEAD "  - name: p\nsweep:\n  - {policy: p, key: condor.roll_to_delta, values: [0.1, 0.2]}\n");
    assert_non_null(f);
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(f, &c, &err);
    printf("  %s\n", err.msg);
    assert_int_equal(st, VR_ECONFIG);
    assert_non_null(strstr(err.msg, ":8: sweep[0].key"));
    assert_non_null(strstr(err.msg, "does not roll its condor"));
}

static void test_sweep_roll_to_delta_with_roll(void **state)
{
    (void)state;
    const char *f = vr_test_write(dir, "roll.yaml",
                                  HEAD "  - name: p\n    condor: {roll_delta: 0.3}\nsweep:\n"
                                       "  - {policy: p, key: condor.roll_to_delta, values: [0.1, 0.2]}\n");
    assert_non_null(f);
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(f, &c, &err);
    if (st != VR_OK)
        printf("  unexpected: %s\n", err.msg);
    assert_int_equal(st, VR_OK);
    assert_int_equal(c.spec.npol, 3);
    assert_true(c.spec.pol[1].condor.roll_to_delta == 0.1);
    assert_true(c.spec.pol[2].condor.roll_to_delta == 0.2);
    assert_true(c.spec.pol[2].condor.roll_delta == 0.3);
    vr_run_cfg_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_roll_to_delta_without_roll),
        cmocka_unit_test(test_sweep_roll_to_delta_with_roll),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
