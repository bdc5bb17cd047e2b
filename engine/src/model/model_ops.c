/* model_ops.c: the descriptors of the one-factor models (heston, bates, svcj) and the registry
 * vr_model_ops_get (see vr_model_ops.h).
 *
 * The three one-factor models share everything but their type: the state is (ln S, v), the path
 * step is the Heston QE (or Euler) kernel followed by the jump kernel when the model has jumps,
 * the SPX marks come from the implied-vol surface (vr_surface.h) and the VIX marks from the VIX
 * table (vr_vix.h). So one set of functions is written once over the type and three small
 * wrappers per function bind it (C has no closures). A model with another state (two variance
 * factors) fills its own descriptor in its own file and adds one line to vr_model_ops_get
 * (svcj2: svcj2_ops.c). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_vix.h"
#include "tables_io.h"

extern const vr_model_ops vr_svcj2_ops; /* svcj2_ops.c */

double vr_vix_level_x(const vr_vix_coef *c, const double *x, int nfactors)
{
    /* the first term in the same order as vr_vix_level, so one-factor levels are bit-identical */
    double s = c->a + c->bx[0] * (x[0] > 0 ? x[0] : 0.0);
    for (int j = 1; j < nfactors; j++)
        s += c->bx[j] * (x[j] > 0 ? x[j] : 0.0);
    return 100.0 * sqrt(s > 0 ? s : 0.0);
}

int vr_model_m_fixed(const vr_model *m)
{
    const vr_svcj2_params *p = &m->physical.s2, *q = &m->pricing.s2;
    return m->type == VR_MODEL_SVCJ2 && p->sigma_m == 0 && q->sigma_m == 0 && m->m0 == p->theta &&
           m->m0 == q->theta;
}

double vr_model_vix_floor(const vr_model *m)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return 0.0;
    const vr_vix_coef c = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    if (vr_model_m_fixed(m)) { /* v = 0 with m at m0 (until 2026-12-07 every factor at 0) */
        const double x[VR_FACTORS_MAX] = {0.0, m->m0};
        return vr_vix_level_x(&c, x, ops->nfactors);
    }
    return 100.0 * sqrt(c.a > 0 ? c.a : 0.0);
}

/* The top of a one-factor VIX option table's variance axis (sv1_vix_table_spec). */
static double sv1_vix_vmax(vr_model_type t, const vr_sv_params *p) { return fmax(1.0, 12 * vr_theta_star(t, p)); }

double vr_model_vix_table_vmax(const vr_model *m)
{
    if (m->type == VR_MODEL_SVCJ2) {
        const vr_svcj2_params p = vr_svcj2_from_sv(VR_MODEL_SVCJ2, &m->pricing);
        return fmax(1.0, 12.0 * vr_svcj2_mean_v(&p)); /* (svcj2_tables.c, build_vix) */
    }
    return sv1_vix_vmax(m->type, &m->pricing);
}

double vr_model_vix_start(const vr_model *m)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return 0.0;
    double x[VR_FACTORS_MAX] = {0};
    ops->state0(m, x);
    const vr_vix_coef c = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    return vr_vix_level_x(&c, x, ops->nfactors);
}

double vr_model_cover_vix(vr_model *m, double vix)
{
    if (!(vix > 0))
        return 0.0;
    const double v = vr_model_v_at_vix(m, vix);
    if (!(v > vr_model_vix_table_vmax(m) * (1 + 1e-9)))
        return 0.0;
    if (vix > m->vix_cover)
        m->vix_cover = vix;
    return v;
}

double vr_model_vix_table_cover(const vr_model *m)
{
    if (!(m->vix_cover > 0))
        return 0.0;
    const double v = 2.0 * vr_model_v_at_vix(m, m->vix_cover);
    return v < 25.0 ? v : 25.0;
}

double vr_model_vix_table_top(const vr_model *m)
{
    const double vmax = vr_model_vix_table_vmax(m), cover = vr_model_vix_table_cover(m);
    return vr_model_vix_at_v(m, cover > vmax ? cover : vmax);
}

double vr_model_v_at_vix(const vr_model *m, double vix)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return 0.0;
    double x[VR_FACTORS_MAX] = {0};
    const vr_vix_coef c = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    ops->state_from_vix(&c, vix, x);
    return x[0];
}

