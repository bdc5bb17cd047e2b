/* vr_model_info.h: what a model implies at a state, for `vixrisk model` (engine/cli/model_cmd.c).
 *
 * Everything here goes through the model interface (vr_model_ops.h), so it works alike for every
 * model type: the variance factors, the VIX-family indices and their affine coefficients, the VIX
 * futures curve, SPX implied vols (ATM and 25-delta), the model's VVIX, the stationary means and
 * Feller ratios under both measures and the VIX floor. Three parts:
 *   - the Cboe variance-swap formula over an out-of-the-money option strip (VIX / VVIX white
 *     papers), written once over arrays of strikes and prices (vr_cboe_variance) so it can be
 *     tested on any option law, and its interpolation to 30 days (vr_cboe_index);
 *   - one date's market from the data directory (vr_market_day_load): SPX, VIX9D, VIX, VIX3M,
 *     VIX6M, VVIX closes and the listed VIX futures with their expiries;
 *   - the summary itself (vr_model_info_compute), at the model file's state or at a state backed
 *     out from a date's market (vr_model_state_from_market).
 * The method is documented in docs/numerics.md ("The model's VVIX") and docs/config.md. */
#ifndef VIXRISK_VR_MODEL_INFO_H
#define VIXRISK_VR_MODEL_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_status.h"

/* ---- the Cboe formula over a strip ---------------------------------------------------------- */

/* Minimum price tick of the strip: an option whose price is below it has a zero bid. */
#define VR_CBOE_TICK 0.01

typedef struct vr_cboe_term {
    double fwd;       /* F = K* + e^{rT} (C(K*) - P(K*)), K* the strike with the least |C - P| */
    double k0;        /* first strike at or below F */
    double var;       /* sigma^2 = (2/T) sum dK/K^2 e^{rT} Q(K) - (1/T) (F/K0 - 1)^2 */
    int nused;        /* strikes in the sum (K0 counted once) */
    double k_lo, k_hi; /* lowest and highest strike used */
} vr_cboe_term;

/* The variance of one expiry T (years, > 0) at rate r from n strikes K[0..n) (strictly
 * ascending, > 0) with call and put prices C[i], P[i] (discounted, per unit; NAN where not
 * priced). The forward comes from put-call parity at the strike, among those with both prices,
 * where |C - P| is least; K0 is the largest strike <= F. The strip: puts below K0 and calls above
 * it, walking away from K0 and skipping options with a zero bid (price < tick), stopped by two
 * consecutive zero bids (or the end of the array); at K0 the mean of put and call. dK_i is half
 * the distance between the used strikes either side of K_i (one-sided at the ends). VR_EINVAL for
 * bad arrays, no strike with both prices, or an empty strip. */
vr_status vr_cboe_variance(const double *K, const double *C, const double *P, int n, double T,
                           double rate, double tick, vr_cboe_term *out, vr_err *err);

/* 100 sqrt of the 30-day variance interpolated (linearly in total variance, as the VIX white
 * paper) between near (T1, var1) and next (T2, var2) terms, T1 < T2 (years), target 30/365.
 * NAN when the interpolated variance is negative. */
double vr_cboe_index(double T1, double var1, double T2, double var2);

/* The model's VVIX: the formula above applied to the model's own VIX options (ops->vix_option
 * under pricing parameters p, factors x) at a near and a next expiry bracketing 30 days, on the
 * VIX option strike grid (vr_vix_strike_grid), interpolated to 30 days. */
#define VR_VVIX_NEAR_DAYS 27
#define VR_VVIX_NEXT_DAYS 34
typedef struct vr_vvix {
    double level;          /* the index, in vol points (100 x) */
    vr_cboe_term near, next;
    double t_near, t_next; /* years */
} vr_vvix;
vr_status vr_model_vvix(const vr_model_ops *ops, const vr_sv_params *p, const double *x,
                        double rate, vr_vvix *out, vr_err *err);

/* The listed VIX option strike grid used for the strip: every point up to 50, 2.5 points to
 * 100, 5 points to 500 (starting at 1). Writes at most cap strikes, returns the count. */
int vr_vix_strike_grid(double *K, int cap);

/* ---- one date's market ---------------------------------------------------------------------- */

#define VR_MARKET_MAX_FUT 12

typedef struct vr_market_fut {
    char contract[8];  /* "YYYY-MM" */
    int32_t expiry;    /* yyyymmdd: final settlement date */
    double settle;     /* settlement price, index points */
} vr_market_fut;

/* What an optional file holds around a date it has no close for (the messages name the valid
 * dates): present = 0 when the file is absent; first, last its span (0: no data rows); before,
 * after the nearest dates around the day (0: none); empty = 1 when the day's close is empty. */
typedef struct vr_market_span {
    int present;
    int32_t first, last, before, after;
    int empty;
} vr_market_span;

typedef struct vr_market_day {
    int32_t date;                            /* yyyymmdd */
    double spx, vix9d, vix, vix3m, vix6m, vvix; /* closes; NAN when the data has none that day */
    int nfut;
    vr_market_fut fut[VR_MARKET_MAX_FUT];    /* ascending expiry, expiry after date */
    char fut_source[160];                    /* the file the futures came from ("" if none) */
    char dir[VR_DATA_DIR_MAX + 1];           /* the data directory */
    vr_market_span vix3m_span;               /* vix3m_daily.csv around the date (two-factor models
                                              * need its close: the message names its dates) */
} vr_market_day;

/* Why the file of *sp has no close on `date`, as the text that follows "no close on DATE":
 * ": the date is before the data (the file covers A to B)", " (not a trading day in the data):
 * the nearest trading days are X and Y (the file covers A to B)", ": the file is absent", ...
 * Written into buf (cap >= 160), which is returned. */
