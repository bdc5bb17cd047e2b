/* test_svcj2_engine.c: svcj2 as the engine sees it, through the model files, the parameter table
 * and the model descriptor (vr_model_ops.h):
 * - model files: `type: svcj2` loads every key; missing keys, out-of-range values and the two
 *   cross-field rules (rho_j mu_v < 1, kappa_v > lambda1 mu_v) fail with file:line:key;
 * - svcj's optional lambda1: absent or 0 keeps the one-factor model bit for bit; nonzero lifts the
 *   file to its svcj2 limit (sigma_m = 0, m0 = theta), whose prices equal the direct svcj2 ones;
 * - the descriptor: state, VIX coefficients (= vr_svcj2_vix_coef_make), state_from_vix keeps m
 *   and reproduces the index, the wrappers equal the direct pricers, the path step equals the
 *   reference kernel driven with the same random numbers (the draws of tests/test_svcj2_mc.c),
 *   Euler is refused, and a simulation through vr_sim matches E[v_T], E[m_T] and the forward
 *   within 4 standard errors. */
#include <math.h>
#include <sleef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vk_svcj2.h"
#include "vr_test_util.h"

static char dir[128];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("svcj2e", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define PHYS "{kappa_v: 6.0, kappa_m: 0.5, theta: 0.025, sigma_v: 0.7, sigma_m: 0.08, rho: -0.75, " \
             "lambda0: 0.3, lambda1: 12.0, mu_v: 0.05, mu_s: -0.02, sigma_s: 0.03, rho_j: -0.5}"

static const char *model_file(const char *name, const char *phys, const char *pricing)
{
    char text[2048];
    snprintf(text, sizeof text,
             "model:\n  type: svcj2\n  spot: 6000\n  rate: 0.04\n  dividend: 0.013\n"
             "  v0: 0.018\n  m0: 0.025\n  physical: %s\n%s%s%s",
             phys, pricing ? "  pricing: " : "", pricing ? pricing : "", pricing ? "\n" : "");
    return vr_test_write(dir, name, text);
}

static void expect_load_err(const char *file, const char *want1, const char *want2)
{
    vr_model m;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_model_load(file, &m, &err);
    printf("  %s\n", err.msg);
    assert_int_not_equal(st, VR_OK);
    assert_non_null(strstr(err.msg, want1));
    if (want2)
        assert_non_null(strstr(err.msg, want2));
}

static void test_load(void **state)
{
    (void)state;
    vr_model m;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_load(model_file("ok.yaml", PHYS, NULL), &m, &err), VR_OK);
    assert_int_equal(m.type, VR_MODEL_SVCJ2);
    assert_true(m.v0 == 0.018 && m.m0 == 0.025 && m.spot == 6000);
    const vr_svcj2_params *q = &m.physical.s2;
    assert_true(q->kappa_v == 6.0 && q->kappa_m == 0.5 && q->theta == 0.025 && q->sigma_v == 0.7);
    assert_true(q->sigma_m == 0.08 && q->rho == -0.75 && q->lambda0 == 0.3 && q->lambda1 == 12.0);
    assert_true(q->mu_v == 0.05 && q->mu_s == -0.02 && q->sigma_s == 0.03 && q->rho_j == -0.5);
    assert_memory_equal(&m.physical, &m.pricing, sizeof m.pricing); /* pricing defaults to physical */
    /* the shipped example loads */
    assert_int_equal(vr_model_load(VIXRISK_SOURCE_DIR "/configs/models/svcj2_example.yaml", &m, &err), VR_OK);
    assert_int_equal(m.type, VR_MODEL_SVCJ2);
    assert_true(m.pricing.s2.theta != m.physical.s2.theta);
}

