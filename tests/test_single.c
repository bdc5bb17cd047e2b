/* test_single.c: simulation.precision single, the single-precision Heston QE step
 * (vk.h "Single precision", docs/numerics.md "single precision").
 *
 * - Each vector ISA's kernel against the scalar reference on one step of 2,040 lanes (the
 *   AVX-512 kernel's half vector at the end included): the streams advance identically, v and the
 *   increment of ln S agree within 4e-6 relative (SLEEF's vector and scalar float functions differ
 *   in the last bits, and float carries 6e-8).
 * - Whole paths of each vector ISA against the scalar reference (test_paths_vs_ref).
 * - The reference's float arithmetic against the double reference heston_qe given the same
 *   random numbers (its three 32-bit draws, widened): v within 4e-6 of (v + m) and the ln S
 *   increment within 4e-6 of its scale (|increment| + sqrt((v + m) dt)); measured 1.4e-6 and
 *   8.6e-7. A wrong coefficient or branch misses by orders of magnitude; the textbook 1 - p of the
 *   exponential branch by 6.3e-6 in v.
 * - No bias over a year of steps where the increment's terms cancel most (test_no_bias).
 * - Monte Carlo prices against the direct pricers, |MC - analytic| <= 4 SE (fixed seeds), for
 *   Heston (cases of test_heston_mc) and the jump models, and a drift error that must be caught; the martingale E[S_T] e^{-(r-q)T} = S0
 *   and E[v_T] against its closed form, within 4 SE. float's error per step (~1e-8 in ln S) is
 *   far below 1 SE at these path counts.
 * - The same numbers for any thread count and block size; the configuration errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_price.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vk.h"
#include "vr_test_util.h"

#if defined(VR_TEST_SMALL)
#define PATHS 40000
#else
#define PATHS 200000
#endif

#define N 2048
#define NCALL (N - 8) /* 2040 lanes: a multiple of 8, not of 16 */

static const vr_sv_params sets[] = {
    {.kappa = 2.0, .theta = 0.04, .sigma = 0.5, .rho = -0.7},
    {.kappa = 0.5, .theta = 0.09, .sigma = 1.5, .rho = -0.9}, /* Feller strongly violated */
    {.kappa = 5.0, .theta = 0.02, .sigma = 0.1, .rho = 0.3},  /* Feller satisfied, rho > 0 */
};
static const double dts[] = {1.0 / 252, 1.0 / 12, 1.0};

typedef struct lanes {
    uint64_t *st0, *inc, *st_a, *st_b;
    double *v0, *ls_a, *v_a, *ls_b, *v_b, *zv, *uv, *zs;
} lanes;

static lanes *lanes_new(void)
{
    lanes *f = calloc(1, sizeof *f);
    uint64_t **u[] = {&f->st0, &f->inc, &f->st_a, &f->st_b};
    for (size_t i = 0; i < 4; i++)
        *u[i] = vr_aligned_alloc(N * 8);
    double **d[] = {&f->v0, &f->ls_a, &f->v_a, &f->ls_b, &f->v_b, &f->zv, &f->uv, &f->zs};
    for (size_t i = 0; i < 8; i++)
        *d[i] = vr_aligned_alloc(N * 8);
    vk_pcg32 r;
    vk_pcg32_seed(&r, 2026, 12);
    for (size_t i = 0; i < N; i++) {
        vk_pcg32 s;
        vk_pcg32_stream(&s, 11, 3, i);
        f->st0[i] = s.state;
        f->inc[i] = s.inc;
        /* variances spanning both QE branches, with a cluster near 0 and exact zeros */
        const uint32_t hi = vk_pcg32_next(&r); /* sequenced: argument order is unspecified */
        const double u = vk_u01_from_u32(hi, vk_pcg32_next(&r));
        f->v0[i] = i % 64 == 0 ? 0.0 : (i % 4 == 0) ? 1e-4 * u : u * u;
    }
    return f;
}

static void lanes_free(lanes *f)
{
    vr_free(f->st0); vr_free(f->inc); vr_free(f->st_a); vr_free(f->st_b);
    vr_free(f->v0); vr_free(f->ls_a); vr_free(f->v_a); vr_free(f->ls_b); vr_free(f->v_b);
    vr_free(f->zv); vr_free(f->uv); vr_free(f->zs);
    free(f);
}

