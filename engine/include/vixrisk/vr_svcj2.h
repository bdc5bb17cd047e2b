/* vr_svcj2.h: the two-factor variance model with state-dependent co-jumps ("svcj2").
 *
 * State (ln S, v, m), under each parameter set:
 *     d ln S = (r - q - lambda(v) mbar - v/2) dt + sqrt(v) dW_S + Z_s dN
 *     dv     = kappa_v (m - v) dt + sigma_v sqrt(v) dW_v + Z_v dN
 *     dm     = kappa_m (theta - m) dt + sigma_m sqrt(m) dW_m
 *     corr(W_S, W_v) = rho, W_m independent of both; N has intensity lambda(v) = lambda0 + lambda1 v
 *     Z_v ~ Exp(mean mu_v),  Z_s | Z_v ~ N(mu_s + rho_j Z_v, sigma_s^2)
 *     mbar = E[e^{Z_s}] - 1 = exp(mu_s + sigma_s^2/2) / (1 - rho_j mu_v) - 1.
 * Limits: sigma_m = 0, m0 = theta, lambda1 = 0 is one-factor SVCJ (lambda = lambda0, kappa =
 * kappa_v, sigma = sigma_v); lambda0 = lambda1 = 0 is a two-factor Heston model.
 *
 * Everything here is affine in (v, m): the VIX-family indices are VIX^2/100^2 = a + b_v v + b_m m
 * (closed form, vr_svcj2_vix_coef_make), the characteristic function of ln S_T and the joint
 * transform of (v_T, m_T) are exp(A + B_v v + B_m m) with (A, B_v, B_m) from Riccati ODEs solved
 * numerically (svcj2_cf.c). Units as in vr_model.h: per year for kappa_*, lambda0; lambda1 per
 * unit of variance per year (lambda1 v is per year); variance units for theta, v, m, mu_v. */
#ifndef VIXRISK_VR_SVCJ2_H
#define VIXRISK_VR_SVCJ2_H

#include <complex.h>

#include "vixrisk/vr_model.h"

/* One parameter set (physical or pricing): vr_svcj2_params, defined in vr_model.h (it is the
 * s2 member of vr_sv_params). */

/* A whole model: market inputs, state and both parameter sets. */
typedef struct vr_svcj2_model {
    double spot, rate, dividend; /* S_0 > 0; r, q continuously compounded per year */
    double v0, m0;               /* state: instantaneous variance and its central tendency */
    vr_svcj2_params physical;
    vr_svcj2_params pricing;
} vr_svcj2_model;

/* Range and cross-field checks of one parameter set. Ranges: kappa_v, kappa_m in (0, 100];
 * theta in (0, 4]; sigma_v in [0.001, 10] (the QE log step divides by it); sigma_m in [0, 10];
 * rho in (-1, 1); lambda0 in [0, 1000]; lambda1 in [0, 1e4]; mu_v in [0, 4]; mu_s in [-5, 5];
 * sigma_s in [0, 5]; rho_j in [-20, 20]; cross: rho_j mu_v < 1 (E[e^{Z_s}] finite) and
 * kappa_v > lambda1 mu_v (E[v] stationary). Errors as vr_sv_params_validate: "<prefix>.<key>
 * must be ..." and the key path in key_out (VR_KEY_MAX bytes, may be NULL). */
vr_status vr_svcj2_params_validate(const vr_svcj2_params *p, const char *prefix, char *key_out,
                                   vr_err *err);

/* spot, rate, dividend, v0 >= 0, m0 >= 0 (each at most 4) and both parameter sets
 * (prefixes "model.physical", "model.pricing"). */
vr_status vr_svcj2_model_validate(const vr_svcj2_model *m, char *key_out, vr_err *err);

/* mbar = E[e^{Z_s}] - 1 (requires rho_j mu_v < 1). */
double vr_svcj2_mbar(const vr_svcj2_params *p);

/* cJ = E[e^{Z_s} - 1 - Z_s] = mbar - mu_s - rho_j mu_v >= 0: the jump convexity per jump. */
double vr_svcj2_cj(const vr_svcj2_params *p);

/* A one-factor set as its svcj2 limit (to be used with m0 = theta): kappa_v = kappa, sigma_v =
 * sigma, sigma_m = 0, kappa_m = 1 (irrelevant when m stays at theta), lambda1 = 0; SVCJ keeps its
 * jumps (lambda0 = lambda), Bates is SVCJ with mu_v = 0 (mu_s = mu_j, sigma_s = sigma_j), Heston
 * has lambda0 = 0. */
