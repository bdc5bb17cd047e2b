/* test_surface.c: the implied-volatility surface (vr_surface.h) and its lookup kernels
 * (vk_surface.h).
 *
 * Kernels: every SIMD variant against the scalar reference on random inputs spread over and
 * beyond the grid (a few ulp; the only difference is SLEEF's vector vs scalar log of tau, so a
 * lane whose ln tau lands within an ulp of a cell boundary may take the other cell of a C1
 * interpolant: an absolute 1e-12 is allowed too), the reference against vr_surface_vol, and the
 * lookup cost in ns per lane on one core for each ISA.
 *
 * Accuracy, against vr_bs_implied_vol(vr_analytic_european(...)) of the OTM option, at points
 * drawn from a generator seeded per model (the same points on every CPU):
 *   - the product statement as stated: 10-50 delta (Black delta at the model's implied vol),
 *     7-120 days, v as below: |vol error| <= 5e-4, no alternative;
 *   - everywhere else on the box (v from the 1st to the 99.9th percentile of the stationary
 *     variance -- half uniform in sqrt(v), half from the stationary law --, tau log-uniform in
 *     [1/365, 1], k uniform in [-3, 3]): vol error <= 5e-4, OR price error <= 5e-4 * vega (the
 *     price error equivalent to 0.05 vol points, where the implied vol is ill-conditioned), OR
 *     price error <= 1e-9 S (an amount no P&L sees; see accuracy_wide for why);
 *   - a perturbed copy of a table must fail both checks (the criteria can fail).
 * Max errors of each kind and where they occur are printed; failing points are listed and their
 * number is asserted zero.
 *
 * Above the variance axis (1.4 and 2 times its top, 7-120 days): within 5% of the direct vol
 * (measured 1.4% at worst), where the top's own vol (the lookup's before) misses by about 30%.
 * Crash states inside the default axis (to VIX 150): the main job's pricing set, 2-5 delta wings
 * at v 0.8-1.0, 30-45 days, within 5e-4 of the direct vol, where the old axis (to 1.5 times the
 * 99.99th stationary percentile) missed by up to 1.7 vol points.
 * Also: clamping outside the grid (v below and tau to the boundary, flat in k; v above: the top's
 * normalised smile with the lane's own normaliser), bad specs (VR_EINVAL
 * naming the field and its range), a law whose mean lies outside the series' range refused (its
 * quoted mean against the closed form), the stationary quantile against the exponential case. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vk.h"
#include "vixrisk/vk_surface.h"
#include "vr_test_util.h"

#define assert_near(got, want, tol)                                                            \
    do {                                                                                       \
        const double g_ = (got), w_ = (want);                                                  \
        if (!(fabs(g_ - w_) <= (tol)))                                                         \
            fail_msg("%s = %.17g, want %.17g", #got, g_, w_);                                 \
    } while (0)

#define VOL_TOL 5e-4 /* target: 0.05 vol points (or the equivalent price error, see below) */

typedef struct model_case {
    const char *name;
    vr_model_type t;
    vr_sv_params p;
} model_case;

static const model_case cases[] = {
    {"heston", VR_MODEL_HESTON, {.kappa = 2.0, .theta = 0.04, .sigma = 0.4, .rho = -0.9}},
    {"heston-feller-violated", VR_MODEL_HESTON,
     {.kappa = 0.5, .theta = 0.04, .sigma = 1.0, .rho = -0.7}},
    {"bates", VR_MODEL_BATES,
     {.kappa = 1.5, .theta = 0.04, .sigma = 0.5, .rho = -0.7, .lambda = 2.0, .mu_j = -0.1,
      .sigma_j = 0.1}},
    {"svcj", VR_MODEL_SVCJ,
     {.kappa = 2.0, .theta = 0.03, .sigma = 0.4, .rho = -0.5, .lambda = 1.0, .mu_v = 0.05,
      .mu_s = -0.05, .sigma_s = 0.05, .rho_j = -0.5}},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* One surface per case, built once (the build time is part of what this file reports). */
static vr_surface *surf[NCASES];

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(rng_state >> 11) + 0.5) * 0x1p-53;
}

static int setup(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        vr_err err;
        vr_err_clear(&err);
        if (vr_surface_build(cases[c].t, &cases[c].p, NULL, &surf[c], &err) != VR_OK) {
            fprintf(stderr, "%s: %s\n", cases[c].name, err.msg);
            return -1;
        }
        const vr_surface_stats *st = vr_surface_get_stats(surf[c]);
        printf("[surface] %-24s build %.3f s (%d x %d x %d nodes, %zu extrapolated, <= %d COS "
               "terms, table %.2f MB, v in [%g, %g])\n",
               cases[c].name, st->build_seconds, st->spec.n_v, st->spec.n_tau, st->spec.n_x,
               st->n_extrapolated, st->max_cos_terms, st->table_bytes / 1048576.0,
               st->spec.v_min, st->spec.v_max);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++)
        vr_surface_destroy(surf[c]);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Kernels. */

#define NL 4096

typedef struct lanes {
    double *v, *tau, *k, *out_ref, *out;
} lanes;

static void lanes_fill(lanes *l, const vr_surface_stats *st)
{
    l->v = vr_aligned_alloc(NL * sizeof(double));
    l->tau = vr_aligned_alloc(NL * sizeof(double));
    l->k = vr_aligned_alloc(NL * sizeof(double));
    l->out_ref = vr_aligned_alloc(NL * sizeof(double));
    l->out = vr_aligned_alloc(NL * sizeof(double));
    assert_non_null(l->out);
    for (size_t i = 0; i < NL; i++) {
        /* 10% of lanes beyond the grid on some axis; one lane in 16 far above the variance
         * axis (up to 30 times its top: the normaliser follows the lane there, vk_surface.h) */
        l->v[i] = (1.1 * urand() - 0.05) * st->spec.v_max;
        if (i % 16 == 5)
            l->v[i] = st->spec.v_max * (1.0 + 29.0 * urand());
        l->tau[i] = st->spec.tau_min * pow(1.2 * st->spec.tau_max / st->spec.tau_min, urand()) * 0.9;
        l->k[i] = (2.2 * urand() - 1.1) * st->spec.k_max;
    }
}

