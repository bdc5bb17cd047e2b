/* pricing_fit.c: the risk-neutral (pricing) parameters from the VIX term structure, the VIX
 * futures curve and VVIX (see vr_calib.h).
 *
 * For a candidate parameter set every fit day's variance state is backed out of its VIX (and
 * VIX3M for a two-factor model: vr_term.h), and the model then prices what was observed that day:
 * VIX9D / VIX3M / VIX6M through the index coefficients, each listed future at its real expiry
 * (vix_future), and on a few days per VIX bucket VVIX (the replicated log contract,
 * vr_model_vvix_log). The loss is the weighted sum of the groups' mean squared log errors plus a
 * small ridge towards the start; Nelder-Mead minimises it in unbounded coordinates (the logit of
 * each parameter's position in its range, from the model parameter table). Days are priced in
 * parallel into per-day slots and summed in day order, so the result does not depend on the
 * thread count. The model type is never named: parameters come from vr_model_def_of, prices
 * from the model interface. */
#include "vixrisk/vr_calib.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_term.h"

#define PF_MAXP VR_PFIT_MAXP
#define PF_BAD 1e30

void vr_pfit_opts_default(vr_pfit_opts *o, vr_model_type type, const vr_sv_params *start)
{
    memset(o, 0, sizeof *o);
    o->type = type;
    if (start)
        o->start = *start;
    o->every = 5;
    o->vvix_per_bucket = 3;
    o->max_fut = 6;
    o->w_idx = o->w_fut = o->w_vvix = 1.0;
    o->ridge = 1e-4;
    o->max_eval = 800;
}

/* ---- coordinates ------------------------------------------------------------------------------ */

typedef struct pf_ctx {
    const vr_model_ops *ops;
    const vr_model_def *md;
    const vr_pfit_opts *o;
    const vr_pfit_day *days;
    const size_t *sel;      /* fit days (indices into days) */
    size_t nsel;
    const size_t *vsel;     /* VVIX days */
    size_t nvsel;
    vr_param_def defs[PF_MAXP]; /* the parameter table with the caps of the options */
    int np;                 /* fitted parameters */
    int pidx[PF_MAXP];      /* their indices in md->params */
    double y0[PF_MAXP];     /* start, transformed */
    double yc[PF_MAXP];     /* the ridge's centre, transformed (the start unless o->ridge_centre) */
    /* per-day scratch: squared errors and counts by group */
    double *e_idx, *e_fut, *e_vix, *v_day;
    int *n_idx, *n_fut, *clamped, *fut_bad; /* fut_bad: futures the model failed to price */
    double *e_vv;
    int *ok_vv;
    vr_status *st_vv;
    vr_err *err_vv;
    int evals;
    int no_ridge;           /* the loss without its ridge (which parameters move the fit) */
    /* models with a prepared law of VIX_T (ops->vix_law_build): one law per parameter set at
     * every expiry the fit prices (hT, ascending); fidx[k * VR_PFIT_MAXF + j] is future j of fit
     * day k, k30 the 30-day expiry (VVIX), kcm[] the constant-maturity ones (the table) */
    vr_vix_law *law;
    double *hT;
    int nhT, *fidx, k30, kcm[2];
} pf_ctx;

static double to_y(const vr_param_def *d, double x)
{
    if (isinf(d->hi))
        return log(fmax(x - d->lo, 1e-300));
    double u = (x - d->lo) / (d->hi - d->lo);
    u = fmin(fmax(u, 1e-9), 1 - 1e-9);
    return log(u / (1 - u));
}

static double from_y(const vr_param_def *d, double y)
{
    if (isinf(d->hi))
        return d->lo + exp(y);
    const double u = 1.0 / (1.0 + exp(-y));
    double x = d->lo + (d->hi - d->lo) * u;
    /* open ends are never reached exactly */
    if (d->lo_open && x <= d->lo)
        x = nextafter(d->lo, d->hi);
    if (d->hi_open && x >= d->hi)
        x = nextafter(d->hi, d->lo);
    return x;
}

/* The unbounded coordinate a start (or the ridge's centre) begins at. A value at or beyond an end
 * of its range sat at to_y's clamp, 20 units out on the logit, where the simplex's steps do not
 * move the parameter and the ridge holds it there: --cap theta=0.05 over a start of 0.0528
 * returned 0.05 exactly, though 0.0383 priced the days 28% better, and `--fit lambda` from a
 * proxy's lambda of 0 stayed at 1e-6. A value at or above the upper end (a cap below the start)
 * starts 5% of the range inside it; one at or below the lower end does so only when `low` (the
 * parameter was named to be fitted): a lower end is often a parameter's "off" (svcj's lambda1 of
 * 0), which the default fit holds unless moving it changes the fit (moved 5% in, lambda1 would
 * start at 500). A value inside its range starts where it is. */
static double start_y(const vr_param_def *d, double x, int low)
{
    if (isinf(d->hi)) {
        if (low && !(x > d->lo))
            x = d->lo + 0.05 * fmax(fabs(d->lo), 1.0);
    } else {
        const double u = (x - d->lo) / (d->hi - d->lo);
        if (low && !(u > 0))
            x = d->lo + 0.05 * (d->hi - d->lo);
        else if (u >= 1)
            x = d->hi - 0.05 * (d->hi - d->lo);
    }
    return to_y(d, x);
}

