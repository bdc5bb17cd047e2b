/* test_svcj2_mc.c: Monte Carlo of the svcj2 reference path step against the model's direct
 * results, all within 4 standard errors with fixed seeds (a miss by chance has probability ~6e-5
 * per comparison):
 * - E[v_T], E[m_T] against the closed-form moments and E[S_T] against the forward; every v, m >= 0;
 * - the log contract: -(2/tau) E[ln(S_tau/F)] against the VIX-family coefficients a + b_v v + b_m m
 *   (tau = 30 and 93 days; the forward S/F - 1, of mean 0, is the control variate: the estimator
 *   is the mean of ln x - (x - 1), x = S/F, which has the same expectation);
 * - SPX European options (7 days to 1 year, 70-130% strikes) against vr_svcj2_european;
 * - VIX futures and calls against vr_svcj2_vix_future / vr_svcj2_vix_options (VIX_T is a
 *   function of the simulated state, so the inner expectation is exact).
 * Parameter sets violate the Feller condition in v (both) and in m (p3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vk_svcj2.h"
#include "vr_test_util.h"

#if defined(VR_TEST_SMALL)
#define PATHS 4000
#else
#define PATHS 20000
#endif
#define LANES 256

static const vr_svcj2_params p2 = {.kappa_v = 4.0, .kappa_m = 0.8, .theta = 0.03, .sigma_v = 0.6,
                                   .sigma_m = 0.15, .rho = -0.7, .lambda0 = 0.3, .lambda1 = 20.0,
                                   .mu_v = 0.04, .mu_s = -0.03, .sigma_s = 0.05, .rho_j = -0.6};
static const vr_svcj2_params p3 = {.kappa_v = 2.0, .kappa_m = 0.5, .theta = 0.04, .sigma_v = 1.0,
                                   .sigma_m = 0.3, .rho = -0.8, .lambda0 = 0.5, .lambda1 = 10.0,
                                   .mu_v = 0.06, .mu_s = -0.02, .sigma_s = 0.04, .rho_j = -1.0};

#define R 0.03
#define Q 0.01

/* Simulate `paths` paths of (ln S_T, v_T, m_T) from (ln 100, v0, m0) with `steps` equal steps;
 * path k uses the stream vk_pcg32_stream(seed, 0, k), so results do not depend on LANES. */
static void simulate_with(vk_svcj2_step_fn step, const vr_svcj2_params *p, double v0, double m0,
                          double T, int steps, int paths, uint64_t seed, double *ls_out,
                          double *v_out, double *m_out)
{
    vk_svcj2_coef c;
    vr_svcj2_coef_make(p, R, Q, T / steps, &c);
#define AL __attribute__((aligned(64)))
    static double zv[LANES] AL, zm[LANES] AL, zs[LANES] AL, zx[LANES] AL, uv[LANES] AL,
        um[LANES] AL, uc[LANES] AL;
    static double ls[LANES] AL, var[LANES] AL, mv[LANES] AL;
    static uint64_t st[LANES] AL, inc[LANES] AL;
#undef AL
    assert_int_equal(paths % 8, 0); /* whole vectors for the SIMD variants */
    for (int b = 0; b < paths; b += LANES) {
        const int n = paths - b < LANES ? paths - b : LANES;
        for (int i = 0; i < n; i++) {
            vk_pcg32 r;
            vk_pcg32_stream(&r, seed, 0, (uint64_t)(b + i));
            st[i] = r.state;
            inc[i] = r.inc;
            ls[i] = log(100.0);
            var[i] = v0;
            mv[i] = m0;
        }
        for (int s = 0; s < steps; s++) {
            vk_normal2_d_ref(st, inc, zv, zs, (size_t)n);
            vk_normal2_d_ref(st, inc, zm, zx, (size_t)n);
            vk_uniform_d_ref(st, inc, uv, (size_t)n);
            vk_uniform_d_ref(st, inc, um, (size_t)n);
            vk_uniform_d_ref(st, inc, uc, (size_t)n);
            step(&c, zv, uv, zm, um, zs, uc, st, inc, ls, var, mv, (size_t)n);
        }
        for (int i = 0; i < n; i++) {
            ls_out[b + i] = ls[i];
            v_out[b + i] = var[i];
            m_out[b + i] = mv[i];
        }
    }
}

static void simulate(const vr_svcj2_params *p, double v0, double m0, double T, int steps,
                     int paths, uint64_t seed, double *ls_out, double *v_out, double *m_out)
{
    simulate_with(vk_svcj2_step_d_ref, p, v0, m0, T, steps, paths, seed, ls_out, v_out, m_out);
}

