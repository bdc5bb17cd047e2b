/* vr_model.h: the stochastic-volatility models of SPX and VIX.
 *
 * Every model has the state (log S, v) with
 *     dS/S = (r - q - lambda*kbar) dt + sqrt(v) dW1 + (e^Z - 1) dN
 *     dv   = kappa (theta - v) dt + sigma sqrt(v) dW2 + Zv dN,      d<W1,W2> = rho dt
 * where N is Poisson with rate lambda and kbar = E[e^Z - 1] compensates the jumps.
 *   heston: lambda = 0.
 *   bates:  Z ~ N(mu_j, sigma_j^2), Zv = 0.
 *   svcj:   Zv ~ Exponential(mean mu_v), Z | Zv ~ N(mu_s + rho_j Zv, sigma_s^2) (Duffie, Pan and
 *           Singleton 2000; Eraker 2004). Its optional lambda1 (intensity lambda + lambda1 v) is
 *           0 for the one-factor pricers; a model file with lambda1 != 0 is loaded as the svcj2
 *           limit sigma_m = 0, m0 = theta (vr_model_lift_svcj).
 *   svcj2:  two variance factors (v and its central tendency m) and co-jumps with intensity
 *           lambda0 + lambda1 v: the parameters are vr_svcj2_params (vr_sv_params.s2), the model
 *           in vr_svcj2.h.
 * Two parameter sets per model: `physical` drives the simulated paths, `pricing` marks options
 * (risk-neutral). Units: per year for kappa, lambda; variance units (annualised, 0.04 = 20% vol)
 * for theta, v0, mu_v; log-price units for mu_j, sigma_j, mu_s, sigma_s. */
#ifndef VIXRISK_VR_MODEL_H
#define VIXRISK_VR_MODEL_H

#include "vixrisk/vr_status.h"

typedef enum vr_model_type {
    VR_MODEL_HESTON = 0,
    VR_MODEL_BATES = 1,
    VR_MODEL_SVCJ = 2,
    VR_MODEL_SVCJ2 = 3
} vr_model_type;

/* One svcj2 parameter set (physical or pricing); the model and its units are in vr_svcj2.h. */
typedef struct vr_svcj2_params {
    double kappa_v, kappa_m; /* reversion of v towards m, of m towards theta (per year) */
    double theta;            /* long-run level of m */
    double sigma_v, sigma_m; /* vol of v, vol of m (sigma_m = 0: deterministic m) */
    double rho;              /* corr(W_S, W_v) */
    double lambda0, lambda1; /* intensity lambda0 + lambda1 v */
    double mu_v;             /* mean of the exponential variance jump */
    double mu_s, sigma_s, rho_j; /* log-price jump | Z_v ~ N(mu_s + rho_j Z_v, sigma_s^2) */
} vr_svcj2_params;

/* The parameters of one measure. The one-factor models use the fields up to rho_j (and svcj its
 * lambda1); svcj2 uses s2 only (its fields have their own names in the parameter table). */
typedef struct vr_sv_params {
    double kappa, theta, sigma, rho; /* variance process (all models) */
    double lambda;                   /* jump intensity, per year (bates, svcj) */
    double mu_j, sigma_j;            /* bates: log-price jump N(mu_j, sigma_j^2) */
    double mu_v;                     /* svcj: mean of the exponential variance jump */
    double mu_s, sigma_s, rho_j;     /* svcj: log-price jump | Zv ~ N(mu_s + rho_j Zv, sigma_s^2) */
    double lambda1;                  /* svcj: intensity lambda + lambda1 v (0 unless lifted) */
    vr_svcj2_params s2;              /* svcj2 */
} vr_sv_params;

