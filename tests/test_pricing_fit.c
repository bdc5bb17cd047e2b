/* test_pricing_fit.c: what vr_pricing_fit fits and what it reports (docs/calibration.md,
 * "Pricing measure"), on synthetic days generated from known Heston pricing parameters.
 *
 * - By default the fit moves every parameter whose move changes the fit to the data; the ridge
 *   towards the start moves with every parameter and must not count, or rho (which the VIX
 *   family does not see in a one-factor model) is fitted too (it was, with the default ridge).
 * - The RMS error of an index no fit day has is "n/a" in the printed summary, never nan; so
 *   is that of the futures or VVIX when none was fitted (it printed 0.0000).
 * - Days whose VIX the model cannot reach (one factor: below 100 sqrt(a), the state floored at
 *   v = 0) are counted as outside the model's reach (one-factor fits always said 0).
 * - A day whose index, VVIX or future cannot be priced (an infinite level, a NAN or zero
 *   settlement, an expiry outside (0, 10] years) is refused naming the day; a future the model
 *   fails to price at the optimum is an error (it was a silent 100 in the loss and the RMS).
 * - `vixrisk calibrate --measure pricing` on a window without VIX9D writes n/a in the model
 *   file's header (it wrote nan); nor does svcj2's one-round alternation (it wrote 'a pricing
 *   parameter by nan').
 * - evaluate_only describes the start set without moving it (the svcj2 calibration states the
 *   errors of the set it writes, whose diffusion coefficients are not the fitted ones: its
 *   model file gave the fitted set's futures and VVIX errors, 0.136 and 0.189 where the written
 *   set has 0.169 and 0.227 on the window of the test below). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_calib.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_model_params.h"
#include "vixrisk/vr_term.h"
#include "vr_test_util.h"

static const vr_sv_params truth = {.kappa = 4.0, .theta = 0.05, .sigma = 0.8, .rho = -0.7};
static const vr_sv_params start = {.kappa = 2.0, .theta = 0.03, .sigma = 0.5, .rho = -0.5};

static void test_default_mask_ignores_ridge(void **state)
{
    (void)state;
    const size_t n = 30;
    vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_HESTON, &start); /* the default ridge, 1e-4 */
    o.every = 1;
    o.vvix_per_bucket = 1;
    o.threads = 2;
    o.max_eval = 10; /* only which parameters are fitted matters here */
    vr_pfit_result r;
    vr_err err = {0};
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_OK);
    fprintf(stderr, "fit mask %#lx\n", r.fit_mask);
    assert_int_equal(r.fit_mask, 7ul); /* kappa, theta, sigma; rho held */
    assert_true(r.est.rho == start.rho);
    free(d);
}

/* A start beyond a cap (--cap theta=0.05 over a start of 0.0528) sat at the logit's clamp, where
 * the simplex did not move it: the fit returned the cap itself. It now starts inside the range and
 * reaches the truth below the cap; a start inside the range is where the fit begins, as before. */
static void test_start_beyond_cap_moves(void **state)
{
    (void)state;
    const size_t n = 30;
    vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
    vr_sv_params s0 = truth;
    s0.theta = 0.07;
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_HESTON, &s0);
    o.every = 1;
    o.vvix_per_bucket = 1;
    o.threads = 2;
    o.max_eval = 200;
    const vr_model_def *md = vr_model_def_of(VR_MODEL_HESTON);
    int ith = -1;
    for (int i = 0; i < md->nparams; i++)
        if (strcmp(md->params[i].name, "theta") == 0)
            ith = i;
    assert_true(ith >= 0);
    o.cap_hi[ith] = 0.06;
    o.fit_mask = 1ul << ith; /* theta alone */
    vr_pfit_result r;
    vr_err err = {0};
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_OK);
    fprintf(stderr, "start theta 0.07, cap 0.06, truth 0.05: fitted %.6f\n", r.est.theta);
    assert_true(r.est.theta < 0.059);
    assert_true(fabs(r.est.theta - truth.theta) < 0.002);
    free(d);
}

