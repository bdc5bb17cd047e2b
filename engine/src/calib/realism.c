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

#include "vixrisk/vr_sim.h"

const double vr_realism_pct[VR_REALISM_NPCT] = {1, 5, 25, 50, 75, 95, 99};

#define EP_GAP 126 /* trading days between separate episodes */

typedef struct span_ext {
    double up1_pts, up1_pct, up5_pts, up5_pct, dn1_pts, worst1, worst5;
} span_ext;

typedef struct acc {
    double *vix;            /* pooled VIX levels */
    size_t nv, capv;
    size_t above[3];
    double sr, srr, sr3, sr4, sd, sdd, srd;
    size_t nr;
    size_t feb2018, up50, ep80, ep60;
    double days;            /* observed days (VIX levels) */
    span_ext cur;           /* extremes of the current span */
    span_ext *spans;
    size_t nspans, capspans;
} acc;

static void ext_reset(span_ext *e)
{
    e->up1_pts = e->up1_pct = e->up5_pts = e->up5_pct = -INFINITY;
    e->dn1_pts = e->worst1 = e->worst5 = INFINITY;
}

static int acc_init(acc *a, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->vix = malloc(cap * sizeof *a->vix);
    a->capv = cap;
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

/* One series: VIX levels vix[0..L) and log-prices ls[0..L). */
static void acc_series(acc *a, const double *vix, const double *ls, size_t L)
{
    static const double thr[3] = {30, 40, 60};
    long last80 = -100000, last60 = -100000;
    span_ext *e = &a->cur;
    for (size_t t = 0; t < L; t++) {
        const double x = vix[t];
        if (a->nv < a->capv)
            a->vix[a->nv++] = x;
        for (int k = 0; k < 3; k++)
            a->above[k] += x > thr[k];
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
        if (t == 0)
            continue;
        const double p = vix[t - 1], dv = x - p, r = ls[t] - ls[t - 1];
        a->sr += r;
        a->srr += r * r;
        a->sr3 += r * r * r;
        a->sr4 += r * r * r * r;
        a->sd += dv;
        a->sdd += dv * dv;
        a->srd += r * dv;
        a->nr++;
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
            if (r5 < e->worst5)
                e->worst5 = r5;
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
    s->years = (double)a->nr / 252.0; /* daily transitions */
    for (int k = 0; k < 3; k++)
        s->frac_above[k] = (double)a->above[k] / a->days;
    const double n = (double)a->nr;
    const double mr = a->sr / n, md = a->sd / n;
    const double vr = a->srr / n - mr * mr, vd = a->sdd / n - md * md;
    s->corr_spx_vix = (a->srd / n - mr * md) / sqrt(vr * vd);
    s->ret_sd_ann = sqrt(vr * 252.0);
    const double m4 = a->sr4 / n - 4 * mr * a->sr3 / n + 6 * mr * mr * a->srr / n -
                      3 * mr * mr * mr * mr;
    s->ret_exkurt = m4 / (vr * vr) - 3.0;
    const double per100 = 100.0 / s->years;
    s->feb2018_per100y = (double)a->feb2018 * per100;
    s->vix_up50_per100y = (double)a->up50 * per100;
    s->mar2020_per100y = (double)a->ep80 * per100;
    s->above60_ep_per100y = (double)a->ep60 * per100;
    if (a->nspans == 0 && acc_end_span(a) != 0)
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
    s->worst_1d = median_field(sp, ns, offsetof(span_ext, worst1), tmp);
    s->worst_5d = median_field(sp, ns, offsetof(span_ext, worst5), tmp);
    s->extremes_per_span = ns > 1;
    free(tmp);
    return VR_OK;
}

vr_status vr_realism_history(const double *spx, const double *vix, size_t n, vr_realism_stats *s,
                             vr_err *err)
{
    vr_status st = VR_OK;
    acc a;
    double *ls = malloc(n * sizeof *ls);
    if (!ls || acc_init(&a, n) != 0) {
        free(ls);
        return vr_fail(err, VR_ENOMEM, "realism: %zu days", n);
    }
    for (size_t t = 0; t < n; t++) {
        if (!(spx[t] > 0 && vix[t] > 0)) {
            st = vr_fail(err, VR_EINVAL, "realism: day %zu: spx %g vix %g", t, spx[t], vix[t]);
            goto done;
        }
        ls[t] = log(spx[t]);
    }
    acc_series(&a, vix, ls, n);
    st = acc_finish(&a, s, err);
done:
    free(ls);
    acc_free(&a);
    return st;
}

/* ---- simulation ------------------------------------------------------------------------------ */

typedef struct obs_ctx {
    size_t skip;        /* burn-in steps */
    size_t len;         /* kept steps per path (incl. the first kept state) */
    vr_vix_coef c;
    double *vix, *ls;   /* [paths * len] */
} obs_ctx;

static void on_step(void *vctx, const vr_sim_block *b, size_t step)
{
    obs_ctx *o = vctx;
    if (step < o->skip)
        return;
    const size_t k = step - o->skip;
    for (size_t i = 0; i < b->n; i++) {
        const size_t p = b->path0 + i;
        double x[VR_FACTORS_MAX] = {0};
        for (int j = 0; j < b->nfactors; j++)
            x[j] = b->x[j][i];
        o->vix[p * o->len + k] = vr_vix_level_x(&o->c, x, b->nfactors);
        o->ls[p * o->len + k] = b->log_s[i];
    }
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
        !(rs->burn_in >= 0 && rs->burn_in <= 50) || !(rs->span_years >= 0))
        return vr_fail(err, VR_EINVAL,
                       "realism: paths %zu in [1, 1e6], years %g in [0.1, 200], burn-in %g in "
                       "[0, 50] required",
                       rs->paths, rs->years, rs->burn_in);
    const size_t skip = (size_t)llround(rs->burn_in * 252.0);
    const size_t keep = (size_t)llround(rs->years * 252.0);
    o.skip = skip;
    o.len = keep + 1;
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return vr_fail(err, VR_EINVAL, "realism: unknown model type %d", (int)m->type);
    o.c = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    const double cells = (double)rs->paths * (double)o.len;
    if (cells > 4e8)
        return vr_fail(err, VR_EINVAL, "realism: %zu paths x %zu days is too many (max 4e8)",
                       rs->paths, o.len);
    o.vix = malloc((size_t)cells * sizeof *o.vix);
    o.ls = malloc((size_t)cells * sizeof *o.ls);
    if (!o.vix || !o.ls || acc_init(&a, (size_t)cells) != 0) {
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
    spec.v0 = vr_theta_star(m->type, &m->physical);
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
    size_t per_span = 1;
    if (rs->span_years > 0) {
        per_span = (size_t)llround(rs->span_years / rs->years);
        if (per_span < 1)
            per_span = 1;
    } else {
        per_span = rs->paths;
    }
    for (size_t p = 0; p < rs->paths; p++) {
        acc_series(&a, o.vix + p * o.len, o.ls + p * o.len, o.len);
        if ((p + 1) % per_span == 0 || p + 1 == rs->paths)
            if (acc_end_span(&a) != 0) {
                st = vr_fail(err, VR_ENOMEM, "realism: spans");
                goto done;
            }
    }
    st = acc_finish(&a, s, err);
done:
    free(o.vix);
    free(o.ls);
    acc_free(&a);
    return st;
}

/* ---- table ----------------------------------------------------------------------------------- */

void vr_realism_print(FILE *f, const char *const *names, const vr_realism_stats *c, size_t nc)
{
    fprintf(f, "| statistic |");
    for (size_t j = 0; j < nc; j++)
        fprintf(f, " %s |", names[j]);
    fprintf(f, "\n|---|");
    for (size_t j = 0; j < nc; j++)
        fprintf(f, "---:|");
    fprintf(f, "\n");
#define ROW(label, fmt, expr)                                                                     \
    do {                                                                                          \
        fprintf(f, "| %s |", label);                                                              \
        for (size_t j = 0; j < nc; j++) {                                                         \
            const vr_realism_stats *s = &c[j];                                                    \
            fprintf(f, " " fmt " |", (expr));                                                     \
        }                                                                                         \
        fprintf(f, "\n");                                                                         \
    } while (0)
    ROW("years of daily data", "%.1f", s->years);
    for (int k = 0; k < VR_REALISM_NPCT; k++) {
        char lab[64];
        snprintf(lab, sizeof lab, "VIX p%g", vr_realism_pct[k]);
        ROW(lab, "%.2f", s->vix_pct[k]);
    }
    ROW("VIX mean", "%.2f", s->vix_mean);
    ROW("days VIX > 30 (%)", "%.2f", 100 * s->frac_above[0]);
    ROW("days VIX > 40 (%)", "%.2f", 100 * s->frac_above[1]);
    ROW("days VIX > 60 (%)", "%.3f", 100 * s->frac_above[2]);
    ROW("largest 1-day VIX rise (pts)*", "%.2f", s->max_up_1d_pts);
    ROW("largest 1-day VIX rise (%)*", "%.1f", s->max_up_1d_pct);
    ROW("largest 5-day VIX rise (pts)*", "%.2f", s->max_up_5d_pts);
    ROW("largest 5-day VIX rise (%)*", "%.1f", s->max_up_5d_pct);
    ROW("largest 1-day VIX fall (pts)*", "%.2f", s->max_dn_1d_pts);
    ROW("corr(SPX log-return, VIX change), daily", "%.3f", s->corr_spx_vix);
    ROW("SPX daily return sd (annualised, %)", "%.1f", 100 * s->ret_sd_ann);
    ROW("SPX daily return excess kurtosis", "%.2f", s->ret_exkurt);
    ROW("worst SPX day (log-return, %)*", "%.2f", 100 * s->worst_1d);
    ROW("worst SPX 5 days (log-return, %)*", "%.2f", 100 * s->worst_5d);
    ROW("Feb-2018-like days (VIX<20 then +100%) per 100 y", "%.2f", s->feb2018_per100y);
    ROW("VIX<20 then +50% in a day, per 100 y", "%.2f", s->vix_up50_per100y);
    ROW("Mar-2020-like episodes (VIX>80) per 100 y", "%.2f", s->mar2020_per100y);
    ROW("episodes of VIX>60 per 100 y", "%.2f", s->above60_ep_per100y);
#undef ROW
}
