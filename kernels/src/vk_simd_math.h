/* vk_simd_math.h: the exp and normal-CDF algorithms of the Black kernels: their constants and
 * polynomials, shared by the scalar reference (kernels/ref/bs_ref.c) and the vector versions
 * (kernels/src/vk_vec.h, on top of the ISA vocabulary). Each vector function performs exactly the
 * operations, in exactly the order, of its scalar twin in bs_ref.c, with no FMA
 * (-ffp-contract=off), so the two agree bit for bit.
 *
 * exp(x), x in [-746, 0] (the only range the kernels need; callers clamp): k = rint(x/ln 2) by the
 * 1.5*2^52 rounding trick, r = x - k ln2_hi - k ln2_lo (Cody-Waite; ln2_hi has 32 significant bits,
 * so k ln2_hi is exact), exp(r) by a degree-11 polynomial (Chebyshev fit on |r| <= ln2/2, leading
 * coefficients pinned to 1), scaled by 2^k1 2^k2 with k1 + k2 = k so that results down into the
 * subnormals round once. Max relative error 3.5e-16 on [-708, 0] (measured against mpmath).
 *
 * exp(-t^2/2) for t >= 0: t^2 = hi + lo exactly (Veltkamp split of t, Dekker product), then
 * exp(-hi/2) (1 - lo/2). Without the split, the rounding of t^2 alone would cost up to
 * t^2/2 * 2^-53 = 8e-14 relative at t = 37.
 *
 * Normal CDF: N(-t) = exp(-t^2/2) Q(t) for t >= 0, and N(t) = 1 - N(-t). Q(t) = e^{t^2/2} N(-t) is
 * smooth on [0, inf) (Q(0) = 1/2, Q(t) ~ 1/(t sqrt(2 pi))), and (t + K) Q(t) as a function of
 * y = (t - K)/(t + K) in [-1, 1), K = 5.5, is analytic up to y = 1 (the substitution of
 * Shepherd and Laframboise, Math. Comp. 36 (1981), for erfc). A degree-21 truncated Chebyshev
 * series of it (computed in mpmath at 60 digits, converted to monomials, largest |coefficient|
 * 0.77) is evaluated in Estrin's form: Q = G(y) rc with rc = 1/(t + K), y = (t - K) rc, one
 * division. t is clamped to 40 (N(-40) is below the smallest subnormal). One algorithm for the
 * whole line: no branches, no tables, no FMA.
 *
 * Measured max error of N against mpmath (Python simulation of these exact double operations,
 * 25 000 points on [-38, 9]): 3.8e-16 absolute anywhere, 1.3e-15 relative for x in [-37, 0].
 * tests/test_bs.c checks it against glibc erfc. (Degree 19 gives 1.9e-15 / 2.2e-14, still within
 * the 1e-14 / 1e-12 requirement; degree 21 costs two more multiply-adds for full accuracy.)
 *
 * Why not SLEEF: 0.5 erfc(-x/sqrt 2) with Sleef_erfcd8_u15avx512f costs 6.9 ns per element here
 * against 1.6-1.8 ns for this N(x) (AVX-512, one core; SLEEF exp u10 is 0.53 ns), see bs.inc. */
#ifndef VIXRISK_VK_SIMD_MATH_H
#define VIXRISK_VK_SIMD_MATH_H

#include <stdint.h>

#define VK_M_MAGIC 0x1.8p52                  /* x + 1.5*2^52 - 1.5*2^52 = rint(x) for |x| < 2^51 */
#define VK_M_LOG2E 0x1.71547652b82fep0       /* 1/ln 2 */
#define VK_M_LN2_HI 0x1.62e42fee00000p-1     /* ln 2, high 32 bits */
#define VK_M_LN2_LO 0x1.a39ef35793c76p-33    /* ln 2 - VK_M_LN2_HI */
#define VK_M_EXP_MIN (-746.0)                /* exp(x) rounds to 0 below this */
#define VK_M_SPLIT 134217729.0               /* 2^27 + 1: Veltkamp split of a double */
#define VK_M_NCDF_K 5.5                      /* y = (t - K)/(t + K) */
#define VK_M_NCDF_TMAX 40.0                  /* N(-40) < 2^-1074 */
#define VK_M_INV_SQRT_2PI 0x1.9884533d43651p-2 /* 1/sqrt(2 pi) */

