/* test_trade_owner.c: the run file's trade log says whose position each trade opens or closes
 * (`owner`) besides who decided it (`layer`).
 *
 * Owner: every path of the run is logged (the config of test_attrib_owner.c: 100 paths, 21 trading
 * days, nothing open at the horizon, a day-0 roll by a roll_tested layer, the condor's own roll
 * rule, and a condor whose profit take and stop close legs a roll layer owns). The attribution of
 * each owner is rebuilt from the stored records alone, grouped by `owner`: a record's discounted
 * cash plus its costs (half-spread and commission per contract, none at settlement) to its owner,
 * its discounted costs to its `layer`; it must equal attribution/<owner> on every path. Grouped by
 * `layer` instead (all a file said before) it must not, where a roll layer trades the condor's legs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_runfile.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("trade_owner", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define RATE 0.04
#define PATHS 100
#define COMMISSION 0.65
#define HALF_SPREAD 0.10
#define VIX_HALF_SPREAD 0.05

/* Policy 0 the baseline; 1 a roll layer firing on day 0 with the condor's own roll rule and every
 * hedge kind; 2 the same hedges without the roll (nothing but the condor trades the condor's
 * legs); 3 a roll layer whose legs the condor's profit take and stop close (test_attrib_owner.c). */
static const char *cfg_text =
    "simulation: {paths: 100, horizon_days: 21, seed: 7, block: 64, sample_paths: 0, trade_log_paths: 100}\n"
    "scenarios:\n"
    "  - name: s\n"
    "    model: {type: svcj, spot: 5000, rate: 0.04, dividend: 0.013, v0: 0.03,\n"
    "            physical: {kappa: 3.0, theta: 0.022, sigma: 0.6, rho: -0.75, lambda: 2.0,\n"
    "                       mu_v: 0.05, mu_s: -0.03, sigma_s: 0.04, rho_j: -0.6}}\n"
    "condor: {contracts: 10, dte: 30, short_delta: 0.16, wing_width: 50, profit_take: 0, stop_loss: 0,\n"
    "         exit_dte: 0, reentry_days: 0, commission: 0.65, half_spread: 0.10, vix_half_spread: 0.05}\n"
    "policies:\n"
    "  - name: unhedged\n"
    "  - name: mixed\n"
    "    condor: {roll_delta: 0.35, roll_to_delta: 0.16}\n"
    "    layers:\n"
    "      - name: roll\n"
    "        trigger: {short_delta: 0.15, cooldown_days: 2}\n"
    "        action: {type: roll_tested, roll_to_delta: 0.12}\n"
    "      - name: calls\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: contracts, value: 6}}\n"
    "        exit: {partial: {multiple: 1.3, fraction: 0.5}}\n"
    "      - name: cspread\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call_spread, delta: 0.40, short_delta: 0.15, dte: 30, size: {by: contracts, value: 5}}\n"
    "      - name: pspread\n"
    "        trigger: {always: true}\n"
    "        action: {type: spx_put_spread, strike_pct: 0.75, short_strike_pct: 0.65, dte: 30,\n"
    "                 size: {by: contracts, value: 3}}\n"
    "      - name: fut\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_future, dte: 30, size: {by: contracts, value: 2}}\n"
    "  - name: hedges\n"
    "    layers:\n"
    "      - name: calls\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call, delta: 0.30, dte: 30, size: {by: contracts, value: 6}}\n"
    "        exit: {partial: {multiple: 1.3, fraction: 0.5}}\n"
    "      - name: cspread\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_call_spread, delta: 0.40, short_delta: 0.15, dte: 30, size: {by: contracts, value: 5}}\n"
    "      - name: fut\n"
    "        trigger: {always: true}\n"
    "        action: {type: vix_future, dte: 30, size: {by: contracts, value: 2}}\n"
    "  - name: stopped\n"
    "    condor: {profit_take: 0.3, stop_loss: 0.8, reentry_days: 252}\n"
    "    layers:\n"
    "      - name: roll\n"
    "        trigger: {short_delta: 0.22, cooldown_days: 1}\n"
    "        action: {type: roll_tested, roll_to_delta: 0.12}\n";;

static const char *const pols[] = {"unhedged", "mixed", "hedges", "stopped"};
static const char *const layers[][6] = {{"condor", NULL},
                                        {"condor", "roll", "calls", "cspread", "pspread", "fut"},
                                        {"condor", "calls", "cspread", "fut", NULL, NULL},
                                        {"condor", "roll", NULL, NULL, NULL, NULL}};

/* The columns of a record this test reads. */
typedef struct rec {
    int32_t path, day;
    double quantity, cash;
    char layer[VR_RF_TRADE_STR], owner[VR_RF_TRADE_STR], instrument[VR_RF_TRADE_STR], reason[VR_RF_TRADE_STR];
} rec;

static void run_cli(const char *cfg, const char *h5, int threads, char *out, size_t cap)
{
    char args[1400];
    snprintf(args, sizeof args, "run %s -o %s --threads %d -q", cfg, h5, threads);
    const int rc = vr_test_cli(args, out, cap);
    if (rc != 0)
        fail_msg("vixrisk %s: exit %d\n%s", args, rc, out);
}

