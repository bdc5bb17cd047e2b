/* pricing.c: the pricing layer (see vr_pricing.h): one object per pricing model that marks every
 * instrument kind at a path's state, through one marking function for batches and single marks.
 *
 * vr_pricing_mark_n sorts the lanes of a batch by kind (an index list per kind, in lane order),
 * gathers each kind's lanes into contiguous scratch arrays padded to the kernel width, runs that
 * kind's kernels once and scatters the results back. Every lane's arithmetic is independent of
 * its neighbours (the kernels work lane by lane), so a lane's mark does not depend on what else is
 * in the batch: a batch of one with the same kernels gives the same bits.
 *
 * SPX: forward F = S e^{(r-q) tau}, discount e^{-r tau}, k = ln(K/F)/sqrt(tau); the model's
 * surface gives the vol, the Black-76 kernel the price and Greeks; the spot delta is dP/dF F/S.
 * VIX options: the model's VIX table kernel gives the call; puts by parity on the table's future,
 * and the call delta dC/dF (on request) is the Black-76 delta at the call's implied vol, found by
 * a few Newton steps on the table price: that is how strikes "by delta" are chosen on the VIX
 * option grid. VIX futures: the table's future. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pricing/table_store.h"
#include "vixrisk/vr_alloc.h"
#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vk_bs.h"

struct vr_pricing {
    const vr_model_ops *ops;
    vr_model model;
    double max_tau;
    double r, q;
    vr_vix_coef c9, c30, c93;
    vr_model_tables *tab;
    int has[2];     /* has[VR_UL_SPX], has[VR_UL_VIX]: the tables of that underlying were built */
    uint64_t serial; /* this layer's number among those built by the process (vr_mark_cache's key:
                        a layer built later at a destroyed one's address is another layer) */
    int from_store;  /* the tables came from the table store (table_store.c) */
    double seconds;  /* wall seconds to build or load them */
};

const vr_inst_kind_info vr_inst_kinds[VR_INST_NKINDS] = {
    [VR_INST_SPX_OPTION] = {"spx_option", VR_UL_SPX, 1, 100.0, 0},
    [VR_INST_VIX_OPTION] = {"vix_option", VR_UL_VIX, 1, 100.0, 0},
    [VR_INST_VIX_FUTURE] = {"vix_future", VR_UL_VIX, 0, 1000.0, 1},
};

/* The SPX surface's time axis below a year: nodes 1 day x e^(k D), the step D that puts 44
 * nodes on [1, 47] days, so the main job's tables (45-day condors, two days of slack) keep their
 * nodes. A run builds tables per extent (its policies' longest expiry and two days: eval.c), and
 * with nodes spread over each extent's own span, an option was priced from other records in a
 * policy whose hedges went further out: a layer of 60-day SPX puts that never traded moved its
 * condor's fills by 1e-4 points and, through the rules' thresholds, the policy's P&L against the
 * baseline by up to 13,718 USD on a path (3,000 paths; 625 moved by more than 1 USD). On the
 * ladder every extent's nodes are the first of the same sequence, so an option is priced from the
 * same records whatever the extent, and a policy's numbers still do not depend on the others'. */
#define SPX_LADDER_TOP (47.0 / 365)
#define SPX_LADDER_NODES 44

/* The VIX tables' time axis below a year: uniform in sqrt(T) at the spacing of 20 nodes over
 * [1, 60] days (every extent up to 60 days had those nodes already), to two nodes past the extent
 * (vr_vix_t_nodes: the lookup's 4-point stencil is moved inward only in a table's last cell). */
#define VIX_LADDER_TOP (60.0 / 365)

/* The tables' extent for instruments expiring within max_tau years: below a year the SPX and VIX
 * axes are the ladders (SPX_LADDER_*, VIX_LADDER_TOP); from a year (`vixrisk price` builds to one
 * at least) their nodes span [1 day, max_tau] as before. */
static vr_tables_spec tables_spec(const vr_model *m, double max_tau)
{
    const double step = (log(SPX_LADDER_TOP) - log(1.0 / 365)) / (SPX_LADDER_NODES - 1);
    const int ladder = max_tau < 1.0;
    const vr_tables_spec ts = {.tau_max_spx = fmax(max_tau, 30.0 / 365),
                               .spx_tau_step = ladder ? step : 0.0,
                               .tau_max_vix = fmax(max_tau, VIX_LADDER_TOP),
                               .vix_tau_top = ladder ? VIX_LADDER_TOP : 0.0, .rate = m->rate,
                               .v_cover = vr_model_vix_table_cover(m)};
    return ts;
}

/* The check of a build that leaves out the tables of `skip` (VR_TABLES_NO_*): their limits do
 * not apply (an SPX-only build for a 10.5-year SPX option failed on the VIX table's 10 years). */
static vr_status check_skip(const vr_model *m, double max_tau, unsigned skip, vr_err *err)
{
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return vr_fail(err, VR_EINVAL, "pricing: unknown model type %d", (int)m->type);
    if (!(max_tau > 0 && max_tau <= 30))
        return vr_fail(err, VR_EINVAL, "pricing: longest expiry must be in (0, 30] years (got %g)", max_tau);
    vr_tables_spec ts = tables_spec(m, max_tau);
    ts.skip = skip;
    return ops->tables_check(m, &ts, err);
}

vr_status vr_pricing_check(const vr_model *m, double max_tau, vr_err *err)
{
    return check_skip(m, max_tau, 0, err);
}

/* ---- the SPX table's self-check ---------------------------------------------------------------- */

/* The SPX table interpolates implied vols that the build priced by a Fourier (COS) series at its
 * nodes; the nodes are only as good as the series' hold on the model's law of ln S. Within the
 * parameters' ranges there are laws it does not hold: at a vol of variance near the top of its
 * range (Heston sigma 4-10 with kappa 2, theta 0.04: Feller ratios 0.01-0.0016) call prices
 * months out come out too high, and a 6-month call 23% above the forward at sigma 10 was marked at
 * 0.31 against 0.082 (the direct pricer; Monte Carlo agreed with it). The nodes' own checks (the
 * law's mean, parity at the money) pass. So every set of tables is checked once, when built,
 * against the model's direct pricer where a book trades: SPX options about 10, 25 and 50 delta
 * (puts) and 25 and 10 delta (calls), the strikes placed at N^-1(delta) times the direct
 * at-the-money vol, at expiries of 7, 30, 91, 182 and 365 days short of the tables' longest and
 * at the longest, in four or five states (vr_pricing_selfcheck). The measure is the price
 * difference over the table's vega (the vol error it stands for, defined also where the direct
 * price has no implied vol), where that difference exceeds a tenth of a tick. The tables'
 * documented accuracy is 5e-4 (docs/numerics.md, "SPX implied-vol surface"; the configs' models
 * miss by 2e-5 to 1.4e-4 here); a miss of VR_PRICING_SELFCHECK_TOL or more refuses the tables with
 * the point named. */
#define SELFCHECK_NZ 5
#define SELFCHECK_NT 5
static const double selfcheck_z[SELFCHECK_NZ] = {-1.2815515655446004, -0.6744897501960817, 0.0,
                                                 0.6744897501960817, 1.2815515655446004};