double vr_model_vix_at_v(const vr_model *m, double v)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return 0.0;
    const vr_vix_coef c = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    double x[VR_FACTORS_MAX] = {0};
    x[0] = v;
    return vr_vix_level_x(&c, x, ops->nfactors);
}

vr_status vr_state_from_vix2_affine(const vr_vix_coef *c1, const vr_vix_coef *c2, double vix1,
                                    double vix2, double *x, vr_err *err)
{
    const double y1 = vix1 / 100.0, y2 = vix2 / 100.0;
    const double det = c1->bx[0] * c2->bx[1] - c1->bx[1] * c2->bx[0];
    /* relative to the size of the coefficients: a singular system (the two tenors carry the same
     * information, e.g. kappa_m = kappa_v - lambda1 mu_v with sigma_m = 0) cannot identify (v, m) */
    const double scale = fabs(c1->bx[0] * c2->bx[1]) + fabs(c1->bx[1] * c2->bx[0]);
    if (!(isfinite(vix1) && isfinite(vix2) && vix1 > 0 && vix2 > 0))
        return vr_fail(err, VR_EINVAL, "state from two indices: levels must be positive (got %g, %g)",
                       vix1, vix2);
    if (!(fabs(det) > 1e-12 * scale))
        return vr_fail(err, VR_EINVAL,
                       "state from two indices: the coefficients (b_v, b_m) = (%g, %g) and (%g, %g) "
                       "do not identify two factors", c1->bx[0], c1->bx[1], c2->bx[0], c2->bx[1]);
    const double r1 = y1 * y1 - c1->a, r2 = y2 * y2 - c2->a;
    const double v = (r1 * c2->bx[1] - r2 * c1->bx[1]) / det;
    const double m = (c1->bx[0] * r2 - c2->bx[0] * r1) / det;
    if (!(v >= 0 && m >= 0))
        return vr_fail(err, VR_EINVAL,
                       "levels %g and %g lie outside the model's reachable range: they need v = %.6g, "
                       "m = %.6g, and both factors must be >= 0", vix1, vix2, v, m);
    x[0] = v;
    x[1] = m;
    return VR_OK;
}

/* ---- one-factor models ------------------------------------------------------------------------ */

static void sv1_state0(const vr_model *m, double *x) { x[0] = m->v0; }

/* Feller ratio of the variance diffusion (the jumps of bates/svcj only push v up). */
static void sv1_feller_ratio(const vr_sv_params *p, double *ratio)
{
    ratio[0] = p->sigma > 0 ? 2.0 * p->kappa * p->theta / (p->sigma * p->sigma) : INFINITY;
}

static void sv1_state_from_vix(const vr_vix_coef *c, double vix, double *x)
{
    const double y = vix / 100.0;
    const double v = (y * y - c->a) / c->b;
    x[0] = v > 0 ? v : 0.0;
}

typedef struct sv1_coef {
    vk_heston_coef hc;
    vk_jump_coef jc;
    int jumps;
} sv1_coef;

/* The one-factor kernels and pricers have a constant intensity: an svcj set with lambda1 != 0
 * is the svcj2 limit of vr_model_lift_svcj (model files are lifted when loaded). */
static vr_status sv1_intensity_check(const vr_sv_params *p, vr_err *err)
{
    if (p->lambda1 != 0)
        return vr_fail(err, VR_EINVAL, "svcj with lambda1 = %g != 0 runs as svcj2 "
                       "(vr_model_lift_svcj); the one-factor model has lambda1 = 0", p->lambda1);
    return VR_OK;
}

static vr_status sv1_path_coef(vr_model_type t, const vr_sv_params *p, double rate, double dividend,
                               double dt, void **coef, vr_err *err)
{
    const vr_status st = sv1_intensity_check(p, err);
    if (st != VR_OK)
        return st;
    /* The jump step inverts a Poisson(lambda dt) CDF table of VK_POISSON_KMAX levels. */
    if (t != VR_MODEL_HESTON && p->lambda * dt > 2.0)
        return vr_fail(err, VR_EINVAL,
                       "lambda * dt must be <= 2 for the per-step Poisson table (got %g): use more "
                       "steps per year", p->lambda * dt);
    sv1_coef *c = vr_aligned_alloc(sizeof *c);
    if (c == NULL)
        return vr_fail(err, VR_ENOMEM, "path constants");
    vr_heston_coef_make(t, p, rate, dividend, dt, &c->hc);
    c->jumps = vr_jump_coef_make(t, p, dt, &c->jc);
    *coef = c;
    return VR_OK;
}

