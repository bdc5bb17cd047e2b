/* test_strike.c: the vectorised strike search by delta against the scalar walk it replaces.
 *
 * The book picks an SPX strike by |delta| with a walk along the 5-point grid, one scalar mark per
 * step (the reference, book.c grid_walk). The evaluator's books instead mark rows of candidate
 * strikes with the SIMD kernels (vr_pricing_mark_spx_row) and fall back to the scalar mark only
 * where a row's value lies within VR_SWEEP_MARGIN of a decision. Checked here:
 * 1. a row gives, lane for lane, what vr_pricing_mark_n gives the same instruments with the same
 *    kernels to a few ulp (the row takes its moneyness from the moneyness kernel, SLEEF's 1-ulp
 *    log, the batch from the C library's), and its |delta| lies within VR_SWEEP_MARGIN / 100 of
 *    the scalar mark's (the margin the search's exactness rests on, with room to spare), for every
 *    ISA;
 * 2. the vectorised search returns the scalar walk's strike, exactly, over states (v, tau), both
 *    sides and targets from 2 to 70 delta, for two models and every ISA; plus targets set on a
 *    candidate's own |delta| and halfway between two neighbours' (the cases the scalar fallback
 *    decides: the test asserts that it was used, and that rows past the first were needed), and
 *    across a dip of |delta| (where it is not monotone in the strike, the crossing a walk finds
 *    depends on where it starts, so both walks must start at the same strike);
 * 3. the day's strike memo answers a repeated search without marking anything and keeps searches
 *    of different targets apart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/book_internal.h"
#include "vr_test_util.h"

static vr_pricing *pr_heston, *pr_svcj;

static int setup(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    vr_model h = vr_test_heston_model(0.03);
    /* the main job's pricing parameters (configs/alvh.yaml) */
    vr_model s = {.type = VR_MODEL_SVCJ, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.02,
                  .physical = {.kappa = 2.4, .theta = 0.030, .sigma = 0.45, .rho = -0.75, .lambda = 1.2,
                               .mu_v = 0.05, .mu_s = -0.04, .sigma_s = 0.05, .rho_j = -0.6}};
    s.pricing = s.physical;
    if (vr_pricing_build(&h, 0.2, &pr_heston, &err) != VR_OK || vr_pricing_build(&s, 0.2, &pr_svcj, &err) != VR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vr_pricing_destroy(pr_heston);
    vr_pricing_destroy(pr_svcj);
    return 0;
}

static const double VS[] = {0.003, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3, 0.6};
/* 1, 3, 15, 21, 31 trading days (the rules' expiries) and two off-grid values (rolls) */
static const double TAUS[] = {1.0 / 252, 3.0 / 252, 15.0 / 252, 21.0 / 252, 31.0 / 252, 0.0437, 0.1171};
#define NV (sizeof VS / sizeof VS[0])
#define NT (sizeof TAUS / sizeof TAUS[0])
#ifdef VR_TEST_SMALL
#define VR_SMALL_STEP 3 /* the sanitizer builds: every third variance */
#else
#define VR_SMALL_STEP 1
#endif

static vr_mkt market(const vr_pricing *pr, double S, double v)
{
    vr_mkt m;
    const double x[VR_FACTORS_MAX] = {v, v};
    vr_mkt_init(&m, S, x, pr);
    return m;
}

/* ---- 1. a row of candidates ---- */

