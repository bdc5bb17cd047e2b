/* test_svcj2.c: the svcj2 model's deterministic mathematics against independent evaluations.
 *
 * - validation: every range and both cross-field conditions name their key;
 * - first moments and VIX-family coefficients against RK4 integration of the linear moment ODEs
 *   (20000 steps), including kappa_v - lambda1 mu_v = kappa_m exactly, nearly, and tiny kappas;
 * - the SVCJ limit (sigma_m = 0, m0 = theta, lambda1 = 0) against the one-factor closed forms:
 *   VIX coefficients (vr_vix_coef_make), characteristic function (vr_cf_logprice) and European
 *   prices (vr_analytic_european);
 * - the Riccati solver on the real line against the moments it implies (d/dz of the mgf at 0 is
 *   E[X_T], computed independently from the moment ODEs);
 * - the Fourier pricer against the COS pricer on full svcj2 sets (Feller violated in v and m),
 *   7 days to 1 year, 70-130% strikes: |difference| <= 1e-8 S0 (the target is 1e-6 S0). The
 *   COS range is +-40 standard deviations: the exponential jump tails need it (at +-14 the
 *   truncated mass costs 6e-5 at 7 days). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_svcj2.h"
#include "vr_test_util.h"

/* SVCJ set of tests/test_jump_mc.c */
static const vr_sv_params svcj1 = {.kappa = 3.0, .theta = 0.02, .sigma = 0.4, .rho = -0.6,
                                   .lambda = 1.0, .mu_v = 0.05, .mu_s = -0.05, .sigma_s = 0.06,
                                   .rho_j = -0.5};
/* Feller violated in v (2 kappa_v theta / sigma_v^2 = 0.67), not in m */
static const vr_svcj2_params p2 = {.kappa_v = 4.0, .kappa_m = 0.8, .theta = 0.03, .sigma_v = 0.6,
                                   .sigma_m = 0.15, .rho = -0.7, .lambda0 = 0.3, .lambda1 = 20.0,
                                   .mu_v = 0.04, .mu_s = -0.03, .sigma_s = 0.05, .rho_j = -0.6};
/* Feller violated in v (0.16) and m (0.44) */
static const vr_svcj2_params p3 = {.kappa_v = 2.0, .kappa_m = 0.5, .theta = 0.04, .sigma_v = 1.0,
                                   .sigma_m = 0.3, .rho = -0.8, .lambda0 = 0.5, .lambda1 = 10.0,
                                   .mu_v = 0.06, .mu_s = -0.02, .sigma_s = 0.04, .rho_j = -1.0};

/* ---------------------------------------------------------------------------------------------
 * Validation. */

static void expect_bad(vr_svcj2_params p, const char *key)
{
    char k[VR_KEY_MAX] = "";
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_svcj2_params_validate(&p, "model.pricing", k, &err), VR_EINVAL);
    char want[VR_KEY_MAX];
    snprintf(want, sizeof want, "model.pricing.%s", key);
    if (strcmp(k, want) != 0)
        fprintf(stderr, "key %s, expected %s (%s)\n", k, want, err.msg);
    assert_string_equal(k, want);
    assert_non_null(strstr(err.msg, want));
}

static void test_validate(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_svcj2_params_validate(&p2, "x", NULL, &err), VR_OK);
    assert_int_equal(vr_svcj2_params_validate(&p3, "x", NULL, &err), VR_OK);
    vr_svcj2_params p = p2;
    p.kappa_v = 0; expect_bad(p, "kappa_v");
    p = p2; p.kappa_m = -1; expect_bad(p, "kappa_m");
    p = p2; p.theta = 0; expect_bad(p, "theta");
    p = p2; p.sigma_v = 0; expect_bad(p, "sigma_v");
    p = p2; p.sigma_m = -0.1; expect_bad(p, "sigma_m");
    p = p2; p.rho = 1.0; expect_bad(p, "rho");
    p = p2; p.lambda0 = NAN; expect_bad(p, "lambda0");
    p = p2; p.lambda1 = -1; expect_bad(p, "lambda1");
    p = p2; p.mu_v = 5; expect_bad(p, "mu_v");
    p = p2; p.sigma_s = -1; expect_bad(p, "sigma_s");
    p = p2; p.rho_j = 30; expect_bad(p, "rho_j");
    p = p2; p.rho_j = 25.0; p.mu_v = 0.04; expect_bad(p, "rho_j"); /* rho_j mu_v = 1 */
    p = p2; p.lambda1 = 100.0; expect_bad(p, "lambda1");            /* 100 * 0.04 = 4 = kappa_v */
    p = p2; p.sigma_m = 0.0; p.lambda0 = 0.0; p.lambda1 = 0.0;
    assert_int_equal(vr_svcj2_params_validate(&p, "x", NULL, &err), VR_OK); /* both limits valid */
    vr_svcj2_model m = {.spot = 100, .rate = 0.02, .dividend = 0.01, .v0 = 0.02, .m0 = 0.03,
                        .physical = p2, .pricing = p3};
    assert_int_equal(vr_svcj2_model_validate(&m, NULL, &err), VR_OK);
    char k[VR_KEY_MAX];
    m.m0 = -0.01;
    assert_int_equal(vr_svcj2_model_validate(&m, k, &err), VR_EINVAL);
    assert_string_equal(k, "model.m0");
    m.m0 = 0.03;
    m.pricing.kappa_m = 0;
    assert_int_equal(vr_svcj2_model_validate(&m, k, &err), VR_EINVAL);
    assert_string_equal(k, "model.pricing.kappa_m");
}

