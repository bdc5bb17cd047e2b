/* test_book.c: the iron-condor book and the hedge layers.
 *
 * 1. Hand-made deterministic paths (flat, rally through the call side, crash) drive the book day
 *    by day; the expected strikes and cash flows are recomputed in the test from the same marks.
 * 2. The martingale test: with physical = pricing parameters and zero costs, every policy is a
 *    self-financing strategy in correctly priced instruments, so its mean discounted P&L is 0.
 *    It must hold within 4 SE for several rule sets, hedged ones included, under every model.
 *    This catches mismarks, look-ahead and cash-flow bugs; under svcj a fourth policy holds every
 *    other instrument kind (put-spread ladder, VIX call spreads sold in part, VIX futures).
 * 3. The instrument kinds against the model's direct pricers, and each rule (laddering, sizing
 *    kinds, wing rules, VIX-dependent half-spreads, cooldown_after, previous_fired_within, partial
 *    monetisation) on a small deterministic path where it changes what the book does, next to the
 *    default that keeps today's behaviour. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/book_internal.h"
#include "vixrisk/vr_eval.h"
#include "vixrisk/vr_policy_rules.h"
#include "vr_test_util.h"

static vr_model heston(void) { return vr_test_heston_model(0.03); }

/* ---- deterministic paths ---- */

static vr_pricing *mk_heston;

/* The legs' strikes and the hedge position of layer 0, as the book holds them. */
#define K(b, i) ((b).pos[i].inst.strike)
#define T_EXP(b) ((b).pos[0].inst.t_exp)
#define HEDGE(b) ((b).pos[vr_book_layer_slot(&(b), 0, 0)])

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
    vr_policy p = vr_test_condor_policy(0);
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
    vr_policy pc = vr_test_condor_policy(1);
    vr_book bc;
    run_path(&bc, &pc, S, v, 0, &m);
    assert_true(fabs((b.cash - bc.cash) - 4 * (0.05 * 100 + 0.65) * 10) < 1e-6);
}

static void test_flat_path_profit_take(void **state)
{
    (void)state;
    /* a flat path: time decay alone takes the condor to 50% profit before 21 DTE */
    vr_policy p = vr_test_condor_policy(0);
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
    vr_policy p = vr_test_condor_policy(0);
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
    vr_policy p = vr_test_condor_policy(0);
    p.condor.roll_delta = 0;
    p.condor.stop_loss = 1.5; /* day 3: loss 38.7 - 13.2 = 25.5 >= 1.5 x credit (19.8) */
    p.nlayers = 1;
    p.layers[0] = vr_test_vix_layer(25, 0.25, 0.15);
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

/* ---- instruments as position kinds, laddering, sizing, and the practitioners' rules ---- */

/* A layer that fires every day and holds what it buys (no exit rule): the kind under test. */
static vr_layer hold_layer(vr_action_kind kind)
{
    vr_layer l = vr_test_vix_layer(0, 0.25, 2);
    l.trigger.vix_level = NAN;
    l.trigger.always = 1;
    l.trigger.cooldown_days = 0;
    l.action.kind = kind;
    l.action.size_by = VR_SIZE_CONTRACTS;
    l.action.size = 2;
    l.action.short_delta = kind == VR_ACTION_SPX_PUT_SPREAD ? 0.02 : 0.10;
    l.action.short_strike_pct = NAN;
    if (kind == VR_ACTION_SPX_PUT || kind == VR_ACTION_SPX_PUT_SPREAD)
        l.action.delta = 0.05;
    l.exit = (vr_exit){.profit_multiple = NAN, .vix_above = NAN, .vix_below = NAN, .dte = NAN,
                       .partial_multiple = NAN, .partial_fraction = NAN};
    return l;
}

/* The evaluator's side for one book: mark what it wants in one batch (SIMD kernels), hand back. */
static void batch_mark(vr_book *b, const vr_mkt *m)
{
    vr_mark_batch bt;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_mark_batch_alloc(&bt, VR_BOOK_MAX_POS, &err), VR_OK);
    int slots[VR_BOOK_MAX_POS];
    const int k = vr_book_marks_wanted(b, m, slots);
    const vr_state st = vr_mkt_state(m);
    for (int j = 0; j < k; j++)
        vr_mark_batch_set(&bt, (size_t)j, vr_book_instrument(b, slots[j]), &st, 1);
    vr_pricing_mark_n(mk_heston, vk_select(NULL), &bt, (size_t)k, 0);
    for (int j = 0; j < k; j++) {
        const vr_mark mk = vr_mark_batch_get(&bt, (size_t)j);
        vr_book_set_mark(b, slots[j], &mk, m->day);
    }
    vr_mark_batch_free(&bt);
}

/* Each kind a layer can buy, opened by the book on day 0 and marked by the evaluator's batch on
 * day 1, against the model's direct pricers (Fourier for SPX, the VIX quadrature for VIX options
 * and futures) at the tolerances of the pricing layer (test_pricing.c); strikes on the grid, the
 * short leg of a spread farther out; the day's P&L is cash plus the positions' values. */
static void test_instruments_against_direct_pricers(void **state)
{
    (void)state;
    static const vr_action_kind kinds[] = {VR_ACTION_VIX_CALL, VR_ACTION_VIX_CALL_SPREAD, VR_ACTION_SPX_PUT,
                                           VR_ACTION_SPX_PUT_SPREAD, VR_ACTION_VIX_FUTURE};
    const vr_model md = heston();
    const vr_model_ops *ops = vr_pricing_model(mk_heston);
    vr_err err = {VR_OK, ""};
    for (size_t t = 0; t < sizeof kinds / sizeof kinds[0]; t++) {
        const vr_action_kind_def *ak = vr_action_kind_of(kinds[t]);
        vr_policy p = vr_test_condor_policy(1);
        p.nlayers = 1;
        p.layers[0] = hold_layer(kinds[t]);
        vr_book b;
        vr_mkt m;
        const double S[2] = {5000, 4950}, v[2] = {0.03, 0.035};
        run_path(&b, &p, S, v, 0, &m);
        const int s0 = vr_book_layer_slot(&b, 0, 0);
        assert_int_equal(b.legs[0], ak->legs);
        assert_true(b.pos[s0].open && b.pos[s0].sign == 1 && b.pos[s0].qty == 2);
        if (ak->legs == 2) {
            const vr_position *lo = &b.pos[s0], *sh = &b.pos[s0 + 1];
            assert_true(sh->open && sh->sign == -1 && sh->inst.t_exp == lo->inst.t_exp);
            assert_true(ak->cp > 0 ? sh->inst.strike > lo->inst.strike : sh->inst.strike < lo->inst.strike);
        }
        vr_mkt_update(&m, 1, 1 / 252.0, S[1], &v[1], mk_heston);
        batch_mark(&b, &m);
        const double cash = b.cash;
        vr_book_day(&b, &p, &m, mk_heston, 0);
        double held = 0;
        for (int j = 0; j < ak->legs; j++) {
            const vr_position *q = &b.pos[s0 + j];
            const double tau = q->inst.t_exp - m.t, K = q->inst.strike;
            const double xs[VR_FACTORS_MAX] = {v[1], 0};
            double direct = 0;
            if (ak->inst == VR_INST_SPX_OPTION) {
                assert_true(fmod(K, 5.0) == 0.0);
                assert_int_equal(ops->spx_european(&md.pricing, S[1], md.rate, md.dividend, xs, K, tau, 0, &direct, &err), VR_OK);
                assert_true(fabs(q->mark.price - direct) <= 5e-4 * q->mark.vega + 1e-9 * S[1]);
            } else if (ak->inst == VR_INST_VIX_OPTION) {
                assert_true(fmod(K, 1.0) == 0.0);
                assert_int_equal(ops->vix_option(&md.pricing, xs, tau, K, md.rate, 1, &direct, &err), VR_OK);
                assert_true(fabs(q->mark.price - direct) <= fmax(0.005, 0.005 * direct));
            } else {
                assert_int_equal(ops->vix_future(&md.pricing, xs, tau, &direct, &err), VR_OK);
                assert_true(fabs(q->mark.price - direct) <= fmax(0.005, 0.005 * direct));
                assert_true(q->basis == q->entry); /* margined: worth its move since entry */
            }
            printf("%-16s leg %d: K %6g mark %9.4f direct %9.4f\n", ak->name, j, K, q->mark.price, direct);
            held += m.disc * q->sign * (q->mark.price - q->basis) * vr_inst_kind_get(q->inst.kind)->multiplier * q->qty;
        }
        assert_true(b.cash == cash); /* held, nothing traded on day 1 (max_open 1) */
        const double pnl_condor = b.last_pnl - cash - held;
        /* the condor's part: minus its discounted mark */
        double cv = 0;
        for (int i = 0; i < 4; i++)
            cv += b.pos[i].sign * b.pos[i].mark.price;
        assert_true(fabs(pnl_condor - m.disc * cv * 100 * b.qty) < 1e-6);
    }
    /* the SPX put picked by delta: the grid strike nearest to 5 delta */
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 1;
    p.layers[0] = hold_layer(VR_ACTION_SPX_PUT);
    vr_book b;
    vr_mkt m;
    const double S[1] = {5000}, v[1] = {0.03};
    run_path(&b, &p, S, v, 0, &m);
    const vr_position *q = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    const double tau = q->inst.t_exp, K = q->inst.strike;
    const double d0 = fabs(spx(5000, 0.03, K, tau, -1).delta - 0.0) - 0.05;
    assert_true(fabs(d0) <= fabs(fabs(spx(5000, 0.03, K + 5, tau, -1).delta) - 0.05));
    assert_true(fabs(d0) <= fabs(fabs(spx(5000, 0.03, K - 5, tau, -1).delta) - 0.05));
}

