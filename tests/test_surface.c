/* test_surface.c: the implied-volatility surface (vr_surface.h) and its lookup kernels
 * (vk_surface.h).
 *
 * Kernels: every SIMD variant against the scalar reference on random inputs spread over and
 * beyond the grid (a few ulp; the only difference is SLEEF's vector vs scalar log of tau, so a
 * lane whose ln tau lands within an ulp of a cell boundary may take the other cell of a C1
 * interpolant: an absolute 1e-12 is allowed too), the reference against vr_surface_vol, and the
 * lookup cost in ns per lane on one core for each ISA.
 *
 * Accuracy: at random off-grid points (v from the 1st to the 99.9th percentile of the stationary
 * variance -- half drawn uniformly in sqrt(v), half from the stationary law itself --, tau
 * log-uniform in [1/365, 1], k uniform in [-3, 3]) the surface vol is compared with
 * vr_bs_implied_vol(vr_analytic_european(...)) of the OTM option. A point passes if the vol error
 * is <= 5e-4, OR the Black price of the surface vol is within 5e-4 * vega of the direct price
 * (the price error equivalent to 0.05 vol points: where vega is tiny the implied vol is
 * ill-conditioned and the direct pricer's own absolute tolerance, 1e-10 S, moves it by more),
 * OR the direct price is below 1e-9 S (both pricers at their noise floor) and the price error is
 * <= 2e-9 S. Max errors of each kind and where they occur are printed; failing points are listed
 * and their number is asserted zero (see accuracy_case).
 *
 * Also: clamping outside the grid (v, tau to the boundary, flat in k), bad specs (VR_EINVAL
 * naming the field and its range), the stationary quantile against the exponential case. */
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
        /* 10% of lanes beyond the grid on some axis */
        l->v[i] = (1.1 * urand() - 0.05) * st->spec.v_max;
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
 * Accuracy against the direct pricer. */

/* Black vega dPrice/dsigma (per unit vol). */
static double bs_vega(double S, double K, double r, double q, double sigma, double tau)
{
    const double st = sigma * sqrt(tau);
    const double d1 = (log(S / K) + (r - q + 0.5 * sigma * sigma) * tau) / st;
    return S * exp(-q * tau) * exp(-0.5 * d1 * d1) / sqrt(2.0 * M_PI) * sqrt(tau);
}

typedef struct worst {
    double e, v, tau, k;
} worst;

static void worst_put(worst *w, double e, double v, double tau, double k)
{
    if (e > w->e)
        *w = (worst){e, v, tau, k};
}

/* A point passes if any of
 *   (a) |sigma_surface - sigma_direct| <= VOL_TOL,
 *   (b) |P(sigma_surface) - P_direct| <= VOL_TOL * vega: the price error equivalent to VOL_TOL
 *       vol points (vega at the direct implied vol, or at the surface vol where the direct price
 *       has none): where vega is tiny the implied vol is ill-conditioned, a price error the
 *       direct pricer's own tolerance (1e-10 S absolute) already moves it by more than VOL_TOL;
 *   (c) P_direct < FLOOR_PRICE S and |P(sigma_surface) - P_direct| <= FLOOR_TOL S: both pricers
 *       at their noise floor.
 * Printed per model: the max vol error over points with a direct implied vol, the max price
 * error over vega of points not passing (a), the max floor price error of points passing
 * neither (a) nor (b), and the number of failing points (asserted zero). */
#define FLOOR_PRICE 1e-9 /* times S */
#define FLOOR_TOL 2e-9   /* times S */