static void lanes_free(lanes *l)
{
    vr_free(l->v), vr_free(l->tau), vr_free(l->k), vr_free(l->out_ref), vr_free(l->out);
}

/* Every vector variant of the dispatch table against the reference (the test's state names the
 * ISA; a CPU without it skips the test instead of passing it). */
static void test_kernel_vs_ref(void **state)
{
    const vk_table *kt = need_isa(*state);
    for (size_t c = 0; c < NCASES; c++) {
        lanes l;
        lanes_fill(&l, vr_surface_get_stats(surf[c]));
        const vk_surface *s = vr_surface_kernel_view(surf[c]);
        vk_surface_vol_d_ref(s, l.v, l.tau, l.k, l.out_ref, NL);
        kt->surface_vol(s, l.v, l.tau, l.k, l.out, NL);
        assert_close_abs(l.out_ref, l.out, NL, 4, 1e-12);
        lanes_free(&l);
    }
}

/* The vector kernels work in chunks of 64 lanes (the chunk's records are prefetched before any is
 * read): a lane's vol must not depend on how many lanes the call has or where the chunks end.
 * Calls of n lanes (partial chunks, one chunk and a bit, several) at offsets spread over the
 * lanes (steps of 296, and one call ending at the last lane) give, bit for bit, the lanes of one
 * call over all NL, on every table. A stale record offset or fraction from another chunk, or a
 * chunk end past n, fails this; wrong coefficients in every call fail test_kernel_vs_ref. Nothing
 * outside a call's lanes is written. (check_chunks: the same for any lookup kernel fn.) */
static void check_chunks(vk_surface_vol_fn fn)
{
    for (size_t c = 0; c < NCASES; c++) {
        lanes l;
        lanes_fill(&l, vr_surface_get_stats(surf[c]));
        const vk_surface *s = vr_surface_kernel_view(surf[c]);
        fn(s, l.v, l.tau, l.k, l.out_ref, NL);
        const size_t ns[] = {8, 56, 64, 72, 136, 200};
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++) {
            const size_t n = ns[a];
            for (size_t off = 0;; off += 296) {
                if (off + n > NL)
                    off = NL - n; /* the last call ends at the last lane */
                for (size_t i = 0; i < NL; i++)
                    l.out[i] = -1.0;
                fn(s, l.v + off, l.tau + off, l.k + off, l.out + off, n);
                assert_close_ulps(l.out_ref + off, l.out + off, n, 0);
                for (size_t i = 0; i < NL; i++) /* nothing written outside the call's lanes */
                    if (i < off || i >= off + n)
                        assert_true(l.out[i] == -1.0);
                if (off + n == NL)
                    break;
            }
        }
        lanes_free(&l);
    }
}

static void test_kernel_chunks(void **state) { check_chunks(need_isa(*state)->surface_vol); }

/* ---- single-precision marks (surface_vol_sf; vk.h "single-precision marks") --------------- */

/* The largest |b - a| / |a| over the lanes (a the reference), or infinity at the first lane
 * where either is not finite (a NaN must fail the test, not drop out of the maximum). */
static double max_rel_diff(const double *a, const double *b, size_t n, size_t *at)
{
    double e = 0;
    *at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i])) {
            *at = i;
            return INFINITY;
        }
        const double d = a[i] == b[i] ? 0.0 : fabs(b[i] - a[i]) / fabs(a[i]);
        if (d > e) {
            e = d;
            *at = i;
        }
    }
    return e;
}

/* max(e, x), with a NaN x making e NaN (fmax would drop it, and the test would pass). */
static double worse(double e, double x) { return x <= e ? e : x > e ? x : NAN; }

/* The largest |b - a| over the lanes, as max_rel_diff. */
static double max_abs_diff(const double *a, const double *b, size_t n, size_t *at)
{
    double e = 0;
    *at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i])) {
            *at = i;
            return INFINITY;
        }
        const double d = fabs(b[i] - a[i]);
        if (d > e) {
            e = d;
            *at = i;
        }
    }
    return e;
}

/* Each vector variant against the float reference, on the lanes of test_kernel_vs_ref: SLEEF's
 * vector and scalar logf may differ by an ulp, and a lane whose coordinate lands within a float ulp
 * of a cell boundary may then take the neighbouring cell of the (continuous) interpolant. Measured
 * (AMD EPYC, AVX-512 and AVX2): no difference on these lanes; held to 4e-6 relative. */
static void test_kernel_sf_vs_ref(void **state)
{
    const vk_table *kt = need_isa(*state);
    for (size_t c = 0; c < NCASES; c++) {
        lanes l;
        lanes_fill(&l, vr_surface_get_stats(surf[c]));
        const vk_surface *s = vr_surface_kernel_view(surf[c]);
        vk_surface_vol_sf_d_ref(s, l.v, l.tau, l.k, l.out_ref, NL);
        kt->surface_vol_sf(s, l.v, l.tau, l.k, l.out, NL);
        size_t at;
        const double e = max_rel_diff(l.out_ref, l.out, NL, &at);
        printf("[surface] %-24s surface_vol_sf %s vs reference: %.3g relative (lane %zu)\n",
               cases[c].name, kt->isa, e, at);
        assert_true(e <= 4e-6);
        lanes_free(&l);
    }
}

/* As test_kernel_chunks for the float kernel, whose vectors hold twice the lanes (on AVX-512 a
 * call of 8, 56, 72 or 136 lanes ends on a half vector): the same bits whatever the call. */
static void test_kernel_sf_chunks(void **state) { check_chunks(need_isa(*state)->surface_vol_sf); }

/* The float reference against the double one on the same lanes (inside and beyond the grid): what
 * the single-precision lookup gives up, in vol (absolute, as VOL_TOL). Measured: 2.1e-6 (0.0002 vol
 * points) at worst; held to 1e-5, a fiftieth of the surface's own tolerance VOL_TOL. */
static void test_sf_vs_double(void **state)
{
    (void)state;
    double worst = 0;
    for (size_t c = 0; c < NCASES; c++) {
        lanes l;
        lanes_fill(&l, vr_surface_get_stats(surf[c]));
        const vk_surface *s = vr_surface_kernel_view(surf[c]);
        vk_surface_vol_d_ref(s, l.v, l.tau, l.k, l.out_ref, NL);
        vk_surface_vol_sf_d_ref(s, l.v, l.tau, l.k, l.out, NL);
        size_t at;
        const double e = max_abs_diff(l.out_ref, l.out, NL, &at);
        printf("[surface] %-24s surface_vol_sf reference vs double: %.3g absolute (vol %g; v %g, "
               "tau %g, k %g)\n", cases[c].name, e, l.out_ref[at], l.v[at], l.tau[at], l.k[at]);
        worst = fmax(worst, e);
        lanes_free(&l);
    }
    assert_true(worst <= 1e-5);
}

