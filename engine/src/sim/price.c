/* price.c: Monte Carlo price of one European option (see vr_price.h).
 * A failure of the direct pricer fails the request with its reason, so no NaN reaches output.
 *
 * The simulation stores only each path's terminal state; payoffs are summed afterwards in path
 * order, so the estimate is bit-identical for any thread count. SPX: payoff on S_T. VIX: the
 * index at expiry from the terminal variance, VIX_T = 100 sqrt(a + b v_T), with (a, b) of the
 * pricing parameters; a future's price is E[VIX_T] (undiscounted, futures are marked to market).
 * The direct price comes from the model's descriptor, the tabulated one from the pricing layer
 * (the same object and tables that mark options along paths). */
#include <math.h>
#include <stdio.h>
#include <omp.h>
#include <stdlib.h>

#include "vixrisk/vr_price.h"
#include "vixrisk/vr_pricing.h"
#include "vixrisk/vr_surface.h"

static vr_status price(const vr_price_req *req, vr_price_result *res, vr_err *err);

/* req->threads bounds every parallel region of the call, the table builds included (they run on
 * OpenMP's default team); the caller's setting is restored. */
vr_status vr_price(const vr_price_req *req, vr_price_result *res, vr_err *err)
{
    const int prev = omp_get_max_threads();
    if (req->threads > 0)
        omp_set_num_threads(req->threads);
    const vr_status st = price(req, res, err);
    omp_set_num_threads(prev);
    return st;
}

