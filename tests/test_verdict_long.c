/* test_verdict_long.c: string attributes longer than 64 KiB, and the run whose verdict needs one.
 *
 * An HDF5 object header holds at most 64 KiB, so with the library's default (earliest) file format
 * a longer attribute cannot be created. The verdict paragraph of a run grows with scenarios x
 * policies (about 220 bytes each): 8 scenarios of 64 policies made 111 KB, and the run simulated
 * everything and then failed writing it ("attribute 'verdict' on /: 111164 bytes, more than the
 * 60000 a string attribute may hold", exit 2, no file). Files are now written in the 1.8 format,
 * whose dense attribute storage holds any size, and a string attribute may hold 4 MiB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vixrisk/vr_h5.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("verdict", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

/* 200 KB on the root and on a group, read back exactly; past VR_H5_STR_MAX still refused */
static void test_long_attribute(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/long.h5", dir);
    const size_t n = 200000;
    char *s = malloc(n + 1), *big = malloc((size_t)VR_H5_STR_MAX + 2);
    assert_non_null(s);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        s[i] = i % 100 == 99 ? '\n' : (char)('a' + i % 26);
    s[n] = '\0';
    memset(big, 'x', (size_t)VR_H5_STR_MAX + 1);
    big[VR_H5_STR_MAX + 1] = '\0';
    vr_h5 *w = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_create(path, &w, &err), VR_OK);
    vr_status st = vr_h5_attr_str(w, "/", "verdict", s, &err);
    if (st != VR_OK)
        printf("  %s\n", err.msg);
    assert_int_equal(st, VR_OK);
    assert_int_equal(vr_h5_write_f64(w, "/g/x", (const double[]){1.0, 2.0}, 2, 0, &err), VR_OK);
    assert_int_equal(vr_h5_attr_str(w, "/g", "note", s, &err), VR_OK);
    assert_int_equal(vr_h5_attr_str(w, "/g", "too_long", big, &err), VR_EINVAL);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "more than the"));
    assert_int_equal(vr_h5_commit(w, &err), VR_OK);
    vr_h5_reader *r = NULL;
    assert_int_equal(vr_h5_open_read(path, &r, &err), VR_OK);
    char *got = NULL;
    assert_int_equal(vr_h5_read_attr_str(r, "/", "verdict", &got, &err), VR_OK);
    assert_string_equal(got, s);
    free(got);
    got = NULL;
    assert_int_equal(vr_h5_read_attr_str(r, "/g", "note", &got, &err), VR_OK);
    assert_string_equal(got, s);
    free(got);
    vr_h5_close(r);
    free(s);
    free(big);
}

/* A run of 12 scenarios x 34 policies (a sweep of 32 values): its verdict is above 64 KiB, and the
 * run writes its file and the report renders it */
static void test_run_long_verdict(void **state)
{
    (void)state;
    static char out[1 << 20];
    char cfg[16384], args[2048], h5[512], html[512];
    int n = snprintf(cfg, sizeof cfg, "simulation: {paths: 40, horizon_days: 5, seed: 7, sample_paths: 0}\n"
                                      "scenarios:\n");
    for (int s = 0; s < 12; s++)
        n += snprintf(cfg + n, sizeof cfg - (size_t)n,
                      "  - name: s%d\n"
                      "    model: {type: heston, spot: 5000, v0: 0.0%d, physical: {kappa: 2, theta: 0.04, sigma: 0.5, "
                      "rho: -0.7}}\n",
                      s, 1 + s);
    n += snprintf(cfg + n, sizeof cfg - (size_t)n,
                  "policies:\n"
                  "  - name: unhedged\n"
                  "  - name: hedged\n"
                  "    layers:\n"
                  "      - name: calls\n"
                  "        trigger: {vix_level: 15}\n"
                  "        action: {type: vix_call, delta: 0.25, dte: 30, size: {by: contracts, value: 5}}\n"
                  "sweep:\n"
                  "  - {policy: hedged, key: \"layers[0].trigger.vix_level\", "
                  "values: [");
    for (int k = 0; k < 32; k++)
        n += snprintf(cfg + n, sizeof cfg - (size_t)n, "%s%d", k ? ", " : "", 16 + k);
    snprintf(cfg + n, sizeof cfg - (size_t)n, "]}\n");
    const char *file = vr_test_write(dir, "long.yaml", cfg);
    assert_non_null(file);
    snprintf(h5, sizeof h5, "%s/long.h5", dir);
    snprintf(args, sizeof args, "run %s -q -o %s", file, h5);
    vr_test_cli_expect(args, 0, out, sizeof out, "wrote ", NULL);
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    char *v = NULL;
    assert_int_equal(vr_h5_read_attr_str(r, "/", "verdict", &v, &err), VR_OK);
    printf("  verdict: %zu bytes\n", strlen(v));
    assert_true(strlen(v) > 65536);
    assert_non_null(strstr(v, "- s11 (40 paths x 5 days)"));
    assert_non_null(strstr(v, "hedged@layers_0_.trigger.vix_level=47: "));
    free(v);
    vr_h5_close(r);
    snprintf(html, sizeof html, "%s/long.html", dir);
    snprintf(args, sizeof args, "report %s -o %s", h5, html);
    vr_test_cli_expect(args, 0, out, sizeof out, "wrote ", NULL);
    char *page = vr_test_slurp(html);
    assert_non_null(page);
    assert_non_null(strstr(page, "vix_level=47"));
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_long_attribute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_long_verdict, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
