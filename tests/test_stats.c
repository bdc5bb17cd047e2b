/* test_stats.c: scores and paired comparisons (vr_stats.h).
 *
 * Closed forms on large fixed-seed samples (normal: VaR_a = -mu + sigma z_a, ES_a = -mu +
 * sigma phi(z_a)/(1-a); exponential: skew 2, excess kurtosis 6), calibration of the reported
 * standard errors against the spread of the estimators over independent samples, exact zeros and
 * known shifts in the paired comparison, determinism and bad inputs. The samples come from a local
 * splitmix64 + Box-Muller generator so the test does not depend on the engine's kernels. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_stats.h"
#include "vr_test_util.h"

/* ---- local generator --------------------------------------------------------------------- */

typedef struct rng { uint64_t s; int have; double spare; } rng;

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* uniform in (0, 1) */
static double unif(rng *r) { return ((double)(splitmix64(&r->s) >> 11) + 0.5) * 0x1.0p-53; }
static double normal(rng *r)
{
    if (r->have) {
        r->have = 0;
        return r->spare;
    }
    const double u1 = unif(r), u2 = unif(r);
    const double rad = sqrt(-2 * log(u1));
    r->spare = rad * sin(2 * M_PI * u2);
    r->have = 1;
    return rad * cos(2 * M_PI * u2);
}

static double *normals(uint64_t seed, size_t n, double mu, double sigma)
{
    rng r = {seed, 0, 0};
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = mu + sigma * normal(&r);
    return x;
}

static double phi(double z) { return exp(-0.5 * z * z) / sqrt(2 * M_PI); }
static double Phi(double z) { return 0.5 * erfc(-z / sqrt(2)); }

static const double Z[3] = {1.6448536269514722, 2.3263478740408408, 3.0902323061678132};
static const double B[3] = {0.05, 0.01, 0.001};

#define assert_within(got, want, tol)                                                             \
    do {                                                                                          \
        const double g_ = (got), w_ = (want), t_ = (tol);                                        \
        if (!(fabs(g_ - w_) <= t_)) {                                                             \
            fprintf(stderr, "%s = %.10g, want %.10g +- %.3g (off by %.2f tol)\n", #got, g_, w_, \
                    t_, fabs(g_ - w_) / t_);                                                      \
            fail();                                                                               \
        }                                                                                         \
    } while (0)

/* ---- small exact cases -------------------------------------------------------------------- */