static void params_of(const pf_ctx *c, const double *y, vr_sv_params *p)
{
    *p = c->o->start;
    for (int k = 0; k < c->np; k++) {
        const vr_param_def *d = &c->defs[c->pidx[k]];
        vr_param_set(p, d, from_y(d, y[k]));
    }
}

/* ---- loss ------------------------------------------------------------------------------------- */

static double sq(double x) { return x * x; }

/* Price fit day `i` (index into days) under p: squared log errors into the per-day slots. */
static void price_day(const pf_ctx *c, const vr_sv_params *p, const vr_vix_coef *cc, size_t k)
{
    const vr_pfit_day *d = &c->days[c->sel[k]];
    const vr_model_ops *ops = c->ops;
    double x[VR_FACTORS_MAX] = {0};
    const vr_term_fit tf = vr_state_from_term_c(ops, &cc[0], &cc[2], d->vix, d->idx[1], x);
    c->v_day[k] = x[0];
    const double mv = vr_vix_level_x(&cc[0], x, ops->nfactors);
    /* outside the model's reach: the two-factor state clamped (VIX and VIX3M not both met), or
     * the VIX itself missed (a state floored at 0: a one-factor model below 100 sqrt(a)) */
    c->clamped[k] = tf == VR_TERM_CLAMPED || !(fabs(mv - d->vix) <= 1e-9 * d->vix);
    c->e_vix[k] = mv > 0 ? sq(log(mv / d->vix)) : 100.0;
    double ei = 0;
    int ni = 0;
    for (int j = 0; j < VR_PFIT_NIDX; j++) {
        if (!(d->idx[j] > 0))
            continue;
        const double m = vr_vix_level_x(&cc[1 + j], x, ops->nfactors);
        ei += m > 0 ? sq(log(m / d->idx[j])) : 100.0;
        ni++;
    }
    c->e_idx[k] = ei;
    c->n_idx[k] = ni;
    double ef = 0;
    int nf = 0, nbad = 0;
    const int mf = d->nfut < c->o->max_fut ? d->nfut : c->o->max_fut;
    for (int j = 0; j < mf; j++) {
        double F;
        vr_err e = {0};
        const vr_status fs = c->law ? ops->vix_law_eval(c->law, c->fidx[k * VR_PFIT_MAXF + j], x,
                                                        &F, NULL, &e)
                                    : ops->vix_future(p, x, d->fut_T[j], &F, &e);
        if (fs != VR_OK || !(F > 0)) {
            ef += 100.0;
            nbad++;
        } else {
            ef += sq(log(F / d->fut[j]));
        }
        nf++;
    }
    c->e_fut[k] = ef;
    c->n_fut[k] = nf;
    c->fut_bad[k] = nbad;
}

static void coefs(const vr_model_ops *ops, const vr_sv_params *p, vr_vix_coef *cc)
{
    cc[0] = ops->vix_coef(p, VR_VIX_TAU_30D);
    cc[1] = ops->vix_coef(p, VR_VIX_TAU_9D);
    cc[2] = ops->vix_coef(p, VR_VIX_TAU_93D);
    cc[3] = ops->vix_coef(p, VR_VIX_TAU_6M);
}

/* Group means of the squared log errors at p (VVIX included when with_vvix). Returns -1 if the
 * parameter set is invalid. */
typedef struct pf_means {
    double idx, fut, vvix, vix, vbar;
    double idx_j[VR_PFIT_NIDX];
    size_t n_idx, n_fut, n_vvix, n_j[VR_PFIT_NIDX], clamped;
} pf_means;

static int eval_means(pf_ctx *c, const vr_sv_params *p, pf_means *m)
{
    memset(m, 0, sizeof *m);
    if (vr_sv_params_validate(c->o->type, p, "pricing", NULL, NULL) != VR_OK)
        return -1;
    vr_vix_coef cc[4];
    coefs(c->ops, p, cc);
    const int nth = c->o->threads > 0 ? c->o->threads : omp_get_max_threads();
    if (c->hT) {
        vr_err e = {0};
        omp_set_num_threads(nth);
        if (c->ops->vix_law_build(p, c->hT, c->nhT, &c->law, &e) != VR_OK)
            return -1;
    }
#pragma omp parallel for schedule(dynamic, 16) num_threads(nth)
    for (size_t k = 0; k < c->nsel; k++)
        price_day(c, p, cc, k);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
    for (size_t k = 0; k < c->nvsel; k++) {
        const vr_pfit_day *d = &c->days[c->vsel[k]];
        double x[VR_FACTORS_MAX] = {0}, vv = 0;
        vr_state_from_term_c(c->ops, &cc[0], &cc[2], d->vix, d->idx[1], x);
        c->err_vv[k] = (vr_err){0};
        c->st_vv[k] = c->law ? vr_model_vvix_law(c->ops, c->law, c->k30, x, &vv, &c->err_vv[k])
                             : vr_model_vvix_log(c->ops, p, x, &vv, &c->err_vv[k]);
        c->e_vv[k] = c->st_vv[k] == VR_OK && vv > 0 ? sq(log(vv / d->vvix)) : 100.0;
        c->ok_vv[k] = c->st_vv[k] == VR_OK;
    }
    double si = 0, sf = 0, sv = 0, sx = 0;
    size_t ni = 0, nf = 0;
    for (size_t k = 0; k < c->nsel; k++) {
        si += c->e_idx[k] + c->e_vix[k];
        ni += (size_t)c->n_idx[k] + 1;
        sx += c->e_vix[k];
        sf += c->e_fut[k];
        nf += (size_t)c->n_fut[k];
        m->clamped += (size_t)c->clamped[k];
        m->vbar += c->v_day[k];
    }
    m->vbar = c->nsel ? m->vbar / (double)c->nsel : 0;
    for (size_t k = 0; k < c->nvsel; k++)
        sv += c->e_vv[k];
    m->idx = ni ? si / (double)ni : 0;
    m->fut = nf ? sf / (double)nf : 0;
    m->vvix = c->nvsel ? sv / (double)c->nvsel : 0;
    m->vix = c->nsel ? sx / (double)c->nsel : 0;
    m->n_idx = ni;
    m->n_fut = nf;
    m->n_vvix = c->nvsel;
    return 0;
}

