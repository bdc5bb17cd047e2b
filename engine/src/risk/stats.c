/* stats.c: scores of a per-path P&L sample and paired comparisons (see vr_stats.h for the
 * definitions and the standard-error methods).
 *
 * One pass in path order checks the data and sums the moments; a sorted copy (in the scratch
 * buffer) gives quantiles, VaR, ES and their standard errors. Sums run in path order with Neumaier
 * compensation, so the result depends only on the array, never on threads or the sort's tie order
 * (ties have equal values, so any order of them gives the same sorted array). */
#include "vixrisk/vr_stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const double vr_stats_qlevels[VR_STATS_NQ] = {0.001, 0.01, 0.05, 0.5, 0.95, 0.99};
const double vr_stats_conf[VR_STATS_NCONF] = {0.95, 0.99, 0.999};
/* Tail probabilities 1 - conf, written exactly (1 - 0.999 in binary is not 0.001). */
const double vr_stats_tail_beta[VR_STATS_NCONF] = {0.05, 0.01, 0.001};

/* ---- compensated sum --------------------------------------------------------------------- */

typedef struct ksum { double s, c; } ksum;

static inline void ksum_add(ksum *k, double x)
{
    const double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}
static inline double ksum_get(const ksum *k) { return k->s + k->c; }

/* ---- sorting by comparison: introsort (median-of-three quicksort, heapsort past 2 log2 n levels,
 * insertion sort below 24 elements). In place, no recursion deeper than log2 n (recurse on the
 * smaller side). The reference of the radix sort below (vr_sort_doubles_ref). */

static void insertion_sort(double *x, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const double v = x[i];
        size_t j = i;
        while (j > 0 && x[j - 1] > v) {
            x[j] = x[j - 1];
            j--;
        }
        x[j] = v;
    }
}

static void sift_down(double *x, size_t root, size_t n)
{
    const double v = x[root];
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            break;
        if (c + 1 < n && x[c + 1] > x[c])
            c++;
        if (!(x[c] > v))
            break;
        x[root] = x[c];
        root = c;
    }
    x[root] = v;
}

static void heap_sort(double *x, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(x, i, n);
    for (size_t i = n; i-- > 1;) {
        const double t = x[0];
        x[0] = x[i];
        x[i] = t;
        sift_down(x, 0, i);
    }
}

static inline void swapd(double *a, double *b)
{
    const double t = *a;
    *a = *b;
    *b = t;
}

static void intro_sort(double *x, size_t n, int depth)
{
    while (n > 24) {
        if (depth-- == 0) {
            heap_sort(x, n);
            return;
        }
        /* median of three to x[0], then Hoare partition around it */
        const size_t m = n / 2;
        if (x[m] < x[0]) swapd(&x[m], &x[0]);
        if (x[n - 1] < x[0]) swapd(&x[n - 1], &x[0]);
        if (x[n - 1] < x[m]) swapd(&x[n - 1], &x[m]);
        swapd(&x[0], &x[m]);
        const double pivot = x[0];
        size_t i = 0, j = n;
        for (;;) {
            do i++; while (i < n && x[i] < pivot);
            do j--; while (x[j] > pivot);
            if (i >= j)
                break;
            swapd(&x[i], &x[j]);
        }
        swapd(&x[0], &x[j]);
        /* [0, j) <= pivot, x[j] = pivot, (j, n) >= pivot */
        const size_t nl = j, nr = n - j - 1;
        if (nl < nr) {
            intro_sort(x, nl, depth);
            x += j + 1;
            n = nr;
        } else {
            intro_sort(x + j + 1, nr, depth);
            n = nl;
        }
    }
    insertion_sort(x, n);
}

void vr_sort_doubles_ref(double *x, size_t n)
{
    if (x == NULL || n < 2)
        return;
    int depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    intro_sort(x, n, depth);
}

