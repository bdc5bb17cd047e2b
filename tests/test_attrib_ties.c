/* test_attrib_ties.c: the layer scores on the baseline's worst paths when several paths share the
 * worst P&L.
 *
 * net_on_worst1 and net_on_worst5 are a layer's mean net on the paths where the baseline loses
 * most. A condor held to expiry loses its full width on many paths (in a crash and in a rally
 * alike), so the 1% boundary can fall inside a run of equal P&L; which of those paths made "the
 * worst 1%" was decided by path index, and a layer's score depended on how the paths were
 * numbered. Here 100 of 200 paths share the worst P&L and the layer earns 10 USD on two of them,
 * the first two by index: the old score said 10 on the worst 1% (the two places went to paths 0
 * and 1); the tied paths share the places, so it is 0.2. A run of equal P&L wholly inside the tail
 * and a boundary without a tie give the plain mean. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_summary.h"
#include "vr_test_util.h"

#define N 200

/* The worst-1% and worst-5% nets of a one-layer policy whose baseline P&L is base and whose
 * layer earns net (N paths each). */
static void tails(const double *base, const double *net, double *w1, double *w5)
{
    vr_policy pol[1];
    memset(pol, 0, sizeof pol);
    pol[0].nlayers = 1;
    pol[0].condor.wing_width = 50;
    pol[0].condor.contracts = 1;
    pol[0].abl_kind = VR_ABL_NONE;
    vr_path_out o;
    assert_true(vr_path_out_alloc(&o, N, 2));
    for (size_t i = 0; i < N; i++) {
        o.pnl[i] = base[i] + net[i];
        o.attr[2 * i] = base[i];
        o.attr[2 * i + 1] = net[i];
        o.outlay[2 * i] = o.outlay[2 * i + 1] = 0;
        for (int l = 0; l < VR_MAX_LAYERS; l++)
            o.activations[i * VR_MAX_LAYERS + l] = 0;
    }
    size_t *order = NULL;
    vr_err err = {VR_OK, ""};
    vr_pol_summary ps[1];
    memset(ps, 0, sizeof ps);
    ps[0].score[VR_SCORE_PAID] = 0;
    assert_int_equal(vr_pol_attrib_order(base, N, &order, &err), VR_OK);
    assert_int_equal(vr_pol_attrib_policy(pol, 1, 0, 0, &o, N, 252, 5000, order, NULL, NULL, ps, &err), VR_OK);
    *w1 = ps[0].layer[0][VR_RF_LAYER_TAIL1];
    *w5 = ps[0].layer[0][VR_RF_LAYER_TAIL5];
    free(order);
    vr_path_out_free(&o);
}

static void test_tied_boundary(void **state)
{
    (void)state;
    double base[N], net[N], w1, w5;
    for (int i = 0; i < N; i++) {
        base[i] = i < 100 ? -5000 : (double)i; /* paths 0..99: the same worst P&L */
        net[i] = i < 2 ? 10 : 0;
    }
    tails(base, net, &w1, &w5);
    assert_true(fabs(w1 - 0.2) < 1e-12); /* 2 places among 100 equal paths earning 20 in all */
    assert_true(fabs(w5 - 0.2) < 1e-12); /* 10 places: 10 x 20/100 / 10 */
    /* the same paths numbered the other way round: the same scores */
    for (int i = 0; i < N; i++) {
        base[i] = i >= 100 ? -5000 : (double)(N - i);
        net[i] = i >= N - 2 ? 10 : 0;
    }
    double v1, v5;
    tails(base, net, &v1, &v5);
    assert_true(v1 == w1 && v5 == w5);
}

static void test_no_tie_plain_mean(void **state)
{
    (void)state;
    double base[N], net[N], w1, w5;
    /* three paths tied at the very bottom (inside both tails), the rest distinct */
    for (int i = 0; i < N; i++) {
        base[i] = i < 3 ? -9000 : 1000.0 - i;
        net[i] = (double)(i % 7) - 3.0 + 0.25 * i;
    }
    tails(base, net, &w1, &w5);
    /* worst 2 (n/100): within the tie of 3 paths at the bottom: they share the 2 places */
    const double tie = (net[0] + net[1] + net[2]) / 3;
    assert_true(fabs(w1 - tie) < 1e-12);
    /* worst 10 (n/20): the 3 tied paths, then paths 199, 198, ... (lowest base) */
    double s = net[0] + net[1] + net[2];
    for (int i = N - 1; i > N - 8; i--)
        s += net[i];
    assert_true(fabs(w5 - s / 10) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tied_boundary),
        cmocka_unit_test(test_no_tie_plain_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
