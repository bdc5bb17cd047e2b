/* book.c: the per-path state machine of a policy: a rolling SPX iron condor and its hedge layers
 * (rules in docs/book.md). Runs once per path per trading day, after the path generator has
 * advanced the state; reads only the market view of that path and the pricing marks, so it never
 * sees the future (no look-ahead: a trigger computed from today's close trades at today's marks).
 *
 * What the book holds is a list of positions (book_internal.h); marking, settlement and trading
 * costs go through the instrument kind (the pricing layer's kind table: one mark function for all
 * kinds, the multiplier and whether a kind is margined; the payoff at expiry and the half-spread by
 * underlying here), so a new kind needs no new control flow. What a hedge layer buys is a row of
 * the action kind table (vr_action_kind_of: legs, instrument kind, call/put, underlying): one
 * structure of one or two legs per activation, up to max_open of them at once. The hedge layers'
 * rules are tables at the end of this file: one entry per trigger condition, per action and per
 * exit rule, each a name and an evaluation function.
 *
 * Every position opens through book_pos_open and closes (in whole or in part, by a trade, at
 * settlement or abandoned) through book_pos_close; both book the leg's trade through book_fill,
 * the one place where the attribution by layer (the mid to the position's owner, the costs to the
 * layer that decided the trade) and the trade log are kept. The cash itself moves in book_cash,
 * once per event of a structure (its sums, in a fixed order, are the P&L's bits); the attribution
 * adds up to it to rounding.
 *
 * Cash flows are USD, discounted to time 0 at the pricing rate; every trade crosses a half-spread
 * per contract per leg (a base plus a part proportional to the VIX) and pays a commission per
 * contract per leg. Sums over the condor's legs run shorts first, then longs, in slot order; a
 * hedge structure's sums run over its legs in slot order (a fixed order: the P&L is reproducible
 * bit for bit). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_internal.h"
#include "vixrisk/vr_policy_rules.h"

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
    vr_mkt_update_d(m, day, t, exp(-vr_pricing_rate(pr) * t), S, x, pr);
}

void vr_mkt_update_d(vr_mkt *m, int day, double t, double disc, double S, const double *x,
                     const vr_pricing *pr)
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
    m->disc = disc;
    m->vix_hist[day % VR_VIX_HIST] = m->vix;
}

void vr_mkt_set_vix(vr_mkt *m, double vix)
{
    m->vix = vix;
    if (m->day == 0)
        for (int i = 0; i < VR_VIX_HIST; i++)
            m->vix_hist[i] = vix;
    else
        m->vix_hist[m->day % VR_VIX_HIST] = vix;
}

void vr_mkt_lookback(vr_mkt *m, const double *pre, int n, double spx_peak)
{
    if (n <= 0)
        return;
    if (spx_peak > m->peak_S)
        m->peak_S = spx_peak;
    if (n > VR_VIX_HIST_MAX) { /* the latest closes: no lookback reaches further */
        pre += n - VR_VIX_HIST_MAX;
        n = VR_VIX_HIST_MAX;
    }
    /* day -j at slot (-j mod VR_VIX_HIST), as vix_hist[day % VR_VIX_HIST] would put it; day d
     * overwrites day d - 64, which no lookback (at most 63 days) reads any more */
    for (int j = 1; j <= n; j++)
        m->vix_hist[(VR_VIX_HIST - j) % VR_VIX_HIST] = pre[n - j];
    m->npre = n;
}

vr_state vr_mkt_state(const vr_mkt *m)
{
    vr_state s = {m->t, m->S, {0}};
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        s.x[j] = m->x[j];
    return s;
}

/* Slots of layer l: max_open structures of its kind's legs (validation keeps the sum in range). */
static int layer_slots(const vr_layer *ly, int *legs, int *nopen)
{
    const vr_action_kind_def *ak = vr_action_kind_of(ly->action.kind);
    *legs = ak ? ak->legs : 0;
    *nopen = ly->action.max_open > 1 ? ly->action.max_open : 1;
    return *legs * *nopen;
}

int vr_book_max_pos(const vr_policy *p)
{
    int n = VR_CONDOR_LEGS, legs, nopen;
    for (int l = 0; l < p->nlayers; l++)
        n += layer_slots(&p->layers[l], &legs, &nopen);
    return n < VR_BOOK_MAX_POS ? n : VR_BOOK_MAX_POS;
}

static uint16_t trigger_set(const vr_trigger *t);

void vr_book_init(vr_book *b, const vr_policy *p)
{
    memset(b, 0, offsetof(vr_book, pos));
    int slot = VR_CONDOR_LEGS;
    for (int l = 0; l < VR_MAX_LAYERS; l++) {
        b->first[l] = -1;
        b->ls[l].last_act = b->ls[l].last_open = -1;
        int legs = 0, nopen = 0;
        const int n = l < p->nlayers ? layer_slots(&p->layers[l], &legs, &nopen) : 0;
        b->slot0[l] = (int8_t)slot;
        b->legs[l] = (int8_t)legs;
        b->nopen[l] = (int8_t)nopen;
        b->tset[l] = l < p->nlayers ? trigger_set(&p->layers[l].trigger) : 0;
        slot = slot + n < VR_BOOK_MAX_POS ? slot + n : VR_BOOK_MAX_POS;
    }
    b->nslots = slot;
    b->value_day = -1;
    b->shut_day = -1;
    memset(b->pos, 0, (size_t)slot * sizeof b->pos[0]);
    for (int i = 0; i < slot; i++)
        b->pos[i].mark_day = -1;
}

/* ---- positions: marks, payoffs, costs (generic over kinds) --------------------------------- */

/* Instrument `in` marked at the path's state of today with the clock at t (m->t, or 0 for an
 * option `t_exp` years ahead): through the path's memo of today's single marks when it has one
 * (book_internal.h), so policies that search or open the same strikes share the marks. */
static vr_mark mark_at(const vr_pricing *pr, const vr_mkt *m, const vr_instrument *in, double t,
                       unsigned want)
{
    vr_state s = vr_mkt_state(m);
    s.t = t;
    vr_mark_memo *mm = m->memo;
    if (mm == NULL)
        return vr_pricing_mark(pr, in, &s, want);
    const double tau = in->t_exp - s.t; /* the lane's input, as vr_mark_batch_set computes it */
    uint64_t ks, kt;
    memcpy(&ks, &in->strike, sizeof ks);
    memcpy(&kt, &tau, sizeof kt);
    const uint64_t h = (ks * 0x9E3779B97F4A7C15ull) ^ (kt * 0xC2B2AE3D27D4EB4Full) ^
                       ((uint64_t)(in->kind * 4 + in->cp + 1) << 32) ^ want;
    int free_slot = -1;
    for (int p = 0; p < VR_MARK_MEMO_PROBES; p++) {
        const int j = (int)(((h >> 32) ^ h) + (uint64_t)p) & (VR_MARK_MEMO_SLOTS - 1);
        vr_mark_memo_entry *e = &mm->e[j];
        if (e->stamp != mm->stamp) {
            if (free_slot < 0)
                free_slot = j;
            continue;
        }
        if (e->kind == in->kind && e->cp == in->cp && e->want == want &&
            memcmp(&e->strike, &in->strike, sizeof e->strike) == 0 && memcmp(&e->tau, &tau, sizeof tau) == 0)
            return e->mark;
    }
    const vr_mark mk = vr_pricing_mark_c(pr, in, &s, want, &mm->cache);
    mm->computed++;
    if (free_slot >= 0) {
        vr_mark_memo_entry *e = &mm->e[free_slot];
        e->stamp = mm->stamp;
        e->want = want;
        e->kind = in->kind;
        e->cp = in->cp;
        e->strike = in->strike;
        e->tau = tau;
        e->mark = mk;
    }
    return mk;
}

/* The strike search memo (book_internal.h): the remembered strike of (kind, cp, tau, target), or
 * NULL; strike_put remembers one (nothing when every entry is taken). Keys compare bit for bit. */
static const double *strike_get(const vr_mkt *m, int kind, int cp, double tau, double target)
{
    const vr_mark_memo *mm = m->memo;
    for (int i = 0; mm != NULL && i < VR_STRIKE_MEMO_SLOTS; i++) {
        const vr_strike_memo_entry *e = &mm->s[i];
        if (e->stamp == mm->stamp && e->kind == kind && e->cp == cp &&
            memcmp(&e->tau, &tau, sizeof tau) == 0 && memcmp(&e->target, &target, sizeof target) == 0)
            return &e->strike;
    }
    return NULL;
}

static double strike_put(const vr_mkt *m, int kind, int cp, double tau, double target, double strike)
{
    vr_mark_memo *mm = m->memo;
    for (int i = 0; mm != NULL && i < VR_STRIKE_MEMO_SLOTS; i++) {
        vr_strike_memo_entry *e = &mm->s[i];
        if (e->stamp != mm->stamp) {
            *e = (vr_strike_memo_entry){mm->stamp, kind, cp, tau, target, strike};
            break;
        }
    }
    return strike;
}

/* The id of instrument `in` opened today at m (book_internal.h, vr_open_memo_entry): the entry of
 * an earlier opening of the same instrument today by another policy of the path, else the next
 * free one; 0 without a memo or with every entry taken. Keys compare bit for bit. */
static uint32_t open_uid(const vr_mkt *m, const vr_instrument *in)
{
    vr_mark_memo *mm = m->memo;
    for (int i = 0; mm != NULL && i < VR_OPEN_MEMO_SLOTS; i++) {
        vr_open_memo_entry *e = &mm->o[i];
        if (e->stamp != mm->stamp)
            *e = (vr_open_memo_entry){mm->stamp, in->kind, in->cp, in->strike, in->t_exp};
        else if (!(e->kind == in->kind && e->cp == in->cp && memcmp(&e->strike, &in->strike, sizeof e->strike) == 0 &&
                   memcmp(&e->t_exp, &in->t_exp, sizeof e->t_exp) == 0))
            continue;
        return (uint32_t)m->day * VR_OPEN_MEMO_SLOTS + (uint32_t)i + 1;
    }
    return 0;
}

