/* book.c: the per-path state machine of a policy: a rolling SPX iron condor and its hedge layers
 * (rules in docs/book.md). Runs once per path per trading day, after the path generator has
 * advanced the state; reads only the market view of that path and the pricing marks, so it never
 * sees the future (no look-ahead: a trigger computed from today's close trades at today's marks).
 *
 * What the book holds is a list of positions (book_internal.h); marking, settlement and trading
 * costs go through the instrument kind (the pricing layer's kind table: one mark function for all
 * kinds; the payoff at expiry and the half-spread by underlying here), so a new kind needs no new
 * control flow. The hedge layers' rules are tables at the end of this file: one entry per trigger
 * condition, per action and per exit rule, each a name and an evaluation function.
 *
 * Cash flows are USD, discounted to time 0 at the pricing rate; every trade crosses a half-spread
 * per contract per leg and pays a commission per contract per leg. Sums over a structure's legs
 * run shorts first, then longs, in slot order (a fixed order: the P&L is reproducible bit for bit).
 *
 * Every trade of a position also goes through leg_flow, which books it by owner (the attribution:
 * the mid to the position's owner, the costs to whoever decided the trade) and, on logged paths,
 * into the trade log; the cash arithmetic above it is left as it was, so the P&L keeps its bits and
 * the attribution adds up to it to rounding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_internal.h"

#define MULT 100.0           /* index option multiplier, USD per point */
#define SPX_GRID 5.0
#define VIX_GRID 1.0
#define DAY (1.0 / 252.0)    /* one trading day in years */

#define EXPIRING VR_BOOK_EXPIRING

/* ---- market view -------------------------------------------------------------------------- */

void vr_mkt_init(vr_mkt *m, double S, const double *x, const vr_pricing *pr)
{
    memset(m, 0, sizeof *m);
    vr_mkt_update(m, 0, 0.0, S, x, pr);
    for (int i = 0; i < VR_VIX_HIST; i++)
        m->vix_hist[i] = m->vix;
    m->peak_S = S;
}

void vr_mkt_update(vr_mkt *m, int day, double t, double S, const double *x, const vr_pricing *pr)
{
    const int nf = vr_pricing_model(pr)->nfactors;
    m->day = day;
    m->t = t;
    m->S = S;
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        m->x[j] = j < nf && x[j] > 0 ? x[j] : 0;
    m->vix = vr_pricing_vix(pr, m->x);
    m->vix3m = vr_pricing_vix3m(pr, m->x);
    m->peak_S = S > m->peak_S ? S : m->peak_S;
    m->disc = exp(-vr_pricing_rate(pr) * t);
    m->vix_hist[day % VR_VIX_HIST] = m->vix;
}

vr_state vr_mkt_state(const vr_mkt *m)
{
    vr_state s = {m->t, m->S, {0}};
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        s.x[j] = m->x[j];
    return s;
}

/* The market state as of an expiry `tau` years ahead: marks computed at it see exactly tau. */
static vr_state state_at(const vr_mkt *m)
{
    vr_state s = vr_mkt_state(m);
    s.t = 0;
    return s;
}

void vr_book_init(vr_book *b, const vr_policy *p)
{
    memset(b, 0, sizeof *b);
    for (int l = 0; l < VR_MAX_LAYERS; l++)
        b->first[l] = -1;
    for (int i = 0; i < VR_BOOK_MAX_POS; i++)
        b->pos[i].mark_day = -1;
    (void)p;
}

/* ---- positions: marks, payoffs, costs (generic over kinds) --------------------------------- */

/* Today's mark of position q: the evaluator's, or one through the pricing layer now. */
static const vr_pos_mark *pos_mark(vr_position *q, const vr_mkt *m, const vr_pricing *pr)
{
    if (q->mark_day != m->day) {
        const vr_state s = vr_mkt_state(m);
        const vr_mark mk = vr_pricing_mark(pr, &q->inst, &s, 0);
        q->mark = vr_pos_mark_of(&mk);
        q->mark_day = m->day;
    }
    return &q->mark;
}

/* Value at expiry per unit (cash settlement on the day's S and VIX). */
static double payoff(const vr_instrument *in, const vr_mkt *m)
{
    const double u = vr_inst_kind_get(in->kind)->underlying == VR_UL_SPX ? m->S : m->vix;
    if (!vr_inst_kind_get(in->kind)->has_strike)
        return u;
    return in->cp > 0 ? fmax(u - in->strike, 0) : fmax(in->strike - u, 0);
}

/* Half-spread per contract of a trade in the instrument (index points). */
static double half_spread(const vr_condor_rules *r, const vr_instrument *in)
{
    return vr_inst_kind_get(in->kind)->underlying == VR_UL_SPX ? r->half_spread : r->vix_half_spread;
}

