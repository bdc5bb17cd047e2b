/* attrib.c: the attribution scores of a scenario's policies (vr_summary.h): per layer, how often it
 * acts, what it costs per year against the condor's capital at risk, what it pays on the paths where
 * the baseline loses most, how its net moves with the condor's, and (for an ablated policy) how
 * much the tail grows when it is removed, from the derived policies run on the same paths.
 * Without per-path outputs (`store_paths: false`, scores streamed) only the scores that need none
 * are set: activations from the summary's means, capital at risk, budget and d_es99_alone; the
 * others stay NaN, which the run file leaves out (docs/hdf5.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_summary.h"

#define MULT 100.0 /* index option multiplier, USD per point */

/* Paths sorted by the baseline's P&L, worst first; equal P&L keeps path order (a total order; the
 * tail scores weigh a run of equal P&L as one, tail_mean). */
typedef struct ranked { double pnl; size_t path; } ranked;
static int by_pnl(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->pnl != y->pnl)
        return x->pnl < y->pnl ? -1 : 1;
    return x->path < y->path ? -1 : x->path > y->path;
}

static double corr(const double *x, const double *y, size_t stride, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i * stride];
        my += y[i * stride];
    }
    mx /= n;
    my /= n;
    double sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        const double a = x[i * stride] - mx, b = y[i * stride] - my;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
    }
    /* a constant series (a layer that never traded) has no correlation: not stored */
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* The standard error of the mean of x[i stride] - y[i] (y NULL: of x alone; n >= 2 values): the
 * sample standard deviation (n - 1) over sqrt(n), from the mean in the same order as the layer's
 * net_mean (x - 0 is x, so y NULL changes no bit). */
static double mean_se(const double *x, size_t stride, const double *y, size_t n)
{
    double m = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i * stride] - (y ? y[i] : 0.0);
    m /= n;
    for (size_t i = 0; i < n; i++) {
        const double d = x[i * stride] - (y ? y[i] : 0.0) - m;
        ss += d * d;
    }
    return sqrt(ss / (double)(n - 1) / (double)n);
}

/* The derived policy of kind k for layer l of policy p, or -1. */
static int derived(const vr_policy *pol, int npol, int p, vr_ablation k, int l)
{
    for (int q = 0; q < npol; q++)
        if (pol[q].abl_kind == k && pol[q].abl_of == p && pol[q].abl_layer == l)
            return q;
    return -1;
}

/* The order holds 2n entries: the n paths by rank, then for each rank k the first rank of its run
 * of equal baseline P&L (k itself when the path before has a lower P&L), which the tail scores
 * need (tail_mean); the callers read the first n. */
vr_status vr_pol_attrib_order(const double *base_pnl, size_t n, size_t **order, vr_err *err)
{
    ranked *r = malloc((n ? n : 1) * sizeof *r);
    size_t *o = malloc((n ? 2 * n : 1) * sizeof *o);
    if (r == NULL || o == NULL) {
        free(r);
        free(o);
        return vr_fail(err, VR_ENOMEM, "attribution: order of %zu paths", n);
    }
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){base_pnl[i], i};
    qsort(r, n, sizeof *r, by_pnl);
    for (size_t k = 0; k < n; k++) {
        o[k] = r[k].path;
        o[n + k] = k > 0 && r[k].pnl == r[k - 1].pnl ? o[n + k - 1] : k;
    }
    free(r);
    *order = o;
    return VR_OK;
}

/* Mean of column c of x (rows of na) over the baseline's worst k of n paths (order, with its tie
 * runs: vr_pol_attrib_order). Paths whose baseline P&L equals the k-th worst's share the places
 * left at that P&L equally: which of several equally bad paths are "the worst 1%" is not a fact
 * of the paths, and taking the first by path index made the score depend on the paths' numbering
 * (a condor held to its expiry loses its full width on many paths, on the put side in a crash and
 * on the call side in a rally: a put layer's net on the worst 1% came out at -1,302 USD on a run
 * where every such path together gave +10,202). Without a tie at the boundary the same sum, in
 * the same order, as the plain mean of the first k. */
static double tail_mean(const double *x, size_t na, size_t c, const size_t *order, size_t n, size_t k)
{
    const size_t lo = order[n + k - 1];
    size_t hi = k;
    while (hi < n && order[n + hi] == lo)
        hi++;
    double below = 0, tie = 0;
    for (size_t j = 0; j < lo; j++)
        below += x[order[j] * na + c];
    for (size_t j = lo; j < hi; j++)
        tie += x[order[j] * na + c];
    return (below + (double)(k - lo) * (tie / (double)(hi - lo))) / (double)k;
}

/* The condor's capital at risk, USD: its wing width at the scenario's starting spot (the book's
 * rule, vr_condor_wing_points) x 100 x contracts; wings by delta have no fixed width: NaN (not
 * stored; the budget reads "n/a"). */
static double capital_at_risk(const vr_condor_rules *r, double spot)
{
    return vr_condor_wing_points(r, spot) * MULT * r->contracts;
}

/* The standard errors of the condor's own share of policy p (attribution/condor): of its mean, and
 * of its mean less the baseline's condor's, paired on the same paths. The baseline's condor share
 * is its P&L when it has no layers (condor + layers = pnl); a baseline with layers has its condor
 * share only in its own attribution, which pnl_of does not give: not computed then (NaN, not
 * stored), but for the baseline itself, whose difference is 0 on every path. */
