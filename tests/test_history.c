/* test_history.c: the daily-history loader (vr_history.h).
 *
 * Small CSV files written to a temporary directory check the join (inner on SPX/VIX, VIX3M by
 * lookup with NAN), the gap report, and that every kind of malformed line fails with FILE:LINE.
 * If the shared data set is present next to the repository (VIXRISK_SOURCE_DIR/../shared/data),
 * it is loaded and checked against facts stated in its README; otherwise that test is skipped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vixrisk/vr_history.h"
#include "vr_test_util.h"

typedef struct fixture { char dir[256]; } fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/vr_test_history_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void rm_file(const fixture *f, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    unlink(p);
}

static int teardown(void **state)
{
    fixture *f = *state;
    rm_file(f, "spx_daily.csv");
    rm_file(f, "vix_daily.csv");
    rm_file(f, "vix3m_daily.csv");
    rm_file(f, "vix9d_daily.csv");
    rm_file(f, "vix6m_daily.csv");
    rm_file(f, "vvix_daily.csv");
    rm_file(f, "vix_futures_contracts.csv");
    rm_file(f, "vix_futures_term_structure.csv");
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_file(const fixture *f, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static const char *SPX_OK = "date,open,high,low,close\n"
                            "2020-01-02,1,1,1,3200.5\n"
                            "2020-01-03,1,1,1,3210\n"
                            "2020-01-06,1,1,1,3220\n" /* only in SPX: a gap */
                            "2020-01-07,1,1,1,3230\n"
                            "2020-01-08,1,1,1,3240\n";
static const char *VIX_OK = "date,open,high,low,close\n"
                            "2019-12-31,1,1,1,13.78\n" /* before SPX starts: not a gap */
                            "2020-01-02,1,1,1,12.47\n"
                            "2020-01-03,1,1,1,14.02\n"
                            "2020-01-07,1,1,1,13.79\n"
                            "2020-01-08,1,1,1,13.45\n"
                            "2020-01-09,1,1,1,12.54\n"; /* after SPX ends: not a gap */
static const char *V3_OK = "date,open,high,low,close\n"
                           "2020-01-03,1,1,1,16.1\n"
                           "2020-01-04,1,1,1,16.2\n" /* weekend: unmatched */
                           "2020-01-08,1,1,1,15.9\n";

