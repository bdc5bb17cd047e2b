/* model.c: parameter validation and the model quantities that do not depend on the simulation
 * scheme (jump compensator, long-run variance, VIX coefficients). See vr_model.h. */
#include "vixrisk/vr_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *vr_model_type_name(vr_model_type t)
{
    switch (t) {
    case VR_MODEL_HESTON: return "heston";
    case VR_MODEL_BATES: return "bates";
    case VR_MODEL_SVCJ: return "svcj";
    }
    return "?";
}

static vr_status bad(const char *prefix, const char *key, const char *range, double got,
                     char *key_out, vr_err *err)
{
    char path[VR_KEY_MAX];
    snprintf(path, sizeof path, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "", key);
    if (key_out != NULL)
        snprintf(key_out, VR_KEY_MAX, "%s", path);
    return vr_fail(err, VR_EINVAL, "%s must be %s (got %g)", path, range, got);
}

/* isfinite() check folded into every range test: NaN fails every comparison below. */
vr_status vr_sv_params_validate(vr_model_type t, const vr_sv_params *p, const char *prefix,
                                char *key_out, vr_err *err)
{
    if (!(p->kappa > 0 && p->kappa <= 100))
        return bad(prefix, "kappa", "in (0, 100]", p->kappa, key_out, err);
    if (!(p->theta > 0 && p->theta <= 4))
        return bad(prefix, "theta", "in (0, 4]", p->theta, key_out, err);
    /* A vol-of-vol below 1e-3 is a deterministic-variance model; the QE log step divides by
     * sigma, so such values are refused rather than simulated with lost digits. */
    if (!(p->sigma >= 1e-3 && p->sigma <= 10))
        return bad(prefix, "sigma", "in [0.001, 10]", p->sigma, key_out, err);
    if (!(p->rho > -1 && p->rho < 1))
        return bad(prefix, "rho", "in (-1, 1)", p->rho, key_out, err);
    if (t == VR_MODEL_HESTON)
        return VR_OK;
    if (!(p->lambda >= 0 && p->lambda <= 1000))
        return bad(prefix, "lambda", "in [0, 1000] (jumps per year)", p->lambda, key_out, err);
    if (t == VR_MODEL_BATES) {
        if (!(p->mu_j >= -5 && p->mu_j <= 5))
            return bad(prefix, "mu_j", "in [-5, 5]", p->mu_j, key_out, err);
        if (!(p->sigma_j >= 0 && p->sigma_j <= 5))
            return bad(prefix, "sigma_j", "in [0, 5]", p->sigma_j, key_out, err);
        return VR_OK;
    }
    if (!(p->mu_v >= 0 && p->mu_v <= 4))
        return bad(prefix, "mu_v", "in [0, 4]", p->mu_v, key_out, err);
    if (!(p->mu_s >= -5 && p->mu_s <= 5))
        return bad(prefix, "mu_s", "in [-5, 5]", p->mu_s, key_out, err);
    if (!(p->sigma_s >= 0 && p->sigma_s <= 5))
        return bad(prefix, "sigma_s", "in [0, 5]", p->sigma_s, key_out, err);
    if (!(p->rho_j >= -20 && p->rho_j <= 20))
        return bad(prefix, "rho_j", "in [-20, 20]", p->rho_j, key_out, err);
    /* E[e^Z] = e^{mu_s + sigma_s^2/2} / (1 - rho_j mu_v) is finite only when rho_j mu_v < 1;
     * without it the drift compensator (and every option price) is infinite. */
    if (!(p->rho_j * p->mu_v < 1)) {
        char path[VR_KEY_MAX];
        snprintf(path, sizeof path, "%s%srho_j", prefix ? prefix : "", prefix && *prefix ? "." : "");
        if (key_out != NULL)
            snprintf(key_out, VR_KEY_MAX, "%s", path);
        return vr_fail(err, VR_EINVAL,
                       "%s must satisfy rho_j * mu_v < 1 so that E[e^Z] is finite (got rho_j * mu_v = %g)", path,
                       p->rho_j * p->mu_v);
    }
    return VR_OK;
}

vr_status vr_model_validate(const vr_model *m, char *key_out, vr_err *err)
{
    if (!(m->spot > 0 && isfinite(m->spot)))
        return bad("model", "spot", "> 0", m->spot, key_out, err);
    if (!(m->rate >= -1 && m->rate <= 1))
        return bad("model", "rate", "in [-1, 1]", m->rate, key_out, err);
    if (!(m->dividend >= -1 && m->dividend <= 1))
        return bad("model", "dividend", "in [-1, 1]", m->dividend, key_out, err);
    if (!(m->v0 >= 0 && m->v0 <= 4))
        return bad("model", "v0", "in [0, 4]", m->v0, key_out, err);
    vr_status st = vr_sv_params_validate(m->type, &m->physical, "model.physical", key_out, err);
    if (st != VR_OK)
        return st;
    return vr_sv_params_validate(m->type, &m->pricing, "model.pricing", key_out, err);
}

double vr_jump_kbar(vr_model_type t, const vr_sv_params *p)
{
    switch (t) {
    case VR_MODEL_HESTON: return 0.0;
    case VR_MODEL_BATES: return expm1(p->mu_j + 0.5 * p->sigma_j * p->sigma_j);
    case VR_MODEL_SVCJ:
        return exp(p->mu_s + 0.5 * p->sigma_s * p->sigma_s) / (1.0 - p->rho_j * p->mu_v) - 1.0;
    }
    return 0.0;
}

double vr_theta_star(vr_model_type t, const vr_sv_params *p)
{
    if (t == VR_MODEL_SVCJ)
        return p->theta + p->lambda * p->mu_v / p->kappa;
    return p->theta;
}

/* E[e^Z - 1 - Z]: the convexity of the jumps that a log contract (and so the VIX) sees. */
static double jump_convexity(vr_model_type t, const vr_sv_params *p)
{
    switch (t) {
    case VR_MODEL_HESTON: return 0.0;
    case VR_MODEL_BATES: return vr_jump_kbar(t, p) - p->mu_j;
    case VR_MODEL_SVCJ: return vr_jump_kbar(t, p) - (p->mu_s + p->rho_j * p->mu_v);
    }
    return 0.0;
}

vr_vix_coef vr_vix_coef_make(vr_model_type t, const vr_sv_params *p, double tau)
{
    const double x = p->kappa * tau;
    /* (1 - e^{-x})/x loses digits for small x: -expm1(-x)/x keeps them. */
    const double b = x > 0 ? -expm1(-x) / x : 1.0;
    vr_vix_coef c = {.a = 0}; /* every factor coefficient 0 but b */
    c.b = b;
    c.a = vr_theta_star(t, p) * (1.0 - b) + 2.0 * p->lambda * jump_convexity(t, p) * (t != VR_MODEL_HESTON);
    return c;
}

double vr_vix_level(vr_vix_coef c, double v)
{
    const double x = c.a + c.b * v;
    return 100.0 * sqrt(x > 0 ? x : 0.0);
}
