/* vr_stats.h: scores of a per-path P&L sample (moments, quantiles, VaR and expected shortfall with
 * standard errors, loss probabilities) and paired comparisons of two policies run on the same paths.
 *
 * Everything here is deterministic: the same array in the same order gives the same bits (sums run
 * in path order; the sorted copies depend only on the values). Cost: a radix sort and a few passes
 * over the data; the only memory used is one scratch buffer of n doubles, passed by the caller (the
 * _buf variants) or allocated for the duration of the call.
 *
 * Sign convention: inputs are P&L (positive = gain). VaR and ES are reported as LOSSES (positive
 * number = loss): with beta = 1 - a (a = 0.95, 0.99, 0.999),
 *     VaR_a = -q_beta(pnl)                     (q = the type-7 quantile of vr_quantile)
 *     ES_a  = -E[pnl | pnl <= q_beta(pnl)]
 * ES is estimated by the Acerbi-Tasche average of the lowest n*beta outcomes, the boundary order
 * statistic getting the fractional weight:
 *     ES_a = -(1/(n beta)) [ x(1) + ... + x(k) + (n beta - k) x(k+1) ],  k = floor(n beta)
 * (x(i) ascending), which is coherent, defined for every n >= 1 and equals the conditional mean
 * above up to O(1/n).
 *
 * Standard errors (all are asymptotic, one standard deviation of the estimator):
 *   mean:  std / sqrt(n).
 *   VaR:   the order-statistic (Siddiqui-Bofinger) method: SE = sqrt(beta(1-beta)/n) * s(beta), with
 *          the sparsity s = 1/f(q) estimated by the difference quotient of the empirical quantile,
 *          s = (q(beta+h) - q(beta-h)) / (2h), and the Hall-Sheather (1988) bandwidth (alpha = 0.05)
 *              h = n^(-1/3) 1.96^(2/3) [1.5 phi(z)^2 / (2 z^2 + 1)]^(1/3),  z = Phi^-1(beta),
 *          clamped to [1/n, beta/2] (Koenker 2005, sec. 3.4). It adapts to the local density of the
 *          tail without a global bandwidth, and gives 0 when the quantile sits on an atom (for a
 *          condor, a loss capped by the wings), where the estimator is indeed locally constant.
 *   ES:    the influence function (Yamai-Yoshiba 2002, Scaillet 2004): with L = -pnl and v = VaR_a,
 *          ES = v + E[(L - v)^+] / beta, so Var(ES_hat) ~ Var[(L - v) 1{L > v}] / (beta^2 n); the
 *          variance is the sample variance (n - 1 denominator) of (L_i - v)^+.
 *   P(loss > x):  sqrt(p(1-p)/n) (binomial).
 * Higher moments: std has the n - 1 denominator; skew = m3/m2^1.5 and excess kurtosis =
 * m4/m2^2 - 3 from the central moments m_k = (1/n) sum (x - mean)^k (NaN if the sample is constant).
 */
#ifndef VIXRISK_VR_STATS_H
#define VIXRISK_VR_STATS_H

#include <stddef.h>

#include "vixrisk/vr_status.h"

#define VR_STATS_NQ 6     /* quantile levels, see vr_stats_qlevels */
#define VR_STATS_NCONF 3  /* VaR/ES confidence levels, see vr_stats_conf */
#define VR_STATS_NTHR 4   /* loss thresholds */

/* Quantile levels of vr_scores.q: 0.001, 0.01, 0.05, 0.5, 0.95, 0.99. */
extern const double vr_stats_qlevels[VR_STATS_NQ];
/* Confidence levels of vr_scores.var/es: 0.95, 0.99, 0.999. */
extern const double vr_stats_conf[VR_STATS_NCONF];
/* Their tail probabilities 1 - conf, written exactly: 0.05, 0.01, 0.001. */
extern const double vr_stats_tail_beta[VR_STATS_NCONF];

typedef struct vr_scores {
    size_t n;
    double mean, mean_se, std, skew, kurt /* excess */;
    double q[VR_STATS_NQ];        /* quantiles of pnl at 0.001, 0.01, 0.05, 0.5, 0.95, 0.99 */
    double var[VR_STATS_NCONF], var_se[VR_STATS_NCONF]; /* at 95, 99, 99.9%, as losses */
    double es[VR_STATS_NCONF], es_se[VR_STATS_NCONF];
    double p_loss[VR_STATS_NTHR]; /* P(pnl < -thresholds[i]) */
    double thresholds[VR_STATS_NTHR];
    double p_loss_se[VR_STATS_NTHR];
} vr_scores;

