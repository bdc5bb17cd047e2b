/* test_svcj2_tables.c: the svcj2 tables that mark options along paths (the m dimension) against
 * the direct pricers at points off every grid node (v, m, expiry and strike drawn between nodes,
 * fixed seed), through the pricing layer as the evaluator uses it:
 * - SPX: implied vol of the table (vr_pricing_mark, the reference kernels, and a SIMD batch of the
 *   same lanes) against the implied vol of vr_svcj2_european, options of 10-50 delta (puts and
 *   calls) with 7-120 days to expiry: |error| <= 0.0005;
 * - VIX: futures and calls against vr_svcj2_vix_future / vr_svcj2_vix_options, 7-120 days,
 *   strikes 0.8-1.6 x the future: |error| <= max(0.5%, 0.005) (a quarter of that for the futures
 *   of the rare-jumps set, whose nodes come from the prepared law; plus a Monte Carlo point);
 * - the lifted one-factor limit (sigma_m = 0, m0 = theta: one slice) the same way;
 * - spike states (v 0.2-1, m up to 0.2) the same way: where a crash takes the paths;
 * - the floor corner of the rare-jumps set (v 0.004-0.02, m 0-0.01, 5-30 days, calls 0.9-2 x the
 *   future), where its paths spend much of their time, at the VIX tolerance;
 * - the batch of a SIMD table equals lane by lane what the reference table gives (the sort by m
 *   cell does not change a lane's numbers), and the m interpolation is not a no-op (moving m
 *   changes the long-expiry vol by far more than the tolerance).
 * - a layer with one underlying's tables marks it as the full layer, bit for bit.
 * The build time and the lookup cost are printed next to each other for the record.
 * The sanitizer builds (VR_TEST_SMALL) check a quarter of the direct-pricer points (12 SPX points
 * per check, 2 VIX points, 10 short-dated rare-jump points): they look for memory and UB errors
 * in the code paths, which every check still runs, the Release build for the accuracy at every
 * point. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_svcj2.h"
#include "vr_test_util.h"

static const vr_svcj2_params PQ = {.kappa_v = 5.0, .kappa_m = 0.4, .theta = 0.032, .sigma_v = 0.8,
                                   .sigma_m = 0.09, .rho = -0.75, .lambda0 = 0.5, .lambda1 = 18.0,
                                   .mu_v = 0.07, .mu_s = -0.03, .sigma_s = 0.04, .rho_j = -0.6};

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1p-53;
}

/* The tables take seconds to build (minutes under the sanitizers): the tests that mark the same
 * model share one build through the run's cache (vr_pricing_cache: equal inputs give the object
 * a fresh build would), two builds in all instead of five. */
static vr_pricing_cache *cache;

static int cache_setup(void **state)
{
    (void)state;
    vr_err err = {VR_OK, ""};
    return vr_pricing_cache_create(&cache, &err) == VR_OK ? 0 : -1;
}

static int cache_teardown(void **state)
{
    (void)state;
    vr_pricing_cache_destroy(cache);
    cache = NULL;
    return 0;
}

static const vr_pricing *shared_pricing(const vr_model *m)
{
    const vr_pricing *pr = NULL;
    vr_err err = {VR_OK, ""};
    if (vr_pricing_cache_get(cache, m, 0.5, &pr, NULL, &err) != VR_OK)
        fail_msg("pricing tables: %s", err.msg);
    return pr;
}

