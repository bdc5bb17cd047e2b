/* model.c: parameter validation and the model quantities that do not depend on the simulation
 * scheme (jump compensator, long-run variance, VIX coefficients). See vr_model.h. */
#include "vixrisk/vr_model.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_svcj2.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *vr_model_type_name(vr_model_type t)
{
    const vr_model_def *d = vr_model_def_of(t);
    return d ? d->name : "?";
}

static vr_status bad(const char *prefix, const vr_param_def *d, double got, char *key_out, vr_err *err)
{
    char path[VR_KEY_MAX], range[64], g[VR_NUM_STR];
    snprintf(path, sizeof path, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "", d->name);
    if (key_out != NULL)
        snprintf(key_out, VR_KEY_MAX, "%s", path);
    return vr_fail(err, VR_EINVAL, "%s must be %s (got %s)", path, vr_param_range_str(d, range, sizeof range),
                   vr_num_str(got, g));
}

/* The ranges and the cross-parameter rule come from the model's parameter table
 * (model_params.c); NaN and infinities fail every range. */
vr_status vr_sv_params_validate(vr_model_type t, const vr_sv_params *p, const char *prefix,
                                char *key_out, vr_err *err)
{
    const vr_model_def *m = vr_model_def_of(t);
    if (m == NULL)
        return vr_fail(err, VR_EINVAL, "%s: unknown model type %d", prefix ? prefix : "model", (int)t);
    for (int i = 0; i < m->nparams; i++) {
        const double x = vr_param_get(p, &m->params[i]);
        if (!vr_param_in_range(&m->params[i], x))
            return bad(prefix, &m->params[i], x, key_out, err);
    }
    const char *key = NULL;
    char msg[256];
    if (m->rule != NULL && m->rule(p, &key, msg, sizeof msg) != 0) {
        char path[VR_KEY_MAX];
        snprintf(path, sizeof path, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "", key);
        if (key_out != NULL)
            snprintf(key_out, VR_KEY_MAX, "%s", path);
        return vr_fail(err, VR_EINVAL, "%s %s", path, msg);
    }
    return VR_OK;
}

vr_status vr_model_validate(const vr_model *m, char *key_out, vr_err *err)
{
    int nc = 0;
    const vr_param_def *common = vr_model_common_params(&nc);
    for (int i = 0; i < nc; i++)
        if (!vr_param_in_range(&common[i], vr_param_get(m, &common[i])))
            return bad("model", &common[i], vr_param_get(m, &common[i]), key_out, err);
    const vr_model_def *d = vr_model_def_of(m->type);
    if (d == NULL)
        return vr_fail(err, VR_EINVAL, "model.type: unknown model type %d", (int)m->type);
    for (int i = 0; i < d->nstate; i++)
        if (!vr_param_in_range(&d->state[i], vr_param_get(m, &d->state[i])))
            return bad("model", &d->state[i], vr_param_get(m, &d->state[i]), key_out, err);
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
    case VR_MODEL_SVCJ2: return vr_svcj2_mbar(&p->s2);
    }
    return 0.0;
}

double vr_theta_star(vr_model_type t, const vr_sv_params *p)
{
    if (t == VR_MODEL_SVCJ)
        return p->theta + p->lambda * p->mu_v / p->kappa;
    if (t == VR_MODEL_SVCJ2)
        return vr_svcj2_mean_v(&p->s2);
    return p->theta;
}

/* E[e^Z - 1 - Z]: the convexity of the jumps that a log contract (and so the VIX) sees. */
static double jump_convexity(vr_model_type t, const vr_sv_params *p)
{
    switch (t) {
    case VR_MODEL_HESTON: return 0.0;
    case VR_MODEL_BATES: return vr_jump_kbar(t, p) - p->mu_j;
    case VR_MODEL_SVCJ: return vr_jump_kbar(t, p) - (p->mu_s + p->rho_j * p->mu_v);
    case VR_MODEL_SVCJ2: return vr_svcj2_cj(&p->s2);
    }
    return 0.0;
}

vr_vix_coef vr_vix_coef_make(vr_model_type t, const vr_sv_params *p, double tau)
{
    if (t == VR_MODEL_SVCJ2) {
        const vr_svcj2_vix_coef c2 = vr_svcj2_vix_coef_make(&p->s2, tau);
        vr_vix_coef c = {.a = c2.a};
        c.b = c2.b_v;
        c.b_m = c2.b_m;
        return c;
    }
    const double x = p->kappa * tau;
    /* (1 - e^{-x})/x loses digits for small x: -expm1(-x)/x keeps them. */
    const double b = x > 0 ? -expm1(-x) / x : 1.0;
    vr_vix_coef c = {.a = 0}; /* every factor coefficient 0 but b */
    c.b = b;
    c.a = vr_theta_star(t, p) * (1.0 - b) + 2.0 * p->lambda * jump_convexity(t, p) * (t != VR_MODEL_HESTON);
    return c;
}

vr_status vr_model_lift_svcj(vr_model *m, char *key_out, vr_err *err)
{
    if (m->type != VR_MODEL_SVCJ || (m->physical.lambda1 == 0 && m->pricing.lambda1 == 0))
        return VR_OK;
    /* m is one state for both measures: it can sit at theta under both only if they agree */
    if (m->physical.theta != m->pricing.theta) {
        if (key_out != NULL)
            snprintf(key_out, VR_KEY_MAX, "model.pricing.theta");
        return vr_fail(err, VR_EINVAL,
                       "model.pricing.theta must equal model.physical.theta (%g) when lambda1 != 0 "
                       "(svcj with lambda1 is the svcj2 limit with m fixed at theta; got %g): use "
                       "type svcj2 for different levels", m->physical.theta, m->pricing.theta);
    }
    vr_sv_params *sets[2] = {&m->physical, &m->pricing};
    for (int i = 0; i < 2; i++) {
        vr_sv_params *p = sets[i];
        vr_svcj2_params q = vr_svcj2_from_sv(VR_MODEL_SVCJ, p);
        q.lambda1 = p->lambda1;
        memset(p, 0, sizeof *p);
        p->s2 = q;
    }
    m->type = VR_MODEL_SVCJ2;
    m->m0 = m->pricing.s2.theta;
    return VR_OK;
}

double vr_vix_level(vr_vix_coef c, double v)
{
    const double x = c.a + c.b * v;
    return 100.0 * sqrt(x > 0 ? x : 0.0);
}
