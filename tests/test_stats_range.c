/* test_stats_range.c: the in-memory scores (vr_stats.h) accept exactly the P&L values the streaming
 * ones (vr_tailstats.h) do: 0 or magnitude in [2^-200, 2^200]. A finite P&L beyond that used to be
 * scored with a NaN kurtosis (1e80: its fourth power overflows) or an infinite std and ES SEs
 * (1e160), where the streaming path refuses it with an error naming the path. Inside the range every
 * score is finite. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_stats.h"
#include "vixrisk/vr_tailstats.h"
#include "vr_test_util.h"

#define N 2003

static void fill(double *x, double scale)
{
    uint64_t s = 12345;
    for (size_t i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = scale * ((double)(s >> 11) * 0x1p-53 - 0.5);
    }
}

static int all_finite(const vr_scores *s)
{
    int ok = isfinite(s->mean) && isfinite(s->mean_se) && isfinite(s->std) && isfinite(s->skew) &&
             isfinite(s->kurt);
    for (int k = 0; k < VR_STATS_NQ; k++)
        ok &= isfinite(s->q[k]);
    for (int k = 0; k < VR_STATS_NCONF; k++)
        ok &= isfinite(s->var[k]) && isfinite(s->var_se[k]) && isfinite(s->es[k]) && isfinite(s->es_se[k]);
    return ok;
}

/* the in-memory and the streaming scores agree on whether x is accepted */
static void same_verdict(const double *x, const double *base, int want_ok)
{
    const double thr[4] = {0, 1, 10, 100};
    vr_err err;
    vr_scores s;
    vr_paired p;
    const vr_status a = vr_scores_compute(x, N, thr, &s, &err);
    const vr_status b = vr_paired_compute(x, base, N, &p, &err);
    const vr_status c = vr_paired_compute(base, x, N, &p, &err);
    vr_tailstats *t;
    assert_int_equal(vr_tailstats_create(N, thr, 0, &t, &err), VR_OK);
    const vr_status d = vr_tailstats_add(t, 0, N, x, NULL, NULL, &err);
    vr_tailstats_destroy(t);
    assert_int_equal(a, want_ok ? VR_OK : VR_EINVAL);
    assert_int_equal(b, want_ok ? VR_OK : VR_EINVAL);
    assert_int_equal(c, want_ok ? VR_OK : VR_EINVAL);
    assert_int_equal(d, want_ok ? VR_OK : VR_EINVAL);
    if (want_ok) {
        assert_true(all_finite(&s));
        assert_true(isfinite(p.dmean) && isfinite(p.dmean_se) && isfinite(p.des99) &&
                    isfinite(p.des99_se));
    }
}

static void test_range(void **state)
{
    (void)state;
    double *x = malloc(N * sizeof *x), *base = malloc(N * sizeof *base);
    assert_non_null(x);
    assert_non_null(base);
    fill(base, 1000.0);
    static const struct { double v; int ok; } cases[] = {
        {-1e80, 0}, {1e160, 0}, {-0x1p201, 0}, {0x1p-201, 0}, {-1e-70, 0},
        {-0x1p200, 1}, {0x1p200, 1}, {0x1p-200, 1}, {0.0, 1}, {-0.0, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fill(x, 1000.0);
        x[17] = cases[c].v;
        same_verdict(x, base, cases[c].ok);
    }
    /* a whole sample at the top of the range: every moment finite */
    fill(x, 0x1p200);
    same_verdict(x, base, 1);
    free(x);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_range)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
