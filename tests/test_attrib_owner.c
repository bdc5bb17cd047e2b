/* test_attrib_owner.c: each trade's P&L lands with the owner of the position it trades, recomputed
 * from the trade log alone.
 *
 * test_attrib.c checks that condor + layers = pnl; that would hold as well if a roll layer's P&L
 * were credited to the VIX calls. Here every path of a run is logged (100 paths, 21 trading days,
 * every option and future opened on day 0 or later expiring on day 21, the last day, so nothing is
 * open at the horizon) and the attribution is rebuilt from the records: the owner of a position is
 * whoever opened it (the condor, or the layer whose trade opened it: a roll_tested layer's new
 * legs), a record's mid (its cash plus its costs) goes to the owner, its costs (half-spread and
 * commission per contract, none at settlement) to the record's trader, discounted to time 0 at
 * the model's rate. The policies cover a day-0 roll by a roll_tested layer and the condor's own roll
 * rule, VIX calls with a partial sale, VIX call spreads, SPX put spreads, a VIX future, settlement
 * on the path's last day, and a condor whose profit take and stop close legs a roll layer owns
 * (and abandon a worthless wing: a record of quantity 0 that gives up what was held, no cash).
 * Each owner's total must equal the evaluator's attribution on every path.
 *
 * Then the hedge cost against the baseline on common random numbers: for a policy whose layers
 * never trade the condor's legs, the condor's attribution is the baseline's P&L on every path, so
 * the policy's d_mean (vr_pol_summary_compute) is the sum of its layers' mean nets, and d_mean_se
 * is the paired one (the standard error of the per-path differences).
 *
 * Last, the console's attribution table has a "(condor)" row per hedged policy: its condor's mean
 * net and that less the baseline's, from the run file's attribution; with the layers' nets it
 * makes d_mean also where a roll layer changes the condor's trades (before, the table had the
 * layers alone, which for such a policy did not add up to d_mean by the part the roll moved). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_h5.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_run.h"
#include "vixrisk/vr_summary.h"
#include "vr_test_util.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return vr_test_tmpdir("attrib_owner", dir, sizeof dir);
}

static int teardown(void **state)
{
    (void)state;
    return vr_test_rmdir(dir);
}

#define RATE 0.04 /* the rate, costs and paths of vr_test_owner_cfg */

/* An open position as the log shows it: the instrument, its owner (-1 the condor) and the
 * contracts still held (> 0 long). */
typedef struct held {
    int kind, cp, expiry, owner;
    double strike, qty;
} held;

#define MAX_HELD 64

static int same_inst(const held *h, const vr_trade *t)
{
    return h->kind == t->kind && h->cp == t->cp && h->expiry == t->expiry_day && h->strike == t->strike;
}

/* The open position record t trades out of: same instrument, held the other way (a sale of a
 * long, a purchase of a short); among several, the trader's own. -1: t opens a position. */
static int closing(const held *h, int nh, const vr_trade *t, double sign)
{
    int found = -1;
    for (int j = 0; j < nh; j++) {
        if (!same_inst(&h[j], t) || h[j].qty == 0 || h[j].qty * sign >= 0)
            continue;
        if (found < 0 || h[j].owner == t->layer)
            found = j;
    }
    return found;
}

/* The attribution of one logged path rebuilt from its records (att: 1 + layers entries); counts
 * what was traded in *kinds (bit per trade kind seen: 1 a roll layer's trade, 2 a partial sale,
 * 4 a settlement, 8 a condor rule closing legs a layer owns, 16 a future, 32 an abandoned leg). */