/* Run policy p over n days of (S, v) with the evaluator's batch marks. */
static void run_batched(vr_book *b, const vr_policy *p, const double *S, const double *v, int n, vr_mkt *m)
{
    vr_book_init(b, p);
    vr_mkt_init(m, S[0], &v[0], mk_heston);
    vr_book_day(b, p, m, mk_heston, 0);
    for (int d = 1; d < n; d++) {
        vr_mkt_update(m, d, d / 252.0, S[d], &v[d], mk_heston);
        batch_mark(b, m);
        vr_book_day(b, p, m, mk_heston, d == n - 1);
    }
}

static int open_structures(const vr_book *b, int l)
{
    int n = 0;
    for (int j = 0; j < b->nopen[l]; j++)
        n += b->pos[b->slot0[l] + j * b->legs[l]].open;
    return n;
}

/* max_open: a ladder of up to 3 put spreads, one every 2 days; the default (1) holds one. */
static void test_ladder(void **state)
{
    (void)state;
    double S[10], v[10];
    for (int d = 0; d < 10; d++) { S[d] = 5000; v[d] = 0.03; }
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 1;
    p.layers[0] = hold_layer(VR_ACTION_SPX_PUT_SPREAD);
    vr_book b;
    vr_mkt m;
    run_batched(&b, &p, S, v, 10, &m);
    assert_int_equal(open_structures(&b, 0), 1);
    assert_int_equal(b.act[0], 1);
    p.layers[0].action.max_open = 3;
    p.layers[0].action.ladder_days = 2;
    run_batched(&b, &p, S, v, 10, &m);
    printf("ladder: %d structures open, %d activations, last opening day %d\n", open_structures(&b, 0), b.act[0],
           b.ls[0].last_open);
    assert_int_equal(open_structures(&b, 0), 3);
    assert_int_equal(b.act[0], 3);
    assert_int_equal(b.ls[0].last_open, 4); /* days 0, 2, 4 */
    assert_int_equal(vr_book_max_pos(&p), 4 + 6);
}

/* A spread's short leg needs a bid: at spot 100 the 2-delta put of a 30-day 5/2-delta put spread
 * has a mid of a few cents, below the 0.05 half-spread, and selling it paid to take on its risk.
 * The spread is not bought then (counted with the days sized to 0); at spot 5000, where the same
 * leg is worth points, it is. */
static void test_spread_short_needs_bid(void **state)
{
    (void)state;
    vr_policy p = vr_test_condor_policy(1); /* half-spread 0.05, commission 0.65 */
    p.nlayers = 1;
    p.layers[0] = hold_layer(VR_ACTION_SPX_PUT_SPREAD);
    vr_book b;
    vr_mkt m;
    const double S1[1] = {100}, S2[1] = {5000}, v[1] = {0.03};
    run_path(&b, &p, S1, v, 0, &m);
    const vr_position *lo = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    printf("put spread at spot 100: %d open, %d activations, %d days sized to 0 (%g/%g, mids %.4f/%.4f)\n",
           lo->open, b.act[0], b.sized_zero[0], lo->inst.strike, lo[1].inst.strike, lo->mark.price, lo[1].mark.price);
    assert_int_equal(lo->open, 0);
    assert_int_equal(b.act[0], 0);
    assert_int_equal(b.sized_zero[0], 1);
    /* the leg it would have sold: its bid below the commission */
    const double tau = 21.0 / 252;
    vr_mark sh = spx(100, 0.03, 85, tau, -1);
    assert_true((sh.price - p.condor.half_spread) * 100 - p.condor.commission <= 0);
    run_path(&b, &p, S2, v, 0, &m);
    lo = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    printf("put spread at spot 5000: %d open, strikes %g/%g, short mid %.3f\n", lo->open, lo->inst.strike,
           lo[1].inst.strike, lo[1].mark.price);
    assert_int_equal(lo->open, 1);
    assert_int_equal(b.sized_zero[0], 0);
    assert_true((lo[1].mark.price - p.condor.half_spread) * 100 - p.condor.commission > 0);
}

/* The condor's vega per unit at its legs' marks (signed: short legs count negative). */
static double condor_vega(const vr_book *b)
{
    double vega = 0;
    for (int i = 0; i < VR_CONDOR_LEGS; i++)
        vega += b->pos[i].sign * b->pos[i].mark.vega;
    return vega;
}

/* The test condor with one roll_tested layer acting every day, rolling to `to` (< 0: the condor's
 * own short_delta). */
static vr_policy roll_every_day(double to)
{
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 1;
    p.layers[0] = hold_layer(VR_ACTION_ROLL_TESTED);
    p.layers[0].action.roll_to_delta = to < 0 ? p.condor.short_delta : to;
    return p;
}

/* Days 0 and 1 of path S, v under p into b; the condor's strikes then into k. */
static void opening_strikes(vr_book *b, const vr_policy *p, const double *S, const double *v, vr_mkt *m,
                            double k[4])
{
    run_path(b, p, S, v, 1, m);
    for (int i = 0; i < 4; i++)
        k[i] = K(*b, i);
}

/* A roll_tested layer whose trigger is not the short's delta (here: every day) with roll_to_delta
 * at the condor's own short_delta: the strikes it would roll to are the ones held, so it does not
 * trade (no activation, no costs: day 0, the day it opens, is the one that acts, the last day
 * never does); once SPX has moved, it rolls. (It closed and reopened the same
 * two legs every day, paying the spreads and commissions each time.) */
static void test_roll_to_same_strikes(void **state)
{
    (void)state;
    vr_policy p = roll_every_day(-1);
    double S[4] = {5000, 5000, 5060, 5060}, v[4] = {0.03, 0.03, 0.03, 0.03};
    vr_book b;
    vr_mkt m;
    double k[4];
    opening_strikes(&b, &p, S, v, &m, k);
    printf("roll to the strikes held: %d activations, costs %.2f\n", b.act[0], b.costs);
    assert_int_equal(b.act[0], 0);
    assert_true(b.attr[1] == 0);
    run_path(&b, &p, S, v, 3, &m); /* SPX 1.2% higher on day 2: the call side rolls out (the
                                       last day, 3, acts on nothing) */
    printf("after SPX +1.2%%: open %d, %d activations, calls %g/%g (were %g/%g)\n", b.open, b.act[0], K(b, 2), K(b, 3), k[2], k[3]);
    assert_int_equal(b.act[0], 1);
    assert_true(K(b, 2) > k[2] && K(b, 0) == k[0] && K(b, 1) == k[1]);
}

