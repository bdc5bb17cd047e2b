/* test_cli.c: the command line as a user meets it: help and usage exit codes, every documented
 * config error (exit 2 with file, line, key and the valid range), and --json output. Runs the
 * built binary (VIXRISK_CLI) on small model files written to a temporary directory. */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vixrisk/vr_h5.h"
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
    /* decimal numbers only, as in configs: strtod took hexadecimal, leading blanks and "inf" */
    static const char *const not_decimal[][2] = {{"--strike", "0x64"}, {"--strike", "' 100'"},
                                                 {"--expiry", "inf"}, {"--expiry", "0x1p0"},
                                                 {"--strike", "100."}, {"--expiry", "1e"}};
    for (size_t i = 0; i < sizeof not_decimal / sizeof *not_decimal; i++) {
        const char *opt = not_decimal[i][0], *val = not_decimal[i][1];
        const int strike = strcmp(opt, "--strike") == 0;
        snprintf(args, sizeof args, "price --model %s --strike %s --expiry %s --paths 100", m,
                 strike ? val : "100", strike ? "1" : val);
        const int rc = run(args, out, sizeof out);
        if (strcmp(val, "100.") == 0) { /* a decimal point with no digits after it is a number */
            assert_int_equal(rc, 0);
            continue;
        }
        assert_int_equal(rc, 2);
        assert_non_null(strstr(out, opt));
        assert_non_null(strstr(out, "expected a number"));
    }
    /* out of a double's range: still a number, refused by the range check (quoting the text) */
    snprintf(args, sizeof args, "price --model %s --strike 1e999 --expiry 1", m);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "1e999"));
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
     ":3: model.spot", "(0, 1e+07]"},
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
        vr_test_cli_expect(args, 2, out, sizeof out, bad[i].name, bad[i].want1, bad[i].want2, NULL);
        printf("%-18s %s", bad[i].name, out);
        assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
    }
    snprintf(args, sizeof args, "price --model %s/nonexistent.yaml --strike 100 --expiry 1", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "cannot open", NULL);
}

static double json_field(const char *js, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(js, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* --json reports mc, se, analytic (and surface unless --no-surface); --threads 1 and 2 print the
 * same mc to the last digit. */
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
    /* the tables' price is there by default and within 0.2% of the direct one at this point;
     * --no-surface leaves it out and changes nothing else */
    const double sf = json_field(out1, "surface");
    assert_true(isfinite(sf) && fabs(sf - an) < 2e-3 * an);
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 50000 --threads 1 --json --no-surface", m);
    assert_int_equal(run(args, out2, sizeof out2), 0);
    assert_null(strstr(out2, "\"surface\""));
    assert_true(mc == json_field(out2, "mc") && an == json_field(out2, "analytic"));
    /* --fast-log says so and moves the price by last-bit amounts only (docs/numerics.md) */
    assert_null(strstr(out1, "fast_log"));
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 50000 --threads 2 --json --no-surface --fast-log", m);
    assert_int_equal(run(args, out2, sizeof out2), 0);
    assert_non_null(strstr(out2, "\"fast_log\": true"));
    assert_true(fabs(json_field(out2, "mc") - mc) <= 1e-9 * mc);
    assert_true(fabs(json_field(out2, "se") - se) <= 1e-9 * se);
    /* --precision single says so and gives another sample of the same price (within 4 combined
     * standard errors); a bad value is a usage error */
    assert_null(strstr(out1, "precision"));
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 50000 --threads 2 --json --no-surface --precision single", m);
    assert_int_equal(run(args, out2, sizeof out2), 0);
    assert_non_null(strstr(out2, "\"precision\": \"single\""));
    assert_true(json_field(out2, "mc") != mc);
    assert_true(fabs(json_field(out2, "mc") - mc) <= 4 * sqrt(2.0) * se);
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --paths 10 --precision half", m);
    assert_int_equal(run(args, out2, sizeof out2), 2);
    assert_non_null(strstr(out2, "--precision must be double or single"));
    /* near the money there is no surface_k; a 1-day put struck at 2 x spot is at k = 13.24, beyond
     * the tables' 4, and says so (JSON and text) */
    assert_null(strstr(out1, "surface_k"));
    snprintf(args, sizeof args, "price --model %s --strike 200 --expiry 0.00274 --option put --paths 1000 --threads 1 --json", m);
    assert_int_equal(run(args, out2, sizeof out2), 0);
    printf("%s", out2);
    const double k = json_field(out2, "surface_k");
    assert_true(isfinite(k) && k > 4);
    assert_true(fabs(k - (log(2.0) - (0.03 - 0.01) * 0.00274) / sqrt(0.00274)) < 1e-6);
    snprintf(args, sizeof args, "price --model %s --strike 200 --expiry 0.00274 --option put --paths 1000 --threads 1", m);
    assert_int_equal(run(args, out2, sizeof out2), 0);
    assert_non_null(strstr(out2, "is beyond the tables' +-4"));
}

/* A set whose pricing tables do not build (the extreme sweep's svcj_edge, outside the tables'
 * checked domain) still prices directly; `surface` is absent and `surface_none` says why (JSON and
 * text), where before it was left out silently. */
static void test_surface_none(void **state)
{
    (void)state;
    const char *m = write_file("edge.yaml",
        "model:\n"
        "  type: svcj\n"
        "  spot: 100.0\n"
        "  rate: 0.03\n"
        "  dividend: 0.01\n"
        "  v0: 0.04\n"
        "  physical: {kappa: 2.0, theta: 0.04, sigma: 1.2, rho: -0.99, lambda: 5.0, mu_v: 0.2,\n"
        "             mu_s: -0.1, sigma_s: 0.2, rho_j: 4.75}\n");
    char out[4096], args[1024];
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 1000 --threads 1 --json", m);
    assert_int_equal(run(args, out, sizeof out), 0);
    printf("%s", out);
    assert_true(isfinite(json_field(out, "analytic")));
    assert_null(strstr(out, "\"surface\""));
    assert_non_null(strstr(out, "\"surface_none\": \"the pricing tables did not build: "));
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 1000 --threads 1", m);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "  surface       none (the pricing tables did not build: "));
    /* --no-surface asked for none: nothing to explain */
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --option put --paths 1000 --threads 1 --json --no-surface", m);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_null(strstr(out, "surface"));
    /* A law refused at a year but not at 30 days (Heston at sigma 10): the surface of a 30-day call
     * comes from tables to 32 days, and both outputs say so (test_price_cli checks the numbers). */
    const char *h = write_file("h10.yaml", "model: {type: heston, spot: 100.0, rate: 0.03, dividend: 0.01, v0: 0.04,\n"
                                           "        physical: {kappa: 2.0, theta: 0.04, sigma: 10, rho: -0.7}}\n");
    snprintf(args, sizeof args, "price --model %s --strike 101 --expiry 0.0821917808219178 --paths 100 --threads 1", h);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "(from tables to 32 days, which a run whose longest trade is this option builds; "
                                "the tables to a year, which this command builds first, were refused: the SPX table "
                                "misses"));
    snprintf(args, sizeof args, "price --model %s --strike 101 --expiry 0.0821917808219178 --paths 100 --threads 1 --json",
             h);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_true(isfinite(json_field(out, "surface")));
    assert_true(fabs(json_field(out, "surface_tables_days") - 32) < 1e-9);
    assert_non_null(strstr(out, "\"surface_year_refused\": \"the SPX table misses"));
    assert_null(strstr(out, "surface_none"));
}

/* The ranges `price` takes are the direct pricers' (docs/numerics.md): refused before the Monte
 * Carlo, exit 2, naming the option, the range for that underlying and model and the value as typed.
 * VIX expiries above 10 years used to pass --help's (0, 50] and fail in the pricer after the
 * simulation; an SPX strike had no upper bound (1e300 printed a 300-digit price) and 1e-308 was
 * "expected a number". At each limit itself the pricer prices (so the CLI's table cannot drift
 * below a pricer's limit unnoticed). */
/* A command whose standard output cannot be written fails (exit 1, naming the error) instead of
 * exiting 0 with its output lost; a command that writes nothing there is unaffected. */
static int run_full(const char *args, char *out, size_t cap)
{
    char cmd[2048]; /* stderr to the capture, stdout to the full device */
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1 >/dev/full", VIXRISK_CLI, args);
    return vr_run_capture(cmd, out, cap);
}