static void test_join_and_gaps(void **state)
{
    fixture *f = *state;
    write_file(f, "spx_daily.csv", SPX_OK);
    write_file(f, "vix_daily.csv", VIX_OK);
    write_file(f, "vix3m_daily.csv", V3_OK);
    vr_history h;
    vr_err err = {0};
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_OK);
    assert_int_equal(h.n, 4);
    const int32_t want[4] = {20200102, 20200103, 20200107, 20200108};
    for (int i = 0; i < 4; i++)
        assert_int_equal(h.date[i], want[i]);
    assert_true(h.spx[0] == 3200.5 && h.vix[0] == 12.47);
    assert_true(h.vix[2] == 13.79 && h.spx[2] == 3230);
    assert_true(isnan(h.vix3m[0]) && h.vix3m[1] == 16.1 && isnan(h.vix3m[2]) &&
                h.vix3m[3] == 15.9);
    assert_int_equal(h.gaps_reported, 1);
    assert_int_equal(h.n_gaps, 1);
    assert_int_equal(h.gaps[0].date, 20200106);
    assert_int_equal(h.gaps[0].side, VR_HIST_ONLY_SPX);
    assert_int_equal(h.counts.only_spx, 1);
    assert_int_equal(h.counts.only_vix, 0);
    assert_int_equal(h.counts.outside_vix, 2);
    assert_int_equal(h.counts.vix3m_missing, 2);
    assert_int_equal(h.counts.vix3m_unmatched, 1);
    assert_non_null(strstr(h.source, "vix3m_daily.csv"));

    size_t i0, i1;
    assert_int_equal(vr_history_window(&h, 20200103, 20200107, &i0, &i1, &err), VR_OK);
    assert_int_equal(i0, 1);
    assert_int_equal(i1, 3);
    assert_int_equal(vr_history_window(&h, 0, 0, &i0, &i1, &err), VR_OK);
    assert_int_equal(i0, 0);
    assert_int_equal(i1, 4);
    assert_int_equal(vr_history_window(&h, 20200104, 20200106, &i0, &i1, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "holds no date"));
    vr_err_clear(&err);
    assert_int_equal(vr_history_window(&h, 20200108, 20200102, &i0, &i1, &err), VR_EINVAL);
    /* ends inside the data need not be trading days: the window holds the days in [from, to] */
    vr_err_clear(&err);
    assert_int_equal(vr_history_window(&h, 20200104, 20200108, &i0, &i1, &err), VR_OK);
    assert_int_equal(i0, 2);
    assert_int_equal(i1, 4);
    /* an end outside the shared dates is refused with the valid range, never clipped to the data */
    static const int32_t outside[4][2] = {
        {20191231, 20200107}, {20200103, 20200109}, {19900102, 20261231}, {20200109, 20200110}};
    for (int k = 0; k < 4; k++) {
        vr_err_clear(&err);
        assert_int_equal(vr_history_window(&h, outside[k][0], outside[k][1], &i0, &i1, &err), VR_EINVAL);
        printf("  %s\n", err.msg);
        assert_non_null(strstr(err.msg, k == 1 ? "to 2020-01-09" : k == 3 ? "from 2020-01-09" : "from"));
        assert_non_null(strstr(err.msg, "outside the data"));
        assert_non_null(strstr(err.msg, "2020-01-02..2020-01-08"));
    }
    vr_history_free(&h);
    assert_null(h.date);
    vr_history_free(&h); /* twice is fine */

    /* vix3m absent: not an error, all NAN */
    rm_file(f, "vix3m_daily.csv");
    vr_err_clear(&err);
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_OK);
    assert_int_equal(h.n, 4);
    for (size_t i = 0; i < h.n; i++)
        assert_true(isnan(h.vix3m[i]));
    assert_non_null(strstr(h.source, "absent"));
    vr_history_free(&h);
}

/* One bad SPX file -> the expected "spx_daily.csv:LINE" and phrase. */
static void expect_bad(const fixture *f, const char *spx, const char *where, const char *what)
{
    write_file(f, "spx_daily.csv", spx);
    write_file(f, "vix_daily.csv", VIX_OK);
    vr_history h;
    vr_err err = {0};
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_EINVAL);
    if (!strstr(err.msg, where) || !strstr(err.msg, what))
        print_error("message '%s' lacks '%s' / '%s'\n", err.msg, where, what);
    assert_non_null(strstr(err.msg, where));
    assert_non_null(strstr(err.msg, what));
    assert_null(h.date);
    assert_int_equal(h.n, 0);
}

