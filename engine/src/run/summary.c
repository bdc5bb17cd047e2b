/* summary.c: a policy's summary in a scenario (vr_summary.h): the scores of its per-path P&L, the
 * paired differences against the baseline on the same paths, drawdown quantiles, mean hedge flows
 * and the cost per unit of tail reduction, in the order and under the names of vr_runfile.h. */
#include <math.h>
#include <string.h>

#include "run/run_internal.h"
#include "vixrisk/vr_summary.h"

#define TRY(expr) do { if ((st = (expr)) != VR_OK) goto done; } while (0)

/* Every field set to "undefined" (NaN) for n paths. */
static void summary_clear(vr_pol_summary *ps, size_t n)
{
    memset(ps, 0, sizeof *ps);
    for (int k = 0; k < VR_SCORE_N; k++)
        ps->score[k] = NAN;
    for (int k = 0; k < VR_RF_NTHR; k++)
        ps->thr[k] = ps->p_loss[k] = ps->p_loss_se[k] = NAN;
    ps->n = n;
}

void vr_pol_summary_set(vr_pol_summary *ps, size_t n, const vr_scores *s, const vr_paired *d,
                        const double dd[3], double paid_mean, double recv_mean,
                        const double mean_act[VR_MAX_LAYERS])
{
    double *v = ps->score;
    summary_clear(ps, n);
    v[VR_SCORE_MEAN] = s->mean;
    v[VR_SCORE_MEAN_SE] = s->mean_se;
    v[VR_SCORE_STD] = s->std;
    v[VR_SCORE_SKEW] = s->skew;
    v[VR_SCORE_KURT] = s->kurt;
    v[VR_SCORE_Q01] = s->q[0];
    v[VR_SCORE_Q1] = s->q[1];
    v[VR_SCORE_Q5] = s->q[2];
    v[VR_SCORE_Q50] = s->q[3];
    v[VR_SCORE_Q95] = s->q[4];
    v[VR_SCORE_Q99] = s->q[5];
    v[VR_SCORE_VAR95] = s->var[0];
    v[VR_SCORE_VAR95_SE] = s->var_se[0];
    v[VR_SCORE_VAR99] = s->var[1];
    v[VR_SCORE_VAR99_SE] = s->var_se[1];
    v[VR_SCORE_VAR999] = s->var[2];
    v[VR_SCORE_VAR999_SE] = s->var_se[2];
    v[VR_SCORE_ES95] = s->es[0];
    v[VR_SCORE_ES95_SE] = s->es_se[0];
    v[VR_SCORE_ES99] = s->es[1];
    v[VR_SCORE_ES99_SE] = s->es_se[1];
    v[VR_SCORE_ES999] = s->es[2];
    v[VR_SCORE_ES999_SE] = s->es_se[2];
    v[VR_SCORE_DD50] = dd[0];
    v[VR_SCORE_DD95] = dd[1];
    v[VR_SCORE_DD99] = dd[2];
    v[VR_SCORE_PAID] = paid_mean;
    v[VR_SCORE_RECV] = recv_mean;
    v[VR_SCORE_DMEAN] = d->dmean;
    v[VR_SCORE_DMEAN_SE] = d->dmean_se;
    v[VR_SCORE_DES99] = d->des99;
    v[VR_SCORE_DES99_SE] = d->des99_se;
    /* cost per unit of ES99 reduction: mean P&L given up per dollar of ES99 removed */
    v[VR_SCORE_COST] = d->des99 < 0 ? -d->dmean / -d->des99 : NAN;
    for (int k = 0; k < VR_RF_NTHR; k++) {
        ps->thr[k] = s->thresholds[k];
        ps->p_loss[k] = s->p_loss[k];
        ps->p_loss_se[k] = s->p_loss_se[k];
    }
    memcpy(ps->mean_act, mean_act, sizeof ps->mean_act);
}

vr_status vr_pol_summary_compute(const vr_path_out *o, const vr_path_out *base, size_t n,
                                 const double thresholds[VR_RF_NTHR], double *scratch,
                                 vr_pol_summary *ps, vr_err *err)
{
    return vr_pol_summary_compute_tail(o, base, NULL, n, thresholds, scratch, ps, err);
}

vr_status vr_pol_summary_compute_tail(const vr_path_out *o, const vr_path_out *base,
                                      const double base_tail[2], size_t n,
                                      const double thresholds[VR_RF_NTHR], double *scratch,
                                      vr_pol_summary *ps, vr_err *err)
{
    vr_status st = VR_OK;
    summary_clear(ps, n);
    if (n == 0)
        return vr_fail(err, VR_EINVAL, "summary: no paths");
    /* mean activations: integer counts summed in a double, exact below 2^53 */
    double mean_act[VR_MAX_LAYERS];
    for (int l = 0; l < VR_MAX_LAYERS; l++) {
        double acts = 0;
        for (size_t i = 0; i < n; i++)
            acts += o->activations[i * VR_MAX_LAYERS + l];
        mean_act[l] = acts / n;
    }
    if (n < 2) {
        /* a replayed history is one path: its P&L, drawdown and hedge flows, no distribution */
        double *v = ps->score;
        ps->replay = 1;
        v[VR_SCORE_MEAN] = o->pnl[0];
        v[VR_SCORE_DD50] = o->drawdown[0];
        v[VR_SCORE_PAID] = o->hedge_cost[0];
        v[VR_SCORE_RECV] = o->hedge_proceeds[0];
        v[VR_SCORE_DMEAN] = o->pnl[0] - base->pnl[0];
        memcpy(ps->mean_act, mean_act, sizeof ps->mean_act);
        return VR_OK;
    }
    vr_scores s;
    vr_paired d;
    TRY(vr_scores_compute_buf(o->pnl, n, thresholds, scratch, &s, err));
    /* the pairing with the baseline from both samples' VaR99 and ES99: the policy's from its
     * scores, the baseline's as given (computed once for every policy) or from a sorted copy */
    double bt[2];
    if (base_tail != NULL) {
        bt[0] = base_tail[0];
        bt[1] = base_tail[1];
    } else {
        vr_stats_tail99(base->pnl, n, scratch, &bt[0], &bt[1]);
    }
    TRY(vr_paired_compute_tails(o->pnl, base->pnl, n, s.var[1], s.es[1], bt[0], bt[1], &d, err));
    memcpy(scratch, o->drawdown, n * sizeof(double));
    vr_sort_doubles(scratch, n);
    const double dd[3] = {vr_quantile(scratch, n, 0.5), vr_quantile(scratch, n, 0.95),
                          vr_quantile(scratch, n, 0.99)};
    double paid = 0, recv = 0;
    for (size_t i = 0; i < n; i++) {
        paid += o->hedge_cost[i];
        recv += o->hedge_proceeds[i];
    }
    vr_pol_summary_set(ps, n, &s, &d, dd, paid / n, recv / n, mean_act);
done:
    return st;
}

double vr_pol_summary_rank_key(const vr_pol_summary *ps)
{
    return ps->replay ? -ps->score[VR_SCORE_MEAN] : ps->score[VR_SCORE_ES99];
}
