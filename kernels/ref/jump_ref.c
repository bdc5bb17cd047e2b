/* jump_ref.c: scalar reference of the compound-Poisson jump step (Bates and SVCJ), see vk.h.
 *
 * Exactness: given the count N of jumps in a step, the sum of N iid N(mu, s^2) log jumps is
 * N(N mu, N s^2) and the sum of N iid Exp(mean mu_v) variance jumps is mu_v Gamma(N, 1), which
 * for integer N is -mu_v ln(U_1 ... U_N). The jumps land at the end of the step: within a step
 * the variance jump does not feed the diffusion (an O(lambda dt^2) effect on the integrated
 * variance; the jump law itself is exact). */
#include <math.h>
#include <sleef.h>

#include "vixrisk/vk.h"

static inline double lane_u01(uint64_t *state, uint64_t inc)
{
    vk_pcg32 r = {*state, inc};
    const uint32_t hi = vk_pcg32_next(&r);
    const uint32_t lo = vk_pcg32_next(&r);
    *state = r.state;
    return vk_u01_from_u32(hi, lo);
}

void vk_jump_apply(const vk_jump_coef *c, uint64_t *state, uint64_t inc, int count,
                   double *log_s, double *var)
{
    /* One Box-Muller normal (the cosine half), as in vk_normal2_d_ref. */
    const double u1 = lane_u01(state, inc);
    const double u2 = lane_u01(state, inc);
    const double z = sqrt(-2.0 * Sleef_logd1_u10purec(u1)) * Sleef_sincosd1_u35purec(VK_TWO_PI * u2).y;
    const double nn = (double)count;
    double js = nn * c->mu + sqrt(nn) * c->sigma * z;
    if (c->model == 2) {
        double prod = 1.0, lnp = 0.0;
        for (int k = 0; k < count; k++) {
            prod *= lane_u01(state, inc);
            if (prod < 0x1p-900) { /* keep the running product away from underflow */
                lnp += Sleef_logd1_u10purec(prod);
                prod = 1.0;
            }
        }
        lnp += Sleef_logd1_u10purec(prod);
        const double zv = -c->mu_v * lnp;
        *var += zv;
        js += c->rho_j * zv;
    }
    *log_s += js;
}

static inline int poisson_count(const vk_jump_coef *c, double u)
{
    int cnt = 0;
    for (int k = 0; k < c->kmax; k++)
        cnt += u > c->cdf[k];
    return cnt;
}

void vk_jump_d_ref(const vk_jump_coef *c, uint64_t *restrict state, const uint64_t *restrict inc,
                   const double *restrict uc, double *restrict log_s, double *restrict var,
                   size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const int cnt = poisson_count(c, uc[i]);
        if (cnt > 0)
            vk_jump_apply(c, &state[i], inc[i], cnt, &log_s[i], &var[i]);
    }
}