/* Scores of pnl[0..n). thresholds: 4 loss sizes x (finite, any sign; P(pnl < -x) is reported).
 * Errors: VR_EINVAL if pnl/thresholds/out is NULL, n < 2, or a value is NaN, infinite, or nonzero
 * outside [2^-200, 2^200] in magnitude (the range the streaming scores take; the message names the
 * first bad index); VR_ENOMEM if the scratch buffer cannot be allocated. On failure *out
 * is left unchanged. */
vr_status vr_scores_compute(const double *pnl, size_t n, const double thresholds[4], vr_scores *out,
                            vr_err *err);
/* The same with a caller-provided scratch buffer of n doubles (no allocation; contents clobbered). */
vr_status vr_scores_compute_buf(const double *pnl, size_t n, const double thresholds[4],
                                double *scratch, vr_scores *out, vr_err *err);

/* Paired comparison of a policy with a baseline on the same paths (common random numbers):
 *   dmean = mean(pnl - base), dmean_se = sd(pnl - base) / sqrt(n);
 *   des99 = ES99(pnl) - ES99(base) (both as losses: negative = the policy has the lighter tail);
 *   des99_se = sd(d) / sqrt(n) with d_i = [(L_i - v)^+ - (B_i - w)^+] / 0.01, the per-path difference
 *   of the two ES influence functions (L = -pnl, B = -base, v and w their VaR99). The pairing enters
 *   through d: on common paths the two tails move together and the SE shrinks accordingly.
 * Identical inputs give exactly 0 for all four. Errors as vr_scores_compute. */
typedef struct vr_paired {
    double dmean, dmean_se, des99, des99_se;
} vr_paired;

vr_status vr_paired_compute(const double *pnl, const double *base, size_t n, vr_paired *out,
                            vr_err *err);
vr_status vr_paired_compute_buf(const double *pnl, const double *base, size_t n, double *scratch,
                                vr_paired *out, vr_err *err);
/* VaR99 and ES99 (as losses) of the n >= 1 values x, from a sorted copy in scratch (n doubles):
 * the bits vr_scores_compute reports as var[1] and es[1], and the tails vr_paired_compute uses. */
void vr_stats_tail99(const double *x, size_t n, double *scratch, double *var99, double *es99);
/* vr_paired_compute without sorting, given the VaR99 and ES99 of each sample: var_p, es_p of pnl and
 * var_b, es_b of base, as vr_scores_compute reports them (var[1], es[1]). A caller that has scored
 * both samples already (a run scores every policy, then pairs each with the baseline) gets the
 * bits of vr_paired_compute without its two sorts. Errors as vr_paired_compute. */
vr_status vr_paired_compute_tails(const double *pnl, const double *base, size_t n, double var_p,
                                  double es_p, double var_b, double es_b, vr_paired *out, vr_err *err);

/* Type-7 quantile (Hyndman-Fan; R's default, numpy's "linear") of an ascending array:
 * h = (n - 1) p, q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
 * p is clamped to [0, 1]; returns NaN if n == 0, sorted == NULL or p is NaN. */
double vr_quantile(const double *sorted, size_t n, double p);

/* Expected shortfall (as a loss) of an ascending P&L array at tail probability beta in (0, 1],
 * by the Acerbi-Tasche estimator above. NaN if n == 0 or beta is out of range. */
double vr_es_sorted(const double *sorted, size_t n, double beta);

/* Hall-Sheather bandwidth h of the VaR standard error at tail probability beta for n paths (the
 * formula above, clamped to [1/n, min(beta, 1 - beta)/2]). Depends only on (n, beta). */
double vr_hs_bandwidth(size_t n, double beta);

/* Standard error of the type-7 quantile at beta of an ascending array of n values (Siddiqui-
 * Bofinger with vr_hs_bandwidth). Reads only the elements vr_quantile reads at beta -/+ h, so a
 * caller holding only the lowest values of a sample may pass them with the full n. */
double vr_quantile_se(const double *sorted, size_t n, double beta);

/* Standard error of ES at tail probability beta (influence function, see above) from the lowest
 * `len` values (ascending) of an n-path sample whose VaR at beta is v (as a loss). Reads sorted[0..m]
 * with m the number of paths with loss > v; NaN if that tail reaches past len < n. len = n for a
 * full sample. */
double vr_es_se_sorted(const double *sorted, size_t len, size_t n, double beta, double v);

/* Sort x[0..n) ascending in place: a radix sort on the values' bits, O(n), no allocation. Equal
 * values of different sign (-0, +0) come out -0 first; NaNs, which have no order, go beyond the
 * infinities by their sign bit. The result depends only on the values, not on their order. */
void vr_sort_doubles(double *x, size_t n);
/* The same by comparison (introsort), O(n log n): the reference the tests hold vr_sort_doubles
 * to, bit for bit, on NaN-free data. */
void vr_sort_doubles_ref(double *x, size_t n);

#endif
