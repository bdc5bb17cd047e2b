/* test_rng.c: PCG32 against the published demo outputs, stream properties, and the uniform and
 * normal kernels of every ISA against the scalar reference and against their distributions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vk.h"
#include "vr_test_util.h"

/* pcg32-demo (pcg-c-basic) with seed 42, sequence 54: the first round of six 32-bit outputs. */
static void test_pcg32_golden(void **state)
{
    (void)state;
    static const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                     0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    vk_pcg32 r;
    vk_pcg32_seed(&r, 42u, 54u);
    for (int i = 0; i < 6; i++)
        assert_int_equal(vk_pcg32_next(&r), want[i]);
}

static void test_pcg32_advance(void **state)
{
    (void)state;
    vk_pcg32 r, s;
    vk_pcg32_seed(&r, 42u, 54u);
    s = r;
    uint32_t first[100];
    for (int i = 0; i < 100; i++)
        first[i] = vk_pcg32_next(&r);
    vk_pcg32_advance(&r, (uint64_t)-100); /* back to the start */
    assert_memory_equal(&r, &s, sizeof r);
    vk_pcg32_advance(&r, 37);
    assert_int_equal(vk_pcg32_next(&r), first[37]);
}

static void test_streams_distinct(void **state)
{
    (void)state;
    /* Neighbouring paths and scenarios get different state and increment; the same key the same. */
    vk_pcg32 a, b, c, d;
    vk_pcg32_stream(&a, 7, 0, 1000);
    vk_pcg32_stream(&b, 7, 0, 1001);
    vk_pcg32_stream(&c, 7, 1, 1000);
    vk_pcg32_stream(&d, 7, 0, 1000);
    assert_true(a.state != b.state && a.inc != b.inc);
    assert_true(a.state != c.state && a.inc != c.inc);
    assert_memory_equal(&a, &d, sizeof a);
    assert_true(a.inc & 1u);
    /* Correlation of uniforms of adjacent streams over 1e5 draws: |r| < 5/sqrt(n). */
    const int n = 100000;
    double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        const double x = vk_u01_from_u32(vk_pcg32_next(&a), vk_pcg32_next(&a));
        const double y = vk_u01_from_u32(vk_pcg32_next(&b), vk_pcg32_next(&b));
        sx += x; sy += y; sxy += x * y; sxx += x * x; syy += y * y;
    }
    const double cov = sxy / n - sx / n * sy / n;
    const double r = cov / sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
    assert_true(fabs(r) < 5.0 / sqrt(n));
}

static void test_u01_bounds(void **state)
{
    (void)state;
    assert_true(vk_u01_from_u32(0, 0) > 0.0);
    assert_true(vk_u01_from_u32(0xffffffffu, 0xffffffffu) < 1.0);
    assert_true(vk_u01_from_u32(0, 1u << 11) == 0x1p-53);
    assert_true(vk_u01_from_u32(0xffffffffu, 0xffffffffu) == 1.0 - 0x1p-53);
}

#define N 4096

