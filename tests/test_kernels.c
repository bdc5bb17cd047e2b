/* test_kernels.c: every SIMD model kernel against its scalar reference twin on random inputs,
 * and the whole generator (RNG + steps) against the reference over many steps.
 *
 * Documented tolerance (docs/numerics.md): one kernel call agrees with the reference to 4 ulp
 * (1e-15 absolute near zero); whole paths, where last-bit differences of SLEEF's vector and
 * scalar log feed back through 252 steps, agree to a relative 1e-9 in S_T and to 1e-9 max(v_T, theta)
 * in v_T for QE; 1e-6 for full-truncation Euler, whose sqrt(max(v, 0)) amplifies differences when
 * v passes through 0. */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include <fcntl.h>
#include <link.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_kernels.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vk.h"
#include "vr_test_util.h"

#define N 2048

typedef struct fx {
    uint64_t *st0, *inc, *st_a, *st_b;
    double *zv, *uv, *zs, *uc;
    double *ls_a, *v_a, *ls_b, *v_b, *v0;
} fx;

static double *dalloc(void) { return vr_aligned_alloc(N * sizeof(double)); }

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->st0 = vr_aligned_alloc(N * 8); f->inc = vr_aligned_alloc(N * 8);
    f->st_a = vr_aligned_alloc(N * 8); f->st_b = vr_aligned_alloc(N * 8);
    f->zv = dalloc(); f->uv = dalloc(); f->zs = dalloc(); f->uc = dalloc();
    f->ls_a = dalloc(); f->v_a = dalloc(); f->ls_b = dalloc(); f->v_b = dalloc(); f->v0 = dalloc();
    vk_pcg32 r;
    vk_pcg32_seed(&r, 2024, 7);
    for (size_t i = 0; i < N; i++) {
        vk_pcg32 s;
        vk_pcg32_stream(&s, 5, 1, i);
        f->st0[i] = s.state;
        f->inc[i] = s.inc;
        /* variances spanning both QE branches: from 0 to 1, with a cluster near 0 */
        const double u = vk_u01_from_u32(vk_pcg32_next(&r), vk_pcg32_next(&r));
        f->v0[i] = (i % 4 == 0) ? 1e-4 * u : u * u;
    }
    vk_table_ref.normal2(f->st0, f->inc, f->zv, f->zs, N);
    vk_table_ref.uniform(f->st0, f->inc, f->uv, N);
    vk_table_ref.uniform(f->st0, f->inc, f->uc, N);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    vr_free(f->st0); vr_free(f->inc); vr_free(f->st_a); vr_free(f->st_b);
    vr_free(f->zv); vr_free(f->uv); vr_free(f->zs); vr_free(f->uc);
    vr_free(f->ls_a); vr_free(f->v_a); vr_free(f->ls_b); vr_free(f->v_b); vr_free(f->v0);
    free(f);
    return 0;
}

static void reset(fx *f)
{
    for (size_t i = 0; i < N; i++) {
        f->ls_a[i] = f->ls_b[i] = log(100.0);
        f->v_a[i] = f->v_b[i] = f->v0[i];
    }
    memcpy(f->st_a, f->st0, N * 8);
    memcpy(f->st_b, f->st0, N * 8);
}

static const vr_sv_params sets[] = {
    {.kappa = 2.0, .theta = 0.04, .sigma = 0.5, .rho = -0.7},
    {.kappa = 0.5, .theta = 0.09, .sigma = 1.5, .rho = -0.9},  /* Feller strongly violated */
    {.kappa = 5.0, .theta = 0.02, .sigma = 0.1, .rho = 0.3},   /* Feller satisfied, rho > 0 */
};
static const double dts[] = {1.0 / 252, 1.0 / 12, 1.0};