static void test_stdout_write_error(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    char out[8192], args[1024];
    const char *m = write_file("full.yaml", good);
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 100", m);
    assert_int_equal(run_full(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot write the standard output: No space left on device"));
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 100 --json", m);
    assert_int_equal(run_full(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot write the standard output"));
    assert_int_equal(run_full("--help", out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot write the standard output"));
    /* a usage error keeps its own exit status */
    assert_int_equal(run_full("price --strike 100 --expiry 1", out, sizeof out), 2);
    /* nothing on stdout: nothing to fail */
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 100 >/dev/null", m);
    assert_int_equal(run(args, out, sizeof out), 0);
    /* a check that fails only at its standard output leaves no directory it made (it left
     * new/sub behind: the directories were removed before the output was flushed) */
    const char *cfg = write_file("full_run.yaml",
                                 "simulation: {paths: 400, horizon_days: 10, seed: 3}\nscenarios:\n  - name: a\n"
                                 "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, "
                                 "sigma: 0.5, rho: -0.7}}\npolicies:\n  - name: p\n");
    snprintf(args, sizeof args, "check %s -o %s/new/sub/x.h5", cfg, dir);
    assert_int_equal(run_full(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot write the standard output"));
    char made[512];
    snprintf(made, sizeof made, "%s/new", dir);
    assert_int_not_equal(access(made, F_OK), 0);
}

/* A VIX future has no strike: `price --option future` neither prints one (it printed the ignored
 * --strike, or "strike 0" without one) nor writes one in its JSON; an option still does. A
 * --strike given with it is a usage error (it was ignored without a word). */
static void test_future_no_strike(void **state)
{
    (void)state;
    char out[8192], args[1024];
    const char *m = write_file("fut.yaml", good);
    snprintf(args, sizeof args, "price --model %s --underlying vix --option future --expiry 0.1 "
             "--paths 200 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "vix future, expiry 0.1 y", NULL);
    assert_null(strstr(out, "strike"));
    snprintf(args, sizeof args, "price --model %s --underlying vix --option future --expiry 0.1 "
             "--paths 200 --no-surface --json", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"option\": \"future\"", "\"expiry\": 0.1", NULL);
    assert_null(strstr(out, "strike"));
    snprintf(args, sizeof args, "price --model %s --underlying vix --option future --strike 20 --expiry 0.1 "
             "--paths 200 --no-surface", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "--strike is not an input of --option future", NULL);
    snprintf(args, sizeof args, "price --model %s --underlying vix --option call --strike 20 --expiry 0.1 "
             "--paths 200 --no-surface --json", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"strike\": 20", NULL);
    snprintf(args, sizeof args, "price --model %s --underlying vix --option call --strike 20 --expiry 0.1 "
             "--paths 200 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "vix call, strike 20, expiry 0.1 y", NULL);
}

static void test_price_ranges(void **state)
{
    (void)state;
    const char *m = write_file("good.yaml", good);
    const char *s2 = VIXRISK_SOURCE_DIR "/configs/models/svcj2_example.yaml";
    char out[8192], args[1400];
    assert_int_equal(run("price --help", out, sizeof out), 0);
    assert_non_null(strstr(out, "[1e-8, 50] (svcj2: [1e-8, 30]); vix (options and futures) in\n"));
    assert_non_null(strstr(out, "[1e-8, 10] (svcj2 options: [1e-5, 10])"));
    assert_non_null(strstr(out, "[1e-4, 1e4] x spot"));
    assert_null(strstr(out, "in [1e-8, 50]\n"));
    /* expiry: VIX [1e-8, 10] under every model, SPX [1e-8, 50] and svcj2's [1e-8, 30]; a million paths
     * would take seconds: the refusal comes first */
    const struct { const char *model, *und, *opt, *bad, *good, *range; } ex[] = {
        {m, "vix", "call", "10.5", "10", "--expiry must be in [1e-08, 10] years for --underlying vix under a heston model"},
        {m, "vix", "future", "10.000001", "10", "--expiry must be in [1e-08, 10] years for --underlying vix"},
        {s2, "vix", "call", "10.5", "10", "--expiry must be in [1e-08, 10] years for --underlying vix under a svcj2 model"},
        {s2, "spx", "call", "30.5", "30", "--expiry must be in [1e-08, 30] years for --underlying spx under a svcj2 model"},
        {m, "spx", "put", "50.0000001", "50", "--expiry must be in [1e-08, 50] years for --underlying spx under a heston model"},
        {m, "spx", "call", "0", NULL, "--expiry must be in [1e-08, 50] years"},
        {m, "spx", "call", "1e-400", NULL, "--expiry must be in [1e-08, 50] years"},
        {m, "spx", "call", "9e-9", "1e-8", "--expiry must be in [1e-08, 50] years"},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        /* (a future takes no --strike) */
        const char *kf = strcmp(ex[i].opt, "future") == 0 ? "" : "--strike 20 ";
        snprintf(args, sizeof args, "price --model %s --underlying %s --option %s %s--expiry %s "
                 "--paths 1000000", ex[i].model, ex[i].und, ex[i].opt, kf, ex[i].bad);
        if (strcmp(ex[i].und, "spx") == 0) /* an SPX strike near the spot */
            snprintf(args, sizeof args, "price --model %s --option %s --strike %s --expiry %s --paths 1000000",
                     ex[i].model, ex[i].opt, ex[i].model == m ? "100" : "5000", ex[i].bad);
        char got[64];
        snprintf(got, sizeof got, "got %s)", ex[i].bad);
        vr_test_cli_expect(args, 2, out, sizeof out, ex[i].range, got, NULL);
        assert_null(strstr(out, "monte carlo"));
        if (ex[i].good == NULL)
            continue;
        snprintf(args, sizeof args, "price --model %s --underlying %s --option %s %s%s --expiry %s "
                 "--paths 20 --steps-per-year 2 --no-surface", ex[i].model, ex[i].und, ex[i].opt,
                 kf[0] ? "--strike " : "",
                 !kf[0] ? "" : strcmp(ex[i].und, "vix") == 0 ? "20" : ex[i].model == m ? "100" : "5000", ex[i].good);
        vr_test_cli_expect(args, 0, out, sizeof out, "  analytic      ", NULL);
    }
    /* SPX strike: [1e-4, 1e4] x spot, the value as typed; a tiny or huge one is a number too */
    const char *bad_k[] = {"1e300", "1e-308", "1e999", "1e-400", "1000000.1", "0.0099", "0", "-5"};
    for (size_t i = 0; i < sizeof bad_k / sizeof bad_k[0]; i++) {
        char got[64];
        snprintf(args, sizeof args, "price --model %s --strike %s --expiry 1 --paths 1000000", m, bad_k[i]);
        snprintf(got, sizeof got, "(got %s)", bad_k[i]);
        vr_test_cli_expect(args, 2, out, sizeof out, "--strike must be in [0.01, 1e+06] index points for "
                           "--underlying spx: 1e-4 to 1e4 times the spot 100", got, NULL);
        assert_null(strstr(out, "expected a number"));
    }
    snprintf(args, sizeof args, "price --model %s --strike 1e6 --expiry 1 --option put --paths 100 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "  analytic      970346.5", NULL);
    snprintf(args, sizeof args, "price --model %s --strike abc --expiry 1", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "--strike: expected a number, got 'abc'", NULL);
    /* the lowest strike as typed: spot 5000.1 / 1e4 = 0.50001 in decimal, a bit below the computed
     * 0.5000100000000001, was refused; just below it still is */
    const char *odd = write_file("odd_spot.yaml", "model: {type: heston, spot: 5000.1, v0: 0.04, physical: "
                                                  "{kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n");
    snprintf(args, sizeof args, "price --model %s --strike 0.50001 --expiry 0.5 --option put --paths 100 --no-surface", odd);
    vr_test_cli_expect(args, 0, out, sizeof out, "  analytic      0.000000", NULL);
    snprintf(args, sizeof args, "price --model %s --strike 0.5000099 --expiry 0.5 --option put --paths 100 --no-surface", odd);
    vr_test_cli_expect(args, 2, out, sizeof out, "--strike must be in [0.5000100000000001, ", NULL);
    m = write_file("good.yaml", good); /* (the helper's buffer is reused) */
    /* VIX strikes: the VIX pricers' (0, 10000] and svcj2's (0, 1000) */
    snprintf(args, sizeof args, "price --model %s --underlying vix --strike 2e4 --expiry 1 --paths 1000000", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "--strike must be in (0, 10000] index points for "
                       "--underlying vix under a heston model", "got 2e4)", NULL);
    snprintf(args, sizeof args, "price --model %s --underlying vix --strike 1000 --expiry 1 --paths 1000000", s2);
    vr_test_cli_expect(args, 2, out, sizeof out, "--strike must be in (0, 1000) index points", "got 1000)", NULL);
    /* the largest price the ranges allow (a put at 1e4 x the largest spot) prints in a short line */
    const char *big = write_file("big.yaml", "model:\n  type: heston\n  spot: 1e7\n  rate: 0.03\n"
                                             "  v0: 0.04\n  physical: {kappa: 2.0, theta: 0.04, sigma: 0.5, rho: -0.7}\n");
    snprintf(args, sizeof args, "price --model %s --strike 1e11 --expiry 1 --option put --paths 100 --no-surface", big);
    vr_test_cli_expect(args, 0, out, sizeof out, "  monte carlo   9.70", "  analytic      9.70", NULL);
    printf("%s", out);
    for (const char *l = strchr(out, '\n'); l != NULL && l[1]; l = strchr(l + 1, '\n')) {
        const char *e = strchr(l + 1, '\n');
        assert_true((e ? e - l : (long)strlen(l)) < 90);
    }
}

/* With no spread in the Monte Carlo (one path; or every path paid 0, a far out-of-the-money call)
 * the distance in standard errors cannot be given: the line says so and gives the difference (it
 * used to leave the distance out without a word); the JSON says so too, with null for z. */
static void test_price_no_spread(void **state)
{
    (void)state;
    const char *m = write_file("good.yaml", good);
    char out[8192], args[1024];
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 1 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "  monte carlo   0.000000  (se 0.000000)",
                       "  analytic      8.2", "(mc - analytic = -8.2",
                       "not in standard errors: the Monte Carlo standard error is 0 (one path))", NULL);
    snprintf(args, sizeof args, "price --model %s --strike 1e4 --expiry 0.1 --paths 100 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "(mc - analytic = 0.000000; not in standard errors: the "
                       "Monte Carlo standard error is 0 (every path paid the same))", NULL);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "'%s' price --model '%s' --strike 100 --expiry 1 --paths 1 --no-surface --json | "
             "/usr/bin/python3 -c '"
             "import json, sys\n"
             "d = json.loads(sys.stdin.read(), parse_constant=lambda c: sys.exit(\"non-JSON \" + c))\n"
             "assert d[\"se\"] == 0 and d[\"z\"] is None, d\n"
             "assert d[\"z_none\"] == \"the Monte Carlo standard error is 0 (one path)\", d\n"
             "assert abs(d[\"mc_minus_analytic\"] - (d[\"mc\"] - d[\"analytic\"])) < 1e-9, d\n"
             "print(\"no spread ok\")' 2>&1", VIXRISK_CLI, m);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "no spread ok"));
    /* with a spread: z as before, and none of the no-spread keys */
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 1000 --no-surface --json", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"z\": ", NULL);
    assert_true(isfinite(json_field(out, "z")));
    assert_null(strstr(out, "z_none"));
    assert_null(strstr(out, "mc_minus_analytic"));
    assert_null(strstr(out, "warning")); /* 1000 paths of a plain model agree with the direct price */
    /* far apart (Heston at v0 4, sigma 10, rho 0.99: the daily QE step cannot follow it; about -900
     * SE): a warning on stderr, exit 0, stdout as before */
    const char *wild = write_file("wild.yaml", "model:\n  type: heston\n  spot: 100\n  v0: 4\n"
                                               "  physical: {kappa: 2.0, theta: 0.04, sigma: 10, rho: 0.99}\n");
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 1 --paths 20000 --threads 2 --no-surface", wild);
    vr_test_cli_expect(args, 0, out, sizeof out, "warning: the Monte Carlo price is -",
                       "standard errors from the direct price", "(--steps-per-year 252)", NULL);
    snprintf(cmd, sizeof cmd, "'%s' price --model '%s' --strike 100 --expiry 1 --paths 20000 --threads 2 "
             "--no-surface --json 2>/dev/null", VIXRISK_CLI, wild);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_null(strstr(out, "warning"));
    assert_true(json_field(out, "z") < -6);
}

/* A direct-pricer failure says what could not be priced, in words, naming the inputs. A model
 * file's spot near the smallest double, under r - q = -2 for 50 years, has a forward of 0: it used
 * to reach the Fourier pricer and fail with "quadrature did not reach inf on [0, 0]"; K/S beyond
 * 1e308 did the same. Both are refused now, naming what is wrong. */
static void test_price_direct_failure_named(void **state)
{
    (void)state;
    char out[8192], args[1024];
    const char *tiny = write_file("tiny.yaml", "model:\n  type: heston\n  spot: 1e-300\n  rate: -1\n"
                                               "  dividend: 1\n  v0: 0.04\n"
                                               "  physical: {kappa: 2.0, theta: 0.04, sigma: 0.5, rho: -0.7}\n");
    snprintf(args, sizeof args, "price --model %s --strike 1e-300 --expiry 50 --paths 10 --steps-per-year 1 --no-surface", tiny);
    vr_test_cli_expect(args, 2, out, sizeof out, "the forward spot * exp((rate - dividend) * expiry) = 0 is "
                       "not a normal positive number (spot 1e-300, rate -1, dividend 1, --expiry 50)", NULL);
    assert_null(strstr(out, "[0, 0]"));
    const char *small = write_file("small_spot.yaml", "model:\n  type: heston\n  spot: 1e-10\n  v0: 0.04\n"
                                                      "  physical: {kappa: 2.0, theta: 0.04, sigma: 0.5, rho: -0.7}\n");
    snprintf(args, sizeof args, "price --model %s --strike 1e300 --expiry 1 --paths 10 --no-surface", small);
    vr_test_cli_expect(args, 2, out, sizeof out, "--strike must be in [1e-14, 1e-06]", "(got 1e300)", NULL);
    assert_null(strstr(out, "[0, 0]"));
    /* an accepted extreme the Fourier pricer still cannot price to its tolerance (r = 1, q = -1 for
     * 50 years: the price is e^50 times the spot): a plain first line naming the inputs, then the
     * pricer's own words */
    const char *steep = write_file("steep.yaml", "model:\n  type: heston\n  spot: 100\n  rate: 1\n"
                                                 "  dividend: -1\n  v0: 0.04\n"
                                                 "  physical: {kappa: 2.0, theta: 0.04, sigma: 0.5, rho: -0.7}\n");
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 50 --paths 10 --steps-per-year 1 --no-surface", steep);
    const int rc = run(args, out, sizeof out);
    printf("%s", out);
    assert_null(strstr(out, "[0, 0]"));
    if (rc != 0) { /* (a pricer that learns to price it passes this test too) */
        assert_int_equal(rc, 1);
        assert_non_null(strstr(out, "vixrisk price: the direct price of the heston spx call (spot 100, strike "
                                    "100, expiry 50 years, rate 1, dividend -1) could not be computed to its "
                                    "tolerance"));
        assert_non_null(strstr(out, "\nvixrisk price: the pricer reports: "));
    }
}

/* ---- output targets, signals, failure paths, the CLI contract ------------------------------- */

/* A small run (a fraction of a second) and a slow one (seconds: long enough to be signalled). */
static const char *run_small =
    "simulation: {paths: 400, horizon_days: 10, seed: 3}\n"
    "scenarios:\n"
    "  - name: a\n"
    "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
    "policies:\n"
    "  - name: p\n"
    "  - name: q\n"
    "    condor: {short_delta: 0.10}\n";
static const char *run_slow =
    "simulation: {paths: 400000, horizon_days: 252, seed: 3}\n"
    "scenarios:\n"
    "  - name: a\n"
    "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
    "policies:\n"
    "  - name: p\n";

/* Entries of directory d other than . and .. (0 when d is missing). */
static int count_entries(const char *d)
{
    DIR *h = opendir(d);
    if (h == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(h)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(h);
    return n;
}

static const char *sub(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* A fresh empty directory dir/name. */
static const char *fresh_dir(const char *name)
{
    const char *d = sub(name);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", d, d);
    assert_int_equal(system(cmd), 0);
    return d;
}

/* A command that fails after its output target was checked leaves none of the directories it made
 * for it (they were made while checking the target: `report bad.h5 -o new/dir/r.html` left
 * new/dir), and keeps a directory that was there before; a successful one keeps what it made. */
static void test_failed_output_dirs_removed(void **state)
{
    (void)state;
    char out[8192], args[2048], bad[1200];
    const char *od = fresh_dir("faildirs");
    snprintf(bad, sizeof bad, "%s/bad.h5", od);
    FILE *f = fopen(bad, "wb"); /* not an HDF5 file: the report fails to read it, exit 1 */
    assert_non_null(f);
    fputs("not a run file\n", f);
    fclose(f);
    snprintf(args, sizeof args, "report %s -o %s/new/dir/r.html", bad, od);
    vr_test_cli_expect(args, 1, out, sizeof out, "cannot read", NULL);
    char p[1400];
    struct stat sb;
    snprintf(p, sizeof p, "%s/new", od);
    assert_int_not_equal(stat(p, &sb), 0);
    snprintf(p, sizeof p, "%s/old", od); /* there before: kept, though empty */
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(args, sizeof args, "report %s -o %s/old/r.html", bad, od);
    vr_test_cli_expect(args, 1, out, sizeof out, "cannot read", NULL);
    assert_int_equal(stat(p, &sb), 0);
    snprintf(args, sizeof args, "check %s -o %s/made/here/", write_file("fd_small.yaml", run_small), od);
    vr_test_cli_expect(args, 0, out, sizeof out, "ok", NULL);
    snprintf(p, sizeof p, "%s/made/here", od);
    assert_int_equal(stat(p, &sb), 0);
}

/* A 1-day run's sample-path chart keeps its activation marks inside the plot: a day's mark is
 * as wide as the plot over the days, and the first day's, centred on the axis's start, began at
 * x = -105 over the row labels; its day axis has whole days only. A run config given an HDF5 run file says what it is. */
static void test_short_horizon_chart_and_h5_config(void **state)
{
    (void)state;
    char out[8192], args[2048];
    const char *od = fresh_dir("h1chart");
    const char *cfg = write_file("h1.yaml",
                                 "simulation: {paths: 200, horizon_days: 1, seed: 3, sample_paths: 5}\n"
                                 "scenarios:\n  - name: a\n    model: {type: heston, spot: 5000, v0: 0.04, physical: "
                                 "{kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                                 "policies:\n  - name: unhedged\n  - name: s\n    layers:\n"
                                 "      - {trigger: {always: true}, action: {type: vix_call, delta: 0.3, dte: 30, "
                                 "size: {by: contracts, value: 1}}}\n");
    snprintf(args, sizeof args, "run %s -q -o %s/h1.h5", cfg, od);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    snprintf(args, sizeof args, "report %s/h1.h5 -o %s/h1.md", od, od);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    char p[1400];
    snprintf(p, sizeof p, "%s/h1_files/1-a-paths.svg", od);
    char *svg = vr_test_slurp(p);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<rect x=\"")); /* the layer's marks are drawn */
    assert_null(strstr(svg, "<rect x=\"-"));
    /* its day axis is labelled in whole days (it read 0, 0.2, 0.4, ... 1) */
    assert_null(strstr(svg, "text-anchor=\"middle\">0."));
    assert_non_null(strstr(svg, "text-anchor=\"middle\">1</text>"));
    free(svg);
    snprintf(args, sizeof args, "check %s/h1.h5", od);
    vr_test_cli_expect(args, 2, out, sizeof out, "an HDF5 file (a run file?), not a YAML config", NULL);
}

/* -o DIR/ and -o DIR write DIR/<config stem>.h5; a missing DIR/ is created; the default
 * results/<stem>.h5 works from a directory without results/ (it used to fail after the run with a
 * raw HDF5 message). */
static void test_output_directory(void **state)
{
    (void)state;
    char out[8192], args[2048];
    const char *cfg = write_file("small.yaml", run_small);
    /* --seed takes simulation.seed's range (the run file's int64 held -1 for 2^64 - 1) */
    snprintf(args, sizeof args, "check %s --seed 18446744073709551615", cfg);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "--seed"));
    snprintf(args, sizeof args, "check %s --seed 9007199254740991", cfg);
    assert_int_equal(run(args, out, sizeof out), 0);
    const char *od = fresh_dir("od");
    snprintf(args, sizeof args, "run %s --quiet -o %s/", cfg, od);
    assert_int_equal(run(args, out, sizeof out), 0);
    char f[1100];
    snprintf(f, sizeof f, "%s/small.h5", od);
    assert_int_equal(access(f, F_OK), 0);
    unlink(f);
    snprintf(args, sizeof args, "run %s --quiet -o %s", cfg, od); /* existing directory, no slash */
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_int_equal(access(f, F_OK), 0);
    snprintf(args, sizeof args, "run %s --quiet -o %s/new/deeper/", cfg, od);
    assert_int_equal(run(args, out, sizeof out), 0);
    snprintf(f, sizeof f, "%s/new/deeper/small.h5", od);
    assert_int_equal(access(f, F_OK), 0);
    /* the default target from a fresh working directory */
    const char *cwd = fresh_dir("cwd");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' run '%s' --quiet 2>&1", cwd, VIXRISK_CLI, cfg);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    snprintf(f, sizeof f, "%s/results/small.h5", cwd);
    assert_int_equal(access(f, F_OK), 0);
    /* check resolves the same target (and says which) */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' check '%s' -o x/ 2>&1", cwd, VIXRISK_CLI, cfg);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "x/small.h5"));
    /* report -o DIR/ */
    snprintf(args, sizeof args, "report %s/results/small.h5 -o %s/rep/", cwd, od);
    assert_int_equal(run(args, out, sizeof out), 0);
    snprintf(f, sizeof f, "%s/rep/small.html", od);
    assert_int_equal(access(f, F_OK), 0);
}

/* Targets that are not regular files, or are an input, are refused before any work, by run,
 * check and report alike, and left untouched. */
/* Peak RSS in MiB of `vixrisk run cfg -q -o out` (python's getrusage of its one child), or -1. */
static long run_maxrss_mib(const char *cfg, const char *out_h5)
{
    char cmd[4096], out[4096];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import resource, subprocess, sys\n"
             "r = subprocess.run([sys.argv[1], \"run\", sys.argv[2], \"-q\", \"-o\", sys.argv[3]], capture_output=True)\n"
             "print(\"rc\", r.returncode, \"maxrss_mib\", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "
             "'%s' '%s' '%s' 2>&1", VIXRISK_CLI, cfg, out_h5);
    if (vr_run_capture(cmd, out, sizeof out) != 0)
        return -1;
    printf("%s: %s", cfg, out);
    int rc = -1;
    long mib = -1;
    if (sscanf(out, "rc %d maxrss_mib %ld", &rc, &mib) != 2 || rc != 0)
        return -1;
    return mib;
}

/* More threads than blocks of paths take no more memory: the evaluator keeps a block's books per
 * thread, and a run of 3 paths with threads: 64 held 615 MiB against 36 MiB with one thread
 * (threads: 4096 ran the machine out of memory). Relative to the one-thread run, so that the
 * sanitizer build's own overhead cancels. */
static void test_threads_beyond_blocks(void **state)
{
    (void)state;
    char text[1024], h5[1200];
    const char *od = fresh_dir("thr");
    long mib[2];
    for (int k = 0; k < 2; k++) {
        /* run_small's scenario and policies on 3 paths (one block) */
        snprintf(text, sizeof text, "simulation: {paths: 3, horizon_days: 5, seed: 3, threads: %d}\n%s", k ? 64 : 1,
                 strchr(run_small, '\n') + 1);
        const char *cfg = write_file(k ? "thr64.yaml" : "thr1.yaml", text);
        snprintf(h5, sizeof h5, "%s/thr%d.h5", od, k);
        mib[k] = run_maxrss_mib(cfg, h5);
        assert_true(mib[k] > 0);
    }
    assert_true(mib[1] < mib[0] + 100);
}

/* A model whose tables cannot be built (every parameter in range, the jumps absurd) fails the
 * run naming the scenario and its key, not only the model (exit 1: a numerical failure). */
static void test_tables_fail_named(void **state)
{
    (void)state;
    const char *cfg = write_file("wild.yaml",
                                 "simulation: {paths: 20, horizon_days: 5, seed: 3}\n"
                                 "scenarios:\n"
                                 "  - name: calm\n"
                                 "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                                 "  - name: wild\n"
                                 "    model: {type: svcj, spot: 5000, v0: 0.02, physical: {kappa: 3, theta: 0.022, sigma: 0.45,\n"
                                 "            rho: -0.75, lambda: 1, mu_v: 0, mu_s: 5, sigma_s: 5, rho_j: 0}}\n"
                                 "policies:\n"
                                 "  - name: p\n");
    const char *od = fresh_dir("wild");
    char args[2048], out[8192];
    snprintf(args, sizeof args, "run %s -q -o %s/wild.h5", cfg, od);
    assert_int_equal(run(args, out, sizeof out), 1);
    printf("%s", out);
    assert_non_null(strstr(out, "scenario wild (scenarios[1].model): "));
}

/* In-range parameters at which the model breaks down fail with exit 1 and a message naming them,
 * and leave no output: a pricing mu_v of 1e-8 made the VIX table's quadrature bisect for hours
 * (then its evaluation budget ended it; now the series' weights send the nodes to the Laplace
 * inversion, whose own check refuses the law). A physical theta of 1e-200 made the QE step's variance NaN
 * (it printed "stats: pnl[8] is not finite (-nan)" with exit 2, then a named error): the step now
 * takes its limit there (v' = 0, test_qe_zero_mean) and the run succeeds; the named error for a
 * non-finite P&L is tested with a poisoned kernel (test_eval_nonfinite). */
static void test_breakdowns_fail_named(void **state)
{
    (void)state;
    char args[2048], out[8192], h5[1200];
    const char *cfg = write_file("flatvar.yaml",
                                 "simulation: {paths: 300, horizon_days: 20, seed: 3, block: 16}\n"
                                 "scenarios:\n"
                                 "  - name: flat\n"
                                 "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 1e-200, sigma: 0.5, rho: -0.7},\n"
                                 "            pricing: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                                 "policies:\n"
                                 "  - name: p\n");
    const char *od = fresh_dir("breakdown");
    snprintf(h5, sizeof h5, "%s/flatvar.h5", od);
    snprintf(args, sizeof args, "run %s -q --threads 2 -o %s", cfg, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, "scenario flat: 300 paths", "wrote ", NULL);
    assert_null(strstr(out, "nan"));
    assert_int_equal(access(h5, F_OK), 0);
    cfg = write_file("tinymuv.yaml",
                     "simulation: {paths: 20, horizon_days: 20, seed: 3}\n"
                     "scenarios:\n"
                     "  - name: j\n"
                     "    model: {type: svcj, spot: 5000, v0: 0.02, physical: {kappa: 3, theta: 0.022, sigma: 0.45, rho: -0.75,\n"
                     "            lambda: 0.8, mu_v: 0.04, mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6},\n"
                     "            pricing: {kappa: 2.4, theta: 0.03, sigma: 0.45, rho: -0.75, lambda: 1.2, mu_v: 1e-8,\n"
                     "            mu_s: -0.04, sigma_s: 0.05, rho_j: -0.6}}\n"
                     "policies:\n"
                     "  - name: p\n");
    snprintf(args, sizeof args, "run %s -q -o %s", cfg, h5);
    vr_test_cli_expect(args, 1, out, sizeof out, "scenario j (scenarios[0].model): vix table: svcj (",
                       "mu_v=1e-08", "its Laplace inversion is accurate only to", NULL);
}

/* The report of run file h5 (three scenarios, calm, rough and calm2, calm2 of calm's model), written
 * to od as Markdown, HTML and JSON: with timed = 1 each format shows every scenario's stages (also
 * calm2's, whose model the HTML shows under calm's name), with timed = 0 none. */
static void report_stages(const char *od, const char *h5, int timed)
{
    static const char *const ext[3] = {"md", "html", "json"};
    static const char *const row[3][3] = {
        {"| calm, 2 threads | generate ", "| rough, 2 threads | generate ", "| calm2, 2 threads | generate "},
        {"<tr data-scenario=\"calm\"><td>calm, 2 threads</td><td>generate ",
         "<tr data-scenario=\"rough\"><td>rough, 2 threads</td><td>generate ",
         "<tr data-scenario=\"calm2\"><td>calm2, 2 threads</td><td>generate "},
        {"\"name\": \"calm\", ", "\"name\": \"rough\", ", "\"name\": \"calm2\", "}};
    char args[2048], out[4096], path[1200];
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/rep.%s", od, ext[k]);
        snprintf(args, sizeof args, "report %s -o %s", h5, path);
        vr_test_cli_expect(args, 0, out, sizeof out, NULL);
        char *text = vr_test_slurp(path);
        assert_non_null(text);
        const char *key = k < 2 ? "(of which strike searches " : "\"stages\": {\"threads\": 2, \"wall_seconds\": ";
        int n = 0;
        for (const char *q = text; (q = strstr(q, key)) != NULL; q++)
            n++;
        assert_int_equal(n, timed ? 3 : 0);
        if (!timed) {
            assert_null(strstr(text, "Evaluation stages"));
            assert_null(strstr(text, "ns_per_path_day"));
        } else if (k < 2) {
            for (int sc = 0; sc < 3; sc++)
                if (strstr(text, row[k][sc]) == NULL)
                    fail_msg("report.%s: no \"%s\"", ext[k], row[k][sc]);
            assert_non_null(strstr(text, "Evaluation stages ("));
            assert_non_null(strstr(text, "lanes marked"));
        } else {
            /* each scenario's object: its name, then its stages, every number (no null) */
            for (int sc = 0; sc < 3; sc++) {
                char *q = strstr(text, row[2][sc]);
                assert_non_null(q);
                q = strstr(q, "\"stages\": {");
                assert_non_null(q);
                char *end = strstr(q, "}}"); /* the object's end */
                assert_non_null(end);
                *end = '\0';
                assert_non_null(strstr(q, "\"path_days\": 6200, \"ns_per_path_day\": {\"generate\": "));
                assert_non_null(strstr(q, "\"per_path_day\": {\"lanes\": "));
                assert_null(strstr(q, "null"));
                *end = '}';
            }
        }
        assert_null(strstr(text, "nan"));
        assert_null(strstr(text, "inf,"));
        free(text);
    }
}

/* run --stages: where each scenario's time went, on standard error, and the same ranking as without
 * (the timers change no number); the ranking's lines are compared, not the timings. */
static void test_run_stages(void **state)
{
    (void)state;
    char args[2048], out[16384], out2[16384], h5[1200];
    const char *cfg = write_file("stages.yaml",
                                 "simulation: {paths: 200, horizon_days: 30, seed: 5, block: 16}\n"
                                 "scenarios:\n"
                                 "  - name: calm\n"
                                 "    model: {type: heston, spot: 5000, v0: 0.02, physical: {kappa: 3, theta: 0.022, sigma: 0.45, rho: -0.75}}\n"
                                 "  - name: rough\n"
                                 "    model: {type: heston, spot: 5000, v0: 0.06, physical: {kappa: 3, theta: 0.05, sigma: 0.6, rho: -0.75}}\n"
                                 "  - name: calm2\n"
                                 "    model: {type: heston, spot: 5000, v0: 0.02, physical: {kappa: 3, theta: 0.022, sigma: 0.45, rho: -0.75}}\n"
                                 "condor: {dte: 30, exit_dte: 5}\n"
                                 "policies:\n"
                                 "  - name: bare\n"
                                 "  - name: sleeve\n"
                                 "    layers:\n"
                                 "      - name: s\n"
                                 "        trigger: {always: true}\n"
                                 "        action: {type: spx_put, delta: 0.10, dte: 30, size: {by: contracts, value: 1}}\n"
                                 "        exit: {dte: 5}\n");
    const char *od = fresh_dir("stages");
    snprintf(h5, sizeof h5, "%s/s.h5", od);
    snprintf(args, sizeof args, "run %s -q --threads 2 --stages -o %s", cfg, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, "stages of scenario calm: 200 paths x 30 days x 2 policies",
                       "stages of scenario rough: 200 paths", "(of which strike searches ", "lanes marked",
                       "single marks", NULL);
    assert_null(strstr(out, "nan"));
    snprintf(args, sizeof args, "run %s -q --threads 2 -o %s", cfg, h5);
    vr_test_cli_expect(args, 0, out2, sizeof out2, NULL);
    assert_null(strstr(out2, "stages of"));
    /* every line of the plain run but the file's ("wrote ... (s)") is in the timed run's output */
    for (char *line = strtok(out2, "\n"); line != NULL; line = strtok(NULL, "\n"))
        if (strncmp(line, "wrote ", 6) != 0 && strstr(out, line) == NULL)
            fail_msg("--stages changed the line: %s", line);
    /* the timed run's file records each scenario's stages: 8 stage seconds, 8 counts (path-days
     * 200 x 31 first, each x 2 policies next), the threads and their wall time; the plain run's
     * file none */
    vr_err err = {VR_OK, ""};
    vr_h5_reader *r = NULL;
    snprintf(args, sizeof args, "run %s -q --threads 2 --stages -o %s", cfg, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    for (int k = 0; k < 2; k++) {
        const char *g = k ? "/rough" : "/calm";
        double *v = NULL;
        size_t n = 0;
        assert_int_equal(vr_h5_read_attr_double_array(r, g, "stage_counts", &v, &n, &err), VR_OK);
        assert_int_equal(n, 8);
        assert_true(v[0] == 200.0 * 31 && v[1] == 2 * v[0] && v[2] > 0);
        free(v);
        assert_int_equal(vr_h5_read_attr_double_array(r, g, "stage_seconds", &v, &n, &err), VR_OK);
        assert_int_equal(n, 8);
        for (size_t i = 0; i < n; i++)
            assert_true(v[i] >= 0 && isfinite(v[i]));
        assert_true(v[6] <= v[5]); /* the searches are within the books */
        free(v);
        int64_t threads = 0;
        double wall = 0;
        assert_int_equal(vr_h5_read_attr_int64(r, g, "stage_threads", &threads, &err), VR_OK);
        assert_int_equal(threads, 2); /* 13 blocks of 16 paths: both threads ran some */
        assert_int_equal(vr_h5_read_attr_double(r, g, "stage_wall_seconds", &wall, &err), VR_OK);
        assert_true(wall > 0 && isfinite(wall));
    }
    vr_h5_close(r);
    /* the report shows them: a row per scenario in Markdown and HTML, the run's --json members in
     * JSON (every number, no null), with the counts as the console printed them */
    report_stages(od, h5, 1);
    snprintf(args, sizeof args, "run %s -q --threads 2 -o %s", cfg, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    report_stages(od, h5, 0);
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    for (int k = 0; k < 2; k++) {
        const char *g = k ? "/rough" : "/calm";
        assert_false(vr_h5_attr_exists(r, g, "stage_counts") || vr_h5_attr_exists(r, g, "stage_seconds") ||
                     vr_h5_attr_exists(r, g, "stage_threads") || vr_h5_attr_exists(r, g, "stage_wall_seconds"));
    }
    vr_h5_close(r);
    /* --json --stages: each scenario's JSON object carries its stages (the counts as printed) */
    snprintf(args, sizeof args, "run %s -q --threads 2 --stages --json -o %s", cfg, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"stages\": {\"threads\": 2, \"wall_seconds\": ",
                       "\"path_days\": 6200, \"ns_per_path_day\": {\"generate\": ", "\"other\": ",
                       "\"per_path_day\": {\"lanes\": ", "\"single_marks\": ", NULL);
    int nstages = 0;
    for (char *q = out; (q = strstr(q, "\"stages\": {")) != NULL; q++) {
        char *end = strstr(q, "}}"); /* the object's end: every stage a number, none null */
        assert_non_null(end);
        *end = '\0';
        assert_null(strstr(q, "null"));
        assert_null(strstr(q, "nan"));
        assert_null(strstr(q, "inf"));
        *end = '}';
        nstages++;
    }
    assert_int_equal(nstages, 3); /* calm, rough and calm2: 200 paths x 31 days each */
    snprintf(args, sizeof args, "run %s -q --threads 2 --json -o %s", cfg, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"ranking\": [", NULL);
    assert_null(strstr(out, "\"stages\""));
    /* check runs nothing: run's --stages and --json are usage errors there, not ignored */
    snprintf(args, sizeof args, "check %s --stages -o %s", cfg, h5);
    vr_test_cli_expect(args, 2, out, sizeof out, "check: --stages is an option of run", NULL);
    snprintf(args, sizeof args, "check %s --json -o %s", cfg, h5);
    vr_test_cli_expect(args, 2, out, sizeof out, "check: --json is an option of run", NULL);
}

/* Inputs that are not regular files (a FIFO without a writer would block the open forever, a
 * directory read as a file gave "empty file" or "read error after line 0"): refused at once. */
static void test_inputs_not_regular(void **state)
{
    (void)state;
    char args[2048], out[8192], p[1200];
    const char *od = fresh_dir("fifo_in");
    const char *names[] = {"run.yaml", "run.h5", "spx_daily.csv"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", od, names[i]);
        assert_int_equal(mkfifo(p, 0600), 0);
    }
    snprintf(args, sizeof args, "check %s/run.yaml", od);
    vr_test_cli_expect(args, 2, out, sizeof out, "run.yaml: cannot open: not a regular file", NULL);
    snprintf(args, sizeof args, "report %s/run.h5 -o %s/r.json", od, od);
    vr_test_cli_expect(args, 2, out, sizeof out, "run.h5", "not a regular file", NULL);
    /* a data directory whose SPX file is a FIFO (the other files need not exist: it is read first
     * or its absence is reported, never waited on) */
    snprintf(args, sizeof args, "model %s --asof 2009-11-02 --data %s", VIXRISK_SOURCE_DIR "/configs/models/heston.yaml", od);
    vr_test_cli_expect(args, 2, out, sizeof out, "spx_daily.csv: cannot open: not a regular file", NULL);
}

/* `--data ""` (an unset shell variable) is a usage error in every command that takes --data: run
 * and price read the default data in its place, model too, and calibrate read /spx_daily.csv. */
static void test_data_empty(void **state)
{
    (void)state;
    char args[2048], out[8192];
    const char *cfg = write_file("small.yaml", run_small);
    const char *model = VIXRISK_SOURCE_DIR "/configs/models/heston.yaml";
    const char *od = fresh_dir("data_empty");
    const char *cmds[] = {"run %s --quiet -o %s/r.h5 --data ''", "check %s -o %s/r.h5 --data ''",
                          "price %s --asof 2020-03-16 --data ''%.0s",
                          "model %s --asof 2020-03-16 --data ''%.0s",
                          "calibrate --model heston%.0s -o %s/m.yaml --data ''"};
    const char *first[] = {cfg, cfg, model, model, ""};
    for (int c = 0; c < 5; c++) {
        snprintf(args, sizeof args, cmds[c], first[c], od);
        vr_test_cli_expect(args, 2, out, sizeof out, "--data needs a directory", NULL);
    }
}

static void test_output_refused(void **state)
{
    (void)state;
    char out[8192], args[2048];
    const char *cfg = write_file("small.yaml", run_small);
    const char *od = fresh_dir("bad");
    char fifo[1100], link_[1100], hard[1100], h5[1100];
    snprintf(fifo, sizeof fifo, "%s/fifo.h5", od);
    snprintf(link_, sizeof link_, "%s/link.h5", od);
    snprintf(hard, sizeof hard, "%s/hard.yaml", od);
    snprintf(h5, sizeof h5, "%s/run.h5", od);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(symlink(cfg, link_), 0);
    assert_int_equal(link(cfg, hard), 0);
    const char *cmds[] = {"run", "check"};
    for (int c = 0; c < 2; c++) {
        snprintf(args, sizeof args, "%s %s --quiet -o %s", cmds[c], cfg, fifo);
        if (c == 1)
            snprintf(args, sizeof args, "check %s -o %s", cfg, fifo);
        assert_int_equal(run(args, out, sizeof out), 2);
        assert_non_null(strstr(out, "FIFO"));
        snprintf(args, sizeof args, "%s %s -o %s", cmds[c], cfg, link_);
        assert_int_equal(run(args, out, sizeof out), 2);
        assert_non_null(strstr(out, "symbolic link"));
        snprintf(args, sizeof args, "%s %s -o %s", cmds[c], cfg, cfg); /* run -o onto its config */
        assert_int_equal(run(args, out, sizeof out), 2);
        assert_non_null(strstr(out, "input"));
        snprintf(args, sizeof args, "%s %s -o %s", cmds[c], cfg, hard); /* ... through a hard link */
        assert_int_equal(run(args, out, sizeof out), 2);
    }
    /* nor onto a model file the config names (it was replaced by the run file, exit 0) */
    {
        char mf[1100], uc[1100];
        snprintf(mf, sizeof mf, "%s/m.yaml", od);
        snprintf(uc, sizeof uc, "%s/usem.yaml", od);
        FILE *f = fopen(mf, "w");
        assert_non_null(f);
        fputs(good, f);
        fclose(f);
        f = fopen(uc, "w");
        assert_non_null(f);
        fputs("simulation: {paths: 20, horizon_days: 5, seed: 3}\nscenarios:\n  - name: a\n    model: m.yaml\n"
              "policies:\n  - name: p\n", f);
        fclose(f);
        for (int c = 0; c < 2; c++) {
            snprintf(args, sizeof args, "%s %s -o %s", cmds[c], uc, mf);
            assert_int_equal(run(args, out, sizeof out), 2);
            assert_non_null(strstr(out, "overwrite the input"));
        }
        struct stat ms;
        assert_int_equal(stat(mf, &ms), 0);
        assert_int_equal((long)ms.st_size, (long)strlen(good));
    }
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(lstat(link_, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char text[1024];
    FILE *f = fopen(cfg, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    assert_string_equal(text, run_small);
    /* a directory whose permission bits allow a new file but which takes none: /proc, which root may
     * "write" by access(2). It is found when the target is prepared, before any work, by creating a
     * file there (it used to pass check, and a run failed after its simulation); as another user
     * access(2) already refuses it. Exit 1 either way, the directory named (check creates no output:
     * its failure is the target's check). */
    for (int c = 0; c < 2; c++) {
        snprintf(args, sizeof args, "%s %s --quiet -o /proc/vr_never.h5", cmds[c], cfg);
        const int rc = run(args, out, sizeof out);
        if (rc != 1)
            fail_msg("%s: exit %d, not 1:\n%s", args, rc, out);
        if (geteuid() == 0)
            assert_non_null(strstr(out, "/proc/vr_never.h5: cannot create a file in /proc: "));
        else
            assert_non_null(strstr(out, "cannot write in output directory /proc"));
    }
    /* report -o onto its own run file, and onto a FIFO */
    snprintf(args, sizeof args, "run %s --quiet -o %s", cfg, h5);
    assert_int_equal(run(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "report %s -o %s --format html", h5, h5);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "input"));
    snprintf(args, sizeof args, "report %s -o %s --format html", h5, fifo);
    assert_int_equal(run(args, out, sizeof out), 2);
    snprintf(args, sizeof args, "check %s -o %s", h5, h5); /* also: a non-regular or unreadable */
    assert_int_not_equal(run(args, out, sizeof out), 0);
    /* calibrate: -o and --report refuse symlinks and inputs (the history CSVs, the realism model)
     * before the history is read */
    const char *m = write_file("good.yaml", good);
    snprintf(args, sizeof args, "calibrate --model heston --data %s -o %s", od, link_);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "symbolic link"));
    char csv[1100];
    const char *cp = vr_test_write(od, "spx_daily.csv", "date,close\n2020-01-02,3200\n");
    assert_non_null(cp);
    snprintf(csv, sizeof csv, "%s", cp);
    snprintf(args, sizeof args, "calibrate --model heston --data %s -o %s", od, csv);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "input"));
    snprintf(args, sizeof args, "calibrate --realism %s --data %s --report %s", m, od, m);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "input"));
    snprintf(args, sizeof args, "calibrate --realism %s --data %s --report %s", m, od, fifo);
    assert_int_equal(run(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "FIFO"));
    /* a 243-byte report name (the old temp suffix pushed it past NAME_MAX) */
    char longname[300];
    memset(longname, 'r', 238);
    memcpy(longname + 238, ".html", 6);
    snprintf(args, sizeof args, "report %s -o %s/%s", h5, od, longname);
    assert_int_equal(run(args, out, sizeof out), 0);
}

/* -o is checked against every file an input directory holds that the command reads. A run's
 * list of start.data directories was cut at 8 (4 + the history bound), so the output could replace
 * a CSV of the ninth scenario's own directory; calibrate checked the daily SPX, VIX, VIX3M closes
 * only, and `-o DATA/vvix_daily.csv` (or a futures file, which the pricing fit reads) was replaced
 * by the model file after the fit. */
static void test_output_never_a_data_file(void **state)
{
    (void)state;
    char out[16384], args[2048], p[1200];
    const char *od = fresh_dir("datafiles");
    static const char spx[] = "date,close\n2020-02-28,2954.22\n2020-03-02,3090.23\n";
    static const char vix[] = "date,close\n2020-02-28,40.11\n2020-03-02,33.42\n";
    char text[8192];
    size_t o = (size_t)snprintf(text, sizeof text,
                                "simulation: {paths: 16, horizon_days: 5, seed: 3}\nscenarios:\n");
    enum { NDIR = 10 };
    for (int i = 0; i < NDIR; i++) {
        snprintf(p, sizeof p, "%s/d%d", od, i);
        assert_int_equal(mkdir(p, 0700), 0);
        assert_non_null(vr_test_write(p, "spx_daily.csv", spx));
        assert_non_null(vr_test_write(p, "vix_daily.csv", vix));
        o += (size_t)snprintf(text + o, sizeof text - o,
                              "  - name: s%d\n    start: {asof: 2020-03-02, data: d%d}\n    model: {type: heston, "
                              "spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n",
                              i, i);
    }
    snprintf(text + o, sizeof text - o, "policies:\n  - name: p\n");
    char cfgp[1200];
    snprintf(cfgp, sizeof cfgp, "%s", vr_test_write(od, "many.yaml", text));
    const char *cmds[] = {"check", "run --quiet"};
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < NDIR; i += NDIR - 1) { /* the first directory and the last */
            snprintf(args, sizeof args, "%s %s -o %s/d%d/vix_daily.csv", cmds[c], cfgp, od, i);
            vr_test_cli_expect(args, 2, out, sizeof out, "overwrite the input", "vix_daily.csv", NULL);
        }
    snprintf(p, sizeof p, "%s/d%d/vix_daily.csv", od, NDIR - 1);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal((long)st.st_size, (long)strlen(vix));

    /* calibrate: every data file it may read, for -o and --report */
    char m[1200];
    snprintf(m, sizeof m, "%s", write_file("good.yaml", good)); /* (the helper's buffer is reused) */
    static const char *const extra[] = {"vvix_daily.csv", "vix9d_daily.csv", "vix6m_daily.csv",
                                        "vix_futures_contracts.csv", "vix_futures_term_structure.csv"};
    for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
        const char *f = vr_test_write(od, extra[k], "date,close\n2020-03-02,1\n");
        assert_non_null(f);
        snprintf(p, sizeof p, "%s", f);
        snprintf(args, sizeof args, "calibrate --model heston --measure pricing --data %s -o %s", od, p);
        vr_test_cli_expect(args, 2, out, sizeof out, "overwrite the input", extra[k], NULL);
        snprintf(args, sizeof args, "calibrate --realism %s --data %s --report %s", m, od, p);
        vr_test_cli_expect(args, 2, out, sizeof out, "overwrite the input", extra[k], NULL);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal((long)st.st_size, (long)strlen("date,close\n2020-03-02,1\n"));
    }
}