/* ---------------------------------------------------------------------------------------------
 * Moments and VIX coefficients against RK4. */

/* (E[v], E[m], int E[v]) by RK4 over [0, tau] with n steps. */
static void rk4_moments(const vr_svcj2_params *p, double v, double m, double tau, int n,
                        double out[3])
{
    double y[3] = {v, m, 0.0};
    const double h = tau / n;
    for (int i = 0; i < n; i++) {
        double k[4][3], yt[3];
        for (int s = 0; s < 4; s++) {
            const double c = s == 0 ? 0.0 : (s == 3 ? 1.0 : 0.5);
            for (int j = 0; j < 3; j++)
                yt[j] = y[j] + (s ? c * h * k[s - 1][j] : 0.0);
            k[s][0] = p->kappa_v * (yt[1] - yt[0]) + p->mu_v * (p->lambda0 + p->lambda1 * yt[0]);
            k[s][1] = p->kappa_m * (p->theta - yt[1]);
            k[s][2] = yt[0];
        }
        for (int j = 0; j < 3; j++)
            y[j] += h / 6.0 * (k[0][j] + 2 * k[1][j] + 2 * k[2][j] + k[3][j]);
    }
    memcpy(out, y, sizeof y);
}

static double max_vix_err = 0.0;

static void check_coef(const vr_svcj2_params *p, double tau, const char *what)
{
    const vr_svcj2_vix_coef c = vr_svcj2_vix_coef_make(p, tau);
    const double cj = vr_svcj2_cj(p);
    const double c1 = 1.0 + 2.0 * p->lambda1 * cj;
    const double states[4][2] = {{0, 0}, {0.1, 0}, {0, 0.1}, {0.03, 0.05}};
    for (int s = 0; s < 4; s++) {
        double y[3];
        rk4_moments(p, states[s][0], states[s][1], tau, 20000, y);
        const double ref = c1 * y[2] / tau + 2.0 * p->lambda0 * cj;
        const double got = c.a + c.b_v * states[s][0] + c.b_m * states[s][1];
        const double e = fabs(got - ref) / ref;
        max_vix_err = fmax(max_vix_err, e);
        if (!(e < 1e-12))
            fprintf(stderr, "%s tau %g state %d: VIX^2 %.17g, RK4 %.17g (rel %.2e)\n", what, tau,
                    s, got, ref, e);
        assert_true(e < 1e-12);
        double ev, em;
        vr_svcj2_moments(p, states[s][0], states[s][1], tau, &ev, &em);
        assert_true(fabs(ev - y[0]) <= 1e-12 * fmax(1e-3, y[0]));
        assert_true(fabs(em - y[1]) <= 1e-12 * fmax(1e-3, y[1]));
    }
    assert_true(c.a >= 0 && c.b_v > 0 && c.b_m >= 0);
}

static void test_vix_coef_rk4(void **state)
{
    (void)state;
    const double taus[4] = {9.0 / 365, 30.0 / 365, 93.0 / 365, 183.0 / 365};
    vr_svcj2_params eq = p2; /* kappa_v - lambda1 mu_v = kappa_m exactly */
    eq.kappa_m = eq.kappa_v - eq.lambda1 * eq.mu_v;
    vr_svcj2_params near = eq; /* within the Taylor branch */
    near.kappa_m *= 1.0 + 1e-5;
    vr_svcj2_params edge = eq; /* just outside it: |y1 - y2| ~ 1e-3 at tau = 30d */
    edge.kappa_m += 1.2e-3 * 365.0 / 30.0;
    vr_svcj2_params slow = p3; /* small kappas: y ~ 1e-5 */
    slow.kappa_v = 1e-3;
    slow.lambda1 = 0.0;
    slow.kappa_m = 2e-4;
    vr_svcj2_params fast = p2; /* large kappa tau (series/closed-form switch at y = 2) */
    fast.kappa_v = 60.0;
    fast.kappa_m = 30.0;
    const vr_svcj2_params *ps[] = {&p2, &p3, &eq, &near, &edge, &slow, &fast};
    const char *names[] = {"p2", "p3", "equal rates", "near-equal", "edge", "slow", "fast"};
    for (int i = 0; i < 7; i++)
        for (int t = 0; t < 4; t++)
            check_coef(ps[i], taus[t], names[i]);
    printf("VIX-family coefficients vs RK4: max relative error %.2e\n", max_vix_err);
}