static void check_steps(fx *f, const vk_table *t)
{
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
            vk_heston_coef c;
            vr_heston_coef_make(VR_MODEL_HESTON, &sets[s], 0.03, 0.01, dts[d], &c);
            reset(f);
            vk_table_ref.heston_qe(&c, f->zv, f->uv, f->zs, f->ls_a, f->v_a, N);
            t->heston_qe(&c, f->zv, f->uv, f->zs, f->ls_b, f->v_b, N);
            assert_close_abs(f->v_a, f->v_b, N, 4, 1e-15);
            assert_close_abs(f->ls_a, f->ls_b, N, 4, 1e-15);
            /* the fast variant (SLEEF's 3.5-ulp log): within 8 ulp (docs/numerics.md) */
            reset(f);
            vk_table_ref.heston_qe(&c, f->zv, f->uv, f->zs, f->ls_a, f->v_a, N);
            t->heston_qe_fast(&c, f->zv, f->uv, f->zs, f->ls_b, f->v_b, N);
            assert_close_abs(f->v_a, f->v_b, N, 8, 1e-15);
            assert_close_abs(f->ls_a, f->ls_b, N, 8, 1e-15);
            reset(f);
            vk_table_ref.heston_euler(&c, f->zs, f->zv, f->ls_a, f->v_a, N);
            t->heston_euler(&c, f->zs, f->zv, f->ls_b, f->v_b, N);
            assert_close_ulps(f->v_a, f->v_b, N, 0);   /* no transcendental functions: exact */
            assert_close_ulps(f->ls_a, f->ls_b, N, 0);
        }
    }
    /* VIX from state: exact (one sqrt) */
    t->vix(0.012, 0.85, f->v0, f->v_b, N);
    vk_table_ref.vix(0.012, 0.85, f->v0, f->v_a, N);
    assert_close_ulps(f->v_a, f->v_b, N, 0);
}

static void check_jumps(fx *f, const vk_table *t)
{
    const vr_sv_params bates = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7,
                                .lambda = 40.0, .mu_j = -0.05, .sigma_j = 0.1};
    const vr_sv_params svcj = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7,
                               .lambda = 40.0, .mu_v = 0.05, .mu_s = -0.04, .sigma_s = 0.05, .rho_j = -0.5};
    const vr_sv_params *ps[2] = {&bates, &svcj};
    for (int m = 0; m < 2; m++) {
        vk_jump_coef jc;
        /* lambda dt = 40/12: many lanes with 2+ jumps exercise the Gamma path */
        assert_int_equal(vr_jump_coef_make(m ? VR_MODEL_SVCJ : VR_MODEL_BATES, ps[m], 1.0 / 12, &jc), 1);
        reset(f);
        vk_table_ref.jump(&jc, f->st_a, f->inc, f->uc, f->ls_a, f->v_a, N);
        t->jump(&jc, f->st_b, f->inc, f->uc, f->ls_b, f->v_b, N);
        assert_close_ulps(f->ls_a, f->ls_b, N, 0); /* the per-lane part is shared: exact */
        assert_close_ulps(f->v_a, f->v_b, N, 0);
        assert_memory_equal(f->st_a, f->st_b, N * 8);
    }
}

/* heston_qe_draw (and _fast) against normal2, uniform and heston_qe (and their _fast) of the same
 * table called in turn, over three steps of every parameter set and step length (dt = 1 puts
 * many lanes in the exponential branch): the same bits, and the streams advanced alike. */
