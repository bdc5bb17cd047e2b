/* vr_vix.h: VIX futures and VIX options priced consistently with the model.
 *
 * Under parameter set p, VIX_T = 100 sqrt(a + b v_T) with (a, b) = vr_vix_coef_make(t, p, 30/365)
 * (see vr_model.h). Given the current variance v and time to expiry T (years):
 *     future  F(v, T)    = E[VIX_T | v_0 = v]                          (no discounting: futures)
 *     call    C(v, T, K) = e^{-r T} E[(VIX_T - K)^+ | v_0 = v]
 *     put     P(v, T, K) = e^{-r T} E[(K - VIX_T)^+ | v_0 = v]
 * from the law of v_T, which is affine (Laplace transform of v_T in closed form for all three
 * models; Heston is a scaled noncentral chi-square).
 *
 * The table (vr_vix_table) tabulates F(v, T) and C(v, T, K/F) on a grid built once per run and
 * interpolated along paths; its accuracy against the direct pricer is documented in docs/. */
#ifndef VIXRISK_VR_VIX_H
#define VIXRISK_VR_VIX_H

#include <stddef.h>

#include "vixrisk/vr_model.h"

/* E[exp(-s v_T) | v_0 = v] for real s >= 0 (Laplace transform of the variance). */
double vr_var_laplace(vr_model_type t, const vr_sv_params *p, double v, double T, double s);

vr_status vr_vix_future(vr_model_type t, const vr_sv_params *p, double v, double T, double *fut,
                        vr_err *err);

vr_status vr_vix_option(vr_model_type t, const vr_sv_params *p, double v, double T, double strike,
                        double rate, int is_call, double *price, vr_err *err);

/* The work one vr_vix_option call spent and the method it took: the Fourier-cosine series of the
 * law (the usual one), the Gaussian limit of an almost deterministic v_T, or the Laplace
 * inversion on a contour (laws the series cannot hold, e.g. a vol-of-variance of several units;
 * docs/numerics.md). quad_evals counts integrand evaluations (future and option integrals),
 * cf_evals the transform evaluations of the contour path. */
typedef enum vr_vix_method {
    VR_VIX_METHOD_COS = 0,
    VR_VIX_METHOD_GAUSS = 1,
    VR_VIX_METHOD_CONTOUR = 2
} vr_vix_method;

typedef struct vr_vix_work {
    long long quad_evals;
    long long cf_evals;
    vr_vix_method method;
} vr_vix_work;

/* vr_vix_option reporting its work in *work (may be NULL; filled on failure too). */
vr_status vr_vix_option_work(vr_model_type t, const vr_sv_params *p, double v, double T,
                             double strike, double rate, int is_call, double *price,
                             vr_vix_work *work, vr_err *err);

/* Grid and storage of the tabulated prices: opaque, built once, read-only afterwards (safe to
 * share between threads). */
typedef struct vr_vix_table vr_vix_table;

typedef struct vr_vix_table_spec {
    double v_max;      /* largest variance of the default grid (beyond the grid: linear extrapolation) */
    double v_cover;    /* 0 (or <= v_max): the default grid; else the grid goes on past v_max with
                          nodes at its own spacing until it reaches v_cover (<= 25): the nodes up
                          to v_max are the default grid's, and a lookup below its last three cells
                          reads the same nodes with the same weights */
    double tau_min;    /* shortest expiry in years (e.g. 1/365) */
    double tau_max;    /* longest expiry in years (e.g. 0.5) */
    double m_min;      /* smallest strike/future moneyness K/F (e.g. 0.5) */
    double m_max;      /* largest K/F (e.g. 3.0) */
    double rate;       /* discount rate for the option prices */
    double t_top;      /* 0: the T axis's nodes spread over [tau_min, tau_max]; else its spacing is
                          that of TAB_NT nodes on [tau_min, t_top] (tau_min < t_top <= tau_max),
                          and the nodes go on two past tau_max (vr_vix_t_nodes): tables of one
                          t_top share their first nodes, and a lookup at any T up to the shorter
                          one's tau_max reads the same nodes with the same weights in both (the
                          pricing layer's, below a year) */
} vr_vix_table_spec;

/* Nodes of a VIX option table's x axis (x = sqrt(a + b v), nodes uniform in sqrt(x - sqrt(a))):
 * n of them up to v_max, continued at the same spacing until the last reaches v_cover (n when
 * v_cover <= v_max), at most n_max. The one-factor table's and each svcj2 slice's. */
int vr_vix_grid_nodes(double a, double b, double v_max, double v_cover, int n, int n_max);

/* Nodes of a VIX table's T axis (uniform in sqrt(T) from tau_min, spacing h = (sqrt(t_top) -
 * sqrt(tau_min)) / (n - 1)): with a t_top, as many at that spacing as put two nodes past
 * max(tau_max, t_top), so that the lookup's 4-point stencil (vk_vixtab.h) is the same, and so the
 * price, in every table of that spacing for every T up to its tau_max (n + 2 when tau_max <=
 * t_top); n without a t_top. The count may exceed a table's bound: its caller checks. The
 * one-factor table's and each svcj2 slice's (vr_vix_table_spec.t_top). */
int vr_vix_t_nodes(double tau_min, double t_top, double tau_max, int n);

/* The limits vr_vix_table_build checks on its spec (v_max, expiries, moneyness, rate), without
 * building: lets a config check refuse a model whose table would be refused at run time. */
vr_status vr_vix_table_spec_check(const vr_vix_table_spec *spec, vr_err *err);

vr_status vr_vix_table_build(vr_model_type t, const vr_sv_params *p, const vr_vix_table_spec *spec,
                             vr_vix_table **out, vr_err *err);
void vr_vix_table_destroy(vr_vix_table *tab);

/* Interpolated future and call price (per unit of VIX, no multiplier). */
double vr_vix_table_future(const vr_vix_table *tab, double v, double T);
double vr_vix_table_call(const vr_vix_table *tab, double v, double T, double strike);

/* Batch form over n independent queries (scalar reference kernel; the SIMD variants are the
 * dispatch table's vix_call on vr_vix_table_kernel_view). */
void vr_vix_table_call_n(const vr_vix_table *tab, const double *v, const double *T,
                         const double *strike, double *price, size_t n);

/* The table as the SIMD lookup kernels see it (struct vk_vixtab, kernels/include/vixrisk/vk_vixtab.h):
 * filled when the table is built, owned by tab and valid while tab lives. vk_vix_call_d_* on it
 * computes what vr_vix_table_call computes. NULL for a NULL tab. */
struct vk_vixtab;
const struct vk_vixtab *vr_vix_table_kernel_view(const vr_vix_table *tab);

#endif