typedef struct acc { double s, s2; long n; } acc;
static void acc_add(acc *a, double x) { a->s += x; a->s2 += x * x; a->n++; }
static double acc_mean(const acc *a) { return a->s / a->n; }
static double acc_se(const acc *a)
{
    const double m = acc_mean(a);
    return sqrt(fmax(a->s2 / a->n - m * m, 0.0) / (a->n - 1));
}

static double worst_z = 0.0;

static void check_z(const char *what, double mc, double se, double ref)
{
    const double z = (mc - ref) / se;
    worst_z = fmax(worst_z, fabs(z));
    printf("  %-34s mc %.6f se %.6f ref %.6f z %+.2f\n", what, mc, se, ref, z);
    assert_true(se > 0);
    assert_true(fabs(z) < 4.0);
}

static double *ls_, *v_, *m_;

static int setup(void **state)
{
    (void)state;
    ls_ = malloc(sizeof(double) * PATHS);
    v_ = malloc(sizeof(double) * PATHS);
    m_ = malloc(sizeof(double) * PATHS);
    return ls_ && v_ && m_ ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(ls_);
    free(v_);
    free(m_);
    printf("largest |z| over all comparisons: %.2f\n", worst_z);
    return 0;
}

static void test_moments_martingale(void **state)
{
    (void)state;
    const vr_svcj2_params *ps[2] = {&p2, &p3};
    const double T = 0.5;
    for (int k = 0; k < 2; k++) {
        const double v0 = 0.02, m0 = 0.05;
        simulate(ps[k], v0, m0, T, 182, PATHS, 11 + k, ls_, v_, m_);
        acc av = {0}, am = {0}, as = {0};
        const double fwd = 100.0 * exp((R - Q) * T);
        for (int i = 0; i < PATHS; i++) {
            assert_true(v_[i] >= 0 && isfinite(v_[i]) && m_[i] >= 0 && isfinite(m_[i]));
            acc_add(&av, v_[i]);
            acc_add(&am, m_[i]);
            acc_add(&as, exp(ls_[i]) / fwd);
        }
        double ev, em;
        vr_svcj2_moments(ps[k], v0, m0, T, &ev, &em);
        printf("set %d, T = %.2f:\n", k + 2, T);
        check_z("E[v_T]", acc_mean(&av), acc_se(&av), ev);
        check_z("E[m_T]", acc_mean(&am), acc_se(&am), em);
        check_z("E[S_T]/F", acc_mean(&as), acc_se(&as), 1.0);
    }
}

static void test_log_contract(void **state)
{
    (void)state;
    const vr_svcj2_params *ps[2] = {&p2, &p3};
    const double taus[2] = {VR_VIX_TAU_30D, VR_VIX_TAU_93D};
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < 2; t++) {
            const double v0 = 0.06, m0 = 0.02, tau = taus[t];
            const int steps = (int)lround(tau * 365.0 * 2.0); /* half-day steps */
            simulate(ps[k], v0, m0, tau, steps, PATHS, 21 + 2 * k + t, ls_, v_, m_);
            const double lf = log(100.0) + (R - Q) * tau;
            acc a = {0};
            for (int i = 0; i < PATHS; i++) {
                const double y = ls_[i] - lf;
                acc_add(&a, -(2.0 / tau) * (y - expm1(y)));
            }
            const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(ps[k], tau);
            char what[64];
            snprintf(what, sizeof what, "set %d VIX^2 log contract %3.0fd", k + 2, tau * 365);
            check_z(what, acc_mean(&a), acc_se(&a), c.a + c.b_v * v0 + c.b_m * m0);
        }
}

