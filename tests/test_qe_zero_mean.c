/* test_qe_zero_mean.c: the QE steps where the conditional mean of the next variance is 0 (or its
 * square is below the smallest double), so that psi = s^2/m^2 is infinite.
 *
 * That happens with legal parameters: v = 0 (the exponential branch puts a lane there, and v0 may
 * be 0) with kappa dt below 2^-53, where e^{-kappa dt} rounds to 1 and m = theta + (0 - theta) e
 * is exactly 0; or with a theta so small that m^2 underflows. The next variance is then 0 with
 * probability 1 (mean 0, never negative), the limit p = 1 of the exponential branch; the textbook
 * p = (psi - 1)/(psi + 1) is inf/inf = NaN there, and a NaN path reached every result. Each
 * kernel (every ISA, the fast and single variants, svcj2) must give finite numbers and v' = 0 on
 * such lanes, the vector variants the reference's numbers; and whole paths through vr_sim stay
 * finite. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_sim.h"
#include "vixrisk/vr_svcj2.h"
#include "vixrisk/vk.h"
#include "vr_test_util.h"

#define N 64

typedef struct lanes {
    double *zv, *uv, *zs, *zm, *um, *uc, *ls, *v, *m;
    uint64_t *st, *inc;
} lanes;

static double *dal(void) { return vr_aligned_alloc(N * sizeof(double)); }

/* Lanes with v = 0 (and m = 0 for svcj2) and the extreme draws, and some with a positive v. */
static void lanes_init(lanes *l)
{
    static const double zs[] = {-8.65, 0.0, 8.65};
    static const double us[] = {0x1p-54, 0.5, 1.0 - 0x1p-53};
    for (int i = 0; i < N; i++) {
        l->zv[i] = zs[i % 3];
        l->zs[i] = zs[(i / 3) % 3];
        l->zm[i] = zs[(i + 1) % 3];
        l->uv[i] = us[(i / 9) % 3];
        l->um[i] = us[i % 3];
        l->uc[i] = 0.5;
        l->ls[i] = log(100.0);
        l->v[i] = i < 48 ? 0.0 : 1e-3 * (i - 47);
        l->m[i] = i < 48 ? 0.0 : 0.04;
        vk_pcg32 r;
        vk_pcg32_stream(&r, 3, 0, (uint64_t)i);
        l->st[i] = r.state;
        l->inc[i] = r.inc;
    }
}

static void lanes_alloc(lanes *l)
{
    l->zv = dal(); l->uv = dal(); l->zs = dal(); l->zm = dal(); l->um = dal(); l->uc = dal();
    l->ls = dal(); l->v = dal(); l->m = dal();
    l->st = vr_aligned_alloc(N * 8);
    l->inc = vr_aligned_alloc(N * 8);
}

static void lanes_free(lanes *l)
{
    vr_free(l->zv); vr_free(l->uv); vr_free(l->zs); vr_free(l->zm); vr_free(l->um); vr_free(l->uc);
    vr_free(l->ls); vr_free(l->v); vr_free(l->m); vr_free(l->st); vr_free(l->inc);
}

static void assert_lanes_finite(const char *what, const lanes *l, int zero_v)
{
    for (int i = 0; i < N; i++) {
        if (!isfinite(l->ls[i]) || !isfinite(l->v[i]) || !(l->v[i] >= 0) || !isfinite(l->m[i]))
            fail_msg("%s: lane %d: ln S %g, v %g, m %g", what, i, l->ls[i], l->v[i], l->m[i]);
        if (zero_v && i < 48 && l->v[i] != 0.0)
            fail_msg("%s: lane %d: v = m = 0 must step to 0 (got %g)", what, i, l->v[i]);
    }
}

/* kappa dt < 2^-53 (e^{-kappa dt} == 1) and a theta whose m^2 underflows, at a day, a year */
static const vr_sv_params sets[] = {
    {.kappa = 1e-15, .theta = 0.04, .sigma = 0.5, .rho = -0.7},
    {.kappa = 1e-15, .theta = 0.04, .sigma = 0.5, .rho = 0.7},
    {.kappa = 2.0, .theta = 1e-300, .sigma = 0.5, .rho = -0.7},
    {.kappa = 1e-6, .theta = 1e-300, .sigma = 10, .rho = 0.99},
};
static const double dts[] = {1.0 / 252, 1.0};

static void test_heston_qe_zero_mean(void **state)
{
    const vk_table *t = need_isa(*state);
    lanes a, b;
    lanes_alloc(&a);
    lanes_alloc(&b);
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
            vk_heston_coef c;
            vr_heston_coef_make(VR_MODEL_HESTON, &sets[s], 0.03, 0.01, dts[d], &c);
            char what[128];
            const int zero_mean = c.ekdt == 1.0 || sets[s].theta < 1e-200;
            for (int k = 0; k < 3; k++) {
                vk_heston_qe_fn fn = k == 0 ? t->heston_qe : k == 1 ? t->heston_qe_fast : NULL;
                lanes_init(&a);
                lanes_init(&b);
                if (fn != NULL) {
                    vk_table_ref.heston_qe(&c, a.zv, a.uv, a.zs, a.ls, a.v, N);
                    fn(&c, b.zv, b.uv, b.zs, b.ls, b.v, N);
                } else {
                    vk_table_ref.heston_qe_single(&c, a.st, a.inc, a.ls, a.v, N);
                    t->heston_qe_single(&c, b.st, b.inc, b.ls, b.v, N);
                }
                snprintf(what, sizeof what, "%s heston_qe%s set %zu dt %g (reference)", t->isa,
                         k == 0 ? "" : k == 1 ? "_fast" : "_single", s, dts[d]);
                assert_lanes_finite(what, &a, zero_mean);
                snprintf(what, sizeof what, "%s heston_qe%s set %zu dt %g", t->isa,
                         k == 0 ? "" : k == 1 ? "_fast" : "_single", s, dts[d]);
                assert_lanes_finite(what, &b, zero_mean);
                for (int i = 0; i < 48; i++) /* the degenerate lanes: no log, exact */
                    if (a.ls[i] != b.ls[i] || a.v[i] != b.v[i])
                        fail_msg("%s: lane %d: (%.17g, %g) against the reference's (%.17g, %g)",
                                 what, i, b.ls[i], b.v[i], a.ls[i], a.v[i]);
            }
        }
    }
    lanes_free(&a);
    lanes_free(&b);
}

