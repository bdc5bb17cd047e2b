/* test_book.c: the iron-condor book and the hedge layers.
 *
 * 1. Hand-made deterministic paths (flat, rally through the call side, crash) drive the book day
 *    by day; the expected strikes and cash flows are recomputed in the test from the same marks.
 * 2. The martingale test: with physical = pricing parameters and zero costs, every policy is a
 *    self-financing strategy in correctly priced instruments, so its mean discounted P&L is 0.
 *    It must hold within 4 SE for several rule sets, hedged ones included, under every model.
 *    This catches mismarks, look-ahead and cash-flow bugs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/book_internal.h"
#include "vixrisk/vr_eval.h"
#include "vr_test_util.h"

static vr_model heston(void)
{
    vr_model m = {.type = VR_MODEL_HESTON, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.03,
                  .physical = {.kappa = 2.5, .theta = 0.035, .sigma = 0.6, .rho = -0.75}};
    m.pricing = m.physical;
    return m;
}

static vr_policy base_policy(double costs)
{
    vr_policy p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "base");
    p.condor = (vr_condor_rules){.contracts = 10, .dte = 45, .short_delta = 0.16, .wing_width = 50,
                                 .profit_take = 0.5, .stop_loss = 2.0, .exit_dte = 21,
                                 .roll_delta = 0.30, .roll_to_delta = 0.16, .reentry_days = 1,
                                 .commission = costs * 0.65, .half_spread = costs * 0.05,
                                 .vix_half_spread = costs * 0.05};
    return p;
}

static vr_layer vix_layer(double level, double delta, double size)
{
    vr_layer l;
    memset(&l, 0, sizeof l);
    vr_trigger *t = &l.trigger;
    t->any = 1;
    t->vix_level = level;
    t->vix_change_days = t->vix_change_pct = t->vix_change_pts = NAN;
    t->rsi_days = t->rsi_level = t->term_ratio = t->dd_pct = t->condor_loss_pct = t->short_delta = NAN;
    t->confirm_days = 1;
    t->cooldown_days = 5;
    l.action = (vr_action){.kind = VR_ACTION_VIX_CALL, .delta = delta, .strike_pct = NAN, .dte = 30,
                           .size_by = VR_SIZE_PCT_CREDIT, .size = size, .stress_vix = 50};
    l.exit = (vr_exit){.profit_multiple = 3, .vix_above = NAN, .vix_below = NAN, .dte = 5, .with_condor = 0};
    return l;
}

/* ---- deterministic paths ---- */

static vr_pricing *mk_heston;

/* The legs' strikes and the hedge position of layer 0, as the book holds them. */
#define K(b, i) ((b).pos[i].inst.strike)
#define T_EXP(b) ((b).pos[0].inst.t_exp)
#define HEDGE(b) ((b).pos[vr_book_layer_slot(0, 0)])

/* One SPX option marked at (S, v), tau years ahead, through the pricing layer's single mark. */
static vr_mark spx(double S, double v, double k, double tau, int cp)
{
    const vr_instrument in = {VR_INST_SPX_OPTION, cp, k, tau};
    const vr_state st = {0, S, {v, 0}};
    return vr_pricing_mark(mk_heston, &in, &st, 0);
}

static int setup(void **state)
{
    (void)state;
    vr_model m = heston();
    vr_err err = {VR_OK, ""};
    return vr_pricing_build(&m, 0.2, &mk_heston, &err) == VR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    vr_pricing_destroy(mk_heston);
    return 0;
}

static void run_path(vr_book *b, const vr_policy *p, const double *S, const double *v, int days,
                     vr_mkt *m)
{
    vr_book_init(b, p);
    vr_mkt_init(m, S[0], &v[0], mk_heston);
    vr_book_day(b, p, m, mk_heston, 0);
    for (int d = 1; d <= days; d++) {
        vr_mkt_update(m, d, d / 252.0, S[d], &v[d], mk_heston);
        vr_book_day(b, p, m, mk_heston, d == days);
    }
}

