/* vr_analytic.h: semi-analytic European SPX option prices for the affine models (Heston, Bates,
 * SVCJ) from the characteristic function of log S_T. These are the reference prices the Monte
 * Carlo is validated against and from which pricing surfaces are built.
 *
 * Conventions: spot S > 0, strike K > 0, time to expiry tau > 0 in years, r and q continuously
 * compounded per year, v >= 0 the current instantaneous variance, p the (risk-neutral) parameter
 * set. Prices are per unit of underlying (no contract multiplier). */
#ifndef VIXRISK_VR_ANALYTIC_H
#define VIXRISK_VR_ANALYTIC_H

#include <complex.h>

#include "vixrisk/vr_model.h"

/* E[exp(i u X_tau)] with X_tau = ln(S_tau / F), F = S e^{(r-q) tau}: the characteristic function
 * of the forward-normalised log price, in the "little Heston trap" form (Albrecher et al. 2007),
 * with the logarithm kept continuous in tau also off the strip -1 <= Im u <= 0 (where the
 * principal branch of the trap form can jump). Valid for complex u with -Im(u) inside the
 * model's strip of regularity at tau (E[e^{-Im(u) X_tau}] finite); [0, 1] always is. */
double complex vr_cf_logprice(vr_model_type t, const vr_sv_params *p, double v, double tau,
                              double complex u);

/* log of vr_cf_logprice (the exponent C + D v + J), finite where the cf's modulus would
 * overflow or underflow. */
double complex vr_cf_log_exponent(vr_model_type t, const vr_sv_params *p, double v, double tau,
                                  double complex u);

/* ---------------------------------------------------------------------------------------------
 * Fourier pricing from any characteristic function (the machinery behind vr_analytic_european,
 * open to any model whose log-price characteristic function is known, e.g. a new affine model
 * that solves its Riccati equations numerically).
 *
 * The model supplies log psi(u) = log E[exp(i u X)], X = ln(S_tau/F) (so psi(0) = psi(-i) = 1),
 * through log_cf, for complex u with -Im(u) in [alpha_min, alpha_max]: the interval of alpha
 * where E[e^{alpha X}] is finite (the strip of regularity; it always contains [0, 1]). Give the
 * interval with a margin (vr_affine_cf_init uses the strip at 2 tau) or exactly [0, 1] when it is
 * unknown: the pricer never evaluates the cf outside it. log_cf returns 0, or nonzero when it
 * cannot produce a finite value (treated as a failure of that method, never as a number).
 * `variance` is about Var[X] (it sets the Black-Scholes control variate and the scale of u);
 * `desc` names the model and its parameters for error messages. */
typedef struct vr_cf_spec {
    int (*log_cf)(void *ctx, double complex u, double complex *out);
    void *ctx;
    double tau;                 /* years, > 0 */
    double variance;            /* > 0 */
    double alpha_min;           /* <= 0 */
    double alpha_max;           /* >= 1 */
    const char *desc;           /* may be NULL */
} vr_cf_spec;

typedef enum vr_fourier_method {
    VR_FOURIER_AUTO = 0,        /* contour; Gil-Pelaez if the contour fails */
    VR_FOURIER_CONTOUR = 1,     /* Lewis/Andersen-Lake shifted contour, Black-Scholes control */
    VR_FOURIER_GIL_PELAEZ = 2   /* Heston's P1/P2 integrals on Im u = 0 and -1 */
} vr_fourier_method;

typedef struct vr_fourier_info {
    vr_fourier_method method;   /* the method that produced the price */
    double alpha;               /* its contour (0 for Gil-Pelaez) */
    long nevals;                /* cf evaluations, both methods together */
    double error;               /* quadrature error estimate plus tail bound, price units */
} vr_fourier_info;

/* European call (is_call = 1) or put (0) on spot S with strike K, rates r and q, expiry cf->tau.
 * AUTO tries the contour method, then Gil-Pelaez; each must meet an absolute quadrature
 * tolerance of 1e-11 S (the price contract is 1e-10 S) and the no-arbitrage bounds
 * max(0, S e^{-q tau} - K e^{-r tau}) <= C <= S e^{-q tau} (puts likewise), or it counts as
 * failed. Returns VR_EINVAL for bad arguments, VR_ENUM when no method succeeded, with a message
 * naming the model (cf->desc), S, K, tau, r, q and each method's reason; *price is written only
 * on success. info (may be NULL) says how the price was obtained. Thread-safe (no state). */
vr_status vr_fourier_european(const vr_cf_spec *cf, double spot, double rate, double dividend,
                              double strike, int is_call, vr_fourier_method method, double *price,
                              vr_fourier_info *info, vr_err *err);

/* The built-in models as a vr_cf_spec: validates (t, p, v, tau), stores them in *m, which must
 * outlive *spec (spec->ctx points to it), and fills spec with the cf, total variance and strip
 * of regularity at 2 tau. Errors: VR_EINVAL with the offending key. */
typedef struct vr_affine_cf {
    vr_model_type type;
    vr_sv_params params;
    double v, tau;
    char desc[240];
} vr_affine_cf;

vr_status vr_affine_cf_init(vr_affine_cf *m, vr_model_type t, const vr_sv_params *p, double v,
                            double tau, vr_cf_spec *spec, vr_err *err);

/* European call (is_call = 1) or put (0) under a built-in model: vr_affine_cf_init followed by
 * vr_fourier_european(..., VR_FOURIER_AUTO). Returns VR_EINVAL with a message for bad arguments,
 * VR_ENUM (message: model, parameters, S, K, tau and why each method failed) if no method
 * reaches the absolute tolerance 1e-10 * S within the no-arbitrage bounds; never a non-finite
 * price. */
vr_status vr_analytic_european(vr_model_type t, const vr_sv_params *p, double spot, double rate,
                               double dividend, double v, double strike, double tau, int is_call,
                               double *price, vr_err *err);

/* Black-Scholes price with volatility sigma (used for limits, implied vols and tests). */
double vr_bs_price(double spot, double strike, double rate, double dividend, double sigma,
                   double tau, int is_call);

/* Black-Scholes implied volatility of a price; returns NAN when the price lies outside the
 * no-arbitrage bounds. */
double vr_bs_implied_vol(double price, double spot, double strike, double rate, double dividend,
                         double tau, int is_call);

#endif
