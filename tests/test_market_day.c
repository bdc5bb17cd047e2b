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

/* Before 2007-12-20 the contracts file lacks the contracts that expired in 2007 (vr_history.h),
 * and the term-structure file's vx_k is the k-th nearest *listed* contract, not every month being
 * listed then. Both loaders (the day's market here, the futures history of the calibrations) take
 * the term row with its entries labelled against the contracts file (data/term_label.h). Rows of
 * the shipped data:
 *  - 2007-04-02: 2008-02 is vx8, so seven entries for the nine months April-December 2007: only
 *    the two nearest can be told (the curve is cut there; counting months took 2008-02 for a
 *    2007-11 contract);
 *  - 2007-06-01: seven entries, seven months June-December: all told, then 2008-02 and 2008-05;
 *  - 2007-07-19 and 07-20: 2008-01 enters the term file on 07-20 but the contracts file on 07-23;
 *    on 07-19 the five entries before 2008-02 are August-December, on 07-20 the six include 2008-01;
 *  - 2007-09-21: 2008-03 enters the term file before the contracts file (09-24), and 2008-02's
 *    19.65 is vx5 and vx6 both: only vx5 leaves a month (2008-03) for the entry before 2008-05;
 *  - 2007-12-19: vx7 and vx8 are 2008-08 and 2008-11 (counting months gave 2008-07 and 2008-08);
 *  - 2007-06-04 has no term row: the contracts file's contracts (from 2008-01 only);
 *  - from 2007-12-20 the contracts file's day, as before. */