static void test_ref_matches_scalar_api(void **state)
{
    (void)state;
    lanes l;
    lanes_fill(&l, vr_surface_get_stats(surf[0]));
    vk_surface_vol_d_ref(vr_surface_kernel_view(surf[0]), l.v, l.tau, l.k, l.out_ref, NL);
    for (size_t i = 0; i < NL; i++)
        l.out[i] = vr_surface_vol(surf[0], l.v[i], l.tau[i], l.k[i]);
    assert_close_ulps(l.out_ref, l.out, NL, 0);
    lanes_free(&l);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Lookup cost per lane on one core: "random" lanes spread over the whole grid (cells in random
 * order, the table is larger than L2: the cache-unfriendly case), and "coherent" lanes as a
 * simulation block sees them after a step (all 8 lanes of a vector share tau, v within +-10%
 * of a common level, k spread over the smile). */
static void time_lookups(const char *what, const lanes *l)
{
    const char *isa[VR_ISA_COUNT];
    const int nisa = vk_available(isa, VR_ISA_COUNT);
    const vk_surface *s = vr_surface_kernel_view(surf[0]);
    for (int j = 0; j < nisa; j++) {
        const vk_surface_vol_fn fn = vk_select(isa[j])->surface_vol;
        const int reps = j == 0 ? 100 : 1000;
        fn(s, l->v, l->tau, l->k, l->out, NL);
        const double t0 = now();
        for (int r = 0; r < reps; r++)
            fn(s, l->v, l->tau, l->k, l->out, NL);
        const double ns = (now() - t0) * 1e9 / ((double)reps * NL);
        printf("[surface] lookup %-8s %-6s %.2f ns per lane (1 core)\n", what, isa[j], ns);
    }
}

static void test_kernel_speed(void **state)
{
    (void)state;
    const vr_surface_stats *st = vr_surface_get_stats(surf[0]);
    lanes l;
    lanes_fill(&l, st);
    time_lookups("random", &l);
    for (size_t i = 0; i < NL; i += 8) {
        const double v0 = st->spec.v_max * 0.3 * urand();
        const double tau = st->spec.tau_min * pow(st->spec.tau_max / st->spec.tau_min, urand());
        for (size_t j = i; j < i + 8; j++) {
            l.v[j] = v0 * (0.9 + 0.2 * urand());
            l.tau[j] = tau;
            l.k[j] = 6.0 * urand() - 3.0;
        }
    }
    time_lookups("coherent", &l);
    lanes_free(&l);
}

/* ---------------------------------------------------------------------------------------------
 * Accuracy against the direct pricer.
 *
 * The points come from a generator of their own, seeded per model: they are the same on every
 * machine whatever kernel tests ran before (the kernel tests draw from the shared stream only for
 * the ISAs the CPU has, so drawing accuracy points from it made them depend on the CPU: an
 * AVX-512 machine tested other points than an AVX2 one). */

typedef struct pt_rng {
    uint64_t s;
} pt_rng;

static double prand(pt_rng *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(g->s >> 11) + 0.5) * 0x1p-53;
}

/* Black vega dPrice/dsigma (per unit vol). */
static double bs_vega(double S, double K, double r, double q, double sigma, double tau)
{
    const double st = sigma * sqrt(tau);
    const double d1 = (log(S / K) + (r - q + 0.5 * sigma * sigma) * tau) / st;
    return S * exp(-q * tau) * exp(-0.5 * d1 * d1) / sqrt(2.0 * M_PI) * sqrt(tau);
}

/* |Black delta| of the OTM option (forward delta e^{-q tau} N(+-d1)). */
static double bs_abs_delta(double S, double K, double r, double q, double sigma, double tau,
                           int call)
{
    const double st = sigma * sqrt(tau);
    const double d1 = (log(S / K) + (r - q + 0.5 * sigma * sigma) * tau) / st;
    return exp(-q * tau) * 0.5 * erfc((call ? -d1 : d1) * M_SQRT1_2);
}

typedef struct worst {
    double e, v, tau, k;
} worst;

/* Keeps the largest e with its point; a NaN e is kept for good (and fails the check on w->e). */
static void worst_put(worst *w, double e, double v, double tau, double k)
{
    if (!isnan(w->e) && !(e <= w->e))
        *w = (worst){e, v, tau, k};
}

/* The lookup the accuracy checks measure: the double reference, or the float one (the
 * single-precision marks' accuracy against the direct pricer, same criteria). */
static vk_surface_vol_fn surf_lookup = vk_surface_vol_d_ref;

static double surf_vol(const vk_surface *s, double v, double tau, double k)
{
    _Alignas(64) double vv[8] = {v}, tt[8] = {tau}, kk[8] = {k}, out[8];
    surf_lookup(s, vv, tt, kk, out, 1);
    return out[0];
}

/* v: half uniform in sqrt(v) between the 1st and 99.9th stationary percentiles, half from the
 * stationary law (1st to 99.9th percentile) itself. */
static double draw_v(const model_case *m, pt_rng *g, int i)
{
    if (i % 2 == 0) {
        const double a = sqrt(vr_stationary_var_quantile(m->t, &m->p, 0.01));
        const double b = sqrt(vr_stationary_var_quantile(m->t, &m->p, 0.999));
        const double x = a + (b - a) * prand(g);
        return x * x;
    }
    return vr_stationary_var_quantile(m->t, &m->p, 0.01 + 0.989 * prand(g));
}

#define ACC_S 100.0
#define ACC_R 0.02
#define ACC_Q 0.01

