/* test_bench_runs.c: vixrisk-bench's record says how many timed runs each figure is.
 *
 * The bench's header (and results/BENCHMARKS.md after it) said every figure is the median of
 * several runs after a warm-up, but the end-to-end figures (the SVCJ evaluator at 1 and 2 threads,
 * the main job and its extrapolation to 1M paths x 252 days x 8 policies) were one run each, and
 * under --quick so is path generation: a reader of bench.json could not tell a median from a
 * single noisy run. Now the SVCJ evaluator is the median of 3 (one under --quick), and every
 * path-generation and end-to-end record carries "runs" (the main job's "runs": 1), as do the
 * console headers. One --quick run (about 30-60 s on 2 shared cores). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vr_test_util.h"

static char bench[4096];

static int setup(void **state)
{
    (void)state;
    return vr_test_bench_path(bench, sizeof bench);
}

/* the JSON array (or object) that follows "key": in text, up to its closing bracket */
static char *section(const char *text, const char *key, char open, char close)
{
    const char *p = strstr(text, key);
    assert_non_null(p);
    p = strchr(p, open);
    assert_non_null(p);
    int depth = 0;
    const char *q = p;
    for (; *q; q++) {
        depth += *q == open;
        depth -= *q == close;
        if (depth == 0)
            break;
    }
    assert_int_equal(*q, close);
    const size_t n = (size_t)(q - p + 1);
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_runs_recorded(void **state)
{
    (void)state;
    char dir[64], json[128], txt[128], cmd[8192], out[256];
    assert_int_equal(vr_test_tmpdir("benchruns", dir, sizeof dir), 0);
    snprintf(json, sizeof json, "%s/bench.json", dir);
    snprintf(txt, sizeof txt, "%s/bench.txt", dir);
    snprintf(cmd, sizeof cmd, "timeout 600 %s --quick --json %s > %s 2>&1", bench, json, txt);
    assert_int_equal(vr_run_capture(cmd, out, sizeof out), 0);
    char *text = vr_test_slurp(json);
    assert_non_null(text);

    /* every path-generation record: one run under --quick */
    char *paths = section(text, "\"path_steps_per_second\"", '[', ']');
    const int npaths = count(paths, "\"path_steps_per_s\"");
    assert_true(npaths > 0);
    assert_int_equal(count(paths, "\"runs\": 1}"), npaths);
    free(paths);
    /* the SVCJ evaluator at each thread count, with its paths */
    char *e2e = section(text, "\"end_to_end\"", '[', ']');
    const int ne2e = count(e2e, "\"threads\"");
    assert_true(ne2e > 0);
    assert_int_equal(count(e2e, "\"runs\": 1,"), ne2e);
    assert_int_equal(count(e2e, "\"paths\": 512,"), ne2e);
    free(e2e);
    /* the main job and its extrapolation: one run */
    char *mj = section(text, "\"end_to_end_main_job\"", '{', '}');
    assert_non_null(strstr(mj, "\"runs\": 1,"));
    free(mj);
    /* the timed second run: its stages in the members `run --stages --json` prints too */
    char *sg = section(text, "\"end_to_end_stages\"", '{', '}');
    assert_non_null(strstr(sg, "\"runs\": 1,"));
    assert_non_null(strstr(sg, ", \"path_days\": "));
    assert_non_null(strstr(sg, "\"ns_per_path_day\": {\"generate\": "));
    assert_non_null(strstr(sg, "\"per_path_day\": {\"lanes\": "));
    assert_null(strstr(sg, "nan"));
    assert_null(strstr(sg, "inf"));
    free(sg);
    free(text);

    char *con = vr_test_slurp(txt);
    assert_non_null(con);
    assert_non_null(strstr(con, "(million path-steps/s, runs: 1 after a warm-up)"));
    assert_non_null(strstr(con, "(marks build excluded), "));
    assert_non_null(strstr(con, ", runs: 1\n"));
    assert_non_null(strstr(con, " thread(s), "));
    assert_non_null(strstr(con, ", one run\n"));
    free(con);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_recorded),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