/* Whole-number options take digits: strtoull skips blanks and wraps a negative number, so
 * `--seed " -1"` ran with seed 2^64 - 1 (and printed it) where "-1" is refused. */
static void test_whole_number_options(void **state)
{
    (void)state;
    char out[8192], args[2048], m[1200], cfg[1200];
    snprintf(m, sizeof m, "%s", write_file("good.yaml", good)); /* (the helper's buffer is reused) */
    snprintf(cfg, sizeof cfg, "%s", write_file("small.yaml", run_small));
    static const char *const bad[] = {"' -1'", "' 5'", "'+5'", "' '"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 0.5 --paths 100 --no-surface --seed %s",
                 m, bad[k]);
        vr_test_cli_expect(args, 2, out, sizeof out, "--seed: expected a whole number", NULL);
        snprintf(args, sizeof args, "check %s --paths %s", cfg, bad[k]);
        vr_test_cli_expect(args, 2, out, sizeof out, "--paths: expected a whole number", NULL);
        snprintf(args, sizeof args, "calibrate --model heston --seed %s", bad[k]);
        vr_test_cli_expect(args, 2, out, sizeof out, "--seed: expected an integer", NULL);
    }
    snprintf(args, sizeof args, "check %s --paths 5 --seed 0", cfg);
    vr_test_cli_expect(args, 0, out, sizeof out, "ok", NULL);
}