static void check_qe_draw(fx *f, const vk_table *t)
{
    double *zv = dalloc(), *zs = dalloc(), *uv = dalloc();
    /* simulation.fast_log's table takes the fast variant */
    assert_ptr_equal(vk_fast_log(t)->heston_qe_draw, t->heston_qe_draw_fast);
    for (int fast = 0; fast < 2; fast++) {
        const vk_normal2_fn normal2 = fast ? t->normal2_fast : t->normal2;
        const vk_heston_qe_fn qe = fast ? t->heston_qe_fast : t->heston_qe;
        const vk_heston_qe_draw_fn draw = fast ? t->heston_qe_draw_fast : t->heston_qe_draw;
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
            for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
                vk_heston_coef c;
                vr_heston_coef_make(VR_MODEL_HESTON, &sets[s], 0.03, 0.01, dts[d], &c);
                reset(f);
                for (int step = 0; step < 3; step++) {
                    normal2(f->st_a, f->inc, zv, zs, N);
                    t->uniform(f->st_a, f->inc, uv, N);
                    qe(&c, zv, uv, zs, f->ls_a, f->v_a, N);
                    draw(&c, f->st_b, f->inc, f->ls_b, f->v_b, N);
                }
                assert_memory_equal(f->ls_a, f->ls_b, N * sizeof(double));
                assert_memory_equal(f->v_a, f->v_b, N * sizeof(double));
                assert_memory_equal(f->st_a, f->st_b, N * 8);
            }
        }
    }
    vr_free(zv);
    vr_free(zs);
    vr_free(uv);
}

static void test_qe_draw_ref(void **state)
{
    (void)state;
    void *f = NULL;
    assert_int_equal(setup(&f), 0);
    check_qe_draw(f, &vk_table_ref);
    teardown(&f);
}

/* Each vector ISA of the dispatch table (the test's state names it) against the reference: one
 * call of each step kernel, then of each jump kernel, on the fixture's inputs; the fused QE step
 * against its three kernels. */
static void test_steps_vs_ref(void **state)
{
    const vk_table *t = need_isa(*state);
    void *f = NULL;
    assert_int_equal(setup(&f), 0);
    check_steps(f, t);
    check_jumps(f, t);
    check_qe_draw(f, t);
    teardown(&f);
}

/* Whole generator: 4096 paths x 252 steps per ISA against the scalar reference. */
static void check_paths(const vk_table *t, vr_model_type type, vr_scheme scheme)
{
    const size_t P = 4096;
    vr_sim_spec s = {
        .type = type, .params = {.kappa = 1.5, .theta = 0.05, .sigma = 0.9, .rho = -0.8,
                                 .lambda = 2.0, .mu_j = -0.06, .sigma_j = 0.1, .mu_v = 0.06,
                                 .mu_s = -0.05, .sigma_s = 0.06, .rho_j = -0.4},
        .spot = 100, .rate = 0.02, .dividend = 0.0, .v0 = 0.03, .horizon = 1.0, .steps = 252,
        .paths = P, .seed = 42, .scheme = scheme, .block = 512, .threads = 1, .kt = &vk_table_ref,
    };
    double *la = malloc(P * 8), *va = malloc(P * 8), *lb = malloc(P * 8), *vb = malloc(P * 8);
    double *lc = malloc(P * 8), *vc = malloc(P * 8);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_sim_terminal(&s, la, va, &err), VR_OK);
    s.kt = t;
    assert_int_equal(vr_sim_terminal(&s, lb, vb, &err), VR_OK);
    /* simulation.fast_log: the path kernels with SLEEF's 3.5-ulp log, same tolerance */
    s.fast_log = 1;
    assert_int_equal(vr_sim_terminal(&s, lc, vc, &err), VR_OK);
    double worst = 0, worst_fast = 0;
    for (size_t i = 0; i < P; i++) {
        const double ds = fabs(exp(la[i]) - exp(lb[i])) / exp(la[i]);
        const double dv = fabs(va[i] - vb[i]) / fmax(fabs(va[i]), s.params.theta);
        worst = fmax(worst, fmax(ds, dv));
        const double fs = fabs(exp(la[i]) - exp(lc[i])) / exp(la[i]);
        const double fv = fabs(va[i] - vc[i]) / fmax(fabs(va[i]), s.params.theta);
        worst_fast = fmax(worst_fast, fmax(fs, fv));
    }
    printf("%s %s %s: max relative difference to scalar over %zu paths x 252 steps: %.2e "
           "(fast_log %.2e)\n", t->isa, vr_model_type_name(type),
           scheme == VR_SCHEME_QE ? "qe" : "euler", P, worst, worst_fast);
    /* Euler takes sqrt(max(v, 0)) of a variance that passes through 0, where sqrt's infinite
     * slope turns last-bit differences into ~1e-8: its documented tolerance is 1e-6. */
    assert_true(worst < (scheme == VR_SCHEME_EULER ? 1e-6 : 1e-9));
    assert_true(worst_fast < (scheme == VR_SCHEME_EULER ? 1e-6 : 1e-9));
    /* on a vector ISA the option reaches the kernels: some path differs from the same ISA's
     * default (lb, not the scalar la, from which the default differs already) */
    if (t->lanes > 1)
        assert_true(memcmp(lb, lc, P * 8) != 0 || memcmp(vb, vc, P * 8) != 0);
    free(la); free(va); free(lb); free(vb); free(lc); free(vc);
}

