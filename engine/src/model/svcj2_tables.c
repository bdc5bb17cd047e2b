/* svcj2_tables.c: the tables that mark options along svcj2 paths (the descriptor's tables_*,
 * spx_vol_n, vix_call_n and vix_future_1; vr_model_ops.h).
 *
 * The m dimension. Prices depend on the state (v, m). The tables hold one slice per level m_j of
 * a grid m_0 < ... < m_{n-1} (uniform in sqrt(m) over the range the paths visit, SLICE_N to
 * SLICE_NMAX levels; one
 * slice when m cannot move, the lifted-svcj case), each slice a one-factor table in v of the
 * existing layouts (vk_surface.h, vk_vixtab.h), so the lookups are the existing SIMD kernels.
 * Across levels a lane interpolates by 4-point Lagrange over the four nearest levels: the SPX
 * implied variance sigma^2 (the total variance of ln S, and so to first order sigma^2, is affine
 * in m) in sqrt(m), the VIX future and the VIX call price in m itself (smooth in m near 0, where
 * the cubic in sqrt(m) missed them between the first two levels). (Linear interpolation with 9 levels missed
 * the targets: 1.2e-3 in vol, 1% in VIX calls, the curvature in m of a VIX call being that of
 * its payoff in sqrt(m).) A batch of lanes is sorted by stencil (in chunks of CHUNK lanes), each
 * stencil's lanes are gathered and go through the kernel of its four slices together: four kernel
 * calls per occupied stencil, SIMD over the lanes. m outside the grid is extrapolated linearly in
 * m from its two lowest or two highest levels (m_stencil).
 *
 * The transforms. Every price comes from exp(A + B_v v + B_m m), where (A, B_v, B_m) solve the
 * model's Riccati equations (vr_svcj2_riccati) and depend on the transform variable and the
 * expiry, not on the state. So per expiry node the exponents are computed once, on a grid of the
 * transform variable u that is uniform in t = asinh(u / u_s) (step ESPL_H), and every (v, m)
 * node evaluates them by 6-point Lagrange interpolation in t (values at u < 0 are the complex
 * conjugates); beyond the grid's end the exponent is solved directly (never needed by the
 * builders). The order was set by the SPX accuracy (espl_eval).
 *
 * SPX: every slice is built by the surface builder of surface.c (vr_surface_build_src: COS
 * prices of all strikes of a (v, tau) node, implied vols, splines in moneyness) with the cf
 * above, the range sized by the total variance of ln S and the reach of the jumps, and the
 * normaliser vbar with the effective reversion kappa_v - lambda1 mu_v towards the level the slice's
 * m sets. All slices share the v, tau and moneyness grids.
 *
 * VIX: X = (VIX/100)^2 = a + b_v v_T + b_m m_T. For each node (v, tau) of a slice the law of X
 * has the transform e^{i w a} exp(A + B_v v + B_m m_j) (Riccati with z = 0 and initial values
 * i w (b_v, b_m)). The future E[100 sqrt X] of every node comes from the law of X prepared once
 * for the VIX_NT expiries (svcj2_law.c: Laplace integral, the Riccati part solved once per
 * transform node, then a sum of exponentials per state; ~1e-10 relative). The calls come from
 * the distribution function of X in two parts, split by whether a jump came in [0, T]: the paths
 * without one (transform: the same Riccati system with the jump transform replaced by 0,
 * vr_svcj2_riccati_nojump; a diffusion law, narrow near the floor at small v and m) and the
 * paths with one (the whole transform less that; mass ~1e-4-1e-2 and wide when the jumps are
 * rare and large, with no narrow feature). One COS sine series over both (Fang-Oosterlee 2008)
 * needed a range to E[X] + 4 / s* (~7 for variance jumps of mean 2.1) and did not resolve the body
 * of a short expiry at the floor: 3-day calls at 1.5 F were 4-5x the direct price
 * (docs/numerics.md, svcj2). Each part has its own range and series, evaluated at equispaced
 * points by one FFT: the body VIX_NCOS terms on [max(a, E - 12 sd), E + max(14 sd, VIX_RB / s0*)]
 * (moments and tail rate s0* of the law without jumps), VIX_M + 1 points; the jumps VIX_NCOSJ
 * terms on [a, E[X] + max(14 sd, VIX_RJ / s*)], VIX_MJ + 1 points. C(K) = 100 int_{(K/100)^2}
 * (1 - F(x)) / (2 sqrt x) dx, by the trapezoid rule on each part's grid (on F, with the mass's
 * own integral in closed form), at strikes K = F e^l on the moneyness axis of the exact F. The
 * future is not the same integral from the floor: a series did not resolve the law's edge there
 * (density ~ (x - a)^(-1/2)), which put such futures up to 2.8x their tolerance too high at small
 * v and m near 0 (docs/numerics.md, "Low m"). The calls' integral starts at the strike; parity
 * with the exact future, C = F - K + P, would carry the series' error at the edge. E[X] is in
 * closed form, sd and the no-jump law's mass, mean and sd from differences of the log transforms
 * at s = -h, 0, +h, s* the largest s with E[e^{sX}] finite (from the existence of the Riccati
 * solution; it does not depend on the state). Lengths are rounded up to L0 2^-k (L0 the widest
 * node of the expiry, per part), so the
 * transform variable u = n pi / L of every node lies on one grid per expiry. */
#include <complex.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vr_vix.h"
#include "vixrisk/vk_surface.h"
#include "vixrisk/vk_vixtab.h"
#include "surface_internal.h"
#include "svcj2_tables.h"
#include "tables_io.h"
#include "uninstrumented.h"

#define SLICE_N 9          /* m levels when m moves: at least */
#define SLICE_NMAX 40      /* and at most: a range up to m = 4 (a pricing set fitted to the VIX
                              family) takes 35 levels at SLICE_DS; capped at 24 there, the step
                              was 0.087 and short VIX calls between the low levels, where the
                              physical paths spend their time, missed by up to 8 tolerances
                              (docs/numerics.md); each level costs one more SPX surface and VIX
                              slice to build */
#define SLICE_DS 0.06      /* largest step in sqrt(m) below SLICE_NMAX levels */
#define ESPL_H 0.025       /* step of the exponent grid in asinh(u / u_s) */
#define ESPL_TOL 1e-10     /* local error of the Riccati solves of the grid */
#define CHUNK 256          /* lanes sorted by m cell at a time */
/* VIX table: grid per slice (the vk_vixtab layout), series and integration grid. VIX_NX: 20
 * nodes in x = sqrt(a + b v) missed the direct pricers by up to 2x the calls' tolerance at small
 * (v, m), where the call's curvature in x is largest (a test point at m near 0, v 0.019, 50 days:
 * table 3.5360, direct 3.5708, Monte Carlo 3.5693 +- 0.0043); 40 meet it there, for a third
 * more build time. */
#define VIX_NX 40       /* up to the default top; a cover (vr_tables_spec.v_cover) adds nodes at the */
#define VIX_NX_MAX 200  /* same spacing, up to this many (39 x 5 + 1 at most: vix_pricer.c, TAB_NX) */
#define VIX_NT 20 /* sqrt(T) nodes as the one-factor table's: 16 left the at-the-money calls of
                     1-1.5 trading days (the first cell) 1.0-1.3 tolerances off at v 0.05-0.4;
                     20 leave 0.8 */
#define VIX_NT_MAX 64 /* with vr_tables_spec.vix_tau_top, two past tau_max_vix (vix_pricer.c) */
#define VIX_NM 64 /* moneyness nodes, uniform in vk_vix_mmap(ln m) as the one-factor table's
                     (vix_pricer.c): 40 uniform in ln m put the at-the-money 1-3 day calls of
                     high-variance states 2-7.6 tolerances off */
#define VIX_NCOS 2048
#define VIX_M 4096
#define VIX_KMAX 14         /* range levels L0 2^-k per expiry (the bodies span 1e-4 of L0) */
#define VIX_NCOSJ 512      /* the jumps' part: terms and grid (it has no narrow feature) */
#define VIX_MJ 1024
#define VIX_RJ 10.0        /* reach of the jumps' range beyond E[X], in 1 / s* */
#define VIX_RB 20.0        /* and of the body's (the law without jumps), in 1 / s* of that law */

/* ---------------------------------------------------------------------------------------------
 * Exponent grids: (A, B_v, B_m) at u = u_s sinh(i h), i = 0..n-1. */

typedef struct espl {
    double us, inv_h;
    int n;
    double complex *y; /* [n][3] */
    double T;
    double complex zdir, wv, wm; /* z = zdir u, initial values (wv, wm) u */
    int nojump;                  /* the transform on the paths without a jump (VIX body) */
} espl;

static int espl_solve(const vr_svcj2_params *p, const espl *e, double u, double complex out[3])
{
    if (e->nojump)
        return vr_svcj2_riccati_nojump(p, e->T, e->zdir * u, e->wv * u, e->wm * u, ESPL_TOL, out);
    return vr_svcj2_riccati(p, e->T, e->zdir * u, e->wv * u, e->wm * u, ESPL_TOL, out);
}