typedef struct vr_model {
    vr_model_type type;
    double spot;     /* S_0 > 0 */
    double rate;     /* r, continuously compounded, per year */
    double dividend; /* q, continuously compounded, per year */
    double v0;       /* initial instantaneous variance >= 0 */
    double m0;       /* svcj2: initial central tendency of v, >= 0 (unused otherwise) */
    vr_sv_params physical;
    vr_sv_params pricing;
    /* Not a model parameter (never read from or written to a model file; 0 there): the highest VIX,
     * in index points, that a run's scenario puts on its paths by its start state, a shock, a preset
     * or a replayed or resampled window, when that VIX lies above the top of the VIX option table's default grid
     * (vr_model_vix_table_vmax); else 0. The pricing layer then extends the grid with nodes at its
     * own spacing to twice that VIX's variance (at most 25; pricing.c, tables_spec), so that VIX
     * options are interpolated there instead of extrapolated. 0 leaves the tables as they are. */
    double vix_cover;
} vr_model;

const char *vr_model_type_name(vr_model_type t);

/* Check one parameter set against the model type. On failure writes
 * "<prefix>.<key> must be <range> (got <value>)" into err (prefix e.g. "model.physical") and
 * stores the offending key path in key_out (if non-NULL, VR_KEY_MAX bytes) so the config layer can
 * add the file and line. Returns VR_EINVAL. */
vr_status vr_sv_params_validate(vr_model_type t, const vr_sv_params *p, const char *prefix,
                                char *key_out, vr_err *err);

/* Validate the whole model (spot, v0 and both parameter sets). Same conventions. */
vr_status vr_model_validate(const vr_model *m, char *key_out, vr_err *err);

/* A model of type svcj whose lambda1 is nonzero in either parameter set becomes its svcj2 limit
 * (kappa_v = kappa, sigma_v = sigma, lambda0 = lambda, lambda1, the same jumps; sigma_m = 0,
 * kappa_m = 1, m0 = theta, so m stays at theta along paths and in the pricers, whose svcj2
 * versions handle the state-dependent intensity). m is one state for both measures, so the two
 * sets must share theta: otherwise VR_EINVAL naming model.pricing.theta (key in key_out as
 * vr_sv_params_validate). Any other model is left as it is. The model-file loader calls it after
 * validation. */
vr_status vr_model_lift_svcj(vr_model *m, char *key_out, vr_err *err);

/* E[e^Z - 1] for the log-price jump Z of the model (0 for heston). */
double vr_jump_kbar(vr_model_type t, const vr_sv_params *p);

/* Long-run mean of v including variance jumps: theta + lambda mu_v / kappa for svcj;
 * (kappa_v theta + mu_v lambda0) / (kappa_v - lambda1 mu_v) for svcj2. */
double vr_theta_star(vr_model_type t, const vr_sv_params *p);

/* Most variance factors a model's state carries (v; or v and m), see vr_model_ops.h. */
#define VR_FACTORS_MAX 2

/* VIX-style index from the state: for tenor tau (years), under parameter set p,
 *     (VIX/100)^2 = a + sum_j bx[j] x[j]   (x the variance factors; x[0] = v)
 * and for the one-factor models (b = bx[0], bx[1] = 0)
 *     (VIX/100)^2 = a + b v,   b = (1 - e^{-kappa tau}) / (kappa tau),
 *     a = theta* (1 - b) + 2 lambda E[e^Z - 1 - Z];
 * for svcj2 (a, b, b_m) = vr_svcj2_vix_coef_make (vr_svcj2.h).
 * tau = 30/365 gives VIX, 9/365 VIX9D, 93/365 VIX3M. `b` and `b_m` name bx[0] and bx[1]. */
typedef struct vr_vix_coef {
    double a;
    union {
        struct { double b, b_m; };
        double bx[VR_FACTORS_MAX];
    };
} vr_vix_coef;
vr_vix_coef vr_vix_coef_make(vr_model_type t, const vr_sv_params *p, double tau);

/* 100 * sqrt(a + b v): the index level at variance v (one-factor models; vr_vix_level_x in
 * vr_model_ops.h takes every factor). */
double vr_vix_level(vr_vix_coef c, double v);

#define VR_VIX_TAU_9D (9.0 / 365.0)
#define VR_VIX_TAU_30D (30.0 / 365.0)
#define VR_VIX_TAU_93D (93.0 / 365.0)

#endif
