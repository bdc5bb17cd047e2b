/* model_info.c: the summary of what a model implies at a state (vr_model_info_compute) and the
 * state a date's market implies (vr_model_state_from_market); see vr_model_info.h.
 *
 * Only the model interface is used (vr_model_ops.h): the same code serves every model type, and a
 * model that adds a factor shows it without a change here. SPX implied vols come from the direct
 * European pricer (not the path tables) and Black-Scholes inversion; the 25-delta strikes solve
 * N(d1) = 0.25 (call) or 0.75 (put) with the forward delta at the option's own implied vol, by
 * safeguarded false position on ln K. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_info.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_svcj2.h"

static const struct { const char *name; int days; } k_indices[VR_INFO_NIDX] = {
    {"VIX9D", 9}, {"VIX", 30}, {"VIX3M", 93}, {"VIX6M", 183}};

int vr_model_market_factors(const vr_model *m)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    return ops != NULL && ops->nfactors > 1 && !vr_model_m_fixed(m) ? 2 : 1;
}

vr_status vr_model_state_from_market(const vr_model *m, const vr_market_day *mk, double *x,
                                     vr_err *err)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    char ds[16];
    vr_history_format_date(mk->date, ds);
    if (ops == NULL)
        return vr_fail(err, VR_EINVAL, "model type %d has no descriptor", (int)m->type);
    const vr_vix_coef c30 = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    if (!(mk->vix > 0))
        return vr_fail(err, VR_EINVAL, "%s: no VIX close in %s", ds, mk->dir);
    ops->state0(m, x); /* factors the indices do not determine keep the file's values */
    if (ops->state_from_vix2 != NULL && !vr_model_m_fixed(m)) {
        if (!(mk->vix3m > 0)) { /* name the dates the file has (the rule of SPX and VIX) */
            char why[192];
            return vr_fail(err, VR_EINVAL,
                           "%s: the model has %d variance factors, identified from VIX and VIX3M, "
                           "but %s/vix3m_daily.csv has no close on %s%s", ds, ops->nfactors, mk->dir,
                           ds, vr_market_span_why(&mk->vix3m_span, mk->date, why, sizeof why));
        }
        const vr_vix_coef c93 = ops->vix_coef(&m->pricing, VR_VIX_TAU_93D);
        vr_err e2 = {VR_OK, ""};
        if (ops->state_from_vix2(&c30, &c93, mk->vix, mk->vix3m, x, &e2) != VR_OK)
            return vr_fail(err, VR_EINVAL, "%s: VIX %g, VIX3M %g: %s", ds, mk->vix, mk->vix3m, e2.msg);
        return VR_OK;
    }
    /* one free factor, v: the floor is the VIX at v = 0 with the other factors as in the file */
    double x0[VR_FACTORS_MAX];
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        x0[j] = j == 0 ? 0.0 : x[j];
    const double floor = vr_vix_level_x(&c30, x0, ops->nfactors);
    if (mk->vix < floor)
        return vr_fail(err, VR_EINVAL,
                       "%s: VIX %g is below the model's floor %.4g (its VIX with no variance left): "
                       "no state of this model reproduces it", ds, mk->vix, floor);
    ops->state_from_vix(&c30, mk->vix, x);
    return VR_OK;
}

vr_status vr_model_start_at_market(vr_model *m, const vr_market_day *mk, double *x, vr_err *err)
{
    double f[VR_FACTORS_MAX] = {0};
    char ds[16];
    vr_status st = vr_model_state_from_market(m, mk, f, err);
    if (st != VR_OK)
        return st;
    const vr_model_def *def = vr_model_def_of(m->type);
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (def == NULL || def->nstate < ops->nfactors)
        return vr_fail(err, VR_EINVAL, "model type %d: no state entry for each of its %d factors",
                       (int)m->type, ops->nfactors);
    if (!(mk->spx > 0))
        return vr_fail(err, VR_EINVAL, "%s: no SPX close in %s",
                       vr_history_format_date(mk->date, ds), mk->dir);
    /* the state must be one the model file could hold: v0 (and m0) in their table ranges */
    for (int j = 0; j < ops->nfactors; j++)
        if (!vr_param_in_range(&def->state[j], f[j])) {
            char r[64], v3[48] = "";
            if (ops->nfactors > 1)
                snprintf(v3, sizeof v3, ", VIX3M %g", mk->vix3m);
            return vr_fail(err, VR_EINVAL, "%s: VIX %g%s: the state they imply needs %s = %.6g, "
                           "outside the model's range (%s %s)", vr_history_format_date(mk->date, ds),
                           mk->vix, v3, def->state[j].name, f[j], def->state[j].name,
                           vr_param_range_str(&def->state[j], r, sizeof r));
        }
    m->spot = mk->spx;
    /* the factors go where the model file's state goes (v0, m0): the state table's order is the
     * factors' order (state0 reads them back) */
    for (int j = 0; j < ops->nfactors; j++)
        vr_param_set(m, &def->state[j], f[j]);
    if (x != NULL)
        for (int j = 0; j < VR_FACTORS_MAX; j++)
            x[j] = f[j];
    return VR_OK;
}

