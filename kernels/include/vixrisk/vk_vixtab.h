/* vk_vixtab.h: the plain-data view of the VIX option table (engine/src/model/vix_pricer.c) and
 * the kernels that interpolate it for a block of lanes.
 *
 * The engine builds the table once per run (vr_vix_table_build) and hands the kernels this view
 * (vr_vix_table_kernel_view); the kernels only read it. A lane (v, T, K) is priced exactly as
 * vr_vix_table_call does, in this order (every operation rounds once, no FMA):
 *
 *   x-axis   x = sqrt(a + b max(v, 0)),  d = x - x0,
 *            pos = d inv_hx (x_map 0: nodes uniform in x), or
 *            pos = sqrt(max(d, 0)) inv_hx (x_map 1: nodes uniform in sqrt(x - x0)),
 *            pos = max(pos, 0), pc = min(pos, n_x - 1), ex = pos - pc (> 0 only beyond v_max;
 *            x_map 1: ex = (pos - pc) ((pos + pc) h) with h the double nearest 0.5 / (n_x - 1),
 *            which is x - x_N in units of the last node's dx/dpos, so that the continuation
 *            below is linear in x with either map)
 *            (x_map 1 puts nodes densely at the floor, v = 0, where the price of a short call is
 *            not smooth in x: cubic interpolation across a first cell uniform in x missed
 *            at-the-money 5-day calls by 11% at v = 0.002)
 *   T-axis   pos = (sqrt(max(T, 0)) - s0) inv_hs, clamped to [0, n_t - 1]
 *   m-axis   m = K / fut,  l = ln m,  u = l (m_map 0: nodes uniform in ln m), or
 *            u = l (1 + m_b / sqrt(1 + z z)) with z = l m_ic (m_map 1: vk_vix_mmap),
 *            pos = (u - l0) inv_hl, clamped to [0, n_m - 1]
 *            (m_map 1 puts nodes 1 + m_b times as dense at the money as in the wings, smoothly:
 *            a call of a few days at high variance bends within a few hundredths of ln m of the
 *            money, and cubic interpolation across a uniform cell of 0.038 put the at-the-money
 *            1-day call of the main job's pricing set 18 tolerances too high at v = 1)
 *
 * (max/min as C's fmax/fmin: a NaN position lands on 0). On each axis the base node is
 * i = min(max(floor(pos), 1), n - 3) and the 4-point Lagrange weights at t = pos - i (nodes at
 * -1, 0, 1, 2) are
 *     w0 = -t (t-1)(t-2)/6,  w1 = (t+1)(t-1)(t-2)/2,  w2 = -(t+1) t (t-2)/2,  w3 = (t+1) t (t-1)/6,
 * each evaluated left to right and the /6 as a product with the double nearest 1/6. The x axis
 * continues linearly beyond its last node: w_j += ex d_j with d = (-1/3, 3/2, -3, 11/6), the
 * weights of the cubic's tangent at t = 2. Then
 *     fut  = sum_a wx[a] (wt0 f[.,0] + wt1 f[.,1] + wt2 f[.,2] + wt3 f[.,3])       (from 0.0)
 *     c    = sum_a sum_b (wx[a] wt[b]) (wm0 r[0] + wm1 r[1] + wm2 r[2] + wm3 r[3])  (from 0.0)
 *     c   += (wt0 d[it-1] + wt1 d[it] + wt2 d[it+1] + wt3 d[it+2]) max(m_min - m, 0)
 *     price = fut max(c, 0)
 * with f = fut[(ix-1+a) n_t + it-1+b], r = call + ((ix-1+a) n_t + it-1+b) n_m + im-1 and
 * d = disc. The table stores the discounted call over the future (C/F), so the strike axis is
 * moneyness and below m_min the call is extended with slope -discount in m.
 *
 * The reference twin (kernels/ref/vixtab_ref.c) is the specification; it uses the C library's
 * log, as the engine does, so it reproduces vr_vix_table_call bit for bit. The vector kernels
 * take that same log lane by lane (SLEEF's 1-ulp vector log, amplified by the extrapolation
 * weights beyond v_max, moved prices by up to 1.5e-13), so every variant returns the same bits. */
#ifndef VIXRISK_VK_VIXTAB_H
#define VIXRISK_VK_VIXTAB_H

#include <math.h>
#include <stddef.h>

