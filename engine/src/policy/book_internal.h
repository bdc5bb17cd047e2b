/* book_internal.h: per-path state of the book, the market view the policies read, and the
 * interface between the book and the evaluator.
 *
 * The book holds positions as data (vr_position: an instrument of the pricing layer's kind table,
 * a quantity, a sign, an entry price and the layer that owns it). The condor is four positions of
 * layer VR_LAYER_CONDOR; each hedge layer owns max_open structures of `legs` positions (its action
 * kind's: one option or future, or the two legs of a vertical spread) in consecutive slots, laid
 * out by vr_book_init from the policy (at most VR_POLICY_MAX_POS over the layers). The evaluator
 * reads none of the rules' state: it asks the book which positions to mark today
 * (vr_book_marks_wanted), marks them in one batch through the pricing layer and hands the marks
 * back into those positions (vr_book_pos_offset, vr_position_set_mark); whatever the book
 * trades during the day it marks itself through the same pricing function (a batch of one). */
#ifndef VIXRISK_BOOK_INTERNAL_H
#define VIXRISK_BOOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_policy.h"
#include "vixrisk/vr_pricing.h"

#define VR_VIX_HIST (VR_VIX_HIST_MAX + 1) /* days of VIX history kept per path */

/* The single marks made today at one path's market view (strike searches, the legs of what opens
 * or rolls, positions the evaluator's batch did not mark), shared by the path's policies: policies
 * that enter the same condor on the same day search and mark it once. A mark depends only on its
 * lane's inputs (kind, call/put, strike, time to expiry, the state's S and factors; the pricing
 * layer marks lanes independently), and the state is the path's for the day, so a remembered mark
 * is the bits a fresh one would be. Open addressing on (kind, cp, strike, tau, want); an entry is
 * valid while its stamp equals the memo's (vr_mark_memo_reset forgets everything in O(1)); when
 * every probed slot is taken the mark is simply not remembered. */
#define VR_MARK_MEMO_SLOTS 64
#define VR_MARK_MEMO_PROBES 4
typedef struct vr_mark_memo_entry {
    uint32_t stamp, want;
    int32_t kind, cp;
    double strike, tau;
    vr_mark mark;
} vr_mark_memo_entry;
/* The same memo keeps the day's strike searches (the strike a rule picks depends only on the
 * state, the underlying, cp, tau and the target): policies that open the same condor or hedge on
 * the same day search once. A few entries, scanned in order. */
#define VR_STRIKE_MEMO_SLOTS 8
typedef struct vr_strike_memo_entry {
    uint32_t stamp;
    int32_t kind, cp;
    double tau, target, strike;
} vr_strike_memo_entry;
/* And the instruments the path's policies opened today, in order, so that policies opening the
 * same leg on the same day give it the same id (vr_position.uid: day x VR_OPEN_MEMO_SLOTS + entry
 * + 1): the evaluator's daily batch then finds the leg's shared lane by that id instead of hashing
 * the instrument. Entries are scanned in order; when all are taken the leg gets no id (0). */
#define VR_OPEN_MEMO_SLOTS 16
typedef struct vr_open_memo_entry {
    uint32_t stamp;
    int32_t kind, cp;
    double strike, t_exp;
} vr_open_memo_entry;
typedef struct vr_mark_memo {
    uint32_t stamp; /* >= 1 (calloc'd entries, stamp 0, are empty) */
    uint64_t computed; /* marks computed through it (not found in it): a count for profiles */
    vr_mark_cache cache; /* the (expiry, variance) parts of the SPX marks computed (vr_pricing.h):
                            keyed by value, so kept across paths and days */
    vr_mark_memo_entry e[VR_MARK_MEMO_SLOTS];
    vr_strike_memo_entry s[VR_STRIKE_MEMO_SLOTS];
    vr_open_memo_entry o[VR_OPEN_MEMO_SLOTS];
} vr_mark_memo;

static inline void vr_mark_memo_reset(vr_mark_memo *mm)
{
    if (++mm->stamp == 0) { /* wrapped: clear the stale stamps */
        for (int i = 0; i < VR_MARK_MEMO_SLOTS; i++)
            mm->e[i].stamp = 0;
        for (int i = 0; i < VR_STRIKE_MEMO_SLOTS; i++)
            mm->s[i].stamp = 0;
        for (int i = 0; i < VR_OPEN_MEMO_SLOTS; i++)
            mm->o[i].stamp = 0;
        mm->stamp = 1;
    }
}

/* The scratch of the vectorised strike searches (one per thread): a row of candidate strikes is
 * marked in one call of the kernels of kt (vr_pricing_mark_spx_row) instead of one scalar mark per
 * step of the search. The search still returns exactly the strike of the scalar rule (book.c,
 * pick_spx_strike, vix_delta_strike): a candidate whose vectorised delta lies within
 * VR_SWEEP_MARGIN of a decision (the target, or a tie between the last two strikes) is decided by
 * the scalar mark itself. */
