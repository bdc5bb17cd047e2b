/* vr_calib.h: estimating the PHYSICAL parameters of heston / bates / svcj from daily history,
 * and comparing simulated with historical SPX/VIX statistics (the realism report).
 *
 * Method (docs/calibration.md has the details and the caveats):
 *   1. Variance series from the VIX: by default v_t solves (VIX_t/100)^2 = a + b v_t with the
 *      model's own 30-day coefficients (vr_vix_coef_make) at the current estimate, iterated to a
 *      fixed point; `invert = 0` uses the proxy v_t = (VIX_t/100)^2. Values are floored at
 *      VR_CALIB_V_FLOOR (days floored are counted).
 *   2. kappa, theta, sigma: Gaussian quasi-maximum likelihood of the Euler-discretised CIR,
 *      dv = kappa (theta - v) dt + sigma sqrt(v) sqrt(dt) eps, i.e. least squares of
 *      dv/sqrt(v) on (dt/sqrt(v), -dt sqrt(v)); SEs from the QML sandwich.
 *   3. rho: correlation of the standardised return and variance shocks on non-jump days.
 *   4. Jumps (bates, svcj): a day is a price jump if |r - mean| exceeds `jump_k` local standard
 *      deviations (bipower variation of the `local_window` days either side); for svcj also if the
 *      CIR residual of v exceeds +jump_k sds of an all-days fit (a VIX co-jump). lambda =
 *      jumps per year; the jump-size moments come from the returns (and variance residuals) of
 *      the jump days; svcj excludes jump days from the CIR fit.
 *   5. SEs also by a moving-block bootstrap of the daily transitions (jump labels fixed).
 * Units follow vr_model.h: per year, dt = 1/252 per trading day. */
#ifndef VIXRISK_VR_CALIB_H
#define VIXRISK_VR_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_status.h"

#define VR_CALIB_V_FLOOR 1e-4 /* variance floor (1% vol) when VIX^2 < a */

typedef struct vr_calib_opts {
    vr_model_type type;
    int invert;          /* 1 (default): invert VIX^2 = a + b v with the model's (a, b); 0: proxy */
    double dt;           /* years per observation, (0, 1]; default 1/252 */
    double jump_k;       /* jump threshold in local standard deviations, [2, 20]; default 4 */
    size_t local_window; /* days of the local (bipower) standard deviation, [5, 252]; default 21 */
    size_t bootstrap;    /* block-bootstrap replications, 0 = none, <= 100000; default 200 */
    size_t block_len;    /* bootstrap block length in days, >= 1; default 21 */
    uint64_t seed;       /* bootstrap seed; default 1 */
    int max_iter;        /* fixed-point iterations of the inversion, [1, 1000]; default 100 */
    const vr_vix_coef *coef; /* non-NULL: invert VIX^2 = a + b v with these coefficients (the
                                pricing measure's, once it is calibrated) instead of the model's
                                own at the current estimate; default NULL */
    const vr_sv_params *pricing; /* svcj2 (vr_calib_fit2, required there): filter (v, m) from
                                    VIX and VIX3M with these pricing parameters (their s2
                                    member); default NULL */
    size_t m_step;       /* svcj2: days per transition of m in its fit, [1, 252]; default 21 */
    int floored;         /* svcj2: VR_CALIB_FLOORED_KEEP (default: every transition enters the
                            fit) or VR_CALIB_FLOORED_DROP (the fit leaves out every transition
                            that starts or ends on a day outside the model's reach, and every
                            m transition whose window holds one) */
} vr_calib_opts;

enum { VR_CALIB_FLOORED_KEEP = 0, VR_CALIB_FLOORED_DROP = 1 };

void vr_calib_opts_default(vr_calib_opts *o, vr_model_type type);