#ifdef VR_TEST_SMALL
#define NSPX 12
#define NVIX_MAX 2
#define NRARE 10
#define NFLOOR 2
#else
#define NSPX 48
#define NVIX_MAX 6
#define NRARE 40
#define NFLOOR 10
#endif
static void check_spx(const vr_model *m, const char *what, double vlo, double vhi, double mlo,
                      double mhi, double *worst)
{
    vr_err err = {VR_OK, ""};
    const vr_pricing *pr = shared_pricing(m);
    const vr_svcj2_params *p = &m->pricing.s2;
    vr_mark_batch b;
    assert_int_equal(vr_mark_batch_alloc(&b, NSPX, &err), VR_OK);
    double ref[NSPX], one[NSPX];
    vr_instrument ins[NSPX];
    vr_state sts[NSPX];
    for (int i = 0; i < NSPX; i++) {
        const double v = vlo + (vhi - vlo) * urand(), mm = mlo + (mhi - mlo) * urand();
        const double tau = (7 + 113 * urand()) / 365;
        const double delta = 0.1 + 0.4 * urand();
        const int put = urand() < 0.5;
        /* strike from the delta at the ATM vol, then the model's own vol there */
        const double F = 100 * exp((m->rate - m->dividend) * tau);
        const double s0 = sqrt(fmax(v, 0.005) * 0.5 + mm * 0.5);
        const double z = put ? -1.0 : 1.0;
        /* N(d1) = delta (call), N(-d1) = delta (put): d1 = z Phi^-1(delta) */
        double lo = -6, hi = 6;
        for (int it = 0; it < 80; it++) {
            const double mid = 0.5 * (lo + hi);
            if (0.5 * erfc(-mid / sqrt(2.0)) < delta)
                lo = mid;
            else
                hi = mid;
        }
        const double d1 = z * 0.5 * (lo + hi);
        const double K = F * exp(-d1 * s0 * sqrt(tau) + 0.5 * s0 * s0 * tau);
        double price;
        assert_int_equal(vr_svcj2_european(p, 100, m->rate, m->dividend, v, mm, K, tau, !put, &price,
                                           &err), VR_OK);
        ref[i] = vr_bs_implied_vol(price, 100, K, m->rate, m->dividend, tau, !put);
        ins[i] = (vr_instrument){VR_INST_SPX_OPTION, put ? -1 : 1, K, tau};
        sts[i] = (vr_state){0, 100, {v, mm}};
        one[i] = vr_pricing_mark(pr, &ins[i], &sts[i], 0).vol;
        vr_mark_batch_set(&b, (size_t)i, &ins[i], &sts[i], 2);
    }
    vr_pricing_mark_n(pr, default_isa(), &b, NSPX, 0);
    double w = 0;
    for (int i = 0; i < NSPX; i++) {
        const double e = fabs(one[i] - ref[i]);
        if (e > w)
            w = e;
        if (e > 5e-4)
            printf("  %s: v %g m %g tau %g K %g: table %.6f direct %.6f\n", what, sts[i].x[0],
                   sts[i].x[1], ins[i].t_exp * 365, ins[i].strike, one[i], ref[i]);
        /* the SIMD batch (lanes sorted by m cell) against the scalar single marks */
        assert_true(fabs(b.vol[i] - one[i]) < 1e-12);
    }
    printf("  %s SPX 10-50 delta, 7-120 days: max |vol error| %.2e (build %.2f s)\n", what, w,
           vr_pricing_build_seconds(pr));
    *worst = w;
    vr_mark_batch_free(&b);
}


/* VIX: a few (v, m, T) points, five strikes each, against the direct pricers. */
static void check_vix(const vr_model *m, const char *what, double vlo, double vhi, double mlo,
                      double mhi, int npts, double *w_fut, double *w_call)
{
    vr_err err = {VR_OK, ""};
    const vr_pricing *pr = shared_pricing(m);
    const vr_svcj2_params *p = &m->pricing.s2;
    double w = 0, wf = 0;
    if (npts > NVIX_MAX)
        npts = NVIX_MAX;
    for (int i = 0; i < npts; i++) {
        const double v = vlo + (vhi - vlo) * urand(), mm = mlo + (mhi - mlo) * urand();
        const double T = (7 + 113 * urand()) / 365;
        double fut;
        assert_int_equal(vr_svcj2_vix_future(p, v, mm, T, &fut, &err), VR_OK);
        const vr_state st = {0, 100, {v, mm}};
        const vr_instrument fi = {VR_INST_VIX_FUTURE, 0, 0, T};
        const double ft = vr_pricing_mark(pr, &fi, &st, 0).price;
        double tol = fmax(0.005 * fut, 0.005), e;
        if (fabs(ft - fut) > tol)
            printf("  %s: future v %g m %g T %g: table %.5f direct %.5f\n", what, v, mm, T * 365, ft, fut);
        wf = fmax(wf, fabs(ft - fut) / tol);
        double K[5], c[5];
        for (int k = 0; k < 5; k++)
            K[k] = fut * (0.8 + 0.2 * k) + 0.37;
        assert_int_equal(vr_svcj2_vix_options(p, v, mm, T, K, 5, m->rate, 1, c, &err), VR_OK);
        for (int k = 0; k < 5; k++) {
            const vr_instrument ci = {VR_INST_VIX_OPTION, 1, K[k], T};
            const double ct = vr_pricing_mark(pr, &ci, &st, 0).price;
            tol = fmax(0.005 * c[k], 0.005);
            e = fabs(ct - c[k]);
            if (e > tol)
                printf("  %s: call v %g m %g T %g K %g: table %.5f direct %.5f\n", what, v, mm,
                       T * 365, K[k], ct, c[k]);
            w = fmax(w, e / tol);
        }
    }
    printf("  %s VIX futures and calls, 7-120 days: max error / tolerance %.2f (futures), "
           "%.2f (calls)\n", what, wf, w);
    *w_fut = wf;
    *w_call = w;
}

static void test_spx(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    double w;
    check_spx(&m, "svcj2", 0.005, 0.2, 0.005, 0.12, &w);
    assert_true(w <= 5e-4);
}

static void test_vix(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    double wf, wc;
    check_vix(&m, "svcj2", 0.005, 0.2, 0.005, 0.12, 6, &wf, &wc);
    assert_true(wf <= 1.0 && wc <= 1.0);
}

/* m matters: the 91-day ATM vol moves with m by far more than the tolerance, and a SIMD batch of
 * lanes with every m equals the single marks (the lanes' sort by m stencil is invisible). */
