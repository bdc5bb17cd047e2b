/* gk15.h: the Gauss-Kronrod 7/15 rule, the one table behind the adaptive quadratures of the
 * model pricers (analytic.c, vix_pricer.c, svcj2_vix.c); internal to engine/src/model.
 *
 * Nodes and weights are QUADPACK's qk15 (Piessens et al. 1983) on [-1, 1]: vr_gk15_x holds the
 * positive Kronrod nodes in decreasing order, the last being 0; the 7-point Gauss rule uses the
 * odd-indexed ones (vr_gk15_x[1], [3], [5] and 0) with weights vr_gk15_wg. */
#ifndef VIXRISK_MODEL_GK15_H
#define VIXRISK_MODEL_GK15_H

extern const double vr_gk15_x[8];  /* Kronrod nodes, x[7] = 0 */
extern const double vr_gk15_wk[8]; /* Kronrod weights of x[0..7] */
extern const double vr_gk15_wg[4]; /* Gauss weights of x[1], x[3], x[5], x[7] */

#endif