static double loss(pf_ctx *c, const double *y)
{
    vr_sv_params p;
    params_of(c, y, &p);
    pf_means m;
    c->evals++;
    if (eval_means(c, &p, &m) != 0)
        return PF_BAD;
    double r = 0;
    for (int k = 0; k < c->np && !c->no_ridge; k++)
        r += sq(y[k] - c->yc[k]);
    double L = c->o->w_idx * m.idx + c->o->w_fut * m.fut + c->o->w_vvix * m.vvix +
               c->o->ridge * r;
    if (c->o->v_target > 0 && c->o->w_v > 0)
        L += m.vbar > 0 ? c->o->w_v * sq(log(m.vbar / c->o->v_target)) : PF_BAD;
    if (c->o->w_reach > 0 && c->nsel)
        L += c->o->w_reach * (double)m.clamped / (double)c->nsel;
    return isfinite(L) ? L : PF_BAD;
}

/* ---- Nelder-Mead ------------------------------------------------------------------------------ */

static int nelder_mead(pf_ctx *c, double *y, int max_eval, double *fbest)
{
    const int n = c->np;
    double s[PF_MAXP + 1][PF_MAXP], f[PF_MAXP + 1];
    double xo[PF_MAXP], xr[PF_MAXP], xe[PF_MAXP], xc[PF_MAXP];
    for (int i = 0; i <= n; i++) {
        memcpy(s[i], y, (size_t)n * sizeof *y);
        if (i > 0)
            s[i][i - 1] += 0.4;
        f[i] = loss(c, s[i]);
    }
    int converged = 0;
    while (c->evals < max_eval) {
        /* order */
        for (int i = 1; i <= n; i++)
            for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
                double t = f[j];
                f[j] = f[j - 1];
                f[j - 1] = t;
                for (int k = 0; k < n; k++) {
                    t = s[j][k];
                    s[j][k] = s[j - 1][k];
                    s[j - 1][k] = t;
                }
            }
        double spread = 0;
        for (int i = 1; i <= n; i++)
            for (int k = 0; k < n; k++)
                spread = fmax(spread, fabs(s[i][k] - s[0][k]));
        if (fabs(f[n] - f[0]) <= 1e-10 * fabs(f[0]) + 1e-14 && spread < 1e-4) {
            converged = 1;
            break;
        }
        for (int k = 0; k < n; k++) {
            xo[k] = 0;
            for (int i = 0; i < n; i++)
                xo[k] += s[i][k] / n;
        }
        for (int k = 0; k < n; k++)
            xr[k] = xo[k] + (xo[k] - s[n][k]);
        const double fr = loss(c, xr);
        if (fr < f[0]) {
            for (int k = 0; k < n; k++)
                xe[k] = xo[k] + 2 * (xo[k] - s[n][k]);
            const double fe = loss(c, xe);
            if (fe < fr) {
                memcpy(s[n], xe, (size_t)n * sizeof *xe);
                f[n] = fe;
            } else {
                memcpy(s[n], xr, (size_t)n * sizeof *xr);
                f[n] = fr;
            }
            continue;
        }
        if (fr < f[n - 1]) {
            memcpy(s[n], xr, (size_t)n * sizeof *xr);
            f[n] = fr;
            continue;
        }
        const int outside = fr < f[n];
        for (int k = 0; k < n; k++)
            xc[k] = outside ? xo[k] + 0.5 * (xr[k] - xo[k]) : xo[k] + 0.5 * (s[n][k] - xo[k]);
        const double fc = loss(c, xc);
        if (fc < (outside ? fr : f[n])) {
            memcpy(s[n], xc, (size_t)n * sizeof *xc);
            f[n] = fc;
            continue;
        }
        for (int i = 1; i <= n; i++) {
            for (int k = 0; k < n; k++)
                s[i][k] = s[0][k] + 0.5 * (s[i][k] - s[0][k]);
            f[i] = loss(c, s[i]);
        }
    }
    int b = 0;
    for (int i = 1; i <= n; i++)
        if (f[i] < f[b])
            b = i;
    memcpy(y, s[b], (size_t)n * sizeof *y);
    *fbest = f[b];
    return converged;
}