static void test_m_dimension(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    vr_err err = {VR_OK, ""};
    const vr_pricing *pr = shared_pricing(&m);
    const vr_instrument in = {VR_INST_SPX_OPTION, 1, 101, 0.25};
    const vr_state lo = {0, 100, {0.03, 0.01}}, hi = {0, 100, {0.03, 0.1}};
    const double vlo = vr_pricing_mark(pr, &in, &lo, 0).vol, vhi = vr_pricing_mark(pr, &in, &hi, 0).vol;
    printf("  91-day ATM vol at m = 0.01: %.4f, at m = 0.1: %.4f\n", vlo, vhi);
    assert_true(vhi - vlo > 0.02);
    const vr_instrument fi = {VR_INST_VIX_FUTURE, 0, 0, 0.25};
    assert_true(vr_pricing_mark(pr, &fi, &hi, 0).price - vr_pricing_mark(pr, &fi, &lo, 0).price > 1.0);
    /* above the top level (0.22 here) m extrapolates linearly in m from the two top levels: the
     * VIX future and the SPX implied variance at m 0.5, 0.75 and 1 lie on a line, not a cubic's
     * extrapolation nor the clamp (test_above_m_grid checks them against the direct pricers) */
    double yf[3], yv[3];
    for (int k = 0; k < 3; k++) {
        const vr_state st = {0, 100, {0.03, 0.5 + 0.25 * k}};
        yf[k] = vr_pricing_mark(pr, &fi, &st, 0).price;
        const double s = vr_pricing_mark(pr, &in, &st, 0).vol;
        yv[k] = s * s;
    }
    assert_true(yf[1] > yf[0] && yv[1] > yv[0]);
    assert_true(fabs(yf[2] - 2 * yf[1] + yf[0]) < 1e-9 * yf[2]);
    assert_true(fabs(yv[2] - 2 * yv[1] + yv[0]) < 1e-9 * yv[2]);
    enum { N = 520 };
    vr_mark_batch b;
    assert_int_equal(vr_mark_batch_alloc(&b, N, &err), VR_OK);
    double one[N];
    for (int i = 0; i < N; i++) {
        const vr_instrument ii = {i % 3 ? VR_INST_SPX_OPTION : VR_INST_VIX_OPTION, 1,
                                  i % 3 ? 90 + 20 * urand() : 15 + 20 * urand(), (5 + 100 * urand()) / 365};
        const vr_state st = {0, 100, {0.3 * urand(), 0.25 * urand()}};
        one[i] = vr_pricing_mark(pr, &ii, &st, 0).price;
        vr_mark_batch_set(&b, (size_t)i, &ii, &st, 2);
    }
    vr_pricing_mark_n(pr, &vk_table_ref, &b, N, 0);
    for (int i = 0; i < N; i++)
        assert_true(b.price[i] == one[i]);
    vr_mark_batch_free(&b);
}

/* The single SPX marks through the cache of (expiry, state) parts (vr_pricing_mark_c: each of the
 * m stencil's four slices' (v, tau) part kept) give vr_pricing_mark's bits: states in groups of
 * three strikes (a miss, then hits), m below the grid (extrapolated), at 0, negative and NaN
 * (clamped to 0), inside and far above the grid (clamped), tau = 0; then the same lanes again with
 * the entries of other states in the cache. With one slice (the lifted limit) the same checks run
 * in test_lifted. */
static void check_cached_single(const vr_model *m, const char *what)
{
    const vr_pricing *pr = shared_pricing(m);
    static const double vs[] = {0.0, 0.004, 0.03, 0.3};
    static const double ms[] = {-0.01, 0.0, 1e-4, 0.0105, 0.032, 0.09, 5.0, NAN};
    static const double taus[] = {0.0, 3.0 / 252, 30.0 / 365, 0.4};
    static const double kf[] = {0.8, 0.97, 1.12};
    vr_mark_cache mc;
    memset(&mc, 0, sizeof mc);
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t a = 0; a < sizeof vs / sizeof *vs; a++)
            for (size_t b = 0; b < sizeof ms / sizeof *ms; b++)
                for (size_t c = 0; c < sizeof taus / sizeof *taus; c++)
                    for (size_t d = 0; d < sizeof kf / sizeof *kf; d++) {
                        const vr_state st = {0.1, 100, {vs[a], ms[b]}};
                        const vr_instrument in = {VR_INST_SPX_OPTION, d == 0 ? -1 : 1, 100 * kf[d],
                                                  st.t + taus[c]};
                        const vr_mark x = vr_pricing_mark(pr, &in, &st, 0);
                        const vr_mark y = vr_pricing_mark_c(pr, &in, &st, 0, &mc);
                        if (memcmp(&x, &y, sizeof x) != 0)
                            fail_msg("%s: v %g m %g tau %g K %g: vol %.17g cached %.17g, price %.17g "
                                     "cached %.17g", what, vs[a], ms[b], taus[c], in.strike, x.vol, y.vol,
                                     x.price, y.price);
                        /* and its vol alone (the stencil's four surfaces mixed): the same bits */
                        const vr_mark z = vr_pricing_mark_c(pr, &in, &st, VR_MARK_VOL_ONLY, &mc);
                        if (memcmp(&x.vol, &z.vol, sizeof x.vol) != 0 ||
                            memcmp(&x.fut, &z.fut, sizeof x.fut) != 0 || z.price != 0 || z.delta != 0 ||
                            z.vega != 0)
                            fail_msg("%s: v %g m %g tau %g K %g: vol %.17g vol-only %.17g", what, vs[a],
                                     ms[b], taus[c], in.strike, x.vol, z.vol);
                        n++;
                    }
    printf("  %s: %zu single SPX marks through the cache, bit for bit (%llu hits, %llu misses)\n", what,
           n, (unsigned long long)mc.hits, (unsigned long long)mc.misses);
    assert_true(mc.hits + mc.misses == 2 * n); /* each mark's vol-only twin is a hit */
    assert_true(mc.hits >= n + 2 * n / 3); /* and each group's second and third strikes */
}

