/* test_bs.c: the Black-76 kernels and the normal CDF (kernels/include/vixrisk/vk_bs.h).
 *
 * Oracles, independent of the kernels' algorithm: glibc's erfcl (long double, so the oracle's own
 * argument rounding, |x|^2 2^-64 relative, stays below 1e-16 in the tail) for N(x); put-call
 * parity and central finite differences of the price for the price and the Greeks; the intrinsic
 * value for the s = 0 limits. Each vector variant must reproduce the scalar reference (same
 * algorithm, same operations) to within 2 ulp or 1e-15 absolute: the only permitted source of
 * difference is SLEEF's vector vs scalar log in ln(F/K). Variants this CPU cannot run are skipped.
 * Inputs are drawn from a fixed PCG32 seed: K in [0.8, 1.25] (prices of order one, so absolute
 * tolerances mean what they say), F/K in [0.2, 5], vol in [0.01, 3], tau in [0, 3] with every
 * 16th tau exactly 0, df in [0.9, 1], cp = +-1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vk.h"
#include "vixrisk/vk_bs.h"
#include "vr_test_util.h"

#define N 4096

/* One set of inputs and outputs, every array N doubles, 64-byte aligned. */
typedef struct io {
    double *F, *K, *vol, *tau, *df, *cp;
    double *price, *delta, *gamma, *vega, *theta;
} io;

static double *dalloc(size_t n)
{
    double *p = aligned_alloc(64, n * sizeof(double));
    assert_non_null(p);
    memset(p, 0, n * sizeof(double));
    return p;
}

static void io_alloc(io *a)
{
    double **f[] = {&a->F, &a->K, &a->vol, &a->tau, &a->df, &a->cp,
                    &a->price, &a->delta, &a->gamma, &a->vega, &a->theta};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        *f[i] = dalloc(N);
}

static void io_free(io *a)
{
    double *f[] = {a->F, a->K, a->vol, a->tau, a->df, a->cp,
                   a->price, a->delta, a->gamma, a->vega, a->theta};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        free(f[i]);
}

static void io_copy_inputs(io *dst, const io *src)
{
    memcpy(dst->F, src->F, N * sizeof(double));
    memcpy(dst->K, src->K, N * sizeof(double));
    memcpy(dst->vol, src->vol, N * sizeof(double));
    memcpy(dst->tau, src->tau, N * sizeof(double));
    memcpy(dst->df, src->df, N * sizeof(double));
    memcpy(dst->cp, src->cp, N * sizeof(double));
}

static void run_greeks(const vk_table *v, io *a)
{
    v->black_greeks(a->F, a->K, a->vol, a->tau, a->df, a->cp, a->price, a->delta, a->gamma, a->vega,
              a->theta, N);
}

static double u01(vk_pcg32 *r) { return vk_u01_from_u32(vk_pcg32_next(r), vk_pcg32_next(r)); }

static void fill_random(io *a, uint64_t seed)
{
    vk_pcg32 r;
    vk_pcg32_seed(&r, seed, 11);
    for (size_t i = 0; i < N; i++) {
        a->K[i] = 0.8 + 0.45 * u01(&r);
        a->F[i] = a->K[i] * (0.2 + 4.8 * u01(&r));
        a->vol[i] = 0.01 + 2.99 * u01(&r);
        a->tau[i] = (i % 16 == 5) ? 0.0 : 3.0 * u01(&r);
        a->df[i] = 0.9 + 0.1 * u01(&r);
        a->cp[i] = (vk_pcg32_next(&r) & 1) ? 1.0 : -1.0;
    }
}

/* The table of the test's ISA (its state); skips the test if this CPU cannot run it. */
static const vk_table *need(void **state) { return need_isa(*state); }

/* ---- N(x) ------------------------------------------------------------------------------------ */

/* Dense grid on [-38, 9] against 0.5 erfcl(-x/sqrt 2): relative error for -37 <= x <= 0 (the lower
 * tail, down to where N underflows), absolute error everywhere. Required: 1e-12 relative,
 * 1e-14 absolute; the algorithm measures 1.3e-15 and 3.8e-16, and the test holds it to 4e-15 and
 * 1e-15 so that a regression of the polynomial shows. */