static void pos_open(vr_book *b, int slot, int kind, int cp, double strike, double t_exp, int sign,
                     double qty, int layer)
{
    vr_position *q = &b->pos[slot];
    b->open_mask |= 1u << slot;
    memset(q, 0, sizeof *q);
    q->inst = (vr_instrument){kind, cp, strike, t_exp};
    q->open = 1;
    q->sign = (int8_t)sign;
    q->qty = qty;
    q->layer = (int8_t)layer;
    q->mark_day = -1;
}

static void pos_close(vr_book *b, int slot)
{
    b->pos[slot].open = 0;
    b->open_mask &= ~(1u << slot);
}

/* ---- accounting and the trade log ------------------------------------------------------------ */

static void log_trade(vr_book *b, const vr_position *q, const vr_mkt *m, double qty, double price,
                      double cash, int trader, const char *reason)
{
    vr_trade_log *lg = b->log;
    if (lg->failed)
        return;
    if (lg->n == lg->cap) {
        const size_t cap = lg->cap ? 2 * lg->cap : 64;
        vr_trade *rec = realloc(lg->rec, cap * sizeof *rec);
        if (rec == NULL) {
            lg->failed = 1;
            return;
        }
        lg->rec = rec;
        lg->cap = cap;
    }
    vr_trade *t = &lg->rec[lg->n++];
    memset(t, 0, sizeof *t);
    t->path = b->log_path;
    t->day = m->day;
    t->expiry_day = (int32_t)floor(q->inst.t_exp / DAY + 0.5);
    t->layer = (int8_t)trader;
    t->kind = (int8_t)q->inst.kind;
    t->cp = (int8_t)q->inst.cp;
    t->strike = vr_inst_kind_get(q->inst.kind)->has_strike ? q->inst.strike : 0;
    t->qty = qty;
    t->price = price;
    t->cash = cash;
    snprintf(t->reason, sizeof t->reason, "%s", reason);
}

/* Book one trade of position q (all its contracts) by owner: dir +1 buys, -1 sells, at `mid` per
 * unit; costs 1 crosses the half-spread and pays the commission (a trade), 0 does not (settlement
 * at expiry). The mid goes to q's owner, the costs to `trader` (the layer that decided the trade,
 * VR_LAYER_CONDOR for the condor's rules); the caller books the cash itself. */
static void leg_flow(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_position *q,
                     int dir, double mid, int costs, int trader, const char *reason)
{
    const double hs = costs ? half_spread(r, &q->inst) : 0, comm = costs ? r->commission : 0;
    const double mid_usd = -dir * mid * MULT * q->qty;
    const double cost_usd = (hs * MULT + comm) * q->qty;
    const int o = q->layer + 1, t = trader + 1;
    b->attr[o] += m->disc * mid_usd;
    b->attr[t] -= m->disc * cost_usd;
    if (dir == q->sign) /* premium of a position opened: paid for a long, collected for a short */
        b->outlay[o] -= m->disc * mid_usd;
    b->outlay[t] += m->disc * cost_usd;
    if (b->log)
        log_trade(b, q, m, dir * q->qty, mid + dir * hs, mid_usd - cost_usd, trader, reason);
}

/* Book the positions of slots [i0, i1) closing at their marks (or settling at their payoff). */
static void legs_close_flow(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, int i0, int i1,
                            int settle, int trader, const char *reason)
{
    for (int i = i0; i < i1; i++) {
        const vr_position *q = &b->pos[i];
        if (q->open)
            leg_flow(b, r, m, q, -q->sign, settle ? payoff(&q->inst, m) : q->mark.price, !settle,
                     trader, reason);
    }
}

/* Cost to close the open positions of slots [i0, i1) per unit, shorts first then longs; `what`
 * picks the price (0) or the vega (1) of each mark, or the payoff at expiry (2). */
