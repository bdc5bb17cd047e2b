/* test_requires_roll.c: `requires_previous` behind a roll_tested layer.
 *
 * A layer that holds no position (roll_tested) is active while its trigger holds (book.c,
 * layer_active; docs/book.md). The roll reset the layer's count of days its trigger has held to
 * 0, and that count was what said "active": on the day it rolled, the day its trigger held, the
 * next layer saw it inactive. With no cooldown a roll layer rolls every day its trigger holds, so
 * a layer with requires_previous behind it never acted: in a 400-path run of the svcj model with
 * a 25-delta roll layer (6,369 rolls), the next layer, whose own trigger (VIX >= 10) held every
 * day, had 0 activations. Here SPX rallies through the short call; the roll layer rolls, and the
 * layer behind it must buy the same day; and on a flat path (no roll, the trigger never holds) it
 * must not buy at all. */
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

static vr_policy roll_then_calls(int cooldown)
{
    vr_policy p = vr_test_condor_policy(0);
    p.condor.roll_delta = 0;
    p.condor.stop_loss = 0;
    p.nlayers = 2;
    vr_layer *r = &p.layers[0], *c = &p.layers[1];
    vr_layer_defaults(r);
    snprintf(r->name, sizeof r->name, "roll");
    r->trigger.short_delta = 0.30;
    r->trigger.cooldown_days = cooldown;
    r->action.kind = VR_ACTION_ROLL_TESTED;
    r->action.roll_to_delta = 0.16;
    vr_layer_defaults(c);
    snprintf(c->name, sizeof c->name, "calls");
    c->trigger.vix_level = 1; /* holds every day: only requires_previous decides */
    c->trigger.requires_previous = 1;
    c->action.kind = VR_ACTION_VIX_CALL;
    c->action.delta = 0.3;
    c->action.size_by = VR_SIZE_CONTRACTS;
    c->action.size = 1;
    c->exit.dte = 5;
    return p;
}

/* Runs `days` days of SPX growing by `step` a day (VIX constant); returns the first day the roll
 * layer acted (-1 none) and sets *calls to the first day the calls layer did. */
static int run(const vr_policy *p, double step, int days, int *calls)
{
    vr_book b;
    vr_mkt m;
    const double v = 0.02;
    vr_book_init(&b, p);
    vr_mkt_init(&m, 5000, &v, pr);
    vr_book_day(&b, p, &m, pr, 0);
    for (int d = 1; d <= days; d++) {
        vr_mkt_update(&m, d, (double)d * (1.0 / 252.0), 5000 * (1 + step * d), &v, pr);
        vr_book_day(&b, p, &m, pr, d == days);
    }
    *calls = b.first[1];
    return b.first[0];
}

static void test_layer_behind_a_roll(void **state)
{
    (void)state;
    for (int cooldown = 0; cooldown <= 3; cooldown += 3) {
        const vr_policy p = roll_then_calls(cooldown);
        int calls = -1;
        const int rolled = run(&p, 0.006, 10, &calls);
        printf("rally, roll cooldown %d: the roll layer first acted on day %d, the calls layer on day %d\n", cooldown,
               rolled, calls);
        assert_true(rolled > 0);
        assert_int_equal(calls, rolled);
        const int still = run(&p, 0, 10, &calls);
        printf("flat: roll %d, calls %d\n", still, calls);
        assert_int_equal(still, -1);
        assert_int_equal(calls, -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_layer_behind_a_roll)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
