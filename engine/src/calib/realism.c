/* realism.c: simulated versus historical SPX/VIX statistics (see vr_calib.h).
 *
 * The same accumulator digests the history (one series) and the simulated paths (one series per
 * path): the VIX level distribution, tail events counted per 100 years, the SPX return moments and
 * the SPX-VIX change correlation. Extremes (largest VIX rise, worst SPX day) grow with the sample,
 * so for the simulation they are computed per span of the history's length (consecutive paths
 * joined) and the median over spans is reported: "what a history as long as ours would show".
 *
 * Simulation: vr_sim_run with daily steps under the model's physical parameters; an observer
 * stores every path's daily ln S and VIX = 100 sqrt(a + b max(v, 0)) with (a, b) from the pricing
 * parameters, as the engine marks VIX products. Paths start at v = theta* (the physical long-run
 * mean) and the burn-in is dropped, so the statistics are those of the stationary regime. */
#include "vixrisk/vr_calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>
#include <stddef.h>

#include "vixrisk/vr_sim.h"

const double vr_realism_pct[VR_REALISM_NPCT] = {1, 5, 25, 50, 75, 95, 99, 99.9};
const double vr_realism_above[VR_REALISM_NABOVE] = {30, 40, 60, 80};
const double vr_realism_edge[VR_REALISM_NB - 1] = {15, 20, 30};
const double vr_realism_leg[VR_REALISM_NLEG] = {1.3, 1.5, 2.0};

#define EP_GAP 126 /* trading days between separate episodes */

int vr_realism_bucket(double vix)
{
    int k = 0;
    while (k < VR_REALISM_NB - 1 && vix >= vr_realism_edge[k])
        k++;
    return k;
}

typedef struct span_ext {
    double up1_pts, up1_pct, up5_pts, up5_pct, dn1_pts, dn5_pts, worst1, worst5;
} span_ext;

typedef struct acc {
    double *vix;            /* pooled VIX levels */
    size_t nv, capv;
    size_t above[VR_REALISM_NABOVE];
    double sr, srr, sr3, sr4, sd, sdd, srd, sl, sll, srl;
    size_t nr;
    size_t feb2018, up50, ep80, ep60;
    size_t trig, leg[VR_REALISM_NLEG];
    double lv1[VR_REALISM_NB], lv2[VR_REALISM_NB];
    size_t lvn[VR_REALISM_NB];
    /* pricing measure sums by bucket */
    double f1[VR_REALISM_NB], f2[VR_REALISM_NB], t3[VR_REALISM_NB], vv[VR_REALISM_NB];
    size_t nf1[VR_REALISM_NB], nf2[VR_REALISM_NB], nt3[VR_REALISM_NB], nvv[VR_REALISM_NB];
    /* forward realised and implied variance sums by bucket */
    double rv[VR_REALISM_NB], iv[VR_REALISM_NB];
    size_t nrv[VR_REALISM_NB];
    double vmin;
    double days;            /* observed days (VIX levels) */
    span_ext cur;           /* extremes of the current span */
    span_ext *spans;
    size_t nspans, capspans;
    size_t span_len;        /* daily changes per span (0: one span, the whole sample) */
    size_t span_fill;       /* daily changes in the current span */
    int span_oom;
} acc;

static void ext_reset(span_ext *e)
{
    e->up1_pts = e->up1_pct = e->up5_pts = e->up5_pct = -INFINITY;
    e->dn1_pts = e->dn5_pts = e->worst1 = e->worst5 = INFINITY;
}

static int acc_init(acc *a, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->vix = malloc(cap * sizeof *a->vix);
    a->capv = cap;
    a->vmin = INFINITY;
    ext_reset(&a->cur);
    return a->vix ? 0 : -1;
}

static void acc_free(acc *a)
{
    free(a->vix);
    free(a->spans);
}

static int acc_end_span(acc *a)
{
    if (a->nspans == a->capspans) {
        const size_t c = a->capspans ? 2 * a->capspans : 64;
        span_ext *s = realloc(a->spans, c * sizeof *s);
        if (!s)
            return -1;
        a->spans = s;
        a->capspans = c;
    }
    a->spans[a->nspans++] = a->cur;
    ext_reset(&a->cur);
    return 0;
}

/* Add x to a bucket sum when it is a number. */
static void bsum(double *s, size_t *n, int k, double x)
{
    if (isfinite(x)) {
        s[k] += x;
        n[k]++;
    }
}

/* Triggers and their second legs in one series (the rule in vr_calib.h): a day meets the
 * condition if VIX >= VR_TRIGGER_LEVEL or VIX >= VR_TRIGGER_JUMP x VIX five days earlier (days
 * with five earlier days only); it counts as a trigger if none of the previous VR_TRIGGER_QUIET
 * days met it and all of them were checked (they lie in the series, each with five days before
 * it: the first day that can count is VR_TRIGGER_LAG + VR_TRIGGER_QUIET), and enters the
 * statistic if VR_TRIGGER_AHEAD days follow it in the series. Near the start of a series (the
 * history's first weeks, every simulated path after its burn-in) a condition day may continue an
 * episode that began before the series: counted, it would be a trigger in the middle of a spike,
 * one per path, and the rate and the second legs would depend on the paths' length. */
static void acc_triggers(acc *a, const double *vix, size_t L)
{
    long last = -1000000;
    for (size_t t = VR_TRIGGER_LAG; t < L; t++) {
        const double x = vix[t];
        if (!(x >= VR_TRIGGER_LEVEL || x >= VR_TRIGGER_JUMP * vix[t - VR_TRIGGER_LAG]))
            continue;
        const int quiet =
            (long)t - last > VR_TRIGGER_QUIET && t >= VR_TRIGGER_LAG + VR_TRIGGER_QUIET;
        last = (long)t;
        if (!quiet || t + VR_TRIGGER_AHEAD >= L)
            continue;
        double mx = -INFINITY;
        for (size_t j = t + 1; j <= t + VR_TRIGGER_AHEAD; j++)
            mx = vix[j] > mx ? vix[j] : mx;
        a->trig++;
        for (int k = 0; k < VR_REALISM_NLEG; k++)
            a->leg[k] += mx >= vr_realism_leg[k] * x;
    }
}

/* One series: VIX levels vix[0..L) and log-prices ls[0..L); v3m, vvix, fut1, fut2 optional
 * (NULL, or NAN on a day). pre: the last days above 80 and above 60 before the series (negative
 * day indices; a simulated path's burn-in), or NULL where nothing before it is known. */
