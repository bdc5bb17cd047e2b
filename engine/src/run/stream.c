/* stream.c: the scores of one scenario under `simulation.store_paths: false`, computed without
 * holding the paths. The evaluator hands every finished block to vr_run_stream_feed (from its
 * threads); each policy's block goes into its vr_tailstats accumulator (P&L with the baseline's
 * P&L of the same paths, drawdowns) and into exact sums of the hedge flows (vr_xsum) and integer
 * sums of the layer activations, under one lock. All three are independent of the order in which
 * blocks arrive, of the thread count and of how paths are split over MPI ranks, so the scores are
 * the same bits for any of them; how they compare with the stored-paths scores is stated in
 * vr_tailstats.h and docs/scale.md (order statistics equal, sums within a few ulps, medians
 * within a histogram bin). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_internal.h"

typedef vr_run_pol_sums pol_sums;

struct vr_run_stream {
    size_t n;
    int npol, base;
    vr_tailstats **ts;
    pol_sums *sums;
    pol_sums *all; /* rank 0 of several: one policy's sums of every rank (vr_run_stream_reduce) */
    omp_lock_t lock;
    vr_status st; /* first failure of a feed, under the lock */
    vr_err err;
};

vr_status vr_run_stream_create(size_t n, int npol, int base, const double thresholds[4],
                               vr_run_stream **out, vr_err *err)
{
    vr_status st = VR_OK;
    vr_run_stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vr_fail(err, VR_ENOMEM, "run: streaming scores");
    omp_init_lock(&s->lock);
    s->n = n;
    s->npol = npol;
    s->base = base;
    s->ts = calloc((size_t)npol, sizeof *s->ts);
    s->sums = calloc((size_t)npol, sizeof *s->sums);
    /* allocated here, not in the reduce: the caller agrees on this call's outcome before any
     * collective, while a rank failing inside the reduce would leave the others in its gathers */
    if (vr_dist_size() > 1 && vr_dist_rank() == 0)
        s->all = malloc((size_t)vr_dist_size() * sizeof *s->all);
    if (!s->ts || !s->sums || (vr_dist_size() > 1 && vr_dist_rank() == 0 && !s->all)) {
        st = vr_fail(err, VR_ENOMEM, "run: streaming scores of %d policies", npol);
        goto done;
    }
    for (int p = 0; p < npol; p++) {
        if ((st = vr_tailstats_create(n, thresholds, 1, &s->ts[p], err)) != VR_OK)
            goto done;
        vr_xsum_init(&s->sums[p].paid);
        vr_xsum_init(&s->sums[p].recv);
    }
    *out = s;
    s = NULL;
done:
    vr_run_stream_destroy(s);
    return st;
}

void vr_run_stream_destroy(vr_run_stream *s)
{
    if (s == NULL)
        return;
    for (int p = 0; s->ts && p < s->npol; p++)
        vr_tailstats_destroy(s->ts[p]);
    free(s->ts);
    free(s->sums);
    free(s->all);
    omp_destroy_lock(&s->lock);
    free(s);
}

void vr_run_stream_feed(void *ctx, size_t path0, size_t n, const vr_path_out *out)
{
    vr_run_stream *s = ctx;
    const double *base = out[s->base].pnl;
    omp_set_lock(&s->lock);
    for (int p = 0; p < s->npol && s->st == VR_OK; p++) {
        const vr_path_out *o = &out[p];
        s->st = vr_tailstats_add(s->ts[p], path0, n, o->pnl, base, o->drawdown, &s->err);
        pol_sums *q = &s->sums[p];
        for (size_t i = 0; i < n; i++) {
            vr_xsum_add(&q->paid, o->hedge_cost[i]);
            vr_xsum_add(&q->recv, o->hedge_proceeds[i]);
            for (int l = 0; l < VR_MAX_LAYERS; l++)
                q->act[l] += o->activations[i * VR_MAX_LAYERS + l];
        }
    }
    omp_unset_lock(&s->lock);
}

vr_status vr_run_stream_status(const vr_run_stream *s, vr_err *err)
{
    if (s->st != VR_OK)
        *err = s->err;
    return s->st;
}

vr_status vr_run_stream_reduce(vr_run_stream *s, vr_err *err)
{
    vr_status st = VR_OK;
    const int size = vr_dist_size(), me = vr_dist_rank();
    pol_sums *all = s->all;
    if (size == 1)
        return VR_OK;
    if ((st = vr_dist_reduce_tailstats(s->ts, s->npol, err)) != VR_OK)
        return st;
    for (int p = 0; p < s->npol && st == VR_OK; p++) {
        if ((st = vr_dist_gather_bytes(&s->sums[p], sizeof *all, all, err)) != VR_OK || me != 0)
            continue;
        /* exact sums: the order of the merge cannot matter; rank order all the same */
        for (int r = 1; r < size; r++) {
            vr_xsum_merge(&s->sums[p].paid, &all[r].paid);
            vr_xsum_merge(&s->sums[p].recv, &all[r].recv);
            for (int l = 0; l < VR_MAX_LAYERS; l++)
                s->sums[p].act[l] += all[r].act[l];
        }
    }
    return st;
}

vr_status vr_run_stream_summary(vr_run_stream *s, int p, vr_pol_summary *ps, vr_err *err)
{
    vr_status st = VR_OK;
    vr_scores sc;
    vr_paired d;
    double dd[3], mean_act[VR_MAX_LAYERS];
    if ((st = vr_tailstats_scores(s->ts[p], &sc, err)) != VR_OK ||
        (st = vr_tailstats_paired(s->ts[p], s->ts[s->base], &d, err)) != VR_OK ||
        (st = vr_tailstats_drawdown(s->ts[p], dd, err)) != VR_OK)
        return st;
    const double n = (double)s->n;
    for (int l = 0; l < VR_MAX_LAYERS; l++)
        mean_act[l] = (double)s->sums[p].act[l] / n;
    vr_pol_summary_set(ps, s->n, &sc, &d, dd, vr_xsum_double(&s->sums[p].paid) / n,
                       vr_xsum_double(&s->sums[p].recv) / n, mean_act);
    return VR_OK;
}