typedef struct fixture {
    uint64_t *st0, *inc, *st_ref, *st_simd;
    double *a_ref, *b_ref, *a_simd, *b_simd;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->st0 = vr_aligned_alloc(N * 8);
    f->inc = vr_aligned_alloc(N * 8);
    f->st_ref = vr_aligned_alloc(N * 8);
    f->st_simd = vr_aligned_alloc(N * 8);
    f->a_ref = vr_aligned_alloc(N * 8);
    f->b_ref = vr_aligned_alloc(N * 8);
    f->a_simd = vr_aligned_alloc(N * 8);
    f->b_simd = vr_aligned_alloc(N * 8);
    for (size_t i = 0; i < N; i++) {
        vk_pcg32 r;
        vk_pcg32_stream(&r, 12345, 0, i);
        f->st0[i] = r.state;
        f->inc[i] = r.inc;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vr_free(f->st0); vr_free(f->inc); vr_free(f->st_ref); vr_free(f->st_simd);
    vr_free(f->a_ref); vr_free(f->b_ref); vr_free(f->a_simd); vr_free(f->b_simd);
    free(f);
    return 0;
}

/* Largest distance in ulps between a[i] and b[i] where either exceeds tiny in magnitude. */
static uint64_t max_ulps(const double *a, const double *b, size_t n, double tiny)
{
    uint64_t mx = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(a[i]) <= tiny && fabs(b[i]) <= tiny)
            continue;
        int64_t x, y;
        memcpy(&x, &a[i], 8);
        memcpy(&y, &b[i], 8);
        if (x < 0) x = INT64_MIN - x; /* monotone map of the doubles onto the integers */
        if (y < 0) y = INT64_MIN - y;
        const uint64_t d = x > y ? (uint64_t)x - (uint64_t)y : (uint64_t)y - (uint64_t)x;
        mx = d > mx ? d : mx;
    }
    return mx;
}

static void check_isa(fixture *f, const vk_table *t)
{
    /* uniforms: bit-identical (integer arithmetic and an exact conversion) */
    memcpy(f->st_ref, f->st0, N * 8);
    memcpy(f->st_simd, f->st0, N * 8);
    for (int rep = 0; rep < 3; rep++) {
        vk_table_ref.uniform(f->st_ref, f->inc, f->a_ref, N);
        t->uniform(f->st_simd, f->inc, f->a_simd, N);
        assert_close_ulps(f->a_ref, f->a_simd, N, 0);
        assert_memory_equal(f->st_ref, f->st_simd, N * 8);
    }
    /* normals: SLEEF's vector and scalar log/sincospi may differ in the last bits; the documented
     * tolerance is 4 ulp (or 1e-15 absolute near zero, where ulps are meaningless). */
    vk_table_ref.normal2(f->st_ref, f->inc, f->a_ref, f->b_ref, N);
    t->normal2(f->st_simd, f->inc, f->a_simd, f->b_simd, N);
    assert_close_abs(f->a_ref, f->a_simd, N, 4, 1e-15);
    assert_close_abs(f->b_ref, f->b_simd, N, 4, 1e-15);
    assert_memory_equal(f->st_ref, f->st_simd, N * 8);
    /* normal2_fast (SLEEF's 3.5-ulp log): the same numbers within 8 ulp (docs/numerics.md,
     * "fast_log"), the same stream advance; and not the same function as normal2 on a vector
     * ISA, so that a table that forgot to fill the slot is caught */
    memcpy(f->st_ref, f->st0, N * 8);
    memcpy(f->st_simd, f->st0, N * 8);
    vk_table_ref.normal2(f->st_ref, f->inc, f->a_ref, f->b_ref, N);
    t->normal2_fast(f->st_simd, f->inc, f->a_simd, f->b_simd, N);
    printf("%s normal2_fast: max %llu ulp from the reference\n", t->isa,
           (unsigned long long)max_ulps(f->a_ref, f->a_simd, N, 1e-15));
    assert_close_abs(f->a_ref, f->a_simd, N, 8, 1e-15);
    assert_close_abs(f->b_ref, f->b_simd, N, 8, 1e-15);
    assert_memory_equal(f->st_ref, f->st_simd, N * 8);
    if (t->lanes > 1)
        assert_ptr_not_equal((void *)t->normal2_fast, (void *)vk_table_ref.normal2_fast);
}

/* Each vector ISA of the dispatch table (the test's state) against the reference. */
static void test_kernels_vs_ref(void **state)
{
    const vk_table *t = need_isa(*state);
    void *f = NULL;
    assert_int_equal(setup(&f), 0);
    check_isa(f, t);
    teardown(&f);
}

