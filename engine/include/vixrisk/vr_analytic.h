/* vr_analytic.h: semi-analytic European SPX option prices for the affine models (Heston, Bates,
 * SVCJ) from the characteristic function of log S_T. These are the reference prices the Monte
 * Carlo is validated against and from which pricing surfaces are built.
 *
 * Conventions: spot S > 0, strike K > 0, time to expiry tau > 0 in years, r and q continuously
 * compounded per year, v >= 0 the current instantaneous variance, p the (risk-neutral) parameter
 * set. Prices are per unit of underlying (no contract multiplier). */
#ifndef VIXRISK_VR_ANALYTIC_H
#define VIXRISK_VR_ANALYTIC_H

#include <complex.h>

#include "vixrisk/vr_model.h"

/* E[exp(i u X_tau)] with X_tau = ln(S_tau / F), F = S e^{(r-q) tau}: the characteristic function
 * of the forward-normalised log price, in the "little Heston trap" form (Albrecher et al. 2007),
 * which has no branch-cut discontinuity. Valid for complex u with -1 <= Im(u) <= 0 at least. */
double complex vr_cf_logprice(vr_model_type t, const vr_sv_params *p, double v, double tau,
                              double complex u);

/* European call (is_call = 1) or put (0). Returns VR_EINVAL with a message for bad arguments,
 * VR_ENUM if the integration fails to reach its tolerance (absolute 1e-10 * S). */
vr_status vr_analytic_european(vr_model_type t, const vr_sv_params *p, double spot, double rate,
                               double dividend, double v, double strike, double tau, int is_call,
                               double *price, vr_err *err);

/* Black-Scholes price with volatility sigma (used for limits, implied vols and tests). */
double vr_bs_price(double spot, double strike, double rate, double dividend, double sigma,
                   double tau, int is_call);

/* Black-Scholes implied volatility of a price; returns NAN when the price lies outside the
 * no-arbitrage bounds. */
double vr_bs_implied_vol(double price, double spot, double strike, double rate, double dividend,
                         double tau, int is_call);

#endif