static void acc_series(acc *a, const double *vix, const double *ls, const double *v3m,
                       const double *vvix, const double *fut1, const double *fut2, size_t L,
                       const long *pre)
{
    long last80 = pre ? pre[0] : -100000, last60 = pre ? pre[1] : -100000;
    span_ext *e = &a->cur;
    acc_triggers(a, vix, L);
    for (size_t t = 0; t < L; t++) {
        const double x = vix[t];
        if (a->nv < a->capv)
            a->vix[a->nv++] = x;
        a->vmin = x < a->vmin ? x : a->vmin;
        for (int k = 0; k < VR_REALISM_NABOVE; k++)
            a->above[k] += x > vr_realism_above[k];
        if (x > 80) {
            if ((long)t - last80 > EP_GAP)
                a->ep80++;
            last80 = (long)t;
        }
        if (x > 60) {
            if ((long)t - last60 > EP_GAP)
                a->ep60++;
            last60 = (long)t;
        }
        const int bk = vr_realism_bucket(x);
        if (v3m)
            bsum(a->t3, a->nt3, bk, v3m[t] / x);
        if (vvix)
            bsum(a->vv, a->nvv, bk, vvix[t]);
        if (fut1)
            bsum(a->f1, a->nf1, bk, fut1[t] / x);
        if (fut2)
            bsum(a->f2, a->nf2, bk, fut2[t] / x);
        if (t + VR_REALISM_RV_DAYS < L) {
            double q = 0;
            for (size_t u = t + 1; u <= t + VR_REALISM_RV_DAYS; u++)
                q += (ls[u] - ls[u - 1]) * (ls[u] - ls[u - 1]);
            if (isfinite(q) && x > 0) {
                a->rv[bk] += q * (252.0 / VR_REALISM_RV_DAYS);
                a->iv[bk] += x * x * 1e-4;
                a->nrv[bk]++;
            }
        }
        if (t == 0)
            continue;
        const double p = vix[t - 1], dv = x - p, r = ls[t] - ls[t - 1], dl = log(x / p);
        a->sr += r;
        a->srr += r * r;
        a->sr3 += r * r * r;
        a->sr4 += r * r * r * r;
        a->sd += dv;
        a->sdd += dv * dv;
        a->srd += r * dv;
        a->sl += dl;
        a->sll += dl * dl;
        a->srl += r * dl;
        a->nr++;
        const int bp = vr_realism_bucket(p);
        a->lv1[bp] += dl;
        a->lv2[bp] += dl * dl;
        a->lvn[bp]++;
        if (p < 20 && x >= 2 * p)
            a->feb2018++;
        if (p < 20 && x >= 1.5 * p)
            a->up50++;
        const double pct = 100 * (x / p - 1);
        if (dv > e->up1_pts)
            e->up1_pts = dv;
        if (pct > e->up1_pct)
            e->up1_pct = pct;
        if (dv < e->dn1_pts)
            e->dn1_pts = dv;
        if (r < e->worst1)
            e->worst1 = r;
        if (t >= 5) {
            const double d5 = x - vix[t - 5], p5 = 100 * (x / vix[t - 5] - 1);
            const double r5 = ls[t] - ls[t - 5];
            if (d5 > e->up5_pts)
                e->up5_pts = d5;
            if (p5 > e->up5_pct)
                e->up5_pct = p5;
            if (d5 < e->dn5_pts)
                e->dn5_pts = d5;
            if (r5 < e->worst5)
                e->worst5 = r5;
        }
        /* a span ends after span_len daily changes, wherever that falls in a path (e stays the
         * current span's extremes: acc_end_span resets a->cur) */
        if (a->span_len && ++a->span_fill == a->span_len) {
            a->span_oom |= acc_end_span(a) != 0;
            a->span_fill = 0;
        }
    }
    a->days += (double)L;
}