static void test_load_errors(void **state)
{
    (void)state;
    /* every key is required */
    expect_load_err(model_file("e1.yaml", "{kappa_v: 6.0, kappa_m: 0.5}", NULL), "e1.yaml:8",
                    "missing key 'theta'");
    /* a one-factor key is not an svcj2 parameter */
    char phys[512];
    snprintf(phys, sizeof phys, "%s", PHYS);
    phys[strlen(phys) - 1] = '\0';
    strcat(phys, ", kappa: 2}");
    expect_load_err(model_file("e2.yaml", phys, NULL), "model.physical.kappa", "not a parameter of svcj2");
    /* ranges, with the line of the key's block and the range */
    expect_load_err(model_file("e3.yaml", PHYS,
                               "{kappa_v: 6.0, kappa_m: 0.5, theta: 0.025, sigma_v: 0.7, sigma_m: -0.1, "
                               "rho: -0.75, lambda0: 0.3, lambda1: 12.0, mu_v: 0.05, mu_s: -0.02, "
                               "sigma_s: 0.03, rho_j: -0.5}"),
                    "e3.yaml:9: model.pricing.sigma_m", "in [0, 10]");
    expect_load_err(model_file("e4.yaml",
                               "{kappa_v: 6.0, kappa_m: 0.5, theta: 0.025, sigma_v: 0.7, sigma_m: 0.08, "
                               "rho: -1, lambda0: 0.3, lambda1: 12.0, mu_v: 0.05, mu_s: -0.02, "
                               "sigma_s: 0.03, rho_j: -0.5}", NULL),
                    "e4.yaml:8: model.physical.rho", "in (-1, 1)");
    /* stationarity: kappa_v > lambda1 mu_v (12 * 0.6 = 7.2 > 6) */
    expect_load_err(model_file("e5.yaml",
                               "{kappa_v: 6.0, kappa_m: 0.5, theta: 0.025, sigma_v: 0.7, sigma_m: 0.08, "
                               "rho: -0.75, lambda0: 0.3, lambda1: 12.0, mu_v: 0.6, mu_s: -0.02, "
                               "sigma_s: 0.03, rho_j: -0.5}", NULL),
                    "e5.yaml:8: model.physical.lambda1", "kappa_v > lambda1 * mu_v");
    /* finite E[e^Z]: rho_j mu_v < 1 */
    expect_load_err(model_file("e6.yaml",
                               "{kappa_v: 6.0, kappa_m: 0.5, theta: 0.025, sigma_v: 0.7, sigma_m: 0.08, "
                               "rho: -0.75, lambda0: 0.3, lambda1: 1.0, mu_v: 0.5, mu_s: -0.02, "
                               "sigma_s: 0.03, rho_j: 2.5}", NULL),
                    "e6.yaml:8: model.physical.rho_j", "rho_j * mu_v < 1");
    /* m0 is a state of svcj2 only, and required there */
    expect_load_err(vr_test_write(dir, "e7.yaml",
                                  "model:\n  type: svcj2\n  spot: 6000\n  v0: 0.02\n  physical: " PHYS "\n"),
                    "missing key 'm0'", NULL);
    expect_load_err(vr_test_write(dir, "e8.yaml",
                                  "model:\n  type: heston\n  spot: 6000\n  v0: 0.02\n  m0: 0.02\n"
                                  "  physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}\n"),
                    "e8.yaml:5: model.m0", "not a state variable of heston");
}

#define SVCJ1 "{kappa: 4.0, theta: 0.03, sigma: 0.6, rho: -0.7, lambda: 0.8, mu_v: 0.05, " \
              "mu_s: -0.03, sigma_s: 0.04, rho_j: -0.5%s}"

static const char *svcj_file(const char *name, const char *extra_phys, const char *pricing)
{
    char phys[512], text[2048];
    snprintf(phys, sizeof phys, SVCJ1, extra_phys);
    snprintf(text, sizeof text,
             "model:\n  type: svcj\n  spot: 100\n  rate: 0.02\n  dividend: 0.01\n  v0: 0.025\n"
             "  physical: %s\n%s%s%s", phys, pricing ? "  pricing: " : "", pricing ? pricing : "",
             pricing ? "\n" : "");
    return vr_test_write(dir, name, text);
}