static double group_value(vr_book *b, int i0, int i1, const vr_mkt *m, const vr_pricing *pr, int what)
{
    double v = 0;
    for (int pass = 0; pass < 2; pass++) {
        const int sign = pass == 0 ? -1 : +1;
        for (int i = i0; i < i1; i++) {
            vr_position *q = &b->pos[i];
            if (!q->open || q->sign != sign)
                continue;
            const double x = what == 2 ? payoff(&q->inst, m)
                             : what == 1 ? pos_mark(q, m, pr)->vega : pos_mark(q, m, pr)->price;
            v = pass == 0 ? v + x : v - x;
        }
    }
    return v;
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

/* One option `tau` years from now, marked at today's state. */
static vr_mark mark_ahead(const vr_pricing *pr, const vr_mkt *m, int kind, int cp, double k,
                          double tau, unsigned want)
{
    const vr_instrument in = {kind, cp, k, tau};
    const vr_state s = state_at(m);
    return vr_pricing_mark(pr, &in, &s, want);
}

typedef struct strike_ctx { const vr_pricing *pr; const vr_mkt *m; double tau; int cp; } strike_ctx;
static double spx_absdelta(const void *vc, double k)
{
    const strike_ctx *c = vc;
    return fabs(mark_ahead(c->pr, c->m, VR_INST_SPX_OPTION, c->cp, k, c->tau, 0).delta);
}

/* The strike on the 5-point grid whose |spot delta| is closest to `target` (cp = -1 put, +1 call),
 * walking the grid from a Black-Scholes guess at the ATM vol. */
static double pick_spx_strike(const vr_pricing *pr, const vr_mkt *m, double tau, int cp, double target)
{
    const double fwd = m->S * exp((vr_pricing_rate(pr) - vr_pricing_dividend(pr)) * tau);
    const double atm = mark_ahead(pr, m, VR_INST_SPX_OPTION, 1, fwd, tau, 0).vol;
    const double sd = (atm > 0.01 ? atm : 0.01) * sqrt(tau);
    /* |delta| ~ N(-|d1|): a 16-delta strike sits about one standard deviation out */
    const double z = target >= 0.5 ? 0 : target > 0.3 ? 0.5 : target > 0.2 ? 0.8 : target > 0.12 ? 1.0 : 1.4;
    double k = grid_round(fwd * exp(cp * z * sd), SPX_GRID);
    if (k < SPX_GRID)
        k = SPX_GRID;
    const strike_ctx c = {pr, m, tau, cp};
    return grid_walk(k, SPX_GRID, cp * SPX_GRID, target, spx_absdelta, &c);
}

/* ---- condor ----------------------------------------------------------------------------------- */

enum { LONG_PUT = 0, SHORT_PUT = 1, SHORT_CALL = 2, LONG_CALL = 3 };
#define LEG(b, i) (&(b)->pos[i])
#define LEG_K(b, i) ((b)->pos[i].inst.strike)

/* Cost to close the condor per unit at mid (shorts - longs). */
static double condor_value(vr_book *b, const vr_mkt *m, const vr_pricing *pr)
{
    return group_value(b, 0, VR_CONDOR_LEGS, m, pr, 0);
}

/* Pay to close `nlegs` legs worth `value` per unit (mid). */
static void pay(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value, int nlegs)
{
    const double hs = half_spread(r, &LEG(b, 0)->inst);
    const double usd = (value + nlegs * hs) * MULT * b->qty + nlegs * r->commission * b->qty;
    b->cash -= m->disc * usd;
}

static void receive(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value, int nlegs)
{
    const double hs = half_spread(r, &LEG(b, 0)->inst);
    const double usd = (value - nlegs * hs) * MULT * b->qty - nlegs * r->commission * b->qty;
    b->cash += m->disc * usd;
}

static void set_leg(vr_book *b, int i, double k, double t_exp, int owner)
{
    pos_open(b, i, VR_INST_SPX_OPTION, i < 2 ? -1 : +1, k, t_exp,
             i == SHORT_PUT || i == SHORT_CALL ? -1 : +1, b->qty, owner);
}

static void condor_open(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_pricing *pr)
{
    const double tau = expiry_tau(r->dte);
    const double sp = pick_spx_strike(pr, m, tau, -1, r->short_delta);
    const double sc = pick_spx_strike(pr, m, tau, +1, r->short_delta);
    double k[4];
    k[1] = sp;
    k[2] = sc > sp ? sc : sp + SPX_GRID;
    k[0] = k[1] - r->wing_width;
    k[3] = k[2] + r->wing_width;
    if (k[0] < SPX_GRID)
        k[0] = SPX_GRID;
    b->qty = r->contracts;
    const double t_exp = m->t + tau;
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        set_leg(b, i, k[i], t_exp, VR_LAYER_CONDOR);
    b->open = 1;
    b->entry_S = m->S;
    b->trades++;
    const double value = condor_value(b, m, pr);
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        LEG(b, i)->entry = LEG(b, i)->mark.price;
    b->credit = value;
    receive(b, r, m, value, 4);
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        leg_flow(b, r, m, LEG(b, i), LEG(b, i)->sign, LEG(b, i)->mark.price, 1, VR_LAYER_CONDOR, "open");
}

static void condor_shut(vr_book *b, const vr_condor_rules *r)
{
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        pos_close(b, i);
    b->open = 0;
    b->wait = (int)r->reentry_days;
}

/* Close the tested vertical (put side if side < 0) and reopen it at `to_delta`, same expiry; the
 * new legs belong to `trader` (the condor's roll rule or a roll_tested layer), who pays the costs. */
static void roll_side(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_pricing *pr,
                      int side, double to_delta, int trader, const char *reason)
{
    const double t_exp = LEG(b, 0)->inst.t_exp;
    const double tau = t_exp - m->t;
    if (tau <= 2 * DAY)
        return;
    const int s = side < 0 ? SHORT_PUT : SHORT_CALL, l = side < 0 ? LONG_PUT : LONG_CALL;
    const double old = pos_mark(LEG(b, s), m, pr)->price - pos_mark(LEG(b, l), m, pr)->price;
    pay(b, r, m, old, 2);
    leg_flow(b, r, m, LEG(b, s), -LEG(b, s)->sign, LEG(b, s)->mark.price, 1, trader, reason);
    leg_flow(b, r, m, LEG(b, l), -LEG(b, l)->sign, LEG(b, l)->mark.price, 1, trader, reason);
    double k[4];
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        k[i] = LEG_K(b, i);
    const double ks = pick_spx_strike(pr, m, tau, side, to_delta);
    k[s] = ks;
    k[l] = side < 0 ? ks - r->wing_width : ks + r->wing_width;
    if (k[l] < SPX_GRID)
        k[l] = SPX_GRID;
    /* keep the condor's shape: the short put stays below the short call */
    if (k[1] >= k[2]) {
        if (side < 0) { k[1] = k[2] - SPX_GRID; k[0] = k[1] - r->wing_width; }
        else { k[2] = k[1] + SPX_GRID; k[3] = k[2] + r->wing_width; }
    }
    const vr_mark ms = mark_ahead(pr, m, VR_INST_SPX_OPTION, side, k[s], tau, 0);
    const vr_mark ml = mark_ahead(pr, m, VR_INST_SPX_OPTION, side, k[l], tau, 0);
    const double nw = ms.price - ml.price;
    receive(b, r, m, nw, 2);
    b->credit += nw - old;
    /* The rolled side's new legs keep the marks just computed (tau = t_exp - t, as every open
     * leg's); the other side's legs are marked again by the same single-mark function, so all
     * four come from one function after a roll. */
    for (int i = 0; i < VR_CONDOR_LEGS; i++) {
        if (i == s || i == l) {
            set_leg(b, i, k[i], t_exp, trader);
            LEG(b, i)->mark = vr_pos_mark_of(i == s ? &ms : &ml);
            LEG(b, i)->mark_day = m->day;
            LEG(b, i)->entry = LEG(b, i)->mark.price;
            leg_flow(b, r, m, LEG(b, i), LEG(b, i)->sign, LEG(b, i)->mark.price, 1, trader, reason);
        } else {
            LEG(b, i)->mark_day = -1;
        }
    }
}

/* ---- hedges ------------------------------------------------------------------------------------- */

typedef struct vix_ctx { const vr_pricing *pr; const vr_mkt *m; double tau; } vix_ctx;
static double vix_delta(const void *vc, double k)
{
    const vix_ctx *c = vc;
    return mark_ahead(c->pr, c->m, VR_INST_VIX_OPTION, 1, k, c->tau, VR_MARK_VIX_DELTA).delta;
}

/* The 1-point VIX strike whose call delta (dC/dF) is closest to `target`, from the future. */
static double vix_delta_strike(const vr_pricing *pr, const vr_mkt *m, double tau, double target, double fut)
{
    double k = grid_round(fut, VIX_GRID);
    if (k < VIX_GRID)
        k = VIX_GRID;
    const vix_ctx c = {pr, m, tau};
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
static void condor_exposure(vr_book *b, const vr_condor_rules *r, const vr_mkt *m,
                            const vr_pricing *pr, double *credit_usd, double *maxloss_usd,
                            double *vega_usd)
{
    *credit_usd = b->credit * MULT * b->qty;
    *maxloss_usd = (r->wing_width - b->credit) * MULT * b->qty;
    if (*maxloss_usd < 0)
        *maxloss_usd = 0;
    const double vega = group_value(b, 0, VR_CONDOR_LEGS, m, pr, 1);
    *vega_usd = vega * 0.01 * MULT * b->qty;
}

/* The VIX future `tau` ahead at the state with v moved to vv. */
static double future_at_v(const vr_pricing *pr, const vr_mkt *m, double vv, double tau, double *vix)
{
    vr_mkt mm = *m;
    mm.x[0] = vv;
    *vix = vr_pricing_vix(pr, mm.x);
    return mark_ahead(pr, &mm, VR_INST_VIX_FUTURE, 0, 0, tau, 0).price;
}

/* Buy qty contracts of `in` for layer l at today's mark `mk` (mid) plus the half-spread and the
 * commission; returns the slot, or -1 when the layer holds VR_LAYER_MAX_POS positions already. */
static int pos_buy(vr_book *b, const vr_condor_rules *r, int l, const vr_instrument *in, double qty,
                   const vr_mark *mk, const vr_mkt *m)
{
    int slot = -1;
    for (int j = 0; j < VR_LAYER_MAX_POS && slot < 0; j++)
        if (!b->pos[vr_book_layer_slot(l, j)].open)
            slot = vr_book_layer_slot(l, j);
    if (slot < 0)
        return -1;
    const double unit = (mk->price + half_spread(r, in)) * MULT;
    pos_open(b, slot, in->kind, in->cp, in->strike, in->t_exp, +1, qty, l);
    vr_position *q = &b->pos[slot];
    q->entry = mk->price;
    q->paid = unit * qty + r->commission * qty;
    q->mark = vr_pos_mark_of(mk);
    q->mark_day = m->day;
    b->ls[l].was_above = 0;
    b->cash -= m->disc * q->paid;
    b->hedge_paid += m->disc * q->paid;
    leg_flow(b, r, m, q, +1, mk->price, 1, l, b->why);
    return slot;
}

int vr_book_buy(vr_book *b, const vr_condor_rules *r, int layer, const vr_instrument *in,
                double qty, const vr_mkt *m, const vr_pricing *pr)
{
    const vr_state s = vr_mkt_state(m);
    const vr_mark mk = vr_pricing_mark(pr, in, &s, 0);
    return pos_buy(b, r, layer, in, qty, &mk, m);
}

/* Buy the layer's VIX calls; returns 1 if a position was opened. */
static int hedge_buy(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const vr_pricing *pr)
{
    const vr_action *a = &p->layers[l].action;
    const vr_condor_rules *r = &p->condor;
    const double tau = expiry_tau(a->dte);
    const double fut = mark_ahead(pr, m, VR_INST_VIX_FUTURE, 0, 0, tau, 0).price;
    double k = !isnan(a->delta) ? vix_delta_strike(pr, m, tau, a->delta, fut)
                                : grid_round(fut * a->strike_pct, VIX_GRID);
    if (k < VIX_GRID)
        k = VIX_GRID;
    const vr_mark vm = mark_ahead(pr, m, VR_INST_VIX_OPTION, 1, k, tau, VR_MARK_VIX_DELTA);
    const vr_instrument in = {VR_INST_VIX_OPTION, 1, k, m->t + tau};
    const double unit = (vm.price + half_spread(r, &in)) * MULT;
    double qty = 0;
    double credit_usd = 0, maxloss_usd = 0, vega_usd = 0;
    if (b->open)
        condor_exposure(b, r, m, pr, &credit_usd, &maxloss_usd, &vega_usd);
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
        const double v = m->x[0];
        const double h = fmax(1e-4, 0.05 * v);
        double x1, x0;
        const double f1 = future_at_v(pr, m, v + h, tau, &x1);
        const double f0 = future_at_v(pr, m, v > h ? v - h : 0, tau, &x0);
        const double dfdx = x1 > x0 ? (f1 - f0) / (x1 - x0) : 0;
        const double sens = vm.delta * dfdx * MULT;
        qty = sens > 0 ? a->size * fabs(vega_usd) / sens : 0;
        break;
    }
    case VR_SIZE_VXTH: qty = unit > 0 ? vxth_weight(m->vix) * maxloss_usd / unit : 0; break;
    }
    qty = floor(qty + 0.5); /* whole contracts */
    if (qty <= 0)
        return 0;
    return pos_buy(b, r, l, &in, qty, &vm, m) >= 0;
}