static void test_quantile_es_definitions(void **state)
{
    (void)state;
    const double x[4] = {1, 2, 3, 4};
    assert_true(vr_quantile(x, 4, 0.0) == 1.0);
    assert_true(vr_quantile(x, 4, 1.0) == 4.0);
    assert_true(vr_quantile(x, 4, 0.5) == 2.5);
    assert_true(vr_quantile(x, 4, 1.0 / 3.0) == 2.0);
    assert_true(vr_quantile(x, 4, 2.0) == 4.0);
    assert_true(vr_quantile(x, 4, -1.0) == 1.0);
    assert_within(vr_quantile(x, 4, 0.1), 1.3, 1e-15);
    assert_true(vr_quantile(x, 1, 0.7) == 1.0);
    assert_true(isnan(vr_quantile(x, 0, 0.5)));
    assert_true(isnan(vr_quantile(x, 4, NAN)));

    const double y[5] = {-10, -5, 0, 5, 10};
    assert_within(vr_es_sorted(y, 5, 0.2), 10.0, 1e-15);         /* n beta = 1 */
    assert_within(vr_es_sorted(y, 5, 0.3), 12.5 / 1.5, 1e-14);   /* n beta = 1.5 */
    assert_within(vr_es_sorted(y, 5, 1.0), 0.0, 1e-15);          /* whole mean */
    assert_within(vr_es_sorted(y, 5, 0.01), 10.0, 1e-15);        /* below one observation */
    assert_true(isnan(vr_es_sorted(y, 5, 0.0)));
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* vr_sort_doubles (radix, on the bits) against the introsort reference and qsort, bit for bit on
 * data without signed zeros: sizes around the radix's insertion-sort cut (96), data whose keys share
 * their top bytes (P&L-like values, one binade, denormals), ties, presorted and reversed runs,
 * infinities. With both zeros: equal to the reference by value, -0 before +0. NaNs: no order to
 * check, but every other value sorted between them, none lost. */
static void test_sort(void **state)
{
    (void)state;
    rng r = {7, 0, 0};
    const size_t sizes[] = {0, 1, 2, 3, 24, 25, 95, 96, 97, 100, 257, 1000, 100000};
    enum { KINDS = 10 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (int kind = 0; kind < KINDS; kind++) {
            const size_t n = sizes[s];
            double *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
            double *c = malloc((n + 1) * sizeof *c);
            for (size_t i = 0; i < n; i++) {
                switch (kind) {
                case 0: a[i] = normal(&r); break;
                case 1: a[i] = (double)(splitmix64(&r.s) % 5); break; /* many ties */
                case 2: a[i] = (double)i; break;                      /* sorted */
                case 3: a[i] = (double)(n - i); break;                /* reversed */
                case 4: a[i] = 3000 + 8000 * normal(&r); break;       /* a P&L sample */
                case 5: a[i] = 1 + (double)(splitmix64(&r.s) >> 12) * 0x1p-52; break; /* one binade */
                case 6: a[i] = (double)(splitmix64(&r.s) >> 20) * 0x1p-1074 * (i % 2 ? 1 : -1); break; /* denormals */
                case 7: a[i] = i % 7 == 0 ? (i % 2 ? INFINITY : -INFINITY) : normal(&r); break;
                case 8: a[i] = i % 3 == 0 ? (i % 2 ? -0.0 : 0.0) : floor(normal(&r)); break; /* both zeros */
                default: a[i] = i % 11 == 0 ? (i % 2 ? NAN : -NAN) : normal(&r); break;
                }
            }
            memcpy(b, a, n * sizeof *a);
            memcpy(c, a, n * sizeof *a);
            vr_sort_doubles(a, n);
            if (kind == 9) { /* NaNs: sorted values between them, none lost */
                size_t lo = 0, hi = n, nan_in = 0;
                for (size_t i = 0; i < n; i++)
                    nan_in += isnan(b[i]) ? 1 : 0;
                while (lo < n && isnan(a[lo]))
                    lo++;
                while (hi > lo && isnan(a[hi - 1]))
                    hi--;
                assert_int_equal(lo + (n - hi), nan_in);
                for (size_t i = lo + 1; i < hi; i++)
                    assert_true(a[i - 1] <= a[i]);
            } else {
                vr_sort_doubles_ref(b, n);
                qsort(c, n, sizeof *c, cmp_d);
                if (kind == 8) {
                    for (size_t i = 0; i < n; i++)
                        assert_true(a[i] == b[i] && a[i] == c[i]);
                    for (size_t i = 1; i < n; i++) /* -0 first among the zeros */
                        assert_false(a[i - 1] == 0 && a[i] == 0 && !signbit(a[i - 1]) && signbit(a[i]));
                } else {
                    assert_int_equal(n ? memcmp(a, b, n * sizeof *a) : 0, 0);
                    assert_int_equal(n ? memcmp(a, c, n * sizeof *a) : 0, 0);
                }
            }
            free(a);
            free(b);
            free(c);
        }
    }
    /* the result depends only on the values: a permutation of the input sorts to the same bits */
    const size_t n = 5000;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++)
        a[i] = i % 4 == 0 ? (i % 8 ? -0.0 : 0.0) : floor(3 * normal(&r));
    for (size_t i = 0; i < n; i++)
        b[i] = a[n - 1 - i];
    vr_sort_doubles(a, n);
    vr_sort_doubles(b, n);
    assert_int_equal(memcmp(a, b, n * sizeof *a), 0);
    free(a);
    free(b);
}

/* ---- closed forms ------------------------------------------------------------------------ */