vr_svcj2_params vr_svcj2_from_sv(vr_model_type t, const vr_sv_params *p);

/* Stationary means: E[m] = theta, E[v] = (kappa_v theta + mu_v lambda0)/(kappa_v - lambda1 mu_v). */
double vr_svcj2_mean_v(const vr_svcj2_params *p);

/* Conditional first moments (E[v_t], E[m_t]) given (v, m) at 0, closed form from the linear ODEs
 *     dE[v]/dt = kappa_v (E[m] - E[v]) + mu_v (lambda0 + lambda1 E[v]),
 *     dE[m]/dt = kappa_m (theta - E[m]). */
void vr_svcj2_moments(const vr_svcj2_params *p, double v, double m, double t, double *ev,
                      double *em);

/* VIX-family coefficients for tenor tau (years): (VIX/100)^2 = a + b_v v + b_m m from the log
 * contract -(2/tau) E[ln(S_tau/F)] = (1/tau) int_0^tau E[v_u] (1 + 2 lambda1 cJ) du + 2 lambda0 cJ.
 * Closed form, stable at kappa_v - lambda1 mu_v = kappa_m and for small kappa tau (relative
 * error ~1e-15, see svcj2.c). a, b_v, b_m >= 0. */
typedef struct vr_svcj2_vix_coef { double a, b_v, b_m; } vr_svcj2_vix_coef;
vr_svcj2_vix_coef vr_svcj2_vix_coef_make(const vr_svcj2_params *p, double tau);

#define VR_VIX_TAU_183D (183.0 / 365.0)

/* Per-step constants of the path kernel (kernels/include/vk_svcj2.h) for parameter set p, rates
 * r and q and step dt > 0 (years). p must be valid (sigma_v >= 0.001). */
struct vk_svcj2_coef;
void vr_svcj2_coef_make(const vr_svcj2_params *p, double rate, double dividend, double dt,
                        struct vk_svcj2_coef *c);

/* ---------------------------------------------------------------------------------------------
 * Transforms (svcj2_cf.c). */

/* The affine exponent: E[exp(z X_T + w_v v_T + w_m m_T)] = exp(A + B_v v + B_m m) with
 * X_T = ln(S_T / F) (F the forward), complex z (z = i u gives the characteristic function) and
 * initial values (w_v, w_m). The Riccati system in the time to go t (B(0) = w, A(0) = 0):
 *     B_v' = z(z-1)/2 + rho sigma_v z B_v + sigma_v^2 B_v^2/2 - kappa_v B_v
 *            + lambda1 (theta_J(z, B_v) - 1 - z mbar)
 *     B_m' = kappa_v B_v - kappa_m B_m + sigma_m^2 B_m^2 / 2
 *     A'   = kappa_m theta B_m + lambda0 (theta_J(z, B_v) - 1 - z mbar)
 * theta_J(z, w) = E[exp(z Z_s + w Z_v)] = exp(z mu_s + z^2 sigma_s^2/2) / (1 - mu_v (w + z rho_j)).
 * Solved by an embedded Dormand-Prince 5(4) pair with local error per step below tol (absolute on
 * B, and on A relative to max(1, |A|)). Returns 0 on success, -1 when the solution leaves the
 * domain (moment explosion: Re(mu_v (B_v + z rho_j)) >= 1 or non-finite) or the step budget
 * (200000) runs out; out[] is then untouched. out = {A, B_v, B_m}. */
int vr_svcj2_riccati(const vr_svcj2_params *p, double T, double complex z, double complex w_v,
                     double complex w_m, double tol, double complex out[3]);

/* The same with the error scale max(floor, |y|) per component instead of max(1, |y|): a small
 * floor keeps relative accuracy when the whole solution is small (the Laplace transform at small
 * s, where 1 - E[e^{-sX}] ~ s E[X] must keep its digits). */
int vr_svcj2_riccati_scaled(const vr_svcj2_params *p, double T, double complex z,
                            double complex w_v, double complex w_m, double tol, double floor,
                            double complex out[3]);

/* The same restricted to the paths without a jump on [0, T]: E[exp(z ln S_T + w_v v_T + w_m m_T);
 * no jump] (theta_J replaced by 0 in the system above, the compensator -z mbar kept), error scale as
 * vr_svcj2_riccati. At z = 0, w = 0 it gives the probability of no jump, exp(A + B_v v + B_m m).
 * The VIX tables split the law of X into this part (the diffusion's narrow body near the floor)
 * and the rest (the jumps' wide tail), each on a range of its own (svcj2_tables.c). */