static vr_h5_reader *open_h5(const char *h5)
{
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    if (vr_h5_open_read(h5, &r, &err) != VR_OK)
        fail_msg("%s", err.msg);
    return r;
}

static double *read_paths(vr_h5_reader *r, const char *pol, const char *name)
{
    char p[256];
    double *x = NULL;
    size_t n = 0;
    vr_err err = {VR_OK, ""};
    snprintf(p, sizeof p, "/s/%s/%s", pol, name);
    if (vr_h5_read_f64(r, p, &x, &n, &err) != VR_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(n, PATHS);
    return x;
}

/* Index of owner name nm in layers[k] (0 the condor), failing on a name the policy lacks. */
static int owner_index(int k, const char *nm)
{
    for (int j = 0; j < 6 && layers[k][j] != NULL; j++)
        if (strcmp(layers[k][j], nm) == 0)
            return j;
    fail_msg("%s: a record names '%s', which is no owner of the policy", pols[k], nm);
    return -1;
}

/* The costs of a record as the book charges them (none at settlement, nothing for an abandoned
 * leg), in USD at its date. */
static double record_costs(const rec *t)
{
    if (strcmp(t->reason, "expiry") == 0 || t->quantity == 0)
        return 0;
    const int spx = strncmp(t->instrument, "spx_", 4) == 0;
    const vr_inst_kind kind = spx ? VR_INST_SPX_OPTION
                              : strcmp(t->instrument, "vix_future") == 0 ? VR_INST_VIX_FUTURE : VR_INST_VIX_OPTION;
    const double hs = spx ? HALF_SPREAD : VIX_HALF_SPREAD;
    return fabs(t->quantity) * (hs * vr_inst_kind_get(kind)->multiplier + COMMISSION);
}

static void test_owner_rebuilds_attribution(void **state)
{
    (void)state;
    static char out[1 << 16];
    char h5[400];
    snprintf(h5, sizeof h5, "%s/owner.h5", dir);
    run_cli(vr_test_write(dir, "owner.yaml", cfg_text), h5, 2, out, sizeof out);
    vr_h5_reader *r = open_h5(h5);
    vr_err err = {VR_OK, ""};
#define COL(id, field, kind) {vr_rf_trade_fields[VR_RF_T_##id].name, VR_H5_COL_##kind, offsetof(rec, field), \
                              sizeof(((rec *)0)->field)}
    const vr_h5_col cols[] = {COL(PATH, path, I32),         COL(DAY, day, I32),          COL(QUANTITY, quantity, F64),
                              COL(CASH, cash, F64),         COL(LAYER, layer, STR),      COL(OWNER, owner, STR),
                              COL(INSTRUMENT, instrument, STR), COL(REASON, reason, STR)};
#undef COL
    for (int k = 0; k < 4; k++) {
        char d[128];
        snprintf(d, sizeof d, "/s/%s/" VR_RF_TRADE_LOG, pols[k]);
        void *rows = NULL;
        size_t nrec = 0;
        if (vr_h5_read_table(r, d, cols, sizeof cols / sizeof cols[0], sizeof(rec), 1000000, &rows, &nrec, &err) !=
            VR_OK)
            fail_msg("%s", err.msg);
        const rec *t = rows;
        int no = 0;
        while (no < 6 && layers[k][no] != NULL)
            no++;
        double by_owner[PATHS][6], by_layer[PATHS][6];
        memset(by_owner, 0, sizeof by_owner);
        memset(by_layer, 0, sizeof by_layer);
        size_t crossed = 0; /* records whose decider is not the owner */
        for (size_t i = 0; i < nrec; i++) {
            assert_true(t[i].path >= 0 && t[i].path < PATHS);
            const int o = owner_index(k, t[i].owner), l = owner_index(k, t[i].layer);
            const double disc = exp(-RATE * t[i].day / 252.0), c = record_costs(&t[i]);
            by_owner[t[i].path][o] += disc * (t[i].cash + c);
            by_owner[t[i].path][l] -= disc * c;
            by_layer[t[i].path][l] += disc * t[i].cash; /* the old reading: everything to `layer` */
            crossed += o != l;
        }
        size_t wrong_by_layer = 0;
        for (int j = 0; j < no; j++) {
            char name[64];
            snprintf(name, sizeof name, "attribution/%s", layers[k][j]);
            double *att = read_paths(r, pols[k], name);
            for (int i = 0; i < PATHS; i++) {
                if (!(fabs(by_owner[i][j] - att[i]) <= 1e-6 * fmax(1.0, fabs(att[i]))))
                    fail_msg("%s path %d: %s is credited %.6f; its trades grouped by owner make %.6f", pols[k], i,
                             layers[k][j], att[i], by_owner[i][j]);
                wrong_by_layer += fabs(by_layer[i][j] - att[i]) > 1.0;
            }
            free(att);
        }
        printf("%s: %zu records, %zu traded by another than their owner, %zu (path, owner) sums wrong by layer\n",
               pols[k], nrec, crossed, wrong_by_layer);
        if (k == 1 || k == 3) { /* a roll layer trades the condor's legs (and the condor its): layer is not owner */
            assert_true(crossed > 0);
            assert_true(wrong_by_layer > 0);
        } else {
            assert_int_equal(crossed, 0);
        }
        free(rows);
    }
    vr_h5_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_rebuilds_attribution),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
