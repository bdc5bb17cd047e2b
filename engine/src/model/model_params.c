/* model_params.c: the parameter tables of the model types (see vr_model_params.h).
 *
 * The ranges are those the simulation, the pricers and the VIX formula are tested on; the
 * reasons for the less obvious ones are next to them. Adding a model type means adding its
 * vr_sv_params fields, one param table and one line in `models` below. */
#include "vixrisk/vr_model_params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SV(n) #n, offsetof(vr_sv_params, n)
#define M(n) #n, offsetof(vr_model, n)
#define REQ NAN

/* Shared by every model: the variance process. */
#define VARIANCE_PARAMS                                                                           \
    {SV(kappa), 0, 100, 1, 0, REQ, "1/year", "mean-reversion speed of v"},                      \
    {SV(theta), 0, 4, 1, 0, REQ, "variance (annualised)", "long-run variance of the diffusion part"}, \
    /* Below 1e-3 the model is deterministic variance and the QE log step (which divides by     \
     * sigma) would lose its digits, so such values are refused. */                             \
    {SV(sigma), 1e-3, 10, 0, 0, REQ, "1/sqrt(year)", "volatility of variance"},                 \
    {SV(rho), -1, 1, 1, 1, REQ, "", "correlation of the Brownian motions of S and v"}

static const vr_param_def heston_params[] = {VARIANCE_PARAMS};

static const vr_param_def bates_params[] = {
    VARIANCE_PARAMS,
    {SV(lambda), 0, 1000, 0, 0, REQ, "1/year", "jump intensity, jumps per year"},
    {SV(mu_j), -5, 5, 0, 0, REQ, "log-price", "mean of the log-price jump N(mu_j, sigma_j^2)"},
    {SV(sigma_j), 0, 5, 0, 0, REQ, "log-price", "standard deviation of the log-price jump"},
};

static const vr_param_def svcj_params[] = {
    VARIANCE_PARAMS,
    {SV(lambda), 0, 1000, 0, 0, REQ, "1/year", "jump intensity, jumps per year"},
    {SV(mu_v), 0, 4, 0, 0, REQ, "variance (annualised)", "mean of the exponential variance jump"},
    {SV(mu_s), -5, 5, 0, 0, REQ, "log-price", "log-price jump given Zv: N(mu_s + rho_j Zv, sigma_s^2)"},
    {SV(sigma_s), 0, 5, 0, 0, REQ, "log-price", "standard deviation of the log-price jump"},
    {SV(rho_j), -20, 20, 0, 0, REQ, "log-price per variance", "loading of the price jump on the variance jump"},
    /* optional: a nonzero value makes the file an svcj2 model with m fixed at theta
     * (vr_model_lift_svcj), so files without it are unchanged */
    {SV(lambda1), 0, 1e4, 0, 0, 0.0, "1/(year variance)", "state-dependent intensity: lambda + lambda1 v jumps per year"},
};

/* svcj2 (vr_svcj2.h): its own fields (vr_sv_params.s2). sigma_v >= 1e-3 for the QE log step as
 * sigma above; sigma_m = 0 is allowed (m then follows its mean: the SVCJ limit with m0 = theta);
 * lambda1 up to 1e4 per unit variance (lambda1 v is jumps per year, so 1e4 at v = 0.1 is 1000). */
#define S2(n) #n, offsetof(vr_sv_params, s2.n)
static const vr_param_def svcj2_params[] = {
    {S2(kappa_v), 0, 100, 1, 0, REQ, "1/year", "reversion speed of v towards m"},
    {S2(kappa_m), 0, 100, 1, 0, REQ, "1/year", "reversion speed of m towards theta"},
    {S2(theta), 0, 4, 1, 0, REQ, "variance (annualised)", "long-run level of m"},
    {S2(sigma_v), 1e-3, 10, 0, 0, REQ, "1/sqrt(year)", "volatility of v"},
    {S2(sigma_m), 0, 10, 0, 0, REQ, "1/sqrt(year)", "volatility of m (0: m follows its mean)"},
    {S2(rho), -1, 1, 1, 1, REQ, "", "correlation of the Brownian motions of S and v"},
    {S2(lambda0), 0, 1000, 0, 0, REQ, "1/year", "jump intensity at v = 0, jumps per year"},
    {S2(lambda1), 0, 1e4, 0, 0, REQ, "1/(year variance)", "intensity per unit of v: lambda0 + lambda1 v jumps per year"},
    {S2(mu_v), 0, 4, 0, 0, REQ, "variance (annualised)", "mean of the exponential variance jump"},
    {S2(mu_s), -5, 5, 0, 0, REQ, "log-price", "log-price jump given Z_v: N(mu_s + rho_j Z_v, sigma_s^2)"},
    {S2(sigma_s), 0, 5, 0, 0, REQ, "log-price", "standard deviation of the log-price jump"},
    {S2(rho_j), -20, 20, 0, 0, REQ, "log-price per variance", "loading of the price jump on the variance jump"},
};

static const vr_param_def v_state[] = {
    {M(v0), 0, 4, 0, 0, REQ, "variance (annualised)", "initial instantaneous variance (0.04 = 20% vol)"},
};

static const vr_param_def vm_state[] = {
    {M(v0), 0, 4, 0, 0, REQ, "variance (annualised)", "initial instantaneous variance (0.04 = 20% vol)"},
    {M(m0), 0, 4, 0, 0, REQ, "variance (annualised)", "initial central tendency of v"},
};

static const vr_param_def common[] = {
    /* at most 1e7 points: option values, P&L and their moments stay far inside double range */
    {M(spot), 0, 1e7, 1, 0, REQ, "index points", "S0"},
    {M(rate), -1, 1, 0, 0, 0.0, "1/year", "r, continuously compounded"},
    {M(dividend), -1, 1, 0, 0, 0.0, "1/year", "q, continuously compounded"},
};