const char *vr_market_span_why(const vr_market_span *sp, int32_t date, char *buf, size_t cap);

/* Load date `date` (yyyymmdd) from the CSV files of `dir` (../shared/data layout, see its README):
 * spx_daily.csv and vix_daily.csv are required and must have a close that day; vix9d, vix3m,
 * vix6m and vvix are read when present (NAN otherwise); futures from vix_futures_contracts.csv
 * (contracts traded that day with their expiry and settle) or, for dates it lacks,
 * vix_futures_term_structure.csv (vx1..vx8 with expiries by the CFE rule: the Wednesday 30 days
 * before the third Friday of the following month, exchange holidays not applied). VR_EINVAL
 * naming the file and the date (and the span the file covers) when a required file is missing or
 * lacks the date; "FILE:LINE: ..." for a malformed row of a file that is read. */
vr_status vr_market_day_load(const char *dir, int32_t date, vr_market_day *out, vr_err *err);

/* Days from a to b (yyyymmdd dates; b - a). */
int vr_date_diff_days(int32_t a, int32_t b);

/* The variance factors a market day implies under the model's pricing parameters: one-factor
 * models from VIX alone (ops->state_from_vix), two-factor models from VIX and VIX3M exactly
 * (ops->state_from_vix2). VR_EINVAL (the date, the levels, the floor) when the day lacks a level
 * it needs or the levels are outside what the model reaches (VIX below its floor). */
vr_status vr_model_state_from_market(const vr_model *m, const vr_market_day *mk, double *x,
                                     vr_err *err);

/* The factors a market day identifies: 2 (VIX and VIX3M) for a two-factor model, 1 (VIX) for a
 * one-factor model and for a two-factor model whose m cannot leave m0 (sigma_m = 0 and m0 =
 * theta under both measures: an svcj file with lambda1 is loaded so), whose m stays at m0. */
int vr_model_market_factors(const vr_model *m);

/* Start model m at a market day (`run --asof`, `price --asof`, a scenario's `start: {asof}`):
 * spot = that day's SPX close and the factors of vr_model_state_from_market (under m->pricing)
 * written into the model's initial state (v0, and m0 for two-factor models: the state entries of
 * its parameter table), so that every consumer of the model (paths, pricers, the run file's
 * v0/m0) starts from that market. x (may be NULL) receives the factors. On failure (the errors of
 * vr_model_state_from_market; VR_EINVAL naming the date, the VIX (and VIX3M), the factor and its
 * range when a factor lies outside its state entry's range, e.g. v0 > 4) m is unchanged. */
vr_status vr_model_start_at_market(vr_model *m, const vr_market_day *mk, double *x, vr_err *err);

/* ---- the summary ---------------------------------------------------------------------------- */

#define VR_INFO_NIDX 4   /* VIX9D, VIX, VIX3M, VIX6M */
#define VR_INFO_NFUT 8   /* futures at 1..8 months (k/12 years) */
#define VR_INFO_NSPX 2   /* SPX vols at 30 and 91 days */

typedef struct vr_info_index {
    const char *name;  /* "VIX9D", "VIX", "VIX3M", "VIX6M" */
    int days;          /* 9, 30, 93, 183 */
    vr_vix_coef coef;  /* (VIX/100)^2 = a + b.x under pricing */
    double model;      /* 100 sqrt(a + b.x) */
    double real;       /* that date's close (NAN without --asof or data) */
} vr_info_index;

typedef struct vr_info_spx {
    int days;
    double atm;                  /* implied vol at K = F */
    double put25, call25;        /* implied vols of the 25-delta put and call (forward delta) */
    double k_put25, k_call25;    /* their strikes */
} vr_info_spx;

typedef struct vr_info_listed {
    vr_market_fut fut;
    int days;                    /* calendar days to expiry */
    double model;                /* model future at that expiry */
} vr_info_listed;

typedef struct vr_info_measure {
    double mean[VR_FACTORS_MAX];   /* stationary means of the factors */
    double feller[VR_FACTORS_MAX]; /* Feller ratios (+INFINITY: no diffusion) */
    double vix_mean;               /* 100 sqrt(a + b.E[x]): the root of the stationary mean of VIX^2 */
} vr_info_measure;

typedef struct vr_model_info {
    const vr_model_ops *ops;
    double spot;
    double x[VR_FACTORS_MAX];
    vr_info_index idx[VR_INFO_NIDX];
    double fut_months[VR_INFO_NFUT];       /* model future at k/12 years, k = 1..8 */
    vr_info_spx spx[VR_INFO_NSPX];
    vr_vvix vvix;
    double vvix_real;                      /* NAN unless --asof and the data has it */
    int nlisted;
    vr_info_listed listed[VR_MARKET_MAX_FUT];
    vr_info_measure physical, pricing;
    double vix_floor;                      /* 100 sqrt(max(a, 0)) of the 30-day index */
} vr_model_info;

/* Everything above for model m at factors x (and spot) under m->pricing for prices and both
 * measures for the long run; mk (may be NULL) adds that day's real values and the model's
 * futures at its listed expiries. VR_ENUM when a pricer fails (its message names the inputs). */
vr_status vr_model_info_compute(const vr_model *m, double spot, const double *x,
                                const vr_market_day *mk, vr_model_info *out, vr_err *err);

/* `vixrisk model` (engine/cli/model_cmd.c): argv[0] = "model"; returns the exit code. */
int vr_cmd_model(int argc, char **argv);

#endif
