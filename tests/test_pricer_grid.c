/* test_pricer_grid.c: the semi-analytic European pricer (vr_analytic.h) over the edges of the
 * valid parameter space, where it used to return NaN silently (about 3% of a Heston grid with
 * |rho| >= 0.9 and T >= 0.25, and Bates/SVCJ siblings).
 *
 * For each model a grid of several thousand calls and puts: vol of vol up to 2, Feller ratio
 * 2 kappa theta / sigma^2 down to 0.05, rho in [-0.99, 0.99], v0 from 5% to 400% of theta,
 * expiries 1 day to 5 years, strikes 50% to 200% of spot; Bates with jump intensities up to 5
 * per year and jumps of -30%/+10% with dispersion up to 0.3; SVCJ with mu_v = 0.2, rho_j mu_v =
 * 0.95 (near the bound 1 where E[e^Z] explodes) or -1. Every price must come back VR_OK, finite
 * and inside the no-arbitrage bounds max(0, S e^{-qT} - K e^{-rT}) <= C <= S e^{-qT} (puts
 * likewise). A fixed pseudo-random subset is priced again with the fallback method alone
 * (Gil-Pelaez P1/P2 on Im u = 0 and -1: another formula and other contours, no control variate)
 * and must agree to XCHECK_TOL * S.
 *
 * The reference case of the defect report: Heston S = 5000, v0 = 0.04, kappa = 5, theta = 0.04,
 * sigma = 0.8, rho = -0.9, r = 0.03, q = 0.01, call K = 6000, T = 1, was printed as `nan`. Its
 * value 40.649495532128 was computed independently: the characteristic function by RK4 on the
 * Riccati ODEs in long double (step h with h (|d| + kappa) <= 1/320, plus 200 steps), the price
 * by Lewis' formula on Im u = -1/2 with the trapezoidal rule (h = 0.05, u <= 250; the integrand
 * there is 5e-19). Doubling the RK4 resolution (160 -> 320 steps per unit) moved the value by
 * 4e-12, halving the trapezoid step changed nothing, so the reference is good to ~1e-11.
 *
 * The generic entry point is exercised with a Black-Scholes characteristic function (exact
 * prices known) and with a callback that fails (the error must name the model and the case). */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_price.h"

#define XCHECK_TOL 1e-8 /* contour vs Gil-Pelaez, in units of S */
#define XCHECK_N 24     /* cross-checked points per model */

static double wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Parameter set number i of the grid for model t (i < n_sets). */
enum { N_SIG = 2, N_FEL = 2, N_RHO = 5, N_V = 2 };
static const double g_sig[N_SIG] = {0.3, 2.0};
static const double g_fel[N_FEL] = {0.05, 1.0};
static const double g_rho[N_RHO] = {-0.99, -0.9, 0.0, 0.9, 0.99};
static const double g_vm[N_V] = {0.05, 4.0};
static const double g_tau[5] = {1.0 / 365, 30.0 / 365, 0.25, 1.0, 5.0};
static const double g_km[6] = {0.5, 0.8, 0.95, 1.05, 1.3, 2.0};
#define N_SETS (N_SIG * N_FEL * N_RHO * N_V * 2)

static void grid_params(vr_model_type t, int i, vr_sv_params *p, double *v)
{
    const int is = i % N_SIG, ifel = (i / N_SIG) % N_FEL, ir = (i / (N_SIG * N_FEL)) % N_RHO;
    const int iv = (i / (N_SIG * N_FEL * N_RHO)) % N_V, ij = i / (N_SIG * N_FEL * N_RHO * N_V);
    memset(p, 0, sizeof *p);
    p->theta = ij ? 0.09 : 0.02;
    p->sigma = g_sig[is];
    p->kappa = g_fel[ifel] * p->sigma * p->sigma / (2.0 * p->theta);
    if (p->kappa > 100)
        p->kappa = 100;
    p->rho = g_rho[ir];
    *v = g_vm[iv] * p->theta;
    if (t == VR_MODEL_BATES) {
        p->lambda = ij ? 3.0 : 0.5;
        p->mu_j = (ir & 1) ? 0.1 : -0.3;
        p->sigma_j = is ? 0.3 : 0.05;
    } else if (t == VR_MODEL_SVCJ) {
        p->lambda = ij ? 3.0 : 1.0;
        p->mu_v = 0.2;
        p->mu_s = -0.1;
        p->sigma_s = 0.1;
        p->rho_j = (ir & 1) ? 0.95 / p->mu_v : -0.4 / p->mu_v;
    }
}

