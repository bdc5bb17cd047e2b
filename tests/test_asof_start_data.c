/* test_asof_start_data.c: `start: {asof: DATE, data: ""}` is refused at start.data, and so is a
 * history scenario's `data: ""` at its data key (it resolved the same way).
 *
 * An empty data path resolved to the directory of the config file ("dir/" + "" + "/spx_daily.csv")
 * or, for a config named without a directory, to "/spx_daily.csv" in the file system's root: the
 * day's market was silently read from a directory nobody named. It is now an error at the key,
 * exit 2, as a data path that is not a single value is (also with --asof, which replaces the key
 * but checks its form). Synthetic files in a temporary directory; no shared data needed. */
#include <stdio.h>
#include <string.h>

#include "vr_test_util.h"

/* start NULL: no start key */
static void write_config(const char *dir, const char *start)
{
    char text[1024], line[256] = "";
    if (start != NULL)
        snprintf(line, sizeof line, "    start: %s\n", start);
    snprintf(text, sizeof text,
             "simulation: {paths: 8, horizon_days: 2, seed: 3, threads: 1}\n"
             "scenarios:\n"
             "  - name: a\n"
             "%s"
             "    model: {type: heston, spot: 100, rate: 0.03, dividend: 0.01, v0: 0.04,\n"
             "            physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7},\n"
             "            pricing: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
             "policies:\n  - name: unhedged\n",
             line);
    vr_test_write(dir, "start.yaml", text);
}

static void test_empty_data(void **state)
{
    (void)state;
    char dir[128], args[512];
    static char out[16384];
    assert_int_equal(vr_test_tmpdir("startdata", dir, sizeof dir), 0);
    /* the day's closes beside the config: an empty path must not find them */
    vr_test_write(dir, "spx_daily.csv", "date,close\n2020-03-02,3090.23\n");
    vr_test_write(dir, "vix_daily.csv", "date,close\n2020-03-02,33.42\n");
    write_config(dir, "{asof: 2020-03-02, data: \"\"}");
    snprintf(args, sizeof args, "check %s/start.yaml", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "scenarios[0].start.data", "empty", NULL);
    snprintf(args, sizeof args, "check %s/start.yaml --asof 2020-03-02 --data %s", dir, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "scenarios[0].start.data", "empty", NULL);
    /* the same directory named: read */
    write_config(dir, "{asof: 2020-03-02, data: .}");
    snprintf(args, sizeof args, "check %s/start.yaml", dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "SPX 3090.23, VIX 33.42", NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* A replay's data: "" read dir/spx_daily.csv beside the config (or /spx_daily.csv) */
static void test_empty_history_data(void **state)
{
    (void)state;
    char dir[128], args[512];
    static char out[16384];
    assert_int_equal(vr_test_tmpdir("histdata", dir, sizeof dir), 0);
    vr_test_write(dir, "h.yaml",
                  "simulation: {paths: 8, horizon_days: 2, seed: 3, threads: 1}\n"
                  "scenarios:\n"
                  "  - name: rep\n"
                  "    type: history\n"
                  "    window: {from: 2018-01-02, to: 2018-03-01}\n"
                  "    data: \"\"\n"
                  "    model: {type: heston, spot: 100, rate: 0.03, dividend: 0.01, v0: 0.04,\n"
                  "            physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7},\n"
                  "            pricing: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                  "policies:\n  - name: unhedged\n");
    snprintf(args, sizeof args, "check %s/h.yaml", dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "h.yaml:6: scenarios[0].data", "empty", NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

/* --data and --asof must act on something: --data with no scenario reading the default data
 * directory, and --asof on replays only, were accepted (and recorded in the run file as
 * overrides) while they changed nothing. */
static void test_unused_overrides(void **state)
{
    (void)state;
    char dir[128], args[512];
    static char out[16384];
    assert_int_equal(vr_test_tmpdir("unused", dir, sizeof dir), 0);
    vr_test_write(dir, "spx_daily.csv", "date,close\n2020-03-02,3090.23\n2020-03-03,3003.37\n");
    vr_test_write(dir, "vix_daily.csv", "date,close\n2020-03-02,33.42\n2020-03-03,36.82\n");
    static const char *const refused = "reads it (it is read by a replay or bootstrap without its own data:";
    write_config(dir, NULL); /* (no start: the model's own state) */
    snprintf(args, sizeof args, "check %s/start.yaml --data %s", dir, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "--data ", refused, NULL);
    write_config(dir, "{asof: 2020-03-02, data: .}"); /* the key's own directory */
    vr_test_cli_expect(args, 2, out, sizeof out, refused, NULL);
    write_config(dir, "{asof: 2020-03-02}"); /* read from --data */
    vr_test_cli_expect(args, 0, out, sizeof out, "SPX 3090.23, VIX 33.42", NULL);
    snprintf(args, sizeof args, "check %s/start.yaml --asof 2020-03-03 --data %s", dir, dir);
    vr_test_cli_expect(args, 0, out, sizeof out, "SPX 3003.37, VIX 36.82", NULL);
    /* a replay with its own data: --data is not read, and --asof moves nothing */
    vr_test_write(dir, "h.yaml",
                  "simulation: {paths: 8, horizon_days: 2, seed: 3, threads: 1}\n"
                  "scenarios:\n"
                  "  - name: rep\n"
                  "    type: history\n"
                  "    window: {from: 2020-03-02, to: 2020-03-03}\n"
                  "    data: .\n"
                  "    model: {type: heston, spot: 100, rate: 0.03, dividend: 0.01, v0: 0.04,\n"
                  "            physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7},\n"
                  "            pricing: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
                  "policies:\n  - name: unhedged\n");
    snprintf(args, sizeof args, "check %s/h.yaml", dir);
    vr_test_cli_expect(args, 0, out, sizeof out, NULL);
    snprintf(args, sizeof args, "check %s/h.yaml --data %s", dir, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, refused, NULL);
    snprintf(args, sizeof args, "check %s/h.yaml --asof 2020-03-02 --data %s", dir, dir);
    vr_test_cli_expect(args, 2, out, sizeof out, "--asof 2020-03-02: every scenario of ",
                       "is a history replay, which starts at its own window: --asof would change nothing",
                       NULL);
    assert_int_equal(vr_test_rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_empty_data),
                                       cmocka_unit_test(test_empty_history_data),
                                       cmocka_unit_test(test_unused_overrides)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