static const double selfcheck_days[SELFCHECK_NT] = {7, 30, 91, 182, 365};

/* One (state, expiry) pair of the check: the misses of its SELFCHECK_NZ options into miss[] (NaN
 * where the direct at-the-money price has no implied vol to place the strikes by), and each
 * option's strike and prices. */
typedef struct selfcheck_pt {
    double miss[SELFCHECK_NZ], K[SELFCHECK_NZ], table[SELFCHECK_NZ], direct[SELFCHECK_NZ], F;
    vr_status st; /* not VR_OK: the direct pricer failed here (the pair is passed over) */
} selfcheck_pt;

static void selfcheck_pair(const vr_pricing *pr, const double *x, double tau, selfcheck_pt *o)
{
    const vr_model_ops *ops = pr->ops;
    const vr_model *m = &pr->model;
    const double S = 100.0, F = S * exp((pr->r - pr->q) * tau);
    o->F = F;
    o->st = VR_OK;
    for (int iz = 0; iz < SELFCHECK_NZ; iz++)
        o->miss[iz] = NAN;
    vr_err e2;
    vr_err_clear(&e2);
    double atm;
    if (ops->spx_european(&m->pricing, S, pr->r, pr->q, x, F, tau, 0, &atm, &e2) != VR_OK)
        goto fail;
    const double sig = vr_bs_implied_vol(atm, S, F, pr->r, pr->q, tau, 0);
    if (!(sig > 0))
        return; /* no at-the-money vol: the strikes have no scale */
    vr_state st = {.t = 0.0, .S = S};
    for (int j = 0; j < ops->nfactors; j++)
        st.x[j] = x[j];
    for (int iz = 0; iz < SELFCHECK_NZ; iz++) {
        const int call = selfcheck_z[iz] > 0;
        const double K = F * exp(selfcheck_z[iz] * sig * sqrt(tau));
        double direct;
        if (ops->spx_european(&m->pricing, S, pr->r, pr->q, x, K, tau, call, &direct, &e2) != VR_OK)
            goto fail;
        const vr_instrument in = {.kind = VR_INST_SPX_OPTION, .cp = call ? 1 : -1, .strike = K,
                                  .t_exp = tau};
        const vr_mark mk = vr_pricing_mark(pr, &in, &st, 0);
        /* a price difference within a tenth of an SPX tick (1e-6 of the spot: 0.005 at 5000)
         * moves no P&L, whatever vol it stands for (a call the at-the-money vol places at 10
         * delta can be worth 2e-10 of the spot where rho is near -1) */
        const double diff = fabs(mk.price - direct);
        const double miss = diff <= 1e-6 * S ? 0.0 : diff / mk.vega;
        o->miss[iz] = isfinite(miss) ? miss : INFINITY; /* a NaN mark is a miss too */
        o->K[iz] = K;
        o->table[iz] = mk.price;
        o->direct[iz] = direct;
    }
    return;
fail:
    o->st = e2.code;
}

/* The check's states into xs (returns how many): the physical and the pricing sets' long-run
 * levels, and v at a quarter and four times the latter's; svcj2 also the pricing level of v at
 * the model's m0. Only what the tables' inputs fix (the table store and the run's cache share
 * tables between models that differ in v0 and spot: the check must give every one of them the
 * same answer). A state whose 30-day VIX under the pricing set exceeds vix_top has its v lowered
 * to that level: the tables' axes end there or not far above (the SPX axis at VIX 150,
 * vr_surface.h; the VIX table's at v = max(1, 12 theta*), VIX 96 and up), beyond which their
 * lookups extrapolate and are not held to their accuracy. */
#define SELFCHECK_NSTATE 5
static int selfcheck_states(const vr_pricing *pr, double vix_top, double xs[][VR_FACTORS_MAX])
{
    const vr_model_ops *ops = pr->ops;
    const vr_model *m = &pr->model;
    const int nf = ops->nfactors;
    double mean_q[VR_FACTORS_MAX] = {0}, start[VR_FACTORS_MAX] = {0};
    memset(xs, 0, SELFCHECK_NSTATE * sizeof xs[0]);
    ops->stationary_mean(&m->physical, xs[0]);
    ops->stationary_mean(&m->pricing, mean_q);
    static const double scale[3] = {1.0, 0.25, 4.0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < nf; j++)
            xs[1 + i][j] = (j == 0 ? scale[i] : 1.0) * mean_q[j];
    int nstate = 4;
    if (nf > 1) {
        ops->state0(m, start);
        for (int j = 0; j < nf; j++)
            xs[4][j] = j == 0 ? mean_q[0] : start[j];
        nstate = 5;
    }
    const double top = vix_top / 100.0;
    for (int is = 0; is < nstate; is++) {
        const double lv = vr_vix_level_x(&pr->c30, xs[is], nf) / 100.0;
        if (lv > top && pr->c30.bx[0] > 0) {
            double rest = pr->c30.a;
            for (int j = 1; j < nf; j++)
                rest += pr->c30.bx[j] * xs[is][j];
            xs[is][0] = fmax((top * top - rest) / pr->c30.bx[0], 0.0);
        }
    }
    return nstate;
}

/* The expiries of a check of tables reaching tau_top: the listed ones below it (those within a
 * tenth of it left out) and tau_top itself. Returns how many (at most nlist + 1). */
static int selfcheck_taus(const double *days, int nlist, double tau_top, double *taus)
{
    int nt = 0;
    while (nt < nlist && days[nt] / 365.0 < 0.9 * tau_top) {
        taus[nt] = days[nt] / 365.0;
        nt++;
    }
    taus[nt++] = tau_top;
    return nt;
}

static vr_status selfcheck_vix(const vr_pricing *pr, vr_pricing_miss *w, vr_err *err);

/* "v = 0.04, m = 0.03": a state's factors for a message (cap >= 1). */
static void state_str(const vr_model_ops *ops, const double *x, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int j = 0; j < ops->nfactors && o < cap; j++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s = %.4g", j ? ", " : "", ops->factor_names[j], x[j]);
}