static void test_ncdf_vs_erfc(void **state)
{
    const vk_table *v = need(state);
    const size_t n = 47008; /* step 1e-3, a multiple of 8 */
    double *x = dalloc(n), *got = dalloc(n);
    for (size_t i = 0; i < n; i++)
        x[i] = -38.0 + 1e-3 * (double)i;
    v->ncdf(x, got, n);
    double max_abs = 0, max_rel = 0, at_abs = 0, at_rel = 0;
    for (size_t i = 0; i < n; i++) {
        const long double xl = x[i];
        const double want = (double)(0.5L * erfcl(-xl / sqrtl(2.0L)));
        const double ab = fabs(got[i] - want);
        if (!(ab <= max_abs)) { max_abs = ab; at_abs = x[i]; }
        if (x[i] >= -37.0 && x[i] <= 0.0) {
            const double rel = fabs(got[i] / want - 1.0);
            if (!(rel <= max_rel)) { max_rel = rel; at_rel = x[i]; }
        }
    }
    fprintf(stderr, "%s ncdf: max abs err %.3g at x = %g, max rel err (x in [-37,0]) %.3g at %g\n",
            v->isa, max_abs, at_abs, max_rel, at_rel);
    assert_true(max_abs <= 1e-15);
    assert_true(max_rel <= 4e-15);
    /* the extremes saturate exactly */
    assert_true(got[0] >= 0.0 && got[0] < 1e-300);
    assert_true(got[n - 1] == 1.0);
    free(x);
    free(got);
}

/* N(x) + N(-x) = 1 and monotonicity on random points. */
static void test_ncdf_symmetry(void **state)
{
    const vk_table *v = need(state);
    double *x = dalloc(N), *mx = dalloc(N), *a = dalloc(N), *b = dalloc(N);
    vk_pcg32 r;
    vk_pcg32_seed(&r, 99, 3);
    for (size_t i = 0; i < N; i++) {
        x[i] = -10.0 + 20.0 * u01(&r);
        mx[i] = -x[i];
    }
    v->ncdf(x, a, N);
    v->ncdf(mx, b, N);
    for (size_t i = 0; i < N; i++) {
        if (!(fabs(a[i] + b[i] - 1.0) <= 4e-16)) {
            fprintf(stderr, "N(%.17g) + N(-x) - 1 = %g\n", x[i], a[i] + b[i] - 1.0);
            fail();
        }
    }
    for (size_t i = 0; i < N; i++)
        x[i] = -38.0 + 47.0 * (double)i / N;
    v->ncdf(x, a, N);
    for (size_t i = 1; i < N; i++)
        assert_true(a[i] >= a[i - 1]);
    free(x); free(mx); free(a); free(b);
}

/* ---- vector variants against the reference --------------------------------------------------- */

static void test_ncdf_vs_ref(void **state)
{
    const vk_table *v = need(state);
    double *x = dalloc(N), *ref = dalloc(N), *got = dalloc(N);
    vk_pcg32 r;
    vk_pcg32_seed(&r, 7, 5);
    for (size_t i = 0; i < N; i++)
        x[i] = -40.0 + 50.0 * u01(&r);
    vk_ncdf_d_ref(x, ref, N);
    v->ncdf(x, got, N);
    assert_close_ulps(ref, got, N, 0); /* same operations: bit for bit */
    free(x); free(ref); free(got);
}

static void test_black_vs_ref(void **state)
{
    const vk_table *v = need(state);
    io a, b;
    io_alloc(&a);
    io_alloc(&b);
    fill_random(&a, 2024);
    io_copy_inputs(&b, &a);
    run_greeks(&vk_table_ref, &a);
    run_greeks(v, &b);
    assert_close_abs(a.price, b.price, N, 2, 1e-15);
    assert_close_abs(a.delta, b.delta, N, 2, 1e-15);
    assert_close_abs(a.gamma, b.gamma, N, 2, 1e-15);
    assert_close_abs(a.vega, b.vega, N, 2, 1e-15);
    assert_close_abs(a.theta, b.theta, N, 2, 1e-15);
    /* the price+delta kernel gives the same numbers as the Greeks kernel */
    v->black(b.F, b.K, b.vol, b.tau, b.df, b.cp, b.gamma, b.vega, N);
    assert_close_ulps(b.price, b.gamma, N, 0);
    assert_close_ulps(b.delta, b.vega, N, 0);
    io_free(&a);
    io_free(&b);
}