/* exp(r) = sum E_i r^i on |r| <= ln2/2 */
#define VK_M_E2 0x1.0000000000011p-1
#define VK_M_E3 0x1.5555555555562p-3
#define VK_M_E4 0x1.555555554f0ccp-5
#define VK_M_E5 0x1.111111110db75p-7
#define VK_M_E6 0x1.6c16c187fc3e6p-10
#define VK_M_E7 0x1.a01a01b802660p-13
#define VK_M_E8 0x1.a01991aba6f13p-16
#define VK_M_E9 0x1.71dde76a2f6d2p-19
#define VK_M_E10 0x1.28b40639f7187p-22
#define VK_M_E11 0x1.af785e0a5dff9p-26

/* (t + 5.5) Q(t) = sum G_i y^i, y = (t - 5.5)/(t + 5.5) */
#define VK_M_G0 0x1.8c2b8893b5c90p-1
#define VK_M_G1 (-0x1.5ed05c7e41a23p-1)
#define VK_M_G2 0x1.1239b3f8c0439p-1
#define VK_M_G3 (-0x1.77dbb5cddb17ap-2)
#define VK_M_G4 0x1.be33e6eeb3b5ap-3
#define VK_M_G5 (-0x1.c15806fa12b4ep-4)
#define VK_M_G6 0x1.71707b50e505fp-5
#define VK_M_G7 (-0x1.c83edf5884e99p-7)
#define VK_M_G8 0x1.4034e8966cdcfp-9
#define VK_M_G9 0x1.1ab35887a664bp-12
#define VK_M_G10 (-0x1.5449d96e4f0f5p-12)
#define VK_M_G11 0x1.2b87dc0c658cep-14
#define VK_M_G12 0x1.11e2ed83a8c18p-16
#define VK_M_G13 (-0x1.9688f5eb020f6p-17)
#define VK_M_G14 0x1.d5cc91e9e2203p-22
#define VK_M_G15 0x1.8cc9833a8afb7p-20
#define VK_M_G16 (-0x1.1519aabe65262p-22)
#define VK_M_G17 (-0x1.6fa5f98248e42p-23)
#define VK_M_G18 0x1.7be0da30a4c2ep-25
#define VK_M_G19 0x1.43a54a76113eep-26
#define VK_M_G20 (-0x1.14e178d45a2fcp-28)
#define VK_M_G21 (-0x1.88444012e1415p-30)

/* The polynomials in Estrin's form (pairs, then pairs of pairs, ...: dependency depth 2 log2(n)
 * instead of 2n for Horner, which matters because one option's chain log -> d1 -> exp/Q is long
 * and the loop is latency-bound), written once for both the scalar (MUL/ADD/SET = *, +, identity)
 * and the vector twins so that the order of operations cannot drift apart. Arguments x_p0..x_pk
 * are x, x^2, x^4, ... (x_p(j+1) = x_pj * x_pj). Accuracy with Estrin is
 * the figures for N above (the Horner variant measured about the same); exp 3.5e-16 relative. */
#define VK_M_EXP_POLY(r_p0, r_p1, r_p2, r_p3, MUL, ADD, SET) \
    ADD(ADD(ADD(ADD(SET(1.0), MUL(SET(1.0), r_p0)), MUL(ADD(SET(VK_M_E2), MUL(SET(VK_M_E3), \
    r_p0)), r_p1)), MUL(ADD(ADD(SET(VK_M_E4), MUL(SET(VK_M_E5), r_p0)), MUL(ADD(SET(VK_M_E6), \
    MUL(SET(VK_M_E7), r_p0)), r_p1)), r_p2)), MUL(ADD(ADD(SET(VK_M_E8), MUL(SET(VK_M_E9), \
    r_p0)), MUL(ADD(SET(VK_M_E10), MUL(SET(VK_M_E11), r_p0)), r_p1)), r_p3))