/* An option with a value given twice is refused (the last one won without a word: `-o a -o b`
 * wrote b, `calibrate --model heston --model bates` calibrated bates); flags may repeat, and so
 * may calibrate's --realism and --cap. --fast-log with --precision single changed no bit. */
static void test_repeated_options(void **state)
{
    (void)state;
    char out[8192], args[2048], m[1200], cfg[1200];
    snprintf(m, sizeof m, "%s", write_file("good.yaml", good));
    snprintf(cfg, sizeof cfg, "%s", write_file("small.yaml", run_small));
    static const struct { const char *fmt, *want; } cases[] = {
        {"check %s --paths 300 --paths 400", "check: --paths given twice: give each option once"},
        {"run %s -o x.h5 --out=y.h5", "run: --out (-o) given twice"},
        {"check %s --seed 1 --threads 1 --seed 1", "check: --seed given twice"},
        {"price --model %s --strike 1 --strike 2 --expiry 1", "price: --strike given twice"},
        {"model %s --asof 2020-03-02 --asof 2020-03-03", "model: --asof given twice"},
        {"calibrate --model heston --model bates --from %.0s2020-01-02", "calibrate: --model given twice"},
        {"report %s --format md --format csv", "report: --format given twice"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(args, sizeof args, cases[k].fmt, strncmp(cases[k].fmt, "price", 5) == 0 ||
                 strncmp(cases[k].fmt, "model", 5) == 0 ? m : cfg);
        vr_test_cli_expect(args, 2, out, sizeof out, cases[k].want, NULL);
    }
    snprintf(args, sizeof args, "check %s -q -q --paths 5", cfg); /* a flag twice says it twice */
    vr_test_cli_expect(args, 0, out, sizeof out, "ok", NULL);
    snprintf(args, sizeof args, "calibrate --realism %s --realism %s --bogus", m, m); /* (repeatable) */
    vr_test_cli_expect(args, 2, out, sizeof out, "--bogus", NULL);
    assert_null(strstr(out, "given twice"));
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 0.5 --paths 100 --fast-log --precision single", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "--fast-log changes nothing with --precision single", NULL);
}

/* OMP_NUM_THREADS sets the team wherever --threads is 0 (the default): beyond the 4096 of
 * --threads it is refused with exit 2 before anything runs. libgomp crashed (SIGSEGV) starting a
 * team of 100,000 for the pricing tables, leaving the run's temporary file behind. */
static void test_omp_num_threads_bounded(void **state)
{
    (void)state;
    char out[8192], args[2048], cfgp[1200], m[1200];
    snprintf(cfgp, sizeof cfgp, "%s", write_file("small.yaml", run_small));
    snprintf(m, sizeof m, "%s", write_file("good.yaml", good));
    const char *od = fresh_dir("omp");
    assert_int_equal(setenv("OMP_NUM_THREADS", "100000", 1), 0);
    snprintf(args, sizeof args, "run %s --quiet -o %s/r.h5", cfgp, od);
    vr_test_cli_expect(args, 2, out, sizeof out, "OMP_NUM_THREADS", "at most 4096", NULL);
    snprintf(args, sizeof args, "check %s -o %s/r.h5", cfgp, od);
    vr_test_cli_expect(args, 2, out, sizeof out, "OMP_NUM_THREADS", NULL);
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 0.5 --paths 100", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "OMP_NUM_THREADS", NULL);
    snprintf(args, sizeof args, "model %s", m);
    vr_test_cli_expect(args, 2, out, sizeof out, "OMP_NUM_THREADS", NULL);
    vr_test_cli_expect("run --help", 0, out, sizeof out, "OMP_NUM_THREADS", NULL);
    assert_int_equal(setenv("OMP_NUM_THREADS", "4096", 1), 0);
    snprintf(args, sizeof args, "check %s -o %s/r.h5", cfgp, od);
    vr_test_cli_expect(args, 0, out, sizeof out, "ok", NULL);
    /* a value OpenMP cannot read: it ignored it (libgomp's warning) and took every core */
    static const char *const bad[] = {"abc", "2x", "0", "-1", "2,", ",2", "1.5", "2 3", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(setenv("OMP_NUM_THREADS", bad[i], 1), 0);
        snprintf(args, sizeof args, "run %s --quiet -o %s/r.h5", cfgp, od);
        char want[64];
        snprintf(want, sizeof want, "OMP_NUM_THREADS: '%s' is not a number of threads", bad[i]);
        vr_test_cli_expect(args, 2, out, sizeof out, want, NULL);
    }
    static const char *const good_[] = {"1", " 2 ", "2,1", "02"}; /* what OpenMP reads */
    for (size_t i = 0; i < sizeof good_ / sizeof good_[0]; i++) {
        assert_int_equal(setenv("OMP_NUM_THREADS", good_[i], 1), 0);
        snprintf(args, sizeof args, "check %s -o %s/r.h5", cfgp, od);
        vr_test_cli_expect(args, 0, out, sizeof out, "ok", NULL);
    }
    assert_int_equal(unsetenv("OMP_NUM_THREADS"), 0);
    DIR *d = opendir(od); /* nothing written: no run file, no temporary */
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    assert_int_equal(n, 0);
}

/* report: one "vixrisk report: " prefix (the library's "report: " used to follow it); and the
 * Markdown's chart directory <stem>_files must be a real directory: a symlink there (to a
 * directory elsewhere, or dangling) or a regular file is refused with exit 2 naming it, and nothing
 * is written through it (the charts used to land in the symlink's target). */
static void test_report_prefix_and_chart_dir(void **state)
{
    (void)state;
    char out[8192], args[2048], p[1200], h5[1100];
    const char *cfg = write_file("small.yaml", run_small);
    const char *od = fresh_dir("rep_files");
    const char *far = fresh_dir("rep_far");
    snprintf(h5, sizeof h5, "%s/run.h5", od);
    snprintf(args, sizeof args, "run %s --quiet -o %s", cfg, h5);
    assert_int_equal(run(args, out, sizeof out), 0);
    const char *np = vr_test_write(od, "notrun.h5", "not an HDF5 file\n");
    assert_non_null(np);
    snprintf(p, sizeof p, "%s", np);
    snprintf(args, sizeof args, "report %s -o %s/x.html", p, od);
    vr_test_cli_expect(args, 1, out, sizeof out, "vixrisk report: cannot read ", "notrun.h5 as an HDF5 run file", NULL);
    assert_null(strstr(out, "report: report:"));
    /* r_files -> a directory elsewhere */
    snprintf(p, sizeof p, "%s/r_files", od);
    assert_int_equal(symlink(far, p), 0);
    for (int fmt = 0; fmt < 2; fmt++) {
        snprintf(args, sizeof args, "report %s -o %s/r.%s", h5, od, fmt ? "markdown" : "md");
        vr_test_cli_expect(args, 2, out, sizeof out, "r_files: exists and is a symbolic link, not a directory", NULL);
        assert_null(strstr(out, "report: report:"));
    }
    snprintf(args, sizeof args, "ls -A '%s' | wc -l", far);
    assert_int_equal(vr_run_capture(args, out, sizeof out), 0);
    assert_int_equal(atoi(out), 0); /* nothing written through the link */
    snprintf(p, sizeof p, "%s/r.md", od);
    assert_int_not_equal(access(p, F_OK), 0);
    /* a dangling one: refused, and its target not created */
    char gone[1200];
    snprintf(gone, sizeof gone, "%s/gone", far);
    snprintf(p, sizeof p, "%s/d_files", od);
    assert_int_equal(symlink(gone, p), 0);
    snprintf(args, sizeof args, "report %s -o %s/d.md", h5, od);
    vr_test_cli_expect(args, 2, out, sizeof out, "d_files: exists and is a symbolic link", NULL);
    assert_int_not_equal(access(gone, F_OK), 0);
    /* a regular file there */
    assert_non_null(vr_test_write(od, "f_files", ""));
    snprintf(args, sizeof args, "report %s -o %s/f.md", h5, od);
    vr_test_cli_expect(args, 2, out, sizeof out, "f_files: exists and is a regular file, not a directory", NULL);
    /* a real directory, existing or not: the report is written */
    snprintf(args, sizeof args, "report %s -o %s/f2.md", h5, od);
    vr_test_cli_expect(args, 0, out, sizeof out, "wrote ", NULL);
    snprintf(args, sizeof args, "report %s -o %s/f2.md", h5, od);
    vr_test_cli_expect(args, 0, out, sizeof out, "wrote ", NULL);
    snprintf(p, sizeof p, "%s/f2_files/1-a-pnl.svg", od);
    assert_int_equal(access(p, F_OK), 0);
}

/* Start the CLI with args (NULL-terminated), stdout/stderr to /dev/null; optional file-size limit. */
static pid_t spawn_cli(const char *const *args, long fsize_limit)
{
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        if (fsize_limit > 0) {
            const struct rlimit rl = {(rlim_t)fsize_limit, (rlim_t)fsize_limit};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        const struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        char *argv[16];
        int n = 0;
        argv[n++] = (char *)VIXRISK_CLI;
        for (; args[n - 1] != NULL && n < 15; n++)
            argv[n] = (char *)args[n - 1];
        argv[n] = NULL;
        execv(VIXRISK_CLI, argv);
        _exit(127);
    }
    return pid;
}

/* Every catchable termination signal removes the temporary and kills the process with that signal
 * (SIGHUP, SIGQUIT, SIGUSR1 and SIGALRM used to leave OUT.h5.tmp.* behind). */
static void test_signals_clean_up(void **state)
{
    (void)state;
    const char *cfg = write_file("slow.yaml", run_slow);
    const int sigs[] = {SIGHUP, SIGQUIT, SIGUSR1, SIGALRM, SIGINT, SIGTERM};
    for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
        const char *od = fresh_dir("sig");
        char o[1100];
        snprintf(o, sizeof o, "%s/out.h5", od);
        const char *args[] = {"run", cfg, "--quiet", "-o", o, "--threads", "1", NULL};
        const pid_t pid = spawn_cli(args, 0);
        int waited = 0; /* until the temporary exists (the run has started writing) */
        while (count_entries(od) == 0 && waited < 30000) {
            usleep(10000);
            waited += 10;
        }
        assert_int_equal(count_entries(od), 1);
        usleep(100000);
        kill(pid, sigs[k]);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        printf("signal %d: %s %d\n", sigs[k], WIFSIGNALED(status) ? "killed by" : "exit",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), sigs[k]);
        assert_int_equal(count_entries(od), 0);
    }
}