/* Heston runs every rho; the jump models, 3-10 times dearer per price, rho in {-0.99, 0, 0.99}. */
static int set_used(vr_model_type t, int i)
{
    const int ir = (i / (N_SIG * N_FEL)) % N_RHO;
    return t == VR_MODEL_HESTON || ir == 0 || ir == 2 || ir == 4;
}

static void run_grid(vr_model_type t)
{
    const double S = 100, r = 0.03, q = 0.01;
    long n = 0, bad = 0;
    double worst_t = 0, total_t = 0;
    for (int i = 0; i < N_SETS; i++) {
        vr_sv_params p;
        double v;
        if (!set_used(t, i))
            continue;
        grid_params(t, i, &p, &v);
        for (int j = 0; j < 5; j++)
            for (int m = 0; m < 6; m++) {
                const int call = (i + j + m) & 1;
                {
                    const double T = g_tau[j], K = S * g_km[m];
                    vr_err err;
                    vr_err_clear(&err);
                    double pr = NAN;
                    const double t0 = wall();
                    const vr_status st = vr_analytic_european(t, &p, S, r, q, v, K, T, call, &pr,
                                                              &err);
                    const double dt = wall() - t0;
                    total_t += dt;
                    worst_t = fmax(worst_t, dt);
                    n++;
                    const double pv_s = S * exp(-q * T), pv_k = K * exp(-r * T);
                    const double lo = call ? fmax(pv_s - pv_k, 0) : fmax(pv_k - pv_s, 0);
                    const double hi = call ? pv_s : pv_k;
                    if (st != VR_OK || !isfinite(pr) || pr < lo || pr > hi) {
                        if (bad < 5)
                            print_message("[grid] %s set %d T=%g K=%g %s: status %d price %g "
                                          "bounds [%g, %g] %s\n",
                                          vr_model_type_name(t), i, T, K, call ? "call" : "put",
                                          (int)st, pr, lo, hi, err.msg);
                        bad++;
                    }
                }
            }
    }
    print_message("[grid] %-6s %ld prices, %ld failures; mean %.0f us, worst %.1f ms\n",
                  vr_model_type_name(t), n, bad, 1e6 * total_t / (double)n, 1e3 * worst_t);
    assert_int_equal(bad, 0);
}