vr_status vr_pricing_selfcheck(const vr_pricing *pr, vr_pricing_miss *worst, vr_err *err)
{
    vr_pricing_miss w = {0};
    if (worst)
        *worst = w;
    vr_status vst = VR_OK;
    if (pr->has[VR_UL_VIX] && (vst = selfcheck_vix(pr, &w, err)) == VR_ENOMEM)
        return vst;
    if (!pr->has[VR_UL_SPX]) {
        if (worst)
            *worst = w;
        return vst;
    }
    const vr_model_ops *ops = pr->ops;
    double xs[SELFCHECK_NSTATE][VR_FACTORS_MAX];
    const int nstate = selfcheck_states(pr, VR_PRICING_SELFCHECK_VIX, xs);
    const double tau_top = tables_spec(&pr->model, pr->max_tau).tau_max_spx;
    double taus[SELFCHECK_NT + 1];
    const int nt = selfcheck_taus(selfcheck_days, SELFCHECK_NT, tau_top, taus);
    selfcheck_pt *pts = malloc((size_t)(nstate * nt) * sizeof *pts);
    if (pts == NULL)
        return vr_fail(err, VR_ENOMEM, "pricing tables' check");
    /* the pairs are independent (an svcj2 direct price takes milliseconds): in parallel, then
     * read in a fixed order, so the worst point does not depend on the threads */
#pragma omp parallel for schedule(dynamic, 1)
    for (int q = 0; q < nstate * nt; q++)
        selfcheck_pair(pr, xs[q / nt], taus[q % nt], &pts[q]);
    for (int q = 0; q < nstate * nt; q++) {
        const selfcheck_pt *o = &pts[q];
        if (o->st != VR_OK)
            continue; /* no direct price to hold the table to (see selfcheck_vix) */
        for (int iz = 0; iz < SELFCHECK_NZ; iz++)
            if (o->miss[iz] > w.vol_err) {
                w.vol_err = o->miss[iz];
                w.tau = taus[q % nt];
                w.moneyness = o->K[iz] / o->F;
                w.call = selfcheck_z[iz] > 0;
                w.table = o->table[iz];
                w.direct = o->direct[iz];
                for (int j = 0; j < VR_FACTORS_MAX; j++)
                    w.x[j] = xs[q / nt][j];
            }
    }
    free(pts);
    if (worst)
        *worst = w;
    if (w.vol_err < VR_PRICING_SELFCHECK_TOL)
        return vst;
    char xb[96];
    state_str(ops, w.x, xb, sizeof xb);
    return vr_fail(err, VR_ENUM,
                   "the SPX table misses the model's direct price by %.3g vol points (%s at K/F = "
                   "%.3f, %.0f days, %s; table %.6g, direct %.6g per 100 of spot), over the %.2g "
                   "this check allows (the tables' documented accuracy is 0.05): the pricing "
                   "parameters' law of ln S is beyond what the table's Fourier series resolves "
                   "there, as with a vol of variance near the top of its range (docs/numerics.md, "
                   "\"SPX implied-vol surface\")",
                   100 * w.vol_err, w.call ? "call" : "put", w.moneyness, w.tau * 365, xb, w.table,
                   w.direct, 100 * VR_PRICING_SELFCHECK_TOL);
}

/* The VIX table's check: VIX calls at 0.9 to 2.2 times the direct future (the book buys calls of
 * 0.12-0.5 delta and spreads of them; a put is marked by parity, so a put's miss is its strike's
 * call's) and the future itself, at 7, 30, 60, 91, 182 and 365 days below the table's longest
 * expiry and at the longest, in the SPX check's states with the VIX at most 60. The measure is the
 * documented one (docs/numerics.md, "VIX futures and options"): |table - direct| over max(0.5% of
 * the direct price, 0.005 index points), whose worst on the test suite's sets is 0.03-0.17. A
 * miss of VR_PRICING_SELFCHECK_VIX_TOL or more refuses the tables. Without it, svcj2 with sigma_v
 * 10 marked a 30-day at-the-money call 0.63 too high (a put 2.02 against 1.386, Monte Carlo
 * 1.3936 +- 0.0006) with every build check passing. */
#define SELFCHECK_NVK 6
#define SELFCHECK_NVT 6
static const double selfcheck_vix_kf[SELFCHECK_NVK] = {0.9, 1.0, 1.15, 1.35, 1.7, 2.2};
static const double selfcheck_vix_days[SELFCHECK_NVT] = {7, 30, 60, 91, 182, 365};

typedef struct selfcheck_vpt {
    double miss[SELFCHECK_NVK + 1], table[SELFCHECK_NVK + 1], direct[SELFCHECK_NVK + 1];
    double F; /* the direct future */
    vr_status st; /* as selfcheck_pt's */
    char why[sizeof ((vr_err *)0)->msg]; /* the direct pricer's message where it failed */
} selfcheck_vpt;

static double vix_miss(double table, double direct)
{
    const double d = fabs(table - direct) / fmax(0.005 * fabs(direct), 0.005);
    return isfinite(d) ? d : INFINITY;
}

static void selfcheck_vix_pair(const vr_pricing *pr, const double *x, double tau, selfcheck_vpt *o)
{
    const vr_model_ops *ops = pr->ops;
    const vr_model *m = &pr->model;
    vr_err e2;
    vr_err_clear(&e2);
    o->st = VR_OK;
    vr_state st = {.t = 0.0, .S = 100.0};
    for (int j = 0; j < ops->nfactors; j++)
        st.x[j] = x[j];
    double F, K[SELFCHECK_NVK];
    if (ops->vix_future(&m->pricing, x, tau, &F, &e2) != VR_OK)
        goto fail;
    o->F = F;
    for (int i = 0; i < SELFCHECK_NVK; i++)
        K[i] = selfcheck_vix_kf[i] * F;
    if (ops->vix_options(&m->pricing, x, tau, K, SELFCHECK_NVK, pr->r, 1, o->direct, &e2) != VR_OK)
        goto fail;
    for (int i = 0; i < SELFCHECK_NVK; i++) {
        const vr_instrument in = {.kind = VR_INST_VIX_OPTION, .cp = 1, .strike = K[i], .t_exp = tau};
        o->table[i] = vr_pricing_mark(pr, &in, &st, 0).price;
        o->miss[i] = vix_miss(o->table[i], o->direct[i]);
    }
    const vr_instrument fi = {.kind = VR_INST_VIX_FUTURE, .cp = 0, .strike = 0, .t_exp = tau};
    o->table[SELFCHECK_NVK] = vr_pricing_mark(pr, &fi, &st, 0).price;
    o->direct[SELFCHECK_NVK] = F;
    o->miss[SELFCHECK_NVK] = vix_miss(o->table[SELFCHECK_NVK], F);
    return;
fail:
    o->st = e2.code;
    snprintf(o->why, sizeof o->why, "%s", e2.msg);
}