/* A write past the file-size limit (ulimit -f) is an ordinary error: exit 1 with a clear message and
 * no file left (SIGXFSZ used to kill the run and leave the temporary). */
static void test_file_size_limit(void **state)
{
    (void)state;
    const char *cfg = write_file("small.yaml", run_small);
    const char *od = fresh_dir("fsize");
    char o[1100];
    snprintf(o, sizeof o, "%s/out.h5", od);
    const char *args[] = {"run", cfg, "--quiet", "-o", o, NULL};
    const pid_t pid = spawn_cli(args, 16384);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    assert_int_equal(count_entries(od), 0);
    /* and the message, through the shell's ulimit */
    char cmd[4096], out[8192];
    snprintf(cmd, sizeof cmd, "ulimit -f 16; '%s' run '%s' --quiet -o '%s' 2>&1", VIXRISK_CLI, cfg, o);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 1);
    assert_non_null(strstr(out, "file size limit"));
    assert_int_equal(count_entries(od), 0);
}

/* A full disk (a 64 KiB tmpfs; skipped where mounting is not permitted): exit 1 with "disk full",
 * nothing left, and no crash in HDF5's shutdown (it used to die with SIGSEGV, exit 139). */
static void test_disk_full(void **state)
{
    (void)state;
    const char *cfg = write_file("small.yaml", run_small);
    const char *mnt = fresh_dir("mnt");
    char cmd[4096], out[8192];
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=64k tmpfs '%s' 2>&1", mnt);
    if (vr_run_capture(cmd, out, sizeof out) != 0) {
        printf("cannot mount a tmpfs here (%s): skipped\n", out);
        skip();
    }
    snprintf(cmd, sizeof cmd, "'%s' run '%s' --quiet -o '%s/out.h5' 2>&1; echo \"rc=$?\"", VIXRISK_CLI, cfg, mnt);
    vr_run_capture(cmd, out, sizeof out);
    const int entries = count_entries(mnt);
    snprintf(cmd, sizeof cmd, "umount '%s'", mnt);
    assert_int_equal(system(cmd), 0);
    printf("%s", out);
    assert_non_null(strstr(out, "rc=1"));
    assert_non_null(strstr(out, "disk full"));
    assert_int_equal(entries, 0);
}