typedef struct vk_vixtab {
    const double *fut;  /* [n_x][n_t] future in index points */
    const double *call; /* [n_x][n_t][n_m] discounted call / future */
    const double *disc; /* [n_t] e^{-rate T_j} at the T nodes */
    double a, b;        /* VIX coefficients: x = sqrt(a + b v) (VIX / 100) */
    double x0, inv_hx;  /* x axis: x_i = x0 + i / inv_hx (x_map 0) or x0 + (i / inv_hx)^2 (1) */
    double s0, inv_hs;  /* sqrt(T) axis */
    double l0, inv_hl;  /* moneyness axis: u_i = l0 + i / inv_hl, u = ln(K/F) or its map */
    double m_min;       /* K/F below which the call is extended linearly */
    double rate;        /* discount rate (already in disc and call; for information) */
    int n_x, n_t, n_m;  /* nodes per axis, each >= 4; n_x n_t n_m < 2^31 */
    int x_map;          /* 0: nodes uniform in x; 1: uniform in sqrt(x - x0) */
    int m_map;          /* 0: nodes uniform in ln(K/F); 1: uniform in vk_vix_mmap(ln(K/F)) */
    double m_b, m_ic;   /* m_map 1: density ratio less one (>= 0), 1 / width (> 0) of the bump */
} vk_vixtab;

/* The builders' map (both the one-factor table and the svcj2 slices): nodes 4 times as dense at
 * the money as in the wings, the bump about 0.1 of ln m wide (engine/src/model/vix_pricer.c). */
#define VK_VIX_MMAP_B 3.0
#define VK_VIX_MMAP_IC 10.0

/* The moneyness map of m_map 1, u(l) = l (1 + m_b / sqrt(1 + (l m_ic)^2)): smooth, odd, with
 * slope 1 + m_b at l = 0 and 1 beyond |l| ~ 1 / m_ic. Each operation rounds once, in this order,
 * in every kernel. l = +-inf gives +-inf, NaN gives NaN. */
static inline double vk_vix_mmap(double m_b, double m_ic, double l)
{
    const double z = l * m_ic;
    return l * (1.0 + m_b / sqrt(1.0 + z * z));
}

/* Its inverse, for the builders (ln(K/F) of a node), counting its Newton steps in *steps (may be
 * NULL): from u / (1 + m_b) (below the root for u > 0, where u(l) is concave; odd, so the same for
 * u < 0) until a step moves l by at most 4 ulp. In exact arithmetic the iterates approach the root
 * from one side; in doubles they end swapping between neighbouring values with the residual +-1
 * ulp, so "the step no longer changes l" alone never held for about a fifth of the arguments and
 * ran to the step cap of 200 (the results were right, the time lost: about 1 us a node). 7 steps
 * at most over the builders' range (test_vixtab); a NaN argument stops after one, so the cap of
 * 100 is never reached. */
static inline double vk_vix_mmap_inv_n(double m_b, double m_ic, double u, int *steps)
{
    double l = u / (1.0 + m_b);
    int k = 0;
    while (k < 100) {
        const double z = l * m_ic, q = 1.0 + z * z, s = sqrt(q);
        const double f = l * (1.0 + m_b / s) - u, d = 1.0 + m_b / (q * s);
        const double nl = l - f / d;
        k++;
        const int done = !(fabs(nl - l) > 4.0 * 2.220446049250313e-16 * fabs(nl));
        l = nl;
        if (done)
            break;
    }
    if (steps != NULL)
        *steps = k;
    return l;
}

static inline double vk_vix_mmap_inv(double m_b, double m_ic, double u)
{
    return vk_vix_mmap_inv_n(m_b, m_ic, u, NULL);
}

/* Kernel vix_call (signature in the list of vk_kernels.h; slot vix_call of vk_table, reference
 * vk_vix_call_d_ref): call price price[i] (index points, per unit of VIX) at variance var[i]
 * (annualised, any value: below 0 it is taken as 0, beyond the grid extrapolated linearly in x),
 * expiry tau[i] in years (clamped to the grid) and strike strike[i] in index points, for i < n.
 * SoA arrays 64-byte aligned, n a multiple of 8 (VK_LANES_MAX). Pure: no allocation, no error
 * path. */

/* The interpolated VIX future F(v, T) of the table (scalar; the engine's vr_vix_table_future). */
double vk_vix_future_ref(const vk_vixtab *t, double v, double T);

#include "vixrisk/vk.h" /* the list of kernels and the declarations generated from it */

#endif