/* Sell (or settle at expiry) an open hedge position. A position whose bid (mark - half-spread)
 * is not worth the commission is abandoned instead: no trade, no cash, the layer is free again (a
 * trader would not pay to dump a worthless option; holding it to expiry would pay 0 too). */
static void hedge_sell(vr_book *b, const vr_condor_rules *r, vr_position *q, const vr_mkt *m,
                       double price, int settle, const char *reason)
{
    double usd = settle ? price * MULT * q->qty
                        : ((price - half_spread(r, &q->inst)) * MULT - r->commission) * q->qty;
    if (usd < 0) {
        usd = 0;
        if (b->log) {
            char why[VR_TRADE_REASON];
            snprintf(why, sizeof why, "abandoned:%s", reason);
            log_trade(b, q, m, 0, 0, 0, q->layer, why);
        }
    } else {
        leg_flow(b, r, m, q, -1, price, !settle, q->layer, reason);
    }
    b->cash += m->disc * usd;
    b->hedge_recv += m->disc * usd;
    pos_close(b, (int)(q - b->pos));
}

/* ---- rule tables: triggers, exits, actions -------------------------------------------------------
 * Adding a trigger condition, an exit rule or an action is one entry in its table (plus its field
 * in vr_policy.h and its validation and parsing on the config side). */