/* Today's mark of position q: the evaluator's, or one through the pricing layer now. */
static const vr_pos_mark *pos_mark(vr_position *q, const vr_mkt *m, const vr_pricing *pr)
{
    if (q->mark_day != m->day) {
        const vr_mark mk = mark_at(pr, m, &q->inst, m->t, 0);
        q->mark = vr_pos_mark_of(&mk);
        q->mark_day = m->day;
    }
    return &q->mark;
}

/* Value per unit of an instrument with the underlying at u: an option's intrinsic value, a
 * future's level (the value at expiry, cash-settled on the day's S and VIX; also the stress
 * payoffs of sizing). */
static double value_at(const vr_instrument *in, double u)
{
    if (!vr_inst_kind_get(in->kind)->has_strike)
        return u;
    return in->cp > 0 ? fmax(u - in->strike, 0) : fmax(in->strike - u, 0);
}

static double payoff(const vr_instrument *in, const vr_mkt *m)
{
    return value_at(in, vr_inst_kind_get(in->kind)->underlying == VR_UL_SPX ? m->S : m->vix);
}

/* Half-spread per contract of a trade in the instrument today (index points): a base plus a part
 * that grows with the VIX (quoted spreads widen in stress). */
static double half_spread(const vr_condor_rules *r, const vr_instrument *in, const vr_mkt *m)
{
    return vr_inst_kind_get(in->kind)->underlying == VR_UL_SPX ? r->half_spread + r->half_spread_vix * m->vix
                                                               : r->vix_half_spread + r->vix_half_spread_vix * m->vix;
}

/* ---- the three hooks: every position opens and closes here, every cash flow passes book_cash ---- */

/* What happens to a position: opened or closed by a trade (half-spread and commission), settled at
 * expiry (no costs), or abandoned (a sale not worth its costs: no trade, no cash). */
typedef enum cash_event { CASH_OPEN, CASH_CLOSE, CASH_SETTLE, CASH_ABANDON } cash_event;

/* A cash flow of `layer` (VR_LAYER_CONDOR or a hedge layer): usd is discounted and signed
 * (received > 0), costs the discounted half-spreads and commissions inside it (>= 0). A hedge's
 * opening is premium paid (hedge_cost); its sales and settlements are what it recovers
 * (hedge_proceeds, docs/hdf5.md), a margined future's loss at its sale included, as a negative
 * proceed: it is no premium, and counted as one it inflated the hedge budget. */
static void book_cash(vr_book *b, int layer, cash_event ev, double usd, double costs)
{
    b->cash += usd;
    b->costs += costs;
    if (layer == VR_LAYER_CONDOR)
        return;
    if (ev != CASH_OPEN || usd >= 0)
        b->hedge_recv += usd;
    else
        b->hedge_paid += -usd;
}

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
    t->owner = q->layer;
    t->kind = (int8_t)q->inst.kind;
    t->cp = (int8_t)q->inst.cp;
    t->strike = vr_inst_kind_get(q->inst.kind)->has_strike ? q->inst.strike : 0;
    t->qty = qty;
    t->price = price;
    t->cash = cash;
    snprintf(t->reason, sizeof t->reason, "%s", reason);
}

/* Book one trade of n contracts of position q by owner: dir +1 buys, -1 sells, at `mid` per unit
 * (the mark, or the payoff at settlement: ev CASH_SETTLE pays no costs; CASH_ABANDON is logged
 * only). The mid, counted from the position's basis (a margined future's cash is its change in
 * price), goes to q's owner, the costs to `trader` (the layer that decided the trade,
 * VR_LAYER_CONDOR for the condor's rules); the caller moves the cash itself (book_cash). */
static void book_fill(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_position *q, int dir,
                      double n, double mid, cash_event ev, int trader, const char *why)
{
    if (ev == CASH_ABANDON) {
        if (b->log) {
            char reason[VR_TRADE_REASON];
            snprintf(reason, sizeof reason, "abandoned:%s", why);
            log_trade(b, q, m, 0, 0, 0, trader, reason);
        }
        return;
    }
    const int costs = ev != CASH_SETTLE;
    const double mult = vr_inst_kind_get(q->inst.kind)->multiplier;
    const double hs = costs ? half_spread(r, &q->inst, m) : 0, comm = costs ? r->commission : 0;
    const double mid_usd = -dir * (mid - q->basis) * mult * n;
    const double cost_usd = (hs * mult + comm) * n;
    const int o = q->layer + 1, t = trader + 1;
    b->attr[o] += m->disc * mid_usd;
    b->attr[t] -= m->disc * cost_usd;
    if (dir == q->sign) /* premium of a position opened: paid for a long, collected for a short */
        b->outlay[o] -= m->disc * mid_usd;
    b->outlay[t] += m->disc * cost_usd;
    if (b->log)
        log_trade(b, q, m, dir * n, mid + dir * hs, mid_usd - cost_usd, trader, why);
}

/* Open a position of `qty` contracts of `in` in `slot`, owned by `owner`, bought (sign +1) or sold
 * at today's mark mk, the trade decided by `trader`; `why` names the trigger conditions (a layer)
 * or the condor rule that traded. A margined kind (a future) counts its value from the entry
 * price. The position keeps mk as today's mark; the cash goes through book_cash. */
static void book_pos_open(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, int slot, int owner, int trader,
                          const vr_instrument *in, int sign, double qty, const vr_mark *mk, const char *why)
{
    vr_position *q = &b->pos[slot];
    b->open_mask |= 1u << slot;
    b->changes++;
    if (slot < VR_CONDOR_LEGS)
        b->value_day = -1;
    memset(q, 0, sizeof *q);
    q->inst = *in;
    q->open = 1;
    q->sign = (int8_t)sign;
    q->qty = qty;
    q->layer = (int8_t)owner;
    q->entry = mk->price;
    q->basis = vr_inst_kind_get(in->kind)->margined ? mk->price : 0;
    q->mark = vr_pos_mark_of(mk);
    q->mark_day = m->day;
    q->uid = open_uid(m, in);
    book_fill(b, r, m, q, sign, qty, mk->price, CASH_OPEN, trader, why);
}

/* Close `n` contracts of the position in `slot` (all of them: the position is gone) at `price` per
 * unit (its mark, or its payoff when ev is CASH_SETTLE; CASH_ABANDON: no trade), decided by
 * `trader`; `why` names the exit rule, "expiry", "partial", or the condor rule. */
