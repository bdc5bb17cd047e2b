/* vk_surface.h: the plain-data view of an implied-volatility surface and the lookup kernels that
 * interpolate it for a block of lanes.
 *
 * The engine (engine/src/model/surface.c) builds the table; the kernels only read it. A lane
 * (var, tau, k), k = ln(K/F)/sqrt(tau), is first clamped to the grid box,
 *     v = min(max(var, v_lo), v_hi),  tau = min(max(tau, tau_lo), tau_hi),  k = min(max(k, -k_max), k_max)
 * (a NaN lands on the lower bound), then mapped to three coordinates:
 *     a = ln(v + v_eps)                   variance axis: log-like down to v_eps, a small fraction
 *                                         of theta*, where the smile of short expiries changes most
 *     y = ln(tau)                         expiry axis
 *     u = asinh(x / c),  x = k / r        moneyness axis, r = sqrt(vbar(vn, tau))
 * where vbar is the model's expected variance per year over [0, tau] (total variance w = tau vbar),
 *     vbar = max(vm + (vn - th) b, vbar_floor),   b = -expm1(-kappa tau) / (kappa tau),
 *     vn = min(max(var, v_lo), VK_SURFACE_VN_MAX),
 * the lane's own variance, not v: above the grid's top (v_hi) the cell is the top's, so the
 * normalised smile S below is held there, while r, and with it the vol and the strike's x, go on
 * growing with the lane's variance. (Holding the vol itself at the top's put 100% vol lanes of
 * the main job's model 17-20 vol points low; held in S, within 1.1 vol points of the direct pricer
 * there, and within 5% of the vol at 1.4 and 2 times the top for 7-120 days in the tests,
 * docs/numerics.md.)
 * with th = theta* and vm = theta* + the jump variance per year (set by the builder). So x = ln(K/F)
 * / sqrt(w) measures the strike in standard deviations of the law, and the smile has about the same
 * width in x at every (v, tau); u spaces the nodes densely near x = 0 and sparsely in the wings.
 * Every axis is uniform in its coordinate:  f = (coord - origin) * inv_step,  clamped to
 * [0, n - 1],  cell i = min(floor(f), n - 2),  t = f - i.
 *
 * The table stores the normalised vol S = sigma / r. In u it is a cubic spline per (v, tau) node;
 * between the four (v, tau) corners of a cell the kernel interpolates linearly in a and y. Cell
 * (ia, iy, iu) owns one 64-byte record of 16 floats,
 *     coef[((ia * (n_tau - 1) + iy) * (n_x - 1) + iu) * 16 + 4 corner + l],   l = 0..3,
 * corner 0 = (ia, iy), 1 = (ia, iy+1), 2 = (ia+1, iy), 3 = (ia+1, iy+1), holding the spline of
 * that corner on that u cell as  S = c0 + t (c1 + t (c2 + t c3))  (t = tu). The corners are
 * duplicated between neighbouring cells so that a lane reads exactly one cache line. With
 *     s_c = cubic(corner c, tu),  s0 = s_0 + ty (s_1 - s_0),  s1 = s_2 + ty (s_3 - s_2),
 *     sigma = r * (s0 + ta (s1 - s0)).
 * The coefficients are single precision (relative 6e-8, far below the interpolation error) and
 * are widened to double before any arithmetic. The reference twin (kernels/ref/surface_ref.c) is
 * the specification of this arithmetic. */
#ifndef VIXRISK_VK_SURFACE_H
#define VIXRISK_VK_SURFACE_H

#include <stddef.h>

/* The normaliser's variance vn follows the lane's variance up to here (annualised: 10,000%
 * vol), so that a lane of any finite variance gets a finite vol. */
#define VK_SURFACE_VN_MAX 1e4

typedef struct vk_surface {
    const float *coef;       /* (n_v-1)(n_tau-1)(n_x-1) records of 16 floats, 64-byte aligned */
    double v_lo, v_hi;       /* variance clamp (the grid's ends) */
    double tau_lo, tau_hi;   /* expiry clamp */
    double k_max;            /* |k| clamp */
    double v_eps;            /* variance axis offset */
    double a0, inv_da;       /* a = ln(v + v_eps): origin and 1/step */
    double y0, inv_dy;       /* y = ln(tau) */
    double u0, inv_du;       /* u = asinh(x / c) */
    double inv_c;            /* 1 / c */
    double fa_max, fy_max, fu_max; /* n - 1 per axis, as doubles (clamp bounds) */
    double kappa, th, vm, vbar_floor; /* the normaliser vbar(v, tau) above */
    int n_v, n_tau, n_x;     /* nodes per axis, each >= 2 (n_x >= 4) */
    int stride_tau;          /* records between neighbouring tau cells: n_x - 1 */
    int stride_v;            /* records between neighbouring v cells: (n_tau - 1) stride_tau */
} vk_surface;

/* Kernel surface_vol (signature in the list of vk_kernels.h; slot surface_vol of vk_table,
 * reference vk_surface_vol_d_ref): implied volatility vol[i] at (var[i], tau[i], k[i]) for
 * i < n. var in annualised variance units (any value; its cell clamped to [v_lo, v_hi], its
 * normaliser to [v_lo, VK_SURFACE_VN_MAX]), tau in years
 * (clamped to [tau_lo, tau_hi]), k = ln(K/F)/sqrt(tau) (clamped to [-k_max, k_max]). SoA arrays
 * 64-byte aligned, n a multiple of 8 (VK_LANES_MAX). Pure: no allocation, no error path. NaN
 * inputs land on the lower clamp bound. */

#include "vixrisk/vk.h" /* the list of kernels and the declarations generated from it */

/* The reference lookup in two parts, for single lanes that share (var, tau) (the scalar marks of
 * one path and day: a strike search's start, the legs of what opens): vk_surface_axes_ref computes
 * what depends on (var, tau) alone (the clamps, the normaliser r, the a and y cells: an expm1 and
 * two logs), vk_surface_vol_at_ref the rest for one k (one log). vk_surface_vol_d_ref is the two
 * in a loop, so a lane's vol is the same bits whichever way it is asked. */
typedef struct vk_surface_axes {
    double r;        /* sqrt(vbar(vn, tau)) */
    double ta, ty;   /* fractions within the a and y cells */
    double rec0;     /* ia stride_v + iy stride_tau (in double, as the lookup forms it) */
} vk_surface_axes;
void vk_surface_axes_ref(const vk_surface *s, double var, double tau, vk_surface_axes *ax);
double vk_surface_vol_at_ref(const vk_surface *s, const vk_surface_axes *ax, double k);

#endif