/* A roll_tested layer whose trigger is not the short's delta (every day) with roll_to_delta above
 * the condor's short_delta (0.30 against 0.16): rolling the tested short to 30 delta would move it
 * toward the money, adding risk on a defensive rule, so it does not trade (no activation, no
 * costs) while the shorts sit near 16 delta; after SPX rises 5% the call short is near the money
 * and the roll takes it out to 30 delta, above its old strike. (It rolled inward on day 0.) */
static void test_roll_never_inward(void **state)
{
    (void)state;
    vr_policy p = roll_every_day(0.30);
    p.condor.roll_delta = 0; /* the layer alone rolls */
    double S[4] = {5000, 5000, 5250, 5250}, v[4] = {0.03, 0.03, 0.03, 0.03};
    vr_book b;
    vr_mkt m;
    double k[4];
    opening_strikes(&b, &p, S, v, &m, k);
    printf("roll to 30 delta from 16: %d activations, costs %.2f, strikes %g/%g %g/%g\n", b.act[0], b.costs,
           k[0], k[1], k[2], k[3]);
    assert_int_equal(b.act[0], 0);
    assert_true(b.attr[1] == 0);
    run_path(&b, &p, S, v, 3, &m);
    printf("after SPX +5%%: %d activations, calls %g/%g (were %g/%g), puts %g/%g\n", b.act[0], K(b, 2), K(b, 3),
           k[2], k[3], K(b, 0), K(b, 1));
    assert_int_equal(b.act[0], 1);
    assert_true(K(b, 2) > k[2] && K(b, 2) > 5250 && K(b, 0) == k[0] && K(b, 1) == k[1]);
}

/* Day 0 of policy p at (S0, v0) into b, its trades logged into lg. */
static void open_logged(vr_book *b, const vr_policy *p, vr_trade_log *lg, vr_mkt *m, double S0, double v0)
{
    vr_book_init(b, p);
    b->log = lg;
    vr_mkt_init(m, S0, &v0, mk_heston);
    vr_book_day(b, p, m, mk_heston, 0);
}

/* Trades of the log lg whose reason is `reason`, long SPX legs of quantity 0 (abandoned), counted. */
static int abandoned_legs(const vr_trade_log *lg, const char *reason)
{
    int n = 0;
    for (size_t i = 0; i < lg->n; i++)
        n += strcmp(lg->rec[i].reason, reason) == 0 && lg->rec[i].qty == 0 && lg->rec[i].cash == 0;
    return n;
}

/* A worthless wing is abandoned when the condor closes: wings 1000 points away on a flat path; at
 * exit_dte (21 days) a wing whose bid (mid less the 0.05 half-spread) times $100 does not cover the
 * $0.65 commission is not sold (it was sold at a negative price, paying to dump it): the wings'
 * fate comes from marks computed here, the cash and the costs from the legs that trade. */
static void test_worthless_wing_abandoned(void **state)
{
    (void)state;
    vr_policy p = vr_test_condor_policy(1);
    p.condor.wing_width = 1000;
    p.condor.profit_take = 0;
    p.condor.stop_loss = 0;
    p.condor.roll_delta = 0;
    p.condor.reentry_days = 1000; /* one condor */
    double S[40], v[40];
    for (int d = 0; d < 40; d++) { S[d] = 5000; v[d] = 0.03; }
    vr_trade_log lg = {0};
    vr_book b;
    vr_mkt m;
    open_logged(&b, &p, &lg, &m, S[0], v[0]);
    const double k[4] = {K(b, 0), K(b, 1), K(b, 2), K(b, 3)}, texp = T_EXP(b), cash0 = b.cash, costs0 = b.costs;
    int d = 1;
    for (; d < 40; d++) {
        vr_mkt_update(&m, d, d / 252.0, S[d], &v[d], mk_heston);
        vr_book_day(&b, &p, &m, mk_heston, 0);
        if (!b.open)
            break;
    }
    assert_true(d < 40 && !b.open);
    const double tau = texp - d / 252.0, disc = m.disc;
    assert_true(tau * 365 <= 21 + 1e-9);
    double px[4];
    for (int i = 0; i < 4; i++)
        px[i] = spx(5000, 0.03, k[i], tau, i < 2 ? -1 : +1).price;
    const int gone_put = (px[0] - 0.05) * 100 - 0.65 < 0, gone_call = (px[3] - 0.05) * 100 - 0.65 < 0;
    const int legs = 4 - gone_put - gone_call;
    const double paid = px[1] + px[2] - (gone_put ? 0 : px[0]) - (gone_call ? 0 : px[3]);
    const double want = cash0 - disc * ((paid + legs * 0.05) * 100 * 10 + legs * 0.65 * 10);
    printf("wings %g/%g at exit_dte (day %d): mids %.4f/%.4f, abandoned put %d call %d; cash %.4f (want %.4f), "
           "costs %.4f\n", k[0], k[3], d, px[0], px[3], gone_put, gone_call, b.cash, want, b.costs - costs0);
    assert_true(gone_call); /* the far call wing of this model is worth under a cent */
    assert_true(fabs(b.cash - want) < 1e-6);
    assert_true(fabs((b.costs - costs0) - disc * legs * (0.05 * 100 + 0.65) * 10) < 1e-9);
    assert_int_equal(abandoned_legs(&lg, "abandoned:exit_dte"), gone_put + gone_call);
    free(lg.rec);
}

/* The same for a roll: a roll_tested layer taking the tested short from 16 to 3 delta on the
 * opening day, wings 1000 points away: the old wing is abandoned, so the roll trades 3 legs (the
 * short bought back, the new short and wing), not 4; every leg costs 0.05 x $100 + $0.65 a
 * contract on day 0 (no discount). */
static void test_roll_abandons_worthless_wing(void **state)
{
    (void)state;
    vr_policy p = roll_every_day(0.03);
    p.condor.roll_delta = 0;
    p.condor.wing_width = 1000;
    p.condor.commission = 0.65;
    p.condor.half_spread = 0.05;
    const double S[1] = {5000}, v[1] = {0.03};
    vr_trade_log lg = {0};
    vr_book b;
    vr_mkt m;
    open_logged(&b, &p, &lg, &m, S[0], v[0]);
    const int gone = abandoned_legs(&lg, "abandoned:always");
    int traded = 0;
    for (size_t i = 0; i < lg.n; i++)
        traded += lg.rec[i].qty != 0;
    printf("roll to 3 delta with 1000-point wings: %d activations, %zu log records (%d abandoned), costs %.2f, "
           "strikes %g/%g %g/%g\n", b.act[0], lg.n, gone, b.costs, K(b, 0), K(b, 1), K(b, 2), K(b, 3));
    assert_int_equal(b.act[0], 1);
    assert_int_equal(gone, 1);
    assert_int_equal(traded, 4 + 3);
    assert_true(fabs(b.costs - 7 * (0.05 * 100 + 0.65) * 10) < 1e-9);
    free(lg.rec);
}

/* Sizing of a put spread by its payoff at an SPX drop, and of SPX puts and VIX calls by vega: the
 * size reproduces the target within half a contract. */