static void test_cached_single(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    check_cached_single(&m, "svcj2");
}

/* A layer with only one underlying's tables (vr_pricing_build_only, what `vixrisk price` builds)
 * marks it bit for bit as the full layer: the VIX table in every build, the SPX slices (a build's
 * larger part) in the Release build only. Lanes at states between the m levels, below the grid
 * and above it; the other underlying's marks are NaN. */
static void test_build_only(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    const vr_pricing *full = shared_pricing(&m);
    vr_err err = {VR_OK, ""};
#ifdef VR_TEST_SMALL
    const int ul_last = VR_UL_VIX;
#else
    const int ul_last = VR_UL_SPX;
#endif
    enum { N = 24 };
    for (int ul = VR_UL_VIX; ul >= ul_last; ul--) {
        vr_pricing *po = NULL;
        assert_int_equal(vr_pricing_build_only(&m, 0.5, (vr_underlying_id)ul, &po, &err), VR_OK);
        vr_mark_batch b[2];
        for (int k = 0; k < 2; k++)
            assert_int_equal(vr_mark_batch_alloc(&b[k], N, &err), VR_OK);
        for (int i = 0; i < N; i++) {
            const double mm = i % 3 == 0 ? 1e-4 * i : i % 3 == 1 ? 0.01 + 0.01 * i : 2.0 + i;
            const vr_state st = {0, 100, {0.005 + 0.01 * i, mm}};
            const int kind = i % 3 == 2 ? VR_INST_VIX_FUTURE
                             : ul == VR_UL_SPX ? VR_INST_SPX_OPTION : VR_INST_VIX_OPTION;
            const vr_instrument in = {kind, kind == VR_INST_VIX_FUTURE ? 0 : i % 2 ? 1 : -1,
                                      kind == VR_INST_SPX_OPTION ? 90.0 + i : 12.0 + i,
                                      (3.0 + 7 * i) / 365};
            for (int k = 0; k < 2; k++)
                vr_mark_batch_set(&b[k], (size_t)i, &in, &st, 2);
        }
        vr_pricing_mark_n(full, default_isa(), &b[0], N, 0);
        vr_pricing_mark_n(po, default_isa(), &b[1], N, 0);
        for (int i = 0; i < N; i++) {
            const int mine = (int)vr_inst_kinds[(int)b[0].kind[i]].underlying == ul;
            if (mine)
                assert_memory_equal(&b[0].price[i], &b[1].price[i], sizeof(double));
            else
                assert_true(isnan(b[1].price[i]));
            if (mine && b[0].kind[i] != VR_INST_VIX_FUTURE)
                assert_memory_equal(&b[0].fut[i], &b[1].fut[i], sizeof(double));
        }
        printf("  %s-only tables: %d lanes equal to the full layer's (build %.2f s, full %.2f s)\n",
               ul == VR_UL_SPX ? "SPX" : "VIX", N, vr_pricing_build_seconds(po),
               vr_pricing_build_seconds(full));
        for (int k = 0; k < 2; k++)
            vr_mark_batch_free(&b[k]);
        vr_pricing_destroy(po);
    }
}

/* The lifted one-factor limit (svcj with lambda1: sigma_m = 0, m0 = theta) has one slice. */
static void test_lifted(void **state)
{
    (void)state;
    vr_svcj2_params q = PQ;
    q.sigma_m = 0;
    const vr_model m = vr_test_svcj2_model(&q, 0.03, q.theta);
    double w;
    check_spx(&m, "lifted", 0.005, 0.2, q.theta, q.theta, &w);
    assert_true(w <= 5e-4);
    check_cached_single(&m, "lifted");
    double wf, wc;
    check_vix(&m, "lifted", 0.005, 0.2, q.theta, q.theta, 3, &wf, &wc);
    assert_true(wf <= 1.0 && wc <= 1.0);
}

/* A pricing set with rare, huge variance jumps (that of the 2026-11-30 configs/models/svcj2_cal_rn.yaml, fitted to
 * the VIX family: 0.02 jumps a year of mean 2.1 in variance, each with a log-price jump of about
 * -0.6). The law of ln S at v = 0 and a few days is a narrow core plus a far jump tail that the COS
 * range must cover, and the series cannot resolve the core: those edge nodes take the normalised
 * smile of the next v node (surface.c). Before that the build failed ("at-the-money price did not
 * resolve"). Checked: the usual 10-50 delta points, and short expiries at small v, where the edge
 * nodes enter the interpolation, in price (fraction of spot) against the direct pricer: at most
 * 5e-5 of the spot. (A symmetric COS range and m levels uniform in m missed the first by 1.4 vol
 * points.) */
