/* vr_policy.h: the book (a rolling SPX iron condor) and the hedge layers that make a policy.
 *
 * Units: SPX and VIX options have the $100 multiplier; SPX strikes lie on a 5-point grid, VIX
 * strikes on a 1-point grid. Time is in years on one clock: a simulation day is 1/252 year and an
 * option's days to expiry (DTE) are calendar days, tau = DTE/365, so a 45-DTE condor lives about
 * 31 trading days. Cash flows are discounted to time 0 at the model's rate; a path's P&L on a day
 * is discounted cash plus the discounted mark of what is open. The rules are documented in
 * docs/book.md. */
#ifndef VIXRISK_VR_POLICY_H
#define VIXRISK_VR_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_status.h"

#define VR_MAX_LAYERS 6
#define VR_MAX_POLICIES 64
#define VR_NAME_MAX 48
#define VR_VIX_HIST_MAX 63 /* longest VIX lookback of a trigger, trading days */
#define VR_POLICY_MAX_POS 28 /* positions a policy's hedge layers may hold at once (legs x max_open) */

typedef struct vr_condor_rules {
    double contracts;      /* condors traded, > 0 */
    double dte;            /* calendar days to expiry at entry, in [1, 365] */
    double short_delta;    /* |delta| of each short strike at entry, in (0, 0.5) */
    double wing_width;     /* index points between short and long strike, multiple of 5 */
    double wing_pct;       /* ... or this percentage of spot (rounded to the grid, >= 5); 0 = off */
    double wing_delta;     /* ... or the long strikes at this |delta|; 0 = off */
    double profit_take;    /* close when profit >= this fraction of the credit, (0, 1]; 0 = off */
    double stop_loss;      /* close when loss >= this multiple of the credit, > 0; 0 = off */
    double exit_dte;       /* close at or below this DTE, [0, dte); 0 = hold to expiry */
    double roll_delta;     /* roll the tested side when its short |delta| reaches this; 0 = off */
    double roll_to_delta;  /* new short |delta| of a rolled side */
    double reentry_days;   /* trading days between a close and the next entry, >= 0 */
    double commission;     /* USD per contract per leg traded, >= 0 */
    double half_spread;    /* index points per contract per SPX leg traded, >= 0 ... */
    double half_spread_vix;/* ... plus this many points per VIX point (spreads widen with VIX) */
    double vix_half_spread;/* index points per VIX option or future contract traded, >= 0 ... */
    double vix_half_spread_vix; /* ... plus this many points per VIX point */
} vr_condor_rules;

/* The condor's wing width in index points at spot S: wing_pct percent of S on the 5-point grid (at
 * least 5), else wing_width; NaN when the wings are set by delta (no fixed width). The book opens
 * its wings by it (book.c) and the capital at risk counts it (attrib.c). */
double vr_condor_wing_points(const vr_condor_rules *r, double S);

/* Trigger conditions; a NAN field is "not set". */
typedef struct vr_trigger {
    int any;               /* 1: any condition set fires; 0: all of them must hold */
    int always;            /* fires every day (static sleeves, VXTH) */
    double vix_level;      /* VIX >= x */
    double vix_change_days, vix_change_pct, vix_change_pts; /* VIX rise over n days >= x% or x points */
    double rsi_days, rsi_level;   /* Wilder RSI(VIX, n) >= x */
    double term_ratio;     /* VIX / VIX3M >= x (inversion when > 1) */
    double dd_pct;         /* SPX drawdown >= x% ... */
    int dd_from_peak;      /* ... from the running peak (1) or from the condor's entry (0) */
    double condor_loss_pct;/* condor unrealised loss >= x% of its max loss */
    double short_delta;    /* a short strike's |delta| >= x */
    int confirm_days;      /* condition must hold this many consecutive days (>= 1) */
    int cooldown_days;     /* days after an exit before the layer may fire again */
    int cooldown_after;    /* VR_COOLDOWN_ANY: every exit starts the cooldown; _PROFIT: profitable ones */
    int requires_previous; /* the previous layer must be active */
    int previous_within;   /* the previous layer must have activated within this many days; 0 = off */
} vr_trigger;

enum { VR_COOLDOWN_ANY = 0, VR_COOLDOWN_PROFIT = 1 };

/* Action kinds. Every kind but roll_tested opens positions: one structure (a single instrument or
 * a vertical spread of two) per activation; the kind table (vr_action_kind_of) says which. */
typedef enum vr_action_kind {
    VR_ACTION_VIX_CALL = 0, VR_ACTION_ROLL_TESTED = 1, VR_ACTION_VIX_CALL_SPREAD = 2, VR_ACTION_SPX_PUT = 3,
    VR_ACTION_SPX_PUT_SPREAD = 4, VR_ACTION_VIX_FUTURE = 5, VR_ACTION_NKINDS
} vr_action_kind;
typedef enum vr_size_kind {
    VR_SIZE_CONTRACTS = 0, VR_SIZE_PCT_CREDIT, VR_SIZE_PCT_VEGA, VR_SIZE_PCT_MAX_LOSS, VR_SIZE_VXTH,
    VR_SIZE_PCT_MAX_LOSS_DROP
} vr_size_kind;