/* What a rule sees. */
typedef struct rule_ctx {
    vr_book *b;
    const vr_policy *p;
    int l;                  /* the layer */
    const vr_mkt *m;
    const vr_pricing *pr;
    const vr_position *q;   /* exits: the position under review */
    double price, tau;      /* exits: its mark and time to expiry */
} rule_ctx;

/* A trigger condition: returns 1 if the condition is set in t, with *hit whether it holds today. */
typedef int (*trigger_fn)(const rule_ctx *c, const vr_trigger *t, int *hit);

static double vix_past(const vr_mkt *m, int n)
{
    return m->vix_hist[(m->day + VR_VIX_HIST - (n < m->day ? n : m->day)) % VR_VIX_HIST];
}

static int trig_vix_level(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    *hit = c->m->vix >= t->vix_level;
    return !isnan(t->vix_level);
}

static int trig_vix_change_pct(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    if (isnan(t->vix_change_days) || isnan(t->vix_change_pct))
        return 0;
    const double past = vix_past(c->m, (int)t->vix_change_days);
    *hit = past > 0 && (c->m->vix / past - 1) * 100 >= t->vix_change_pct;
    return 1;
}

static int trig_vix_change_pts(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    if (isnan(t->vix_change_days) || isnan(t->vix_change_pts))
        return 0;
    *hit = c->m->vix - vix_past(c->m, (int)t->vix_change_days) >= t->vix_change_pts;
    return 1;
}

