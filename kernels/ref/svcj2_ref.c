/* svcj2_ref.c: scalar reference of the svcj2 path step (the specification the SIMD variants are
 * held to). The discretisation is documented in vk_svcj2.h; the QE formulas are Andersen's
 * (2008), as in heston_ref.c: with mean M and variance S^2 of the next value,
 *   2/psi = 2 M^2 / S^2 >= 2/psi_c: quadratic, b^2 = 2/psi - 1 + sqrt(2/psi (2/psi - 1)),
 *                                   a = M/(1 + b^2), next = a (b + z)^2
 *   otherwise: exponential, p = (psi - 1)/(psi + 1), beta = (1 - p)/M,
 *              next = 0 if u <= p else ln((1 - p)/(1 - u))/beta.
 * A zero variance (S^2 = 0, e.g. sigma_m = 0, or v = m_eff = 0) steps the mean. */
#include <math.h>
#include <sleef.h>

#include "vixrisk/vk_svcj2.h"

/* The Poisson count beyond VK_POISSON_KMAX (vk_poisson_inv_plain stopped there with the term pk
 * and the sum cdf of its recurrence, u > cdf). The recurrence goes on where e^-l is a normal
 * double (l <= 700); beyond, e^-l underflows and the sum restarts with each term from logs,
 * p_k = exp(-l + k ln l - lgamma(k + 1)) (the first 32 terms, below e^-570, cannot have reached
 * u >= 2^-54). Past the mode, once a term no longer moves the sum (rounding can leave the
 * computed CDF just below a u near 1), the count is the last one that did: the mass beyond is
 * below 2^-52, and where the count used to stop at VK_POISSON_KMAX with such a sum it still does.
 * The count is at most VK_POISSON_NMAX = 4096, which bounds a lane-step's work (each jump draws
 * a uniform): a mean beyond it (l > 4096: v in the hundreds at lambda1 = 1e4 and daily steps, or
 * a path that coarse steps let explode, see docs/numerics.md) gives 4096, a count far in the
 * tail of that Poisson law below the mean. */
int vk_poisson_inv_tail(double l, double u, int k, double pk, double cdf)
{
    if (l <= 700) {
        while (u > cdf && k < VK_POISSON_NMAX) {
            k++;
            pk *= l / k;
            const double next = cdf + pk;
            if (next == cdf && k > l)
                return k - 1;
            cdf = next;
        }
        return k;
    }
    const double ll = Sleef_logd1_u10purec(l);
    cdf = 0;
    for (k = 0; k < VK_POISSON_NMAX; k++) {
        const double t = Sleef_expd1_u10purec(-l + k * ll - Sleef_lgammad1_u10purec(k + 1.0));
        const double next = cdf + t;
        if (next == cdf && k > l)
            return k - 1;
        cdf = next;
        if (u <= cdf)
            break;
    }
    return k;
}

/* QE draw; b2_out, a_out report the quadratic branch's (b^2, a) and p_out, beta_out the
 * exponential branch's (p, beta) for the martingale correction. Returns 1 for quadratic, 0 for
 * exponential, -1 for a degenerate (deterministic) step. */
static int qe_draw(double mean, double s2, double psi_c, double z, double u, double *next,
                   double *b2_out, double *a_out, double *p_out, double *beta_out)
{
    if (!(s2 > 0) || !(mean > 0)) {
        *next = mean > 0 ? mean : 0.0;
        return -1;
    }
    const double ip = 2.0 * mean * mean / s2;
    if (ip >= 2.0 / psi_c) {
        const double b2 = ip - 1.0 + sqrt(ip * (ip - 1.0));
        const double a = mean / (1.0 + b2);
        const double zb = sqrt(b2) + z;
        *next = a * zb * zb;
        *b2_out = b2;
        *a_out = a;
        return 1;
    }
    const double psi = 2.0 / ip;
    /* mean^2 below the smallest double: psi is infinite, the next value 0 with probability 1
     * (the limit p = 1, where (psi - 1)/(psi + 1) would be NaN) */
    const double p = psi < INFINITY ? (psi - 1.0) / (psi + 1.0) : 1.0;
    const double beta = (1.0 - p) / mean;
    *next = u <= p ? 0.0 : Sleef_logd1_u10purec((1.0 - p) / (1.0 - u)) / beta;
    *p_out = p;
    *beta_out = beta;
    return 0;
}