/* The contract: each subcommand's --help is its own and lists exit codes and environment;
 * --version after any command; -q; run --json is one JSON object ranked by ES99. */
static void test_contract(void **state)
{
    (void)state;
    char out[16384], first[16384], args[2048];
    assert_int_equal(run("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "VIXRISK_DATA"));
    const char *cmds[] = {"run", "check", "report", "calibrate", "price"};
    first[0] = '\0';
    for (int c = 0; c < 5; c++) {
        snprintf(args, sizeof args, "%s --help", cmds[c]);
        assert_int_equal(run(args, out, sizeof out), 0);
        char u[64];
        snprintf(u, sizeof u, "usage: vixrisk %s", cmds[c]);
        assert_non_null(strstr(out, u));
        assert_non_null(strstr(out, "exit status"));
        assert_non_null(strstr(out, "130 SIGINT"));
        assert_non_null(strstr(out, "VIXRISK_ISA"));
        assert_non_null(strstr(out, "VIXRISK_DATA"));
        assert_non_null(strstr(out, "OMP_NUM_THREADS"));
        assert_string_not_equal(out, first);
        snprintf(first, sizeof first, "%s", out);
        snprintf(args, sizeof args, "%s --version", cmds[c]);
        assert_int_equal(run(args, out, sizeof out), 0);
        assert_non_null(strstr(out, "vixrisk 0."));
    }
    const char *cfg = write_file("small.yaml", run_small);
    const char *od = fresh_dir("json");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s' -q --json -o '%s/' 2>/dev/null | /usr/bin/python3 -c '"
             "import json, sys\n"
             "d = json.load(sys.stdin)\n"
             "r = d[\"scenarios\"][0][\"ranking\"]\n"
             "assert d[\"baseline\"] == \"p\" and len(r) == 2, d\n"
             "assert [x[\"rank\"] for x in r] == [1, 2]\n"
             "assert r[0][\"es99\"] <= r[1][\"es99\"]\n"
             "assert {x[\"policy\"] for x in r} == {\"p\", \"q\"}\n"
             "print(\"json ok\")' 2>&1",
             VIXRISK_CLI, cfg, od);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "json ok"));
    /* one path has no tail: ranked by its P&L, best first (as the console table); and a file name
     * that is not UTF-8 still gives valid JSON (U+FFFD for the stray byte) */
    const char *cfg_qp = write_file("small_qp.yaml", /* q first: on this path its P&L is the worse */
                                    "simulation: {paths: 400, horizon_days: 10, seed: 3}\n"
                                    "scenarios:\n"
                                    "  - name: a\n"
                                    "    model: {type: heston, spot: 100, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                                    "policies:\n"
                                    "  - name: q\n"
                                    "    condor: {short_delta: 0.10}\n"
                                    "  - name: p\n");
    const char *od1 = fresh_dir("json1");
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s' -q --json --paths 1 -o '%s/one\xff.h5' 2>/dev/null | /usr/bin/python3 -c '"
             "import json, sys\n"
             "d = json.loads(sys.stdin.buffer.read().decode(\"utf-8\"))\n"
             "s = d[\"scenarios\"][0]\n"
             "r = s[\"ranking\"]\n"
             "assert s[\"paths\"] == 1 and s[\"order\"] == \"mean descending\", s\n"
             "assert r[0][\"mean\"] > r[1][\"mean\"] and r[0][\"policy\"] == \"p\", r\n"
             "assert d[\"file\"].endswith(\"one\\ufffd.h5\"), d[\"file\"]\n"
             "print(\"json one ok\")' 2>&1",
             VIXRISK_CLI, cfg_qp, od1);
    const int rc1 = vr_run_capture(cmd, out, sizeof out);
    printf("%s\n", out);
    assert_int_equal(rc1, 0);
    assert_non_null(strstr(out, "json one ok"));
    /* the console and the verdict call a model's one path one path, not a replay */
    snprintf(args, sizeof args, "run %s --paths 1 -o %s/one_console.h5", cfg_qp, od1);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "scenario a: 1 path x 10 days"));
    assert_non_null(strstr(out, "- a (one path): P&L of"));
    /* the other policy is a difference, said so (a bare "q -27586" read as q's own P&L) */
    assert_non_null(strstr(out, "; each other policy's P&L less it: p ")); /* (q, the first, is the baseline) */
    assert_null(strstr(out, "replay"));
}