typedef struct vr_calib_result {
    vr_model_type type;
    vr_sv_params est;     /* estimates (fields the model does not use are 0) */
    vr_sv_params se_qml;  /* asymptotic (QML sandwich / moment) standard errors; NAN if undefined */
    vr_sv_params se_boot; /* block-bootstrap standard errors; NAN if bootstrap = 0 */
    size_t n;             /* observations (days) used */
    size_t n_jumps;       /* jump days */
    size_t n_floored;     /* days where v was floored */
    int iterations, converged;
    double v_last;        /* variance on the last day (v0 of the model file) */
    double mean_v;        /* mean of the variance series */
    double realized_var;  /* annualised mean of squared daily log-returns */
    double qml_loglik;    /* Gaussian QML log-likelihood of the CIR transitions used */
    double drift;         /* annualised mean daily log-return (non-jump days) */
    double *v;            /* [n] the variance series (owned) */
    uint8_t *jump;        /* [n] 1 on jump days (transition t-1 -> t), jump[0] = 0 (owned) */
    double *m;            /* svcj2: [n] the second factor (owned); NULL otherwise */
    double m_last;        /* svcj2: m on the last day (m0 of the model file) */
    double mean_m;        /* svcj2: mean of the m series */
    /* svcj2: bit i (the model parameter table's order, vr_model_def_of) is set when the estimate
     * of parameter i lay outside the model's domain and est holds the bound instead (lambda1 at
     * 0.95 kappa_v / mu_v, sigma_v at 0.001); `fitted` keeps the unconstrained estimates. Such a
     * parameter is not a maximum-likelihood estimate: its SEs are NAN ("n/a"). 0 otherwise. */
    unsigned long at_bound;
    vr_sv_params fitted;
    /* Parameters a rule set instead of the data (bits as at_bound; every model with jumps):
     * few_jumps, the jump-size law when the window has fewer than 2 jump days (n_jumps says how
     * many: the sizes are then small symmetric jumps, or one day's); at_floor, the jump size's
     * spread held at its floor of 0.001 when the jump days' returns spread no more than the
     * diffusion explains. Neither is an estimate: their SEs are NAN ("n/a"), and the output and
     * the model file say so (vr_calib_bounds_str). */
    unsigned long few_jumps, at_floor;
    /* svcj2: the intensity (lambda0, lambda1) a rule set because the v rule labelled fewer than 2
     * days (n_vjumps): lambda0 = the window's jump days a year, lambda1 = 0 (bits as at_bound; SEs
     * NAN, said as few_jumps is) */
    unsigned long few_vjumps;
    size_t n_vjumps;
    /* svcj2 with VR_CALIB_FLOORED_DROP: daily transitions (of n - 1) and m_step-day transitions
     * of m (of n - m_step) left out because they touch a day outside the model's reach; 0 with
     * VR_CALIB_FLOORED_KEEP */
    int floored_drop;
    size_t n_left_out, n_left_out_m;
    size_t m_step;        /* svcj2: the step of m's transitions (vr_calib_opts.m_step) */
} vr_calib_result;

/* Estimate the physical parameters from n >= 100 daily closes (spx > 0, vix > 0, no NAN).
 * Errors: VR_EINVAL for bad arguments/options (the message names them), VR_ENUM if the
 * estimate is degenerate (kappa <= 0: no mean reversion in the window), VR_ENOMEM. On success
 * res owns v and jump (vr_calib_result_free). */
vr_status vr_calib_fit(const double *spx, const double *vix, size_t n, const vr_calib_opts *o,
                       vr_calib_result *res, vr_err *err);
void vr_calib_result_free(vr_calib_result *res);

/* svcj2 (two factors): the same from daily SPX, VIX and VIX3M closes (n >= 100, all positive).
 * Each day's (v, m) solves the two affine equations (VIX/100)^2 = a30 + b30 . (v, m) and
 * (VIX3M/100)^2 = a93 + b93 . (v, m) under o->pricing (required, VR_EINVAL if NULL or invalid);
 * Gaussian QML of the Euler transitions of m (all days)
 * and v (non-jump days); jump days as svcj; lambda0, lambda1 by the Bernoulli likelihood of the
 * jump labels, P(jump) = 1 - exp(-(lambda0 + lambda1 v) dt); sandwich and block-bootstrap SEs.
 * The estimates are in est.s2 (se_qml.s2, se_boot.s2); res owns v, m and jump. Errors as
 * vr_calib_fit; o->invert = 0 or o->coef is VR_EINVAL (the states come from both indices). */