static int cmp_d(const void *x, const void *y)
{
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median_field(span_ext *s, size_t n, size_t off, double *tmp)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = *(const double *)((const char *)&s[i] + off);
    qsort(tmp, n, sizeof *tmp, cmp_d);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

static double ratio_or_nan(double s, size_t n) { return n ? s / (double)n : NAN; }

static vr_status acc_finish(acc *a, vr_realism_stats *s, vr_err *err)
{
    memset(s, 0, sizeof *s);
    if (a->nv < 2 || a->nr < 10)
        return vr_fail(err, VR_EINVAL, "realism: too few observations (%zu)", a->nv);
    qsort(a->vix, a->nv, sizeof *a->vix, cmp_d);
    double sum = 0;
    for (size_t i = 0; i < a->nv; i++)
        sum += a->vix[i];
    s->vix_mean = sum / (double)a->nv;
    for (int k = 0; k < VR_REALISM_NPCT; k++) {
        /* linear interpolation between order statistics */
        const double h = vr_realism_pct[k] / 100.0 * (double)(a->nv - 1);
        const size_t lo = (size_t)floor(h);
        const size_t hi = lo + 1 < a->nv ? lo + 1 : lo;
        s->vix_pct[k] = a->vix[lo] + (h - (double)lo) * (a->vix[hi] - a->vix[lo]);
    }
    s->vix_floor = a->vmin;
    s->years = (double)a->nr / 252.0; /* daily transitions */
    for (int k = 0; k < VR_REALISM_NABOVE; k++)
        s->frac_above[k] = (double)a->above[k] / a->days;
    const double n = (double)a->nr;
    const double mr = a->sr / n, md = a->sd / n, ml = a->sl / n;
    const double vr = a->srr / n - mr * mr, vd = a->sdd / n - md * md, vl = a->sll / n - ml * ml;
    s->corr_spx_vix = (a->srd / n - mr * md) / sqrt(vr * vd);
    s->corr_spx_lvix = (a->srl / n - mr * ml) / sqrt(vr * vl);
    s->ret_sd_ann = sqrt(vr * 252.0);
    const double m3 = a->sr3 / n - 3 * mr * a->srr / n + 2 * mr * mr * mr;
    const double m4 = a->sr4 / n - 4 * mr * a->sr3 / n + 6 * mr * mr * a->srr / n -
                      3 * mr * mr * mr * mr;
    s->ret_exkurt = m4 / (vr * vr) - 3.0;
    s->ret_skew = m3 / (vr * sqrt(vr));
    if (!isfinite(s->corr_spx_vix) || !isfinite(s->corr_spx_lvix) || !isfinite(s->ret_exkurt))
        return vr_fail(err, VR_ENUM,
                       "realism: degenerate series (sd of SPX returns %g, of VIX changes %g)",
                       sqrt(vr), sqrt(vd));
    const double per100 = 100.0 / s->years;
    s->feb2018_per100y = (double)a->feb2018 * per100;
    s->vix_up50_per100y = (double)a->up50 * per100;
    s->mar2020_per100y = (double)a->ep80 * per100;
    s->above60_ep_per100y = (double)a->ep60 * per100;
    s->n_triggers = a->trig;
    for (int k = 0; k < VR_REALISM_NLEG; k++)
        s->second_leg[k] = a->trig ? (double)a->leg[k] / (double)a->trig : NAN;
    for (int k = 0; k < VR_REALISM_NB; k++) {
        const double c = (double)a->lvn[k];
        s->lvol_n[k] = a->lvn[k];
        s->lvol[k] = a->lvn[k] > 1 ? sqrt((a->lv2[k] / c - (a->lv1[k] / c) * (a->lv1[k] / c)) *
                                          252.0)
                                   : NAN;
        s->fut1[k] = ratio_or_nan(a->f1[k], a->nf1[k]);
        s->fut2[k] = ratio_or_nan(a->f2[k], a->nf2[k]);
        s->fut_n[k] = a->nf1[k];
        s->v3m[k] = ratio_or_nan(a->t3[k], a->nt3[k]);
        s->v3m_n[k] = a->nt3[k];
        s->vvix[k] = ratio_or_nan(a->vv[k], a->nvv[k]);
        s->vvix_n[k] = a->nvv[k];
        s->rv_iv[k] = a->nrv[k] ? a->rv[k] / a->iv[k] : NAN;
        s->rv_iv_n[k] = a->nrv[k];
    }
    /* with span_len set, an incomplete last span is left out (its extremes would be those of a
     * shorter history), unless there is no complete one */
    if (a->span_oom || (a->nspans == 0 && acc_end_span(a) != 0))
        return vr_fail(err, VR_ENOMEM, "realism: spans");
    double *tmp = malloc(a->nspans * sizeof *tmp);
    if (!tmp)
        return vr_fail(err, VR_ENOMEM, "realism: spans");
    span_ext *sp = a->spans;
    const size_t ns = a->nspans;
    s->max_up_1d_pts = median_field(sp, ns, offsetof(span_ext, up1_pts), tmp);
    s->max_up_1d_pct = median_field(sp, ns, offsetof(span_ext, up1_pct), tmp);
    s->max_up_5d_pts = median_field(sp, ns, offsetof(span_ext, up5_pts), tmp);
    s->max_up_5d_pct = median_field(sp, ns, offsetof(span_ext, up5_pct), tmp);
    s->max_dn_1d_pts = median_field(sp, ns, offsetof(span_ext, dn1_pts), tmp);
    s->max_dn_5d_pts = median_field(sp, ns, offsetof(span_ext, dn5_pts), tmp);
    s->worst_1d = median_field(sp, ns, offsetof(span_ext, worst1), tmp);
    s->worst_5d = median_field(sp, ns, offsetof(span_ext, worst5), tmp);
    s->extremes_per_span = ns > 1;
    free(tmp);
    return VR_OK;
}

vr_status vr_realism_history_data(const vr_realism_data *d, vr_realism_stats *s, vr_err *err)
{
    vr_status st = VR_OK;
    acc a;
    if (!d || !s || !d->spx || !d->vix)
        return vr_fail(err, VR_EINVAL, "realism: missing argument");
    const size_t n = d->n;
    double *ls = malloc((n ? n : 1) * sizeof *ls);
    if (!ls || acc_init(&a, n ? n : 1) != 0) {
        free(ls);
        return vr_fail(err, VR_ENOMEM, "realism: %zu days", n);
    }
    for (size_t t = 0; t < n; t++) {
        if (!(d->spx[t] > 0 && d->vix[t] > 0 && isfinite(d->spx[t]) && isfinite(d->vix[t]))) {
            st = vr_fail(err, VR_EINVAL, "realism: day %zu: spx %g vix %g", t, d->spx[t],
                         d->vix[t]);
            goto done;
        }
        ls[t] = log(d->spx[t]);
    }
    acc_series(&a, d->vix, ls, d->vix3m, d->vvix, d->fut1, d->fut2, n, NULL);
    st = acc_finish(&a, s, err);
done:
    free(ls);
    acc_free(&a);
    return st;
}

vr_status vr_realism_history(const double *spx, const double *vix, size_t n, vr_realism_stats *s,
                             vr_err *err)
{
    const vr_realism_data d = {n, spx, vix, NULL, NULL, NULL, NULL};
    return vr_realism_history_data(&d, s, err);
}

/* ---- model VIX family ------------------------------------------------------------------------ */

#define VVIX_K_LO (-1.5)
#define VVIX_K_HI 3.0
#define VVIX_NL 12 /* Simpson intervals in log strike below the future ... */
#define VVIX_NR (2 * VVIX_NL) /* ... and above it (twice as wide a range) */

/* sum of Simpson weights x e^{-k} O(F e^k) over [k0, k1] with n (even) intervals */
static vr_status vvix_side(const vr_model_ops *ops, const vr_sv_params *p, const double *x,
                           double F, double k0, double k1, int n, int is_call, double *out,
                           vr_err *err)
{
    /* all strikes of the side in one call: a model whose option pricer builds the law of VIX_T
     * first (svcj2) builds it once; the one-factor models price strike by strike as before */
    enum { MAXK = 129 };
    if (n < 2 || n + 1 > MAXK)
        return vr_fail(err, VR_EINVAL, "vvix: %d intervals per side (need 2..%d)", n, MAXK - 1);
    const double h = (k1 - k0) / n;
    double K[MAXK], o[MAXK];
    for (int i = 0; i <= n; i++)
        K[i] = F * exp(k0 + h * i);
    const vr_status st = ops->vix_options(p, x, VR_VIX_TAU_30D, K, n + 1, 0.0, is_call, o, err);
    if (st != VR_OK)
        return st;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
        const double w = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        sum += w * (o[i] > 0 ? o[i] : 0.0) * exp(-(k0 + h * i));
    }
    *out = sum * h / 3.0;
    return VR_OK;
}

