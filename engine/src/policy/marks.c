/* marks.c: instrument marks from the pricing model (see vr_marks.h).
 *
 * SPX: the surface gives sigma(v, tau, k); the price and Greeks come from the Black-76 reference
 * kernel (our exp-based normal CDF), called on one option at a time here. VIX calls: the table
 * gives the future and the call; the call's delta dC/dF is the Black-76 delta at the call's own
 * implied vol (found by a few Newton steps on the table price), which is how strikes "by delta"
 * are chosen on the VIX option grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vixrisk/vr_analytic.h"
#include "vixrisk/vr_marks.h"
#include "vixrisk/vr_surface.h"
#include "vixrisk/vr_vix.h"
#include "vixrisk/vr_alloc.h"
#include "vixrisk/vk_bs.h"

struct vr_marks {
    vr_model_type type;
    vr_sv_params p;
    double r, q;
    vr_vix_coef c30, c93;
    vr_surface *surf;
    vr_vix_table *vix;
};

/* The VIX table the marks of model m use, covering expiries up to max_tau years. */
static vr_vix_table_spec vix_table_spec(const vr_model *m, double max_tau)
{
    const vr_vix_table_spec vs = {
        .v_max = fmax(1.0, 12 * vr_theta_star(m->type, &m->pricing)), .tau_min = 1.0 / 365,
        .tau_max = fmax(max_tau, 60.0 / 365), .m_min = 0.5, .m_max = 3.0, .rate = m->rate};
    return vs;
}

vr_status vr_marks_check(const vr_model *m, double max_tau, vr_err *err)
{
    const vr_vix_table_spec vs = vix_table_spec(m, max_tau);
    return vr_vix_table_spec_check(&vs, err);
}

vr_status vr_marks_build(const vr_model *m, double max_tau, vr_marks **out, vr_err *err)
{
    vr_marks *mk = calloc(1, sizeof *mk);
    if (mk == NULL)
        return vr_fail(err, VR_ENOMEM, "marks");
    mk->type = m->type;
    mk->p = m->pricing;
    mk->r = m->rate;
    mk->q = m->dividend;
    mk->c30 = vr_vix_coef_make(m->type, &m->pricing, VR_VIX_TAU_30D);
    mk->c93 = vr_vix_coef_make(m->type, &m->pricing, VR_VIX_TAU_93D);
    vr_status st;
    vr_surface_spec ss = {0};
    ss.tau_min = 1.0 / 365;
    ss.tau_max = fmax(max_tau, 30.0 / 365);
    if ((st = vr_surface_build(m->type, &m->pricing, &ss, &mk->surf, err)) != VR_OK)
        goto fail;
    const vr_vix_table_spec vs = vix_table_spec(m, max_tau);
    if ((st = vr_vix_table_build(m->type, &m->pricing, &vs, &mk->vix, err)) != VR_OK)
        goto fail;
    *out = mk;
    return VR_OK;
fail:
    vr_marks_destroy(mk);
    return st;
}

void vr_marks_destroy(vr_marks *mk)
{
    if (mk == NULL)
        return;
    vr_surface_destroy(mk->surf);
    vr_vix_table_destroy(mk->vix);
    free(mk);
}

double vr_marks_rate(const vr_marks *mk) { return mk->r; }
double vr_marks_dividend(const vr_marks *mk) { return mk->q; }
double vr_marks_vix(const vr_marks *mk, double v) { return vr_vix_level(mk->c30, v > 0 ? v : 0); }
double vr_marks_vix3m(const vr_marks *mk, double v) { return vr_vix_level(mk->c93, v > 0 ? v : 0); }

vr_spx_mark vr_marks_spx(const vr_marks *mk, double spot, double v, double strike, double tau, int cp)
{
    vr_spx_mark m = {0, 0, 0, 0};
    const double t = tau > 0 ? tau : 0;
    const double fwd = spot * exp((mk->r - mk->q) * t);
    const double df = exp(-mk->r * t);
    double vol = 0;
    if (t > 0) {
        const double k = log(strike / fwd) / sqrt(t);
        vol = vr_surface_vol(mk->surf, v > 0 ? v : 0, t, k);
    }
    /* one lane of the Black-76 reference kernel (its loop has no lane-count requirement) */
    const double cpd = cp > 0 ? 1.0 : -1.0;
    double price, delta, gamma, vega, theta;
    vk_black_greeks_d_ref(&fwd, &strike, &vol, &t, &df, &cpd, &price, &delta, &gamma, &vega, &theta, 1);
    m.price = price;
    m.delta = delta * fwd / spot; /* dP/dF * dF/dS */
    m.vega = vega;
    m.vol = vol;
    return m;
}

