/* test_market_day.c: one day's market (vr_market_day_load, `--asof` and `start: {asof}`) reads the
 * data files as the history loader (vr_history_load, replays and bootstrap) reads them, so a data
 * directory a replay accepts never fails or misreads for --asof, and a file the history loader
 * refuses is refused here too, at its line.
 *
 *  - headers: column names in any case with blanks around them, the date in any column, a UTF-8
 *    byte-order mark, more than 16 columns: the day's closes are read (the history loader reads
 *    the same files, checked here too);
 *  - a line longer than 1 KiB (a long trailing field) is one line: the next row's error names its
 *    own line number;
 *  - the futures: a trade date listed twice in the term-structure file, or the contracts file
 *    with a date's contracts out of expiry order or listed twice, are refused at their line (the
 *    twice-listed term row filled 16 entries of a 12-entry table);
 *  - a close above 1e7 is refused by both loaders at its line;
 *  - before 2007-12-20 the contracts expiring in 2007 come from the term-structure file (the
 *    contracts file lacks them), those from 2008 from the contracts file;
 *  - a data directory of about 1 KB is read whole (its optional files were "absent" past 700
 *    bytes), and one longer than VR_DATA_DIR_MAX is refused by name.
 * Synthetic files in a temporary directory; no shared data needed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vixrisk/vr_history.h"
#include "vixrisk/vr_model_info.h"
#include "vr_test_util.h"

static const char *k_vix = "date,open,high,low,close\n2020-01-02,1,1,1,12.5\n2020-01-03,1,1,1,14\n";

/* The day 2020-01-03 from dir: the closes both loaders see. */
static void expect_both_read(const char *dir, const char *what)
{
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_market_day_load(dir, 20200103, &mk, &err);
    if (st != VR_OK)
        fprintf(stderr, "%s: market day: %s\n", what, err.msg);
    assert_int_equal(st, VR_OK);
    assert_true(mk.spx == 3230 && mk.vix == 14);
    vr_history h;
    vr_err_clear(&err);
    const vr_status sh = vr_history_load(dir, &h, &err);
    if (sh != VR_OK)
        fprintf(stderr, "%s: history: %s\n", what, err.msg);
    assert_int_equal(sh, VR_OK);
    assert_true(h.n == 2 && h.spx[1] == 3230 && h.vix[1] == 14);
    vr_history_free(&h);
}

static void test_headers(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mkhdr", dir, sizeof dir), 0);
    vr_test_write(dir, "vix_daily.csv", k_vix);
    /* a spreadsheet's capitalised names */
    vr_test_write(dir, "spx_daily.csv", "Date,Open,High,Low,Close\n2020-01-02,1,1,1,3250\n2020-01-03,1,1,1,3230\n");
    expect_both_read(dir, "capitalised");
    /* blanks after the commas of the header */
    vr_test_write(dir, "spx_daily.csv", "date, open, high, low, close\n2020-01-02,1,1,1,3250\n2020-01-03,1,1,1,3230\n");
    expect_both_read(dir, "blanks");
    /* the date not first */
    vr_test_write(dir, "spx_daily.csv", "close,date\n3250,2020-01-02\n3230,2020-01-03\n");
    expect_both_read(dir, "date second");
    /* a byte-order mark before the header, CRLF line ends */
    vr_test_write(dir, "spx_daily.csv",
                  "\xEF\xBB\xBF" "date,open,high,low,close\r\n2020-01-02,1,1,1,3250\r\n2020-01-03,1,1,1,3230\r\n");
    expect_both_read(dir, "bom");
    /* 20 columns */
    vr_test_write(dir, "spx_daily.csv",
                  "date,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,close\n"
                  "2020-01-02,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,3250\n"
                  "2020-01-03,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,3230\n");
    expect_both_read(dir, "20 columns");
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_long_line(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mklong", dir, sizeof dir), 0);
    vr_test_write(dir, "vix_daily.csv", k_vix);
    /* a 2000-character note in line 2; line 3 is fine; line 4 has a bad date */
    const size_t cap = 4096;
    char *text = malloc(cap);
    assert_non_null(text);
    int k = snprintf(text, cap, "date,close,note\n2020-01-02,3250,");
    for (int i = 0; i < 2000; i++)
        text[k++] = 'x';
    snprintf(text + k, cap - (size_t)k, "\n2020-01-03,3230,\n2020-13-06,3240,\n");
    vr_test_write(dir, "spx_daily.csv", text);
    free(text);
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    /* the day before the bad line is read */
    assert_int_equal(vr_market_day_load(dir, 20200102, &mk, &err), VR_OK);
    assert_true(mk.spx == 3250);
    /* a day after it: the bad line is named by its number */
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200107, &mk, &err), VR_EINVAL);
    if (strstr(err.msg, "spx_daily.csv:4:") == NULL)
        fprintf(stderr, "long line: '%s'\n", err.msg);
    assert_non_null(strstr(err.msg, "spx_daily.csv:4:"));
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void expect_fut_refused(const char *dir, const char *where)
{
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_market_day_load(dir, 20200103, &mk, &err);
    if (st != VR_EINVAL || strstr(err.msg, where) == NULL)
        fprintf(stderr, "want %s: status %d, nfut %d, '%s'\n", where, (int)st, mk.nfut, err.msg);
    assert_true(mk.nfut <= VR_MARKET_MAX_FUT);
    assert_int_equal(st, VR_EINVAL);
    assert_non_null(strstr(err.msg, where));
}