static void test_bad_lines(void **state)
{
    fixture *f = *state;
    rm_file(f, "vix3m_daily.csv");
    expect_bad(f, "day,close\n2020-01-02,1\n", "spx_daily.csv:1:", "header");
    expect_bad(f, "", "spx_daily.csv:1:", "empty file");
    expect_bad(f, "date,close\n2020-01-02,1\n2020-13-02,2\n", "spx_daily.csv:3:", "bad date");
    expect_bad(f, "date,close\n2020-01-02,1\n2020/01/03,2\n", "spx_daily.csv:3:", "bad date");
    expect_bad(f, "date,close\n2020-02-30,1\n", "spx_daily.csv:2:", "bad date");
    expect_bad(f, "date,close\n2020-01-03,1\n2020-01-02,2\n", "spx_daily.csv:3:", "not after");
    expect_bad(f, "date,close\n2020-01-03,1\n2020-01-03,2\n", "spx_daily.csv:3:", "not after");
    expect_bad(f, "date,close\n2020-01-02,1\n2020-01-03,abc\n", "spx_daily.csv:3:", "close 'abc'");
    expect_bad(f, "date,close\n2020-01-02,1\n2020-01-03,1.5x\n", "spx_daily.csv:3:", "close");
    expect_bad(f, "date,close\n2020-01-02,-4\n", "spx_daily.csv:2:", "positive");
    expect_bad(f, "date,close\n2020-01-02,inf\n", "spx_daily.csv:2:", "positive");
    /* only decimal numbers: strtod alone would read these as 16, 26 and NaN */
    expect_bad(f, "date,close\n2020-01-02,1\n2020-01-03,0x1p4\n", "spx_daily.csv:3:", "close '0x1p4'");
    expect_bad(f, "date,close\n2020-01-02,0x1A\n", "spx_daily.csv:2:", "close '0x1A'");
    expect_bad(f, "date,close\n2020-01-02,nan(1)\n", "spx_daily.csv:2:", "close 'nan(1)'");
    expect_bad(f, "date,close\n2020-01-02,.\n", "spx_daily.csv:2:", "close '.'");
    expect_bad(f, "date,close\n2020-01-02,1e\n", "spx_daily.csv:2:", "close '1e'");
    /* a lone CR as the line end (old Mac files): named, not read as one header of 3 fields */
    expect_bad(f, "date,close\r2020-01-02,1\r2020-01-03,2\r", "spx_daily.csv:1:", "carriage return");
    expect_bad(f, "date,close\n2020-01-02,1\r2020-01-03,2\n", "spx_daily.csv:2:", "carriage return");
    expect_bad(f, "date,close\n2020-01-02,1,7\n", "spx_daily.csv:2:", "expected 2 fields, got 3");
    expect_bad(f, "date,open,close\n2020-01-02,1\n", "spx_daily.csv:2:", "expected 3 fields");
    expect_bad(f, "date,close\n2020-01-02,1\n\n2020-01-03,2\n", "spx_daily.csv:3:", "empty line");
    /* no shared date */
    expect_bad(f, "date,close\n2021-01-04,1\n", "share no dates", "spx_daily.csv");
    /* CRLF, trailing blank line and an empty close are fine */
    write_file(f, "spx_daily.csv",
               "date,close\r\n2020-01-02,3200\r\n2020-01-03,\r\n2020-01-07,3210\r\n\r\n");
    vr_history h;
    vr_err err = {0};
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_OK);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.counts.only_vix, 1); /* 2020-01-03: SPX has no value there */
    assert_int_equal(h.gaps[0].date, 20200103);
    assert_int_equal(h.gaps[0].side, VR_HIST_ONLY_VIX);
    vr_history_free(&h);
    /* a UTF-8 byte-order mark, no final line end and decimal forms strtod and the files share */
    write_file(f, "spx_daily.csv", "\xEF\xBB\xBF" "date,close\n2020-01-02,3.2e3\n2020-01-03,+3201.\n2020-01-07,3210.50");
    vr_err_clear(&err);
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_OK);
    assert_int_equal(h.n, 3);
    assert_true(h.spx[0] == 3200 && h.spx[1] == 3201 && h.spx[2] == 3210.5);
    vr_history_free(&h);
    /* missing directory: VR_EIO naming the file */
    vr_err_clear(&err);
    assert_int_equal(vr_history_load("/nonexistent/dir", &h, &err), VR_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/spx_daily.csv"));
}

/* VIX9D, VIX6M and VVIX: looked up on the joined dates, NAN elsewhere; VVIX before 2007-01-03
 * is not used; a bad line names its file. */
static void test_extra_indices(void **state)
{
    fixture *f = *state;
    write_file(f, "spx_daily.csv", SPX_OK);
    write_file(f, "vix_daily.csv", VIX_OK);
    write_file(f, "vix3m_daily.csv", V3_OK);
    write_file(f, "vix9d_daily.csv", "date,open,high,low,close\n2020-01-02,1,1,1,11.5\n");
    write_file(f, "vvix_daily.csv", "date,close\n2006-12-29,70\n2020-01-07,88.2\n2020-01-08,91\n");
    vr_history h;
    vr_err err = {0};
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_OK);
    assert_int_equal(h.n, 4);
    assert_true(h.vix9d[0] == 11.5 && isnan(h.vix9d[1]) && isnan(h.vix9d[3]));
    for (size_t i = 0; i < h.n; i++)
        assert_true(isnan(h.vix6m[i])); /* file absent */
    assert_true(isnan(h.vvix[0]) && isnan(h.vvix[1]) && h.vvix[2] == 88.2 && h.vvix[3] == 91);
    assert_int_equal(h.counts.extra_rows[2], 2); /* the 2006 row is dropped */
    assert_int_equal(h.counts.extra_missing[0], 3);
    assert_non_null(strstr(h.source, "vix6m_daily.csv [absent]"));
    vr_history_free(&h);
    write_file(f, "vvix_daily.csv", "date,close\n2020-01-07,88.2\n2020-01-07,91\n");
    vr_err_clear(&err);
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "vvix_daily.csv:3:"));
    rm_file(f, "vvix_daily.csv");
    rm_file(f, "vix9d_daily.csv");
}