vr_status vr_calib_fit2(const double *spx, const double *vix, const double *vix3m, size_t n,
                        const vr_calib_opts *o, vr_calib_result *res, vr_err *err);

/* The svcj2 filter: v[t], m[t] from vix[t], vix3m[t] under the pricing set p (its s2 member),
 * exact where both factors come out >= VR_CALIB_V_FLOOR; elsewhere re-solved with a factor
 * clamped (vr_term.h) and floored. Returns the number of such days. */
size_t vr_calib_filter2(const vr_sv_params *p, const double *vix, const double *vix3m, size_t n,
                        double *v, double *m);

/* Price-jump days by the local-sd rule: flags[t] = 1 if |r_t - mean(r)| > k * sd_t, where r_t =
 * ln(spx[t]/spx[t-1]) and sd_t is the bipower standard deviation of the returns within `window`
 * days before and after t (t itself excluded; fewer at the ends). flags has n entries;
 * flags[0] = 0. Returns the number of flagged days (0 if n < 8 or out of memory). */
size_t vr_calib_detect_jumps(const double *spx, size_t n, double k, size_t window, uint8_t *flags);

/* The parameters held at a bound of the model's domain (r->at_bound) or set by a rule
 * (r->few_jumps, r->at_floor), one line each (no
 * trailing newline; each line starts with `indent`): name, the bound, the fitted value. Returns
 * the length written (snprintf semantics: truncated to cap), 0 if none is held. */
size_t vr_calib_bounds_str(const vr_calib_result *r, const char *indent, char *buf, size_t cap);

/* Print the fit summary (parameters, SEs, diagnostics) to f. */
void vr_calib_print(FILE *f, const vr_calib_result *r);

/* Write a model file (docs/config.md) that vr_model_load accepts: physical = pricing = r->est,
 * spot and v0 given, rate/dividend given; `comment` (may be NULL, may hold newlines) is written
 * as '#' lines first, followed by the estimates with their SEs as comments. */
vr_status vr_calib_write_model(const char *path, const vr_calib_result *r, double spot,
                               double rate, double dividend, const char *comment, vr_err *err);

/* Write model m (both parameter sets, spot, rate, dividend and the state of its parameter table:
 * v0 [, m0]) as a model file (docs/config.md); `comment` (may be NULL, may hold newlines) becomes
 * '#' lines first; `pricing_note` (may be NULL) a comment after the pricing set. The file is read
 * back with vr_model_load (VR_ENUM if it does not validate). Parameter names come from the model
 * parameter table (vr_model_params.h). */
vr_status vr_calib_write_file(const char *path, const vr_model *m, const char *comment,
                              const char *pricing_note, vr_err *err);

/* ---- realism report ------------------------------------------------------------------------ */
#define VR_REALISM_NPCT 8
extern const double vr_realism_pct[VR_REALISM_NPCT]; /* 1 5 25 50 75 95 99 99.9 */
#define VR_REALISM_NABOVE 4
extern const double vr_realism_above[VR_REALISM_NABOVE]; /* 30 40 60 80 */
/* VIX buckets: [0, 15), [15, 20), [20, 30), [30, inf) */
#define VR_REALISM_NB 4
#define VR_REALISM_RV_DAYS 21 /* forward window of the realised / implied variance rows */
extern const double vr_realism_edge[VR_REALISM_NB - 1]; /* 15 20 30 */
int vr_realism_bucket(double vix);
/* Second leg after a trigger: the multiples of the trigger day's VIX */
#define VR_REALISM_NLEG 3
extern const double vr_realism_leg[VR_REALISM_NLEG]; /* 1.3 1.5 2 */
#define VR_TRIGGER_LEVEL 22.0  /* a trigger: VIX >= 22 ... */
#define VR_TRIGGER_JUMP 1.25   /* ... or VIX >= 1.25 x its value 5 trading days earlier, */
#define VR_TRIGGER_LAG 5
#define VR_TRIGGER_QUIET 21    /* counted if no day in the previous 21 met either condition (all 21
                                  checked, in the series: from day 26, counting from 0); */
