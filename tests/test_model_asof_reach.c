/* test_model_asof_reach.c: `vixrisk model --asof` on a day whose VIX implies a state beyond what
 * the model's pricers take (a data file's VIX close of 500 gives v = 27 in heston, above the VIX
 * pricer's v <= 25) fails with exit 2 naming the date, the day's levels and the state with the
 * pricer's range; before, only the pricer spoke ("vix: variance v must be in [0, 25] (got
 * 27.1077)"), without the date or the VIX the state came from. For a two-factor day out of
 * reach whose clamped state is beyond the pricers, the message was the solve's reach error (the
 * first error recorded wins, and the clamp had not cleared it), not the pricer's. A day inside the
 * range still prints its summary. Synthetic files in a temporary directory; no shared data needed. */
#include <stdio.h>
#include <string.h>

#include "vr_test_util.h"

static void write_day(const char *dir, const char *vix, const char *vix3m)
{
    char text[128];
    vr_test_write(dir, "spx_daily.csv", "date,close\n2020-01-02,3000\n");
    snprintf(text, sizeof text, "date,close\n2020-01-02,%s\n", vix);
    vr_test_write(dir, "vix_daily.csv", text);
    snprintf(text, sizeof text, "date,close\n2020-01-02,%s\n", vix3m);
    vr_test_write(dir, "vix3m_daily.csv", text);
}

static void test_beyond_pricer(void **state)
{
    (void)state;
    char dir[128], args[512];
    static char out[65536];
    assert_int_equal(vr_test_tmpdir("asofreach", dir, sizeof dir), 0);
    write_day(dir, "500", "400");
    snprintf(args, sizeof args, "model %s/configs/models/heston.yaml --asof 2020-01-02 --data %s",
             VIXRISK_SOURCE_DIR, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "2020-01-02", "VIX 500", "v = 27.1",
                       "must be in [0, 25]", NULL);
    snprintf(args, sizeof args, "model %s/configs/models/svcj_cal.yaml --asof 2020-01-02 --data %s --json",
             VIXRISK_SOURCE_DIR, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "2020-01-02", "VIX 500", "must be in [0, 25]", NULL);
    /* two-factor, out of reach: the clamped state (m = 0, v = 25.3) is beyond the pricer; the
     * message is the pricer's (it was the reach error of the solve the clamp replaced) */
    write_day(dir, "500", "400");
    snprintf(args, sizeof args, "model %s/configs/models/svcj2_cal.yaml --asof 2020-01-02 --data %s",
             VIXRISK_SOURCE_DIR, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "2020-01-02", "VIX 500, VIX3M 400",
                       "nearest state the model reaches (v = 25.3182, m = 0)", "must be in", NULL);
    assert_null(strstr(out, "reachable range"));
    /* two-factor: both levels named */
    write_day(dir, "9999", "9999");
    snprintf(args, sizeof args, "model %s/configs/models/svcj2_example.yaml --asof 2020-01-02 --data %s",
             VIXRISK_SOURCE_DIR, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "2020-01-02", "VIX 9999", "VIX3M 9999", NULL);
    /* inside the pricers' range: the summary */
    write_day(dir, "150", "140");
    snprintf(args, sizeof args, "model %s/configs/models/heston.yaml --asof 2020-01-02 --data %s --json",
             VIXRISK_SOURCE_DIR, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"asof\": \"2020-01-02\"", NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_beyond_pricer)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