static void test_svcj_lambda1(void **state)
{
    (void)state;
    vr_model a, b, c;
    vr_err err = {VR_OK, ""};
    /* absent and 0: the one-factor model, identical parameters */
    assert_int_equal(vr_model_load(svcj_file("s1.yaml", "", NULL), &a, &err), VR_OK);
    assert_int_equal(vr_model_load(svcj_file("s2.yaml", ", lambda1: 0", NULL), &b, &err), VR_OK);
    assert_int_equal(a.type, VR_MODEL_SVCJ);
    assert_int_equal(b.type, VR_MODEL_SVCJ);
    assert_memory_equal(&a.physical, &b.physical, sizeof a.physical);
    assert_true(a.physical.lambda1 == 0);
    /* nonzero: the svcj2 limit */
    assert_int_equal(vr_model_load(svcj_file("s3.yaml", ", lambda1: 5", NULL), &c, &err), VR_OK);
    assert_int_equal(c.type, VR_MODEL_SVCJ2);
    const vr_svcj2_params *q = &c.pricing.s2;
    assert_true(q->kappa_v == 4.0 && q->theta == 0.03 && q->sigma_v == 0.6 && q->rho == -0.7);
    assert_true(q->lambda0 == 0.8 && q->lambda1 == 5 && q->mu_v == 0.05 && q->mu_s == -0.03);
    assert_true(q->sigma_s == 0.04 && q->rho_j == -0.5 && q->sigma_m == 0);
    assert_true(c.m0 == 0.03 && c.v0 == 0.025);
    /* ... whose m stays at theta: the VIX equals the one-factor formula with the intensity
     * lambda + lambda1 v folded in, checked through the svcj2 coefficients of the same set */
    const vr_model_ops *ops = vr_model_ops_get(c.type);
    const double x[2] = {c.v0, c.m0};
    const vr_vix_coef k = ops->vix_coef(&c.pricing, VR_VIX_TAU_30D);
    const vr_svcj2_vix_coef k2 = vr_svcj2_vix_coef_make(q, VR_VIX_TAU_30D);
    assert_true(k.a == k2.a && k.b == k2.b_v && k.b_m == k2.b_m);
    double fut1 = 0, fut2 = 0;
    assert_int_equal(ops->vix_future(&c.pricing, x, 0.1, &fut1, &err), VR_OK);
    assert_int_equal(vr_svcj2_vix_future(q, c.v0, c.m0, 0.1, &fut2, &err), VR_OK);
    assert_true(fut1 == fut2);
    /* the range of lambda1 and the stationarity rule are checked on the svcj keys */
    char e[64];
    snprintf(e, sizeof e, ", lambda1: -1");
    expect_load_err(svcj_file("s4.yaml", e, NULL), "s4.yaml:7: model.physical.lambda1", "in [0, 10000]");
    expect_load_err(svcj_file("s5.yaml", ", lambda1: 100", NULL), "s5.yaml:7: model.physical.lambda1",
                    "kappa > lambda1 * mu_v");
    /* m is one state: both sets must share theta */
    expect_load_err(svcj_file("s6.yaml", ", lambda1: 5",
                              "{kappa: 4.0, theta: 0.04, sigma: 0.6, rho: -0.7, lambda: 0.8, "
                              "mu_v: 0.05, mu_s: -0.03, sigma_s: 0.04, rho_j: -0.5, lambda1: 5}"),
                    "s6.yaml:8: model.pricing.theta", "must equal model.physical.theta");
    /* the one-factor kernels refuse a set with lambda1 != 0 (built in code, not lifted) */
    vr_model raw = a;
    raw.pricing.lambda1 = 2;
    const vr_model_ops *o1 = vr_model_ops_get(VR_MODEL_SVCJ);
    const vr_tables_spec ts = {.tau_max_spx = 1.0, .tau_max_vix = 0.5, .rate = 0.02};
    vr_err e2 = {VR_OK, ""};
    assert_int_equal(o1->tables_check(&raw, &ts, &e2), VR_EINVAL);
    assert_non_null(strstr(e2.msg, "lambda1"));
}

static const vr_svcj2_params P = {.kappa_v = 4.0, .kappa_m = 0.8, .theta = 0.03, .sigma_v = 0.6,
                                  .sigma_m = 0.15, .rho = -0.7, .lambda0 = 0.3, .lambda1 = 20.0,
                                  .mu_v = 0.04, .mu_s = -0.03, .sigma_s = 0.05, .rho_j = -0.6};