#define VR_SWEEP_LANES 64     /* most candidates per kernel call */
#define VR_SWEEP_MARGIN 1e-8  /* the rows' deltas stay within 1e-10 (SPX) and 2.5e-9 (VIX, by the
                                 row's own bound, else NaN) of the scalar marks' (test_strike.c) */
typedef struct vr_sweep {
    const vk_table *kt;
    vr_mark_batch row;        /* capacity VR_SWEEP_LANES */
    uint64_t rows, lanes;     /* counts (tests, profiles): kernel calls and candidates marked, */
    uint64_t exact;           /* and decisions left to the scalar mark */
    uint64_t searches;        /* searches made (not answered by the strike memo) */
    int timed;                /* 1: the searches' time goes into ticks (vr_eval_stages) */
    uint64_t ticks;           /* their vr_ticks() */
} vr_sweep;

/* A time stamp for the evaluator's stage timers (vr_eval_stages): the CPU's time-stamp counter on
 * x86-64 (a few ns to read; constant-rate on the CPUs this runs on), else the monotonic clock in
 * ns. Only differences are used, converted to seconds against the wall clock (eval.c). */
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t vr_ticks(void) { return __rdtsc(); }
#else
#include <time.h>
static inline uint64_t vr_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

/* What every policy of a path sees on a day (shared between the policies of the path). */
typedef struct vr_mkt {
    double t;          /* years since the start */
    int day;           /* trading day index, 0 = start */
    double S, vix, vix3m;
    double x[VR_FACTORS_MAX]; /* the model's variance factors (x[0] = v), >= 0 */
    double peak_S;     /* running maximum of S */
    double disc;       /* e^{-r t} */
    double vix_hist[VR_VIX_HIST]; /* vix_hist[day % VR_VIX_HIST] (day < 0: the closes before
                                     day 0, vr_mkt_lookback) */
    int npre;          /* trading days of real VIX closes before day 0 in vix_hist (0: none, the
                          lookbacks stop at day 0) */
    vr_mark_memo *memo; /* today's single marks at this view (reset by the evaluator for each path
                           and day), or NULL: every single mark is computed */
    vr_sweep *sweep;    /* scratch of vectorised strike searches, or NULL: the scalar walk */
} vr_mkt;

#define VR_LAYER_CONDOR (-1)
#define VR_CONDOR_LEGS 4                    /* long put, short put, short call, long call */
#define VR_BOOK_MAX_POS (VR_CONDOR_LEGS + VR_POLICY_MAX_POS) /* <= 32: open_mask's bits */

/* What the book keeps of a mark (vr_mark without the vol and the future: a smaller book). */
typedef struct vr_pos_mark {
    double price, delta, vega;
} vr_pos_mark;

typedef struct vr_position {
    vr_instrument inst;
    int8_t open;
    int8_t sign;       /* +1 long, -1 short */
    int8_t layer;      /* VR_LAYER_CONDOR or the hedge layer's index */
    int8_t was_above;  /* hedges: the VIX has been at or above exit.vix_below since the purchase */
    int8_t partial;    /* hedges: the partial sale (exit.partial) has been made */
    int32_t mark_day;  /* the day of `mark` */
    uint32_t uid;      /* the leg's id among the path's legs opened that day (the memo's), or 0 */
    double qty;        /* contracts, > 0 */
    double entry;      /* mid price per unit at entry */
    double basis;      /* price per unit the value is counted from: 0 (options), entry (futures) */
    double paid;       /* USD paid at entry, undiscounted (hedges, on a structure's first leg: the
                          premium with costs, scaled down by partial sales) */
    double partial_gain; /* USD, undiscounted: what the partial sale made over its share of the
                          premium (a structure's first leg; cooldown_after: profit judges the whole
                          structure) */
    vr_pos_mark mark;  /* the latest mark */
} vr_position;

static inline vr_pos_mark vr_pos_mark_of(const vr_mark *m)
{
    const vr_pos_mark pm = {m->price, m->delta, m->vega};
    return pm;
}

/* Per-layer state of the trigger machinery (whether or not the layer holds a position). */
typedef struct vr_layer_state {
    int confirm, cooldown;
    int last_act;                   /* day of the last activation, -1 if none */
    int last_open;                  /* day of the last opening, -1 if none */
    double rsi_gain, rsi_loss;      /* Wilder averages of VIX moves */
} vr_layer_state;