static void test_row(void **state)
{
    const vk_table *t = need_isa(*state);
    const vr_pricing *prs[2] = {pr_heston, pr_svcj};
    vr_mark_batch row, lanes;
    vr_err err;
    assert_int_equal(vr_mark_batch_alloc(&row, 64, &err), VR_OK);
    assert_int_equal(vr_mark_batch_alloc(&lanes, 64, &err), VR_OK);
    double worst = 0;
    for (int p = 0; p < 2; p++)
        for (size_t iv = 0; iv < NV; iv++)
            for (size_t it = 0; it < NT; it++)
                for (int cp = -1; cp <= 1; cp += 2) {
                    const vr_state st = {0, 5000, {VS[iv], VS[iv]}};
                    const size_t n = 61; /* strikes 2000 .. 8000 by 100: deep in the money to far out */
                    for (size_t q = 0; q < n; q++) {
                        const vr_instrument in = {VR_INST_SPX_OPTION, cp, 2000.0 + 100.0 * (double)q, TAUS[it]};
                        vr_mark_batch_set(&lanes, q, &in, &st, vr_pricing_model(prs[p])->nfactors);
                        row.strike[q] = in.strike;
                    }
                    vr_pricing_mark_spx_row(prs[p], t, &row, n, &st, cp, TAUS[it]);
                    vr_pricing_mark_n(prs[p], t, &lanes, n, 0);
                    /* the row's moneyness is SLEEF's log, the batch's the C library's */
                    assert_close_abs(lanes.price, row.price, n, 8, 1e-11);
                    assert_close_abs(lanes.delta, row.delta, n, 8, 1e-14);
                    assert_close_abs(lanes.vega, row.vega, n, 8, 1e-11);
                    assert_close_abs(lanes.vol, row.vol, n, 8, 1e-15);
                    assert_close_ulps(lanes.fut, row.fut, n, 0);
                    for (size_t q = 0; q < n; q++) {
                        const vr_instrument in = {VR_INST_SPX_OPTION, cp, row.strike[q], TAUS[it]};
                        const double ref = vr_pricing_mark(prs[p], &in, &st, 0).delta;
                        const double d = fabs(row.delta[q] - ref);
                        worst = d > worst ? d : worst;
                        if (!(d <= VR_SWEEP_MARGIN / 100))
                            fail_msg("%s: K %g cp %d tau %g v %g: delta %.17g, scalar %.17g", t->isa,
                                     row.strike[q], cp, TAUS[it], VS[iv], row.delta[q], ref);
                    }
                }
    printf("%s: largest |delta - scalar| %.3g (margin %g)\n", t->isa, worst, VR_SWEEP_MARGIN);
    vr_mark_batch_free(&row);
    vr_mark_batch_free(&lanes);
}

/* VIX calls: price and future as the batch gives them; delta within the tolerance asked of the
 * scalar solve's, or NaN (the search then asks the scalar mark). */
static void test_vix_row(void **state)
{
    const vk_table *t = need_isa(*state);
    const vr_pricing *prs[2] = {pr_heston, pr_svcj};
    vr_mark_batch row, lanes;
    vr_err err;
    assert_int_equal(vr_mark_batch_alloc(&row, 64, &err), VR_OK);
    assert_int_equal(vr_mark_batch_alloc(&lanes, 64, &err), VR_OK);
    const double tol = VR_SWEEP_MARGIN / 4;
    double worst = 0;
    size_t nan = 0, all = 0;
    for (int p = 0; p < 2; p++)
        for (size_t iv = 0; iv < NV; iv++)
            for (size_t it = 0; it < NT; it++) {
                const vr_state st = {0, 5000, {VS[iv], VS[iv]}};
                const size_t n = 48; /* strikes 5 .. 52 */
                for (size_t q = 0; q < n; q++) {
                    const vr_instrument in = {VR_INST_VIX_OPTION, 1, 5.0 + (double)q, TAUS[it]};
                    vr_mark_batch_set(&lanes, q, &in, &st, vr_pricing_model(prs[p])->nfactors);
                    row.strike[q] = in.strike;
                }
                vr_pricing_mark_vix_row(prs[p], t, &row, n, &st, TAUS[it], tol);
                vr_pricing_mark_n(prs[p], t, &lanes, n, VR_MARK_VIX_FUT);
                assert_close_ulps(lanes.price, row.price, n, 0);
                assert_close_ulps(lanes.fut, row.fut, n, 0);
                for (size_t q = 0; q < n; q++) {
                    const vr_instrument in = {VR_INST_VIX_OPTION, 1, row.strike[q], TAUS[it]};
                    const double ref = vr_pricing_mark(prs[p], &in, &st, VR_MARK_VIX_DELTA).delta;
                    all += ref > 0.02 && ref < 0.98;
                    if (isnan(row.delta[q])) {
                        nan += ref > 0.02 && ref < 0.98; /* where searches look */
                        continue;
                    }
                    const double d = fabs(row.delta[q] - ref);
                    worst = d > worst ? d : worst;
                    if (!(d <= tol))
                        fail_msg("%s: VIX K %g tau %g v %g: delta %.17g, scalar %.17g", t->isa, row.strike[q],
                                 TAUS[it], VS[iv], row.delta[q], ref);
                }
            }
    printf("%s: VIX largest |delta - scalar| %.3g (tol %g); of %zu lanes of delta 0.02 to 0.98, %zu left "
           "to the scalar solve\n", t->isa, worst, tol, all, nan);
    assert_true(all > 1000 && nan < all / 10);
    vr_mark_batch_free(&row);
    vr_mark_batch_free(&lanes);
}

/* ---- 2. the search ---- */

