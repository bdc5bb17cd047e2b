/* test_calib_inputs.c: inputs `vixrisk calibrate` must refuse, and what a refusal leaves behind.
 *
 * - A two-factor (svcj2) window whose last day has no VIX3M close is a usage error naming the day
 *   and the last one before it with both indices: the model file's spot, v0 and m0 all come from
 *   that day. It was written without a word: --start left m0 at 0, and the svcj2 filter took the
 *   state from the day before the spot's. A last day outside the model's reach (its state
 *   clamped) is said to be, in the output and the file (v0 0, m0 0 were written unsaid).
 * - The pricing fit's minimum of 10 days holds for the days that enter it: --every 1000 fitted
 *   three parameters to one day (the minimum was checked before every K-th day was taken).
 * - Decimal options are read as `price` reads them: hexadecimal and leading blanks are refused
 *   (--rate 0x.08 wrote rate 0.03125), and -0 is written as 0.
 * - A command that fails removes the output directories -o and --report made for it (they were
 *   left behind, though exit 2 says nothing was written), and no directory that existed before.
 * - A malformed futures file is an error in the realism report too (it was a warning, and the
 *   report said "no futures files"); absent files still only leave the futures rows n/a.
 * - One "calibrate:" prefix on the library's messages, and the bootstrap block's limit states n.
 * The cases on real closes skip without the shared data; their altered copies live in a temporary
 * directory (the shared files are only read, through symbolic links). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vixrisk/vr_calib.h"
#include "vr_test_util.h"

static char out[1 << 16];

static const char *const data_files[] = {
    "spx_daily.csv",   "vix_daily.csv",  "vix3m_daily.csv",           "vix9d_daily.csv",
    "vix6m_daily.csv", "vvix_daily.csv", "vix_futures_contracts.csv", "vix_futures_term_structure.csv"};

/* A data directory dir/name: every shared file linked, except `file`, written as a copy of the
 * shared one whose line number `line` (1 = the header) is dropped (repl NULL) or replaced by repl;
 * `file` NULL links every file, and `skip` (may be NULL) names files left out. */
static void make_data(const char *dir, const char *name, const char *file, int line,
                      const char *repl, const char *skip)
{
    char d[512], p[700], src[700];
    snprintf(d, sizeof d, "%s/%s", dir, name);
    assert_int_equal(mkdir(d, 0755), 0);
    for (size_t k = 0; k < sizeof data_files / sizeof *data_files; k++) {
        snprintf(p, sizeof p, "%s/%s", d, data_files[k]);
        snprintf(src, sizeof src, "%s/%s", VR_TEST_DATA_DIR, data_files[k]);
        if (skip && strstr(skip, data_files[k]))
            continue;
        if (file == NULL || strcmp(file, data_files[k]) != 0) {
            assert_int_equal(symlink(src, p), 0);
            continue;
        }
        char *text = vr_test_slurp(src);
        assert_non_null(text);
        FILE *f = fopen(p, "wx"); /* (a new file in the temporary directory, never a link) */
        assert_non_null(f);
        int ln = 1;
        for (char *s = text; *s; ln++) {
            char *e = strchr(s, '\n');
            const size_t len = e ? (size_t)(e - s) + 1 : strlen(s);
            if (ln != line)
                fwrite(s, 1, len, f);
            else if (repl)
                fputs(repl, f);
            s += len;
        }
        assert_int_equal(fclose(f), 0);
        free(text);
    }
}

