/* test_price_cli.c: what `vixrisk price` prints is what it computed.
 *
 * - --json numbers read back to the library's doubles (they were printed with %.12g: "strike" was
 *   not the typed strike, mc, se and analytic lost their last five digits);
 * - the text header shows the strike and expiry as read (%g printed --strike 100.0001 as 100);
 * - a failure of the Monte Carlo is reported as one, next to the direct price it did compute (it
 *   was reported as "the direct price ... could not be computed to its tolerance"), and the
 *   failing path's state names every factor (svcj2's m was left out). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_price.h"
#include "vixrisk/vr_svcj2.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("price-cli", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

static const char *heston =
    "model:\n"
    "  type: heston\n"
    "  spot: 100.0\n"
    "  rate: 0.03\n"
    "  dividend: 0.01\n"
    "  v0: 0.04\n"
    "  physical: {kappa: 2.0, theta: 0.04, sigma: 0.5, rho: -0.7}\n";

/* The number after "key": in js (NAN when absent). */
static double json_field(const char *js, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(js, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static vr_price_req req_of(const char *model_file)
{
    vr_price_req r;
    memset(&r, 0, sizeof r);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_load(model_file, &r.model, &err), VR_OK);
    r.underlying = VR_UNDERLYING_SPX;
    r.option = VR_OPTION_CALL;
    r.paths = 2000;
    r.steps_per_year = 252;
    r.seed = 1;
    r.scheme = VR_SCHEME_QE;
    r.threads = 1;
    r.kt = default_isa(); /* the CLI's pick: VIXRISK_ISA, else the best */
    r.no_surface = 1;
    return r;
}

/* A request of the test's Heston file for the tabulated price of a call (K, T), an SPX one unless
 * the test changes the underlying, beside a short Monte Carlo (the tests that read `surface`). */
static vr_price_req surface_req(double strike, double expiry)
{
    const char *m = vr_test_write(dir, "heston.yaml", heston);
    assert_non_null(m);
    vr_price_req r = req_of(m);
    r.strike = strike;
    r.expiry = expiry;
    r.paths = 100;
    r.no_surface = 0;
    return r;
}

static void test_json_round_trip(void **state)
{
    (void)state;
    const char *m = vr_test_write(dir, "heston.yaml", heston);
    assert_non_null(m);
    char out[4096], args[1024];
    const char *ks = "95.123456789012345", *ts = "0.2512345678901234";
    snprintf(args, sizeof args, "price --model %s --strike %s --expiry %s --paths 2000 --threads 1 "
             "--json --no-surface", m, ks, ts);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"mc\": ", NULL);
    printf("%s", out);
    vr_price_req r = req_of(m);
    r.strike = strtod(ks, NULL);
    r.expiry = strtod(ts, NULL);
    vr_price_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&r, &res, &err), VR_OK);
    /* the echoed inputs and every result, to the last bit */
    assert_true(json_field(out, "strike") == r.strike);
    assert_true(json_field(out, "expiry") == r.expiry);
    assert_true(json_field(out, "mc") == res.mc);
    assert_true(json_field(out, "se") == res.se);
    assert_true(json_field(out, "analytic") == res.analytic);
    assert_true(json_field(out, "z") == res.z);
    assert_null(strstr(out, "-0,"));
}

static void test_text_header_as_read(void **state)
{
    (void)state;
    const char *m = vr_test_write(dir, "heston.yaml", heston);
    assert_non_null(m);
    char out[4096], args[1024];
    snprintf(args, sizeof args, "price --model %s --strike 100.0001 --expiry 0.0833333333333 --paths 100 "
             "--no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "heston spx call, strike 100.0001, expiry 0.0833333333333 y: ",
                       NULL);
    /* a short strike keeps its short form */
    snprintf(args, sizeof args, "price --model %s --strike 95 --expiry 0.25 --paths 100 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "heston spx call, strike 95, expiry 0.25 y: ", NULL);
}

/* In the library: a Monte Carlo failure (a path step that poisons a lane) returns VR_ENUM with the
 * direct price set, the same as a clean run's; that is how the command tells the two apart. */
static void test_mc_failure_keeps_direct_price(void **state)
{
    (void)state;
    const char *m = vr_test_write(dir, "heston.yaml", heston);
    assert_non_null(m);
    vr_price_req r = req_of(m);
    r.strike = 100;
    r.expiry = 0.25;
    r.paths = 64;
    r.steps_per_year = 12;
    vr_price_result clean, bad;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&r, &clean, &err), VR_OK);
    r.kt = vr_test_poisoned_qe();
    assert_int_equal(vr_price(&r, &bad, &err), VR_ENUM);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "path 3 of 64 ends with a non-finite state"));
    assert_true(isfinite(bad.analytic) && bad.analytic == clean.analytic);
}

