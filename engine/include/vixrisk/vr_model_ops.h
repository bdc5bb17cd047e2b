/* vr_model_ops.h: the model interface. Everything the engine needs to know about one model type
 * is reached through its descriptor, vr_model_ops_get(type): the variance state it carries (its
 * dimension and names), its path kernels, its VIX-family coefficients, its direct pricers
 * (characteristic function of log S, VIX futures and options from the law of the variance state)
 * and the tables that mark options along paths. The layers above the pricing layer (the book,
 * the evaluator, the run, the reports) never branch on the model type: they ask the descriptor.
 *
 * State of a path: ln S plus `nfactors` variance factors x[0..nfactors) (x[0] = v, the
 * instantaneous variance, for every model; two-factor models add x[1] = m, the stochastic
 * central tendency of v). Factors are annualised variances. Parameter names, ranges, defaults and
 * their documentation are not here: they are the parameter table (vr_model_params.h).
 *
 * Adding a model: one descriptor (a `vr_model_ops` filled by its own file) and one line in
 * vr_model_ops_get (engine/src/model/model_ops.c); see docs/architecture.md. */
#ifndef VIXRISK_VR_MODEL_OPS_H
#define VIXRISK_VR_MODEL_OPS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_status.h"
#include "vixrisk/vk.h"

/* Scratch arrays (block doubles each) a path step may use for its random numbers. */
#define VR_PATH_TMP 6

/* One block of paths as a path kernel sees it: structure-of-arrays, 64-byte aligned, npad lanes
 * (a multiple of VK_LANES_MAX). x[j] for j >= nfactors is NULL. */
typedef struct vr_path_buf {
    uint64_t *state, *inc;           /* PCG32 stream of every lane */
    double *log_s;                   /* ln S */
    double *x[VR_FACTORS_MAX];       /* variance factors (x[0] = v) */
    double *tmp[VR_PATH_TMP];        /* scratch */
} vr_path_buf;

/* The tables that mark options along paths, built once per pricing model (read-only afterwards,
 * shared by threads). Opaque to everything but the model's own file. */
typedef struct vr_model_tables vr_model_tables;
struct vr_blob;    /* engine/src/core/blob.h: the table store's bytes (tables_save, tables_load) */
struct vr_blob_in;

/* The law of VIX_T under one pricing parameter set at a few expiries, prepared for many states
 * (opaque; the descriptor's vix_law_*). */
typedef struct vr_vix_law vr_vix_law;
#define VR_VIX_LAW_MAXT 4096 /* expiries per law */

/* What the pricing layer asks the tables to cover. */
typedef struct vr_tables_spec {
    double tau_max_spx;   /* longest SPX expiry to be marked, years (> 0) */
    double spx_tau_step;  /* 0, or the SPX surface's time axis is the ladder of this step in ln tau
                             from 1 day (vr_surface_spec.tau_step) up to tau_max_spx */
    double tau_max_vix;   /* longest VIX option/future expiry to be marked, years (> 0) */
    double vix_tau_top;   /* 0, or the VIX tables' time axis holds their default nodes up to this
                             expiry and goes on at their spacing to tau_max_vix
                             (vr_vix_table_spec.t_top) */
    double rate;          /* discount rate of the VIX option prices */
    double v_cover;       /* 0, or a variance the VIX option tables must reach beyond their default
                             top (vr_vix_table_spec.v_cover; vr_model.vix_cover) */
    unsigned skip;        /* VR_TABLES_NO_SPX | VR_TABLES_NO_VIX: leave that table out (0: build
                             both); a lookup of a table left out must not be made */
} vr_tables_spec;
#define VR_TABLES_NO_SPX 1u
#define VR_TABLES_NO_VIX 2u