/* Direct OTM price at (v, tau, k); 0 if the pricer failed (the point is skipped, and said so). */
static int direct_price(const model_case *m, double v, double tau, double k, double *K,
                        int *call, double *pr)
{
    const double F = ACC_S * exp((ACC_R - ACC_Q) * tau);
    *K = F * exp(k * sqrt(tau));
    *call = k > 0;
    vr_err err;
    vr_err_clear(&err);
    if (vr_analytic_european(m->t, &m->p, ACC_S, ACC_R, ACC_Q, v, *K, tau, *call, pr, &err) !=
        VR_OK) {
        printf("[surface] %s: direct pricer failed, point skipped: %s\n", m->name, err.msg);
        return 0;
    }
    return 1;
}

/* The product's accuracy statement, tested as stated: for 10-50 delta OTM options (|Black delta|
 * at the model's implied vol in [0.10, 0.50]) from 7 to 120 days, |sigma_surface -
 * sigma_direct| <= VOL_TOL, no alternative. k is drawn within +-1.6 ATM vols (which covers the
 * band) and points outside the band are redrawn. Returns the number of failing points. */
static int accuracy_band(size_t c, const vk_surface *s, int npts, int verbose)
{
    const model_case *m = &cases[c];
    pt_rng g = {0x5deece66dULL + 0x9e3779b97f4a7c15ULL * (c + 1)};
    worst w = {0};
    int n_pts = 0, n_fail = 0, tries = 0;
    while (n_pts < npts && tries < 20 * npts) {
        tries++;
        const double v = draw_v(m, &g, tries);
        const double tau = (7.0 + 113.0 * prand(&g)) / 365.0;
        const double z = 3.2 * prand(&g) - 1.6;
        double K, pr, atm;
        int call;
        if (!direct_price(m, v, tau, 0.0, &K, &call, &pr))
            continue;
        atm = vr_bs_implied_vol(pr, ACC_S, K, ACC_R, ACC_Q, tau, call);
        const double k = z * atm;
        if (!isfinite(atm) || !direct_price(m, v, tau, k, &K, &call, &pr))
            continue;
        const double sd = vr_bs_implied_vol(pr, ACC_S, K, ACC_R, ACC_Q, tau, call);
        const double dl = isfinite(sd) ? bs_abs_delta(ACC_S, K, ACC_R, ACC_Q, sd, tau, call) : 0;
        if (!(dl >= 0.10 && dl <= 0.50))
            continue;
        n_pts++;
        const double e = fabs(surf_vol(s, v, tau, k) - sd);
        worst_put(&w, e, v, tau, k);
        if (!(e <= VOL_TOL)) {
            n_fail++;
            if (verbose)
                printf("[surface] %s BAND FAIL v %.17g tau %.17g k %.17g: vol err %.2e (delta "
                       "%.3f)\n", m->name, v, tau, k, e, dl);
        }
    }
    if (verbose)
        printf("[surface] %-24s 10-50 delta, 7-120 days: %d points, max |vol err| %.2e at v %.3g "
               "tau %.4g k %.3f; failing %d\n",
               m->name, n_pts, w.e, w.v, w.tau, w.k, n_fail);
    assert_true(n_pts == npts);
    return n_fail;
}

/* Everywhere else on the test box a point passes if any of
 *   (a) |sigma_surface - sigma_direct| <= VOL_TOL,
 *   (b) |P(sigma_surface) - P_direct| <= VOL_TOL * vega: the price error equivalent to VOL_TOL
 *       vol points (vega at the direct implied vol, or at the surface vol where the direct price
 *       has none): where vega is tiny the implied vol is ill-conditioned, a price error the
 *       direct pricer's own tolerance (1e-10 S absolute) already moves it by more than VOL_TOL;
 *   (c) |P(sigma_surface) - P_direct| <= PRICE_TOL S: an absolute price error that matters to no
 *       P&L (1e-9 S is 5e-6 index points at SPX 5000, 1e-4 of the 0.05 tick) yet 10x the direct
 *       pricer's own contract, so it is still measured against a meaningful reference.
 * (c) replaces a former floor that applied only where the direct price was below 1e-9 S (with up
 * to 2e-9 S of error): a cliff. An option worth 2e-9 S passed none of the three with a price
 * error of 2e-10 S, the 10% error of linear interpolation in ln(v + v_eps) across the first
 * variance cell at v ~ 0 of the Feller-violating set, 46 standard deviations into the left wing
 * (delta 3e-7; see docs/numerics.md). (c) is continuous and tighter than the old floor where
 * that applied. Printed per model: the max vol error over points with a direct implied vol, the
 * max price error over vega and the max price error / S of points not passing (a), the max
 * criterion min(vol err, price err / vega) outside (c), and the failing points. */
#define PRICE_TOL 1e-9 /* times S */