static void expect_fut_bad(const fixture *f, const char *contracts, const char *where,
                           const char *what)
{
    write_file(f, "vix_futures_contracts.csv", contracts);
    vr_futures fu;
    vr_err err = {0};
    assert_int_equal(vr_futures_load(f->dir, &fu, &err), VR_EINVAL);
    if (!strstr(err.msg, where) || !strstr(err.msg, what))
        print_error("message '%s' lacks '%s' / '%s'\n", err.msg, where, what);
    assert_non_null(strstr(err.msg, where));
    assert_non_null(strstr(err.msg, what));
    assert_int_equal(fu.n, 0);
    assert_null(fu.date);
}

/* A header that names a column twice is refused at line 1 with the name and both column numbers,
 * under the loaders' own matching (any case, blanks around a name ignored): `date,close,...,close`
 * was read with its first `close` and the second one silently ignored. A repeated column no loader
 * reads is refused too (the file is ambiguous all the same); empty names name nothing and may
 * repeat. */
static void test_duplicate_columns(void **state)
{
    fixture *f = *state;
    rm_file(f, "vix3m_daily.csv");
    expect_bad(f, "date,close,high,low,close\n2020-01-02,1,1,1,2\n", "spx_daily.csv:1:",
               "column 'close' appears twice (columns 2 and 5)");
    expect_bad(f, "date, Close ,CLOSE\n2020-01-02,1,2\n", "spx_daily.csv:1:",
               "column 'Close' appears twice (columns 2 and 3");
    expect_bad(f, "date,close,Date\n2020-01-02,1,2020-01-03\n", "spx_daily.csv:1:",
               "column 'date' appears twice (columns 1 and 3");
    expect_bad(f, "date,high,close,high\n2020-01-02,1,1,1\n", "spx_daily.csv:1:",
               "column 'high' appears twice (columns 2 and 4)");
    /* the optional files and the futures go through the same reader */
    write_file(f, "spx_daily.csv", SPX_OK);
    write_file(f, "vvix_daily.csv", "date,close,close\n2020-01-07,88.2,90\n");
    vr_history h;
    vr_err err = {0};
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "vvix_daily.csv:1: column 'close' appears twice"));
    assert_null(h.date);
    rm_file(f, "vvix_daily.csv");
    expect_fut_bad(f, "date,contract,expiry,settle,settle\n2008-03-20,2008-04,2008-04-16,20,21\n",
                   "vix_futures_contracts.csv:1:", "column 'settle' appears twice (columns 4 and 5)");
    rm_file(f, "vix_futures_contracts.csv");
    /* empty names are no duplicates */
    write_file(f, "spx_daily.csv", "date,close,,\n2020-01-02,3200,,\n2020-01-03,3210,,\n");
    vr_err_clear(&err);
    assert_int_equal(vr_history_load(f->dir, &h, &err), VR_OK);
    assert_int_equal(h.n, 2);
    vr_history_free(&h);
}

/* The futures curve: contracts file (real expiries, expiry-day rows and days before 2007-12-20
 * dropped), term-structure file (rule expiries, Good Friday included, and known real expiries),
 * the merge, the constant-maturity interpolation and the errors. */