static void accuracy_case(size_t c, int npts)
{
    const model_case *m = &cases[c];
    const double q01 = vr_stationary_var_quantile(m->t, &m->p, 0.01);
    const double q999 = vr_stationary_var_quantile(m->t, &m->p, 0.999);
    const double S = 100.0, r = 0.02, q = 0.01;
    worst w_vol = {0}, w_pv = {0}, w_fl = {0}, w_fail = {0}, w_crit = {0};
    int n_pts = 0, n_vol = 0, n_pv = 0, n_fl = 0, n_fail = 0;
    for (int i = 0; i < npts; i++) {
        double v;
        if (i % 2 == 0) {
            const double a = sqrt(q01), b = sqrt(q999), x = a + (b - a) * urand();
            v = x * x;
        } else {
            v = vr_stationary_var_quantile(m->t, &m->p, 0.01 + 0.989 * urand());
        }
        const double tau = exp(log(1.0 / 365.0) * (1.0 - urand()));
        const double k = 6.0 * urand() - 3.0;
        const double F = S * exp((r - q) * tau), K = F * exp(k * sqrt(tau));
        const int call = k > 0;
        double pr;
        vr_err err;
        vr_err_clear(&err);
        if (vr_analytic_european(m->t, &m->p, S, r, q, v, K, tau, call, &pr, &err) != VR_OK) {
            printf("[surface] %s: direct pricer failed, point skipped: %s\n", m->name, err.msg);
            continue;
        }
        n_pts++;
        const double sg = vr_surface_vol(surf[c], v, tau, k);
        const double sd = vr_bs_implied_vol(pr, S, K, r, q, tau, call);
        const double e_vol = isfinite(sd) ? fabs(sg - sd) : INFINITY;
        const double e_pr = fabs(vr_bs_price(S, K, r, q, sg, tau, call) - pr);
        const double vega = bs_vega(S, K, r, q, isfinite(sd) && sd > 0 ? sd : sg, tau);
        const double e_pv = vega > 0 ? e_pr / vega : INFINITY;
        if (isfinite(e_vol)) {
            n_vol++;
            worst_put(&w_vol, e_vol, v, tau, k);
        }
        if (!(pr < FLOOR_PRICE * S && e_pr <= FLOOR_TOL * S))
            worst_put(&w_crit, fmin(e_vol, e_pv), v, tau, k);
        if (e_vol <= VOL_TOL)
            continue;
        n_pv++;
        worst_put(&w_pv, e_pv, v, tau, k);
        if (e_pv <= VOL_TOL)
            continue;
        if (pr < FLOOR_PRICE * S) {
            n_fl++;
            worst_put(&w_fl, e_pr / S, v, tau, k);
            if (e_pr <= FLOOR_TOL * S)
                continue;
        }
        n_fail++;
        worst_put(&w_fail, fmin(e_vol, e_pv), v, tau, k);
        printf("[surface] %s FAIL v %.3g tau %.4g k %.3f: vol %.6g direct %.6g price/S %.3e "
               "direct/S %.3e vega/S %.3e\n",
               m->name, v, tau, k, sg, sd, vr_bs_price(S, K, r, q, sg, tau, call) / S, pr / S,
               vega / S);
    }
    printf("[surface] %-24s %d points; vol: %d with a direct vol, max |err| %.2e at v %.3g tau "
           "%.4g k %.3f\n",
           m->name, n_pts, n_vol, w_vol.e, w_vol.v, w_vol.tau, w_vol.k);
    printf("[surface] %-24s price/vega (points over VOL_TOL): %d, max %.2e at v %.3g tau %.4g "
           "k %.3f\n",
           m->name, n_pv, w_pv.e, w_pv.v, w_pv.tau, w_pv.k);
    printf("[surface] %-24s floor (direct < 1e-9 S, neither above): %d, max |err|/S %.2e at v "
           "%.3g tau %.4g k %.3f; failing %d\n",
           m->name, n_fl, w_fl.e, w_fl.v, w_fl.tau, w_fl.k, n_fail);
    printf("[surface] %-24s criterion: max min(|vol err|, |price err|/vega) outside the floor "
           "%.2e at v %.3g tau %.4g k %.3f\n",
           m->name, w_crit.e, w_crit.v, w_crit.tau, w_crit.k);
    assert_int_equal(n_fail, 0);
    assert_true(n_pts > npts / 2);
}

#define NPTS 300
static void test_accuracy_heston(void **state) { (void)state; accuracy_case(0, NPTS); }
static void test_accuracy_heston_feller(void **state) { (void)state; accuracy_case(1, NPTS); }
static void test_accuracy_bates(void **state) { (void)state; accuracy_case(2, NPTS); }
static void test_accuracy_svcj(void **state) { (void)state; accuracy_case(3, NPTS); }

/* ---------------------------------------------------------------------------------------------
 * Clamping, spec errors, quantiles. */

static void test_clamping(void **state)
{
    (void)state;
    const vr_surface *s = surf[0];
    const vr_surface_spec *g = &vr_surface_get_stats(s)->spec;
    const double tau = 0.1, v = 0.04;
    /* v below 0 and beyond v_max take the boundary values */
    assert_true(vr_surface_vol(s, -1.0, tau, 0.3) == vr_surface_vol(s, g->v_min, tau, 0.3));
    assert_true(vr_surface_vol(s, 10 * g->v_max, tau, 0.3) == vr_surface_vol(s, g->v_max, tau, 0.3));
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
        cmocka_unit_test(test_clamping),
        cmocka_unit_test(test_ref_matches_scalar_api),
        VR_SIMD_TESTS(test_kernel_vs_ref),
        cmocka_unit_test(test_kernel_speed),
        cmocka_unit_test(test_accuracy_heston),
        cmocka_unit_test(test_accuracy_heston_feller),
        cmocka_unit_test(test_accuracy_bates),
        cmocka_unit_test(test_accuracy_svcj),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
