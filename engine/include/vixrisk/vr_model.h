/* vr_model.h: the stochastic-volatility models of SPX and VIX.
 *
 * Every model has the state (log S, v) with
 *     dS/S = (r - q - lambda*kbar) dt + sqrt(v) dW1 + (e^Z - 1) dN
 *     dv   = kappa (theta - v) dt + sigma sqrt(v) dW2 + Zv dN,      d<W1,W2> = rho dt
 * where N is Poisson with rate lambda and kbar = E[e^Z - 1] compensates the jumps.
 *   heston: lambda = 0.
 *   bates:  Z ~ N(mu_j, sigma_j^2), Zv = 0.
 *   svcj:   Zv ~ Exponential(mean mu_v), Z | Zv ~ N(mu_s + rho_j Zv, sigma_s^2) (Duffie, Pan and
 *           Singleton 2000; Eraker 2004).
 * Two parameter sets per model: `physical` drives the simulated paths, `pricing` marks options
 * (risk-neutral). Units: per year for kappa, lambda; variance units (annualised, 0.04 = 20% vol)
 * for theta, v0, mu_v; log-price units for mu_j, sigma_j, mu_s, sigma_s. */
#ifndef VIXRISK_VR_MODEL_H
#define VIXRISK_VR_MODEL_H

#include "vixrisk/vr_status.h"

typedef enum vr_model_type { VR_MODEL_HESTON = 0, VR_MODEL_BATES = 1, VR_MODEL_SVCJ = 2 } vr_model_type;

typedef struct vr_sv_params {
    double kappa, theta, sigma, rho; /* variance process (all models) */
    double lambda;                   /* jump intensity, per year (bates, svcj) */
    double mu_j, sigma_j;            /* bates: log-price jump N(mu_j, sigma_j^2) */
    double mu_v;                     /* svcj: mean of the exponential variance jump */
    double mu_s, sigma_s, rho_j;     /* svcj: log-price jump | Zv ~ N(mu_s + rho_j Zv, sigma_s^2) */
} vr_sv_params;

typedef struct vr_model {
    vr_model_type type;
    double spot;     /* S_0 > 0 */
    double rate;     /* r, continuously compounded, per year */
    double dividend; /* q, continuously compounded, per year */
    double v0;       /* initial instantaneous variance >= 0 */
    vr_sv_params physical;
    vr_sv_params pricing;
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

/* E[e^Z - 1] for the log-price jump Z of the model (0 for heston). */
double vr_jump_kbar(vr_model_type t, const vr_sv_params *p);

/* Long-run mean of v including variance jumps: theta + lambda mu_v / kappa for svcj. */
double vr_theta_star(vr_model_type t, const vr_sv_params *p);

/* Most variance factors a model's state carries (v; or v and m), see vr_model_ops.h. */
#define VR_FACTORS_MAX 2

/* VIX-style index from the state: for tenor tau (years), under parameter set p,
 *     (VIX/100)^2 = a + sum_j bx[j] x[j]   (x the variance factors; x[0] = v)
 * and for the one-factor models (b = bx[0], bx[1] = 0)
 *     (VIX/100)^2 = a + b v,   b = (1 - e^{-kappa tau}) / (kappa tau),
 *     a = theta* (1 - b) + 2 lambda E[e^Z - 1 - Z].
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