/* Forward delta N(d1) of a strike at its own implied vol, minus the target; the vol in *vol. */
static vr_status delta_gap(const vr_model_ops *ops, const vr_model *m, double spot, const double *x,
                           double T, double lnk, double target, double *gap, double *vol,
                           vr_err *err)
{
    const double F = spot * exp((m->rate - m->dividend) * T);
    const double K = F * exp(lnk);
    const int call = lnk >= 0; /* price the out-of-the-money side: its digits carry the vol */
    double price;
    vr_status st = ops->spx_european(&m->pricing, spot, m->rate, m->dividend, x, K, T, call, &price,
                                     err);
    if (st != VR_OK)
        return st;
    const double s = vr_bs_implied_vol(price, spot, K, m->rate, m->dividend, T, call);
    if (!isfinite(s) || !(s > 0)) {
        /* say which bound the price broke: a call worth about the spot (a law whose price jumps'
         * compensator dominates its drift: svcj with rho_j mu_v near 1) read as a bare failure */
        const double lo = call ? fmax(spot * exp(-m->dividend * T) - K * exp(-m->rate * T), 0.0)
                               : fmax(K * exp(-m->rate * T) - spot * exp(-m->dividend * T), 0.0);
        const double hi = call ? spot * exp(-m->dividend * T) : K * exp(-m->rate * T);
        return vr_fail(err, VR_ENUM,
                       "model: no implied vol for the SPX %s at K=%g, T=%g: the pricing set's price %g lies %s "
                       "(spot %g): the pricing parameters give no usable option law at this expiry (jump "
                       "sizes or their correlation too large for the drift; vixrisk price says more)",
                       call ? "call" : "put", K, T, price,
                       price >= hi ? "at or above the no-arbitrage upper bound" :
                       price <= lo ? "at or below the intrinsic value" : "where Black's formula has no vol",
                       spot);
    }
    const double d1 = (-lnk + 0.5 * s * s * T) / (s * sqrt(T));
    *gap = 0.5 * erfc(-d1 / sqrt(2.0)) - target;
    *vol = s;
    return VR_OK;
}

/* ln(K/F) where N(d1) = target (0.25: the 25-delta call; 0.75: the 25-delta put), N(d1) falling in
 * ln K. Bracket from the ATM vol, then false position with the Illinois modification. */
static vr_status delta_strike(const vr_model_ops *ops, const vr_model *m, double spot,
                              const double *x, double T, double atm, double target, double *lnk_out,
                              double *vol_out, vr_err *err)
{
    vr_status st;
    const double sd = atm * sqrt(T);
    const double guess = (target < 0.5 ? 1.0 : -1.0) * 0.674 * sd + 0.5 * sd * sd;
    double a = 0.0, fa = 0.0, b = guess, fb = 0.0, va, vb;
    if ((st = delta_gap(ops, m, spot, x, T, a, target, &fa, &va, err)) != VR_OK)
        return st;
    for (int i = 0;; i++) {
        if ((st = delta_gap(ops, m, spot, x, T, b, target, &fb, &vb, err)) != VR_OK)
            return st;
        if ((fa > 0) != (fb > 0))
            break;
        if (i == 20)
            return vr_fail(err, VR_ENUM, "model: no 25-delta strike found at T=%g (ln K/F up to %g)",
                           T, b);
        a = b, fa = fb;
        b = 2.0 * b;
    }
    int side = 0;
    for (int it = 0; it < 100; it++) {
        const double c = (a * fb - b * fa) / (fb - fa);
        double fc, vc;
        if ((st = delta_gap(ops, m, spot, x, T, c, target, &fc, &vc, err)) != VR_OK)
            return st;
        if (fabs(fc) < 1e-10 || fabs(b - a) < 1e-12) {
            *lnk_out = c;
            *vol_out = vc;
            return VR_OK;
        }
        if ((fc > 0) == (fb > 0)) {
            b = c, fb = fc;
            if (side == -1) fa *= 0.5;
            side = -1;
        } else {
            a = c, fa = fc;
            if (side == 1) fb *= 0.5;
            side = 1;
        }
    }
    return vr_fail(err, VR_ENUM, "model: the 25-delta strike search at T=%g did not converge", T);
}