vr_status vr_model_vvix_law(const vr_model_ops *ops, const vr_vix_law *law, int k,
                            const double *x, double *vvix, vr_err *err)
{
    double F, el;
    const vr_status st = ops->vix_law_eval(law, k, x, &F, &el, err);
    if (st != VR_OK)
        return st;
    const double var = 2.0 * (log(F) - el) / VR_VIX_TAU_30D;
    if (!(var >= 0 && isfinite(var)))
        return vr_fail(err, VR_ENUM, "vvix: log-contract variance %g at v %g", var, x[0]);
    *vvix = 100.0 * sqrt(var);
    return VR_OK;
}

vr_status vr_model_vvix_log(const vr_model_ops *ops, const vr_sv_params *p, const double *x,
                            double *vvix, vr_err *err)
{
    const double T = VR_VIX_TAU_30D;
    if (ops->vix_law_build) {
        vr_vix_law *law = NULL;
        vr_status st = ops->vix_law_build(p, &T, 1, &law, err);
        if (st == VR_OK)
            st = vr_model_vvix_law(ops, law, 0, x, vvix, err);
        if (law)
            ops->vix_law_free(law);
        return st;
    }
    double F;
    vr_status st = ops->vix_future(p, x, T, &F, err);
    if (st != VR_OK)
        return st;
    if (!(F > 0))
        return vr_fail(err, VR_ENUM, "vvix: model future %g at v %g", F, x[0]);
    /* int_0^F P(K)/K^2 dK + int_F^inf C(K)/K^2 dK = (1/F) int O(F e^k) e^{-k} dk: puts below the
     * future, calls above (the out-of-the-money option has a kink at k = 0, so each side is
     * integrated separately with Simpson's rule) */
    double lo, hi;
    if ((st = vvix_side(ops, p, x, F, VVIX_K_LO, 0.0, VVIX_NL, 0, &lo, err)) != VR_OK ||
        (st = vvix_side(ops, p, x, F, 0.0, VVIX_K_HI, VVIX_NR, 1, &hi, err)) != VR_OK)
        return st;
    const double var = 2.0 * (lo + hi) / F / T;
    if (!(var >= 0 && isfinite(var)))
        return vr_fail(err, VR_ENUM, "vvix: replication variance %g at v %g", var, x[0]);
    *vvix = 100.0 * sqrt(var);
    return VR_OK;
}

/* ---- simulation ------------------------------------------------------------------------------ */

#define SAMPLE_EVERY 21 /* days between the states the pricing statistics price */

typedef struct obs_ctx {
    size_t skip;        /* burn-in steps */
    size_t len;         /* kept steps per path (incl. the first kept state) */
    size_t nsamp;       /* sampled states per path */
    int nf;
    vr_vix_coef c, c3;  /* 30-day and 93-day index coefficients (pricing) */
    double *vix, *ls, *v3m; /* [paths * len] */
    double *xs;         /* [paths * nsamp * VR_FACTORS_MAX] sampled states */
    long *pre;          /* [paths * 2]: last burn-in day above 80, above 60 (day - skip) */
} obs_ctx;

static void on_step(void *vctx, const vr_sim_block *b, size_t step)
{
    obs_ctx *o = vctx;
    if (step < o->skip) {
        /* the burn-in is the path's past: an episode above 60 or 80 running into the kept days
         * continues there (else every path opening in one would start a new episode) */
        for (size_t i = 0; i < b->n; i++) {
            double x[VR_FACTORS_MAX] = {0};
            for (int j = 0; j < b->nfactors; j++)
                x[j] = b->x[j][i];
            const double v = vr_vix_level_x(&o->c, x, b->nfactors);
            long *q = o->pre + 2 * (b->path0 + i);
            if (v > 80)
                q[0] = (long)step - (long)o->skip;
            if (v > 60)
                q[1] = (long)step - (long)o->skip;
        }
        return;
    }
    const size_t k = step - o->skip;
    for (size_t i = 0; i < b->n; i++) {
        const size_t p = b->path0 + i;
        double x[VR_FACTORS_MAX] = {0};
        for (int j = 0; j < b->nfactors; j++)
            x[j] = b->x[j][i];
        o->vix[p * o->len + k] = vr_vix_level_x(&o->c, x, b->nfactors);
        o->v3m[p * o->len + k] = vr_vix_level_x(&o->c3, x, b->nfactors);
        o->ls[p * o->len + k] = b->log_s[i];
        if (k % SAMPLE_EVERY == 0 && k / SAMPLE_EVERY < o->nsamp)
            for (int j = 0; j < VR_FACTORS_MAX; j++)
                o->xs[(p * o->nsamp + k / SAMPLE_EVERY) * VR_FACTORS_MAX + j] =
                    j < b->nfactors ? (x[j] > 0 ? x[j] : 0.0) : 0.0;
    }
}

/* The pricing-measure statistics of the sampled states: the first fut_states (vvix_states) of
 * each VIX bucket in path order are priced (in parallel; the sums are taken in that order). */