/* On the command line: an expiry below VR_PRICE_EXPIRY_MIN (1e-8 years) is refused before the
 * Monte Carlo runs, exit 2 with the range, for either precision: the path step used to break down
 * there (1e-200 years gave a state that was not finite; single precision by 1e-20) and the command
 * failed after simulating. At the range's edge the command prices, in both precisions, every
 * model of the two-factor and jump families included, with no non-finite number printed. (The
 * message that blames a failing simulation is test_mc_failure_message's, with a poisoned step.) */
static void test_mc_failure_named(void **state)
{
    (void)state;
    const char *m = vr_test_write(dir, "heston.yaml", heston);
    assert_non_null(m);
    char out[8192], args[1024];
    const char *tiny[] = {"1e-200", "1e-20", "9.9e-9"};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "price --model %s --strike 100 --expiry %s --paths 10 --no-surface", m,
                 tiny[i]);
        vr_test_cli_expect(args, 2, out, sizeof out, "--expiry must be in [1e-08, 50] years for --underlying spx", NULL);
    }
    snprintf(args, sizeof args, "price --model %s/configs/models/svcj2_cal_rn.yaml --strike 100 --expiry 1e-300 "
             "--paths 10 --no-surface", VIXRISK_SOURCE_DIR);
    vr_test_cli_expect(args, 2, out, sizeof out, "--expiry must be in [1e-08, 30] years", NULL);
    const char *models[] = {"heston.yaml", "svcj_cal_rn.yaml", "svcj2_cal_rn.yaml"};
    for (int i = 0; i < 3; i++)
        for (int single = 0; single < (i < 2 ? 2 : 1); single++) {
            snprintf(args, sizeof args, "price --model %s/configs/models/%s --strike 100 --expiry 1e-8 --paths 64 "
                     "--no-surface%s", VIXRISK_SOURCE_DIR, models[i], single ? " --precision single" : "");
            const int rc = vr_test_cli(args, out, sizeof out);
            if (rc != 0 || strstr(out, "nan") != NULL || strstr(out, "inf") != NULL)
                fail_msg("%s: exit %d\n%s", args, rc, out);
        }
}

/* svcj2's direct VIX option price fell apart below a few minutes to expiry (at 1e-6 years 83 SE
 * from Monte Carlo, at 1e-8 four times the Monte Carlo price, and the command then said "trust
 * the direct price"): such expiries are refused with the range, and at the edge of the range the
 * direct price agrees with Monte Carlo (400,000 paths, fixed seed; within 4 SE). */
static void test_svcj2_vix_short_expiry(void **state)
{
    (void)state;
    char path[512], out[8192], args[1024];
    snprintf(path, sizeof path, "%s/configs/models/svcj2_cal_rn.yaml", VIXRISK_SOURCE_DIR);
    snprintf(args, sizeof args, "price --model %s --underlying vix --strike 15 --expiry 1e-6 --paths 10 "
             "--no-surface", path);
    vr_test_cli_expect(args, 2, out, sizeof out, "--expiry must be in [1e-05, 10] years for a vix option under a svcj2 model", NULL);
    static const struct {
        double k;
        vr_option_kind opt;
    } c[] = {{14, VR_OPTION_CALL}, {15.03, VR_OPTION_CALL}, {16, VR_OPTION_PUT}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        vr_price_req r = req_of(path);
        r.underlying = VR_UNDERLYING_VIX;
        r.option = c[i].opt;
        r.strike = c[i].k;
        r.expiry = VR_SVCJ2_VIX_OPTION_TMIN;
        r.paths = 400000;
        r.seed = 7;
        vr_price_result res;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_price(&r, &res, &err), VR_OK);
        print_message("K %g: mc %.6f se %.6f direct %.6f z %.2f\n", c[i].k, res.mc, res.se,
                      res.analytic, res.z);
        assert_true(res.se > 0 && fabs(res.z) < 4);
    }
}

