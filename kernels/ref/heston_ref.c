/* heston_ref.c: scalar reference of the Heston variance/log-price steps.
 *
 * QE: Andersen, "Simple and efficient simulation of the Heston stochastic volatility model",
 * J. Comp. Finance 11(3), 2008, sections 3.2.3 (QE variance step), 4.2 (log-price step with
 * gamma1 = gamma2 = 1/2) and 4.3 (martingale correction). Given v = V(t):
 *     m   = theta + (v - theta) e^{-kappa dt},     s^2 = c_v v + c_t,     psi = s^2 / m^2
 *   psi <= psi_c (quadratic):  b^2 = 2/psi - 1 + sqrt(2/psi (2/psi - 1)),  a = m / (1 + b^2)
 *                              V(t+dt) = a (b + Zv)^2
 *                              K0* = -A b^2 a / (1 - 2 A a) + ln(1 - 2 A a)/2 - (K1 + K3/2) v
 *   psi >  psi_c (exponential): p = (psi - 1)/(psi + 1),  beta = (1 - p)/m
 *                              V(t+dt) = 0 if Uv <= p else ln((1 - p)/(1 - Uv)) / beta
 *                              K0* = -ln(p + beta (1 - p)/(beta - A)) - (K1 + K3/2) v
 *   ln S += drift + K0* + K1 v + K2 V(t+dt) + sqrt(K3 v + K4 V(t+dt)) Zs
 * K0* makes E[S(t+dt) | S(t), V(t)] = S(t) e^{drift} exactly. It exists when A < 1/(2a)
 * (quadratic) and A < beta (exponential); where it does not (large dt with rho > 0) the
 * uncorrected K0 is used, as Andersen suggests. The vector variants compute both branches and
 * select; the reference branches, and the two agree to the documented tolerance. */
#include <math.h>
#include <sleef.h>

#include "vixrisk/vk.h"

void vk_heston_qe_d_ref(const vk_heston_coef *c, const double *restrict zv,
                        const double *restrict uv, const double *restrict zs,
                        double *restrict log_s, double *restrict var, size_t n)
{
    /* psi <= psi_c is tested as 2/psi = 2 m^2 / s^2 >= 2/psi_c: the quadratic branch (almost
     * every lane with daily steps) then needs no psi at all. */
    const double ip_c = 2.0 / c->psi_c;
    const double A = c->a_mart;
    for (size_t i = 0; i < n; i++) {
        const double v = var[i];
        const double m = c->theta + (v - c->theta) * c->ekdt;
        const double s2 = c->c_v * v + c->c_t;
        const double ip = 2.0 * m * m / s2;
        double vn, k0 = c->k0;
        int corrected = 0;
        if (ip >= ip_c) {
            const double b2 = ip - 1.0 + sqrt(ip * (ip - 1.0));
            const double a = m / (1.0 + b2);
            const double zb = sqrt(b2) + zv[i];
            vn = a * zb * zb;
            const double d = 1.0 - 2.0 * A * a;
            if (d > 0) {
                k0 = -A * b2 * a / d + 0.5 * Sleef_logd1_u10purec(d);
                corrected = 1;
            }
        } else {
            const double psi = 2.0 / ip;
            /* m = 0 (v = 0 with e^{-kappa dt} == 1, kappa dt < 2^-53) or m^2 below the smallest
             * double: psi is infinite (or 0/0) and the next variance is 0 with probability 1,
             * the limit p = 1, where (psi - 1)/(psi + 1) would be NaN */
            const double p = psi < INFINITY ? (psi - 1.0) / (psi + 1.0) : 1.0;
            const double beta = (1.0 - p) / m;
            vn = uv[i] <= p ? 0.0 : Sleef_logd1_u10purec((1.0 - p) / (1.0 - uv[i])) / beta;
            if (beta > A) {
                k0 = -Sleef_logd1_u10purec(p + beta * (1.0 - p) / (beta - A));
                corrected = 1;
            }
        }
        if (corrected)
            k0 -= (c->k1 + 0.5 * c->k3) * v;
        log_s[i] += c->drift + k0 + c->k1 * v + c->k2 * vn + sqrt(c->k3 * v + c->k4 * vn) * zs[i];
        var[i] = vn;
    }
}

/* The specification of heston_qe_fast is heston_qe's (see vk_normal2_fast_d_ref). */
void vk_heston_qe_fast_d_ref(const vk_heston_coef *c, const double *restrict zv,
                             const double *restrict uv, const double *restrict zs,
                             double *restrict log_s, double *restrict var, size_t n)
{
    vk_heston_qe_d_ref(c, zv, uv, zs, log_s, var, n);
}

/* heston_qe_draw is normal2, uniform and heston_qe in one pass: each lane draws (zv, zs) by
 * normal2 and then uv by uniform from its stream (6 outputs, in that order) and takes the QE step
 * with them. The reference is that composition, one lane at a time. */
void vk_heston_qe_draw_d_ref(const vk_heston_coef *c, uint64_t *restrict state,
                             const uint64_t *restrict inc, double *restrict log_s,
                             double *restrict var, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double zv, zs, uv;
        vk_normal2_d_ref(state + i, inc + i, &zv, &zs, 1);
        vk_uniform_d_ref(state + i, inc + i, &uv, 1);
        vk_heston_qe_d_ref(c, &zv, &uv, &zs, log_s + i, var + i, 1);
    }
}

/* The specification of heston_qe_draw_fast is heston_qe_draw's (see vk_normal2_fast_d_ref). */
void vk_heston_qe_draw_fast_d_ref(const vk_heston_coef *c, uint64_t *restrict state,
                                  const uint64_t *restrict inc, double *restrict log_s,
                                  double *restrict var, size_t n)
{
    vk_heston_qe_draw_d_ref(c, state, inc, log_s, var, n);
}

void vk_heston_euler_d_ref(const vk_heston_coef *c, const double *restrict zs,
                           const double *restrict z2, double *restrict log_s,
                           double *restrict var, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double vp = var[i] > 0 ? var[i] : 0.0;
        const double sv = sqrt(vp) * c->sqrt_dt;
        log_s[i] += c->drift - 0.5 * vp * c->dt + sv * zs[i];
        var[i] += c->kappa * c->dt * (c->theta - vp)
                  + c->sigma * sv * (c->rho * zs[i] + c->rho_bar * z2[i]);
    }
}

void vk_vix_d_ref(double a, double b, const double *restrict var, double *restrict out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double x = a + b * var[i];
        out[i] = 100.0 * sqrt(x > 0 ? x : 0.0);
    }
}