static void test_missing_index_not_nan(void **state)
{
    (void)state;
    const size_t n = 30;
    vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
    for (size_t i = 0; i < n; i++)
        d[i].idx[0] = NAN; /* no VIX9D (before 2011) */
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_HESTON, &start);
    o.every = 1;
    o.vvix_per_bucket = 1;
    o.max_eval = 10;
    vr_pfit_result r;
    vr_err err = {0};
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_OK);
    assert_int_equal(r.n_idx[0], 0);
    assert_int_equal(r.n_idx[1], n);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vr_pfit_print(f, &r);
    fclose(f);
    fprintf(stderr, "%s", buf);
    assert_null(strstr(buf, "nan"));
    assert_non_null(strstr(buf, "VIX9D n/a (0)"));
    free(buf);
    /* no future and no VVIX day: n/a, not an RMS of 0 that nothing measured */
    for (size_t i = 0; i < n; i++)
        d[i].nfut = 0;
    o.vvix_per_bucket = 0;
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_OK);
    assert_int_equal(r.n_fut, 0);
    assert_int_equal(r.n_vvix, 0);
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    vr_pfit_print(f, &r);
    fclose(f);
    fprintf(stderr, "%s", buf);
    assert_non_null(strstr(buf, "futures n/a (0), VVIX n/a (0 days)"));
    free(buf);
    free(d);
}

static void test_one_factor_reach_counted(void **state)
{
    (void)state;
    const size_t n = 30;
    vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
    /* three days with a VIX no v >= 0 reaches: 100 sqrt(a) is about 8.5 at the truth */
    d[3].vix = d[11].vix = d[20].vix = 4.0;
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_HESTON, &start);
    o.every = 1;
    o.vvix_per_bucket = 1;
    o.max_eval = 60;
    vr_pfit_result r;
    vr_err err = {0};
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_OK);
    /* the days below the floor of the fitted parameters */
    const vr_vix_coef c30 = vr_model_ops_get(VR_MODEL_HESTON)->vix_coef(&r.est, VR_VIX_TAU_30D);
    size_t below = 0;
    for (size_t i = 0; i < n; i++)
        below += d[i].vix < 100 * sqrt(c30.a) * (1 - 1e-9);
    fprintf(stderr, "floor %g: %zu days below, %zu counted outside the reach, RMS VIX %g\n",
            100 * sqrt(c30.a), below, r.n_clamped, r.rms_vix);
    assert_true(below >= 3);
    assert_int_equal(r.n_clamped, below);
    assert_true(r.rms_vix > 0.1);
    free(d);
}

static vr_status fit_quick(vr_pfit_day *d, size_t n, vr_pfit_result *r, vr_err *err)
{
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_HESTON, &start);
    o.every = 1;
    o.vvix_per_bucket = 1;
    o.max_eval = 10;
    *err = (vr_err){0};
    return vr_pricing_fit(d, n, &o, r, err);
}