/* ---- properties of the formula ---------------------------------------------------------------- */

/* C - P = df (F - K) and delta_C - delta_P = df. */
static void test_put_call_parity(void **state)
{
    const vk_table *v = need(state);
    io c, p;
    io_alloc(&c);
    io_alloc(&p);
    fill_random(&c, 77);
    io_copy_inputs(&p, &c);
    for (size_t i = 0; i < N; i++) {
        c.cp[i] = 1.0;
        p.cp[i] = -1.0;
    }
    run_greeks(v, &c);
    run_greeks(v, &p);
    for (size_t i = 0; i < N; i++) {
        const double want = c.df[i] * (c.F[i] - c.K[i]);
        const double tol = 4e-16 * (c.F[i] + c.K[i]);
        const double ddelta = c.delta[i] - p.delta[i];
        const int atm0 = (c.vol[i] * sqrt(c.tau[i]) == 0.0) && c.F[i] == c.K[i];
        if (!(fabs(c.price[i] - p.price[i] - want) <= tol) ||
            (!atm0 && !(fabs(ddelta - c.df[i]) <= 4e-16)) ||
            !(c.gamma[i] == p.gamma[i] && c.vega[i] == p.vega[i] && c.theta[i] == p.theta[i])) {
            fprintf(stderr, "%s parity lane %zu: F %.17g K %.17g vol %g tau %g: C-P %.17g want %.17g, "
                    "dC-dP %.17g df %.17g\n", v->isa, i, c.F[i], c.K[i], c.vol[i], c.tau[i],
                    c.price[i] - p.price[i], want, ddelta, c.df[i]);
            fail();
        }
    }
    io_free(&c);
    io_free(&p);
}

/* Each Greek against a central difference: delta and vega and theta of the price, gamma of the
 * (tested) delta. Lanes with s = vol sqrt(tau) >= 0.05 and tau >= 0.01, where the differences are
 * well conditioned; steps of 1e-5 relative (truncation ~1e-10, rounding ~1e-11). */
static void test_greeks_fd(void **state)
{
    const vk_table *v = need(state);
    io a, up, dn;
    io_alloc(&a);
    io_alloc(&up);
    io_alloc(&dn);
    fill_random(&a, 4242);
    for (size_t i = 0; i < N; i++) /* keep tau away from 0 so that tau +- h >= 0 */
        if (a.tau[i] < 0.01)
            a.tau[i] = 0.01 + a.tau[i];
    run_greeks(v, &a);
    enum { D_F, D_VOL, D_TAU };
    for (int which = D_F; which <= D_TAU; which++) {
        io_copy_inputs(&up, &a);
        io_copy_inputs(&dn, &a);
        double *hu = which == D_F ? up.F : which == D_VOL ? up.vol : up.tau;
        double *hd = which == D_F ? dn.F : which == D_VOL ? dn.vol : dn.tau;
        double *base = which == D_F ? a.F : which == D_VOL ? a.vol : a.tau;
        for (size_t i = 0; i < N; i++) {
            const double h = 1e-5 * base[i];
            hu[i] = base[i] + h;
            hd[i] = base[i] - h;
        }
        run_greeks(v, &up);
        run_greeks(v, &dn);
        size_t checked = 0;
        for (size_t i = 0; i < N; i++) {
            const double s = a.vol[i] * sqrt(a.tau[i]);
            if (s < 0.05)
                continue;
            checked++;
            const double h2 = hu[i] - hd[i];
            const double fd_p = (up.price[i] - dn.price[i]) / h2;
            double want, got;
            const char *what;
            if (which == D_F) {
                /* delta from the price, gamma from delta */
                if (!(fabs(fd_p - a.delta[i]) <= 1e-8 * (1.0 + fabs(a.delta[i])))) {
                    fprintf(stderr, "%s delta lane %zu: fd %.12g analytic %.12g\n", v->isa, i,
                            fd_p, a.delta[i]);
                    fail();
                }
                want = (up.delta[i] - dn.delta[i]) / h2;
                got = a.gamma[i];
                what = "gamma";
            } else if (which == D_VOL) {
                want = fd_p;
                got = a.vega[i];
                what = "vega";
            } else {
                want = -fd_p;
                got = a.theta[i];
                what = "theta";
            }
            if (!(fabs(want - got) <= 1e-7 * (1.0 + fabs(got)))) {
                fprintf(stderr, "%s %s lane %zu: F %g K %g vol %g tau %g cp %g: fd %.12g analytic "
                        "%.12g\n", v->isa, what, i, a.F[i], a.K[i], a.vol[i], a.tau[i], a.cp[i],
                        want, got);
                fail();
            }
        }
        assert_true(checked > N / 2);
    }
    io_free(&a);
    io_free(&up);
    io_free(&dn);
}