static void test_sizing_kinds(void **state)
{
    (void)state;
    const double S[1] = {5000}, v[1] = {0.03};
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 1;
    p.layers[0] = hold_layer(VR_ACTION_SPX_PUT_SPREAD);
    p.layers[0].action.delta = 0.10;
    p.layers[0].action.short_delta = 0.03;
    p.layers[0].action.size_by = VR_SIZE_PCT_MAX_LOSS_DROP;
    p.layers[0].action.size = 2;
    p.layers[0].action.spx_drop = 15;
    vr_book b;
    vr_mkt m;
    run_path(&b, &p, S, v, 0, &m);
    const vr_position *lo = &b.pos[vr_book_layer_slot(&b, 0, 0)], *sh = lo + 1;
    const double u = 5000 * 0.85;
    const double pay = (fmax(lo->inst.strike - u, 0) - fmax(sh->inst.strike - u, 0)) * 100;
    const double maxloss = (50 - b.credit) * 100 * b.qty;
    printf("size at drop: %g spreads %g/%g, payoff each %.0f, target %.0f\n", lo->qty, lo->inst.strike,
           sh->inst.strike, pay, 2 * maxloss);
    assert_true(lo->qty >= 2 && fabs(lo->qty * pay - 2 * maxloss) <= 0.5 * pay + 1e-9);
    /* a put whose strike lies just beyond the drop (4500 against SPX 10.05% lower, 4497.5) pays 2.5
     * points there, far less than its premium: it covers nothing and is not bought (sized by the
     * payoff alone it took 2 x the max loss / 250 USD, hundreds of puts) */
    p.layers[0] = hold_layer(VR_ACTION_SPX_PUT);
    p.layers[0].action.delta = NAN;
    p.layers[0].action.strike_pct = 0.90;
    p.layers[0].action.size_by = VR_SIZE_PCT_MAX_LOSS_DROP;
    p.layers[0].action.size = 2;
    p.layers[0].action.spx_drop = 10.05;
    run_path(&b, &p, S, v, 0, &m);
    const vr_position *near = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    printf("size at drop, strike at the stress level: %d open, %d activations\n", near->open, b.act[0]);
    assert_int_equal(near->open, 0);
    assert_int_equal(b.act[0], 0);
    /* 2% lower (a strike of 4500 against SPX 15% lower) the same put pays 250 points: bought */
    p.layers[0].action.spx_drop = 15;
    run_path(&b, &p, S, v, 0, &m);
    assert_int_equal(near->open, 1);
    assert_true(near->qty >= 1 && near->inst.strike == 4500);
    /* vega: puts whose vega is 30% of the condor's */
    p.layers[0] = hold_layer(VR_ACTION_SPX_PUT);
    p.layers[0].action.delta = 0.20;
    p.layers[0].action.size_by = VR_SIZE_PCT_VEGA;
    p.layers[0].action.size = 1.0;
    run_path(&b, &p, S, v, 0, &m);
    const vr_position *q = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    const double want = 1.0 * fabs(condor_vega(&b)) * b.qty, each = q->mark.vega;
    printf("size by vega: %g puts of vega %.2f, target %.2f\n", q->qty, each, want);
    assert_true(q->qty >= 2 && fabs(q->qty * each - want) <= 0.5 * each + 1e-9);
    /* a put with almost no vega (8% in the money, a week to expiry) reaches the share only with
     * about a thousand puts, a premium of tens of millions against the condor's max loss of a few
     * thousand USD: not bought (a user's 20% in-the-money puts took 448,294 of them) */
    p.layers[0] = hold_layer(VR_ACTION_SPX_PUT);
    p.layers[0].action.delta = NAN;
    p.layers[0].action.strike_pct = 1.08;
    p.layers[0].action.dte = 7;
    p.layers[0].action.size_by = VR_SIZE_PCT_VEGA;
    p.layers[0].action.size = 0.5;
    run_path(&b, &p, S, v, 0, &m);
    q = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    printf("size by vega, a put 8%% in the money: %d open, %d activations\n", q->open, b.act[0]);
    assert_int_equal(q->open, 0);
    assert_int_equal(b.act[0], 0);
    /* vega of VIX calls: a call's USD per VIX point is its dC/dF (Black's delta at its implied vol)
     * x dF/dVIX (numerically along v) x 100; the purchase asks for the delta only for this rule */
    p.layers[0] = hold_layer(VR_ACTION_VIX_CALL);
    p.layers[0].action.delta = 0.30;
    p.layers[0].action.size_by = VR_SIZE_PCT_VEGA;
    p.layers[0].action.size = 0.5;
    run_path(&b, &p, S, v, 0, &m);
    q = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    assert_true(q->open);
    const double tau = q->inst.t_exp - m.t;
    const vr_instrument call = {VR_INST_VIX_OPTION, 1, q->inst.strike, tau};
    const vr_instrument fut = {VR_INST_VIX_FUTURE, 0, 0, tau};
    const vr_state st = {0, S[0], {v[0], 0}};
    const double dc_df = vr_pricing_mark(mk_heston, &call, &st, VR_MARK_VIX_DELTA).delta;
    const double h = fmax(1e-4, 0.05 * v[0]);
    const vr_state up = {0, S[0], {v[0] + h, 0}}, dn = {0, S[0], {v[0] - h, 0}};
    const double df_dvix =
        (vr_pricing_mark(mk_heston, &fut, &up, 0).price - vr_pricing_mark(mk_heston, &fut, &dn, 0).price) /
        (vr_pricing_vix(mk_heston, up.x) - vr_pricing_vix(mk_heston, dn.x));
    const double vwant = 0.5 * fabs(condor_vega(&b)) * b.qty, veach = dc_df * df_dvix * 100;
    printf("size by vega: %g VIX %g calls, delta %.3f, dF/dVIX %.3f, USD %.2f each, target %.2f\n", q->qty,
           q->inst.strike, dc_df, df_dvix, veach, vwant);
    assert_true(dc_df > 0.2 && dc_df < 0.4 && df_dvix > 0 && df_dvix < 1);
    assert_true(q->qty >= 2 && fabs(q->qty * veach - vwant) <= 0.5 * veach + 1e-9);
    /* a VIX future sized by its payoff at stress_vix: a future's payoff is net of its price and it
     * costs its half-spread, so a stress level half a half-spread above the future's price covers
     * nothing and is not bought (the guard left futures out: one 0.02 above took 174 futures in a
     * 2020 replay); ten half-spreads above, it is bought */
    const double F = vr_pricing_mark(mk_heston, &fut, &st, 0).price;
    p.condor.vix_half_spread = 0.05; /* (this policy trades without costs so far) */
    const double hs = p.condor.vix_half_spread + p.condor.vix_half_spread_vix * vr_pricing_vix(mk_heston, st.x);
    assert_true(hs > 0);
    p.layers[0] = hold_layer(VR_ACTION_VIX_FUTURE);
    p.layers[0].action.delta = NAN;
    p.layers[0].action.size_by = VR_SIZE_PCT_MAX_LOSS;
    p.layers[0].action.size = 0.1;
    p.layers[0].action.stress_vix = F + 0.5 * hs;
    run_path(&b, &p, S, v, 0, &m);
    q = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    printf("a future at F %.4f, half-spread %.4f, stress %.4f: %d open, %d activations\n", F, hs,
           p.layers[0].action.stress_vix, q->open, b.act[0]);
    assert_int_equal(q->open, 0);
    assert_int_equal(b.act[0], 0);
    p.layers[0].action.stress_vix = F + 10 * hs;
    run_path(&b, &p, S, v, 0, &m);
    assert_int_equal(q->open, 1);
    assert_true(q->inst.t_exp == tau);
    const double nwant = q->qty;
    assert_int_equal(b.sized_capped[0], 0); /* (no cap set) */
    /* size.max_contracts caps the count, and the book counts the purchase it cut; a cap above the
     * rule's count changes nothing */
    assert_true(nwant >= 3);
    p.layers[0].action.max_contracts = (int)nwant - 1;
    run_path(&b, &p, S, v, 0, &m);
    printf("pct_of_max_loss at stress %.4f: %g futures; capped at %d: %g (%d cut)\n", p.layers[0].action.stress_vix,
           nwant, p.layers[0].action.max_contracts, q->qty, b.sized_capped[0]);
    assert_int_equal(q->open, 1);
    assert_true(q->qty == nwant - 1);
    assert_int_equal(b.sized_capped[0], 1);
    p.layers[0].action.max_contracts = (int)nwant;
    run_path(&b, &p, S, v, 0, &m);
    assert_true(q->qty == nwant);
    assert_int_equal(b.sized_capped[0], 0);
}

/* Wing width by percent of spot and by delta: at SPX 1000 and 5000 a 1% wing is 10 and 50 points;
 * a 5-delta wing lies at the grid strike nearest 5 delta. The default (points) is unchanged. */
