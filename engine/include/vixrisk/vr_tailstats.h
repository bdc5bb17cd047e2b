/* vr_tailstats.h: the scores of vr_stats.h computed from a stream of per-path results, without
 * holding every path, with a result that does not depend on the order in which paths arrive or on
 * how the stream was split into partial accumulators (threads, MPI ranks) and merged back.
 *
 * An accumulator for one policy is created for a known total number of paths n, fed blocks of
 * (path index, P&L, baseline P&L, drawdown) in any order, merged with other accumulators of the
 * same n in any order, and finally asked for vr_scores / vr_paired / drawdown quantiles. What it
 * keeps, and how exact each score is:
 *
 *   exact sums     sum x, x^2, x^3, x^4 of the P&L, sum d and d^2 of the paired difference
 *                  d = pnl - base, in a fixed-point superaccumulator (vr_xsum) wide enough for every
 *                  finite double; the powers enter as exact sums of doubles (two-product by fma), so
 *                  the sums are exact and associative. The mean (double-double) and the central
 *                  sums behind std, skew, kurtosis and the SEs (exact big-integer polynomials in
 *                  the sums, tailstats.c central_sums) are computed from them and rounded once: they
 *                  differ from vr_scores_compute (path-order compensated/naive sums) by a few ulps
 *                  (tests/test_tailstats.c states the bound), and are bit-identical for any split.
 *   order stats    the k_lo lowest P&L values with their path indices, the k_hi highest P&L values
 *                  and the k_hi highest drawdowns, k derived from n so that every order statistic
 *                  vr_scores_compute reads is held: q0.1, q1, q5, q95, q99, VaR and ES at 95/99/
 *                  99.9% with their SEs (the Hall-Sheather SE reads q(beta + h)). These scores are
 *                  bit-identical to vr_scores_compute on the full array, as are the drawdown q95/q99
 *                  and the paired des99. Which paths are kept is deterministic: (value, path index)
 *                  is a total order, so "the k smallest" is one set whatever the arrival order.
 *   counts         P(pnl < -x) for the 4 thresholds: integer counts, bit-identical.
 *   q50            the P&L median and the drawdown median come from a histogram over the bit
 *                  pattern of the double (VR_TAILSTATS_HBITS mantissa bits per bin: bins are
 *                  2^-10 of a binade wide) that records count, min and max per bin; inside a bin
 *                  an order statistic is interpolated by rank with the density's slope from the
 *                  neighbouring bins. Error bound (tested): |q50_est - q50| <= 2^-10 *
 *                  max(|x(i)|, |x(i+1)|) where x(i), x(i+1) are the order statistics the type-7
 *                  median interpolates; it is 0 when the median falls on a value that fills its
 *                  bin alone or on a bin's first or last element. Where bins are narrow against
 *                  the spread the error is a fraction of the median's standard error (a P&L of
 *                  150 +- 1 at 10^5 paths: at most 0.3 SE, test_tailstats).
 *   paired         dmean from the exact sums of d; des99 = ES99(pnl) - ES99(base) from the two
 *                  kept low sets; des99_se from exact sums of D_i = (L_i - v)^+ - (B_i - w)^+ over
 *                  the union of the two kept sets keyed by path index (see vr_tailstats_paired).
 *
 * Inputs: every P&L and baseline value must be finite and 0 or of magnitude in [2^-200, 2^200]
 * (6e-61 to 1.6e60 dollars), the range in which the fma two-products of x^2..x^4 are exact;
 * drawdowns must be finite. A value outside is VR_EINVAL naming its path. Paths must each be fed
 * exactly once (the accumulator counts them; a duplicate is not detected, a missing one is).
 *
 * Threads: an accumulator is not thread-safe. Feed one per thread and merge them (the result is
 * the same), or feed one shared accumulator under a lock, or (least memory) feed a per-thread
 * accumulator one block, merge it into the shared one and reset it. Feeding costs about 0.4 us
 * per path (a path of the evaluator costs about 270 us per policy).
 * Memory: vr_tailstats_bytes(); docs/scale.md gives the formula. Serialisation (for MPI) uses the
 * machine's native layout: all ranks must share the binary and the architecture. */
#ifndef VIXRISK_VR_TAILSTATS_H
#define VIXRISK_VR_TAILSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_stats.h"
#include "vixrisk/vr_status.h"

/* ---- exact sum of doubles ------------------------------------------------------------------
 * A fixed-point number with 32-bit digits in signed 64-bit limbs covering 2^-1074 .. 2^1120: any
 * sum of up to 2^46 finite doubles is held exactly. Adding is O(1) (three limbs), carries are
 * propagated every 2^30 additions. Plain data: copy it, memcpy it, merge it. */
#define VR_XSUM_LIMBS 69
typedef struct vr_xsum {
    int64_t limb[VR_XSUM_LIMBS]; /* value = sum limb[j] 2^(32 j - 1074) */
    uint32_t pending;            /* additions since the last carry propagation */
} vr_xsum;

void vr_xsum_init(vr_xsum *s);
/* Add a finite double exactly (a non-finite x is the caller's bug: it is ignored). */
void vr_xsum_add(vr_xsum *s, double x);
/* dst += src, exactly. */
void vr_xsum_merge(vr_xsum *dst, const vr_xsum *src);
/* The sum as a double-double hi + lo (|lo| <= ulp(hi)/2, relative error below 2^-100), a
 * function of the exact value only. Returns +-HUGE_VAL in hi if the sum exceeds the double range. */
