/* coef.c: per-step constants of the path kernels (vk_heston_coef, vk_jump_coef) from a model's
 * parameters. Everything that depends only on (parameters, dt) is computed here once, so the
 * kernels do per-lane arithmetic only. Formulas: Andersen (2008), see kernels/ref/heston_ref.c. */
#include <math.h>
#include <string.h>

#include "vixrisk/vr_sim.h"

void vr_heston_coef_make(vr_model_type t, const vr_sv_params *p, double rate, double dividend,
                         double dt, vk_heston_coef *c)
{
    memset(c, 0, sizeof *c);
    const double k = p->kappa, th = p->theta, s = p->sigma, r = p->rho;
    const double e = exp(-k * dt);
    const double ome = -expm1(-k * dt); /* 1 - e without cancellation */
    c->dt = dt;
    c->kappa = k;
    c->theta = th;
    c->sigma = s;
    c->rho = r;
    c->drift = (rate - dividend - p->lambda * vr_jump_kbar(t, p) * (t != VR_MODEL_HESTON)) * dt;
    c->ekdt = e;
    c->c_v = s * s * e * ome / k;
    c->c_t = th * s * s * ome * ome / (2.0 * k);
    c->psi_c = 1.5;
    const double g1 = 0.5, g2 = 0.5;
    /* sigma >= 1e-3 is enforced by validation, so rho/sigma stays moderate. */
    c->k0 = -r * k * th * dt / s;
    c->k1 = g1 * dt * (k * r / s - 0.5) - r / s;
    c->k2 = g2 * dt * (k * r / s - 0.5) + r / s;
    c->k3 = g1 * dt * (1.0 - r * r);
    c->k4 = g2 * dt * (1.0 - r * r);
    c->a_mart = c->k2 + 0.5 * c->k4;
    c->sqrt_dt = sqrt(dt);
    c->rho_bar = sqrt(1.0 - r * r);
}

int vr_jump_coef_make(vr_model_type t, const vr_sv_params *p, double dt, vk_jump_coef *c)
{
    memset(c, 0, sizeof *c);
    if (t == VR_MODEL_HESTON || p->lambda <= 0)
        return 0;
    c->model = t == VR_MODEL_BATES ? 1 : 2;
    if (t == VR_MODEL_BATES) {
        c->mu = p->mu_j;
        c->sigma = p->sigma_j;
    } else {
        c->mu = p->mu_s;
        c->sigma = p->sigma_s;
        c->mu_v = p->mu_v;
        c->rho_j = p->rho_j;
    }
    /* Poisson(m) CDF by the recurrence P(k) = P(k-1) m / k; stop where the tail is below 2^-60
     * (never reached by a 53-bit uniform) or at the table size. m <= lambda dt <= 1000 dt. */
    const double m = p->lambda * dt;
    double pk = exp(-m), cdf = pk;
    int k = 0;
    for (; k < VK_POISSON_KMAX; k++) {
        c->cdf[k] = cdf;
        if (1.0 - cdf < 0x1p-60)
            break;
        pk *= m / (k + 1);
        cdf += pk;
    }
    c->kmax = k < VK_POISSON_KMAX ? k + 1 : VK_POISSON_KMAX;
    /* Make the last level 1 so a uniform never counts past it. */
    c->cdf[c->kmax - 1] = 1.0;
    return 1;
}