static void test_wing_rules(void **state)
{
    (void)state;
    vr_policy p = vr_test_condor_policy(0);
    p.condor.wing_pct = 1.0;
    vr_book b;
    vr_mkt m;
    const double S1[1] = {5000}, v[1] = {0.03};
    run_path(&b, &p, S1, v, 0, &m);
    assert_true(K(b, 1) - K(b, 0) == 50 && K(b, 3) - K(b, 2) == 50);
    const double S2[1] = {1000};
    run_path(&b, &p, S2, v, 0, &m);
    assert_true(K(b, 1) - K(b, 0) == 10 && K(b, 3) - K(b, 2) == 10);
    p.condor.wing_pct = 0;
    p.condor.wing_delta = 0.05;
    run_path(&b, &p, S1, v, 0, &m);
    const double tau = T_EXP(b);
    printf("5-delta wings: %g/%g %g/%g\n", K(b, 0), K(b, 1), K(b, 2), K(b, 3));
    const double dp = fabs(fabs(spx(5000, 0.03, K(b, 0), tau, -1).delta) - 0.05);
    assert_true(dp <= fabs(fabs(spx(5000, 0.03, K(b, 0) + 5, tau, -1).delta) - 0.05));
    assert_true(dp <= fabs(fabs(spx(5000, 0.03, K(b, 0) - 5, tau, -1).delta) - 0.05));
    assert_true(K(b, 1) - K(b, 0) != 50);
}

/* half_spread {base, per_vix_point}: entry cash is lower by 4 legs x per_vix_point x VIX x $100 x
 * condors; per_vix_point 0 is the scalar form, bit for bit. */
static void test_half_spread_by_vix(void **state)
{
    (void)state;
    const double S[1] = {5000}, v[1] = {0.03};
    vr_policy p = vr_test_condor_policy(1);
    vr_book b0, b1, b2;
    vr_mkt m;
    run_path(&b0, &p, S, v, 0, &m);
    p.condor.half_spread_vix = 0;
    run_path(&b1, &p, S, v, 0, &m);
    assert_true(b0.cash == b1.cash);
    p.condor.half_spread_vix = 0.01;
    run_path(&b2, &p, S, v, 0, &m);
    printf("half-spread 0.05 + 0.01 x VIX %.2f: entry cash %.2f vs %.2f\n", m.vix, b2.cash, b0.cash);
    assert_true(fabs((b0.cash - b2.cash) - 4 * 0.01 * m.vix * 100 * 10) < 1e-6);
}

/* cooldown_after: a routine DTE exit at a loss starts the cooldown under `any` (the layer waits 5
 * days), not under `profit` (it buys again the same day). */
static void test_cooldown_after_profit(void **state)
{
    (void)state;
    double S[12], v[12];
    for (int d = 0; d < 12; d++) { S[d] = 5000; v[d] = 0.04; }
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 1;
    p.layers[0] = vr_test_vix_layer(15, 0.25, 0.15);
    p.layers[0].exit.profit_multiple = NAN;
    p.layers[0].exit.dte = 26; /* a 30-DTE call (21 trading days) is sold on its 4th day, at a loss */
    vr_book b;
    vr_mkt m;
    run_batched(&b, &p, S, v, 12, &m);
    const int any = b.act[0];
    p.layers[0].trigger.cooldown_after = VR_COOLDOWN_PROFIT;
    run_batched(&b, &p, S, v, 12, &m);
    printf("cooldown after any: %d activations; after profit: %d\n", any, b.act[0]);
    assert_int_equal(any, 2);      /* days 0 and 9 (sold on day 4, 5 days of cooldown) */
    assert_int_equal(b.act[0], 3); /* days 0, 4, 8: bought again on the day of each sale */
}

/* previous_fired_within: spike1 is sold on the spike day (vix_above), so spike2, requiring an
 * active spike1, never fires; "spike1 fired within 5 days" lets it fire. */
static void test_previous_fired_within(void **state)
{
    (void)state;
    const double S[6] = {5000, 4950, 4900, 4800, 4800, 4800}, v[6] = {0.03, 0.06, 0.07, 0.12, 0.12, 0.12};
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 2;
    p.layers[0] = vr_test_vix_layer(22, 0.25, 0.15);
    p.layers[0].exit.vix_above = 30;
    p.layers[1] = vr_test_vix_layer(30, 0.12, 0.25);
    p.layers[1].trigger.requires_previous = 1;
    vr_book b;
    vr_mkt m;
    run_batched(&b, &p, S, v, 6, &m);
    printf("spike: layer 1 %d activations (first day %d), layer 2 %d with requires_previous\n", b.act[0], b.first[0],
           b.act[1]);
    assert_int_equal(b.act[0], 1);
    assert_int_equal(b.act[1], 0);
    p.layers[1].trigger.requires_previous = 0;
    p.layers[1].trigger.previous_within = 5;
    run_batched(&b, &p, S, v, 6, &m);
    printf("spike: layer 2 %d activations with previous_fired_within 5 (day %d)\n", b.act[1], b.first[1]);
    assert_int_equal(b.act[1], 1);
    p.layers[1].trigger.previous_within = 1; /* spike1 fired on day 1, VIX >= 30 first on day 3 */
    run_batched(&b, &p, S, v, 6, &m);
    assert_int_equal(b.act[1], 0);
}

/* A roll that pays to move the tested side lowers the net credit; the stop and the profit take stay
 * multiples of the credit collected at entry. A rally rolls the call side on day 3 (net credit 13.2
 * -> 1.8) and again on day 6 (-> -9.4); the condor must keep running while its loss since entry
 * (rolls' cash included) stays below stop_loss x the entry credit, and close by the stop on the
 * first day it does not (day 9). With the stop a multiple of the net credit it was stopped on day
 * 4, the day after the first roll. */
static void test_roll_keeps_entry_credit(void **state)
{
    (void)state;
    vr_policy p = vr_test_condor_policy(0);
    p.condor.reentry_days = 1000; /* one condor */
    double S[16], v[16];
    for (int d = 0; d < 16; d++) { S[d] = 5000 * (1 + 0.008 * (d < 10 ? d : 9)); v[d] = 0.02; }
    vr_book b;
    vr_mkt m;
    vr_book_init(&b, &p);
    vr_mkt_init(&m, S[0], &v[0], mk_heston);
    vr_book_day(&b, &p, &m, mk_heston, 0);
    const double credit0 = b.credit, call0 = K(b, 2);
    int roll_day = -1, shut_day = -1;
    for (int d = 1; d < 16 && shut_day < 0; d++) {
        vr_mkt_update(&m, d, d / 252.0, S[d], &v[d], mk_heston);
        const double credit_before = b.credit;
        vr_book_day(&b, &p, &m, mk_heston, 0);
        if (roll_day < 0 && b.open && K(b, 2) != call0)
            roll_day = d;
        if (!b.open) {
            shut_day = d;
            /* closed by the stop: the day's loss since entry reached 2x the entry credit */
            const double tau = T_EXP(b) - d / 252.0, st = S[d];
            const double val = spx(st, 0.02, K(b, 1), tau, -1).price + spx(st, 0.02, K(b, 2), tau, 1).price -
                               spx(st, 0.02, K(b, 0), tau, -1).price - spx(st, 0.02, K(b, 3), tau, 1).price;
            printf("roll: closed on day %d at loss %.3f (2 x entry credit %.3f, net credit %.3f)\n", d,
                   val - credit_before, 2 * credit0, credit_before);
            assert_true(val - credit_before >= 2 * credit0 - 1e-9);
        } else {
            assert_true(b.value - b.credit < 2 * credit0); /* open: below the stop */
        }
    }
    printf("roll: entry credit %.3f, rolled on day %d, net credit after %.3f, condor open %d (day %d)\n",
           credit0, roll_day, b.credit, b.open, shut_day);
    assert_true(roll_day > 0);
    assert_true(b.credit0 == credit0);
    assert_true(b.credit < 0.5 * credit0); /* a roll that cost more than half the credit */
    assert_true(shut_day < 0 || shut_day > roll_day + 1);
}

/* exit.vix_above: a layer whose trigger holds above its own take-profit level does not buy (it
 * would sell the next day); below it, it buys. exit.vix_below counts the purchase day: bought at a
 * VIX above the level, it is sold on the first day back below. */