/* s = 0 (tau = 0 or vol = 0) gives the intrinsic limits exactly; s tiny but positive tends to
 * them without NaN; extreme but valid inputs stay finite. */
static void test_limits(void **state)
{
    const vk_table *v = need(state);
    io a;
    io_alloc(&a);
    const double mny[8] = {0.5, 0.999, 1.0, 1.001, 2.0, 1.0, 0.2, 5.0};
    for (size_t i = 0; i < N; i++) {
        a.K[i] = 1.0 + 0.01 * (double)(i % 7);
        a.F[i] = a.K[i] * mny[i % 8];
        a.cp[i] = (i / 8) % 2 ? 1.0 : -1.0;
        a.df[i] = 0.95;
        switch ((i / 16) % 4) {
        case 0: a.tau[i] = 0.0; a.vol[i] = 0.3; break;     /* expired */
        case 1: a.tau[i] = 0.5; a.vol[i] = 0.0; break;     /* no vol */
        case 2: a.tau[i] = 0.0; a.vol[i] = 0.0; break;
        default: a.tau[i] = 1e-300; a.vol[i] = 0.2; break; /* s = 2e-151 > 0 */
        }
    }
    run_greeks(v, &a);
    for (size_t i = 0; i < N; i++) {
        const double iv = a.cp[i] * (a.F[i] - a.K[i]);
        const double price0 = a.df[i] * (iv > 0 ? iv : 0.0);
        const double delta0 = iv > 0 ? a.df[i] * a.cp[i] : 0.0;
        const int kind = (int)((i / 16) % 4);
        assert_true(isfinite(a.price[i]) && isfinite(a.delta[i]) && isfinite(a.gamma[i]) &&
                    isfinite(a.vega[i]) && isfinite(a.theta[i]));
        if (kind < 3) {
            if (a.price[i] != price0 || a.delta[i] != delta0 || a.gamma[i] != 0.0 ||
                a.theta[i] != 0.0) {
                fprintf(stderr, "%s limit lane %zu (F %.17g K %.17g tau %g vol %g cp %g): price %.17g "
                        "want %.17g, delta %.17g want %.17g, gamma %g theta %g\n", v->isa, i, a.F[i],
                        a.K[i], a.tau[i], a.vol[i], a.cp[i], a.price[i], price0, a.delta[i], delta0,
                        a.gamma[i], a.theta[i]);
                fail();
            }
            /* vega: 0 when expired; the sigma -> 0 limit df F sqrt(tau) phi(0) at the money */
            const double vega0 = (kind == 1 && a.F[i] == a.K[i])
                                     ? a.df[i] * a.F[i] * sqrt(a.tau[i]) / sqrt(2.0 * M_PI)
                                     : 0.0;
            assert_true(fabs(a.vega[i] - vega0) <= 1e-15);
        } else {
            /* tiny s: the formula itself; at the money price -> 0 and delta -> df cp / 2 */
            const double dwant = a.F[i] == a.K[i] ? 0.5 * a.df[i] * a.cp[i] : delta0;
            if (!(fabs(a.price[i] - price0) <= 1e-15) || !(fabs(a.delta[i] - dwant) <= 1e-15)) {
                fprintf(stderr, "%s tiny-s lane %zu: price %.17g want %.17g delta %.17g want %.17g\n",
                        v->isa, i, a.price[i], price0, a.delta[i], dwant);
                fail();
            }
        }
    }
    /* extreme but valid: huge vol and tau, tiny vol, far from the money */
    for (size_t i = 0; i < N; i++) {
        a.K[i] = 1.0;
        a.F[i] = (i % 3 == 0) ? 1e-30 : (i % 3 == 1) ? 1e30 : 1.0;
        a.vol[i] = (i % 5 == 0) ? 1e-12 : (i % 5 == 1) ? 50.0 : 0.2;
        a.tau[i] = (i % 7 == 0) ? 100.0 : 1e-8;
        a.cp[i] = (i % 2) ? 1.0 : -1.0;
        a.df[i] = 1.0;
    }
    run_greeks(v, &a);
    for (size_t i = 0; i < N; i++) {
        if (!(isfinite(a.price[i]) && isfinite(a.delta[i]) && isfinite(a.gamma[i]) &&
              isfinite(a.vega[i]) && isfinite(a.theta[i])) || a.price[i] < 0.0 ||
            fabs(a.delta[i]) > 1.0) {
            fprintf(stderr, "%s extreme lane %zu: F %g vol %g tau %g cp %g -> %g %g %g %g %g\n",
                    v->isa, i, a.F[i], a.vol[i], a.tau[i], a.cp[i], a.price[i], a.delta[i],
                    a.gamma[i], a.vega[i], a.theta[i]);
            fail();
        }
    }
    io_free(&a);
}

