/* vr_summary.h: the summary of one policy in one scenario, as `vixrisk run` stores it (the score
 * attributes of vr_runfile.h) and ranks it: scores of the per-path P&L (vr_stats.h), the paired
 * differences against the baseline, drawdown quantiles, mean hedge flows and the cost per unit of
 * ES99 reduction. A one-path scenario (a replayed history) has no distribution: its summary holds
 * its P&L, drawdown, hedge flows and the P&L difference, and the other scores are NaN. */
#ifndef VIXRISK_VR_SUMMARY_H
#define VIXRISK_VR_SUMMARY_H

#include <math.h>
#include <stddef.h>

#include "vixrisk/vr_policy.h"
#include "vixrisk/vr_runfile.h"
#include "vixrisk/vr_stats.h"

/* A difference is called significant when it lies beyond this many (paired) standard errors: one
 * threshold for the verdict, the console tables and the reports' marks. */
#define VR_Z_SIGNIFICANT 1.96

static inline int vr_significant(double d, double se)
{
    return isfinite(d) && isfinite(se) && fabs(d) > VR_Z_SIGNIFICANT * se;
}

typedef struct vr_pol_summary {
    size_t n;                  /* paths */
    int replay;                /* n == 1: only the VR_RF_REPLAY scores are meaningful */
    double score[VR_SCORE_N];  /* indexed by VR_SCORE_* (vr_runfile.h), USD as stored */
    double thr[VR_RF_NTHR], p_loss[VR_RF_NTHR], p_loss_se[VR_RF_NTHR];
    double mean_act[VR_MAX_LAYERS]; /* mean activations per path of each layer slot */
    /* attribution scores (vr_pol_attrib_policy): the condor's capital at risk (USD; NaN when its
     * wings are set by delta: no fixed width), the mean hedge premium paid per year as % of it
     * (NaN then too), and per layer the VR_RF_LAYER scores (the F64 ones;
     * NaN = not defined, not stored) */
    double car, budget_pct;
    int nlayers;
    double layer[VR_MAX_LAYERS][VR_RF_LAYER_N];
} vr_pol_summary;

/* Summarise policy output o against the baseline's base (both n paths, n >= 1). thresholds: the
 * four loss sizes of p_loss. scratch: n doubles, clobbered. Errors as vr_scores_compute (a NaN or
 * infinite P&L names its index). */
vr_status vr_pol_summary_compute(const vr_path_out *o, const vr_path_out *base, size_t n,
                                 const double thresholds[VR_RF_NTHR], double *scratch,
                                 vr_pol_summary *ps, vr_err *err);
/* The same with the baseline's VaR99 and ES99 given (base_tail: vr_stats_tail99 of base->pnl,
 * or NULL to compute them here): a run computes them once for all its policies. The
 * same bits either way. */
vr_status vr_pol_summary_compute_tail(const vr_path_out *o, const vr_path_out *base,
                                      const double base_tail[2], size_t n,
                                      const double thresholds[VR_RF_NTHR], double *scratch,
                                      vr_pol_summary *ps, vr_err *err);

/* Paths ordered by the baseline's P&L base_pnl (n of them), worst first, equal P&L in path order:
 * the order of the attribution's tail scores. *order: malloc'd, n path indices. Errors: VR_ENOMEM. */
vr_status vr_pol_attrib_order(const double *base_pnl, size_t n, size_t **order, vr_err *err);

/* Policy q's per-path P&L (n doubles, valid until the next call) for vr_pol_attrib_policy. */
typedef vr_status (*vr_pol_pnl_fn)(void *ctx, int q, const double **pnl, vr_err *err);

/* The attribution scores of policy p of a scenario (o: its per-path outputs of n paths over `days`
 * trading days; pol: the run's npol policies), after vr_pol_summary_compute filled ps[0..npol) (p
 * reads the summaries of its derived policies). Per layer: activations and premium per year, mean
 * net, and on n >= 2 paths its mean net on the baseline's worst 1% and 5% paths (order:
 * vr_pol_attrib_order), its correlation with the condor's attribution and, for an ablated policy,
 * d_es99_removed / d_es99_alone with paired SEs from the derived policies (pnl_of(ctx, q) gives a
 * derived policy's P&L; the pairings take both policies' VaR99 and ES99 from ps, so they sort
 * nothing). With it, on n >= 2 paths, the standard error of each layer's mean net and the condor's
 * (score condor_net_mean_se), and the paired one of the condor's mean net less the baseline's
 * (base: the baseline's index; condor_d_net_mean_se, when the baseline has no layers, its condor
 * share then being its P&L, pnl_of(ctx, base)). o NULL (scores streamed, no per-path arrays; order
 * and pnl_of unused): only mean activations, activations per year and d_es99_alone; the rest stay
 * NaN (not stored). Errors: as pnl_of, or as vr_paired_compute. */
vr_status vr_pol_attrib_policy(const vr_policy *pol, int npol, int p, int base, const vr_path_out *o, size_t n,
                               int days, double spot, const size_t *order, vr_pol_pnl_fn pnl_of, void *ctx,
                               vr_pol_summary *ps, vr_err *err);

/* The key policies are ranked by (vr_rank_by_es99): ES99, or for a replay its loss, -P&L. */
double vr_pol_summary_rank_key(const vr_pol_summary *ps);

#endif