static void lanes_reset(lanes *f)
{
    for (size_t i = 0; i < N; i++) {
        f->ls_a[i] = f->ls_b[i] = log(100.0);
        f->v_a[i] = f->v_b[i] = f->v0[i];
    }
    memcpy(f->st_a, f->st0, N * 8);
    memcpy(f->st_b, f->st0, N * 8);
}

/* |a - b| <= tol * scale for every lane, with the worst ratio printed. */
static double worst_rel(const double *a, const double *b, const double *scale, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(isfinite(a[i]) && isfinite(b[i]));
        w = fmax(w, fabs(a[i] - b[i]) / scale[i]);
    }
    return w;
}

/* Updates the worst relative differences of v and ln S between (ls_a, v_a) and (ls_b, v_b) after
 * one step of length dt from v0: v against |v| + m, ln S against the increment's scale (its size
 * plus one standard deviation of the diffusion). */
static void step_diffs(const lanes *f, const vk_heston_coef *c, double dt, double *scale_v,
                       double *scale_l, double *worst_v, double *worst_l)
{
    for (size_t i = 0; i < N; i++) {
        const double m = c->theta + (f->v0[i] - c->theta) * c->ekdt;
        scale_v[i] = fabs(f->v_a[i]) + m;
        scale_l[i] = fabs(f->ls_a[i] - log(100.0)) + sqrt((f->v0[i] + m) * dt) + 1e-6;
    }
    *worst_v = fmax(*worst_v, worst_rel(f->v_a, f->v_b, scale_v, N));
    *worst_l = fmax(*worst_l, worst_rel(f->ls_a, f->ls_b, scale_l, N));
}

/* One call of a vector ISA's kernel against the reference. */
static void test_kernel_vs_ref(void **state)
{
    const vk_table *t = need_isa(*state);
    lanes *f = lanes_new();
    double *scale_v = vr_aligned_alloc(N * 8), *scale_l = vr_aligned_alloc(N * 8);
    double worst_v = 0, worst_l = 0;
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
        for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
            vk_heston_coef c;
            vr_heston_coef_make(VR_MODEL_HESTON, &sets[s], 0.03, 0.01, dts[d], &c);
            lanes_reset(f);
            vk_table_ref.heston_qe_single(&c, f->st_a, f->inc, f->ls_a, f->v_a, NCALL);
            t->heston_qe_single(&c, f->st_b, f->inc, f->ls_b, f->v_b, NCALL);
            assert_memory_equal(f->st_a, f->st_b, N * 8); /* 3 outputs a lane, none beyond NCALL */
            step_diffs(f, &c, dts[d], scale_v, scale_l, &worst_v, &worst_l);
            for (size_t i = NCALL; i < N; i++) { /* lanes past n untouched */
                assert_true(f->v_b[i] == f->v0[i] && f->ls_b[i] == log(100.0));
            }
        }
    printf("%s single vs scalar, one step: v %.2e, ln S increment %.2e (relative)\n", t->isa,
           worst_v, worst_l);
    assert_true(worst_v <= 4e-6);
    assert_true(worst_l <= 4e-6);
    vr_free(scale_v); vr_free(scale_l);
    lanes_free(f);
}

/* Whole paths, 20,000 x 252 steps of Heston and SVCJ, each vector ISA against the scalar
 * reference: S_T within 1e-4 relative and v_T within 1e-4 max(v_T, theta) on every path (measured
 * 3.8e-6 in S_T: float's last-bit differences between SLEEF's vector and scalar code paths, fed
 * back through the steps and, rarely, across the exponential branch's uv <= p). */