static void rebuild(const vr_trade_log *lg, const vr_policy *pol, double *att, int *kinds)
{
    const vr_condor_rules *r = &pol->condor;
    held h[MAX_HELD];
    int nh = 0;
    memset(att, 0, (size_t)(1 + pol->nlayers) * sizeof *att);
    for (size_t i = 0; i < lg->n; i++) {
        const vr_trade *t = &lg->rec[i];
        const vr_inst_kind_info *ki = vr_inst_kind_get(t->kind);
        const double sign = t->qty > 0 ? 1 : -1;
        if (t->qty == 0) { /* abandoned: the position is gone, no cash and no costs to anyone */
            assert_true(strncmp(t->reason, "abandoned:", 10) == 0 && t->cash == 0 && t->price == 0);
            int j = -1;
            for (int q = 0; q < nh; q++)
                if (same_inst(&h[q], t) && h[q].qty != 0 && (j < 0 || h[q].owner == t->layer))
                    j = q;
            assert_true(j >= 0); /* it gives up something held */
            h[j].qty = 0;
            *kinds |= 32;
            continue;
        }
        const int settle = strcmp(t->reason, "expiry") == 0;
        const double hs = ki->underlying == VR_UL_SPX ? r->half_spread : r->vix_half_spread;
        const double cost = settle ? 0 : fabs(t->qty) * (hs * ki->multiplier + r->commission);
        const double disc = exp(-RATE * t->day / 252.0);
        const int j = closing(h, nh, t, sign);
        int owner;
        if (j >= 0) {
            owner = h[j].owner;
            h[j].qty += t->qty;
            assert_true(h[j].qty * -sign >= -1e-9); /* never beyond what was held */
            if (t->layer != owner)
                *kinds |= t->layer < 0 ? 8 : 0;
        } else {
            assert_false(settle); /* a settlement closes something */
            assert_true(nh < MAX_HELD);
            h[nh++] = (held){t->kind, t->cp, t->expiry_day, t->layer, t->strike, t->qty};
            owner = t->layer;
        }
        *kinds |= (t->layer >= 0 && pol->layers[t->layer].action.kind == VR_ACTION_ROLL_TESTED ? 1 : 0) |
                  (strcmp(t->reason, "partial") == 0 ? 2 : 0) | (settle ? 4 : 0) |
                  (t->kind == VR_INST_VIX_FUTURE ? 16 : 0);
        att[owner + 1] += disc * (t->cash + cost);
        att[t->layer + 1] -= disc * cost;
    }
    for (int j = 0; j < nh; j++) /* nothing open at the horizon: no mark in the attribution */
        if (fabs(h[j].qty) > 1e-9)
            fail_msg("path %d: %g contracts of strike %g still open at the horizon", lg->n ? lg->rec[0].path : -1,
                     h[j].qty, h[j].strike);
}

static void test_owner_from_trade_log(void **state)
{
    (void)state;
    vr_run_cfg cfg;
    vr_err err = {VR_OK, ""};
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(vr_run_load(vr_test_write(dir, "owner.yaml", vr_test_owner_cfg), &cfg, &err), VR_OK);
    vr_scenario_result res;
    assert_int_equal(vr_eval_scenario(&cfg.spec, 0, &res, NULL, NULL, &err), VR_OK);
    const size_t n = res.path_hi - res.path_lo;
    assert_int_equal(res.nlog, (int)n);
    int kinds[4] = {0, 0, 0, 0};
    for (int p = 0; p < res.npol; p++) {
        const vr_policy *pol = &cfg.spec.pol[p];
        const int na = res.out[p].nattr;
        assert_int_equal(na, 1 + pol->nlayers);
        for (size_t i = 0; i < n; i++) {
            double att[1 + VR_MAX_LAYERS];
            rebuild(&res.logs[(size_t)p * (size_t)res.nlog + i], pol, att, &kinds[p]);
            for (int k = 0; k < na; k++) {
                const double got = res.out[p].attr[i * (size_t)na + (size_t)k];
                if (!(fabs(got - att[k]) <= 1e-6 * fmax(1.0, fabs(att[k]))))
                    fail_msg("%s path %zu: %s is credited %.6f; its trades make %.6f", pol->name, i,
                             k == 0 ? "the condor" : pol->layers[k - 1].name, got, att[k]);
            }
        }
    }
    /* the config did what it is here for: rolls, a partial sale, settlements, futures, and a condor
     * rule closing a roll layer's legs, abandoning a wing */
    printf("trade kinds seen (bits): %d %d %d %d\n", kinds[0], kinds[1], kinds[2], kinds[3]);
    assert_int_equal(kinds[1] & (1 | 2 | 4 | 16), 1 | 2 | 4 | 16);
    assert_true(kinds[3] & 8);
    assert_true(kinds[3] & 32); /* a worthless condor wing abandoned at a close (policy 3 holds no hedge) */

    /* the hedge cost on common paths: policy 2 never trades the condor's legs */
    const vr_path_out *base = &res.out[0], *o = &res.out[2];
    double nets = 0, s = 0, ss = 0;
    for (int l = 0; l < cfg.spec.pol[2].nlayers; l++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += o->attr[i * (size_t)o->nattr + 1 + (size_t)l];
        nets += sum / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        const double c = o->attr[i * (size_t)o->nattr];
        assert_true(fabs(c - base->pnl[i]) <= 1e-9 * fmax(1.0, fabs(base->pnl[i])));
        s += o->pnl[i] - base->pnl[i];
    }
    const double dm = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (o->pnl[i] - base->pnl[i] - dm) * (o->pnl[i] - base->pnl[i] - dm);
    const double thr[VR_RF_NTHR] = {10000, 25000, 50000, 100000};
    double *scratch = malloc(n * sizeof *scratch);
    vr_pol_summary ps;
    assert_non_null(scratch);
    assert_int_equal(vr_pol_summary_compute(o, base, n, thr, scratch, &ps, &err), VR_OK);
    assert_true(fabs(ps.score[VR_SCORE_DMEAN] - nets) <= 1e-9 * fmax(1.0, fabs(nets)));
    assert_true(fabs(ps.score[VR_SCORE_DMEAN_SE] - sqrt(ss / (double)(n - 1) / (double)n)) <=
                1e-9 * ps.score[VR_SCORE_DMEAN_SE]);
    assert_true(ps.score[VR_SCORE_DMEAN_SE] > 0);
    free(scratch);
    vr_scenario_result_free(&res);
    vr_run_cfg_free(&cfg);
}

