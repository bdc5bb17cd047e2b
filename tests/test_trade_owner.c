/* test_trade_owner.c: the run file's trade log says whose position each trade opens or closes
 * (`owner`) besides who decided it (`layer`), and the attribution's mean nets carry standard errors.
 *
 * Owner: every path of the run is logged (the config of test_attrib_owner.c: 100 paths, 21 trading
 * days, nothing open at the horizon, a day-0 roll by a roll_tested layer, the condor's own roll
 * rule, and a condor whose profit take and stop close legs a roll layer owns). The attribution of
 * each owner is rebuilt from the stored records alone, grouped by `owner`: a record's discounted
 * cash plus its costs (half-spread and commission per contract, none at settlement) to its owner,
 * its discounted costs to its `layer`; it must equal attribution/<owner> on every path. Grouped by
 * `layer` instead (all a file said before) it must not, where a roll layer trades the condor's legs.
 *
 * Standard errors: net_mean_se of each layer and the condor's condor_net_mean_se against the
 * standard error of the mean of the stored attribution/<owner>, condor_d_net_mean_se against the
 * paired one of attribution/condor less the baseline's P&L (it has no layers); the same bits with 1
 * and 2 threads; the console prints them; with a baseline that has layers the paired one is not
 * stored, and with the scores streamed (store_paths: false) none is, and none is printed. */
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
#define VIX_HALF_SPREAD 0.05 /* (those of vr_test_owner_cfg) */

static const char *const pols[] = {"unhedged", "mixed", "hedges", "stopped"};
static const char *const layers[][6] = {{"condor", NULL},
                                        {"condor", "roll", "calls", "cspread", "pspread", "fut"},
                                        {"condor", "calls", "cspread", "fut", NULL, NULL},
                                        {"condor", "roll", NULL, NULL, NULL, NULL}};

/* A trade-log column `id` read into field `field` of struct T (vr_h5_read_table). */
#define TRADE_COL(T, id, field, kind) {vr_rf_trade_fields[VR_RF_T_##id].name, VR_H5_COL_##kind, offsetof(T, field), \
                                       sizeof(((T *)0)->field)}

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
    run_cli(vr_test_write(dir, "owner.yaml", vr_test_owner_cfg), h5, 2, out, sizeof out);
    vr_h5_reader *r = open_h5(h5);
    vr_err err = {VR_OK, ""};
#define COL(id, field, kind) TRADE_COL(rec, id, field, kind)
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
    /* the report shows both: the trade table's Owner column is the owner (it showed the decider,
     * so the roll's closing of the condor's legs read as the roll's trades), Decided by the layer;
     * the JSON's records carry owner beside layer */
    char args[1024], page[400];
    snprintf(page, sizeof page, "%s/owner.html", dir);
    snprintf(args, sizeof args, "report %s -o %s", h5, page);
    vr_test_cli_expect(args, 0, out, sizeof out, "wrote ", NULL);
    char *html = vr_test_slurp(page);
    assert_non_null(html);
    assert_non_null(strstr(html, "<th>Decided by</th>"));
    assert_non_null(strstr(html, "<td data-key=\"owner\">condor</td><td data-key=\"layer\">roll</td>"));
    free(html);
    snprintf(page, sizeof page, "%s/owner.json", dir);
    snprintf(args, sizeof args, "report %s --format json -o %s", h5, page);
    vr_test_cli_expect(args, 0, out, sizeof out, "wrote ", NULL);
    char *json = vr_test_slurp(page);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"layer\": \"roll\", \"owner\": \"condor\""));
    free(json);
}

/* Standard error of the mean of x[i] - (y ? y[i] : 0), n values, written out here. */
static double se_of(const double *x, const double *y, size_t n)
{
    double m = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i] - (y ? y[i] : 0);
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        const double d = x[i] - (y ? y[i] : 0) - m;
        ss += d * d;
    }
    return sqrt(ss / (double)(n - 1) / (double)n);
}

