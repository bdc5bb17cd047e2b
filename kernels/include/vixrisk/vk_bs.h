/* vk_bs.h: Black-76 option pricing kernels and the standard normal CDF behind them.
 *
 * The hot loop of the product: every open option leg on every path is repriced every day. Each
 * kernel exists as a scalar reference (_d_ref, kernels/ref/bs_ref.c, the specification) and as
 * AVX2 and AVX-512 versions (_d_avx2, _d_avx512) generated from kernels/src/bs.inc. All three run
 * the same algorithm with the same operations in the same order (kernels/src/vk_simd_math.h), so
 * they agree to the last bit except through SLEEF's log (vector and scalar u10 code paths), which
 * enters only ln(F/K).
 *
 * Layout: every array holds one value per lane (structure of arrays), is 64-byte aligned, and n
 * is a multiple of VK_LANES_MAX (8); the caller pads the tail with any valid inputs. Input and
 * output arrays must not overlap (restrict). Pure: no allocation, no globals, no error path.
 *
 * Inputs of the Black kernels (validated by the caller; NaN in gives NaN out):
 *   fwd     F > 0, forward price of the underlying for the option's expiry
 *   strike  K > 0, same units as F
 *   vol     sigma >= 0, Black volatility, annualised (0.2 = 20%)
 *   tau     tau >= 0, time to expiry in years (0 = expired or expiring now: intrinsic value)
 *   df      discount factor to the payment date, > 0 (price = df * undiscounted price)
 *   cp      +1.0 for a call, -1.0 for a put (exactly these two values)
 * With s = sigma sqrt(tau), d1 = (ln(F/K) + s^2/2)/s, d2 = d1 - s and N the normal CDF:
 *   price = df cp (F N(cp d1) - K N(cp d2)),      delta = dprice/dF = df cp N(cp d1).
 * Where s == 0 (tau == 0 or sigma == 0) the kernels return the limits: price = df max(cp(F-K), 0)
 * and delta = df cp 1{cp (F - K) > 0} (so delta = 0 at the money). For s > 0, however small, the
 * formula is used; it tends to the same values without NaN or overflow (N saturates at 0 and 1).
 * Accuracy: absolute error a few units of 1e-16 * max(F, K) * df in price, 1e-16 * df in delta. */
#ifndef VIXRISK_VK_BS_H
#define VIXRISK_VK_BS_H

#include <stddef.h>

/* The kernels; their signatures are in the list of vk_kernels.h (slots ncdf, black and
 * black_greeks of vk_table, references vk_ncdf_d_ref, vk_black_d_ref, vk_black_greeks_d_ref):
 *
 * ncdf: standard normal CDF, out[i] = N(x[i]) = erfc(-x[i]/sqrt 2)/2, for any finite x (x[], out[]).
 * Saturates to exactly 0 below x = -38.5 and to exactly 1 above 8.3. Max error 3.8e-16 absolute
 * on the whole line and 1.3e-15 relative for -37 <= x <= 0 (lower tail, down to where N
 * underflows).
 *
 * black: Black-76 price and forward delta (formulas above) from fwd[], strike[], vol[], tau[],
 * df[], cp[] into price[], delta[]. Both outputs are discounted.
 *
 * black_greeks: as black, plus gamma[], vega[], theta[], with phi the normal density:
 *   gamma = d2price/dF2          = df phi(d1) / (F s)
 *   vega  = dprice/dsigma        = df F phi(d1) sqrt(tau)           (per unit of vol, not per 1%)
 *   theta = -dprice/dtau at fixed F, df, K, sigma = -df F phi(d1) sigma / (2 sqrt(tau))
 *           (per year of calendar time; it is the decay of the undiscounted time value only:
 *           a caller holding the discount RATE r fixed instead adds r * price, since then
 *           ddf/dtau = -r df)
 * Where s == 0: gamma = theta = 0 (their limits away from the money; at the money they diverge).
 * vega is computed from the formula there too and is its limit: 0 if tau == 0 or F != K, and
 * df F sqrt(tau)/sqrt(2 pi) at F == K with sigma == 0 < tau. */

#include "vixrisk/vk.h" /* the list of kernels and the declarations generated from it */

#endif