static vr_status spx_vols(const vr_model_ops *ops, const vr_model *m, double spot, const double *x,
                          int days, vr_info_spx *o, vr_err *err)
{
    const double T = days / 365.0;
    const double F = spot * exp((m->rate - m->dividend) * T);
    double gap, lk;
    vr_status st;
    o->days = days;
    if ((st = delta_gap(ops, m, spot, x, T, 0.0, 0.5, &gap, &o->atm, err)) != VR_OK)
        return st;
    if ((st = delta_strike(ops, m, spot, x, T, o->atm, 0.25, &lk, &o->call25, err)) != VR_OK)
        return st;
    o->k_call25 = F * exp(lk);
    if ((st = delta_strike(ops, m, spot, x, T, o->atm, 0.75, &lk, &o->put25, err)) != VR_OK)
        return st;
    o->k_put25 = F * exp(lk);
    return VR_OK;
}

static void long_run(const vr_model_ops *ops, const vr_sv_params *p, const vr_vix_coef *c30,
                     vr_info_measure *o)
{
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        o->mean[j] = o->feller[j] = 0.0;
    ops->stationary_mean(p, o->mean);
    ops->feller_ratio(p, o->feller);
    o->vix_mean = vr_vix_level_x(c30, o->mean, ops->nfactors);
}

vr_status vr_model_info_compute(const vr_model *m, double spot, const double *x,
                                const vr_market_day *mk, vr_model_info *out, vr_err *err)
{
    vr_status st;
    memset(out, 0, sizeof *out);
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return vr_fail(err, VR_EINVAL, "model type %d has no descriptor", (int)m->type);
    out->ops = ops;
    out->spot = spot;
    for (int j = 0; j < ops->nfactors; j++)
        out->x[j] = x[j];
    const double real[VR_INFO_NIDX] = {mk ? mk->vix9d : NAN, mk ? mk->vix : NAN,
                                       mk ? mk->vix3m : NAN, mk ? mk->vix6m : NAN};
    for (int i = 0; i < VR_INFO_NIDX; i++) {
        vr_info_index *o = &out->idx[i];
        o->name = k_indices[i].name;
        o->days = k_indices[i].days;
        o->coef = ops->vix_coef(&m->pricing, o->days / 365.0);
        o->model = vr_vix_level_x(&o->coef, x, ops->nfactors);
        o->real = real[i];
    }
    const vr_vix_coef c30 = out->idx[1].coef;
    out->vix_floor = vr_model_vix_floor(m); /* (v = 0, and m at m0 where m cannot move) */
    for (int k = 0; k < VR_INFO_NFUT; k++)
        if ((st = ops->vix_future(&m->pricing, x, (k + 1) / 12.0, &out->fut_months[k], err)) != VR_OK)
            return st;
    static const int spx_days[VR_INFO_NSPX] = {30, 91};
    for (int i = 0; i < VR_INFO_NSPX; i++)
        if ((st = spx_vols(ops, m, spot, x, spx_days[i], &out->spx[i], err)) != VR_OK)
            return st;
    if ((st = vr_model_vvix(ops, &m->pricing, x, m->rate, &out->vvix, err)) != VR_OK)
        return st;
    out->vvix_real = mk ? mk->vvix : NAN;
    if (mk != NULL)
        for (int i = 0; i < mk->nfut; i++) {
            vr_info_listed *l = &out->listed[out->nlisted];
            l->fut = mk->fut[i];
            l->days = vr_date_diff_days(mk->date, mk->fut[i].expiry);
            if (l->days <= 0)
                continue;
            if ((st = ops->vix_future(&m->pricing, x, l->days / 365.0, &l->model, err)) != VR_OK)
                return st;
            out->nlisted++;
        }
    long_run(ops, &m->physical, &c30, &out->physical);
    long_run(ops, &m->pricing, &c30, &out->pricing);
    return VR_OK;
}