static void test_paths_vs_ref(void **state)
{
    const vk_table *t = need_isa(*state);
    const size_t P = 20000;
    double *la = malloc(P * 8), *va = malloc(P * 8), *lb = malloc(P * 8), *vb = malloc(P * 8);
    for (int model = 0; model < 2; model++) {
        vr_sim_spec s = {
            .type = model ? VR_MODEL_SVCJ : VR_MODEL_HESTON,
            .params = {.kappa = 1.5, .theta = 0.05, .sigma = 0.9, .rho = -0.8, .lambda = 2.0,
                       .mu_v = 0.06, .mu_s = -0.05, .sigma_s = 0.06, .rho_j = -0.4},
            .spot = 100, .rate = 0.02, .v0 = 0.03, .horizon = 1.0, .steps = 252, .paths = P,
            .seed = 42, .scheme = VR_SCHEME_QE, .single = 1, .block = 512, .threads = 2,
            .kt = &vk_table_ref,
        };
        vr_err err = {VR_OK, ""};
        assert_int_equal(vr_sim_terminal(&s, la, va, &err), VR_OK);
        s.kt = t;
        assert_int_equal(vr_sim_terminal(&s, lb, vb, &err), VR_OK);
        double ws = 0, wv = 0;
        for (size_t i = 0; i < P; i++) {
            ws = fmax(ws, fabs(expm1(lb[i] - la[i])));
            wv = fmax(wv, fabs(vb[i] - va[i]) / fmax(va[i], s.params.theta));
        }
        printf("%s %s single, 20000 paths x 252 steps vs scalar: S_T %.2e, v_T %.2e\n", t->isa,
               model ? "svcj" : "heston", ws, wv);
        assert_true(ws <= 1e-4 && wv <= 1e-4);
    }
    free(la); free(va); free(lb); free(vb);
}

/* Lane i's three draws of the single-precision step from stream state st, widened to double as
 * the double step's inputs: zv, zs by Box-Muller in double, uv as drawn. */
static void draws_in_double(lanes *f, uint64_t st, size_t i)
{
    vk_pcg32 r = {st, f->inc[i]};
    const double u1 = vk_f01_from_u32(vk_pcg32_next(&r));
    const double u2 = vk_f01_from_u32(vk_pcg32_next(&r));
    f->uv[i] = vk_f01_from_u32(vk_pcg32_next(&r));
    const double rad = sqrt(-2.0 * log(u1));
    f->zv[i] = rad * cos(VK_TWO_PI * u2);
    f->zs[i] = rad * sin(VK_TWO_PI * u2);
}

/* The reference's float step against the double step on the same draws. */
static void test_ref_vs_double(void **state)
{
    (void)state;
    lanes *f = lanes_new();
    double *scale_v = vr_aligned_alloc(N * 8), *scale_l = vr_aligned_alloc(N * 8);
    double worst_v = 0, worst_l = 0;
    int expo = 0;
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
        for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
            vk_heston_coef c;
            vr_heston_coef_make(VR_MODEL_HESTON, &sets[s], 0.03, 0.01, dts[d], &c);
            lanes_reset(f);
            for (size_t i = 0; i < N; i++) { /* the kernel's draws, in double */
                draws_in_double(f, f->st0[i], i);
                const double m = c.theta + (f->v0[i] - c.theta) * c.ekdt;
                expo += 2 * m * m / (c.c_v * f->v0[i] + c.c_t) < 2 / c.psi_c;
            }
            vk_table_ref.heston_qe(&c, f->zv, f->uv, f->zs, f->ls_a, f->v_a, N);
            vk_table_ref.heston_qe_single(&c, f->st_b, f->inc, f->ls_b, f->v_b, N);
            step_diffs(f, &c, dts[d], scale_v, scale_l, &worst_v, &worst_l);
        }
    printf("single vs double on the same draws (%d exponential-branch lanes): v %.2e, "
           "ln S increment %.2e (relative)\n", expo, worst_v, worst_l);
    assert_true(expo > 100); /* both branches exercised */
    assert_true(worst_v <= 4e-6);
    assert_true(worst_l <= 4e-6);
    vr_free(scale_v); vr_free(scale_l);
    lanes_free(f);
}

/* vk_log1pf (and through test_kernel_vs_ref its vector twin) against libm's double log1p: within
 * 4 float ulps of the result over x from -1 + 2^-24 to 10, tiny |x| included. */