static void test_descriptor(void **state)
{
    (void)state;
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    assert_non_null(ops);
    assert_int_equal(ops->nfactors, 2);
    assert_string_equal(ops->name, "svcj2");
    assert_string_equal(ops->factor_names[1], "m");
    assert_string_equal(vr_model_type_name(VR_MODEL_SVCJ2), "svcj2");
    const vr_model m = vr_test_svcj2_model(&P, 0.02, 0.035);
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_validate(&m, NULL, &err), VR_OK);
    double x[2] = {0};
    ops->state0(&m, x);
    assert_true(x[0] == 0.02 && x[1] == 0.035);
    const double taus[4] = {VR_VIX_TAU_9D, VR_VIX_TAU_30D, VR_VIX_TAU_93D, VR_VIX_TAU_183D};
    for (int i = 0; i < 4; i++) {
        const vr_vix_coef c = ops->vix_coef(&m.pricing, taus[i]);
        const vr_svcj2_vix_coef d = vr_svcj2_vix_coef_make(&P, taus[i]);
        assert_true(c.a == d.a && c.b == d.b_v && c.b_m == d.b_m);
        /* state_from_vix keeps m and gives back the index */
        double y[2] = {0.5, 0.02};
        ops->state_from_vix(&c, 24.0, y);
        assert_true(y[1] == 0.02);
        assert_float_equal(vr_vix_level_x(&c, y, 2), 24.0, 1e-12);
        /* below the floor at this m: v = 0 */
        double z[2] = {0.3, 0.02};
        ops->state_from_vix(&c, 1.0, z);
        assert_true(z[0] == 0 && z[1] == 0.02);
    }
    /* the long-run mean and jump compensator of the generic functions */
    assert_float_equal(vr_theta_star(VR_MODEL_SVCJ2, &m.pricing), vr_svcj2_mean_v(&P), 0);
    assert_float_equal(vr_jump_kbar(VR_MODEL_SVCJ2, &m.pricing), vr_svcj2_mbar(&P), 0);
    /* the pricers are the model's own */
    double a = 0, b = 0;
    assert_int_equal(ops->spx_european(&m.pricing, 100, 0.03, 0.01, x, 95, 0.25, 0, &a, &err), VR_OK);
    assert_int_equal(vr_svcj2_european(&P, 100, 0.03, 0.01, 0.02, 0.035, 95, 0.25, 0, &b, &err), VR_OK);
    assert_true(a == b && a > 0);
    assert_int_equal(ops->vix_option(&m.pricing, x, 0.1, 20, 0.03, 1, &a, &err), VR_OK);
    assert_int_equal(vr_svcj2_vix_option(&P, 0.02, 0.035, 0.1, 20, 0.03, 1, &b, &err), VR_OK);
    assert_true(a == b && a > 0);
    const double complex u = 1.3 - 0.4 * I;
    assert_true(ops->cf_logprice(&m.pricing, x, 0.5, u) == vr_svcj2_cf(&P, 0.02, 0.035, 0.5, u));
    /* Euler is not a scheme of this model */
    vr_sim_spec s = {.type = VR_MODEL_SVCJ2, .params = m.pricing, .spot = 100, .rate = 0.03,
                     .dividend = 0.01, .v0 = 0.02, .m0 = 0.035, .horizon = 0.1, .steps = 10,
                     .paths = 16, .seed = 1, .scheme = VR_SCHEME_EULER};
    vr_err e2 = {VR_OK, ""};
    assert_int_equal(vr_sim_spec_check(&s, &e2), VR_EINVAL);
    assert_non_null(strstr(e2.msg, "euler"));
    s.scheme = VR_SCHEME_QE;
    assert_int_equal(vr_sim_spec_check(&s, &err), VR_OK);
    /* the per-step Poisson count needs lambda0 dt <= 2 */
    s.params.s2.lambda0 = 900;
    s.steps = 1;
    vr_err e3 = {VR_OK, ""};
    assert_int_equal(vr_sim_spec_check(&s, &e3), VR_EINVAL);
    assert_non_null(strstr(e3.msg, "lambda0 * dt"));
}

/* The descriptor's path step through vr_sim equals the reference kernel driven by hand with the
 * draws of tests/test_svcj2_mc.c; then moments against the closed form. */