static void test_futures(void **state)
{
    fixture *f = *state;
    vr_futures fu;
    vr_err err = {0};
    /* neither file */
    assert_int_equal(vr_futures_load(f->dir, &fu, &err), VR_EIO);
    assert_non_null(strstr(err.msg, "vix_futures_contracts.csv"));
    assert_non_null(strstr(err.msg, "vix_futures_term_structure.csv"));
    vr_err_clear(&err);
    static const char *H = "date,contract,expiry,open,high,low,close,settle,volume,open_interest\n";
    char buf[2048];
    snprintf(buf, sizeof buf,
             "%s2007-06-01,2007-07,2007-07-18,,,,,15,0,0\n"  /* before the complete curve */
             "2008-03-19,2008-03,2008-03-19,,,,,25.0,0,0\n"  /* expiry day: dropped */
             "2008-03-19,2008-04,2008-04-16,,,,,24.0,0,0\n"
             "2008-03-19,2008-05,2008-05-21,,,,,23.0,0,0\n"
             "2008-03-20,2008-04,2008-04-16,,,,,,0,0\n"     /* no settle */
             "2008-03-20,2008-05,2008-05-21,,,,,22.5,0,0\n",
             H);
    write_file(f, "vix_futures_contracts.csv", buf);
    write_file(f, "vix_futures_term_structure.csv",
               "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n"
               "2008-03-19,1,1,1,1,1,1,1,1\n" /* the contracts file wins */
               "2019-03-18,12.93,15.03,16,16.5,17,17.2,17.5,17.8\n"
               "2019-03-19,15.1,16.1,16.5,17,17.2,17.5,17.8,18\n");
    assert_int_equal(vr_futures_load(f->dir, &fu, &err), VR_OK);
    assert_int_equal(fu.n, 4);
    assert_int_equal(fu.n_contracts_file, 2);
    assert_int_equal(fu.n_term_file, 2);
    assert_int_equal(fu.date[0], 20080319);
    assert_int_equal(fu.count[0], 2);
    assert_int_equal(fu.expiry[0], 20080416);
    assert_true(fu.settle[0] == 24.0 && fu.settle[1] == 23.0);
    assert_int_equal(fu.count[1], 1);
    assert_int_equal(fu.expiry[VR_FUT_MAX], 20080521);
    /* 2019-03: the third Friday of April 2019 is Good Friday, so the March contract expires on
     * Tuesday 2019-03-19; the next ones on the rule's Wednesdays */
    assert_int_equal(fu.date[2], 20190318);
    assert_int_equal(fu.expiry[2 * VR_FUT_MAX + 0], 20190319);
    assert_int_equal(fu.expiry[2 * VR_FUT_MAX + 1], 20190417);
    assert_int_equal(fu.expiry[2 * VR_FUT_MAX + 2], 20190522);
    assert_int_equal(fu.count[2], 8);
    /* on the expiry day vx1 is already the next contract */
    assert_int_equal(fu.expiry[3 * VR_FUT_MAX + 0], 20190417);
    assert_int_equal(vr_futures_find(&fu, 20190319), 3);
    assert_int_equal(vr_futures_find(&fu, 20190320), -1);
    /* constant maturity, by hand: 2008-03-19, expiries in 28 and 63 days at 24 and 23; spot 26 */
    assert_true(fabs(vr_futures_cm(&fu, 0, 30, 26) - (24 + (23 - 24) * 2.0 / 35.0)) < 1e-12);
    assert_true(fabs(vr_futures_cm(&fu, 0, 14, 26) - (26 + (24 - 26) * 14.0 / 28.0)) < 1e-12);
    assert_true(isnan(vr_futures_cm(&fu, 0, 90, 26)));
    assert_int_equal(vr_date_diff(20080319, 20080416), 28);
    assert_int_equal(vr_date_diff(20191231, 20200301), 61);
    vr_futures_free(&fu);
    assert_null(fu.date);
    rm_file(f, "vix_futures_term_structure.csv");
    expect_fut_bad(f, "date,settle\n", "vix_futures_contracts.csv:1:", "expiry");
    snprintf(buf, sizeof buf, "%s2008-03-20,2008-04,2008-04-16,,,,,x,0,0\n", H);
    expect_fut_bad(f, buf, "vix_futures_contracts.csv:2:", "settle 'x'");
    snprintf(buf, sizeof buf, "%s2008-03-20,2008-04,2008-04-16,,,,,0x14,0,0\n", H);
    expect_fut_bad(f, buf, "vix_futures_contracts.csv:2:", "settle '0x14'"); /* strtod: 20 */
    snprintf(buf, sizeof buf, "%s2008-03-20,2008-04,2008-03-16,,,,,20,0,0\n", H);
    expect_fut_bad(f, buf, "vix_futures_contracts.csv:2:", "before the trade date");
    snprintf(buf, sizeof buf,
             "%s2008-03-20,2008-04,2008-04-16,,,,,20,0,0\n2008-03-19,2008-04,2008-04-16,,,,,20,0,0\n",
             H);
    expect_fut_bad(f, buf, "vix_futures_contracts.csv:3:", "ascend");
    snprintf(buf, sizeof buf, "%s2008-03-20,2008-04,2008-04-16,,,,,20,0\n", H);
    expect_fut_bad(f, buf, "vix_futures_contracts.csv:2:", "fields");
    rm_file(f, "vix_futures_contracts.csv");
    write_file(f, "vix_futures_term_structure.csv",
               "date,vx1,vx2,vx3,vx4,vx5,vx6,vx7,vx8\n2019-03-18,12.93,-1,16,16.5,17,17.2,17.5,17.8\n");
    vr_err_clear(&err);
    assert_int_equal(vr_futures_load(f->dir, &fu, &err), VR_EINVAL);
    assert_non_null(strstr(err.msg, "vix_futures_term_structure.csv:2: vx2"));
    rm_file(f, "vix_futures_term_structure.csv");
}