/* The mean of dataset /s/<pol>/<name> of file h5. */
static double mean_of(vr_h5_reader *r, const char *pol, const char *name)
{
    char p[256];
    double *x = NULL, sum = 0;
    size_t n = 0;
    vr_err err = {VR_OK, ""};
    snprintf(p, sizeof p, "/s/%s/%s", pol, name);
    if (vr_h5_read_f64(r, p, &x, &n, &err) != VR_OK)
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    free(x);
    return sum / (double)n;
}

static void test_console_condor_row(void **state)
{
    (void)state;
    static char out[1 << 16];
    char h5[400], args[1200];
    snprintf(h5, sizeof h5, "%s/owner.h5", dir);
    snprintf(args, sizeof args, "run %s -o %s --threads 2", vr_test_write(dir, "console.yaml", vr_test_owner_cfg), h5);
    const int rc = vr_test_cli(args, out, sizeof out);
    if (rc != 0)
        fail_msg("vixrisk %s: exit %d\n%s", args, rc, out);
    vr_h5_reader *r = NULL;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_h5_open_read(h5, &r, &err), VR_OK);
    const double base = mean_of(r, "unhedged", "pnl");
    static const char *const pols[] = {"mixed", "hedges", "stopped"};
    static const char *const layers[][5] = {{"roll", "calls", "cspread", "pspread", "fut"},
                                            {"calls", "cspread", "fut", NULL, NULL},
                                            {"roll", NULL, NULL, NULL, NULL}};
    for (int k = 0; k < 3; k++) {
        char key[64], *row;
        snprintf(key, sizeof key, "\n%-28s %-10s", pols[k], "(condor)");
        if ((row = strstr(out, key)) == NULL)
            fail_msg("no (condor) row for %s in\n%s", pols[k], out);
        row += 1;
        double net = NAN, vs = NAN;
        if (sscanf(row + 40, "%*s %*s %lf", &net) != 1) /* after the name and layer: "-" "-" net */
            fail_msg("row '%.120s'", row);
        const char *v = strstr(row, " vs unhedged ");
        assert_non_null(v);
        assert_true(v < strchr(row, '\n'));
        assert_int_equal(sscanf(v, " vs unhedged %lf", &vs), 1);
        const double cn = mean_of(r, pols[k], "attribution/condor");
        double nets = 0;
        for (int l = 0; l < 5 && layers[k][l] != NULL; l++) {
            char d[64];
            snprintf(d, sizeof d, "attribution/%s", layers[k][l]);
            nets += mean_of(r, pols[k], d);
        }
        const double dmean = mean_of(r, pols[k], "pnl") - base;
        if (fabs(net - cn) > 0.51 || fabs(vs - (cn - base)) > 0.51)
            fail_msg("%s: the console's condor row says %.0f (vs unhedged %+.0f); the file's attribution %.2f (%+.2f)",
                     pols[k], net, vs, cn, cn - base);
        assert_true(fabs(vs + nets - dmean) <= 0.51 + 1e-6 * fabs(dmean));
        if (k == 1) /* no layer trades the condor's legs: the baseline's condor */
            assert_true(vs == 0);
    }
    vr_h5_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_from_trade_log),
        cmocka_unit_test(test_console_condor_row),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