static int trig_rsi(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    if (isnan(t->rsi_days))
        return 0;
    const vr_layer_state *s = &c->b->ls[c->l];
    const double rsi = s->rsi_loss > 0 ? 100 - 100 / (1 + s->rsi_gain / s->rsi_loss)
                                       : (s->rsi_gain > 0 ? 100 : 50);
    *hit = c->m->day >= (int)t->rsi_days && rsi >= t->rsi_level;
    return 1;
}

static int trig_term_ratio(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    *hit = c->m->vix3m > 0 && c->m->vix / c->m->vix3m >= t->term_ratio;
    return !isnan(t->term_ratio);
}

static int trig_drawdown(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    if (isnan(t->dd_pct))
        return 0;
    const vr_mkt *m = c->m;
    const double ref = t->dd_from_peak ? m->peak_S : (c->b->open ? c->b->entry_S : m->S);
    *hit = (1 - m->S / ref) * 100 >= t->dd_pct;
    return 1;
}

static int trig_condor_loss(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    if (isnan(t->condor_loss_pct))
        return 0;
    vr_book *b = c->b;
    const double maxloss = c->p->condor.wing_width - b->credit;
    *hit = b->open && maxloss > 0 &&
           (condor_value(b, c->m, c->pr) - b->credit) / maxloss * 100 >= t->condor_loss_pct;
    return 1;
}

static int trig_short_delta(const rule_ctx *c, const vr_trigger *t, int *hit)
{
    if (isnan(t->short_delta))
        return 0;
    vr_book *b = c->b;
    *hit = b->open && fmax(fabs(pos_mark(LEG(b, SHORT_PUT), c->m, c->pr)->delta),
                           fabs(pos_mark(LEG(b, SHORT_CALL), c->m, c->pr)->delta)) >= t->short_delta;
    return 1;
}

static const struct { const char *name; trigger_fn fn; } triggers[] = {
    {"vix_level", trig_vix_level},
    {"vix_change_pct", trig_vix_change_pct},
    {"vix_change_pts", trig_vix_change_pts},
    {"rsi", trig_rsi},
    {"term_ratio", trig_term_ratio},
    {"drawdown", trig_drawdown},
    {"condor_loss", trig_condor_loss},
    {"short_delta", trig_short_delta},
};

static int trigger_fires(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const vr_pricing *pr)
{
    const vr_trigger *t = &p->layers[l].trigger;
    vr_layer_state *s = &b->ls[l];
    /* RSI state is updated every day whether or not the layer can fire */
    const double prev = m->vix_hist[(m->day + VR_VIX_HIST - 1) % VR_VIX_HIST];
    if (!isnan(t->rsi_days) && m->day > 0) {
        const double ch = m->vix - prev, n = t->rsi_days;
        s->rsi_gain = (s->rsi_gain * (n - 1) + (ch > 0 ? ch : 0)) / n;
        s->rsi_loss = (s->rsi_loss * (n - 1) + (ch < 0 ? -ch : 0)) / n;
    }
    if (t->always) {
        if (b->log)
            snprintf(b->why, sizeof b->why, "always");
        return 1;
    }
    const rule_ctx c = {b, p, l, m, pr, NULL, 0, 0};
    int nset = 0, nhit = 0;
    if (b->log)
        b->why[0] = '\0';
    for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; i++) {
        int hit = 0;
        if (triggers[i].fn(&c, t, &hit)) {
            nset++;
            nhit += hit ? 1 : 0;
            if (hit && b->log) {
                const size_t k = strlen(b->why);
                snprintf(b->why + k, sizeof b->why - k, "%s%s", k ? "+" : "", triggers[i].name);
            }
        }
    }
    if (nset == 0)
        return 0;
    return t->any ? nhit > 0 : nhit == nset;
}

