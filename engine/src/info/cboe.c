/* cboe.c: the Cboe volatility-index formula (the VIX white paper's variance-swap estimate over an
 * out-of-the-money strip, which Cboe applies to VIX options for VVIX) and the model's VVIX.
 *
 * vr_cboe_variance works on plain arrays of strikes and prices, so the same code prices a strip
 * of model options and a strip of Black-76 options in the tests (for a lognormal underlying the
 * formula returns its volatility up to the strike grid's discretisation and the tails the zero-bid
 * rule cuts). A model has no bids: an option "has a zero bid" when its model price is below the
 * minimum tick (VR_CBOE_TICK), the price at which a quote would show a bid of 0. See
 * docs/numerics.md, "The model's VVIX". */
#include <math.h>
#include <stdlib.h>

#include "vixrisk/vr_model_info.h"

int vr_vix_strike_grid(double *K, int cap)
{
    int n = 0;
    for (double k = 1.0; k <= 500.0 + 1e-9 && n < cap;) {
        K[n++] = k;
        k += k < 50.0 - 1e-9 ? 1.0 : k < 100.0 - 1e-9 ? 2.5 : 5.0;
    }
    return n;
}

vr_status vr_cboe_variance(const double *K, const double *C, const double *P, int n, double T,
                           double rate, double tick, vr_cboe_term *out, vr_err *err)
{
    if (n < 2 || !(T > 0) || !isfinite(rate))
        return vr_fail(err, VR_EINVAL, "cboe: need >= 2 strikes and T > 0 (got n=%d, T=%g)", n, T);
    for (int i = 0; i < n; i++)
        if (!(K[i] > 0) || (i > 0 && !(K[i] > K[i - 1])))
            return vr_fail(err, VR_EINVAL, "cboe: strikes must be positive and ascending (K[%d]=%g)",
                           i, K[i]);
    const double growth = exp(rate * T);
    /* forward from put-call parity where the call and put prices are closest */
    int istar = -1;
    for (int i = 0; i < n; i++)
        if (isfinite(C[i]) && isfinite(P[i]) && (istar < 0 || fabs(C[i] - P[i]) < fabs(C[istar] - P[istar])))
            istar = i;
    if (istar < 0)
        return vr_fail(err, VR_EINVAL, "cboe: no strike with both a call and a put price");
    const double F = K[istar] + growth * (C[istar] - P[istar]);
    int i0 = -1;
    for (int i = 0; i < n && K[i] <= F; i++)
        i0 = i;
    if (i0 < 0 || !isfinite(C[i0]) || !isfinite(P[i0]))
        return vr_fail(err, VR_EINVAL, "cboe: no strike at or below the forward %g with both prices", F);

    /* the strikes used, ascending: puts below K0 (walking down), K0, calls above (walking up) */
    int *use = malloc((size_t)n * sizeof *use);
    if (use == NULL)
        return vr_fail(err, VR_ENOMEM, "cboe: %d strikes", n);
    int nlo = 0, zeros = 0;
    for (int i = i0 - 1; i >= 0 && zeros < 2; i--) {
        if (!(P[i] >= tick)) { zeros++; continue; }  /* a NAN price counts as no bid */
        zeros = 0;
        use[nlo++] = i;
    }
    /* reverse the put side into ascending order, then K0 and the calls */
    for (int a = 0, b = nlo - 1; a < b; a++, b--) {
        const int t = use[a];
        use[a] = use[b];
        use[b] = t;
    }
    int nu = nlo;
    use[nu++] = i0;
    zeros = 0;
    for (int i = i0 + 1; i < n && zeros < 2; i++) {
        if (!(C[i] >= tick)) { zeros++; continue; }
        zeros = 0;
        use[nu++] = i;
    }
    double sum = 0.0;
    for (int j = 0; j < nu; j++) {
        const int i = use[j];
        double dk;
        if (nu == 1) /* K0 alone: half the distance between its neighbours on the grid (one-sided
                      * at the grid's ends), the dK K0 has when the zero-priced options either
                      * side are kept; they add nothing to the sum, so the cut must not double it */
            dk = i == 0 ? K[1] - K[0]
               : i == n - 1 ? K[n - 1] - K[n - 2]
               : 0.5 * (K[i + 1] - K[i - 1]);
        else if (j == 0)
            dk = K[use[1]] - K[i];
        else if (j == nu - 1)
            dk = K[i] - K[use[nu - 2]];
        else
            dk = 0.5 * (K[use[j + 1]] - K[use[j - 1]]);
        const double q = i < i0 ? P[i] : i > i0 ? C[i] : 0.5 * (P[i] + C[i]);
        sum += dk / (K[i] * K[i]) * growth * q;
    }
    const double d = F / K[i0] - 1.0;
    out->fwd = F;
    out->k0 = K[i0];
    out->var = 2.0 / T * sum - d * d / T;
    out->nused = nu;
    out->k_lo = K[use[0]];
    out->k_hi = K[use[nu - 1]];
    free(use);
    return VR_OK;
}