static void test_normal_closed_form(void **state)
{
    (void)state;
    const size_t n = 1000000;
    const double mu = 0.5, sigma = 2.0;
    double *x = normals(12345, n, mu, sigma);
    const double thr[4] = {0, 1, 3, 6};
    vr_scores s;
    vr_err err = {0};
    assert_int_equal(vr_scores_compute(x, n, thr, &s, &err), VR_OK);
    assert_int_equal(s.n, n);
    assert_within(s.mean, mu, 4 * s.mean_se);
    assert_within(s.mean_se, sigma / 1000.0, 1e-5);
    assert_within(s.std, sigma, 4 * sigma / sqrt(2.0 * n));
    assert_within(s.skew, 0.0, 4 * sqrt(6.0 / n));
    assert_within(s.kurt, 0.0, 4 * sqrt(24.0 / n));
    for (int k = 0; k < 3; k++) {
        const double var = -mu + sigma * Z[k], es = -mu + sigma * phi(Z[k]) / B[k];
        /* order-statistic SE in closed form: sqrt(b(1-b)/n) sigma / phi(z) */
        const double var_se = sqrt(B[k] * (1 - B[k]) / n) * sigma / phi(Z[k]);
        printf("conf %.3f: VaR %.5f (exact %.5f, SE %.5f, closed-form SE %.5f)  "
               "ES %.5f (exact %.5f, SE %.5f)\n",
               vr_stats_conf[k], s.var[k], var, s.var_se[k], var_se, s.es[k], es, s.es_se[k]);
        assert_within(s.var[k], var, 4 * s.var_se[k]);
        assert_within(s.es[k], es, 4 * s.es_se[k]);
        assert_within(s.var_se[k], var_se, 0.15 * var_se);
    }
    /* ES99 = 2.665 sigma (as in the brief) */
    assert_within((s.es[1] + mu) / sigma, 2.665, 4 * s.es_se[1] / sigma + 1e-3);
    const double qz[6] = {-3.0902323061678132, -2.3263478740408408, -1.6448536269514722, 0,
                          1.6448536269514722, 2.3263478740408408};
    for (int k = 0; k < 6; k++) {
        const double p = vr_stats_qlevels[k];
        const double q_se = sqrt(p * (1 - p) / n) * sigma / phi(qz[k]);
        assert_within(s.q[k], mu + sigma * qz[k], 4 * q_se);
    }
    for (int t = 0; t < 4; t++) {
        const double p = Phi((-thr[t] - mu) / sigma);
        assert_true(s.thresholds[t] == thr[t]);
        assert_within(s.p_loss[t], p, 4 * sqrt(p * (1 - p) / n) + 1e-12);
        assert_within(s.p_loss_se[t], sqrt(p * (1 - p) / n), 0.05 * sqrt(p * (1 - p) / n) + 1e-9);
    }
    free(x);
}

static void test_exponential_moments(void **state)
{
    (void)state;
    const size_t n = 1000000;
    rng r = {99, 0, 0};
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = -log(unif(&r)); /* Exp(1): mean 1, sd 1, skew 2, excess kurtosis 6 */
    const double thr[4] = {0, 0, 0, 0};
    vr_scores s;
    vr_err err = {0};
    assert_int_equal(vr_scores_compute(x, n, thr, &s, &err), VR_OK);
    printf("exponential: mean %.5f std %.5f skew %.4f kurt %.4f\n", s.mean, s.std, s.skew, s.kurt);
    assert_within(s.mean, 1.0, 4 * s.mean_se);
    assert_within(s.std, 1.0, 0.01);
    assert_within(s.skew, 2.0, 0.06);
    assert_within(s.kurt, 6.0, 0.8);
    /* loss side of a positive variable: P(pnl < 0) = 0, the lower tail is -log(1 - u) ~ u */
    assert_true(s.p_loss[0] == 0.0 && s.p_loss_se[0] == 0.0);
    assert_within(s.q[3], log(2.0), 0.005);
    /* ES of the lower 5% tail: -E[X | X <= q_.05], q = -log(.95) */
    const double q = -log(0.95);
    /* E[X 1{X<=q}] = 1 - e^{-q}(1 + q) */
    const double tail_mean = (1 - exp(-q) * (1 + q)) / 0.05;
    assert_within(s.es[0], -tail_mean, 4 * s.es_se[0]);
    free(x);
}

/* ---- SE calibration ----------------------------------------------------------------------- */

