/* test_cli.c: the command line as a user meets it: help and usage exit codes, every documented
 * config error (exit 2 with file, line, key and the valid range), and --json output. Runs the
 * built binary (VIXRISK_CLI) on small model files written to a temporary directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("cli", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

static const char *write_file(const char *name, const char *text)
{
    const char *p = vr_test_write(dir, name, text);
    assert_non_null(p);
    return p;
}

/* Run vixrisk with args, stderr merged into the captured output. */
static int run(const char *args, char *out, size_t cap)
{
    return vr_test_cli(args, out, cap);
}

static const char *good =
    "model:\n"
    "  type: heston\n"
    "  spot: 100.0\n"
    "  rate: 0.03\n"
    "  dividend: 0.01\n"
    "  v0: 0.04\n"
    "  physical: {kappa: 2.0, theta: 0.04, sigma: 0.5, rho: -0.7}\n";

static void test_help_and_usage(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(run("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "price"));
    assert_int_equal(run("price --help", out, sizeof out), 0);
    assert_non_null(strstr(out, "--steps-per-year"));
    assert_int_equal(run("", out, sizeof out), 2);
    assert_int_equal(run("frobnicate", out, sizeof out), 2);
    assert_int_equal(run("price --strike 100 --expiry 1", out, sizeof out), 2); /* no --model */
    const char *m = write_file("good.yaml", good);
    char args[1024];
    snprintf(args, sizeof args, "price --model %s --strike abc --expiry 1", m);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "--strike"));
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --bogus", m);
    assert_int_equal(run(args, out, sizeof out), 2);
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 0", m);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "expiry"));
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 0", m);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "--paths"));
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --isa sse9", m);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "available"));
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 1000 --isa scalar --json", m);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"isa\": \"scalar\""));
}

typedef struct bad_case {
    const char *name, *yaml, *want1, *want2;
} bad_case;

/* Each bad file must exit 2 and the message must contain file:line and the key (want1) and the
 * range or reason (want2). */
static const bad_case bad[] = {
    {"unknown_key.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 0.04\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7, kapa: 1}\n",
     ":5: model.physical.kapa", "unknown key"},
    {"unknown_top.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 0.04\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\nmodle: 1\n",
     ":6: modle", "unknown key"},
    {"missing_key.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 0.04\n  physical:\n    kappa: 2\n    theta: 0.04\n    rho: -0.7\n",
     ":5: model.physical", "missing key 'sigma'"},
    {"missing_v0.yaml", "model:\n  type: heston\n  spot: 100\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n",
     ":1: model", "missing key 'v0'"},
    {"wrong_type.yaml", "model:\n  type: heston\n  spot: hundred\n  v0: 0.04\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n",
     ":3: model.spot", "expected a number"},
    {"bad_enum.yaml", "model:\n  type: hestn\n  spot: 100\n  v0: 0.04\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n",
     ":2: model.type", "hestn"},
    {"v0_neg.yaml", "model:\n  type: heston\n  spot: 100\n  v0: -0.01\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n",
     ":4: model.v0", "in [0, 4]"},
    {"kappa_zero.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 0.04\n  physical:\n    kappa: 0\n    theta: 0.04\n    sigma: 0.5\n    rho: -0.7\n",
     ":6: model.physical.kappa", "in (0, 100]"},
    {"sigma_neg.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 0.04\n  physical:\n    kappa: 2\n    theta: 0.04\n    sigma: -0.5\n    rho: -0.7\n",
     ":8: model.physical.sigma", "in [0.001, 10]"},
    {"rho_one.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 0.04\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n  pricing:\n    kappa: 2\n    theta: 0.04\n    sigma: 0.5\n    rho: 1.0\n",
     ":10: model.pricing.rho", "in (-1, 1)"},
    {"spot_zero.yaml", "model:\n  type: heston\n  spot: 0\n  v0: 0.04\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n",
     ":3: model.spot", "> 0"},
    {"foreign_key.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 0.04\n  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7, mu_v: 0.05}\n",
     ":5: model.physical.mu_v", "not a parameter of heston"},
    {"svcj_moment.yaml", "model:\n  type: svcj\n  spot: 100\n  v0: 0.04\n  physical:\n    kappa: 2\n    theta: 0.04\n    sigma: 0.5\n    rho: -0.7\n    lambda: 1\n    mu_v: 0.5\n    mu_s: -0.05\n    sigma_s: 0.05\n    rho_j: 2.5\n",
     ":14: model.physical.rho_j", "rho_j * mu_v < 1"},
    {"syntax.yaml", "model:\n  type: heston\n  spot: [100\n", ".yaml:", "syntax"},
};

static void test_config_errors(void **state)
{
    (void)state;
    char out[8192], args[1024];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *m = write_file(bad[i].name, bad[i].yaml);
        snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 100", m);
        const int rc = run(args, out, sizeof out);
        printf("%-18s rc %d: %s", bad[i].name, rc, out);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(out, bad[i].name));
        assert_non_null(strstr(out, bad[i].want1));
        assert_non_null(strstr(out, bad[i].want2));
        assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
    }
    snprintf(args, sizeof args, "price --model %s/nonexistent.yaml --strike 100 --expiry 1", dir);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "cannot open"));
}

static double json_field(const char *js, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(js, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* --json reports mc, se, analytic; and --threads 1 and 2 print the same mc to the last digit. */
static void test_json_and_threads(void **state)
{
    (void)state;
    const char *m = write_file("good.yaml", good);
    char out1[4096], out2[4096], args[1024];
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 50000 --threads 1 --json", m);
    assert_int_equal(run(args, out1, sizeof out1), 0);
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 50000 --threads 2 --json", m);
    assert_int_equal(run(args, out2, sizeof out2), 0);
    const double mc = json_field(out1, "mc"), se = json_field(out1, "se"), an = json_field(out1, "analytic");
    printf("%s", out1);
    assert_true(isfinite(mc) && isfinite(se) && isfinite(an));
    assert_true(fabs(mc - an) <= 4 * se);
    assert_true(mc == json_field(out2, "mc") && se == json_field(out2, "se"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_json_and_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