static vr_status selfcheck_vix(const vr_pricing *pr, vr_pricing_miss *w, vr_err *err)
{
    const vr_model_ops *ops = pr->ops;
    double xs[SELFCHECK_NSTATE][VR_FACTORS_MAX];
    int nstate = selfcheck_states(pr, VR_PRICING_SELFCHECK_VIX_VIX, xs);
    double taus[SELFCHECK_NVT + 1];
    int nt = selfcheck_taus(selfcheck_vix_days, SELFCHECK_NVT,
                            tables_spec(&pr->model, pr->max_tau).tau_max_vix, taus);
    if (ops->vix_law_build != NULL) {
        /* a model whose direct VIX option prices each take a law of VIX_T built for its state and
         * expiry (svcj2: one to three seconds of CPU each) is checked at the pricing set's level
         * of v and 30 days: one law, not up to 35 (sigma_v 10 misses there by 45 tolerances) */
        memcpy(xs[0], xs[1], sizeof xs[0]);
        nstate = 1;
        taus[0] = 30.0 / 365;
        nt = 1;
    }
    selfcheck_vpt *pts = malloc((size_t)(nstate * nt) * sizeof *pts);
    if (pts == NULL)
        return vr_fail(err, VR_ENOMEM, "pricing tables' check");
#pragma omp parallel for schedule(dynamic, 1)
    for (int q = 0; q < nstate * nt; q++)
        selfcheck_vix_pair(pr, xs[q / nt], taus[q % nt], &pts[q]);
    int any_ok = 0, first_bad = -1;
    for (int q = 0; q < nstate * nt; q++) {
        const selfcheck_vpt *o = &pts[q];
        /* A direct pricer that fails at a point (its own documented limits: an SVCJ set at sigma
         * 10 has no direct 180-day price) leaves nothing to hold the table to there: the point is
         * passed over, as the tables were built without it. Refusing them for it would stop runs
         * whose marks nothing shows wrong. (But a check that could hold the table to no point at
         * all checked nothing: below.) */
        if (o->st != VR_OK) {
            first_bad = first_bad < 0 ? q : first_bad;
            continue;
        }
        any_ok = 1;
        for (int i = 0; i <= SELFCHECK_NVK; i++)
            if (o->miss[i] > w->vix_err) {
                w->vix_err = o->miss[i];
                w->vix_tau = taus[q % nt];
                w->vix_future = i == SELFCHECK_NVK;
                w->vix_kf = i == SELFCHECK_NVK ? 0 : selfcheck_vix_kf[i];
                w->vix_fut = o->F;
                w->vix_table = o->table[i];
                w->vix_direct = o->direct[i];
                for (int j = 0; j < VR_FACTORS_MAX; j++)
                    w->vix_x[j] = xs[q / nt][j];
            }
    }
    if (!any_ok && first_bad >= 0) {
        /* svcj2 is checked at one point: where its direct option pricer cannot promise a price
         * there (it refuses a series it cannot resolve: docs/numerics.md, svcj2, "Where the cap
         * leaves too much"), the table would go unchecked; before that pricer had its longer
         * series, sigma_v 9-10 of the example set came here, and those tables missed Monte Carlo
         * by 0.4 VIX points at the money */
        char xb[96];
        state_str(ops, xs[first_bad / nt], xb, sizeof xb);
        const vr_status st = vr_fail(err, VR_ENUM,
                                     "the VIX table could not be checked: the model's direct VIX "
                                     "pricer failed at every point of the check (%.0f days, %s: %s)",
                                     taus[first_bad % nt] * 365, xb, pts[first_bad].why);
        free(pts);
        return st;
    }
    free(pts);
    if (w->vix_err < VR_PRICING_SELFCHECK_VIX_TOL)
        return VR_OK;
    char xb[96];
    state_str(ops, w->vix_x, xb, sizeof xb);
    char what[64];
    if (w->vix_future)
        snprintf(what, sizeof what, "the VIX future");
    else
        snprintf(what, sizeof what, "a VIX call at %.3g (%.2f times the future %.4g)",
                 w->vix_kf * w->vix_fut, w->vix_kf, w->vix_fut);
    return vr_fail(err, VR_ENUM,
                   "the VIX table misses the model's direct price of %s by %.3g times its "
                   "tolerance (%.0f days, %s; table %.6g, direct %.6g; tolerance max(0.5%% of the "
                   "price, 0.005), the table's documented worst 0.17), over the %.3g this check "
                   "allows: the pricing parameters' law of the VIX is beyond what the table "
                   "follows there (docs/numerics.md, \"VIX futures and options\")",
                   what, w->vix_err, w->vix_tau * 365, xb, w->vix_table, w->vix_direct,
                   (double)VR_PRICING_SELFCHECK_VIX_TOL);
}

static vr_status build(const vr_model *m, double max_tau, unsigned skip, vr_pricing **out,
                       vr_err *err)
{
    vr_status st = check_skip(m, max_tau, skip, err);
    if (st != VR_OK)
        return st;
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    vr_pricing *pr = calloc(1, sizeof *pr);
    if (pr == NULL)
        return vr_fail(err, VR_ENOMEM, "pricing");
    pr->ops = ops;
    static _Atomic uint64_t built;
    pr->serial = ++built;
    pr->model = *m;
    pr->max_tau = max_tau;
    pr->r = m->rate;
    pr->q = m->dividend;
    pr->c9 = ops->vix_coef(&m->pricing, VR_VIX_TAU_9D);
    pr->c30 = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    pr->c93 = ops->vix_coef(&m->pricing, VR_VIX_TAU_93D);
    vr_tables_spec ts = tables_spec(m, max_tau);
    ts.skip = skip;
    pr->has[VR_UL_SPX] = !(skip & VR_TABLES_NO_SPX);
    pr->has[VR_UL_VIX] = !(skip & VR_TABLES_NO_VIX);
    const double t0 = omp_get_wtime();
    int claim = -1; /* (held while a missed set is built and stored: table_store.h) */
    if (vr_table_store_fetch(m, max_tau, skip, ops, &pr->tab, &claim)) {
        pr->from_store = 1;
    } else {
        st = ops->tables_build(m, &ts, &pr->tab, err);
        /* (tables from the store were checked when this build of the library made them: the
         * store's key holds the build id) */
        if (st == VR_OK)
            st = vr_pricing_selfcheck(pr, NULL, err);
        if (st != VR_OK) {
            vr_table_store_release(claim);
            if (pr->tab)
                ops->tables_destroy(pr->tab);
            free(pr);
            return st;
        }
        vr_table_store_keep(m, max_tau, skip, ops, pr->tab);
    }
    vr_table_store_release(claim);
    pr->seconds = pr->from_store ? omp_get_wtime() - t0 : ops->tables_build_seconds(pr->tab);
    *out = pr;
    return VR_OK;
}

vr_status vr_pricing_build(const vr_model *m, double max_tau, vr_pricing **out, vr_err *err)
{
    return build(m, max_tau, 0, out, err);
}

vr_status vr_pricing_build_only(const vr_model *m, double max_tau, vr_underlying_id ul,
                                vr_pricing **out, vr_err *err)
{
    return build(m, max_tau, ul == VR_UL_SPX ? VR_TABLES_NO_VIX : VR_TABLES_NO_SPX, out, err);
}

int vr_pricing_marks(const vr_pricing *pr, vr_underlying_id ul)
{
    return (ul == VR_UL_SPX || ul == VR_UL_VIX) && pr->has[ul];
}

/* NaN marks for lanes idx[0..m) (a kind whose tables the layer left out). */
static void mark_absent(vr_mark_batch *b, size_t m)
{
    for (size_t q = 0; q < m; q++) {
        const uint32_t i = b->idx[q];
        b->price[i] = b->delta[i] = b->vega[i] = b->vol[i] = b->fut[i] = NAN;
    }
}

/* NaN marks for lanes [0, n) of a row (the rows of an underlying the layer left out). */
static void row_absent(vr_mark_batch *b, size_t n)
{
    for (size_t q = 0; q < n; q++)
        b->price[q] = b->delta[q] = b->vega[q] = b->vol[q] = b->fut[q] = NAN;
}

void vr_pricing_destroy(vr_pricing *pr)
{
    if (pr == NULL)
        return;
    pr->ops->tables_destroy(pr->tab);
    free(pr);
}

/* ---- the cache -------------------------------------------------------------------------------- */

