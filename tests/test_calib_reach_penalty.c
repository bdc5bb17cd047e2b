/* test_calib_reach_penalty.c: `vixrisk calibrate --reach-penalty W` (vr_pfit_opts.w_reach,
 * docs/calibration.md): the svcj2 pricing fit pays W x (share of its fit days outside the model's
 * reach) in its loss. On the shared data, small (every 40th day, 10 VVIX days a bucket, 300
 * evaluations, one round; a few seconds): without the penalty the fitted set puts some fit days
 * out of reach, with W = 1 fewer, the summary says what the penalty cost, and the physical fit's
 * filter floors fewer days. Out-of-range values and the option outside the svcj2 pricing fit are
 * usage errors (exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_test_util.h"

#define SMALL "calibrate --data " VR_TEST_DATA_DIR " --model svcj2 --pricing-from " \
              VIXRISK_SOURCE_DIR "/configs/models/svcj2_example.yaml --measure pricing --every 40 " \
              "--vvix-days 10 --max-eval 300 --bootstrap 0"

static char out[1 << 17];

/* the last pricing fit's count of fit days out of reach ("VIX 0.0123 (N days outside") and the
 * last physical fit's floored days ("(floored): N") */
static void counts(const char *s, long *fit_out, long *floored)
{
    const char *a = NULL, *b = NULL;
    for (const char *p = s; (p = strstr(p, "RMS log error: VIX ")) != NULL; p++)
        a = p;
    for (const char *p = s; (p = strstr(p, "(floored): ")) != NULL; p++)
        b = p;
    assert_non_null(a);
    assert_non_null(b);
    a = strchr(a + strlen("RMS log error: VIX "), '(');
    assert_non_null(a);
    *fit_out = strtol(a + 1, NULL, 10);
    *floored = strtol(b + strlen("(floored): "), NULL, 10);
}

static void test_penalty(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[2048];
    assert_int_equal(vr_test_tmpdir("reach", dir, sizeof dir), 0);
    long f0, p0, f1, p1;
    snprintf(args, sizeof args, SMALL " -o %s/a.yaml", dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "days outside the model's reach", NULL);
    assert_null(strstr(out, "reach penalty"));
    counts(out, &f0, &p0);
    snprintf(args, sizeof args, SMALL " --reach-penalty 1 -o %s/b.yaml", dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "reach penalty 1 x ", NULL);
    counts(out, &f1, &p1);
    print_message("  fit days out of reach %ld -> %ld; floored days of the physical fit %ld -> %ld\n",
                  f0, f1, p0, p1);
    assert_true(f0 > 0);
    assert_true(f1 < f0);
    assert_true(p1 < p0);
    char path[256];
    snprintf(path, sizeof path, "%s/b.yaml", dir);
    char *f = vr_test_slurp(path);
    assert_non_null(f);
    assert_non_null(strstr(f, "--reach-penalty 1"));
    free(f);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_usage(void **state)
{
    (void)state;
    vr_test_cli_expect(SMALL " --reach-penalty -1 -o /nonexistent/m.yaml", 2, out, sizeof out,
                       "--reach-penalty: expected a number in [0, 1e+06]", NULL);
    vr_test_cli_expect(SMALL " --reach-penalty x -o /nonexistent/m.yaml", 2, out, sizeof out,
                       "--reach-penalty", NULL);
    const char *bad[] = {
        "calibrate --model svcj2 --pricing-from " VIXRISK_SOURCE_DIR
        "/configs/models/svcj2_example.yaml --reach-penalty 1",
        "calibrate --model heston --measure pricing --reach-penalty 1",
    };
    char args[2048];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "%s --data %s -o /nonexistent/m.yaml", bad[i],
                 VR_TEST_DATA_DIR);
        vr_test_cli_expect(args, 2, out, sizeof out, "--reach-penalty charges the svcj2 pricing "
                           "fit", NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_penalty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