#define PRARE vr_test_svcj2_rare /* vr_test_util.c */

/* VIX at PRARE in the m grid (m 0.02-0.12): futures 0.01, calls 0.60 of the tolerance (2.2 before
 * the two fixes described at test_below_m_grid; futures 0.78 and calls 0.76 before the table's
 * futures came from the prepared law, test_below_m_grid). The futures' bound 0.25 is 4x the worst
 * of 900 random PRARE points (0.058; v 0-1, m 0-1, 7-120 days), and the old 0.78 fails it.
 * The short options at a near-zero v (v < 0.002, 1-7 days, K 98-102) are the tables' weakest SPX
 * marks here. Over 2,000 random points (a probe, AMD EPYC, 2026-12-07): 92.6% within 1e-5 of the
 * spot, 97.5% within 2e-5, 99.75% within 5e-5, the worst 1.0e-4 (a 3-day put at K 99.97, v
 * 0.0003, m 0.022: table 0.0636, direct 0.0736, about 0.3 vol points). This test's bound was 5e-5
 * on 40 points drawn from the file's shared stream, so whether it held depended on the tests run
 * before it (an earlier failure shifted the stream and it saw 5.8e-5). It now draws from its own
 * seed and bounds both the worst (1.5e-4, 1.5x the probe's) and the share within 2e-5 (90%). */
static void test_rare_big_jumps(void **state)
{
    (void)state;
    rng = 0x243f6a8885a308d3ull; /* its own points, whatever ran before */
    const vr_model m = vr_test_svcj2_model(&PRARE, 0.00645, 0.0335);
    double w;
    /* m from 0.02 (m below 0.015, the old lowest level: test_below_m_grid) */
    check_spx(&m, "rare jumps", 0.005, 0.2, 0.02, 0.12, &w);
    assert_true(w <= 5e-4);
    const vr_pricing *pr = shared_pricing(&m);
    vr_err err = {VR_OK, ""};
    double worst = 0, worst_rel = 0;
    int within = 0;
    for (int i = 0; i < NRARE; i++) {
        const double v = 0.002 * urand(), mm = 0.02 + 0.1 * urand();
        const double tau = (1 + 6 * urand()) / 365;
        const double K = 100 * (0.98 + 0.04 * urand());
        const int call = K > 100;
        double ref;
        assert_int_equal(vr_svcj2_european(&PRARE, 100, m.rate, m.dividend, v, mm, K, tau, call, &ref,
                                           &err), VR_OK);
        const vr_instrument in = {VR_INST_SPX_OPTION, call ? 1 : -1, K, tau};
        const vr_state st = {0, 100, {v, mm}};
        const double got = vr_pricing_mark(pr, &in, &st, 0).price;
        assert_true(isfinite(got));
        const double e = fabs(got - ref);
        if (e > 5e-3)
            printf("    v %.5f m %.4f days %.2f K %.2f: table %.6f direct %.6f\n", v, mm, tau * 365,
                   K, got, ref);
        worst = fmax(worst, e);
        worst_rel = fmax(worst_rel, e / fmax(ref, 1e-3));
        within += e / 100 <= 2e-5;
    }
    printf("  rare jumps, v < 0.002, 1-7 days, K 98-102: max |price error| %.2e of spot, %.2e relative; "
           "%d of %d within 2e-5\n", worst / 100, worst_rel, within, NRARE);
    assert_true(worst / 100 <= 1.5e-4);
    assert_true(within >= 0.9 * NRARE);
    double wf, wc;
    check_vix(&m, "rare jumps", 0.005, 0.2, 0.02, 0.12, 6, &wf, &wc);
    assert_true(wf <= 0.25 && wc <= 1.0);
}