static double sample_sd(const double *v, int m)
{
    double mean = 0, ss = 0;
    for (int i = 0; i < m; i++)
        mean += v[i];
    mean /= m;
    for (int i = 0; i < m; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return sqrt(ss / (m - 1));
}

static void test_se_calibration(void **state)
{
    (void)state;
    enum { REPS = 200 };
    const size_t n = 20000;
    static double mean_v[REPS], var_v[2][REPS], es_v[2][REPS], dm_v[REPS], des_v[REPS];
    double mean_se = 0, var_se[2] = {0, 0}, es_se[2] = {0, 0}, dm_se = 0, des_se = 0;
    const double thr[4] = {0, 0, 0, 0};
    double *scratch = malloc(n * sizeof *scratch);
    double *base = malloc(n * sizeof *base), *pol = malloc(n * sizeof *pol);
    for (int r = 0; r < REPS; r++) {
        rng g = {1000 + (uint64_t)r * 7919, 0, 0};
        /* a skewed, fat-left-tailed P&L: short-vol-like, plus a hedge that pays in the tail */
        for (size_t i = 0; i < n; i++) {
            const double z = normal(&g), e = normal(&g);
            base[i] = 1.0 + z - (z < -1.5 ? 2.0 * (z + 1.5) * (z + 1.5) : 0.0);
            pol[i] = base[i] - 0.3 + (z < -1.5 ? 1.2 * (-1.5 - z) : 0.0) + 0.2 * e;
        }
        vr_scores s;
        vr_paired p;
        vr_err err = {0};
        assert_int_equal(vr_scores_compute_buf(base, n, thr, scratch, &s, &err), VR_OK);
        assert_int_equal(vr_paired_compute_buf(pol, base, n, scratch, &p, &err), VR_OK);
        mean_v[r] = s.mean;
        mean_se += s.mean_se / REPS;
        for (int k = 0; k < 2; k++) {
            var_v[k][r] = s.var[k];
            var_se[k] += s.var_se[k] / REPS;
            es_v[k][r] = s.es[k];
            es_se[k] += s.es_se[k] / REPS;
        }
        dm_v[r] = p.dmean;
        dm_se += p.dmean_se / REPS;
        des_v[r] = p.des99;
        des_se += p.des99_se / REPS;
    }
    const double r_mean = sample_sd(mean_v, REPS) / mean_se;
    const double r_var95 = sample_sd(var_v[0], REPS) / var_se[0];
    const double r_var99 = sample_sd(var_v[1], REPS) / var_se[1];
    const double r_es95 = sample_sd(es_v[0], REPS) / es_se[0];
    const double r_es99 = sample_sd(es_v[1], REPS) / es_se[1];
    const double r_dm = sample_sd(dm_v, REPS) / dm_se;
    const double r_des = sample_sd(des_v, REPS) / des_se;
    printf("SE calibration (empirical sd / mean reported SE, %d samples of %zu):\n"
           "  mean %.3f  VaR95 %.3f  VaR99 %.3f  ES95 %.3f  ES99 %.3f  dmean %.3f  dES99 %.3f\n"
           "  (ES99 SE %.4f, paired dES99 SE %.4f)\n",
           REPS, n, r_mean, r_var95, r_var99, r_es95, r_es99, r_dm, r_des, es_se[1], des_se);
    assert_within(r_mean, 1.0, 0.25);
    assert_within(r_var95, 1.0, 0.25);
    assert_within(r_var99, 1.0, 0.25);
    assert_within(r_es95, 1.0, 0.25);
    assert_within(r_es99, 1.0, 0.25);
    assert_within(r_dm, 1.0, 0.25);
    assert_within(r_des, 1.0, 0.25);
    /* the pairing matters: the paired SE is well below the unpaired sqrt(se1^2 + se2^2) */
    assert_true(des_se < 0.8 * es_se[1] * sqrt(2.0));
    free(scratch);
    free(base);
    free(pol);
}

/* ---- paired comparison ---------------------------------------------------------------------- */

static void test_paired_exact(void **state)
{
    (void)state;
    const size_t n = 50000;
    double *b = normals(5, n, 0.1, 1.5);
    double *p = malloc(n * sizeof *p);
    vr_paired d;
    vr_err err = {0};

    assert_int_equal(vr_paired_compute(b, b, n, &d, &err), VR_OK);
    assert_true(d.dmean == 0.0 && d.dmean_se == 0.0 && d.des99 == 0.0 && d.des99_se == 0.0);

    /* a constant shift c: dmean = c, ES moves by -c, no noise */
    const double c = 0.75;
    for (size_t i = 0; i < n; i++)
        p[i] = b[i] + c;
    assert_int_equal(vr_paired_compute(p, b, n, &d, &err), VR_OK);
    assert_within(d.dmean, c, 1e-12);
    assert_within(d.dmean_se, 0.0, 1e-12);
    assert_within(d.des99, -c, 1e-12);
    assert_within(d.des99_se, 0.0, 1e-10);

    /* scaling by 2 about zero: ES doubles, mean doubles */
    const double thr[4] = {0, 0, 0, 0};
    vr_scores sb;
    assert_int_equal(vr_scores_compute(b, n, thr, &sb, &err), VR_OK);
    for (size_t i = 0; i < n; i++)
        p[i] = 2 * b[i];
    assert_int_equal(vr_paired_compute(p, b, n, &d, &err), VR_OK);
    assert_within(d.dmean, sb.mean, 1e-12);
    assert_within(d.dmean_se, sb.mean_se, 1e-12);
    assert_within(d.des99, sb.es[1], 1e-11);
    assert_within(d.des99_se, sb.es_se[1], 1e-11);
    free(b);
    free(p);
}

/* ---- determinism and bad inputs --------------------------------------------------------- */

static void test_determinism(void **state)
{
    (void)state;
    const size_t n = 100003;
    double *x = normals(77, n, 0, 1);
    double *y = normals(78, n, 0, 1);
    double *scratch = malloc(n * sizeof *scratch);
    const double thr[4] = {0.5, 1, 2, 3};
    vr_scores a, b;
    vr_paired pa, pb;
    vr_err err = {0};
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    assert_int_equal(vr_scores_compute(x, n, thr, &a, &err), VR_OK);
    for (size_t i = 0; i < n; i++)
        scratch[i] = (double)i; /* dirty scratch */
    assert_int_equal(vr_scores_compute_buf(x, n, thr, scratch, &b, &err), VR_OK);
    assert_int_equal(memcmp(&a, &b, sizeof a), 0);
    assert_int_equal(vr_paired_compute(x, y, n, &pa, &err), VR_OK);
    assert_int_equal(vr_paired_compute_buf(x, y, n, scratch, &pb, &err), VR_OK);
    assert_int_equal(memcmp(&pa, &pb, sizeof pa), 0);
    free(x);
    free(y);
    free(scratch);
}

/* vr_paired_compute_tails, given the tails vr_scores_compute reports, is vr_paired_compute bit for
 * bit: on a continuous sample, and on one with many ties (quantiles on and between equal order
 * statistics); given another sample's tails it is not (the tails are what it uses). */
static void test_paired_tails(void **state)
{
    (void)state;
    const size_t n = 100003;
    double *x = normals(91, n, 0, 1);
    double *y = normals(92, n, 0.1, 1.3);
    const double thr[4] = {0.5, 1, 2, 3};
    vr_err err = {0};
    for (int ties = 0; ties < 2; ties++) {
        if (ties)
            for (size_t i = 0; i < n; i++) {
                x[i] = floor(3 * x[i]);
                y[i] = floor(2 * y[i]);
            }
        vr_scores sx, sy;
        vr_paired a, b;
        memset(&a, 0x5a, sizeof a);
        memset(&b, 0xa5, sizeof b);
        assert_int_equal(vr_scores_compute(x, n, thr, &sx, &err), VR_OK);
        assert_int_equal(vr_scores_compute(y, n, thr, &sy, &err), VR_OK);
        assert_int_equal(vr_paired_compute(x, y, n, &a, &err), VR_OK);
        assert_int_equal(vr_paired_compute_tails(x, y, n, sx.var[1], sx.es[1], sy.var[1], sy.es[1], &b, &err),
                         VR_OK);
        assert_int_equal(memcmp(&a, &b, sizeof a), 0);
        assert_int_equal(vr_paired_compute_tails(x, y, n, sy.var[1], sy.es[1], sx.var[1], sx.es[1], &b, &err),
                         VR_OK);
        assert_true(b.des99 != a.des99 && b.des99_se != a.des99_se);
    }
    /* its inputs are checked as vr_paired_compute's */
    y[7] = NAN;
    assert_int_equal(vr_paired_compute_tails(x, y, n, 1, 1, 1, 1, &(vr_paired){0}, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "base[7]"));
    vr_err_clear(&err);
    assert_int_equal(vr_paired_compute_tails(x, y, n, 1, 1, 1, 1, NULL, &err), VR_EINVAL);
    free(x);
    free(y);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    double x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const double thr[4] = {0, 0, 0, 0};
    vr_scores s;
    vr_paired p;
    vr_err err = {0};
    assert_int_equal(vr_scores_compute(x, 0, thr, &s, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "at least 2"));
    printf("n = 0: %s\n", err.msg);
    vr_err_clear(&err);
    assert_int_equal(vr_scores_compute(NULL, 10, thr, &s, &err), VR_EINVAL);
    vr_err_clear(&err);
    assert_int_equal(vr_scores_compute(x, 10, NULL, &s, &err), VR_EINVAL);
    vr_err_clear(&err);
    x[7] = NAN;
    assert_int_equal(vr_scores_compute(x, 10, thr, &s, &err), VR_EINVAL);
    assert_int_equal(err.code, VR_EINVAL);
    assert_non_null(strstr(err.msg, "pnl[7]"));
    printf("NaN: %s\n", err.msg);
    vr_err_clear(&err);
    double y[10] = {0};
    assert_int_equal(vr_paired_compute(y, x, 10, &p, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "base[7]"));
    vr_err_clear(&err);
    x[7] = INFINITY;
    assert_int_equal(vr_paired_compute(x, y, 10, &p, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "pnl[7]"));
    vr_err_clear(&err);
    x[7] = 8;
    const double bad_thr[4] = {0, NAN, 0, 0};
    assert_int_equal(vr_scores_compute(x, 10, bad_thr, &s, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "thresholds[1]"));
    /* constant sample: no failure, undefined shape moments are NaN, SEs zero */
    vr_err_clear(&err);
    assert_int_equal(vr_scores_compute(y, 10, thr, &s, &err), VR_OK);
    assert_true(s.std == 0.0 && s.mean_se == 0.0 && isnan(s.skew) && isnan(s.kurt));
    assert_true(s.var[1] == 0.0 && s.var_se[1] == 0.0 && s.es[1] == 0.0 && s.es_se[1] == 0.0);
}

/* A sample without spread whose mean does not round back to its value (0.1 three times: the sum
 * is 0.30000000000000004): the central moments are exactly 0, so std and the SEs are 0 (not
 * ~1e-17) and the shape moments undefined (NaN, which the run file leaves out); and no score of
 * an all-zero sample is a negative zero. */
static void test_constant_sample(void **state)
{
    (void)state;
    const double thr[4] = {1, 2, 3, 4};
    double x[3] = {0.1, 0.1, 0.1};
    vr_scores s;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_scores_compute(x, 3, thr, &s, &err), VR_OK);
    assert_true(s.std == 0.0 && s.mean_se == 0.0);
    assert_true(isnan(s.skew) && isnan(s.kurt));
    for (int k = 0; k < VR_STATS_NCONF; k++) {
        assert_true(s.var[k] == -0.1 && s.es[k] == -0.1);
        assert_true(s.var_se[k] == 0.0 && s.es_se[k] == 0.0);
    }
    double z[3] = {0, 0, 0};
    assert_int_equal(vr_scores_compute(z, 3, thr, &s, &err), VR_OK);
    for (int k = 0; k < VR_STATS_NCONF; k++) /* a zero loss, not "-0" in the file and on screen */
        assert_true(s.var[k] == 0.0 && !signbit(s.var[k]) && s.es[k] == 0.0 && !signbit(s.es[k]));
}

