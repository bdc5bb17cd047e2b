/* book_internal.h: per-path state of the book and the market view the policies read. */
#ifndef VIXRISK_BOOK_INTERNAL_H
#define VIXRISK_BOOK_INTERNAL_H

#include <stdint.h>

#include "vixrisk/vr_marks.h"
#include "vixrisk/vr_policy.h"

#define VR_VIX_HIST (VR_VIX_HIST_MAX + 1) /* days of VIX history kept per path */

/* What every policy of a path sees on a day (shared between the policies of the path). */
typedef struct vr_mkt {
    double t;          /* years since the start */
    int day;           /* trading day index, 0 = start */
    double S, v, vix, vix3m;
    double peak_S;     /* running maximum of S */
    double disc;       /* e^{-r t} */
    double vix_hist[VR_VIX_HIST]; /* vix_hist[day % VR_VIX_HIST] */
} vr_mkt;

typedef struct vr_hedge {
    int open;
    double k, t_exp, qty, premium;  /* premium: USD paid (undiscounted) */
    double mark;                    /* today's mid price per unit (set before it is used) */
    int confirm, cooldown, was_above;
    double rsi_gain, rsi_loss;      /* Wilder averages of VIX moves */
} vr_hedge;

typedef struct vr_book {
    int open;
    double k[4];       /* long put, short put, short call, long call */
    double t_exp;      /* expiry time, years since the start */
    double credit;     /* net credit per unit collected on the open condor (rolls included) */
    double qty;        /* condors */
    double entry_S;
    int wait;          /* trading days before the next entry */
    double cash;       /* discounted USD */
    double peak_pnl, max_dd;
    double hedge_paid, hedge_recv;  /* discounted USD */
    int32_t act[VR_MAX_LAYERS], first[VR_MAX_LAYERS], trades;
    vr_hedge h[VR_MAX_LAYERS];
    double last_pnl;
    uint8_t act_today; /* bit l set when layer l activated today (sample paths) */
} vr_book;

void vr_book_init(vr_book *b, const vr_policy *p);
/* One trading day of one path under one policy. `last` marks the horizon (no new trades).
 * `pre`: the four legs of the open condor marked at today's state by the batch kernels (NULL:
 * mark them here, one by one). */
void vr_book_day(vr_book *b, const vr_policy *p, const vr_mkt *m, const vr_marks *mk, int last,
                 const vr_spx_mark *pre);
void vr_mkt_init(vr_mkt *m, double S, double v, const vr_marks *mk);
void vr_mkt_update(vr_mkt *m, int day, double t, double S, double v, const vr_marks *mk);

#endif