/* Low m. A set whose m fails the Feller condition (PRARE's ratio 2 kappa_m theta / sigma_m^2 is
 * 0.51; the physical set fitted with it, 0.22) keeps its paths near m = 0 much of the time: a
 * third of the marks of configs/alvh_svcj2_cal_rn.yaml's paths had m below the tables' lowest
 * level, which was then 5% of theta and clamped to it. The levels now reach down to about 0 and
 * m below the lowest level extrapolates linearly in m. Checked below the old floor (0.015 for
 * PRARE, 0.0016 for PQ) against the direct pricers: SPX 10-50 delta within the usual 5e-4 in vol
 * (before the floor was removed 2.5e-2 and 2.9e-3). VIX futures and calls, max error / max(0.5%,
 * 0.005), measured (AMD EPYC, 2 cores, AVX-512): PQ 0.04 and 0.14, PRARE 1.14 and 0.50. Before:
 * PQ 1.12 and PRARE 12 (50 with the clamp), of which PRARE's was mostly the direct pricer's own
 * error (its COS range reached 40/s* of the jump tail; Monte Carlo put its calls 19-29 SE off at
 * these states, svcj2_vix.c and docs/numerics.md) and the rest the cubic in sqrt(m) between the
 * first two levels (0 and 0.0076; VIX prices now interpolate in m: 2.3x -> 0.14x at a 66-day call
 * at v 0.028, m 0.0011). The tables' futures then stayed up to 1.9x (2.8x over 300 random
 * points) their tolerance too high at small v and m near 0: the table's own COS series did not
 * resolve the law's edge at its floor. Monte Carlo (3.2M paths) at v 0.0283, m 0.0011, 65.6 days:
 * 16.4360 +- 0.0049, the direct future 16.4312 (-1.0 SE), the table 16.5583 (+25 SE, 1.55x the
 * tolerance). The futures at the nodes now come from the prepared law (svcj2_law.c): 0.002x there,
 * at most 0.032x over 300 random points below 0.015 (what is left is the interpolation). Bound
 * 0.25 on the futures (8x that; the old 1.14 fails), 2.5 on the calls as before. */
static void test_below_m_grid(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PRARE, 0.00645, 0.0335);
    double w;
    check_spx(&m, "rare jumps, m below the old floor", 0.005, 0.2, 0.0, 0.015, &w);
    assert_true(w <= 5e-4);
    const vr_model m2 = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    check_spx(&m2, "svcj2, m below the old floor", 0.005, 0.2, 0.0, 0.0016, &w);
    assert_true(w <= 5e-4);
    double wf, wc;
    check_vix(&m2, "svcj2, m below the old floor", 0.005, 0.2, 0.0, 0.0016, 6, &wf, &wc);
    assert_true(wf <= 0.5 && wc <= 0.5);
    check_vix(&m, "rare jumps, m below the old floor", 0.005, 0.2, 0.0, 0.015, 6, &wf, &wc);
    /* 0.00 and 0.49 on this draw (1.14 and 0.50 with the series' futures); another draw (the
     * points of a run whose earlier tests drew differently) put a 21-day call at v 0.0135, m
     * 0.0149, K 13.14 at 3.3354 against the direct 3.3062: 1.77x. The old clamp and sqrt(m)
     * stencil missed by 12x. */
    assert_true(wc <= 2.5 && wf <= 0.25);
    /* the Monte Carlo point: the direct future within 3 SE of Monte Carlo (the reference is
     * right), the table's within a quarter of the tolerance of it (1.55x with the series) */
    const vr_pricing *pr = shared_pricing(&m);
    vr_err err = {VR_OK, ""};
    const double v = 0.0283, mm = 0.0011, T = 65.6 / 365, mc = 16.4360, se = 0.0049;
    double fut;
    assert_int_equal(vr_svcj2_vix_future(&PRARE, v, mm, T, &fut, &err), VR_OK);
    const vr_state st = {0, 100, {v, mm}};
    const vr_instrument fi = {VR_INST_VIX_FUTURE, 0, 0, T};
    const double ft = vr_pricing_mark(pr, &fi, &st, 0).price;
    const double tol = fmax(0.005 * fut, 0.005);
    printf("  rare jumps, v %g m %g %g days: table future %.5f, direct %.5f (%.2fx the tolerance), "
           "Monte Carlo %.4f +- %.4f\n", v, mm, T * 365, ft, fut, fabs(ft - fut) / tol, mc, se);
    assert_true(fabs(fut - mc) <= 3 * se);
    assert_true(fabs(ft - fut) <= 0.25 * tol);
}

/* Above the m grid. The levels reach 1.5x the 99.99% quantile of m's stationary law (0.22 for
 * PQ), but a crash state can lie beyond, and the stencil clamped m to the top level there
 * (configs/models/svcj2_cal.yaml, top level 0.32: at v 0.3, m 0.45 the 30-day VIX future 62.62
 * against the direct 68.11, SPX 30-day at the money 5.2 vol points low at m 0.5). m above the top
 * now extrapolates linearly in m from the two top levels, as below the lowest. Checked at v 0.3,
 * m 0.3 and 0.4 (1.4x and 1.85x the top), 30 and 60 days against the direct pricers: SPX at the
 * money within the usual 5e-4 in vol (measured 4.8e-5; the clamp misses by ~1e-2), the VIX
 * future within 6x its tolerance (measured 4.9x, 2.5% high at 60 days and m 0.4: a line through
 * a concave F(m); the clamp misses by ~7%). The VIX calls are printed, not bounded: at the lane's
 * moneyness on the slices' line they are still off out of the money (60 days, m 0.4, 1.25 F:
 * 0.106 against 0.546; docs/numerics.md). */
