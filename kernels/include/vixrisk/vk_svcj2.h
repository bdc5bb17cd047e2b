/* vk_svcj2.h: the path step of the two-factor svcj2 model (state ln S, v, m; see
 * engine/include/vixrisk/vr_svcj2.h for the model). The engine fills vk_svcj2_coef once per
 * (parameter set, dt) with vr_svcj2_coef_make; kernels do per-lane arithmetic only.
 *
 * Discretisation of one step of length dt, given (ln S, v, m) at its start:
 *  1. m: Andersen's QE step for the CIR process dm = kappa_m (theta - m) dt + sigma_m sqrt(m) dW_m
 *     (zm for the quadratic branch, um for the exponential one); sigma_m = 0 steps the mean.
 *  2. v: QE step of dv = kappa_v (m_eff - v) dt + sigma_v sqrt(v) dW_v with the level held at the
 *     trapezoid m_eff = (m + m_next)/2 over the step (W_m is independent of W_S and W_v, so m's
 *     step may be drawn first; the trapezoid makes the coupling of E[v] to m second order in dt,
 *     where the step-start value would leave an O(dt) bias).
 *  3. ln S: Andersen's step with gamma1 = gamma2 = 1/2 and theta replaced by m_eff, with the
 *     martingale correction K0* (exact E[S_{t+dt} | v, m] for the diffusion), drift
 *     (r - q) dt - (lambda0 + lambda1 v) mbar dt.
 *  4. jumps: the count N ~ Poisson((lambda0 + lambda1 v) dt) with v at the step start (exact for
 *     that intensity frozen over the step; the intensity's variation within a step is an
 *     O(lambda1 dt^2) effect), by inversion of uc with the recurrence p_k = p_{k-1} l / k (no
 *     cap: vk_poisson_inv_tail continues past VK_POISSON_KMAX); marks by vk_jump_apply (svcj
 *     law) from the lane's own stream, added at
 *     the end of the step. Since E[(1 + mbar)^N] = e^{l mbar}, the compensated drift keeps
 *     E[S_{t+dt}] = S_t e^{(r-q) dt} exactly given the step-start state.
 * v and m stay >= 0 (QE outputs are >= 0, variance jumps are >= 0). */
/* vk.h first: it includes this header after the types it needs (vk_jump_coef) and before the
 * kernel list that names vk_svcj2_coef, so included alone this line does all the work. */
#include "vixrisk/vk.h"

#ifndef VIXRISK_VK_SVCJ2_H
#define VIXRISK_VK_SVCJ2_H

#include <sleef.h>

typedef struct vk_svcj2_coef {
    double dt;
    double psi_c;              /* QE switching level (1.5) */
    /* m (CIR): mean theta + (m - theta) em, variance cm_v m + cm_t */
    double theta, em, cm_v, cm_t;
    int m_det;                 /* sigma_m == 0: m follows its mean */
    /* v given m_eff: mean m_eff + (v - m_eff) ev, variance c_v v + c_t m_eff */
    double ev, c_v, c_t;
    /* ln S: drift0 + drift1 v, K0 = k0m m_eff (uncorrected), K1..K4, A = K2 + K4/2 */
    double drift0, drift1;
    double k0m, k1, k2, k3, k4, a_mart;
    /* jumps: intensity times dt = l0dt + l1dt v; marks as vk_jump_apply (model 2) */
    double l0dt, l1dt;
    vk_jump_coef jump;
} vk_svcj2_coef;

/* One step for n lanes. zv, zm, zs: standard normals; uv, um, uc: uniforms in (0, 1); state/inc:
 * each lane's PCG32 stream for the jump marks (advanced only on lanes that jump). log_s, var,
 * mvar: the state, updated in place. Pure: no allocation, no error path. */
/* Poisson(l) count by inversion of u: the recurrence p_k = p_{k-1} l / k from the computed e^-l.
 * l = (lambda0 + lambda1 v) dt has no bound (v has none), so the count has none either: the
 * compensated drift assumes the whole Poisson law, and a count stopped at VK_POISSON_KMAX (as
 * before) took E[S_T]/F to 13 over a month at lambda1 = 9000, v = 0.1. Up to VK_POISSON_KMAX the
 * loop is the one it always was (the same counts, bit for bit); beyond, vk_poisson_inv_tail. */
int vk_poisson_inv_tail(double l, double u, int k, double pk, double cdf);
#define VK_POISSON_NMAX 4096 /* the largest count (vk_poisson_inv_tail) */

static inline int vk_poisson_inv_plain(double l, double u)
{
    if (l >= VK_POISSON_NMAX)
        return VK_POISSON_NMAX;
    double pk = Sleef_expd1_u10purec(-l), cdf = pk;
    int k = 0;
    while (u > cdf && k < VK_POISSON_KMAX) {
        k++;
        pk *= l / k;
        cdf += pk;
    }
    return u > cdf ? vk_poisson_inv_tail(l, u, k, pk, cdf) : k;
}

/* The same count, shared by every variant so that counts agree wherever the intensities do. */
static inline int vk_poisson_inv(double l, double u)
{
    /* Most steps have no jump. Since e^-l >= 1 - l and the exp is within 1 ulp, every u at or
     * below (1 - l) - 2^-51 (both roundings included) is below the computed e^-l, so the count is
     * 0 without the exp (a library call, most of a step's cost): the plain count, always. */
    if (u <= (1.0 - l) - 0x1p-51)
        return 0;
    return vk_poisson_inv_plain(l, u);
}

/* The step for n lanes is the dispatch-table slot svcj2_step (vixrisk/vk_kernels.h):
 *   svcj2_step(c, zv, uv, zm, um, zs, uc, state, inc, log_s, var, mvar, n)
 * zv, zm, zs: standard normals; uv, um, uc: uniforms in (0, 1); state/inc: each lane's PCG32
 * stream for the jump marks (advanced only on lanes that jump); log_s, var, mvar: the state,
 * updated in place. n a multiple of the table's lanes, arrays 64-byte aligned. Reference:
 * vk_svcj2_step_d_ref; SIMD variants (kernels/src/svcj2.inc) agree with it to the SIMD-vs-scalar
 * tolerance of docs/numerics.md. Pure: no allocation, no error path.
 *
 * svcj2_step_draw(c, state, inc, log_s, var, mvar, n) (and _fast) draws the step's numbers itself,
 * in the order of the engine's path step: normal2 -> (zv, zs), normal2 -> (zm, unused), uniforms
 * uv, um, uc, then takes svcj2_step with them (the jumps' marks from the stream after those
 * draws). A variant gives the same bits as normal2, normal2, uniform x 3 and svcj2_step of its own
 * table called in turn (tests/test_svcj2_mc.c); it keeps the draws in registers. */

#endif