static void test_vix_exits_at_purchase(void **state)
{
    (void)state;
    /* v 0.02 -> VIX about 15; 0.09 -> 29.1; 0.05 -> 22.0; 0.03 -> about 18 */
    const double S[6] = {5000, 5000, 5000, 5000, 5000, 5000}, v[6] = {0.02, 0.09, 0.09, 0.05, 0.05, 0.05};
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 1;
    p.layers[0] = vr_test_vix_layer(20, 0.25, 0.15);
    p.layers[0].trigger.cooldown_days = 0;
    p.layers[0].exit.vix_above = 28;
    vr_book b;
    vr_mkt m;
    run_batched(&b, &p, S, v, 6, &m);
    vr_mkt_init(&m, S[1], &v[1], mk_heston);
    const double vix_hi = m.vix;
    vr_mkt_init(&m, S[3], &v[3], mk_heston);
    const double vix_mid = m.vix;
    printf("vix_above 28: VIX %.1f then %.1f: first purchase on day %d, %d purchases\n", vix_hi, vix_mid,
           b.first[0], b.act[0]);
    assert_true(vix_hi >= 28 && vix_mid >= 20 && vix_mid < 28);
    assert_int_equal(b.first[0], 3); /* not on days 1-2 (VIX above 28), on day 3 */
    assert_int_equal(b.act[0], 1);

    const double v2[6] = {0.02, 0.05, 0.03, 0.03, 0.03, 0.03};
    p.layers[0].exit.vix_above = NAN;
    p.layers[0].exit.vix_below = 20;
    p.layers[0].exit.dte = NAN;
    p.layers[0].exit.profit_multiple = NAN;
    p.layers[0].trigger.cooldown_days = 5;
    vr_book_init(&b, &p);
    vr_mkt_init(&m, S[0], &v2[0], mk_heston);
    vr_book_day(&b, &p, &m, mk_heston, 0);
    int sold = -1;
    for (int d = 1; d < 6; d++) {
        vr_mkt_update(&m, d, d / 252.0, S[d], &v2[d], mk_heston);
        batch_mark(&b, &m);
        vr_book_day(&b, &p, &m, mk_heston, 0);
        if (sold < 0 && b.first[0] >= 0 && !HEDGE(b).open)
            sold = d;
    }
    printf("vix_below 20: bought on day %d, sold on day %d\n", b.first[0], sold);
    assert_int_equal(b.first[0], 1);
    assert_int_equal(sold, 2); /* the VIX fell below 20 the day after the purchase */
}

/* exit.with_condor sells the hedge on the day the condor closes, also when a new condor opens the
 * same day (reentry_days 0). */
static void test_with_condor_same_day_reentry(void **state)
{
    (void)state;
    double S[40], v[40];
    for (int d = 0; d < 40; d++) { S[d] = 5000; v[d] = 0.03; }
    vr_policy p = vr_test_condor_policy(0);
    p.condor.reentry_days = 0;
    p.nlayers = 1;
    p.layers[0] = vr_test_vix_layer(0, 0.25, 0.15);
    p.layers[0].trigger.vix_level = NAN;
    p.layers[0].trigger.always = 1;
    p.layers[0].trigger.cooldown_days = 0;
    p.layers[0].action.size_by = VR_SIZE_CONTRACTS;
    p.layers[0].action.size = 5;
    p.layers[0].action.dte = 60;
    p.layers[0].exit = (vr_exit){.profit_multiple = NAN, .vix_above = NAN, .vix_below = NAN, .dte = NAN,
                                 .with_condor = 1};
    vr_book b;
    vr_mkt m;
    vr_book_init(&b, &p);
    vr_mkt_init(&m, S[0], &v[0], mk_heston);
    vr_book_day(&b, &p, &m, mk_heston, 0);
    const double exp0 = HEDGE(b).inst.t_exp;
    int condor_closed = -1, hedge_new = -1;
    for (int d = 1; d < 40 && hedge_new < 0; d++) {
        vr_mkt_update(&m, d, d / 252.0, S[d], &v[d], mk_heston);
        batch_mark(&b, &m);
        const int trades = b.trades;
        vr_book_day(&b, &p, &m, mk_heston, 0);
        if (condor_closed < 0 && b.trades > trades)
            condor_closed = d; /* a new condor opened: the last one closed today */
        if (HEDGE(b).inst.t_exp != exp0)
            hedge_new = d;   /* the first hedge was sold and a new one bought */
    }
    printf("with_condor, reentry 0: condor rolled over on day %d, hedge replaced on day %d\n", condor_closed,
           hedge_new);
    assert_true(condor_closed > 0);
    assert_int_equal(hedge_new, condor_closed);
}

/* A VIX future bought at VIX ~29 and sold at a loss when the VIX falls back below 20: the loss is
 * a negative proceed (hedge_proceeds: sales and settlements), not premium paid (hedge_cost: what
 * the openings paid, here the half-spread and commission of the purchase). */
static void test_future_loss_is_no_premium(void **state)
{
    (void)state;
    const double S[5] = {5000, 5000, 5000, 5000, 5000}, v[5] = {0.09, 0.09, 0.02, 0.02, 0.02};
    vr_policy p = vr_test_condor_policy(0.5);
    p.nlayers = 1;
    p.layers[0] = hold_layer(VR_ACTION_VIX_FUTURE);
    p.layers[0].trigger.always = 0;
    p.layers[0].trigger.vix_level = 25;
    p.layers[0].exit.vix_below = 20;
    vr_book b;
    vr_mkt m;
    run_batched(&b, &p, S, v, 5, &m);
    const vr_condor_rules *r = &p.condor;
    const double open_costs = p.layers[0].action.size * (r->vix_half_spread * 1000 + r->commission);
    printf("future: bought day %d, hedge cost %.2f (the purchase's costs %.2f), proceeds %.2f\n", b.first[0],
           b.hedge_paid, open_costs, b.hedge_recv);
    assert_int_equal(b.first[0], 0);
    assert_false(HEDGE(b).open);
    assert_true(fabs(b.hedge_paid - open_costs) < 1e-9 * open_costs); /* (day 0: no discounting) */
    assert_true(b.hedge_recv < -100); /* the loss, as a negative proceed */
}

/* Each trigger condition alone, then two together (any, all), on a hand-made path with a spike and
 * a drawdown: the layer's confirm count (the days in a row its trigger has held) must say, day by
 * day, what the test computes from the market view and the condor for that condition; and each
 * condition must both hold and fail on the path, so that a condition never asked, or asked of the
 * wrong inputs, fails here. */
enum { TC_VIX_LEVEL, TC_CHANGE_PCT, TC_CHANGE_PTS, TC_RSI, TC_TERM, TC_DD_PEAK, TC_DD_ENTRY,
       TC_CONDOR_LOSS, TC_SHORT_DELTA, TC_N };

static void trigger_set_one(vr_trigger *t, int c)
{
    switch (c) {
    case TC_VIX_LEVEL: t->vix_level = 25; break;
    case TC_CHANGE_PCT: t->vix_change_days = 5; t->vix_change_pct = 40; break;
    case TC_CHANGE_PTS: t->vix_change_days = 3; t->vix_change_pts = 8; break;
    case TC_RSI: t->rsi_days = 5; t->rsi_level = 70; break;
    case TC_TERM: t->term_ratio = 1.0; break;
    case TC_DD_PEAK: t->dd_pct = 5; t->dd_from_peak = 1; break;
    case TC_DD_ENTRY: t->dd_pct = 4; t->dd_from_peak = 0; break;
    case TC_CONDOR_LOSS: t->condor_loss_pct = 30; break;
    case TC_SHORT_DELTA: t->short_delta = 0.30; break;
    }
}

/* Condition c of t today, as the test reads it: vix[] the closes so far, rsi the test's own Wilder
 * RSI of them, the condor as the book holds it after the day (the hedge layer leaves it alone). */
