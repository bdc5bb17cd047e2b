/* svcj2_ops.c: the model descriptor of svcj2 (vr_model_ops.h), thin wrappers over the model's
 * own functions (vr_svcj2.h): its state is (ln S, v, m), its path step is the svcj2 kernel
 * (kernels/include/vixrisk/vk_svcj2.h), its VIX family has a coefficient per factor, its direct
 * pricers solve the model's Riccati equations, and its tables along paths carry the m dimension
 * (svcj2_tables.c). The parameters are the s2 member of vr_sv_params. */
#include <math.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vk_svcj2.h"
#include "svcj2_tables.h"

static void s2_state0(const vr_model *m, double *x)
{
    x[0] = m->v0;
    x[1] = m->m0;
}

static vr_vix_coef s2_vix_coef(const vr_sv_params *p, double tau)
{
    return vr_vix_coef_make(VR_MODEL_SVCJ2, p, tau);
}

/* m is kept (a history replay or a shock moves the index, not the level v reverts to); v takes
 * what the index needs beyond a + b_m m, clamped at 0 (then the index is above the target). */
static void s2_state_from_vix(const vr_vix_coef *c, double vix, double *x)
{
    const double y = vix / 100.0;
    const double m = x[1] > 0 ? x[1] : 0.0;
    const double v = (y * y - c->a - c->b_m * m) / c->b;
    x[0] = v > 0 ? v : 0.0;
    x[1] = m;
}

static vr_status s2_path_coef(const vr_sv_params *p, double rate, double dividend, double dt,
                              void **coef, vr_err *err)
{
    /* keep the state-independent part of the mean Poisson count per step small, as the
     * one-factor jump table does (lambda1 v dt is the state's part; the count is bounded at
     * VK_POISSON_NMAX per step, see docs/numerics.md) */
    if (p->s2.lambda0 * dt > 2.0)
        return vr_fail(err, VR_EINVAL,
                       "lambda0 * dt must be <= 2 for the per-step Poisson count (got %g): use "
                       "more steps per year", p->s2.lambda0 * dt);
    /* The step's jumps land at its end with the intensity of its start: E[v'] grows by lambda1
     * mu_v dt v from the jumps and falls by (1 - e^{-kappa_v dt}) v from the reversion. The
     * model's stationarity (kappa_v > lambda1 mu_v) does not make the step's: with coarse steps
     * the simulated v grows geometrically (E[v] 353 after 5 years of quarterly steps where the
     * model's is 0.45). Refused instead of simulated. */
    const double grow = p->s2.lambda1 * p->s2.mu_v * dt, revert = -expm1(-p->s2.kappa_v * dt);
    if (!(grow < revert))
        return vr_fail(err, VR_EINVAL,
                       "lambda1 * mu_v * dt (%g) must be below 1 - exp(-kappa_v * dt) (%g): the "
                       "step's variance jumps outgrow its mean reversion and the simulated v has "
                       "no stationary mean (dt = %g years); use more steps per year",
                       grow, revert, dt);
    vk_svcj2_coef *c = vr_aligned_alloc(sizeof *c);
    if (c == NULL)
        return vr_fail(err, VR_ENOMEM, "path constants");
    vr_svcj2_coef_make(&p->s2, rate, dividend, dt, c);
    *coef = c;
    return VR_OK;
}

static void s2_path_coef_free(void *coef) { vr_free(coef); }

/* Random numbers per path-step, in this order (tests/test_svcj2_mc.c draws the same):
 * normal2 -> (zv, zs), normal2 -> (zm, unused), uniform uv (QE exponential branch of v),
 * uniform um (of m), uniform uc (the Poisson count); the marks of the jumps come from the lane's
 * stream inside the kernel. The kernel svcj2_step_draw draws them itself, in registers: the same
 * numbers as those five kernels and svcj2_step (vk_svcj2.h). QE only. */
