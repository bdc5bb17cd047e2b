/* test_trigger_always.c: `always: true` with another trigger condition is refused.
 *
 * docs/book.md lists `always` among the conditions a trigger combines with `any` or `all`, but the
 * book fired an `always` layer every day before asking the others: `combine: all, always: true,
 * vix_level: 150` bought on every day of every path (the VIX never reached 150), where `all` says
 * the VIX must be at 150. With `any` the other conditions never matter either. Either way a
 * condition next to `always` has no effect, so validation now refuses the combination, naming
 * the layer's `always` key (a config error, exit 2, or a sweep error when a swept key sets a
 * condition on an `always` layer); `always` alone and the conditions without it stay valid. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_policy.h"
#include "vixrisk/vr_policy_rules.h"
#include "vr_test_util.h"

static vr_policy sleeve(void)
{
    vr_policy p = vr_test_condor_policy(1);
    p.nlayers = 1;
    vr_layer *l = &p.layers[0];
    vr_layer_defaults(l);
    snprintf(l->name, sizeof l->name, "sleeve");
    l->trigger.always = 1;
    l->action.kind = VR_ACTION_VIX_CALL;
    l->action.delta = 0.3;
    l->action.size_by = VR_SIZE_CONTRACTS;
    l->action.size = 1;
    l->exit.dte = 5;
    return p;
}

static vr_status validate(const vr_policy *p, char *key, vr_err *err)
{
    key[0] = '\0';
    *err = (vr_err){VR_OK, ""};
    return vr_policy_validate(p, "policies[0]", key, err);
}

static void test_always_alone_or_with_a_condition(void **state)
{
    (void)state;
    char key[VR_KEY_MAX];
    vr_err err;
    vr_policy p = sleeve();
    assert_int_equal(validate(&p, key, &err), VR_OK);
    for (int any = 0; any < 2; any++) {
        p = sleeve();
        p.layers[0].trigger.any = any;
        p.layers[0].trigger.vix_level = 150;
        const vr_status st = validate(&p, key, &err);
        printf("combine %s, always + vix_level: %s\n", any ? "any" : "all", st == VR_OK ? "accepted" : err.msg);
        assert_int_equal(st, VR_EINVAL);
        assert_string_equal(key, "policies[0].layers[0].trigger.always");
        assert_non_null(strstr(err.msg, "vix_level"));
    }
    /* a condition set by a sweep on the always-on layer: the same refusal */
    p = sleeve();
    assert_int_equal(vr_policy_set(&p, "layers[0].trigger.drawdown.pct", 5, &err), VR_OK);
    assert_int_equal(validate(&p, key, &err), VR_EINVAL);
    assert_string_equal(key, "policies[0].layers[0].trigger.always");
    /* the condition without always is a valid trigger */
    p = sleeve();
    p.layers[0].trigger.always = 0;
    p.layers[0].trigger.vix_level = 150;
    assert_int_equal(validate(&p, key, &err), VR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_always_alone_or_with_a_condition)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