static void test_early_contracts(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mkearly", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv",
                  "date,close\n2007-04-02,1424.55\n2007-06-01,1536.34\n2007-06-04,1539.18\n"
                  "2007-07-19,1553.08\n2007-07-20,1534.1\n2007-09-21,1525.75\n2007-12-19,1453\n"
                  "2008-01-02,1447.16\n");
    vr_test_write(dir, "vix_daily.csv",
                  "date,close\n2007-04-02,14.64\n2007-06-01,13.05\n2007-06-04,13.3\n"
                  "2007-07-19,15.23\n2007-07-20,17.48\n2007-09-21,19\n2007-12-19,21.7\n2008-01-02,23.17\n");
    vr_test_write(dir, "vix_futures_contracts.csv",
                  "date,contract,expiry,settle\n"
                  "2007-04-02,2008-02,2008-02-19,14.9\n"
                  "2007-04-02,2008-05,2008-05-21,15.36\n"
                  "2007-06-01,2008-02,2008-02-19,15.26\n"
                  "2007-06-01,2008-05,2008-05-21,15.40\n"
                  "2007-06-04,2008-02,2008-02-19,15.3\n"
                  "2007-07-19,2008-02,2008-02-19,17.93\n"
                  "2007-07-19,2008-05,2008-05-21,17.95\n"
                  "2007-07-19,2008-06,2008-06-18,18.07\n"
                  "2007-07-20,2008-02,2008-02-19,18.29\n"
                  "2007-07-20,2008-05,2008-05-21,18.43\n"
                  "2007-07-20,2008-06,2008-06-18,18.57\n"
                  "2007-07-23,2008-01,2008-01-16,17.92\n"
                  "2007-07-23,2008-02,2008-02-19,18.08\n"
                  "2007-09-21,2008-01,2008-01-16,19.63\n"
                  "2007-09-21,2008-02,2008-02-19,19.65\n"
                  "2007-09-21,2008-05,2008-05-21,19.61\n"
                  "2007-09-21,2008-06,2008-06-18,19.58\n"
                  "2007-09-21,2008-08,2008-08-20,19.62\n"
                  "2007-09-24,2008-03,2008-03-19,19.50\n"
                  "2007-12-19,2008-01,2008-01-16,24.42\n"
                  "2007-12-19,2008-02,2008-02-19,24.38\n"
                  "2007-12-19,2008-03,2008-03-19,24.29\n"
                  "2007-12-19,2008-04,2008-04-16,24.22\n"
                  "2007-12-19,2008-05,2008-05-21,24.13\n"
                  "2007-12-19,2008-06,2008-06-18,24.06\n"
                  "2007-12-19,2008-08,2008-08-20,23.89\n"
                  "2007-12-19,2008-11,2008-11-19,23.52\n"
                  "2008-01-02,2008-01,2008-01-16,22.5\n"
                  "2008-01-02,2008-02,2008-02-19,23.1\n");
    vr_test_write(dir, "vix_futures_term_structure.csv",
                  "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n"
                  "2007-04-02,14.7,14.77,14.61,14.41,14.42,14.39,14.42,14.9\n"
                  "2007-06-01,13.41,14.29,14.66,14.88,14.96,15.14,15.07,15.26\n"
                  "2007-07-19,17.18,17.36,17.38,17.51,17.59,17.93,17.95,18.07\n"
                  "2007-07-20,17.72,17.76,17.82,17.88,17.94,17.94,18.29,18.43\n"
                  "2007-09-21,19.87,19.98,19.62,19.63,19.65,19.65,19.61,19.58\n"
                  "2007-12-19,24.42,24.38,24.29,24.22,24.13,24.06,23.89,23.52\n"
                  "2008-01-02,22.4,23.0,23.2,23.3,23.4,23.5,23.6,23.7\n");
    /* date, contracts, and the expiries expected (0: not checked) */
    static const struct {
        int32_t date;
        int n;
        int32_t exp[10];
    } want[] = {
        {20070402, 2, {20070418, 20070516}},
        {20070601, 9, {20070620, 20070718, 20070822, 20070919, 20071017, 20071121, 20071219,
                       20080219, 20080521}},
        {20070719, 8, {20070822, 20070919, 20071017, 20071121, 20071219, 20080219, 20080521,
                       20080618}},
        {20070720, 9, {20070822, 20070919, 20071017, 20071121, 20071219, 20080116, 20080219,
                       20080521, 20080618}},
        {20070921, 9, {20071017, 20071121, 20071219, 20080116, 20080219, 20080319, 20080521,
                       20080618, 20080820}},
        {20071219, 8, {20080116, 20080219, 20080319, 20080416, 20080521, 20080618, 20080820,
                       20081119}},
        {20080102, 2, {20080116, 20080219}},
    };
    vr_futures fu;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_futures_load(dir, &fu, &err), VR_OK);
    assert_int_equal(fu.n_term_cut, 1);
    assert_int_equal(fu.n_term_dropped, 0);
    assert_int_equal(vr_futures_find(&fu, 20070604), -1); /* no term row: no curve */
    for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
        vr_market_day mk;
        vr_err_clear(&err);
        assert_int_equal(vr_market_day_load(dir, want[w].date, &mk, &err), VR_OK);
        const long q = vr_futures_find(&fu, want[w].date);
        assert_true(q >= 0);
        if (mk.nfut != want[w].n || fu.count[q] != want[w].n)
            fprintf(stderr, "%d: %d futures from %s, %d in the history\n", want[w].date, mk.nfut,
                    mk.fut_source, fu.count[q]);
        assert_int_equal(mk.nfut, want[w].n);
        assert_int_equal(fu.count[q], want[w].n);
        for (int k = 0; k < want[w].n; k++) {
            if (mk.fut[k].expiry != want[w].exp[k])
                fprintf(stderr, "%d: contract %d expires %d, want %d\n", want[w].date, k,
                        mk.fut[k].expiry, want[w].exp[k]);
            assert_int_equal(mk.fut[k].expiry, want[w].exp[k]);
            assert_int_equal(fu.expiry[(size_t)q * VR_FUT_MAX + (size_t)k], want[w].exp[k]);
            assert_true(fu.settle[(size_t)q * VR_FUT_MAX + (size_t)k] == mk.fut[k].settle);
            char month[8];
            snprintf(month, sizeof month, "%04d-%02d", want[w].exp[k] / 10000,
                     want[w].exp[k] / 100 % 100);
            assert_string_equal(mk.fut[k].contract, month);
        }
    }
    vr_market_day mk;
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20070601, &mk, &err), VR_OK);
    assert_true(mk.fut[0].settle == 13.41 && mk.fut[7].settle == 15.26);
    assert_non_null(strstr(mk.fut_source, "months from vix_futures_contracts.csv"));
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20070720, &mk, &err), VR_OK);
    assert_true(mk.fut[5].settle == 17.94); /* 2008-01, before the contracts file has it */
    /* no term row that day: the contracts file's */
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20070604, &mk, &err), VR_OK);
    assert_int_equal(mk.nfut, 1);
    assert_true(mk.fut[0].expiry == 20080219);
    assert_non_null(strstr(mk.fut_source, "contracts from 2008-01 only"));
    /* a complete day: the contracts file's */
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20080102, &mk, &err), VR_OK);
    assert_true(mk.fut[0].settle == 22.5);
    assert_string_equal(mk.fut_source, "vix_futures_contracts.csv");
    vr_futures_free(&fu);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* Blanks around a field are read alike by every loader: the history loader trimmed its fields,
 * the day's market and the futures loader did not, so `model --asof` refused a close (" 3250")
 * that a replay took, and the futures history refused a settlement the day's market took. */