/* A hedge that removes ES99 and raises the mean too (VIX calls held through a shock to VIX 60) has
 * a negative cost per unit of ES99 removed: the verdict said "costs -1.178 of mean", which reads as
 * a cost and ranks a hedge that gained less as the cheaper one. It now says it costs nothing. */
/* A config of two policies on a Heston model: unhedged, and "hedged", ten 30-delta VIX calls bought
 * every day; sim: the simulation mapping's members, shocks: the scenario's shocks line or "". */
static const char *calls_config(const char *name, const char *sim, const char *shocks)
{
    char text[1200];
    snprintf(text, sizeof text,
             "simulation: {%s}\nscenarios:\n  - name: a\n"
             "    model: {type: heston, spot: 5000, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
             "%spolicies:\n  - name: unhedged\n  - name: hedged\n    layers:\n      - trigger: {always: true}\n"
             "        action: {type: vix_call, delta: 0.3, dte: 30, size: {by: contracts, value: 10}}\n",
             sim, shocks);
    const char *path = vr_test_write(dir, name, text);
    assert_non_null(path);
    return path;
}

static void test_verdict_gain_not_cost(void **state)
{
    (void)state;
    const char *cfg = calls_config("gain.yaml", "paths: 10000, horizon_days: 20, seed: 5",
                                   "    shocks: [{day: 2, vix_level: 60}]\n");
    char args[1200], out[16384];
    snprintf(args, sizeof args, "run '%s' -o '%s/gain.h5' --threads 2", cfg, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "(significant), dmean +",
                       "; no cost: it removes ES99 and adds to the mean too (", " of mean per 1 of ES99 removed)",
                       NULL);
    assert_null(strstr(out, "costs -"));
}

/* From a user test: a layer whose size came to 0 whole contracts bought nothing and said nothing
 * (0 activations, dES99 +0 +- 0). A future sized by pct_of_max_loss at stress_vix 60 from a VIX
 * near 20: 0.2 of the condor's 50,000 USD max loss buys 10,000 / ((60 - F) 1000) < 0.5 futures,
 * never one; 0.4 buys one where F is above 20; a fixed size always buys. */
