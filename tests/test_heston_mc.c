/* test_heston_mc.c: the Monte Carlo path generator against the semi-analytic prices.
 *
 * Each case prices a European option with vr_price (QE scheme, daily steps, fixed seed) and
 * requires |MC - analytic| <= 4 SE. The QE discretisation bias at 252 steps per year is far
 * below 1 SE at these path counts (Andersen 2008, tables 3-5), so 4 SE leaves room for chance
 * only (a 4-SE miss has probability 6e-5 per case). Cases: a base case, the Fang-Oosterlee set,
 * Feller's condition strongly violated (2 kappa theta / sigma^2 = 0.04), 7-day and 1-year
 * expiries, in- and out-of-the-money calls and puts, positive rho. */
#include <math.h>
#include <omp.h>
#include <stdio.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_price.h"
#include "vr_test_util.h"

#if defined(VR_TEST_SMALL)
#define PATHS 40000 /* the sanitizer build runs the same cases, smaller */
#else
#define PATHS 200000
#endif

typedef struct mc_case {
    const char *name;
    vr_sv_params p;
    double spot, rate, div, v0, K, T;
    vr_option_kind opt;
    vr_scheme scheme;
    size_t spy;
} mc_case;

static const mc_case cases[] = {
    {"base atm call 6m", {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7}, 100, 0.03, 0.01, 0.04, 100, 0.5, VR_OPTION_CALL, VR_SCHEME_QE, 252},
    {"fang-oosterlee 1y", {.kappa = 1.5768, .theta = 0.0398, .sigma = 0.5751, .rho = -0.5711}, 100, 0, 0, 0.0175, 100, 1.0, VR_OPTION_CALL, VR_SCHEME_QE, 252},
    {"feller violated put 1y", {.kappa = 0.5, .theta = 0.04, .sigma = 1.0, .rho = -0.9}, 100, 0.02, 0.0, 0.04, 90, 1.0, VR_OPTION_PUT, VR_SCHEME_QE, 252},
    {"feller violated call 1y", {.kappa = 0.5, .theta = 0.04, .sigma = 1.0, .rho = -0.9}, 100, 0.02, 0.0, 0.04, 110, 1.0, VR_OPTION_CALL, VR_SCHEME_QE, 252},
    {"7-day atm call", {.kappa = 2, .theta = 0.04, .sigma = 0.6, .rho = -0.7}, 4500, 0.04, 0.015, 0.03, 4500, 7.0 / 365, VR_OPTION_CALL, VR_SCHEME_QE, 365},
    {"7-day otm put", {.kappa = 2, .theta = 0.04, .sigma = 0.6, .rho = -0.7}, 4500, 0.04, 0.015, 0.03, 4400, 7.0 / 365, VR_OPTION_PUT, VR_SCHEME_QE, 365},
    {"1y deep otm call 130%", {.kappa = 3, .theta = 0.09, .sigma = 0.3, .rho = 0.3}, 100, 0.01, 0.0, 0.09, 130, 1.0, VR_OPTION_CALL, VR_SCHEME_QE, 252},
    {"1y otm put 70%", {.kappa = 1.2, .theta = 0.05, .sigma = 0.7, .rho = -0.8}, 100, 0.03, 0.02, 0.06, 70, 1.0, VR_OPTION_PUT, VR_SCHEME_QE, 252},
    {"euler base call 6m", {.kappa = 2, .theta = 0.04, .sigma = 0.3, .rho = -0.7}, 100, 0.03, 0.01, 0.04, 100, 0.5, VR_OPTION_CALL, VR_SCHEME_EULER, 365},
};

static void run_case(const mc_case *c)
{
    vr_price_req req = {
        .model = {.type = VR_MODEL_HESTON, .spot = c->spot, .rate = c->rate, .dividend = c->div,
                  .v0 = c->v0, .physical = c->p, .pricing = c->p},
        .underlying = VR_UNDERLYING_SPX, .option = c->opt, .strike = c->K, .expiry = c->T,
        .paths = PATHS, .steps_per_year = c->spy, .seed = 20261124, .scheme = c->scheme,
        .no_surface = 1, /* MC against the direct pricer: no tables needed */
    };
    vr_price_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&req, &res, &err), VR_OK);
    const double z = (res.mc - res.analytic) / res.se;
    printf("%-26s mc %12.6f se %9.6f analytic %12.6f  z %+.2f\n", c->name, res.mc, res.se,
           res.analytic, z);
    assert_true(isfinite(res.analytic));
    assert_true(res.se > 0 && res.se < 0.05 * (res.analytic + c->spot * 1e-3));
    assert_true(fabs(z) <= 4.0);
}

/* req.threads bounds the whole call, the table build included (vr_price sets OpenMP's default
 * team for it) and leaves the caller's setting as it was; 1 and 3 threads give the same bits, the
 * tables' price included. */
static void test_threads_bound_and_restored(void **state)
{
    (void)state;
    vr_price_req req = {
        .model = {.type = VR_MODEL_HESTON, .spot = 100, .rate = 0.03, .dividend = 0.01, .v0 = 0.04,
                  .physical = cases[0].p, .pricing = cases[0].p},
        .underlying = VR_UNDERLYING_SPX, .option = VR_OPTION_CALL, .strike = 105, .expiry = 0.25,
        .paths = 4096, .steps_per_year = 252, .seed = 7, .scheme = VR_SCHEME_QE, .threads = 1,
    };
    const int before = omp_get_max_threads();
    vr_price_result r1, r3;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&req, &r1, &err), VR_OK);
    assert_int_equal(omp_get_max_threads(), before);
    req.threads = 3;
    assert_int_equal(vr_price(&req, &r3, &err), VR_OK);
    assert_int_equal(omp_get_max_threads(), before);
    assert_true(isfinite(r1.surface));
    assert_memory_equal(&r1.mc, &r3.mc, sizeof r1.mc);
    assert_memory_equal(&r1.surface, &r3.surface, sizeof r1.surface);
}

static void test_heston_mc_vs_analytic(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* The test can fail: a wrong model (mispriced drift) is caught. Shifting the rate by 50 bp in
 * the simulation only must move the base case far beyond 4 SE. */
static void test_detects_mispricing(void **state)
{
    (void)state;
    const mc_case *c = &cases[0];
    vr_price_req req = {
        .model = {.type = VR_MODEL_HESTON, .spot = c->spot, .rate = c->rate + 0.005,
                  .dividend = c->div, .v0 = c->v0, .physical = c->p, .pricing = c->p},
        .option = c->opt, .strike = c->K, .expiry = c->T, .paths = PATHS, .steps_per_year = 252,
        .seed = 20261124, .no_surface = 1,
    };
    vr_price_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&req, &res, &err), VR_OK);
    double a;
    assert_int_equal(vr_analytic_european(VR_MODEL_HESTON, &c->p, c->spot, c->rate, c->div, c->v0,
                                          c->K, c->T, 1, &a, &err), VR_OK);
    printf("mispriced drift: z = %.1f\n", (res.mc - a) / res.se);
    assert_true(fabs(res.mc - a) / res.se > 4.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heston_mc_vs_analytic),
        cmocka_unit_test(test_threads_bound_and_restored),
        cmocka_unit_test(test_detects_mispricing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
