/* vr_marks.h: marking the book's instruments at a path's state, consistently with the pricing
 * model. SPX options: Black-76 on the forward with the implied vol of the model's surface at
 * (v, tau, ln(K/F)); VIX futures and options: the model's VIX table at (v, tau). Built once per
 * scenario, read-only afterwards (shared by all threads). Prices are per unit of index (multiply
 * by the $100 contract multiplier for USD). */
#ifndef VIXRISK_VR_MARKS_H
#define VIXRISK_VR_MARKS_H

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_status.h"
#include "vixrisk/vk.h"

typedef struct vr_marks vr_marks;

/* max_tau: longest option expiry to be marked (years). */
vr_status vr_marks_build(const vr_model *m, double max_tau, vr_marks **out, vr_err *err);
/* The checks vr_marks_build's table specs must pass (the VIX table's v_max = max(1, 12 theta*)
 * <= 25, its expiries), without building anything. */
vr_status vr_marks_check(const vr_model *m, double max_tau, vr_err *err);
void vr_marks_destroy(vr_marks *mk);

typedef struct vr_spx_mark {
    double price;  /* per unit, discounted to now */
    double delta;  /* dP/dS (spot delta, e^{-q tau} N(d1) for a call) */
    double vega;   /* dP/dsigma per unit of vol (1.0 = 100 vol points) */
    double vol;    /* implied vol used */
} vr_spx_mark;

/* SPX European option, cp = +1 call / -1 put, tau >= 0 (tau = 0: intrinsic). */
vr_spx_mark vr_marks_spx(const vr_marks *mk, double spot, double v, double strike, double tau, int cp);

/* VIX index levels from the state under the pricing parameters. */
double vr_marks_vix(const vr_marks *mk, double v);    /* 30-day */
double vr_marks_vix3m(const vr_marks *mk, double v);  /* 93-day */

typedef struct vr_vix_mark {
    double price;  /* call per unit, discounted */
    double fut;    /* VIX future to the option's expiry */
    double delta;  /* dC/dF, Black-76 delta at the call's implied vol */
} vr_vix_mark;

/* VIX call price only (no delta: no implied-vol solve), and the VIX future; for daily marks. */
double vr_marks_vix_call_price(const vr_marks *mk, double v, double strike, double tau);
double vr_marks_vix_future(const vr_marks *mk, double v, double tau);

/* VIX call at strike K, expiry tau >= 0 (tau = 0: (VIX - K)^+ with VIX from the state), with its
 * delta (a Newton solve for the call's implied vol: use it when choosing strikes, not to mark). */
vr_vix_mark vr_marks_vix_call(const vr_marks *mk, double v, double strike, double tau);

/* Batch SPX marks for the path loop: n options in structure-of-arrays buffers (64-byte aligned,
 * capacity a multiple of 8), surface lookup and Black-76 by the SIMD kernels of `kt`. The caller
 * fills spot, var, strike, tau, cp (+1/-1) for lanes [0, n); the function pads to a multiple of 8
 * and fills price, delta (spot delta) and vega. */
typedef struct vr_marks_batch {
    size_t cap;
    double *spot, *var, *strike, *tau, *cp;
    double *fwd, *df, *k, *vol, *price, *delta, *gamma, *vega, *theta;
} vr_marks_batch;

vr_status vr_marks_batch_alloc(vr_marks_batch *b, size_t cap, vr_err *err);
void vr_marks_batch_free(vr_marks_batch *b);
void vr_marks_spx_n(const vr_marks *mk, const vk_table *kt, vr_marks_batch *b, size_t n);

double vr_marks_rate(const vr_marks *mk);
double vr_marks_dividend(const vr_marks *mk);

#endif
