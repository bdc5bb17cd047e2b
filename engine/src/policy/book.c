/* book.c: the per-path state machine of a policy: a rolling SPX iron condor and its hedge layers
 * (rules in docs/book.md). Runs once per path per trading day, after the path generator has
 * advanced the state; reads only the market view of that path and the pricing marks, so it never
 * sees the future (no look-ahead: a trigger computed from today's close trades at today's marks).
 *
 * Cash flows are USD, discounted to time 0 at the pricing rate; every trade crosses a half-spread
 * per contract per leg and pays a commission per contract per leg. */
#include <math.h>
#include <string.h>

#include "book_internal.h"

#define MULT 100.0           /* index option multiplier, USD per point */
#define SPX_GRID 5.0
#define VIX_GRID 1.0
#define DAY (1.0 / 252.0)    /* one trading day in years */

void vr_mkt_init(vr_mkt *m, double S, double v, const vr_marks *mk)
{
    memset(m, 0, sizeof *m);
    vr_mkt_update(m, 0, 0.0, S, v, mk);
    for (int i = 0; i < VR_VIX_HIST; i++)
        m->vix_hist[i] = m->vix;
    m->peak_S = S;
}

void vr_mkt_update(vr_mkt *m, int day, double t, double S, double v, const vr_marks *mk)
{
    m->day = day;
    m->t = t;
    m->S = S;
    m->v = v > 0 ? v : 0;
    m->vix = vr_marks_vix(mk, m->v);
    m->vix3m = vr_marks_vix3m(mk, m->v);
    m->peak_S = S > m->peak_S ? S : m->peak_S;
    m->disc = exp(-vr_marks_rate(mk) * t);
    m->vix_hist[day % VR_VIX_HIST] = m->vix;
}

void vr_book_init(vr_book *b, const vr_policy *p)
{
    memset(b, 0, sizeof *b);
    for (int l = 0; l < VR_MAX_LAYERS; l++)
        b->first[l] = -1;
    (void)p;
}

/* ---- SPX strikes ---------------------------------------------------------------------------- */

static double grid_round(double x, double g) { return g * floor(x / g + 0.5); }

/* Time to expiry of a new option with `dte` calendar days: a whole number of trading days,
 * round(dte * 252/365) (at least 1), so that the option expires exactly on a simulation day and
 * settles on S and VIX at its expiry. Settling on the first day after expiry would hand the
 * holder extra time value: a bias the martingale test shows (about -4 SE at 60,000 paths). */
static double expiry_tau(double dte)
{
    const double n = floor(dte * 252.0 / 365.0 + 0.5);
    return (n < 1 ? 1 : n) * DAY;
}

/* Walk a strike grid (step g) from k0 to the strike whose |delta| is closest to `target`.
 * `away` is the step that lowers |delta| (+g for calls, -g for puts); |delta| is monotone in the
 * strike, so the walk stops where it crosses the target and keeps the nearer of the two. */
typedef double (*absdelta_fn)(const void *ctx, double k);

static double grid_walk(double k, double g, double away, double target, absdelta_fn f, const void *ctx)
{
    double d = f(ctx, k);
    for (int it = 0; it < 2000; it++) {
        const double k2 = d > target ? k + away : k - away;
        if (k2 < g)
            break;
        const double d2 = f(ctx, k2);
        if ((d > target) != (d2 > target)) {
            if (fabs(d2 - target) < fabs(d - target))
                k = k2;
            break;
        }
        k = k2;
        d = d2;
    }
    return k;
}

typedef struct spx_ctx { const vr_marks *mk; double S, v, tau; int cp; } spx_ctx;
static double spx_absdelta(const void *vc, double k)
{
    const spx_ctx *c = vc;
    return fabs(vr_marks_spx(c->mk, c->S, c->v, k, c->tau, c->cp).delta);
}

/* The strike on the 5-point grid whose |spot delta| is closest to `target` (cp = -1 put, +1 call),
 * walking the grid from a Black-Scholes guess at the ATM vol. */
static double pick_spx_strike(const vr_marks *mk, double S, double v, double tau, int cp, double target)
{
    const double fwd = S * exp((vr_marks_rate(mk) - vr_marks_dividend(mk)) * tau);
    const double atm = vr_marks_spx(mk, S, v, fwd, tau, 1).vol;
    const double sd = (atm > 0.01 ? atm : 0.01) * sqrt(tau);
    /* |delta| ~ N(-|d1|): a 16-delta strike sits about one standard deviation out */
    const double z = target >= 0.5 ? 0 : target > 0.3 ? 0.5 : target > 0.2 ? 0.8 : target > 0.12 ? 1.0 : 1.4;
    double k = grid_round(fwd * exp(cp * z * sd), SPX_GRID);
    if (k < SPX_GRID)
        k = SPX_GRID;
    const spx_ctx c = {mk, S, v, tau, cp};
    return grid_walk(k, SPX_GRID, cp * SPX_GRID, target, spx_absdelta, &c);
}