static vr_status condor_se(const vr_policy *pol, int p, int base, const vr_path_out *o, size_t n,
                           vr_pol_pnl_fn pnl_of, void *ctx, vr_pol_summary *s, vr_err *err)
{
    const size_t na = (size_t)o->nattr;
    s->score[VR_SCORE_CONDOR_NET_SE] = mean_se(o->attr, na, NULL, n);
    if (p == base) {
        s->score[VR_SCORE_CONDOR_DNET_SE] = 0;
        return VR_OK;
    }
    if (base < 0 || pol[base].nlayers > 0 || pnl_of == NULL)
        return VR_OK;
    const double *bp = NULL;
    vr_status st = pnl_of(ctx, base, &bp, err);
    if (st != VR_OK)
        return st;
    s->score[VR_SCORE_CONDOR_DNET_SE] = mean_se(o->attr, na, bp, n);
    return VR_OK;
}

vr_status vr_pol_attrib_policy(const vr_policy *pol, int npol, int p, int base, const vr_path_out *o, size_t n,
                               int days, double spot, const size_t *order, vr_pol_pnl_fn pnl_of, void *ctx,
                               vr_pol_summary *ps, vr_err *err)
{
    vr_status st = VR_OK;
    const double years = days / 252.0;
    const size_t n1 = n / 100 > 0 ? n / 100 : 1, n5 = n / 20 > 0 ? n / 20 : 1;
    const vr_policy *P = &pol[p];
    vr_pol_summary *s = &ps[p];
    s->nlayers = P->nlayers;
    s->car = capital_at_risk(&P->condor, spot);
    s->budget_pct = !isfinite(s->car) ? NAN : s->car > 0 ? ps[p].score[VR_SCORE_PAID] / years / s->car * 100 : 0;
    for (int l = 0; l < P->nlayers; l++) {
        double *v = s->layer[l];
        for (int k = 0; k < VR_RF_LAYER_N; k++)
            v[k] = NAN;
        if (o == NULL) {
            v[VR_RF_LAYER_MEAN_ACT] = s->mean_act[l];
            v[VR_RF_LAYER_ACT_YEAR] = s->mean_act[l] / years;
            const int a = P->nlayers == 1 ? p : derived(pol, npol, p, VR_ABL_ONLY, l);
            if (P->ablate && a >= 0) {
                v[VR_RF_LAYER_DES_ALONE] = ps[a].score[VR_SCORE_DES99];
                v[VR_RF_LAYER_DES_ALONE_SE] = ps[a].score[VR_SCORE_DES99_SE];
            }
            continue;
        }
        const size_t na = (size_t)o->nattr;
        double acts = 0, net = 0, paid = 0;
        for (size_t i = 0; i < n; i++) {
            acts += o->activations[i * VR_MAX_LAYERS + l];
            net += o->attr[i * na + 1 + l];
            paid += o->outlay[i * na + 1 + l];
        }
        v[VR_RF_LAYER_MEAN_ACT] = acts / n;
        v[VR_RF_LAYER_ACT_YEAR] = acts / n / years;
        v[VR_RF_LAYER_NET_MEAN] = net / n;
        v[VR_RF_LAYER_PREMIUM] = paid / n;
        v[VR_RF_LAYER_PREMIUM_PCT] = !isfinite(s->car) ? NAN : s->car > 0 ? paid / n / years / s->car * 100 : 0;
        if (n < 2)
            continue;
        v[VR_RF_LAYER_NET_MEAN_SE] = mean_se(o->attr + 1 + l, na, NULL, n);
        v[VR_RF_LAYER_TAIL1] = tail_mean(o->attr, na, 1 + (size_t)l, order, n, n1);
        v[VR_RF_LAYER_TAIL5] = tail_mean(o->attr, na, 1 + (size_t)l, order, n, n5);
        v[VR_RF_LAYER_CORR] = corr(o->attr + 1 + l, o->attr, na, n);
        if (P->ablate) {
            const int w = derived(pol, npol, p, VR_ABL_WITHOUT, l);
            if (w >= 0) {
                const double *wpnl = NULL;
                vr_paired d;
                if ((st = pnl_of(ctx, w, &wpnl, err)) != VR_OK ||
                    (st = vr_paired_compute_tails(wpnl, o->pnl, n, ps[w].score[VR_SCORE_VAR99],
                                                  ps[w].score[VR_SCORE_ES99], s->score[VR_SCORE_VAR99],
                                                  s->score[VR_SCORE_ES99], &d, err)) != VR_OK)
                    return st;
                v[VR_RF_LAYER_DES_REMOVED] = d.des99;
                v[VR_RF_LAYER_DES_REMOVED_SE] = d.des99_se;
            }
            const int a = P->nlayers == 1 ? p : derived(pol, npol, p, VR_ABL_ONLY, l);
            if (a >= 0) {
                v[VR_RF_LAYER_DES_ALONE] = ps[a].score[VR_SCORE_DES99];
                v[VR_RF_LAYER_DES_ALONE_SE] = ps[a].score[VR_SCORE_DES99_SE];
            }
        }
    }
    if (o != NULL && n >= 2) {
        /* the condor's own share on the baseline's worst paths, weighted as the layers' (tail_mean
         * is linear in the column): with their net_on_worst1 it adds up to the policy's mean P&L
         * there, so a layer whose own net is negative on those paths (a roll's new spreads) reads
         * next to what it saved the condor */
        const size_t na = (size_t)o->nattr;
        s->score[VR_SCORE_CONDOR_TAIL1] = tail_mean(o->attr, na, 0, order, n, n1);
        s->score[VR_SCORE_CONDOR_TAIL5] = tail_mean(o->attr, na, 0, order, n, n5);
        st = condor_se(pol, p, base, o, n, pnl_of, ctx, s, err);
    }
    return st;
}