static void test_spx_options(void **state)
{
    (void)state;
    const vr_svcj2_params *ps[2] = {&p2, &p3};
    const double Ts[3] = {7.0 / 365, 0.25, 1.0};
    const int steps[3] = {7, 63, 126};
    /* strikes spread with the horizon so that each has enough paths in the money for its SE to
     * be trustworthy (a z-score from a handful of hits is not); 70% and 130% at one year */
    const double Ks[3][3] = {{97, 100, 103}, {85, 100, 115}, {70, 100, 130}};
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < 3; t++) {
            const double v0 = k ? 0.09 : 0.02, m0 = k ? 0.02 : 0.03;
            simulate(ps[k], v0, m0, Ts[t], steps[t], PATHS, 31 + 3 * k + t, ls_, v_, m_);
            const double df = exp(-R * Ts[t]);
            for (int j = 0; j < 3; j++) {
                /* OTM side: puts below the money, calls at and above */
                const double K = Ks[t][j];
                const int call = K >= 100;
                acc a = {0};
                long hits = 0;
                for (int i = 0; i < PATHS; i++) {
                    const double s = exp(ls_[i]);
                    const double x = df * (call ? fmax(s - K, 0) : fmax(K - s, 0));
                    hits += x > 0;
                    acc_add(&a, x);
                }
                double ref;
                vr_err err = {VR_OK, ""};
                assert_int_equal(vr_svcj2_european(ps[k], 100, R, Q, v0, m0, K, Ts[t], call,
                                                   &ref, &err), VR_OK);
                char what[64];
                snprintf(what, sizeof what, "set %d SPX %s T=%.3f K=%.0f", k + 2,
                         call ? "call" : "put", Ts[t], K);
                assert_true(hits >= 100 || PATHS < 20000);
                if (hits >= 100)
                    check_z(what, acc_mean(&a), acc_se(&a), ref);
            }
        }
}

static void test_vix_future_options(void **state)
{
    (void)state;
    const vr_svcj2_params *ps[2] = {&p2, &p3};
    const double Ts[2] = {VR_VIX_TAU_30D, 0.25};
    /* one expiry per set (a COS series per expiry costs ~1 s): set 2 at 30 days, set 3 at 91 */
    for (int k = 0; k < 2; k++)
        for (int t = k; t == k; t++) {
            const double v0 = k ? 0.09 : 0.02, m0 = k ? 0.02 : 0.03;
            const int steps = (int)lround(Ts[t] * 365.0);
            simulate(ps[k], v0, m0, Ts[t], steps, PATHS, 51 + 2 * k + t, ls_, v_, m_);
            const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(ps[k], VR_VIX_TAU_30D);
            acc af = {0};
            for (int i = 0; i < PATHS; i++)
                acc_add(&af, 100.0 * sqrt(c.a + c.b_v * v_[i] + c.b_m * m_[i]));
            double fut;
            vr_err err = {VR_OK, ""};
            assert_int_equal(vr_svcj2_vix_future(ps[k], v0, m0, Ts[t], &fut, &err), VR_OK);
            char what[64];
            snprintf(what, sizeof what, "set %d VIX future T=%.3f", k + 2, Ts[t]);
            check_z(what, acc_mean(&af), acc_se(&af), fut);
            double K[3] = {0.9 * fut, 1.1 * fut, 1.5 * fut}, px[3];
            if (vr_svcj2_vix_options(ps[k], v0, m0, Ts[t], K, 3, R, 1, px, &err) != VR_OK)
                fprintf(stderr, "%s\n", err.msg);
            assert_int_equal(err.code, VR_OK);
            const double df = exp(-R * Ts[t]);
            for (int j = 0; j < 3; j++) {
                acc a = {0};
                for (int i = 0; i < PATHS; i++)
                    acc_add(&a, df * fmax(100.0 * sqrt(c.a + c.b_v * v_[i] + c.b_m * m_[i]) - K[j],
                                          0.0));
                snprintf(what, sizeof what, "set %d VIX call T=%.3f K=%.2f", k + 2, Ts[t], K[j]);
                check_z(what, acc_mean(&a), acc_se(&a), px[j]);
            }
        }
}

/* The example set's pricing parameters (configs/models/svcj2_example.yaml) with sigma_v near the
 * top of its range, state v 0.018, m 0.025, 30 days: v_T sits near 0 (Feller ratio 0.003) and the
 * law of the VIX has a near-atom at its floor that 8192 terms of the option pricer's series do not
 * resolve. With 8192 terms it priced these puts 1.5-15% below Monte Carlo (sigma_v 9, 0.85 F:
 * 0.0541 against 0.0654; 10: 0.0335 against 0.0392), silently; its error estimate now sends them
 * to the longer series (COS_NMAX_EXT), which agrees with Monte Carlo: `vixrisk price`, 1M paths,
 * 25,200 steps a year (converged in the step: at 2,520 the same within 2 SE), seed 11, the same
 * strikes. The sanitizer build runs sigma_v 10 only, and no table build. */