static void test_log1pf(void **state)
{
    (void)state;
    double worst = 0;
    int n = 0;
    for (int e = -40; e <= 3; e++)
        for (int k = 1; k <= 200; k++)
            for (int sg = -1; sg <= 1; sg += 2) {
                const float x = (float)(sg * ldexp(1.0 + k / 200.0, e));
                if (!(x > -1.0f))
                    continue;
                const double ref = log1p((double)x);
                const double got = vk_log1pf(x);
                const double ulp = ldexp(1.0, ilogb(fabs(ref)) - 23);
                worst = fmax(worst, fabs(got - ref) / ulp);
                n++;
            }
    const float xm = -1.0f + 0x1p-24f;
    worst = fmax(worst, fabs(vk_log1pf(xm) - log1p((double)xm)) / ldexp(1.0, ilogb(fabs(log1p((double)xm))) - 23));
    assert_true(vk_log1pf(0.0f) == 0.0f && vk_log1pf(0x1p-30f) == 0x1p-30f);
    printf("vk_log1pf: %d points, worst %.2f float ulps\n", n, worst);
    assert_true(worst <= 4.0);
}

/* No bias over many steps where the increment's terms cancel most (sigma small, |rho| large, many
 * steps): the float and the double reference run the same draws for a year, each from its own
 * state; the mean of ln S_f - ln S_d over the lanes stays within 2e-6 (measured <= 2.6e-7; the
 * textbook arrangement gave 4.1e-3 at sigma 0.003 with 2520 steps, 20 standard errors of a
 * million-path mean), and the mean of v_f - v_d within 1e-4 theta. */
static void test_no_bias(void **state)
{
    (void)state;
#if defined(VR_TEST_SMALL)
    const size_t L = 256;
#else
    const size_t L = 2048;
#endif
    static const struct { double sigma, rho; int spy; } bc[] = {
        {0.003, -0.9, 2520}, {0.001, 0.99, 252}, {0.5, -0.7, 252}};
    lanes *f = lanes_new();
    for (size_t k = 0; k < sizeof bc / sizeof bc[0]; k++) {
        const vr_sv_params p = {.kappa = 2, .theta = 0.04, .sigma = bc[k].sigma, .rho = bc[k].rho};
        vk_heston_coef c;
        vr_heston_coef_make(VR_MODEL_HESTON, &p, 0.03, 0.01, 1.0 / bc[k].spy, &c);
        for (size_t i = 0; i < L; i++) {
            f->ls_a[i] = f->ls_b[i] = 0;
            f->v_a[i] = f->v_b[i] = 0.04;
        }
        memcpy(f->st_b, f->st0, N * 8);
        for (int t = 0; t < bc[k].spy; t++) {
            for (size_t i = 0; i < L; i++) /* this step's draws of lane i, in double */
                draws_in_double(f, f->st_b[i], i);
            vk_table_ref.heston_qe(&c, f->zv, f->uv, f->zs, f->ls_a, f->v_a, L);
            vk_table_ref.heston_qe_single(&c, f->st_b, f->inc, f->ls_b, f->v_b, L);
        }
        double ds = 0, dvv = 0;
        for (size_t i = 0; i < L; i++) {
            ds += f->ls_b[i] - f->ls_a[i];
            dvv += f->v_b[i] - f->v_a[i];
        }
        ds /= (double)L;
        dvv /= (double)L;
        printf("sigma %.3f rho %+.2f, %d steps: mean ln S_f - ln S_d %+.2e, mean v_f - v_d %+.2e\n",
               bc[k].sigma, bc[k].rho, bc[k].spy, ds, dvv);
        assert_true(fabs(ds) <= 2e-6);
        assert_true(fabs(dvv) <= 1e-4 * p.theta);
    }
    lanes_free(f);
}

typedef struct mc_case {
    const char *name;
    vr_model_type type;
    vr_sv_params p;
    double spot, rate, div, v0, K, T;
    vr_option_kind opt;
    size_t spy;
} mc_case;