static vr_status price_samples(const vr_model *m, const vr_model_ops *ops, const obs_ctx *o,
                               size_t paths, const vr_realism_sim *rs, vr_realism_stats *s,
                               vr_err *err)
{
    vr_status st = VR_OK;
    vr_vix_law *law = NULL;
    const size_t ns = paths * o->nsamp;
    size_t *pick = malloc((ns ? ns : 1) * sizeof *pick);
    int *bk = malloc((ns ? ns : 1) * sizeof *bk), *want_vv = malloc((ns ? ns : 1) * sizeof *want_vv);
    double *r1 = malloc((ns ? ns : 1) * sizeof *r1), *r2 = malloc((ns ? ns : 1) * sizeof *r2);
    double *vv = malloc((ns ? ns : 1) * sizeof *vv);
    vr_status *sts = malloc((ns ? ns : 1) * sizeof *sts);
    vr_err *errs = NULL;
    size_t cnt_f[VR_REALISM_NB] = {0}, cnt_v[VR_REALISM_NB] = {0}, np = 0;
    if (!pick || !bk || !want_vv || !r1 || !r2 || !vv || !sts) {
        st = vr_fail(err, VR_ENOMEM, "realism: %zu sampled states", ns);
        goto done;
    }
    for (size_t q = 0; q < ns; q++) {
        const double *x = o->xs + q * VR_FACTORS_MAX;
        const int b = vr_realism_bucket(vr_vix_level_x(&o->c, x, o->nf));
        if (cnt_f[b] >= rs->fut_states && cnt_v[b] >= rs->vvix_states)
            continue;
        want_vv[np] = cnt_v[b] < rs->vvix_states;
        cnt_v[b] += (size_t)want_vv[np];
        cnt_f[b]++;
        bk[np] = b;
        pick[np++] = q;
    }
    errs = calloc(np ? np : 1, sizeof *errs);
    if (!errs) {
        st = vr_fail(err, VR_ENOMEM, "realism: %zu sampled states", np);
        goto done;
    }
    const vr_sv_params *p = &m->pricing;
    /* a model with a prepared law of VIX_T prices every state from one law (30 and 60 days; the
     * 30-day expiry is also VVIX's) */
    const double lawT[2] = {VR_CM_DAYS_1 / 365.0, VR_CM_DAYS_2 / 365.0};
    if (ops->vix_law_build && (st = ops->vix_law_build(p, lawT, 2, &law, err)) != VR_OK)
        goto done;
#pragma omp parallel for schedule(dynamic, 4) num_threads(rs->threads > 0 ? rs->threads : omp_get_max_threads())
    for (size_t k = 0; k < np; k++) {
        const double *x = o->xs + pick[k] * VR_FACTORS_MAX;
        const double v = vr_vix_level_x(&o->c, x, o->nf);
        double f1 = NAN, f2 = NAN, w = NAN;
        vr_status e;
        if (law) {
            e = ops->vix_law_eval(law, 0, x, &f1, NULL, &errs[k]);
            if (e == VR_OK)
                e = ops->vix_law_eval(law, 1, x, &f2, NULL, &errs[k]);
            if (e == VR_OK && want_vv[k])
                e = vr_model_vvix_law(ops, law, 0, x, &w, &errs[k]);
        } else {
            e = ops->vix_future(p, x, VR_CM_DAYS_1 / 365.0, &f1, &errs[k]);
            if (e == VR_OK)
                e = ops->vix_future(p, x, VR_CM_DAYS_2 / 365.0, &f2, &errs[k]);
            if (e == VR_OK && want_vv[k])
                e = vr_model_vvix_log(ops, p, x, &w, &errs[k]);
        }
        sts[k] = e;
        r1[k] = f1 / v;
        r2[k] = f2 / v;
        vv[k] = w;
    }
    double s1[VR_REALISM_NB] = {0}, s2[VR_REALISM_NB] = {0}, sv[VR_REALISM_NB] = {0};
    size_t n1[VR_REALISM_NB] = {0}, nv[VR_REALISM_NB] = {0};
    for (size_t k = 0; k < np; k++) {
        if (sts[k] != VR_OK) {
            st = vr_fail(err, sts[k], "realism: pricing a simulated state: %s", errs[k].msg);
            goto done;
        }
        s1[bk[k]] += r1[k];
        s2[bk[k]] += r2[k];
        n1[bk[k]]++;
        if (want_vv[k]) {
            sv[bk[k]] += vv[k];
            nv[bk[k]]++;
        }
    }
    for (int b = 0; b < VR_REALISM_NB; b++) {
        s->fut1[b] = n1[b] ? s1[b] / (double)n1[b] : NAN;
        s->fut2[b] = n1[b] ? s2[b] / (double)n1[b] : NAN;
        s->fut_n[b] = n1[b];
        s->vvix[b] = nv[b] ? sv[b] / (double)nv[b] : NAN;
        s->vvix_n[b] = nv[b];
    }
done:
    if (law)
        ops->vix_law_free(law);
    free(pick);
    free(bk);
    free(want_vv);
    free(r1);
    free(r2);
    free(vv);
    free(sts);
    free(errs);
    return st;
}

#define SE_BATCHES 10

/* Monte Carlo standard errors: the statistics of SE_BATCHES batches of consecutive paths, and the
 * sd of the batch values / sqrt(SE_BATCHES) (skipped with fewer paths than batches). */
static vr_status batch_se(const obs_ctx *o, size_t paths, vr_realism_stats *s, vr_err *err)
{
    if (paths < SE_BATCHES)
        return VR_OK;
    vr_realism_stats *b = calloc(SE_BATCHES, sizeof *b);
    if (!b)
        return vr_fail(err, VR_ENOMEM, "realism: batches");
    vr_status st = VR_OK;
    for (size_t k = 0; k < SE_BATCHES; k++) {
        const size_t p0 = k * paths / SE_BATCHES, p1 = (k + 1) * paths / SE_BATCHES;
        acc a;
        if (acc_init(&a, (p1 - p0) * o->len) != 0) {
            st = vr_fail(err, VR_ENOMEM, "realism: batches");
            break;
        }
        for (size_t p = p0; p < p1; p++)
            acc_series(&a, o->vix + p * o->len, o->ls + p * o->len, NULL, NULL, NULL, NULL,
                       o->len, o->pre + 2 * p);
        vr_err e = {0};
        st = acc_finish(&a, &b[k], &e);
        acc_free(&a);
        if (st != VR_OK) {
            st = vr_fail(err, st, "realism: batch %zu: %s", k, e.msg);
            break;
        }
    }
    if (st == VR_OK) {
#define SE_OF(out, expr)                                                                          \
    do {                                                                                          \
        double m_ = 0, q_ = 0;                                                                    \
        for (size_t k = 0; k < SE_BATCHES; k++) {                                                 \
            const vr_realism_stats *x = &b[k];                                                    \
            m_ += (expr);                                                                         \
        }                                                                                         \
        m_ /= SE_BATCHES;                                                                         \
        for (size_t k = 0; k < SE_BATCHES; k++) {                                                 \
            const vr_realism_stats *x = &b[k];                                                    \
            q_ += ((expr) - m_) * ((expr) - m_);                                                  \
        }                                                                                         \
        (out) = sqrt(q_ / (SE_BATCHES - 1) / SE_BATCHES);                                         \
    } while (0)
        for (int j = 0; j < VR_REALISM_NPCT; j++)
            SE_OF(s->se_pct[j], x->vix_pct[j]);
        for (int j = 0; j < VR_REALISM_NABOVE; j++)
            SE_OF(s->se_above[j], x->frac_above[j]);
        for (int j = 0; j < VR_REALISM_NLEG; j++)
            SE_OF(s->se_leg[j], x->second_leg[j]);
        SE_OF(s->se_feb2018, x->feb2018_per100y);
        SE_OF(s->se_up50, x->vix_up50_per100y);
        SE_OF(s->se_lvol_ratio, x->lvol[VR_REALISM_NB - 1] / x->lvol[0]);
        SE_OF(s->se_corr_lvix, x->corr_spx_lvix);
        SE_OF(s->se_ret_sd, x->ret_sd_ann);
#undef SE_OF
        s->has_se = 1;
    }
    free(b);
    return st;
}