static void test_paths_vs_ref(void **state)
{
    const vk_table *t = need_isa(*state);
    check_paths(t, VR_MODEL_HESTON, VR_SCHEME_QE);
    check_paths(t, VR_MODEL_HESTON, VR_SCHEME_EULER);
    check_paths(t, VR_MODEL_BATES, VR_SCHEME_QE);
    check_paths(t, VR_MODEL_SVCJ, VR_SCHEME_QE);
}

/* Bit-identical results for any thread count and block size. */
static void test_thread_determinism(void **state)
{
    (void)state;
    const size_t P = 20000; /* not a multiple of the block: exercises the padded tail */
    vr_sim_spec s = {
        .type = VR_MODEL_SVCJ, .params = {.kappa = 3, .theta = 0.03, .sigma = 0.6, .rho = -0.7,
                                          .lambda = 3, .mu_v = 0.05, .mu_s = -0.03, .sigma_s = 0.04,
                                          .rho_j = -0.3},
        .spot = 4500, .rate = 0.04, .dividend = 0.013, .v0 = 0.03, .horizon = 0.25, .steps = 63,
        .paths = P, .seed = 99, .scheme = VR_SCHEME_QE, .block = 1024, .threads = 1,
    };
    double *l1 = malloc(P * 8), *v1 = malloc(P * 8), *l2 = malloc(P * 8), *v2 = malloc(P * 8);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_sim_terminal(&s, l1, v1, &err), VR_OK);
    s.threads = 2;
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_OK);
    assert_memory_equal(l1, l2, P * 8);
    assert_memory_equal(v1, v2, P * 8);
    s.block = 256; /* a different block size: still the same numbers */
    s.threads = 3;
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_OK);
    assert_memory_equal(l1, l2, P * 8);
    assert_memory_equal(v1, v2, P * 8);
    /* threads taking runs of consecutive blocks (vr_sim_spec.group): 79 blocks of 256 on 2
     * threads go in runs of 2 (vr_sim_run keeps at least 16 turns per thread), 1,250 blocks of
     * 16 in runs of 8 */
    s.group = 8;
    s.threads = 2;
    memset(l2, 0xff, P * 8); /* NaNs: a block left out shows */
    memset(v2, 0xff, P * 8);
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_OK);
    assert_memory_equal(l1, l2, P * 8);
    assert_memory_equal(v1, v2, P * 8);
    s.block = 16;
    memset(l2, 0xff, P * 8);
    memset(v2, 0xff, P * 8);
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_OK);
    assert_memory_equal(l1, l2, P * 8);
    assert_memory_equal(v1, v2, P * 8);
    s.group = 0;
    /* and with simulation.fast_log */
    s.fast_log = 1;
    s.threads = 1;
    assert_int_equal(vr_sim_terminal(&s, l1, v1, &err), VR_OK);
    s.threads = 2;
    s.block = 1024;
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_OK);
    assert_memory_equal(l1, l2, P * 8);
    assert_memory_equal(v1, v2, P * 8);
    /* a table that vk_select did not make has no fast twin: an error, not the default kernels */
    vk_table own = *vk_select(NULL);
    assert_null(vk_fast_log(&own));
    s.kt = &own;
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_EINVAL);
    free(l1); free(v1); free(l2); free(v2);
}

