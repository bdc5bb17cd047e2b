/* test_svcj2_poisson_tail.c: svcj2's per-step jump count is Poisson((lambda0 + lambda1 v) dt) for
 * every intensity, not a count stopped at VK_POISSON_KMAX = 32.
 *
 * lambda1 v dt has no bound (v has none; lambda1 goes to 1e4): at lambda1 = 9000, v = 0.6 and
 * daily steps the mean count is 21 and the count exceeds 32 on many lane-steps. The drift is
 * compensated with the whole Poisson law (E[(1 + mbar)^N] = e^{l mbar}), so a capped count left
 * the compensation without the jumps it pays for: E[S_T]/F = 1.163 after a month (10 standard
 * errors) with the count stopped at 32 on this set; 13.3 (48 SE) with mu_v 0.011, a set whose
 * daily step is not stationary (lambda1 mu_v dt above 1 - e^{-kappa_v dt}), which the path
 * generator now refuses (test_svcj2_coarse). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vixrisk/vr_sim.h"
#include "vixrisk/vk.h"
#include "vr_test_util.h"

/* The Poisson(l) quantile of u, independently: terms exp(-l + k ln l - lgamma(k + 1)) summed in
 * long double. *gap: the distance of u to the nearest CDF level crossed, for ties. */
static int quantile(double l, double u, long double *gap)
{
    long double cdf = 0;
    for (int k = 0;; k++) {
        const long double prev = cdf;
        cdf += expl(-(long double)l + k * logl(l) - lgammal(k + 1.0L));
        if ((long double)u <= cdf) {
            *gap = fminl(cdf - u, u - prev);
            return k;
        }
    }
}

static void test_count_is_the_quantile(void **state)
{
    (void)state;
    const double ls[] = {0.5, 2.0, 10.0, 31.0, 40.0, 100.0, 300.0, 699.0, 701.0, 800.0, 2000.0};
    const double us[] = {1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999};
    int n = 0;
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++) {
        for (size_t j = 0; j < sizeof us / sizeof us[0]; j++) {
            long double gap;
            const int want = quantile(ls[i], us[j], &gap);
            const int got = vk_poisson_inv(ls[i], us[j]);
            /* a u within 1e-9 of a CDF level may round either way */
            if (got != want && !(gap < 1e-9L && abs(got - want) == 1))
                fail_msg("Poisson(%g) at u = %g: count %d, quantile %d", ls[i], us[j], got, want);
            n++;
        }
    }
    printf("%d (l, u) pairs: the count is the Poisson quantile up to l = 2000\n", n);
    /* beyond a mean of 4096 jumps a step the count is 4096 (bounded work per lane-step: a path
     * whose v explodes under coarse steps reaches any l), at once */
    const double huge[] = {4096.5, 1e5, 1e12, 1e300, INFINITY};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
        assert_int_equal(vk_poisson_inv(huge[i], 0.5), 4096);
}

/* E[S_T] = F with a mean count of 21 jumps a step at the start. */
static void test_forward_with_many_jumps(void **state)
{
    (void)state;
    const size_t P = 8000;
    double *ls = malloc(P * sizeof *ls), *v = malloc(P * sizeof *v), *m = malloc(P * sizeof *m);
    vr_sim_spec s = {
        .type = VR_MODEL_SVCJ2, .spot = 100, .rate = 0.0, .dividend = 0.0, .v0 = 0.6, .m0 = 0.1,
        .horizon = 1.0 / 12, .steps = 21, .paths = P, .seed = 3, .scheme = VR_SCHEME_QE,
        .threads = 1,
    };
    s.params.s2 = (vr_svcj2_params){
        .kappa_v = 100, .kappa_m = 1, .theta = 0.1, .sigma_v = 0.5, .sigma_m = 0.1, .rho = -0.7,
        .lambda0 = 0, .lambda1 = 9000, .mu_v = 0.008, .mu_s = -0.05, .sigma_s = 0.02, .rho_j = 0};
    double *x[VR_FACTORS_MAX] = {v, m};
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_sim_terminal_x(&s, ls, x, &err), VR_OK);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < P; i++) {
        const double r = exp(ls[i]) / 100;
        s1 += r;
        s2 += r * r;
    }
    const double mean = s1 / P, se = sqrt((s2 / P - mean * mean) / P);
    const double z = (mean - 1) / se;
    printf("svcj2, lambda1 = 9000, v0 = 0.6, a month of daily steps: E[S_T]/F = %.5f (se %.5f, "
           "z %.2f)\n", mean, se, z);
    assert_true(fabs(z) < 4);
    free(ls);
    free(v);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_is_the_quantile),
        cmocka_unit_test(test_forward_with_many_jumps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