static int has_attr(vr_h5_reader *r, const char *obj, const char *name)
{
    return vr_h5_attr_exists(r, obj, name);
}

static double attr(vr_h5_reader *r, const char *obj, const char *name)
{
    double v = NAN;
    vr_err err = {VR_OK, ""};
    if (vr_h5_read_attr_double(r, obj, name, &v, &err) != VR_OK)
        fail_msg("%s", err.msg);
    assert_true(isfinite(v));
    return v;
}

/* The console row of policy pol and layer (or "(condor)"), from its start. */
static const char *row_of(const char *out, const char *pol, const char *layer)
{
    char key[80];
    snprintf(key, sizeof key, "\n%-28s %-10s", pol, layer);
    const char *row = strstr(out, key);
    if (row == NULL)
        fail_msg("no row for %s %s in\n%s", pol, layer, out);
    return row + 1;
}

/* 1 if the row (up to its end) holds s. */
static int row_has(const char *row, const char *s)
{
    const char *at = strstr(row, s), *end = strchr(row, '\n');
    return at != NULL && (end == NULL || at < end);
}

static void test_net_mean_se(void **state)
{
    (void)state;
    static char out1[1 << 16], out2[1 << 16];
    char h1[400], h2[400];
    snprintf(h1, sizeof h1, "%s/se1.h5", dir);
    snprintf(h2, sizeof h2, "%s/se2.h5", dir);
    const char *cfg = vr_test_write(dir, "se.yaml", vr_test_owner_cfg);
    run_cli(cfg, h1, 1, out1, sizeof out1);
    run_cli(cfg, h2, 2, out2, sizeof out2);
    char *w1 = strstr(out1, "\nwrote "), *w2 = strstr(out2, "\nwrote "); /* (the file names differ) */
    assert_non_null(w1);
    assert_non_null(w2);
    *w1 = *w2 = '\0';
    assert_string_equal(strstr(out1, "attribution by layer"), strstr(out2, "attribution by layer"));
    vr_h5_reader *r1 = open_h5(h1), *r2 = open_h5(h2);
    double *base = read_paths(r1, "unhedged", "pnl");
    const char *se = vr_rf_layer[VR_RF_LAYER_NET_MEAN_SE].name;
    const char *cse = vr_rf_scores[VR_SCORE_CONDOR_NET_SE].name, *dse = vr_rf_scores[VR_SCORE_CONDOR_DNET_SE].name;
    for (int k = 0; k < 4; k++) {
        char g[128], lg[160];
        snprintf(g, sizeof g, "/s/%s", pols[k]);
        double *c = read_paths(r1, pols[k], "attribution/condor");
        const double want_c = se_of(c, NULL, PATHS), want_d = se_of(c, base, PATHS);
        const double got_c = attr(r1, g, cse), got_d = attr(r1, g, dse);
        if (!(fabs(got_c - want_c) <= 1e-9 * want_c) || !(fabs(got_d - want_d) <= 1e-9 * fmax(want_d, want_c)))
            fail_msg("%s: condor_net_mean_se %.9g (want %.9g), condor_d_net_mean_se %.9g (want %.9g)", pols[k], got_c,
                     want_c, got_d, want_d);
        assert_true(got_c > 0);
        assert_true(attr(r2, g, cse) == got_c && attr(r2, g, dse) == got_d); /* any thread count */
        if (k == 0)
            assert_true(got_d == 0); /* the baseline against itself */
        if (k == 1) { /* the rolls move the condor's own P&L: a paired error that is no rounding */
            assert_true(got_d > 1);
            char want[64];
            snprintf(want, sizeof want, "+- %.0f", got_c);
            assert_true(row_has(row_of(out1, pols[k], "(condor)"), want));
            snprintf(want, sizeof want, " vs unhedged ");
            const char *v = strstr(row_of(out1, pols[k], "(condor)"), want);
            double d = NAN, dse_printed = NAN;
            assert_non_null(v);
            assert_int_equal(sscanf(v, " vs unhedged %lf +- %lf", &d, &dse_printed), 2);
            assert_true(fabs(dse_printed - got_d) <= 0.5 + 1e-9);
        }
        free(c);
        for (int j = 1; j < 6 && layers[k][j] != NULL; j++) {
            char name[64];
            snprintf(name, sizeof name, "attribution/%s", layers[k][j]);
            snprintf(lg, sizeof lg, "%s/" VR_RF_LAYERS_GROUP "/%s", g, layers[k][j]);
            double *a = read_paths(r1, pols[k], name);
            const double want = se_of(a, NULL, PATHS), got = attr(r1, lg, se);
            if (!(fabs(got - want) <= 1e-9 * fmax(want, 1e-300)))
                fail_msg("%s/%s: net_mean_se %.9g, the stored attribution's %.9g", pols[k], layers[k][j], got, want);
            assert_true(got > 0);
            assert_true(attr(r2, lg, se) == got);
            char want_txt[80];
            snprintf(want_txt, sizeof want_txt, "%.0f +- %.0f", attr(r1, lg, "net_mean"), got);
            if (!row_has(row_of(out1, pols[k], layers[k][j]), want_txt))
                fail_msg("%s/%s: the console row does not read '%s':\n%s", pols[k], layers[k][j], want_txt, out1);
            free(a);
        }
    }
    free(base);
    vr_h5_close(r1);
    vr_h5_close(r2);
}