/* ---- driver ----------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int find_T(const double *hT, int n, double T)
{
    const double *f = bsearch(&T, hT, (size_t)n, sizeof *hT, cmp_double);
    return f ? (int)(f - hT) : -1;
}

/* The expiries a prepared law must cover (every fit day's futures, 30 days for VVIX, the two
 * constant maturities of the table), sorted and unique, and each future's index among them. */
static vr_status law_setup(pf_ctx *c, vr_err *err)
{
    const size_t cap = c->nsel * VR_PFIT_MAXF + 3;
    c->hT = malloc(cap * sizeof *c->hT);
    c->fidx = malloc((c->nsel ? c->nsel : 1) * VR_PFIT_MAXF * sizeof *c->fidx);
    if (!c->hT || !c->fidx)
        return vr_fail(err, VR_ENOMEM, "pricing fit: %zu expiries", cap);
    size_t n = 0;
    c->hT[n++] = VR_VIX_TAU_30D;
    c->hT[n++] = VR_CM_DAYS_1 / 365.0;
    c->hT[n++] = VR_CM_DAYS_2 / 365.0;
    for (size_t k = 0; k < c->nsel; k++) {
        const vr_pfit_day *d = &c->days[c->sel[k]];
        const int mf = d->nfut < c->o->max_fut ? d->nfut : c->o->max_fut;
        for (int j = 0; j < mf; j++)
            if (!(d->fut_T[j] > 0 && d->fut_T[j] <= 10))
                return vr_fail(err, VR_EINVAL, "pricing fit: a future %g years from its day",
                               d->fut_T[j]);
            else
                c->hT[n++] = d->fut_T[j];
    }
    qsort(c->hT, n, sizeof *c->hT, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || c->hT[i] > c->hT[u - 1])
            c->hT[u++] = c->hT[i];
    if (u > VR_VIX_LAW_MAXT)
        return vr_fail(err, VR_EINVAL, "pricing fit: %zu distinct expiries (at most %d)", u,
                       VR_VIX_LAW_MAXT);
    c->nhT = (int)u;
    for (size_t k = 0; k < c->nsel; k++) {
        const vr_pfit_day *d = &c->days[c->sel[k]];
        const int mf = d->nfut < c->o->max_fut ? d->nfut : c->o->max_fut;
        for (int j = 0; j < mf; j++)
            c->fidx[k * VR_PFIT_MAXF + j] = find_T(c->hT, c->nhT, d->fut_T[j]);
    }
    c->k30 = find_T(c->hT, c->nhT, VR_VIX_TAU_30D);
    c->kcm[0] = find_T(c->hT, c->nhT, VR_CM_DAYS_1 / 365.0);
    c->kcm[1] = find_T(c->hT, c->nhT, VR_CM_DAYS_2 / 365.0);
    return VR_OK;
}

static void table_fill(pf_ctx *c, const vr_sv_params *p, vr_pfit_result *r)
{
    vr_vix_coef cc[4];
    coefs(c->ops, p, cc);
    double sd[VR_PFIT_NTAB][VR_REALISM_NB] = {{0}}, sm[VR_PFIT_NTAB][VR_REALISM_NB] = {{0}};
    size_t nn[VR_PFIT_NTAB][VR_REALISM_NB] = {{0}};
    for (size_t k = 0; k < c->nsel; k++) {
        const vr_pfit_day *d = &c->days[c->sel[k]];
        double x[VR_FACTORS_MAX] = {0};
        vr_state_from_term_c(c->ops, &cc[0], &cc[2], d->vix, d->idx[1], x);
        const double mv = vr_vix_level_x(&cc[0], x, c->ops->nfactors);
        const int b = vr_realism_bucket(d->vix);
        for (int j = 0; j < 2; j++) {
            double F;
            vr_err e = {0};
            if (!(d->cm[j] > 0))
                continue;
            const vr_status fs =
                c->law ? c->ops->vix_law_eval(c->law, c->kcm[j], x, &F, NULL, &e)
                       : c->ops->vix_future(p, x, (j ? VR_CM_DAYS_2 : VR_CM_DAYS_1) / 365.0, &F, &e);
            if (fs != VR_OK)
                continue;
            sd[j][b] += d->cm[j] / d->vix;
            sm[j][b] += F / mv;
            nn[j][b]++;
        }
        if (d->idx[1] > 0) {
            sd[2][b] += d->idx[1] / d->vix;
            sm[2][b] += vr_vix_level_x(&cc[2], x, c->ops->nfactors) / mv;
            nn[2][b]++;
        }
    }
    for (size_t k = 0; k < c->nvsel; k++) {
        const vr_pfit_day *d = &c->days[c->vsel[k]];
        double x[VR_FACTORS_MAX] = {0}, vv;
        vr_err e = {0};
        vr_state_from_term_c(c->ops, &cc[0], &cc[2], d->vix, d->idx[1], x);
        if ((c->law ? vr_model_vvix_law(c->ops, c->law, c->k30, x, &vv, &e)
                    : vr_model_vvix_log(c->ops, p, x, &vv, &e)) != VR_OK)
            continue;
        const int b = vr_realism_bucket(d->vix);
        sd[3][b] += d->vvix;
        sm[3][b] += vv;
        nn[3][b]++;
    }
    for (int j = 0; j < VR_PFIT_NTAB; j++)
        for (int b = 0; b < VR_REALISM_NB; b++) {
            r->tab_n[j][b] = nn[j][b];
            r->tab_data[j][b] = nn[j][b] ? sd[j][b] / (double)nn[j][b] : NAN;
            r->tab_model[j][b] = nn[j][b] ? sm[j][b] / (double)nn[j][b] : NAN;
        }
}