/* Jump counts and sizes: over 2^20 lane-steps with lambda dt = 0.5, the count's mean and
 * variance equal 0.5 within 5 SE, and Bates log-jump sums have the mean N mu and variance
 * N sigma^2 conditional on the count (checked through the total over all steps). */
static void test_jump_statistics(void **state)
{
    (void)state;
    const vr_sv_params p = {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7, .lambda = 6.0,
                            .mu_j = -0.05, .sigma_j = 0.1, .mu_v = 0.05, .mu_s = -0.04,
                            .sigma_s = 0.05, .rho_j = -0.5};
    const double dt = 1.0 / 12, m = p.lambda * dt;
    vk_jump_coef bc, sc;
    vr_jump_coef_make(VR_MODEL_BATES, &p, dt, &bc);
    vr_jump_coef_make(VR_MODEL_SVCJ, &p, dt, &sc);
    const size_t B = 1024, R = 1024;
    uint64_t *st = vr_aligned_alloc(B * 8), *inc = vr_aligned_alloc(B * 8);
    double *u = vr_aligned_alloc(B * 8), *ls = vr_aligned_alloc(B * 8), *v = vr_aligned_alloc(B * 8);
    double *ls2 = vr_aligned_alloc(B * 8), *v2 = vr_aligned_alloc(B * 8);
    for (size_t i = 0; i < B; i++) {
        vk_pcg32 r;
        vk_pcg32_stream(&r, 17, 0, i);
        st[i] = r.state;
        inc[i] = r.inc;
    }
    const vk_table *t = default_isa();
    double c1 = 0, c2 = 0, j1 = 0, j2 = 0, zv1 = 0, zv2 = 0, zs1 = 0;
    for (size_t k = 0; k < R; k++) {
        t->uniform(st, inc, u, B);
        for (size_t i = 0; i < B; i++) {
            ls[i] = v[i] = ls2[i] = v2[i] = 0;
            int cnt = 0;
            for (int q = 0; q < bc.kmax; q++)
                cnt += u[i] > bc.cdf[q];
            c1 += cnt;
            c2 += (double)cnt * cnt;
        }
        uint64_t *st2 = vr_aligned_alloc(B * 8);
        memcpy(st2, st, B * 8);
        t->jump(&bc, st, inc, u, ls, v, B);
        t->jump(&sc, st2, inc, u, ls2, v2, B);
        vr_free(st2);
        for (size_t i = 0; i < B; i++) {
            j1 += ls[i];
            j2 += ls[i] * ls[i];
            zv1 += v2[i];
            zv2 += v2[i] * v2[i];
            zs1 += ls2[i];
        }
    }
    const double n = (double)(B * R);
    const double mc = c1 / n, vc = c2 / n - mc * mc;
    printf("Poisson count: mean %.5f var %.5f (want %.5f)\n", mc, vc, m);
    assert_true(fabs(mc - m) < 5 * sqrt(m / n));
    assert_true(fabs(vc - m) < 5 * sqrt((m + 2 * m * m) / n));
    /* compound sums: E = m mu, Var = m (mu^2 + s^2) */
    const double ej = m * p.mu_j, vj = m * (p.mu_j * p.mu_j + p.sigma_j * p.sigma_j);
    const double mj = j1 / n, sj = j2 / n - mj * mj;
    printf("Bates jump sum: mean %.6f (want %.6f) var %.6f (want %.6f)\n", mj, ej, sj, vj);
    assert_true(fabs(mj - ej) < 5 * sqrt(vj / n));
    assert_true(fabs(sj - vj) < 0.02 * vj);
    /* SVCJ variance jumps: E = m mu_v, Var = m * 2 mu_v^2; price jumps: E = m (mu_s + rho_j mu_v) */
    const double ev = m * p.mu_v, vv = m * 2 * p.mu_v * p.mu_v;
    const double mv = zv1 / n, sv = zv2 / n - mv * mv;
    printf("SVCJ variance jump sum: mean %.6f (want %.6f) var %.3e (want %.3e)\n", mv, ev, sv, vv);
    assert_true(fabs(mv - ev) < 5 * sqrt(vv / n));
    assert_true(fabs(sv - vv) < 0.03 * vv);
    const double es = m * (p.mu_s + p.rho_j * p.mu_v);
    printf("SVCJ price jump sum: mean %.6f (want %.6f)\n", zs1 / n, es);
    assert_true(fabs(zs1 / n - es) < 5 * sqrt(m * 0.01 / n));
    vr_free(st); vr_free(inc); vr_free(u); vr_free(ls); vr_free(v); vr_free(ls2); vr_free(v2);
}