/* The line number (1 = header) of the row of `date` in the shared file, or 0. */
static int line_of(const char *file, const char *date)
{
    char src[700];
    snprintf(src, sizeof src, "%s/%s", VR_TEST_DATA_DIR, file);
    char *text = vr_test_slurp(src);
    assert_non_null(text);
    int ln = 1, found = 0;
    for (char *s = text; *s && !found; ln++) {
        if (strncmp(s, date, strlen(date)) == 0)
            found = ln;
        char *e = strchr(s, '\n');
        if (!e)
            break;
        s = e + 1;
    }
    free(text);
    return found;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void test_svcj2_last_day_without_vix3m(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[2048], path[512];
    assert_int_equal(vr_test_tmpdir("calin3m", dir, sizeof dir), 0);
    const int ln = line_of("vix3m_daily.csv", "2019-06-28");
    assert_true(ln > 1);
    make_data(dir, "d", "vix3m_daily.csv", ln, NULL, NULL);
    snprintf(path, sizeof path, "%s/x.yaml", dir);
    /* --start: m0 was left at 0 and v0 taken from the VIX alone */
    snprintf(args, sizeof args,
             "calibrate --data %s/d --start %s/configs/models/svcj2_cal_rn.yaml --measure pricing "
             "--max-eval 10 --fit mu_s --from 2018-06-01 --to 2019-06-28 -o %s",
             dir, VIXRISK_SOURCE_DIR, path);
    vr_test_cli_expect(args, 2, out, sizeof out,
                       "2019-06-28, the window's last day, has no close in ",
                       "vix3m_daily.csv: svcj2 has 2 variance factors",
                       "spot, v0 and m0 all come from that day",
                       "the last one before it is 2019-06-27 (--to 2019-06-27)", NULL);
    assert_null(strstr(out, "calibrate: calibrate:"));
    assert_null(strstr(out, "pricing fit of")); /* refused before any fit */
    assert_false(exists(path));
    /* the physical svcj2 fit: the spot was the last day's, (v0, m0) the day before's */
    snprintf(args, sizeof args,
             "calibrate --data %s/d --model svcj2 --pricing-from %s/configs/models/svcj2_cal_rn.yaml "
             "--bootstrap 0 --from 2016-01-01 --to 2019-06-28 -o %s", dir, VIXRISK_SOURCE_DIR, path);
    vr_test_cli_expect(args, 2, out, sizeof out, "2019-06-28, the window's last day, has no close",
                       NULL);
    assert_false(exists(path));
    /* a window of the same data ending on a day with both calibrates */
    snprintf(args, sizeof args,
             "calibrate --data %s/d --start %s/configs/models/svcj2_cal_rn.yaml --measure pricing "
             "--max-eval 10 --fit mu_s --from 2018-06-01 --to 2019-06-27 -o %s",
             dir, VIXRISK_SOURCE_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "wrote ", NULL);
    assert_null(strstr(out, "outside the model's reach under the pricing parameters"));
    char *text = vr_test_slurp(path);
    assert_non_null(text);
    assert_null(strstr(text, "m0: 0\n"));
    free(text);
    /* a last day outside the model's reach: the nearest state is written, and said to be */
    snprintf(args, sizeof args,
             "calibrate --data %s --start %s/configs/models/svcj2_cal_rn.yaml --measure pricing "
             "--max-eval 10 --from 2025-01-01 --to 2026-07-10 -o %s",
             VR_TEST_DATA_DIR, VIXRISK_SOURCE_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, "WARNING: the last day, 2026-07-10 (VIX 15.03, VIX3M "
                       "18.57), lies outside the model's reach under the pricing parameters", NULL);
    text = vr_test_slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "\n# The last day, 2026-07-10 (VIX 15.03, VIX3M 18.57), lies outside "
                                 "the model's reach under the pricing parameters: the state written "
                                 "(v0 = 0, m0 = 0) is the nearest reachable one, and gives VIX 16.0065"));
    free(text);
    /* a one-factor model needs no VIX3M on the last day */
    snprintf(args, sizeof args,
             "calibrate --data %s/d --model heston --bootstrap 0 --from 2018-06-01 --to 2019-06-28",
             dir);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* An svcj2 window with fewer than 100 days with a VIX3M close: the hint says why (it said
 * "vix3m_daily.csv starts later" of a short window inside the VIX3M history too). */