/* A copy of vr_test_owner_cfg with `extra` added to the simulation settings. */
static const char *variant(const char *name, const char *extra)
{
    static char text[8192];
    const char *at = strstr(vr_test_owner_cfg, "trade_log_paths: 100}");
    assert_non_null(at);
    const int head = (int)(at - vr_test_owner_cfg) + (int)strlen("trade_log_paths: 100");
    snprintf(text, sizeof text, "%.*s, %s%s", head, vr_test_owner_cfg, extra, at + strlen("trade_log_paths: 100"));
    return vr_test_write(dir, name, text);
}

static void test_se_absent(void **state)
{
    (void)state;
    static char out[1 << 16];
    char h5[400];
    const char *se = vr_rf_layer[VR_RF_LAYER_NET_MEAN_SE].name;
    const char *cse = vr_rf_scores[VR_SCORE_CONDOR_NET_SE].name, *dse = vr_rf_scores[VR_SCORE_CONDOR_DNET_SE].name;
    /* a baseline with layers: its condor share is not its P&L; the paired error is left out */
    snprintf(h5, sizeof h5, "%s/hb.h5", dir);
    run_cli(variant("hb.yaml", "baseline: hedges"), h5, 2, out, sizeof out);
    vr_h5_reader *r = open_h5(h5);
    assert_true(has_attr(r, "/s/mixed", cse) && !has_attr(r, "/s/mixed", dse));
    assert_true(attr(r, "/s/hedges", dse) == 0);
    assert_true(has_attr(r, "/s/mixed/layers/roll", se));
    assert_true(row_has(row_of(out, "mixed", "(condor)"), " vs hedges "));
    assert_false(row_has(strstr(row_of(out, "mixed", "(condor)"), " vs hedges "), "+-"));
    vr_h5_close(r);
    /* streamed scores: no per-path attribution, no standard error stored or printed */
    snprintf(h5, sizeof h5, "%s/st.h5", dir);
    run_cli(variant("st.yaml", "store_paths: false"), h5, 2, out, sizeof out);
    r = open_h5(h5);
    for (int k = 0; k < 4; k++) {
        char g[128], lg[160];
        snprintf(g, sizeof g, "/s/%s", pols[k]);
        assert_false(has_attr(r, g, cse));
        assert_false(has_attr(r, g, dse));
        for (int j = 1; j < 6 && layers[k][j] != NULL; j++) {
            snprintf(lg, sizeof lg, "%s/" VR_RF_LAYERS_GROUP "/%s", g, layers[k][j]);
            assert_false(has_attr(r, lg, se));
            assert_false(row_has(row_of(out, pols[k], layers[k][j]), "+-"));
        }
    }
    assert_null(strstr(out, "nan"));
    vr_h5_close(r);
}