struct vr_pricing_cache {
    vr_pricing **pr;
    size_t n, cap;
};

/* 1 when the tables of (a, tau_a) and (b, tau_b) read the same inputs (see vr_pricing.h): compared
 * bit for bit (memcmp: -0.0 and 0.0 differ, which only costs a build). */
static int same_inputs(const vr_model *a, double tau_a, const vr_model *b, double tau_b)
{
    return a->type == b->type && memcmp(&tau_a, &tau_b, sizeof tau_a) == 0 &&
           memcmp(&a->rate, &b->rate, sizeof a->rate) == 0 &&
           memcmp(&a->dividend, &b->dividend, sizeof a->dividend) == 0 &&
           memcmp(&a->m0, &b->m0, sizeof a->m0) == 0 &&
           memcmp(&a->pricing, &b->pricing, sizeof a->pricing) == 0 &&
           memcmp(&a->physical, &b->physical, sizeof a->physical) == 0 &&
           memcmp(&a->vix_cover, &b->vix_cover, sizeof a->vix_cover) == 0;
}

vr_status vr_pricing_cache_create(vr_pricing_cache **out, vr_err *err)
{
    if ((*out = calloc(1, sizeof **out)) == NULL)
        return vr_fail(err, VR_ENOMEM, "pricing: cache");
    return VR_OK;
}

vr_status vr_pricing_cache_get(vr_pricing_cache *c, const vr_model *m, double max_tau,
                               const vr_pricing **out, int *built, vr_err *err)
{
    if (built)
        *built = 0;
    for (size_t i = 0; i < c->n; i++)
        if (same_inputs(&c->pr[i]->model, c->pr[i]->max_tau, m, max_tau)) {
            *out = c->pr[i];
            return VR_OK;
        }
    if (c->n == c->cap) {
        const size_t cap = c->cap ? 2 * c->cap : 4;
        vr_pricing **np = realloc(c->pr, cap * sizeof *np);
        if (np == NULL)
            return vr_fail(err, VR_ENOMEM, "pricing: cache of %zu models", cap);
        c->pr = np;
        c->cap = cap;
    }
    vr_pricing *pr = NULL;
    const vr_status st = vr_pricing_build(m, max_tau, &pr, err);
    if (st != VR_OK)
        return st;
    c->pr[c->n++] = pr;
    *out = pr;
    if (built)
        *built = 1;
    return VR_OK;
}

size_t vr_pricing_cache_size(const vr_pricing_cache *c) { return c->n; }

void vr_pricing_cache_destroy(vr_pricing_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        vr_pricing_destroy(c->pr[i]);
    free(c->pr);
    free(c);
}

const vr_model_ops *vr_pricing_model(const vr_pricing *pr) { return pr->ops; }
double vr_pricing_rate(const vr_pricing *pr) { return pr->r; }
double vr_pricing_dividend(const vr_pricing *pr) { return pr->q; }
double vr_pricing_build_seconds(const vr_pricing *pr) { return pr->seconds; }
int vr_pricing_from_store(const vr_pricing *pr) { return pr->from_store; }

double vr_pricing_vix(const vr_pricing *pr, const double *x)
{
    return vr_vix_level_x(&pr->c30, x, pr->ops->nfactors);
}
double vr_pricing_vix3m(const vr_pricing *pr, const double *x)
{
    return vr_vix_level_x(&pr->c93, x, pr->ops->nfactors);
}
double vr_pricing_vix9d(const vr_pricing *pr, const double *x)
{
    return vr_vix_level_x(&pr->c9, x, pr->ops->nfactors);
}

/* ---- batches ------------------------------------------------------------------------------------ */

#define NIN (5 + VR_FACTORS_MAX)
#define NOUT 5

#define NARR (NIN + NOUT + VR_MARK_SCRATCH)

/* Every double array of a batch, in one list (allocation, freeing, the stack batch). */
static void batch_arrays(vr_mark_batch *b, double **list[NARR])
{
    size_t n = 0;
    list[n++] = &b->kind; list[n++] = &b->cp; list[n++] = &b->strike; list[n++] = &b->tau;
    list[n++] = &b->spot;
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        list[n++] = &b->x[j];
    list[n++] = &b->price; list[n++] = &b->delta; list[n++] = &b->vega; list[n++] = &b->vol;
    list[n++] = &b->fut;
    for (int j = 0; j < VR_MARK_SCRATCH; j++)
        list[n++] = &b->g[j];
}

vr_status vr_mark_batch_alloc(vr_mark_batch *b, size_t cap, vr_err *err)
{
    memset(b, 0, sizeof *b);
    cap = (cap + 7) / 8 * 8;
    b->cap = cap;
    double **arrs[NARR];
    batch_arrays(b, arrs);
    for (size_t i = 0; i < NARR; i++) {
        *arrs[i] = vr_aligned_alloc(cap * sizeof(double));
        if (*arrs[i] == NULL)
            goto fail;
    }
    b->idx = vr_aligned_alloc(cap * sizeof(uint32_t));
    if (b->idx == NULL)
        goto fail;
    return VR_OK;
fail:
    vr_mark_batch_free(b);
    return vr_fail(err, VR_ENOMEM, "pricing: batch of %zu lanes", cap);
}

void vr_mark_batch_free(vr_mark_batch *b)
{
    double **arrs[NARR];
    batch_arrays(b, arrs);
    for (size_t i = 0; i < NARR; i++)
        vr_free(*arrs[i]);
    vr_free(b->idx);
    memset(b, 0, sizeof *b);
}

/* Scratch arrays of the gathered lanes (names for the g[] slots). */
enum { G_TAU, G_STRIKE, G_CP, G_FWD, G_DF, G_K, G_VOL, G_PRICE, G_DELTA, G_GAMMA, G_VEGA, G_THETA,
       G_SPARE1, G_SPARE2, G_X0 };

static size_t pad_to(size_t m, const vk_table *kt)
{
    const size_t w = kt->lanes > 1 ? VK_LANES_MAX : 1;
    return (m + w - 1) / w * w;
}

/* Gather the factors of lanes idx[0..m) (clamped at 0: they are variances), padding lanes get
 * a valid dummy state. */
static void gather_x(vr_mark_batch *b, int nf, size_t m, size_t mp, const double *const **xg_out,
                     const double *xg[VR_FACTORS_MAX])
{
    for (int j = 0; j < nf; j++) {
        double *g = b->g[G_X0 + j];
        for (size_t q = 0; q < mp; q++) {
            const double v = q < m ? b->x[j][b->idx[q]] : 0.04;
            g[q] = v > 0 ? v : 0;
        }
        xg[j] = g;
    }
    *xg_out = xg;
}

/* The factors of an SPX expiry t >= 0: the forward's growth e^{(r-q) t}, the discount e^{-r t}
 * and sqrt(t). The batch, the rows and the cached single marks all take them from here, so that
 * they compute the same bits. */
static void spx_expiry(const vr_pricing *pr, double t, double *grow, double *df, double *rt)
{
    *grow = exp((pr->r - pr->q) * t);
    *df = exp(-pr->r * t);
    *rt = sqrt(t);
}