void vr_xsum_dd(const vr_xsum *s, double *hi, double *lo);
/* The sum as a double: hi of vr_xsum_dd, the nearest double except when the sum lies within
 * 2^-100 (relative) of a rounding boundary. */
double vr_xsum_double(const vr_xsum *s);

/* ---- per-policy accumulator ---------------------------------------------------------------- */

#define VR_TAILSTATS_HBITS 10 /* mantissa bits per histogram bin: bins 2^-10 of a binade wide */

typedef struct vr_tailstats vr_tailstats;

/* An empty accumulator for a sample of n paths (n >= 2) with loss thresholds x[4] (finite; the
 * scores report P(pnl < -x)). paired: 1 if every block will carry the baseline's P&L (needed for
 * vr_tailstats_paired with this accumulator as the policy side), 0 otherwise.
 * Errors: VR_EINVAL (n < 2, bad threshold, out NULL), VR_ENOMEM. */
vr_status vr_tailstats_create(size_t n, const double thresholds[4], int paired, vr_tailstats **out,
                              vr_err *err);
void vr_tailstats_destroy(vr_tailstats *t); /* accepts NULL */

/* Empty the accumulator, keeping its allocations: the pattern for a threaded driver is one small
 * accumulator per thread, fed one block, merged into the shared one (under a lock), then reset. */
void vr_tailstats_reset(vr_tailstats *t);

/* Feed m paths first_path, first_path + 1, ...: pnl[m]; base[m] the baseline P&L of the same
 * paths (required iff created paired, else must be NULL); drawdown[m] (may be NULL only if the
 * caller never asks for drawdown quantiles: then every block must pass NULL). Paths may come in
 * any order, blocks of any size. Errors: VR_EINVAL naming the path of the first bad value (the
 * accumulator is then unusable), more paths than n, a path index >= n; VR_ENOMEM. */
vr_status vr_tailstats_add(vr_tailstats *t, uint64_t first_path, size_t m, const double *pnl,
                           const double *base, const double *drawdown, vr_err *err);

/* dst += src (src unchanged): the same accumulator as if src's paths had been fed to dst.
 * Errors: VR_EINVAL if n, thresholds, pairing or drawdown use differ; VR_ENOMEM. */
vr_status vr_tailstats_merge(vr_tailstats *dst, const vr_tailstats *src, vr_err *err);

/* Collective pruning (memory): when an accumulator is one of `parts` partial ones (MPI ranks)
 * and each has been fed a good share of its paths, every part computes its cuts, the cuts are
 * combined (vr_tailstats_cut_combine, in any order: it is a maximum), and every part prunes with
 * the combined cuts. Entries no final result can use are dropped and later ones above the cuts
 * are refused, so a part holds about k / parts entries per set instead of min(k, its paths); the
 * final scores are unchanged (see tailstats.c). A set for which some part holds fewer than
 * ceil(k / parts) entries is left alone (its bit in ok is 0). vr_tailstats_cut reorders storage. */
typedef struct vr_tailstats_cuts {
    double lo_v;      /* low set: (value, path) cut */
    uint64_t lo_path;
    double key[2];    /* high P&L and high drawdown sets: cut on the stored key 0 - x */
    int ok;           /* bit 0: low, 1: high P&L, 2: high drawdown usable */
} vr_tailstats_cuts;

vr_status vr_tailstats_cut(vr_tailstats *t, int parts, vr_tailstats_cuts *out, vr_err *err);
void vr_tailstats_cut_combine(vr_tailstats_cuts *acc, const vr_tailstats_cuts *c);
void vr_tailstats_prune(vr_tailstats *t, const vr_tailstats_cuts *c);

/* Serialisation: vr_tailstats_pack writes at most vr_tailstats_packed_size(t) bytes into buf and
 * reports the bytes used; vr_tailstats_merge_packed merges such bytes into dst (as merge). */
size_t vr_tailstats_packed_size(const vr_tailstats *t);
vr_status vr_tailstats_pack(const vr_tailstats *t, void *buf, size_t cap, size_t *used, vr_err *err);
vr_status vr_tailstats_merge_packed(vr_tailstats *dst, const void *buf, size_t len, vr_err *err);

/* The three finalisers below sort the kept sets in place (the content, hence any later result,
 * is unchanged; the accumulator may still be fed and merged afterwards). */

/* Paths fed so far. */
size_t vr_tailstats_count(const vr_tailstats *t);

/* Scores of the whole sample (every one of the n paths fed, else VR_EINVAL). Same definitions
 * as vr_scores_compute; exactness as described above. */
vr_status vr_tailstats_scores(vr_tailstats *t, vr_scores *out, vr_err *err);

/* Paired comparison with the baseline's accumulator (same n; t created paired). Same definitions
 * as vr_paired_compute. The baseline compared with itself gives exact zeros. */
vr_status vr_tailstats_paired(vr_tailstats *t, vr_tailstats *base, vr_paired *out,
                              vr_err *err);

/* Drawdown quantiles q[0..2] at 0.5 (histogram, bound above), 0.95 and 0.99 (exact). */
vr_status vr_tailstats_drawdown(vr_tailstats *t, double q[3], vr_err *err);

/* The order-statistic counts kept for n paths: lowest P&L (k_lo), highest P&L and highest
 * drawdown (k_hi). */
void vr_tailstats_k(size_t n, size_t *k_lo, size_t *k_hi);

/* Upper bound of the bytes one accumulator for n paths holds once its kept sets are full, for
 * a histogram touching `binades` distinct (sign, binade) pairs in P&L and drawdown together. */
size_t vr_tailstats_bytes(size_t n, size_t binades);

#endif