typedef struct vr_book {
    uint32_t open_mask; /* bit i set when pos[i] is open (the evaluator's daily scan reads only this) */
    uint32_t changes;   /* positions opened or closed since vr_book_init (vr_book_changes) */
    int8_t slot0[VR_MAX_LAYERS]; /* first slot of each hedge layer */
    int8_t legs[VR_MAX_LAYERS];  /* positions per structure of the layer (0: it holds none) */
    int8_t nopen[VR_MAX_LAYERS]; /* structures the layer may hold at once (action.max_open) */
    uint16_t tset[VR_MAX_LAYERS]; /* the conditions each layer's trigger sets (book.c, TRIGGERS) */
    int nslots;        /* slots in use: [0, nslots) */
    int open;          /* the condor is open */
    int32_t value_day; /* the day of value, or -1: the condor's value per unit at today's marks, */
    double value;      /* kept until a condor leg opens, closes or is marked anew (condor_value) */
    double credit;     /* net credit per unit collected on the open condor (rolls included): the
                          condor's P&L is counted from it, and its max loss */
    double credit0;    /* the credit per unit collected when it opened: the unit of the profit
                          take, the stop and pct_of_credit sizing (a roll moves credit, not this) */
    int32_t shut_day;  /* the day the condor last closed, or -1 (exit.with_condor) */
    double qty;        /* condors */
    double entry_S;
    int wait;          /* trading days before the next entry */
    double cash;       /* discounted USD */
    double peak_pnl, max_dd;
    double hedge_paid, hedge_recv;  /* discounted USD */
    double costs;      /* discounted USD of half-spreads and commissions, all layers */
    int32_t act[VR_MAX_LAYERS], first[VR_MAX_LAYERS], trades;
    /* days layer l's action came to 0 whole contracts (its size rounded to 0, refused by a sizing
     * guard, or a spread whose short leg had no bid) and bought nothing: counted for the run's
     * note (vr_scenario_result.sized_zero) */
    int32_t sized_zero[VR_MAX_LAYERS];
    /* purchases of layer l whose size the action's size.max_contracts cut to the cap
     * (vr_scenario_result.sized_capped) */
    int32_t sized_capped[VR_MAX_LAYERS];
    vr_layer_state ls[VR_MAX_LAYERS];
    double last_pnl;
    uint8_t act_today; /* bit l set when layer l activated today (sample paths) */
    /* attribution by owner, [0] the condor's legs, [1 + l] layer l (discounted USD): every position
     * cash flow at mid goes to the position's owner, trading costs to whoever decided the trade;
     * on the last day the marks of what is open are added, so the entries add up to last_pnl */
    double attr[VR_MAX_LAYERS + 1];
    double outlay[VR_MAX_LAYERS + 1]; /* net premium of what each opened (paid > 0) plus its costs */
    vr_trade_log *log; /* NULL, or where this path's trades go (set by the evaluator after init) */
    int32_t log_path;
    char why[VR_TRADE_REASON]; /* logged paths: the trigger conditions behind today's action */
    /* positions: slots [0, 4) the condor's legs, then each layer's (last: vr_book_init clears
     * only the slots the policy uses) */
    vr_position pos[VR_BOOK_MAX_POS];
} vr_book;

/* Slot of position j (< legs x max_open) of hedge layer l: structure j / legs, leg j % legs. */
static inline int vr_book_layer_slot(const vr_book *b, int l, int j) { return b->slot0[l] + j; }

/* Lay out the book's slots for policy p and clear it. */
void vr_book_init(vr_book *b, const vr_policy *p);
/* Positions a book of policy p may hold at once (the condor's legs and every layer's slots). */
int vr_book_max_pos(const vr_policy *p);

/* A position with less time to expiry than this settles today instead of being marked. */
#define VR_BOOK_EXPIRING (0.5 * (1.0 / 252.0))

/* The open positions that need today's mark (those not expiring today), by slot, in slot order;
 * returns their number (<= VR_BOOK_MAX_POS). Inline: the evaluator calls these once per path,
 * policy and day. */
static inline int vr_book_marks_wanted(const vr_book *b, const vr_mkt *m, int *slots)
{
    int n = 0;
    for (uint32_t open = b->open_mask; open != 0; open &= open - 1) {
        const int i = __builtin_ctz(open);
        if (b->pos[i].inst.t_exp - m->t > VR_BOOK_EXPIRING)
            slots[n++] = i;
    }
    return n;
}

/* A count that grows whenever the book opens or closes a position: while it stays, the set of open
 * positions (and their instruments) is the same. */
static inline uint32_t vr_book_changes(const vr_book *b) { return b->changes; }

static inline const vr_instrument *vr_book_instrument(const vr_book *b, int slot)
{
    return &b->pos[slot].inst;
}