static void mark_spx(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t m)
{
    const size_t mp = pad_to(m, kt);
    double **g = b->g;
    /* the growth and discount factors and sqrt(tau) of each expiry, computed about once per call
     * (again when two expiries share a slot): a batch's lanes have few distinct expiries (a day's
     * positions were opened on a few dozen earlier days) and come in runs of one (a condor's four legs); a table of the last ones seen,
     * keyed by tau's bits (so a kept value is the bits a fresh one would be), slot by a hash */
    enum { TSLOTS = 64 };
    struct { uint64_t key; double grow, df, rt; } tc[TSLOTS]; /* valid where tc_set's bit is */
    uint64_t tc_set = 0; /* (no clearing: a single mark, a batch of one, would clear 2 KB) */
    double t_last = -1, grow = 1, df = 1, rt = 0;
    for (size_t q = 0; q < mp; q++) {
        double spot = 1.0, strike = 1.0, tau = 0.1, cp = 1.0; /* padding: a valid dummy option */
        if (q < m) {
            const uint32_t i = b->idx[q];
            spot = b->spot[i];
            strike = b->strike[i];
            tau = b->tau[i];
            cp = b->cp[i];
        }
        const double t = tau > 0 ? tau : 0;
        if (t != t_last) {
            uint64_t key;
            memcpy(&key, &t, sizeof key);
            const unsigned j = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 58);
            if (!(tc_set >> j & 1) || tc[j].key != key) {
                tc_set |= 1ull << j;
                tc[j].key = key;
                spx_expiry(pr, t, &tc[j].grow, &tc[j].df, &tc[j].rt);
            }
            grow = tc[j].grow;
            df = tc[j].df;
            rt = tc[j].rt;
            t_last = t;
        }
        g[G_STRIKE][q] = strike;
        g[G_CP][q] = cp;
        g[G_TAU][q] = t;
        g[G_FWD][q] = spot * grow;
        g[G_DF][q] = df;
        g[G_SPARE1][q] = rt; /* the root of tau, for the moneyness below */
    }
    /* log-moneyness in a loop of its own: the calls' latencies overlap; with the single-precision
     * marks (a table of vk_single_marks) from the vector kernel instead */
    if (kt->single_marks)
        kt->moneyness(g[G_STRIKE], g[G_FWD], g[G_TAU], g[G_SPARE1], g[G_K], mp);
    else
        for (size_t q = 0; q < mp; q++)
            g[G_K][q] = g[G_TAU][q] > 0 ? log(g[G_STRIKE][q] / g[G_FWD][q]) / g[G_SPARE1][q] : 0.0;
    const double *const *xs;
    const double *xg[VR_FACTORS_MAX] = {NULL};
    gather_x(b, pr->ops->nfactors, m, mp, &xs, xg);
    pr->ops->spx_vol_n(pr->tab, kt, xs, g[G_TAU], g[G_K], g[G_VOL], mp);
    for (size_t q = 0; q < mp; q++)
        if (!(g[G_TAU][q] > 0))
            g[G_VOL][q] = 0;
    kt->black_greeks(g[G_FWD], g[G_STRIKE], g[G_VOL], g[G_TAU], g[G_DF], g[G_CP], g[G_PRICE],
                     g[G_DELTA], g[G_GAMMA], g[G_VEGA], g[G_THETA], mp);
    for (size_t q = 0; q < m; q++) {
        const uint32_t i = b->idx[q];
        b->price[i] = g[G_PRICE][q];
        b->delta[i] = g[G_DELTA][q] * (g[G_FWD][q] / b->spot[i]); /* dP/dF dF/dS */
        b->vega[i] = g[G_VEGA][q];
        b->vol[i] = g[G_VOL][q];
        b->fut[i] = g[G_FWD][q];
    }
}

/* A row of SPX options of one side and expiry at one state (see vr_pricing.h): mark_spx's
 * arithmetic, with the forward, discount and root of tau, equal for every lane, computed once, and
 * the moneyness from the vector kernel. */
void vr_pricing_mark_spx_row(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t n,
                             const vr_state *s, int cp, double tau)
{
    if (!pr->has[VR_UL_SPX]) {
        row_absent(b, n);
        return;
    }
    if (kt == NULL && (kt = vk_select(NULL)) == NULL)
        kt = &vk_table_ref;
    const size_t mp = pad_to(n, kt);
    double **g = b->g;
    const double t = tau > 0 ? tau : 0;
    double grow, df, rt;
    spx_expiry(pr, t, &grow, &df, &rt);
    const double fwd = s->S * grow;
    for (size_t q = 0; q < mp; q++) {
        const double strike = q < n ? b->strike[q] : fwd; /* padding: the forward */
        g[G_STRIKE][q] = strike;
        g[G_CP][q] = (double)cp;
        g[G_TAU][q] = t;
        g[G_FWD][q] = fwd;
        g[G_DF][q] = df;
        g[G_SPARE1][q] = rt;
    }
    /* the moneyness from the vector kernel (SLEEF's 1-ulp log, not the C library's): a row only
     * decides a search where its value is further than VR_SWEEP_MARGIN (1e-8) from a decision,
     * and this moves a delta by about 1e-16, so no strike changes (book.c, sweep_walk) */
    kt->moneyness(g[G_STRIKE], g[G_FWD], g[G_TAU], g[G_SPARE1], g[G_K], mp);
    const int nf = pr->ops->nfactors;
    const double *xg[VR_FACTORS_MAX] = {NULL};
    for (int j = 0; j < nf; j++) {
        double *gx = g[G_X0 + j];
        const double v = s->x[j] > 0 ? s->x[j] : 0;
        for (size_t q = 0; q < mp; q++)
            gx[q] = v;
        xg[j] = gx;
    }
    pr->ops->spx_vol_n(pr->tab, kt, xg, g[G_TAU], g[G_K], g[G_VOL], mp);
    if (!(t > 0))
        for (size_t q = 0; q < mp; q++)
            g[G_VOL][q] = 0;
    kt->black_greeks(g[G_FWD], g[G_STRIKE], g[G_VOL], g[G_TAU], g[G_DF], g[G_CP], g[G_PRICE],
                     g[G_DELTA], g[G_GAMMA], g[G_VEGA], g[G_THETA], mp);
    for (size_t q = 0; q < n; q++) {
        b->price[q] = g[G_PRICE][q];
        b->delta[q] = g[G_DELTA][q] * (fwd / s->S);
        b->vega[q] = g[G_VEGA][q];
        b->vol[q] = g[G_VOL][q];
        b->fut[q] = fwd;
    }
}

/* dC/dF of a VIX call of price `price` on future `fut`: Black-76 delta at the implied vol. */
static double vix_call_delta(double fut, double strike, double tau, double price, double r)
{
    const double df = exp(-r * tau);
    double sig = 0.8, delta = 0;
    for (int it = 0; it < 30; it++) {
        const double cpd = 1.0;
        double pr, de, ga, ve, th;
        vk_black_greeks_d_ref(&fut, &strike, &sig, &tau, &df, &cpd, &pr, &de, &ga, &ve, &th, 1);
        const double diff = pr - price;
        delta = de / df;
        if (fabs(diff) < 1e-10 || ve < 1e-12)
            break;
        sig -= diff / ve;
        if (sig < 0.01)
            sig = 0.01;
        if (sig > 8)
            sig = 8;
    }
    return delta;
}