/* ---- sorting by bit pattern: an in-place most-significant-digit radix sort ("American flag
 * sort"), bytes of the key below, buckets of SMALL or fewer finished by insertion sort. A run's
 * scoring sorts a P&L and a drawdown array of every policy (each a million doubles at a million
 * paths); this takes about half the time of the introsort above, which compares (measured:
 * 1,000,000 normal P&L-like values 45 ms against 100 ms). It loses on presorted descending data
 * (a review measured 10^7 reversed values at 273 ms against 145 ms; buckets arriving in
 * descending order are the insertion sort's worst case), which a run's P&L and drawdowns are not.
 * No library sort does this: qsort calls a comparison function per step, and C has no other.
 *
 * The key of x is its bits with the sign bit flipped for x >= +0 and every bit flipped for x <= -0,
 * so unsigned keys order as the values: -inf < ... < -0 < +0 < ... < +inf (NaNs beyond the
 * infinities, by sign). The result is the same array as any sort by value (-0 and +0, equal
 * values, come out -0 first) and depends only on the values, not on their order in x. */
#define RADIX_SMALL 96

static inline uint64_t sort_key(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ull);
}

/* Insertion sort by key: the order of the radix sort for few elements (by value, -0 and +0 would
 * stay in their input order). */
static void insertion_sort_key(double *x, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const double v = x[i];
        const uint64_t k = sort_key(v);
        size_t j = i;
        while (j > 0 && sort_key(x[j - 1]) > k) {
            x[j] = x[j - 1];
            j--;
        }
        x[j] = v;
    }
}

static void radix_sort(double *x, size_t n, int shift)
{
    size_t cnt[256];
    /* the digit at `shift`; a digit all keys share (the top bytes of a P&L sample: sign and
     * exponent) is skipped without moving anything */
    for (;;) {
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(sort_key(x[i]) >> shift) & 255]++;
        int shared = 0;
        for (int d = 0; d < 256 && !shared; d++)
            shared = cnt[d] == n;
        if (!shared)
            break;
        if (shift == 0)
            return; /* every key equal */
        shift -= 8;
    }
    /* the buckets in place: each element is moved to the next free place of its digit's bucket,
     * the one it displaces carried on, until the cycle comes back */
    size_t next[256], end[256], at = 0;
    for (int d = 0; d < 256; d++) {
        next[d] = at;
        at += cnt[d];
        end[d] = at;
    }
    for (unsigned b = 0; b < 256; b++)
        while (next[b] < end[b]) {
            double v = x[next[b]];
            unsigned d = (unsigned)(sort_key(v) >> shift) & 255;
            while (d != b) {
                const double t = x[next[d]];
                x[next[d]++] = v;
                v = t;
                d = (unsigned)(sort_key(v) >> shift) & 255;
            }
            x[next[b]++] = v;
        }
    if (shift == 0)
        return;
    at = 0;
    for (int d = 0; d < 256; d++) {
        if (cnt[d] > RADIX_SMALL)
            radix_sort(x + at, cnt[d], shift - 8);
        else if (cnt[d] > 1)
            insertion_sort_key(x + at, cnt[d]);
        at += cnt[d];
    }
}

void vr_sort_doubles(double *x, size_t n)
{
    if (x == NULL || n < 2)
        return;
    if (n <= RADIX_SMALL)
        insertion_sort_key(x, n);
    else
        radix_sort(x, n, 56);
}

/* ---- quantiles and ES ------------------------------------------------------------------- */

double vr_quantile(const double *sorted, size_t n, double p)
{
    if (sorted == NULL || n == 0 || isnan(p))
        return NAN;
    if (p <= 0.0)
        return sorted[0];
    if (p >= 1.0)
        return sorted[n - 1];
    const double h = (double)(n - 1) * p;
    const double fl = floor(h);
    size_t i = (size_t)fl;
    if (i >= n - 1)
        return sorted[n - 1];
    const double g = h - fl;
    return g == 0.0 ? sorted[i] : sorted[i] + g * (sorted[i + 1] - sorted[i]);
}