void vk_svcj2_step_d_ref(const vk_svcj2_coef *c, const double *restrict zv,
                         const double *restrict uv, const double *restrict zm,
                         const double *restrict um, const double *restrict zs,
                         const double *restrict uc, uint64_t *restrict state,
                         const uint64_t *restrict inc, double *restrict log_s,
                         double *restrict var, double *restrict mvar, size_t n)
{
    const double A = c->a_mart;
    for (size_t i = 0; i < n; i++) {
        const double v = var[i], m = mvar[i];
        double b2 = 0, a = 0, p = 0, beta = 0;
        /* 1. m */
        const double mm = c->theta + (m - c->theta) * c->em;
        double mn;
        if (c->m_det)
            mn = mm;
        else
            (void)qe_draw(mm, c->cm_v * m + c->cm_t, c->psi_c, zm[i], um[i], &mn, &b2, &a, &p,
                          &beta);
        /* 2. v around the trapezoid level */
        const double meff = 0.5 * (m + mn);
        const double mv = meff + (v - meff) * c->ev;
        double vn;
        const int br = qe_draw(mv, c->c_v * v + c->c_t * meff, c->psi_c, zv[i], uv[i], &vn, &b2,
                               &a, &p, &beta);
        /* 3. ln S, martingale-corrected where the correction exists */
        double k0 = c->k0m * meff;
        int corrected = 0;
        if (br == 1) {
            const double d = 1.0 - 2.0 * A * a;
            if (d > 0) {
                k0 = -A * b2 * a / d + 0.5 * Sleef_logd1_u10purec(d);
                corrected = 1;
            }
        } else if (br == 0) {
            if (beta > A) {
                k0 = -Sleef_logd1_u10purec(p + beta * (1.0 - p) / (beta - A));
                corrected = 1;
            }
        } else {
            /* deterministic v step: E[exp(K1 v + K2 vn + (K3 v + K4 vn)/2)] is that number */
            k0 = -(c->k2 + 0.5 * c->k4) * vn;
            corrected = 1;
        }
        if (corrected)
            k0 -= (c->k1 + 0.5 * c->k3) * v;
        log_s[i] += c->drift0 + c->drift1 * v + k0 + c->k1 * v + c->k2 * vn +
                    sqrt(c->k3 * v + c->k4 * vn) * zs[i];
        /* 4. jumps with the step-start intensity */
        double vj = vn;
        const double l = c->l0dt + c->l1dt * v;
        if (l > 0) {
            const int cnt = vk_poisson_inv(l, uc[i]);
            if (cnt > 0)
                vk_jump_apply(&c->jump, &state[i], inc[i], cnt, &log_s[i], &vj);
        }
        var[i] = vj;
        mvar[i] = mn;
    }
}

/* The specification of svcj2_step_fast is svcj2_step's (see vk_normal2_fast_d_ref). */
void vk_svcj2_step_fast_d_ref(const vk_svcj2_coef *c, const double *restrict zv,
                              const double *restrict uv, const double *restrict zm,
                              const double *restrict um, const double *restrict zs,
                              const double *restrict uc, uint64_t *restrict state,
                              const uint64_t *restrict inc, double *restrict log_s,
                              double *restrict var, double *restrict mvar, size_t n)
{
    vk_svcj2_step_d_ref(c, zv, uv, zm, um, zs, uc, state, inc, log_s, var, mvar, n);
}

/* svcj2_step_draw (vk_svcj2.h): the draws and the step, one lane at a time. */
void vk_svcj2_step_draw_d_ref(const vk_svcj2_coef *c, uint64_t *restrict state,
                              const uint64_t *restrict inc, double *restrict log_s,
                              double *restrict var, double *restrict mvar, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double zv, zs, zm, unused, uv, um, uc;
        vk_normal2_d_ref(state + i, inc + i, &zv, &zs, 1);
        vk_normal2_d_ref(state + i, inc + i, &zm, &unused, 1);
        vk_uniform_d_ref(state + i, inc + i, &uv, 1);
        vk_uniform_d_ref(state + i, inc + i, &um, 1);
        vk_uniform_d_ref(state + i, inc + i, &uc, 1);
        vk_svcj2_step_d_ref(c, &zv, &uv, &zm, &um, &zs, &uc, state + i, inc + i, log_s + i,
                            var + i, mvar + i, 1);
    }
}

/* The specification of svcj2_step_draw_fast is svcj2_step_draw's (see vk_normal2_fast_d_ref). */
void vk_svcj2_step_draw_fast_d_ref(const vk_svcj2_coef *c, uint64_t *restrict state,
                                   const uint64_t *restrict inc, double *restrict log_s,
                                   double *restrict var, double *restrict mvar, size_t n)
{
    vk_svcj2_step_draw_d_ref(c, state, inc, log_s, var, mvar, n);
}
