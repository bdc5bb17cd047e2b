/* test_report_big_trade_log.c: the report reads every trade log a run can write. With
 * simulation.trade_log_paths: 100 (its maximum) over horizon_days: 2520 (its maximum) a run logs
 * about 0.5-0.8 records per path and day, 130,000-190,000 per policy (configs/alvh.yaml's
 * policies), and the report refused them all: "h5: read /svcj/unhedged/trade_log: 133436 records,
 * more than 100000". A log may now hold what its scenario's logged paths can trade in its days
 * (64 records a path and day); a file without those attributes keeps the old cap of 100,000. */
#include <math.h>
#include <stddef.h>
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
    return vr_test_tmpdir("bigtradelog", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

typedef struct trow {
    int32_t path, day;
    char date[VR_RF_TRADE_STR], layer[VR_RF_TRADE_STR], instrument[VR_RF_TRADE_STR];
    double strike;
    int32_t expiry_day;
    double quantity, price, cash;
    char reason[VR_RF_TRADE_STR];
} trow;

#define PATHS 100
#define DAYS 2520
#define W(x) do { if ((x) != VR_OK) fail_msg("%s", e.msg); } while (0)

/* A run file of one scenario (PATHS paths, DAYS days) whose policies a and b each log `ntr`
 * records; trade_log_paths and horizon_days stored when `attrs`. */
static void write_run(const char *path, size_t ntr, int attrs)
{
    vr_h5 *w = NULL;
    vr_err e = {VR_OK, ""};
    double pnl[PATHS], dd[PATHS];
    for (size_t i = 0; i < PATHS; i++) {
        pnl[i] = 1000.0 * sin((double)i + 1) - 200;
        dd[i] = fabs(pnl[i]);
    }
    trow *t = calloc(ntr, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < ntr; i++) {
        t[i].path = (int32_t)(i * PATHS / ntr);
        t[i].day = (int32_t)(i % DAYS);
        snprintf(t[i].layer, sizeof t[i].layer, "condor");
        snprintf(t[i].instrument, sizeof t[i].instrument, "spx_put");
        snprintf(t[i].reason, sizeof t[i].reason, "open");
        t[i].strike = 4000;
        t[i].expiry_day = t[i].day + 45;
        t[i].quantity = i % 2 ? 10 : -10;
        t[i].price = 20.5;
        t[i].cash = -20500;
    }
    /* the records of a file written before the trade log had an owner (the reader takes them) */
    const size_t offs[VR_RF_TRADE_N] = {
        [VR_RF_T_PATH] = offsetof(trow, path),        [VR_RF_T_DAY] = offsetof(trow, day),
        [VR_RF_T_DATE] = offsetof(trow, date),        [VR_RF_T_LAYER] = offsetof(trow, layer),
        [VR_RF_T_INSTRUMENT] = offsetof(trow, instrument), [VR_RF_T_STRIKE] = offsetof(trow, strike),
        [VR_RF_T_EXPIRY_DAY] = offsetof(trow, expiry_day), [VR_RF_T_QUANTITY] = offsetof(trow, quantity),
        [VR_RF_T_PRICE] = offsetof(trow, price),      [VR_RF_T_CASH] = offsetof(trow, cash),
        [VR_RF_T_REASON] = offsetof(trow, reason)};
    vr_h5_field f[VR_RF_TRADE_N];
    int nf = 0;
    for (int k = 0; k < VR_RF_TRADE_N; k++) {
        const vr_rf_field *d = &vr_rf_trade_fields[k];
        if (k == VR_RF_T_OWNER)
            continue;
        f[nf++] = (vr_h5_field){d->name, d->elem == VR_RF_ELEM_F64 ? VR_H5_F64 : d->elem == VR_RF_ELEM_I32 ? VR_H5_I32
                                                                                                      : VR_H5_STR,
                                offs[k], VR_RF_TRADE_STR};
    }
    W(vr_h5_create(path, &w, &e));
    W(vr_h5_attr_str(w, "/", "schema", VR_RF_SCHEMA_VERSION, &e));
    W(vr_h5_attr_str(w, "/", "baseline", "a", &e));
    W(vr_h5_group(w, "/s", &e));
    W(vr_h5_attr_int64(w, "/s", "paths", PATHS, &e));
    W(vr_h5_attr_str(w, "/s", "model_type", "heston", &e));
    if (attrs) {
        W(vr_h5_attr_int64(w, "/s", "horizon_days", DAYS, &e));
        W(vr_h5_attr_int64(w, "/s", "trade_log_paths", PATHS, &e));
    }
    for (int p = 0; p < 2; p++) {
        char g[32], d[64];
        snprintf(g, sizeof g, "/s/%s", p ? "b" : "a");
        W(vr_h5_group(w, g, &e));
        for (int k = 0; k < VR_SCORE_N; k++)
            W(vr_h5_attr_double(w, g, vr_rf_scores[k].name, 100.0 * (k + 1) + p, &e));
        const double thr[4] = {1, 2, 3, 4};
        W(vr_h5_attr_double_array(w, g, "loss_thresholds", thr, 4, &e));
        W(vr_h5_attr_double_array(w, g, "p_loss", thr, 4, &e));
        W(vr_h5_attr_double_array(w, g, "p_loss_se", thr, 4, &e));
        snprintf(d, sizeof d, "%s/pnl", g);
        W(vr_h5_write_f64(w, d, pnl, PATHS, 0, &e));
        snprintf(d, sizeof d, "%s/drawdown", g);
        W(vr_h5_write_f64(w, d, dd, PATHS, 0, &e));
        snprintf(d, sizeof d, "%s/trade_log", g);
        W(vr_h5_write_table(w, d, f, nf, t, sizeof *t, ntr, &e));
    }
    W(vr_h5_commit(w, &e));
    free(t);
}

static void test_big_trade_log(void **state)
{
    (void)state;
    char h5[512], out[512];
    vr_err err = {VR_OK, ""};
    snprintf(h5, sizeof h5, "%s/big.h5", dir);
    snprintf(out, sizeof out, "%s/big.csv", dir);
    /* 190,000 records: what 100 logged paths over 2,520 days write */
    write_run(h5, 190000, 1);
    if (vr_report_write(h5, out, VR_REPORT_CSV, &err) != VR_OK)
        fail_msg("190,000 trade records of 100 logged paths x 2,520 days: %s", err.msg);
    /* every record is in the trade CSV: a header and 2 x 190,000 rows */
    char tp[600];
    vr_report_trades_path(out, tp, sizeof tp);
    char *txt = vr_test_slurp(tp);
    assert_non_null(txt);
    size_t lines = 0;
    for (const char *q = txt; *q; q++)
        lines += *q == '\n';
    free(txt);
    assert_int_equal(lines, 1 + 2 * 190000);
    /* a file that does not say how many paths it logged over how many days: 100,000 at most */
    write_run(h5, 100001, 0);
    vr_err_clear(&err);
    assert_int_not_equal(vr_report_write(h5, out, VR_REPORT_CSV, &err), VR_OK);
    printf("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "/s/a/trade_log: 100001 records, more than 100000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_big_trade_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