static void test_blanks(void **state)
{
    (void)state;
    char dir[128];
    assert_int_equal(vr_test_tmpdir("mkblank", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv", "date , close\n2020-01-02, 3250 \n 2020-01-03 ,\t3230\n");
    vr_test_write(dir, "vix_daily.csv", "date,close\n2020-01-02,12.5\n2020-01-03, 14.02\n");
    vr_test_write(dir, "vix_futures_term_structure.csv",
                  "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n"
                  " 2020-01-03 , 14.5 ,15,16,17,18,19,20, 21\n");
    vr_test_write(dir, "vix_futures_contracts.csv",
                  "date,contract,expiry,settle\n"
                  "2020-01-02, 2020-01 , 2020-01-22 , 14.25\n");
    vr_history h;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_history_load(dir, &h, &err), VR_OK);
    assert_true(h.n == 2 && h.spx[0] == 3250 && h.spx[1] == 3230 && h.vix[1] == 14.02);
    vr_history_free(&h);
    vr_market_day mk;
    for (int d = 0; d < 2; d++) {
        vr_err_clear(&err);
        const vr_status st = vr_market_day_load(dir, d ? 20200103 : 20200102, &mk, &err);
        if (st != VR_OK)
            fprintf(stderr, "day %d: %s\n", d, err.msg);
        assert_int_equal(st, VR_OK);
        assert_true(mk.spx == (d ? 3230 : 3250));
    }
    assert_int_equal(mk.nfut, 8);
    assert_true(mk.fut[0].settle == 14.5 && mk.fut[7].settle == 21);
    vr_err_clear(&err);
    assert_int_equal(vr_market_day_load(dir, 20200102, &mk, &err), VR_OK);
    assert_int_equal(mk.nfut, 1);
    assert_string_equal(mk.fut[0].contract, "2020-01");
    vr_futures fu;
    vr_err_clear(&err);
    const vr_status fst = vr_futures_load(dir, &fu, &err);
    if (fst != VR_OK)
        fprintf(stderr, "futures: %s\n", err.msg);
    assert_int_equal(fst, VR_OK);
    assert_true(fu.n == 2 && fu.count[0] == 1 && fu.settle[0] == 14.25 && fu.count[1] == 8);
    vr_futures_free(&fu);
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
        cmocka_unit_test(test_blanks),
        cmocka_unit_test(test_long_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