double vr_marks_vix_call_price(const vr_marks *mk, double v, double strike, double tau)
{
    if (tau <= 0) {
        const double vix = vr_marks_vix(mk, v);
        return vix > strike ? vix - strike : 0;
    }
    const double c = vr_vix_table_call(mk->vix, v > 0 ? v : 0, tau, strike);
    return c > 0 ? c : 0;
}

double vr_marks_vix_future(const vr_marks *mk, double v, double tau)
{
    return tau > 0 ? vr_vix_table_future(mk->vix, v > 0 ? v : 0, tau) : vr_marks_vix(mk, v);
}

vr_vix_mark vr_marks_vix_call(const vr_marks *mk, double v, double strike, double tau)
{
    vr_vix_mark m = {0, 0, 0};
    if (tau <= 0) {
        const double vix = vr_marks_vix(mk, v);
        m.fut = vix;
        m.price = vix > strike ? vix - strike : 0;
        m.delta = vix > strike ? 1 : 0;
        return m;
    }
    const double vv = v > 0 ? v : 0;
    m.fut = vr_vix_table_future(mk->vix, vv, tau);
    m.price = vr_vix_table_call(mk->vix, vv, tau, strike);
    if (m.price < 0)
        m.price = 0;
    const double df = exp(-mk->r * tau);
    /* implied vol of the call (Black-76 on the future) for its delta */
    double sig = 0.8;
    for (int it = 0; it < 30; it++) {
        const double cpd = 1.0;
        double pr, de, ga, ve, th;
        vk_black_greeks_d_ref(&m.fut, &strike, &sig, &tau, &df, &cpd, &pr, &de, &ga, &ve, &th, 1);
        const double diff = pr - m.price;
        if (fabs(diff) < 1e-10 || ve < 1e-12) {
            m.delta = de / df;
            break;
        }
        sig -= diff / ve;
        if (sig < 0.01)
            sig = 0.01;
        if (sig > 8)
            sig = 8;
        m.delta = de / df;
    }
    return m;
}

vr_status vr_marks_batch_alloc(vr_marks_batch *b, size_t cap, vr_err *err)
{
    memset(b, 0, sizeof *b);
    cap = (cap + 7) / 8 * 8;
    b->cap = cap;
    double **arrs[] = {&b->spot, &b->var, &b->strike, &b->tau, &b->cp, &b->fwd, &b->df, &b->k,
                       &b->vol, &b->price, &b->delta, &b->gamma, &b->vega, &b->theta};
    for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
        *arrs[i] = vr_aligned_alloc(cap * sizeof(double));
        if (*arrs[i] == NULL) {
            vr_marks_batch_free(b);
            return vr_fail(err, VR_ENOMEM, "marks: batch of %zu options", cap);
        }
    }
    return VR_OK;
}

void vr_marks_batch_free(vr_marks_batch *b)
{
    double *arrs[] = {b->spot, b->var, b->strike, b->tau, b->cp, b->fwd, b->df, b->k, b->vol,
                      b->price, b->delta, b->gamma, b->vega, b->theta};
    for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++)
        vr_free(arrs[i]);
    memset(b, 0, sizeof *b);
}

/* The same arithmetic as vr_marks_spx, lane by lane, with the surface and Black-76 done by the
 * SIMD kernels. The scalar set-up (forward, discount, log-moneyness) uses libm; it costs a few
 * ns per option next to the kernels. */
void vr_marks_spx_n(const vr_marks *mk, const vk_table *kt, vr_marks_batch *b, size_t n)
{
    const size_t npad = (n + 7) / 8 * 8;
    for (size_t i = 0; i < npad; i++) {
        if (i >= n) { /* padding lanes: a valid dummy option */
            b->spot[i] = b->strike[i] = 1.0;
            b->var[i] = 0.04;
            b->tau[i] = 0.1;
            b->cp[i] = 1.0;
        }
        const double t = b->tau[i] > 0 ? b->tau[i] : 0;
        b->tau[i] = t;
        b->fwd[i] = b->spot[i] * exp((mk->r - mk->q) * t);
        b->df[i] = exp(-mk->r * t);
        b->k[i] = t > 0 ? log(b->strike[i] / b->fwd[i]) / sqrt(t) : 0.0;
        if (b->var[i] < 0)
            b->var[i] = 0;
    }
    kt->surface_vol(vr_surface_kernel_view(mk->surf), b->var, b->tau, b->k, b->vol, npad);
    for (size_t i = 0; i < npad; i++)
        if (!(b->tau[i] > 0))
            b->vol[i] = 0;
    kt->black_greeks(b->fwd, b->strike, b->vol, b->tau, b->df, b->cp, b->price, b->delta, b->gamma,
                     b->vega, b->theta, npad);
    for (size_t i = 0; i < n; i++)
        b->delta[i] *= b->fwd[i] / b->spot[i];
}