static void test_above_m_grid(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    const vr_pricing *pr = shared_pricing(&m);
    const vr_svcj2_params *p = &m.pricing.s2;
    vr_err err = {VR_OK, ""};
    double wv = 0, wf = 0, wc = 0;
    for (int i = 0; i < 4; i++) {
        const double v = 0.3, mm = i % 2 ? 0.4 : 0.3, T = (i < 2 ? 30.0 : 60.0) / 365;
        const vr_state st = {0, 100, {v, mm}};
        /* SPX at the money */
        const double F = 100 * exp((m.rate - m.dividend) * T);
        double price;
        assert_int_equal(vr_svcj2_european(p, 100, m.rate, m.dividend, v, mm, F, T, 1, &price, &err),
                         VR_OK);
        const double vd = vr_bs_implied_vol(price, 100, F, m.rate, m.dividend, T, 1);
        const vr_instrument si = {VR_INST_SPX_OPTION, 1, F, T};
        const double vt = vr_pricing_mark(pr, &si, &st, 0).vol;
        /* VIX */
        double fut, K[3], c[3];
        assert_int_equal(vr_svcj2_vix_future(p, v, mm, T, &fut, &err), VR_OK);
        const vr_instrument fi = {VR_INST_VIX_FUTURE, 0, 0, T};
        const double ft = vr_pricing_mark(pr, &fi, &st, 0).price;
        for (int k = 0; k < 3; k++)
            K[k] = fut * (1.0 + 0.25 * k);
        assert_int_equal(vr_svcj2_vix_options(p, v, mm, T, K, 3, m.rate, 1, c, &err), VR_OK);
        printf("  above the m grid, v %g m %g %g days: SPX ATM vol %.5f (direct %.5f), VIX future "
               "%.4f (%.4f), calls", v, mm, T * 365, vt, vd, ft, fut);
        wv = fmax(wv, fabs(vt - vd));
        wf = fmax(wf, fabs(ft - fut) / fmax(0.005 * fut, 0.005));
        for (int k = 0; k < 3; k++) {
            const vr_instrument ci = {VR_INST_VIX_OPTION, 1, K[k], T};
            const double ct = vr_pricing_mark(pr, &ci, &st, 0).price;
            printf(" %.4f (%.4f)", ct, c[k]);
            wc = fmax(wc, fabs(ct - c[k]) / fmax(0.005 * c[k], 0.005));
        }
        printf("\n");
    }
    printf("  above the m grid: max |SPX vol error| %.2e, VIX future and calls max error / "
           "tolerance %.2f and %.2f\n", wv, wf, wc);
    assert_true(wv <= 5e-4 && wf <= 6.0);
}

/* The floor corner of the rare-jumps set, where its m (Feller ratio 0.51) keeps the paths much of
 * the time: v 0.004-0.02 (VIX 12-17), m 0-0.01, 5-30 days, calls 0.9-2 x the future against the
 * direct pricer, max(0.5%, 0.005). The law of X there is a body a few 1e-3 wide at the floor and
 * a jump tail of mass ~1e-3 reaching X ~ 2; a single COS series over both (2048 terms on ~7)
 * did not resolve the body, and the x nodes uniform in x put the first cell across the body's
 * curvature: the old tables missed by 5-40x the tolerance here (7-day 1.25 x F call at v 0.005,
 * m 0.001: 0.2568 against 0.1981, Monte Carlo 0.1933 +- 0.0023), 18.6x on this test's draw (27
 * of its 50 calls over). The nodes now split the law by whether a jump came and space x in
 * sqrt(x - x0) (svcj2_tables.c): 0.76x on this draw, 0.7x at worst on a grid of these states. (At v below 0.004 the direct pricer itself is off at 3-5 days: Monte
 * Carlo puts the 5-day 2 x F call at v 0, m 0 at 0.0263 +- 0.0014, the direct 0.0511, the table
 * 0.0271; docs/numerics.md.) */
static void test_rare_floor(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PRARE, 0.00645, 0.0335);
    const vr_pricing *pr = shared_pricing(&m);
    vr_err err = {VR_OK, ""};
    double w = 0;
    for (int i = 0; i < NFLOOR; i++) {
        const double v = 0.004 + 0.016 * urand(), mm = 0.01 * urand();
        const double T = (5 + 25 * urand()) / 365;
        double fut, K[5], c[5];
        assert_int_equal(vr_svcj2_vix_future(&PRARE, v, mm, T, &fut, &err), VR_OK);
        for (int k = 0; k < 5; k++)
            K[k] = fut * (0.9 + 0.275 * k) * (1 + 0.02 * urand());
        assert_int_equal(vr_svcj2_vix_options(&PRARE, v, mm, T, K, 5, m.rate, 1, c, &err), VR_OK);
        const vr_state st = {0, 100, {v, mm}};
        for (int k = 0; k < 5; k++) {
            const vr_instrument ci = {VR_INST_VIX_OPTION, 1, K[k], T};
            const double ct = vr_pricing_mark(pr, &ci, &st, 0).price;
            const double tol = fmax(0.005 * c[k], 0.005), e = fabs(ct - c[k]);
            if (e > tol)
                printf("  rare jumps, floor: call v %g m %g T %g K %g: table %.5f direct %.5f\n", v,
                       mm, T * 365, K[k], ct, c[k]);
            w = fmax(w, e / tol);
        }
    }
    printf("  rare jumps, floor (v 0.004-0.02, m 0-0.01, 5-30 days, K 0.9-2 F): max error / "
           "tolerance %.2f (calls)\n", w);
    assert_true(w <= 1.0);
}