static void sv1_path_coef_free(void *coef) { vr_free(coef); }

/* Random numbers per path-step in the order vr_sim.h documents: normal2 -> (zv, zs) [QE] or
 * (zs, z2) [Euler], one uniform for the QE exponential branch (drawn for Euler too), and for jump
 * models one more uniform for the Poisson count. The single-precision QE step draws its own three
 * 32-bit numbers in place of the first three (vk.h, "Single precision"). */
static void sv1_path_step(const vk_table *kt, const void *vc, int scheme, vr_path_buf *w, size_t npad)
{
    const sv1_coef *c = vc;
    if (scheme == VR_STEP_QE_SINGLE) {
        kt->heston_qe_single(&c->hc, w->state, w->inc, w->log_s, w->x[0], npad);
    } else if (scheme == VR_SCHEME_QE) {
        /* normal2, uniform and heston_qe in one pass: the same numbers (vk.h) */
        kt->heston_qe_draw(&c->hc, w->state, w->inc, w->log_s, w->x[0], npad);
    } else {
        kt->normal2(w->state, w->inc, w->tmp[0], w->tmp[1], npad);
        kt->uniform(w->state, w->inc, w->tmp[2], npad);
        kt->heston_euler(&c->hc, w->tmp[0], w->tmp[1], w->log_s, w->x[0], npad);
    }
    if (c->jumps) {
        kt->uniform(w->state, w->inc, w->tmp[3], npad);
        kt->jump(&c->jc, w->state, w->inc, w->tmp[3], w->log_s, w->x[0], npad);
    }
}

struct vr_model_tables {
    vr_surface *surf;
    vr_vix_table *vix;
    double seconds;
};

static void sv1_tables_destroy(vr_model_tables *t)
{
    if (t == NULL)
        return;
    vr_surface_destroy(t->surf);
    vr_vix_table_destroy(t->vix);
    free(t);
}

/* The surface covers [1/365, tau_max_spx]; the VIX table [1/365, tau_max_vix] and variances up to
 * 12 theta* (or 1): the stationary law of v puts far less than 1e-4 of its mass beyond that and
 * the table extrapolates linearly in sqrt(a + b v) there. */
static vr_vix_table_spec sv1_vix_table_spec(vr_model_type t, const vr_model *m,
                                            const vr_tables_spec *spec)
{
    const vr_vix_table_spec vs = {
        .v_max = sv1_vix_vmax(t, &m->pricing), .v_cover = spec->v_cover, .tau_min = 1.0 / 365,
        .tau_max = spec->tau_max_vix, .m_min = 0.5, .m_max = 3.0, .rate = spec->rate,
        .t_top = spec->vix_tau_top};
    return vs;
}

static vr_status sv1_tables_check(vr_model_type t, const vr_model *m, const vr_tables_spec *spec,
                                  vr_err *err)
{
    vr_status st = sv1_intensity_check(&m->physical, err);
    if (st == VR_OK)
        st = sv1_intensity_check(&m->pricing, err);
    /* the surface's default axis (sv1_tables_build asks for it), known without building */
    if (st == VR_OK && !(spec->skip & VR_TABLES_NO_SPX))
        st = vr_surface_params_check(t, &m->pricing, err);
    if (st != VR_OK || (spec->skip & VR_TABLES_NO_VIX))
        return st; /* the rest is the VIX table's: a build without it does not depend on it */
    const vr_vix_table_spec vs = sv1_vix_table_spec(t, m, spec);
    /* the table's variance range is 12 theta*, theta* the pricing set's long-run variance: say
     * so in the parameters' terms, not the table's */
    const double v12 = 12 * vr_theta_star(t, &m->pricing);
    if (!(v12 <= 25)) {
        /* six digits, unless they would round the value down onto the bound */
        char got[VR_NUM_STR];
        snprintf(got, sizeof got, "%.6g", v12);
        if (!(strtod(got, NULL) > 25))
            vr_num_str(v12, got);
        return vr_fail(err, VR_EINVAL, "the pricing set's long-run variance theta* is too large for the VIX "
                       "option table, which needs 12 theta* <= 25 (here 12 theta* = %s): lower theta%s", got,
                       t == VR_MODEL_SVCJ ? " (or the jumps' mean variance mu_v lambda / kappa)" : "");
    }
    vr_err e2 = {VR_OK, ""};
    if (vr_vix_table_spec_check(&vs, &e2) != VR_OK)
        return vr_fail(err, e2.code, "the VIX option table of these parameters is out of its limits: %s", e2.msg);
    return VR_OK;
}