/* The comparison helper the vs-ref tests rely on does catch a one-ulp difference. */
static void test_compare_can_fail(void **state)
{
    (void)state;
    io a;
    io_alloc(&a);
    fill_random(&a, 1);
    run_greeks(&vk_table_ref, &a);
    memcpy(a.gamma, a.price, N * sizeof(double));
    a.gamma[123] = nextafter(a.gamma[123], INFINITY);
    assert_int_equal(vr_first_mismatch(a.price, a.gamma, N, 0, 0.0, "deliberate"), 123);
    io_free(&a);
}

/* ---- single-precision marks (black_greeks_sf; vk.h "single-precision marks") ----------------
 * Inputs of the marks' range: K in [0.8, 1.25], F/K in [0.5, 2], vol in [0.03, 2], tau in
 * [1/365, 2] with every 16th tau exactly 0, df in [0.9, 1]. The worst errors are printed. */
static void fill_marks(io *a, uint64_t seed)
{
    vk_pcg32 r;
    vk_pcg32_seed(&r, seed, 13);
    for (size_t i = 0; i < N; i++) {
        a->K[i] = 0.8 + 0.45 * u01(&r);
        a->F[i] = a->K[i] * exp(log(0.5) + log(4.0) * u01(&r));
        a->vol[i] = 0.03 + 1.97 * u01(&r);
        a->tau[i] = (i % 16 == 5) ? 0.0 : exp(log(1.0 / 365) + log(2.0 * 365) * u01(&r));
        a->df[i] = 0.9 + 0.1 * u01(&r);
        a->cp[i] = (vk_pcg32_next(&r) & 1) ? 1.0 : -1.0;
    }
}

typedef struct sf_err {
    double price;  /* |difference| / (max(F, K) df) */
    double delta;  /* |difference| / (1 + phi(d1) / s) */
    double greek;  /* gamma, vega, theta: |difference| / |value| / (1 + |d1| / s) */
    double tiny;   /* the same where a's value is at most 1e-30: |difference| / (max(F, K) df) */
} sf_err;

/* The largest differences of b from a (same inputs): the price relative to max(F, K) df (the size
 * of the terms whose difference it is), the delta absolute, gamma, vega and theta relative to
 * their own size where it is above 1e-30 (a float underflows below 1e-38), else absolute in
 * units of max(F, K) df (the float kernel clamps |d1| at 12, where the double one goes on to
 * 0: docs/numerics.md gives that difference as of order 1e-32 F). A value that is not finite on
 * either side is an error of infinity. */
