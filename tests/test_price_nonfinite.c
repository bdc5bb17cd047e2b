/* test_price_nonfinite.c: vr_price with a path step that leaves a path non-finite fails with an
 * error naming the path, instead of pricing it.
 *
 * The payoffs are fmax(S_T - K, 0) and 100 sqrt(max(a + b v_T, 0)): a NaN S_T or v_T becomes a
 * payoff of 0 (or the VIX floor) without a trace, and the price comes out low with at most a
 * z-score warning. A kernel table whose QE step poisons one lane stands in for a numerical failure
 * of the step (the QE step at v = 0 with kappa dt < 2^-53 was one: -31.8 standard errors). */
#include <math.h>
#include <string.h>

#include "vixrisk/vr_price.h"
#include "vixrisk/vk.h"
#include "vr_test_util.h"

static vr_price_req req_of(const vk_table *kt, vr_underlying ul, vr_option_kind opt)
{
    vr_price_req r;
    memset(&r, 0, sizeof r);
    r.model.type = VR_MODEL_HESTON;
    r.model.spot = 100;
    r.model.rate = 0.03;
    r.model.dividend = 0.01;
    r.model.v0 = 0.04;
    r.model.physical = (vr_sv_params){.kappa = 2.0, .theta = 0.04, .sigma = 0.5, .rho = -0.7};
    r.model.pricing = r.model.physical;
    r.underlying = ul;
    r.option = opt;
    r.strike = ul == VR_UNDERLYING_SPX ? 100 : 20;
    r.expiry = 0.25;
    r.paths = 64;
    r.steps_per_year = 12;
    r.seed = 1;
    r.scheme = VR_SCHEME_QE;
    r.threads = 1;
    r.kt = kt;
    r.no_surface = 1;
    return r;
}

static void test_nonfinite_path_is_an_error(void **state)
{
    (void)state;
    const vk_table *base = default_isa(), *t = vr_test_poisoned_qe();
    const vr_underlying uls[] = {VR_UNDERLYING_SPX, VR_UNDERLYING_VIX, VR_UNDERLYING_VIX};
    const vr_option_kind opts[] = {VR_OPTION_CALL, VR_OPTION_CALL, VR_OPTION_FUTURE};
    for (int k = 0; k < 3; k++) {
        /* the clean table prices */
        vr_price_req r = req_of(base, uls[k], opts[k]);
        vr_price_result res;
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_price(&r, &res, &err), VR_OK);
        assert_true(isfinite(res.mc));
        /* the poisoned one fails, naming the path */
        r.kt = t;
        err = (vr_err){VR_OK, ""};
        const vr_status st = vr_price(&r, &res, &err);
        print_message("%s\n", err.msg);
        assert_int_equal(st, VR_ENUM);
        assert_non_null(strstr(err.msg, "path 3 of 64"));
        assert_non_null(strstr(err.msg, "non-finite"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonfinite_path_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