static int accuracy_wide(size_t c, const vk_surface *s, int npts, int verbose)
{
    const model_case *m = &cases[c];
    pt_rng g = {0x2545f4914f6cdd1dULL + 0x9e3779b97f4a7c15ULL * (c + 1)};
    worst w_vol = {0}, w_pv = {0}, w_ps = {0}, w_crit = {0};
    int n_pts = 0, n_vol = 0, n_pv = 0, n_ps = 0, n_fail = 0;
    for (int i = 0; i < npts; i++) {
        const double v = draw_v(m, &g, i);
        const double tau = exp(log(1.0 / 365.0) * (1.0 - prand(&g)));
        const double k = 6.0 * prand(&g) - 3.0;
        double K, pr;
        int call;
        if (!direct_price(m, v, tau, k, &K, &call, &pr))
            continue;
        n_pts++;
        const double sg = surf_vol(s, v, tau, k);
        const double sd = vr_bs_implied_vol(pr, ACC_S, K, ACC_R, ACC_Q, tau, call);
        const double e_vol = isfinite(sd) ? fabs(sg - sd) : INFINITY;
        const double p_sg = vr_bs_price(ACC_S, K, ACC_R, ACC_Q, sg, tau, call);
        const double e_pr = fabs(p_sg - pr);
        const double vega = bs_vega(ACC_S, K, ACC_R, ACC_Q, isfinite(sd) && sd > 0 ? sd : sg, tau);
        const double e_pv = vega > 0 ? e_pr / vega : INFINITY;
        if (isfinite(e_vol)) {
            n_vol++;
            worst_put(&w_vol, e_vol, v, tau, k);
        }
        if (!(e_pr <= PRICE_TOL * ACC_S))
            worst_put(&w_crit, fmin(e_vol, e_pv), v, tau, k);
        if (e_vol <= VOL_TOL)
            continue;
        n_pv++;
        worst_put(&w_pv, e_pv, v, tau, k);
        if (e_pv <= VOL_TOL)
            continue;
        n_ps++;
        worst_put(&w_ps, e_pr / ACC_S, v, tau, k);
        if (e_pr <= PRICE_TOL * ACC_S)
            continue;
        n_fail++;
        if (verbose)
            printf("[surface] %s FAIL v %.17g tau %.17g k %.17g: vol %.6g direct %.6g price/S "
                   "%.3e direct/S %.3e vega/S %.3e\n",
                   m->name, v, tau, k, sg, sd, p_sg / ACC_S, pr / ACC_S, vega / ACC_S);
    }
    if (verbose) {
        printf("[surface] %-24s %d points; vol: %d with a direct vol, max |err| %.2e at v %.3g "
               "tau %.4g k %.3f\n",
               m->name, n_pts, n_vol, w_vol.e, w_vol.v, w_vol.tau, w_vol.k);
        printf("[surface] %-24s price/vega (points over VOL_TOL): %d, max %.2e at v %.3g tau "
               "%.4g k %.3f\n",
               m->name, n_pv, w_pv.e, w_pv.v, w_pv.tau, w_pv.k);
        printf("[surface] %-24s price/S (over both): %d, max %.2e at v %.3g tau %.4g k %.3f; "
               "failing %d\n",
               m->name, n_ps, w_ps.e, w_ps.v, w_ps.tau, w_ps.k, n_fail);
        printf("[surface] %-24s criterion: max min(|vol err|, |price err|/vega) outside (c) "
               "%.2e at v %.3g tau %.4g k %.3f\n",
               m->name, w_crit.e, w_crit.v, w_crit.tau, w_crit.k);
    }
    assert_true(n_pts > npts / 2);
    return n_fail;
}

#define NPTS 300
#define NBAND 150
static void accuracy_case(size_t c)
{
    const vk_surface *s = vr_surface_kernel_view(surf[c]);
    const int band = accuracy_band(c, s, NBAND, 1), wide = accuracy_wide(c, s, NPTS, 1);
    assert_int_equal(band, 0);
    assert_int_equal(wide, 0);
}

static void test_accuracy_heston(void **state) { (void)state; accuracy_case(0); }
static void test_accuracy_heston_feller(void **state) { (void)state; accuracy_case(1); }
static void test_accuracy_bates(void **state) { (void)state; accuracy_case(2); }
static void test_accuracy_svcj(void **state) { (void)state; accuracy_case(3); }

/* The same checks of the float lookup (simulation.mark_precision: single). */
static void accuracy_case_sf(size_t c)
{
    surf_lookup = vk_surface_vol_sf_d_ref;
    accuracy_case(c);
    surf_lookup = vk_surface_vol_d_ref;
}
static void test_accuracy_sf_heston(void **state) { (void)state; accuracy_case_sf(0); }
static void test_accuracy_sf_heston_feller(void **state) { (void)state; accuracy_case_sf(1); }
static void test_accuracy_sf_bates(void **state) { (void)state; accuracy_case_sf(2); }
static void test_accuracy_sf_svcj(void **state) { (void)state; accuracy_case_sf(3); }

/* The criteria can fail: a copy of a table scaled by (1 + eps) has vol error eps sigma.
 * 0.5% everywhere (0.1 vol points at 20% vol, twice VOL_TOL) must fail the band check; 2% in the
 * first variance cell only (the near-zero-variance states where the unperturbed table is
 * weakest) must fail the wide check of the Feller-violating set. */
static int perturbed_fails(size_t c, double eps, int first_v_cell_only, int band)
{
    const vk_surface *s = vr_surface_kernel_view(surf[c]);
    const size_t n_rec = (size_t)(s->n_v - 1) * (size_t)s->stride_v;
    const size_t n = first_v_cell_only ? (size_t)s->stride_v * 16 : n_rec * 16;
    float *coef = vr_aligned_alloc(n_rec * 16 * sizeof(float));
    assert_non_null(coef);
    for (size_t i = 0; i < n_rec * 16; i++)
        coef[i] = s->coef[i] * (i < n ? (float)(1.0 + eps) : 1.0f);
    vk_surface p = *s;
    p.coef = coef;
    const int nf = band ? accuracy_band(c, &p, NBAND, 0) : accuracy_wide(c, &p, NPTS, 0);
    vr_free(coef);
    printf("[surface] %-24s table x (1 + %g)%s: %s check fails at %d points\n", cases[c].name,
           eps, first_v_cell_only ? " in the first variance cell" : "", band ? "band" : "wide",
           nf);
    return nf;
}

static void test_accuracy_detects_perturbation(void **state)
{
    (void)state;
    assert_true(perturbed_fails(0, 0.005, 0, 1) > 0);
    assert_true(perturbed_fails(1, 0.02, 1, 0) > 0);
}

/* Lanes above the variance axis (a crash takes paths past the top the builder sets from the
 * pricing law's 99.99th stationary percentile): at 1.4 and 2 times v_max, 7-120 days, strikes
 * at -1.3, -0.5, 0.5 and 1 standard deviations of the lane's own variance, the vol against the
 * direct pricer's. The top's normalised smile with the lane's own normaliser stays within
 * ABOVE_TOL of the vol (5%: 5 vol points at 100% vol; measured 1.4-3.1%, the largest at 120 days);
 * the top's own vol, what the lookup gave before, misses by about 30%, more than three times the
 * tolerance: the test tells the two apart for every model. */