/* The strike of the search at m (sweep: its scratch, or NULL for the scalar walk). */
static double search(const vr_pricing *pr, vr_mkt *m, vr_sweep *sweep, double tau, int cp, double target)
{
    m->memo = NULL;
    m->sweep = sweep;
    const double k = vr_book_spx_strike(pr, m, tau, cp, target);
    m->sweep = NULL;
    return k;
}

static double vsearch(const vr_pricing *pr, vr_mkt *m, vr_sweep *sweep, double tau, double target)
{
    m->memo = NULL;
    m->sweep = sweep;
    const double k = vr_book_vix_strike(pr, m, tau, target);
    m->sweep = NULL;
    return k;
}

static double vdelta(const vr_pricing *pr, const vr_mkt *m, double k, double tau)
{
    const vr_instrument in = {VR_INST_VIX_OPTION, 1, k, tau};
    const vr_state st = {0, m->S, {m->x[0], m->x[1]}};
    return vr_pricing_mark(pr, &in, &st, VR_MARK_VIX_DELTA).delta;
}

static double absdelta(const vr_pricing *pr, const vr_mkt *m, double k, double tau, int cp)
{
    const vr_instrument in = {VR_INST_SPX_OPTION, cp, k, tau};
    const vr_state st = {0, m->S, {m->x[0], m->x[1]}};
    return fabs(vr_pricing_mark(pr, &in, &st, 0).delta);
}

/* Every search of the grid with the row kernels of t, against the scalar walk. */
static void search_all(const vk_table *t, vr_sweep *sw)
{
    const vr_pricing *prs[2] = {pr_heston, pr_svcj};
    static const double targets[] = {0.02, 0.05, 0.10, 0.16, 0.25, 0.30, 0.45, 0.5, 0.7};
    size_t cases = 0, searches = 0;
    for (int p = 0; p < 2; p++)
        for (size_t iv = 0; iv < NV; iv += VR_SMALL_STEP)
            for (size_t it = 1; it < NT; it++)
                for (int cp = -1; cp <= 1; cp += 2)
                    for (size_t g = 0; g < sizeof targets / sizeof targets[0]; g++) {
                        vr_mkt m = market(prs[p], 5000 + 37.0 * (double)iv, VS[iv]);
                        const double tau = TAUS[it];
                        const double want = search(prs[p], &m, NULL, tau, cp, targets[g]);
                        const double got = search(prs[p], &m, sw, tau, cp, targets[g]);
                        searches++;
                        if (got != want)
                            fail_msg("%s model %d v %g tau %g cp %d target %g: strike %g, scalar walk %g", t->isa,
                                     p, VS[iv], tau, cp, targets[g], got, want);
                        /* the walk ends at the grid strike whose |delta| lies nearest the
                         * target: |delta| is monotone in the strike for these models and states,
                         * so the distance has one minimum along the grid, and a strike no
                         * farther than both neighbours is it */
                        const double e0 = fabs(absdelta(prs[p], &m, want, tau, cp) - targets[g]);
                        const double eu = fabs(absdelta(prs[p], &m, want + 5, tau, cp) - targets[g]);
                        const double ed = want - 5 >= 5 ? fabs(absdelta(prs[p], &m, want - 5, tau, cp) - targets[g])
                                                        : INFINITY;
                        if (!(e0 <= eu + 1e-12 && e0 <= ed + 1e-12))
                            fail_msg("model %d v %g tau %g cp %d target %g: strike %g is %.3g from the target, "
                                     "its neighbours %.3g (above) and %.3g (below)", p, VS[iv], tau, cp,
                                     targets[g], want, e0, eu, ed);
                        /* targets on the found strike's own |delta| (and an ulp either side) and
                         * halfway to its neighbours': decisions within the margin */
                        const double dk = absdelta(prs[p], &m, want, tau, cp);
                        const double tie[5] = {dk, nextafter(dk, 1), nextafter(dk, 0),
                                               0.5 * (dk + absdelta(prs[p], &m, want + 5, tau, cp)),
                                               0.5 * (dk + absdelta(prs[p], &m, want - 5, tau, cp))};
                        for (int j = 0; j < 5; j++) {
                            if (!(tie[j] > 0 && tie[j] < 1))
                                continue;
                            const double w2 = search(prs[p], &m, NULL, tau, cp, tie[j]);
                            const double g2 = search(prs[p], &m, sw, tau, cp, tie[j]);
                            searches++;
                            if (g2 != w2)
                                fail_msg("%s model %d v %g tau %g cp %d target %.17g (near a tie): strike %g, "
                                         "scalar walk %g", t->isa, p, VS[iv], tau, cp, tie[j], g2, w2);
                        }
                        cases++;
                    }
    /* VIX calls by delta from the future, 1-point strikes */
    static const double vtargets[] = {0.05, 0.12, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6};
    for (int p = 0; p < 2; p++)
        for (size_t iv = 0; iv < NV; iv += VR_SMALL_STEP)
            for (size_t it = 1; it < NT; it++)
                for (size_t g = 0; g < sizeof vtargets / sizeof vtargets[0]; g++) {
                    vr_mkt m = market(prs[p], 5000, VS[iv]);
                    const double tau = TAUS[it];
                    const double want = vsearch(prs[p], &m, NULL, tau, vtargets[g]);
                    const double got = vsearch(prs[p], &m, sw, tau, vtargets[g]);
                    searches++;
                    if (got != want)
                        fail_msg("%s model %d v %g tau %g VIX target %g: strike %g, scalar walk %g", t->isa, p,
                                 VS[iv], tau, vtargets[g], got, want);
                    const double dk = vdelta(prs[p], &m, want, tau);
                    const double tie[5] = {dk, nextafter(dk, 1), nextafter(dk, 0),
                                           0.5 * (dk + vdelta(prs[p], &m, want + 1, tau)),
                                           want > 1 ? 0.5 * (dk + vdelta(prs[p], &m, want - 1, tau)) : 0};
                    for (int j = 0; j < 5; j++) {
                        if (!(tie[j] > 0 && tie[j] < 1))
                            continue;
                        const double w2 = vsearch(prs[p], &m, NULL, tau, tie[j]);
                        const double g2 = vsearch(prs[p], &m, sw, tau, tie[j]);
                        searches++;
                        if (g2 != w2)
                            fail_msg("%s model %d v %g tau %g VIX target %.17g (near a tie): strike %g, scalar "
                                     "walk %g", t->isa, p, VS[iv], tau, tie[j], g2, w2);
                    }
                    cases++;
                }
    printf("%s: %zu searches, %llu rows, %llu candidates, %llu scalar decisions\n", t->isa, searches,
           (unsigned long long)sw->rows, (unsigned long long)sw->lanes, (unsigned long long)sw->exact);
    assert_true(cases > 500);
    assert_true(sw->rows > searches); /* walks longer than the first row were searched */
    assert_true(sw->exact > 0);       /* and decisions near the target went to the scalar mark */
}