double vr_es_sorted(const double *sorted, size_t n, double beta)
{
    if (sorted == NULL || n == 0 || !(beta > 0.0 && beta <= 1.0))
        return NAN;
    double nb = (double)n * beta;
    /* n*beta should be an integer when the user picked n so; don't let 1e-16 noise add a
     * fractional sliver of the next order statistic */
    const double r = nearbyint(nb);
    if (fabs(nb - r) <= 1e-9 * nb)
        nb = r;
    size_t k = (size_t)floor(nb);
    if (k > n)
        k = n;
    ksum s = {0, 0};
    for (size_t i = 0; i < k; i++)
        ksum_add(&s, sorted[i]);
    const double frac = nb - (double)k;
    if (frac > 0.0 && k < n)
        ksum_add(&s, frac * sorted[k]);
    return 0.0 - ksum_get(&s) / nb; /* (0.0 -: a zero loss is +0, never -0) */
}

/* Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9); used
 * only for the Hall-Sheather bandwidth, where that accuracy is far more than enough. */
static double norm_ppf(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                               1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    const double lo = 0.02425;
    if (p < lo) {
        const double q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - lo)
        return -norm_ppf(1 - p);
    const double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double vr_hs_bandwidth(size_t n, double beta)
{
    const double z = norm_ppf(beta);
    const double phi = exp(-0.5 * z * z) / sqrt(2 * M_PI);
    double h = pow((double)n, -1.0 / 3.0) * pow(1.959963984540054, 2.0 / 3.0) *
               cbrt(1.5 * phi * phi / (2 * z * z + 1));
    const double hmax = 0.5 * fmin(beta, 1 - beta), hmin = 1.0 / (double)n;
    if (h > hmax) h = hmax;
    if (h < hmin) h = hmin;
    return h;
}

double vr_quantile_se(const double *sorted, size_t n, double beta)
{
    const double h = vr_hs_bandwidth(n, beta);
    /* the difference quotient over the span of levels the quantiles are taken at: with few paths
     * (n < 1/beta) the bandwidth's floor 1/n reaches past a level of 0 (or 1), where vr_quantile
     * clamps, and dividing by 2h would understate the SE by up to half */
    const double lo = beta - h, hi = beta + h;
    const double span = lo >= 0 && hi <= 1 ? 2 * h : (hi < 1 ? hi : 1) - (lo > 0 ? lo : 0);
    const double sparsity = (vr_quantile(sorted, n, hi) - vr_quantile(sorted, n, lo)) / span;
    return sqrt(beta * (1 - beta) / (double)n) * sparsity;
}

double vr_es_se_sorted(const double *x, size_t len, size_t n, double beta, double v)
{
    /* influence function: sample variance of (L - v)^+ = (-x - v)^+ over the sorted tail; the
     * terms are zero outside it, so the loop stops at the first x >= -v */
    const double dn = (double)n;
    ksum ts = {0, 0};
    size_t m = 0;
    while (m < len && -x[m] - v > 0) {
        ksum_add(&ts, -x[m] - v);
        m++;
    }
    if (m == len && len < n)
        return NAN; /* the tail runs past the values the caller holds */
    const double tmean = ksum_get(&ts) / dn;
    double ss = 0;
    for (size_t i = 0; i < m; i++) {
        const double e = (-x[i] - v) - tmean;
        ss += e * e;
    }
    ss += (dn - (double)m) * tmean * tmean; /* the zero terms */
    return sqrt(ss / (dn - 1) / dn) / beta;
}

/* ---- input checks ------------------------------------------------------------------------ */

/* Values must be 0 or of magnitude in [2^-200, 2^200], the range vr_tailstats_add accepts (the
 * streaming scores, whose exact power sums need it), so that a run is scored or refused alike on
 * either path. Above it the fourth powers and the squares overflow here: a finite P&L of 1e80
 * gave a NaN kurtosis (which the run file takes for a constant sample and leaves out), 1e160 an
 * infinite std and infinite ES SEs. */
static vr_status check_data(const double *x, size_t n, const char *what, vr_err *err)
{
    if (x == NULL)
        return vr_fail(err, VR_EINVAL, "stats: %s is NULL", what);
    if (n < 2)
        return vr_fail(err, VR_EINVAL, "stats: %s needs at least 2 paths (got %zu)", what, n);
    for (size_t i = 0; i < n; i++) {
        const double a = fabs(x[i]);
        if (!isfinite(x[i]))
            return vr_fail(err, VR_EINVAL, "stats: %s[%zu] is not finite (%g)", what, i, x[i]);
        if (a != 0.0 && !(a >= 0x1p-200 && a <= 0x1p200))
            return vr_fail(err, VR_EINVAL, "stats: %s of path %zu is %g: must be 0 or of magnitude "
                           "in [2^-200, 2^200]", what, i, x[i]);
    }
    return VR_OK;
}

/* For the entry points that allocate their own sort scratch: check pnl, then *scratch = n doubles
 * (freed by the caller). */
static vr_status pnl_scratch(const double *pnl, size_t n, double **scratch, vr_err *err)
{
    vr_status st;
    if ((st = check_data(pnl, n, "pnl", err)) != VR_OK)
        return st;
    if ((*scratch = malloc(n * sizeof **scratch)) == NULL)
        return vr_fail(err, VR_ENOMEM, "stats: scratch for %zu paths", n);
    return VR_OK;
}

/* ---- scores ------------------------------------------------------------------------------- */

vr_status vr_scores_compute_buf(const double *pnl, size_t n, const double thresholds[4],
                                double *scratch, vr_scores *out, vr_err *err)
{
    vr_status st;
    if (out == NULL || thresholds == NULL || scratch == NULL)
        return vr_fail(err, VR_EINVAL, "stats: scores: NULL %s",
                       out == NULL ? "output" : thresholds == NULL ? "thresholds" : "scratch");
    if ((st = check_data(pnl, n, "pnl", err)) != VR_OK)
        return st;
    for (int t = 0; t < VR_STATS_NTHR; t++)
        if (!isfinite(thresholds[t]))
            return vr_fail(err, VR_EINVAL, "stats: thresholds[%d] is not finite (%g)", t,
                           thresholds[t]);

    vr_scores s;
    memset(&s, 0, sizeof s);
    s.n = n;
    const double dn = (double)n;

    /* moments, two passes in path order */
    ksum sum = {0, 0};
    for (size_t i = 0; i < n; i++)
        ksum_add(&sum, pnl[i]);
    const double mean = ksum_get(&sum) / dn;
    double m2 = 0, m3 = 0, m4 = 0, xmin = pnl[0], xmax = pnl[0];
    for (size_t i = 0; i < n; i++) {
        const double d = pnl[i] - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
        xmin = pnl[i] < xmin ? pnl[i] : xmin;
        xmax = pnl[i] > xmax ? pnl[i] : xmax;
    }
    if (xmin == xmax) /* a constant sample: the central moments are exactly 0 (the rounded mean
                         can differ from the value, as tailstats.c's exact sums cannot) */
        m2 = m3 = m4 = 0;
    s.mean = mean;
    s.std = sqrt(m2 / (dn - 1));
    s.mean_se = s.std / sqrt(dn);
    m2 /= dn;
    m3 /= dn;
    m4 /= dn;
    /* undefined for a sample without spread (NaN: the run file leaves them out) */
    s.skew = m2 > 0 ? m3 / (m2 * sqrt(m2)) : NAN;
    s.kurt = m2 > 0 ? m4 / (m2 * m2) - 3.0 : NAN;

    /* loss probabilities (counted in path order) */
    for (int t = 0; t < VR_STATS_NTHR; t++) {
        const double lvl = -thresholds[t];
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            c += pnl[i] < lvl;
        const double p = (double)c / dn;
        s.thresholds[t] = thresholds[t];
        s.p_loss[t] = p;
        s.p_loss_se[t] = sqrt(p * (1 - p) / dn);
    }

    /* order statistics */
    double *x = scratch;
    memcpy(x, pnl, n * sizeof *x);
    vr_sort_doubles(x, n);
    for (int k = 0; k < VR_STATS_NQ; k++)
        s.q[k] = vr_quantile(x, n, vr_stats_qlevels[k]);
    for (int k = 0; k < VR_STATS_NCONF; k++) {
        const double beta = vr_stats_tail_beta[k];
        const double v = 0.0 - vr_quantile(x, n, beta);
        s.var[k] = v;
        s.var_se[k] = vr_quantile_se(x, n, beta);
        s.es[k] = vr_es_sorted(x, n, beta);
        s.es_se[k] = vr_es_se_sorted(x, n, n, beta, v);
    }
    *out = s;
    return VR_OK;
}

vr_status vr_scores_compute(const double *pnl, size_t n, const double thresholds[4], vr_scores *out,
                            vr_err *err)
{
    double *scratch;
    vr_status st = pnl_scratch(pnl, n, &scratch, err);
    if (st != VR_OK)
        return st;
    st = vr_scores_compute_buf(pnl, n, thresholds, scratch, out, err);
    free(scratch);
    return st;
}

/* ---- paired comparison ------------------------------------------------------------------ */

/* The paired comparison once the VaR99 and ES99 of both samples are known (v, es_p of pnl; w,
 * es_b of base). */
static void paired_from_tails(const double *pnl, const double *base, size_t n, double v, double es_p,
                              double w, double es_b, vr_paired *out)
{
    const double dn = (double)n, beta = 0.01;

    ksum sum = {0, 0};
    for (size_t i = 0; i < n; i++)
        ksum_add(&sum, pnl[i] - base[i]);
    const double dmean = ksum_get(&sum) / dn;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        const double e = (pnl[i] - base[i]) - dmean;
        ss += e * e;
    }

    /* per-path difference of the influence functions (the constants v - ES cancel in the variance) */
    ksum ds = {0, 0};
    for (size_t i = 0; i < n; i++)
        ksum_add(&ds, fmax(-pnl[i] - v, 0.0) - fmax(-base[i] - w, 0.0));
    const double dbar = ksum_get(&ds) / dn;
    double sd = 0;
    for (size_t i = 0; i < n; i++) {
        const double e = (fmax(-pnl[i] - v, 0.0) - fmax(-base[i] - w, 0.0)) - dbar;
        sd += e * e;
    }
    out->dmean = dmean;
    out->dmean_se = sqrt(ss / (dn - 1) / dn);
    out->des99 = es_p - es_b;
    out->des99_se = sqrt(sd / (dn - 1) / dn) / beta;
}