#define VR_TRIGGER_AHEAD 21    /* the second leg looks at the max VIX over the next 21 days */
#define VR_CM_DAYS_1 30.0      /* constant-maturity futures: 30 and 60 calendar days */
#define VR_CM_DAYS_2 60.0

typedef struct vr_realism_stats {
    double years;                  /* observed years (daily changes / 252) */
    double vix_pct[VR_REALISM_NPCT];
    double vix_mean;
    double vix_floor;              /* history: lowest close; model: 100 sqrt(a), the lowest VIX
                                      the model can produce (all variance factors at 0) */
    double max_up_1d_pts, max_up_1d_pct;   /* largest 1-day VIX rise (points, percent) */
    double max_up_5d_pts, max_up_5d_pct;   /* largest 5-day VIX rise */
    double max_dn_1d_pts, max_dn_5d_pts;   /* largest 1-/5-day VIX fall (points, negative) */
    double frac_above[VR_REALISM_NABOVE];  /* share of days with VIX > 30, 40, 60, 80 */
    double corr_spx_vix;                   /* corr(daily SPX log-return, daily VIX change) */
    double corr_spx_lvix;                  /* corr(daily SPX log-return, daily log VIX change) */
    double ret_sd_ann;                     /* annualised sd of daily SPX log-returns */
    double ret_exkurt;                     /* excess kurtosis of daily SPX log-returns */
    double ret_skew;                       /* skewness of daily SPX log-returns */
    double worst_1d, worst_5d;             /* worst daily / 5-day SPX log-return */
    double feb2018_per100y;   /* days with VIX_{t-1} < 20 and VIX_t >= 2 VIX_{t-1}, per 100 y */
    double vix_up50_per100y;  /* days with VIX_{t-1} < 20 and VIX_t >= 1.5 VIX_{t-1}, per 100 y */
    double mar2020_per100y;   /* episodes of VIX > 80 (126 days apart), per 100 years */
    double above60_ep_per100y;/* episodes of VIX > 60, per 100 years */
    /* triggers (VR_TRIGGER_*) with VR_TRIGGER_AHEAD days after them, and the share of them whose
     * max VIX over the next VR_TRIGGER_AHEAD days reaches vr_realism_leg[k] x the trigger's VIX */
    size_t n_triggers;
    double second_leg[VR_REALISM_NLEG];
    /* annualised sd of daily log VIX changes, by the bucket of the previous day's VIX */
    double lvol[VR_REALISM_NB];
    size_t lvol_n[VR_REALISM_NB];
    /* pricing measure, by the bucket of the day's VIX (NAN where there are no data): mean
     * constant-maturity future / VIX at 30 and 60 days, VIX3M / VIX, VVIX */
    double fut1[VR_REALISM_NB], fut2[VR_REALISM_NB], v3m[VR_REALISM_NB], vvix[VR_REALISM_NB];
    size_t fut_n[VR_REALISM_NB], v3m_n[VR_REALISM_NB], vvix_n[VR_REALISM_NB];
    /* where the variance risk premium sits: by the bucket of day t's VIX, the realised variance
     * of the next VR_REALISM_RV_DAYS daily SPX log returns (annualised: sum r^2 x 252 / days)
     * over the implied one, (VIX_t / 100)^2, as a ratio of the bucket's sums (below 1: implied
     * above realised, a premium for selling variance); days whose window leaves the series are
     * left out. A model's VIX is its pricing-measure index, its returns the physical paths. */
    double rv_iv[VR_REALISM_NB];
    size_t rv_iv_n[VR_REALISM_NB];
    int extremes_per_span;    /* 1 if the max/min fields are medians of per-span extremes */
    /* simulation only: Monte Carlo standard errors of the gated non-extreme statistics, from 10
     * batches of paths (sd of the batch values / sqrt(10)); 0 for a history */
    int has_se;
    double se_pct[VR_REALISM_NPCT], se_above[VR_REALISM_NABOVE], se_leg[VR_REALISM_NLEG];
    double se_feb2018, se_up50, se_lvol_ratio, se_corr_lvix, se_ret_sd;
} vr_realism_stats;