#define ABOVE_TOL 0.05 /* relative to the vol */
static void test_above_grid(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        const model_case *m = &cases[c];
        const vk_surface *vw = vr_surface_kernel_view(surf[c]);
        const double vmax = vr_surface_get_stats(surf[c])->spec.v_max;
        double worst_new = 0, worst_held = 0;
        const double mults[] = {1.4, 2.0}, taus[] = {7.0 / 365, 30.0 / 365, 60.0 / 365, 120.0 / 365};
        const double zs[] = {-1.3, -0.5, 0.5, 1.0};
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 4; b++)
                for (int j = 0; j < 4; j++) {
                    const double v = mults[a] * vmax, tau = taus[b];
                    const double k = zs[j] * sqrt(v); /* ln(K/F)/sqrt(tau) */
                    double K, pr;
                    int call;
                    if (!direct_price(m, v, tau, k, &K, &call, &pr))
                        continue;
                    const double iv = vr_bs_implied_vol(pr, ACC_S, K, ACC_R, ACC_Q, tau, call);
                    if (!(iv > 0))
                        fail_msg("%s: no implied vol at v %g tau %g k %g", m->name, v, tau, k);
                    const double e_new = fabs(surf_vol(vw, v, tau, k) - iv) / iv;
                    const double e_held = fabs(surf_vol(vw, vmax, tau, k) - iv) / iv;
                    worst_new = worse(worst_new, e_new);
                    worst_held = worse(worst_held, e_held);
                }
        printf("[surface] %s above the v axis (top %.3g): max |vol error| / vol %.4f (the top's "
               "vol held: %.4f)\n", m->name, vmax, worst_new, worst_held);
        assert_true(worst_new <= ABOVE_TOL);
        assert_true(worst_held > 3 * ABOVE_TOL);
    }
}

/* Crash states on the default axis. The stress job's shocks and replays put the main job's
 * pricing set (configs/alvh.yaml, SVCJ) at v 0.69-0.74, above the 0.636 where the axis used to
 * end (1.5 x its 99.99th stationary percentile), and mark the put-spread hedge's 2- and 5-delta
 * puts and the condor's wings there. The default axis now reaches the variance of VIX
 * VR_SURFACE_VIX_FLOOR (2.46 for this set). 2, 3 and 5 delta calls and puts at v 0.8, 0.9 and
 * 1.0, 30 to 45 days (strikes by delta at the direct pricer's vol) must be within VOL_TOL of the
 * direct vol, as inside the axis (measured: 0.006 vol points at worst); the old axis, built here
 * from its spec, missed them by 0.6-1.7 vol points, and the test asserts that it still fails. */
static const model_case crash_case = {
    "alvh-svcj", VR_MODEL_SVCJ,
    {.kappa = 2.4, .theta = 0.030, .sigma = 0.45, .rho = -0.75, .lambda = 1.2, .mu_v = 0.05,
     .mu_s = -0.04, .sigma_s = 0.05, .rho_j = -0.6}};

/* ln(K/F)/sqrt(tau) of the OTM option whose forward Black delta at vol sg is d (d < 0.5). */
static double k_of_delta(double sg, double tau, double d)
{
    double lo = -40, hi = 40; /* N^{-1}(1 - d) by bisection: N(z) = erfc(-z/sqrt 2)/2 */
    for (int i = 0; i < 200; i++) {
        const double z = 0.5 * (lo + hi);
        if (0.5 * erfc(-z * M_SQRT1_2) < 1.0 - d)
            lo = z;
        else
            hi = z;
    }
    const double z = 0.5 * (lo + hi);
    return z * sg + 0.5 * sg * sg * sqrt(tau); /* d1 = -z for the call; the put mirrors it */
}

/* The largest |vol error| of the wing points against surface s. */
static double crash_wings(const vk_surface *s, const char *axis)
{
    const model_case *m = &crash_case;
    const double vs[] = {0.8, 0.9, 1.0}, days[] = {30, 37, 45}, deltas[] = {0.02, 0.03, 0.05};
    worst w = {0};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 3; c++)
                for (int call = 0; call <= 1; call++) {
                    const double v = vs[a], tau = days[b] / 365.0;
                    double K, pr, sg;
                    int cp;
                    if (!direct_price(m, v, tau, 0.0, &K, &cp, &pr))
                        fail_msg("%s: no direct price at v %g tau %g", m->name, v, tau);
                    sg = vr_bs_implied_vol(pr, ACC_S, K, ACC_R, ACC_Q, tau, cp);
                    double k = 0.0, sd = sg;
                    for (int it = 0; it < 4; it++) { /* the strike at the delta of its own vol */
                        const double z = k_of_delta(sd, tau, deltas[c]);
                        k = call ? z : -z + sd * sd * sqrt(tau);
                        if (!direct_price(m, v, tau, k, &K, &cp, &pr))
                            fail_msg("%s: no direct price at v %g tau %g k %g", m->name, v, tau, k);
                        sd = vr_bs_implied_vol(pr, ACC_S, K, ACC_R, ACC_Q, tau, cp);
                        assert_true(sd > 0);
                    }
                    const double e = fabs(surf_vol(s, v, tau, k) - sd);
                    worst_put(&w, e, v, tau, k);
                }
    printf("[surface] %s %s: 2-5 delta, 30-45 days, v 0.8-1.0: max |vol err| %.2e at v %.3g "
           "tau %.4g k %.3f\n", m->name, axis, w.e, w.v, w.tau, w.k);
    return w.e;
}

static void test_crash_wings(void **state)
{
    (void)state;
    const model_case *m = &crash_case;
    vr_err err;
    vr_err_clear(&err);
    vr_surface_spec sp = {.tau_min = 1.0 / 365, .tau_max = 47.0 / 365}; /* the main job's */
    vr_surface *now = NULL, *old = NULL;
    assert_int_equal(vr_surface_build(m->t, &m->p, &sp, &now, &err), VR_OK);
    const vr_surface_stats *st = vr_surface_get_stats(now);
    printf("[surface] %s default axis: v in [0, %.4g], %d x %d x %d nodes, table %.2f MB\n",
           m->name, st->spec.v_max, st->spec.n_v, st->spec.n_tau, st->spec.n_x,
           st->table_bytes / 1048576.0);
    assert_true(st->spec.v_max >= 1.0);
    sp.v_max = 1.5 * vr_stationary_var_quantile(m->t, &m->p, 0.9999);
    sp.n_v = VR_SURFACE_DEFAULT_NV;
    assert_int_equal(vr_surface_build(m->t, &m->p, &sp, &old, &err), VR_OK);
    const double e_now = crash_wings(vr_surface_kernel_view(now), "default axis");
    const double e_old = crash_wings(vr_surface_kernel_view(old), "old axis (v_max 0.636)");
    vr_surface_destroy(now);
    vr_surface_destroy(old);
    assert_true(e_now <= VOL_TOL);
    assert_true(e_old > 10 * VOL_TOL);
}

/* ---------------------------------------------------------------------------------------------
 * Clamping, spec errors, quantiles. */

