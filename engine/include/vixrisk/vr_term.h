/* vr_term.h: the variance state behind the day's VIX-family indices, for any model.
 *
 * A model with one variance factor is pinned down by the VIX alone; a model with two (v, m) by
 * the VIX and the VIX3M together: (VIX/100)^2 = a30 + b30 . x and (VIX3M/100)^2 = a93 + b93 . x
 * are two linear equations in the two factors (vr_model_ops.h vix_coef). Only the descriptor is
 * used (its factor count, vix_coef and state_from_vix), so no model type is named here. */
#ifndef VIXRISK_VR_TERM_H
#define VIXRISK_VR_TERM_H

#include "vixrisk/vr_model_ops.h"

typedef enum vr_term_fit {
    VR_TERM_EXACT = 0,   /* every given index is reproduced */
    VR_TERM_VIX_ONLY = 1,/* one factor, or VIX3M missing: the VIX is reproduced (x[1] kept) */
    VR_TERM_CLAMPED = 2  /* the indices lie outside what the model can produce: a factor was
                            clamped at 0 and the VIX re-solved with the others kept */
} vr_term_fit;

/* Factors x (nfactors of ops) that give `vix` and, for a two-factor model, `vix3m` (NAN = not
 * observed) under parameter set p. x holds the current factors on entry (kept where the data do
 * not determine them). */
vr_term_fit vr_state_from_term(const vr_model_ops *ops, const vr_sv_params *p, double vix,
                               double vix3m, double *x);

/* The same with the coefficients given (c30: VIX, c93: VIX3M). */
vr_term_fit vr_state_from_term_c(const vr_model_ops *ops, const vr_vix_coef *c30,
                                 const vr_vix_coef *c93, double vix, double vix3m, double *x);

/* A history replay's day (the path driver, sim.c): vr_state_from_term_c, except that on a day
 * with the VIX alone (no VIX3M) a two-factor state whose kept m leaves the VIX out of reach (v
 * would be < 0: the model's VIX at (0, m) is above the day's) lowers m instead (v = 0, m from the
 * VIX; 0 below the model's floor), so the state gives the day's VIX whenever it is above the
 * model's floor rather than that higher level. Returns VR_TERM_VIX_ONLY on such a day. (The
 * calibrations keep vr_state_from_term_c: this only changes what a replay shows.) */
vr_term_fit vr_state_from_term_replay(const vr_model_ops *ops, const vr_vix_coef *c30,
                                      const vr_vix_coef *c93, double vix, double vix3m, double *x);

#endif
