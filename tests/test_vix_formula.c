/* test_vix_formula.c: VIX from the model state.
 *
 * (VIX/100)^2 = (1/tau) int_0^tau E[v_s] ds + 2 lambda E[e^Z - 1 - Z]. The coefficients (a, b)
 * of vr_vix_coef_make are checked against an independent evaluation of both terms: Simpson's
 * rule on the closed-form mean E[v_s] = theta* + (v - theta*) e^{-kappa s}, and quadrature of the
 * jump convexity over the jump-size densities. Then a Monte Carlo check that the mean of the
 * simulated variance follows E[v_s] (so the VIX the paths see is the model's). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_model.h"
#include "vixrisk/vr_sim.h"
#include "vr_test_util.h"

static double simpson(double (*f)(double, const void *), const void *ctx, double a, double b, int n)
{
    const double h = (b - a) / n;
    double s = f(a, ctx) + f(b, ctx);
    for (int i = 1; i < n; i++)
        s += (i % 2 ? 4.0 : 2.0) * f(a + i * h, ctx);
    return s * h / 3.0;
}

typedef struct mean_ctx { double kappa, th_star, v; } mean_ctx;
static double ev(double s, const void *c)
{
    const mean_ctx *m = c;
    return m->th_star + (m->v - m->th_star) * exp(-m->kappa * s);
}

/* E[g(Z)] for Z ~ N(mu, sd^2), by Simpson on +-12 sd. */
typedef struct nctx { double mu, sd; } nctx;
static double conv_n(double x, const void *c)
{
    const nctx *n = c;
    const double z = n->mu + n->sd * x;
    return (expm1(z) - z) * exp(-0.5 * x * x) / sqrt(2 * M_PI);
}
/* SVCJ: E over Zv ~ Exp(mu_v) of E[e^Z - 1 - Z | Zv], Z | Zv ~ N(mu_s + rho_j Zv, sigma_s^2). */
typedef struct sctx { double mu_v, mu_s, sigma_s, rho_j; } sctx;
static double conv_s(double y, const void *c)
{
    const sctx *s = c;
    const nctx n = {s->mu_s + s->rho_j * y, s->sigma_s};
    return simpson(conv_n, &n, -12, 12, 400) * exp(-y / s->mu_v) / s->mu_v;
}

static void test_vix_coefficients(void **state)
{
    (void)state;
    const vr_sv_params hes = {.kappa = 2.0, .theta = 0.04, .sigma = 0.5, .rho = -0.7};
    const vr_sv_params bat = {.kappa = 1.5, .theta = 0.03, .sigma = 0.4, .rho = -0.6, .lambda = 0.8,
                              .mu_j = -0.08, .sigma_j = 0.12};
    const vr_sv_params svc = {.kappa = 3.0, .theta = 0.025, .sigma = 0.5, .rho = -0.7, .lambda = 1.2,
                              .mu_v = 0.06, .mu_s = -0.05, .sigma_s = 0.07, .rho_j = -0.5};
    const double taus[3] = {VR_VIX_TAU_9D, VR_VIX_TAU_30D, VR_VIX_TAU_93D};
    const double vs[4] = {0.0, 0.01, 0.04, 0.5};
    for (int m = 0; m < 3; m++) {
        const vr_model_type t = (vr_model_type)m;
        const vr_sv_params *p = m == 0 ? &hes : m == 1 ? &bat : &svc;
        double jump = 0;
        if (t == VR_MODEL_BATES) {
            const nctx n = {p->mu_j, p->sigma_j};
            jump = 2 * p->lambda * simpson(conv_n, &n, -12, 12, 2000);
        } else if (t == VR_MODEL_SVCJ) {
            const sctx s = {p->mu_v, p->mu_s, p->sigma_s, p->rho_j};
            jump = 2 * p->lambda * simpson(conv_s, &s, 0, 40 * p->mu_v, 2000);
        }
        const double th_star = p->theta + (t == VR_MODEL_SVCJ ? p->lambda * p->mu_v / p->kappa : 0);
        for (int k = 0; k < 3; k++) {
            const vr_vix_coef c = vr_vix_coef_make(t, p, taus[k]);
            for (int j = 0; j < 4; j++) {
                const mean_ctx mc = {p->kappa, th_star, vs[j]};
                const double want = simpson(ev, &mc, 0, taus[k], 200) / taus[k] + jump;
                const double got = c.a + c.b * vs[j];
                if (fabs(got - want) > 1e-10 * fmax(1, want))
                    printf("%s tau %.4f v %.3f: got %.12f want %.12f\n", vr_model_type_name(t),
                           taus[k], vs[j], got, want);
                assert_true(fabs(got - want) <= 1e-10 * fmax(1, want));
            }
        }
        const vr_vix_coef c = vr_vix_coef_make(t, p, VR_VIX_TAU_30D);
        printf("%s: VIX at v=theta: %.4f (jump term %.3e)\n", vr_model_type_name(t),
               vr_vix_level(c, p->theta), jump);
    }
    /* 30-day VIX of a Heston model at v = theta is 100 sqrt(theta) exactly. */
    assert_true(fabs(vr_vix_level(vr_vix_coef_make(VR_MODEL_HESTON, &hes, VR_VIX_TAU_30D), 0.04) - 20.0) < 1e-12);
}

/* Simulated E[v_t] (SVCJ, QE + jumps) against the closed form at 30 and 93 days, within 4 SE. */
typedef struct obs_ctx { double *v30, *v93; size_t k30, k93; } obs_ctx;
static void on_step(void *ctx, const vr_sim_block *b, size_t step)
{
    obs_ctx *o = ctx;
    if (step == o->k30)
        memcpy(o->v30 + b->path0, b->var, b->n * 8);
    if (step == o->k93)
        memcpy(o->v93 + b->path0, b->var, b->n * 8);
}

static void test_simulated_mean_variance(void **state)
{
    (void)state;
    const size_t P = 100000;
    const vr_sv_params p = {.kappa = 3.0, .theta = 0.025, .sigma = 0.5, .rho = -0.7, .lambda = 1.2,
                            .mu_v = 0.06, .mu_s = -0.05, .sigma_s = 0.07, .rho_j = -0.5};
    vr_sim_spec s = {.type = VR_MODEL_SVCJ, .params = p, .spot = 100, .rate = 0.02, .v0 = 0.06,
                     .horizon = 93.0 / 365, .steps = 93, .paths = P, .seed = 5};
    obs_ctx o = {malloc(P * 8), malloc(P * 8), 30, 93};
    const vr_sim_observer obs = {&o, on_step, NULL};
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_sim_run(&s, &obs, &err), VR_OK);
    const double th_star = p.theta + p.lambda * p.mu_v / p.kappa;
    for (int k = 0; k < 2; k++) {
        const double *v = k ? o.v93 : o.v30;
        const double t = (k ? 93.0 : 30.0) / 365;
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < P; i++) {
            s1 += v[i];
            s2 += v[i] * v[i];
        }
        const double mean = s1 / P, se = sqrt((s2 / P - mean * mean) / P);
        const double want = th_star + (s.v0 - th_star) * exp(-p.kappa * t);
        printf("E[v] at %3.0f days: mc %.6f se %.6f want %.6f (z %+.2f)\n", t * 365, mean, se, want,
               (mean - want) / se);
        assert_true(fabs(mean - want) <= 4 * se);
    }
    free(o.v30);
    free(o.v93);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vix_coefficients),
        cmocka_unit_test(test_simulated_mean_variance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