static void test_entry_strikes_and_credit(void **state)
{
    (void)state;
    vr_policy p = base_policy(0);
    vr_book b;
    vr_mkt m;
    const double S[1] = {5000}, v[1] = {0.03};
    run_path(&b, &p, S, v, 0, &m);
    assert_int_equal(b.open, 1);
    assert_int_equal(b.trades, 1);
    for (int i = 0; i < 4; i++)
        assert_true(fmod(K(b, i), 5.0) == 0.0);                   /* 5-point strike grid */
    assert_true(K(b, 1) - K(b, 0) == 50 && K(b, 3) - K(b, 2) == 50); /* wings a width away */
    const double tau = 31.0 / 252; /* 45 DTE = round(45 x 252/365) = 31 trading days */
    const vr_mark sp = spx(5000, 0.03, K(b, 1), tau, -1);
    const vr_mark sc = spx(5000, 0.03, K(b, 2), tau, +1);
    printf("entry: put %g/%g (delta %.3f) call %g/%g (delta %.3f) credit %.2f\n", K(b, 0), K(b, 1),
           sp.delta, K(b, 2), K(b, 3), sc.delta, b.credit);
    /* the chosen strike is the grid point nearest to 16 delta: its neighbours are farther */
    const double dn = fabs(spx(5000, 0.03, K(b, 1) + 5, tau, -1).delta);
    const double dp = fabs(spx(5000, 0.03, K(b, 1) - 5, tau, -1).delta);
    assert_true(fabs(fabs(sp.delta) - 0.16) <= fabs(dn - 0.16) && fabs(fabs(sp.delta) - 0.16) <= fabs(dp - 0.16));
    assert_true(fabs(sc.delta - 0.16) < 0.02);
    /* credit = shorts - longs at mid; cash received = credit * $100 * 10 condors */
    const double want = sp.price + sc.price - spx(5000, 0.03, K(b, 0), tau, -1).price
                        - spx(5000, 0.03, K(b, 3), tau, +1).price;
    assert_true(fabs(b.credit - want) < 1e-9);
    assert_true(fabs(b.cash - want * 100 * 10) < 1e-6);
    /* with costs: 4 legs x (half-spread 0.05 x $100 + $0.65) x 10 condors less */
    vr_policy pc = base_policy(1);
    vr_book bc;
    run_path(&bc, &pc, S, v, 0, &m);
    assert_true(fabs((b.cash - bc.cash) - 4 * (0.05 * 100 + 0.65) * 10) < 1e-6);
}

static void test_flat_path_profit_take(void **state)
{
    (void)state;
    /* a flat path: time decay alone takes the condor to 50% profit before 21 DTE */
    vr_policy p = base_policy(0);
    p.condor.reentry_days = 1000; /* one trade only */
    double S[40], v[40];
    for (int d = 0; d < 40; d++) { S[d] = 5000; v[d] = 0.03; }
    vr_book b;
    vr_mkt m;
    vr_book_init(&b, &p);
    vr_mkt_init(&m, S[0], &v[0], mk_heston);
    vr_book_day(&b, &p, &m, mk_heston, 0);
    const double credit = b.credit, k1 = K(b, 1), k2 = K(b, 2), k0 = K(b, 0), k3 = K(b, 3), texp = T_EXP(b);
    int closed_day = -1;
    double expect_cash = credit * 1000;
    for (int d = 1; d < 40 && closed_day < 0; d++) {
        vr_mkt_update(&m, d, d / 252.0, S[d], &v[d], mk_heston);
        const double tau = texp - d / 252.0;
        const double val = spx(5000, 0.03, k1, tau, -1).price
                           + spx(5000, 0.03, k2, tau, 1).price
                           - spx(5000, 0.03, k0, tau, -1).price
                           - spx(5000, 0.03, k3, tau, 1).price;
        vr_book_day(&b, &p, &m, mk_heston, 0);
        if (!b.open) {
            closed_day = d;
            /* hand rule: first day profit >= 50% of credit, or DTE <= 21 */
            assert_true(credit - val >= 0.5 * credit || tau * 365 <= 21 + 1e-9);
            expect_cash -= exp(-0.04 * d / 252.0) * val * 1000;
        }
    }
    printf("flat path: closed on day %d, cash %.2f (expected %.2f)\n", closed_day, b.cash, expect_cash);
    assert_true(closed_day > 0);
    assert_true(fabs(b.cash - expect_cash) < 1e-6);
    assert_true(b.cash > 0); /* a flat market is the condor's friend */
}