vr_status vr_realism_simulate(const vr_model *m, const vr_realism_sim *rs, vr_realism_stats *s,
                              vr_err *err)
{
    vr_status st = VR_OK;
    obs_ctx o;
    acc a;
    memset(&o, 0, sizeof o);
    memset(&a, 0, sizeof a);
    if (!m || !rs || !s)
        return vr_fail(err, VR_EINVAL, "realism: missing argument");
    if (rs->paths < 1 || rs->paths > 1000000 || !(rs->years >= 0.1 && rs->years <= 200) ||
        !(rs->burn_in >= 0 && rs->burn_in <= 50) || !(rs->span_years >= 0) ||
        rs->fut_states > 100000 || rs->vvix_states > 100000)
        return vr_fail(err, VR_EINVAL,
                       "realism: paths %zu in [1, 1e6], years %g in [0.1, 200], burn-in %g in "
                       "[0, 50], states per bucket <= 1e5 required",
                       rs->paths, rs->years, rs->burn_in);
    const size_t skip = (size_t)llround(rs->burn_in * 252.0);
    const size_t keep = (size_t)llround(rs->years * 252.0);
    if (skip + keep > (size_t)VR_REALISM_MAX_YEARS * 252)
        return vr_fail(err, VR_EINVAL,
                       "realism: years per path %g + burn-in %g = %g years: a simulated path is "
                       "at most %d years long (more paths give a longer sample)",
                       rs->years, rs->burn_in, (double)(skip + keep) / 252.0, VR_REALISM_MAX_YEARS);
    o.skip = skip;
    o.len = keep + 1;
    o.nsamp = keep / SAMPLE_EVERY + 1;
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return vr_fail(err, VR_EINVAL, "realism: unknown model type %d", (int)m->type);
    o.nf = ops->nfactors;
    o.c = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    o.c3 = ops->vix_coef(&m->pricing, VR_VIX_TAU_93D);
    const double cells = (double)rs->paths * (double)o.len;
    if (cells > 4e8)
        return vr_fail(err, VR_EINVAL, "realism: %zu paths x %zu days is too many (max 4e8)",
                       rs->paths, o.len);
    o.vix = malloc((size_t)cells * sizeof *o.vix);
    o.ls = malloc((size_t)cells * sizeof *o.ls);
    o.v3m = malloc((size_t)cells * sizeof *o.v3m);
    o.xs = calloc(rs->paths * o.nsamp * VR_FACTORS_MAX, sizeof *o.xs);
    o.pre = malloc(2 * rs->paths * sizeof *o.pre);
    if (o.pre)
        for (size_t i = 0; i < 2 * rs->paths; i++)
            o.pre[i] = -100000;
    if (!o.vix || !o.ls || !o.v3m || !o.xs || !o.pre || acc_init(&a, (size_t)cells) != 0) {
        st = vr_fail(err, VR_ENOMEM, "realism: %zu paths x %zu days", rs->paths, o.len);
        goto done;
    }
    vr_sim_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.type = m->type;
    spec.params = m->physical;
    spec.spot = m->spot;
    spec.rate = m->rate;
    spec.dividend = m->dividend;
    /* every factor starts at its own long-run mean: v at theta* (with svcj2's self-exciting jumps
     * (kappa_v theta + lambda0 mu_v) / (kappa_v - lambda1 mu_v), up to 3.4x theta in the shipped
     * files), svcj2's central tendency m at theta (dm = kappa_m (theta - m) dt + ...). Both means
     * are then constant in time, and the burn-in only has to spread the distribution around them;
     * m started at theta* relaxes at kappa_m and drags v with it, still 30% high after a year. */
    spec.v0 = vr_theta_star(m->type, &m->physical);
    spec.m0 = m->type == VR_MODEL_SVCJ2 ? m->physical.s2.theta : spec.v0;
    spec.horizon = (double)(skip + keep) / 252.0;
    spec.steps = skip + keep;
    spec.paths = rs->paths;
    spec.seed = rs->seed;
    spec.scenario = 0;
    spec.scheme = VR_SCHEME_QE;
    spec.block = 256;
    spec.threads = rs->threads;
    const vr_sim_observer obs = {&o, on_step, NULL};
    if ((st = vr_sim_run(&spec, &obs, err)) != VR_OK)
        goto done;
    /* spans of exactly the history's number of daily changes: consecutive paths joined, a
     * path cut where a span ends (a whole number of paths per span would make them up to half a
     * path longer or shorter, and a path longer than the history one span) */
    a.span_len = rs->span_years > 0 ? (size_t)llround(rs->span_years * 252.0) : 0;
    for (size_t p = 0; p < rs->paths; p++)
        acc_series(&a, o.vix + p * o.len, o.ls + p * o.len, o.v3m + p * o.len, NULL, NULL, NULL,
                   o.len, o.pre + 2 * p);
    if ((st = acc_finish(&a, s, err)) != VR_OK)
        goto done;
    if ((st = batch_se(&o, rs->paths, s, err)) != VR_OK)
        goto done;
    {
        const double zero[VR_FACTORS_MAX] = {0};
        s->vix_floor = vr_vix_level_x(&o.c, zero, o.nf);
    }
    st = price_samples(m, ops, &o, rs->paths, rs, s, err);
done:
    free(o.vix);
    free(o.ls);
    free(o.v3m);
    free(o.xs);
    free(o.pre);
    acc_free(&a);
    return st;
}

/* ---- table ----------------------------------------------------------------------------------- */

typedef enum gate_kind { G_NONE, G_REL, G_FACTOR, G_ABS, G_RISING } gate_kind;

/* pass (1), fail (0) or not applicable (-1) of model value x against history h. */
static int gate_eval(gate_kind g, double tol, double h, double x)
{
    if (g == G_NONE)
        return -1;
    if (g == G_RISING)
        return isfinite(x) ? x > 1.0 : -1;
    if (!isfinite(h) || !isfinite(x))
        return -1;
    switch (g) {
    case G_REL: return fabs(x - h) <= tol * fabs(h);
    case G_ABS: return fabs(x - h) <= tol;
    case G_FACTOR:
        if (h == 0 && x == 0)
            return 1;
        if (h <= 0 || x <= 0)
            return 0;
        return x <= tol * h && h <= tol * x;
    default: return -1;
    }
}

