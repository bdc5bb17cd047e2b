/* vr_surface.h: the SPX implied-volatility surface that marks options along Monte Carlo paths.
 *
 * Heston, Bates and SVCJ are affine and scale-free in S, so the Black implied volatility of a
 * European option depends only on the variance v, the time to expiry tau and the log-moneyness
 * ln(K/F) (F the forward). The public lookups take k = ln(K/F)/sqrt(tau). Inside, the strike is
 * measured in standard deviations of the model's law, x = ln(K/F)/sqrt(tau vbar(v, tau)) = k /
 * sqrt(vbar), vbar the expected variance per year to expiry (diffusion plus jumps; vk_surface.h
 * has the formula), and the table holds sigma / sqrt(vbar) as a function of (ln(v + v_eps), ln tau,
 * asinh(x / x_scale)), v_eps = 0.03 theta*: the smile then has about the same width at every (v, tau) node, down to
 * near-zero variance at the shortest expiry. vr_surface_build() prices all strikes of a (v, tau)
 * node at once by the COS method (Fang and Oosterlee 2008) from vr_cf_logprice() and inverts
 * them to implied volatilities; the lookups (vr_surface_vol() and the SIMD kernels of
 * vk_surface.h) interpolate the table: a natural cubic spline in asinh(x / x_scale), bilinear in
 * (ln(v + v_eps), ln tau).
 *
 * Outside the grid: tau and v below v_min are clamped to the grid (the value on the boundary); v
 * above v_max takes the top's normalised smile with its own normaliser sqrt(vbar(v, tau)) (so the
 * vol goes on growing with v: vk_surface.h); k is clamped to [-k_max, k_max] (flat beyond), and
 * beyond |x| = x_max the normalised vol is flat. Inside the
 * grid, where the model's out-of-the-money price is below VR_SURFACE_PRICE_FLOOR (relative to the
 * forward) its implied vol is not determined by double-precision prices; such nodes are filled by
 * extrapolating the smile linearly from the last two resolved nodes, never increasing beyond them
 * (so the Black price there stays below the floor, see surface.c). */
#ifndef VIXRISK_VR_SURFACE_H
#define VIXRISK_VR_SURFACE_H

#include <stddef.h>

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_status.h"
#include "vixrisk/vk_surface.h"

/* Undiscounted OTM price per unit forward below which a node's vol is extrapolated, not inverted. */
#define VR_SURFACE_PRICE_FLOOR 1e-12

/* Grid request. Zero fields take the defaults:
 *   v_min, v_max:   both 0 -> [0, max(1.5 * q, v_crash)] (at most 16), q the 99.99% quantile of
 *                   the stationary variance (vr_stationary_var_quantile), v_crash the variance
 *                   at which the model's 30-day VIX is VR_SURFACE_VIX_FLOOR
 *                   (vr_surface_var_at_vix); otherwise 0 <= v_min < v_max <= 16
 *   tau_min, tau_max: both 0 -> [1/365, 1] years; otherwise 1e-4 <= tau_min < tau_max <= 30
 *   k_max:          0 -> 4; lookups clamp |k| = |ln(K/F)|/sqrt(tau) to k_max, 0 < k_max <= 20
 *   x_max:          0 -> VR_SURFACE_DEFAULT_XMAX; the grid covers |x| <= x_max (standard
 *                   deviations of the law), 1 <= x_max <= 1e4
 *   x_scale:        0 -> VR_SURFACE_DEFAULT_XSCALE; nodes are uniform in asinh(x / x_scale), so
 *                   about linear in x for |x| < x_scale and logarithmic beyond; 0 < x_scale <= x_max
 *   n_v, n_tau, n_x: 0 -> defaults (VR_SURFACE_DEFAULT_N*; with the default v axis, n_v spaces
 *                   [0, 1.5 * q] and adds nodes at that spacing up to v_crash); otherwise 2..4096
 *                   each (n_x >= 4),
 *                   with (n_v - 1) (n_tau - 1) (n_x - 1) 16 < 2^31. An odd n_x puts a node at x = 0.
 *   tau_step:       0 -> n_tau nodes uniform in ln tau, from tau_min to tau_max; otherwise the
 *                   ladder tau_k = exp(ln tau_min + k tau_step), k = 0, 1, ..., up to the first
 *                   node at or above tau_max (the fill sets n_tau and tau_max to that node; n_tau
 *                   must be 0, or the count of a spec so filled), 0 < tau_step <= 1. Two ladders of one tau_min and tau_step share
 *                   their nodes up to the shorter one's top, so the same option is priced from the
 *                   same records in both (the pricing layer's SPX tables: vr_tables_spec). */
