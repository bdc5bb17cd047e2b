/* svcj2.c: parameters, validation, first moments and VIX-family coefficients of the two-factor
 * variance model with state-dependent co-jumps (see vr_svcj2.h).
 *
 * The first moments solve a linear 2x2 system with an explicit solution. With the effective
 * reversion k = kappa_v - lambda1 mu_v (> 0 by validation) and f(y) = (1 - e^{-y})/y,
 *     E[m_t] = theta + (m - theta) e^{-kappa_m t}
 *     E[v_t] = v e^{-k t} + (kappa_v theta + mu_v lambda0) t f(k t) + kappa_v (m - theta) h(t),
 *     h(t)   = int_0^t e^{-k (t-s) - kappa_m s} ds = t e^{-min(k, kappa_m) t} f(|k - kappa_m| t).
 * Averaging over [0, tau] gives the VIX coefficients through the divided difference
 *     I(y1, y2) = int_0^1 int_0^t e^{-y1 (t-s) - y2 s} ds dt = (f(y2) - f(y1)) / (y1 - y2),
 * y1 = k tau, y2 = kappa_m tau, with c1 = 1 + 2 lambda1 cJ:
 *     b_v = c1 f(y1),   b_m = c1 kappa_v tau I(y1, y2),
 *     a   = c1 tau [(kappa_v theta + mu_v lambda0) I(y1, 0) - kappa_v theta I(y1, y2)] + 2 lambda0 cJ.
 * I(y1, 0) = (y1 - 1 + e^{-y1}) / y1^2. The divided difference is taken directly when
 * |y1 - y2| >= 1e-3 (relative rounding error <= 1e-13 there) and otherwise from the Taylor
 * expansion about the midpoint, -(f'(c) + f'''(c) d^2/24) with d = y1 - y2 (truncation
 * f^(5) d^4 / 1920 < 1e-16); f, f', f''' come from their power series for y < 2 and their closed
 * forms above, so small kappa tau (y -> 0) loses nothing to cancellation. */
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vk_svcj2.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static vr_status bad(const char *prefix, const char *key, const char *range, double got,
                     char *key_out, vr_err *err)
{
    char path[VR_KEY_MAX], g[VR_NUM_STR];
    snprintf(path, sizeof path, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "", key);
    if (key_out != NULL)
        snprintf(key_out, VR_KEY_MAX, "%s", path);
    return vr_fail(err, VR_EINVAL, "%s must be %s (got %s)", path, range, vr_num_str(got, g));
}

/* Every comparison is written so that NaN fails it. */
vr_status vr_svcj2_params_validate(const vr_svcj2_params *p, const char *prefix, char *key_out,
                                   vr_err *err)
{
    if (!(p->kappa_v > 0 && p->kappa_v <= 100))
        return bad(prefix, "kappa_v", "in (0, 100]", p->kappa_v, key_out, err);
    if (!(p->kappa_m > 0 && p->kappa_m <= 100))
        return bad(prefix, "kappa_m", "in (0, 100]", p->kappa_m, key_out, err);
    if (!(p->theta > 0 && p->theta <= 4))
        return bad(prefix, "theta", "in (0, 4]", p->theta, key_out, err);
    if (!(p->sigma_v >= 1e-3 && p->sigma_v <= 10))
        return bad(prefix, "sigma_v", "in [0.001, 10]", p->sigma_v, key_out, err);
    if (!(p->sigma_m >= 0 && p->sigma_m <= 10))
        return bad(prefix, "sigma_m", "in [0, 10]", p->sigma_m, key_out, err);
    if (!(p->rho > -1 && p->rho < 1))
        return bad(prefix, "rho", "in (-1, 1)", p->rho, key_out, err);
    if (!(p->lambda0 >= 0 && p->lambda0 <= 1000))
        return bad(prefix, "lambda0", "in [0, 1000] (jumps per year)", p->lambda0, key_out, err);
    if (!(p->lambda1 >= 0 && p->lambda1 <= 1e4))
        return bad(prefix, "lambda1", "in [0, 10000] (jumps per year per unit variance)",
                   p->lambda1, key_out, err);
    if (!(p->mu_v >= 0 && p->mu_v <= 4))
        return bad(prefix, "mu_v", "in [0, 4]", p->mu_v, key_out, err);
    if (!(p->mu_s >= -5 && p->mu_s <= 5))
        return bad(prefix, "mu_s", "in [-5, 5]", p->mu_s, key_out, err);
    if (!(p->sigma_s >= 0 && p->sigma_s <= 5))
        return bad(prefix, "sigma_s", "in [0, 5]", p->sigma_s, key_out, err);
    if (!(p->rho_j >= -20 && p->rho_j <= 20))
        return bad(prefix, "rho_j", "in [-20, 20]", p->rho_j, key_out, err);
    char path[VR_KEY_MAX], g[VR_NUM_STR], g2[VR_NUM_STR];
    const char *dot = prefix && *prefix ? "." : "";
    if (!(p->rho_j * p->mu_v < 1)) {
        snprintf(path, sizeof path, "%s%srho_j", prefix ? prefix : "", dot);
        if (key_out != NULL)
            snprintf(key_out, VR_KEY_MAX, "%s", path);
        return vr_fail(err, VR_EINVAL,
                       "%s must satisfy rho_j * mu_v < 1 so that E[e^Z_s] is finite "
                       "(got rho_j * mu_v = %s)", path, vr_num_str(p->rho_j * p->mu_v, g));
    }
    /* E[v] reverts at rate kappa_v - lambda1 mu_v: each unit of v adds lambda1 jumps of mean
     * mu_v per year. At or below zero the mean variance grows without bound. */
    if (!(p->kappa_v > p->lambda1 * p->mu_v)) {
        snprintf(path, sizeof path, "%s%slambda1", prefix ? prefix : "", dot);
        if (key_out != NULL)
            snprintf(key_out, VR_KEY_MAX, "%s", path);
        return vr_fail(err, VR_EINVAL,
                       "%s must satisfy kappa_v > lambda1 * mu_v so that E[v] is stationary "
                       "(got kappa_v = %s, lambda1 * mu_v = %s)", path, vr_num_str(p->kappa_v, g),
                       vr_num_str(p->lambda1 * p->mu_v, g2));
    }
    return VR_OK;
}