/* An SPX option past the VIX table's 10 years had no tabulated price, for the VIX table's reason
 * ("the VIX option table ... tau_max must be in (..., 10]"), though an SPX request builds the SPX
 * tables only (30 years): the checks of a build now leave out the tables it leaves out. */
static void test_spx_surface_past_vix_range(void **state)
{
    (void)state;
    vr_price_req r = surface_req(100, 10.5);
    vr_price_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&r, &res, &err), VR_OK);
    print_message("direct %.9f surface %.9f (%s)\n", res.analytic, res.surface, res.surface_none);
    assert_true(isfinite(res.surface));
    assert_true(fabs(res.surface - res.analytic) < 1e-4 * res.analytic);
    /* beyond the SPX tables' 30 years: none, for the SPX tables' reason */
    r.expiry = 31;
    assert_int_equal(vr_price(&r, &res, &err), VR_OK);
    assert_true(isnan(res.surface));
    assert_non_null(strstr(res.surface_none, "(0, 30] years"));
    assert_null(strstr(res.surface_none, "VIX"));
}

/* Heston at sigma 10: the tables to a year are refused (a 6-month call's table price far from the
 * direct one: test_pricing, test_selfcheck_refuses_what_it_should), so `price` said `surface none`
 * for any expiry, while a run trading 30-day options builds its tables to 32 days and marks with
 * them. A 30-day call is now priced from those tables, within the check's 0.2 vol points of the
 * direct price, and the year's refusal is kept beside it; an option past a year still has none. */
static void test_surface_short_tables(void **state)
{
    (void)state;
    vr_price_req r = surface_req(101, 30.0 / 365);
    r.model.physical.sigma = r.model.pricing.sigma = 10;
    vr_price_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&r, &res, &err), VR_OK);
    print_message("30 days: direct %.6f surface %.6f from tables to %.1f days (a year: %s)\n", res.analytic,
                  res.surface, res.surface_days, res.surface_year);
    assert_true(isfinite(res.surface));
    assert_true(res.surface_none[0] == 0);
    assert_true(fabs(res.surface_days - 32) < 1e-9);
    assert_non_null(strstr(res.surface_year, "the SPX table misses the model's direct price"));
    /* vega of an at-the-money 30-day call at 20% vol: S sqrt(T) phi(d1) ~ 100 x 0.286 x 0.399 */
    assert_true(fabs(res.surface - res.analytic) < 0.002 * 100 * sqrt(r.expiry) * 0.399);
    /* past a year there is no shorter table to fall back on */
    r.expiry = 1.5;
    assert_int_equal(vr_price(&r, &res, &err), VR_OK);
    assert_true(isnan(res.surface) && isnan(res.surface_days));
    assert_non_null(strstr(res.surface_none, "the pricing tables did not build: the SPX table misses"));
    /* a set whose tables build to a year is priced from them, as before */
    r.model.physical.sigma = r.model.pricing.sigma = 0.5;
    r.expiry = 30.0 / 365;
    assert_int_equal(vr_price(&r, &res, &err), VR_OK);
    assert_true(isfinite(res.surface) && isnan(res.surface_days) && res.surface_year[0] == 0);
}

/* A VIX call at a state above the VIX option table's top (v0 = 3, VIX 166; the table's top is at
 * v = 1): the tabulated price was the table's extrapolation, 3.2303 against the direct 4.6357 at
 * the money; `price` now builds the tables a run starting there builds (vr_model.vix_cover), within
 * the table's tolerance max(0.5% of the price, 0.005). */
static void test_vix_surface_above_table(void **state)
{
    (void)state;
    vr_price_req r = surface_req(150, 30.0 / 365);
    r.model.v0 = 3.0;
    r.underlying = VR_UNDERLYING_VIX;
    vr_price_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&r, &res, &err), VR_OK);
    print_message("direct %.6f surface %.6f (%s)\n", res.analytic, res.surface, res.surface_none);
    assert_true(fabs(res.surface - res.analytic) <= fmax(0.005 * res.analytic, 0.005));
    assert_true(r.model.vix_cover == 0); /* (the request's model is left as it was) */
}