static void test_svcj2_short_window_hint(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[2048];
    assert_int_equal(vr_test_tmpdir("calshort", dir, sizeof dir), 0);
    const int ln = line_of("vix3m_daily.csv", "2019-06-28");
    assert_true(ln > 1);
    make_data(dir, "d", "vix3m_daily.csv", ln, NULL, NULL);
    static const struct { const char *window, *hint; } cases[] = {
        {"--from 2024-01-02 --to 2024-03-01", "has 42 days with a VIX3M close, need at least 100 (the "
                                              "window is too short; give a longer one)"},
        {"--from 2005-01-03 --to 2007-12-31", "has 0 days with a VIX3M close, need at least 100 (the "
                                              "VIX3M history starts on 2009-09-18; use --from then or later)"},
        {"--from 2009-06-01 --to 2009-12-31", "need at least 100 (the VIX3M history starts on 2009-09-18"},
        {"--from 2019-04-01 --to 2019-07-31", "need at least 100 (1 of the window's days lack a VIX3M close)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(args, sizeof args,
                 "calibrate --data %s/d --model svcj2 --pricing-from %s/configs/models/svcj2_cal_rn.yaml "
                 "--bootstrap 0 %s", dir, VIXRISK_SOURCE_DIR, cases[i].window);
        vr_test_cli_expect(args, 2, out, sizeof out, cases[i].hint, NULL);
        assert_null(strstr(out, "starts later"));
    }
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* Estimates that make no valid model file (a VIX close of 9,000,000: kappa 252.5) are refused
 * naming the key, not the output's temporary, which the failure removed (the message named a
 * ".vr....tmp" file that no longer existed). */
