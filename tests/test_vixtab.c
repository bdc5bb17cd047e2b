/* test_vixtab.c: the SIMD lookup of the VIX option table (vk_vixtab.h) against the table's own
 * scalar lookup (vr_vix_table_call) and the reference twin.
 *
 * For a Heston and an SVCJ table built with vr_vix_table_build, 4096 random lanes (v, tau, K)
 * spread over and beyond the grid (v from slightly negative to 1.5 v_max, tau from slightly
 * negative to 1.4 tau_max, K/F from 0.2 to 5 plus a few K <= 0 and exact node values):
 *   - the reference kernel against vr_vix_table_call (it repeats its arithmetic: bit-identical
 *     expected, <= 4 ulp or 1e-13 absolute asserted);
 *   - every vector variant the CPU runs against the reference: bit for bit (the kernels take the
 *     C library's log per lane and repeat the reference's operations in its order; the bound
 *     <= 4 ulp or 1e-13 absolute is checked first for a readable failure); a variant the CPU
 *     lacks is skipped.
 * The maximum differences found are printed, and the lookup cost in ns per lane on one core
 * (4096 lanes, the median of several repetitions) for the engine loop and each ISA. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_vix.h"
#include "vixrisk/vk.h"
#include "vixrisk/vk_vixtab.h"
#include "vr_test_util.h"

#define NL 4096
#define ULPS 4
#define ABS_TOL 1e-13

static const vr_vix_table_spec spec = {
    .v_max = 1.0, .tau_min = 1.0 / 365, .tau_max = 0.5, .m_min = 0.5, .m_max = 3.0, .rate = 0.03};

typedef struct model_case {
    const char *name;
    vr_model_type t;
    vr_sv_params p;
} model_case;

static const model_case cases[] = {
    {"heston", VR_MODEL_HESTON, {.kappa = 3.0, .theta = 0.04, .sigma = 0.8, .rho = -0.7}},
    {"svcj", VR_MODEL_SVCJ,
     {.kappa = 3.0, .theta = 0.03, .sigma = 0.6, .rho = -0.6, .lambda = 2.0, .mu_v = 0.05,
      .mu_s = -0.05, .sigma_s = 0.1, .rho_j = -0.5}},
};
#define NCASES (sizeof cases / sizeof cases[0])

static vr_vix_table *tabs[NCASES];

typedef struct lanes {
    double *v, *tau, *k, *ref, *out;
} lanes;
static lanes L[NCASES];

/* xorshift64*: the test's own fixed-seed uniform generator */
static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static double urand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}

static void lanes_fill(lanes *l, const vr_vix_table *tab)
{
    l->v = vr_aligned_alloc(NL * sizeof(double));
    l->tau = vr_aligned_alloc(NL * sizeof(double));
    l->k = vr_aligned_alloc(NL * sizeof(double));
    l->ref = vr_aligned_alloc(NL * sizeof(double));
    l->out = vr_aligned_alloc(NL * sizeof(double));
    assert_true(l->v && l->tau && l->k && l->ref && l->out);
    for (size_t i = 0; i < NL; i++) {
        /* v: mostly uniform in sqrt(v) over the grid, some beyond v_max, a few below 0 */
        const double u = urand();
        double v = spec.v_max * 1.5 * u * u;
        if (i % 61 == 0)
            v = -0.01 * urand();
        double tau = spec.tau_min * 0.5 + (spec.tau_max * 1.4) * urand();
        if (i % 67 == 0)
            tau = -0.01 * urand();
        const double fut = vr_vix_table_future(tab, v, tau);
        double k = fut * exp(log(0.2) + log(25.0) * urand());
        if (i % 97 == 0)
            k = i % 2 ? 0.0 : -1.0;
        if (i % 101 == 0) { /* exactly on the grid's corners */
            v = 0.0;
            tau = spec.tau_min;
            k = fut;
        }
        l->v[i] = v;
        l->tau[i] = tau;
        l->k[i] = k;
    }
}

static int setup(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        vr_err err = {0};
        if (vr_vix_table_build(cases[c].t, &cases[c].p, &spec, &tabs[c], &err) != VR_OK) {
            fprintf(stderr, "vix table %s: %s\n", cases[c].name, err.msg);
            return -1;
        }
        lanes_fill(&L[c], tabs[c]);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        vr_vix_table_destroy(tabs[c]);
        vr_free(L[c].v);
        vr_free(L[c].tau);
        vr_free(L[c].k);
        vr_free(L[c].ref);
        vr_free(L[c].out);
    }
    return 0;
}

static void max_diff(const double *ref, const double *got, size_t n, uint64_t *ulp, double *abs)
{
    *ulp = 0;
    *abs = 0.0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t d = vr_ulp_diff(ref[i], got[i]);
        const double a = fabs(ref[i] - got[i]);
        *ulp = d > *ulp ? d : *ulp;
        *abs = a > *abs ? a : *abs;
    }
}

/* The reference twin against the engine's scalar lookup. */
/* The moneyness map's inverse (the builders' node strikes): over the range the builders use (ln
 * 0.5 to ln 3), at most 7 Newton steps and the map of the result within 4 ulp of its argument.
 * Its first stopping rule ("the step no longer changes l") never held for a fifth of the
 * arguments, whose iterates swap between two neighbouring doubles, and ran 200 steps. */