double vr_cboe_index(double T1, double var1, double T2, double var2)
{
    const double T30 = 30.0 / 365.0;
    const double w1 = (T2 - T30) / (T2 - T1), w2 = (T30 - T1) / (T2 - T1);
    const double v30 = (T1 * var1 * w1 + T2 * var2 * w2) / T30;
    return v30 >= 0 ? 100.0 * sqrt(v30) : NAN;
}

/* One expiry's strip of model options: calls in one batch (ops->vix_options), puts by the model's
 * own parity P = C - e^{-rT}(F - K) with F the model future (the Cboe formula then finds F back
 * from parity; the put carries the call's absolute error, ~1e-8, far below the tick that decides
 * the strip's ends). The strikes priced are those of the grid within a factor 10 of the future;
 * if an option at either end of that range is still above the tick, the rest of the grid is
 * priced too, so the walk always ends where the Cboe rule ends it (or at the grid's end). */
static vr_status model_term(const vr_model_ops *ops, const vr_sv_params *p, const double *x,
                            double T, double rate, const double *K, int n, double *C, double *P,
                            vr_cboe_term *out, vr_err *err)
{
    vr_status st;
    double fut;
    if ((st = ops->vix_future(p, x, T, &fut, err)) != VR_OK)
        return st;
    /* the strip needs strikes on both sides of the forward: the grid holds VIX futures from its
     * first strike to its last, and beyond them the formula returns a number that is not the
     * VIX's vol (a put-only strip and a negative variance above the grid; no K0 below it) */
    if (!(fut >= K[0] && fut <= K[n - 1]))
        return vr_fail(err, VR_ENUM,
                       "model VVIX: the model's VIX future at %.0f days is %g, outside the VIX option "
                       "strike grid (%g to %g): the Cboe formula has no strip there",
                       T * 365.0, fut, K[0], K[n - 1]);
    int lo = 0, hi = n;
    while (lo < n - 1 && K[lo + 1] < fut / 10)
        lo++;
    while (hi > lo + 2 && K[hi - 2] > fut * 10)
        hi--;
    const double df = exp(-rate * T);
    for (int i = 0; i < n; i++)
        C[i] = P[i] = NAN;
    if ((st = ops->vix_options(p, x, T, K + lo, hi - lo, rate, 1, C + lo, err)) != VR_OK)
        return st;
    const double put_lo = C[lo] - df * (fut - K[lo]);
    if (!((lo == 0 || (put_lo > 0 ? put_lo : 0.0) < VR_CBOE_TICK) &&
          (hi == n || C[hi - 1] < VR_CBOE_TICK))) {
        /* an end of the range still above the tick: the rest of the grid too. Where the model
         * prices each strike on its own (the one-factor models' vix_options is vix_option strike
         * by strike, model_ops.c) only the strikes outside [lo, hi), which gives the whole grid's
         * strip bit for bit; svcj2's batch shares its put integrals between neighbouring strikes,
         * so it prices the whole grid again. */
        if (ops->nfactors > 1)
            st = ops->vix_options(p, x, T, K, n, rate, 1, C, err);
        else {
            if (lo > 0)
                st = ops->vix_options(p, x, T, K, lo, rate, 1, C, err);
            if (st == VR_OK && hi < n)
                st = ops->vix_options(p, x, T, K + hi, n - hi, rate, 1, C + hi, err);
        }
        if (st != VR_OK)
            return st;
        lo = 0, hi = n;
    }
    for (int i = lo; i < hi; i++) {
        const double put = C[i] - df * (fut - K[i]);
        P[i] = put > 0 ? put : 0.0;
    }
    return vr_cboe_variance(K, C, P, n, T, rate, VR_CBOE_TICK, out, err);
}

vr_status vr_model_vvix(const vr_model_ops *ops, const vr_sv_params *p, const double *x,
                        double rate, vr_vvix *out, vr_err *err)
{
    enum { CAP = 256 };
    double K[CAP], C[CAP], P[CAP];
    const int n = vr_vix_strike_grid(K, CAP);
    vr_status st;
    out->t_near = VR_VVIX_NEAR_DAYS / 365.0;
    out->t_next = VR_VVIX_NEXT_DAYS / 365.0;
    if ((st = model_term(ops, p, x, out->t_near, rate, K, n, C, P, &out->near, err)) != VR_OK)
        return st;
    if ((st = model_term(ops, p, x, out->t_next, rate, K, n, C, P, &out->next, err)) != VR_OK)
        return st;
    out->level = vr_cboe_index(out->t_near, out->near.var, out->t_next, out->next.var);
    if (!isfinite(out->level))
        return vr_fail(err, VR_ENUM,
                       "model VVIX: the interpolated 30-day variance is negative (near %g, next %g)",
                       out->near.var, out->next.var);
    return VR_OK;
}