vr_status vr_svcj2_model_validate(const vr_svcj2_model *m, char *key_out, vr_err *err)
{
    if (!(m->spot > 0 && isfinite(m->spot)))
        return bad("model", "spot", "> 0", m->spot, key_out, err);
    if (!(m->rate >= -1 && m->rate <= 1))
        return bad("model", "rate", "in [-1, 1]", m->rate, key_out, err);
    if (!(m->dividend >= -1 && m->dividend <= 1))
        return bad("model", "dividend", "in [-1, 1]", m->dividend, key_out, err);
    if (!(m->v0 >= 0 && m->v0 <= 4))
        return bad("model", "v0", "in [0, 4]", m->v0, key_out, err);
    if (!(m->m0 >= 0 && m->m0 <= 4))
        return bad("model", "m0", "in [0, 4]", m->m0, key_out, err);
    vr_status st = vr_svcj2_params_validate(&m->physical, "model.physical", key_out, err);
    if (st != VR_OK)
        return st;
    return vr_svcj2_params_validate(&m->pricing, "model.pricing", key_out, err);
}

double vr_svcj2_mbar(const vr_svcj2_params *p)
{
    /* e^{x}/(1 - c) - 1 = (expm1(x) + c)/(1 - c): no cancellation for small jumps */
    const double x = p->mu_s + 0.5 * p->sigma_s * p->sigma_s;
    const double c = p->rho_j * p->mu_v;
    return (expm1(x) + c) / (1.0 - c);
}

double vr_svcj2_cj(const vr_svcj2_params *p)
{
    const double r = vr_svcj2_mbar(p) - p->mu_s - p->rho_j * p->mu_v;
    return r > 0 ? r : 0.0; /* >= 0 by Jensen; rounding only */
}

vr_svcj2_params vr_svcj2_from_sv(vr_model_type t, const vr_sv_params *p)
{
    vr_svcj2_params q = {.kappa_v = p->kappa, .kappa_m = 1.0, .theta = p->theta,
                         .sigma_v = p->sigma, .sigma_m = 0.0, .rho = p->rho};
    if (t == VR_MODEL_SVCJ) {
        q.lambda0 = p->lambda;
        q.mu_v = p->mu_v;
        q.mu_s = p->mu_s;
        q.sigma_s = p->sigma_s;
        q.rho_j = p->rho_j;
    } else if (t == VR_MODEL_BATES) {
        q.lambda0 = p->lambda;
        q.mu_s = p->mu_j;
        q.sigma_s = p->sigma_j;
    }
    return q;
}

double vr_svcj2_mean_v(const vr_svcj2_params *p)
{
    return (p->kappa_v * p->theta + p->mu_v * p->lambda0) / (p->kappa_v - p->lambda1 * p->mu_v);
}

/* ---------------------------------------------------------------------------------------------
 * f(y) = (1 - e^{-y})/y and friends, y >= 0. */

static double f0(double y)
{
    return y < 1e-300 ? 1.0 : -expm1(-y) / y;
}

/* f'(y) and f'''(y): power series below 2 (terms fall like 2^n/(n+1)!, 30 terms are exact to
 * rounding), closed forms above (no cancellation there: e^{-y}(1 + y) < 0.41). */
