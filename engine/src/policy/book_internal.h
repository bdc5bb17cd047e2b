/* book_internal.h: per-path state of the book, the market view the policies read, and the
 * interface between the book and the evaluator.
 *
 * The book holds positions as data (vr_position: an instrument of the pricing layer's kind table,
 * a quantity, a sign, an entry price and the layer that owns it). The condor is four positions of
 * layer VR_LAYER_CONDOR, each hedge layer owns up to VR_LAYER_MAX_POS positions. The evaluator
 * never reads these structs: it asks the book which positions to mark today
 * (vr_book_marks_wanted), marks them in one batch through the pricing layer and hands the marks
 * back (vr_book_set_mark); whatever the book trades during the day it marks itself through the
 * same pricing function (a batch of one). */
#ifndef VIXRISK_BOOK_INTERNAL_H
#define VIXRISK_BOOK_INTERNAL_H

#include <stdint.h>

#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_policy.h"
#include "vixrisk/vr_pricing.h"

#define VR_VIX_HIST (VR_VIX_HIST_MAX + 1) /* days of VIX history kept per path */

/* What every policy of a path sees on a day (shared between the policies of the path). */
typedef struct vr_mkt {
    double t;          /* years since the start */
    int day;           /* trading day index, 0 = start */
    double S, vix, vix3m;
    double x[VR_FACTORS_MAX]; /* the model's variance factors (x[0] = v), >= 0 */
    double peak_S;     /* running maximum of S */
    double disc;       /* e^{-r t} */
    double vix_hist[VR_VIX_HIST]; /* vix_hist[day % VR_VIX_HIST] */
} vr_mkt;

#define VR_LAYER_CONDOR (-1)
#define VR_LAYER_MAX_POS 1                  /* positions one hedge layer may hold at once */
#define VR_CONDOR_LEGS 4                    /* long put, short put, short call, long call */
#define VR_BOOK_MAX_POS (VR_CONDOR_LEGS + VR_MAX_LAYERS * VR_LAYER_MAX_POS)

/* What the book keeps of a mark (vr_mark without the vol and the future: a smaller book). */
typedef struct vr_pos_mark {
    double price, delta, vega;
} vr_pos_mark;

typedef struct vr_position {
    vr_instrument inst;
    int8_t open;
    int8_t sign;       /* +1 long, -1 short */
    int8_t layer;      /* VR_LAYER_CONDOR or the hedge layer's index */
    int32_t mark_day;  /* the day of `mark` */
    double qty;        /* contracts, > 0 */
    double entry;      /* mid price per unit at entry */
    double paid;       /* USD paid at entry, undiscounted (hedges: the premium with costs) */
    vr_pos_mark mark;  /* the latest mark */
} vr_position;

static inline vr_pos_mark vr_pos_mark_of(const vr_mark *m)
{
    const vr_pos_mark pm = {m->price, m->delta, m->vega};
    return pm;
}

/* Per-layer state of the trigger machinery (whether or not the layer holds a position). */
typedef struct vr_layer_state {
    int confirm, cooldown, was_above;
    double rsi_gain, rsi_loss;      /* Wilder averages of VIX moves */
} vr_layer_state;

typedef struct vr_book {
    uint32_t open_mask; /* bit i set when pos[i] is open (the evaluator's daily scan reads only this) */
    /* positions: slots [0, 4) the condor's legs, then VR_LAYER_MAX_POS slots per layer */
    vr_position pos[VR_BOOK_MAX_POS];
    int open;          /* the condor is open */
    double credit;     /* net credit per unit collected on the open condor (rolls included) */
    double qty;        /* condors */
    double entry_S;
    int wait;          /* trading days before the next entry */
    double cash;       /* discounted USD */
    double peak_pnl, max_dd;
    double hedge_paid, hedge_recv;  /* discounted USD */
    int32_t act[VR_MAX_LAYERS], first[VR_MAX_LAYERS], trades;
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
} vr_book;

/* Slot of position j (< VR_LAYER_MAX_POS) of hedge layer l. */
static inline int vr_book_layer_slot(int l, int j) { return VR_CONDOR_LEGS + l * VR_LAYER_MAX_POS + j; }

void vr_book_init(vr_book *b, const vr_policy *p);

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

static inline const vr_instrument *vr_book_instrument(const vr_book *b, int slot)
{
    return &b->pos[slot].inst;
}

/* Today's mark of the position in `slot` (from the evaluator's batch). */
static inline void vr_book_set_mark(vr_book *b, int slot, const vr_mark *mk, int day)
{
    b->pos[slot].mark = vr_pos_mark_of(mk);
    b->pos[slot].mark_day = day;
}

/* Buy qty contracts of any instrument kind for hedge layer `layer` at today's mid mark plus the
 * half-spread of its underlying and the commission (what the layer's actions do). Returns the
 * slot, or -1 when the layer has no free slot. */
int vr_book_buy(vr_book *b, const vr_condor_rules *r, int layer, const vr_instrument *in,
                double qty, const vr_mkt *m, const vr_pricing *pr);

/* One trading day of one path under one policy. `last` marks the horizon (no new trades).
 * Positions without today's mark are marked here, one by one, through the same pricing call. */
void vr_book_day(vr_book *b, const vr_policy *p, const vr_mkt *m, const vr_pricing *pr, int last);

void vr_mkt_init(vr_mkt *m, double S, const double *x, const vr_pricing *pr);
void vr_mkt_update(vr_mkt *m, int day, double t, double S, const double *x, const vr_pricing *pr);
/* The pricing layer's state of the market view. */
vr_state vr_mkt_state(const vr_mkt *m);

#endif