static void test_search(void **state)
{
    const vk_table *t = need_isa(*state);
    vr_sweep sw = {.kt = t};
    vr_err err;
    assert_int_equal(vr_mark_batch_alloc(&sw.row, VR_SWEEP_LANES, &err), VR_OK);
    search_all(t, &sw);
    vr_mark_batch_free(&sw.row);
}

/* Black-76 of the reference with every delta moved by a relative 3e-12, up or down by lane: a
 * kernel about as far from the reference as the SIMD surface may be (4 ulp or 1e-12 in the vol,
 * tests/test_surface.c), not bit-identical to it (the variants of this CPU happen to give the
 * reference's bits on these inputs, so without it the scalar fallback would go untested). A
 * search that trusted the row near a decision, or used a margin below the kernels' differences,
 * picks other strikes at the tie targets. */
static void black_nudged(const double *restrict fwd, const double *restrict strike, const double *restrict vol,
                         const double *restrict tau, const double *restrict df, const double *restrict cp,
                         double *restrict price, double *restrict delta, double *restrict gamma,
                         double *restrict vega, double *restrict theta, size_t n)
{
    vk_black_greeks_d_ref(fwd, strike, vol, tau, df, cp, price, delta, gamma, vega, theta, n);
    for (size_t i = 0; i < n; i++)
        delta[i] *= i % 2 ? 1 + 3e-12 : 1 - 3e-12;
}

static void test_search_nudged(void **state)
{
    (void)state;
    vk_table t = vk_table_ref;
    t.isa = "nudged";
    t.black_greeks = black_nudged;
    vr_sweep sw = {.kt = &t};
    vr_err err;
    assert_int_equal(vr_mark_batch_alloc(&sw.row, VR_SWEEP_LANES, &err), VR_OK);
    search_all(&t, &sw);
    vr_mark_batch_free(&sw.row);
}

/* Where |delta| is not monotone in the strike the walk's crossing depends on its start, so the
 * vectorised walk must start where the scalar one does. A model with heavy jumps at v near 0
 * three days out has a dip in the call's |delta| (the search of an independent review: a row of
 * Black strikes spaced by the market's VIX, which in a replay may lie far below the model's, made
 * the two walks stop at different crossings in 98 of these cases). Checked: the dip exists, and
 * over targets across it, with the market's VIX at the model's and far below, both walks agree. */