/* Fill grid e for u in [0, umax]; 0 on success. */
static int espl_build(espl *e, const vr_svcj2_params *p, double T, double complex zdir,
                      double complex wv, double complex wm, double us, double umax)
{
    e->us = us;
    e->inv_h = 1.0 / ESPL_H;
    e->T = T;
    e->zdir = zdir;
    e->wv = wv;
    e->wm = wm;
    e->n = (int)ceil(asinh(umax / us) / ESPL_H) + 4;
    e->y = malloc(sizeof(double complex) * 3 * (size_t)e->n);
    if (e->y == NULL)
        return -1;
    for (int i = 0; i < e->n; i++)
        if (espl_solve(p, e, us * sinh(i * ESPL_H), e->y + 3 * i) != 0)
            return -1;
    return 0;
}

/* Exponent at u >= 0: 6-point Lagrange in t over nodes i-2..i+3 (conjugates for negative nodes).
 * The order matters: with 4 points the interpolation error of the exponent at the first nodes
 * (~1e-6 relative, u ~ 1/sd) biased out-of-the-money SPX calls by 1e-3 in vol (the call side of
 * the COS expansion carries e^y weights); 6 points bring it below 3e-5. */
#define ESPL_P 6
static void espl_eval(const vr_svcj2_params *p, const espl *e, double u, double complex o[3])
{
    const double f = asinh(u / e->us) * e->inv_h;
    const int i = (int)f;
    if (i > e->n - ESPL_P / 2 - 1) { /* beyond the grid: solve */
        if (espl_solve(p, e, u, o) != 0)
            o[0] = o[1] = o[2] = NAN;
        return;
    }
    const double t = f - i;
    /* node k's weight: the product over j != k of (t - x_j) / (x_k - x_j), x = -2..3, in j order.
     * Written as one product per k over every j, with the factor 1 where j = k (which leaves it
     * unchanged) and loops of constant length, which the compiler unrolls: the denominators become
     * constants, the divisions by 1, 2 and 4 exact multiplications, and 9 divisions are left of 30
     * (a twentieth of a calibrated svcj2 table build). The same factors in the same order. */
    double w[ESPL_P];
    for (int k = 0; k < ESPL_P; k++)
        w[k] = 1.0;
    for (int j = 0; j < ESPL_P; j++) {
        const double dj = t - (j - ESPL_P / 2 + 1);
        for (int k = 0; k < ESPL_P; k++)
            w[k] *= k != j ? dj / (double)(k - j) : 1.0;
    }
    o[0] = o[1] = o[2] = 0;
    for (int k = 0; k < ESPL_P; k++) {
        const int xk = k - ESPL_P / 2 + 1; /* -2..3 */
        const int node = i + xk;
        const double complex *y = e->y + 3 * (node < 0 ? -node : node);
        for (int c = 0; c < 3; c++)
            o[c] += w[k] * (node < 0 ? conj(y[c]) : y[c]);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The tables. */

typedef struct s2_tables {
    vr_svcj2_params p;
    int nm;                 /* slices */
    double m_lo;            /* m_0 */
    double s_lo, inv_ds;    /* m_j = (s_lo + j / inv_ds)^2, s_lo = sqrt(m_lo) */
    vr_surface **surf;      /* [nm] */
    vk_vixtab *vix;         /* [nm] views */
    double *vbuf;           /* storage of the VIX slices */
    int vix_nx;             /* x nodes of every VIX slice: VIX_NX, more under a cover (build_vix) */
    int vix_nt;             /* T nodes: VIX_NT, more past vr_tables_spec.vix_tau_top (build_vix) */
    double seconds;
} s2_tables;

/* Level of slice j. */
static double slice_m(const s2_tables *tb, int j)
{
    if (tb->nm == 1)
        return tb->m_lo;
    const double s = tb->s_lo + j / tb->inv_ds;
    return s * s;
}

#define TAB(t) ((s2_tables *)(t))
#define CTAB(t) ((const s2_tables *)(t))

/* The m range the paths visit: m0, theta and, where m is stochastic, the stationary law of m
 * (Gamma) under both measures from half its 0.01% quantile to 1.5x its 99.99% quantile. When m's
 * Feller condition fails (fitted sets do: ratio 0.22 in the svcj2_cal_rn.yaml of 2026-11-30,
 * vr_test_svcj2_rare) the low
 * end is about 0; the nodes (0, m) there whose at-the-money price the series cannot resolve take
 * the normalised smile of the next v node (surface.c). Until 2026-12-01 the range stopped at 5%
 * of theta and a third of that file's path-day marks lay below it. Lower m extrapolates
 * (m_stencil). A deterministic m (sigma_m = 0 in both sets) moves between m0 and theta only. */
static void m_range(const vr_model *m, double *lo, double *hi)
{
    const vr_svcj2_params *ps[2] = {&m->physical.s2, &m->pricing.s2};
    *lo = *hi = m->m0;
    for (int i = 0; i < 2; i++) {
        const vr_svcj2_params *q = ps[i];
        *lo = fmin(*lo, q->theta);
        *hi = fmax(*hi, q->theta);
        if (q->sigma_m > 0) {
            vr_sv_params g = {.kappa = q->kappa_m, .theta = q->theta, .sigma = q->sigma_m};
            const double qh = vr_stationary_var_quantile(VR_MODEL_HESTON, &g, 0.9999);
            const double ql = vr_stationary_var_quantile(VR_MODEL_HESTON, &g, 0.0001);
            if (isfinite(qh))
                *hi = fmax(*hi, 1.5 * qh);
            if (isfinite(ql))
                *lo = fmin(*lo, 0.5 * ql);
        }
    }
    if (*hi > 4.0)
        *hi = 4.0;
}

/* ---- SPX --------------------------------------------------------------------------------------- */

typedef struct spx_src {
    const vr_svcj2_params *p;
    const espl *e;   /* [n_tau] */
    double m;        /* the slice's level */
} spx_src;

static double complex spx_cf(const void *ctx, int it, double v, double tau, double u)
{
    const spx_src *c = ctx;
    (void)tau;
    double complex o[3];
    espl_eval(c->p, &c->e[it], u, o);
    return cexp(o[0] + o[1] * v + o[2] * c->m);
}

/* E[e^{Z_s}]-free sizes: mean of v over tau from the VIX-family formula (as svcj2_cf.c) */
static double jump_ez2(const vr_svcj2_params *p)
{
    const double mj = p->mu_s + p->rho_j * p->mu_v;
    return mj * mj + p->rho_j * p->rho_j * p->mu_v * p->mu_v + p->sigma_s * p->sigma_s;
}

static double mean_var_over(const vr_svcj2_params *p, double v, double m, double tau)
{
    const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(p, tau);
    const double cj = vr_svcj2_cj(p), c1 = 1.0 + 2.0 * p->lambda1 * cj;
    const double iv = (c.a + c.b_v * v + c.b_m * m - 2.0 * p->lambda0 * cj) / c1;
    return iv > 0 ? iv : 0.0;
}

static void spx_scales(const void *ctx, double v, double tau, double *w, double *reach_lo,
                       double *reach_hi)
{
    const spx_src *c = ctx;
    const vr_svcj2_params *p = c->p;
    const double iv = mean_var_over(p, v, c->m, tau);
    *w = fmax(tau * (iv + (p->lambda0 + p->lambda1 * iv) * jump_ez2(p)), 1e-300);
    /* the jumps' reach on each side: Z_s = mu_s + rho_j Z_v + sigma_s N with Z_v up to 16 means
     * (e^-16 of the exponential tail) and N within 8 sd (the one-factor surface takes e^-36 and
     * 10 sd on both sides; a tail mass of 1e-7 per jump is far below the table's accuracy, and
     * the narrower range resolves the core of the law at v ~ 0). rho_j < 0 reaches down only:
     * range above the law would multiply the series' error by e^x in the calls (a pricing set
     * with 2.1-mean variance jumps put calls 0.7 vol points off with a symmetric range). */
    if (p->lambda0 > 0 || p->lambda1 > 0) {
        const double zv = 16.0 * p->mu_v;
        const double jmin = p->mu_s + fmin(p->rho_j, 0.0) * zv - 8.0 * p->sigma_s;
        const double jmax = p->mu_s + fmax(p->rho_j, 0.0) * zv + 8.0 * p->sigma_s;
        *reach_lo = fmax(-jmin, 0.0);
        *reach_hi = fmax(jmax, 0.0);
    } else {
        *reach_lo = *reach_hi = 0.0;
    }
}

static vr_status build_spx(s2_tables *tb, const vr_tables_spec *spec, vr_err *err)
{
    const vr_svcj2_params *p = &tb->p;
    const double keff = p->kappa_v - p->lambda1 * p->mu_v;
    const double m_hi = slice_m(tb, tb->nm - 1);
    /* the v axis: 1.5 x the 99.99% stationary quantile of a CIR with the effective reversion
     * towards the level of the highest slice (capped at 16), as the one-factor surface */
    const double lev_hi = (p->kappa_v * m_hi + p->mu_v * p->lambda0) / keff;
    vr_sv_params g1 = {.kappa = keff, .theta = fmax(lev_hi, 1e-4), .sigma = p->sigma_v};
    double vmax = 1.5 * vr_stationary_var_quantile(VR_MODEL_HESTON, &g1, 0.9999);
    if (!(vmax <= 16.0))
        vmax = 16.0;
    spx_src s0 = {p, NULL, tb->m_lo};
    vr_surface_src src = {.cf = spx_cf, .scales = spx_scales, .ctx = &s0, .kappa = keff,
                          .v_eps = VR_SURFACE_VEPS_FRAC * vr_svcj2_mean_v(p),
                          .v_max_default = vmax, .name = "svcj2"};
    vr_surface_spec in = {0};
    in.tau_min = 1.0 / 365;
    in.tau_max = spec->tau_max_spx;
    in.tau_step = spec->spx_tau_step;
    vr_surface_spec g;
    vr_status st = vr_surface_spec_fill(&in, &src, &g, err);
    if (st != VR_OK)
        return st;
    /* exponent grids per expiry node: u up to the COS cap over the narrowest range (v = 0 at
     * the lowest slice), u_s = 1 / sd of that node */
    espl *e = calloc((size_t)g.n_tau, sizeof *e);
    if (e == NULL)
        return vr_fail(err, VR_ENOMEM, "svcj2 surface: exponent grids");
    int bad = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : bad)
    for (int it = 0; it < g.n_tau; it++) {
        const double tau = vr_surface_tau_node(&g, it);
        double w, rlo, rhi;
        const spx_src sl = {p, NULL, tb->m_lo};
        spx_scales(&sl, g.v_min, tau, &w, &rlo, &rhi);
        const double L = 32.0 * sqrt(w) + rlo + rhi;
        const double umax = 16384.0 * M_PI / L;
        /* u_s: the finer of the core's scale (1 / sd) and the jump transform's (its factor
         * 1 / (1 - mu_v (i u rho_j + ...)) turns over at u ~ 1 / (|rho_j| mu_v), the normal part
         * at 1 / sigma_s). Measured on the 2.1-mean-jump pricing set, this made no difference
         * to the table's error beyond 1e-5 in vol (the error there came from the m levels);
         * it costs more grid nodes and is a candidate for removal (that moves svcj2 bits) */
        const double jscale = fabs(p->rho_j) * p->mu_v + p->sigma_s;
        const double us = jscale > 0 ? fmin(1.0 / sqrt(w), 1.0 / jscale) : 1.0 / sqrt(w);
        bad |= espl_build(&e[it], p, tau, I, 0.0, 0.0, us, umax) != 0;
    }
    if (bad) {
        st = vr_fail(err, VR_ENUM, "svcj2 surface: a Riccati solve of the characteristic "
                                   "function failed (tau up to %g)", g.tau_max);
        goto done;
    }
    for (int j = 0; j < tb->nm && st == VR_OK; j++) {
        const double m = slice_m(tb, j);
        spx_src sj = {p, e, m};
        vr_surface_src sr = src;
        sr.ctx = &sj;
        sr.th = (p->kappa_v * m + p->mu_v * p->lambda0) / keff;
        sr.vm = sr.th + (p->lambda0 + p->lambda1 * sr.th) * jump_ez2(p);
        st = vr_surface_build_src(&sr, &g, &tb->surf[j], err);
    }
done:
    for (int it = 0; it < g.n_tau; it++)
        free(e[it].y);
    free(e);
    return st;
}

/* ---- VIX --------------------------------------------------------------------------------------- */

/* The twiddle factors of fft() for size n: tw[len/2 + k] = e^{-2 pi i k / len} for every stage
 * len = 2, 4, ..., n and k < len/2 (n - 1 values), computed by the same expression the
 * butterflies used to evaluate per call: once per work buffer instead of (n/2) log2 n complex
 * exponentials per transform, with the same bits. */
static void fft_twiddles(double complex *tw, int n)
{
    tw[0] = 0.0;
    for (int len = 2; len <= n; len <<= 1) {
        const double ang = -2.0 * M_PI / len;
        for (int k = 0; k < len / 2; k++)
            tw[len / 2 + k] = cexp(I * (ang * k));
    }
}

/* In-place radix-2 complex FFT, forward (e^{-2 pi i k j / n}), n a power of 2; tw from
 * fft_twiddles(tw, n). */
static void fft(double complex *x, int n, const double complex *tw)
{
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            const double complex t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
    /* The butterflies on the parts (a complex is two doubles, C11 6.2.5): b = x w as C's
     * complex product forms it for finite operands (re = xr wr - xi wi, im = xr wi + xi wr; the
     * inputs are finite, vix_node checks them), without its check for a NaN result, which
     * kept the loop from vectorising. */
    double *restrict xd = (double *)x;
    const double *restrict twd = (const double *)tw;
    for (int len = 2; len <= n; len <<= 1) {
        const int h = len / 2;
        const double *restrict wl = twd + 2 * h;
        for (int i = 0; i < n; i += len) {
            double *restrict lo = xd + 2 * i, *restrict hi = xd + 2 * (i + h);
            for (int k = 0; k < h; k++) {
                const double wr = wl[2 * k], wi = wl[2 * k + 1];
                const double xr = hi[2 * k], xi = hi[2 * k + 1];
                const double br = xr * wr - xi * wi, bi = xr * wi + xi * wr;
                const double ar = lo[2 * k], ai = lo[2 * k + 1];
                lo[2 * k] = ar + br;
                lo[2 * k + 1] = ai + bi;
                hi[2 * k] = ar - br;
                hi[2 * k + 1] = ai - bi;
            }
        }
    }
}

/* Largest s with E[e^{s X_T}] finite (Riccati existence; nojump: of the law without jumps), to
 * 1%; INFINITY beyond 1e4. */
static double tail_rate(const vr_svcj2_params *p, const vr_svcj2_vix_coef *c, double T, int nojump)
{
    double complex o[3];
    double lo = 0.0, hi = 1.0;
#define TR_OK(s)                                                                                   \
    ((nojump ? vr_svcj2_riccati_nojump(p, T, 0.0, (s) * c->b_v, (s) * c->b_m, 1e-8, o)           \
             : vr_svcj2_riccati(p, T, 0.0, (s) * c->b_v, (s) * c->b_m, 1e-8, o)) == 0)
    while (TR_OK(hi)) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e4)
            return INFINITY;
    }
    while (hi - lo > 0.01 * hi) {
        const double mid = 0.5 * (lo + hi);
        if (TR_OK(mid))
            lo = mid;
        else
            hi = mid;
    }