/* An exit rule: 1 if it says sell the position today. */
typedef int (*exit_fn)(const rule_ctx *c, const vr_exit *e);

static int exit_profit(const rule_ctx *c, const vr_exit *e)
{
    const double value = c->price * MULT * c->q->qty;
    return !isnan(e->profit_multiple) && value >= e->profit_multiple * c->q->paid;
}
static int exit_vix_above(const rule_ctx *c, const vr_exit *e)
{
    return !isnan(e->vix_above) && c->m->vix >= e->vix_above;
}
static int exit_vix_below(const rule_ctx *c, const vr_exit *e)
{
    return !isnan(e->vix_below) && c->b->ls[c->l].was_above && c->m->vix < e->vix_below;
}
static int exit_dte(const rule_ctx *c, const vr_exit *e)
{
    return !isnan(e->dte) && e->dte > 0 && c->tau * 365 <= e->dte + 1e-9;
}
static int exit_with_condor(const rule_ctx *c, const vr_exit *e) { return e->with_condor && !c->b->open; }

static const struct { const char *name; exit_fn fn; } exits[] = {
    {"profit_multiple", exit_profit},
    {"vix_above", exit_vix_above},
    {"vix_below", exit_vix_below},
    {"dte", exit_dte},
    {"with_condor", exit_with_condor},
};

/* An action: runs when the layer's trigger fires; returns 1 if the layer activated. */
typedef int (*action_fn)(const rule_ctx *c);

static int act_vix_call(const rule_ctx *c)
{
    if (c->b->pos[vr_book_layer_slot(c->l, 0)].open)
        return 0;
    return hedge_buy(c->b, c->p, c->l, c->m, c->pr);
}

static int act_roll_tested(const rule_ctx *c)
{
    vr_book *b = c->b;
    if (!b->open)
        return 0;
    const vr_layer *ly = &c->p->layers[c->l];
    /* roll the tested side: the short strike with the larger |delta| */
    const int side = fabs(pos_mark(LEG(b, SHORT_PUT), c->m, c->pr)->delta) >=
                     fabs(pos_mark(LEG(b, SHORT_CALL), c->m, c->pr)->delta) ? -1 : +1;
    roll_side(b, &c->p->condor, c->m, c->pr, side, ly->action.roll_to_delta, c->l, c->b->why);
    b->ls[c->l].cooldown = ly->trigger.cooldown_days;
    b->ls[c->l].confirm = 0;
    return 1;
}

/* holds: the action opens positions (the layer is "active" while they are open); otherwise it
 * is active while its trigger holds. */
static const struct { const char *name; int holds; action_fn fn; } actions[] = {
    [VR_ACTION_VIX_CALL] = {"vix_call", 1, act_vix_call},
    [VR_ACTION_ROLL_TESTED] = {"roll_tested", 0, act_roll_tested},
};

static int layer_active(const vr_book *b, const vr_policy *p, int l)
{
    if (!actions[p->layers[l].action.kind].holds)
        return b->ls[l].confirm > 0;
    for (int j = 0; j < VR_LAYER_MAX_POS; j++)
        if (b->pos[vr_book_layer_slot(l, j)].open)
            return 1;
    return 0;
}

/* Expiry, then the exit rules, for the open positions of layer l. */
static void layer_exits(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const vr_pricing *pr,
                        int last)
{
    const vr_layer *ly = &p->layers[l];
    const vr_condor_rules *r = &p->condor;
    for (int j = 0; j < VR_LAYER_MAX_POS; j++) {
        vr_position *q = &b->pos[vr_book_layer_slot(l, j)];
        if (!q->open)
            continue;
        const double tau = q->inst.t_exp - m->t;
        if (tau <= EXPIRING) {
            hedge_sell(b, r, q, m, payoff(&q->inst, m), 1, "expiry");
            b->ls[l].cooldown = ly->trigger.cooldown_days;
            continue;
        }
        /* today's mid mark, kept for the day's P&L below */
        const double price = pos_mark(q, m, pr)->price;
        if (last)
            continue;
        const vr_exit *e = &ly->exit;
        if (m->vix >= e->vix_below)
            b->ls[l].was_above = 1;
        const rule_ctx c = {b, p, l, m, pr, q, price, tau};
        int sell = 0;
        const char *rule = "";
        for (size_t i = 0; i < sizeof exits / sizeof exits[0]; i++)
            if (exits[i].fn(&c, e) && !sell) {
                sell = 1;
                rule = exits[i].name;
            }
        if (sell) {
            hedge_sell(b, r, q, m, price, 0, rule);
            b->ls[l].cooldown = ly->trigger.cooldown_days;
        }
    }
}