/* VIX calls between the m levels at short expiries (the rare-jumps set: configs/models/
 * svcj2_cal_rn.yaml's pricing set, whose levels lie 3-5 VIX points apart): a 3- or 7-day law is
 * far narrower than that, and mixing the four slices' prices at the lane's strike missed by up to
 * 31 times the tolerance (v 0, m 0.16, 3 days at the money: 0.66 against the direct 0.50; 11-31
 * times at the states below). The lanes now follow the law across the stencil where it moves by
 * several widths (vix_group in svcj2_tables.c): at most 1.7 times at the first eight points. The
 * levels were capped at 24 for this set (a step of 0.087 in sqrt(m)): between the low levels,
 * where the physical paths spend their time, v 0, m 0.017 still missed by 5.0 at 3 days and 6.5 at
 * 7 days. With the 35 levels now allowed and the switch to the law at rho 1.5-3: at most 0.84 at
 * 3-7 days over all twelve points. A 30-day point, where the law is wider and the mix mostly reads
 * the strike, keeps the longer expiries honest (2.4 times at first, 2.1 at 24 levels, 0.52 now;
 * docs/numerics.md has a grid). */
static void test_between_levels(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PRARE, 0.00645, 0.0335);
    const vr_pricing *pr = shared_pricing(&m);
    vr_err err = {VR_OK, ""};
    static const struct { double v, m, days; } pts[] = {
        {0, 0.1635, 3}, {0, 0.0904, 3}, {0.005, 0.1488, 3}, {0.005, 0.105, 7},
        {0, 0.1488, 7}, {0.03, 0.1488, 3}, {0, 0.0465, 3}, {0, 0.1488, 30},
        {0, 0.0173, 3}, {0, 0.0173, 7}, {0.005, 0.0173, 7}, {0, 0.0465, 7},
    };
#ifdef VR_TEST_SMALL
    const size_t npts = 3;
#else
    const size_t npts = sizeof pts / sizeof *pts;
#endif
    double w = 0, w30 = 0;
    for (size_t i = 0; i < npts; i++) {
        const double v = pts[i].v, mm = pts[i].m, T = pts[i].days / 365;
        double *wp = pts[i].days < 30 ? &w : &w30;
        double fut, K[3], c[3];
        assert_int_equal(vr_svcj2_vix_future(&PRARE, v, mm, T, &fut, &err), VR_OK);
        for (int k = 0; k < 3; k++)
            K[k] = fut * (1.0 + 0.1 * k);
        assert_int_equal(vr_svcj2_vix_options(&PRARE, v, mm, T, K, 3, m.rate, 1, c, &err), VR_OK);
        const vr_state st = {0, 100, {v, mm}};
        for (int k = 0; k < 3; k++) {
            const vr_instrument ci = {VR_INST_VIX_OPTION, 1, K[k], T};
            const double ct = vr_pricing_mark(pr, &ci, &st, 0).price;
            const double tol = fmax(0.005 * c[k], 0.005), e = fabs(ct - c[k]);
            printf("  between levels: call v %g m %g T %g K/F %.1f: table %.5f direct %.5f (%.2f)\n", v, mm,
                   T * 365, K[k] / fut, ct, c[k], e / tol);
            *wp = fmax(*wp, e / tol);
        }
    }
    printf("  rare jumps, between the m levels (K 1-1.2 F): max error / tolerance %.2f at 3-7 days, %.2f at "
           "30 days (calls)\n", w, w30);
    assert_true(w <= 1.0);
    assert_true(w30 <= 1.0);
}

/* Spike states, where a crash puts the paths and the hedges are marked: v from 0.2 to 1 (50-100%
 * vol), m up to 0.2, the same tolerances. (The other checks draw v <= 0.2; drawn last, so their
 * points stay the same.) */
static void test_spike_states(void **state)
{
    (void)state;
    const vr_model m = vr_test_svcj2_model(&PQ, 0.03, 0.03);
    double w, wf, wc;
    check_spx(&m, "svcj2, spike states", 0.2, 1.0, 0.005, 0.2, &w);
    check_vix(&m, "svcj2, spike states", 0.2, 1.0, 0.005, 0.2, 6, &wf, &wc);
    assert_true(w <= 5e-4);
    assert_true(wf <= 1.0 && wc <= 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spx),
        cmocka_unit_test(test_vix),
        cmocka_unit_test(test_m_dimension),
        cmocka_unit_test(test_cached_single),
        cmocka_unit_test(test_build_only),
        cmocka_unit_test(test_lifted),
        cmocka_unit_test(test_rare_big_jumps),
        cmocka_unit_test(test_below_m_grid),
        cmocka_unit_test(test_spike_states),
        cmocka_unit_test(test_rare_floor),
        cmocka_unit_test(test_between_levels),
        cmocka_unit_test(test_above_m_grid),
    };
    return cmocka_run_group_tests(tests, cache_setup, cache_teardown);
}