/* A historical series: n days of SPX and VIX closes, and optionally (NULL, or NAN on a day) VIX3M,
 * VVIX and the constant-maturity futures at VR_CM_DAYS_1 / _2 (vr_futures_cm). */
typedef struct vr_realism_data {
    size_t n;
    const double *spx, *vix;
    const double *vix3m, *vvix, *fut1, *fut2;
} vr_realism_data;

/* Statistics of a historical series. */
vr_status vr_realism_history_data(const vr_realism_data *d, vr_realism_stats *s, vr_err *err);
/* The same from SPX and VIX only (the pricing-measure fields are NAN). */
vr_status vr_realism_history(const double *spx, const double *vix, size_t n, vr_realism_stats *s,
                             vr_err *err);

#define VR_REALISM_MAX_YEARS 50 /* a simulated path's years and burn-in together, at most */

typedef struct vr_realism_sim {
    size_t paths;     /* default 2000 */
    double years;     /* per path, default 10 (years + burn_in <= VR_REALISM_MAX_YEARS) */
    double burn_in;   /* years discarded at the start of every path, default 1 */
    uint64_t seed;    /* default 1 */
    int threads;      /* 0 = OpenMP default */
    double span_years;/* extremes are medians over spans of this many years (e.g. the history's
                         length); 0 = over everything */
    size_t fut_states;  /* pricing stats: model states per VIX bucket for futures (default 300) */
    size_t vvix_states; /* ... and for VVIX (default 40); 0 = skip */
} vr_realism_sim;

/* Simulate m under its physical parameters (daily steps, QE, v starting at the physical long-run
 * mean theta*, burn-in discarded), VIX_t = 100 sqrt(a + b v_t) with the pricing parameters, and
 * compute the same statistics. Extremes (max/min) are medians over consecutive spans of
 * span_years (several paths joined) so they compare with a history of that length. The
 * pricing-measure statistics price (model interface: vix_future, vix_option) the states of every
 * 21st simulated day, the first fut_states / vvix_states of each bucket in path order. */
vr_status vr_realism_simulate(const vr_model *m, const vr_realism_sim *rs, vr_realism_stats *s,
                              vr_err *err);

/* Model VVIX at variance factors x under pricing parameters p: the 30-day log contract on the
 * VIX, 100 sqrt((2/T)(ln F - E[ln VIX_T])), T = 30/365, F the model future, E[ln VIX_T] by static
 * replication over VIX option prices: puts below F, calls above, Simpson's rule in log strike on
 * [F e^-1.5, F] (12 intervals) and [F, F e^3] (24), 38 option prices; within 0.2 VVIX points of
 * twice as many intervals. This is the exact log-contract value the calibration fits (smooth in
 * the parameters); vr_model_vvix (vr_model_info.h) applies Cboe's discrete strike strip to the
 * same option prices, as the published index does, and lies 0.1-0.4 points above it (svcj2 on
 * the --asof days: 0.17-1.04, docs/numerics.md). Errors of the pricers are passed on. A model with
 * a prepared law of VIX_T (ops->vix_law_build: svcj2) gives E[ln VIX_T] directly from its Laplace
 * transform instead (vr_model_vvix_law): the same quantity without the strike grid, within 4e-5
 * relative of a 1000-option replication (that much is the options' error). */