/* The test of the checker: a one-ulp change must be caught at 0 ulp tolerance. */
static void test_checker_fails(void **state)
{
    (void)state;
    double a[3] = {1.0, 2.0, 3.0}, b[3] = {1.0, 2.0, 3.0};
    b[2] = nextafter(3.0, 4.0);
    assert_int_equal(vr_first_mismatch(a, b, 3, 0, 0.0, "deliberate"), 2);
    assert_int_equal(vr_first_mismatch(a, b, 3, 1, 0.0, "deliberate"), -1);
}

static double phi_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distribution of the best ISA's normals: 2^21 draws (both halves of Box-Muller).
 * mean, variance, skewness, excess kurtosis within 5 standard errors of 0/1/0/0; the KS
 * statistic below the 0.1% critical value 1.95/sqrt(n); tail frequencies P(|Z| > 3) and
 * P(Z < -4) within 5 binomial SEs. */
static void test_normal_distribution(void **state)
{
    (void)state;
    const vk_table *t = default_isa();
    const size_t blk = 1024, nblk = 1024, n = 2 * blk * nblk;
    double *z = malloc(n * sizeof *z);
    uint64_t *st = vr_aligned_alloc(blk * 8), *inc = vr_aligned_alloc(blk * 8);
    double *a = vr_aligned_alloc(blk * 8), *b = vr_aligned_alloc(blk * 8);
    for (size_t i = 0; i < blk; i++) {
        vk_pcg32 r;
        vk_pcg32_stream(&r, 99, 3, i);
        st[i] = r.state;
        inc[i] = r.inc;
    }
    for (size_t k = 0; k < nblk; k++) {
        t->normal2(st, inc, a, b, blk);
        memcpy(z + 2 * k * blk, a, blk * 8);
        memcpy(z + 2 * k * blk + blk, b, blk * 8);
    }
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    size_t t3 = 0, t4 = 0;
    for (size_t i = 0; i < n; i++) {
        const double x = z[i], x2 = x * x;
        m1 += x; m2 += x2; m3 += x2 * x; m4 += x2 * x2;
        t3 += fabs(x) > 3.0;
        t4 += x < -4.0;
    }
    m1 /= n; m2 /= n; m3 /= n; m4 /= n;
    const double sn = sqrt((double)n);
    printf("normals (%s): mean %.2e var-1 %.2e skew %.2e exkurt %.2e\n", t->isa, m1, m2 - 1, m3, m4 - 3);
    assert_true(fabs(m1) < 5.0 / sn);
    assert_true(fabs(m2 - 1.0) < 5.0 * sqrt(2.0) / sn);
    assert_true(fabs(m3) < 5.0 * sqrt(15.0) / sn);
    assert_true(fabs(m4 - 3.0) < 5.0 * sqrt(96.0) / sn);
    const double p3 = 2 * phi_cdf(-3.0), p4 = phi_cdf(-4.0);
    printf("tails: P(|Z|>3) %.3e (want %.3e), P(Z<-4) %.3e (want %.3e)\n", (double)t3 / n, p3,
           (double)t4 / n, p4);
    assert_true(fabs((double)t3 - n * p3) < 5.0 * sqrt(n * p3 * (1 - p3)));
    assert_true(fabs((double)t4 - n * p4) < 5.0 * sqrt(n * p4 * (1 - p4)));
    qsort(z, n, sizeof *z, cmp_d);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        const double f = phi_cdf(z[i]);
        const double lo = f - (double)i / n, hi = (double)(i + 1) / n - f;
        if (lo > d) d = lo;
        if (hi > d) d = hi;
    }
    printf("KS D*sqrt(n) = %.3f (0.1%% critical value 1.95)\n", d * sn);
    assert_true(d * sn < 1.95);
    free(z);
    vr_free(st); vr_free(inc); vr_free(a); vr_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcg32_golden),
        cmocka_unit_test(test_pcg32_advance),
        cmocka_unit_test(test_streams_distinct),
        cmocka_unit_test(test_u01_bounds),
        cmocka_unit_test(test_checker_fails),
        VR_SIMD_TESTS(test_kernels_vs_ref),
        cmocka_unit_test(test_normal_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