static void test_sized_zero_noted(void **state)
{
    (void)state;
    const char *cfg = vr_test_write(
        dir, "sz.yaml",
        "simulation: {paths: 400, horizon_days: 40, seed: 3}\nscenarios:\n  - name: a\n"
        "    model: {type: heston, spot: 5000, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
        "policies:\n  - name: unhedged\n"
        "  - name: never\n    layers:\n      - {name: f, trigger: {vix_level: 5}, action: {type: vix_future, dte: 30, "
        "size: {by: pct_of_max_loss, value: 0.2, stress_vix: 60}}}\n"
        "  - name: some\n    layers:\n      - {name: f, trigger: {vix_level: 5}, action: {type: vix_future, dte: 30, "
        "size: {by: pct_of_max_loss, value: 0.4, stress_vix: 60}}}\n"
        "  - name: fixed\n    layers:\n      - {name: f, trigger: {vix_level: 5}, action: {type: vix_future, dte: 30, "
        "size: {by: contracts, value: 1}}}\n"
        /* 2 x 50,000 USD of cover at a VIX of 25 takes about 100,000 / (5 x 1,000) = 20 futures
         * where the future is near 20: the cap cuts it to 3 */
        "  - name: capped\n    layers:\n      - {name: f, trigger: {vix_level: 5}, action: {type: vix_future, dte: 30, "
        "size: {by: pct_of_max_loss, value: 2, stress_vix: 25, max_contracts: 3}}}\n");
    char args[1200], out[16384], h5[400];
    snprintf(h5, sizeof h5, "%s/sz.h5", dir);
    snprintf(args, sizeof args, "run '%s' -o '%s' --threads 2 -q", cfg, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, "note: a: policy never, layer f never bought: on each of the ",
                       "note: a: policy some, layer f: on ", " path-days its trigger called for a purchase and its size "
                       "came to 0 whole contracts", "note: a: policy capped, layer f: size.max_contracts (3) cut ",
                       NULL);
    assert_null(strstr(out, "policy fixed, layer f"));
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    double never = 0, some = 0, acts = 0;
    assert_int_equal(vr_h5_read_attr_double(r, "/a/never/layers/f", "sized_zero_days", &never, &err), VR_OK);
    assert_int_equal(vr_h5_read_attr_double(r, "/a/some/layers/f", "sized_zero_days", &some, &err), VR_OK);
    assert_int_equal(vr_h5_read_attr_double(r, "/a/some/layers/f", "mean_activations", &acts, &err), VR_OK);
    assert_false(vr_h5_attr_exists(r, "/a/fixed/layers/f", "sized_zero_days"));
    double capped = 0, cacts = 0;
    assert_int_equal(vr_h5_read_attr_double(r, "/a/capped/layers/f", "sized_capped_purchases", &capped, &err), VR_OK);
    assert_int_equal(vr_h5_read_attr_double(r, "/a/capped/layers/f", "mean_activations", &cacts, &err), VR_OK);
    assert_false(vr_h5_attr_exists(r, "/a/some/layers/f", "sized_capped_purchases"));
    assert_false(vr_h5_attr_exists(r, "/a/fixed/layers/f", "sized_capped_purchases"));
    vr_h5_close(r);
    /* every purchase of the capped layer asked for more than 3 (its activations are its purchases) */
    printf("  capped: %.0f purchases cut, %.0f activations\n", capped, cacts * 400);
    assert_true(capped > 0 && fabs(capped - cacts * 400) < 0.5);
    printf("  sized to 0: never %.0f, some %.0f path-days (some acted %.4f a path)\n", never, some, acts);
    /* the trigger holds on almost every day of 400 x 41 */
    assert_true(never > 10000 && never <= 400 * 41);
    assert_true(some > 0 && some < never && acts > 0);
    /* the same counts on one thread (integer sums over the threads' paths) */
    char h5b[400];
    snprintf(h5b, sizeof h5b, "%s/sz1.h5", dir);
    snprintf(args, sizeof args, "run '%s' -o '%s' --threads 1 -q", cfg, h5b);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    assert_int_equal(vr_h5_open_read(h5b, &r, &err), VR_OK);
    double never1 = 0, some1 = 0, capped1 = 0;
    assert_int_equal(vr_h5_read_attr_double(r, "/a/never/layers/f", "sized_zero_days", &never1, &err), VR_OK);
    assert_int_equal(vr_h5_read_attr_double(r, "/a/some/layers/f", "sized_zero_days", &some1, &err), VR_OK);
    assert_int_equal(vr_h5_read_attr_double(r, "/a/capped/layers/f", "sized_capped_purchases", &capped1, &err),
                     VR_OK);
    vr_h5_close(r);
    assert_true(never1 == never && some1 == some && capped1 == capped);
    /* the report says it under the scenario */
    snprintf(args, sizeof args, "report '%s' -o '%s/sz.md'", h5, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    char md[600];
    snprintf(md, sizeof md, "grep -c 'layer f bought nothing on [0-9]* path-days where its size came to 0' '%s/sz.md'", dir);
    assert_int_equal(vr_run_capture(md, out, sizeof out), 0);
    snprintf(md, sizeof md, "grep -c 'policy capped, layer f: size.max.*contracts cut [0-9]* of its purchases' '%s/sz.md'",
             dir);
    assert_int_equal(vr_run_capture(md, out, sizeof out), 0);
}

/* "-o -" made a file named "-" (most tools read it as standard output): a usage error now, for
 * every command that writes files, before anything is read or simulated. */
static void test_dash_out(void **state)
{
    (void)state;
    char out[4096], args[1200];
    snprintf(args, sizeof args, "report '%s/none.h5' -o - --format json", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "vixrisk report: an output named '-' would be a file named '-'", NULL);
    const char *cfg = vr_test_write(dir, "dash.yaml", "simulation: {paths: 10, horizon_days: 5}\nscenarios:\n"
                                                       "  - name: a\n    model: {type: heston, spot: 5000, v0: 0.04, "
                                                       "physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                                                       "policies:\n  - name: p\n");
    snprintf(args, sizeof args, "run '%s' -o - -q", cfg);
    vr_test_cli_expect(args, 2, out, sizeof out, "vixrisk run: an output named '-' would be a file named '-'", NULL);
    snprintf(args, sizeof args, "check '%s' -o -", cfg);
    vr_test_cli_expect(args, 2, out, sizeof out, "vixrisk check: an output named '-' would be a file named '-'", NULL);
}

/* check said ok for a run that run refused at once (a user test: --paths 1000000000, whose
 * per-path outputs need about a terabyte): it asks the same question now. 10^10 paths need about
 * 1.6 TB per policy: more than any machine's memory and any disk's free space twice over. */
static void test_check_store_room(void **state)
{
    (void)state;
    char out[4096], args[1200];
    const char *text = "simulation: {paths: 10, horizon_days: 5%s}\nscenarios:\n"
                       "  - name: a\n    model: {type: heston, spot: 5000, v0: 0.04, "
                       "physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                       "policies:\n  - name: p\n";
    char yaml[600];
    snprintf(yaml, sizeof yaml, text, "");
    const char *cfg = vr_test_write(dir, "room.yaml", yaml);
    snprintf(args, sizeof args, "check '%s' --paths 10000000000 -o '%s/'", cfg, dir);
    vr_test_cli_expect(args, 1, out, sizeof out, "vixrisk check: run: the per-path outputs of 10000000000 paths need ",
                       "simulation.store_paths: false", NULL);
    /* with the memory limit above what the machine has: the same answer (the limit let check say
     * ok while run refused, a review found) */
    assert_int_equal(setenv("VIXRISK_PATH_STORE_MB", "1000000000", 1), 0);
    vr_test_cli_expect(args, 1, out, sizeof out, "vixrisk check: run: the per-path outputs of 10000000000 paths need ",
                       NULL);
    assert_int_equal(unsetenv("VIXRISK_PATH_STORE_MB"), 0);
    snprintf(yaml, sizeof yaml, text, ", store_paths: false");
    cfg = vr_test_write(dir, "room_streamed.yaml", yaml);
    snprintf(args, sizeof args, "check '%s' --paths 10000000000 -o '%s/'", cfg, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, ": ok: 1 scenario", NULL);
    snprintf(yaml, sizeof yaml, text, "");
    cfg = vr_test_write(dir, "room_small.yaml", yaml);
    snprintf(args, sizeof args, "check '%s' --paths 100000 -o '%s/'", cfg, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, ": ok: 1 scenario", NULL);
}

/* From a user test of the reports: with a baseline that has layers the attribution's header said
 * the condor's difference and the layers' nets make dmean (they make it less the baseline's own
 * layers' nets); and loss thresholds with cents were headed in whole dollars ("P(loss > 0)" for
 * 0.4, "P(loss > 1,000)" for 1000.5). */
static void test_layered_baseline_and_cents(void **state)
{
    (void)state;
    const char *cfg = calls_config(
        "lb.yaml", "paths: 300, horizon_days: 10, seed: 5, baseline: hedged, loss_thresholds: [0.4, 0.6, 1000.5, 2000]",
        "");
    char args[1200], out[16384];
    snprintf(args, sizeof args, "run '%s' -o '%s/lb.h5' --threads 2", cfg, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "with the layers' nets less the baseline's layers' nets it makes dmean",
                       NULL);
    snprintf(args, sizeof args, "report '%s/lb.h5' --format md -o '%s/lb.md'", dir, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/lb.md", dir);
    char *md = vr_test_slurp(path);
    assert_non_null(md);
    assert_non_null(strstr(md, "P(loss \\> 0.40)"));
    assert_non_null(strstr(md, "P(loss \\> 0.60)"));
    assert_non_null(strstr(md, "P(loss \\> 1000.50)"));
    assert_non_null(strstr(md, "P(loss \\> 2,000)"));
    /* each scenario's section says where it started */
    assert_non_null(strstr(md, "\n\nStart: VIX 20.00 (v0 0.04).\n\n"));
    free(md);
    if (!vr_test_have_data())
        return;
    /* a replay: its window, its state and its caveats (2017-12-01 closed below the SVCJ floor) */
    char text[1200];
    snprintf(text, sizeof text,
             "simulation: {paths: 1}\nscenarios:\n  - name: r\n    type: history\n    data: %s\n"
             "    window: {from: 2017-12-01, to: 2018-02-28}\n"
             "    model: {type: svcj, spot: 5000, rate: 0.04, dividend: 0.013, v0: 0.02, physical: {kappa: 3.0, "
             "theta: 0.022, sigma: 0.45, rho: -0.75, lambda: 0.8, mu_v: 0.04, mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}, "
             "pricing: {kappa: 2.4, theta: 0.030, sigma: 0.45, rho: -0.75, lambda: 1.2, mu_v: 0.05, mu_s: -0.04, "
             "sigma_s: 0.05, rho_j: -0.6}}\npolicies:\n  - name: unhedged\n", VR_TEST_DATA_DIR);
    cfg = vr_test_write(dir, "rp.yaml", text);
    /* check names the replay's own extent: one path, its window's days (it said 1 path x 252 days) */
    snprintf(args, sizeof args, "check '%s' -o '%s/rp.h5'", cfg, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "1 path x 252 days; scenario r: 1 path x 59 days ->", NULL);
    snprintf(args, sizeof args, "run '%s' -o '%s/rp.h5' -q", cfg, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    snprintf(args, sizeof args, "report '%s/rp.h5' --format json -o '%s/rp.json'", dir, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    snprintf(path, sizeof path, "%s/rp.json", dir);
    char *js = vr_test_slurp(path);
    assert_non_null(js);
    assert_non_null(strstr(js, "\"start\": \"a replay of 2017-12-01..2018-02-28 from VIX 11.43 (the close; the model's "
                               "state: VIX 12.09, its floor, v0 0); the VIX closed below the model's floor on "));
    free(js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_json_and_threads),
        cmocka_unit_test(test_surface_none),
        cmocka_unit_test(test_price_ranges),
        cmocka_unit_test(test_future_no_strike),
        cmocka_unit_test(test_stdout_write_error),
        cmocka_unit_test(test_price_no_spread),
        cmocka_unit_test(test_price_direct_failure_named),
        cmocka_unit_test(test_output_directory),
        cmocka_unit_test(test_output_refused),
        cmocka_unit_test(test_output_never_a_data_file),
        cmocka_unit_test(test_whole_number_options),
        cmocka_unit_test(test_repeated_options),
        cmocka_unit_test(test_omp_num_threads_bounded),
        cmocka_unit_test(test_report_prefix_and_chart_dir),
        cmocka_unit_test(test_threads_beyond_blocks),
        cmocka_unit_test(test_tables_fail_named),
        cmocka_unit_test(test_breakdowns_fail_named),
        cmocka_unit_test(test_run_stages),
        cmocka_unit_test(test_inputs_not_regular),
        cmocka_unit_test(test_data_empty),
        cmocka_unit_test(test_signals_clean_up),
        cmocka_unit_test(test_failed_output_dirs_removed),
        cmocka_unit_test(test_short_horizon_chart_and_h5_config),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_contract),
        cmocka_unit_test(test_verdict_gain_not_cost),
        cmocka_unit_test(test_sized_zero_noted),
        cmocka_unit_test(test_dash_out),
        cmocka_unit_test(test_check_store_room),
        cmocka_unit_test(test_layered_baseline_and_cents),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