#undef TR_OK
    return lo;
}

/* The exponents of the node series, per family: the whole law (FAM_ALL) and the law without jumps
 * (FAM_NJ) at u = k pi / L of the jumps' ranges, the law without jumps at those of the bodies'
 * ranges (FAM_BODY). */
enum { FAM_ALL, FAM_NJ, FAM_BODY, FAM_N };

typedef struct vix_work {
    double complex *buf; /* 2 VIX_M */
    double *qb, *qj;     /* VIX_M + 1 each: the body's and the jumps' integrals */
    double complex *tw;  /* 2 VIX_M: fft_twiddles(tw, 2 VIX_M) */
    /* the exponents (A, B_v, B_m) at u = k pi / L of this expiry's grid, per family and range
     * level (L = L0 2^-level): [FAM_N][VIX_KMAX + 1][VIX_NCOS][3], filled for k < nfill. Every
     * node of an expiry at the same level evaluates the same u: the grid's interpolation once,
     * not per node. */
    double complex *oc;
    int nfill[FAM_N][VIX_KMAX + 1];
} vix_work;

/* Exponents of family f at u = k pi / L (level lev), from the cache. */
static const double complex *vix_expo(const vr_svcj2_params *p, const espl *e, vix_work *wk, int f,
                                      int lev, int k, double L)
{
    double complex *o = wk->oc + (((size_t)f * (VIX_KMAX + 1) + (size_t)lev) * VIX_NCOS + (size_t)k) * 3;
    if (k >= wk->nfill[f][lev]) { /* k == nfill: the series fill in order */
        espl_eval(p, e, k * M_PI / L, o);
        wk->nfill[f][lev] = k + 1;
    }
    return o;
}

/* The ranges of a node's two series: the jumps' [c.a, c.a + lj] at level kj, the body's
 * [lob, lob + lb] at level kb; pnj = P(no jump on [0, T]). */
typedef struct vix_rng {
    int kj, kb;
    double lj, lob, lb, pnj;
} vix_rng;

/* One part of the law of X on [lo, lo + L] (mass: its total mass): the sine series of its
 * distribution function F (nc terms, one FFT of size 2 M onto x_j = lo + j L / M), then
 * q[j] = int_{x_j}^{lo + L} F(x) / (2 sqrt x) dx by the trapezoid rule (F, not the survival: the
 * jumps' F is ~0 near the floor, where a coarse cell of 1 / sqrt x is least accurate). The body
 * is the transform without jumps (eb); the jumps' part is the whole transform less that (ea - eb:
 * the paths with a jump), which leaves it no narrow feature. 0 on success. */