static void test_futures_rows(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mkfut", dir, sizeof dir), 0);
    vr_test_write(dir, "vix_daily.csv", k_vix);
    vr_test_write(dir, "spx_daily.csv", "date,close\n2020-01-02,3250\n2020-01-03,3230\n");
    /* the day's term row twice */
    vr_test_write(dir, "vix_futures_term_structure.csv",
                  "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n"
                  "2020-01-03,14.5,15,16,17,18,19,20,21\n"
                  "2020-01-03,14.5,15,16,17,18,19,20,21\n");
    expect_fut_refused(dir, "vix_futures_term_structure.csv:3:");
    /* one term row: eight contracts */
    vr_test_write(dir, "vix_futures_term_structure.csv",
                  "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n2020-01-03,14.5,15,16,17,18,19,20,21\n");
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_market_day_load(dir, 20200103, &mk, &err), VR_OK);
    assert_int_equal(mk.nfut, 8);
    /* the contracts file: the day's contracts out of expiry order */
    vr_test_write(dir, "vix_futures_contracts.csv",
                  "date,contract,expiry,settle\n"
                  "2020-01-03,2020-02,2020-02-19,15.5\n"
                  "2020-01-03,2020-01,2020-01-22,14.5\n");
    expect_fut_refused(dir, "vix_futures_contracts.csv:3:");
    /* the same contract twice */
    vr_test_write(dir, "vix_futures_contracts.csv",
                  "date,contract,expiry,settle\n"
                  "2020-01-03,2020-01,2020-01-22,14.5\n"
                  "2020-01-03,2020-01,2020-01-22,14.5\n");
    expect_fut_refused(dir, "vix_futures_contracts.csv:3:");
    /* in order: read, nearest first */
    vr_test_write(dir, "vix_futures_contracts.csv",
                  "date,contract,expiry,settle\n"
                  "2020-01-03,2020-01,2020-01-22,14.5\n"
                  "2020-01-03,2020-02,2020-02-19,15.5\n");
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200103, &mk, &err), VR_OK);
    assert_int_equal(mk.nfut, 2);
    assert_true(mk.fut[0].expiry == 20200122 && mk.fut[1].settle == 15.5);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A close above 1e7 (the model's spot range) is no index level: both loaders refuse it at its
 * line (the history loader took any positive number, so a replay or bootstrap ran a VIX of 1e9 to
 * nonsense and an SPX of 1e30 to a report; --asof refused the same file). 1e7 itself is read. */
static void test_close_range(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mkrange", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv", "date,close\n2020-01-02,3250\n2020-01-03,3230\n");
    static const char *const bad[] = {"1e9", "10000000.5", "1e30", "1e200"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[128];
        snprintf(text, sizeof text, "date,close\n2020-01-02,12.5\n2020-01-03,%s\n", bad[i]);
        vr_test_write(dir, "vix_daily.csv", text);
        vr_history h;
        vr_err err = {VR_OK, ""};
        const vr_status st = vr_history_load(dir, &h, &err);
        if (st != VR_EINVAL || strstr(err.msg, "vix_daily.csv:3:") == NULL)
            fprintf(stderr, "close %s: history status %d '%s'\n", bad[i], (int)st, err.msg);
        if (st == VR_OK)
            vr_history_free(&h);
        assert_int_equal(st, VR_EINVAL);
        assert_non_null(strstr(err.msg, "vix_daily.csv:3:"));
        assert_non_null(strstr(err.msg, "up to 1e7"));
        vr_market_day mk;
        vr_err_clear(&err);
        assert_int_equal(vr_market_day_load(dir, 20200103, &mk, &err), VR_EINVAL);
        assert_non_null(strstr(err.msg, "vix_daily.csv:3:"));
    }
    vr_test_write(dir, "vix_daily.csv", "date,close\n2020-01-02,12.5\n2020-01-03,1e7\n");
    vr_history h;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_history_load(dir, &h, &err), VR_OK);
    assert_true(h.n == 2 && h.vix[1] == 1e7);
    vr_history_free(&h);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* Before 2007-12-20 the contracts file lacks the contracts that expired in 2007 (vr_history.h):
 * its curve on 2007-06-01 starts at 2008-02. The day's market took it over the term-structure
 * file's nearest contracts, so `model --asof 2007-06-01` listed two contracts months out as the
 * day's futures. On such days the term file gives the contracts expiring in 2007 and the
 * contracts file those from 2008 (the term file's later entries, labelled by the rule, would be
 * wrong where months were not listed: 2007-12-19 lists 2008-08 after 2008-02, no 2008-07); from
 * 2007-12-20 the contracts file alone, as before. */