static void test_dates(void **state)
{
    (void)state;
    int32_t d;
    char buf[16];
    assert_int_equal(vr_history_parse_iso_date("2024-02-29", &d), 0);
    assert_int_equal(d, 20240229);
    /* the VX expiry rule, the one `model --asof` and the futures reader share: a Wednesday 30 days
     * before the next month's third Friday, a Tuesday when that Friday is Good Friday (the
     * exchange's March 2019, 2022 and 2025 contracts; `model --asof` missed the exception) */
    assert_int_equal(vr_vx_expiry(2024, 1), 20240117);
    assert_int_equal(vr_vx_expiry(2024, 12), 20241218);
    assert_int_equal(vr_vx_expiry(2019, 3), 20190319);
    assert_int_equal(vr_vx_expiry(2022, 3), 20220315);
    assert_int_equal(vr_vx_expiry(2025, 3), 20250318);
    assert_int_equal(vr_history_parse_iso_date("1800-01-01", &d), 0);
    assert_int_equal(vr_history_parse_iso_date("2200-12-31", &d), 0);
    assert_int_equal(d, 22001231);
    /* well formed, but no such day (or a year out of range): -2 */
    assert_int_equal(vr_history_parse_iso_date("2023-02-29", &d), -2);
    assert_int_equal(vr_history_parse_iso_date("1900-02-29", &d), -2);
    assert_int_equal(vr_history_parse_iso_date("2020-13-01", &d), -2);
    assert_int_equal(vr_history_parse_iso_date("2020-04-31", &d), -2);
    assert_int_equal(vr_history_parse_iso_date("2020-01-00", &d), -2);
    assert_int_equal(vr_history_parse_iso_date("1799-12-31", &d), -2);
    assert_int_equal(vr_history_parse_iso_date("2201-01-01", &d), -2);
    /* not the form: -1 (the data files' old YYYYMMDD included) */
    assert_int_equal(vr_history_parse_iso_date("20180205", &d), -1);
    assert_int_equal(vr_history_parse_iso_date("2018-2-05", &d), -1);
    assert_int_equal(vr_history_parse_iso_date("2018-02-05 ", &d), -1);
    assert_int_equal(vr_history_parse_iso_date("2018/02/05", &d), -1);
    assert_int_equal(vr_history_parse_iso_date("2018-0a-05", &d), -1);
    assert_int_equal(vr_history_parse_iso_date("", &d), -1);
    assert_int_equal(vr_history_parse_iso_date(NULL, &d), -1);
    assert_int_equal(d, 22001231); /* untouched by the failures */
    assert_non_null(strstr(vr_history_date_expected(-1), "a date YYYY-MM-DD"));
    assert_non_null(strstr(vr_history_date_expected(-2), "calendar day"));
    assert_string_equal(vr_history_format_date(19900102, buf), "1990-01-02");
}