VR_UNINSTRUMENTED static int vix_part(const vr_svcj2_params *p, const espl *ea, const espl *eb,
                                      int fa, int fb, int lev, double L, double lo, double a,
                                      double v, double m, double mass, int nc, int M, double *q,
                                      vix_work *wk)
{
    /* z: wk->buf, 2 VIX_M; q: wk->qb or wk->qj, VIX_M + 1 each; the cache's k < VIX_NCOS */
    VR_LEAF_REQUIRE(M >= 1 && M <= VIX_M && nc >= 1 && nc <= 2 * M && nc <= VIX_NCOS &&
                    (q == wk->qb || q == wk->qj) && lev >= 0 && lev <= VIX_KMAX && fa >= 0 &&
                    fa < FAM_N && fb >= 0 && fb < FAM_N);
    double complex *z = wk->buf;
    memset(z, 0, sizeof(double complex) * 2 * (size_t)M);
    for (int k = 1; k < nc; k++) {
        const double u = k * M_PI / L;
        const double complex sh = I * u * (a - lo);
        const double complex *ob = vix_expo(p, eb, wk, fb, lev, k, L);
        double complex ph = cexp(ob[0] + ob[1] * v + ob[2] * m + sh);
        if (ea != NULL) {
            const double complex *oa = vix_expo(p, ea, wk, fa, lev, k, L);
            ph = cexp(oa[0] + oa[1] * v + oa[2] * m + sh) - ph;
        }
        if (!isfinite(creal(ph)) || !isfinite(cimag(ph)))
            return -1;
        z[k] = 2.0 / (k * M_PI) * creal(ph);
        if (cabs(ph) < 1e-15 * k)
            break;
    }
    fft(z, 2 * M, wk->tw); /* the twiddles of size 2 VIX_M serve every smaller size */
    const double h = L / M;
    double prev = 0.0;
    q[M] = 0.0;
    for (int j = M; j >= 0; j--) {
        const double x = lo + j * h;
        double F = mass * j / M - cimag(z[j]);
        F = F < 0 ? 0 : F > mass ? mass : F;
        const double g = F / (2.0 * sqrt(x));
        if (j < M)
            q[j] = q[j + 1] + 0.5 * h * (g + prev);
        prev = g;
    }
    return 0;
}

/* int_{xk}^inf (mass - F(x)) / (2 sqrt x) dx from a part's q on [lo, lo + L] (M cells): below lo
 * the survival is the whole mass; inside, mass (sqrt(top) - sqrt(xk)) less the trapezoid's
 * integral of F, its integrand interpolated linearly in the strike's cell. */
static double part_call(const double *q, double lo, double L, int M, double mass, double xk)
{
    const double top = lo + L;
    if (xk >= top)
        return 0.0;
    if (xk <= lo)
        return mass * (sqrt(top) - sqrt(fmax(xk, 0.0))) - q[0];
    const double h = L / M, f = (xk - lo) / h;
    int j = (int)f;
    if (j > M - 1)
        j = M - 1;
    const double gj = (q[j] - q[j + 1]) / h; /* mean integrand over the cell */
    return mass * (sqrt(top) - sqrt(xk)) - (q[j + 1] + gj * (j + 1 - f) * h);
}

/* One node: discounted C/F at the moneyness nodes of slice view vw. The law of X is split by
 * whether a jump came in [0, T]: the paths without a jump (mass pnj; the diffusion's body, narrow
 * near the floor at small v and m) on a range of their own, [lob, lob + 12-14 sd of that law], and
 * the paths with one (a rare, wide tail when the jumps are large) on [a, E[X] + RJ / s*]. A single
 * series over the wide range did not resolve the body near the floor (docs/numerics.md, svcj2).
 * fut_in > 0 is the node's future from the prepared law (exact); 0 where the law does not reach
 * (v or m above VR_SVCJ2_LAW_X_MAX), and then the series' own future is used. The future that
 * is stored goes to *fut_out. */
static int vix_node(const vr_svcj2_params *p, const vr_svcj2_vix_coef *c, const espl *ea,
                    const espl *eb, const vix_rng *r, double v, double m, double disc,
                    const vk_vixtab *vw, const double *node_m, double fut_in, double *fut_out,
                    double *row, vix_work *wk)
{
    const double pj = fmax(1.0 - r->pnj, 0.0);
    if (vix_part(p, NULL, eb, 0, FAM_BODY, r->kb, r->lb, r->lob, c->a, v, m, r->pnj, VIX_NCOS,
                 VIX_M, wk->qb, wk) != 0)
        return -1;
    const int jumps = pj > 0;
    if (jumps && vix_part(p, ea, eb, FAM_ALL, FAM_NJ, r->kj, r->lj, c->a, c->a, v, m, pj,
                          VIX_NCOSJ, VIX_MJ, wk->qj, wk) != 0)
        return -1;
#define CALL_X(xk)                                                                                 \
    (part_call(wk->qb, r->lob, r->lb, VIX_M, r->pnj, (xk)) +                                      \
     (jumps ? part_call(wk->qj, c->a, r->lj, VIX_MJ, pj, (xk)) : 0.0))
    const double fut = fut_in > 0 ? fut_in : 100.0 * (sqrt(c->a) + CALL_X(c->a));
    if (!(fut > 0 && isfinite(fut)))
        return -1;
    *fut_out = fut;
    for (int im = 0; im < vw->n_m; im++) {
        const double K = fut * node_m[im];
        const double y = K / 100.0, xk = y * y;
        /* at or below the floor the call is F - K (parity with the exact future) */
        const double call = xk <= c->a ? fut - K : 100.0 * CALL_X(xk);
        row[im] = disc * (call > 0 ? call : 0.0) / fut;
    }
#undef CALL_X
    return 0;
}
/* x of node ix of slice view vw (x_map 1) */
static double vix_x(const vk_vixtab *vw, int ix)
{
    const double y = ix / vw->inv_hx;
    return vw->x0 + y * y;
}

/* A slice's VIX storage in vbuf: the futures (vix_nx x vix_nt), the calls (x VIX_NM), the
 * discount factors (vix_nt); slice j's views point into its part (build_vix, and the table
 * store's loader). */
static size_t vix_per(const s2_tables *tb)
{
    return (size_t)tb->vix_nx * tb->vix_nt * (1 + VIX_NM) + tb->vix_nt;
}

static void vix_views(s2_tables *tb, int j)
{
    double *b = tb->vbuf + vix_per(tb) * (size_t)j;
    vk_vixtab *vw = &tb->vix[j];
    vw->fut = b;
    vw->call = b + (size_t)tb->vix_nx * tb->vix_nt;
    vw->disc = b + (size_t)tb->vix_nx * tb->vix_nt * (1 + VIX_NM);
}