static void test_invalid_estimates_named(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[2048], path[512];
    assert_int_equal(vr_test_tmpdir("calbad", dir, sizeof dir), 0);
    const int ln = line_of("vix_daily.csv", "2020-03-03");
    assert_true(ln > 1);
    make_data(dir, "d", "vix_daily.csv", ln, "2020-03-03,33.64,41.06,24.93,9000000\n", NULL);
    snprintf(path, sizeof path, "%s/huge_cal.yaml", dir);
    snprintf(args, sizeof args, "calibrate --data %s/d --model heston --bootstrap 0 --from 2019-01-02 "
             "--to 2020-12-31 -o %s", dir, path);
    vr_test_cli_expect(args, 1, out, sizeof out, "the estimates do not make a valid model file (nothing was "
                       "written): model.physical.", "must be in", NULL);
    assert_null(strstr(out, ".tmp"));
    assert_false(exists(path));
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* The days that enter the fit, not the usable ones, must be >= 10: on 30 synthetic days every
 * 3rd leaves 10, every 4th 8. */
static void test_every_leaves_ten_days(void **state)
{
    (void)state;
    const vr_sv_params truth = {.kappa = 4.0, .theta = 0.05, .sigma = 0.8, .rho = -0.7};
    const size_t n = 30;
    vr_pfit_day *d = vr_test_pfit_days(VR_MODEL_HESTON, &truth, n);
    vr_pfit_opts o;
    vr_pfit_opts_default(&o, VR_MODEL_HESTON, &truth);
    o.vvix_per_bucket = 1;
    o.max_eval = 10;
    o.threads = 2;
    vr_pfit_result r;
    vr_err err = {0};
    o.every = 3;
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_OK);
    assert_int_equal(r.n_days, 10);
    o.every = 4;
    err = (vr_err){0};
    assert_int_equal(vr_pricing_fit(d, n, &o, &r, &err), VR_EINVAL);
    print_message("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "every 4-th of the 30 usable days"));
    assert_non_null(strstr(err.msg, "leaves 8 fit days, need >= 10: use --every 3 or less"));
    free(d);
    if (!vr_test_have_data())
        return;
    char args[1024];
    snprintf(args, sizeof args,
             "calibrate --data %s --start %s/configs/models/heston_cal_rn.yaml --measure pricing "
             "--max-eval 50 --from 2015-01-02 --to 2015-02-27 --every 1000",
             VR_TEST_DATA_DIR, VIXRISK_SOURCE_DIR);
    vr_test_cli_expect(args, 2, out, sizeof out, "leaves 1 fit day, need >= 10", NULL);
}

static void test_decimal_options(void **state)
{
    (void)state;
    static const struct { const char *args, *want; } cases[] = {
        {"--model heston --rate 0x.08", "--rate: expected a number in [-1, 1], got '0x.08' (decimal "
                                        "digits: no hex, blanks, inf or nan)"},
        {"--model heston --dividend ' 1e-3'", "--dividend: expected a number in [-1, 1], got ' 1e-3'"},
        {"--model heston --jump-threshold 0x10", "--jump-threshold: expected a number in [2, 20]"},
        {"--model heston --rate inf", "--rate: expected a number"},
        {"--model heston --rate 1e-400", "--rate: expected a number in [-1, 1], got '1e-400'"},
        {"--model heston --rate ''", "--rate: expected a number"},
        {"--model heston --measure pricing --cap 'kappa= 5'", "--cap kappa: expected a number"},
        {"--realism m.yaml --years 0x1", "--years: expected a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512];
        snprintf(args, sizeof args, "calibrate --data /nonexistent %s", cases[i].args);
        vr_test_cli_expect(args, 2, out, sizeof out, cases[i].want, NULL);
    }
    /* a cap outside the parameter's range gets one message, the one that says why */
    vr_test_cli_expect("calibrate --data /nonexistent --model heston --measure pricing --cap kappa=200",
                       2, out, sizeof out, "--cap kappa: expected a number in [", NULL);
    assert_null(strstr(out, "must lie above"));
    if (!vr_test_have_data())
        return;
    char dir[128], args[1024], path[256];
    assert_int_equal(vr_test_tmpdir("calnum", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/h.yaml", dir);
    snprintf(args, sizeof args,
             "calibrate --data %s --model heston --bootstrap 0 --proxy --from 2025-01-01 --rate -0 "
             "--dividend -0.0 -o %s", VR_TEST_DATA_DIR, path);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    char *text = vr_test_slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "rate: 0\n"));
    assert_non_null(strstr(text, "dividend: 0\n"));
    assert_null(strstr(text, "rate: -0"));
    assert_null(strstr(text, "dividend: -0"));
    free(text);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_failure_removes_made_dirs(void **state)
{
    (void)state;
    char dir[128], args[1024], p[512];
    assert_int_equal(vr_test_tmpdir("calmade", dir, sizeof dir), 0);
    /* a data directory that does not exist: found after -o made made/by/fail/ */
    snprintf(args, sizeof args, "calibrate --model heston --data /nonexistent -o %s/made/by/fail/x.yaml",
             dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "cannot read", NULL);
    snprintf(p, sizeof p, "%s/made", dir);
    assert_false(exists(p));
    /* --report DIR/ of a realism run whose model file does not load */
    const char *bad = vr_test_write(dir, "bad.yaml", "model:\n  type: heston\n  spot: 100\n");
    snprintf(args, sizeof args, "calibrate --data %s --realism %s --report %s/rp/deep/",
             vr_test_have_data() ? VR_TEST_DATA_DIR : "/nonexistent", bad, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, NULL);
    snprintf(p, sizeof p, "%s/rp", dir);
    assert_false(exists(p));
    /* directories that existed stay, with what is in them; only the new ones go */
    snprintf(p, sizeof p, "%s/old", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(args, sizeof args, "calibrate --model heston --data /nonexistent -o %s/old/new/x.yaml", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, NULL);
    snprintf(p, sizeof p, "%s/old/new", dir);
    assert_false(exists(p));
    snprintf(p, sizeof p, "%s/old", dir);
    assert_true(exists(p));
    snprintf(args, sizeof args, "calibrate --model heston --data /nonexistent -o %s/old/", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, NULL);
    assert_true(exists(p));
    if (vr_test_have_data()) {
        /* a window outside the data, found after the history is read */
        snprintf(args, sizeof args, "calibrate --data %s --model heston --bootstrap 0 --from 2030-01-01 "
                 "-o %s/w/x.yaml", VR_TEST_DATA_DIR, dir);
        vr_test_cli_expect(args, 2, out, sizeof out, "lies outside the data", NULL);
        snprintf(p, sizeof p, "%s/w", dir);
        assert_false(exists(p));
        /* and a command that succeeds keeps the directory it made */
        snprintf(args, sizeof args, "calibrate --data %s --model heston --bootstrap 0 --proxy --from "
                 "2025-01-01 -o %s/ok/new/", VR_TEST_DATA_DIR, dir);
        vr_test_cli_expect(args, 0, out, sizeof out, NULL);
        snprintf(p, sizeof p, "%s/ok/new/heston.yaml", dir);
        assert_true(exists(p));
    }
    assert_int_equal(vr_test_rmdir(dir), 0);
}

static void test_realism_malformed_futures(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[128], args[2048];
    assert_int_equal(vr_test_tmpdir("calfut", dir, sizeof dir), 0);
    /* line 500 of the contracts file given an expiry before its date */
    char src[700];
    snprintf(src, sizeof src, "%s/vix_futures_contracts.csv", VR_TEST_DATA_DIR);
    char *text = vr_test_slurp(src);
    assert_non_null(text);
    char *s = text;
    for (int ln = 1; ln < 500 && s; ln++)
        s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL;
    assert_non_null(s);
    char row[256];
    const size_t len = (size_t)(strchr(s, '\n') - s);
    assert_true(len < 200);
    memcpy(row, s, len);
    row[len] = '\0';
    free(text);
    /* date,month,expiry,...: the expiry field replaced */
    char *c1 = strchr(row, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL, *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
    assert_non_null(c3);
    char bad[300];
    snprintf(bad, sizeof bad, "%.*s2001-01-01%s\n", (int)(c2 + 1 - row), row, c3);
    make_data(dir, "bad", "vix_futures_contracts.csv", 500, bad, NULL);
    const char *model = VIXRISK_SOURCE_DIR "/configs/models/heston.yaml";
    snprintf(args, sizeof args, "calibrate --data %s/bad --realism %s --paths 20 --years 0.5 --report %s/r/",
             dir, model, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "vix_futures_contracts.csv:500:", NULL);
    assert_null(strstr(out, "simulating")); /* before the first model is simulated */
    char p[512];
    snprintf(p, sizeof p, "%s/r", dir);
    assert_false(exists(p));
    /* without the futures files the rows are n/a, as before */
    make_data(dir, "nofut", NULL, 0, NULL, "vix_futures_contracts.csv vix_futures_term_structure.csv");
    snprintf(args, sizeof args, "calibrate --data %s/nofut --realism %s --paths 20 --years 0.5", dir, model);
    vr_test_cli_expect(args, 0, out, sizeof out, "no futures rows: neither ", "no futures files", NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* Messages: one "calibrate:" prefix (the library's "calibrate: " was printed after the command's,
 * "vixrisk calibrate: calibrate: ..."), and the bootstrap's block limit states n. */
static void test_messages(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char args[1024];
    snprintf(args, sizeof args, "calibrate --data %s --model heston --from 2025-06-01 --block 2520 "
             "--bootstrap 20 --proxy", VR_TEST_DATA_DIR);
    vr_test_cli_expect(args, 2, out, sizeof out, "vixrisk calibrate: bootstrap 20 replications with "
                       "block 2520: need <= 100000 and 1 <= block <= n/2 = 139 (n = 278 observations", NULL);
    snprintf(args, sizeof args, "calibrate --data %s --model heston --to 1990-01-02 --bootstrap 0",
             VR_TEST_DATA_DIR);
    vr_test_cli_expect(args, 2, out, sizeof out, "vixrisk calibrate: 1 observations, need at least 100", NULL);
    assert_null(strstr(out, "calibrate: calibrate:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_svcj2_last_day_without_vix3m),
        cmocka_unit_test(test_svcj2_short_window_hint),
        cmocka_unit_test(test_invalid_estimates_named),
        cmocka_unit_test(test_every_leaves_ten_days),
        cmocka_unit_test(test_decimal_options),
        cmocka_unit_test(test_failure_removes_made_dirs),
        cmocka_unit_test(test_realism_malformed_futures),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