#define VK_M_NCDF_POLY(y_p0, y_p1, y_p2, y_p3, y_p4, MUL, ADD, SET) \
    ADD(ADD(ADD(ADD(ADD(SET(VK_M_G0), MUL(SET(VK_M_G1), y_p0)), MUL(ADD(SET(VK_M_G2), \
    MUL(SET(VK_M_G3), y_p0)), y_p1)), MUL(ADD(ADD(SET(VK_M_G4), MUL(SET(VK_M_G5), y_p0)), \
    MUL(ADD(SET(VK_M_G6), MUL(SET(VK_M_G7), y_p0)), y_p1)), y_p2)), \
    MUL(ADD(ADD(ADD(SET(VK_M_G8), MUL(SET(VK_M_G9), y_p0)), MUL(ADD(SET(VK_M_G10), \
    MUL(SET(VK_M_G11), y_p0)), y_p1)), MUL(ADD(ADD(SET(VK_M_G12), MUL(SET(VK_M_G13), y_p0)), \
    MUL(ADD(SET(VK_M_G14), MUL(SET(VK_M_G15), y_p0)), y_p1)), y_p2)), y_p3)), \
    MUL(ADD(ADD(ADD(SET(VK_M_G16), MUL(SET(VK_M_G17), y_p0)), MUL(ADD(SET(VK_M_G18), \
    MUL(SET(VK_M_G19), y_p0)), y_p1)), MUL(ADD(SET(VK_M_G20), MUL(SET(VK_M_G21), y_p0)), \
    y_p2)), y_p4))

/* ---- single precision (the single-precision marks, black_greeks_sf) -------------------------
 * The same N(-t) = exp(-t^2/2) Q(t) with Q = G(y) rc, rc = 1/(t + K), y = (t - K) rc, in float:
 * K = 3, t clamped to 12, G a degree-8 polynomial (Chebyshev least-squares fit of (t + K) Q(t) on
 * y in [-1, 11/17], t in [0, 14], Q from scipy's erfcx in double, converted to monomials and
 * rounded to float), evaluated by Horner in float. Max relative error of Q evaluated in float
 * 2.2e-7 on [0, 14] (20,001 points against erfcx in double; degree 7 gives 1.0e-6, higher degrees
 * no better than float's own rounding). The clamp keeps exp(-t^2/2) (5.4e-32 at 12) and its
 * products with F/K and Q in float's normal range: beyond it they went subnormal, which made
 * the kernel on short, low-vol options (d1 of 15 and more) twice as slow on the AMD EPYC host.
 * What the clamp costs: where |d1| > 12, N(-|d1|) is at most N(-12) = 1.8e-33 too large, N(-|d2|)
 * (from exp(-t1^2/2) F/K) at most F/K times that, and the Greeks take phi(12) = 2e-32 for phi(d1):
 * absolute errors of phi(12) times each Greek's factor (gamma 2e-32 df/(F s), vega 2e-32 F df
 * sqrt(tau)), where the Greeks themselves are that small. exp is
 * SLEEF's expf u10. Why not SLEEF's erfcf: 0.5 erfcf(-x/sqrt 2) (u15) cost the single-precision
 * Black kernel more than the whole double one (results/BENCHMARKS.md, "single-precision marks"). */
#define VK_MF_NCDF_K 3.0f
#define VK_MF_NCDF_TMAX 12.0f
#define VK_MF_G0 0x1.754a74p-1f   /* 0.729083657 */
#define VK_MF_G1 -0x1.04c72cp-1f  /* -0.509332061 */
#define VK_MF_G2 0x1.d71498p-3f   /* 0.230019748 */
#define VK_MF_G3 -0x1.8327a4p-5f  /* -0.0472601131 */
#define VK_MF_G4 -0x1.57857ap-7f  /* -0.0104834409 */
#define VK_MF_G5 0x1.c6e008p-8f   /* 0.00694084354 */
#define VK_MF_G6 0x1.1d97e4p-10f  /* 0.00108945207 */
#define VK_MF_G7 -0x1.e45beap-11f /* -0.000923841551 */
#define VK_MF_G8 -0x1.2a63fap-12f /* -0.000284567388 */
#define VK_MF_NCDF_POLY(y, MUL, ADD, SET)                                                          \
    ADD(SET(VK_MF_G0), MUL(y, ADD(SET(VK_MF_G1), MUL(y, ADD(SET(VK_MF_G2), MUL(y, ADD(SET(VK_MF_G3), \
    MUL(y, ADD(SET(VK_MF_G4), MUL(y, ADD(SET(VK_MF_G5), MUL(y, ADD(SET(VK_MF_G6), MUL(y,           \
    ADD(SET(VK_MF_G7), MUL(y, SET(VK_MF_G8)))))))))))))))))

#endif