/* A condor's short leg is never sold for less than its commission (from a user test: a heston model
 * at spot 100, whose 16-delta calls sit at strikes 105-110 on the 5-point grid with mids of a few
 * cents, opened condors by selling a 110 call at -0.071 a contract: paying to take on the risk).
 * Such a day opens no condor (and such a roll does not roll); the book asks again the next day. */
typedef struct sale {
    int32_t path, day;
    double quantity, price;
    char owner[VR_RF_TRADE_STR], instrument[VR_RF_TRADE_STR], reason[VR_RF_TRADE_STR];
} sale;

static void test_condor_short_has_a_bid(void **state)
{
    (void)state;
    static char out[1 << 16];
    char h5[400];
    snprintf(h5, sizeof h5, "%s/bid.h5", dir);
    const char *cfg = vr_test_write(
        dir, "bid.yaml",
        "simulation: {paths: 300, horizon_days: 126, seed: 7, trade_log_paths: 100}\nscenarios:\n  - name: s\n"
        "    model: {type: heston, spot: 100, rate: 0.03, dividend: 0.01, v0: 0.04,\n"
        "            physical: {kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.7}}\n"
        "condor: {contracts: 10, dte: 45, short_delta: 0.16, wing_width: 5, commission: 0.65, half_spread: 0.10,\n"
        "         roll_delta: 0.3, roll_to_delta: 0.12}\n"
        "policies:\n  - name: unhedged\n");
    run_cli(cfg, h5, 2, out, sizeof out);
    vr_h5_reader *r = open_h5(h5);
    vr_err err = {VR_OK, ""};
#define COL(id, field, kind) TRADE_COL(sale, id, field, kind)
    const vr_h5_col cols[] = {COL(PATH, path, I32),         COL(DAY, day, I32),       COL(QUANTITY, quantity, F64),
                              COL(PRICE, price, F64),       COL(OWNER, owner, STR),   COL(INSTRUMENT, instrument, STR),
                              COL(REASON, reason, STR)};
#undef COL
    void *rows = NULL;
    size_t nrec = 0;
    if (vr_h5_read_table(r, "/s/unhedged/" VR_RF_TRADE_LOG, cols, sizeof cols / sizeof cols[0], sizeof(sale), 1000000,
                         &rows, &nrec, &err) != VR_OK)
        fail_msg("%s", err.msg);
    const sale *t = rows;
    size_t opens = 0, rolls = 0, sold = 0;
    for (size_t i = 0; i < nrec; i++) {
        const int open = strcmp(t[i].reason, "open") == 0, roll = strcmp(t[i].reason, "roll") == 0;
        opens += open && t[i].quantity < 0;
        rolls += roll && t[i].quantity < 0;
        if ((open || roll) && t[i].quantity < 0) {
            sold++;
            if (!(t[i].price * 100 - COMMISSION > 0))
                fail_msg("path %d day %d: %s sold at %.4f (%s)", t[i].path, t[i].day, t[i].instrument, t[i].price,
                         t[i].reason);
        }
    }
    printf("  %zu short legs sold (%zu at opens, %zu at rolls), each above its commission\n", sold, opens, rolls);
    assert_true(opens >= 200); /* condors still open on most paths */
    assert_true(rolls > 0);    /* and the roll rule still rolls (the test covers both refusals) */
    free(rows);
    vr_h5_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_rebuilds_attribution),
        cmocka_unit_test(test_net_mean_se),
        cmocka_unit_test(test_se_absent),
        cmocka_unit_test(test_condor_short_has_a_bid),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