/* Extreme parameters (sigma 1.5, mu_v 0.2, big jumps): variance never negative, no NaN. */
static void test_variance_nonnegative(void **state)
{
    (void)state;
    const size_t P = 8192;
    vr_sim_spec s = {
        .type = VR_MODEL_SVCJ, .params = {.kappa = 0.3, .theta = 0.02, .sigma = 1.5, .rho = -0.95,
                                          .lambda = 10, .mu_v = 0.2, .mu_s = -0.1, .sigma_s = 0.1,
                                          .rho_j = -1.0},
        .spot = 100, .rate = 0.0, .dividend = 0.0, .v0 = 0.001, .horizon = 2.0, .steps = 504,
        .paths = P, .seed = 3, .scheme = VR_SCHEME_QE,
    };
    double *l = malloc(P * 8), *v = malloc(P * 8);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_sim_terminal(&s, l, v, &err), VR_OK);
    for (size_t i = 0; i < P; i++) {
        assert_true(v[i] >= 0.0);
        assert_true(isfinite(l[i]) && isfinite(v[i]));
    }
    free(l); free(v);
}

/* ---- the dispatch table ---------------------------------------------------------------------- */

/* The ISA list the tests expand (VR_ISA_TESTS) is the library's list, in its order. */
static void test_isa_list_complete(void **state)
{
    (void)state;
    const char *want[] = {"scalar", "avx2", "avx512"};
    const char *names[8];
    const int n = vk_isa_names(names, 8);
    assert_int_equal(n, VR_ISA_COUNT);
    for (int i = 0; i < n; i++)
        assert_string_equal(names[i], want[i]);
    /* what this CPU runs is a prefix of it, and always includes the reference */
    const int na = vk_available(names, 8);
    assert_true(na >= 1 && na <= n);
    for (int i = 0; i < na; i++)
        assert_string_equal(names[i], want[i]);
}

/* Every slot of the ISA's table holds a kernel (the reference where the ISA has no template of
 * its own); the scalar table is the reference table; a vector ISA replaces at least the RNG. */
static void test_table_complete(void **state)
{
    const vk_table *t = need_isa(*state);
    assert_string_equal(t->isa, (const char *)*state);
#define SLOT_SET_(name, params) assert_non_null(t->name);
    VK_KERNELS(SLOT_SET_)
#undef SLOT_SET_
    if (strcmp(t->isa, "scalar") == 0) {
        assert_int_equal(t->lanes, 1);
#define SLOT_REF_(name, params) assert_ptr_equal(t->name, vk_table_ref.name);
        VK_KERNELS(SLOT_REF_)
#undef SLOT_REF_
    } else {
        assert_true(t->lanes == 4 || t->lanes == 8);
        assert_ptr_not_equal(t->uniform, vk_table_ref.uniform);
        assert_ptr_not_equal(t->black, vk_table_ref.black);
    }
    assert_ptr_equal(vk_select(t->isa), t); /* built once: the same table every time */
}