/* ---- one day ------------------------------------------------------------------------------------ */

void vr_book_day(vr_book *b, const vr_policy *p, const vr_mkt *m, const vr_pricing *pr, int last)
{
    const vr_condor_rules *r = &p->condor;
    b->act_today = 0;

    /* 1. condor: expiry, then the management rules */
    if (b->open) {
        const double tau = LEG(b, 0)->inst.t_exp - m->t;
        if (tau <= EXPIRING) {
            /* settlement at intrinsic (cash-settled, no costs) */
            const double val = group_value(b, 0, VR_CONDOR_LEGS, m, pr, 2);
            b->cash -= m->disc * val * MULT * b->qty;
            legs_close_flow(b, r, m, 0, VR_CONDOR_LEGS, 1, VR_LAYER_CONDOR, "expiry");
            condor_shut(b, r);
        } else {
            const double value = condor_value(b, m, pr);
            const double profit = b->credit - value;
            int close = 0;
            const char *rule = "";
            if (!last) {
                /* any rule closes; the trade log names the first that holds (checked last here) */
                if (r->exit_dte > 0 && tau * 365 <= r->exit_dte + 1e-9) {
                    close = 1;
                    rule = "exit_dte";
                }
                if (r->stop_loss > 0 && -profit >= r->stop_loss * b->credit) {
                    close = 1;
                    rule = "stop_loss";
                }
                if (r->profit_take > 0 && profit >= r->profit_take * b->credit) {
                    close = 1;
                    rule = "profit_take";
                }
            }
            if (close) {
                pay(b, r, m, value, 4);
                legs_close_flow(b, r, m, 0, VR_CONDOR_LEGS, 0, VR_LAYER_CONDOR, rule);
                condor_shut(b, r);
            } else if (!last && r->roll_delta > 0) {
                if (fabs(LEG(b, SHORT_PUT)->mark.delta) >= r->roll_delta)
                    roll_side(b, r, m, pr, -1, r->roll_to_delta, VR_LAYER_CONDOR, "roll");
                else if (fabs(LEG(b, SHORT_CALL)->mark.delta) >= r->roll_delta)
                    roll_side(b, r, m, pr, +1, r->roll_to_delta, VR_LAYER_CONDOR, "roll");
            }
        }
    }
    if (!b->open && !last) {
        if (b->wait > 0)
            b->wait--;
        else
            condor_open(b, r, m, pr);
    }

    /* 2. hedge layers: exits first, then triggers and actions */
    for (int l = 0; l < p->nlayers; l++) {
        const vr_layer *ly = &p->layers[l];
        vr_layer_state *s = &b->ls[l];
        if (s->cooldown > 0)
            s->cooldown--;
        layer_exits(b, p, l, m, pr, last);
        const int fires = trigger_fires(b, p, l, m, pr);
        s->confirm = fires ? s->confirm + 1 : 0;
        if (last || s->cooldown > 0 || !fires || s->confirm < (ly->trigger.confirm_days > 0 ? ly->trigger.confirm_days : 1))
            continue;
        if (ly->trigger.requires_previous && l > 0 && !layer_active(b, p, l - 1))
            continue;
        const rule_ctx c = {b, p, l, m, pr, NULL, 0, 0};
        if (actions[ly->action.kind].fn(&c)) {
            b->act[l]++;
            if (b->first[l] < 0)
                b->first[l] = m->day;
            b->act_today |= (uint8_t)(1u << l);
        }
    }

    /* 3. mark to market: discounted cash plus the discounted mid value of what is open */
    double pnl = b->cash;
    if (b->open)
        pnl -= m->disc * condor_value(b, m, pr) * MULT * b->qty;
    for (int i = VR_CONDOR_LEGS; i < VR_BOOK_MAX_POS; i++) {
        const vr_position *q = &b->pos[i];
        if (q->open)
            pnl += m->disc * q->sign * q->mark.price * MULT * q->qty;
    }
    b->last_pnl = pnl;
    if (last) /* the horizon: what is open goes to its owner at its discounted mark */
        for (int i = 0; i < VR_BOOK_MAX_POS; i++) {
            const vr_position *q = &b->pos[i];
            if (q->open)
                b->attr[q->layer + 1] += m->disc * q->sign * q->mark.price * MULT * q->qty;
        }
    if (pnl > b->peak_pnl)
        b->peak_pnl = pnl;
    if (b->peak_pnl - pnl > b->max_dd)
        b->max_dd = b->peak_pnl - pnl;
}
