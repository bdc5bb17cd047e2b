/* heston_single_ref.c: scalar reference of the single-precision Heston QE step (simulation.precision:
 * single; specification in vk.h, "Single precision"; accuracy in docs/numerics.md).
 *
 * The formulas are heston_qe's (heston_ref.c: Andersen 2008, QE with the martingale correction),
 * evaluated in float in the order the vector template (kernels/src/heston_single.inc) evaluates
 * them, with the lane's own random numbers drawn here: three PCG32 outputs, u1 and u2 for one
 * Box-Muller pair (zv the cosine, zs the sine) and u3 for the exponential branch. ln S accumulates
 * in double: a float ln S (about 4.6 to 9) would round every daily increment to 5e-7.
 *
 * The formulas are rearranged where double absorbs a cancellation that float would not
 * (test_single measures each):
 *   m = v e^{-kappa dt} + theta (1 - e^{-kappa dt}),  not theta + (v - theta) e^{-kappa dt} (a
 *   variance of 1e-5 next to theta 0.09 lost 3e-5 of m);
 *   p = (2 - ip)/(2 + ip) and 1 - p = 2 ip/(2 + ip) with ip = 2/psi, so 1 - p is not 1 minus a
 *   number near 1;
 *   the martingale correction's logs as log1p: ln(1 - 2 A a) = log1p(-2 A a) and
 *   ln(p + beta (1 - p)/(beta - A)) = log1p((1 - p) A/(beta - A));
 *   the increment without its large cancelling terms. K0*, K1 v and K2 v' are each of size
 *   |rho/sigma| v and cancel to the drift's size: in float, with K1, K2 and A rounded apart, that
 *   left |rho/sigma| v 2^-24 a step with one sign on every path (a bias of 20 standard errors at
 *   sigma 0.003). Exactly, with v' = m + dv, A = K2 + K4/2, b^2 a = m - a and x = 2 A a:
 *     quadratic:    K0* + K1 v + K2 v' = corr - K3 v/2 + K2 dv,
 *                   corr = (K2 a (1 - 2 A m) - K4/2 b^2 a)/(1 - x) + ln(1 - x)/2,
 *                   dv = a (2 b Zv + Zv^2 - 1);
 *     exponential:  corr = K2 m - ln(p + beta (1 - p)/(beta - A)),   dv = v' - m;
 *     uncorrected:  corr = K0 + (rho/sigma)(theta - v)(1 - e^{-kappa dt}) + kd (m + v) + K3 v/2,
 *   with rho/sigma = (K2 - K1)/2 and kd = (K1 + K2)/2, every product of relative precision.
 * v is clamped to VK_SINGLE_VMAX before it becomes a float (a variance of 1e6, a volatility of
 * 100,000%, is far outside any model the engine validates; it keeps every float finite). */
#include <math.h>
#include <sleef.h>

#include "vixrisk/vk.h"

float vk_log1pf(float x)
{
    const float u = 1.0f + x;
    const float um1 = u - 1.0f;
    return um1 == 0.0f ? x : Sleef_logf1_u35purec(u) * (x / um1);
}

void vk_heston_qe_single_d_ref(const vk_heston_coef *c, uint64_t *restrict state,
                               const uint64_t *restrict inc, double *restrict log_s,
                               double *restrict var, size_t n)
{
    const vk_heston_single_coef f = vk_heston_single_coef_make(c);
    const float two_pi = (float)VK_TWO_PI;
    for (size_t i = 0; i < n; i++) {
        vk_pcg32 r = {state[i], inc[i]};
        const float u1 = vk_f01_from_u32(vk_pcg32_next(&r));
        const float u2 = vk_f01_from_u32(vk_pcg32_next(&r));
        const float uv = vk_f01_from_u32(vk_pcg32_next(&r));
        state[i] = r.state;
        const float rad = sqrtf(-2.0f * Sleef_logf1_u35purec(u1));
        const Sleef_float_2 sc = Sleef_sincosf1_u35purec(two_pi * u2);
        const float zv = rad * sc.y, zs = rad * sc.x;

        const float v = (float)(var[i] < VK_SINGLE_VMAX ? var[i] : VK_SINGLE_VMAX);
        const float m = v * f.ekdt + f.th1;
        const float s2 = f.c_v * v + f.c_t;
        const float ip = 2.0f * m * m / s2;
        float vn, dv, corr = 0;
        int ok;
        if (ip >= f.ip_c) {
            const float b2 = (ip - 1.0f) + sqrtf(ip * (ip - 1.0f));
            const float a = m / (1.0f + b2);
            const float b = sqrtf(b2);
            const float zb = b + zv;
            vn = a * zb * zb;
            dv = a * ((2.0f * b) * zv + (zv * zv - 1.0f)); /* v' - m, as a (2 b z + z^2 - 1) */
            const float x1 = f.m2a * a; /* 1 - 2 A a = 1 + x1 */
            const float d = 1.0f + x1;
            ok = d > 0;
            if (ok)
                corr = (f.k2 * a * (1.0f + f.m2a * m) - f.h4 * (b2 * a)) / d + 0.5f * vk_log1pf(x1);
        } else {
            /* m = s^2 = 0 (v = 0 with theta (1 - e^{-kappa dt}) and c_t below the smallest
             * float) makes ip 0/0: take ip = 0, i.e. p = 1 and a next variance of 0 */
            const float ipe = ip > 0 ? ip : 0.0f;
            const float den = 2.0f + ipe; /* psi = 2 / ip: p = (psi - 1)/(psi + 1), 1 - p */
            const float p = (2.0f - ipe) / den;
            const float omp = 2.0f * ipe / den;
            const float beta = omp / m;
            vn = uv <= p ? 0.0f : Sleef_logf1_u35purec(omp / (1.0f - uv)) / beta;
            dv = vn - m;
            const float bma = beta - f.A;
            ok = bma > 0;
            if (ok) /* ln(p + beta (1 - p)/(beta - A)) = log1p((1 - p) A/(beta - A)) */
                corr = f.k2 * m - vk_log1pf(omp * f.A / bma);
        }
        if (!ok) /* K0 + K1 v + K2 m, with K1 v + K2 m = kd (m + v) + (rho/sigma)(m - v) */
            corr = ((f.k0 + f.rs * ((f.theta - v) * f.om)) + f.kd * (m + v)) + f.h3 * v;
        const float diff = sqrtf(fmaxf(f.k3 * v + f.k4 * vn, 0.0f));
        const float dls = (((f.drift + corr) - f.h3 * v) + f.k2 * dv) + diff * zs;
        log_s[i] += (double)dls;
        var[i] = (double)vn;
    }
}