static void test_vix_sharp_floor(void **state)
{
    (void)state;
    vr_svcj2_params p = {.kappa_v = 5.0, .kappa_m = 0.4, .theta = 0.032, .sigma_v = 10.0,
                         .sigma_m = 0.09, .rho = -0.75, .lambda0 = 0.5, .lambda1 = 18.0,
                         .mu_v = 0.07, .mu_s = -0.03, .sigma_s = 0.04, .rho_j = -0.6};
    const double v0 = 0.018, m0 = 0.025, T = 30.0 / 365;
    vr_err err = {VR_OK, ""};
    double px[2];
    p.sigma_v = 8.5;
    const double K85[2] = {10.2913, 12.1074};
    assert_int_equal(vr_svcj2_vix_options(&p, v0, m0, T, K85, 2, 0.04, 0, px, &err), VR_OK);
    assert_true(px[0] > 0 && px[1] > px[0]);
    static const struct { double sigma_v, K[2], mc[2], se[2]; } ref[2] = {
        {9.0, {10.2248, 12.0292}, {0.065437, 1.516209}, {0.000146, 0.000473}},
        {10.0, {10.1092, 11.8932}, {0.039231, 1.391176}, {0.000110, 0.000453}},
    };
#ifdef VR_TEST_SMALL
    for (int k = 1; k < 2; k++) { /* (the longer series under the sanitizers: sigma_v 10 only) */
#else
    for (int k = 0; k < 2; k++) {
#endif
        p.sigma_v = ref[k].sigma_v;
        if (vr_svcj2_vix_options(&p, v0, m0, T, ref[k].K, 2, 0.04, 0, px, &err) != VR_OK)
            fail_msg("sigma_v %g: %s", p.sigma_v, err.msg);
        for (int j = 0; j < 2; j++) {
            char what[64];
            snprintf(what, sizeof what, "sigma_v %g VIX put K=%g", p.sigma_v, ref[k].K[j]);
            check_z(what, ref[k].mc[j], ref[k].se[j], px[j]);
        }
    }
#ifndef VR_TEST_SMALL
    /* A set whose VIX table misses by far: refused by the tables' check (with a direct price
     * at its point now, by its miss; where the direct pricer refused every point, as unchecked) */
    p.sigma_v = 10.0;
    const vr_model mod = vr_test_svcj2_model(&p, v0, m0);
    vr_pricing *pr = NULL;
    vr_err_clear(&err);
    assert_int_equal(vr_pricing_build_only(&mod, 0.25, VR_UL_VIX, &pr, &err), VR_ENUM);
    printf("  sigma_v 10 VIX table: %s\n", err.msg);
    assert_null(pr);
    assert_non_null(strstr(err.msg, "VIX table"));
#endif
}

/* SIMD variants against the reference: whole paths of 252 daily steps (jumps included; the
 * lanes' streams advance identically), relative 1e-9 in S_T and 1e-9 max(x, theta) in v_T, m_T
 * (docs/numerics.md, SIMD versus scalar). AVX-512 is skipped on CPUs without it. */
static void simd_vs_ref(const char *isa)
{
    const vk_table *t = vk_select(isa);
    if (t == NULL) {
        printf("%s: not available on this CPU, skipped\n", isa);
        return;
    }
    const vk_svcj2_step_fn fn = t->svcj2_step;
    assert_true(fn != vk_svcj2_step_d_ref); /* the template filled the slot */
    enum { NP = 1024 };
    static double la[NP], va[NP], ma[NP], lb[NP], vb[NP], mb[NP];
    const vr_svcj2_params *ps[2] = {&p2, &p3};
    for (int k = 0; k < 2; k++) {
        simulate_with(vk_svcj2_step_d_ref, ps[k], 0.04, 0.03, 1.0, 252, NP, 99, la, va, ma);
        simulate_with(fn, ps[k], 0.04, 0.03, 1.0, 252, NP, 99, lb, vb, mb);
        double worst = 0.0;
        for (int i = 0; i < NP; i++) {
            const double es = fabs(exp(la[i]) - exp(lb[i])) / exp(la[i]);
            const double ev = fabs(va[i] - vb[i]) / fmax(va[i], ps[k]->theta);
            const double em = fabs(ma[i] - mb[i]) / fmax(ma[i], ps[k]->theta);
            worst = fmax(worst, fmax(es, fmax(ev, em)));
        }
        printf("%s vs scalar, set %d, 1024 paths x 252 steps: max relative difference %.2e\n",
               isa, k + 2, worst);
        assert_true(worst < 1e-9);
        /* the fast variant (SLEEF's 3.5-ulp log, simulation.fast_log): same tolerance */
        assert_true(t->svcj2_step_fast != vk_svcj2_step_fast_d_ref);
        simulate_with(t->svcj2_step_fast, ps[k], 0.04, 0.03, 1.0, 252, NP, 99, lb, vb, mb);
        worst = 0.0;
        for (int i = 0; i < NP; i++) {
            const double es = fabs(exp(la[i]) - exp(lb[i])) / exp(la[i]);
            const double ev = fabs(va[i] - vb[i]) / fmax(va[i], ps[k]->theta);
            const double em = fabs(ma[i] - mb[i]) / fmax(ma[i], ps[k]->theta);
            worst = fmax(worst, fmax(es, fmax(ev, em)));
        }
        printf("%s fast_log vs scalar, set %d: max relative difference %.2e\n", isa, k + 2, worst);
        assert_true(worst < 1e-9);
    }
}

/* svcj2_step_draw (and _fast) of every table against the engine's path step as it was: normal2,
 * normal2, uniform x 3 and svcj2_step (and their _fast) of the same table called in turn, over
 * 60 steps of 1024 lanes of p2, p3 and p3 with m deterministic (sigma_m = 0), steps of a month
 * (many lanes jump): the same bits, and the streams advanced alike (jumps included). */
static void test_step_draw(void **state)
{
    const vk_table *t = need_isa(*state);
    enum { NP = 1024, STEPS = 60 };
#define AL __attribute__((aligned(64)))
    static double zv[NP] AL, zm[NP] AL, zs[NP] AL, zx[NP] AL, uv[NP] AL, um[NP] AL, uc[NP] AL;
    static double la[NP] AL, va[NP] AL, ma[NP] AL, lb[NP] AL, vb[NP] AL, mb[NP] AL;
    static uint64_t sa[NP] AL, sb[NP] AL, inc[NP] AL;
#undef AL
    vr_svcj2_params p4 = p3;
    p4.sigma_m = 0.0;
    const vr_svcj2_params *ps[3] = {&p2, &p3, &p4};
    /* simulation.fast_log's table takes the fast variant */
    assert_ptr_equal(vk_fast_log(t)->svcj2_step_draw, t->svcj2_step_draw_fast);
    for (int fast = 0; fast < 2; fast++) {
        const vk_normal2_fn normal2 = fast ? t->normal2_fast : t->normal2;
        const vk_svcj2_step_fn step = fast ? t->svcj2_step_fast : t->svcj2_step;
        const vk_svcj2_step_draw_fn draw = fast ? t->svcj2_step_draw_fast : t->svcj2_step_draw;
        for (int k = 0; k < 3; k++) {
            vk_svcj2_coef c;
            vr_svcj2_coef_make(ps[k], R, Q, 1.0 / 12, &c);
            for (int i = 0; i < NP; i++) {
                vk_pcg32 r;
                vk_pcg32_stream(&r, 17, 0, (uint64_t)i);
                sa[i] = sb[i] = r.state;
                inc[i] = r.inc;
                la[i] = lb[i] = log(100.0);
                va[i] = vb[i] = 0.02 + 0.0001 * (i % 50);
                ma[i] = mb[i] = 0.03;
            }
            for (int s = 0; s < STEPS; s++) {
                normal2(sa, inc, zv, zs, NP);
                normal2(sa, inc, zm, zx, NP);
                t->uniform(sa, inc, uv, NP);
                t->uniform(sa, inc, um, NP);
                t->uniform(sa, inc, uc, NP);
                step(&c, zv, uv, zm, um, zs, uc, sa, inc, la, va, ma, NP);
                draw(&c, sb, inc, lb, vb, mb, NP);
            }
            assert_memory_equal(la, lb, sizeof la);
            assert_memory_equal(va, vb, sizeof va);
            assert_memory_equal(ma, mb, sizeof ma);
            assert_memory_equal(sa, sb, sizeof sa);
        }
    }
}

static void test_simd_avx2(void **state)
{
    (void)state;
    simd_vs_ref("avx2");
}

static void test_simd_avx512(void **state)
{
    (void)state;
    simd_vs_ref("avx512");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_martingale),
        cmocka_unit_test(test_log_contract),
        cmocka_unit_test(test_spx_options),
        cmocka_unit_test(test_vix_future_options),
        cmocka_unit_test(test_vix_sharp_floor),
        VR_ISA_TESTS(test_step_draw),
        cmocka_unit_test(test_simd_avx2),
        cmocka_unit_test(test_simd_avx512),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