static vr_status build_vix(s2_tables *tb, const vr_tables_spec *spec, vr_err *err)
{
    const vr_svcj2_params *p = &tb->p;
    const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(p, VR_VIX_TAU_30D);
    const double vmax = fmax(1.0, 12.0 * vr_svcj2_mean_v(p));
    /* VIX_NX nodes up to vmax in every slice; a cover past it (vr_tables_spec.v_cover) adds nodes
     * at each slice's own spacing, as many as the slice that needs most (the others' last nodes
     * lie further out) */
    tb->vix_nx = VIX_NX;
    for (int j = 0; j < tb->nm; j++) {
        const int n = vr_vix_grid_nodes(c.a + c.b_m * slice_m(tb, j), c.b_v, vmax, spec->v_cover, VIX_NX, VIX_NX_MAX);
        tb->vix_nx = n > tb->vix_nx ? n : tb->vix_nx;
    }
    const int nx = tb->vix_nx;
    /* T nodes uniform in sqrt(T): VIX_NT up to tau_max_vix, or with a vix_tau_top at the spacing
     * of VIX_NT up to it, two past tau_max_vix (vr_vix_t_nodes: the one-factor table's t_top) */
    const double s0 = sqrt(1.0 / 365);
    const double inv_hs = (VIX_NT - 1) / (sqrt(spec->vix_tau_top > 0 ? spec->vix_tau_top : spec->tau_max_vix) - s0);
    const int nt = vr_vix_t_nodes(1.0 / 365, spec->vix_tau_top, spec->tau_max_vix, VIX_NT);
    if (nt > VIX_NT_MAX)
        return vr_fail(err, VR_EINVAL, "svcj2 vix table: expiries to %g years from a top of %g take %d nodes "
                                       "(at most %d)", spec->tau_max_vix, spec->vix_tau_top, nt, VIX_NT_MAX);
    tb->vix_nt = nt;
    tb->vbuf = malloc(sizeof(double) * vix_per(tb) * (size_t)tb->nm);
    if (tb->vbuf == NULL)
        return vr_fail(err, VR_ENOMEM, "svcj2 vix table: %d slices", tb->nm);
    for (int j = 0; j < tb->nm; j++) {
        const double m = slice_m(tb, j);
        vix_views(tb, j);
        vk_vixtab *vw = &tb->vix[j];
        vw->a = c.a + c.b_m * m;
        vw->b = c.b_v;
        vw->x0 = sqrt(vw->a);
        /* nodes uniform in sqrt(x - x0), dense at the floor v = 0 (vk_vixtab.h, x_map) */
        vw->inv_hx = (VIX_NX - 1) / sqrt(sqrt(vw->a + c.b_v * vmax) - vw->x0);
        vw->x_map = 1;
        vw->s0 = s0;
        vw->inv_hs = inv_hs;
        vw->m_map = 1;
        vw->m_b = VK_VIX_MMAP_B;
        vw->m_ic = VK_VIX_MMAP_IC;
        vw->l0 = vk_vix_mmap(vw->m_b, vw->m_ic, log(0.5));
        vw->inv_hl = (VIX_NM - 1) / (vk_vix_mmap(vw->m_b, vw->m_ic, log(3.0)) - vw->l0);
        vw->m_min = 0.5;
        vw->rate = spec->rate;
        vw->n_x = nx;
        vw->n_t = nt;
        vw->n_m = VIX_NM;
        double *disc = (double *)vw->disc;
        for (int it = 0; it < nt; it++) {
            const double sq = s0 + it / inv_hs;
            disc[it] = exp(-spec->rate * sq * sq);
        }
    }
    /* the futures: from the law of X prepared at the VIX_NT expiries (svcj2_law.c), the same
     * for every slice and node, exact to ~1e-10 relative (the series below resolved the law's
     * edge at its floor too coarsely: futures up to 1.9x their tolerance too high at small v and
     * m near 0); v beyond the law's domain (VR_SVCJ2_LAW_X_MAX) keeps the series' future, where X is far from its
     * floor (vix_node). The law's ODEs run once per transform node through all expiries; each
     * table node is then a sum of ~100 exponentials, so this part is serial. */
    {
        double Tk[VIX_NT_MAX];
        for (int it = 0; it < nt; it++) {
            const double sq = s0 + it / inv_hs;
            Tk[it] = fmin(sq * sq, VR_SVCJ2_LAW_T_MAX); /* the last node may round up */
        }
        struct vr_vix_law *law = NULL;
        vr_status st = vr_svcj2_law_build(p, Tk, nt, &law, err);
        for (int j = 0; j < tb->nm && st == VR_OK; j++) {
            const vk_vixtab *vw = &tb->vix[j];
            const double m = slice_m(tb, j);
            for (int ix = 0; ix < nx && st == VR_OK; ix++) {
                const double x = vix_x(vw, ix);
                const double v = fmax((x * x - vw->a) / vw->b, 0.0);
                double *fut = (double *)vw->fut + ix * nt;
                for (int it = 0; it < nt && st == VR_OK; it++) {
                    fut[it] = 0.0;
                    if (v <= VR_SVCJ2_LAW_X_MAX && m <= VR_SVCJ2_LAW_X_MAX)
                        st = vr_svcj2_law_eval(law, it, (const double[2]){v, m}, &fut[it], NULL,
                                               err);
                }
            }
        }
        vr_svcj2_law_free(law);
        if (st != VR_OK)
            return st;
    }
    int bad = 0;
#pragma omp parallel reduction(| : bad)
    {
        vix_work wk = {malloc(sizeof(double complex) * 2 * VIX_M),
                       malloc(sizeof(double) * (VIX_M + 1)), malloc(sizeof(double) * (VIX_M + 1)),
                       malloc(sizeof(double complex) * 2 * VIX_M),
                       malloc(sizeof(double complex) * 3 * VIX_NCOS * (VIX_KMAX + 1) * FAM_N),
                       {{0}}};
        /* every node's ranges for one expiry (heap: a cover's nodes made them too large for a
         * thread's stack) */
        vix_rng *rng = malloc(sizeof *rng * (size_t)nx * (size_t)tb->nm);
        double *lenj = malloc(sizeof *lenj * (size_t)nx * (size_t)tb->nm);
        if (wk.buf == NULL || wk.qb == NULL || wk.qj == NULL || wk.tw == NULL || wk.oc == NULL || rng == NULL ||
            lenj == NULL)
            bad |= 1;
        else
            fft_twiddles(wk.tw, 2 * VIX_M);
#pragma omp for schedule(dynamic, 1)
        for (int it = 0; it < nt; it++) {
            if (bad)
                continue;
            const double sq = s0 + it / inv_hs, T = sq * sq;
            /* the law of X at every node of this expiry: mean, sd, tail, of the whole law and of
             * the law without jumps (the latter's log transform at s = -h, 0, +h: its mass, mean
             * and variance) */
            const double srate = tail_rate(p, &c, T, 0), srate0 = tail_rate(p, &c, T, 1);
            const double hs = fmin(0.02, 0.25 * srate), h0 = fmin(0.02, 0.25 * srate0);
            double complex op[3], om[3], n0[3], np[3], nm[3];
            if (vr_svcj2_riccati(p, T, 0.0, hs * c.b_v, hs * c.b_m, 1e-12, op) != 0 ||
                vr_svcj2_riccati(p, T, 0.0, -hs * c.b_v, -hs * c.b_m, 1e-12, om) != 0 ||
                vr_svcj2_riccati_nojump(p, T, 0.0, 0.0, 0.0, 1e-12, n0) != 0 ||
                vr_svcj2_riccati_nojump(p, T, 0.0, h0 * c.b_v, h0 * c.b_m, 1e-12, np) != 0 ||
                vr_svcj2_riccati_nojump(p, T, 0.0, -h0 * c.b_v, -h0 * c.b_m, 1e-12, nm) != 0) {
                bad |= 2;
                continue;
            }
            /* The nodes up to the default top (VIX_NX), then those a cover added, each group with
             * ranges and exponent grids of its own: the ranges are powers of two of the group's
             * largest, so the added nodes, whose laws are wider, would have moved every default
             * node's series (by up to 2 tolerances) had they shared them */
            for (int g = 0; g < (nx > VIX_NX ? 2 : 1) && !bad; g++) {
                const int x_lo = g ? VIX_NX : 0, x_hi = g ? nx : VIX_NX;
                double L0j = 0.0, L0b = 0.0;
                for (int j = 0; j < tb->nm; j++)
                    for (int ix = x_lo; ix < x_hi; ix++) {
                        const vk_vixtab *vw = &tb->vix[j];
                        const double x = vix_x(vw, ix), m = slice_m(tb, j);
                        const double v = fmax((x * x - vw->a) / vw->b, 0.0);
                        vix_rng *r = &rng[j * nx + ix];
                        double ev, em;
                        vr_svcj2_moments(p, v, m, T, &ev, &em);
                        const double mean = c.a + c.b_v * ev + c.b_m * em;
                        const double k2 = creal(op[0] + op[1] * v + op[2] * m + om[0] + om[1] * v +
                                                om[2] * m) / (hs * hs);
                        const double sd = sqrt(fmax(k2, 0.0));
                        /* the jumps' part: from the floor to the whole law's E[X] + max(14 sd,
                         * VIX_RJ / s*) (its exponential tail left beyond: e^-VIX_RJ of its mass) */
                        const double hi = mean + fmax(14.0 * sd, isfinite(srate) ? VIX_RJ / srate : 0.0);
                        lenj[j * nx + ix] = fmax(hi - c.a, 1e-6 * mean);
                        L0j = fmax(L0j, lenj[j * nx + ix]);
                        /* the body: the law without jumps, normalised by its mass pnj */
                        const double l0 = creal(n0[0] + n0[1] * v + n0[2] * m);
                        const double lp = creal(np[0] + np[1] * v + np[2] * m);
                        const double lm = creal(nm[0] + nm[1] * v + nm[2] * m);
                        const double mean0 = c.a + (lp - lm) / (2.0 * h0);
                        const double sd0 = sqrt(fmax((lp - 2.0 * l0 + lm) / (h0 * h0), 0.0));
                        r->pnj = fmin(exp(l0), 1.0);
                        r->lob = fmax(c.a, mean0 - 12.0 * sd0);
                        const double hib =
                            mean0 + fmax(14.0 * sd0, isfinite(srate0) ? VIX_RB / srate0 : 0.0);
                        r->lb = fmax(hib - r->lob, 1e-6 * mean0);
                        L0b = fmax(L0b, r->lb);
                    }
                /* the range levels of every node, then the exponents' grids up to the largest u
                 * they use (a Riccati solve costs more the larger u) */
                double ljmin = L0j, lbmin = L0b;
                for (int j = 0; j < tb->nm; j++)
                    for (int i = j * nx + x_lo; i < j * nx + x_hi; i++) {
                        vix_rng *r = &rng[i];
                        int k = (int)floor(log2(L0j / lenj[i]));
                        r->kj = k < 0 ? 0 : k > VIX_KMAX ? VIX_KMAX : k;
                        r->lj = L0j * pow(2.0, -r->kj);
                        k = (int)floor(log2(L0b / r->lb));
                        r->kb = k < 0 ? 0 : k > VIX_KMAX ? VIX_KMAX : k;
                        r->lb = L0b * pow(2.0, -r->kb);
                        ljmin = fmin(ljmin, r->lj);
                        lbmin = fmin(lbmin, r->lb);
                    }
                espl ea = {0}, eb = {0};
                eb.nojump = 1;
                for (int f = 0; f < FAM_N; f++)
                    for (int l = 0; l <= VIX_KMAX; l++)
                        wk.nfill[f][l] = 1; /* a new expiry: its own exponents */
                const double uja = VIX_NCOSJ * M_PI / ljmin, ujb = VIX_NCOS * M_PI / lbmin;
                if (espl_build(&ea, p, T, 0.0, I * c.b_v, I * c.b_m, 1.0 / L0j, uja) != 0 ||
                    espl_build(&eb, p, T, 0.0, I * c.b_v, I * c.b_m, 1.0 / L0j, fmax(uja, ujb)) != 0) {
                    free(ea.y);
                    free(eb.y);
                    bad |= 2;
                    break;
                }
                for (int j = 0; j < tb->nm && !bad; j++) {
                    const vk_vixtab *vw = &tb->vix[j];
                    const double m = slice_m(tb, j);
                    /* K/F at the slice's moneyness nodes: the map's inverse once per slice and
                     * expiry, not once per node */
                    double node_m[VIX_NM];
                    for (int im = 0; im < vw->n_m; im++)
                        node_m[im] = exp(vk_vix_mmap_inv(vw->m_b, vw->m_ic, vw->l0 + im / vw->inv_hl));
                    for (int ix = x_lo; ix < x_hi; ix++) {
                        const double x = vix_x(vw, ix);
                        const double v = fmax((x * x - vw->a) / vw->b, 0.0);
                        const vix_rng *r = &rng[j * nx + ix];
                        double *fut = (double *)vw->fut + ix * nt + it;
                        double *row = (double *)vw->call + ((size_t)ix * nt + it) * VIX_NM;
                        if (vix_node(p, &c, &ea, &eb, r, v, m, vw->disc[it], vw, node_m, *fut, fut, row, &wk) != 0)
                            bad |= 2;
                    }
                }
                free(ea.y);
                free(eb.y);
            }
        }
        free(wk.buf);
        free(wk.qb);
        free(wk.qj);
        free(wk.tw);
        free(wk.oc);
        free(rng);
        free(lenj);
    }
    if (bad & 1)
        return vr_fail(err, VR_ENOMEM, "svcj2 vix table: work buffers");
    if (bad)
        return vr_fail(err, VR_ENUM, "svcj2 vix table: the transform of the VIX failed "
                                     "(expiries up to %g years)", spec->tau_max_vix);
    return VR_OK;
}

