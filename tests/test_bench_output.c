/* test_bench_output.c: vixrisk-bench checks its inputs and its JSON target before it times
 * anything, and never clobbers an earlier record or a non-regular file.
 *
 * A bad --config used to be read after the ~30 s of kernel and path timings (--quick), ending
 * with exit status 1 after the JSON target had been truncated and half written; a --json that
 * named a symlink was written through, one that named a device was "written" with exit status 0.
 * Now: a bad config is exit status 2 at once with the JSON target untouched; a symlink, a device
 * and the config itself as the target are refused (exit status 2), the target unchanged. (A full
 * run, which writes the record through a temporary renamed at the end, is what results/bench.json
 * comes from: bench/make_results.sh.) The bench is the vixrisk-bench beside the CLI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vixrisk/vr_version.h"
#include "vr_test_util.h"

static char bench[4096];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int setup(void **state)
{
    (void)state;
    return vr_test_bench_path(bench, sizeof bench);
}

/* the bench's exit status (-1 if it did not exit), its stderr in err[cap] */
static int run_bench(const char *args, char *err, size_t cap)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "timeout 120 %s --quick %s 2>&1 >/dev/null", bench, args);
    return vr_run_capture(cmd, err, cap);
}

/* dir/bench.json's text equals the earlier record */
static void earlier_kept(const char *json)
{
    char *text = vr_test_slurp(json);
    assert_non_null(text);
    assert_string_equal(text, "{\"earlier\": 1}\n");
    free(text);
}

static void test_bad_config_first(void **state)
{
    (void)state;
    char dir[64], cfg[128], json[128], args[512], err[4096];
    assert_int_equal(vr_test_tmpdir("bench", dir, sizeof dir), 0);
    snprintf(cfg, sizeof cfg, "%s", vr_test_write(dir, "bad.yaml", "simulation:\n  paths: 1000\n"));
    snprintf(json, sizeof json, "%s", vr_test_write(dir, "bench.json", "{\"earlier\": 1}\n"));
    snprintf(args, sizeof args, "--json %s --config %s", json, cfg);
    const double t0 = now();
    const int rc = run_bench(args, err, sizeof err);
    const double sec = now() - t0;
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "bad.yaml"));
    assert_true(sec < 10); /* before any timing */
    earlier_kept(json);
    /* a missing config the same way */
    snprintf(args, sizeof args, "--json %s --config %s/missing.yaml", json, dir);
    assert_int_equal(run_bench(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "missing.yaml"));
    earlier_kept(json);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* --help prints the usage on stdout and exits 0 (it exited 2 as an unknown option); an unknown
 * option still exits 2 with the usage on stderr */
static void test_help(void **state)
{
    (void)state;
    char cmd[8192], out[4096];
    snprintf(cmd, sizeof cmd, "timeout 20 %s --help 2>/dev/null", bench);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: vixrisk-bench"));
    snprintf(cmd, sizeof cmd, "timeout 20 %s --bogus 2>&1 >/dev/null", bench);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "usage: vixrisk-bench"));
    /* --version: the version and the build's commit in parentheses, what bench/make_results.sh
     * compares with the tree's before it runs the bench (a stale bench would record figures of
     * older code under the new commit) */
    snprintf(cmd, sizeof cmd, "timeout 20 %s --version 2>/dev/null", bench);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    assert_true(strncmp(out, "vixrisk-bench " VR_VERSION " (", strlen("vixrisk-bench " VR_VERSION " (")) == 0);
    const char *close = strchr(out, ')');
    assert_non_null(close);
    assert_true(close - out > (ptrdiff_t)strlen("vixrisk-bench " VR_VERSION " ("));
    assert_string_equal(close, ")\n");
}

static void test_target_refused(void **state)
{
    (void)state;
    char dir[64], json[128], link[128], args[512], err[4096];
    assert_int_equal(vr_test_tmpdir("bench", dir, sizeof dir), 0);
    snprintf(json, sizeof json, "%s", vr_test_write(dir, "bench.json", "{\"earlier\": 1}\n"));
    snprintf(link, sizeof link, "%s/link.json", dir);
    assert_int_equal(symlink("bench.json", link), 0);
    snprintf(args, sizeof args, "--json %s", link);
    assert_int_equal(run_bench(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "symbolic link"));
    earlier_kept(json);
    struct stat sb;
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    /* a device: nothing is written to it, so nothing can fail unseen */
    assert_int_equal(run_bench("--json /dev/full", err, sizeof err), 2);
    assert_non_null(strstr(err, "/dev/full"));
    /* the config itself */
    char cfg[128];
    snprintf(cfg, sizeof cfg, "%s/main.yaml", dir);
    char src[4096];
    snprintf(src, sizeof src, "cp %s/configs/alvh.yaml %s", VIXRISK_SOURCE_DIR, cfg);
    assert_int_equal(system(src), 0);
    snprintf(args, sizeof args, "--config %s --json %s", cfg, cfg);
    assert_int_equal(run_bench(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "main.yaml"));
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_bad_config_first),
        cmocka_unit_test(test_target_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