static vr_status sv1_tables_build(vr_model_type t, const vr_model *m, const vr_tables_spec *spec,
                                  vr_model_tables **out, vr_err *err)
{
    const double t0 = omp_get_wtime();
    vr_model_tables *tb = calloc(1, sizeof *tb);
    if (tb == NULL)
        return vr_fail(err, VR_ENOMEM, "pricing tables");
    vr_status st;
    vr_surface_spec ss = {0};
    ss.tau_min = 1.0 / 365;
    ss.tau_max = spec->tau_max_spx;
    ss.tau_step = spec->spx_tau_step;
    if (!(spec->skip & VR_TABLES_NO_SPX) &&
        (st = vr_surface_build(t, &m->pricing, &ss, &tb->surf, err)) != VR_OK)
        goto fail;
    const vr_vix_table_spec vs = sv1_vix_table_spec(t, m, spec);
    if (!(spec->skip & VR_TABLES_NO_VIX) &&
        (st = vr_vix_table_build(t, &m->pricing, &vs, &tb->vix, err)) != VR_OK)
        goto fail;
    tb->seconds = omp_get_wtime() - t0;
    *out = tb;
    return VR_OK;
fail:
    sv1_tables_destroy(tb);
    return st;
}

static void sv1_spx_vol_n(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                          const double *tau, const double *k, double *vol, size_t npad)
{
    kt->surface_vol(vr_surface_kernel_view(t->surf), x[0], tau, k, vol, npad);
}

static const vk_surface *sv1_spx_surface(const vr_model_tables *t) { return vr_surface_kernel_view(t->surf); }

static void sv1_vix_call_n(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                           const double *tau, const double *strike, double *price, size_t npad)
{
    kt->vix_call(vr_vix_table_kernel_view(t->vix), x[0], tau, strike, price, npad);
}

static double sv1_vix_future_1(const vr_model_tables *t, const double *x, double tau)
{
    return vr_vix_table_future(t->vix, x[0], tau);
}

static double sv1_tables_seconds(const vr_model_tables *t) { return t->seconds; }

/* Table-store bytes: which tables there are, then each (tables_io.h). */
static void sv1_tables_save(const vr_model_tables *t, vr_blob *b)
{
    const int32_t has[2] = {t->surf != NULL, t->vix != NULL};
    vr_blob_put(b, has, sizeof has);
    if (t->surf)
        vr_surface_save(t->surf, b);
    if (t->vix)
        vr_vix_table_save(t->vix, b);
}

static vr_status sv1_tables_load(vr_blob_in *r, unsigned skip, vr_model_tables **out, vr_err *err)
{
    int32_t has[2];
    if (!vr_blob_get(r, has, sizeof has) || has[0] != !(skip & VR_TABLES_NO_SPX) ||
        has[1] != !(skip & VR_TABLES_NO_VIX))
        return vr_fail(err, VR_EINVAL, "pricing tables: the stored bytes do not hold tables");
    vr_model_tables *tb = calloc(1, sizeof *tb);
    if (tb == NULL)
        return vr_fail(err, VR_ENOMEM, "pricing tables");
    vr_status st = VR_OK;
    if ((has[0] && (st = vr_surface_load(r, &tb->surf, err)) != VR_OK) ||
        (has[1] && (st = vr_vix_table_load(r, &tb->vix, err)) != VR_OK)) {
        sv1_tables_destroy(tb);
        return st;
    }
    *out = tb;
    return VR_OK;
}