static vr_status price(const vr_price_req *req, vr_price_result *res, vr_err *err)
{
    const vr_model *m = &req->model;
    res->mc = res->se = res->analytic = res->surface = res->surface_k = res->surface_days = res->z = NAN;
    res->surface_none[0] = res->surface_year[0] = 0;
    if (!(req->strike > 0) && req->option != VR_OPTION_FUTURE)
        return vr_fail(err, VR_EINVAL, "--strike must be > 0 (got %s)", vr_num_str(req->strike, (char[VR_NUM_STR]){0}));
    if (!(req->expiry >= VR_PRICE_EXPIRY_MIN && req->expiry <= 50))
        return vr_fail(err, VR_EINVAL, "--expiry must be in [%g, 50] years (got %s)", VR_PRICE_EXPIRY_MIN,
                       vr_num_str(req->expiry, (char[VR_NUM_STR]){0}));
    if (req->paths == 0)
        return vr_fail(err, VR_EINVAL, "--paths must be >= 1 (got 0)");
    if (req->steps_per_year == 0)
        return vr_fail(err, VR_EINVAL, "--steps-per-year must be >= 1 (got 0)");
    if (req->option == VR_OPTION_FUTURE && req->underlying != VR_UNDERLYING_VIX)
        return vr_fail(err, VR_EINVAL, "--option future needs --underlying vix");

    const double steps_d = ceil(req->expiry * (double)req->steps_per_year - 1e-9);
    const size_t steps = steps_d < 1 ? 1 : (size_t)steps_d;
    const vr_model_ops *ops = vr_model_ops_get(m->type);
    if (ops == NULL)
        return vr_fail(err, VR_EINVAL, "unknown model type %d", (int)m->type);
    double x0[VR_FACTORS_MAX] = {0};
    ops->state0(m, x0);
    vr_sim_spec s = {
        .type = m->type, .params = m->pricing, .spot = m->spot, .rate = m->rate,
        .dividend = m->dividend, .v0 = x0[0], .m0 = x0[1], .horizon = req->expiry, .steps = steps,
        .paths = req->paths, .seed = req->seed, .scenario = 0, .scheme = req->scheme,
        .fast_log = req->fast_log, .single = req->single,
        .block = 0, .threads = req->threads, .kt = req->kt,
    };
    const int call = req->option == VR_OPTION_CALL;
    const double K = req->strike;
    /* The direct price is the reference the command exists to show: if it fails, the whole
     * request fails with the pricer's reason (never a NaN result). It comes first: it takes a
     * fraction of the Monte Carlo's time, and a request it refuses then costs no simulation. A
     * failure of the Monte Carlo after it returns with `analytic` set, which tells the caller
     * which of the two failed (VR_ENUM either way). */
    double a = NAN;
    vr_status st;
    if (req->underlying == VR_UNDERLYING_SPX)
        st = ops->spx_european(&m->pricing, m->spot, m->rate, m->dividend, x0, K, req->expiry,
                               call, &a, err);
    else if (req->option == VR_OPTION_FUTURE)
        st = ops->vix_future(&m->pricing, x0, req->expiry, &a, err);
    else
        st = ops->vix_option(&m->pricing, x0, req->expiry, K, m->rate, call, &a, err);
    if (st != VR_OK)
        return st;
    if (!isfinite(a))
        return vr_fail(err, VR_ENUM, "price: direct price is not finite (%g)", a);
    res->analytic = a;

    double *ls = malloc(req->paths * sizeof *ls);
    double *xs[VR_FACTORS_MAX] = {NULL};
    int ok = ls != NULL;
    for (int j = 0; j < ops->nfactors; j++)
        ok = (xs[j] = malloc(req->paths * sizeof(double))) != NULL && ok;
    if (!ok) {
        st = vr_fail(err, VR_ENOMEM, "price: terminal state of %zu paths", req->paths);
        goto done;
    }
    const double t0 = omp_get_wtime();
    if ((st = vr_sim_terminal_x(&s, ls, xs, err)) != VR_OK)
        goto done;
    res->seconds = omp_get_wtime() - t0;
    res->steps = steps;
    /* A path that ends non-finite is a numerical failure of the path step, never a payoff: fmax
     * would turn a NaN S_T into 0 and the price would be silently low. */
    for (size_t p = 0; p < req->paths; p++) {
        int fin = isfinite(ls[p]);
        for (int j = 0; j < ops->nfactors; j++)
            fin = fin && isfinite(xs[j][p]);
        if (!fin) { /* every factor shown: the non-finite one may be the second (svcj2's m) */
            char fs[96] = "";
            for (int j = 0, n = 0; j < ops->nfactors && n >= 0 && (size_t)n < sizeof fs; j++)
                n += snprintf(fs + n, sizeof fs - (size_t)n, ", %s = %g", ops->factor_names[j], xs[j][p]);
            st = vr_fail(err, VR_ENUM,
                         "price: path %zu of %zu ends with a non-finite state (ln S = %g%s) "
                         "after %zu steps of %g years (%s, seed %llu, %s scheme, %s precision, "
                         "ISA %s): a numerical failure of the path step at these parameters",
                         p, req->paths, ls[p], fs, steps,
                         req->expiry / (double)steps, ops->name, (unsigned long long)req->seed,
                         req->single ? "qe" : req->scheme == VR_SCHEME_EULER ? "euler" : "qe",
                         req->single ? "single" : "double",
                         req->kt ? req->kt->isa : vk_select(NULL) ? vk_select(NULL)->isa : "?");
            goto done;
        }
    }

    const vr_vix_coef vc = ops->vix_coef(&m->pricing, VR_VIX_TAU_30D);
    /* Sum of payoffs and of squares, shifted by the first payoff to limit cancellation. */
    double shift = 0, s1 = 0, s2 = 0;
    for (size_t p = 0; p < req->paths; p++) {
        double x;
        if (req->underlying == VR_UNDERLYING_SPX) {
            const double S = exp(ls[p]);
            x = call ? fmax(S - K, 0.0) : fmax(K - S, 0.0);
        } else {
            double xp[VR_FACTORS_MAX] = {0};
            for (int j = 0; j < ops->nfactors; j++)
                xp[j] = xs[j][p];
            const double vix = vr_vix_level_x(&vc, xp, ops->nfactors);
            x = req->option == VR_OPTION_FUTURE ? vix : call ? fmax(vix - K, 0.0) : fmax(K - vix, 0.0);
        }
        if (p == 0)
            shift = x;
        s1 += x - shift;
        s2 += (x - shift) * (x - shift);
    }
    const double n = (double)req->paths;
    const double mean = shift + s1 / n;
    const double var = n > 1 ? (s2 - s1 * s1 / n) / (n - 1) : 0.0;
    const double disc = req->option == VR_OPTION_FUTURE ? 1.0 : exp(-m->rate * req->expiry);
    res->mc = disc * mean;
    res->se = disc * sqrt(var > 0 ? var / n : 0.0);

    /* The tabulated price is secondary: a table that cannot be built leaves `surface` NAN and
     * says why in `surface_none`. */
    vr_err aerr = {VR_OK, ""};
    /* The pricing layer that marks options along paths, at the same point (its tables cover
     * expiries up to 1 year, longer on request): only the asked underlying's tables, which are
     * a run's bit for bit (an svcj2 VIX call would otherwise spend most of its build on the SPX
     * surface). */
    vr_pricing *pr = NULL;
    const vr_underlying_id ul = req->underlying == VR_UNDERLYING_SPX ? VR_UL_SPX : VR_UL_VIX;
    /* a state above the VIX option table's top: the tables of a run that starts there, which reach
     * past it (vr_model.vix_cover; run_config.c) */
    vr_model mt = *m;
    vr_model_cover_vix(&mt, vr_vix_level_x(&vc, x0, ops->nfactors));
    if (!req->no_surface &&
        vr_pricing_build_only(&mt, fmax(1.0, req->expiry), ul, &pr, &aerr) != VR_OK) {
        snprintf(res->surface_none, sizeof res->surface_none, "the pricing tables did not build: %s",
                 aerr.msg);
        /* Tables to a year are a run's whose books trade to a year; a run builds its tables to its
         * policies' longest expiry and 2 days (eval.c, policy_max_tau), and the check covers the
         * expiries they serve. So a law refused at a year (Heston at sigma 10: a 6-month call's
         * table price 4 times the direct one) can still build for a 30-day option, and a run
         * trading to 30 days marks with those: price the option from the tables such a run
         * builds, and say why not from the year's. */
        const double tau = req->expiry + 2.0 / 365;
        vr_err serr = {VR_OK, ""};
        if (aerr.code != VR_ENOMEM && tau < 1.0 && vr_pricing_build_only(&mt, tau, ul, &pr, &serr) == VR_OK) {
            res->surface_days = tau * 365;
            snprintf(res->surface_year, sizeof res->surface_year, "%s", aerr.msg);
            res->surface_none[0] = 0;
        }
    }
    if (pr != NULL) {
        const vr_instrument in = {
            req->underlying == VR_UNDERLYING_SPX ? VR_INST_SPX_OPTION
            : req->option == VR_OPTION_FUTURE    ? VR_INST_VIX_FUTURE : VR_INST_VIX_OPTION,
            req->option == VR_OPTION_FUTURE ? 0 : call ? 1 : -1, K, req->expiry};
        vr_state at = {0, m->spot, {0}};
        for (int j = 0; j < VR_FACTORS_MAX; j++)
            at.x[j] = x0[j];
        const double sp = vr_pricing_mark(pr, &in, &at, 0).price;
        res->surface = isfinite(sp) ? sp : NAN;
        if (!isfinite(sp))
            snprintf(res->surface_none, sizeof res->surface_none,
                     "the pricing tables' price is not finite");
        /* The VIX tables' time axis starts at 1 day and a lookup below it takes the first node's
         * price (vk_vixtab.h): a 0.0001-year VIX call at 0.558 against 0.112 analytic. The SPX
         * surface scales its moneyness by sqrt(tau) and keeps pricing there. */
        if (req->underlying == VR_UNDERLYING_VIX && req->expiry < 1.0 / 365 && isfinite(res->surface)) {
            res->surface = NAN;
            snprintf(res->surface_none, sizeof res->surface_none,
                     "the VIX tables start at 1 day to expiry: a shorter expiry would be priced as a "
                     "1-day one");
        }
        /* beyond |k| = k_max the lookup holds the vol at k_max: say so next to the number */
        if (req->underlying == VR_UNDERLYING_SPX && isfinite(res->surface)) {
            const double k = (log(K / m->spot) - (m->rate - m->dividend) * req->expiry) /
                             sqrt(req->expiry);
            if (fabs(k) > VR_SURFACE_DEFAULT_KMAX)
                res->surface_k = k;
        }
        vr_pricing_destroy(pr);
    }
    /* z = (mc - analytic)/se, defined only when the Monte Carlo has a spread */
    res->z = res->se > 0 ? (res->mc - res->analytic) / res->se : NAN;
done:
    free(ls);
    for (int j = 0; j < VR_FACTORS_MAX; j++)
        free(xs[j]);
    return st;
}
