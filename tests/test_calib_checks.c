/* test_calib_checks.c: what `vixrisk calibrate` must refuse or must not print.
 *
 * - A one-factor fit whose inversion VIX^2 = a + b v reaches no fixed point (heston on 1994: a
 *   2-cycle between kappa 15 and 25 that the damping does not break) is an error (exit 1) and
 *   writes nothing: the estimate would be whichever set of the cycle the iteration cap landed on.
 * - The realism report's Monte Carlo standard errors print n/a, never nan, where a batch of
 *   paths has no value (no trigger with 21 days after it).
 * - svcj2's jump intensity: the v rule detects a jump with probability exp(-c/mu_v) whatever
 *   part of the intensity (lambda0 or lambda1 v) produced it, so a constant intensity is
 *   recovered from the thinned labels; a window where the likelihood has no maximum in the
 *   parameters' range (2017: four v-rule days, mu_v 0.0031) is an error, not the caps written as
 *   an estimate; a window where the v rule labels fewer than 2 days (2014: one, whose excess
 *   0.0014 was the whole estimate of mu_v behind the correction) has its intensity set by rule,
 *   the window's jump days a year, and says so (it was the same error; 2026 with one label gave
 *   lambda0 105 a year).
 * The cases on real closes skip without the shared data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_config.h"
#include "vixrisk/vr_term.h"
#include "calib/calib_internal.h"
#include "vr_test_util.h"

static void test_fixed_point_cycle_refused(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[1024], out[16384];
    assert_int_equal(vr_test_tmpdir("calibchk", dir, sizeof dir), 0);
    snprintf(args, sizeof args,
             "calibrate --data %s --model heston --bootstrap 0 --from 1994-01-01 --to 1994-12-31 "
             "-o %s/m.yaml", VR_TEST_DATA_DIR, dir);
    vr_test_cli_expect(args, 1, out, sizeof out, "1994-01-03..1994-12-30",
                       "reached no fixed point in 100 iterations", "nothing written", NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0);
    /* the proxy has no iteration: the same window calibrates */
    snprintf(args, sizeof args,
             "calibrate --data %s --model heston --bootstrap 0 --from 1994-01-01 --to 1994-12-31 "
             "--proxy -o %s/m.yaml", VR_TEST_DATA_DIR, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "converged after 1 iteration", NULL);
    assert_int_equal(stat(path, &sb), 0);
    /* the whole history converges as before */
    snprintf(args, sizeof args, "calibrate --data %s --model svcj --bootstrap 0",
             VR_TEST_DATA_DIR);
    vr_test_cli_expect(args, 0, out, sizeof out, "converged after", NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* svcj's optional lambda1 is not estimated by the one-factor fit: it is neither printed nor
 * written (it was, as "lambda1 0 se 0 / 0" and "lambda1: 0" in both sets), and the written file
 * loads as svcj. */
static void test_unestimated_param_left_out(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[1024], out[16384], path[256];
    assert_int_equal(vr_test_tmpdir("calibl1", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/svcj.yaml", dir);
    snprintf(args, sizeof args, "calibrate --data %s --model svcj --bootstrap 0 -o %s", VR_TEST_DATA_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "rho_j", NULL);
    assert_null(strstr(out, "lambda1"));
    char *text = vr_test_slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "rho_j"));
    assert_null(strstr(text, "lambda1"));
    free(text);
    vr_model m;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_load(path, &m, &err), VR_OK);
    assert_int_equal(m.type, VR_MODEL_SVCJ);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* Jump sizes a rule set are said to be set, not estimated: a calm window (2026, 0 jump days) gave
 * bates sigma_j 0.01 with a bootstrap standard error of 1.8e-18, and svcj2 on one jump day wrote
 * sigma_s 0.01 and rho_j 0 as estimates, with no word in the output or the file. A floored spread
 * (bates on 2017: sigma_j 0.001) printed a QML standard error. Now each is a SET line, its standard
 * errors n/a, and the file's comment lists it. */
static void test_rule_set_jump_sizes_said(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[1024], out[16384], path[256];
    assert_int_equal(vr_test_tmpdir("calibset", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/b.yaml", dir);
    snprintf(args, sizeof args,
             "calibrate --data %s --model bates --from 2026-01-01 --to 2026-07-10 --proxy --bootstrap 20 -o %s",
             VR_TEST_DATA_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "SET: sigma_j = 0.01 set by rule, not estimated: the window has 0 jump days",
                       "SET: mu_j = 0 set by rule", NULL);
    char *text = vr_test_slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "# Physical parameters not estimated from the data:\n#   mu_j = 0 set by rule"));
    assert_non_null(strstr(text, "#   sigma_j = 0.01 set by rule"));
    assert_non_null(strstr(text, "#   sigma_j          0.01  se        n/a /        n/a"));
    /* no jump day: lambda's 0 has no standard error (sqrt of the count said 0, as if certain) */
    assert_non_null(strstr(text, "#   lambda              0  se        n/a /        n/a"));
    assert_non_null(strstr(out, "  lambda              0          n/a          n/a"));
    free(text);
    snprintf(args, sizeof args,
             "calibrate --data %s --model bates --from 2017-01-01 --to 2017-12-31 --proxy --bootstrap 0 -o %s",
             VR_TEST_DATA_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "SET: sigma_j = 0.001 held at its floor", NULL);
    assert_non_null(strstr(out, "  sigma_j         0.001          n/a"));
    snprintf(args, sizeof args,
             "calibrate --data %s --model svcj2 --pricing-from %s/configs/models/svcj2_example.yaml "
             "--from 2026-01-01 --bootstrap 0 -o %s", VR_TEST_DATA_DIR, VIXRISK_SOURCE_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "SET: sigma_s = 0.01 set by rule, not estimated: the window has 1 jump day,",
                       "SET: rho_j = 0 set by rule", "SET: lambda0 = 1.95349 set by rule", NULL);
    /* (the likelihood's correction for missed jumps, from that one day's excess, made it 105) */
    assert_non_null(strstr(out, "jumps a year at E[v]: 1.95"));
    /* a window with jumps enough says nothing of the kind */
    snprintf(args, sizeof args, "calibrate --data %s --model svcj --bootstrap 0 --proxy", VR_TEST_DATA_DIR);
    vr_test_cli_expect(args, 0, out, sizeof out, "rho_j", NULL);
    assert_null(strstr(out, "SET:"));
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A pricing fit that stops at its evaluation limit says so in the model file's comment (only the
 * console said it), and the file gives the fit's days as ISO dates (it printed 20070402). */
static void test_pricing_fit_limit_recorded(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[1024], out[16384], path[256];
    assert_int_equal(vr_test_tmpdir("calibpf", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/h.yaml", dir);
    snprintf(args, sizeof args, "calibrate --data %s --model heston --measure pricing --max-eval 40 -o %s",
             VR_TEST_DATA_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "NOT converged", NULL);
    char *text = vr_test_slurp(path);
    assert_non_null(text);
    const char *pf = strstr(text, "# Pricing fit: ");
    assert_non_null(pf);
    int nd = 0, y0 = 0, m0 = 0, d0 = 0, y1 = 0, m1 = 0, d1 = 0;
    assert_int_equal(sscanf(pf, "# Pricing fit: %d days %4d-%2d-%2d..%4d-%2d-%2d", &nd, &y0, &m0, &d0, &y1,
                            &m1, &d1), 7);
    assert_true(nd > 0 && y0 >= 1990 && y1 >= y0 && m0 >= 1 && m0 <= 12 && m1 >= 1 && m1 <= 12);
    const char *eol = strchr(pf, '\n');
    assert_non_null(eol);
    const char *nc = strstr(pf, "NOT converged: the fit stopped at its evaluation limit");
    assert_true(nc != NULL && nc < eol);
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_realism_se_no_nan(void **state)
{
    (void)state;
    vr_realism_stats c[2];
    memset(c, 0, sizeof c);
    for (int j = 0; j < 2; j++) {
        c[j].years = 1;
        for (int k = 0; k < VR_REALISM_NLEG; k++)
            c[j].second_leg[k] = NAN;
        for (int b = 0; b < VR_REALISM_NB; b++)
            c[j].lvol[b] = 0.5;
    }
    c[1].has_se = 1;
    for (int k = 0; k < VR_REALISM_NLEG; k++)
        c[1].se_leg[k] = NAN; /* a batch without a trigger */
    c[1].se_lvol_ratio = NAN;
    c[1].se_corr_lvix = 0.02;
    const char *names[2] = {"history", "model.yaml"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vr_realism_print(f, names, c, 2);
    fclose(f);
    const char *se = strstr(buf, "- model.yaml: VIX p50/p95/p99");
    assert_non_null(se);
    if (strstr(buf, "nan") != NULL)
        fprintf(stderr, "%s\n", se);
    assert_null(strstr(buf, "nan"));
    assert_non_null(strstr(se, "second legs (%) n/a/n/a/n/a; vol ratio n/a; corr 0.0200"));
    free(buf);
}

/* svcj2 with a constant intensity (lambda1 = 0) and variance jumps small enough that the v rule
 * misses about half of them: the estimated intensity must be the true one, not the detected
 * share of it. */
static void test_intensity_thinning(void **state)
{
    (void)state;
    vr_sv_params p;
    memset(&p, 0, sizeof p);
    p.s2 = (vr_svcj2_params){.kappa_v = 6.0, .kappa_m = 1.0, .theta = 0.04, .sigma_v = 0.5,
                             .sigma_m = 0.15, .rho = -0.7, .lambda0 = 20.0, .lambda1 = 0.0,
                             .mu_v = 0.025, .mu_s = -0.01, .sigma_s = 0.01, .rho_j = -0.3};
    vr_test_path o = vr_test_sim_path0(VR_MODEL_SVCJ2, &p, p.s2.theta, p.s2.theta, 40, 11);
    const size_t n = o.n;
    const vr_model_ops *ops = vr_model_ops_get(VR_MODEL_SVCJ2);
    const vr_vix_coef c30 = ops->vix_coef(&p, VR_VIX_TAU_30D), c93 = ops->vix_coef(&p, VR_VIX_TAU_93D);
    double *spx = malloc(n * sizeof *spx), *vix = malloc(n * sizeof *vix),
           *v3m = malloc(n * sizeof *v3m);
    assert_true(spx && vix && v3m);
    for (size_t k = 0; k < n; k++) {
        const double x[2] = {o.x[0][k], o.x[1][k]};
        spx[k] = exp(o.ls[k]);
        vix[k] = vr_vix_level_x(&c30, x, 2);
        v3m[k] = vr_vix_level_x(&c93, x, 2);
    }
    vr_test_path_free(&o);
    vr_calib_opts co;
    vr_calib_opts_default(&co, VR_MODEL_SVCJ2);
    co.pricing = &p;
    co.bootstrap = 0;
    vr_calib_result r;
    vr_err err = {0};
    if (vr_calib_fit2(spx, vix, v3m, n, &co, &r, &err) != VR_OK)
        print_error("vr_calib_fit2: %s\n", err.msg);
    assert_int_equal(err.code, VR_OK);
    const vr_svcj2_params *e = &r.est.s2, *se = &r.se_qml.s2;
    vr_calib_print(stdout, &r);
    /* the intensity at the sample's mean v, against the truth (lambda1 = 0) */
    const double lam = e->lambda0 + e->lambda1 * r.mean_v;
    const double lam_se = sqrt(se->lambda0 * se->lambda0 + r.mean_v * r.mean_v * se->lambda1 * se->lambda1);
    vr_test_within("lambda0 + lambda1 mean v", lam, p.s2.lambda0, lam_se, 3);
    vr_calib_result_free(&r);
    free(spx);
    free(vix);
    free(v3m);
}

static void test_intensity_runaway_refused(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[1024], out[16384];
    assert_int_equal(vr_test_tmpdir("calibchk", dir, sizeof dir), 0);
    snprintf(args, sizeof args,
             "calibrate --data %s --model svcj2 --pricing-from %s/configs/models/svcj2_example.yaml "
             "--bootstrap 0 --from 2017-01-01 --to 2017-12-31 -o %s/m.yaml",
             VR_TEST_DATA_DIR, VIXRISK_SOURCE_DIR, dir);
    vr_test_cli_expect(args, 1, out, sizeof out, "jump intensity", "4 v-rule jump days", NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0);
    /* one v-rule day: the intensity by rule, 2 jump days in 251 transitions of 1/252 year */
    snprintf(args, sizeof args,
             "calibrate --data %s --model svcj2 --pricing-from %s/configs/models/svcj2_example.yaml "
             "--bootstrap 0 --from 2014-01-01 --to 2014-12-31 -o %s/m.yaml",
             VR_TEST_DATA_DIR, VIXRISK_SOURCE_DIR, dir);
    vr_test_cli_expect(args, 0, out, sizeof out,
                       "SET: lambda0 = 2.00797 set by rule, not estimated: the v rule labels 1 day",
                       "(2 jump days)", "SET: lambda1 = 0 set by rule", NULL);
    assert_non_null(strstr(out, "  lambda0       2.00797          n/a          n/a"));
    char *text = vr_test_slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "#   lambda0 = 2.00797 set by rule"));
    assert_non_null(strstr(text, "lambda0: 2.00797, lambda1: 0,"));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* An option the chosen mode does not read is a usage error naming it (it used to be accepted and
 * ignored: --paths without --realism, --fit without --measure pricing, --bootstrap with
 * --realism, an empty --fit list). Checked before any file is read. */
static void test_option_of_other_mode_refused(void **state)
{
    (void)state;
    static const struct { const char *args, *want; } cases[] = {
        {"--model heston --paths 5", "--paths is an option of the realism report"},
        {"--model heston --years 2", "--years is an option of the realism report"},
        {"--model heston --pricing-states 5,1", "--pricing-states is an option of the realism"},
        {"--model heston --fit kappa", "--fit is an option of the pricing fit"},
        {"--model heston --every 3", "--every is an option of the pricing fit"},
        {"--model heston --vvix-days 2", "--vvix-days is an option of the pricing fit"},
        {"--model heston --max-eval 50", "--max-eval is an option of the pricing fit"},
        {"--model heston --threads 2", "--threads sets the threads"},
        {"--realism m.yaml --bootstrap 5", "--bootstrap is an option of the calibration"},
        {"--realism m.yaml --proxy", "--proxy is an option of the calibration"},
        {"--realism m.yaml --rate 0.01", "--rate is an option of the calibration"},
        {"--model heston --measure pricing --fit ,", "--fit: expected parameter names"},
    };
    char args[512], out[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "calibrate --data /nonexistent %s", cases[i].args);
        vr_test_cli_expect(args, 2, out, sizeof out, cases[i].want, NULL);
    }
}

/* The co-jump regression's standard errors (vr_calib_cojump_se) against the spread of the
 * estimates themselves: 4,000 samples of 60 jump days, z = mu_s + rho_j z_v + e with z_v
 * exponential (mean 0.05) and e normal of sd 0.03, the day's diffusion and the jump's own spread
 * together. The errors once took sigma_s, the jump's spread alone, which sits at its floor 0.001
 * when the diffusion explains the returns: with e's sd put there they are 30 times too small.
 * Bound: the mean stated error within 10% of the estimates' sd (the sd's own sampling error over
 * 4,000 samples is about 1.1%). */
static void test_cojump_se_matches_spread(void **state)
{
    (void)state;
    enum { NREP = 4000, NJ = 60 };
    const double mu_s = -0.02, rho = -0.4, mean_v = 0.05, sd_e = 0.03;
    uint64_t rs = 20261207;
    double sr = 0, srr = 0, sm = 0, smm = 0, se_r = 0, se_m = 0, se_old = 0;
    for (int r = 0; r < NREP; r++) {
        double sz = 0, szz = 0, sv = 0, svv = 0, szv = 0;
        for (int i = 0; i < NJ; i++) {
            const double u1 = ((double)(vr_calib_splitmix(&rs) >> 11) + 0.5) * 0x1p-53;
            const double u2 = ((double)(vr_calib_splitmix(&rs) >> 11) + 0.5) * 0x1p-53;
            const double u3 = ((double)(vr_calib_splitmix(&rs) >> 11) + 0.5) * 0x1p-53;
            const double zv = -mean_v * log(u1);
            const double e = sd_e * sqrt(-2 * log(u2)) * cos(6.283185307179586 * u3);
            const double z = mu_s + rho * zv + e;
            sz += z;
            szz += z * z;
            sv += zv;
            svv += zv * zv;
            szv += z * zv;
        }
        const double nn = NJ, mz = sz / nn, mv = sv / nn;
        const double vz = szz / nn - mz * mz, vv = svv / nn - mv * mv, czv = szv / nn - mz * mv;
        const double b = czv / vv, a = mz - b * mv;
        double s_b, s_a;
        vr_calib_cojump_se(vz, vv, czv, mv, b, nn, &s_b, &s_a);
        sr += b;
        srr += b * b;
        sm += a;
        smm += a * a;
        se_r += s_b;
        se_m += s_a;
        se_old += 0.001 / sqrt(vv * nn); /* the former rule with sigma_s at its floor */
    }
    const double sd_r = sqrt(srr / NREP - (sr / NREP) * (sr / NREP));
    const double sd_m = sqrt(smm / NREP - (sm / NREP) * (sm / NREP));
    print_message("rho_j: sd of the estimates %.5f, mean stated error %.5f (the floor rule %.5f); "
                  "mu_s: %.5f, %.5f\n", sd_r, se_r / NREP, se_old / NREP, sd_m, se_m / NREP);
    assert_true(fabs(se_r / NREP / sd_r - 1) < 0.10);
    assert_true(fabs(se_m / NREP / sd_m - 1) < 0.10);
    assert_true(se_old / NREP < 0.1 * sd_r); /* (the test tells the two rules apart) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_point_cycle_refused),
        cmocka_unit_test(test_cojump_se_matches_spread),
        cmocka_unit_test(test_realism_se_no_nan),
        cmocka_unit_test(test_unestimated_param_left_out),
        cmocka_unit_test(test_rule_set_jump_sizes_said),
        cmocka_unit_test(test_pricing_fit_limit_recorded),
        cmocka_unit_test(test_intensity_thinning),
        cmocka_unit_test(test_intensity_runaway_refused),
        cmocka_unit_test(test_option_of_other_mode_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