/* vk_select(NULL) follows VIXRISK_ISA; an explicit name wins over it; an unknown or unsupported
 * name gives NULL and a message naming it and where it came from. */
static void test_select_env(void **state)
{
    (void)state;
    char msg[256];
    const char *avail[8];
    const int na = vk_available(avail, 8);
    char saved[64] = "";
    const char *env = getenv("VIXRISK_ISA");
    if (env != NULL)
        snprintf(saved, sizeof saved, "%s", env);
    unsetenv("VIXRISK_ISA");
    assert_ptr_equal(vk_select(NULL), vk_select(avail[na - 1])); /* the best */
    assert_ptr_equal(vk_select(""), vk_select(avail[na - 1]));
    assert_string_equal(vk_select_error(NULL, msg, sizeof msg), "");
    setenv("VIXRISK_ISA", "scalar", 1);
    assert_string_equal(vk_select(NULL)->isa, "scalar");
    assert_string_equal(vk_select(avail[na - 1])->isa, avail[na - 1]);
    setenv("VIXRISK_ISA", "avx9000", 1);
    assert_null(vk_select(NULL));
    vk_select_error(NULL, msg, sizeof msg);
    printf("%s\n", msg);
    assert_non_null(strstr(msg, "VIXRISK_ISA=avx9000: unknown ISA (known: scalar avx2 avx512;"));
    assert_non_null(strstr(msg, "available: scalar"));
    { /* the engine's entry points turn the same failure into an error, not a NULL table */
        vr_err e = {0};
        const vk_table *kt = &vk_table_ref;
        assert_int_equal(vr_kernels_resolve(NULL, &kt, &e), VR_EINVAL);
        assert_null(kt);
        assert_non_null(strstr(e.msg, "VIXRISK_ISA=avx9000: unknown ISA"));
        assert_int_equal(vr_kernels_resolve(&vk_table_ref, &kt, &e), VR_OK);
        assert_ptr_equal(kt, &vk_table_ref);
    }
    assert_non_null(vk_select("scalar")); /* force ignores the environment */
    assert_null(vk_select("avx9000"));
    vk_select_error("avx9000", msg, sizeof msg);
    assert_non_null(strstr(msg, "ISA avx9000: unknown ISA"));
    if (na < VR_ISA_COUNT) { /* an ISA this CPU lacks */
        const char *names[8];
        vk_isa_names(names, 8);
        setenv("VIXRISK_ISA", names[na], 1);
        assert_null(vk_select(NULL));
        vk_select_error(NULL, msg, sizeof msg);
        printf("%s\n", msg);
        assert_non_null(strstr(msg, "not supported by this CPU (available:"));
    }
    /* a message cut at a small buffer stays terminated */
    vk_select_error("avx9000", msg, 8);
    assert_int_equal(strlen(msg), 7);
    if (env != NULL) /* as the caller had it */
        setenv("VIXRISK_ISA", saved, 1);
    else
        unsetenv("VIXRISK_ISA");
}

/* First calls from many threads at once get the same tables (one initialisation). */
static void test_select_threads(void **state)
{
    (void)state;
    const vk_table *got[16];
#pragma omp parallel for num_threads(8)
    for (int i = 0; i < 16; i++)
        got[i] = vk_select(i % 2 ? "scalar" : NULL);
    for (int i = 0; i < 16; i++)
        assert_ptr_equal(got[i], vk_select(i % 2 ? "scalar" : NULL));
}

/* The page numbers of SLEEF's non-writable segments (the bytes the file holds) in the object
 * vk_is_sleef_object picks (by_name as there), at most PAGES_MAX of them. */