/* ---- build, check, destroy --------------------------------------------------------------------- */

vr_status vr_svcj2_tables_check(const vr_model *m, const vr_tables_spec *spec, vr_err *err)
{
    (void)m;
    /* (a build that leaves a table out does not depend on its range) */
    if (!(spec->skip & VR_TABLES_NO_SPX) && !(spec->tau_max_spx > 1.0 / 365 && spec->tau_max_spx <= 30))
        return vr_fail(err, VR_EINVAL, "svcj2 tables: SPX expiries must end in (1/365, 30] years "
                                       "(got %g)", spec->tau_max_spx);
    if (!(spec->skip & VR_TABLES_NO_VIX) && !(spec->tau_max_vix > 1.0 / 365 && spec->tau_max_vix <= 10))
        return vr_fail(err, VR_EINVAL, "svcj2 tables: VIX expiries must end in (1/365, 10] years "
                                       "(got %g)", spec->tau_max_vix);
    if (!(spec->rate >= -1 && spec->rate <= 1))
        return vr_fail(err, VR_EINVAL, "svcj2 tables: rate must be in [-1, 1] (got %g)", spec->rate);
    return VR_OK;
}

void vr_svcj2_tables_destroy(vr_model_tables *t)
{
    s2_tables *tb = TAB(t);
    if (tb == NULL)
        return;
    for (int j = 0; tb->surf && j < tb->nm; j++)
        vr_surface_destroy(tb->surf[j]);
    free(tb->surf);
    free(tb->vix);
    free(tb->vbuf);
    free(tb);
}

vr_status vr_svcj2_tables_build(const vr_model *m, const vr_tables_spec *spec,
                                vr_model_tables **out, vr_err *err)
{
    vr_status st = vr_svcj2_tables_check(m, spec, err);
    if (st != VR_OK)
        return st;
    const double t0 = omp_get_wtime();
    s2_tables *tb = calloc(1, sizeof *tb);
    if (tb == NULL)
        return vr_fail(err, VR_ENOMEM, "svcj2 tables");
    tb->p = m->pricing.s2;
    double lo, hi;
    m_range(m, &lo, &hi);
    /* levels uniform in sqrt(m): the implied variance, affine in m to first order, is then a
     * quadratic in the axis (the 4-point stencil is exact for it), and the levels crowd where
     * the smile moves fastest per unit of m. Enough levels for a step of SLICE_DS in sqrt(m),
     * within [SLICE_N, SLICE_NMAX]: a pricing set fitted to the VIX family (theta 0.3, sigma_m
     * 0.63) spans m up to 4, and 9 levels uniform in m put 0.5 between the first two levels and
     * errors of 1-7 vol points into the calls at the m the paths visit. */
    const double s_lo = sqrt(lo), s_hi = sqrt(hi);
    int nm = hi > lo ? (int)ceil((s_hi - s_lo) / SLICE_DS) + 1 : 1;
    if (hi > lo)
        nm = nm < SLICE_N ? SLICE_N : nm > SLICE_NMAX ? SLICE_NMAX : nm;
    tb->nm = nm;
    tb->m_lo = lo;
    tb->s_lo = s_lo;
    tb->inv_ds = nm > 1 ? (nm - 1) / (s_hi - s_lo) : 0.0;
    tb->surf = calloc((size_t)tb->nm, sizeof *tb->surf);
    tb->vix = calloc((size_t)tb->nm, sizeof *tb->vix);
    if (tb->surf == NULL || tb->vix == NULL) {
        st = vr_fail(err, VR_ENOMEM, "svcj2 tables: %d slices", tb->nm);
        goto fail;
    }
    if ((!(spec->skip & VR_TABLES_NO_SPX) && (st = build_spx(tb, spec, err)) != VR_OK) ||
        (!(spec->skip & VR_TABLES_NO_VIX) && (st = build_vix(tb, spec, err)) != VR_OK))
        goto fail;
    tb->seconds = omp_get_wtime() - t0;
    *out = (vr_model_tables *)tb;
    return VR_OK;
fail:
    vr_svcj2_tables_destroy((vr_model_tables *)tb);
    return st;
}

double vr_svcj2_tables_seconds(const vr_model_tables *t) { return CTAB(t)->seconds; }

/* Table-store bytes: the structure, which tables there are, the slices' surfaces, then their VIX
 * views and storage (the views' pointers re-made from the storage on load, as build_vix makes
 * them). */
void vr_svcj2_tables_save(const vr_model_tables *t, vr_blob *b)
{
    const s2_tables *tb = CTAB(t);
    const int32_t has[2] = {tb->surf[0] != NULL, tb->vbuf != NULL};
    s2_tables c; /* (without its addresses: the loader makes its own; memcpy: padding too) */
    memcpy(&c, tb, sizeof c);
    c.surf = NULL;
    c.vix = NULL;
    c.vbuf = NULL;
    vr_blob_put(b, &c, sizeof c);
    vr_blob_put(b, has, sizeof has);
    for (int j = 0; has[0] && j < tb->nm; j++)
        vr_surface_save(tb->surf[j], b);
    for (int j = 0; has[1] && j < tb->nm; j++) {
        vk_vixtab v;
        memcpy(&v, &tb->vix[j], sizeof v);
        v.fut = v.call = v.disc = NULL;
        vr_blob_put(b, &v, sizeof v);
    }
    if (has[1])
        vr_blob_put(b, tb->vbuf, sizeof(double) * vix_per(tb) * (size_t)tb->nm);
}