static void lane_x(const vr_mark_batch *b, uint32_t i, int nf, double *x)
{
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        x[j] = j < nf && b->x[j][i] > 0 ? b->x[j][i] : 0;
}

static void mark_vix_options(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t m,
                             unsigned want)
{
    const size_t mp = pad_to(m, kt);
    const int nf = pr->ops->nfactors;
    double **g = b->g;
    for (size_t q = 0; q < mp; q++) {
        g[G_TAU][q] = q < m ? b->tau[b->idx[q]] : 0.1;
        g[G_STRIKE][q] = q < m ? b->strike[b->idx[q]] : 20.0;
    }
    const double *const *xs;
    const double *xg[VR_FACTORS_MAX] = {NULL};
    gather_x(b, nf, m, mp, &xs, xg);
    pr->ops->vix_call_n(pr->tab, kt, xs, g[G_TAU], g[G_STRIKE], g[G_PRICE], mp);
    for (size_t q = 0; q < m; q++) {
        const uint32_t i = b->idx[q];
        const double tau = b->tau[i], K = b->strike[i];
        double x[VR_FACTORS_MAX];
        lane_x(b, i, nf, x);
        b->vega[i] = b->vol[i] = b->delta[i] = 0;
        if (!(tau > 0)) {
            const double vix = vr_vix_level_x(&pr->c30, x, nf);
            const double call = vix > K ? vix - K : 0;
            b->price[i] = b->cp[i] > 0 ? call : (K > vix ? K - vix : 0);
            b->fut[i] = vix;
            b->delta[i] = b->cp[i] > 0 ? (vix > K ? 1 : 0) : (vix < K ? -1 : 0);
            continue;
        }
        const double c = g[G_PRICE][q] > 0 ? g[G_PRICE][q] : 0;
        const int need_fut = b->cp[i] < 0 || (want & (VR_MARK_VIX_FUT | VR_MARK_VIX_DELTA));
        const double fut = need_fut ? pr->ops->vix_future_1(pr->tab, x, tau) : 0;
        b->fut[i] = fut;
        if (b->cp[i] > 0) {
            b->price[i] = c;
            if (want & VR_MARK_VIX_DELTA)
                b->delta[i] = vix_call_delta(fut, K, tau, c, pr->r);
        } else {
            const double p = c - exp(-pr->r * tau) * (fut - K);
            b->price[i] = p > 0 ? p : 0;
            if (want & VR_MARK_VIX_DELTA)
                b->delta[i] = vix_call_delta(fut, K, tau, c, pr->r) - 1.0;
        }
    }
}

/* A row of VIX calls of one expiry at one state (see vr_pricing.h): the table's calls in one kernel
 * call, the future once, and vix_call_delta's Newton solve run on every lane at once with kt's
 * Black-76 (the same steps, stop rule and clamps). Its delta is not the scalar solve's bits: both
 * stop where the price error is below 1e-10, so their vols lie within 1e-10/vega of the root and
 * their deltas within 1e-10 |d2| / (sigma F df sqrt(tau)) of each other (dN(d1)/dsigma over the
 * vega). A lane gets NaN where that bound, four times over, exceeds tol, or where the solve may
 * have ended otherwise than by convergence in the scalar one (it hit 30 steps or a vega below
 * 1e-12, or a step's price error or vega came within 1e-6 relative of a stop threshold), and
 * where 1e-10/vega exceeds 1e-3 of the vol (the bound is a first-order one). */
void vr_pricing_mark_vix_row(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t n,
                             const vr_state *s, double tau, double tol)
{
    if (!pr->has[VR_UL_VIX]) {
        row_absent(b, n);
        return;
    }
    if (kt == NULL && (kt = vk_select(NULL)) == NULL)
        kt = &vk_table_ref;
    const size_t mp = pad_to(n, kt);
    const int nf = pr->ops->nfactors;
    double **g = b->g;
    double x[VR_FACTORS_MAX];
    const double *xg[VR_FACTORS_MAX] = {NULL};
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        x[j] = j < nf && s->x[j] > 0 ? s->x[j] : 0;
    for (int j = 0; j < nf; j++) {
        for (size_t q = 0; q < mp; q++)
            g[G_X0 + j][q] = x[j];
        xg[j] = g[G_X0 + j];
    }
    for (size_t q = 0; q < mp; q++) {
        g[G_TAU][q] = tau;
        g[G_STRIKE][q] = q < n ? b->strike[q] : 20.0;
    }
    pr->ops->vix_call_n(pr->tab, kt, xg, g[G_TAU], g[G_STRIKE], g[G_SPARE1], mp);
    const double fut = pr->ops->vix_future_1(pr->tab, x, tau), df = exp(-pr->r * tau);
    /* The Newton solve on the lanes still running, kept at the front (b->idx[a]: the lane at
     * position a; G_STRIKE, G_SPARE1 (the call) and G_VOL in that order; the padding positions
     * hold earlier lanes' valid inputs). G_K[q]: lane q's end, 0 running, 1 converged, 2 unsure;
     * G_SPARE2[q] the vol of its last step. */
    for (size_t q = 0; q < mp; q++) {
        const double c = g[G_SPARE1][q] > 0 ? g[G_SPARE1][q] : 0;
        g[G_SPARE1][q] = c;
        g[G_FWD][q] = fut;
        g[G_DF][q] = df;
        g[G_CP][q] = 1.0;
        g[G_VOL][q] = 0.8;
        g[G_K][q] = 0;
        if (q < n) {
            b->idx[q] = (uint32_t)q;
            b->price[q] = c;
            b->delta[q] = 0;
        }
    }
    const double eps = 1e-10, vmin = 1e-12, near = 1e-6;
    size_t na = n;
    for (int it = 0; it < 30 && na > 0; it++) {
        kt->black_greeks(g[G_FWD], g[G_STRIKE], g[G_VOL], g[G_TAU], g[G_DF], g[G_CP], g[G_PRICE],
                         g[G_DELTA], g[G_GAMMA], g[G_VEGA], g[G_THETA], pad_to(na, kt));
        size_t keep = 0;
        for (size_t a = 0; a < na; a++) {
            const uint32_t q = b->idx[a];
            const double diff = g[G_PRICE][a] - g[G_SPARE1][a], ve = g[G_VEGA][a], ad = fabs(diff);
            const double sig = g[G_VOL][a];
            b->delta[q] = g[G_DELTA][a] / df;
            g[G_SPARE2][q] = sig;
            const int close = fabs(ad - eps) <= near * eps || fabs(ve - vmin) <= near * vmin;
            if (ad < eps || ve < vmin) { /* converged, or stopped on the vega (unsure) */
                g[G_K][q] = ad < eps && !close && eps < 1e-3 * sig * ve ? 1 : 2;
                continue;
            }
            if (close) { /* the scalar solve may stop here */
                g[G_K][q] = 2;
                continue;
            }
            double s1 = sig - diff / ve;
            s1 = s1 < 0.01 ? 0.01 : s1;
            b->idx[keep] = q;
            g[G_STRIKE][keep] = g[G_STRIKE][a];
            g[G_SPARE1][keep] = g[G_SPARE1][a];
            g[G_VOL][keep] = s1 > 8 ? 8 : s1;
            keep++;
        }
        na = keep;
    }
    const double rt = sqrt(tau);
    for (size_t q = 0; q < n; q++) {
        const double sig = g[G_SPARE2][q], K = b->strike[q];
        const double d2 = log(fut / K) / (sig * rt) - 0.5 * sig * rt;
        const double bound = 4 * eps * (fabs(d2) + 1) / (sig * fut * df * rt);
        if (g[G_K][q] != 1 || !(bound <= tol))
            b->delta[q] = NAN;
        b->fut[q] = fut;
        b->vega[q] = b->vol[q] = 0;
    }
}