#define NP 4096
static void test_paths(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&P, 0.02, 0.035);
    const double T = 0.5;
    const size_t steps = 26;
    vr_sim_spec s = {.type = VR_MODEL_SVCJ2, .params = m.physical, .spot = 100, .rate = 0.03,
                     .dividend = 0.01, .v0 = 0.02, .m0 = 0.035, .horizon = T, .steps = steps,
                     .paths = NP, .seed = 7, .scheme = VR_SCHEME_QE, .kt = &vk_table_ref};
    double *ls = malloc(NP * sizeof *ls), *v = malloc(NP * sizeof *v), *mm = malloc(NP * sizeof *mm);
    double *ls2 = malloc(NP * sizeof *ls), *v2 = malloc(NP * sizeof *v), *mm2 = malloc(NP * sizeof *mm);
    assert_true(ls && v && mm && ls2 && v2 && mm2);
    vr_err err = {VR_OK, ""};
    double *xs[VR_FACTORS_MAX] = {v, mm};
    assert_int_equal(vr_sim_terminal_x(&s, ls, xs, &err), VR_OK);
    /* by hand, path by path in blocks of 8 */
    vk_svcj2_coef c;
    vr_svcj2_coef_make(&P, 0.03, 0.01, T / steps, &c);
    for (int b = 0; b < NP; b += 8) {
        _Alignas(64) double zv[8], zs[8], zm[8], zx[8], uv[8], um[8], uc[8], l[8], vv[8], mv[8];
        _Alignas(64) uint64_t st[8], inc[8];
        for (int i = 0; i < 8; i++) {
            vk_pcg32 r;
            vk_pcg32_stream(&r, 7, 0, (uint64_t)(b + i));
            st[i] = r.state;
            inc[i] = r.inc;
            l[i] = log(100.0);
            vv[i] = 0.02;
            mv[i] = 0.035;
        }
        for (size_t k = 0; k < steps; k++) {
            vk_normal2_d_ref(st, inc, zv, zs, 8);
            vk_normal2_d_ref(st, inc, zm, zx, 8);
            vk_uniform_d_ref(st, inc, uv, 8);
            vk_uniform_d_ref(st, inc, um, 8);
            vk_uniform_d_ref(st, inc, uc, 8);
            vk_svcj2_step_d_ref(&c, zv, uv, zm, um, zs, uc, st, inc, l, vv, mv, 8);
        }
        for (int i = 0; i < 8; i++) {
            ls2[b + i] = l[i];
            v2[b + i] = vv[i];
            mm2[b + i] = mv[i];
        }
    }
    assert_memory_equal(ls, ls2, NP * sizeof *ls);
    assert_memory_equal(v, v2, NP * sizeof *v);
    assert_memory_equal(mm, mm2, NP * sizeof *mm);
    /* the best ISA through the same driver: same streams, SIMD arithmetic (docs/numerics.md) */
    s.kt = default_isa();
    assert_int_equal(vr_sim_terminal_x(&s, ls2, (double *[VR_FACTORS_MAX]){v2, mm2}, &err), VR_OK);
    double ev, em;
    vr_svcj2_moments(&P, 0.02, 0.035, T, &ev, &em);
    const double fwd = 100 * exp((0.03 - 0.01) * T);
    double sv = 0, sv2 = 0, sm = 0, sm2 = 0, ss = 0, ss2 = 0, dmax = 0;
    for (int i = 0; i < NP; i++) {
        assert_true(v2[i] >= 0 && mm2[i] >= 0);
        dmax = fmax(dmax, fabs(ls2[i] - ls[i]));
        const double S = exp(ls2[i]);
        sv += v2[i]; sv2 += v2[i] * v2[i];
        sm += mm2[i]; sm2 += mm2[i] * mm2[i];
        ss += S; ss2 += S * S;
    }
    const double n = NP;
#define Z(s1, s2, ref) (((s1) / n - (ref)) / sqrt(((s2) / n - ((s1) / n) * ((s1) / n)) / (n - 1)))
    printf("  E[v_T] z %+.2f  E[m_T] z %+.2f  E[S_T] z %+.2f  max |ln S simd - ref| %.2g\n",
           Z(sv, sv2, ev), Z(sm, sm2, em), Z(ss, ss2, fwd), dmax);
    assert_true(fabs(Z(sv, sv2, ev)) < 4);
    assert_true(fabs(Z(sm, sm2, em)) < 4);
    assert_true(fabs(Z(ss, ss2, fwd)) < 4);
    assert_true(dmax < 1e-9);
    free(ls); free(v); free(mm); free(ls2); free(v2); free(mm2);
}

/* vk_poisson_inv skips the exp for u <= (1 - l) - 2^-51; the count must be the plain
 * inversion's for every (l, u), in particular for u within a few ulps of the shortcut's bound and
 * of the computed e^-l, over intensities l dt from 1e-14 to 2 (the cap of the per-step count). */
static void test_poisson_shortcut(void **state)
{
    (void)state;
    vk_pcg32 r;
    vk_pcg32_seed(&r, 5, 6);
    long n = 0, zero = 0;
    for (int i = 0; i <= 4000; i++) {
        const double l = 1e-14 * pow(2.0 / 1e-14, i / 4000.0);
        const double e = Sleef_expd1_u10purec(-l), bound = (1.0 - l) - 0x1p-51;
        double us[64];
        int m = 0;
        for (int side = 0; side < 2; side++) {
            double u = side ? e : bound;
            for (int k = 0; k < 4; k++)
                u = nextafter(u, 0.0);
            for (int k = 0; k < 9; k++, u = nextafter(u, 2.0))
                if (u > 0 && u < 1)
                    us[m++] = u;
        }
        for (int k = 0; k < 16; k++)
            us[m++] = vk_u01_from_u32(vk_pcg32_next(&r), vk_pcg32_next(&r));
        for (int k = 0; k < m; k++) {
            const int a = vk_poisson_inv(l, us[k]), b = vk_poisson_inv_plain(l, us[k]);
            if (a != b)
                printf("l %.17g u %.17g: shortcut %d, plain %d\n", l, us[k], a, b);
            assert_int_equal(a, b);
            n++;
            zero += us[k] <= bound;
        }
    }
    printf("poisson shortcut: %ld (l, u) pairs agree, %ld of them below the bound\n", n, zero);
    assert_true(zero > n / 4); /* the shortcut is taken, so the comparison tests it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_svcj_lambda1),
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_poisson_shortcut),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