/* ---- condor ----------------------------------------------------------------------------------- */

typedef struct legs {
    vr_spx_mark m[4];
    double value;   /* cost to close per unit at mid: shorts - longs */
} legs;

static legs mark_legs(const vr_book *b, const vr_mkt *m, const vr_marks *mk)
{
    legs L;
    const double tau = b->t_exp - m->t;
    for (int i = 0; i < 4; i++)
        L.m[i] = vr_marks_spx(mk, m->S, m->v, b->k[i], tau, i < 2 ? -1 : 1);
    L.value = L.m[1].price + L.m[2].price - L.m[0].price - L.m[3].price;
    return L;
}

/* Pay to close `nlegs` legs worth `value` per unit (mid). */
static void pay(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value, int nlegs)
{
    const double usd = (value + nlegs * r->half_spread) * MULT * b->qty + nlegs * r->commission * b->qty;
    b->cash -= m->disc * usd;
}

static void receive(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value, int nlegs)
{
    const double usd = (value - nlegs * r->half_spread) * MULT * b->qty - nlegs * r->commission * b->qty;
    b->cash += m->disc * usd;
}

static void condor_open(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_marks *mk)
{
    const double tau = expiry_tau(r->dte);
    const double sp = pick_spx_strike(mk, m->S, m->v, tau, -1, r->short_delta);
    const double sc = pick_spx_strike(mk, m->S, m->v, tau, +1, r->short_delta);
    b->k[1] = sp;
    b->k[2] = sc > sp ? sc : sp + SPX_GRID;
    b->k[0] = b->k[1] - r->wing_width;
    b->k[3] = b->k[2] + r->wing_width;
    if (b->k[0] < SPX_GRID)
        b->k[0] = SPX_GRID;
    b->t_exp = m->t + tau;
    b->qty = r->contracts;
    b->open = 1;
    b->entry_S = m->S;
    b->trades++;
    const legs L = mark_legs(b, m, mk);
    b->credit = L.value;
    receive(b, r, m, L.value, 4);
}

static void condor_close(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value)
{
    pay(b, r, m, value, 4);
    b->open = 0;
    b->wait = (int)r->reentry_days;
}

/* Close the tested vertical (put side if side < 0) and reopen it at `to_delta`, same expiry. */
static void roll_side(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_marks *mk,
                      const legs *L, int side, double to_delta)
{
    const double tau = b->t_exp - m->t;
    if (tau <= 2 * DAY)
        return;
    const int s = side < 0 ? 1 : 2, l = side < 0 ? 0 : 3;
    const double old = L->m[s].price - L->m[l].price;
    pay(b, r, m, old, 2);
    const double ks = pick_spx_strike(mk, m->S, m->v, tau, side, to_delta);
    b->k[s] = ks;
    b->k[l] = side < 0 ? ks - r->wing_width : ks + r->wing_width;
    if (b->k[l] < SPX_GRID)
        b->k[l] = SPX_GRID;
    /* keep the condor's shape: the short put stays below the short call */
    if (b->k[1] >= b->k[2]) {
        if (side < 0) { b->k[1] = b->k[2] - SPX_GRID; b->k[0] = b->k[1] - r->wing_width; }
        else { b->k[2] = b->k[1] + SPX_GRID; b->k[3] = b->k[2] + r->wing_width; }
    }
    const vr_spx_mark ms = vr_marks_spx(mk, m->S, m->v, b->k[s], tau, side);
    const vr_spx_mark ml = vr_marks_spx(mk, m->S, m->v, b->k[l], tau, side);
    const double nw = ms.price - ml.price;
    receive(b, r, m, nw, 2);
    b->credit += nw - old;
}

/* ---- hedges ------------------------------------------------------------------------------------- */

typedef struct vix_ctx { const vr_marks *mk; double v, tau; } vix_ctx;
static double vix_delta(const void *vc, double k)
{
    const vix_ctx *c = vc;
    return vr_marks_vix_call(c->mk, c->v, k, c->tau).delta;
}

