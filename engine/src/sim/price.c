/* price.c: Monte Carlo price of one European option (see vr_price.h).
 * A failure of the direct pricer fails the request with its reason, so no NaN reaches output.
 *
 * The simulation stores only each path's terminal state; payoffs are summed afterwards in path
 * order, so the estimate is bit-identical for any thread count. SPX: payoff on S_T. VIX: the
 * index at expiry from the terminal variance, VIX_T = 100 sqrt(a + b v_T), with (a, b) of the
 * pricing parameters; a future's price is E[VIX_T] (undiscounted, futures are marked to market). */
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_price.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vr_vix.h"
#include "vixrisk/vk_bs.h"

vr_status vr_price(const vr_price_req *req, vr_price_result *res, vr_err *err)
{
    const vr_model *m = &req->model;
    res->mc = res->se = res->analytic = res->surface = res->z = NAN;
    if (!(req->strike > 0) && req->option != VR_OPTION_FUTURE)
        return vr_fail(err, VR_EINVAL, "--strike must be > 0 (got %g)", req->strike);
    if (!(req->expiry > 0 && req->expiry <= 50))
        return vr_fail(err, VR_EINVAL, "--expiry must be in (0, 50] years (got %g)", req->expiry);
    if (req->paths == 0)
        return vr_fail(err, VR_EINVAL, "--paths must be >= 1 (got 0)");
    if (req->steps_per_year == 0)
        return vr_fail(err, VR_EINVAL, "--steps-per-year must be >= 1 (got 0)");
    if (req->option == VR_OPTION_FUTURE && req->underlying != VR_UNDERLYING_VIX)
        return vr_fail(err, VR_EINVAL, "--option future needs --underlying vix");

    const double steps_d = ceil(req->expiry * (double)req->steps_per_year - 1e-9);
    const size_t steps = steps_d < 1 ? 1 : (size_t)steps_d;
    vr_sim_spec s = {
        .type = m->type, .params = m->pricing, .spot = m->spot, .rate = m->rate,
        .dividend = m->dividend, .v0 = m->v0, .horizon = req->expiry, .steps = steps,
        .paths = req->paths, .seed = req->seed, .scenario = 0, .scheme = req->scheme,
        .block = 0, .threads = req->threads, .kt = req->kt,
    };
    double *ls = malloc(req->paths * sizeof *ls);
    double *v = malloc(req->paths * sizeof *v);
    vr_status st = VR_OK;
    if (ls == NULL || v == NULL) {
        st = vr_fail(err, VR_ENOMEM, "price: terminal state of %zu paths", req->paths);
        goto done;
    }
    const double t0 = omp_get_wtime();
    if ((st = vr_sim_terminal(&s, ls, v, err)) != VR_OK)
        goto done;
    res->seconds = omp_get_wtime() - t0;
    res->steps = steps;

    const int call = req->option == VR_OPTION_CALL;
    const double K = req->strike;
    const vr_vix_coef vc = vr_vix_coef_make(m->type, &m->pricing, VR_VIX_TAU_30D);
    /* Sum of payoffs and of squares, shifted by the first payoff to limit cancellation. */
    double shift = 0, s1 = 0, s2 = 0;
    for (size_t p = 0; p < req->paths; p++) {
        double x;
        if (req->underlying == VR_UNDERLYING_SPX) {
            const double S = exp(ls[p]);
            x = call ? fmax(S - K, 0.0) : fmax(K - S, 0.0);
        } else {
            const double vix = vr_vix_level(vc, v[p] > 0 ? v[p] : 0.0);
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

    /* The direct price is the reference the command exists to show: if it fails, the whole
     * request fails with the pricer's reason (never a NaN result). The tabulated price is
     * secondary: a table that cannot be built leaves `surface` NAN (reported as absent). */
    vr_err aerr = {VR_OK, ""};
    if (req->underlying == VR_UNDERLYING_SPX) {
        double a;
        if ((st = vr_analytic_european(m->type, &m->pricing, m->spot, m->rate, m->dividend, m->v0,
                                       K, req->expiry, call, &a, err)) != VR_OK)
            goto done;
        res->analytic = a;
        /* The implied-vol surface that marks SPX options along paths, at the same point
         * (it covers expiries up to 1 year by default, longer on request). */
        vr_surface *sf = NULL;
        vr_surface_spec ss = {0};
        ss.tau_min = 1.0 / 365;
        ss.tau_max = fmax(1.0, req->expiry);
        if (vr_surface_build(m->type, &m->pricing, &ss, &sf, &aerr) == VR_OK) {
            const double T = req->expiry;
            const double fwd = m->spot * exp((m->rate - m->dividend) * T), df = exp(-m->rate * T);
            const double vol = vr_surface_vol(sf, m->v0, T, log(K / fwd) / sqrt(T));
            const double cp = call ? 1.0 : -1.0;
            double pr, de;
            vk_black_d_ref(&fwd, &K, &vol, &T, &df, &cp, &pr, &de, 1);
            res->surface = isfinite(pr) ? pr : NAN;
            vr_surface_destroy(sf);
        }
    } else {
        double a;
        st = req->option == VR_OPTION_FUTURE
                 ? vr_vix_future(m->type, &m->pricing, m->v0, req->expiry, &a, err)
                 : vr_vix_option(m->type, &m->pricing, m->v0, req->expiry, K, m->rate, call, &a,
                                 err);
        if (st != VR_OK)
            goto done;
        res->analytic = a;
        /* The table that marks VIX options along paths, at the same point. */
        vr_vix_table *tab = NULL;
        const vr_vix_table_spec spec = {
            .v_max = fmax(1.0, 10 * vr_theta_star(m->type, &m->pricing)), .tau_min = 1.0 / 365,
            .tau_max = fmax(0.5, req->expiry), .m_min = 0.5, .m_max = 3.0, .rate = m->rate};
        if (vr_vix_table_build(m->type, &m->pricing, &spec, &tab, &aerr) == VR_OK) {
            const double fut = vr_vix_table_future(tab, m->v0, req->expiry);
            if (req->option == VR_OPTION_FUTURE)
                res->surface = fut;
            else {
                const double c = vr_vix_table_call(tab, m->v0, req->expiry, K);
                res->surface = call ? c : c - exp(-m->rate * req->expiry) * (fut - K);
            }
            if (!isfinite(res->surface))
                res->surface = NAN;
            vr_vix_table_destroy(tab);
        }
    }
    if (!isfinite(res->analytic))
        st = vr_fail(err, VR_ENUM, "price: direct price is not finite (%g)", res->analytic);
    /* z = (mc - analytic)/se, defined only when the Monte Carlo has a spread */
    res->z = res->se > 0 ? (res->mc - res->analytic) / res->se : NAN;
done:
    free(ls);
    free(v);
    return st;
}