static void test_vix_coef_svcj_limit(void **state)
{
    (void)state;
    const vr_svcj2_params q = vr_svcj2_from_sv(VR_MODEL_SVCJ, &svcj1);
    const double taus[4] = {9.0 / 365, 30.0 / 365, 93.0 / 365, 183.0 / 365};
    double worst = 0.0;
    for (int t = 0; t < 4; t++) {
        const vr_vix_coef c1 = vr_vix_coef_make(VR_MODEL_SVCJ, &svcj1, taus[t]);
        const vr_svcj2_vix_coef c2 = vr_svcj2_vix_coef_make(&q, taus[t]);
        const double ea = fabs(c2.a + c2.b_m * q.theta - c1.a), eb = fabs(c2.b_v - c1.b);
        worst = fmax(worst, fmax(ea, eb));
        assert_true(ea < 1e-15 && eb < 1e-15);
    }
    printf("VIX coefficients, SVCJ limit: max |diff| %.2e\n", worst);
}

/* ---------------------------------------------------------------------------------------------
 * Characteristic function. */

static void test_cf_svcj_limit(void **state)
{
    (void)state;
    const vr_svcj2_params q = vr_svcj2_from_sv(VR_MODEL_SVCJ, &svcj1);
    const vr_sv_params hes = {.kappa = 1.2, .theta = 0.05, .sigma = 1.1, .rho = -0.9};
    const vr_svcj2_params qh = vr_svcj2_from_sv(VR_MODEL_HESTON, &hes);
    const double Ts[4] = {7.0 / 365, 0.25, 1.0, 5.0};
    const double us[7] = {0.1, 1.0, 5.0, 20.0, 60.0, 150.0, 400.0};
    double worst = 0.0;
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < 7; i++)
            for (int im = 0; im < 2; im++) {
                const double complex u = us[i] - I * 0.5 * im; /* real line and Lewis line */
                const double complex a = vr_cf_logprice(VR_MODEL_SVCJ, &svcj1, 0.03, Ts[t], u);
                const double complex b = vr_svcj2_cf(&q, 0.03, q.theta, Ts[t], u);
                const double complex c = vr_cf_logprice(VR_MODEL_HESTON, &hes, 0.08, Ts[t], u);
                const double complex d = vr_svcj2_cf(&qh, 0.08, qh.theta, Ts[t], u);
                const double e = fmax(cabs(a - b), cabs(c - d));
                worst = fmax(worst, e);
                if (!(e < 1e-10))
                    fprintf(stderr, "T %g u %g%+gi: svcj %.3e heston %.3e\n", Ts[t], creal(u),
                            cimag(u), cabs(a - b), cabs(c - d));
                assert_true(e < 1e-10);
            }
    printf("cf vs closed-form SVCJ/Heston: max |diff| %.2e\n", worst);
}

/* d/dz M(z) at 0 is E[X_T] = -(1/2 + lambda1 mbar) int E[v] - lambda0 mbar T + (lambda0 T +
 * lambda1 int E[v]) E[Z_s]: the Riccati solver on the real line against the moment ODEs. */