static void book_pos_close(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, int slot, double n, double price,
                           cash_event ev, int trader, const char *why)
{
    vr_position *q = &b->pos[slot];
    book_fill(b, r, m, q, -q->sign, n, price, ev, trader, why);
    b->changes++;
    if (slot < VR_CONDOR_LEGS)
        b->value_day = -1;
    if (n < q->qty) {
        q->qty -= n;
        return;
    }
    q->open = 0;
    b->open_mask &= ~(1u << slot);
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
 * `away` is the step that lowers |delta| (+g for calls, -g for puts); the walk stops where |delta|
 * crosses the target and keeps the nearer of the two. Where |delta| is monotone in the strike
 * (nearly always) that is the one crossing; where it is not (heavy jumps, v near 0, days to
 * expiry: test_strike's dip) the start decides which crossing, so the vectorised walk below
 * starts where this one does. */
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
    return mark_at(pr, m, &in, 0.0, want);
}

typedef struct strike_ctx { const vr_pricing *pr; const vr_mkt *m; double tau; int cp; } strike_ctx;
static double spx_absdelta(const void *vc, double k)
{
    const strike_ctx *c = vc;
    return fabs(mark_ahead(c->pr, c->m, VR_INST_SPX_OPTION, c->cp, k, c->tau, 0).delta);
}

/* ---- the vectorised walk --------------------------------------------------------------------
 * grid_walk over f visits k0, k0 + s, k0 + 2s, ... (s = away while f(k0) is above the target, else
 * -away) until f crosses the target, and keeps the nearer of the last two. sweep_walk takes the
 * same steps on rows of candidates marked in one kernel call each with the run's kernels (SPX:
 * vr_pricing_mark_spx_row, f = |delta|; VIX calls: vr_pricing_mark_vix_row, f = dC/dF) and asks
 * the scalar f (the walk's own function, through the memo) only where the row's value could
 * decide otherwise: within VR_SWEEP_MARGIN of the target, or of a tie between the last two
 * strikes, or a VIX lane whose vectorised implied-vol solve cannot promise to be that close (NaN).
 * The SPX kernels agree with the scalar reference to far less than the margin (SIMD surface within
 * 4 ulp or 1e-12, Black-76 within 2 ulp: |delta| within ~1e-11), the VIX row within its stated
 * bound (tests/test_strike.c), so every comparison, and the strike, is the scalar walk's, bit for
 * bit. The first row covers k0 - 3 to k0 + 4 (SPX: the direction is not known before f(k0); the
 * start is Black's strike at the smile's vol, within a few steps of the crossing: the condor's
 * 16-delta searches in the main job mark 8 candidates on average) or k0 - 1 to k0 + 6 (VIX: walks
 * start at the money and go up), later ones as many steps ahead as
 * the slope of the last two values says the crossing needs (8 to VR_SWEEP_LANES). */
typedef struct sweep_row {
    vr_sweep *w;
    const vr_pricing *pr;
    vr_state st;          /* the path's state with the clock at 0 (as mark_ahead) */
    int kind, cp;
    double tau, k0, g, away;
    absdelta_fn f;        /* the scalar walk's function */
    const void *ctx;
    long lo;              /* d[q] is f's row value at step lo + q, q < n */
    int n;
    double d[VR_SWEEP_LANES];
} sweep_row;

static void sweep_fill(sweep_row *r, long lo, int n)
{
    vr_mark_batch *b = &r->w->row;
    for (int q = 0; q < n; q++) {
        const double k = r->k0 + (double)(lo + q) * r->away;
        b->strike[q] = k >= r->g ? k : r->g; /* below the grid: never read (the walk stops) */
    }
    if (r->kind == VR_INST_SPX_OPTION) {
        vr_pricing_mark_spx_row(r->pr, r->w->kt, b, (size_t)n, &r->st, r->cp, r->tau);
        for (int q = 0; q < n; q++)
            r->d[q] = fabs(b->delta[q]);
    } else {
        vr_pricing_mark_vix_row(r->pr, r->w->kt, b, (size_t)n, &r->st, r->tau, VR_SWEEP_MARGIN / 4);
        for (int q = 0; q < n; q++)
            r->d[q] = b->delta[q];
    }
    r->w->rows++;
    r->w->lanes += (uint64_t)n;
    r->lo = lo;
    r->n = n;
}

/* Whether f at step j (row value v) is above the target, as the scalar f says. */
static int sweep_above(const sweep_row *r, long j, double v, double target)
{
    if (fabs(v - target) > VR_SWEEP_MARGIN)
        return v > target;
    r->w->exact++;
    return r->f(r->ctx, r->k0 + (double)j * r->away) > target;
}

static double sweep_walk(sweep_row *r, double target)
{
    const double k0 = r->k0;
    sweep_fill(r, r->lo, r->n); /* the first row: lo and n set by the caller */
    double d = r->d[-r->lo];
    const int above = sweep_above(r, 0, d, target);
    const long step = above ? 1 : -1;
    long j = 0;
    double dprev = d;
    for (int it = 0; it < 2000; it++) {
        const long j2 = j + step;
        const double k = k0 + (double)j * r->away, k2 = k0 + (double)j2 * r->away;
        if (k2 < r->g)
            break;
        if (j2 < r->lo || j2 >= r->lo + r->n) { /* a new row ahead, sized by the slope so far */
            const double slope = fabs(d - dprev), left = fabs(d - target);
            int n = slope > 0 && left / slope < VR_SWEEP_LANES ? (int)(left / slope * 1.25) + 4 : VR_SWEEP_LANES;
            n = n < 8 ? 8 : n > VR_SWEEP_LANES ? VR_SWEEP_LANES : (n + 7) / 8 * 8;
            sweep_fill(r, step > 0 ? j2 : j2 - n + 1, n);
        }
        const double d2 = r->d[j2 - r->lo];
        if (sweep_above(r, j2, d2, target) != above) {
            const double a = fabs(d2 - target), b = fabs(d - target);
            int nearer = a < b;
            if (!(fabs(a - b) > VR_SWEEP_MARGIN)) {
                r->w->exact++;
                nearer = fabs(r->f(r->ctx, k2) - target) < fabs(r->f(r->ctx, k) - target);
            }
            if (nearer)
                j = j2;
            break;
        }
        j = j2;
        dprev = d;
        d = d2;
    }
    return k0 + (double)j * r->away;
}

/* z with N(-z) = p (the standard normal's upper p-quantile), p clamped to [1e-9, 1 - 1e-9]:
 * Newton's method from z = 0, where N(-z) turns from concave to convex, so the steps approach the
 * root from one side without overshooting. Used for a search's starting strike only, where 1e-9
 * is more than enough (libm has no inverse of erfc). */
static double normal_tail_quantile(double p)
{
    p = p < 1e-9 ? 1e-9 : p > 1 - 1e-9 ? 1 - 1e-9 : p;
    double z = 0;
    for (int it = 0; it < 60; it++) {
        const double f = 0.5 * erfc(z * 0.70710678118654752440) - p;  /* N(-z) - p */
        const double phi = 0.39894228040143267794 * exp(-0.5 * z * z);
        const double step = f / phi;                                  /* -f / f'(z) */
        z += step;
        if (fabs(step) < 1e-9)
            break;
    }
    return z;
}

/* normal_tail_quantile(target) for a search's target: the last few targets of this thread kept
 * (a search's targets are the policies' few configured deltas, and the Newton solve, ten erfc and
 * exp calls, cost more than a scalar mark). The same function of the same bits: the same z. */
static double tail_quantile_of(double target)
{
    enum { N = 8 };
    static _Thread_local struct { uint64_t key; double z; } seen[N];
    static _Thread_local unsigned next;
    uint64_t key;
    memcpy(&key, &target, sizeof key);
    key = ~key; /* 0 is an empty entry: no target has all bits set */
    for (int i = 0; i < N; i++)
        if (seen[i].key == key)
            return seen[i].z;
    const double z = normal_tail_quantile(target);
    seen[next % N].key = key;
    seen[next % N].z = z;
    next++;
    return z;
}

/* A search the strike memo did not answer starts (search_begin) and ends with its strike
 * (search_end): counted, and timed when the evaluator times its stages (vr_sweep.timed). */
static uint64_t search_begin(const vr_mkt *m)
{
    return m->sweep != NULL && m->sweep->timed ? vr_ticks() : 0;
}

static double search_end(const vr_mkt *m, uint64_t t0, double strike)
{
    vr_sweep *w = m->sweep;
    if (w != NULL) {
        w->searches++;
        if (w->timed)
            w->ticks += vr_ticks() - t0;
    }
    return strike;
}

/* Black's strike of |delta| = N(-z) on side cp at forward fwd and total vol sd = vol sqrt(tau). */
static double black_strike(double fwd, int cp, double z, double sd)
{
    return fwd * exp(cp * z * sd + 0.5 * sd * sd);
}

/* The strike on the 5-point grid whose |spot delta| is closest to `target` (cp = -1 put, +1 call),
 * walking the grid from Black's strike for the target at the smile's vol (below). */
static double pick_spx_strike(const vr_pricing *pr, const vr_mkt *m, double tau, int cp, double target)
{
    const double *known = strike_get(m, VR_INST_SPX_OPTION, cp, tau, target);
    if (known != NULL)
        return *known;
    const uint64_t t0 = search_begin(m);
    const double fwd = m->S * exp((vr_pricing_rate(pr) - vr_pricing_dividend(pr)) * tau);
    const double rt = sqrt(tau);
    /* The walk's start: Black's strike of |delta| = target (|delta| = N(-z) at d1 = -cp z, so
     * K = F exp(cp z s + s^2 / 2), s = vol sqrt(tau)), first at the at-the-money vol, then once
     * more at the vol of that first strike, which brings in the smile: the far-out puts of a
     * put-spread hedge sit well beyond where the at-the-money vol puts them (a 2-delta search
     * walked 108 candidates from a fixed guess of 1.4 sd, 38 from this one, 29 with the
     * extrapolation below). Both walks start here: where |delta| is monotone in the strike the
     * start changes only how far the walk goes, where it is not (or on an exact tie, where the
     * walk keeps the strike it came from) it picks the crossing (grid_walk). */
    const double z = tail_quantile_of(target);
    /* (the start needs only the vols: Black's price and Greeks are not computed) */
    const double atm = mark_ahead(pr, m, VR_INST_SPX_OPTION, 1, fwd, tau, VR_MARK_VOL_ONLY).vol;
    const double k1 = black_strike(fwd, cp, z, (atm > 0.01 ? atm : 0.01) * rt);
    double k = grid_round(k1, SPX_GRID);
    if (k >= SPX_GRID) {
        const double vk = mark_ahead(pr, m, VR_INST_SPX_OPTION, cp, k, tau, VR_MARK_VOL_ONLY).vol;
        const double k2 = black_strike(fwd, cp, z, (vk > 0.01 ? vk : 0.01) * rt);
        /* the iterates fwd, k1, k2 of K -> Black's strike at K's vol converge slowly where the
         * smile is steep: Aitken's extrapolation of the three, when it goes on in k2's direction
         * by at most three of its steps and stays on the grid (candidates per search in the main
         * job: 2-delta puts 37.8 -> 28.6, 5-delta 26.0 -> 19.8, 16-delta 9.4 -> 8.0) */
        const double d1 = k1 - fwd, d2 = k2 - k1, den = d2 - d1;
        double ke = k2;
        if (den != 0 && d1 * d2 > 0) {
            const double kx = k2 - d2 * d2 / den;
            if ((kx - k2) * d2 > 0 && fabs(kx - k2) <= 3 * fabs(d2) && kx > SPX_GRID)
                ke = kx;
        }
        k = grid_round(ke, SPX_GRID);
    }
    if (k < SPX_GRID)
        k = SPX_GRID;
    const strike_ctx c = {pr, m, tau, cp};
    if (m->sweep == NULL)
        return search_end(m, t0, strike_put(m, VR_INST_SPX_OPTION, cp, tau, target,
                                            grid_walk(k, SPX_GRID, cp * SPX_GRID, target, spx_absdelta, &c)));
    sweep_row r = {.w = m->sweep, .pr = pr, .st = vr_mkt_state(m), .kind = VR_INST_SPX_OPTION, .cp = cp,
                   .tau = tau, .k0 = k, .g = SPX_GRID, .away = cp * SPX_GRID, .f = spx_absdelta, .ctx = &c,
                   .lo = -3, .n = 8};
    r.st.t = 0.0;
    return search_end(m, t0, strike_put(m, VR_INST_SPX_OPTION, cp, tau, target, sweep_walk(&r, target)));
}

double vr_book_spx_strike(const vr_pricing *pr, const vr_mkt *m, double tau, int cp, double target)
{
    return pick_spx_strike(pr, m, tau, cp, target);
}

/* ---- condor ----------------------------------------------------------------------------------- */

enum { LONG_PUT = 0, SHORT_PUT = 1, SHORT_CALL = 2, LONG_CALL = 3 };
#define LEG(b, i) (&(b)->pos[i])
#define LEG_K(b, i) ((b)->pos[i].inst.strike)

/* The condor's value per unit from its legs' prices, in the one order both ways below sum them. */
static inline double condor_sum(double short_put, double short_call, double long_put, double long_call)
{
    double v = 0;
    v = v + short_put;
    v = v + short_call;
    v = v - long_put;
    return v - long_call;
}

/* Cost to close the condor per unit at mid (shorts - longs). */
static double condor_value_now(vr_book *b, const vr_mkt *m, const vr_pricing *pr)
{
    /* All four legs open (set_leg gives each slot its sign: the shorts in slots 1 and 2): the
     * sums of group_value in its order, without its scan */
    const uint32_t all = (1u << VR_CONDOR_LEGS) - 1;
    double v = 0;
    if ((b->open_mask & all) == all) {
        const double sp = pos_mark(LEG(b, SHORT_PUT), m, pr)->price;
        const double sc = pos_mark(LEG(b, SHORT_CALL), m, pr)->price;
        const double lp = pos_mark(LEG(b, LONG_PUT), m, pr)->price;
        v = condor_sum(sp, sc, lp, pos_mark(LEG(b, LONG_CALL), m, pr)->price);
    } else {
        v = group_value(b, 0, VR_CONDOR_LEGS, m, pr, 0);
    }
    b->value = v;
    b->value_day = m->day;
    return v;
}

/* Asked two or three times a day (exits, triggers, P&L): kept for the day until a condor leg
 * opens, closes or is marked anew (b->value_day), which is when its legs' marks change. */
static inline double condor_value(vr_book *b, const vr_mkt *m, const vr_pricing *pr)
{
    if (b->value_day == m->day)
        return b->value;
    /* the day's first ask, nearly always with all four legs open and marked by the evaluator's
     * batch: condor_value_now's sums, inline (its call, able to mark a leg, cost more) */
    const vr_position *q = b->pos;
    const uint32_t all = (1u << VR_CONDOR_LEGS) - 1;
    if ((b->open_mask & all) == all && q[SHORT_PUT].mark_day == m->day && q[SHORT_CALL].mark_day == m->day &&
        q[LONG_PUT].mark_day == m->day && q[LONG_CALL].mark_day == m->day) {
        const double v = condor_sum(q[SHORT_PUT].mark.price, q[SHORT_CALL].mark.price, q[LONG_PUT].mark.price,
                                    q[LONG_CALL].mark.price);
        b->value = v;
        b->value_day = m->day;
        return v;
    }
    return condor_value_now(b, m, pr);
}

/* Costs of trading `nlegs` condor legs today, discounted USD. */
static double condor_costs(const vr_book *b, const vr_condor_rules *r, const vr_mkt *m, int nlegs)
{
    const double hs = half_spread(r, &LEG(b, 0)->inst, m);
    return m->disc * nlegs * (hs * MULT + r->commission) * b->qty;
}

/* Pay to close `nlegs` legs worth `value` per unit (mid). */
static void pay(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value, int nlegs, cash_event ev)
{
    const double hs = half_spread(r, &LEG(b, 0)->inst, m);
    const double usd = (value + nlegs * hs) * MULT * b->qty + nlegs * r->commission * b->qty;
    book_cash(b, VR_LAYER_CONDOR, ev, -(m->disc * usd), condor_costs(b, r, m, nlegs));
}

static void receive(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value, int nlegs)
{
    const double hs = half_spread(r, &LEG(b, 0)->inst, m);
    const double usd = (value - nlegs * hs) * MULT * b->qty - nlegs * r->commission * b->qty;
    book_cash(b, VR_LAYER_CONDOR, CASH_OPEN, m->disc * usd, condor_costs(b, r, m, nlegs));
}

static vr_instrument leg_inst(int i, double k, double t_exp)
{
    const vr_instrument in = {VR_INST_SPX_OPTION, i < 2 ? -1 : +1, k, t_exp};
    return in;
}

/* Open condor leg i at today's mark mk, owned and paid for by `trader` (the condor's rules, or a
 * roll_tested layer for the legs it rolled). */
static void set_leg(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, int i, const vr_instrument *in,
                    const vr_mark *mk, int trader, const char *why)
{
    book_pos_open(b, r, m, i, trader, trader, in, i == SHORT_PUT || i == SHORT_CALL ? -1 : +1, b->qty, mk, why);
}

/* The long strike of the condor's side (-1 put, +1 call) whose short strike is k_short: a fixed
 * width in points, a width in percent of spot (on the grid, at least one step), or the strike at
 * a |delta| (at least one step beyond the short). */
static double wing_strike(const vr_pricing *pr, const vr_mkt *m, const vr_condor_rules *r, double tau, int side,
                          double k_short)
{
    double k;
    if (r->wing_delta > 0) {
        k = pick_spx_strike(pr, m, tau, side, r->wing_delta);
        if (side < 0 ? k >= k_short : k <= k_short)
            k = k_short + side * SPX_GRID;
    } else {
        const double w = vr_condor_wing_points(r, m->S);
        k = side < 0 ? k_short - w : k_short + w;
    }
    return k < SPX_GRID ? SPX_GRID : k;
}

double vr_condor_wing_points(const vr_condor_rules *r, double S)
{
    if (r->wing_delta > 0)
        return NAN;
    return r->wing_pct > 0 ? fmax(SPX_GRID, grid_round(S * r->wing_pct / 100, SPX_GRID)) : r->wing_width;
}

/* The wider of the condor's two verticals, index points: its max loss is this less the credit. */
static double condor_width(const vr_book *b)
{
    return fmax(LEG_K(b, SHORT_PUT) - LEG_K(b, LONG_PUT), LEG_K(b, LONG_CALL) - LEG_K(b, SHORT_CALL));
}

/* What selling one contract of option `in` (SPX or VIX) at mid `mid` brings, USD: its bid (mid
 * less the half-spread) times the multiplier, less the commission; it can be negative. */
static double sale_net(const vr_condor_rules *r, const vr_mkt *m, const vr_instrument *in, double mid)
{
    return (mid - half_spread(r, in, m)) * vr_inst_kind_get(in->kind)->multiplier - r->commission;
}

/* Whether a short option leg at mid `mid` has no bid worth selling into: its sale brings nothing
 * (sale_net <= 0). Selling it would pay to take on the risk (a 110 call of a spot-100 model at mid
 * 0.03 and a half-spread of 0.10 sold at -0.07): the condor does not open, the tested side does
 * not roll, or a hedge spread is not bought, that day. (wing_abandoned gives up a long wing only
 * below 0: a wing that sells for exactly its commission is still sold.) */
static int short_no_bid(const vr_condor_rules *r, const vr_mkt *m, const vr_instrument *in, double mid)
{
    return sale_net(r, m, in, mid) <= 0;
}

static void condor_open(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_pricing *pr)
{
    const double tau = expiry_tau(r->dte);
    const double sp = pick_spx_strike(pr, m, tau, -1, r->short_delta);
    const double sc = pick_spx_strike(pr, m, tau, +1, r->short_delta);
    double k[4];
    k[1] = sp;
    k[2] = sc > sp ? sc : sp + SPX_GRID;
    k[0] = wing_strike(pr, m, r, tau, -1, k[1]);
    k[3] = wing_strike(pr, m, r, tau, +1, k[2]);
    const double t_exp = m->t + tau;
    /* the legs' marks at today's state (as pos_mark would mark them), then the trades, unless a
     * short has no bid (short_no_bid: no condor today; the book asks again tomorrow) */
    vr_instrument in[VR_CONDOR_LEGS];
    vr_mark mk[VR_CONDOR_LEGS];
    for (int i = 0; i < VR_CONDOR_LEGS; i++) {
        in[i] = leg_inst(i, k[i], t_exp);
        mk[i] = mark_at(pr, m, &in[i], m->t, 0);
    }
    if (short_no_bid(r, m, &in[SHORT_PUT], mk[SHORT_PUT].price) ||
        short_no_bid(r, m, &in[SHORT_CALL], mk[SHORT_CALL].price))
        return;
    b->qty = r->contracts;
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        set_leg(b, r, m, i, &in[i], &mk[i], VR_LAYER_CONDOR, "open");
    b->open = 1;
    b->entry_S = m->S;
    b->trades++;
    const double value = condor_value(b, m, pr);
    b->credit = value;
    b->credit0 = value;
    receive(b, r, m, value, 4);
}

/* Whether the condor's long leg i (LONG_PUT or LONG_CALL), marked today, would sell for less than
 * its costs: its bid (mid less the half-spread) times the multiplier below the commission, a bid
 * that may be negative (a 0.05 wing at a 0.10 half-spread). Such a wing is abandoned when its
 * side closes, as a hedge is (struct_sell): no trade, no cash, its remaining mid given up. A
 * trader does not pay to dump a worthless option; until 2026-12-07 the book sold it anyway, at a
 * negative price (about -0.09 for a 14-cent wing at exit_dte, 5 paths in 1,000 a year). */
static int wing_abandoned(const vr_book *b, const vr_condor_rules *r, const vr_mkt *m, int i)
{
    const vr_position *q = LEG(b, i);
    return sale_net(r, m, &q->inst, q->mark.price) < 0;
}

/* Close the condor at today's marks (value: its cost to close at mid, shorts less longs), decided
 * by the rule `why`: pay for the legs that trade, abandon a worthless wing (wing_abandoned), and
 * shut the book. */
static void condor_close(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, double value, const char *why)
{
    const int ap = wing_abandoned(b, r, m, LONG_PUT), ac = wing_abandoned(b, r, m, LONG_CALL);
    if (ap || ac) /* (the same sum as condor_value's, the abandoned wings at 0) */
        value = condor_sum(LEG(b, SHORT_PUT)->mark.price, LEG(b, SHORT_CALL)->mark.price,
                           ap ? 0.0 : LEG(b, LONG_PUT)->mark.price, ac ? 0.0 : LEG(b, LONG_CALL)->mark.price);
    pay(b, r, m, value, VR_CONDOR_LEGS - ap - ac, CASH_CLOSE);
    for (int i = 0; i < VR_CONDOR_LEGS; i++) {
        const int gone = (i == LONG_PUT && ap) || (i == LONG_CALL && ac);
        book_pos_close(b, r, m, i, b->qty, LEG(b, i)->mark.price, gone ? CASH_ABANDON : CASH_CLOSE,
                       VR_LAYER_CONDOR, why);
    }
    b->open = 0;
    b->shut_day = m->day;
    b->wait = (int)r->reentry_days;
}

/* Settle the condor's legs at their payoffs at expiry; the cash has been booked by the caller. */
static void condor_settle(vr_book *b, const vr_condor_rules *r, const vr_mkt *m)
{
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        book_pos_close(b, r, m, i, b->qty, payoff(&LEG(b, i)->inst, m), CASH_SETTLE, VR_LAYER_CONDOR, "expiry");
    b->open = 0;
    b->shut_day = m->day;
    b->wait = (int)r->reentry_days;
}

/* Close the tested vertical (put side if side < 0) and reopen it at `to_delta`, same expiry; the
 * new legs belong to `trader` (the condor's roll rule or a roll_tested layer), who pays the costs.
 * Returns 1 if it rolled (0: two days or less to expiry, or the new short would not lie further
 * from the money than the one held: no trade). */
static int roll_side(vr_book *b, const vr_condor_rules *r, const vr_mkt *m, const vr_pricing *pr,
                      int side, double to_delta, int trader, const char *why)
{
    const double t_exp = LEG(b, 0)->inst.t_exp;
    const double tau = t_exp - m->t;
    /* two trading days or less: tau is a whole number of days only to rounding (t is day x dt,
     * t_exp the opening day's t plus n days), one ulp above 2 days for some opening days, so the
     * test is against half a day more */
    if (tau < 2.5 * DAY)
        return 0;
    const int s = side < 0 ? SHORT_PUT : SHORT_CALL, l = side < 0 ? LONG_PUT : LONG_CALL;
    double k[4];
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        k[i] = LEG_K(b, i);
    const double ks = pick_spx_strike(pr, m, tau, side, to_delta);
    /* A roll moves the tested short away from the money, or it does not trade. A layer whose
     * trigger is not the short's delta can fire with the short at or outside roll_to_delta: the
     * strike picked is then the one held (the roll would only pay the costs) or nearer the money
     * (it would add risk on a defensive rule; until 2026-12-06 it rolled so). The condor's own
     * rule and a layer on short_delta always roll outward (roll_to_delta below the trigger's
     * delta), so the new put short stays below the call short. */
    if (side < 0 ? !(ks < k[s]) : !(ks > k[s]))
        return 0;
    k[s] = ks;
    k[l] = wing_strike(pr, m, r, tau, side, ks);
    const vr_mark ms = mark_ahead(pr, m, VR_INST_SPX_OPTION, side, k[s], tau, 0);
    const vr_mark ml = mark_ahead(pr, m, VR_INST_SPX_OPTION, side, k[l], tau, 0);
    /* the new short has no bid worth selling into: no roll (short_no_bid) */
    const vr_instrument in_s = leg_inst(s, k[s], t_exp);
    if (short_no_bid(r, m, &in_s, ms.price))
        return 0;
    const double ps = pos_mark(LEG(b, s), m, pr)->price, pl = pos_mark(LEG(b, l), m, pr)->price;
    /* the old long wing is abandoned if it would sell for less than its costs (wing_abandoned) */
    const int gone = wing_abandoned(b, r, m, l);
    const double old = gone ? ps : ps - pl;
    pay(b, r, m, old, gone ? 1 : 2, CASH_CLOSE);
    book_pos_close(b, r, m, s, b->qty, LEG(b, s)->mark.price, CASH_CLOSE, trader, why);
    book_pos_close(b, r, m, l, b->qty, LEG(b, l)->mark.price, gone ? CASH_ABANDON : CASH_CLOSE, trader, why);
    const double nw = ms.price - ml.price;
    receive(b, r, m, nw, 2);
    b->credit += nw - old;
    /* The rolled side's new legs keep the marks just computed (tau = t_exp - t, as every open
     * leg's); the other side's legs are marked again by the same single-mark function, so all
     * four come from one function after a roll. */
    for (int i = 0; i < VR_CONDOR_LEGS; i++) {
        if (i == s || i == l) {
            const vr_instrument in = leg_inst(i, k[i], t_exp);
            set_leg(b, r, m, i, &in, i == s ? &ms : &ml, trader, why);
        } else {
            LEG(b, i)->mark_day = -1;
            b->value_day = -1;
        }
    }
    return 1;
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
    const double *known = strike_get(m, VR_INST_VIX_OPTION, 1, tau, target);
    if (known != NULL)
        return *known;
    const uint64_t t0 = search_begin(m);
    double k = grid_round(fut, VIX_GRID);
    if (k < VIX_GRID)
        k = VIX_GRID;
    const vix_ctx c = {pr, m, tau};
    if (m->sweep == NULL)
        return search_end(m, t0, strike_put(m, VR_INST_VIX_OPTION, 1, tau, target,
                                            grid_walk(k, VIX_GRID, VIX_GRID, target, vix_delta, &c)));
    sweep_row r = {.w = m->sweep, .pr = pr, .st = vr_mkt_state(m), .kind = VR_INST_VIX_OPTION, .cp = 1,
                   .tau = tau, .k0 = k, .g = VIX_GRID, .away = VIX_GRID, .f = vix_delta, .ctx = &c,
                   .lo = -1, .n = 8}; /* targets below the ATM delta: the walk goes up */
    r.st.t = 0.0;
    return search_end(m, t0, strike_put(m, VR_INST_VIX_OPTION, 1, tau, target, sweep_walk(&r, target)));
}

double vr_book_vix_strike(const vr_pricing *pr, const vr_mkt *m, double tau, double target)
{
    const double fut = mark_ahead(pr, m, VR_INST_VIX_FUTURE, 0, 0, tau, 0).price;
    return vix_delta_strike(pr, m, tau, target, fut);
}

static double vxth_weight(double vix)
{
    /* Cboe VIX Tail Hedge index (VXTH) allocation by VIX band */
    if (vix <= 15) return 0.0;
    if (vix <= 30) return 0.01;
    if (vix <= 50) return 0.005;
    return 0.0;
}

/* Condor exposures for sizing, USD: the credit collected at entry (a roll that paid to move the
 * tested side does not shrink the hedge budget: it left the book more exposed, not less), the
 * max loss (the wider vertical less the net credit, rolls included) and the vega per SPX vol
 * point. */
static void condor_exposure(vr_book *b, const vr_mkt *m, const vr_pricing *pr, double *credit_usd, double *maxloss_usd,
                            double *vega_usd)
{
    *credit_usd = b->credit0 * MULT * b->qty;
    *maxloss_usd = (condor_width(b) - b->credit) * MULT * b->qty;
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
    mm.memo = NULL; /* another state than the path's */
    *vix = vr_pricing_vix(pr, mm.x);
    return mark_ahead(pr, &mm, VR_INST_VIX_FUTURE, 0, 0, tau, 0).price;
}

/* ---- hedge structures: open, value, sell ----------------------------------------------------------
 * A structure of layer l holds `legs` positions in consecutive slots from s0: leg 0 long, a second
 * leg the short leg of a vertical spread. Its premium, costs and P&L belong to the structure: the
 * premium paid sits on leg 0 (`paid`), exits compare the structure's value with it. */

/* The strike of an option of action kind ak by |delta| (if delta is set) or as a fraction `pct`
 * of `under` (spot for SPX, the VIX future for VIX), on the underlying's grid. */
static double leg_strike(const vr_pricing *pr, const vr_mkt *m, const vr_action_kind_def *ak, double tau,
                         double under, double delta, double pct)
{
    const double g = ak->spx ? SPX_GRID : VIX_GRID;
    double k;
    if (ak->spx)
        k = !isnan(delta) ? pick_spx_strike(pr, m, tau, ak->cp, delta) : grid_round(under * pct, g);
    else
        k = !isnan(delta) ? vix_delta_strike(pr, m, tau, delta, under) : grid_round(under * pct, g);
    return k < g ? g : k;
}

/* Premium per structure unit at the marks mk (mid plus the half-spread on each leg), USD; a
 * margined kind pays only the half-spreads. */
static double struct_unit(const vr_condor_rules *r, const vr_instrument *in, const vr_mark *mk, int legs,
                          const vr_mkt *m)
{
    const vr_inst_kind_info *ki = vr_inst_kind_get(in[0].kind);
    double unit = 0;
    for (int j = 0; j < legs; j++) {
        const int sign = j == 0 ? +1 : -1;
        const double pc = ki->margined ? 0 : mk[j].price;
        unit += sign * (pc + sign * half_spread(r, &in[j], m)) * ki->multiplier;
    }
    return unit;
}

/* Open qty units of the structure (in, mk: its legs and today's marks) for layer l at s0. */
static void struct_open(vr_book *b, const vr_condor_rules *r, int l, int s0, int legs, const vr_instrument *in,
                        const vr_mark *mk, double qty, const vr_mkt *m, const char *why)
{
    const vr_inst_kind_info *ki = vr_inst_kind_get(in[0].kind);
    double costs = 0;
    for (int j = 0; j < legs; j++) {
        book_pos_open(b, r, m, s0 + j, l, l, &in[j], j == 0 ? +1 : -1, qty, &mk[j], why);
        costs += (half_spread(r, &in[j], m) * ki->multiplier + r->commission) * qty;
    }
    const double paid = struct_unit(r, in, mk, legs, m) * qty + legs * r->commission * qty;
    b->pos[s0].paid = paid;
    book_cash(b, l, CASH_OPEN, -(m->disc * paid), m->disc * costs);
}

/* Value per unit of the open structure at s0 at today's marks (mid): sign x (mark - basis) summed
 * over its legs. */
static double struct_value(vr_book *b, int s0, int legs, const vr_mkt *m, const vr_pricing *pr)
{
    double v = 0;
    for (int j = 0; j < legs; j++) {
        vr_position *q = &b->pos[s0 + j];
        v += q->sign * (pos_mark(q, m, pr)->price - q->basis);
    }
    return v;
}

/* Sell n units of the structure at s0 at today's marks (all of them: close it), or settle them at
 * expiry (settle = 1: intrinsic, no costs). Returns the undiscounted USD received. A sale of
 * options whose proceeds would not cover the costs (bid below the commission) is abandoned
 * instead: no trade, no cash, the slots are free again (a trader would not pay to dump a worthless
 * option; holding it to expiry would pay 0 too). A margined position (a future) always trades. */
static double struct_sell(vr_book *b, const vr_condor_rules *r, int l, int s0, int legs, double n,
                          const vr_mkt *m, int settle, const char *why)
{
    const vr_inst_kind_info *ki = vr_inst_kind_get(b->pos[s0].inst.kind);
    const double mult = ki->multiplier;
    double unit = 0, costs = 0;
    for (int j = 0; j < legs; j++) {
        const vr_position *q = &b->pos[s0 + j];
        if (settle) {
            unit += q->sign * (payoff(&q->inst, m) - q->basis);
        } else {
            const double hs = half_spread(r, &q->inst, m);
            unit += q->sign * (q->mark.price - q->basis - q->sign * hs) * mult - r->commission;
            costs += hs * mult + r->commission;
        }
    }
    double usd = settle ? unit * mult * n : unit * n;
    cash_event ev = settle ? CASH_SETTLE : CASH_CLOSE;
    if (usd < 0 && !ki->margined) {
        usd = costs = 0;
        ev = CASH_ABANDON;
    }
    book_cash(b, l, ev, m->disc * usd, m->disc * costs * n);
    for (int j = 0; j < legs; j++) {
        const vr_position *q = &b->pos[s0 + j];
        book_pos_close(b, r, m, s0 + j, n, settle ? payoff(&q->inst, m) : q->mark.price, ev, l, why);
    }
    return usd;
}

/* First slot of a free structure of layer l, or -1. */
static int free_structure(const vr_book *b, int l)
{
    for (int j = 0; j < b->nopen[l]; j++) {
        const int s0 = b->slot0[l] + j * b->legs[l];
        if (!b->pos[s0].open)
            return s0;
    }
    return -1;
}

int vr_book_buy(vr_book *b, const vr_condor_rules *r, int layer, const vr_instrument *in,
                double qty, const vr_mkt *m, const vr_pricing *pr)
{
    const int s0 = b->legs[layer] == 1 ? free_structure(b, layer) : -1;
    if (s0 < 0)
        return -1;
    const vr_mark mk = mark_at(pr, m, in, m->t, 0);
    struct_open(b, r, layer, s0, 1, in, &mk, qty, m, "buy");
    return s0;
}

/* What the action's size rule takes a share of: the count itself (contracts), or the open
 * condor's credit, vega or max loss in USD (VXTH: the max loss times its VIX band's weight). */
static double size_base(const vr_action *a, double credit_usd, double maxloss_usd, double vega_usd,
                        double vix)
{
    switch (a->size_by) {
    case VR_SIZE_CONTRACTS: return a->size;
    case VR_SIZE_PCT_CREDIT: return credit_usd;
    case VR_SIZE_PCT_VEGA: return vega_usd;
    case VR_SIZE_VXTH: return vxth_weight(vix) * maxloss_usd;
    default: return maxloss_usd; /* VR_SIZE_PCT_MAX_LOSS, VR_SIZE_PCT_MAX_LOSS_DROP */
    }
}

/* Open one structure of the layer's action kind: strikes by delta or by fraction of the
 * underlying, sized by the action's rule; returns 1 if a structure was opened (0: no free
 * structure, too soon after the last opening, or a size of no contracts). */
static int hedge_buy(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const vr_pricing *pr)
{
    const vr_action *a = &p->layers[l].action;
    const vr_action_kind_def *ak = vr_action_kind_of(a->kind);
    const vr_inst_kind_info *ki = vr_inst_kind_get(ak->inst);
    const vr_condor_rules *r = &p->condor;
    const int legs = b->legs[l];
    const int s0 = free_structure(b, l);
    if (s0 < 0)
        return 0;
    if (a->ladder_days > 0 && b->ls[l].last_open >= 0 && m->day - b->ls[l].last_open < a->ladder_days)
        return 0;
    /* No opening while one of the layer's exits already holds, which would sell the structure at
     * the next day's check, half-spreads paid twice for one day's exposure: the VIX at or above
     * vix_above (a spike layer that fires above its own take-profit level), or with_condor and no
     * condor open. */
    const vr_exit *e = &p->layers[l].exit;
    if ((!isnan(e->vix_above) && m->vix >= e->vix_above) || (e->with_condor && !b->open))
        return 0;
    /* What the size rule takes a share of (the condor's exposures; 0 while it is closed): where
     * that is 0 no strikes give a contract (VXTH's weight is 0 below VIX 15 and above 50), so the
     * strike searches and marks below are skipped (they change no state; a VXTH layer on calm
     * days spent 80% of its searches this way). */
    double credit_usd = 0, maxloss_usd = 0, vega_usd = 0;
    if (b->open)
        condor_exposure(b, m, pr, &credit_usd, &maxloss_usd, &vega_usd);
    const double base = size_base(a, credit_usd, maxloss_usd, vega_usd, m->vix);
    if (base == 0)
        return 0;
    const double tau = expiry_tau(a->dte);
    const double mult = ki->multiplier;
    /* what strikes are set against: spot (SPX), the VIX future to the expiry (VIX) */
    const double under = ak->spx ? m->S : mark_ahead(pr, m, VR_INST_VIX_FUTURE, 0, 0, tau, 0).price;
    double k[2] = {0, 0};
    if (ki->has_strike) {
        k[0] = leg_strike(pr, m, ak, tau, under, a->delta, a->strike_pct);
        if (legs > 1) {
            const double g = ak->spx ? SPX_GRID : VIX_GRID;
            k[1] = leg_strike(pr, m, ak, tau, under, a->short_delta, a->short_strike_pct);
            if (ak->cp > 0 ? k[1] <= k[0] : k[1] >= k[0]) /* the short leg lies farther out */
                k[1] = k[0] + ak->cp * g;
            if (k[1] < g)
                return 0; /* no strike left below the long put */
        }
    }
    /* A VIX leg's delta (an implied-vol solve) is needed only to size by vega: the book keeps a
     * position's delta but reads it only for the condor's SPX legs, and the daily marks do not
     * ask for VIX deltas. The price is the same either way. */
    const unsigned want = ak->spx || a->size_by != VR_SIZE_PCT_VEGA ? 0 : VR_MARK_VIX_DELTA;
    vr_mark mk[2] = {{0}};
    vr_instrument in[2] = {{0}};
    for (int j = 0; j < legs; j++) {
        mk[j] = mark_ahead(pr, m, ak->inst, ak->cp, k[j], tau, want);
        in[j] = (vr_instrument){ak->inst, ak->cp, k[j], m->t + tau};
    }
    /* A spread's short leg without a bid worth selling into (short_no_bid: a 30-day 2-delta put of
     * a spot-100 model at mid 0.023 and a half-spread of 0.05, sold at -0.027): as for the condor's
     * shorts, the spread is not bought that day; counted with the days sized to 0 (sized_zero),
     * and the layer asks again the next day. Until 2026-12-07 it sold such a leg. */
    if (legs > 1 && !ki->margined && short_no_bid(r, m, &in[1], mk[1].price)) {
        b->sized_zero[l]++;
        return 0;
    }
    const double unit = struct_unit(r, in, mk, legs, m);
    double qty = 0;
    switch (a->size_by) {
    case VR_SIZE_CONTRACTS: qty = base; break;
    case VR_SIZE_PCT_CREDIT: qty = unit > 0 ? a->size * base / unit : 0; break;
    case VR_SIZE_PCT_MAX_LOSS:
    case VR_SIZE_PCT_MAX_LOSS_DROP: {
        /* the structure's payoff at the stress level: the VIX at stress_vix, or SPX spx_drop% lower */
        const double u = a->size_by == VR_SIZE_PCT_MAX_LOSS ? a->stress_vix : m->S * (1 - a->spx_drop / 100);
        double pay_unit = 0;
        for (int j = 0; j < legs; j++)
            pay_unit += (j == 0 ? +1 : -1) * (value_at(&in[j], u) - (ki->margined ? mk[j].price : 0)) * mult;
        /* A structure that pays at the stress level no more than it costs (its premium with the
         * half-spreads; a future's pay is already net of its price, and its cost is the
         * half-spread: struct_unit) covers nothing there: not bought. Sized by the payoff alone, a
         * strike just beyond the stress level (a put at 3000 with SPX 10% lower at 2999.3) paid
         * cents a contract and took hundreds of contracts, a premium of a million USD against a
         * condor's max loss of 60 thousand; a future whose stress level lay 0.02 above its price
         * (20 USD a contract against a half-spread of 50) took 174 of them. */
        qty = pay_unit > fmax(unit, 0) ? a->size * base / pay_unit : 0;
        break;
    }
    case VR_SIZE_PCT_VEGA: {
        /* USD per vol point of a structure: SPX legs their vega; VIX legs dP/dF * dF/dVIX, the
         * latter numerically along v */
        double dfdx = 0;
        if (!ak->spx) {
            const double v = m->x[0];
            const double h = fmax(1e-4, 0.05 * v);
            double x1, x0;
            const double f1 = future_at_v(pr, m, v + h, tau, &x1);
            const double f0 = future_at_v(pr, m, v > h ? v - h : 0, tau, &x0);
            dfdx = x1 > x0 ? (f1 - f0) / (x1 - x0) : 0;
        }
        double sens = 0;
        for (int j = 0; j < legs; j++) {
            const int sign = j == 0 ? +1 : -1;
            sens += ak->spx ? sign * mk[j].vega * 0.01 * mult
                            : sign * (ki->has_strike ? mk[j].delta : 1.0) * dfdx * mult;
        }
        qty = sens > 0 ? a->size * fabs(base) / sens : 0;
        /* A structure with almost no vega (a deep in-the-money put, a week-old far call) needs
         * thousands of units to reach the share: 448,294 puts for 44.7 billion USD against a
         * 10-lot condor. One whose premium (with half-spreads) would exceed what the condor can
         * lose in all hedges nothing the book holds: not bought, as for the payoff sizes above. */
        if (qty * fmax(unit, 0) > maxloss_usd)
            qty = 0;
        break;
    }
    case VR_SIZE_VXTH: qty = unit > 0 ? base / unit : 0; break;
    }
    qty = floor(qty + 0.5); /* whole contracts */
    if (qty <= 0) {
        b->sized_zero[l]++;
        return 0;
    }
    /* size.max_contracts: the sizing guards above refuse only a structure that covers nothing, so
     * a payoff rule with its stress level just past the price (a VIX future at stress_vix 21 from
     * 20: 1,000 USD of cover a contract) takes whatever count the share asks for; the cap is the
     * user's leverage limit, and the run counts the purchases it cut */
    if (a->max_contracts > 0 && qty > a->max_contracts) {
        qty = a->max_contracts;
        b->sized_capped[l]++;
    }
    struct_open(b, r, l, s0, legs, in, mk, qty, m, b->why);
    /* vix_below sells once the VIX is back below the level after having been at or above it since
     * the purchase, the purchase day included (the day's exit pass ran before it) */
    b->pos[s0].was_above = (int8_t)(!isnan(e->vix_below) && m->vix >= e->vix_below);
    b->ls[l].last_open = m->day;
    return 1;
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
    vr_position *q;         /* exits: the structure under review (its first leg) */
    double price, tau;      /* exits: its value per unit and time to expiry */
    double mult;            /* exits: its contract multiplier */
} rule_ctx;

/* A trigger condition is two functions: set_<name>, whether the layer's trigger sets it (a
 * property of the policy: vr_book_init keeps the answers of each layer as bits, vr_book.tset), and
 * hit_<name>, whether it holds today (asked only where it is set). */

/* The VIX n trading days ago; before the first day the view has (day 0, or the earliest close
 * before it that vr_mkt_lookback gave), that day's. */
static double vix_past(const vr_mkt *m, int n)
{
    const int reach = m->day + m->npre;
    return m->vix_hist[(m->day + VR_VIX_HIST - (n < reach ? n : reach)) % VR_VIX_HIST];
}

static int set_vix_level(const vr_trigger *t) { return !isnan(t->vix_level); }
static int hit_vix_level(const rule_ctx *c, const vr_trigger *t) { return c->m->vix >= t->vix_level; }

static int set_vix_change_pct(const vr_trigger *t)
{
    return !isnan(t->vix_change_days) && !isnan(t->vix_change_pct);
}
static int hit_vix_change_pct(const rule_ctx *c, const vr_trigger *t)
{
    const double past = vix_past(c->m, (int)t->vix_change_days);
    return past > 0 && (c->m->vix / past - 1) * 100 >= t->vix_change_pct;
}

static int set_vix_change_pts(const vr_trigger *t)
{
    return !isnan(t->vix_change_days) && !isnan(t->vix_change_pts);
}
static int hit_vix_change_pts(const rule_ctx *c, const vr_trigger *t)
{
    return c->m->vix - vix_past(c->m, (int)t->vix_change_days) >= t->vix_change_pts;
}

static int set_rsi(const vr_trigger *t) { return !isnan(t->rsi_days); }
static int hit_rsi(const rule_ctx *c, const vr_trigger *t)
{
    const vr_layer_state *s = &c->b->ls[c->l];
    const double rsi = s->rsi_loss > 0 ? 100 - 100 / (1 + s->rsi_gain / s->rsi_loss)
                                       : (s->rsi_gain > 0 ? 100 : 50);
    /* asked once it has seen rsi_days daily moves (those before day 0 included) */
    return c->m->day + c->m->npre >= (int)t->rsi_days && rsi >= t->rsi_level;
}

static int set_term_ratio(const vr_trigger *t) { return !isnan(t->term_ratio); }
static int hit_term_ratio(const rule_ctx *c, const vr_trigger *t)
{
    return c->m->vix3m > 0 && c->m->vix / c->m->vix3m >= t->term_ratio;
}

static int set_drawdown(const vr_trigger *t) { return !isnan(t->dd_pct); }
static int hit_drawdown(const rule_ctx *c, const vr_trigger *t)
{
    const vr_mkt *m = c->m;
    const double ref = t->dd_from_peak ? m->peak_S : (c->b->open ? c->b->entry_S : m->S);
    return (1 - m->S / ref) * 100 >= t->dd_pct;
}

static int set_condor_loss(const vr_trigger *t) { return !isnan(t->condor_loss_pct); }
static int hit_condor_loss(const rule_ctx *c, const vr_trigger *t)
{
    vr_book *b = c->b;
    const double maxloss = condor_width(b) - b->credit;
    return b->open && maxloss > 0 &&
           (condor_value(b, c->m, c->pr) - b->credit) / maxloss * 100 >= t->condor_loss_pct;
}

static int set_short_delta(const vr_trigger *t) { return !isnan(t->short_delta); }
static int hit_short_delta(const rule_ctx *c, const vr_trigger *t)
{
    vr_book *b = c->b;
    return b->open && fmax(fabs(pos_mark(LEG(b, SHORT_PUT), c->m, c->pr)->delta),
                           fabs(pos_mark(LEG(b, SHORT_CALL), c->m, c->pr)->delta)) >= t->short_delta;
}

/* The trigger table, in the order the conditions are asked (and named in a trade's reason): a
 * list of names, each with its functions set_<name> and hit_<name>. A list expanded into direct
 * calls rather than an array of pointers, so that the compiler inlines the calls (through pointers
 * the calls were ~8% of the main job's instructions); a layer asks only the conditions its
 * trigger sets (the bits of vr_book.tset; asking every condition whether it is set, every layer
 * and day, was with the exit scan below 1.5% of the main job's evaluator instructions). */
#define TRIGGERS(X) X(vix_level) X(vix_change_pct) X(vix_change_pts) X(rsi) X(term_ratio) X(drawdown) \
    X(condor_loss) X(short_delta)
#define TRIGGER_BIT(name) TRIG_##name,
enum { TRIGGERS(TRIGGER_BIT) TRIG_N };
#undef TRIGGER_BIT

/* The conditions trigger t sets, bit TRIG_<name> each. */
static uint16_t trigger_set(const vr_trigger *t)
{
    unsigned set = 0;
#define SET(name) set |= set_##name(t) ? 1u << TRIG_##name : 0u;
    TRIGGERS(SET)
#undef SET
    return (uint16_t)set;
}

/* A logged path: condition `name` held today (the reason of the layer's trade, names joined by +).
 * Names that do not fit the trade log's field (47 characters: five or more conditions at once)
 * are replaced by one "+...", so that a cut list reads as cut, never as a shorter list or a
 * half name. */
void vr_book_why_append(vr_book *b, const char *name)
{
    const size_t cap = sizeof b->why, k = strlen(b->why), n = strlen(name) + (k ? 1 : 0);
    if (k + n < cap) {
        snprintf(b->why + k, cap - k, "%s%s", k ? "+" : "", name);
        return;
    }
    if (k >= 4 && strcmp(b->why + k - 4, "+...") == 0)
        return; /* already cut */
    size_t keep = k;
    while (keep + 4 >= cap) /* drop whole names until "+..." fits */
        while (keep > 0 && b->why[--keep] != '+')
            ;
    snprintf(b->why + keep, cap - keep, "+...");
}

static int trigger_fires(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const vr_pricing *pr)
{
    const vr_trigger *t = &p->layers[l].trigger;
    vr_layer_state *s = &b->ls[l];
    const unsigned set = b->tset[l];
    /* RSI state is updated every day whether or not the layer can fire; on day 0 of a view with
     * closes before it (lookback: data), over each of their moves, oldest first, and day 0's */
    if ((set & 1u << TRIG_rsi) && (m->day > 0 || m->npre > 0)) {
        const double n = t->rsi_days;
        for (int k = m->day > 0 ? 1 : m->npre; k >= 1; k--) {
            /* the move from day -k to day -k + 1 (day 0: from the view's history; later days:
             * from yesterday to today) */
            const double prev = m->vix_hist[(m->day + VR_VIX_HIST - k) % VR_VIX_HIST];
            const double cur = k == 1 ? m->vix : m->vix_hist[(m->day + VR_VIX_HIST - k + 1) % VR_VIX_HIST];
            const double ch = cur - prev;
            s->rsi_gain = (s->rsi_gain * (n - 1) + (ch > 0 ? ch : 0)) / n;
            s->rsi_loss = (s->rsi_loss * (n - 1) + (ch < 0 ? -ch : 0)) / n;
        }
    }
    if (t->always) {
        if (b->log)
            snprintf(b->why, sizeof b->why, "always");
        return 1;
    }
    if (b->log)
        b->why[0] = '\0';
    if (set == 0)
        return 0;
    const rule_ctx c = {b, p, l, m, pr, NULL, 0, 0, 0};
    int nset = 0, nhit = 0;
#define ASK(name)                                                                              \
    if (set & 1u << TRIG_##name) {                                                             \
        const int hit = hit_##name(&c, t);                                                     \
        nset++;                                                                                \
        nhit += hit ? 1 : 0;                                                                   \
        if (hit && b->log)                                                                     \
            vr_book_why_append(b, #name);                                                      \
    }
    TRIGGERS(ASK)
#undef ASK
    return t->any ? nhit > 0 : nhit == nset;
}

/* An exit rule: 1 if it says sell the position today. */

static int exit_profit(const rule_ctx *c, const vr_exit *e)
{
    const double value = c->price * c->mult * c->q->qty;
    return !isnan(e->profit_multiple) && value >= e->profit_multiple * c->q->paid;
}
static int exit_vix_above(const rule_ctx *c, const vr_exit *e)
{
    return !isnan(e->vix_above) && c->m->vix >= e->vix_above;
}
static int exit_vix_below(const rule_ctx *c, const vr_exit *e)
{
    return !isnan(e->vix_below) && c->q->was_above && c->m->vix < e->vix_below;
}
static int exit_dte(const rule_ctx *c, const vr_exit *e)
{
    return !isnan(e->dte) && e->dte > 0 && c->tau * 365 <= e->dte + 1e-9;
}
/* the condor closed: none is open, or it closed today (with reentry_days 0 a new one opened the
 * same day, before the layers' exits) */
static int exit_with_condor(const rule_ctx *c, const vr_exit *e)
{
    return e->with_condor && (!c->b->open || c->b->shut_day == c->m->day);
}

/* The exit table, in the order the rules are asked (the first that says sell names the sale):
 * (name, function), expanded into direct calls as the trigger table is. */
#define EXITS(X) X("profit_multiple", exit_profit) X("vix_above", exit_vix_above) X("vix_below", exit_vix_below) \
    X("dte", exit_dte) X("with_condor", exit_with_condor)

/* An action: runs when the layer's trigger fires; returns 1 if the layer activated. */
typedef int (*action_fn)(const rule_ctx *c);

/* Open one structure of the layer's kind (every kind that holds positions). */
static int act_open(const rule_ctx *c) { return hedge_buy(c->b, c->p, c->l, c->m, c->pr); }

static int act_roll_tested(const rule_ctx *c)
{
    vr_book *b = c->b;
    if (!b->open)
        return 0;
    const vr_layer *ly = &c->p->layers[c->l];
    /* roll the tested side: the short strike with the larger |delta| */
    const int side = fabs(pos_mark(LEG(b, SHORT_PUT), c->m, c->pr)->delta) >=
                     fabs(pos_mark(LEG(b, SHORT_CALL), c->m, c->pr)->delta) ? -1 : +1;
    /* no roll (two days or less to expiry, or no strike further out): no activation, no cooldown */
    if (!roll_side(b, &c->p->condor, c->m, c->pr, side, ly->action.roll_to_delta, c->l, c->b->why))
        return 0;
    b->ls[c->l].cooldown = ly->trigger.cooldown_days;
    b->ls[c->l].confirm = 0;
    return 1;
}

/* By action kind; what a kind opens (legs, instrument) is its row of vr_action_kind_of. */
static const action_fn actions[VR_ACTION_NKINDS] = {
    [VR_ACTION_VIX_CALL] = act_open,
    [VR_ACTION_ROLL_TESTED] = act_roll_tested,
    [VR_ACTION_VIX_CALL_SPREAD] = act_open,
    [VR_ACTION_SPX_PUT] = act_open,
    [VR_ACTION_SPX_PUT_SPREAD] = act_open,
    [VR_ACTION_VIX_FUTURE] = act_open,
};

/* A layer that opens positions is "active" while one is open; otherwise while its trigger holds:
 * the days it has held (confirm), or today if it acted today (a roll restarts that count, so on
 * the day it rolled the count alone said inactive, and a requires_previous layer behind a roll
 * layer without cooldown never acted). */
static int layer_active(const vr_book *b, int l, int day)
{
    if (b->legs[l] == 0)
        return b->ls[l].confirm > 0 || b->ls[l].last_act == day;
    for (int j = 0; j < b->nopen[l]; j++)
        if (b->pos[b->slot0[l] + j * b->legs[l]].open)
            return 1;
    return 0;
}

/* After a structure of layer l closed with a gain of `gain` USD (proceeds less the premium paid,
 * undiscounted): the cooldown starts after every exit, or only after a profitable one. */
static void exit_cooldown(vr_book *b, const vr_layer *ly, int l, double gain)
{
    if (ly->trigger.cooldown_after == VR_COOLDOWN_ANY || gain > 0)
        b->ls[l].cooldown = ly->trigger.cooldown_days;
}

/* Expiry, then the exit rules, then a partial sale, for the open structures of layer l. */
static void layer_exits(vr_book *b, const vr_policy *p, int l, const vr_mkt *m, const vr_pricing *pr,
                        int last)
{
    const vr_layer *ly = &p->layers[l];
    const vr_condor_rules *r = &p->condor;
    const int legs = b->legs[l];
    /* most days a layer holds nothing: its slots' bits in open_mask say so at once */
    const uint32_t slots = (uint32_t)(((1ull << (legs * b->nopen[l])) - 1) << b->slot0[l]);
    if ((b->open_mask & slots) == 0)
        return;
    for (int j = 0; j < b->nopen[l] && legs > 0; j++) {
        const int s0 = b->slot0[l] + j * legs;
        vr_position *q = &b->pos[s0];
        if (!q->open)
            continue;
        const double paid = q->paid;
        const double tau = q->inst.t_exp - m->t;
        const double earlier = q->partial_gain; /* (the sale below closes q) */
        if (tau <= EXPIRING) {
            exit_cooldown(b, ly, l, struct_sell(b, r, l, s0, legs, q->qty, m, 1, "expiry") - paid + earlier);
            continue;
        }
        /* today's mid value, kept for the day's P&L below */
        const double price = struct_value(b, s0, legs, m, pr);
        if (last)
            continue;
        const vr_exit *e = &ly->exit;
        if (m->vix >= e->vix_below)
            q->was_above = 1;
        const double mult = vr_inst_kind_get(q->inst.kind)->multiplier;
        const rule_ctx c = {b, p, l, m, pr, q, price, tau, mult};
        const char *why = NULL;
#define ASK(name, fn)                                                                          \
        if (why == NULL && fn(&c, e))                                                          \
            why = name;
        EXITS(ASK)
#undef ASK
        if (why != NULL) {
            exit_cooldown(b, ly, l, struct_sell(b, r, l, s0, legs, q->qty, m, 0, why) - paid + earlier);
            continue;
        }
        /* partial monetisation: once per structure, sell a fraction (whole contracts, at least
         * one, keeping at least one) when its value first reaches the multiple of the premium */
        if (e->partial_multiple > 0 && e->partial_fraction > 0 && !q->partial &&
            price * mult * q->qty >= e->partial_multiple * paid) {
            q->partial = 1;
            const double n = fmin(fmax(floor(q->qty * e->partial_fraction + 0.5), 1), q->qty - 1);
            if (n >= 1) {
                const double keep = (q->qty - n) / q->qty;
                const double got = struct_sell(b, r, l, s0, legs, n, m, 0, "partial");
                q->paid = paid * keep;
                q->partial_gain += got - (paid - q->paid);
            }
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
            book_cash(b, VR_LAYER_CONDOR, CASH_SETTLE, -(m->disc * val * MULT * b->qty), 0);
            condor_settle(b, r, m);
        } else {
            const double value = condor_value(b, m, pr);
            /* the P&L since entry (rolls' cash included) against multiples of the entry credit: a
             * roll that paid to move the tested side must not shrink the stop with the loss it
             * realised (a net credit at or below 0 would stop the condor the next day whatever the
             * market did) */
            const double profit = b->credit - value;
            const char *close = NULL;
            if (!last) {
                if (r->exit_dte > 0 && tau * 365 <= r->exit_dte + 1e-9)
                    close = "exit_dte";
                if (r->stop_loss > 0 && -profit >= r->stop_loss * b->credit0)
                    close = "stop_loss";
                if (r->profit_take > 0 && profit >= r->profit_take * b->credit0)
                    close = "profit_take";
            }
            if (close) {
                condor_close(b, r, m, value, close);
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
        if (b->open_mask >> VR_CONDOR_LEGS) /* (most days a book holds no hedge at all) */
            layer_exits(b, p, l, m, pr, last);
        const int fires = trigger_fires(b, p, l, m, pr);
        s->confirm = fires ? s->confirm + 1 : 0;
        if (last || s->cooldown > 0 || !fires || s->confirm < (ly->trigger.confirm_days > 0 ? ly->trigger.confirm_days : 1))
            continue;
        if (ly->trigger.requires_previous && l > 0 && !layer_active(b, l - 1, m->day))
            continue;
        /* or the previous layer activated within the last n trading days (today counts) */
        if (ly->trigger.previous_within > 0 && l > 0 &&
            !(b->ls[l - 1].last_act >= 0 && m->day - b->ls[l - 1].last_act <= ly->trigger.previous_within))
            continue;
        const rule_ctx c = {b, p, l, m, pr, NULL, 0, 0, 0};
        if (actions[ly->action.kind](&c)) {
            b->act[l]++;
            s->last_act = m->day;
            if (b->first[l] < 0)
                b->first[l] = m->day;
            b->act_today |= (uint8_t)(1u << l);
        }
    }

    /* 3. mark to market: discounted cash plus the discounted mid value of what is open */
    double pnl = b->cash;
    if (b->open)
        pnl -= m->disc * condor_value(b, m, pr) * MULT * b->qty;
    for (uint32_t open = b->open_mask & ~((1u << VR_CONDOR_LEGS) - 1); open != 0; open &= open - 1) {
        const vr_position *q = &b->pos[__builtin_ctz(open)];
        pnl += m->disc * q->sign * (q->mark.price - q->basis) * vr_inst_kind_get(q->inst.kind)->multiplier * q->qty;
    }
    b->last_pnl = pnl;
    if (last) /* the horizon: what is open goes to its owner at its discounted mark */
        for (uint32_t open = b->open_mask; open != 0; open &= open - 1) {
            const vr_position *q = &b->pos[__builtin_ctz(open)];
            b->attr[q->layer + 1] +=
                m->disc * q->sign * (q->mark.price - q->basis) * vr_inst_kind_get(q->inst.kind)->multiplier * q->qty;
        }
    if (pnl > b->peak_pnl)
        b->peak_pnl = pnl;
    if (b->peak_pnl - pnl > b->max_dd)
        b->max_dd = b->peak_pnl - pnl;
}