static void test_early_contracts(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mkearly", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv", "date,close\n2007-06-01,1536.34\n2007-06-04,1539.18\n"
                                        "2007-12-19,1453\n2008-01-02,1447.16\n");
    vr_test_write(dir, "vix_daily.csv", "date,close\n2007-06-01,13.05\n2007-06-04,13.3\n"
                                        "2007-12-19,21.7\n2008-01-02,23.17\n");
    vr_test_write(dir, "vix_futures_contracts.csv",
                  "date,contract,expiry,settle\n"
                  "2007-06-01,2008-02,2008-02-19,15.26\n"
                  "2007-06-01,2008-05,2008-05-21,15.40\n"
                  "2007-06-04,2008-02,2008-02-19,15.3\n"
                  "2007-12-19,2008-01,2008-01-16,24.42\n"
                  "2007-12-19,2008-02,2008-02-19,24.38\n"
                  "2007-12-19,2008-08,2008-08-20,23.89\n"
                  "2008-01-02,2008-01,2008-01-16,22.5\n"
                  "2008-01-02,2008-02,2008-02-19,23.1\n");
    vr_test_write(dir, "vix_futures_term_structure.csv",
                  "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n"
                  "2007-06-01,13.41,14.29,14.66,14.88,14.96,15.14,15.07,15.26\n"
                  "2007-12-19,24.42,24.38,24.29,24.22,24.13,24.06,23.89,23.52\n"
                  "2008-01-02,22.4,23.0,23.2,23.3,23.4,23.5,23.6,23.7\n");
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    /* 2007-06 to 2007-12 from the term file, then 2008-02 and 2008-05 */
    assert_int_equal(vr_market_day_load(dir, 20070601, &mk, &err), VR_OK);
    if (mk.nfut != 9)
        fprintf(stderr, "2007-06-01: %d futures from %s, first %s\n", mk.nfut, mk.fut_source,
                mk.nfut ? mk.fut[0].contract : "-");
    assert_int_equal(mk.nfut, 9);
    assert_string_equal(mk.fut[0].contract, "2007-06");
    assert_true(mk.fut[0].settle == 13.41 && mk.fut[0].expiry == 20070620);
    assert_string_equal(mk.fut[6].contract, "2007-12");
    assert_true(mk.fut[7].expiry == 20080219 && mk.fut[7].settle == 15.26);
    assert_true(mk.fut[8].expiry == 20080521);
    for (int i = 1; i < mk.nfut; i++)
        assert_true(mk.fut[i].expiry > mk.fut[i - 1].expiry);
    assert_non_null(strstr(mk.fut_source, "vix_futures_contracts.csv from 2008-01"));
    /* no term row that day: the contracts file's */
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20070604, &mk, &err), VR_OK);
    assert_int_equal(mk.nfut, 1);
    assert_true(mk.fut[0].expiry == 20080219);
    /* nothing expiring in 2007 after 2007-12-19: the contracts file's real months */
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20071219, &mk, &err), VR_OK);
    assert_int_equal(mk.nfut, 3);
    assert_string_equal(mk.fut[2].contract, "2008-08");
    assert_string_equal(mk.fut_source, "vix_futures_contracts.csv");
    /* a complete day: the contracts file's */
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20080102, &mk, &err), VR_OK);
    assert_int_equal(mk.nfut, 2);
    assert_true(mk.fut[0].expiry == 20080116 && mk.fut[0].settle == 22.5);
    assert_string_equal(mk.fut_source, "vix_futures_contracts.csv");
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[VR_DATA_DIR_MAX + 128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A data directory of 900 bytes: the day's market built its file paths in 700 bytes and stored
 * the directory in 512, so its optional files (VVIX here) came out "absent" and asof_data was cut.
 * Both loaders read it now; a path over VR_DATA_DIR_MAX is refused by name. */
static void test_long_dir(void **state)
{
    (void)state;
    char base[128], dir[VR_DATA_DIR_MAX + 200];
    assert_int_equal(vr_test_tmpdir("mklong", base, sizeof base), 0);
    size_t n = (size_t)snprintf(dir, sizeof dir, "%s", base);
    while (n < 900) { /* components of 200 bytes (a name may have 255) */
        dir[n++] = '/';
        for (int k = 0; k < 200; k++)
            dir[n++] = (char)('a' + k % 26);
        dir[n] = '\0';
        assert_int_equal(mkdir(dir, 0700), 0);
    }
    put_file(dir, "spx_daily.csv", "date,close\n2020-01-02,3250\n2020-01-03,3230\n");
    put_file(dir, "vix_daily.csv", k_vix);
    put_file(dir, "vvix_daily.csv", "date,close\n2020-01-02,90\n2020-01-03,95.5\n");
    vr_market_day mk;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_market_day_load(dir, 20200103, &mk, &err);
    printf("  %zu-byte directory: status %d, VVIX %g, stored directory %zu bytes %s\n", strlen(dir), (int)st, mk.vvix,
           strlen(mk.dir), err.msg);
    assert_int_equal(st, VR_OK);
    assert_true(mk.vvix == 95.5);
    assert_string_equal(mk.dir, dir);
    vr_history h;
    assert_int_equal(vr_history_load(dir, &h, &err), VR_OK);
    assert_true(h.n == 2);
    vr_history_free(&h);
    /* longer than the loaders take: an error naming the length, not a cut path */
    char *huge = malloc(VR_DATA_DIR_MAX + 2);
    assert_non_null(huge);
    memset(huge, 'x', VR_DATA_DIR_MAX + 1);
    huge[0] = '/';
    huge[VR_DATA_DIR_MAX + 1] = '\0';
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(huge, 20200103, &mk, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "at most 4000"));
    vr_err_clear(&err);
    assert_int_equal(vr_history_load(huge, &h, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "at most 4000"));
    free(huge);
    assert_int_equal(vr_test_rmdir(base), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_futures_rows),
        cmocka_unit_test(test_close_range),
        cmocka_unit_test(test_early_contracts),
        cmocka_unit_test(test_long_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