/* e = max(e, x), with a NaN x making e NaN (fmax would drop it, and the test would pass). */
static double worse(double e, double x) { return x <= e ? e : x > e ? x : NAN; }

static sf_err sf_diff(const io *a, const io *b)
{
    sf_err e = {0, 0, 0, 0};
    for (size_t i = 0; i < N; i++) {
        if (!isfinite(b->price[i]) || !isfinite(b->delta[i]) || !isfinite(a->price[i]) ||
            !isfinite(a->delta[i])) {
            e.price = e.delta = NAN;
            continue;
        }
        /* the conditioning of a lane: a relative change eps of F moves d1 by eps / s, the delta
         * by phi(d1) eps / s and phi(d1) by |d1| eps / s relative; the errors are measured in
         * units of that, eps = 2^-24 (the rounding of the inputs to float) */
        const double s = a->vol[i] * sqrt(a->tau[i]);
        if (!(s > 0))
            continue;
        const double d1 = log(a->F[i] / a->K[i]) / s + 0.5 * s;
        const double phi = exp(-0.5 * d1 * d1) * 0.3989422804014327;
        const double scale = fmax(a->F[i], a->K[i]) * a->df[i];
        e.price = worse(e.price, fabs(b->price[i] - a->price[i]) / scale);
        e.delta = worse(e.delta, fabs(b->delta[i] - a->delta[i]) / (1.0 + phi / s));
        const double *ga[3] = {a->gamma, a->vega, a->theta}, *gb[3] = {b->gamma, b->vega, b->theta};
        for (int k = 0; k < 3; k++) {
            const double w = fabs(ga[k][i]);
            const double d = fabs(gb[k][i] - ga[k][i]);
            if (!isfinite(gb[k][i]) || !isfinite(ga[k][i]))
                e.greek = INFINITY;
            else if (w > 1e-30)
                e.greek = worse(e.greek, d / w / (1.0 + fabs(d1) / s));
            else
                e.tiny = worse(e.tiny, d / scale);
        }
    }
    return e;
}

/* Each vector variant against the float reference (the units of sf_diff): SLEEF's vector and
 * scalar logf and expf may differ by an ulp (the vector code paths use FMA). Measured (AMD EPYC,
 * AVX-512 and AVX2): price 1.1e-7, delta 3.1e-8, Greeks 8.2e-8; held to 4e-7, 2e-7 and 1e-6. */
static void test_sf_vs_ref(void **state)
{
    const vk_table *v = need(state);
    io a, r;
    io_alloc(&a);
    io_alloc(&r);
    fill_marks(&a, 41);
    io_copy_inputs(&r, &a);
    v->black_greeks_sf(a.F, a.K, a.vol, a.tau, a.df, a.cp, a.price, a.delta, a.gamma, a.vega, a.theta, N);
    vk_black_greeks_sf_d_ref(r.F, r.K, r.vol, r.tau, r.df, r.cp, r.price, r.delta, r.gamma, r.vega,
                             r.theta, N);
    const sf_err e = sf_diff(&r, &a);
    fprintf(stderr, "%s black_greeks_sf vs its reference: price %.3g, delta %.3g, Greeks %.3g "
            "(below 1e-30: %.3g absolute)\n", v->isa, e.price, e.delta, e.greek, e.tiny);
    assert_true(e.price <= 4e-7);
    assert_true(e.delta <= 2e-7);
    assert_true(e.greek <= 1e-6);
    assert_true(e.tiny <= 1e-29);
    /* the s = 0 lanes (every 16th, which sf_diff leaves out): the intrinsic limits, exactly */
    for (size_t i = 5; i < N; i += 16) {
        assert_true(a.price[i] == r.price[i] && a.delta[i] == r.delta[i]);
        assert_true(a.gamma[i] == 0.0 && a.theta[i] == 0.0 && a.vega[i] == r.vega[i]);
    }
    /* calls of 8, 24 and 40 lanes (AVX-512: ending on half a vector of floats) at several offsets
     * give the lanes of the whole call bit for bit and write nothing past their end */
    io c;
    io_alloc(&c);
    io_copy_inputs(&c, &a);
    const size_t ns[] = {8, 24, 40};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        for (size_t off = 0; off + ns[k] + 8 <= N; off += 520) {
            double *out[5] = {c.price, c.delta, c.gamma, c.vega, c.theta};
            const double *want[5] = {a.price, a.delta, a.gamma, a.vega, a.theta};
            for (int f = 0; f < 5; f++)
                for (size_t i = off; i < off + ns[k] + 8; i++)
                    out[f][i] = -7.0;
            v->black_greeks_sf(c.F + off, c.K + off, c.vol + off, c.tau + off, c.df + off, c.cp + off,
                               c.price + off, c.delta + off, c.gamma + off, c.vega + off, c.theta + off,
                               ns[k]);
            for (int f = 0; f < 5; f++) {
                assert_memory_equal(out[f] + off, want[f] + off, ns[k] * sizeof(double));
                for (size_t i = off + ns[k]; i < off + ns[k] + 8; i++)
                    assert_true(out[f][i] == -7.0);
            }
        }
    io_free(&c);
    io_free(&a);
    io_free(&r);
}