static void test_svcj2_zero_mean(void **state)
{
    const vk_table *t = need_isa(*state);
    lanes a, b;
    lanes_alloc(&a);
    lanes_alloc(&b);
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
            const vr_svcj2_params p = {
                .kappa_v = sets[s].kappa, .kappa_m = sets[s].kappa, .theta = sets[s].theta,
                .sigma_v = sets[s].sigma, .sigma_m = 0.5 * sets[s].sigma, .rho = sets[s].rho,
                .lambda0 = 1.0, .lambda1 = 0.0, .mu_v = 0.01, .mu_s = -0.03, .sigma_s = 0.05,
                .rho_j = -0.5};
            vk_svcj2_coef c;
            vr_svcj2_coef_make(&p, 0.03, 0.01, dts[d], &c);
            for (int k = 0; k < 2; k++) {
                vk_svcj2_step_fn fn = k ? t->svcj2_step_fast : t->svcj2_step;
                lanes_init(&a);
                lanes_init(&b);
                vk_table_ref.svcj2_step(&c, a.zv, a.uv, a.zm, a.um, a.zs, a.uc, a.st, a.inc, a.ls,
                                        a.v, a.m, N);
                fn(&c, b.zv, b.uv, b.zm, b.um, b.zs, b.uc, b.st, b.inc, b.ls, b.v, b.m, N);
                char what[128];
                snprintf(what, sizeof what, "%s svcj2_step%s set %zu dt %g (reference)", t->isa,
                         k ? "_fast" : "", s, dts[d]);
                assert_lanes_finite(what, &a, 0);
                snprintf(what, sizeof what, "%s svcj2_step%s set %zu dt %g", t->isa,
                         k ? "_fast" : "", s, dts[d]);
                assert_lanes_finite(what, &b, 0);
            }
        }
    }
    lanes_free(&a);
    lanes_free(&b);
}

/* Whole paths: the exponential branch sends lanes to v = 0, where the next mean is 0 (kappa dt
 * below 2^-53) or its square underflows (theta = 1e-300). Before the fix about half the paths
 * ended NaN. */
static void test_paths_finite(void **state)
{
    const vk_table *t = need_isa(*state);
    const size_t P = 1024;
    double *ls = malloc(P * sizeof *ls), *v = malloc(P * sizeof *v), *m = malloc(P * sizeof *m);
    static const vr_model_type types[] = {VR_MODEL_HESTON, VR_MODEL_BATES, VR_MODEL_SVCJ,
                                          VR_MODEL_SVCJ2};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        for (size_t ty = 0; ty < sizeof types / sizeof types[0]; ty++) {
            for (int single = 0; single < 2; single++) {
                if (single && types[ty] == VR_MODEL_SVCJ2)
                    continue;
                vr_sim_spec sp = {
                    .type = types[ty], .spot = 100, .rate = 0.03, .dividend = 0.01, .v0 = 0.04,
                    .m0 = 0.04, .horizon = 0.5, .steps = 126, .paths = P, .seed = 7,
                    .scheme = VR_SCHEME_QE, .single = single, .threads = 1, .kt = t};
                sp.params = sets[s];
                sp.params.lambda = types[ty] == VR_MODEL_HESTON ? 0 : 50;
                sp.params.mu_j = -0.05;
                sp.params.sigma_j = 0.1;
                sp.params.mu_v = 0.05;
                sp.params.mu_s = -0.03;
                sp.params.sigma_s = 0.05;
                sp.params.rho_j = -0.5;
                sp.params.s2 = (vr_svcj2_params){
                    .kappa_v = sets[s].kappa, .kappa_m = sets[s].kappa, .theta = sets[s].theta,
                    .sigma_v = sets[s].sigma, .sigma_m = 0.5 * sets[s].sigma, .rho = sets[s].rho,
                    .lambda0 = 1.0, .mu_v = 0.01, .mu_s = -0.03, .sigma_s = 0.05, .rho_j = -0.5};
                double *x[VR_FACTORS_MAX] = {v, m};
                vr_err err = {VR_OK, ""};
                assert_int_equal(vr_sim_terminal_x(&sp, ls, x, &err), VR_OK);
                size_t bad = 0;
                for (size_t i = 0; i < P; i++)
                    bad += !isfinite(ls[i]) || !isfinite(v[i]) ||
                           (types[ty] == VR_MODEL_SVCJ2 && !isfinite(m[i]));
                if (bad)
                    fail_msg("%s %s%s, set %zu: %zu of %zu paths end non-finite", t->isa,
                             vr_model_type_name(types[ty]), single ? " single" : "", s, bad, P);
            }
        }
    }
    free(ls);
    free(v);
    free(m);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        VR_ISA_TESTS(test_heston_qe_zero_mean),
        VR_ISA_TESTS(test_svcj2_zero_mean),
        VR_ISA_TESTS(test_paths_finite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
