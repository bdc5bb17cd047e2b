/* test_yaml_edges.c: the YAML reader of the config loaders (engine/src/config/yaml_index.c) on
 * input that used to give a message short of file, line and key, or no bound at all:
 *   - an encoding or control-character error in a file with CR-only (or NEL, LS) line breaks was
 *     reported on line 1: the line was counted at '\n' bytes only, where libyaml counts every YAML
 *     line break in its other messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_config.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("yamledges", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define HES "{type: heston, spot: 5000, v0: 0.04, physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}"

/* Load run file `file`; expect VR_ECONFIG and every non-NULL want in the message. */
static void expect_err(const char *file, const char *want1, const char *want2)
{
    vr_run_cfg c;
    vr_err err = {VR_OK, ""};
    const vr_status st = vr_run_load(file, &c, &err);
    printf("  %s\n", err.msg);
    if (st == VR_OK)
        vr_run_cfg_free(&c);
    assert_int_equal(st, VR_ECONFIG);
    if (want1)
        assert_non_null(strstr(err.msg, want1));
    if (want2)
        assert_non_null(strstr(err.msg, want2));
}

/* A control character on line 4 of files with other line breaks than LF. */
static void test_reader_error_lines(void **state)
{
    (void)state;
    expect_err(vr_test_write(dir, "cr.yaml", "simulation:\r  paths: 1000\r  seed: 7\r  horizon_days: \"a\x01\"\r"),
               "cr.yaml:4: YAML syntax error", NULL);
    expect_err(vr_test_write(dir, "crlf.yaml",
                             "simulation:\r\n  paths: 1000\r\n  seed: 7\r\n  horizon_days: \"a\x01\"\r\n"),
               "crlf.yaml:4: YAML syntax error", NULL);
    expect_err(vr_test_write(dir, "nel.yaml",
                             "simulation:\n  paths: 1000\xc2\x85  seed: 7\n  horizon_days: \"a\x01\"\n"),
               "nel.yaml:4: YAML syntax error", NULL);
    expect_err(vr_test_write(dir, "ls.yaml",
                             "simulation:\n  paths: 1000\xe2\x80\xa8  seed: 7\n  horizon_days: \"a\x01\"\n"),
               "ls.yaml:4: YAML syntax error", NULL);
    /* libyaml's own count for a non-reader error in the same kind of file, for comparison */
    expect_err(vr_test_write(dir, "cr_key.yaml", "simulation:\r  paths: 1000\r  seed: 7\r  horizn: 5\r"),
               "cr_key.yaml:4: simulation.horizn: unknown key", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_error_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