static void test_clamping(void **state)
{
    (void)state;
    const vr_surface *s = surf[0];
    const vr_surface_spec *g = &vr_surface_get_stats(s)->spec;
    const double tau = 0.1, v = 0.04;
    /* v below 0 takes the boundary value; beyond v_max the top's normalised smile with the lane's
     * own normaliser (vk_surface.h): at the money, vol = r(var) S(top, 0), so the vols of two
     * variances above the top are in the ratio of their r */
    assert_true(vr_surface_vol(s, -1.0, tau, 0.3) == vr_surface_vol(s, g->v_min, tau, 0.3));
    const vk_surface *vw = vr_surface_kernel_view(s);
    const double bt = -expm1(-vw->kappa * tau) / (vw->kappa * tau);
    const double r1 = sqrt(fmax(vw->vm + (2 * g->v_max - vw->th) * bt, vw->vbar_floor));
    const double r2 = sqrt(fmax(vw->vm + (10 * g->v_max - vw->th) * bt, vw->vbar_floor));
    assert_near(vr_surface_vol(s, 10 * g->v_max, tau, 0.0) / vr_surface_vol(s, 2 * g->v_max, tau, 0.0),
                r2 / r1, 1e-12);
    assert_true(vr_surface_vol(s, 10 * g->v_max, tau, 0.3) > 1.5 * vr_surface_vol(s, g->v_max, tau, 0.3));
    /* the normaliser stops at VK_SURFACE_VN_MAX: any variance gives a finite vol */
    assert_true(vr_surface_vol(s, 1e300, tau, 0.3) == vr_surface_vol(s, VK_SURFACE_VN_MAX, tau, 0.3));
    assert_true(isfinite(vr_surface_vol(s, INFINITY, tau, 0.3)));
    /* tau outside [tau_min, tau_max] */
    assert_near(vr_surface_vol(s, v, 1e-6, 0.3), vr_surface_vol(s, v, g->tau_min, 0.3), 1e-14);
    assert_near(vr_surface_vol(s, v, 30.0, 0.3), vr_surface_vol(s, v, g->tau_max, 0.3), 1e-14);
    /* flat in k beyond either end */
    assert_near(vr_surface_vol(s, v, tau, 100.0), vr_surface_vol(s, v, tau, g->k_max), 1e-14);
    assert_near(vr_surface_vol(s, v, tau, -100.0), vr_surface_vol(s, v, tau, -g->k_max), 1e-14);
    /* NaN inputs stay inside the table */
    assert_true(isfinite(vr_surface_vol(s, NAN, NAN, NAN)));
}

static void expect_einval(const vr_surface_spec *sp, const char *needle)
{
    vr_err err;
    vr_err_clear(&err);
    vr_surface *s = NULL;
    assert_int_equal(vr_surface_build(VR_MODEL_HESTON, &cases[0].p, sp, &s, &err), VR_EINVAL);
    assert_null(s);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message '%s' does not name '%s'", err.msg, needle);
}

static void test_bad_spec(void **state)
{
    (void)state;
    expect_einval(&(vr_surface_spec){.v_min = 0.1, .v_max = 0.05}, "surface.spec.v_max must be in (v_min, 16]");
    expect_einval(&(vr_surface_spec){.v_min = -1, .v_max = 1}, "surface.spec.v_min must be in [0, 16)");
    expect_einval(&(vr_surface_spec){.tau_min = 1e-6, .tau_max = 1}, "surface.spec.tau_min must be in [1e-4, 30)");
    expect_einval(&(vr_surface_spec){.tau_min = 0.5, .tau_max = 0.1}, "surface.spec.tau_max");
    expect_einval(&(vr_surface_spec){.k_max = -1}, "surface.spec.k_max must be in (0, 20]");
    expect_einval(&(vr_surface_spec){.n_v = 1}, "surface.spec.n_v must be in [2, 4096]");
    expect_einval(&(vr_surface_spec){.n_tau = 5000}, "surface.spec.n_tau");
    expect_einval(&(vr_surface_spec){.n_x = 3}, "surface.spec.n_x must be in [4, 4096]");
    expect_einval(&(vr_surface_spec){.x_max = 0.5}, "surface.spec.x_max must be in [1, 1e4]");
    expect_einval(&(vr_surface_spec){.x_max = 8, .x_scale = 9}, "surface.spec.x_scale must be in (0, x_max]");
    expect_einval(&(vr_surface_spec){.n_v = 4096, .n_tau = 4096, .n_x = 64}, "below 2^31");
    vr_sv_params bad = cases[0].p;
    bad.kappa = -1;
    vr_err err;
    vr_err_clear(&err);
    vr_surface *s = NULL;
    assert_int_equal(vr_surface_build(VR_MODEL_HESTON, &bad, NULL, &s, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "surface.params.kappa"));
}

/* Laws the series cannot hold. The mean: svcj price jumps with a log-size deviation of 3 put the
 * mean of ln(S/F) at -lambda tau (E[e^Z] - 1 - E[Z]) - (1/2) int E[v] ~ -83 tau, far below the
 * range centred on -w/2. The build must refuse, naming the node, and the mean it quotes (from
 * the characteristic function) must be the closed form's at that node. The same set with a
 * deviation of 1 builds (a small grid: the check runs on every node of any grid). */
