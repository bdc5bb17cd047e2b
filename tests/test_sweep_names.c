/* test_sweep_names.c: a swept policy's name tells its value apart, whatever the order of the
 * values. Names print the value as %g (six digits) and, where that name is taken, in as many
 * digits as tell it apart; a %g that is not the value itself (20.0000001 prints as 20) yields to
 * the value it reads as when that one is swept too. Before, values: [20.0000001, 20] named the
 * first "...=20" and refused the exact 20 as "a second policy named ... (a value given twice?)",
 * while [20, 20.0000001] was accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static char dir[256];

#define HEAD                                                                                        \
    "simulation: {paths: 10}\nscenarios:\n  - name: a\n    model: {type: heston, spot: 5000, "     \
    "v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n" \
    "    layers:\n      - trigger: {vix_level: 25}\n        action: {type: vix_call, delta: 0.25, "  \
    "dte: 30, size: {by: pct_of_credit, value: 0.1}}\nsweep:\n"

/* Load HEAD + sweeps; expect `n` swept policies named names[0..n) after p, or (n < 0) an error
 * containing `names[0]`. */
static void expect_names(const char *file, const char *sweeps, int n, const char *const *names)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", HEAD, sweeps);
    const char *path = vr_test_write(dir, file, text);
    assert_non_null(path);
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(path, &c, &err);
    if (n < 0) {
        printf("%s: %s\n", file, err.msg);
        assert_int_equal(st, VR_ECONFIG);
        assert_non_null(strstr(err.msg, names[0]));
        return;
    }
    if (st != VR_OK)
        printf("%s: %s\n", file, err.msg);
    assert_int_equal(st, VR_OK);
    assert_int_equal(c.spec.npol, 1 + n);
    for (int k = 0; k < n; k++) {
        printf("%s: %s\n", file, c.spec.pol[1 + k].name);
        assert_string_equal(c.spec.pol[1 + k].name, names[k]);
    }
    vr_run_cfg_free(&c);
}

#define K "p@layers_0_.trigger.vix_level="

static void test_value_order_does_not_refuse_a_value(void **state)
{
    (void)state;
    /* the exact value after one that prints as it: both load, each under its own digits */
    const char *a[] = {K "20.0000001", K "20"};
    expect_names("after.yaml", "  - {policy: p, key: \"layers[0].trigger.vix_level\", values: [20.0000001, 20]}\n", 2, a);
    /* the other order: as before */
    const char *b[] = {K "20", K "20.0000001"};
    expect_names("before.yaml", "  - {policy: p, key: \"layers[0].trigger.vix_level\", values: [20, 20.0000001]}\n", 2, b);
    /* the same across two sweep entries of the key */
    const char *c[] = {K "20.0000001", K "20"};
    expect_names("two.yaml",
                 "  - {policy: p, key: \"layers[0].trigger.vix_level\", values: [20.0000001]}\n"
                 "  - {policy: p, key: \"layers[0].trigger.vix_level\", values: [20]}\n", 2, c);
    /* neither exact: the first keeps %g (as names always were), the second is told apart */
    const char *d[] = {K "20", K "20.0000002"};
    expect_names("neither.yaml", "  - {policy: p, key: \"layers[0].trigger.vix_level\", values: [20.0000001, 20.0000002]}\n", 2, d);
    /* a value given twice is still an error at the second */
    const char *e[] = {"sweep[0].values[2]: makes a second policy named '" K "20.0000001'"};
    expect_names("twice.yaml", "  - {policy: p, key: \"layers[0].trigger.vix_level\", values: [20.0000001, 20, 20.0000001]}\n",
                 -1, e);
}

int main(void)
{
    if (vr_test_tmpdir("sweepnames", dir, sizeof dir) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_order_does_not_refuse_a_value),
    };
    const int rc = cmocka_run_group_tests(tests, NULL, NULL);
    vr_test_rmdir(dir);
    return rc;
}