typedef struct vr_model_ops {
    vr_model_type type;
    const char *name;                           /* "heston", "bates", "svcj", ... */
    int nfactors;                               /* 1 (v) or 2 (v, m) */
    const char *factor_names[VR_FACTORS_MAX];   /* "v", "m" */
    int euler;                                  /* 1: path_step also has the Euler scheme */
    int single;                                 /* 1: path_step also has VR_STEP_QE_SINGLE */
    const char *step_key;                       /* the parameter path_coef bounds times dt ("lambda",
                                                 * "lambda0"): the key its failure names; NULL if none */

    /* ---- state ---- */
    /* Initial variance factors of model m: x[0] = m->v0 (and x[1] = the model's m0). */
    void (*state0)(const vr_model *m, double *x);

    /* ---- VIX family under parameter set p (pricing) ---- */
    /* (VIX_tau / 100)^2 = a + sum_j b[j] x[j] for the index of tenor tau (years): 30/365 VIX,
     * 9/365 VIX9D, 93/365 VIX3M. Fills every b[j], j >= nfactors with 0. */
    vr_vix_coef (*vix_coef)(const vr_sv_params *p, double tau);
    /* Variance factors consistent with an observed VIX under coefficients c (history replays,
     * bootstrap, shocks): x holds the current factors on entry (a two-factor model may keep m and
     * solve for v), the factors that give `vix` on return; variances are clamped at 0. */
    void (*state_from_vix)(const vr_vix_coef *c, double vix, double *x);
    /* Two-factor models only (NULL when nfactors = 1, which stay on VIX alone): the factors
     * exactly identified by two indices, levels vix1 and vix2 (index points) with coefficients c1
     * and c2 (VIX and VIX3M: vr_state_from_vix2_affine solves the 2x2 linear system). VR_EINVAL
     * naming both levels when the system is singular or the solution has a negative factor (the
     * pair lies outside the model's reachable range); x is then untouched. */
    vr_status (*state_from_vix2)(const vr_vix_coef *c1, const vr_vix_coef *c2, double vix1,
                                 double vix2, double *x, vr_err *err);

    /* ---- long run of parameter set p (physical: where paths go; pricing: where prices go) ---- */
    /* Stationary means E[x_j] of the factors (jumps included: theta + lambda mu_v / kappa for
     * svcj). Every parameter set that validates is stationary. */
    void (*stationary_mean)(const vr_sv_params *p, double *x);
    /* Feller ratios 2 kappa theta / sigma^2 of the factors' diffusions (>= 1: the diffusion
     * alone never reaches 0); +INFINITY for a factor without diffusion (sigma = 0). */
    void (*feller_ratio)(const vr_sv_params *p, double *ratio);

    /* ---- path generation under parameter set p (physical for runs, pricing for `price`) ---- */
    /* Per-step constants for steps of dt years into *coef (allocated here, freed with
     * path_coef_free). VR_EINVAL naming the parameter when dt is too long for the scheme. */
    vr_status (*path_coef)(const vr_sv_params *p, double rate, double dividend, double dt,
                           void **coef, vr_err *err);
    void (*path_coef_free)(void *coef);
    /* Advance every lane of w by one step: draws its random numbers from the lanes' streams
     * (into w->tmp, or in registers where a kernel draws its own: heston_qe_draw, svcj2_step_draw),
     * then moves ln S and the factors. Pure (no allocation, no error path).
     * scheme: a vr_scheme, or VR_STEP_QE_SINGLE (vr_sim.h) where `single` is set. */
    void (*path_step)(const vk_table *kt, const void *coef, int scheme, vr_path_buf *w,
                      size_t npad);

    /* ---- direct pricers (pricing parameters; x the variance factors now) ---- */
    /* E[exp(i u ln(S_tau / F))], F the forward: the characteristic function the Fourier
     * pricers and the SPX surface use. */
    double _Complex (*cf_logprice)(const vr_sv_params *p, const double *x, double tau,
                                   double _Complex u); /* no <complex.h> here: it defines I */
    vr_status (*spx_european)(const vr_sv_params *p, double spot, double rate, double dividend,
                              const double *x, double strike, double tau, int is_call,
                              double *price, vr_err *err);
    /* VIX future E[VIX_T] and option e^{-rT} E[(VIX_T - K)^+] (put for is_call = 0). */
    vr_status (*vix_future)(const vr_sv_params *p, const double *x, double T, double *fut,
                            vr_err *err);
    vr_status (*vix_option)(const vr_sv_params *p, const double *x, double T, double strike,
                            double rate, int is_call, double *price, vr_err *err);
    /* The same for n strikes of one expiry at once (strikes[i] > 0, prices[i] out): a model
     * whose option pricer builds the law of VIX_T first (svcj2's series) builds it once. */
    vr_status (*vix_options)(const vr_sv_params *p, const double *x, double T,
                             const double *strikes, int n, double rate, int is_call,
                             double *prices, vr_err *err);
    /* Optional (NULL: callers price state by state with vix_future): the law of VIX_T at expiries
     * T[0..nT) (strictly ascending, years) prepared once under p, so that the future and
     * E[ln VIX_T] at any state cost a short sum. For models whose direct future is expensive
     * (svcj2: an ODE per node of an adaptive rule); the pricing fit and VVIX use it. *law is
     * reused when it is big enough (allocate once, rebuild per parameter set), else replaced. */
    vr_status (*vix_law_build)(const vr_sv_params *p, const double *T, int nT, vr_vix_law **law,
                               vr_err *err);
    /* Future E[VIX_T] (index points) and E[ln VIX_T] at expiry T[k] and factors x (either output
     * may be NULL). VR_ENUM naming the state when the result is not finite. */
    vr_status (*vix_law_eval)(const vr_vix_law *law, int k, const double *x, double *fut,
                              double *elog, vr_err *err);
    void (*vix_law_free)(vr_vix_law *law);

    /* ---- tables that mark along paths (the pricing layer's only model-specific calls) ---- */
    vr_status (*tables_build)(const vr_model *m, const vr_tables_spec *spec,
                              vr_model_tables **out, vr_err *err);
    /* The checks tables_build makes on its sizes, without building (config validation, `check`). */
    vr_status (*tables_check)(const vr_model *m, const vr_tables_spec *spec, vr_err *err);
    void (*tables_destroy)(vr_model_tables *t);
    /* Implied vol of SPX options for npad lanes: factors x[j][i], expiry tau[i] > 0 (years),
     * k[i] = ln(K/F)/sqrt(tau). Kernels of kt. */
    void (*spx_vol_n)(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                      const double *tau, const double *k, double *vol, size_t npad);
    /* The one surface spx_vol_n reads whatever the state (one-factor models: their x[0] is the
     * surface's var), for single marks that reuse its (var, tau) part (vk_surface_axes_ref); NULL
     * as an op where the lookup depends on more factors (single marks then ask spx_vol_n). */
    const struct vk_surface *(*spx_surface)(const vr_model_tables *t);
    /* The surfaces spx_vol_n combines for a lane at factors x (each clamped at 0, as spx_vol_n's
     * are), for single marks that reuse each surface's (var, tau) part: returns n = 1 (the vol is
     * s[0]'s) or 4 (vr_spx_stencil_vol of the four surfaces' vols with weights w), the same bits
     * as spx_vol_n on the reference kernels. NULL as an op for one-surface models (spx_surface). */
    int (*spx_stencil)(const vr_model_tables *t, const double *x, double w[4],
                       const struct vk_surface *s[4]);
    /* VIX call price (discounted, per unit) for npad lanes at expiry tau[i] > 0, strike[i]. */
    void (*vix_call_n)(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                       const double *tau, const double *strike, double *price, size_t npad);
    /* VIX future to expiry tau > 0 (one lane: futures are few). */
    double (*vix_future_1)(const vr_model_tables *t, const double *x, double tau);
    /* Build time and sizes, for logs. */
    double (*tables_build_seconds)(const vr_model_tables *t);
    /* The table store (vr_table_store_set): tables_save appends t's contents to b as bytes that
     * only this build of the library reads back (b->bad on allocation failure; no addresses: the
     * pointers are written as NULL); tables_load makes tables from such bytes at r, consuming
     * exactly what tables_save wrote, and checks that they hold the tables a build with `skip`
     * (vr_tables_spec) makes and every count and size against the bytes it has and against what
     * the lookups index with them (VR_EINVAL when they disagree, VR_ENOMEM). The loaded tables
     * are the saved ones bit for bit; their build seconds are 0. NULL: the model's tables are
     * not stored. */
    void (*tables_save)(const vr_model_tables *t, struct vr_blob *b);
    vr_status (*tables_load)(struct vr_blob_in *r, unsigned skip, vr_model_tables **out, vr_err *err);
} vr_model_ops;