typedef struct vr_surface_spec {
    double v_min, v_max;
    double tau_min, tau_max;
    double k_max;
    double x_max, x_scale;
    int n_v, n_tau, n_x;
    double tau_step;
} vr_surface_spec;

#define VR_SURFACE_MAX_N 4096 /* the most nodes of an axis (n_v, n_tau, n_x) */
#define VR_SURFACE_DEFAULT_NV 44
#define VR_SURFACE_DEFAULT_NTAU 44
#define VR_SURFACE_DEFAULT_NX 97
#define VR_SURFACE_DEFAULT_XMAX 128.0
#define VR_SURFACE_DEFAULT_XSCALE 1.0
#define VR_SURFACE_DEFAULT_KMAX 4.0 /* the pricing layer's tables use it */
/* v_eps = VR_SURFACE_VEPS_FRAC theta*: the variance axis is ln(v + v_eps) */
#define VR_SURFACE_VEPS_FRAC 0.03
/* The default variance axis reaches at least the variance at which the pricing law's 30-day VIX
 * is this level, whatever its stationary law: paths run under the physical law, and stress
 * shocks and replays put them at the market's variance (VIX 80-83 in October 2008 and March
 * 2020), from where they move on; the 2-5 delta wings of lanes above the axis drift from the
 * model (docs/numerics.md, "SPX implied-vol surface"). */
#define VR_SURFACE_VIX_FLOOR 150.0

typedef struct vr_surface vr_surface;

/* What the build did (for logs and tests). */
typedef struct vr_surface_stats {
    double build_seconds;   /* wall clock */
    size_t n_nodes;         /* n_v * n_tau * n_x */
    size_t table_bytes;     /* size of the coefficient table the kernels read */
    size_t n_extrapolated;  /* nodes whose price was below the floor */
    size_t n_edge_borrowed; /* (v = 0, tau) nodes whose law was too narrow for the series: they
                             * hold the normalised smile of the next v node */
    int max_cos_terms;      /* largest COS expansion used at one (v, tau) node */
    vr_surface_spec spec;   /* the grid actually built (defaults filled in) */
} vr_surface_stats;

/* Build the surface of model type t under the (risk-neutral) parameters p. spec may be NULL
 * (all defaults). Validates p (vr_sv_params_validate, prefix "surface.params") and spec
 * (VR_EINVAL naming the field and its valid range); VR_ENOMEM; VR_ENUM if a node could not be
 * priced. Uses OpenMP threads over the (v, tau) nodes. On success *out owns the table. */
vr_status vr_surface_build(vr_model_type t, const vr_sv_params *p, const vr_surface_spec *spec,
                           vr_surface **out, vr_err *err);

/* What vr_surface_build with the default spec would refuse of parameter set p before pricing
 * anything: p out of its ranges, or a variance law that collapses toward 0 so far that the
 * default variance axis cannot space it (VR_EINVAL naming the parameters). For a config check
 * that does not build the tables. */
vr_status vr_surface_params_check(vr_model_type t, const vr_sv_params *p, vr_err *err);

/* Accepts NULL. */
void vr_surface_destroy(vr_surface *s);

/* Implied volatility at variance v (annualised; its cell clamped to [v_min, v_max], above which
 * the normaliser follows v: vk_surface.h), expiry tau years
 * (clamped to [tau_min, tau_max]) and k = ln(K/F)/sqrt(tau) (clamped to [-k_max, k_max]), F the
 * forward to expiry: the same arithmetic as the reference kernel vk_surface_vol_d_ref. */
double vr_surface_vol(const vr_surface *s, double v, double tau, double k);

/* The plain-data view the kernels read; valid until vr_surface_destroy. */
const vk_surface *vr_surface_kernel_view(const vr_surface *s);

const vr_surface_stats *vr_surface_get_stats(const vr_surface *s);

/* The variance at which an index (VIX/100)^2 = a + b v reaches vix (a >= 0, b > 0; 0 if a
 * alone already exceeds it). A two-factor model passes a + b_m m as a. */
double vr_surface_var_at_vix(double a, double b, double vix);

/* Quantile of the stationary law of v: Gamma with shape 2 kappa theta* / sigma^2 and scale
 * sigma^2/(2 kappa) (exact for Heston; for the jump models theta* = vr_theta_star is used, as a
 * range guide). prob in (0, 1); returns NAN otherwise. */
double vr_stationary_var_quantile(vr_model_type t, const vr_sv_params *p, double prob);

#endif
