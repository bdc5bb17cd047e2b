/* test_bootstrap_floor.c: a bootstrap's path-days whose resampled VIX lies below the model's floor
 * are counted, noted and stored, as a replay's such days are.
 *
 * The bootstrap resamples historical VIX changes; where they take the VIX below the model's
 * floor (100 sqrt(a), every factor at 0) the triggers see that VIX and the marks the model at its
 * floor. A replay notes such days and stores vix_floor_days; a bootstrap of 2017 with
 * svcj_cal.yaml (floor 10.59) spent about 40% of its path-days there with no word in the console
 * or the file. The count is checked against the stored sample paths (every path sampled), for 1 and
 * 2 threads. Needs the market data (skipped without). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_model_ops.h"
#include "vixrisk/vr_run.h"
#include "vr_test_util.h"

static void test_bootstrap_floor(void **state)
{
    (void)state;
    if (!vr_test_have_data())
        skip();
    char dir[256], text[2048], args[2048], h5[2][512];
    static char out[1 << 16];
    assert_int_equal(vr_test_tmpdir("bfloor", dir, sizeof dir), 0);
    snprintf(text, sizeof text,
             "simulation: {paths: 64, horizon_days: 30, seed: 5, sample_paths: 64}\n"
             "scenarios:\n"
             "  - {name: boot, type: bootstrap, window: {from: 2017-01-03, to: 2017-12-29}, block_mean: 10,\n"
             "     model: %s/configs/models/svcj_cal.yaml}\n"
             "  - {name: model, model: %s/configs/models/svcj_cal.yaml}\n"
             "policies:\n"
             "  - name: p\n",
             VIXRISK_SOURCE_DIR, VIXRISK_SOURCE_DIR);
    const char *cfg = vr_test_write(dir, "b.yaml", text);
    assert_non_null(cfg);
    /* the loader reads the window's history from VIXRISK_DATA (else ../shared/data from the
     * working directory, which under ctest is the build tree) */
    assert_int_equal(setenv("VIXRISK_DATA", VR_TEST_DATA_DIR, 1), 0);
    vr_run_cfg rc;
    vr_err err = {VR_OK, ""};
    const vr_status ls = vr_run_load(cfg, &rc, &err);
    if (ls != VR_OK)
        printf("  %s\n", err.msg);
    assert_int_equal(ls, VR_OK);
    const double floor_vix = vr_model_vix_floor(&rc.spec.scen[0].model);
    vr_run_cfg_free(&rc);
    int64_t stored[2] = {-1, -1};
    for (int t = 0; t < 2; t++) {
        snprintf(h5[t], sizeof h5[t], "%s/b%d.h5", dir, t + 1);
        snprintf(args, sizeof args, "run %s --data %s --threads %d -o %s", cfg, VR_TEST_DATA_DIR, t + 1, h5[t]);
        vr_test_cli_expect(args, 0, out, sizeof out, "note: boot: the resampled VIX is below the model's floor of ",
                           "(run file: vix_floor_path_days)", NULL);
        assert_null(strstr(out, "note: model:"));
        vr_h5_reader *r = NULL;
        assert_int_equal(vr_h5_open_read(h5[t], &r, &err), VR_OK);
        assert_int_equal(vr_h5_read_attr_int64(r, "/boot", "vix_floor_path_days", &stored[t], &err), VR_OK);
        int64_t none = 0;
        assert_int_not_equal(vr_h5_read_attr_int64(r, "/model", "vix_floor_path_days", &none, &err), VR_OK);
        /* every path is sampled: the count, from the stored VIX (float32: a band around the floor) */
        double *v = NULL;
        size_t dims[2];
        const vr_h5_shape any = {2, {0, 0}, {64, 31}};
        assert_int_equal(vr_h5_read_f64_shape(r, "/boot/sample_paths/vix", &any, &v, dims, &err), VR_OK);
        assert_int_equal(dims[0], 64);
        assert_int_equal(dims[1], 31);
        int64_t lo = 0, hi = 0;
        for (size_t i = 0; i < dims[0] * dims[1]; i++) {
            lo += v[i] < floor_vix * (1.0 - 1e-6);
            hi += v[i] < floor_vix * (1.0 + 1e-6);
        }
        free(v);
        vr_h5_close(r);
        printf("  %d thread(s): %lld path-days below the floor %.4f stored; %lld to %lld in the sample paths\n",
               t + 1, (long long)stored[t], floor_vix, (long long)lo, (long long)hi);
        assert_true(lo > 64 * 31 / 10); /* this window sits at the floor on many days */
        assert_true(stored[t] >= lo && stored[t] <= hi);
        char want[128];
        snprintf(want, sizeof want, "on %lld of %d path-days", (long long)stored[t], 64 * 31);
        assert_non_null(strstr(out, want));
    }
    assert_true(stored[0] == stored[1]);
    vr_test_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bootstrap_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