/* The 1-point VIX strike whose call delta (dC/dF) is closest to `target`, from the future. */
static double vix_delta_strike(const vr_marks *mk, double v, double tau, double target, double fut)
{
    double k = grid_round(fut, VIX_GRID);
    if (k < VIX_GRID)
        k = VIX_GRID;
    const vix_ctx c = {mk, v, tau};
    return grid_walk(k, VIX_GRID, VIX_GRID, target, vix_delta, &c);
}

static double vxth_weight(double vix)
{
    /* Cboe VIX Tail Hedge index (VXTH) allocation by VIX band */
    if (vix <= 15) return 0.0;
    if (vix <= 30) return 0.01;
    if (vix <= 50) return 0.005;
    return 0.0;
}

/* Condor exposures for sizing: credit and max loss in USD, vega in USD per SPX vol point. */
static void condor_exposure(const vr_book *b, const vr_condor_rules *r, const legs *L,
                            double *credit_usd, double *maxloss_usd, double *vega_usd)
{
    *credit_usd = b->credit * MULT * b->qty;
    *maxloss_usd = (r->wing_width - b->credit) * MULT * b->qty;
    if (*maxloss_usd < 0)
        *maxloss_usd = 0;
    const double vega = L->m[1].vega + L->m[2].vega - L->m[0].vega - L->m[3].vega;
    *vega_usd = vega * 0.01 * MULT * b->qty;
}

static void hedge_buy(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const vr_marks *mk,
                      const legs *L)
{
    const vr_action *a = &p->layers[l].action;
    const vr_condor_rules *r = &p->condor;
    const double tau = expiry_tau(a->dte);
    const double fut = vr_marks_vix_future(mk, m->v, tau);
    double k = !isnan(a->delta) ? vix_delta_strike(mk, m->v, tau, a->delta, fut)
                                : grid_round(fut * a->strike_pct, VIX_GRID);
    if (k < VIX_GRID)
        k = VIX_GRID;
    const vr_vix_mark vm = vr_marks_vix_call(mk, m->v, k, tau);
    const double unit = (vm.price + r->vix_half_spread) * MULT;
    double qty = 0;
    double credit_usd = 0, maxloss_usd = 0, vega_usd = 0;
    if (b->open)
        condor_exposure(b, r, L, &credit_usd, &maxloss_usd, &vega_usd);
    switch (a->size_by) {
    case VR_SIZE_CONTRACTS: qty = a->size; break;
    case VR_SIZE_PCT_CREDIT: qty = unit > 0 ? a->size * credit_usd / unit : 0; break;
    case VR_SIZE_PCT_MAX_LOSS: {
        const double pay_unit = (a->stress_vix - k) * MULT;
        qty = pay_unit > 0 ? a->size * maxloss_usd / pay_unit : 0;
        break;
    }
    case VR_SIZE_PCT_VEGA: {
        /* hedge USD per VIX point: dC/dF * dF/dVIX (numerically, along v) */
        const double h = fmax(1e-4, 0.05 * m->v);
        const double f1 = vr_marks_vix_future(mk, m->v + h, tau);
        const double f0 = vr_marks_vix_future(mk, m->v > h ? m->v - h : 0, tau);
        const double x1 = vr_marks_vix(mk, m->v + h), x0 = vr_marks_vix(mk, m->v > h ? m->v - h : 0);
        const double dfdx = x1 > x0 ? (f1 - f0) / (x1 - x0) : 0;
        const double sens = vm.delta * dfdx * MULT;
        qty = sens > 0 ? a->size * fabs(vega_usd) / sens : 0;
        break;
    }
    case VR_SIZE_VXTH: qty = unit > 0 ? vxth_weight(m->vix) * maxloss_usd / unit : 0; break;
    }
    qty = floor(qty + 0.5); /* whole contracts */
    if (qty <= 0)
        return;
    vr_hedge *h = &b->h[l];
    h->open = 1;
    h->k = k;
    h->t_exp = m->t + tau;
    h->qty = qty;
    h->premium = unit * qty + r->commission * qty;
    h->mark = vm.price;
    h->was_above = 0;
    b->cash -= m->disc * h->premium;
    b->hedge_paid += m->disc * h->premium;
}

/* Sell (or settle at expiry) an open VIX call. A call whose bid (mark - half-spread) is not
 * worth the commission is abandoned instead: no trade, no cash, the layer is free again (a trader
 * would not pay to dump a worthless option; holding it to expiry would pay 0 too). */