static void test_bad_day_refused(void **state)
{
    (void)state;
    const size_t n = 30;
    vr_pfit_result r;
    vr_err err;
    struct {
        int field; /* 0 future price, 1 expiry, 2 VIX3M, 3 VVIX */
        double value;
        const char *want;
    } cases[] = {{0, NAN, "future 2 on 2010-01-06 settles at nan"},
                 {0, 0.0, "future 2 on 2010-01-06 settles at 0"},
                 {1, 0.0, "future 2 on 2010-01-06 expires 0 years"},
                 {1, 12.0, "future 2 on 2010-01-06 expires 12 years"},
                 {2, INFINITY, "VIX3M on 2010-01-06 is inf"},
                 {3, INFINITY, "VVIX on 2010-01-06 is inf"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
        switch (cases[c].field) {
        case 0: d[5].fut[1] = cases[c].value; break;
        case 1: d[5].fut_T[1] = cases[c].value; break;
        case 2: d[5].idx[1] = cases[c].value; break;
        default: d[5].vvix = cases[c].value; break;
        }
        const vr_status st = fit_quick(d, n, &r, &err);
        fprintf(stderr, "case %zu: status %d: %s\n", c, (int)st, err.msg);
        assert_int_equal(st, VR_EINVAL);
        assert_non_null(strstr(err.msg, cases[c].want));
        free(d);
    }
    /* a VIX the model's futures cannot be priced at (v above the pricer's 25): an error naming
     * the day, not a constant 100 per future in the loss and the futures RMS */
    vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
    d[7].vix = 600;
    d[7].idx[0] = d[7].idx[1] = d[7].idx[2] = d[7].vvix = NAN;
    const vr_status st = fit_quick(d, n, &r, &err);
    fprintf(stderr, "VIX 600: status %d: %s (futures RMS %g)\n", (int)st, err.msg, r.rms_fut);
    assert_int_equal(st, VR_ENUM);
    assert_non_null(strstr(err.msg, "future 1 on 2010-01-08"));
    free(d);
}

/* The model file's header on a window before VIX9D (2011): n/a, not nan (the file held
 * "VIX9D nan"). Skips without the shared data. */
static void test_header_no_nan(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[1024], path[256];
    static char out[1 << 16];
    assert_int_equal(vr_test_tmpdir("pfithdr", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/h.yaml", dir);
    snprintf(args, sizeof args,
             "calibrate --data %s --model heston --measure pricing --from 2010-01-01 --to "
             "2010-12-31 --bootstrap 0 --max-eval 40 --vvix-days 0 -o %s",
             VR_TEST_DATA_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "VIX9D n/a (0)", NULL);
    assert_null(strstr(out, "nan"));
    char *text = vr_test_slurp(path);
    assert_non_null(text);
    const char *pf = strstr(text, "# Pricing fit: ");
    assert_non_null(pf);
    const char *eol = strchr(pf, '\n');
    const char *na = strstr(pf, "VIX9D n/a, VIX3M 0.");
    assert_true(eol && na && na < eol);
    const char *nv = strstr(pf, "VVIX n/a (0 days)");
    assert_true(nv && nv < eol);
    assert_null(strstr(text, "nan"));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* `vixrisk calibrate --model svcj2 --measure pricing` on 2019-2020 (every 20th day, one round, 20
 * evaluations: seconds) into a temporary directory dir; its console into out, the model file's
 * text returned (the caller frees it and removes dir). */
static char *svcj2_one_round(const char *tag, char *dir, size_t dcap, char *out, size_t cap)
{
    char args[1024], path[256];
    assert_int_equal(vr_test_tmpdir(tag, dir, dcap), 0);
    snprintf(path, sizeof path, "%s/s2.yaml", dir);
    snprintf(args, sizeof args,
             "calibrate --data %s --model svcj2 --pricing-from %s/configs/models/svcj2_cal_rn.yaml "
             "--measure pricing --from 2019-01-01 --to 2020-12-31 --every 20 --vvix-days 1 "
             "--max-eval 20 --bootstrap 0 -o %s", VR_TEST_DATA_DIR, VIXRISK_SOURCE_DIR, path);
    vr_test_cli_expect(args, 0, out, cap, NULL);
    return vr_test_slurp(path);
}

/* svcj2 with one round of the alternation (the default): no pricing change exists, and the
 * header said 'a pricing parameter by nan'. Skips without the shared data. */
static void test_svcj2_one_round_header(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128];
    static char out[1 << 17];
    char *text = svcj2_one_round("pfits2", dir, sizeof dir, out, sizeof out);
    assert_non_null(text);
    const char *al = strstr(text, "# Alternation (svcj2): 1 round (at most 1)");
    assert_non_null(al);
    const char *eol = strchr(al, '\n');
    const char *one = strstr(al, "(relative): one round, not checked");
    assert_true(eol && one && one < eol);
    assert_null(strstr(text, "nan"));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* evaluate_only at a fit's optimum gives that fit's loss (no ridge), errors and tables bit for
 * bit, and at the parameters that made the synthetic days errors of zero */
static void test_evaluate_only(void **state)
{
    (void)state;
    const size_t n = 30;
    vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_HESTON, &start);
    o.every = 1;
    o.vvix_per_bucket = 1;
    o.threads = 2;
    o.ridge = 0;
    o.max_eval = 40;
    vr_pfit_result r, e;
    vr_err err = {0};
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_OK);
    o.start = r.est;
    o.evaluate_only = 1;
    assert_int_equal(vr_pricing_fit(d, n, &o, &e, &err), VR_OK);
    assert_int_equal(e.evals, 1);
    assert_int_equal(e.fit_mask, 0ul);
    assert_memory_equal(&e.est, &r.est, sizeof e.est);
    assert_true(e.loss == r.loss);
    assert_true(e.rms_fut == r.rms_fut && e.rms_vvix == r.rms_vvix && e.rms_vix == r.rms_vix);
    for (int j = 0; j < VR_PFIT_NIDX; j++)
        assert_true(e.rms_idx[j] == r.rms_idx[j] || (isnan(e.rms_idx[j]) && isnan(r.rms_idx[j])));
    assert_memory_equal(e.tab_model, r.tab_model, sizeof e.tab_model);
    assert_true(r.rms_fut > 1e-4); /* 40 evaluations from the start: not at the truth */
    o.start = truth;
    assert_int_equal(vr_pricing_fit(d, n, &o, &e, &err), VR_OK);
    fprintf(stderr, "at the truth: loss %g, futures %g, VIX3M %g\n", e.loss, e.rms_fut, e.rms_idx[1]);
    assert_true(e.loss < 1e-20 && e.rms_fut < 1e-10 && e.rms_idx[1] < 1e-10);
    assert_memory_equal(&e.est, &truth, sizeof e.est);
    free(d);
}

/* svcj2 without --fixed-tie writes the last physical fit's sigma_v, sigma_m and rho: the model
 * file's errors are those of that set (the console's "pricing set written" block), not of the
 * set the fit found. Skips without the shared data. */
static void test_svcj2_written_errors(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128];
    static char out[1 << 17];
    char *text = svcj2_one_round("pfitw2", dir, sizeof dir, out, sizeof out);
    /* the fitted set's errors, then the written set's */
    const char *fit = strstr(out, "RMS log error:");
    const char *blk = strstr(out, "the pricing set written");
    assert_true(fit && blk && fit < blk);
    const char *wr = strstr(blk, "RMS log error:");
    assert_non_null(wr);
    double f_fit = 0, v_fit = 0, f_wr = 0, v_wr = 0;
    const char *p = strstr(fit, "futures "), *q = strstr(fit, "VVIX ");
    assert_true(p && q && sscanf(p, "futures %lf", &f_fit) == 1 && sscanf(q, "VVIX %lf", &v_fit) == 1);
    p = strstr(wr, "futures ");
    q = strstr(wr, "VVIX ");
    assert_true(p && q && sscanf(p, "futures %lf", &f_wr) == 1 && sscanf(q, "VVIX %lf", &v_wr) == 1);
    fprintf(stderr, "futures %.4f fitted, %.4f written; VVIX %.4f, %.4f\n", f_fit, f_wr, v_fit, v_wr);
    assert_true(f_fit != f_wr); /* the two sets differ in what the futures' convexity sees */
    assert_non_null(text);
    const char *pf = strstr(text, "# Pricing fit: ");
    assert_non_null(pf);
    char want[64];
    snprintf(want, sizeof want, "futures %.4f (", f_wr);
    const char *hit = strstr(pf, want), *eol = strchr(pf, '\n');
    assert_true(hit && eol && hit < eol);
    snprintf(want, sizeof want, "VVIX %.4f (", v_wr);
    hit = strstr(pf, want);
    assert_true(hit && hit < eol);
    assert_non_null(strstr(text, "errors above are those of this file's set"));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_mask_ignores_ridge),
        cmocka_unit_test(test_start_beyond_cap_moves),
        cmocka_unit_test(test_missing_index_not_nan),
        cmocka_unit_test(test_one_factor_reach_counted),
        cmocka_unit_test(test_bad_day_refused),
        cmocka_unit_test(test_header_no_nan),
        cmocka_unit_test(test_svcj2_one_round_header),
        cmocka_unit_test(test_evaluate_only),
        cmocka_unit_test(test_svcj2_written_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