static void test_mmap_inverse(void **state)
{
    (void)state;
    const double b = VK_VIX_MMAP_B, ic = VK_VIX_MMAP_IC;
    const double u0 = vk_vix_mmap(b, ic, log(0.5)), u1 = vk_vix_mmap(b, ic, log(3.0));
    int worst_steps = 0;
    double worst_ulp = 0;
    for (int i = 0; i <= 200000; i++) {
        const double u = u0 + (u1 - u0) * i / 200000.0;
        int k;
        const double l = vk_vix_mmap_inv_n(b, ic, u, &k);
        worst_steps = k > worst_steps ? k : worst_steps;
        if (u != 0) {
            const double r = fabs(vk_vix_mmap(b, ic, l) - u) / (DBL_EPSILON * fabs(u));
            worst_ulp = r > worst_ulp ? r : worst_ulp;
        } else {
            assert_true(l == 0);
        }
    }
    int k;
    assert_true(isnan(vk_vix_mmap_inv_n(b, ic, NAN, &k)) && k == 1);
    print_message("moneyness map inverse: at most %d steps, residual %.2f ulp\n", worst_steps, worst_ulp);
    assert_true(worst_steps <= 7);
    assert_true(worst_ulp <= 4.0);
}

static void test_ref_vs_engine(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCASES; c++) {
        const lanes *l = &L[c];
        const vk_vixtab *t = vr_vix_table_kernel_view(tabs[c]);
        assert_non_null(t);
        assert_null(vr_vix_table_kernel_view(NULL));
        for (size_t i = 0; i < NL; i++)
            l->out[i] = vr_vix_table_call(tabs[c], l->v[i], l->tau[i], l->k[i]);
        vk_vix_call_d_ref(t, l->v, l->tau, l->k, l->ref, NL);
        size_t nonzero = 0;
        for (size_t i = 0; i < NL; i++) {
            assert_true(isfinite(l->ref[i]) && l->ref[i] >= 0.0);
            nonzero += l->ref[i] > 0.0;
        }
        assert_true(nonzero > NL / 4); /* the lanes do exercise the priced region */
        uint64_t ulp;
        double abs;
        max_diff(l->out, l->ref, NL, &ulp, &abs);
        printf("[vixtab] %-6s ref vs vr_vix_table_call: max %llu ulp, max abs %.3g\n",
               cases[c].name, (unsigned long long)ulp, abs);
        assert_close_abs(l->out, l->ref, NL, ULPS, ABS_TOL);
        /* the batch entry point is the same loop */
        vr_vix_table_call_n(tabs[c], l->v, l->tau, l->k, l->out, NL);
        assert_close_abs(l->out, l->ref, NL, ULPS, ABS_TOL);
    }
}

/* Every vector variant of the dispatch table against the reference (the test's state names the
 * ISA; a CPU without it skips the test). */
static void test_isa_vs_ref(void **state)
{
    const vk_table *kt = need_isa(*state);
    for (size_t c = 0; c < NCASES; c++) {
        const lanes *l = &L[c];
        const vk_vixtab *t = vr_vix_table_kernel_view(tabs[c]);
        vk_vix_call_d_ref(t, l->v, l->tau, l->k, l->ref, NL);
        kt->vix_call(t, l->v, l->tau, l->k, l->out, NL);
        uint64_t ulp;
        double abs;
        max_diff(l->ref, l->out, NL, &ulp, &abs);
        printf("[vixtab] %-6s %-6s vs ref: max %llu ulp, max abs %.3g\n", cases[c].name, kt->isa,
               (unsigned long long)ulp, abs);
        assert_close_abs(l->ref, l->out, NL, ULPS, ABS_TOL);
        /* the same operations in the same order on the same values (only the loads differ):
         * the engine's marks rely on every variant giving the reference's bits */
        assert_memory_equal(l->ref, l->out, NL * sizeof(double));
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The engine's batch loop, wrapped to the kernel signature for timing. */
static const vr_vix_table *engine_tab;
static void engine_call_n(const vk_vixtab *t, const double *restrict var,
                          const double *restrict tau, const double *restrict strike,
                          double *restrict price, size_t n)
{
    (void)t;
    vr_vix_table_call_n(engine_tab, var, tau, strike, price, n);
}

#define REPS 15
static void test_timing(void **state)
{
    (void)state;
    const struct {
        const char *isa, *label;
        vk_vix_call_fn fn;
    } v[] = {{"scalar", "engine", engine_call_n},
             {"scalar", "ref", vk_vix_call_d_ref},
             {"avx2", "avx2", NULL},
             {"avx512", "avx512", NULL}};
    for (size_t c = 0; c < NCASES; c++) {
        const lanes *l = &L[c];
        const vk_vixtab *t = vr_vix_table_kernel_view(tabs[c]);
        engine_tab = tabs[c];
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            const vk_table *kt = vk_select(v[j].isa);
            if (kt == NULL)
                continue; /* timing only: the accuracy tests report the skip */
            const vk_vix_call_fn fn = v[j].fn ? v[j].fn : kt->vix_call;
            const int inner = 20;
            double ns[REPS];
            fn(t, l->v, l->tau, l->k, l->out, NL); /* warm the table into cache */
            for (int r = 0; r < REPS; r++) {
                const double t0 = now();
                for (int k = 0; k < inner; k++)
                    fn(t, l->v, l->tau, l->k, l->out, NL);
                ns[r] = (now() - t0) * 1e9 / ((double)inner * NL);
            }
            qsort(ns, REPS, sizeof ns[0], cmp_double);
            printf("[vixtab] lookup %-6s %-6s %.2f ns per lane (1 core, %d lanes, median of %d)\n",
                   cases[c].name, v[j].label, ns[REPS / 2], NL, REPS);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmap_inverse),
        cmocka_unit_test(test_ref_vs_engine),
        VR_SIMD_TESTS(test_isa_vs_ref),
        cmocka_unit_test(test_timing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
