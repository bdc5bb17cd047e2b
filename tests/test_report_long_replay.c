/* test_report_long_replay.c: a history replay longer than simulation.horizon_days allows. A replay's
 * horizon is its window (configs may replay 2010-2021: 3,020 days), so its sample path has more
 * than VR_RF_MAX_DAYS (2,521) columns; `vixrisk run` writes it and `vixrisk report` must read it
 * back (it refused it as "dimension 1 is 3021, more than 2521"). The reader's bound is on the
 * sample's elements (rows x columns within VR_RF_MAX_SAMPLE x VR_RF_MAX_DAYS), so a sampled
 * scenario is held to what it was before: no more rows than paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_report.h"
#include "vixrisk/vr_runfile.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("longreplay", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define W(x) do { if ((x) != VR_OK) fail_msg("%s", e.msg); } while (0)

/* A run file of one scenario of `paths` paths (1: a history replay) whose sample paths are
 * `rows` x `cols`, with policies a (the baseline) and b. */
static void write_run(const char *path, size_t paths, size_t rows, size_t cols)
{
    vr_h5 *w = NULL;
    vr_err e = {VR_OK, ""};
    double *pnl = calloc(paths, sizeof *pnl), *dd = calloc(paths, sizeof *dd);
    float *spx = calloc(rows * cols, sizeof *spx), *vix = calloc(rows * cols, sizeof *vix);
    float *act = calloc(rows * cols, sizeof *act);
    assert_true(pnl && dd && spx && vix && act);
    for (size_t i = 0; i < paths; i++) {
        pnl[i] = 1000.0 * sin((double)i + 1) - 200;
        dd[i] = fabs(pnl[i]);
    }
    for (size_t i = 0; i < rows * cols; i++) {
        spx[i] = 4000.0f + (float)(i % 97);
        vix[i] = 15.0f + (float)(i % 13);
        act[i] = (float)(i % 50 == 0);
    }
    W(vr_h5_create(path, &w, &e));
    W(vr_h5_attr_str(w, "/", "schema", VR_RF_SCHEMA_VERSION, &e));
    W(vr_h5_attr_str(w, "/", "baseline", "a", &e));
    W(vr_h5_group(w, "/r", &e));
    W(vr_h5_attr_int64(w, "/r", "paths", (int64_t)paths, &e));
    W(vr_h5_attr_int64(w, "/r", "horizon_days", (int64_t)cols - 1, &e));
    W(vr_h5_attr_str(w, "/r", "model_type", "heston", &e));
    W(vr_h5_attr_str(w, "/r", "source", paths == 1 ? "history" : "model", &e));
    for (int p = 0; p < 2; p++) {
        char g[32], d[64];
        snprintf(g, sizeof g, "/r/%s", p ? "b" : "a");
        W(vr_h5_group(w, g, &e));
        for (int k = 0; k < VR_SCORE_N; k++)
            if (paths > 1 || (vr_rf_scores[k].flags & VR_RF_REPLAY))
                W(vr_h5_attr_double(w, g, vr_rf_scores[k].name, 100.0 * (k + 1) + p, &e));
        if (paths > 1) {
            const double thr[4] = {1, 2, 3, 4};
            W(vr_h5_attr_double_array(w, g, "loss_thresholds", thr, 4, &e));
            W(vr_h5_attr_double_array(w, g, "p_loss", thr, 4, &e));
            W(vr_h5_attr_double_array(w, g, "p_loss_se", thr, 4, &e));
        }
        snprintf(d, sizeof d, "%s/pnl", g);
        W(vr_h5_write_f64(w, d, pnl, paths, 0, &e));
        snprintf(d, sizeof d, "%s/drawdown", g);
        W(vr_h5_write_f64(w, d, dd, paths, 0, &e));
        snprintf(d, sizeof d, "/r/sample_paths/activations/%s", p ? "b" : "a");
        W(vr_h5_write_f32_2d(w, d, act, rows, cols, &e));
    }
    W(vr_h5_write_f32_2d(w, "/r/sample_paths/spx", spx, rows, cols, &e));
    W(vr_h5_write_f32_2d(w, "/r/sample_paths/vix", vix, rows, cols, &e));
    W(vr_h5_commit(w, &e));
    free(pnl);
    free(dd);
    free(spx);
    free(vix);
    free(act);
}

static void test_long_replay(void **state)
{
    (void)state;
    char h5[512], out[512];
    snprintf(h5, sizeof h5, "%s/long.h5", dir);
    static const char *const ext[4] = {"html", "md", "csv", "json"};
    static const int fmt[4] = {VR_REPORT_HTML, VR_REPORT_MD, VR_REPORT_CSV, VR_REPORT_JSON};
    /* a 2010-2021 replay: 3,020 days; and 1990-2026, about 9,200 */
    static const size_t cols[2] = {3021, 9200};
    for (int c = 0; c < 2; c++) {
        write_run(h5, 1, 1, cols[c]);
        for (int f = 0; f < 4; f++) {
            vr_err err = {VR_OK, ""};
            snprintf(out, sizeof out, "%s/long%zu.%s", dir, cols[c], ext[f]);
            if (vr_report_write(h5, out, (vr_report_format)fmt[f], &err) != VR_OK)
                fail_msg("a replay of %zu days, %s: %s", cols[c] - 1, ext[f], err.msg);
        }
    }
}

static void test_sampled_bounds_kept(void **state)
{
    (void)state;
    char h5[512], out[512];
    snprintf(h5, sizeof h5, "%s/sampled.h5", dir);
    snprintf(out, sizeof out, "%s/sampled.html", dir);
    vr_err err = {VR_OK, ""};
    /* a sampled scenario at the horizon's limit reads */
    write_run(h5, 4, 2, 2521);
    if (vr_report_write(h5, out, VR_REPORT_HTML, &err) != VR_OK)
        fail_msg("4 paths, 2 x 2521 sample: %s", err.msg);
    /* more sample rows than paths: refused as before */
    write_run(h5, 4, 5, 10);
    vr_err_clear(&err);
    assert_int_not_equal(vr_report_write(h5, out, VR_REPORT_HTML, &err), VR_OK);
    printf("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "/r/sample_paths/spx: dimension 0 is 5, more than 4"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_long_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sampled_bounds_kept, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