vr_status vr_svcj2_tables_load(vr_blob_in *r, unsigned skip, vr_model_tables **out, vr_err *err)
{
    s2_tables *tb = calloc(1, sizeof *tb);
    if (tb == NULL)
        return vr_fail(err, VR_ENOMEM, "svcj2 tables");
    int32_t has[2];
    vr_status st = VR_OK;
    const void *vb;
    /* one slice, or at least the four of an m stencil (m_stencil) */
    if (!vr_blob_get(r, tb, sizeof *tb) || tb->nm < 1 || (tb->nm > 1 && tb->nm < 4) ||
        tb->nm > SLICE_NMAX || !vr_blob_get(r, has, sizeof has) ||
        has[0] != !(skip & VR_TABLES_NO_SPX) || has[1] != !(skip & VR_TABLES_NO_VIX)) {
        free(tb);
        return vr_fail(err, VR_EINVAL, "svcj2 tables: the stored bytes do not hold tables");
    }
    tb->surf = calloc((size_t)tb->nm, sizeof *tb->surf);
    tb->vix = calloc((size_t)tb->nm, sizeof *tb->vix);
    tb->vbuf = NULL;
    if (tb->surf == NULL || tb->vix == NULL) {
        st = vr_fail(err, VR_ENOMEM, "svcj2 tables: %d slices", tb->nm);
        goto fail;
    }
    for (int j = 0; has[0] && j < tb->nm; j++)
        if ((st = vr_surface_load(r, &tb->surf[j], err)) != VR_OK)
            goto fail;
    if (has[1]) {
        if (!vr_blob_get(r, tb->vix, sizeof *tb->vix * (size_t)tb->nm) ||
            tb->vix_nx < VIX_NX || tb->vix_nx > VIX_NX_MAX || tb->vix_nt < VIX_NT || tb->vix_nt > VIX_NT_MAX ||
            (vb = vr_blob_take(r, vix_per(tb) * (size_t)tb->nm, sizeof(double))) == NULL) {
            st = vr_fail(err, VR_EINVAL, "svcj2 tables: the stored bytes do not hold tables");
            goto fail;
        }
        if ((tb->vbuf = malloc(sizeof(double) * vix_per(tb) * (size_t)tb->nm)) == NULL) {
            st = vr_fail(err, VR_ENOMEM, "svcj2 vix table: %d slices", tb->nm);
            goto fail;
        }
        memcpy(tb->vbuf, vb, sizeof(double) * vix_per(tb) * (size_t)tb->nm);
        for (int j = 0; j < tb->nm; j++) {
            vk_vixtab *vw = &tb->vix[j];
            if (vw->n_x != tb->vix_nx || vw->n_t != tb->vix_nt || vw->n_m != VIX_NM) {
                st = vr_fail(err, VR_EINVAL, "svcj2 tables: the stored bytes do not hold tables");
                goto fail;
            }
            vix_views(tb, j);
        }
    }
    tb->seconds = 0;
    *out = (vr_model_tables *)tb;
    return VR_OK;
fail:
    vr_svcj2_tables_destroy((vr_model_tables *)tb);
    return st;
}

/* ---- lookups ----------------------------------------------------------------------------------- */

/* The m stencil of a lane: 4-point Lagrange interpolation over slices b..b+3 (b clamped so that
 * the stencil stays on the grid, as the VIX table's axes), weights w[0..3] at the position.
 * Below the lowest level m_0 (down to m = 0; NaN counts as 0) the lane extrapolates linearly in m
 * from the two lowest levels: the implied variance is affine in m to first order (exact for it),
 * and a pricing set whose m fails the Feller condition puts many path-days there (a third of the
 * marks of the 2026-11-30 svcj2_cal_rn.yaml's paths, where clamping to m_0 priced them at m_0).
 * At m_0 both rules give w = (1, 0, 0, 0). Above the top level m_{n-1} it extrapolates linearly
 * in m from the two top levels the same way (w = (0, 0, -t, 1 + t)): m_range covers 1.5x the
 * 99.99% quantile of m's stationary law under both measures, but a crash state can lie beyond
 * it, and the clamp priced it at the top level (configs/models/svcj2_cal.yaml, top level 0.32:
 * at v 0.3, m 0.45 the 30-day VIX future 62.62 against the direct 68.11, the SPX 30-day
 * at-the-money vol 5.2 points low at m 0.5).
 * in_m: the same four levels, but Lagrange in m itself (the VIX future and calls): a price is
 * smooth in m (the transform is exp(.. + B_m m)), not in sqrt(m), and near m = 0 the cubic in
 * sqrt(m) missed it between the first two levels (fitted pricing set, levels 0 and 0.0076: a
 * 66-day call at v 0.028, m 0.0011 off by 2.3x its tolerance, 0.14x in m; exact at the levels). */
static inline int m_stencil(const s2_tables *tb, double m, double w[4], int in_m)
{
    const double mm = m > 0 ? m : 0.0; /* NaN lands on 0 */
    double f = (sqrt(mm) - tb->s_lo) * tb->inv_ds;
    if (!(f >= 0)) {
        const double m1 = slice_m(tb, 1);
        const double t = (mm - tb->m_lo) / (m1 - tb->m_lo); /* in [-m_0/(m_1-m_0), 0) */
        w[0] = 1 - t;
        w[1] = t;
        w[2] = w[3] = 0;
        return 0;
    }
    if (f > tb->nm - 1) {
        /* above the top level: linear in m from the two top levels, as below the lowest */
        const double ma = slice_m(tb, tb->nm - 2), mb = slice_m(tb, tb->nm - 1);
        const double t = (mm - mb) / (mb - ma); /* > 0 */
        w[0] = w[1] = 0;
        w[2] = -t;
        w[3] = 1 + t;
        return tb->nm - 4;
    }
    int b = (int)f - 1;
    b = b < 0 ? 0 : b > tb->nm - 4 ? tb->nm - 4 : b;
    if (in_m) {
        double mj[4];
        for (int r = 0; r < 4; r++)
            mj[r] = slice_m(tb, b + r);
        for (int r = 0; r < 4; r++) {
            double wr = 1.0;
            for (int q = 0; q < 4; q++)
                if (q != r)
                    wr *= (mm - mj[q]) / (mj[r] - mj[q]);
            w[r] = wr;
        }
        return b;
    }
    const double t = f - (b + 1);
    w[0] = -t * (t - 1) * (t - 2) / 6;
    w[1] = (t + 1) * (t - 1) * (t - 2) / 2;
    w[2] = -(t + 1) * t * (t - 2) / 2;
    w[3] = (t + 1) * t * (t - 1) / 6;
    return b;
}

static void spx_slice(const s2_tables *tb, const vk_table *kt, int j, const double *v,
                      const double *tau, const double *k, double *out, size_t n)
{
    kt->surface_vol(vr_surface_kernel_view(tb->surf[j]), v, tau, k, out, n);
}

static void vix_slice(const s2_tables *tb, const vk_table *kt, int j, const double *v,
                      const double *tau, const double *strike, double *out, size_t n)
{
    kt->vix_call(&tb->vix[j], v, tau, strike, out, n);
}

/* ---- VIX calls across the m levels ---------------------------------------------------------------
 * Each slice j of the stencil has its own VIX law at the lane's (v, T), centred on its future F_j.
 * Read at the lane's strike K in every slice, the four prices are mixed by the m weights: right
 * while the law moves across the stencil by less than its width, wrong by far when it moves by
 * several widths, which it does at short expiries (v 0, m 0.16, 3 days at the money, the fitted
 * pricing set: slices' futures 15.9..25.6 against a law of width ~1.3: 0.66 against the direct
 * pricer's 0.50, 31 times the tolerance). There the lane follows the law instead: slice j is read
 * at the strike that sits where K sits in the lane's own law, F_j + (K - F) c_j / c, with F the
 * mixed future and c_j each slice's at-the-money call (half its law's mean absolute deviation
 * about F_j: its scale), c the mixed one, and the prices C_j / c_j mixed and scaled by c. Which
 * reading a lane takes is decided by rho = (the stencil's futures' range) / (sqrt(2 pi) c), the
 * law's move across the stencil in units of its width (sqrt(2 pi) c is a normal law's standard
 * deviation): at and below VIX_FOLLOW_LO the strike, at and above VIX_FOLLOW_HI the law,
 * smoothstep between; both readings are exact at the levels, and so is their mix. Where the law
 * changes shape across the stencil (the level m = 0 against m 0.02-0.03, 30 days) following it
 * is worse than the strike (up to 4.6 against 0.7 tolerances), and there rho is about 2.
 * Measured against vr_svcj2_vix_options on a grid between the levels (the 2026-11-30
 * svcj2_cal_rn.yaml; v 0, 0.005, 0.03; m 0.017-0.19; calls at 0.9-1.5 F): mean error / tolerance
 * at 3, 7, 30 days 3.15, 1.77, 0.44 at the strike alone; 0.31, 0.44, 0.41 with 24 levels and the
 * switch at 2 and 4; 0.13, 0.10, 0.11 (worst 0.77, 0.84, 0.58) with the 35 levels SLICE_NMAX now
 * allows and the switch at 1.5 and 3 (docs/numerics.md). The finer levels lower rho for the same
 * law, so the switch moved down with them; svcj2_cal.yaml's 11 levels gain from it too (mean at
 * 3 and 7 days 0.27, 0.32 -> 0.23, 0.21). Above the top level (linear extrapolation in m) a lane
 * keeps the moneyness reading: each slice's C_j / F_j at K F_j / F, the line of those, times F. */
#define VIX_FOLLOW_LO 1.5
#define VIX_FOLLOW_HI 3.0
#define VIX_ATM_MIN 1e-12 /* an at-the-money call below this (a degenerate law): the strike */
enum { LM_STRIKE, LM_MONEYNESS, LM_FOLLOW };