/* Bind the type-generic functions above to one model type. */
#define SV1_DESCRIPTOR(ID, TYPE, NAME)                                                              \
    static vr_vix_coef ID##_vix_coef(const vr_sv_params *p, double tau)                             \
    {                                                                                               \
        return vr_vix_coef_make(TYPE, p, tau);                                                      \
    }                                                                                               \
    static vr_status ID##_path_coef(const vr_sv_params *p, double r, double q, double dt,           \
                                    void **coef, vr_err *err)                                       \
    {                                                                                               \
        return sv1_path_coef(TYPE, p, r, q, dt, coef, err);                                         \
    }                                                                                               \
    static double complex ID##_cf(const vr_sv_params *p, const double *x, double tau,              \
                                  double complex u)                                                 \
    {                                                                                               \
        return vr_cf_logprice(TYPE, p, x[0], tau, u);                                               \
    }                                                                                               \
    static vr_status ID##_spx(const vr_sv_params *p, double spot, double r, double q,               \
                              const double *x, double k, double tau, int call, double *price,       \
                              vr_err *err)                                                          \
    {                                                                                               \
        return vr_analytic_european(TYPE, p, spot, r, q, x[0], k, tau, call, price, err);          \
    }                                                                                               \
    static vr_status ID##_vfut(const vr_sv_params *p, const double *x, double T, double *fut,      \
                               vr_err *err)                                                         \
    {                                                                                               \
        return vr_vix_future(TYPE, p, x[0], T, fut, err);                                          \
    }                                                                                               \
    static vr_status ID##_vopt(const vr_sv_params *p, const double *x, double T, double k,         \
                               double r, int call, double *price, vr_err *err)                      \
    {                                                                                               \
        return vr_vix_option(TYPE, p, x[0], T, k, r, call, price, err);                             \
    }                                                                                               \
    static vr_status ID##_vopts(const vr_sv_params *p, const double *x, double T, const double *k, \
                                int n, double r, int call, double *price, vr_err *err)              \
    {                                                                                               \
        for (int i = 0; i < n; i++) {                                                               \
            const vr_status st = vr_vix_option(TYPE, p, x[0], T, k[i], r, call, &price[i], err);    \
            if (st != VR_OK)                                                                        \
                return st;                                                                          \
        }                                                                                           \
        return VR_OK;                                                                               \
    }                                                                                               \
    static vr_status ID##_tables(const vr_model *m, const vr_tables_spec *s, vr_model_tables **o,  \
                                 vr_err *err)                                                       \
    {                                                                                               \
        return sv1_tables_build(TYPE, m, s, o, err);                                                \
    }                                                                                               \
    static vr_status ID##_tables_check(const vr_model *m, const vr_tables_spec *s, vr_err *err)    \
    {                                                                                               \
        return sv1_tables_check(TYPE, m, s, err);                                                   \
    }                                                                                               \
    static void ID##_stationary_mean(const vr_sv_params *p, double *x)                              \
    {                                                                                               \
        x[0] = vr_theta_star(TYPE, p);                                                              \
    }                                                                                               \
    static const vr_model_ops ID##_ops = {                                                          \
        .type = TYPE, .name = NAME, .nfactors = 1, .factor_names = {"v", NULL}, .euler = 1, .single = 1,   \
        .step_key = TYPE == VR_MODEL_HESTON ? NULL : "lambda",                                      \
        .state0 = sv1_state0, .vix_coef = ID##_vix_coef, .state_from_vix = sv1_state_from_vix,      \
        .state_from_vix2 = NULL, .stationary_mean = ID##_stationary_mean,                           \
        .feller_ratio = sv1_feller_ratio,                                                           \
        .path_coef = ID##_path_coef, .path_coef_free = sv1_path_coef_free,                          \
        .path_step = sv1_path_step, .cf_logprice = ID##_cf, .spx_european = ID##_spx,               \
        .vix_future = ID##_vfut, .vix_option = ID##_vopt, .vix_options = ID##_vopts,               \
        .tables_build = ID##_tables,                                                                \
        .tables_check = ID##_tables_check,                                                          \
        .tables_destroy = sv1_tables_destroy, .spx_vol_n = sv1_spx_vol_n,                           \
        .spx_surface = sv1_spx_surface,                                                             \
        .vix_call_n = sv1_vix_call_n, .vix_future_1 = sv1_vix_future_1,                             \
        .tables_build_seconds = sv1_tables_seconds, .tables_save = sv1_tables_save,                 \
        .tables_load = sv1_tables_load,                                                             \
    };

SV1_DESCRIPTOR(heston, VR_MODEL_HESTON, "heston")
SV1_DESCRIPTOR(bates, VR_MODEL_BATES, "bates")
SV1_DESCRIPTOR(svcj, VR_MODEL_SVCJ, "svcj")

const vr_model_ops *vr_model_ops_get(vr_model_type t)
{
    switch (t) {
    case VR_MODEL_HESTON: return &heston_ops;
    case VR_MODEL_BATES: return &bates_ops;
    case VR_MODEL_SVCJ: return &svcj_ops;
    case VR_MODEL_SVCJ2: return &vr_svcj2_ops;
    }
    return NULL;
}