static const mc_case cases[] = {
    {"heston atm call 6m", VR_MODEL_HESTON, {.kappa = 2, .theta = 0.04, .sigma = 0.5, .rho = -0.7}, 100, 0.03, 0.01, 0.04, 100, 0.5, VR_OPTION_CALL, 252},
    {"fang-oosterlee 1y", VR_MODEL_HESTON, {.kappa = 1.5768, .theta = 0.0398, .sigma = 0.5751, .rho = -0.5711}, 100, 0, 0, 0.0175, 100, 1.0, VR_OPTION_CALL, 252},
    {"feller violated put 1y", VR_MODEL_HESTON, {.kappa = 0.5, .theta = 0.04, .sigma = 1.0, .rho = -0.9}, 100, 0.02, 0.0, 0.04, 90, 1.0, VR_OPTION_PUT, 252},
    {"7-day otm put", VR_MODEL_HESTON, {.kappa = 2, .theta = 0.04, .sigma = 0.6, .rho = -0.7}, 4500, 0.04, 0.015, 0.03, 4400, 7.0 / 365, VR_OPTION_PUT, 365},
    {"1y deep otm call 130%", VR_MODEL_HESTON, {.kappa = 3, .theta = 0.09, .sigma = 0.3, .rho = 0.3}, 100, 0.01, 0.0, 0.09, 130, 1.0, VR_OPTION_CALL, 252},
    {"1y otm put 70%", VR_MODEL_HESTON, {.kappa = 1.2, .theta = 0.05, .sigma = 0.7, .rho = -0.8}, 100, 0.03, 0.02, 0.06, 70, 1.0, VR_OPTION_PUT, 252},
    {"bates 1y 70% put", VR_MODEL_BATES, {.kappa = 1.0, .theta = 0.03, .sigma = 0.9, .rho = -0.8, .lambda = 3.0, .mu_j = -0.03, .sigma_j = 0.05}, 100, 0.03, 0.01, 0.05, 70, 1.0, VR_OPTION_PUT, 365},
    {"svcj 3m atm call", VR_MODEL_SVCJ, {.kappa = 3.0, .theta = 0.02, .sigma = 0.4, .rho = -0.6, .lambda = 1.0, .mu_v = 0.05, .mu_s = -0.05, .sigma_s = 0.06, .rho_j = -0.5}, 100, 0.03, 0.01, 0.02, 100, 0.25, VR_OPTION_CALL, 365},
    {"svcj 1y 70% put", VR_MODEL_SVCJ, {.kappa = 1.5, .theta = 0.025, .sigma = 0.8, .rho = -0.9, .lambda = 2.0, .mu_v = 0.10, .mu_s = -0.02, .sigma_s = 0.04, .rho_j = -0.8}, 100, 0.03, 0.01, 0.03, 70, 1.0, VR_OPTION_PUT, 365},
};

static vr_status price_case(const mc_case *c, int single, double rate_shift, vr_price_result *res)
{
    vr_price_req req = {
        .model = {.type = c->type, .spot = c->spot, .rate = c->rate + rate_shift,
                  .dividend = c->div, .v0 = c->v0, .physical = c->p, .pricing = c->p},
        .underlying = VR_UNDERLYING_SPX, .option = c->opt, .strike = c->K, .expiry = c->T,
        .paths = PATHS, .steps_per_year = c->spy, .seed = 20261202, .scheme = VR_SCHEME_QE,
        .single = single, .no_surface = 1,
    };
    vr_err err = {VR_OK, ""};
    return vr_price(&req, res, &err);
}

static void test_mc_vs_analytic(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vr_price_result res, dbl;
        assert_int_equal(price_case(&cases[i], 1, 0, &res), VR_OK);
        assert_int_equal(price_case(&cases[i], 0, 0, &dbl), VR_OK);
        const double z = (res.mc - res.analytic) / res.se;
        printf("%-24s single %12.6f se %9.6f analytic %12.6f z %+.2f (double %12.6f, %.2f s vs "
               "%.2f s)\n", cases[i].name, res.mc, res.se, res.analytic, z, dbl.mc, res.seconds,
               dbl.seconds);
        assert_true(isfinite(res.mc) && res.se > 0);
        assert_true(fabs(z) <= 4.0);
        assert_true(res.mc != dbl.mc); /* the option reached the paths: other numbers */
    }
    /* the test can fail: 2% of drift in the paths only moves the base case beyond 4 SE (z 36 at
     * 200,000 paths, 15 at the sanitizer build's 40,000) */
    vr_price_result bad;
    assert_int_equal(price_case(&cases[0], 1, 0.02, &bad), VR_OK);
    double a = 0;
    {
        vr_price_result ok;
        assert_int_equal(price_case(&cases[0], 1, 0, &ok), VR_OK);
        a = ok.analytic;
    }
    printf("mispriced drift: z = %.1f\n", (bad.mc - a) / bad.se);
    assert_true(fabs(bad.mc - a) / bad.se > 4.0);
}