vr_status vr_model_vvix_log(const vr_model_ops *ops, const vr_sv_params *p, const double *x,
                            double *vvix, vr_err *err);

/* The same from a prepared law whose expiry k is 30/365 (many states, one parameter set). */
vr_status vr_model_vvix_law(const vr_model_ops *ops, const vr_vix_law *law, int k,
                            const double *x, double *vvix, vr_err *err);

/* Markdown table: one row per statistic, one column per entry; cols[0] is the history, the
 * others are models, each marked pass/FAIL against the gate's tolerance (column "gate"). Returns
 * the number of failed gates summed over the model columns. */
int vr_realism_print(FILE *f, const char *const *names, const vr_realism_stats *cols, size_t ncols);

/* ---- pricing (risk-neutral) calibration ------------------------------------------------------
 * The pricing parameters are fitted to the VIX-family term structure (VIX9D, VIX3M, VIX6M), the
 * listed VIX futures at their real expiries and VVIX, jointly over the sample, each day's state
 * filtered from that day's VIX (and VIX3M for a two-factor model, vr_term.h) under the candidate
 * parameters. Only the model interface is used (vix_coef, vix_future, vix_option), so any model
 * type fits the same way. Loss: for each group (indices incl. the VIX itself, futures, VVIX) the
 * mean squared log error, weighted, plus a ridge pulling the transformed parameters towards the
 * start (weakly identified parameters, e.g. price-jump sizes that enter only through the
 * convexity term, then stay at their physical values). Minimised by Nelder-Mead in coordinates
 * where every range is unbounded (logit of the position in the range). */
#define VR_PFIT_NIDX 3          /* VIX9D, VIX3M, VIX6M */
#define VR_VIX_TAU_6M (182.0 / 365.0)
#define VR_PFIT_NTAB 4          /* table rows: 30-day future/VIX, 60-day future/VIX, VIX3M/VIX, VVIX */
#define VR_PFIT_MAXF 10

typedef struct vr_pfit_day {
    int32_t date;
    double vix;
    double idx[VR_PFIT_NIDX];   /* VIX9D, VIX3M, VIX6M close; NAN = missing */
    double vvix;                /* NAN = missing */
    double cm[2];               /* constant-maturity futures at 30 and 60 days (table only) */
    int nfut;                   /* listed contracts, nearest first */
    double fut_T[VR_PFIT_MAXF]; /* years to expiry (calendar days / 365) */
    double fut[VR_PFIT_MAXF];   /* settlement prices */
} vr_pfit_day;

#define VR_PFIT_MAXP 16 /* parameters of a model the pricing fit can handle */

typedef struct vr_pfit_opts {
    vr_model_type type;
    vr_sv_params start;         /* starting point; parameters not fitted keep these values */
    unsigned long fit_mask;     /* bit i: the model's parameter i (vr_model_def_of order) is
                                   fitted; 0 = every parameter that moves the loss */
    size_t every;               /* every k-th usable day enters (default 5) */
    size_t vvix_per_bucket;     /* VVIX days per VIX bucket, evenly spread (default 3) */
    int max_fut;                /* nearest contracts used per day, 1..10 (default 6) */
    double w_idx, w_fut, w_vvix;/* group weights (default 1, 1, 1) */
    double ridge;               /* default 1e-4 */
    int max_eval;               /* loss evaluations, default 800 */
    int threads;                /* 0 = OpenMP default */
    /* Anchor of the states (0 = off, the default): w_v (ln(mean v / v_target))^2 is added to the
     * loss, mean v over the fit days' backed-out states. With v_target the diffusive part of the
     * realised SPX variance it keeps the variance risk premium in the pricing parameters instead
     * of in states the returns contradict (svcj2; docs/calibration.md). */
    double v_target, w_v;
    /* Reach penalty (0 = off, the default): w_reach x (the share of fit days whose VIX and VIX3M
     * the model cannot reach, their state clamped) is added to the loss. A pricing set that puts
     * days out of reach leaves the physical fit clamped states (svcj2; docs/calibration.md). */
    double w_reach;
    /* Upper ends of the search range, by parameter index (vr_model_def_of order); 0 = the
     * parameter table's own. A start above its cap starts at the cap. */
    double cap_hi[VR_PFIT_MAXP];
    /* The ridge's centre (NULL, the default: the start). The svcj2 alternation starts each round
     * at the previous round's estimate but keeps the ridge on its first start, so that every
     * round minimises the same loss (docs/calibration.md). */
    const vr_sv_params *ridge_centre;
    /* 1: no search; the result describes the start set itself (its errors, tables and loss,
     * the loss without the ridge, which is 0 at the centre), with evals 1 and fit_mask 0. The
     * svcj2 calibration writes a set whose diffusion coefficients differ from the fitted one's,
     * and its model file states that set's errors. */
    int evaluate_only;
} vr_pfit_opts;