static int trigger_expect(int c, const vr_trigger *t, const vr_book *b, const vr_mkt *m, const double *vix,
                          double rsi)
{
    const int d = m->day;
    switch (c) {
    case TC_VIX_LEVEL: return m->vix >= t->vix_level;
    case TC_CHANGE_PCT: {
        const double past = vix[d - ((int)t->vix_change_days < d ? (int)t->vix_change_days : d)];
        return past > 0 && (m->vix / past - 1) * 100 >= t->vix_change_pct;
    }
    case TC_CHANGE_PTS: {
        const double past = vix[d - ((int)t->vix_change_days < d ? (int)t->vix_change_days : d)];
        return m->vix - past >= t->vix_change_pts;
    }
    case TC_RSI: return d >= (int)t->rsi_days && rsi >= t->rsi_level;
    case TC_TERM: return m->vix3m > 0 && m->vix / m->vix3m >= t->term_ratio;
    case TC_DD_PEAK: return (1 - m->S / m->peak_S) * 100 >= t->dd_pct;
    case TC_DD_ENTRY: return (1 - m->S / (b->open ? b->entry_S : m->S)) * 100 >= t->dd_pct;
    case TC_CONDOR_LOSS: {
        if (!b->open)
            return 0;
        for (int i = 0; i < 4; i++)
            assert_int_equal(b->pos[i].mark_day, d);
        const double value =
            b->pos[1].mark.price + b->pos[2].mark.price - b->pos[0].mark.price - b->pos[3].mark.price;
        const double maxloss = fmax(K(*b, 1) - K(*b, 0), K(*b, 3) - K(*b, 2)) - b->credit;
        return maxloss > 0 && (value - b->credit) / maxloss * 100 >= t->condor_loss_pct;
    }
    case TC_SHORT_DELTA:
        return b->open && fmax(fabs(b->pos[1].mark.delta), fabs(b->pos[2].mark.delta)) >= t->short_delta;
    }
    return 0;
}

/* Run the path with layer 1's trigger setting the conditions in `conds` (n of them), any or all,
 * behind a layer 0 whose trigger never holds (VIX >= 1000: a condition asked of the wrong layer
 * shows); returns the days layer 1's trigger held. */
static int trigger_run(const int *conds, int n, int any, const double *S, const double *v, int days)
{
    vr_policy p = vr_test_condor_policy(0);
    p.condor.roll_delta = 0;
    p.nlayers = 2;
    p.layers[0] = vr_test_vix_layer(1000, 0.25, 0.15);
    p.layers[1] = vr_test_vix_layer(NAN, 0.25, 0.15);
    vr_trigger *t = &p.layers[1].trigger;
    t->any = any;
    t->cooldown_days = 1000; /* buys once at most: the calls leave the condor alone */
    for (int j = 0; j < n; j++)
        trigger_set_one(t, conds[j]);
    vr_book b;
    vr_mkt m;
    double vix[VR_VIX_HIST], gain = 0, loss = 0; /* the days' closes: days < VR_VIX_HIST */
    assert_true(days < VR_VIX_HIST);
    int held = 0;
    vr_book_init(&b, &p);
    for (int d = 0; d <= days; d++) {
        if (d == 0)
            vr_mkt_init(&m, S[0], &v[0], mk_heston);
        else
            vr_mkt_update(&m, d, d / 252.0, S[d], &v[d], mk_heston);
        vix[d] = m.vix;
        if (d > 0) { /* Wilder's averages of the VIX's daily moves, as the RSI condition defines them */
            const double ch = vix[d] - vix[d - 1], w = t->rsi_days;
            if (!isnan(w)) {
                gain = (gain * (w - 1) + (ch > 0 ? ch : 0)) / w;
                loss = (loss * (w - 1) + (ch < 0 ? -ch : 0)) / w;
            }
        }
        const double rsi = loss > 0 ? 100 - 100 / (1 + gain / loss) : (gain > 0 ? 100 : 50);
        vr_book_day(&b, &p, &m, mk_heston, 0);
        int want = any ? 0 : 1;
        for (int j = 0; j < n; j++) {
            const int h = trigger_expect(conds[j], t, &b, &m, vix, rsi);
            want = any ? (want || h) : (want && h);
        }
        assert_int_equal(b.ls[0].confirm, 0);
        if ((b.ls[1].confirm > 0) != want)
            fail_msg("day %d, conditions %d..%d (%s): the trigger %s, the test says %s", d, conds[0],
                     conds[n - 1], any ? "any" : "all", b.ls[1].confirm > 0 ? "held" : "did not hold",
                     want ? "it holds" : "it does not");
        held += want;
    }
    return held;
}

static void test_trigger_conditions(void **state)
{
    (void)state;
    /* calm 10 days, a slide of 2% a day with the variance rising, a crash on day 15 (variance 0.2,
     * VIX ~ 40), then a recovery of 1% a day with the variance decaying back */
    enum { DAYS = 39 };
    double S[DAYS + 1], v[DAYS + 1];
    for (int d = 0; d <= DAYS; d++) {
        S[d] = d < 10 ? 5000 : d < 15 ? S[d - 1] * 0.98 : d == 15 ? S[14] * 0.95 : S[d - 1] * 1.01;
        v[d] = d < 10 ? 0.02 : d < 15 ? 0.02 + 0.016 * (d - 9) : d == 15 ? 0.2 : fmax(0.02, v[d - 1] * 0.85);
    }
    for (int c = 0; c < TC_N; c++) {
        const int held = trigger_run(&c, 1, 1, S, v, DAYS);
        printf("trigger condition %d alone: held on %d of %d days\n", c, held, DAYS + 1);
        assert_true(held > 0 && held < DAYS + 1); /* both ways on this path */
    }
    const int a[2] = {TC_VIX_LEVEL, TC_TERM}, b[2] = {TC_CHANGE_PCT, TC_DD_PEAK};
    const int any = trigger_run(a, 2, 1, S, v, DAYS), all = trigger_run(b, 2, 0, S, v, DAYS);
    printf("vix_level or term_ratio: %d days; vix_change_pct and drawdown: %d days\n", any, all);
    assert_true(any > 0 && all > 0);
}

/* The trade log's reason lists the trigger conditions that held, joined by '+', in a field of 47
 * characters. Five or more at once do not fit: the list was cut mid-name ("...+drawdown+cond"),
 * which reads as a condition that does not exist. It now ends in one "+..." after the names that
 * fit; a list that fits is whole. */
static void test_reason_cut(void **state)
{
    (void)state;
    static const char *const names[] = {"vix_level", "vix_change_pct", "vix_change_pts", "rsi",
                                        "term_ratio", "drawdown", "condor_loss", "short_delta"};
    vr_book b;
    memset(&b, 0, sizeof b);
    for (size_t n = 1; n <= sizeof names / sizeof *names; n++) {
        b.why[0] = '\0';
        char full[256] = "";
        for (size_t j = 0; j < n; j++) {
            vr_book_why_append(&b, names[j]);
            snprintf(full + strlen(full), sizeof full - strlen(full), "%s%s", j ? "+" : "", names[j]);
        }
        printf("%zu conditions: '%s'\n", n, b.why);
        assert_true(strlen(b.why) < sizeof b.why);
        if (strlen(full) < sizeof b.why) {
            assert_string_equal(b.why, full);
            continue;
        }
        const size_t k = strlen(b.why);
        assert_true(k >= 4 && strcmp(b.why + k - 4, "+...") == 0);
        /* what comes before is the first names, whole */
        assert_true(strncmp(full, b.why, k - 4) == 0 && full[k - 4] == '+');
    }
}

/* partial: half of the calls are sold when their value first reaches 2x the premium; the rest is
 * held; without the rule nothing is sold. */