/* The id the position in `slot` shares with the legs the path's other policies opened on the same
 * instrument the same day (vr_position.uid), or 0: the evaluator's key for the lane it shares. */
static inline uint32_t vr_book_lane_id(const vr_book *b, int slot)
{
    return b->pos[slot].uid;
}

/* The byte offset of the position in `slot` of policy p's book from the first book of its path
 * (a path's books are consecutive, one per policy): how the evaluator finds a wanted position. */
static inline uint32_t vr_book_pos_offset(int p, int slot)
{
    return (uint32_t)((size_t)p * sizeof(vr_book) + offsetof(vr_book, pos) +
                      (size_t)slot * sizeof(vr_position));
}

/* Today's mark of an open position, handed out by the evaluator before the book's day runs. The
 * position's fields only: the condor's value the book keeps (value_day) is then an earlier day's
 * and is computed anew when first asked (vr_book_set_mark also forgets it, for a mark set after
 * the day's value was asked). */
static inline void vr_position_set_mark(vr_position *q, const vr_pos_mark *pm, int day)
{
    q->mark = *pm;
    q->mark_day = day;
}

/* Today's mark mk of the position in `slot`, at any time of the day (tests mark a book by hand):
 * a condor leg's new mark also forgets the condor's value kept for the day. */
static inline void vr_book_set_mark(vr_book *b, int slot, const vr_mark *mk, int day)
{
    const vr_pos_mark pm = vr_pos_mark_of(mk);
    vr_position_set_mark(&b->pos[slot], &pm, day);
    if (slot < VR_CONDOR_LEGS)
        b->value_day = -1;
}

/* Buy qty contracts of any instrument kind for hedge layer `layer` at today's mid mark plus the
 * half-spread of its underlying and the commission, as a structure of one leg in the layer's
 * first free slot (for tests of the kinds; the layers' actions open their own structures).
 * Returns the slot, or -1 when the layer has no free slot. */
int vr_book_buy(vr_book *b, const vr_condor_rules *r, int layer, const vr_instrument *in,
                double qty, const vr_mkt *m, const vr_pricing *pr);

/* One trading day of one path under one policy. `last` marks the horizon (no new trades).
 * Positions without today's mark are marked here, one by one, through the same pricing call. */
void vr_book_day(vr_book *b, const vr_policy *p, const vr_mkt *m, const vr_pricing *pr, int last);

/* The strike on the 5-point grid whose |spot delta| is closest to `target` for an SPX option
 * (cp -1 put, +1 call) tau years ahead at m's state: with m->sweep, vectorised; without, the
 * scalar walk (the reference; both give the same strike, bit for bit). */
double vr_book_spx_strike(const vr_pricing *pr, const vr_mkt *m, double tau, int cp, double target);
/* The 1-point VIX strike whose call delta dC/dF is closest to `target` for a call tau years ahead
 * at m's state, walking from the VIX future (as a hedge layer's action picks it); vectorised with
 * m->sweep, the scalar walk without (the same strike). */
double vr_book_vix_strike(const vr_pricing *pr, const vr_mkt *m, double tau, double target);

void vr_mkt_init(vr_mkt *m, double S, const double *x, const vr_pricing *pr);
/* The view on day `day` at t years, spot S and factors x; disc = e^{-r t} (vr_mkt_update_d takes
 * it from the caller, which computes it once for all its paths of the day: the same bits). */
void vr_mkt_update(vr_mkt *m, int day, double t, double S, const double *x, const vr_pricing *pr);
void vr_mkt_update_d(vr_mkt *m, int day, double t, double disc, double S, const double *x,
                     const vr_pricing *pr);
/* The market's VIX today (and in the history the change triggers read) set to vix: a replay's
 * close below the model's floor (eval.c). */
void vr_mkt_set_vix(vr_mkt *m, double vix);
/* Day 0's view given the real VIX closes of the n trading days before it (pre[0..n), oldest
 * first; at most VR_VIX_HIST_MAX are kept, the latest) and the highest SPX close of those days
 * (spx_peak): the change triggers look back into the closes, the RSI is warmed up over them and
 * the drawdown trigger's running peak starts at the higher of spx_peak and day 0's S
 * (`lookback: data`). Called after day 0's VIX is final (after vr_mkt_set_vix). n = 0 leaves the
 * view as it is. */
void vr_mkt_lookback(vr_mkt *m, const double *pre, int n, double spx_peak);
/* The pricing layer's state of the market view. */
vr_state vr_mkt_state(const vr_mkt *m);

/* Logged paths: add trigger condition `name` to b->why, the reason of today's layer trade (names
 * joined by '+'; a list that does not fit ends in one "+...", never in a cut name). */
void vr_book_why_append(vr_book *b, const char *name);

#endif
