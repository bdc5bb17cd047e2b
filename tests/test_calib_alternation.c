/* test_calib_alternation.c: the svcj2 alternation of `vixrisk calibrate --measure pricing`
 * (pricing fit -> refilter (v, m) -> physical fit, docs/calibration.md) on the shared data, small
 * (every 40th day, 10 VVIX days a bucket, 300 evaluations a fit; a few seconds).
 *
 * - `--rounds` is a maximum: with `--fixed-tie` (every round fits the same loss: the tied
 *   parameters, the ridge centre and the state anchor's target are round 1's; the target used to
 *   follow each round's physical jump estimates) the alternation reaches a fixed point within the
 *   tolerance before 10 rounds, says so, and the written file records it; without it the pricing fit chases the physical fit's noise, no fixed point comes
 *   in 6 rounds, and the command warns and the file says so.
 * - `--tol` and `--fixed-tie` without the svcj2 alternation, and `--tol` outside [1e-12, 1], are usage
 *   errors (exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_test_util.h"

#define SMALL "calibrate --data " VR_TEST_DATA_DIR " --model svcj2 --pricing-from " \
              VIXRISK_SOURCE_DIR "/configs/models/svcj2_example.yaml --measure pricing --every 40 " \
              "--vvix-days 10 --max-eval 300 --bootstrap 0"

static char out[1 << 17];

static void test_fixed_point(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[2048];
    assert_int_equal(vr_test_tmpdir("alt", dir, sizeof dir), 0);
    snprintf(args, sizeof args, SMALL " --rounds 10 --fixed-tie -o %s/fix.yaml", dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "alternation: fixed point after ", NULL);
    assert_null(strstr(out, "WARNING"));
    const char *at = strstr(out, "alternation: fixed point after ");
    const int rounds = atoi(at + strlen("alternation: fixed point after "));
    assert_true(rounds >= 2 && rounds < 10);
    /* every round's pricing fit anchors the states to the same target */
    const char *key = "against the anchor ";
    const char *a0 = strstr(out, key);
    assert_non_null(a0);
    int nanchor = 0;
    for (const char *a = a0; (a = strstr(a, key)) != NULL; a += strlen(key), nanchor++) {
        print_message("  round %d: %.*s\n", nanchor + 1, 40, a);
        assert_memory_equal(a, a0, strlen(key) + 7);
    }
    assert_int_equal(nanchor, rounds);
    char path[256];
    snprintf(path, sizeof path, "%s/fix.yaml", dir);
    char *f = vr_test_slurp(path);
    assert_non_null(f);
    assert_non_null(strstr(f, "--fixed-tie"));
    assert_non_null(strstr(f, ": a fixed point (tolerance 0.001)"));
    free(f);

    snprintf(args, sizeof args, SMALL " --rounds 6 -o %s/free.yaml", dir);
    vr_test_cli_expect(args, 0, out, sizeof out,
                       "WARNING: the svcj2 alternation reached no fixed point in 6 rounds", NULL);
    assert_null(strstr(out, "alternation: fixed point after"));
    snprintf(path, sizeof path, "%s/free.yaml", dir);
    f = vr_test_slurp(path);
    assert_non_null(f);
    assert_non_null(strstr(f, "6 rounds (at most 6)"));
    assert_non_null(strstr(f, "NOT a fixed point"));
    free(f);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_usage(void **state)
{
    (void)state;
    char args[2048];
    const char *bad[] = {
        "calibrate --model heston --tol 1e-4",
        "calibrate --model svcj2 --pricing-from " VIXRISK_SOURCE_DIR
        "/configs/models/svcj2_example.yaml --fixed-tie",
        "calibrate --model heston --measure pricing --fixed-tie",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "%s --data %s -o /nonexistent/m.yaml", bad[i], VR_TEST_DATA_DIR);
        vr_test_cli_expect(args, 2, out, sizeof out, "--tol and --fixed-tie control the svcj2 "
                           "alternation", NULL);
    }
    vr_test_cli_expect(SMALL " --tol 0 -o /nonexistent/m.yaml", 2, out, sizeof out, "--tol", NULL);
    vr_test_cli_expect(SMALL " --tol 2 -o /nonexistent/m.yaml", 2, out, sizeof out, "--tol", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