/* The float reference against the double one: the accuracy the marks give up (docs/numerics.md,
 * "single-precision marks"), in the units of sf_diff: the rounding of F to float (2^-24 = 6e-8)
 * propagated through d1. Measured: price 1.9e-7 of max(F, K) df, delta 1.2e-7, Greeks 2.4e-7,
 * Greeks below 1e-30 (beyond the float kernel's clamp of |d1| at 12) 2.0e-29 of max(F, K) df
 * absolute; held to 5e-7, 4e-7, 1e-6 and 1e-28. The s = 0 lanes (every 16th) give the intrinsic limits of the
 * inputs rounded to float. */
static void test_sf_vs_double(void **state)
{
    (void)state;
    io a, d;
    io_alloc(&a);
    io_alloc(&d);
    fill_marks(&a, 43);
    io_copy_inputs(&d, &a);
    vk_black_greeks_sf_d_ref(a.F, a.K, a.vol, a.tau, a.df, a.cp, a.price, a.delta, a.gamma, a.vega,
                             a.theta, N);
    vk_black_greeks_d_ref(d.F, d.K, d.vol, d.tau, d.df, d.cp, d.price, d.delta, d.gamma, d.vega,
                          d.theta, N);
    const sf_err e = sf_diff(&d, &a);
    fprintf(stderr, "black_greeks_sf reference vs double: price %.3g of max(F, K) df, delta %.3g, "
            "Greeks %.3g relative (below 1e-30: %.3g absolute)\n", e.price, e.delta, e.greek, e.tiny);
    assert_true(e.price <= 5e-7);
    assert_true(e.delta <= 4e-7);
    assert_true(e.greek <= 1e-6);
    assert_true(e.tiny <= 1e-28);
    for (size_t i = 5; i < N; i += 16) { /* tau = 0: intrinsic, delta 0 or +-df */
        const float F = (float)a.F[i], K = (float)a.K[i], D = (float)a.df[i], cp = (float)a.cp[i];
        const float iv = cp * (F - K);
        assert_true(a.price[i] == (double)(D * (iv > 0 ? iv : 0.0f)));
        assert_true(a.delta[i] == (iv > 0 ? (double)(D * cp) : 0.0));
        assert_true(a.gamma[i] == 0.0 && a.theta[i] == 0.0);
    }
    io_free(&a);
    io_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VR_ISA_TESTS(test_ncdf_vs_erfc),
        VR_ISA_TESTS(test_ncdf_symmetry),
        VR_SIMD_TESTS(test_ncdf_vs_ref),
        VR_SIMD_TESTS(test_black_vs_ref),
        VR_ISA_TESTS(test_put_call_parity),
        VR_ISA_TESTS(test_greeks_fd),
        VR_ISA_TESTS(test_limits),
        cmocka_unit_test(test_compare_can_fail),
        VR_SIMD_TESTS(test_sf_vs_ref),
        cmocka_unit_test(test_sf_vs_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