static void test_search_nonmonotone(void **state)
{
    const vk_table *t = need_isa(*state);
    vr_err err = {VR_OK, ""};
    vr_model mo = {.type = VR_MODEL_SVCJ, .spot = 5000, .rate = 0.04, .dividend = 0.013, .v0 = 0.02,
                   .physical = {.kappa = 2.0, .theta = 0.04, .sigma = 0.9, .rho = -0.9, .lambda = 3,
                                .mu_v = 0.1, .mu_s = -0.1, .sigma_s = 0.1, .rho_j = -0.6}};
    mo.pricing = mo.physical;
    vr_pricing *pr = NULL;
    assert_int_equal(vr_pricing_build(&mo, 0.2, &pr, &err), VR_OK);
    vr_sweep sw = {.kt = t};
    assert_int_equal(vr_mark_batch_alloc(&sw.row, VR_SWEEP_LANES, &err), VR_OK);
    const double tau = 3.0 / 252;
    vr_mkt m0 = market(pr, 5000, 0.001);
    /* the dip: |delta| rises somewhere along the calls' grid */
    int rises = 0;
    double lo = 1, hi = 0; /* the |delta| range of the rising steps */
    for (double k = 5005; k <= 5200; k += 5) {
        const double a = absdelta(pr, &m0, k - 5, tau, 1), b = absdelta(pr, &m0, k, tau, 1);
        if (b > a) {
            rises++;
            lo = fmin(lo, a);
            hi = fmax(hi, b);
        }
    }
    printf("%s: |delta| of the 3-day call rises on %d grid steps, between %.5f and %.5f\n", t->isa, rises, lo, hi);
    assert_true(rises > 0);
    size_t n = 0;
    for (int iv = 0; iv < 3; iv++) {
        vr_mkt m = m0;
        static const double vix_of[3] = {1.0, 0.5, 0.15}; /* the market's VIX, times the model's */
        if (iv > 0)
            vr_mkt_set_vix(&m, m0.vix * vix_of[iv]);
        for (int j = 0; j <= 40; j++) {
            const double target = lo - 2e-4 + (hi - lo + 4e-4) * j / 40.0;
            const double want = search(pr, &m, NULL, tau, 1, target);
            const double got = search(pr, &m, &sw, tau, 1, target);
            if (got != want)
                fail_msg("%s: VIX %g, target %.6f: strike %g, scalar walk %g", t->isa, m.vix, target, got, want);
            n++;
        }
    }
    assert_true(n == 123);
    vr_mark_batch_free(&sw.row);
    vr_pricing_destroy(pr);
}

/* ---- 3. the memo ---- */

static void test_memo(void **state)
{
    (void)state;
    const vk_table *t = default_isa();
    vr_sweep sw = {.kt = t};
    vr_err err;
    assert_int_equal(vr_mark_batch_alloc(&sw.row, VR_SWEEP_LANES, &err), VR_OK);
    vr_mark_memo *mm = calloc(1, sizeof *mm);
    assert_non_null(mm);
    mm->stamp = 1;
    vr_mkt m = market(pr_svcj, 5000, 0.03);
    const double tau = 31.0 / 252;
    const double want16 = search(pr_svcj, &m, NULL, tau, -1, 0.16);
    const double want05 = search(pr_svcj, &m, NULL, tau, -1, 0.05);
    assert_true(want05 < want16);
    m.memo = mm;
    m.sweep = &sw;
    assert_true(vr_book_spx_strike(pr_svcj, &m, tau, -1, 0.16) == want16);
    const uint64_t rows = sw.rows;
    assert_true(vr_book_spx_strike(pr_svcj, &m, tau, -1, 0.16) == want16); /* remembered */
    assert_int_equal(sw.rows, rows);
    assert_true(vr_book_spx_strike(pr_svcj, &m, tau, -1, 0.05) == want05); /* another key */
    assert_true(sw.rows > rows);
    vr_mark_memo_reset(mm); /* the next day forgets */
    const uint64_t rows2 = sw.rows;
    assert_true(vr_book_spx_strike(pr_svcj, &m, tau, -1, 0.16) == want16);
    assert_true(sw.rows > rows2);
    free(mm);
    vr_mark_batch_free(&sw.row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VR_ISA_TESTS(test_row),
        VR_ISA_TESTS(test_vix_row),
        VR_ISA_TESTS(test_search),
        VR_ISA_TESTS(test_search_nonmonotone),
        cmocka_unit_test(test_search_nudged),
        cmocka_unit_test(test_memo),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