/* E[e^Z] = e^{mu_s + sigma_s^2/2} / (1 - rho_j mu_v) is finite only when rho_j mu_v < 1; without
 * it the drift compensator (and every option price) is infinite. */
static int jump_rule(double rho_j, double mu_v, const char **key, char *msg, size_t cap)
{
    if (rho_j * mu_v < 1)
        return 0;
    *key = "rho_j";
    char g[VR_NUM_STR];
    snprintf(msg, cap, "must satisfy rho_j * mu_v < 1 so that E[e^Z] is finite (got rho_j * mu_v = %s)",
             vr_num_str(rho_j * mu_v, g));
    return -1;
}

/* With intensity lambda + lambda1 v each unit of v adds lambda1 jumps of mean mu_v per year, so
 * E[v] reverts at rate kappa - lambda1 mu_v: at or below zero it grows without bound. */
static int stationary_rule(double kappa, const char *kname, double lambda1, double mu_v,
                           const char **key, char *msg, size_t cap)
{
    if (kappa > lambda1 * mu_v)
        return 0;
    *key = "lambda1";
    char g1[VR_NUM_STR], g2[VR_NUM_STR]; /* (all the digits: 0.6000000000000001 against 0.6 is no tie) */
    snprintf(msg, cap, "must satisfy %s > lambda1 * mu_v so that E[v] is stationary (got %s = %s, "
             "lambda1 * mu_v = %s)", kname, kname, vr_num_str(kappa, g1), vr_num_str(lambda1 * mu_v, g2));
    return -1;
}

static int svcj_rule(const vr_sv_params *p, const char **key, char *msg, size_t cap)
{
    if (jump_rule(p->rho_j, p->mu_v, key, msg, cap) != 0)
        return -1;
    return stationary_rule(p->kappa, "kappa", p->lambda1, p->mu_v, key, msg, cap);
}

static int svcj2_rule(const vr_sv_params *p, const char **key, char *msg, size_t cap)
{
    const vr_svcj2_params *q = &p->s2;
    if (jump_rule(q->rho_j, q->mu_v, key, msg, cap) != 0)
        return -1;
    return stationary_rule(q->kappa_v, "kappa_v", q->lambda1, q->mu_v, key, msg, cap);
}

#define N(a) (int)(sizeof a / sizeof a[0])
static const vr_model_def models[] = {
    {VR_MODEL_HESTON, "heston", "stochastic variance, no jumps", heston_params, N(heston_params),
     v_state, N(v_state), NULL},
    {VR_MODEL_BATES, "bates", "heston plus log-normal price jumps", bates_params, N(bates_params),
     v_state, N(v_state), NULL},
    {VR_MODEL_SVCJ, "svcj", "simultaneous exponential variance and correlated price jumps",
     svcj_params, N(svcj_params), v_state, N(v_state), svcj_rule},
    {VR_MODEL_SVCJ2, "svcj2",
     "two-factor variance (v reverting to a stochastic level m) with co-jumps of intensity lambda0 + lambda1 v",
     svcj2_params, N(svcj2_params), vm_state, N(vm_state), svcj2_rule},
};

const vr_param_def *vr_model_common_params(int *n)
{
    *n = N(common);
    return common;
}

int vr_model_def_count(void) { return N(models); }

const vr_model_def *vr_model_def_at(int i) { return i >= 0 && i < N(models) ? &models[i] : NULL; }

const vr_model_def *vr_model_def_of(vr_model_type t)
{
    for (int i = 0; i < N(models); i++)
        if (models[i].type == t)
            return &models[i];
    return NULL;
}

const vr_model_def *vr_model_def_find(const char *name)
{
    for (int i = 0; i < N(models); i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}

const vr_param_def *vr_model_param_find(const vr_model_def *m, const char *name)
{
    for (int i = 0; m && i < m->nparams; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return &m->params[i];
    return NULL;
}

/* The union of the per-measure names, first occurrence order. */
static int name_seen_before(int mi, int pi)
{
    const char *nm = models[mi].params[pi].name;
    for (int i = 0; i <= mi; i++)
        for (int j = 0; j < (i == mi ? pi : models[i].nparams); j++)
            if (strcmp(models[i].params[j].name, nm) == 0)
                return 1;
    return 0;
}

int vr_model_param_name_count(void)
{
    int n = 0;
    for (int i = 0; i < N(models); i++)
        for (int j = 0; j < models[i].nparams; j++)
            n += !name_seen_before(i, j);
    return n;
}

const char *vr_model_param_name_at(int k)
{
    for (int i = 0; i < N(models); i++)
        for (int j = 0; j < models[i].nparams; j++)
            if (!name_seen_before(i, j) && k-- == 0)
                return models[i].params[j].name;
    return NULL;
}

int vr_param_in_range(const vr_param_def *d, double x)
{
    if (!isfinite(x))
        return 0;
    const int lo_ok = d->lo_open ? x > d->lo : x >= d->lo;
    const int hi_ok = d->hi_open ? x < d->hi : x <= d->hi;
    return lo_ok && hi_ok;
}

const char *vr_param_range_str(const vr_param_def *d, char *buf, size_t cap)
{
    if (isinf(d->hi))
        snprintf(buf, cap, "%s %g", d->lo_open ? ">" : ">=", d->lo);
    else
        snprintf(buf, cap, "in %c%g, %g%c", d->lo_open ? '(' : '[', d->lo, d->hi, d->hi_open ? ')' : ']');
    return buf;
}