/* The same grid, XCHECK_N points drawn by a fixed LCG, contour vs Gil-Pelaez. */
static void run_xcheck(vr_model_type t)
{
    const double S = 100, r = 0.03, q = 0.01;
    uint64_t state = 0x9e3779b97f4a7c15ULL + (uint64_t)t;
    double worst = 0;
    for (int n = 0; n < XCHECK_N; n++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const uint64_t x = state >> 17;
        const int i = (int)(x % N_SETS), j = (int)((x / N_SETS) % 5);
        const int m = (int)((x / (N_SETS * 5)) % 6), call = (int)((x >> 40) & 1);
        if (!set_used(t, i)) {
            n--;
            continue;
        }
        vr_sv_params p;
        double v;
        grid_params(t, i, &p, &v);
        vr_affine_cf mod;
        vr_cf_spec spec;
        vr_err err;
        vr_err_clear(&err);
        assert_int_equal(vr_affine_cf_init(&mod, t, &p, v, g_tau[j], &spec, &err), VR_OK);
        double a = NAN, b = NAN;
        vr_fourier_info ia, ib;
        const double K = S * g_km[m];
        if (vr_fourier_european(&spec, S, r, q, K, call, VR_FOURIER_CONTOUR, &a, &ia, &err) !=
                VR_OK ||
            vr_fourier_european(&spec, S, r, q, K, call, VR_FOURIER_GIL_PELAEZ, &b, &ib, &err) !=
                VR_OK)
            fail_msg("%s", err.msg);
        const double d = fabs(a - b) / S;
        if (d > worst)
            worst = d;
        if (!(d <= XCHECK_TOL))
            fail_msg("%s set %d T=%g K=%g %s: contour %.15g (alpha %g) Gil-Pelaez %.15g, "
                     "diff %.3g S > %.3g S",
                     vr_model_type_name(t), i, g_tau[j], K, call ? "call" : "put", a, ia.alpha,
                     b, d, XCHECK_TOL);
    }
    print_message("[grid] %-6s contour vs Gil-Pelaez on %d points: max |diff| %.2e S\n",
                  vr_model_type_name(t), XCHECK_N, worst);
}

static void test_grid_heston(void **state)
{
    (void)state;
    run_grid(VR_MODEL_HESTON);
    run_xcheck(VR_MODEL_HESTON);
}

static void test_grid_bates(void **state)
{
    (void)state;
    run_grid(VR_MODEL_BATES);
    run_xcheck(VR_MODEL_BATES);
}

static void test_grid_svcj(void **state)
{
    (void)state;
    run_grid(VR_MODEL_SVCJ);
    run_xcheck(VR_MODEL_SVCJ);
}

static void test_reference_case(void **state)
{
    (void)state;
    const vr_sv_params p = {.kappa = 5, .theta = 0.04, .sigma = 0.8, .rho = -0.9};
    vr_err err;
    vr_err_clear(&err);
    double c = NAN, pu = NAN;
    assert_int_equal(vr_analytic_european(VR_MODEL_HESTON, &p, 5000, 0.03, 0.01, 0.04, 6000, 1,
                                          1, &c, &err), VR_OK);
    assert_int_equal(vr_analytic_european(VR_MODEL_HESTON, &p, 5000, 0.03, 0.01, 0.04, 6000, 1,
                                          0, &pu, &err), VR_OK);
    const double ref = 40.649495532128;
    if (!(fabs(c - ref) <= 1e-9))
        fail_msg("call %.15g, reference %.15g", c, ref);
    const double par = 5000 * exp(-0.01) - 6000 * exp(-0.03);
    if (!(fabs(pu - (ref - par)) <= 1e-9))
        fail_msg("put %.15g, reference by parity %.15g", pu, ref - par);
}

/* Black-Scholes through the generic entry point: log psi(u) = -s2 (u^2 + i u)/2. */
static int bs_log_cf(void *ctx, double complex u, double complex *out)
{
    const double s2 = *(const double *)ctx;
    *out = -0.5 * s2 * (u * u + I * u);
    return 0;
}

static int failing_log_cf(void *ctx, double complex u, double complex *out)
{
    (void)ctx;
    *out = creal(u) > 3.0 ? NAN : 0.0;
    return 0;
}