static void mark_vix_futures(const vr_pricing *pr, vr_mark_batch *b, size_t m)
{
    const int nf = pr->ops->nfactors;
    for (size_t q = 0; q < m; q++) {
        const uint32_t i = b->idx[q];
        double x[VR_FACTORS_MAX];
        lane_x(b, i, nf, x);
        const double tau = b->tau[i];
        const double f = tau > 0 ? pr->ops->vix_future_1(pr->tab, x, tau) : vr_vix_level_x(&pr->c30, x, nf);
        b->price[i] = b->fut[i] = f;
        b->delta[i] = 1.0;
        b->vega[i] = b->vol[i] = 0;
    }
}

void vr_pricing_mark_n(const vr_pricing *pr, const vk_table *kt, vr_mark_batch *b, size_t n,
                       unsigned want)
{
    /* A void call cannot report a bad VIXRISK_ISA: it falls back to the reference kernels,
     * which give the same marks within the documented kernel tolerance. Callers that can fail
     * resolve the table first (vr_kernels_resolve). */
    if (kt == NULL && (kt = vk_select(NULL)) == NULL)
        kt = &vk_table_ref;
    for (int kind = 0; kind < VR_INST_NKINDS; kind++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (b->kind[i] == (double)kind)
                b->idx[m++] = (uint32_t)i;
        if (m == 0)
            continue;
        if (!pr->has[vr_inst_kinds[kind].underlying]) {
            mark_absent(b, m);
            continue;
        }
        switch ((vr_inst_kind)kind) {
        case VR_INST_SPX_OPTION: mark_spx(pr, kt, b, m); break;
        case VR_INST_VIX_OPTION: mark_vix_options(pr, kt, b, m, want); break;
        case VR_INST_VIX_FUTURE: mark_vix_futures(pr, b, m); break;
        case VR_INST_NKINDS: break;
        }
    }
}

vr_mark vr_pricing_mark(const vr_pricing *pr, const vr_instrument *in, const vr_state *s,
                        unsigned want)
{
    /* a batch of capacity 8 on the stack: every array one row of `buf` */
    _Alignas(64) double buf[NARR][8];
    _Alignas(64) uint32_t idx[8];
    vr_mark_batch b;
    b.cap = 8;
    double **arrs[NARR];
    batch_arrays(&b, arrs);
    for (size_t i = 0; i < NARR; i++)
        *arrs[i] = buf[i];
    b.idx = idx;
    vr_mark_batch_set(&b, 0, in, s, pr->ops->nfactors);
    vr_pricing_mark_n(pr, &vk_table_ref, &b, 1, want);
    return vr_mark_batch_get(&b, 0);
}

vr_mark vr_pricing_mark_c(const vr_pricing *pr, const vr_instrument *in, const vr_state *s,
                          unsigned want, vr_mark_cache *c)
{
    if (c == NULL || in->kind != VR_INST_SPX_OPTION || !pr->has[VR_UL_SPX] ||
        (pr->ops->spx_surface == NULL && pr->ops->spx_stencil == NULL))
        return vr_pricing_mark(pr, in, s, want);
    if (c->pr != pr->serial) {
        memset(c->e, 0, sizeof c->e);
        c->pr = pr->serial;
    }
    /* mark_spx's arithmetic for one lane with the reference kernels, step for step: the lane's
     * inputs as vr_mark_batch_set and gather_x form them, then the same expressions (this file's
     * flags), vk_surface_axes_ref + vk_surface_vol_at_ref (vk_surface_vol_d_ref's own two parts)
     * for each surface the lookup reads, combined as spx_vol_n combines them, and
     * vk_black_greeks_d_ref (tests/test_pricing.c compares the two paths bit for bit) */
    const double spot = s->S, strike = in->strike, tau = in->t_exp - s->t, cp = (double)in->cp;
    const double t = tau > 0 ? tau : 0;
    const double v = s->x[0] > 0 ? s->x[0] : 0;
    const double m = pr->ops->nfactors > 1 && s->x[1] > 0 ? s->x[1] : 0;
    uint64_t kt, kv, km;
    memcpy(&kt, &t, sizeof kt);
    memcpy(&kv, &v, sizeof kv);
    memcpy(&km, &m, sizeof km);
    vr_mark_cache_entry *e = NULL;
    for (int i = 0; i < VR_MARK_CACHE_SLOTS; i++)
        if (c->e[i].ok && c->e[i].t == kt && c->e[i].v == kv && c->e[i].m == km) {
            e = &c->e[i];
            break;
        }
    if (e == NULL) {
        e = &c->e[c->next++ % VR_MARK_CACHE_SLOTS];
        e->t = kt;
        e->v = kv;
        e->m = km;
        e->ok = 1;
        spx_expiry(pr, t, &e->grow, &e->df, &e->rt);
        if (pr->ops->spx_surface != NULL) {
            e->ns = 1;
            e->s[0] = pr->ops->spx_surface(pr->tab);
        } else {
            const double x[2] = {v, m};
            e->ns = pr->ops->spx_stencil(pr->tab, x, e->w, e->s);
        }
        for (int r = 0; r < e->ns; r++)
            vk_surface_axes_ref(e->s[r], v, t, &e->ax[r]);
        c->misses++;
    } else {
        c->hits++;
    }
    const double fwd = spot * e->grow;
    const double k = t > 0 ? log(strike / fwd) / e->rt : 0.0;
    double vol;
    if (e->ns == 1) {
        vol = vk_surface_vol_at_ref(e->s[0], &e->ax[0], k);
    } else {
        double o[4];
        for (int r = 0; r < 4; r++)
            o[r] = vk_surface_vol_at_ref(e->s[r], &e->ax[r], k);
        vol = vr_spx_stencil_vol(e->w, o);
    }
    if (!(t > 0))
        vol = 0;
    if (want & VR_MARK_VOL_ONLY) { /* the vol above, without Black's price and Greeks */
        const vr_mark mk = {0, 0, 0, vol, fwd};
        return mk;
    }
    double price, delta, gamma, vega, theta;
    vk_black_greeks_d_ref(&fwd, &strike, &vol, &t, &e->df, &cp, &price, &delta, &gamma, &vega, &theta, 1);
    const vr_mark mk = {price, delta * (fwd / spot), vega, vol, fwd};
    return mk;
}