typedef struct vr_action {
    vr_action_kind kind;
    double delta;          /* |delta| of the (long) option at purchase; NAN if by strike */
    double strike_pct;     /* its strike as a fraction of the VIX future or of SPX; NAN if by delta */
    double short_delta;    /* spreads: |delta| of the short leg (farther out); NAN if by strike */
    double short_strike_pct; /* spreads: the short leg's strike as a fraction; NAN if by delta */
    double dte;            /* calendar days to expiry at purchase */
    vr_size_kind size_by;
    double size;           /* contracts, or the fraction for the pct_* kinds */
    double stress_vix;     /* VIX level of the pct_of_max_loss sizing */
    double spx_drop;       /* SPX drop in percent of the pct_of_max_loss_at_drop sizing */
    int max_contracts;     /* the most contracts one purchase may take, any rule but contracts;
                              0 = no cap */
    double roll_to_delta;  /* roll_tested: new short |delta| */
    int max_open;          /* positions the layer may hold at once (laddering); < 1 reads as 1 */
    int ladder_days;       /* trading days between two openings of the layer; 0 = no limit */
} vr_action;

typedef struct vr_exit {
    double profit_multiple;/* sell when value >= x * premium paid */
    double vix_above;      /* sell when VIX >= x */
    double vix_below;      /* sell when VIX falls back below x after having been above it */
    double dte;            /* sell at or below this DTE (0: hold to expiry, settle) */
    int with_condor;       /* sell when the condor closes */
    double partial_multiple; /* sell partial_fraction of a position once its value >= x * premium */
    double partial_fraction; /* (0, 1); NAN or 0 = off */
} vr_exit;

typedef struct vr_layer {
    char name[VR_NAME_MAX];
    vr_trigger trigger;
    vr_action action;
    vr_exit exit;
} vr_layer;

/* Policies derived by ablation (ablate: true; engine/src/policy/ablate.c). */
typedef enum vr_ablation { VR_ABL_NONE = 0, VR_ABL_ONLY, VR_ABL_WITHOUT } vr_ablation;

typedef struct vr_policy {
    char name[VR_NAME_MAX];
    vr_condor_rules condor;
    int nlayers;
    vr_layer layers[VR_MAX_LAYERS];
    int ablate;            /* config `ablate: true`: the run adds this policy's ablations */
    vr_ablation abl_kind;  /* a derived policy: the condor with only layer abl_layer of policy
                              abl_of (ONLY), or policy abl_of without it (WITHOUT); NONE otherwise */
    int abl_of, abl_layer; /* indices into the run's policies and that policy's layers */
} vr_policy;

/* The number of policies vr_policy_ablate derives from p (0 unless p->ablate). */
int vr_policy_ablation_count(const vr_policy *p);
/* Write the ablations of policy `index` (p) to out[0 .. vr_policy_ablation_count(p)): for each layer
 * "<name>@without=<layer>", then (two layers or more) "<name>@only=<layer>". A requires_previous
 * layer whose previous layer is gone trades on its own trigger. VR_EINVAL when a derived name
 * would be longer than VR_NAME_MAX - 1 characters. */
vr_status vr_policy_ablate(const vr_policy *p, int index, vr_policy *out, vr_err *err);

/* Per-path outputs of one policy (arrays of n paths, owned by the evaluator). */
typedef struct vr_path_out {
    double *pnl;           /* terminal discounted P&L, USD */
    double *drawdown;      /* max drawdown of the daily P&L, USD (>= 0) */
    double *hedge_cost;    /* discounted premium paid for hedges, USD (>= 0) */
    double *hedge_proceeds;/* discounted proceeds of hedge sales and settlements, USD */
    int32_t *activations;  /* n x VR_MAX_LAYERS: activations per layer */
    int32_t *first_day;    /* n x VR_MAX_LAYERS: day of first activation, -1 if never */
    int32_t *trades;       /* condors opened */
    int nattr;             /* 1 + the policy's layers */
    double *attr;          /* n x nattr: discounted net P&L of the condor's legs (0) and of each
                              layer (1 + l), USD; they add up to pnl (to rounding) */
    double *outlay;        /* n x nattr: discounted net premium each opened (paid > 0), plus its
                              trading costs, USD */
} vr_path_out;

/* Every per-path array of vr_path_out as X(field, element type, elements per path), for the code
 * that treats them alike: the evaluator's allocation, the MPI gather of a run's outputs. o names
 * the vr_path_out whose nattr sizes the attribution arrays (set before anything is allocated or
 * gathered). A new per-path output is its field above plus one line here. */
#define VR_PATH_OUT_FIELDS(X, o)                                                                   \
    X(pnl, double, 1)                                                                              \
    X(drawdown, double, 1)                                                                         \
    X(hedge_cost, double, 1)                                                                       \
    X(hedge_proceeds, double, 1)                                                                   \
    X(activations, int32_t, VR_MAX_LAYERS)                                                         \
    X(first_day, int32_t, VR_MAX_LAYERS)                                                           \
    X(trades, int32_t, 1)                                                                          \
    X(attr, double, (size_t)(o)->nattr)                                                            \
    X(outlay, double, (size_t)(o)->nattr)

/* Validate a policy; messages name the key under `prefix` (e.g. "policies[2]") and the range,
 * key_out receives the offending key path. */
vr_status vr_policy_validate(const vr_policy *p, const char *prefix, char *key_out, vr_err *err);

#endif
