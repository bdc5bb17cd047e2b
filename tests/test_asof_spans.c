/* test_asof_spans.c: a market day the data cannot give names the valid dates.
 *
 *  - a two-factor model on a day without a VIX3M close (before vix3m_daily.csv starts, in a gap
 *    of it, or the file absent): `model --asof` and vr_model_start_at_market (run, check, price,
 *    `start: {asof}`) fail naming the date, the file and the dates it covers (the nearest days
 *    around a gap), as for a day SPX or VIX lack; before, the message said only "has no close
 *    that day", so the valid range was not given;
 *  - a required close that is empty on the day: the message gives the file's whole span and the
 *    next trading day after it (the scan stopped at the row after the day, so the span ended
 *    there and the next day was "none").
 * Synthetic files in a temporary directory; no shared data needed. */
#include <stdio.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_info.h"
#include "vr_test_util.h"

#define SVCJ2 VIXRISK_SOURCE_DIR "/configs/models/svcj2_example.yaml"

static const char *k_spx = "date,open,high,low,close\n2008-10-10,1,1,1,899.22\n"
                           "2009-09-18,1,1,1,1068.3\n2009-09-21,1,1,1,1064.66\n"
                           "2009-09-22,1,1,1,1071.66\n2009-09-23,1,1,1,1060.87\n";
static const char *k_vix = "date,open,high,low,close\n2008-10-10,1,1,1,69.95\n"
                           "2009-09-18,1,1,1,23.92\n2009-09-21,1,1,1,24.06\n"
                           "2009-09-22,1,1,1,23.13\n2009-09-23,1,1,1,24.46\n";
/* starts 2009-09-18, lacks 2009-09-22 */
static const char *k_vix3m = "date,open,high,low,close\n2009-09-18,1,1,1,26.54\n"
                             "2009-09-21,1,1,1,26.23\n2009-09-23,1,1,1,26.3\n";

/* vr_model_start_at_market on `date` fails and its message holds each of the strings */
static void expect_start_fails(const char *dir, int32_t date, ...)
{
    vr_model m;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_model_load(SVCJ2, &m, &err), VR_OK);
    vr_market_day mk;
    assert_int_equal(vr_market_day_load(dir, date, &mk, &err), VR_OK);
    const vr_status st = vr_model_start_at_market(&m, &mk, NULL, &err);
    printf("  %d: %s\n", (int)date, err.msg);
    assert_int_equal(st, VR_EINVAL);
    va_list ap;
    va_start(ap, date);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL;) {
        if (strstr(err.msg, want) == NULL)
            fprintf(stderr, "message lacks '%s'\n", want);
        assert_non_null(strstr(err.msg, want));
    }
    va_end(ap);
}

static void test_vix3m_span(void **state)
{
    (void)state;
    char dir[128], args[512];
    static char out[16384];
    assert_int_equal(vr_test_tmpdir("asofspan", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv", k_spx);
    vr_test_write(dir, "vix_daily.csv", k_vix);
    vr_test_write(dir, "vix3m_daily.csv", k_vix3m);

    /* before VIX3M's history */
    expect_start_fails(dir, 20081010, "2008-10-10", "vix3m_daily.csv",
                       "before", "covers 2009-09-18 to 2009-09-23", NULL);
    snprintf(args, sizeof args, "model %s --asof 2008-10-10 --data %s", SVCJ2, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "2008-10-10", "vix3m_daily.csv",
                       "covers 2009-09-18 to 2009-09-23", NULL);
    /* a gap inside it: the nearest days with a VIX3M close */
    expect_start_fails(dir, 20090922, "2009-09-22", "vix3m_daily.csv",
                       "2009-09-21 and 2009-09-23", "covers 2009-09-18 to 2009-09-23", NULL);
    snprintf(args, sizeof args, "model %s --asof 2009-09-22 --data %s --json", SVCJ2, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "2009-09-21 and 2009-09-23", NULL);
    /* the day itself is read */
    snprintf(args, sizeof args, "model %s --asof 2009-09-21 --data %s --json", SVCJ2, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "\"asof\": \"2009-09-21\"", NULL);
    /* no VIX3M file at all */
    char path[256];
    snprintf(path, sizeof path, "%s/vix3m_daily.csv", dir);
    assert_int_equal(remove(path), 0);
    expect_start_fails(dir, 20090921, "2009-09-21", "vix3m_daily.csv", "absent", NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_empty_close_span(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("asofempty", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv",
                  "date,open,high,low,close\n2009-09-18,1,1,1,1068.3\n2009-09-21,,,,\n"
                  "2009-09-22,1,1,1,1071.66\n2009-09-23,1,1,1,1060.87\n");
    vr_test_write(dir, "vix_daily.csv", k_vix);
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_market_day_load(dir, 20090921, &mk, &err), VR_EINVAL);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "the close is empty"));
    assert_non_null(strstr(err.msg, "2009-09-18 and 2009-09-22"));
    assert_non_null(strstr(err.msg, "covers 2009-09-18 to 2009-09-23"));
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vix3m_span),
        cmocka_unit_test(test_empty_close_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