static void gate_text(gate_kind g, double tol, char *buf, size_t cap)
{
    switch (g) {
    case G_REL: snprintf(buf, cap, "±%g%%", 100 * tol); break;
    case G_ABS: snprintf(buf, cap, "±%g", tol); break;
    case G_FACTOR: snprintf(buf, cap, "factor %g", tol); break;
    case G_RISING: snprintf(buf, cap, "> 1 (rising)"); break;
    default: snprintf(buf, cap, " "); break;
    }
}

#define NCOL_MAX 16
#define FAIL_TXT 6144

typedef struct row_ctx {
    FILE *f;
    const vr_realism_stats *c;
    size_t nc;
    int fails;
    size_t len[NCOL_MAX];
    char *txt;              /* [NCOL_MAX][FAIL_TXT]: the failed gates of each column */
    size_t nalen[NCOL_MAX];
    char *na;               /* [NCOL_MAX][FAIL_TXT]: its gates without a model value */
} row_ctx;

/* One row: values v[j] for every column (the caller computes them), formatted with fmt. */
static void row(row_ctx *r, const char *label, const char *fmt, gate_kind g, double tol,
                const double *v)
{
    char t[64], cell[64];
    gate_text(g, tol, t, sizeof t);
    fprintf(r->f, "| %s | %s |", label, t);
    for (size_t j = 0; j < r->nc; j++) {
        if (!isfinite(v[j])) {
            fprintf(r->f, " n/a |");
            /* a gate the history can be held to but the model gives no value for (no trigger,
             * no day in the bucket, a statistic skipped): listed, as it is neither pass nor fail */
            if (j > 0 && g != G_NONE && (g == G_RISING || isfinite(v[0])) && r->na &&
                r->nalen[j] < FAIL_TXT)
                r->nalen[j] += (size_t)snprintf(r->na + j * FAIL_TXT + r->nalen[j],
                                                FAIL_TXT - r->nalen[j], "%s%s",
                                                r->nalen[j] ? "; " : "", label);
            continue;
        }
        snprintf(cell, sizeof cell, fmt, v[j]);
        const int ok = j == 0 ? -1 : gate_eval(g, tol, v[0], v[j]);
        if (ok < 0)
            fprintf(r->f, " %s |", cell);
        else {
            fprintf(r->f, " %s %s |", cell, ok ? "pass" : "**FAIL**");
            r->fails += !ok;
            if (!ok && r->txt && r->len[j] < FAIL_TXT) {
                char hv[64] = "n/a"; /* (G_RISING is held to its rule with no history value) */
                if (isfinite(v[0]))
                    snprintf(hv, sizeof hv, fmt, v[0]);
                r->len[j] += (size_t)snprintf(r->txt + j * FAIL_TXT + r->len[j],
                                              FAIL_TXT - r->len[j], "%s%s %s (history %s, %s)",
                                              r->len[j] ? "; " : "", label, cell, hv, t);
            }
        }
    }
    fprintf(r->f, "\n");
}

/* A Monte Carlo standard error as printed: fmt, or n/a where it is not finite (a batch of paths
 * without the statistic, e.g. no trigger with 21 days after it: there is no SE to give). */
static void se_cell(char *buf, const char *fmt, double x)
{
    if (isfinite(x))
        snprintf(buf, 32, fmt, x);
    else
        snprintf(buf, 32, "n/a");
}

#define ROW(label, fmt, g, tol, expr)                                                             \
    do {                                                                                          \
        double v_[NCOL_MAX] = {0};                                                                \
        for (size_t j = 0; j < r.nc && j < NCOL_MAX; j++) {                                       \
            const vr_realism_stats *s = &r.c[j];                                                  \
            v_[j] = (expr);                                                                       \
        }                                                                                         \
        row(&r, label, fmt, g, tol, v_);                                                          \
    } while (0)