static void test_cf_mean(void **state)
{
    (void)state;
    const vr_svcj2_params *ps[2] = {&p2, &p3};
    for (int i = 0; i < 2; i++) {
        const vr_svcj2_params *p = ps[i];
        const double T = 0.7, v = 0.05, m = 0.02, h = 1e-4;
        double o1[3], o2[3];
        double complex c1[3], c2[3];
        assert_int_equal(vr_svcj2_riccati(p, T, h, 0, 0, 1e-13, c1), 0);
        assert_int_equal(vr_svcj2_riccati(p, T, -h, 0, 0, 1e-13, c2), 0);
        for (int j = 0; j < 3; j++) {
            o1[j] = creal(c1[j]);
            o2[j] = creal(c2[j]);
        }
        const double dm = ((o1[0] + o1[1] * v + o1[2] * m) - (o2[0] + o2[1] * v + o2[2] * m)) /
                          (2 * h);
        double y[3];
        rk4_moments(p, v, m, T, 20000, y);
        const double mbar = vr_svcj2_mbar(p), ez = p->mu_s + p->rho_j * p->mu_v;
        const double ref = -0.5 * y[2] - mbar * (p->lambda0 * T + p->lambda1 * y[2]) +
                           ez * (p->lambda0 * T + p->lambda1 * y[2]);
        printf("E[ln S_T/F]: Riccati %.12f moments %.12f\n", dm, ref);
        assert_true(fabs(dm - ref) < 1e-8);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Prices. */

static void test_price_svcj_limit(void **state)
{
    (void)state;
    const vr_svcj2_params q = vr_svcj2_from_sv(VR_MODEL_SVCJ, &svcj1);
    const double Ts[4] = {7.0 / 365, 30.0 / 365, 0.25, 1.0};
    const double Ks[5] = {70, 85, 100, 115, 130};
    double worst = 0.0;
    for (int t = 0; t < 4; t++)
        for (int k = 0; k < 5; k++) {
            const int call = Ks[k] >= 100;
            double a, b;
            vr_err err = {VR_OK, ""};
            assert_int_equal(vr_analytic_european(VR_MODEL_SVCJ, &svcj1, 100, 0.03, 0.01, 0.03,
                                                  Ks[k], Ts[t], call, &a, &err), VR_OK);
            if (vr_svcj2_european(&q, 100, 0.03, 0.01, 0.03, q.theta, Ks[k], Ts[t], call, &b,
                                  &err) != VR_OK)
                fprintf(stderr, "%s\n", err.msg);
            assert_int_equal(err.code, VR_OK);
            worst = fmax(worst, fabs(a - b));
            if (!(fabs(a - b) < 1e-8 * 100))
                fprintf(stderr, "T %g K %g: svcj %.12f svcj2 %.12f\n", Ts[t], Ks[k], a, b);
            assert_true(fabs(a - b) < 1e-8 * 100);
        }
    printf("SPX price, SVCJ limit vs closed form: max |diff| %.2e (S0 = 100)\n", worst);
}

static void test_price_fourier_vs_cos(void **state)
{
    (void)state;
    const vr_svcj2_params *ps[2] = {&p2, &p3};
    const double Ts[4] = {7.0 / 365, 30.0 / 365, 0.25, 1.0};
    const double Ks[3] = {70, 100, 130};
    const double vm[2][2] = {{0.02, 0.03}, {0.09, 0.02}};
    double worst = 0.0;
    for (int i = 0; i < 2; i++)
        for (int t = 0; t < 4; t++)
            for (int k = 0; k < 3; k++) {
                const int call = Ks[k] >= 100;
                double a, b;
                vr_err err = {VR_OK, ""};
                if (vr_svcj2_european(ps[i], 100, 0.03, 0.01, vm[i][0], vm[i][1], Ks[k], Ts[t],
                                      call, &a, &err) != VR_OK)
                    fprintf(stderr, "%s\n", err.msg);
                assert_int_equal(err.code, VR_OK);
                if (vr_svcj2_european_cos(ps[i], 100, 0.03, 0.01, vm[i][0], vm[i][1], Ks[k],
                                          Ts[t], call, Ts[t] >= 0.5 ? 4096 : 1024, 40.0, &b, &err) != VR_OK)
                    fprintf(stderr, "%s\n", err.msg);
                assert_int_equal(err.code, VR_OK);
                worst = fmax(worst, fabs(a - b));
                if (!(fabs(a - b) < 1e-8 * 100))
                    fprintf(stderr, "set %d T %g K %g: fourier %.12f cos %.12f\n", i, Ts[t],
                            Ks[k], a, b);
                assert_true(fabs(a - b) < 1e-8 * 100); /* target 1e-6 S0; measured ~1e-10 */
            }
    printf("SPX price, Fourier vs COS (svcj2 sets): max |diff| %.2e (S0 = 100)\n", worst);
}

/* The COS comparison can fail: a deliberately short series is off by more than the tolerance. */
static void test_cos_can_fail(void **state)
{
    (void)state;
    double a, b;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_svcj2_european(&p2, 100, 0.03, 0.01, 0.02, 0.03, 100, 1.0, 1, &a, &err),
                     VR_OK);
    assert_int_equal(vr_svcj2_european_cos(&p2, 100, 0.03, 0.01, 0.02, 0.03, 100, 1.0, 1, 16,
                                           14.0, &b, &err), VR_OK);
    assert_true(fabs(a - b) > 1e-6 * 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_vix_coef_rk4),
        cmocka_unit_test(test_vix_coef_svcj_limit),
        cmocka_unit_test(test_cf_svcj_limit),
        cmocka_unit_test(test_cf_mean),
        cmocka_unit_test(test_price_svcj_limit),
        cmocka_unit_test(test_price_fourier_vs_cos),
        cmocka_unit_test(test_cos_can_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