static void hedge_sell(vr_book *b, const vr_condor_rules *r, vr_hedge *h, const vr_mkt *m,
                       double price, int settle)
{
    double usd = settle ? price * MULT * h->qty
                        : ((price - r->vix_half_spread) * MULT - r->commission) * h->qty;
    if (usd < 0)
        usd = 0;
    b->cash += m->disc * usd;
    b->hedge_recv += m->disc * usd;
    h->open = 0;
}

static int trigger_fires(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const legs *L)
{
    const vr_trigger *t = &p->layers[l].trigger;
    vr_hedge *h = &b->h[l];
    /* RSI state is updated every day whether or not the layer can fire */
    const double prev = m->vix_hist[(m->day + VR_VIX_HIST - 1) % VR_VIX_HIST];
    if (!isnan(t->rsi_days) && m->day > 0) {
        const double ch = m->vix - prev, n = t->rsi_days;
        h->rsi_gain = (h->rsi_gain * (n - 1) + (ch > 0 ? ch : 0)) / n;
        h->rsi_loss = (h->rsi_loss * (n - 1) + (ch < 0 ? -ch : 0)) / n;
    }
    if (t->always)
        return 1;
    int nset = 0, nhit = 0;
#define COND(set, hit) do { if (set) { nset++; nhit += (hit) ? 1 : 0; } } while (0)
    COND(!isnan(t->vix_level), m->vix >= t->vix_level);
    if (!isnan(t->vix_change_days)) {
        const int n = (int)t->vix_change_days;
        const double past = m->vix_hist[(m->day + VR_VIX_HIST - (n < m->day ? n : m->day)) % VR_VIX_HIST];
        COND(!isnan(t->vix_change_pct), past > 0 && (m->vix / past - 1) * 100 >= t->vix_change_pct);
        COND(!isnan(t->vix_change_pts), m->vix - past >= t->vix_change_pts);
    }
    if (!isnan(t->rsi_days)) {
        const double rsi = h->rsi_loss > 0 ? 100 - 100 / (1 + h->rsi_gain / h->rsi_loss)
                                           : (h->rsi_gain > 0 ? 100 : 50);
        COND(1, m->day >= (int)t->rsi_days && rsi >= t->rsi_level);
    }
    COND(!isnan(t->term_ratio), m->vix3m > 0 && m->vix / m->vix3m >= t->term_ratio);
    if (!isnan(t->dd_pct)) {
        const double ref = t->dd_from_peak ? m->peak_S : (b->open ? b->entry_S : m->S);
        COND(1, (1 - m->S / ref) * 100 >= t->dd_pct);
    }
    if (!isnan(t->condor_loss_pct)) {
        const double maxloss = p->condor.wing_width - b->credit;
        COND(1, b->open && maxloss > 0 && (L->value - b->credit) / maxloss * 100 >= t->condor_loss_pct);
    }
    if (!isnan(t->short_delta))
        COND(1, b->open && fmax(fabs(L->m[1].delta), fabs(L->m[2].delta)) >= t->short_delta);
#undef COND
    if (nset == 0)
        return 0;
    return t->any ? nhit > 0 : nhit == nset;
}

/* ---- one day ------------------------------------------------------------------------------------ */