static void test_default_dir(void **state)
{
    (void)state;
    setenv("VIXRISK_DATA", "/some/where", 1);
    assert_string_equal(vr_history_default_dir(), "/some/where");
    unsetenv("VIXRISK_DATA");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    assert_null(vr_history_default_dir()); /* /../shared/data = /shared/data: absent */
    assert_int_equal(chdir(cwd), 0);
}

static size_t find_date(const vr_history *h, int32_t d)
{
    size_t i0, i1;
    if (vr_history_window(h, d, d, &i0, &i1, NULL) != VR_OK)
        return (size_t)-1;
    return i0;
}

static void test_real_data(void **state)
{
    (void)state;
    const char *dir = VIXRISK_SOURCE_DIR "/../shared/data";
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        print_message("shared data not found at %s: skipped\n", dir);
        skip();
    }
    vr_history h;
    vr_err err = {0};
    assert_int_equal(vr_history_load(dir, &h, &err), VR_OK);
    print_message("%zu joined dates %d..%d, %zu gaps\n", h.n, h.date[0], h.date[h.n - 1],
                  h.gaps_reported);
    size_t i = find_date(&h, 20200316);
    assert_true(i != (size_t)-1);
    assert_true(h.vix[i] == 82.69);
    i = find_date(&h, 20180205);
    assert_true(i != (size_t)-1);
    assert_true(h.vix[i] == 37.32);
    assert_int_equal(h.date[i - 1], 20180202);
    assert_true(h.vix[i - 1] == 17.31);
    /* README: SPX 9,197 and VIX 9,226 dates in 1990-01-02..2026-07-10, 9,193 shared; only in SPX
     * 4 dates, only in VIX 33 (2004-06-11 and 32 holiday rows). */
    size_t i0, i1;
    assert_int_equal(vr_history_window(&h, 19900102, 20260710, &i0, &i1, &err), VR_OK);
    assert_int_equal(i1 - i0, 9193);
    assert_int_equal(h.counts.only_spx, 4);
    assert_int_equal(h.counts.only_vix, 33);
    const int32_t only_spx[4] = {19910301, 19970131, 19971126, 19991231};
    size_t k = 0;
    for (size_t g = 0; g < h.n_gaps; g++)
        if (h.gaps[g].side == VR_HIST_ONLY_SPX)
            assert_int_equal(h.gaps[g].date, only_spx[k++]);
    assert_int_equal(k, 4);
    assert_true(find_date(&h, 20040611) == (size_t)-1);
    /* VIX3M starts 2009-09-18 */
    i = find_date(&h, 20090918);
    assert_true(h.vix3m[i] == 26.54 && isnan(h.vix3m[i - 1]));
    /* VVIX from 2007-01-03 only; VIX9D starts 2011-01-04 */
    i = find_date(&h, 20070103);
    assert_true(isfinite(h.vvix[i]) && isnan(h.vvix[i - 1]));
    i = find_date(&h, 20110104);
    assert_true(isfinite(h.vix9d[i]) && isnan(h.vix9d[i - 1]));
    vr_history_free(&h);
    /* futures: README ranges; 2020-03-16 from the term-structure file, 2008-10-10 from the
     * contracts file (real expiry) */
    vr_futures fu;
    assert_int_equal(vr_futures_load(dir, &fu, &err), VR_OK);
    assert_int_equal(fu.date[0], 20070402);
    assert_int_equal(fu.date[fu.n - 1], 20211223);
    const long q = vr_futures_find(&fu, 20200316);
    assert_true(q >= 0);
    assert_int_equal(fu.expiry[(size_t)q * VR_FUT_MAX], 20200318);
    assert_true(fu.settle[(size_t)q * VR_FUT_MAX] == 72.625);
    const long q2 = vr_futures_find(&fu, 20081010);
    assert_true(q2 >= 0 && fu.count[q2] >= 6);
    assert_int_equal(fu.expiry[(size_t)q2 * VR_FUT_MAX], 20081022);
    vr_futures_free(&fu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_join_and_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extra_indices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_futures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_columns, setup, teardown),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_default_dir),
        cmocka_unit_test(test_real_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
