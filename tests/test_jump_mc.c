/* test_jump_mc.c: Bates and SVCJ Monte Carlo prices against their semi-analytic prices, and VIX
 * futures and options from simulated variance against the direct VIX pricer, all within 4 SE
 * (fixed seeds). Cases span 7 days to 1 year and 70%-130% strikes. The jump sampling is exact
 * given the step's count and the QE bias at daily steps is far below 1 SE here, so a miss beyond
 * 4 SE (probability 6e-5 per case by chance) means a mispriced model. */
#include <math.h>
#include <stdio.h>

#include "vixrisk/vr_price.h"
#include "vr_test_util.h"

#if defined(VR_TEST_SMALL)
#define PATHS 40000
#else
#define PATHS 200000
#endif

static const vr_sv_params bates1 = {.kappa = 2.0, .theta = 0.04, .sigma = 0.5, .rho = -0.7,
                                    .lambda = 0.8, .mu_j = -0.08, .sigma_j = 0.10};
static const vr_sv_params bates2 = {.kappa = 1.0, .theta = 0.03, .sigma = 0.9, .rho = -0.8,
                                    .lambda = 3.0, .mu_j = -0.03, .sigma_j = 0.05};
static const vr_sv_params svcj1 = {.kappa = 3.0, .theta = 0.02, .sigma = 0.4, .rho = -0.6,
                                   .lambda = 1.0, .mu_v = 0.05, .mu_s = -0.05, .sigma_s = 0.06,
                                   .rho_j = -0.5};
static const vr_sv_params svcj2 = {.kappa = 1.5, .theta = 0.025, .sigma = 0.8, .rho = -0.9,
                                   .lambda = 2.0, .mu_v = 0.10, .mu_s = -0.02, .sigma_s = 0.04,
                                   .rho_j = -0.8};

typedef struct jcase {
    const char *name;
    vr_model_type type;
    const vr_sv_params *p;
    double v0, K, T;
    vr_underlying und;
    vr_option_kind opt;
} jcase;

static const jcase cases[] = {
    {"bates 7d atm call", VR_MODEL_BATES, &bates1, 0.04, 100, 7.0 / 365, VR_UNDERLYING_SPX, VR_OPTION_CALL},
    {"bates 3m 90% put", VR_MODEL_BATES, &bates1, 0.04, 90, 0.25, VR_UNDERLYING_SPX, VR_OPTION_PUT},
    {"bates 1y 70% put", VR_MODEL_BATES, &bates2, 0.05, 70, 1.0, VR_UNDERLYING_SPX, VR_OPTION_PUT},
    {"bates 1y 130% call", VR_MODEL_BATES, &bates2, 0.05, 130, 1.0, VR_UNDERLYING_SPX, VR_OPTION_CALL},
    {"svcj 7d 97% put", VR_MODEL_SVCJ, &svcj1, 0.02, 97, 7.0 / 365, VR_UNDERLYING_SPX, VR_OPTION_PUT},
    {"svcj 3m atm call", VR_MODEL_SVCJ, &svcj1, 0.02, 100, 0.25, VR_UNDERLYING_SPX, VR_OPTION_CALL},
    {"svcj 1y 70% put", VR_MODEL_SVCJ, &svcj2, 0.03, 70, 1.0, VR_UNDERLYING_SPX, VR_OPTION_PUT},
    {"svcj 1y 130% call", VR_MODEL_SVCJ, &svcj2, 0.03, 130, 1.0, VR_UNDERLYING_SPX, VR_OPTION_CALL},
};

static void run(const jcase *c)
{
    vr_price_req req = {
        .model = {.type = c->type, .spot = 100, .rate = 0.03, .dividend = 0.01, .v0 = c->v0,
                  .physical = *c->p, .pricing = *c->p},
        .underlying = c->und, .option = c->opt, .strike = c->K, .expiry = c->T, .paths = PATHS,
        .steps_per_year = 365, .seed = 77, .no_surface = 1, /* MC against the direct pricer */
    };
    vr_price_result r;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_price(&req, &r, &err), VR_OK);
    const double z = (r.mc - r.analytic) / r.se;
    printf("%-22s mc %10.6f se %8.6f analytic %10.6f z %+.2f", c->name, r.mc, r.se, r.analytic, z);
    if (isfinite(r.surface))
        printf("  table %10.6f", r.surface);
    printf("\n");
    assert_true(isfinite(r.analytic));
    assert_true(r.se > 0); /* a case whose payoff is always 0 would test nothing */
    assert_true(fabs(z) <= 4.0);
}

static void test_spx_jump_models(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run(&cases[i]);
}

static const jcase vix_cases[] = {
    {"heston vix future 30d", VR_MODEL_HESTON, &bates1, 0.04, 0, 30.0 / 365, VR_UNDERLYING_VIX, VR_OPTION_FUTURE},
    {"heston vix call 60d", VR_MODEL_HESTON, &bates1, 0.04, 22, 60.0 / 365, VR_UNDERLYING_VIX, VR_OPTION_CALL},
    {"bates vix call 30d", VR_MODEL_BATES, &bates2, 0.03, 20, 30.0 / 365, VR_UNDERLYING_VIX, VR_OPTION_CALL},
    {"svcj vix future 90d", VR_MODEL_SVCJ, &svcj1, 0.02, 0, 90.0 / 365, VR_UNDERLYING_VIX, VR_OPTION_FUTURE},
    {"svcj vix call 14d", VR_MODEL_SVCJ, &svcj1, 0.02, 25, 14.0 / 365, VR_UNDERLYING_VIX, VR_OPTION_CALL},
    {"svcj vix call 45d", VR_MODEL_SVCJ, &svcj2, 0.03, 30, 45.0 / 365, VR_UNDERLYING_VIX, VR_OPTION_CALL},
    {"svcj vix put 30d", VR_MODEL_SVCJ, &svcj2, 0.03, 45, 30.0 / 365, VR_UNDERLYING_VIX, VR_OPTION_PUT},
};

static void test_vix_derivatives(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vix_cases / sizeof vix_cases[0]; i++)
        run(&vix_cases[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spx_jump_models),
        cmocka_unit_test(test_vix_derivatives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