static void s2_path_step(const vk_table *kt, const void *coef, int scheme, vr_path_buf *w,
                         size_t npad)
{
    (void)scheme; /* the descriptor has no Euler scheme (euler = 0): vr_sim_spec_check refuses it */
    kt->svcj2_step_draw(coef, w->state, w->inc, w->log_s, w->x[0], w->x[1], npad);
}

static double _Complex s2_cf(const vr_sv_params *p, const double *x, double tau, double _Complex u)
{
    return vr_svcj2_cf(&p->s2, x[0], x[1], tau, u);
}

static vr_status s2_spx(const vr_sv_params *p, double spot, double r, double q, const double *x,
                        double k, double tau, int call, double *price, vr_err *err)
{
    return vr_svcj2_european(&p->s2, spot, r, q, x[0], x[1], k, tau, call, price, err);
}

static vr_status s2_vfut(const vr_sv_params *p, const double *x, double T, double *fut, vr_err *err)
{
    return vr_svcj2_vix_future(&p->s2, x[0], x[1], T, fut, err);
}

static vr_status s2_vopt(const vr_sv_params *p, const double *x, double T, double k, double r,
                         int call, double *price, vr_err *err)
{
    return vr_svcj2_vix_option(&p->s2, x[0], x[1], T, k, r, call, price, err);
}

static vr_status s2_vopts(const vr_sv_params *p, const double *x, double T, const double *k, int n,
                          double r, int call, double *price, vr_err *err)
{
    return vr_svcj2_vix_options(&p->s2, x[0], x[1], T, k, n, r, call, price, err);
}

static vr_status s2_law_build(const vr_sv_params *p, const double *T, int nT, vr_vix_law **law,
                              vr_err *err)
{
    return vr_svcj2_law_build(&p->s2, T, nT, law, err);
}

/* E[m] = theta, E[v] = (kappa_v theta + mu_v lambda0) / (kappa_v - lambda1 mu_v) */
static void s2_stationary_mean(const vr_sv_params *p, double *x)
{
    x[0] = vr_svcj2_mean_v(&p->s2);
    x[1] = p->s2.theta;
}

/* v's diffusion against the level it reverts to in the long run (theta), m's against theta */
static void s2_feller_ratio(const vr_sv_params *p, double *ratio)
{
    const vr_svcj2_params *q = &p->s2;
    ratio[0] = q->sigma_v > 0 ? 2.0 * q->kappa_v * q->theta / (q->sigma_v * q->sigma_v) : INFINITY;
    ratio[1] = q->sigma_m > 0 ? 2.0 * q->kappa_m * q->theta / (q->sigma_m * q->sigma_m) : INFINITY;
}

const vr_model_ops vr_svcj2_ops = {
    .type = VR_MODEL_SVCJ2, .name = "svcj2", .nfactors = 2, .factor_names = {"v", "m"},
    .euler = 0, .step_key = "lambda0",
    .state0 = s2_state0, .vix_coef = s2_vix_coef, .state_from_vix = s2_state_from_vix,
    .path_coef = s2_path_coef, .path_coef_free = s2_path_coef_free, .path_step = s2_path_step,
    .cf_logprice = s2_cf, .spx_european = s2_spx, .vix_future = s2_vfut, .vix_option = s2_vopt,
    .vix_options = s2_vopts, .vix_law_build = s2_law_build, .vix_law_eval = vr_svcj2_law_eval,
    .vix_law_free = vr_svcj2_law_free, .state_from_vix2 = vr_state_from_vix2_affine,
    .stationary_mean = s2_stationary_mean, .feller_ratio = s2_feller_ratio,
    .tables_build = vr_svcj2_tables_build, .tables_check = vr_svcj2_tables_check,
    .tables_destroy = vr_svcj2_tables_destroy, .spx_vol_n = vr_svcj2_spx_vol_n,
    .spx_stencil = vr_svcj2_spx_stencil,
    .vix_call_n = vr_svcj2_vix_call_n, .vix_future_1 = vr_svcj2_vix_future_1,
    .tables_build_seconds = vr_svcj2_tables_seconds, .tables_save = vr_svcj2_tables_save,
    .tables_load = vr_svcj2_tables_load,
};