/* The descriptor of model type t; NULL for an unknown type. Static storage, never freed. */
const vr_model_ops *vr_model_ops_get(vr_model_type t);

/* 100 sqrt(max(a + sum_j b[j] x[j], 0)): the index level at factors x (nfactors of them). */
double vr_vix_level_x(const vr_vix_coef *c, const double *x, int nfactors);

/* Whether m's second factor cannot leave m0: a two-factor model with sigma_m = 0 in both sets and
 * m0 = theta in both (an svcj file with lambda1, which vr_model_lift_svcj loads as that svcj2
 * limit, or an svcj2 file at it). Its only free factor is v: the market identifies v from the VIX
 * alone with m kept at m0, as for the one-factor model (--asof, replays, bootstraps); backing m out
 * of VIX3M, or lowering it to reach a low VIX, would move m off theta, where it then reverts at a
 * kappa_m the model never uses (the lift's kappa_m = 1). */
int vr_model_m_fixed(const vr_model *m);
/* The model's VIX floor: the lowest 30-day index its pricing parameters show, 100 sqrt(max(a, 0))
 * at every factor 0, or with m at m0 where m cannot move (vr_model_m_fixed) (a replayed,
 * resampled or shocked VIX below it sets the state there); 0 for an unknown type. */
double vr_model_vix_floor(const vr_model *m);
/* The top of the variance axis of the model's VIX option table (its pricing parameters): beyond it
 * the table extrapolates, and its calls fall behind the direct pricer (docs/numerics.md). One
 * factor: max(1, 12 theta*); svcj2: max(1, 12 mean v). */