static void test_generic_entry_point(void **state)
{
    (void)state;
    const double sig = 0.35, tau = 0.7, s2 = sig * sig * tau;
    /* a different variance for the control variate than the cf's, so the integral is not 0 */
    vr_cf_spec spec = {.log_cf = bs_log_cf, .ctx = (void *)&s2, .tau = tau, .variance = 0.5 * s2,
                       .alpha_min = -20, .alpha_max = 20, .desc = "black-scholes"};
    for (int m = 1; m <= 2; m++)
        for (double K = 50; K <= 200; K *= 1.25)
            for (int call = 0; call < 2; call++) {
                vr_err err;
                vr_err_clear(&err);
                double pr = NAN;
                vr_fourier_info info;
                assert_int_equal(vr_fourier_european(&spec, 100, 0.02, 0.01, K, call,
                                                     (vr_fourier_method)m, &pr, &info, &err),
                                 VR_OK);
                assert_int_equal(info.method, m);
                const double want = vr_bs_price(100, K, 0.02, 0.01, sig, tau, call);
                if (!(fabs(pr - want) <= 1e-10 * 100))
                    fail_msg("method %d K=%g: %.15g want %.15g", m, K, pr, want);
            }
    /* a cf that turns NaN: an error naming the model and the case, never a number */
    vr_cf_spec badspec = {.log_cf = failing_log_cf, .tau = 1, .variance = 0.04, .alpha_min = 0,
                          .alpha_max = 1, .desc = "broken-model (x=1)"};
    vr_err err;
    vr_err_clear(&err);
    double pr = -42;
    assert_int_equal(vr_fourier_european(&badspec, 100, 0, 0, 120, 1, VR_FOURIER_AUTO, &pr, NULL,
                                         &err), VR_ENUM);
    assert_true(pr == -42);
    const char *needles[] = {"broken-model (x=1)", "K=120", "tau=1", "not finite", "Gil-Pelaez"};
    for (size_t i = 0; i < sizeof needles / sizeof *needles; i++)
        if (strstr(err.msg, needles[i]) == NULL)
            fail_msg("message \"%s\" does not mention \"%s\"", err.msg, needles[i]);
    /* a strip that does not contain [0, 1] is a usage error */
    badspec.alpha_max = 0.5;
    vr_err_clear(&err);
    assert_int_equal(vr_fourier_european(&badspec, 100, 0, 0, 120, 1, VR_FOURIER_AUTO, &pr, NULL,
                                         &err), VR_EINVAL);
}

/* vr_price (the `price` command): the defect case now carries a finite direct price; a direct
 * price that cannot be computed fails the request with the pricer's reason instead of returning
 * VR_OK with a NaN (VIX options beyond the pricer's 10-year range used to print `null`). */
static void test_price_request(void **state)
{
    (void)state;
    vr_price_req req;
    memset(&req, 0, sizeof req);
    req.model.type = VR_MODEL_HESTON;
    req.model.spot = 5000;
    req.model.rate = 0.03;
    req.model.dividend = 0.01;
    req.model.v0 = 0.04;
    req.model.physical = (vr_sv_params){.kappa = 5, .theta = 0.04, .sigma = 0.8, .rho = -0.9};
    req.model.pricing = req.model.physical;
    req.underlying = VR_UNDERLYING_SPX;
    req.option = VR_OPTION_CALL;
    req.strike = 6000;
    req.expiry = 1;
    req.paths = 64;
    req.steps_per_year = 12;
    req.seed = 1;
    req.threads = 1;
    vr_price_result res;
    vr_err err;
    vr_err_clear(&err);
    assert_int_equal(vr_price(&req, &res, &err), VR_OK);
    assert_true(fabs(res.analytic - 40.649495532128) <= 1e-9);
    assert_true(isfinite(res.z));
    req.paths = 1; /* no spread: z is undefined and says so */
    assert_int_equal(vr_price(&req, &res, &err), VR_OK);
    assert_true(isnan(res.z));
    req.underlying = VR_UNDERLYING_VIX;
    req.strike = 20;
    req.expiry = 20;
    vr_err_clear(&err);
    const vr_status st = vr_price(&req, &res, &err);
    assert_true(st != VR_OK);
    if (strstr(err.msg, "expiry") == NULL)
        fail_msg("message \"%s\" does not give the reason", err.msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_case),
        cmocka_unit_test(test_generic_entry_point),
        cmocka_unit_test(test_price_request),
        cmocka_unit_test(test_grid_heston),
        cmocka_unit_test(test_grid_bates),
        cmocka_unit_test(test_grid_svcj),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