void vr_book_day(vr_book *b, const vr_policy *p, const vr_mkt *m, const vr_marks *mk, int last,
                 const vr_spx_mark *pre)
{
    const vr_condor_rules *r = &p->condor;
    legs L;
    memset(&L, 0, sizeof L);
    b->act_today = 0;

    /* 1. condor: expiry, then the management rules */
    if (b->open) {
        const double tau = b->t_exp - m->t;
        if (tau <= 0.5 * DAY) {
            /* settlement at intrinsic (cash-settled, no costs) */
            const double S = m->S;
            const double val = fmax(b->k[1] - S, 0) + fmax(S - b->k[2], 0) - fmax(b->k[0] - S, 0)
                               - fmax(S - b->k[3], 0);
            b->cash -= m->disc * val * MULT * b->qty;
            b->open = 0;
            b->wait = (int)r->reentry_days;
        } else {
            if (pre != NULL) {
                for (int i = 0; i < 4; i++)
                    L.m[i] = pre[i];
                L.value = L.m[1].price + L.m[2].price - L.m[0].price - L.m[3].price;
            } else {
                L = mark_legs(b, m, mk);
            }
            const double profit = b->credit - L.value;
            int close = 0;
            if (!last) {
                if (r->profit_take > 0 && profit >= r->profit_take * b->credit)
                    close = 1;
                if (r->stop_loss > 0 && -profit >= r->stop_loss * b->credit)
                    close = 1;
                if (r->exit_dte > 0 && tau * 365 <= r->exit_dte + 1e-9)
                    close = 1;
            }
            if (close) {
                condor_close(b, r, m, L.value);
            } else if (!last && r->roll_delta > 0) {
                if (fabs(L.m[1].delta) >= r->roll_delta) {
                    roll_side(b, r, m, mk, &L, -1, r->roll_to_delta);
                    L = mark_legs(b, m, mk);
                } else if (fabs(L.m[2].delta) >= r->roll_delta) {
                    roll_side(b, r, m, mk, &L, +1, r->roll_to_delta);
                    L = mark_legs(b, m, mk);
                }
            }
        }
    }
    if (!b->open && !last) {
        if (b->wait > 0)
            b->wait--;
        else {
            condor_open(b, r, m, mk);
            L = mark_legs(b, m, mk);
        }
    }

    /* 2. hedge layers: exits first, then triggers */
    for (int l = 0; l < p->nlayers; l++) {
        const vr_layer *ly = &p->layers[l];
        vr_hedge *h = &b->h[l];
        if (h->cooldown > 0)
            h->cooldown--;
        if (ly->action.kind == VR_ACTION_VIX_CALL && h->open) {
            const double tau = h->t_exp - m->t;
            if (tau <= 0.5 * DAY) {
                hedge_sell(b, r, h, m, fmax(m->vix - h->k, 0), 1);
                h->cooldown = ly->trigger.cooldown_days;
            } else {
                /* today's mid mark, kept for the day's P&L below */
                const double price = vr_marks_vix_call_price(mk, m->v, h->k, tau);
                h->mark = price;
                if (!last) {
                    const vr_exit *e = &ly->exit;
                    if (m->vix >= e->vix_below)
                        h->was_above = 1;
                    const double value = price * MULT * h->qty;
                    int sell = 0;
                    if (!isnan(e->profit_multiple) && value >= e->profit_multiple * h->premium)
                        sell = 1;
                    if (!isnan(e->vix_above) && m->vix >= e->vix_above)
                        sell = 1;
                    if (!isnan(e->vix_below) && h->was_above && m->vix < e->vix_below)
                        sell = 1;
                    if (!isnan(e->dte) && e->dte > 0 && tau * 365 <= e->dte + 1e-9)
                        sell = 1;
                    if (e->with_condor && !b->open)
                        sell = 1;
                    if (sell) {
                        hedge_sell(b, r, h, m, price, 0);
                        h->cooldown = ly->trigger.cooldown_days;
                    }
                }
            }
        }
        const int fires = trigger_fires(b, p, l, m, &L);
        h->confirm = fires ? h->confirm + 1 : 0;
        if (last || h->cooldown > 0 || !fires || h->confirm < (ly->trigger.confirm_days > 0 ? ly->trigger.confirm_days : 1))
            continue;
        if (ly->trigger.requires_previous && l > 0) {
            const vr_hedge *ph = &b->h[l - 1];
            const int prev_active = p->layers[l - 1].action.kind == VR_ACTION_VIX_CALL ? ph->open : ph->confirm > 0;
            if (!prev_active)
                continue;
        }
        int activated = 0;
        if (ly->action.kind == VR_ACTION_VIX_CALL) {
            if (!h->open) {
                hedge_buy(b, p, l, m, mk, &L);
                activated = h->open;
            }
        } else if (b->open) {
            /* roll the tested side: the short strike with the larger |delta| */
            const int side = fabs(L.m[1].delta) >= fabs(L.m[2].delta) ? -1 : +1;
            roll_side(b, r, m, mk, &L, side, ly->action.roll_to_delta);
            L = mark_legs(b, m, mk);
            h->cooldown = ly->trigger.cooldown_days;
            h->confirm = 0;
            activated = 1;
        }
        if (activated) {
            b->act[l]++;
            if (b->first[l] < 0)
                b->first[l] = m->day;
            b->act_today |= (uint8_t)(1u << l);
        }
    }

    /* 3. mark to market: discounted cash plus the discounted mid value of what is open */
    double pnl = b->cash;
    if (b->open)
        pnl -= m->disc * L.value * MULT * b->qty;
    for (int l = 0; l < p->nlayers; l++) {
        const vr_hedge *h = &b->h[l];
        if (h->open)
            pnl += m->disc * h->mark * MULT * h->qty;
    }
    b->last_pnl = pnl;
    if (pnl > b->peak_pnl)
        b->peak_pnl = pnl;
    if (b->peak_pnl - pnl > b->max_dd)
        b->max_dd = b->peak_pnl - pnl;
}
