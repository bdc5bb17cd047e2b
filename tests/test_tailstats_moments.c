/* test_tailstats_moments.c: the streaming std, skew, kurtosis and paired SEs (vr_tailstats.h) of a
 * sample whose mean is large against its spread.
 *
 * The moments come from exact power sums S_k = sum x^k; the central sums cancel the leading
 * (mean/sd)^k digits of S_k. The samples here are x = c + y with c a power of two and y a small
 * dyadic grid value, so that every x is exact and the central moments of x are those of y, which a
 * long double two-pass computation gets without any cancellation. With c = 2^20 and sd(y) = 0.01
 * the double-double evaluation gave a kurtosis of -1.04 for a true -0.0105; c = 2^30 and sd 0.001
 * gave nonsense. The paired SEs (dmean_se, des99_se) take the same route for d = pnl - base. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vixrisk/vr_stats.h"
#include "vixrisk/vr_tailstats.h"
#include "vr_test_util.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return ((double)(splitmix64(s) >> 11) + 0.5) * 0x1.0p-53; }
static double gauss(uint64_t *s)
{
    const double u1 = unif(s), u2 = unif(s);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* long double two-pass moments of y (no cancellation: y has mean about 0) */
typedef struct moments { double std, skew, kurt; } moments;
static moments oracle(const double *y, size_t n)
{
    long double s = 0, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) s += y[i];
    const long double mu = s / (long double)n;
    for (size_t i = 0; i < n; i++) {
        const long double d = (long double)y[i] - mu;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    const long double c2 = m2 / n, c3 = m3 / n, c4 = m4 / n;
    return (moments){(double)sqrtl(m2 / (long double)(n - 1)), (double)(c3 / (c2 * sqrtl(c2))),
                     (double)(c4 / (c2 * c2) - 3)};
}

static int close_rel(double got, double want, double tol, const char *what)
{
    if (fabs(got - want) <= tol * fmax(fabs(want), 1e-3))
        return 1;
    fprintf(stderr, "%s: %.17g, exact %.17g (relative error %.3g)\n", what, got, want,
            fabs(got - want) / fabs(want));
    return 0;
}

/* n values x = c + y (y on a grid of 2^-bits, sd about `sd`, skewed), fed in 3 interleaved parts
 * and merged; the baseline is base = x - c - y + b with b a small grid value, so d = x - base = c + y - b */
static void check(double c, double sd, int bits, size_t n, uint64_t seed)
{
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *base = malloc(n * sizeof *base);
    double *d = malloc(n * sizeof *d);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(base);
    assert_non_null(d);
    const double q = ldexp(1.0, -bits);
    for (size_t i = 0; i < n; i++) {
        const double z = gauss(&seed);
        y[i] = nearbyint(sd * (z + 0.3 * z * z) / q) * q; /* skewed: skew and kurtosis nonzero */
        x[i] = c + y[i];
        assert_true(x[i] - c == y[i]); /* exact */
        const double b = nearbyint(50.0 * gauss(&seed) / q) * q; /* the baseline's own noise */
        base[i] = b;
        d[i] = y[i] - b; /* x - base = c + d, exact */
        assert_true(x[i] - base[i] == c + d[i]);
    }
    const double thr[4] = {0, 1, 10, 100};
    vr_err err;
    vr_tailstats *t[3], *tb[3];
    for (int k = 0; k < 3; k++) {
        assert_int_equal(vr_tailstats_create(n, thr, 1, &t[k], &err), VR_OK);
        assert_int_equal(vr_tailstats_create(n, thr, 0, &tb[k], &err), VR_OK);
    }
    const size_t blk = 257;
    for (size_t i = 0, k = 0; i < n; i += blk, k = (k + 1) % 3) {
        const size_t m = n - i < blk ? n - i : blk;
        assert_int_equal(vr_tailstats_add(t[k], i, m, x + i, base + i, NULL, &err), VR_OK);
        assert_int_equal(vr_tailstats_add(tb[k], i, m, base + i, NULL, NULL, &err), VR_OK);
    }
    for (int k = 1; k < 3; k++) {
        assert_int_equal(vr_tailstats_merge(t[0], t[k], &err), VR_OK);
        assert_int_equal(vr_tailstats_merge(tb[0], tb[k], &err), VR_OK);
    }
    vr_scores s;
    vr_paired p;
    assert_int_equal(vr_tailstats_scores(t[0], &s, &err), VR_OK);
    assert_int_equal(vr_tailstats_paired(t[0], tb[0], &p, &err), VR_OK);
    const moments o = oracle(y, n), od = oracle(d, n);
    fprintf(stderr, "c = %g, sd %g: std %.6g skew %.6g kurt %.6g (exact %.6g %.6g %.6g)\n", c, sd,
            s.std, s.skew, s.kurt, o.std, o.skew, o.kurt);
    int ok = close_rel(s.std, o.std, 1e-13, "std");
    ok &= close_rel(s.mean_se, o.std / sqrt((double)n), 1e-13, "mean_se");
    ok &= close_rel(s.skew, o.skew, 1e-12, "skew");
    ok &= close_rel(s.kurt, o.kurt, 1e-12, "kurtosis");
    ok &= close_rel(p.dmean_se, od.std / sqrt((double)n), 1e-13, "dmean_se");
    assert_true(ok);
    for (int k = 0; k < 3; k++) {
        vr_tailstats_destroy(t[k]);
        vr_tailstats_destroy(tb[k]);
    }
    free(x);
    free(y);
    free(base);
    free(d);
}

static void test_large_mean(void **state)
{
    (void)state;
    check(0x1p20, 1.0, 24, 20011, 1);     /* P&L about 1e6, spread 1 */
    check(0x1p20, 0.01, 24, 20011, 2);    /* about 1e6, spread 0.01 */
    check(-0x1p30, 0.001, 22, 9973, 3);   /* about -1e9, spread 0.001 */
    check(0x1p40, 0.01, 12, 5003, 4);     /* about 1e12 */
}

/* a constant sample still has std 0 and no skew or kurtosis (NaN: the run file leaves them out) */
static void test_constant(void **state)
{
    (void)state;
    const size_t n = 1001;
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = 1234567.8901;
    const double thr[4] = {0, 1, 10, 100};
    vr_err err;
    vr_tailstats *t;
    assert_int_equal(vr_tailstats_create(n, thr, 0, &t, &err), VR_OK);
    assert_int_equal(vr_tailstats_add(t, 0, n, x, NULL, NULL, &err), VR_OK);
    vr_scores s;
    assert_int_equal(vr_tailstats_scores(t, &s, &err), VR_OK);
    assert_true(s.std == 0.0 && s.mean_se == 0.0);
    assert_true(isnan(s.skew) && isnan(s.kurt));
    vr_tailstats_destroy(t);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_mean),
        cmocka_unit_test(test_constant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