#define PAGES_MAX 8192
typedef struct pages_ctx {
    int by_name;
    uintptr_t page[PAGES_MAX];
    int n;
} pages_ctx;

static int list_pages(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    pages_ctx *c = data;
    if (!vk_is_sleef_object(info, c->by_name))
        return 0;
    const uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) != 0 || ph->p_filesz == 0)
            continue;
        const uintptr_t lo = (uintptr_t)info->dlpi_addr + ph->p_vaddr;
        for (uintptr_t a = lo / pg; a <= (lo + ph->p_filesz - 1) / pg && c->n < PAGES_MAX; a++)
            c->page[c->n++] = a;
    }
    return 1;
}

/* How many of c's pages /proc/self/pagemap reports not mapped in this process (bit 63 of an
 * entry: present), or -1 when it cannot be read. Only open, pread and close: a fork's child runs
 * it. */
static int unmapped(const pages_ctx *c)
{
    const int fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0)
        return -1;
    int n = 0;
    for (int i = 0; i < c->n && n >= 0; i++) {
        uint64_t e = 0;
        if (pread(fd, &e, sizeof e, (off_t)(c->page[i] * sizeof e)) != (ssize_t)sizeof e)
            n = -1;
        else
            n += !(e >> 63 & 1);
    }
    close(fd);
    return n;
}

/* vk_select maps SLEEF's read-only data into the page table (vk_dispatch.c, prefault): a page
 * reached only by SLEEF's masked loads with no active lane stays unmapped otherwise, and each such
 * load cost ~100 cycles on the AMD EPYC host (the 3.5-ulp log: 22 ns instead of 0.45). A fork's
 * child, whose pages the kernel does not copy, maps them again. */
static void test_sleef_pages_mapped(void **state)
{
    (void)state;
    assert_non_null(vk_select(NULL));
    static pages_ctx c;
    c.by_name = 1;
    c.n = 0;
    if (!dl_iterate_phdr(list_pages, &c)) { /* SLEEF linked in statically */
        c.by_name = 0;
        dl_iterate_phdr(list_pages, &c);
    }
    assert_true(c.n > 0);
    const int parent = unmapped(&c);
    if (parent < 0)
        skip();
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const int k = unmapped(&c);
        _exit(k < 0 ? 100 : k > 99 ? 99 : k);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    print_message("SLEEF's pages (%s): %d; not mapped: %d here, %d in a fork's child%s\n",
                  c.by_name ? "its library" : "the object holding it", c.n, parent, WEXITSTATUS(st),
                  WEXITSTATUS(st) == 100 ? " (100: the child could not read its pagemap)" : "");
    assert_int_equal(parent, 0);
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* Not a check of the kernels: ctest runs this binary once more with VR_TEST_HIDE_ISA=avx2 and
 * requires "[  SKIPPED ] test_need_isa_hidden/avx2" (ctest isa_skip_shows), which proves that a
 * missing ISA is reported as a skip and never as a pass. */
static void test_need_isa_hidden(void **state)
{
    const vk_table *t = need_isa(*state);
    assert_string_equal(t->isa, (const char *)*state);
}

/* An optional argument is a cmocka test-name pattern (ctest isa_skip_shows runs one test). */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_threads), /* first: the calls that initialise the tables */
        cmocka_unit_test(test_sleef_pages_mapped), /* before any kernel has run */
        cmocka_unit_test(test_isa_list_complete),
        cmocka_unit_test(test_qe_draw_ref),
        VR_ISA_TESTS(test_table_complete),
        cmocka_unit_test(test_select_env),
        VR_ISA_TESTS(test_need_isa_hidden),
        VR_SIMD_TESTS(test_steps_vs_ref),
        VR_SIMD_TESTS(test_paths_vs_ref),
        cmocka_unit_test(test_thread_determinism),
        cmocka_unit_test(test_jump_statistics),
        cmocka_unit_test(test_variance_nonnegative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