double vr_model_vix_table_vmax(const vr_model *m);
/* The variance the model's VIX option tables reach past that top for a run (vr_model.vix_cover):
 * twice the variance of vix_cover (its VIX times about 1.41, room for the paths to go on up from a
 * shock), at most 25, the tables' limit; 0 when vix_cover is 0 (the default grid). */
double vr_model_vix_table_cover(const vr_model *m);
/* The VIX at the top of the variance axis of the model's VIX option tables for a run (the default
 * top or its cover, whichever is higher; svcj2: with m at 0), under the pricing parameters. */
double vr_model_vix_table_top(const vr_model *m);
/* A VIX the model's paths or marks will see: above the default table's top (past vmax), it raises
 * m->vix_cover to it and returns its variance (vr_model_v_at_vix); else returns 0 and leaves m. */
double vr_model_cover_vix(vr_model *m, double vix);
/* The variance a VIX level sets (state_from_vix from the other factors at 0: for svcj2 the most v
 * the level can need), and the VIX at a variance v with the other factors at 0, both under the
 * pricing parameters' 30-day index. */
double vr_model_v_at_vix(const vr_model *m, double vix);
double vr_model_vix_at_v(const vr_model *m, double v);
/* The VIX of the model's start state (v0, and m0 for svcj2) under the pricing parameters' 30-day
 * index; 0 for an unknown type. */
double vr_model_vix_start(const vr_model *m);

/* The state_from_vix2 of every two-factor model whose indices are affine in (v, m): solves
 * a1 + b1.x = (vix1/100)^2, a2 + b2.x = (vix2/100)^2 (see the op). */
vr_status vr_state_from_vix2_affine(const vr_vix_coef *c1, const vr_vix_coef *c2, double vix1,
                                    double vix2, double *x, vr_err *err);

/* The vol of a lane whose four surfaces (an m stencil, spx_stencil) give vols o[0..3], weights w:
 * the weighted implied variance, floored at 1e-8, in this order (spx_vol_n and the single marks
 * both form it here). */
static inline double vr_spx_stencil_vol(const double w[4], const double o[4])
{
    const double y = w[0] * o[0] * o[0] + w[1] * o[1] * o[1] + w[2] * o[2] * o[2] + w[3] * o[3] * o[3];
    return sqrt(y > 1e-8 ? y : 1e-8);
}

#endif