int vr_svcj2_riccati_nojump(const vr_svcj2_params *p, double T, double complex z,
                            double complex w_v, double complex w_m, double tol,
                            double complex out[3]);

/* E[exp(i u ln(S_T/F))] at state (v, m); NaN + i NaN when the ODE fails (explosion off the
 * strip -1 <= Im u <= 0). */
double complex vr_svcj2_cf(const vr_svcj2_params *p, double v, double m, double T,
                           double complex u);

/* European SPX call/put through vr_fourier_european (vr_analytic.h) with this model's
 * characteristic function: a Fourier integral on a shifted contour (Lewis 2001, contour chosen as
 * in Andersen-Lake 2018) with a Black-Scholes control variate, Gil-Pelaez if that fails;
 * tolerance 1e-10 S. VR_EINVAL for bad inputs, VR_ENUM (message naming the parameters, state,
 * S, K, T and each method's reason) if no method succeeds. */
vr_status vr_svcj2_european(const vr_svcj2_params *p, double spot, double rate, double dividend,
                            double v, double m, double strike, double T, int is_call,
                            double *price, vr_err *err);

/* The same option by the COS method (Fang-Oosterlee 2008) with n terms on the range
 * [c1 - L sqrt(c2), c1 + L sqrt(c2)] of X_T (cumulants from the cf by finite differences): an
 * independent second method used by the tests (puts priced, calls by parity). */
vr_status vr_svcj2_european_cos(const vr_svcj2_params *p, double spot, double rate,
                                double dividend, double v, double m, double strike, double T,
                                int is_call, int n, double L, double *price, vr_err *err);

/* ---------------------------------------------------------------------------------------------
 * VIX futures and options (svcj2_vix.c). VIX_T = 100 sqrt(X_T), X_T = a + b_v v_T + b_m m_T
 * with the 30-day coefficients of p. */

/* E[exp(-s X_T)] for real s >= 0 given (v, m) now and expiry T; NaN if the ODE fails. */
double vr_svcj2_vix_laplace(const vr_svcj2_params *p, double v, double m, double T, double s);

/* Future F = E[VIX_T] (no discounting). Accuracy ~1e-9 absolute (VIX points). */
vr_status vr_svcj2_vix_future(const vr_svcj2_params *p, double v, double m, double T,
                              double *fut, vr_err *err);

/* Call/put e^{-rT} E[(VIX_T - K)^+] / E[(K - VIX_T)^+]. Accuracy ~1e-8 absolute. Expiries from
 * VR_SVCJ2_VIX_OPTION_TMIN years (about 5 minutes) to 10 years; below, VR_EINVAL. */
#define VR_SVCJ2_VIX_OPTION_TMIN 1e-5
vr_status vr_svcj2_vix_option(const vr_svcj2_params *p, double v, double m, double T,
                              double strike, double rate, int is_call, double *price, vr_err *err);

/* n strikes of one expiry from one distribution function (the expensive part): prices[i] for
 * strikes[i]. */
vr_status vr_svcj2_vix_options(const vr_svcj2_params *p, double v, double m, double T,
                               const double *strikes, int n, double rate, int is_call,
                               double *prices, vr_err *err);

/* The law of VIX_T prepared for many states (svcj2_law.c; the descriptor's vix_law_*): the
 * Laplace transform's exponent solved once per node of a fixed grid in ln s, through all expiries
 * T[0..nT) (strictly ascending, (0, 10] years), then per state the future and E[ln VIX_T] by the
 * trapezoid rule with e^{-s E[X]} as control variate. Agrees with vr_svcj2_vix_future to ~1e-10
 * relative (tests/test_svcj2_law.c). */
struct vr_vix_law;
#define VR_SVCJ2_LAW_T_MAX 10.0 /* the latest expiry the law takes, years */
#define VR_SVCJ2_LAW_X_MAX 4.0  /* the largest v and m the law takes */
vr_status vr_svcj2_law_build(const vr_svcj2_params *p, const double *T, int nT,
                             struct vr_vix_law **law, vr_err *err);
vr_status vr_svcj2_law_eval(const struct vr_vix_law *law, int k, const double *x, double *fut,
                            double *elog, vr_err *err);
void vr_svcj2_law_free(struct vr_vix_law *law);

#endif