static void test_rally_rolls_call_side(void **state)
{
    (void)state;
    vr_policy p = base_policy(0);
    p.condor.stop_loss = 0; /* isolate the roll */
    double S[11], v[11];
    for (int d = 0; d <= 10; d++) { S[d] = 5000 * (1 + 0.006 * d); v[d] = 0.02; }
    vr_book b;
    vr_mkt m;
    vr_book_init(&b, &p);
    vr_mkt_init(&m, S[0], &v[0], mk_heston);
    vr_book_day(&b, &p, &m, mk_heston, 0);
    const double call0 = K(b, 2), put0 = K(b, 1);
    for (int d = 1; d <= 10; d++) {
        vr_mkt_update(&m, d, d / 252.0, S[d], &v[d], mk_heston);
        vr_book_day(&b, &p, &m, mk_heston, 0);
    }
    printf("rally: call short %g -> %g, put short %g -> %g, spot %.0f\n", call0, K(b, 2), put0, K(b, 1), S[10]);
    assert_true(b.open);
    assert_true(K(b, 2) > call0);      /* the tested call side moved up */
    assert_true(K(b, 1) == put0);      /* the untested side stayed */
    const double tau = T_EXP(b) - 10 / 252.0;
    assert_true(fabs(spx(S[10], 0.02, K(b, 2), tau, 1).delta) < 0.30);
}

static void test_crash_stop_and_hedge(void **state)
{
    (void)state;
    /* a crash: SPX -12% over 3 days with variance jumping to 0.25 (VIX ~ 50) */
    vr_policy p = base_policy(0);
    p.condor.roll_delta = 0;
    p.condor.stop_loss = 1.5; /* day 3: loss 38.7 - 13.2 = 25.5 >= 1.5 x credit (19.8) */
    p.nlayers = 1;
    p.layers[0] = vix_layer(25, 0.25, 0.15);
    const double S[5] = {5000, 4900, 4700, 4400, 4400}, v[5] = {0.02, 0.05, 0.12, 0.25, 0.25};
    vr_book b;
    vr_mkt m;
    vr_book_init(&b, &p);
    vr_mkt_init(&m, S[0], &v[0], mk_heston);
    vr_book_day(&b, &p, &m, mk_heston, 0);
    assert_int_equal(HEDGE(b).open, 0); /* VIX ~ 15: no hedge */
    int stopped = -1, hedged = -1;
    for (int d = 1; d < 5; d++) {
        vr_mkt_update(&m, d, d / 252.0, S[d], &v[d], mk_heston);
        const int was_open = b.open;
        vr_book_day(&b, &p, &m, mk_heston, 0);
        if (was_open && b.trades == 1 && !b.open && stopped < 0)
            stopped = d;
        if (HEDGE(b).open && hedged < 0)
            hedged = d;
        printf("crash day %d: S %.0f VIX %.1f open %d trades %d strikes %g/%g hedge %d (qty %.0f, K %.0f)\n", d, S[d], m.vix, b.open, b.trades, K(b, 0), K(b, 1),
               HEDGE(b).open, HEDGE(b).qty, HEDGE(b).inst.strike);
    }
    assert_true(stopped > 0);           /* loss >= 2x credit stops the condor */
    assert_true(hedged > 0);            /* VIX >= 25 buys calls */
    assert_int_equal(b.act[0], 1);
    assert_true(b.hedge_paid > 0);
    assert_true(b.first[0] == hedged);
}

/* ---- the martingale test ---- */