/* A day with a VIX: what it holds must be priceable. A NAN (or non-positive) index or VVIX is
 * missing; an infinite one, a future that is not a positive finite price or whose expiry is not
 * in (0, 10] years (what vix_future takes), or a contract count outside [0, VR_PFIT_MAXF] is bad
 * input: it made every loss infinite (the fit then failed as 'no valid parameter set found') or
 * added a constant 100 per price to the futures error that was reported as a fit error. */
static vr_status day_check(const vr_pfit_day *d, vr_err *err)
{
    static const char *const iname[VR_PFIT_NIDX] = {"VIX9D", "VIX3M", "VIX6M"};
    char ds[16];
    vr_history_format_date(d->date, ds);
    for (int j = 0; j < VR_PFIT_NIDX; j++)
        if (d->idx[j] > 0 && !isfinite(d->idx[j]))
            return vr_fail(err, VR_EINVAL, "pricing fit: %s on %s is %g (a positive finite level, "
                           "or NAN for missing)", iname[j], ds, d->idx[j]);
    if (d->vvix > 0 && !isfinite(d->vvix))
        return vr_fail(err, VR_EINVAL, "pricing fit: VVIX on %s is %g (a positive finite level, "
                       "or NAN for missing)", ds, d->vvix);
    if (d->nfut < 0 || d->nfut > VR_PFIT_MAXF)
        return vr_fail(err, VR_EINVAL, "pricing fit: %d futures on %s (0 to %d)", d->nfut, ds,
                       VR_PFIT_MAXF);
    for (int j = 0; j < d->nfut; j++) {
        if (!(d->fut[j] > 0 && isfinite(d->fut[j])))
            return vr_fail(err, VR_EINVAL, "pricing fit: future %d on %s settles at %g (a "
                           "positive finite price)", j + 1, ds, d->fut[j]);
        if (!(d->fut_T[j] > 0 && d->fut_T[j] <= 10))
            return vr_fail(err, VR_EINVAL, "pricing fit: future %d on %s expires %g years after "
                           "it (in (0, 10])", j + 1, ds, d->fut_T[j]);
    }
    return VR_OK;
}