/* A VIX option or future within a day of expiry: the VIX tables' time axis starts at 1 day and a
 * lookup below it took the first node's price (a 0.0001-year call at K 15 from the tables at 0.558
 * against 0.112 analytic, printed as `surface`): no surface there, and the reason; at 1 day and
 * beyond the tables' price, near the direct one. */
static void test_vix_surface_under_a_day(void **state)
{
    (void)state;
    const double expiries[] = {1e-4, 0.5 / 365, 1.0 / 365, 3.0 / 365};
    for (int k = 0; k < 4; k++)
        for (int fut = 0; fut < 2; fut++) {
            vr_price_req r = surface_req(22, expiries[k]);
            r.underlying = VR_UNDERLYING_VIX;
            r.option = fut ? VR_OPTION_FUTURE : VR_OPTION_CALL;
            vr_price_result res;
            vr_err err = {VR_OK, ""};
            assert_int_equal(vr_price(&r, &res, &err), VR_OK);
            print_message("%s at %.5f y: direct %.6f surface %.6f (%s)\n", fut ? "future" : "call", r.expiry,
                          res.analytic, res.surface, res.surface_none);
            if (expiries[k] < 1.0 / 365) {
                assert_true(isnan(res.surface));
                assert_non_null(strstr(res.surface_none, "start at 1 day"));
            } else {
                assert_true(isfinite(res.surface) && res.surface_none[0] == 0);
                assert_true(fabs(res.surface - res.analytic) <= fmax(0.005 * res.analytic, 0.005));
            }
        }
}

/* A Monte Carlo that misses the price with no spread (every path paid the same, se 0) is warned
 * about like one many standard errors away: svcj with rho_j mu_v near 1 (valid: 0.9995 < 1) gave
 * 0 against a direct 99.9 in silence, exit 0, since the warning needs a finite z. A price the
 * paths do reproduce (a call far out of the money whose paths all pay 0) gives no warning. */
static void test_zero_se_miss_warned(void **state)
{
    (void)state;
    const char *m = vr_test_write(dir, "s_rj.yaml",
                                  "model: {type: svcj, spot: 100, rate: 0.03, dividend: 0.01, v0: 0.04, "
                                  "physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7, lambda: 1, "
                                  "mu_v: 0.5, mu_s: 0, sigma_s: 0.1, rho_j: 1.999}}\n");
    assert_non_null(m);
    char out[4096], args[1024];
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 0.1 --paths 10000 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "the Monte Carlo standard error is 0 (every path paid the same)",
                       "price: warning: the Monte Carlo price is 99.900050 from the direct price, and the Monte "
                       "Carlo standard error is 0", "trust the direct price", NULL);
    /* the same in JSON (stdout keeps its form; the warning is on stderr) */
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 0.1 --paths 10000 --no-surface --json", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"z_none\": ", "price: warning: ", NULL);
    /* one path is one draw: nothing to warn about */
    snprintf(args, sizeof args, "price --model %s --strike 100 --expiry 0.1 --paths 1 --no-surface", m);
    vr_test_cli_expect(args, 0, out, sizeof out, "(one path)", NULL);
    assert_null(strstr(out, "warning"));
    /* every path pays 0 and so does the direct price (to its last printed digit): no warning */
    const char *h = vr_test_write(dir, "heston.yaml", heston);
    snprintf(args, sizeof args, "price --model %s --strike 1000 --expiry 0.01 --paths 1000 --no-surface", h);
    vr_test_cli_expect(args, 0, out, sizeof out, "every path paid the same", NULL);
    assert_null(strstr(out, "warning"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_text_header_as_read),
        cmocka_unit_test(test_mc_failure_keeps_direct_price),
        cmocka_unit_test(test_mc_failure_named),
        cmocka_unit_test(test_svcj2_vix_short_expiry),
        cmocka_unit_test(test_spx_surface_past_vix_range),
        cmocka_unit_test(test_surface_short_tables),
        cmocka_unit_test(test_vix_surface_above_table),
        cmocka_unit_test(test_vix_surface_under_a_day),
        cmocka_unit_test(test_zero_se_miss_warned),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