/* The calls of lanes ord[0..len) of chunk c0 (lp: padded to whole vectors, padding lanes repeat
 * the first), all on the stencil of slices j..j+3, weights wl[lane]; v, tau, strike in gv, gt,
 * gk (q order); m of the chunk's lanes at m_of[c0 + lane]; prices to out[c0 + lane]. */
static void vix_group(const s2_tables *tb, const vk_table *kt, int j, const double *m_of, size_t c0,
                      const uint16_t *ord, int len, int lp, double (*wl)[4], const double *gv,
                      const double *gt, const double *gk, double *out)
{
    _Alignas(64) double fr[4][CHUNK], atm[4][CHUNK], ok[4][CHUNK], om[4][CHUNK], gm[CHUNK];
    double fm[CHUNK], ch[CHUNK], al[CHUNK];
    int mode[CHUNK];
    const double m_top = slice_m(tb, tb->nm - 1);
    int any_follow = 0, any_map = 0, any_strike = 0;
    for (int q = 0; q < lp; q++) {
        const int li = ord[q < len ? q : 0];
        const double *w = wl[li];
        fm[q] = 0.0;
        for (int r = 0; r < 4; r++) {
            fr[r][q] = vk_vix_future_ref(&tb->vix[j + r], gv[q], gt[q]);
            fm[q] += w[r] * fr[r][q];
        }
        mode[q] = !(fm[q] > 0) ? LM_STRIKE : m_of[c0 + li] > m_top ? LM_MONEYNESS : LM_FOLLOW;
        any_follow |= mode[q] == LM_FOLLOW;
    }
    if (any_follow)
        for (int r = 0; r < 4; r++)
            kt->vix_call(&tb->vix[j + r], gv, gt, fr[r], atm[r], (size_t)lp);
    for (int q = 0; q < lp; q++) {
        al[q] = 0.0;
        if (mode[q] == LM_FOLLOW) {
            const double *w = wl[ord[q < len ? q : 0]];
            ch[q] = w[0] * atm[0][q] + w[1] * atm[1][q] + w[2] * atm[2][q] + w[3] * atm[3][q];
            if (ch[q] > VIX_ATM_MIN && atm[0][q] > VIX_ATM_MIN && atm[1][q] > VIX_ATM_MIN &&
                atm[2][q] > VIX_ATM_MIN && atm[3][q] > VIX_ATM_MIN) {
                double lo = fr[0][q], hi = fr[0][q];
                for (int r = 1; r < 4; r++) {
                    lo = fr[r][q] < lo ? fr[r][q] : lo;
                    hi = fr[r][q] > hi ? fr[r][q] : hi;
                }
                const double rho = (hi - lo) / (2.5066282746310002 * ch[q]);
                double t = (rho - VIX_FOLLOW_LO) / (VIX_FOLLOW_HI - VIX_FOLLOW_LO);
                t = t < 0 ? 0.0 : t > 1 ? 1.0 : t;
                al[q] = t * t * (3 - 2 * t);
            }
            if (!(al[q] > 0))
                mode[q] = LM_STRIKE;
        }
        any_map |= mode[q] != LM_STRIKE;
        any_strike |= mode[q] == LM_STRIKE || (mode[q] == LM_FOLLOW && al[q] < 1);
    }
    for (int r = 0; r < 4; r++) {
        if (any_strike)
            kt->vix_call(&tb->vix[j + r], gv, gt, gk, ok[r], (size_t)lp);
        if (any_map) {
            for (int q = 0; q < lp; q++)
                gm[q] = mode[q] == LM_MONEYNESS ? gk[q] * (fr[r][q] / fm[q])
                        : mode[q] == LM_FOLLOW ? fr[r][q] + (gk[q] - fm[q]) * (atm[r][q] / ch[q])
                        : gk[q];
            kt->vix_call(&tb->vix[j + r], gv, gt, gm, om[r], (size_t)lp);
        }
    }
    for (int q = 0; q < len; q++) {
        const int li = ord[q];
        const double *w = wl[li];
        double y = 0.0;
        if (mode[q] == LM_MONEYNESS) {
            for (int r = 0; r < 4; r++)
                y += w[r] * (om[r][q] / fr[r][q]);
            y *= fm[q];
        } else {
            if (mode[q] == LM_FOLLOW) {
                for (int r = 0; r < 4; r++)
                    y += w[r] * (om[r][q] / atm[r][q]);
                y *= ch[q];
            }
            if (mode[q] == LM_STRIKE || al[q] < 1) {
                const double ys = w[0] * ok[0][q] + w[1] * ok[1][q] + w[2] * ok[2][q] + w[3] * ok[3][q];
                y = mode[q] == LM_STRIKE ? ys : al[q] * y + (1 - al[q]) * ys;
            }
        }
        out[c0 + li] = y > 0 ? y : 0.0;
    }
}

/* Lanes sorted by m stencil, chunk by chunk; each stencil's lanes go through its four slices
 * (four kernel calls, SIMD over the lanes) and are combined with their weights: SPX vols in the
 * implied variance (floored at 1e-8), VIX calls (vix = 1; arg the strikes) through vix_group
 * (above). */
static void by_cell(const s2_tables *tb, const vk_table *kt, int vix, const double *const *x,
                    const double *tau, const double *arg, double *out, size_t npad)
{
    if (tb->nm == 1) {
        (vix ? vix_slice : spx_slice)(tb, kt, 0, x[0], tau, arg, out, npad);
        return;
    }
    _Alignas(64) double gv[CHUNK], gt[CHUNK], ga[CHUNK], o[4][CHUNK];
    double wl[CHUNK][4];
    int cell[CHUNK];
    uint16_t order[CHUNK];
    int count[SLICE_NMAX + 1], start[SLICE_NMAX];
    for (size_t c0 = 0; c0 < npad; c0 += CHUNK) {
        const size_t n = npad - c0 < CHUNK ? npad - c0 : CHUNK;
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++) {
            cell[i] = m_stencil(tb, x[1][c0 + i], wl[i], vix);
            count[cell[i] + 1]++;
        }
        for (int j = 0; j < SLICE_NMAX - 1; j++)
            count[j + 1] += count[j];
        memcpy(start, count, sizeof start);
        for (size_t i = 0; i < n; i++)
            order[count[cell[i]]++] = (uint16_t)i;
        for (int j = 0; j + 3 < tb->nm; j++) {
            const int s = start[j], len = count[j] - s;
            if (len == 0)
                continue;
            /* the vector kernels take whole vectors (padding lanes repeat the stencil's first);
             * the reference takes any count, and a single mark (a batch of one on the reference
             * kernels: strike searches' starts, the legs of what opens) marked its lane 8 times */
            const int lp = kt->lanes > 1 ? (len + 7) / 8 * 8 : len;
            for (int q = 0; q < lp; q++) {
                const size_t i = c0 + order[q < len ? s + q : s];
                gv[q] = x[0][i];
                gt[q] = tau[i];
                ga[q] = arg[i];
            }
            if (vix) {
                vix_group(tb, kt, j, x[1], c0, order + s, len, lp, wl, gv, gt, ga, out);
                continue;
            }
            for (int r = 0; r < 4; r++)
                spx_slice(tb, kt, j + r, gv, gt, ga, o[r], (size_t)lp);
            for (int q = 0; q < len; q++) {
                const int li = order[s + q];
                const double oq[4] = {o[0][q], o[1][q], o[2][q], o[3][q]};
                out[c0 + li] = vr_spx_stencil_vol(wl[li], oq);
            }
        }
    }
}

void vr_svcj2_spx_vol_n(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                        const double *tau, const double *k, double *vol, size_t npad)
{
    by_cell(CTAB(t), kt, 0, x, tau, k, vol, npad);
}

int vr_svcj2_spx_stencil(const vr_model_tables *t, const double *x, double w[4], const vk_surface *s[4])
{
    const s2_tables *tb = CTAB(t);
    if (tb->nm == 1) {
        s[0] = vr_surface_kernel_view(tb->surf[0]);
        return 1;
    }
    const double m = x[1] > 0 ? x[1] : 0; /* as spx_vol_n's lanes are clamped */
    const int b = m_stencil(tb, m, w, 0);
    for (int r = 0; r < 4; r++)
        s[r] = vr_surface_kernel_view(tb->surf[b + r]);
    return 4;
}

void vr_svcj2_vix_call_n(const vr_model_tables *t, const vk_table *kt, const double *const *x,
                         const double *tau, const double *strike, double *price, size_t npad)
{
    by_cell(CTAB(t), kt, 1, x, tau, strike, price, npad);
}

double vr_svcj2_vix_future_1(const vr_model_tables *t, const double *x, double tau)
{
    const s2_tables *tb = CTAB(t);
    if (tb->nm == 1)
        return vk_vix_future_ref(&tb->vix[0], x[0], tau);
    double w[4];
    const int b = m_stencil(tb, x[1], w, 1);
    double f = 0.0;
    for (int r = 0; r < 4; r++)
        f += w[r] * vk_vix_future_ref(&tb->vix[b + r], x[0], tau);
    return f;
}