vr_status vr_pricing_fit(const vr_pfit_day *days, size_t n, const vr_pfit_opts *o,
                         vr_pfit_result *r, vr_err *err)
{
    vr_status st = VR_OK;
    pf_ctx c;
    memset(&c, 0, sizeof c);
    size_t *sel = NULL, *vsel = NULL, *usable = NULL;
    if (!r)
        return vr_fail(err, VR_EINVAL, "pricing fit: no result");
    memset(r, 0, sizeof *r);
    if (!days || !o)
        return vr_fail(err, VR_EINVAL, "pricing fit: missing input");
    c.ops = vr_model_ops_get(o->type);
    c.md = vr_model_def_of(o->type);
    c.o = o;
    c.days = days;
    if (!c.ops || !c.md)
        return vr_fail(err, VR_EINVAL, "pricing fit: unknown model type %d", (int)o->type);
    if (o->every < 1 || o->every > 1000 || o->max_fut < 1 || o->max_fut > VR_PFIT_MAXF ||
        o->vvix_per_bucket > 1000 || !(o->w_idx >= 0 && o->w_fut >= 0 && o->w_vvix >= 0) ||
        !(o->ridge >= 0) || o->max_eval < 10 || o->max_eval > 100000 || o->threads < 0 ||
        !(o->v_target >= 0 && o->v_target < 4) || !(o->w_v >= 0 && o->w_v <= 1e6) ||
        !(o->w_reach >= 0 && o->w_reach <= 1e6))
        return vr_fail(err, VR_EINVAL,
                       "pricing fit: options: every in [1, 1000], max_fut in [1, %d], VVIX days "
                       "per bucket <= 1000, weights and ridge >= 0, max_eval in [10, 1e5], "
                       "v anchor in [0, 4) with weight in [0, 1e6], reach penalty in [0, 1e6]",
                       VR_PFIT_MAXF);
    if ((st = vr_sv_params_validate(o->type, &o->start, "pricing fit start", NULL, err)) != VR_OK)
        return st;
    /* usable days: a VIX, and something to fit (an index, a future); two factors need VIX3M */
    usable = malloc((n ? n : 1) * sizeof *usable);
    sel = malloc((n ? n : 1) * sizeof *sel);
    vsel = malloc((n ? n : 1) * sizeof *vsel);
    if (!usable || !sel || !vsel) {
        st = vr_fail(err, VR_ENOMEM, "pricing fit: %zu days", n);
        goto done;
    }
    size_t nu = 0;
    for (size_t i = 0; i < n; i++) {
        const vr_pfit_day *d = &days[i];
        if (!(d->vix > 0) || !isfinite(d->vix))
            continue;
        if ((st = day_check(d, err)) != VR_OK)
            goto done;
        if (c.ops->nfactors > 1 && !(d->idx[1] > 0))
            continue;
        int any = d->nfut > 0;
        for (int j = 0; j < VR_PFIT_NIDX; j++)
            any |= d->idx[j] > 0;
        if (any)
            usable[nu++] = i;
    }
    if (nu < 10) {
        st = vr_fail(err, VR_EINVAL,
                     "pricing fit: %zu days with a VIX and an index or future to fit (need >= 10%s)",
                     nu, c.ops->nfactors > 1 ? "; a two-factor model also needs VIX3M" : "");
        goto done;
    }
    for (size_t k = 0; k < nu; k += o->every)
        sel[c.nsel++] = usable[k];
    /* the minimum holds for the days that enter the fit: checked on the usable days alone, every
     * 1000th of them fitted three parameters to one day */
    if (c.nsel < 10) {
        st = vr_fail(err, VR_EINVAL,
                     "pricing fit: every %zu-th of the %zu usable days (a VIX and an index or "
                     "future to fit) leaves %zu fit day%s, need >= 10: use --every %zu or less, "
                     "or a longer window",
                     o->every, nu, c.nsel, c.nsel == 1 ? "" : "s", (nu - 1) / 9);
        goto done;
    }
    c.sel = sel;
    /* VVIX days: per bucket, evenly spread over that bucket's days with a VVIX */
    for (int b = 0; b < VR_REALISM_NB && o->vvix_per_bucket > 0; b++) {
        size_t cnt = 0;
        for (size_t k = 0; k < nu; k++) {
            const vr_pfit_day *d = &days[usable[k]];
            cnt += d->vvix > 0 && vr_realism_bucket(d->vix) == b;
        }
        if (cnt == 0)
            continue;
        const size_t want = o->vvix_per_bucket < cnt ? o->vvix_per_bucket : cnt;
        size_t seen = 0, taken = 0;
        for (size_t k = 0; k < nu && taken < want; k++) {
            const vr_pfit_day *d = &days[usable[k]];
            if (!(d->vvix > 0) || vr_realism_bucket(d->vix) != b)
                continue;
            /* the (taken + 1/2)/want quantile of this bucket's VVIX days */
            if ((double)seen + 0.5 >= ((double)taken + 0.5) * (double)cnt / (double)want) {
                vsel[c.nvsel++] = usable[k];
                taken++;
            }
            seen++;
        }
    }
    c.vsel = vsel;
    c.e_idx = calloc(c.nsel, sizeof *c.e_idx);
    c.e_fut = calloc(c.nsel, sizeof *c.e_fut);
    c.e_vix = calloc(c.nsel, sizeof *c.e_vix);
    c.v_day = calloc(c.nsel, sizeof *c.v_day);
    c.n_idx = calloc(c.nsel, sizeof *c.n_idx);
    c.n_fut = calloc(c.nsel, sizeof *c.n_fut);
    c.clamped = calloc(c.nsel, sizeof *c.clamped);
    c.fut_bad = calloc(c.nsel, sizeof *c.fut_bad);
    c.e_vv = calloc(c.nvsel + 1, sizeof *c.e_vv);
    c.ok_vv = calloc(c.nvsel + 1, sizeof *c.ok_vv);
    c.st_vv = calloc(c.nvsel + 1, sizeof *c.st_vv);
    c.err_vv = calloc(c.nvsel + 1, sizeof *c.err_vv);
    if (!c.e_idx || !c.e_fut || !c.e_vix || !c.v_day || !c.n_idx || !c.n_fut || !c.clamped ||
        !c.fut_bad || !c.e_vv || !c.ok_vv || !c.st_vv || !c.err_vv) {
        st = vr_fail(err, VR_ENOMEM, "pricing fit: %zu days", c.nsel);
        goto done;
    }
    if (c.ops->vix_law_build && (st = law_setup(&c, err)) != VR_OK)
        goto done;
    /* the parameters to fit: given, or every one that moves the loss */
    if (c.md->nparams > PF_MAXP) {
        st = vr_fail(err, VR_EINVAL, "pricing fit: %d parameters (at most %d)", c.md->nparams,
                     PF_MAXP);
        goto done;
    }
    for (int i = 0; i < c.md->nparams; i++) {
        c.defs[i] = c.md->params[i];
        const double cap = o->cap_hi[i];
        if (cap == 0)
            continue;
        if (!(cap > c.defs[i].lo && cap <= c.defs[i].hi)) {
            st = vr_fail(err, VR_EINVAL, "pricing fit: cap %g on %s outside its range (%g, %g]",
                         cap, c.defs[i].name, c.defs[i].lo, c.defs[i].hi);
            goto done;
        }
        c.defs[i].hi = cap;
    }
    unsigned long mask = o->evaluate_only ? 0 : o->fit_mask;
    if (mask == 0 && !o->evaluate_only) {
        /* a parameter moves the loss when it moves the fit to the data: the ridge alone (which
         * moves with every parameter) does not count, or a parameter the data do not see (rho in
         * the one-factor models) would be fitted too */
        c.no_ridge = 1;
        c.np = 0;
        double y0[PF_MAXP] = {0};
        const double base = loss(&c, y0); /* np = 0: the start itself */
        for (int i = 0; i < c.md->nparams; i++) {
            const vr_param_def *d = &c.defs[i];
            c.np = 1;
            c.pidx[0] = i;
            c.y0[0] = start_y(d, vr_param_get(&o->start, d), 0);
            c.yc[0] = o->ridge_centre ? start_y(d, vr_param_get(o->ridge_centre, d), 0) : c.y0[0];
            double y = c.y0[0] + 0.1;
            const double l1 = loss(&c, &y);
            y = c.y0[0] - 0.1;
            const double l2 = loss(&c, &y);
            if (fabs(l1 - base) > 1e-6 * base || fabs(l2 - base) > 1e-6 * base)
                mask |= 1ul << i;
        }
        c.no_ridge = 0;
    }
    c.np = 0;
    for (int i = 0; i < c.md->nparams; i++)
        if (mask & (1ul << i)) {
            c.pidx[c.np] = i;
            const int named = (o->fit_mask >> i) & 1ul;
            c.y0[c.np] = start_y(&c.defs[i], vr_param_get(&o->start, &c.defs[i]), named);
            c.yc[c.np] = o->ridge_centre ? start_y(&c.defs[i], vr_param_get(o->ridge_centre, &c.defs[i]), named)
                                         : c.y0[c.np];
            c.np++;
        }
    if (c.np == 0 && !o->evaluate_only) {
        st = vr_fail(err, VR_EINVAL, "pricing fit: no parameter to fit moves the loss");
        goto done;
    }
    double y[PF_MAXP], fbest;
    memcpy(y, c.y0, sizeof y);
    c.evals = 0;
    int conv = 1;
    if (o->evaluate_only) {
        fbest = loss(&c, y); /* np = 0: the start itself, no ridge */
        if (!(fbest < PF_BAD)) {
            st = vr_fail(err, VR_ENUM, "pricing fit: the set to evaluate cannot price the fit days");
            goto done;
        }
    } else {
        conv = nelder_mead(&c, y, o->max_eval / 2, &fbest);
        /* one restart from the best point (a collapsed simplex can stall) */
        conv = nelder_mead(&c, y, o->max_eval, &fbest);
        if (!(fbest < PF_BAD)) {
            st = vr_fail(err, VR_ENUM, "pricing fit: no valid parameter set found from the start");
            goto done;
        }
    }
    vr_sv_params p;
    params_of(&c, y, &p);
    pf_means m;
    if (eval_means(&c, &p, &m) != 0) {
        st = vr_fail(err, VR_ENUM, "pricing fit: the optimum does not validate");
        goto done;
    }
    /* a future the model cannot price at the optimum is a failure, as VVIX is (it entered the
     * loss and the futures RMS as a constant 100 per price, unreported) */
    for (size_t k = 0; k < c.nsel; k++)
        if (c.fut_bad[k] > 0) {
            const vr_pfit_day *d = &days[sel[k]];
            vr_vix_coef cc[4];
            coefs(c.ops, &p, cc);
            double x[VR_FACTORS_MAX] = {0}, F = NAN;
            vr_state_from_term_c(c.ops, &cc[0], &cc[2], d->vix, d->idx[1], x);
            const int mf = d->nfut < o->max_fut ? d->nfut : o->max_fut;
            char ds[16];
            vr_history_format_date(d->date, ds);
            for (int j = 0; j < mf; j++) {
                vr_err e = {0};
                const vr_status fs =
                    c.law ? c.ops->vix_law_eval(c.law, c.fidx[k * VR_PFIT_MAXF + j], x, &F, NULL, &e)
                          : c.ops->vix_future(&p, x, d->fut_T[j], &F, &e);
                if (fs != VR_OK || !(F > 0)) {
                    st = vr_fail(err, VR_ENUM, "pricing fit: future %d on %s "
                                 "(%g years) at the optimum: %s", j + 1, ds, d->fut_T[j],
                                 fs != VR_OK ? e.msg : "not a positive price");
                    goto done;
                }
            }
        }
    for (size_t k = 0; k < c.nvsel; k++)
        if (c.st_vv[k] != VR_OK) {
            st = vr_fail(err, c.st_vv[k], "pricing fit: VVIX at the optimum: %s", c.err_vv[k].msg);
            goto done;
        }
    r->type = o->type;
    r->start = o->start;
    r->est = p;
    r->fit_mask = mask;
    r->loss = fbest;
    r->evals = c.evals;
    r->converged = conv;
    r->n_days = c.nsel;
    r->n_fut = m.n_fut;
    r->n_vvix = m.n_vvix;
    r->n_clamped = m.clamped;
    r->rms_fut = sqrt(m.fut);
    r->rms_vvix = sqrt(m.vvix);
    r->rms_vix = sqrt(m.vix);
    r->mean_v = m.vbar;
    r->v_target = o->v_target > 0 && o->w_v > 0 ? o->v_target : 0;
    r->w_reach = o->w_reach;
    r->first_date = days[sel[0]].date;
    r->last_date = days[sel[c.nsel - 1]].date;
    {
        /* per index RMS */
        vr_vix_coef cc[4];
        coefs(c.ops, &p, cc);
        double s[VR_PFIT_NIDX] = {0};
        for (size_t k = 0; k < c.nsel; k++) {
            const vr_pfit_day *d = &days[sel[k]];
            double x[VR_FACTORS_MAX] = {0};
            vr_state_from_term_c(c.ops, &cc[0], &cc[2], d->vix, d->idx[1], x);
            for (int j = 0; j < VR_PFIT_NIDX; j++)
                if (d->idx[j] > 0) {
                    s[j] += sq(log(vr_vix_level_x(&cc[1 + j], x, c.ops->nfactors) / d->idx[j]));
                    r->n_idx[j]++;
                }
        }
        for (int j = 0; j < VR_PFIT_NIDX; j++)
            r->rms_idx[j] = r->n_idx[j] ? sqrt(s[j] / (double)r->n_idx[j]) : NAN;
    }
    table_fill(&c, &p, r);
done:
    free(usable);
    free(sel);
    free(vsel);
    free(c.e_idx);
    free(c.e_fut);
    free(c.e_vix);
    free(c.v_day);
    free(c.n_idx);
    free(c.n_fut);
    free(c.clamped);
    free(c.fut_bad);
    free(c.e_vv);
    free(c.ok_vv);
    free(c.st_vv);
    free(c.err_vv);
    free(c.hT);
    free(c.fidx);
    if (c.law)
        c.ops->vix_law_free(c.law);
    return st;
}