static void f_derivs(double y, double *d1, double *d3)
{
    if (y < 2.0) {
        double s1 = 0.0, s3 = 0.0, fact = 1.0; /* fact = (n+1)! */
        for (int n = 1; n <= 30; n++) {
            fact *= (double)(n + 1);
            const double sg = (n & 1) ? -1.0 : 1.0;
            s1 += sg * n * pow(y, n - 1) / fact;
            if (n >= 3)
                s3 += sg * (double)n * (n - 1) * (n - 2) * pow(y, n - 3) / fact;
        }
        *d1 = s1;
        *d3 = s3;
        return;
    }
    const double e = exp(-y), g = -expm1(-y);
    *d1 = e / y - g / (y * y);
    *d3 = e / y + 3.0 * e / (y * y) + 6.0 * e / (y * y * y) - 6.0 * g / (y * y * y * y);
}

/* I(y1, y2) = (f(y2) - f(y1)) / (y1 - y2), = -f'(y) on the diagonal. */
static double ddiff(double y1, double y2)
{
    const double d = y1 - y2;
    if (fabs(d) >= 1e-3)
        return (f0(y2) - f0(y1)) / d;
    double d1, d3;
    f_derivs(0.5 * (y1 + y2), &d1, &d3);
    return -(d1 + d3 * d * d / 24.0);
}

void vr_svcj2_moments(const vr_svcj2_params *p, double v, double m, double t, double *ev,
                      double *em)
{
    const double k = p->kappa_v - p->lambda1 * p->mu_v;
    const double km = p->kappa_m;
    *em = p->theta + (m - p->theta) * exp(-km * t);
    const double h = t * exp(-fmin(k, km) * t) * f0(fabs(k - km) * t);
    *ev = v * exp(-k * t) + (p->kappa_v * p->theta + p->mu_v * p->lambda0) * t * f0(k * t) +
          p->kappa_v * (m - p->theta) * h;
}

vr_svcj2_vix_coef vr_svcj2_vix_coef_make(const vr_svcj2_params *p, double tau)
{
    const double cj = vr_svcj2_cj(p);
    const double c1 = 1.0 + 2.0 * p->lambda1 * cj;
    const double y1 = (p->kappa_v - p->lambda1 * p->mu_v) * tau;
    const double y2 = p->kappa_m * tau;
    const double i12 = ddiff(y1, y2), i10 = ddiff(y1, 0.0);
    vr_svcj2_vix_coef c;
    c.b_v = c1 * f0(y1);
    c.b_m = c1 * p->kappa_v * tau * i12;
    /* (kv th + mv l0) I(y1,0) - kv th I(y1,y2) = kv th (I(y1,0) - I(y1,y2)) + mv l0 I(y1,0);
     * the difference is >= 0 (I decreases in y2) and small when kappa_m tau is: it is kept as a
     * difference, with absolute error ~1e-16 kv th tau. */
    const double a = c1 * tau * (p->kappa_v * p->theta * (i10 - i12) + p->mu_v * p->lambda0 * i10) +
                     2.0 * p->lambda0 * cj;
    c.a = a > 0 ? a : 0.0;
    return c;
}

/* ---------------------------------------------------------------------------------------------
 * Path-kernel constants (Andersen 2008 QE; see vk_svcj2.h for the step). */
void vr_svcj2_coef_make(const vr_svcj2_params *p, double rate, double dividend, double dt,
                        struct vk_svcj2_coef *c)
{
    memset(c, 0, sizeof *c);
    c->dt = dt;
    c->psi_c = 1.5;
    const double km = p->kappa_m, sm2 = p->sigma_m * p->sigma_m;
    const double em = exp(-km * dt), omem = -expm1(-km * dt);
    c->theta = p->theta;
    c->em = em;
    c->cm_v = sm2 * em * omem / km;
    c->cm_t = p->theta * sm2 * omem * omem / (2.0 * km);
    c->m_det = p->sigma_m == 0.0;
    const double kv = p->kappa_v, sv = p->sigma_v, r = p->rho;
    const double ev = exp(-kv * dt), omev = -expm1(-kv * dt);
    c->ev = ev;
    c->c_v = sv * sv * ev * omev / kv;
    c->c_t = sv * sv * omev * omev / (2.0 * kv);
    const double mbar = vr_svcj2_mbar(p);
    c->drift0 = (rate - dividend - p->lambda0 * mbar) * dt;
    c->drift1 = -p->lambda1 * mbar * dt;
    c->k0m = -r * kv * dt / sv;
    c->k1 = 0.5 * dt * (kv * r / sv - 0.5) - r / sv;
    c->k2 = 0.5 * dt * (kv * r / sv - 0.5) + r / sv;
    c->k3 = 0.5 * dt * (1.0 - r * r);
    c->k4 = c->k3;
    c->a_mart = c->k2 + 0.5 * c->k4;
    c->l0dt = p->lambda0 * dt;
    c->l1dt = p->lambda1 * dt;
    c->jump.model = 2;
    c->jump.mu = p->mu_s;
    c->jump.sigma = p->sigma_s;
    c->jump.mu_v = p->mu_v;
    c->jump.rho_j = p->rho_j;
}