/* The VaR's SE is sqrt(beta (1 - beta) / n) times the difference quotient of the quantile over the
 * levels it is taken at. With n < 1/beta the bandwidth's floor 1/n reaches below level 0, where
 * the quantile clamps: the quotient must divide by the span actually used, not 2h (which
 * understated the SE by up to half). Checked against the formula written out, at a clamped and
 * at an unclamped level. */
static void test_quantile_se_clamped(void **state)
{
    (void)state;
    enum { N = 10 };
    double x[N];
    for (int i = 0; i < N; i++)
        x[i] = (double)(i * i); /* sorted, unequal gaps */
    const double beta = 0.01;
    const double h = vr_hs_bandwidth(N, beta);
    assert_true(beta - h < 0); /* the case: the lower level is clamped */
    const double want = sqrt(beta * (1 - beta) / N) * (vr_quantile(x, N, beta + h) - x[0]) / (beta + h);
    const double got = vr_quantile_se(x, N, beta);
    printf("VaR SE, n %d, beta %g, h %g: %.17g (2h would give %.17g)\n", N, beta, h, got,
           sqrt(beta * (1 - beta) / N) * (vr_quantile(x, N, beta + h) - x[0]) / (2 * h));
    assert_true(fabs(got - want) <= 1e-15 * want);
    /* unclamped: the same bits as the 2h formula */
    const double b2 = 0.5, h2 = vr_hs_bandwidth(N, b2);
    assert_true(b2 - h2 >= 0 && b2 + h2 <= 1);
    const double w2 = sqrt(b2 * (1 - b2) / N) * ((vr_quantile(x, N, b2 + h2) - vr_quantile(x, N, b2 - h2)) / (2 * h2));
    assert_true(vr_quantile_se(x, N, b2) == w2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_es_definitions),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_normal_closed_form),
        cmocka_unit_test(test_exponential_moments),
        cmocka_unit_test(test_se_calibration),
        cmocka_unit_test(test_paired_exact),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_paired_tails),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_constant_sample),
        cmocka_unit_test(test_quantile_se_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