int vr_realism_print(FILE *f, const char *const *names, const vr_realism_stats *c, size_t nc)
{
    row_ctx r = {f, c, nc > NCOL_MAX ? NCOL_MAX : nc, 0, {0}, calloc(NCOL_MAX, FAIL_TXT), {0},
                 calloc(NCOL_MAX, FAIL_TXT)};
    static const char *const bname[VR_REALISM_NB] = {"VIX < 15", "15-20", "20-30", "VIX >= 30"};
    fprintf(f, "| statistic | gate |");
    for (size_t j = 0; j < r.nc; j++)
        fprintf(f, " %s |", names[j]);
    fprintf(f, "\n|---|---|");
    for (size_t j = 0; j < r.nc; j++)
        fprintf(f, "---:|");
    fprintf(f, "\n");
    char lab[128];
    ROW("years of daily data", "%.1f", G_NONE, 0, s->years);
    for (int k = 0; k < VR_REALISM_NPCT; k++) {
        const double p = vr_realism_pct[k];
        const int gated = p == 50 || p == 95 || p == 99;
        snprintf(lab, sizeof lab, "VIX p%g", p);
        ROW(lab, "%.2f", gated ? G_REL : G_NONE, 0.10, s->vix_pct[k]);
    }
    ROW("VIX mean", "%.2f", G_NONE, 0, s->vix_mean);
    ROW("VIX floor (history: lowest close; model: lowest reachable)", "%.2f", G_NONE, 0,
        s->vix_floor);
    ROW("days VIX > 30 (%)", "%.2f", G_NONE, 0, 100 * s->frac_above[0]);
    ROW("days VIX > 40 (%)", "%.2f", G_FACTOR, 1.5, 100 * s->frac_above[1]);
    ROW("days VIX > 60 (%)", "%.3f", G_FACTOR, 2, 100 * s->frac_above[2]);
    ROW("days VIX > 80 (%)", "%.3f", G_NONE, 0, 100 * s->frac_above[3]);
    ROW("triggers (VIX >= 22 or +25% in 5 days, 21 quiet days before)", "%.0f", G_NONE, 0,
        (double)s->n_triggers);
    for (int k = 0; k < VR_REALISM_NLEG; k++) {
        snprintf(lab, sizeof lab, "second leg: P(max VIX next 21 days >= %gx trigger) (%%)",
                 vr_realism_leg[k]);
        ROW(lab, "%.1f", G_FACTOR, 1.5, 100 * s->second_leg[k]);
    }
    for (int k = 0; k < VR_REALISM_NB; k++) {
        snprintf(lab, sizeof lab, "vol of daily log VIX change, previous day %s (%%/y)", bname[k]);
        ROW(lab, "%.0f", G_NONE, 0, 100 * s->lvol[k]);
    }
    ROW("vol of log VIX change: highest / lowest bucket", "%.2f", G_RISING, 0,
        s->lvol[VR_REALISM_NB - 1] / s->lvol[0]);
    ROW("largest 1-day VIX rise (pts)*", "%.2f", G_NONE, 0, s->max_up_1d_pts);
    ROW("largest 1-day VIX rise (%)*", "%.1f", G_NONE, 0, s->max_up_1d_pct);
    ROW("largest 5-day VIX rise (pts)*", "%.2f", G_NONE, 0, s->max_up_5d_pts);
    ROW("largest 5-day VIX rise (%)*", "%.1f", G_NONE, 0, s->max_up_5d_pct);
    ROW("largest 1-day VIX fall (pts)*", "%.2f", G_NONE, 0, s->max_dn_1d_pts);
    ROW("largest 5-day VIX fall (pts)*", "%.2f", G_NONE, 0, s->max_dn_5d_pts);
    ROW("corr(SPX log-return, log VIX change), daily", "%.3f", G_ABS, 0.1, s->corr_spx_lvix);
    ROW("corr(SPX log-return, VIX change in points), daily", "%.3f", G_NONE, 0, s->corr_spx_vix);
    ROW("SPX daily return sd (annualised, %)", "%.1f", G_ABS, 2, 100 * s->ret_sd_ann);
    ROW("SPX daily return excess kurtosis", "%.2f", G_NONE, 0, s->ret_exkurt);
    ROW("SPX daily return skew", "%.2f", G_NONE, 0, s->ret_skew);
    ROW("worst SPX day (log-return, %)*", "%.2f", G_NONE, 0, 100 * s->worst_1d);
    ROW("worst SPX 5 days (log-return, %)*", "%.2f", G_NONE, 0, 100 * s->worst_5d);
    ROW("Feb-2018-like days (VIX<20 then +100%) per 100 y", "%.2f", G_FACTOR, 2,
        s->feb2018_per100y);
    ROW("VIX<20 then +50% in a day, per 100 y", "%.2f", G_FACTOR, 2, s->vix_up50_per100y);
    ROW("Mar-2020-like episodes (VIX>80) per 100 y", "%.2f", G_NONE, 0, s->mar2020_per100y);
    ROW("episodes of VIX>60 per 100 y", "%.2f", G_NONE, 0, s->above60_ep_per100y);
    for (int k = 0; k < VR_REALISM_NB; k++) {
        snprintf(lab, sizeof lab, "30-day future / VIX, %s", bname[k]);
        ROW(lab, "%.3f", G_REL, 0.03, s->fut1[k]);
    }
    for (int k = 0; k < VR_REALISM_NB; k++) {
        snprintf(lab, sizeof lab, "60-day future / VIX, %s", bname[k]);
        ROW(lab, "%.3f", G_REL, 0.03, s->fut2[k]);
    }
    for (int k = 0; k < VR_REALISM_NB; k++) {
        snprintf(lab, sizeof lab, "VIX3M / VIX, %s", bname[k]);
        ROW(lab, "%.3f", G_NONE, 0, s->v3m[k]);
    }
    for (int k = 0; k < VR_REALISM_NB; k++) {
        snprintf(lab, sizeof lab, "VVIX, %s", bname[k]);
        ROW(lab, "%.1f", G_REL, 0.20, s->vvix[k]);
    }
    for (int k = 0; k < VR_REALISM_NB; k++) {
        snprintf(lab, sizeof lab, "realised / implied variance, next %d days, %s",
                 VR_REALISM_RV_DAYS, bname[k]);
        ROW(lab, "%.2f", G_NONE, 0, s->rv_iv[k]);
    }
    fprintf(f, "\nMonte Carlo standard errors of the models' values (10 batches of paths):\n");
    for (size_t j = 1; j < r.nc; j++) {
        const vr_realism_stats *x = &c[j];
        if (!x->has_se)
            continue;
        char e[13][32];
        se_cell(e[0], "%.2f", x->se_pct[3]);
        se_cell(e[1], "%.2f", x->se_pct[5]);
        se_cell(e[2], "%.2f", x->se_pct[6]);
        se_cell(e[3], "%.3f", 100 * x->se_above[1]);
        se_cell(e[4], "%.4f", 100 * x->se_above[2]);
        se_cell(e[5], "%.2f", x->se_feb2018);
        se_cell(e[6], "%.2f", x->se_up50);
        for (int k = 0; k < VR_REALISM_NLEG; k++)
            se_cell(e[7 + k], "%.1f", 100 * x->se_leg[k]);
        se_cell(e[10], "%.3f", x->se_lvol_ratio);
        se_cell(e[11], "%.4f", x->se_corr_lvix);
        se_cell(e[12], "%.2f", 100 * x->se_ret_sd);
        fprintf(f, "\n- %s: VIX p50/p95/p99 %s/%s/%s; days > 40/60 (%%) %s/%s; "
                "Feb-2018-like %s, +50%% days %s per 100 y; second legs (%%) %s/%s/%s; "
                "vol ratio %s; corr %s; SPX vol (%%) %s\n",
                names[j], e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8], e[9], e[10],
                e[11], e[12]);
    }
    if (r.txt) {
        fprintf(f, "\nFailed gates:\n");
        for (size_t j = 1; j < r.nc; j++)
            fprintf(f, "\n- %s: %s\n", names[j], r.len[j] ? r.txt + j * FAIL_TXT : "none");
        free(r.txt);
    }
    if (r.na) {
        int any = 0;
        for (size_t j = 1; j < r.nc; j++)
            any |= r.nalen[j] > 0;
        if (any) {
            fprintf(f, "\nGates not evaluated (n/a: the model gives no value, e.g. no trigger or "
                    "no day in the bucket; counted neither as passed nor as failed):\n");
            for (size_t j = 1; j < r.nc; j++)
                if (r.nalen[j])
                    fprintf(f, "\n- %s: %s\n", names[j], r.na + j * FAIL_TXT);
        }
        free(r.na);
    }
    return r.fails;
}