void vr_stats_tail99(const double *x, size_t n, double *scratch, double *var99, double *es99)
{
    const double beta = vr_stats_tail_beta[1]; /* 0.01 */
    memcpy(scratch, x, n * sizeof *scratch);
    vr_sort_doubles(scratch, n);
    *var99 = 0.0 - vr_quantile(scratch, n, beta);
    *es99 = vr_es_sorted(scratch, n, beta);
}

vr_status vr_paired_compute_buf(const double *pnl, const double *base, size_t n, double *scratch,
                                vr_paired *out, vr_err *err)
{
    vr_status st;
    if (out == NULL || scratch == NULL)
        return vr_fail(err, VR_EINVAL, "stats: paired: NULL %s", out == NULL ? "output" : "scratch");
    if ((st = check_data(pnl, n, "pnl", err)) != VR_OK)
        return st;
    if ((st = check_data(base, n, "base", err)) != VR_OK)
        return st;
    /* VaR99 and ES99 of each, from one scratch buffer used twice */
    double v, es_p, w, es_b;
    vr_stats_tail99(pnl, n, scratch, &v, &es_p);
    vr_stats_tail99(base, n, scratch, &w, &es_b);
    paired_from_tails(pnl, base, n, v, es_p, w, es_b, out);
    return VR_OK;
}

vr_status vr_paired_compute_tails(const double *pnl, const double *base, size_t n, double var_p,
                                  double es_p, double var_b, double es_b, vr_paired *out, vr_err *err)
{
    vr_status st;
    if (out == NULL)
        return vr_fail(err, VR_EINVAL, "stats: paired: NULL output");
    if ((st = check_data(pnl, n, "pnl", err)) != VR_OK)
        return st;
    if ((st = check_data(base, n, "base", err)) != VR_OK)
        return st;
    paired_from_tails(pnl, base, n, var_p, es_p, var_b, es_b, out);
    return VR_OK;
}

vr_status vr_paired_compute(const double *pnl, const double *base, size_t n, vr_paired *out,
                            vr_err *err)
{
    double *scratch;
    vr_status st = pnl_scratch(pnl, n, &scratch, err);
    if (st != VR_OK)
        return st;
    st = vr_paired_compute_buf(pnl, base, n, scratch, out, err);
    free(scratch);
    return st;
}