static void test_law_outside_range(void **state)
{
    (void)state;
    vr_sv_params p = cases[3].p;
    p.sigma_s = 3.0;
    vr_err err;
    vr_err_clear(&err);
    vr_surface *s = NULL;
    assert_int_equal(vr_surface_build(VR_MODEL_SVCJ, &p, NULL, &s, &err), VR_ENUM);
    assert_null(s);
    double v = NAN, tau = NAN, mean = NAN;
    if (sscanf(err.msg, "surface: svcj at v = %lf, tau = %lf: ln(S/F) has mean %lf", &v, &tau,
               &mean) != 3)
        fail_msg("message: %s", err.msg);
    if (strstr(err.msg, "compensator dominates the drift") == NULL)
        fail_msg("message: %s", err.msg);
    double lo = NAN, hi = NAN;
    const char *iv = strstr(err.msg, "outside [");
    if (iv == NULL || sscanf(iv, "outside [%lf, %lf]", &lo, &hi) != 2 || !(mean < lo || mean > hi))
        fail_msg("the quoted mean is not outside the quoted interval: %s", err.msg);
    const double ts = vr_theta_star(VR_MODEL_SVCJ, &p);
    const double int_v = ts * tau + (v - ts) * -expm1(-p.kappa * tau) / p.kappa;
    const double ez = exp(p.mu_s + 0.5 * p.sigma_s * p.sigma_s) / (1.0 - p.rho_j * p.mu_v);
    const double want = -0.5 * int_v - p.lambda * tau * (ez - 1.0 - (p.mu_s + p.rho_j * p.mu_v));
    /* the message quotes 4 significant digits */
    if (!(fabs(mean - want) <= 1e-3 * fabs(want)))
        fail_msg("mean %.6g at v = %g, tau = %g, closed form %.6g", mean, v, tau, want);
    assert_true(want < -5.0);

    p.sigma_s = 1.0;
    const vr_surface_spec small = {.n_v = 6, .n_tau = 6, .n_x = 33};
    vr_err_clear(&err);
    if (vr_surface_build(VR_MODEL_SVCJ, &p, &small, &s, &err) != VR_OK)
        fail_msg("sigma_s = 1: %s", err.msg);
    vr_surface_destroy(s);

    /* Rare wide jumps whose mean is in place: lambda 0.1, sigma_s 3 (a 7-day at-the-money call of
     * the table was 22.34 against the direct 14.68, spot 100) and bates lambda 0.3, sigma_j 3.
     * Parity at the money fails at theta*'s row: refused, naming it. */
    p.lambda = 0.1;
    p.sigma_s = 3.0;
    vr_err_clear(&err);
    s = NULL;
    assert_int_equal(vr_surface_build(VR_MODEL_SVCJ, &p, NULL, &s, &err), VR_ENUM);
    assert_null(s);
    if (strstr(err.msg, "put-call parity at the money misses by") == NULL)
        fail_msg("message: %s", err.msg);
    vr_sv_params pb = cases[2].p;
    pb.lambda = 0.3;
    pb.sigma_j = 3.0;
    vr_err_clear(&err);
    assert_int_equal(vr_surface_build(VR_MODEL_BATES, &pb, NULL, &s, &err), VR_ENUM);
    if (strstr(err.msg, "surface: bates at v = ") == NULL ||
        strstr(err.msg, "put-call parity at the money misses by") == NULL)
        fail_msg("message: %s", err.msg);
}

/* A variance law that collapses toward 0 (2 kappa theta / sigma^2 = 8e-8: every parameter within
 * its range) puts the stationary 99.99th percentile near 1e-294, and the default variance axis,
 * spaced to that percentile and reaching the crash states, would need about 5e293 nodes: the
 * count overflowed int (undefined behaviour, then "n_v must be in [2, 4096] (got -2.1e9)"). Both
 * the build and the check without it refuse, naming the parameters; the same law with sigma 0.5
 * passes the check. */
static void test_collapsing_law(void **state)
{
    (void)state;
    vr_sv_params p = {.kappa = 0.0001, .theta = 0.04, .sigma = 10.0, .rho = 0.5};
    const vr_model_type types[] = {VR_MODEL_HESTON, VR_MODEL_BATES};
    for (int i = 0; i < 2; i++) {
        vr_err err;
        vr_err_clear(&err);
        assert_int_equal(vr_surface_params_check(types[i], &p, &err), VR_EINVAL);
        if (strstr(err.msg, "collapses toward 0 (kappa 0.0001, theta 0.04, sigma 10") == NULL ||
            strstr(err.msg, "more than 4096 nodes") == NULL)
            fail_msg("message: %s", err.msg);
        vr_err_clear(&err);
        vr_surface *s = NULL;
        assert_int_equal(vr_surface_build(types[i], &p, NULL, &s, &err), VR_EINVAL);
        assert_null(s);
        if (strstr(err.msg, "collapses toward 0") == NULL)
            fail_msg("message: %s", err.msg);
    }
    p.sigma = 0.5;
    vr_err err;
    vr_err_clear(&err);
    assert_int_equal(vr_surface_params_check(VR_MODEL_HESTON, &p, &err), VR_OK);
    for (size_t c = 0; c < NCASES; c++)
        assert_int_equal(vr_surface_params_check(cases[c].t, &cases[c].p, &err), VR_OK);
}

static void test_stationary_quantile(void **state)
{
    (void)state;
    /* shape 2 kappa theta / sigma^2 = 1: exponential with mean theta */
    const vr_sv_params p = {.kappa = 2.0, .theta = 0.04, .sigma = 0.4, .rho = -0.5};
    const double probs[] = {0.01, 0.5, 0.999};
    for (int i = 0; i < 3; i++)
        assert_near(vr_stationary_var_quantile(VR_MODEL_HESTON, &p, probs[i]),
                            -0.04 * log1p(-probs[i]), 1e-12);
    assert_true(isnan(vr_stationary_var_quantile(VR_MODEL_HESTON, &p, 1.0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stationary_quantile),
        cmocka_unit_test(test_bad_spec),
        cmocka_unit_test(test_law_outside_range),
        cmocka_unit_test(test_collapsing_law),
        cmocka_unit_test(test_clamping),
        cmocka_unit_test(test_ref_matches_scalar_api),
        VR_SIMD_TESTS(test_kernel_vs_ref),
        VR_SIMD_TESTS(test_kernel_chunks),
        cmocka_unit_test(test_kernel_speed),
        cmocka_unit_test(test_accuracy_heston),
        cmocka_unit_test(test_accuracy_heston_feller),
        cmocka_unit_test(test_accuracy_bates),
        cmocka_unit_test(test_accuracy_svcj),
        VR_SIMD_TESTS(test_kernel_sf_vs_ref),
        VR_SIMD_TESTS(test_kernel_sf_chunks),
        cmocka_unit_test(test_sf_vs_double),
        cmocka_unit_test(test_accuracy_sf_heston),
        cmocka_unit_test(test_accuracy_sf_heston_feller),
        cmocka_unit_test(test_accuracy_sf_bates),
        cmocka_unit_test(test_accuracy_sf_svcj),
        cmocka_unit_test(test_accuracy_detects_perturbation),
        cmocka_unit_test(test_above_grid),
        cmocka_unit_test(test_crash_wings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
