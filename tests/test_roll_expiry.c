/* test_roll_expiry.c: a roll (the condor's roll_delta rule or a roll_tested layer) does not trade
 * with two trading days or less to expiry (docs/book.md), whatever day the condor opened on.
 *
 * The clock of a run is day x (1/252) and an option opened on day d0 expires at d0/252 + n/252:
 * on the day two trading days before expiry, tau = t_exp - t is 2/252 only to rounding, and for
 * some (d0, n) one ulp above it (a condor of 51 DTE opened on day 0, n = 35, among them). The
 * check `tau <= 2 days` then let the roll trade on that day for some opening days and not others.
 * Each case below opens a condor of `dte` calendar days on day 0, holds the market flat, and moves
 * SPX onto the short call strike (|delta| about 0.5) on the day `left` trading days before expiry:
 * with left = 2 nothing may roll, with left = 3 the call side must roll (the rule works at all). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/book_internal.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_policy_rules.h"
#include "vr_test_util.h"

static vr_pricing *pr;

static int setup(void **state)
{
    (void)state;
    return vr_test_heston_pricing(0.02, 0.3, &pr);
}

static int teardown(void **state)
{
    (void)state;
    vr_pricing_destroy(pr);
    return 0;
}

/* The policy: one condor held to expiry (no profit take, stop or DTE exit), rolled at 30 delta by
 * its own rule (layer = 0) or by a roll_tested layer (layer = 1). */
static vr_policy roll_policy(double dte, int layer)
{
    vr_policy p = vr_test_condor_policy(0);
    p.condor.dte = dte;
    p.condor.profit_take = 0;
    p.condor.stop_loss = 0;
    p.condor.exit_dte = 0;
    p.condor.reentry_days = 1000;
    if (layer) {
        p.condor.roll_delta = 0;
        p.nlayers = 1;
        vr_layer_defaults(&p.layers[0]);
        snprintf(p.layers[0].name, sizeof p.layers[0].name, "roll");
        p.layers[0].trigger.short_delta = 0.30;
        p.layers[0].trigger.cooldown_days = 0;
        p.layers[0].action.kind = VR_ACTION_ROLL_TESTED;
        p.layers[0].action.roll_to_delta = 0.16;
    }
    return p;
}

/* Runs the case; returns 1 if the short call moved (a roll) on the day `left` days before expiry. */
static int rolled(double dte, int layer, int left)
{
    const vr_policy p = roll_policy(dte, layer);
    vr_book b;
    vr_mkt m;
    const double v = 0.02;
    vr_book_init(&b, &p);
    vr_mkt_init(&m, 5000, &v, pr);
    vr_book_day(&b, &p, &m, pr, 0);
    assert_true(b.open);
    const int n = (int)floor(dte * 252.0 / 365.0 + 0.5), day = n - left;
    const double call0 = b.pos[2].inst.strike;
    int moved = 0;
    for (int d = 1; d <= day; d++) {
        const double S = d < day ? 5000 : call0;
        vr_mkt_update(&m, d, (double)d * (1.0 / 252.0), S, &v, pr); /* the run's clock: step x dt */
        vr_book_day(&b, &p, &m, pr, 0);
        assert_true(b.open);
        if (b.pos[2].inst.strike != call0) {
            assert_int_equal(d, day); /* flat before: no roll */
            moved = 1;
        }
    }
    printf("condor %g DTE (%d days), %s, SPX to the short call %d days before expiry: %s\n", dte, n,
           layer ? "roll_tested layer" : "roll_delta rule", left, moved ? "rolled" : "no roll");
    return moved;
}

static void test_no_roll_two_days_before_expiry(void **state)
{
    (void)state;
    static const double dtes[] = {45, 51, 56, 62, 68};
    for (int layer = 0; layer < 2; layer++)
        for (size_t i = 0; i < sizeof dtes / sizeof dtes[0]; i++) {
            assert_false(rolled(dtes[i], layer, 2));
            assert_true(rolled(dtes[i], layer, 3));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_no_roll_two_days_before_expiry)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