static void martingale(vr_model m, const char *label)
{
    vr_policy pol[3];
    pol[0] = base_policy(0);
    snprintf(pol[0].name, sizeof pol[0].name, "condor-managed");
    pol[1] = base_policy(0);
    snprintf(pol[1].name, sizeof pol[1].name, "condor-hold");
    pol[1].condor.profit_take = 0;
    pol[1].condor.stop_loss = 0;
    pol[1].condor.exit_dte = 0;
    pol[1].condor.roll_delta = 0;
    pol[1].condor.dte = 45; /* held to expiry: settles on S at expiry */
    pol[1].condor.short_delta = 0.16;
    pol[2] = base_policy(0);
    snprintf(pol[2].name, sizeof pol[2].name, "hedged");
    pol[2].nlayers = 2;
    pol[2].layers[0] = vix_layer(18, 0.3, 0.15);
    pol[2].layers[1] = vix_layer(22, 0.12, 0.25);
    pol[2].layers[1].trigger.requires_previous = 1;
    /* layer 2's calls are held to expiry and settle on the VIX from the state */
    pol[2].layers[1].exit.profit_multiple = NAN;
    pol[2].layers[1].exit.dte = NAN;
    vr_scenario sc = {.model = m};
    snprintf(sc.name, sizeof sc.name, "%s", label);
#if defined(__SANITIZE_ADDRESS__)
    const size_t paths = 2000;
#else
    const size_t paths = 40000; /* enough power to see a settlement-timing bias (-4 SE) */
#endif
    vr_run_spec spec = {.paths = paths, .horizon_days = 63, .steps_per_day = 1, .seed = 11,
                        .sample_paths = 4, .nscen = 1, .scen = &sc, .npol = 3, .pol = pol};
    vr_scenario_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_eval_scenario(&spec, 0, &res, NULL, NULL, &err), VR_OK);
    for (int p = 0; p < 3; p++) {
        double s1 = 0, s2 = 0, trades = 0, acts = 0;
        for (size_t i = 0; i < paths; i++) {
            s1 += res.out[p].pnl[i];
            s2 += res.out[p].pnl[i] * res.out[p].pnl[i];
            trades += res.out[p].trades[i];
            acts += res.out[p].activations[i * VR_MAX_LAYERS];
        }
        const double mean = s1 / paths, se = sqrt((s2 / paths - mean * mean) / paths);
        printf("%-6s %-15s mean P&L %9.2f USD  se %7.2f  z %+.2f  (trades/path %.2f, layer-1 activations/path %.2f)\n",
               label, pol[p].name, mean, se, mean / se, trades / paths, acts / paths);
        assert_true(se > 0);
        assert_true(fabs(mean) <= 4 * se);
    }
    printf("%s: %.2f s (marks %.2f s)\n", label, res.seconds, res.build_seconds);
    vr_scenario_result_free(&res);
}

static void test_martingale_heston(void **state) { (void)state; martingale(heston(), "heston"); }

static void test_martingale_svcj(void **state)
{
    (void)state;
    vr_model m = {.type = VR_MODEL_SVCJ, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.02,
                  .physical = {.kappa = 3, .theta = 0.02, .sigma = 0.4, .rho = -0.7, .lambda = 1.5,
                               .mu_v = 0.05, .mu_s = -0.04, .sigma_s = 0.04, .rho_j = -0.5}};
    m.pricing = m.physical;
    martingale(m, "svcj");
}

static void test_martingale_bates(void **state)
{
    (void)state;
    vr_model m = {.type = VR_MODEL_BATES, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.03,
                  .physical = {.kappa = 2, .theta = 0.03, .sigma = 0.5, .rho = -0.7, .lambda = 1,
                               .mu_j = -0.06, .sigma_j = 0.08}};
    m.pricing = m.physical;
    martingale(m, "bates");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_strikes_and_credit),
        cmocka_unit_test(test_flat_path_profit_take),
        cmocka_unit_test(test_rally_rolls_call_side),
        cmocka_unit_test(test_crash_stop_and_hedge),
        cmocka_unit_test(test_martingale_heston),
        cmocka_unit_test(test_martingale_bates),
        cmocka_unit_test(test_martingale_svcj),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
