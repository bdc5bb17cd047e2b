/* test_pricing_cache.c: the run's pricing cache (vr_pricing_cache). Equal table inputs give the
 * very object built first (no second build), whatever the path's starting point (spot, v0); a
 * change to any input the tables read (a pricing parameter, the rate, the dividend, a physical
 * parameter, the longest expiry) builds a new one. A shared object marks bit for bit like a
 * fresh build of the scenario's own model: the sharing cannot move a result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "vixrisk/vr_pricing.h"

static vr_model base_model(void)
{
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.03,
                  .physical = {.kappa = 3, .theta = 0.025, .sigma = 0.45, .rho = -0.7}};
    m.pricing = m.physical;
    m.pricing.theta = 0.03;
    return m;
}

static void test_equal_inputs_share(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_pricing_cache *c = NULL;
    assert_int_equal(vr_pricing_cache_create(&c, &err), VR_OK);
    const vr_model m = base_model();
    const vr_pricing *a = NULL, *b = NULL;
    int built = -1;
    assert_int_equal(vr_pricing_cache_get(c, &m, 0.2, &a, &built, &err), VR_OK);
    assert_int_equal(built, 1);
    assert_int_equal(vr_pricing_cache_get(c, &m, 0.2, &b, &built, &err), VR_OK);
    assert_int_equal(built, 0);
    assert_ptr_equal(a, b);
    /* another starting point, same tables */
    vr_model s = m;
    s.spot = 4000;
    s.v0 = 0.09;
    assert_int_equal(vr_pricing_cache_get(c, &s, 0.2, &b, &built, &err), VR_OK);
    assert_int_equal(built, 0);
    assert_ptr_equal(a, b);
    assert_int_equal(vr_pricing_cache_size(c), 1);
    vr_pricing_cache_destroy(c);
}

static void test_different_inputs_build(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_pricing_cache *c = NULL;
    assert_int_equal(vr_pricing_cache_create(&c, &err), VR_OK);
    const vr_model m = base_model();
    const vr_pricing *a = NULL;
    assert_int_equal(vr_pricing_cache_get(c, &m, 0.2, &a, NULL, &err), VR_OK);
    vr_model v[5] = {m, m, m, m, m};
    v[0].pricing.kappa = 2.5;
    v[1].rate = 0.05;
    v[2].dividend = 0.02;
    v[3].physical.sigma = 0.5;
    v[4].vix_cover = 150; /* a run's cover: VIX tables of more nodes */
    for (int i = 0; i < 5; i++) {
        const vr_pricing *b = NULL;
        int built = 0;
        assert_int_equal(vr_pricing_cache_get(c, &v[i], 0.2, &b, &built, &err), VR_OK);
        assert_int_equal(built, 1);
        assert_ptr_not_equal(a, b);
    }
    const vr_pricing *t = NULL;
    int built = 0;
    assert_int_equal(vr_pricing_cache_get(c, &m, 0.25, &t, &built, &err), VR_OK);
    assert_int_equal(built, 1);
    assert_ptr_not_equal(a, t);
    assert_int_equal(vr_pricing_cache_size(c), 7);
    /* each one found again */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(vr_pricing_cache_get(c, &v[i], 0.2, &t, &built, &err), VR_OK);
        assert_int_equal(built, 0);
    }
    assert_int_equal(vr_pricing_cache_size(c), 7);
    vr_pricing_cache_destroy(c);
}

/* A model the cache shares (another spot) marks like its own fresh build, bit for bit. */
static void test_shared_marks_equal_fresh(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_pricing_cache *c = NULL;
    assert_int_equal(vr_pricing_cache_create(&c, &err), VR_OK);
    const vr_model m = base_model();
    vr_model s = m;
    s.spot = 4200;
    s.v0 = 0.05;
    const vr_pricing *shared = NULL;
    vr_pricing *fresh = NULL;
    assert_int_equal(vr_pricing_cache_get(c, &m, 0.2, &shared, NULL, &err), VR_OK);
    assert_int_equal(vr_pricing_cache_get(c, &s, 0.2, &shared, NULL, &err), VR_OK);
    assert_int_equal(vr_pricing_build(&s, 0.2, &fresh, &err), VR_OK);
    const vr_instrument in[3] = {{VR_INST_SPX_OPTION, -1, 3900, 0.12},
                                 {VR_INST_VIX_OPTION, 1, 25, 0.08},
                                 {VR_INST_VIX_FUTURE, 0, 0, 0.1}};
    const vr_state st = {0.01, 4150, {0.045, 0}};
    for (int i = 0; i < 3; i++) {
        const vr_mark a = vr_pricing_mark(shared, &in[i], &st, VR_MARK_VIX_DELTA | VR_MARK_VIX_FUT);
        const vr_mark b = vr_pricing_mark(fresh, &in[i], &st, VR_MARK_VIX_DELTA | VR_MARK_VIX_FUT);
        assert_true(a.price > 0);
        assert_memory_equal(&a, &b, sizeof a);
    }
    vr_pricing_destroy(fresh);
    vr_pricing_cache_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_inputs_share),
        cmocka_unit_test(test_different_inputs_build),
        cmocka_unit_test(test_shared_marks_equal_fresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