static void test_partial_monetisation(void **state)
{
    (void)state;
    const double S[6] = {5000, 5000, 4800, 4600, 4600, 4600}, v[6] = {0.04, 0.04, 0.10, 0.20, 0.20, 0.20};
    vr_policy p = vr_test_condor_policy(0);
    p.nlayers = 1;
    p.layers[0] = vr_test_vix_layer(19, 0.25, 0.15);
    p.layers[0].trigger.any = 1;
    p.layers[0].exit.profit_multiple = NAN;
    p.layers[0].exit.dte = NAN;
    p.layers[0].action.size_by = VR_SIZE_CONTRACTS;
    p.layers[0].action.size = 10;
    vr_book b;
    vr_mkt m;
    run_batched(&b, &p, S, v, 6, &m);
    const vr_position *q = &b.pos[vr_book_layer_slot(&b, 0, 0)];
    assert_true(q->open && q->qty == 10);
    const double recv0 = b.hedge_recv, paid0 = q->paid;
    p.layers[0].exit.partial_multiple = 2;
    p.layers[0].exit.partial_fraction = 0.5;
    run_batched(&b, &p, S, v, 6, &m);
    printf("partial: qty %g, proceeds %.0f (none without the rule: %.0f), premium left %.0f of %.0f\n", q->qty,
           b.hedge_recv, recv0, q->paid, paid0);
    assert_true(q->open && q->qty == 5 && q->partial);
    assert_true(recv0 == 0 && b.hedge_recv > paid0); /* 5 calls at >= 2x their premium */
    assert_true(fabs(q->paid - paid0 / 2) < 1e-9 * paid0);

    /* cooldown_after: profit judges the whole structure: the VIX falls back below 20 on day 6 and
     * vix_below sells the remaining 5 calls for less than their half of the premium, but with the
     * partial sale's proceeds the structure made money, so the cooldown starts (it did not while
     * the remainder was judged alone) */
    const double S2[9] = {5000, 5000, 4800, 4600, 4600, 4600, 4600, 4600, 4600},
                 v2[9] = {0.04, 0.04, 0.10, 0.20, 0.20, 0.20, 0.02, 0.02, 0.02};
    p.layers[0].exit.vix_below = 20;
    p.layers[0].trigger.cooldown_after = VR_COOLDOWN_PROFIT;
    run_batched(&b, &p, S2, v2, 9, &m);
    const double rest = b.hedge_recv - (q->partial_gain + paid0 / 2); /* the remainder's proceeds */
    printf("partial then vix_below: open %d, structure's gain %.0f, the remainder's %.0f, cooldown %d\n",
           q->open, b.hedge_recv - paid0, rest - paid0 / 2, b.ls[0].cooldown);
    assert_false(q->open);
    assert_true(b.hedge_recv > paid0); /* the structure made money */
    assert_true(rest < paid0 / 2);     /* its remainder sold at a loss */
    assert_int_equal(b.ls[0].cooldown, 5 - 2);               /* sold on day 6, two days counted down */
}

/* ---- the martingale test ---- */

static void martingale(vr_model m, const char *label, int instruments)
{
    vr_policy pol[4];
    pol[0] = vr_test_condor_policy(0);
    snprintf(pol[0].name, sizeof pol[0].name, "condor-managed");
    pol[1] = vr_test_condor_policy(0);
    snprintf(pol[1].name, sizeof pol[1].name, "condor-hold");
    pol[1].condor.profit_take = 0;
    pol[1].condor.stop_loss = 0;
    pol[1].condor.exit_dte = 0;
    pol[1].condor.roll_delta = 0;
    pol[1].condor.dte = 45; /* held to expiry: settles on S at expiry */
    pol[1].condor.short_delta = 0.16;
    pol[2] = vr_test_condor_policy(0);
    snprintf(pol[2].name, sizeof pol[2].name, "hedged");
    pol[2].nlayers = 2;
    pol[2].layers[0] = vr_test_vix_layer(18, 0.3, 0.15);
    pol[2].layers[1] = vr_test_vix_layer(22, 0.12, 0.25);
    pol[2].layers[1].trigger.requires_previous = 1;
    /* layer 2's calls are held to expiry and settle on the VIX from the state */
    pol[2].layers[1].exit.profit_multiple = NAN;
    pol[2].layers[1].exit.dte = NAN;
    /* the other kinds (one model is enough for their cash flows; svcj, with jumps): a ladder of put
     * spreads, VIX call spreads sold in part at 2x, VIX futures */
    pol[3] = vr_test_condor_policy(0);
    snprintf(pol[3].name, sizeof pol[3].name, "instruments");
    pol[3].nlayers = 3;
    pol[3].layers[0] = vr_test_vix_layer(0, 0.10, 0.15);
    pol[3].layers[0].trigger.vix_level = NAN;
    pol[3].layers[0].trigger.always = 1;
    pol[3].layers[0].action = (vr_action){.kind = VR_ACTION_SPX_PUT_SPREAD, .delta = 0.10, .strike_pct = NAN,
                                          .short_delta = 0.03, .short_strike_pct = NAN, .dte = 30,
                                          .size_by = VR_SIZE_CONTRACTS, .size = 2, .max_open = 3, .ladder_days = 7};
    pol[3].layers[1] = vr_test_vix_layer(18, 0.30, 0.15);
    pol[3].layers[1].action.kind = VR_ACTION_VIX_CALL_SPREAD;
    pol[3].layers[1].action.short_delta = 0.10;
    pol[3].layers[1].action.short_strike_pct = NAN;
    pol[3].layers[1].exit.partial_multiple = 2;
    pol[3].layers[1].exit.partial_fraction = 0.5;
    pol[3].layers[2] = vr_test_vix_layer(20, NAN, 0);
    pol[3].layers[2].action = (vr_action){.kind = VR_ACTION_VIX_FUTURE, .delta = NAN, .strike_pct = NAN, .dte = 60,
                                          .size_by = VR_SIZE_CONTRACTS, .size = 1};
    pol[3].layers[2].exit.profit_multiple = NAN;
    pol[3].layers[2].exit.vix_below = 17;
    vr_scenario sc = {.model = m};
    snprintf(sc.name, sizeof sc.name, "%s", label);
#if defined(VR_TEST_SMALL)
    const size_t paths = 2000;
#else
    const size_t paths = 40000; /* enough power to see a settlement-timing bias (-4 SE) */
#endif
    vr_run_spec spec = {.paths = paths, .horizon_days = 63, .steps_per_day = 1, .seed = 11,
                        .sample_paths = 4, .nscen = 1, .scen = &sc, .npol = instruments ? 4 : 3, .pol = pol};
    vr_scenario_result res;
    vr_err err = {VR_OK, ""};
    assert_int_equal(vr_eval_scenario(&spec, 0, &res, NULL, NULL, &err), VR_OK);
    for (int p = 0; p < spec.npol; p++) {
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

static void test_martingale_heston(void **state) { (void)state; martingale(heston(), "heston", 0); }

static void test_martingale_svcj(void **state)
{
    (void)state;
    vr_model m = {.type = VR_MODEL_SVCJ, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.02,
                  .physical = {.kappa = 3, .theta = 0.02, .sigma = 0.4, .rho = -0.7, .lambda = 1.5,
                               .mu_v = 0.05, .mu_s = -0.04, .sigma_s = 0.04, .rho_j = -0.5}};
    m.pricing = m.physical;
    martingale(m, "svcj", 1);
}

static void test_martingale_bates(void **state)
{
    (void)state;
    vr_model m = {.type = VR_MODEL_BATES, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.03,
                  .physical = {.kappa = 2, .theta = 0.03, .sigma = 0.5, .rho = -0.7, .lambda = 1,
                               .mu_j = -0.06, .sigma_j = 0.08}};
    m.pricing = m.physical;
    martingale(m, "bates", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_strikes_and_credit),
        cmocka_unit_test(test_flat_path_profit_take),
        cmocka_unit_test(test_rally_rolls_call_side),
        cmocka_unit_test(test_crash_stop_and_hedge),
        cmocka_unit_test(test_worthless_wing_abandoned),
        cmocka_unit_test(test_roll_abandons_worthless_wing),
        cmocka_unit_test(test_instruments_against_direct_pricers),
        cmocka_unit_test(test_ladder),
        cmocka_unit_test(test_spread_short_needs_bid),
        cmocka_unit_test(test_sizing_kinds),
        cmocka_unit_test(test_roll_to_same_strikes),
        cmocka_unit_test(test_roll_never_inward),
        cmocka_unit_test(test_wing_rules),
        cmocka_unit_test(test_half_spread_by_vix),
        cmocka_unit_test(test_cooldown_after_profit),
        cmocka_unit_test(test_previous_fired_within),
        cmocka_unit_test(test_roll_keeps_entry_credit),
        cmocka_unit_test(test_vix_exits_at_purchase),
        cmocka_unit_test(test_with_condor_same_day_reentry),
        cmocka_unit_test(test_future_loss_is_no_premium),
        cmocka_unit_test(test_trigger_conditions),
        cmocka_unit_test(test_reason_cut),
        cmocka_unit_test(test_partial_monetisation),
        cmocka_unit_test(test_martingale_heston),
        cmocka_unit_test(test_martingale_bates),
        cmocka_unit_test(test_martingale_svcj),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