/* never nan, nor a 0 that nothing measured (vr_calib.h) */
const char *vr_pfit_rms_str(double rms, size_t n, char buf[16])
{
    if (n == 0 || !isfinite(rms))
        snprintf(buf, 16, "n/a");
    else
        snprintf(buf, 16, "%.4f", rms);
    return buf;
}

void vr_pfit_print(FILE *f, const vr_pfit_result *r)
{
    const vr_model_def *md = vr_model_def_of(r->type);
    char d0[16], d1[16];
    fprintf(f, "pricing calibration of %s on %zu days %s..%s: loss %.6g after %d evaluations (%s)\n",
            md ? md->name : "?", r->n_days, vr_history_format_date(r->first_date, d0),
            vr_history_format_date(r->last_date, d1), r->loss, r->evals,
            r->converged ? "converged" : "NOT converged: evaluation limit");
    fprintf(f, "  %-8s %12s %12s\n", "param", "start", "pricing");
    for (int i = 0; md && i < md->nparams; i++) {
        const vr_param_def *d = &md->params[i];
        fprintf(f, "  %-8s %12.6g %12.6g%s\n", d->name, vr_param_get(&r->start, d),
                vr_param_get(&r->est, d), (r->fit_mask >> i) & 1 ? "" : "   (held)");
    }
    /* a group nothing was fitted in: n/a */
    char ri[VR_PFIT_NIDX][16], rf[16], rv[16];
    for (int j = 0; j < VR_PFIT_NIDX; j++)
        vr_pfit_rms_str(r->rms_idx[j], r->n_idx[j], ri[j]);
    fprintf(f, "  RMS log error: VIX %.4f (%zu days outside the model's reach), VIX9D %s (%zu), "
            "VIX3M %s (%zu), VIX6M %s (%zu), futures %s (%zu), VVIX %s (%zu day%s)\n",
            r->rms_vix, r->n_clamped, ri[0], r->n_idx[0], ri[1], r->n_idx[1], ri[2], r->n_idx[2],
            vr_pfit_rms_str(r->rms_fut, r->n_fut, rf), r->n_fut, vr_pfit_rms_str(r->rms_vvix, r->n_vvix, rv),
            r->n_vvix, r->n_vvix == 1 ? "" : "s");
    if (r->v_target > 0)
        fprintf(f, "  mean backed-out v %.5f (vol %.1f%%) against the anchor %.5f (vol %.1f%%: the "
                "realised SPX variance less its jump part)\n", r->mean_v, 100 * sqrt(r->mean_v),
                r->v_target, 100 * sqrt(r->v_target));
    if (r->w_reach > 0)
        fprintf(f, "  reach penalty %g x %zu of %zu fit days outside the model's reach = %.4g of the "
                "loss\n", r->w_reach, r->n_clamped, r->n_days,
                r->n_days ? r->w_reach * (double)r->n_clamped / (double)r->n_days : 0.0);
    static const char *const row[VR_PFIT_NTAB] = {"30-day future / VIX", "60-day future / VIX",
                                                  "VIX3M / VIX", "VVIX"};
    fprintf(f, "\n| by VIX bucket | <15 data | <15 model | 15-20 data | 15-20 model | 20-30 data | "
            "20-30 model | >=30 data | >=30 model |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int j = 0; j < VR_PFIT_NTAB; j++) {
        fprintf(f, "| %s |", row[j]);
        for (int b = 0; b < VR_REALISM_NB; b++) {
            if (r->tab_n[j][b] == 0)
                fprintf(f, " n/a | n/a |");
            else
                fprintf(f, j == 3 ? " %.1f | %.1f |" : " %.3f | %.3f |", r->tab_data[j][b],
                        r->tab_model[j][b]);
        }
        fprintf(f, "\n");
    }
}