void vr_pfit_opts_default(vr_pfit_opts *o, vr_model_type type, const vr_sv_params *start);

typedef struct vr_pfit_result {
    vr_model_type type;
    vr_sv_params start, est;
    unsigned long fit_mask;
    double loss;
    double rms_vix, rms_idx[VR_PFIT_NIDX], rms_fut, rms_vvix; /* RMS log errors */
    size_t n_days, n_idx[VR_PFIT_NIDX], n_fut, n_vvix, n_clamped;
    int evals, converged;
    double mean_v, v_target;    /* mean backed-out v over the fit days; the anchor (0: none) */
    double w_reach;             /* the reach penalty's weight (0: none) */
    /* by VIX bucket over the fit days: data and model means, and counts */
    double tab_data[VR_PFIT_NTAB][VR_REALISM_NB], tab_model[VR_PFIT_NTAB][VR_REALISM_NB];
    size_t tab_n[VR_PFIT_NTAB][VR_REALISM_NB];
    int32_t first_date, last_date;
} vr_pfit_result;

/* Fit. Errors: VR_EINVAL for bad options or no usable day (the message says which data are
 * missing), VR_ENUM when the pricers fail at the optimum, VR_ENOMEM. */
vr_status vr_pricing_fit(const vr_pfit_day *days, size_t n, const vr_pfit_opts *o,
                         vr_pfit_result *r, vr_err *err);

/* Parameters, RMS errors and the bucket table (data beside model), markdown-ish text. */
void vr_pfit_print(FILE *f, const vr_pfit_result *r);

/* An RMS log error of the fit as printed and written to model files: "%.4f", or "n/a" when nothing
 * was fitted in its group (n == 0: no fit day with that index, no future, no VVIX day) or it is not
 * finite. buf holds 16 bytes; returns buf. */
const char *vr_pfit_rms_str(double rms, size_t n, char buf[16]);

/* ---- command line ---------------------------------------------------------------------------- */
/* `vixrisk calibrate ...` (argv[0] = "calibrate"). Returns the process exit code: 0 ok, 1 runtime
 * failure, 2 usage error. --help prints to stdout. */
int vr_cmd_calibrate(int argc, char **argv);

/* Whether parameter d at value x is left out of the printed tables and the written sets: an
 * optional parameter at its default (svcj's lambda1 at 0, which the one-factor fit does not
 * estimate: it was printed and written as an estimate of 0 with standard errors 0; the loader
 * fills it in). */
int vr_calib_param_left_out(const vr_param_def *d, double x);

/* A standard error for the tables and files the calibration writes: "%.4g", or "n/a" where it is
 * not finite (no bootstrap was run, or the information matrix is singular): never "nan". */
#define VR_CALIB_SE_STR 16
const char *vr_calib_se_str(double se, char *buf);

#endif