/* E[S_T] = S0 e^{(r-q)T} and E[v_T] = theta + (v0 - theta) e^{-kappa T}, within 4 SE. */
static void test_moments(void **state)
{
    (void)state;
    const size_t P = PATHS;
    const vr_sv_params p = {.kappa = 0.5, .theta = 0.09, .sigma = 1.2, .rho = -0.9};
    vr_sim_spec s = {
        .type = VR_MODEL_HESTON, .params = p, .spot = 100, .rate = 0.03, .dividend = 0.01,
        .v0 = 0.04, .horizon = 1.0, .steps = 252, .paths = P, .seed = 5, .scheme = VR_SCHEME_QE,
        .single = 1, .threads = 2,
    };
    double *ls = malloc(P * 8), *v = malloc(P * 8);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_sim_terminal(&s, ls, v, &err), VR_OK);
    double ms = 0, ms2 = 0, mv = 0, mv2 = 0;
    for (size_t i = 0; i < P; i++) {
        const double x = exp(ls[i] - log(100.0)), y = v[i];
        assert_true(y >= 0);
        ms += x; ms2 += x * x; mv += y; mv2 += y * y;
    }
    ms /= P; mv /= P;
    const double se_s = sqrt((ms2 / P - ms * ms) / P), se_v = sqrt((mv2 / P - mv * mv) / P);
    const double es = exp(0.02), ev = p.theta + (0.04 - p.theta) * exp(-p.kappa);
    printf("E[S_T]/S0 %.6f (exact %.6f, z %+.2f), E[v_T] %.6f (exact %.6f, z %+.2f)\n", ms, es,
           (ms - es) / se_s, mv, ev, (mv - ev) / se_v);
    assert_true(fabs(ms - es) <= 4 * se_s);
    assert_true(fabs(mv - ev) <= 4 * se_v);
    free(ls); free(v);
}

/* The same bits for any thread count and block size (svcj: the jump step follows the float
 * step), and the option's errors. */
static void test_determinism_and_errors(void **state)
{
    (void)state;
    const size_t P = 20000;
    vr_sim_spec s = {
        .type = VR_MODEL_SVCJ, .params = {.kappa = 3, .theta = 0.03, .sigma = 0.6, .rho = -0.7,
                                          .lambda = 3, .mu_v = 0.05, .mu_s = -0.03, .sigma_s = 0.04,
                                          .rho_j = -0.3},
        .spot = 4500, .rate = 0.04, .dividend = 0.013, .v0 = 0.03, .horizon = 0.25, .steps = 63,
        .paths = P, .seed = 99, .scheme = VR_SCHEME_QE, .single = 1, .block = 1024, .threads = 1,
    };
    double *l1 = malloc(P * 8), *v1 = malloc(P * 8), *l2 = malloc(P * 8), *v2 = malloc(P * 8);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_sim_terminal(&s, l1, v1, &err), VR_OK);
    s.threads = 2;
    s.block = 256;
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_OK);
    assert_memory_equal(l1, l2, P * 8);
    assert_memory_equal(v1, v2, P * 8);
    s.fast_log = 1; /* no effect on the float step, nor on the jumps' draws here */
    s.block = 24;
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_OK);
    assert_memory_equal(v1, v2, P * 8);
    s.fast_log = 0;
    s.scheme = VR_SCHEME_EULER;
    assert_int_equal(vr_sim_terminal(&s, l2, v2, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "precision single has the QE scheme only"));
    s.scheme = VR_SCHEME_QE;
    s.type = VR_MODEL_SVCJ2;
    err = (vr_err){VR_OK, ""};
    assert_int_equal(vr_sim_spec_check(&s, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "precision single is implemented for heston, bates and svcj, not for svcj2"));
    free(l1); free(v1); free(l2); free(v2);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        VR_SIMD_TESTS(test_kernel_vs_ref),
        VR_SIMD_TESTS(test_paths_vs_ref),
        cmocka_unit_test(test_log1pf),
        cmocka_unit_test(test_ref_vs_double),
        cmocka_unit_test(test_no_bias),
        cmocka_unit_test(test_mc_vs_analytic),
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_determinism_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
